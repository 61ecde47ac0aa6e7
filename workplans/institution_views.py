"""Pages of the institution side of the work plans: an institution's obligations, progress updates and their
review, the implementation team, the individual improvement plan and indicator actuals.

Every row is read through workplans/scoping.py (an institution outside the reader's scope answers 404); each
change goes through workplans/workflow.py or workplans/improvement.py, which refuse what the user may not do.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from assessments.models import Question
from institutions.scoping import can_edit_institution, visible_institutions
from reports.charts import bar_chart, number_formatter
from config.exports import export_response

from . import improvement, workflow
from .forms import (
    ApproveForm,
    GapItemsForm,
    ImprovementItemForm,
    IndicatorActualForm,
    InstitutionSearchForm,
    ProgressUpdateForm,
    ReturnForm,
    TeamEditor,
)
from .institution_tables import (
    ImprovementItemTable,
    ObligationTable,
    PlanInstitutionTable,
    ReviewQueueTable,
    funding_totals,
    institution_obligations,
    institution_plans,
    is_waiting,
    plan_institutions,
    review_queue,
    with_progress,
)
from .models import (
    DONE_STATUSES,
    ImplementationTeam,
    ImprovementPlan,
    Indicator,
    IndicatorActual,
    Measure,
    Plan,
    ProgressUpdate,
    ReviewStatus,
)
from .scoping import (
    can_edit_obligation,
    can_report_on_measure,
    indicator_reporting_institutions,
    is_reviewer,
    visible_improvement_items,
    visible_improvement_plans,
    visible_indicator_actuals,
    visible_obligations,
    visible_teams,
    visible_updates,
)

OPEN = (ReviewStatus.DRAFT, ReviewStatus.RETURNED, ReviewStatus.SUBMITTED)


def _institution_and_plan(request, institution_pk, plan_code):
    institution = get_object_or_404(visible_institutions(request.user), pk=institution_pk)
    return institution, get_object_or_404(Plan, code=plan_code)


def _obligations_url(institution, plan):
    return reverse(
        "workplans:institution-obligations", kwargs={"institution_pk": institution.pk, "plan_code": plan.code}
    )


# --- where to start -------------------------------------------------------------------------------------------------


def _plans_with_institutions():
    """Plans that bind institutions (a round) or hold obligations."""
    return Plan.objects.filter(
        Q(round_number__isnull=False) | Q(action_lines__measures__obligations__isnull=False)
    ).distinct()


@login_required
def institution_home(request):
    """The reader's institutions and what they owe each plan; the coordinator searches a plan's institutions."""
    user = request.user
    if not user.is_coordinator:
        pairs = institution_plans(user)
        if len(pairs) == 1:
            return redirect(_obligations_url(pairs[0].institution, pairs[0].plan))
        return render(request, "workplans/institutions/home.html", {"pairs": pairs})
    plans = list(_plans_with_institutions())
    chosen = request.GET.get("plan")
    plan = next((plan for plan in plans if plan.code == chosen), plans[0] if plans else None)
    search = InstitutionSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    table = None
    if plan is not None:
        table = PlanInstitutionTable(plan_institutions(plan, query), plan=plan)
        RequestConfig(request, paginate={"per_page": 50}).configure(table)
        export = export_response(request, table, f"institutions-{plan.code}")
        if export:
            return export
    return render(
        request,
        "workplans/institutions/home.html",
        {"plans": plans, "plan": plan, "search": search, "table": table, "coordinator": True},
    )


# --- an institution's obligations -----------------------------------------------------------------------------------


@login_required
def institution_obligations_page(request, institution_pk, plan_code):
    user = request.user
    institution, plan = _institution_and_plan(request, institution_pk, plan_code)
    obligations = list(institution_obligations(user, institution, plan))
    table = ObligationTable(obligations)
    export = export_response(request, table, f"obligations-{institution.short_name}-{plan.code}")
    if export:
        return export
    team = (
        visible_teams(user, ImplementationTeam.objects.filter(plan=plan, institution=institution))
        .annotate(member_count=Count("members"))
        .first()
    )
    improvement_plan = improvement.latest_version(
        plan, institution, visible_improvement_plans(user).annotate(item_count=Count("items"))
    )
    coverage = improvement.gap_coverage(institution, improvement_plan, user)
    may_edit = can_edit_institution(user, institution)
    measures = (
        Measure.objects.filter(action_line__plan=plan, responsibilities__institution=institution)
        .select_related("action_line")
        .distinct()
    )
    indicators = (
        Indicator.objects.filter(plan=plan)
        .filter(
            Q(measure__responsibilities__institution=institution)
            | Q(action_line__measures__responsibilities__institution=institution)
        )
        .distinct()
    )
    actuals = visible_indicator_actuals(
        user, IndicatorActual.objects.filter(institution=institution, indicator__plan=plan)
    ).select_related("indicator")[:20]
    counts = {
        "total": len(obligations),
        "executed": sum(1 for o in obligations if o.status in DONE_STATUSES),
        "overdue": sum(1 for o in obligations if o.overdue),
        "waiting": sum(1 for o in obligations if is_waiting(o)),
        "awaiting_review": sum(1 for o in obligations if o.latest_update_review == ReviewStatus.SUBMITTED),
    }
    return render(
        request,
        "workplans/institutions/obligations.html",
        {
            "institution": institution,
            "plan": plan,
            "table": table,
            "counts": counts,
            "team": team,
            "improvement_plan": improvement_plan,
            "coverage": coverage,
            "may_edit": may_edit,
            "may_report_measures": may_edit,
            "measures": measures,
            "indicators": indicators,
            "actuals": actuals,
        },
    )


# --- progress updates -----------------------------------------------------------------------------------------------


def _start_update(request, form, **subject):
    """A new draft from the form; submitted at once when the user pressed “Save and submit”."""
    with transaction.atomic():
        update = workflow.start_update(request.user, **subject, **form.values())
        if request.POST.get("action") == "submit":
            workflow.submit(request.user, update)
            messages.success(request, _("The progress update was submitted for review."))
        else:
            messages.success(request, _("The progress update was saved as a draft."))
    return redirect("workplans:update-detail", pk=update.pk)


@login_required
def obligation_detail(request, pk):
    user = request.user
    obligation = get_object_or_404(with_progress(visible_obligations(user)), pk=pk)
    updates = obligation.updates.select_related("created_by", "submitted_by", "reviewed_by").order_by(
        "-created_at", "-pk"
    )
    open_update = next((update for update in updates if update.status in OPEN), None)
    may_edit = can_edit_obligation(user, obligation)
    form = None
    if request.method == "POST":
        if not may_edit:
            raise workflow.NotAllowed
        if open_update is not None:
            messages.error(request, _("Finish the open update first: it is still a draft, submitted or returned."))
            return redirect("workplans:update-detail", pk=open_update.pk)
        form = ProgressUpdateForm(request.POST)
        if form.is_valid():
            return _start_update(request, form, obligation=obligation)
    elif may_edit and open_update is None:
        form = ProgressUpdateForm(initial={"proposed_status": obligation.status, "evidence": obligation.evidence})
    return render(
        request,
        "workplans/institutions/obligation_detail.html",
        {
            "obligation": obligation,
            "measure": obligation.measure,
            "plan": obligation.measure.action_line.plan,
            "waiting": is_waiting(obligation),
            "dependencies": obligation.measure.depends_on.order_by("code"),
            "updates": updates,
            "open_update": open_update,
            "history": obligation.history.select_related("history_user").order_by("-history_date")[:30],
            "form": form,
            "may_edit": may_edit,
        },
    )


@login_required
def measure_update_new(request, measure_pk):
    user = request.user
    measure = get_object_or_404(Measure.objects.select_related("action_line__plan"), pk=measure_pk)
    if not can_report_on_measure(user, measure):
        raise workflow.NotAllowed
    updates = visible_updates(user, measure.updates.all()).select_related("institution", "reviewed_by")
    open_update = visible_updates(user, measure.updates.filter(status__in=OPEN), editable=True).first()
    if open_update is not None:
        messages.info(request, _("Finish the open update first: it is still a draft, submitted or returned."))
        return redirect("workplans:update-detail", pk=open_update.pk)
    form = ProgressUpdateForm(
        request.POST or None, initial={"proposed_status": measure.status, "evidence": measure.evidence_lv}
    )
    if request.method == "POST" and form.is_valid():
        try:
            return _start_update(request, form, measure=measure)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
    return render(
        request,
        "workplans/institutions/measure_update.html",
        {"measure": measure, "plan": measure.action_line.plan, "form": form, "updates": updates},
    )


def _decision(request, obj, approved_message, returned_message):
    """Approve or return `obj` from the POSTed action; the return form with its errors when the comment is
    missing, else None."""
    action = request.POST.get("action")
    if action == "approve":
        form = ApproveForm(request.POST)
        form.is_valid()
        try:
            workflow.approve(request.user, obj, form.cleaned_data.get("comment", ""))
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, approved_message)
        return None
    form = ReturnForm(request.POST)
    if not form.is_valid():
        if not is_reviewer(request.user):
            raise workflow.NotAllowed
        return form
    try:
        workflow.return_for_correction(request.user, obj, form.cleaned_data["comment"])
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, returned_message)
    return None


def _review_post(request, obj, bound_form, submitted_message, approved_message, returned_message):
    """The POSTed action on the page of a progress update or an indicator actual: "save" or "submit" the reporting
    side's changes through `bound_form()`, "approve" or "return" it. Returns (done, form, return_form): done when
    the step was taken (the page then redirects to itself), else the form with its errors to show again."""
    user = request.user
    action = request.POST.get("action")
    if action in ("save", "submit"):
        if not workflow.can_change(user, obj):
            raise workflow.NotAllowed
        form = bound_form()
        if not form.is_valid():
            return False, form, None
        with transaction.atomic():
            obj = workflow.edit_update(user, obj, **form.values())
            if action == "submit":
                workflow.submit(user, obj)
        messages.success(request, submitted_message if action == "submit" else _("The changes were saved."))
        return True, None, None
    if action in ("approve", "return"):
        return_form = _decision(request, obj, approved_message, returned_message)
        return return_form is None, None, return_form
    raise Http404


def _review_context(user, obj, return_form=None):
    may_review = workflow.can_review(user, obj)
    return {
        "may_change": workflow.can_change(user, obj),
        "may_review": may_review,
        "return_form": return_form or (ReturnForm() if may_review else None),
        "approve_form": ApproveForm() if may_review else None,
        "history": obj.history.select_related("history_user").order_by("-history_date")[:30],
    }


@login_required
def update_detail(request, pk):
    user = request.user
    update = get_object_or_404(
        visible_updates(user).select_related(
            "obligation__measure__action_line__plan",
            "obligation__institution",
            "measure__action_line__plan",
            "institution",
            "created_by",
            "submitted_by",
            "reviewed_by",
        ),
        pk=pk,
    )
    form, return_form = None, None
    if request.method == "POST":
        done, form, return_form = _review_post(
            request,
            update,
            # A copy: a form that does not validate must not change what the page shows of the update.
            lambda: ProgressUpdateForm(request.POST, instance=ProgressUpdate.objects.get(pk=update.pk)),
            _("The progress update was submitted for review."),
            _("The progress update was approved; its status and evidence now apply."),
            _("The progress update was returned for correction."),
        )
        if done:
            return redirect("workplans:update-detail", pk=update.pk)
    context = _review_context(user, update, return_form)
    if form is None and context["may_change"]:
        form = ProgressUpdateForm(instance=update)
    measure = update.subject_measure
    return render(
        request,
        "workplans/institutions/update_detail.html",
        {**context, "update": update, "measure": measure, "plan": measure.action_line.plan, "form": form},
    )


@login_required
def review_queue_page(request):
    if not is_reviewer(request.user):
        raise workflow.NotAllowed
    table = ReviewQueueTable(review_queue(request.user))
    export = export_response(request, table, "review-queue")
    if export:
        return export
    return render(request, "workplans/institutions/review_queue.html", {"table": table})


# --- implementation team --------------------------------------------------------------------------------------------


@login_required
def team_edit(request, institution_pk, plan_code):
    user = request.user
    institution, plan = _institution_and_plan(request, institution_pk, plan_code)
    team = visible_teams(user, ImplementationTeam.objects.filter(plan=plan, institution=institution)).first()
    team = team or ImplementationTeam(plan=plan, institution=institution)
    may_edit = can_edit_institution(user, institution)
    editor = None
    if request.method == "POST":
        if not may_edit:
            raise workflow.NotAllowed
        editor = TeamEditor(team, request.POST)
        if editor.is_valid():
            try:
                editor.save()
            except IntegrityError:
                messages.error(request, _("Someone else saved this team a moment ago: check it and save again."))
                return redirect("workplans:team-edit", institution_pk=institution.pk, plan_code=plan.code)
            messages.success(request, _("The implementation team was saved."))
            return redirect(_obligations_url(institution, plan))
    elif may_edit:
        editor = TeamEditor(team)
    members = team.members.all() if team.pk else []
    return render(
        request,
        "workplans/institutions/team_edit.html",
        {
            "institution": institution,
            "plan": plan,
            "team": team,
            "members": members,
            "editor": editor,
            "errors": editor.error_summary() if editor is not None and editor.form.is_bound else [],
        },
    )


# --- improvement plan -----------------------------------------------------------------------------------------------


def _improvement_action(request, user, plan, institution, chosen):
    """Runs a POSTed action on the improvement plan; returns (redirect, form to show with its errors)."""
    action = request.POST.get("action")
    if action == "start":
        improvement.start_improvement_plan(user, plan, institution)
        messages.success(request, _("The improvement plan was started as a draft."))
        return None
    if chosen is None:
        raise Http404
    if action == "from-gaps":
        if not workflow.can_change(user, chosen):
            raise workflow.NotAllowed
        form = GapItemsForm(request.POST, gaps=improvement.uncovered_gaps(chosen, user))
        if not form.is_valid():
            return form
        items = improvement.items_from_gaps(user, chosen, form.selected_gaps(), form.defaults())
        messages.success(request, _("Items added from the gaps: %(count)d.") % {"count": len(items)})
    elif action == "submit":
        improvement.submit_improvement_plan(user, chosen)
        messages.success(request, _("The improvement plan was submitted for review."))
    elif action in ("approve", "return"):
        return _decision(
            request,
            chosen,
            _("The improvement plan was approved."),
            _("The improvement plan was returned for correction."),
        )
    elif action == "new-version":
        new = workflow.new_improvement_plan_version(user, chosen)
        messages.success(request, _("Version %(version)d was opened for changes.") % {"version": new.version})
    else:
        raise Http404
    return None


@login_required
def improvement_plan_page(request, institution_pk, plan_code):
    user = request.user
    institution, plan = _institution_and_plan(request, institution_pk, plan_code)
    versions = list(
        visible_improvement_plans(user, ImprovementPlan.objects.filter(plan=plan, institution=institution))
        .select_related("plan", "institution", "based_on__round", "submitted_by", "reviewed_by")
        .order_by("-version")
    )
    requested = request.POST.get("version") or request.GET.get("version")
    if requested:
        chosen = next((version for version in versions if str(version.version) == requested), None)
        if chosen is None:
            raise Http404
    else:
        chosen = versions[0] if versions else None
    bound_form = None
    if request.method == "POST":
        try:
            bound_form = _improvement_action(request, user, plan, institution, chosen)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        if bound_form is None:
            return redirect(reverse("workplans:improvement-plan", args=[institution.pk, plan.code]))
    context = {
        "institution": institution,
        "plan": plan,
        "versions": versions,
        "improvement_plan": chosen,
        "may_start": chosen is None and can_edit_institution(user, institution),
    }
    if chosen is not None:
        context.update(_improvement_context(request, user, chosen, versions, bound_form))
        if "export" in context:
            return context["export"]
    return render(request, "workplans/institutions/improvement_plan.html", context)


def _improvement_context(request, user, chosen, versions, bound_form):
    is_latest = chosen.pk == versions[0].pk
    may_change = is_latest and workflow.can_change(user, chosen)
    coverage = improvement.gap_coverage(chosen.institution, chosen, user)
    items = chosen.items.select_related("service").prefetch_related(
        Prefetch("gaps", Question.objects.select_related("area").order_by("area__order", "order", "code"))
    )
    table = ImprovementItemTable(items, gaps_by_question=coverage.by_question(), editable=may_change)
    export = export_response(
        request, table, f"improvement-plan-{chosen.institution.short_name}-{chosen.plan.code}-v{chosen.version}"
    )
    if export:
        return {"export": export}
    totals = funding_totals(chosen)
    chart = bar_chart(
        _("Amounts by funding source (EUR)"),
        [row["label"] for row in totals],
        [float(row["amount"] or 0) for row in totals],
        category_label=_("Funding source"),
        value_label=_("Amount (EUR)"),
        formatter=number_formatter(2),
    )
    gap_form = None
    if may_change and coverage.uncovered:
        if isinstance(bound_form, GapItemsForm):
            gap_form = bound_form
        else:
            gap_form = GapItemsForm(gaps=coverage.uncovered)
    return_form = bound_form if isinstance(bound_form, ReturnForm) else None
    review = _review_context(user, chosen, return_form)
    return {
        **review,
        "may_change": may_change,
        "is_latest": is_latest,
        "coverage": coverage,
        "table": table,
        "item_count": len(table.rows),
        "totals": totals,
        "total_amount": sum((row["amount"] or 0) for row in totals),
        "total_additional": sum((row["additional"] or 0) for row in totals),
        "chart": chart,
        "gap_form": gap_form,
        "may_new_version": is_latest
        and chosen.status == ReviewStatus.APPROVED
        and can_edit_institution(user, chosen.institution),
    }


def _item_page(request, improvement_plan, item=None):
    user = request.user
    if not workflow.can_change(user, improvement_plan):
        raise workflow.NotAllowed
    latest = improvement.latest_version(improvement_plan.plan, improvement_plan.institution)
    if latest.pk != improvement_plan.pk:
        raise workflow.NotAllowed
    coverage = improvement.gap_coverage(improvement_plan.institution, improvement_plan, user)
    form = ImprovementItemForm(
        request.POST or None, instance=item, user=user, improvement_plan=improvement_plan, coverage=coverage
    )
    plan_url = reverse("workplans:improvement-plan", args=[improvement_plan.institution_id, improvement_plan.plan.code])
    if request.method == "POST" and form.is_valid():
        try:
            improvement.save_item(user, improvement_plan, form.save(commit=False), form.cleaned_data["gaps"])
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The item was saved."))
        return redirect(plan_url)
    return render(
        request,
        "workplans/institutions/item_form.html",
        {
            "form": form,
            "item": item,
            "improvement_plan": improvement_plan,
            "institution": improvement_plan.institution,
            "plan": improvement_plan.plan,
            "plan_url": plan_url,
        },
    )


@login_required
def improvement_item_new(request, institution_pk, plan_code):
    institution, plan = _institution_and_plan(request, institution_pk, plan_code)
    improvement_plan = improvement.latest_version(plan, institution, visible_improvement_plans(request.user))
    if improvement_plan is None:
        raise Http404
    return _item_page(request, improvement_plan)


def _item_or_404(request, pk):
    return get_object_or_404(
        visible_improvement_items(request.user).select_related(
            "improvement_plan__plan", "improvement_plan__institution"
        ),
        pk=pk,
    )


@login_required
def improvement_item_edit(request, pk):
    item = _item_or_404(request, pk)
    return _item_page(request, item.improvement_plan, item)


@login_required
@require_POST
def improvement_item_delete(request, pk):
    item = _item_or_404(request, pk)
    improvement_plan = item.improvement_plan
    try:
        improvement.delete_item(request.user, item)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The item was deleted."))
    return redirect("workplans:improvement-plan", improvement_plan.institution_id, improvement_plan.plan.code)


# --- indicator actuals ----------------------------------------------------------------------------------------------


@login_required
def indicator_actual_new(request, indicator_pk):
    user = request.user
    indicator = get_object_or_404(Indicator.objects.select_related("plan", "measure", "action_line"), pk=indicator_pk)
    institutions = indicator_reporting_institutions(user, indicator).order_by("name_lv")
    if not institutions.exists():
        raise workflow.NotAllowed
    form = IndicatorActualForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        institution = values.pop("institution")
        with transaction.atomic():
            actual = workflow.report_actual(user, indicator, institution, **values)
            if request.POST.get("action") == "submit":
                workflow.submit(user, actual)
        messages.success(request, _("The actual was saved."))
        return redirect("workplans:indicator-actual-detail", pk=actual.pk)
    return render(
        request,
        "workplans/institutions/actual_form.html",
        {"indicator": indicator, "plan": indicator.plan, "form": form, "targets": indicator.targets.all()},
    )


@login_required
def indicator_actual_detail(request, pk):
    user = request.user
    actual = get_object_or_404(
        visible_indicator_actuals(user).select_related(
            "indicator__plan", "institution", "created_by", "submitted_by", "reviewed_by"
        ),
        pk=pk,
    )
    form, return_form = None, None
    if request.method == "POST":
        done, form, return_form = _review_post(
            request,
            actual,
            lambda: IndicatorActualForm(
                request.POST, instance=IndicatorActual.objects.get(pk=actual.pk), institutions=None
            ),
            _("The actual was submitted for review."),
            _("The actual was approved."),
            _("The actual was returned for correction."),
        )
        if done:
            return redirect("workplans:indicator-actual-detail", pk=actual.pk)
    context = _review_context(user, actual, return_form)
    if form is None and context["may_change"]:
        form = IndicatorActualForm(instance=actual, institutions=None)
    return render(
        request,
        "workplans/institutions/actual_detail.html",
        {
            **context,
            "actual": actual,
            "indicator": actual.indicator,
            "plan": actual.indicator.plan,
            "targets": actual.indicator.targets.all(),
            "form": form,
        },
    )
