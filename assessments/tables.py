"""Tables of the results pages (assessments/results_views.py); the same tables feed their CSV and XLSX exports.

Rows are plain dicts built from assessments/results.py by the `*_rows` functions below, so a page, its export
and its PDF show the same figures. Scores are shown with one decimal in the reader's language and exported as
plain numbers rounded as shown; a level is shown with its name and exported as its number. An aggregate withheld
from the reader (results.MIN_DISCLOSED) is "—" with the reason on the page and an empty cell in the export.
"""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from institutions.tables import BaseTable, yes_no
from reports.charts import number_formatter, percent_formatter

from .models import LEVELS, Score
from .results import MIN_DISCLOSED, level_label

NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}
NAME = {"td": {"class": "col-name"}, "th": {"class": "col-name"}}
format_score = number_formatter(1)
format_share = percent_formatter(1)


def rounded(value, decimals=1):
    return None if value is None else round(float(value), decimals)


def withheld_reason():
    return ngettext(
        "not shown: fewer than %(count)d organisation",
        "not shown: fewer than %(count)d organisations",
        MIN_DISCLOSED,
    ) % {"count": MIN_DISCLOSED}


def withheld_mark():
    return format_html(
        '<span class="no-value" title="{0}">—</span> <small class="muted no-value__reason">{0}</small>',
        withheld_reason(),
    )


def signed(value):
    """A change in points with its sign: "+6,5", "−3,0", "0,0"; "—" when there is none."""
    if value is None:
        return "—"
    text = format_score(abs(value))
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def trend_mark(trend, new_level=False):
    """↑/↓ for a change of more than five points and ☆ for a level reached for the first time, each with words
    for screen readers and as a tooltip."""
    parts = []
    if trend == Score.Trend.UP:
        parts.append(
            format_html(
                '<span title="{0}">↑<span class="visually-hidden"> {0}</span></span>', _("up by more than five points")
            )
        )
    elif trend == Score.Trend.DOWN:
        parts.append(
            format_html(
                '<span title="{0}">↓<span class="visually-hidden"> {0}</span></span>',
                _("down by more than five points"),
            )
        )
    if new_level:
        parts.append(
            format_html(
                '<span title="{0}">☆<span class="visually-hidden"> {0}</span></span>',
                _("level reached for the first time"),
            )
        )
    return format_html(" ".join(["{}"] * len(parts)), *parts) if parts else "–"


def trend_text(trend):
    return {Score.Trend.UP: "↑", Score.Trend.DOWN: "↓"}.get(trend, "")


class ScoreColumn(tables.Column):
    """A score or an average (0–100) with one decimal; `withheld` names the row key that says it is withheld."""

    def __init__(self, *args, withheld=None, **kwargs):
        kwargs.setdefault("attrs", NUMERIC)
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)
        self.withheld = withheld

    def render(self, value, record):
        if self.withheld and record.get(self.withheld):
            return withheld_mark()
        return format_score(value)

    def value(self, value, record):
        return rounded(value)


class ChangeColumn(ScoreColumn):
    def render(self, value, record):
        return signed(value)


class LevelColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", gettext_lazy("Level"))
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return level_label(value)

    def value(self, value):
        return value


