"""Filter sets of the transformation lists, shared by the web pages and the REST API so both filter alike. The
institutions offered are those the requesting user may see; the rows themselves are scoped before filtering
(transformation/scoping.py)."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from institutions.filtersets import SearchFilterSet
from services.filtersets import visible_institution_choices
from services.models import Service

from .models import (
    CatalogueSource,
    ComponentKind,
    ComponentStatus,
    DecisionKind,
    DecisionStatus,
    FundingSource,
    IndicatorScope,
    Measurement,
    MeasurementPhase,
    MeasurementSource,
    OversightDecision,
    PhaseKind,
    PhaseStatus,
    ProjectPhase,
    ProjectStatus,
    ResultIndicator,
    ReviewKind,
    ServiceReview,
    SharedComponent,
    TransformationProject,
    ValueKind,
)


class YearFilter(django_filters.NumberFilter):
    """A calendar year, matched against a date's year: a whole number from 1 to 9999, the years a date can have
    (anything else is a 400 naming the filter, where a date built from it would fail)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class ProjectFilterSet(SearchFilterSet):
    """Projects by institution, status, the phase under way, service, funding and a text search."""

    search_fields = ("name", "goal", "institution__short_name", "institution__name_lv", "institution__name_en")

    institution = django_filters.ModelChoiceFilter(queryset=visible_institution_choices, label=_("Institution"))
    status = django_filters.MultipleChoiceFilter(choices=ProjectStatus.choices, label=_("Status"))
    phase = django_filters.ChoiceFilter(choices=PhaseKind.choices, method="filter_phase", label=_("Phase under way"))
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(),
        to_field_name="catalogue_id",
        field_name="services",
        label=_("Service (catalogue identifier)"),
    )
    funding_source = django_filters.MultipleChoiceFilter(choices=FundingSource.choices, label=_("Funding source"))
    is_demo = django_filters.BooleanFilter(label=_("Demo data"))

    class Meta:
        model = TransformationProject
        fields = []

    def filter_phase(self, queryset, name, value):
        """Projects with `value` in progress."""
        in_progress = ProjectPhase.objects.filter(project_id=OuterRef("pk"), kind=value, status=PhaseStatus.IN_PROGRESS)
        return queryset.filter(Exists(in_progress))


class MeasurementFilterSet(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project"))
    institution = django_filters.ModelChoiceFilter(
        queryset=visible_institution_choices, field_name="project__institution", label=_("Institution")
    )
    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("Indicator code"))
    phase = django_filters.MultipleChoiceFilter(choices=MeasurementPhase.choices, label=_("Phase"))
    source = django_filters.ChoiceFilter(choices=MeasurementSource.choices, label=_("Source"))
    year = YearFilter(method="filter_year", label=_("Year of the period"))

    class Meta:
        model = Measurement
        fields = []

    def filter_year(self, queryset, name, value):
        """Measurements whose period touches year `value` (an open end counts as unbounded)."""
        starts = Q(period_start__isnull=True) | Q(period_start__year__lte=value)
        ends = Q(period_end__isnull=True) | Q(period_end__year__gte=value)
        dated = Q(period_start__isnull=False) | Q(period_end__isnull=False)
        return queryset.filter(starts & ends & dated)


class IndicatorFilterSet(SearchFilterSet):
    search_fields = ("code", "name_lv", "name_en")

    scope = django_filters.MultipleChoiceFilter(choices=IndicatorScope.choices, label=_("Scope"))
    mandatory = django_filters.BooleanFilter(label=_("Mandatory"))
    active = django_filters.BooleanFilter(label=_("Active"))
    value_kind = django_filters.MultipleChoiceFilter(choices=ValueKind.choices, label=_("Kind of value"))
    catalogue_source = django_filters.ChoiceFilter(
        choices=[choice for choice in CatalogueSource.choices if choice[0]], label=_("Pre-filled from the catalogue")
    )
    owner_institution = django_filters.ModelChoiceFilter(
        queryset=visible_institution_choices, label=_("Owner institution")
    )

    class Meta:
        model = ResultIndicator
        fields = []


class DecisionFilterSet(SearchFilterSet):
    search_fields = ("reference", "title", "text", "evidence_text")

    kind = django_filters.MultipleChoiceFilter(choices=DecisionKind.choices, label=_("Kind"))
    status = django_filters.MultipleChoiceFilter(choices=DecisionStatus.choices, label=_("Status"))
    institution = django_filters.ModelChoiceFilter(queryset=visible_institution_choices, label=_("Institution"))
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(),
        to_field_name="catalogue_id",
        field_name="services",
        label=_("Service (catalogue identifier)"),
    )
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project"))
    year = YearFilter(field_name="proposed_on__year", label=_("Year proposed"))

    class Meta:
        model = OversightDecision
        fields = []


class ComponentFilterSet(SearchFilterSet):
    search_fields = ("code", "name_lv", "name_en", "description_lv", "description_en")

    kind = django_filters.MultipleChoiceFilter(choices=ComponentKind.choices, label=_("Kind"))
    status = django_filters.MultipleChoiceFilter(choices=ComponentStatus.choices, label=_("Status"))
    institution = django_filters.ModelChoiceFilter(
        queryset=visible_institution_choices, field_name="institutions", label=_("Used by institution")
    )

    class Meta:
        model = SharedComponent
        fields = []


class ReviewFilterSet(SearchFilterSet):
    search_fields = ("service__catalogue_id", "service__name_lv", "service__name_en", "finding")

    kind = django_filters.MultipleChoiceFilter(choices=ReviewKind.choices, label=_("Kind"))
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="catalogue_id", label=_("Service (catalogue identifier)")
    )
    holder = django_filters.ModelChoiceFilter(
        queryset=visible_institution_choices, field_name="service__holder", label=_("Holder")
    )
    reviewer_institution = django_filters.ModelChoiceFilter(
        queryset=visible_institution_choices, label=_("Reviewing institution")
    )
    year = YearFilter(field_name="reviewed_on__year", label=_("Year reviewed"))

    class Meta:
        model = ServiceReview
        fields = []
