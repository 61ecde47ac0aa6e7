"""Cost figures (domain brief §3 "Service cost figures") on small data worked out by hand: every formula goes
through `costing.recompute()` and is read back from the stored CostFigure rows, the way the pages read it.

Hand calculations sit in the comment above each expectation. Amounts are EUR; T completed transactions,
S started, D channel-attributed cost, H shared cost, CPT cost per transaction."""

from decimal import Decimal

import pytest
from django.db import transaction

from institutions.models import InstitutionType
from services import costing
from services.models import (
    CostComponent,
    CostFigure,
    CostRecomputation,
    MissingReason,
    PeriodType,
    RecomputationKind,
    RecomputationStatus,
    ServiceCost,
    ServiceFigure,
)
from tests.factories import InstitutionFactory, MunicipalityFactory
from tests.services.factories import (
    ChannelFactory,
    LifeSituationFactory,
    ServiceFactory,
    ServiceTemplateFactory,
)

pytestmark = pytest.mark.django_db

YEAR = 2024
D = Decimal



def report(service, channel, completed, *, provider=None, year=YEAR, period=PeriodType.YEAR, number=0, **values):
    """One usage figure of `service` at its holder (or `provider`) through the channel with code `channel`."""
    return ServiceFigure.objects.create(
        service=service,
        provider=provider or service.holder,
        year=year,
        period_type=period,
        period_number=number,
        channel=ChannelFactory(code=channel),
        completed=completed,
        **values,
    )


def spend(service, amount, channel=None, *, provider=None, year=YEAR, component=CostComponent.STAFF):
    """One cost component: channel-attributed (D) with a channel code, shared (H) without."""
    return ServiceCost.objects.create(
        service=service,
        provider=provider or service.holder,
        year=year,
        component=component,
        channel=ChannelFactory(code=channel) if channel else None,
        amount=D(amount),
    )


def stored(service, channel=None, *, provider=None, year=YEAR):
    """The stored figure of one channel, or (channel None) of all channels together."""
    rows = CostFigure.objects.filter(service=service, provider=provider or service.holder, year=year)
    return rows.get(channel__isnull=True) if channel is None else rows.get(channel__code=channel)


def full():
    return costing.recompute(RecomputationKind.FULL)


def snapshot():
    """Every stored figure with every column except the surrogate key and the time it was computed, by
    (service, provider, year, channel), so a difference names the row and the column."""
    columns = [f.attname for f in CostFigure._meta.concrete_fields if f.attname not in ("id", "computed_at")]
    key = ("service_id", "provider_id", "year", "channel_id")
    return {
        tuple(row[name] for name in key): {name: row[name] for name in columns if name not in key}
        for row in CostFigure.objects.values(*columns)
    }


def differences(before, after):
    """(row, column, value before, value after) for every stored value two snapshots disagree on."""
    found = [(key, "row", key in before, key in after) for key in before.keys() ^ after.keys()]
    for key in before.keys() & after.keys():
        found += [
            (key, name, value, after[key][name]) for name, value in before[key].items() if value != after[key][name]
        ]
    return sorted(found, key=str)


def new_parameters(**changes):
    """Save a new parameter version with `changes` on top of the current one."""
    current = costing.current_parameters()
    values = {name: getattr(current, name) for name in costing.PARAMETER_FIELDS}
    values.update({name: D(str(value)) for name, value in changes.items()})
    return costing.save_parameters(values, note="test")


# --- cost with the shared cost allocated --------------------------------------------------------------------


def test_shared_cost_is_allocated_to_channels_by_their_transactions():
    service = ServiceFactory()
    report(service, "portal", 30)
    report(service, "phone", 10)
    spend(service, "60", "portal")
    spend(service, "200", "phone")
    spend(service, "300", component=CostComponent.STAFF)
    spend(service, "100", component=CostComponent.PREMISES)
    full()

    # H = 300 + 100 = 400, Σ T = 40.
    # portal: 60 + 400 × 30/40 = 60 + 300 = 360; CPT 360/30 = 12
    portal = stored(service, "portal")
    assert (portal.direct_cost, portal.shared_cost, portal.cost) == (D(60), D(300), D(360))
    assert portal.cost_per_transaction == D(12)
    # phone: 200 + 400 × 10/40 = 200 + 100 = 300; CPT 300/10 = 30
    phone = stored(service, "phone")
    assert (phone.direct_cost, phone.shared_cost, phone.cost) == (D(200), D(100), D(300))
    assert phone.cost_per_transaction == D(30)
    assert portal.cost_per_transaction_missing == phone.cost_per_transaction_missing == ""
    # total: D 260 + H 400 = 660 over 40 transactions
    total = stored(service)
    assert (total.direct_cost, total.shared_cost, total.cost, total.unallocated_shared_cost) == (
        D(260), D(400), D(660), D(0)
    )
    assert total.transactions == total.costed_transactions == 40


