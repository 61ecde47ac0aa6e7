"""Review cycles (seed 003 §3.2.2): every service the reader may see with its last efficiency and administrative
burden reviews and when the next falls due (transformation/reviews.py: last review + N years), overdue ones
first; recording a review; the reviews on record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from reports.charts import Series, stacked_bar_chart
from services.scoping import visible_services

from .. import reviews
from ..forms import ServiceReviewForm
from ..models import ReviewKind, ServiceReview
from ..scoping import reviewable_services, visible_reviews
from ..tables import ReviewDueTable, ServiceReviewTable
from .common import first_export, render_form_page

SHOW_CHOICES = ("overdue", "due_soon", "all")


def schedule_chart(schedule):
    """Reviews by state (overdue, due soon, scheduled), one bar per kind of review."""
    states = list(reviews.DueStatus)
    kinds = list(ReviewKind)
    series = [
        Series(
            state.label, [sum(1 for item in schedule if item.kind == kind and item.status == state) for kind in kinds]
        )
        for state in states
    ]
    return stacked_bar_chart(_("Reviews by state"), [kind.label for kind in kinds], series, category_label=_("Review"))


@login_required
@require_GET
def review_page(request):
    user = request.user
    show = request.GET.get("show", "overdue")
    show = show if show in SHOW_CHOICES else "overdue"
    parameters = reviews.current_parameters()
    schedule = reviews.review_schedule(visible_services(user), parameters=parameters)
    if show == "overdue":
        shown = [item for item in schedule if item.overdue]
    elif show == "due_soon":
        shown = [item for item in schedule if item.status in (reviews.DueStatus.OVERDUE, reviews.DueStatus.DUE_SOON)]
    else:
        shown = schedule
    reviewable = frozenset(
        reviewable_services(user).filter(pk__in={item.service.pk for item in shown}).values_list("pk", flat=True)
    )
    due_table = ReviewDueTable(shown, reviewable_ids=reviewable)
    RequestConfig(request, paginate={"per_page": 50}).configure(due_table)

    recorded = ServiceReviewTable(
        visible_reviews(user, ServiceReview.objects.select_related("service", "reviewer_institution", "project")),
        prefix="recorded-",
    )
    RequestConfig(request, paginate={"per_page": 25}).configure(recorded)
    export = first_export(
        request,
        {"due": ("_export", due_table), "recorded": ("_export_recorded", recorded)},
        "transformation-reviews",
    )
    if export:
        return export
    return render(
        request,
        "transformation/reviews.html",
        {
            "parameters": parameters,
            "due_table": due_table,
            "recorded": recorded,
            "show": show,
            "counts": {
                state: sum(1 for item in schedule if item.status == state) for state in reviews.DueStatus.values
            },
            "chart": schedule_chart(schedule) if schedule else None,
            "may_record": reviewable_services(user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request):
    user = request.user
    if not reviewable_services(user).exists():
        raise PermissionDenied(_("Reviews are recorded by the coordinator and by the editors of a service's holder."))
    initial = {}
    if request.method == "GET":
        service = reviewable_services(user).filter(catalogue_id=request.GET.get("service", "")).first()
        if service is not None:
            initial["service"] = service.pk
        if request.GET.get("kind") in ReviewKind.values:
            initial["kind"] = request.GET["kind"]
    form = ServiceReviewForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        review = form.save(commit=False)
        review.created_by = user
        review.save()
        messages.success(
            request,
            _("The {kind} review of {service} was recorded.").format(
                kind=review.get_kind_display().lower(), service=review.service.name
            ),
        )
        return redirect("transformation:reviews")
    return render_form_page(request, "transformation/review_form.html", form)
