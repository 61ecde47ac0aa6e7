"""The VPVKAC network pages: each shows what vpvkac/network.py stored for a small hand-made network, stays inside
the reader's scope (pages and exports alike), exports CSV and XLSX with the same rows, and keeps its number of
queries whatever the number of rows. The replayed 2017–2018 data set gives seed 001 Table 5 on the costs page.

The small network ("net"), in 2024. Along a meridian 0.1° of latitude is 11.12 km; the meridians 24° E and 26° E
lie about 124 km apart at these latitudes, so nothing on one reaches the other (R = 30 km).

    municipality Alfas novads (local): centre X at 56.0° N 24.0° E, centre Z at 56.2° N 24.0° E (22.24 km apart)
    municipality Betas novads: centre Y at 56.4° N 26.0° E, regional
    settlements on 24° E at 56.0, 56.2, 56.4, 56.6, 56.8: 100, 200, 300, 400, 500 residents
    settlements on 26° E at the same latitudes: 10, 20, 30, 40, 50 residents; 1,650 in all

Coverage: X reaches 56.0 and 56.2 (100 + 200); Z reaches 56.0, 56.2, 56.4 (+300); Y reaches 56.2–56.6 of 26° E
(20 + 30 + 40): 600 + 90 = 690 of 1,650 = 41.82 %; gaps: 56.6 and 56.8 on 24° E, 56.0 and 56.8 on 26° E (4).
Without Z: 300 + 90 = 390 = 23.64 %. With a stop at 56.6° N 24.0° E (reaches 56.4–56.8: 300 + 400 + 500) beside
today's points: 1,500 + 90 = 1,590 = 96.36 %.

Figures (2024): X on Monday 4 March 10:00 30 services (natural persons) and 10 consultations (legal persons),
11:00 20 services (natural); Z on Tuesday 5 March 9:00 50 services; Y on Monday 4 March 10:00 40 services.
Grants: Alfas novads maintenance 600 + salary 400 (+ creation 5,000, left out) → 1,000 / (50 + 50) = EUR 10.00 for
X and Z; Betas novads salary 2,000 → 2,000 / 40 = EUR 50.00. A = EUR 12.00 fixed: Alfas ≤ A; Betas > 2A.
X: visits 60, legal 10 → legal-person share 10 / 60 = 16.7 %. Screening: X and Z are 22.24 km apart, both local,
both of Alfas novads → criterion 1 and the secondary flag, may be proposed; Y is regional: outside the scope.
"""

import csv
import io
import re
from datetime import date, time
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from institutions.models import DevelopmentTier
from institutions.reference_data import load_reference_data
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory
from tests.vpvkac.factories import (
    CentreFactory,
    ContactFigureFactory,
    GrantFactory,
    ReportingPeriodFactory,
    SettlementFactory,
)
from vpvkac import network
from vpvkac.centres import change_status
from vpvkac.models import (
    CentreMembership,
    CentreStatus,
    ClientType,
    ContactType,
    Desk,
    GrantKind,
    NetworkParameters,
    NetworkRecomputation,
    NetworkReviewDecision,
    OpeningHours,
    ReceptionSchedule,
    SatisfactionScore,
    ScoreKind,
    Weekday,
)
from vpvkac.reference_data import load_vpvkac_history

pytestmark = pytest.mark.django_db

LATITUDES = (56.0, 56.2, 56.4, 56.6, 56.8)


def csv_rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def column(rows, heading):
    index = rows[0].index(heading)
    return [row[index] for row in rows[1:]]


def row_text(html, text):
    """The text of the table row that contains `text` (tags removed, spaces squeezed)."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        if text in row:
            return " ".join(re.sub(r"<[^>]+>", " ", row).split())
    raise AssertionError(f"no row with {text!r}")


def tbody(html):
    """The body of the page's first data table."""
    return re.search(r"<tbody>(.*?)</tbody>", html, flags=re.S).group(1)


def section(html, element_id):
    match = re.search(rf'id="{element_id}".*?</section>', html, flags=re.S)
    assert match, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def operator_of(centre, username):
    user = UserFactory(username=username, role=Role.CENTRE_OPERATOR)
    CentreMembership.objects.create(user=user, centre=centre)
    return user


