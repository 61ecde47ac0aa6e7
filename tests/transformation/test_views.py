"""The transformation pages: a project from its creation to its closing (phases, group, measurements pre-filled from
the catalogue, the gains/losses table, the refusal to close without the mandatory measurements), the indicator
library, the review cycles, the oversight register and its candidates, the shared components; each page stays
inside the reader's scope (pages and exports alike) and keeps its number of queries whatever the number of rows.

The small world ("world"), in 2024:

    institutions A (VSAA) and B (VID); an editor and a viewer of A, an editor of B, the coordinator
    service S-A1 held by A, offered on the portal since 1 January 2015: 650 completed on the portal and 350 in
        person at A in 2024 → digital share 650 / 1,000 = 65 %
    service S-B1 held by B: 100 completed on the portal
    project "Pieteikumu pārveide" of A about S-A1 (active), project "Deklarāciju pārveide" of B about S-B1 (draft)

The full before/after set (seed 003 §4.3 b, the synthetic example), baseline → final:

    R1 channel proportion   30 → 65 %   up    Δ +35 p.p., Δ% = 35 / 30 = +116.7 %   gain
    R2 electronic use       30 → 65 %   up    the same                               gain
    R3 digital staff share  14.29 → 27.27 % none                                     not classed
    R4 delivery staff FTE   14 → 11     down  Δ −3, Δ% = −3 / 14 = −21.4 %           gain
    R5 digital budget share 7.5 → 9 %   up    Δ +1.5, Δ% = 1.5 / 7.5 = +20 %         gain
    R6, R9 texts                                                                     not classed
    R7 users' assessment    70 → 65     up    Δ −5, Δ% = −5 / 70 = −7.1 %            loss
    R8.1 investment         0 → 120,000 none  Δ% none (baseline 0)                   not classed
    R8.2 running cost/year  0 → 10,000  down  Δ +10,000                              loss
    R8.3 benefit/year       0 → 72,000  up    Δ +72,000                              gain
    → 5 gains, 2 losses, 0 unchanged, 4 not classed among the 11 mandatory indicators

Cost–benefit of the final measurement, h = 5 years: total benefit 5 × 72,000 = 360,000; total expenditure
120,000 + 5 × 10,000 = 170,000; net benefit 190,000; benefit–cost ratio 360,000 / 170,000 = 2.12; payback
120,000 / (72,000 − 10,000) = 1.94 years.
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from services import costing
from services.models import CostComponent, RecomputationKind, ServiceCost, ServiceFigure
from tests.factories import InstitutionFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceChannelFactory, ServiceFactory
from transformation import reviews, workflow
from transformation.models import (
    ComponentProject,
    CostEvidence,
    DecisionKind,
    DecisionStatus,
    IndicatorScope,
    Measurement,
    MeasurementPhase,
    MeasurementSource,
    OversightDecision,
    PhaseStatus,
    ProjectMember,
    ProjectStatus,
    ResultIndicator,
    ReviewKind,
    ServiceReview,
    SharedComponent,
    TransformationProject,
    ValueKind,
)
from transformation.reference_data import load_indicators

pytestmark = pytest.mark.django_db

YEAR = 2024
D = Decimal

# baseline, final of every mandatory indicator (the module docstring's table)
FULL_SET = {
    "R1": (D("30"), D("65")),
    "R2": (D("30"), D("65")),
    "R3": (D("14.29"), D("27.27")),
    "R4": (D("14"), D("11")),
    "R5": (D("7.5"), D("9")),
    "R6": ("Izmaksas pārsniedz ieguvumus pirmajā gadā.", "Ieguvumi pārsniedz izmaksas."),
    "R7": (D("70"), D("65")),
    "R8.1": (D("0"), D("120000")),
    "R8.2": (D("0"), D("10000")),
    "R8.3": (D("0"), D("72000")),
    "R9": ("Mazāk rindu klātienē.", "Ātrāka apkalpošana."),
}


def url(name, **kwargs):
    """The English page: its labels are the interface's own strings, its numbers "1,234.5"."""
    with translation.override("en"):
        return reverse(f"transformation:{name}", kwargs=kwargs or None)


def signed_in(client, user):
    client.force_login(user)
    return client


def csv_rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def xlsx_rows(response, sheet=None):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in (workbook[sheet] if sheet else workbook.active).iter_rows(values_only=True)]


def report(service, channel, completed, provider=None, year=YEAR):
    return ServiceFigure.objects.create(
        service=service,
        provider=provider or service.holder,
        year=year,
        channel=ChannelFactory(code=channel),
        completed=completed,
    )


def measure(project, code, phase, value, period=(date(YEAR, 1, 1), date(YEAR, 12, 31))):
    indicator = ResultIndicator.objects.get(code=code)
    numeric = not isinstance(value, str)
    return Measurement.objects.create(
        project=project,
        indicator=indicator,
        phase=phase,
        period_start=period[0],
        period_end=period[1],
        value=value if numeric else None,
        text_value="" if numeric else value,
    )


def measure_all(project, phases=("baseline", "final")):
    for code, (before, after) in FULL_SET.items():
        if "baseline" in phases:
            measure(project, code, MeasurementPhase.BASELINE, before)
        if "final" in phases:
            measure(project, code, MeasurementPhase.FINAL, after)


class World:
    pass


