from datetime import date
from decimal import Decimal

from django.utils import translation

from services.validation import ServiceFacts, cost_errors, figure_errors, period_bounds

FACTS = ServiceFacts(valid_from=date(2020, 7, 1), valid_to=None, provider_ids=frozenset({7}))


def figure(**changes):
    values = {
        "provider_id": 7,
        "year": 2023,
        "period_type": "year",
        "period_number": 0,
        "started": 100,
        "completed": 90,
        "satisfaction_mean": Decimal("4.2"),
        "satisfaction_responses": 12,
        "rating_scale_min": 1,
        "rating_scale_max": 5,
    }
    values.update(changes)
    with translation.override("en"):
        return figure_errors(values, FACTS)


def test_a_sound_figure_has_no_errors():
    assert figure() == {}


def test_each_rule_names_its_field():
    assert set(figure(provider_id=8)) == {"provider"}
    assert set(figure(started=-1, completed=0)) == {"started"}
    assert figure(completed=120)["completed"] == "120 completed is more than 100 started"
    assert set(figure(started=None, completed=120)) == set()  # started not reported: no comparison
    assert figure(satisfaction_mean=Decimal("5.5"))["satisfaction_mean"] == "rating 5.5 is outside the scale 1–5"
    assert set(figure(rating_scale_max=None)) == {"rating_scale_max"}
    assert set(figure(period_type="quarter", period_number=5)) == {"period_number"}
    assert set(figure(year=2019)) == {"year"}  # before the service's lifetime


def test_a_period_overlapping_the_start_of_the_lifetime_is_accepted():
    assert figure(year=2020) == {}  # the year 2020 overlaps the lifetime that starts on 1 July 2020
    assert set(figure(year=2020, period_type="quarter", period_number=2)) == {"year"}  # Q2 2020 ends 30 June


def test_period_bounds_of_a_leap_february():
    assert period_bounds(2024, "month", 2) == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_bounds(2023, "quarter", 4) == (date(2023, 10, 1), date(2023, 12, 31))


def test_cost_rules():
    with translation.override("en"):
        assert cost_errors({"provider_id": 7, "year": 2023, "amount": Decimal("10.00")}, FACTS) == {}
        assert set(cost_errors({"provider_id": 7, "year": 2023, "amount": Decimal("-1")}, FACTS)) == {"amount"}
