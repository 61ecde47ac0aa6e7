from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum

from institutions.models import Institution, InstitutionType
from services.demo_data import (
    DEMO_YEARS,
    MINIMUM_BASKET_HOLDERS,
    MUNICIPAL_TEMPLATES,
    STATE_SERVICES,
    load_catalogue_demo,
)
from services.models import (
    LifeSituation,
    Service,
    ServiceChannel,
    ServiceCost,
    ServiceFigure,
    ServiceLevel,
    ServiceTemplate,
)
from services.validation import cost_errors, figure_errors, service_facts

FIGURE_FIELDS = (
    "provider_id", "year", "period_type", "period_number", "started", "completed", "consultations",
    "client_minutes", "satisfaction_responses", "satisfaction_mean", "rating_scale_min", "rating_scale_max",
)  # fmt: skip


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The reference data and the demo catalogue, loaded once for the module inside a transaction that is
    rolled back after it; each test still runs in its own savepoint (the `db` fixture)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", verbosity=0)
        summary = load_catalogue_demo()
        # Check the deferred foreign keys of the loaded rows now, once, rather than at every test's teardown.
        connection.check_constraints()
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def catalogue(demo, db):
    return demo


def test_the_summary_counts_what_was_created(catalogue):
    # 47 state services + 25 templates × 43 municipalities = 1,122 services.
    assert catalogue["services created"] == len(STATE_SERVICES) + len(MUNICIPAL_TEMPLATES) * 43
    assert catalogue["life situations created"] == LifeSituation.objects.count() == 12
    assert catalogue["unified service templates created"] == ServiceTemplate.objects.count() == 25
    assert catalogue["service figures created"] == ServiceFigure.objects.count()
    assert catalogue["service costs created"] == ServiceCost.objects.count()
    assert catalogue["service channels created"] == ServiceChannel.objects.count()


def test_every_unified_template_is_provided_once_by_each_of_the_43_municipalities(catalogue):
    municipalities = Institution.objects.filter(institution_type=InstitutionType.MUNICIPALITY)
    for template in ServiceTemplate.objects.all():
        services = Service.objects.filter(template=template)
        assert services.count() == 43
        assert set(services.values_list("holder_id", flat=True)) == set(municipalities.values_list("pk", flat=True))
        for service in services.select_related("holder__municipality").prefetch_related("providers"):
            assert service.level == ServiceLevel.MUNICIPAL
            assert [p.pk for p in service.providers.all()] == [service.holder_id]
            assert service.catalogue_id == f"PV-{template.code}-{service.holder.municipality.code}"
            assert len(service.catalogue_id) <= 40


def test_state_services_are_held_and_provided_by_the_reference_institutions(catalogue):
    state = Service.objects.filter(level=ServiceLevel.STATE).select_related("holder").prefetch_related("providers")
    assert state.count() == len(STATE_SERVICES)
    for service in state:
        assert [p.pk for p in service.providers.all()] == [service.holder_id]
        assert service.minimum_basket == (service.holder.short_name in MINIMUM_BASKET_HOLDERS)
    passport = Service.objects.get(catalogue_id="PV-PMLP-01")
    assert "Biometrij" in passport.physical_presence_reason
    assert passport.channels.get().fee_amount > 0
    assert state.filter(digital_only=True).exists()
    assert not Service.objects.filter(is_demo=False).exists()
    assert LifeSituation.objects.filter(services__isnull=True).count() == 0  # every life situation groups services


def test_each_offered_channel_has_figures_for_every_year_of_the_service_lifetime(catalogue):
    expected = 0
    for service in Service.objects.annotate(channel_count=Count("channels")):
        expected += service.channel_count * sum(service.active_in_year(year) for year in DEMO_YEARS)
    assert ServiceFigure.objects.count() == expected
    assert set(ServiceFigure.objects.values_list("year", flat=True).distinct()) == set(DEMO_YEARS)
    downtime = Service.objects.get(catalogue_id="PV-VID-06")  # withdrawn in 2021
    assert set(downtime.figures.values_list("year", flat=True)) == {2020, 2021}
    offered = set(ServiceChannel.objects.values_list("service_id", "channel_id"))
    assert set(ServiceFigure.objects.values_list("service_id", "channel_id").distinct()) == offered


