"""Tables of the transformation pages; the same tables feed their CSV and XLSX exports.

A value is shown in its indicator's kind on the page (a share as "45,0 %", money as "1 234,50 €", in the reader's
language) and stays a plain number, rounded to four decimals, in the exports. A missing value is "—" on the page
and an empty cell in the exports."""

from decimal import Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from institutions.tables import BaseTable, yes_no
from reports.charts import number_formatter

from .evaluation import Outcome
from .workflow import current_phase
from .models import (
    OversightDecision,
    ResultIndicator,
    ServiceReview,
    SharedComponent,
    TransformationProject,
    ValueKind,
)

NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}
NAME = {"td": {"class": "col-name"}, "th": {"class": "col-name"}}
EXPORT_PLACES = Decimal("0.0001")
OUTCOME_BADGES = {
    Outcome.GAIN: "badge-gain",
    Outcome.LOSS: "badge-loss",
    Outcome.UNCHANGED: "badge-muted",
    Outcome.NOT_CLASSED: "badge-muted",
}
OUTCOME_SIGNS = {Outcome.GAIN: "▲", Outcome.LOSS: "▼", Outcome.UNCHANGED: "=", Outcome.NOT_CLASSED: ""}
PROJECT_STATUS_BADGES = {"draft": "badge-muted", "active": "badge-edit", "closed": "badge-ok", "cancelled": "badge"}
REVIEW_STATUS_BADGES = {"overdue": "badge-loss", "due_soon": "badge-due", "scheduled": "badge-ok"}
DECISION_STATUS_BADGES = {"proposed": "badge-edit", "adopted": "badge-ok", "implemented": "badge-ok"}


def _get(record, name):
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def short_date(value):
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def demo_mark(text, is_demo):
    return format_html('{} <span class="badge badge-demo">{}</span>', text, _("demo data")) if is_demo else text


def export_number(value):
    """A number for the exports: rounded to four decimals, a whole number as an integer; None stays empty."""
    if value is None or value == "—":
        return None
    value = Decimal(value).quantize(EXPORT_PLACES)
    return int(value) if value == value.to_integral_value() else value


def format_value(value, kind, signed=False):
    """`value` in the way its indicator's kind reads: a share in per cent, money in euros, counts and scores as
    numbers; "—" for None. `signed` puts a + before a positive change."""
    if value is None:
        return "—"
    decimals = {ValueKind.SHARE: 1, ValueKind.MONEY: 2, ValueKind.SCORE: 1}.get(kind, 2)
    if kind == ValueKind.COUNT and Decimal(value) == Decimal(value).to_integral_value():
        decimals = 0
    text = number_formatter(decimals)(float(value))
    if signed and value > 0:
        text = f"+{text}"
    if kind == ValueKind.SHARE:
        return f"{text} {_('p.p.')}" if signed else f"{text} %"
    if kind == ValueKind.MONEY:
        return f"{text} €"
    return text


def format_percent(value):
    if value is None:
        return "—"
    text = number_formatter(1)(float(value))
    return f"+{text} %" if value > 0 else f"{text} %"


def outcome_badge(outcome):
    """The gain or loss as a badge; its words say it, the colour and the arrow only repeat them."""
    label = Outcome(outcome).label
    sign = OUTCOME_SIGNS.get(outcome, "")
    text = f"{sign} {label}".strip()
    return format_html('<span class="badge {}">{}</span>', OUTCOME_BADGES.get(outcome, "badge-muted"), text)


def project_link(project):
    url = reverse("transformation:project-detail", kwargs={"pk": project.pk})
    return demo_mark(format_html('<a href="{}">{}</a>', url, project.name), project.is_demo)


class DateColumn(tables.Column):
    def __init__(self, **kwargs):
        kwargs.setdefault("default", "—")
        super().__init__(**kwargs)

    def render(self, value):
        return short_date(value)

    def value(self, value):
        return value if value != "—" else None


# --- projects ---------------------------------------------------------------------------------------------------


