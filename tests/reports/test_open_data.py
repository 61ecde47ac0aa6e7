"""Open data (reports/open_data.py, open_views.py, api/): anonymous pages, downloads and the open API, their caching
(ETag, Last-Modified, 304), filters, the DCAT-AP and CPSV-AP documents, the privacy rule for the public and the
absence of personal data.

The figures are small and worked out by hand in the comment above each expectation. Amounts are EUR; T completed
transactions, CPT cost per transaction."""

import csv
import io
import json
import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date, parse_http_date
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from accounts.models import Role
from assessments.models import AssessmentStatus, Family, Score
from institutions.models import DevelopmentTier, InstitutionType
from reports.open_data import DATASETS, MIN_PEERS_DISCLOSED, opening_hours_text
from services import costing
from services.models import CostComponent, ServiceChannel, ServiceCost, ServiceFigure
from tests.assessments.factories import AreaFactory, AssessmentFactory, MethodologyFactory, RoundFactory
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceFactory, ServiceTemplateFactory
from tests.vpvkac.factories import CentreFactory, ReportingPeriodFactory
from vpvkac.models import (
    CentreMembership,
    Desk,
    MunicipalityFigure,
    NetworkParameters,
    OpeningHours,
    PeriodSummary,
)

pytestmark = pytest.mark.django_db

YEAR = 2024
D = Decimal
OPERATOR = {"first_name": "Olga", "last_name": "Operatore", "email": "olga.operatore@example.lv"}
PHONE = "+371 60001234"
E_ADDRESS = "pasts@vid.example.lv"
PERSONAL = ("Olga", "Operatore", "olga.operatore", PHONE, "60001234", E_ADDRESS, "@example.lv")
PRIVATE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "open-data"}}


@pytest.fixture(autouse=True)
def fresh_cache():
    # The throttle history and the cached roll-ups live in the cache; a private one per test keeps tests apart.
    with override_settings(CACHES=PRIVATE_CACHE):
        cache.clear()
        yield


# --- data -------------------------------------------------------------------------------------------------------


def figures(service, provider, portal, phone=0, shared=None):
    """Usage in YEAR through the portal (digital) and by phone, and a shared cost spread over both."""
    ServiceFigure.objects.create(
        service=service, provider=provider, year=YEAR, channel=ChannelFactory(code="portal"), completed=portal
    )
    if phone:
        ServiceFigure.objects.create(
            service=service, provider=provider, year=YEAR, channel=ChannelFactory(code="phone"), completed=phone
        )
    if shared is not None:
        ServiceCost.objects.create(
            service=service, provider=provider, year=YEAR, component=CostComponent.STAFF, amount=D(shared)
        )


def unified_service(code, providers):
    """A unified municipal service at `providers` municipalities; provider i (from 1) completes 10 transactions
    on the portal at a shared cost of 10 × i, so its CPT is i."""
    template = ServiceTemplateFactory(code=code)
    for index in range(1, providers + 1):
        municipality = InstitutionFactory(
            short_name=f"{code.upper()}-{index}", institution_type=InstitutionType.MUNICIPALITY
        )
        service = ServiceFactory(holder=municipality, template=template, level="municipal")
        figures(service, municipality, portal=10, shared=10 * index)
    return template


@pytest.fixture
def catalogue():
    """VID's service with a phone line and an e-address, and its figures: portal 90, phone 10, shared cost 1000."""
    vid = InstitutionFactory(short_name="VID", name_lv="Valsts ieņēmumu dienests", name_en="State Revenue Service")
    service = ServiceFactory(catalogue_id="VID-1", name_lv="Deklarācija", name_en="Declaration", holder=vid)
    ServiceChannel.objects.create(
        service=service, channel=ChannelFactory(code="portal"), address="https://eds.vid.gov.lv"
    )
    ServiceChannel.objects.create(service=service, channel=ChannelFactory(code="phone"), address=PHONE)
    ServiceChannel.objects.create(service=service, channel=ChannelFactory(code="e_address"), address=E_ADDRESS)
    figures(service, vid, portal=90, phone=10, shared=1000)
    return service


