"""REST endpoints of the service catalogue and of the yearly figures and costs.

Services, figures and costs are limited by services/scoping.py: a row outside the user's scope does not exist for
them (404). Channels and life situations are reference data readable by every authenticated user; a life
situation's list of services is scoped like the services themselves. Figures and costs may be written for the
providers that `editable_institutions` grants (an editor's memberships, an API client's write token), singly or
in bulk. Each queryset joins or prefetches everything its serializer shows, so a list costs the same number of
queries whatever the page size.
"""

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from config.api import API_THROTTLES, RequestLanguageMixin
from config.pagination import LargeTablePagination
from config.uploads import LimitedJSONParser
from institutions.api.views import ACCEPT_LANGUAGE, LIST_NOTE, RegistryViewSet
from institutions.models import Institution
from institutions.scoping import editable_institutions

from ..filtersets import (
    ChannelFilterSet,
    LifeSituationFilterSet,
    ServiceCostFilterSet,
    ServiceFigureFilterSet,
    ServiceFilterSet,
)
from ..models import Channel, LifeSituation, Service, ServiceChannel, ServiceStatus
from ..scoping import can_report_for, visible_costs, visible_figures, visible_services
from .bulk import COSTS, FIGURES, MAX_ROWS, BulkRejected, submit_rows
from .serializers import (
    BulkRejectionSerializer,
    BulkResultSerializer,
    ChannelSerializer,
    CostRowSerializer,
    FigureRowSerializer,
    LifeSituationDetailSerializer,
    LifeSituationSerializer,
    ServiceCostSerializer,
    ServiceFigureSerializer,
    ServiceSerializer,
    VersionConflict,
)

LIGHT_INSTITUTION_FIELDS = ("id", "short_name", "name_lv", "name_en")


# Catalogue


