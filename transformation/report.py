"""The evaluation of a transformation project as a file (seed 003 §3.2 M8, §8 item 19): the project, its group and
phases, the before/after table with every indicator's gain or loss, and the cost–benefit figures.

`build_evaluation(project, language)` collects the content once, as plain data, from transformation/evaluation.py;
the XLSX (here) and PDF (transformation/report_pdf.py) renderers only lay it out, so both files show the same
figures as the project page.

    Δ       = final − baseline;  Δ % = Δ / baseline × 100 (none when the baseline is 0 or missing)
    outcome = gain when Δ goes the indicator's good direction, loss when against it
    net benefit = h·B − (I + h·R);  benefit–cost ratio = h·B / (I + h·R);  payback = I / (B − R) years
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill

from config.exports import save_workbook
from reports.charts import number_formatter

from .evaluation import Outcome, evaluate
from .models import MeasurementSource, ValueKind
from .tables import export_number, format_percent, format_value

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NO_VALUE = "—"
OUTCOME_FILLS = {Outcome.GAIN: "E3F1E6", Outcome.LOSS: "FDECEC"}


@dataclass(frozen=True)
class Cell:
    """One value as the file shows it, and the plain number behind it (None for a text or no value)."""

    text: str
    number: Decimal | int | None = None


@dataclass
class Line:
    """One indicator of the before/after table."""

    code: str
    name: str
    unit: str
    kind: str
    kind_label: str
    mandatory: bool
    direction: str
    baseline: Cell
    interim: Cell
    final: Cell
    delta: Cell
    delta_percent: Cell
    outcome: str
    outcome_label: str
    missing: str
    periods: str
    sources: str


@dataclass
class Evaluation:
    language: str
    title: str
    project_name: str
    facts: list  # (label, value)
    members: list  # (name, role, e-mail)
    phases: list  # (phase, status, planned, actual)
    lines: list = field(default_factory=list)
    cost_benefit: list = field(default_factory=list)  # (label, Cell)
    cost_benefit_note: str = ""
    counts: list = field(default_factory=list)  # (label, count)
    missing: list = field(default_factory=list)  # "R1 name (baseline, final)"
    summary: str = ""
    as_of: str = ""
    file_stem: str = ""


def _date(value):
    return date_format(value, "SHORT_DATE_FORMAT") if value else NO_VALUE


def _range(start, end):
    if not start and not end:
        return NO_VALUE
    return f"{_date(start)} – {_date(end)}"


def _value_cell(measurement, indicator):
    if measurement is None:
        return Cell(NO_VALUE)
    if not indicator.is_numeric:
        return Cell(measurement.text_value or NO_VALUE)
    return Cell(format_value(measurement.value, indicator.value_kind), export_number(measurement.value))


def _line(row):
    indicator = row.indicator
    measured = [m for m in (row.baseline, row.interim, row.final) if m is not None]
    phase_labels = {"baseline": _("Baseline"), "interim": _("Interim"), "final": _("Final")}
    periods = "; ".join(
        f"{phase_labels[m.phase]}: {_range(m.period_start, m.period_end)}"
        for m in measured
        if m.period_start or m.period_end
    )
    sources = "; ".join(
        f"{phase_labels[m.phase]}: {m.source_note or _('pre-filled from the catalogue')}"
        for m in measured
        if m.source == MeasurementSource.PREFILLED
    )
    numeric = indicator.is_numeric
    return Line(
        code=indicator.code,
        name=indicator.name,
        unit=indicator.unit,
        kind=indicator.value_kind,
        kind_label=str(indicator.get_value_kind_display()),
        mandatory=indicator.mandatory,
        direction=str(indicator.get_good_direction_display()),
        baseline=_value_cell(row.baseline, indicator),
        interim=_value_cell(row.interim, indicator),
        final=_value_cell(row.final, indicator),
        delta=Cell(format_value(row.delta, indicator.value_kind, signed=True), export_number(row.delta))
        if numeric
        else Cell(NO_VALUE),
        delta_percent=Cell(format_percent(row.delta_percent), export_number(row.delta_percent))
        if numeric
        else Cell(NO_VALUE),
        outcome=row.outcome,
        outcome_label=str(Outcome(row.outcome).label) if numeric else NO_VALUE,
        missing=", ".join(str(phase_labels[phase]) for phase in row.missing_phases),
        periods=periods,
        sources=sources,
    )


def _money(value):
    return Cell(format_value(value, ValueKind.MONEY), export_number(value))


def _number(value, decimals=2):
    if value is None:
        return Cell(NO_VALUE)
    return Cell(number_formatter(decimals)(float(value)), export_number(value))


def cost_benefit_lines(figures):
    """The cost–benefit figures as (label, Cell), in the order of the formula."""
    return [
        (_("One-off investment (I)"), _money(figures.investment)),
        (_("Yearly running cost (R)"), _money(figures.running_cost)),
        (_("Yearly monetary benefit (B)"), _money(figures.benefit)),
        (_("Appraisal period in years (h)"), Cell(str(figures.years), figures.years)),
        (_("Total benefit (h·B)"), _money(figures.total_benefit)),
        (_("Total expenditure (I + h·R)"), _money(figures.total_expenditure)),
        (_("Net benefit"), _money(figures.net_benefit)),
        (_("Benefit–cost ratio"), _number(figures.benefit_cost_ratio)),
        (_("Return on investment"), _percent_of(figures.return_on_investment)),
        (_("Yearly net benefit (B − R)"), _money(figures.yearly_net_benefit)),
        (_("Payback period (years)"), _number(figures.payback_years)),
    ]


def _percent_of(fraction):
    """A fraction as a percentage on the page; the fraction itself in the workbook."""
    if fraction is None:
        return Cell(NO_VALUE)
    return Cell(format_percent(fraction * 100), export_number(fraction))


def summary_sentence(evaluation_data):
    return _(
        "{gains} gains, {losses} losses, {unchanged} unchanged and {not_classed} not classed among {total} indicators."
    ).format(
        gains=evaluation_data.gains,
        losses=evaluation_data.losses,
        unchanged=evaluation_data.unchanged,
        not_classed=evaluation_data.not_classed,
        total=len(evaluation_data.rows),
    )


def build_evaluation(project, language, user=None, as_of=None):
    """The evaluation of `project` in `language`, as plain data."""
    with translation.override(language):
        result = evaluate(project)
        services = project.services.order_by("catalogue_id")
        facts = [
            (_("Institution"), project.institution.name),
            (_("Services concerned"), "; ".join(f"{s.catalogue_id} {s.name}" for s in services) or NO_VALUE),
            (_("Status"), str(project.get_status_display())),
            (_("Goal"), project.goal or NO_VALUE),
            (_("Funding source"), str(project.get_funding_source_display()) if project.funding_source else NO_VALUE),
            (_("Planned"), _range(project.planned_start, project.planned_end)),
            (_("Started on"), _date(project.started_on)),
            (_("Closed on"), _date(project.closed_on)),
        ]
        if project.is_demo:
            facts.append((_("Demo data"), _("Yes: the figures are invented for demonstration.")))
        members = [
            (member.person_name, str(member.get_role_display()), member.email)
            for member in project.members.order_by("role", "person_name")
        ]
        phases = [
            (
                str(phase.get_kind_display()),
                str(phase.get_status_display()),
                _range(phase.planned_start, phase.planned_end),
                _range(phase.actual_start, phase.actual_end),
            )
            for phase in project.phases.order_by("order")
        ]
        figures = result.cost_benefit
        note = ""
        if not figures.complete:
            note = _("Some money figures of the final measurement are missing, so not every figure can be computed.")
        as_of = as_of or timezone.localdate()
        return Evaluation(
            language=language,
            title=_("Evaluation of the transformation project “{name}”").format(name=project.name),
            project_name=project.name,
            facts=facts,
            members=members,
            phases=phases,
            lines=[_line(row) for row in result.rows],
            cost_benefit=cost_benefit_lines(figures),
            cost_benefit_note=note,
            counts=[
                (str(Outcome.GAIN.label), result.gains),
                (str(Outcome.LOSS.label), result.losses),
                (str(Outcome.UNCHANGED.label), result.unchanged),
                (str(Outcome.NOT_CLASSED.label), result.not_classed),
            ],
            missing=[
                f"{row.indicator.code} {row.indicator.name} "
                f"({', '.join(str(label).lower() for label in _phase_labels(row.missing_phases))})"
                for row in result.missing
            ],
            summary=summary_sentence(result),
            as_of=_date(as_of),
            file_stem=f"evaluation-{project.pk}-{slugify(project.name)[:40] or 'project'}-{as_of.isoformat()}",
        )


def _phase_labels(phases):
    labels = {"baseline": _("Baseline"), "interim": _("Interim"), "final": _("Final")}
    return [labels.get(phase, phase) for phase in phases]


def file_name(evaluation, file_format):
    return f"{evaluation.file_stem}.{file_format}"


def table_header():
    return [
        _("Code"),
        _("Indicator"),
        _("Unit"),
        _("Mandatory"),
        _("Good direction"),
        _("Baseline"),
        _("Interim"),
        _("Final"),
        "Δ",
        "Δ %",
        _("Gain or loss"),
        _("Missing measurements"),
        _("Periods"),
        _("Pre-filled from the catalogue"),
    ]


def _xlsx_value(cell):
    return cell.number if cell.number is not None else ("" if cell.text == NO_VALUE else cell.text)


def render_xlsx(evaluation):
    """The evaluation as a workbook: the project and its group and phases, the before/after table, the
    cost–benefit figures; as bytes. Numbers are numbers (a share in per cent, money in euros)."""
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    with translation.override(evaluation.language):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = _("Project")[:31]
        sheet.append([evaluation.title])
        sheet["A1"].font = Font(bold=True, size=14)
        for label, value in evaluation.facts:
            sheet.append([label, value])
        sheet.append([_("As of"), evaluation.as_of])
        sheet.append([])
        sheet.append([evaluation.summary])
        for text in evaluation.missing:
            sheet.append([_("Missing"), text])
        sheet.append([])
        sheet.append([_("Project group")])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append([_("Name"), _("Role"), _("E-mail")])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for member in evaluation.members:
            sheet.append(list(member))
        sheet.append([])
        sheet.append([_("Phases")])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append([_("Phase"), _("Status"), _("Planned"), _("Actual")])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for phase in evaluation.phases:
            sheet.append(list(phase))
        sheet.column_dimensions["A"].width = 34
        sheet.column_dimensions["B"].width = 70
        sheet.column_dimensions["C"].width = 26
        sheet.column_dimensions["D"].width = 26
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = wrap

        table = workbook.create_sheet(_("Before and after")[:31])
        table.append(table_header())
        for cell in table[1]:
            cell.font = bold
            cell.alignment = wrap
        for line in evaluation.lines:
            table.append(
                [
                    line.code,
                    line.name,
                    line.unit,
                    _("Yes") if line.mandatory else _("No"),
                    line.direction,
                    _xlsx_value(line.baseline),
                    _xlsx_value(line.interim),
                    _xlsx_value(line.final),
                    _xlsx_value(line.delta),
                    _xlsx_value(line.delta_percent),
                    "" if line.outcome_label == NO_VALUE else line.outcome_label,
                    line.missing,
                    line.periods,
                    line.sources,
                ]
            )
            fill = OUTCOME_FILLS.get(line.outcome)
            if fill and line.outcome_label != NO_VALUE:
                table.cell(row=table.max_row, column=11).fill = PatternFill("solid", fgColor=fill)
        for column, width in zip(
            "ABCDEFGHIJKLMN", (9, 50, 10, 11, 18, 14, 14, 14, 12, 10, 14, 18, 34, 50), strict=True
        ):
            table.column_dimensions[column].width = width
        table.freeze_panes = "C2"

        money = workbook.create_sheet(_("Costs and benefits")[:31])
        money.append([_("Figure"), _("Value")])
        for cell in money[1]:
            cell.font = bold
        for label, cell in evaluation.cost_benefit:
            money.append([label, _xlsx_value(cell)])
        money.append([])
        money.append([_("Net benefit = h·B − (I + h·R); benefit–cost ratio = h·B / (I + h·R); payback = I / (B − R).")])
        if evaluation.cost_benefit_note:
            money.append([evaluation.cost_benefit_note])
        money.column_dimensions["A"].width = 40
        money.column_dimensions["B"].width = 18

        counts = workbook.create_sheet(_("Gains and losses")[:31])
        counts.append([_("Outcome"), _("Indicators")])
        for cell in counts[1]:
            cell.font = bold
        for label, count in evaluation.counts:
            counts.append([label, count])
        counts.column_dimensions["A"].width = 24

        buffer = io.BytesIO()
        save_workbook(workbook, buffer)
    return buffer.getvalue()
