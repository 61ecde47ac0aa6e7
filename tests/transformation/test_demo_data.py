"""The transformation demo (transformation/demo_data.py): a closed project with its evaluation, an active one at
the final measurement whose closing is refused, one in implementation, a draft; pre-filled catalogue figures;
decisions with evidence; reviews; loading twice creates nothing new."""

import pytest
from django.db import connection, transaction

from institutions.demo_data import load_demo_data
from institutions.reference_data import load_reference_data
from services import costing
from services.demo_data import load_catalogue_demo
from services.reference_data import load_channels
from transformation import workflow
from transformation.demo_data import VSAA_BENEFITS, VSAA_PENSION, load_transformation_demo
from transformation.evaluation import evaluate
from transformation.models import (
    DecisionKind,
    MeasurementSource,
    OversightDecision,
    PhaseKind,
    PhaseStatus,
    ProjectStatus,
    ServiceReview,
    TransformationProject,
)
from transformation.reference_data import load_transformation


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Reference data, demo users, the demo catalogue with its cost figures and the transformation demo, loaded once
    for the module inside a transaction rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_reference_data()
        load_channels()
        load_transformation()
        load_demo_data()
        load_catalogue_demo()
        costing.recompute()
        summary = load_transformation_demo()
        connection.check_constraints()
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return demo


def project(definition):
    return TransformationProject.objects.get(name=definition.name)


def test_four_demo_projects_in_four_states(loaded):
    assert loaded["transformation projects"] == TransformationProject.objects.count() == 4
    states = sorted(TransformationProject.objects.values_list("status", flat=True))
    assert states == [ProjectStatus.ACTIVE, ProjectStatus.ACTIVE, ProjectStatus.CLOSED, ProjectStatus.DRAFT]
    assert all(TransformationProject.objects.values_list("is_demo", flat=True))


def test_the_closed_project_is_evaluated_with_prefilled_catalogue_figures(loaded):
    benefits = project(VSAA_BENEFITS)
    assert benefits.status == ProjectStatus.CLOSED and not workflow.missing_measurements(benefits)
    prefilled = benefits.measurements.filter(source=MeasurementSource.PREFILLED)
    assert set(prefilled.values_list("indicator__code", flat=True)) >= {"R1", "R2", "R7"}
    evaluation = evaluate(benefits)
    # the invented money figures: 120 000 once, 10 000 and 72 000 a year, over 5 years → net 190 000
    assert evaluation.cost_benefit.net_benefit == 190000
    # the demo catalogue's digital take-up of the benefits rises from 2021 to 2024: a gain
    (channel_row,) = [row for row in evaluation.rows if row.indicator.code == "R1"]
    assert channel_row.outcome == "gain"
    assert {phase.status for phase in benefits.phases.all()} == {PhaseStatus.DONE}


def test_the_pension_project_cannot_close_yet(loaded):
    pension = project(VSAA_PENSION)
    assert pension.phases.get(kind=PhaseKind.FINAL).status == PhaseStatus.IN_PROGRESS
    refusal = workflow.closing_refusal(pension)
    assert "R4" in refusal and "R8.3" in refusal


def test_decisions_and_reviews(loaded):
    kinds = set(OversightDecision.objects.values_list("kind", flat=True))
    assert {DecisionKind.EU_FUNDING_APPROVE, DecisionKind.FUND_SHARED_COMPONENT} <= kinds
    outlier = OversightDecision.objects.filter(reference="DEMO-OUTLIER").first()
    if outlier is not None:  # the demo catalogue has peer outliers: the first became a review request
        assert outlier.cost_evidence.count() == 1
    assert ServiceReview.objects.filter(is_demo=True).count() == loaded["transformation reviews"] == 5


def test_loading_twice_creates_nothing(loaded):
    again = load_transformation_demo()
    assert all(count == 0 for count in again.values()), again
