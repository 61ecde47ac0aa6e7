"""Tables of the plan pages; the same tables feed the CSV and XLSX exports, so a download holds the rows shown."""

from decimal import Decimal

import django_tables2 as tables
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from institutions.tables import BaseTable, yes_no

from .models import MeasureStatus
from .progress import TeamState, is_overdue, measure_deadline, obligation_due_date

NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}
STATUS_LABELS = dict(MeasureStatus.choices)


def number_text(value):
    """A decimal with the digits it needs, localised: 8 → "8", 7.600 → "7,6" in Latvian."""
    if value is None:
        return ""
    value = Decimal(value).normalize()
    places = max(0, -value.as_tuple().exponent)
    return number_format(value, decimal_pos=places, use_l10n=True)


def value_text(value_range):
    """A target or actual as read: "8", a range "7,6–8,7", or the reason there is no value; "" for none."""
    if value_range is None:
        return ""
    if value_range.value is not None:
        return number_text(value_range.value)
    if value_range.value_min is not None:
        return f"{number_text(value_range.value_min)}–{number_text(value_range.value_max)}"
    return value_range.not_measured_reason


def status_badge(status):
    """A measure status as the plan pages show it (templates/workplans/plans/_styles.html)."""
    return format_html(
        '<span class="badge plan-status plan-status--{}">{}</span>', status, STATUS_LABELS.get(status, status)
    )


def measure_url(measure):
    return reverse("workplans:measure-detail", kwargs={"code": measure.plan.code, "measure_code": measure.code})


