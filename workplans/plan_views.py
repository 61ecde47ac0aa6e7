"""Pages of the plans: the list, a plan with its execution, indicators and measures, a measure, the roadmap, the
coordinator's board, the institution × obligation matrix and the overdue list.

Plans, measures and indicators are read by every signed-in user; every row that belongs to an institution
(obligations, updates, teams, improvement plans) passes through workplans/scoping.py or institutions/scoping.py.
The computations are workplans/progress.py's.
"""

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from config.exports import export_response
from institutions.forms import present_filter_form, sectors_for
from institutions.scoping import related_entries, visible_institutions
from reports.charts import Series, stacked_bar_chart

from .filtersets import InstitutionMatrixFilterSet, MeasureFilterSet, ObligationFilterSet
from .models import (
    ImprovementPlan,
    Indicator,
    IndicatorActual,
    Measure,
    MeasureResponsibility,
    MeasureStatus,
    Obligation,
    Plan,
    ProgressUpdate,
    ReviewStatus,
)
from .progress import (
    STATUS_ORDER,
    execution,
    execution_by_plan,
    indicator_values,
    matrix_institutions,
    measure_deadline,
    measure_obligation_progress,
    obligation_matrix,
    overdue_measures,
    overdue_obligations,
    roadmap,
    status_counts,
    with_due_date,
    with_waiting,
)
from .scoping import can_report_on_measure, visible_obligations, visible_updates
from .tables import (
    IndicatorValueTable,
    MeasureTable,
    ObligationTable,
    OverdueMeasureTable,
    OverdueObligationTable,
    indicator_grid,
    indicator_value_rows,
    matrix_table,
)


def _plans():
    return Plan.objects.select_related("predecessor", "successor").order_by("order", "-start_year")


def _get_plan(code):
    return get_object_or_404(_plans(), code=code)


def _plan_measures(plan):
    """The plan's measures with all a measure table shows, in plan order."""
    responsibilities = MeasureResponsibility.objects.select_related("institution").order_by(
        "role", "institution__name_lv"
    )
    return (
        with_waiting(Measure.objects.filter(action_line__plan=plan))
        .select_related("action_line__plan", "carried_forward_to__action_line__plan")
        .prefetch_related("deadlines", Prefetch("responsibilities", queryset=responsibilities))
        .order_by("action_line__order", "action_line__code", "order", "code")
    )


def status_series(counts):
    """One series per status in STATUS_ORDER (all of them, so each status keeps its colour), one value per count."""
    names = dict(MeasureStatus.choices)
    return [Series(names[status], [count.by_status.get(status, 0) for count in counts]) for status in STATUS_ORDER]


# --- plans ----------------------------------------------------------------------------------------------------------


@login_required
def plan_list(request):
    plans = list(_plans())
    counts = execution_by_plan(plans)
    return render(request, "workplans/plans/plan_list.html", {"rows": [(plan, counts[plan.pk]) for plan in plans]})


@login_required
def plan_detail(request, code):
    plan = _get_plan(code)
    filterset = MeasureFilterSet(request.GET or None, queryset=_plan_measures(plan), plan=plan)
    present_filter_form(filterset.form, ("status",))
    measures = list(filterset.qs)
    progress = {item.measure.pk: item for item in measure_obligation_progress(plan)}
    indicators = Indicator.objects.filter(plan=plan, measure__isnull=True).select_related("action_line")
    values = indicator_values(indicators.order_by("order", "code"))

    export = export_response(request, MeasureTable(measures, progress=progress), f"{plan.code}-measures")
    export = export or export_response(
        request, IndicatorValueTable(indicator_value_rows(values)), f"{plan.code}-indicators", "_export_indicators"
    )
    if export:
        return export

    summary = execution(plan)
    by_line = defaultdict(list)
    for measure in measures:
        by_line[measure.action_line_id].append(measure)
    grids = defaultdict(list)
    for item in values:
        grids[item.indicator.action_line_id].append(indicator_grid(item))
    sections = [
        _line_section(line, by_line[line.action_line.pk], grids[line.action_line.pk], progress)
        for line in summary.lines
    ]
    chart = stacked_bar_chart(
        _("Measures by status and action line"),
        [line.action_line.code for line in summary.lines],
        status_series([line.counts for line in summary.lines]),
        category_label=_("Action line"),
    )
    return render(
        request,
        "workplans/plans/plan_detail.html",
        {
            "plan": plan,
            "successor": _successor(plan),
            "summary": summary,
            "chart": chart,
            "sections": sections,
            "plan_indicators": grids[None],
            "filter": filterset,
            "filters_active": bool(request.GET) and any(request.GET.get(name) for name in filterset.filters),
            "shown": len(measures),
            "has_obligations": bool(progress),
        },
    )


