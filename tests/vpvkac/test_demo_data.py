"""The demo network of today (vpvkac/demo_data.py): what it holds, that every row is marked as demo data, that a
second load creates nothing, and that the network was recomputed over it."""

import csv
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from accounts.models import Role, User
from institutions.demo_data import DEMO_POPULATION
from institutions.demo_data import load_demo_data as load_users
from institutions.models import DevelopmentTier, Municipality
from vpvkac import bulk, network
from vpvkac.centres import serving_centre_ids
from vpvkac.demo_data import (
    DEMO_YEAR,
    HOLIDAYS,
    MUNICIPALITY_CENTRES,
    OPENED_IN_DEMO_YEAR,
    centre_code,
    load_vpvkac_demo,
    operator_centre,
)
from vpvkac.models import (
    SERVICE_TYPES,
    Centre,
    CentreFigure,
    CentreStatus,
    ContactFigure,
    Desk,
    DeskPresence,
    Grant,
    GrantKind,
    MobileCentre,
    OpeningHours,
    PeriodSummary,
    ReceptionSchedule,
    ReportingPeriod,
    SatisfactionScore,
    Settlement,
    Shift,
)
from vpvkac.resources import contact_rows
from vpvkac.scoping import editable_centres


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The reference data, the demo users and the demo network, loaded once for the module inside a transaction
    that is rolled back after it; each test still runs in its own savepoint (the `db` fixture)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", verbosity=0)
        load_users()
        summary = load_vpvkac_demo()
        connection.check_constraints()
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return demo


def demo_centres():
    return Centre.objects.filter(is_demo=True)


def test_169_centres_across_the_43_municipalities_all_marked_as_demo(loaded):
    centres = demo_centres()
    assert loaded["VPVKAC demo centres created"] == centres.count() == 169
    assert centres.values("municipality").distinct().count() == 43
    assert not centres.filter(municipality__valid_to__isnull=False).exists()  # today's municipalities only
    assert not centres.filter(coordinates_approximate=False).exists()
    assert all(source.startswith("Demo data") for source in centres.values_list("source", flat=True))
    # Inside Latvia's extent: 55.6–58.1° N, 20.9–28.3° E.
    extent = centres.exclude(latitude__range=(55.6, 58.1)) | centres.exclude(longitude__range=(20.9, 28.3))
    assert not extent.exists()


def test_main_centres_have_their_municipalitys_tier_and_the_others_are_local(loaded):
    for code, places in MUNICIPALITY_CENTRES.items():
        municipality = Municipality.objects.get(code=code)
        main = Centre.objects.get(code=centre_code(code, places[0][0]))
        assert main.tier == municipality.development_tier, code
        others = Centre.objects.filter(code__in=[centre_code(code, place) for place, _lat, _lon in places[1:]])
        expected = DevelopmentTier.NATIONAL if municipality.kind == "state_city" else DevelopmentTier.LOCAL
        assert set(others.values_list("tier", flat=True)) <= {expected}, code


def test_many_centres_are_in_libraries(loaded):
    in_library = demo_centres().filter(in_library=True)
    assert in_library.count() > 169 * 0.4
    assert set(in_library.values_list("host_building", flat=True)) == {"Bibliotēka"}


def test_opening_hours_alternate_morning_and_evening_shifts(loaded):
    hours = OpeningHours.objects.filter(centre__is_demo=True)
    assert loaded["VPVKAC opening hours created"] == hours.count()
    assert not demo_centres().annotate(n=Count("opening_hours")).filter(n=0).exists()
    both = demo_centres().filter(opening_hours__shift=Shift.MORNING).filter(opening_hours__shift=Shift.EVENING)
    assert both.distinct().count() > 50
    per_day = hours.values("centre", "weekday").annotate(n=Count("id"))
    assert max(row["n"] for row in per_day) == 2


