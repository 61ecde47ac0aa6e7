"""workplans/progress.py: counts by status, deadlines and overdue, waiting on dependencies, obligations by measure,
the institution × obligation matrix, indicator values and the roadmap — and that each reads with a fixed number of
queries."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from assessments.models import AssessmentStatus, Family
from institutions.models import Institution
from tests.assessments.factories import AssessmentFactory
from tests.factories import InstitutionFactory
from tests.workplans.factories import (
    ActionLineFactory,
    ImplementationTeamFactory,
    ImprovementPlanFactory,
    IndicatorActualFactory,
    IndicatorFactory,
    IndicatorTargetFactory,
    MeasureDeadlineFactory,
    MeasureFactory,
    ObligationFactory,
    PlanFactory,
    RoadmapGroupFactory,
)
from workplans import progress
from workplans.models import IndicatorActual, Measure, MeasureStatus, ReviewStatus

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)
S = MeasureStatus


# --- counts by status -------------------------------------------------------------------------------------------


@pytest.fixture
def two_plans():
    """Plan A: line 1 = executed, executed, partly executed; line 2 = not executed, lost relevance, in progress.
    Plan B: one executed measure, carried forward to nowhere (a project)."""
    plan_a, plan_b = PlanFactory(code="A"), PlanFactory(code="B")
    line1, line2 = ActionLineFactory(plan=plan_a, order=1), ActionLineFactory(plan=plan_a, order=2)
    for status in (S.EXECUTED, S.EXECUTED, S.PARTLY_EXECUTED):
        MeasureFactory(action_line=line1, status=status)
    MeasureFactory(action_line=line2, status=S.NOT_EXECUTED, counted_as_continuing=True)
    MeasureFactory(action_line=line2, status=S.LOST_RELEVANCE)
    MeasureFactory(action_line=line2, status=S.IN_PROGRESS, carried_forward_project="RRF 2.2.1.")
    MeasureFactory(action_line=ActionLineFactory(plan=plan_b), status=S.EXECUTED)
    return plan_a, plan_b


def test_execution_counts_by_line_and_plan(two_plans):
    plan_a, _plan_b = two_plans
    result = progress.execution(plan_a)
    line1, line2 = result.lines
    # Line 1: 2 executed of 3 → 2/3; line 2: nothing executed; not executed 1 + lost relevance 1 = 2.
    assert (line1.counts.executed, line1.counts.partly_executed, line1.counts.total) == (2, 1, 3)
    assert line1.counts.execution_share == Decimal(2) / Decimal(3)
    assert (line2.counts.not_executed_total, line2.counts.lost_relevance, line2.counts.execution_share) == (2, 1, 0)
    # The plan: 2 executed of 6 = 1/3; one measure open (in progress); one carried forward; one counted continuing.
    assert result.counts.execution_share == Decimal(2) / Decimal(6)
    assert (result.counts.open, result.counts.carried_forward, result.counts.counted_as_continuing) == (1, 1, 1)


def test_execution_by_plan_gives_the_same_counts_in_two_queries(two_plans, django_assert_num_queries):
    plan_a, plan_b = two_plans
    with django_assert_num_queries(2):
        counts = progress.execution_by_plan([plan_a, plan_b])
    assert counts[plan_a.pk] == progress.execution(plan_a).counts
    # Plan B: its only measure executed → 1 of 1.
    assert (counts[plan_b.pk].total, counts[plan_b.pk].execution_share) == (1, 1)


def test_breakdown_lists_present_statuses_in_order_with_their_share(two_plans):
    counts = progress.execution(two_plans[0]).counts
    # 6 measures: executed 2 (1/3), partly 1, in progress 1, lost relevance 1, not executed 1 (1/6 each).
    assert [(status, count, share) for status, _label, count, share in counts.breakdown()] == [
        (S.EXECUTED, 2, Decimal(2) / 6),
        (S.PARTLY_EXECUTED, 1, Decimal(1) / 6),
        (S.IN_PROGRESS, 1, Decimal(1) / 6),
        (S.LOST_RELEVANCE, 1, Decimal(1) / 6),
        (S.NOT_EXECUTED, 1, Decimal(1) / 6),
    ]


# --- deadlines and overdue --------------------------------------------------------------------------------------


def test_a_measures_deadline_is_its_last_one():
    measure = MeasureFactory()
    MeasureDeadlineFactory(measure=measure, due_on=date(2026, 3, 1))
    MeasureDeadlineFactory(measure=measure, due_on=date(2027, 6, 30), label_lv="pilna elektronizācija")
    assert progress.measure_deadline(measure) == date(2027, 6, 30)
    assert progress.with_deadline(Measure.objects.filter(pk=measure.pk)).get().last_deadline == date(2027, 6, 30)
    assert progress.measure_deadline(MeasureFactory()) is None


def test_an_obligations_due_date_is_its_own_else_its_measures_deadline():
    measure = MeasureFactory(in_each_institution=True)
    MeasureDeadlineFactory(measure=measure, due_on=date(2026, 12, 31))
    own = ObligationFactory(measure=measure, due_on=date(2026, 6, 30))
    inherited = ObligationFactory(measure=measure)
    annotated = {o.pk: o.due_date for o in progress.with_due_date(measure.obligations.all())}
    assert annotated == {own.pk: date(2026, 6, 30), inherited.pk: date(2026, 12, 31)}
    assert progress.obligation_due_date(inherited) == date(2026, 12, 31)


def _measure(deadlines, status=S.NOT_STARTED, **kwargs):
    measure = MeasureFactory(status=status, **kwargs)
    for due_on in deadlines:
        MeasureDeadlineFactory(measure=measure, due_on=due_on)
    return measure


def test_overdue_measures_are_those_past_their_last_deadline_and_not_final():
    yesterday = TODAY - timedelta(days=1)
    late = _measure([yesterday])
    late_in_progress = _measure([date(2025, 1, 1)], status=S.IN_PROGRESS)
    _measure([yesterday], status=S.EXECUTED)
    _measure([yesterday], status=S.LOST_RELEVANCE)
    _measure([yesterday], status=S.NOT_EXECUTED)
    _measure([TODAY])  # due today: not passed yet
    _measure([yesterday, TODAY + timedelta(days=30)])  # an earlier step passed, the last deadline has not
    _measure([])  # no deadline, never overdue
    assert list(progress.overdue_measures(TODAY)) == [late_in_progress, late]  # earliest deadline first


def test_overdue_obligations_by_plan_and_institution():
    a, b = InstitutionFactory(), InstitutionFactory()
    measure = _measure([date(2026, 1, 31)], in_each_institution=True)
    other_plan = _measure([date(2026, 1, 31)], in_each_institution=True)
    late_a = ObligationFactory(measure=measure, institution=a)
    late_b = ObligationFactory(measure=measure, institution=b, status=S.IN_PROGRESS)
    ObligationFactory(measure=measure, institution=InstitutionFactory(), status=S.EXECUTED)
    ObligationFactory(measure=measure, institution=InstitutionFactory(), due_on=TODAY + timedelta(days=1))
    late_other = ObligationFactory(measure=other_plan, institution=a)
    plan = measure.action_line.plan
    assert set(progress.overdue_obligations(TODAY)) == {late_a, late_b, late_other}
    assert set(progress.overdue_obligations(TODAY, plan=plan)) == {late_a, late_b}
    assert list(progress.overdue_obligations(TODAY, plan=plan, institutions=Institution.objects.filter(pk=a.pk))) == [
        late_a
    ]


def test_a_plan_whose_follow_up_closed_makes_nothing_overdue():
    measure = _measure([date(2025, 1, 1)], in_each_institution=True)
    obligation = ObligationFactory(measure=measure)
    plan = measure.action_line.plan
    plan.closed_on = TODAY
    plan.save()
    assert list(progress.overdue_measures(TODAY)) == [] and list(progress.overdue_obligations(TODAY)) == []
    assert not progress.is_overdue(obligation.status, date(2025, 1, 1), TODAY, plan)
    # Closing later leaves today's overdue list as it was.
    plan.closed_on = TODAY + timedelta(days=1)
    plan.save()
    assert list(progress.overdue_measures(TODAY)) == [measure]
    assert list(progress.overdue_obligations(TODAY)) == [obligation]


# --- waiting --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dependency_status", "own_status", "waits"),
    [
        (S.NOT_STARTED, S.NOT_STARTED, True),
        (S.IN_PROGRESS, S.IN_PROGRESS, True),
        (S.EXECUTED, S.NOT_STARTED, False),
        (S.PARTLY_EXECUTED, S.NOT_STARTED, False),
        (S.NOT_EXECUTED, S.NOT_STARTED, False),  # closed: it will not block anyone any more
        (S.LOST_RELEVANCE, S.IN_PROGRESS, False),
        (S.NOT_STARTED, S.EXECUTED, False),  # a measure with a final status of its own never waits
    ],
)
def test_a_measure_waits_while_a_dependency_is_open(dependency_status, own_status, waits):
    dependency = MeasureFactory(status=dependency_status)
    measure = MeasureFactory(action_line=dependency.action_line, status=own_status)
    measure.depends_on.add(dependency)
    assert progress.waiting(measure) is waits
    assert progress.with_waiting(Measure.objects.filter(pk=measure.pk)).get().waiting is waits


def test_one_open_dependency_among_done_ones_is_enough_to_wait_and_none_means_no_wait():
    line = ActionLineFactory()
    done, open_ = MeasureFactory(action_line=line, status=S.EXECUTED), MeasureFactory(action_line=line)
    measure, alone = MeasureFactory(action_line=line), MeasureFactory(action_line=line)
    measure.depends_on.add(done, open_)
    flags = dict(progress.with_waiting(Measure.objects.filter(action_line=line)).values_list("pk", "waiting"))
    # open_ and done have no dependencies; measure waits on open_; alone has none.
    assert flags == {done.pk: False, open_.pk: False, measure.pk: True, alone.pk: False}


# --- obligations by measure -------------------------------------------------------------------------------------


def test_obligation_progress_per_in_each_institution_measure():
    line = ActionLineFactory()
    teams = MeasureFactory(action_line=line, in_each_institution=True, order=1)
    assessment = MeasureFactory(action_line=line, in_each_institution=True, order=2)
    MeasureFactory(action_line=line, order=3)  # a national measure: no obligations, not listed
    a, b, c = InstitutionFactory(), InstitutionFactory(), InstitutionFactory()
    for institution, status in ((a, S.EXECUTED), (b, S.EXECUTED), (c, S.IN_PROGRESS)):
        ObligationFactory(measure=teams, institution=institution, status=status)
    result = progress.measure_obligation_progress(line.plan)
    assert [item.measure for item in result] == [teams, assessment]
    # Teams: 2 of 3 executed → 2/3; the assessment has no obligations yet → no share.
    assert (result[0].executed, result[0].total, result[0].executed_share) == (2, 3, Decimal(2) / 3)
    assert (result[1].total, result[1].executed_share) == (0, None)
    only_c = progress.measure_obligation_progress(line.plan, institutions=Institution.objects.filter(pk=c.pk))
    assert (only_c[0].executed, only_c[0].total) == (0, 1)


# --- the matrix -------------------------------------------------------------------------------------------------


def _conformity_assessment(institution, status, year=2025, family=Family.CONFORMITY):
    return AssessmentFactory(
        institution=institution, status=status, round__methodology__family=family, round__year=year
    )


@pytest.fixture
def matrix_setup():
    """Plan with two in-each-institution measures (P1.2 teams due 2026-03-31, P2.3 assessment due 2026-12-31) and
    three institutions:
    A — team set up, a submitted 2025 and an approved 2024 conformity assessment, improvement plan v1 approved and
        v2 draft, P1.2 executed and P2.3 in progress;
    B — no team needed, only a draft conformity assessment, no improvement plan, P1.2 not started (overdue on
        TODAY), no P2.3 obligation;
    C — nothing but a submitted E-index assessment (not a conformity assessment), both obligations not started.
    """
    plan = PlanFactory(code="PVPP")
    line = ActionLineFactory(plan=plan)
    teams = _measure([date(2026, 3, 31)], action_line=line, code="P1.2", order=1, in_each_institution=True)
    assessment = _measure([date(2026, 12, 31)], action_line=line, code="P2.3", order=2, in_each_institution=True)
    a = InstitutionFactory(name_lv="A iestāde")
    b = InstitutionFactory(name_lv="B iestāde")
    c = InstitutionFactory(name_lv="C iestāde")
    ImplementationTeamFactory(plan=plan, institution=a)
    ImplementationTeamFactory(plan=plan, institution=b, not_required=True, not_required_reason="Nav lomu")
    latest = _conformity_assessment(a, AssessmentStatus.SUBMITTED, 2025)
    _conformity_assessment(a, AssessmentStatus.APPROVED, 2024)
    _conformity_assessment(b, AssessmentStatus.DRAFT)
    _conformity_assessment(c, AssessmentStatus.SUBMITTED, family=Family.EINDEX_INSTITUTION)
    ImprovementPlanFactory(plan=plan, institution=a, version=1, status=ReviewStatus.APPROVED)
    draft = ImprovementPlanFactory(plan=plan, institution=a, version=2)
    ObligationFactory(measure=teams, institution=a, status=S.EXECUTED)
    ObligationFactory(measure=assessment, institution=a, status=S.IN_PROGRESS)
    ObligationFactory(measure=teams, institution=b)
    ObligationFactory(measure=teams, institution=c)
    ObligationFactory(measure=assessment, institution=c)
    return plan, (a, b, c), (teams, assessment), latest, draft


def test_matrix_rows_show_team_assessment_improvement_plan_and_obligations(matrix_setup):
    plan, (a, b, c), (teams, assessment), latest, draft = matrix_setup
    matrix = progress.obligation_matrix(plan, Institution.objects.filter(pk__in=[a.pk, b.pk, c.pk]), today=TODAY)
    assert matrix.measures == [teams, assessment]
    row_a, row_b, row_c = sorted(matrix.rows, key=lambda row: row.institution.name_lv)
    assert [row.team_state for row in (row_a, row_b, row_c)] == ["team", "not_required", "missing"]
    assert (row_a.assessment, row_b.assessment, row_c.assessment) == (latest, None, None)
    assert (row_a.improvement_plan, row_b.improvement_plan, row_c.improvement_plan) == (draft, None, None)

    def statuses(row):
        return [cell.obligation.status if cell.obligation else None for cell in row.cells]

    assert statuses(row_a) == [S.EXECUTED, S.IN_PROGRESS]
    assert statuses(row_b) == [S.NOT_STARTED, None]
    assert statuses(row_c) == [S.NOT_STARTED, S.NOT_STARTED]
    # P1.2 was due 2026-03-31, before TODAY: B's and C's open obligations are overdue, A's executed one is not.
    assert [cell.overdue for cell in row_b.cells + row_c.cells] == [True, False, True, False]
    assert row_a.executed == 1


def test_matrix_reads_in_six_queries_whatever_the_number_of_institutions(matrix_setup, django_assert_num_queries):
    plan = matrix_setup[0]
    # measures, institutions, teams, improvement plans, conformity assessments, obligations = 6.
    with django_assert_num_queries(6):
        small = progress.obligation_matrix(plan, Institution.objects.all(), today=TODAY)
    for _ in range(5):
        institution = InstitutionFactory()
        ImplementationTeamFactory(plan=plan, institution=institution)
        _conformity_assessment(institution, AssessmentStatus.APPROVED)
        ObligationFactory(measure=matrix_setup[2][0], institution=institution)
    with django_assert_num_queries(6):
        large = progress.obligation_matrix(plan, Institution.objects.all(), today=TODAY)
    assert (len(small.rows), len(large.rows)) == (3, 8)


def test_matrix_institutions_are_the_bound_ones_and_those_with_an_obligation(matrix_setup):
    plan, (a, b, c), (teams, _assessment), _latest, _draft = matrix_setup
    plan.round_number = 1
    plan.save()
    bound_without_obligation = InstitutionFactory()  # group 1.1 binds it by the 1st round
    assert bound_without_obligation.bound_by_round1
    assert set(progress.matrix_institutions(plan)) == {a, b, c, bound_without_obligation}
    plan.round_number = None
    plan.save()
    assert set(progress.matrix_institutions(plan)) == {a, b, c}


# --- indicator values -------------------------------------------------------------------------------------------


def test_indicator_values_keep_the_latest_approved_actual_per_year_and_ranges():
    indicator = IndicatorFactory(baseline_year=2019, baseline_value=Decimal("8"))
    IndicatorTargetFactory(indicator=indicator, year=2023, value=Decimal("9"))
    IndicatorActualFactory(
        indicator=indicator, year=2020, value=None, value_min=Decimal("7.6"), value_max=Decimal("8.7")
    )
    old = IndicatorActualFactory(indicator=indicator, year=2021, value=Decimal("7.5"))
    new = IndicatorActualFactory(indicator=indicator, year=2021, value=Decimal("7.7"))
    IndicatorActual.objects.filter(pk=old.pk).update(reviewed_at=datetime(2022, 1, 1, tzinfo=UTC))
    IndicatorActual.objects.filter(pk=new.pk).update(reviewed_at=datetime(2022, 6, 1, tzinfo=UTC))
    IndicatorActualFactory(indicator=indicator, year=2022, value=Decimal("99"), status=ReviewStatus.SUBMITTED)
    [values] = progress.indicator_values(type(indicator).objects.filter(pk=indicator.pk))
    # Years with a target or an approved actual: 2020, 2021, 2023 (2022 is only submitted).
    assert values.years == [2020, 2021, 2023]
    assert values.actuals[2021] == new
    assert (values.actuals[2020].value_min, values.actuals[2020].value_max) == (Decimal("7.6"), Decimal("8.7"))
    assert values.targets[2023].value == Decimal("9")


# --- the roadmap ------------------------------------------------------------------------------------------------


def test_roadmap_by_group_places_bars_by_quarter_and_marks_assumed_ones():
    plan = PlanFactory(start_year=2024, end_year=2027)
    line = ActionLineFactory(plan=plan)
    training = RoadmapGroupFactory(
        plan=plan, order=1, start_year=2024, start_quarter=3, end_year=2025, end_quarter=2, continues_after_plan=True
    )
    undated = RoadmapGroupFactory(plan=plan, order=2)
    first = _measure([date(2025, 5, 15)], action_line=line, roadmap_group=training)
    second = _measure([date(2026, 11, 1)], action_line=line, roadmap_group=undated)
    second.depends_on.add(first)
    loose = _measure([date(2028, 3, 1)], action_line=line)  # no group, its deadline after the plan
    layout = progress.roadmap(plan)
    assert len(layout.quarters) == 16 and layout.by_group
    row_training, row_undated, row_loose = layout.rows
    # 2024 Q3 → column 2, 2025 Q2 → column 5.
    assert (row_training.start, row_training.end, row_training.assumed) == (2, 5, False)
    assert [index for index, cell in enumerate(row_training.cells) if cell.in_bar] == [2, 3, 4, 5]
    assert row_training.continues_after_plan and row_training.period == "2024 Q3 – 2025 Q2"
    # 2025-05-15 is 2025 Q2 → column 5, where the deadline marker sits.
    assert row_training.cells[5].deadlines == [(first, first.deadlines.get())]
    # No dates of its own: from the plan's start to its measures' last deadline (2026 Q4 → column 11), assumed.
    assert (row_undated.start, row_undated.end, row_undated.assumed) == (0, 11, True)
    assert row_undated.outside_dependencies == [first]
    assert row_undated.measures[0].waiting  # first is not started
    # The loose measure: a row of its own, its 2028 deadline in the "after the plan" column (16).
    assert (row_loose.code, row_loose.end, row_loose.cells[16].deadlines[0][0]) == (loose.code, 16, loose)


def test_roadmap_without_groups_has_a_row_per_measure_from_the_plan_start_to_its_deadline(django_assert_num_queries):
    plan = PlanFactory(start_year=2020, end_year=2023)
    line = ActionLineFactory(plan=plan)
    dated = _measure([date(2021, 2, 1), date(2022, 8, 31)], action_line=line, order=1)
    undated = MeasureFactory(action_line=line, order=2)
    with django_assert_num_queries(4):  # groups, measures, their deadlines, their dependencies
        layout = progress.roadmap(plan)
    assert not layout.by_group
    row_dated, row_undated = layout.rows
    assert row_dated.measures == [dated] and row_undated.measures == [undated]
    # 2021-02-01 → 2021 Q1 = column 4; 2022-08-31 → 2022 Q3 = column 10: the bar runs 0..10.
    assert (row_dated.start, row_dated.end, row_dated.assumed) == (0, 10, False)
    assert [bool(cell.deadlines) for cell in row_dated.cells].count(True) == 2
    # No deadline: the whole plan (columns 0..15), assumed.
    assert (row_undated.start, row_undated.end, row_undated.assumed) == (0, 15, True)
