"""The reads behind the dashboards: the coordinator's national overview, the institution and municipality
profiles, and the comparison of organisations on one measure.

Nothing is computed here that a module computes already; each panel reads that module's own figures:

- E-index: the stored scores (assessments/scoring.py) as assessments/results.py arranges them — averages by peer
  group, organisations per level, an organisation's score in each round with its level, trend and rank.
- Cost per transaction and digital take-up: the stored cost figures rolled up by services/costing.rollup (sums
  first, then the ratio), read through services.scoping.visible_cost_figures.
- VPVKAC: the stored network results (vpvkac/network.py): PeriodSummary for the network, rollup_to_current for a
  municipality's centres, CentreFigure for a centre; bands by network.cost_band.
- Plans: counts by status, execution share and overdue rows of workplans/progress.py.

Each panel is a table (the rows, exported as CSV and XLSX and written into the profile PDFs), the charts drawn
from the same rows, and a link to the module's own page with the detail. Every function reads with a fixed
number of queries, whatever the number of rows (a municipality's network figures: one query per period, for
at most MAX_NETWORK_PERIODS periods).

Who sees what:

- The national overview is the coordinator's (sees_national_overview). Anyone else is shown the profiles they
  may open instead, and no national figure.
- An institution profile: whoever may see the institution (institutions.scoping.visible_institutions); 404
  for anyone else. Each panel reads through its module's scoping, so it holds no more than that module's pages
  show the same reader.
- A municipality profile: the coordinator, and whoever may see the municipality's own institution (the body of
  type "municipality") — visible_municipalities.
- The comparison: rows only for organisations the reader may see; the median of a peer group may be drawn over
  organisations the reader does not see, and is shown to anyone but the coordinator only when at least
  services.scoping.MIN_PEERS_DISCLOSED organisations have a value (the privacy rule of the cost figures).
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Count, Exists, ExpressionWrapper, Min, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessments import results, scoring, workflow
from assessments.models import Assessment, Family, Round, Score
from assessments.results_views import distribution_chart, group_chart
from assessments.tables import DistributionTable, GroupAverageTable, distribution_rows, group_average_rows
from institutions.models import Institution, InstitutionGroup, InstitutionType, Municipality, MunicipalityKind
from institutions.scoping import visible_institutions
from institutions.tables import localised_name_order, yes_no
from reports.charts import (
    Series,
    bar_chart,
    grouped_bar_chart,
    line_chart,
    number_formatter,
    percent_formatter,
    stacked_bar_chart,
)
from services import costing
from services.costing_tables import InstitutionServicesTable, RollupTable, measure_value
from services.models import CostFigure, MissingReason, Service
from services.scoping import MIN_PEERS_DISCLOSED, visible_cost_figures, visible_services
from vpvkac import network
from vpvkac.models import Centre, CentreFigure, CostBand, Desk, PeriodSummary
from vpvkac.scoping import visible_centres
from vpvkac.views.common import computed_periods
from vpvkac.views.scopes import visible_municipality_figures
from workplans import progress
from workplans.models import ImprovementItem, ImprovementPlan, Obligation, Plan
from workplans.plan_views import status_series
from workplans.scoping import visible_improvement_plans, visible_obligations
from workplans.tables import OverdueObligationTable

from .tables import (
    CatalogueTable,
    CentreFiguresTable,
    ComparisonTable,
    DeskTable,
    EIndexTrendTable,
    ImprovementItemsTable,
    MunicipalityNetworkTable,
    NetworkPeriodTable,
    OrganisationTable,
    OverdueByInstitutionTable,
    StatusCountTable,
)

EINDEX_FAMILIES = (Family.EINDEX_INSTITUTION, Family.EINDEX_MUNICIPALITY)
MAX_NETWORK_PERIODS = 8  # a municipality profile reads the latest this many periods, one roll-up query each
OVERDUE_CHART_ROWS = 15  # the overdue chart names the institutions with the most overdue obligations; the table all
BAND_LABELS = {
    CostBand.AT_OR_BELOW: gettext_lazy("≤ A"),
    CostBand.ABOVE: gettext_lazy("A < x ≤ 2A"),
    CostBand.VERY_HIGH: gettext_lazy("> 2A"),
}
money = number_formatter(2)
score_format = number_formatter(1)
share_format = percent_formatter(1)


@dataclass
class Panel:
    """One figure of a page: its table (the rows, exported as `?_export_<key>=csv|xlsx`), the charts drawn from
    the same rows, a link (label, address) to the module's page with the detail, and what to say without rows."""

    key: str
    title: str
    table: object
    charts: list = field(default_factory=list)
    link: tuple | None = None
    note: str = ""
    empty: str = ""

    @property
    def trigger(self):
        return f"_export_{self.key}"

    @property
    def has_rows(self):
        return len(self.table.rows) > 0


@dataclass
class Section:
    key: str
    title: str
    panels: list


def _float(value):
    return None if value is None else float(value)


def _signed_in(user):
    return user is not None and user.is_authenticated and user.is_active


# --- who sees what ------------------------------------------------------------------------------------------------


def sees_national_overview(user):
    return _signed_in(user) and user.is_coordinator


def municipality_bodies(queryset=None):
    """The institutions that are municipalities themselves (type "municipality", with their municipality set)."""
    queryset = Institution.objects.all() if queryset is None else queryset
    return queryset.filter(institution_type=InstitutionType.MUNICIPALITY, municipality__isnull=False)


def visible_municipalities(user, queryset=None):
    """The municipalities whose profile `user` may open: all for the coordinator; otherwise those whose own
    institution the user may see."""
    queryset = Municipality.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(pk__in=municipality_bodies(visible_institutions(user)).values("municipality_id"))


def merged_into(municipality):
    """The ids of `municipality` and of every former municipality whose successor chain ends at it (one query)."""
    successors = dict(Municipality.objects.values_list("pk", "successor_id"))

    def today(pk):
        seen = set()
        while successors.get(pk) and pk not in seen:
            seen.add(pk)
            pk = successors[pk]
        return pk

    return sorted(pk for pk in successors if today(pk) == municipality.pk)


