"""Recording a phase's measurements (baseline, interim, final): one row per indicator the project may be measured
on, for one period. Where an indicator has a catalogue source (channel proportion, electronic use, cost per
transaction, satisfaction) the row starts with the catalogue's value for the period (transformation/prefill.py)
and says so; keeping it records the value as pre-filled, changing it records the value as entered."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ..forms import PeriodForm, PhaseMeasurementEditor
from ..models import MeasurementPhase, MeasurementSource, PhaseKind
from ..prefill import prefill_value
from ..scoping import usable_indicators
from .common import editable_project

PHASE_KINDS = {
    MeasurementPhase.BASELINE: PhaseKind.BASELINE,
    MeasurementPhase.INTERIM: PhaseKind.INTERIM,
    MeasurementPhase.FINAL: PhaseKind.FINAL,
}
SAVE_LABELS = {
    MeasurementPhase.BASELINE: gettext_lazy("Save the baseline measurement"),
    MeasurementPhase.INTERIM: gettext_lazy("Save the interim measurement"),
    MeasurementPhase.FINAL: gettext_lazy("Save the final measurement"),
}


def last_full_year(day):
    return date(day.year - 1, 1, 1), date(day.year - 1, 12, 31)


def default_period(project, phase, stored):
    """The period of the phase's measurements on record; else the calendar year before the phase started (the
    last full year of figures), or before today."""
    for measurement in stored.values():
        if measurement.period_start or measurement.period_end:
            return (
                measurement.period_start or measurement.period_end,
                measurement.period_end or measurement.period_start,
            )
    timeline_phase = project.phases.filter(kind=PHASE_KINDS[phase]).first()
    started = timeline_phase.actual_start if timeline_phase is not None else None
    return last_full_year(started or timezone.localdate())


def chosen_period(data, fallback):
    """The period the reader asks for (the period form's fields in `data`), else `fallback`."""
    if data is None or "period-period_start" not in data:
        return fallback
    form = PeriodForm(data, prefix="period")
    if form.is_valid():
        return form.cleaned_data["period_start"], form.cleaned_data["period_end"]
    return fallback


@login_required
@require_http_methods(["GET", "POST"])
def measurements_edit(request, pk, phase):
    if phase not in MeasurementPhase.values:
        raise Http404
    project = editable_project(request, pk)
    user = request.user
    if not project.is_open:
        messages.error(request, _("A closed or cancelled project can no longer change."))
        return redirect("transformation:project-detail", pk=project.pk)
    phase = MeasurementPhase(phase)
    indicators = list(usable_indicators(user, project).select_related("owner_institution").order_by("order", "code"))
    stored = {
        measurement.indicator_id: measurement
        for measurement in project.measurements.filter(phase=phase).select_related("indicator")
    }
    # Values stored for indicators no longer offered (deactivated since) stay on record and are left alone.
    period = chosen_period(
        request.POST if request.method == "POST" else request.GET, default_period(project, phase, stored)
    )
    prefills = {
        indicator.pk: prefill_value(project, indicator, period[0], period[1], user)
        for indicator in indicators
        if indicator.catalogue_source
    }
    editor = PhaseMeasurementEditor(
        project,
        phase,
        indicators,
        period,
        prefills,
        _current_for_prefill(stored, prefills),
        data=request.POST if request.method == "POST" else None,
        user=user,
    )
    if request.method == "POST" and editor.is_valid():
        saved, removed = editor.save()
        messages.success(
            request,
            _("{phase} saved: {saved} values recorded, {removed} removed.").format(
                phase=PHASE_KINDS[phase].label, saved=saved, removed=removed
            ),
        )
        return redirect(reverse("transformation:project-detail", kwargs={"pk": project.pk}) + "#evaluation")
    errors = editor.error_summary() if request.method == "POST" else []
    return render(
        request,
        "transformation/measurements_form.html",
        {
            "project": project,
            "phase": phase,
            "heading": PHASE_KINDS[phase].label,
            "save_label": SAVE_LABELS[phase],
            "editor": editor,
            "errors": errors,
            "period": period,
            "prefilled_count": sum(
                1 for prefill in prefills.values() if prefill is not None and prefill.value is not None
            ),
            "sources": MeasurementSource,
        },
        status=400 if errors else 200,
    )


def _current_for_prefill(stored, prefills):
    """The stored measurements as the rows start from them: a pre-filled value follows the catalogue's value for
    the period shown (so changing the period refreshes it); an entered value stays as entered."""
    current = {}
    for indicator_id, measurement in stored.items():
        prefill = prefills.get(indicator_id)
        if measurement.source == MeasurementSource.PREFILLED and prefill is not None and prefill.value is not None:
            measurement.value = prefill.value
        current[indicator_id] = measurement
    return current
