"""Web pages of the service catalogue: the service and life-situation lists and pages, the yearly report form
and the coordinator's completeness report.

What a user may see or change is decided by services/scoping.py; the sums and ratios come from
services/figures_report.py; the figures and costs are checked by services/validation.py (through forms.py).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from config.exports import export_response
from institutions.models import Institution
from institutions.peers import sector_members
from institutions.scoping import editable_institutions, related_entries
from institutions.tables import localised_name_order
from institutions.views import RegistryListView
from reports.charts import Series, bar_chart, line_chart, percent_formatter

from . import figures_report
from .edit_conflicts import EditConflict
from .filtersets import LifeSituationFilterSet, ServiceFilterSet
from .forms import CompletenessFilterForm, YearlyReport
from .models import LifeSituation, Service, ServiceChannel, ServiceFigure
from .models.catalogue import SERVICE_CONDITIONS
from .scoping import can_report_for, visible_figures, visible_services
from .tables import (
    CompletenessTable,
    LifeSituationTable,
    ServiceTable,
    YearlyFigureTable,
)

# --- services ------------------------------------------------------------------------------------------------------


class ServiceListView(RegistryListView):
    filterset_class = ServiceFilterSet
    table_class = ServiceTable
    template_name = "services/service_list.html"
    export_name = "services"
    checkbox_fields = ("kind", "level", "status", "channel")

    def get_queryset(self):
        channel_count = figures_report.count_of(ServiceChannel.objects.filter(service=OuterRef("pk")))
        return visible_services(
            self.request.user,
            Service.objects.select_related("holder", "template")
            .prefetch_related("providers", "life_situations")
            .annotate(channel_count=channel_count),
        )

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        fields = filterset.form.fields
        institutions = figures_report.catalogue_institutions(self.request.user)
        for name in ("holder", "provider", "institution"):
            if name in fields:
                fields[name].queryset = institutions
        for name in ("holder", "provider", "life_situation"):
            if name in fields:
                fields[name].widget.attrs.update({"data-filterable": "", "data-filter-label": _("Narrow the list")})
        return filterset


def cpsv_links(service):
    """The CPSV-AP JSON-LD exports of the service and of the whole catalogue (services/cpsv_views.py), or
    (None, None) where they are not routed."""
    try:
        return (
            reverse("services:cpsv-service", kwargs={"catalogue_id": service.catalogue_id}),
            reverse("services:cpsv-catalogue"),
        )
    except NoReverseMatch:
        return None, None


def service_charts(summary, channel_rows):
    """The channel mix of the latest year (bar) and the yearly trend of completed cases and digital take-up
    (lines), from figures_report's rows."""
    if not summary:
        return []
    latest = summary[-1].year
    mix = figures_report.channel_mix(channel_rows, latest)
    years = [str(row.year) for row in summary]
    return [
        bar_chart(
            _("Completed transactions by channel, %(year)s") % {"year": latest},
            [row.channel_name for row in mix],
            [row.completed for row in mix],
            category_label=_("Channel"),
            value_label=_("Completed"),
        ),
        line_chart(
            _("Completed transactions by year"),
            years,
            [
                Series(_("All channels"), [row.completed for row in summary]),
                Series(_("Digital channels"), [row.digital_completed for row in summary]),
            ],
            category_label=_("Year"),
        ),
        line_chart(
            _("Digital take-up by year"),
            years,
            [Series(_("Digital take-up"), [row.digital_take_up for row in summary])],
            category_label=_("Year"),
            formatter=percent_formatter(1),
            axis_formatter=percent_formatter(0),
            max_value=1,
        ),
    ]


@login_required
def service_detail(request, catalogue_id):
    user = request.user
    service = get_object_or_404(
        visible_services(user, Service.objects.select_related("holder", "template")), catalogue_id=catalogue_id
    )
    figures = visible_figures(user, ServiceFigure.objects.filter(service=service))
    providers_reporting = list(figures_report.reporting_providers(figures))
    chosen_provider = None
    if request.GET.get("provider"):
        chosen_provider = next((p for p in providers_reporting if str(p.pk) == request.GET["provider"]), None)
        if chosen_provider is None:
            raise Http404
        figures = figures.filter(provider=chosen_provider)

    summary = figures_report.yearly_summary(figures)
    channel_rows = figures_report.yearly_channel_figures(figures)
    figure_table = YearlyFigureTable(list(reversed(channel_rows)))
    export = export_response(request, figure_table, f"{service.catalogue_id}-figures")
    if export:
        return export

    providers = service.providers.select_related("municipality").order_by(localised_name_order())
    cpsv_service_url, cpsv_catalogue_url = cpsv_links(service)
    return render(
        request,
        "services/service_detail.html",
        {
            "service": service,
            "holder": related_entries(user, [service.holder])[0],
            "providers": related_entries(user, providers),
            "life_situations": service.life_situations.order_by(localised_name_order()),
            "channels": service.channels.select_related("channel").order_by("channel__order"),
            "conditions": [(label, getattr(service, name)) for name, label in SERVICE_CONDITIONS],
            "summary": list(reversed(summary)),
            "figure_table": figure_table,
            "has_demo_figures": any(row.is_demo for row in summary),
            "charts": service_charts(summary, channel_rows),
            "providers_reporting": providers_reporting,
            "chosen_provider": chosen_provider,
            "report_providers": list(editable_institutions(user, providers)),
            "reporting_years": figures_report.reporting_years(),
            "cpsv_service_url": cpsv_service_url,
            "cpsv_catalogue_url": cpsv_catalogue_url,
        },
    )


