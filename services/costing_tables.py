"""Tables of the cost figure pages (services/costing_views.py); the same tables feed their CSV and XLSX exports.

A figure without a value is shown as "—" with the reason beside it, never as 0 (domain brief §3: "no value" with
a reason). The exports leave such a cell empty and give the reason a missing cost per transaction has in a column
of its own. Numbers follow the reader's language (decimal comma in Latvian) on the page and stay plain numbers,
rounded as shown, in the exports.
"""

from dataclasses import dataclass

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.recomputation_tables import RecomputationTable, status_url_attrs
from institutions.tables import BaseTable
from reports.charts import number_formatter, percent_formatter

from .models import CostParameters, CostRecomputation, MissingReason
from .tables import NUMERIC


def _get(record, name):
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def signed_percent(value):
    """A change as a signed localised percentage: "+12,5 %", "−3,0 %"."""
    if value is None:
        return "—"
    text = percent_formatter(1)(abs(value))
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"
    return text


def no_value(reason):
    """The mark of a figure that has no value, with the reason readable beside it (and as its tooltip)."""
    return format_html(
        '<span class="no-value" title="{0}">—</span> <small class="muted no-value__reason">{0}</small>', reason
    )


# --- why a figure has no value ------------------------------------------------------------------------------------


def _label(reason):
    return MissingReason(reason).label


def _cost_missing(record):
    if isinstance(record, dict):  # a roll-up: some cost summed, or some transaction with a known cost
        known = record.get("cost") or record.get("costed_transactions")
    else:
        known = record.cost_known
    return "" if known else _label(MissingReason.NO_COST)


def _cpt_missing(record):
    if _get(record, "cost_per_transaction") is not None:
        return ""
    return _label(_get(record, "cost_per_transaction_missing") or MissingReason.NO_TRANSACTIONS)


def _takeup_missing(record):
    if not isinstance(record, dict) and getattr(record, "channel_id", None):
        return _("only for all channels together")
    return _label(MissingReason.NO_TRANSACTIONS)


def _change_missing(record):
    return _cpt_missing(record) or _label(MissingReason.NO_PREVIOUS)


def _ratio_missing(record):
    if getattr(record, "peers_withheld", False):
        return _label(MissingReason.PEERS_WITHHELD)
    return _cpt_missing(record) or _label(MissingReason.NO_PEERS)


def _median_missing(record):
    """A median needs two peers with a value: a group of one is the row itself, compared with nothing."""
    if getattr(record, "peers_withheld", False):
        return _label(MissingReason.PEERS_WITHHELD)
    if _get(record, "peer_median") is None or (_get(record, "peer_count") or 0) < 2:
        return _label(MissingReason.NO_PEERS)
    return ""


@dataclass(frozen=True)
class Measure:
    """How one stored figure is shown: its heading, its format, why it may have no value, its export rounding.
    `checked` marks a figure whose lack of a value is not an empty field, so `missing` always decides: a cost of 0
    that nobody reported, a median of a group of one."""

    label: str
    formatter: object
    missing: object = None
    decimals: int = 2
    checked: bool = False

    def reason(self, record, value):
        """The reason `record` has no value for this figure, or "" when it has one."""
        if self.checked:
            return self.missing(record)
        if value is not None:
            return ""
        return self.missing(record) if self.missing else str(_("no value"))

    def show(self, record, value):
        reason = self.reason(record, value)
        return no_value(reason) if reason else self.formatter(value)

    def export(self, record, value):
        if self.reason(record, value) or value is None:
            return None
        return round(value, self.decimals)


