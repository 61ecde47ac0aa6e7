"""REST endpoints of the work plans: plans, measures and indicators for every signed-in user; obligations,
progress updates and improvement plans scoped to the user's institutions.

Who sees and does what is decided by workplans/scoping.py alone and every step is taken by workplans/workflow.py:
a row outside the user's scope does not exist for them (404); a row they may read but not change answers 403
(a viewer, an API client without a write token, an editor of another institution responsible for nothing); a
step the row's review status does not allow answers 409 with that status. Every write runs in one transaction.
Each queryset joins or prefetches everything its serializer shows, so a list costs the same number of queries
whatever the page size.
"""

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from config.api import API_THROTTLES, RequestLanguageMixin
from institutions.api.views import ACCEPT_LANGUAGE, LIST_NOTE, RegistryViewSet

from .. import workflow
from ..models import (
    ActionLine,
    ImprovementItem,
    ImprovementPlan,
    Indicator,
    IndicatorActual,
    Measure,
    MeasureResponsibility,
    Obligation,
    Plan,
    ProgressUpdate,
)
from ..progress import execution, execution_by_plan, with_deadline, with_due_date, with_waiting
from ..scoping import (
    can_edit_improvement_plan,
    can_edit_obligation,
    can_report_on_measure,
    is_reviewer,
    visible_improvement_items,
    visible_improvement_plans,
    visible_indicator_actuals,
    visible_obligations,
    visible_updates,
)
from .filtersets import (
    ImprovementPlanFilterSet,
    IndicatorFilterSet,
    MeasureFilterSet,
    ObligationFilterSet,
    PlanFilterSet,
    ProgressUpdateFilterSet,
)
from .queries import actuals_order, with_latest_update
from .serializers import (
    ActualReportSerializer,
    ActualSerializer,
    ImprovementItemSerializer,
    ImprovementPlanChangeSerializer,
    ImprovementPlanCreateSerializer,
    ImprovementPlanDetailSerializer,
    ImprovementPlanSerializer,
    IndicatorSerializer,
    MeasureSerializer,
    ObligationSerializer,
    PlanDetailSerializer,
    PlanSerializer,
    ProgressUpdateChangeSerializer,
    ProgressUpdateCreateSerializer,
    ProgressUpdateSerializer,
    ReturnSerializer,
    ReviewConflictSerializer,
    ReviewSerializer,
)

INVALID = OpenApiResponse(description="Invalid: the body maps each field to its messages.")
CONFLICT = OpenApiResponse(ReviewConflictSerializer, description="The review status does not allow this step now.")


def not_found(noun):
    return OpenApiResponse(description=f"No such {noun} among those the user may read.")


def forbidden(who):
    return OpenApiResponse(description=f"The user may read the row but not take this step: {who}.")


REPORTER = "only an editor (or an API client with a write token) of the reporting institution, or the coordinator"
REVIEWER = "only the coordinator reviews"


def step_responses(status_code, result, noun, who=REPORTER, invalid=True):
    """The answers of a step on a reviewable row or its items: `result` with `status_code`, 400 when the step takes a
    body (`invalid`), 403 for anyone but `who`, 404 for a `noun` out of scope, 409 when the review status refuses."""
    responses = {status_code: result}
    if invalid:
        responses[400] = INVALID
    return {**responses, 403: forbidden(who), 404: not_found(noun), 409: CONFLICT}


class Conflict(APIException):
    """409: the row's review status does not allow the step; the body says which status it has."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, message, current_status):
        super().__init__({"detail": message, "status": current_status})


def conflict(obj, message):
    obj.refresh_from_db(fields=["status"])
    return Conflict(message, obj.status)


def take_step(obj, step, *args, **kwargs):
    """Run a workflow step; its refusals become 403 (not allowed) and 409 (not in this status)."""
    try:
        return step(*args, **kwargs)
    except workflow.NotAllowed as error:
        raise PermissionDenied(str(error) or None) from error
    except workflow.WorkflowError as error:
        raise conflict(obj, str(error)) from error


def checked_body(serializer_class, request, **context):
    body = serializer_class(data=request.data, context={"request": request, **context})
    body.is_valid(raise_exception=True)
    return body


def draft_and_submit(user, start, submit):
    """`start()` makes a draft (a progress update, an indicator actual), submitted at once when `submit`, in one
    transaction: a report not the user's to make answers 403, one a workflow rule refuses 400."""
    try:
        with transaction.atomic():
            draft = start()
            return workflow.submit(user, draft) if submit else draft
    except workflow.NotAllowed as error:
        raise PermissionDenied from error
    except workflow.WorkflowError as error:
        raise ValidationError({"detail": [str(error)]}) from error


