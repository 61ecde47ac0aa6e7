"""An organisation's profile (reports/dashboards.py) as a PDF, with reportlab and the DejaVu fonts of
assessments/pdf.py: the facts, then every panel's table with the cells as the page writes them, in the reader's
language. The charts' figures are the tables' own rows, so the PDF leaves the drawings out."""

import io
import re
from html import unescape
from xml.sax.saxutils import escape

from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.timezone import localdate
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from assessments.pdf import FONT, HEAD, RULE, register_fonts, styles

PAGE = landscape(A4)  # the cost tables have a dozen columns
MARGIN = 14 * mm
WIDTH = PAGE[0] - 2 * MARGIN
MUTED = colors.HexColor("#4f5862")
SPACES = re.compile(r"\s+")


def _p(text, style):
    return Paragraph(escape(str(text)), style)


def cell_text(html):
    """A rendered table cell as plain text: its markup dropped, entities read, white space collapsed."""
    return SPACES.sub(" ", unescape(strip_tags(str(html)))).strip()


def _widths(count):
    """The first column (the row's name) twice as wide as each of the others."""
    unit = WIDTH / (count + 1)
    return [unit * 2] + [unit] * (count - 1)


def table_flowable(table, style):
    """A django-tables2 table of a panel as a reportlab table: its visible columns, each cell as rendered on the
    page."""
    columns = list(table.columns)
    header = [_p(column.header, style["head"]) for column in columns]
    body = []
    for row in table.rows:
        cells = []
        for column in columns:
            numeric = "numeric" in ((column.attrs.get("td") or {}).get("class") or "")
            cells.append(_p(cell_text(row.get_cell(column.name)), style["number"] if numeric else style["cell"]))
        body.append(cells)
    flowable = Table([header, *body], colWidths=_widths(len(columns)), repeatRows=1, hAlign="LEFT")
    flowable.setStyle(
        TableStyle(
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
    )
    return flowable


def facts_flowable(facts, style):
    rows = [[_p(fact.label, style["head"]), _p(fact.value, style["cell"])] for fact in facts]
    flowable = Table(rows, colWidths=[60 * mm, WIDTH - 60 * mm], hAlign="LEFT")
    flowable.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return flowable


def panel_flowables(panel, style):
    heading = [_p(panel.title, style["h2"])]
    if panel.note:
        heading.append(_p(panel.note, style["muted"]))
    if not panel.has_rows:
        return [KeepTogether([*heading, _p(panel.empty or _("Nothing to show."), style["body"])])]
    return [*heading, table_flowable(panel.table, style), Spacer(1, 3 * mm)]


def _footer(canvas, document):
    canvas.saveState()
    canvas.setFont(FONT, 7)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN, 8 * mm, document.title)
    canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, str(canvas.getPageNumber()))
    canvas.restoreState()


def render_profile_pdf(profile):
    """The profile as a PDF, as bytes, in the active language."""
    register_fonts()
    style = styles()
    kind = _("Institution profile") if profile.kind == "institution" else _("Municipality profile")
    story = [
        _p(profile.title, style["title"]),
        _p(f"{kind} · {date_format(localdate(), 'DATE_FORMAT')}", style["muted"]),
        Spacer(1, 4 * mm),
    ]
    if profile.is_demo:
        story.append(_p(_("This institution is demo data, invented for demonstration."), style["body"]))
    story += [facts_flowable(profile.facts, style), Spacer(1, 4 * mm)]
    for panel in profile.panels:
        story.extend(panel_flowables(panel, style))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{profile.title} · {kind}",
        author=_("Service governance platform"),
        lang=get_language() or "lv",
    )
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()
