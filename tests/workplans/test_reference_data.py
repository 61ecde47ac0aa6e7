"""The shipped plans (workplans/reference_data.py): PVPP2027 with its dependencies and roadmap groups, the 2020–2023
plan with the statuses and indicator values of its execution report, the 2018 channel-shift plan; loading twice
changes nothing; obligations only for the institutions bound by the 1st round."""

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from institutions.models import Institution
from institutions.reference_data import load_reference_data
from workplans.models import (
    ActionLine,
    EvidenceLink,
    Indicator,
    IndicatorActual,
    Measure,
    MeasureDeadline,
    MeasureResponsibility,
    MeasureStatus,
    Obligation,
    Plan,
    PlanKind,
    ResponsibilityRole,
    ReviewStatus,
    RoadmapGroup,
)
from workplans.reference_data import load_workplans

PVPP = "PVPP2027"
PLAN_2020 = "PVPP2020-2023"
PLAN_2018 = "CHANNEL-SHIFT-2018"
IN_EACH_INSTITUTION = {"P1.1", "P1.2", "P1.3", "P2.2", "P2.3", "P2.4", "P5.1", "P5.2", "P5.3"}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The institution registry and the plans, loaded once for the module inside a transaction that is rolled
    back after it; each test still runs in its own savepoint (the `db` fixture)."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_reference_data()
        summary = load_workplans()
        connection.check_constraints()
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def plans(loaded, db):
    return loaded


def measures_of(plan_code):
    return Measure.objects.filter(action_line__plan__code=plan_code)


def measure(plan_code, code):
    return measures_of(plan_code).get(code=code)


def per_line(plan_code):
    return {line.code: line.measures.count() for line in ActionLine.objects.filter(plan__code=plan_code)}


# --- PVPP2027 -------------------------------------------------------------------------------------------------


def test_pvpp2027_has_7_action_lines_and_24_measures(plans):
    # seed-000-004.md §3.3: RV1 3 + RV2 4 + RV3 2 + RV4 6 + RV5 3 + RV6 4 + RV7 2 = 24
    assert per_line(PVPP) == {"RV1": 3, "RV2": 4, "RV3": 2, "RV4": 6, "RV5": 3, "RV6": 4, "RV7": 2}
    assert measures_of(PVPP).count() == 24


def test_pvpp2027_is_the_1st_round_approved_on_4_june_2024_after_the_2020_2023_plan(plans):
    plan = Plan.objects.get(code=PVPP)
    assert (plan.start_year, plan.end_year, plan.round_number) == (2024, 2027, 1)
    assert plan.approved_on == date(2024, 6, 4)
    assert "Nr. 23" in plan.approving_act and "61. §" in plan.approving_act
    assert plan.predecessor.code == PLAN_2020
    assert Plan.objects.get(code=PLAN_2020).successor == plan
    assert plan.goal_lv == "Pilnvērtīgi nodrošināta pakalpojumu pārvaldība"


def test_rv1_to_rv4_are_within_available_funds_and_rv5_to_rv7_may_need_more(plans):
    notes = {line.code: line.budget_note_lv for line in ActionLine.objects.filter(plan__code=PVPP)}
    assert {code for code, note in notes.items() if "6.1." in note} == {"RV1", "RV2", "RV3", "RV4"}
    assert {code for code, note in notes.items() if "6.3." in note} == {"RV5", "RV6", "RV7"}


def test_measures_carried_out_in_each_institution_are_rv1_p2_2_to_p2_4_and_rv5(plans):
    assert set(measures_of(PVPP).filter(in_each_institution=True).values_list("code", flat=True)) == (
        IN_EACH_INSTITUTION
    )


def test_dependencies_are_exactly_the_pairs_of_section_3_4(plans):
    # "A → B": B depends on A. 2 (RV1) + 3 (RV2) + 3 (P2.4 → P5.x) + 3 (RV4) + 2 + 2 (RV6) + 1 (RV7) = 16 pairs
    expected = {
        ("P1.2", "P1.1"), ("P1.3", "P1.2"),
        ("P2.2", "P2.1"), ("P2.3", "P2.2"), ("P2.4", "P2.3"),
        ("P5.1", "P2.4"), ("P5.2", "P2.4"), ("P5.3", "P2.4"),
        ("P4.2", "P4.1"), ("P4.4", "P4.3"), ("P4.6", "P4.5"),
        ("P6.1", "P2.3"), ("P6.2", "P6.1"), ("P6.3", "P2.3"), ("P6.4", "P6.3"),
        ("P7.2", "P7.1"),
    }  # fmt: skip
    pairs = {
        (m.code, prerequisite.code)
        for m in measures_of(PVPP).prefetch_related("depends_on")
        for prerequisite in m.depends_on.all()
    }
    assert pairs == expected


