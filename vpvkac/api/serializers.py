"""REST representations of the VPVKAC network.

Centres are named by their code, institutions by their short name, services by their catalogue identifier,
periods by their code: the natural keys the file import reads too. Labels follow the request's language.
Nested objects are light and fetched in the list's own queries (see views.py)."""

from decimal import Decimal

from rest_framework import serializers

from institutions.api.serializers import NAME_HELP, ChoiceLabelField
from institutions.models import DevelopmentTier, Institution, Municipality
from services.models import Service

from ..models import (
    Centre,
    CentreFigure,
    CentreStatus,
    ClientType,
    ContactFigure,
    ContactType,
    Desk,
    DeskPresence,
    Grant,
    GrantKind,
    NetworkReviewDecision,
    OpeningHours,
    ReceptionSchedule,
    ReportingPeriod,
    ReviewDecision,
    Shift,
    StaffType,
    Weekday,
)


TIER_HELP = "local, regional or national significance (MK Regulation No. 401)."


class MunicipalityKeySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)

    class Meta:
        model = Municipality
        fields = ["code", "name"]


class CentreKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = Centre
        fields = ["code", "name"]


class ReceptionScheduleSerializer(serializers.ModelSerializer):
    weekday_display = ChoiceLabelField(Weekday, source="weekday")
    description = serializers.CharField(source="describe", read_only=True)

    class Meta:
        model = ReceptionSchedule
        fields = [
            "weekday",
            "weekday_display",
            "week_of_month",
            "starts_at",
            "ends_at",
            "valid_from",
            "valid_to",
            "description",
        ]


class DeskSerializer(serializers.ModelSerializer):
    institution = serializers.SlugRelatedField(slug_field="short_name", read_only=True)
    presence_display = ChoiceLabelField(DeskPresence, source="presence")
    schedules = ReceptionScheduleSerializer(many=True, read_only=True)

    class Meta:
        model = Desk
        fields = [
            "institution",
            "presence",
            "presence_display",
            "minimum_basket",
            "justification",
            "valid_from",
            "valid_to",
            "schedules",
        ]


class OpeningHoursSerializer(serializers.ModelSerializer):
    weekday_display = ChoiceLabelField(Weekday, source="weekday")
    shift = serializers.ChoiceField(choices=Shift.choices, allow_blank=True, read_only=True)

    class Meta:
        model = OpeningHours
        fields = ["weekday", "weekday_display", "opens_at", "closes_at", "shift"]


class CentreSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-vpvkac-centre-detail", lookup_field="code")
    municipality = MunicipalityKeySerializer(read_only=True)
    # Plain strings: the registry's development_tier already names this choice set in the schema.
    tier = serializers.CharField(read_only=True, help_text=TIER_HELP)
    tier_display = ChoiceLabelField(DevelopmentTier, source="tier")
    status = serializers.ChoiceField(choices=CentreStatus.choices, read_only=True)
    status_display = ChoiceLabelField(CentreStatus, source="status")

    class Meta:
        model = Centre
        fields = [
            "code",
            "url",
            "name",
            "tier",
            "tier_display",
            "municipality",
            "status",
            "status_display",
            "status_since",
            "opened_on",
            "host_building",
            "in_library",
            "address",
            "latitude",
            "longitude",
            "coordinates_approximate",
            "private_room",
            "screen_privacy",
            "parking_spaces",
            "transport_stop_distance_m",
            "is_demo",
        ]
        read_only_fields = fields


class CentreDetailSerializer(CentreSerializer):
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)
    desks = DeskSerializer(many=True, read_only=True)

    class Meta(CentreSerializer.Meta):
        fields = [*CentreSerializer.Meta.fields, "opening_hours", "desks"]
        read_only_fields = fields


# --- contact figures ------------------------------------------------------------------------------------------


KEY_FIELDS = ("centre", "date", "institution", "service", "contact_type", "staff_type", "client_type")