def _line_section(line, measures, grids, progress):
    """What the plan page shows of one action line: its counts, indicators, result note and measures table."""
    action_line = line.action_line
    # The line's result note, unless one of its indicators already gives the same words.
    repeated = any(grid["indicator"].result_note_lv == action_line.indicator_result_note_lv for grid in grids)
    return {
        "line": action_line,
        "counts": line.counts,
        "indicators": grids,
        "result_note": "" if repeated else action_line.indicator_result_note,
        "table": MeasureTable(measures, progress=progress) if measures else None,
        "shown": len(measures),
    }


def _successor(plan):
    """The plan that follows this one, or None (the reverse side of `predecessor`)."""
    try:
        return plan.successor
    except Plan.DoesNotExist:
        return None


@login_required
def measure_detail(request, code, measure_code):
    plan = _get_plan(code)
    related = Measure.objects.select_related("action_line__plan")
    measure = (
        with_waiting(Measure.objects.filter(action_line__plan=plan, code=measure_code))
        .select_related("action_line__plan", "roadmap_group", "carried_forward_to__action_line__plan")
        .prefetch_related(
            "deadlines",
            "links",
            Prefetch("responsibilities", queryset=MeasureResponsibility.objects.select_related("institution")),
            Prefetch("carried_from", queryset=related),
        )
        .first()
    )
    if measure is None:
        raise Http404
    user = request.user
    today = timezone.localdate()
    responsibilities = list(measure.responsibilities.all())
    responsible = zip(related_entries(user, [r.institution for r in responsibilities]), responsibilities)

    updates = visible_updates(
        user,
        ProgressUpdate.objects.filter(
            Q(measure=measure) | Q(obligation__measure=measure), status=ReviewStatus.APPROVED
        ),
    ).select_related("institution", "reviewed_by")

    context = {
        "plan": plan,
        "measure": measure,
        "deadline": measure_deadline(measure),
        "responsible": list(responsible),
        "dependencies": with_waiting(measure.depends_on.select_related("action_line__plan")).order_by("code"),
        "dependents": with_waiting(measure.dependents.select_related("action_line__plan")).order_by("code"),
        "updates": updates.order_by("-reviewed_at", "-pk"),
        "indicators": [indicator_grid(item) for item in indicator_values(measure.indicators.order_by("order", "code"))],
        "can_report": can_report_on_measure(user, measure),
    }
    if measure.in_each_institution:
        # All institutions' counts are the plan's execution, shown to every reader; the rows only as scoped.
        national = status_counts(measure.obligations.all())
        shown = status_counts(visible_obligations(user, measure.obligations.all()))
        obligations = visible_obligations(user, with_due_date(measure.obligations.select_related("institution")))
        table = ObligationTable(obligations.order_by("institution__name_lv"), today=today, plan=plan)
        RequestConfig(request, paginate={"per_page": 50}).configure(table)
        context.update(national=national, shown=shown, obligation_table=table)
    return render(request, "workplans/plans/measure_detail.html", context)


@login_required
def roadmap_view(request, code):
    plan = _get_plan(code)
    layout = roadmap(plan)
    has_obligations = any(measure.in_each_institution for row in layout.rows for measure in row.measures)
    return render(
        request,
        "workplans/plans/roadmap.html",
        {"plan": plan, "roadmap": layout, "has_obligations": has_obligations},
    )


# --- the coordinator's board, the matrix and the overdue list ---------------------------------------------------