class TrendColumn(tables.Column):
    """The stored trend (↑/↓) and, from the row's `new_level`, ☆; the export gives ☆ its own column."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", gettext_lazy("Trend"))
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("attrs", {"td": {"class": "trend"}})
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        return trend_mark(value, record.get("new_level"))

    def value(self, value):
        return trend_text(value)


class NewLevelColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", gettext_lazy("Level reached for the first time"))
        kwargs.setdefault("visible", False)
        kwargs.setdefault("empty_values", ())
        super().__init__(*args, **kwargs)

    def render(self, value):
        return yes_no(value)


class ResultTable(BaseTable):
    """A whole, unsorted table: the rows come in the order results.py gives them (areas in the methodology's order,
    league tables by rank). Options are set here because django-tables2 does not inherit a Meta."""

    def __init__(self, data, *, caption=None, **kwargs):
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("attrs", {"class": "data-table data-table--compact"})
        super().__init__(data, **kwargs)
        if caption:
            self.caption = caption


# --- an organisation's results ----------------------------------------------------------------------------------------


def area_rows(results):
    """Rows of AreaScoreTable from results.OrganisationResults."""
    rows = []
    for row in results.rows:
        score = row.score
        rows.append(
            {
                "area": row.label,
                "score": row.value,
                "level": score.level if score else None,
                "trend": score.trend if score else "",
                "new_level": bool(score and score.new_level),
                "previous_score": rounded(score.previous_score, 3) if score else None,
                "change": row.change,
                "rank": score.rank if score else None,
                "group_size": row.peer_count if score and score.rank else None,
                "peer_average": row.peer_average,
                "peer_withheld": row.peer_withheld,
                "national_average": row.national_average,
                "national_withheld": row.national_withheld,
            }
        )
    return rows


class AreaScoreTable(ResultTable):
    caption = gettext_lazy("Scores by area")

    area = tables.Column(verbose_name=gettext_lazy("Area"), attrs=NAME)
    score = ScoreColumn(verbose_name=gettext_lazy("Score"))
    level = LevelColumn()
    trend = TrendColumn()
    new_level = NewLevelColumn()
    previous_score = ScoreColumn(verbose_name=gettext_lazy("Previous round"))
    change = ChangeColumn(verbose_name=gettext_lazy("Change (points)"))
    rank = tables.Column(verbose_name=gettext_lazy("Rank in the peer group"), attrs=NUMERIC, empty_values=())
    group_size = tables.Column(verbose_name=gettext_lazy("Ranked in the peer group"), visible=False, empty_values=())
    peer_average = ScoreColumn(verbose_name=gettext_lazy("Peer-group average"), withheld="peer_withheld")
    national_average = ScoreColumn(verbose_name=gettext_lazy("National average"), withheld="national_withheld")

    def render_rank(self, value, record):
        if value is None:
            return "—"
        return _("%(rank)s of %(size)s") % {"rank": value, "size": record["group_size"]}

    def value_rank(self, value):
        return value


def answer_table_rows(groups):
    """Rows of AnswerTable from results.OrganisationResults.answers ([(Area, [AnswerRow])]): every question
    behind the scores, area by area."""
    return [
        {
            "area": f"{area.code} {area.name}",
            "code": row.question.code,
            "question": row.question.text,
            "counted": row.counted,
            "by_expert": row.by_expert,
            "self_answer": row.self_answer,
            "points": row.points,
            "obtainable": row.obtainable,
        }
        for area, items in groups
        for row in items
    ]


class AnswerTable(ResultTable):
    caption = gettext_lazy("The answers behind the scores")

    area = tables.Column(verbose_name=gettext_lazy("Area"))
    code = tables.Column(verbose_name=gettext_lazy("Code"), attrs={"td": {"class": "nowrap"}})
    question = tables.Column(verbose_name=gettext_lazy("Question"), attrs=NAME)
    counted = tables.Column(verbose_name=gettext_lazy("Answer that counts"))
    by_expert = tables.Column(verbose_name=gettext_lazy("Expert's answer"), empty_values=())
    self_answer = tables.Column(verbose_name=gettext_lazy("Self-assessed answer"))
    points = tables.Column(verbose_name=gettext_lazy("Points"), attrs=NUMERIC, empty_values=())
    obtainable = tables.Column(verbose_name=gettext_lazy("Obtainable"), attrs=NUMERIC, empty_values=())

    def __init__(self, data, *, with_area=True, **kwargs):
        super().__init__(data, exclude=() if with_area else ("area",), **kwargs)

    def render_by_expert(self, value):
        return yes_no(value)

    def render_points(self, value):
        return number_formatter(2)(value)

    def render_obtainable(self, value):
        return number_formatter(2)(value)

    def value_points(self, value):
        return rounded(value, 2)

    def value_obtainable(self, value):
        return rounded(value, 2)


# --- a round's national view ------------------------------------------------------------------------------------------


def league_rows(groups, link=None):
    """Rows of LeagueTable from results.league_tables; `link(assessment)` may return the address of an
    organisation's result page."""
    return [
        {
            "peer_group": group.label,
            "rank": score.rank,
            "group_size": group.size,
            "organisation": score.assessment.institution.name,
            "url": link(score.assessment) if link else None,
            "score": rounded(score.score, 3),
            "level": score.level,
            "trend": score.trend,
            "new_level": score.new_level,
            "previous_score": rounded(score.previous_score, 3),
            "change": None
            if score.score is None or score.previous_score is None
            else float(score.score - score.previous_score),
        }
        for group in groups
        for score in group.rows
    ]


class LeagueTable(ResultTable):
    caption = gettext_lazy("League table")

    peer_group = tables.Column(verbose_name=gettext_lazy("Peer group"))
    rank = tables.Column(verbose_name=gettext_lazy("Rank"), attrs=NUMERIC, empty_values=())
    organisation = tables.Column(verbose_name=gettext_lazy("Organisation"), attrs=NAME)
    score = ScoreColumn(verbose_name=gettext_lazy("Overall score"))
    level = LevelColumn()
    trend = TrendColumn()
    new_level = NewLevelColumn()
    previous_score = ScoreColumn(verbose_name=gettext_lazy("Previous round"))
    change = ChangeColumn(verbose_name=gettext_lazy("Change (points)"))

    def __init__(self, data, *, with_group=True, **kwargs):
        super().__init__(data, exclude=() if with_group else ("peer_group",), **kwargs)

    def render_rank(self, value):
        return "—" if value is None else value

    def value_rank(self, value):
        return value

    def render_organisation(self, value, record):
        return format_html('<a href="{}">{}</a>', record["url"], value) if record.get("url") else value

    def value_organisation(self, value):
        return value


