"""The evaluation of a transformation project (transformation/report.py) as a PDF, with the building blocks of
reports/pdf.py: the same content as the XLSX file, laid out for landscape A4."""

from functools import partial

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from reports.pdf import NARROW_SIDES, RULED_ROWS, build_pdf, paragraph, register_fonts, ruled_table, styles

from .evaluation import Outcome
from .report import NO_VALUE, table_header

PAGE = landscape(A4)
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
OUTCOME_COLOURS = {Outcome.GAIN: colors.HexColor("#e3f1e6"), Outcome.LOSS: colors.HexColor("#fdecec")}
# Names and notes keep the line breaks they were written with.
_p = partial(paragraph, keep_line_breaks=True)


def facts_flowables(evaluation, style):
    rows = [[_p(label, style["head"]), _p(value, style["cell"])] for label, value in evaluation.facts]
    rows.append([_p(_("As of"), style["head"]), _p(evaluation.as_of, style["cell"])])
    return [ruled_table(rows, [45 * mm, WIDTH - 45 * mm], commands=[*RULED_ROWS, *NARROW_SIDES], repeat_rows=0)]


def before_after_flowable(evaluation, style):
    """The before/after table without its last two columns (periods and catalogue notes, kept for the XLSX)."""
    header = table_header()[:12]
    widths = [12, 62, 14, 14, 24, 22, 22, 22, 20, 16, 20, 19]
    scale = WIDTH / (sum(widths) * mm)
    widths = [width * mm * scale for width in widths]
    rows = [[_p(text, style["head"]) for text in header]]
    extra = []
    for index, line in enumerate(evaluation.lines, start=1):
        number = style["number"]
        rows.append(
            [
                _p(line.code, style["cell"]),
                _p(line.name, style["cell"]),
                _p(line.unit, style["cell"]),
                _p(_("Yes") if line.mandatory else _("No"), style["cell"]),
                _p(line.direction, style["cell"]),
                _p(line.baseline.text, number if line.baseline.number is not None else style["cell"]),
                _p(line.interim.text, number if line.interim.number is not None else style["cell"]),
                _p(line.final.text, number if line.final.number is not None else style["cell"]),
                _p(line.delta.text, number),
                _p(line.delta_percent.text, number),
                _p(line.outcome_label, style["cell"]),
                _p(line.missing, style["cell"]),
            ]
        )
        colour = OUTCOME_COLOURS.get(line.outcome)
        if colour is not None and line.outcome_label != NO_VALUE:
            extra.append(("BACKGROUND", (10, index), (10, index), colour))
    return ruled_table(rows, widths, extra=extra)


def render_pdf(evaluation):
    """The evaluation as a PDF, as bytes."""
    register_fonts()
    with translation.override(evaluation.language):
        style = styles()
        story = [_p(evaluation.title, style["title"]), Spacer(1, 3 * mm)]
        story += facts_flowables(evaluation, style)
        story += [Spacer(1, 4 * mm), _p(evaluation.summary, style["body"])]
        if evaluation.missing:
            story.append(_p(_("Mandatory indicators still missing a measurement:"), style["h3"]))
            story += [_p(f"• {text}", style["body"]) for text in evaluation.missing]

        story.append(_p(_("Before and after"), style["h2"]))
        story.append(before_after_flowable(evaluation, style))

        story.append(_p(_("Costs and benefits"), style["h2"]))
        rows = [[_p(_("Figure"), style["head"]), _p(_("Value"), style["head"])]]
        rows += [[_p(label, style["cell"]), _p(cell.text, style["number"])] for label, cell in evaluation.cost_benefit]
        story.append(ruled_table(rows, [90 * mm, 40 * mm]))
        story.append(
            _p(
                _("Net benefit = h·B − (I + h·R); benefit–cost ratio = h·B / (I + h·R); payback = I / (B − R)."),
                style["muted"],
            )
        )
        if evaluation.cost_benefit_note:
            story.append(_p(evaluation.cost_benefit_note, style["muted"]))

        if evaluation.members:
            story.append(_p(_("Project group"), style["h2"]))
            rows = [[_p(text, style["head"]) for text in (_("Name"), _("Role"), _("E-mail"))]]
            rows += [[_p(value, style["cell"]) for value in member] for member in evaluation.members]
            story.append(ruled_table(rows, [80 * mm, 70 * mm, 80 * mm]))

        story.append(_p(_("Phases"), style["h2"]))
        rows = [[_p(text, style["head"]) for text in (_("Phase"), _("Status"), _("Planned"), _("Actual"))]]
        rows += [[_p(value, style["cell"]) for value in phase] for phase in evaluation.phases]
        story.append(ruled_table(rows, [70 * mm, 40 * mm, 60 * mm, 60 * mm]))

        return build_pdf(story, title=evaluation.title, language=evaluation.language, page=PAGE, margin=MARGIN)
