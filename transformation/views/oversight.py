"""Oversight (seed 003 §3.2.1–3.2.2): the register of the council's decisions and recommendations with their
evidence (measurements, peer-comparison cost figures), recorded by the coordinator and read by the institutions
they concern; and the candidate list of services whose cost differs significantly from their peers
(transformation/oversight.py), from which the coordinator drafts a review request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from institutions.views import RegistryListView
from reports.charts import bar_chart, number_formatter
from services.models import CostFigure
from services.scoping import visible_cost_figures

from .. import oversight
from ..filtersets import DecisionFilterSet
from ..forms import CandidateFilterForm, CostEvidenceForm, DecisionForm
from ..models import OversightDecision
from ..scoping import can_edit_decisions, can_view_project, visible_decisions, visible_measurements
from ..tables import CandidateTable, CostEvidenceTable, DecisionTable, MeasurementTable
from .common import export_response, first_export, render_form_page, require_coordinator, service_filter_as_text

ONLY_COORDINATOR = gettext_lazy("Only the coordinator records the oversight council's decisions.")


class DecisionListView(RegistryListView):
    filterset_class = DecisionFilterSet
    table_class = DecisionTable
    template_name = "transformation/decision_list.html"
    export_name = "transformation-decisions"
    checkbox_fields = ("kind", "status")

    def get_queryset(self):
        queryset = (
            OversightDecision.objects.select_related("institution", "project", "shared_component")
            .prefetch_related("services")
            .annotate(
                measurement_count=Count("measurements", distinct=True),
                cost_evidence_count=Count("cost_evidence", distinct=True),
            )
        )
        return visible_decisions(self.request.user, queryset)

    def get_filterset(self, filterset_class):
        return service_filter_as_text(super().get_filterset(filterset_class), self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_record"] = can_edit_decisions(self.request.user)
        return context


def _decision(request, pk):
    queryset = OversightDecision.objects.select_related("institution", "project__institution", "shared_component")
    return get_object_or_404(visible_decisions(request.user, queryset), pk=pk)


@login_required
@require_GET
def decision_detail(request, pk):
    user = request.user
    decision = _decision(request, pk)
    measurements = visible_measurements(user, decision.measurements.select_related("indicator", "project"))
    tables = {
        "measurements": ("_export_measurements", MeasurementTable(measurements)),
        "cost": (
            "_export_cost",
            CostEvidenceTable(decision.cost_evidence.select_related("service", "provider").order_by("year")),
        ),
    }
    export = first_export(request, tables, f"transformation-decision-{decision.pk}")
    if export:
        return export
    may_edit = can_edit_decisions(user)
    return render(
        request,
        "transformation/decision_detail.html",
        {
            "decision": decision,
            "services": decision.services.order_by("catalogue_id"),
            "tables": {key: table for key, (_trigger, table) in tables.items()},
            "triggers": {key: trigger for key, (trigger, _table) in tables.items()},
            "may_edit": may_edit,
            "evidence_form": CostEvidenceForm() if may_edit else None,
            "project_visible": decision.project_id is not None and can_view_project(user, decision.project),
        },
    )


def _decision_form_page(request, decision=None):
    user = request.user
    require_coordinator(user, ONLY_COORDINATOR)
    initial = {}
    if decision is None and request.method == "GET" and request.GET.get("project"):
        initial["project"] = request.GET["project"]
    form = DecisionForm(request.POST or None, instance=decision, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if decision is None:
            saved.created_by = user
        saved.save()
        form.save_m2m()
        messages.success(request, _("The decision “{title}” was saved.").format(title=saved.title))
        return redirect("transformation:decision-detail", pk=saved.pk)
    return render_form_page(request, "transformation/decision_form.html", form, decision=decision)


@login_required
@require_http_methods(["GET", "POST"])
def decision_create(request):
    return _decision_form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def decision_edit(request, pk):
    require_coordinator(request.user, ONLY_COORDINATOR)
    return _decision_form_page(request, _decision(request, pk))


@login_required
@require_POST
def decision_evidence(request, pk):
    """Link a peer-comparison cost figure (service, provider, year) to the decision."""
    require_coordinator(request.user, ONLY_COORDINATOR)
    decision = _decision(request, pk)
    form = CostEvidenceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        oversight.attach_cost_evidence(decision, data["service"], data["provider"], data["year"])
        messages.success(request, _("The cost figure was linked as evidence."))
    else:
        messages.error(request, _("Choose a service, a provider and a year."))
    return redirect("transformation:decision-detail", pk=decision.pk)


# --- candidates -------------------------------------------------------------------------------------------------


def candidate_years(user):
    """The years with an outlier among the cost figures `user` may see, latest first."""
    figures = visible_cost_figures(user, CostFigure.objects.filter(channel__isnull=True, is_outlier=True))
    return sorted(set(figures.order_by().values_list("year", flat=True).distinct()), reverse=True)


def ratio_chart(candidates, year):
    shown = [candidate for candidate in candidates if candidate.peer_ratio is not None][:20]
    return bar_chart(
        _("Ratio to the peer median, {year}").format(year=year),
        [f"{candidate.service.catalogue_id} · {candidate.provider.short_name}" for candidate in shown],
        [float(candidate.peer_ratio) for candidate in shown],
        value_label=_("Ratio to the median"),
        category_label=_("Service · provider"),
        formatter=number_formatter(2),
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_list(request):
    """Services whose cost per transaction at a provider is k or more times (or at most 1/k of) their peers'
    median; the coordinator drafts a review request from a row."""
    user = request.user
    if request.method == "POST":
        return _draft_from_candidate(request)
    years = candidate_years(user)
    form = CandidateFilterForm(request.GET or None, years=years)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    year = year or (years[0] if years else None)
    candidates = oversight.outlier_candidates(user, year=year) if year else []
    table = CandidateTable(candidates, may_draft=can_edit_decisions(user))
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    export = export_response(request, table, f"transformation-candidates-{year or 'none'}")
    if export:
        return export
    return render(
        request,
        "transformation/candidates.html",
        {
            "form": form,
            "year": year,
            "table": table,
            "count": len(candidates),
            "high": sum(1 for candidate in candidates if candidate.direction == "high"),
            "low": sum(1 for candidate in candidates if candidate.direction == "low"),
            "chart": ratio_chart(candidates, year) if candidates else None,
            "may_draft": can_edit_decisions(user),
        },
    )


def _draft_from_candidate(request):
    require_coordinator(request.user, ONLY_COORDINATOR)
    try:
        service_id, provider_id, year = (int(part) for part in request.POST.get("candidate", "").split(":"))
    except ValueError:
        raise Http404 from None
    chosen = next(
        (
            candidate
            for candidate in oversight.outlier_candidates(request.user, year=year)
            if candidate.service.pk == service_id and candidate.provider.pk == provider_id
        ),
        None,
    )
    if chosen is None:
        raise Http404
    decision = oversight.draft_review_request(chosen, request.user)
    messages.success(request, _("A review request was drafted; complete it and set its status."))
    return redirect("transformation:decision-edit", pk=decision.pk)
