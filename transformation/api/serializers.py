"""REST representations of transformation projects, measurements, the indicator library, oversight decisions,
shared components and service reviews, and the bodies the API accepts.

Reads: `name`, `description`, ... follow the request's language while the `_lv` and `_en` fields are always
present; an institution is named by id and short name, a service by its catalogue identifier, an indicator and a
shared component by their codes. Writes are checked here field by field; who may write is decided by
transformation/scoping.py (403 naming the field), and project steps are taken by transformation/workflow.py.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from institutions.api.serializers import ChoiceLabelField
from institutions.scoping import can_edit_institution
from services.api.serializers import InstitutionLightSerializer, ProviderField, named_choices
from services.models import Service
from services.scoping import visible_services

from .. import reviews
from ..models import (
    DECIDED_STATUSES,
    CatalogueSource,
    ComponentInstitution,
    ComponentKind,
    ComponentProject,
    ComponentStatus,
    CostEvidence,
    DecisionKind,
    DecisionStatus,
    FundingSource,
    GoodDirection,
    IndicatorScope,
    Measurement,
    MeasurementPhase,
    MeasurementSource,
    MemberRole,
    MonetaryRole,
    OversightDecision,
    PhaseKind,
    PhaseStatus,
    ProjectMember,
    ProjectPhase,
    ProjectStatus,
    ResultIndicator,
    ReviewKind,
    ServiceReview,
    SharedComponent,
    TransformationProject,
    ValueKind,
)
from ..scoping import (
    can_edit_project,
    editable_projects,
    indicator_owner_choices,
    is_coordinator,
    project_indicators,
    reviewable_services,
    visible_projects,
)


def enum_field(choices, component_name):
    """A ChoiceField factory over `choices`, documented as the schema component `component_name`."""
    field_class = named_choices(choices, component_name)

    def make(**kwargs):
        return field_class(choices=choices.choices, **kwargs)

    return make


ProjectStatusField = enum_field(ProjectStatus, "TransformationProjectStatusEnum")
ProjectFundingField = enum_field(FundingSource, "TransformationFundingSourceEnum")
MemberRoleField = enum_field(MemberRole, "ProjectMemberRoleEnum")
PhaseKindField = enum_field(PhaseKind, "ProjectPhaseKindEnum")
PhaseStatusField = enum_field(PhaseStatus, "ProjectPhaseStatusEnum")
MeasurementPhaseField = enum_field(MeasurementPhase, "MeasurementPhaseEnum")
MeasurementSourceField = enum_field(MeasurementSource, "MeasurementSourceEnum")
ValueKindField = enum_field(ValueKind, "ResultIndicatorValueKindEnum")
GoodDirectionField = enum_field(GoodDirection, "ResultIndicatorDirectionEnum")
IndicatorScopeField = enum_field(IndicatorScope, "ResultIndicatorScopeEnum")
CatalogueSourceField = enum_field(CatalogueSource, "ResultIndicatorCatalogueSourceEnum")
MonetaryRoleField = enum_field(MonetaryRole, "ResultIndicatorMonetaryRoleEnum")
DecisionKindField = enum_field(DecisionKind, "OversightDecisionKindEnum")
DecisionStatusField = enum_field(DecisionStatus, "OversightDecisionStatusEnum")
ComponentKindField = enum_field(ComponentKind, "SharedComponentKindEnum")
ComponentStatusField = enum_field(ComponentStatus, "SharedComponentStatusEnum")
ReviewKindField = enum_field(ReviewKind, "ServiceReviewKindEnum")

NAME_HELP = "In the request's language; the Latvian text when there is no English one."


class InstitutionField(ProviderField):
    """An institution by id or short name; represented by its id."""

    default_error_messages = {"invalid": gettext_lazy("give the institution's id (a number) or its short name")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The institution: its id, or its short name. Answered as the id.")
        super().__init__(**kwargs)


def may_write_for(user, institution, field="institution"):
    """The institution, when the user may write for it; 403 naming the field otherwise."""
    if institution is not None and not can_edit_institution(user, institution):
        message = _("You may not write for {institution}: none of your memberships allows editing it.")
        raise PermissionDenied({field: [message.format(institution=institution.short_name)]})
    return institution


def model_clean(instance):
    """Run the model's own checks, reported as a 400 keyed by field."""
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.message_dict) from error


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- projects ----------------------------------------------------------------------------------------------------


