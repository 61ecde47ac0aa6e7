"""The grant model simulator (seed 001 F8, measure 18): a budget allocated to each centre by its results, beside
the grants paid today.

For a period, over the centres of the network (those that served in it, or recorded services or visits; read
from the stored CentreFigure rows, vpvkac/network.py):

- KPI_v = the mean of the centre's satisfaction and mystery-client scores in the period, each on 0–100
  ((score − scale min) / (scale max − scale min) × 100); a centre without scores has KPI 0.
- Normalised score_v = Σ_k w_k × x_k,v / Σ_u x_k,u  /  Σ_k w_k, for k in services, consultations and KPI
  (a component whose network total is 0 adds nothing). The scores of all centres sum to 1.
- Cap N (optional): in each municipality only the N centres with the highest score are funded (ties: more
  services and consultations, then the centre code); the others get nothing and their score is not used.
- Simulated grant_v = budget × score_v / Σ_{funded u} score_u, in cents, rounded by the largest remainder
  (each centre gets the whole cents of its share, the cents left over go one each to the largest fractions),
  so the grants add up to the budget exactly.
- Current grant_v = the centre's own maintenance and salary grants in the period + an equal share of its
  municipality's (today the grant is paid to the municipality and the sources do not say how it is divided
  among its centres), the shares also rounded by the largest remainder. The creation grant is not counted.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Sum

from .centres import serving_centre_ids
from .models import RUNNING_GRANT_KINDS, CentreFigure, Grant, ReportingPeriod, SatisfactionScore

WEIGHT_NAMES = ("services", "consultations", "kpi")
CENT = Decimal("0.01")


@dataclass
class SimulatedGrant:
    centre: object
    municipality_id: int
    services: int
    consultations: int
    kpi: Decimal | None  # 0–100; None without scores
    score: Fraction
    rank: int  # 1 = the highest score in its municipality
    funded: bool
    current_grant: Decimal
    current_from_municipality: Decimal  # the part of the current grant that is a share of the municipality's
    simulated_grant: Decimal

    @property
    def difference(self):
        return self.simulated_grant - self.current_grant

    @property
    def score_percent(self):
        """The normalised score as a share of the whole network, in per cent (four decimals)."""
        return Decimal(self.score.numerator * 100) / Decimal(self.score.denominator)


@dataclass
class Simulation:
    period: ReportingPeriod
    budget: Decimal
    weights: dict
    max_centres_per_municipality: int | None
    rows: list = field(default_factory=list)

    @property
    def current_total(self):
        return sum((row.current_grant for row in self.rows), Decimal(0))

    @property
    def simulated_total(self):
        return sum((row.simulated_grant for row in self.rows), Decimal(0))

    @property
    def difference_total(self):
        return self.simulated_total - self.current_total

    @property
    def unfunded(self):
        return [row for row in self.rows if not row.funded]


def _fraction(value):
    """An exact fraction of an int, Decimal, float (by its shortest decimal form) or numeric text."""
    if isinstance(value, float):
        value = str(value)
    return Fraction(Decimal(value) if isinstance(value, str) else value)


def largest_remainder(total_cents, shares):
    """Split `total_cents` (an int) in proportion to `shares` ({key: non-negative Fraction}, not all 0): every key
    gets the whole cents of its exact part, and the cents left over go one each to the largest fractional parts
    (ties: the order of `shares`). Returns {key: cents}; the cents add up to `total_cents`."""
    whole = sum(shares.values())
    if whole <= 0:
        raise ValueError("nothing to share in proportion to")
    exact = {key: Fraction(total_cents) * share / whole for key, share in shares.items()}
    cents = {key: part.numerator // part.denominator for key, part in exact.items()}
    left = total_cents - sum(cents.values())
    order = sorted(exact, key=lambda key: exact[key] - cents[key], reverse=True)  # a stable sort keeps the ties
    for key in order[:left]:
        cents[key] += 1
    return cents


def _cents(amount):
    return int((amount / CENT).to_integral_value())


def _amount(cents):
    return (Decimal(cents) * CENT).quantize(CENT)


def _check(budget, weights, cap):
    budget = Decimal(str(budget)) if isinstance(budget, float) else Decimal(budget)
    if budget < 0 or budget != budget.quantize(CENT):
        raise ValueError("the budget must be an amount of euros and cents, not negative")
    unknown = set(weights) - set(WEIGHT_NAMES)
    if unknown:
        raise ValueError(f"unknown weights: {', '.join(sorted(unknown))}")
    fractions = {name: _fraction(weights.get(name, 0) or 0) for name in WEIGHT_NAMES}
    if any(value < 0 for value in fractions.values()) or not any(fractions.values()):
        raise ValueError("the weights must not be negative, and at least one must be above 0")
    if cap is not None and (int(cap) != cap or cap < 1):
        raise ValueError("the cap must be a whole number of centres, at least 1")
    return budget, fractions


def _kpis(period, centre_ids):
    """Mean 0–100 score of each centre's satisfaction and mystery-client results in the period."""
    scores = defaultdict(list)
    for score in SatisfactionScore.objects.filter(period=period, centre__in=centre_ids):
        scores[score.centre_id].append(score.score_0_100)
    return {centre_id: sum(values) / len(values) for centre_id, values in scores.items()}


