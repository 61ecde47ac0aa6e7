"""Peer groups for comparisons: the ministry sector for state bodies, the development-centre tier for
municipal ones."""

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Institution
from .tables import localised_name_order


def sector_members(ministry, queryset=None):
    """The ministry and every institution under it (two levels: its agencies and their bodies)."""
    queryset = Institution.objects.all() if queryset is None else queryset
    return queryset.filter(Q(pk=ministry.pk) | Q(parent=ministry) | Q(parent__parent=ministry))


def institution_peers(institution):
    """Peer group for comparisons: same type in municipalities of the same development-centre tier for
    municipal bodies; otherwise the institutions of the same ministry sector."""
    if institution.municipality_id and institution.municipality.development_tier:
        tier = institution.municipality.development_tier
        peers = Institution.objects.filter(
            institution_type=institution.institution_type, municipality__development_tier=tier
        )
        basis = _("%(type)s in municipalities of the same development-centre tier (%(tier)s)") % {
            "type": institution.get_institution_type_display(),
            "tier": institution.municipality.get_development_tier_display(),
        }
    else:
        ministry = institution.sector_ministry
        if ministry is None:
            return "", Institution.objects.none()
        peers = sector_members(ministry)
        basis = _("Institutions of the ministry sector of %(ministry)s") % {"ministry": ministry.name}
    peers = peers.exclude(pk=institution.pk).select_related("municipality").order_by(localised_name_order())
    return basis, peers