def optional_url(name, *args):
    """The address of a page another part of the app may not have yet; None then."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def short_date(value):
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


# A table's value_<name> method makes a cell's export value, else its render_<name> method, else the column's
# value(); the columns below render HTML, so they give their export value themselves.


class LinkedColumn(tables.Column):
    """A value linking to `url(record)` on the page, plain in an export."""

    def __init__(self, *args, url, **kwargs):
        super().__init__(*args, **kwargs)
        self.url = url

    def render(self, value, record):
        return format_html('<a href="{}">{}</a>', self.url(record), value)

    def value(self, value):
        return value


class StatusColumn(tables.Column):
    """The status of a measure, an obligation or an improvement item: a badge on the page, its label in an export."""

    def render(self, record):
        return status_badge(record.status)

    def value(self, record):
        return record.get_status_display()


class MeasureTextColumn(tables.Column):
    """A measure's text in the reader's language; the accessor (its Latvian text) only names the field."""

    def render(self, record):
        return record.text


class DateColumn(tables.Column):
    """A date, short on the page; in an export as on the page, or as YYYY-MM-DD with `iso_export=True`."""

    def __init__(self, *args, iso_export=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.iso_export = iso_export

    def render(self, value):
        return short_date(value)

    def value(self, value):
        return value.isoformat() if self.iso_export else short_date(value)


# --- measures -----------------------------------------------------------------------------------------------------


class MeasureTable(BaseTable):
    """A plan's measures. `progress` maps a measure pk to its ObligationProgress (measures carried out in each
    institution); measures are expected with `waiting` annotated and their deadlines, responsibilities and
    carried-forward target loaded."""

    caption = _("Measures")

    code = LinkedColumn(verbose_name=_("Code"), orderable=False, url=measure_url)
    official_number = tables.Column(verbose_name=_("No."), orderable=False, default="")
    text = MeasureTextColumn(verbose_name=_("Measure"), orderable=False, accessor="text_lv")
    status = StatusColumn(verbose_name=_("Status"), orderable=False)
    deadlines = tables.Column(verbose_name=_("Deadlines"), orderable=False, empty_values=())
    responsible = tables.Column(verbose_name=_("Responsible"), orderable=False, empty_values=())
    progress = tables.Column(verbose_name=_("In each institution"), orderable=False, empty_values=())
    notes = tables.Column(verbose_name=_("Notes"), orderable=False, empty_values=(), exclude_from_export=True)

    # Export only.
    action_line = tables.Column(verbose_name=_("Action line"), accessor="action_line__code", visible=False)
    text_lv = tables.Column(verbose_name=_("Measure (Latvian)"), visible=False)
    text_en = tables.Column(verbose_name=_("Measure (English)"), visible=False, default="")
    status_code = tables.Column(verbose_name=_("Status code"), accessor="status", visible=False)
    deadline = tables.Column(verbose_name=_("Last deadline"), visible=False, empty_values=())
    obligations_executed = tables.Column(verbose_name=_("Obligations executed"), visible=False, empty_values=())
    obligations_total = tables.Column(verbose_name=_("Obligations"), visible=False, empty_values=())
    waiting = tables.Column(verbose_name=_("Waiting on other measures"), visible=False, empty_values=())
    carried_forward_to = tables.Column(verbose_name=_("Carried forward to measure"), visible=False, empty_values=())
    carried_forward_project = tables.Column(verbose_name=_("Carried forward to project"), visible=False, default="")
    continues_after_plan = tables.Column(verbose_name=_("Continues after the plan"), visible=False)
    evidence_lv = tables.Column(verbose_name=_("Evidence (Latvian)"), visible=False, default="")

    class Meta(BaseTable.Meta):
        attrs = {"class": "data-table measure-table"}
        per_page = None
        sequence = ("code", "official_number", "text", "status", "deadlines", "responsible", "progress", "notes", "...")

    def __init__(self, *args, progress=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.progress = progress or {}

    def _deadlines(self, record):
        return [
            (deadline.as_written or short_date(deadline.due_on), deadline.label) for deadline in record.deadlines.all()
        ]

    def render_deadlines(self, record):
        deadlines = self._deadlines(record)
        if not deadlines:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}{}",
            ((written, f" ({label})" if label else "") for written, label in deadlines),
        )

    def value_deadlines(self, record):
        return "; ".join(f"{written} ({label})" if label else written for written, label in self._deadlines(record))

    def value_deadline(self, record):
        return measure_deadline(record) or ""

    def _responsible(self, record):
        names = [
            responsibility.institution.short_name or responsibility.institution.name
            for responsibility in record.responsibilities.all()
        ]
        return ", ".join(part for part in [", ".join(names), record.responsible_text] if part)

    def render_responsible(self, record):
        return self._responsible(record) or "—"

    def value_responsible(self, record):
        return self._responsible(record)

    def render_progress(self, record):
        text = self.value_progress(record)
        return format_html('<span class="obligation-progress">{}</span>', text) if text else "—"

    def value_progress(self, record):
        progress = self.progress.get(record.pk)
        if progress is None or not record.in_each_institution:
            return ""
        return _("%(executed)s of %(total)s executed") % {"executed": progress.executed, "total": progress.total}

    def value_obligations_executed(self, record):
        progress = self.progress.get(record.pk)
        return progress.executed if progress and record.in_each_institution else ""

    def value_obligations_total(self, record):
        progress = self.progress.get(record.pk)
        return progress.total if progress and record.in_each_institution else ""

    def render_notes(self, record):
        notes = []
        if getattr(record, "waiting", False):
            notes.append(format_html('<span class="badge badge-waiting">{}</span>', _("waiting")))
        if record.carried_forward_to_id:
            target = record.carried_forward_to
            notes.append(
                format_html(
                    '{} <a href="{}">{} {}</a>',
                    _("→ carried forward to"),
                    measure_url(target),
                    target.plan.code,
                    target.code,
                )
            )
        elif record.carried_forward_project:
            notes.append(format_html("{} {}", _("→ carried forward to"), record.carried_forward_project))
        if record.continues_after_plan:
            notes.append(format_html('<span class="badge badge-muted">{}</span>', _("continues after the plan")))
        return format_html_join(" ", "{}", ((note,) for note in notes)) if notes else ""

    def value_waiting(self, record):
        return yes_no(getattr(record, "waiting", False))

    def value_carried_forward_to(self, record):
        target = record.carried_forward_to
        return f"{target.plan.code} {target.code}" if target else ""

    def value_continues_after_plan(self, value):
        return yes_no(value)


# --- indicators ---------------------------------------------------------------------------------------------------


class IndicatorValueTable(BaseTable):
    """Export of a plan's indicator values: one row per indicator and baseline, target or actual year."""

    caption = _("Indicator values")

    action_line = tables.Column(verbose_name=_("Action line"))
    code = tables.Column(verbose_name=_("Indicator code"))
    name = tables.Column(verbose_name=_("Indicator"))
    unit = tables.Column(verbose_name=_("Unit"))
    unit_note = tables.Column(verbose_name=_("Note on the unit"))
    year = tables.Column(verbose_name=_("Year"))
    kind = tables.Column(verbose_name=_("Value"))
    shown = tables.Column(verbose_name=_("As shown"))
    value = tables.Column(verbose_name=_("Number"))
    value_min = tables.Column(verbose_name=_("Lowest value"))
    value_max = tables.Column(verbose_name=_("Highest value"))
    reason = tables.Column(verbose_name=_("Why there is no value"))
    note = tables.Column(verbose_name=_("Note"))
    data_source = tables.Column(verbose_name=_("Data source"))
    result = tables.Column(verbose_name=_("Result"))

    class Meta(BaseTable.Meta):
        per_page = None


