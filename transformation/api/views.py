"""REST endpoints of service transformation: projects (with their evaluation and steps), measurements, the
indicator library, oversight decisions (with the candidate list of peer outliers), shared components and service
reviews (with the review schedule).

Every read starts from transformation/scoping.py: a row the user may not see does not exist for them (404), and
lists never hold it. Writes: a project and its measurements by the editors of its institution; an institution's
own indicator by its editors, national ones by the coordinator; decisions and shared components by the
coordinator; a service's review by the coordinator or the editors of its holder. Steps (start, close, cancel) go
through transformation/workflow.py; a refused step answers 400 with the reason.
"""

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from config.api import API_THROTTLES, RequestLanguageMixin
from institutions.api.views import ACCEPT_LANGUAGE, LIST_NOTE
from services.scoping import visible_services

from .. import oversight, prefill, reviews, workflow
from ..evaluation import evaluate
from ..filtersets import (
    ComponentFilterSet,
    DecisionFilterSet,
    IndicatorFilterSet,
    MeasurementFilterSet,
    ProjectFilterSet,
    ReviewFilterSet,
)
from ..models import (
    ComponentInstitution,
    ComponentProject,
    Measurement,
    OversightDecision,
    ProjectMember,
    ProjectPhase,
    ProjectStatus,
    ResultIndicator,
    ServiceReview,
    SharedComponent,
    TransformationProject,
)
from ..scoping import (
    can_edit_project,
    editable_components,
    editable_decisions,
    editable_indicators,
    editable_measurements,
    editable_projects,
    editable_reviews,
    is_coordinator,
    project_institutions,
    visible_components,
    visible_decisions,
    visible_indicators,
    visible_measurements,
    visible_projects,
    visible_reviews,
)
from .serializers import (
    OversightCandidateSerializer,
    EvaluationSerializer,
    MeasurementSerializer,
    OversightDecisionSerializer,
    PrefillRequestSerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
    ResultIndicatorSerializer,
    ReviewDueSerializer,
    ServiceReviewSerializer,
    SharedComponentSerializer,
    StepSerializer,
)

INVALID = OpenApiResponse(description="Invalid: the body maps each field to its messages.")
UNDELETABLE = OpenApiResponse(description="The row is still in use; `detail` says why. Nothing was deleted.")
WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


def not_found(noun):
    return OpenApiResponse(description=f"No such {noun} among those the user may read.")


def forbidden(who):
    return OpenApiResponse(description=f"The user may read the row but not change it: {who}.")


def write_responses(status_code, result, noun, who):
    responses = {status_code: result, 403: forbidden(who), 404: not_found(noun)}
    responses[400] = INVALID if status_code != 204 else UNDELETABLE
    return responses


WRITE_STATUS = {"create": 201, "update": 200, "partial_update": 200, "destroy": 204}


def scoped_crud_schema(noun, serializer, who, **actions):
    """The OpenAPI text of a ScopedModelViewSet, each action given as (summary, description): the reads (list,
    retrieve) take Accept-Language; the writes answer the `serializer` (nothing on delete), 403 naming `who` may
    change the row, 404 for a `noun` the user may not read, and 400 when invalid."""
    schemas = {}
    for name, (summary, description) in actions.items():
        if name in WRITE_STATUS:
            code = WRITE_STATUS[name]
            responses = write_responses(code, None if code == 204 else serializer, noun, who)
            schemas[name] = extend_schema(summary=summary, description=description, responses=responses)
        else:
            schemas[name] = extend_schema(summary=summary, description=description, parameters=[ACCEPT_LANGUAGE])
    return extend_schema_view(**schemas)


class ScopedModelViewSet(RequestLanguageMixin, viewsets.ModelViewSet):
    """Read what `visible()` gives, change what `editable()` gives: a row visible but not editable answers 403,
    a row not visible 404. Creating is allowed to those `may_create` lets through (403 otherwise)."""

    throttle_classes = API_THROTTLES
    http_method_names = WRITE_METHODS
    denied_message = ""

    def visible(self, queryset):
        raise NotImplementedError

    def editable(self, queryset):
        raise NotImplementedError

    def may_create(self):
        return True

    def base_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        return self.visible(self.base_queryset())

    def check_editable(self, obj):
        if not self.editable(type(obj).objects.filter(pk=obj.pk)).exists():
            raise PermissionDenied(self.denied_message or _("You may read this row but not change it."))

    def create(self, request, *args, **kwargs):
        if not self.may_create():
            raise PermissionDenied(self.denied_message or _("Your account may not add these rows."))
        with transaction.atomic():
            return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        self.check_editable(self.get_object())
        with transaction.atomic():
            return super().update(request, *args, **kwargs)

    def refusal_to_delete(self, obj):
        """Why `obj`, which the user may change, is still not deleted (answered 400); None when it may be."""
        return None

    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        self.check_editable(obj)
        refusal = self.refusal_to_delete(obj)
        if refusal:
            raise ValidationError({"detail": [refusal]})
        with transaction.atomic():
            self.perform_destroy(obj)
        return Response(status=status.HTTP_204_NO_CONTENT)