def test_roadmap_has_the_8_rows_of_figure_5_3_1_five_continuing_all_assumed(plans):
    groups = RoadmapGroup.objects.filter(plan__code=PVPP).prefetch_related("measures")
    rows = {group.code: {m.code for m in group.measures.all()} for group in groups}
    assert rows == {
        "a": {"P2.2", "P4.2", "P4.4", "P4.6", "P7.1", "P7.2"},
        "b": {"P3.1", "P3.2"},
        "c": {"P2.1", "P4.1", "P4.3", "P4.5"},
        "d": {"P6.1", "P6.2", "P6.3", "P6.4"},
        "e": {"P1.1", "P1.2", "P1.3"},
        "f": {"P2.3"},
        "g": {"P2.4"},
        "h": {"P5.1", "P5.2", "P5.3"},
    }
    assert sum(len(codes) for codes in rows.values()) == 24  # each measure in exactly one row
    assert {group.code for group in groups if group.continues_after_plan} == {"a", "b", "d", "g", "h"}
    assert all(group.assumed for group in groups)
    for group in groups:
        assert (group.start_year, group.start_quarter) <= (group.end_year, group.end_quarter), group.code
        assert 2024 <= group.start_year and group.end_year <= 2027
    continuing = {m.code for m in measures_of(PVPP).filter(continues_after_plan=True)}
    # a 6 + b 2 + d 4 + g 1 + h 3 = 16 measures continue after 2027
    assert continuing == rows["a"] | rows["b"] | rows["d"] | rows["g"] | rows["h"]
    assert len(continuing) == 16


def test_pvpp2027_ships_nothing_of_the_missing_annex_2(plans):
    pvpp = measures_of(PVPP)
    assert not MeasureDeadline.objects.filter(measure__in=pvpp).exists()
    assert not MeasureResponsibility.objects.filter(measure__in=pvpp).exists()
    assert not Indicator.objects.filter(plan__code=PVPP).exists()
    assert not pvpp.exclude(outputs_lv="").exists()


def test_pvpp2027_texts_are_latvian_and_english(plans):
    p12 = measure(PVPP, "P1.2")
    assert p12.text_lv.startswith("Izveidot pakalpojumu pārvaldības politikas īstenošanas komandas")
    assert "nav jāveido" in p12.text_lv and "not required" in p12.text_en  # footnote 18
    assert not measures_of(PVPP).filter(text_en="").exists()
    assert not ActionLine.objects.filter(plan__code=PVPP, title_en="").exists()
    assert measure(PVPP, "P6.3").kind == "specialised_plan" and measure(PVPP, "P2.3").kind == "assessment"


# --- the 2020–2023 plan ---------------------------------------------------------------------------------------


def test_the_2020_2023_plan_has_4_action_lines_and_48_measures(plans):
    plan = Plan.objects.get(code=PLAN_2020)
    assert plan.approved_on == date(2020, 2, 4) and "Nr. 39" in plan.approving_act
    assert per_line(PLAN_2020) == {"AL1": 7, "AL2": 11, "AL3": 24, "AL4": 6}
    assert list(measures_of(PLAN_2020).order_by("action_line__order", "order").values_list("code", flat=True)) == [
        f"M{n:02d}" for n in range(1, 49)
    ]
    numbered = dict(measures_of(PLAN_2020).exclude(official_number="").values_list("code", "official_number"))
    assert numbered == {"M08": "68", "M09": "69", "M11": "71"}


