"""Read-only REST endpoints of the registry.

Institutions are limited by `visible_institutions` (institutions/scoping.py), the one place that decides who
sees what; a row outside the user's scope does not exist for them (404). Planning regions and municipalities
are reference data readable by every authenticated user. Filtering uses the same filter sets as the web lists.
Each queryset joins or prefetches everything its serializer shows, so a list costs the same number of
queries whatever the page size.
"""

from django.db.models import Count, Prefetch, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from config.api import API_THROTTLES, RequestLanguageMixin

from ..filtersets import (
    InstitutionFilterSet,
    MunicipalityFilterSet,
    PlanningRegionFilterSet,
)
from ..models import Institution, Municipality, PlanningRegion
from ..scoping import visible_institutions
from .serializers import (
    InstitutionSerializer,
    MunicipalityDetailSerializer,
    MunicipalitySerializer,
    PlanningRegionDetailSerializer,
    PlanningRegionSerializer,
)

ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    enum=["lv", "en"],
    description="Language of the `name` fields and the display labels. Latvian when absent.",
)

LIST_NOTE = (
    " Paginated with `page` and `page_size` (at most 500). `search` looks in {search}; `q` does the same through "
    "the filter set shared with the web list. `ordering` takes a field name, with `-` for descending."
)


class RegistryViewSet(RequestLanguageMixin, viewsets.ReadOnlyModelViewSet):
    throttle_classes = API_THROTTLES


@extend_schema_view(
    list=extend_schema(
        summary="List institutions",
        description=(
            "Institutions the authenticated user may read: every institution for a coordinator, otherwise "
            "those of the user's memberships."
            + LIST_NOTE.format(search="the Latvian and English names, the short name and the registration number")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Institution detail",
        description="One institution by id. An institution outside the user's scope answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Institutions"])
class InstitutionViewSet(RegistryViewSet):
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet
    search_fields = ["name_lv", "name_en", "short_name", "registration_number"]
    ordering_fields = [
        "id",
        "name_lv",
        "name_en",
        "short_name",
        "registration_number",
        "institution_type",
        "active_from",
    ]
    ordering = ["name_lv", "id"]

    def get_queryset(self):
        queryset = Institution.objects.select_related("group", "parent", "municipality__planning_region")
        return visible_institutions(self.request.user, queryset)


@extend_schema_view(
    list=extend_schema(
        summary="List municipalities",
        description=(
            "Today's municipalities and the former ones kept as historical records (filter `current`)."
            + LIST_NOTE.format(search="the Latvian and English names and the code")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Municipality detail",
        description=(
            "One municipality by its code, with its population by year and the codes of its successor "
            "and predecessors."
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Municipalities"])
class MunicipalityViewSet(RegistryViewSet):
    lookup_field = "code"
    filterset_class = MunicipalityFilterSet
    search_fields = ["name_lv", "name_en", "code"]
    ordering_fields = ["code", "name_lv", "name_en", "kind", "development_tier", "valid_from", "valid_to"]
    ordering = ["name_lv", "code"]

    def get_serializer_class(self):
        return MunicipalityDetailSerializer if self.action == "retrieve" else MunicipalitySerializer

    def get_queryset(self):
        queryset = Municipality.objects.select_related("planning_region", "successor")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "populations", Prefetch("predecessors", queryset=Municipality.objects.order_by("code"))
            )
        return queryset


@extend_schema_view(
    list=extend_schema(
        summary="List planning regions",
        description=(
            "The five planning regions." + LIST_NOTE.format(search="the Latvian and English names and the code")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Planning region detail",
        description="One planning region by its code, with its current municipalities.",
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Planning regions"])
class PlanningRegionViewSet(RegistryViewSet):
    lookup_field = "code"
    filterset_class = PlanningRegionFilterSet
    search_fields = ["name_lv", "name_en", "code"]
    ordering_fields = ["code", "name_lv", "name_en"]
    ordering = ["name_lv", "code"]

    def get_serializer_class(self):
        return PlanningRegionDetailSerializer if self.action == "retrieve" else PlanningRegionSerializer

    def get_queryset(self):
        queryset = PlanningRegion.objects.annotate(
            current_municipality_count=Count("municipalities", filter=Q(municipalities__valid_to__isnull=True))
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "municipalities",
                    queryset=Municipality.objects.filter(valid_to__isnull=True).order_by("name_lv"),
                    to_attr="current_municipalities",
                )
            )
        return queryset
