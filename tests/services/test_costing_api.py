"""The REST API of the cost figures: /api/v1/cost-figures/ (list, detail, roll-ups, channel shift),
/api/v1/cost-parameters/ and /api/v1/cost-recomputations/.

The world (the `world` fixture), all in 2024 unless said otherwise; amounts EUR, T completed transactions,
D channel-attributed cost, H shared cost, CPT cost per transaction:

- ministry M; agency A under M in municipality `new`; agency B under M in the former municipality `old`, merged
  into `new`; agency C outside any sector, in municipality `far`.
- template T shared by sA (at A), sB (at B) and sC (at C): peers.
- sA at A: portal T 300 (S 400) D 300; phone T 100 (S 100) D 1000; in person T 100 D 2400; H 500.
  Σ T = 500, H allocated by T: portal 500 × 300/500 = 300, phone 100, in person 100.
  Cost: portal 600 (CPT 2), phone 1100 (CPT 11), in person 2500 (CPT 25); total 4200 / 500 = 8.4.
  Digital take-up 300 / 500 = 0.6. Completion rate (300 + 100) / (400 + 100) = 0.8.
  In 2023: portal T 200, D 400: CPT 2 (the only 2023 figure of template T: no peers).
- sB at B: portal T 100, H 300: cost 300, CPT 3 (portal and total).
- sC at C: portal T 10, H 1000: cost 1000, CPT 100 (portal and total).
  Peers of the total rows: CPT 8.4, 3, 100, median 8.4: ratios 1, 0.357…, 11.9…; with k = 2 B (≤ 0.5) and C
  (≥ 2) are outliers. Portal rows: CPT 2, 3, 100, median 3: only C's portal row (33.3…) is an outlier.
- sD at A in 2022 (for the channel shift with an estimate): portal T 50 D 100 (CPT 2); post T 20, no cost.
- life situations: sA and sB in L1, sB in L2.
"""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from accounts.models import Membership, Role, User
from institutions.models import InstitutionType
from services import costing
from services.models import (
    CostComponent,
    CostFigure,
    CostParameters,
    CostRecomputation,
    RecomputationKind,
    RecomputationStatus,
)
from tests.factories import InstitutionFactory, MunicipalityFactory
from tests.services.factories import (
    ChannelFactory,
    LifeSituationFactory,
    ServiceCostFactory,
    ServiceFactory,
    ServiceFigureFactory,
    ServiceTemplateFactory,
)

pytestmark = pytest.mark.django_db

FIGURES = "/api/v1/cost-figures/"
ROLLUP = f"{FIGURES}rollup/"
SHIFT = f"{FIGURES}channel-shift/"
PARAMETERS = "/api/v1/cost-parameters/"
RECOMPUTATIONS = "/api/v1/cost-recomputations/"
YEAR = 2024



def report(service, channel, completed, started=None, year=YEAR):
    return ServiceFigureFactory(
        service=service, year=year, channel=ChannelFactory(code=channel), completed=completed, started=started
    )


def spend(service, amount, channel=None, year=YEAR):
    return ServiceCostFactory(
        service=service,
        year=year,
        channel=ChannelFactory(code=channel) if channel else None,
        component=CostComponent.STAFF,
        amount=Decimal(amount),
    )


