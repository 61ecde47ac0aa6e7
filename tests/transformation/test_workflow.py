"""A project's life (transformation/workflow.py): draft → active → closed or cancelled, phases in order, and the
closing gate — a baseline and a final measurement of every mandatory indicator, the refusal naming what lacks."""

from datetime import date
from decimal import Decimal

import pytest

from tests.transformation.factories import IndicatorFactory, MeasurementFactory, ProjectFactory
from transformation import workflow
from transformation.models import MeasurementPhase, PhaseKind, PhaseStatus, ProjectStatus, ValueKind

pytestmark = pytest.mark.django_db

BASE, FIN = MeasurementPhase.BASELINE, MeasurementPhase.FINAL


@pytest.fixture
def mandatory():
    return [
        IndicatorFactory(code="M1", name_lv="Elektroniskā lietošana", order=1, mandatory=True),
        IndicatorFactory(code="M2", name_lv="Darbinieki", order=2, mandatory=True),
        IndicatorFactory(
            code="M3", name_lv="Izvērtējums", order=3, mandatory=True, value_kind=ValueKind.TEXT, good_direction="none"
        ),
    ]


def measure(project, indicator, phase):
    if indicator.value_kind == ValueKind.TEXT:
        return MeasurementFactory(project=project, indicator=indicator, phase=phase, value=None, text_value="teksts")
    return MeasurementFactory(project=project, indicator=indicator, phase=phase, value=Decimal("1"))


def phases(project):
    return {phase.kind: phase for phase in project.phases.all()}


def test_starting_creates_the_seven_phases_and_starts_the_baseline():
    project = ProjectFactory()
    workflow.start_project(project, on=date(2025, 1, 6))
    project.refresh_from_db()
    assert (project.status, project.started_on) == (ProjectStatus.ACTIVE, date(2025, 1, 6))
    assert [phase.kind for phase in project.phases.all()] == PhaseKind.values
    baseline = phases(project)[PhaseKind.BASELINE]
    assert (baseline.status, baseline.actual_start) == (PhaseStatus.IN_PROGRESS, date(2025, 1, 6))
    assert workflow.current_phase(project) == baseline
    with pytest.raises(workflow.WorkflowError):
        workflow.start_project(project)
    # creating the phases again adds none
    assert len(workflow.create_phases(project)) == 7


def test_a_phase_waits_for_the_one_before_it_but_the_interim_measurement_may_be_skipped():
    project = ProjectFactory()
    workflow.start_project(project)
    by_kind = phases(project)
    with pytest.raises(workflow.WorkflowError, match="Analysis|Analīze"):
        workflow.start_phase(by_kind[PhaseKind.DESIGN])
    for kind in (PhaseKind.ANALYSIS, PhaseKind.DESIGN, PhaseKind.IMPLEMENTATION):
        workflow.start_phase(by_kind[kind])
    # the final measurement after the implementation, without an interim one
    workflow.start_phase(by_kind[PhaseKind.FINAL])
    assert by_kind[PhaseKind.INTERIM].status == PhaseStatus.NOT_STARTED


def test_the_baseline_is_done_only_with_every_mandatory_indicator_measured(mandatory):
    project = ProjectFactory()
    workflow.start_project(project, on=date(2025, 1, 6))
    baseline = phases(project)[PhaseKind.BASELINE]
    measure(project, mandatory[0], BASE)
    with pytest.raises(workflow.WorkflowError) as refusal:
        workflow.complete_phase(baseline)
    assert "M2" in str(refusal.value) and "M3" in str(refusal.value) and "M1 " not in str(refusal.value)
    measure(project, mandatory[1], BASE)
    measure(project, mandatory[2], BASE)
    with pytest.raises(workflow.WorkflowError):
        workflow.complete_phase(baseline, on=date(2025, 1, 5))  # before it started
    workflow.complete_phase(baseline, on=date(2025, 2, 1))
    baseline.refresh_from_db()
    assert (baseline.status, baseline.actual_end) == (PhaseStatus.DONE, date(2025, 2, 1))


