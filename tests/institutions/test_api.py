import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from institutions.models import ExclusionCategory, Institution, InstitutionType, MunicipalityPopulation
from tests.factories import (
    PASSWORD,
    InstitutionFactory,
    InstitutionGroupFactory,
    MunicipalityFactory,
    PlanningRegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INSTITUTIONS = "/api/v1/institutions/"
MUNICIPALITIES = "/api/v1/municipalities/"
REGIONS = "/api/v1/planning-regions/"
PRIVATE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-tests"}}


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def ids(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture(autouse=True)
def fresh_throttle_cache():
    # Throttle history lives in the cache; a private one keeps tests from counting each other's requests.
    with override_settings(CACHES=PRIVATE_CACHE):
        from django.core.cache import cache

        cache.clear()
        yield


@pytest.fixture
def two_institutions():
    region = PlanningRegionFactory(code="riga-region")
    riga = MunicipalityFactory(code="riga", name_lv="Rīga", name_en="Riga", planning_region=region)
    a = InstitutionFactory(short_name="ALFA", name_lv="Alfa dienests", name_en="Alpha Service", municipality=riga)
    b = InstitutionFactory(
        short_name="BETA", name_lv="Beta birojs", name_en="Beta Office", registration_number="90000099999"
    )
    return a, b


@pytest.fixture
def editor_of_a(two_institutions):
    return UserFactory(role=Role.EDITOR, member_of=[two_institutions[0]])


# Authentication


def test_token_endpoint_gives_a_token_that_authenticates(two_institutions, editor_of_a):
    response = APIClient().post("/api/v1/auth/token/", {"username": editor_of_a.username, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(INSTITUTIONS).status_code == 200


def test_a_revoked_token_authenticates_no_more_and_a_new_log_in_gives_a_new_one(two_institutions, editor_of_a):
    token = APIClient().post("/api/v1/auth/token/", {"username": editor_of_a.username, "password": PASSWORD})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert client.get(INSTITUTIONS).status_code == 401
    assert client.post("/api/v1/auth/token/revoke/").status_code == 401
    again = APIClient().post("/api/v1/auth/token/", {"username": editor_of_a.username, "password": PASSWORD})
    assert again.json()["token"] != token.json()["token"]


def test_a_session_without_a_token_has_none_to_revoke(editor_of_a):
    client = APIClient()
    client.force_login(editor_of_a)
    response = client.post("/api/v1/auth/token/revoke/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == ["Only a request made with an API token can revoke it."]


def test_a_deactivated_users_token_stops_working(two_institutions, editor_of_a):
    token = APIClient().post("/api/v1/auth/token/", {"username": editor_of_a.username, "password": PASSWORD})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    editor_of_a.is_active = False
    editor_of_a.save()
    assert client.get(INSTITUTIONS).status_code == 401


def test_token_endpoint_refuses_a_wrong_password(editor_of_a):
    response = APIClient().post("/api/v1/auth/token/", {"username": editor_of_a.username, "password": "wrong-password"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_token_endpoint_locks_out_after_repeated_failures(editor_of_a):
    client = APIClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": editor_of_a.username, "password": "wrong-password"})
    response = client.post("/api/v1/auth/token/", {"username": editor_of_a.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_token_endpoint_answers_in_the_requested_language(editor_of_a):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": editor_of_a.username, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["non_field_errors"] == ["Unable to log in with provided credentials."]


@pytest.mark.parametrize("url", [INSTITUTIONS, MUNICIPALITIES, REGIONS, f"{MUNICIPALITIES}riga/"])
def test_anonymous_requests_are_refused(two_institutions, url):
    response = APIClient().get(url)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_a_bad_token_is_refused(two_institutions):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(INSTITUTIONS).status_code == 401


def test_session_authentication_works(two_institutions, editor_of_a):
    client = APIClient()
    client.force_login(editor_of_a)
    assert ids(client.get(INSTITUTIONS)) == {two_institutions[0].pk}


# Scoping


def test_editor_of_a_lists_only_a(two_institutions, editor_of_a):
    a, _b = two_institutions
    response = token_client(editor_of_a).get(INSTITUTIONS)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert ids(response) == {a.pk}


def test_editor_of_a_gets_404_for_b(two_institutions, editor_of_a):
    a, b = two_institutions
    client = token_client(editor_of_a)
    assert client.get(f"{INSTITUTIONS}{a.pk}/").status_code == 200
    response = client.get(f"{INSTITUTIONS}{b.pk}/")
    assert response.status_code == 404
    assert "BETA" not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["search=Beta", "search=BETA", "search=90000099999", "q=Beta", "q=90000099999", "ordering=-name_lv"],
)
def test_b_never_appears_in_search_results_for_an_editor_of_a(two_institutions, editor_of_a, query):
    _a, b = two_institutions
    response = token_client(editor_of_a).get(f"{INSTITUTIONS}?{query}")
    assert response.status_code == 200
    assert b.pk not in ids(response)
    assert "BETA" not in response.content.decode()


def test_viewer_without_memberships_sees_no_institution(two_institutions):
    viewer = UserFactory(role=Role.VIEWER)
    assert token_client(viewer).get(INSTITUTIONS).json()["count"] == 0


def test_coordinator_sees_all(two_institutions):
    coordinator = UserFactory(role=Role.COORDINATOR)
    client = token_client(coordinator)
    assert ids(client.get(INSTITUTIONS)) == {i.pk for i in two_institutions}
    assert client.get(f"{INSTITUTIONS}{two_institutions[1].pk}/").status_code == 200


def test_municipalities_and_regions_are_readable_by_any_signed_in_user(two_institutions):
    client = token_client(UserFactory(role=Role.VIEWER))
    assert client.get(MUNICIPALITIES).json()["count"] == 1
    assert client.get(REGIONS).json()["count"] == 1
    assert client.get(f"{MUNICIPALITIES}riga/").status_code == 200


# Representation


def test_institution_representation(two_institutions, editor_of_a):
    a, _b = two_institutions
    ministry = InstitutionFactory(short_name="MIN", institution_type=InstitutionType.MINISTRY)
    a.parent = ministry
    a.save()
    body = token_client(editor_of_a).get(f"{INSTITUTIONS}{a.pk}/").json()
    assert body["name_lv"] == "Alfa dienests"
    assert body["name_en"] == "Alpha Service"
    assert body["name"] == "Alfa dienests"  # Latvian is the default language
    assert body["group"] == {"id": a.group_id, "code": "1.1", "name": "Ministrijas un to iestādes"}
    assert body["parent"] == {"id": ministry.pk, "short_name": "MIN"}
    assert body["municipality"]["code"] == "riga"
    assert body["municipality"]["url"].endswith("/api/v1/municipalities/riga/")
    assert body["planning_region"] == "riga-region"
    assert body["url"].endswith(f"/api/v1/institutions/{a.pk}/")
    assert body["governance_policy_applies"] is True
    assert body["bound_by_round1"] is True
    assert body["is_demo"] is False
    assert body["exclusion_category"] == ""


def test_name_follows_the_request_language(two_institutions, editor_of_a):
    a, _b = two_institutions
    client = token_client(editor_of_a)
    body = client.get(f"{INSTITUTIONS}{a.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["name"] == "Alpha Service"
    assert body["group"]["name"] == "Ministries and their institutions"
    assert body["municipality"]["name"] == "Riga"


def test_municipality_detail_by_code_has_population_and_succession(two_institutions):
    riga = two_institutions[0].municipality
    former = MunicipalityFactory(
        code="old-riga", successor=riga, valid_to="2021-06-30", planning_region=riga.planning_region
    )
    MunicipalityPopulation.objects.create(municipality=riga, year=2023, population=605273, source="CSP")
    MunicipalityPopulation.objects.create(municipality=riga, year=2022, population=609000, is_demo=True)
    client = token_client(UserFactory(role=Role.VIEWER))

    body = client.get(f"{MUNICIPALITIES}riga/").json()
    assert body["code"] == "riga"
    assert body["planning_region"] == "riga-region"
    assert body["is_current"] is True
    assert body["successor"] is None
    assert body["predecessors"] == ["old-riga"]
    assert body["population"] == [
        {"year": 2023, "population": 605273, "source": "CSP", "is_demo": False},
        {"year": 2022, "population": 609000, "source": "", "is_demo": True},
    ]
    old = client.get(f"{MUNICIPALITIES}{former.code}/").json()
    assert old["successor"] == "riga"
    assert old["is_current"] is False
    assert client.get(f"{MUNICIPALITIES}no-such-place/").status_code == 404


def test_planning_region_detail_by_code_lists_current_municipalities(two_institutions):
    region = two_institutions[0].municipality.planning_region
    MunicipalityFactory(code="gone", planning_region=region, valid_to="2021-06-30")
    body = token_client(UserFactory(role=Role.VIEWER)).get(f"{REGIONS}riga-region/").json()
    assert body["municipality_count"] == 1
    assert [m["code"] for m in body["municipalities"]] == ["riga"]


# Filters, search, ordering, pagination


@pytest.fixture
def coordinator_client():
    return token_client(UserFactory(role=Role.COORDINATOR))


def test_filters(coordinator_client):
    kurzeme = PlanningRegionFactory(code="kurzeme")
    liepaja = MunicipalityFactory(code="liepaja", planning_region=kurzeme)
    ogre = MunicipalityFactory(code="ogre", planning_region=PlanningRegionFactory(code="riga-region"))
    municipal_group = InstitutionGroupFactory(code="2.1", workplan_round1=False)
    agency = InstitutionFactory(institution_type=InstitutionType.STATE_AGENCY)
    school = InstitutionFactory(
        institution_type=InstitutionType.STATE_AGENCY, exclusion_category=ExclusionCategory.EDUCATIONAL
    )
    council = InstitutionFactory(
        institution_type=InstitutionType.MUNICIPALITY, group=municipal_group, municipality=liepaja
    )
    ogre_council = InstitutionFactory(
        institution_type=InstitutionType.MUNICIPALITY, group=municipal_group, municipality=ogre
    )

    def found(query):
        response = coordinator_client.get(f"{INSTITUTIONS}?{query}")
        assert response.status_code == 200, response.content
        return ids(response)

    assert found("institution_type=municipality") == {council.pk, ogre_council.pk}
    assert found("institution_type=municipality&institution_type=state_agency") == {
        agency.pk,
        school.pk,
        council.pk,
        ogre_council.pk,
    }
    assert found(f"group={municipal_group.pk}") == {council.pk, ogre_council.pk}
    assert found("bound_by_round1=true") == {agency.pk}
    assert found("bound_by_round1=false") == {school.pk, council.pk, ogre_council.pk}
    assert found("municipality=liepaja") == {council.pk}
    assert found("planning_region=kurzeme") == {council.pk}
    assert found("planning_region=kurzeme&institution_type=state_agency") == set()
    assert coordinator_client.get(f"{INSTITUTIONS}?municipality=atlantis").status_code == 400

    municipalities = coordinator_client.get(f"{MUNICIPALITIES}?planning_region=kurzeme").json()["results"]
    assert [m["code"] for m in municipalities] == ["liepaja"]


def test_search_and_q_find_by_name_short_name_and_registration_number(coordinator_client):
    vid = InstitutionFactory(
        short_name="VID",
        name_lv="Valsts ieņēmumu dienests",
        name_en="State Revenue Service",
        registration_number="90000069281",
    )
    InstitutionFactory(short_name="CSP", name_lv="Centrālā statistikas pārvalde", name_en="Central Statistical Bureau")
    for query in ["search=ieņēmumu", "search=revenue", "search=vid", "search=90000069281", "q=Revenue", "q=VID"]:
        assert ids(coordinator_client.get(f"{INSTITUTIONS}?{query}")) == {vid.pk}, query


def test_ordering(coordinator_client):
    for short_name in ["BBB", "AAA", "CCC"]:
        InstitutionFactory(short_name=short_name)

    def order(query):
        return [row["short_name"] for row in coordinator_client.get(f"{INSTITUTIONS}?{query}").json()["results"]]

    assert order("ordering=short_name") == ["AAA", "BBB", "CCC"]
    assert order("ordering=-short_name") == ["CCC", "BBB", "AAA"]


def test_pagination(coordinator_client):
    InstitutionFactory.create_batch(7)
    first = coordinator_client.get(f"{INSTITUTIONS}?page_size=3").json()
    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert first["previous"] is None
    assert "page=2" in first["next"]
    last = coordinator_client.get(f"{INSTITUTIONS}?page_size=3&page=3").json()
    assert len(last["results"]) == 1  # 7 = 3 + 3 + 1
    assert last["next"] is None
    seen = (
        ids(coordinator_client.get(f"{INSTITUTIONS}?page_size=3&page=1"))
        | ids(coordinator_client.get(f"{INSTITUTIONS}?page_size=3&page=2"))
        | {row["id"] for row in last["results"]}
    )
    assert len(seen) == 7
    assert coordinator_client.get(f"{INSTITUTIONS}?page=9").status_code == 404


# Query counts


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.fixture
def sixty_institutions():
    """4 ministries + 56 institutions under them = 60, with every relation the serializer shows."""
    regions = [PlanningRegionFactory(code=f"region-{n}") for n in range(3)]
    municipalities = [MunicipalityFactory(planning_region=regions[n % 3]) for n in range(6)]
    groups = [InstitutionGroupFactory(code=code) for code in ["1.1", "1.2", "2.1"]]
    ministries = [InstitutionFactory(institution_type=InstitutionType.MINISTRY, group=groups[0]) for _ in range(4)]
    for n in range(56):
        InstitutionFactory(
            group=groups[n % 3], parent=ministries[n % 4], municipality=municipalities[n % 6] if n % 2 else None
        )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.EDITOR])
def test_institution_list_query_count_does_not_grow_with_page_size(sixty_institutions, role):
    user = UserFactory(role=role)
    if role == Role.EDITOR:
        Membership.objects.bulk_create(Membership(user=user, institution=i) for i in Institution.objects.all())
    client = token_client(user)
    small, small_body = count_queries(client, f"{INSTITUTIONS}?page_size=5")
    large, large_body = count_queries(client, f"{INSTITUTIONS}?page_size=50")
    assert len(small_body["results"]) == 5
    assert len(large_body["results"]) == 50
    assert small_body["count"] == 60
    assert small == large
    # Token lookup (joined with its user), the count, the page: three, whatever the page size.
    assert large == 3


def test_municipality_and_region_lists_query_count_does_not_grow_with_page_size(sixty_institutions):
    client = token_client(UserFactory(role=Role.VIEWER))
    small_municipalities, _ = count_queries(client, f"{MUNICIPALITIES}?page_size=2")
    large_municipalities, _ = count_queries(client, f"{MUNICIPALITIES}?page_size=6")
    assert small_municipalities == large_municipalities
    small_regions, _ = count_queries(client, f"{REGIONS}?page_size=1")
    large_regions, _ = count_queries(client, f"{REGIONS}?page_size=3")
    assert small_regions == large_regions


# Throttling


def test_throttle_rates_come_from_settings():
    assert set(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) >= {"anon", "user"}


def test_throttling_answers_429_past_the_user_rate(two_institutions, editor_of_a):
    client = token_client(editor_of_a)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/minute"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        assert client.get(INSTITUTIONS).status_code == 200
        assert client.get(MUNICIPALITIES).status_code == 200
        response = client.get(INSTITUTIONS)
        assert response.status_code == 429
        assert "Retry-After" in response.headers


def test_throttling_answers_429_past_the_anonymous_rate_on_the_token_endpoint():
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "1/minute"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        client = APIClient()
        assert client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}).status_code == 400
        assert client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}).status_code == 429
