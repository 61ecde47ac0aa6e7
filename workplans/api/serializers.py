"""REST representations of plans, measures, indicators, obligations, progress updates and improvement plans, and
the bodies the API accepts.

Reads: `title`, `text`, `name`, ... follow the request's language while the `_lv` and `_en` fields are always
present; related rows are named by id and code (an institution by id and short name). Writes are checked here
field by field, each error keyed by its field; who may write is decided by workplans/scoping.py and every step
is taken by workplans/workflow.py.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from assessments.models import Assessment, Question
from institutions.api.serializers import ChoiceLabelField
from institutions.scoping import can_edit_institution
from services.api.serializers import InstitutionLightSerializer, ProviderField, named_choices
from services.models import Service
from services.scoping import visible_services

from ..models import (
    ActionLine,
    Direction,
    EvidenceLink,
    FundingSource,
    ImprovementCategory,
    ImprovementItem,
    ImprovementPlan,
    Indicator,
    IndicatorActual,
    IndicatorResult,
    IndicatorTarget,
    Measure,
    MeasureDeadline,
    MeasureKind,
    MeasureStatus,
    Obligation,
    Plan,
    PlanKind,
    PlanningDocument,
    ProgressUpdate,
    ResponsibilityRole,
    ReviewStatus,
    RoadmapGroup,
)
from ..progress import is_overdue
from ..scoping import indicator_reporting_institutions
from .queries import split_actuals

PlanKindField = named_choices(PlanKind, "PlanKindEnum")
MeasureKindField = named_choices(MeasureKind, "MeasureKindEnum")
MeasureStatusField = named_choices(MeasureStatus, "MeasureStatusEnum")
ReviewStatusField = named_choices(ReviewStatus, "ReviewStatusEnum")
DirectionField = named_choices(Direction, "IndicatorDirectionEnum")
ImprovementCategoryField = named_choices(ImprovementCategory, "ImprovementCategoryEnum")
FundingSourceField = named_choices(FundingSource, "FundingSourceEnum")

TEXT_HELP = "In the request's language; the Latvian text when there is no English one."
INSTITUTION_HELP = gettext_lazy("The institution: its id, or its short name. Answered as the id.")


class InstitutionField(ProviderField):
    """An institution by id or short name; represented by its id."""

    default_error_messages = {"invalid": gettext_lazy("give the institution's id (a number) or its short name")}


def may_write_for(user, institution):
    """The institution, when the user may write for it; 403 naming the `institution` field otherwise."""
    if not can_edit_institution(user, institution):
        message = _("You may not write for %(institution)s: none of your memberships allows editing it.")
        raise PermissionDenied({"institution": [message % {"institution": institution.short_name or institution}]})
    return institution


def link_lines(text):
    """The addresses of a `links` text, one a line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- plans -------------------------------------------------------------------------------------------------------


class MeasureCountsSerializer(serializers.Serializer):
    """progress.StatusCounts: measures counted by status."""

    total = serializers.IntegerField(help_text="All measures.")
    not_started = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    executed = serializers.IntegerField()
    partly_executed = serializers.IntegerField()
    not_executed = serializers.IntegerField()
    lost_relevance = serializers.IntegerField()
    not_executed_total = serializers.IntegerField(help_text="Not executed, including those that lost relevance.")
    execution_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text="Executed / all measures; null without measures."
    )
    carried_forward = serializers.IntegerField(help_text="Measures whose unfinished work was carried forward.")
    counted_as_continuing = serializers.IntegerField(
        help_text="Measures the plan's own summary counts among those whose execution continues."
    )


class ActionLineLightSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text=TEXT_HELP)

    class Meta:
        model = ActionLine
        fields = ["id", "code", "order", "title", "title_lv", "title_en"]
        read_only_fields = fields


class ActionLineExecutionSerializer(serializers.Serializer):
    """An action line of the plan with its measures counted by status (progress.LineExecution)."""

    id = serializers.IntegerField(source="action_line.pk")
    code = serializers.CharField(source="action_line.code")
    order = serializers.IntegerField(source="action_line.order")
    title = serializers.CharField(source="action_line.title", help_text=TEXT_HELP)
    title_lv = serializers.CharField(source="action_line.title_lv")
    title_en = serializers.CharField(source="action_line.title_en")
    budget_note = serializers.CharField(source="action_line.budget_note", help_text=TEXT_HELP)
    indicator_result_note = serializers.CharField(source="action_line.indicator_result_note", help_text=TEXT_HELP)
    counts = MeasureCountsSerializer()


class RoadmapGroupSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text=TEXT_HELP)

    class Meta:
        model = RoadmapGroup
        fields = [
            "code",
            "order",
            "label",
            "label_lv",
            "label_en",
            "start_year",
            "start_quarter",
            "end_year",
            "end_quarter",
            "continues_after_plan",
            "assumed",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-plan-detail", lookup_field="code")
    kind = PlanKindField(choices=PlanKind.choices, read_only=True)
    title = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    period = serializers.CharField(read_only=True, help_text="First–last year.")
    predecessor = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Code of the plan this one continues."
    )
    successor = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Code of the plan that continues this one."
    )
    action_lines = ActionLineLightSerializer(many=True, read_only=True)
    counts = serializers.SerializerMethodField(help_text="The plan's measures counted by status.")

    class Meta:
        model = Plan
        fields = [
            "code",
            "url",
            "kind",
            "title",
            "title_lv",
            "title_en",
            "start_year",
            "end_year",
            "period",
            "approving_act",
            "approved_on",
            "round_number",
            "predecessor",
            "successor",
            "action_lines",
            "counts",
        ]
        read_only_fields = fields

    @extend_schema_field(MeasureCountsSerializer)
    def get_counts(self, plan):
        return MeasureCountsSerializer(self.context["counts"][plan.pk]).data


class PlanDetailSerializer(PlanSerializer):
    """The plan with its goal, its action lines each counted by status (progress.execution) and its roadmap."""

    goal = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    action_lines = serializers.SerializerMethodField(help_text="Action lines with their measures counted by status.")
    roadmap_groups = RoadmapGroupSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "goal", "goal_lv", "goal_en", "source", "roadmap_groups"]
        read_only_fields = fields

    @extend_schema_field(MeasureCountsSerializer)
    def get_counts(self, plan):
        return MeasureCountsSerializer(self.context["execution"].counts).data

    @extend_schema_field(ActionLineExecutionSerializer(many=True))
    def get_action_lines(self, plan):
        return ActionLineExecutionSerializer(self.context["execution"].lines, many=True).data


# --- measures ----------------------------------------------------------------------------------------------------


class MeasureRefSerializer(serializers.ModelSerializer):
    """A measure named by id, code and plan code."""

    plan = serializers.CharField(source="action_line.plan.code", read_only=True, help_text="Code of the plan.")

    class Meta:
        model = Measure
        fields = ["id", "code", "plan"]
        read_only_fields = fields


class DeadlineSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text=TEXT_HELP)

    class Meta:
        model = MeasureDeadline
        fields = ["due_on", "label", "label_lv", "label_en", "as_written"]
        read_only_fields = fields


class EvidenceLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceLink
        fields = ["label", "url"]
        read_only_fields = fields


class CarriedForwardSerializer(serializers.Serializer):
    """Where the measure's unfinished work continues: a later measure, an external project, a note."""

    measure = MeasureRefSerializer(source="carried_forward_to", read_only=True, allow_null=True)
    project = serializers.CharField(source="carried_forward_project", read_only=True)
    note = serializers.CharField(source="carried_forward_note", read_only=True, help_text=TEXT_HELP)
    note_lv = serializers.CharField(source="carried_forward_note_lv", read_only=True)
    note_en = serializers.CharField(source="carried_forward_note_en", read_only=True)


class MeasureSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-measure-detail")
    plan = serializers.CharField(source="action_line.plan.code", read_only=True, help_text="Code of the plan.")
    action_line = serializers.CharField(source="action_line.code", read_only=True, help_text="Code of the line.")
    text = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    outputs = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    evidence = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    kind = MeasureKindField(choices=MeasureKind.choices, read_only=True)
    status = MeasureStatusField(choices=MeasureStatus.choices, read_only=True)
    status_display = ChoiceLabelField(MeasureStatus, source="status")
    responsible = serializers.SerializerMethodField(help_text="The responsible institutions.")
    co_responsible = serializers.SerializerMethodField(help_text="The co-responsible institutions.")
    deadlines = DeadlineSerializer(many=True, read_only=True)
    last_deadline = serializers.DateField(read_only=True, allow_null=True, help_text="The latest of the deadlines.")
    is_overdue = serializers.SerializerMethodField(
        help_text="The last deadline has passed and the status is not final."
    )
    waiting = serializers.BooleanField(
        read_only=True, help_text="The status is not final and a measure it depends on is not started or in progress."
    )
    depends_on = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Codes of the measures this one waits for."
    )
    roadmap_group = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Code of the plan's roadmap row."
    )
    links = EvidenceLinkSerializer(many=True, read_only=True, help_text="Evidence links.")
    is_carried_forward = serializers.BooleanField(read_only=True)
    carried_forward = CarriedForwardSerializer(source="*", read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id",
            "url",
            "plan",
            "action_line",
            "code",
            "official_number",
            "order",
            "text",
            "text_lv",
            "text_en",
            "kind",
            "outputs",
            "outputs_lv",
            "outputs_en",
            "responsible_text",
            "responsible",
            "co_responsible",
            "in_each_institution",
            "deadlines",
            "last_deadline",
            "is_overdue",
            "depends_on",
            "waiting",
            "roadmap_group",
            "continues_after_plan",
            "status",
            "status_display",
            "evidence",
            "evidence_lv",
            "evidence_en",
            "links",
            "is_carried_forward",
            "carried_forward",
            "counted_as_continuing",
            "updated_at",
        ]
        read_only_fields = fields

    def _institutions(self, measure, role):
        return InstitutionLightSerializer(
            [row.institution for row in measure.responsibilities.all() if row.role == role], many=True
        ).data

    @extend_schema_field(InstitutionLightSerializer(many=True))
    def get_responsible(self, measure):
        return self._institutions(measure, ResponsibilityRole.RESPONSIBLE)

    @extend_schema_field(InstitutionLightSerializer(many=True))
    def get_co_responsible(self, measure):
        return self._institutions(measure, ResponsibilityRole.CO_RESPONSIBLE)

    def get_is_overdue(self, measure) -> bool:
        return is_overdue(measure.status, measure.last_deadline, timezone.localdate())


# --- progress updates --------------------------------------------------------------------------------------------


class ProgressUpdateSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-progress-update-detail")
    obligation = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The obligation reported on; null for a whole-measure update."
    )
    measure = MeasureRefSerializer(source="subject_measure", read_only=True, help_text="The measure reported on.")
    institution = InstitutionLightSerializer(read_only=True, help_text="The reporting institution.")
    proposed_status = MeasureStatusField(choices=MeasureStatus.choices, read_only=True)
    proposed_status_display = ChoiceLabelField(MeasureStatus, source="proposed_status")
    links = serializers.SerializerMethodField(help_text="Evidence addresses.")
    status = ReviewStatusField(choices=ReviewStatus.choices, read_only=True)
    status_display = ChoiceLabelField(ReviewStatus, source="status")

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "url",
            "obligation",
            "measure",
            "institution",
            "proposed_status",
            "proposed_status_display",
            "evidence",
            "links",
            "as_of",
            "status",
            "status_display",
            "review_comment",
            "created_at",
            "submitted_at",
            "reviewed_at",
        ]
        read_only_fields = fields

    def get_links(self, update) -> list[str]:
        return link_lines(update.links)


class ProgressUpdateChangeSerializer(serializers.Serializer):
    """What an update reports: the status proposed, the evidence, links, and the date it speaks of."""

    proposed_status = MeasureStatusField(choices=MeasureStatus.choices, help_text="The status reported.")
    evidence = serializers.CharField(required=False, allow_blank=True, default="", help_text="What was done.")
    links = serializers.ListField(
        child=serializers.URLField(max_length=500), required=False, default=list, help_text="Evidence addresses."
    )
    as_of = serializers.DateField(required=False, help_text="The date the report speaks of; today when left out.")

    def validate_as_of(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The report cannot speak of a day that has not come yet."))
        return value

    def values(self):
        """The validated data as workflow.start_update and edit_update take them."""
        values = {name: value for name, value in self.validated_data.items() if name != "submit"}
        if "links" in values:
            values["links"] = "\n".join(values["links"])
        return values


class ProgressUpdateCreateSerializer(ProgressUpdateChangeSerializer):
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit for review at once instead of keeping a draft."
    )


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The reviewer's comment (optional on approval)."
    )


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="What should be corrected (required).")


class ReviewConflictSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Why the step is not possible now.")
    status = ReviewStatusField(choices=ReviewStatus.choices, help_text="The current review status.")


# --- obligations -------------------------------------------------------------------------------------------------


class LatestUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="latest_update_id")
    status = ReviewStatusField(choices=ReviewStatus.choices, source="latest_update_status")
    proposed_status = MeasureStatusField(choices=MeasureStatus.choices, source="latest_update_proposed_status")
    as_of = serializers.DateField(source="latest_update_as_of")


class ObligationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-obligation-detail")
    measure = MeasureRefSerializer(read_only=True)
    institution = InstitutionLightSerializer(read_only=True)
    status = MeasureStatusField(choices=MeasureStatus.choices, read_only=True)
    status_display = ChoiceLabelField(MeasureStatus, source="status")
    due = serializers.DateField(
        source="due_date",
        read_only=True,
        allow_null=True,
        help_text="The obligation's own due date, else the measure's last deadline.",
    )
    is_overdue = serializers.SerializerMethodField(help_text="The due date has passed and the status is not final.")
    latest_update = serializers.SerializerMethodField(help_text="The newest progress update; null without any.")

    class Meta:
        model = Obligation
        fields = [
            "id",
            "url",
            "measure",
            "institution",
            "status",
            "status_display",
            "evidence",
            "due_on",
            "due",
            "is_overdue",
            "started_on",
            "completed_on",
            "voluntary",
            "latest_update",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, obligation) -> bool:
        return is_overdue(obligation.status, obligation.due_date, timezone.localdate())

    @extend_schema_field(LatestUpdateSerializer(allow_null=True))
    def get_latest_update(self, obligation):
        if obligation.latest_update_id is None:
            return None
        return LatestUpdateSerializer(obligation).data


# --- indicators --------------------------------------------------------------------------------------------------

VALUE_FIELDS = ["value", "value_min", "value_max", "not_measured_reason", "not_measured_reason_lv",
                "not_measured_reason_en", "note"]  # fmt: skip


class TargetSerializer(serializers.ModelSerializer):
    not_measured_reason = serializers.CharField(read_only=True, help_text=TEXT_HELP)

    class Meta:
        model = IndicatorTarget
        fields = ["year", *VALUE_FIELDS]
        read_only_fields = fields


class ActualSerializer(serializers.ModelSerializer):
    """A value, or a range (`value_min`–`value_max`), or the reason there is none."""

    not_measured_reason = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    institution = InstitutionLightSerializer(read_only=True, allow_null=True, help_text="The reporting institution.")
    status = ReviewStatusField(choices=ReviewStatus.choices, read_only=True)
    status_display = ChoiceLabelField(ReviewStatus, source="status")

    class Meta:
        model = IndicatorActual
        fields = [
            "id",
            "year",
            *VALUE_FIELDS,
            "institution",
            "status",
            "status_display",
            "review_comment",
            "submitted_at",
            "reviewed_at",
        ]
        read_only_fields = fields


class IndicatorSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-indicator-detail")
    plan = serializers.CharField(source="plan.code", read_only=True, help_text="Code of the plan.")
    action_line = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Code of the action line it measures."
    )
    measure = MeasureRefSerializer(read_only=True, allow_null=True, help_text="The measure it measures.")
    name = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    unit = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    data_source = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    direction = DirectionField(choices=Direction.choices, read_only=True)
    result = serializers.ChoiceField(choices=IndicatorResult.choices, allow_blank=True, read_only=True)
    result_note = serializers.CharField(read_only=True, help_text=TEXT_HELP)
    targets = TargetSerializer(many=True, read_only=True)
    actuals = serializers.SerializerMethodField(help_text="The actual of each year: its latest approved report.")
    reports = serializers.SerializerMethodField(
        help_text="Reports not approved (draft, submitted, returned) — only the reporting institution's own."
    )

    class Meta:
        model = Indicator
        fields = [
            "id",
            "url",
            "plan",
            "action_line",
            "measure",
            "code",
            "order",
            "name",
            "name_lv",
            "name_en",
            "unit",
            "unit_lv",
            "unit_en",
            "unit_note",
            "data_source",
            "data_source_lv",
            "data_source_en",
            "direction",
            "baseline_year",
            "baseline_value",
            "targets",
            "actuals",
            "reports",
            "result",
            "result_note",
            "result_note_lv",
            "result_note_en",
        ]
        read_only_fields = fields

    @extend_schema_field(ActualSerializer(many=True))
    def get_actuals(self, indicator):
        counted, _pending = split_actuals(indicator.visible_actuals)
        return ActualSerializer(counted, many=True).data

    @extend_schema_field(ActualSerializer(many=True))
    def get_reports(self, indicator):
        _counted, pending = split_actuals(indicator.visible_actuals)
        return ActualSerializer(pending, many=True).data


