"""The plan pages (workplans/plan_views.py): content, filters, CSV/XLSX exports, scoping of everything that belongs
to an institution, the coordinator-only board, and query counts that do not grow with the rows."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone, translation

from accounts.models import Role
from institutions.models import InstitutionType
from tests.factories import InstitutionFactory, UserFactory
from tests.workplans.factories import (
    ActionLineFactory,
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
from workplans.models import MeasureStatus, ReviewStatus

pytestmark = pytest.mark.django_db

S = MeasureStatus


@pytest.fixture(autouse=True)
def latvian_after_each_test():
    yield
    translation.activate("lv")


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def xlsx_rows(response):
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


class World:
    """Plan PVPP (2024–2027) following OLD (2020–2023); institutions A, B, C; their editors and a coordinator.

    RV1: P1.1 executed, B responsible; P1.2 in each institution, in progress, depends on P1.1, obligations A executed,
         B not started, C executed (2 of 3), deadline 10 days ago; P1.3 in each institution, deadline 5 days ago,
         obligations A not started and B in progress (both overdue).
    RV2: P2.1 not started, depends on P1.2 (in progress → waiting), continues after the plan.
    OLD: M01 partly executed, carried forward to P1.1.
    Indicator I1 of RV1: baseline 2019 = 8, approved 2020 actual 7.6–8.7, 2023 not measured, target 2025 = 9.
    """


@pytest.fixture
def world():
    w = World()
    today = timezone.localdate()
    w.ministry = InstitutionFactory(
        name_lv="Viedās administrācijas ministrija", short_name="VARAM", institution_type=InstitutionType.MINISTRY
    )
    w.a = InstitutionFactory(name_lv="Alfa aģentūra", name_en="Alpha Agency", short_name="ALFA", parent=w.ministry)
    w.b = InstitutionFactory(name_lv="Beta dienests", name_en="Beta Service", short_name="BETA")
    w.c = InstitutionFactory(name_lv="Gamma inspekcija", name_en="Gamma Inspectorate", short_name="GAMMA")
    w.coordinator = UserFactory(role=Role.COORDINATOR)
    w.editor_a = UserFactory(role=Role.EDITOR, member_of=[w.a])
    w.editor_b = UserFactory(role=Role.EDITOR, member_of=[w.b])

    w.old = PlanFactory(code="OLD", start_year=2020, end_year=2023, title_lv="Vecais plāns")
    w.plan = PlanFactory(
        code="PVPP", predecessor=w.old, title_lv="Pakalpojumu vides pilnveides plāns", approving_act="MK rīkojums Nr. 1"
    )
    w.rv1 = ActionLineFactory(plan=w.plan, code="RV1", order=1, title_lv="Komandas")
    w.rv2 = ActionLineFactory(plan=w.plan, code="RV2", order=2, title_lv="Novērtēšana")
    w.p11 = MeasureFactory(action_line=w.rv1, code="P1.1", order=1, status=S.EXECUTED, text_lv="Apmācīt pārstāvjus")
    MeasureDeadlineFactory(measure=w.p11, due_on=today - timedelta(days=400), as_written="2024 Q4")
    MeasureResponsibilityFactory(measure=w.p11, institution=w.b)
    w.p12 = MeasureFactory(
        action_line=w.rv1,
        code="P1.2",
        order=2,
        status=S.IN_PROGRESS,
        in_each_institution=True,
        text_lv="Izveidot komandas",
    )
    w.p12.depends_on.add(w.p11)
    MeasureDeadlineFactory(measure=w.p12, due_on=today - timedelta(days=10))
    for institution, status in ((w.a, S.EXECUTED), (w.b, S.NOT_STARTED), (w.c, S.EXECUTED)):
        ObligationFactory(measure=w.p12, institution=institution, status=status)
    w.p13 = MeasureFactory(
        action_line=w.rv1, code="P1.3", order=3, in_each_institution=True, text_lv="Apmācīt komandas"
    )
    MeasureDeadlineFactory(measure=w.p13, due_on=today - timedelta(days=5))
    ObligationFactory(measure=w.p13, institution=w.a)
    ObligationFactory(measure=w.p13, institution=w.b, status=S.IN_PROGRESS)
    w.p21 = MeasureFactory(
        action_line=w.rv2, code="P2.1", order=1, continues_after_plan=True, text_lv="Izstrādāt vadlīnijas"
    )
    w.p21.depends_on.add(w.p12)
    old_line = ActionLineFactory(plan=w.old, code="AL1")
    w.m01 = MeasureFactory(action_line=old_line, code="M01", status=S.PARTLY_EXECUTED, carried_forward_to=w.p11)

    w.indicator = IndicatorFactory(
        action_line=w.rv1,
        code="I1",
        name_lv="Apmierinātība ar pakalpojumiem",
        unit_lv="punkti",
        unit_note="Tabulā norādīts platības %",
        data_source_lv="Iedzīvotāju aptauja",
        baseline_year=2019,
        baseline_value=Decimal("8"),
    )
    IndicatorActualFactory(
        indicator=w.indicator, year=2020, value=None, value_min=Decimal("7.6"), value_max=Decimal("8.7")
    )
    IndicatorActualFactory(
        indicator=w.indicator, year=2023, value=None, not_measured_reason_lv="Pētījums netika veikts"
    )
    IndicatorTargetFactory(indicator=w.indicator, year=2025, value=Decimal("9"))
    return w


def en(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


# --- access and URLs --------------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client, world):
    for url in (reverse("workplans:plan-list"), reverse("workplans:plan-detail", args=["PVPP"])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response.url


def test_plan_codes_never_swallow_the_apps_other_rooms():
    assert resolve("/plans/board/").url_name == "board"
    assert resolve("/plans/overdue/").url_name == "overdue"
    assert resolve("/plans/PVPP/").url_name == "plan-detail"
    for path in ("/plans/institutions/", "/plans/reports/"):
        try:
            name = resolve(path).url_name
        except Resolver404:  # a room without a page at its root: nothing matches, not even a plan
            name = None
        assert name != "plan-detail"


# --- the plan list ------------------------------------------------------------------------------------------------


def test_plan_list_shows_counts_share_and_succession(client, world):
    client.force_login(world.editor_a)
    page = client.get(reverse("workplans:plan-list")).content.decode()
    assert "Pakalpojumu vides pilnveides plāns" in page and "Vecais plāns" in page
    # PVPP: 4 measures, 1 executed → 25 %.
    assert "25\xa0%" in page or "25 %" in page
    assert reverse("workplans:plan-detail", args=["OLD"]) in page
    assert reverse("workplans:roadmap", args=["PVPP"]) in page


def test_plan_list_queries_do_not_grow_with_plans(client, world):
    client.force_login(world.editor_a)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("workplans:plan-list"))
    for _ in range(3):
        MeasureFactory(action_line=ActionLineFactory(plan=PlanFactory()))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("workplans:plan-list"))
    assert len(many) == len(few) <= 8


# --- the plan page ------------------------------------------------------------------------------------------------


def test_plan_page_shows_header_execution_indicators_and_measures(client, world):
    client.force_login(world.editor_a)
    page = client.get(en("workplans:plan-detail", "PVPP")).content.decode()
    assert "MK rīkojums Nr. 1" in page
    assert en("workplans:plan-detail", "OLD") in page
    # The indicator: baseline 8 (2019), the 2020 range, the 2023 reason, the 2025 target, the unit note.
    for text in ("2019", "7.6–8.7", "Pētījums netika veikts", "Tabulā norādīts platības %", "Iedzīvotāju aptauja"):
        assert text in page
    # P1.2: 2 of its 3 obligations executed; P2.1 waits on P1.2 (in progress) and continues after the plan.
    assert "2 of 3 executed" in page
    assert "waiting" in page and "continues after the plan" in page
    assert "2024 Q4" in page  # the deadline as the plan writes it
    assert "<svg" in page  # the stacked bar chart of statuses by action line


def test_latvian_page_writes_ranges_with_a_decimal_comma(client, world):
    client.force_login(world.editor_a)
    page = client.get(reverse("workplans:plan-detail", args=["PVPP"])).content.decode()
    assert "7,6–8,7" in page


def test_carried_forward_links_to_the_later_measure(client, world):
    client.force_login(world.editor_a)
    page = client.get(reverse("workplans:plan-detail", args=["OLD"])).content.decode()
    assert reverse("workplans:measure-detail", args=["PVPP", "P1.1"]) in page


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({}, ["P1.1", "P1.2", "P1.3", "P2.1"]),
        ({"status": "executed"}, ["P1.1"]),
        ({"status": ["executed", "in_progress"]}, ["P1.1", "P1.2"]),
        ({"in_each_institution": "true"}, ["P1.2", "P1.3"]),
        ({"waiting": "true"}, ["P2.1"]),
        ({"q": "vadlīnijas"}, ["P2.1"]),
    ],
)
def test_filters_and_the_export_hold_the_same_measures(client, world, query, codes):
    client.force_login(world.editor_a)
    url = reverse("workplans:plan-detail", args=["PVPP"])
    exported = rows_of(client.get(url, {**query, "_export": "csv"}))
    assert [row[0] for row in exported[1:]] == codes
    page = client.get(url, query).content.decode()
    for code in ("P1.1", "P1.2", "P1.3", "P2.1"):
        link = reverse("workplans:measure-detail", args=["PVPP", code])
        assert (f'href="{link}"' in page.split('id="lines-heading"')[1]) is (code in codes)


def test_action_line_filter(client, world):
    client.force_login(world.editor_a)
    rows = rows_of(
        client.get(reverse("workplans:plan-detail", args=["PVPP"]), {"action_line": world.rv2.pk, "_export": "csv"})
    )
    assert [row[0] for row in rows[1:]] == ["P2.1"]


def test_measure_export_in_xlsx_has_the_columns_shown_and_the_export_only_ones(client, world):
    client.force_login(world.editor_a)
    rows = xlsx_rows(client.get(en("workplans:plan-detail", "PVPP"), {"_export": "xlsx"}))
    header = list(rows[0])
    assert header[:4] == ["Code", "No.", "Measure", "Status"] and "Notes" not in header
    records = [dict(zip(header, row)) for row in rows[1:]]
    assert [record["Code"] for record in records] == ["P1.1", "P1.2", "P1.3", "P2.1"]
    p12 = records[1]
    assert (p12["Obligations executed"], p12["Obligations"]) == (2, 3)
    assert (p12["Measure (Latvian)"], p12["Action line"], p12["Waiting on other measures"]) == (
        "Izveidot komandas",
        "RV1",
        "No",
    )
    assert records[3]["Waiting on other measures"] == "Yes"


def test_indicator_values_export_in_csv_and_xlsx(client, world):
    client.force_login(world.editor_a)
    url = reverse("workplans:plan-detail", args=["PVPP"])
    rows = rows_of(client.get(url, {"_export_indicators": "csv"}))
    # Baseline 2019, actual 2020, actual 2023 (no value), target 2025: four rows under the header.
    assert [(row[1], row[5]) for row in rows[1:]] == [("I1", "2019"), ("I1", "2020"), ("I1", "2023"), ("I1", "2025")]
    assert "7,6–8,7" in rows[2] and "Pētījums netika veikts" in rows[3]
    sheet = xlsx_rows(client.get(url, {"_export_indicators": "xlsx"}))
    assert len(sheet) == 5 and sheet[1][1] == "I1"


def test_plan_page_queries_do_not_grow_with_measures(client, world):
    client.force_login(world.coordinator)
    url = reverse("workplans:plan-detail", args=["PVPP"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for line in (world.rv1, world.rv2):
        for _ in range(4):
            measure = MeasureFactory(action_line=line, in_each_institution=True)
            measure.depends_on.add(world.p11)
            MeasureDeadlineFactory(measure=measure)
            MeasureResponsibilityFactory(measure=measure, institution=world.a)
            ObligationFactory(measure=measure, institution=world.b)
    IndicatorActualFactory(indicator=IndicatorFactory(action_line=world.rv2), year=2024)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) <= 25


# --- the measure page ---------------------------------------------------------------------------------------------


def test_editor_sees_only_own_institutions_obligations_on_the_measure_page(client, world):
    client.force_login(world.editor_a)
    page = client.get(en("workplans:measure-detail", "PVPP", "P1.2")).content.decode()
    assert "Alpha Agency" in page
    assert "Beta" not in page and "Gamma" not in page
    # All institutions: 2 of 3 executed; of those the editor may see (A only): 1 of 1.
    assert "All institutions: 2 of 3 executed." in page
    assert "1 of 1 executed" in page


def test_counts_of_the_rows_shown_cover_each_of_the_readers_institutions(client, world):
    from accounts.models import Membership

    Membership.objects.create(user=world.editor_a, institution=world.c)
    client.force_login(world.editor_a)
    page = client.get(en("workplans:measure-detail", "PVPP", "P1.2")).content.decode()
    # A and C, both executed: 2 of the 2 rows shown; B's row stays hidden.
    assert "you may see: 2 of 2 executed" in page
    assert "Alpha Agency" in page and "Gamma Inspectorate" in page and "Beta" not in page


def test_coordinator_sees_every_obligation_on_the_measure_page(client, world):
    client.force_login(world.coordinator)
    page = client.get(reverse("workplans:measure-detail", args=["PVPP", "P1.2"])).content.decode()
    for name in ("Alfa aģentūra", "Beta dienests", "Gamma inspekcija"):
        assert name in page


def test_measure_page_shows_dependencies_dependents_and_carried_from(client, world):
    client.force_login(world.editor_a)
    page = client.get(en("workplans:measure-detail", "PVPP", "P1.2")).content.decode()
    with translation.override("en"):
        assert reverse("workplans:measure-detail", args=["PVPP", "P1.1"]) in page  # depends on
        assert reverse("workplans:measure-detail", args=["PVPP", "P2.1"]) in page  # its dependent, waiting
    assert "waiting" in page
    page = client.get(reverse("workplans:measure-detail", args=["PVPP", "P1.1"])).content.decode()
    assert reverse("workplans:measure-detail", args=["OLD", "M01"]) in page


def test_responsible_institution_is_linked_only_for_who_may_open_it(client, world):
    detail_b = reverse("institution-detail", args=[world.b.pk])
    client.force_login(world.editor_a)
    page = client.get(reverse("workplans:measure-detail", args=["PVPP", "P1.1"])).content.decode()
    assert "Beta dienests" in page and detail_b not in page
    client.force_login(world.editor_b)
    page = client.get(reverse("workplans:measure-detail", args=["PVPP", "P1.1"])).content.decode()
    assert detail_b in page


def test_report_progress_link_only_for_who_may_report(client, world):
    try:
        report_url = reverse("workplans:measure-update-new", args=[world.p11.pk])
    except NoReverseMatch:
        report_url = None
    client.force_login(world.editor_a)
    page = client.get(reverse("workplans:measure-detail", args=["PVPP", "P1.1"])).content.decode()
    assert "measures/%d/updates" % world.p11.pk not in page
    client.force_login(world.editor_b)  # B is responsible for P1.1
    page = client.get(reverse("workplans:measure-detail", args=["PVPP", "P1.1"])).content.decode()
    if report_url:
        assert f'href="{report_url}"' in page


def test_history_lists_approved_updates_the_reader_may_see(client, world):
    obligation_a = world.p12.obligations.get(institution=world.a)
    obligation_b = world.p12.obligations.get(institution=world.b)
    ProgressUpdateFactory(obligation=obligation_a, evidence="Rīkojums par komandu", status=ReviewStatus.APPROVED)
    ProgressUpdateFactory(obligation=obligation_b, evidence="Beta pierādījums", status=ReviewStatus.APPROVED)
    ProgressUpdateFactory(obligation=obligation_a, evidence="Vēl melnraksts")
    client.force_login(world.editor_a)
    page = client.get(reverse("workplans:measure-detail", args=["PVPP", "P1.2"])).content.decode()
    assert "Rīkojums par komandu" in page
    assert "Beta pierādījums" not in page and "Vēl melnraksts" not in page


def test_unknown_measure_is_404(client, world):
    client.force_login(world.editor_a)
    assert client.get(reverse("workplans:measure-detail", args=["PVPP", "P9.9"])).status_code == 404
    assert client.get(reverse("workplans:measure-detail", args=["OLD", "P1.1"])).status_code == 404


# --- the roadmap --------------------------------------------------------------------------------------------------


def test_roadmap_by_groups_marks_assumed_bars_continuation_and_dependencies(client, world):
    group = RoadmapGroupFactory(
        plan=world.plan,
        code="e",
        label_lv="Komandu izveide",
        label_en="Setting up the teams",
        assumed=True,
        start_year=2024,
        start_quarter=3,
        end_year=2024,
        end_quarter=4,
    )
    world.p12.roadmap_group = group
    world.p12.save()
    client.force_login(world.editor_a)
    page = client.get(en("workplans:roadmap", "PVPP")).content.decode()
    assert "Setting up the teams" in page and "bar--assumed" in page and "assumed" in page
    assert "2024 Q3 – 2024 Q4" in page
    assert "continues after the plan" in page  # P2.1, in a row of its own
    assert "depends on" in page
    assert "Deadline of P1.2" in page


def test_roadmap_without_groups_places_measures_by_deadline(client, world):
    line = ActionLineFactory(plan=world.old, code="AL2")
    measure = MeasureFactory(action_line=line, code="M02")
    MeasureDeadlineFactory(measure=measure, due_on=timezone.datetime(2022, 5, 1).date())
    client.force_login(world.editor_a)
    page = client.get(en("workplans:roadmap", "OLD")).content.decode()
    assert "2020 Q1 – 2022 Q2" in page  # M02: from the plan's start to its deadline's quarter
    assert "Deadline of M02" in page


def test_roadmap_page_queries_do_not_grow_with_measures(client, world):
    client.force_login(world.editor_a)
    url = reverse("workplans:roadmap", args=["PVPP"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    group = RoadmapGroupFactory(plan=world.plan)
    for line in (world.rv1, world.rv2):
        for _ in range(3):
            measure = MeasureFactory(action_line=line, roadmap_group=group)
            measure.depends_on.add(world.p12)
            MeasureDeadlineFactory(measure=measure)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) <= 12


# --- the board, the matrix and the overdue list ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER, Role.EXPERT])
def test_board_is_the_coordinators_only(client, world, role):
    client.force_login(UserFactory(role=role, member_of=[world.a]))
    assert client.get(reverse("workplans:board")).status_code in (403, 404)


def test_board_shows_execution_obligations_overdue_review_and_the_matrix(client, world):
    ProgressUpdateFactory(obligation=world.p12.obligations.get(institution=world.b), status=ReviewStatus.SUBMITTED)
    client.force_login(world.coordinator)
    response = client.get(en("workplans:board"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "PVPP" in page and "OLD" in page
    with translation.override("en"):
        assert reverse("workplans:measure-detail", args=["PVPP", "P1.3"]) in page  # overdue
    for name in ("ALFA", "BETA", "GAMMA"):
        assert name in page  # matrix rows
    assert response.context["review"]["updates"] == 1
    assert response.context["overdue_obligation_count"] == 3  # P1.2·B, P1.3·A, P1.3·B


def test_board_queries_do_not_grow_with_institutions(client, world):
    client.force_login(world.coordinator)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("workplans:board"))
    for _ in range(4):
        ObligationFactory(measure=world.p13, institution=InstitutionFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("workplans:board"))
    assert len(many) == len(few) <= 30


def test_matrix_export_of_an_editor_holds_only_their_institution(client, world):
    url = reverse("workplans:obligation-matrix", args=["PVPP"])
    client.force_login(world.editor_a)
    rows = rows_of(client.get(url, {"_export": "csv"}))
    assert [row[0] for row in rows[1:]] == ["Alfa aģentūra"]
    assert rows[0][-2:] == ["P1.2", "P1.3"]
    sheet = xlsx_rows(client.get(url, {"_export": "xlsx"}))
    assert [row[0] for row in sheet[1:]] == ["Alfa aģentūra"]
    page = client.get(url).content.decode()
    assert "BETA" not in page and "GAMMA" not in page


def test_matrix_export_of_the_coordinator_holds_all_and_filters_by_sector(client, world):
    url = reverse("workplans:obligation-matrix", args=["PVPP"])
    client.force_login(world.coordinator)
    rows = rows_of(client.get(url, {"_export": "csv"}))
    assert [row[0] for row in rows[1:]] == ["Alfa aģentūra", "Beta dienests", "Gamma inspekcija"]
    by_sector = rows_of(client.get(url, {"_export": "csv", "sector": world.ministry.pk}))
    assert [row[0] for row in by_sector[1:]] == ["Alfa aģentūra"]


def test_overdue_list_is_scoped_and_exportable(client, world):
    url = reverse("workplans:overdue")
    client.force_login(world.editor_a)
    obligations = rows_of(client.get(url, {"_export": "csv"}))
    # A's only overdue obligation: P1.3 (A's P1.2 is executed).
    assert [(row[0], row[2]) for row in obligations[1:]] == [("Alfa aģentūra", "P1.3")]
    measures = rows_of(client.get(url, {"_export_measures": "csv"}))
    # Measures are everyone's: P1.2 (10 days late) and P1.3 (5 days late), the earliest first.
    assert [row[1] for row in measures[1:]] == ["P1.2", "P1.3"]
    assert [row[-1] for row in measures[1:]] == ["10", "5"]
    client.force_login(world.coordinator)
    obligations = rows_of(client.get(url, {"_export": "csv"}))
    assert sorted((row[0], row[2]) for row in obligations[1:]) == [
        ("Alfa aģentūra", "P1.3"),
        ("Beta dienests", "P1.2"),
        ("Beta dienests", "P1.3"),
    ]
    assert client.get(url).status_code == 200
