"""The cost figure pages (services/costing_views.py): each renders for the coordinator and for an editor, shows
the figures services.costing.recompute() stored for a small hand-made data set, stays inside the reader's scope
(pages and exports alike), exports CSV and XLSX, saves parameter versions and runs recomputations.

The data set, 2024 unless said otherwise (T completed, D channel-attributed cost, H shared cost; EUR):

    service ALFA-1 of institution A (template "tpl"):
        portal  T 300 (started 400), no D, 10 responses of mean 4 on 1–5, 6 client minutes
        phone   T 100, D 1 000, 30 responses of mean 8.2 on 1–10, 12 client minutes
        shared  H 400 → portal 400 × 300/400 = 300, phone 400 × 100/400 = 100
        portal cost 300, CPT 1.00; phone cost 1 100, CPT 11.00; all channels 1 400 / 400 = 3.50
        digital take-up 300/400 = 75 %; completion 300/400 = 75 % (only the portal reports started)
        satisfaction: portal (4−1)/(5−1)×100 = 75, phone (8.2−1)/(10−1)×100 = 80, together (10×75 + 30×80)/40 = 78.75
        admin burden (tariff 10 EUR/h): (300×6 + 100×12)/60 × 10 = 500
      2023: portal T 200, phone T 100, H 900 → every CPT 3.00; so 2024 against 2023: all channels +16.7 %
    service ALFA-2 of A, no template: only H 250, no transactions → unallocated 250, no cost per transaction
    service BETA-1 of institution B (template "tpl"): portal T 100, D 1 000 → CPT 10; phone T 50, D 1 000 → CPT 20;
        all channels 2 000 / 150 = 13.33
    service GAMMA-1 of institution C (template "tpl"): portal T 200, D 800 → CPT 4; phone T 100, D 1 500 → CPT 15;
        in person T 20, no cost → no CPT; all channels 2 300 / 320 = 7.1875

Peers (template "tpl", 2024, k = 2): portal CPTs 1, 4, 10 → median 4: A 0.25 (low outlier), B 2.5 (high outlier),
C 1; all channels 3.5, 7.1875, 13.33 → median 7.1875: A 0.487 (low outlier), B 1.855, C 1.

Roll-ups 2024, coordinator: cost 1 400 + 0 + 2 000 + 2 300 = 5 700, transactions with a known cost
400 + 0 + 150 + 320 = 870 → CPT 6.55; editor of A: 1 400 / 400 = 3.50.
"""

import csv
import re
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from institutions.models import InstitutionType
from services import costing
from services.models import (
    CostFigure,
    CostParameters,
    CostRecomputation,
    RecomputationKind,
    RecomputationStatus,
)
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory
from tests.services.factories import (
    ChannelFactory,
    LifeSituationFactory,
    ServiceCostFactory,
    ServiceFactory,
    ServiceFigureFactory,
    ServiceTemplateFactory,
)

