from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from services.api.bulk import MAX_ROWS
from services.models import (
    Channel,
    CostComponent,
    LifeSituation,
    Service,
    ServiceChannel,
    ServiceCost,
    ServiceFigure,
    ServiceKind,
    ServiceLevel,
    ServiceStatus,
    ServiceTemplate,
)
from services.reference_data import load_channels
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

SERVICES = "/api/v1/services/"
LIFE_SITUATIONS = "/api/v1/life-situations/"
CHANNELS = "/api/v1/channels/"
FIGURES = "/api/v1/service-figures/"
COSTS = "/api/v1/service-costs/"
FIGURES_BULK = f"{FIGURES}bulk/"
COSTS_BULK = f"{COSTS}bulk/"
PRIVATE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "service-api"}}


def token_client(user, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def user_with(role, *memberships):
    """A user of `role` with memberships given as (institution, can_edit) pairs."""
    user = UserFactory(role=role)
    for institution, can_edit in memberships:
        Membership.objects.create(user=user, institution=institution, can_edit=can_edit)
    return user


def make_service(catalogue_id, holder, providers=(), channels=(), **fields):
    service = Service.objects.create(
        catalogue_id=catalogue_id, name_lv=f"Pakalpojums {catalogue_id}", holder=holder, **fields
    )
    service.providers.set(providers)
    for code in channels:
        ServiceChannel.objects.create(service=service, channel=Channel.objects.get(code=code))
    return service


def make_figure(service, provider, channel="portal", year=2023, **values):
    values.setdefault("completed", 10)
    return ServiceFigure.objects.create(
        service=service, provider=provider, channel=Channel.objects.get(code=channel), year=year, **values
    )


def make_cost(service, provider, component=CostComponent.STAFF, channel=None, year=2023, amount="100.00"):
    return ServiceCost.objects.create(
        service=service,
        provider=provider,
        component=component,
        channel=Channel.objects.get(code=channel) if channel else None,
        year=year,
        amount=Decimal(amount),
    )


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def figure_payload(**changes):
    payload = {
        "service": "A-1",
        "provider": "ALFA",
        "channel": "portal",
        "year": 2023,
        "started": 120,
        "completed": 100,
        "consultations": 15,
        "client_minutes": "12.5",
        "satisfaction_responses": 40,
        "satisfaction_mean": "4.2",
        "rating_scale_min": 1,
        "rating_scale_max": 5,
    }
    payload.update(changes)
    return payload


@pytest.fixture(autouse=True)
def fresh_throttle_cache():
    # Throttle history lives in the cache; a private one keeps tests from counting each other's requests.
    with override_settings(CACHES=PRIVATE_CACHE):
        from django.core.cache import cache

        cache.clear()
        yield


@pytest.fixture
def world():
    """Institutions A and B, each holding and providing its own service, and a ministry's service both provide."""
    load_channels()
    a = InstitutionFactory(short_name="ALFA", name_lv="Alfa dienests", name_en="Alpha Service")
    b = InstitutionFactory(short_name="BETA", name_lv="Beta birojs", name_en="Beta Office")
    ministry = InstitutionFactory(short_name="MIN")
    service_a = make_service("A-1", a, [a], ["portal", "phone"], valid_from=date(2020, 1, 1))
    service_b = make_service("B-1", b, [b], ["institution_in_person"])
    shared = make_service("M-1", ministry, [a, b], ["portal"])
    return {"a": a, "b": b, "ministry": ministry, "service_a": service_a, "service_b": service_b, "shared": shared}


@pytest.fixture
def editor_a(world):
    return user_with(Role.EDITOR, (world["a"], True))


@pytest.fixture
def client_a(editor_a):
    return token_client(editor_a)


@pytest.fixture
def reported(world):
    """Figures and costs of both A and B, on their own services and on the shared one."""
    rows = {
        "a_own": make_figure(world["service_a"], world["a"]),
        "a_shared": make_figure(world["shared"], world["a"]),
        "b_own": make_figure(world["service_b"], world["b"], channel="institution_in_person"),
        "b_shared": make_figure(world["shared"], world["b"]),
        "a_cost": make_cost(world["service_a"], world["a"]),
        "a_shared_cost": make_cost(world["shared"], world["a"], channel="portal"),
        "b_cost": make_cost(world["service_b"], world["b"]),
        "b_shared_cost": make_cost(world["shared"], world["b"]),
    }
    return rows


# Scoping of reads


def test_editor_of_a_lists_only_the_services_a_holds_or_provides(world, client_a):
    assert {row["catalogue_id"] for row in results(client_a.get(SERVICES))} == {"A-1", "M-1"}


def test_editor_of_a_gets_404_for_a_service_of_b(world, client_a):
    assert client_a.get(f"{SERVICES}A-1/").status_code == 200
    response = client_a.get(f"{SERVICES}B-1/")
    assert response.status_code == 404
    assert "BETA" not in response.content.decode()


def test_editor_of_a_never_sees_figures_or_costs_of_b(world, reported, client_a):
    figures = {row["id"] for row in results(client_a.get(f"{FIGURES}?page_size=500"))}
    costs = {row["id"] for row in results(client_a.get(f"{COSTS}?page_size=500"))}
    # B's figure on the shared service stays hidden although A provides that service too.
    assert figures == {reported["a_own"].pk, reported["a_shared"].pk}
    assert costs == {reported["a_cost"].pk, reported["a_shared_cost"].pk}
    for query in ["search=BETA", "q=B-1", "service=B-1", "year=2023", "ordering=-provider__short_name"]:
        assert "BETA" not in client_a.get(f"{FIGURES}?{query}").content.decode(), query
        assert "BETA" not in client_a.get(f"{COSTS}?{query}").content.decode(), query


def test_editor_of_a_gets_404_for_figures_and_costs_of_b(world, reported, client_a):
    assert client_a.get(f"{FIGURES}{reported['a_own'].pk}/").status_code == 200
    assert client_a.get(f"{FIGURES}{reported['b_shared'].pk}/").status_code == 404
    assert client_a.get(f"{COSTS}{reported['b_cost'].pk}/").status_code == 404
    assert client_a.patch(f"{FIGURES}{reported['b_own'].pk}/", {"completed": 1}, format="json").status_code == 404
    assert client_a.delete(f"{COSTS}{reported['b_cost'].pk}/").status_code == 404
    assert ServiceCost.objects.filter(pk=reported["b_cost"].pk).exists()


def test_filtering_by_b_as_provider_gives_a_nothing(world, reported, client_a):
    # B is not among the provider choices of a user who cannot see it.
    response = client_a.get(f"{FIGURES}?provider={world['b'].pk}")
    assert response.status_code == 400
    assert "BETA" not in response.content.decode()


def test_coordinator_sees_everything(world, reported):
    client = token_client(UserFactory(role=Role.COORDINATOR))
    assert {row["catalogue_id"] for row in results(client.get(SERVICES))} == {"A-1", "B-1", "M-1"}
    assert len(results(client.get(FIGURES))) == 4
    assert len(results(client.get(COSTS))) == 4


def test_anonymous_requests_are_refused(world):
    for url in [SERVICES, LIFE_SITUATIONS, CHANNELS, FIGURES, COSTS]:
        assert APIClient().get(url).status_code in (401, 403), url
    assert APIClient().post(FIGURES_BULK, [figure_payload()], format="json").status_code in (401, 403)


# Catalogue representation


def test_service_representation(world, client_a):
    service = world["service_a"]
    template = ServiceTemplate.objects.create(code="birth-registration", name_lv="Dzimšanas reģistrācija")
    situation = LifeSituation.objects.create(code="birth", name_lv="Bērna piedzimšana", name_en="Birth of a child")
    service.template = template
    service.name_en = "Service A"
    service.condition_automation = False
    service.save()
    service.life_situations.add(situation)
    ServiceChannel.objects.filter(service=service, channel__code="portal").update(
        address="https://latvija.gov.lv/a", fee_amount=Decimal("3.50"), fee_conditions="per copy", processing_days=5
    )

    body = client_a.get(f"{SERVICES}A-1/").json()
    assert body["name"] == "Service A"
    assert body["name_lv"] == "Pakalpojums A-1"
    assert body["url"].endswith("/api/v1/services/A-1/")
    assert body["holder"] == {"id": world["a"].pk, "short_name": "ALFA", "name": "Alpha Service"}
    assert body["providers"] == [{"id": world["a"].pk, "short_name": "ALFA", "name": "Alpha Service"}]
    assert body["template"] == "birth-registration"
    assert body["life_situations"] == ["birth"]
    assert body["kind"] == ServiceKind.FOR_PERSON
    assert body["kind_display"] == "For a specific resident or entrepreneur"
    assert body["status"] == ServiceStatus.ACTIVE
    assert body["valid_from"] == "2020-01-01"
    assert len(body["conditions"]) == 10
    assert body["conditions"]["automation"] is False
    assert body["conditions"]["security"] is True
    portal, phone = body["channels"]  # in the code list's order
    assert portal == {
        "channel": "portal",
        "name": "E-service on the state portal (Latvija.gov.lv)",
        "is_digital": True,
        "is_remote": True,
        "address": "https://latvija.gov.lv/a",
        "fee": {"amount": "3.50", "currency": "EUR", "conditions": "per copy"},
        "processing_days": 5,
    }
    assert phone["channel"] == "phone"
    assert phone["fee"]["amount"] is None


def test_service_name_follows_the_request_language(world, editor_a):
    world["service_a"].name_en = "Service A"
    world["service_a"].save()
    assert token_client(editor_a, "lv").get(f"{SERVICES}A-1/").json()["name"] == "Pakalpojums A-1"


def test_channels_are_the_code_list(world, client_a):
    rows = results(client_a.get(CHANNELS))
    assert len(rows) == 10
    assert rows[0]["code"] == "portal"
    body = client_a.get(f"{CHANNELS}vpvkac_assisted/").json()
    assert body["is_digital"] is True
    assert body["is_remote"] is False
    assert {row["code"] for row in results(client_a.get(f"{CHANNELS}?is_digital=false&is_remote=true"))} == {
        "phone",
        "post",
    }


def test_life_situations_say_whether_they_can_be_completed_fully_online(world, client_a):
    a = world["a"]
    online = LifeSituation.objects.create(code="online", name_lv="Tiešsaistē")
    mixed = LifeSituation.objects.create(code="mixed", name_lv="Jaukta")
    retired = LifeSituation.objects.create(code="retired", name_lv="Ar izbeigtu pakalpojumu")
    LifeSituation.objects.create(code="empty", name_lv="Tukša")
    # Online: both active services have a digital remote channel (portal; mobile app).
    online.services.add(world["service_a"], make_service("O-2", a, [a], ["mobile_app", "post"]))
    # Mixed: one active service is offered on paper and at a desk only.
    mixed.services.add(world["service_a"], make_service("P-1", a, [a], ["post", "vpvkac_assisted"]))
    # Retired: the paper-only service is withdrawn, so only the online one counts.
    retired.services.add(world["service_a"], make_service("W-1", a, [a], ["post"], status=ServiceStatus.WITHDRAWN))

    rows = {row["code"]: row for row in results(client_a.get(LIFE_SITUATIONS))}
    assert {code: row["fully_online"] for code, row in rows.items()} == {
        "online": True,
        "mixed": False,  # assisted e-service at a VPVKAC is digital but not remote
        "retired": True,
        "empty": False,  # no active service: nothing to complete online
    }
    assert rows["retired"]["active_service_count"] == 1
    assert {row["code"] for row in results(client_a.get(f"{LIFE_SITUATIONS}?fully_online=true"))} == {
        "online",
        "retired",
    }
    assert {row["code"] for row in results(client_a.get(f"{LIFE_SITUATIONS}?fully_online=false"))} == {
        "mixed",
        "empty",
    }


def test_life_situation_detail_lists_only_services_the_user_may_read(world, client_a):
    situation = LifeSituation.objects.create(code="moving", name_lv="Dzīvesvietas maiņa")
    situation.services.add(world["service_a"], world["service_b"])
    body = client_a.get(f"{LIFE_SITUATIONS}moving/").json()
    assert [row["catalogue_id"] for row in body["services"]] == ["A-1"]
    assert body["active_service_count"] == 2  # the indicator describes the whole life situation
    assert client_a.get(f"{LIFE_SITUATIONS}no-such-situation/").status_code == 404


# Service filters


def test_service_filters(world):
    a, b = world["a"], world["b"]
    template = ServiceTemplate.objects.create(code="social-aid", name_lv="Sociālā palīdzība")
    situation = LifeSituation.objects.create(code="birth", name_lv="Bērna piedzimšana")
    make_service(
        "SOC-1",
        b,
        [a, b],
        ["vpvkac_in_person"],
        name_en="Social aid",
        kind=ServiceKind.FOR_SOCIETY,
        level=ServiceLevel.MUNICIPAL,
        template=template,
        minimum_basket=True,
    )
    digital = make_service("DIG-1", a, [], ["portal"], digital_only=True, status=ServiceStatus.PLANNED)
    digital.life_situations.add(situation)
    client = token_client(UserFactory(role=Role.COORDINATOR))

    def found(query):
        return {row["catalogue_id"] for row in results(client.get(f"{SERVICES}?{query}"))}

    assert found("q=social") == {"SOC-1"}
    assert found("q=dig-") == {"DIG-1"}
    assert found(f"holder={a.pk}") == {"A-1", "DIG-1"}
    assert found(f"provider={a.pk}") == {"A-1", "M-1", "SOC-1"}  # listed once although it has two providers
    assert found(f"provider={a.pk}&provider={b.pk}") == {"A-1", "B-1", "M-1", "SOC-1"}
    assert found(f"institution={a.pk}") == {"A-1", "M-1", "SOC-1", "DIG-1"}
    assert found("channel=portal") == {"A-1", "M-1", "DIG-1"}
    assert found("channel=portal&channel=vpvkac_in_person") == {"A-1", "M-1", "DIG-1", "SOC-1"}
    assert found("kind=for_society") == {"SOC-1"}
    assert found("level=municipal") == {"SOC-1"}
    assert found("life_situation=birth") == {"DIG-1"}
    assert found("status=planned") == {"DIG-1"}
    assert found("status=active&level=state") == {"A-1", "B-1", "M-1"}
    assert found("template=social-aid") == {"SOC-1"}
    assert found("minimum_basket=true") == {"SOC-1"}
    assert found("digital_only=true") == {"DIG-1"}
    assert client.get(f"{SERVICES}?channel=carrier-pigeon").status_code == 400


# Writing single figures and costs


def test_editor_creates_a_figure_of_their_own_institution(world, client_a):
    response = client_a.post(FIGURES, figure_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    figure = ServiceFigure.objects.get()
    assert body["id"] == figure.pk
    assert body["provider"] == world["a"].pk  # sent as the short name, answered as the id
    assert body["provider_short_name"] == "ALFA"
    assert body["service"] == "A-1"
    assert body["channel"] == "portal"
    assert body["period_type"] == "year"
    assert body["period_number"] == 0
    assert (figure.started, figure.completed, figure.client_minutes) == (120, 100, Decimal("12.5"))


def test_provider_may_be_given_by_id(world, client_a):
    response = client_a.post(FIGURES, figure_payload(provider=world["a"].pk), format="json")
    assert response.status_code == 201, response.content
    response = client_a.post(FIGURES, figure_payload(provider=str(world["a"].pk), channel="phone"), format="json")
    assert response.status_code == 201, response.content
    for nonsense in [True, 10**30, "", None]:
        response = client_a.post(FIGURES, figure_payload(provider=nonsense, channel="post"), format="json")
        assert response.status_code == 400, nonsense
        assert set(response.json()) == {"provider"}


def test_writing_for_another_institution_is_forbidden_and_names_the_field(world, client_a):
    for payload, url in [
        (figure_payload(service="B-1", provider="BETA", channel="institution_in_person"), FIGURES),
        (figure_payload(service="M-1", provider=world["b"].pk), FIGURES),
        ({"service": "M-1", "provider": "BETA", "year": 2023, "component": "staff", "amount": "5"}, COSTS),
    ]:
        response = client_a.post(url, payload, format="json")
        assert response.status_code == 403, response.content
        assert "provider" in response.json()
    assert not ServiceFigure.objects.exists()
    assert not ServiceCost.objects.exists()


def test_validation_errors_are_keyed_by_field(world, client_a):
    def errors(**changes):
        response = client_a.post(FIGURES, figure_payload(**changes), format="json")
        assert response.status_code == 400, response.content
        return response.json()

    assert errors(completed=130) == {"completed": ["130 completed is more than 120 started"]}
    assert set(errors(satisfaction_mean="5.5")) == {"satisfaction_mean"}
    assert set(errors(consultations=-1)) == {"consultations"}
    assert set(errors(year=2019)) == {"year"}  # the service is provided from 2020
    assert set(errors(period_type="quarter", period_number=5)) == {"period_number"}
    assert set(errors(service="M-0")) == {"service"}
    assert set(errors(channel="fax")) == {"channel"}
    assert set(errors(provider="NOBODY")) == {"provider"}
    assert set(errors(completed=None)) == {"completed"}
    # A is allowed to write for itself, but it does not provide B's service.
    assert errors(service="B-1") == {"provider": ["this institution is not a provider of the service"]}
    assert not ServiceFigure.objects.exists()


def test_creating_a_figure_whose_natural_key_exists_is_refused_naming_the_key(world, client_a):
    assert client_a.post(FIGURES, figure_payload(), format="json").status_code == 201
    response = client_a.post(FIGURES, figure_payload(completed=90), format="json")
    assert response.status_code == 400
    (message,) = response.json()["non_field_errors"]
    assert "service, provider, year, period_type, period_number, channel" in message
    assert ServiceFigure.objects.get().completed == 100
    # Another channel or a quarter is another key.
    assert client_a.post(FIGURES, figure_payload(channel="phone"), format="json").status_code == 201
    quarter = figure_payload(period_type="quarter", period_number=1)
    assert client_a.post(FIGURES, quarter, format="json").status_code == 201


def test_editor_updates_their_own_figure(world, reported, client_a):
    url = f"{FIGURES}{reported['a_own'].pk}/"
    response = client_a.put(url, figure_payload(completed=80), format="json")
    assert response.status_code == 200, response.content
    assert ServiceFigure.objects.get(pk=reported["a_own"].pk).completed == 80
    assert client_a.patch(url, {"consultations": 7}, format="json").status_code == 200
    figure = ServiceFigure.objects.get(pk=reported["a_own"].pk)
    assert (figure.completed, figure.consultations) == (80, 7)
    # The rules see the stored row together with the change: 130 completed against 120 started.
    response = client_a.patch(url, {"completed": 130}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"completed"}
    # Moving the row onto another row's key is refused like a duplicate creation.
    response = client_a.patch(f"{FIGURES}{reported['a_shared'].pk}/", {"service": "A-1"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_moving_an_own_figure_to_another_institution_is_forbidden(world, reported, client_a):
    response = client_a.patch(f"{FIGURES}{reported['a_shared'].pk}/", {"provider": "BETA"}, format="json")
    assert response.status_code == 403
    assert "provider" in response.json()
    assert ServiceFigure.objects.get(pk=reported["a_shared"].pk).provider == world["a"]


def test_a_single_write_turns_a_demo_row_into_submitted_data(world, client_a):
    demo = make_figure(world["service_a"], world["a"], is_demo=True)
    assert client_a.patch(f"{FIGURES}{demo.pk}/", {"completed": 11}, format="json").status_code == 200
    assert ServiceFigure.objects.get(pk=demo.pk).is_demo is False


def test_editor_deletes_their_own_figure_and_cost(world, reported, client_a):
    assert client_a.delete(f"{FIGURES}{reported['a_own'].pk}/").status_code == 204
    assert client_a.delete(f"{COSTS}{reported['a_cost'].pk}/").status_code == 204
    assert not ServiceFigure.objects.filter(pk=reported["a_own"].pk).exists()


def test_rows_a_user_may_read_but_not_edit_are_read_only(world, reported):
    # An editor of A who also has a read-only membership of B.
    user = user_with(Role.EDITOR, (world["a"], True), (world["b"], False))
    client = token_client(user)
    url = f"{FIGURES}{reported['b_own'].pk}/"
    assert client.get(url).status_code == 200
    assert client.patch(url, {"completed": 1}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert ServiceFigure.objects.get(pk=reported["b_own"].pk).completed == 10


def test_viewer_reads_but_cannot_write(world, reported):
    viewer = user_with(Role.VIEWER, (world["a"], True))  # a viewer's can_edit never grants changes
    client = token_client(viewer)
    assert len(results(client.get(FIGURES))) == 2
    assert client.post(FIGURES, figure_payload(), format="json").status_code == 403
    assert client.patch(f"{FIGURES}{reported['a_own'].pk}/", {"completed": 1}, format="json").status_code == 403
    assert client.delete(f"{COSTS}{reported['a_cost'].pk}/").status_code == 403
    assert client.post(FIGURES_BULK, [figure_payload()], format="json").status_code == 403
    assert ServiceFigure.objects.count() == 4
    assert ServiceFigure.objects.get(pk=reported["a_own"].pk).completed == 10


def test_api_client_with_a_write_token_submits_figures_for_its_institution(world):
    system = user_with(Role.API_CLIENT, (world["a"], True))
    client = token_client(system)
    assert client.post(FIGURES, figure_payload(), format="json").status_code == 201
    response = client.post(FIGURES_BULK, [figure_payload(channel="phone")], format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert client.post(FIGURES, figure_payload(service="B-1", provider="BETA"), format="json").status_code == 403


def test_api_client_without_a_write_token_only_reads(world, reported):
    system = user_with(Role.API_CLIENT, (world["a"], False))
    client = token_client(system)
    assert len(results(client.get(FIGURES))) == 2
    assert client.post(FIGURES, figure_payload(), format="json").status_code == 403


def test_costs_are_created_shared_or_for_a_channel(world, client_a):
    shared = {"service": "A-1", "provider": "ALFA", "year": 2023, "component": "premises", "amount": "1200.00"}
    response = client_a.post(COSTS, shared, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["channel"] is None
    attributed = client_a.post(COSTS, {**shared, "component": "staff", "channel": "phone"}, format="json")
    assert attributed.status_code == 201, attributed.content
    assert attributed.json()["channel"] == "phone"
    assert client_a.post(COSTS, {**shared, "channel": None}, format="json").status_code == 400  # shared again
    negative = client_a.post(COSTS, {**shared, "year": 2024, "amount": "-5.00"}, format="json")
    assert negative.status_code == 400
    assert set(negative.json()) == {"amount"}
    assert ServiceCost.objects.count() == 2


# Bulk submission


def bulk_rows():
    """Three figures of A: two channels of its own service and the portal of the shared service."""
    return [
        figure_payload(),
        figure_payload(
            channel="phone", started=None, completed=40, satisfaction_mean=None, satisfaction_responses=None
        ),
        {"service": "M-1", "provider": "ALFA", "channel": "portal", "year": 2023, "completed": 5},
    ]


def test_bulk_upsert_creates_then_leaves_identical_rows_unchanged(world, editor_a, client_a):
    response = client_a.post(FIGURES_BULK, bulk_rows(), format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    assert ServiceFigure.objects.count() == 3
    stamps = dict(ServiceFigure.objects.values_list("pk", "updated_at"))

    again = client_a.post(FIGURES_BULK, bulk_rows(), format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3}
    assert dict(ServiceFigure.objects.values_list("pk", "updated_at")) == stamps
    assert ServiceFigure.history.count() == 3  # no history for rows that did not change

    changed = bulk_rows()
    changed[2]["completed"] = 6
    changed.append({"service": "M-1", "provider": "ALFA", "channel": "post", "year": 2023, "completed": 1})
    assert client_a.post(FIGURES_BULK, changed, format="json").json() == {"created": 1, "updated": 1, "unchanged": 2}
    updated = ServiceFigure.objects.get(service__catalogue_id="M-1", channel__code="portal")
    assert (updated.completed, updated.started, updated.client_minutes) == (6, None, None)
    assert updated.updated_at > stamps[updated.pk]
    # 3 created, then 1 created and 1 changed: each write keeps its history, with the submitting user.
    assert ServiceFigure.history.count() == 5
    assert set(ServiceFigure.history.values_list("history_user__username", flat=True)) == {editor_a.username}


def test_one_bad_row_rejects_the_whole_bulk_and_lists_every_problem(world, client_a):
    client_a.post(FIGURES_BULK, bulk_rows(), format="json")
    rows = bulk_rows()
    rows[0]["completed"] = 90  # a valid change, which must not be written either
    rows[1]["completed"] = -3
    rows.append({"service": "NOPE", "provider": "ALFA", "channel": "fax", "year": 2023, "completed": 1})
    rows.append({"service": "A-1", "provider": "ALFA", "channel": "post", "year": "twenty", "completed": 1})
    rows.append("not a row")
    response = client_a.post(FIGURES_BULK, rows, format="json")
    assert response.status_code == 400
    problems = {(error["index"], error["field"]) for error in response.json()["errors"]}
    assert problems == {(1, "completed"), (3, "service"), (3, "channel"), (4, "year"), (5, "non_field_errors")}
    assert all(error["message"] for error in response.json()["errors"])
    assert ServiceFigure.objects.count() == 3
    assert ServiceFigure.objects.get(service__catalogue_id="A-1", channel__code="portal").completed == 100


def test_bulk_refuses_rows_with_the_same_natural_key(world, client_a):
    rows = [figure_payload(), figure_payload(completed=50)]
    response = client_a.post(FIGURES_BULK, rows, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 1, "field": "non_field_errors", "message": "the same natural key as row 0; send each row once"}
    ]
    assert not ServiceFigure.objects.exists()


def test_bulk_with_a_row_for_another_institution_is_forbidden_and_writes_nothing(world, client_a):
    rows = [*bulk_rows(), {"service": "M-1", "provider": "BETA", "channel": "portal", "year": 2023, "completed": 5}]
    response = client_a.post(FIGURES_BULK, rows, format="json")
    assert response.status_code == 403
    assert [(error["index"], error["field"]) for error in response.json()["errors"]] == [(3, "provider")]
    assert "BETA" in response.json()["errors"][0]["message"]
    assert not ServiceFigure.objects.exists()


def test_bulk_limits_the_number_of_rows(world, client_a):
    response = client_a.post(FIGURES_BULK, [{}] * (MAX_ROWS + 1), format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["index"] is None
    assert f"{MAX_ROWS}" in error["message"]


def test_bulk_needs_a_list(world, client_a):
    response = client_a.post(FIGURES_BULK, figure_payload(), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] is None


def test_bulk_costs_upsert_shared_and_channel_costs(world, client_a):
    rows = [
        {"service": "A-1", "provider": "ALFA", "year": 2023, "component": "staff", "amount": "1000.00"},
        {
            "service": "A-1",
            "provider": "ALFA",
            "year": 2023,
            "component": "staff",
            "channel": "portal",
            "amount": "250",
        },
        {
            "service": "A-1",
            "provider": world["a"].pk,
            "year": 2023,
            "component": "it_systems",
            "channel": None,
            "amount": "300.5",
        },
    ]
    assert client_a.post(COSTS_BULK, rows, format="json").json() == {"created": 3, "updated": 0, "unchanged": 0}
    # "250" and "250.00" are the same amount.
    rows[1]["amount"] = "250.00"
    rows[0]["amount"] = "1100.00"
    assert client_a.post(COSTS_BULK, rows, format="json").json() == {"created": 0, "updated": 1, "unchanged": 2}
    assert ServiceCost.objects.get(component="staff", channel__isnull=True).amount == Decimal("1100.00")
    bad = [{**rows[0], "amount": "-1"}, {**rows[1], "channel": "fax"}]
    response = client_a.post(COSTS_BULK, bad, format="json")
    assert response.status_code == 400
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {(0, "amount"), (1, "channel")}


def test_bulk_replaces_demo_rows_with_submitted_ones(world, client_a):
    make_figure(world["service_a"], world["a"], completed=100, is_demo=True)
    row = {"service": "A-1", "provider": "ALFA", "channel": "portal", "year": 2023, "completed": 100}
    assert client_a.post(FIGURES_BULK, [row], format="json").json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert ServiceFigure.objects.get().is_demo is False


def count_queries(client, method, url, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data, format="json") if data is not None else client.get(url)
    assert response.status_code in (200, 201), response.content
    return len(queries), response.json()


def test_bulk_query_count_does_not_grow_with_the_number_of_rows(world, client_a):
    a = world["a"]
    services = [make_service(f"Q-{n}", a, [a]) for n in range(10)]
    codes = ["portal", "phone", "post"]

    def rows(year):
        return [
            {"service": service.catalogue_id, "provider": "ALFA", "channel": code, "year": year, "completed": 1}
            for service in services
            for code in codes
        ]

    small_create, _ = count_queries(client_a, "post", FIGURES_BULK, rows(2021)[:3])
    large_create, body = count_queries(client_a, "post", FIGURES_BULK, rows(2022))
    assert body == {"created": 30, "updated": 0, "unchanged": 0}
    assert small_create == large_create
    updated = [{**row, "completed": 2} for row in rows(2022)]
    small_update, _ = count_queries(client_a, "post", FIGURES_BULK, updated[:3])
    large_update, body = count_queries(client_a, "post", FIGURES_BULK, updated)
    assert body == {"created": 0, "updated": 27, "unchanged": 3}
    assert small_update == large_update


# Figure and cost filters


@pytest.fixture
def many_figures(world):
    a = world["a"]
    for year in (2021, 2022, 2023):
        for code in ("portal", "phone"):
            make_figure(world["service_a"], a, channel=code, year=year)
    make_figure(world["shared"], a, channel="portal", year=2023)
    make_figure(world["service_a"], a, channel="portal", year=2023, period_type="quarter", period_number=1)
    make_cost(world["service_a"], a, component=CostComponent.STAFF, year=2022)
    make_cost(world["service_a"], a, component=CostComponent.STAFF, channel="portal", year=2023)
    make_cost(world["shared"], a, component=CostComponent.PREMISES, year=2023)


def test_figure_filters(world, many_figures, client_a):
    def count(query):
        return len(results(client_a.get(f"{FIGURES}?page_size=500&{query}")))

    assert count("") == 8
    assert count("year=2023") == 4
    assert count("year_from=2022") == 6
    assert count("year_from=2022&year_to=2022") == 2
    assert count("channel=phone") == 3
    assert count("channel=phone&channel=portal") == 8
    assert count("service=M-1") == 1
    assert count("service=M-1,A-1") == 8
    assert count(f"provider={world['a'].pk}") == 8
    assert count("period_type=quarter") == 1
    assert count("period_type=year&year=2023&channel=portal") == 2
    assert count("q=M-1") == 1


def test_cost_filters(world, many_figures, client_a):
    def count(query):
        return len(results(client_a.get(f"{COSTS}?{query}")))

    assert count("") == 3
    assert count("year=2023") == 2
    assert count("year_to=2022") == 1
    assert count("component=premises") == 1
    assert count("shared=true") == 2
    assert count("shared=false") == 1
    assert count("channel=portal") == 1
    assert count("service=A-1&year=2023") == 1
    assert count(f"provider={world['a'].pk}&component=staff") == 2


# Query counts


@pytest.fixture
def forty_services(world):
    """40 services of A with two providers, two channels and two life situations each, a figure and a cost each."""
    a, b = world["a"], world["b"]
    situations = [LifeSituation.objects.create(code=f"situation-{n}", name_lv=f"Situācija {n}") for n in range(2)]
    template = ServiceTemplate.objects.create(code="unified", name_lv="Vienots")
    portal, post = Channel.objects.get(code="portal"), Channel.objects.get(code="post")
    services = Service.objects.bulk_create(
        Service(catalogue_id=f"S-{n:02d}", name_lv=f"Pakalpojums {n:02d}", holder=a, template=template)
        for n in range(40)
    )
    Service.providers.through.objects.bulk_create(
        Service.providers.through(service=service, institution=institution)
        for service in services
        for institution in (a, b)
    )
    Service.life_situations.through.objects.bulk_create(
        Service.life_situations.through(service=service, lifesituation=situation)
        for service in services
        for situation in situations
    )
    ServiceChannel.objects.bulk_create(
        ServiceChannel(service=service, channel=channel) for service in services for channel in (portal, post)
    )
    ServiceFigure.objects.bulk_create(
        ServiceFigure(service=service, provider=a, channel=portal, year=2023, completed=1) for service in services
    )
    ServiceCost.objects.bulk_create(
        ServiceCost(service=service, provider=a, component=CostComponent.STAFF, year=2023, amount=Decimal("1"))
        for service in services
    )


def test_list_query_count_does_not_grow_with_page_size(world, forty_services):
    coordinator = token_client(user_with(Role.COORDINATOR))
    editor = token_client(user_with(Role.EDITOR, (world["a"], True)))
    for role, client in (("coordinator", coordinator), ("editor", editor)):
        for url in (SERVICES, FIGURES, COSTS):
            small, small_body = count_queries(client, "get", f"{url}?page_size=5")
            large, large_body = count_queries(client, "get", f"{url}?page_size=40")
            assert len(small_body["results"]) == 5
            assert len(large_body["results"]) == 40
            assert small == large, f"{url} as {role}: {small} queries for 5 rows, {large} for 40"
    # Services: token, count, page, then one prefetch each for providers, channels and life situations.
    assert count_queries(coordinator, "get", f"{SERVICES}?page_size=40")[0] == 6


def test_life_situation_list_query_count_does_not_grow_with_page_size(world, client_a):
    for n in range(12):
        situation = LifeSituation.objects.create(code=f"ls-{n:02d}", name_lv=f"Situācija {n:02d}")
        situation.services.add(world["service_a"])
    small, _ = count_queries(client_a, "get", f"{LIFE_SITUATIONS}?page_size=2")
    large, _ = count_queries(client_a, "get", f"{LIFE_SITUATIONS}?page_size=12")
    assert small == large
