"""Network review screening (seed 001 F5) and cost per service (F3) on a hand-made network with known coordinates.

All centres lie on the meridian 24° E, so the distance between two of them is R_earth × Δφ:
0.1° of latitude = 6371 km × π/1800 = 11.1195 km.

    municipality M1: A at 56.00°, B at 56.20° (22.24 km from A), C at 56.60° (44.48 km from B, 66.72 from A)
    municipality M2: D at 56.75°, its only centre (16.68 km from C)
    municipality M3: E at 58.00°, its only centre (139 km from D)
    municipality M4: F at 56.00°, 25.00° E, a regional centre (1° of longitude at 56° ≈ 62.2 km from A)

Grants and services in 2024 (A = EUR 12.00 fixed, so 2A = 24.00):
    M1: maintenance 600 + salary 400 to the municipality (+ creation 5,000, excluded); services A 50, B 30, C 20
        → cost per service 1,000 / 100 = 10.00 for each of its centres
    M2: maintenance 300 + salary 300 to the centre D; 20 services → 600 / 20 = 30.00 (the centre's own grants)
    M3: maintenance 500 to the municipality; E 10 services → 50.00
    M4: salary 1,000 to the municipality; F 40 services → 25.00
"""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from institutions.models import DevelopmentTier
from tests.factories import MunicipalityFactory
from tests.vpvkac.factories import (
    CentreFactory,
    ContactFigureFactory,
    GrantFactory,
    ReportingPeriodFactory,
    SettlementFactory,
)
from vpvkac import network, review
from vpvkac.centres import change_status
from vpvkac.models import (
    CentreFigure,
    CentreStatus,
    ClientType,
    ContactType,
    CostBand,
    CostBasis,
    GrantKind,
    MunicipalityFigure,
    NetworkParameters,
    NetworkRecomputation,
    PeriodSummary,
    ReviewDecision,
    StaffType,
)
from vpvkac.network import ScreeningCentre, screen

KM_PER_TENTH_DEGREE = 6371 * 3.141592653589793 / 1800  # 11.1195 km


def centre(id, municipality, lat, cost, lon=24.0, tier=DevelopmentTier.LOCAL):
    return ScreeningCentre(id, municipality, tier, lat, lon, None if cost is None else Decimal(cost))


HAND_MADE = [
    centre("A", 1, 56.00, "10"),
    centre("B", 1, 56.20, "10"),
    centre("C", 1, 56.60, "10"),
    centre("D", 2, 56.75, "30"),
    centre("E", 3, 58.00, "50"),
    centre("F", 4, 56.00, "25", lon=25.0, tier=DevelopmentTier.REGIONAL),
]


def test_haversine_on_a_meridian_is_radius_times_angle():
    assert network.haversine_km(56.0, 24.0, 56.2, 24.0) == pytest.approx(2 * KM_PER_TENTH_DEGREE)
    # On the equator a degree of longitude is a degree of the great circle too: 111.195 km.
    assert network.haversine_km(0.0, 10.0, 0.0, 11.0) == pytest.approx(10 * KM_PER_TENTH_DEGREE)
    # Away from the equator it is shorter: 56° N, 24° E to 25° E is about cos 56° × 111.195 = 62.2 km.
    assert network.haversine_km(56.0, 24.0, 56.0, 25.0) == pytest.approx(62.2, abs=0.1)


def test_criterion_1_needs_another_centre_of_the_same_municipality_within_r():
    result = screen(HAND_MADE, 30, Decimal("12"))
    assert result["A"].criterion_same_municipality is True  # B at 22.24 km
    assert result["B"].criterion_same_municipality is True  # A at 22.24 km
    assert result["C"].criterion_same_municipality is False  # B at 44.48 km
    assert result["C"].nearest_same_km == pytest.approx(4 * KM_PER_TENTH_DEGREE)
    assert result["D"].criterion_same_municipality is False  # alone in M2, though C is 16.68 km away
    assert result["C"].centres_in_municipality == 3


def test_criterion_2_is_cost_above_twice_a_and_the_secondary_flag_any_centre_within_r():
    result = screen(HAND_MADE, 30, Decimal("12"))
    assert {k for k, r in result.items() if r.criterion_cost} == {"D", "E", "F"}  # 30, 50, 25 > 24
    assert result["D"].near_other_centre is True  # C at 16.68 km
    assert result["D"].nearest_any_km == pytest.approx(1.5 * KM_PER_TENTH_DEGREE)
    assert result["C"].near_other_centre is True  # D
    assert result["E"].near_other_centre is False  # 139 km from D
    assert result["A"].criteria_met == ["criterion_same_municipality", "near_other_centre"]


