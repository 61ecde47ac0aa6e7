"""REST endpoints of the self-assessments: methodology versions, rounds and assessments; an organisation's
editors write answers and submit over the API as they do in the web forms.

Who sees and does what is decided by assessments/workflow.py alone: an assessment outside
`visible_assessments` does not exist for the user (404); a step the user may not take answers 403; answers are
checked by the web form's AnswerForm and saved by `workflow.save_answers` with the revision they were read
at, so a save over someone else's newer answers answers 409 with both values, and a submission with missing
mandatory answers or evidence answers 400 with the list. Methodologies are readable by every signed-in user.
Each queryset joins or prefetches everything its serializer shows.
"""

import django_filters
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from config.api import API_THROTTLES, RequestLanguageMixin
from institutions.api.views import ACCEPT_LANGUAGE, LIST_NOTE, RegistryViewSet
from institutions.filtersets import SearchFilterSet
from services.api.serializers import provider_key
from services.filtersets import CharInFilter

from .. import workflow
from ..forms import AnswerForm, json_to_form_data
from ..models import (
    Area,
    Assessment,
    AssessmentStatus,
    Family,
    Methodology,
    Question,
    QuestionType,
    Round,
    RoundStatus,
    Score,
)
from .serializers import (
    AnswersRequestSerializer,
    AnswersSavedSerializer,
    AssessmentDetailSerializer,
    AssessmentSerializer,
    ConflictSerializer,
    MethodologyDetailSerializer,
    MethodologySerializer,
    MissingSerializer,
    RoundOpenSerializer,
    RoundSerializer,
)

NOT_FOUND = OpenApiResponse(description="No such assessment among those the user may read.")
FORBIDDEN_STEP = OpenApiResponse(
    description="The user may read the assessment but not take this step (not an editor of the organisation, "
    "or the assessment is submitted, approved, an older version, or its round is closed)."
)


# --- filters ---------------------------------------------------------------------------------------------------


class MethodologyFilterSet(SearchFilterSet):
    search_fields = ("name_lv", "name_en")

    family = django_filters.MultipleChoiceFilter(choices=Family.choices, label=gettext_lazy("Family"))
    year = django_filters.NumberFilter(label=gettext_lazy("Year"))

    class Meta:
        model = Methodology
        fields = ["family", "year", "version"]


class RoundFilterSet(SearchFilterSet):
    search_fields = ("name_lv", "name_en")

    year = django_filters.NumberFilter(label=gettext_lazy("Year"))
    status = django_filters.MultipleChoiceFilter(choices=RoundStatus.choices, label=gettext_lazy("Status"))
    family = django_filters.MultipleChoiceFilter(
        field_name="methodology__family", choices=Family.choices, label=gettext_lazy("Family")
    )
    methodology = django_filters.NumberFilter(field_name="methodology_id", label=gettext_lazy("Methodology (id)"))

    class Meta:
        model = Round
        fields = ["year", "status", "family", "methodology"]


class AssessmentFilterSet(SearchFilterSet):
    search_fields = ("institution__name_lv", "institution__name_en", "institution__short_name")

    round = django_filters.NumberFilter(field_name="round_id", label=gettext_lazy("Round (id)"))
    year = django_filters.NumberFilter(field_name="round__year", label=gettext_lazy("Year"))
    family = django_filters.MultipleChoiceFilter(
        field_name="round__methodology__family", choices=Family.choices, label=gettext_lazy("Family")
    )
    institution = CharInFilter(method="filter_institution", label=gettext_lazy("Organisation (ids or short names)"))
    status = django_filters.MultipleChoiceFilter(choices=AssessmentStatus.choices, label=gettext_lazy("Status"))
    is_current = django_filters.BooleanFilter(label=gettext_lazy("Current version"))
    is_demo = django_filters.BooleanFilter(label=gettext_lazy("Demo data"))

    class Meta:
        model = Assessment
        fields = ["round", "year", "family", "institution", "status", "is_current", "is_demo"]

    def filter_institution(self, queryset, name, values):
        keys = [key for key in map(provider_key, values) if key is not None]
        ids = [value for kind, value in keys if kind == "pk"]
        short_names = [value for kind, value in keys if kind == "short_name"]
        return queryset.filter(Q(institution_id__in=ids) | Q(institution__short_name__in=short_names))


# --- permissions -----------------------------------------------------------------------------------------------


