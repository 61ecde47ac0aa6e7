"""Plans, obligations, teams, improvement plans and reports in the Django admin.

Plans, action lines, roadmap groups, measures and indicators are shared reference: every staff user reads them,
the coordinator changes them. What hangs off an institution is seen and changed as workplans/scoping.py decides
(a non-coordinator: only their institutions' rows, and only their institutions in the choices). The review
cycle (submit, approve, return) runs in the pages through workplans/workflow.py: here its fields are read-only,
and a reviewed update or plan is not changed. An obligation's status and evidence change only through an
approved progress update. Generated reports and sent reminders are the coordinator's to read.
"""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from institutions.admin_scoping import (
    CoordinatorChangesMixin,
    CoordinatorReadOnlyMixin,
    InstitutionScopedAdminMixin,
    ParentScopedInlineMixin,
    is_coordinator,
)

from .models import (
    ActionLine,
    EvidenceLink,
    ExecutionReport,
    ImplementationTeam,
    ImprovementItem,
    ImprovementPlan,
    Indicator,
    IndicatorActual,
    IndicatorTarget,
    Measure,
    MeasureDeadline,
    MeasureResponsibility,
    Obligation,
    Plan,
    ProgressUpdate,
    ReminderLog,
    RoadmapGroup,
    TeamMember,
)
from .scoping import (
    editable_indicator_actuals,
    reportable_measures,
    visible_improvement_items,
    visible_improvement_plans,
    visible_indicator_actuals,
    visible_obligations,
    visible_teams,
    visible_updates,
)
from .workflow import can_change

REVIEW_FIELDS = (
    "status",
    "created_by",
    "created_at",
    "submitted_by",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
    "review_comment",
)


# --- plans as data -------------------------------------------------------------------------------------------------


class ReferenceInline(CoordinatorChangesMixin, admin.TabularInline):
    extra = 0


class ActionLineInline(ReferenceInline):
    model = ActionLine
    fields = ("code", "order", "title_lv", "title_en")
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(CoordinatorChangesMixin, SimpleHistoryAdmin):
    list_display = ("code", "title_lv", "kind", "start_year", "end_year", "round_number", "approving_act")
    list_filter = ("kind",)
    search_fields = ("code", "title_lv", "title_en")
    inlines = [ActionLineInline]
    autocomplete_fields = ("predecessor",)


@admin.register(ActionLine)
class ActionLineAdmin(CoordinatorChangesMixin, admin.ModelAdmin):
    list_display = ("code", "title_lv", "plan", "order")
    list_filter = ("plan",)
    search_fields = ("code", "title_lv", "title_en")
    list_select_related = ("plan",)


@admin.register(RoadmapGroup)
class RoadmapGroupAdmin(CoordinatorChangesMixin, admin.ModelAdmin):
    list_display = ("code", "label_lv", "plan", "start_year", "start_quarter", "end_year", "end_quarter", "assumed")
    list_filter = ("plan", "assumed", "continues_after_plan")
    list_select_related = ("plan",)


class MeasureResponsibilityInline(ReferenceInline):
    model = MeasureResponsibility
    fields = ("institution", "role")


class MeasureDeadlineInline(ReferenceInline):
    model = MeasureDeadline
    fields = ("due_on", "as_written", "label_lv", "label_en")


class EvidenceLinkInline(ReferenceInline):
    model = EvidenceLink
    fields = ("label", "url")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Measure)
class MeasureAdmin(CoordinatorChangesMixin, SimpleHistoryAdmin):
    list_display = ("code", "short_text", "action_line", "status", "in_each_institution", "counted_as_continuing")
    list_filter = ("action_line__plan", "status", "in_each_institution", "kind", "continues_after_plan")
    search_fields = ("code", "official_number", "text_lv", "text_en")
    list_select_related = ("action_line__plan",)
    autocomplete_fields = ("carried_forward_to",)
    filter_horizontal = ("depends_on",)
    inlines = [MeasureResponsibilityInline, MeasureDeadlineInline, EvidenceLinkInline]
    fieldsets = (
        (None, {"fields": ("action_line", "code", "official_number", "order", "kind", "text_lv", "text_en")}),
        (_("Outputs and responsibility"), {"fields": ("outputs_lv", "outputs_en", "responsible_text")}),
        (
            _("Implementation"),
            {"fields": ("in_each_institution", "continues_after_plan", "roadmap_group", "depends_on")},
        ),
        (_("Status and evidence"), {"fields": ("status", "evidence_lv", "evidence_en")}),
        (
            _("Where the work continues"),
            {
                "fields": (
                    "carried_forward_to",
                    "carried_forward_project",
                    "carried_forward_note_lv",
                    "carried_forward_note_en",
                    "counted_as_continuing",
                )
            },
        ),
    )

    @admin.display(description=_("measure"), ordering="text_lv")
    def short_text(self, measure):
        return measure.text[:100]


