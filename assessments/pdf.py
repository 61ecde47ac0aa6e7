"""The results pages as PDF (reportlab): an organisation's results in a round and a round's national view, in the
reader's language, from the same data and the same tables as the pages (assessments/results.py,
assessments/tables.py), so the PDF shows what the page shows to the same reader and nothing more. Fonts, styles,
tables and the footer are reports/pdf.py's.
"""

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from reports.charts import PALETTE, number_formatter
from reports.pdf import FONT, RULED_ROWS, SHADED_HEADER, build_pdf, paragraph, register_fonts, ruled_table, styles

from .models import LEVELS, MaturityLevel
from .results import level_label
from .tables import (
    AnswerTable,
    AreaScoreTable,
    ChangeColumn,
    DistributionTable,
    GroupAverageTable,
    LeagueTable,
    LevelColumn,
    NewLevelColumn,
    ScoreColumn,
    TrendColumn,
    YearOnYearTable,
    answer_table_rows,
    area_rows,
    distribution_rows,
    group_average_rows,
    league_rows,
    signed,
    withheld_reason,
    year_rows,
)

PAGE = landscape(A4)
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
format_score = number_formatter(1)


# --- tables -----------------------------------------------------------------------------------------------------------


def _cell_text(column, value, record):
    """A cell as the page shows it, without its markup."""
    if isinstance(column, LevelColumn):
        return level_label(value)
    if isinstance(column, TrendColumn):
        marks = [value] if value else []
        if record.get("new_level"):
            marks.append("☆")
        return " ".join(marks) or "–"
    if isinstance(column, ChangeColumn):
        return signed(value)
    if isinstance(column, ScoreColumn):
        return format_score(value)
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return format_score(value)
    return str(value)


def _numeric(column):
    return "numeric" in (column.attrs.get("td", {}) or {}).get("class", "")


def table_flowable(table, style):
    """A django-tables2 table of assessments/tables.py as a reportlab table: its visible columns, each cell the
    export value written as on the page ("—" for none, levels by name, scores with one decimal)."""
    columns = [bound for bound in table.columns if not isinstance(bound.column, NewLevelColumn)]
    header = [paragraph(bound.header, style["head"]) for bound in columns]
    body = []
    for row in table.rows:
        cells = []
        for bound in columns:
            text = _cell_text(bound.column, row.get_cell_value(bound.name), row.record)
            cells.append(paragraph(text, style["number"] if _numeric(bound.column) else style["cell"]))
        body.append(cells)
    if not body:
        return paragraph(_("Nothing to show."), style["muted"])
    return ruled_table([header, *body], _widths(columns), commands=[*SHADED_HEADER, *RULED_ROWS])


def _widths(columns):
    """Name columns share what the number (and trend) columns leave."""
    narrow = 25 * mm
    wide = [bound for bound in columns if not (_numeric(bound.column) or isinstance(bound.column, TrendColumn))]
    rest = max(WIDTH - narrow * (len(columns) - len(wide)), 40 * mm)
    return [rest / len(wide) if bound in wide else narrow for bound in columns]


# --- charts -----------------------------------------------------------------------------------------------------------


def bar_drawing(labels, series, *, stacked=False, max_value=100, percent=False):
    """Horizontal bars, grouped (one bar per series) or stacked, with a legend; `series` is [(label, values)]."""
    labels = [str(label)[:40] for label in labels]
    bar_room = 16 if stacked else 5 * len(series) + 4
    height = len(labels) * bar_room + 60
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 70 * mm, 30
    chart.width, chart.height = WIDTH - 80 * mm, height - 50
    # Grouped bars are drawn bottom-up within a category: reversed, the first series comes out on top.
    drawn = list(enumerate(series)) if stacked else list(reversed(list(enumerate(series))))
    chart.data = [[value if value is not None else 0 for value in values] for _index, (_label, values) in drawn]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    if max_value:
        chart.valueAxis.valueMax = max_value
    if percent:
        chart.valueAxis.labelTextFormat = "%d %%"
    if stacked:
        chart.categoryAxis.style = "stacked"
    chart.barSpacing = 0.5
    for position, (index, _series) in enumerate(drawn):
        chart.bars[position].fillColor = colors.HexColor(PALETTE[index % len(PALETTE)])
        chart.bars[position].strokeColor = colors.white
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 70 * mm, 12
    legend.fontName, legend.fontSize = FONT, 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 90
    legend.dx = legend.dy = 7
    legend.colorNamePairs = [
        (colors.HexColor(PALETTE[index % len(PALETTE)]), str(label)[:30])
        for index, (label, _values) in enumerate(series)
    ]
    drawing.add(legend)
    return drawing


# --- documents --------------------------------------------------------------------------------------------------------


