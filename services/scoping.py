"""Which catalogue entries, figures and costs a user may see and change.

Built on institutions/scoping.py. A service belongs to its holder and to each of its providers: a
user sees the services their institutions hold or provide, edits the catalogue entries their
institutions hold, and sees or edits the figures and costs their institutions report as providers.
"""

from django.db.models import Exists, OuterRef
from django.db.models.query import ModelIterable

from institutions.scoping import editable_institutions, is_coordinator, visible_institutions

from .models import CostFigure, FigureSubmission, Service, ServiceCost, ServiceFigure


def visible_services(user, queryset=None):
    """Services held or provided by an institution `user` may see (all for a coordinator)."""
    queryset = Service.objects.all() if queryset is None else queryset
    if is_coordinator(user):
        return queryset
    institutions = visible_institutions(user)
    provided = Service.providers.through.objects.filter(
        service_id=OuterRef("pk"), institution_id__in=institutions.values("pk")
    )
    return queryset.filter(Exists(provided) | Exists(institutions.filter(pk=OuterRef("holder_id"))))


def editable_services(user, queryset=None):
    """Catalogue entries `user` may change: those held by an institution they may edit."""
    queryset = Service.objects.all() if queryset is None else queryset
    if is_coordinator(user):
        return queryset
    return queryset.filter(holder__in=editable_institutions(user).values("pk"))


def _by_provider(user, queryset, editable):
    if is_coordinator(user):
        return queryset
    institutions = editable_institutions(user) if editable else visible_institutions(user)
    return queryset.filter(provider__in=institutions.values("pk"))


def visible_figures(user, queryset=None):
    """Usage figures reported by a provider `user` may see."""
    return _by_provider(user, ServiceFigure.objects.all() if queryset is None else queryset, editable=False)


def editable_figures(user, queryset=None):
    return _by_provider(user, ServiceFigure.objects.all() if queryset is None else queryset, editable=True)


def visible_costs(user, queryset=None):
    """Cost figures reported by a provider `user` may see."""
    return _by_provider(user, ServiceCost.objects.all() if queryset is None else queryset, editable=False)


def editable_costs(user, queryset=None):
    return _by_provider(user, ServiceCost.objects.all() if queryset is None else queryset, editable=True)


# A peer median of a small group gives other providers' costs away: with two peers the median is the mean of the
# reader's own cost per transaction and the other provider's. Below this many peers with a value only the
# coordinator sees the median and the ratio to it.
MIN_PEERS_DISCLOSED = 5


class _PeersWithheld(ModelIterable):
    """Yields cost figures with the peer median and ratio cleared where the group is too small to disclose."""

    def __iter__(self):
        for figure in super().__iter__():
            if figure.peer_count < MIN_PEERS_DISCLOSED and (figure.peer_median is not None or figure.peer_ratio):
                figure.peer_median = figure.peer_ratio = None
                figure.peers_withheld = True
            yield figure


def visible_cost_figures(user, queryset=None):
    """Stored cost figures (services/costing.py) of a provider `user` may see. For anyone but the coordinator
    the peer median and ratio of groups under MIN_PEERS_DISCLOSED peers come back empty (`peers_withheld`),
    in every page, export and API response built on this queryset."""
    queryset = _by_provider(user, CostFigure.objects.all() if queryset is None else queryset, editable=False)
    if not is_coordinator(user):
        queryset._iterable_class = _PeersWithheld
    return queryset


def visible_submissions(user, queryset=None):
    return _by_provider(user, FigureSubmission.objects.all() if queryset is None else queryset, editable=False)


def can_report_for(user, provider):
    """True when `user` may enter figures and costs for `provider`."""
    return editable_institutions(user).filter(pk=provider.pk).exists()