# --- shared panels ------------------------------------------------------------------------------------------------


def cost_trend_charts(by_year, subject):
    """Cost per transaction and digital take-up of `subject` over the years, from costing.rollup rows."""
    years = [str(row["year"]) for row in by_year]
    return [
        line_chart(
            _("Cost per transaction by year: {subject}").format(subject=subject),
            years,
            [Series(_("Cost per transaction (EUR)"), [_float(row["cost_per_transaction"]) for row in by_year])],
            category_label=_("Year"),
            formatter=money,
        ),
        line_chart(
            _("Digital take-up by year: {subject}").format(subject=subject),
            years,
            [Series(_("Digital take-up"), [_float(row["digital_takeup"]) for row in by_year])],
            category_label=_("Year"),
            formatter=share_format,
            axis_formatter=percent_formatter(0),
            max_value=1,
        ),
    ]


def cost_trend_panel(by_year, subject, link, note=""):
    return Panel(
        key="costs",
        title=_("Digital take-up and cost per transaction by year"),
        table=RollupTable(by_year, caption=_("Cost figures by year")),
        charts=cost_trend_charts(by_year, subject) if by_year else [],
        link=link,
        note=note
        or _("Costs and transactions are summed first and divided afterwards; a year without a value shows “—”."),
        empty=_("No cost figures have been computed yet."),
    )


def status_count_chart(title, rows):
    return stacked_bar_chart(
        title,
        [row["code"] for row in rows],
        status_series([row["counts"] for row in rows]),
        category_label=_("Plan"),
    )


# --- the national overview: E-index --------------------------------------------------------------------------------


def latest_counted_round(family):
    """The latest round (year, then when it was opened) of a methodology family with a counted assessment."""
    counted = scoring.counted_assessments().filter(round=OuterRef("pk"))
    return (
        Round.objects.filter(methodology__family=family)
        .filter(Exists(counted))
        .select_related("methodology")
        .order_by("-year", "-opened_at", "-pk")
        .first()
    )


EINDEX_PANELS = {
    Family.EINDEX_INSTITUTION: ("institutions", "sector", gettext_lazy("Ministry sector")),
    Family.EINDEX_MUNICIPALITY: ("municipalities", "tier", gettext_lazy("Development-centre tier")),
}


def eindex_panels(user, family):
    """The latest counted round of an E-index family: average scores by peer group (ministry sector for
    institutions, development-centre tier for municipalities) and organisations per maturity level
    (results.group_averages, results.level_distribution)."""
    short, by, heading = EINDEX_PANELS[family]
    family_label = Family(family).label
    round_ = latest_counted_round(family)
    if round_ is None:
        return [
            Panel(
                key=f"eindex_{short}",
                title=str(family_label),
                table=GroupAverageTable([], areas=[]),
                empty=_("No round of this methodology family has submitted or approved assessments yet."),
            )
        ]
    reader = results.reader_of(user, round_)
    link = (_("Results of the round"), reverse("assessments:round-results", args=[round_.pk]))
    note = _("Round: {round}. Only submitted and approved assessments count.").format(round=round_.name)
    averages = results.group_averages(round_, reader, by)
    averages_title = _("{family}: average overall score by peer group").format(family=family_label)
    distribution = results.level_distribution(round_, reader)
    return [
        Panel(
            key=f"eindex_groups_{short}",
            title=averages_title,
            table=GroupAverageTable(
                group_average_rows(averages), areas=averages.areas, group_label=heading, caption=averages_title
            ),
            charts=[group_chart(averages_title, averages)],
            link=link,
            note=note,
            empty=_("No peer group has an average yet."),
        ),
        Panel(
            key=f"eindex_levels_{short}",
            title=_("{family}: organisations by maturity level").format(family=family_label),
            table=DistributionTable(distribution_rows(distribution)),
            charts=[distribution_chart(distribution, share=False)],
            link=link,
            note=note,
        ),
    ]


# --- the national overview: costs, the network, plans ---------------------------------------------------------------


def national_cost_panel(user):
    by_year = costing.rollup(visible_cost_figures(user), by="national")
    return cost_trend_panel(
        by_year, _("the whole country"), (_("Cost figures: national overview"), reverse("services:cost-overview"))
    )


