"""The work-plan API (workplans/api/): plans, measures and indicators readable by every signed-in user;
obligations, progress updates and improvement plans scoped to the user's institutions (another institution's row
is 404); writes by editors and write-token API clients only (403 for viewers and read-only tokens); the review
cycle with 409 for a step the status does not allow and 400 naming the field."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from assessments.models import Family
from tests.assessments.factories import (
    AreaFactory,
    AssessmentFactory,
    MethodologyFactory,
    QuestionFactory,
    RoundFactory,
)
from tests.factories import InstitutionFactory, UserFactory
from tests.workplans.factories import (
    ActionLineFactory,
    ImprovementItemFactory,
    ImprovementPlanFactory,
    IndicatorActualFactory,
    IndicatorFactory,
    IndicatorTargetFactory,
    MeasureDeadlineFactory,
    MeasureFactory,
    MeasureResponsibilityFactory,
    ObligationFactory,
    PlanFactory,
    ProgressUpdateFactory,
    RoadmapGroupFactory,
)
from workplans.models import (
    ImprovementItem,
    ImprovementPlan,
    IndicatorActual,
    Measure,
    MeasureStatus,
    Obligation,
    ProgressUpdate,
    ResponsibilityRole,
    ReviewStatus,
)

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/plans/"
MEASURES = "/api/v1/measures/"
INDICATORS = "/api/v1/indicators/"
OBLIGATIONS = "/api/v1/obligations/"
UPDATES = "/api/v1/progress-updates/"
IMPROVEMENT_PLANS = "/api/v1/improvement-plans/"
ITEMS = "/api/v1/improvement-items/"

LONG_AGO = date(2020, 1, 1)
FAR_AHEAD = date(2099, 12, 31)


def client_for(user, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def token_client(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def user_with(role, *memberships):
    """A user of `role` with memberships given as (institution, can_edit) pairs. No password: these tests
    authenticate by token or by force, and hashing one costs most of a test's time."""
    user = UserFactory(role=role, password=None)
    for institution, can_edit in memberships:
        Membership.objects.create(user=user, institution=institution, can_edit=can_edit)
    return user


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@dataclass
class World:
    a: object
    b: object
    coordinator: object
    editor_a: object
    viewer_a: object
    writer_a: object  # an API client with a write token for A
    reader_a: object  # an API client with a read-only token for A
    editor_b: object
    plan: object
    predecessor: object
    rv1: object
    rv2: object
    p11: object
    p12: object
    p21: object
    p22: object
    obligation_a: object
    obligation_b: object
    update_a: object
    update_b: object
    indicator: object


@pytest.fixture
def world():
    """PVPP2027 (2024–2027, continuing PLAN2020) with RV1 {P1.1 executed, P1.2 in progress, in each institution,
    depending on P1.1 and P2.1} and RV2 {P2.1 not started, deadline long passed, carried forward to a project;
    P2.2 lost relevance}. ALFA is responsible for P1.1 with BETA co-responsible; BETA is responsible for P2.1.
    P1.2 has an obligation per institution (BETA's own due date long passed), each with one progress update."""
    a = InstitutionFactory(short_name="ALFA", name_lv="Alfa iestāde", name_en="Alpha agency")
    b = InstitutionFactory(short_name="BETA", name_lv="Beta iestāde", name_en="Beta agency")
    predecessor = PlanFactory(code="PLAN2020", start_year=2020, end_year=2023, order=2, round_number=1)
    plan = PlanFactory(
        code="PVPP2027", title_lv="Pakalpojumu vides pilnveides plāns", predecessor=predecessor, order=1, round_number=1
    )
    rv1 = ActionLineFactory(plan=plan, code="RV1", order=1)
    rv2 = ActionLineFactory(plan=plan, code="RV2", order=2)
    group = RoadmapGroupFactory(plan=plan, code="A", start_year=2024, start_quarter=1, end_year=2025, end_quarter=4)
    p11 = MeasureFactory(
        action_line=rv1,
        code="P1.1",
        order=1,
        text_lv="Izveidot komandu",
        text_en="Set up the team",
        status=MeasureStatus.EXECUTED,
        roadmap_group=group,
        evidence_lv="Rīkojums Nr. 1",
    )
    p12 = MeasureFactory(
        action_line=rv1, code="P1.2", order=2, status=MeasureStatus.IN_PROGRESS, in_each_institution=True
    )
    p21 = MeasureFactory(
        action_line=rv2,
        code="P2.1",
        order=1,
        status=MeasureStatus.NOT_STARTED,
        carried_forward_project="RRF projekts 2.3.1",
    )
    p22 = MeasureFactory(action_line=rv2, code="P2.2", order=2, status=MeasureStatus.LOST_RELEVANCE)
    p12.depends_on.set([p11, p21])
    MeasureResponsibilityFactory(measure=p11, institution=a)
    MeasureResponsibilityFactory(measure=p11, institution=b, role=ResponsibilityRole.CO_RESPONSIBLE)
    MeasureResponsibilityFactory(measure=p21, institution=b)
    MeasureDeadlineFactory(measure=p11, due_on=date(2025, 12, 31), label_lv="ieviešana")
    MeasureDeadlineFactory(measure=p11, due_on=date(2024, 6, 30), label_lv="noteikumi")
    MeasureDeadlineFactory(measure=p12, due_on=FAR_AHEAD)
    MeasureDeadlineFactory(measure=p21, due_on=LONG_AGO)
    obligation_a = ObligationFactory(measure=p12, institution=a)
    obligation_b = ObligationFactory(measure=p12, institution=b, due_on=LONG_AGO)
    update_a = ProgressUpdateFactory(obligation=obligation_a, evidence="Komanda izveidota daļēji")
    update_b = ProgressUpdateFactory(obligation=obligation_b, status=ReviewStatus.SUBMITTED)
    indicator = IndicatorFactory(plan=plan, measure=p11, code="R1", name_lv="Apmierinātība", name_en="Satisfaction")
    return World(
        a=a,
        b=b,
        coordinator=user_with(Role.COORDINATOR),
        editor_a=user_with(Role.EDITOR, (a, True)),
        viewer_a=user_with(Role.VIEWER, (a, True)),  # a viewer's can_edit never grants changes
        writer_a=user_with(Role.API_CLIENT, (a, True)),
        reader_a=user_with(Role.API_CLIENT, (a, False)),
        editor_b=user_with(Role.EDITOR, (b, True)),
        plan=plan,
        predecessor=predecessor,
        rv1=rv1,
        rv2=rv2,
        p11=p11,
        p12=p12,
        p21=p21,
        p22=p22,
        obligation_a=obligation_a,
        obligation_b=obligation_b,
        update_a=update_a,
        update_b=update_b,
        indicator=indicator,
    )


