"""The network review (seed 001 F5, measure 20): the candidates of a period with the criteria they meet, and the
decision on record for each. Only the coordinator records decisions (vpvkac/review.py record_decision); anyone
may read the candidates among the centres they may see."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import review
from ..forms import PeriodForm, ReviewDecisionForm
from ..models import Centre, NetworkReviewDecision
from ..scoping import scope_by_centre
from ..tables import CandidateTable
from .common import computed_periods, export_response, render_page, require_coordinator


def period_candidates(user, period):
    """review.candidates of the period among the centres `user` may see, each with `decision_row` (or None)."""
    rows = list(scope_by_centre(user, review.candidates(period)))
    decisions = {
        d.centre_id: d
        for d in NetworkReviewDecision.objects.filter(period=period, centre__in=[row.centre_id for row in rows])
    }
    for row in rows:
        row.decision_row = decisions.get(row.centre_id)
    return rows


def decision_initial(candidates, period, code):
    """The decision form's start: the candidate asked for (`?centre=`) with the decision on record, if any."""
    row = next((row for row in candidates if row.centre.code == code), None)
    initial = {"period": period.code}
    if row is not None:
        initial["centre"] = row.centre.code
        if row.decision_row is not None:
            initial.update(decision=row.decision_row.decision, reason=row.decision_row.reason)
    return initial


def decide_link(period):
    def link(record):
        return reverse("vpvkac:review") + f"?period={period.code}&centre={record.centre.code}#decide"

    return link


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request):
    user = request.user
    periods = list(computed_periods())
    if request.method == "POST":
        require_coordinator(user, _("Only the coordinator records network review decisions."))
        data = request.POST
    else:
        data = request.GET or None
    form = PeriodForm(data, periods=periods)
    period = form.chosen_period()
    if period is None:
        return render_page(request, "vpvkac/review.html", {"form": form, "period": None})
    candidates = period_candidates(user, period)

    centres = Centre.objects.filter(pk__in=[row.centre_id for row in candidates])
    decision_form = None
    if request.method == "POST":
        decision_form = ReviewDecisionForm(request.POST, centres=centres)
        if decision_form.is_valid():
            data = decision_form.cleaned_data
            review.record_decision(data["centre"], data["period"], data["decision"], data["reason"], user=user)
            messages.success(
                request,
                _("The decision on %(centre)s was recorded.") % {"centre": data["centre"].name},
            )
            url = reverse("vpvkac:review") + f"?period={period.code}#candidate-{data['centre'].pk}"
            return redirect(url)
    elif user.is_coordinator:
        decision_form = ReviewDecisionForm(
            initial=decision_initial(candidates, period, request.GET.get("centre")), centres=centres
        )

    table = CandidateTable(candidates, decide=decide_link(period) if user.is_coordinator else None)
    export = export_response(request, table, f"vpvkac-review-{period.code}")
    if export:
        return export
    return render_page(
        request,
        "vpvkac/review.html",
        {
            "form": form,
            "period": period,
            "summary": period.summary,
            "table": table,
            "candidates": candidates,
            "proposable": sum(1 for row in candidates if row.proposable),
            "may_decide": user.is_coordinator,
            "decision_form": decision_form,
        },
        status=400 if decision_form is not None and decision_form.errors else 200,
    )
