"""Properties of the cost figures (domain brief §3) on random small data sets, checked against the stored
CostFigure rows: channel costs add up to the total, a roll-up equals the figure computed in Python from the raw
ServiceFigure/ServiceCost rows of its members, and the insertion order of the raw rows changes nothing.

Each example writes its rows with bulk_create (no signals, so nothing is queued), recomputes in full and rolls
back, so the examples do not see each other."""

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from institutions.models import InstitutionType
from services import costing
from services.models import CostComponent, CostFigure, PeriodType, RecomputationKind, ServiceCost, ServiceFigure
from tests.factories import InstitutionFactory, MunicipalityFactory
from tests.services.factories import ChannelFactory, LifeSituationFactory, ServiceFactory, ServiceTemplateFactory

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

CHANNEL_CODES = ("portal", "vpvkac_assisted", "phone", "post")  # two digital, two not
YEARS = (2023, 2024)
GRAIN_RANK = {PeriodType.YEAR: 1, PeriodType.QUARTER: 2, PeriodType.MONTH: 3}
SCALES = ((1, 5), (1, 10), (0, 10))
# (service, provider) indexes into World.services and World.providers: who reports what
PAIRS = ((0, 0), (0, 1), (0, 2), (1, 1), (2, 0), (2, 2))


@dataclass
class World:
    """Ministry M over agencies A and B; agency C outside any ministry. A sits in a former municipality merged
    into N, B in N, C in none. S0 and S1 share a unified template; S2 has none. S0 and S1 are in life situation
    L1, S2 in L2."""

    channels: list
    providers: list
    services: list
    ministry: object
    municipality: object
    situations: list

    def group(self, by, service_index, provider_index):
        """The roll-up group of a (service, provider) pair, worked out from how the world was built."""
        if by == "institution":
            return self.providers[provider_index].pk
        if by == "sector":
            return self.ministry.pk if provider_index in (0, 1) else None
        if by == "municipality":
            return self.municipality.pk if provider_index in (0, 1) else None
        if by == "life_situation":
            return self.situations[0 if service_index in (0, 1) else 1].pk
        return None


@pytest.fixture
def world(db):
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    municipality = MunicipalityFactory()
    former = MunicipalityFactory(successor=municipality)
    providers = [
        InstitutionFactory(parent=ministry, municipality=former),
        InstitutionFactory(parent=ministry, municipality=municipality),
        InstitutionFactory(),
    ]
    template = ServiceTemplateFactory()
    situations = [LifeSituationFactory(), LifeSituationFactory()]
    services = [
        ServiceFactory(holder=providers[0], providers=providers, template=template, life_situations=[situations[0]]),
        ServiceFactory(holder=providers[1], template=template, life_situations=[situations[0]]),
        ServiceFactory(holder=providers[0], providers=[providers[0], providers[2]], life_situations=[situations[1]]),
    ]
    channels = [ChannelFactory(code=code) for code in CHANNEL_CODES]
    costing.current_parameters()  # version 1 outside the examples' rolled-back transactions
    return World(channels, providers, services, ministry, municipality, situations)


# --- random data sets -------------------------------------------------------------------------------------------

periods = st.one_of(
    st.just((PeriodType.YEAR, 0)),
    st.tuples(st.just(PeriodType.QUARTER), st.integers(1, 4)),
    st.tuples(st.just(PeriodType.MONTH), st.integers(1, 12)),
)


@st.composite
def satisfaction(draw):
    low, high = draw(st.sampled_from(SCALES))
    mean = Decimal(low) + Decimal(draw(st.integers(0, 1000))) * (high - low) / 1000
    return {
        "satisfaction_responses": draw(st.integers(0, 60)),
        "satisfaction_mean": mean.quantize(Decimal("0.001")),
        "rating_scale_min": low,
        "rating_scale_max": high,
    }


@st.composite
def figure_rows(draw):
    pair = draw(st.sampled_from(PAIRS))
    period_type, period_number = draw(periods)
    completed = draw(st.integers(0, 40))
    extra = draw(st.one_of(st.none(), st.integers(0, 20)))
    minutes = draw(st.one_of(st.none(), st.integers(0, 120).map(lambda n: Decimal(n) / 2)))
    responses_without_a_mean = st.integers(0, 60).map(lambda n: {"satisfaction_responses": n})
    rating = draw(st.one_of(st.none(), satisfaction(), responses_without_a_mean))
    return {
        "pair": pair,
        "year": draw(st.sampled_from(YEARS)),
        "period_type": period_type,
        "period_number": period_number,
        "channel": draw(st.integers(0, len(CHANNEL_CODES) - 1)),
        "completed": completed,
        "started": None if extra is None else completed + extra,
        "client_minutes": minutes,
        **(rating or {}),
    }