# --- life situations -----------------------------------------------------------------------------------------------


class LifeSituationListView(RegistryListView):
    filterset_class = LifeSituationFilterSet
    table_class = LifeSituationTable
    template_name = "services/life_situation_list.html"
    export_name = "life-situations"

    def get_queryset(self):
        services = visible_services(self.request.user, Service.objects.filter(life_situations=OuterRef("pk")))
        return LifeSituation.objects.with_fully_online().annotate(service_count=figures_report.count_of(services))


@login_required
def life_situation_detail(request, code):
    situation = get_object_or_404(LifeSituation.objects.with_fully_online(), code=code)
    services = visible_services(
        request.user,
        situation.services.select_related("holder").annotate(online=Exists(figures_report.online_channel())),
    ).order_by(localised_name_order())
    return render(
        request,
        "services/life_situation_detail.html",
        {
            "situation": situation,
            "services": services,
            "gaps": None if situation.fully_online else figures_report.online_gaps(request.user, situation),
        },
    )


# --- yearly reports ------------------------------------------------------------------------------------------------


@login_required
def figures_edit(request, catalogue_id, provider_id, year):
    """One service, one provider, one year: the figures of every channel and the costs on one screen."""
    user = request.user
    service = get_object_or_404(visible_services(user), catalogue_id=catalogue_id)
    provider = get_object_or_404(service.providers.all(), pk=provider_id)
    if not can_report_for(user, provider):
        raise PermissionDenied(_("You may not report figures for this institution."))

    submit = request.method == "POST" and "submit" in request.POST
    report = YearlyReport(service, provider, year, data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and report.is_valid(submit=submit):
        try:
            report.save(user, submit=submit)
        except EditConflict as conflict:
            report.show_conflict(conflict)
            status = 409
        except IntegrityError:
            # The transaction was rolled back: nothing of this report was written.
            report.page_errors.append(_("The figures could not be saved because they conflict with other data."))
        else:
            if submit:
                messages.success(request, _("The report was submitted."))
            else:
                messages.success(request, _("The draft was saved."))
            return redirect("services:figures-edit", catalogue_id=catalogue_id, provider_id=provider.pk, year=year)
    return render(
        request,
        "services/figures_edit.html",
        {
            "service": service,
            "provider": provider,
            "year": year,
            "report": report,
            "submission": report.submission,
            "error_summary": report.error_summary() if request.method == "POST" else [],
            # Before any input, say why this year cannot be saved (outside the service's lifetime, say).
            "report_errors": report.report_errors(),
            "other_years": [y for y in figures_report.reporting_years() if y != year],
        },
        status=status,
    )


@login_required
def report_home(request):
    """The reports the user's institutions owe: each service they provide and each of the last five years."""
    user = request.user
    institutions = editable_institutions(user).filter(memberships__user=user)
    years = figures_report.reporting_years()
    return render(
        request,
        "services/report_home.html",
        {"overview": figures_report.report_overview(institutions, years), "years": years},
    )


@login_required
def completeness(request):
    """Per institution and year: services provided, reports submitted, the missing ones (coordinators only)."""
    if not request.user.is_coordinator:
        raise PermissionDenied(_("Only the coordinator sees the completeness report."))
    years = figures_report.reporting_years(count=10)
    form = CompletenessFilterForm(request.GET or None, years=years)
    year, institutions = years[0], None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        if form.cleaned_data["sector"]:
            institutions = sector_members(form.cleaned_data["sector"])
        if form.cleaned_data["municipality"]:
            institutions = (institutions if institutions is not None else Institution.objects.all()).filter(
                municipality=form.cleaned_data["municipality"]
            )
    report = figures_report.completeness(year, institutions)
    table = CompletenessTable(report.rows)
    export = export_response(request, table, f"completeness-{year}")
    if export:
        return export
    chart = bar_chart(
        _("Share of reports submitted per institution, %(year)s") % {"year": year},
        [row.institution.short_name for row in report.rows],
        [row.share for row in report.rows],
        category_label=_("Institution"),
        value_label=_("Complete"),
        formatter=percent_formatter(0),
        max_value=1,
    )
    return render(
        request,
        "services/completeness.html",
        {
            "form": form,
            "filter": {"form": form},
            "filters_active": form.is_bound,
            "report": report,
            "table": table,
            "chart": chart,
            "year": year,
        },
    )

