"""Import and export of the service catalogue and its yearly figures (django-import-export resources).

The admin's CSV/XLSX import goes through these resources. Figures and costs are checked row by row by
services/validation.py, the same rules as the web form, the bulk loader and the API. Rows are matched
on their natural keys (catalogue identifier, codes, short names), so re-sending a file updates rows and
never duplicates them, and a file with any bad row saves nothing.

A resource built with `user=` imports on that user's behalf: an editor may only report figures and costs
for the providers they may edit and only change catalogue entries their institutions hold. Without a user
(management commands, loaders) nothing is restricted.
"""

import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import tablib
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from config.exports import save_workbook
from institutions.models import Institution
from institutions.resources import ChoiceWidget, CodeForeignKeyWidget, DuplicateKeyCheckMixin
from institutions.scoping import editable_institutions, is_coordinator

from .models import (
    Channel,
    ChannelCode,
    CostComponent,
    CostUnitClass,
    FigureSubmission,
    LifeSituation,
    PeriodType,
    Service,
    ServiceChannel,
    ServiceCost,
    ServiceFigure,
    ServiceKind,
    ServiceLevel,
    ServiceStatus,
    ServiceTemplate,
    SubmissionStatus,
)
from .models.catalogue import SERVICE_CONDITIONS
from .validation import COST_RULE_FIELDS, FIGURE_RULE_FIELDS, cost_errors, figure_errors, service_facts

LIST_SEPARATOR = ";"


def _code_text(value):
    """A code cell as text; spreadsheets turn the code 1234 into the number 1234.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value):
    """A numeric cell as a Decimal (None when blank); a decimal comma is accepted."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a number") % {"value": value})
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number") % {"value": value}) from None
    if not number.is_finite():
        raise ValueError(_("“%(value)s” is not a number") % {"value": value})
    return number


class CodeWidget(widgets.CharWidget):
    """A natural-key text column (catalogue identifier, code)."""

    def clean(self, value, row=None, **kwargs):
        return _code_text(value)


class CachedCodeForeignKeyWidget(CodeForeignKeyWidget):
    """CodeForeignKeyWidget that looks each value up once per import (the cache is cleared in before_import)."""

    def __init__(self, model, field, label, required=False):
        super().__init__(model, field, label)
        self.required = required
        self.cache = {}

    def clean(self, value, row=None, **kwargs):
        key = _code_text(value)
        if not key:
            if self.required:
                raise ValueError(_("%(label)s is required") % {"label": self.label})
            return None
        if key not in self.cache:
            self.cache[key] = super().clean(key, row, **kwargs)
        return self.cache[key]