class World:
    pass


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module in a transaction that is rolled back after its last test; each test runs in a
    savepoint inside it, so what a test changes is gone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def build_world():
    w = World()
    w.ministry = InstitutionFactory(short_name="MIN", institution_type=InstitutionType.MINISTRY)
    w.new = MunicipalityFactory(code="new")
    w.old = MunicipalityFactory(code="old", successor=w.new)
    w.far = MunicipalityFactory(code="far")
    w.a = InstitutionFactory(short_name="AAA", parent=w.ministry, municipality=w.new)
    w.b = InstitutionFactory(short_name="BBB", parent=w.ministry, municipality=w.old)
    w.c = InstitutionFactory(short_name="CCC", municipality=w.far)
    w.template = ServiceTemplateFactory(code="unified")
    w.l1 = LifeSituationFactory(code="l1")
    w.l2 = LifeSituationFactory(code="l2")
    w.sa = ServiceFactory(catalogue_id="SA", holder=w.a, template=w.template, life_situations=[w.l1])
    w.sb = ServiceFactory(catalogue_id="SB", holder=w.b, template=w.template, life_situations=[w.l1, w.l2])
    w.sc = ServiceFactory(catalogue_id="SC", holder=w.c, template=w.template)
    w.sd = ServiceFactory(catalogue_id="SD", holder=w.a)

    report(w.sa, "portal", 300, started=400)
    report(w.sa, "phone", 100, started=100)
    report(w.sa, "institution_in_person", 100)
    spend(w.sa, "300", "portal")
    spend(w.sa, "1000", "phone")
    spend(w.sa, "2400", "institution_in_person")
    spend(w.sa, "500")
    report(w.sa, "portal", 200, year=2023)
    spend(w.sa, "400", "portal", year=2023)

    report(w.sb, "portal", 100)
    spend(w.sb, "300")
    report(w.sc, "portal", 10)
    spend(w.sc, "1000")

    report(w.sd, "portal", 50, year=2022)
    spend(w.sd, "100", "portal", year=2022)
    report(w.sd, "post", 20, year=2022)

    costing.recompute()
    return w


def client_for(user, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def person(role):
    """A user without a password (the client authenticates them directly): hashing one takes most of a second."""
    return User.objects.create(username=f"{role}-{User.objects.count() + 1}", role=role)


def member_of(institution, role=Role.EDITOR):
    user = person(role)
    Membership.objects.create(user=user, institution=institution, can_edit=True)
    return user


@pytest.fixture
def coordinator():
    return client_for(person(Role.COORDINATOR))


@pytest.fixture
def editor_a(world):
    return client_for(member_of(world.a))


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def keys(rows):
    """(service, provider short name, year, channel code or None) of each row, sorted."""
    return sorted(
        ((row["service"], row["provider_short_name"], row["year"], row["channel"] or "") for row in rows),
    )


def figure(service, channel=None, year=YEAR):
    rows = CostFigure.objects.filter(service=service, year=year)
    return rows.get(channel__isnull=True) if channel is None else rows.get(channel__code=channel)


# --- the list and the detail --------------------------------------------------------------------------------------


def test_a_total_row_carries_every_number_as_worked_out_by_hand(world, coordinator):
    (row,) = results(coordinator.get(FIGURES, {"service": "SA", "year": YEAR, "channel": "total"}))
    assert (row["service"], row["provider"], row["provider_short_name"], row["channel"], row["template"]) == (
        "SA",
        world.a.pk,
        "AAA",
        None,
        "unified",
    )
    # Σ T = 300 + 100 + 100; digital 300; started 400 + 100, completed of those 300 + 100
    assert (row["transactions"], row["digital_transactions"], row["started"], row["completed_of_started"]) == (
        500,
        300,
        500,
        400,
    )
    # Σ D = 300 + 1000 + 2400 = 3700; H 500 allocated in full; cost 4200; CPT 4200 / 500 = 8.4
    assert row["direct_cost"] == "3700.00"
    assert row["shared_cost"] == "500.0000"
    assert row["cost"] == "4200.0000"
    assert row["unallocated_shared_cost"] == "0.00"
    assert row["cost_per_transaction"] == "8.4000"
    assert (row["cost_per_transaction_missing"], row["cost_per_transaction_missing_display"]) == ("", "")
    # take-up 300 / 500; completion (300 + 100) / (400 + 100)
    assert (row["digital_takeup"], row["completion_rate"]) == ("0.600000", "0.800000")
    # 2023: CPT 2, so the change is (8.4 − 2) / 2 = 3.2; transactions 200 → 500: +1.5
    assert (row["previous_cost_per_transaction"], row["cost_per_transaction_change"]) == ("2.0000", "3.200000")
    assert (row["previous_transactions"], row["transactions_change"]) == (200, "1.500000")
    # peers 8.4, 3, 100: median 8.4, ratio 1
    assert (row["peer_count"], row["peer_median"], row["peer_ratio"], row["is_outlier"]) == (
        3,
        "8.4000",
        "1.000000",
        False,
    )
    assert row["parameters_version"] == CostParameters.objects.get().version == 1
    assert row["computed_at"]
    assert row["url"].endswith(f"{FIGURES}{row['id']}/")


def test_an_editor_does_not_see_the_median_of_a_group_of_fewer_than_five_peers(world, coordinator, editor_a):
    # Three peers (8.4, 3, 100): the median 8.4 would tell A what its peers' costs are.
    (row,) = results(editor_a.get(FIGURES, {"service": "SA", "year": YEAR, "channel": "total"}))
    assert (row["peer_count"], row["peer_median"], row["peer_ratio"], row["peers_withheld"]) == (3, None, None, True)
    (row,) = results(coordinator.get(FIGURES, {"service": "SA", "year": YEAR, "channel": "total"}))
    assert (row["peer_median"], row["peers_withheld"]) == ("8.4000", False)


def test_channel_rows_allocate_the_shared_cost_by_transactions(world, coordinator):
    rows = results(coordinator.get(FIGURES, {"service": "SA", "year": YEAR, "total": "false"}))
    by_channel = {row["channel"]: (row["cost"], row["cost_per_transaction"]) for row in rows}
    # portal 300 + 300 = 600 / 300; phone 1000 + 100 = 1100 / 100; in person 2400 + 100 = 2500 / 100
    assert by_channel == {
        "portal": ("600.0000", "2.0000"),
        "phone": ("1100.0000", "11.0000"),
        "institution_in_person": ("2500.0000", "25.0000"),
    }


def test_a_missing_cost_per_transaction_gives_its_reason_and_label(world, coordinator):
    (row,) = results(coordinator.get(FIGURES, {"service": "SD", "channel": "post"}))
    assert row["cost_per_transaction"] is None
    assert row["cost_known"] is False
    assert row["cost_per_transaction_missing"] == "no_cost"
    assert row["cost_per_transaction_missing_display"] == "no cost reported"


def test_detail_answers_one_row(world, coordinator):
    stored = figure(world.sb)
    response = coordinator.get(f"{FIGURES}{stored.pk}/")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["cost_per_transaction"]) == (stored.pk, "3.0000")