def test_total_cost_per_transaction_divides_summed_cost_by_summed_transactions():
    service = ServiceFactory()
    report(service, "portal", 30)
    report(service, "phone", 10)
    spend(service, "360", "portal")
    spend(service, "300", "phone")
    full()

    # channel CPTs 360/30 = 12 and 300/10 = 30; their plain mean (21) is not the service's CPT:
    # Σ cost / Σ T = 660 / 40 = 16.5
    assert stored(service, "portal").cost_per_transaction == D(12)
    assert stored(service, "phone").cost_per_transaction == D(30)
    assert stored(service).cost_per_transaction == D("16.5")


def test_shared_cost_divides_into_fractions_of_a_cent():
    service = ServiceFactory()
    report(service, "portal", 2)
    report(service, "phone", 1)
    spend(service, "100")
    full()

    # 100 × 2/3 = 66.66666… and 100 × 1/3 = 33.33333…, stored to four places; no integer division
    assert stored(service, "portal").cost == D("66.6667")
    assert stored(service, "phone").cost == D("33.3333")
    # CPT 66.666…/2 = 33.3333 and 33.333…/1 = 33.3333; the total 100/3 = 33.3333
    assert stored(service, "portal").cost_per_transaction == D("33.3333")
    assert stored(service).cost == D(100)
    assert stored(service).cost_per_transaction == D("33.3333")


def test_only_shared_cost_gives_every_channel_a_cost():
    service = ServiceFactory()
    report(service, "portal", 3)
    report(service, "post", 1)
    spend(service, "80")
    full()

    # no D at all: portal 80 × 3/4 = 60, post 80 × 1/4 = 20; both CPT 20
    portal, post, total = stored(service, "portal"), stored(service, "post"), stored(service)
    assert (portal.direct_cost, portal.cost, portal.cost_per_transaction) == (D(0), D(60), D(20))
    assert (post.direct_cost, post.cost, post.cost_per_transaction) == (D(0), D(20), D(20))
    assert portal.cost_known and post.cost_known
    # total: 80 / 4 = 20
    assert (total.direct_cost, total.shared_cost, total.cost, total.cost_per_transaction) == (D(0), D(80), D(80), D(20))


# --- missing values -----------------------------------------------------------------------------------------


def test_channel_without_transactions_has_no_value_and_says_why():
    service = ServiceFactory()
    report(service, "portal", 10)
    report(service, "post", 0)
    spend(service, "50", "portal")
    spend(service, "40", "post")
    spend(service, "20", "phone")  # a cost, but no figure at all for phone
    full()

    # post: cost 40, T = 0: no CPT (not 0, not infinity), reason no_transactions
    post = stored(service, "post")
    assert (post.cost, post.transactions, post.cost_per_transaction) == (D(40), 0, None)
    assert post.cost_per_transaction_missing == MissingReason.NO_TRANSACTIONS
    phone = stored(service, "phone")
    assert (phone.cost, phone.cost_per_transaction, phone.cost_per_transaction_missing) == (
        D(20), None, MissingReason.NO_TRANSACTIONS
    )
    # total: (50 + 40 + 20) / 10 = 11
    assert stored(service).cost_per_transaction == D(11)


def test_service_without_transactions_has_no_cost_per_transaction():
    service = ServiceFactory()
    report(service, "portal", 0)
    report(service, "phone", 0)
    spend(service, "500", "portal")
    full()

    total = stored(service)
    assert (total.transactions, total.cost, total.cost_per_transaction) == (0, D(500), None)
    assert total.cost_per_transaction_missing == MissingReason.NO_TRANSACTIONS
    assert total.digital_takeup is None


def test_no_cost_reported_gives_no_value_with_reason_no_cost():
    service = ServiceFactory()
    report(service, "portal", 10)
    full()

    for figure in (stored(service, "portal"), stored(service)):
        assert (figure.transactions, figure.cost, figure.cost_per_transaction) == (10, D(0), None)
        assert figure.cost_per_transaction_missing == MissingReason.NO_COST
        assert not figure.cost_known
        assert figure.costed_transactions == 0


def test_a_channel_without_cost_beside_a_costed_channel():
    service = ServiceFactory()
    report(service, "portal", 10)
    report(service, "phone", 10)
    spend(service, "100", "portal")
    full()

    # phone has transactions but neither D nor H: no value, no_cost
    phone = stored(service, "phone")
    assert (phone.cost_per_transaction, phone.cost_per_transaction_missing) == (None, MissingReason.NO_COST)
    assert stored(service, "portal").cost_per_transaction == D(10)
    # total, by the formula Σ_c Cost / Σ_c T: 100 / 20 = 5
    assert stored(service).cost_per_transaction == D(5)


