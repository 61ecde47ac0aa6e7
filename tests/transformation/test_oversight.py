"""Candidates for the oversight council (transformation/oversight.py): the services whose cost per transaction is an
outlier among their peers, read through services.scoping.visible_cost_figures (its privacy rule included), and
a draft "request a review" with the figure kept as evidence."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from services import costing
from services.models import ServiceCost, ServiceFigure
from tests.factories import InstitutionFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceFactory, ServiceTemplateFactory
from transformation import oversight
from transformation.models import CostEvidence, DecisionKind, DecisionStatus

pytestmark = pytest.mark.django_db

D = Decimal


def year_of(service, completed, cost, year):
    ServiceFigure.objects.create(
        service=service, provider=service.holder, year=year, channel=ChannelFactory(code="portal"), completed=completed
    )
    ServiceCost.objects.create(service=service, provider=service.holder, year=year, component="staff", amount=D(cost))


@pytest.fixture
def peers():
    """Three municipalities provide the same unified service. 2024: 100 cases each at a cost of 100, 100 and 500:
    CPT 1, 1, 5; median 1; ratios 1, 1, 5 — the third is an outlier (5 ≥ k = 2). 2023: 100, 100, 150: CPT 1, 1,
    1.5, ratios ≤ 1.5, no outlier."""
    template = ServiceTemplateFactory()
    municipalities = [InstitutionFactory(short_name=f"M{n}") for n in range(3)]
    services = [ServiceFactory(holder=municipality, template=template) for municipality in municipalities]
    for service, cost in zip(services, (100, 100, 500), strict=True):
        year_of(service, 100, cost, 2024)
    for service, cost in zip(services, (100, 100, 150), strict=True):
        year_of(service, 100, cost, 2023)
    costing.recompute()
    return municipalities, services


def coordinator():
    return UserFactory(role=Role.COORDINATOR)


def test_the_coordinator_sees_the_outlier_with_its_ratio(peers):
    municipalities, services = peers
    (candidate,) = oversight.outlier_candidates(coordinator())
    # the latest year with an outlier: 2024; CPT 500 / 100 = 5, median 1, ratio 5
    assert (candidate.service, candidate.provider, candidate.year) == (services[2], municipalities[2], 2024)
    assert (candidate.cost_per_transaction, candidate.peer_median, candidate.peer_ratio) == (D(5), D(1), D(5))
    assert (candidate.peer_count, candidate.direction, candidate.withheld) == (3, "high", False)
    assert oversight.outlier_candidates(coordinator(), year=2023) == []


def test_a_provider_sees_its_own_flag_with_the_small_groups_ratio_withheld(peers):
    municipalities, _services = peers
    (candidate,) = oversight.outlier_candidates(UserFactory(member_of=[municipalities[2]]))
    # three peers are under the five needed to disclose a median
    assert (candidate.peer_ratio, candidate.peer_median, candidate.direction, candidate.withheld) == (
        None,
        None,
        "",
        True,
    )
    # the other providers, and outsiders, see no candidate at all
    assert oversight.outlier_candidates(UserFactory(member_of=[municipalities[0]])) == []
    assert oversight.outlier_candidates(UserFactory(member_of=[InstitutionFactory()])) == []


def test_a_candidate_becomes_a_draft_review_request_with_its_evidence(peers):
    municipalities, services = peers
    user = coordinator()
    (candidate,) = oversight.outlier_candidates(user)
    decision = oversight.draft_review_request(candidate, user)
    assert (decision.kind, decision.status, decision.institution) == (
        DecisionKind.REQUEST_REVIEW,
        DecisionStatus.PROPOSED,
        municipalities[2],
    )
    assert list(decision.services.all()) == [services[2]]
    (evidence,) = decision.cost_evidence.all()
    assert (evidence.year, evidence.peer_ratio, evidence.is_outlier) == (2024, D(5), True)
    # a recomputation rewrites the figures; the evidence keeps its copy and still finds the live row
    costing.recompute()
    evidence = CostEvidence.objects.get(pk=evidence.pk)
    assert evidence.peer_ratio == D(5)
    assert evidence.current_figure().peer_ratio == D(5)


def test_only_the_coordinator_drafts_decisions(peers):
    municipalities, _services = peers
    (candidate,) = oversight.outlier_candidates(coordinator())
    with pytest.raises(PermissionDenied):
        oversight.draft_review_request(candidate, UserFactory(member_of=[municipalities[2]]))