def test_counts_by_status_per_action_line_are_the_reports_table(plans):
    """§4.7: not executed = not_executed + lost_relevance; "of which lost relevance" = lost_relevance."""
    counts = Counter(measures_of(PLAN_2020).values_list("action_line__code", "status"))

    def row(line):
        executed = counts[(line, MeasureStatus.EXECUTED)]
        partly = counts[(line, MeasureStatus.PARTLY_EXECUTED)]
        lost = counts[(line, MeasureStatus.LOST_RELEVANCE)]
        return executed, partly, counts[(line, MeasureStatus.NOT_EXECUTED)] + lost, lost

    # (executed, partly executed, not executed, of which lost relevance) as the table prints them
    assert row("AL1") == (5, 1, 1, 0)
    assert row("AL2") == (5, 5, 1, 0)
    assert row("AL3") == (19, 1, 4, 1)
    assert row("AL4") == (6, 0, 0, 0)
    total = Counter(measures_of(PLAN_2020).values_list("status", flat=True))
    # 35 + 7 + (5 + 1) = 48
    assert (total["executed"], total["partly_executed"], total["not_executed"], total["lost_relevance"]) == (
        35,
        7,
        5,
        1,
    )
    assert measure(PLAN_2020, "M42").status == MeasureStatus.LOST_RELEVANCE
    assert "zaudējis aktualitāti" in measure(PLAN_2020, "M42").evidence_lv


def test_the_six_continuing_measures_and_where_the_work_went(plans):
    continuing = set(measures_of(PLAN_2020).filter(counted_as_continuing=True).values_list("code", flat=True))
    assert continuing == {"M06", "M10", "M12", "M22", "M40", "M41"}
    # The report's summary: 48 = 41 executed or partly + 1 lost relevance + 6 continuing.
    done = measures_of(PLAN_2020).filter(status__in=["executed", "partly_executed"], counted_as_continuing=False)
    assert done.count() == 41
    assert measure(PLAN_2020, "M22").carried_forward_to == measure(PVPP, "P5.2")
    assert "2.1.2.1.i.0/1/23/I/VARAM/005" in measure(PLAN_2020, "M12").carried_forward_project
    assert "Nr. 510" in measure(PLAN_2020, "M40").carried_forward_project
    assert measure(PLAN_2020, "M41").carried_forward_project == measure(PLAN_2020, "M40").carried_forward_project
    assert "2024. – 2027." in measure(PLAN_2020, "M06").carried_forward_note_lv
    assert all(measure(PLAN_2020, code).is_carried_forward for code in continuing)


def test_every_2020_2023_measure_has_its_text_and_evidence_in_both_languages(plans):
    assert not measures_of(PLAN_2020).filter(text_lv="").exists()
    assert not measures_of(PLAN_2020).filter(text_en="").exists()
    assert not measures_of(PLAN_2020).filter(evidence_lv="").exists()
    assert not measures_of(PLAN_2020).filter(evidence_en="").exists()
    m05 = measure(PLAN_2020, "M05")
    assert m05.text_lv.startswith("Īstenot pēc satura un mērķa identisku") and "93 unificētie" in m05.evidence_lv
    assert "93 unified municipal services" in m05.evidence_en
    # M08 and M09 are reported together: the same evidence
    assert measure(PLAN_2020, "M09").evidence_lv == measure(PLAN_2020, "M08").evidence_lv
    assert EvidenceLink.objects.filter(measure=measure(PLAN_2020, "M26"), url__contains="mk.gov.lv").exists()


def actual_values(code):
    rows = IndicatorActual.objects.filter(indicator__plan__code=PLAN_2020, indicator__code=code).order_by("year")
    return {
        a.year: a.value if a.value is not None else (a.value_min, a.value_max) if a.value_min is not None else None
        for a in rows
    }


def test_indicator_tables_are_the_reports_values(plans):
    indicators = {i.code: i for i in Indicator.objects.filter(plan__code=PLAN_2020)}
    assert set(indicators) == {"AL1", "AL2", "AL3a", "AL3b", "AL4"}
    # §4.2: 2019 8 | 2020 7.6–8.7 | 2021 7.7–8.7 | 2022 7.4–8.8 | 2023 no study
    assert (indicators["AL1"].baseline_year, indicators["AL1"].baseline_value) == (2019, Decimal("8"))
    assert actual_values("AL1") == {
        2020: (Decimal("7.6"), Decimal("8.7")),
        2021: (Decimal("7.7"), Decimal("8.7")),
        2022: (Decimal("7.4"), Decimal("8.8")),
        2023: None,
    }
    # §4.3: 2019 51 | 2021 57 | 2022 59
    assert indicators["AL2"].baseline_value == 51
    assert actual_values("AL2") == {2021: 57, 2022: 59, 2023: None}
    # §4.4: 3a 2019 64 | 2021 83 | 2022 84; 3b 2019 75 | 2021 85 | 2022 95 | 2023 95
    assert indicators["AL3a"].baseline_value == 64
    assert actual_values("AL3a") == {2021: 83, 2022: 84, 2023: None}
    assert indicators["AL3b"].baseline_value == 75
    assert actual_values("AL3b") == {2021: 85, 2022: 95, 2023: 95}
    # §4.5: no table
    assert indicators["AL4"].baseline_value is None and actual_values("AL4") == {}
    assert "93%" in indicators["AL4"].result_note_lv