pytestmark = pytest.mark.django_db


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def column(rows, heading):
    """The values of the column headed `heading` (rows[0] is the header)."""
    index = rows[0].index(heading)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def world():
    ministry = InstitutionFactory(
        short_name="MIN", name_lv="Ministrija", name_en="The Ministry", institution_type=InstitutionType.MINISTRY
    )
    a = InstitutionFactory(short_name="ALFA", name_lv="Alfa aģentūra", name_en="Alpha Agency", parent=ministry)
    b = InstitutionFactory(short_name="BETA", name_lv="Beta dienests", name_en="Beta Service")
    municipality = MunicipalityFactory(name_lv="Gammas novads", name_en="Gamma County")
    c = InstitutionFactory(
        short_name="GAMMA", name_lv="Gammas pārvalde", name_en="Gamma Office", municipality=municipality
    )
    portal, phone = ChannelFactory(code="portal"), ChannelFactory(code="phone")
    in_person = ChannelFactory(code="institution_in_person")
    template = ServiceTemplateFactory(code="tpl", name_lv="Vienotais", name_en="Unified")
    situation = LifeSituationFactory(code="birth", name_lv="Bērna piedzimšana", name_en="Birth of a child")
    sa = ServiceFactory(
        catalogue_id="ALFA-1",
        name_lv="Alfas pakalpojums",
        name_en="Alpha service",
        holder=a,
        template=template,
        life_situations=[situation],
    )
    sa2 = ServiceFactory(catalogue_id="ALFA-2", name_lv="Alfas otrais", name_en="Alpha second", holder=a)
    sb = ServiceFactory(
        catalogue_id="BETA-1",
        name_lv="Betas pakalpojums",
        name_en="Beta service",
        holder=b,
        template=template,
        life_situations=[situation],
    )
    sc = ServiceFactory(
        catalogue_id="GAMMA-1", name_lv="Gammas pakalpojums", name_en="Gamma service", holder=c, template=template
    )

    ServiceFigureFactory(
        service=sa,
        channel=portal,
        started=400,
        completed=300,
        satisfaction_responses=10,
        satisfaction_mean=Decimal("4"),
        rating_scale_min=1,
        rating_scale_max=5,
        client_minutes=Decimal("6"),
    )
    ServiceFigureFactory(
        service=sa,
        channel=phone,
        started=None,
        completed=100,
        satisfaction_responses=30,
        satisfaction_mean=Decimal("8.2"),
        rating_scale_min=1,
        rating_scale_max=10,
        client_minutes=Decimal("12"),
    )
    ServiceCostFactory(service=sa, channel=phone, amount=Decimal("1000"))
    ServiceCostFactory(service=sa, amount=Decimal("400"))
    ServiceFigureFactory(service=sa, year=2023, channel=portal, started=None, completed=200)
    ServiceFigureFactory(service=sa, year=2023, channel=phone, started=None, completed=100)
    ServiceCostFactory(service=sa, year=2023, amount=Decimal("900"))
    ServiceCostFactory(service=sa2, amount=Decimal("250"))

    ServiceFigureFactory(service=sb, channel=portal, started=None, completed=100)
    ServiceFigureFactory(service=sb, channel=phone, started=None, completed=50)
    ServiceCostFactory(service=sb, channel=portal, amount=Decimal("1000"))
    ServiceCostFactory(service=sb, channel=phone, amount=Decimal("1000"))

    ServiceFigureFactory(service=sc, channel=portal, started=None, completed=200)
    ServiceFigureFactory(service=sc, channel=phone, started=None, completed=100)
    ServiceFigureFactory(service=sc, channel=in_person, started=None, completed=20)
    ServiceCostFactory(service=sc, channel=portal, amount=Decimal("800"))
    ServiceCostFactory(service=sc, channel=phone, amount=Decimal("1500"))

    costing.recompute()
    return {
        "a": a,
        "b": b,
        "c": c,
        "ministry": ministry,
        "municipality": municipality,
        "situation": situation,
        "sa": sa,
        "sa2": sa2,
        "sb": sb,
        "sc": sc,
        "portal": portal,
        "phone": phone,
        "in_person": in_person,
    }


# The tests log in with force_login: no password, so no slow password hashing.
@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR, password=None)


@pytest.fixture
def editor_of_a(world):
    return UserFactory(role=Role.EDITOR, member_of=[world["a"]], password=None)