def indicator_value_rows(values):
    """Rows of IndicatorValueTable from progress.indicator_values(): baseline first, then per year the target
    and the actual."""
    rows = []
    for item in values:
        indicator = item.indicator
        common = {
            "action_line": indicator.action_line.code if indicator.action_line_id else "",
            "code": indicator.code,
            "name": indicator.name,
            "unit": indicator.unit,
            "unit_note": indicator.unit_note,
            "data_source": indicator.data_source,
            "result": indicator.get_result_display() if indicator.result else "",
        }
        if indicator.baseline_year is not None:
            rows.append(
                {
                    **common,
                    "year": indicator.baseline_year,
                    "kind": _("Baseline"),
                    "shown": number_text(indicator.baseline_value),
                    "value": indicator.baseline_value,
                }
            )
        for year in item.years:
            for kind, entry in ((_("Target"), item.targets.get(year)), (_("Actual"), item.actuals.get(year))):
                if entry is None:
                    continue
                rows.append(
                    {
                        **common,
                        "year": year,
                        "kind": kind,
                        "shown": value_text(entry),
                        "value": entry.value,
                        "value_min": entry.value_min,
                        "value_max": entry.value_max,
                        "reason": entry.not_measured_reason,
                        "note": entry.note,
                    }
                )
    return rows


def indicator_grid(item):
    """What the page shows of one indicator: the years across, the baseline first, targets and actuals as text;
    notes once under the table, each cell naming the number of its note."""
    indicator = item.indicator
    notes = []

    def note_number(entry):
        if entry is None or not entry.note:
            return None
        if entry.note not in notes:
            notes.append(entry.note)
        return notes.index(entry.note) + 1

    columns = []
    if indicator.baseline_year is not None:
        columns.append(
            {"year": indicator.baseline_year, "baseline": True, "actual": number_text(indicator.baseline_value)}
        )
    for year in item.years:
        target, actual = item.targets.get(year), item.actuals.get(year)
        columns.append(
            {
                "year": year,
                "baseline": False,
                "target": value_text(target),
                "target_note": note_number(target),
                "actual": value_text(actual),
                "actual_note": note_number(actual),
                "actual_missing": actual is not None and actual.value is None and actual.value_min is None,
            }
        )
    return {
        "indicator": indicator,
        "columns": columns,
        "has_targets": any(column.get("target") for column in columns),
        "notes": notes,
    }


# --- obligations and overdue --------------------------------------------------------------------------------------


class ObligationTable(BaseTable):
    """Obligations of one measure, as the reader may see them; `today` marks the overdue ones (in a `plan` whose
    follow-up is open)."""

    caption = _("Obligations")

    institution = tables.Column(verbose_name=_("Institution"), accessor="institution__name_lv")
    status = tables.Column(verbose_name=_("Status"))
    due_date = tables.Column(verbose_name=_("Due"), empty_values=())
    started_on = tables.Column(verbose_name=_("Started"), default="")
    completed_on = tables.Column(verbose_name=_("Completed"), default="")
    evidence = tables.Column(verbose_name=_("Evidence"), default="")
    voluntary = tables.Column(verbose_name=_("Voluntary"))

    class Meta(BaseTable.Meta):
        per_page = 50
        orderable = False

    def __init__(self, *args, today=None, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.today = today or timezone.localdate()

    def render_institution(self, record):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("institution-detail", kwargs={"pk": record.institution_id}),
            record.institution.name,
        )

    def value_institution(self, record):
        return record.institution.name

    def render_status(self, record):
        badge = status_badge(record.status)
        url = optional_url("workplans:obligation-detail", record.pk)
        return format_html('<a href="{}">{}</a>', url, badge) if url else badge

    def value_status(self, record):
        return record.get_status_display()

    def render_due_date(self, record):
        due = obligation_due_date(record)
        if due is None:
            return "—"
        if is_overdue(record.status, due, self.today, self.plan):
            return format_html('{} <span class="badge badge-overdue">{}</span>', short_date(due), _("overdue"))
        return short_date(due)

    def value_due_date(self, record):
        return obligation_due_date(record) or ""

    def render_voluntary(self, value):
        return yes_no(value)