@extend_schema_view(
    list=extend_schema(
        summary="List services",
        description=(
            "Catalogue entries the authenticated user may read: every service for a coordinator, otherwise those "
            "held or provided by the user's institutions. Each carries its channels (address, fee, processing "
            "time), holder, providers, life situation codes, template code and the 10 PVPP2027 conditions."
            + LIST_NOTE.format(search="the catalogue identifier and the Latvian and English names")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Service detail",
        description="One service by its catalogue identifier. A service outside the user's scope answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Services"])
class ServiceViewSet(RegistryViewSet):
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet
    lookup_field = "catalogue_id"
    lookup_value_regex = "[^/]+"
    search_fields = ["catalogue_id", "name_lv", "name_en"]
    ordering_fields = ["catalogue_id", "name_lv", "name_en", "kind", "level", "status", "valid_from", "updated_at"]
    ordering = ["name_lv", "catalogue_id"]

    def get_queryset(self):
        queryset = Service.objects.select_related("holder", "template").prefetch_related(
            Prefetch("providers", queryset=Institution.objects.only(*LIGHT_INSTITUTION_FIELDS).order_by("short_name")),
            Prefetch("channels", queryset=ServiceChannel.objects.select_related("channel")),
            "life_situations",
        )
        return visible_services(self.request.user, queryset)


@extend_schema_view(
    list=extend_schema(
        summary="List life situations",
        description=(
            "Life situations grouping services across institutions, with `fully_online`: true when every active "
            "service in it offers at least one digital remote channel (false when it has no active service)."
            + LIST_NOTE.format(search="the code and the Latvian and English names")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Life situation detail",
        description="One life situation by its code, with those of its services the user may read.",
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Life situations"])
class LifeSituationViewSet(RegistryViewSet):
    lookup_field = "code"
    filterset_class = LifeSituationFilterSet
    search_fields = ["code", "name_lv", "name_en"]
    ordering_fields = ["code", "name_lv", "name_en"]
    ordering = ["name_lv", "code"]

    def get_serializer_class(self):
        return LifeSituationDetailSerializer if self.action == "retrieve" else LifeSituationSerializer

    def get_queryset(self):
        queryset = LifeSituation.objects.with_fully_online().annotate(
            active_service_count=Count("services", filter=Q(services__status=ServiceStatus.ACTIVE))
        )
        if self.action == "retrieve":
            services = visible_services(self.request.user, Service.objects.order_by("name_lv", "catalogue_id"))
            queryset = queryset.prefetch_related(Prefetch("services", queryset=services, to_attr="visible_services"))
        return queryset


@extend_schema_view(
    list=extend_schema(
        summary="List channels",
        description=(
            "The fixed channel code list: each channel is digital or not, remote or in person, and has a class "
            "of relative cost units. Paginated with `page` and `page_size`."
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Channel detail", description="One channel by its code.", parameters=[ACCEPT_LANGUAGE]
    ),
)
@extend_schema(tags=["Channels"])
class ChannelViewSet(RegistryViewSet):
    serializer_class = ChannelSerializer
    filterset_class = ChannelFilterSet
    lookup_field = "code"
    search_fields = ["code", "name_lv", "name_en"]
    ordering_fields = ["order", "code"]
    ordering = ["order", "code"]
    queryset = Channel.objects.all()


# Yearly figures and costs


class MayReportForProvider(BasePermission):
    """Reading needs only the scope of the queryset; changing needs a membership that allows editing the provider."""

    message = _("Your account may read figures and costs but not change them: none of its memberships allows editing.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or editable_institutions(request.user).exists()

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        self.message = _(
            "You may read this row but not change it: its provider is not among the institutions you edit."
        )
        return can_report_for(request.user, obj.provider)


WRITE_ERRORS = {
    400: OpenApiResponse(description="Invalid: the body maps each field to its messages."),
    403: OpenApiResponse(description="The user may not write for this provider; the message names the field."),
}
CHANGE_ERRORS = {
    409: OpenApiResponse(
        description="The `version` sent is not the stored one: someone changed the row since; nothing was saved. "
        "The body carries `detail`, the stored `version` and the `current` row."
    ),
    412: OpenApiResponse(
        description="The If-Match header names another version than the stored one; nothing was changed."
    ),
}
CHANGE_NOTE = (
    " Name the version the change is based on — the `version` field of the row you read, or its ETag in an "
    "If-Match header — and a change someone else made since is never overwritten: the answer is then 409 (or 412 "
    "for If-Match) and nothing is saved."
)

NATURAL_KEY_NOTE = (
    " Write with natural keys: `service` is the catalogue identifier, `provider` the institution's id or short "
    "name, `channel` the channel code. Rows are checked by the same rules as the web form and the imports; each "
    "error is keyed by its field."
)


CHANGES = ("update", "partial_update", "destroy")


def entity_tag(version):
    return f'"{version}"'


def request_tags(request):
    """The entity tags of the request's If-Match header: None without one, {"*"} for any."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return {tag.strip() for tag in header.split(",") if tag.strip()}


def if_match(tags, row):
    """True when the request names no version, any (*) or the row's own (RFC 9110 If-Match, strong compare)."""
    return tags is None or "*" in tags or entity_tag(row.version) in tags


class PreconditionFailed(Exception):
    """The If-Match header names another version than the stored one; the view answers 412 with `body`."""

    status_code = status.HTTP_412_PRECONDITION_FAILED

    def __init__(self, stored_version):
        detail = _(
            "changed by someone else since you read it: If-Match does not name the stored version {stored}; "
            "nothing was changed"
        ).format(stored=stored_version)
        super().__init__(detail)
        self.body = {"detail": detail, "version": stored_version}


class ReportedFiguresViewSet(RequestLanguageMixin, viewsets.ModelViewSet):
    """Shared by figures and costs: scoped reads, writes for editable providers, bulk upsert."""

    pagination_class = LargeTablePagination
    throttle_classes = API_THROTTLES
    permission_classes = [IsAuthenticated, MayReportForProvider]
    table = None  # bulk.FIGURES or bulk.COSTS
    scope = None  # visible_figures or visible_costs

    def get_queryset(self):
        queryset = self.table.model.objects.select_related("service", "provider", "channel")
        if self.action in CHANGES:
            # The row is read under a lock (until the transaction of `update`/`destroy` ends), so the version a
            # change is compared with is the stored one and no other change slips in between.
            queryset = queryset.select_for_update(of=("self",))
        return self.scope(self.request.user, queryset)

    def update(self, request, *args, **kwargs):
        return self.change(super().update, request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        return self.change(super().destroy, request, *args, **kwargs)

    def change(self, method, request, *args, **kwargs):
        """One transaction around reading the row under its lock, comparing versions and writing."""
        try:
            with transaction.atomic():
                return method(request, *args, **kwargs)
        except (VersionConflict, PreconditionFailed) as refusal:
            return Response(refusal.body, status=refusal.status_code)

    def get_object(self):
        row = super().get_object()
        if self.action in CHANGES and not if_match(request_tags(self.request), row):
            raise PreconditionFailed(row.version)
        return row

    def finalize_response(self, request, response, *args, **kwargs):
        # A single row's answer carries its version as the entity tag, for a later If-Match.
        if self.action in ("retrieve", "create", *CHANGES) and isinstance(response.data, dict):
            version = response.data.get("version")
            if isinstance(version, int) and response.status_code < 300:
                response["ETag"] = entity_tag(version)
        return super().finalize_response(request, response, *args, **kwargs)

    def perform_create(self, serializer):
        self.save_submitted(serializer)

    def perform_update(self, serializer):
        self.save_submitted(serializer)

    def save_submitted(self, serializer):
        # A submitted row is real data, also when it replaces a demo row (as in the bulk path).
        try:
            with transaction.atomic():
                serializer.save(is_demo=False)
        except IntegrityError as error:
            # The natural key was checked by the serializer: another request took it in the meantime.
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [serializer.taken_message()]}) from error

    def bulk_submission(self, request):
        try:
            counts = submit_rows(self.table, request.user, request.data)
        except BulkRejected as rejection:
            return Response({"errors": rejection.errors}, status=rejection.status_code)
        return Response(counts, status=status.HTTP_200_OK)


def reported_schema(noun, plural, key, serializer):
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {plural}",
            description=(
                f"{plural.capitalize()} reported by the providers the user may read (all for a coordinator)."
                + LIST_NOTE.format(search="the service's catalogue identifier and names and the provider's short name")
            ),
            parameters=[ACCEPT_LANGUAGE],
        ),
        retrieve=extend_schema(
            summary=f"{noun.capitalize()} detail",
            description=f"One {noun} by id. A row of a provider outside the user's scope answers 404.",
            parameters=[ACCEPT_LANGUAGE],
        ),
        create=extend_schema(
            summary=f"Create a {noun}",
            description=(
                f"Create one {noun} for a provider the user may edit. A {noun} whose natural key ({key}) already "
                "exists is refused with 400: change it with PUT or PATCH, or send it to the bulk endpoint."
                + NATURAL_KEY_NOTE
            ),
            responses={201: serializer, **WRITE_ERRORS},
        ),
        update=extend_schema(
            summary=f"Replace a {noun}",
            description=f"Replace every value of one {noun} of a provider the user may edit."
            + NATURAL_KEY_NOTE
            + CHANGE_NOTE,
            responses={200: serializer, **WRITE_ERRORS, **CHANGE_ERRORS},
        ),
        partial_update=extend_schema(
            summary=f"Change a {noun}",
            description=f"Change some values of one {noun} of a provider the user may edit."
            + NATURAL_KEY_NOTE
            + CHANGE_NOTE,
            responses={200: serializer, **WRITE_ERRORS, **CHANGE_ERRORS},
        ),
        destroy=extend_schema(
            summary=f"Delete a {noun}",
            description=f"Delete one {noun} of a provider the user may edit. With an If-Match header naming "
            "another version than the stored one, nothing is deleted and the answer is 412.",
            responses={204: None, 403: WRITE_ERRORS[403], 412: CHANGE_ERRORS[412]},
        ),
    )


def bulk_schema(noun, plural, key, row_serializer):
    return extend_schema(
        summary=f"Submit many {plural}",
        description=(
            f"Upsert up to {MAX_ROWS:,} {plural} in one request, by natural key ({key}): a new key is created, "
            "an existing one updated when its values differ and counted unchanged when they do not. Each row is "
            f"the whole {noun}: a value left out is stored as empty. All or nothing: if any row is invalid the "
            "answer is 400 listing every problem of every row as {index, field, message} and nothing is written; "
            "a row for a provider the user may not edit makes it 403, listed the same way." + NATURAL_KEY_NOTE
        ),
        request=row_serializer(many=True),
        responses={
            200: BulkResultSerializer,
            400: OpenApiResponse(BulkRejectionSerializer, description="Invalid rows; nothing was written."),
            403: OpenApiResponse(
                BulkRejectionSerializer, description="Rows for providers the user may not edit; nothing was written."
            ),
            409: OpenApiResponse(
                BulkRejectionSerializer, description="A concurrent submission wrote the same keys; send again."
            ),
        },
    )


FIGURE_KEY = "service, provider, year, period_type, period_number, channel"
COST_KEY = "service, provider, year, component, channel"


@reported_schema("service figure", "service figures", FIGURE_KEY, ServiceFigureSerializer)
@extend_schema(tags=["Service figures"])
class ServiceFigureViewSet(ReportedFiguresViewSet):
    serializer_class = ServiceFigureSerializer
    filterset_class = ServiceFigureFilterSet
    table = FIGURES
    scope = staticmethod(visible_figures)
    search_fields = ["service__catalogue_id", "service__name_lv", "service__name_en", "provider__short_name"]
    ordering_fields = [
        "id",
        "year",
        "period_type",
        "period_number",
        "service__catalogue_id",
        "provider__short_name",
        "channel__order",
        "completed",
        "updated_at",
    ]
    # The natural key's unique index holds the rows in this order, so a page is read straight off it; an order by
    # joined columns (the catalogue identifier, the provider's name) sorts the whole table for every page.
    ordering = ["service_id", "provider_id", "year", "period_type", "period_number", "channel_id"]

    @bulk_schema("service figure", "service figures", FIGURE_KEY, FigureRowSerializer)
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        serializer_class=FigureRowSerializer,
        parser_classes=[LimitedJSONParser],
    )
    def bulk(self, request):
        return self.bulk_submission(request)


@reported_schema("service cost", "service costs", COST_KEY, ServiceCostSerializer)
@extend_schema(tags=["Service costs"])
class ServiceCostViewSet(ReportedFiguresViewSet):
    serializer_class = ServiceCostSerializer
    filterset_class = ServiceCostFilterSet
    table = COSTS
    scope = staticmethod(visible_costs)
    search_fields = ["service__catalogue_id", "service__name_lv", "service__name_en", "provider__short_name"]
    ordering_fields = [
        "id",
        "year",
        "component",
        "service__catalogue_id",
        "provider__short_name",
        "channel__order",
        "amount",
        "updated_at",
    ]
    ordering = ["service_id", "provider_id", "year", "component", "channel_id"]  # the natural key's index order

    @bulk_schema("service cost", "service costs", COST_KEY, CostRowSerializer)
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        serializer_class=CostRowSerializer,
        parser_classes=[LimitedJSONParser],
    )
    def bulk(self, request):
        return self.bulk_submission(request)