def test_shared_cost_without_transactions_is_reported_unallocated_never_divided():
    service = ServiceFactory()
    report(service, "portal", 0)
    report(service, "phone", 0)
    spend(service, "20", "portal")
    spend(service, "500")
    full()

    # Σ T = 0: H = 500 goes to the total row as unallocated; no channel gets any of it
    for code in ("portal", "phone"):
        assert stored(service, code).shared_cost == D(0)
        assert stored(service, code).unallocated_shared_cost == D(0)
    total = stored(service)
    assert (total.shared_cost, total.unallocated_shared_cost, total.cost) == (D(0), D(500), D(20))
    assert (total.cost_per_transaction, total.cost_per_transaction_missing) == (None, MissingReason.NO_TRANSACTIONS)


def test_only_a_shared_cost_and_no_figures_gives_one_total_row():
    service = ServiceFactory()
    spend(service, "250")
    full()

    assert CostFigure.objects.filter(service=service, channel__isnull=False).count() == 0
    total = stored(service)
    assert (total.transactions, total.unallocated_shared_cost, total.cost) == (0, D(250), D(0))
    assert total.cost_per_transaction_missing == MissingReason.NO_TRANSACTIONS


# --- digital take-up, completion, satisfaction, burden ------------------------------------------------------


def test_digital_takeup_is_digital_transactions_over_all_transactions():
    service = ServiceFactory()
    report(service, "portal", 30)
    report(service, "e_address", 10)
    report(service, "vpvkac_assisted", 20)  # assisted e-service at a VPVKAC is a digital channel
    report(service, "phone", 40)
    full()

    # (30 + 10 + 20) / (30 + 10 + 20 + 40) = 60 / 100
    total = stored(service)
    assert (total.digital_transactions, total.transactions) == (60, 100)
    assert total.digital_takeup == D("0.6")
    # a take-up belongs to the service, not to one channel
    assert stored(service, "portal").digital_takeup is None


def test_completion_rate_counts_only_figures_that_report_started():
    service = ServiceFactory()
    report(service, "portal", 40, started=50)
    report(service, "phone", 30)  # started not reported
    report(service, "post", 10, started=20)
    report(service, "e_address", 8, period=PeriodType.MONTH, number=1, started=10)
    report(service, "e_address", 5, period=PeriodType.MONTH, number=2)
    full()

    # portal 40/50 = 0.8; post 10/20 = 0.5; phone none (no S)
    assert stored(service, "portal").completion_rate == D("0.8")
    assert stored(service, "post").completion_rate == D("0.5")
    phone = stored(service, "phone")
    assert (phone.started, phone.completion_rate) == (None, None)
    # e_address: only January reports S: 8/10 = 0.8 (February's 5 are not set against it)
    e_address = stored(service, "e_address")
    assert (e_address.started, e_address.completed_of_started, e_address.transactions) == (10, 8, 13)
    assert e_address.completion_rate == D("0.8")
    # total: (40 + 10 + 8) / (50 + 20 + 10) = 58 / 80 = 0.725
    total = stored(service)
    assert (total.completed_of_started, total.started) == (58, 80)
    assert total.completion_rate == D("0.725")


def test_satisfaction_combines_a_1_to_10_scale_with_a_1_to_5_scale_weighted_by_responses():
    service = ServiceFactory()
    scale_10 = {"rating_scale_min": 1, "rating_scale_max": 10}
    scale_5 = {"rating_scale_min": 1, "rating_scale_max": 5}
    report(service, "portal", 100, satisfaction_responses=100, satisfaction_mean=D("8.2"), **scale_10)
    report(service, "phone", 300, satisfaction_responses=300, satisfaction_mean=D("2.0"), **scale_5)
    report(service, "post", 10, satisfaction_responses=50, **scale_5)  # responses without a mean: not counted
    full()

    # portal (8.2 − 1) / (10 − 1) × 100 = 80; phone (2 − 1) / (5 − 1) × 100 = 25
    assert stored(service, "portal").satisfaction_score == D(80)
    assert stored(service, "phone").satisfaction_score == D(25)
    post = stored(service, "post")
    assert (post.satisfaction_responses, post.satisfaction_score) == (0, None)
    # total (80 × 100 + 25 × 300) / 400 = 15500 / 400 = 38.75; the raw means (8.2 and 2.0) are never averaged
    total = stored(service)
    assert total.satisfaction_responses == 400
    assert total.satisfaction_score == D("38.75")


def test_satisfaction_over_months_is_weighted_by_responses():
    service = ServiceFactory()
    scale_5 = {"rating_scale_min": 1, "rating_scale_max": 5}
    report(service, "portal", 1, period=PeriodType.MONTH, number=1, satisfaction_responses=10,
           satisfaction_mean=D(5), **scale_5)
    report(service, "portal", 1, period=PeriodType.MONTH, number=2, satisfaction_responses=30,
           satisfaction_mean=D(1), rating_scale_min=0, rating_scale_max=10)
    full()

    # January (5 − 1)/4 × 100 = 100 with 10 responses; February (1 − 0)/10 × 100 = 10 with 30:
    # (100 × 10 + 10 × 30) / 40 = 1300 / 40 = 32.5
    assert stored(service, "portal").satisfaction_score == D("32.5")