class ProjectTable(BaseTable):
    caption = _("Transformation projects")

    name = tables.Column(verbose_name=_("Project"), attrs=NAME)
    institution = tables.Column(
        verbose_name=_("Institution"), accessor="institution__name", order_by=("institution__name_lv",)
    )
    status = tables.Column(verbose_name=_("Status"))
    current_phase = tables.Column(verbose_name=_("Current phase"), accessor="pk", orderable=False, empty_values=())
    service_count = tables.Column(verbose_name=_("Services"), attrs=NUMERIC, orderable=True)
    planned_start = DateColumn(verbose_name=_("Planned start"))
    planned_end = DateColumn(verbose_name=_("Planned end"))
    closed_on = DateColumn(verbose_name=_("Closed on"))

    # Export only.
    institution_short = tables.Column(
        verbose_name=_("Institution (short name)"), accessor="institution__short_name", visible=False, default=""
    )
    goal = tables.Column(verbose_name=_("Goal"), visible=False, default="")
    funding_source = tables.Column(verbose_name=_("Funding source"), visible=False, default="")
    started_on = DateColumn(verbose_name=_("Started on"), visible=False)
    appraisal_years = tables.Column(verbose_name=_("Appraisal period (years)"), visible=False)
    is_demo = tables.Column(verbose_name=_("Demo data"), visible=False)

    class Meta(BaseTable.Meta):
        model = TransformationProject
        fields = ()
        order_by = ("-planned_start",)
        sequence = (
            "name",
            "institution",
            "status",
            "current_phase",
            "service_count",
            "planned_start",
            "planned_end",
            "closed_on",
            "...",
        )

    def render_name(self, value, record):
        return project_link(record)

    def value_name(self, value):
        return value

    def render_status(self, value, record):
        return format_html('<span class="badge {}">{}</span>', PROJECT_STATUS_BADGES.get(record.status, "badge"), value)

    def value_status(self, value):
        return str(value)

    def render_current_phase(self, record):
        phase = current_phase(record) if record.is_open else None
        return phase.get_kind_display() if phase is not None else "—"

    def value_current_phase(self, record):
        phase = current_phase(record) if record.is_open else None
        return str(phase.get_kind_display()) if phase is not None else ""

    def render_is_demo(self, value):
        return yes_no(value)