def test_regional_and_national_centres_have_three_specialist_desks_and_some_receive_on_the_2nd_friday(loaded):
    specialist = Desk.objects.filter(centre__is_demo=True, presence=DeskPresence.SPECIALIST)
    regional = demo_centres().exclude(tier=DevelopmentTier.LOCAL)
    for centre in regional.annotate(n=Count("desks", filter=Q(desks__presence=DeskPresence.SPECIALIST))):
        assert centre.n >= 3, centre.name
    assert not specialist.filter(centre__tier=DevelopmentTier.LOCAL).exists()
    assert ReceptionSchedule.objects.filter(desk__centre__is_demo=True, weekday=4, week_of_month=2).exists()
    # Local centres offer the minimum basket through the municipal staff.
    local = demo_centres().filter(tier=DevelopmentTier.LOCAL).first()
    assert local.desks.filter(presence=DeskPresence.MUNICIPAL_STAFF, minimum_basket=True).count() == 7


def test_valka_has_the_schedule_of_seed_001_whose_desks_share_no_window(loaded):
    # VID Mon, Tue, Thu; VZD Thu (overlapping with VID); VDI the 2nd Friday (overlapping with neither): F12 fails.
    valka = Centre.objects.get(code=centre_code("valkas-novads", "Valka"))
    desks = dict(valka.desks.filter(presence=DeskPresence.SPECIALIST).values_list("institution__short_name", "pk"))
    assert set(desks) == {"VID", "VZD", "VDI"}
    assert network.desk_overlap(valka, DEMO_YEAR, 3) == []


def test_5000_settlements_hold_the_demo_population(loaded):
    settlements = Settlement.objects.filter(is_demo=True)
    assert loaded["VPVKAC demo settlements created"] == settlements.count() == 5000
    # The demo population of the 43 municipalities, institutions/demo_data.py: 1,865,100.
    assert settlements.aggregate(total=Sum("population"))["total"] == sum(DEMO_POPULATION.values()) == 1_865_100
    assert settlements.filter(population__lt=5).count() == 0
    cesis = Centre.objects.get(code=centre_code("cesu-novads", "Cēsis"))
    assert cesis.settlement.name == "Cēsis"


def test_a_year_of_hourly_contact_figures_within_opening_hours(loaded):
    figures = ContactFigure.objects.filter(is_demo=True, centre__is_demo=True)
    assert loaded["VPVKAC contact figures created"] == figures.count()
    assert 150_000 < figures.count() < 400_000  # a few hundred thousand rows at most
    assert not figures.exclude(date__year=DEMO_YEAR).exists()
    assert not figures.filter(date__in=HOLIDAYS).exists()
    assert not figures.filter(date__week_day__in=(1, 7)).exists()  # Sunday 1, Saturday 7
    assert not figures.filter(hour__lt=8).exists() and not figures.filter(hour__gt=18).exists()
    replaced = Centre.objects.get(status=CentreStatus.REPLACED_BY_MOBILE, is_demo=True)
    assert not figures.filter(centre=replaced).exists()  # replaced in 2024
    for place, opened in OPENED_IN_DEMO_YEAR.items():
        centre = Centre.objects.get(is_demo=True, name=place)
        assert not figures.filter(centre=centre, date__lt=opened).exists()
        assert figures.filter(centre=centre, date__gte=opened).exists()
    kinds = set(figures.values_list("contact_type", "staff_type").distinct())
    assert {("service", "municipal"), ("consultation", "institution"), ("call", "municipal")} <= kinds


def test_the_demo_figures_pass_the_import_rules(loaded, tmp_path):
    centre = Centre.objects.get(code=centre_code("varaklanu-novads", "Murmastiene"))
    path = tmp_path / "murmastiene.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(contact_rows(ContactFigure.objects.filter(centre=centre)))
    coordinator = User.objects.get(username="koordinators")
    result = bulk.import_contacts(path, coordinator)
    assert result.error_count == 0
    # Sent again by an operator's system, every demo figure becomes a real one (and is counted as changed).
    assert result.updated == ContactFigure.objects.filter(centre=centre).count() > 0


