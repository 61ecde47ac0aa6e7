"""The VPVKAC network in the Django admin.

Who sees and changes what is vpvkac/scoping.py's decision, as everywhere: a staff user who is not the coordinator
sees the centres `visible_centres` gives them and the rows hanging off those centres, and changes (hours, desks,
premises, contact figures) only those of the centres `editable_centres` gives them, naming only those centres.
The network's reference (periods, settlements, mobile centres, published costs) is read by staff and changed by
the coordinator; grants and scores likewise, within the reader's scope. A centre's status changes through its
status history (vpvkac/centres.py change_status), never by editing the status itself. Stored results,
recomputations, parameter versions and imports are written by the computations and shown read-only: parameters
change on the parameters page, decisions on the network review page.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from institutions.admin_scoping import (
    CoordinatorChangesMixin,
    CoordinatorReadOnlyMixin,
    ParentScopedInlineMixin,
    ReadOnlyMixin,
    ScopedRowsMixin,
    is_coordinator,
    is_staff,
)

from . import bulk
from .centres import change_status
from .models import (
    Centre,
    CentreFigure,
    CentreMembership,
    CentreStatusChange,
    ContactFigure,
    ContactImport,
    Desk,
    Grant,
    MobileCentre,
    MobileStop,
    MunicipalityFigure,
    NetworkParameters,
    NetworkRecomputation,
    NetworkReviewDecision,
    OpeningHours,
    PeriodSummary,
    PublishedCostPerService,
    ReceptionSchedule,
    ReportingPeriod,
    SatisfactionScore,
    Settlement,
    StopTimetable,
)
from .scoping import editable_centres, scope_by_centre, visible_centres
from .views.scopes import visible_grants, visible_municipality_figures

# The fields of a centre only the coordinator changes: what the centre is, and its place in the network.
CENTRE_IDENTITY = ("code", "name", "tier", "municipality", "settlement", "opened_on", "source", "is_demo")


def _records_figures(request):
    """The user records the figures of at least one centre."""
    return is_coordinator(request) or (is_staff(request) and editable_centres(request.user).exists())


# --- shared reference -------------------------------------------------------------------------------------------


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(CoordinatorChangesMixin, admin.ModelAdmin):
    list_display = ("code", "name_lv", "first_day", "last_day")
    search_fields = ("code", "name_lv", "name_en")


@admin.register(Settlement)
class SettlementAdmin(CoordinatorChangesMixin, SimpleHistoryAdmin):
    list_display = ("name", "code", "municipality", "population", "year", "is_demo")
    list_filter = ("is_demo",)
    search_fields = ("name", "code")
    list_select_related = ("municipality",)
    autocomplete_fields = ("municipality",)


class MobileStopInline(CoordinatorChangesMixin, admin.TabularInline):
    model = MobileStop
    extra = 0
    fields = ("name", "settlement", "latitude", "longitude", "address")
    raw_id_fields = ("settlement",)
    show_change_link = True


@admin.register(MobileCentre)
class MobileCentreAdmin(CoordinatorChangesMixin, SimpleHistoryAdmin):
    list_display = ("name", "code", "vehicle", "service_mode", "in_service_from", "in_service_to", "is_demo")
    list_filter = ("service_mode", "is_demo")
    search_fields = ("name", "code", "vehicle")
    filter_horizontal = ("owners", "replaces")
    inlines = [MobileStopInline]


class StopTimetableInline(CoordinatorChangesMixin, admin.TabularInline):
    model = StopTimetable
    extra = 0
    fields = ("weekday", "week_of_month", "starts_at", "ends_at", "valid_from", "valid_to")


@admin.register(MobileStop)
class MobileStopAdmin(CoordinatorChangesMixin, SimpleHistoryAdmin):
    list_display = ("name", "mobile_centre", "latitude", "longitude")
    list_filter = ("mobile_centre",)
    search_fields = ("name", "mobile_centre__name")
    list_select_related = ("mobile_centre",)
    raw_id_fields = ("settlement",)
    inlines = [StopTimetableInline]


@admin.register(PublishedCostPerService)
class PublishedCostPerServiceAdmin(CoordinatorChangesMixin, SimpleHistoryAdmin):
    list_display = ("municipality", "period", "tier", "cost_per_service", "source_name")
    list_filter = ("period", "tier")
    search_fields = ("municipality__name_lv", "source_name")
    list_select_related = ("municipality", "period")


# --- the centres ---------------------------------------------------------------------------------------------------


class CentreScopedAdmin(ScopedRowsMixin, SimpleHistoryAdmin):
    """Rows that point at a centre (`centre_field`): seen within `visible_centres`, changed within
    `editable_centres` (only the coordinator when `coordinator_changes`), naming only centres the user edits."""

    centre_field = "centre"
    coordinator_changes = False

    def get_queryset(self, request):
        return scope_by_centre(request.user, super().get_queryset(request), field=self.centre_field)

    def _editable(self, request, obj):
        if self.coordinator_changes:
            return is_coordinator(request)
        if obj is None:
            return _records_figures(request)
        return scope_by_centre(
            request.user, type(obj).objects.filter(pk=obj.pk), field=self.centre_field, editable=True
        ).exists()

    def has_add_permission(self, request, *args):
        return is_staff(request) and self._editable(request, None)

    def has_change_permission(self, request, obj=None):
        return is_staff(request) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "centre":
            kwargs["queryset"] = editable_centres(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CentrePartInline(ParentScopedInlineMixin, admin.TabularInline):
    """A part of a centre (hours, desks): changed by whoever may change the centre's figures and hours."""

    extra = 0

    def may_change(self, request, centre):
        if not is_staff(request):
            return False
        return centre is None or editable_centres(request.user).filter(pk=centre.pk).exists()


