"""The projects: the list, a project's page (services, project group, phases timeline, the before/after table with
its gains and losses, the cost–benefit figures and a chart of before against after), its plan, group and phases,
starting, closing and cancelling it, and the evaluation files (XLSX, PDF)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from institutions.scoping import related_entries
from institutions.views import RegistryListView
from reports.charts import Series, grouped_bar_chart, number_formatter

from .. import report, report_pdf, workflow
from ..evaluation import evaluate
from ..filtersets import ProjectFilterSet
from ..forms import CloseForm, GroupEditor, PhaseActionForm, PhasePlanEditor, ProjectComponentForm, ProjectForm
from ..models import (
    ComponentProject,
    MeasurementPhase,
    PhaseKind,
    ProjectStatus,
    TransformationProject,
    ValueKind,
)
from ..scoping import can_edit_project, project_institutions, visible_decisions, visible_projects
from ..tables import EvaluationTable, MeasurementTable, MemberTable, PhaseTable, ProjectTable
from .common import (
    add_or_remove_use,
    editable_project,
    first_export,
    render_form_page,
    service_filter_as_text,
    visible_project,
)

CHART_KINDS = (
    (ValueKind.SHARE, gettext_lazy("Before and after: shares in per cent"), 1),
    (ValueKind.SCORE, gettext_lazy("Before and after: scores"), 1),
    (ValueKind.COUNT, gettext_lazy("Before and after: counts"), 1),
    (ValueKind.MONEY, gettext_lazy("Before and after: money (EUR)"), 2),
)
# The measuring phases of the timeline and the measurement page each links to.
MEASURING = {
    PhaseKind.BASELINE: MeasurementPhase.BASELINE,
    PhaseKind.INTERIM: MeasurementPhase.INTERIM,
    PhaseKind.FINAL: MeasurementPhase.FINAL,
}


class ProjectListView(RegistryListView):
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    template_name = "transformation/project_list.html"
    export_name = "transformation-projects"
    checkbox_fields = ("status",)

    def get_queryset(self):
        queryset = (
            TransformationProject.objects.select_related("institution")
            .prefetch_related("phases")
            .annotate(service_count=Count("services", distinct=True))
        )
        return visible_projects(self.request.user, queryset)

    def get_filterset(self, filterset_class):
        return service_filter_as_text(super().get_filterset(filterset_class), self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_create"] = project_institutions(self.request.user).exists()
        return context


# --- the project page -------------------------------------------------------------------------------------------


def before_after_charts(evaluation):
    """A grouped bar chart per kind of value: each numeric indicator's baseline, interim (when any) and final
    values. Kinds are charted apart because their scales differ (a share against an amount in euros)."""
    charts = []
    for kind, title, decimals in CHART_KINDS:
        rows = [
            row
            for row in evaluation.rows
            if row.indicator.value_kind == kind
            and any(value is not None for value in (row.baseline_value, row.final_value))
        ]
        if not rows:
            continue
        labels = [f"{row.indicator.code} {row.indicator.name}" for row in rows]
        series = [Series(_("Baseline"), [_float(row.baseline_value) for row in rows])]
        if any(row.interim_value is not None for row in rows):
            series.append(Series(_("Interim"), [_float(row.interim_value) for row in rows]))
        series.append(Series(_("Final"), [_float(row.final_value) for row in rows]))
        charts.append(
            grouped_bar_chart(
                title, labels, series, category_label=_("Indicator"), formatter=number_formatter(decimals)
            )
        )
    return charts


def _float(value):
    return None if value is None else float(value)


def timeline(project, may_edit):
    """The phases in order, each with the measurement page it records (for the measuring phases)."""
    phases = list(project.phases.all())
    for phase in phases:
        phase.measurement_phase = MEASURING.get(phase.kind)
        phase.measurement_url = (
            reverse("transformation:measurements", kwargs={"pk": project.pk, "phase": MEASURING[phase.kind].value})
            if phase.kind in MEASURING and may_edit and project.is_open
            else ""
        )
    return phases


@login_required
@require_GET
def project_detail(request, pk):
    user = request.user
    project = visible_project(request, pk)
    may_edit = can_edit_project(user, project)
    evaluation = evaluate(project)
    measurements = project.measurements.select_related("indicator", "measured_by")
    tables = {
        "evaluation": ("_export", EvaluationTable(evaluation.rows)),
        "phases": ("_export_phases", PhaseTable(project.phases.all())),
        "members": ("_export_members", MemberTable(project.members.all())),
        "measurements": ("_export_measurements", MeasurementTable(measurements)),
    }
    export = first_export(request, tables, f"transformation-project-{project.pk}")
    if export:
        return export
    services = list(project.services.select_related("holder").order_by("catalogue_id"))
    decisions = visible_decisions(user, project.oversight_decisions.all())
    component_uses = project.component_uses.select_related("component").order_by("component__name_lv")
    component_form = ProjectComponentForm(project=project) if may_edit and project.is_open else None
    return render(
        request,
        "transformation/project_detail.html",
        {
            "project": project,
            "may_edit": may_edit,
            "evaluation": evaluation,
            "cost_benefit": evaluation.cost_benefit,
            "charts": before_after_charts(evaluation),
            "tables": {key: table for key, (_trigger, table) in tables.items()},
            "triggers": {key: trigger for key, (trigger, _table) in tables.items()},
            "services": services,
            "holders": related_entries(user, [service.holder for service in services]),
            "phases": timeline(project, may_edit),
            "current_phase": workflow.current_phase(project) if project.is_open else None,
            "closing_refusal": workflow.closing_refusal(project) if project.status == ProjectStatus.ACTIVE else "",
            "decisions": decisions.order_by("-proposed_on"),
            "component_uses": component_uses,
            "component_form": component_form,
        },
    )


# --- creating and changing a project ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    user = request.user
    if not project_institutions(user).exists():
        return render(request, "transformation/project_form.html", {"form": None}, status=403)
    form = ProjectForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        project = form.save(commit=False)
        project.created_by = user
        project.save()
        form.save_m2m()
        workflow.create_phases(project)
        messages.success(request, _("The project “{name}” was created as a draft.").format(name=project.name))
        return redirect("transformation:project-detail", pk=project.pk)
    return render_form_page(request, "transformation/project_form.html", form)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk):
    project = editable_project(request, pk)
    if not project.is_open:
        messages.error(request, _("A closed or cancelled project can no longer change."))
        return redirect("transformation:project-detail", pk=project.pk)
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The project was saved."))
        return redirect("transformation:project-detail", pk=project.pk)
    return render_form_page(request, "transformation/project_form.html", form, project=project)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request, pk):
    """The project group: its members and their roles (seed 003 §3.2 M1)."""
    project = editable_project(request, pk)
    editor = GroupEditor(project, request.POST if request.method == "POST" else None)
    if request.method == "POST" and editor.is_valid():
        try:
            editor.save()
        except IntegrityError:
            messages.error(request, _("The same person appears twice in the same role: keep one."))
            return redirect("transformation:group-edit", pk=project.pk)
        messages.success(request, _("The project group was saved."))
        return redirect(reverse("transformation:project-detail", kwargs={"pk": project.pk}) + "#group")
    errors = editor.error_summary() if request.method == "POST" else []
    return render(
        request,
        "transformation/group_form.html",
        {"project": project, "editor": editor, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def phases_edit(request, pk):
    """The phases' plan (dates, notes) and their progress: start or complete a phase (transformation/workflow.py
    refuses what its rules do not allow, with the reason)."""
    project = editable_project(request, pk)
    workflow.create_phases(project)
    if request.method == "POST" and request.POST.get("action") in ("start", "complete"):
        return _phase_action(request, project)
    editor = PhasePlanEditor(project, request.POST if request.method == "POST" else None)
    if request.method == "POST" and editor.is_valid():
        editor.save()
        messages.success(request, _("The phase plan was saved."))
        return redirect(reverse("transformation:project-detail", kwargs={"pk": project.pk}) + "#phases")
    errors = editor.error_summary() if request.method == "POST" else []
    return render(
        request,
        "transformation/phases_form.html",
        {"project": project, "editor": editor, "errors": errors, "action_form": PhaseActionForm()},
        status=400 if errors else 200,
    )


def _phase_action(request, project):
    form = PhaseActionForm(request.POST)
    target = reverse("transformation:phases-edit", kwargs={"pk": project.pk})
    if not form.is_valid():
        messages.error(request, _("The phase could not be changed: check the date."))
        return redirect(target)
    phase = get_object_or_404(project.phases, kind=form.cleaned_data["phase"])
    try:
        if form.cleaned_data["action"] == "start":
            workflow.start_phase(phase, on=form.cleaned_data["on"])
            messages.success(request, _("“{phase}” has started.").format(phase=phase.get_kind_display()))
        else:
            workflow.complete_phase(phase, on=form.cleaned_data["on"])
            messages.success(request, _("“{phase}” is done.").format(phase=phase.get_kind_display()))
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    return redirect(target)


def _take_step(request, pk, step, done):
    """Run a workflow step on the project: `done` when it went through, the workflow's reason when refused."""
    project = editable_project(request, pk)
    try:
        step(project, user=request.user)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("transformation:project-detail", pk=project.pk)


