"""One filter set per list, shared by the web lists and the REST API so both always filter alike."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import (
    DevelopmentTier,
    ExclusionCategory,
    Institution,
    InstitutionGroup,
    InstitutionType,
    Municipality,
    MunicipalityKind,
    PlanningRegion,
)


class SearchFilterSet(django_filters.FilterSet):
    """Adds `q`: a case-insensitive search over `search_fields`."""

    search_fields = ()
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))

    def filter_search(self, queryset, name, value):
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(condition)


class InstitutionFilterSet(SearchFilterSet):
    search_fields = ("name_lv", "name_en", "short_name", "registration_number")

    institution_type = django_filters.MultipleChoiceFilter(choices=InstitutionType.choices, label=_("Type"))
    group = django_filters.ModelMultipleChoiceFilter(
        queryset=InstitutionGroup.objects.all(), field_name="group", label=_("Table 1 group")
    )
    parent = django_filters.ModelChoiceFilter(
        queryset=Institution.objects.filter(institution_type=InstitutionType.MINISTRY),
        label=_("Ministry sector"),
        method="filter_sector",
    )
    municipality = django_filters.ModelChoiceFilter(
        queryset=Municipality.objects.all(), field_name="municipality", to_field_name="code", label=_("Municipality")
    )
    planning_region = django_filters.ModelChoiceFilter(
        queryset=PlanningRegion.objects.all(),
        field_name="municipality__planning_region",
        to_field_name="code",
        label=_("Planning region"),
    )
    governance_policy_applies = django_filters.BooleanFilter(label=_("Governance policy applies"))
    bound_by_round1 = django_filters.BooleanFilter(label=_("Bound by the 1st-round work plan"))
    exclusion_category = django_filters.ChoiceFilter(choices=ExclusionCategory.choices, label=_("§4.1.5 exclusion"))
    active = django_filters.BooleanFilter(field_name="active_to", lookup_expr="isnull", label=_("Active"))

    class Meta:
        model = Institution
        fields = []

    def filter_sector(self, queryset, name, value):
        """The ministry itself and every institution under it (two levels: agencies and their bodies)."""
        from .peers import sector_members

        return sector_members(value, queryset)


class MunicipalityFilterSet(SearchFilterSet):
    search_fields = ("name_lv", "name_en", "code")

    kind = django_filters.MultipleChoiceFilter(choices=MunicipalityKind.choices, label=_("Kind"))
    planning_region = django_filters.ModelChoiceFilter(
        queryset=PlanningRegion.objects.all(), to_field_name="code", label=_("Planning region")
    )
    development_tier = django_filters.ChoiceFilter(choices=DevelopmentTier.choices, label=_("Development-centre tier"))
    current = django_filters.BooleanFilter(field_name="valid_to", lookup_expr="isnull", label=_("Current"))

    class Meta:
        model = Municipality
        fields = []


class PlanningRegionFilterSet(SearchFilterSet):
    search_fields = ("name_lv", "name_en", "code")

    class Meta:
        model = PlanningRegion
        fields = []
