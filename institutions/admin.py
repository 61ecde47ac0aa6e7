from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from config.exports import SafeCSV, SafeXLSX
from config.uploads import CheckedImportForm

from .admin_scoping import is_coordinator, is_staff
from .models import (
    Institution,
    InstitutionGroup,
    Municipality,
    MunicipalityPopulation,
    PlanningRegion,
)
from .resources import (
    InstitutionGroupResource,
    InstitutionResource,
    MunicipalityPopulationResource,
    MunicipalityResource,
    PlanningRegionResource,
)
from .scoping import editable_institutions, visible_institutions
from .tasks import recompute_institution_flags


class RegistryAdmin(ImportExportModelAdmin):
    """Reference data: every staff user may read it, only coordinators import or change it."""

    import_form_class = CheckedImportForm
    formats = [SafeCSV, SafeXLSX]
    # A file with any invalid row is shown with its errors and cannot be confirmed.
    skip_import_confirm = False

    def has_view_permission(self, request, obj=None):
        return is_staff(request)

    def has_add_permission(self, request):
        return is_coordinator(request)

    def has_change_permission(self, request, obj=None):
        return is_coordinator(request)

    def has_delete_permission(self, request, obj=None):
        return is_coordinator(request)

    def has_import_permission(self, request):
        return is_coordinator(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


@admin.register(PlanningRegion)
class PlanningRegionAdmin(RegistryAdmin):
    resource_classes = [PlanningRegionResource]
    list_display = ("code", "name_lv", "name_en")
    search_fields = ("code", "name_lv", "name_en")


class PopulationInline(admin.TabularInline):
    model = MunicipalityPopulation
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(RegistryAdmin, SimpleHistoryAdmin):
    resource_classes = [MunicipalityResource]
    list_display = (
        "name_lv",
        "name_en",
        "code",
        "kind",
        "planning_region",
        "development_tier",
        "valid_to",
        "successor",
    )
    list_filter = ("kind", "planning_region", "development_tier", ("valid_to", admin.EmptyFieldListFilter))
    search_fields = ("code", "name_lv", "name_en")
    list_select_related = ("planning_region", "successor")
    autocomplete_fields = ("successor",)
    inlines = [PopulationInline]


@admin.register(MunicipalityPopulation)
class MunicipalityPopulationAdmin(RegistryAdmin):
    resource_classes = [MunicipalityPopulationResource]
    list_display = ("municipality", "year", "population", "is_demo", "source")
    list_filter = ("year", "is_demo", "municipality__planning_region")
    search_fields = ("municipality__name_lv", "municipality__code")
    list_select_related = ("municipality",)


@admin.register(InstitutionGroup)
class InstitutionGroupAdmin(RegistryAdmin):
    resource_classes = [InstitutionGroupResource]
    list_display = ("code", "name_lv", "policy_applies", "workplan_round1", "only_within_public_tasks")
    list_filter = ("policy_applies", "workplan_round1")
    search_fields = ("code", "name_lv", "name_en")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Column B of a group decides its institutions' 1st-round flag.
        recompute_institution_flags.delay()


@admin.register(Institution)
class InstitutionAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    """Scoped by institutions/scoping.py: a non-coordinator sees and exports only their own institutions."""

    import_form_class = CheckedImportForm
    resource_classes = [InstitutionResource]
    formats = [SafeCSV, SafeXLSX]
    list_display = (
        "name_lv",
        "short_name",
        "registration_number",
        "institution_type",
        "group",
        "parent",
        "municipality",
        "governance_policy_applies",
        "bound_by_round1",
        "is_demo",
    )
    list_filter = (
        "institution_type",
        "group",
        "governance_policy_applies",
        "bound_by_round1",
        "exclusion_category",
        "is_demo",
        "municipality__planning_region",
        ("active_to", admin.EmptyFieldListFilter),
    )
    search_fields = ("name_lv", "name_en", "short_name", "registration_number")
    list_select_related = ("group", "parent", "municipality")
    autocomplete_fields = ("parent", "municipality")
    readonly_fields = ("governance_policy_applies", "bound_by_round1")
    fieldsets = (
        (None, {"fields": ("name_lv", "name_en", "short_name", "registration_number", "institution_type")}),
        (_("Place in the state administration"), {"fields": ("group", "parent", "municipality", "website")}),
        (_("Activity"), {"fields": ("active_from", "active_to")}),
        (
            _("PVPP2027 scope"),
            {
                "fields": (
                    "exclusion_category",
                    "round1_override",
                    "round1_override_reason",
                    "governance_policy_applies",
                    "bound_by_round1",
                )
            },
        ),
        (_("Provenance"), {"fields": ("sources", "is_demo")}),
    )

    def get_queryset(self, request):
        return visible_institutions(request.user, super().get_queryset(request))

    def get_export_queryset(self, request):
        return visible_institutions(request.user, super().get_export_queryset(request))

    def has_view_permission(self, request, obj=None):
        if not is_staff(request):
            return False
        return obj is None or visible_institutions(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return editable_institutions(request.user).exists()
        return editable_institutions(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return is_coordinator(request)

    def has_delete_permission(self, request, obj=None):
        return is_coordinator(request)

    def has_import_permission(self, request):
        return is_coordinator(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_coordinator:
            # An editor may correct their institution's details, not its place in the registry.
            readonly += [
                "group",
                "parent",
                "exclusion_category",
                "round1_override",
                "round1_override_reason",
                "is_demo",
            ]
        return readonly
