"""Tables of the dashboards, the organisation profiles and the comparison (reports/dashboards.py builds their rows);
the same tables feed the CSV and XLSX exports and the profile PDFs, so a download holds the rows shown.

Where a module's own table already shows a figure (services/costing_tables.py, assessments/tables.py,
workplans/tables.py), the dashboards use that table; the tables here are for the rows only the dashboards put
together. Numbers are shown in the reader's language and exported as plain numbers, rounded as shown; a share is
exported as a fraction (0.75), as the cost tables do.
"""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assessments.tables import ChangeColumn, LevelColumn, ScoreColumn, TrendColumn
from institutions.tables import BaseTable
from reports.charts import number_formatter, percent_formatter
from workplans.tables import DateColumn, status_badge

NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}
NAME = {"td": {"class": "col-name"}, "th": {"class": "col-name"}}


def _get(record, name):
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


class ReportTable(BaseTable):
    """A whole, unsorted table in the order dashboards.py gives: a panel shows every row it has. The options are
    set here because django-tables2 does not inherit a Meta."""

    def __init__(self, data, *, caption=None, **kwargs):
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("attrs", {"class": "data-table data-table--compact"})
        super().__init__(data, **kwargs)
        if caption:
            self.caption = caption


class NumberColumn(tables.Column):
    """A localised number ("—" for none) on the page; the number rounded as shown in an export. `share` shows a
    fraction as a percentage and exports the fraction with four decimals."""

    def __init__(self, *args, decimals=0, share=False, **kwargs):
        kwargs.setdefault("attrs", NUMERIC)
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)
        self.decimals, self.share = decimals, share
        self.formatter = percent_formatter(decimals) if share else number_formatter(decimals)

    def render(self, value):
        return self.formatter(None if value is None else float(value))

    def value(self, value):
        if value is None:
            return None
        if self.share:
            return round(float(value), 4)
        return round(float(value), self.decimals) if self.decimals else int(round(value))


class LinkColumn(tables.Column):
    """A label linked to `record["url"]` (or the record's `url` attribute) where it has one; plain in an export."""

    def __init__(self, *args, url_key="url", **kwargs):
        kwargs.setdefault("attrs", NAME)
        super().__init__(*args, **kwargs)
        self.url_key = url_key

    def render(self, value, record):
        url = _get(record, self.url_key)
        return format_html('<a href="{}">{}</a>', url, value) if url else value

    def value(self, value):
        return value


class DisplayColumn(tables.Column):
    """A field with choices of a model row, by its label, on the page and in an export."""

    def render(self, record, bound_column):
        return getattr(record, f"get_{bound_column.accessor}_display")()

    def value(self, record, bound_column):
        return str(self.render(record, bound_column))


# --- plans --------------------------------------------------------------------------------------------------------


class StatusCountTable(ReportTable):
    """Measures (of a plan) or obligations (of an institution under a plan) counted by status, with the execution
    share = executed / all (workplans/progress.py). Rows: {"label", "url", "counts": StatusCounts, ...}."""

    caption = _("Execution by plan")

    label = LinkColumn(verbose_name=_("Plan"))
    total = NumberColumn(verbose_name=_("All"), accessor="counts__total")
    executed = NumberColumn(verbose_name=_("Executed"), accessor="counts__executed")
    partly_executed = NumberColumn(verbose_name=_("Partly executed"), accessor="counts__partly_executed")
    in_progress = NumberColumn(verbose_name=_("In progress"), accessor="counts__in_progress")
    not_started = NumberColumn(verbose_name=_("Not started"), accessor="counts__not_started")
    not_executed = NumberColumn(
        verbose_name=_("Not executed (with those that lost relevance)"), accessor="counts__not_executed_total"
    )
    lost_relevance = NumberColumn(verbose_name=_("Of which lost relevance"), accessor="counts__lost_relevance")
    execution_share = NumberColumn(
        verbose_name=_("Execution share"), accessor="counts__execution_share", share=True, decimals=1
    )
    overdue_measures = NumberColumn(verbose_name=_("Overdue measures"))
    overdue_obligations = NumberColumn(verbose_name=_("Overdue obligations"))

    def __init__(self, data, *, total_label=None, with_overdue_measures=True, **kwargs):
        exclude = () if with_overdue_measures else ("overdue_measures",)
        super().__init__(data, exclude=exclude, **kwargs)
        if total_label:
            self.columns["total"].column.verbose_name = total_label


