"""REST representations of the catalogue and of the yearly figures and costs.

Figures and costs are written with natural keys — the service's catalogue identifier, the provider's id or
short name, the channel code — and every write is checked by services/validation.py, the rules the web form and
the imports use too; each rejection is keyed by the field it concerns. Whether the user may write for a provider
is asked of services/scoping.py and answered with 403 naming the `provider` field.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.settings import api_settings

from institutions.api.serializers import NAME_HELP, ChoiceLabelField
from institutions.models import Institution

from ..models import (
    Channel,
    CostComponent,
    CostUnitClass,
    LifeSituation,
    PeriodType,
    Service,
    ServiceChannel,
    ServiceCost,
    ServiceFigure,
    ServiceKind,
    ServiceLevel,
    ServiceStatus,
)
from ..models.catalogue import SERVICE_CONDITIONS
from ..edit_conflicts import stale_row
from ..scoping import can_report_for
from ..validation import cost_errors, figure_errors, service_facts

# The largest value a PositiveIntegerField holds on every supported database.
MAX_COUNT = 2_147_483_647


# Natural keys


def provider_key(value):
    """("pk", id) for a number or a string of digits, ("short_name", name) for any other string; None otherwise."""
    # isascii: "²" is a digit to str.isdigit() but no number to int().
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Beyond a 64-bit key no institution can match, and SQLite would refuse the number outright.
        return ("pk", value) if 0 < value < 2**63 else None
    if isinstance(value, str) and value.strip():
        return ("short_name", value.strip())
    return None


def unknown_service_message(catalogue_id):
    return _("no service with catalogue identifier “%(value)s”") % {"value": catalogue_id}


def unknown_provider_message(value):
    return _("no institution with id or short name “%(value)s”") % {"value": value}


def unknown_channel_message(code):
    return _("no channel with code “%(value)s”") % {"value": code}


def not_allowed_message(value):
    return _(
        "you may not report figures or costs for provider “%(value)s”: none of your memberships allows editing it"
    ) % {"value": value}


PROVIDER_HELP = gettext_lazy("The provider institution: its id, or its short name. Answered as the id.")


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class ProviderKeyField(serializers.Field):
    """The provider as sent (an id or a short name), not yet looked up: the bulk path resolves all rows at once."""

    default_error_messages = {"invalid": gettext_lazy("give the provider's id (a number) or its short name")}

    def to_internal_value(self, data):
        key = provider_key(data)
        if key is None:
            self.fail("invalid")
        return key

    def to_representation(self, value):
        return value


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class ProviderField(serializers.RelatedField):
    """The provider institution by id or short name; represented by its id."""

    default_error_messages = {"invalid": gettext_lazy("give the provider's id (a number) or its short name")}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Institution.objects.all())
        kwargs.setdefault("help_text", PROVIDER_HELP)
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return True

    def to_internal_value(self, data):
        key = provider_key(data)
        if key is None:
            self.fail("invalid")
        institution = self.get_queryset().filter(**{key[0]: key[1]}).first()
        if institution is None:
            raise serializers.ValidationError(unknown_provider_message(data))
        return institution

    def to_representation(self, value):
        return value.pk


class NaturalKeyField(serializers.SlugRelatedField):
    """A related row by its code, with a rejection that names the missing value."""

    def __init__(self, message, **kwargs):
        self.unknown_message = message
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        row = self.get_queryset().filter(**{self.slug_field: data}).first()
        if row is None:
            raise serializers.ValidationError(self.unknown_message(data))
        return row


# Catalogue


def named_choices(choices, component_name):
    """A ChoiceField class whose choices are the schema component `component_name`, so that a choice set of the
    same field name elsewhere in the project (a municipality's `kind`, ...) never collides with it."""
    field_class = type(component_name.removesuffix("Enum") + "Field", (serializers.ChoiceField,), {})
    field_class.__doc__ = f"A choice among {choices.__name__}."
    return extend_schema_field(serializers.ChoiceField(choices=choices.choices), component_name=component_name)(
        field_class
    )


ServiceKindField = named_choices(ServiceKind, "ServiceKindEnum")
ServiceLevelField = named_choices(ServiceLevel, "ServiceLevelEnum")
ServiceStatusField = named_choices(ServiceStatus, "ServiceStatusEnum")


class InstitutionLightSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)

    class Meta:
        model = Institution
        fields = ["id", "short_name", "name"]
        read_only_fields = fields


class ChannelSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-channel-detail", lookup_field="code")
    # A plain string here: every other channel field of the schema shares one enum of the codes.
    code = serializers.CharField(read_only=True, help_text="The channel's code.")
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    cost_unit_class = serializers.ChoiceField(
        choices=CostUnitClass.choices,
        read_only=True,
        help_text="The class of the relative cost units (digital, phone, post, face to face).",
    )

    class Meta:
        model = Channel
        fields = ["code", "url", "name", "name_lv", "name_en", "is_digital", "is_remote", "cost_unit_class", "order"]
        read_only_fields = fields


class FeeSerializer(serializers.Serializer):
    """The fee of a channel (CPSV-AP Cost)."""

    amount = serializers.DecimalField(
        source="fee_amount", max_digits=12, decimal_places=2, read_only=True, allow_null=True, help_text="Null: no fee."
    )
    currency = serializers.CharField(source="fee_currency", read_only=True)
    conditions = serializers.CharField(source="fee_conditions", read_only=True)


class ServiceChannelSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="Code of the channel.")
    name = serializers.CharField(source="channel.name", read_only=True, help_text=NAME_HELP)
    is_digital = serializers.BooleanField(source="channel.is_digital", read_only=True)
    is_remote = serializers.BooleanField(source="channel.is_remote", read_only=True)
    fee = FeeSerializer(source="*", read_only=True)

    class Meta:
        model = ServiceChannel
        fields = ["channel", "name", "is_digital", "is_remote", "address", "fee", "processing_days"]
        read_only_fields = fields


class ServiceConditionsSerializer(serializers.Serializer):
    """The 10 PVPP2027 service conditions, each applicable (true) or not."""

    def get_fields(self):
        return {
            field.removeprefix("condition_"): serializers.BooleanField(source=field, read_only=True, help_text=label)
            for field, label in SERVICE_CONDITIONS
        }


class ServiceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-service-detail", lookup_field="catalogue_id")
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    kind = ServiceKindField(choices=ServiceKind.choices, read_only=True)
    level = ServiceLevelField(choices=ServiceLevel.choices, read_only=True)
    status = ServiceStatusField(choices=ServiceStatus.choices, read_only=True)
    kind_display = ChoiceLabelField(ServiceKind, source="kind")
    level_display = ChoiceLabelField(ServiceLevel, source="level")
    status_display = ChoiceLabelField(ServiceStatus, source="status")
    holder = InstitutionLightSerializer(read_only=True)
    providers = InstitutionLightSerializer(many=True, read_only=True)
    template = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Code of the unified municipal service template."
    )
    life_situations = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Codes of the life situations the service belongs to."
    )
    link = serializers.URLField(source="url", read_only=True, help_text="The service's page outside this system.")
    conditions = ServiceConditionsSerializer(source="*", read_only=True)
    channels = ServiceChannelSerializer(many=True, read_only=True, help_text="The channels the service is offered in.")

    class Meta:
        model = Service
        fields = [
            "catalogue_id",
            "url",
            "name",
            "name_lv",
            "name_en",
            "description_lv",
            "description_en",
            "kind",
            "kind_display",
            "level",
            "level_display",
            "status",
            "status_display",
            "valid_from",
            "valid_to",
            "holder",
            "providers",
            "template",
            "for_natural_persons",
            "for_legal_persons",
            "life_situations",
            "minimum_basket",
            "physical_presence_reason",
            "digital_only",
            "legal_basis",
            "link",
            "conditions",
            "channels",
            "is_demo",
            "updated_at",
        ]
        read_only_fields = fields


class ServiceLightSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-service-detail", lookup_field="catalogue_id")
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    status = ServiceStatusField(choices=ServiceStatus.choices, read_only=True)

    class Meta:
        model = Service
        fields = ["catalogue_id", "url", "name", "status"]
        read_only_fields = fields


class LifeSituationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-life-situation-detail", lookup_field="code")
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    # Both annotated by the view's queryset (`LifeSituation.objects.with_fully_online()`), so a list costs the same
    # number of queries whatever its length.
    fully_online = serializers.BooleanField(
        read_only=True,
        help_text="True when the life situation has active services and every one of them offers at least one "
        "digital remote channel.",
    )
    active_service_count = serializers.IntegerField(read_only=True, help_text="Number of its active services.")

    class Meta:
        model = LifeSituation
        fields = [
            "code",
            "url",
            "name",
            "name_lv",
            "name_en",
            "description_lv",
            "description_en",
            "fully_online",
            "active_service_count",
            "is_demo",
        ]
        read_only_fields = fields