# --- plans -------------------------------------------------------------------------------------------------------


def test_an_anonymous_request_reads_nothing(world):
    for url in (PLANS, MEASURES, INDICATORS, OBLIGATIONS, UPDATES, IMPROVEMENT_PLANS):
        assert APIClient().get(url).status_code in (401, 403)


def test_plans_list_counts_measures_by_status_and_names_predecessor_and_successor(world):
    listed = results(token_client(world.reader_a).get(PLANS))
    assert [row["code"] for row in listed] == ["PVPP2027", "PLAN2020"]
    pvpp, older = listed
    assert pvpp["predecessor"] == "PLAN2020" and pvpp["successor"] is None
    assert older["successor"] == "PVPP2027" and older["predecessor"] is None
    assert [line["code"] for line in pvpp["action_lines"]] == ["RV1", "RV2"]
    # 4 measures: P1.1 executed, P1.2 in progress, P2.1 not started, P2.2 lost relevance.
    # Execution share = 1 executed / 4 = 0.2500; not executed in all = 0 not executed + 1 lost relevance = 1;
    # carried forward: P2.1 only.
    counts = pvpp["counts"]
    assert counts["total"] == 4
    assert (counts["executed"], counts["in_progress"], counts["not_started"], counts["lost_relevance"]) == (1, 1, 1, 1)
    assert counts["execution_share"] == "0.2500"
    assert counts["not_executed_total"] == 1
    assert counts["carried_forward"] == 1
    assert older["counts"]["total"] == 0 and older["counts"]["execution_share"] is None


def test_plan_detail_counts_each_action_line_and_shows_the_roadmap(world):
    detail = client_for(world.viewer_a).get(f"{PLANS}PVPP2027/").json()
    rv1, rv2 = detail["action_lines"]
    # RV1: P1.1 executed, P1.2 in progress → 1/2 = 0.5000. RV2: P2.1 not started, P2.2 lost relevance → 0/2.
    assert (rv1["code"], rv1["counts"]["total"], rv1["counts"]["execution_share"]) == ("RV1", 2, "0.5000")
    assert (rv2["counts"]["not_started"], rv2["counts"]["lost_relevance"], rv2["counts"]["executed"]) == (1, 1, 0)
    assert rv2["counts"]["carried_forward"] == 1
    assert detail["counts"]["total"] == 4
    assert detail["roadmap_groups"][0]["code"] == "A" and detail["roadmap_groups"][0]["end_quarter"] == 4
    assert client_for(world.viewer_a).get(f"{PLANS}NAV/").status_code == 404


def test_the_plan_list_costs_the_same_queries_for_more_plans(world, django_assert_max_num_queries):
    client = client_for(world.viewer_a)
    # count, page, action lines, the two grouped count queries of progress.execution_by_plan.
    with django_assert_max_num_queries(5):
        client.get(PLANS)
    for number in range(3):
        MeasureFactory(action_line=ActionLineFactory(plan=PlanFactory(code=f"EXTRA{number}", round_number=1)))
    with django_assert_max_num_queries(5):
        assert len(results(client.get(PLANS))) == 5


# --- measures ----------------------------------------------------------------------------------------------------


