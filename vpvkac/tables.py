"""Tables of the VPVKAC network pages; the same tables feed their CSV and XLSX exports.

Numbers follow the reader's language on the page (decimal comma in Latvian) and stay plain numbers, rounded as
shown, in the exports. A figure without a value is "—" on the page, with the reason where one is stored, and an
empty cell in the exports."""

from decimal import Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from config.recomputation_tables import RecomputationTable, status_url_attrs
from institutions.tables import BaseTable, yes_no
from reports.charts import number_formatter, percent_formatter

from .models import (
    Centre,
    CentreStatusChange,
    CostBand,
    Desk,
    Grant,
    NetworkParameters,
    NetworkRecomputation,
    OpeningHours,
    SatisfactionScore,
    Weekday,
)

NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}
NAME = {"td": {"class": "col-name"}, "th": {"class": "col-name"}}
BAND_BADGES = {CostBand.AT_OR_BELOW: "badge-ok", CostBand.ABOVE: "badge-muted", CostBand.VERY_HIGH: "badge-demo"}


def _get(record, name):
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def _datetime(value):
    return date_format(localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


def _naive(value):
    return localtime(value).replace(tzinfo=None) if value else None


def flag(value):
    """Yes, No, or "unknown" for a flag the computation could not decide (a distance without coordinates)."""
    if value is None:
        return _("unknown")
    return yes_no(value)


def band_badge(band):
    """A cost band as a badge; the band's label says it in words, so it is never told by colour alone."""
    if not band:
        return "—"
    return format_html('<span class="badge {}">{}</span>', BAND_BADGES.get(band, "badge-muted"), CostBand(band).label)


class NumberColumn(tables.Column):
    """A number: localised on the page, "—" when empty; in the exports the number rounded as shown."""

    def __init__(self, decimals=0, **kwargs):
        kwargs.setdefault("attrs", NUMERIC)
        kwargs.setdefault("default", "—")
        super().__init__(**kwargs)
        self.decimals = decimals

    def render(self, value):
        return number_formatter(self.decimals)(float(value))

    def value(self, value):
        if value is None or value == "—":
            return None
        return round(Decimal(value), self.decimals) if self.decimals else int(value)


class ShareColumn(NumberColumn):
    """A share from 0 to 1 shown as a percentage; the exports keep the share (four decimals)."""

    def render(self, value):
        return percent_formatter(1)(float(value))

    def value(self, value):
        return None if value is None or value == "—" else round(Decimal(value), 4)


class FlagColumn(tables.Column):
    """A yes / no / unknown flag; "unknown" in the exports too, never a silent "No"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_values", ())
        super().__init__(**kwargs)

    def render(self, value):
        return flag(value)

    def value(self, value):
        return str(flag(value))


class BandColumn(tables.Column):
    """A cost band read from the record's `field` itself (not its display label): a badge on the page, the
    band's words in the exports."""

    def __init__(self, field="band", **kwargs):
        kwargs.setdefault("verbose_name", _("Cost band"))
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("accessor", "pk")
        super().__init__(**kwargs)
        self.field = field

    def render(self, record):
        return band_badge(_get(record, self.field))

    def value(self, record):
        band = _get(record, self.field)
        return str(CostBand(band).label) if band else ""


def centre_link(record, centre=None):
    centre = centre or record
    return format_html(
        '<a href="{}">{}</a>', reverse("vpvkac:centre-detail", kwargs={"code": centre.code}), centre.name
    )


def demo_mark(text, is_demo):
    return format_html('{} <span class="badge badge-demo">{}</span>', text, _("demo data")) if is_demo else text


# --- the registry -----------------------------------------------------------------------------------------------


class CentreTable(BaseTable):
    caption = _("Client service centres")

    name = tables.Column(verbose_name=_("Name"), attrs=NAME)
    municipality = tables.Column(
        verbose_name=_("Municipality"), accessor="municipality__name", order_by=("municipality__name_lv",)
    )
    tier = tables.Column(verbose_name=_("Tier"))
    status = tables.Column(verbose_name=_("Status"))
    host_building = tables.Column(verbose_name=_("Host building"), default="—")
    address = tables.Column(verbose_name=_("Address"), default="—")
    coordinates = tables.Column(verbose_name=_("Coordinates"), accessor="latitude", empty_values=(), orderable=False)

    # Export only.
    code = tables.Column(verbose_name=_("Code"), visible=False)
    latitude = tables.Column(verbose_name=_("Latitude"), visible=False)
    longitude = tables.Column(verbose_name=_("Longitude"), visible=False)
    coordinates_approximate = tables.Column(verbose_name=_("Approximate coordinates"), visible=False)
    in_library = tables.Column(verbose_name=_("In a library"), visible=False)
    status_since = tables.Column(verbose_name=_("Status since"), visible=False)
    opened_on = tables.Column(verbose_name=_("Opened on"), visible=False)
    private_room = tables.Column(verbose_name=_("Separate room"), visible=False, empty_values=())
    screen_privacy = tables.Column(verbose_name=_("Screen privacy"), visible=False, empty_values=())
    parking_spaces = tables.Column(verbose_name=_("Parking spaces"), visible=False)
    transport_stop_distance_m = tables.Column(verbose_name=_("Distance to a transport stop (m)"), visible=False)
    is_demo = tables.Column(verbose_name=_("Demo data"), visible=False)

    class Meta(BaseTable.Meta):
        model = Centre
        fields = ()
        order_by = ("name",)
        per_page = 50
        sequence = ("name", "municipality", "tier", "status", "host_building", "address", "coordinates", "...")

    def render_name(self, value, record):
        return demo_mark(centre_link(record), record.is_demo)

    def value_name(self, value):
        return value

    def render_coordinates(self, record):
        if not record.has_coordinates:
            return format_html('<span class="muted">{}</span>', _("not known"))
        text = f"{record.latitude:.4f}, {record.longitude:.4f}"
        return (
            format_html('{} <span class="muted">({})</span>', text, _("approximate"))
            if (record.coordinates_approximate)
            else text
        )

    def value_coordinates(self, record):
        return f"{record.latitude}, {record.longitude}" if record.has_coordinates else ""

    def render_in_library(self, value):
        return yes_no(value)

    def render_private_room(self, value):
        return flag(value)

    def render_screen_privacy(self, value):
        return flag(value)

    def render_is_demo(self, value):
        return yes_no(value)

    def value_private_room(self, value):
        return str(flag(value))

    def value_screen_privacy(self, value):
        return str(flag(value))


class OpeningHoursTable(BaseTable):
    caption = _("Opening hours")

    weekday = tables.Column(verbose_name=_("Weekday"))
    opens_at = tables.TimeColumn(verbose_name=_("Opens"), format="H:i")
    closes_at = tables.TimeColumn(verbose_name=_("Closes"), format="H:i")
    shift = tables.Column(verbose_name=_("Shift"), empty_values=())

    class Meta(BaseTable.Meta):
        model = OpeningHours
        fields = ()
        orderable = False
        per_page = None

    def render_shift(self, record):
        return record.get_shift_display()


class DeskTable(BaseTable):
    caption = _("Institution desks")

    institution = tables.Column(
        verbose_name=_("Institution"), accessor="institution__short_name", attrs=NAME, orderable=False
    )
    institution_name = tables.Column(
        verbose_name=_("Institution name"), accessor="institution__name", visible=False, orderable=False
    )
    presence = tables.Column(verbose_name=_("Presence"))
    minimum_basket = tables.Column(verbose_name=_("Minimum basket"))
    schedule = tables.Column(verbose_name=_("Reception schedule"), accessor="pk", empty_values=(), orderable=False)
    valid_from = tables.Column(verbose_name=_("Present from"), default="—")
    valid_to = tables.Column(verbose_name=_("Present until"), default="—")

    class Meta(BaseTable.Meta):
        model = Desk
        fields = ()
        orderable = False
        per_page = None

    def render_minimum_basket(self, value):
        return yes_no(value)

    def render_schedule(self, record):
        slots = [slot.describe() for slot in record.schedules.all()]
        if not slots:
            return format_html('<span class="muted">{}</span>', _("no schedule"))
        return format_html("<br>".join(["{}"] * len(slots)), *slots)

    def value_schedule(self, record):
        return "; ".join(slot.describe() for slot in record.schedules.all())


class StatusHistoryTable(BaseTable):
    caption = _("Status history")

    since = tables.DateColumn(verbose_name=_("Since"))
    status = tables.Column(verbose_name=_("Status"))
    note = tables.Column(verbose_name=_("Note"), default="—")
    changed_by = tables.Column(verbose_name=_("Changed by"), accessor="changed_by__username", default="—")

    class Meta(BaseTable.Meta):
        model = CentreStatusChange
        fields = ()
        orderable = False
        per_page = None


class ScoreTable(BaseTable):
    caption = _("Client satisfaction and mystery-client scores")

    period = tables.Column(verbose_name=_("Period"), accessor="period__name", orderable=False)
    kind = tables.Column(verbose_name=_("Kind"))
    score = NumberColumn(2, verbose_name=_("Score"))
    scale = tables.Column(verbose_name=_("Scale"), accessor="pk", empty_values=(), orderable=False)
    score_0_100 = NumberColumn(1, verbose_name=_("Score on a 0–100 scale"), accessor="score_0_100", orderable=False)
    responses = NumberColumn(verbose_name=_("Responses"))
    is_demo = tables.Column(verbose_name=_("Demo data"))

    class Meta(BaseTable.Meta):
        model = SatisfactionScore
        fields = ()
        orderable = False
        per_page = None

    def render_scale(self, record):
        formatter = number_formatter(0)
        return f"{formatter(float(record.scale_min))}–{formatter(float(record.scale_max))}"

    def value_scale(self, record):
        return f"{record.scale_min}–{record.scale_max}"

    def render_is_demo(self, value):
        return yes_no(value)


class CentrePeriodTable(BaseTable):
    """A centre's stored figures in each period (CentreFigure rows, each with the period's A as `average`)."""

    caption = _("Figures by period")

    period = tables.Column(verbose_name=_("Period"), accessor="period__name", attrs=NAME)
    services = NumberColumn(verbose_name=_("Services"))
    assisted_eservices = NumberColumn(verbose_name=_("Of which assisted e-services"))
    consultations = NumberColumn(verbose_name=_("Consultations"))
    calls = NumberColumn(verbose_name=_("Calls"))
    emails = NumberColumn(verbose_name=_("E-mails"))
    legal_share = ShareColumn(verbose_name=_("Legal-person share of visits"))
    running_grant = NumberColumn(2, verbose_name=_("Maintenance and salary grants (EUR)"))
    cost_per_service = NumberColumn(2, verbose_name=_("Cost per service (EUR)"))
    cost_basis = tables.Column(verbose_name=_("Cost basis"), default="—")
    band = BandColumn()
    average = NumberColumn(2, verbose_name=_("Network average A (EUR)"))

    class Meta(BaseTable.Meta):
        orderable = False
        per_page = None


class DayFiguresTable(BaseTable):
    """A centre's contacts on each day of a month, by contact type (dict rows)."""

    caption = _("Contacts by day")

    date = tables.DateColumn(verbose_name=_("Date"), short=True)
    service = NumberColumn(verbose_name=_("Services"), default=0)
    assisted_eservice = NumberColumn(verbose_name=_("Assisted e-services"), default=0)
    consultation = NumberColumn(verbose_name=_("Consultations"), default=0)
    call = NumberColumn(verbose_name=_("Calls"), default=0)
    email = NumberColumn(verbose_name=_("E-mails"), default=0)
    total = NumberColumn(verbose_name=_("All contacts"), default=0)

    class Meta(BaseTable.Meta):
        orderable = False
        per_page = None


class HourlyTable(BaseTable):
    """The visits behind the heatmap, one row per weekday and hour (dict rows)."""

    caption = _("Visits by weekday and hour")

    weekday = tables.Column(verbose_name=_("Weekday"))
    hour = tables.Column(verbose_name=_("Hour"), attrs=NUMERIC)
    visits = NumberColumn(verbose_name=_("Visits"))
    share = ShareColumn(verbose_name=_("Share of the period's visits"))

    class Meta(BaseTable.Meta):
        orderable = False
        per_page = None

    def render_weekday(self, value):
        return Weekday(value).label

    def value_weekday(self, value):
        return str(Weekday(value).label)

    def render_hour(self, value):
        return f"{value:02d}:00–{value + 1:02d}:00"

    def value_hour(self, value):
        return value


# --- costs and the review ----------------------------------------------------------------------------------------


class MunicipalityCostTable(BaseTable):
    """MunicipalityFigure rows of a period, with the band under the chosen A as `shown_band`."""

    caption = _("Cost per service by municipality")

    municipality = tables.Column(verbose_name=_("Municipality"), accessor="municipality__name", attrs=NAME)
    tier = tables.Column(verbose_name=_("Tier"))
    centres = NumberColumn(verbose_name=_("Centres"))
    services = NumberColumn(verbose_name=_("Services"))
    running_grant = NumberColumn(2, verbose_name=_("Maintenance and salary grants (EUR)"))
    cost_per_service = NumberColumn(2, verbose_name=_("Cost per service (EUR)"))
    published_cost_per_service = NumberColumn(2, verbose_name=_("Published cost per service (EUR)"))
    cost_basis = tables.Column(verbose_name=_("Cost basis"), default="—")
    shown_band = BandColumn("shown_band")
    cost_missing = tables.Column(verbose_name=_("Why there is no cost per service"), default="")
    code = tables.Column(verbose_name=_("Municipality code"), accessor="municipality__code", visible=False)
    today = tables.Column(
        verbose_name=_("Today's municipality"), accessor="current_municipality__name", visible=False, default=""
    )

    class Meta(BaseTable.Meta):
        orderable = False
        per_page = None

    def render_municipality(self, value, record):
        if record.municipality.valid_to is None:
            return value
        return format_html('{} <span class="badge badge-muted">{}</span>', value, _("former"))

    def value_municipality(self, value):
        return value


class CentreCostTable(BaseTable):
    """CentreFigure rows of a period, with the band under the chosen A as `shown_band`."""

    caption = _("Cost per service by centre")

    centre = tables.Column(verbose_name=_("Centre"), accessor="centre__name", attrs=NAME)
    municipality = tables.Column(verbose_name=_("Municipality"), accessor="municipality__name")
    tier = tables.Column(verbose_name=_("Tier"))
    services = NumberColumn(verbose_name=_("Services"))
    consultations = NumberColumn(verbose_name=_("Consultations"))
    cost_per_service = NumberColumn(2, verbose_name=_("Cost per service (EUR)"))
    cost_basis = tables.Column(verbose_name=_("Cost basis"), default="—")
    shown_band = BandColumn("shown_band")
    legal_share = ShareColumn(verbose_name=_("Legal-person share of visits"))
    code = tables.Column(verbose_name=_("Centre code"), accessor="centre__code", visible=False)

    class Meta(BaseTable.Meta):
        orderable = False
        per_page = None

    def render_centre(self, value, record):
        return centre_link(record, record.centre)

    def value_centre(self, value):
        return value


class CandidateTable(BaseTable):
    """The network review's candidates (CentreFigure rows) with the decision on record as `decision_row`."""

    caption = _("Candidates of the network review")

    centre = tables.Column(verbose_name=_("Centre"), accessor="centre__name", attrs=NAME)
    municipality = tables.Column(verbose_name=_("Municipality"), accessor="municipality__name")
    tier = tables.Column(verbose_name=_("Tier"))
    services = NumberColumn(verbose_name=_("Services"))
    cost_per_service = NumberColumn(2, verbose_name=_("Cost per service (EUR)"))
    criterion_same_municipality = FlagColumn(verbose_name=_("Criterion 1: another own centre within R"))
    criterion_cost = FlagColumn(verbose_name=_("Criterion 2: cost above 2A"))
    near_other_centre = FlagColumn(verbose_name=_("Secondary: any centre within R"))
    nearest_any_km = NumberColumn(1, verbose_name=_("Nearest centre (km)"))
    only_centre = FlagColumn(verbose_name=_("Only centre of the municipality"))
    residents_covered_elsewhere = FlagColumn(verbose_name=_("Residents covered by another municipality"))
    proposable = FlagColumn(verbose_name=_("May be proposed"))
    decision = tables.Column(verbose_name=_("Decision"), accessor="decision_row", empty_values=())
    reason = tables.Column(verbose_name=_("Reason"), accessor="decision_row", empty_values=(), visible=False)
    decided_at = tables.Column(verbose_name=_("Decided"), accessor="decision_row", empty_values=(), visible=False)
    code = tables.Column(verbose_name=_("Centre code"), accessor="centre__code", visible=False)

    class Meta(BaseTable.Meta):
        orderable = False
        per_page = None
        row_attrs = {"id": lambda record: f"candidate-{record.centre_id}"}

    def __init__(self, data, *, decide=None, **kwargs):
        """`decide(record)`: the address of the decision form for the record, for those who decide."""
        super().__init__(data, **kwargs)
        self.decide = decide

    def render_centre(self, value, record):
        return centre_link(record, record.centre)

    def value_centre(self, value):
        return value

    def render_decision(self, value, record):
        if value is None:
            shown = format_html('<span class="muted">{}</span>', _("none yet"))
        else:
            shown = format_html(
                '<strong>{}</strong><br><span class="muted">{}</span>', value.get_decision_display(), value.reason
            )
        if self.decide is None:
            return shown
        label = _("Record a decision") if value is None else _("Change the decision")
        return format_html(
            '{}<br><a href="{}">{}<span class="visually-hidden"> ({})</span></a>',
            shown,
            self.decide(record),
            label,
            record.centre.name,
        )

    def value_decision(self, value):
        return str(value.get_decision_display()) if value else ""

    def value_reason(self, value):
        return value.reason if value else ""

    def value_decided_at(self, value):
        return _naive(value.decided_at) if value else None


class NetworkParametersTable(BaseTable):
    caption = _("Parameter versions")

    version = tables.Column(verbose_name=_("Version"), attrs=NUMERIC)
    radius_km = NumberColumn(2, verbose_name=_("Radius R (km)"))
    average_mode = tables.Column(verbose_name=_("Average A"))
    fixed_average = NumberColumn(2, verbose_name=_("Fixed A (EUR)"))
    average_local_tier_only = tables.Column(verbose_name=_("A from local-tier municipalities only"))
    screen_local_tier_only = tables.Column(verbose_name=_("Screen local-tier centres only"))
    note = tables.Column(verbose_name=_("Reason for the change"), default="—")
    created_by = tables.Column(verbose_name=_("Changed by"), accessor="created_by__username", default="—")
    created_at = tables.Column(verbose_name=_("Valid from"))

    class Meta(BaseTable.Meta):
        model = NetworkParameters
        fields = ()
        orderable = False
        per_page = 25

    def render_average_local_tier_only(self, value):
        return yes_no(value)

    def render_screen_local_tier_only(self, value):
        return yes_no(value)

    def render_created_at(self, value):
        return _datetime(value)

    def value_created_at(self, value):
        return _naive(value)


class NetworkRecomputationTable(RecomputationTable):
    class Meta(RecomputationTable.Meta):
        model = NetworkRecomputation
        row_attrs = status_url_attrs("vpvkac:recomputation-status")


# --- grants --------------------------------------------------------------------------------------------------------


class GrantTable(BaseTable):
    caption = _("Grants")

    period = tables.Column(verbose_name=_("Period"), accessor="period__name", order_by=("period__first_day",))
    recipient = tables.Column(
        verbose_name=_("Recipient"), accessor="pk", empty_values=(), order_by=("municipality__name_lv", "centre__name")
    )
    kind = tables.Column(verbose_name=_("Kind"))
    amount = NumberColumn(2, verbose_name=_("Amount (EUR)"))
    source = tables.Column(verbose_name=_("Source"), visible=False, default="")
    recipient_kind = tables.Column(verbose_name=_("Paid to"), accessor="pk", empty_values=(), visible=False)
    is_demo = tables.Column(verbose_name=_("Demo data"), visible=False)

    class Meta(BaseTable.Meta):
        model = Grant
        fields = ()
        order_by = ("-period",)
        per_page = 50

    def render_recipient(self, record):
        if record.centre_id:
            return demo_mark(centre_link(record, record.centre), record.is_demo)
        return demo_mark(record.municipality.name, record.is_demo)

    def value_recipient(self, record):
        return record.centre.name if record.centre_id else record.municipality.name

    def value_recipient_kind(self, record):
        return str(_("A centre")) if record.centre_id else str(_("A municipality"))

    def render_is_demo(self, value):
        return yes_no(value)


class GrantSimulationTable(BaseTable):
    """The simulator's rows (grants.SimulatedGrant), current beside simulated."""

    caption = _("Simulated grants beside the current ones")

    centre = tables.Column(verbose_name=_("Centre"), accessor="centre__name", attrs=NAME)
    municipality = tables.Column(verbose_name=_("Municipality"), accessor="centre__municipality__name")
    services = NumberColumn(verbose_name=_("Services"))
    consultations = NumberColumn(verbose_name=_("Consultations"))
    kpi = NumberColumn(1, verbose_name=_("KPI (0–100)"))
    score_percent = NumberColumn(4, verbose_name=_("Share of the network's score (%)"))
    rank = tables.Column(verbose_name=_("Rank in the municipality"), attrs=NUMERIC)
    funded = tables.Column(verbose_name=_("Funded"))
    current_grant = NumberColumn(2, verbose_name=_("Current grant (EUR)"))
    current_from_municipality = NumberColumn(2, verbose_name=_("Of which a share of the municipality's (EUR)"))
    simulated_grant = NumberColumn(2, verbose_name=_("Simulated grant (EUR)"))
    difference = NumberColumn(2, verbose_name=_("Difference (EUR)"))
    code = tables.Column(verbose_name=_("Centre code"), accessor="centre__code", visible=False)

    class Meta(BaseTable.Meta):
        orderable = False
        per_page = None

    def render_centre(self, value, record):
        return centre_link(record, record.centre)

    def value_centre(self, value):
        return value

    def render_funded(self, value):
        return yes_no(value)

    def value_funded(self, value):
        return str(yes_no(value))

    def render_difference(self, value):
        text = number_formatter(2)(float(abs(value)))
        return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)