def test_client_administrative_burden_uses_the_hourly_tariff_parameter():
    service = ServiceFactory()
    report(service, "portal", 120, client_minutes=D(5))
    report(service, "phone", 30, client_minutes=D(20))
    report(service, "post", 50)  # client time not reported
    full()

    # tariff version 1: 10 EUR/h. portal 120 × 5 / 60 = 10 h → 100; phone 30 × 20 / 60 = 10 h → 100
    assert stored(service, "portal").admin_burden == D(100)
    assert stored(service, "phone").admin_burden == D(100)
    post = stored(service, "post")
    assert (post.burden_transactions, post.admin_burden) == (0, None)
    total = stored(service)
    assert (total.client_hours, total.burden_transactions, total.admin_burden) == (D(20), 150, D(200))
    assert total.parameters.version == 1

    parameters = new_parameters(hourly_tariff="15.50")
    full()
    # 20 h × 15.50 = 310
    total = stored(service)
    assert total.admin_burden == D(310)
    assert total.parameters == parameters
    assert parameters.version == 2


# --- year-on-year change ------------------------------------------------------------------------------------


def test_year_on_year_change_against_the_same_row_of_the_previous_year():
    service = ServiceFactory()
    report(service, "portal", 10, year=2023)
    spend(service, "100", "portal", year=2023)
    report(service, "portal", 20, year=2024)
    spend(service, "300", "portal", year=2024)
    full()

    # 2023 CPT 100/10 = 10; 2024 CPT 300/20 = 15: change (15 − 10)/10 = +0.5; T (20 − 10)/10 = +1
    for channel in ("portal", None):
        figure = stored(service, channel, year=2024)
        assert figure.previous_cost_per_transaction == D(10)
        assert figure.cost_per_transaction_change == D("0.5")
        assert (figure.previous_transactions, figure.transactions_change) == (10, D(1))
        first = stored(service, channel, year=2023)
        assert (first.previous_cost_per_transaction, first.cost_per_transaction_change) == (None, None)
        assert (first.previous_transactions, first.transactions_change) == (None, None)


def test_year_on_year_change_needs_the_year_directly_before():
    service = ServiceFactory()
    report(service, "portal", 10, year=2022)
    spend(service, "100", "portal", year=2022)
    report(service, "portal", 20, year=2024)
    spend(service, "300", "portal", year=2024)
    full()

    # 2022 is not the previous year of 2024: no change, rather than a two-year change shown as one
    figure = stored(service, year=2024)
    assert (figure.previous_cost_per_transaction, figure.cost_per_transaction_change) == (None, None)


# --- peers --------------------------------------------------------------------------------------------------


def peer_group(cpts, template=None, year=YEAR):
    """One service per provider sharing a unified template, 10 transactions each through the portal and a
    channel-attributed cost of 10 × CPT. Returns the services in the order of `cpts`."""
    template = template or ServiceTemplateFactory()
    services = []
    for cpt in cpts:
        service = ServiceFactory(template=template)
        report(service, "portal", 10, year=year)
        spend(service, 10 * cpt, "portal", year=year)
        services.append(service)
    return services


def peers_of(services, channel=None):
    figures = [stored(service, channel) for service in services]
    return [(f.peer_count, f.peer_median, f.peer_ratio, f.is_outlier) for f in figures]


def test_peer_ratio_against_the_median_of_an_odd_group_with_outliers_at_k_and_one_over_k():
    services = peer_group([10, 20, 40])
    full()

    # median of 10, 20, 40 = 20; ratios 0.5, 1, 2; k = 2: 0.5 ≤ 1/2 and 2 ≥ 2 are both outliers
    for channel in ("portal", None):
        assert peers_of(services, channel) == [
            (3, D(20), D("0.5"), True),
            (3, D(20), D(1), False),
            (3, D(20), D(2), True),
        ]


def test_peer_median_of_an_even_group_is_the_mean_of_the_middle_two():
    services = peer_group([10, 20, 30, 90])
    full()

    # median of 10, 20, 30, 90 = (20 + 30)/2 = 25; ratios 0.4, 0.8, 1.2, 3.6; k = 2: 0.4 and 3.6 are outliers
    assert peers_of(services) == [
        (4, D(25), D("0.4"), True),
        (4, D(25), D("0.8"), False),
        (4, D(25), D("1.2"), False),
        (4, D(25), D("3.6"), True),
    ]


