"""What every PDF of the platform is made of (reportlab): the fonts, the paragraph styles, the colours, the ruled
table and the document with its footer (the title, optionally when it was made, and the page number).

Latvian needs a font with its letters (ā, ē, ī, ū, ķ, ļ, ņ, ģ) and the trend marks (↑ ↓ ☆): DejaVu Sans is looked
for in settings.PDF_FONT_DIR and the usual system places (Debian's fonts-dejavu-core). Without it the PDF falls
back to reportlab's own Vera, which lacks the long vowels and the marks.
"""

import io
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.formats import date_format
from django.utils.timezone import localtime, now
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

FONT, BOLD = "ResultsSans", "ResultsSans-Bold"
FONT_FILES = {FONT: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
FALLBACK_FILES = {FONT: "Vera.ttf", BOLD: "VeraBd.ttf"}
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu",  # Fedora, Alpine
    "/usr/share/fonts/TTF",  # Arch
)
INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#4f5862")
RULE = colors.HexColor("#c9d0d8")
HEAD = colors.HexColor("#eef1f4")

# A table's rows ruled below and aligned at the top; the header row shaded; cells narrowly padded at the sides.
RULED_ROWS = [
    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]
SHADED_HEADER = [("BACKGROUND", (0, 0), (-1, 0), HEAD)]
NARROW_SIDES = [("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
TABLE_STYLE = [*SHADED_HEADER, *RULED_ROWS, *NARROW_SIDES]


# --- fonts and styles -------------------------------------------------------------------------------------------------


def _font_dirs():
    configured = getattr(settings, "PDF_FONT_DIR", "")
    return ([Path(configured)] if configured else []) + [Path(path) for path in FONT_DIRS]


def register_fonts():
    """Register the PDF's two faces once: DejaVu Sans where it is found, else reportlab's Vera."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for directory in _font_dirs():
        if all((directory / file).is_file() for file in FONT_FILES.values()):
            files = {name: directory / file for name, file in FONT_FILES.items()}
            break
    else:
        import reportlab

        directory = Path(reportlab.__file__).parent / "fonts"
        files = {name: directory / file for name, file in FALLBACK_FILES.items()}
    for name, path in files.items():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def styles():
    """The paragraph styles by name: title, h2, h3, body, muted, and the table's cell, number and head."""
    sheet = getSampleStyleSheet()
    base = ParagraphStyle("results", parent=sheet["Normal"], fontName=FONT, fontSize=9, leading=11.5, textColor=INK)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=16, leading=20, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=base, fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3),
        "body": base,
        "muted": ParagraphStyle("muted", parent=base, textColor=MUTED, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "number": ParagraphStyle("number", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=8, leading=10),
    }


# --- flowables --------------------------------------------------------------------------------------------------------


def paragraph(text, style, keep_line_breaks=False):
    """Plain text (never markup) as a paragraph; with `keep_line_breaks` its line breaks stay breaks."""
    markup = escape(str(text))
    if keep_line_breaks:
        markup = markup.replace("\n", "<br/>")
    return Paragraph(markup, style)


def ruled_table(rows, widths, commands=TABLE_STYLE, extra=(), repeat_rows=1):
    """Rows of flowables as a left-aligned table styled by `commands` and then `extra`; the first `repeat_rows`
    rows (the header) repeat on every page."""
    flowable = Table(rows, colWidths=widths, repeatRows=repeat_rows, hAlign="LEFT")
    flowable.setStyle(TableStyle([*commands, *extra]))
    return flowable


# --- the document -----------------------------------------------------------------------------------------------------


def _footer(canvas, document, stamped):
    text = document.title
    if stamped:
        text += " · " + date_format(localtime(now()), "SHORT_DATETIME_FORMAT")
    canvas.saveState()
    canvas.setFont(FONT, 7)
    canvas.setFillColor(MUTED)
    canvas.drawString(document.leftMargin, 8 * mm, text)
    canvas.drawRightString(document.pagesize[0] - document.rightMargin, 8 * mm, str(canvas.getPageNumber()))
    canvas.restoreState()


def build_pdf(story, *, title, language, page, margin, stamped=False):
    """The story laid out on `page` with `margin` all round and the footer on every page, as bytes; `stamped`
    adds the date and time it was made to the footer."""
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        author=_("Service governance platform"),
        lang=language,
    )
    footer = partial(_footer, stamped=stamped)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