@pytest.mark.parametrize(
    "query, expected",
    [
        # by catalogue identifier, and several at once
        ({"service": "SB,SC"}, {("SB", "BBB"), ("SC", "CCC")}),
        # by provider short name, and by id (in the test below)
        ({"provider": "CCC"}, {("SC", "CCC")}),
        ({"template": "unified", "year": 2023}, {("SA", "AAA")}),
        ({"year_min": 2022, "year_max": 2023}, {("SA", "AAA"), ("SD", "AAA")}),
        ({"year": 2022}, {("SD", "AAA")}),
        # the ministry sector: A and B are under M, C is not
        ({"year": YEAR, "sector": "MINISTRY"}, {("SA", "AAA"), ("SB", "BBB")}),
        # B's former municipality counts for its successor
        ({"year": YEAR, "municipality": "new"}, {("SA", "AAA"), ("SB", "BBB")}),
        ({"year": YEAR, "municipality": "far"}, {("SC", "CCC")}),
        ({"life_situation": "l2"}, {("SB", "BBB")}),
        ({"q": "CCC"}, {("SC", "CCC")}),
    ],
)
def test_filters(world, coordinator, query, expected):
    if query.get("sector") == "MINISTRY":
        query = {**query, "sector": world.ministry.pk}
    rows = results(coordinator.get(FIGURES, query))
    assert rows
    assert {(row["service"], row["provider_short_name"]) for row in rows} == expected


def test_service_and_provider_filters_take_ids_too(world, coordinator):
    rows = results(coordinator.get(FIGURES, {"service": world.sb.pk, "provider": world.b.pk, "channel": "total"}))
    assert keys(rows) == [("SB", "BBB", YEAR, "")]


def test_channel_filter_takes_codes_and_total(world, coordinator):
    rows = results(coordinator.get(FIGURES, {"service": "SA", "year": YEAR, "channel": "phone,total"}))
    assert keys(rows) == [("SA", "AAA", YEAR, ""), ("SA", "AAA", YEAR, "phone")]
    totals = results(coordinator.get(FIGURES, {"year": YEAR, "total": "true"}))
    assert keys(totals) == [("SA", "AAA", YEAR, ""), ("SB", "BBB", YEAR, ""), ("SC", "CCC", YEAR, "")]


