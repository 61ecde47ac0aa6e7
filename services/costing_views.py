"""Web pages of the service cost figures: the service cost card, the institution and national overviews, the
outlier list, the channel-shift calculator, the costing parameters and the coordinator's recomputations.

The figures are computed and stored by services/costing.py; these pages only read them, through
services.scoping.visible_cost_figures, so a reader sees (and sums, and exports) only the figures of the providers they
may see. Roll-ups are costing.rollup: sums first, ratios of the sums. Every table exports to CSV and XLSX with the
page's filters (`?_export=csv`; a page with several tables names each one's trigger, e.g. `?_export_sector=xlsx`).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Sum
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from config.exports import export_response, first_export
from config.recomputation import requested_message
from institutions.models import Institution, Municipality
from institutions.scoping import visible_institutions
from institutions.tables import localised_name_order
from reports.charts import Series, bar_chart, line_chart, number_formatter, percent_formatter

from . import costing
from .costing_forms import ChannelShiftForm, CostParametersForm, OutlierFilterForm, ServiceCardForm, YearForm
from .costing_tables import (
    MEASURES,
    ChannelShiftTable,
    CostFigureTable,
    CostParametersTable,
    CostRecomputationTable,
    InstitutionServicesTable,
    OutlierTable,
    ProviderComparisonTable,
    RollupTable,
    channel_name,
    measure_value,
)
from .models import (
    Channel,
    CostFigure,
    CostParameters,
    CostRecomputation,
    LifeSituation,
    MissingReason,
    Service,
    ServiceTemplate,
)
from .scoping import visible_cost_figures, visible_services

ON_DEMAND = "on demand"  # the stored reason of a recomputation the coordinator starts on the page


@dataclass(frozen=True)
class Grouping:
    """A roll-up of the overviews: what its groups are, how its group column is headed, what its table is called."""

    model: type
    heading: str
    caption: str


GROUPINGS = {
    "sector": Grouping(Institution, gettext_lazy("Ministry sector"), gettext_lazy("By ministry sector")),
    "municipality": Grouping(Municipality, gettext_lazy("Municipality"), gettext_lazy("By municipality")),
    "life_situation": Grouping(LifeSituation, gettext_lazy("Life situation"), gettext_lazy("By life situation")),
    "institution": Grouping(Institution, gettext_lazy("Institution"), gettext_lazy("By institution")),
}
# The figures a roll-up's summary shows, in this order.
SUMMARY_MEASURES = (
    "cost",
    "transactions",
    "cost_per_transaction",
    "digital_takeup",
    "completion_rate",
    "satisfaction_score",
    "admin_burden",
    "unallocated_shared_cost",
)


def require_coordinator(user):
    if not user.is_coordinator:
        raise PermissionDenied(_("Only the coordinator may run recomputations of the cost figures."))


# --- reads ------------------------------------------------------------------------------------------------------------


def available_years(figures):
    """The years `figures` hold, latest first."""
    return sorted(set(figures.order_by().values_list("year", flat=True).distinct()), reverse=True)


def latest_parameters():
    """The newest parameter version, or None before any was saved (read only: nothing is created here)."""
    return CostParameters.objects.order_by("-version").first()


def computation_facts(figures):
    """Which parameter versions the stored `figures` were computed with, when, and whether a newer version
    exists (its recomputation is still to come)."""
    versions = sorted(set(figures.order_by().values_list("parameters__version", flat=True).distinct()))
    latest = latest_parameters()
    computed_at = figures.order_by("-computed_at").values_list("computed_at", flat=True).first()
    return {
        "versions": versions,
        "latest": latest,
        "computed_at": computed_at,
        "stale": bool(latest and versions and versions[-1] != latest.version),
    }


def labelled_rollup(figures, by):
    """costing.rollup of `figures` by `by`, each row with its group's object and name, sorted by name."""
    rows = costing.rollup(figures, by=by)
    model = GROUPINGS[by].model
    objects = model.objects.in_bulk({row["group"] for row in rows})
    for row in rows:
        group = objects.get(row["group"])
        row["object"] = group
        row["label"] = group.name if group is not None else "—"
    rows.sort(key=lambda row: (row["label"].casefold(), row["year"]))
    return rows