class OverdueByInstitutionTable(ReportTable):
    """Overdue obligations counted per institution: {"label", "url", "short_name", "overdue", "earliest",
    "days_late"}."""

    caption = _("Overdue obligations by institution")

    label = LinkColumn(verbose_name=_("Institution"))
    short_name = tables.Column(verbose_name=_("Short name"))
    overdue = NumberColumn(verbose_name=_("Overdue obligations"))
    earliest = DateColumn(verbose_name=_("Earliest due date"), iso_export=True)
    days_late = NumberColumn(verbose_name=_("Days late (the earliest)"))


class ImprovementItemsTable(ReportTable):
    """The items of an institution's latest improvement plan of each plan (ImprovementItem rows)."""

    caption = _("Improvement plan items")

    plan = tables.Column(verbose_name=_("Plan"), accessor="improvement_plan__plan__code")
    version = tables.Column(verbose_name=_("Version"), accessor="improvement_plan__version")
    category = DisplayColumn(verbose_name=_("Category"))
    action = tables.Column(verbose_name=_("Action"), attrs=NAME)
    deadline = DateColumn(verbose_name=_("Deadline"), iso_export=True)
    status = tables.Column(verbose_name=_("Status"))
    funding_source = DisplayColumn(verbose_name=_("Funding source"))
    amount = NumberColumn(verbose_name=_("Amount (EUR)"), decimals=2)
    additional_needed = NumberColumn(verbose_name=_("Additional funding needed (EUR)"), decimals=2)

    def render_status(self, record):
        return status_badge(record.status)

    def value_status(self, record):
        return record.get_status_display()


# --- assessments --------------------------------------------------------------------------------------------------


class EIndexTrendTable(ReportTable):
    """An organisation's overall E-index score in each round it was counted in (stored Score rows, as dicts)."""

    caption = _("E-index results by round")

    round = LinkColumn(verbose_name=_("Round"))
    year = tables.Column(verbose_name=_("Year"))
    methodology = tables.Column(verbose_name=_("Methodology"))
    status = tables.Column(verbose_name=_("Status"))
    score = ScoreColumn(verbose_name=_("Overall score"))
    level = LevelColumn()
    change = ChangeColumn(verbose_name=_("Change (points)"))
    trend = TrendColumn()
    rank = tables.Column(verbose_name=_("Rank in the peer group"), attrs=NUMERIC, default="—")
    peer_group = tables.Column(verbose_name=_("Peer group"), default="—")


# --- the VPVKAC network -------------------------------------------------------------------------------------------


class NetworkPeriodTable(ReportTable):
    """The network in each computed period (PeriodSummary rows): volumes, A and the municipalities per band."""

    caption = _("The network by period")

    period = tables.Column(verbose_name=_("Period"), accessor="period__name", attrs=NAME)
    centres = NumberColumn(verbose_name=_("Centres"))
    services = NumberColumn(verbose_name=_("Services"))
    consultations = NumberColumn(verbose_name=_("Consultations"))
    average = NumberColumn(verbose_name=_("A (EUR)"), decimals=2)
    average_mode = DisplayColumn(verbose_name=_("Average cost per service A"))
    at_or_below = NumberColumn(verbose_name=_("At or below A"))
    above = NumberColumn(verbose_name=_("Above A, at most 2A"))
    very_high = NumberColumn(verbose_name=_("Above 2A"))