@pytest.fixture
def world():
    """The module docstring's world. The users sign in with force_login, so they need no (slow to hash) password."""
    w = World()
    load_indicators()
    w.a = InstitutionFactory(short_name="VSAA", name_lv="Valsts sociālās apdrošināšanas aģentūra", name_en="SSIA")
    w.b = InstitutionFactory(short_name="VID", name_lv="Valsts ieņēmumu dienests", name_en="SRS")
    w.editor = UserFactory(username="editor-a", role=Role.EDITOR, member_of=[w.a], password=None)
    w.viewer = UserFactory(username="viewer-a", role=Role.VIEWER, member_of=[w.a], password=None)
    w.editor_b = UserFactory(username="editor-b", role=Role.EDITOR, member_of=[w.b], password=None)
    w.coordinator = UserFactory(username="coordinator", role=Role.COORDINATOR, password=None)
    w.service_a = ServiceFactory(catalogue_id="S-A1", holder=w.a, valid_from=date(2015, 1, 1), name_en="Pension")
    w.service_b = ServiceFactory(catalogue_id="S-B1", holder=w.b, valid_from=date(2015, 1, 1), name_en="Tax return")
    ServiceChannelFactory(service=w.service_a, channel=ChannelFactory(code="portal"))
    report(w.service_a, "portal", 650)
    report(w.service_a, "institution_in_person", 350)
    report(w.service_b, "portal", 100)
    costing.recompute(RecomputationKind.FULL)
    w.project_a = TransformationProject.objects.create(institution=w.a, name="Pieteikumu pārveide", appraisal_years=5)
    w.project_a.services.set([w.service_a])
    workflow.start_project(w.project_a, on=date(YEAR + 1, 1, 15))
    w.project_b = TransformationProject.objects.create(institution=w.b, name="Deklarāciju pārveide")
    w.project_b.services.set([w.service_b])
    workflow.create_phases(w.project_b)
    return w


# --- the projects list --------------------------------------------------------------------------------------------


def test_an_editor_lists_only_the_own_institutions_projects_on_the_page_and_in_both_exports(client, world):
    client = signed_in(client, world.editor)
    page = client.get(url("project-list"))
    assert page.status_code == 200
    assert "Pieteikumu pārveide" in page.content.decode()
    assert "Deklarāciju pārveide" not in page.content.decode()
    rows = csv_rows(client.get(url("project-list"), {"_export": "csv"}))
    assert [row[0] for row in rows[1:]] == ["Pieteikumu pārveide"]
    sheet = xlsx_rows(client.get(url("project-list"), {"_export": "xlsx"}))
    assert [row[0] for row in sheet[1:]] == ["Pieteikumu pārveide"]


def test_the_coordinator_lists_every_project_and_filters_them_by_status_and_phase(client, world):
    client = signed_in(client, world.coordinator)
    everything = csv_rows(client.get(url("project-list"), {"_export": "csv"}))
    assert sorted(row[0] for row in everything[1:]) == ["Deklarāciju pārveide", "Pieteikumu pārveide"]
    drafts = csv_rows(client.get(url("project-list"), {"_export": "csv", "status": "draft"}))
    assert [row[0] for row in drafts[1:]] == ["Deklarāciju pārveide"]
    # Starting project A put its baseline measurement in progress; B's phases have not started.
    baseline = csv_rows(client.get(url("project-list"), {"_export": "csv", "phase": "baseline"}))
    assert [row[0] for row in baseline[1:]] == ["Pieteikumu pārveide"]
    header = baseline[0]
    assert baseline[1][header.index("Current phase")] == "Baseline measurement"
    assert baseline[1][header.index("Institution")] == "SSIA"


def test_the_service_filter_takes_a_catalogue_identifier_and_names_no_service_outside_the_scope(client, world):
    client = signed_in(client, world.editor)
    own = csv_rows(client.get(url("project-list"), {"_export": "csv", "service": "S-A1"}))
    assert [row[0] for row in own[1:]] == ["Pieteikumu pārveide"]
    page = client.get(url("project-list"), {"service": "S-B1"})
    assert "service" in page.context["filter"].form.errors  # B's service is not one the editor may name
    assert len(page.context["table"].rows) == 0
    assert "Tax return" not in page.content.decode()


def test_the_projects_list_costs_the_same_number_of_queries_whatever_the_rows(
    client, world, django_assert_max_num_queries
):
    client = signed_in(client, world.coordinator)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("project-list")).status_code == 200
    baseline = len(few)
    for number in range(12):
        project = TransformationProject.objects.create(institution=world.a, name=f"Projekts {number}")
        project.services.set([world.service_a])
        workflow.create_phases(project)
    with django_assert_max_num_queries(baseline):
        assert client.get(url("project-list")).status_code == 200


# --- scoping of a project's pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("project-detail", {}),
        ("project-edit", {}),
        ("group-edit", {}),
        ("phases-edit", {}),
        ("project-close", {}),
        ("evaluation-xlsx", {}),
        ("evaluation-pdf", {}),
        ("measurements", {"phase": "baseline"}),
    ],
)
def test_an_editor_of_a_gets_404_for_every_page_of_bs_project(client, world, name, extra):
    client = signed_in(client, world.editor)
    assert client.get(url(name, pk=world.project_b.pk, **extra)).status_code == 404
    assert client.get(url(name, pk=world.project_a.pk, **extra)).status_code == 200


@pytest.mark.parametrize("name", ["project-start", "project-cancel", "project-component"])
def test_an_editor_of_a_cannot_act_on_bs_project(client, world, name):
    client = signed_in(client, world.editor)
    assert client.post(url(name, pk=world.project_b.pk)).status_code == 404
    world.project_b.refresh_from_db()
    assert world.project_b.status == ProjectStatus.DRAFT


