"""Web pages of the dashboards: the coordinator's national overview, the institution and municipality profiles
(as pages and as PDF) and the comparison. The reads are reports/dashboards.py; who sees what is said there. Every
panel's table exports to CSV and XLSX with its own trigger (`?_export_<panel>=csv|xlsx`)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from institutions.models import Institution, Municipality
from institutions.scoping import visible_institutions
from institutions.tables import localised_name_order
from config.exports import export_response, first_export

from . import dashboards
from .forms import CompareForm, ProfileChooserForm
from .profile_pdf import render_profile_pdf


def panel_export(request, panels, name):
    """The download one of the panels' export triggers asks for, or None."""
    return first_export(request, {panel.key: (panel.trigger, panel.table) for panel in panels}, name)


def _asks_for_export(request):
    return any(key.startswith("_export") for key in request.GET)


@login_required
@require_GET
def overview(request):
    """The national overview for the coordinator; anyone else sees the profiles they may open."""
    user = request.user
    if not dashboards.sees_national_overview(user):
        if _asks_for_export(request):
            raise PermissionDenied(_("Only the coordinator sees the national overview."))
        institutions = visible_institutions(user).select_related("municipality").order_by(localised_name_order())
        municipalities = dashboards.visible_municipalities(user).order_by(localised_name_order())
        return render(
            request, "reports/own_overview.html", {"institutions": institutions, "municipalities": municipalities}
        )
    sections = dashboards.national_overview(user, timezone.localdate())
    export = panel_export(request, [panel for section in sections for panel in section.panels], "overview")
    if export:
        return export
    return render(request, "reports/overview.html", {"sections": sections, "chooser": ProfileChooserForm(user=user)})


@login_required
@require_GET
def open_profile(request):
    """The profile chosen on the overview's chooser; back to the overview when nothing valid was chosen."""
    form = ProfileChooserForm(request.GET, user=request.user)
    if form.is_valid():
        if form.cleaned_data["institution"]:
            return redirect("reports:institution-profile", pk=form.cleaned_data["institution"].pk)
        if form.cleaned_data["municipality"]:
            return redirect("reports:municipality-profile", pk=form.cleaned_data["municipality"].pk)
    return redirect("reports:overview")


def _institution_or_404(request, pk):
    queryset = Institution.objects.select_related("group", "parent__parent", "municipality")
    return get_object_or_404(visible_institutions(request.user, queryset), pk=pk)


def _municipality_or_404(request, pk):
    queryset = Municipality.objects.select_related("planning_region")
    return get_object_or_404(dashboards.visible_municipalities(request.user, queryset), pk=pk)


def _file_name(profile):
    subject = profile.subject
    name = getattr(subject, "short_name", "") or getattr(subject, "code", "") or subject.pk
    return f"profile-{slugify(str(name)) or subject.pk}"


def _profile_page(request, profile, pdf_url_name):
    export = panel_export(request, profile.panels, _file_name(profile))
    if export:
        return export
    return render(request, "reports/profile.html", {"profile": profile, "pdf_url_name": pdf_url_name})


def _pdf_response(profile):
    response = HttpResponse(render_profile_pdf(profile), content_type="application/pdf")
    name = f"{_file_name(profile)}-{timezone.localdate().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def institution_profile(request, pk):
    institution = _institution_or_404(request, pk)
    profile = dashboards.institution_profile(request.user, institution, timezone.localdate())
    return _profile_page(request, profile, "reports:institution-profile-pdf")


@login_required
@require_GET
def institution_profile_pdf(request, pk):
    institution = _institution_or_404(request, pk)
    return _pdf_response(dashboards.institution_profile(request.user, institution, timezone.localdate()))


@login_required
@require_GET
def municipality_profile(request, pk):
    municipality = _municipality_or_404(request, pk)
    profile = dashboards.municipality_profile(request.user, municipality, timezone.localdate())
    return _profile_page(request, profile, "reports:municipality-profile-pdf")


@login_required
@require_GET
def municipality_profile_pdf(request, pk):
    municipality = _municipality_or_404(request, pk)
    return _pdf_response(dashboards.municipality_profile(request.user, municipality, timezone.localdate()))


@login_required
@require_GET
def compare(request):
    """Organisations (or a peer group) side by side on one measure: a table and a bar chart, exportable."""
    user = request.user
    form = CompareForm(request.GET or None, user=user)
    comparison = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        comparison = dashboards.compare(
            user,
            data["measure"],
            organisations=data["organisations"],
            peer_group=data["peer_group"],
            year=data["year"],
            period=data["period"],
            plan=data["plan"],
        )
        export = export_response(request, comparison.table, f"comparison-{data['measure']}")
        if export:
            return export
    return render(
        request,
        "reports/compare.html",
        {"form": form, "comparison": comparison},
        status=400 if form.is_bound and form.errors else 200,
    )
