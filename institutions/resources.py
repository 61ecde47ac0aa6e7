"""Import and export of the registry (django-import-export resources).

The admin's CSV/XLSX import and `load_reference_data` go through these same resources, so a
file and the shipped reference data are validated by the same rules. Rows are matched on their
natural key (short name, code), so re-importing a file updates rows and never duplicates them.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from .models import (
    ExclusionCategory,
    Institution,
    InstitutionGroup,
    InstitutionType,
    Municipality,
    MunicipalityPopulation,
    PlanningRegion,
)


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key given by a natural key; an unknown value is a row error that names the value."""

    def __init__(self, model, field, label):
        super().__init__(model, field=field)
        self.label = label

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(str(value).strip() if value is not None else value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(_("unknown %(label)s “%(value)s”") % {"label": self.label, "value": value}) from None
        except self.model.MultipleObjectsReturned:
            raise ValueError(_("ambiguous %(label)s “%(value)s”") % {"label": self.label, "value": value}) from None


class NullableCharWidget(widgets.CharWidget):
    """Blank cells become NULL, so optional unique columns (registration number) stay unique."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        if value is None:
            return None
        value = str(value).strip()
        # Spreadsheets turn 90000069281 into 90000069281.0.
        if value.endswith(".0") and value[:-2].isascii() and value[:-2].isdigit():
            value = value[:-2]
        return value or None


class ChoiceWidget(widgets.CharWidget):
    """A code-list column: accepts the code or its label in either language, exports the code."""

    def __init__(self, choices, label, required=True):
        super().__init__()
        self.choices = choices
        self.label = label
        self.required = required

    def clean(self, value, row=None, **kwargs):
        value = "" if value is None else str(value).strip()
        if not value:
            if self.required:
                raise ValueError(_("%(label)s is required") % {"label": self.label})
            return ""
        for code, label in self.choices.choices:
            if value.lower() in {code.lower(), str(label).lower()}:
                return code
        allowed = ", ".join(self.choices.values)
        raise ValueError(
            _("“%(value)s” is not a valid %(label)s (one of: %(allowed)s)")
            % {"value": value, "label": self.label, "allowed": allowed}
        )


class DuplicateKeyCheckMixin:
    """Rejects a file that names the same key twice, naming both rows, before anything is saved."""

    duplicate_checks = ()  # (column, label)

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._duplicate_rows = {}
        for column, label in self.duplicate_checks:
            if column not in (dataset.headers or []):
                continue
            first_row = {}
            for number, value in enumerate(dataset[column], start=1):
                key = str(value).strip().removesuffix(".0") if value not in (None, "") else ""
                if not key:
                    continue
                if key in first_row:
                    self._duplicate_rows.setdefault(number, []).append((column, label, key, first_row[key]))
                else:
                    first_row[key] = number

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        problems = self._duplicate_rows.get(kwargs.get("row_number"), [])
        if problems:
            raise ValidationError(
                {
                    column: _("duplicate %(label)s “%(value)s” (already in row %(row)s of this file)")
                    % {"label": label, "value": value, "row": first}
                    for column, label, value, first in problems
                }
            )


class PlanningRegionResource(resources.ModelResource):
    class Meta:
        model = PlanningRegion
        fields = ("code", "name_lv", "name_en")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader


class MunicipalityResource(DuplicateKeyCheckMixin, resources.ModelResource):
    duplicate_checks = (("code", _("code")),)

    planning_region = fields.Field(
        attribute="planning_region",
        column_name="planning_region",
        widget=CodeForeignKeyWidget(PlanningRegion, "code", _("planning region")),
    )
    successor = fields.Field(
        attribute="successor",
        column_name="successor",
        widget=CodeForeignKeyWidget(Municipality, "code", _("successor municipality")),
    )

    class Meta:
        model = Municipality
        fields = (
            "code",
            "name_lv",
            "name_en",
            "kind",
            "planning_region",
            "development_tier",
            "valid_from",
            "valid_to",
            "successor",
        )
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader


class MunicipalityPopulationResource(resources.ModelResource):
    municipality = fields.Field(
        attribute="municipality",
        column_name="municipality",
        widget=CodeForeignKeyWidget(Municipality, "code", _("municipality")),
    )

    class Meta:
        model = MunicipalityPopulation
        fields = ("municipality", "year", "population", "source", "is_demo")
        import_id_fields = ("municipality", "year")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class InstitutionGroupResource(resources.ModelResource):
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=CodeForeignKeyWidget(InstitutionGroup, "code", _("Table 1 group")),
    )

    class Meta:
        model = InstitutionGroup
        fields = (
            "code",
            "parent",
            "order",
            "name_lv",
            "name_en",
            "policy_applies",
            "workplan_round1",
            "only_within_public_tasks",
        )
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader


class InstitutionResource(DuplicateKeyCheckMixin, resources.ModelResource):
    duplicate_checks = (
        ("short_name", _("short name")),
        ("registration_number", _("registration number")),
    )

    registration_number = fields.Field(
        attribute="registration_number", column_name="registration_number", widget=NullableCharWidget()
    )
    group = fields.Field(
        attribute="group",
        column_name="group",
        widget=CodeForeignKeyWidget(InstitutionGroup, "code", _("Table 1 group")),
    )
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=CodeForeignKeyWidget(Institution, "short_name", _("parent institution")),
    )
    municipality = fields.Field(
        attribute="municipality",
        column_name="municipality",
        widget=CodeForeignKeyWidget(Municipality, "code", _("municipality")),
    )
    institution_type = fields.Field(
        attribute="institution_type",
        column_name="institution_type",
        widget=ChoiceWidget(InstitutionType, _("institution type")),
    )
    exclusion_category = fields.Field(
        attribute="exclusion_category",
        column_name="exclusion_category",
        widget=ChoiceWidget(
            ExclusionCategory, _("exclusion category"), required=False
        ),
    )
    governance_policy_applies = fields.Field(
        attribute="governance_policy_applies", column_name="governance_policy_applies", readonly=True
    )
    bound_by_round1 = fields.Field(attribute="bound_by_round1", column_name="bound_by_round1", readonly=True)

    class Meta:
        model = Institution
        fields = (
            "short_name",
            "name_lv",
            "name_en",
            "registration_number",
            "group",
            "institution_type",
            "parent",
            "municipality",
            "website",
            "active_from",
            "active_to",
            "exclusion_category",
            "round1_override",
            "round1_override_reason",
            "sources",
            "is_demo",
            "governance_policy_applies",
            "bound_by_round1",
        )
        export_order = fields
        import_id_fields = ("short_name",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader


def describe_import_errors(result, limit=50):
    """Every bad row of an import result as 'row N, field: reason' lines (row numbers count data rows from 1)."""
    lines = []
    for error in result.base_errors:
        lines.append(str(error.error))
    for row_number, errors in result.row_errors():
        for error in errors:
            lines.append(_("row %(row)s: %(reason)s") % {"row": row_number, "reason": error.error})
    for invalid in result.invalid_rows:
        for field, messages in invalid.error_dict.items():
            for message in messages:
                lines.append(
                    _("row %(row)s, %(field)s: %(reason)s") % {"row": invalid.number, "field": field, "reason": message}
                )
    if len(lines) > limit:
        lines = lines[:limit] + [_("… and %(count)s more") % {"count": len(lines) - limit}]
    return [str(line) for line in lines]


class ImportRejected(Exception):
    """A file with at least one bad row; nothing of it was saved."""

    def __init__(self, resource_name, errors):
        self.errors = errors
        super().__init__(f"{resource_name}: " + "; ".join(errors))


def import_rows(resource, rows, headers, dry_run=False):
    """Import `rows` (dicts) through `resource` atomically; raise ImportRejected naming every bad row."""
    import tablib

    dataset = tablib.Dataset(headers=list(headers))
    for row in rows:
        dataset.append([row.get(header) for header in headers])
    result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True)
    if result.has_errors() or result.has_validation_errors():
        raise ImportRejected(type(resource).__name__, describe_import_errors(result))
    return result