def _municipality_grants(period):
    rows = (
        Grant.objects.filter(period=period, municipality__isnull=False, kind__in=RUNNING_GRANT_KINDS)
        .values("municipality_id")
        .annotate(total=Sum("amount"))
    )
    return {row["municipality_id"]: row["total"] for row in rows}


def network_figures(period):
    """The period's CentreFigure rows of the centres in the network (served in the period, or recorded services
    or visits), with their centres."""
    rows = list(
        CentreFigure.objects.filter(period=period).select_related("centre", "centre__municipality").order_by("pk")
    )
    serving = serving_centre_ids(period.first_day, period.last_day, [row.centre for row in rows])
    return [row for row in rows if row.centre_id in serving or row.services or row.visits]


def simulate(budget, weights, period, max_centres_per_municipality=None):
    """Allocate `budget` (EUR) across the period's centres by `weights` ({"services": w1, "consultations": w2,
    "kpi": w3}) on their normalised scores, at most `max_centres_per_municipality` funded centres in a
    municipality, beside the current grants; returns a Simulation (rules: module docstring)."""
    if not isinstance(period, ReportingPeriod):
        period = ReportingPeriod.objects.get(pk=period)
    budget, fractions = _check(budget, weights, max_centres_per_municipality)
    figures = network_figures(period)
    simulation = Simulation(period, budget, dict(fractions), max_centres_per_municipality)
    if not figures:
        return simulation

    kpis = _kpis(period, [row.centre_id for row in figures])
    values = {
        row.centre_id: {
            "services": Fraction(row.services),
            "consultations": Fraction(row.consultations),
            "kpi": Fraction(kpis.get(row.centre_id, 0)),
        }
        for row in figures
    }
    totals = {name: sum(v[name] for v in values.values()) for name in WEIGHT_NAMES}
    weight_sum = sum(fractions.values())
    scores = {
        centre_id: sum((fractions[name] * v[name] / totals[name] for name in WEIGHT_NAMES if totals[name]), Fraction(0))
        / weight_sum
        for centre_id, v in values.items()
    }

    by_municipality = defaultdict(list)
    for row in figures:
        by_municipality[row.centre.municipality_id].append(row)
    rank = {}
    for rows in by_municipality.values():
        rows.sort(key=lambda row: (-scores[row.centre_id], -(row.services + row.consultations), row.centre.code))
        for position, row in enumerate(rows, start=1):
            rank[row.centre_id] = position
    cap = max_centres_per_municipality
    funded = [row for row in figures if cap is None or rank[row.centre_id] <= cap]
    funded.sort(key=lambda row: (-scores[row.centre_id], row.centre.code))
    if budget and not any(scores[row.centre_id] for row in funded):
        raise ValueError("the funded centres have no services, consultations or scores to allocate by")
    simulated = (
        largest_remainder(_cents(budget), {row.centre_id: scores[row.centre_id] for row in funded}) if budget else {}
    )

    shares = {}
    for municipality_id, total in _municipality_grants(period).items():
        rows = sorted(by_municipality.get(municipality_id, []), key=lambda row: row.centre.code)
        if rows:
            shares.update(largest_remainder(_cents(total), {row.centre_id: Fraction(1) for row in rows}))

    for municipality_rows in by_municipality.values():
        for row in municipality_rows:
            share = _amount(shares.get(row.centre_id, 0))
            simulation.rows.append(
                SimulatedGrant(
                    centre=row.centre,
                    municipality_id=row.centre.municipality_id,
                    services=row.services,
                    consultations=row.consultations,
                    kpi=kpis.get(row.centre_id),
                    score=scores[row.centre_id],
                    rank=rank[row.centre_id],
                    funded=cap is None or rank[row.centre_id] <= cap,
                    current_grant=(row.running_grant or Decimal(0)) + share,
                    current_from_municipality=share,
                    simulated_grant=_amount(simulated.get(row.centre_id, 0)),
                )
            )
    simulation.rows.sort(key=lambda row: (row.centre.municipality.name_lv, row.rank))
    return simulation


__all__ = ["SimulatedGrant", "Simulation", "largest_remainder", "simulate"]