def test_a_viewer_reads_the_project_but_may_not_change_it(client, world):
    client = signed_in(client, world.viewer)
    page = client.get(url("project-detail", pk=world.project_a.pk))
    assert page.status_code == 200
    assert url("project-edit", pk=world.project_a.pk) not in page.content.decode()
    assert client.get(url("project-edit", pk=world.project_a.pk)).status_code == 403
    assert client.get(url("measurements", pk=world.project_a.pk, phase="baseline")).status_code == 403
    assert client.post(url("project-close", pk=world.project_a.pk)).status_code == 403


# --- creating a project, its group and phases ---------------------------------------------------------------------


def test_an_editor_creates_a_draft_project_of_the_own_institution_with_its_seven_phases(client, world):
    client = signed_in(client, world.editor)
    response = client.post(
        url("project-create"),
        {
            "institution": world.a.pk,
            "name": "Jauns projekts",
            "goal": "Vairāk e-pakalpojumu",
            "services": [world.service_a.pk],
            "funding_source": "eu_funds",
            "planned_start": "2025-02-01",
            "planned_end": "2026-06-30",
            "appraisal_years": 5,
        },
    )
    project = TransformationProject.objects.get(name="Jauns projekts")
    assert response.status_code == 302
    assert response.url == url("project-detail", pk=project.pk)
    assert project.status == ProjectStatus.DRAFT
    assert project.created_by == world.editor
    assert list(project.services.all()) == [world.service_a]
    assert [phase.kind for phase in project.phases.order_by("order")] == [
        "baseline",
        "analysis",
        "design",
        "implementation",
        "interim",
        "final",
        "evaluation",
    ]


def test_a_project_is_refused_for_another_institution_or_its_services(client, world):
    client = signed_in(client, world.editor)
    data = {"name": "Svešs", "appraisal_years": 5}
    other = client.post(url("project-create"), {**data, "institution": world.b.pk})
    assert other.status_code == 400
    assert "institution" in other.context["form"].errors
    foreign = client.post(url("project-create"), {**data, "institution": world.a.pk, "services": [world.service_b.pk]})
    assert foreign.status_code == 400
    assert "services" in foreign.context["form"].errors
    assert not TransformationProject.objects.filter(name="Svešs").exists()


def test_a_viewer_may_not_start_a_project(client, world):
    client = signed_in(client, world.viewer)
    assert client.get(url("project-create")).status_code == 403


def test_the_project_group_is_saved_with_roles(client, world):
    client = signed_in(client, world.editor)
    prefix = "members"
    response = client.post(
        url("group-edit", pk=world.project_a.pk),
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
            f"{prefix}-0-person_name": "Anna Bērziņa",
            f"{prefix}-0-role": "project_lead",
            f"{prefix}-0-email": "anna@example.lv",
            f"{prefix}-1-person_name": "",
            f"{prefix}-1-role": "other",
            f"{prefix}-1-email": "",
        },
    )
    assert response.status_code == 302
    member = ProjectMember.objects.get(project=world.project_a)
    assert (member.person_name, member.role, member.email) == ("Anna Bērziņa", "project_lead", "anna@example.lv")
    rows = csv_rows(client.get(url("project-detail", pk=world.project_a.pk), {"_export_members": "csv"}))
    assert rows[1] == ["Anna Bērziņa", "Project lead", "anna@example.lv"]


def test_a_phase_starts_only_after_the_one_before_and_the_refusal_says_why(client, world):
    client = signed_in(client, world.editor)
    response = client.post(url("phases-edit", pk=world.project_a.pk), {"phase": "design", "action": "start"})
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["“Design” cannot start before “Analysis” has started."]
    client.post(url("phases-edit", pk=world.project_a.pk), {"phase": "analysis", "action": "start", "on": "2025-02-01"})
    analysis = world.project_a.phases.get(kind="analysis")
    assert (analysis.status, analysis.actual_start) == (PhaseStatus.IN_PROGRESS, date(2025, 2, 1))


def test_the_phase_plan_saves_dates_and_refuses_an_end_before_the_start(client, world):
    client = signed_in(client, world.editor)
    phases = list(world.project_a.phases.order_by("order"))
    data = {"action": "plan", "phases-TOTAL_FORMS": "7", "phases-INITIAL_FORMS": "7", "phases-MIN_NUM_FORMS": "0"}
    data["phases-MAX_NUM_FORMS"] = "1000"
    for index, phase in enumerate(phases):
        data[f"phases-{index}-id"] = phase.pk
        data[f"phases-{index}-planned_start"] = "2025-03-01"
        data[f"phases-{index}-planned_end"] = "2025-03-31"
        data[f"phases-{index}-note"] = ""
    data["phases-2-planned_end"] = "2025-02-01"
    refused = client.post(url("phases-edit", pk=world.project_a.pk), data)
    assert refused.status_code == 400
    assert "Design, Planned end: The planned end comes before the planned start." in [
        m for _i, m in refused.context["errors"]
    ]
    data["phases-2-planned_end"] = "2025-04-30"
    assert client.post(url("phases-edit", pk=world.project_a.pk), data).status_code == 302
    assert world.project_a.phases.get(kind="design").planned_end == date(2025, 4, 30)


# --- measurements pre-filled from the catalogue --------------------------------------------------------------------