@st.composite
def cost_rows(draw):
    return {
        "pair": draw(st.sampled_from(PAIRS)),
        "year": draw(st.sampled_from(YEARS)),
        "component": draw(st.sampled_from([CostComponent.STAFF, CostComponent.PREMISES, CostComponent.IT_SYSTEMS])),
        "channel": draw(st.one_of(st.none(), st.integers(0, len(CHANNEL_CODES) - 1))),
        "amount": Decimal(draw(st.integers(0, 200_000))) / 100,
    }


def _unique(rows, key):
    return list({key(row): row for row in rows}.values())


def figure_key(row):
    return (row["pair"], row["year"], row["period_type"], row["period_number"], row["channel"])


def cost_key(row):
    return (row["pair"], row["year"], row["component"], row["channel"])


data_sets = st.tuples(
    st.lists(figure_rows(), max_size=30).map(lambda rows: _unique(rows, figure_key)),
    st.lists(cost_rows(), max_size=12).map(lambda rows: _unique(rows, cost_key)),
)


# --- writing and reading -------------------------------------------------------------------------------------------


@contextmanager
def rolled_back():
    """Everything an example writes is undone when it ends."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def insert(world, figures, costs):
    """bulk_create the rows in the order given."""
    ServiceFigure.objects.bulk_create(
        ServiceFigure(
            service=world.services[row["pair"][0]],
            provider=world.providers[row["pair"][1]],
            channel=world.channels[row["channel"]],
            **{name: value for name, value in row.items() if name not in ("pair", "channel")},
        )
        for row in figures
    )
    ServiceCost.objects.bulk_create(
        ServiceCost(
            service=world.services[row["pair"][0]],
            provider=world.providers[row["pair"][1]],
            channel=None if row["channel"] is None else world.channels[row["channel"]],
            **{name: value for name, value in row.items() if name not in ("pair", "channel")},
        )
        for row in costs
    )


def snapshot():
    columns = [f.attname for f in CostFigure._meta.concrete_fields if f.attname not in ("id", "computed_at")]
    key = ("service_id", "provider_id", "year", "channel_id")
    return {
        tuple(row[name] for name in key): {name: row[name] for name in columns if name not in key}
        for row in CostFigure.objects.values(*columns)
    }


def close(actual, expected, tolerance=Decimal("0.0001")):
    if actual is None or expected is None:
        return actual is None and expected is None
    return abs(Decimal(actual) - Decimal(expected)) <= tolerance * max(Decimal(1), abs(Decimal(expected)))


# --- the figures computed in Python from the raw rows ----------------------------------------------------------------


def channel_sums(figures):
    """Per (pair, year, channel): the sums of the figures at the coarsest grain reported (year, quarter, month)."""
    coarsest = {}
    for row in figures:
        key = (row["pair"], row["year"], row["channel"])
        coarsest[key] = min(coarsest.get(key, 9), GRAIN_RANK[row["period_type"]])
    sums = defaultdict(lambda: defaultdict(Decimal))
    for row in figures:
        key = (row["pair"], row["year"], row["channel"])
        if GRAIN_RANK[row["period_type"]] != coarsest[key]:
            continue
        target = sums[key]
        target["t"] += row["completed"]
        if row["started"] is not None:
            target["s"] += row["started"]
            target["t_s"] += row["completed"]
            target["has_s"] = 1
        if row.get("satisfaction_mean") is not None:
            responses = row["satisfaction_responses"]
            scale = row["rating_scale_max"] - row["rating_scale_min"]
            target["resp"] += responses
            target["points"] += responses * (row["satisfaction_mean"] - row["rating_scale_min"]) * 100 / scale
        if row["client_minutes"] is not None:
            target["hours"] += row["completed"] * row["client_minutes"] / 60
    return sums


def member_figures(figures, costs):
    """Per (pair, year), the service's total over its channels, straight from the brief's formulas."""
    members = defaultdict(lambda: defaultdict(Decimal))
    for (pair, year, channel), sums in channel_sums(figures).items():
        member = members[pair, year]
        for name in ("t", "s", "t_s", "resp", "points", "hours", "has_s"):
            member[name] += sums[name]
        if CHANNEL_CODES[channel] in ("portal", "vpvkac_assisted"):
            member["t_dig"] += sums["t"]
    for row in costs:
        member = members[row["pair"], row["year"]]
        if row["channel"] is None:
            member["h"] += row["amount"]
            member["has_h"] = 1
        else:
            member["d"] += row["amount"]
            member["has_d"] = 1
    for member in members.values():
        transactions = member["t"]
        member["cost"] = member["d"] + (member["h"] if transactions > 0 else 0)
        member["unallocated"] = member["h"] if transactions == 0 else Decimal(0)
        known = member["has_d"] or (member["has_h"] and transactions > 0)
        member["costed_t"] = transactions if known else Decimal(0)
    return members


def expected_rollup(world, by, figures, costs):
    groups = defaultdict(lambda: defaultdict(Decimal))
    for ((service, provider), year), member in member_figures(figures, costs).items():
        group = world.group(by, service, provider)
        if by != "national" and group is None:
            continue
        target = groups[group, year]
        for name, value in member.items():
            target[name] += value

    def divide(numerator, denominator):
        return numerator / denominator if denominator else None

    return {
        key: {
            "transactions": sums["t"],
            "cost": sums["cost"],
            "unallocated_shared_cost": sums["unallocated"],
            "cost_per_transaction": divide(sums["cost"], sums["costed_t"]),
            "digital_takeup": divide(sums["t_dig"], sums["t"]),
            "completion_rate": divide(sums["t_s"], sums["s"]) if sums["has_s"] else None,
            "satisfaction_score": divide(sums["points"], sums["resp"]),
            "client_hours": sums["hours"],
        }
        for key, sums in groups.items()
    }


# --- the properties ------------------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(data=data_sets)
def test_channel_costs_add_up_to_the_total_and_unallocated_shared_cost_is_the_shared_cost(world, data):
    figures, costs = data
    shared = defaultdict(Decimal)
    for row in costs:
        if row["channel"] is None:
            shared[world.services[row["pair"][0]].pk, world.providers[row["pair"][1]].pk, row["year"]] += row["amount"]
    with rolled_back():
        insert(world, figures, costs)
        costing.recompute(RecomputationKind.FULL)
        channels = defaultdict(list)
        totals = {}
        for figure in CostFigure.objects.all():
            key = (figure.service_id, figure.provider_id, figure.year)
            if figure.channel_id is None:
                totals[key] = figure
            else:
                channels[key].append(figure)

        assert set(channels) <= set(totals)
        for key, total in totals.items():
            rows = channels[key]
            # each channel's cost is stored to four places: allow that rounding once per channel
            assert abs(sum((row.cost for row in rows), Decimal(0)) - total.cost) <= Decimal("0.0001") * len(rows)
            assert sum(row.transactions for row in rows) == total.transactions
            if total.transactions == 0:
                assert total.unallocated_shared_cost == shared[key]
                assert total.shared_cost == 0
                assert all(row.shared_cost == 0 for row in rows)
            else:
                assert total.unallocated_shared_cost == 0
                assert total.shared_cost == shared[key]
                assert abs(sum((row.shared_cost for row in rows), Decimal(0)) - shared[key]) <= Decimal(
                    "0.0001"
                ) * len(rows)


@PROPERTY_SETTINGS
@given(data=data_sets, by=st.sampled_from(costing.ROLLUPS))
def test_a_rollup_equals_the_figure_computed_from_the_raw_rows_of_its_members(world, data, by):
    figures, costs = data
    with rolled_back():
        insert(world, figures, costs)
        costing.recompute(RecomputationKind.FULL)
        actual = {(row["group"], row["year"]): row for row in costing.rollup(CostFigure.objects.all(), by=by)}

    expected = expected_rollup(world, by, figures, costs)
    assert set(actual) == set(expected)
    for key, values in expected.items():
        for name, value in values.items():
            # client hours are stored to four places on each member's row before they are summed
            tolerance = Decimal("0.001") if name == "client_hours" else Decimal("0.0001")
            assert close(actual[key][name], value, tolerance), (key, name, actual[key][name], value)


@PROPERTY_SETTINGS
@given(data=data_sets, order=st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_rows_were_inserted(world, data, order):
    figures, costs = data
    results = []
    for _attempt in range(2):
        figures, costs = list(figures), list(costs)
        order.shuffle(figures)
        order.shuffle(costs)
        with rolled_back():
            insert(world, figures, costs)
            costing.recompute(RecomputationKind.FULL)
            results.append(snapshot())
    assert results[0] == results[1]
