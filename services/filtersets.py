"""One filter set per list of the catalogue, shared by the web lists and the REST API so both always filter alike.

Filters over many-to-many relations (providers, channels, life situations) use EXISTS subqueries rather than
joins, so a service matching twice is still listed once and no DISTINCT is needed.
"""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from institutions.filtersets import SearchFilterSet
from institutions.models import Institution
from institutions.scoping import visible_institutions

from .models import (
    Channel,
    CostComponent,
    LifeSituation,
    PeriodType,
    Service,
    ServiceChannel,
    ServiceCost,
    ServiceFigure,
    ServiceKind,
    ServiceLevel,
    ServiceStatus,
    ServiceTemplate,
)


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """One value or several separated by commas: `?service=VID-1,VID-2`."""


def visible_institution_choices(request):
    """The institutions offered as provider choices: those the requesting user may see."""
    return visible_institutions(getattr(request, "user", None))


class ServiceFilterSet(SearchFilterSet):
    search_fields = ("catalogue_id", "name_lv", "name_en")

    holder = django_filters.ModelMultipleChoiceFilter(
        queryset=Institution.objects.all(), field_name="holder", label=_("Holder")
    )
    provider = django_filters.ModelMultipleChoiceFilter(
        queryset=Institution.objects.all(), field_name="providers", method="filter_provider", label=_("Provider")
    )
    institution = django_filters.ModelChoiceFilter(
        queryset=Institution.objects.all(),
        field_name="holder",
        method="filter_institution",
        label=_("Holder or provider"),
    )
    channel = django_filters.ModelMultipleChoiceFilter(
        queryset=Channel.objects.all(),
        to_field_name="code",
        field_name="channels__channel",
        method="filter_channel",
        label=_("Channel"),
    )
    kind = django_filters.MultipleChoiceFilter(choices=ServiceKind.choices, label=_("Kind"))
    level = django_filters.MultipleChoiceFilter(choices=ServiceLevel.choices, label=_("Level"))
    life_situation = django_filters.ModelMultipleChoiceFilter(
        queryset=LifeSituation.objects.all(),
        to_field_name="code",
        field_name="life_situations",
        method="filter_life_situation",
        label=_("Life situation"),
    )
    status = django_filters.MultipleChoiceFilter(choices=ServiceStatus.choices, label=_("Status"))
    template = django_filters.ModelChoiceFilter(
        queryset=ServiceTemplate.objects.all(),
        to_field_name="code",
        field_name="template",
        label=_("Unified service template"),
    )
    minimum_basket = django_filters.BooleanFilter(label=_("Minimum basket"))
    digital_only = django_filters.BooleanFilter(label=_("Digital only"))

    class Meta:
        model = Service
        fields = []

    def filter_provider(self, queryset, name, value):
        if not value:
            return queryset
        provided = Service.providers.through.objects.filter(
            service_id=OuterRef("pk"), institution_id__in=[institution.pk for institution in value]
        )
        return queryset.filter(Exists(provided))

    def filter_institution(self, queryset, name, value):
        provided = Service.providers.through.objects.filter(service_id=OuterRef("pk"), institution_id=value.pk)
        return queryset.filter(Q(holder=value) | Exists(provided))

    def filter_channel(self, queryset, name, value):
        if not value:
            return queryset
        offered = ServiceChannel.objects.filter(service=OuterRef("pk"), channel__in=value)
        return queryset.filter(Exists(offered))

    def filter_life_situation(self, queryset, name, value):
        if not value:
            return queryset
        grouped = Service.life_situations.through.objects.filter(service_id=OuterRef("pk"), lifesituation__in=value)
        return queryset.filter(Exists(grouped))


class LifeSituationFilterSet(SearchFilterSet):
    search_fields = ("code", "name_lv", "name_en")

    fully_online = django_filters.BooleanFilter(method="filter_fully_online", label=_("Can be completed fully online"))

    class Meta:
        model = LifeSituation
        fields = []

    def filter_fully_online(self, queryset, name, value):
        if "fully_online" not in queryset.query.annotations:
            queryset = queryset.with_fully_online()
        return queryset.filter(fully_online=value)


class ChannelFilterSet(django_filters.FilterSet):
    is_digital = django_filters.BooleanFilter(label=_("Digital"))
    is_remote = django_filters.BooleanFilter(label=_("Remote"))

    class Meta:
        model = Channel
        fields = []


class ReportedFiguresFilterSet(SearchFilterSet):
    """What usage figures and costs have in common: the service, the provider and the year."""

    search_fields = ("service__catalogue_id", "service__name_lv", "service__name_en", "provider__short_name")

    service = CharInFilter(field_name="service__catalogue_id", label=_("Service (catalogue identifiers)"))
    provider = django_filters.ModelMultipleChoiceFilter(
        queryset=visible_institution_choices, field_name="provider", label=_("Provider")
    )
    year = django_filters.NumberFilter(label=_("Year"))
    year_from = django_filters.NumberFilter(field_name="year", lookup_expr="gte", label=_("From year"))
    year_to = django_filters.NumberFilter(field_name="year", lookup_expr="lte", label=_("To year"))
    template = django_filters.ModelChoiceFilter(
        queryset=ServiceTemplate.objects.all(),
        to_field_name="code",
        field_name="service__template",
        label=_("Unified service template"),
    )

    def filter_channel(self, queryset, name, value):
        # By the channels themselves: ModelMultipleChoiceFilter would compare the foreign key with the codes.
        return queryset.filter(channel__in=value) if value else queryset


class ServiceFigureFilterSet(ReportedFiguresFilterSet):
    period_type = django_filters.MultipleChoiceFilter(choices=PeriodType.choices, label=_("Period"))
    period_number = django_filters.NumberFilter(label=_("Quarter or month"))
    channel = django_filters.ModelMultipleChoiceFilter(
        queryset=Channel.objects.all(),
        to_field_name="code",
        field_name="channel",
        method="filter_channel",
        label=_("Channel"),
    )

    class Meta:
        model = ServiceFigure
        fields = []


class ServiceCostFilterSet(ReportedFiguresFilterSet):
    component = django_filters.MultipleChoiceFilter(choices=CostComponent.choices, label=_("Cost component"))
    channel = django_filters.ModelMultipleChoiceFilter(
        queryset=Channel.objects.all(),
        to_field_name="code",
        field_name="channel",
        method="filter_channel",
        label=_("Channel"),
    )
    shared = django_filters.BooleanFilter(
        field_name="channel", lookup_expr="isnull", label=_("Shared (not attributed to a channel)")
    )

    class Meta:
        model = ServiceCost
        fields = []
