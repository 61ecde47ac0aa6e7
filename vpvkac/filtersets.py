"""One filter set per list of the VPVKAC network, shared by the web lists and the REST API so both filter alike.

The filter sets only narrow a queryset the view has already limited through vpvkac/scoping.py; the choices they
offer (municipalities, centres) are the reader's own where they could name rows the reader may not see."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutions.filtersets import SearchFilterSet
from institutions.models import DevelopmentTier, Institution, Municipality
from services.filtersets import CharInFilter

from .models import (
    Centre,
    CentreStatus,
    ClientType,
    ContactFigure,
    ContactType,
    Grant,
    GrantKind,
    ReportingPeriod,
    StaffType,
)
from .scoping import visible_centres


def _visible_centre_choices(request):
    return visible_centres(getattr(request, "user", None))


def _todays_municipalities(request):
    """Today's municipalities: choosing one takes in the centres of the former ones merged into it."""
    return Municipality.objects.filter(valid_to__isnull=True)


class CentreFilterSet(SearchFilterSet):
    search_fields = ("name", "code", "address", "host_building", "municipality__name_lv", "municipality__name_en")

    tier = django_filters.MultipleChoiceFilter(choices=DevelopmentTier.choices, label=_("Tier"))
    status = django_filters.MultipleChoiceFilter(choices=CentreStatus.choices, label=_("Status"))
    municipality = django_filters.ModelMultipleChoiceFilter(
        queryset=_todays_municipalities,
        to_field_name="code",
        label=_("Municipality"),
        method="filter_municipality",
    )
    in_library = django_filters.BooleanFilter(label=_("In a library"))
    has_coordinates = django_filters.BooleanFilter(
        field_name="latitude", lookup_expr="isnull", exclude=True, label=_("Has coordinates")
    )
    is_demo = django_filters.BooleanFilter(label=_("Demo data"))

    class Meta:
        model = Centre
        fields = []

    def filter_municipality(self, queryset, name, values):
        """A municipality's centres, including those of the former municipalities merged into it."""
        if not values:
            return queryset
        chosen = {m.pk for m in values}
        successors = dict(Municipality.objects.values_list("pk", "successor_id"))

        def leads_to_chosen(pk):
            seen = set()
            while pk is not None and pk not in seen:
                if pk in chosen:
                    return True
                seen.add(pk)
                pk = successors.get(pk)
            return False

        return queryset.filter(municipality__in=[pk for pk in successors if leads_to_chosen(pk)])


class ContactFigureFilterSet(django_filters.FilterSet):
    centre = CharInFilter(field_name="centre__code", lookup_expr="in", label=_("Centre (codes, comma-separated)"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("From (date)"))
    date_to = django_filters.DateFilter(method="filter_date_to", label=_("Until (date)"))
    hour = django_filters.NumberFilter(label=_("Hour"))
    contact_type = django_filters.MultipleChoiceFilter(choices=ContactType.choices, label=_("Contact type"))
    staff_type = django_filters.MultipleChoiceFilter(choices=StaffType.choices, label=_("Staff type"))
    client_type = django_filters.MultipleChoiceFilter(choices=ClientType.choices, label=_("Client type"))
    institution = django_filters.ModelChoiceFilter(
        queryset=Institution.objects.all(), to_field_name="short_name", label=_("Institution (short name)")
    )
    is_demo = django_filters.BooleanFilter(label=_("Demo data"))

    class Meta:
        model = ContactFigure
        fields = []

    def filter_date_to(self, queryset, name, value):
        """Rows whose day, or whose whole span of days, ends on or before the date."""
        return queryset.filter(Q(date_to__isnull=True, date__lte=value) | Q(date_to__lte=value))


class GrantFilterSet(django_filters.FilterSet):
    period = django_filters.ModelChoiceFilter(
        queryset=ReportingPeriod.objects.all(), to_field_name="code", label=_("Period")
    )
    kind = django_filters.MultipleChoiceFilter(choices=GrantKind.choices, label=_("Kind"))
    municipality = django_filters.ModelChoiceFilter(
        queryset=Municipality.objects.all(), to_field_name="code", label=_("Recipient municipality")
    )
    centre = django_filters.ModelChoiceFilter(
        queryset=_visible_centre_choices, to_field_name="code", label=_("Recipient centre")
    )
    recipient = django_filters.ChoiceFilter(
        choices=[("municipality", _("A municipality")), ("centre", _("A centre"))],
        method="filter_recipient",
        label=_("Paid to"),
    )
    is_demo = django_filters.BooleanFilter(label=_("Demo data"))

    class Meta:
        model = Grant
        fields = []

    def filter_recipient(self, queryset, name, value):
        if value == "centre":
            return queryset.filter(centre__isnull=False)
        if value == "municipality":
            return queryset.filter(municipality__isnull=False)
        return queryset
