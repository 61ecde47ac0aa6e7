"""Execution of plans (domain brief §3 "Plans"): counts by status per plan and action line, the execution share,
overdue measures and obligations, and measures waiting on their dependencies.

    execution share = executed / all measures     (partly executed and not executed shown beside it; measures
                                                   that lost relevance are counted and shown, not hidden)
    overdue         = deadline passed ∧ status not final

A measure that lost relevance was not executed: the 2020–2023 report counts it among the not executed ("of which
lost relevance"), so `not_executed_total` includes it and `lost_relevance` says how many of those it is.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count

from .models import ActionLine, Measure, MeasureStatus


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

    def add(self, other):
        self.by_status.update(other.by_status)
        self.carried_forward += other.carried_forward
        self.counted_as_continuing += other.counted_as_continuing


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