def test_a_changed_outlier_factor_is_a_new_parameter_version_and_the_rows_record_it():
    odd = peer_group([10, 20, 40])
    even = peer_group([10, 20, 30, 90])
    full()
    assert {figure.parameters.version for figure in CostFigure.objects.all()} == {1}

    parameters = new_parameters(outlier_factor="3")
    full()

    # k = 3: 1/k = 0.333…; odd ratios 0.5 and 2 are no longer outliers; even 0.4 is not, 3.6 ≥ 3 still is
    assert [outlier for *_rest, outlier in peers_of(odd)] == [False, False, False]
    assert [outlier for *_rest, outlier in peers_of(even)] == [False, False, False, True]
    assert set(CostFigure.objects.values_list("parameters", flat=True)) == {parameters.pk}
    assert parameters.version == 2
    # the old version is kept unchanged
    assert costing.CostParameters.objects.get(version=1).outlier_factor == D(2)


def test_one_peer_only_gives_no_ratio():
    (alone,) = peer_group([50])
    full()

    figure = stored(alone)
    assert (figure.peer_count, figure.peer_median, figure.peer_ratio, figure.is_outlier) == (1, D(50), None, False)


def test_a_peer_without_a_value_does_not_count():
    with_value, without_value = peer_group([50, 0])
    ServiceFigure.objects.filter(service=without_value).update(completed=0)
    full()

    # the second has T = 0, so no CPT: the first has no peer with a value besides itself
    figure = stored(with_value)
    assert (figure.peer_count, figure.peer_ratio, figure.is_outlier) == (1, None, False)
    assert stored(without_value).peer_ratio is None


def test_the_same_service_at_several_providers_are_peers_without_a_template():
    first, second, third = InstitutionFactory(), InstitutionFactory(), InstitutionFactory()
    service = ServiceFactory(holder=first, providers=[first, second, third])
    for provider, cost in ((first, 100), (second, 300), (third, 1000)):
        report(service, "portal", 10, provider=provider)
        spend(service, cost, "portal", provider=provider)
    other = ServiceFactory()  # another service without a template is not a peer
    report(other, "portal", 10)
    spend(other, "5000", "portal")
    full()

    # CPTs 10, 30, 100: median 30; ratios 1/3, 1, 10/3; k = 2: the first and the third are outliers
    figures = [stored(service, provider=provider) for provider in (first, second, third)]
    assert [f.peer_median for f in figures] == [D(30)] * 3
    assert [f.peer_ratio for f in figures] == [D("0.333333"), D(1), D("3.333333")]
    assert [f.is_outlier for f in figures] == [True, False, True]
    assert stored(other).peer_count == 1


def test_peers_are_compared_within_one_year():
    template = ServiceTemplateFactory()
    this_year = peer_group([10, 30], template=template)
    peer_group([1000], template=template, year=YEAR - 1)
    full()

    # 2024: median (10 + 30)/2 = 20; the 2023 figure of 1000 is not a peer
    assert [f[1] for f in peers_of(this_year)] == [D(20), D(20)]


# --- grains ----------------------------------------------------------------------------------------------------


def test_a_channel_reported_as_a_year_and_as_months_counts_once_as_the_year():
    service = ServiceFactory()
    report(service, "portal", 100)
    for month in range(1, 13):
        report(service, "portal", 10, period=PeriodType.MONTH, number=month)
    for quarter in range(1, 5):
        report(service, "phone", 20, period=PeriodType.QUARTER, number=quarter)
    for month in range(1, 13):
        report(service, "phone", 1, period=PeriodType.MONTH, number=month)
    for month in range(1, 4):
        report(service, "post", 7, period=PeriodType.MONTH, number=month)
    full()

    # portal: the year row (100), not 100 + 12 × 10; phone: the quarters 4 × 20 = 80, not + 12;
    # post: months only, 3 × 7 = 21
    assert stored(service, "portal").transactions == 100
    assert stored(service, "phone").transactions == 80
    assert stored(service, "post").transactions == 21
    assert stored(service).transactions == 201


# --- roll-ups ----------------------------------------------------------------------------------------------------


@pytest.fixture
def rollup_world():
    """Ministry M with agencies A1 and A2; an agency B outside any ministry. A1 sits in a former municipality
    merged into N, A2 in N itself. S1 (life situations L1, L2) at A1; S2 (L1) at A2; S3 (none) at B."""
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    today = MunicipalityFactory()
    former = MunicipalityFactory(successor=today)
    a1 = InstitutionFactory(parent=ministry, municipality=former)
    a2 = InstitutionFactory(parent=ministry, municipality=today)
    b = InstitutionFactory()
    l1, l2 = LifeSituationFactory(), LifeSituationFactory()
    s1 = ServiceFactory(holder=a1, life_situations=[l1, l2])
    s2 = ServiceFactory(holder=a2, life_situations=[l1])
    s3 = ServiceFactory(holder=b)
    scale_5 = {"rating_scale_min": 1, "rating_scale_max": 5}
    # S1: portal 10 (S 20), phone 30 — cost 100 + 300 = 400, CPT 10; portal score (5−1)/4 → 100 over 10 answers
    report(s1, "portal", 10, started=20, satisfaction_responses=10, satisfaction_mean=D(5), **scale_5)
    report(s1, "phone", 30)
    spend(s1, "100", "portal")
    spend(s1, "300", "phone")
    # S2: portal 60 (S 80) — cost 1800, CPT 30; score (2−1)/4 → 25 over 30 answers
    report(s2, "portal", 60, started=80, satisfaction_responses=30, satisfaction_mean=D(2), **scale_5)
    spend(s2, "1800", "portal")
    # S3: phone 5, no cost; plus H 70 in 2023 without transactions (unallocated)
    report(s3, "phone", 5)
    spend(s3, "70", year=YEAR - 1)
    full()
    return {"ministry": ministry, "today": today, "a1": a1, "a2": a2, "b": b, "l1": l1, "l2": l2}


