"""The plan execution report in the shape of the 2020–2023 report (seed 000, sources/seed-000-004.md §4): a title
page; per action line its indicator table, the indicator result and commentary, and each measure with its status,
evidence and where its work continues; then the counts by status.

`build_report(plan, language)` collects the content once, as plain data; the HTML, PDF (workplans/report_pdf.py)
and XLSX renderers only lay it out, so the three files show the same figures. `generate(report)` is the Celery
job's body (workplans/tasks.py): it writes the three files to the ExecutionReport row, with its progress.

    indicator table columns = the baseline years and every year with a target or an approved actual
    value of a year         = the latest approved actual of that year (workflow.actual_for); the baseline value in
                              the baseline year when no actual is reported for it
    counts                  = workplans.progress.execution(plan)
"""

import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl.styles import Alignment, Font

from config.exports import save_workbook
from config.outbox import EXECUTION_REPORTS
from config.progress import RowWriter

from .models import ExecutionReport, Indicator, IndicatorActual, IndicatorResult, Measure, ReportStatus, ReviewStatus
from .progress import execution

logger = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "xlsx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NO_VALUE = "—"


# --- the content, as plain data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One year of an indicator: a number, a range across services, a reason there is none, or nothing."""

    text: str
    number: Decimal | None = None
    missing_reason: str = ""
    note: str = ""
    baseline: bool = False


@dataclass
class IndicatorRow:
    code: str
    name: str
    unit: str
    unit_note: str
    data_source: str
    baseline_year: int | None
    values: list  # a Cell per year of the table
    targets: list | None  # a Cell per year, or None when the indicator has no targets
    result: str
    result_label: str
    result_note: str


@dataclass
class IndicatorTable:
    years: list
    rows: list
    notes: list = field(default_factory=list)  # the values' notes (their provenance), each once

    def __bool__(self):
        return bool(self.rows)


@dataclass
class MeasureEntry:
    code: str
    official_number: str
    text: str
    status: str
    status_label: str
    evidence: str
    continues_in: str  # where unfinished work went: a later measure, a project, a note; "" when nowhere
    counted_as_continuing: bool
    links: list  # (label, url)
    outputs: str = ""
    indicators: IndicatorTable | None = None


@dataclass
class CountsRow:
    """Counts by status of an action line or of the whole plan (workplans/progress.py)."""

    label: str
    measures: int
    executed: int
    partly_executed: int
    not_executed: int  # including those that lost relevance
    lost_relevance: int
    in_progress: int
    not_started: int
    carried_forward: int
    counted_as_continuing: int
    is_total: bool = False
    cells: list = field(default_factory=list)  # the values of Report.count_columns, in order


@dataclass
class LineSection:
    code: str
    title: str
    budget_note: str
    indicators: IndicatorTable
    indicator_result_note: str
    measures: list
    counts: CountsRow

    @property
    def counts_rows(self):
        return [self.counts]


@dataclass
class Report:
    language: str
    plan_code: str
    title: str
    plan_title: str
    approving_act: str
    period: str
    goal: str
    as_of: str
    plan_indicators: IndicatorTable
    sections: list
    counts: list  # a CountsRow per action line, then the total
    count_columns: list = field(default_factory=list)  # (attribute, heading) shown in every counts table

    @property
    def total(self):
        return self.counts[-1]


def count_columns(show_open):
    """The counts-table columns, in order; in progress and not started only for a plan that is still running."""
    columns = [
        ("measures", _("Measures")),
        ("executed", _("Executed")),
        ("partly_executed", _("Partly executed")),
        ("not_executed", _("Not executed")),
        ("lost_relevance", _("of which lost relevance")),
    ]
    if show_open:
        columns += [("in_progress", _("In progress")), ("not_started", _("Not started"))]
    columns += [
        ("carried_forward", _("Carried forward")),
        ("counted_as_continuing", _("Continuing (official summary)")),
    ]
    return columns