def test_outlier_filter_gives_the_rows_far_from_their_peer_median(world, coordinator):
    rows = results(coordinator.get(FIGURES, {"is_outlier": "true"}))
    # totals: B 3 / 8.4 ≤ 1/2 and C 100 / 8.4 ≥ 2; portal rows: C 100 / 3 ≥ 2
    assert keys(rows) == [("SB", "BBB", YEAR, ""), ("SC", "CCC", YEAR, ""), ("SC", "CCC", YEAR, "portal")]


def test_cost_known_filter(world, coordinator):
    rows = results(coordinator.get(FIGURES, {"cost_known": "false"}))
    assert keys(rows) == [("SD", "AAA", 2022, "post")]


def test_an_unknown_sector_is_a_400_naming_the_filter(world, coordinator):
    response = coordinator.get(FIGURES, {"sector": world.a.pk})  # an agency, not a ministry
    assert response.status_code == 400
    assert "sector" in response.json()


def test_ordering_by_cost_per_transaction(world, coordinator):
    rows = results(coordinator.get(FIGURES, {"year": YEAR, "total": "true", "ordering": "-cost_per_transaction"}))
    assert [row["cost_per_transaction"] for row in rows] == ["100.0000", "8.4000", "3.0000"]
    rows = results(coordinator.get(FIGURES, {"year": YEAR, "total": "true", "ordering": "peer_ratio"}))
    assert [row["service"] for row in rows] == ["SB", "SA", "SC"]


def test_the_list_costs_a_fixed_number_of_queries(world, coordinator, django_assert_max_num_queries):
    for number in range(20):
        service = ServiceFactory(holder=world.c, template=world.template)
        report(service, "portal", 10 + number)
        report(service, "phone", 5)
        spend(service, "100")
    costing.recompute()
    assert CostFigure.objects.count() > 60
    # the page's count and the page itself, each with its joins; on PostgreSQL one more before the count, asking
    # whether the table is large enough to keep it (config/remembered.py)
    with django_assert_max_num_queries(3 if connection.vendor == "postgresql" else 2):
        rows = results(coordinator.get(FIGURES, {"page_size": 100}))
    assert len(rows) == CostFigure.objects.count()


# --- scoping -------------------------------------------------------------------------------------------------------


def test_an_editor_of_a_lists_only_the_figures_of_a(world, editor_a):
    rows = results(editor_a.get(FIGURES, {"page_size": 500}))
    assert rows
    assert {row["provider_short_name"] for row in rows} == {"AAA"}
    assert len(rows) == CostFigure.objects.filter(provider=world.a).count()
    assert results(editor_a.get(FIGURES, {"provider": "BBB"})) == []


def test_an_editor_of_a_gets_404_for_a_figure_of_b(world, editor_a):
    assert editor_a.get(f"{FIGURES}{figure(world.sb).pk}/").status_code == 404
    assert editor_a.get(f"{FIGURES}{figure(world.sa).pk}/").status_code == 200


def test_a_viewer_of_b_sees_b(world):
    client = client_for(member_of(world.b, role=Role.VIEWER))
    assert {row["service"] for row in results(client.get(FIGURES))} == {"SB"}


def test_anonymous_gets_401_everywhere(world):
    client = APIClient()
    for url in (FIGURES, ROLLUP, f"{SHIFT}?service=SA&provider=AAA&year=2024&share=0.2", PARAMETERS, RECOMPUTATIONS):
        assert client.get(url).status_code == 401, url
    assert client.post(PARAMETERS, {"hourly_tariff": "12"}, format="json").status_code == 401
    assert client.post(RECOMPUTATIONS, {}, format="json").status_code == 401


# --- roll-ups ------------------------------------------------------------------------------------------------------


def rollup(client, **query):
    return results(client.get(ROLLUP, query))