class ContactFigureSerializer(serializers.ModelSerializer):
    """One contact figure, written with natural keys; rows are checked by the same rules as the import."""

    url = serializers.HyperlinkedIdentityField(view_name="api-vpvkac-centre-contact-detail")
    centre = serializers.SlugRelatedField(
        slug_field="code", queryset=Centre.objects.all(), help_text="The centre's code; one whose figures you record."
    )
    institution = serializers.SlugRelatedField(
        slug_field="short_name",
        queryset=Institution.objects.all(),
        required=False,
        allow_null=True,
        help_text="The short name of the state institution served for, if any.",
    )
    service = serializers.SlugRelatedField(
        slug_field="catalogue_id",
        queryset=Service.objects.all(),
        required=False,
        allow_null=True,
        help_text="The catalogue identifier of the service, when known.",
    )
    hour = serializers.IntegerField(
        min_value=0, max_value=23, required=False, allow_null=True, help_text="The hour slot 0–23; null for a day."
    )
    contact_type = serializers.ChoiceField(choices=ContactType.choices)
    staff_type = serializers.ChoiceField(choices=StaffType.choices)
    client_type = serializers.ChoiceField(choices=ClientType.choices, allow_blank=True, required=False, default="")
    count = serializers.IntegerField(min_value=0)

    class Meta:
        model = ContactFigure
        fields = [
            "id",
            "url",
            "centre",
            "date",
            "date_to",
            "hour",
            "institution",
            "service",
            "contact_type",
            "staff_type",
            "client_type",
            "count",
            "source",
            "is_demo",
        ]
        read_only_fields = ["id", "url", "source", "is_demo"]
        validators = []  # the natural key is checked in validate(), with a message that says what to do

    def validate(self, data):
        stored = KEY_FIELDS + ("date_to", "hour")
        merged = {name: getattr(self.instance, name) for name in stored if self.instance} | data
        if merged.get("date_to") is not None:
            if merged["date_to"] <= merged["date"]:
                raise serializers.ValidationError({"date_to": "The last day must come after the date."})
            if merged.get("hour") is not None:
                raise serializers.ValidationError({"hour": "A total over several days has no hour."})
        key = {
            "centre": merged["centre"],
            "date": merged["date"],
            "date_to": merged.get("date_to"),
            "hour": merged.get("hour"),
            "institution": merged.get("institution"),
            "service": merged.get("service"),
            "contact_type": merged["contact_type"],
            "staff_type": merged["staff_type"],
            "client_type": merged.get("client_type") or "",
        }
        taken = ContactFigure.objects.filter(**key)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "A figure with this centre, date, hour, institution, service and types exists: change it "
                        "with PUT or PATCH, or send the rows to the bulk endpoint."
                    ]
                }
            )
        return data


class ContactRowSerializer(serializers.Serializer):
    """One row of a bulk submission: the columns of the file import, as JSON."""

    date = serializers.CharField(help_text="YYYY-MM-DD (or DD.MM.YYYY).")
    date_to = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    hour = serializers.CharField(required=False, allow_blank=True, allow_null=True, help_text="0–23; empty: a day.")
    centre = serializers.CharField(help_text="The centre's code.")
    institution = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    service = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    contact_type = serializers.CharField(help_text="service, consultation, call, email or assisted_eservice.")
    staff_type = serializers.CharField(help_text="municipal or institution.")
    client_type = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    count = serializers.CharField(help_text="A whole number, 0 or more.")


class ContactBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Rows whose natural key was new.")
    updated = serializers.IntegerField(help_text="Existing figures whose count changed.")
    unchanged = serializers.IntegerField(help_text="Existing figures sent with the count they already had.")


class ContactBulkErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True, help_text="Position of the row in the list (from 0); null for the request."
    )
    field = serializers.CharField(help_text="The column the message is about.")
    message = serializers.CharField()


class ContactBulkRejectionSerializer(serializers.Serializer):
    errors = ContactBulkErrorSerializer(many=True, help_text="Every problem of every row; nothing was written.")