def format_number(value):
    """A stored decimal as the report writes it: without trailing zeros, with the language's decimal mark
    (7,6 in Latvian, 7.6 in English)."""
    value = Decimal(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return number_format(value, use_l10n=True)


def value_cell(entry, baseline=False):
    """The cell of an actual or a target (a ValueRange): "75", "7,6–8,7", or the reason there is no value."""
    if entry.value is not None:
        return Cell(format_number(entry.value), number=entry.value, note=entry.note, baseline=baseline)
    if entry.value_min is not None:
        text = f"{format_number(entry.value_min)}–{format_number(entry.value_max)}"
        return Cell(text, note=entry.note, baseline=baseline)
    reason = entry.not_measured_reason
    return Cell(reason or NO_VALUE, missing_reason=reason, note=entry.note, baseline=baseline)


def _latest_approved(actuals):
    """{year: actual}: the latest approved report of each year, the rule of workflow.actual_for."""
    latest = {}
    for actual in sorted(actuals, key=lambda a: (a.reviewed_at is not None, a.reviewed_at, a.pk), reverse=True):
        latest.setdefault(actual.year, actual)
    return latest


def indicator_table(indicators):
    """The table of `indicators` (prefetched `targets` and `approved`): a column per baseline year and per year
    with a target or an approved actual."""
    prepared = [
        (indicator, _latest_approved(indicator.approved), list(indicator.targets.all())) for indicator in indicators
    ]
    years = set()
    for indicator, actuals, targets in prepared:
        if indicator.baseline_year is not None:
            years.add(indicator.baseline_year)
        years.update(actuals)
        years.update(target.year for target in targets)
    years = sorted(years)
    rows = []
    for indicator, actuals, targets in prepared:
        values = []
        for year in years:
            if year in actuals:
                values.append(value_cell(actuals[year], baseline=year == indicator.baseline_year))
            elif year == indicator.baseline_year and indicator.baseline_value is not None:
                values.append(Cell(format_number(indicator.baseline_value), indicator.baseline_value, baseline=True))
            else:
                values.append(Cell(NO_VALUE))
        by_year = {target.year: target for target in targets}
        target_cells = [value_cell(by_year[year]) if year in by_year else Cell(NO_VALUE) for year in years]
        rows.append(
            IndicatorRow(
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                unit_note=indicator.unit_note,
                data_source=indicator.data_source,
                baseline_year=indicator.baseline_year,
                values=values,
                targets=target_cells if targets else None,
                result=indicator.result,
                result_label=str(IndicatorResult(indicator.result).label) if indicator.result else "",
                result_note=indicator.result_note,
            )
        )
    notes = [cell.note for row in rows for cell in [*row.values, *(row.targets or [])] if cell.note]
    return IndicatorTable(years=years, rows=rows, notes=list(dict.fromkeys(notes)))


def continues_in(measure):
    """Where a measure's unfinished work went, as the report names it: a later measure (with its plan), an
    external project, a note."""
    parts = []
    target = measure.carried_forward_to
    if target is not None:
        parts.append(f"{target.code} ({target.action_line.plan.code})")
    if measure.carried_forward_project:
        parts.append(measure.carried_forward_project)
    if measure.carried_forward_note:
        parts.append(measure.carried_forward_note)
    return "; ".join(parts)


def counts_row(label, counts, is_total=False):
    return CountsRow(
        label=label,
        measures=counts.total,
        executed=counts.executed,
        partly_executed=counts.partly_executed,
        not_executed=counts.not_executed_total,
        lost_relevance=counts.lost_relevance,
        in_progress=counts.in_progress,
        not_started=counts.not_started,
        carried_forward=counts.carried_forward,
        counted_as_continuing=counts.counted_as_continuing,
        is_total=is_total,
    )


def _indicators(plan):
    approved = IndicatorActual.objects.filter(status=ReviewStatus.APPROVED)
    return list(
        Indicator.objects.filter(plan=plan)
        .prefetch_related("targets", Prefetch("actuals", queryset=approved, to_attr="approved"))
        .order_by("order", "code")
    )


def _measures(plan):
    return list(
        Measure.objects.filter(action_line__plan=plan)
        .select_related("carried_forward_to__action_line__plan")
        .prefetch_related("links")
        .order_by("order", "code")
    )


def build_report(plan, language, as_of=None):
    """The report's content for `plan` in `language` ("lv" or "en"), as of `as_of` (today)."""
    with translation.override(language):
        as_of = as_of or timezone.localdate()
        indicators = _indicators(plan)
        measures = _measures(plan)
        progress = execution(plan)
        by_line = {line_execution.action_line.pk: line_execution for line_execution in progress.lines}
        by_measure = defaultdict(list)
        for indicator in indicators:
            if indicator.measure_id is not None:
                by_measure[indicator.measure_id].append(indicator)
        # The act's name usually carries its date; the date alone stands in for a missing name.
        approved_on = date_format(plan.approved_on, "DATE_FORMAT") if plan.approved_on else ""
        sections, counts = [], []
        for line_execution in progress.lines:
            line = line_execution.action_line
            line_measures = [measure for measure in measures if measure.action_line_id == line.pk]
            table = indicator_table([i for i in indicators if i.action_line_id == line.pk and i.measure_id is None])
            # The line's own result text is often its single indicator's: shown once.
            line_note = line.indicator_result_note
            if line_note in {row.result_note for row in table.rows}:
                line_note = ""
            section = LineSection(
                code=line.code,
                title=line.title,
                budget_note=line.budget_note,
                indicators=table,
                indicator_result_note=line_note,
                measures=[_measure_entry(measure, by_measure[measure.pk]) for measure in line_measures],
                counts=counts_row(f"{line.code} {line.title}", by_line[line.pk].counts),
            )
            sections.append(section)
            counts.append(section.counts)
        counts.append(counts_row(_("Total"), progress.counts, is_total=True))
        total = progress.counts
        columns = count_columns(show_open=bool(total.in_progress or total.not_started))
        for row in counts:
            row.cells = [getattr(row, attribute) for attribute, _heading in columns]
        return Report(
            language=language,
            plan_code=plan.code,
            title=_("Report on the execution of the plan “%(plan)s”") % {"plan": plan.title},
            plan_title=plan.title,
            approving_act=plan.approving_act or approved_on,
            period=plan.period,
            goal=plan.goal,
            as_of=date_format(as_of, "DATE_FORMAT"),
            plan_indicators=indicator_table(
                [i for i in indicators if i.action_line_id is None and i.measure_id is None]
            ),
            sections=sections,
            counts=counts,
            count_columns=columns,
        )


def _measure_entry(measure, own_indicators):
    return MeasureEntry(
        code=measure.code,
        official_number=measure.official_number,
        text=measure.text,
        status=measure.status,
        status_label=measure.get_status_display(),
        evidence=measure.evidence,
        continues_in=continues_in(measure),
        counted_as_continuing=measure.counted_as_continuing,
        links=[(link.label, link.url) for link in measure.links.all()],
        outputs=measure.outputs,
        indicators=indicator_table(own_indicators) if own_indicators else None,
    )


def summary_sentence(report):
    """The closing count in words, as the 2020–2023 report's summary gives it."""
    total = report.total
    return _(
        "Of %(measures)s measures, %(executed)s were executed, %(partly)s partly executed and %(not_executed)s not "
        "executed (of which %(lost)s lost relevance). The work of %(carried)s measures was carried forward; the "
        "official summary counts %(continuing)s measures as continuing."
    ) % {
        "measures": total.measures,
        "executed": total.executed,
        "partly": total.partly_executed,
        "not_executed": total.not_executed,
        "lost": total.lost_relevance,
        "carried": total.carried_forward,
        "continuing": total.counted_as_continuing,
    }


# --- HTML ----------------------------------------------------------------------------------------------------------


def render_html(report):
    """The report as one standalone HTML file (inline CSS, no external resources), as bytes."""
    with translation.override(report.language):
        html = render_to_string(
            "workplans/reports/execution_report.html",
            {"report": report, "summary": summary_sentence(report)},
        )
    return html.encode("utf-8")


# --- XLSX ----------------------------------------------------------------------------------------------------------


def _sheet_title(text, taken):
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    title = "".join(" " if char in "[]:*?/\\" else char for char in text).strip()[:31] or "-"
    candidate, number = title, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = title[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def _cell_value(cell):
    """A number as a number (a whole one as an integer), anything else as the text the report shows."""
    if cell.number is None:
        return cell.text
    return int(cell.number) if cell.number == cell.number.to_integral_value() else float(cell.number)


def render_xlsx(report):
    """The report as a workbook: a title sheet, a sheet per action line (indicators, measures, counts), a sheet
    of every measure and a sheet of the counts by status; as bytes."""
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    with translation.override(report.language):
        workbook = openpyxl.Workbook()
        taken = set()
        title_sheet = workbook.active
        title_sheet.title = _sheet_title(_("Report"), taken)
        title_sheet.append([report.title])
        title_sheet["A1"].font = Font(bold=True, size=14)
        for label, value in title_facts(report):
            title_sheet.append([label, value])
        title_sheet.append([])
        title_sheet.append([summary_sentence(report)])
        title_sheet.column_dimensions["A"].width = 30
        title_sheet.column_dimensions["B"].width = 80

        if report.plan_indicators:
            sheet = workbook.create_sheet(_sheet_title(_("Plan indicators"), taken))
            _write_indicator_table(sheet, report.plan_indicators, bold, wrap)

        for section in report.sections:
            sheet = workbook.create_sheet(_sheet_title(section.code, taken))
            sheet.append([f"{section.code} {section.title}"])
            sheet["A1"].font = Font(bold=True, size=12)
            if section.budget_note:
                sheet.append([section.budget_note])
            sheet.append([])
            if section.indicators:
                _write_indicator_table(sheet, section.indicators, bold, wrap)
                for row in section.indicators.rows:
                    if row.result_label or row.result_note:
                        sheet.append([row.code, row.result_label, row.result_note])
                if section.indicator_result_note:
                    sheet.append([_("Indicator result"), section.indicator_result_note])
                sheet.append([])
            sheet.append([_("Measures")])
            sheet.cell(row=sheet.max_row, column=1).font = bold
            _write_measures(sheet, section.measures, bold, wrap)
            sheet.append([])
            _write_counts(sheet, report, [section.counts], bold)
            for column, width in zip("ABCDEFGHIJ", (12, 50, 14, 18, 18, 50, 40, 14, 14, 40), strict=True):
                sheet.column_dimensions[column].width = width

        sheet = workbook.create_sheet(_sheet_title(_("Measures"), taken))
        header = [
            _("Action line"),
            _("Code"),
            _("Official number"),
            _("Measure"),
            _("Status"),
            _("Evidence"),
            _("Continues in"),
            _("Continuing (official summary)"),
            _("Links"),
        ]
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
        for section in report.sections:
            for measure in section.measures:
                sheet.append(
                    [
                        section.code,
                        measure.code,
                        measure.official_number,
                        measure.text,
                        measure.status_label,
                        measure.evidence,
                        measure.continues_in,
                        _("Yes") if measure.counted_as_continuing else _("No"),
                        "\n".join(f"{label} {url}".strip() for label, url in measure.links),
                    ]
                )
        for column, width in zip("ABCDEFGHI", (12, 10, 14, 60, 18, 80, 40, 14, 40), strict=True):
            sheet.column_dimensions[column].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = wrap
        sheet.freeze_panes = "C2"

        sheet = workbook.create_sheet(_sheet_title(_("Counts by status"), taken))
        _write_counts(sheet, report, report.counts, bold)
        sheet.column_dimensions["A"].width = 50
        sheet.freeze_panes = "B2"

        buffer = io.BytesIO()
        save_workbook(workbook, buffer)
    return buffer.getvalue()


def title_facts(report):
    facts = [(_("Plan"), f"{report.plan_code} {report.plan_title}"), (_("Period"), report.period)]
    if report.approving_act:
        facts.append((_("Approved by"), report.approving_act))
    facts.append((_("As of"), report.as_of))
    return facts


def _write_indicator_table(sheet, table, bold, wrap):
    header = [_("Code"), _("Indicator"), _("Values"), _("Unit"), *[str(year) for year in table.years]]
    header += [_("Data source"), _("Result")]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in table.rows:
        unit = f"{row.unit} ({row.unit_note})" if row.unit_note else row.unit
        sheet.append(
            [row.code, row.name, _("Actual"), unit, *[_cell_value(cell) for cell in row.values], row.data_source]
            + [row.result_label]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = wrap
        if row.targets is not None:
            sheet.append([row.code, row.name, _("Target"), unit, *[_cell_value(cell) for cell in row.targets]])
    if table.notes:
        sheet.append([])
        for note in table.notes:
            sheet.append([_("Note"), note])


def _write_measures(sheet, measures, bold, wrap):
    sheet.append(
        [_("Code"), _("Measure"), _("Official number"), _("Status"), _("Continues in"), _("Evidence"), _("Outputs")]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for measure in measures:
        sheet.append(
            [
                measure.code,
                measure.text,
                measure.official_number,
                measure.status_label,
                measure.continues_in,
                measure.evidence,
                measure.outputs,
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = wrap


def _write_counts(sheet, report, rows, bold):
    sheet.append([_("Action line"), *[heading for _attribute, heading in report.count_columns]])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in rows:
        sheet.append([row.label, *row.cells])
        if row.is_total:
            for cell in sheet[sheet.max_row]:
                cell.font = bold


# --- the job -------------------------------------------------------------------------------------------------------

# Steps as English msgids: the status page shows them in the reader's language.
STEP_COLLECTING = gettext_noop("Collecting the measures, statuses and indicators")
STEP_HTML = gettext_noop("Writing the HTML file")
STEP_PDF = gettext_noop("Writing the PDF file")
STEP_XLSX = gettext_noop("Writing the XLSX file")
STEP_SAVING = gettext_noop("Saving the files")


class ProgressRecorder(RowWriter):
    """Writes the job's percentage and step to its ExecutionReport row as it goes.

    Inside a caller's transaction (a test, an eager job run from a transaction) a side connection would not see
    an uncommitted row, or would wait for a row the caller holds: there the update goes through the caller's
    own connection."""

    def __init__(self, report_id, using=DEFAULT_DB_ALIAS):
        super().__init__(ExecutionReport, report_id, using)
        if connections[using].in_atomic_block and self.connection is not None:
            self.connection = None

    def __call__(self, percent, step):
        self.update(progress=percent, step=step)


def renderers():
    from .report_pdf import render_pdf

    return {"html": (STEP_HTML, render_html), "pdf": (STEP_PDF, render_pdf), "xlsx": (STEP_XLSX, render_xlsx)}


def file_name(report, file_format):
    """plan code, report number and language: e.g. "pvpp-2020-2023-execution-7-lv.pdf"."""
    return f"{slugify(report.plan.code)}-execution-{report.pk}-{report.language}.{file_format}"


def generate(report):
    """The Celery job's body: build the report once and write its three files to the row; status running →
    done, or failed with the error kept. A finished report is left as it is (a redelivered job does nothing)."""
    if not isinstance(report, ExecutionReport):
        report = ExecutionReport.objects.select_related("plan").get(pk=report)
    if report.is_finished:
        return report
    ExecutionReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), progress=0, step=STEP_COLLECTING, error=""
    )
    progress = ProgressRecorder(report.pk)
    try:
        progress(5, STEP_COLLECTING)
        content = build_report(report.plan, report.language)
        files, steps = {}, renderers()
        for number, file_format in enumerate(FORMATS):
            step, render = steps[file_format]
            progress(20 + 25 * number, step)
            files[file_format] = render(content)
        progress(95, STEP_SAVING)
        names = {}
        for file_format, data in files.items():
            stored = getattr(report, f"{file_format}_file")
            stored.save(file_name(report, file_format), ContentFile(data), save=False)
            names[f"{file_format}_file"] = stored.name
        outcome = {"status": ReportStatus.DONE, "progress": 100, "step": "", **names}
    except Exception as error:
        logger.exception("execution report %s failed", report.pk)
        outcome = {"status": ReportStatus.FAILED, "error": f"{type(error).__name__}: {error}"[:4000]}
    finally:
        progress.close()
    ExecutionReport.objects.filter(pk=report.pk).update(finished_at=timezone.now(), **outcome)
    report.refresh_from_db()
    return report


def request_report(plan, language, user=None):
    """A queued report of `plan` in `language`; the job is sent when the current transaction commits (the worker
    must find the row). Without a broker (eager Celery) it runs at once."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    report = ExecutionReport.objects.create(
        plan=plan, language=language, requested_by=user if user is not None and user.is_authenticated else None
    )

    return EXECUTION_REPORTS.send_on_commit(report)
