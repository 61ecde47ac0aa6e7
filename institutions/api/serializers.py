"""REST representations of the registry.

`name` follows the request's language (Accept-Language; Latvian by default) while `name_lv` and `name_en`
are always both present. Nested objects are light: enough to identify and label the related row without a
second request, and nothing the views do not fetch in the same query (see views.py).
"""

from rest_framework import serializers

from ..models import (
    DevelopmentTier,
    ExclusionCategory,
    Institution,
    InstitutionGroup,
    InstitutionType,
    Municipality,
    MunicipalityKind,
    MunicipalityPopulation,
    PlanningRegion,
)

NAME_HELP = "The name in the request's language (Accept-Language: lv or en); Latvian when no English name exists."


class ChoiceLabelField(serializers.CharField):
    """The label of a TextChoices value in the active language.

    `get_FOO_display()` rebuilds and hashes the whole (translated) choice list on every call, which dominated
    the cost of a list page; looking the value up in the enum translates one label.
    """

    def __init__(self, choices, **kwargs):
        self.choices_enum = choices
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        if not value:
            return ""
        try:
            return str(self.choices_enum(value).label)
        except ValueError:  # a value no longer among the choices: show it as stored
            return str(value)


class InstitutionGroupLightSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)

    class Meta:
        model = InstitutionGroup
        fields = ["id", "code", "name"]


class InstitutionParentLightSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "short_name"]


class MunicipalityLightSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    url = serializers.HyperlinkedIdentityField(view_name="api-municipality-detail", lookup_field="code")

    class Meta:
        model = Municipality
        fields = ["code", "name", "url"]


class InstitutionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-institution-detail")
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    institution_type_display = ChoiceLabelField(InstitutionType, source="institution_type")
    group = InstitutionGroupLightSerializer(read_only=True, allow_null=True)
    parent = InstitutionParentLightSerializer(read_only=True, allow_null=True)
    municipality = MunicipalityLightSerializer(read_only=True, allow_null=True)
    planning_region = serializers.SlugRelatedField(
        source="municipality.planning_region",
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Code of the planning region of the institution's municipality, if it has one.",
    )
    is_active = serializers.BooleanField(read_only=True)
    # Declared so the schema shows the empty value ("no exclusion") among the choices.
    exclusion_category = serializers.ChoiceField(choices=ExclusionCategory.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "url",
            "short_name",
            "name",
            "name_lv",
            "name_en",
            "registration_number",
            "institution_type",
            "institution_type_display",
            "group",
            "parent",
            "municipality",
            "planning_region",
            "website",
            "active_from",
            "active_to",
            "is_active",
            "exclusion_category",
            "governance_policy_applies",
            "bound_by_round1",
            "is_demo",
        ]
        read_only_fields = fields


class PopulationSerializer(serializers.ModelSerializer):
    class Meta:
        model = MunicipalityPopulation
        fields = ["year", "population", "source", "is_demo"]


class MunicipalitySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-municipality-detail", lookup_field="code")
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    kind_display = ChoiceLabelField(MunicipalityKind, source="kind")
    planning_region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    successor = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Code of the municipality this former one was merged into.",
    )
    is_current = serializers.BooleanField(read_only=True)
    development_tier = serializers.ChoiceField(choices=DevelopmentTier.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Municipality
        fields = [
            "code",
            "url",
            "name",
            "name_lv",
            "name_en",
            "kind",
            "kind_display",
            "planning_region",
            "development_tier",
            "valid_from",
            "valid_to",
            "is_current",
            "successor",
        ]
        read_only_fields = fields


class MunicipalityDetailSerializer(MunicipalitySerializer):
    predecessors = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Codes of the former municipalities merged into this one.",
    )
    population = PopulationSerializer(
        source="populations", many=True, read_only=True, help_text="Population by year, newest first."
    )

    class Meta(MunicipalitySerializer.Meta):
        fields = [*MunicipalitySerializer.Meta.fields, "predecessors", "population"]
        read_only_fields = fields


class PlanningRegionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-planning-region-detail", lookup_field="code")
    name = serializers.CharField(read_only=True, help_text=NAME_HELP)
    # Annotated by the view's queryset, so a list costs one query whatever its length.
    municipality_count = serializers.IntegerField(
        source="current_municipality_count", read_only=True, help_text="Number of current municipalities in the region."
    )

    class Meta:
        model = PlanningRegion
        fields = ["code", "url", "name", "name_lv", "name_en", "municipality_count"]
        read_only_fields = fields


class PlanningRegionDetailSerializer(PlanningRegionSerializer):
    municipalities = MunicipalityLightSerializer(
        source="current_municipalities", many=True, read_only=True, help_text="The region's current municipalities."
    )

    class Meta(PlanningRegionSerializer.Meta):
        fields = [*PlanningRegionSerializer.Meta.fields, "municipalities"]
        read_only_fields = fields
