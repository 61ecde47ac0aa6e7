"""An organisation's profile (reports/dashboards.py) as a PDF, with the building blocks of reports/pdf.py: the
facts, then every panel's table with the cells as the page writes them, in the reader's language. The charts'
figures are the tables' own rows, so the PDF leaves the drawings out."""

import re
from html import unescape

from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.timezone import localdate
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from .pdf import RULED_ROWS, build_pdf, paragraph, register_fonts, ruled_table, styles

PAGE = landscape(A4)  # the cost tables have a dozen columns
MARGIN = 14 * mm
WIDTH = PAGE[0] - 2 * MARGIN
SPACES = re.compile(r"\s+")


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
    header = [paragraph(column.header, style["head"]) for column in columns]
    body = []
    for row in table.rows:
        cells = []
        for column in columns:
            numeric = "numeric" in ((column.attrs.get("td") or {}).get("class") or "")
            cells.append(paragraph(cell_text(row.get_cell(column.name)), style["number"] if numeric else style["cell"]))
        body.append(cells)
    return ruled_table([header, *body], _widths(len(columns)))


def facts_flowable(facts, style):
    rows = [[paragraph(fact.label, style["head"]), paragraph(fact.value, style["cell"])] for fact in facts]
    return ruled_table(rows, [60 * mm, WIDTH - 60 * mm], commands=RULED_ROWS, repeat_rows=0)


def panel_flowables(panel, style):
    heading = [paragraph(panel.title, style["h2"])]
    if panel.note:
        heading.append(paragraph(panel.note, style["muted"]))
    if not panel.has_rows:
        return [KeepTogether([*heading, paragraph(panel.empty or _("Nothing to show."), style["body"])])]
    return [*heading, table_flowable(panel.table, style), Spacer(1, 3 * mm)]


def render_profile_pdf(profile):
    """The profile as a PDF, as bytes, in the active language."""
    register_fonts()
    style = styles()
    kind = _("Institution profile") if profile.kind == "institution" else _("Municipality profile")
    story = [
        paragraph(profile.title, style["title"]),
        paragraph(f"{kind} · {date_format(localdate(), 'DATE_FORMAT')}", style["muted"]),
        Spacer(1, 4 * mm),
    ]
    if profile.is_demo:
        story.append(paragraph(_("This institution is demo data, invented for demonstration."), style["body"]))
    story += [facts_flowable(profile.facts, style), Spacer(1, 4 * mm)]
    for panel in profile.panels:
        story.extend(panel_flowables(panel, style))
    return build_pdf(
        story, title=f"{profile.title} · {kind}", language=get_language() or "lv", page=PAGE, margin=MARGIN
    )