# --- rows scoped to the user's institutions ----------------------------------------------------------------------


class ScopedViewSet(RequestLanguageMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Rows of the user's institutions, as the scoping function of each get_queryset picks them: read one, and
    change it while its workflow allows."""

    throttle_classes = API_THROTTLES


class ReviewableViewSet(mixins.ListModelMixin, ScopedViewSet):
    """A reviewable row (progress update, improvement plan): listed, read, corrected with PATCH, and taken through
    submit, approve and return. Each subclass documents the three steps with `review_schemas`."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    detail_serializer = None

    def step_result(self, obj):
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.detail_serializer(obj, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        obj = self.get_object()
        if not workflow.may_report(request.user, obj):
            raise PermissionDenied(_("Only the reporting institution submits it."))
        return self.step_result(take_step(obj, workflow.submit, request.user, obj))

    @action(detail=True, methods=["post"], parser_classes=[JSONParser], filter_backends=[])
    def approve(self, request, pk=None):
        obj = self.get_object()
        if not is_reviewer(request.user):
            raise PermissionDenied(_("Only the coordinator approves."))
        body = checked_body(ReviewSerializer, request)
        return self.step_result(take_step(obj, workflow.approve, request.user, obj, body.validated_data["comment"]))

    @action(detail=True, methods=["post"], url_path="return", parser_classes=[JSONParser], filter_backends=[])
    def return_(self, request, pk=None):
        obj = self.get_object()
        if not is_reviewer(request.user):
            raise PermissionDenied(_("Only the coordinator returns for correction."))
        body = checked_body(ReturnSerializer, request)
        return self.step_result(
            take_step(obj, workflow.return_for_correction, request.user, obj, body.validated_data["comment"])
        )


def review_schemas(noun, detail_serializer, approve_effect):
    """The schemas of the submit, approve and return actions of `noun`, for @extend_schema_view."""
    return {
        "submit": extend_schema(
            summary=f"Submit the {noun}",
            description=f"Draft or returned → submitted, by the reporting side ({REPORTER}).",
            request=None,
            responses=step_responses(200, detail_serializer, noun, invalid=False),
        ),
        "approve": extend_schema(
            summary=f"Approve the {noun}",
            description=f"Submitted → approved, by the coordinator, with an optional comment. {approve_effect}",
            request=ReviewSerializer,
            responses=step_responses(200, detail_serializer, noun, who=REVIEWER),
        ),
        "return_": extend_schema(
            summary=f"Return the {noun} for correction",
            description=(
                "Submitted → returned, by the coordinator; `comment` says what to correct and is required (400 "
                "naming the field without it). The reporting side corrects and submits again."
            ),
            request=ReturnSerializer,
            responses=step_responses(200, detail_serializer, noun, who=REVIEWER),
        ),
    }


# --- plans -------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List plans",
        description=(
            "Every plan (PVPP2027, the 2020–2023 plan, the 2018 channel-shift plan, ...) with its period, approving "
            "act, predecessor and successor codes, action lines, and its measures counted by status (execution "
            "share = executed / all measures; measures that lost relevance are counted among the not executed). "
            "Readable by every signed-in user." + LIST_NOTE.format(search="the code and the Latvian and English titles")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Plan detail",
        description=(
            "One plan by its code, with its goal, each action line with its measures counted by status, and the "
            "roadmap groups."
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Plans"])
class PlanViewSet(RegistryViewSet):
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_class = PlanFilterSet
    search_fields = ["code", "title_lv", "title_en"]
    ordering_fields = ["order", "code", "start_year", "end_year"]
    ordering = ["order", "-start_year", "code"]

    def get_serializer_class(self):
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer

    def get_queryset(self):
        queryset = Plan.objects.select_related("predecessor", "successor")
        if self.action == "retrieve":
            return queryset.prefetch_related("roadmap_groups")
        lines = ActionLine.objects.order_by("order", "code")
        return queryset.prefetch_related(Prefetch("action_lines", queryset=lines))

    def list(self, request, *args, **kwargs):
        plans = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "counts": execution_by_plan(plans)}
        return self.get_paginated_response(PlanSerializer(plans, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        plan = self.get_object()
        context = {**self.get_serializer_context(), "execution": execution(plan)}
        return Response(PlanDetailSerializer(plan, context=context).data)


# --- measures ----------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List measures",
        description=(
            "Measures of every plan with their text, outputs, deadlines, responsible and co-responsible "
            "institutions, the measures they depend on, roadmap group, status and evidence, where unfinished work "
            "was carried forward and whether the work continues after the plan. `is_overdue`: the last deadline "
            "has passed and the status is not final. Readable by every signed-in user."
            + LIST_NOTE.format(search="the code and the Latvian and English texts")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(summary="Measure detail", description="One measure by id.", parameters=[ACCEPT_LANGUAGE]),
)
@extend_schema(tags=["Measures"])
class MeasureViewSet(RegistryViewSet):
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet
    search_fields = ["code", "text_lv", "text_en"]
    ordering_fields = ["id", "code", "order", "status", "last_deadline", "updated_at"]
    ordering = ["action_line__plan__order", "action_line__plan__code", "action_line__order", "order", "code", "id"]

    def get_queryset(self):
        responsibilities = MeasureResponsibility.objects.select_related("institution").order_by(
            "role", "institution__short_name"
        )
        queryset = Measure.objects.select_related(
            "action_line__plan", "roadmap_group", "carried_forward_to__action_line__plan"
        ).prefetch_related(
            Prefetch("responsibilities", queryset=responsibilities),
            "deadlines",
            Prefetch("depends_on", queryset=Measure.objects.only("pk", "code").order_by("order", "code")),
            "links",
        )
        return with_waiting(with_deadline(queryset))

    @extend_schema(
        summary="Report on a measure",
        description=(
            "A responsible or co-responsible institution's editor (or API client with a write token), or the "
            "coordinator, reports on the measure as a whole: a draft progress update with the status proposed, "
            "evidence and links; `submit: true` submits it for review at once. Approval by the coordinator makes "
            "its status and evidence the measure's own."
        ),
        request=ProgressUpdateCreateSerializer,
        responses={
            201: ProgressUpdateSerializer,
            400: INVALID,
            403: forbidden("only the measure's responsible institutions and the coordinator report on it"),
            404: not_found("measure"),
        },
    )
    @action(detail=True, methods=["post"], url_path="updates", parser_classes=[JSONParser], filter_backends=[])
    def updates(self, request, pk=None):
        measure = self.get_object()
        if not can_report_on_measure(request.user, measure):
            raise PermissionDenied(_("Only the measure's responsible institutions report on it as a whole."))
        return report_update(request, measure=measure)


# --- indicators --------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List indicators",
        description=(
            "Progress indicators of action lines and performance indicators of measures: unit, data source, "
            "baseline, targets per year and `actuals`, the actual of each year — its latest approved report, a "
            "value, a range (`value_min`–`value_max`) or the reason there is none. `reports` lists the reports "
            "not yet approved, only to their reporting institution (all to the coordinator). Readable by every "
            "signed-in user." + LIST_NOTE.format(search="the code and the Latvian and English names")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Indicator detail", description="One indicator by id.", parameters=[ACCEPT_LANGUAGE]
    ),
)
@extend_schema(tags=["Indicators"])
class IndicatorViewSet(RegistryViewSet):
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet
    search_fields = ["code", "name_lv", "name_en"]
    ordering_fields = ["id", "code", "order"]
    ordering = ["plan__order", "plan__code", "order", "code", "id"]

    def get_queryset(self):
        actuals = visible_indicator_actuals(
            self.request.user,
            IndicatorActual.objects.select_related("institution").order_by(*actuals_order()),
        )
        return Indicator.objects.select_related("plan", "action_line", "measure__action_line__plan").prefetch_related(
            "targets", Prefetch("actuals", queryset=actuals, to_attr="visible_actuals")
        )

    @extend_schema(
        summary="Report an indicator's actual",
        description=(
            "An institution reports the indicator's actual for a year of the plan: a single `value`, or a range "
            "`value_min`–`value_max`, or `not_measured_reason_lv` when there is none. `institution` (id or short "
            "name) must be one the user may write for. The report is a draft until submitted (`submit: true` "
            "submits it at once); it counts as the year's actual once the coordinator approves it."
        ),
        request=ActualReportSerializer,
        responses={
            201: ActualSerializer,
            400: INVALID,
            403: forbidden("the user may not write for the institution named (the message names the field)"),
            404: not_found("indicator"),
        },
    )
    @action(detail=True, methods=["post"], url_path="actuals", parser_classes=[JSONParser], filter_backends=[])
    def actuals(self, request, pk=None):
        indicator = self.get_object()
        body = checked_body(ActualReportSerializer, request, indicator=indicator)
        data = body.validated_data
        actual = draft_and_submit(
            request.user,
            lambda: workflow.report_actual(request.user, indicator, data["institution"], data["year"], **body.values()),
            data["submit"],
        )
        return Response(ActualSerializer(actual).data, status=status.HTTP_201_CREATED)


# --- progress updates --------------------------------------------------------------------------------------------


def update_queryset():
    return ProgressUpdate.objects.select_related(
        "institution", "obligation__measure__action_line__plan", "measure__action_line__plan"
    )


def update_data(request, update):
    update = update_queryset().get(pk=update.pk)
    return ProgressUpdateSerializer(update, context={"request": request}).data


def report_update(request, **subject):
    """201 with a new progress update on the `obligation=` or `measure=` the body reports on."""
    body = checked_body(ProgressUpdateCreateSerializer, request)
    update = draft_and_submit(
        request.user,
        lambda: workflow.start_update(request.user, **subject, **body.values()),
        body.validated_data["submit"],
    )
    return Response(update_data(request, update), status=status.HTTP_201_CREATED)


UPDATE_STEPS = review_schemas(
    "progress update",
    ProgressUpdateSerializer,
    "Its status and evidence become the obligation's (or the measure's) own.",
)


@extend_schema_view(
    **UPDATE_STEPS,
    list=extend_schema(
        summary="List progress updates",
        description=(
            "Progress updates of the institutions the user may read (all for the coordinator): on an obligation, "
            "or on a whole measure, each with the status it proposes, evidence, links and its review status "
            "(draft → submitted → approved, or returned with a comment)."
            + LIST_NOTE.format(search="the evidence and the institution's short name")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Progress update detail",
        description="One update by id. An update of an institution outside the user's scope answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
    partial_update=extend_schema(
        summary="Correct a progress update",
        description=f"Change a draft or returned update ({REPORTER}). Only the fields sent change.",
        request=ProgressUpdateChangeSerializer,
        responses=step_responses(200, ProgressUpdateSerializer, "progress update"),
    ),
)
@extend_schema(tags=["Progress updates"])
class ProgressUpdateViewSet(ReviewableViewSet):
    serializer_class = ProgressUpdateSerializer
    detail_serializer = ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilterSet
    search_fields = ["evidence", "institution__short_name"]
    ordering_fields = ["id", "as_of", "created_at", "submitted_at", "reviewed_at", "status"]
    ordering = ["-as_of", "-created_at", "-id"]

    def get_queryset(self):
        return visible_updates(self.request.user, update_queryset())

    def partial_update(self, request, *args, **kwargs):
        update = self.get_object()
        if not workflow.may_report(request.user, update):
            raise PermissionDenied(_("Only the reporting institution corrects its update."))
        if update.status not in workflow.EDITABLE:
            raise Conflict(_("Only a draft or a returned update can be changed."), update.status)
        body = ProgressUpdateChangeSerializer(data=request.data, partial=True, context={"request": request})
        body.is_valid(raise_exception=True)
        update = take_step(update, workflow.edit_update, request.user, update, **body.values())
        return self.step_result(update)


# --- obligations -------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List obligations",
        description=(
            "What each bound institution owes the measures carried out in each institution: status, evidence, due "
            "date (`due`: its own, else the measure's last deadline), started and completed dates, whether it is "
            "overdue (due date passed, status not final) and its newest progress update. The obligations of the "
            "institutions the user may read (all for the coordinator)."
            + LIST_NOTE.format(search="the measure's code and the institution's names and short name")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Obligation detail",
        description="One obligation by id. Another institution's obligation answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Obligations"])
class ObligationViewSet(RegistryViewSet):
    serializer_class = ObligationSerializer
    filterset_class = ObligationFilterSet
    search_fields = ["measure__code", "institution__short_name", "institution__name_lv", "institution__name_en"]
    ordering_fields = [
        "id",
        "status",
        "due_date",
        "started_on",
        "completed_on",
        "updated_at",
        "institution__short_name",
    ]
    ordering = [
        "measure__action_line__plan__order",
        "measure__action_line__order",
        "measure__order",
        "institution__name_lv",
        "id",
    ]

    def get_queryset(self):
        queryset = Obligation.objects.select_related("measure__action_line__plan", "institution")
        return visible_obligations(self.request.user, with_latest_update(with_due_date(queryset)))

    @extend_schema(
        methods=["GET"],
        summary="An obligation's progress updates",
        description="Every progress update of the obligation, newest first, with its review status.",
        responses={200: ProgressUpdateSerializer(many=True), 404: not_found("obligation")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Report on an obligation",
        description=(
            "The institution's editor (or API client with a write token), or the coordinator, reports on the "
            "obligation: a draft progress update with the status proposed, evidence and links; `submit: true` "
            "submits it for review at once. Approval by the coordinator makes its status and evidence the "
            "obligation's own. Viewers and read-only API clients get 403; another institution's obligation 404."
        ),
        request=ProgressUpdateCreateSerializer,
        responses={201: ProgressUpdateSerializer, 400: INVALID, 403: forbidden(REPORTER), 404: not_found("obligation")},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="updates",
        parser_classes=[JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def updates(self, request, pk=None):
        obligation = self.get_object()
        if request.method == "GET":
            updates = update_queryset().filter(obligation=obligation).order_by("-created_at", "-pk")
            return Response(ProgressUpdateSerializer(updates, many=True, context={"request": request}).data)
        if not can_edit_obligation(request.user, obligation):
            raise PermissionDenied(_("Only the institution's editors report on its obligations."))
        return report_update(request, obligation=obligation)


# --- improvement plans -------------------------------------------------------------------------------------------


def items_queryset():
    return ImprovementItem.objects.select_related("service").prefetch_related("gaps")


def editable_plan(user, improvement_plan):
    """The improvement plan, when the user may change it now: 403 when not theirs to change, 409 when its review
    status allows no change."""
    if not can_edit_improvement_plan(user, improvement_plan):
        raise PermissionDenied(_("Only the institution's editors change its improvement plan."))
    if not improvement_plan.is_editable:
        raise Conflict(_("Only a draft or a returned improvement plan can be changed."), improvement_plan.status)
    return improvement_plan


PLAN_STEPS = review_schemas(
    "improvement plan",
    ImprovementPlanDetailSerializer,
    "An approved plan stays as it is; a later change is a new version.",
)
ITEM_NOTE = (
    " `gaps` are ids of conformity questions of the methodology the plan's assessment (`based_on`) answered; "
    "`service` is a catalogue identifier."
)


@extend_schema_view(
    **PLAN_STEPS,
    list=extend_schema(
        summary="List improvement plans",
        description=(
            "Individual improvement plans (PVPP2027 P2.4) of the institutions the user may read (all for the "
            "coordinator), every version, with their review status and number of items."
            + LIST_NOTE.format(search="the summary and the institution's names and short name")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Improvement plan detail",
        description="One improvement plan with its items. Another institution's plan answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
    create=extend_schema(
        summary="Start an improvement plan",
        description=(
            "Version 1 of an institution's improvement plan for a plan, as a draft: `plan` is the plan's code, "
            "`institution` an id or short name the user may write for (403 naming the field otherwise), "
            "`based_on` the id of the institution's own assessment. A second plan for the same plan and "
            "institution is refused: change the existing one, or start a new version of an approved one."
        ),
        request=ImprovementPlanCreateSerializer,
        responses={
            201: ImprovementPlanDetailSerializer,
            400: INVALID,
            403: forbidden("the user may not write for the institution named"),
        },
    ),
    partial_update=extend_schema(
        summary="Change an improvement plan",
        description=(
            "Change the summary or the assessment a draft or returned plan is based on. A new assessment must be "
            "the institution's own, and of the methodology of the gaps its items already address."
        ),
        request=ImprovementPlanChangeSerializer,
        responses=step_responses(200, ImprovementPlanDetailSerializer, "improvement plan"),
    ),
)
@extend_schema(tags=["Improvement plans"])
class ImprovementPlanViewSet(mixins.CreateModelMixin, ReviewableViewSet):
    detail_serializer = ImprovementPlanDetailSerializer
    filterset_class = ImprovementPlanFilterSet
    search_fields = ["summary", "institution__short_name", "institution__name_lv", "institution__name_en"]
    ordering_fields = ["id", "version", "status", "created_at", "submitted_at", "updated_at", "institution__short_name"]
    ordering = ["plan__order", "institution__name_lv", "-version", "id"]

    def get_serializer_class(self):
        return ImprovementPlanSerializer if self.action == "list" else ImprovementPlanDetailSerializer

    def get_queryset(self):
        queryset = ImprovementPlan.objects.select_related("plan", "institution").annotate(item_count=Count("items"))
        if self.action != "list":
            queryset = queryset.prefetch_related(Prefetch("items", queryset=items_queryset()))
        return visible_improvement_plans(self.request.user, queryset)

    def create(self, request, *args, **kwargs):
        body = checked_body(ImprovementPlanCreateSerializer, request)
        try:
            with transaction.atomic():
                improvement_plan = ImprovementPlan.objects.create(
                    version=1, created_by=request.user, **body.validated_data
                )
        except IntegrityError as error:  # a concurrent request started the same plan
            raise ValidationError(
                {"plan": [_("The institution has an improvement plan for this plan already.")]}
            ) from error
        response = self.step_result(improvement_plan)
        response.status_code = status.HTTP_201_CREATED
        return response

    def partial_update(self, request, *args, **kwargs):
        improvement_plan = self.get_object()
        editable_plan(request.user, improvement_plan)
        body = checked_body(ImprovementPlanChangeSerializer, request, improvement_plan=improvement_plan)
        with transaction.atomic():
            locked = ImprovementPlan.objects.select_for_update().get(pk=improvement_plan.pk)
            editable_plan(request.user, locked)
            for name, value in body.validated_data.items():
                setattr(locked, name, value)
            locked.save()
        return self.step_result(locked)

    @extend_schema(
        methods=["GET"],
        summary="Items of an improvement plan",
        description="The plan's items in order." + ITEM_NOTE,
        responses={200: ImprovementItemSerializer(many=True), 404: not_found("improvement plan")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an item to an improvement plan",
        description="Add an item to a draft or returned plan." + ITEM_NOTE,
        request=ImprovementItemSerializer,
        responses=step_responses(201, ImprovementItemSerializer, "improvement plan"),
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="items",
        parser_classes=[JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def items(self, request, pk=None):
        improvement_plan = self.get_object()
        context = {**self.get_serializer_context(), "improvement_plan": improvement_plan}
        if request.method == "GET":
            return Response(ImprovementItemSerializer(improvement_plan.items.all(), many=True, context=context).data)
        editable_plan(request.user, improvement_plan)
        body = ImprovementItemSerializer(data=request.data, context=context)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            item = body.save(improvement_plan=improvement_plan)
        item = items_queryset().get(pk=item.pk)
        return Response(ImprovementItemSerializer(item, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Start a new version",
        description=(
            "A new draft version of an approved or submitted plan, with copies of its items, for changes after "
            "approval; the earlier version stays as it was. Only from the newest version."
        ),
        request=None,
        responses=step_responses(201, ImprovementPlanDetailSerializer, "improvement plan", invalid=False),
    )
    @action(detail=True, methods=["post"], url_path="new-version", filter_backends=[])
    def new_version(self, request, pk=None):
        improvement_plan = self.get_object()
        copy = take_step(improvement_plan, workflow.new_improvement_plan_version, request.user, improvement_plan)
        response = self.step_result(copy)
        response.status_code = status.HTTP_201_CREATED
        return response


@extend_schema_view(
    retrieve=extend_schema(
        summary="Improvement plan item detail",
        description="One item by id. An item of another institution's plan answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
    update=extend_schema(
        summary="Replace an improvement plan item",
        description="Replace every value of an item of a draft or returned plan." + ITEM_NOTE,
        responses=step_responses(200, ImprovementItemSerializer, "improvement plan item"),
    ),
    partial_update=extend_schema(
        summary="Change an improvement plan item",
        description="Change some values of an item of a draft or returned plan." + ITEM_NOTE,
        responses=step_responses(200, ImprovementItemSerializer, "improvement plan item"),
    ),
    destroy=extend_schema(
        summary="Delete an improvement plan item",
        description="Delete an item of a draft or returned plan.",
        responses=step_responses(204, None, "improvement plan item", invalid=False),
    ),
)
@extend_schema(tags=["Improvement plans"])
class ImprovementItemViewSet(mixins.DestroyModelMixin, ScopedViewSet):
    serializer_class = ImprovementItemSerializer
    parser_classes = [JSONParser]

    def get_queryset(self):
        queryset = items_queryset().select_related("improvement_plan__based_on__round")
        return visible_improvement_items(self.request.user, queryset)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "pk" in self.kwargs:
            context["improvement_plan"] = self.get_object().improvement_plan
        return context

    def get_object(self):
        if not hasattr(self, "_item"):
            self._item = super().get_object()
        return self._item

    def update(self, request, *args, **kwargs):
        editable_plan(request.user, self.get_object().improvement_plan)
        with transaction.atomic():
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        editable_plan(request.user, self.get_object().improvement_plan)
        with transaction.atomic():
            return super().destroy(request, *args, **kwargs)
