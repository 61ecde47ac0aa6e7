"""The grants of the network: the list of grants paid per period, kind and recipient, and the grant model
simulator beside the current allocation."""

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from institutions.views import RegistryListView
from reports.charts import Series, grouped_bar_chart, number_formatter

from ..filtersets import GrantFilterSet
from ..forms import GrantSimulationForm
from ..grants import simulate
from ..models import RUNNING_GRANT_KINDS, Grant
from ..scoping import visible_centres
from ..tables import GrantSimulationTable, GrantTable
from .common import computed_periods, export_response, render_page
from .scopes import visible_grants


class GrantListView(RegistryListView):
    filterset_class = GrantFilterSet
    table_class = GrantTable
    template_name = "vpvkac/grant_list.html"
    export_name = "vpvkac-grants"
    checkbox_fields = ("kind",)

    def get_queryset(self):
        return visible_grants(self.request.user, Grant.objects.select_related("period", "municipality", "centre"))


# --- the grant model simulator -----------------------------------------------------------------------------------


def current_running_total(period):
    """The maintenance and salary grants paid in the period (EUR), the simulator's default budget."""
    return Grant.objects.filter(period=period, kind__in=RUNNING_GRANT_KINDS).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)


def municipality_chart(rows):
    """Current and simulated grants summed per municipality (the rows shown)."""
    totals = defaultdict(lambda: [Decimal(0), Decimal(0)])
    names = {}
    for row in rows:
        names[row.municipality_id] = row.centre.municipality.name
        totals[row.municipality_id][0] += row.current_grant
        totals[row.municipality_id][1] += row.simulated_grant
    order = sorted(totals, key=lambda pk: names[pk].casefold())
    return grouped_bar_chart(
        _("Current and simulated grants by municipality"),
        [names[pk] for pk in order],
        [
            Series(_("Current grant (EUR)"), [float(totals[pk][0]) for pk in order]),
            Series(_("Simulated grant (EUR)"), [float(totals[pk][1]) for pk in order]),
        ],
        category_label=_("Municipality"),
        formatter=number_formatter(0),
    )


@login_required
@require_GET
def grant_simulator(request):
    """Allocate a budget across the centres of a period by weights on services, consultations and satisfaction
    results (vpvkac/grants.py simulate), beside the grants paid today. The allocation is the network's; the table
    holds the centres the reader may see."""
    user = request.user
    periods = list(computed_periods())
    form = GrantSimulationForm(request.GET if "period" in request.GET else None, periods=periods)
    period = form.chosen_period()
    simulation, table, chart, error = None, None, None, None
    if period is not None and (not form.is_bound or form.is_valid()):
        data = form.cleaned_data if form.is_bound else {}
        budget = data.get("budget")
        if budget is None:
            budget = current_running_total(period)
        weights = (
            form.weights()
            if form.is_bound
            else {name: form.fields[f"weight_{name}"].initial for name in ("services", "consultations", "kpi")}
        )
        try:
            simulation = simulate(budget, weights, period, data.get("cap"))
        except ValueError as problem:
            error = str(problem)
        else:
            visible = set(visible_centres(user).values_list("pk", flat=True))
            rows = [row for row in simulation.rows if row.centre.pk in visible]
            table = GrantSimulationTable(rows)
            export = export_response(request, table, f"vpvkac-grant-simulation-{period.code}")
            if export:
                return export
            chart = municipality_chart(rows) if rows else None
    return render_page(
        request,
        "vpvkac/grant_simulator.html",
        {
            "form": form,
            "period": period,
            "simulation": simulation,
            "table": table,
            "chart": chart,
            "error": error,
            "shown": len(table.rows) if table is not None else 0,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