def baseline_url(world, start="2024-01-01", end="2024-12-31"):
    return (
        url("measurements", pk=world.project_a.pk, phase="baseline")
        + f"?period-period_start={start}&period-period_end={end}"
    )


def test_the_baseline_form_starts_with_the_catalogues_digital_share_and_says_so(client, world):
    client = signed_in(client, world.editor)
    page = client.get(baseline_url(world))
    assert page.status_code == 200
    rows = {row.indicator.code: row for row in page.context["editor"].rows}
    # R1 and R2: 650 digital of 1,000 completed in 2024 = 65 %; R7 has no satisfaction ratings in the catalogue.
    assert rows["R1"]["value"].value() == D("65.00")
    assert rows["R2"]["value"].value() == D("65.00")
    assert rows["R7"]["value"].value() is None
    html = page.content.decode()
    assert "pre-filled from catalogue" in html
    assert "650 of 1000 completed transactions digital" in html
    assert "No satisfaction ratings in the catalogue for 2024." in html


def test_a_period_without_figures_prefills_nothing(client, world):
    client = signed_in(client, world.editor)
    page = client.get(baseline_url(world, "2020-01-01", "2020-12-31"))
    rows = {row.indicator.code: row for row in page.context["editor"].rows}
    assert rows["R1"]["value"].value() is None
    assert "No completed transactions in the catalogue for 2020." in page.content.decode()


def post_phase(client, world, phase, values, period=("2024-01-01", "2024-12-31")):
    """POST the phase form with `values` {code: value}; every other row empty."""
    data = {"period-period_start": period[0], "period-period_end": period[1]}
    for indicator in ResultIndicator.objects.all():
        field = "value" if indicator.is_numeric else "text_value"
        data[f"m-{indicator.pk}-{field}"] = values.get(indicator.code, "")
        data[f"m-{indicator.pk}-note"] = ""
    return client.post(url("measurements", pk=world.project_a.pk, phase=phase), data)


def test_keeping_the_catalogue_value_records_it_as_prefilled_and_changing_it_as_entered(client, world):
    client = signed_in(client, world.editor)
    response = post_phase(client, world, "baseline", {"R1": "65.00", "R2": "61", "R4": "14"})
    assert response.status_code == 302
    stored = {m.indicator.code: m for m in Measurement.objects.filter(project=world.project_a, phase="baseline")}
    assert set(stored) == {"R1", "R2", "R4"}
    assert (stored["R1"].value, stored["R1"].source) == (D("65.0000"), MeasurementSource.PREFILLED)
    assert "650 of 1000" in stored["R1"].source_note
    assert (stored["R2"].value, stored["R2"].source) == (D("61.0000"), MeasurementSource.ENTERED)
    assert stored["R4"].source == MeasurementSource.ENTERED
    assert stored["R1"].period_start == date(2024, 1, 1) and stored["R1"].period_end == date(2024, 12, 31)
    assert stored["R1"].measured_by == world.editor


def test_emptying_a_row_removes_its_value_and_a_share_above_100_is_refused(client, world):
    client = signed_in(client, world.editor)
    post_phase(client, world, "baseline", {"R1": "65", "R4": "14"})
    refused = post_phase(client, world, "baseline", {"R1": "120", "R4": "14"})
    assert refused.status_code == 400
    assert any(message.startswith("R1") for _field, message in refused.context["errors"])
    assert Measurement.objects.get(project=world.project_a, indicator__code="R1").value == D("65")
    post_phase(client, world, "baseline", {"R4": "13"})
    assert list(Measurement.objects.filter(project=world.project_a).values_list("indicator__code", "value")) == [
        ("R4", D("13"))
    ]


def test_a_text_indicator_takes_a_text_and_an_unknown_phase_is_404(client, world):
    client = signed_in(client, world.editor)
    assert post_phase(client, world, "final", {"R6": "Ieguvumi pārsniedz izmaksas."}).status_code == 302
    assert Measurement.objects.get(indicator__code="R6", phase="final").text_value == "Ieguvumi pārsniedz izmaksas."
    assert client.get(url("measurements", pk=world.project_a.pk, phase="analysis")).status_code == 404


# --- the gains and losses table and the cost–benefit figures ---------------------------------------------------


def test_the_before_after_table_holds_the_hand_worked_changes_and_their_classes(client, world):
    measure_all(world.project_a)
    measure(world.project_a, "R4", MeasurementPhase.INTERIM, D("12"))
    client = signed_in(client, world.editor)
    rows = csv_rows(client.get(url("project-detail", pk=world.project_a.pk), {"_export": "csv"}))
    header = rows[0]
    table = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(table) == list(FULL_SET)
    r1, r4, r7, r81 = table["R1"], table["R4"], table["R7"], table["R8.1"]
    # R1: 30 → 65: Δ 35, Δ% 35 / 30 × 100 = 116.6667, a gain (higher is better)
    assert (r1["Baseline"], r1["Final"], r1["Δ"], r1["Δ %"], r1["Gain or loss"]) == (
        "30",
        "65",
        "35",
        "116.6667",
        "Gain",
    )
    # R4: 14 → (12) → 11 FTE: Δ −3, Δ% −3 / 14 × 100 = −21.4286, a gain (lower is better)
    assert (r4["Interim"], r4["Δ"], r4["Δ %"], r4["Gain or loss"]) == ("12", "-3", "-21.4286", "Gain")
    # R7: 70 → 65: Δ −5, Δ% −7.1429, a loss
    assert (r7["Δ"], r7["Δ %"], r7["Gain or loss"]) == ("-5", "-7.1429", "Loss")
    # R8.1: 0 → 120,000: Δ% has no value (baseline 0); no good direction: not classed
    assert (r81["Δ"], r81["Δ %"], r81["Gain or loss"]) == ("120000", "", "Not classed")
    assert table["R6"]["Final"] == "Ieguvumi pārsniedz izmaksas."