@pytest.fixture
def as_coordinator(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def as_editor(client, editor_of_a):
    client.force_login(editor_of_a)
    return client


def test_the_data_set_is_what_the_docstring_works_out(world):
    """The pages below assert what is stored; this pins the stored figures to the hand-worked ones."""
    sa_total = CostFigure.objects.get(service=world["sa"], year=2024, channel=None)
    assert sa_total.cost == Decimal("1400") and sa_total.cost_per_transaction == Decimal("3.5")
    assert sa_total.is_outlier and sa_total.peer_median.quantize(Decimal("0.0001")) == Decimal("7.1875")
    assert CostFigure.objects.get(service=world["sb"], year=2024, channel=world["portal"]).peer_ratio == Decimal("2.5")
    assert CostFigure.objects.get(service=world["sa2"], year=2024, channel=None).unallocated_shared_cost == 250


PAGES = [
    ("services:cost-overview", {}),
    ("services:cost-service", {"catalogue_id": "ALFA-1"}),
    ("services:cost-provider", {"pk": "a"}),
    ("services:cost-outliers", {}),
    ("services:cost-channel-shift", {}),
    ("services:cost-parameters", {}),
]


def page_url(world, name, kwargs):
    kwargs = {key: world[value].pk if key == "pk" else value for key, value in kwargs.items()}
    with translation.override("lv"):
        return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("name,kwargs", PAGES)
@pytest.mark.parametrize("reader", ["coordinator", "editor"])
def test_each_page_renders_for_the_coordinator_and_an_editor(
    world, client, coordinator, editor_of_a, reader, name, kwargs
):
    client.force_login(coordinator if reader == "coordinator" else editor_of_a)
    response = client.get(page_url(world, name, kwargs))
    assert response.status_code == 200
    english = client.get("/en" + page_url(world, name, kwargs))
    assert 'aria-current="page">Costs</a>' in english.content.decode()


def en(name, **kwargs):
    """The English page's address (the Latvian one prefixed), whichever language the last request left active."""
    with translation.override("lv"):
        return "/en" + reverse(name, kwargs=kwargs or None)


# --- the service cost card ------------------------------------------------------------------------------------------


def test_service_card_shows_the_stored_figures_by_channel_and_year(world, as_coordinator):
    response = as_coordinator.get(en("services:cost-service", catalogue_id="ALFA-1"))
    page = response.content.decode()
    assert "Alpha Agency" in page
    rows = response.context["table"].rows
    total_2024 = rows[0]
    # 2024, all channels: 1 400 / 400 = 3.50; +16.7 % on 2023's 3.00; peer median 7.19, ratio 0.49: a low outlier.
    assert [total_2024.get_cell(name) for name in ("year", "cost", "transactions", "cost_per_transaction")] == [
        2024,
        "1,400.00",
        "400",
        "3.50",
    ]
    assert total_2024.get_cell("digital_takeup") == "75.0 %"
    assert total_2024.get_cell("completion_rate") == "75.0 %"
    assert total_2024.get_cell("satisfaction_score") == "78.8"
    assert total_2024.get_cell("admin_burden") == "500.00"
    assert total_2024.get_cell("cost_per_transaction_change") == "+16.7 %"
    assert total_2024.get_cell("peer_median") == "7.19"
    assert total_2024.get_cell("peer_ratio") == "0.49"
    assert "outlier" in total_2024.get_cell("is_outlier") and "low" in total_2024.get_cell("is_outlier")
    # The portal: 300 / 300 = 1.00, a quarter of the peers' median 4.00; 2023's 3.00 → −66.7 %.
    portal_2024 = rows[1]
    assert [portal_2024.get_cell(name) for name in ("cost_per_transaction", "peer_median", "peer_ratio")] == [
        "1.00",
        "4.00",
        "0.25",
    ]
    assert portal_2024.get_cell("cost_per_transaction_change") == "−66.7 %"
    assert "Computed with parameter version 1" in page
    assert "Cost per transaction by channel, ALFA" in page
    assert "Cost per transaction against the peer median, 2024" in page


def test_an_editor_sees_no_peer_median_of_a_small_group_on_the_card_or_its_export(world, as_editor):
    """The same card for an editor of Alpha: the group has fewer than five peers, whose median would give their
    costs away; the outlier mark stays."""
    response = as_editor.get(en("services:cost-service", catalogue_id="ALFA-1"))
    total_2024 = response.context["table"].rows[0]
    assert "fewer than five peers" in total_2024.get_cell("peer_median")
    assert "fewer than five peers" in total_2024.get_cell("peer_ratio")
    assert "7.19" not in response.content.decode()
    export = as_editor.get(en("services:cost-service", catalogue_id="ALFA-1") + "?_export=csv")
    assert "7.1875" not in export.content.decode() and "7.19" not in export.content.decode()


def test_service_card_shows_no_value_and_the_reason_never_zero(world, as_coordinator):
    """2023 has one provider only: no peer median; the phone reports no applications started."""
    response = as_coordinator.get(en("services:cost-service", catalogue_id="ALFA-1") + "?year=2023")
    total_2023 = [row for row in response.context["table"].rows if row.record.year == 2023][0]
    assert "fewer than two peers with a value" in total_2023.get_cell("peer_median")
    assert "no value in the previous year" in total_2023.get_cell("cost_per_transaction_change")
    assert "no satisfaction ratings" in total_2023.get_cell("satisfaction_score")
    assert "—" in total_2023.get_cell("peer_ratio")
    phone_2024 = [
        row
        for row in response.context["table"].rows
        if row.record.year == 2024 and row.record.channel_id == world["phone"].pk
    ][0]
    assert "applications started not reported" in phone_2024.get_cell("completion_rate")
    assert "0.0 %" not in phone_2024.get_cell("completion_rate")


def test_service_card_in_latvian_has_the_decimal_comma(world, as_coordinator):
    response = as_coordinator.get(reverse("services:cost-service", kwargs={"catalogue_id": "ALFA-1"}))
    total_2024 = response.context["table"].rows[0]
    assert total_2024.get_cell("cost_per_transaction") == "3,50"
    assert total_2024.get_cell("cost").replace("\xa0", " ") == "1 400,00"
    assert total_2024.get_cell("digital_takeup") == "75,0 %"


def test_service_card_compares_the_providers_for_the_coordinator(world, as_coordinator):
    response = as_coordinator.get(en("services:cost-service", catalogue_id="BETA-1") + "?year=2024")
    assert response.context["provider"] == world["b"]
    compared = [row.record.provider.short_name for row in response.context["comparison"].rows]
    assert compared == ["BETA"]  # BETA-1 is provided by B alone; its peers are other services of the template
    portal = [row for row in response.context["table"].rows if row.record.channel_id == world["portal"].pk][0]
    assert "high" in portal.get_cell("is_outlier")


def test_service_card_exports_the_chosen_providers_rows(world, as_coordinator):
    url = en("services:cost-service", catalogue_id="ALFA-1")
    rows = csv_rows(as_coordinator.get(url + "?_export=csv"))
    assert column(rows, "Year") == ["2024", "2024", "2024", "2023", "2023", "2023"]
    assert column(rows, "Provider") == ["Alpha Agency"] * 6
    assert column(rows, "Cost per transaction (EUR)")[:3] == ["3.5000", "1.0000", "11.0000"]
    assert column(rows, "Peer median cost per transaction (EUR)")[3] == ""  # 2023: one provider, no median
    assert column(rows, "Outlier")[:3] == ["low", "low", ""]
    sheet = xlsx_rows(as_coordinator.get(url + "?_export=xlsx"))
    assert column(sheet, "Cost (EUR)")[:3] == [1400, 300, 1100]


def test_service_detail_links_to_the_cost_card(world, as_editor):
    response = as_editor.get(reverse("services:service-detail", kwargs={"catalogue_id": "ALFA-1"}))
    assert reverse("services:cost-service", kwargs={"catalogue_id": "ALFA-1"}) in response.content.decode()


# --- the institution overview ---------------------------------------------------------------------------------------


def test_institution_overview_rolls_up_its_services_and_lists_unallocated_cost(world, as_editor):
    response = as_editor.get(en("services:cost-provider", pk=world["a"].pk) + "?year=2024")
    summary = {str(label): str(shown) for label, shown, _reason in response.context["summary"]}
    # ALFA-1 1 400 / 400 and ALFA-2 (only shared cost, no transactions): 1 400 / 400 = 3.50; ALFA-2's 250 unallocated.
    assert summary["Cost (EUR)"] == "1,400.00"
    assert summary["Cost per transaction (EUR)"] == "3.50"
    assert summary["Unallocated shared cost (EUR)"] == "250.00"
    assert [row.service.catalogue_id for row in response.context["unallocated"]] == ["ALFA-2"]
    sa2 = [row for row in response.context["table"].rows if row.record.service.catalogue_id == "ALFA-2"][0]
    assert "no completed transactions" in sa2.get_cell("cost_per_transaction")
    assert "no cost reported" in sa2.get_cell("cost") and "0.00" not in sa2.get_cell("cost")
    assert "Cost by channel, 2024" in response.content.decode()


def test_institution_overview_exports_its_services_and_years(world, as_editor):
    url = en("services:cost-provider", pk=world["a"].pk) + "?year=2024"
    services = csv_rows(as_editor.get(url + "&_export=csv"))
    assert column(services, "Catalogue identifier") == ["ALFA-1", "ALFA-2"]
    assert column(services, "Why there is no cost per transaction") == ["", "no completed transactions"]
    years = xlsx_rows(as_editor.get(url + "&_export_years=xlsx"))
    assert column(years, "Year") == [2023, 2024]
    assert column(years, "Cost per transaction (EUR)") == [3, 3.5]


def test_editor_gets_404_for_another_institutions_cost_page(world, as_editor):
    for other in ("b", "c", "ministry"):
        assert as_editor.get(reverse("services:cost-provider", kwargs={"pk": world[other].pk})).status_code == 404
    assert as_editor.get(reverse("services:cost-service", kwargs={"catalogue_id": "BETA-1"})).status_code == 404


# --- the national overview --------------------------------------------------------------------------------------------


def test_national_overview_for_the_coordinator_is_the_whole_country(world, as_coordinator):
    response = as_coordinator.get(en("services:cost-overview") + "?year=2024")
    summary = {str(label): str(shown) for label, shown, _reason in response.context["summary"]}
    # 5 700 / 870 = 6.55; digital 600 / 870 = 69.0 %.
    assert summary["Cost (EUR)"] == "5,700.00"
    assert summary["Cost per transaction (EUR)"] == "6.55"
    assert summary["Digital take-up"] == "69.0 %"
    assert "not of the whole country" not in response.content.decode()


def test_national_overview_for_an_editor_is_the_rollup_of_what_they_may_see(world, as_editor):
    response = as_editor.get(en("services:cost-overview") + "?year=2024")
    summary = {str(label): str(shown) for label, shown, _reason in response.context["summary"]}
    assert summary["Cost (EUR)"] == "1,400.00"
    assert summary["Cost per transaction (EUR)"] == "3.50"
    assert "This is the roll-up of the institutions you may see, not of the whole country." in response.content.decode()


def test_national_overview_tables_by_sector_municipality_and_life_situation(world, as_coordinator):
    url = en("services:cost-overview") + "?year=2024"
    sectors = csv_rows(as_coordinator.get(url + "&_export_sector=csv"))
    assert sectors[1][:4] == ["The Ministry", "1400.00", "400", "3.5000"]  # A is the ministry's only body
    municipalities = csv_rows(as_coordinator.get(url + "&_export_municipality=csv"))
    assert municipalities[1][:4] == ["Gamma County", "2300.00", "320", "7.1875"]
    # ALFA-1 and BETA-1: (1 400 + 2 000) / (400 + 150) = 6.1818.
    situations = xlsx_rows(as_coordinator.get(url + "&_export_life_situation=xlsx"))
    assert situations[1][:4] == ["Birth of a child", 3400, 550, 6.1818]
    institutions = csv_rows(as_coordinator.get(url + "&_export_institution=csv"))
    assert column(institutions, "Institution") == ["Alpha Agency", "Beta Service", "Gamma Office"]
    years = csv_rows(as_coordinator.get(url + "&_export=csv"))
    assert column(years, "Year") == ["2023", "2024"]
    assert column(years, "Cost per transaction (EUR)") == ["3.0000", "6.5517"]


# --- outliers -----------------------------------------------------------------------------------------------------


def test_outlier_list_and_its_filters(world, as_coordinator):
    url = en("services:cost-outliers")

    def listed(query=""):
        rows = csv_rows(as_coordinator.get(url + "?_export=csv" + query))
        return sorted(zip(column(rows, "Catalogue identifier"), column(rows, "Channel"), column(rows, "Direction")))

    portal = world["portal"].name_en
    assert listed() == [("ALFA-1", "All channels", "low"), ("ALFA-1", portal, "low"), ("BETA-1", portal, "high")]
    assert listed("&direction=high") == [("BETA-1", portal, "high")]
    assert listed("&channel=total") == [("ALFA-1", "All channels", "low")]
    assert listed("&channel=portal&direction=low") == [("ALFA-1", portal, "low")]
    assert listed("&year=2023") == []  # one provider that year: no peers, no outliers
    tpl = CostFigure.objects.filter(service=world["sa"]).values_list("template_id", flat=True).first()
    assert len(listed(f"&template={tpl}")) == 3
    other = ServiceTemplateFactory(code="other")
    assert listed(f"&template={other.pk}") == []  # a template without figures is not offered: nothing matches
    sheet = xlsx_rows(as_coordinator.get(url + "?_export=xlsx&direction=high"))
    assert column(sheet, "Ratio to the peer median") == [2.5]


# --- scoping across every page and export ----------------------------------------------------------------------------


EDITOR_VISITS = [
    (
        "services:cost-overview",
        {},
        ["", "_export", "_export_sector", "_export_municipality", "_export_life_situation", "_export_institution"],
    ),
    ("services:cost-service", {"catalogue_id": "ALFA-1"}, ["", "_export", "_export_providers"]),
    ("services:cost-provider", {"pk": "a"}, ["", "_export", "_export_years"]),
    ("services:cost-outliers", {}, ["", "_export"]),
]


def test_an_editor_never_sees_another_institutions_rows_in_any_page_or_export(world, as_editor):
    for name, kwargs, triggers in EDITOR_VISITS:
        url = "/en" + page_url(world, name, kwargs) + "?year=2024"
        for trigger in triggers:
            for export_format in ("csv", "xlsx") if trigger else ("",):
                response = as_editor.get(url + (f"&{trigger}={export_format}" if trigger else ""))
                assert response.status_code == 200
                text = (
                    "\n".join(str(cell) for row in xlsx_rows(response) for cell in row)
                    if export_format == "xlsx"
                    else response.content.decode()
                )
                text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)  # random letters
                for foreign in ("Beta", "BETA", "Gamma", "GAMMA"):
                    assert foreign not in text, (name, trigger, export_format, foreign)
    shift = as_editor.get(
        en("services:cost-channel-shift"), {"institution": world["a"].pk, "year": 2024, "share": "10", "_export": "csv"}
    )
    assert {row[0] for row in csv_rows(shift)[1:]} == {"ALFA-1"}