class CodeListWidget(widgets.ManyToManyWidget):
    """A many-to-many column of codes separated by “;”; every unknown code is named."""

    def __init__(self, model, field, label):
        super().__init__(model, separator=LIST_SEPARATOR, field=field)
        self.label = label

    def clean(self, value, row=None, **kwargs):
        codes = list(dict.fromkeys(code.strip() for code in _code_text(value).split(self.separator) if code.strip()))
        if not codes:
            return self.model.objects.none()
        found = self.model.objects.filter(**{f"{self.field}__in": codes})
        known = set(found.values_list(self.field, flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValueError(
                _("unknown %(label)s %(values)s")
                % {"label": self.label, "values": ", ".join(f"“{code}”" for code in unknown)}
            )
        return found


class FlagWidget(widgets.BooleanWidget):
    """A yes/no column: 1/0, true/false, yes/no, jā/nē; blank takes the field's default; anything else is an error."""

    TRUE_WORDS = {"1", "true", "yes", "y", "jā", "ja", "x"}
    FALSE_WORDS = {"0", "false", "no", "n", "nē", "ne"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _code_text(value).lower()
        if not text:
            return None
        if text in self.TRUE_WORDS:
            return True
        if text in self.FALSE_WORDS:
            return False
        raise ValueError(_("“%(value)s” is not yes or no (1 or 0)") % {"value": value})


class WholeNumberWidget(widgets.IntegerWidget):
    """A count column; negative numbers pass here so that the validation rules can name them."""

    def clean(self, value, row=None, **kwargs):
        number = _number(value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number") % {"value": value})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else str(value)


class NumberWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        return _number(value)

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else str(value)


class DayWidget(widgets.DateWidget):
    """A date column: YYYY-MM-DD or DD.MM.YYYY, or a spreadsheet date cell."""

    INPUT_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _code_text(value)
        if not text:
            return None
        for input_format in self.INPUT_FORMATS:
            try:
                return datetime.strptime(text, input_format).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": value})


def _choice(attribute, choices, label, required=True, default=None):
    field_kwargs = {} if default is None else {"default": default}
    return fields.Field(
        attribute=attribute,
        column_name=attribute,
        widget=ChoiceWidget(choices, label, required=required),
        **field_kwargs,
    )


def _code_key(attribute, model, lookup, label, required=True):
    return fields.Field(
        attribute=attribute,
        column_name=attribute,
        widget=CachedCodeForeignKeyWidget(model, lookup, label, required=required),
    )


def _service_key():
    return _code_key("service", Service, "catalogue_id", _("service"))


def _provider_key():
    return _code_key("provider", Institution, "short_name", _("provider"))


def _channel_key(required=True):
    return _code_key("channel", Channel, "code", _("channel"), required=required)


class CatalogueResource(resources.ModelResource):
    """What every resource of the catalogue shares: strict cell parsing, the importing user, every bad cell
    named with its column, and all or nothing."""

    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        "BooleanField": FlagWidget,
        "DateField": DayWidget,
        "DecimalField": NumberWidget,
        "IntegerField": WholeNumberWidget,
        "PositiveIntegerField": WholeNumberWidget,
        "PositiveSmallIntegerField": WholeNumberWidget,
        "SmallIntegerField": WholeNumberWidget,
    }

    # The import template: columns that must be filled, an example value per column, notes on a column.
    template_required = ()
    template_examples = {}
    template_notes = {}

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        # One bad row rolls the whole file back, on the admin's confirm step as much as in its preview.
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if self.user is None:
            # The admin also hands the user to import_data; honour it even if the constructor was not told.
            self.user = kwargs.get("user")
        if self.user is None or is_coordinator(self.user):
            self.editable_ids = None
        else:
            self.editable_ids = set(editable_institutions(self.user).values_list("pk", flat=True))
        for field in self.fields.values():
            if isinstance(field.widget, CachedCodeForeignKeyWidget):
                field.widget.cache.clear()

    def may_edit(self, institution_id):
        return self.editable_ids is None or institution_id in self.editable_ids

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors.update(error.message_dict)
        # Many-to-many columns are only written after the save; check them now so they are named with the rest.
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.column_name] = [str(error)]
        self.check_row(instance, errors)
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, errors):
        """Add {column: [messages]} to `errors` for what the cells alone cannot tell."""


class CoordinatorOnlyMixin:
    """Code lists that only the coordinator changes."""

    def check_row(self, instance, errors):
        super().check_row(instance, errors)
        if self.editable_ids is not None:
            errors["code"] = [_("only the coordinator may change this list")]


class NaturalKeyMixin:
    """Rows matched on a composite natural key; naming the same key twice in one file is an error that names
    the first row (otherwise the second row would silently overwrite the first)."""

    key_label = ""

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.seen_keys = {}
        self.row_number = None

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        self.row_number = kwargs.get("row_number")

    def get_instance(self, instance_loader, row):
        key = {}
        for name in self.get_import_id_fields():
            field = self.fields[name]
            try:
                key[field.attribute] = field.clean(row)
            except (KeyError, ValueError):
                return None  # import_instance names the bad cell
        first_row = self.seen_keys.setdefault(tuple(key.values()), self.row_number)
        if first_row != self.row_number:
            raise ValidationError(
                {
                    self.get_import_id_fields()[0]: _("the same %(key)s as row %(row)s of this file")
                    % {"key": self.key_label, "row": first_row}
                }
            )
        try:
            # A blank channel looks up channel IS NULL: the shared cost.
            instance = self.get_queryset().get(**key)
        except self._meta.model.DoesNotExist:
            return None
        # The key's related rows are already at hand; attaching them spares a query each when the row is compared.
        for attribute, value in key.items():
            if isinstance(value, models.Model) or value is None:
                setattr(instance, attribute, value)
        return instance


class ReportedFiguresMixin(NaturalKeyMixin):
    """Yearly figures and costs: every row through services/validation.py and reported only for providers
    the importing user may edit."""

    # Key columns that may be left out of a file, with the value a blank cell means.
    optional_key_columns = {}
    # The model fields the rules read (besides the provider).
    rule_fields = ()

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        headers = dataset.headers or []
        missing = [column for column in self.template_required if column not in headers]
        if missing:
            # Rows would otherwise be created with a model default (0 completed) in place of a missing figure.
            raise ValueError(
                _("the file has no column %(columns)s") % {"columns": ", ".join(f"“{column}”" for column in missing)}
            )
        for column in self.optional_key_columns:
            if headers and column not in headers and len(dataset):
                dataset.append_col([""] * len(dataset), header=column)
        catalogue_ids = {_code_text(value) for value in dataset["service"]} if "service" in headers else set()
        service_ids = Service.objects.filter(catalogue_id__in=catalogue_ids).values_list("pk", flat=True)
        # Loaded once per file: the rules need each service's lifetime and providers.
        self.facts = service_facts(list(service_ids))

    def rule_errors(self, values, facts):
        raise NotImplementedError

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The key lookup and the in-file duplicate check stand for the unique constraints, and
        # services/validation.py for the check constraints (each of which would cost a query per row);
        # the related rows came from the database through the key columns, so need no second look-up.
        # The field checks (digits, ranges, blanks) still run.
        errors = dict(import_validation_errors or {})
        exclude = set(errors) | {name for name in ("service", "provider", "channel") if getattr(instance, f"{name}_id")}
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def rule_values(self, instance, errors):
        """The row's typed values for the rules; a cell that could not be read counts as blank."""
        values = {name: None if name in errors else getattr(instance, name) for name in self.rule_fields}
        values["provider_id"] = None if "provider" in errors else instance.provider_id
        return values

    def check_row(self, instance, errors):
        super().check_row(instance, errors)
        if "provider" not in errors and instance.provider_id and not self.may_edit(instance.provider_id):
            errors["provider"] = [_("you may not report for this provider")]
        if "service" in errors or not instance.service_id:
            return
        facts = self.facts.get(instance.service_id)
        if facts is None:
            facts = self.facts[instance.service_id] = service_facts([instance.service_id])[instance.service_id]
        for column, message in self.rule_errors(self.rule_values(instance, errors), facts).items():
            errors.setdefault(column, [message])


class LifeSituationResource(CoordinatorOnlyMixin, DuplicateKeyCheckMixin, CatalogueResource):
    duplicate_checks = (("code", _("code")),)
    code = fields.Field(attribute="code", column_name="code", widget=CodeWidget())

    template_required = ("code", "name_lv")
    template_examples = {
        "code": "birth-of-a-child",
        "name_lv": "Bērna piedzimšana",
        "name_en": "Birth of a child",
        "description_lv": "",
        "description_en": "",
        "is_demo": 0,
    }

    class Meta:
        model = LifeSituation
        fields = ("code", "name_lv", "name_en", "description_lv", "description_en", "is_demo")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader


class ServiceTemplateResource(CoordinatorOnlyMixin, DuplicateKeyCheckMixin, CatalogueResource):
    duplicate_checks = (("code", _("code")),)
    code = fields.Field(attribute="code", column_name="code", widget=CodeWidget())

    template_required = ("code", "name_lv")
    template_examples = {
        "code": "social-assistance-benefit",
        "name_lv": "Sociālās palīdzības pabalsts",
        "name_en": "Social assistance benefit",
        "description_lv": "",
        "description_en": "",
        "is_demo": 0,
    }

    class Meta:
        model = ServiceTemplate
        fields = ("code", "name_lv", "name_en", "description_lv", "description_en", "is_demo")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader


class ChannelResource(CatalogueResource):
    """The fixed channel code list; exported for reference, imported by a superuser only."""

    code = _choice("code", ChannelCode, _("channel"))
    cost_unit_class = _choice("cost_unit_class", CostUnitClass, _("relative cost unit class"))

    template_required = ("code", "name_lv", "is_digital", "is_remote", "cost_unit_class")
    template_examples = {
        "code": "portal",
        "name_lv": "E-pakalpojums valsts portālā (Latvija.gov.lv)",
        "name_en": "E-service on the state portal (Latvija.gov.lv)",
        "is_digital": 1,
        "is_remote": 1,
        "cost_unit_class": "digital",
        "order": 1,
    }

    class Meta:
        model = Channel
        fields = ("code", "name_lv", "name_en", "is_digital", "is_remote", "cost_unit_class", "order")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader

    def check_row(self, instance, errors):
        super().check_row(instance, errors)
        if self.user is not None and not self.user.is_superuser:
            errors["code"] = [_("the channel code list is changed by a superuser only")]


CONDITION_FIELDS = tuple(name for name, _label in SERVICE_CONDITIONS)


class ServiceResource(DuplicateKeyCheckMixin, CatalogueResource):
    duplicate_checks = (("catalogue_id", _("catalogue identifier")),)

    catalogue_id = fields.Field(attribute="catalogue_id", column_name="catalogue_id", widget=CodeWidget())
    kind = _choice("kind", ServiceKind, _("kind"))
    level = _choice("level", ServiceLevel, _("level"))
    status = _choice("status", ServiceStatus, _("status"), required=False, default=ServiceStatus.ACTIVE)
    holder = _code_key("holder", Institution, "short_name", _("holder institution"))
    providers = fields.Field(
        attribute="providers", column_name="providers", widget=CodeListWidget(Institution, "short_name", _("provider"))
    )
    template = _code_key("template", ServiceTemplate, "code", _("unified service template"), required=False)
    life_situations = fields.Field(
        attribute="life_situations",
        column_name="life_situations",
        widget=CodeListWidget(LifeSituation, "code", _("life situation")),
    )

    template_required = ("catalogue_id", "name_lv", "kind", "level", "holder")
    template_examples = {
        "catalogue_id": "S-1001",
        "name_lv": "Deklarētās dzīvesvietas reģistrācija",
        "name_en": "Registration of the declared place of residence",
        "description_lv": "",
        "description_en": "",
        "kind": "for_person",
        "level": "state",
        "holder": "PMLP",
        "providers": "PMLP;VSAA",
        "template": "",
        "for_natural_persons": 1,
        "for_legal_persons": 0,
        "status": "active",
        "valid_from": "2020-01-01",
        "valid_to": "",
        "life_situations": "change-of-residence",
        "minimum_basket": 1,
        "physical_presence_reason": "",
        "digital_only": 0,
        "legal_basis": "Dzīvesvietas deklarēšanas likums",
        "url": "https://www.latvija.gov.lv/",
        **{name: 1 for name in CONDITION_FIELDS},
        "is_demo": 0,
    }
    template_notes = {
        "providers": _("short names separated by “;”"),
        "life_situations": _("codes separated by “;”"),
        "status": _("blank means active"),
    }

    class Meta:
        model = Service
        fields = (
            "catalogue_id",
            "name_lv",
            "name_en",
            "description_lv",
            "description_en",
            "kind",
            "level",
            "holder",
            "providers",
            "template",
            "for_natural_persons",
            "for_legal_persons",
            "status",
            "valid_from",
            "valid_to",
            "life_situations",
            "minimum_basket",
            "physical_presence_reason",
            "digital_only",
            "legal_basis",
            "url",
            *CONDITION_FIELDS,
            "is_demo",
        )
        export_order = fields
        import_id_fields = ("catalogue_id",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        self.stored_holder_id = None if new else instance.holder_id

    def check_row(self, instance, errors):
        super().check_row(instance, errors)
        # The model's check constraints, named by column rather than by constraint.
        if instance.valid_from and instance.valid_to and instance.valid_to < instance.valid_from:
            errors.setdefault("valid_to", [_("the service cannot end before it starts")])
        if instance.kind == ServiceKind.FOR_PERSON and not (instance.for_natural_persons or instance.for_legal_persons):
            errors.setdefault(
                "for_natural_persons", [_("a service for a person needs natural or legal persons as recipients")]
            )
        if self.stored_holder_id is not None and not self.may_edit(self.stored_holder_id):
            errors["catalogue_id"] = [_("you may not change this service: its holder is not your institution")]
        elif "holder" not in errors and instance.holder_id and not self.may_edit(instance.holder_id):
            errors["holder"] = [_("you may not enter services held by this institution")]


class ServiceChannelResource(NaturalKeyMixin, CatalogueResource):
    key_label = _("service and channel")

    service = _service_key()
    channel = _channel_key()

    template_required = ("service", "channel")
    template_examples = {
        "service": "S-1001",
        "channel": "portal",
        "address": "https://www.latvija.gov.lv/",
        "fee_amount": "0.00",
        "fee_currency": "EUR",
        "fee_conditions": "",
        "processing_days": 1,
    }

    class Meta:
        model = ServiceChannel
        fields = ("service", "channel", "address", "fee_amount", "fee_currency", "fee_conditions", "processing_days")
        import_id_fields = ("service", "channel")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def check_row(self, instance, errors):
        super().check_row(instance, errors)
        if "service" not in errors and instance.service_id and not self.may_edit(instance.service.holder_id):
            errors["service"] = [
                _("you may not change the channels of this service: its holder is not your institution")
            ]


class ServiceFigureResource(ReportedFiguresMixin, CatalogueResource):
    """Usage and satisfaction figures, one row per service, provider, period and channel."""

    key_label = _("service, provider, year, period and channel")
    optional_key_columns = {"period_type": PeriodType.YEAR, "period_number": 0}
    rule_fields = FIGURE_RULE_FIELDS

    service = _service_key()
    provider = _provider_key()
    period_type = _choice("period_type", PeriodType, _("period"), required=False, default=PeriodType.YEAR)
    period_number = fields.Field(
        attribute="period_number", column_name="period_number", widget=WholeNumberWidget(), default=0
    )
    channel = _channel_key()
    # No default: a blank "completed" is a missing figure, not zero.
    completed = fields.Field(attribute="completed", column_name="completed", widget=WholeNumberWidget())

    template_required = ("service", "provider", "year", "channel", "completed")
    template_examples = {
        "service": "S-1001",
        "provider": "PMLP",
        "year": 2024,
        "period_type": "year",
        "period_number": 0,
        "channel": "portal",
        "started": 1200,
        "completed": 1150,
        "consultations": 300,
        "client_minutes": "15.0",
        "satisfaction_responses": 210,
        "satisfaction_mean": "4.3",
        "rating_scale_min": 1,
        "rating_scale_max": 5,
        "is_demo": 0,
    }
    template_notes = {
        "period_type": _("blank means year"),
        "period_number": _("0 for a year, 1–4 for a quarter, 1–12 for a month; blank means 0"),
        "started": _("blank when not counted; completed may not exceed it"),
        "satisfaction_mean": _("inside the rating scale; needs the number of responses"),
    }

    class Meta:
        model = ServiceFigure
        fields = (
            "service",
            "provider",
            "year",
            "period_type",
            "period_number",
            "channel",
            "started",
            "completed",
            "consultations",
            "client_minutes",
            "satisfaction_responses",
            "satisfaction_mean",
            "rating_scale_min",
            "rating_scale_max",
            "is_demo",
        )
        export_order = fields
        import_id_fields = ("service", "provider", "year", "period_type", "period_number", "channel")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def rule_errors(self, values, facts):
        return figure_errors(values, facts)


class ServiceCostResource(ReportedFiguresMixin, CatalogueResource):
    """Cost components, one row per service, provider, year, component and channel (blank channel: shared)."""

    key_label = _("service, provider, year, component and channel")
    optional_key_columns = {"channel": None}
    rule_fields = COST_RULE_FIELDS

    service = _service_key()
    provider = _provider_key()
    component = _choice("component", CostComponent, _("cost component"))
    channel = _channel_key(required=False)

    template_required = ("service", "provider", "year", "component", "amount")
    template_examples = {
        "service": "S-1001",
        "provider": "PMLP",
        "year": 2024,
        "component": "staff",
        "channel": "institution_in_person",
        "amount": "12500.00",
        "is_demo": 0,
    }
    template_notes = {
        "channel": _("blank for a shared cost, not attributed to a channel"),
        "amount": _("euro, not negative"),
    }

    class Meta:
        model = ServiceCost
        fields = ("service", "provider", "year", "component", "channel", "amount", "is_demo")
        export_order = fields
        import_id_fields = ("service", "provider", "year", "component", "channel")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def rule_errors(self, values, facts):
        return cost_errors(values, facts)


class FigureSubmissionResource(CatalogueResource):
    """Export of the yearly reports' status; submissions change through their workflow, not by import."""

    service = _service_key()
    provider = _provider_key()
    status = _choice("status", SubmissionStatus, _("status"))
    submitted_by = fields.Field(attribute="submitted_by__username", column_name="submitted_by", readonly=True)

    class Meta:
        model = FigureSubmission
        fields = ("service", "provider", "year", "status", "submitted_by", "submitted_at", "note")
        export_order = fields
        import_id_fields = ("service", "provider", "year")


# --- Import templates --------------------------------------------------------------------------------------

TEMPLATE_FORMATS = ("csv", "xlsx")
INSTRUCTIONS_SHEET = "Instructions"


def template_columns(resource):
    """The columns a file for `resource` may hold, in import order."""
    return [field.column_name for field in resource.get_import_fields() if not field.readonly]


def _allowed_values(field, note):
    widget = field.widget
    if isinstance(widget, ChoiceWidget):
        allowed = "; ".join(f"{code} ({label})" for code, label in widget.choices.choices)
    elif isinstance(widget, CodeForeignKeyWidget) and widget.model is Channel:
        allowed = "; ".join(f"{code} ({label})" for code, label in ChannelCode.choices)
    elif isinstance(widget, CodeForeignKeyWidget) and widget.model is Institution:
        allowed = _("short name of an institution in the registry")
    elif isinstance(widget, CodeForeignKeyWidget) and widget.model is Service:
        allowed = _("catalogue identifier of a service in the catalogue")
    elif isinstance(widget, CodeForeignKeyWidget):
        allowed = _("code of a %(label)s") % {"label": widget.label}
    elif isinstance(widget, CodeListWidget):
        allowed = _("%(label)s codes separated by “;”") % {"label": widget.label}
    elif isinstance(widget, FlagWidget):
        allowed = _("1 or 0 (also yes/no, jā/nē); blank takes the default")
    elif isinstance(widget, DayWidget):
        allowed = _("date YYYY-MM-DD or DD.MM.YYYY")
    elif isinstance(widget, WholeNumberWidget):
        allowed = _("whole number")
    elif isinstance(widget, NumberWidget):
        allowed = _("number with a decimal point or comma")
    else:
        allowed = _("text")
    return f"{allowed}. {note}" if note else str(allowed)


def column_guide(resource):
    """One row per column of the import template: column, required, allowed values, example, meaning."""
    model_meta = resource._meta.model._meta
    rows = []
    for field in resource.get_import_fields():
        if field.readonly:
            continue
        try:
            model_field = model_meta.get_field(field.attribute.split("__")[0])
            meaning = str(model_field.verbose_name)
            if model_field.help_text:
                meaning = f"{meaning}. {model_field.help_text}"
        except FieldDoesNotExist:
            meaning = ""
        rows.append(
            [
                field.column_name,
                str(_("yes") if field.column_name in resource.template_required else _("no")),
                _allowed_values(field, resource.template_notes.get(field.column_name)),
                str(resource.template_examples.get(field.column_name, "")),
                meaning,
            ]
        )
    return rows


def template_file(resource_class, file_format):
    """An empty import file for `resource_class`: the header row only (CSV), or the header row and an
    Instructions sheet describing every column (XLSX)."""
    resource = resource_class()
    columns = template_columns(resource)
    if file_format == "csv":
        return tablib.Dataset(headers=columns).export("csv").encode("utf-8-sig")
    if file_format != "xlsx":
        raise ValueError(f"unknown template format {file_format!r}")

    import openpyxl
    from openpyxl.styles import Alignment, Font

    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = resource._meta.model._meta.model_name[:31]
    data.append(columns)
    for cell in data[1]:
        cell.font = Font(bold=True)
    data.freeze_panes = "A2"

    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    headings = (_("Column"), _("Required"), _("Allowed values"), _("Example"), _("Meaning"))
    instructions.append([str(heading) for heading in headings])
    for cell in instructions[1]:
        cell.font = Font(bold=True)
    for row in column_guide(resource):
        instructions.append(row)
    instructions.append([])
    instructions.append(
        [
            str(
                _(
                    "Fill the first sheet from its second row. Rows are matched on their key columns, so sending "
                    "a file again updates rows instead of duplicating them. A file with any bad row saves nothing."
                )
            )
        ]
    )
    for letter, width in zip("ABCDE", (24, 10, 60, 30, 50)):
        instructions.column_dimensions[letter].width = width
    for row in instructions.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    save_workbook(workbook, buffer)
    return buffer.getvalue()