def take_step(step, *args, **kwargs):
    """Run a workflow step; a refused one answers 400 with the reason."""
    try:
        return step(*args, **kwargs)
    except workflow.WorkflowError as error:
        raise ValidationError({"detail": [str(error)]}) from error


# --- projects ----------------------------------------------------------------------------------------------------

CLOSED_PROJECT_MEASUREMENTS = gettext_lazy("A closed or cancelled project's measurements can no longer change.")
EDITOR = "only an editor (or an API client with a write token) of the project's institution, or the coordinator"
COORDINATOR = "only the coordinator"


@scoped_crud_schema(
    "project",
    ProjectDetailSerializer,
    EDITOR,
    list=(
        "List transformation projects",
        "Service transformation projects (seed 003 §3.1) of the institutions the user may read: all for the "
        "coordinator. Filter by `institution`, `status`, `phase` (the phase in progress), `service` (catalogue "
        "identifier), `funding_source`." + LIST_NOTE.format(search="the name, goal and institution"),
    ),
    retrieve=(
        "Transformation project detail",
        "One project with its project group and its seven phases. Another institution's answers 404.",
    ),
    create=(
        "Start a transformation project",
        "A draft project for an institution the user may write for (`institution`: id or short name; 403 "
        "naming the field otherwise); `services` are catalogue identifiers. Its seven phases are created.",
    ),
    partial_update=(
        "Change a transformation project",
        "Change an open project's name, goal, services, dates, funding or appraisal period.",
    ),
    update=(
        "Replace a transformation project",
        "Replace every value of an open project.",
    ),
    destroy=(
        "Delete a transformation project",
        "Delete a draft project with its measurements. An active or closed project is cancelled instead.",
    ),
)
@extend_schema(tags=["Transformation projects"])
class ProjectViewSet(ScopedModelViewSet):
    queryset = TransformationProject.objects.all()
    filterset_class = ProjectFilterSet
    search_fields = ["name", "goal", "institution__short_name", "institution__name_lv"]
    ordering_fields = ["id", "name", "status", "planned_start", "planned_end", "created_at", "updated_at"]
    ordering = ["-created_at", "-id"]
    denied_message = ""

    def visible(self, queryset):
        return visible_projects(self.request.user, queryset)

    def editable(self, queryset):
        return editable_projects(self.request.user, queryset)

    def may_create(self):
        return project_institutions(self.request.user).exists()

    def base_queryset(self):
        queryset = TransformationProject.objects.select_related("institution").prefetch_related("services")
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("members", queryset=ProjectMember.objects.order_by("role", "person_name")),
                Prefetch("phases", queryset=ProjectPhase.objects.order_by("order")),
            )
        return queryset

    def get_serializer_class(self):
        return ProjectSerializer if self.action == "list" else ProjectDetailSerializer

    def perform_create(self, serializer):
        project = serializer.save(created_by=self.request.user)
        workflow.create_phases(project)

    def detail_response(self, project, status_code=status.HTTP_200_OK):
        project = self.get_queryset().get(pk=project.pk)
        return Response(
            ProjectDetailSerializer(project, context=self.get_serializer_context()).data, status=status_code
        )

    def create(self, request, *args, **kwargs):
        if not self.may_create():
            raise PermissionDenied(_("Your account may not start projects: it edits no institution."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            self.perform_create(serializer)
        return self.detail_response(serializer.instance, status.HTTP_201_CREATED)

    def refusal_to_delete(self, project):
        if project.status != ProjectStatus.DRAFT:
            return _("Only a draft project can be deleted; cancel it instead.")
        return None

    def _step(self, request, step):
        project = self.get_object()
        self.check_editable(project)
        body = StepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        take_step(step, project, user=request.user, on=body.validated_data.get("on"))
        return self.detail_response(project)

    @extend_schema(
        summary="Start the project",
        description="Draft → active: the baseline measurement starts.",
        request=StepSerializer,
        responses=write_responses(200, ProjectDetailSerializer, "project", EDITOR),
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser], filter_backends=[])
    def start(self, request, pk=None):
        return self._step(request, workflow.start_project)

    @extend_schema(
        summary="Close the project",
        description=(
            "Active → closed. Refused (400) without a baseline and a final measurement of every mandatory "
            "indicator; the message names the missing indicators."
        ),
        request=StepSerializer,
        responses=write_responses(200, ProjectDetailSerializer, "project", EDITOR),
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser], filter_backends=[])
    def close(self, request, pk=None):
        return self._step(request, workflow.close_project)

    @extend_schema(
        summary="Cancel the project",
        description="Draft or active → cancelled; its measurements stay.",
        request=StepSerializer,
        responses=write_responses(200, ProjectDetailSerializer, "project", EDITOR),
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser], filter_backends=[])
    def cancel(self, request, pk=None):
        return self._step(request, workflow.cancel_project)

    @extend_schema(
        summary="Before/after evaluation",
        description=(
            "One row per indicator (every active mandatory indicator and every indicator measured): baseline, "
            "interim and final values, Δ = final − baseline, Δ% = Δ / |baseline| × 100 (none when the baseline is "
            "0 or missing), classed gain, loss, unchanged or not classed by the indicator's good direction; and "
            "the cost–benefit figures of the final measurement over the project's appraisal period."
        ),
        responses={200: EvaluationSerializer, 404: not_found("project")},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def evaluation(self, request, pk=None):
        return Response(EvaluationSerializer(evaluate(self.get_object())).data)

    @extend_schema(
        summary="Pre-fill measurements from the catalogue",
        description=(
            "Write the catalogue's figures for the project's services and the period into the measurements of "
            "`phase` of every indicator with a catalogue source (channel proportion, electronic use, cost per "
            "transaction, satisfaction): summed first, then divided. Values entered by hand are kept unless "
            "`overwrite`. Answers the measurements written or kept."
        ),
        request=PrefillRequestSerializer,
        responses=write_responses(200, MeasurementSerializer(many=True), "project", EDITOR),
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser], filter_backends=[], pagination_class=None)
    def prefill(self, request, pk=None):
        project = self.get_object()
        self.check_editable(project)
        if not project.is_open:
            raise ValidationError({"detail": [CLOSED_PROJECT_MEASUREMENTS]})
        body = PrefillRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():
            written = prefill.prefill_phase(
                project, data["phase"], data["period_start"], data["period_end"], request.user, data["overwrite"]
            )
        return Response(MeasurementSerializer(written, many=True, context=self.get_serializer_context()).data)