class OverdueTable(BaseTable):
    """Rows past the date their `due_field` holds, with the days since then up to `today` (the local date unless
    given) in the last column. django-tables2 reads only a table's own Meta: a subclass declares
    `class Meta(OverdueTable.Meta)`."""

    due_field = None
    days_late = tables.Column(verbose_name=_("Days late"), empty_values=(), attrs=NUMERIC)

    class Meta(BaseTable.Meta):
        per_page = 50
        orderable = False
        sequence = ("...", "days_late")

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def render_days_late(self, record):
        return (self.today - getattr(record, self.due_field)).days


class OverdueMeasureTable(OverdueTable):
    caption = _("Overdue measures")
    due_field = "last_deadline"

    plan = tables.Column(verbose_name=_("Plan"), accessor="action_line__plan__code")
    code = LinkedColumn(verbose_name=_("Code"), url=measure_url)
    text = MeasureTextColumn(verbose_name=_("Measure"), accessor="text_lv")
    status = StatusColumn(verbose_name=_("Status"))
    last_deadline = DateColumn(verbose_name=_("Deadline"))

    class Meta(OverdueTable.Meta):
        pass


class OverdueObligationTable(OverdueTable):
    caption = _("Overdue obligations")
    due_field = "due_date"

    institution = tables.Column(verbose_name=_("Institution"), accessor="institution__name_lv")
    plan = tables.Column(verbose_name=_("Plan"), accessor="measure__action_line__plan__code")
    measure = LinkedColumn(
        verbose_name=_("Measure"), accessor="measure__code", url=lambda obligation: measure_url(obligation.measure)
    )
    status = StatusColumn(verbose_name=_("Status"))
    due_date = DateColumn(verbose_name=_("Due"))

    class Meta(OverdueTable.Meta):
        pass

    def render_institution(self, record):
        return record.institution.name


# --- the institution × obligation matrix --------------------------------------------------------------------------

TEAM_LABELS = {
    TeamState.TEAM: _("Team set up"),
    TeamState.NOT_REQUIRED: _("No team needed"),
    TeamState.MISSING: _("No team"),
}


def matrix_table(matrix):
    """The matrix as an export table: the institution's columns, then one status column per measure."""
    extra = [(f"m{measure.pk}", tables.Column(verbose_name=measure.code)) for measure in matrix.measures]
    rows = []
    for row in matrix.rows:
        institution = row.institution
        data = {
            "institution": institution.name,
            "short_name": institution.short_name,
            "group": institution.group.code if institution.group_id else "",
            "sector": institution.parent.short_name if institution.parent_id else "",
            "team": TEAM_LABELS[row.team_state],
            "assessment": (
                f"{row.assessment.round.name_lv} ({row.assessment.get_status_display()})" if row.assessment else ""
            ),
            "improvement_plan": (
                f"v{row.improvement_plan.version} ({row.improvement_plan.get_status_display()})"
                if row.improvement_plan
                else ""
            ),
        }
        for cell in row.cells:
            status = cell.obligation.get_status_display() if cell.obligation else ""
            data[f"m{cell.measure.pk}"] = f"{status} ({_('overdue')})" if cell.overdue else status
        rows.append(data)
    return MatrixTable(rows, extra_columns=extra)


class MatrixTable(BaseTable):
    caption = _("Institutions and their obligations")

    institution = tables.Column(verbose_name=_("Institution"))
    short_name = tables.Column(verbose_name=_("Short name"))
    group = tables.Column(verbose_name=_("Table 1 group"))
    sector = tables.Column(verbose_name=_("Parent institution"))
    team = tables.Column(verbose_name=_("Implementation team"))
    assessment = tables.Column(verbose_name=_("Conformity assessment"))
    improvement_plan = tables.Column(verbose_name=_("Improvement plan"))

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False
