"""The network parameters (versioned; network.save_parameters) and the coordinator's recomputations of the stored
results (network.request_full), with their progress followed on the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from config.recomputation import requested_message

from .. import network
from ..forms import NetworkParametersForm
from ..models import NetworkParameters, NetworkRecomputation
from ..tables import NetworkParametersTable, NetworkRecomputationTable
from .common import export_response, render_page, require_coordinator
from .network_map import latest_parameters

ON_DEMAND = "on demand"  # the stored reason of a recomputation the coordinator starts on the page


@login_required
@require_http_methods(["GET", "POST"])
def parameters_page(request):
    """Every parameter version; the coordinator saves a new one with its reason, which queues a full
    recomputation. Others read."""
    user = request.user
    if request.method == "POST":
        require_coordinator(user, _("Only the coordinator changes the network parameters."))
    table = NetworkParametersTable(NetworkParameters.objects.select_related("created_by"))
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    export = export_response(request, table, "vpvkac-parameters")
    if export:
        return export
    form = None
    latest = latest_parameters()
    if user.is_coordinator:
        initial = {name: getattr(latest, name) for name in network.PARAMETER_FIELDS}
        form = NetworkParametersForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            saved = network.save_parameters(form.cleaned_data, user=user, note=form.cleaned_data["note"])
            messages.success(
                request,
                _("Parameter version %(version)s was saved; a full recomputation of the network is scheduled.")
                % {"version": saved.version},
            )
            return redirect("vpvkac:parameters")
    return render_page(
        request,
        "vpvkac/parameters.html",
        {"table": table, "form": form, "latest": latest if latest.pk else None},
        status=400 if form is not None and form.errors else 200,
    )


def recomputation_progress(job):
    """What the recomputations page shows of a job, and its JSON status endpoint returns."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.is_finished,
        "percent": job.percent,
        "steps_done": job.steps_done,
        "steps_total": job.steps_total,
        "rows_written": job.rows_written,
        "error": job.error if job.status in ("failed", "retrying") else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def recomputations_page(request):
    """The coordinator's recomputations: start a full one, follow the jobs' progress, read their errors."""
    require_coordinator(request.user, _("Only the coordinator runs recomputations of the network results."))
    if request.method == "POST":
        job = network.request_full(user=request.user, reason=ON_DEMAND)
        requested_message(request, job)
        return redirect("vpvkac:recomputations")
    table = NetworkRecomputationTable(NetworkRecomputation.objects.select_related("parameters", "requested_by"))
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    export = export_response(request, table, "vpvkac-recomputations")
    if export:
        return export
    latest = latest_parameters()
    return render_page(request, "vpvkac/recomputations.html", {"table": table, "latest": latest if latest.pk else None})


@login_required
@require_GET
def recomputation_status(request, pk):
    require_coordinator(request.user, _("Only the coordinator runs recomputations of the network results."))
    return JsonResponse(recomputation_progress(get_object_or_404(NetworkRecomputation, pk=pk)))
