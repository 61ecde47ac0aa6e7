"""The life of a transformation project (seed 003 §3.2 M1–M8, §8 item 2): draft → active → closed (or
cancelled), through seven phases in order — baseline measurement, analysis, design, implementation, interim
measurement, final measurement, evaluation.

Rules:
- Phases may overlap, but a phase starts only once the phase before it has started; the interim measurement may
  be skipped.
- The baseline and the final measurement are done only when every mandatory indicator has a value in them.
- A project closes only with a baseline and a final measurement of every mandatory indicator (seed 003 §3.4:
  measure at the start and at the end); closing completes the phases still under way.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .evaluation import CLOSING_PHASES, evaluate
from .models import (
    MeasurementPhase,
    PhaseKind,
    PhaseStatus,
    ProjectPhase,
    ProjectStatus,
)

# The measuring phases of the project timeline and the measurement phase each records.
MEASURING_PHASES = {
    PhaseKind.BASELINE: MeasurementPhase.BASELINE,
    PhaseKind.INTERIM: MeasurementPhase.INTERIM,
    PhaseKind.FINAL: MeasurementPhase.FINAL,
}
OPTIONAL_PHASES = (PhaseKind.INTERIM,)


class WorkflowError(Exception):
    """A step the project's current state does not allow; the message says why."""


def _today(on):
    return on or timezone.localdate()


def create_phases(project):
    """The project's seven phases, creating the missing ones (idempotent); in order."""
    existing = {phase.kind: phase for phase in project.phases.all()}
    for kind in PhaseKind.values:
        if kind not in existing:
            existing[kind] = ProjectPhase.objects.create(project=project, kind=kind)
    return sorted(existing.values(), key=lambda phase: phase.order)


def current_phase(project):
    """The latest phase in progress, else the first not started, else None (all done)."""
    phases = sorted(project.phases.all(), key=lambda phase: phase.order)
    in_progress = [phase for phase in phases if phase.status == PhaseStatus.IN_PROGRESS]
    if in_progress:
        return in_progress[-1]
    return next((phase for phase in phases if phase.status == PhaseStatus.NOT_STARTED), None)


def _indicator_list(indicators):
    return "; ".join(f"{indicator.code} {indicator.name}" for indicator in indicators)


def missing_measurements(project):
    """The mandatory indicators without a baseline or a final measurement: [(indicator, [phases missing])]."""
    return [(row.indicator, row.missing_phases) for row in evaluate(project).rows if row.missing_phases]


def missing_in_phase(project, measurement_phase):
    """The mandatory indicators without a value in `measurement_phase`."""
    return [indicator for indicator, phases in missing_measurements(project) if measurement_phase in phases]


def can_close(project):
    return project.status == ProjectStatus.ACTIVE and not missing_measurements(project)


def _require_open(project):
    if project.status in (ProjectStatus.CLOSED, ProjectStatus.CANCELLED):
        raise WorkflowError(
            _("The project is {status}: it can no longer change.").format(status=project.get_status_display().lower())
        )


@transaction.atomic
def start_project(project, user=None, on=None):
    """Draft → active: the phases are created and the baseline measurement starts."""
    if project.status != ProjectStatus.DRAFT:
        raise WorkflowError(_("Only a draft project can be started."))
    day = _today(on)
    project.status = ProjectStatus.ACTIVE
    project.started_on = day
    project.save(update_fields=["status", "started_on", "updated_at"])
    phases = create_phases(project)
    baseline = phases[0]
    if baseline.status == PhaseStatus.NOT_STARTED:
        _start(baseline, day)
    return project


def _start(phase, day):
    phase.status = PhaseStatus.IN_PROGRESS
    phase.actual_start = phase.actual_start or day
    if phase.actual_end and phase.actual_end < phase.actual_start:
        phase.actual_end = None
    phase.save()


def _previous(phase):
    """The phase a phase waits for: the one before it, skipping an interim measurement that never started."""
    earlier = sorted(
        (other for other in phase.project.phases.all() if other.order < phase.order),
        key=lambda other: other.order,
        reverse=True,
    )
    for other in earlier:
        if other.kind in OPTIONAL_PHASES and other.status == PhaseStatus.NOT_STARTED:
            continue
        return other
    return None


