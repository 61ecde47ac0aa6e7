"""A centre's lifecycle: changing its status, and which centres served clients on a day or in a span of days."""

from collections import defaultdict

from django.db import transaction

from .models import SERVING_STATUSES, Centre, CentreStatus, CentreStatusChange


@transaction.atomic
def change_status(centre, status, since, user=None, note=""):
    """Record that `centre` has `status` from `since`; the centre's own status follows the latest change."""
    CentreStatusChange.objects.update_or_create(
        centre=centre, since=since, defaults={"status": status, "note": note, "changed_by": user}
    )
    latest = CentreStatusChange.objects.filter(centre=centre).order_by("-since").first()
    if (centre.status, centre.status_since) != (latest.status, latest.since):
        centre.status, centre.status_since = latest.status, latest.since
        centre.save(update_fields=["status", "status_since"])
    return centre


def _serving_between(centre, changes, first_day, last_day):
    """True when the centre served clients on at least one day from `first_day` to `last_day`.

    Before its first recorded change a centre served from its opening day when that is known; when it is not, it
    served if that first change was to any status but "active". A centre with no changes at all has its
    current status, which it has had since `status_since`."""
    if centre.opened_on and centre.opened_on > last_day:
        return False
    if not changes:
        if centre.status in SERVING_STATUSES:
            return True
        # Closed since status_since: it served before then, if that was inside or after the span's start.
        return centre.status_since is not None and centre.status_since > first_day
    steps = sorted(changes)
    first_since, first_status = steps[0]
    if first_since > first_day:  # part of the span lies before the first recorded change
        if centre.opened_on is not None:
            served_before = centre.opened_on < first_since
        else:
            # Only an active centre is put under review, closed or replaced: a first change to any of those means
            # the centre served until then, while a first change to "active" is its opening record.
            served_before = first_status != CentreStatus.ACTIVE
        if served_before:
            return True
    for index, (since, status) in enumerate(steps):
        until = steps[index + 1][0] if index + 1 < len(steps) else None  # the day the next status starts
        if since > last_day or (until is not None and until <= first_day):
            continue
        if status in SERVING_STATUSES:
            return True
    return False


def serving_centre_ids(first_day, last_day, centres=None):
    """The ids of the centres that served clients on at least one day of the span (two queries)."""
    centres = list(Centre.objects.all() if centres is None else centres)
    changes = defaultdict(list)
    for centre_id, since, status in CentreStatusChange.objects.filter(
        centre__in=[centre.pk for centre in centres]
    ).values_list("centre_id", "since", "status"):
        changes[centre_id].append((since, status))
    return {
        centre.pk for centre in centres if _serving_between(centre, changes.get(centre.pk, []), first_day, last_day)
    }