def test_national_rollup_sums_then_divides(world, coordinator):
    (row,) = rollup(coordinator, by="national", year=YEAR)
    assert (row["group"], row["group_code"], row["group_name"], row["year"]) == (None, None, "The whole country", YEAR)
    # Σ cost 4200 + 300 + 1000 = 5500 over Σ T 500 + 100 + 10 = 610: 9.01639…, not the mean of 8.4, 3 and 100
    assert (row["cost"], row["costed_transactions"], row["transactions"]) == ("5500.0000", 610, 610)
    assert row["cost_per_transaction"] == "9.0164"
    # digital 300 + 100 + 10 = 410 of 610: 0.672131…
    assert row["digital_takeup"] == "0.672131"
    # only A reports started: 400 of 500
    assert (row["started"], row["completed_of_started"], row["completion_rate"]) == (500, 400, "0.800000")
    assert row["satisfaction_score"] is None
    assert (row["direct_cost"], row["shared_cost"]) == ("3700.00", "1800.0000")


def test_rollup_rows_equal_their_members_summed_then_divided(world, coordinator):
    """Against the stored rows themselves: the roll-up of a group is Σ cost / Σ costed transactions."""
    for by, expected_groups in [
        ("institution", {world.a.pk, world.b.pk, world.c.pk}),
        ("sector", {world.ministry.pk}),
        ("municipality", {world.new.pk, world.far.pk}),
        ("life_situation", {world.l1.pk, world.l2.pk}),
    ]:
        rows = rollup(coordinator, by=by, year=YEAR)
        assert {row["group"] for row in rows} == expected_groups, by
        for row in rows:
            members = CostFigure.objects.filter(year=YEAR, channel__isnull=True)
            members = {
                "institution": members.filter(provider=row["group"]),
                "sector": members.filter(provider__parent=row["group"]),
                "municipality": members.filter(provider__municipality__in=[world.new, world.old])
                if row["group"] == world.new.pk
                else members.filter(provider__municipality=row["group"]),
                "life_situation": members.filter(service__life_situations=row["group"]),
            }[by]
            cost = sum(member.cost for member in members)
            transactions = sum(member.costed_transactions for member in members)
            assert Decimal(row["cost"]) == cost, (by, row)
            assert Decimal(row["cost_per_transaction"]) == (cost / transactions).quantize(Decimal("0.0001")), (by, row)


def test_rollups_by_group_worked_out_by_hand(world, coordinator):
    by_sector = rollup(coordinator, by="sector", year=YEAR)
    # A and B: (4200 + 300) / (500 + 100) = 7.5; C has no sector
    assert [(row["group_code"], row["cost_per_transaction"]) for row in by_sector] == [("MIN", "7.5000")]
    by_municipality = {row["group_code"]: row["cost_per_transaction"] for row in rollup(coordinator, by="municipality")}
    # B reports in the former `old`, merged into `new`: 7.5 as above
    assert by_municipality == {"new": "7.5000", "far": "100.0000"}
    by_situation = {row["group_code"]: row["cost_per_transaction"] for row in rollup(coordinator, by="life_situation")}
    assert by_situation == {"l1": "7.5000", "l2": "3.0000"}
    by_institution = rollup(coordinator, by="institution", year=YEAR, provider="AAA")
    assert [(row["group_code"], row["group_name"], row["cost_per_transaction"]) for row in by_institution] == [
        ("AAA", world.a.name_en, "8.4000")
    ]


def test_rollup_without_a_year_gives_one_row_per_year(world, coordinator):
    rows = rollup(coordinator, by="institution", provider="AAA")
    # 2022: sD only, its cost 100 over all its transactions 50 + 20: 1.42857…; 2023: sA 400 / 200 = 2; 2024: 8.4
    assert [(row["year"], row["cost_per_transaction"]) for row in rows] == [
        (2022, "1.4286"),
        (2023, "2.0000"),
        (2024, "8.4000"),
    ]


def test_rollup_of_one_channel(world, coordinator):
    (row,) = rollup(coordinator, by="national", year=YEAR, channel="portal")
    # portal: 600 + 300 + 1000 = 1900 over 300 + 100 + 10 = 410: 4.63414…
    assert (row["cost"], row["cost_per_transaction"]) == ("1900.0000", "4.6341")
    (total,) = rollup(coordinator, by="national", year=YEAR, channel="total")
    assert total["cost"] == "5500.0000"