# --- measurements ------------------------------------------------------------------------------------------------


@scoped_crud_schema(
    "measurement",
    MeasurementSerializer,
    EDITOR,
    list=(
        "List measurements",
        "Measurements of the projects the user may read. Filter by `project`, `institution`, `indicator` "
        "(code), `phase`, `source`, `year` (of the period)." + LIST_NOTE.format(search="the note and indicator"),
    ),
    retrieve=(
        "Measurement detail",
        "One measurement. Another institution's answers 404.",
    ),
    create=(
        "Record a measurement",
        "A snapshot of one indicator of an open project in one phase (baseline, interim, final); one per "
        "project, indicator and phase. A number for numeric indicators (a share 0–100), a text for text ones.",
    ),
    update=(
        "Replace a measurement",
        "Replace a measurement of an open project; it becomes entered by hand.",
    ),
    partial_update=(
        "Change a measurement",
        "Change a measurement of an open project; it becomes entered by hand.",
    ),
    destroy=(
        "Delete a measurement",
        "Delete a measurement of an open project.",
    ),
)
@extend_schema(tags=["Transformation measurements"])
class MeasurementViewSet(ScopedModelViewSet):
    queryset = Measurement.objects.all()
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilterSet
    search_fields = ["note", "text_value", "indicator__code", "indicator__name_lv"]
    ordering_fields = ["id", "phase", "period_start", "period_end", "measured_on", "updated_at"]
    ordering = ["project_id", "indicator__order", "indicator__code", "phase"]

    def visible(self, queryset):
        return visible_measurements(self.request.user, queryset)

    def editable(self, queryset):
        return editable_measurements(self.request.user, queryset)

    def may_create(self):
        return project_institutions(self.request.user).exists()

    def base_queryset(self):
        return Measurement.objects.select_related("project", "indicator", "measured_by")

    def refusal_to_delete(self, measurement):
        return None if measurement.project.is_open else CLOSED_PROJECT_MEASUREMENTS


# --- indicators --------------------------------------------------------------------------------------------------


