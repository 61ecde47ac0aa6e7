"""Execution of plans (domain brief §3 "Plans"): counts by status per plan and action line, the execution share,
overdue measures and obligations, measures waiting on their dependencies, the obligations of measures carried out
in each institution, the institution × obligation matrix and the roadmap's quarters.

    execution share = executed / all measures     (partly executed and not executed shown beside it; measures
                                                   that lost relevance are counted and shown, not hidden)
    deadline        = a measure's last deadline; an obligation's own due date, else its measure's deadline
    overdue         = deadline passed (before today) ∧ status not final ∧ the plan's follow-up is open
    waiting         = status not final ∧ some dependency is not started or in progress

A measure that lost relevance was not executed: the 2020–2023 report counts it among the not executed ("of which
lost relevance"), so `not_executed_total` includes it and `lost_relevance` says how many of those it is.

Waiting: a dependency holds its dependents up only while its own work is open (not started, in progress). Once it
has a final status — executed, partly executed, not executed or lost relevance — nothing more will come from it,
so it blocks nobody: the dependent measure goes ahead with what there is. A measure with a final status of its own
is never shown as waiting.

Every function here reads with a fixed number of queries, whatever the number of measures or institutions.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models import BooleanField as BooleanOutput
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .workflow import LATEST_REVIEW_FIRST
from .models import (
    FINAL_STATUSES,
    ActionLine,
    ImplementationTeam,
    ImprovementPlan,
    Indicator,
    IndicatorActual,
    Measure,
    MeasureDeadline,
    MeasureStatus,
    Obligation,
    ReviewStatus,
)

# Statuses of a dependency that hold its dependents up (see "Waiting" above).
BLOCKING_STATUSES = (MeasureStatus.NOT_STARTED, MeasureStatus.IN_PROGRESS)

# The order statuses are shown and charted in: done first, then open work, then what will not be done. Charts draw
# every status in this order, so each keeps its colour of the charts' palette from one chart to the next.
STATUS_ORDER = (
    MeasureStatus.EXECUTED,
    MeasureStatus.PARTLY_EXECUTED,
    MeasureStatus.IN_PROGRESS,
    MeasureStatus.NOT_STARTED,
    MeasureStatus.LOST_RELEVANCE,
    MeasureStatus.NOT_EXECUTED,
)


# --- counts by status ---------------------------------------------------------------------------------------------


@dataclass
class StatusCounts:
    by_status: Counter = field(default_factory=Counter)
    carried_forward: int = 0
    counted_as_continuing: int = 0

    @property
    def total(self):
        return sum(self.by_status.values())

    def __getattr__(self, name):
        if name in MeasureStatus.values:
            return self.by_status.get(name, 0)
        raise AttributeError(name)

    @property
    def not_executed_total(self):
        """Not executed, including those that lost relevance (the report's “of which lost relevance”)."""
        return self.by_status.get(MeasureStatus.NOT_EXECUTED, 0) + self.by_status.get(MeasureStatus.LOST_RELEVANCE, 0)

    @property
    def execution_share(self):
        """Executed / all measures, as a fraction; None for no measures."""
        if not self.total:
            return None
        return Decimal(self.by_status.get(MeasureStatus.EXECUTED, 0)) / Decimal(self.total)

    @property
    def open(self):
        """Not started or in progress."""
        return sum(self.by_status.get(status, 0) for status in BLOCKING_STATUSES)

    def breakdown(self):
        """(status, label, count, share of all) for each status present, in STATUS_ORDER: a progress bar's
        segments."""
        total = self.total
        labels = dict(MeasureStatus.choices)
        return [
            (status, labels[status], self.by_status[status], Decimal(self.by_status[status]) / total)
            for status in STATUS_ORDER
            if self.by_status.get(status)
        ]

    def add(self, other):
        self.by_status.update(other.by_status)
        self.carried_forward += other.carried_forward
        self.counted_as_continuing += other.counted_as_continuing


def status_counts(queryset):
    """Counts by status of any rows with a `status` (measures, obligations), from one grouped query."""
    counts = StatusCounts()
    for row in queryset.order_by().values("status").annotate(n=Count("pk")):
        counts.by_status[row["status"]] += row["n"]
    return counts


@dataclass
class LineExecution:
    action_line: ActionLine
    counts: StatusCounts


@dataclass
class PlanExecution:
    plan: object
    counts: StatusCounts
    lines: list


def execution(plan):
    """Counts by status for the plan and each of its action lines, from one grouped query."""
    lines = {line.pk: LineExecution(line, StatusCounts()) for line in plan.action_lines.order_by("order", "code")}
    rows = (
        Measure.objects.filter(action_line__plan=plan)
        .values("action_line_id", "status", "counted_as_continuing")
        .annotate(
            measures=Count("pk"),
        )
    )
    for row in rows:
        counts = lines[row["action_line_id"]].counts
        counts.by_status[row["status"]] += row["measures"]
        if row["counted_as_continuing"]:
            counts.counted_as_continuing += row["measures"]
    carried = (
        Measure.objects.filter(action_line__plan=plan)
        .exclude(carried_forward_to__isnull=True, carried_forward_project="", carried_forward_note_lv="")
        .values("action_line_id")
        .annotate(measures=Count("pk"))
    )
    for row in carried:
        lines[row["action_line_id"]].counts.carried_forward += row["measures"]
    total = StatusCounts()
    for line in lines.values():
        total.add(line.counts)
    return PlanExecution(plan=plan, counts=total, lines=list(lines.values()))


def execution_by_plan(plans):
    """{plan pk: StatusCounts} for many plans at once — the same counts as `execution(plan).counts`, from two
    grouped queries."""
    plan_ids = [plan.pk for plan in plans]
    counts = {pk: StatusCounts() for pk in plan_ids}
    measures = Measure.objects.filter(action_line__plan_id__in=plan_ids)
    for row in measures.values("action_line__plan_id", "status", "counted_as_continuing").annotate(n=Count("pk")):
        plan_counts = counts[row["action_line__plan_id"]]
        plan_counts.by_status[row["status"]] += row["n"]
        if row["counted_as_continuing"]:
            plan_counts.counted_as_continuing += row["n"]
    carried = measures.exclude(carried_forward_to__isnull=True, carried_forward_project="", carried_forward_note_lv="")
    for row in carried.values("action_line__plan_id").annotate(n=Count("pk")):
        counts[row["action_line__plan_id"]].carried_forward += row["n"]
    return counts


# --- deadlines and overdue ----------------------------------------------------------------------------------------


def _last_deadline(measure_ref):
    return Subquery(
        MeasureDeadline.objects.filter(measure=OuterRef(measure_ref)).order_by("-due_on").values("due_on")[:1]
    )


def with_deadline(measures):
    """Measures annotated with `last_deadline`: the date of their last MeasureDeadline (None without one)."""
    return measures.annotate(last_deadline=_last_deadline("pk"))


def with_due_date(obligations):
    """Obligations annotated with `due_date` = their own due date, else their measure's last deadline."""
    return obligations.annotate(due_date=Coalesce("due_on", _last_deadline("measure_id")))


def measure_deadline(measure):
    """The measure's deadline: its last MeasureDeadline's date, or None. Reads prefetched deadlines if there are."""
    if hasattr(measure, "last_deadline"):
        return measure.last_deadline
    dates = [deadline.due_on for deadline in measure.deadlines.all()]
    return max(dates) if dates else None


def obligation_due_date(obligation):
    """An obligation's due date: its own, else its measure's deadline."""
    if hasattr(obligation, "due_date"):
        return obligation.due_date
    return obligation.due_on or measure_deadline(obligation.measure)


def is_followed(plan, today):
    """The plan's follow-up is open on `today`: it has not been closed (Plan.closed_on), or closes later."""
    return plan.closed_on is None or plan.closed_on > today


def followed_plans(today, prefix="action_line__plan"):
    """The condition "the plan's follow-up is open on `today`" on a relation path to the plan."""
    return Q(**{f"{prefix}__closed_on__isnull": True}) | Q(**{f"{prefix}__closed_on__gt": today})


def is_overdue(status, deadline, today, plan=None):
    """Deadline passed (strictly before today), the status is not final and the plan (when given) is followed."""
    if plan is not None and not is_followed(plan, today):
        return False
    return deadline is not None and deadline < today and status not in FINAL_STATUSES


def overdue_measures(today, plan=None, queryset=None):
    """Measures whose last deadline is before `today` and whose status is not final, in plans whose follow-up is
    open, earliest deadline first."""
    queryset = Measure.objects.all() if queryset is None else queryset
    if plan is not None:
        queryset = queryset.filter(action_line__plan=plan)
    return (
        with_deadline(queryset.filter(followed_plans(today)))
        .filter(last_deadline__lt=today)
        .exclude(status__in=FINAL_STATUSES)
        .select_related("action_line__plan")
        .order_by("last_deadline", "action_line__plan__order", "action_line__order", "order", "code")
    )


def overdue_obligations(today, plan=None, institutions=None, queryset=None):
    """Obligations whose due date is before `today` and whose status is not final, in plans whose follow-up is open,
    earliest first. `institutions` (a queryset or list) narrows them, e.g. to what a user may see; `queryset` may
    be pre-scoped too."""
    queryset = Obligation.objects.all() if queryset is None else queryset
    if plan is not None:
        queryset = queryset.filter(measure__action_line__plan=plan)
    if institutions is not None:
        queryset = queryset.filter(institution__in=institutions)
    return (
        with_due_date(queryset.filter(followed_plans(today, "measure__action_line__plan")))
        .filter(due_date__lt=today)
        .exclude(status__in=FINAL_STATUSES)
        .select_related("measure__action_line__plan", "institution")
        .order_by("due_date", "measure__action_line__order", "measure__order", "institution__name_lv")
    )


# --- waiting on dependencies --------------------------------------------------------------------------------------


def with_waiting(measures):
    """Measures annotated with `waiting` (the rule in the module docstring), in the same query."""
    open_dependency = Measure.depends_on.through.objects.filter(
        from_measure=OuterRef("pk"), to_measure__status__in=BLOCKING_STATUSES
    )
    return measures.annotate(
        waiting=Case(
            When(status__in=FINAL_STATUSES, then=Value(False)),
            default=Exists(open_dependency),
            output_field=BooleanOutput(),
        )
    )


def waiting(measure):
    """True when the measure's status is not final and one of its dependencies is not started or in progress."""
    if hasattr(measure, "waiting"):
        return measure.waiting
    if measure.status in FINAL_STATUSES:
        return False
    return any(dependency.status in BLOCKING_STATUSES for dependency in measure.depends_on.all())


# --- obligations of measures carried out in each institution ----------------------------------------------------


@dataclass
class ObligationProgress:
    """One in-each-institution measure: its obligations by status."""

    measure: Measure
    counts: StatusCounts

    @property
    def executed(self):
        return self.counts.executed

    @property
    def total(self):
        return self.counts.total

    @property
    def executed_share(self):
        """Executed obligations / all obligations of the measure; None when it has none."""
        return self.counts.execution_share


def measure_obligation_progress(plan, institutions=None):
    """For each measure of `plan` carried out in each institution, in plan order: its obligations counted by
    status and the share executed (executed / all). `institutions` narrows the obligations counted."""
    measures = list(
        Measure.objects.filter(action_line__plan=plan, in_each_institution=True)
        .select_related("action_line")
        .order_by("action_line__order", "action_line__code", "order", "code")
    )
    progress = {measure.pk: ObligationProgress(measure, StatusCounts()) for measure in measures}
    obligations = Obligation.objects.filter(measure__in=measures)
    if institutions is not None:
        obligations = obligations.filter(institution__in=institutions)
    for row in obligations.values("measure_id", "status").annotate(n=Count("pk")):
        progress[row["measure_id"]].counts.by_status[row["status"]] += row["n"]
    return list(progress.values())


# --- the institution × obligation matrix --------------------------------------------------------------------------


class TeamState:
    TEAM = "team"
    NOT_REQUIRED = "not_required"
    MISSING = "missing"


@dataclass
class MatrixCell:
    measure: Measure
    obligation: Obligation | None
    overdue: bool = False


@dataclass
class MatrixRow:
    institution: object
    team: ImplementationTeam | None
    assessment: object | None  # the latest counted conformity assessment (assessments.gaps rule)
    improvement_plan: ImprovementPlan | None  # the latest version
    cells: list

    @property
    def team_state(self):
        if self.team is None:
            return TeamState.MISSING
        return TeamState.NOT_REQUIRED if self.team.not_required else TeamState.TEAM

    @property
    def executed(self):
        return sum(1 for cell in self.cells if cell.obligation and cell.obligation.status == MeasureStatus.EXECUTED)


@dataclass
class ObligationMatrix:
    plan: object
    measures: list  # the columns: the plan's in-each-institution measures in order
    rows: list


def latest_conformity_assessments(institution_ids):
    """{institution pk: its latest counted conformity assessment} of the given institutions, in one query — the rule of
    assessments.gaps.latest_conformity_assessment (current version, submitted or approved, conformity family;
    latest round by year, then opening time)."""
    from assessments.models import Assessment, Family
    from assessments.scoring import COUNTED_STATUSES

    candidates = (
        Assessment.objects.filter(
            institution_id__in=list(institution_ids),
            is_current=True,
            status__in=COUNTED_STATUSES,
            round__methodology__family=Family.CONFORMITY,
        )
        .select_related("round")
        .order_by("institution_id", "-round__year", "-round__opened_at", "-round_id")
    )
    latest = {}
    for assessment in candidates:
        latest.setdefault(assessment.institution_id, assessment)
    return latest


def obligation_matrix(plan, institutions, today=None):
    """One row per institution of `institutions`: its implementation team (or "no team needed"), its latest
    counted conformity assessment, its latest improvement plan with status, and the status of each of its
    obligations (columns = the plan's in-each-institution measures in order). Six queries in all."""
    measures = list(
        Measure.objects.filter(action_line__plan=plan, in_each_institution=True)
        .select_related("action_line")
        .order_by("action_line__order", "action_line__code", "order", "code")
    )
    institutions = list(institutions.select_related("group", "parent"))
    ids = [institution.pk for institution in institutions]
    teams = {team.institution_id: team for team in ImplementationTeam.objects.filter(plan=plan, institution_id__in=ids)}
    improvement_plans = {}
    for improvement_plan in ImprovementPlan.objects.filter(plan=plan, institution_id__in=ids).order_by(
        "institution_id", "-version"
    ):
        improvement_plans.setdefault(improvement_plan.institution_id, improvement_plan)
    assessments = latest_conformity_assessments(ids)
    obligations = {
        (obligation.institution_id, obligation.measure_id): obligation
        for obligation in with_due_date(Obligation.objects.filter(measure__in=measures, institution_id__in=ids))
    }
    rows = []
    for institution in institutions:
        cells = []
        for measure in measures:
            obligation = obligations.get((institution.pk, measure.pk))
            overdue = bool(obligation and today and is_overdue(obligation.status, obligation.due_date, today, plan))
            cells.append(MatrixCell(measure, obligation, overdue))
        rows.append(
            MatrixRow(
                institution=institution,
                team=teams.get(institution.pk),
                assessment=assessments.get(institution.pk),
                improvement_plan=improvement_plans.get(institution.pk),
                cells=cells,
            )
        )
    return ObligationMatrix(plan=plan, measures=measures, rows=rows)


# --- indicator values -------------------------------------------------------------------------------------------


@dataclass
class IndicatorValues:
    """An indicator's baseline, and per year its target and its actual (the latest approved report)."""

    indicator: Indicator
    years: list  # every year with a target or an approved actual, ascending
    targets: dict  # year → IndicatorTarget
    actuals: dict  # year → IndicatorActual


def indicator_values(indicators):
    """Each indicator of the queryset with its targets and approved actuals by year (domain brief §3: the actual of
    a year is its approved update; the latest approved one where a year has several). Three queries."""
    approved = IndicatorActual.objects.filter(status=ReviewStatus.APPROVED).order_by("year", *LATEST_REVIEW_FIRST)
    indicators = indicators.prefetch_related(
        "targets", Prefetch("actuals", queryset=approved, to_attr="approved_actuals")
    )
    result = []
    for indicator in indicators:
        targets = {target.year: target for target in indicator.targets.all()}
        actuals = {}
        for actual in indicator.approved_actuals:
            actuals.setdefault(actual.year, actual)
        result.append(IndicatorValues(indicator, sorted(set(targets) | set(actuals)), targets, actuals))
    return result


# --- the roadmap --------------------------------------------------------------------------------------------------


@dataclass
class RoadmapCell:
    label: str  # "2025 Q3", or "after the plan"
    in_bar: bool = False
    starts: bool = False
    ends: bool = False
    deadlines: list = field(default_factory=list)  # (measure, MeasureDeadline) pairs due in this quarter


@dataclass
class RoadmapRow:
    code: str
    label: str
    measures: list  # with `waiting` annotated and `depends_on` prefetched
    start: int | None  # index of the first quarter of the bar (len(quarters) = the "after the plan" column)
    end: int | None
    assumed: bool
    continues_after_plan: bool
    is_group: bool = False
    cells: list = field(default_factory=list)
    outside_dependencies: list = field(default_factory=list)  # measures of other rows the row's measures wait for

    @property
    def period(self):
        """The bar's extent in words, e.g. "2024 Q1 – 2027 Q4"."""
        if self.start is None:
            return ""
        first, last = self.cells[self.start].label, self.cells[self.end].label
        return first if first == last else f"{first} – {last}"


@dataclass
class Roadmap:
    plan: object
    quarters: list  # (year, quarter) from the plan's first year Q1 to its last year Q4
    rows: list
    by_group: bool  # rows are the plan's roadmap groups (else one row per measure)

    @property
    def years(self):
        """(year, 4) per year of the plan, for the header row."""
        return [(year, 4) for year in range(self.plan.start_year, self.plan.end_year + 1)]


def quarter_index(plan, year, quarter):
    """The column of a year and quarter: 0 for the plan's first year Q1; before the plan clamps to 0, after it is
    the "after the plan" column (4 × the plan's years)."""
    after = 4 * (plan.end_year - plan.start_year + 1)
    if year > plan.end_year:
        return after
    if year < plan.start_year:
        return 0
    return (year - plan.start_year) * 4 + quarter - 1


def date_index(plan, day: date):
    return quarter_index(plan, day.year, (day.month - 1) // 3 + 1)


def roadmap(plan):
    """The plan's roadmap by quarter: one row per roadmap group (bars from the group's start to its end quarter)
    or, for a plan without groups, per measure (bars from the plan's start to the measure's last deadline). A row
    without dates of its own spans the deadlines of its measures, or the whole plan, and is marked assumed.
    Deadlines are markers in their quarter; one after the plan falls in the "after the plan" column. Four queries."""
    quarters = [(year, quarter) for year in range(plan.start_year, plan.end_year + 1) for quarter in range(1, 5)]
    labels = [f"{year} Q{quarter}" for year, quarter in quarters] + [_("after the plan")]
    dependencies = Prefetch("depends_on", queryset=Measure.objects.select_related("action_line__plan", "roadmap_group"))
    measures = list(
        with_waiting(Measure.objects.filter(action_line__plan=plan))
        .select_related("action_line__plan", "roadmap_group")
        .prefetch_related("deadlines", dependencies)
        .order_by("action_line__order", "action_line__code", "order", "code")
    )
    groups = list(plan.roadmap_groups.order_by("order", "code"))
    rows = []
    if groups:
        members = defaultdict(list)
        for measure in measures:
            members[measure.roadmap_group_id].append(measure)
        for group in groups:
            rows.append(_group_row(plan, group, members[group.pk]))
        # Measures the figure does not place get a row of their own after the groups.
        rows += [_measure_row(plan, measure) for measure in members[None]]
    else:
        rows = [_measure_row(plan, measure) for measure in measures]
    for row in rows:
        _fill_cells(plan, row, labels)
    return Roadmap(plan=plan, quarters=quarters, rows=rows, by_group=bool(groups))


def _deadline_span(plan, measures):
    indexes = [date_index(plan, deadline.due_on) for measure in measures for deadline in measure.deadlines.all()]
    return (min(indexes), max(indexes)) if indexes else None


def _group_row(plan, group, measures):
    after = 4 * (plan.end_year - plan.start_year + 1)
    start = quarter_index(plan, group.start_year, group.start_quarter) if group.start_year else None
    end = quarter_index(plan, group.end_year, group.end_quarter) if group.end_year else None
    assumed = group.assumed
    if start is None or end is None:
        span = _deadline_span(plan, measures)
        assumed = True
        start = start if start is not None else 0
        end = end if end is not None else (span[1] if span else after - 1)
    return RoadmapRow(
        code=group.code,
        label=group.label,
        measures=measures,
        start=start,
        end=max(start, end),
        assumed=assumed,
        continues_after_plan=group.continues_after_plan or any(m.continues_after_plan for m in measures),
        is_group=True,
    )


def _measure_row(plan, measure):
    after = 4 * (plan.end_year - plan.start_year + 1)
    span = _deadline_span(plan, [measure])
    return RoadmapRow(
        code=measure.code,
        label=measure.text,
        measures=[measure],
        start=0,
        end=span[1] if span else after - 1,
        assumed=span is None,
        continues_after_plan=measure.continues_after_plan,
    )


def _fill_cells(plan, row, labels):
    row.cells = [RoadmapCell(label=label) for label in labels]
    for index in range(row.start, row.end + 1):
        row.cells[index].in_bar = True
    row.cells[row.start].starts = True
    row.cells[row.end].ends = True
    inside = {measure.pk for measure in row.measures}
    outside = {}
    for measure in row.measures:
        for deadline in measure.deadlines.all():
            row.cells[date_index(plan, deadline.due_on)].deadlines.append((measure, deadline))
        for dependency in measure.depends_on.all():
            if dependency.pk not in inside:
                outside[dependency.pk] = dependency
    row.outside_dependencies = sorted(outside.values(), key=lambda m: (m.action_line.order, m.order, m.code))


def matrix_institutions(plan):
    """The institutions the matrix lists for a plan: those it binds and any other with an obligation (voluntary
    participants, institutions no longer bound that keep their history)."""
    from institutions.models import Institution

    from .obligations import bound_institutions

    with_obligation = Obligation.objects.filter(measure__action_line__plan=plan).values("institution_id")
    return Institution.objects.filter(Q(pk__in=bound_institutions(plan).values("pk")) | Q(pk__in=with_obligation))