def test_closing_is_refused_naming_each_missing_indicator_and_phase(mandatory):
    project = ProjectFactory()
    workflow.start_project(project)
    for indicator in mandatory:
        measure(project, indicator, BASE)
    measure(project, mandatory[0], FIN)
    assert not workflow.can_close(project)
    with pytest.raises(workflow.WorkflowError) as refusal:
        workflow.close_project(project)
    message = str(refusal.value)
    assert "M2 Darbinieki" in message and "M3 Izvērtējums" in message
    assert "M1 Elektroniskā lietošana" not in message
    assert workflow.missing_measurements(project) == [(mandatory[1], [FIN]), (mandatory[2], [FIN])]
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE


def test_a_project_with_every_measurement_closes_and_completes_its_phases(mandatory):
    project = ProjectFactory()
    workflow.start_project(project, on=date(2025, 1, 6))
    IndicatorFactory(code="OPT", mandatory=False)  # an optional indicator never blocks closing
    for indicator in mandatory:
        measure(project, indicator, BASE)
        measure(project, indicator, FIN)
    by_kind = phases(project)
    workflow.complete_phase(by_kind[PhaseKind.BASELINE], on=date(2025, 2, 1))
    workflow.start_phase(by_kind[PhaseKind.ANALYSIS], on=date(2025, 2, 2))
    assert workflow.can_close(project) and workflow.closing_refusal(project) == ""
    workflow.close_project(project, on=date(2025, 6, 30))
    project.refresh_from_db()
    assert (project.status, project.closed_on) == (ProjectStatus.CLOSED, date(2025, 6, 30))
    by_kind = phases(project)
    # the analysis under way is completed on the closing day; the phases never started stay so
    assert (by_kind[PhaseKind.ANALYSIS].status, by_kind[PhaseKind.ANALYSIS].actual_end) == (
        PhaseStatus.DONE,
        date(2025, 6, 30),
    )
    assert by_kind[PhaseKind.DESIGN].status == PhaseStatus.NOT_STARTED
    with pytest.raises(workflow.WorkflowError):
        workflow.start_phase(by_kind[PhaseKind.DESIGN])


def test_a_draft_cannot_close_but_can_be_cancelled():
    project = ProjectFactory()
    with pytest.raises(workflow.WorkflowError):
        workflow.close_project(project)
    workflow.cancel_project(project, on=date(2025, 3, 3))
    project.refresh_from_db()
    assert (project.status, project.closed_on) == (ProjectStatus.CANCELLED, date(2025, 3, 3))
    with pytest.raises(workflow.WorkflowError):
        workflow.cancel_project(project)


def test_the_evaluation_is_done_only_after_the_final_measurement(mandatory):
    project = ProjectFactory()
    workflow.start_project(project)
    by_kind = phases(project)
    for kind in (PhaseKind.ANALYSIS, PhaseKind.DESIGN, PhaseKind.IMPLEMENTATION, PhaseKind.FINAL, PhaseKind.EVALUATION):
        workflow.start_phase(by_kind[kind])
    with pytest.raises(workflow.WorkflowError):
        workflow.complete_phase(by_kind[PhaseKind.EVALUATION])
    for indicator in mandatory:
        measure(project, indicator, FIN)
    workflow.complete_phase(by_kind[PhaseKind.FINAL])
    workflow.complete_phase(by_kind[PhaseKind.EVALUATION])
    workflow.reopen_phase(by_kind[PhaseKind.EVALUATION])
    by_kind[PhaseKind.EVALUATION].refresh_from_db()
    assert (by_kind[PhaseKind.EVALUATION].status, by_kind[PhaseKind.EVALUATION].actual_end) == (
        PhaseStatus.IN_PROGRESS,
        None,
    )
