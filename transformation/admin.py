"""Service transformation in the Django admin.

What a user sees and changes is decided by transformation/scoping.py; the admin only asks. A non-coordinator sees
their institutions' projects and measurements, and only their institutions in the choices; the national indicator
library, oversight decisions, shared components and the review-cycle parameters are the coordinator's to change.
Project steps (start, close) run through transformation/workflow.py in the pages and the API: here the status
fields are read-only. Every list exports to CSV and XLSX (transformation/resources.py) through the same scoping.
"""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from config.exports import SafeCSV, SafeXLSX
from institutions.admin_scoping import (
    CoordinatorChangesMixin,
    CoordinatorReadOnlyMixin,
    InstitutionScopedAdminMixin,
    ParentScopedInlineMixin,
    is_coordinator,
    is_staff,
    may_edit_some_institution,
)

from .models import (
    FINISHED_PROJECT_STATUSES,
    ComponentInstitution,
    ComponentProject,
    CostEvidence,
    IndicatorScope,
    Measurement,
    MeasurementSource,
    OversightDecision,
    ProjectMember,
    ProjectPhase,
    ResultIndicator,
    ReviewParameters,
    ReviewReminderLog,
    ServiceReview,
    SharedComponent,
    TransformationProject,
)
from .resources import (
    MeasurementResource,
    OversightDecisionResource,
    ProjectResource,
    ResultIndicatorResource,
    ServiceReviewResource,
    SharedComponentResource,
)
from .scoping import (
    editable_indicators,
    editable_projects,
    editable_reviews,
    reviewable_services,
    visible_decisions,
    visible_indicators,
    visible_measurements,
    visible_projects,
    visible_reviews,
)


class ScopedAdmin(InstitutionScopedAdminMixin, ExportMixin, SimpleHistoryAdmin):
    """Rows read and changed as `visible` and `editable` say; exported in CSV and XLSX through the same scope."""

    formats = [SafeCSV, SafeXLSX]

    def has_export_permission(self, request):
        return is_staff(request)


# --- projects ----------------------------------------------------------------------------------------------------


class ProjectChildInline(ParentScopedInlineMixin, admin.TabularInline):
    """Rows of a project: changed by those who may change the project."""

    extra = 0

    def may_change(self, request, project):
        if not is_staff(request):
            return False
        if project is None:
            return may_edit_some_institution(request)
        return editable_projects(request.user).filter(pk=project.pk).exists()


class ProjectMemberInline(ProjectChildInline):
    model = ProjectMember
    fields = ("person_name", "email", "role", "user")
    raw_id_fields = ("user",)


class ProjectPhaseInline(ProjectChildInline):
    model = ProjectPhase
    fields = ("kind", "status", "planned_start", "planned_end", "actual_start", "actual_end", "note")
    readonly_fields = ("kind", "status")
    max_num = 7

    def has_add_permission(self, request, obj=None):
        return False  # transformation/workflow.py creates the seven phases

    def has_delete_permission(self, request, obj=None):
        return False


class ComponentProjectInline(ProjectChildInline):
    model = ComponentProject
    fields = ("component", "since", "note")


@admin.register(TransformationProject)
class TransformationProjectAdmin(ScopedAdmin):
    resource_classes = [ProjectResource]
    list_display = ("name", "institution", "status", "planned_start", "planned_end", "closed_on", "is_demo")
    list_filter = ("status", "funding_source", "is_demo")
    search_fields = ("name", "goal", "institution__short_name", "institution__name_lv")
    list_select_related = ("institution",)
    autocomplete_fields = ("services",)
    institution_fields = ("institution",)
    readonly_fields = ("status", "started_on", "closed_on", "created_by", "created_at", "updated_at")
    inlines = [ProjectMemberInline, ProjectPhaseInline, ComponentProjectInline]

    def visible(self, user, queryset=None):
        return visible_projects(user, queryset)

    def editable(self, user, queryset=None):
        return editable_projects(user, queryset)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        from .workflow import create_phases

        super().save_related(request, form, formsets, change)
        create_phases(form.instance)


@admin.register(Measurement)
class MeasurementAdmin(ScopedAdmin):
    resource_classes = [MeasurementResource]
    list_display = ("project", "indicator", "phase", "value", "short_text", "source", "period_start", "period_end")
    list_filter = ("phase", "source", "indicator__scope")
    search_fields = ("project__name", "indicator__code", "indicator__name_lv", "note")
    list_select_related = ("project", "indicator")
    raw_id_fields = ("project",)
    readonly_fields = ("source", "source_note", "measured_by", "created_at", "updated_at")

    def visible(self, user, queryset=None):
        return visible_measurements(user, queryset)

    def editable(self, user, queryset=None):
        # A closed or cancelled project's measurements are its record: no longer changed.
        return visible_measurements(user, queryset, editable=True).exclude(
            project__status__in=FINISHED_PROJECT_STATUSES
        )

    @admin.display(description=_("text value"))
    def short_text(self, measurement):
        return measurement.text_value[:60]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = editable_projects(request.user).exclude(status__in=FINISHED_PROJECT_STATUSES)
        elif db_field.name == "indicator":
            kwargs["queryset"] = visible_indicators(request.user).filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.source = MeasurementSource.ENTERED
        obj.source_note = ""
        obj.measured_by = request.user
        super().save_model(request, obj, form, change)


