"""The open API: every open data set at /api/v1/open/<data set>/, and the list of data sets at /api/v1/open/.

Open to everyone (AllowAny), read-only, throttled like the rest of the API (anonymous clients by address, systems
with a token by their account's rate). Each list is paginated (`page`, `page_size` up to 500) and filtered by the
data set's filter set, the same one its page uses. Every answer carries an ETag and a Last-Modified header computed
from the data's freshness (reports/open_data.py), and a conditional request (If-None-Match, If-Modified-Since) for
data that has not changed is answered 304 before any row is read.
"""

from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import API_THROTTLES, RequestLanguageMixin
from config.pagination import StandardPagination

from ..open_data import (
    DATASETS,
    LICENCE_IRI,
    Frequency,
    all_freshness,
    cache_headers,
    combined_freshness,
    not_modified,
    variant_of,
)
from .serializers import ROW_SERIALIZERS, OpenCatalogueSerializer

CONDITIONAL_HEADERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="The ETag of an earlier answer: 304 without a body while the data are unchanged.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="An HTTP date: 304 without a body when the data have not changed since then.",
    ),
]
CACHING_NOTE = (
    " Every answer carries `ETag`, `Last-Modified` and `Cache-Control: public, max-age=60`; send the ETag back in "
    "`If-None-Match` (or the date in `If-Modified-Since`) and an unchanged answer is 304 with no body. No "
    "authentication is needed; a token raises the rate limit from the anonymous one to the account's."
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: the representation the client holds is current.")
BAD_FILTER = OpenApiResponse(description="A filter value is invalid: the body maps each filter to its messages.")


class OpenDataMixin(RequestLanguageMixin):
    permission_classes = [AllowAny]
    throttle_classes = API_THROTTLES
    renderer_classes = [JSONRenderer]


class OpenDataSetView(OpenDataMixin, ListAPIView):
    """One data set's rows. Subclassed once per data set by `dataset_view`."""

    dataset = None
    pagination_class = StandardPagination
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return self.dataset.queryset()

    def get(self, request, *args, **kwargs):
        freshness = self.dataset.freshness()
        variant = variant_of(request, "api")
        unchanged = not_modified(request, freshness, variant)
        if unchanged is not None:
            return unchanged
        selection = self.dataset.select(request.query_params, request)
        if not selection.is_valid:
            raise ValidationError(selection.errors)
        if self.dataset.per_object:
            rows = self.dataset.rows_of(self.paginate_queryset(selection.queryset))
        else:
            rows = self.paginate_queryset(self.dataset.rows(selection, freshness))
        response = self.get_paginated_response(rows)
        for name, value in cache_headers(freshness, variant).items():
            response[name] = value
        return response


def dataset_view(dataset):
    """The API view of `dataset`, documented with its fields, filters and an example row."""

    # A function of its own per data set: the schema is attached to the function, not to the class.
    @extend_schema(
        tags=["Open data"],
        summary=dataset.title.en,
        description=(
            f"{dataset.description.en} Licence: CC BY 4.0. Updated: {Frequency(dataset.frequency).label}. "
            f"Paginated with `page` and `page_size` (at most {StandardPagination.max_page_size}); the filters are "
            f"those of the data set's page." + CACHING_NOTE
        ),
        parameters=CONDITIONAL_HEADERS,
        responses={200: ROW_SERIALIZERS[dataset.id](many=True), 304: NOT_MODIFIED, 400: BAD_FILTER},
        examples=[
            OpenApiExample(
                f"{dataset.title.en}: one row", value=dataset.example, response_only=True, status_codes=["200"]
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return OpenDataSetView.get(self, request, *args, **kwargs)

    return type(
        "Open" + "".join(part.capitalize() for part in dataset.id.split("-")) + "View",
        (OpenDataSetView,),
        {
            "dataset": dataset,
            "serializer_class": ROW_SERIALIZERS[dataset.id],
            "filterset_class": dataset.filterset_class,
            "get": get,
            "__doc__": dataset.description.en,
        },
    )


DATASET_VIEWS = {dataset.id: dataset_view(dataset) for dataset in DATASETS.values()}


class OpenDataIndexView(OpenDataMixin, APIView):
    """The open data sets with their metadata and links."""

    @extend_schema(
        tags=["Open data"],
        summary="List the open data sets",
        description=(
            "Every open data set with its title and description (Latvian and English), licence, update frequency, "
            "latest change, fields (name, type, description, code list) and links: its page, API endpoint and "
            "CSV, JSON and XLSX downloads. `dcat` links the catalogue as DCAT-AP JSON-LD and `cpsv` the service "
            "catalogue as CPSV-AP 3 JSON-LD." + CACHING_NOTE
        ),
        auth=[],
        parameters=CONDITIONAL_HEADERS,
        responses={200: OpenCatalogueSerializer, 304: NOT_MODIFIED},
        examples=[
            OpenApiExample(
                "The catalogue (one data set shown)",
                response_only=True,
                status_codes=["200"],
                value={
                    "dcat": "https://pakalpojumi.example.lv/open/catalogue.jsonld",
                    "cpsv": "https://pakalpojumi.example.lv/open/cpsv.jsonld",
                    "datasets": [
                        {
                            "id": "vpvkac-centres",
                            "title_lv": "Valsts un pašvaldību vienotie klientu apkalpošanas centri",
                            "title_en": "Unified state and municipal client service centres (VPVKAC)",
                            "description_lv": "VPVKAC centru reģistrs …",
                            "description_en": "The registry of VPVKAC centres …",
                            "licence": LICENCE_IRI,
                            "frequency": "UPDATE_CONT",
                            "modified": "2025-03-01T10:00:00+02:00",
                            "fields": [
                                {
                                    "name": "code",
                                    "type": "string",
                                    "description_lv": "Centra kods.",
                                    "description_en": "Centre code.",
                                    "codes": [],
                                }
                            ],
                            "links": {
                                "page": "https://pakalpojumi.example.lv/open/vpvkac-centres/",
                                "api": "https://pakalpojumi.example.lv/api/v1/open/vpvkac-centres/",
                                "csv": "https://pakalpojumi.example.lv/open/vpvkac-centres.csv",
                                "json": "https://pakalpojumi.example.lv/open/vpvkac-centres.json",
                                "xlsx": "https://pakalpojumi.example.lv/open/vpvkac-centres.xlsx",
                            },
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request):
        freshness = all_freshness()
        combined = combined_freshness(freshness)
        variant = variant_of(request, "api-index")
        unchanged = not_modified(request, combined, variant)
        if unchanged is not None:
            return unchanged
        response = Response(catalogue_listing(request, freshness))
        for name, value in cache_headers(combined, variant).items():
            response[name] = value
        return response


def catalogue_listing(request, freshness):
    """The index's body: every data set's metadata and links, as absolute addresses."""

    def absolute(name, *args):
        return request.build_absolute_uri(reverse(name, args=args))

    return {
        "dcat": absolute("open_data:catalogue-jsonld"),
        "cpsv": absolute("open_data:cpsv"),
        "datasets": [
            {
                "id": dataset.id,
                "title_lv": dataset.title.lv,
                "title_en": dataset.title.en,
                "description_lv": dataset.description.lv,
                "description_en": dataset.description.en,
                "licence": LICENCE_IRI,
                "frequency": dataset.frequency,
                "modified": freshness[dataset.id].last_modified,
                "fields": [
                    {
                        "name": item.name,
                        "type": item.type,
                        "description_lv": item.description.lv,
                        "description_en": item.description.en,
                        "codes": [str(code) for code in item.code_values],
                    }
                    for item in dataset.fields
                ],
                "links": {
                    "page": absolute("open_data:dataset", dataset.id),
                    "api": absolute(f"api-open-{dataset.id}"),
                    **{
                        extension: absolute("open_data:download", dataset.id, extension)
                        for extension in ("csv", "json", "xlsx")
                    },
                },
            }
            for dataset in DATASETS.values()
        ],
    }