MONEY = number_formatter(2)
MEASURES = {
    "cost": Measure(_("Cost (EUR)"), MONEY, _cost_missing, checked=True),
    "transactions": Measure(_("Completed transactions"), number_formatter(0), decimals=0),
    "cost_per_transaction": Measure(_("Cost per transaction (EUR)"), MONEY, _cpt_missing, decimals=4),
    "digital_takeup": Measure(_("Digital take-up"), percent_formatter(1), _takeup_missing, decimals=4),
    "completion_rate": Measure(
        _("Completion rate"), percent_formatter(1), lambda record: _label(MissingReason.NO_STARTED), decimals=4
    ),
    "satisfaction_score": Measure(
        _("Satisfaction score (0–100)"), number_formatter(1), lambda record: _label(MissingReason.NO_RATINGS), 1
    ),
    "admin_burden": Measure(
        _("Client administrative burden (EUR)"), MONEY, lambda record: _label(MissingReason.NO_MINUTES)
    ),
    "cost_per_transaction_change": Measure(
        _("Change of cost per transaction against the previous year"), signed_percent, _change_missing, decimals=4
    ),
    "peer_median": Measure(_("Peer median cost per transaction (EUR)"), MONEY, _median_missing, 4, checked=True),
    "peer_ratio": Measure(_("Ratio to the peer median"), number_formatter(2), _ratio_missing, decimals=4),
    "unallocated_shared_cost": Measure(_("Unallocated shared cost (EUR)"), MONEY),
}


def measure_value(record, name):
    """The value of one figure of `record`, or None where it has no value (for charts)."""
    value = _get(record, name)
    return None if MEASURES[name].reason(record, value) else value


def show_measure(record, name):
    """One figure of `record` (a CostFigure or a roll-up dict) as the pages show it."""
    return MEASURES[name].show(record, _get(record, name))


class FigureColumn(tables.Column):
    """A number of the cost figures (see MEASURES): localised on the page, "—" with its reason when it has no
    value; in the exports the rounded number, or an empty cell."""

    def __init__(self, measure, **kwargs):
        self.measure = MEASURES[measure]
        kwargs.setdefault("verbose_name", self.measure.label)
        kwargs.setdefault("attrs", NUMERIC)
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("orderable", False)
        super().__init__(**kwargs)

    def render(self, value, record):
        return self.measure.show(record, value)

    def value(self, value, record):
        return self.measure.export(record, value)


def outlier_direction(record):
    """The direction of an outlier row against its peer median, "high" or "low"; "" for any other row."""
    if not _get(record, "is_outlier") or _get(record, "peer_ratio") is None:
        return ""
    return str(_("high")) if _get(record, "peer_ratio") >= 1 else str(_("low"))


def render_outlier(record):
    direction = outlier_direction(record)
    if not direction:
        return ""
    return format_html('<span class="badge badge-demo">{}: {}</span>', _("outlier"), direction)


def channel_name(record):
    return record.channel.name if record.channel_id else str(_("All channels"))


# --- the service cost card -------------------------------------------------------------------------------------------


class CostFigureTable(BaseTable):
    """The stored figures of one service at one provider, by year and channel (CostFigure rows)."""

    caption = _("Cost figures by year and channel")

    # Export only: which row this is.
    catalogue_id = tables.Column(
        verbose_name=_("Catalogue identifier"), accessor="service__catalogue_id", visible=False
    )
    provider = tables.Column(verbose_name=_("Provider"), accessor="provider__name", visible=False)
    provider_short_name = tables.Column(verbose_name=_("Short name"), accessor="provider__short_name", visible=False)

    year = tables.Column(verbose_name=_("Year"), orderable=False)
    channel = tables.Column(verbose_name=_("Channel"), accessor="pk", orderable=False)
    cost = FigureColumn("cost")
    transactions = FigureColumn("transactions")
    cost_per_transaction = FigureColumn("cost_per_transaction")
    cost_per_transaction_missing = tables.Column(
        verbose_name=_("Why there is no cost per transaction"), accessor="pk", visible=False
    )
    digital_takeup = FigureColumn("digital_takeup")
    completion_rate = FigureColumn("completion_rate")
    satisfaction_score = FigureColumn("satisfaction_score")
    admin_burden = FigureColumn("admin_burden")
    cost_per_transaction_change = FigureColumn("cost_per_transaction_change")
    peer_median = FigureColumn("peer_median")
    peer_ratio = FigureColumn("peer_ratio")
    is_outlier = tables.Column(verbose_name=_("Outlier"), empty_values=(), orderable=False)
    unallocated_shared_cost = FigureColumn("unallocated_shared_cost", visible=False)
    parameters = tables.Column(verbose_name=_("Parameter version"), accessor="parameters__version", visible=False)

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False
        row_attrs = {"class": lambda record: None if record.channel_id else "row-total"}

    def render_channel(self, record):
        if record.channel_id:
            return record.channel.name
        return format_html("<strong>{}</strong>", _("All channels"))

    def value_channel(self, record):
        return channel_name(record)

    def value_cost_per_transaction_missing(self, record):
        return _cpt_missing(record)

    def render_is_outlier(self, record):
        return render_outlier(record)

    def value_is_outlier(self, record):
        return outlier_direction(record)