def test_indicator_units_sources_results_and_missing_years(plans):
    indicators = {i.code: i for i in Indicator.objects.filter(plan__code=PLAN_2020).select_related("action_line")}
    assert {code: i.action_line.code for code, i in indicators.items()} == {
        "AL1": "AL1", "AL2": "AL2", "AL3a": "AL3", "AL3b": "AL3", "AL4": "AL4",
    }  # fmt: skip
    assert {code: i.result for code, i in indicators.items()} == {
        "AL1": "achieved", "AL2": "partly", "AL3a": "achieved", "AL3b": "achieved", "AL4": "achieved",
    }  # fmt: skip
    assert indicators["AL1"].unit_lv == "Punktu skaits (10 punktu sistēmā)"
    assert indicators["AL3b"].unit_en == "% of the area of Latvia"
    assert "residents" in indicators["AL3b"].unit_note
    assert indicators["AL3b"].data_source_lv == "Aprēķins, ņemot vērā VPVKAC izvietojumu."
    not_measured = IndicatorActual.objects.filter(indicator__plan__code=PLAN_2020, year=2023, value__isnull=True)
    assert {a.indicator.code for a in not_measured} == {"AL1", "AL2", "AL3a"}
    assert all(a.not_measured_reason_en.startswith("study not carried out in 2023") for a in not_measured)
    actuals = IndicatorActual.objects.filter(indicator__plan__code=PLAN_2020)
    assert actuals.count() == 4 + 3 + 3 + 3  # AL1 2020–2023, AL2/AL3a/AL3b 2021–2023
    assert not actuals.exclude(status=ReviewStatus.APPROVED).exists()
    assert all("Published figure" in a.note for a in actuals)
    assert "sasniegta daļēji" in ActionLine.objects.get(plan__code=PLAN_2020, code="AL2").indicator_result_note_lv


# --- the 2018 channel-shift plan --------------------------------------------------------------------------------


def test_the_2018_plan_has_24_measures_in_three_groups(plans):
    plan = Plan.objects.get(code=PLAN_2018)
    assert plan.kind == PlanKind.CHANNEL_SHIFT and (plan.start_year, plan.end_year) == (2019, 2022)
    assert per_line(PLAN_2018) == {"EK": 10, "FK": 10, "KP": 4}
    assert measure(PLAN_2018, "M1").text_lv == "Starpiestāžu vienotie pakalpojumi"
    assert measure(PLAN_2018, "M1").text_en == "Inter-institutional unified services"
    assert "Rezultāts:" in measure(PLAN_2018, "M1").outputs_lv and "Results:" in measure(PLAN_2018, "M1").outputs_en


def test_2018_deadlines_are_the_last_day_of_the_month_written(plans):
    m22 = list(measure(PLAN_2018, "M22").deadlines.order_by("due_on"))
    assert [(d.as_written, d.due_on) for d in m22] == [
        ("12.2019", date(2019, 12, 31)),
        ("01.2020", date(2020, 1, 31)),
        ("09.2020", date(2020, 9, 30)),
    ]
    assert all(d.label_lv and d.label_en for d in m22)
    assert measure(PLAN_2018, "M4").deadlines.count() == 2
    assert measure(PLAN_2018, "M19").deadlines.get().due_on == date(2019, 3, 31)
    # 20 measures with one deadline + M4, M7, M10 with two + M22 with three = 29
    assert MeasureDeadline.objects.filter(measure__action_line__plan__code=PLAN_2018).count() == 29


