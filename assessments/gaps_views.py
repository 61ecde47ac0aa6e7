"""The conformity gaps page (assessments/gaps.py): per institution, the questions of its latest counted PVPP2027
conformity assessment rated below the target degree, with CSV and XLSX export of the same rows.

An institution outside `visible_institutions` answers 404, and only an assessment the user may read
(`workflow.visible_assessments`) is used; the expert's answers count only for a reader who may see them
(`workflow.can_see_expert_answers`), so an organisation under review sees the gaps of its own answers.
"""

import django_tables2 as tables
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from institutions.scoping import visible_institutions
from institutions.tables import BaseTable, localised_name_order
from config.exports import export_response

from . import workflow
from .gaps import gaps, latest_conformity_assessment
from .models import Family
from .scoring import COUNTED_STATUSES

NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}


def points(value):
    """Points as the reader writes numbers: a whole number without decimals."""
    return number_format(int(value) if value == value.to_integral_value() else value, use_l10n=True)


def plain_number(value):
    """An exported number: a whole one as an integer, else as a float."""
    return int(value) if value == value.to_integral_value() else float(value)


class GapTable(BaseTable):
    """One row per gap (assessments.gaps.Gap)."""

    caption = _("Questions rated below the target degree")

    component = tables.Column(verbose_name=_("Component"), accessor="area", empty_values=())
    code = tables.Column(verbose_name=_("Code"), accessor="question__code")
    question = tables.Column(verbose_name=_("Question"), accessor="question__text", attrs={"td": {"class": "col-name"}})
    reached_label = tables.Column(verbose_name=_("Answer"), empty_values=())
    reached = tables.Column(verbose_name=_("Degree reached"), attrs=NUMERIC)
    target = tables.Column(verbose_name=_("Target degree"), attrs=NUMERIC)
    shortfall = tables.Column(verbose_name=_("Below the target by"), attrs=NUMERIC)
    by_expert = tables.Column(verbose_name=_("Answer that counts"), empty_values=())

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def render_component(self, value):
        return f"{value.code} {value.name}"

    def render_reached_label(self, value):
        return value or _("not answered")

    def value_reached_label(self, value):
        return value

    def render_reached(self, value):
        return points(value)

    def render_target(self, value):
        return points(value)

    def render_shortfall(self, value):
        return points(value)

    def value_reached(self, value):
        return plain_number(value)

    def value_target(self, value):
        return plain_number(value)

    def value_shortfall(self, value):
        return plain_number(value)

    def render_by_expert(self, value):
        return _("the expert's") if value else _("the organisation's")


def conformity_institutions(user):
    """The institutions the user may read that have a counted conformity assessment the user may read."""
    counted = workflow.visible_assessments(user).filter(
        is_current=True, status__in=COUNTED_STATUSES, round__methodology__family=Family.CONFORMITY
    )
    return visible_institutions(user).filter(pk__in=counted.values("institution_id")).order_by(localised_name_order())


@login_required
def gaps_index(request):
    """Choose an institution; one with a single choice goes straight to its page."""
    institutions = list(conformity_institutions(request.user))
    chosen = request.GET.get("institution", "")
    if chosen.isascii() and chosen.isdigit() and any(institution.pk == int(chosen) for institution in institutions):
        return redirect("assessments:gaps-institution", institution_pk=int(chosen))
    if len(institutions) == 1:
        return redirect("assessments:gaps-institution", institution_pk=institutions[0].pk)
    return render(request, "assessments/gaps.html", {"institutions": institutions, "institution": None})


@login_required
def institution_gaps(request, institution_pk):
    user = request.user
    institution = get_object_or_404(visible_institutions(user), pk=institution_pk)
    assessment = latest_conformity_assessment(institution, workflow.visible_assessments(user))
    found = []
    if assessment is not None:
        found = gaps(assessment, use_expert=workflow.can_see_expert_answers(user, assessment))
    table = GapTable(found)
    export = export_response(request, table, f"conformity-gaps-{institution.short_name}")
    if export:
        return export
    return render(
        request,
        "assessments/gaps.html",
        {
            "institution": institution,
            "institutions": list(conformity_institutions(user)),
            "assessment": assessment,
            "gaps": found,
            "table": table,
            "components": len({gap.area.pk for gap in found}),
        },
    )


urlpatterns = [
    path("", gaps_index, name="gaps"),
    path("<int:institution_pk>/", institution_gaps, name="gaps-institution"),
]