def cost_by_channel(figures):
    """Cost, transactions and cost per transaction by channel over the channel rows of `figures` (one query):
    channel costs add up to the services' allocated costs."""
    sums = (
        figures.filter(channel__isnull=False)
        .order_by()
        .values("channel")
        .annotate(cost=Sum("cost"), transactions=Sum("transactions"), costed_transactions=Sum("costed_transactions"))
    )
    channels = Channel.objects.in_bulk({row["channel"] for row in sums})
    rows = []
    for row in sums:
        row = dict(row, **costing.ratios(row))
        row["channel"] = channels[row["channel"]]
        rows.append(row)
    return sorted(rows, key=lambda row: row["channel"].order)


def summary(row):
    """A roll-up row as (label, shown value, why it has none) per figure, for the stat rows above the tables."""
    if row is None:
        return []
    stats = []
    for name in SUMMARY_MEASURES:
        measure, value = MEASURES[name], row.get(name)
        reason = measure.reason(row, value)
        stats.append((measure.label, "—" if reason else measure.formatter(value), reason))
    return stats


def _float(value):
    return None if value is None else float(value)


# --- service cost card ----------------------------------------------------------------------------------------------


def cpt_by_channel_chart(rows, provider):
    """Cost per transaction of each channel (and of all channels) of one provider, over the years."""
    years = sorted({row.year for row in rows})
    by_key = {(row.year, row.channel_id): row for row in rows}
    channels = sorted({row.channel for row in rows if row.channel_id}, key=lambda channel: channel.order)
    series = [
        Series(
            _("All channels"),
            [_float(getattr(by_key.get((year, None)), "cost_per_transaction", None)) for year in years],
        )
    ]
    for channel in channels:
        values = [_float(getattr(by_key.get((year, channel.pk)), "cost_per_transaction", None)) for year in years]
        if any(value is not None for value in values):
            series.append(Series(channel.name, values))
    return line_chart(
        _("Cost per transaction by channel, %(provider)s") % {"provider": provider.short_name},
        [str(year) for year in years],
        series,
        category_label=_("Year"),
        formatter=number_formatter(2),
    )


def peer_chart(rows, provider, year):
    """This provider's cost per transaction beside its peers' median, per channel, in `year`."""
    labels, values, peers = [], [], _("Peer median")
    for row in (row for row in rows if row.year == year):
        if row.cost_per_transaction is None and measure_value(row, "peer_median") is None:
            continue
        name = channel_name(row)
        # The distinguishing part first: long channel names are cut short on the chart.
        labels += [f"{provider.short_name}: {name}", f"{peers}: {name}"]
        values += [_float(row.cost_per_transaction), _float(measure_value(row, "peer_median"))]
    return bar_chart(
        _("Cost per transaction against the peer median, %(year)s") % {"year": year},
        labels,
        values,
        category_label=_("Channel"),
        value_label=_("Cost per transaction (EUR)"),
        formatter=number_formatter(2),
    )


@login_required
@require_GET
def service_costs(request, catalogue_id):
    """One service: per provider the stored figures by year and channel, the providers compared in one year."""
    user = request.user
    service = get_object_or_404(
        visible_services(user, Service.objects.select_related("holder", "template")), catalogue_id=catalogue_id
    )
    figures = visible_cost_figures(user).filter(service=service)
    providers = Institution.objects.filter(pk__in=figures.values("provider_id")).order_by(localised_name_order())
    form = ServiceCardForm(request.GET or None, providers=providers, years=available_years(figures))
    provider, year = form.chosen_provider(), form.chosen_year()

    rows = []
    if provider is not None:
        rows = list(
            figures.filter(provider=provider)
            .select_related("service", "provider", "channel", "parameters")
            .order_by("-year", F("channel__order").asc(nulls_first=True))
        )
    table = CostFigureTable(rows)
    comparison = ProviderComparisonTable(
        figures.filter(year=year, channel__isnull=True).select_related("provider").order_by("provider__name_lv"),
        link=lambda record: f"?provider={record.provider_id}&year={record.year}",
    )
    export = first_export(
        request,
        {"figures": ("_export", table), "providers": ("_export_providers", comparison)},
        f"costs-{service.catalogue_id}",
    )
    if export:
        return export
    return render(
        request,
        "services/costs/service.html",
        {
            "service": service,
            "form": form,
            "provider": provider,
            "year": year,
            "table": table,
            "comparison": comparison,
            "provider_count": len(form.providers),
            "charts": [cpt_by_channel_chart(rows, provider), peer_chart(rows, provider, year)] if rows else [],
            "facts": computation_facts(figures.filter(provider=provider)) if provider else None,
        },
    )


