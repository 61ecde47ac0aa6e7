"""The network review (seed 001 measure 20): the candidates the screening selects in a period, and the decision
recorded for each (keep, close, replace by a mobile centre) with the criteria it met at the time."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import CentreFigure, NetworkReviewDecision


def candidates(period):
    """The period's centres in the screening scope that meet criterion 1 or 2, or lie within R of another centre;
    `proposable` tells which may be proposed for closure or replacement (the "only centre" guard applied)."""
    met = Q(criterion_same_municipality=True) | Q(criterion_cost=True) | Q(near_other_centre=True)
    return (
        CentreFigure.objects.filter(period=period, in_screening_scope=True)
        .filter(met)
        .select_related("centre", "municipality")
        .order_by("-proposable", "municipality__name_lv", "centre__name")
    )


@transaction.atomic
def record_decision(centre, period, decision, reason, user=None):
    """Record (or change) the decision on `centre` in `period`, with the criteria its stored figure meets now."""
    figure = CentreFigure.objects.filter(centre=centre, period=period).first()
    decision_row, _created = NetworkReviewDecision.objects.update_or_create(
        centre=centre,
        period=period,
        defaults={
            "criteria_met": figure.criteria_met if figure else [],
            "decision": decision,
            "reason": reason,
            "decided_by": user,
            "decided_at": timezone.now(),
        },
    )
    return decision_row