def test_a_larger_radius_and_a_different_a_change_the_selection():
    result = screen(HAND_MADE, 45, Decimal("20"))  # 44.48 ≤ 45; 2A = 40
    assert result["C"].criterion_same_municipality is True
    assert {k for k, r in result.items() if r.criterion_cost} == {"E"}


def test_only_centre_is_proposed_only_when_another_municipalitys_centre_covers_its_residents():
    # M2's settlements: one at 56.80° (22.24 km from C in M1), one at 57.00° (44.48 km from C).
    partly = {2: ([56.80, 57.00], [24.0, 24.0])}
    result = screen(HAND_MADE, 30, Decimal("12"), settlements_by_municipality=partly)
    assert result["D"].criterion_cost and result["D"].only_centre
    assert result["D"].residents_covered_elsewhere is False
    assert result["D"].proposable is False
    covered = {2: ([56.80], [24.0])}
    result = screen(HAND_MADE, 30, Decimal("12"), settlements_by_municipality=covered)
    assert result["D"].residents_covered_elsewhere is True
    assert result["D"].proposable is True
    # E: no settlements of M3 on record, so nobody knows whether its residents are covered: not proposed.
    assert result["E"].residents_covered_elsewhere is None and result["E"].proposable is False


def test_regional_centres_are_outside_the_primary_scope_unless_the_parameter_says_otherwise():
    assert screen(HAND_MADE, 30, Decimal("12"))["F"].in_screening_scope is False
    assert screen(HAND_MADE, 30, Decimal("12"), local_tier_only=False)["F"].in_screening_scope is True
    # A and B meet criterion 1 and share their municipality: proposable without any guard.
    result = screen(HAND_MADE, 30, Decimal("12"))
    assert result["A"].proposable and result["B"].proposable and not result["C"].proposable


def test_missing_coordinates_leave_the_distance_criteria_unknown():
    network_with_gap = [*HAND_MADE[:2], centre("C", 1, None, "10", lon=None)]
    result = screen(network_with_gap, 30, Decimal("12"))
    assert result["C"].criterion_same_municipality is None
    assert result["C"].near_other_centre is None
    assert result["A"].criterion_same_municipality is True  # B is known to be within R


@pytest.fixture
def hand_made(db):
    period = ReportingPeriodFactory()
    m1, m2, m3, m4 = (MunicipalityFactory() for _ in range(4))
    centres = {
        "A": CentreFactory(municipality=m1, latitude=56.0, longitude=24.0),
        "B": CentreFactory(municipality=m1, latitude=56.2, longitude=24.0),
        "C": CentreFactory(municipality=m1, latitude=56.6, longitude=24.0),
        "D": CentreFactory(municipality=m2, latitude=56.75, longitude=24.0),
        "E": CentreFactory(municipality=m3, latitude=58.0, longitude=24.0),
        "F": CentreFactory(municipality=m4, latitude=56.0, longitude=25.0, tier=DevelopmentTier.REGIONAL),
    }
    for key, services in {"A": 50, "B": 30, "C": 20, "D": 20, "E": 10, "F": 40}.items():
        ContactFigureFactory(centre=centres[key], date=date(2024, 5, 6), count=services)
    GrantFactory(period=period, municipality=m1, kind=GrantKind.MAINTENANCE, amount=600)
    GrantFactory(period=period, municipality=m1, kind=GrantKind.SALARY, amount=400)
    GrantFactory(period=period, municipality=m1, kind=GrantKind.CREATION, amount=5000)
    GrantFactory(period=period, centre=centres["D"], kind=GrantKind.MAINTENANCE, amount=300)
    GrantFactory(period=period, centre=centres["D"], kind=GrantKind.SALARY, amount=300)
    GrantFactory(period=period, municipality=m3, kind=GrantKind.MAINTENANCE, amount=500)
    GrantFactory(period=period, municipality=m4, kind=GrantKind.SALARY, amount=1000)
    SettlementFactory(municipality=m2, latitude=56.8, longitude=24.0, population=300)
    return period, (m1, m2, m3, m4), centres


def stored(period, centres):
    return {key: CentreFigure.objects.get(period=period, centre=c) for key, c in centres.items()}


