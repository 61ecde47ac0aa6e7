"""Obligations: what each institution bound by a plan's round owes its measures carried out "in each
institution" (PVPP2027 §5.1 and fn 17: every 1st-round institution of Table 1)."""

from django.db import transaction

from institutions.models import Institution

from .models import Measure, Obligation


def bound_institutions(plan):
    """The institutions a plan binds: for the 1st round (PVPP2027), those flagged bound_by_round1."""
    if plan.round_number == 1:
        return Institution.objects.filter(bound_by_round1=True, active_to__isnull=True)
    return Institution.objects.none()


@transaction.atomic
def sync_obligations(plan):
    """One obligation per (measure carried out in each institution × bound institution); creates the missing
    ones and leaves existing ones (and those of institutions no longer bound, which keep their history) alone.
    Returns the number created."""
    measure_ids = list(
        Measure.objects.filter(action_line__plan=plan, in_each_institution=True).values_list("pk", flat=True)
    )
    institution_ids = list(bound_institutions(plan).values_list("pk", flat=True))
    existing = set(Obligation.objects.filter(measure_id__in=measure_ids).values_list("measure_id", "institution_id"))
    missing = [
        Obligation(measure_id=measure_id, institution_id=institution_id)
        for measure_id in measure_ids
        for institution_id in institution_ids
        if (measure_id, institution_id) not in existing
    ]
    Obligation.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
    return len(missing)