@scoped_crud_schema(
    "indicator",
    ResultIndicatorSerializer,
    "the coordinator, or the owner's editors",
    list=(
        "List result indicators",
        "The indicator library: the result indicators of seed 003 §3.1, the coordinator's national trend "
        "indicators (with their collection method) and the own indicators of the institutions the user may "
        "read. Filter by `scope`, `mandatory`, `active`, `value_kind`, `catalogue_source`, `owner_institution`."
        + LIST_NOTE.format(search="the code and names"),
    ),
    retrieve=(
        "Result indicator detail",
        "One indicator.",
    ),
    create=(
        "Add a result indicator",
        "The coordinator adds national library or trend indicators; an institution's editor adds its own "
        "(scope `institution`, `owner_institution` theirs, never mandatory).",
    ),
    update=(
        "Replace a result indicator",
        "Replace an indicator the user may change.",
    ),
    partial_update=(
        "Change a result indicator",
        "Change an indicator the user may change (deactivate it with `active: false`).",
    ),
    destroy=(
        "Delete a result indicator",
        "Delete an indicator nothing has been measured with (400 otherwise: deactivate it instead).",
    ),
)
@extend_schema(tags=["Result indicators"])
class ResultIndicatorViewSet(ScopedModelViewSet):
    queryset = ResultIndicator.objects.all()
    serializer_class = ResultIndicatorSerializer
    filterset_class = IndicatorFilterSet
    search_fields = ["code", "name_lv", "name_en"]
    ordering_fields = ["id", "code", "order", "scope"]
    ordering = ["order", "code"]

    def visible(self, queryset):
        return visible_indicators(self.request.user, queryset)

    def editable(self, queryset):
        return editable_indicators(self.request.user, queryset)

    def may_create(self):
        return is_coordinator(self.request.user) or project_institutions(self.request.user).exists()

    def refusal_to_delete(self, indicator):
        if indicator.measurements.exists():
            return _("The indicator has measurements: deactivate it instead.")
        return None


# --- oversight ---------------------------------------------------------------------------------------------------

YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="The year; the latest year with an outlier when absent.")


