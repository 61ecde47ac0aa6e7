"""The comparison (reports/dashboards.compare, reports/views.compare): organisations, or a peer group, side by side on
one measure with a bar chart and a CSV/XLSX export; only the organisations the reader may see, and a median that
anyone but the coordinator sees only when at least five organisations have a value.

The world is test_dashboards.py's (numbers in its docstring); `five_more` adds three agencies of Ministry One with
2024 cost figures: EPS-1 portal T 100, H 100 → 1.00; EPS-2 T 100, H 200 → 2.00; EPS-3 T 100, H 2 000 → 20.00.
Group 1.1 then has six costs per transaction: 1, 2, 3.50 (ALFA), 4 (GAMMA), 13.33 (BETA), 20 → median
(3.50 + 4) / 2 = 3.75.
"""

from decimal import Decimal

import pytest

from services import costing
from tests.factories import InstitutionFactory
from tests.reports.test_dashboards import build_world, count_queries, csv_table, url, xlsx_rows
from tests.services.factories import ChannelFactory, ServiceCostFactory, ServiceFactory, ServiceFigureFactory

CPT = "Cost per transaction (EUR)"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def five_more(world):
    for index, shared in enumerate((100, 200, 2000), start=1):
        agency = InstitutionFactory(
            short_name=f"EPS{index}", name_lv=f"Epsilon {index}", name_en=f"Epsilon {index}",
            parent=world.institutions["min"],
        )  # fmt: skip
        service = ServiceFactory(catalogue_id=f"EPS-{index}", holder=agency)
        ServiceFigureFactory(service=service, channel=ChannelFactory(code="portal"), started=None, completed=100)
        ServiceCostFactory(service=service, amount=Decimal(shared))
    costing.recompute()
    return world


def compare(world, who, **params):
    return world.client(who).get(url("compare"), params)


def ids(world, *names):
    return [world.institutions[name].pk for name in names]


