"""Replaying the real 2017–2018 data of seed 001 §3.2 (Table 4: services per centre; Table 5: cost per service
per municipality) through the network computations reproduces the source's figures."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from institutions.reference_data import load_reference_data
from vpvkac import network
from vpvkac.models import (
    Centre,
    CentreFigure,
    ContactFigure,
    CostBand,
    CostBasis,
    CostMissing,
    Grant,
    GrantKind,
    MunicipalityFigure,
    NetworkParameters,
    PeriodSummary,
    PublishedCostPerService,
    ReportingPeriod,
)
from vpvkac.reference_data import load_vpvkac_history, municipality_of_time, read_history

CENT = Decimal("0.01")
REGION = {"RPR": "riga", "VRP": "vidzeme", "ZRP": "zemgale", "LRP": "latgale", "KRP": "kurzeme"}


@pytest.fixture(scope="module")
def loaded_history(django_db_setup, django_db_blocker):
    """The registry and the 2017–2018 data, loaded and computed once for the module (loading takes seconds);
    each test runs in a transaction that is rolled back, and the tables are emptied afterwards."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            load_reference_data()
            load_vpvkac_history()
            network.recompute()
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def history(loaded_history, db):
    return ReportingPeriod.objects.get(code="2017-01-2018-09")


def figure_of(period, name):
    return MunicipalityFigure.objects.get(period=period, municipality=municipality_of_time(name, period.last_day))


def test_replay_gives_table_5_cost_per_service_for_every_municipality(history):
    rows = read_history()["costs"]
    assert len(rows) == 77  # 72 local-tier and 5 regional-tier municipalities
    for row in rows:
        figure = MunicipalityFigure.objects.get(period=history, municipality__name_lv=row["municipality"])
        assert figure.cost_per_service.quantize(CENT) == Decimal(row["cost_per_service"]), row["printed"]
        assert figure.tier == row["tier"], row["printed"]
    computed = MunicipalityFigure.objects.filter(period=history, cost_basis=CostBasis.MUNICIPALITY)
    # 77 printed figures: 75 recomputed from grants ÷ services; Nīca and Aknīste have no centre in Table 4, so
    # their printed figure stands in, marked as published.
    assert computed.count() == 75
    published = MunicipalityFigure.objects.filter(period=history, cost_basis=CostBasis.PUBLISHED)
    assert set(published.values_list("municipality__name_lv", flat=True)) == {"Nīcas novads", "Aknīstes novads"}
    assert all(f.cost_per_service.quantize(CENT) == f.published_cost_per_service for f in computed)


def test_valka_has_services_but_no_grant_so_no_cost_per_service(history):
    valka = figure_of(history, "Valkas novads")
    assert valka.services == 1030
    assert valka.cost_per_service is None
    assert valka.cost_missing == CostMissing.NO_GRANT
    assert valka.band == ""


def test_replay_gives_the_cost_band_counts_of_section_4_7(history):
    summary = PeriodSummary.objects.get(period=history)
    # A = EUR 12.00 (fixed): 34 municipalities ≤ 12, 21 in (12, 24], 17 above 24, of the 72 local-tier ones.
    assert summary.average == Decimal("12.00")
    assert summary.municipalities_averaged == 72
    assert (summary.at_or_below, summary.above, summary.very_high) == (34, 21, 17)
    local = MunicipalityFigure.objects.filter(period=history, tier="local")
    very_high = set(local.filter(band=CostBand.VERY_HIGH).values_list("municipality__name_lv", flat=True))
    assert very_high == {
        "Ozolnieku novads", "Jēkabpils novads", "Ērgļu novads", "Krimuldas novads", "Vecpiebalgas novads",
        "Salas novads", "Kocēnu novads", "Engures novads", "Sējas novads", "Baltinavas novads", "Rundāles novads",
        "Alsungas novads", "Rugāju novads", "Beverīnas novads", "Mērsraga novads", "Mālpils novads",
        "Aknīstes novads",
    }  # fmt: skip


def test_the_candidates_for_a_match_the_derived_check_of_section_4_7(history):
    summary = PeriodSummary.objects.get(period=history)
    # seed 001 §4.7 [derived check]: mean 19.88, median 12.83 of the 72 values, weighted mean ≈ 8.02 over the 70
    # municipalities whose grant can be derived (Σ implied grants / Σ services).
    assert summary.mean.quantize(CENT) == Decimal("19.88")
    assert summary.median == Decimal("12.825")  # the mean of the 36th (12.68) and 37th (12.97) values
    assert summary.weighted_mean.quantize(CENT) == Decimal("8.02")


def test_median_as_a_moves_the_band_boundaries(history):
    NetworkParameters.objects.create(version=2, average_mode="median")
    network.recompute()
    summary = PeriodSummary.objects.get(period=history)
    # A = 12.825, 2A = 25.65: Jelgavas (12.68) and Jaunpiebalgas (12.51) move to ≤ A (34 + 2 = 36); Mālpils
    # (25.62) and Aknīstes (24.74) are no longer above 2A (17 − 2 = 15); the middle band stays at 21.
    assert summary.average == Decimal("12.825")
    assert (summary.at_or_below, summary.above, summary.very_high) == (36, 21, 15)