class CoordinatorOpensRounds(BasePermission):
    message = gettext_lazy("Only the coordinator opens assessment rounds.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or workflow.can_open_round(request.user)


# --- methodologies ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List methodology versions",
        description=(
            "Every version of the E-index (institutions, municipalities) and PVPP2027 conformity methodologies, "
            "with the overall level thresholds (a score reaches a level from its threshold on; level 1 from 0) and "
            "whether it is frozen. Readable by every signed-in user."
            + LIST_NOTE.format(search="the Latvian and English names")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Methodology version detail",
        description=(
            "One version with its areas (weight, thresholds, scored or not), their questions (type, mandatory, "
            "“not applicable” allowed, evidence required, target degree), each question's options with points "
            "and number or percent bands with points."
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Methodologies"])
class MethodologyViewSet(RegistryViewSet):
    filterset_class = MethodologyFilterSet
    search_fields = ["name_lv", "name_en"]
    ordering_fields = ["id", "family", "version", "year", "created_at"]
    ordering = ["family", "-version"]

    def get_serializer_class(self):
        return MethodologyDetailSerializer if self.action == "retrieve" else MethodologySerializer

    def get_queryset(self):
        submitted = Assessment.objects.filter(round__methodology=OuterRef("pk")).exclude(status=AssessmentStatus.DRAFT)
        queryset = Methodology.objects.annotate(frozen=Exists(submitted))
        if self.action == "retrieve":
            questions = Question.objects.order_by("order", "code").prefetch_related("options", "bands")
            areas = Area.objects.order_by("order", "code").prefetch_related(Prefetch("questions", queryset=questions))
            queryset = queryset.prefetch_related(Prefetch("areas", queryset=areas))
        return queryset


# --- rounds ----------------------------------------------------------------------------------------------------


def counted_by_status(user):
    """Annotations counting the current versions of a round's assessments that `user` may read, by status."""
    visible = Q()
    if not (user.is_authenticated and user.is_coordinator):
        visible = Q(assessments__pk__in=workflow.visible_assessments(user).values("pk"))
    current = Q(assessments__is_current=True) & visible
    counts = {"count_total": Count("assessments", filter=current)}
    for value in AssessmentStatus.values:
        counts[f"count_{value}"] = Count("assessments", filter=current & Q(assessments__status=value))
    return counts


@extend_schema_view(
    list=extend_schema(
        summary="List assessment rounds",
        description=(
            "Rounds in which the user may read at least one assessment (every round for the coordinator), with "
            "the methodology version asked for and the current assessments the user may read, counted by status."
            + LIST_NOTE.format(search="the Latvian and English names")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Assessment round detail",
        description="One round by id. A round without an assessment the user may read answers 404.",
        parameters=[ACCEPT_LANGUAGE],
    ),
    create=extend_schema(
        summary="Open an assessment round",
        description=(
            "Coordinator only. Opens a round of one methodology version with a deadline and creates an empty "
            "draft assessment for every organisation chosen, by the rules of the web form: the deadline may not "
            "be in the past and at least one active organisation must match the selection."
        ),
        request=RoundOpenSerializer,
        responses={
            201: RoundSerializer,
            400: OpenApiResponse(description="Invalid: the body maps each field to its messages."),
            403: OpenApiResponse(description="The user is not the coordinator."),
        },
    ),
)
@extend_schema(tags=["Assessment rounds"])
class RoundViewSet(
    RequestLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    throttle_classes = API_THROTTLES
    permission_classes = [IsAuthenticated, CoordinatorOpensRounds]
    serializer_class = RoundSerializer
    filterset_class = RoundFilterSet
    search_fields = ["name_lv", "name_en"]
    ordering_fields = ["id", "year", "deadline", "opened_at", "name_lv"]
    ordering = ["-year", "-opened_at", "-id"]

    def get_queryset(self):
        user = self.request.user
        queryset = Round.objects.select_related("methodology").annotate(**counted_by_status(user))
        if not (user.is_authenticated and user.is_coordinator):
            queryset = queryset.filter(pk__in=workflow.visible_assessments(user).values("round_id"))
        return queryset

    def create(self, request, *args, **kwargs):
        body = RoundOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            round_ = workflow.open_round(
                data["methodology"],
                data["organisations"],
                data["deadline"],
                request.user,
                name_lv=data["name_lv"],
                name_en=data["name_en"],
                year=data["year"],
            )
        except workflow.NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except workflow.WorkflowError as error:
            raise ValidationError({"detail": str(error)}) from error
        round_ = self.get_queryset().get(pk=round_.pk)
        return Response(self.get_serializer(round_).data, status=status.HTTP_201_CREATED)


# --- assessments -----------------------------------------------------------------------------------------------


def side_values(answer, prefix, option_codes):
    values = {
        "options": list(getattr(answer, f"{prefix}options") or []),
        "number": getattr(answer, f"{prefix}number"),
        "text": getattr(answer, f"{prefix}text"),
        "not_applicable": getattr(answer, f"{prefix}not_applicable"),
        "comment": getattr(answer, f"{prefix}comment"),
    }
    values["option_codes"] = [option_codes.get(int(pk), "") for pk in values["options"]]
    return values


def answer_rows(assessment, user):
    """The stored answers in questionnaire order, with the expert's side only for those who may see it, and
    the points of an answer the expert decided hidden from those who may not."""
    questions = {question.pk: question for question in workflow.methodology_questions(assessment)}
    option_codes = {option.pk: option.code for q in questions.values() for option in q.options.all()}
    show_expert = workflow.can_see_expert_answers(user, assessment)
    rows = []
    order = {pk: position for position, pk in enumerate(questions)}  # methodology_questions' order
    for answer in sorted(assessment.answers.all(), key=lambda answer: order[answer.question_id]):
        question = questions[answer.question_id]
        hidden = answer.expert_answered and not show_expert
        own = side_values(answer, "", option_codes)
        own.update(evidence_url=answer.evidence_url, has_evidence_file=bool(answer.evidence_file))
        rows.append(
            {
                "question": question.pk,
                "question_code": question.code,
                "area": question.area.code,
                "answer": own,
                "expert": side_values(answer, "expert_", option_codes)
                if show_expert and answer.expert_answered
                else None,
                "points": None if hidden else answer.points,
                "obtainable": None if hidden else answer.obtainable,
                "updated_at": answer.updated_at,
            }
        )
    return rows


def _find(key, by_id, by_code):
    """The row named by `key`: an id (a number, or a string of digits that is no code) or a code."""
    if isinstance(key, int):
        return by_id.get(key)
    return by_code.get(key) or (by_id.get(int(key)) if key.isascii() and key.isdigit() else None)


def _option_ids(question, keys):
    """The ids of the options named by id or code, and the keys that name none of the question's options."""
    by_id = {option.pk: option for option in question.options.all()}
    by_code = {option.code: option for option in question.options.all()}
    ids, unknown = [], []
    for key in keys:
        option = _find(key, by_id, by_code)
        if option is None:
            unknown.append(str(key))
        else:
            ids.append(option.pk)
    return ids, unknown


def _item_values(question, item):
    """One question's sent answer checked by the web form: (values to save, errors by field)."""
    sent = {name: value for name, value in item.items() if name != "question"}
    form = AnswerForm(question, side="self")
    errors = {}
    for name in sent:
        if name not in form.fields:
            errors[name] = [_("This question takes no “%(field)s”.") % {"field": name}]
    if "options" in sent and "options" in form.fields:
        ids, unknown = _option_ids(question, sent["options"])
        if unknown:
            errors["options"] = [_("No option “%(value)s” in this question.") % {"value": key} for key in unknown]
        elif question.question_type != QuestionType.MULTIPLE and len(ids) > 1:
            errors["options"] = [_("Choose one option.")]
        sent["options"] = ids
    if errors:
        return None, errors
    form = AnswerForm(question, side="self", data=json_to_form_data(question, sent))
    if not form.is_valid():
        return None, {field: list(messages) for field, messages in form.errors.items()}
    return {name: value for name, value in form.values().items() if name in sent}, {}


def checked_answers(assessment, items):
    """{question id: values} of the answers sent, each checked by AnswerForm; ValidationError listing the
    problems of every item (by position, then field) when any is wrong."""
    questions = list(workflow.methodology_questions(assessment))
    by_id = {question.pk: question for question in questions}
    by_code = {question.code: question for question in questions}
    values, errors = {}, []
    for item in items:
        question = _find(item["question"], by_id, by_code)
        if question is None:
            errors.append(
                {"question": [_("No question “%(value)s” in this assessment.") % {"value": item["question"]}]}
            )
        elif question.pk in values:
            errors.append({"question": [_("This question is sent twice.")]})
        else:
            saved, problems = _item_values(question, item)
            errors.append(problems)
            if saved is not None:
                values[question.pk] = saved
    if any(errors):
        raise ValidationError({"answers": errors})
    return values


def conflict_body(conflict):
    return {
        "detail": str(conflict),
        "revision": conflict.revision,
        "conflicts": [
            {
                "question": item.question.pk,
                "question_code": item.question.code,
                "stored": {name: value for name, value in item.stored.items() if name in item.sent},
                "sent": item.sent,
            }
            for item in conflict.items
        ],
    }


def missing_body(refused):
    return {
        "detail": str(refused),
        "missing": [
            {
                "question": item.question.pk,
                "question_code": item.question.code,
                "area": item.area.code,
                "text": item.question.text,
                "reason": item.reason,
                "reason_display": item.reason_label,
            }
            for item in refused.missing
        ],
    }


def progress_of(assessment):
    progress = workflow.progress(assessment)
    return {"answered": progress.answered, "mandatory": progress.mandatory, "percent": progress.percent}


@extend_schema_view(
    list=extend_schema(
        summary="List assessments",
        description=(
            "Assessments the user may read: every one for the coordinator; an expert's review work (submitted or "
            "later, assigned to them or to nobody); otherwise those of the user's organisations. Each carries its "
            "status, progress (mandatory questions answered) and stored scores per area and overall with level, "
            "trend (↑/↓ for more than 5 points since the previous round), ☆ for a level reached for the first "
            "time, and rank in the peer group. Every version is listed; filter `is_current=true` for the current "
            "ones." + LIST_NOTE.format(search="the organisation's names and short name")
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
    retrieve=extend_schema(
        summary="Assessment detail",
        description=(
            "One assessment with its answers: the organisation's and, once the review is over (or for its "
            "reviewer and the coordinator), the expert's, which counts where given. An assessment outside the "
            "user's scope answers 404."
        ),
        parameters=[ACCEPT_LANGUAGE],
    ),
)
@extend_schema(tags=["Assessments"])
class AssessmentViewSet(RegistryViewSet):
    filterset_class = AssessmentFilterSet
    search_fields = ["institution__name_lv", "institution__name_en", "institution__short_name"]
    ordering_fields = ["id", "round__year", "institution__short_name", "status", "updated_at", "submitted_at"]
    ordering = ["-round__year", "round_id", "institution__short_name", "-version"]

    def get_serializer_class(self):
        return AssessmentDetailSerializer if self.action == "retrieve" else AssessmentSerializer

    def get_queryset(self):
        queryset = Assessment.objects.select_related("round__methodology", "institution").prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("area"))
        )
        return workflow.visible_assessments(self.request.user, workflow.with_progress(queryset))

    def retrieve(self, request, *args, **kwargs):
        return Response(self.detail_data(self.get_object()))

    def detail_data(self, assessment):
        context = {**self.get_serializer_context(), "answers": answer_rows(assessment, self.request.user)}
        return AssessmentDetailSerializer(assessment, context=context).data

    def fresh(self, assessment):
        """The assessment re-read with its annotations, after a step changed it."""
        return self.get_queryset().get(pk=assessment.pk)

    @extend_schema(
        summary="Save answers",
        description=(
            "The organisation's editors (and the coordinator) save answers while the assessment is a draft or "
            "returned and its round is open, with the web form's checks. Each answer names its question by id or "
            "code and its options by id or code; only the fields sent change, the others keep their stored "
            "values (evidence files are uploaded on the web page). `revision` is the assessment's revision when "
            "the answers were read: when someone else saved since and an answer sent would overwrite one they "
            "changed, nothing is saved and the answer is 409 with the stored and the sent values of each such "
            "question and the stored revision."
        ),
        request=AnswersRequestSerializer,
        responses={
            200: AnswersSavedSerializer,
            400: OpenApiResponse(
                description="Invalid: `answers` lists, per answer sent, its problems by field ({} when none)."
            ),
            403: FORBIDDEN_STEP,
            404: NOT_FOUND,
            409: OpenApiResponse(ConflictSerializer, description="Someone else changed these answers since."),
        },
    )
    @action(detail=True, methods=["post"], url_path="answers", parser_classes=[JSONParser], filter_backends=[])
    def answers(self, request, pk=None):
        assessment = self.get_object()
        if not workflow.can_edit_answers(request.user, assessment):
            raise PermissionDenied(_("You may not change the answers of this assessment."))
        body = AnswersRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = checked_answers(assessment, body.validated_data["answers"])
        try:
            workflow.save_answers(assessment, values, request.user, body.validated_data["revision"])
        except workflow.Conflict as conflict:
            return Response(ConflictSerializer(conflict_body(conflict)).data, status=status.HTTP_409_CONFLICT)
        except workflow.NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except workflow.WorkflowError as error:
            raise ValidationError({"detail": str(error)}) from error
        result = {"revision": assessment.revision, "saved": sorted(values), "progress": progress_of(assessment)}
        return Response(AnswersSavedSerializer(result).data)

    @extend_schema(
        summary="Submit for review",
        description=(
            "Draft or returned → submitted, by the organisation's editors (or the coordinator). Refused with 400 "
            "and the list of what is missing — mandatory questions without an answer, answers without the "
            "evidence their question requires — in questionnaire order. Answers 200 with the submitted "
            "assessment."
        ),
        request=None,
        responses={
            200: AssessmentDetailSerializer,
            400: OpenApiResponse(MissingSerializer, description="Mandatory answers or evidence are missing."),
            403: FORBIDDEN_STEP,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], url_path="submit", filter_backends=[])
    def submit(self, request, pk=None):
        assessment = self.get_object()
        try:
            workflow.submit(assessment, request.user)
        except workflow.MissingAnswers as refused:
            return Response(MissingSerializer(missing_body(refused)).data, status=status.HTTP_400_BAD_REQUEST)
        except workflow.NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except workflow.WorkflowError as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response(self.detail_data(self.fresh(assessment)))