def test_the_project_page_shows_the_counts_the_money_figures_and_a_chart(client, world):
    measure_all(world.project_a)
    client = signed_in(client, world.editor)
    page = client.get(url("project-detail", pk=world.project_a.pk))
    evaluation = page.context["evaluation"]
    # gains R1 R2 R4 R5 R8.3; losses R7 R8.2; not classed R3 R6 R8.1 R9
    assert (evaluation.gains, evaluation.losses, evaluation.unchanged, evaluation.not_classed) == (5, 2, 0, 4)
    money = page.context["cost_benefit"]
    # net 5 × 72,000 − (120,000 + 5 × 10,000) = 190,000; BCR 360,000 / 170,000; payback 120,000 / 62,000
    assert money.net_benefit == D("190000")
    assert round(money.benefit_cost_ratio, 4) == D("2.1176")
    assert round(money.payback_years, 4) == D("1.9355")
    html = page.content.decode()
    assert "190,000.00 €" in html
    assert "▲ Gain" in html and "▼ Loss" in html
    # shares, scores, counts and money each have their own chart
    assert [str(chart.title) for chart in page.context["charts"]] == [
        "Before and after: shares in per cent",
        "Before and after: scores",
        "Before and after: counts",
        "Before and after: money (EUR)",
    ]
    shares = page.context["charts"][0]
    assert shares.rows[0][1] == ["30.0", "65.0"]  # R1 baseline, final


