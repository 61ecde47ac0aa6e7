"""The institution and municipality profiles (reports/dashboards.py, reports/views.py): each panel holds what its
module stored for the world of test_dashboards.py (numbers worked out in its docstring), exports to CSV, stays
inside the reader's scope — an editor of one institution gets 404 for another's profile and its PDF — reads with
a fixed number of queries, and downloads as a PDF with the organisation's name.
"""

import base64
import re
import zlib
from decimal import Decimal

import pytest

from tests.factories import InstitutionFactory, UserFactory
from tests.reports.test_dashboards import build_world, count_queries, csv_rows, csv_table, url
from tests.services.factories import ChannelFactory, ServiceCostFactory, ServiceFactory, ServiceFigureFactory
from tests.vpvkac.factories import CentreFactory, ContactFigureFactory
from tests.workplans.factories import ImprovementItemFactory, ObligationFactory
from accounts.models import Role
from services import costing
from vpvkac import network


@pytest.fixture
def world(db):
    return build_world()


def pdf_text(content):
    """The text operands of a PDF's content streams (reportlab writes them ASCII85- and Flate-encoded), where
    names in ASCII appear as they are."""
    pattern = rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream"
    streams = [
        zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        for stream in re.findall(pattern, content, re.S)
    ]
    assert streams, "no content stream found"
    return b"\n".join(streams).decode("latin-1")


def alfa_url(world, name="institution-profile"):
    return url(name, world.institutions["alfa"].pk)


def gamma_url(world, name="municipality-profile"):
    return url(name, world.municipalities["gamma"].pk)


# --- an institution -----------------------------------------------------------------------------------------------