# --- channel shift --------------------------------------------------------------------------------------------------


def test_channel_shift_of_one_service_moves_a_share_of_the_phone_to_the_portal(world, as_editor):
    response = as_editor.get(
        en("services:cost-channel-shift"),
        {"institution": world["a"].pk, "year": 2024, "service": world["sa"].pk, "share": "10"},
    )
    assert response.status_code == 200
    result = response.context["result"]
    # Phone → portal: 10 % × 100 × (11.00 − 1.00) = 100.00, 10 transactions moved.
    assert [(line["channel"], line["potential"]) for line in result["lines"]] == [
        (world["phone"].name_en, Decimal("100"))
    ]
    assert result["potential"] == Decimal("100") and result["moved"] == Decimal("10")
    assert "100.00" in response.content.decode()


def test_channel_shift_estimates_an_unknown_cost_from_the_relative_units(world, as_coordinator):
    response = as_coordinator.get(
        en("services:cost-channel-shift"), {"institution": world["c"].pk, "year": 2024, "share": "10"}
    )
    lines = {line["channel"]: line for line in response.context["result"]["lines"]}
    # In person has no cost: CPT ≈ portal's 4.00 × 50 / 1 = 200.00, then 10 % × 20 × (200 − 4) = 392.00;
    # phone: 10 % × 100 × (15 − 4) = 110.00; together 502.00.
    in_person = lines[world["in_person"].name_en]
    assert in_person["estimated"] and in_person["cost_per_transaction"] == Decimal("200")
    assert in_person["potential"] == Decimal("392")
    assert response.context["result"]["potential"] == Decimal("502")
    page = response.content.decode()
    assert "estimated" in page and "502.00" in page
    exported = csv_rows(
        as_coordinator.get(
            en("services:cost-channel-shift"),
            {"institution": world["c"].pk, "year": 2024, "share": "10", "_export": "csv"},
        )
    )
    assert column(exported, "Potential saving (EUR)") == ["110.00", "392.00"]
    assert column(exported, "Estimated from relative cost units") == ["No", "Yes"]