def test_rollup_of_an_editor_sums_only_what_they_may_see(world, editor_a):
    (row,) = rollup(editor_a, by="national", year=YEAR)
    assert (row["cost"], row["cost_per_transaction"]) == ("4200.0000", "8.4000")
    assert {row["group"] for row in rollup(editor_a, by="institution")} == {world.a.pk}
    # the sector of A holds B too, but only A's figures are summed: 4200 / 500
    assert [row["cost_per_transaction"] for row in rollup(editor_a, by="sector", year=YEAR)] == ["8.4000"]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"by": "galaxy"}, "by"),
        ({"by": "national", "channel": "portal,phone"}, "channel"),
        ({"by": "national", "channel": "teleport"}, "channel"),
    ],
)
def test_rollup_rejects_bad_parameters_with_400(world, coordinator, query, field):
    response = coordinator.get(ROLLUP, query)
    assert response.status_code == 400
    assert field in response.json()
    if field == "by":
        assert "galaxy" in response.json()["by"][0] and "institution" in response.json()["by"][0]


# --- channel shift ------------------------------------------------------------------------------------------------


def test_channel_shift_worked_out_by_hand(world, coordinator):
    response = coordinator.get(SHIFT, {"service": "SA", "provider": "AAA", "year": YEAR, "share": "0.2"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["service"], body["provider"], body["year"], body["share"]) == ("SA", world.a.pk, YEAR, "0.200000")
    assert (body["target"]["channel"], body["target"]["cost_per_transaction"]) == ("portal", "2.0000")
    lines = {line["channel"]: line for line in body["lines"]}
    # phone: 0.2 × 100 × (11 − 2) = 180; in person: 0.2 × 100 × (25 − 2) = 460
    assert (lines["phone"]["transactions"], lines["phone"]["cost_per_transaction"]) == (100, "11.0000")
    assert (lines["phone"]["potential"], lines["phone"]["estimated"]) == ("180.00", False)
    assert lines["institution_in_person"]["potential"] == "460.00"
    assert set(lines) == {"phone", "institution_in_person"}
    assert body["total_potential"] == "640.00"


def test_channel_shift_estimates_an_unknown_cost_from_the_relative_units(world, coordinator):
    query = {"service": world.sd.pk, "provider": world.a.pk, "year": 2022, "share": "0.5", "target": "portal"}
    body = coordinator.get(SHIFT, query).json()
    (line,) = body["lines"]
    # post has no cost: CPT ≈ 2 × u_post / u_digital = 2 × 30 / 1 = 60; 0.5 × 20 × (60 − 2) = 580
    assert (line["channel"], line["estimated"], line["cost_per_transaction"]) == ("post", True, "60.0000")
    assert (line["potential"], body["total_potential"]) == ("580.00", "580.00")
    assert body["parameters_version"] == 1


def test_channel_shift_without_a_costed_digital_channel_says_why(world, coordinator):
    # own_site is digital but sA has no figures in it: no target, so no potential
    ChannelFactory(code="own_site")
    body = coordinator.get(
        SHIFT, {"service": "SA", "provider": "AAA", "year": YEAR, "share": "0.2", "target": "own_site"}
    ).json()
    assert body["target"] is None and body["total_potential"] is None
    assert {line["missing"] for line in body["lines"]} == {"no_target"}
    assert body["lines"][0]["missing_display"] == "no digital channel with a known cost per transaction to shift to"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"share": "1.5"}, "share"),
        ({"share": "-0.1"}, "share"),
        ({"share": "many"}, "share"),
        ({"share": None}, "share"),
        ({"target": "phone"}, "target"),
        ({"target": "teleport"}, "target"),
        ({"year": None}, "year"),
    ],
)
def test_channel_shift_rejects_bad_parameters_with_400(world, coordinator, change, field):
    query = {"service": "SA", "provider": "AAA", "year": YEAR, "share": "0.2"} | change
    response = coordinator.get(SHIFT, {key: value for key, value in query.items() if value is not None})
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_channel_shift_of_another_institution_is_404(world, editor_a):
    assert editor_a.get(SHIFT, {"service": "SB", "provider": "BBB", "year": YEAR, "share": "0.2"}).status_code == 404
    assert editor_a.get(SHIFT, {"service": "SA", "provider": "AAA", "year": YEAR, "share": "0.2"}).status_code == 200
    assert editor_a.get(SHIFT, {"service": "SA", "provider": "AAA", "year": 1999, "share": "0.2"}).status_code == 404


# --- parameters -----------------------------------------------------------------------------------------------------