def test_the_project_page_costs_the_same_number_of_queries_whatever_the_measurements(
    client, world, django_assert_max_num_queries
):
    client = signed_in(client, world.editor)
    measure(world.project_a, "R1", MeasurementPhase.BASELINE, D("30"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("project-detail", pk=world.project_a.pk)).status_code == 200
    baseline = len(few)
    measure_all(world.project_a, phases=("final",))
    for code, (before, _after) in FULL_SET.items():
        if code != "R1":
            measure(world.project_a, code, MeasurementPhase.BASELINE, before)
    with django_assert_max_num_queries(baseline):
        assert client.get(url("project-detail", pk=world.project_a.pk)).status_code == 200


# --- closing ------------------------------------------------------------------------------------------------------


def test_closing_is_refused_naming_the_missing_mandatory_indicators(client, world):
    measure_all(world.project_a, phases=("baseline",))
    client = signed_in(client, world.editor)
    response = client.post(url("project-close", pk=world.project_a.pk), {})
    assert response.status_code == 400
    refusal = response.context["refusal"]
    assert refusal.startswith("The project cannot close: mandatory indicators without a baseline or a final")
    assert "R1 Proportion" in refusal or "R1 " in refusal
    assert "R9 " in refusal and "R10" not in refusal  # R10 is optional
    world.project_a.refresh_from_db()
    assert world.project_a.status == ProjectStatus.ACTIVE


def test_with_every_mandatory_measurement_the_project_closes(client, world):
    measure_all(world.project_a)
    client = signed_in(client, world.editor)
    response = client.post(url("project-close", pk=world.project_a.pk), {"on": "2025-12-01"})
    assert response.status_code == 302
    world.project_a.refresh_from_db()
    assert (world.project_a.status, world.project_a.closed_on) == (ProjectStatus.CLOSED, date(2025, 12, 1))
    # a closed project's measurements no longer change
    assert client.get(url("measurements", pk=world.project_a.pk, phase="final")).status_code == 302


# --- the indicator library ----------------------------------------------------------------------------------------


def indicator_data(**values):
    data = {
        "scope": "trend",
        "code": "T-WAIT",
        "name_lv": "Gaidīšanas laiks",
        "name_en": "Waiting time",
        "unit": "min",
        "value_kind": "count",
        "good_direction": "down",
        "collection_method_lv": "Vidējais gaidīšanas laiks minūtēs no rindu sistēmas.",
        "order": 200,
        "active": "on",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def test_the_coordinator_adds_a_trend_indicator_only_with_its_collection_method(client, world):
    client = signed_in(client, world.coordinator)
    refused = client.post(url("indicator-create"), indicator_data(collection_method_lv=""))
    assert refused.status_code == 400
    assert "collection_method_lv" in refused.context["form"].errors
    assert client.post(url("indicator-create"), indicator_data()).status_code == 302
    indicator = ResultIndicator.objects.get(code="T-WAIT")
    assert (indicator.scope, indicator.owner_institution) == (IndicatorScope.TREND, None)


def test_an_editor_adds_an_own_indicator_and_b_never_sees_it(client, world):
    client = signed_in(client, world.editor)
    data = indicator_data(scope="institution", code="VSAA-1", owner_institution=world.a.pk, good_direction="up")
    assert client.post(url("indicator-create"), data).status_code == 302
    own = ResultIndicator.objects.get(code="VSAA-1")
    assert (own.scope, own.owner_institution, own.mandatory) == (IndicatorScope.INSTITUTION, world.a, False)
    # a trend indicator or another institution's own indicator is not theirs to add
    refused = client.post(url("indicator-create"), indicator_data(code="X-1"))
    assert refused.status_code == 400 and "scope" in refused.context["form"].errors
    refused = client.post(url("indicator-create"), {**data, "code": "X-2", "owner_institution": world.b.pk})
    assert refused.status_code == 400 and "owner_institution" in refused.context["form"].errors

    other = signed_in(client, world.editor_b)
    codes = [row[0] for row in csv_rows(other.get(url("indicator-list"), {"_export": "csv"}))[1:]]
    assert "VSAA-1" not in codes and "R1" in codes
    assert other.get(url("indicator-edit", pk=own.pk)).status_code == 404
    assert other.get(url("indicator-edit", pk=ResultIndicator.objects.get(code="R1").pk)).status_code == 403


def test_the_indicator_library_costs_the_same_number_of_queries_whatever_the_rows(
    client, world, django_assert_max_num_queries
):
    client = signed_in(client, world.editor)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("indicator-list")).status_code == 200
    baseline = len(few)
    for number in range(12):
        ResultIndicator.objects.create(
            code=f"OWN-{number}",
            name_lv=f"Rādītājs {number}",
            value_kind=ValueKind.COUNT,
            scope=IndicatorScope.INSTITUTION,
            owner_institution=world.a,
        )
    with django_assert_max_num_queries(baseline):
        assert client.get(url("indicator-list")).status_code == 200


# --- review cycles ------------------------------------------------------------------------------------------------


def test_review_cycles_list_the_own_services_overdue_and_a_review_clears_it(client, world):
    client = signed_in(client, world.editor)
    page = client.get(url("reviews"))
    assert page.status_code == 200
    # S-A1 started on 1 January 2015 and was never reviewed: due 1 January 2020 (+5 years), overdue for both kinds.
    shown = [(item.service.catalogue_id, item.kind, item.due_on) for item in page.context["due_table"].data]
    assert shown == [("S-A1", "admin_burden", date(2020, 1, 1)), ("S-A1", "efficiency", date(2020, 1, 1))]
    html = page.content.decode()
    assert len(re.findall(r'<tr [^>]*class="[^"]*row--overdue', html)) == 2
    assert f'href="{url("review-create")}?service=S-A1&amp;kind=efficiency"' in html
    rows = csv_rows(client.get(url("reviews"), {"_export": "csv", "show": "all"}))
    assert {row[0] for row in rows[1:]} == {"Pension"}  # never B's service

    today = date.today().isoformat()
    response = client.post(
        url("review-create"),
        {"service": world.service_a.pk, "kind": "efficiency", "reviewed_on": today, "reviewer_institution": world.a.pk},
    )
    assert response.status_code == 302
    page = client.get(url("reviews"))
    assert [item.kind for item in page.context["due_table"].data] == ["admin_burden"]


def test_an_editor_cannot_record_a_review_of_another_institutions_service(client, world):
    client = signed_in(client, world.editor)
    response = client.post(
        url("review-create"),
        {
            "service": world.service_b.pk,
            "kind": "efficiency",
            "reviewed_on": "2025-01-10",
            "reviewer_institution": world.a.pk,
        },
    )
    assert response.status_code == 400
    assert "service" in response.context["form"].errors
    assert not ServiceReview.objects.exists()
    assert signed_in(client, world.viewer).get(url("review-create")).status_code == 403


def test_the_reviews_page_costs_the_same_number_of_queries_whatever_the_rows(
    client, world, django_assert_max_num_queries
):
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    def cold():
        # Both requests start with the process's caches empty, whatever earlier tests left in them, so the counts
        # compare like with like.
        cache.clear()
        ContentType.objects.clear_cache()

    def review(number):
        service = ServiceFactory(holder=world.a, valid_from=date(2018, 1, 1))
        ServiceReview.objects.create(
            service=service,
            kind=ReviewKind.EFFICIENCY,
            reviewed_on=date(2023, 1, number + 1),
            reviewer_institution=world.a,
        )

    # One review and the parameters exist before the baseline: an empty table skips its page query, and the first
    # visit creates parameter version 1, so either would make the baseline differ for reasons other than rows.
    reviews.current_parameters()
    review(0)
    client = signed_in(client, world.coordinator)
    cold()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("reviews"), {"show": "all"}).status_code == 200
    baseline = len(few)
    for number in range(1, 13):
        review(number)
    cold()
    with django_assert_max_num_queries(baseline):
        assert client.get(url("reviews"), {"show": "all"}).status_code == 200


# --- oversight ----------------------------------------------------------------------------------------------------


def decision(title, **values):
    return OversightDecision.objects.create(
        title=title, kind=values.pop("kind", DecisionKind.REQUEST_REVIEW), proposed_on=date(2025, 3, 1), **values
    )


def test_an_editor_sees_the_decisions_about_the_own_institution_only(client, world):
    about_a = decision("Par VSAA", institution=world.a)
    about_b = decision("Par VID", institution=world.b)
    about_project_a = decision("Par projektu", project=world.project_a)
    client = signed_in(client, world.editor)
    titles = [row[2] for row in csv_rows(client.get(url("decision-list"), {"_export": "csv"}))[1:]]
    assert sorted(titles) == ["Par VSAA", "Par projektu"]
    assert client.get(url("decision-detail", pk=about_a.pk)).status_code == 200
    assert client.get(url("decision-detail", pk=about_project_a.pk)).status_code == 200
    assert client.get(url("decision-detail", pk=about_b.pk)).status_code == 404
    assert client.get(url("decision-create")).status_code == 403
    assert client.get(url("decision-edit", pk=about_a.pk)).status_code == 403


