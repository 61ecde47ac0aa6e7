"""Coverage = population within R km of a serving fixed centre or a mobile stop / total population (seed 001 F6).

The hand-made grid: two columns of five settlements, on the meridians 24° E and 26° E, at 56.0°, 56.2°, 56.4°,
56.6° and 56.8° N. Along a meridian 0.2° = 22.24 km; the two columns are about 124 km apart, so a point in one
never covers the other (R = 30 km).

    column 24° E: 100, 200, 300, 400, 500 residents (1,500)
    column 26° E:  10,  20,  30,  40,  50 residents (150)         total 1,650
"""

import time as clock
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import MunicipalityFactory
from tests.vpvkac.factories import CentreFactory, SettlementFactory
from vpvkac import network
from vpvkac.centres import change_status
from vpvkac.models import CentreStatus, MobileCentre, MobileStop

LATITUDES = [56.0, 56.2, 56.4, 56.6, 56.8]
GRID_LAT = np.array(LATITUDES * 2)
GRID_LON = np.array([24.0] * 5 + [26.0] * 5)
GRID_POPULATION = np.array([100, 200, 300, 400, 500, 10, 20, 30, 40, 50])


def test_coverage_counts_the_population_within_r_of_a_point():
    # A centre at (56.0, 24.0) reaches 56.0 (0 km) and 56.2 (22.24 km) of its column: 100 + 200 = 300.
    result = network.coverage(GRID_LAT, GRID_LON, GRID_POPULATION, [56.0], [24.0], 30)
    assert (result.covered_population, result.population) == (300, 1650)
    assert result.share == pytest.approx(300 / 1650)
    # A stop at (56.4, 26.0) adds 56.2, 56.4 and 56.6 of the other column: 20 + 30 + 40 = 90 → 390.
    result = network.coverage(GRID_LAT, GRID_LON, GRID_POPULATION, [56.0, 56.4], [24.0, 26.0], 30)
    assert result.covered_population == 390
    assert list(result.covered) == [True, True, False, False, False, False, True, True, True, False]


def test_a_settlement_exactly_r_away_is_covered_and_one_just_beyond_is_not():
    r = float(network.haversine_km(56.0, 24.0, 56.2, 24.0))  # 22.239 km
    assert network.coverage([56.2], [24.0], [7], [56.0], [24.0], r).covered_population == 7
    assert network.coverage([56.2], [24.0], [7], [56.0], [24.0], r - 0.001).covered_population == 0


def test_no_points_cover_nobody_and_no_population_has_no_share():
    assert network.coverage(GRID_LAT, GRID_LON, GRID_POPULATION, [], [], 30).covered_population == 0
    assert network.coverage([], [], [], [56.0], [24.0], 30).share is None


@pytest.fixture
def grid(db):
    municipality = MunicipalityFactory()
    for index, (lat, lon, people) in enumerate(zip(GRID_LAT, GRID_LON, GRID_POPULATION, strict=True)):
        SettlementFactory(
            code=f"grid-{index}", municipality=municipality, latitude=lat, longitude=lon, population=people
        )
    centre = CentreFactory(municipality=municipality, latitude=56.0, longitude=24.0)
    return municipality, centre


def test_coverage_before_and_after_closing_a_centre_and_adding_a_stop(grid):
    municipality, centre = grid
    before, after = network.coverage_change(
        day=date(2024, 6, 1), close_centres=[centre.pk], add_stops=[(56.6, 24.0)], radius_km=30
    )
    assert before.covered_population == 300  # the centre: 100 + 200
    # the stop at 56.6° on 24° E instead: 56.4, 56.6, 56.8 → 300 + 400 + 500
    assert after.covered_population == 1200
    assert len(after.uncovered_ids) == 7  # 56.0 and 56.2 of the first column, and the whole second one


def test_mobile_stops_in_service_count_as_service_points(grid):
    municipality, centre = grid
    mobile = MobileCentre.objects.create(code="bus", name="Autobuss", in_service_from=date(2024, 1, 1))
    mobile.owners.add(municipality)
    MobileStop.objects.create(mobile_centre=mobile, name="Pietura", latitude=56.4, longitude=26.0)
    before, _after = network.coverage_change(day=date(2024, 6, 1), radius_km=30)
    assert before.covered_population == 390
    before, _after = network.coverage_change(day=date(2023, 6, 1), radius_km=30)  # the bus is not yet running
    assert before.covered_population == 300


def test_a_closed_centre_is_not_a_service_point(grid):
    _municipality, centre = grid
    change_status(centre, CentreStatus.CLOSED, date(2024, 3, 1))
    assert network.coverage_change(day=date(2024, 2, 29), radius_km=30)[0].covered_population == 300
    assert network.coverage_change(day=date(2024, 3, 1), radius_km=30)[0].covered_population == 0


def test_5000_settlements_by_200_points_take_well_under_two_seconds():
    rng = np.random.default_rng(2018)
    lat, lon = rng.uniform(55.7, 58.0, 5000), rng.uniform(21.0, 28.2, 5000)
    population = rng.integers(1, 5000, 5000)
    point_lat, point_lon = rng.uniform(55.7, 58.0, 200), rng.uniform(21.0, 28.2, 200)
    started = clock.perf_counter()
    result = network.coverage(lat, lon, population, point_lat, point_lon, 30)
    elapsed = clock.perf_counter() - started
    assert 0 < result.covered_population <= result.population
    assert elapsed < 2.0, elapsed


latitude = st.floats(55.7, 58.1, allow_nan=False)
longitude = st.floats(20.9, 28.3, allow_nan=False)
points = st.lists(st.tuples(latitude, longitude), max_size=15)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    settlements=st.lists(st.tuples(latitude, longitude, st.integers(0, 10_000)), min_size=1, max_size=40),
    existing=points,
    new_stop=st.tuples(latitude, longitude),
    radius=st.floats(1, 80),
)
def test_adding_a_stop_never_decreases_coverage(settlements, existing, new_stop, radius):
    lat, lon, population = (np.array(column) for column in zip(*settlements, strict=True))
    before = network.coverage(lat, lon, population, [p[0] for p in existing], [p[1] for p in existing], radius)
    after = network.coverage(
        lat, lon, population, [p[0] for p in [*existing, new_stop]], [p[1] for p in [*existing, new_stop]], radius
    )
    assert after.covered_population >= before.covered_population
    assert np.all(after.covered >= before.covered)  # nobody covered before is uncovered by a new stop