@pytest.fixture
def net(db):
    # No English names: the English pages show the Latvian ones.
    alfa = MunicipalityFactory(code="alfas-novads", name_lv="Alfas novads", name_en="")
    beta = MunicipalityFactory(
        code="betas-novads", name_lv="Betas novads", name_en="", development_tier=DevelopmentTier.REGIONAL
    )
    for index, lat in enumerate(LATITUDES):
        SettlementFactory(
            code=f"a-{index}", municipality=alfa, latitude=lat, longitude=24.0, population=100 * (index + 1)
        )
        SettlementFactory(
            code=f"b-{index}", municipality=beta, latitude=lat, longitude=26.0, population=10 * (index + 1)
        )
    x = CentreFactory(
        code="x-centrs",
        name="Xilofona centrs",
        municipality=alfa,
        latitude=56.0,
        longitude=24.0,
        host_building="Bibliotēka",
        in_library=True,
        private_room=True,
        parking_spaces=4,
    )
    z = CentreFactory(code="z-centrs", name="Zetas centrs", municipality=alfa, latitude=56.2, longitude=24.0)
    y = CentreFactory(
        code="y-centrs",
        name="Ypsilona centrs",
        municipality=beta,
        latitude=56.4,
        longitude=26.0,
        tier=DevelopmentTier.REGIONAL,
    )
    change_status(x, CentreStatus.ACTIVE, date(2020, 1, 1), note="Atvērts")
    period = ReportingPeriodFactory()
    monday, tuesday = date(2024, 3, 4), date(2024, 3, 5)
    ContactFigureFactory(centre=x, date=monday, hour=10, count=30, client_type=ClientType.NATURAL)
    ContactFigureFactory(
        centre=x, date=monday, hour=10, count=10, contact_type=ContactType.CONSULTATION, client_type=ClientType.LEGAL
    )
    ContactFigureFactory(centre=x, date=monday, hour=11, count=20, client_type=ClientType.NATURAL)
    ContactFigureFactory(centre=z, date=tuesday, hour=9, count=50)
    ContactFigureFactory(centre=y, date=monday, hour=10, count=40)
    GrantFactory(period=period, municipality=alfa, kind=GrantKind.MAINTENANCE, amount=600)
    GrantFactory(period=period, municipality=alfa, kind=GrantKind.SALARY, amount=400)
    GrantFactory(period=period, municipality=alfa, kind=GrantKind.CREATION, amount=5000)
    GrantFactory(period=period, municipality=beta, kind=GrantKind.SALARY, amount=2000)
    vid = InstitutionFactory(short_name="VID", name_lv="Valsts ieņēmumu dienests")
    vzd = InstitutionFactory(short_name="VZD", name_lv="Valsts zemes dienests")
    for institution, starts, ends in ((vid, time(9), time(16)), (vzd, time(10), time(12))):
        desk = Desk.objects.create(centre=x, institution=institution, minimum_basket=True)
        ReceptionSchedule.objects.create(desk=desk, weekday=Weekday.THURSDAY, starts_at=starts, ends_at=ends)
    OpeningHours.objects.create(centre=x, weekday=Weekday.MONDAY, opens_at=time(8), closes_at=time(17))
    SatisfactionScore.objects.create(
        centre=x, period=period, kind=ScoreKind.SATISFACTION, score=Decimal("4.2"), scale_min=1, scale_max=5
    )
    network.recompute()
    return {
        "x": x,
        "y": y,
        "z": z,
        "alfa": alfa,
        "beta": beta,
        "period": period,
        "coordinator": UserFactory(username="koordinators", role=Role.COORDINATOR),
        "operator_x": operator_of(x, "operators-x"),
        "operator_y": operator_of(y, "operators-y"),
    }


def signed_in(client, user):
    client.force_login(user)
    return client


def url(name, **kwargs):
    """The English page: its labels are the interface's own strings, its numbers "1,234.5"."""
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


# --- the map and coverage ------------------------------------------------------------------------------------------