# --- grants ----------------------------------------------------------------------------------------------------


class GrantSerializer(serializers.ModelSerializer):
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    municipality = MunicipalityKeySerializer(read_only=True, allow_null=True)
    centre = CentreKeySerializer(read_only=True, allow_null=True)
    kind = serializers.CharField(
        read_only=True, help_text="creation, maintenance, salary or maintenance_salary (the two not split)."
    )
    kind_display = ChoiceLabelField(GrantKind, source="kind")

    class Meta:
        model = Grant
        fields = ["id", "period", "municipality", "centre", "kind", "kind_display", "amount", "source", "is_demo"]
        read_only_fields = fields


# --- the network review ---------------------------------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer):
    centre = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    decision = serializers.ChoiceField(choices=ReviewDecision.choices, read_only=True)
    decision_display = ChoiceLabelField(ReviewDecision, source="decision")
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    criteria_met = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = NetworkReviewDecision
        fields = [
            "centre",
            "period",
            "decision",
            "decision_display",
            "reason",
            "criteria_met",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class DecisionRequestSerializer(serializers.Serializer):
    centre = serializers.CharField(help_text="The candidate centre's code.")
    period = serializers.SlugRelatedField(
        slug_field="code", queryset=ReportingPeriod.objects.all(), help_text="The reviewed period's code."
    )
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    reason = serializers.CharField(max_length=4000)

    def validate_reason(self, value):
        if not value.strip():
            raise serializers.ValidationError("Say why.")
        return value.strip()


class CandidateSerializer(serializers.ModelSerializer):
    """A CentreFigure row of review.candidates, with the decision on record as `decision_row`."""

    centre = CentreKeySerializer(read_only=True)
    municipality = MunicipalityKeySerializer(read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tier = serializers.CharField(read_only=True, help_text=TIER_HELP)
    criteria_met = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="criterion_same_municipality, criterion_cost and near_other_centre, where met.",
    )
    decision = DecisionSerializer(source="decision_row", read_only=True, allow_null=True)

    class Meta:
        model = CentreFigure
        fields = [
            "centre",
            "municipality",
            "period",
            "tier",
            "services",
            "consultations",
            "cost_per_service",
            "band",
            "centres_in_municipality",
            "nearest_same_km",
            "nearest_any_km",
            "criterion_same_municipality",
            "criterion_cost",
            "near_other_centre",
            "only_centre",
            "residents_covered_elsewhere",
            "proposable",
            "criteria_met",
            "decision",
        ]
        read_only_fields = fields


# --- coverage -------------------------------------------------------------------------------------------------


class CoverageSerializer(serializers.Serializer):
    population = serializers.IntegerField(help_text="Residents of the settlements on record.")
    covered_population = serializers.IntegerField(help_text="Residents within R km of a serving centre or stop.")
    share = serializers.FloatField(allow_null=True, help_text="covered / population; null without population.")
    gaps = serializers.IntegerField(help_text="Settlements outside every R-km circle.")
    gap_settlements = serializers.ListField(
        child=serializers.CharField(), help_text="The codes of those settlements, largest first (at most 100)."
    )


class CoverageResultSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="The day whose serving centres and mobile stops count.")
    radius_km = serializers.DecimalField(max_digits=6, decimal_places=2)
    service_points = serializers.IntegerField(help_text="Serving centres with coordinates and mobile stops.")
    before = CoverageSerializer(help_text="Coverage of today's network.")
    after = CoverageSerializer(allow_null=True, help_text="Coverage after the proposed change; null for a GET.")


class StopSerializer(serializers.Serializer):
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=Decimal("-90"), max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=Decimal("-180"), max_value=180)


class CoverageRequestSerializer(serializers.Serializer):
    close_centres = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="Codes of serving centres to close."
    )
    add_stops = StopSerializer(many=True, required=False, default=list, help_text="Mobile stops to add.")
    radius_km = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=Decimal("0.01"),
        help_text="R in km; the parameters' R when left out.",
    )
