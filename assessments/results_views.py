"""Web pages of the assessment results (issue 5 "Pages, exports"): an organisation's results in a round and a
round's national view, each with its tables as CSV and XLSX (`?_export=csv`, or the table's own trigger such as
`?_export_league=xlsx`, with the page's filters) and as a PDF.

What each reader sees is decided by assessments/results.py (the results rule in its docstring) on top of
workflow.visible_assessments; these views only arrange it. An assessment or a round the user may not see answers
404.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from reports.charts import (
    Series,
    bar_chart,
    grouped_bar_chart,
    number_formatter,
    percent_formatter,
    stacked_bar_chart,
)
from config.exports import first_export

from . import pdf, results, workflow
from .models import LEVELS, Assessment, MaturityLevel
from .tables import (
    AnswerTable,
    AreaScoreTable,
    DistributionTable,
    GroupAverageTable,
    LeagueTable,
    YearOnYearTable,
    answer_table_rows,
    area_rows,
    distribution_rows,
    group_average_rows,
    league_rows,
    signed,
    trend_mark,
    year_rows,
)

format_score = number_formatter(1)


# --- a chart of groups of bars ----------------------------------------------------------------------------------------


def comparison_chart(organisation_results):
    """Area × {organisation, peer group, country}."""
    rows = organisation_results.rows
    name = organisation_results.assessment.institution.name
    return grouped_bar_chart(
        _("Scores of %(organisation)s beside its peer group and the country") % {"organisation": name},
        [row.label for row in rows],
        [
            Series(name, [row.value for row in rows]),
            Series(_("Peer-group average"), [row.peer_average for row in rows]),
            Series(_("National average"), [row.national_average for row in rows]),
        ],
        category_label=_("Area"),
        max_value=100,
    )


def distribution_chart(distribution, share):
    """Organisations per level in each area and overall, as stacked bars (seed 002 Figures 2, 4 and 6)."""
    shown = [row for row in distribution if row.total and not row.withheld]
    figures = [row.shares if share else row.counts for row in shown]
    return stacked_bar_chart(
        _("Organisations by maturity level") + (f" ({_('shares')})" if share else ""),
        [row.label for row in shown],
        [Series(MaturityLevel(level).label, [figure[level] for figure in figures]) for level in LEVELS],
        category_label=_("Area"),
        formatter=percent_formatter(0) if share else number_formatter(0),
        show_total=not share,
    )


def group_chart(title, averages):
    rows = [row for row in averages.rows if not row["withheld"] and row["overall"] is not None]
    return bar_chart(
        title,
        [row["label"] for row in rows],
        [row["overall"] for row in rows],
        category_label=_("Peer group"),
        value_label=_("Average overall score"),
        formatter=format_score,
        max_value=100,
    )


def year_chart(round_results):
    rows = round_results.years
    return grouped_bar_chart(
        _("Average scores: this round and the previous one"),
        [row.label for row in rows],
        [
            Series(str(round_results.round), [row.mean for row in rows]),
            Series(str(round_results.previous_round), [row.previous_mean for row in rows]),
        ],
        category_label=_("Area"),
        max_value=100,
    )


# --- an organisation's results ----------------------------------------------------------------------------------------


def _assessment_or_404(request, pk):
    queryset = Assessment.objects.select_related(
        "round__methodology", "institution__municipality", "institution__parent", "reviewer"
    )
    return get_object_or_404(workflow.visible_assessments(request.user, queryset), pk=pk)


def _file_name(*parts):
    return "-".join(slugify(str(part)) or "x" for part in parts)


def _organisation_tables(organisation_results):
    return {
        "areas": ("_export", AreaScoreTable(area_rows(organisation_results))),
        "answers": ("_export_answers", AnswerTable(answer_table_rows(organisation_results.answers))),
    }


@login_required
@require_GET
def organisation_results(request, pk):
    """An organisation's results in a round: scores, levels, trends and ranks per area and overall beside its
    peer group and the country, the change since its previous round, and the answers behind each score."""
    assessment = _assessment_or_404(request, pk)
    data = results.organisation_results(assessment, request.user)
    overall = data.overall.score
    tables = _organisation_tables(data)
    export = first_export(
        request,
        tables,
        _file_name("results", assessment.institution.short_name or assessment.institution.pk, assessment.round.year),
    )
    if export:
        return export
    return render(
        request,
        "assessments/results/organisation.html",
        {
            "assessment": assessment,
            "results": data,
            "table": tables["areas"][1],
            "answer_tables": [
                (
                    area,
                    AnswerTable(
                        answer_table_rows([(area, items)]), with_area=False, caption=f"{area.code} {area.name}"
                    ),
                )
                for area, items in data.answers
            ],
            "answers_caption": tables["answers"][1].caption,
            "chart": comparison_chart(data),
            "overall_change": signed(data.overall.change),
            "overall_trend": trend_mark(overall.trend, overall.new_level) if overall else "",
            "round_visible": results.visible_rounds(request.user).filter(pk=assessment.round_id).exists(),
        },
    )


@login_required
@require_GET
def organisation_results_pdf(request, pk):
    assessment = _assessment_or_404(request, pk)
    data = results.organisation_results(assessment, request.user)
    content = pdf.organisation_pdf(data)
    name = _file_name("results", assessment.institution.short_name or assessment.institution.pk, assessment.round.year)
    return _pdf_response(content, name)


def _pdf_response(content, name):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.pdf"'
    return response


# --- a round's national view ------------------------------------------------------------------------------------------


class RoundResultsForm(forms.Form):
    """The national view's filters: one peer group (or all the reader may see), counts or shares per level."""

    group = forms.ChoiceField(label=gettext_lazy("Peer group"), required=False)
    measure = forms.ChoiceField(
        label=gettext_lazy("Organisations per level as"),
        required=False,
        choices=[("count", gettext_lazy("counts")), ("share", gettext_lazy("shares"))],
    )

    def __init__(self, data, *, choices, everyone, **kwargs):
        super().__init__(data, **kwargs)
        first = _("The whole round") if everyone else _("Your peer groups")
        self.fields["group"].choices = [("", first), *choices]

    def chosen(self):
        """(peer group or None, share?) — the defaults when the filters are not valid."""
        if not self.is_valid():
            return None, False
        return self.cleaned_data["group"] or None, self.cleaned_data["measure"] == "share"


