"""Which plan rows a user may see and change: the one place that decides it for workplans.

Plans, action lines, measures and indicators are shared reference: every signed-in user reads them. What hangs
off an institution — obligations, progress updates, implementation teams, improvement plans — follows the
institution scoping of institutions/scoping.py, and an approved indicator actual is readable by everyone while
a draft one only by its reporting institution. Reviews (approve, return) are the coordinator's.
"""

from django.db.models import Q

from institutions.scoping import editable_institutions, scope_by_institution, visible_institutions

from .models import (
    ImplementationTeam,
    ImprovementItem,
    ImprovementPlan,
    IndicatorActual,
    Measure,
    MeasureResponsibility,
    Obligation,
    ProgressUpdate,
    ReviewStatus,
)


def _signed_in(user):
    return user is not None and user.is_authenticated and user.is_active


def is_reviewer(user):
    """Approving or returning updates and improvement plans is the coordinator's."""
    return _signed_in(user) and user.is_coordinator


def visible_obligations(user, queryset=None, editable=False):
    queryset = Obligation.objects.all() if queryset is None else queryset
    return scope_by_institution(user, queryset, editable=editable)


def visible_teams(user, queryset=None, editable=False):
    queryset = ImplementationTeam.objects.all() if queryset is None else queryset
    return scope_by_institution(user, queryset, editable=editable)


def visible_improvement_plans(user, queryset=None, editable=False):
    queryset = ImprovementPlan.objects.all() if queryset is None else queryset
    return scope_by_institution(user, queryset, editable=editable)


def visible_improvement_items(user, queryset=None, editable=False):
    queryset = ImprovementItem.objects.all() if queryset is None else queryset
    return scope_by_institution(user, queryset, field="improvement_plan__institution", editable=editable)


def visible_updates(user, queryset=None, editable=False):
    """Progress updates of the institutions the user may see (or change)."""
    queryset = ProgressUpdate.objects.all() if queryset is None else queryset
    return scope_by_institution(user, queryset, editable=editable)


def visible_indicator_actuals(user, queryset=None):
    """Approved actuals for every signed-in user; the others only to their reporting institution's members."""
    queryset = IndicatorActual.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(Q(status=ReviewStatus.APPROVED) | Q(institution__in=visible_institutions(user).values("pk")))


def editable_indicator_actuals(user, queryset=None):
    queryset = IndicatorActual.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(institution__in=editable_institutions(user).values("pk"))


def reportable_measures(user, queryset=None):
    """Measures the user may report on as a whole: the coordinator all, an editor those their institution is
    responsible or co-responsible for (measures carried out in each institution are reported per obligation)."""
    queryset = Measure.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(responsibilities__institution__in=editable_institutions(user).values("pk")).distinct()


def indicator_reporting_institutions(user, indicator):
    """Institutions the user may report an indicator's actual for: those responsible or co-responsible for the
    indicator's measure (or, for an action line's indicator, for a measure of its line) that the user may edit;
    the coordinator reports for any institution."""
    from institutions.models import Institution

    if not _signed_in(user):
        return Institution.objects.none()
    if user.is_coordinator:
        return editable_institutions(user)
    if indicator.measure_id:
        responsible = MeasureResponsibility.objects.filter(measure_id=indicator.measure_id)
    elif indicator.action_line_id:
        responsible = MeasureResponsibility.objects.filter(measure__action_line_id=indicator.action_line_id)
    else:
        responsible = MeasureResponsibility.objects.filter(measure__action_line__plan_id=indicator.plan_id)
    return editable_institutions(user).filter(pk__in=responsible.values("institution_id"))


def can_report_on_indicator(user, indicator):
    return indicator_reporting_institutions(user, indicator).exists()


def can_edit_obligation(user, obligation):
    return visible_obligations(user, editable=True).filter(pk=obligation.pk).exists()


def can_edit_improvement_plan(user, improvement_plan):
    return visible_improvement_plans(user, editable=True).filter(pk=improvement_plan.pk).exists()


def can_edit_team(user, team):
    return visible_teams(user, editable=True).filter(pk=team.pk).exists()


def can_report_on_measure(user, measure):
    return reportable_measures(user).filter(pk=measure.pk).exists()


def can_edit_indicator_actual(user, actual):
    return editable_indicator_actuals(user).filter(pk=actual.pk).exists()