def test_map_shows_the_network_coverage_and_its_gaps(client, net):
    response = signed_in(client, net["coordinator"]).get(url("vpvkac:map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert section(html, "coverage").count("41.82 %") == 1  # 690 / 1,650
    assert html.count('class="map__gap"') == 4
    assert html.count("<ellipse") == 3  # X, Y, Z serve clients; no mobile stops
    assert 'role="img"' in html and "3 centres and 0 mobile stops with 30 km circles; 10 settlements, 4 of them" in html
    assert "Xilofona centrs" in html


def test_what_if_closing_a_centre_or_adding_a_stop_changes_the_coverage(client, net):
    client = signed_in(client, net["coordinator"])
    closed = client.get(url("vpvkac:map"), {"scenario": "1", "close": "z-centrs"}).content.decode()
    coverage = section(closed, "coverage")
    assert "41.82 %" in coverage and "23.64 %" in coverage  # 690 → 390 of 1,650
    assert closed.count('class="map__gap"') == 5  # 56.4° N on 24° E falls outside too
    added = client.get(url("vpvkac:map"), {"scenario": "1", "add_stops": "56.6, 24.0"}).content.decode()
    assert "96.36 %" in section(added, "coverage")  # 1,590 / 1,650
    assert 'stroke-dasharray="5 3"' in added  # the proposed stop's circle


def test_what_if_refuses_a_stop_outside_latvia(client, net):
    response = signed_in(client, net["coordinator"]).get(
        url("vpvkac:map"), {"scenario": "1", "add_stops": "52.0, 13.4"}
    )
    assert response.status_code == 400
    assert "Line 1: the point is outside Latvia" in response.content.decode()


def test_map_of_an_operator_draws_only_their_centre_but_counts_the_whole_network(client, net):
    html = signed_in(client, net["operator_x"]).get(url("vpvkac:map")).content.decode()
    assert "Xilofona centrs" in html
    assert "Ypsilona centrs" not in html and "Zetas centrs" not in html
    assert "41.82 %" in section(html, "coverage")
    export = client.get(url("vpvkac:map"), {"_export": "csv"})
    assert column(csv_rows(export), "Name") == ["Xilofona centrs"]


def test_map_filters_by_tier(client, net):
    html = signed_in(client, net["coordinator"]).get(url("vpvkac:map"), {"tier": "regional"}).content.decode()
    table = section_html(html, "centres-heading")
    assert "Ypsilona centrs" in table and "Xilofona centrs" not in table
    drawn = re.search(r'<g class="map__centres">(.*?)</g>', html, flags=re.S).group(1)
    assert "Ypsilona centrs" in drawn and "Xilofona centrs" not in drawn


# --- centres --------------------------------------------------------------------------------------------------------


def test_centre_list_of_an_operator_holds_only_their_centre_on_the_page_and_in_both_exports(client, net):
    client = signed_in(client, net["operator_x"])
    html = client.get(url("vpvkac:centre-list")).content.decode()
    assert "Xilofona centrs" in html and "Ypsilona centrs" not in html and "Zetas centrs" not in html
    assert column(csv_rows(client.get(url("vpvkac:centre-list"), {"_export": "csv"})), "Code") == ["x-centrs"]
    rows = xlsx_rows(client.get(url("vpvkac:centre-list"), {"_export": "xlsx"}))
    assert column(rows, "Code") == ["x-centrs"]


def test_coordinator_exports_every_centre_with_the_same_rows_in_csv_and_xlsx(client, net):
    client = signed_in(client, net["coordinator"])
    as_csv = csv_rows(client.get(url("vpvkac:centre-list"), {"_export": "csv"}))
    as_xlsx = xlsx_rows(client.get(url("vpvkac:centre-list"), {"_export": "xlsx"}))
    assert column(as_csv, "Code") == column(as_xlsx, "Code") == ["x-centrs", "y-centrs", "z-centrs"]


def test_another_centre_page_is_not_found_for_an_operator(client, net):
    client = signed_in(client, net["operator_x"])
    assert client.get(url("vpvkac:centre-detail", code="y-centrs")).status_code == 404
    assert client.get(url("vpvkac:centre-detail", code="y-centrs"), {"_export": "csv"}).status_code == 404
    assert client.get(url("vpvkac:centre-detail", code="x-centrs")).status_code == 200


def test_centre_page_shows_hours_desks_window_heatmap_cost_and_scores(client, net):
    page = url("vpvkac:centre-detail", code="x-centrs")
    html = signed_in(client, net["operator_x"]).get(page, {"month": "2024-03"}).content.decode()
    # Cost 1,000 / 100 = 10.00 against A = 12.00: 0.83 × A, at or below A; legal share 10 / 60.
    cost = section(html, "cost-against-network")
    assert "10.00 €" in cost and "12.00 €" in cost and "0.83 × A" in cost and "16.7 %" in cost
    # The heatmap: Monday 10:00 has 30 + 10 = 40 visits, 11:00 has 20.
    monday = row_text(section_html(html, "heatmap"), "Monday")
    assert monday.split()[1:] == ["40", "20", "60"]
    # VID 9–16 and VZD 10–12 every Thursday: March 2024 has four Thursdays (7, 14, 21, 28).
    assert "10:00–12:00" in section(html, "desk-window") and section(html, "desk-window").count("10:00–12:00") == 4
    days = row_text(section_html(html, "day-figures"), "03/04/2024")
    assert days.split()[1:] == ["50", "0", "10", "0", "0", "60"]
    assert "80.0" in html  # satisfaction 4.2 on 1–5 = (4.2 − 1) / 4 × 100
    assert "08:00" in row_text(section_html(html, "hours-heading"), "Monday")  # opening hours
    assert "Atvērts" in html  # status history


def section_html(html, element_id):
    match = re.search(rf'id="{element_id}".*?</section>', html, flags=re.S)
    assert match, element_id
    return match.group(0)


def test_centre_page_exports_each_table(client, net):
    client = signed_in(client, net["operator_x"])
    page = url("vpvkac:centre-detail", code="x-centrs")
    periods = xlsx_rows(client.get(page, {"_export": "xlsx"}))
    assert column(periods, "Services") == [50]
    assert column(periods, "Cost per service (EUR)") == [10]
    hourly = csv_rows(client.get(page, {"_export_hourly": "csv"}))
    assert [row[1:3] for row in hourly[1:]] == [["10", "40"], ["11", "20"]]
    days = csv_rows(client.get(page, {"_export_days": "csv", "month": "2024-03"}))
    assert len(days) == 2 and days[1][-1] == "60"


# --- costs ----------------------------------------------------------------------------------------------------------


def test_costs_page_shows_the_bands_and_the_scoped_tables(client, net):
    client = signed_in(client, net["coordinator"])
    html = client.get(url("vpvkac:costs")).content.decode()
    assert "10.00" in row_text(html, "Alfas novads") and "50.00" in row_text(html, "Betas novads")
    summary = section(html, "band-summary")
    assert "12.00 €" in summary
    operator = signed_in(client, net["operator_x"]).get(url("vpvkac:costs")).content.decode()
    assert "Xilofona centrs" in operator and "Zetas centrs" not in operator and "Betas novads" not in operator
    rows = xlsx_rows(client.get(url("vpvkac:costs"), {"_export_centres": "xlsx"}))
    assert column(rows, "Centre code") == ["x-centrs"]


# --- the network review ---------------------------------------------------------------------------------------------


def test_review_lists_the_candidates_with_their_criteria(client, net):
    client = signed_in(client, net["coordinator"])
    html = client.get(url("vpvkac:review")).content.decode()
    x = row_text(html, "Xilofona centrs")
    assert x.count("Yes") == 3  # criterion 1, the secondary flag, may be proposed
    assert "Zetas centrs" in html and "Ypsilona centrs" not in html  # Y is regional: outside the scope
    rows = csv_rows(client.get(url("vpvkac:review"), {"_export": "csv"}))
    assert sorted(column(rows, "Centre code")) == ["x-centrs", "z-centrs"]


def test_coordinator_records_a_decision_and_an_operator_may_not(client, net):
    data = {"centre": "z-centrs", "period": "2024", "decision": "close", "reason": "X ir 22 km attālumā."}
    operator = signed_in(client, net["operator_x"])
    assert operator.post(url("vpvkac:review"), data).status_code == 403
    assert not NetworkReviewDecision.objects.exists()
    coordinator = signed_in(client, net["coordinator"])
    response = coordinator.post(url("vpvkac:review"), data)
    assert response.status_code == 302
    decision = NetworkReviewDecision.objects.get()
    assert (decision.centre, decision.decision) == (net["z"], "close")
    assert decision.criteria_met == ["criterion_same_municipality", "near_other_centre"]
    html = coordinator.get(url("vpvkac:review")).content.decode()
    assert "X ir 22 km attālumā." in row_text(html, "Zetas centrs")


def test_a_decision_needs_a_reason_and_a_candidate(client, net):
    client = signed_in(client, net["coordinator"])
    blank = client.post(
        url("vpvkac:review"), {"centre": "z-centrs", "period": "2024", "decision": "keep", "reason": " "}
    )
    assert blank.status_code == 400
    not_candidate = client.post(
        url("vpvkac:review"), {"centre": "y-centrs", "period": "2024", "decision": "keep", "reason": "Tāpat"}
    )
    assert not_candidate.status_code == 400
    assert not NetworkReviewDecision.objects.exists()


def test_operator_sees_only_their_own_candidate(client, net):
    html = signed_in(client, net["operator_x"]).get(url("vpvkac:review")).content.decode()
    assert "Xilofona centrs" in html and "Zetas centrs" not in html
    assert 'id="decide"' not in html and "Record a decision" not in html  # no decision form


# --- parameters and recomputations -----------------------------------------------------------------------------------


def test_coordinator_saves_a_parameter_version_and_a_full_recomputation_is_queued(client, net):
    client = signed_in(client, net["coordinator"])
    data = {
        "radius_km": "25",
        "average_mode": "median",
        "fixed_average": "12.00",
        "average_local_tier_only": "on",
        "screen_local_tier_only": "on",
        "note": "Mediāna kā A",
    }
    response = client.post(url("vpvkac:parameters"), data)
    assert response.status_code == 302
    latest = NetworkParameters.objects.order_by("-version").first()
    assert (latest.version, latest.average_mode, latest.radius_km) == (2, "median", Decimal("25.00"))
    assert NetworkRecomputation.objects.filter(reason="parameters v2").exists()
    assert "Mediāna kā A" in client.get(url("vpvkac:parameters")).content.decode()


def test_only_the_coordinator_changes_parameters_and_runs_recomputations(client, net):
    client = signed_in(client, net["operator_x"])
    assert client.get(url("vpvkac:parameters")).status_code == 200
    assert client.post(url("vpvkac:parameters"), {"radius_km": "10", "note": "x"}).status_code == 403
    assert client.get(url("vpvkac:recomputations")).status_code == 403
    assert client.post(url("vpvkac:recomputations")).status_code == 403
    job = NetworkRecomputation.objects.create(kind="full")
    assert client.get(url("vpvkac:recomputation-status", pk=job.pk)).status_code == 403


def test_coordinator_starts_a_recomputation_and_follows_it(client, net):
    client = signed_in(client, net["coordinator"])
    response = client.post(url("vpvkac:recomputations"))
    assert response.status_code == 302
    job = NetworkRecomputation.objects.get(reason="on demand")
    status = client.get(url("vpvkac:recomputation-status", pk=job.pk)).json()
    assert status["id"] == job.pk and status["finished"] is False and status["percent"] == 0
    html = client.get(url("vpvkac:recomputations")).content.decode()
    assert f'id="recomputation-{job.pk}"' in html and "data-status-url" in html


# --- grants ---------------------------------------------------------------------------------------------------------


def test_grant_list_is_scoped_and_exports_the_same_rows(client, net):
    client = signed_in(client, net["operator_y"])
    rows = xlsx_rows(client.get(url("vpvkac:grant-list"), {"_export": "xlsx"}))
    assert column(rows, "Recipient") == ["Betas novads"]
    assert column(rows, "Amount (EUR)") == [2000]
    body = tbody(client.get(url("vpvkac:grant-list")).content.decode())
    assert "Betas novads" in body and "Alfas novads" not in body


# --- query counts ---------------------------------------------------------------------------------------------------


def more_centres(net, count):
    for index in range(count):
        centre = CentreFactory(
            code=f"extra-{index}", municipality=net["alfa"], latitude=57.0, longitude=25.0 + index / 100
        )
        ContactFigureFactory(centre=centre, date=date(2024, 5, 6), hour=12, count=3)
        GrantFactory(period=net["period"], centre=centre, kind=GrantKind.SALARY, amount=100 + index)
    network.recompute()


@pytest.mark.parametrize(
    "name",
    ["vpvkac:map", "vpvkac:centre-list", "vpvkac:costs", "vpvkac:review", "vpvkac:grant-list", "vpvkac:parameters"],
)
def test_list_pages_cost_the_same_number_of_queries_whatever_the_rows(client, net, name, django_assert_max_num_queries):
    client = signed_in(client, net["coordinator"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(name)).status_code == 200
    baseline = len(few)  # read now: every request empties the connection's query log
    more_centres(net, 12)
    with django_assert_max_num_queries(baseline):
        assert client.get(url(name)).status_code == 200


# --- the replayed 2017–2018 data set --------------------------------------------------------------------------------


@pytest.fixture(scope="class")
def loaded_history(django_db_setup, django_db_blocker):
    """The registry and the 2017–2018 data, loaded and computed once for the class; each test runs in a
    transaction that is rolled back, and the tables are emptied afterwards."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            load_reference_data()
            load_vpvkac_history()
            network.recompute()
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.usefixtures("loaded_history")
class TestHistoricalPeriod:
    PERIOD = "2017-01-2018-09"

    @pytest.fixture
    def coordinator_client(self, client, db):
        return signed_in(client, UserFactory(username="koordinators-h", role=Role.COORDINATOR))

    def test_costs_page_shows_table_5_for_a_named_municipality(self, coordinator_client):
        html = coordinator_client.get(url("vpvkac:costs"), {"period": self.PERIOD}).content.decode()
        # Ērgļu novads: printed EUR 73.93 in Table 5 and recomputed as 5,175.10 / 70 = 73.93 (> 2A = 24).
        row = row_text(html, "Ērgļi Municipality")
        assert row.count("73.93") == 2 and "5,175.10" in row and "Above 2A" in row
        # Salaspils: 27,554.94 / 10,359 = 2.66.
        assert row_text(html, "Salaspils Municipality").count("2.66") == 2

    def test_costs_page_shows_the_band_counts_of_section_4_7(self, coordinator_client):
        html = coordinator_client.get(url("vpvkac:costs"), {"period": self.PERIOD}).content.decode()
        # A = EUR 12.00: 34 municipalities ≤ A, 21 in (A, 2A], 17 above 2A, of the 72 local-tier ones.
        counts = re.findall(r'class="stat band-count"><span class="stat__value">(\d+)</span>', html)
        assert counts == ["34", "21", "17"]

    def test_median_as_a_redraws_the_bands(self, coordinator_client):
        html = coordinator_client.get(
            url("vpvkac:costs"), {"period": self.PERIOD, "average": "median"}
        ).content.decode()
        # A = 12.825: Jelgavas (12.68) and Jaunpiebalgas (12.51) move to ≤ A; Mālpils (25.62) and Aknīstes (24.74)
        # are no longer above 2A = 25.65.
        counts = re.findall(r'class="stat band-count"><span class="stat__value">(\d+)</span>', html)
        assert counts == ["36", "21", "15"]

    def test_costs_export_holds_every_published_figure(self, coordinator_client):
        rows = xlsx_rows(coordinator_client.get(url("vpvkac:costs"), {"period": self.PERIOD, "_export": "xlsx"}))
        published = dict(zip(column(rows, "Municipality"), column(rows, "Published cost per service (EUR)")))
        assert len([value for value in published.values() if value is not None]) == 77
        assert published["Ērgļi Municipality"] == pytest.approx(73.93)


# --- the operators' pages -------------------------------------------------------------------------------------------


def day_post(day, rows, initial=0):
    """The one-day form's POST data: the day, the management form and `rows` (dicts of the row fields)."""
    data = {
        "date": day,
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(initial),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        defaults = {"hour": "", "institution": "", "service": "", "contact_type": "service", "staff_type": "municipal"}
        for name, value in {**defaults, "client_type": "", "count": "", **row}.items():
            data[f"rows-{index}-{name}"] = value
    return data


def test_operator_enters_a_days_figures_and_sees_them_on_the_centre_page(client, net):
    client = signed_in(client, net["operator_x"])
    page = url("vpvkac:day-entry", code="x-centrs")
    assert client.get(page, {"date": "2024-04-02"}).status_code == 200
    rows = [
        {"hour": "9", "count": "12", "client_type": "natural"},
        {"hour": "9", "contact_type": "consultation", "count": "3", "client_type": "legal"},
        {"hour": "10", "contact_type": "assisted_eservice", "count": "5"},
        {},  # an empty row is left out
    ]
    response = client.post(page, day_post("2024-04-02", rows))
    assert response.status_code == 302
    assert response["Location"].endswith("?month=2024-04#day-figures")
    figures = net["x"].contact_figures.filter(date=date(2024, 4, 2))
    assert sorted(figures.values_list("hour", "contact_type", "count")) == [
        (9, "consultation", 3),
        (9, "service", 12),
        (10, "assisted_eservice", 5),
    ]
    html = client.get(response["Location"]).content.decode()
    # 2 April 2024: services 12, assisted e-services 5, consultations 3, calls 0, e-mails 0; 20 contacts.
    assert row_text(section_html(html, "day-figures"), "04/02/2024").split()[1:] == ["12", "5", "3", "0", "0", "20"]


def test_saving_a_day_again_replaces_its_rows(client, net):
    client = signed_in(client, net["operator_x"])
    page = url("vpvkac:day-entry", code="x-centrs")
    client.post(page, day_post("2024-04-02", [{"hour": "9", "count": "12"}, {"hour": "10", "count": "4"}]))
    html = client.get(page, {"date": "2024-04-02"}).content.decode()
    assert 'name="rows-INITIAL_FORMS" value="2"' in html and 'value="12"' in html
    # The second row is deleted, the first changed: the day is exactly the rows kept.
    data = day_post(
        "2024-04-02", [{"hour": "9", "count": "15"}, {"hour": "10", "count": "4", "DELETE": "on"}], initial=2
    )
    assert client.post(page, data).status_code == 302
    assert list(net["x"].contact_figures.filter(date=date(2024, 4, 2)).values_list("hour", "count")) == [(9, 15)]


def test_day_form_errors_name_the_row_and_the_field_and_nothing_is_saved(client, net):
    client = signed_in(client, net["operator_x"])
    page = url("vpvkac:day-entry", code="x-centrs")
    negative = client.post(page, day_post("2024-04-02", [{"hour": "9", "count": "2"}, {"hour": "9", "count": "-1"}]))
    assert negative.status_code == 400
    assert "Row 2, Count" in section_text(negative.content.decode(), "error-summary")
    duplicate = client.post(
        page, day_post("2024-04-02", [{"hour": "9", "count": "2"}, {}, {"hour": "9", "count": "3"}])
    )
    assert duplicate.status_code == 400
    # save_day numbers the two rows it was given; the page says the third row, where the repeat stands.
    assert "row 3, date, hour, centre" in section_text(duplicate.content.decode(), "error-summary")
    assert "as row 1" in section_text(duplicate.content.decode(), "error-summary")
    future = client.post(page, day_post("2999-01-01", [{"hour": "9", "count": "2"}]))
    assert future.status_code == 400
    assert not net["x"].contact_figures.filter(date__gte=date(2024, 4, 1)).exists()


def section_text(html, css_class):
    match = re.search(rf'class="[^"]*{css_class}[^"]*".*?</div>', html, flags=re.S)
    assert match, css_class
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def test_no_one_writes_another_centres_day(client, net):
    client = signed_in(client, net["operator_x"])
    other = url("vpvkac:day-entry", code="y-centrs")
    assert client.get(other).status_code == 404
    assert client.post(other, day_post("2024-04-02", [{"hour": "9", "count": "1"}])).status_code == 404
    # A member of Alfas novads's own administration reads its centres but records no figures.
    town_hall = InstitutionFactory(short_name="ALFA-P", institution_type="municipality", municipality=net["alfa"])
    staff = UserFactory(username="pasvaldiba", role=Role.VIEWER, member_of=[town_hall])
    client = signed_in(client, staff)
    assert client.get(url("vpvkac:centre-detail", code="x-centrs")).status_code == 200
    assert client.get(url("vpvkac:day-entry", code="x-centrs")).status_code == 403
    assert client.post(url("vpvkac:day-entry", code="x-centrs"), day_post("2024-04-02", [])).status_code == 403
    assert not net["y"].contact_figures.filter(date=date(2024, 4, 2)).exists()


def test_contact_export_is_the_import_layout_and_stays_in_scope(client, net):
    client = signed_in(client, net["operator_x"])
    rows = csv_rows(client.get(url("vpvkac:contact-export", code="x-centrs"), {"month": "2024-03"}))
    assert rows[0][:4] == ["date", "date_to", "hour", "centre"]
    assert sorted(int(row[-1]) for row in rows[1:]) == [10, 20, 30]
    as_xlsx = xlsx_rows(
        client.get(url("vpvkac:contact-export", code="x-centrs"), {"month": "2024-03", "format": "xlsx"})
    )
    assert len(as_xlsx) == len(rows)
    assert client.get(url("vpvkac:contact-export", code="y-centrs"), {"month": "2024-03"}).status_code == 404


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, content, on_commit, name="rinda.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with on_commit(execute=True):
        return client.post(url("vpvkac:import-upload"), {"file": SimpleUploadedFile(name, content)})


def test_operator_imports_a_file_and_follows_it_to_done(client, net, media, django_capture_on_commit_callbacks):
    from vpvkac.models import ContactImport

    client = signed_in(client, net["operator_x"])
    assert client.get(url("vpvkac:import-upload")).status_code == 200
    content = (
        "date,hour,centre,contact_type,staff_type,client_type,count\n"
        "2024-04-03,9,x-centrs,service,municipal,natural,7\n"
        "2024-04-03,10,x-centrs,consultation,municipal,legal,2\n"
    ).encode()
    response = upload(client, content, django_capture_on_commit_callbacks)
    contact_import = ContactImport.objects.get()
    assert response.status_code == 302 and response["Location"] == url("vpvkac:import-detail", pk=contact_import.pk)
    assert (contact_import.status, contact_import.created_count) == ("done", 2)
    html = client.get(response["Location"]).content.decode()
    assert "Done" in html and 'data-finished="true"' in html
    status = client.get(url("vpvkac:import-status", pk=contact_import.pk)).json()
    assert (status["finished"], status["created"], status["percent"]) == (True, 2, 100)
    assert "rinda.csv" in client.get(url("vpvkac:import-list")).content.decode()


def test_a_file_with_anothers_centre_is_rejected_with_its_row_errors(
    client, net, media, django_capture_on_commit_callbacks
):
    from vpvkac.models import ContactImport

    client = signed_in(client, net["operator_x"])
    content = (
        "date,hour,centre,contact_type,staff_type,client_type,count\n"
        "2024-04-03,9,x-centrs,service,municipal,natural,7\n"
        "2024-04-03,9,y-centrs,service,municipal,natural,7\n"
        "2024-04-03,25,x-centrs,service,municipal,natural,7\n"
    ).encode()
    upload(client, content, django_capture_on_commit_callbacks)
    contact_import = ContactImport.objects.get()
    assert (contact_import.status, contact_import.error_count) == ("rejected", 2)
    html = client.get(url("vpvkac:import-detail", pk=contact_import.pk)).content.decode()
    assert "y-centrs" in row_text(html, "you may not record figures")
    assert "25" in row_text(html, "is not an hour")
    assert client.get(url("vpvkac:import-errors", pk=contact_import.pk)).status_code == 200
    assert not net["x"].contact_figures.filter(date=date(2024, 4, 3)).exists()
    # Another operator does not see the import.
    other = signed_in(client, net["operator_y"])
    assert other.get(url("vpvkac:import-detail", pk=contact_import.pk)).status_code == 404
    assert other.get(url("vpvkac:import-status", pk=contact_import.pk)).status_code == 404


def test_only_those_who_record_figures_may_upload(client, net, media):
    client = signed_in(client, UserFactory(username="lasitajs", role=Role.VIEWER))
    assert client.get(url("vpvkac:import-upload")).status_code == 403
    assert client.get(url("vpvkac:import-list")).status_code == 200


# --- the grant simulator -----------------------------------------------------------------------------------------


SIMULATION = {
    "period": "2024",
    "budget": "1000",
    "weight_services": "1",
    "weight_consultations": "0",
    "weight_kpi": "0",
}


def test_grant_simulator_allocates_by_services_beside_todays_grants(client, net):
    client = signed_in(client, net["coordinator"])
    rows = csv_rows(client.get(url("vpvkac:grant-simulator"), {**SIMULATION, "_export": "csv"}))
    simulated = dict(zip(column(rows, "Centre code"), column(rows, "Simulated grant (EUR)")))
    current = dict(zip(column(rows, "Centre code"), column(rows, "Current grant (EUR)")))
    # Services X 50, Z 50, Y 40 of 140: 100,000 cents × 50/140 = 35,714.29 (X, Z), × 40/140 = 28,571.43 (Y);
    # 99,999 whole cents, the one left over goes to the largest fraction, Y's .43: 357.14, 357.14, 285.72.
    assert simulated == {"x-centrs": "357.14", "z-centrs": "357.14", "y-centrs": "285.72"}
    # Today Alfas novads's 1,000 is shared equally by X and Z; Y's municipality gets 2,000.
    assert current == {"x-centrs": "500.00", "z-centrs": "500.00", "y-centrs": "2000.00"}
    html = client.get(url("vpvkac:grant-simulator"), SIMULATION).content.decode()
    assert "figure" in html and "chart" in html


def test_grant_simulator_shows_an_operator_only_their_centre(client, net):
    client = signed_in(client, net["operator_x"])
    rows = csv_rows(client.get(url("vpvkac:grant-simulator"), {**SIMULATION, "_export": "csv"}))
    assert column(rows, "Centre code") == ["x-centrs"]


def test_grant_simulator_refuses_weights_that_are_all_zero(client, net):
    client = signed_in(client, net["coordinator"])
    response = client.get(url("vpvkac:grant-simulator"), {**SIMULATION, "weight_services": "0"})
    assert response.status_code == 400
