"""REST representations of methodologies, rounds and assessments, and the bodies the API accepts.

Reads are plain: `name` and `text` follow the request's language while the `_lv` and `_en` fields are always
present. Writes are checked by the rules the web pages use: a round through RoundOpenForm, each answer through
AnswerForm (assessments/forms.py), and every step through assessments/workflow.py, which alone decides who may
do what.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from institutions.api.serializers import NAME_HELP, ChoiceLabelField
from institutions.models import Institution
from services.api.serializers import InstitutionLightSerializer, named_choices, provider_key

from .. import methodologies
from ..forms import RoundOpenForm
from ..models import (
    Area,
    Assessment,
    AssessmentStatus,
    Band,
    Family,
    MaturityLevel,
    Methodology,
    Option,
    Question,
    QuestionType,
    Round,
    RoundStatus,
    Score,
)
from ..workflow import Selection

FamilyField = named_choices(Family, "MethodologyFamilyEnum")
QuestionTypeField = named_choices(QuestionType, "QuestionTypeEnum")
AssessmentStatusField = named_choices(AssessmentStatus, "AssessmentStatusEnum")
RoundStatusField = named_choices(RoundStatus, "RoundStatusEnum")
TrendField = named_choices(Score.Trend, "ScoreTrendEnum")

THRESHOLD_FIELDS = ["threshold_2", "threshold_3", "threshold_4", "threshold_5"]
KEY_OR_CODE = {"oneOf": [{"type": "integer"}, {"type": "string"}]}


# --- methodologies ---------------------------------------------------------------------------------------------


class OptionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)

    class Meta:
        model = Option
        fields = ["id", "code", "order", "name", "name_lv", "name_en", "points"]
        read_only_fields = fields


class BandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Band
        fields = ["lower", "upper", "points"]
        read_only_fields = fields
        extra_kwargs = {
            "lower": {"help_text": "The band holds values from `lower`…"},
            "upper": {"help_text": "…below `upper`; null: no upper bound."},
        }


class QuestionSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True, help_text="The question in the request's language.")
    help = serializers.CharField(read_only=True, help_text="The help text in the request's language.")
    question_type = QuestionTypeField(choices=QuestionType.choices, read_only=True)
    target_points = serializers.SerializerMethodField(
        help_text="The target degree's points (the conformity methodology: “Target degree: N” in the help text); "
        "null when the question has none."
    )
    options = OptionSerializer(many=True, read_only=True)
    bands = BandSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "code",
            "order",
            "text",
            "text_lv",
            "text_en",
            "help",
            "help_lv",
            "help_en",
            "question_type",
            "mandatory",
            "allows_not_applicable",
            "evidence_required",
            "max_points",
            "target_points",
            "options",
            "bands",
        ]
        read_only_fields = fields

    # A decimal string like every other decimal of the API, or null.
    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_target_points(self, question):
        target = methodologies.target_points(question)
        return None if target is None else str(target)


class AreaSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Area
        fields = [
            "id",
            "code",
            "order",
            "name",
            "name_lv",
            "name_en",
            "weight",
            "scored",
            *THRESHOLD_FIELDS,
            "questions",
        ]
        read_only_fields = fields


class MethodologySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-methodology-detail")
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    description = serializers.CharField(read_only=True, help_text="The description in the request's language.")
    family = FamilyField(choices=Family.choices, read_only=True)
    family_display = ChoiceLabelField(Family, source="family")
    is_frozen = serializers.BooleanField(
        source="frozen",
        read_only=True,
        help_text="True once an assessment of this version was submitted: it is never changed again.",
    )

    class Meta:
        model = Methodology
        fields = [
            "id",
            "url",
            "family",
            "family_display",
            "version",
            "year",
            "name",
            "name_lv",
            "name_en",
            "description",
            "defaults_note",
            *THRESHOLD_FIELDS,
            "based_on",
            "is_frozen",
            "is_demo",
            "created_at",
        ]
        read_only_fields = fields


class MethodologyDetailSerializer(MethodologySerializer):
    areas = AreaSerializer(many=True, read_only=True)

    class Meta(MethodologySerializer.Meta):
        fields = [*MethodologySerializer.Meta.fields, "areas"]
        read_only_fields = fields


class MethodologyLightSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    family = FamilyField(choices=Family.choices, read_only=True)

    class Meta:
        model = Methodology
        fields = ["id", "family", "version", "year", "name"]
        read_only_fields = fields


# --- rounds ----------------------------------------------------------------------------------------------------


class StatusCountsSerializer(serializers.Serializer):
    """Current versions of the round's assessments that the user may read, by status."""

    total = serializers.IntegerField(source="count_total")
    draft = serializers.IntegerField(source="count_draft")
    submitted = serializers.IntegerField(source="count_submitted")
    returned = serializers.IntegerField(source="count_returned")
    approved = serializers.IntegerField(source="count_approved")


class RoundSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-assessment-round-detail")
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    methodology = MethodologyLightSerializer(read_only=True)
    status = RoundStatusField(choices=RoundStatus.choices, read_only=True)
    assessments = StatusCountsSerializer(source="*", read_only=True)

    class Meta:
        model = Round
        fields = [
            "id",
            "url",
            "name",
            "name_lv",
            "name_en",
            "year",
            "deadline",
            "status",
            "methodology",
            "opened_at",
            "is_demo",
            "assessments",
        ]
        read_only_fields = fields


@extend_schema_field(KEY_OR_CODE)
class InstitutionKeyField(serializers.Field):
    """An organisation by id or short name."""

    default_error_messages = {"invalid": gettext_lazy("give the organisation's id (a number) or its short name")}

    def to_internal_value(self, data):
        key = provider_key(data)
        if key is None:
            self.fail("invalid")
        return key

    def to_representation(self, value):
        return value


class RoundOpenSerializer(serializers.Serializer):
    """The body of POST /assessment-rounds/: the web form's fields, checked by the web form."""

    methodology = serializers.IntegerField(help_text="Id of the methodology version the round asks for.")
    name_lv = serializers.CharField(max_length=255)
    name_en = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    year = serializers.IntegerField(help_text="The year assessed.")
    deadline = serializers.DateField(help_text="Not in the past.")
    selection = serializers.ChoiceField(
        choices=[Selection.ROUND1, Selection.POLICY, Selection.MUNICIPALITIES, Selection.CHOSEN],
        default=Selection.CHOSEN,
        help_text="Which active organisations are asked: those bound by the 1st-round work plan (`round1`), those "
        "under the service governance policy (`policy`), every municipality (`municipalities`), or those listed in "
        "`institutions` (`chosen`).",
    )
    institutions = serializers.ListField(
        child=InstitutionKeyField(), required=False, default=list, help_text="With `chosen`: ids or short names."
    )

    def validate(self, attrs):
        ids, unknown = resolve_institutions(attrs["institutions"])
        if unknown:
            raise serializers.ValidationError(
                {
                    "institutions": [
                        _("no organisation with id or short name “%(value)s”") % {"value": v} for v in unknown
                    ]
                }
            )
        form = RoundOpenForm(
            data={
                "methodology": attrs["methodology"],
                "name_lv": attrs["name_lv"],
                "name_en": attrs["name_en"],
                "year": attrs["year"],
                "deadline": attrs["deadline"].isoformat(),
                "selection": attrs["selection"],
                "institutions": ids,
            }
        )
        if not form.is_valid():
            raise serializers.ValidationError({field: list(messages) for field, messages in form.errors.items()})
        return form.cleaned_data


def resolve_institutions(keys):
    """Ids of the organisations named by id or short name, and the keys that name none."""
    ids, unknown = [], []
    for kind, value in keys:
        found = Institution.objects.filter(**{kind: value}).values_list("pk", flat=True).first()
        if found is None:
            unknown.append(value)
        else:
            ids.append(found)
    return ids, unknown


# --- assessments -----------------------------------------------------------------------------------------------


class RoundLightSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    methodology = MethodologyLightSerializer(read_only=True)

    class Meta:
        model = Round
        fields = ["id", "name", "year", "deadline", "methodology"]
        read_only_fields = fields


class ProgressSerializer(serializers.Serializer):
    answered = serializers.IntegerField(help_text="Mandatory questions answered.")
    mandatory = serializers.IntegerField(help_text="Mandatory questions.")
    percent = serializers.IntegerField(help_text="answered / mandatory as a whole percentage (100 when none).")


class ScoreSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True, allow_null=True, help_text="The area's code.")
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True, help_text=NAME_HELP)
    level_display = ChoiceLabelField(MaturityLevel, source="level")
    trend = TrendField(
        choices=Score.Trend.choices,
        read_only=True,
        help_text="`up` or `down`: changed by more than 5 points since the previous round.",
    )
    new_level = serializers.BooleanField(
        read_only=True, help_text="The level was reached for the first time (☆); never on a first round."
    )
    peer_group = serializers.CharField(
        read_only=True,
        help_text="`tier:<development tier>` for a municipality, `sector:<ministry id>` for an institution of a "
        "ministry sector, empty for none.",
    )
    rank = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Rank (1, 2, 2, 4) among the counted assessments of the round in the same peer group; null "
        "for an assessment that is not counted (a draft, an older version) or has no peer group.",
    )

    class Meta:
        model = Score
        fields = [
            "area",
            "area_name",
            "points",
            "obtainable",
            "score",
            "level",
            "level_display",
            "previous_score",
            "trend",
            "new_level",
            "peer_group",
            "rank",
            "computed_at",
        ]
        read_only_fields = fields


class AnswerSideSerializer(serializers.Serializer):
    """One side of an answer: the organisation's or the expert's."""

    options = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the chosen options.")
    option_codes = serializers.ListField(child=serializers.CharField(), help_text="Codes of the chosen options.")
    number = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    text = serializers.CharField(allow_blank=True)
    not_applicable = serializers.BooleanField()
    comment = serializers.CharField(allow_blank=True)


class SelfAnswerSerializer(AnswerSideSerializer):
    evidence_url = serializers.CharField(allow_blank=True)
    has_evidence_file = serializers.BooleanField(help_text="A file is attached (files are uploaded on the web page).")


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(help_text="The question's id.")
    question_code = serializers.CharField()
    area = serializers.CharField(help_text="The area's code.")
    answer = SelfAnswerSerializer(help_text="The organisation's answer.")
    expert = AnswerSideSerializer(
        allow_null=True,
        help_text="The expert's answer, which counts where given; null when there is none or the user may not see "
        "it yet (the organisation sees it once the review is over).",
    )
    points = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        help_text="Points of the answer that counts, as the last scoring wrote them; null for an unscored or "
        "“not applicable” answer, or one decided by an expert answer the user may not see yet.",
    )
    obtainable = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    updated_at = serializers.DateTimeField()


class AssessmentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-assessment-detail")
    round = RoundLightSerializer(read_only=True)
    institution = InstitutionLightSerializer(read_only=True)
    status = AssessmentStatusField(choices=AssessmentStatus.choices, read_only=True)
    status_display = ChoiceLabelField(AssessmentStatus, source="status")
    revision = serializers.IntegerField(
        read_only=True, help_text="Send it back with the answers: a save based on an older revision may conflict."
    )
    progress = serializers.SerializerMethodField()
    overall = serializers.SerializerMethodField(help_text="The overall score; null before the first scoring.")
    areas = serializers.SerializerMethodField(help_text="The score of each scored area, in the methodology's order.")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "url",
            "round",
            "institution",
            "version",
            "is_current",
            "status",
            "status_display",
            "revision",
            "submitted_at",
            "approved_at",
            "updated_at",
            "is_demo",
            "progress",
            "overall",
            "areas",
        ]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, assessment):
        mandatory, answered = assessment.mandatory_count, assessment.answered_count
        percent = 100 if not mandatory else round(100 * answered / mandatory)
        return {"answered": answered, "mandatory": mandatory, "percent": percent}

    @extend_schema_field(ScoreSerializer(allow_null=True))
    def get_overall(self, assessment):
        overall = next((score for score in assessment.scores.all() if score.area_id is None), None)
        return None if overall is None else ScoreSerializer(overall, context=self.context).data

    @extend_schema_field(ScoreSerializer(many=True))
    def get_areas(self, assessment):
        scores = sorted(
            (score for score in assessment.scores.all() if score.area_id is not None),
            key=lambda score: (score.area.order, score.area.code),
        )
        return ScoreSerializer(scores, many=True, context=self.context).data


