"""The catalogue in the Django admin.

What a user sees and may change is decided by services/scoping.py (and institutions/scoping.py for the
institutions a new row may name); the admin only asks. Imports run through services/resources.py on the
user's behalf, and the figure and cost forms through services/validation.py, like every other way in.
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from config.exports import SafeCSV, SafeXLSX
from config.uploads import CheckedImportForm
from institutions.admin_scoping import (
    CoordinatorChangesMixin,
    CoordinatorReadOnlyMixin,
    InstitutionScopedAdminMixin,
    ParentScopedInlineMixin,
    ReadOnlyMixin,
    ScopedRowsMixin,
    is_coordinator,
    is_staff,
    may_edit_some_institution,
)

from .bulk import creating_import
from .costing import PARAMETER_FIELDS
from .models import (
    BulkImport,
    Channel,
    CostFigure,
    CostParameters,
    CostRecomputation,
    FigureSubmission,
    LifeSituation,
    Service,
    ServiceChannel,
    ServiceCost,
    ServiceFigure,
    ServiceTemplate,
)
from .models.catalogue import SERVICE_CONDITIONS
from .resources import (
    TEMPLATE_FORMATS,
    ChannelResource,
    FigureSubmissionResource,
    LifeSituationResource,
    ServiceChannelResource,
    ServiceCostResource,
    ServiceFigureResource,
    ServiceResource,
    ServiceTemplateResource,
    template_file,
)
from .scoping import (
    editable_costs,
    visible_cost_figures,
    editable_figures,
    editable_services,
    visible_costs,
    visible_figures,
    visible_services,
    visible_submissions,
)
from .validation import COST_RULE_FIELDS, FIGURE_RULE_FIELDS, cost_errors, figure_errors, service_facts

TEMPLATE_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class CatalogueAdmin(ImportExportModelAdmin):
    """Import and export in CSV and XLSX, with an empty template of each file to download."""

    import_form_class = CheckedImportForm
    formats = [SafeCSV, SafeXLSX]
    # A file with any invalid row is shown with its errors and cannot be confirmed.
    skip_import_confirm = False
    import_export_change_list_template = "admin/services/change_list_import_export.html"

    def has_module_permission(self, request):
        return is_staff(request)

    def has_view_permission(self, request, obj=None):
        return is_staff(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        kwargs = super().get_import_resource_kwargs(request, **kwargs)
        kwargs["user"] = request.user
        return kwargs

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import-template/<str:file_format>/",
                self.admin_site.admin_view(self.import_template_view),
                name="%s_%s_import_template" % info,
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request, file_format):
        """An empty file to fill in for import: CSV with the header row, XLSX with an Instructions sheet."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if file_format not in TEMPLATE_FORMATS:
            raise Http404
        resource_classes = self.get_import_resource_classes(request)
        try:
            resource_class = resource_classes[int(request.GET.get("resource", 0))]
        except (ValueError, IndexError):
            raise Http404 from None
        content = template_file(resource_class, file_format)
        response = HttpResponse(content, content_type=TEMPLATE_CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="{self.opts.model_name}-template.{file_format}"'
        return response


class CoordinatorListAdmin(CoordinatorChangesMixin, CatalogueAdmin, SimpleHistoryAdmin):
    """Shared code lists of the catalogue: every staff user reads them, the coordinator changes and imports them."""

    def has_import_permission(self, request):
        return is_coordinator(request)


@admin.register(Channel)
class ChannelAdmin(CatalogueAdmin):
    """The fixed channel code list: read-only but for a superuser."""

    resource_classes = [ChannelResource]
    list_display = ("code", "name_lv", "name_en", "is_digital", "is_remote", "cost_unit_class", "order")
    list_filter = ("is_digital", "is_remote", "cost_unit_class")
    search_fields = ("code", "name_lv", "name_en")

    def _is_superuser(self, request):
        return is_staff(request) and request.user.is_superuser

    def has_add_permission(self, request):
        return self._is_superuser(request)

    def has_change_permission(self, request, obj=None):
        return self._is_superuser(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_superuser(request)

    def has_import_permission(self, request):
        return self._is_superuser(request)


@admin.register(LifeSituation)
class LifeSituationAdmin(CoordinatorListAdmin):
    resource_classes = [LifeSituationResource]
    list_display = ("name_lv", "name_en", "code", "is_demo")
    list_filter = ("is_demo",)
    search_fields = ("code", "name_lv", "name_en")
    prepopulated_fields = {"code": ("name_en",)}


@admin.register(ServiceTemplate)
class ServiceTemplateAdmin(CoordinatorListAdmin):
    resource_classes = [ServiceTemplateResource]
    list_display = ("name_lv", "name_en", "code", "is_demo")
    list_filter = ("is_demo",)
    search_fields = ("code", "name_lv", "name_en")
    prepopulated_fields = {"code": ("name_en",)}


class ServiceChannelInline(ParentScopedInlineMixin, admin.TabularInline):
    """The channels a service is offered through; changed with the service, by whoever may change it."""

    model = ServiceChannel
    extra = 0
    fields = ("channel", "address", "fee_amount", "fee_currency", "fee_conditions", "processing_days")

    def may_change(self, request, service):
        return service is None or editable_services(request.user).filter(pk=service.pk).exists()


class ServiceScopedAdmin(InstitutionScopedAdminMixin, CatalogueAdmin, SimpleHistoryAdmin):
    """Rows seen and changed as services/scoping.py decides; subclasses name the scoping functions. Whoever may
    change a row deletes it; a new or changed row may only name services the user may see."""

    institution_fields = ("holder", "provider")

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_import_permission(self, request):
        return may_edit_some_institution(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "service":
            kwargs["queryset"] = visible_services(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Service)
class ServiceAdmin(ServiceScopedAdmin):
    visible = staticmethod(visible_services)
    editable = staticmethod(editable_services)

    resource_classes = [ServiceResource]
    list_display = (
        "catalogue_id",
        "name_lv",
        "kind",
        "level",
        "holder",
        "status",
        "minimum_basket",
        "digital_only",
        "is_demo",
    )
    list_filter = (
        "kind",
        "level",
        "status",
        "minimum_basket",
        "digital_only",
        "is_demo",
        ("holder", admin.RelatedOnlyFieldListFilter),
        ("providers", admin.RelatedOnlyFieldListFilter),
        ("channels__channel", admin.RelatedOnlyFieldListFilter),
        ("life_situations", admin.RelatedOnlyFieldListFilter),
        ("template", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("catalogue_id", "name_lv", "name_en", "holder__short_name", "holder__name_lv")
    list_select_related = ("holder",)
    autocomplete_fields = ("holder", "providers", "template", "life_situations")
    readonly_fields = ("created_at", "updated_at")
    inlines = [ServiceChannelInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("catalogue_id", "name_lv", "name_en", "description_lv", "description_en")}),
        (_("Kind and recipients"), {"fields": ("kind", "level", "for_natural_persons", "for_legal_persons")}),
        (_("Institutions"), {"fields": ("holder", "providers", "template")}),
        (_("Lifecycle"), {"fields": ("status", "valid_from", "valid_to")}),
        (
            _("Provision"),
            {"fields": ("life_situations", "minimum_basket", "digital_only", "physical_presence_reason")},
        ),
        (_("PVPP2027 conditions"), {"fields": tuple(name for name, _label in SERVICE_CONDITIONS)}),
        (_("Legal basis and links"), {"fields": ("legal_basis", "url")}),
        (_("Provenance"), {"fields": ("is_demo", "created_at", "updated_at")}),
    )

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).prefetch_related("providers", "life_situations")

    def has_delete_permission(self, request, obj=None):
        # Deleting a service deletes its figures and costs: the coordinator's decision.
        return is_coordinator(request)


@admin.register(ServiceChannel)
class ServiceChannelAdmin(ServiceScopedAdmin):
    resource_classes = [ServiceChannelResource]
    list_display = ("service", "channel", "address", "fee_amount", "fee_currency", "processing_days")
    list_filter = ("channel", "fee_currency")
    search_fields = ("service__catalogue_id", "service__name_lv", "address")
    list_select_related = ("service", "channel")
    autocomplete_fields = ("service",)

    @staticmethod
    def visible(user, queryset=None):
        queryset = ServiceChannel.objects.all() if queryset is None else queryset
        return queryset.filter(service__in=visible_services(user).values("pk"))

    @staticmethod
    def editable(user, queryset=None):
        queryset = ServiceChannel.objects.all() if queryset is None else queryset
        return queryset.filter(service__in=editable_services(user).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "service":
            kwargs["queryset"] = editable_services(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReportedRowForm(forms.ModelForm):
    """A figure or cost entered in the admin, checked by the rules every import path uses."""

    rule_fields = ()

    def rule_errors(self, values, facts):
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        service = cleaned.get("service")
        if service is None or self.errors.get("provider"):
            return cleaned
        provider = cleaned.get("provider")
        values = {name: cleaned.get(name) for name in self.rule_fields}
        values["provider_id"] = provider.pk if provider else None
        for field, message in self.rule_errors(values, service_facts([service.pk])[service.pk]).items():
            if field in self.errors:
                continue
            self.add_error(field if field in self.fields else None, message)
        return cleaned


class ServiceFigureForm(ReportedRowForm):
    rule_fields = FIGURE_RULE_FIELDS

    class Meta:
        model = ServiceFigure
        fields = "__all__"

    def rule_errors(self, values, facts):
        return figure_errors(values, facts)


class ServiceCostForm(ReportedRowForm):
    rule_fields = COST_RULE_FIELDS

    class Meta:
        model = ServiceCost
        fields = "__all__"

    def rule_errors(self, values, facts):
        return cost_errors(values, facts)


@admin.register(ServiceFigure)
class ServiceFigureAdmin(ServiceScopedAdmin):
    visible = staticmethod(visible_figures)
    editable = staticmethod(editable_figures)

    form = ServiceFigureForm
    resource_classes = [ServiceFigureResource]
    list_display = (
        "service",
        "provider",
        "year",
        "period_type",
        "period_number",
        "channel",
        "started",
        "completed",
        "consultations",
        "satisfaction_mean",
        "is_demo",
    )
    list_filter = ("year", "period_type", "channel", ("provider", admin.RelatedOnlyFieldListFilter), "is_demo")
    search_fields = ("service__catalogue_id", "service__name_lv", "provider__short_name", "provider__name_lv")
    list_select_related = ("service", "provider", "channel")
    autocomplete_fields = ("service", "provider")
    readonly_fields = ("updated_at", "created_by_import")
    fieldsets = (
        (None, {"fields": ("service", "provider", "channel", ("year", "period_type", "period_number"))}),
        (_("Usage"), {"fields": ("started", "completed", "consultations", "client_minutes")}),
        (
            _("Satisfaction"),
            {"fields": ("satisfaction_responses", "satisfaction_mean", ("rating_scale_min", "rating_scale_max"))},
        ),
        (_("Provenance"), {"fields": ("is_demo", "updated_at", "created_by_import")}),
    )

    @admin.display(description=_("created by bulk import"))
    def created_by_import(self, obj):
        """A figure made by a bulk import has no history row of its own creation: the import stands for it."""
        bulk_import = creating_import(obj) if obj and obj.pk else None
        if bulk_import is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:services_bulkimport_change", args=[bulk_import.pk]), bulk_import
        )


@admin.register(ServiceCost)
class ServiceCostAdmin(ServiceScopedAdmin):
    visible = staticmethod(visible_costs)
    editable = staticmethod(editable_costs)

    form = ServiceCostForm
    resource_classes = [ServiceCostResource]
    list_display = ("service", "provider", "year", "component", "channel", "amount", "is_demo")
    list_filter = (
        "year",
        "component",
        "channel",
        ("channel", admin.EmptyFieldListFilter),
        ("provider", admin.RelatedOnlyFieldListFilter),
        "is_demo",
    )
    search_fields = ("service__catalogue_id", "service__name_lv", "provider__short_name", "provider__name_lv")
    list_select_related = ("service", "provider", "channel")
    autocomplete_fields = ("service", "provider")
    readonly_fields = ("updated_at",)


@admin.register(FigureSubmission)
class FigureSubmissionAdmin(ScopedRowsMixin, CoordinatorChangesMixin, ExportMixin, SimpleHistoryAdmin):
    """Yearly reports and their status; they move through the submission workflow, so only the coordinator
    changes them here, and they are exported, not imported."""

    resource_classes = [FigureSubmissionResource]
    formats = [SafeCSV, SafeXLSX]
    list_display = ("service", "provider", "year", "status", "submitted_by", "submitted_at")
    list_filter = ("year", "status", ("provider", admin.RelatedOnlyFieldListFilter))
    search_fields = ("service__catalogue_id", "service__name_lv", "provider__short_name", "provider__name_lv")
    list_select_related = ("service", "provider", "submitted_by")
    autocomplete_fields = ("service", "provider")
    readonly_fields = ("submitted_by", "submitted_at")

    def get_queryset(self, request):
        return visible_submissions(request.user, super().get_queryset(request))

    def get_export_queryset(self, request):
        return visible_submissions(request.user, super().get_export_queryset(request))

    def has_export_permission(self, request):
        return self.has_view_permission(request)


@admin.register(BulkImport)
class BulkImportAdmin(CoordinatorReadOnlyMixin, admin.ModelAdmin):
    """The record of large files sent through the bulk path (services/bulk.py): read-only, for the coordinator;
    editors follow their own uploads on the bulk import pages."""

    list_display = (
        "__str__",
        "original_name",
        "uploaded_by",
        "created_at",
        "status",
        "processed_rows",
        "error_count",
        "created_count",
        "updated_count",
        "first_created_id",
        "last_created_id",
    )
    list_filter = ("status", "kind")
    search_fields = ("original_name", "uploaded_by__username", "task_id")
    list_select_related = ("uploaded_by",)
    date_hierarchy = "created_at"


@admin.register(CostParameters)
class CostParametersAdmin(CoordinatorReadOnlyMixin, admin.ModelAdmin):
    """The versions of the costing parameters. A new version is saved on the parameters page (or through the
    API), which also schedules the recomputation; a saved version never changes."""

    list_display = ("version", *PARAMETER_FIELDS, "created_by", "created_at", "note")
    list_select_related = ("created_by",)


@admin.register(CostRecomputation)
class CostRecomputationAdmin(CoordinatorReadOnlyMixin, admin.ModelAdmin):
    """The runs of services/costing.py: the coordinator reads them here, nobody edits them."""

    list_display = ("__str__", "kind", "status", "percent", "reason", "created_at", "finished_at", "rows_written")
    list_filter = ("kind", "status")
    search_fields = ("reason", "error", "task_id")
    date_hierarchy = "created_at"


@admin.register(CostFigure)
class CostFigureAdmin(ScopedRowsMixin, ReadOnlyMixin, admin.ModelAdmin):
    """The stored cost figures, read-only; an institution's staff see their own institutions' rows."""

    list_display = (
        "service",
        "provider",
        "year",
        "channel",
        "transactions",
        "cost",
        "cost_per_transaction",
        "cost_per_transaction_missing",
        "peer_ratio",
        "is_outlier",
        "parameters",
    )
    list_filter = ("year", "is_outlier", "cost_known", ("channel", admin.RelatedOnlyFieldListFilter))
    search_fields = ("service__catalogue_id", "service__name_lv", "provider__short_name")
    list_select_related = ("service", "provider", "channel", "parameters")
    show_full_result_count = False

    def get_queryset(self, request):
        return visible_cost_figures(request.user, super().get_queryset(request))