def _round_or_404(request, pk):
    return get_object_or_404(results.visible_rounds(request.user).select_related("methodology"), pk=pk)


def _round_results(request, round_):
    reader = results.reader_of(request.user, round_)
    form = RoundResultsForm(
        request.GET or None, choices=results.peer_group_choices(round_, reader), everyone=reader.sees_all
    )
    group, share = form.chosen()
    return form, results.round_results(round_, request.user, group), share


def _result_link(request, round_):
    """The address of an organisation's result page in the league table, for the readers who may open it."""
    readable = set(workflow.visible_assessments(request.user, round_.assessments.all()).values_list("pk", flat=True))

    def link(assessment):
        return reverse("assessments:results", args=[assessment.pk]) if assessment.pk in readable else None

    return link


def _round_tables(data, share, link):
    return {
        "league": ("_export_league", LeagueTable(league_rows(data.league, link), caption=_("League tables"))),
        "levels": ("_export_levels", DistributionTable(distribution_rows(data.distribution), share=share)),
        "sectors": (
            "_export_sectors",
            GroupAverageTable(
                group_average_rows(data.sectors),
                areas=data.sectors.areas,
                group_label=_("Ministry sector"),
                caption=_("Averages by ministry sector"),
            ),
        ),
        "tiers": (
            "_export_tiers",
            GroupAverageTable(
                group_average_rows(data.tiers),
                areas=data.tiers.areas,
                group_label=_("Development-centre tier"),
                caption=_("Averages by development-centre tier"),
            ),
        ),
        "years": ("_export_years", YearOnYearTable(year_rows(data.years))),
    }


@login_required
@require_GET
def round_results(request, pk):
    """A round's national view: league tables per peer group, organisations per level, averages by sector and
    by tier, and year-on-year against the previous round of the family."""
    round_ = _round_or_404(request, pk)
    form, data, share = _round_results(request, round_)
    link = _result_link(request, round_)
    tables = _round_tables(data, share, link)
    export = first_export(request, tables, _file_name("results", round_.year, round_.pk))
    if export:
        return export
    league_tables = [
        (group, LeagueTable(league_rows([group], link), with_group=False, caption=group.label)) for group in data.league
    ]
    return render(
        request,
        "assessments/results/round.html",
        {
            "round": round_,
            "results": data,
            "form": form,
            "share": share,
            "tables": {key: table for key, (_trigger, table) in tables.items()},
            "triggers": {key: trigger for key, (trigger, _table) in tables.items()},
            "league_tables": league_tables,
            "min_disclosed": results.MIN_DISCLOSED,
            "charts": {
                "levels": distribution_chart(data.distribution, share),
                "sectors": group_chart(_("Average overall score by ministry sector"), data.sectors),
                "tiers": group_chart(_("Average overall score by development-centre tier"), data.tiers),
                "years": year_chart(data) if data.previous_round else None,
            },
        },
    )


@login_required
@require_GET
def round_results_pdf(request, pk):
    round_ = _round_or_404(request, pk)
    _form, data, share = _round_results(request, round_)
    content = pdf.round_pdf(data, share=share)
    return _pdf_response(content, _file_name("results", round_.year, round_.pk))