@transaction.atomic
def start_phase(phase, on=None):
    project = phase.project
    _require_open(project)
    if project.status != ProjectStatus.ACTIVE:
        raise WorkflowError(_("Start the project before its phases."))
    if phase.status != PhaseStatus.NOT_STARTED:
        raise WorkflowError(_("The phase has already started."))
    previous = _previous(phase)
    if previous is not None and previous.status == PhaseStatus.NOT_STARTED:
        raise WorkflowError(
            _("“{phase}” cannot start before “{previous}” has started.").format(
                phase=phase.get_kind_display(), previous=previous.get_kind_display()
            )
        )
    _start(phase, _today(on))
    return phase


@transaction.atomic
def complete_phase(phase, on=None):
    """In progress → done. A baseline or final measurement is done only with every mandatory indicator measured;
    the evaluation only after the final measurement is done."""
    project = phase.project
    _require_open(project)
    if phase.status != PhaseStatus.IN_PROGRESS:
        raise WorkflowError(_("Only a phase in progress can be completed."))
    measuring = MEASURING_PHASES.get(phase.kind)
    if measuring in CLOSING_PHASES:
        missing = missing_in_phase(project, measuring)
        if missing:
            raise WorkflowError(
                _("“{phase}” is not complete: no value yet for {indicators}.").format(
                    phase=phase.get_kind_display(), indicators=_indicator_list(missing)
                )
            )
    if phase.kind == PhaseKind.EVALUATION:
        final = project.phases.filter(kind=PhaseKind.FINAL).first()
        if final is None or final.status != PhaseStatus.DONE:
            raise WorkflowError(_("The evaluation is done only after the final measurement."))
    day = _today(on)
    if phase.actual_start and day < phase.actual_start:
        raise WorkflowError(
            _("A phase cannot end before it started ({day}).").format(day=phase.actual_start.isoformat())
        )
    phase.status = PhaseStatus.DONE
    phase.actual_end = day
    phase.save()
    return phase


@transaction.atomic
def reopen_phase(phase):
    """Done → in progress, to correct a phase while the project is open."""
    _require_open(phase.project)
    if phase.status != PhaseStatus.DONE:
        raise WorkflowError(_("Only a completed phase can be reopened."))
    phase.status = PhaseStatus.IN_PROGRESS
    phase.actual_end = None
    phase.save()
    return phase


def closing_refusal(project):
    """The message that says why `project` cannot close, or "" when it can."""
    if project.status != ProjectStatus.ACTIVE:
        return _("Only an active project can be closed.")
    missing = missing_measurements(project)
    if not missing:
        return ""
    parts = []
    labels = dict(MeasurementPhase.choices)
    for indicator, phases in missing:
        names = ", ".join(str(labels[phase]).lower() for phase in phases)
        parts.append(f"{indicator.code} {indicator.name} ({names})")
    return _(
        "The project cannot close: mandatory indicators without a baseline or a final measurement: {list}."
    ).format(list="; ".join(parts))


@transaction.atomic
def close_project(project, user=None, on=None):
    """Active → closed, refused (WorkflowError naming the missing indicators) without a baseline and a final
    measurement of every mandatory indicator. The phases still under way are completed on the closing day; the
    ones never started stay so (skipped)."""
    refusal = closing_refusal(project)
    if refusal:
        raise WorkflowError(refusal)
    day = _today(on)
    for phase in create_phases(project):
        if phase.status == PhaseStatus.IN_PROGRESS:
            phase.status = PhaseStatus.DONE
            phase.actual_end = max(day, phase.actual_start) if phase.actual_start else day
            phase.save()
    project.status = ProjectStatus.CLOSED
    project.closed_on = day
    project.save(update_fields=["status", "closed_on", "updated_at"])
    return project


@transaction.atomic
def cancel_project(project, user=None, on=None):
    """Draft or active → cancelled; the measurements stay."""
    _require_open(project)
    project.status = ProjectStatus.CANCELLED
    project.closed_on = _today(on)
    project.save(update_fields=["status", "closed_on", "updated_at"])
    return project


__all__ = [
    "WorkflowError",
    "can_close",
    "cancel_project",
    "close_project",
    "closing_refusal",
    "complete_phase",
    "create_phases",
    "current_phase",
    "missing_in_phase",
    "missing_measurements",
    "reopen_phase",
    "start_phase",
    "start_project",
]