def _matrix_plan(request):
    """The plan the matrix shows: ?plan=CODE, else the latest plan with measures carried out in each institution."""
    with_obligations = Plan.objects.filter(action_lines__measures__in_each_institution=True).distinct()
    if request.GET.get("plan"):
        return get_object_or_404(with_obligations, code=request.GET["plan"])
    return with_obligations.order_by("-start_year", "order").first()


def _matrix(request, plan, today):
    """The filter set and matrix of the plan's institutions the user may see."""
    institutions = visible_institutions(request.user, matrix_institutions(plan))
    filterset = InstitutionMatrixFilterSet(request.GET or None, queryset=institutions.order_by("name_lv"))
    filterset.filters["sector"].queryset = sectors_for(institutions)
    present_filter_form(filterset.form)
    return filterset, obligation_matrix(plan, filterset.qs, today=today)


@login_required
def board(request):
    if not request.user.is_coordinator:
        raise PermissionDenied(_("Only the coordinator sees the plan board."))
    today = timezone.localdate()
    plans = list(_plans())
    counts = execution_by_plan(plans)
    matrix_plan = _matrix_plan(request)
    context = {
        "plans": [(plan, counts[plan.pk]) for plan in plans],
        "today": today,
        "overdue_measures": overdue_measures(today)[:10],
        "overdue_measure_count": overdue_measures(today).count(),
        "overdue_obligation_count": overdue_obligations(today).count(),
        "review": {
            "updates": ProgressUpdate.objects.filter(status=ReviewStatus.SUBMITTED).count(),
            "improvement_plans": ImprovementPlan.objects.filter(status=ReviewStatus.SUBMITTED).count(),
            "actuals": IndicatorActual.objects.filter(status=ReviewStatus.SUBMITTED).count(),
        },
        "matrix_plan": matrix_plan,
    }
    if matrix_plan is not None:
        progress = measure_obligation_progress(matrix_plan)
        context["obligation_progress"] = progress
        if any(item.total for item in progress):
            context["obligation_chart"] = stacked_bar_chart(
                _("Obligations of %(plan)s by measure and status") % {"plan": matrix_plan.code},
                [item.measure.code for item in progress],
                status_series([item.counts for item in progress]),
                category_label=_("Measure"),
            )
        context["filter"], context["matrix"] = _matrix(request, matrix_plan, today)
        context["filters_active"] = any(request.GET.get(name) for name in context["filter"].filters)
    return render(request, "workplans/plans/board.html", context)


@login_required
def obligation_matrix_view(request, code):
    plan = get_object_or_404(Plan, code=code)
    today = timezone.localdate()
    filterset, matrix = _matrix(request, plan, today)
    export = export_response(request, matrix_table(matrix), f"{plan.code}-obligation-matrix")
    if export:
        return export
    return render(
        request,
        "workplans/plans/matrix.html",
        {
            "plan": plan,
            "matrix": matrix,
            "filter": filterset,
            "filters_active": any(request.GET.get(name) for name in filterset.filters),
        },
    )


@login_required
def overdue(request):
    today = timezone.localdate()
    user = request.user
    filterset = ObligationFilterSet(request.GET or None, queryset=visible_obligations(user, Obligation.objects.all()))
    filterset.filters["sector"].queryset = sectors_for(visible_institutions(user))
    present_filter_form(filterset.form, ("status",))
    obligations = overdue_obligations(today, queryset=filterset.qs)
    plan = filterset.form.cleaned_data.get("plan") if filterset.is_bound and filterset.is_valid() else None
    measures = overdue_measures(today, plan=plan)

    measure_table = OverdueMeasureTable(measures, today=today, prefix="m-")
    obligation_table = OverdueObligationTable(obligations, today=today, prefix="o-")
    export = export_response(request, obligation_table, "overdue-obligations") or export_response(
        request, measure_table, "overdue-measures", "_export_measures"
    )
    if export:
        return export
    RequestConfig(request, paginate={"per_page": 50}).configure(measure_table)
    RequestConfig(request, paginate={"per_page": 50}).configure(obligation_table)
    return render(
        request,
        "workplans/plans/overdue.html",
        {
            "today": today,
            "filter": filterset,
            "filters_active": any(request.GET.get(name) for name in filterset.filters),
            "measure_table": measure_table,
            "obligation_table": obligation_table,
        },
    )