class OpeningHoursInline(CentrePartInline):
    model = OpeningHours
    fields = ("weekday", "opens_at", "closes_at", "shift")


class DeskInline(CentrePartInline):
    model = Desk
    fields = ("institution", "presence", "minimum_basket", "justification", "valid_from", "valid_to")
    autocomplete_fields = ("institution",)
    show_change_link = True


class StatusChangeInline(CoordinatorChangesMixin, admin.TabularInline):
    """The status history: the coordinator adds a step; the centre's status follows (centres.change_status)."""

    model = CentreStatusChange
    extra = 0
    fields = ("since", "status", "note", "changed_by", "recorded_at")
    readonly_fields = ("changed_by", "recorded_at")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Centre)
class CentreAdmin(ScopedRowsMixin, SimpleHistoryAdmin):
    list_display = ("name", "code", "municipality", "tier", "status", "in_library", "is_demo")
    list_filter = ("tier", "status", "in_library", "is_demo")
    search_fields = ("name", "code", "address", "municipality__name_lv")
    list_select_related = ("municipality",)
    autocomplete_fields = ("municipality",)
    raw_id_fields = ("settlement",)
    readonly_fields = ("status", "status_since")
    inlines = [OpeningHoursInline, DeskInline, StatusChangeInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "tier", "municipality", "settlement", "status", "status_since")}),
        (
            _("Place"),
            {"fields": ("host_building", "in_library", "address", "latitude", "longitude", "coordinates_approximate")},
        ),
        (
            _("Premises"),
            {"fields": ("private_room", "screen_privacy", "parking_spaces", "transport_stop_distance_m")},
        ),
        (_("Record"), {"fields": ("opened_on", "source", "is_demo")}),
    )

    def get_queryset(self, request):
        return visible_centres(request.user, super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        if is_coordinator(request):
            return self.readonly_fields
        return (*self.readonly_fields, *CENTRE_IDENTITY)

    def has_add_permission(self, request):
        return is_coordinator(request)

    def has_change_permission(self, request, obj=None):
        if not is_staff(request):
            return False
        if obj is None:
            return _records_figures(request)
        return editable_centres(request.user).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request, obj=None):
        return is_coordinator(request)

    def save_formset(self, request, form, formset, change):
        if formset.model is not CentreStatusChange:
            return super().save_formset(request, form, formset, change)
        for step in formset.save(commit=False):
            change_status(form.instance, step.status, step.since, user=request.user, note=step.note)
        formset.save_m2m()


class ReceptionScheduleInline(CentrePartInline):
    model = ReceptionSchedule
    fields = ("weekday", "week_of_month", "starts_at", "ends_at", "valid_from", "valid_to")

    def may_change(self, request, desk):
        if not is_staff(request):
            return False
        return desk is None or editable_centres(request.user).filter(pk=desk.centre_id).exists()


@admin.register(Desk)
class DeskAdmin(CentreScopedAdmin):
    list_display = ("centre", "institution", "presence", "minimum_basket", "valid_from", "valid_to")
    list_filter = ("presence", "minimum_basket")
    search_fields = ("centre__name", "institution__short_name")
    list_select_related = ("centre", "institution")
    autocomplete_fields = ("institution",)
    inlines = [ReceptionScheduleInline]


