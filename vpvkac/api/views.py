"""REST endpoints of the VPVKAC network: centres, contact figures, grants, the network review and coverage.

Every read starts from vpvkac/scoping.py (grants through vpvkac/views/scopes.py, which composes it): a centre the
user may not see does not exist for them (404), and lists never hold its rows. Contact figures are written only
for a centre the user records figures for (`editable_centres`): a single row, or many at once through the bulk
endpoint, which checks every row by the file import's rules (vpvkac/bulk.py import_contacts) and writes all or
nothing. Review decisions are the coordinator's. Each queryset joins or prefetches what its serializer shows, so a
list costs the same number of queries whatever its length.
"""

import csv
import io
import tempfile

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import API_THROTTLES, RequestLanguageMixin
from config.pagination import LargeTablePagination
from config.exports import restore
from config.uploads import LimitedJSONParser
from institutions.api.views import ACCEPT_LANGUAGE, LIST_NOTE, RegistryViewSet

from .. import network, review
from ..bulk import import_contacts
from ..filtersets import CentreFilterSet, ContactFigureFilterSet, GrantFilterSet
from ..models import (
    Centre,
    ContactFigure,
    Grant,
    NetworkParameters,
    NetworkReviewDecision,
    ReceptionSchedule,
    ReportingPeriod,
    Settlement,
)
from ..resources import COLUMNS
from ..scoping import can_edit_centre, editable_centres, scope_by_centre, visible_centres
from ..views.scopes import visible_grants
from .serializers import (
    CandidateSerializer,
    CentreDetailSerializer,
    CentreSerializer,
    ContactBulkRejectionSerializer,
    ContactBulkResultSerializer,
    ContactFigureSerializer,
    ContactRowSerializer,
    CoverageRequestSerializer,
    CoverageResultSerializer,
    DecisionRequestSerializer,
    DecisionSerializer,
    GrantSerializer,
)

MAX_ROWS = 10_000
FIRST_DATA_ROW = 2  # the file import numbers the header 1
FORBIDDEN = OpenApiResponse(description="The user may not take this step.")


# --- centres ------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List client service centres",
        description=(
            "The VPVKAC centres the user may see: every centre for a coordinator, a centre operator's own centres, "
            "a municipality's staff the centres of their municipality (former municipalities merged into it "
            "included). Filter by `tier`, `status`, `municipality` (codes; a municipality includes the former ones "
            "merged into it)." + LIST_NOTE.format(search="the name, code, address, host building and municipality")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Client service centre detail",
        description=(
            "One centre by its code, with its opening hours and its institution desks and their reception "
            "schedules. A centre outside the user's scope answers 404."
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["VPVKAC centres"])
class CentreViewSet(RegistryViewSet):
    lookup_field = "code"
    filterset_class = CentreFilterSet
    search_fields = ["name", "code", "address", "host_building", "municipality__name_lv"]
    ordering_fields = ["code", "name", "tier", "status", "opened_on"]
    ordering = ["name", "code"]

    def get_serializer_class(self):
        return CentreDetailSerializer if self.action == "retrieve" else CentreSerializer

    def get_queryset(self):
        queryset = Centre.objects.select_related("municipality")
        if self.action == "retrieve":
            schedules = ReceptionSchedule.objects.order_by("weekday", "starts_at")
            queryset = queryset.prefetch_related(
                "opening_hours",
                Prefetch("desks__schedules", queryset=schedules),
                "desks__institution",
            )
        return visible_centres(self.request.user, queryset)


# --- contact figures --------------------------------------------------------------------------------------------


class RecordsCentreFigures(BasePermission):
    """Reading needs only the queryset's scope; writing needs a centre whose figures the user records."""

    message = gettext_lazy("Your account may read contact figures but record none: it records no centre's figures.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or editable_centres(request.user).exists()

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        self.message = _("You may read this figure but not change it: you do not record its centre's figures.")
        return can_edit_centre(request.user, obj.centre)


WRITE_ERRORS = {
    400: OpenApiResponse(description="Invalid: the body maps each field to its messages."),
    403: OpenApiResponse(description="The user does not record the figures of this centre."),
}
NATURAL_KEYS = (
    " Written with natural keys: `centre` is the centre's code, `institution` the short name, `service` the catalogue "
    "identifier. The natural key is centre, date (and `date_to`), hour, institution, service and the three types."
)


def bulk_rows(rows):
    """A list of row dicts as the CSV the file import reads, in a temporary file (closed by the caller)."""
    handle = tempfile.NamedTemporaryFile("w+", suffix=".csv", encoding="utf-8", newline="")
    writer = csv.writer(handle)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(column) is None else row.get(column) for column in COLUMNS])
    handle.flush()
    return handle


