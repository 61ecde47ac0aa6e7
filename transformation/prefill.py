"""Pre-filling a project's measurement from the catalogue's cost figures (services/costing.py) for the project's
services and the measurement's period (seed 003 §3.1 indicators 1, 2 and 7; the coordinator's cost per
transaction trend indicator).

Which figures: the stored all-channel rows (CostFigure with no channel) of the project's services in the years
the period touches (a period over several years is a range and is summed). For a service the project's
institution holds, every provider's figures count — the holder redesigns the service as a whole; for a service
it only provides, its own figures. With a `user`, only the figures that user may see count
(services.scoping.visible_cost_figures).

Every ratio is summed first and divided afterwards (domain brief §3 roll-ups), never an average of ratios:
- channel proportion = Σ digital transactions / Σ transactions × 100
- electronic use = the same, over the services that offer a digital channel only (seed 003 F2)
- cost per transaction = Σ cost / Σ transactions with a known cost
- satisfaction = Σ (score × responses) / Σ responses
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from services.costing import ratios
from services.models import CostFigure, ServiceChannel
from services.scoping import visible_cost_figures

from .models import CatalogueSource, Measurement, MeasurementSource

HUNDRED = Decimal(100)
STORED_PLACES = Decimal("0.0001")
SUMMED = (
    "transactions",
    "digital_transactions",
    "cost",
    "costed_transactions",
    "satisfaction_points",
    "satisfaction_responses",
)


@dataclass
class Prefill:
    value: Decimal | None
    note: str = ""
    reason: str = ""


def period_years(period_start, period_end):
    """The calendar years a period touches: start to end inclusive, or the one year given."""
    first = period_start or period_end
    last = period_end or period_start
    if first is None:
        return []
    return list(range(first.year, last.year + 1))


def project_figures(project, years, user=None):
    """The all-channel cost figures of the project's services in `years`: every provider's for the services the
    project's institution holds, its own for the others; limited to what `user` may see when a user is given."""
    services = project.services.all()
    figures = CostFigure.objects.filter(channel__isnull=True, year__in=years, service__in=services).filter(
        Q(service__holder_id=project.institution_id) | Q(provider_id=project.institution_id)
    )
    if user is not None:
        figures = visible_cost_figures(user, figures)
    return figures


def _sums(figures):
    sums = figures.aggregate(**{name: Sum(name) for name in SUMMED})
    return {name: value or 0 for name, value in sums.items()}


def _rounded(value):
    return None if value is None else Decimal(value).quantize(STORED_PLACES, rounding=ROUND_HALF_UP)


def _years_label(years):
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def compute(source, figures, years):
    """The value of catalogue `source` over `figures` (already limited to the project and the years)."""
    if source == CatalogueSource.ELECTRONIC_USE:
        digital_offer = ServiceChannel.objects.filter(channel__is_digital=True).values("service_id")
        figures = figures.filter(service_id__in=digital_offer)
    sums = _sums(figures)
    result = ratios(sums)
    period = _years_label(years)
    services = figures.values("service_id").distinct().count()
    if source in (CatalogueSource.CHANNEL_PROPORTION, CatalogueSource.ELECTRONIC_USE):
        if not sums["transactions"]:
            return Prefill(
                None, reason=_("No completed transactions in the catalogue for {period}.").format(period=period)
            )
        return Prefill(
            _rounded(result["digital_takeup"] * HUNDRED),
            note=_("{period}, {services} service(s): {digital} of {total} completed transactions digital.").format(
                period=period, services=services, digital=sums["digital_transactions"], total=sums["transactions"]
            ),
        )
    if source == CatalogueSource.COST_PER_TRANSACTION:
        if result["cost_per_transaction"] is None:
            return Prefill(
                None, reason=_("No cost per transaction in the catalogue for {period}.").format(period=period)
            )
        return Prefill(
            _rounded(result["cost_per_transaction"]),
            note=_("{period}, {services} service(s): EUR {cost} over {total} completed transactions.").format(
                period=period,
                services=services,
                cost=_rounded(Decimal(sums["cost"])),
                total=sums["costed_transactions"],
            ),
        )
    if source == CatalogueSource.SATISFACTION:
        if result["satisfaction_score"] is None:
            return Prefill(
                None, reason=_("No satisfaction ratings in the catalogue for {period}.").format(period=period)
            )
        return Prefill(
            _rounded(result["satisfaction_score"]),
            note=_("{period}, {services} service(s): {responses} satisfaction responses.").format(
                period=period, services=services, responses=sums["satisfaction_responses"]
            ),
        )
    return None


def prefill_value(project, indicator, period_start, period_end, user=None):
    """The value the catalogue gives `indicator` for `project` over the period, with a note on what it was
    computed from (or the reason there is none); None when the indicator has no catalogue source."""
    if not indicator.catalogue_source:
        return None
    years = period_years(period_start, period_end)
    if not years:
        return Prefill(None, reason=_("The measurement has no period."))
    return compute(indicator.catalogue_source, project_figures(project, years, user), years)


def prefill_measurement(project, indicator, phase, period_start, period_end, user=None, overwrite=False):
    """Write the catalogue's value into the project's measurement of `indicator` in `phase`: create it, or
    update a pre-filled one. An entered value is kept unless `overwrite`. Returns the measurement, or None
    when the catalogue has no value and nothing was measured."""
    prefill = prefill_value(project, indicator, period_start, period_end, user)
    with transaction.atomic():
        existing = (
            Measurement.objects.select_for_update().filter(project=project, indicator=indicator, phase=phase).first()
        )
        if prefill is None or prefill.value is None:
            return existing
        if existing is not None and existing.source == MeasurementSource.ENTERED and not overwrite:
            return existing
        measurement = existing or Measurement(project=project, indicator=indicator, phase=phase)
        measurement.period_start = period_start
        measurement.period_end = period_end
        measurement.value = prefill.value
        measurement.source = MeasurementSource.PREFILLED
        measurement.source_note = prefill.note[:500]
        measurement.measured_on = timezone.localdate()
        if user is not None and user.is_authenticated:
            measurement.measured_by = user
        measurement.full_clean()
        measurement.save()
        return measurement


def prefill_phase(project, phase, period_start, period_end, user=None, overwrite=False):
    """Pre-fill every usable indicator with a catalogue source for `phase`; returns the measurements written or
    kept."""
    from .scoping import project_indicators

    written = []
    for indicator in project_indicators(project).exclude(catalogue_source=""):
        measurement = prefill_measurement(project, indicator, phase, period_start, period_end, user, overwrite)
        if measurement is not None:
            written.append(measurement)
    return written