def by_group(rows, year=YEAR):
    return {row["group"]: row for row in rows if row["year"] == year}


def test_rollup_by_sector_sums_costs_and_transactions_then_divides(rollup_world):
    world = rollup_world
    rows = by_group(costing.rollup(CostFigure.objects.all(), by="sector"))

    # only M: (400 + 1800) / (40 + 60) = 22; the mean of the CPTs, (10 + 30)/2 = 20, would be wrong. B has no sector.
    assert set(rows) == {world["ministry"].pk}
    sector = rows[world["ministry"].pk]
    assert (sector["cost"], sector["transactions"], sector["cost_per_transaction"]) == (D(2200), 100, D(22))
    # digital take-up (10 + 60) / 100 = 0.7; completion (10 + 60) / (20 + 80) = 0.7
    assert sector["digital_takeup"] == D("0.7")
    assert sector["completion_rate"] == D("0.7")
    # satisfaction (100 × 10 + 25 × 30) / 40 = 1750 / 40 = 43.75
    assert sector["satisfaction_score"] == D("43.75")


def test_a_ministry_and_the_bodies_two_levels_below_it_are_one_sector():
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    agency = InstitutionFactory(parent=ministry)
    office = InstitutionFactory(parent=agency)
    for provider, cost in ((ministry, 10), (agency, 20), (office, 60)):
        service = ServiceFactory(holder=provider)
        report(service, "portal", 10)
        spend(service, cost, "portal")
    full()

    # (10 + 20 + 60) / 30 = 3
    rows = by_group(costing.rollup(CostFigure.objects.all(), by="sector"))
    assert set(rows) == {ministry.pk}
    assert (rows[ministry.pk]["transactions"], rows[ministry.pk]["cost_per_transaction"]) == (30, D(3))


def test_rollup_by_institution_and_by_municipality_through_its_successor(rollup_world):
    world = rollup_world
    institutions = by_group(costing.rollup(CostFigure.objects.all(), by="institution"))
    assert institutions[world["a1"].pk]["cost_per_transaction"] == D(10)
    assert institutions[world["a2"].pk]["cost_per_transaction"] == D(30)
    # B: 5 transactions without a cost
    assert institutions[world["b"].pk]["cost_per_transaction"] is None
    assert institutions[world["b"].pk]["cost_per_transaction_missing"] == MissingReason.NO_COST

    # A1's former municipality rolls up to N: (400 + 1800) / 100 = 22; B has no municipality
    municipalities = by_group(costing.rollup(CostFigure.objects.all(), by="municipality"))
    assert set(municipalities) == {world["today"].pk}
    assert municipalities[world["today"].pk]["cost_per_transaction"] == D(22)


def test_rollup_by_life_situation_counts_a_service_in_each_of_its_situations(rollup_world):
    world = rollup_world
    rows = by_group(costing.rollup(CostFigure.objects.all(), by="life_situation"))

    # L1: S1 and S2, (400 + 1800) / 100 = 22; L2: S1 only, 400 / 40 = 10; S3 belongs to none
    assert set(rows) == {world["l1"].pk, world["l2"].pk}
    assert rows[world["l1"].pk]["cost_per_transaction"] == D(22)
    assert rows[world["l2"].pk]["cost_per_transaction"] == D(10)


def test_national_rollup_divides_by_the_transactions_that_have_a_cost(rollup_world):
    national = costing.rollup(CostFigure.objects.all(), by="national")
    rows = by_group(national)
    assert set(rows) == {None}
    row = rows[None]
    # cost 2200 over the 100 costed transactions = 22; B's 5 uncosted ones are transactions but not costed
    assert (row["transactions"], row["costed_transactions"], row["cost"]) == (105, 100, D(2200))
    assert row["cost_per_transaction"] == D(22)
    # take-up (10 + 60) / 105
    assert row["digital_takeup"] == D(70) / D(105)
    # years stay apart: 2023 has only B's unallocated 70
    previous = by_group(national, year=YEAR - 1)[None]
    assert (previous["unallocated_shared_cost"], previous["transactions"], previous["cost_per_transaction"]) == (
        D(70), 0, None
    )
    assert previous["cost_per_transaction_missing"] == MissingReason.NO_TRANSACTIONS