def rejection_errors(report):
    """The file import's error report (row, column, value, reason) as {index, field, message}, the row numbers
    turned back into positions in the submitted list."""
    report.seek(0)
    reader = csv.reader(report)
    next(reader, None)
    errors = []
    for row, column, _value, reason in reader:
        index = int(row) - FIRST_DATA_ROW if row.isascii() and row.isdigit() and int(row) >= FIRST_DATA_ROW else None
        # The report is written for spreadsheets (config/exports.py); the API gives the reason as it was.
        errors.append({"index": index, "field": column, "message": restore(reason)})
    return errors


@extend_schema_view(
    list=extend_schema(
        summary="List contact figures",
        description=(
            "Contact statistics of the centres the user may see (all for a coordinator): date (or a span of days), "
            "hour slot, centre, institution, service, contact type, staff type, client type and count. Filter by "
            "`centre` (codes), `date_from`, `date_to`, `hour`, the three types and `institution`. Paginated with "
            "`page` and `page_size` (at most 500); `ordering` takes a field name, with `-` for descending."
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Contact figure detail",
        description="One figure by id. A figure of a centre outside the user's scope answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
    create=extend_schema(
        summary="Record a contact figure",
        description=(
            "Record one figure of a centre whose figures the user records (a centre operator's own centre; any "
            "for the coordinator); another centre answers 403. A figure whose natural key exists is refused with "
            "400: change it with PUT or PATCH, or send it to the bulk endpoint." + NATURAL_KEYS
        ),
        responses={201: ContactFigureSerializer, **WRITE_ERRORS},
    ),
    update=extend_schema(
        summary="Replace a contact figure",
        description="Replace one figure of a centre whose figures the user records." + NATURAL_KEYS,
        responses={200: ContactFigureSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a contact figure",
        description="Change some values of one figure of a centre whose figures the user records." + NATURAL_KEYS,
        responses={200: ContactFigureSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a contact figure",
        description="Delete one figure of a centre whose figures the user records.",
        responses={204: None, 403: WRITE_ERRORS[403]},
    ),
)
@extend_schema(tags=["VPVKAC contact figures"])
class ContactFigureViewSet(RequestLanguageMixin, viewsets.ModelViewSet):
    pagination_class = LargeTablePagination
    serializer_class = ContactFigureSerializer
    filterset_class = ContactFigureFilterSet
    permission_classes = [IsAuthenticated, RecordsCentreFigures]
    throttle_classes = API_THROTTLES
    search_fields = ["centre__code", "centre__name", "institution__short_name", "service__catalogue_id"]
    ordering_fields = ["id", "date", "hour", "count", "centre__code"]
    ordering = ["-date", "centre__code", "hour", "id"]

    def get_queryset(self):
        queryset = ContactFigure.objects.select_related("centre", "institution", "service")
        return scope_by_centre(self.request.user, queryset)

    def save_checked(self, serializer):
        centre = serializer.validated_data.get("centre") or serializer.instance.centre
        if not can_edit_centre(self.request.user, centre):
            raise PermissionDenied(_("You do not record the figures of this centre."))
        day = serializer.validated_data.get("date") or serializer.instance.date
        if day > timezone.localdate():
            raise ValidationError({"date": [_("The date may not be in the future.")]})
        try:
            with transaction.atomic():
                serializer.save(is_demo=False, source="API")
        except IntegrityError as error:
            raise ValidationError({"non_field_errors": [_("Another request recorded the same figure.")]}) from error

    def perform_create(self, serializer):
        self.save_checked(serializer)

    def perform_update(self, serializer):
        self.save_checked(serializer)

    @extend_schema(
        summary="Submit many contact figures",
        description=(
            f"Upsert up to {MAX_ROWS:,} figures in one request, by natural key, with the columns and rules of the "
            "file import (the JSON names are the file's English column names): a new key is created, an existing "
            "one updated when its count differs and counted unchanged when not. All or nothing: if any row is "
            "invalid the answer is 400 listing every problem as {index, field, message} and nothing is written; "
            "a row of a centre the user does not record figures for makes it 403, listed the same way."
        ),
        request=ContactRowSerializer(many=True),
        responses={
            200: ContactBulkResultSerializer,
            400: OpenApiResponse(ContactBulkRejectionSerializer, description="Invalid rows; nothing was written."),
            403: OpenApiResponse(
                ContactBulkRejectionSerializer, description="Rows of centres the user may not write; nothing written."
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        serializer_class=ContactRowSerializer,
        parser_classes=[LimitedJSONParser],
    )
    def bulk(self, request):
        rows = request.data
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            return Response(
                {"errors": [{"index": None, "field": "non_field_errors", "message": _("Send a list of rows.")}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if len(rows) > MAX_ROWS:
            message = _("At most %(count)s rows in one request.") % {"count": f"{MAX_ROWS:,}"}
            return Response(
                {"errors": [{"index": None, "field": "non_field_errors", "message": message}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        forbidden = self.forbidden_rows(rows)
        if forbidden:
            return Response({"errors": forbidden}, status=status.HTTP_403_FORBIDDEN)
        report = io.StringIO()
        with bulk_rows(rows) as handle:
            result = import_contacts(handle.name, request.user, error_report=report, change_reason="API bulk")
        if result.rejected:
            return Response({"errors": rejection_errors(report)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": result.created, "updated": result.updated, "unchanged": result.unchanged})

    def forbidden_rows(self, rows):
        """Rows naming a centre that exists but whose figures the user does not record."""
        codes = {str(row.get("centre") or "").strip() for row in rows}
        existing = set(Centre.objects.filter(code__in=codes).values_list("code", flat=True))
        allowed = set(editable_centres(self.request.user).filter(code__in=codes).values_list("code", flat=True))
        return [
            {
                "index": index,
                "field": "centre",
                "message": _("You do not record the figures of the centre “%(code)s”.") % {"code": code},
            }
            for index, row in enumerate(rows)
            if (code := str(row.get("centre") or "").strip()) in existing and code not in allowed
        ]


# --- grants -------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List grants",
        description=(
            "State budget grants per period and kind (creation, maintenance, salary) to a municipality or one of "
            "its centres: those of the centres the user may see and of their municipalities (all for a "
            "coordinator). Filter by `period` (code), `kind`, `municipality` (code), `centre` (code) and "
            "`recipient` (municipality or centre). Paginated with `page` and `page_size` (at most 500)."
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Grant detail",
        description="One grant by id. A grant outside the user's scope answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["VPVKAC grants"])
class GrantViewSet(RegistryViewSet):
    serializer_class = GrantSerializer
    filterset_class = GrantFilterSet
    search_fields = ["municipality__name_lv", "centre__name", "centre__code"]
    ordering_fields = ["id", "amount", "kind", "period__first_day"]
    ordering = ["-period__first_day", "id"]

    def get_queryset(self):
        return visible_grants(self.request.user, Grant.objects.select_related("period", "municipality", "centre"))


# --- the network review ---------------------------------------------------------------------------------------


def computed_period(code=None):
    """The period of `code` with stored results, or the latest one; None when nothing has been computed."""
    periods = ReportingPeriod.objects.filter(summary__isnull=False).order_by("-last_day", "-first_day")
    if code:
        period = periods.filter(code=code).first()
        if period is None:
            raise NotFound(_("No period with computed results has the code “%(code)s”.") % {"code": code})
        return period
    return periods.first()


class CoordinatorDecides(BasePermission):
    message = gettext_lazy("Only the coordinator records network review decisions.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or request.user.is_coordinator


def with_decisions(rows, period):
    decisions = {
        d.centre_id: d
        for d in NetworkReviewDecision.objects.filter(
            period=period, centre__in=[r.centre_id for r in rows]
        ).select_related("centre", "period", "decided_by")
    }
    for row in rows:
        row.decision_row = decisions.get(row.centre_id)
    return rows


@extend_schema(tags=["VPVKAC network review"])
class NetworkReviewViewSet(RequestLanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CandidateSerializer
    permission_classes = [IsAuthenticated, CoordinatorDecides]
    throttle_classes = API_THROTTLES
    filter_backends = []  # the one parameter, `period`, is read by the view
    pagination_class = None

    def get_queryset(self):
        period = computed_period(self.request.query_params.get("period"))
        if period is None:
            return ContactFigure.objects.none()
        return scope_by_centre(self.request.user, review.candidates(period)).select_related("period")

    @extend_schema(
        summary="List the network review's candidates",
        description=(
            "The candidates of a period's screening (seed 001 F5) among the centres the user may see: each with "
            "criterion 1 (another centre of the municipality within R), criterion 2 (cost per service above 2A), "
            "the secondary flag (any centre within R), the only-centre guard, whether it may be proposed, and the "
            "decision on record. `null` flags are unknown (a centre without coordinates). `period` takes a "
            "period's code; the latest computed period when left out. Not paginated."
        ),
        parameters=[
            ACCEPT_LANGUAGE,
            OpenApiParameter("period", OpenApiTypes.STR, description="The period's code; the latest when left out."),
        ],
        responses={200: CandidateSerializer(many=True), 404: OpenApiResponse(description="No such computed period.")},
    )
    def list(self, request, *args, **kwargs):
        period = computed_period(request.query_params.get("period"))
        rows = with_decisions(list(self.get_queryset()), period) if period else []
        return Response(self.get_serializer(rows, many=True).data)

    @extend_schema(
        methods=["get"],
        summary="List network review decisions",
        description=(
            "The decisions recorded on the centres the user may see, newest period first; `period` narrows them "
            "to one period's code. Not paginated."
        ),
        parameters=[OpenApiParameter("period", OpenApiTypes.STR, description="A period's code.")],
        responses={200: DecisionSerializer(many=True)},
    )
    @extend_schema(
        methods=["post"],
        summary="Record a network review decision",
        description=(
            "Coordinator only. Record (or change) the decision on a candidate of a period: keep, close or replace "
            "by a mobile centre, with the reason; the criteria the centre meets in the stored results are kept "
            "with it. A centre that is not a candidate of the period answers 400."
        ),
        request=DecisionRequestSerializer,
        responses={
            201: DecisionSerializer,
            400: OpenApiResponse(description="Invalid: the body names the field."),
            403: FORBIDDEN,
        },
    )
    @action(detail=False, methods=["get", "post"], url_path="decisions", pagination_class=None)
    def decisions(self, request):
        if request.method == "GET":
            decisions = scope_by_centre(
                request.user, NetworkReviewDecision.objects.select_related("centre", "period", "decided_by")
            ).order_by("-period__last_day", "centre__name")
            if request.query_params.get("period"):
                decisions = decisions.filter(period__code=request.query_params["period"])
            return Response(DecisionSerializer(decisions, many=True).data)
        serializer = DecisionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        candidates = scope_by_centre(request.user, review.candidates(data["period"])).select_related("centre")
        figure = candidates.filter(centre__code=data["centre"]).first()
        if figure is None:
            raise ValidationError({"centre": [_("Not a candidate of the period's network review.")]})
        decision = review.record_decision(figure.centre, data["period"], data["decision"], data["reason"], request.user)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


# --- coverage -------------------------------------------------------------------------------------------------

GAPS_LISTED = 100


def coverage_body(coverage, codes):
    gaps = sorted(coverage.uncovered_ids, key=lambda pk: -codes[pk][1])
    return {
        "population": coverage.population,
        "covered_population": coverage.covered_population,
        "share": coverage.share,
        "gaps": len(gaps),
        "gap_settlements": [codes[pk][0] for pk in gaps[:GAPS_LISTED]],
    }


@extend_schema(tags=["VPVKAC coverage"])
class CoverageView(RequestLanguageMixin, APIView):
    """Coverage = population within R km of a serving fixed centre or a mobile stop / total population."""

    throttle_classes = API_THROTTLES

    def scenario(self, request, close=(), add=(), radius_km=None):
        parameters = NetworkParameters.objects.order_by("-version").first() or NetworkParameters(version=0)
        radius = radius_km if radius_km is not None else parameters.radius_km
        day = timezone.localdate()
        before, after = network.coverage_change(day=day, close_centres=close, add_stops=add, radius_km=radius)
        codes = {
            pk: (code, population)
            for pk, code, population in Settlement.objects.values_list("pk", "code", "population")
        }
        points = network.service_points(day)
        return {
            "day": day,
            "radius_km": radius,
            "service_points": len(points.centre_ids) + len(points.stop_ids),
            "before": coverage_body(before, codes),
            "after": coverage_body(after, codes) if (close or add) else None,
        }

    @extend_schema(
        summary="Coverage of the network today",
        description=(
            "The population within R km (the parameters' R) of a serving fixed centre or a mobile stop in service "
            "today, over the settlements on record, and the settlements outside every circle. Coverage is a "
            "figure of the whole network, whatever centres the user may see."
        ),
        responses={200: CoverageResultSerializer},
    )
    def get(self, request):
        return Response(CoverageResultSerializer(self.scenario(request)).data)

    @extend_schema(
        summary="Coverage before and after a proposed change",
        description=(
            "What if: close serving centres (codes of centres the user may see) and add mobile stops "
            "(latitude, longitude), optionally with another R; answers the coverage before and after."
        ),
        request=CoverageRequestSerializer,
        responses={
            200: CoverageResultSerializer,
            400: OpenApiResponse(description="Invalid: the body names the field."),
        },
    )
    def post(self, request):
        serializer = CoverageRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        codes = data["close_centres"]
        found = dict(visible_centres(request.user).filter(code__in=codes).values_list("code", "pk"))
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValidationError({"close_centres": [_("Unknown centre: %(codes)s.") % {"codes": ", ".join(unknown)}]})
        stops = [(float(stop["latitude"]), float(stop["longitude"])) for stop in data["add_stops"]]
        body = self.scenario(request, list(found.values()), stops, data.get("radius_km"))
        return Response(CoverageResultSerializer(body).data)


__all__ = ["CentreViewSet", "ContactFigureViewSet", "CoverageView", "GrantViewSet", "NetworkReviewViewSet"]
