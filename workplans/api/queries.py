"""Reads of the work-plan API that workplans/progress.py does not offer: an obligation's latest update, and an
indicator's actuals split into the actual of each year and the reports not yet approved.

    actual of a year = the latest approved report of that year                    (domain brief §3 "Plans")
"""

from django.db.models import F, OuterRef, Subquery

from ..models import ProgressUpdate, ReviewStatus


def with_latest_update(obligations):
    """Obligations annotated with the id, review status, reported status and date of their newest update."""
    newest = ProgressUpdate.objects.filter(obligation=OuterRef("pk")).order_by("-created_at", "-pk")
    return obligations.annotate(
        latest_update_id=Subquery(newest.values("pk")[:1]),
        latest_update_status=Subquery(newest.values("status")[:1]),
        latest_update_proposed_status=Subquery(newest.values("proposed_status")[:1]),
        latest_update_as_of=Subquery(newest.values("as_of")[:1]),
    )


def actuals_order():
    """By year, newest review first; an approved actual loaded without a review date (reference data) counts as
    the oldest of its year on every database."""
    return ["year", F("reviewed_at").desc(nulls_last=True), "-pk"]


def split_actuals(actuals):
    """(the actual of each year — its latest approved report —, [the reports not approved]) from actuals sorted
    by `actuals_order`."""
    counted, pending = {}, []
    for actual in actuals:
        if actual.status == ReviewStatus.APPROVED:
            counted.setdefault(actual.year, actual)
        else:
            pending.append(actual)
    return [counted[year] for year in sorted(counted)], pending
