"""The grant model simulator (vpvkac/grants.py) on a hand-made network.

Period 2024; municipality M1 with centres A, B, C, municipality M2 with centre D:

    centre  services  consultations  scores (0–100)                          KPI
    A       60        20             satisfaction 4.2 on 1–5 → 80            80
    B       30        10             mystery client 60 on 0–100 → 60         60
    C       10        10             none                                    0
    D       100       60             satisfaction 5 on 1–5 → 100, mystery 100 100
    total   200       100                                                    240

Weights services 2, consultations 1, KPI 1 (sum 4), in 240ths:
    A: (2 × 60/200 + 20/100 + 80/240) / 4 = (144 + 48 + 80)/240 / 4 = 68/240
    B: (2 × 30/200 + 10/100 + 60/240) / 4 = (72 + 24 + 60)/240 / 4 = 39/240
    C: (2 × 10/200 + 10/100 + 0) / 4      = (24 + 24)/240 / 4      = 12/240
    D: (2 × 100/200 + 60/100 + 100/240)/4 = (240 + 144 + 100)/240/4 = 121/240     (sum 240/240 = 1)

Budget EUR 1,000.00 = 100,000 cents: A 28,333.33 → 28,333; B 16,250; C 5,000; D 50,416.67 → 50,416; whole
cents 99,999, the one left goes to the largest fraction (D .67 over A .33): D 50,417.

Current grants: M1's maintenance 700 + salary 300 = 1,000.00 (and a creation grant of 5,000, not counted) split
equally over A, B, C: 333.33 each, the cent left to the first by code (A 333.34); D's own maintenance 400 +
salary 500 = 900.00 (its creation grant of 1,000 not counted).
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from tests.factories import MunicipalityFactory
from tests.vpvkac.factories import CentreFactory, ContactFigureFactory, GrantFactory, ReportingPeriodFactory
from vpvkac import network
from vpvkac.grants import largest_remainder, simulate
from vpvkac.models import ContactType, GrantKind, SatisfactionScore, ScoreKind

WEIGHTS = {"services": 2, "consultations": 1, "kpi": 1}


@pytest.fixture
def network_2024(db):
    period = ReportingPeriodFactory()
    m1 = MunicipalityFactory(name_lv="A novads")
    m2 = MunicipalityFactory(name_lv="B novads")
    centres = {
        "A": CentreFactory(code="a", name="A", municipality=m1),
        "B": CentreFactory(code="b", name="B", municipality=m1),
        "C": CentreFactory(code="c", name="C", municipality=m1),
        "D": CentreFactory(code="d", name="D", municipality=m2),
    }
    for name, services, consultations in (("A", 60, 20), ("B", 30, 10), ("C", 10, 10), ("D", 100, 60)):
        ContactFigureFactory(centre=centres[name], date=date(2024, 5, 6), count=services)
        ContactFigureFactory(
            centre=centres[name], date=date(2024, 5, 6), contact_type=ContactType.CONSULTATION, count=consultations
        )
    for name, kind, score, low, high in (
        ("A", ScoreKind.SATISFACTION, "4.2", 1, 5),
        ("B", ScoreKind.MYSTERY_CLIENT, "60", 0, 100),
        ("D", ScoreKind.SATISFACTION, "5", 1, 5),
        ("D", ScoreKind.MYSTERY_CLIENT, "100", 0, 100),
    ):
        SatisfactionScore.objects.create(
            centre=centres[name], period=period, kind=kind, score=Decimal(score), scale_min=low, scale_max=high
        )
    GrantFactory(period=period, municipality=m1, kind=GrantKind.MAINTENANCE, amount=700)
    GrantFactory(period=period, municipality=m1, kind=GrantKind.SALARY, amount=300)
    GrantFactory(period=period, municipality=m1, kind=GrantKind.CREATION, amount=5000)
    GrantFactory(period=period, centre=centres["D"], kind=GrantKind.MAINTENANCE, amount=400)
    GrantFactory(period=period, centre=centres["D"], kind=GrantKind.SALARY, amount=500)
    GrantFactory(period=period, centre=centres["D"], kind=GrantKind.CREATION, amount=1000)
    network.recompute()
    return period


def by_name(simulation):
    return {row.centre.name: row for row in simulation.rows}


def test_the_scores_are_the_weighted_shares_of_the_network(network_2024):
    rows = by_name(simulate(Decimal("1000.00"), WEIGHTS, network_2024))
    assert {name: row.score for name, row in rows.items()} == {
        "A": Fraction(68, 240),
        "B": Fraction(39, 240),
        "C": Fraction(12, 240),
        "D": Fraction(121, 240),
    }
    assert (rows["A"].kpi, rows["C"].kpi, rows["D"].kpi) == (Decimal(80), None, Decimal(100))
    assert rows["D"].score_percent.quantize(Decimal("0.0001")) == Decimal("50.4167")  # 121/240 = 50.41666… %


def test_the_budget_is_allocated_by_score_and_adds_up_to_the_cent(network_2024):
    simulation = simulate(Decimal("1000.00"), WEIGHTS, network_2024)
    rows = by_name(simulation)
    assert {name: row.simulated_grant for name, row in rows.items()} == {
        "A": Decimal("283.33"),
        "B": Decimal("162.50"),
        "C": Decimal("50.00"),
        "D": Decimal("504.17"),  # the left-over cent: D's fraction .67 beats A's .33
    }
    assert simulation.simulated_total == Decimal("1000.00")


def test_the_current_grant_is_the_centres_own_plus_an_equal_share_of_its_municipalitys(network_2024):
    simulation = simulate(Decimal("1000.00"), WEIGHTS, network_2024)
    rows = by_name(simulation)
    assert {name: row.current_grant for name, row in rows.items()} == {
        "A": Decimal("333.34"),
        "B": Decimal("333.33"),
        "C": Decimal("333.33"),
        "D": Decimal("900.00"),
    }
    assert rows["A"].current_from_municipality == Decimal("333.34")
    assert rows["D"].current_from_municipality == Decimal("0.00")
    # The difference: 283.33 − 333.34 = −50.01 for A; 504.17 − 900.00 = −395.83 for D; 1,000 − 1,900 in all.
    assert (rows["A"].difference, rows["D"].difference) == (Decimal("-50.01"), Decimal("-395.83"))
    assert (simulation.current_total, simulation.difference_total) == (Decimal("1900.00"), Decimal("-900.00"))


def test_the_cap_funds_only_the_top_centres_of_a_municipality(network_2024):
    # Cap 2: M1 keeps A (68) and B (39); C (12) gets nothing. The funded scores sum to 68 + 39 + 121 = 228:
    # A 100,000 × 68/228 = 29,824.56; B × 39/228 = 17,105.26; D × 121/228 = 53,070.18 cents; whole cents 99,999,
    # the one left to the largest fraction, A's .56: A 298.25, B 171.05, D 530.70.
    simulation = simulate(Decimal("1000.00"), WEIGHTS, network_2024, max_centres_per_municipality=2)
    rows = by_name(simulation)
    assert {name: row.simulated_grant for name, row in rows.items()} == {
        "A": Decimal("298.25"),
        "B": Decimal("171.05"),
        "C": Decimal("0.00"),
        "D": Decimal("530.70"),
    }
    assert [row.centre.name for row in simulation.unfunded] == ["C"]
    assert (rows["A"].rank, rows["B"].rank, rows["C"].rank, rows["D"].rank) == (1, 2, 3, 1)
    assert simulation.simulated_total == Decimal("1000.00")


def test_a_single_weight_allocates_by_that_component_alone(network_2024):
    # KPI only: A 80/240, B 60/240, C 0, D 100/240 of 100,000 cents = 33,333.33, 25,000, 0, 41,666.67;
    # whole cents 99,999, the left-over cent to D (.67): A 333.33, B 250.00, C 0.00, D 416.67.
    rows = by_name(simulate(Decimal("1000.00"), {"kpi": 1}, network_2024))
    assert [rows[name].simulated_grant for name in "ABCD"] == [
        Decimal("333.33"),
        Decimal("250.00"),
        Decimal("0.00"),
        Decimal("416.67"),
    ]


def test_the_rows_come_by_municipality_then_rank(network_2024):
    simulation = simulate(Decimal("10.00"), WEIGHTS, network_2024)
    assert [row.centre.name for row in simulation.rows] == ["A", "B", "C", "D"]


def test_largest_remainder_gives_the_left_over_cents_in_order_on_ties():
    # 100 cents in three equal parts: 33.33 each, one cent left, to the first key.
    assert largest_remainder(100, {"x": Fraction(1), "y": Fraction(1), "z": Fraction(1)}) == {"x": 34, "y": 33, "z": 33}
    # 10 cents by 1 : 2 : 3 → 1.67, 3.33, 5.00 → 1, 3, 5 and one cent left to the largest fraction (.67).
    assert largest_remainder(10, {"a": Fraction(1), "b": Fraction(2), "c": Fraction(3)}) == {"a": 2, "b": 3, "c": 5}


@pytest.mark.parametrize(
    "budget, weights, cap",
    [
        (Decimal("-1"), WEIGHTS, None),  # a negative budget
        (Decimal("10.001"), WEIGHTS, None),  # a fraction of a cent
        (Decimal("10"), {"services": -1, "kpi": 2}, None),  # a negative weight
        (Decimal("10"), {"services": 0}, None),  # no weight at all
        (Decimal("10"), {"visits": 1}, None),  # an unknown weight
        (Decimal("10"), WEIGHTS, 0),  # a cap below one centre
    ],
)
def test_bad_inputs_are_refused(network_2024, budget, weights, cap):
    with pytest.raises(ValueError):
        simulate(budget, weights, network_2024, max_centres_per_municipality=cap)


def test_a_period_without_computed_figures_has_no_rows(db):
    period = ReportingPeriodFactory(code="2030", first_day=date(2030, 1, 1), last_day=date(2030, 12, 31))
    simulation = simulate(Decimal("100.00"), WEIGHTS, period.pk)
    assert (simulation.rows, simulation.simulated_total) == ([], Decimal(0))
