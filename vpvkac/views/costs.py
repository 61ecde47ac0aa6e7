"""The network overview: cost per service per municipality and per centre in a period, with the bands of the
chosen average A (seed 001 F3–F4). Everything is read from the stored results (vpvkac/network.py writes them);
a different A only re-draws the bands of the stored costs, it never recomputes them.

The band counts are the network's (the municipalities the average is drawn over, as PeriodSummary counts them);
the tables hold the rows the reader may see."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from institutions.models import DevelopmentTier
from reports.charts import bar_chart, number_formatter

from ..forms import CostViewForm
from ..models import AverageMode, CentreFigure, CostBand, MunicipalityFigure
from ..network import cost_band
from ..scoping import scope_by_centre
from ..tables import CentreCostTable, MunicipalityCostTable
from .common import computed_periods, first_export, render_page
from .scopes import visible_municipality_figures


def chosen_average(summary, mode):
    """A of the period under `mode` (None: the stored one), from the stored candidates."""
    if mode is None:
        return summary.average
    return {
        AverageMode.FIXED: summary.parameters.fixed_average,
        AverageMode.MEAN: summary.mean,
        AverageMode.MEDIAN: summary.median,
        AverageMode.WEIGHTED: summary.weighted_mean,
    }[mode]


def band_counts(summary, average):
    """Municipalities of the period in each band under `average`: the stored counts for the stored A, otherwise
    one aggregate over the municipalities the average is drawn from (local tier only, if the parameters say so)."""
    if average == summary.average:
        return {
            CostBand.AT_OR_BELOW: summary.at_or_below,
            CostBand.ABOVE: summary.above,
            CostBand.VERY_HIGH: summary.very_high,
        }
    rows = MunicipalityFigure.objects.filter(period_id=summary.period_id, cost_per_service__isnull=False)
    if summary.parameters.average_local_tier_only:
        rows = rows.filter(tier=DevelopmentTier.LOCAL)
    if average is None:
        return {band: 0 for band in CostBand.values}
    counts = rows.aggregate(
        at_or_below=Count("pk", filter=Q(cost_per_service__lte=average)),
        above=Count("pk", filter=Q(cost_per_service__gt=average, cost_per_service__lte=2 * average)),
        very_high=Count("pk", filter=Q(cost_per_service__gt=2 * average)),
    )
    return {
        CostBand.AT_OR_BELOW: counts["at_or_below"],
        CostBand.ABOVE: counts["above"],
        CostBand.VERY_HIGH: counts["very_high"],
    }


def with_bands(rows, average, stored):
    """Each row with `shown_band`: its stored band, or the band of its cost under another A."""
    for row in rows:
        row.shown_band = row.band if stored else cost_band(row.cost_per_service, average)
    return rows


@login_required
@require_GET
def costs_page(request):
    user = request.user
    periods = list(computed_periods().select_related("summary__parameters"))
    stored_mode = None
    if periods:
        code = request.GET.get("period")
        first = next((p for p in periods if p.code == code), periods[0])
        stored_mode = first.summary.average_mode
    form = CostViewForm(request.GET or None, periods=periods, stored_mode=stored_mode)
    period = form.chosen_period()
    if period is None:
        return render_page(request, "vpvkac/costs.html", {"form": form, "period": None})

    summary = period.summary
    mode = form.chosen_mode()
    average = chosen_average(summary, mode)
    stored = mode is None
    municipalities = with_bands(
        list(
            visible_municipality_figures(user)
            .filter(period=period)
            .select_related("municipality", "current_municipality")
            .order_by("municipality__name_lv")
        ),
        average,
        stored,
    )
    centres = with_bands(
        list(
            scope_by_centre(user, CentreFigure.objects.filter(period=period))
            .select_related("centre", "municipality")
            .order_by("municipality__name_lv", "centre__name")
        ),
        average,
        stored,
    )
    tables = {
        "municipalities": ("_export", MunicipalityCostTable(municipalities)),
        "centres": ("_export_centres", CentreCostTable(centres)),
    }
    export = first_export(request, tables, f"vpvkac-costs-{period.code}")
    if export:
        return export

    counts = band_counts(summary, average)
    labels = {
        CostBand.AT_OR_BELOW: _("≤ A"),
        CostBand.ABOVE: _("A < x ≤ 2A"),
        CostBand.VERY_HIGH: _("> 2A"),
    }
    chart = bar_chart(
        _("Municipalities by cost band, %(period)s") % {"period": period.name},
        [labels[band] for band in CostBand.values],
        [counts[band] for band in CostBand.values],
        category_label=_("Cost band"),
        value_label=_("Municipalities"),
        formatter=number_formatter(0),
    )
    return render_page(
        request,
        "vpvkac/costs.html",
        {
            "form": form,
            "period": period,
            "summary": summary,
            "average": average,
            "mode_label": AverageMode(mode).label if mode else AverageMode(summary.average_mode).label,
            "stored": stored,
            "counts": [(CostBand(band).label, labels[band], counts[band]) for band in CostBand.values],
            "counted": sum(counts.values()),
            "chart": chart,
            "tables": {key: table for key, (_trigger, table) in tables.items()},
            "triggers": {key: trigger for key, (trigger, _table) in tables.items()},
            "published_count": sum(1 for row in municipalities if row.published_cost_per_service is not None),
        },
    )