def test_rollup_of_one_channel(rollup_world):
    portal = ChannelFactory(code="portal")
    rows = by_group(costing.rollup(CostFigure.objects.all(), by="national", channel=portal))
    # portal rows only: (100 + 1800) / (10 + 60) = 1900 / 70
    assert rows[None]["cost"] == D(1900)
    assert rows[None]["cost_per_transaction"] == D(1900) / D(70)


def test_rollup_rejects_an_unknown_grouping():
    with pytest.raises(ValueError):
        costing.rollup(CostFigure.objects.all(), by="planet")


# --- channel shift --------------------------------------------------------------------------------------------------


@pytest.fixture
def shift_service():
    service = ServiceFactory()
    report(service, "portal", 100)
    spend(service, "200", "portal")  # CPT_d 2
    report(service, "phone", 50)
    spend(service, "600", "phone")  # CPT 12
    report(service, "post", 20)  # no cost: CPT unknown
    full()
    return service


def channel_rows(service):
    return list(
        CostFigure.objects.filter(service=service, channel__isnull=False).select_related("channel").order_by("channel")
    )


def test_channel_shift_with_a_known_cost_per_transaction(shift_service):
    target, lines, total = costing.channel_shift(channel_rows(shift_service), "0.1", costing.current_parameters())

    assert target.channel.code == "portal"
    phone = next(line for line in lines if line.channel.code == "phone")
    # 0.1 × 50 × (12 − 2) = 50
    assert (phone.cpt, phone.estimated, phone.potential) == (D(12), False, D(50))


def test_channel_shift_estimates_an_unknown_cost_per_transaction_from_the_relative_cost_units(shift_service):
    target, lines, total = costing.channel_shift(channel_rows(shift_service), "0.1", costing.current_parameters())

    post = next(line for line in lines if line.channel.code == "post")
    # CPT_post ≈ CPT_d × u_post / u_digital = 2 × 30 / 1 = 60; 0.1 × 20 × (60 − 2) = 116
    assert (post.cpt, post.estimated, post.potential) == (D(60), True, D(116))
    # total 50 + 116
    assert total == D(166)
    assert {line.channel.code for line in lines} == {"phone", "post"}  # the digital channel is the target

    parameters = new_parameters(unit_post="40")
    _target, lines, total = costing.channel_shift(channel_rows(shift_service), "0.1", parameters)
    post = next(line for line in lines if line.channel.code == "post")
    # 2 × 40 / 1 = 80; 0.1 × 20 × 78 = 156; total 50 + 156
    assert (post.cpt, post.potential, total) == (D(80), D(156), D(206))


def test_channel_shift_without_a_digital_channel_with_a_value_has_no_target():
    service = ServiceFactory()
    report(service, "phone", 50)
    spend(service, "600", "phone")
    full()

    target, lines, total = costing.channel_shift(channel_rows(service), "0.5", costing.current_parameters())
    assert (target, total) == (None, None)
    assert [(line.channel.code, line.potential, line.reason) for line in lines] == [("phone", None, "no_target")]


# --- incremental recomputation ------------------------------------------------------------------------------------


@pytest.fixture
def three_providers():
    """Three providers of one unified template (a service each) over 2023–2025, and a service without a
    template that all three provide. CPTs are chosen so medians and ratios do not end in four places."""
    template = ServiceTemplateFactory()
    providers = [InstitutionFactory() for _ in range(3)]
    templated = [ServiceFactory(holder=provider, template=template) for provider in providers]
    shared = ServiceFactory(holder=providers[0], providers=providers)
    for year in (2023, 2024, 2025):
        for n, (provider, service) in enumerate(zip(providers, templated, strict=True)):
            report(service, "portal", 3 + n, year=year, started=10, client_minutes=D(7))
            report(service, "phone", 7 + year % 5, year=year)
            spend(service, 100 + 10 * n + year % 7, "portal", year=year)
            spend(service, "33.33", year=year)
            report(shared, "post", 6 + n, provider=provider, year=year)
            spend(shared, 50 * (n + 1), provider=provider, year=year)
    full()
    return providers, templated, shared


def test_incremental_recomputation_gives_exactly_the_rows_of_a_full_one(three_providers):
    providers, templated, shared = three_providers
    first = providers[0]
    before = {
        "next_year_change": stored(templated[0], year=2025).cost_per_transaction_change,
        "peer_ratio": stored(templated[1], year=2024).peer_ratio,
        "shared_peer_ratio": stored(shared, provider=providers[2], year=2024).peer_ratio,
    }
    ServiceFigure.objects.filter(provider=first, year=2024, channel__code="portal").update(completed=1)
    ServiceCost.objects.filter(provider=first, year=2024, channel__isnull=True).update(amount=D("910.10"))
    report(templated[0], "post", 4, provider=first, year=2024)

    costing.recompute(RecomputationKind.INCREMENTAL, [(first.pk, 2024)])
    incremental = snapshot()

    # what depends on the change moved: the next year's change of the first provider and the peers of the others
    assert stored(templated[0], year=2025).cost_per_transaction_change != before["next_year_change"]
    assert stored(templated[1], year=2024).peer_ratio != before["peer_ratio"]
    assert stored(shared, provider=providers[2], year=2024).peer_ratio != before["shared_peer_ratio"]

    full()
    assert differences(incremental, snapshot()) == []