class AssessmentDetailSerializer(AssessmentSerializer):
    review_comment = serializers.CharField(read_only=True)
    answers = serializers.SerializerMethodField(help_text="Every stored answer, in questionnaire order.")

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "review_comment", "answers"]
        read_only_fields = fields

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, assessment):
        return AnswerSerializer(self.context["answers"], many=True).data


# --- writing answers and submitting --------------------------------------------------------------------------------


@extend_schema_field(KEY_OR_CODE)
class KeyOrCodeField(serializers.Field):
    """A question or option by id (a number) or code (a string); looked up by the view."""

    default_error_messages = {"invalid": gettext_lazy("give an id (a number) or a code (a string)")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or (isinstance(data, str) and not data.strip()):
            self.fail("invalid")
        return data.strip() if isinstance(data, str) else data

    def to_representation(self, value):
        return value


class AnswerInputSerializer(serializers.Serializer):
    """One question's answer. Only the fields sent are changed; a field left out keeps its stored value."""

    question = KeyOrCodeField(help_text="The question's id or code.")
    options = serializers.ListField(
        child=KeyOrCodeField(),
        required=False,
        help_text="Chosen options by id or code: one for yes/no and single choice, any number for multiple choice; "
        "[] clears the choice.",
    )
    number = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="Number and percent questions."
    )
    text = serializers.CharField(required=False, allow_blank=True, help_text="Text questions.")
    not_applicable = serializers.BooleanField(required=False, help_text="Where the question allows it.")
    evidence_url = serializers.CharField(required=False, allow_blank=True, max_length=500)
    comment = serializers.CharField(required=False, allow_blank=True)


class AnswersRequestSerializer(serializers.Serializer):
    revision = serializers.IntegerField(
        min_value=0, help_text="The assessment's `revision` when the answers were read."
    )
    answers = AnswerInputSerializer(many=True, allow_empty=False, max_length=1000)


class AnswersSavedSerializer(serializers.Serializer):
    revision = serializers.IntegerField(help_text="The assessment's new revision: send it with the next save.")
    saved = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the questions saved.")
    progress = ProgressSerializer()


class ConflictValuesSerializer(serializers.Serializer):
    options = serializers.ListField(child=serializers.IntegerField(), required=False)
    number = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, required=False)
    text = serializers.CharField(required=False)
    not_applicable = serializers.BooleanField(required=False)
    evidence_url = serializers.CharField(required=False)
    comment = serializers.CharField(required=False)


class ConflictItemSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    question_code = serializers.CharField()
    stored = ConflictValuesSerializer(help_text="The answer stored now (someone else's save).")
    sent = ConflictValuesSerializer(help_text="The values this request sent.")


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    revision = serializers.IntegerField(help_text="The stored revision: read the answers again and send it.")
    conflicts = ConflictItemSerializer(many=True)


class MissingItemSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    question_code = serializers.CharField()
    area = serializers.CharField(help_text="The area's code.")
    text = serializers.CharField(help_text="The question in the request's language.")
    reason = serializers.ChoiceField(choices=["answer", "evidence"], help_text="What is missing.")
    reason_display = serializers.CharField()


class MissingSerializer(serializers.Serializer):
    detail = serializers.CharField()
    missing = MissingItemSerializer(many=True)