def test_a_measure_carries_text_deadlines_institutions_dependencies_and_state(world):
    client = client_for(world.reader_a)
    p11 = client.get(f"{MEASURES}{world.p11.pk}/").json()
    assert (p11["plan"], p11["action_line"], p11["code"], p11["text"]) == ("PVPP2027", "RV1", "P1.1", "Set up the team")
    assert [i["short_name"] for i in p11["responsible"]] == ["ALFA"]
    assert [i["short_name"] for i in p11["co_responsible"]] == ["BETA"]
    assert [d["due_on"] for d in p11["deadlines"]] == ["2024-06-30", "2025-12-31"]
    assert p11["last_deadline"] == "2025-12-31"
    assert p11["is_overdue"] is False  # executed is final
    assert (p11["status"], p11["status_display"], p11["evidence"]) == ("executed", "Executed", "Rīkojums Nr. 1")
    assert p11["roadmap_group"] == "A"

    p12 = client.get(f"{MEASURES}{world.p12.pk}/").json()
    assert sorted(p12["depends_on"]) == ["P1.1", "P2.1"]
    assert p12["waiting"] is True  # P2.1 is not started
    assert p12["in_each_institution"] is True

    p21 = client.get(f"{MEASURES}{world.p21.pk}/").json()
    assert p21["is_overdue"] is True  # deadline 2020-01-01 passed, not started
    assert p21["is_carried_forward"] is True
    assert p21["carried_forward"]["project"] == "RRF projekts 2.3.1"

    latvian = client_for(world.reader_a, language="lv").get(f"{MEASURES}{world.p11.pk}/").json()
    assert latvian["text"] == "Izveidot komandu"


def test_measures_filter_by_plan_line_status_institution_and_overdue(world):
    MeasureFactory(action_line=ActionLineFactory(code="RV1"), code="X1")  # another plan's RV1
    client = client_for(world.editor_b)

    def codes(query):
        return sorted(row["code"] for row in results(client.get(f"{MEASURES}?{query}")))

    assert codes("plan=PVPP2027") == ["P1.1", "P1.2", "P2.1", "P2.2"]
    assert codes("plan=PVPP2027&action_line=RV2") == ["P2.1", "P2.2"]
    assert codes(f"action_line={world.rv1.pk}") == ["P1.1", "P1.2"]
    assert codes("action_line=RV1") == ["P1.1", "P1.2", "X1"]
    assert codes("status=executed&status=lost_relevance") == ["P1.1", "P2.2"]
    assert codes("in_each_institution=true") == ["P1.2"]
    assert codes("responsible=BETA") == ["P1.1", "P2.1"]  # co-responsible for P1.1, responsible for P2.1
    assert codes(f"responsible={world.a.pk}") == ["P1.1"]
    assert codes("plan=PVPP2027&overdue=true") == ["P2.1"]
    assert codes("plan=PVPP2027&overdue=false") == ["P1.1", "P1.2", "P2.2"]
    assert codes("waiting=true") == ["P1.2"]
    assert codes("roadmap_group=A") == ["P1.1"]


def test_the_measure_list_costs_the_same_queries_for_more_measures(world, django_assert_max_num_queries):
    client = client_for(world.editor_a)
    # count, page, responsibilities, deadlines, dependencies, links.
    with django_assert_max_num_queries(6):
        client.get(MEASURES)
    for number in range(5):
        measure = MeasureFactory(action_line=world.rv2, code=f"P2.{number + 3}")
        MeasureResponsibilityFactory(measure=measure, institution=world.a)
        MeasureDeadlineFactory(measure=measure)
        measure.depends_on.add(world.p11)
    with django_assert_max_num_queries(6):
        assert len(results(client.get(MEASURES))) == 9


def test_a_measure_with_no_institution_has_empty_lists(world):
    # A measure the plan words as "service holders" only: no institution, no deadline.
    lone = Measure.objects.create(action_line=world.rv2, code="P2.9", text_lv="Pakalpojumu turētāji", order=9)
    row = client_for(world.viewer_a).get(f"{MEASURES}{lone.pk}/").json()
    assert (row["responsible"], row["deadlines"], row["last_deadline"], row["is_overdue"]) == ([], [], None, False)


