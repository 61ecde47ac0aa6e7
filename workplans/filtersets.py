"""Filter sets of the plan pages, shared with the REST API so both filter alike."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution, InstitutionGroup, InstitutionType
from institutions.peers import sector_members

from .models import ActionLine, Measure, MeasureStatus, Obligation, Plan
from .progress import with_waiting


class MeasureFilterSet(django_filters.FilterSet):
    """Measures by plan, action line, status, "carried out in each institution", waiting, and a text search.
    Given `plan=`, the plan is fixed: its filter is dropped and the action lines offered are the plan's own."""

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    plan = django_filters.ModelChoiceFilter(
        queryset=Plan.objects.all(), field_name="action_line__plan", to_field_name="code", label=_("Plan")
    )
    action_line = django_filters.ModelChoiceFilter(queryset=ActionLine.objects.all(), label=_("Action line"))
    status = django_filters.MultipleChoiceFilter(choices=MeasureStatus.choices, label=_("Status"))
    in_each_institution = django_filters.BooleanFilter(label=_("Carried out in each institution"))
    waiting = django_filters.BooleanFilter(method="filter_waiting", label=_("Waiting on other measures"))

    class Meta:
        model = Measure
        fields = []

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            del self.filters["plan"]
            self.filters["action_line"].queryset = plan.action_lines.order_by("order", "code")

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(code__icontains=value)
            | Q(official_number__icontains=value)
            | Q(text_lv__icontains=value)
            | Q(text_en__icontains=value)
        )

    def filter_waiting(self, queryset, name, value):
        if "waiting" not in queryset.query.annotations:
            queryset = with_waiting(queryset)
        return queryset.filter(waiting=value)


class InstitutionMatrixFilterSet(django_filters.FilterSet):
    """The rows of the institution × obligation matrix: by ministry sector, Table 1 group and name."""

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    sector = django_filters.ModelChoiceFilter(
        queryset=Institution.objects.filter(institution_type=InstitutionType.MINISTRY),
        method="filter_sector",
        label=_("Ministry sector"),
    )
    group = django_filters.ModelChoiceFilter(
        queryset=InstitutionGroup.objects.all(), method="filter_group", label=_("Table 1 group")
    )

    class Meta:
        model = Institution
        fields = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name_lv__icontains=value) | Q(name_en__icontains=value) | Q(short_name__icontains=value)
        )

    def filter_sector(self, queryset, name, value):
        """The ministry and every institution under it (two levels)."""
        return sector_members(value, queryset)

    def filter_group(self, queryset, name, value):
        """The group itself and its sub-rows (group 2 takes in 2.1, 2.2, …)."""
        return queryset.filter(Q(group=value) | Q(group__parent=value))


class ObligationFilterSet(django_filters.FilterSet):
    """Obligations by plan, measure code, status and ministry sector."""

    plan = django_filters.ModelChoiceFilter(
        queryset=Plan.objects.all(), field_name="measure__action_line__plan", to_field_name="code", label=_("Plan")
    )
    measure = django_filters.CharFilter(field_name="measure__code", label=_("Measure code"))
    status = django_filters.MultipleChoiceFilter(choices=MeasureStatus.choices, label=_("Status"))
    sector = django_filters.ModelChoiceFilter(
        queryset=Institution.objects.filter(institution_type=InstitutionType.MINISTRY),
        method="filter_sector",
        label=_("Ministry sector"),
    )

    class Meta:
        model = Obligation
        fields = []

    def filter_sector(self, queryset, name, value):
        return queryset.filter(institution__in=sector_members(value).values("pk"))