def distribution_rows(distribution):
    return [
        {
            "area": row.label,
            "counts": row.counts,
            "shares": row.shares if not row.withheld else {level: None for level in LEVELS},
            "total": row.total,
            "withheld": row.withheld,
        }
        for row in distribution
    ]


class LevelCountColumn(tables.Column):
    """The organisations at one level: a count, or a share of the area's total."""

    def __init__(self, level, share, **kwargs):
        label = _("Level %(level)d") % {"level": level}
        super().__init__(
            verbose_name=f"{label} (%)" if share else label,
            accessor="pk",
            attrs=NUMERIC,
            empty_values=(),
            orderable=False,
            **kwargs,
        )
        self.level, self.share = level, share

    def _figure(self, record):
        return (record["shares"] if self.share else record["counts"]).get(self.level)

    def render(self, record):
        if record["withheld"]:
            return withheld_mark() if self.level == LEVELS[0] else "—"
        figure = self._figure(record)
        return format_share(figure) if self.share else number_formatter(0)(figure)

    def value(self, record):
        figure = self._figure(record)
        if figure is None:
            return None
        return round(figure * 100, 1) if self.share else figure


class DistributionTable(ResultTable):
    """Organisations per level in each area and overall (seed 002 Figures 2, 4, 6); `share` gives each level's
    share of the area's organisations instead of the count."""

    caption = gettext_lazy("Organisations by maturity level")

    area = tables.Column(verbose_name=gettext_lazy("Area"), attrs=NAME)
    total = tables.Column(verbose_name=gettext_lazy("Organisations"), attrs=NUMERIC)

    def __init__(self, data, *, share=False, **kwargs):
        levels = [(f"level_{level}", LevelCountColumn(level, share)) for level in LEVELS]
        super().__init__(
            data, extra_columns=levels, sequence=("area", *[name for name, _c in levels], "total"), **kwargs
        )


def group_average_rows(averages):
    return [
        {
            "group": row["label"],
            "count": row["count"],
            "means": row["means"],
            "overall": row["overall"],
            "withheld": row["withheld"],
        }
        for row in averages.rows
    ]


class AreaMeanColumn(ScoreColumn):
    def __init__(self, area, **kwargs):
        super().__init__(verbose_name=f"{area.code} {area.name}", accessor="pk", withheld="withheld", **kwargs)
        self.area_id = area.pk

    def render(self, record):
        return super().render(record["means"].get(self.area_id), record)

    def value(self, record):
        return rounded(record["means"].get(self.area_id))


class GroupAverageTable(ResultTable):
    """The mean scores of each peer group of one kind: a ministry sector or a municipal tier per row."""

    caption = gettext_lazy("Averages by peer group")

    group = tables.Column(verbose_name=gettext_lazy("Peer group"), attrs=NAME)
    count = tables.Column(verbose_name=gettext_lazy("Organisations"), attrs=NUMERIC)
    overall = ScoreColumn(verbose_name=gettext_lazy("Overall score"), withheld="withheld")

    def __init__(self, data, *, areas, group_label=None, **kwargs):
        columns = [(f"area_{area.pk}", AreaMeanColumn(area)) for area in areas]
        sequence = ("group", "count", *[name for name, _c in columns], "overall")
        super().__init__(data, extra_columns=columns, sequence=sequence, **kwargs)
        if group_label:
            self.columns["group"].column.verbose_name = group_label


def year_rows(rows):
    return [
        {
            "area": row.label,
            "mean": row.mean,
            "level": row.level,
            "count": row.count,
            "previous_mean": row.previous_mean,
            "previous_count": row.previous_count,
            "change": row.change,
            "trend": row.trend,
            "new_level": False,
            "withheld": row.withheld,
            "previous_withheld": row.previous_withheld,
        }
        for row in rows
    ]


class YearOnYearTable(ResultTable):
    """The averages of a round against the previous round of the same family (seed 002 Figures 1 and 3, and the
    year-on-year tables of §3.1.1–3.6.1)."""

    caption = gettext_lazy("Year-on-year")

    area = tables.Column(verbose_name=gettext_lazy("Area"), attrs=NAME)
    mean = ScoreColumn(verbose_name=gettext_lazy("Average score"), withheld="withheld")
    level = LevelColumn(verbose_name=gettext_lazy("Level of the average"))
    count = tables.Column(verbose_name=gettext_lazy("Organisations"), attrs=NUMERIC)
    previous_mean = ScoreColumn(verbose_name=gettext_lazy("Previous round's average"), withheld="previous_withheld")
    previous_count = tables.Column(verbose_name=gettext_lazy("Organisations in the previous round"), attrs=NUMERIC)
    change = ChangeColumn(verbose_name=gettext_lazy("Change (points)"))
    trend = TrendColumn()