# --- institution overview -------------------------------------------------------------------------------------------


@login_required
@require_GET
def institution_costs(request, pk):
    """One institution as a provider: its roll-up by year, its services in one year, unallocated shared cost."""
    user = request.user
    institution = get_object_or_404(visible_institutions(user), pk=pk)
    figures = visible_cost_figures(user).filter(provider=institution)
    form = YearForm(request.GET or None, years=available_years(figures))
    year = form.chosen_year()
    by_year = costing.rollup(figures, by="institution")
    of_year = figures.filter(year=year)
    services = list(
        of_year.filter(channel__isnull=True).select_related("service", "provider").order_by("service__catalogue_id")
    )
    table = InstitutionServicesTable(services)
    by_year_table = RollupTable(by_year, caption=_("Roll-up of the institution by year"))
    export = first_export(
        request,
        {"services": ("_export", table), "years": ("_export_years", by_year_table)},
        f"costs-{institution.short_name}-{year}",
    )
    if export:
        return export
    channels = cost_by_channel(of_year)
    chart = bar_chart(
        _("Cost by channel, %(year)s") % {"year": year},
        [row["channel"].name for row in channels],
        [_float(row["cost"]) for row in channels],
        category_label=_("Channel"),
        value_label=_("Cost (EUR)"),
        formatter=number_formatter(2),
    )
    return render(
        request,
        "services/costs/institution.html",
        {
            "institution": institution,
            "form": form,
            "year": year,
            "summary": summary(next((row for row in by_year if row["year"] == year), None)),
            "table": table,
            "by_year_table": by_year_table,
            "unallocated": [row for row in services if row.unallocated_shared_cost],
            "unallocated_reason": MissingReason.NO_TRANSACTIONS.label,
            "chart": chart,
            "facts": computation_facts(figures),
        },
    )


# --- national overview ----------------------------------------------------------------------------------------------


def overview_charts(by_year, sectors, year):
    """Cost per transaction and digital take-up by ministry sector in `year`, and nationally over the years."""
    years = [str(row["year"]) for row in by_year]
    return [
        bar_chart(
            _("Cost per transaction by ministry sector, %(year)s") % {"year": year},
            [row["label"] for row in sectors],
            [_float(row["cost_per_transaction"]) for row in sectors],
            category_label=_("Ministry sector"),
            value_label=_("Cost per transaction (EUR)"),
            formatter=number_formatter(2),
        ),
        bar_chart(
            _("Digital take-up by ministry sector, %(year)s") % {"year": year},
            [row["label"] for row in sectors],
            [_float(row["digital_takeup"]) for row in sectors],
            category_label=_("Ministry sector"),
            value_label=_("Digital take-up"),
            formatter=percent_formatter(1),
            axis_formatter=percent_formatter(0),
            max_value=1,
        ),
        line_chart(
            _("Cost per transaction by year"),
            years,
            [Series(_("Cost per transaction (EUR)"), [_float(row["cost_per_transaction"]) for row in by_year])],
            category_label=_("Year"),
            formatter=number_formatter(2),
        ),
        line_chart(
            _("Digital take-up by year"),
            years,
            [Series(_("Digital take-up"), [_float(row["digital_takeup"]) for row in by_year])],
            category_label=_("Year"),
            formatter=percent_formatter(1),
            axis_formatter=percent_formatter(0),
            max_value=1,
        ),
    ]