class ProjectMemberSerializer(serializers.ModelSerializer):
    role = MemberRoleField()
    role_label = ChoiceLabelField(MemberRole, source="role")

    class Meta:
        model = ProjectMember
        fields = ["id", "person_name", "email", "role", "role_label"]
        read_only_fields = fields


class ProjectPhaseSerializer(serializers.ModelSerializer):
    kind = PhaseKindField()
    kind_label = ChoiceLabelField(PhaseKind, source="kind")
    status = PhaseStatusField()
    status_label = ChoiceLabelField(PhaseStatus, source="status")

    class Meta:
        model = ProjectPhase
        fields = [
            "id",
            "kind",
            "kind_label",
            "order",
            "status",
            "status_label",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "note",
        ]
        read_only_fields = fields


class ProjectSerializer(serializers.ModelSerializer):
    institution = InstitutionField()
    institution_detail = InstitutionLightSerializer(source="institution", read_only=True)
    services = serializers.SlugRelatedField(
        slug_field="catalogue_id",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        help_text="The services concerned, by catalogue identifier (services the user may see).",
    )
    status = ProjectStatusField(read_only=True)
    status_label = ChoiceLabelField(ProjectStatus, source="status")
    funding_source = ProjectFundingField(required=False, allow_blank=True)

    class Meta:
        model = TransformationProject
        fields = [
            "id",
            "institution",
            "institution_detail",
            "services",
            "name",
            "goal",
            "status",
            "status_label",
            "funding_source",
            "planned_start",
            "planned_end",
            "started_on",
            "closed_on",
            "appraisal_years",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["started_on", "closed_on", "is_demo", "created_at", "updated_at"]

    def validate_institution(self, institution):
        if self.instance is not None and institution != self.instance.institution:
            raise serializers.ValidationError(_("A project cannot move to another institution."))
        return may_write_for(_user(self), institution)

    def validate_services(self, services):
        visible = set(
            visible_services(_user(self)).filter(pk__in=[s.pk for s in services]).values_list("pk", flat=True)
        )
        unknown = [service.catalogue_id for service in services if service.pk not in visible]
        if unknown:
            raise serializers.ValidationError(_("Unknown services: {ids}.").format(ids=", ".join(unknown)))
        return services

    def validate(self, attrs):
        start = attrs.get("planned_start", getattr(self.instance, "planned_start", None))
        end = attrs.get("planned_end", getattr(self.instance, "planned_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"planned_end": [_("The end cannot come before the start.")]})
        if self.instance is not None and not self.instance.is_open:
            raise serializers.ValidationError({"detail": [_("A closed or cancelled project can no longer change.")]})
        return attrs


class ProjectDetailSerializer(ProjectSerializer):
    members = ProjectMemberSerializer(many=True, read_only=True)
    phases = ProjectPhaseSerializer(many=True, read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "members", "phases"]


class StepSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="The day of the step; today when absent.")


class PrefillRequestSerializer(serializers.Serializer):
    phase = MeasurementPhaseField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    overwrite = serializers.BooleanField(
        default=False, help_text="Also replace values entered by hand (by default only pre-filled ones are updated)."
    )

    def validate(self, attrs):
        if attrs["period_end"] < attrs["period_start"]:
            raise serializers.ValidationError({"period_end": [_("The end cannot come before the start.")]})
        return attrs


class EvaluationRowSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    name = serializers.CharField(source="indicator.name")
    unit = serializers.CharField(source="indicator.unit")
    value_kind = serializers.CharField(source="indicator.value_kind")
    good_direction = serializers.CharField(source="indicator.good_direction")
    mandatory = serializers.BooleanField()
    baseline = serializers.DecimalField(max_digits=30, decimal_places=4, source="baseline_value", allow_null=True)
    interim = serializers.DecimalField(max_digits=30, decimal_places=4, source="interim_value", allow_null=True)
    final = serializers.DecimalField(max_digits=30, decimal_places=4, source="final_value", allow_null=True)
    delta = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True, help_text="final − baseline")
    delta_percent = serializers.DecimalField(
        max_digits=30, decimal_places=2, allow_null=True, help_text="(final − baseline) / |baseline| × 100"
    )
    outcome = serializers.CharField(help_text="gain, loss, unchanged or not_classed")
    outcome_label = serializers.CharField()
    missing_phases = serializers.ListField(child=serializers.CharField())


class CostBenefitSerializer(serializers.Serializer):
    investment = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    running_cost = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    benefit = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    years = serializers.IntegerField()
    total_benefit = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    total_expenditure = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    net_benefit = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    benefit_cost_ratio = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True)
    return_on_investment = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True)
    yearly_net_benefit = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    payback_years = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    complete = serializers.BooleanField()


class EvaluationSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    rows = EvaluationRowSerializer(many=True)
    cost_benefit = CostBenefitSerializer()
    gains = serializers.IntegerField()
    losses = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    not_classed = serializers.IntegerField()


# --- measurements ------------------------------------------------------------------------------------------------


class MeasurementSerializer(serializers.ModelSerializer):
    project = serializers.PrimaryKeyRelatedField(queryset=TransformationProject.objects.all())
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=ResultIndicator.objects.all(), help_text="The indicator's code."
    )
    phase = MeasurementPhaseField()
    phase_label = ChoiceLabelField(MeasurementPhase, source="phase")
    source = MeasurementSourceField(read_only=True)
    measured_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Measurement
        fields = [
            "id",
            "project",
            "indicator",
            "phase",
            "phase_label",
            "period_start",
            "period_end",
            "value",
            "text_value",
            "source",
            "source_note",
            "note",
            "measured_by",
            "measured_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["source_note", "created_at", "updated_at"]
        # validate() checks the one-per-phase rule, naming the phase
        validators = []

    def validate_project(self, project):
        user = _user(self)
        if not visible_projects(user).filter(pk=project.pk).exists():
            raise serializers.ValidationError(_("No such project."))
        if not can_edit_project(user, project):
            raise PermissionDenied({"project": [_("You may read this project but not record its measurements.")]})
        if not project.is_open:
            raise serializers.ValidationError(_("A closed or cancelled project's measurements can no longer change."))
        if self.instance is not None and project != self.instance.project:
            raise serializers.ValidationError(_("A measurement cannot move to another project."))
        return project

    def validate(self, attrs):
        project = attrs.get("project") or self.instance.project
        if self.instance is not None and not self.instance.project.is_open:
            raise serializers.ValidationError(
                {"project": [_("A closed or cancelled project's measurements can no longer change.")]}
            )
        indicator = attrs.get("indicator") or self.instance.indicator
        if not project_indicators(project).filter(pk=indicator.pk).exists():
            raise serializers.ValidationError({"indicator": [_("This indicator is not available to the project.")]})
        phase = attrs.get("phase") or self.instance.phase
        duplicate = Measurement.objects.filter(project=project, indicator=indicator, phase=phase)
        if self.instance is not None:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise serializers.ValidationError(
                {"phase": [_("The project already has a measurement of this indicator in this phase.")]}
            )
        candidate = Measurement(**{**self._current(), **attrs})
        model_clean(candidate)
        return attrs

    def _current(self):
        if self.instance is None:
            return {}
        return {
            field: getattr(self.instance, field)
            for field in ("project", "indicator", "phase", "value", "text_value", "period_start", "period_end")
        }

    def _entered(self, validated_data):
        # A value written through the API is entered by hand, even over a pre-filled one.
        validated_data["source"] = MeasurementSource.ENTERED
        validated_data["source_note"] = ""
        validated_data["measured_by"] = _user(self)
        return validated_data

    def create(self, validated_data):
        return super().create(self._entered(validated_data))

    def update(self, instance, validated_data):
        return super().update(instance, self._entered(validated_data))


# --- indicators --------------------------------------------------------------------------------------------------


class ResultIndicatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    value_kind = ValueKindField()
    good_direction = GoodDirectionField(required=False)
    scope = IndicatorScopeField(required=False)
    catalogue_source = CatalogueSourceField(required=False, allow_blank=True)
    monetary_role = MonetaryRoleField(required=False, allow_blank=True)
    owner_institution = InstitutionField(required=False, allow_null=True)

    class Meta:
        model = ResultIndicator
        fields = [
            "id",
            "code",
            "source_number",
            "order",
            "name",
            "name_lv",
            "name_en",
            "description_lv",
            "description_en",
            "unit",
            "value_kind",
            "good_direction",
            "mandatory",
            "scope",
            "owner_institution",
            "collection_method_lv",
            "collection_method_en",
            "catalogue_source",
            "monetary_role",
            "active",
        ]
        read_only_fields = ["source_number"]

    def validate(self, attrs):
        user = _user(self)
        default_scope = IndicatorScope.LIBRARY if is_coordinator(user) else IndicatorScope.INSTITUTION
        scope = attrs.get("scope", getattr(self.instance, "scope", default_scope))
        owner = attrs.get("owner_institution", getattr(self.instance, "owner_institution", None))
        if not is_coordinator(user):
            if scope != IndicatorScope.INSTITUTION:
                raise PermissionDenied({"scope": [_("Only the coordinator defines national indicators.")]})
            if owner is None or not indicator_owner_choices(user).filter(pk=owner.pk).exists():
                raise PermissionDenied({"owner_institution": [_("You may add indicators only for your institution.")]})
            if attrs.get("mandatory"):
                raise serializers.ValidationError({"mandatory": [_("An institution's own indicator is optional.")]})
        attrs["scope"] = scope
        candidate = ResultIndicator(**{**self._current(), **attrs})
        model_clean(candidate)
        if (scope == IndicatorScope.INSTITUTION) != (owner is not None):
            raise serializers.ValidationError(
                {"owner_institution": [_("An institution's own indicator names its institution; no other does.")]}
            )
        if attrs.get("monetary_role") and candidate.value_kind != ValueKind.MONEY:
            raise serializers.ValidationError({"monetary_role": [_("Only a money indicator has a cost–benefit role.")]})
        if candidate.value_kind == ValueKind.TEXT and (
            candidate.good_direction != GoodDirection.NONE or candidate.catalogue_source
        ):
            raise serializers.ValidationError(
                {"value_kind": [_("A text indicator has no good direction and no catalogue source.")]}
            )
        return attrs

    def _current(self):
        if self.instance is None:
            return {}
        names = [field.name for field in ResultIndicator._meta.concrete_fields if field.name != "id"]
        return {name: getattr(self.instance, name) for name in names if name != "owner_institution"} | {
            "owner_institution": self.instance.owner_institution
        }


# --- oversight ---------------------------------------------------------------------------------------------------


class CostEvidenceSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="catalogue_id", read_only=True)
    provider = InstitutionLightSerializer(read_only=True)

    class Meta:
        model = CostEvidence
        fields = [
            "service",
            "provider",
            "year",
            "cost_per_transaction",
            "peer_median",
            "peer_ratio",
            "peer_count",
            "is_outlier",
            "note",
        ]
        read_only_fields = fields


