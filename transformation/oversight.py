"""Candidates for the oversight council (seed 003 §3.2.2 "results differ significantly from service performance
in other state institutions", §8 item 7): the services whose cost per transaction at a provider is an outlier
among its peers in the stored cost figures (services/costing.py: ratio = CPT / median of the peers' CPT,
outlier when ratio ≥ k or ≤ 1/k, k a costing parameter).

Read through services.scoping.visible_cost_figures, so its privacy rule holds here too: for anyone but the
coordinator the peer median and the ratio of groups under five peers come back empty. Such a candidate is still
listed (the provider sees its own flag) with the ratio withheld.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from services.models import CostFigure
from services.scoping import visible_cost_figures

from .models import CostEvidence, DecisionKind, DecisionStatus, OversightDecision


@dataclass
class Candidate:
    figure: CostFigure

    @property
    def service(self):
        return self.figure.service

    @property
    def provider(self):
        return self.figure.provider

    @property
    def year(self):
        return self.figure.year

    @property
    def cost_per_transaction(self):
        return self.figure.cost_per_transaction

    @property
    def peer_median(self):
        return self.figure.peer_median

    @property
    def peer_ratio(self):
        return self.figure.peer_ratio

    @property
    def peer_count(self):
        return self.figure.peer_count

    @property
    def withheld(self):
        return getattr(self.figure, "peers_withheld", False)

    @property
    def direction(self):
        """ "high" when the cost is k or more times the peer median, "low" when 1/k or less, "" when withheld."""
        if self.peer_ratio is None:
            return ""
        return "high" if self.peer_ratio >= 1 else "low"


def latest_year(figures):
    """The latest year with an outlier among `figures`, or None."""
    return figures.filter(channel__isnull=True, is_outlier=True).aggregate(year=Max("year"))["year"]


def outlier_candidates(user, year=None, institution=None, queryset=None):
    """The all-channel cost figures flagged as outliers that `user` may see, in `year` (default: the latest
    year with an outlier), optionally of one provider, the largest deviation first (ratio or its inverse)."""
    figures = visible_cost_figures(user, CostFigure.objects.all() if queryset is None else queryset)
    if institution is not None:
        figures = figures.filter(provider=institution)
    year = year or latest_year(figures)
    if year is None:
        return []
    rows = (
        figures.filter(channel__isnull=True, is_outlier=True, year=year)
        .select_related("service", "provider", "service__holder")
        .order_by("service__name_lv", "provider__name_lv")
    )
    candidates = [Candidate(figure) for figure in rows]

    def deviation(candidate):
        ratio = candidate.peer_ratio
        if not ratio:
            return Decimal(0)
        return max(ratio, 1 / ratio)

    candidates.sort(key=deviation, reverse=True)
    return candidates


def attach_cost_evidence(decision, service, provider, year, note=""):
    """Link the all-channel cost figure of (service, provider, year) to `decision` as evidence, copying its
    values as they stand now (the figure rows are rewritten by every recomputation)."""
    figure = CostFigure.objects.filter(service=service, provider=provider, year=year, channel__isnull=True).first()
    values = {"note": note}
    if figure is not None:
        values.update(
            cost_per_transaction=figure.cost_per_transaction,
            peer_median=figure.peer_median,
            peer_ratio=figure.peer_ratio,
            peer_count=figure.peer_count,
            is_outlier=figure.is_outlier,
        )
    evidence, _created = CostEvidence.objects.update_or_create(
        decision=decision, service=service, provider=provider, year=year, defaults=values
    )
    decision.services.add(service)
    return evidence


@transaction.atomic
def draft_review_request(candidate, user=None):
    """A proposed "request a review" decision about the candidate's provider and service, with the cost figure as
    evidence (seed 003 §8 item 7: the flag produces a draft recommendation). Decisions are the coordinator's."""
    if user is not None and not user.is_coordinator:
        raise PermissionDenied
    figure = candidate.figure
    ratio = figure.peer_ratio
    with translation.override(settings.LANGUAGE_CODE):  # the register is kept in the default language
        decision = _draft(figure, ratio, user)
    attach_cost_evidence(decision, figure.service, figure.provider, figure.year)
    return decision


def _draft(figure, ratio, user):
    return OversightDecision.objects.create(
        title=_("Review of {service} at {provider}").format(service=figure.service.name, provider=figure.provider.name)[
            :300
        ],
        kind=DecisionKind.REQUEST_REVIEW,
        status=DecisionStatus.PROPOSED,
        proposed_on=timezone.localdate(),
        institution=figure.provider,
        text=_(
            "The cost per transaction in {year} differs significantly from the peers' median; the ministry is asked "
            "to review the institution's delivery of the service."
        ).format(year=figure.year),
        evidence_text=_(
            "Cost per transaction {cpt} EUR, peer median {median} EUR, ratio {ratio} ({peers} peers)."
        ).format(
            cpt=figure.cost_per_transaction,
            median=figure.peer_median,
            ratio=ratio if ratio is not None else "—",
            peers=figure.peer_count,
        ),
        created_by=user if user is not None and user.is_authenticated else None,
    )