class LifeSituationDetailSerializer(LifeSituationSerializer):
    services = ServiceLightSerializer(
        source="visible_services", many=True, read_only=True, help_text="Its services that the user may read."
    )

    class Meta(LifeSituationSerializer.Meta):
        fields = [*LifeSituationSerializer.Meta.fields, "services"]
        read_only_fields = fields


# Yearly figures and costs


class ReportedValuesSerializer(serializers.ModelSerializer):
    """What a figure or cost row says, apart from its natural key fields; shared by single writes and bulk rows.

    Counts and amounts carry no minimum here: services/validation.py rejects negatives, so every path gives the
    same message.
    """

    year = serializers.IntegerField(min_value=0, max_value=32767)


FIGURE_VALUE_FIELDS = [
    "started",
    "completed",
    "consultations",
    "client_minutes",
    "satisfaction_responses",
    "satisfaction_mean",
    "rating_scale_min",
    "rating_scale_max",
]


class FigureValuesSerializer(ReportedValuesSerializer):
    period_type = serializers.ChoiceField(choices=PeriodType.choices, default=PeriodType.YEAR)
    period_number = serializers.IntegerField(
        default=0, min_value=0, max_value=32767, help_text="0 for a year, 1–4 for a quarter, 1–12 for a month."
    )
    started = serializers.IntegerField(
        allow_null=True, required=False, max_value=MAX_COUNT, help_text="Applications started; null if not reported."
    )
    completed = serializers.IntegerField(max_value=MAX_COUNT, help_text="Applications completed.")
    consultations = serializers.IntegerField(allow_null=True, required=False, max_value=MAX_COUNT)
    satisfaction_responses = serializers.IntegerField(allow_null=True, required=False, max_value=MAX_COUNT)

    class Meta:
        model = ServiceFigure
        fields = ["year", "period_type", "period_number", *FIGURE_VALUE_FIELDS]
        # The natural key is checked by `validate`, with a message that names it.
        validators = []


class CostValuesSerializer(ReportedValuesSerializer):
    component = serializers.ChoiceField(choices=CostComponent.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="EUR.")

    class Meta:
        model = ServiceCost
        fields = ["year", "component", "amount"]
        validators = []


class ReportedRowSerializer(serializers.ModelSerializer):
    """Natural keys, resolved, checked for the right to write, and the row validated by services/validation.py."""

    service = NaturalKeyField(
        unknown_service_message,
        slug_field="catalogue_id",
        queryset=Service.objects.all(),
        help_text="Catalogue identifier of the service.",
    )
    service_name = serializers.CharField(source="service.name", read_only=True, help_text=NAME_HELP)
    provider = ProviderField()
    provider_short_name = serializers.CharField(source="provider.short_name", read_only=True)
    is_demo = serializers.BooleanField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=(
            "Raised by every change of the row. On PUT or PATCH send the version the change is based on: when "
            "someone changed the row since, nothing is saved and the answer is 409 with the row as it is now. "
            "Ignored on create."
        ),
    )

    rules = None  # services.validation.figure_errors or cost_errors
    natural_key = ()

    def validate_provider(self, provider):
        # 403, not 400: the row may be perfectly sound, the user just may not write it.
        if not can_report_for(self.context["request"].user, provider):
            raise PermissionDenied({"provider": [not_allowed_message(self.initial_data.get("provider"))]})
        return provider

    def validate(self, attrs):
        # The view read the instance under a row lock, so its version is the stored one until the save commits.
        sent_version = attrs.pop("version", None)
        if self.instance is not None and stale_row("version", self.instance, sent_version) is not None:
            raise VersionConflict(self, sent_version)
        values = self.current_values(attrs)
        service = values["service"]
        facts = service_facts([service.pk])[service.pk]
        errors = self.rules({**values, "provider_id": values["provider"].pk}, facts)
        if errors:
            raise serializers.ValidationError(errors)
        existing = self.Meta.model.objects.filter(**{field: values[field] for field in self.natural_key})
        if self.instance is not None:
            existing = existing.exclude(pk=self.instance.pk)
        if existing.exists():
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [self.taken_message()]})
        return attrs

    def current_values(self, attrs):
        """The row as it will be: the stored values (on update) overlaid with the ones sent."""
        writable = [name for name, field in self.fields.items() if not field.read_only and name != "version"]
        values = {name: None for name in writable}
        if self.instance is not None:
            values.update({name: getattr(self.instance, name) for name in writable})
        values.update(attrs)
        return values

    def taken_message(self):
        return _(
            "a row with this natural key (%(fields)s) already exists; change it with PUT or PATCH on its URL, "
            "or send it to the bulk endpoint"
        ) % {"fields": ", ".join(self.natural_key)}