class IndicatorTargetInline(ReferenceInline):
    model = IndicatorTarget
    fields = ("year", "value", "value_min", "value_max", "not_measured_reason_lv", "not_measured_reason_en", "note")


@admin.register(Indicator)
class IndicatorAdmin(CoordinatorChangesMixin, SimpleHistoryAdmin):
    list_display = ("code", "name_lv", "plan", "action_line", "measure", "unit_lv", "baseline_year", "result")
    list_filter = ("plan", "result")
    search_fields = ("code", "name_lv", "name_en")
    list_select_related = ("plan", "action_line", "measure")
    raw_id_fields = ("measure",)
    inlines = [IndicatorTargetInline]


# --- what hangs off an institution ---------------------------------------------------------------------------------


class InstitutionScopedAdmin(InstitutionScopedAdminMixin, SimpleHistoryAdmin):
    """Rows seen and changed as workplans/scoping.py decides; subclasses name the scoping functions."""

    institution_fields = ("institution",)


class ReviewableAdminMixin:
    """The review fields are the workflow's; a submitted or approved row is not changed here."""

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *REVIEW_FIELDS)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_change(request.user, obj))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Obligation)
class ObligationAdmin(InstitutionScopedAdmin):
    list_display = ("measure", "institution", "status", "due_on", "started_on", "completed_on", "voluntary")
    list_filter = ("measure__action_line__plan", "status", "voluntary")
    search_fields = ("measure__code", "institution__short_name", "institution__name_lv")
    list_select_related = ("measure__action_line__plan", "institution")
    raw_id_fields = ("measure",)
    # Status and evidence change only through an approved progress update (workplans/workflow.py).
    readonly_fields = ("status", "evidence")

    def visible(self, user, queryset=None):
        return visible_obligations(user, queryset)

    def editable(self, user, queryset=None):
        return visible_obligations(user, queryset, editable=True)

    def has_add_permission(self, request):
        # Obligations follow from the plan (workplans/obligations.py); a voluntary one is the coordinator's.
        return is_coordinator(request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["measure", "institution"]
        return fields


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReviewableAdminMixin, InstitutionScopedAdmin):
    list_display = ("__str__", "institution", "proposed_status", "as_of", "status", "submitted_at", "reviewed_at")
    list_filter = ("status", "proposed_status")
    search_fields = ("obligation__measure__code", "measure__code", "institution__short_name", "evidence")
    list_select_related = ("obligation__measure", "obligation__institution", "measure", "institution")
    raw_id_fields = ("obligation", "measure")

    def visible(self, user, queryset=None):
        return visible_updates(user, queryset)

    def editable(self, user, queryset=None):
        return visible_updates(user, queryset, editable=True)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "obligation":
            kwargs["queryset"] = visible_obligations(request.user, editable=True)
        elif db_field.name == "measure":
            kwargs["queryset"] = reportable_measures(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(IndicatorActual)
class IndicatorActualAdmin(ReviewableAdminMixin, InstitutionScopedAdmin):
    list_display = ("indicator", "year", "value", "value_min", "value_max", "institution", "status", "reviewed_at")
    list_filter = ("status", "indicator__plan", "year")
    search_fields = ("indicator__code", "indicator__name_lv", "institution__short_name")
    list_select_related = ("indicator", "institution")
    raw_id_fields = ("indicator",)

    def visible(self, user, queryset=None):
        return visible_indicator_actuals(user, queryset)

    def editable(self, user, queryset=None):
        return editable_indicator_actuals(user, queryset)


class TeamMemberInline(ParentScopedInlineMixin, admin.TabularInline):
    model = TeamMember
    extra = 0
    fields = ("name", "position", "email", "roles", "member_from", "member_to")

    def may_change(self, request, team):
        return team is None or visible_teams(request.user, editable=True).filter(pk=team.pk).exists()


@admin.register(ImplementationTeam)
class ImplementationTeamAdmin(InstitutionScopedAdmin):
    list_display = ("institution", "plan", "established_on", "not_required", "contact_name", "contact_email")
    list_filter = ("plan", "not_required")
    search_fields = ("institution__short_name", "institution__name_lv", "contact_name")
    list_select_related = ("institution", "plan")
    inlines = [TeamMemberInline]

    def visible(self, user, queryset=None):
        return visible_teams(user, queryset)

    def editable(self, user, queryset=None):
        return visible_teams(user, queryset, editable=True)


@admin.register(TeamMember)
class TeamMemberAdmin(InstitutionScopedAdmin):
    list_display = ("name", "team", "position", "email", "member_from", "member_to")
    search_fields = ("name", "email", "team__institution__short_name")
    list_select_related = ("team__institution", "team__plan")
    institution_fields = ()

    def visible(self, user, queryset=None):
        queryset = TeamMember.objects.all() if queryset is None else queryset
        return queryset.filter(team__in=visible_teams(user))

    def editable(self, user, queryset=None):
        queryset = TeamMember.objects.all() if queryset is None else queryset
        return queryset.filter(team__in=visible_teams(user, editable=True))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "team":
            kwargs["queryset"] = visible_teams(request.user, editable=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ImprovementItemInline(ParentScopedInlineMixin, admin.StackedInline):
    model = ImprovementItem
    extra = 0
    fields = (
        ("order", "category", "status"),
        "action",
        ("deadline", "responsible_person"),
        ("funding_source", "amount", "additional_needed"),
        ("planning_document", "planning_reference"),
        "service",
        "evidence",
    )
    raw_id_fields = ("service",)

    def may_change(self, request, improvement_plan):
        return improvement_plan is None or (
            visible_improvement_plans(request.user, editable=True).filter(pk=improvement_plan.pk).exists()
            and can_change(request.user, improvement_plan)
        )


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(ReviewableAdminMixin, InstitutionScopedAdmin):
    list_display = ("institution", "plan", "version", "status", "submitted_at", "reviewed_at")
    list_filter = ("plan", "status")
    search_fields = ("institution__short_name", "institution__name_lv", "summary")
    list_select_related = ("institution", "plan")
    raw_id_fields = ("based_on",)
    inlines = [ImprovementItemInline]

    def visible(self, user, queryset=None):
        return visible_improvement_plans(user, queryset)

    def editable(self, user, queryset=None):
        return visible_improvement_plans(user, queryset, editable=True)


@admin.register(ImprovementItem)
class ImprovementItemAdmin(InstitutionScopedAdmin):
    list_display = ("__str__", "improvement_plan", "category", "deadline", "funding_source", "amount", "status")
    list_filter = ("category", "funding_source", "status", "planning_document")
    search_fields = ("action", "responsible_person", "improvement_plan__institution__short_name")
    list_select_related = ("improvement_plan__institution", "improvement_plan__plan")
    raw_id_fields = ("service", "gaps")
    institution_fields = ()

    def visible(self, user, queryset=None):
        return visible_improvement_items(user, queryset)

    def editable(self, user, queryset=None):
        return visible_improvement_items(user, queryset, editable=True)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_change(request.user, obj.improvement_plan))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "improvement_plan":
            kwargs["queryset"] = visible_improvement_plans(request.user, editable=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- generated records (workplans/report.py, workplans/reminders.py) --------------------------------------------------


@admin.register(ExecutionReport)
class ExecutionReportAdmin(CoordinatorReadOnlyMixin, admin.ModelAdmin):
    list_display = ("__str__", "plan", "language", "status", "progress", "requested_by", "created_at", "finished_at")
    list_filter = ("status", "plan", "language")
    search_fields = ("plan__code", "error", "task_id")
    list_select_related = ("plan", "requested_by")
    date_hierarchy = "created_at"


@admin.register(ReminderLog)
class ReminderLogAdmin(CoordinatorReadOnlyMixin, admin.ModelAdmin):
    list_display = ("kind", "subject_key", "recipient", "sent_on")
    list_filter = ("kind", "sent_on")
    search_fields = ("subject_key", "recipient")
    date_hierarchy = "sent_on"