class ActualReportSerializer(serializers.Serializer):
    """One year's actual: a single `value`, or a range `value_min`–`value_max`, or `not_measured_reason_lv`."""

    institution = InstitutionField(help_text=INSTITUTION_HELP)
    year = serializers.IntegerField(help_text="Within the plan's period.")
    value = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True)
    value_min = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True)
    value_max = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True)
    not_measured_reason_lv = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    not_measured_reason_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit for review at once instead of keeping a draft."
    )

    def validate_institution(self, institution):
        user, indicator = self.context["request"].user, self.context["indicator"]
        may_write_for(user, institution)
        if not indicator_reporting_institutions(user, indicator).filter(pk=institution.pk).exists():
            message = _("%(institution)s is not responsible for a measure this indicator measures.")
            raise PermissionDenied({"institution": [message % {"institution": institution.short_name or institution}]})
        return institution

    def validate_year(self, year):
        plan = self.context["indicator"].plan
        if not plan.start_year <= year <= plan.end_year:
            raise serializers.ValidationError(
                _("The plan runs from %(start)s to %(end)s.") % {"start": plan.start_year, "end": plan.end_year}
            )
        return year

    def validate(self, attrs):
        value, low, high = attrs.get("value"), attrs.get("value_min"), attrs.get("value_max")
        reason = attrs.get("not_measured_reason_lv", "")
        if value is not None:
            extra = [name for name in ("value_min", "value_max") if attrs.get(name) is not None]
            if extra:
                raise serializers.ValidationError(
                    {name: [_("Give a single value or a range, not both.")] for name in extra}
                )
        elif low is not None or high is not None:
            if low is None or high is None:
                missing = "value_min" if low is None else "value_max"
                raise serializers.ValidationError({missing: [_("A range needs both ends.")]})
            if high < low:
                raise serializers.ValidationError({"value_max": [_("The highest value is below the lowest.")]})
        elif not reason:
            raise serializers.ValidationError(
                {"value": [_("Give a value, a range (value_min and value_max), or why there is none.")]}
            )
        return attrs

    def values(self):
        """The validated data as workflow.report_actual takes them."""
        return {
            name: value for name, value in self.validated_data.items() if name not in ("institution", "year", "submit")
        }


# --- improvement plans -------------------------------------------------------------------------------------------


class GapField(serializers.PrimaryKeyRelatedField):
    """A conformity gap addressed: a question of the methodology the improvement plan's assessment answered."""

    def get_queryset(self):
        improvement_plan = self.context.get("improvement_plan")
        if improvement_plan is None or improvement_plan.based_on_id is None:
            return Question.objects.none()
        return Question.objects.filter(area__methodology_id=improvement_plan.based_on.round.methodology_id)


class ServiceField(serializers.SlugRelatedField):
    """A service the user may read, by its catalogue identifier."""

    def get_queryset(self):
        return visible_services(self.context["request"].user, Service.objects.all())


class ImprovementItemSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-improvement-item-detail")
    improvement_plan = serializers.PrimaryKeyRelatedField(read_only=True)
    category = ImprovementCategoryField(choices=ImprovementCategory.choices)
    gaps = GapField(
        many=True,
        required=False,
        help_text="Ids of the conformity questions (gaps) addressed; they must belong to the methodology of the "
        "assessment the improvement plan is based on.",
    )
    gap_codes = serializers.SerializerMethodField(help_text="Codes of the gaps addressed.")
    service = ServiceField(
        slug_field="catalogue_id", required=False, allow_null=True, help_text="Catalogue identifier of the service."
    )
    funding_source = FundingSourceField(choices=FundingSource.choices)
    planning_document = serializers.ChoiceField(choices=PlanningDocument.choices, required=False, allow_blank=True)
    status = MeasureStatusField(choices=MeasureStatus.choices, required=False)
    status_display = ChoiceLabelField(MeasureStatus, source="status")

    class Meta:
        model = ImprovementItem
        fields = [
            "id",
            "url",
            "improvement_plan",
            "order",
            "category",
            "gaps",
            "gap_codes",
            "service",
            "action",
            "deadline",
            "responsible_person",
            "funding_source",
            "amount",
            "additional_needed",
            "planning_document",
            "planning_reference",
            "status",
            "status_display",
            "evidence",
        ]
        extra_kwargs = {"amount": {"min_value": 0}, "additional_needed": {"min_value": 0}}

    def get_gap_codes(self, item) -> list[str]:
        return [question.code for question in item.gaps.all()]

    def to_internal_value(self, data):
        gaps = data.get("gaps") if hasattr(data, "get") else None
        if gaps and self.context["improvement_plan"].based_on_id is None:
            raise serializers.ValidationError(
                {"gaps": [_("The improvement plan is based on no assessment: set its assessment first.")]}
            )
        return super().to_internal_value(data)


class ImprovementPlanSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-improvement-plan-detail")
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="Code of the plan.")
    institution = InstitutionLightSerializer(read_only=True)
    based_on = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the conformity assessment it is based on."
    )
    status = ReviewStatusField(choices=ReviewStatus.choices, read_only=True)
    status_display = ChoiceLabelField(ReviewStatus, source="status")
    is_editable = serializers.BooleanField(read_only=True, help_text="A draft or a returned plan can be changed.")
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImprovementPlan
        fields = [
            "id",
            "url",
            "plan",
            "institution",
            "version",
            "based_on",
            "summary",
            "status",
            "status_display",
            "is_editable",
            "review_comment",
            "item_count",
            "created_at",
            "submitted_at",
            "reviewed_at",
            "updated_at",
        ]
        read_only_fields = fields


class ImprovementPlanDetailSerializer(ImprovementPlanSerializer):
    items = ImprovementItemSerializer(many=True, read_only=True)

    class Meta(ImprovementPlanSerializer.Meta):
        fields = [*ImprovementPlanSerializer.Meta.fields, "items"]
        read_only_fields = fields


class BasedOnField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Assessment.objects.select_related("round"))
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Id of the institution's own assessment the plan is based on.")
        super().__init__(**kwargs)


def check_based_on(assessment, institution):
    if assessment is not None and assessment.institution_id != institution.pk:
        raise serializers.ValidationError({"based_on": [_("The assessment is not this institution's.")]})


class ImprovementPlanCreateSerializer(serializers.Serializer):
    plan = serializers.SlugRelatedField(slug_field="code", queryset=Plan.objects.all(), help_text="Code of the plan.")
    institution = InstitutionField(help_text=INSTITUTION_HELP)
    based_on = BasedOnField()
    summary = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_institution(self, institution):
        return may_write_for(self.context["request"].user, institution)

    def validate(self, attrs):
        check_based_on(attrs.get("based_on"), attrs["institution"])
        latest = (
            ImprovementPlan.objects.filter(plan=attrs["plan"], institution=attrs["institution"])
            .order_by("-version")
            .first()
        )
        if latest is not None:
            raise serializers.ValidationError(
                {
                    "plan": [
                        _(
                            "The institution has an improvement plan for this plan already (version %(version)s): "
                            "change it, or start a new version of it."
                        )
                        % {"version": latest.version}
                    ]
                }
            )
        return attrs


class ImprovementPlanChangeSerializer(serializers.Serializer):
    based_on = BasedOnField()
    summary = serializers.CharField(required=False, allow_blank=True)

    def validate_based_on(self, assessment):
        improvement_plan = self.context["improvement_plan"]
        check_based_on(assessment, improvement_plan.institution)
        methodology_id = assessment.round.methodology_id if assessment is not None else None
        stray = Question.objects.filter(improvement_items__improvement_plan=improvement_plan)
        if methodology_id is not None:
            stray = stray.exclude(area__methodology_id=methodology_id)
        if stray.exists():
            raise serializers.ValidationError(
                _("Items of this plan address gaps of another methodology: change those items first.")
            )
        return assessment