def test_recomputation_stores_cost_per_service_bands_and_screening(hand_made):
    period, (m1, m2, m3, m4), centres = hand_made
    network.recompute()
    figures = stored(period, centres)
    municipalities = {m: MunicipalityFigure.objects.get(period=period, municipality=m) for m in (m1, m2, m3, m4)}
    assert municipalities[m1].cost_per_service == Decimal("10.0000")  # (600 + 400) / 100, creation excluded
    assert municipalities[m1].creation_grant == Decimal("5000.00")
    assert municipalities[m1].centres == 3 and municipalities[m1].services == 100
    assert municipalities[m2].cost_per_service == Decimal("30.0000")  # the centre's grants roll up to M2
    assert figures["A"].cost_per_service == Decimal("10.0000")
    assert figures["A"].cost_basis == CostBasis.MUNICIPALITY
    assert figures["D"].cost_per_service == Decimal("30.0000")
    assert figures["D"].cost_basis == CostBasis.CENTRE
    assert figures["A"].band == CostBand.AT_OR_BELOW
    assert figures["F"].band == CostBand.VERY_HIGH  # 25 > 24
    assert figures["A"].criterion_same_municipality and figures["A"].proposable
    assert figures["C"].criterion_same_municipality is False
    assert figures["C"].nearest_same_km == Decimal("44.478")
    # D: criterion 2 and its only settlement at 56.80° is 22.24 km from C (M1): another municipality covers it.
    assert figures["D"].criterion_cost and figures["D"].residents_covered_elsewhere and figures["D"].proposable
    assert figures["E"].criterion_cost and not figures["E"].proposable
    assert figures["F"].criterion_cost and not figures["F"].in_screening_scope and not figures["F"].proposable


def test_the_average_modes_draw_a_from_the_period(hand_made):
    period, _municipalities, _centres = hand_made
    NetworkParameters.objects.create(version=2, average_mode="weighted", average_local_tier_only=False)
    network.recompute()
    summary = PeriodSummary.objects.get(period=period)
    # municipalities: M1 10.00, M2 30.00, M3 50.00, M4 25.00
    assert summary.mean == Decimal("28.7500")  # (10 + 30 + 50 + 25) / 4
    assert summary.median == Decimal("27.5000")  # (25 + 30) / 2
    # (1,000 + 600 + 500 + 1,000) / (100 + 20 + 10 + 40) = 3,100 / 170 = 18.2353
    assert summary.weighted_mean == Decimal("18.2353")
    assert summary.average == summary.weighted_mean
    # bands with A = 18.2353, 2A = 36.4706: 10 ≤ A; 25 and 30 in between; 50 above
    assert (summary.at_or_below, summary.above, summary.very_high) == (1, 2, 1)


def test_legal_person_share_and_hourly_visits(hand_made):
    period, _municipalities, centres = hand_made
    a = centres["A"]
    monday = date(2024, 5, 6)
    ContactFigureFactory(centre=a, date=monday, hour=11, client_type=ClientType.NATURAL, count=8)
    ContactFigureFactory(centre=a, date=monday, hour=11, client_type=ClientType.LEGAL, count=2)
    ContactFigureFactory(
        centre=a, date=monday, hour=9, contact_type=ContactType.CONSULTATION, client_type=ClientType.NATURAL, count=5
    )
    ContactFigureFactory(centre=a, date=monday, hour=9, contact_type=ContactType.CALL, count=7)  # not a visit
    ContactFigureFactory(
        centre=a, date=date(2024, 5, 10), hour=11, staff_type=StaffType.INSTITUTION, count=3
    )  # a Friday; client type not recorded
    network.recompute()
    figure = CentreFigure.objects.get(period=period, centre=a)
    # services 50 (the day's total without hour) + 8 + 2 + 3 = 63; consultations 5; visits 68; calls 7
    assert (figure.services, figure.consultations, figure.calls, figure.visits) == (63, 5, 7, 68)
    assert figure.institution_staff_services == 3
    # legal share = 2 legal / (8 + 2 + 5) visits with a recorded client type = 0.133333
    assert figure.legal_share == Decimal("0.133333")
    hourly = {(h.weekday, h.hour): h.visits for h in a.hourly_figures.filter(period=period)}
    assert hourly == {(0, 11): 10, (0, 9): 5, (4, 11): 3}
    shares = network.hourly_distribution(a.hourly_figures.filter(period=period))
    assert shares[(0, 11)] == pytest.approx(10 / 18)  # of the 18 visits with an hour
    summary = PeriodSummary.objects.get(period=period)
    assert (summary.centres_with_recorded_clients, summary.centres_without_legal_visits) == (1, 0)