# --- indicators --------------------------------------------------------------------------------------------------


@admin.register(ResultIndicator)
class ResultIndicatorAdmin(ScopedAdmin):
    resource_classes = [ResultIndicatorResource]
    list_display = (
        "code",
        "name_lv",
        "scope",
        "value_kind",
        "good_direction",
        "mandatory",
        "catalogue_source",
        "active",
    )
    list_filter = ("scope", "mandatory", "value_kind", "active")
    search_fields = ("code", "name_lv", "name_en")
    list_select_related = ("owner_institution",)
    institution_fields = ("owner_institution",)

    def visible(self, user, queryset=None):
        return visible_indicators(user, queryset)

    def editable(self, user, queryset=None):
        return editable_indicators(user, queryset)

    def get_readonly_fields(self, request, obj=None):
        if is_coordinator(request):
            return ()
        return ("scope", "mandatory", "source_number")

    def save_model(self, request, obj, form, change):
        if not is_coordinator(request):
            obj.scope = IndicatorScope.INSTITUTION
            obj.mandatory = False
        super().save_model(request, obj, form, change)


# --- oversight ---------------------------------------------------------------------------------------------------


class CostEvidenceInline(CoordinatorChangesMixin, admin.TabularInline):
    model = CostEvidence
    extra = 0
    fields = ("service", "provider", "year", "cost_per_transaction", "peer_median", "peer_ratio", "is_outlier", "note")
    autocomplete_fields = ("service", "provider")


@admin.register(OversightDecision)
class OversightDecisionAdmin(ScopedAdmin):
    resource_classes = [OversightDecisionResource]
    list_display = ("reference", "title", "kind", "status", "proposed_on", "decided_on", "institution")
    list_filter = ("kind", "status", "is_demo")
    search_fields = ("reference", "title", "text", "evidence_text")
    list_select_related = ("institution",)
    autocomplete_fields = ("services", "institution")
    raw_id_fields = ("project", "measurements")
    inlines = [CostEvidenceInline]

    def visible(self, user, queryset=None):
        return visible_decisions(user, queryset)

    def editable(self, user, queryset=None):
        queryset = OversightDecision.objects.all() if queryset is None else queryset
        return queryset if user.is_coordinator else queryset.none()

    def may_add(self, request):
        return is_coordinator(request)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ComponentInstitutionInline(CoordinatorChangesMixin, admin.TabularInline):
    model = ComponentInstitution
    extra = 0
    fields = ("institution", "since", "note")
    autocomplete_fields = ("institution",)


@admin.register(SharedComponent)
class SharedComponentAdmin(CoordinatorChangesMixin, ExportMixin, SimpleHistoryAdmin):
    resource_classes = [SharedComponentResource]
    formats = [SafeCSV, SafeXLSX]
    list_display = ("name_lv", "code", "kind", "status", "owner_institution")
    list_filter = ("kind", "status")
    search_fields = ("code", "name_lv", "name_en")
    list_select_related = ("owner_institution",)
    autocomplete_fields = ("owner_institution",)
    inlines = [ComponentInstitutionInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_export_permission(self, request):
        return is_staff(request)


# --- reviews -----------------------------------------------------------------------------------------------------


@admin.register(ServiceReview)
class ServiceReviewAdmin(ScopedAdmin):
    resource_classes = [ServiceReviewResource]
    list_display = ("service", "kind", "reviewed_on", "reviewer_institution", "project")
    list_filter = ("kind", "is_demo")
    search_fields = ("service__catalogue_id", "service__name_lv", "finding")
    list_select_related = ("service", "reviewer_institution", "project")
    raw_id_fields = ("project",)
    institution_fields = ("reviewer_institution",)
    readonly_fields = ("created_by", "created_at")

    def visible(self, user, queryset=None):
        return visible_reviews(user, queryset)

    def editable(self, user, queryset=None):
        return editable_reviews(user, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "service":
            kwargs["queryset"] = reviewable_services(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ReviewParameters)
class ReviewParametersAdmin(CoordinatorChangesMixin, admin.ModelAdmin):
    """Versions are never changed: a new one is added (transformation/reviews.py save_parameters)."""

    list_display = ("version", "cycle_years", "remind_days_before", "note", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return obj is None and is_coordinator(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from .reviews import current_parameters

        obj.version = current_parameters().version + 1
        obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        return ("version",)


@admin.register(ReviewReminderLog)
class ReviewReminderLogAdmin(CoordinatorReadOnlyMixin, admin.ModelAdmin):
    list_display = ("subject_key", "recipient", "sent_on")