def test_every_user_reads_the_parameter_versions(world, editor_a):
    rows = results(editor_a.get(PARAMETERS))
    assert [(row["version"], row["unit_face_to_face"], row["outlier_factor"]) for row in rows] == [
        (1, "50.00", "2.00")
    ]
    assert editor_a.get(f"{PARAMETERS}1/").json()["hourly_tariff"] == "10.00"


def test_coordinator_saves_a_new_version_which_recomputes_every_figure(
    world, django_capture_on_commit_callbacks
):
    user = person(Role.COORDINATOR)
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PARAMETERS, {"unit_post": "40", "note": "dearer post"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    # version 1 + 1; the values left out keep those of version 1
    assert (body["version"], body["unit_post"], body["unit_phone"]) == (2, "40.00", "20.00")
    assert body["note"] == "dearer post"
    assert CostParameters.objects.get(version=2).created_by == user

    job = CostRecomputation.objects.get()
    assert (job.kind, job.reason, job.requested_by) == (RecomputationKind.FULL, "parameters v2", user)
    # Celery runs eagerly in the tests (no REDIS_URL): the job has run with version 2
    assert job.status == RecomputationStatus.DONE
    assert set(CostFigure.objects.values_list("parameters__version", flat=True)) == {2}
    # the estimate follows the new unit: 2 × 40 / 1 = 80; 0.5 × 20 × (80 − 2) = 780
    query = {"service": "SD", "provider": "AAA", "year": 2022, "share": "0.5"}
    assert client.get(SHIFT, query).json()["total_potential"] == "780.00"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"outlier_factor": "1.00"}, "outlier_factor"),
        ({"unit_phone": "abc"}, "unit_phone"),
        ({"unit_digital": "0"}, "unit_digital"),
        ({"hourly_tariff": "-1"}, "hourly_tariff"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_invalid_parameters_are_400_naming_the_field(world, coordinator, body, field):
    response = coordinator.post(PARAMETERS, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert CostParameters.objects.count() == 1
    assert not CostRecomputation.objects.exists()


def test_an_editor_may_not_change_the_parameters(world, editor_a):
    response = editor_a.post(PARAMETERS, {"hourly_tariff": "12"}, format="json")
    assert response.status_code == 403
    assert "coordinator" in response.json()["detail"]
    assert CostParameters.objects.count() == 1


# --- recomputations ---------------------------------------------------------------------------------------------


def test_coordinator_requests_a_full_recomputation_and_follows_it(world, django_capture_on_commit_callbacks):
    client = client_for(person(Role.COORDINATOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECOMPUTATIONS, {"reason": "checking"}, format="json")
        assert response.status_code == 202, response.content
        # queued: the worker gets it when the request's transaction commits
        assert (response.json()["status"], response.json()["percent"]) == ("queued", 0)
    body = response.json()
    assert (body["kind"], body["reason"], body["kind_display"]) == ("full", "checking", "Full")

    detail = client.get(body["url"]).json()
    assert (detail["status"], detail["percent"], detail["is_finished"]) == ("done", 100, True)
    assert detail["parameters_version"] == 1
    assert detail["rows_written"] == CostFigure.objects.count()
    assert [row["id"] for row in results(client.get(RECOMPUTATIONS))] == [body["id"]]
    assert results(client.get(RECOMPUTATIONS, {"status": "failed"})) == []


def test_a_failed_recomputation_shows_its_error(world, coordinator):
    job = CostRecomputation.objects.create(
        kind=RecomputationKind.FULL, status=RecomputationStatus.FAILED, error="OperationalError: lost"
    )
    body = coordinator.get(f"{RECOMPUTATIONS}{job.pk}/").json()
    assert (body["status_display"], body["error"], body["is_finished"]) == ("Failed", "OperationalError: lost", True)


def test_only_the_coordinator_sees_or_requests_recomputations(world, editor_a):
    job = CostRecomputation.objects.create(kind=RecomputationKind.FULL)
    assert editor_a.get(RECOMPUTATIONS).status_code == 403
    assert editor_a.get(f"{RECOMPUTATIONS}{job.pk}/").status_code == 403
    assert editor_a.post(RECOMPUTATIONS, {}, format="json").status_code == 403
    assert CostRecomputation.objects.count() == 1
