import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, Role
from institutions.models import DevelopmentTier, InstitutionType, MunicipalityPopulation
from tests.factories import (
    InstitutionFactory,
    InstitutionGroupFactory,
    MunicipalityFactory,
    PlanningRegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def latvian_after_each_test():
    # The test client activates the language of each request in this thread; leave Latvian behind.
    yield
    translation.activate("lv")


@pytest.fixture
def two_institutions():
    a = InstitutionFactory(name_lv="Alfa aģentūra", name_en="Alpha Agency", short_name="ALFA")
    b = InstitutionFactory(name_lv="Beta dienests", name_en="Beta Service", short_name="BETA")
    return a, b


@pytest.fixture
def editor_of_a(two_institutions):
    return UserFactory(role=Role.EDITOR, member_of=[two_institutions[0]])


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR)


def export_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


# --- scoping -------------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_log_in(client):
    response = client.get(reverse("institution-list"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_editor_opens_own_institution_and_gets_404_for_another(client, two_institutions, editor_of_a):
    a, b = two_institutions
    client.force_login(editor_of_a)

    own = client.get(reverse("institution-detail", args=[a.pk]))
    other = client.get(reverse("institution-detail", args=[b.pk]))

    assert own.status_code == 200
    assert "Alfa aģentūra" in own.content.decode()
    assert other.status_code == 404
    assert "Beta dienests" not in other.content.decode()
    assert "BETA" not in other.content.decode()


def test_editor_list_and_exports_never_contain_another_institution(client, two_institutions, editor_of_a):
    client.force_login(editor_of_a)

    page = client.get(reverse("institution-list")).content.decode()
    csv_export = client.get(reverse("institution-list") + "?_export=csv").content.decode()
    xlsx_export = client.get(reverse("institution-list") + "?_export=xlsx")
    xlsx_cells = {
        str(cell)
        for row in openpyxl.load_workbook(io.BytesIO(xlsx_export.content)).active.iter_rows(values_only=True)
        for cell in row
    }

    assert "Alfa aģentūra" in page and "Beta dienests" not in page and "BETA" not in page
    assert "Alfa aģentūra" in csv_export and "Beta dienests" not in csv_export
    assert "Alfa aģentūra" in xlsx_cells and "Beta dienests" not in xlsx_cells


def test_coordinator_sees_every_institution(client, two_institutions, coordinator):
    client.force_login(coordinator)

    page = client.get(reverse("institution-list")).content.decode()
    rows = export_rows(client.get(reverse("institution-list") + "?_export=csv"))

    assert "Alfa aģentūra" in page and "Beta dienests" in page
    assert len(rows) == 1 + 2  # header + A + B
    assert client.get(reverse("institution-detail", args=[two_institutions[1].pk])).status_code == 200


def test_viewer_without_memberships_sees_an_empty_list(client, two_institutions):
    client.force_login(UserFactory(role=Role.VIEWER))
    rows = export_rows(client.get(reverse("institution-list") + "?_export=csv"))
    assert len(rows) == 1  # the header only


def test_sector_filter_offers_only_ministries_of_the_readers_institutions(client, editor_of_a):
    own_ministry = InstitutionFactory(name_lv="Pašu ministrija", institution_type=InstitutionType.MINISTRY)
    InstitutionFactory(name_lv="Sveša ministrija", institution_type=InstitutionType.MINISTRY)
    a = editor_of_a.institutions.get()
    a.parent = own_ministry
    a.save()
    client.force_login(editor_of_a)

    page = client.get(reverse("institution-list")).content.decode()

    assert "Pašu ministrija" in page
    assert "Sveša ministrija" not in page


# --- filters, search, sorting ----------------------------------------------------------------------


def test_search_matches_name_short_name_and_registration_number(client, two_institutions, coordinator):
    client.force_login(coordinator)
    url = reverse("institution-list")

    by_name = export_rows(client.get(url, {"q": "alfa", "_export": "csv"}))
    by_english_name = export_rows(client.get(url, {"q": "beta serv", "_export": "csv"}))
    by_number = export_rows(client.get(url, {"q": two_institutions[1].registration_number, "_export": "csv"}))

    assert [row[0] for row in by_name[1:]] == ["Alfa aģentūra"]
    assert [row[0] for row in by_english_name[1:]] == ["Beta dienests"]
    assert [row[0] for row in by_number[1:]] == ["Beta dienests"]


def test_filters_by_flag_type_municipality_and_region(client, coordinator):
    region = PlanningRegionFactory(code="latgale", name_lv="Latgale")
    municipality = MunicipalityFactory(code="ludzas-novads", planning_region=region)
    unbound_group = InstitutionGroupFactory(code="2.1", workplan_round1=False)
    InstitutionFactory(name_lv="Valsts aģentūra")
    InstitutionFactory(
        name_lv="Ludzas pašvaldība",
        institution_type=InstitutionType.MUNICIPALITY,
        municipality=municipality,
        group=unbound_group,
    )
    client.force_login(coordinator)
    url = reverse("institution-list")

    def names(**params):
        return [row[0] for row in export_rows(client.get(url, {**params, "_export": "csv"}))[1:]]

    assert names(bound_by_round1="true") == ["Valsts aģentūra"]
    assert names(bound_by_round1="false") == ["Ludzas pašvaldība"]
    assert names(institution_type="municipality") == ["Ludzas pašvaldība"]
    assert names(municipality="ludzas-novads") == ["Ludzas pašvaldība"]
    assert names(planning_region="latgale") == ["Ludzas pašvaldība"]
    assert names(group=[unbound_group.pk]) == ["Ludzas pašvaldība"]


def test_sorting_by_short_name_descending(client, coordinator):
    for short_name in ("BBB", "AAA", "CCC"):
        InstitutionFactory(short_name=short_name)
    client.force_login(coordinator)

    rows = export_rows(client.get(reverse("institution-list"), {"sort": "-short_name", "_export": "csv"}))

    assert [row[1] for row in rows[1:]] == ["CCC", "BBB", "AAA"]  # the second column is the short name


def test_list_is_paginated_with_25_rows(client, coordinator):
    InstitutionFactory.create_batch(30)
    client.force_login(coordinator)

    first = client.get(reverse("institution-list"))
    second = client.get(reverse("institution-list"), {"page": 2})

    assert len(first.context["table"].page.object_list) == 25
    assert len(second.context["table"].page.object_list) == 5


# --- exports ---------------------------------------------------------------------------------------


def test_csv_export_is_a_real_csv_with_both_names(client, two_institutions, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("institution-list"), {"_export": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    rows = export_rows(response)
    assert all(len(row) == len(rows[0]) for row in rows)
    flat = {cell for row in rows for cell in row}
    assert {"Alfa aģentūra", "Alpha Agency", "ALFA", "Beta Service"} <= flat


def test_xlsx_export_opens_in_openpyxl(client, two_institutions, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("institution-list"), {"_export": "xlsx", "q": "alfa"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # header + A
    assert "Alfa aģentūra" in rows[1]


def test_other_export_formats_are_refused(client, two_institutions, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("institution-list"), {"_export": "json"})
    assert response["Content-Type"].startswith("text/html")


# --- query count -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.EDITOR])
def test_institution_list_query_count_does_not_grow_with_rows(client, role):
    user = UserFactory(role=role)
    region = PlanningRegionFactory()
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)

    def add(count):
        for _ in range(count):
            institution = InstitutionFactory(parent=ministry, municipality=MunicipalityFactory(planning_region=region))
            Membership.objects.create(user=user, institution=institution)

    client.force_login(user)
    url = reverse("institution-list")

    add(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    add(45)
    with CaptureQueriesContext(connection) as fifty:
        assert client.get(url, {"per_page": 50}).status_code == 200

    assert len(fifty.captured_queries) == len(five.captured_queries)


def test_municipality_list_query_count_does_not_grow_with_rows(client, coordinator):
    region = PlanningRegionFactory()
    client.force_login(coordinator)
    url = reverse("municipality-list")

    MunicipalityFactory.create_batch(5, planning_region=region)
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    MunicipalityFactory.create_batch(20, planning_region=region)
    with CaptureQueriesContext(connection) as twenty_five:
        client.get(url)

    assert len(twenty_five.captured_queries) == len(five.captured_queries)


# --- detail page -----------------------------------------------------------------------------------


def test_detail_shows_hierarchy_flags_and_peers_linked_only_when_visible(client):
    ministry = InstitutionFactory(
        name_lv="Labklājības ministrija", short_name="LM", institution_type=InstitutionType.MINISTRY
    )
    agency = InstitutionFactory(name_lv="Sociālās apdrošināšanas aģentūra", short_name="VSAA", parent=ministry)
    peer = InstitutionFactory(name_lv="Valsts darba inspekcija", short_name="VDI", parent=ministry)
    child = InstitutionFactory(name_lv="Filiāle", short_name="VSAA-F", parent=agency, is_demo=True)
    editor = UserFactory(role=Role.EDITOR, member_of=[agency, child])
    client.force_login(editor)

    response = client.get(reverse("institution-detail", args=[agency.pk]))
    page = response.content.decode()

    assert response.status_code == 200
    # The parent and the peer are named but not linked: the editor is not their member.
    assert "Labklājības ministrija" in page
    assert reverse("institution-detail", args=[ministry.pk]) not in page
    assert "Valsts darba inspekcija" in page
    assert reverse("institution-detail", args=[peer.pk]) not in page
    # The child is the editor's own: linked, and marked as demo data.
    assert reverse("institution-detail", args=[child.pk]) in page
    assert "badge-demo" in page
    # Flag explanation names the rule: group 1.1 ticked in column B, no exclusion.
    assert "1.1" in page
    assert [flag["value"] for flag in response.context["flags"]] == [True, True]


def test_detail_explains_an_exclusion(client, coordinator):
    institution = InstitutionFactory(exclusion_category="medical")
    client.force_login(coordinator)

    flags = client.get(reverse("institution-detail", args=[institution.pk])).context["flags"]

    assert flags[1]["value"] is False
    assert "4.1.5" in str(flags[1]["reason"])


def test_municipal_body_peers_are_same_type_in_same_tier(client, coordinator):
    regional = [
        MunicipalityFactory(name_lv=name, development_tier=DevelopmentTier.REGIONAL) for name in ("Cēsu", "Kuldīgas")
    ]
    local = MunicipalityFactory(name_lv="Varakļānu", development_tier=DevelopmentTier.LOCAL)
    bodies = [
        InstitutionFactory(
            name_lv=f"{m.name_lv} pašvaldība", institution_type=InstitutionType.MUNICIPALITY, municipality=m
        )
        for m in (*regional, local)
    ]
    client.force_login(coordinator)

    peers = client.get(reverse("institution-detail", args=[bodies[0].pk])).context["peers"]

    assert [entry.institution for entry in peers] == [bodies[1]]
    assert peers[0].visible


# --- geography ------------------------------------------------------------------------------------


def test_municipality_detail_shows_population_successor_and_only_visible_institutions(client, editor_of_a):
    today = MunicipalityFactory(name_lv="Valmieras novads", code="valmieras-novads")
    former = MunicipalityFactory(name_lv="Kocēnu novads", code="kocenu-novads", successor=today, valid_to="2021-06-30")
    MunicipalityPopulation.objects.create(municipality=today, year=2023, population=52000, is_demo=True)
    own = editor_of_a.institutions.get()
    own.municipality = today
    own.save()
    InstitutionFactory(name_lv="Svešā iestāde", municipality=today)
    client.force_login(editor_of_a)

    page = client.get(reverse("municipality-detail", args=["valmieras-novads"])).content.decode()
    former_page = client.get(reverse("municipality-detail", args=["kocenu-novads"])).content.decode()

    assert "Kocēnu novads" in page and "2023" in page and "badge-demo" in page
    assert own.name_lv in page
    assert "Svešā iestāde" not in page
    assert reverse("municipality-detail", args=[today.code]) in former_page
    assert former.name_lv in former_page


def test_region_pages_sum_the_latest_population_of_current_municipalities(client, editor_of_a):
    region = PlanningRegionFactory(code="vidzeme", name_lv="Vidzeme", name_en="Vidzeme")
    one = MunicipalityFactory(planning_region=region)
    two = MunicipalityFactory(planning_region=region)
    former = MunicipalityFactory(planning_region=region, successor=one, valid_to="2021-06-30")
    MunicipalityPopulation.objects.create(municipality=one, year=2022, population=1000)
    MunicipalityPopulation.objects.create(municipality=one, year=2023, population=1100)
    MunicipalityPopulation.objects.create(municipality=two, year=2023, population=400)
    MunicipalityPopulation.objects.create(municipality=former, year=2020, population=999)
    client.force_login(editor_of_a)

    detail = client.get(reverse("region-detail", args=["vidzeme"]))
    listing = export_rows(client.get(reverse("region-list"), {"_export": "csv"}))

    # Latest figures of the current municipalities only: 1100 (2023) + 400 (2023) = 1500.
    assert detail.context["region"].latest_population_total == 1500
    assert detail.context["region"].municipality_count == 2
    assert listing[1][-2:] == ["2", "1500"]


def test_municipality_list_filters_and_exports(client, editor_of_a):
    region = PlanningRegionFactory(code="kurzeme")
    MunicipalityFactory(name_lv="Liepāja", code="liepaja", planning_region=region, kind="state_city")
    MunicipalityFactory(name_lv="Talsu novads", code="talsu-novads")
    client.force_login(editor_of_a)
    url = reverse("municipality-list")

    csv_rows = export_rows(client.get(url, {"planning_region": "kurzeme", "_export": "csv"}))
    xlsx = client.get(url, {"kind": "state_city", "_export": "xlsx"})
    xlsx_rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))

    assert [row[0] for row in csv_rows[1:]] == ["Liepāja"]
    assert [row[0] for row in xlsx_rows[1:]] == ["Liepāja"]
    assert "Talsu novads" in client.get(url, {"q": "talsu"}).content.decode()


def test_municipality_list_shows_todays_municipalities_unless_asked_for_former_ones(client, editor_of_a):
    today = MunicipalityFactory(name_lv="Valmieras novads")
    MunicipalityFactory(name_lv="Kocēnu novads", successor=today, valid_to="2021-06-30")
    client.force_login(editor_of_a)
    url = reverse("municipality-list")

    default = [row[0] for row in export_rows(client.get(url, {"_export": "csv"}))[1:]]
    every = [row[0] for row in export_rows(client.get(url, {"current": "unknown", "_export": "csv"}))[1:]]

    assert default == ["Valmieras novads"]
    assert every == ["Kocēnu novads", "Valmieras novads"]


def test_unknown_municipality_and_region_are_404(client, editor_of_a):
    client.force_login(editor_of_a)
    assert client.get(reverse("municipality-detail", args=["nav-tada"])).status_code == 404
    assert client.get(reverse("region-detail", args=["nav-tada"])).status_code == 404


# --- languages and home ----------------------------------------------------------------------------


def test_english_pages_under_en_show_english_names(client, two_institutions, editor_of_a):
    client.force_login(editor_of_a)
    a = two_institutions[0]

    with translation.override("en"):
        list_url = reverse("institution-list")
        detail_url = reverse("institution-detail", args=[a.pk])
    with translation.override("lv"):
        latvian_url = reverse("institution-list")
    english_list = client.get(list_url).content.decode()
    english_detail = client.get(detail_url).content.decode()
    latvian_list = client.get(latvian_url).content.decode()

    assert (list_url, latvian_url) == ("/en/institutions/", "/institutions/")
    assert "Alpha Agency" in english_list
    assert '<html lang="en">' in english_detail and "<h1>Alpha Agency</h1>" in english_detail
    assert '<html lang="lv">' in latvian_list and "Alfa aģentūra" in latvian_list


def test_home_of_an_editor_lists_own_institutions_and_whether_they_may_edit(client, two_institutions):
    a, b = two_institutions
    editor = UserFactory(role=Role.EDITOR)
    Membership.objects.create(user=editor, institution=a, can_edit=True)
    viewer = UserFactory(role=Role.VIEWER)
    Membership.objects.create(user=viewer, institution=b, can_edit=True)

    client.force_login(editor)
    editor_home = client.get(reverse("home"))
    client.force_login(viewer)
    viewer_home = client.get(reverse("home"))

    assert [(m.institution, may_edit) for m, may_edit in editor_home.context["memberships"]] == [(a, True)]
    assert "Beta dienests" not in editor_home.content.decode()
    # A viewer's membership never grants changes, whatever its flag says.
    assert [(m.institution, may_edit) for m, may_edit in viewer_home.context["memberships"]] == [(b, False)]


def test_home_of_a_coordinator_shows_counts(client, two_institutions, coordinator):
    InstitutionFactory(exclusion_category="educational")
    client.force_login(coordinator)

    context = client.get(reverse("home")).context

    assert context["institution_count"] == 3
    assert context["bound_count"] == 2  # A and B; the school is excluded by §4.1.5
    assert context["user_count"] == 1


def test_home_of_an_api_client_links_the_api_documentation(client, two_institutions):
    api_client = UserFactory(role=Role.API_CLIENT, member_of=[two_institutions[0]])
    client.force_login(api_client)

    page = client.get(reverse("home")).content.decode()

    assert "/api/v1/docs/" in page
    assert "Alfa aģentūra" in page


def test_anonymous_home_redirects_to_log_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response.url
