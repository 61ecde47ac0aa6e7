"""The institution pages of the work plans (workplans/institution_views.py): an institution's obligations page
and its exports, progress updates with review, the review queue, the implementation team form, the improvement
plan with items from gaps, indicator actuals — and scoping: another institution's rows answer 404 on every
address (exports included), viewers read but cannot post, the coordinator reviews."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Role
from tests.assessments.workflow_fixtures import make_people
from tests.factories import UserFactory
from tests.workplans.factories import (
    IndicatorFactory,
    MeasureFactory,
    MeasureResponsibilityFactory,
    ObligationFactory,
    conformity_assessment,
    plan_world,
)
from workplans import improvement, workflow
from workplans.models import (
    FundingSource,
    ImplementationTeam,
    ImprovementCategory,
    ImprovementItem,
    ImprovementPlan,
    IndicatorActual,
    MeasureStatus,
    ProgressUpdate,
    ReviewStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return make_people()


@pytest.fixture
def world(people):
    return plan_world(people)


@pytest.fixture
def signed_in():
    def sign_in(user):
        client = Client()
        client.force_login(user)
        return client

    return sign_in


def url(name, *args, query=""):
    """The English address: the pages' words are checked in English, whatever the default language."""
    with translation.override("en"):
        return reverse(f"workplans:{name}", args=args) + query


def text(response):
    return response.content.decode()


def start_update(people, obligation, status=MeasureStatus.IN_PROGRESS, submit=False):
    update = workflow.start_update(people.editor_a, obligation=obligation, proposed_status=status, evidence="Rīkojums")
    return workflow.submit(people.editor_a, update) if submit else update


# --- home -------------------------------------------------------------------------------------------------------


def test_an_editor_of_one_institution_goes_straight_to_its_obligations(signed_in, people, world):
    response = signed_in(people.editor_a).get(url("institution-home"))
    assert response.status_code == 302
    assert response["Location"] == url("institution-obligations", people.a.pk, "PVPP2027")


def test_a_member_of_two_institutions_chooses_one(signed_in, people, world):
    both = UserFactory(role=Role.VIEWER, password=None)
    for institution in (people.a, people.b):
        Membership.objects.create(user=both, institution=institution, can_edit=False)
    response = signed_in(both).get(url("institution-home"))
    assert response.status_code == 200
    assert url("institution-obligations", people.a.pk, "PVPP2027") in text(response)
    assert url("institution-obligations", people.b.pk, "PVPP2027") in text(response)


def test_the_coordinator_searches_the_plans_institutions(signed_in, people, world, django_assert_max_num_queries):
    client = signed_in(people.coordinator)
    with django_assert_max_num_queries(6):
        response = client.get(url("institution-home"))
    assert "Alpha Agency" in text(response) and "Beta Service" in text(response)
    response = client.get(url("institution-home", query="?plan=PVPP2027&q=beta"))
    assert "Beta Service" in text(response) and "Alpha Agency" not in text(response)


# --- the obligations page ---------------------------------------------------------------------------------------


def test_the_obligations_page_shows_status_markers_team_plan_and_gaps(signed_in, people, world):
    conformity_assessment(people.a, {"K1.01": 1, "K2.01": 2, "K4.01": 3})  # gaps: K1.01, K2.01, K3.01
    draft = improvement.start_improvement_plan(people.editor_a, world.plan, people.a)
    improvement.items_from_gaps(
        people.editor_a,
        draft,
        improvement.uncovered_gaps(draft)[:1],
        {"deadline": date(2026, 6, 30), "responsible_person": "Anna", "funding_source": FundingSource.OWN_BUDGET},
    )
    start_update(people, world.a24, submit=True)
    response = signed_in(people.editor_a).get(url("institution-obligations", people.a.pk, "PVPP2027"))
    assert response.status_code == 200
    page = text(response)
    assert "P1.2" in page and "P2.4" in page and "Set up an implementation team" in page
    # P1.2 was due 2024-06-30 and is not started: overdue. P2.4 depends on P2.3, not started: waiting.
    assert page.count('class="badge badge-overdue"') == 1
    assert page.count('class="badge badge-waiting"') == 1
    assert "Submitted" in page  # the latest update of P2.4 awaits review
    assert "Not recorded yet" in page
    assert "Version 1" in page and "1 item" in page
    stats = response.context["coverage"]
    assert (len(stats.gaps), len(stats.addressed)) == (3, 1)
    assert response.context["counts"] == {"total": 2, "executed": 0, "overdue": 1, "waiting": 1, "awaiting_review": 1}


