"""Filters of the work-plan API lists. A plan is named by its code; an action line, measure or institution by its
id or its code (short name), several separated by commas (`?measure=P2.3,P2.4`). Codes repeat across plans
(RV1 of each plan), so combine them with `plan` to pick one."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutions.filtersets import SearchFilterSet
from services.api.serializers import provider_key
from services.filtersets import CharInFilter

from ..models import (
    FINAL_STATUSES,
    ImprovementPlan,
    Indicator,
    Measure,
    MeasureResponsibility,
    MeasureStatus,
    Obligation,
    Plan,
    PlanKind,
    ProgressUpdate,
    ReviewStatus,
)
from ..progress import with_waiting


def overdue_condition(date_field):
    """Q for rows whose `date_field` is before today while their status is not final (progress.is_overdue)."""
    return Q(**{f"{date_field}__lt": timezone.localdate()}) & ~Q(status__in=FINAL_STATUSES)


def ids_and_codes(values):
    """([ids], [codes]) of values given as ids (digits) or codes."""
    keys = [key for key in map(provider_key, values) if key is not None]
    return [value for kind, value in keys if kind == "pk"], [value for kind, value in keys if kind == "short_name"]


def by_id_or_code(field, values, code_field="code"):
    """Q matching rows whose `field` is one of the ids or has one of the codes given."""
    ids, codes = ids_and_codes(values)
    return Q(**{f"{field}_id__in": ids}) | Q(**{f"{field}__{code_field}__in": codes})


class PlanFilterSet(SearchFilterSet):
    search_fields = ("code", "title_lv", "title_en")

    kind = django_filters.MultipleChoiceFilter(choices=PlanKind.choices, label=_("Kind"))
    round_number = django_filters.NumberFilter(label=_("Work-plan round"))

    class Meta:
        model = Plan
        fields = ["kind", "round_number"]


class MeasureFilterSet(SearchFilterSet):
    search_fields = ("code", "text_lv", "text_en")

    plan = CharInFilter(field_name="action_line__plan__code", label=_("Plan (codes)"))
    action_line = CharInFilter(method="filter_action_line", label=_("Action line (ids or codes)"))
    status = django_filters.MultipleChoiceFilter(choices=MeasureStatus.choices, label=_("Status"))
    in_each_institution = django_filters.BooleanFilter(label=_("Carried out in each institution"))
    responsible = CharInFilter(
        method="filter_responsible", label=_("Responsible or co-responsible institution (ids or short names)")
    )
    roadmap_group = CharInFilter(field_name="roadmap_group__code", label=_("Roadmap group (codes)"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    waiting = django_filters.BooleanFilter(method="filter_waiting", label=_("Waiting on other measures"))

    class Meta:
        model = Measure
        fields = [
            "plan",
            "action_line",
            "status",
            "in_each_institution",
            "responsible",
            "roadmap_group",
            "overdue",
            "waiting",
        ]

    def filter_action_line(self, queryset, name, values):
        return queryset.filter(by_id_or_code("action_line", values))

    def filter_responsible(self, queryset, name, values):
        responsibilities = MeasureResponsibility.objects.filter(
            by_id_or_code("institution", values, code_field="short_name"), measure=OuterRef("pk")
        )
        return queryset.filter(Exists(responsibilities))

    def filter_overdue(self, queryset, name, value):
        """Needs `last_deadline` (progress.with_deadline)."""
        overdue = overdue_condition("last_deadline")
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_waiting(self, queryset, name, value):
        if "waiting" not in queryset.query.annotations:
            queryset = with_waiting(queryset)
        return queryset.filter(waiting=value)


class IndicatorFilterSet(SearchFilterSet):
    search_fields = ("code", "name_lv", "name_en")

    plan = CharInFilter(field_name="plan__code", label=_("Plan (codes)"))
    action_line = CharInFilter(method="filter_action_line", label=_("Action line (ids or codes)"))
    measure = CharInFilter(method="filter_measure", label=_("Measure (ids or codes)"))

    class Meta:
        model = Indicator
        fields = ["plan", "action_line", "measure"]

    def filter_action_line(self, queryset, name, values):
        return queryset.filter(by_id_or_code("action_line", values))

    def filter_measure(self, queryset, name, values):
        return queryset.filter(by_id_or_code("measure", values))


class ObligationFilterSet(SearchFilterSet):
    search_fields = ("measure__code", "institution__short_name", "institution__name_lv", "institution__name_en")

    plan = CharInFilter(field_name="measure__action_line__plan__code", label=_("Plan (codes)"))
    measure = CharInFilter(method="filter_measure", label=_("Measure (ids or codes)"))
    institution = CharInFilter(method="filter_institution", label=_("Institution (ids or short names)"))
    status = django_filters.MultipleChoiceFilter(choices=MeasureStatus.choices, label=_("Status"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Obligation
        fields = ["plan", "measure", "institution", "status", "overdue"]

    def filter_measure(self, queryset, name, values):
        return queryset.filter(by_id_or_code("measure", values))

    def filter_institution(self, queryset, name, values):
        return queryset.filter(by_id_or_code("institution", values, code_field="short_name"))

    def filter_overdue(self, queryset, name, value):
        """Needs `due_date` (progress.with_due_date)."""
        overdue = overdue_condition("due_date")
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class ProgressUpdateFilterSet(SearchFilterSet):
    search_fields = ("evidence", "institution__short_name")

    status = django_filters.MultipleChoiceFilter(choices=ReviewStatus.choices, label=_("Review status"))
    plan = CharInFilter(method="filter_plan", label=_("Plan (codes)"))
    measure = CharInFilter(method="filter_measure", label=_("Measure (ids or codes)"))
    obligation = django_filters.NumberFilter(field_name="obligation_id", label=_("Obligation (id)"))
    institution = CharInFilter(method="filter_institution", label=_("Institution (ids or short names)"))

    class Meta:
        model = ProgressUpdate
        fields = ["status", "plan", "measure", "obligation", "institution"]

    def filter_plan(self, queryset, name, values):
        return queryset.filter(
            Q(measure__action_line__plan__code__in=values) | Q(obligation__measure__action_line__plan__code__in=values)
        )

    def filter_measure(self, queryset, name, values):
        """The measure reported on as a whole, or through one of its obligations."""
        return queryset.filter(by_id_or_code("measure", values) | by_id_or_code("obligation__measure", values))

    def filter_institution(self, queryset, name, values):
        return queryset.filter(by_id_or_code("institution", values, code_field="short_name"))


class ImprovementPlanFilterSet(SearchFilterSet):
    search_fields = ("summary", "institution__short_name", "institution__name_lv", "institution__name_en")

    plan = CharInFilter(field_name="plan__code", label=_("Plan (codes)"))
    institution = CharInFilter(method="filter_institution", label=_("Institution (ids or short names)"))
    status = django_filters.MultipleChoiceFilter(choices=ReviewStatus.choices, label=_("Review status"))

    class Meta:
        model = ImprovementPlan
        fields = ["plan", "institution", "status"]

    def filter_institution(self, queryset, name, values):
        return queryset.filter(by_id_or_code("institution", values, code_field="short_name"))