def test_a_responsible_institutions_editor_reports_on_a_measure_and_the_approval_applies_it(world):
    body = {
        "proposed_status": "in_progress",
        "evidence": "Projekts uzsākts",
        "links": ["https://example.lv/a"],
        "submit": True,
    }
    response = client_for(world.editor_b).post(f"{MEASURES}{world.p21.pk}/updates/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["status"], created["institution"]["short_name"]) == ("submitted", "BETA")
    assert created["measure"] == {"id": world.p21.pk, "code": "P2.1", "plan": "PVPP2027"}
    assert created["obligation"] is None and created["links"] == ["https://example.lv/a"]

    approved = client_for(world.coordinator).post(f"{UPDATES}{created['id']}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    world.p21.refresh_from_db()
    assert (world.p21.status, world.p21.evidence_lv) == (MeasureStatus.IN_PROGRESS, "Projekts uzsākts")


def test_reporting_on_a_measure_needs_a_responsible_institution_and_a_writing_role(world):
    url = f"{MEASURES}{world.p11.pk}/updates/"
    body = {"proposed_status": "executed"}
    assert client_for(world.viewer_a).post(url, body, format="json").status_code == 403
    assert token_client(world.reader_a).post(url, body, format="json").status_code == 403
    assert client_for(world.editor_a).post(f"{MEASURES}{world.p21.pk}/updates/", body, format="json").status_code == 403
    assert not ProgressUpdate.objects.filter(measure__isnull=False).exists()

    written = token_client(world.writer_a).post(url, body, format="json")
    assert written.status_code == 201 and written.json()["status"] == "draft"


def test_a_measure_report_is_checked_field_by_field(world):
    client = client_for(world.editor_a)
    url = f"{MEASURES}{world.p11.pk}/updates/"
    response = client.post(url, {"proposed_status": "done"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["proposed_status"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(url, {"proposed_status": "executed", "as_of": tomorrow}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["as_of"]
    response = client.post(url, {"proposed_status": "executed", "links": ["not an address"]}, format="json")
    assert response.status_code == 400 and "links" in response.json()
    assert not ProgressUpdate.objects.filter(measure=world.p11).exists()


# --- indicators --------------------------------------------------------------------------------------------------


@pytest.fixture
def actuals(world):
    """2024: two approved reports, the later reviewed (12) counts; 2025: an approved range 7.6–8.7; 2026: a draft
    of ALFA (20) and a draft of BETA (30)."""
    now = timezone.now()
    draft = {"status": ReviewStatus.DRAFT}
    IndicatorTargetFactory(indicator=world.indicator, year=2025, value=Decimal("50"))
    IndicatorActualFactory(
        indicator=world.indicator, year=2024, value=10, institution=world.a, reviewed_at=now - timedelta(days=9)
    )
    IndicatorActualFactory(
        indicator=world.indicator, year=2024, value=12, institution=world.a, reviewed_at=now - timedelta(days=1)
    )
    IndicatorActualFactory(
        indicator=world.indicator, year=2025, value=None, value_min=Decimal("7.6"), value_max=Decimal("8.7")
    )
    IndicatorActualFactory(indicator=world.indicator, year=2026, value=20, institution=world.a, **draft)
    IndicatorActualFactory(indicator=world.indicator, year=2026, value=30, institution=world.b, **draft)


def test_an_indicator_shows_the_approved_actual_of_each_year_and_only_the_own_drafts(world, actuals):
    url = f"{INDICATORS}{world.indicator.pk}/"
    detail = client_for(world.editor_a).get(url).json()
    assert (detail["name"], detail["unit"], detail["measure"]["code"]) == ("Satisfaction", "%", "P1.1")
    assert [(t["year"], t["value"]) for t in detail["targets"]] == [(2025, "50.000")]
    assert [(a["year"], a["value"], a["value_min"], a["value_max"]) for a in detail["actuals"]] == [
        (2024, "12.000", None, None),
        (2025, None, "7.600", "8.700"),
    ]
    assert [(r["year"], r["value"], r["status"]) for r in detail["reports"]] == [(2026, "20.000", "draft")]
    assert [r["value"] for r in client_for(world.editor_b).get(url).json()["reports"]] == ["30.000"]
    assert len(client_for(world.coordinator).get(url).json()["reports"]) == 2
    assert client_for(user_with(Role.EXPERT)).get(url).json()["reports"] == []


def test_indicators_filter_by_plan_line_and_measure(world):
    other = IndicatorFactory(plan=world.plan, action_line=world.rv2, code="R2")
    IndicatorFactory(code="R9")  # another plan's
    client = client_for(world.viewer_a)

    def codes(query):
        return sorted(row["code"] for row in results(client.get(f"{INDICATORS}?{query}")))

    assert codes("plan=PVPP2027") == ["R1", "R2"]
    assert codes("measure=P1.1") == codes(f"measure={world.p11.pk}") == ["R1"]
    assert codes("action_line=RV2") == codes(f"action_line={other.action_line_id}") == ["R2"]


def test_the_indicator_list_costs_the_same_queries_for_more_indicators(world, actuals, django_assert_max_num_queries):
    client = client_for(world.editor_a)
    # count (+ the user's memberships inside it), page, targets, actuals.
    with django_assert_max_num_queries(4):
        client.get(INDICATORS)
    for number in range(4):
        indicator = IndicatorFactory(plan=world.plan, measure=world.p12, code=f"R{number + 10}")
        IndicatorTargetFactory(indicator=indicator, value=1)
        IndicatorActualFactory(indicator=indicator, value=1, institution=world.a, status=ReviewStatus.DRAFT)
    with django_assert_max_num_queries(4):
        assert len(results(client.get(INDICATORS))) == 5


def test_a_responsible_institution_reports_an_actual_and_may_submit_it(world):
    url = f"{INDICATORS}{world.indicator.pk}/actuals/"
    response = client_for(world.editor_a).post(
        url, {"institution": "ALFA", "year": 2026, "value": "41.5", "submit": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["value"]) == ("submitted", "41.500")
    # BETA is co-responsible for P1.1, so its editor reports too; a range in place of a value.
    response = client_for(world.editor_b).post(
        url, {"institution": world.b.pk, "year": 2025, "value_min": "1", "value_max": "2"}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == "draft"
    assert IndicatorActual.objects.filter(indicator=world.indicator).count() == 2


def test_an_actual_is_checked_and_written_only_for_an_editable_responsible_institution(world):
    url = f"{INDICATORS}{world.indicator.pk}/actuals/"
    client = client_for(world.editor_a)

    def refused(body, who=client):
        response = who.post(url, {"institution": "ALFA", "year": 2026, **body}, format="json")
        return response.status_code, sorted(response.json())

    assert refused({"value_min": "1"}) == (400, ["value_max"])
    assert refused({"value_min": "3", "value_max": "2"}) == (400, ["value_max"])
    assert refused({}) == (400, ["value"])
    assert refused({"year": 2031, "value": "1"}) == (400, ["year"])  # the plan runs 2024–2027
    assert refused({"institution": "NAV", "value": "1"}) == (400, ["institution"])
    assert refused({"institution": "BETA", "value": "1"}) == (403, ["institution"])  # not A's editor's to write
    assert refused({"value": "1"}, who=client_for(world.viewer_a)) == (403, ["institution"])
    assert refused({"value": "1"}, who=token_client(world.reader_a)) == (403, ["institution"])
    # ALFA is responsible for nothing in RV2: it may not report the line's indicator.
    line_indicator = IndicatorFactory(plan=world.plan, action_line=world.rv2)
    response = client.post(
        f"{INDICATORS}{line_indicator.pk}/actuals/", {"institution": "ALFA", "year": 2026, "value": 1}, format="json"
    )
    assert response.status_code == 403 and list(response.json()) == ["institution"]
    assert not IndicatorActual.objects.exists()
    reason = {"not_measured_reason_lv": "Aptauja netika veikta"}
    assert (
        token_client(world.writer_a)
        .post(url, {"institution": "ALFA", "year": 2026, **reason}, format="json")
        .status_code
        == 201
    )


# --- obligations -------------------------------------------------------------------------------------------------


def test_an_editor_lists_and_reads_only_their_institutions_obligations(world):
    client = client_for(world.editor_a)
    listed = results(client.get(OBLIGATIONS))
    assert [row["id"] for row in listed] == [world.obligation_a.pk]
    row = listed[0]
    assert row["measure"] == {"id": world.p12.pk, "code": "P1.2", "plan": "PVPP2027"}
    assert row["institution"]["short_name"] == "ALFA"
    assert (row["due_on"], row["due"], row["is_overdue"]) == (None, "2099-12-31", False)  # the measure's deadline
    assert row["latest_update"] == {
        "id": world.update_a.pk,
        "status": "draft",
        "proposed_status": "in_progress",
        "as_of": "2025-03-01",
    }
    assert client.get(f"{OBLIGATIONS}{world.obligation_b.pk}/").status_code == 404
    assert token_client(world.reader_a).get(f"{OBLIGATIONS}{world.obligation_b.pk}/").status_code == 404
    everything = results(client_for(world.coordinator).get(OBLIGATIONS))
    assert {row["id"] for row in everything} == {world.obligation_a.pk, world.obligation_b.pk}


def test_obligations_filter_by_institution_status_measure_and_overdue(world):
    ObligationFactory(institution=world.b)  # another plan's measure
    client = client_for(world.coordinator)

    def ids(query):
        return {row["id"] for row in results(client.get(f"{OBLIGATIONS}?{query}"))}

    assert ids("plan=PVPP2027") == {world.obligation_a.pk, world.obligation_b.pk}
    assert ids("plan=PVPP2027&institution=BETA") == ids(f"plan=PVPP2027&institution={world.b.pk}")
    assert ids("plan=PVPP2027&institution=BETA") == {world.obligation_b.pk}
    assert ids("measure=P1.2&institution=ALFA") == {world.obligation_a.pk}
    assert ids("overdue=true") == {world.obligation_b.pk}  # its own due date 2020-01-01 passed
    assert ids("status=executed") == set()


def test_the_obligation_list_costs_the_same_queries_for_more_obligations(world, django_assert_max_num_queries):
    client = client_for(world.coordinator)
    with django_assert_max_num_queries(2):  # count, page
        client.get(OBLIGATIONS)
    for _number in range(5):
        ProgressUpdateFactory(obligation=ObligationFactory(measure=world.p12))
    with django_assert_max_num_queries(2):
        assert len(results(client.get(OBLIGATIONS))) == 7


def test_an_institution_reports_on_its_obligation_and_reads_its_updates(world):
    url = f"{OBLIGATIONS}{world.obligation_a.pk}/updates/"
    created = client_for(world.editor_a).post(
        url, {"proposed_status": "executed", "evidence": "Komanda izveidota", "submit": True}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["status"], created.json()["obligation"]) == ("submitted", world.obligation_a.pk)
    listed = client_for(world.viewer_a).get(url).json()
    assert [row["id"] for row in listed] == [created.json()["id"], world.update_a.pk]  # newest first

    by_token = token_client(world.writer_a).post(url, {"proposed_status": "in_progress"}, format="json")
    assert by_token.status_code == 201 and by_token.json()["status"] == "draft"


def test_only_an_obligations_own_writers_report_on_it(world):
    own, other = (f"{OBLIGATIONS}{obligation.pk}/updates/" for obligation in (world.obligation_a, world.obligation_b))
    body = {"proposed_status": "executed"}
    assert client_for(world.viewer_a).post(own, body, format="json").status_code == 403
    assert token_client(world.reader_a).post(own, body, format="json").status_code == 403
    assert client_for(world.editor_a).post(other, body, format="json").status_code == 404
    assert client_for(world.editor_a).get(other).status_code == 404
    assert ProgressUpdate.objects.count() == 2


# --- progress updates --------------------------------------------------------------------------------------------


def test_progress_updates_are_scoped_to_the_users_institutions(world):
    client = client_for(world.editor_a)
    assert [row["id"] for row in results(client.get(UPDATES))] == [world.update_a.pk]
    assert client.get(f"{UPDATES}{world.update_b.pk}/").status_code == 404
    assert client.post(f"{UPDATES}{world.update_b.pk}/submit/").status_code == 404
    coordinator = client_for(world.coordinator)
    assert {row["id"] for row in results(coordinator.get(f"{UPDATES}?status=submitted"))} == {world.update_b.pk}
    assert {row["id"] for row in results(coordinator.get(f"{UPDATES}?institution=ALFA"))} == {world.update_a.pk}
    assert len(results(coordinator.get(f"{UPDATES}?measure=P1.2&plan=PVPP2027"))) == 2


def test_an_update_goes_through_review_and_the_approval_applies_it(world):
    editor, coordinator = client_for(world.editor_a), client_for(world.coordinator)
    url = f"{UPDATES}{world.update_a.pk}/"

    response = coordinator.post(f"{url}approve/", {}, format="json")
    assert response.status_code == 409 and response.json()["status"] == "draft"
    assert editor.post(f"{url}submit/").json()["status"] == "submitted"
    response = editor.post(f"{url}submit/")
    assert response.status_code == 409 and response.json()["status"] == "submitted"
    assert editor.post(f"{url}approve/", {}, format="json").status_code == 403
    assert editor.post(f"{url}return/", {"comment": "x"}, format="json").status_code == 403

    response = coordinator.post(f"{url}return/", {}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["comment"]
    response = coordinator.post(f"{url}return/", {"comment": "   "}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["comment"]
    returned = coordinator.post(f"{url}return/", {"comment": "Pievienojiet rīkojumu"}, format="json").json()
    assert (returned["status"], returned["review_comment"]) == ("returned", "Pievienojiet rīkojumu")

    corrected = editor.patch(url, {"evidence": "Rīkojums Nr. 5", "proposed_status": "executed"}, format="json")
    assert corrected.status_code == 200 and corrected.json()["evidence"] == "Rīkojums Nr. 5"
    editor.post(f"{url}submit/")
    assert coordinator.post(f"{url}approve/", {"comment": "Labi"}, format="json").json()["status"] == "approved"
    obligation = Obligation.objects.get(pk=world.obligation_a.pk)
    assert (obligation.status, obligation.evidence) == (MeasureStatus.EXECUTED, "Rīkojums Nr. 5")
    assert obligation.completed_on == world.update_a.as_of

    response = editor.patch(url, {"evidence": "vēlāk"}, format="json")
    assert response.status_code == 409 and response.json()["status"] == "approved"


def test_only_the_reporting_side_changes_or_submits_an_update(world):
    url = f"{UPDATES}{world.update_a.pk}/"
    assert client_for(world.viewer_a).patch(url, {"evidence": "x"}, format="json").status_code == 403
    assert token_client(world.reader_a).post(f"{url}submit/").status_code == 403
    assert client_for(world.editor_a).patch(url, {"proposed_status": "nav"}, format="json").status_code == 400
    assert ProgressUpdate.objects.get(pk=world.update_a.pk).status == ReviewStatus.DRAFT
    assert token_client(world.writer_a).post(f"{url}submit/").json()["status"] == "submitted"


def test_the_update_list_costs_the_same_queries_for_more_updates(world, django_assert_max_num_queries):
    client = client_for(world.coordinator)
    with django_assert_max_num_queries(2):  # count, page
        client.get(UPDATES)
    for _number in range(5):
        ProgressUpdateFactory(obligation=ObligationFactory(measure=world.p12))
        ProgressUpdate.objects.create(
            measure=world.p21, institution=world.b, proposed_status=MeasureStatus.IN_PROGRESS, as_of=LONG_AGO
        )
    with django_assert_max_num_queries(2):
        assert len(results(client.get(UPDATES))) == 12


# --- improvement plans -------------------------------------------------------------------------------------------


@dataclass
class Conformity:
    assessment_a: object  # ALFA's conformity assessment
    assessment_b: object
    gap: object  # a question of its methodology
    other_gap: object  # a question of another methodology


@pytest.fixture
def conformity(world):
    methodology = MethodologyFactory(family=Family.CONFORMITY)
    round_ = RoundFactory(methodology=methodology, year=2024)
    return Conformity(
        assessment_a=AssessmentFactory(round=round_, institution=world.a),
        assessment_b=AssessmentFactory(round=round_, institution=world.b),
        gap=QuestionFactory(area=AreaFactory(methodology=methodology), code="G1"),
        other_gap=QuestionFactory(code="Z9"),
    )


def item_body(**values):
    body = {
        "category": "services",
        "action": "Pārskatīt pakalpojuma aprakstu",
        "deadline": "2026-06-30",
        "responsible_person": "Anna Bērziņa",
        "funding_source": "own_budget",
    }
    return {**body, **values}


def test_an_editor_starts_their_institutions_improvement_plan(world, conformity):
    client = client_for(world.editor_a)
    body = {"plan": "PVPP2027", "institution": "ALFA", "based_on": conformity.assessment_a.pk, "summary": "Plāns"}
    response = client.post(IMPROVEMENT_PLANS, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["version"], created["status"], created["institution"]["short_name"]) == (1, "draft", "ALFA")
    assert (created["plan"], created["based_on"], created["items"]) == ("PVPP2027", conformity.assessment_a.pk, [])

    response = client.post(IMPROVEMENT_PLANS, body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["plan"]  # one per plan and institution
    response = client.post(IMPROVEMENT_PLANS, {**body, "institution": "BETA"}, format="json")
    assert response.status_code == 403 and list(response.json()) == ["institution"]
    response = client_for(world.viewer_a).post(IMPROVEMENT_PLANS, {**body, "plan": "PLAN2020"}, format="json")
    assert response.status_code == 403
    response = client_for(world.coordinator).post(
        IMPROVEMENT_PLANS, {**body, "institution": "BETA", "based_on": conformity.assessment_a.pk}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["based_on"]  # ALFA's assessment
    assert ImprovementPlan.objects.count() == 1


def test_improvement_plans_and_their_items_are_scoped_to_the_users_institutions(world):
    own = ImprovementItemFactory(improvement_plan=ImprovementPlanFactory(plan=world.plan, institution=world.a))
    other = ImprovementItemFactory(improvement_plan=ImprovementPlanFactory(plan=world.plan, institution=world.b))
    client = client_for(world.editor_a)
    listed = results(client.get(IMPROVEMENT_PLANS))
    assert [(row["id"], row["item_count"]) for row in listed] == [(own.improvement_plan_id, 1)]
    assert client.get(f"{IMPROVEMENT_PLANS}{other.improvement_plan_id}/").status_code == 404
    assert client.get(f"{IMPROVEMENT_PLANS}{other.improvement_plan_id}/items/").status_code == 404
    assert client.patch(f"{IMPROVEMENT_PLANS}{other.improvement_plan_id}/", {"summary": "x"}).status_code == 404
    assert client.get(f"{ITEMS}{other.pk}/").status_code == 404
    assert client.delete(f"{ITEMS}{other.pk}/").status_code == 404
    assert client.get(f"{ITEMS}{own.pk}/").json()["action"] == own.action
    assert len(results(client_for(world.coordinator).get(IMPROVEMENT_PLANS))) == 2


def test_items_address_gaps_of_the_plans_assessment_only(world, conformity):
    improvement_plan = ImprovementPlanFactory(plan=world.plan, institution=world.a, based_on=conformity.assessment_a)
    client = client_for(world.editor_a)
    url = f"{IMPROVEMENT_PLANS}{improvement_plan.pk}/items/"

    response = client.post(url, item_body(gaps=[conformity.gap.pk], service=None, amount="1500.00"), format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["gaps"], response.json()["gap_codes"]) == ([conformity.gap.pk], ["G1"])
    response = client.post(url, item_body(gaps=[conformity.other_gap.pk]), format="json")
    assert response.status_code == 400 and list(response.json()) == ["gaps"]
    response = client.post(url, item_body(amount="-1", funding_source="lottery"), format="json")
    assert response.status_code == 400 and sorted(response.json()) == ["amount", "funding_source"]
    response = client.post(url, item_body(service="NAV-1"), format="json")
    assert response.status_code == 400 and list(response.json()) == ["service"]

    unbased = ImprovementPlanFactory(plan=world.predecessor, institution=world.a)
    response = client.post(
        f"{IMPROVEMENT_PLANS}{unbased.pk}/items/", item_body(gaps=[conformity.gap.pk]), format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["gaps"]
    assert [item["gap_codes"] for item in client.get(url).json()] == [["G1"]]


def test_an_assessment_of_another_methodology_is_refused_while_items_address_gaps(world, conformity):
    improvement_plan = ImprovementPlanFactory(plan=world.plan, institution=world.a, based_on=conformity.assessment_a)
    ImprovementItemFactory(improvement_plan=improvement_plan).gaps.set([conformity.gap])
    elsewhere = AssessmentFactory(institution=world.a)  # an assessment of another methodology
    url = f"{IMPROVEMENT_PLANS}{improvement_plan.pk}/"
    response = client_for(world.editor_a).patch(url, {"based_on": elsewhere.pk}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["based_on"]
    response = client_for(world.editor_a).patch(url, {"summary": "Jauns kopsavilkums"}, format="json")
    assert response.status_code == 200 and response.json()["summary"] == "Jauns kopsavilkums"


def test_items_change_only_while_the_plan_is_editable_and_only_by_its_writers(world):
    item = ImprovementItemFactory(improvement_plan=ImprovementPlanFactory(plan=world.plan, institution=world.a))
    improvement_plan = item.improvement_plan
    editor = client_for(world.editor_a)
    assert client_for(world.viewer_a).patch(f"{ITEMS}{item.pk}/", {"action": "x"}, format="json").status_code == 403
    assert token_client(world.reader_a).delete(f"{ITEMS}{item.pk}/").status_code == 403
    response = editor.patch(f"{ITEMS}{item.pk}/", {"status": "in_progress", "evidence": "Sākts"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    assert editor.put(f"{ITEMS}{item.pk}/", item_body(action="Cits"), format="json").json()["action"] == "Cits"

    assert editor.post(f"{IMPROVEMENT_PLANS}{improvement_plan.pk}/submit/").json()["status"] == "submitted"
    response = editor.patch(f"{ITEMS}{item.pk}/", {"action": "vēlāk"}, format="json")
    assert response.status_code == 409 and response.json()["status"] == "submitted"
    assert editor.delete(f"{ITEMS}{item.pk}/").status_code == 409
    response = editor.post(f"{IMPROVEMENT_PLANS}{improvement_plan.pk}/items/", item_body(), format="json")
    assert response.status_code == 409
    assert (
        editor.patch(f"{IMPROVEMENT_PLANS}{improvement_plan.pk}/", {"summary": "x"}, format="json").status_code == 409
    )

    client_for(world.coordinator).post(
        f"{IMPROVEMENT_PLANS}{improvement_plan.pk}/return/", {"comment": "Precizēt"}, format="json"
    )
    assert editor.delete(f"{ITEMS}{item.pk}/").status_code == 204
    assert not ImprovementItem.objects.exists()


def test_an_improvement_plan_is_approved_and_changed_later_in_a_new_version(world):
    item = ImprovementItemFactory(improvement_plan=ImprovementPlanFactory(plan=world.plan, institution=world.a))
    url = f"{IMPROVEMENT_PLANS}{item.improvement_plan_id}/"
    editor, coordinator = client_for(world.editor_a), client_for(world.coordinator)
    assert editor.post(f"{url}new-version/").status_code == 409  # a draft is changed, not versioned
    response = coordinator.post(f"{url}approve/", {}, format="json")
    assert response.status_code == 409 and response.json()["status"] == "draft"
    editor.post(f"{url}submit/")
    assert editor.post(f"{url}approve/", {}, format="json").status_code == 403
    response = coordinator.post(f"{url}return/", {"comment": ""}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["comment"]
    assert coordinator.post(f"{url}approve/", {}, format="json").json()["status"] == "approved"
    assert client_for(world.viewer_a).post(f"{url}new-version/").status_code == 403

    response = editor.post(f"{url}new-version/")
    assert response.status_code == 201
    copy = response.json()
    assert (copy["version"], copy["status"], [i["action"] for i in copy["items"]]) == (2, "draft", [item.action])
    assert editor.post(f"{url}new-version/").status_code == 409  # only from the newest version


def test_the_improvement_plan_list_costs_the_same_queries_for_more_plans(world, django_assert_max_num_queries):
    client = client_for(world.coordinator)
    ImprovementItemFactory(improvement_plan=ImprovementPlanFactory(plan=world.plan, institution=world.a))
    with django_assert_max_num_queries(2):  # count, page
        client.get(IMPROVEMENT_PLANS)
    for _number in range(4):
        ImprovementItemFactory(improvement_plan=ImprovementPlanFactory(plan=world.plan))
    with django_assert_max_num_queries(2):
        assert len(results(client.get(IMPROVEMENT_PLANS))) == 5


def test_the_schema_documents_the_work_plan_endpoints():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/plans/{code}/",
        "/api/v1/measures/{id}/updates/",
        "/api/v1/indicators/{id}/actuals/",
        "/api/v1/obligations/{id}/updates/",
        "/api/v1/progress-updates/{id}/return/",
        "/api/v1/improvement-plans/{id}/items/",
        "/api/v1/improvement-items/{id}/",
    ):
        assert path in schema["paths"], path
    assert "put" not in schema["paths"]["/api/v1/progress-updates/{id}/"]
    assert "patch" not in schema["paths"]["/api/v1/measures/{id}/"]
