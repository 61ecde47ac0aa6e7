"""REST endpoints of the service cost figures (domain brief §3 "Service cost figures"): the stored figures, their
roll-ups and the channel-shift calculator, the versioned costing parameters and the recomputation jobs.

The figures are computed by services/costing.py and only read here. Every read starts from
`services.scoping.visible_cost_figures` (the providers `visible_institutions` grants), so a figure of a provider outside the
user's scope does not exist for them: absent from lists and roll-ups, 404 in detail and in the channel-shift
calculator. The parameters are read by every authenticated user and changed only by the coordinator; the
recomputation jobs are the coordinator's alone.
"""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from config.api import API_THROTTLES, RequestLanguageMixin
from config.pagination import LargeTablePagination
from institutions.api.serializers import NAME_HELP, ChoiceLabelField
from institutions.api.views import ACCEPT_LANGUAGE, LIST_NOTE, RegistryViewSet
from institutions.filtersets import SearchFilterSet
from institutions.models import Institution, InstitutionType, Municipality
from institutions.peers import sector_members

from .. import costing
from ..filtersets import CharInFilter
from ..scoping import visible_cost_figures
from ..models import (
    Channel,
    CostFigure,
    CostParameters,
    CostRecomputation,
    LifeSituation,
    MissingReason,
    RecomputationKind,
    RecomputationStatus,
    Service,
)
from .serializers import NaturalKeyField, named_choices, provider_key, unknown_channel_message

TOTAL = "total"  # the `channel` value of the rows of all channels together


def service_condition(values, field="service"):
    """Rows of the services named by catalogue identifier, or by id for a value of digits only."""
    # isascii: "²" is a digit to str.isdigit() but no number to int().
    ids = [int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 19]
    return Q(**{f"{field}__catalogue_id__in": values}) | Q(**{f"{field}_id__in": ids})


def provider_condition(values, field="provider"):
    """Rows of the providers named by id or short name (the convention of the figure and cost endpoints)."""
    keys = [provider_key(value) for value in values]
    ids = [key for kind, key in filter(None, keys) if kind == "pk"]
    short_names = [key for kind, key in filter(None, keys) if kind == "short_name"]
    return Q(**{f"{field}_id__in": ids}) | Q(**{f"{field}__short_name__in": short_names})


# Filters


class CostFigureFilterSet(SearchFilterSet):
    """The filters of the stored cost figures; the list, the roll-ups and their pages share them."""

    search_fields = ("service__catalogue_id", "service__name_lv", "service__name_en", "provider__short_name")

    service = CharInFilter(method="filter_service", label=gettext_lazy("Service (catalogue identifiers or ids)"))
    provider = CharInFilter(method="filter_provider", label=gettext_lazy("Provider (ids or short names)"))
    year = django_filters.NumberFilter(label=gettext_lazy("Year"))
    year_min = django_filters.NumberFilter(field_name="year", lookup_expr="gte", label=gettext_lazy("From year"))
    year_max = django_filters.NumberFilter(field_name="year", lookup_expr="lte", label=gettext_lazy("To year"))
    channel = CharInFilter(
        method="filter_channel", label=gettext_lazy("Channel (codes; “total” for all channels together)")
    )
    total = django_filters.BooleanFilter(
        field_name="channel", lookup_expr="isnull", label=gettext_lazy("All channels together")
    )
    template = CharInFilter(field_name="template__code", label=gettext_lazy("Unified service template"))
    is_outlier = django_filters.BooleanFilter(label=gettext_lazy("Outlier"))
    cost_known = django_filters.BooleanFilter(label=gettext_lazy("Cost reported"))
    sector = django_filters.ModelChoiceFilter(
        queryset=Institution.objects.filter(institution_type=InstitutionType.MINISTRY),
        field_name="provider",
        method="filter_sector",
        label=gettext_lazy("Ministry sector"),
    )
    municipality = django_filters.ModelChoiceFilter(
        queryset=Municipality.objects.all(),
        to_field_name="code",
        field_name="provider__municipality",
        method="filter_municipality",
        label=gettext_lazy("Municipality"),
    )
    life_situation = CharInFilter(method="filter_life_situation", label=gettext_lazy("Life situation"))

    class Meta:
        model = CostFigure
        fields = []

    def filter_service(self, queryset, name, value):
        return queryset.filter(service_condition(value)) if value else queryset

    def filter_provider(self, queryset, name, value):
        return queryset.filter(provider_condition(value)) if value else queryset

    def filter_channel(self, queryset, name, value):
        if not value:
            return queryset
        codes = [code for code in value if code != TOTAL]
        condition = Q(channel__code__in=codes)
        if TOTAL in value:
            condition |= Q(channel__isnull=True)
        return queryset.filter(condition)

    def filter_sector(self, queryset, name, value):
        # The members of a sector as the completeness report counts them: the ministry and two levels below.
        return queryset.filter(provider__in=sector_members(value).values("pk"))

    def filter_municipality(self, queryset, name, value):
        # A former municipality's providers belong to its successor, as in the roll-up by municipality.
        return queryset.filter(Q(provider__municipality=value) | Q(provider__municipality__successor=value))

    def filter_life_situation(self, queryset, name, value):
        if not value:
            return queryset
        grouped = Service.life_situations.through.objects.filter(
            service_id=OuterRef("service_id"), lifesituation__code__in=value
        )
        return queryset.filter(Exists(grouped))


class CostRecomputationFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=RecomputationKind.choices, label=gettext_lazy("Kind"))
    status = django_filters.MultipleChoiceFilter(choices=RecomputationStatus.choices, label=gettext_lazy("Status"))

    class Meta:
        model = CostRecomputation
        fields = []


# Serializers

RecomputationKindField = named_choices(RecomputationKind, "RecomputationKindEnum")
RecomputationStatusField = named_choices(RecomputationStatus, "RecomputationStatusEnum")

MISSING_HELP = "Why there is no cost per transaction; empty when there is one."
CHANNEL_HELP = "Code of the channel; null for the row of all channels of the service together."


class CostFigureSerializer(serializers.ModelSerializer):
    """One stored row: its keys, every stored number (decimals as strings), and how it was computed."""

    url = serializers.HyperlinkedIdentityField(view_name="api-cost-figure-detail")
    service = serializers.SlugRelatedField(
        slug_field="catalogue_id", read_only=True, help_text="Catalogue identifier of the service."
    )
    service_id = serializers.IntegerField(read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True, help_text=NAME_HELP)
    provider = serializers.IntegerField(source="provider_id", read_only=True, help_text="Id of the provider.")
    provider_short_name = serializers.CharField(source="provider.short_name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True, help_text=NAME_HELP)
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, help_text=CHANNEL_HELP)
    template = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Code of the unified service template whose services are the row's peers.",
    )
    cost_per_transaction_missing = serializers.ChoiceField(
        choices=MissingReason.choices, allow_blank=True, read_only=True, help_text=MISSING_HELP
    )
    cost_per_transaction_missing_display = ChoiceLabelField(MissingReason, source="cost_per_transaction_missing")
    parameters_version = serializers.IntegerField(
        source="parameters.version", read_only=True, help_text="Version of the costing parameters used."
    )
    peers_withheld = serializers.SerializerMethodField(
        help_text="True when the peer median and ratio are not shown: the group has fewer than five peers with "
        "a value, and a small group's median would give other providers' costs away (the coordinator sees them)."
    )

    class Meta:
        model = CostFigure
        fields = [
            "id",
            "url",
            "service",
            "service_id",
            "service_name",
            "provider",
            "provider_short_name",
            "provider_name",
            "year",
            "channel",
            "template",
            "transactions",
            "digital_transactions",
            "started",
            "completed_of_started",
            "direct_cost",
            "shared_cost",
            "cost",
            "unallocated_shared_cost",
            "cost_known",
            "costed_transactions",
            "cost_per_transaction",
            "cost_per_transaction_missing",
            "cost_per_transaction_missing_display",
            "digital_takeup",
            "completion_rate",
            "satisfaction_responses",
            "satisfaction_points",
            "satisfaction_score",
            "burden_transactions",
            "client_hours",
            "admin_burden",
            "previous_cost_per_transaction",
            "cost_per_transaction_change",
            "previous_transactions",
            "transactions_change",
            "peer_count",
            "peer_median",
            "peer_ratio",
            "is_outlier",
            "peers_withheld",
            "parameters_version",
            "computed_at",
        ]
        read_only_fields = fields

    def get_peers_withheld(self, figure) -> bool:
        return getattr(figure, "peers_withheld", False)


def amount(decimal_places, **kwargs):
    """A summed or divided decimal of any size, as a string with a fixed number of decimals."""
    return serializers.DecimalField(
        max_digits=None, decimal_places=decimal_places, read_only=True, coerce_to_string=True, **kwargs
    )


class RollupQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=[(name, name) for name in costing.ROLLUPS],
        default="national",
        help_text="The grouping: institution, sector (ministry), municipality, life_situation or national.",
        error_messages={
            "invalid_choice": gettext_lazy(
                "“{input}” is not a roll-up: choose institution, sector, municipality, life_situation or national."
            )
        },
    )


class CostRollupSerializer(serializers.Serializer):
    """One group in one year: the summed columns of its members' rows, and ratios of those sums."""

    group = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text="Id of the institution, ministry, municipality or life situation; null for the whole country.",
    )
    group_code = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="The group's short name (institution, ministry) or code (municipality, life situation).",
    )
    group_name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    year = serializers.IntegerField(read_only=True)
    transactions = serializers.IntegerField(read_only=True)
    digital_transactions = serializers.IntegerField(read_only=True)
    started = serializers.IntegerField(allow_null=True, read_only=True, help_text="Null when no member reports it.")
    completed_of_started = serializers.IntegerField(read_only=True)
    direct_cost = amount(2)
    shared_cost = amount(4)
    cost = amount(4)
    unallocated_shared_cost = amount(2)
    costed_transactions = serializers.IntegerField(read_only=True)
    satisfaction_responses = serializers.IntegerField(read_only=True)
    satisfaction_points = amount(4)
    burden_transactions = serializers.IntegerField(read_only=True)
    client_hours = amount(4)
    admin_burden = amount(2, allow_null=True)
    cost_per_transaction = amount(4, allow_null=True, help_text="Σ cost / Σ transactions with a known cost.")
    cost_per_transaction_missing = serializers.ChoiceField(
        choices=MissingReason.choices, allow_blank=True, read_only=True, help_text=MISSING_HELP
    )
    cost_per_transaction_missing_display = ChoiceLabelField(MissingReason, source="cost_per_transaction_missing")
    digital_takeup = amount(6, allow_null=True, help_text="Σ digital transactions / Σ transactions.")
    completion_rate = amount(6, allow_null=True, help_text="Σ completed / Σ started, where started is reported.")
    satisfaction_score = amount(4, allow_null=True, help_text="Σ score × responses / Σ responses (0–100).")


class ShiftMissing:
    NO_TARGET = "no_target"
    CHOICES = [(NO_TARGET, gettext_lazy("no digital channel with a known cost per transaction to shift to"))]


class ChannelShiftQuerySerializer(serializers.Serializer):
    service = serializers.CharField(help_text="Catalogue identifier or id of the service.")
    provider = serializers.CharField(help_text="Id or short name of the provider.")
    year = serializers.IntegerField(min_value=0, max_value=32767)
    share = serializers.DecimalField(
        max_digits=7,
        decimal_places=6,
        min_value=0,
        max_value=1,
        help_text="The share x of each non-digital channel's transactions moved to the digital channel (0–1).",
    )
    target = NaturalKeyField(
        unknown_channel_message,
        slug_field="code",
        queryset=Channel.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Code of the digital channel d to move to; by default the digital channel with a known cost per "
        "transaction and the most transactions.",
    )

    def validate_target(self, channel):
        if channel is not None and not channel.is_digital:
            raise serializers.ValidationError(
                _("“%(code)s” is not a digital channel: transactions can only be moved to a digital one.")
                % {"code": channel.code}
            )
        return channel


class ShiftTargetSerializer(serializers.Serializer):
    channel = serializers.CharField(source="channel.code", read_only=True, help_text="Code of the channel.")
    channel_name = serializers.CharField(source="channel.name", read_only=True, help_text=NAME_HELP)
    transactions = serializers.IntegerField(read_only=True)
    cost_per_transaction = amount(4)


class ShiftLineSerializer(serializers.Serializer):
    channel = serializers.CharField(source="channel.code", read_only=True, help_text="Code of the channel.")
    channel_name = serializers.CharField(source="channel.name", read_only=True, help_text=NAME_HELP)
    transactions = serializers.IntegerField(read_only=True)
    cost_per_transaction = amount(
        4, source="cpt", allow_null=True, help_text="CPT_a; estimated from the relative cost units when unknown."
    )
    estimated = serializers.BooleanField(
        read_only=True, help_text="True when CPT_a is unknown and estimated as CPT_d × u_a / u_d."
    )
    potential = amount(2, allow_null=True, help_text="x × T_a × (CPT_a − CPT_d), EUR.")
    missing = serializers.ChoiceField(
        source="reason",
        choices=ShiftMissing.CHOICES,
        allow_blank=True,
        read_only=True,
        help_text="Why there is no potential; empty when there is one.",
    )
    missing_display = serializers.SerializerMethodField()

    def get_missing_display(self, line) -> str:
        return str(dict(ShiftMissing.CHOICES).get(line.reason, line.reason))


