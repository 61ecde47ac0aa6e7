"""The validation rules of yearly service figures and costs, in one place.

The web form, the admin import, the bulk loader and the API all call these functions, so a row is
accepted or rejected for the same reasons whichever way it arrives. Each function returns a dict
{field: message}; an empty dict means the row is valid. Values arrive already typed (ints, Decimals).
"""

import calendar
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from .models import PeriodType, Service

COUNT_FIELDS = ("started", "completed", "consultations", "satisfaction_responses")

# The fields of a figure and of a cost that the rules read (besides the service and provider).
FIGURE_RULE_FIELDS = (
    "year",
    "period_type",
    "period_number",
    "started",
    "completed",
    "consultations",
    "client_minutes",
    "satisfaction_responses",
    "satisfaction_mean",
    "rating_scale_min",
    "rating_scale_max",
)
COST_RULE_FIELDS = ("year", "amount")


@dataclass(frozen=True)
class ServiceFacts:
    """What the rules need to know about a service, loaded once per import rather than once per row."""

    valid_from: date | None
    valid_to: date | None
    provider_ids: frozenset


def service_facts(service_ids=None):
    """ServiceFacts of the given services (all when None), in two queries."""
    services = Service.objects.all() if service_ids is None else Service.objects.filter(pk__in=service_ids)
    providers = {}
    through = Service.providers.through.objects.filter(service_id__in=services.values("pk"))
    for service_id, institution_id in through.values_list("service_id", "institution_id"):
        providers.setdefault(service_id, set()).add(institution_id)
    return {
        pk: ServiceFacts(valid_from, valid_to, frozenset(providers.get(pk, ())))
        for pk, valid_from, valid_to in services.values_list("pk", "valid_from", "valid_to")
    }


def period_bounds(year, period_type, period_number):
    """First and last day of a period: a year, quarter 1–4 or month 1–12."""
    if period_type == PeriodType.QUARTER:
        first_month = 3 * (period_number - 1) + 1
        last_month = first_month + 2
    elif period_type == PeriodType.MONTH:
        first_month = last_month = period_number
    else:
        first_month, last_month = 1, 12
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def period_errors(year, period_type, period_number, facts):
    errors = {}
    valid_numbers = {PeriodType.YEAR: (0, 0), PeriodType.QUARTER: (1, 4), PeriodType.MONTH: (1, 12)}
    if period_type not in valid_numbers:
        errors["period_type"] = _("unknown period “%(value)s” (year, quarter or month)") % {"value": period_type}
        return errors
    low, high = valid_numbers[period_type]
    if period_number is None or not low <= period_number <= high:
        errors["period_number"] = _("a %(period)s needs a number from %(low)s to %(high)s, not %(value)s") % {
            "period": PeriodType(period_type).label.lower(),
            "low": low,
            "high": high,
            "value": period_number,
        }
        return errors
    if year is None or not 1990 <= year <= 2100:
        errors["year"] = _("year %(value)s is outside 1990–2100") % {"value": year}
        return errors
    start, end = period_bounds(year, period_type, period_number)
    if facts.valid_from and end < facts.valid_from:
        errors["year"] = _("the period ends before the service was provided (from %(date)s)") % {
            "date": facts.valid_from.isoformat()
        }
    elif facts.valid_to and start > facts.valid_to:
        errors["year"] = _("the period starts after the service ended (%(date)s)") % {"date": facts.valid_to.isoformat()}
    return errors


def provider_errors(provider_id, facts):
    if provider_id not in facts.provider_ids:
        return {"provider": _("this institution is not a provider of the service")}
    return {}


def figure_errors(values, facts):
    """Rules for one usage figure: provider of the service, period inside its lifetime, no negative counts,
    completed ≤ started where started is reported, rating inside its scale."""
    errors = {}
    errors.update(provider_errors(values.get("provider_id"), facts))
    errors.update(period_errors(values.get("year"), values.get("period_type"), values.get("period_number"), facts))
    for field in COUNT_FIELDS:
        value = values.get(field)
        if value is not None and value < 0:
            errors[field] = _("must not be negative (%(value)s)") % {"value": value}
    if values.get("completed") is None:
        errors.setdefault("completed", _("is required"))
    started, completed = values.get("started"), values.get("completed")
    comparable = started is not None and completed is not None and not {"started", "completed"} & errors.keys()
    if comparable and completed > started:
        errors["completed"] = _("%(completed)s completed is more than %(started)s started") % {
            "completed": completed,
            "started": started,
        }
    minutes = values.get("client_minutes")
    if minutes is not None and minutes < 0:
        errors["client_minutes"] = _("must not be negative (%(value)s)") % {"value": minutes}
    mean, low, high = values.get("satisfaction_mean"), values.get("rating_scale_min"), values.get("rating_scale_max")
    if (low is None) != (high is None):
        errors["rating_scale_max" if high is None else "rating_scale_min"] = _("give both ends of the rating scale")
    elif low is not None and high <= low:
        errors["rating_scale_max"] = _("the scale maximum %(high)s must be above its minimum %(low)s") % {
            "high": high,
            "low": low,
        }
    elif mean is not None:
        if low is None:
            errors["rating_scale_min"] = _("a mean rating needs its rating scale")
        elif not low <= mean <= high:
            errors["satisfaction_mean"] = _("rating %(mean)s is outside the scale %(low)s–%(high)s") % {
                "mean": mean,
                "low": low,
                "high": high,
            }
    if mean is not None and not values.get("satisfaction_responses"):
        errors.setdefault("satisfaction_responses", _("a mean rating needs the number of responses"))
    return errors


def cost_errors(values, facts):
    """Rules for one cost component: provider of the service, a year inside its lifetime, no negative amount."""
    errors = {}
    errors.update(provider_errors(values.get("provider_id"), facts))
    errors.update(period_errors(values.get("year"), PeriodType.YEAR, 0, facts))
    amount = values.get("amount")
    if amount is None:
        errors["amount"] = _("is required")
    elif amount < 0:
        errors["amount"] = _("must not be negative (%(value)s)") % {"value": amount}
    return errors