class OversightDecisionSerializer(serializers.ModelSerializer):
    kind = DecisionKindField()
    kind_label = ChoiceLabelField(DecisionKind, source="kind")
    status = DecisionStatusField(required=False)
    status_label = ChoiceLabelField(DecisionStatus, source="status")
    institution = InstitutionField(required=False, allow_null=True)
    services = serializers.SlugRelatedField(
        slug_field="catalogue_id", queryset=Service.objects.all(), many=True, required=False
    )
    project = serializers.PrimaryKeyRelatedField(
        queryset=TransformationProject.objects.all(), required=False, allow_null=True
    )
    shared_component = serializers.SlugRelatedField(
        slug_field="code", queryset=SharedComponent.objects.all(), required=False, allow_null=True
    )
    measurements = serializers.PrimaryKeyRelatedField(queryset=Measurement.objects.all(), many=True, required=False)
    cost_evidence = CostEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = OversightDecision
        fields = [
            "id",
            "reference",
            "title",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "proposed_on",
            "decided_on",
            "text",
            "institution",
            "services",
            "project",
            "shared_component",
            "measurements",
            "evidence_text",
            "cost_evidence",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_demo", "created_at", "updated_at"]

    def validate(self, attrs):
        status = attrs.get("status", getattr(self.instance, "status", DecisionStatus.PROPOSED))
        decided = attrs.get("decided_on", getattr(self.instance, "decided_on", None))
        proposed = attrs.get("proposed_on", getattr(self.instance, "proposed_on", None))
        if status in DECIDED_STATUSES and not decided:
            raise serializers.ValidationError({"decided_on": [_("A decided decision has a decision date.")]})
        if decided and proposed and decided < proposed:
            raise serializers.ValidationError({"decided_on": [_("The decision cannot come before the proposal.")]})
        return attrs


class OversightCandidateSerializer(serializers.Serializer):
    service = serializers.CharField(source="service.catalogue_id")
    service_name = serializers.CharField(source="service.name")
    provider = InstitutionLightSerializer()
    year = serializers.IntegerField()
    cost_per_transaction = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True)
    peer_median = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True)
    peer_ratio = serializers.DecimalField(max_digits=30, decimal_places=6, allow_null=True)
    peer_count = serializers.IntegerField()
    direction = serializers.CharField(help_text="high, low, or empty when the peer figures are withheld")
    withheld = serializers.BooleanField(help_text="The peer median and ratio are withheld: fewer than five peers.")


