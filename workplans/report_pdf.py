"""The plan execution report (workplans/report.py) as a PDF, with the building blocks of reports/pdf.py: the same
content as the HTML and XLSX files, laid out for A4."""

from functools import partial
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

from reports.pdf import HEAD, build_pdf, paragraph, register_fonts, ruled_table, styles

from .report import summary_sentence, title_facts

PAGE = A4
MARGIN = 18 * mm
WIDTH = PAGE[0] - 2 * MARGIN
# The report's texts (evidence, notes) keep the line breaks they were written with.
_p = partial(paragraph, keep_line_breaks=True)


def indicator_flowables(table, style):
    """An indicator table: a row per indicator (and one for its targets), a column per year."""
    year_width = 15 * mm
    rest = WIDTH - year_width * len(table.years)
    widths = [rest * 0.42, rest * 0.2, *[year_width] * len(table.years), rest * 0.38]
    header = [_p(_("Indicator"), style["head"]), _p(_("Unit"), style["head"])]
    header += [_p(year, style["head"]) for year in table.years] + [_p(_("Data source"), style["head"])]
    rows = [header]
    for row in table.rows:
        unit = f"{row.unit} ({row.unit_note})" if row.unit_note else row.unit
        rows.append(
            [_p(f"{row.code} {row.name}", style["cell"]), _p(unit, style["cell"])]
            + [_p(cell.text, style["number"] if cell.number is not None else style["cell"]) for cell in row.values]
            + [_p(row.data_source, style["cell"])]
        )
        if row.targets is not None:
            rows.append(
                [_p(_("Target"), style["muted"]), _p("", style["cell"])]
                + [_p(cell.text, style["number"]) for cell in row.targets]
                + [_p("", style["cell"])]
            )
    flowables = [ruled_table(rows, widths)]
    flowables.extend(_p(note, style["muted"]) for note in table.notes)
    for row in table.rows:
        if row.result_label or row.result_note:
            text = f"<b>{escape(row.result_label)}</b> {escape(row.result_note)}".strip()
            flowables.append(Paragraph(f"{escape(row.code)}: {text}", style["body"]))
    return flowables


def measure_flowables(measure, style):
    heading = f"{measure.code}" + (f" ({measure.official_number})" if measure.official_number else "")
    parts = [
        Paragraph(f"<b>{escape(heading)}</b> · {escape(measure.status_label)}", style["h3"]),
        _p(measure.text, style["body"]),
    ]
    if measure.outputs:
        parts.append(Paragraph(f"<b>{escape(_('Outputs'))}:</b> {escape(measure.outputs)}", style["body"]))
    if measure.evidence:
        parts.append(Paragraph(f"<b>{escape(_('Evidence'))}:</b> {escape(measure.evidence)}", style["body"]))
    if measure.continues_in:
        parts.append(Paragraph(f"<b>{escape(_('Continues in'))}:</b> → {escape(measure.continues_in)}", style["body"]))
    for label, url in measure.links:
        parts.append(_p(f"{label} {url}".strip(), style["muted"]))
    if measure.indicators:
        parts.extend(indicator_flowables(measure.indicators, style))
    return [KeepTogether(parts[:3]), *parts[3:], Spacer(1, 2 * mm)]


def counts_flowable(report, rows, style):
    columns = report.count_columns
    number_width = 19 * mm
    widths = [WIDTH - number_width * len(columns), *[number_width] * len(columns)]
    small_head = ParagraphStyle("small_head", parent=style["head"], fontSize=7, leading=8.5)
    table = [[_p(_("Action line"), style["head"]), *[_p(heading, small_head) for _a, heading in columns]]]
    for row in rows:
        label_style = style["head"] if row.is_total else style["cell"]
        table.append([_p(row.label, label_style), *[_p(value, style["number"]) for value in row.cells]])
    totals = [index + 1 for index, row in enumerate(rows) if row.is_total]
    return ruled_table(table, widths, extra=[("BACKGROUND", (0, index), (-1, index), HEAD) for index in totals])


def render_pdf(report):
    """The report as a PDF, as bytes."""
    register_fonts()
    with translation.override(report.language):
        style = styles()
        story = [Spacer(1, 40 * mm), _p(report.title, style["title"]), Spacer(1, 6 * mm)]
        for label, value in title_facts(report):
            story.append(Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", style["body"]))
        if report.goal:
            story.append(Paragraph(f"<b>{escape(_('Goal'))}:</b> {escape(report.goal)}", style["body"]))
        story += [Spacer(1, 6 * mm), _p(summary_sentence(report), style["body"]), PageBreak()]
        if report.plan_indicators:
            story.append(_p(_("Plan indicators"), style["h2"]))
            story.extend(indicator_flowables(report.plan_indicators, style))
        for section in report.sections:
            story.append(_p(f"{section.code} {section.title}", style["h2"]))
            if section.budget_note:
                story.append(_p(section.budget_note, style["muted"]))
            if section.indicators:
                story.append(_p(_("Progress indicators"), style["h3"]))
                story.extend(indicator_flowables(section.indicators, style))
            if section.indicator_result_note:
                story.append(_p(section.indicator_result_note, style["body"]))
            story.append(_p(_("Measures"), style["h3"]))
            for measure in section.measures:
                story.extend(measure_flowables(measure, style))
            story.append(counts_flowable(report, [section.counts], style))
        story += [PageBreak(), _p(_("Counts by status"), style["h2"]), counts_flowable(report, report.counts, style)]
        story += [Spacer(1, 4 * mm), _p(summary_sentence(report), style["body"])]
        return build_pdf(story, title=report.title, language=report.language, page=PAGE, margin=MARGIN)