def test_the_obligations_page_reads_a_fixed_number_of_queries(signed_in, people, world, django_assert_max_num_queries):
    client = signed_in(people.editor_a)
    address = url("institution-obligations", people.a.pk, "PVPP2027")
    with CaptureQueriesContext(connection) as two_obligations:
        client.get(address)
    for _number in range(6):
        measure = MeasureFactory(action_line=world.p12.action_line, in_each_institution=True)
        measure.depends_on.add(world.p23)
        start_update(people, ObligationFactory(measure=measure, institution=people.a))
    with django_assert_max_num_queries(13):
        response = client.get(address)
    assert response.context["counts"]["total"] == 8
    assert len(response.context["table"].rows) == 8
    with CaptureQueriesContext(connection) as eight_obligations:
        client.get(address)
    assert len(eight_obligations) == len(two_obligations)


def test_the_obligations_export_holds_the_same_rows(signed_in, people, world):
    client = signed_in(people.editor_a)
    response = client.get(url("institution-obligations", people.a.pk, "PVPP2027", query="?_export=csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Measure", "What is to be done", "Status", "Due"]
    assert [row[0] for row in rows[1:]] == ["P1.2", "P2.4"]
    assert rows[1][3] == "2024-06-30" and rows[1][4] == "overdue"
    response = client.get(url("institution-obligations", people.a.pk, "PVPP2027", query="?_export=xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["P1.2", "P2.4"]


# --- scoping ----------------------------------------------------------------------------------------------------


@pytest.fixture
def a_rows(people, world):
    """One of everything of institution A."""
    conformity_assessment(people.a, {"K1.01": 1})
    update = start_update(people, world.a12)
    team = ImplementationTeam.objects.create(plan=world.plan, institution=people.a, established_on=date(2025, 1, 1))
    plan = improvement.start_improvement_plan(people.editor_a, world.plan, people.a)
    (item,) = improvement.items_from_gaps(
        people.editor_a,
        plan,
        improvement.uncovered_gaps(plan)[:1],
        {"deadline": date(2026, 6, 30), "responsible_person": "Anna", "funding_source": FundingSource.EU_FUNDS},
    )
    MeasureResponsibilityFactory(measure=world.p23, institution=people.a)
    indicator = IndicatorFactory(measure=world.p23, plan=world.plan)
    actual = workflow.report_actual(people.editor_a, indicator, people.a, 2024, value=1)
    return {"update": update, "team": team, "plan": plan, "item": item, "actual": actual}


def a_addresses(people, world, rows):
    a, code = people.a.pk, world.plan.code
    return [
        url("institution-obligations", a, code),
        url("institution-obligations", a, code, query="?_export=csv"),
        url("institution-obligations", a, code, query="?_export=xlsx"),
        url("obligation-detail", world.a12.pk),
        url("update-detail", rows["update"].pk),
        url("team-edit", a, code),
        url("improvement-plan", a, code),
        url("improvement-plan", a, code, query="?_export=csv"),
        url("improvement-plan", a, code, query="?version=1&_export=xlsx"),
        url("improvement-item-new", a, code),
        url("improvement-item-edit", rows["item"].pk),
        url("indicator-actual-detail", rows["actual"].pk),
    ]


def test_another_institutions_editor_gets_404_everywhere(signed_in, people, world, a_rows):
    client = signed_in(people.editor_b)
    for address in a_addresses(people, world, a_rows):
        assert client.get(address).status_code == 404, address
        assert client.post(address, {"action": "submit"}).status_code == 404, address
    assert client.post(url("improvement-item-delete", a_rows["item"].pk)).status_code == 404
    assert ImprovementItem.objects.filter(pk=a_rows["item"].pk).exists()
    assert ProgressUpdate.objects.get().status == ReviewStatus.DRAFT


def test_a_viewer_reads_everything_but_cannot_post(signed_in, people, world, a_rows):
    client = signed_in(people.viewer_a)
    for address in a_addresses(people, world, a_rows):
        if "improvement-plan/items/new" in address or "improvement-items" in address:
            continue  # forms only: refused below
        assert client.get(address).status_code == 200, address
    refused = [
        (url("obligation-detail", world.a24.pk), {"action": "save", "proposed_status": "executed", "evidence": "x",
                                                  "as_of": "2025-01-01"}),
        (url("update-detail", a_rows["update"].pk), {"action": "submit", "proposed_status": "in_progress",
                                                     "as_of": "2025-01-01"}),
        (url("team-edit", people.a.pk, "PVPP2027"), {"not_required": "on", "not_required_reason": "Nav lomu"}),
        (url("improvement-plan", people.a.pk, "PVPP2027"), {"action": "submit"}),
        (url("improvement-item-new", people.a.pk, "PVPP2027"), {}),
        (url("improvement-item-delete", a_rows["item"].pk), {}),
        (url("indicator-actual-detail", a_rows["actual"].pk), {"action": "submit", "year": 2024, "value": 2}),
    ]  # fmt: skip
    for address, data in refused:
        assert client.post(address, data).status_code == 403, address
    assert ProgressUpdate.objects.count() == 1 and ProgressUpdate.objects.get().status == ReviewStatus.DRAFT
    assert not ImplementationTeam.objects.get().not_required
    assert ImprovementPlan.objects.get().status == ReviewStatus.DRAFT and ImprovementItem.objects.count() == 1
    assert IndicatorActual.objects.get().status == ReviewStatus.DRAFT
    # No form is offered to the viewer.
    page = text(client.get(url("obligation-detail", world.a24.pk)))
    assert 'name="proposed_status"' not in page
    assert 'name="not_required"' not in text(client.get(url("team-edit", people.a.pk, "PVPP2027")))


def test_only_the_coordinator_opens_the_review_queue(signed_in, people, world):
    for user in (people.editor_a, people.viewer_a, people.expert):
        assert signed_in(user).get(url("review-queue")).status_code == 403


# --- progress updates with review -------------------------------------------------------------------------------


def test_report_return_correct_resubmit_approve_through_the_pages(signed_in, people, world):
    editor, coordinator = signed_in(people.editor_a), signed_in(people.coordinator)
    response = editor.post(
        url("obligation-detail", world.a12.pk),
        {"action": "submit", "proposed_status": "in_progress", "evidence": "Komanda veidojas", "as_of": "2025-02-01"},
    )
    update = ProgressUpdate.objects.get()
    assert response["Location"] == url("update-detail", update.pk)
    assert update.status == ReviewStatus.SUBMITTED and update.obligation == world.a12

    # Returning without a comment names the field and changes nothing.
    response = coordinator.post(url("update-detail", update.pk), {"action": "return", "comment": " "})
    assert response.status_code == 200 and "Say what should be corrected." in text(response)
    assert ProgressUpdate.objects.get().status == ReviewStatus.SUBMITTED
    coordinator.post(url("update-detail", update.pk), {"action": "return", "comment": "Norādiet rīkojuma numuru."})
    assert ProgressUpdate.objects.get().status == ReviewStatus.RETURNED

    # The editor sees the comment on the obligation and on the update, corrects and resubmits.
    assert "Norādiet rīkojuma numuru." in text(editor.get(url("obligation-detail", world.a12.pk)))
    assert "Norādiet rīkojuma numuru." in text(editor.get(url("update-detail", update.pk)))
    editor.post(
        url("update-detail", update.pk),
        {"action": "submit", "proposed_status": "executed", "evidence": "Rīkojums Nr. 7", "as_of": "2025-03-03"},
    )
    assert ProgressUpdate.objects.get().status == ReviewStatus.SUBMITTED
    coordinator.post(url("update-detail", update.pk), {"action": "approve", "comment": ""})
    world.a12.refresh_from_db()
    assert (world.a12.status, world.a12.evidence, world.a12.completed_on) == (
        "executed",
        "Rīkojums Nr. 7",
        date(2025, 3, 3),
    )
    page = text(editor.get(url("institution-obligations", people.a.pk, "PVPP2027")))
    assert "Executed" in page and "Approved" in page
    # Approved: no form any more, and a post is refused.
    assert 'name="proposed_status"' not in text(editor.get(url("update-detail", update.pk)))
    response = editor.post(url("update-detail", update.pk), {"action": "save", "proposed_status": "in_progress",
                                                             "as_of": "2025-01-01"})  # fmt: skip
    assert response.status_code == 403


def test_an_open_update_must_be_finished_before_a_new_one(signed_in, people, world):
    open_update = start_update(people, world.a12)
    editor = signed_in(people.editor_a)
    assert 'name="proposed_status"' not in text(editor.get(url("obligation-detail", world.a12.pk)))
    response = editor.post(
        url("obligation-detail", world.a12.pk),
        {"action": "save", "proposed_status": "executed", "evidence": "Cits", "as_of": "2025-01-01"},
    )
    assert response["Location"] == url("update-detail", open_update.pk)
    assert ProgressUpdate.objects.count() == 1


def test_bad_update_input_names_the_field(signed_in, people, world):
    editor = signed_in(people.editor_a)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = editor.post(
        url("obligation-detail", world.a12.pk),
        {"action": "save", "proposed_status": "executed", "evidence": "", "links": "ftp:/nav\nhttps://ok.lv",
         "as_of": tomorrow},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["evidence"] == ["Describe the evidence for this status."]
    assert errors["links"] == ["Line 1 is not a web address (https://…): ftp:/nav"]
    assert errors["as_of"] == ["The date may not be in the future."]
    assert not ProgressUpdate.objects.exists()


def test_a_responsible_institution_reports_on_a_whole_measure(signed_in, people, world):
    MeasureResponsibilityFactory(measure=world.p23, institution=people.a)
    assert signed_in(people.editor_b).get(url("measure-update-new", world.p23.pk)).status_code == 403
    assert signed_in(people.viewer_a).get(url("measure-update-new", world.p23.pk)).status_code == 403
    editor = signed_in(people.editor_a)
    assert editor.get(url("measure-update-new", world.p23.pk)).status_code == 200
    response = editor.post(
        url("measure-update-new", world.p23.pk),
        {"action": "submit", "proposed_status": "executed", "evidence": "Metodika", "as_of": "2025-05-05"},
    )
    update = ProgressUpdate.objects.get()
    assert response["Location"] == url("update-detail", update.pk)
    assert (update.measure, update.institution, update.status) == (world.p23, people.a, ReviewStatus.SUBMITTED)
    # The editor of B sees nothing of it.
    assert signed_in(people.editor_b).get(url("update-detail", update.pk)).status_code == 404


def test_the_review_queue_lists_what_waits_oldest_first_and_exports_it(
    signed_in, people, world, django_assert_max_num_queries
):
    first = start_update(people, world.a12, submit=True)
    conformity_assessment(people.a, {"K1.01": 1})
    plan = improvement.start_improvement_plan(people.editor_a, world.plan, people.a)
    improvement.items_from_gaps(
        people.editor_a,
        plan,
        improvement.uncovered_gaps(plan),
        {"deadline": date(2026, 6, 30), "responsible_person": "Anna", "funding_source": FundingSource.OWN_BUDGET},
    )
    improvement.submit_improvement_plan(people.editor_a, plan)
    MeasureResponsibilityFactory(measure=world.p23, institution=people.a)
    actual = workflow.report_actual(people.editor_a, IndicatorFactory(measure=world.p23, plan=world.plan), people.a,
                                    2024, value=3)  # fmt: skip
    workflow.submit(people.editor_a, actual)
    start_update(people, world.a24)  # a draft: not in the queue
    ProgressUpdate.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    client = signed_in(people.coordinator)
    # Session, user, and one query each for updates, improvement plans and actuals.
    with django_assert_max_num_queries(5):
        response = client.get(url("review-queue"))
    rows = response.context["table"].rows
    assert [row.record.kind for row in rows] == ["Progress update", "Improvement plan", "Indicator actual"]
    assert rows[0].record.days_waiting == 3
    exported = list(csv.reader(io.StringIO(client.get(url("review-queue", query="?_export=csv")).content.decode())))
    assert [row[0] for row in exported[1:]] == ["Progress update", "Improvement plan", "Indicator actual"]


# --- implementation team ----------------------------------------------------------------------------------------


def team_data(**fields):
    data = {
        "established_on": "2025-01-15",
        "contact_name": "Anna Bērziņa",
        "contact_email": "anna@alfa.lv",
        "contact_phone": "",
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_no_team_needed_requires_the_reason(signed_in, people, world):
    response = signed_in(people.editor_a).post(url("team-edit", people.a.pk, "PVPP2027"), team_data(not_required="on"))
    assert response.status_code == 200
    errors = dict(response.context["errors"])
    assert errors["id_not_required_reason"].startswith("Why no team is needed: Say why no team is needed")
    assert not ImplementationTeam.objects.exists()


def test_the_team_is_saved_with_its_members_and_roles(signed_in, people, world):
    editor = signed_in(people.editor_a)
    response = editor.post(
        url("team-edit", people.a.pk, "PVPP2027"),
        team_data(**{
            "members-0-name": "Anna Bērziņa", "members-0-roles": ["team_lead", "service_holder"],
            "members-0-email": "anna@alfa.lv", "members-0-member_from": "2025-01-15",
        }),
    )  # fmt: skip
    assert response["Location"] == url("institution-obligations", people.a.pk, "PVPP2027")
    team = ImplementationTeam.objects.get()
    member = team.members.get()
    assert (team.established_on, member.name, member.roles) == (date(2025, 1, 15), "Anna Bērziņa",
                                                                ["team_lead", "service_holder"])  # fmt: skip
    page = text(signed_in(people.viewer_a).get(url("team-edit", people.a.pk, "PVPP2027")))
    assert "Anna Bērziņa" in page and "Team lead, Service holder (owner)" in page


def test_a_bad_member_row_is_named_and_nothing_is_saved(signed_in, people, world):
    response = signed_in(people.editor_a).post(
        url("team-edit", people.a.pk, "PVPP2027"),
        team_data(**{
            "members-0-name": "Anna", "members-1-name": "Jānis", "members-1-email": "nav-epasts",
            "members-1-member_from": "2025-05-01", "members-1-member_to": "2025-01-01",
        }),
    )  # fmt: skip
    assert response.status_code == 200
    messages = [message for _field, message in response.context["errors"]]
    assert "Member 2, E-mail: Enter a valid email address." in messages
    assert "Member 2, Member to: The end of membership is before its start." in messages
    assert not ImplementationTeam.objects.exists()


def test_a_team_that_is_not_needed_has_no_members(signed_in, people, world):
    response = signed_in(people.editor_a).post(
        url("team-edit", people.a.pk, "PVPP2027"),
        team_data(not_required="on", not_required_reason="Nav pakalpojumu", **{"members-0-name": "Anna"}),
    )
    assert response.status_code == 200
    assert not ImplementationTeam.objects.exists()
    response = signed_in(people.editor_a).post(
        url("team-edit", people.a.pk, "PVPP2027"), team_data(not_required="on", not_required_reason="Nav pakalpojumu")
    )
    assert ImplementationTeam.objects.get().not_required_reason == "Nav pakalpojumu"


# --- improvement plan -------------------------------------------------------------------------------------------


def test_the_improvement_plan_from_start_to_a_new_version(signed_in, people, world):
    conformity_assessment(people.a, {"K1.01": 1, "K2.01": 2, "K4.01": 3})  # gaps K1.01, K2.01, K3.01
    editor, coordinator = signed_in(people.editor_a), signed_in(people.coordinator)
    address = url("improvement-plan", people.a.pk, "PVPP2027")
    assert "Start the improvement plan" in text(editor.get(address))
    editor.post(address, {"action": "start"})
    plan = ImprovementPlan.objects.get()

    shared = {"action": "from-gaps", "version": "1", "deadline": "2026-12-31", "responsible_person": "Anna",
              "funding_source": "eu_funds"}  # fmt: skip
    response = editor.post(address, shared)
    assert response.status_code == 200
    assert response.context["gap_form"].errors["gaps"] == ["Choose at least one gap."]
    gaps = {gap.question.code: str(gap.question.pk) for gap in improvement.uncovered_gaps(plan)}
    editor.post(address, {**shared, "gaps": [gaps["K1.01"], gaps["K3.01"]]})
    assert sorted(plan.items.values_list("category", flat=True)) == ["governance_tasks", "services"]

    page = text(editor.get(address))
    assert "K1.01" in page and "degree 1 of 3" in page and "degree 0 of 3" in page
    assert "EU funds" in page
    assert [gap.question.code for gap in improvement.uncovered_gaps(plan)] == ["K2.01"]

    editor.post(address, {"action": "submit", "version": "1"})
    coordinator.post(address, {"action": "return", "version": "1", "comment": "Norādiet summas."})
    assert "Norādiet summas." in text(editor.get(address))
    item = plan.items.order_by("order").first()
    response = editor.post(url("improvement-item-edit", item.pk), {
        "category": "governance_tasks", "gaps": [gaps["K1.01"]], "action": "Ieviest terminoloģiju",
        "deadline": "2026-06-30", "responsible_person": "Anna", "funding_source": "own_budget", "amount": "1500.50",
        "status": "in_progress",
    })  # fmt: skip
    assert response["Location"] == address
    editor.post(address, {"action": "submit", "version": "1"})
    coordinator.post(address, {"action": "approve", "version": "1"})
    plan.refresh_from_db()
    assert plan.status == ReviewStatus.APPROVED
    assert "Open a new version" in text(editor.get(address))
    editor.post(address, {"action": "new-version", "version": "1"})
    second = ImprovementPlan.objects.get(version=2)
    assert second.items.count() == 2 and second.status == ReviewStatus.DRAFT
    # The latest version by default; the earlier one on request, read-only.
    assert editor.get(address).context["improvement_plan"] == second
    earlier = editor.get(address + "?version=1")
    assert earlier.context["improvement_plan"] == plan and not earlier.context["may_change"]
    assert editor.get(address + "?version=9").status_code == 404

    exported = list(csv.reader(io.StringIO(editor.get(address + "?version=1&_export=csv").content.decode())))
    assert exported[0][:3] == ["No.", "Category", "Gaps addressed"]
    assert "Change" not in exported[0]
    first_row = dict(zip(exported[0], exported[1]))
    assert first_row["Amount (EUR)"] == "1500.5" and first_row["Action"] == "Ieviest terminoloģiju"
    assert first_row["Gaps addressed"].startswith("K1.01 (K1 Basic conditions; degree 1 of 3)")


def test_an_item_form_names_the_bad_fields(signed_in, people, world):
    draft = improvement.start_improvement_plan(people.editor_a, world.plan, people.a)
    response = signed_in(people.editor_a).post(url("improvement-item-new", people.a.pk, "PVPP2027"), {
        "category": "capabilities", "action": "Mācības", "deadline": "2026-06-30", "responsible_person": "Anna",
        "funding_source": "tsi", "amount": "-5", "planning_reference": "U4.4.9.7.-2", "status": "not_started",
    })  # fmt: skip
    errors = response.context["form"].errors
    assert errors["amount"] == ["Ensure this value is greater than or equal to 0."]
    assert errors["planning_document"] == ["Choose the planning document the reference belongs to."]
    assert not draft.items.exists()


def test_the_improvement_plan_chart_and_totals(signed_in, people, world, django_assert_max_num_queries):
    draft = improvement.start_improvement_plan(people.editor_a, world.plan, people.a)
    for order, (source, amount) in enumerate([("own_budget", 1000), ("own_budget", 500), ("eu_funds", 2500)], 1):
        ImprovementItem.objects.create(improvement_plan=draft, order=order, category=ImprovementCategory.SERVICES,
                                       action=f"D{order}", deadline=date(2026, 1, 1), responsible_person="A",
                                       funding_source=source, amount=amount)  # fmt: skip
    client = signed_in(people.viewer_a)
    with django_assert_max_num_queries(11):
        response = client.get(url("improvement-plan", people.a.pk, "PVPP2027"))
    # Own budget 1000 + 500 = 1500; EU funds 2500; total 4000.
    assert [(row["source"], row["amount"]) for row in response.context["totals"]] == [
        ("own_budget", 1500),
        ("eu_funds", 2500),
    ]
    assert response.context["total_amount"] == 4000
    assert "<svg" in text(response) and not response.context["may_change"]


# --- indicator actuals ------------------------------------------------------------------------------------------


def test_an_actual_needs_a_value_a_range_or_a_reason(signed_in, people, world):
    MeasureResponsibilityFactory(measure=world.p23, institution=people.a)
    indicator = IndicatorFactory(measure=world.p23, plan=world.plan)
    assert signed_in(people.editor_b).get(url("indicator-actual-new", indicator.pk)).status_code == 403
    editor = signed_in(people.editor_a)
    address = url("indicator-actual-new", indicator.pk)
    base = {"institution": people.a.pk, "year": 2024, "action": "save"}
    assert editor.post(address, base).context["form"].errors["value"] == [
        "Give the value, a range, or why there is no value."
    ]
    errors = editor.post(address, {**base, "value_min": "5"}).context["form"].errors
    assert errors["value_max"] == ["Give both ends of the range."]
    errors = editor.post(address, {**base, "value_min": "5", "value_max": "4"}).context["form"].errors
    assert errors["value_max"] == ["The highest value is below the lowest."]
    errors = editor.post(address, {**base, "value": "5", "not_measured_reason_lv": "Nav datu"}).context["form"].errors
    assert errors["not_measured_reason_lv"] == ["Give a reason only when there is no value."]
    assert not IndicatorActual.objects.exists()
    response = editor.post(address, {**base, "action": "submit", "value_min": "7.6", "value_max": "8.7"})
    actual = IndicatorActual.objects.get()
    assert response["Location"] == url("indicator-actual-detail", actual.pk)
    assert (actual.status, actual.institution, str(actual.value_min)) == (ReviewStatus.SUBMITTED, people.a, "7.600")
    signed_in(people.coordinator).post(url("indicator-actual-detail", actual.pk), {"action": "approve"})
    assert workflow.actual_for(indicator, 2024) == actual