class ChannelShiftSerializer(serializers.Serializer):
    service = serializers.CharField(read_only=True, help_text="Catalogue identifier of the service.")
    service_name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    provider = serializers.IntegerField(read_only=True, help_text="Id of the provider.")
    provider_short_name = serializers.CharField(read_only=True)
    year = serializers.IntegerField(read_only=True)
    share = amount(6)
    parameters_version = serializers.IntegerField(
        read_only=True, help_text="Version of the parameters the figures and the relative cost units are from."
    )
    target = ShiftTargetSerializer(
        read_only=True, allow_null=True, help_text="The digital channel d; null when none has a known cost."
    )
    lines = ShiftLineSerializer(many=True, read_only=True, help_text="One line per non-digital channel used.")
    total_potential = amount(2, allow_null=True, help_text="The sum of the lines' potentials, EUR.")


class CostParametersSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-cost-parameters-detail", lookup_field="version")

    class Meta:
        model = CostParameters
        fields = [
            "version",
            "url",
            *costing.PARAMETER_FIELDS,
            "note",
            "created_at",
        ]
        read_only_fields = ["version", "url", "created_at"]
        extra_kwargs = {
            name: {"help_text": "Left out: the value of the version in force."} for name in costing.PARAMETER_FIELDS
        }


class CostRecomputationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-cost-recomputation-detail")
    kind = RecomputationKindField(choices=RecomputationKind.choices, read_only=True)
    kind_display = ChoiceLabelField(RecomputationKind, source="kind")
    status = RecomputationStatusField(choices=RecomputationStatus.choices, read_only=True)
    status_display = ChoiceLabelField(RecomputationStatus, source="status")
    percent = serializers.IntegerField(read_only=True, help_text="Progress, 0–100.")
    is_finished = serializers.BooleanField(read_only=True)
    parameters_version = serializers.IntegerField(
        source="parameters.version", read_only=True, allow_null=True, help_text="Set when the job has run."
    )
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Null for the nightly and automatic jobs."
    )

    class Meta:
        model = CostRecomputation
        fields = [
            "id",
            "url",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "is_finished",
            "percent",
            "steps_done",
            "steps_total",
            "rows_written",
            "attempts",
            "error",
            "reason",
            "scope",
            "parameters_version",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class RecomputationRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True, default="", help_text="Shown on the job.")


# Permissions