def test_digital_take_up_rises_every_year_nationally_and_municipal_services_lag_behind(catalogue):
    def take_up(figures):
        by_year = figures.values("year").annotate(
            total=Sum("completed"), digital=Sum("completed", filter=Q(channel__is_digital=True))
        )
        return [row["digital"] / row["total"] for row in by_year.order_by("year")]

    national = take_up(ServiceFigure.objects.all())
    state = take_up(ServiceFigure.objects.filter(service__level=ServiceLevel.STATE))
    municipal = take_up(ServiceFigure.objects.filter(service__level=ServiceLevel.MUNICIPAL))
    assert national == sorted(national) and national[-1] - national[0] > 0.15
    assert state[0] > 0.4 and state[-1] > 0.65
    assert all(m < s for m, s in zip(municipal, state, strict=True))


def test_municipal_volumes_follow_the_population(catalogue):
    def completed(code):
        return ServiceFigure.objects.filter(service__catalogue_id=f"PV-housing-benef-{code}", year=2024).aggregate(
            total=Sum("completed")
        )["total"]

    # Riga has ~605,000 residents and Varakļāni ~3,100: about 195 times as many applications.
    assert 120 < completed("riga") / completed("varaklanu-novads") < 300


def test_every_demo_figure_and_cost_passes_the_validation_rules(catalogue):
    facts = service_facts()
    for row in ServiceFigure.objects.values("service_id", *FIGURE_FIELDS).iterator():
        assert figure_errors(row, facts[row["service_id"]]) == {}, row
    for row in ServiceCost.objects.values("service_id", "provider_id", "year", "amount").iterator():
        assert cost_errors(row, facts[row["service_id"]]) == {}, row
    assert not ServiceFigure.objects.filter(is_demo=False).exists()
    assert not ServiceCost.objects.filter(is_demo=False).exists()


def test_figures_look_like_reported_ones(catalogue):
    figures = ServiceFigure.objects.select_related("channel")
    assert not figures.filter(started__lt=F("completed")).exists()
    minutes = defaultdict(list)
    for code, value in figures.values_list("channel__code", "client_minutes"):
        minutes[code].append(float(value))
    assert all(8 <= value <= 25 for value in minutes["portal"] + minutes["own_site"] + minutes["mobile_app"])
    assert 30 <= sum(minutes["institution_in_person"]) / len(minutes["institution_in_person"]) <= 60
    rated = figures.exclude(satisfaction_mean=None)
    assert rated.exists() and not rated.filter(Q(satisfaction_mean__lt=1) | Q(satisfaction_mean__gt=5)).exists()


def test_costs_are_shared_or_attributed_to_an_offered_channel(catalogue):
    offered = set(ServiceChannel.objects.values_list("service_id", "channel_id"))
    attributed = set(ServiceCost.objects.exclude(channel=None).values_list("service_id", "channel_id").distinct())
    assert attributed <= offered
    with_figures = set(ServiceFigure.objects.values_list("service_id", "provider_id", "year").distinct())
    with_shared_staff = set(
        ServiceCost.objects.filter(channel=None, component="staff").values_list("service_id", "provider_id", "year")
    )
    assert with_shared_staff == with_figures
    assert not ServiceCost.objects.filter(amount__lte=0).exists()


def test_loading_again_creates_and_changes_nothing(catalogue):
    def state():
        return (
            Service.objects.count(), Service.objects.aggregate(Max("updated_at")),
            ServiceChannel.objects.count(), Service.providers.through.objects.count(),
            Service.life_situations.through.objects.count(),
            ServiceFigure.objects.aggregate(Count("pk"), Sum("completed"), Max("updated_at")),
            ServiceCost.objects.aggregate(Count("pk"), Sum("amount"), Max("updated_at")),
        )  # fmt: skip

    before = state()
    summary = load_catalogue_demo()
    assert set(summary.values()) == {0}
    assert state() == before


def test_deleted_figures_come_back_with_the_same_numbers(catalogue):
    service = Service.objects.get(catalogue_id="PV-kindergarten-riga")

    def numbers():
        return sorted(service.figures.values_list("year", "channel_id", "started", "completed", "satisfaction_mean"))

    before = numbers()
    service.figures.all().delete()
    others = ServiceFigure.objects.count()
    summary = load_catalogue_demo()
    assert summary["service figures created"] == len(before)
    assert summary["service costs created"] == 0  # the costs were still there
    assert ServiceFigure.objects.count() == others + len(before)
    assert numbers() == before  # seeded by the catalogue identifier, not by the order of loading