def test_channel_shift_to_a_digital_channel_without_a_cost_gives_no_value(world, as_editor):
    app = ChannelFactory(code="mobile_app")
    response = as_editor.get(
        en("services:cost-channel-shift"), {"institution": world["a"].pk, "year": 2024, "share": "50", "target": app.pk}
    )
    result = response.context["result"]
    assert result["potential"] is None
    assert [line["reason"] for line in result["lines"]] == [
        "no known cost per transaction in the chosen digital channel"
    ]
    assert "no known cost per transaction in the chosen digital channel" in response.content.decode()


def test_channel_shift_refuses_an_institution_outside_the_readers_scope(world, as_editor):
    response = as_editor.get(
        en("services:cost-channel-shift"), {"institution": world["b"].pk, "year": 2024, "share": "10"}
    )
    assert response.status_code == 400
    assert response.context["result"] is None
    assert "Beta" not in response.content.decode()


def test_channel_shift_refuses_a_share_above_100(world, as_editor):
    response = as_editor.get(
        en("services:cost-channel-shift"), {"institution": world["a"].pk, "year": 2024, "share": "101"}
    )
    assert response.status_code == 400 and "share" in response.context["form"].errors


# --- parameters ---------------------------------------------------------------------------------------------------


PARAMETERS = {
    "unit_digital": "1",
    "unit_phone": "25",
    "unit_post": "30",
    "unit_face_to_face": "60",
    "hourly_tariff": "12.50",
    "outlier_factor": "3",
    "note": "Tariff of 2025",
}