@scoped_crud_schema(
    "decision",
    OversightDecisionSerializer,
    COORDINATOR,
    list=(
        "List oversight decisions",
        "The oversight council's register of decisions and recommendations (seed 003 §3.2.1–3.2.2), with "
        "their evidence. The coordinator reads all; an institution's members those about their institution, "
        "its services or its projects." + LIST_NOTE.format(search="the reference, title, text and evidence"),
    ),
    retrieve=(
        "Oversight decision detail",
        "One decision with its evidence.",
    ),
    create=(
        "Record an oversight decision",
        "The coordinator records a decision or recommendation.",
    ),
    update=(
        "Replace an oversight decision",
        "The coordinator replaces a decision.",
    ),
    partial_update=(
        "Change an oversight decision",
        "The coordinator changes a decision (its status: proposed, adopted, implemented, rejected).",
    ),
    destroy=(
        "Delete an oversight decision",
        "The coordinator deletes a decision.",
    ),
)
@extend_schema(tags=["Oversight"])
class OversightDecisionViewSet(ScopedModelViewSet):
    queryset = OversightDecision.objects.all()
    serializer_class = OversightDecisionSerializer
    filterset_class = DecisionFilterSet
    search_fields = ["reference", "title", "text", "evidence_text"]
    ordering_fields = ["id", "proposed_on", "decided_on", "status", "kind"]
    ordering = ["-proposed_on", "-id"]
    denied_message = ""

    def visible(self, queryset):
        return visible_decisions(self.request.user, queryset)

    def editable(self, queryset):
        return editable_decisions(self.request.user, queryset)

    def may_create(self):
        return is_coordinator(self.request.user)

    def base_queryset(self):
        return OversightDecision.objects.select_related("institution", "project", "shared_component").prefetch_related(
            "services", "measurements", "cost_evidence__service", "cost_evidence__provider"
        )

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(
        summary="Candidates: services that differ from their peers",
        description=(
            "Services whose cost per transaction at a provider is an outlier among its peers (ratio to the peer "
            "median ≥ k or ≤ 1/k) in the stored cost figures the user may see, the largest deviation first. For "
            "anyone but the coordinator the peer median and ratio of groups under five peers are withheld."
        ),
        parameters=[YEAR],
        responses={200: OversightCandidateSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def candidates(self, request):
        year = request.query_params.get("year")
        if year is not None and not (year.isascii() and year.isdigit() and len(year) <= 4):
            raise ValidationError({"year": [_("A year is a number.")]})
        candidates = oversight.outlier_candidates(request.user, int(year) if year else None)
        return Response(OversightCandidateSerializer(candidates, many=True, context=self.get_serializer_context()).data)


# --- shared components -------------------------------------------------------------------------------------------


@scoped_crud_schema(
    "shared component",
    SharedComponentSerializer,
    COORDINATOR,
    list=(
        "List shared components",
        "The register of shared components (seed 003 §3.4, Table 2) and the institutions and projects using "
        "them; readable by every signed-in user (projects only those the user may read)."
        + LIST_NOTE.format(search="the code, names and descriptions"),
    ),
    retrieve=(
        "Shared component detail",
        "One component.",
    ),
    create=(
        "Add a shared component",
        "The coordinator adds a component.",
    ),
    update=(
        "Replace a shared component",
        "The coordinator replaces a component.",
    ),
    partial_update=(
        "Change a shared component",
        "The coordinator changes a component.",
    ),
    destroy=(
        "Delete a shared component",
        "The coordinator deletes a component.",
    ),
)
@extend_schema(tags=["Shared components"])
class SharedComponentViewSet(ScopedModelViewSet):
    queryset = SharedComponent.objects.all()
    serializer_class = SharedComponentSerializer
    filterset_class = ComponentFilterSet
    search_fields = ["code", "name_lv", "name_en"]
    ordering_fields = ["id", "code", "name_lv", "kind", "status"]
    ordering = ["name_lv", "id"]

    def visible(self, queryset):
        return visible_components(self.request.user, queryset)

    def editable(self, queryset):
        return editable_components(self.request.user, queryset)

    def may_create(self):
        return is_coordinator(self.request.user)

    def base_queryset(self):
        return SharedComponent.objects.select_related("owner_institution").prefetch_related(
            Prefetch("institution_uses", queryset=ComponentInstitution.objects.select_related("institution")),
            Prefetch("project_uses", queryset=ComponentProject.objects.select_related("project")),
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated and not is_coordinator(user):
            context["visible_project_ids"] = set(visible_projects(user).values_list("pk", flat=True))
        return context


# --- service reviews ---------------------------------------------------------------------------------------------

REVIEW_WHO = "only the coordinator or an editor of the service's holder"
DUE_STATUS = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=["overdue", "due_soon", "scheduled"], description="Only reviews in this state."
)


@scoped_crud_schema(
    "review",
    ServiceReviewSerializer,
    REVIEW_WHO,
    list=(
        "List service reviews",
        "Completed efficiency and administrative-burden reviews of the services the user may see (held or "
        "provided by their institutions) or made by their institutions; `next_due` = reviewed on + N years "
        "(the current review cycle)." + LIST_NOTE.format(search="the service and the finding"),
    ),
    retrieve=(
        "Service review detail",
        "One review.",
    ),
    create=(
        "Record a service review",
        "The coordinator, or an editor of the service's holder, records a completed review.",
    ),
    update=(
        "Replace a service review",
        "Replace a review the user may change.",
    ),
    partial_update=(
        "Change a service review",
        "Change a review the user may change.",
    ),
    destroy=(
        "Delete a service review",
        "Delete a review the user may change.",
    ),
)
@extend_schema(tags=["Service reviews"])
class ServiceReviewViewSet(ScopedModelViewSet):
    queryset = ServiceReview.objects.all()
    serializer_class = ServiceReviewSerializer
    filterset_class = ReviewFilterSet
    search_fields = ["service__catalogue_id", "service__name_lv", "finding"]
    ordering_fields = ["id", "reviewed_on", "kind"]
    ordering = ["-reviewed_on", "-id"]

    def visible(self, queryset):
        return visible_reviews(self.request.user, queryset)

    def editable(self, queryset):
        return editable_reviews(self.request.user, queryset)

    def may_create(self):
        return is_coordinator(self.request.user) or project_institutions(self.request.user).exists()

    def base_queryset(self):
        return ServiceReview.objects.select_related("service", "reviewer_institution", "project")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["cycle_years"] = reviews.current_parameters().cycle_years
        return context

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(
        summary="Review schedule",
        description=(
            "Every active service the user may see, per review kind, with its last review and due date: last "
            "review + N years; never reviewed, the service's start + N years, or at once without a start date. "
            "The most pressing first."
        ),
        parameters=[DUE_STATUS],
        responses={200: ReviewDueSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def schedule(self, request):
        wanted = request.query_params.get("status")
        schedule = reviews.review_schedule(visible_services(request.user))
        if wanted:
            schedule = [item for item in schedule if item.status == wanted]
        return Response(ReviewDueSerializer(schedule, many=True).data)


__all__ = [
    "MeasurementViewSet",
    "OversightDecisionViewSet",
    "ProjectViewSet",
    "ResultIndicatorViewSet",
    "ServiceReviewViewSet",
    "SharedComponentViewSet",
    "can_edit_project",
]