class VersionConflict(Exception):
    """The row changed since the version the request was based on; the view answers 409 with `body`, which
    carries the row as it is now."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, serializer, sent_version):
        detail = _(
            "changed by someone else since you read it (version {sent}, now {stored}): nothing was saved; read the "
            "row again and send your change based on its version"
        ).format(sent=sent_version, stored=serializer.instance.version)
        super().__init__(detail)
        self.body = {
            "detail": detail,
            "version": serializer.instance.version,
            "current": type(serializer)(serializer.instance, context=serializer.context).data,
        }


class ServiceFigureSerializer(ReportedRowSerializer, FigureValuesSerializer):
    """Usage and satisfaction of one service at one provider in one period through one channel."""

    url = serializers.HyperlinkedIdentityField(view_name="api-service-figure-detail")
    channel = NaturalKeyField(
        unknown_channel_message, slug_field="code", queryset=Channel.objects.all(), help_text="Code of the channel."
    )

    rules = staticmethod(figure_errors)
    natural_key = ("service", "provider", "year", "period_type", "period_number", "channel")

    class Meta(FigureValuesSerializer.Meta):
        fields = [
            "id",
            "url",
            "service",
            "service_name",
            "provider",
            "provider_short_name",
            "year",
            "period_type",
            "period_number",
            "channel",
            *FIGURE_VALUE_FIELDS,
            "is_demo",
            "updated_at",
            "version",
        ]


class ServiceCostSerializer(ReportedRowSerializer, CostValuesSerializer):
    """One cost component of one service at one provider in one year, attributed to a channel or shared."""

    url = serializers.HyperlinkedIdentityField(view_name="api-service-cost-detail")
    channel = NaturalKeyField(
        unknown_channel_message,
        slug_field="code",
        queryset=Channel.objects.all(),
        allow_null=True,
        default=None,
        help_text="Code of the channel the cost is attributed to; null or absent for a shared cost.",
    )

    rules = staticmethod(cost_errors)
    natural_key = ("service", "provider", "year", "component", "channel")

    class Meta(CostValuesSerializer.Meta):
        fields = [
            "id",
            "url",
            "service",
            "service_name",
            "provider",
            "provider_short_name",
            "year",
            "component",
            "channel",
            "amount",
            "is_demo",
            "updated_at",
            "version",
        ]


# Bulk submission


class FigureRowSerializer(FigureValuesSerializer):
    """One row of a bulk submission of usage figures: the whole figure, by its natural key."""

    service = serializers.CharField(help_text="Catalogue identifier of the service.")
    provider = ProviderKeyField(help_text=PROVIDER_HELP)
    channel = serializers.CharField(help_text="Code of the channel.")

    class Meta(FigureValuesSerializer.Meta):
        fields = ["service", "provider", "year", "period_type", "period_number", "channel", *FIGURE_VALUE_FIELDS]


class CostRowSerializer(CostValuesSerializer):
    """One row of a bulk submission of costs: the whole cost component, by its natural key."""

    service = serializers.CharField(help_text="Catalogue identifier of the service.")
    provider = ProviderKeyField(help_text=PROVIDER_HELP)
    channel = serializers.CharField(
        allow_null=True,
        required=False,
        default=None,
        help_text="Code of the channel; null or absent for a shared cost.",
    )

    class Meta(CostValuesSerializer.Meta):
        fields = ["service", "provider", "year", "component", "channel", "amount"]


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Rows whose natural key was new.")
    updated = serializers.IntegerField(help_text="Existing rows whose values changed.")
    unchanged = serializers.IntegerField(help_text="Existing rows sent with the values they already had.")


class BulkErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True, help_text="Position of the row in the list (from 0); null for the request."
    )
    field = serializers.CharField(
        help_text="The field the message is about; `non_field_errors` for the row as a whole."
    )
    message = serializers.CharField()


class BulkRejectionSerializer(serializers.Serializer):
    errors = BulkErrorSerializer(many=True, help_text="Every problem of every rejected row; nothing was written.")