@admin.register(CentreMembership)
class CentreMembershipAdmin(CoordinatorChangesMixin, SimpleHistoryAdmin):
    """Who works for which centre: the coordinator's to grant, and to read."""

    list_display = ("user", "centre", "can_edit", "created_at")
    list_filter = ("can_edit",)
    search_fields = ("user__username", "centre__name", "centre__code")
    list_select_related = ("user", "centre")
    raw_id_fields = ("user", "centre")

    def may_read(self, request):
        return is_coordinator(request)


# --- figures ------------------------------------------------------------------------------------------------------


@admin.register(ContactFigure)
class ContactFigureAdmin(CentreScopedAdmin):
    list_display = (
        "centre",
        "date",
        "date_to",
        "hour",
        "contact_type",
        "staff_type",
        "client_type",
        "count",
        "is_demo",
    )
    list_filter = ("contact_type", "staff_type", "client_type", "is_demo")
    search_fields = ("centre__name", "centre__code")
    list_select_related = ("centre",)
    date_hierarchy = "date"
    raw_id_fields = ("institution", "service")
    show_full_result_count = False  # a count of millions of rows on every page is not worth its seconds

    def save_model(self, request, obj, form, change):
        obj.is_demo = False  # a figure entered by hand is real data
        super().save_model(request, obj, form, change)


@admin.register(SatisfactionScore)
class SatisfactionScoreAdmin(CentreScopedAdmin):
    coordinator_changes = True
    list_display = ("centre", "period", "kind", "score", "scale_min", "scale_max", "responses", "is_demo")
    list_filter = ("period", "kind", "is_demo")
    search_fields = ("centre__name",)
    list_select_related = ("centre", "period")


@admin.register(Grant)
class GrantAdmin(ScopedRowsMixin, CoordinatorChangesMixin, SimpleHistoryAdmin):
    list_display = ("period", "municipality", "centre", "kind", "amount", "is_demo")
    list_filter = ("period", "kind", "is_demo")
    search_fields = ("municipality__name_lv", "centre__name")
    list_select_related = ("period", "municipality", "centre")
    autocomplete_fields = ("municipality",)
    raw_id_fields = ("centre",)

    def get_queryset(self, request):
        return visible_grants(request.user, super().get_queryset(request))


@admin.register(ContactImport)
class ContactImportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "original_name", "uploaded_by", "created_at", "status", "total_rows", "error_count")
    list_filter = ("status",)
    list_select_related = ("uploaded_by",)

    def get_queryset(self, request):
        return bulk.visible_imports(request.user, super().get_queryset(request))


# --- results, parameters and the review ---------------------------------------------------------------------------


@admin.register(NetworkParameters)
class NetworkParametersAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("version", "radius_km", "average_mode", "fixed_average", "created_by", "created_at", "note")
    list_select_related = ("created_by",)


@admin.register(NetworkRecomputation)
class NetworkRecomputationAdmin(CoordinatorReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "kind", "status", "reason", "steps_done", "steps_total", "rows_written", "created_at")
    list_filter = ("kind", "status")


@admin.register(PeriodSummary)
class PeriodSummaryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("period", "average_mode", "average", "at_or_below", "above", "very_high", "centres", "services")
    list_select_related = ("period",)


@admin.register(CentreFigure)
class CentreFigureAdmin(ScopedRowsMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("centre", "period", "services", "consultations", "cost_per_service", "band", "proposable")
    list_filter = ("period", "band", "proposable", "tier")
    search_fields = ("centre__name", "centre__code")
    list_select_related = ("centre", "period")

    def get_queryset(self, request):
        return scope_by_centre(request.user, super().get_queryset(request))


@admin.register(MunicipalityFigure)
class MunicipalityFigureAdmin(ScopedRowsMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("municipality", "period", "centres", "services", "running_grant", "cost_per_service", "band")
    list_filter = ("period", "band", "tier")
    search_fields = ("municipality__name_lv",)
    list_select_related = ("municipality", "period")

    def get_queryset(self, request):
        return visible_municipality_figures(request.user, super().get_queryset(request))


@admin.register(NetworkReviewDecision)
class NetworkReviewDecisionAdmin(ScopedRowsMixin, ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("centre", "period", "decision", "decided_by", "decided_at")
    list_filter = ("period", "decision")
    search_fields = ("centre__name", "reason")
    list_select_related = ("centre", "period", "decided_by")

    def get_queryset(self, request):
        return scope_by_centre(request.user, super().get_queryset(request))