def test_the_coordinator_records_a_decision_with_measurements_as_evidence(client, world):
    evidence = measure(world.project_a, "R1", MeasurementPhase.BASELINE, D("30"))
    client = signed_in(client, world.coordinator)
    response = client.post(
        url("decision-create"),
        {
            "title": "Pārskatīt pieteikumu procesu",
            "kind": "request_review",
            "status": "adopted",
            "proposed_on": "2025-03-01",
            "decided_on": "2025-03-15",
            "institution": world.a.pk,
            "services": [world.service_a.pk],
            "project": world.project_a.pk,
            "measurements": [evidence.pk],
            "evidence_text": "Digitālā daļa 30 %.",
        },
    )
    saved = OversightDecision.objects.get(title="Pārskatīt pieteikumu procesu")
    assert response.status_code == 302
    assert (saved.status, saved.created_by, list(saved.measurements.all())) == (
        DecisionStatus.ADOPTED,
        world.coordinator,
        [evidence],
    )
    detail = client.get(url("decision-detail", pk=saved.pk), {"_export_measurements": "csv"})
    assert [row[0] for row in csv_rows(detail)[1:]] == ["R1"]


def test_an_adopted_decision_needs_its_date(client, world):
    client = signed_in(client, world.coordinator)
    response = client.post(
        url("decision-create"),
        {"title": "Bez datuma", "kind": "other", "status": "adopted", "proposed_on": "2025-03-01"},
    )
    assert response.status_code == 400
    assert "decided_on" in response.context["form"].errors


@pytest.fixture
def peers(world):
    """Service S-P1 of A provided by A, B and C in 2024, 100 completed on the portal at each; costs 1,000 at A and
    at B (CPT 10) and 5,000 at C (CPT 50). Median of the three CPTs = 10; C's ratio 50 / 10 = 5 ≥ k = 2: an outlier
    (dearer than its peers)."""
    c = InstitutionFactory(short_name="PMLP")
    service = ServiceFactory(catalogue_id="S-P1", holder=world.a, providers=[world.a, world.b, c], name_en="Passport")
    for provider, amount in ((world.a, "1000"), (world.b, "1000"), (c, "5000")):
        report(service, "portal", 100, provider=provider)
        ServiceCost.objects.create(
            service=service, provider=provider, year=YEAR, component=CostComponent.STAFF, amount=D(amount)
        )
    costing.recompute(RecomputationKind.FULL)
    return service, c


def test_the_coordinator_sees_the_outlier_and_drafts_a_review_request_from_it(client, world, peers):
    service, c = peers
    client = signed_in(client, world.coordinator)
    page = client.get(url("candidates"))
    assert page.status_code == 200
    assert [
        (row.service.catalogue_id, row.provider.short_name, row.direction) for row in page.context["table"].data
    ] == [("S-P1", "PMLP", "high")]
    rows = csv_rows(client.get(url("candidates"), {"_export": "csv"}))
    header = rows[0]
    assert rows[1][header.index("Ratio to the median")] == "5"
    response = client.post(url("candidates"), {"candidate": f"{service.pk}:{c.pk}:{YEAR}"})
    drafted = OversightDecision.objects.get()
    assert response.status_code == 302 and response.url == url("decision-edit", pk=drafted.pk)
    assert (drafted.kind, drafted.status, drafted.institution) == (DecisionKind.REQUEST_REVIEW, "proposed", c)
    evidence = CostEvidence.objects.get(decision=drafted)
    assert (evidence.cost_per_transaction, evidence.peer_ratio, evidence.is_outlier) == (D("50"), D("5"), True)


def test_an_editor_may_not_draft_a_review_request(client, world, peers):
    service, c = peers
    client = signed_in(client, world.editor)
    assert client.post(url("candidates"), {"candidate": f"{service.pk}:{c.pk}:{YEAR}"}).status_code == 403
    assert not OversightDecision.objects.exists()


def test_the_candidates_page_costs_the_same_number_of_queries_whatever_the_rows(
    client, world, peers, django_assert_max_num_queries
):
    client = signed_in(client, world.coordinator)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("candidates")).status_code == 200
    baseline = len(few)
    # four more services like S-P1, each with its own dear provider: four more candidates
    for number in range(4):
        dear = InstitutionFactory()
        service = ServiceFactory(holder=world.a, providers=[world.a, world.b, dear])
        for provider, amount in ((world.a, "1000"), (world.b, "1000"), (dear, "9000")):
            report(service, "portal", 100, provider=provider)
            ServiceCost.objects.create(
                service=service, provider=provider, year=YEAR, component=CostComponent.STAFF, amount=D(amount)
            )
    costing.recompute(RecomputationKind.FULL)
    with django_assert_max_num_queries(baseline):
        page = client.get(url("candidates"))
    assert page.context["count"] == 5


def test_the_decisions_list_costs_the_same_number_of_queries_whatever_the_rows(
    client, world, django_assert_max_num_queries
):
    client = signed_in(client, world.coordinator)
    decision("Pirmais", institution=world.a).services.set([world.service_a])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("decision-list")).status_code == 200
    baseline = len(few)
    for number in range(12):
        decision(f"Lēmums {number}", institution=world.b, project=world.project_b).services.set([world.service_b])
    with django_assert_max_num_queries(baseline):
        assert client.get(url("decision-list")).status_code == 200