@login_required
@require_GET
def cost_overview(request):
    """The whole country for the coordinator (the institutions a reader may see, for anyone else): roll-ups by
    year, and by ministry sector, municipality, life situation and institution in one year."""
    user = request.user
    figures = visible_cost_figures(user)
    form = YearForm(request.GET or None, years=available_years(figures))
    year = form.chosen_year()
    of_year = figures.filter(year=year)
    by_year = costing.rollup(figures, by="national")

    def provider_link(row):
        return reverse("services:cost-provider", kwargs={"pk": row["group"]}) + f"?year={year}"

    grouped = {by: labelled_rollup(of_year, by) for by in GROUPINGS}
    tables = {"years": ("_export", RollupTable(by_year, caption=_("Roll-up by year")))}
    for by, rows in grouped.items():
        grouping = GROUPINGS[by]
        table = RollupTable(
            rows,
            group_label=grouping.heading,
            caption=grouping.caption,
            show_year=False,
            link=provider_link if by == "institution" else None,
        )
        tables[by] = (f"_export_{by}", table)
    export = first_export(request, tables, f"costs-{year}")
    if export:
        return export
    return render(
        request,
        "services/costs/overview.html",
        {
            "form": form,
            "year": year,
            "is_national": user.is_coordinator,
            "summary": summary(next((row for row in by_year if row["year"] == year), None)),
            "tables": {key: table for key, (_trigger, table) in tables.items()},
            "triggers": {key: trigger for key, (trigger, _table) in tables.items()},
            "charts": overview_charts(by_year, grouped["sector"], year) if by_year else [],
            "facts": computation_facts(figures),
        },
    )


# --- outliers -------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def outliers(request):
    """The stored figures flagged as outliers against their peers, filtered by year, template, channel and
    direction."""
    user = request.user
    figures = visible_cost_figures(user)
    flagged = figures.filter(is_outlier=True)
    form = OutlierFilterForm(
        request.GET or None,
        years=available_years(figures),
        templates=ServiceTemplate.objects.filter(pk__in=figures.values("template_id")).order_by(localised_name_order()),
        channels=Channel.objects.filter(pk__in=figures.values("channel_id")).order_by("order"),
    )
    rows = form.filter(flagged).select_related("service", "provider", "channel", "template")
    table = OutlierTable(rows)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    export = export_response(request, table, "cost-outliers")
    if export:
        return export
    latest = latest_parameters()
    return render(
        request,
        "services/costs/outliers.html",
        {
            "form": form,
            "filter": {"form": form},
            "filters_active": form.active,
            "table": table,
            "outlier_factor": latest.outlier_factor if latest else None,
        },
    )


# --- channel shift --------------------------------------------------------------------------------------------------


def shift_reason(target):
    if target is not None:
        return _("no known cost per transaction in the chosen digital channel")
    return _("no digital channel with a known cost per transaction")


def channel_shift_lines(figures, institution, year, service, share, target):
    """The channel-shift potential (costing.channel_shift) of each service of `institution` in `year` (or of
    `service` only): one line per service and non-digital channel, the totals and the parameter versions used.
    Each service is computed with the parameters its figures were computed with."""
    rows = (
        figures.filter(provider=institution, year=year, channel__isnull=False)
        .select_related("service", "channel", "parameters")
        .order_by("service__catalogue_id", "channel__order")
    )
    if service is not None:
        rows = rows.filter(service=service)
    by_service = defaultdict(list)
    for row in rows:
        by_service[row.service].append(row)
    lines, potential, moved, versions, without_lines = [], None, 0, set(), []
    for shifted_service, channel_rows in by_service.items():
        parameters = channel_rows[0].parameters
        versions.add(parameters.version)
        target_row, shift, _total = costing.channel_shift(channel_rows, share, parameters, target)
        if not shift:
            without_lines.append(shifted_service)
        for line in shift:
            known = line.potential is not None
            lines.append(
                {
                    "catalogue_id": shifted_service.catalogue_id,
                    "service": shifted_service.name,
                    "channel": line.channel.name,
                    "transactions": line.transactions,
                    "moved": share * line.transactions if known else None,
                    "cost_per_transaction": line.cpt,
                    "estimated": line.estimated,
                    "target": target_row.channel.name if target_row else "",
                    "target_cost_per_transaction": target_row.cost_per_transaction if target_row else None,
                    "potential": line.potential,
                    "reason": "" if known else shift_reason(target),
                }
            )
            if known:
                potential = line.potential if potential is None else potential + line.potential
                moved += share * line.transactions
    return {
        "lines": lines,
        "potential": potential,
        "moved": moved,
        "versions": sorted(versions),
        "without_lines": without_lines,
        "estimated": any(line["estimated"] for line in lines),
    }


