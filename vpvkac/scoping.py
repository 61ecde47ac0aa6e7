"""Which centres a user may see and change: the one place that decides it for the VPVKAC network.

A centre operator works for the centres of their CentreMembership rows; the staff of a municipality (members
of the municipality's institution) see the centres of that municipality, including the centres of the former
municipalities merged into it; the coordinator sees and changes everything. Views, the admin, exports and the
API call these functions; none decides on its own."""

from django.db.models import Q

from accounts.models import Role
from institutions.models import InstitutionType, Municipality

from .models import Centre


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


def _member_municipalities(user):
    """Today's municipalities whose institution the user belongs to, and the former ones merged into them."""
    current = set(
        user.memberships.filter(institution__institution_type=InstitutionType.MUNICIPALITY).values_list(
            "institution__municipality_id", flat=True
        )
    )
    current.discard(None)
    if not current:
        return set()
    successors = dict(Municipality.objects.values_list("pk", "successor_id"))

    def today(pk):
        seen = set()
        while successors.get(pk) and pk not in seen:
            seen.add(pk)
            pk = successors[pk]
        return pk

    return {pk for pk in successors if today(pk) in current}


def visible_centres(user, queryset=None):
    """The centres `user` may read: all for a coordinator; an operator's own centres; a municipality's staff
    the centres of their municipality."""
    queryset = Centre.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    own = Q(pk__in=user.centre_memberships.values("centre_id"))
    municipalities = _member_municipalities(user)
    if municipalities:
        own |= Q(municipality__in=municipalities)
    return queryset.filter(own)


def editable_centres(user, queryset=None):
    """The centres whose figures, hours and desks `user` may change: all for a coordinator, else a centre
    operator's memberships with `can_edit`."""
    queryset = Centre.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    if user.role != Role.CENTRE_OPERATOR:
        return queryset.none()
    return queryset.filter(pk__in=user.centre_memberships.filter(can_edit=True).values("centre_id"))


def scope_by_centre(user, queryset, field="centre", editable=False):
    """Rows of any model whose `field` points at a centre, limited to what `user` may see (or change)."""
    if _active(user) and user.is_coordinator:
        return queryset
    allowed = editable_centres(user) if editable else visible_centres(user)
    return queryset.filter(**{f"{field}__in": allowed.values("pk")})


def can_edit_centre(user, centre):
    return editable_centres(user).filter(pk=centre.pk).exists()