def test_incremental_recomputation_of_a_new_year_and_of_a_year_that_lost_all_its_figures(three_providers):
    providers, templated, shared = three_providers
    first = providers[0]
    ServiceFigure.objects.filter(provider=first, year=2024).delete()
    ServiceCost.objects.filter(provider=first, year=2024).delete()
    report(templated[0], "portal", 9, provider=first, year=2026)
    spend(templated[0], "99", "portal", provider=first, year=2026)

    costing.recompute(RecomputationKind.INCREMENTAL, [(first.pk, 2024), (first.pk, 2026)])

    assert not CostFigure.objects.filter(provider=first, year=2024).exists()
    assert stored(templated[0], year=2026).cost_per_transaction == D(11)
    # with 2024 gone, 2025 has no previous year
    assert stored(templated[0], year=2025).previous_cost_per_transaction is None
    incremental = snapshot()
    full()
    assert differences(incremental, snapshot()) == []


def test_deleting_all_figures_of_a_provider_year_removes_its_rows_in_a_full_recomputation():
    service = ServiceFactory()
    report(service, "portal", 10, year=2023)
    report(service, "portal", 10, year=2024)
    full()
    ServiceFigure.objects.filter(year=2023).delete()
    full()
    assert set(CostFigure.objects.values_list("year", flat=True)) == {2024}


def test_recomputing_twice_changes_nothing(three_providers):
    first = snapshot()
    full()
    assert differences(first, snapshot()) == []


# --- the signal path and the jobs ----------------------------------------------------------------------------------


def test_saving_figures_in_a_transaction_queues_one_incremental_recomputation_after_commit(
    django_capture_on_commit_callbacks,
):
    service = ServiceFactory()
    provider = service.holder
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            report(service, "portal", 10)
            report(service, "phone", 5)
            spend(service, "150")
            assert not CostRecomputation.objects.exists()  # nothing before the commit

    job = CostRecomputation.objects.get()
    assert (job.kind, job.scope) == (RecomputationKind.INCREMENTAL, [[provider.pk, YEAR]])
    # Celery runs eagerly in the tests: the job has run and written the figures, 150 / 15 = 10
    assert job.status == RecomputationStatus.DONE
    assert stored(service).cost_per_transaction == D(10)


def test_a_rolled_back_transaction_queues_nothing(django_capture_on_commit_callbacks):
    service = ServiceFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            report(service, "portal", 10)
            raise RuntimeError("abandoned")
    assert callbacks == []
    assert not CostRecomputation.objects.exists()


def test_deleting_a_figure_queues_a_recomputation_that_removes_its_rows(django_capture_on_commit_callbacks):
    service = ServiceFactory()
    figure = report(service, "portal", 10, year=2023)
    full()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            figure.delete()

    job = CostRecomputation.objects.get()
    assert job.scope == [[service.holder.pk, 2023]]
    assert not CostFigure.objects.exists()


def test_moving_a_figure_to_another_year_recomputes_the_year_it_left(django_capture_on_commit_callbacks):
    service = ServiceFactory()
    figure = report(service, "portal", 10, year=2023)
    full()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            figure.year = 2024
            figure.save()

    job = CostRecomputation.objects.get()
    assert job.scope == [[service.holder.pk, 2023], [service.holder.pk, 2024]]
    assert set(CostFigure.objects.values_list("year", flat=True)) == {2024}


def test_saving_parameters_queues_a_full_recomputation_with_the_new_version(django_capture_on_commit_callbacks):
    service = ServiceFactory()
    report(service, "portal", 10)
    full()
    with django_capture_on_commit_callbacks(execute=True):
        parameters = new_parameters(hourly_tariff="20")

    job = CostRecomputation.objects.get()
    assert (job.kind, job.status, job.parameters) == (RecomputationKind.FULL, RecomputationStatus.DONE, parameters)
    assert stored(service).parameters == parameters


def test_a_job_finished_by_an_earlier_full_recomputation_is_skipped():
    later = costing.request_full(reason="second")
    earlier = costing.request_full(reason="first")
    assert costing.run_recomputation(earlier.pk).status == RecomputationStatus.DONE
    # `later` was requested before `earlier` started: its changes were read, so it has nothing left to do
    assert costing.run_recomputation(later.pk).status == RecomputationStatus.SKIPPED
    assert CostRecomputation.objects.get(pk=later.pk).percent == 100