class PhaseTable(BaseTable):
    caption = _("Phases")

    kind = tables.Column(verbose_name=_("Phase"), orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    planned_start = DateColumn(verbose_name=_("Planned start"), orderable=False)
    planned_end = DateColumn(verbose_name=_("Planned end"), orderable=False)
    actual_start = DateColumn(verbose_name=_("Started"), orderable=False)
    actual_end = DateColumn(verbose_name=_("Completed"), orderable=False)
    note = tables.Column(verbose_name=_("Note"), orderable=False, default="")

    class Meta(BaseTable.Meta):
        per_page = 20

    def render_status(self, value, record):
        badge = {"done": "badge-ok", "in_progress": "badge-edit"}.get(record.status, "badge-muted")
        return format_html('<span class="badge {}">{}</span>', badge, value)

    def value_status(self, value):
        return str(value)


class MemberTable(BaseTable):
    caption = _("Project group")

    person_name = tables.Column(verbose_name=_("Name"), orderable=False)
    role = tables.Column(verbose_name=_("Role"), orderable=False)
    email = tables.Column(verbose_name=_("E-mail"), orderable=False, default="")

    class Meta(BaseTable.Meta):
        per_page = 100


class ValueColumn(tables.Column):
    """A value of the evaluation row's indicator, in the indicator's kind; a text indicator's text as it is."""

    def __init__(self, phase=None, field=None, signed=False, **kwargs):
        kwargs.setdefault("attrs", NUMERIC)
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("accessor", "indicator")
        super().__init__(**kwargs)
        self.phase, self.field, self.signed = phase, field, signed

    def raw(self, record):
        if self.phase:
            measurement = getattr(record, self.phase)
            if measurement is None:
                return None
            return measurement.value if record.indicator.is_numeric else measurement.text_value
        return getattr(record, self.field)

    def render(self, record, bound_column=None):
        value = self.raw(record)
        if value is None or value == "":
            return "—"
        if not record.indicator.is_numeric:
            return format_html('<span class="text-value">{}</span>', value)
        text = format_value(value, record.indicator.value_kind, signed=self.signed)
        measurement = getattr(record, self.phase) if self.phase else None
        if measurement is not None and measurement.source == "prefilled":
            return format_html(
                '{} <span class="badge badge-edit" title="{}">{}</span>',
                text,
                measurement.source_note,
                _("catalogue"),
            )
        return text

    def value(self, record, bound_column=None):
        value = self.raw(record)
        if value is None or value == "":
            return None
        return export_number(value) if record.indicator.is_numeric else value


class EvaluationTable(BaseTable):
    """The before/after table (seed 003 §4.2 F7): an indicator a row; Δ = final − baseline, Δ % = Δ / baseline."""

    caption = _("Before and after")

    code = tables.Column(verbose_name=_("Code"), accessor="indicator__code", orderable=False)
    indicator = tables.Column(verbose_name=_("Indicator"), accessor="indicator__name", orderable=False, attrs=NAME)
    unit = tables.Column(verbose_name=_("Unit"), accessor="indicator__unit", orderable=False, default="")
    baseline = ValueColumn(phase="baseline", verbose_name=_("Baseline"))
    interim = ValueColumn(phase="interim", verbose_name=_("Interim"))
    final = ValueColumn(phase="final", verbose_name=_("Final"))
    delta = ValueColumn(field="delta", verbose_name="Δ", signed=True)
    delta_percent = tables.Column(
        verbose_name="Δ %", attrs=NUMERIC, orderable=False, empty_values=(), accessor="delta_percent"
    )
    outcome = tables.Column(verbose_name=_("Gain or loss"), orderable=False, empty_values=())

    # Export only.
    mandatory = tables.Column(verbose_name=_("Mandatory"), accessor="indicator__mandatory", visible=False)
    good_direction = tables.Column(
        verbose_name=_("Good direction"), accessor="indicator__get_good_direction_display", visible=False
    )
    value_kind = tables.Column(
        verbose_name=_("Kind of value"), accessor="indicator__get_value_kind_display", visible=False
    )
    missing = tables.Column(
        verbose_name=_("Missing measurements"), accessor="missing_phases", empty_values=(), visible=False
    )

    class Meta(BaseTable.Meta):
        per_page = 200
        row_attrs = {"class": lambda record: "row--missing" if record.missing_phases else ""}

    def render_indicator(self, value, record):
        marks = []
        if record.indicator.mandatory:
            marks.append(format_html('<span class="badge badge-muted">{}</span>', _("mandatory")))
        if record.missing_phases:
            marks.append(format_html('<span class="badge badge-loss">{}</span>', _("missing")))
        if not marks:
            return value
        return format_html("{} {}", value, format_html_join(" ", "{}", ((mark,) for mark in marks)))

    def render_delta_percent(self, record):
        return format_percent(record.delta_percent)

    def value_delta_percent(self, record):
        return export_number(record.delta_percent)

    def render_outcome(self, record):
        if not record.indicator.is_numeric:
            return "—"
        return outcome_badge(record.outcome)

    def value_outcome(self, record):
        return str(Outcome(record.outcome).label)

    def render_mandatory(self, value):
        return yes_no(value)

    def value_mandatory(self, value):
        return str(yes_no(value))

    def value_missing(self, record):
        labels = {"baseline": _("Baseline"), "final": _("Final")}
        return ", ".join(str(labels.get(phase, phase)) for phase in record.missing_phases)


class MeasurementTable(BaseTable):
    caption = _("Measurements")

    indicator_code = tables.Column(verbose_name=_("Code"), accessor="indicator__code")
    indicator = tables.Column(verbose_name=_("Indicator"), accessor="indicator__name", orderable=False)
    phase = tables.Column(verbose_name=_("Phase"))
    period_start = DateColumn(verbose_name=_("Period from"))
    period_end = DateColumn(verbose_name=_("Period until"))
    value = tables.Column(verbose_name=_("Value"), attrs=NUMERIC, empty_values=())
    source = tables.Column(verbose_name=_("Source"))
    measured_on = DateColumn(verbose_name=_("Measured on"))

    # Export only.
    text_value = tables.Column(verbose_name=_("Text value"), visible=False, default="")
    source_note = tables.Column(verbose_name=_("How the value was obtained"), visible=False, default="")
    note = tables.Column(verbose_name=_("Note"), visible=False, default="")
    measured_by = tables.Column(verbose_name=_("Measured by"), accessor="measured_by__username", visible=False)

    class Meta(BaseTable.Meta):
        per_page = 100
        order_by = ("indicator_code",)

    def render_value(self, record):
        if not record.indicator.is_numeric:
            return record.text_value or "—"
        return format_value(record.value, record.indicator.value_kind)

    def value_value(self, record):
        return export_number(record.value)

    def render_source(self, value, record):
        if record.source == "prefilled":
            return format_html('<span class="badge badge-edit" title="{}">{}</span>', record.source_note, value)
        return value

    def value_source(self, value):
        return str(value)


# --- the indicator library --------------------------------------------------------------------------------------


class IndicatorTable(BaseTable):
    caption = _("Result indicators")

    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("Indicator"), attrs=NAME, order_by=("name_lv",))
    scope = tables.Column(verbose_name=_("Scope"))
    owner_institution = tables.Column(
        verbose_name=_("Owner institution"),
        accessor="owner_institution__short_name",
        order_by=("owner_institution__name_lv",),
        default="—",
    )
    value_kind = tables.Column(verbose_name=_("Kind of value"))
    unit = tables.Column(verbose_name=_("Unit"), default="—")
    good_direction = tables.Column(verbose_name=_("Good direction"))
    mandatory = tables.Column(verbose_name=_("Mandatory"))
    catalogue_source = tables.Column(verbose_name=_("Pre-filled from the catalogue"), default="—")
    active = tables.Column(verbose_name=_("Active"))
    edit = tables.Column(verbose_name=_("Change"), accessor="pk", orderable=False, exclude_from_export=True)

    # Export only.
    name_lv = tables.Column(verbose_name=_("Name (Latvian)"), visible=False)
    name_en = tables.Column(verbose_name=_("Name (English)"), visible=False)
    source_number = tables.Column(verbose_name=_("Seed 003 §3.1 number"), visible=False, default="")
    monetary_role = tables.Column(verbose_name=_("Cost–benefit role"), visible=False, default="")
    description = tables.Column(verbose_name=_("Description"), visible=False, default="", orderable=False)
    collection_method = tables.Column(verbose_name=_("Collection method"), visible=False, default="", orderable=False)

    class Meta(BaseTable.Meta):
        model = ResultIndicator
        fields = ()
        order_by = ("order", "code")
        per_page = 50
        sequence = (
            "code",
            "name",
            "scope",
            "owner_institution",
            "value_kind",
            "unit",
            "good_direction",
            "mandatory",
            "catalogue_source",
            "active",
            "edit",
            "...",
        )

    def __init__(self, *args, editable_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.editable_ids = editable_ids
        if not editable_ids:
            self.columns.hide("edit")

    def render_name(self, value, record):
        if record.description:
            return format_html('{}<br><span class="muted">{}</span>', value, record.description)
        return value

    def value_name(self, value):
        return value

    def render_mandatory(self, value):
        return yes_no(value)

    def render_active(self, value):
        return yes_no(value)

    def render_edit(self, record):
        if record.pk not in self.editable_ids:
            return ""
        url = reverse("transformation:indicator-edit", kwargs={"pk": record.pk})
        return format_html('<a href="{}">{}<span class="visually-hidden"> {}</span></a>', url, _("Change"), record.code)


# --- reviews ----------------------------------------------------------------------------------------------------


class ReviewDueTable(BaseTable):
    """One row per service and kind of review: the last review, when the next falls due, and whether it is
    overdue (transformation/reviews.py review_schedule)."""

    caption = _("Review cycles")

    service = tables.Column(verbose_name=_("Service"), accessor="service__name", orderable=False, attrs=NAME)
    holder = tables.Column(verbose_name=_("Holder"), accessor="service__holder__short_name", orderable=False)
    kind = tables.Column(verbose_name=_("Review"), orderable=False, empty_values=())
    last_review = tables.Column(verbose_name=_("Last review"), orderable=False, empty_values=())
    due_on = DateColumn(verbose_name=_("Next due"), orderable=False)
    days_left = tables.Column(verbose_name=_("Days left"), attrs=NUMERIC, orderable=False, empty_values=())
    overdue = tables.Column(verbose_name=_("State"), orderable=False, empty_values=())

    # Columns without an attribute of their own read `kind`: a missing attribute makes django-tables2 describe the
    # row in its error, and the row's description reads the last review's service from the database.
    record = tables.Column(
        verbose_name=_("Action"), accessor="kind", orderable=False, empty_values=(), exclude_from_export=True
    )

    # Export only.
    catalogue_id = tables.Column(
        verbose_name=_("Catalogue identifier"), accessor="service__catalogue_id", visible=False, orderable=False
    )
    finding = tables.Column(verbose_name=_("Finding"), accessor="kind", empty_values=(), visible=False, orderable=False)

    class Meta(BaseTable.Meta):
        per_page = 50
        row_attrs = {"class": lambda record: "row--overdue" if record.overdue else ""}

    def __init__(self, *args, reviewable_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.reviewable_ids = reviewable_ids
        if not reviewable_ids:
            self.columns.hide("record")

    def render_record(self, record):
        if record.service.pk not in self.reviewable_ids:
            return ""
        url = reverse("transformation:review-create")
        return format_html(
            '<a href="{}?service={}&amp;kind={}">{}<span class="visually-hidden"> {} ({})</span></a>',
            url,
            record.service.catalogue_id,
            record.kind,
            _("Record a review"),
            record.service.name,
            record.kind_label,
        )

    def render_service(self, value, record):
        return format_html('{} <span class="muted">{}</span>', value, record.service.catalogue_id)

    def value_service(self, value):
        return value

    def render_kind(self, record):
        return record.kind_label

    def value_kind(self, record):
        return str(record.kind_label)

    def render_last_review(self, record):
        if record.last_review is None:
            return format_html('<span class="muted">{}</span>', _("never reviewed"))
        return short_date(record.last_review.reviewed_on)

    def value_last_review(self, record):
        return record.last_review.reviewed_on if record.last_review else None

    def render_days_left(self, record):
        return number_formatter(0)(record.days_left) if record.days_left is not None else "—"

    def value_days_left(self, record):
        return record.days_left

    def render_overdue(self, record):
        badge = REVIEW_STATUS_BADGES.get(record.status, "badge-ok")
        return format_html('<span class="badge {}">{}</span>', badge, record.status_label)

    def value_overdue(self, record):
        return str(record.status_label)

    def value_finding(self, record):
        return record.last_review.finding if record.last_review else ""


class ServiceReviewTable(BaseTable):
    caption = _("Recorded reviews")

    reviewed_on = DateColumn(verbose_name=_("Reviewed on"))
    service = tables.Column(verbose_name=_("Service"), accessor="service__name", order_by=("service__name_lv",))
    kind = tables.Column(verbose_name=_("Review"))
    reviewer_institution = tables.Column(
        verbose_name=_("Reviewing institution"),
        accessor="reviewer_institution__short_name",
        order_by=("reviewer_institution__name_lv",),
    )
    project = tables.Column(verbose_name=_("Project"), accessor="project__name", default="—")
    finding = tables.Column(verbose_name=_("Finding"), default="")

    # Export only.
    catalogue_id = tables.Column(
        verbose_name=_("Catalogue identifier"), accessor="service__catalogue_id", visible=False
    )
    is_demo = tables.Column(verbose_name=_("Demo data"), visible=False)

    class Meta(BaseTable.Meta):
        model = ServiceReview
        fields = ()
        order_by = ("-reviewed_on",)
        per_page = 25
        sequence = ("reviewed_on", "service", "kind", "reviewer_institution", "project", "finding", "...")

    def render_service(self, value, record):
        return demo_mark(value, record.is_demo)

    def value_service(self, value):
        return value

    def render_is_demo(self, value):
        return yes_no(value)


# --- oversight --------------------------------------------------------------------------------------------------


class DecisionTable(BaseTable):
    caption = _("Oversight decisions")

    proposed_on = DateColumn(verbose_name=_("Proposed on"))
    reference = tables.Column(verbose_name=_("Reference"), default="—")
    title = tables.Column(verbose_name=_("Decision"), attrs=NAME)
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    decided_on = DateColumn(verbose_name=_("Decided on"))
    institution = tables.Column(
        verbose_name=_("Institution concerned"),
        accessor="institution__short_name",
        order_by=("institution__name_lv",),
        default="—",
    )
    evidence_count = tables.Column(verbose_name=_("Evidence"), attrs=NUMERIC, orderable=False, empty_values=())

    # Export only.
    text = tables.Column(verbose_name=_("Decision or recommendation"), visible=False, default="")
    services = tables.Column(verbose_name=_("Services concerned"), empty_values=(), visible=False, orderable=False)
    project = tables.Column(verbose_name=_("Project concerned"), accessor="project__name", visible=False, default="")
    shared_component = tables.Column(
        verbose_name=_("Shared component concerned"), accessor="shared_component__name_lv", visible=False, default=""
    )
    evidence_text = tables.Column(verbose_name=_("Evidence (text)"), visible=False, default="")
    is_demo = tables.Column(verbose_name=_("Demo data"), visible=False)

    class Meta(BaseTable.Meta):
        model = OversightDecision
        fields = ()
        order_by = ("-proposed_on",)
        sequence = (
            "proposed_on",
            "reference",
            "title",
            "kind",
            "status",
            "decided_on",
            "institution",
            "evidence_count",
            "...",
        )

    def render_title(self, value, record):
        url = reverse("transformation:decision-detail", kwargs={"pk": record.pk})
        return demo_mark(format_html('<a href="{}">{}</a>', url, value), record.is_demo)

    def value_title(self, value):
        return value

    def render_status(self, value, record):
        return format_html(
            '<span class="badge {}">{}</span>', DECISION_STATUS_BADGES.get(record.status, "badge-muted"), value
        )

    def value_status(self, value):
        return str(value)

    def render_evidence_count(self, record):
        return number_formatter(0)(record.measurement_count + record.cost_evidence_count)

    def value_evidence_count(self, record):
        return record.measurement_count + record.cost_evidence_count

    def value_services(self, record):
        return "; ".join(f"{service.catalogue_id} {service.name}" for service in record.services.all())

    def render_is_demo(self, value):
        return yes_no(value)


class PeerComparisonTable(BaseTable):
    """A service's cost per transaction at a provider beside its peers' median (services/costing.py): the columns
    a decision's cost evidence and the candidate list share."""

    service = tables.Column(verbose_name=_("Service"), accessor="service__name", orderable=False)
    provider = tables.Column(verbose_name=_("Provider"), accessor="provider__short_name", orderable=False)
    year = tables.Column(verbose_name=_("Year"), orderable=False)
    cost_per_transaction = tables.Column(
        verbose_name=_("Cost per transaction"), attrs=NUMERIC, orderable=False, empty_values=()
    )
    peer_median = tables.Column(verbose_name=_("Peer median"), attrs=NUMERIC, orderable=False, empty_values=())
    peer_ratio = tables.Column(verbose_name=_("Ratio to the median"), attrs=NUMERIC, orderable=False, empty_values=())
    peer_count = tables.Column(verbose_name=_("Peers"), attrs=NUMERIC, orderable=False)

    def render_cost_per_transaction(self, value):
        return format_value(value, ValueKind.MONEY)

    def value_cost_per_transaction(self, value):
        return export_number(value)

    def render_peer_median(self, value):
        return format_value(value, ValueKind.MONEY)

    def value_peer_median(self, value):
        return export_number(value)

    def render_peer_ratio(self, value):
        return number_formatter(2)(float(value)) if value is not None else "—"

    def value_peer_ratio(self, value):
        return export_number(value)


class CostEvidenceTable(PeerComparisonTable):
    caption = _("Cost-figure evidence")

    is_outlier = tables.Column(verbose_name=_("Outlier"), orderable=False)

    class Meta(BaseTable.Meta):
        per_page = 100

    def render_is_outlier(self, value):
        return yes_no(value)

    def value_is_outlier(self, value):
        return str(yes_no(value))


class CandidateTable(PeerComparisonTable):
    """Services whose cost per transaction differs significantly from their peers' median (domain brief §3 peer
    comparison): ratio ≥ k or ≤ 1/k."""

    caption = _("Candidates for review")

    service = tables.Column(verbose_name=_("Service"), accessor="service__name", orderable=False, attrs=NAME)
    direction = tables.Column(verbose_name=_("Differs"), orderable=False, empty_values=())
    action = tables.Column(
        verbose_name=_("Action"), accessor="year", orderable=False, empty_values=(), exclude_from_export=True
    )

    # Export only.
    catalogue_id = tables.Column(
        verbose_name=_("Catalogue identifier"), accessor="service__catalogue_id", visible=False, orderable=False
    )

    class Meta(BaseTable.Meta):
        per_page = 50

    def __init__(self, *args, may_draft=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_draft:
            self.columns.hide("action")

    def render_service(self, value, record):
        return format_html('{} <span class="muted">{}</span>', value, record.service.catalogue_id)

    def value_service(self, value):
        return value

    def render_direction(self, record):
        if record.direction == "high":
            return format_html('<span class="badge badge-loss">▲ {}</span>', _("dearer than peers"))
        if record.direction == "low":
            return format_html('<span class="badge badge-edit">▼ {}</span>', _("cheaper than peers"))
        return "—"

    def value_direction(self, record):
        return {"high": str(_("dearer than peers")), "low": str(_("cheaper than peers"))}.get(record.direction, "")

    def render_action(self, record):
        return format_html(
            '<button type="submit" class="button button--small button--secondary" name="candidate" '
            'value="{}:{}:{}">{}<span class="visually-hidden"> {}</span></button>',
            record.service.pk,
            record.provider.pk,
            record.year,
            _("Draft a review request"),
            record.service.name,
        )


# --- shared components ------------------------------------------------------------------------------------------


class ComponentTable(BaseTable):
    caption = _("Shared components")

    name = tables.Column(verbose_name=_("Component"), attrs=NAME, order_by=("name_lv",))
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    owner_institution = tables.Column(
        verbose_name=_("Owner"),
        accessor="owner_institution__short_name",
        order_by=("owner_institution__name_lv",),
        default="—",
    )
    institution_count = tables.Column(verbose_name=_("Institutions using it"), attrs=NUMERIC)
    project_count = tables.Column(verbose_name=_("Projects using it"), attrs=NUMERIC)

    # Export only.
    code = tables.Column(verbose_name=_("Code"), visible=False)
    url = tables.Column(verbose_name=_("Address"), visible=False, default="")
    institutions = tables.Column(verbose_name=_("Institutions"), empty_values=(), visible=False, orderable=False)
    description = tables.Column(verbose_name=_("Description"), visible=False, default="", orderable=False)

    class Meta(BaseTable.Meta):
        model = SharedComponent
        fields = ()
        order_by = ("name",)
        per_page = 50
        sequence = ("name", "kind", "status", "owner_institution", "institution_count", "project_count", "...")

    def render_name(self, value, record):
        url = reverse("transformation:component-detail", kwargs={"code": record.code})
        return format_html('<a href="{}">{}</a>', url, value)

    def value_name(self, value):
        return value

    def value_institutions(self, record):
        return "; ".join(use.institution.short_name or use.institution.name for use in record.institution_uses.all())


class ComponentInstitutionTable(BaseTable):
    caption = _("Institutions using the component")

    institution = tables.Column(verbose_name=_("Institution"), accessor="institution__name", orderable=False)
    short_name = tables.Column(verbose_name=_("Short name"), accessor="institution__short_name", orderable=False)
    since = DateColumn(verbose_name=_("Used since"), orderable=False)
    note = tables.Column(verbose_name=_("Note"), orderable=False, default="")

    class Meta(BaseTable.Meta):
        per_page = 200


class ComponentProjectTable(BaseTable):
    caption = _("Projects using the component")

    project = tables.Column(verbose_name=_("Project"), accessor="project__name", orderable=False)
    institution = tables.Column(
        verbose_name=_("Institution"), accessor="project__institution__short_name", orderable=False
    )
    status = tables.Column(verbose_name=_("Status"), accessor="project__get_status_display", orderable=False)
    since = DateColumn(verbose_name=_("Used since"), orderable=False)

    class Meta(BaseTable.Meta):
        per_page = 200

    def render_project(self, value, record):
        return project_link(record.project)

    def value_project(self, value):
        return value