@login_required
@require_GET
def channel_shift(request):
    """The channel-shift calculator: what moving a share of each non-digital channel's transactions to a digital
    channel would save, per service and channel of one institution in one year."""
    user = request.user
    figures = visible_cost_figures(user)
    institutions = (
        visible_institutions(user)
        .filter(Exists(CostFigure.objects.filter(provider=OuterRef("pk"))))
        .order_by(localised_name_order())
    )
    # The services to choose from are those of the chosen institution: none before one is chosen.
    services = Service.objects.none()
    chosen = request.GET.get("institution", "")
    if chosen.isascii() and chosen.isdigit():  # "²" is a digit to str.isdigit() but not to int()
        at_institution = figures.filter(provider_id=int(request.GET["institution"]), service=OuterRef("pk"))
        services = visible_services(user).filter(Exists(at_institution)).order_by("catalogue_id")
    form = ChannelShiftForm(
        request.GET or None, institutions=institutions, years=available_years(figures), services=services
    )
    result, table = None, None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = channel_shift_lines(
            figures, data["institution"], data["year"], data["service"], form.share_fraction, data["target"]
        )
        table = ChannelShiftTable(result["lines"])
        export = export_response(request, table, f"channel-shift-{data['institution'].short_name}-{data['year']}")
        if export:
            return export
    return render(
        request,
        "services/costs/channel_shift.html",
        {"form": form, "result": result, "table": table, "has_institutions": institutions.exists()},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- parameters -----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def parameters(request):
    """Every parameter version; the coordinator saves a new one (with its reason), which schedules a full
    recomputation. Others read."""
    user = request.user
    if request.method == "POST" and not user.is_coordinator:
        raise PermissionDenied(_("Only the coordinator may change the costing parameters."))
    table = CostParametersTable(CostParameters.objects.select_related("created_by"))
    export = export_response(request, table, "cost-parameters")
    if export:
        return export
    form = None
    if user.is_coordinator:
        latest = latest_parameters()
        initial = {name: getattr(latest, name) for name in costing.PARAMETER_FIELDS} if latest else None
        form = CostParametersForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            saved = costing.save_parameters(form.cleaned_data, user=user, note=form.cleaned_data["note"])
            messages.success(
                request,
                _("Parameter version %(version)s was saved; a full recomputation of the cost figures is scheduled.")
                % {"version": saved.version},
            )
            return redirect("services:cost-parameters")
    return render(
        request,
        "services/costs/parameters.html",
        {"table": table, "form": form, "latest": latest_parameters()},
        status=400 if form is not None and form.errors else 200,
    )


# --- recomputations ----------------------------------------------------------------------------------------------


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
def recomputations(request):
    """The coordinator's recomputations: start a full one, follow the jobs' progress, read their errors."""
    require_coordinator(request.user)
    if request.method == "POST":
        job = costing.request_full(user=request.user, reason=ON_DEMAND)
        requested_message(request, job)
        return redirect("services:cost-recomputations")
    table = CostRecomputationTable(CostRecomputation.objects.select_related("parameters", "requested_by"))
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    export = export_response(request, table, "cost-recomputations")
    if export:
        return export
    return render(request, "services/costs/recomputations.html", {"table": table, "latest": latest_parameters()})


@login_required
@require_GET
def recomputation_status(request, pk):
    require_coordinator(request.user)
    return JsonResponse(recomputation_progress(get_object_or_404(CostRecomputation, pk=pk)))
