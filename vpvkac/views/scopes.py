"""The rows of the network's tables a user may read, for the tables whose rows do not point at one centre:
grants (to a centre or to a municipality) and municipality figures. Composed from vpvkac/scoping.py alone, so
that it stays the one place that decides; the API uses the same functions."""

from django.db.models import Q

from institutions.scoping import is_coordinator
from ..models import Grant, MunicipalityFigure
from ..scoping import scope_by_centre, visible_centres


def visible_municipality_ids(user):
    """The municipalities (former ones included) that run a centre the user may read."""
    return visible_centres(user).values("municipality_id")


def visible_grants(user, queryset=None):
    """Grants to a centre the user may read, and grants to a municipality whose centres the user may read."""
    queryset = Grant.objects.all() if queryset is None else queryset
    if is_coordinator(user):
        return queryset
    return queryset.filter(
        Q(centre__in=visible_centres(user).values("pk")) | Q(municipality__in=visible_municipality_ids(user))
    )


def visible_municipality_figures(user, queryset=None):
    queryset = MunicipalityFigure.objects.all() if queryset is None else queryset
    if is_coordinator(user):
        return queryset
    return queryset.filter(municipality__in=visible_municipality_ids(user))


__all__ = ["scope_by_centre", "visible_centres", "visible_grants", "visible_municipality_figures"]