def test_organisations_side_by_side_with_the_median_of_those_compared(world):
    response = compare(
        world, "coordinator", measure="cost_per_transaction", organisations=ids(world, "alfa", "beta", "gamma")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html  # the bar chart
    rows = csv_table(
        compare(
            world,
            "coordinator",
            measure="cost_per_transaction",
            organisations=ids(world, "alfa", "beta", "gamma"),
            _export="csv",
        ),
        "Organisation",
    )
    # 2024: ALFA 1 400 / 400 = 3.50, BETA 2 000 / 150 = 13.3333, GAMMA 800 / 200 = 4.00; median of the three 4.00.
    assert Decimal(rows["Alpha Agency"][CPT]) == Decimal("3.5")
    assert Decimal(rows["Beta Service"][CPT]) == Decimal("13.33")
    assert Decimal(rows["Gamma Municipality"][CPT]) == Decimal("4")
    assert Decimal(rows["Median of the organisations compared"][CPT]) == Decimal("4")
    assert rows["Alpha Agency"]["Computed from"] == "1,400.00 / 400"
    assert rows["Alpha Agency"]["Round, year, period or plan"] == "2024"


def test_a_peer_group_shows_its_members_and_the_group_median_to_the_coordinator(world):
    rows = csv_table(
        compare(world, "coordinator", measure="digital_share", peer_group="group:1.1", _export="csv"), "Organisation"
    )
    # Everyone is in group 1.1. Take-up: ALFA 0.75, BETA 100 / 150 = 0.6667, GAMMA 0.25; the ministry and DELTA
    # have no figures. Median of 0.25, 0.6667, 0.75 = 0.6667.
    assert set(rows) == {
        "Ministry One",
        "Alpha Agency",
        "Beta Service",
        "Gamma Municipality",
        "Delta Municipality",
        "Peer group median",
    }
    assert Decimal(rows["Beta Service"]["Digital take-up"]) == Decimal("0.6667")
    assert rows["Delta Municipality"]["Digital take-up"] == ""
    assert rows["Delta Municipality"]["Why there is no value"] == "no cost figures in the year"
    assert Decimal(rows["Peer group median"]["Digital take-up"]) == Decimal("0.6667")
    assert rows["Peer group median"]["Computed from"] == "3 organisations with a value"


def test_an_editor_sees_only_their_own_row_and_no_median_of_a_small_group(world):
    response = compare(world, "alfa", measure="cost_per_transaction", peer_group="group:1.1")
    html = response.content.decode()
    assert response.status_code == 200
    for other in ("Beta Service", "Gamma Municipality", "13.33"):
        assert other not in html, other
    rows = csv_table(
        compare(world, "alfa", measure="cost_per_transaction", peer_group="group:1.1", _export="csv"), "Organisation"
    )
    assert set(rows) == {"Alpha Agency", "Peer group median"}
    # Three of group 1.1 have a value: fewer than five, so the median is not shown.
    assert rows["Peer group median"][CPT] == ""
    assert rows["Peer group median"]["Why there is no value"] == "not shown: fewer than 5 organisations with a value"


def test_an_editor_sees_the_median_of_a_group_of_five_or_more(five_more):
    world = five_more
    rows = csv_table(
        compare(world, "alfa", measure="cost_per_transaction", peer_group="group:1.1", _export="csv"), "Organisation"
    )
    assert set(rows) == {"Alpha Agency", "Peer group median"}
    # 1, 2, 3.5, 4, 13.33, 20 → (3.5 + 4) / 2 = 3.75, over six organisations.
    assert Decimal(rows["Peer group median"][CPT]) == Decimal("3.75")
    assert rows["Peer group median"]["Computed from"] == "6 organisations with a value"


def test_an_editor_may_not_choose_an_organisation_they_do_not_see(world):
    response = compare(world, "alfa", measure="cost_per_transaction", organisations=ids(world, "beta"))
    assert response.status_code == 400
    assert "Beta Service" not in response.content.decode()


def test_organisations_or_a_peer_group_must_be_chosen(world):
    response = compare(world, "coordinator", measure="eindex")
    assert response.status_code == 400
    assert "Choose organisations, a peer group, or both." in response.content.decode()


def test_the_eindex_score_of_the_counties(world):
    rows = csv_table(
        compare(world, "coordinator", measure="eindex", peer_group="kind:county", _export="csv"), "Organisation"
    )
    score = "E-index overall score"
    # GAMMA 50, DELTA 100 in the municipalities' 2021 round; median 75.
    assert (rows["Gamma Municipality"][score], rows["Delta Municipality"][score]) == ("50.0", "100.0")
    assert rows["Gamma Municipality"]["Computed from"] == "3 defined"
    assert rows["Peer group median"][score] == "75.0"


def test_the_vpvkac_cost_per_service_of_the_counties(world):
    cost = "VPVKAC cost per service (EUR)"
    rows = csv_table(
        compare(world, "coordinator", measure="centre_cost", peer_group="kind:county", _export="csv"), "Organisation"
    )
    # Gamma 1 000 / 50 = 20.00, Delta 2 000 / 40 = 50.00; median 35.00.
    assert Decimal(rows["Gamma Municipality"][cost]) == Decimal("20")
    assert Decimal(rows["Delta Municipality"][cost]) == Decimal("50")
    assert Decimal(rows["Peer group median"][cost]) == Decimal("35")
    own = csv_table(
        compare(world, "gamma", measure="centre_cost", peer_group="kind:county", _export="csv"), "Organisation"
    )
    assert set(own) == {"Gamma Municipality", "Peer group median"} and own["Peer group median"][cost] == ""


def test_a_body_that_is_not_a_municipality_has_no_vpvkac_cost(world):
    rows = csv_table(
        compare(world, "coordinator", measure="centre_cost", organisations=ids(world, "alfa"), _export="csv"),
        "Organisation",
    )
    assert rows["Alpha Agency"]["Why there is no value"] == "not a municipality"


def test_plan_execution_is_the_share_of_obligations_executed(world):
    share = "Plan execution (share of obligations executed)"
    rows = csv_table(
        compare(
            world,
            "coordinator",
            measure="plan_execution",
            organisations=ids(world, "alfa", "beta", "gamma", "min"),
            _export="csv",
        ),
        "Organisation",
    )
    # PLAN-A, the first plan with obligations: ALFA 0 / 1, BETA 1 / 1, GAMMA 0 / 1; the ministry has none.
    assert (rows["Alpha Agency"][share], rows["Beta Service"][share]) == ("0.0", "1.0")
    assert rows["Beta Service"]["Computed from"] == "1 / 1"
    assert rows["Ministry One"]["Why there is no value"] == "no obligations under the plan"
    assert rows["Median of the organisations compared"][share] == "0.0"


def test_the_comparison_exports_to_xlsx(world):
    response = compare(
        world, "coordinator", measure="cost_per_transaction", organisations=ids(world, "alfa"), _export="xlsx"
    )
    rows = xlsx_rows(response)
    assert rows[0][:3] == ["Organisation", "Short name", CPT]
    assert rows[1][0] == "Alpha Agency" and rows[1][2] == 3.5


@pytest.mark.parametrize(
    "measure", ["eindex", "digital_share", "cost_per_transaction", "centre_cost", "plan_execution"]
)
def test_each_measure_reads_with_a_fixed_number_of_queries(world, measure, django_assert_max_num_queries):
    client = world.client("coordinator")
    params = {"measure": measure, "peer_group": "group:1.1"}
    with django_assert_max_num_queries(15):
        client.get(url("compare"), params)
    before = count_queries(client, url("compare"), **params)
    for index in range(3):
        agency = InstitutionFactory(parent=world.institutions["min"])
        service = ServiceFactory(catalogue_id=f"MORE-{index}", holder=agency)
        ServiceFigureFactory(service=service, channel=ChannelFactory(code="portal"), completed=10)
    costing.recompute()
    assert count_queries(client, url("compare"), **params) == before