def test_a_closed_centre_is_not_part_of_the_reviewed_network(hand_made):
    period, _municipalities, centres = hand_made
    change_status(centres["B"], CentreStatus.ACTIVE, date(2020, 1, 1))
    change_status(centres["B"], CentreStatus.CLOSED, date(2023, 6, 1))
    centres["B"].contact_figures.all().delete()
    network.recompute()
    figures = stored(period, {k: v for k, v in centres.items() if k != "B"})
    assert not CentreFigure.objects.filter(period=period, centre=centres["B"]).exists()
    assert figures["A"].centres_in_municipality == 2
    assert figures["A"].criterion_same_municipality is False  # B is gone; C is 66.72 km away


def test_incremental_recomputation_agrees_with_the_full_one(hand_made):
    period, (m1, *_rest), centres = hand_made
    network.recompute()
    ContactFigureFactory(centre=centres["B"], date=date(2024, 7, 1), count=100)
    network.recompute(kind="incremental", scope=[(m1.pk, period.pk)])
    incremental = list(CentreFigure.objects.filter(period=period).order_by("centre").values())
    municipalities = list(MunicipalityFigure.objects.filter(period=period).order_by("municipality").values())
    network.recompute()
    ignore = {"id", "computed_at"}

    def strip(rows):
        return [{k: v for k, v in row.items() if k not in ignore} for row in rows]

    assert strip(incremental) == strip(CentreFigure.objects.filter(period=period).order_by("centre").values())
    assert strip(municipalities) == strip(
        MunicipalityFigure.objects.filter(period=period).order_by("municipality").values()
    )
    # M1: 1,000 / (100 + 100) = 5.00
    assert MunicipalityFigure.objects.get(period=period, municipality=m1).cost_per_service == Decimal("5.0000")


def test_review_lists_candidates_and_records_a_decision_with_the_criteria_met(hand_made):
    period, _municipalities, centres = hand_made
    network.recompute()
    listed = [figure.centre_id for figure in review.candidates(period)]
    # A and B (criterion 1) and D (criterion 2, covered elsewhere) are proposable and come first; C is near D and
    # E is expensive but both are kept off the proposals; F is regional, outside the scope.
    assert set(listed[:3]) == {centres["A"].pk, centres["B"].pk, centres["D"].pk}
    assert set(listed[3:]) == {centres["C"].pk, centres["E"].pk}
    decision = review.record_decision(centres["B"], period, ReviewDecision.REPLACE_BY_MOBILE, "A is 22 km away.")
    assert decision.criteria_met == ["criterion_same_municipality", "near_other_centre"]
    review.record_decision(centres["B"], period, ReviewDecision.KEEP, "The municipality objected.")
    decision.refresh_from_db()
    assert decision.decision == ReviewDecision.KEEP
    assert decision.history.count() == 2


def test_the_command_recomputes_in_full_or_one_municipality_and_period(hand_made):
    period, (m1, *_rest), _centres = hand_made
    out = StringIO()
    call_command("recompute_network", stdout=out)
    assert "network results written" in out.getvalue()
    assert CentreFigure.objects.filter(period=period).count() == 6
    call_command("recompute_network", municipality=m1.pk, period=period.code, stdout=StringIO())
    assert CentreFigure.objects.filter(period=period).count() == 6
    with pytest.raises(CommandError):
        call_command("recompute_network", municipality=m1.pk, stdout=StringIO())


def test_a_changed_figure_queues_one_incremental_recomputation_after_commit(
    hand_made, django_capture_on_commit_callbacks
):
    period, (m1, *_rest), centres = hand_made
    network.recompute()
    # Building the network noted a full recomputation in the test's own transaction, which never commits; in
    # real use it would go out with this commit and make the job a full one.
    network.pending_changes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ContactFigureFactory(centre=centres["A"], date=date(2024, 8, 1), count=100)
        ContactFigureFactory(centre=centres["B"], date=date(2024, 8, 2), count=100)
    job = NetworkRecomputation.objects.get()
    assert job.kind == "incremental" and job.scope == [[m1.pk, period.pk]]
    assert job.status == "done"  # Celery runs in-process in the tests
    # M1: 1,000 / (100 + 200) = 3.3333
    assert MunicipalityFigure.objects.get(period=period, municipality=m1).cost_per_service == Decimal("3.3333")
    with django_capture_on_commit_callbacks(execute=True):
        change_status(centres["E"], CentreStatus.UNDER_REVIEW, date(2024, 9, 1))
    assert NetworkRecomputation.objects.filter(kind="full", status="done").count() == 1
