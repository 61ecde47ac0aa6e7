from django.contrib import admin

from institutions.admin_scoping import CoordinatorChangesMixin, ReadOnlyMixin, is_coordinator

from .models import GeneratedReport, ReportSchedule
from .report_centre import visible_reports


@admin.register(GeneratedReport)
class GeneratedReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Generated reports are written by their job; the admin lists those the user may read."""

    list_display = ("pk", "kind", "institution", "municipality", "status", "requested_by", "created_at", "finished_at")
    list_filter = ("kind", "status")
    list_select_related = ("institution", "municipality", "requested_by")

    def get_queryset(self, request):
        return visible_reports(request.user, super().get_queryset(request))


@admin.register(ReportSchedule)
class ReportScheduleAdmin(CoordinatorChangesMixin, admin.ModelAdmin):
    """Schedules are the coordinator's: only the coordinator sees or changes them."""

    list_display = ("kind", "frequency", "day", "month", "language", "active", "last_run_on", "created_by")
    list_filter = ("kind", "frequency", "active")

    def may_read(self, request):
        return is_coordinator(request)
