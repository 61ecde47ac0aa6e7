"""The before/after evaluation of a transformation project (domain brief §3 "Before/after"; seed 003 §3.1, §4.2
F6–F7): one row per indicator with its baseline, interim and final values, the change, and whether the change
is a gain or a loss; and the project's cost–benefit figures from its money indicators.

Every value is a Decimal kept at full precision; rounding is for display.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import GoodDirection, IndicatorScope, Measurement, MeasurementPhase, MonetaryRole, ResultIndicator

HUNDRED = Decimal(100)
CLOSING_PHASES = (MeasurementPhase.BASELINE, MeasurementPhase.FINAL)


class Outcome(models.TextChoices):
    GAIN = "gain", _("Gain")
    LOSS = "loss", _("Loss")
    UNCHANGED = "unchanged", _("Unchanged")
    NOT_CLASSED = "not_classed", _("Not classed")


def delta(before, after):
    """Δ = after − before; None when either value is missing."""
    if before is None or after is None:
        return None
    return Decimal(after) - Decimal(before)


def delta_percent(before, after):
    """Δ% = (after − before) / |before| × 100; None when a value is missing or before is 0. Dividing by the
    absolute value keeps the sign of Δ% that of Δ should a score ever start below zero."""
    change = delta(before, after)
    if change is None or Decimal(before) == 0:
        return None
    return change / abs(Decimal(before)) * HUNDRED


def classify(change, good_direction):
    """Gain when Δ goes the indicator's good direction, loss when it goes against it, unchanged when Δ = 0;
    not classed when Δ is missing or the indicator has no good direction."""
    if change is None:
        return Outcome.NOT_CLASSED
    if change == 0:
        return Outcome.UNCHANGED
    if good_direction == GoodDirection.UP:
        return Outcome.GAIN if change > 0 else Outcome.LOSS
    if good_direction == GoodDirection.DOWN:
        return Outcome.GAIN if change < 0 else Outcome.LOSS
    return Outcome.NOT_CLASSED


@dataclass
class IndicatorRow:
    indicator: ResultIndicator
    baseline: Measurement | None = None
    interim: Measurement | None = None
    final: Measurement | None = None
    delta: Decimal | None = None
    delta_percent: Decimal | None = None
    interim_delta: Decimal | None = None
    outcome: str = Outcome.NOT_CLASSED
    missing_phases: list = field(default_factory=list)

    @property
    def mandatory(self):
        return self.indicator.mandatory

    @property
    def baseline_value(self):
        return self.baseline.value if self.baseline else None

    @property
    def interim_value(self):
        return self.interim.value if self.interim else None

    @property
    def final_value(self):
        return self.final.value if self.final else None

    @property
    def outcome_label(self):
        return Outcome(self.outcome).label


def indicator_row(indicator, by_phase):
    """The evaluation row of one indicator from its measurements by phase ({phase: Measurement})."""
    row = IndicatorRow(
        indicator=indicator,
        baseline=by_phase.get(MeasurementPhase.BASELINE),
        interim=by_phase.get(MeasurementPhase.INTERIM),
        final=by_phase.get(MeasurementPhase.FINAL),
    )
    if indicator.is_numeric:
        row.delta = delta(row.baseline_value, row.final_value)
        row.delta_percent = delta_percent(row.baseline_value, row.final_value)
        row.interim_delta = delta(row.baseline_value, row.interim_value)
        row.outcome = classify(row.delta, indicator.good_direction)
    if indicator.mandatory:
        row.missing_phases = [phase for phase in CLOSING_PHASES if not _is_measured(by_phase.get(phase))]
    return row


def _is_measured(measurement):
    return measurement is not None and (measurement.value is not None or measurement.text_value.strip() != "")


@dataclass
class CostBenefit:
    """The cost–benefit figures (seed 003 §4.2 F6) over an appraisal period of `years` years, undiscounted (the
    source gives no discount rate). A figure is None where an input is missing or a division is by zero."""

    investment: Decimal | None
    running_cost: Decimal | None
    benefit: Decimal | None
    years: int
    total_benefit: Decimal | None = None
    total_expenditure: Decimal | None = None
    net_benefit: Decimal | None = None
    benefit_cost_ratio: Decimal | None = None
    return_on_investment: Decimal | None = None
    yearly_net_benefit: Decimal | None = None
    payback_years: Decimal | None = None

    @property
    def complete(self):
        return None not in (self.investment, self.running_cost, self.benefit)

    @property
    def missing_roles(self):
        values = {
            MonetaryRole.INVESTMENT: self.investment,
            MonetaryRole.RUNNING_COST: self.running_cost,
            MonetaryRole.BENEFIT: self.benefit,
        }
        return [role for role, value in values.items() if value is None]


def cost_benefit_from(investment, running_cost, benefit, years):
    """With I the one-off investment, R the yearly running cost, B the yearly monetary benefit and h years:
    total benefit = h·B; total expenditure = I + h·R; net benefit = h·B − (I + h·R);
    benefit–cost ratio = h·B / (I + h·R); ROI = net benefit / (I + h·R); yearly net benefit = B − R;
    payback (years) = I / (B − R), only when B − R > 0 (otherwise the investment never pays back: None)."""
    result = CostBenefit(investment=investment, running_cost=running_cost, benefit=benefit, years=years)
    h = Decimal(years)
    if benefit is not None:
        result.total_benefit = h * benefit
    if investment is not None and running_cost is not None:
        result.total_expenditure = investment + h * running_cost
    if result.total_benefit is not None and result.total_expenditure is not None:
        result.net_benefit = result.total_benefit - result.total_expenditure
        if result.total_expenditure != 0:
            result.benefit_cost_ratio = result.total_benefit / result.total_expenditure
            result.return_on_investment = result.net_benefit / result.total_expenditure
    if benefit is not None and running_cost is not None:
        result.yearly_net_benefit = benefit - running_cost
        if investment is not None and result.yearly_net_benefit > 0:
            result.payback_years = investment / result.yearly_net_benefit
    return result


def _sum_by_role(measurements):
    """Σ of the values of each monetary role; a role without any measured value stays None (not 0)."""
    sums = {MonetaryRole.INVESTMENT: None, MonetaryRole.RUNNING_COST: None, MonetaryRole.BENEFIT: None}
    for measurement in measurements:
        role = measurement.indicator.monetary_role
        if role in sums and measurement.value is not None:
            sums[role] = (sums[role] or Decimal(0)) + measurement.value
    return sums


def cost_benefit(project, phase=MeasurementPhase.FINAL, measurements=None):
    """The project's cost–benefit figures from the money indicators measured in `phase` (cost_benefit_from),
    each role summed over every indicator of that role."""
    if measurements is None:
        measurements = project.measurements.filter(phase=phase).select_related("indicator")
    else:
        measurements = [m for m in measurements if m.phase == phase]
    sums = _sum_by_role(measurements)
    return cost_benefit_from(
        sums[MonetaryRole.INVESTMENT],
        sums[MonetaryRole.RUNNING_COST],
        sums[MonetaryRole.BENEFIT],
        project.appraisal_years,
    )


@dataclass
class Evaluation:
    project: object
    rows: list
    cost_benefit: CostBenefit

    def count(self, outcome):
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def gains(self):
        return self.count(Outcome.GAIN)

    @property
    def losses(self):
        return self.count(Outcome.LOSS)

    @property
    def unchanged(self):
        return self.count(Outcome.UNCHANGED)

    @property
    def not_classed(self):
        return self.count(Outcome.NOT_CLASSED)

    @property
    def missing(self):
        """The mandatory rows without a baseline or a final measurement."""
        return [row for row in self.rows if row.missing_phases]


def required_indicators():
    """The active mandatory national indicators every project measures (institutions' own are never mandatory)."""
    return ResultIndicator.objects.filter(
        Q(scope=IndicatorScope.LIBRARY) | Q(scope=IndicatorScope.TREND), mandatory=True, active=True
    )


def evaluate(project):
    """The before/after table of `project`: a row for every active mandatory indicator and every indicator the
    project measured, in the library's order, and the cost–benefit figures of the final measurement."""
    measurements = list(project.measurements.select_related("indicator"))
    by_indicator = {}
    for measurement in measurements:
        by_indicator.setdefault(measurement.indicator_id, {})[measurement.phase] = measurement
    indicators = {indicator.pk: indicator for indicator in required_indicators()}
    indicators.update({m.indicator_id: m.indicator for m in measurements})
    ordered = sorted(indicators.values(), key=lambda indicator: (indicator.order, indicator.code))
    rows = [indicator_row(indicator, by_indicator.get(indicator.pk, {})) for indicator in ordered]
    return Evaluation(project=project, rows=rows, cost_benefit=cost_benefit(project, measurements=measurements))