def test_2018_registry_bodies_are_responsible_the_first_named_leading(plans):
    def roles(code):
        rows = MeasureResponsibility.objects.filter(measure=measure(PLAN_2018, code)).select_related("institution")
        return {(r.institution.short_name, r.role) for r in rows}

    assert roles("M1") == {("VARAM", ResponsibilityRole.RESPONSIBLE), ("EM", ResponsibilityRole.CO_RESPONSIBLE)}
    assert roles("M24") == {("EM", ResponsibilityRole.RESPONSIBLE), ("VARAM", ResponsibilityRole.CO_RESPONSIBLE)}
    assert roles("M3") == {
        ("VRAA", ResponsibilityRole.RESPONSIBLE),
        ("VARAM", ResponsibilityRole.CO_RESPONSIBLE),
        ("VDC", ResponsibilityRole.CO_RESPONSIBLE),
    }
    assert roles("M9") == {("VARAM", ResponsibilityRole.CO_RESPONSIBLE)}  # service holders named first
    assert roles("M14") == set()  # service holders and VPVKAC: no registry body
    assert measure(PLAN_2018, "M14").responsible_text == "Pakalpojumu turētāji, VPVKAC"


# --- idempotency and obligations ------------------------------------------------------------------------------


def table_counts():
    models = (Plan, ActionLine, RoadmapGroup, Measure, MeasureDeadline, MeasureResponsibility, EvidenceLink)
    counts = {model.__name__: model.objects.count() for model in models}
    counts.update(
        indicators=Indicator.objects.count(),
        actuals=IndicatorActual.objects.count(),
        obligations=Obligation.objects.count(),
        dependencies=Measure.depends_on.through.objects.count(),
        plan_history=Plan.history.count(),
        measure_history=Measure.history.count(),
        actual_history=IndicatorActual.history.count(),
    )
    return counts


def test_loading_twice_changes_nothing(plans):
    assert plans["new"] > 0 and "update" not in plans
    before = table_counts()
    summary = load_workplans()
    assert set(summary) == {"skip"}
    assert table_counts() == before


def test_a_second_load_restores_a_changed_text_but_keeps_progress_and_annex_2_data(plans):
    p21 = measure(PVPP, "P2.1")
    Measure.objects.filter(pk=p21.pk).update(
        text_lv="mainīts", status=MeasureStatus.IN_PROGRESS, evidence_lv="Vadlīniju projekts", outputs_lv="Vadlīnijas"
    )
    MeasureDeadline.objects.create(measure=p21, due_on=date(2025, 6, 30), as_written="2025 Q2")
    summary = load_workplans()
    assert summary.get("update") == 1
    p21.refresh_from_db()
    assert p21.text_lv.startswith("Izveidot “Vadlīnijas pakalpojumu")
    assert (p21.status, p21.evidence_lv, p21.outputs_lv) == ("in_progress", "Vadlīniju projekts", "Vadlīnijas")
    assert p21.deadlines.count() == 1


def test_a_later_approved_actual_is_kept_beside_the_reports_one(plans):
    indicator = Indicator.objects.get(plan__code=PLAN_2020, code="AL3a")
    later = timezone.make_aware(datetime(2024, 9, 1))
    IndicatorActual.objects.create(indicator=indicator, year=2023, value=86, status="approved", reviewed_at=later)
    load_workplans()
    rows = indicator.actuals.filter(year=2023).order_by("-reviewed_at")
    assert [(row.value, row.not_measured_reason_lv != "") for row in rows] == [(86, False), (None, True)]


def test_obligations_are_created_for_bound_institutions_only(plans):
    bound = Institution.objects.filter(bound_by_round1=True, active_to__isnull=True)
    assert bound.exists()
    # 9 measures carried out in each institution × every bound institution
    assert Obligation.objects.count() == len(IN_EACH_INSTITUTION) * bound.count()
    assert plans["obligations created"] == Obligation.objects.count()
    assert set(Obligation.objects.values_list("measure__code", flat=True)) == IN_EACH_INSTITUTION
    assert not Obligation.objects.exclude(institution__in=bound).exists()
    assert not Obligation.objects.filter(institution__short_name__in=["VDD", "KNAB", "NBS"]).exists()
    assert not Obligation.objects.filter(institution__institution_type="municipality").exists()
    assert Obligation.objects.filter(institution__short_name="VSAA").count() == 9