class IsCoordinator(BasePermission):
    message = gettext_lazy("Only the coordinator may do this.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_coordinator)


class CoordinatorWrites(IsCoordinator):
    """Every authenticated user reads; only the coordinator writes."""

    message = gettext_lazy("Only the coordinator may change the costing parameters.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or super().has_permission(request, view)


FORBIDDEN = OpenApiResponse(description="The user is not the coordinator.")


# Views


def group_labels(by, groups):
    """{group id: (code, name)} of the roll-up groups on one page; one query."""
    model, code_field = {
        "institution": (Institution, "short_name"),
        "sector": (Institution, "short_name"),
        "municipality": (Municipality, "code"),
        "life_situation": (LifeSituation, "code"),
    }[by]
    rows = model.objects.filter(pk__in=groups).only("pk", code_field, "name_lv", "name_en")
    return {row.pk: (getattr(row, code_field), row.name) for row in rows}


def labelled(by, rows):
    """The roll-up rows with the code and name of their group."""
    labels = {} if by == "national" else group_labels(by, {row["group"] for row in rows})
    for row in rows:
        if by == "national":
            row["group_code"], row["group_name"] = None, _("The whole country")
        else:
            row["group_code"], row["group_name"] = labels.get(row["group"], (None, ""))
    return rows


def rollup_channel(request):
    """The Channel whose rows a roll-up sums, or None for the rows of all channels together."""
    codes = [code for code in request.query_params.get("channel", "").split(",") if code]
    codes = [code for code in codes if code != TOTAL] if len(codes) == 1 else codes
    if not codes:
        return None
    if len(codes) > 1:
        raise serializers.ValidationError(
            {"channel": [_("a roll-up sums one channel: give one channel code, or “total”")]}
        )
    channel = Channel.objects.filter(code=codes[0]).first()
    if channel is None:
        raise serializers.ValidationError({"channel": [unknown_channel_message(codes[0])]})
    return channel


@extend_schema_view(
    list=extend_schema(
        summary="List cost figures",
        description=(
            "Stored cost figures of the providers the user may read (all for a coordinator): one row per service, "
            "provider, year and channel, and one per service, provider and year with `channel` null for all "
            "channels together (filter `channel=total` or `total=true`). Each row has every sum behind its ratios, "
            "the reason a cost per transaction is missing, and the parameter version it was computed with. "
            "Decimals are strings; ratios are fractions (0.25 = 25 %) except the satisfaction score (0–100)."
            + LIST_NOTE.format(search="the service's catalogue identifier and names and the provider's short name")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Cost figure detail",
        description="One stored cost figure by id. A figure of a provider outside the user's scope answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Cost figures"])
class CostFigureViewSet(RegistryViewSet):
    pagination_class = LargeTablePagination
    serializer_class = CostFigureSerializer
    filterset_class = CostFigureFilterSet
    search_fields = ["service__catalogue_id", "service__name_lv", "service__name_en", "provider__short_name"]
    ordering_fields = [
        "id",
        "year",
        "service__catalogue_id",
        "provider__short_name",
        "channel__order",
        "transactions",
        "cost",
        "cost_per_transaction",
        "digital_takeup",
        "completion_rate",
        "satisfaction_score",
        "admin_burden",
        "cost_per_transaction_change",
        "transactions_change",
        "peer_ratio",
        "computed_at",
    ]
    # The natural key's unique index order (a total, with no channel, after the channels): a page is read off the
    # index instead of sorting every figure by joined columns.
    ordering = ["service_id", "provider_id", "year", "channel_id"]

    def get_queryset(self):
        figures = visible_cost_figures(self.request.user)
        return figures.select_related("service", "provider", "channel", "template", "parameters")

    @extend_schema(
        summary="Roll up cost figures",
        description=(
            "Cost figures summed per group and year, then divided (domain brief §3: never an average of ratios). "
            "`by` groups by institution (the provider), sector (the ministry the provider belongs to), "
            "municipality (a former municipality counts for its successor), life_situation (a service in "
            "several counts in each) or national. Only the figures the user may read are summed, after the "
            "same filters as the list. Without `channel` (or with `channel=total`) the rows of all channels "
            "together are summed; with one channel code, that channel's rows. Paginated with `page` and "
            "`page_size`; ordered by group and year."
        ),
        parameters=[RollupQuerySerializer, ACCEPT_LANGUAGE],
        responses={
            200: CostRollupSerializer(many=True),
            400: OpenApiResponse(description="An unknown `by`, or more than one channel; the body names the field."),
        },
    )
    @action(detail=False, methods=["get"], url_path="rollup", filter_backends=[DjangoFilterBackend])
    def rollup(self, request):
        query = RollupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        by = query.validated_data["by"]
        channel = rollup_channel(request)
        rows = costing.rollup(self.filter_queryset(self.get_queryset()), by=by, channel=channel)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(CostRollupSerializer(labelled(by, page), many=True).data)

    @extend_schema(
        summary="Channel-shift potential",
        description=(
            "What moving a share x of each non-digital channel's transactions of one service at one provider in "
            "one year to a digital channel d would save (domain brief §3): x × T_a × (CPT_a − CPT_d) per channel "
            "a, with CPT_a ≈ CPT_d × u_a / u_d from the relative cost units of the figures' parameter version "
            "where CPT_a is unknown (`estimated`). A service, provider or year without figures the user may "
            "read answers 404."
        ),
        parameters=[ChannelShiftQuerySerializer, ACCEPT_LANGUAGE],
        responses={
            200: ChannelShiftSerializer,
            400: OpenApiResponse(
                description="An invalid parameter (a share outside 0–1, a target that is not "
                "a digital channel, ...); the body names the field."
            ),
            404: OpenApiResponse(description="No cost figures of this service, provider and year that you may read."),
        },
    )
    @action(detail=False, methods=["get"], url_path="channel-shift", filter_backends=[], pagination_class=None)
    def channel_shift(self, request):
        query = ChannelShiftQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        rows = self.channel_rows(values["service"], values["provider"], values["year"])
        parameters = rows[0].parameters
        target, lines, total = costing.channel_shift(rows, values["share"], parameters, values["target"])
        result = {
            "service": rows[0].service.catalogue_id,
            "service_name": rows[0].service.name,
            "provider": rows[0].provider_id,
            "provider_short_name": rows[0].provider.short_name,
            "year": values["year"],
            "share": values["share"],
            "parameters_version": parameters.version,
            "target": target,
            "lines": lines,
            "total_potential": total,
        }
        return Response(ChannelShiftSerializer(result).data)

    def channel_rows(self, service, provider, year):
        """The channel rows of one service at one provider in one year that the user may read (404 if none)."""
        rows = list(
            self.get_queryset()
            .filter(service_condition([service.strip()]), provider_condition([provider]), year=year)
            .exclude(channel__isnull=True)
            .order_by("channel__order")
        )
        if len({row.service_id for row in rows}) > 1:  # a number that is one service's id and another's identifier
            rows = [row for row in rows if row.service.catalogue_id == service.strip()]
        if not rows:
            raise NotFound(_("No cost figures of this service at this provider in this year that you may read."))
        return rows


@extend_schema_view(
    list=extend_schema(
        summary="List costing parameter versions",
        description=(
            "Every version of the costing parameters, newest (the one in force) first: the relative cost units "
            "by channel class, the hourly tariff of client time and the outlier factor k. A version is never "
            "changed; each stored cost figure names the version it was computed with. Readable by every "
            "authenticated user. Paginated with `page` and `page_size`."
        ),
    ),
    retrieve=extend_schema(summary="Costing parameter version", description="One version of the costing parameters."),
    create=extend_schema(
        summary="Save new costing parameters",
        description=(
            "Coordinator only. Saves a new version (the previous version + 1) and queues a full recomputation of "
            "the cost figures with it (see `/api/v1/cost-recomputations/`). A value left out keeps the value of "
            "the version in force. A rejected value is keyed by its field."
        ),
        responses={
            201: CostParametersSerializer,
            400: OpenApiResponse(description="Invalid: the body maps each field to its messages."),
            403: FORBIDDEN,
        },
    ),
)
@extend_schema(tags=["Cost parameters"])
class CostParametersViewSet(
    RequestLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    throttle_classes = API_THROTTLES
    permission_classes = [IsAuthenticated, CoordinatorWrites]
    serializer_class = CostParametersSerializer
    queryset = CostParameters.objects.all()
    lookup_field = "version"
    filter_backends = []

    def get_queryset(self):
        return super().get_queryset().order_by("-version")

    def perform_create(self, serializer):
        sent, current = serializer.validated_data, costing.current_parameters()
        values = {name: sent.get(name, getattr(current, name)) for name in costing.PARAMETER_FIELDS}
        serializer.instance = costing.save_parameters(values, user=self.request.user, note=sent.get("note", ""))


@extend_schema_view(
    list=extend_schema(
        summary="List cost recomputations",
        description=(
            "Coordinator only. The recomputations of the cost figures, newest first: full (nightly, on demand, "
            "after a parameter change) and incremental (after a provider's figures of a year changed), with their "
            "status, progress and the error of a failed attempt. Paginated with `page` and `page_size`."
        ),
        parameters=[ACCEPT_LANGUAGE],
        responses={200: CostRecomputationSerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="Cost recomputation detail",
        description="Coordinator only. One recomputation: poll it for its progress (`percent`) and outcome.",
        parameters=[ACCEPT_LANGUAGE],
        responses={200: CostRecomputationSerializer, 403: FORBIDDEN},
    ),
    create=extend_schema(
        summary="Request a full recomputation",
        description=(
            "Coordinator only. Queues a full recomputation of every cost figure with the parameters in force and "
            "answers 202 with the job; follow it at its `url`. A recomputation already running finishes first."
        ),
        request=RecomputationRequestSerializer,
        responses={
            202: CostRecomputationSerializer,
            400: OpenApiResponse(description="Invalid: the body names the field."),
            403: FORBIDDEN,
        },
    ),
)
@extend_schema(tags=["Cost recomputations"])
class CostRecomputationViewSet(
    RequestLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    throttle_classes = API_THROTTLES
    permission_classes = [IsAuthenticated, IsCoordinator]
    serializer_class = CostRecomputationSerializer
    filterset_class = CostRecomputationFilterSet
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return CostRecomputation.objects.select_related("parameters", "requested_by").order_by("-created_at", "-pk")

    def create(self, request, *args, **kwargs):
        body = RecomputationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = costing.request_full(request.user, body.validated_data["reason"])
        # Where Celery runs eagerly the job has already run when request_full returns.
        job = self.get_queryset().get(pk=job.pk)
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)