class MunicipalityNetworkTable(ReportTable):
    """One municipality's centres in each period, rolled up to today's municipality (network.rollup_to_current):
    dicts with the period's name and the band of the cost per service against the period's A."""

    caption = _("Client service centres by period")

    period = tables.Column(verbose_name=_("Period"), attrs=NAME)
    services = NumberColumn(verbose_name=_("Services"))
    consultations = NumberColumn(verbose_name=_("Consultations"))
    visits = NumberColumn(verbose_name=_("In-person visits"))
    running_grant = NumberColumn(verbose_name=_("Maintenance and salary grants (EUR)"), decimals=2)
    cost_per_service = NumberColumn(verbose_name=_("Cost per service (EUR)"), decimals=2)
    average = NumberColumn(verbose_name=_("A (EUR)"), decimals=2)
    band = tables.Column(verbose_name=_("Cost band"), default="—")
    legal_share = NumberColumn(verbose_name=_("Legal-person share of visits"), share=True)


class CentreFiguresTable(ReportTable):
    """A municipality's centres with their figures of one period (dicts: the centre, its CentreFigure or None)."""

    caption = _("Centres")

    name = LinkColumn(verbose_name=_("Centre"))
    status = tables.Column(verbose_name=_("Status"))
    tier = tables.Column(verbose_name=_("Tier"))
    services = NumberColumn(verbose_name=_("Services"))
    consultations = NumberColumn(verbose_name=_("Consultations"))
    cost_per_service = NumberColumn(verbose_name=_("Cost per service (EUR)"), decimals=2)
    band = tables.Column(verbose_name=_("Cost band"), default="—")


class DeskTable(ReportTable):
    """Where an institution has a desk at a client service centre (Desk rows, as dicts)."""

    caption = _("Desks at client service centres")

    centre = LinkColumn(verbose_name=_("Centre"))
    municipality = tables.Column(verbose_name=_("Municipality"))
    presence = tables.Column(verbose_name=_("Presence"))
    minimum_basket = tables.Column(verbose_name=_("Minimum-basket institution"))


# --- organisations and services -----------------------------------------------------------------------------------


class OrganisationTable(ReportTable):
    """Institutions, each linked to its profile: {"label", "url", "short_name", "type", "is_demo"}."""

    caption = _("Institutions")

    label = LinkColumn(verbose_name=_("Institution"))
    short_name = tables.Column(verbose_name=_("Short name"))
    type = tables.Column(verbose_name=_("Type"))


class CatalogueTable(ReportTable):
    """The catalogue entries an institution holds or provides (Service rows annotated with `is_holder`)."""

    caption = _("Services in the catalogue")

    catalogue_id = tables.Column(verbose_name=_("Catalogue identifier"), attrs={"td": {"class": "nowrap"}})
    name = tables.Column(verbose_name=_("Service"), attrs=NAME, accessor="name_lv")
    role = tables.Column(verbose_name=_("The institution is"), accessor="is_holder", empty_values=())
    status = tables.Column(verbose_name=_("Status"))

    def render_name(self, record):
        url = reverse("services:service-detail", kwargs={"catalogue_id": record.catalogue_id})
        return format_html('<a href="{}">{}</a>', url, record.name)

    def value_name(self, record):
        return record.name

    def render_status(self, record):
        return record.get_status_display()

    def value_status(self, record):
        return record.get_status_display()

    def render_role(self, record):
        return _("holder") if record.is_holder else _("provider")

    def value_role(self, record):
        return str(self.render_role(record))


# --- the comparison -----------------------------------------------------------------------------------------------


class ComparisonTable(ReportTable):
    """The organisations compared on one measure, and the peer median (dashboards.Comparison rows)."""

    caption = _("Comparison")

    label = LinkColumn(verbose_name=_("Organisation"))
    short_name = tables.Column(verbose_name=_("Short name"), default="")
    value = tables.Column(verbose_name=_("Value"), attrs=NUMERIC, empty_values=())
    basis = tables.Column(verbose_name=_("Computed from"), default="")
    context = tables.Column(verbose_name=_("Round, year, period or plan"), default="")
    reason = tables.Column(verbose_name=_("Why there is no value"), default="")

    def __init__(self, data, *, measure, **kwargs):
        kwargs.setdefault("row_attrs", {"class": lambda record: "row-total" if record.get("is_median") else None})
        super().__init__(data, **kwargs)
        self.measure = measure
        self.columns["value"].column.verbose_name = measure.label

    def render_value(self, value):
        return self.measure.format(value)

    def value_value(self, value):
        return self.measure.export(value)