# --- shared components -------------------------------------------------------------------------------------------


class ComponentInstitutionSerializer(serializers.ModelSerializer):
    institution = InstitutionLightSerializer(read_only=True)

    class Meta:
        model = ComponentInstitution
        fields = ["institution", "since", "note"]
        read_only_fields = fields


class ComponentProjectSerializer(serializers.ModelSerializer):
    project = serializers.PrimaryKeyRelatedField(read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = ComponentProject
        fields = ["project", "project_name", "since", "note"]
        read_only_fields = fields


class SharedComponentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    kind = ComponentKindField()
    status = ComponentStatusField(required=False)
    owner_institution = InstitutionField(required=False, allow_null=True)
    institution_uses = ComponentInstitutionSerializer(many=True, read_only=True)
    project_uses = serializers.SerializerMethodField()

    class Meta:
        model = SharedComponent
        fields = [
            "id",
            "code",
            "name",
            "name_lv",
            "name_en",
            "kind",
            "status",
            "owner_institution",
            "description_lv",
            "description_en",
            "url",
            "institution_uses",
            "project_uses",
        ]

    @extend_schema_field(ComponentProjectSerializer(many=True))
    def get_project_uses(self, component):
        """Only the projects the reader may see."""
        visible = self.context.get("visible_project_ids")
        uses = [use for use in component.project_uses.all() if visible is None or use.project_id in visible]
        return ComponentProjectSerializer(uses, many=True).data


# --- reviews -----------------------------------------------------------------------------------------------------


class ServiceReviewSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(
        slug_field="catalogue_id", queryset=Service.objects.all(), help_text="The service's catalogue identifier."
    )
    kind = ReviewKindField()
    kind_label = ChoiceLabelField(ReviewKind, source="kind")
    reviewer_institution = InstitutionField()
    project = serializers.PrimaryKeyRelatedField(
        queryset=TransformationProject.objects.all(), required=False, allow_null=True
    )
    next_due = serializers.SerializerMethodField()

    class Meta:
        model = ServiceReview
        fields = [
            "id",
            "service",
            "kind",
            "kind_label",
            "reviewed_on",
            "reviewer_institution",
            "project",
            "finding",
            "next_due",
            "is_demo",
            "created_at",
        ]
        read_only_fields = ["is_demo", "created_at"]

    @extend_schema_field(serializers.DateField())
    def get_next_due(self, review):
        """reviewed on + N years (the current review-cycle parameter)."""
        cycle = self.context.get("cycle_years") or reviews.current_parameters().cycle_years
        return reviews.add_years(review.reviewed_on, cycle)

    def validate_service(self, service):
        user = _user(self)
        if not visible_services(user).filter(pk=service.pk).exists():
            raise serializers.ValidationError(_("No such service."))
        if not reviewable_services(user).filter(pk=service.pk).exists():
            raise PermissionDenied(
                {"service": [_("Only the coordinator and the service's holder record its reviews.")]}
            )
        return service

    def validate_reviewer_institution(self, institution):
        return may_write_for(_user(self), institution, field="reviewer_institution")

    def validate_project(self, project):
        if project is not None and not editable_projects(_user(self)).filter(pk=project.pk).exists():
            raise serializers.ValidationError(_("No such project."))
        return project


class ReviewDueSerializer(serializers.Serializer):
    service = serializers.CharField(source="service.catalogue_id")
    service_name = serializers.CharField(source="service.name")
    holder = InstitutionLightSerializer(source="service.holder")
    kind = ReviewKindField()
    kind_label = serializers.CharField()
    last_reviewed_on = serializers.DateField(source="last_review.reviewed_on", allow_null=True, default=None)
    due_on = serializers.DateField()
    status = serializers.CharField(help_text="overdue, due_soon or scheduled")
    status_label = serializers.CharField()
    days_left = serializers.IntegerField(help_text="Negative when overdue.")