@pytest.fixture
def cost_figures(catalogue):
    """The catalogue, a unified service at four municipalities and one at five, computed by services/costing.py."""
    unified_service("four", 4)
    unified_service("five", 5)
    costing.recompute()


@pytest.fixture
def eindex():
    """One final E-index result (VSAA, approved, current) beside results that are not final or not the E-index."""
    methodology = MethodologyFactory(family=Family.EINDEX_INSTITUTION, year=2021)
    area = AreaFactory(methodology=methodology, code="A1", name_lv="Komunikācija", name_en="Communication")
    round_ = RoundFactory(methodology=methodology, year=2021)
    now = timezone.now()

    def scored(short_name, status, overall, *, is_current=True, version=1, round_=round_, with_area=True):
        institution = InstitutionFactory(short_name=short_name) if isinstance(short_name, str) else short_name
        assessment = AssessmentFactory(
            round=round_, institution=institution, status=status, is_current=is_current, version=version,
            approved_at=now if status == AssessmentStatus.APPROVED else None,
        )  # fmt: skip
        Score.objects.create(assessment=assessment, area=None, score=D(overall), level=4, computed_at=now)
        if with_area:
            Score.objects.create(assessment=assessment, area=area, score=D("60"), level=4, computed_at=now)
        return assessment

    scored("VSAA", AssessmentStatus.APPROVED, "72.5")
    scored("NVA", AssessmentStatus.SUBMITTED, "50")
    scored("LAD", AssessmentStatus.DRAFT, "10")
    scored("PMLP", AssessmentStatus.RETURNED, "20")
    reopened = scored("UR", AssessmentStatus.APPROVED, "90", is_current=False)
    scored(reopened.institution, AssessmentStatus.DRAFT, "91", version=2)
    conformity = RoundFactory(methodology=MethodologyFactory(family=Family.CONFORMITY, year=2024), year=2024)
    scored("CSDD", AssessmentStatus.APPROVED, "80", round_=conformity, with_area=False)


@pytest.fixture
def network():
    """A centre of Cēsu novads with hours, a desk present and one gone, its operator, and the municipality's
    figures in 2024."""
    municipality = MunicipalityFactory(code="cesu-novads", name_lv="Cēsu novads", name_en="Cēsis Municipality")
    centre = CentreFactory(code="cesis", name="Cēsu VPVKAC", municipality=municipality, tier=DevelopmentTier.REGIONAL)
    for weekday, opens, closes in ((0, 8, 12), (0, 13, 17), (4, 8, 15)):
        OpeningHours.objects.create(centre=centre, weekday=weekday, opens_at=time(opens), closes_at=time(closes))
    Desk.objects.create(centre=centre, institution=InstitutionFactory(short_name="VSAA-D"))
    Desk.objects.create(
        centre=centre,
        institution=InstitutionFactory(short_name="NVA-D"),
        valid_to=timezone.localdate() - timedelta(days=1),
    )
    operator = UserFactory(username="operatore", role=Role.CENTRE_OPERATOR, **OPERATOR)
    CentreMembership.objects.create(user=operator, centre=centre)
    period = ReportingPeriodFactory()
    parameters = NetworkParameters.objects.create(version=1)
    now = timezone.now()
    PeriodSummary.objects.create(
        period=period, parameters=parameters, computed_at=now, average_mode="fixed", average=D("12")
    )
    MunicipalityFigure.objects.create(
        municipality=municipality, current_municipality=municipality, period=period, parameters=parameters,
        computed_at=now, tier=DevelopmentTier.REGIONAL, centres=1, services=1000, visits=1200,
        running_grant=D("7630"), cost_per_service=D("7.63"), cost_basis="municipality", band="at_or_below",
    )  # fmt: skip
    return centre


@pytest.fixture
def everything(cost_figures, eindex, network):
    pass


def api(path, **headers):
    return APIClient().get(f"/api/v1/open/{path}", **headers)


