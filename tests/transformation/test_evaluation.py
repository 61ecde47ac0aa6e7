"""The before/after table and the cost–benefit figures (transformation/evaluation.py), on hand-worked numbers.

Δ = final − baseline; Δ% = Δ / |baseline| × 100; gain or loss by the indicator's good direction. Cost–benefit
over h years: total benefit h·B, total expenditure I + h·R, net = h·B − (I + h·R), BCR = h·B / (I + h·R),
payback = I / (B − R). The synthetic example of seed 003 §4.3 (b) is the cost–benefit case."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.transformation.factories import IndicatorFactory, MeasurementFactory, ProjectFactory
from transformation.evaluation import (
    Outcome,
    classify,
    cost_benefit,
    cost_benefit_from,
    delta,
    delta_percent,
    evaluate,
)
from transformation.models import GoodDirection, MeasurementPhase, MonetaryRole, ValueKind

D = Decimal
BASE, MID, FIN = MeasurementPhase.BASELINE, MeasurementPhase.INTERIM, MeasurementPhase.FINAL


def measure(project, indicator, **values):
    for phase, value in values.items():
        if indicator.value_kind == ValueKind.TEXT:
            MeasurementFactory(project=project, indicator=indicator, phase=phase, value=None, text_value=value)
        else:
            MeasurementFactory(project=project, indicator=indicator, phase=phase, value=D(value))


def test_delta_and_percent_by_hand():
    # 65 − 30 = 35; 35 / 30 × 100 = 116.666…
    assert delta(D(30), D(65)) == D(35)
    assert delta_percent(D(30), D(65)).quantize(D("0.001")) == D("116.667")
    # 15 − 20 = −5; −5 / 20 × 100 = −25
    assert delta_percent(D(20), D(15)) == D(-25)
    # no percentage against a zero or missing baseline, no delta without both values
    assert delta_percent(D(0), D(10)) is None
    assert delta(None, D(10)) is None and delta_percent(D(5), None) is None


def test_classification_follows_the_good_direction():
    assert classify(D(35), GoodDirection.UP) == Outcome.GAIN
    assert classify(D(-5), GoodDirection.UP) == Outcome.LOSS
    assert classify(D(-5), GoodDirection.DOWN) == Outcome.GAIN
    assert classify(D(10000), GoodDirection.DOWN) == Outcome.LOSS
    assert classify(D(0), GoodDirection.DOWN) == Outcome.UNCHANGED
    assert classify(D(15), GoodDirection.NONE) == Outcome.NOT_CLASSED
    assert classify(None, GoodDirection.UP) == Outcome.NOT_CLASSED


@pytest.mark.django_db
def test_the_before_after_table_of_a_project():
    project = ProjectFactory()
    e_use = IndicatorFactory(code="EUSE", order=1, value_kind=ValueKind.SHARE, good_direction="up", mandatory=True)
    staff = IndicatorFactory(code="STAFF", order=2, value_kind=ValueKind.COUNT, good_direction="down")
    running = IndicatorFactory(code="RUN", order=3, value_kind=ValueKind.MONEY, good_direction="down")
    digital_staff = IndicatorFactory(code="DSTAFF", order=4, value_kind=ValueKind.SHARE, good_direction="none")
    rating = IndicatorFactory(code="RATING", order=5, value_kind=ValueKind.SCORE, good_direction="up")
    waiting = IndicatorFactory(code="WAIT", order=6, value_kind=ValueKind.COUNT, good_direction="up", mandatory=True)
    notes = IndicatorFactory(code="NOTES", order=7, value_kind=ValueKind.TEXT, good_direction="none")
    measure(project, e_use, baseline="30", final="65")
    measure(project, staff, baseline="20", interim="18", final="15")
    measure(project, running, baseline="0", final="10000")
    measure(project, digital_staff, baseline="10", final="25")
    measure(project, rating, baseline="70", final="70")
    measure(project, waiting, baseline="4")
    measure(project, notes, baseline="sākums", final="beigas")
    other_project = ProjectFactory()
    measure(other_project, staff, baseline="1", final="100")  # another project's values never mix in

    evaluation = evaluate(project)
    rows = {row.indicator.code: row for row in evaluation.rows}

    assert list(rows) == ["EUSE", "STAFF", "RUN", "DSTAFF", "RATING", "WAIT", "NOTES"]
    # electronic use 30 % → 65 %: +35 points, +116.7 %, higher is better: gain
    assert (rows["EUSE"].delta, rows["EUSE"].outcome) == (D(35), Outcome.GAIN)
    # staff 20 → 15 FTE: −5, −25 %, lower is better: gain; during the project 18 − 20 = −2
    assert (rows["STAFF"].delta, rows["STAFF"].delta_percent, rows["STAFF"].outcome) == (D(-5), D(-25), Outcome.GAIN)
    assert rows["STAFF"].interim_delta == D(-2)
    # running cost 0 → 10 000: +10 000, no percentage against 0, lower is better: loss
    assert (rows["RUN"].delta, rows["RUN"].delta_percent, rows["RUN"].outcome) == (D(10000), None, Outcome.LOSS)
    # digital staff share 10 → 25: +15, +150 %, no good direction: not classed
    assert (rows["DSTAFF"].delta_percent, rows["DSTAFF"].outcome) == (D(150), Outcome.NOT_CLASSED)
    # rating 70 → 70: unchanged
    assert (rows["RATING"].delta, rows["RATING"].delta_percent, rows["RATING"].outcome) == (
        D(0),
        D(0),
        Outcome.UNCHANGED,
    )
    # no final value: no delta, not classed; being mandatory, the final measurement is missing
    assert (rows["WAIT"].delta, rows["WAIT"].outcome, rows["WAIT"].missing_phases) == (None, Outcome.NOT_CLASSED, [FIN])
    assert rows["NOTES"].outcome == Outcome.NOT_CLASSED
    # gains: EUSE, STAFF; losses: RUN; unchanged: RATING; not classed: DSTAFF, WAIT, NOTES
    assert (evaluation.gains, evaluation.losses, evaluation.unchanged, evaluation.not_classed) == (2, 1, 1, 3)
    assert [row.indicator.code for row in evaluation.missing] == ["WAIT"]


@pytest.mark.django_db
def test_a_mandatory_indicator_never_measured_still_has_a_row():
    project = ProjectFactory()
    IndicatorFactory(code="MUST", mandatory=True)
    IndicatorFactory(code="OPTIONAL", mandatory=False)
    IndicatorFactory(code="RETIRED", mandatory=True, active=False)
    rows = {row.indicator.code: row for row in evaluate(project).rows}
    assert set(rows) == {"MUST"}
    assert rows["MUST"].missing_phases == [BASE, FIN]


def test_cost_benefit_of_the_seed_example():
    # seed 003 §4.3 (b): one-off 120 000, running 10 000 a year, benefit 72 000 a year; over 5 years:
    result = cost_benefit_from(D(120000), D(10000), D(72000), 5)
    # total benefit 5 × 72 000 = 360 000; total expenditure 120 000 + 5 × 10 000 = 170 000
    assert (result.total_benefit, result.total_expenditure) == (D(360000), D(170000))
    # net benefit 360 000 − 170 000 = 190 000; BCR 360 000 / 170 000 = 2.1176…; ROI 190 000 / 170 000 = 1.1176…
    assert result.net_benefit == D(190000)
    assert result.benefit_cost_ratio.quantize(D("0.0001")) == D("2.1176")
    assert result.return_on_investment.quantize(D("0.0001")) == D("1.1176")
    # yearly net 72 000 − 10 000 = 62 000; payback 120 000 / 62 000 = 1.935… ≈ 1.94 years (as the seed says)
    assert result.yearly_net_benefit == D(62000)
    assert result.payback_years.quantize(D("0.01")) == D("1.94")
    assert result.complete


def test_an_investment_that_never_pays_back_has_no_payback():
    # benefit 5 000 a year against running cost 8 000 a year: yearly net −3 000
    result = cost_benefit_from(D(50000), D(8000), D(5000), 1)
    assert result.payback_years is None
    # net over 1 year: 5 000 − (50 000 + 8 000) = −53 000
    assert result.net_benefit == D(-53000)


def test_missing_inputs_leave_the_figures_empty():
    result = cost_benefit_from(D(1000), None, D(500), 3)
    assert result.net_benefit is None and result.benefit_cost_ratio is None and result.payback_years is None
    assert result.total_benefit == D(1500)  # 3 × 500
    assert result.missing_roles == [MonetaryRole.RUNNING_COST]
    assert not result.complete


@pytest.mark.django_db
def test_a_projects_cost_benefit_sums_every_indicator_of_a_role():
    project = ProjectFactory(appraisal_years=5)
    money = {"value_kind": ValueKind.MONEY, "good_direction": "none"}
    measure(project, IndicatorFactory(monetary_role=MonetaryRole.INVESTMENT, **money), final="120000")
    measure(project, IndicatorFactory(monetary_role=MonetaryRole.RUNNING_COST, **money), final="10000")
    measure(project, IndicatorFactory(monetary_role=MonetaryRole.BENEFIT, **money), baseline="0", final="50000")
    measure(project, IndicatorFactory(monetary_role=MonetaryRole.BENEFIT, **money), final="22000")
    # benefits 50 000 + 22 000 = 72 000 a year: the seed example again
    result = cost_benefit(project)
    assert (result.investment, result.running_cost, result.benefit) == (D(120000), D(10000), D(72000))
    assert result.net_benefit == D(190000)
    # the baseline holds only the first benefit (0) and no costs
    baseline = cost_benefit(project, phase=MeasurementPhase.BASELINE)
    assert (baseline.benefit, baseline.investment, baseline.net_benefit) == (D(0), None, None)
    assert evaluate(project).cost_benefit.net_benefit == D(190000)


amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=D("0.01"), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
money = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(amounts.filter(lambda value: value != 0))
def test_a_change_and_its_opposite_are_classed_oppositely(change):
    opposite = {Outcome.GAIN: Outcome.LOSS, Outcome.LOSS: Outcome.GAIN}
    assert classify(-change, GoodDirection.UP) == opposite[classify(change, GoodDirection.UP)]
    # lower-is-better reads a change as higher-is-better reads its opposite
    assert classify(change, GoodDirection.DOWN) == classify(-change, GoodDirection.UP)


@given(amounts.filter(lambda value: value != 0), amounts)
def test_the_percentage_has_the_sign_of_the_change_and_rebuilds_the_final_value(before, after):
    percent = delta_percent(before, after)
    change = delta(before, after)
    assert (percent > 0) == (change > 0) and (percent < 0) == (change < 0)
    assert abs(before + percent * abs(before) / 100 - after) < D("0.000001")


@given(money, money, money, st.integers(min_value=1, max_value=30))
def test_net_benefit_and_ratio_agree(investment, running, benefit, years):
    result = cost_benefit_from(investment, running, benefit, years)
    assert result.net_benefit == result.total_benefit - result.total_expenditure
    if result.total_expenditure > 0:
        assert (result.benefit_cost_ratio > 1) == (result.net_benefit > 0)
    if result.payback_years is not None:
        # the investment is repaid by the yearly net benefit in exactly the payback period
        assert abs(result.payback_years * result.yearly_net_benefit - investment) < D("0.000001")
