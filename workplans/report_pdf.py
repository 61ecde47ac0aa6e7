"""The plan execution report (workplans/report.py) as a PDF, with reportlab and the DejaVu fonts of
assessments/pdf.py: the same content as the HTML and XLSX files, laid out for A4."""

import io
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from assessments.pdf import FONT, HEAD, RULE, register_fonts, styles

from .report import summary_sentence, title_facts

PAGE = A4
MARGIN = 18 * mm
WIDTH = PAGE[0] - 2 * MARGIN
MUTED = colors.HexColor("#4f5862")
TABLE_STYLE = TableStyle(
    [
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)


def _p(text, style):
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _table(rows, widths, total_rows=()):
    flowable = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands = list(TABLE_STYLE.getCommands())
    for index in total_rows:
        commands.append(("BACKGROUND", (0, index), (-1, index), HEAD))
    flowable.setStyle(TableStyle(commands))
    return flowable


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
    flowables = [_table(rows, widths)]
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
    return _table(table, widths, total_rows=totals)


def _footer(canvas, document):
    canvas.saveState()
    canvas.setFont(FONT, 7)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN, 8 * mm, document.title)
    canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, str(canvas.getPageNumber()))
    canvas.restoreState()


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
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=report.title,
            author=_("Service governance platform"),
            lang=report.language,
        )
        document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()