def _build(title, story):
    return build_pdf(
        story, title=str(title), language=(get_language() or "lv")[:2], page=PAGE, margin=MARGIN, stamped=True
    )


def organisation_pdf(data):
    """The organisation's result page (results.OrganisationResults) as a PDF."""
    register_fonts()
    style = styles()
    assessment = data.assessment
    title = _("Results of %(organisation)s: %(round)s") % {
        "organisation": assessment.institution.name,
        "round": assessment.round.name,
    }
    overall = data.overall.score
    story = [
        paragraph(title, style["title"]),
        paragraph(
            f"{assessment.round.methodology} · {assessment.get_status_display()} · {data.peer_group_label}",
            style["muted"],
        ),
    ]
    if not data.counted:
        story.append(
            paragraph(_("A preview: this assessment is not submitted, so it is not ranked or averaged."), style["body"])
        )
    if overall is not None and overall.score is not None:
        summary = _("Overall score %(score)s, %(level)s.") % {
            "score": format_score(overall.score),
            "level": level_label(overall.level),
        }
        if overall.rank:
            summary += " " + _("Rank %(rank)s of %(size)s in the peer group.") % {
                "rank": overall.rank,
                "size": data.overall.peer_count,
            }
        if overall.previous_score is not None:
            summary += " " + _("Change since the previous round: %(change)s points.") % {
                "change": signed(data.overall.change)
            }
        story.append(paragraph(summary, style["body"]))
    story += [
        paragraph(_("Scores by area"), style["h2"]),
        bar_drawing(
            [row.label for row in data.rows],
            [
                (assessment.institution.name, [row.value for row in data.rows]),
                (_("Peer-group average"), [row.peer_average for row in data.rows]),
                (_("National average"), [row.national_average for row in data.rows]),
            ],
        ),
        Spacer(1, 4),
        table_flowable(AreaScoreTable(area_rows(data)), style),
    ]
    if any(row.peer_withheld or row.national_withheld for row in data.rows):
        story.append(paragraph(_("Averages marked “—”: %(reason)s.") % {"reason": withheld_reason()}, style["muted"]))
    story.append(paragraph(_("The answers behind the scores"), style["h2"]))
    if data.review_pending:
        story.append(
            paragraph(
                _("The expert's review is under way: the answers the expert changed are shown once it is over."),
                style["muted"],
            )
        )
    for area, items in data.answers:
        table = AnswerTable(answer_table_rows([(area, items)]), with_area=False)
        story.append(KeepTogether([paragraph(f"{area.code} {area.name}", style["h3"]), table_flowable(table, style)]))
    return _build(title, story)


def round_pdf(data, share=False):
    """A round's national view (results.RoundResults) as a PDF, with the page's filters."""
    register_fonts()
    style = styles()
    round_ = data.round
    title = _("Results of %(round)s") % {"round": round_.name}
    story = [
        paragraph(title, style["title"]),
        paragraph(
            f"{round_.methodology} · "
            + ngettext("%(count)d organisation counted", "%(count)d organisations counted", data.counted)
            % {"count": data.counted}
            + (f" · {data.peer_group_label}" if data.peer_group else ""),
            style["muted"],
        ),
        paragraph(_("Average scores"), style["h2"]),
    ]
    if data.previous_round:
        story.append(paragraph(_("Compared with %(round)s.") % {"round": data.previous_round.name}, style["muted"]))
    story.append(table_flowable(YearOnYearTable(year_rows(data.years)), style))

    shown = [row for row in data.distribution if row.total and not row.withheld]
    story += [paragraph(_("Organisations by maturity level"), style["h2"])]
    if shown:
        figures = [row.shares if share else row.counts for row in shown]
        story.append(
            bar_drawing(
                [row.label for row in shown],
                [
                    (MaturityLevel(level).label, [(f[level] or 0) * (100 if share else 1) for f in figures])
                    for level in LEVELS
                ],
                stacked=True,
                max_value=100 if share else None,
                percent=share,
            )
        )
    story.append(table_flowable(DistributionTable(distribution_rows(data.distribution), share=share), style))

    for heading, column, averages in (
        (_("Averages by ministry sector"), _("Ministry sector"), data.sectors),
        (_("Averages by development-centre tier"), _("Development-centre tier"), data.tiers),
    ):
        table = GroupAverageTable(group_average_rows(averages), areas=averages.areas, group_label=column)
        story += [paragraph(heading, style["h2"]), table_flowable(table, style)]

    story.append(paragraph(_("League tables"), style["h2"]))
    if not data.league:
        story.append(paragraph(_("No league table to show."), style["muted"]))
    for group in data.league:
        story += [
            paragraph(group.label, style["h3"]),
            table_flowable(LeagueTable(league_rows([group]), with_group=False), style),
        ]
    return _build(title, story)