@login_required
@require_POST
def project_start(request, pk):
    return _take_step(
        request, pk, workflow.start_project, _("The project has started; its baseline measurement is under way.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_close(request, pk):
    """Closing: refused, with the mandatory indicators still missing a baseline or a final measurement named."""
    project = editable_project(request, pk)
    form = CloseForm(request.POST or None)
    refusal = workflow.closing_refusal(project)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.close_project(project, user=request.user, on=form.cleaned_data["on"])
        except workflow.WorkflowError as error:
            refusal = str(error)
        else:
            messages.success(request, _("The project was closed. Its evaluation can be downloaded."))
            return redirect("transformation:project-detail", pk=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "transformation/project_close.html",
        {
            "project": project,
            "form": form,
            "refusal": refusal,
            "missing": workflow.missing_measurements(project) if project.status == ProjectStatus.ACTIVE else [],
        },
        status=status,
    )


@login_required
@require_POST
def project_cancel(request, pk):
    return _take_step(
        request, pk, workflow.cancel_project, _("The project was cancelled; its measurements stay on record.")
    )


@login_required
@require_POST
def project_component(request, pk):
    """Add a shared component the project uses, or remove one (`remove` = the use's id)."""
    project = editable_project(request, pk)
    return add_or_remove_use(
        request,
        reverse("transformation:project-detail", kwargs={"pk": project.pk}) + "#components",
        ComponentProject.objects.filter(project=project),
        lambda: ProjectComponentForm(request.POST, project=project),
        added=lambda use: _("“{name}” is listed as used by the project.").format(name=use.component.name),
        removed=lambda use: _("“{name}” is no longer listed as used.").format(name=use.component.name),
        refused=_("Choose a shared component the project does not list yet."),
    )


# --- the evaluation files ---------------------------------------------------------------------------------------


@login_required
@require_GET
def evaluation_file(request, pk, fmt):
    """The project's evaluation as XLSX or PDF, in the reader's language (transformation/report.py)."""
    project = visible_project(request, pk)
    evaluation = report.build_evaluation(project, get_language(), user=request.user)
    if fmt == "xlsx":
        content = report.render_xlsx(evaluation)
    else:
        content = report_pdf.render_pdf(evaluation)
    response = HttpResponse(content, content_type=report.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(evaluation, fmt)}"'
    return response