# --- shared components --------------------------------------------------------------------------------------------


@pytest.fixture
def component(world):
    component = SharedComponent.objects.create(
        code="e-adrese", name_lv="E-adrese", name_en="E-address", kind="e_address"
    )
    component.institution_uses.create(institution=world.a)
    component.institution_uses.create(institution=world.b)
    ComponentProject.objects.create(component=component, project=world.project_a)
    ComponentProject.objects.create(component=component, project=world.project_b)
    return component


def test_every_user_reads_the_register_but_only_the_own_projects_are_named_and_counted(client, world, component):
    client = signed_in(client, world.editor)
    rows = csv_rows(client.get(url("component-list"), {"_export": "csv"}))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    # both institutions use it; of the two projects only A's is the editor's to see
    assert (row["Component"], row["Institutions using it"], row["Projects using it"]) == ("E-address", "2", "1")
    projects = csv_rows(client.get(url("component-detail", code="e-adrese"), {"_export_projects": "csv"}))
    assert [r[0] for r in projects[1:]] == ["Pieteikumu pārveide"]
    assert client.get(url("component-create")).status_code == 403
    assert client.post(url("component-use", code="e-adrese"), {"remove": "1"}).status_code == 403


def test_the_coordinator_records_a_component_and_who_uses_it(client, world):
    client = signed_in(client, world.coordinator)
    response = client.post(
        url("component-create"),
        {
            "code": "api-platforma",
            "name_lv": "Integrācijas platforma",
            "kind": "integration_platform",
            "status": "implemented",
        },
    )
    assert response.status_code == 302
    client.post(url("component-use", code="api-platforma"), {"institution": world.a.pk, "since": "2024-05-01"})
    use = SharedComponent.objects.get(code="api-platforma").institution_uses.get()
    assert (use.institution, use.since) == (world.a, date(2024, 5, 1))


def test_an_editor_lists_a_shared_component_the_project_uses(client, world, component):
    other = SharedComponent.objects.create(code="vpvkac", name_lv="VPVKAC tīkls", kind="client_service_centres")
    client = signed_in(client, world.editor)
    client.post(url("project-component", pk=world.project_a.pk), {"component": other.pk, "since": "2025-01-01"})
    assert set(world.project_a.component_uses.values_list("component__code", flat=True)) == {"e-adrese", "vpvkac"}


def test_the_component_list_costs_the_same_number_of_queries_whatever_the_rows(
    client, world, component, django_assert_max_num_queries
):
    client = signed_in(client, world.editor)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("component-list")).status_code == 200
    baseline = len(few)
    for number in range(12):
        extra = SharedComponent.objects.create(code=f"c-{number}", name_lv=f"Komponente {number}")
        extra.institution_uses.create(institution=world.a)
    with django_assert_max_num_queries(baseline):
        assert client.get(url("component-list")).status_code == 200


def test_the_pages_speak_latvian_by_default(client, world):
    client = signed_in(client, world.editor)
    with translation.override("lv"):
        address = reverse("transformation:project-detail", kwargs={"pk": world.project_a.pk})
    page = client.get(address)
    assert page.status_code == 200
    assert '<html lang="lv">' in page.content.decode()


@pytest.mark.parametrize("language", ["lv", "en"])
def test_every_page_opens_for_the_coordinator_in_both_languages(client, world, component, peers, language):
    measure_all(world.project_a)
    decided = decision("Par VSAA", institution=world.a, project=world.project_a)
    client = signed_in(client, world.coordinator)
    own = ResultIndicator.objects.get(code="T-CPT")
    pages = [
        ("project-list", {}),
        ("project-create", {}),
        ("project-detail", {"pk": world.project_a.pk}),
        ("project-edit", {"pk": world.project_a.pk}),
        ("group-edit", {"pk": world.project_a.pk}),
        ("phases-edit", {"pk": world.project_a.pk}),
        ("project-close", {"pk": world.project_a.pk}),
        ("measurements", {"pk": world.project_a.pk, "phase": "final"}),
        ("indicator-list", {}),
        ("indicator-create", {}),
        ("indicator-edit", {"pk": own.pk}),
        ("reviews", {}),
        ("review-create", {}),
        ("decision-list", {}),
        ("decision-create", {}),
        ("decision-detail", {"pk": decided.pk}),
        ("decision-edit", {"pk": decided.pk}),
        ("candidates", {}),
        ("component-list", {}),
        ("component-create", {}),
        ("component-detail", {"code": component.code}),
        ("component-edit", {"code": component.code}),
    ]
    for name, kwargs in pages:
        with translation.override(language):
            address = reverse(f"transformation:{name}", kwargs=kwargs or None)
        response = client.get(address)
        assert response.status_code == 200, name
        assert f'<html lang="{language}">' in response.content.decode()


def test_the_own_forms_open_for_an_editor_and_offer_only_the_own_institution(client, world):
    client = signed_in(client, world.editor)
    form = client.get(url("project-create")).context["form"]
    assert list(form.fields["institution"].queryset) == [world.a]
    assert list(form.fields["services"].queryset) == [world.service_a]
    form = client.get(url("indicator-create")).context["form"]
    assert list(form.fields["owner_institution"].queryset) == [world.a]
    assert [value for value, _label in form.fields["scope"].choices] == ["institution"]
    form = client.get(url("review-create")).context["form"]
    assert list(form.fields["service"].queryset) == [world.service_a]
    assert list(form.fields["project"].queryset) == [world.project_a]
