"""The list of centres and the centre page: hours, desks and their common window in a month, premises, status
history, figures over the periods, the hourly × weekday heatmap, the cost per service and band against the
network's average, the legal-person share, satisfaction scores and the contacts of each day of a month."""

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from institutions.views import RegistryListView
from reports.charts import Series, line_chart, number_formatter

from .. import network
from ..filtersets import CentreFilterSet
from ..forms import MonthForm
from ..models import (
    Centre,
    CentreFigure,
    CentreHourlyFigure,
    ContactFigure,
    ContactType,
    PeriodSummary,
    ReportingPeriod,
    Weekday,
)
from ..scoping import can_edit_centre, visible_centres
from ..tables import (
    CentrePeriodTable,
    CentreTable,
    DayFiguresTable,
    DeskTable,
    HourlyTable,
    OpeningHoursTable,
    ScoreTable,
    StatusHistoryTable,
)
from .common import first_export, render_page

DEFAULT_HOURS = range(8, 18)  # the heatmap's columns when a period has no hourly figures
HEAT_RGB = (31, 74, 135)  # the charts' blue (reports/charts.py PALETTE[0])


class CentreListView(RegistryListView):
    filterset_class = CentreFilterSet
    table_class = CentreTable
    template_name = "vpvkac/centre_list.html"
    export_name = "vpvkac-centres"
    checkbox_fields = ("tier", "status")

    def get_queryset(self):
        return visible_centres(self.request.user, Centre.objects.select_related("municipality"))


# --- reads of the centre page ------------------------------------------------------------------------------------


def period_figures(centre):
    """The centre's stored figures in every period, oldest first, each with the period's A as `average`."""
    rows = list(CentreFigure.objects.filter(centre=centre).select_related("period").order_by("period__first_day"))
    averages = dict(
        PeriodSummary.objects.filter(period__in=[row.period_id for row in rows]).values_list("period_id", "average")
    )
    for row in rows:
        row.average = averages.get(row.period_id)
    return rows


def heatmap(rows):
    """In-person visits by weekday (rows) and hour (columns) of CentreHourlyFigure rows, each cell with its share
    of the busiest slot (for the shading) and of all visits (seed 001 F10)."""
    visits = defaultdict(int)
    for row in rows:
        visits[(row.weekday, row.hour)] += row.visits
    hours = range(min(h for _d, h in visits), max(h for _d, h in visits) + 1) if visits else DEFAULT_HOURS
    busiest = max(visits.values(), default=0)
    total = sum(visits.values())
    grid = []
    for weekday in Weekday:
        cells = []
        for hour in hours:
            value = visits.get((weekday.value, hour), 0)
            intensity = value / busiest if busiest else 0
            cells.append(
                {
                    "hour": hour,
                    "visits": value,
                    "share": value / total if total else None,
                    "background": f"rgba({HEAT_RGB[0]}, {HEAT_RGB[1]}, {HEAT_RGB[2]}, {0.08 + 0.85 * intensity:.2f})"
                    if value
                    else "transparent",
                    "dark": intensity > 0.5,
                }
            )
        grid.append({"weekday": weekday, "cells": cells, "total": sum(c["visits"] for c in cells)})
    flat = [
        {"weekday": w, "hour": h, "visits": v, "share": v / total if total else None}
        for (w, h), v in sorted(visits.items())
    ]
    return {"hours": list(hours), "rows": grid, "total": total, "flat": flat, "busiest": busiest}


def day_figures(centre, year, month):
    """The centre's contacts on each day of the month by contact type (one aggregate query); totals over a span
    of days are not a day's figures and stay out."""
    days = network.month_days(year, month)
    sums = (
        ContactFigure.objects.filter(centre=centre, date__gte=days[0], date__lte=days[-1], date_to__isnull=True)
        .values("date", "contact_type")
        .annotate(total=Sum("count"))
        .order_by("date")
    )
    rows = {}
    for row in sums:
        day = rows.setdefault(row["date"], {"date": row["date"], "total": 0})
        day[row["contact_type"]] = row["total"]
        day["total"] += row["total"]
    return list(rows.values())


def figures_chart(rows):
    labels = [row.period.name for row in rows]
    return line_chart(
        _("Services and consultations by period"),
        labels,
        [
            Series(_("Services"), [row.services for row in rows]),
            Series(_("Consultations"), [row.consultations for row in rows]),
        ],
        category_label=_("Period"),
        formatter=number_formatter(0),
    )


def cost_against_network(row):
    """The latest period's cost per service against the network's A: the ratio cost / A."""
    if row is None or row.cost_per_service is None or not row.average:
        return None
    return row.cost_per_service / row.average


@login_required
@require_GET
def centre_detail(request, code):
    user = request.user
    centre = get_object_or_404(
        visible_centres(user, Centre.objects.select_related("municipality__successor", "settlement")), code=code
    )
    figures = period_figures(centre)
    hourly_periods = ReportingPeriod.objects.filter(
        pk__in=CentreHourlyFigure.objects.filter(centre=centre).values("period_id")
    ).order_by("-last_day", "-first_day")
    form = MonthForm(request.GET or None, periods=hourly_periods)
    period = form.chosen_period()
    year, month = form.chosen_month()
    grid = heatmap(CentreHourlyFigure.objects.filter(centre=centre, period=period) if period else [])
    days = day_figures(centre, year, month)
    desks = list(centre.desks.select_related("institution").prefetch_related("schedules"))

    tables = {
        "periods": ("_export", CentrePeriodTable(list(reversed(figures)))),
        "days": ("_export_days", DayFiguresTable(days)),
        "hourly": ("_export_hourly", HourlyTable(grid["flat"])),
        "scores": ("_export_scores", ScoreTable(centre.scores.select_related("period").order_by("-period__first_day"))),
        "history": ("_export_history", StatusHistoryTable(centre.status_changes.select_related("changed_by"))),
        "desks": ("_export_desks", DeskTable(desks)),
        "hours": ("_export_hours", OpeningHoursTable(centre.opening_hours.all())),
    }
    export = first_export(request, tables, f"vpvkac-{centre.code}")
    if export:
        return export

    latest = figures[-1] if figures else None
    legal = next((row for row in reversed(figures) if row.recorded_client_visits), None)
    return render_page(
        request,
        "vpvkac/centre_detail.html",
        {
            "centre": centre,
            "form": form,
            "tables": {key: table for key, (_trigger, table) in tables.items()},
            "triggers": {key: trigger for key, (trigger, _table) in tables.items()},
            "latest": latest,
            "ratio": cost_against_network(latest),
            "legal": legal,
            "chart": figures_chart(figures) if len(figures) > 0 else None,
            "heatmap": grid,
            "heat_period": period,
            "year": year,
            "month": month,
            "month_value": f"{year:04d}-{month:02d}",
            "windows": network.desk_overlap(centre, year, month),
            "specialist_desks": sum(1 for desk in desks if desk.presence == "specialist"),
            "may_edit": can_edit_centre(user, centre),
            "contact_types": ContactType,
        },
    )