def test_implied_grants_are_the_examples_of_section_4_8(history):
    implied = {
        "Salaspils novads": Decimal("27554.94"),  # 10,359 × 2.66
        "Jelgavas novads": Decimal("26285.64"),  # 2,073 services at 13 centres × 12.68
        "Rēzeknes novads": Decimal("24773.06"),  # 1,262 at 4 centres × 19.63
        "Ozolnieku novads": Decimal("19698.65"),  # Emburga: 79 × 249.35
        "Ikšķiles novads": Decimal("11177.78"),  # 5,495 + 179 = 5,674 × 1.97
        "Ērgļu novads": Decimal("5175.10"),  # 70 × 73.93
        "Balvu novads": Decimal("19269.06"),  # regional: 282 × 68.33
    }
    for name, amount in implied.items():
        grant = Grant.objects.get(period=history, municipality=municipality_of_time(name, history.last_day))
        assert grant.kind == GrantKind.MAINTENANCE_AND_SALARY
        assert grant.amount == amount, name
        assert figure_of(history, name).running_grant == amount
    assert Grant.objects.filter(period=history).count() == 75
    assert not Grant.objects.filter(is_demo=True).exists()


def test_table_4_totals_and_centres_per_municipality(history):
    assert Centre.objects.count() == 95
    assert sum(ContactFigure.objects.values_list("count", flat=True)) == 122964
    centres = Counter(Centre.objects.values_list("municipality__name_lv", flat=True))
    assert {name: n for name, n in centres.items() if n > 1} == {
        "Jelgavas novads": 13, "Rēzeknes novads": 4, "Ikšķiles novads": 2, "Ķeguma novads": 2,
        "Rucavas novads": 2, "Rugāju novads": 2,
    }  # fmt: skip
    assert figure_of(history, "Ikšķiles novads").services == 5674
    assert figure_of(history, "Jelgavas novads").services == 2073
    by_region = Counter()
    for figure in CentreFigure.objects.filter(period=history).select_related("municipality__planning_region"):
        by_region[figure.municipality.planning_region.code] += figure.services
    # seed 001 §4.6 [derived] totals by region
    assert by_region == {"riga": 52341, "vidzeme": 22050, "zemgale": 13695, "latgale": 21505, "kurzeme": 13373}


def test_centres_belong_to_the_municipalities_of_that_time_and_roll_up_to_todays(history):
    for row in read_history()["centres"]:
        centre = Centre.objects.select_related("municipality__planning_region").get(
            name=row["name"], municipality__name_lv=row["municipality"]
        )
        assert centre.municipality.planning_region.code == REGION[row["region"]], row["name"]
        assert centre.tier == row["tier"]
        assert centre.latitude is None and centre.longitude is None  # the sources give no coordinates
    ulbroka = Centre.objects.get(name="Ulbrokas")
    assert ulbroka.municipality.name_lv == "Stopiņu novads"
    assert ulbroka.municipality.current_successor().name_lv == "Ropažu novads"
    assert Centre.objects.get(name="Tukuma").municipality.code == "tukuma-novads-former"
    assert Centre.objects.get(name="Salaspils").municipality.code == "salaspils-novads"  # unchanged in 2021


def test_rollup_to_todays_municipalities_sums_first(history):
    rows = {row["current_municipality_id"]: row for row in network.rollup_to_current(history)}
    ogre = figure_of(history, "Ikšķiles novads").current_municipality_id
    # Ogres novads today = Ikšķiles (5,674 services, 11,177.78) + Ķeguma (735, 5,174.40) + Lielvārdes (3,931,
    # 17,807.43): 34,159.61 / 10,340 = 3.3036…, not the mean of 1.97, 7.04 and 4.53.
    assert rows[ogre]["services"] == 10340
    assert rows[ogre]["cost_per_service"] == Decimal("3.3036")


def test_criterion_2_selects_the_source_list(history):
    selected = CentreFigure.objects.filter(period=history, criterion_cost=True, in_screening_scope=True)
    # seed 001 F5 criterion 2 lists 16 names: the Table 5 municipalities above EUR 24 except Aknīste, which has
    # no centre in Table 4. Rugāji has two centres, so 17 centres.
    assert sorted(selected.values_list("centre__name", flat=True)) == sorted(
        [
            "Emburgas", "Rubeņu", "Krimuldas", "Vecpiebalgas", "Salas", "Kocēnu", "Smārdes", "Lojas",
            "Pilsrundāles", "Alsungas", "Rugāju", "Benislavas", "Trikātas", "Mērsraga", "Mālpils", "Ērgļu",
            "Baltinavas",
        ]
    )  # fmt: skip
    # Balvi (68.33) and Tukums (50.83) are above 2A too, but regional: outside the review's primary scope.
    regional = CentreFigure.objects.filter(period=history, criterion_cost=True, in_screening_scope=False)
    assert set(regional.values_list("centre__name", flat=True)) == {"Balvu", "Tukuma"}


def test_without_coordinates_the_distance_criteria_stay_unknown_and_the_guard_holds(history):
    figures = CentreFigure.objects.filter(period=history)
    multi = figures.filter(centres_in_municipality__gt=1)
    assert multi.count() == 25  # 13 + 4 + 2 + 2 + 2 + 2
    assert not multi.exclude(criterion_same_municipality=None).exists()  # distances unknown, not "far"
    assert not figures.filter(centres_in_municipality=1).exclude(criterion_same_municipality=False).exists()
    assert not figures.exclude(near_other_centre=None).exists()
    # Criterion 2 centres that are their municipality's only centre stay off the proposals: no settlements are on
    # record to show another municipality's centre covers their residents. Rugāji's two centres are not alone.
    assert set(figures.filter(proposable=True).values_list("centre__name", flat=True)) == {"Rugāju", "Benislavas"}


def test_loading_twice_changes_nothing(history):
    before = {
        model: list(model.objects.order_by("pk").values())
        for model in (Centre, ContactFigure, Grant, PublishedCostPerService, ReportingPeriod)
    }
    summary = load_vpvkac_history()
    assert all(set(counts) == {"skip"} for counts in summary.values()), summary
    for model, rows in before.items():
        assert list(model.objects.order_by("pk").values()) == rows
    assert Centre.history.count() == 95  # no new history rows either