def test_parameter_form_saves_a_new_version_and_queues_a_full_recomputation(world, as_coordinator, coordinator):
    response = as_coordinator.post(reverse("services:cost-parameters"), PARAMETERS)
    assert response.status_code == 302
    saved = CostParameters.objects.get(version=2)
    assert (saved.hourly_tariff, saved.outlier_factor, saved.note, saved.created_by) == (
        Decimal("12.50"),
        Decimal("3"),
        "Tariff of 2025",
        coordinator,
    )
    job = CostRecomputation.objects.get(kind=RecomputationKind.FULL)
    assert job.status == RecomputationStatus.QUEUED and job.reason == "parameters v2"
    page = as_coordinator.get(en("services:cost-parameters")).content.decode()
    assert "Tariff of 2025" in page
    # The stored figures are of version 1 until the recomputation has run.
    card = as_coordinator.get(en("services:cost-service", catalogue_id="ALFA-1")).content.decode()
    assert "Parameter version 2 was saved after these figures were computed" in card


def test_parameter_form_needs_a_reason(world, as_coordinator):
    response = as_coordinator.post(reverse("services:cost-parameters"), {**PARAMETERS, "note": ""})
    assert response.status_code == 400
    assert not CostParameters.objects.filter(version=2).exists()
    assert not CostRecomputation.objects.exists()