class ProviderComparisonTable(BaseTable):
    """All channels of one service at each provider the reader may see, in one year (CostFigure total rows)."""

    caption = _("Providers compared")

    provider = tables.Column(verbose_name=_("Provider"), accessor="provider__name", orderable=False)
    provider_short_name = tables.Column(verbose_name=_("Short name"), accessor="provider__short_name", orderable=False)
    year = tables.Column(verbose_name=_("Year"), orderable=False)
    cost = FigureColumn("cost")
    transactions = FigureColumn("transactions")
    cost_per_transaction = FigureColumn("cost_per_transaction")
    digital_takeup = FigureColumn("digital_takeup")
    peer_median = FigureColumn("peer_median")
    peer_ratio = FigureColumn("peer_ratio")
    is_outlier = tables.Column(verbose_name=_("Outlier"), empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def __init__(self, *args, link=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.link = link

    def render_provider(self, value, record):
        if self.link is None:
            return value
        return format_html('<a href="{}">{}</a>', self.link(record), value)

    def render_is_outlier(self, record):
        return render_outlier(record)

    def value_is_outlier(self, record):
        return outlier_direction(record)


# --- institutions and roll-ups -------------------------------------------------------------------------------------


class InstitutionServicesTable(BaseTable):
    """The services of one provider in one year, all channels together (CostFigure total rows)."""

    caption = _("Services of the institution")

    catalogue_id = tables.Column(
        verbose_name=_("Catalogue identifier"),
        accessor="service__catalogue_id",
        orderable=False,
        attrs={"td": {"class": "nowrap"}},
    )
    service = tables.Column(
        verbose_name=_("Service"),
        accessor="service__name",
        orderable=False,
        attrs={"td": {"class": "col-name"}, "th": {"class": "col-name"}},
    )
    year = tables.Column(verbose_name=_("Year"), visible=False)
    cost = FigureColumn("cost")
    transactions = FigureColumn("transactions")
    cost_per_transaction = FigureColumn("cost_per_transaction")
    cost_per_transaction_missing = tables.Column(
        verbose_name=_("Why there is no cost per transaction"), accessor="pk", visible=False
    )
    digital_takeup = FigureColumn("digital_takeup")
    completion_rate = FigureColumn("completion_rate")
    satisfaction_score = FigureColumn("satisfaction_score")
    admin_burden = FigureColumn("admin_burden")
    cost_per_transaction_change = FigureColumn("cost_per_transaction_change")
    unallocated_shared_cost = FigureColumn("unallocated_shared_cost")
    peer_ratio = FigureColumn("peer_ratio")
    is_outlier = tables.Column(verbose_name=_("Outlier"), empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def render_service(self, value, record):
        url = reverse("services:cost-service", kwargs={"catalogue_id": record.service.catalogue_id})
        return format_html('<a href="{}?provider={}&amp;year={}">{}</a>', url, record.provider_id, record.year, value)

    def value_cost_per_transaction_missing(self, record):
        return _cpt_missing(record)

    def render_is_outlier(self, record):
        return render_outlier(record)

    def value_is_outlier(self, record):
        return outlier_direction(record)


class RollupTable(BaseTable):
    """Roll-ups of costing.rollup (dicts per group and year): sums first, ratios of the sums.

    `group_label` names the group column (sector, municipality, ...); without it the table has none (national).
    `link(row)` may return the address a group's name links to."""

    caption = _("Roll-up")

    group = tables.Column(
        verbose_name=_("Group"),
        accessor="label",
        orderable=False,
        attrs={"td": {"class": "col-name"}, "th": {"class": "col-name"}},
    )
    year = tables.Column(verbose_name=_("Year"), orderable=False)
    cost = FigureColumn("cost")
    transactions = FigureColumn("transactions")
    cost_per_transaction = FigureColumn("cost_per_transaction")
    digital_takeup = FigureColumn("digital_takeup")
    completion_rate = FigureColumn("completion_rate")
    satisfaction_score = FigureColumn("satisfaction_score")
    admin_burden = FigureColumn("admin_burden")
    unallocated_shared_cost = FigureColumn("unallocated_shared_cost")

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def __init__(self, data, *, group_label=None, caption=None, link=None, show_year=True, **kwargs):
        exclude = [name for name, wanted in (("group", group_label), ("year", show_year)) if not wanted]
        super().__init__(data, exclude=exclude, **kwargs)
        if group_label:
            self.columns["group"].column.verbose_name = group_label
        if caption:
            self.caption = caption
        self.link = link

    def render_group(self, value, record):
        url = self.link(record) if self.link else None
        return format_html('<a href="{}">{}</a>', url, value) if url else value

    def value_group(self, value):
        return value


# --- outliers ------------------------------------------------------------------------------------------------------


class OutlierTable(BaseTable):
    """Stored figures flagged as outliers against their peers (CostFigure rows)."""

    caption = _("Outliers")

    year = tables.Column(verbose_name=_("Year"))
    catalogue_id = tables.Column(
        verbose_name=_("Catalogue identifier"), accessor="service__catalogue_id", attrs={"td": {"class": "nowrap"}}
    )
    service = tables.Column(
        verbose_name=_("Service"),
        accessor="service__name",
        order_by=("service__name_lv",),
        attrs={"td": {"class": "col-name"}, "th": {"class": "col-name"}},
    )
    provider = tables.Column(verbose_name=_("Provider"), accessor="provider__name", order_by=("provider__name_lv",))
    template = tables.Column(
        verbose_name=_("Unified service template"),
        accessor="template__name",
        order_by=("template__name_lv",),
        default="—",
    )
    channel = tables.Column(verbose_name=_("Channel"), accessor="pk", order_by=("channel__order",))
    transactions = FigureColumn("transactions", orderable=True)
    cost_per_transaction = FigureColumn("cost_per_transaction", orderable=True)
    peer_median = FigureColumn("peer_median", orderable=True)
    peer_ratio = FigureColumn("peer_ratio", orderable=True)
    peer_count = tables.Column(verbose_name=_("Peers with a value"), attrs=NUMERIC)
    direction = tables.Column(verbose_name=_("Direction"), accessor="pk", orderable=False)

    class Meta(BaseTable.Meta):
        per_page = 50
        order_by = ("-peer_ratio",)

    def render_service(self, value, record):
        url = reverse("services:cost-service", kwargs={"catalogue_id": record.service.catalogue_id})
        return format_html('<a href="{}?provider={}&amp;year={}">{}</a>', url, record.provider_id, record.year, value)

    def render_channel(self, record):
        return channel_name(record)

    def value_channel(self, record):
        return channel_name(record)

    def render_peer_count(self, value):
        return number_formatter(0)(value)

    def render_direction(self, record):
        return render_outlier(record)

    def value_direction(self, record):
        return outlier_direction(record)


# --- channel shift -------------------------------------------------------------------------------------------------


class ChannelShiftTable(BaseTable):
    """The lines of the channel-shift calculator: per service and non-digital channel (dicts built by the view
    from costing.channel_shift)."""

    caption = _("Channel-shift potential by service and channel")

    catalogue_id = tables.Column(verbose_name=_("Catalogue identifier"), attrs={"td": {"class": "nowrap"}})
    service = tables.Column(verbose_name=_("Service"), attrs={"td": {"class": "col-name"}, "th": {"class": "col-name"}})
    channel = tables.Column(verbose_name=_("From channel"))
    transactions = tables.Column(verbose_name=_("Completed transactions"), attrs=NUMERIC)
    moved = tables.Column(verbose_name=_("Transactions moved"), attrs=NUMERIC, empty_values=())
    cost_per_transaction = tables.Column(verbose_name=_("Cost per transaction (EUR)"), attrs=NUMERIC, empty_values=())
    estimated = tables.Column(verbose_name=_("Estimated from relative cost units"), empty_values=(), visible=False)
    target = tables.Column(verbose_name=_("To digital channel"), empty_values=())
    target_cost_per_transaction = tables.Column(
        verbose_name=_("Cost per transaction there (EUR)"), attrs=NUMERIC, empty_values=()
    )
    potential = tables.Column(verbose_name=_("Potential saving (EUR)"), attrs=NUMERIC, empty_values=())

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def render_transactions(self, value):
        return number_formatter(0)(value)

    def render_moved(self, value, record):
        return no_value(record["reason"]) if value is None else number_formatter(1)(value)

    def render_cost_per_transaction(self, value, record):
        if value is None:
            return no_value(_label(MissingReason.NO_COST))
        text = MONEY(value)
        if record["estimated"]:
            return format_html(
                '{} <span class="badge badge-muted">{}</span>', text, pgettext_lazy("value", "estimated")
            )
        return text

    def render_estimated(self, value):
        return _("Yes") if value else _("No")

    def render_target(self, value, record):
        return value or no_value(record["reason"])

    def render_target_cost_per_transaction(self, value, record):
        return no_value(record["reason"]) if value is None else MONEY(value)

    def render_potential(self, value, record):
        return no_value(record["reason"]) if value is None else MONEY(value)

    def value_moved(self, value):
        return None if value is None else round(value, 1)

    def value_cost_per_transaction(self, value):
        return None if value is None else round(value, 4)

    def value_estimated(self, value):
        return _("Yes") if value else _("No")

    def value_target(self, value, record):
        return value or record["reason"]

    def value_target_cost_per_transaction(self, value):
        return None if value is None else round(value, 4)

    def value_potential(self, value):
        return None if value is None else round(value, 2)


# --- parameters and recomputations -----------------------------------------------------------------------------------


class CostParametersTable(BaseTable):
    """Every version of the costing parameters, newest first."""

    caption = _("Parameter versions")

    version = tables.Column(verbose_name=_("Version"), attrs=NUMERIC)
    unit_digital = tables.Column(verbose_name=_("Unit: digital"), attrs=NUMERIC)
    unit_phone = tables.Column(verbose_name=_("Unit: phone"), attrs=NUMERIC)
    unit_post = tables.Column(verbose_name=_("Unit: post"), attrs=NUMERIC)
    unit_face_to_face = tables.Column(verbose_name=_("Unit: face to face"), attrs=NUMERIC)
    hourly_tariff = tables.Column(verbose_name=_("Hourly tariff (EUR/h)"), attrs=NUMERIC)
    outlier_factor = tables.Column(verbose_name=_("Outlier factor k"), attrs=NUMERIC)
    note = tables.Column(verbose_name=_("Reason for the change"), default="—")
    created_by = tables.Column(verbose_name=_("Changed by"), accessor="created_by__username", default="—")
    created_at = tables.Column(verbose_name=_("Valid from"))

    class Meta(BaseTable.Meta):
        model = CostParameters
        fields = ()
        per_page = None
        orderable = False

    def _number(self, value):
        return number_formatter(2)(value)

    render_unit_digital = render_unit_phone = render_unit_post = render_unit_face_to_face = _number
    render_hourly_tariff = render_outlier_factor = _number

    def render_created_at(self, value):
        return _datetime(value)

    def value_created_at(self, value):
        return _naive(value)


class CostRecomputationTable(RecomputationTable):
    rows_written = tables.Column(verbose_name=_("Figures written"), attrs=NUMERIC)

    class Meta(RecomputationTable.Meta):
        model = CostRecomputation
        row_attrs = status_url_attrs("services:cost-recomputation-status")


def _datetime(value):
    return date_format(localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


def _naive(value):
    """A local time without its zone: spreadsheets cannot hold one."""
    return localtime(value).replace(tzinfo=None) if value else None