def download(path):
    response = Client().get(f"/open/{path}")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def rows_of(dataset_id, query=""):
    response = api(f"{dataset_id}/?page_size=500{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- anonymous pages ---------------------------------------------------------------------------------------------


def test_the_catalogue_page_lists_every_data_set_with_licence_frequency_and_fields_for_anyone(everything):
    response = Client().get("/en/open/")
    assert response.status_code == 200
    html = response.content.decode()
    for dataset in DATASETS.values():
        assert dataset.title.en in html
        assert f"/open/{dataset.id}.csv" in html
        for field in dataset.fields:
            assert f"<code>{field.name}</code>" in html
    assert "CC BY 4.0" in html
    assert "Every year" in html and "Updated continuously" in html


def test_the_catalogue_page_carries_the_dcat_catalogue_as_json_ld(everything):
    html = Client().get("/open/").content.decode()
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    document = json.loads(script)
    types = {node["@type"] for node in document["@graph"]}
    assert {"dcat:Catalog", "dcat:Dataset", "dcat:Distribution", "dcat:DataService"} <= types
    standalone = Client().get("/open/catalogue.jsonld").json()
    assert [node["@id"] for node in document["@graph"]] == [node["@id"] for node in standalone["@graph"]]


def test_the_nav_shows_anonymous_visitors_only_the_open_data_link():
    html = Client().get("/en/open/").content.decode()
    nav = re.search(r'<nav aria-label="Main" class="main-nav">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r">([^<>]+)</a>", nav) == ["Open data"]
    login = Client().get("/en/accounts/login/").content.decode()
    assert 'href="/en/open/"' in login


@pytest.mark.parametrize("dataset_id", list(DATASETS))
def test_every_data_set_page_shows_filters_preview_and_downloads_to_anyone(everything, dataset_id):
    response = Client().get(f"/en/open/{dataset_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="filter-form"' in html
    for extension in ("csv", "json", "xlsx"):
        assert f"/open/{dataset_id}.{extension}" in html
    assert f"/api/v1/open/{dataset_id}/" in html
    assert "Nothing matches these filters." not in html  # each data set has rows in this data


def test_the_page_preview_follows_the_filters(everything):
    html = Client().get("/en/open/services/?holder=VID").content.decode()
    assert "Showing 1–1 of 1" in html  # VID holds one of the ten services
    assert "<td>VID-1</td>" in html
    # The download links keep the filter.
    assert "/open/services.csv?holder=VID" in html


def test_an_unknown_data_set_or_format_is_not_found():
    assert Client().get("/open/secrets/").status_code == 404
    assert Client().get("/open/services.xml").status_code == 404
    assert APIClient().get("/api/v1/open/secrets/").status_code == 404


# --- the API ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset_id", list(DATASETS))
def test_every_open_endpoint_answers_anonymous_clients_with_the_data_sets_fields(everything, dataset_id):
    response = api(f"{dataset_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 1
    assert set(body) == {"count", "next", "previous", "results"}
    for row in body["results"]:
        assert list(row) == DATASETS[dataset_id].field_names


def test_the_index_lists_every_data_set_with_its_links_and_fields(everything):
    body = api("").json()
    assert [item["id"] for item in body["datasets"]] == list(DATASETS)
    services = body["datasets"][0]
    assert services["licence"] == "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    assert services["links"]["csv"] == "http://testserver/open/services.csv"
    assert [field["name"] for field in services["fields"]] == DATASETS["services"].field_names
    assert body["dcat"].endswith("/open/catalogue.jsonld")


def test_a_token_is_not_needed_and_a_signed_in_reader_gets_the_same_rows(everything):
    client = APIClient()
    anonymous = client.get("/api/v1/open/services/").json()
    client.force_authenticate(UserFactory(role=Role.EDITOR))  # an editor of no institution sees nothing elsewhere
    assert client.get("/api/v1/open/services/").json() == anonymous


def test_pagination_uses_page_and_page_size(everything):
    # 1 + 4 + 5 = 10 services.
    first = api("services/?page_size=4").json()
    assert first["count"] == 10
    assert len(first["results"]) == 4
    assert "page=2" in first["next"]
    last = api("services/?page_size=4&page=3").json()
    assert len(last["results"]) == 2  # 10 − 2 × 4


def test_an_invalid_filter_is_a_400_naming_the_filter(everything):
    response = api("services/?holder=NOBODY")
    assert response.status_code == 400
    assert "holder" in response.json()
    response, body = download("services.csv?holder=NOBODY")
    assert response.status_code == 400
    assert "holder" in json.loads(body)


@override_settings(
    REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "9/minute"}}
)
def test_anonymous_clients_are_throttled_like_the_rest_of_the_api():
    cache.clear()
    assert api("").status_code == 200
    assert api("vpvkac-centres/").status_code == 200
    assert api("vpvkac-centres/").status_code == 429


# --- caching ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset_id", list(DATASETS))
def test_a_repeated_request_with_the_etag_is_answered_304_without_a_body(everything, dataset_id):
    first = api(f"{dataset_id}/")
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)
    assert first["Last-Modified"]
    again = api(f"{dataset_id}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_change_of_the_data_changes_the_etag_and_moves_the_last_modified(everything, catalogue):
    first = api("services/")
    catalogue.name_en = "Income declaration"
    catalogue.save()
    second = api("services/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert rows_of("services", "&holder=VID")[0]["name_en"] == "Income declaration"
    # Last-Modified has whole seconds: at least the second of the change, at most now.
    changed = parse_http_date(second["Last-Modified"])
    assert int(catalogue.updated_at.timestamp()) <= changed <= timezone.now().timestamp()
    assert changed >= parse_http_date(first["Last-Modified"])


def test_filters_and_pages_are_separate_representations_with_their_own_etags(everything):
    plain = api("services/")["ETag"]
    filtered = api("services/?holder=VID")["ETag"]
    assert plain != filtered
    assert api("services/?holder=VID", HTTP_IF_NONE_MATCH=plain).status_code == 200


def test_if_modified_since_is_answered_by_last_modified(everything):
    first = api("vpvkac-figures/")
    last_modified = first["Last-Modified"]
    assert api("vpvkac-figures/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    an_hour_earlier = http_date(timezone.now().timestamp() - 3600)
    assert api("vpvkac-figures/", HTTP_IF_MODIFIED_SINCE=an_hour_earlier).status_code == 200


def test_downloads_and_json_ld_documents_are_conditional_too(everything):
    for path in ("services.csv", "eindex-results.json", "vpvkac-centres.xlsx", "catalogue.jsonld", "cpsv.jsonld"):
        first = Client().get(f"/open/{path}")
        assert first.status_code == 200
        assert "public" in first["Cache-Control"]
        again = Client().get(f"/open/{path}", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, path


def test_a_not_modified_answer_reads_no_rows(everything):
    etag = api("services/")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        assert api("services/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert "catalogue_id" not in statements  # only the freshness aggregates ran, no service row was read


# --- downloads --------------------------------------------------------------------------------------------------


def test_the_csv_download_has_the_fields_as_header_and_the_same_rows_as_the_api(everything):
    response, body = download("services.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="services-' in response["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(body.decode())))
    assert list(table[0]) == DATASETS["services"].field_names
    assert [row["catalogue_id"] for row in table] == [row["catalogue_id"] for row in rows_of("services")]
    vid = next(row for row in table if row["catalogue_id"] == "VID-1")
    assert vid["channels"] == "portal; e_address; phone"  # lists are joined, in the channel code list's order
    assert vid["is_demo"] == "false"


def test_the_json_download_has_metadata_and_every_row(everything):
    response, body = download("vpvkac-centres.json")
    document = json.loads(body)
    assert document["dataset"] == "vpvkac-centres"
    assert document["licence"].endswith("CC_BY_4_0")
    assert document["count"] == len(document["results"]) == 1
    assert document["results"] == rows_of("vpvkac-centres")


def test_the_xlsx_download_has_the_data_and_the_field_descriptions(everything):
    response, body = download("eindex-results.xlsx")
    workbook = load_workbook(io.BytesIO(body))
    assert workbook.sheetnames == ["data", "fields", "about"]
    data = list(workbook["data"].values)
    assert list(data[0]) == DATASETS["eindex-results"].field_names
    assert len(data) == 1 + 2  # the header, VSAA's overall score and its area score
    assert [row[0] for row in workbook["fields"].values][1:] == DATASETS["eindex-results"].field_names


def test_downloads_follow_the_filters(everything):
    _response, body = download("service-figures.csv?level=national&channel=all")
    table = list(csv.DictReader(io.StringIO(body.decode())))
    assert [(row["level"], row["group"], row["channel"]) for row in table] == [("national", "LV", "all")]


# --- what the data sets hold ---------------------------------------------------------------------------------------


def test_the_service_catalogue_row_holds_the_public_fields(everything):
    (row,) = rows_of("services", "&holder=VID")
    assert row["catalogue_id"] == "VID-1"
    assert row["holder"] == "VID"
    assert row["holder_name_en"] == "State Revenue Service"
    assert row["providers"] == ["VID"]
    assert row["channels"] == ["portal", "e_address", "phone"]
    assert "manageability" in row["conditions"]


def test_the_national_and_institution_roll_ups_sum_first_and_divide_afterwards(everything):
    (national,) = rows_of("service-figures", "&level=national&channel=all")
    # T = VID 90 + 10, four providers × 10, five providers × 10 = 100 + 40 + 50 = 190.
    assert national["transactions"] == 190
    # Digital: 90 + 40 + 50 = 180; 180 / 190 = 0.947368… → 0.9474.
    assert national["digital_transactions"] == 180
    assert national["digital_share"] == 0.9474
    # Cost: 1000 + (10 + 20 + 30 + 40) + (10 + 20 + 30 + 40 + 50) = 1250; 1250 / 190 = 6.578947… → 6.5789.
    assert national["cost"] == 1250.0
    assert national["cost_per_transaction"] == 6.5789
    assert national["providers"] == 10
    (vid,) = rows_of("service-figures", "&level=institution&institution=VID&channel=all")
    # VID: 1000 / (90 + 10) = 10.
    assert (vid["transactions"], vid["cost_per_transaction"], vid["digital_share"]) == (100, 10.0, 0.9)
    (phone,) = rows_of("service-figures", "&level=institution&institution=VID&channel=phone")
    # The shared cost follows the transactions: 1000 × 10 / 100 = 100 by phone; 100 / 10 = 10.
    assert (phone["transactions"], phone["cost"], phone["cost_per_transaction"]) == (10, 100.0, 10.0)


def test_rows_of_demo_services_say_they_include_demo_data_and_the_others_do_not(cost_figures):
    demo_holder = InstitutionFactory(short_name="DEMO")
    figures(ServiceFactory(holder=demo_holder, is_demo=True), demo_holder, portal=5, shared=50)
    costing.recompute()
    (demo,) = rows_of("service-figures", "&level=institution&institution=DEMO&channel=all")
    (vid,) = rows_of("service-figures", "&level=institution&institution=VID&channel=all")
    (national,) = rows_of("service-figures", "&level=national&channel=all")
    assert (demo["includes_demo_data"], vid["includes_demo_data"], national["includes_demo_data"]) == (True, False, True)


def test_a_unified_service_cost_is_published_only_with_at_least_five_providers(everything):
    assert MIN_PEERS_DISCLOSED == 5
    rows = {row["group"]: row for row in rows_of("service-figures", "&level=unified_service&channel=all")}
    four, five = rows["four"], rows["five"]
    # Four providers with a CPT (1, 2, 3, 4): too few; the cost and the median are withheld, the usage is not.
    assert four["transactions"] == 40
    assert (four["cost"], four["cost_per_transaction"], four["peer_median_cost_per_transaction"]) == (None, None, None)
    assert four["cost_per_transaction_missing"] == "peers_withheld"
    # Five providers with CPTs 1, 2, 3, 4, 5: cost 10 + 20 + 30 + 40 + 50 = 150 over 50 transactions = 3;
    # the median of the five CPTs is 3.
    assert (five["cost"], five["cost_per_transaction"]) == (150.0, 3.0)
    assert (five["peer_count"], five["peer_median_cost_per_transaction"]) == (5, 3.0)


def test_a_filter_cannot_narrow_a_unified_service_below_five_providers(everything):
    (row,) = rows_of("service-figures", "&level=unified_service&channel=all&institution=FIVE-1")
    # One provider of the five: its own cost would be the row's cost, so it is withheld.
    assert row["transactions"] == 10
    assert row["cost_per_transaction"] is None
    assert row["cost_per_transaction_missing"] == "peers_withheld"
    # The group's median over all five stays publishable.
    assert row["peer_median_cost_per_transaction"] == 3.0


def test_e_index_results_are_only_the_final_ones(everything):
    rows = rows_of("eindex-results")
    # VSAA is the only current, approved E-index assessment: submitted (NVA), draft (LAD), returned (PMLP), the
    # reopened UR (its approved version is no longer current) and the conformity assessment (CSDD) are left out.
    assert {row["organisation"] for row in rows} == {"VSAA"}
    overall, area = rows
    assert (overall["area"], overall["area_name_en"], overall["score"], overall["level"]) == (
        "overall",
        "Overall",
        72.5,
        4,
    )
    assert (area["area"], area["area_name_en"], area["score"]) == ("A1", "Communication", 60.0)
    assert [row["area"] for row in rows_of("eindex-results", "&area=overall")] == ["overall"]


def test_centres_show_hours_coordinates_and_the_institutions_present_today(everything):
    (row,) = rows_of("vpvkac-centres")
    assert row["opening_hours"] == "Mo 08:00-12:00,13:00-17:00; Fr 08:00-15:00"
    assert row["institutions_present"] == ["VSAA-D"]  # NVA's desk closed yesterday
    assert row["municipality"] == row["current_municipality"] == "cesu-novads"


def test_vpvkac_figures_per_municipality_carry_cost_band_and_the_average(everything):
    (row,) = rows_of("vpvkac-figures", "&period=2024")
    assert (row["services"], row["cost_per_service"], row["band"], row["period_average"]) == (
        1000,
        7.63,
        "at_or_below",
        12.0,
    )
    assert rows_of("vpvkac-figures", "&municipality=cesu-novads") == [row]
    assert rows_of("vpvkac-figures", "&band=very_high") == []


# --- no personal data, no data for signed-in readers only -------------------------------------------------------------

PERSONAL_FIELD = re.compile(r"e_?mail|phone|telephone|first_name|last_name|person_name|username|operator", re.I)


def test_no_data_set_has_a_personal_data_field():
    for dataset in DATASETS.values():
        for name in dataset.field_names:
            # "emails" of the VPVKAC figures counts e-mails received, it holds no address.
            assert name == "emails" or not PERSONAL_FIELD.search(name), f"{dataset.id}.{name}"


def test_no_open_output_contains_personal_data_or_channel_addresses(everything):
    outputs = [api("").content]
    for dataset_id in DATASETS:
        outputs.append(api(f"{dataset_id}/?page_size=500").content)
        for extension in ("csv", "json"):
            outputs.append(download(f"{dataset_id}.{extension}")[1])
        outputs.append(Client().get(f"/open/{dataset_id}/").content)
    outputs += [download("catalogue.jsonld")[1], download("cpsv.jsonld")[1], Client().get("/open/").content]
    text = b"\n".join(outputs).decode()
    for value in PERSONAL:
        assert value not in text, value


def test_the_public_cpsv_catalogue_leaves_out_contact_points_that_the_signed_in_export_has(everything, catalogue):
    public = download("cpsv.jsonld")[1].decode()
    assert "cpsv:PublicService" in public and "VID-1" in public
    assert "cv:contactPoint" not in public and "cv:telephone" not in public
    coordinator = Client()
    coordinator.force_login(UserFactory(role=Role.COORDINATOR))
    signed_in = coordinator.get("/catalogue/cpsv/").content.decode()
    assert PHONE in signed_in  # the test would notice if the public document carried it


# --- DCAT-AP and OpenAPI --------------------------------------------------------------------------------------------


def test_the_dcat_catalogue_describes_each_data_set_with_licence_frequency_distributions_and_fields(everything):
    response = Client().get("/open/catalogue.jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    assert document["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    nodes = {node["@id"]: node for node in document["@graph"]}
    (catalogue,) = [node for node in nodes.values() if node["@type"] == "dcat:Catalog"]
    assert len(catalogue["dcat:dataset"]) == len(DATASETS)
    for reference in catalogue["dcat:dataset"]:
        dataset = nodes[reference["@id"]]
        assert dataset["@type"] == "dcat:Dataset"
        definition = DATASETS[dataset["dct:identifier"]]
        assert dataset["dct:license"]["@id"].endswith("CC_BY_4_0")
        assert dataset["dct:accrualPeriodicity"]["@id"].endswith("/frequency/" + definition.frequency)
        assert {text["@language"] for text in dataset["dct:title"]} == {"lv", "en"}
        columns = dataset["csvw:tableSchema"]["csvw:column"]
        assert [column["csvw:name"] for column in columns] == definition.field_names
        formats = set()
        for distribution in dataset["dcat:distribution"]:
            node = nodes[distribution["@id"]]  # every distribution is a node of the graph
            assert node["@type"] == "dcat:Distribution"
            assert node["dct:license"]["@id"].endswith("CC_BY_4_0")
            formats.add(node["dcat:mediaType"]["@id"].rsplit("/", 1)[1])
        assert {"csv", "json", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= formats
    (service,) = [node for node in nodes.values() if node["@type"] == "dcat:DataService"]
    assert service["dcat:endpointDescription"]["@id"].endswith("/api/v1/schema/")


def test_every_example_row_has_exactly_the_data_sets_fields():
    for dataset in DATASETS.values():
        assert list(dataset.example) == dataset.field_names, dataset.id
        assert set(dataset.preview) <= set(dataset.field_names), dataset.id


def test_every_open_endpoint_is_documented_with_filters_caching_headers_and_an_example():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    for dataset in DATASETS.values():
        operation = schema["paths"][f"/api/v1/open/{dataset.id}/"]["get"]
        assert operation["tags"] == ["Open data"]
        assert "ETag" in operation["description"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {"If-None-Match", "If-Modified-Since", "page", "page_size"} <= names
        assert set(dataset.filterset_class.base_filters) <= names
        content = operation["responses"]["200"]["content"]["application/json"]
        (example,) = content["examples"].values()
        assert example["value"]["results"] == [dataset.example]
        assert {"304", "400"} <= set(operation["responses"])
        row = content["schema"]["$ref"].rsplit("/", 1)[1]
        items = schema["components"]["schemas"][row]["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]
        assert list(schema["components"]["schemas"][items]["properties"]) == dataset.field_names
    assert "/api/v1/open/" in schema["paths"]


# --- query counts ------------------------------------------------------------------------------------------------


def queries(path):
    cache.clear()  # the roll-ups are cached; count the queries that build them
    with CaptureQueriesContext(connection) as captured:
        assert APIClient().get(path).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_the_rows(everything):
    before = {dataset_id: queries(f"/api/v1/open/{dataset_id}/") for dataset_id in DATASETS}
    # More of everything: services with channels and providers, centres with hours and desks, final results.
    for index in range(3):
        service = ServiceFactory(providers=[InstitutionFactory(), InstitutionFactory()])
        ServiceChannel.objects.create(service=service, channel=ChannelFactory(code="post"))
        centre = CentreFactory()
        OpeningHours.objects.create(centre=centre, weekday=1, opens_at=time(9), closes_at=time(12))
        Desk.objects.create(centre=centre, institution=InstitutionFactory())
    after = {dataset_id: queries(f"/api/v1/open/{dataset_id}/") for dataset_id in DATASETS}
    assert after == before
    # Freshness (a few aggregates), the count, the page and its prefetches: a dozen at most.
    assert max(after.values()) <= 12, after


# --- properties ---------------------------------------------------------------------------------------------------

slots = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 22), st.integers(1, 60)),
    max_size=8,
    unique_by=lambda slot: (slot[0], slot[1]),
)


@settings(max_examples=60, deadline=None)
@given(slots)
def test_opening_hours_text_lists_every_interval_under_its_weekday_in_order(intervals):
    class Interval:
        def __init__(self, weekday, hour, minutes):
            self.weekday = weekday
            self.opens_at = time(hour)
            closes = hour * 60 + minutes
            self.closes_at = time(closes // 60, closes % 60)

    objects = [Interval(*slot) for slot in intervals]
    text = opening_hours_text(objects)
    parsed = []
    for part in filter(None, text.split("; ")):
        day, spans = part.split(" ")
        for span in spans.split(","):
            opens, closes = span.split("-")
            parsed.append((day, opens, closes))
    expected = sorted(objects, key=lambda item: (item.weekday, item.opens_at))
    assert parsed == [
        (("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")[item.weekday], f"{item.opens_at:%H:%M}", f"{item.closes_at:%H:%M}")
        for item in expected
    ]
    # One "; "-separated part per weekday that has an interval; nothing at all without intervals.
    if objects:
        assert len(text.split("; ")) == len({item.weekday for item in objects})
    else:
        assert text == ""


# --- in a browser -------------------------------------------------------------------------------------------------


@pytest.fixture
def browsed(transactional_db):
    """Made before the browser starts: Playwright runs an event loop in this thread, and Django refuses database
    calls while one runs."""
    vid = InstitutionFactory(short_name="VID", name_lv="Valsts ieņēmumu dienests", name_en="State Revenue Service")
    ServiceFactory(catalogue_id="VID-1", name_lv="Deklarācija", name_en="Declaration", holder=vid)
    ServiceFactory(catalogue_id="LAD-1", name_en="Area payments")


@pytest.mark.browser
def test_an_anonymous_visitor_finds_a_data_set_filters_it_and_downloads_the_rows(browsed, live_server, chromium):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/open/")
    document = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert any(node["@type"] == "dcat:Catalog" for node in document["@graph"])
    page.get_by_role("link", name="Public service catalogue", exact=True).click()
    page.wait_for_url(f"{live_server.url}/en/open/services/")
    assert "Showing 1–2 of 2" in page.locator(".table-summary").inner_text()
    page.get_by_label("Holder:", exact=True).select_option(label="State Revenue Service")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/en/open/services/?*holder=VID*")
    assert "Showing 1–1 of 1" in page.locator(".table-summary").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "open-data-services-en.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.DictReader(open(download_info.value.path(), encoding="utf-8")))
    assert [row["catalogue_id"] for row in rows] == ["VID-1"]
    context.close()


# --- the cached rows of a roll-up ------------------------------------------------------------------------------


def test_cached_rows_are_computed_once_and_a_page_reads_only_its_chunks():
    from django.core.cache import cache

    from reports.open_data import CachedRows

    cache.clear()
    calls = []

    def compute():
        calls.append(1)
        return [{"n": n} for n in range(1234)]

    rows = CachedRows("test-rows", compute)
    assert len(rows) == 1234
    # 1,234 rows in chunks of 500: 0–499, 500–999, 1000–1233
    assert rows[498:503] == [{"n": n} for n in range(498, 503)]
    assert rows[-1] == {"n": 1233}
    again = CachedRows("test-rows", compute)
    assert again[1000:1002] == [{"n": 1000}, {"n": 1001}]
    assert [row["n"] for row in again] == list(range(1234))
    assert len(calls) == 1
    # A chunk evicted from the cache has the rows computed again, and the answer stays right.
    cache.delete("test-rows:500")
    assert CachedRows("test-rows", compute)[499:501] == [{"n": 499}, {"n": 500}]
    assert len(calls) == 2
    assert CachedRows("test-rows-empty", list)[0:50] == []