def test_an_institution_profile_has_every_panel_and_the_facts(world):
    response = world.client("coordinator").get(alfa_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Alpha Agency</h1>" in html
    for key in ("catalogue", "services", "costs", "eindex", "obligations", "overdue", "improvement", "centres"):
        assert f'id="panel-{key}"' in html, key
    assert "Ministry One" in html  # the ministry sector, a fact
    assert url("institution-profile-pdf", world.institutions["alfa"].pk) in html


def test_the_services_and_their_figures_of_the_latest_year(world):
    client = world.client("coordinator")
    services = csv_table(client.get(alfa_url(world), {"_export_services": "csv"}), "Catalogue identifier")
    # ALFA-1 in 2024: 1 400 / 400 = 3.50, take-up 300 / 400 = 0.75.
    assert Decimal(services["ALFA-1"]["Cost per transaction (EUR)"]) == Decimal("3.5")
    assert Decimal(services["ALFA-1"]["Digital take-up"]) == Decimal("0.75")
    years = csv_table(client.get(alfa_url(world), {"_export_costs": "csv"}), "Year")
    assert Decimal(years["2023"]["Cost per transaction (EUR)"]) == Decimal("3")
    assert Decimal(years["2024"]["Cost per transaction (EUR)"]) == Decimal("3.5")
    catalogue = csv_table(client.get(alfa_url(world), {"_export_catalogue": "csv"}), "Catalogue identifier")
    assert list(catalogue) == ["ALFA-1"] and catalogue["ALFA-1"]["The institution is"] == "holder"


def test_the_eindex_results_by_round_with_change_trend_and_rank(world):
    rows = csv_table(world.client("coordinator").get(alfa_url(world), {"_export_eindex": "csv"}), "Year")
    # 2020: 50 (level 3); 2021: 100 (level 5), +50 against 2020, ↑, first of Ministry One's sector (100 > 50).
    assert (rows["2020"]["Overall score"], rows["2020"]["Level"]) == ("50.0", "3")
    assert (rows["2021"]["Overall score"], rows["2021"]["Level"], rows["2021"]["Trend"]) == ("100.0", "5", "↑")
    assert rows["2021"]["Change (points)"] == "50.0"
    assert rows["2021"]["Rank in the peer group"] == "1"


def test_the_obligations_the_overdue_ones_and_the_latest_improvement_plan(world):
    client = world.client("coordinator")
    plans = csv_table(client.get(alfa_url(world), {"_export_obligations": "csv"}), "Plan")
    # ALFA's one obligation under PLAN-A (M4) is not started and overdue: 0 of 1 executed.
    assert list(plans) == ["PLAN-A Plan A"]
    row = plans["PLAN-A Plan A"]
    assert (row["Obligations"], row["Not started"], row["Overdue obligations"]) == ("1", "1", "1")
    assert Decimal(row["Execution share"]) == Decimal("0")
    overdue = csv_rows(client.get(alfa_url(world), {"_export_overdue": "csv"}))
    assert len(overdue) == 2 and "M4" in overdue[1]
    items = csv_table(client.get(alfa_url(world), {"_export_improvement": "csv"}), "Action")
    # Only the latest version (2): its one item, own budget 500.
    assert list(items) == ["Jaunā darbība"]
    assert items["Jaunā darbība"]["Version"] == "2" and Decimal(items["Jaunā darbība"]["Amount (EUR)"]) == 500


def test_the_desks_link_a_centre_only_for_a_reader_who_may_open_it(world):
    centre_url = "/en/vpvkac/centres/x-centrs/"
    assert centre_url in world.client("coordinator").get(alfa_url(world)).content.decode()
    html = world.client("alfa").get(alfa_url(world)).content.decode()
    assert "Centre X" in html and centre_url not in html


def test_a_municipality_institution_profile_shows_the_centres_of_its_municipality(world):
    response = world.client("coordinator").get(url("institution-profile", world.institutions["gamma"].pk))
    rows = csv_table(
        world.client("coordinator").get(
            url("institution-profile", world.institutions["gamma"].pk), {"_export_centres": "csv"}
        ),
        "Centre",
    )
    assert response.status_code == 200
    assert set(rows) == {"Centre X", "Centre Z"}


# --- a municipality ------------------------------------------------------------------------------------------------


def test_a_municipality_profile_holds_its_centres_costs_and_its_own_results(world):
    client = world.client("gamma")
    response = client.get(gamma_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Gamma County</h1>" in html
    for key in ("institutions", "costs", "vpvkac", "centres", "eindex", "obligations", "improvement"):
        assert f'id="panel-{key}"' in html, key
    network_rows = csv_rows(client.get(gamma_url(world), {"_export_vpvkac": "csv"}))
    header, period = network_rows[0], dict(zip(network_rows[0], network_rows[1], strict=True))
    assert len(network_rows) == 2 and "Period" in header
    # 30 + 20 services, 10 consultations; (600 + 400) / 50 = 20.00, band A < x ≤ 2A against A = 12.
    assert (period["Services"], period["Consultations"]) == ("50", "10")
    assert Decimal(period["Maintenance and salary grants (EUR)"]) == Decimal("1000")
    assert Decimal(period["Cost per service (EUR)"]) == Decimal("20")
    assert period["Cost band"] == "A < x ≤ 2A"
    centres = csv_table(client.get(gamma_url(world), {"_export_centres": "csv"}), "Centre")
    assert (centres["Centre X"]["Services"], centres["Centre Z"]["Services"]) == ("30", "20")
    assert Decimal(centres["Centre X"]["Cost per service (EUR)"]) == Decimal("20")
    costs = csv_table(client.get(gamma_url(world), {"_export_costs": "csv"}), "Year")
    # GAMMA-1: 800 / 200 = 4.00, take-up 50 / 200 = 0.25.
    assert Decimal(costs["2024"]["Cost per transaction (EUR)"]) == Decimal("4")
    assert Decimal(costs["2024"]["Digital take-up"]) == Decimal("0.25")
    eindex = csv_table(client.get(gamma_url(world), {"_export_eindex": "csv"}), "Year")
    assert eindex["2021"]["Overall score"] == "50.0"


# --- who sees what ------------------------------------------------------------------------------------------------


def test_an_editor_gets_404_for_another_institutions_profile_and_its_pdf(world):
    client = world.client("alfa")
    beta = world.institutions["beta"].pk
    assert client.get(url("institution-profile", beta)).status_code == 404
    assert client.get(url("institution-profile-pdf", beta)).status_code == 404
    assert client.get(url("institution-profile", beta), {"_export_services": "csv"}).status_code == 404
    assert client.get(alfa_url(world)).status_code == 200
    assert world.client("alfa_viewer").get(alfa_url(world)).status_code == 200


def test_a_municipality_profile_is_for_its_own_members_and_the_coordinator(world):
    assert world.client("gamma").get(gamma_url(world)).status_code == 200
    assert world.client("coordinator").get(gamma_url(world)).status_code == 200
    assert world.client("alfa").get(gamma_url(world)).status_code == 404
    assert world.client("alfa").get(gamma_url(world, "municipality-profile-pdf")).status_code == 404
    delta = world.municipalities["delta"].pk
    assert world.client("gamma").get(url("municipality-profile", delta)).status_code == 404


def test_an_editor_sees_no_other_institutions_rows_in_their_profile(world):
    html = world.client("alfa").get(alfa_url(world)).content.decode()
    for other in ("Beta Service", "BETA-1", "Gamma Municipality", "Delta Municipality"):
        assert other not in html, other
    # The ministry is not the editor's: its name is a fact, not a link to a profile they may not open.
    assert url("institution-profile", world.institutions["min"].pk) not in html


def test_an_outsider_without_memberships_is_refused_every_profile(world):
    client = world.client("alfa")
    client.force_login(UserFactory(role=Role.EDITOR, password=None))
    assert client.get(alfa_url(world)).status_code == 404
    assert client.get(gamma_url(world)).status_code == 404


# --- PDF ----------------------------------------------------------------------------------------------------------


def test_the_institution_profile_downloads_as_a_pdf_with_its_name(world):
    response = world.client("coordinator").get(alfa_url(world, "institution-profile-pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "profile-alfa" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Alpha Agency" in text and "ALFA-1" in text and "PLAN-A" in text


def test_the_municipality_profile_downloads_as_a_pdf_with_its_name(world):
    response = world.client("gamma").get(gamma_url(world, "municipality-profile-pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Gamma County" in text and "Centre X" in text


# --- queries --------------------------------------------------------------------------------------------------------


def test_the_profiles_read_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = world.client("coordinator")
    with django_assert_max_num_queries(30):
        client.get(alfa_url(world))
    with django_assert_max_num_queries(30):
        client.get(gamma_url(world))
    institution, municipality = count_queries(client, alfa_url(world)), count_queries(client, gamma_url(world))

    alfa, gamma = world.institutions["alfa"], world.institutions["gamma"]
    for index in range(3):
        service = ServiceFactory(catalogue_id=f"ALFA-{index + 2}", holder=alfa)
        ServiceFigureFactory(service=service, channel=ChannelFactory(code="portal"), started=None, completed=10)
        ServiceCostFactory(service=service, amount=Decimal("50"))
        ObligationFactory(institution=alfa)
        ImprovementItemFactory(improvement_plan=alfa.improvement_plans.get(version=2))
        CentreFactory(municipality=world.municipalities["gamma"])
        gamma_service = ServiceFactory(catalogue_id=f"GAMMA-{index + 2}", holder=gamma)
        ServiceFigureFactory(service=gamma_service, channel=ChannelFactory(code="portal"), completed=5)
        InstitutionFactory(municipality=world.municipalities["gamma"])
    ContactFigureFactory(centre=world.centres["z"], hour=11, count=5)
    costing.recompute()
    network.recompute()
    assert count_queries(client, alfa_url(world)) == institution
    assert count_queries(client, gamma_url(world)) == municipality