def count_by(queryset, field):
    """{value of `field`: the rows of `queryset` with it}, counted in the database."""
    return dict(queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n"))


def volumes_chart(title, labels, services, consultations):
    """Services and consultations at the centres, side by side for each period of `labels`."""
    return grouped_bar_chart(
        title,
        labels,
        [Series(_("Services"), services), Series(_("Consultations"), consultations)],
        category_label=_("Period"),
        formatter=number_formatter(0),
    )


def network_panel():
    """Services and consultations at the centres in each computed period and the municipalities per cost band
    (PeriodSummary, as vpvkac/network.py stored it)."""
    summaries = list(PeriodSummary.objects.select_related("period").order_by("period__first_day", "period__last_day"))
    labels = [summary.period.name for summary in summaries]
    charts = []
    if summaries:
        charts = [
            volumes_chart(
                _("Services and consultations at the centres by period"),
                labels,
                [summary.services for summary in summaries],
                [summary.consultations for summary in summaries],
            ),
            stacked_bar_chart(
                _("Municipalities by cost band of the cost per service"),
                labels,
                [
                    Series(str(BAND_LABELS[CostBand.AT_OR_BELOW]), [summary.at_or_below for summary in summaries]),
                    Series(str(BAND_LABELS[CostBand.ABOVE]), [summary.above for summary in summaries]),
                    Series(str(BAND_LABELS[CostBand.VERY_HIGH]), [summary.very_high for summary in summaries]),
                ],
                category_label=_("Period"),
            ),
        ]
    return Panel(
        key="vpvkac",
        title=_("Client service centres: volumes and cost bands"),
        table=NetworkPeriodTable(summaries),
        charts=charts,
        link=(_("Cost per service"), reverse("vpvkac:costs")),
        note=_(
            "Cost per service = (maintenance + salary grants) / services at all the municipality's centres; the "
            "bands are drawn against the period's average A."
        ),
        empty=_("No network results have been computed yet."),
    )


def plan_execution_panel(today):
    """Measures of each plan by status, the execution share (executed / all) and the overdue measures and
    obligations (workplans/progress.py)."""
    plans = list(Plan.objects.order_by("order", "-start_year"))
    counts = progress.execution_by_plan(plans)
    overdue_measures = count_by(progress.overdue_measures(today), "action_line__plan_id")
    overdue_obligations = count_by(progress.overdue_obligations(today), "measure__action_line__plan_id")
    rows = [
        {
            "code": plan.code,
            "label": f"{plan.code} {plan.title}",
            "url": reverse("workplans:plan-detail", kwargs={"code": plan.code}),
            "counts": counts[plan.pk],
            "overdue_measures": overdue_measures.get(plan.pk, 0),
            "overdue_obligations": overdue_obligations.get(plan.pk, 0),
        }
        for plan in plans
    ]
    return Panel(
        key="plans",
        title=_("Plan execution"),
        table=StatusCountTable(rows, total_label=_("Measures"), caption=_("Measures of each plan by status")),
        charts=[status_count_chart(_("Measures by status and plan"), rows)] if rows else [],
        link=(_("Plans"), reverse("workplans:plan-list")),
        note=_(
            "Execution share = executed / all measures; measures that lost relevance are counted among those not "
            "executed. Overdue: the deadline has passed and the status is not final."
        ),
        empty=_("No plans yet."),
    )


def overdue_panel(user, today):
    """Overdue obligations (progress.overdue_obligations) counted by institution, the most first."""
    grouped = (
        progress.overdue_obligations(today, queryset=visible_obligations(user))
        .order_by()
        .values("institution_id")
        .annotate(n=Count("pk"), earliest=Min("due_date"))
    )
    counts = {row["institution_id"]: row for row in grouped}
    institutions = Institution.objects.in_bulk(list(counts))
    rows = sorted(
        (
            {
                "label": institutions[pk].name,
                "url": reverse("reports:institution-profile", args=[pk]),
                "short_name": institutions[pk].short_name,
                "overdue": row["n"],
                "earliest": row["earliest"],
                "days_late": (today - row["earliest"]).days,
            }
            for pk, row in counts.items()
        ),
        key=lambda row: (-row["overdue"], row["label"].casefold()),
    )
    charted = rows[:OVERDUE_CHART_ROWS]
    charts = []
    if rows:
        charts = [
            bar_chart(
                _("Institutions with the most overdue obligations"),
                [row["short_name"] for row in charted],
                [row["overdue"] for row in charted],
                category_label=_("Institution"),
                value_label=_("Overdue obligations"),
                max_value=5,  # an axis of whole numbers when every count is small
            )
        ]
    return Panel(
        key="overdue",
        title=_("Overdue obligations by institution"),
        table=OverdueByInstitutionTable(rows),
        charts=charts,
        link=(_("Overdue measures and obligations"), reverse("workplans:overdue")),
        note=_("The chart names the {count} institutions with the most; the table lists every one.").format(
            count=OVERDUE_CHART_ROWS
        ),
        empty=_("No obligation is overdue."),
    )


def national_overview(user, today):
    """The coordinator's morning page: every section of the national overview."""
    return [
        Section(
            "eindex",
            _("E-index: digital maturity"),
            [panel for family in EINDEX_FAMILIES for panel in eindex_panels(user, family)],
        ),
        Section("costs", _("Digital take-up and cost per transaction"), [national_cost_panel(user)]),
        Section("vpvkac", _("Client service centres (VPVKAC)"), [network_panel()]),
        Section("plans", _("Plans and obligations"), [plan_execution_panel(today), overdue_panel(user, today)]),
    ]


# --- profiles: panels of one organisation ---------------------------------------------------------------------------


@dataclass
class Fact:
    label: str
    value: str
    url: str = ""


@dataclass
class Profile:
    """Everything the platform knows about one organisation, as the reader may see it."""

    kind: str  # "institution" or "municipality"
    subject: object
    title: str
    facts: list
    panels: list
    is_demo: bool = False

    def panel(self, key):
        return next(panel for panel in self.panels if panel.key == key)


def catalogue_panel(user, institution):
    """The catalogue entries the institution holds or provides, as the reader may see them."""
    provides = Service.providers.through.objects.filter(service_id=OuterRef("pk"), institution_id=institution.pk)
    services = (
        visible_services(user)
        .filter(Q(holder=institution) | Exists(provides))
        .annotate(is_holder=ExpressionWrapper(Q(holder=institution), output_field=models.BooleanField()))
        .order_by("catalogue_id")
    )
    return Panel(
        key="catalogue",
        title=_("Services in the catalogue"),
        table=CatalogueTable(services),
        link=(_("The catalogue"), reverse("services:service-list")),
        empty=_("The institution holds and provides no service in the catalogue."),
    )


def services_panel(user, institution):
    """The stored cost figures of each service the institution provides, in the latest year it has figures."""
    figures = visible_cost_figures(user).filter(provider=institution)
    year = figures.order_by("-year").values_list("year", flat=True).first()
    rows = []
    if year is not None:
        rows = list(
            figures.filter(year=year, channel__isnull=True)
            .select_related("service", "provider")
            .order_by("service__catalogue_id")
        )
    charts = []
    if rows:
        charts = [
            bar_chart(
                _("Cost per transaction by service, {year}").format(year=year),
                [f"{row.service.catalogue_id} {row.service.name}" for row in rows],
                [_float(measure_value(row, "cost_per_transaction")) for row in rows],
                category_label=_("Service"),
                value_label=_("Cost per transaction (EUR)"),
                formatter=money,
            )
        ]
    link = None
    if year is not None:
        url = reverse("services:cost-provider", kwargs={"pk": institution.pk}) + f"?year={year}"
        link = (_("Cost figures of the institution"), url)
    title = _("Services and their figures")
    if year is not None:
        title = _("Services and their figures, {year}").format(year=year)
    return Panel(
        key="services",
        title=title,
        table=InstitutionServicesTable(rows),
        charts=charts,
        link=link,
        empty=_("No cost figures have been computed for this institution yet."),
    )


def eindex_trend_panel(user, institution):
    """The organisation's overall E-index score in every round it was counted in: level, change against its
    previous round, trend and rank as scoring.py stored them."""
    counted = scoring.counted_assessments(
        Assessment.objects.filter(institution=institution, round__methodology__family__in=EINDEX_FAMILIES)
    )
    scores = list(
        Score.objects.filter(area__isnull=True, assessment__in=workflow.visible_assessments(user, counted))
        .select_related("assessment__round__methodology")
        .order_by("assessment__round__year", "assessment__round__opened_at", "assessment__round_id")
    )
    labels = results.peer_group_labels({score.peer_group for score in scores if score.peer_group})
    rows = [
        {
            "round": score.assessment.round.name,
            "url": reverse("assessments:results", args=[score.assessment_id]),
            "year": score.assessment.round.year,
            "methodology": str(score.assessment.round.methodology),
            "status": score.assessment.get_status_display(),
            "score": _float(score.score),
            "level": score.level,
            "change": results.difference(score.score, score.previous_score),
            "trend": score.trend,
            "new_level": score.new_level,
            "rank": score.rank,
            "peer_group": labels.get(score.peer_group, ""),
        }
        for score in scores
    ]
    years = [str(row["year"]) for row in rows]
    # Two rounds of one year are told apart by their names.
    categories = [row["round"] if years.count(str(row["year"])) > 1 else str(row["year"]) for row in rows]
    charts = []
    if rows:
        charts = [
            line_chart(
                _("Overall E-index score by round: {organisation}").format(organisation=institution.short_name),
                categories,
                [Series(_("Overall score"), [row["score"] for row in rows])],
                category_label=_("Round"),
                formatter=score_format,
                max_value=100,
            )
        ]
    link = (_("Results of the latest round"), rows[-1]["url"]) if rows else None
    return Panel(
        key="eindex",
        title=_("E-index results and trend"),
        table=EIndexTrendTable(rows),
        charts=charts,
        link=link,
        note=_(
            "Only submitted and approved assessments count. ↑ or ↓: the score changed by more than five points "
            "since the previous round; ☆: a level reached for the first time."
        ),
        empty=_("No submitted or approved E-index assessment yet."),
    )


def obligations_panel(user, institution, today):
    """The institution's obligations under each plan, counted by status, with the execution share and the
    overdue ones (workplans/progress.py)."""
    obligations = visible_obligations(user, Obligation.objects.filter(institution=institution))
    counts = defaultdict(progress.StatusCounts)
    for row in obligations.order_by().values("measure__action_line__plan_id", "status").annotate(n=Count("pk")):
        counts[row["measure__action_line__plan_id"]].by_status[row["status"]] += row["n"]
    overdue = count_by(progress.overdue_obligations(today, queryset=obligations), "measure__action_line__plan_id")
    plans = sorted(Plan.objects.in_bulk(list(counts)).values(), key=lambda plan: (plan.order, -plan.start_year))
    rows = [
        {
            "code": plan.code,
            "label": f"{plan.code} {plan.title}",
            "url": reverse(
                "workplans:institution-obligations", kwargs={"institution_pk": institution.pk, "plan_code": plan.code}
            ),
            "counts": counts[plan.pk],
            "overdue_obligations": overdue.get(plan.pk, 0),
        }
        for plan in plans
    ]
    return Panel(
        key="obligations",
        title=_("Obligations under the plans"),
        table=StatusCountTable(
            rows,
            total_label=_("Obligations"),
            with_overdue_measures=False,
            caption=_("Obligations of the institution by plan and status"),
        ),
        charts=[status_count_chart(_("Obligations by status and plan"), rows)] if rows else [],
        link=(rows[0]["label"], rows[0]["url"]) if len(rows) == 1 else None,
        note=_("Execution share = executed / all obligations. Each plan's name leads to the obligations page."),
        empty=_("The institution has no obligation under a plan."),
    )


def overdue_obligations_panel(user, institution, today):
    obligations = progress.overdue_obligations(
        today, queryset=visible_obligations(user, Obligation.objects.filter(institution=institution))
    )
    return Panel(
        key="overdue",
        title=_("Overdue obligations"),
        table=OverdueObligationTable(obligations, today=today, exclude=("institution",)),
        empty=_("No obligation is overdue."),
    )


def improvement_panel(user, institution):
    """The items of the institution's latest improvement plan of each plan, and their funding by source."""
    versions = visible_improvement_plans(user, ImprovementPlan.objects.filter(institution=institution)).order_by(
        "plan__order", "plan_id", "-version"
    )
    latest = {}
    for improvement_plan in versions.select_related("plan"):
        latest.setdefault(improvement_plan.plan_id, improvement_plan)
    items = list(
        ImprovementItem.objects.filter(improvement_plan__in=[plan.pk for plan in latest.values()])
        .select_related("improvement_plan__plan")
        .order_by("improvement_plan__plan__order", "improvement_plan__plan_id", "order", "pk")
    )
    funding = Counter()
    for item in items:
        funding[item.get_funding_source_display()] += item.amount or Decimal(0)
    charts = []
    if any(funding.values()):
        charts = [
            bar_chart(
                _("Improvement plan funding by source"),
                list(funding),
                [float(amount) for amount in funding.values()],
                category_label=_("Funding source"),
                value_label=_("Amount (EUR)"),
                formatter=money,
            )
        ]
    notes = [
        _("{plan}: version {version}, {status}").format(
            plan=improvement_plan.plan.code,
            version=improvement_plan.version,
            status=improvement_plan.get_status_display(),
        )
        for improvement_plan in latest.values()
    ]
    link = None
    if latest:
        first = next(iter(latest.values()))
        url = reverse(
            "workplans:improvement-plan", kwargs={"institution_pk": institution.pk, "plan_code": first.plan.code}
        )
        link = (_("Improvement plan"), url)
    return Panel(
        key="improvement",
        title=_("Individual improvement plan"),
        table=ImprovementItemsTable(items),
        charts=charts,
        link=link,
        note="; ".join(notes),
        empty=_("No improvement plan yet."),
    )


def desks_panel(user, institution):
    """The centres where the institution has a desk; a centre the reader may open is linked."""
    desks = list(Desk.objects.filter(institution=institution).select_related("centre__municipality"))
    openable = set(
        visible_centres(user, Centre.objects.filter(pk__in=[desk.centre_id for desk in desks])).values_list(
            "pk", flat=True
        )
    )
    rows = [
        {
            "centre": desk.centre.name,
            "url": reverse("vpvkac:centre-detail", args=[desk.centre.code]) if desk.centre_id in openable else "",
            "municipality": desk.centre.municipality.name,
            "presence": desk.get_presence_display(),
            "minimum_basket": yes_no(desk.minimum_basket),
        }
        for desk in sorted(desks, key=lambda desk: desk.centre.name.casefold())
    ]
    return Panel(
        key="centres",
        title=_("Client service centres"),
        table=DeskTable(rows),
        link=(_("Map and coverage"), reverse("vpvkac:map")),
        empty=_("The institution has no desk at a client service centre."),
    )


def centres_panel(user, municipality):
    """The municipality's centres (and those of the former municipalities merged into it) the reader may see,
    with their figures of the latest computed period."""
    centres = list(
        visible_centres(user, Centre.objects.filter(municipality__in=merged_into(municipality))).order_by("name")
    )
    period = computed_periods().first()
    figures = {}
    if period is not None:
        figures = {
            figure.centre_id: figure
            for figure in CentreFigure.objects.filter(period=period, centre__in=[centre.pk for centre in centres])
        }
    rows = []
    for centre in centres:
        figure = figures.get(centre.pk)
        rows.append(
            {
                "name": centre.name,
                "url": reverse("vpvkac:centre-detail", args=[centre.code]),
                "status": centre.get_status_display(),
                "tier": centre.get_tier_display(),
                "services": figure.services if figure else None,
                "consultations": figure.consultations if figure else None,
                "cost_per_service": figure.cost_per_service if figure else None,
                "band": BAND_LABELS[figure.band] if figure and figure.band else "",
            }
        )
    charted = [row for row in rows if row["services"] is not None]
    charts = []
    if charted:
        charts = [
            bar_chart(
                _("Services by centre, {period}").format(period=period.name),
                [row["name"] for row in charted],
                [row["services"] for row in charted],
                category_label=_("Centre"),
                value_label=_("Services"),
            )
        ]
    title = _("Client service centres")
    if period is not None:
        title = _("Client service centres, {period}").format(period=period.name)
    return Panel(
        key="centres",
        title=title,
        table=CentreFiguresTable(rows),
        charts=charts,
        link=(_("Centres"), reverse("vpvkac:centre-list")),
        empty=_("No client service centre that you may see."),
    )


def municipality_network_panel(user, municipality):
    """The municipality's centres in each computed period (the latest MAX_NETWORK_PERIODS), rolled up to today's
    municipality by network.rollup_to_current, with the band against the period's A."""
    periods = []
    if user.is_coordinator or visible_municipality_figures(user).filter(current_municipality=municipality).exists():
        periods = list(computed_periods().select_related("summary")[:MAX_NETWORK_PERIODS])[::-1]
    rows = []
    for period in periods:
        row = next(
            (row for row in network.rollup_to_current(period) if row["current_municipality_id"] == municipality.pk),
            None,
        )
        if row is None:
            continue
        band = network.cost_band(row["cost_per_service"], period.summary.average)
        rows.append(dict(row, period=period.name, average=period.summary.average, band=BAND_LABELS.get(band, "")))
    charts = []
    if rows:
        labels = [row["period"] for row in rows]
        charts = [
            volumes_chart(
                _("Services and consultations by period: {municipality}").format(municipality=municipality.name),
                labels,
                [row["services"] for row in rows],
                [row["consultations"] for row in rows],
            ),
            line_chart(
                _("Cost per service by period: {municipality}").format(municipality=municipality.name),
                labels,
                [
                    Series(_("Cost per service (EUR)"), [_float(row["cost_per_service"]) for row in rows]),
                    Series(_("A (EUR)"), [_float(row["average"]) for row in rows]),
                ],
                category_label=_("Period"),
                formatter=money,
            ),
        ]
    return Panel(
        key="vpvkac",
        title=_("Client service centres by period"),
        table=MunicipalityNetworkTable(rows),
        charts=charts,
        link=(_("Cost per service"), reverse("vpvkac:costs")),
        note=_(
            "Figures of former municipalities count for today's municipality. Cost per service = (maintenance + "
            "salary grants) / services; the creation grant is left out."
        ),
        empty=_("No network results for this municipality yet."),
    )


def organisations_panel(user, municipality):
    institutions = visible_institutions(user, municipality.institutions.all()).order_by(localised_name_order())
    rows = [
        {
            "label": institution.name,
            "url": reverse("reports:institution-profile", args=[institution.pk]),
            "short_name": institution.short_name,
            "type": institution.get_institution_type_display(),
        }
        for institution in institutions
    ]
    return Panel(
        key="institutions",
        title=_("Institutions of the municipality"),
        table=OrganisationTable(rows),
        link=(_("Municipality"), reverse("municipality-detail", args=[municipality.code])),
        empty=_("None that you may see."),
    )


# --- profiles ------------------------------------------------------------------------------------------------------


def institution_facts(user, institution):
    """The registry's facts of an institution; the ministry and the municipality link to their profiles where
    the reader may open them."""
    facts = [
        Fact(_("Short name"), institution.short_name),
        Fact(_("Type"), institution.get_institution_type_display()),
        Fact(_("PVPP2027 Table 1 group"), str(institution.group) if institution.group else "—"),
        Fact(_("Bound by the 1st-round work plan"), yes_no(institution.bound_by_round1)),
    ]
    ministry = institution.sector_ministry
    if ministry is not None and ministry.pk != institution.pk:
        url = ""
        if visible_institutions(user).filter(pk=ministry.pk).exists():
            url = reverse("reports:institution-profile", args=[ministry.pk])
        facts.append(Fact(_("Ministry sector"), ministry.name, url))
    if institution.municipality_id:
        municipality = institution.municipality
        url = ""
        if visible_municipalities(user).filter(pk=municipality.pk).exists():
            url = reverse("reports:municipality-profile", args=[municipality.pk])
        facts.append(Fact(_("Municipality"), municipality.name, url))
    facts.append(Fact(_("Registry entry"), institution.name, reverse("institution-detail", args=[institution.pk])))
    return facts


def institution_profile(user, institution, today):
    """The profile of an institution the reader may see (the view checks it): its services and their figures,
    its E-index results, its obligations and improvement plan, its centres."""
    figures = visible_cost_figures(user).filter(provider=institution)
    by_year = costing.rollup(figures, by="institution")
    is_municipality = institution.institution_type == InstitutionType.MUNICIPALITY and institution.municipality_id
    panels = [
        catalogue_panel(user, institution),
        services_panel(user, institution),
        cost_trend_panel(
            by_year,
            institution.short_name,
            (_("Cost figures of the institution"), reverse("services:cost-provider", kwargs={"pk": institution.pk})),
        ),
        eindex_trend_panel(user, institution),
        obligations_panel(user, institution, today),
        overdue_obligations_panel(user, institution, today),
        improvement_panel(user, institution),
        centres_panel(user, institution.municipality) if is_municipality else desks_panel(user, institution),
    ]
    return Profile(
        kind="institution",
        subject=institution,
        title=institution.name,
        facts=institution_facts(user, institution),
        panels=panels,
        is_demo=institution.is_demo,
    )


def latest_population(municipality):
    return municipality.populations.order_by("-year").first()


def municipality_profile(user, municipality, today):
    """The profile of a municipality the reader may open (the view checks it): its institutions, the cost
    figures of the providers in it, its own E-index results, obligations and improvement plan, its centres."""
    body = municipality_bodies(visible_institutions(user)).filter(municipality=municipality).order_by("pk").first()
    population = latest_population(municipality)
    facts = [
        Fact(_("Kind"), municipality.get_kind_display()),
        Fact(_("Planning region"), municipality.planning_region.name),
        Fact(_("Development-centre tier"), municipality.get_development_tier_display() or "—"),
        Fact(
            _("Population"),
            _("{population} ({year})").format(
                population=number_formatter(0)(population.population), year=population.year
            )
            if population
            else "—",
        ),
        Fact(_("Registry entry"), municipality.name, reverse("municipality-detail", args=[municipality.code])),
    ]
    if body is not None:
        facts.insert(
            0,
            Fact(
                _("The municipality's institution"), body.name, reverse("reports:institution-profile", args=[body.pk])
            ),
        )
    figures = visible_cost_figures(user).filter(provider__municipality__in=merged_into(municipality))
    by_year = [row for row in costing.rollup(figures, by="municipality") if row["group"] == municipality.pk]
    panels = [
        organisations_panel(user, municipality),
        cost_trend_panel(
            by_year,
            municipality.name,
            (_("Cost figures: national overview"), reverse("services:cost-overview")),
            note=_(
                "All providers of the municipality together: costs and transactions are summed first and divided "
                "afterwards; former municipalities count for today's."
            ),
        ),
        municipality_network_panel(user, municipality),
        centres_panel(user, municipality),
    ]
    if body is not None:
        panels += [
            eindex_trend_panel(user, body),
            obligations_panel(user, body, today),
            overdue_obligations_panel(user, body, today),
            improvement_panel(user, body),
        ]
    return Profile(
        kind="municipality",
        subject=municipality,
        title=municipality.name,
        facts=facts,
        panels=panels,
    )


# --- the comparison ------------------------------------------------------------------------------------------------


class CompareMeasure(models.TextChoices):
    EINDEX = "eindex", gettext_lazy("E-index overall score")
    DIGITAL_SHARE = "digital_share", gettext_lazy("Digital take-up")
    COST_PER_TRANSACTION = "cost_per_transaction", gettext_lazy("Cost per transaction (EUR)")
    CENTRE_COST = "centre_cost", gettext_lazy("VPVKAC cost per service (EUR)")
    PLAN_EXECUTION = "plan_execution", gettext_lazy("Plan execution (share of obligations executed)")


@dataclass(frozen=True)
class MeasureFormat:
    """How a measure's value is shown and exported: a share as a percentage (exported as a fraction with four
    decimals), anything else as a number with `decimals`."""

    label: str
    decimals: int
    share: bool = False

    def format(self, value):
        if value is None:
            return "—"
        return (percent_formatter(self.decimals) if self.share else number_formatter(self.decimals))(float(value))

    def export(self, value):
        if value is None:
            return None
        return round(float(value), 4 if self.share else self.decimals)


MEASURE_FORMATS = {
    CompareMeasure.EINDEX: MeasureFormat(CompareMeasure.EINDEX.label, 1),
    CompareMeasure.DIGITAL_SHARE: MeasureFormat(CompareMeasure.DIGITAL_SHARE.label, 1, share=True),
    CompareMeasure.COST_PER_TRANSACTION: MeasureFormat(CompareMeasure.COST_PER_TRANSACTION.label, 2),
    CompareMeasure.CENTRE_COST: MeasureFormat(CompareMeasure.CENTRE_COST.label, 2),
    CompareMeasure.PLAN_EXECUTION: MeasureFormat(CompareMeasure.PLAN_EXECUTION.label, 1, share=True),
}

PEER_KINDS = (MunicipalityKind.STATE_CITY, MunicipalityKind.COUNTY)


def peer_group_choices():
    """[(key, label)]: the PVPP2027 Table 1 groups ("group:<code>", a group with its sub-rows) and the kinds of
    today's municipalities ("kind:<kind>")."""
    groups = [
        (f"group:{group.code}", _("Table 1 group {group}").format(group=group))
        for group in InstitutionGroup.objects.order_by("order", "code")
    ]
    kinds = [(f"kind:{kind.value}", _("Municipalities: {kind}").format(kind=kind.label)) for kind in PEER_KINDS]
    return groups + kinds


def peer_group_members(key):
    """The active institutions of a peer group key of peer_group_choices (none for an unknown key)."""
    prefix, _sep, value = (key or "").partition(":")
    active = Institution.objects.filter(active_to__isnull=True)
    if prefix == "group":
        return active.filter(Q(group__code=value) | Q(group__parent__code=value))
    if prefix == "kind" and value in MunicipalityKind.values:
        return municipality_bodies(active).filter(municipality__kind=value, municipality__valid_to__isnull=True)
    return Institution.objects.none()


@dataclass
class Value:
    """One organisation's value of a measure, what it was computed from, and where it was read."""

    value: object = None
    basis: str = ""
    context: str = ""
    reason: str = ""
    url: str = ""


@dataclass
class CompareContext:
    """What the values are of: the year (costs, E-index rounds; None: each organisation's latest round), the
    VPVKAC period and the plan."""

    year: int | None = None
    period: object = None
    plan: object = None

    def label(self, measure):
        if measure in (CompareMeasure.DIGITAL_SHARE, CompareMeasure.COST_PER_TRANSACTION):
            return str(self.year) if self.year else ""
        if measure == CompareMeasure.CENTRE_COST:
            return self.period.name if self.period else ""
        if measure == CompareMeasure.PLAN_EXECUTION:
            return str(self.plan) if self.plan else ""
        return str(self.year) if self.year else _("each organisation's latest round")


def resolve_context(measure, user, institution_ids, year=None, period=None, plan=None):
    """The defaults of what is compared: the latest year with cost figures of the organisations, the latest
    computed VPVKAC period, the first plan (in the plans' order) with obligations."""
    if measure in (CompareMeasure.DIGITAL_SHARE, CompareMeasure.COST_PER_TRANSACTION) and year is None:
        figures = visible_cost_figures(user, CostFigure.objects.filter(provider_id__in=institution_ids))
        year = figures.order_by("-year").values_list("year", flat=True).first()
    if measure == CompareMeasure.CENTRE_COST and period is None:
        period = computed_periods().first()
    if measure == CompareMeasure.PLAN_EXECUTION and plan is None:
        with_obligations = Obligation.objects.filter(measure__action_line__plan=OuterRef("pk"))
        plan = Plan.objects.filter(Exists(with_obligations)).order_by("order", "-start_year").first()
    return CompareContext(year=year, period=period, plan=plan)


def _eindex_values(institution_ids, context, user):
    """Each organisation's overall score in its latest counted E-index round (of `context.year`, if given)."""
    assessments = scoring.counted_assessments(
        Assessment.objects.filter(institution_id__in=institution_ids, round__methodology__family__in=EINDEX_FAMILIES)
    )
    if user is not None:
        assessments = workflow.visible_assessments(user, assessments)
    if context.year:
        assessments = assessments.filter(round__year=context.year)
    scores = (
        Score.objects.filter(area__isnull=True, assessment__in=assessments)
        .select_related("assessment__round")
        .order_by("assessment__institution_id", "-assessment__round__year", "-assessment__round__opened_at")
    )
    values = {}
    for score in scores:
        institution_id = score.assessment.institution_id
        if institution_id in values:
            continue
        values[institution_id] = Value(
            value=score.score,
            basis=results.level_label(score.level),
            context=score.assessment.round.name,
            reason="" if score.score is not None else _("no score"),
            url=reverse("assessments:results", args=[score.assessment_id]),
        )
    return values


def _cost_values(measure, institution_ids, context, user):
    """Digital take-up or cost per transaction of each organisation's services in the year: costing.rollup by
    institution, sums first."""
    if context.year is None:
        return {}
    figures = CostFigure.objects.filter(provider_id__in=institution_ids, year=context.year)
    if user is not None:
        figures = visible_cost_figures(user, figures)
    count = number_formatter(0)
    values = {}
    for row in costing.rollup(figures, by="institution"):
        if measure == CompareMeasure.DIGITAL_SHARE:
            value = row["digital_takeup"]
            basis = f"{count(row['digital_transactions'])} / {count(row['transactions'])}"
            reason = "" if value is not None else str(MissingReason.NO_TRANSACTIONS.label)
        else:
            value = row["cost_per_transaction"]
            basis = f"{money(_float(row['cost']))} / {count(row['costed_transactions'])}"
            reason = "" if value is not None else str(MissingReason(row["cost_per_transaction_missing"]).label)
        url = reverse("services:cost-provider", kwargs={"pk": row["group"]}) + f"?year={context.year}"
        values[row["group"]] = Value(value, basis, str(context.year), reason, url)
    return values


def _centre_cost_values(institutions, context, user):
    """A municipality's VPVKAC cost per service in the period (network.rollup_to_current)."""
    if context.period is None:
        return {}
    rolled = {row["current_municipality_id"]: row for row in network.rollup_to_current(context.period)}
    allowed = None
    if user is not None and not user.is_coordinator:
        allowed = set(
            visible_municipality_figures(user)
            .filter(period=context.period)
            .values_list("current_municipality_id", flat=True)
        )
    values = {}
    for institution in institutions:
        if institution.institution_type != InstitutionType.MUNICIPALITY or not institution.municipality_id:
            values[institution.pk] = Value(reason=_("not a municipality"))
            continue
        row = rolled.get(institution.municipality_id)
        if row is None or (allowed is not None and institution.municipality_id not in allowed):
            values[institution.pk] = Value(context=context.period.name, reason=_("no figures in the period"))
            continue
        value = row["cost_per_service"]
        values[institution.pk] = Value(
            value=value,
            basis=f"{money(_float(row['running_grant']))} / {number_formatter(0)(row['services'])}",
            context=context.period.name,
            reason="" if value is not None else _("no maintenance or salary grant, or no services recorded"),
            url=reverse("reports:municipality-profile", args=[institution.municipality_id]),
        )
    return values


def _plan_values(institution_ids, context, user):
    """Executed obligations / all obligations of each organisation under the plan (progress.StatusCounts)."""
    if context.plan is None:
        return {}
    obligations = Obligation.objects.filter(measure__action_line__plan=context.plan, institution_id__in=institution_ids)
    if user is not None:
        obligations = visible_obligations(user, obligations)
    counts = defaultdict(progress.StatusCounts)
    for row in obligations.order_by().values("institution_id", "status").annotate(n=Count("pk")):
        counts[row["institution_id"]].by_status[row["status"]] += row["n"]
    return {
        pk: Value(
            value=count.execution_share,
            basis=f"{count.executed} / {count.total}",
            context=context.plan.code,
            url=reverse(
                "workplans:institution-obligations", kwargs={"institution_pk": pk, "plan_code": context.plan.code}
            ),
        )
        for pk, count in counts.items()
    }


def measure_values(measure, institutions, context, user):
    """{institution id: Value} of `measure` for `institutions` (a list). With a `user`, every read goes through
    that reader's scoping; with None, unscoped — for the peer median only, never for a row."""
    ids = [institution.pk for institution in institutions]
    if measure == CompareMeasure.EINDEX:
        return _eindex_values(ids, context, user)
    if measure in (CompareMeasure.DIGITAL_SHARE, CompareMeasure.COST_PER_TRANSACTION):
        return _cost_values(measure, ids, context, user)
    if measure == CompareMeasure.CENTRE_COST:
        return _centre_cost_values(institutions, context, user)
    if measure == CompareMeasure.PLAN_EXECUTION:
        return _plan_values(ids, context, user)
    raise ValueError(f"unknown measure {measure!r}")


NO_VALUE = {
    CompareMeasure.EINDEX: gettext_lazy("no submitted or approved E-index assessment"),
    CompareMeasure.DIGITAL_SHARE: gettext_lazy("no cost figures in the year"),
    CompareMeasure.COST_PER_TRANSACTION: gettext_lazy("no cost figures in the year"),
    CompareMeasure.CENTRE_COST: gettext_lazy("no figures in the period"),
    CompareMeasure.PLAN_EXECUTION: gettext_lazy("no obligations under the plan"),
}


@dataclass
class Comparison:
    measure: str
    format: MeasureFormat
    context: CompareContext
    context_label: str
    rows: list  # dicts for ComparisonTable, the organisations then the median row
    table: object
    chart: object


def compare(user, measure, organisations=(), peer_group="", year=None, period=None, plan=None):
    """The organisations the reader chose and the members of a peer group that the reader may see, side by side
    on one measure, and the median over the peer group (or, without one, over the rows) — withheld from anyone
    but the coordinator when fewer than MIN_PEERS_DISCLOSED organisations have a value."""
    measure = CompareMeasure(measure)
    members = list(peer_group_members(peer_group).select_related("municipality")) if peer_group else []
    chosen = {institution.pk for institution in organisations} | {institution.pk for institution in members}
    institutions = list(
        visible_institutions(user, Institution.objects.filter(pk__in=chosen))
        .select_related("municipality")
        .order_by(localised_name_order())
    )
    context = resolve_context(measure, user, [i.pk for i in institutions], year, period, plan)
    values = measure_values(measure, institutions, context, user)
    rows = []
    for institution in institutions:
        value = values.get(institution.pk) or Value(reason=str(NO_VALUE[measure]))
        rows.append(
            {
                "label": institution.name,
                "url": reverse("reports:institution-profile", args=[institution.pk]),
                "short_name": institution.short_name,
                "value": value.value,
                "basis": value.basis,
                "context": value.context or context.label(measure),
                "reason": "" if value.value is not None else (value.reason or str(NO_VALUE[measure])),
            }
        )
    if peer_group:
        # The median of the whole group, read unscoped: only the median leaves this function, never a member's value.
        peer_values = measure_values(measure, members, context, None)
        known = [float(item.value) for item in peer_values.values() if item.value is not None]
        median_label = _("Peer group median")
    else:
        known = [float(row["value"]) for row in rows if row["value"] is not None]
        median_label = _("Median of the organisations compared")
    median = statistics.median(known) if known else None
    withheld = not user.is_coordinator and len(known) < MIN_PEERS_DISCLOSED
    if rows or known:
        reason = ""
        if withheld:
            reason = _("not shown: fewer than {count} organisations with a value").format(count=MIN_PEERS_DISCLOSED)
        elif median is None:
            reason = _("no organisation has a value")
        rows.append(
            {
                "label": median_label,
                "url": "",
                "short_name": "",
                "value": None if withheld else median,
                "basis": ngettext(
                    "{count} organisation with a value", "{count} organisations with a value", len(known)
                ).format(count=len(known)),
                "context": context.label(measure),
                "reason": reason,
                "is_median": True,
            }
        )
    measure_format = MEASURE_FORMATS[measure]
    charted = [row for row in rows if row["value"] is not None]
    formatter = (
        percent_formatter(measure_format.decimals)
        if measure_format.share
        else number_formatter(measure_format.decimals)
    )
    chart = bar_chart(
        _("{measure}: organisations compared").format(measure=measure_format.label),
        [row["short_name"] or row["label"] for row in charted],
        [float(row["value"]) for row in charted],
        category_label=_("Organisation"),
        value_label=measure_format.label,
        formatter=formatter,
        max_value=1 if measure_format.share else (100 if measure == CompareMeasure.EINDEX else None),
    )
    return Comparison(
        measure=measure,
        format=measure_format,
        context=context,
        context_label=context.label(measure),
        rows=rows,
        table=ComparisonTable(rows, measure=measure_format, caption=_("Comparison")),
        chart=chart,
    )