def test_grants_and_scores_per_serving_centre(loaded):
    period = ReportingPeriod.objects.get(first_day=date(DEMO_YEAR, 1, 1), last_day=date(DEMO_YEAR, 12, 31))
    grants = Grant.objects.filter(period=period, centre__is_demo=True)
    assert loaded["VPVKAC grants created"] == grants.count()
    serving = demo_centres().exclude(status=CentreStatus.REPLACED_BY_MOBILE)
    for kind in (GrantKind.MAINTENANCE, GrantKind.SALARY):
        assert grants.filter(kind=kind).count() == serving.count() == 168
    assert set(grants.filter(kind=GrantKind.CREATION).values_list("centre__name", flat=True)) == set(
        OPENED_IN_DEMO_YEAR
    )
    assert not grants.filter(is_demo=False).exists()
    scores = SatisfactionScore.objects.filter(period=period, centre__is_demo=True)
    assert loaded["VPVKAC satisfaction scores created"] == scores.count()
    assert scores.filter(kind="satisfaction").count() == 168
    assert 40 < scores.filter(kind="mystery_client").count() < 130


def test_two_mobile_centres_with_stops_one_replacing_a_centre(loaded):
    mobiles = MobileCentre.objects.filter(is_demo=True)
    assert mobiles.count() == 2
    assert all(mobile.stops.count() >= 3 for mobile in mobiles)
    assert all(stop.timetable.exists() for mobile in mobiles for stop in mobile.stops.all())
    latgale = mobiles.get(code="demo--mobile-latgale")
    assert list(latgale.replaces.values_list("name", flat=True)) == ["Skaista"]
    assert set(latgale.owners.values_list("code", flat=True)) == {"kraslavas-novads", "ludzas-novads"}


def test_the_demo_operator_works_for_one_centre(loaded):
    operator = User.objects.get(username="operators", role=Role.CENTRE_OPERATOR)
    centre = operator_centre()
    assert centre.name == "Cēsis"
    assert list(editable_centres(operator)) == [centre]


def test_the_network_was_recomputed_over_the_demo_year(loaded):
    period = ReportingPeriod.objects.get(first_day=date(DEMO_YEAR, 1, 1))
    figures = CentreFigure.objects.filter(period=period, centre__is_demo=True)
    assert figures.count() == 168  # every serving demo centre; the replaced one served no day of 2025
    services = ContactFigure.objects.filter(
        centre__is_demo=True, date__year=DEMO_YEAR, contact_type__in=SERVICE_TYPES
    ).aggregate(total=Sum("count"))["total"]
    assert figures.aggregate(total=Sum("services"))["total"] == services
    assert not figures.filter(cost_per_service__isnull=True).exists()
    assert PeriodSummary.objects.filter(period=period).exists()
    assert loaded["VPVKAC network figures computed"] > 0


def test_the_2017_2018_centres_belong_to_their_period_and_not_to_todays_network(loaded):
    history = ReportingPeriod.objects.get(code="2017-01-2018-09")
    demo_year = ReportingPeriod.objects.get(first_day=date(DEMO_YEAR, 1, 1))
    historical = Centre.objects.filter(is_demo=False)
    assert historical.count() == 95 and set(historical.values_list("status", flat=True)) == {CentreStatus.HISTORICAL}
    assert serving_centre_ids(history.first_day, history.last_day, historical) == set(
        historical.values_list("pk", flat=True)
    )
    assert serving_centre_ids(demo_year.first_day, demo_year.last_day, historical) == set()
    # 169 demo centres, one replaced by a mobile centre before 2025: 168 served, and no historical one
    assert PeriodSummary.objects.get(period=demo_year).centres == 168
    assert PeriodSummary.objects.get(period=history).centres == 95


def test_a_second_load_creates_nothing(loaded):
    before = {model: model.objects.count() for model in (Centre, Settlement, ContactFigure, Grant, SatisfactionScore)}
    again = load_vpvkac_demo(recompute=False)
    assert {key: value for key, value in again.items() if value} == {}
    assert {model: model.objects.count() for model in before} == before