def test_parameters_are_read_only_for_an_editor(world, as_editor):
    page = as_editor.get(en("services:cost-parameters"))
    assert page.context["form"] is None and "Only the coordinator changes the parameters." in page.content.decode()
    assert as_editor.post(reverse("services:cost-parameters"), PARAMETERS).status_code == 403
    assert not CostParameters.objects.filter(version=2).exists()
    versions = csv_rows(as_editor.get(en("services:cost-parameters") + "?_export=csv"))
    assert column(versions, "Version") == ["1"]


# --- recomputations -----------------------------------------------------------------------------------------------


def test_recomputations_are_for_the_coordinator_only(world, as_editor):
    job = CostRecomputation.objects.create(kind=RecomputationKind.FULL)
    assert as_editor.get(reverse("services:cost-recomputations")).status_code == 403
    assert as_editor.post(reverse("services:cost-recomputations")).status_code == 403
    status_url = reverse("services:cost-recomputation-status", kwargs={"pk": job.pk})
    assert as_editor.get(status_url).status_code == 403
    assert CostRecomputation.objects.count() == 1
    assert b"/catalogue/costs/recomputations/" not in as_editor.get(reverse("services:cost-overview")).content


def test_coordinator_starts_a_full_recomputation_and_follows_its_progress(
    world, as_coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the eager task runs when the request commits
        response = as_coordinator.post(reverse("services:cost-recomputations"))
    assert response.status_code == 302
    job = CostRecomputation.objects.get(reason="on demand")
    assert job.status == RecomputationStatus.DONE and job.rows_written == CostFigure.objects.count()
    status = as_coordinator.get(reverse("services:cost-recomputation-status", kwargs={"pk": job.pk})).json()
    assert (status["finished"], status["percent"], status["status"]) == (True, 100, "done")
    assert status["rows_written"] == job.rows_written
    page = as_coordinator.get(en("services:cost-recomputations")).content.decode()
    assert f'id="recomputation-{job.pk}"' in page and "Done" in page


def test_recomputation_page_shows_progress_and_errors(world, as_coordinator):
    running = CostRecomputation.objects.create(
        kind=RecomputationKind.FULL, status=RecomputationStatus.RUNNING, steps_done=1, steps_total=4
    )
    retrying = CostRecomputation.objects.create(
        kind=RecomputationKind.INCREMENTAL, status=RecomputationStatus.RETRYING, error="OperationalError: gone"
    )
    failed = CostRecomputation.objects.create(
        kind=RecomputationKind.FULL, status=RecomputationStatus.FAILED, error="ValueError: broken"
    )
    done = CostRecomputation.objects.create(kind=RecomputationKind.FULL, status=RecomputationStatus.DONE, error="old")
    response = as_coordinator.get(en("services:cost-recomputations"))
    page = response.content.decode()
    assert 'value="25"' in page  # 1 of 4 steps
    assert "OperationalError: gone" in page and "ValueError: broken" in page and ">old<" not in page
    status_url = reverse("services:cost-recomputation-status", kwargs={"pk": running.pk})
    assert f'data-status-url="{status_url}"' in page
    assert reverse("services:cost-recomputation-status", kwargs={"pk": done.pk}) not in page
    assert as_coordinator.get(status_url).json()["percent"] == 25
    assert (
        as_coordinator.get(reverse("services:cost-recomputation-status", kwargs={"pk": retrying.pk})).json()["error"]
        == "OperationalError: gone"
    )
    exported = csv_rows(as_coordinator.get(en("services:cost-recomputations") + "?_export=csv"))
    assert sorted(column(exported, "Number")) == sorted(str(job.pk) for job in (running, retrying, failed, done))
    assert "services/cost_recomputations.js" in page


def test_a_rollup_without_a_value_shows_a_dash_and_the_reason(world, as_editor):
    """2023: no channel reports applications started, no ratings, no client time."""
    response = as_editor.get(en("services:cost-provider", pk=world["a"].pk) + "?year=2023")
    stats = {str(label): (str(shown), str(reason)) for label, shown, reason in response.context["summary"]}
    assert stats["Cost per transaction (EUR)"] == ("3.00", "")
    assert stats["Completion rate"] == ("—", "applications started not reported")
    assert stats["Satisfaction score (0–100)"] == ("—", "no satisfaction ratings")
    assert stats["Client administrative burden (EUR)"] == ("—", "client time not reported")


def more_rows(world, count):
    """`count` more services of the template at new providers, and as many more services of A."""
    for number in range(count):
        provider = InstitutionFactory()
        for holder in (provider, world["a"]):
            service = ServiceFactory(holder=holder, template=world["sa"].template)
            ServiceFigureFactory(service=service, channel=world["portal"], started=None, completed=10 + number)
            ServiceFigureFactory(service=service, channel=world["phone"], started=None, completed=5)
            ServiceCostFactory(service=service, amount=Decimal("100") * (number + 1))
    costing.recompute()


def test_pages_make_as_many_queries_whatever_the_number_of_rows(world, as_coordinator):
    urls = [
        en("services:cost-overview") + "?year=2024",
        en("services:cost-outliers") + "?year=2024",
        en("services:cost-provider", pk=world["a"].pk) + "?year=2024",
        en("services:cost-service", catalogue_id="ALFA-1") + "?year=2024",
    ]

    def queries():
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert as_coordinator.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    before = queries()
    more_rows(world, 4)
    assert CostFigure.objects.count() == 14 + 8 * 3  # 8 services more, each with two channels and all together
    assert queries() == before


def test_channel_shift_offers_the_services_of_the_chosen_institution(world, as_coordinator):
    unbound = as_coordinator.get(en("services:cost-channel-shift"))
    assert list(unbound.context["form"].fields["service"].queryset) == []
    chosen = as_coordinator.get(en("services:cost-channel-shift"), {"institution": world["a"].pk})
    assert [service.catalogue_id for service in chosen.context["form"].fields["service"].queryset] == [
        "ALFA-1",
        "ALFA-2",
    ]
    other = as_coordinator.get(
        en("services:cost-channel-shift"),
        {"institution": world["a"].pk, "year": 2024, "share": "10", "service": world["sb"].pk},
    )
    assert other.status_code == 400 and "service" in other.context["form"].errors
