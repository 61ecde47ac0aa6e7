"""The coordinator's national overview (reports/dashboards.py, reports/views.py): every panel shows what its module
stored for a small hand-made world, its table exports to CSV and XLSX, anyone but the coordinator is shown their
own profiles instead (and refused the exports), and the page reads with a fixed number of queries.

The world (`build_world`, used by test_profiles.py and test_compare.py too). Every institution is in PVPP2027
Table 1 group 1.1 (the factories' default).

    Ministry One (MIN) with its agencies Alpha Agency (ALFA) and Beta Service (BETA); Gamma Municipality (GAMMA)
    and Delta Municipality (DELTA), the bodies of Gamma County and Delta County (both counties, local tier).

Cost figures (T completed, D channel-attributed cost, H shared cost; EUR):
    ALFA-1 of ALFA, 2024: portal T 300, phone T 100 with D 1 000, H 400 → cost 1 400 / 400 = 3.50; take-up
        300 / 400 = 75 %.  2023: portal T 200, phone T 100, H 900 → 900 / 300 = 3.00; take-up 200 / 300 = 66.67 %.
    BETA-1 of BETA, 2024: portal T 100 with D 1 000, phone T 50 with D 1 000 → 2 000 / 150 = 13.33; 100 / 150.
    GAMMA-1 of GAMMA, 2024: portal T 50, in person T 150, H 800 → 800 / 200 = 4.00; take-up 50 / 200 = 25 %.
    National 2024: (1 400 + 2 000 + 800) / (400 + 150 + 200) = 4 200 / 750 = 5.60; take-up 450 / 750 = 60 %.
    National 2023: ALFA alone, 3.00 and 66.67 %.

E-index (one area K, one question with options worth 0, 5, 10 of 10 obtainable, so a score is 10 × points;
thresholds 20/40/60/80):
    institutions 2020: ALFA 50 (approved).  2021: ALFA 100 (approved, level 5), BETA 50 (submitted, level 3):
        Ministry One's sector averages (100 + 50) / 2 = 75; levels overall: one at 3, one at 5.
        ALFA against 2020: +50 ↑, level 5 reached for the first time ☆.
    municipalities 2021: GAMMA 50 (level 3), DELTA 100 (level 5), both approved: the local tier averages 75.

VPVKAC, period 2024, A = EUR 12.00 (fixed, the default):
    Gamma County: centre X 30 services and 10 consultations, centre Z 20 services; grants maintenance 600 +
        salary 400 (+ creation 5 000, left out) → 1 000 / 50 = EUR 20.00: 12 < 20 ≤ 24, band "A < x ≤ 2A".
    Delta County: centre Y 40 services; salary grant 2 000 → 2 000 / 40 = EUR 50.00 > 24, band "> 2A".
    The network: 90 services, 10 consultations, 3 centres; bands 0 / 1 / 1.

Plans: PLAN-A with measures M1, M2 executed, M3 in progress due 2024-06-30 (overdue), M4 carried out in each
institution, not started, due 2099-12-31. M4's obligations: ALFA not started, due 2024-06-30 (overdue); BETA
executed; GAMMA in progress. Execution share 2 / 4 = 50 %; one overdue measure, one overdue obligation (ALFA).
    PLAN-B, with one measure and no obligations.
ALFA's improvement plan under PLAN-A: version 1 (approved) with items own budget 1 000 and EU funds 3 000;
version 2 (a draft) with one item, own budget 500 — the latest version, the one a profile shows.
ALFA has a desk at centre X.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, Role
from assessments import scoring
from assessments.models import Answer, AssessmentStatus, Family
from institutions.models import InstitutionType
from services import costing
from tests.assessments.factories import (
    AreaFactory,
    AssessmentFactory,
    MethodologyFactory,
    OptionFactory,
    QuestionFactory,
    RoundFactory,
)
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceCostFactory, ServiceFactory, ServiceFigureFactory
from tests.vpvkac.factories import CentreFactory, ContactFigureFactory, GrantFactory, ReportingPeriodFactory
from tests.workplans.factories import (
    ActionLineFactory,
    ImprovementItemFactory,
    ImprovementPlanFactory,
    MeasureDeadlineFactory,
    MeasureFactory,
    ObligationFactory,
    PlanFactory,
)
from vpvkac import network
from vpvkac.models import ContactType, Desk, GrantKind
from workplans.models import FundingSource, MeasureStatus, ReviewStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    institutions: dict
    municipalities: dict
    users: dict
    centres: dict
    plans: dict
    services: dict

    def client(self, who):
        client = Client()
        client.force_login(self.users[who])
        return client


def _eindex(family, year, scores):
    """A round of a one-question methodology; `scores` maps an institution to (status, points of 10)."""
    methodology = MethodologyFactory(family=family, year=year)
    area = AreaFactory(methodology=methodology, code="K", order=1, name_lv="Komunikācija", name_en="Communication")
    question = QuestionFactory(area=area, code="K1")
    options = {
        points: OptionFactory(question=question, code=f"p{points}", order=index, points=Decimal(points))
        for index, points in enumerate((0, 5, 10))
    }
    round_ = RoundFactory(methodology=methodology, year=year, name_lv=f"Kārta {year}", name_en=f"Round {year}")
    for institution, (status, points) in scores.items():
        assessment = AssessmentFactory(round=round_, institution=institution, status=status)
        Answer.objects.create(assessment=assessment, question=question, options=[options[points].pk])
    return round_


def build_world():
    def institution(short_name, name, **fields):
        return InstitutionFactory(short_name=short_name, name_lv=name, name_en=name, **fields)

    ministry = institution("MIN", "Ministry One", institution_type=InstitutionType.MINISTRY)
    alfa = institution("ALFA", "Alpha Agency", parent=ministry)
    beta = institution("BETA", "Beta Service", parent=ministry)
    gamma_county = MunicipalityFactory(code="gamma", name_lv="Gamma County", name_en="Gamma County")
    delta_county = MunicipalityFactory(code="delta", name_lv="Delta County", name_en="Delta County")
    gamma = institution(
        "GAMMA", "Gamma Municipality", institution_type=InstitutionType.MUNICIPALITY, municipality=gamma_county
    )
    delta = institution(
        "DELTA", "Delta Municipality", institution_type=InstitutionType.MUNICIPALITY, municipality=delta_county
    )

    # Cost figures.
    portal, phone = ChannelFactory(code="portal"), ChannelFactory(code="phone")
    in_person = ChannelFactory(code="institution_in_person")
    sa = ServiceFactory(catalogue_id="ALFA-1", name_lv="Alfas pakalpojums", name_en="Alpha service", holder=alfa)
    sb = ServiceFactory(catalogue_id="BETA-1", name_lv="Betas pakalpojums", name_en="Beta service", holder=beta)
    sg = ServiceFactory(catalogue_id="GAMMA-1", name_lv="Gammas pakalpojums", name_en="Gamma service", holder=gamma)
    ServiceFigureFactory(service=sa, channel=portal, started=None, completed=300)
    ServiceFigureFactory(service=sa, channel=phone, started=None, completed=100)
    ServiceCostFactory(service=sa, channel=phone, amount=Decimal("1000"))
    ServiceCostFactory(service=sa, amount=Decimal("400"))
    ServiceFigureFactory(service=sa, year=2023, channel=portal, started=None, completed=200)
    ServiceFigureFactory(service=sa, year=2023, channel=phone, started=None, completed=100)
    ServiceCostFactory(service=sa, year=2023, amount=Decimal("900"))
    ServiceFigureFactory(service=sb, channel=portal, started=None, completed=100)
    ServiceFigureFactory(service=sb, channel=phone, started=None, completed=50)
    ServiceCostFactory(service=sb, channel=portal, amount=Decimal("1000"))
    ServiceCostFactory(service=sb, channel=phone, amount=Decimal("1000"))
    ServiceFigureFactory(service=sg, channel=portal, started=None, completed=50)
    ServiceFigureFactory(service=sg, channel=in_person, started=None, completed=150)
    ServiceCostFactory(service=sg, amount=Decimal("800"))
    costing.recompute()

    # E-index.
    approved, submitted = AssessmentStatus.APPROVED, AssessmentStatus.SUBMITTED
    _eindex(Family.EINDEX_INSTITUTION, 2020, {alfa: (approved, 5)})
    _eindex(Family.EINDEX_INSTITUTION, 2021, {alfa: (approved, 10), beta: (submitted, 5)})
    _eindex(Family.EINDEX_MUNICIPALITY, 2021, {gamma: (approved, 5), delta: (approved, 10)})
    scoring.rescore()

    # The VPVKAC network.
    period = ReportingPeriodFactory()
    x = CentreFactory(code="x-centrs", name="Centre X", municipality=gamma_county, latitude=56.0, longitude=24.0)
    z = CentreFactory(code="z-centrs", name="Centre Z", municipality=gamma_county, latitude=56.2, longitude=24.0)
    y = CentreFactory(code="y-centrs", name="Centre Y", municipality=delta_county, latitude=56.4, longitude=26.0)
    ContactFigureFactory(centre=x, hour=10, count=30)
    ContactFigureFactory(centre=x, hour=10, count=10, contact_type=ContactType.CONSULTATION)
    ContactFigureFactory(centre=z, hour=9, count=20)
    ContactFigureFactory(centre=y, hour=10, count=40)
    GrantFactory(period=period, municipality=gamma_county, kind=GrantKind.MAINTENANCE, amount=600)
    GrantFactory(period=period, municipality=gamma_county, kind=GrantKind.SALARY, amount=400)
    GrantFactory(period=period, municipality=gamma_county, kind=GrantKind.CREATION, amount=5000)
    GrantFactory(period=period, municipality=delta_county, kind=GrantKind.SALARY, amount=2000)
    Desk.objects.create(centre=x, institution=alfa)
    network.recompute()

    # Plans.
    plan_a = PlanFactory(code="PLAN-A", title_lv="Plāns A", title_en="Plan A", order=1)
    plan_b = PlanFactory(code="PLAN-B", title_lv="Plāns B", title_en="Plan B", order=2)
    line = ActionLineFactory(plan=plan_a, code="RV1")
    MeasureFactory(action_line=line, code="M1", status=MeasureStatus.EXECUTED)
    MeasureFactory(action_line=line, code="M2", status=MeasureStatus.EXECUTED)
    m3 = MeasureFactory(action_line=line, code="M3", status=MeasureStatus.IN_PROGRESS)
    MeasureDeadlineFactory(measure=m3, due_on=date(2024, 6, 30))
    m4 = MeasureFactory(action_line=line, code="M4", in_each_institution=True)
    MeasureDeadlineFactory(measure=m4, due_on=date(2099, 12, 31))
    MeasureFactory(action_line=ActionLineFactory(plan=plan_b, code="RV9"), code="B1")
    ObligationFactory(measure=m4, institution=alfa, due_on=date(2024, 6, 30))
    ObligationFactory(measure=m4, institution=beta, status=MeasureStatus.EXECUTED)
    ObligationFactory(measure=m4, institution=gamma, status=MeasureStatus.IN_PROGRESS)
    first = ImprovementPlanFactory(plan=plan_a, institution=alfa, version=1, status=ReviewStatus.APPROVED)
    ImprovementItemFactory(improvement_plan=first, action="Pirmā darbība", amount=Decimal("1000"))
    ImprovementItemFactory(
        improvement_plan=first, action="Otrā darbība", amount=Decimal("3000"), funding_source=FundingSource.EU_FUNDS
    )
    second = ImprovementPlanFactory(plan=plan_a, institution=alfa, version=2)
    ImprovementItemFactory(improvement_plan=second, action="Jaunā darbība", amount=Decimal("500"))

    def member(username, institution, role=Role.EDITOR):
        user = UserFactory(username=username, role=role, password=None)
        Membership.objects.create(user=user, institution=institution, can_edit=role == Role.EDITOR)
        return user

    users = {
        "coordinator": UserFactory(username="koordinators", role=Role.COORDINATOR, password=None),
        "alfa": member("alfa-editor", alfa),
        "alfa_viewer": member("alfa-viewer", alfa, Role.VIEWER),
        "beta": member("beta-editor", beta),
        "gamma": member("gamma-editor", gamma),
    }
    return World(
        institutions={"min": ministry, "alfa": alfa, "beta": beta, "gamma": gamma, "delta": delta},
        municipalities={"gamma": gamma_county, "delta": delta_county},
        users=users,
        centres={"x": x, "y": y, "z": z},
        plans={"a": plan_a, "b": plan_b},
        services={"alfa": sa, "beta": sb, "gamma": sg},
    )


@pytest.fixture
def world(db):
    return build_world()


def url(name, *args):
    """English addresses: the tests read English headers and words."""
    with translation.override("en"):
        return reverse(f"reports:{name}", args=args)


def csv_rows(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def csv_table(response, key):
    """{value of the `key` column: {header: cell}} of a CSV download."""
    header, *rows = csv_rows(response)
    return {row[header.index(key)]: dict(zip(header, row, strict=True)) for row in rows}


def xlsx_rows(response):
    assert response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def count_queries(client, address, **params):
    with CaptureQueriesContext(connection) as context:
        response = client.get(address, params)
    assert response.status_code == 200
    return len(context.captured_queries)


# --- the coordinator's panels -----------------------------------------------------------------------------------------


def test_the_overview_shows_every_panel_with_a_chart_and_the_link_to_its_detail(world):
    response = world.client("coordinator").get(url("overview"))
    assert response.status_code == 200
    html = response.content.decode()
    for key in (
        "eindex_groups_institutions",
        "eindex_levels_institutions",
        "eindex_groups_municipalities",
        "eindex_levels_municipalities",
        "costs",
        "vpvkac",
        "plans",
        "overdue",
    ):
        assert f'id="panel-{key}"' in html, key
        assert f'id="panel-{key}-table"' in html, key  # the table behind the chart, one click away
    assert html.count('role="img"') >= 8  # the charts, each an accessible SVG
    assert reverse("services:cost-overview") in html
    assert reverse("vpvkac:costs") in html
    assert reverse("workplans:overdue") in html
    assert reverse("workplans:plan-list") in html


def test_the_cost_panel_is_the_national_rollup_summed_first(world):
    rows = csv_table(world.client("coordinator").get(url("overview"), {"_export_costs": "csv"}), "Year")
    # 2024: 4 200 / 750 = 5.60 and 450 / 750 = 0.6; 2023: 900 / 300 = 3.00 and 200 / 300 = 0.6667.
    assert Decimal(rows["2024"]["Cost per transaction (EUR)"]) == Decimal("5.6")
    assert Decimal(rows["2024"]["Digital take-up"]) == Decimal("0.6")
    assert Decimal(rows["2024"]["Cost (EUR)"]) == Decimal("4200")
    assert Decimal(rows["2023"]["Cost per transaction (EUR)"]) == Decimal("3")
    assert Decimal(rows["2023"]["Digital take-up"]) == Decimal("0.6667")


def test_the_eindex_panels_hold_the_sector_average_and_the_levels(world):
    client = world.client("coordinator")
    groups = csv_table(client.get(url("overview"), {"_export_eindex_groups_institutions": "csv"}), "Ministry sector")
    # Ministry One: ALFA 100 and BETA 50 → 75.0 over 2 organisations.
    assert groups["Ministry One"]["Overall score"] == "75.0"
    assert groups["Ministry One"]["Organisations"] == "2"
    levels = csv_table(client.get(url("overview"), {"_export_eindex_levels_institutions": "csv"}), "Area")
    overall = levels["Overall score"]
    assert (overall["Level 1"], overall["Level 3"], overall["Level 5"], overall["Organisations"]) == (
        "0",
        "1",
        "1",
        "2",
    )
    tiers = csv_table(
        client.get(url("overview"), {"_export_eindex_groups_municipalities": "csv"}), "Development-centre tier"
    )
    # The local tier: GAMMA 50 and DELTA 100 → 75.0.
    assert tiers["Local significance"]["Overall score"] == "75.0"


def test_the_network_panel_holds_volumes_and_bands_of_the_period(world):
    rows = csv_table(world.client("coordinator").get(url("overview"), {"_export_vpvkac": "csv"}), "Period")
    period = next(iter(rows.values()))
    # 30 + 20 + 40 services, 10 consultations, three centres; Gamma 20.00 (A < x ≤ 2A), Delta 50.00 (> 2A).
    assert (period["Services"], period["Consultations"], period["Centres"]) == ("90", "10", "3")
    assert Decimal(period["A (EUR)"]) == Decimal("12")
    assert (period["At or below A"], period["Above A, at most 2A"], period["Above 2A"]) == ("0", "1", "1")


def test_the_plan_panel_counts_measures_the_execution_share_and_what_is_overdue(world):
    rows = csv_table(world.client("coordinator").get(url("overview"), {"_export_plans": "csv"}), "Plan")
    plan = rows["PLAN-A Plan A"]
    # 2 of 4 measures executed; M3 overdue; ALFA's obligation overdue.
    assert (plan["Measures"], plan["Executed"], plan["In progress"], plan["Not started"]) == ("4", "2", "1", "1")
    assert Decimal(plan["Execution share"]) == Decimal("0.5")
    assert (plan["Overdue measures"], plan["Overdue obligations"]) == ("1", "1")
    assert rows["PLAN-B Plan B"]["Overdue obligations"] == "0"


def test_the_overdue_panel_counts_by_institution_and_links_to_its_profile(world):
    client = world.client("coordinator")
    rows = csv_table(client.get(url("overview"), {"_export_overdue": "csv"}), "Institution")
    assert list(rows) == ["Alpha Agency"]
    assert rows["Alpha Agency"]["Overdue obligations"] == "1"
    assert rows["Alpha Agency"]["Earliest due date"] == "2024-06-30"
    html = client.get(url("overview")).content.decode()
    assert url("institution-profile", world.institutions["alfa"].pk) in html


def test_every_panel_exports_to_xlsx_too(world):
    response = world.client("coordinator").get(url("overview"), {"_export_plans": "xlsx"})
    rows = xlsx_rows(response)
    assert rows[0][0] == "Plan"
    plan = next(row for row in rows if row[0] == "PLAN-A Plan A")
    assert plan[1] == 4 and plan[2] == 2


# --- everyone else ------------------------------------------------------------------------------------------------


def test_an_editor_is_shown_their_own_profiles_and_no_national_figure(world):
    response = world.client("alfa").get(url("overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="scope-notice"' in html
    assert url("institution-profile", world.institutions["alfa"].pk) in html
    assert url("institution-profile", world.institutions["beta"].pk) not in html
    assert "panel-costs" not in html and "Beta Service" not in html and 'role="img"' not in html


def test_a_municipality_member_is_offered_the_municipality_profile(world):
    html = world.client("gamma").get(url("overview")).content.decode()
    assert url("municipality-profile", world.municipalities["gamma"].pk) in html
    assert url("municipality-profile", world.municipalities["delta"].pk) not in html


def test_the_overview_exports_are_the_coordinators_only(world):
    assert world.client("alfa").get(url("overview"), {"_export_costs": "csv"}).status_code == 403


def test_the_overview_asks_a_stranger_to_sign_in(world):
    response = Client().get(url("overview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- queries --------------------------------------------------------------------------------------------------------


def _more_of_everything(world):
    """Another agency with figures, an E-index result, an overdue obligation and a centre, and another plan."""
    extra = InstitutionFactory(short_name="EXTRA", name_lv="Extra", parent=world.institutions["min"])
    service = ServiceFactory(catalogue_id="EXTRA-1", holder=extra)
    ServiceFigureFactory(service=service, channel=ChannelFactory(code="portal"), started=None, completed=10)
    ServiceCostFactory(service=service, amount=Decimal("50"))
    costing.recompute()
    measure = MeasureFactory(action_line=ActionLineFactory(plan=PlanFactory(code="PLAN-C")), in_each_institution=True)
    ObligationFactory(measure=measure, institution=extra, due_on=date(2024, 1, 31))
    CentreFactory(municipality=world.municipalities["delta"])
    network.recompute()


def test_the_overview_reads_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = world.client("coordinator")
    with django_assert_max_num_queries(30):
        client.get(url("overview"))
    before = count_queries(client, url("overview"))
    _more_of_everything(world)
    assert count_queries(client, url("overview")) == before


def test_the_overview_is_in_latvian_by_default(world):
    response = world.client("coordinator").get(reverse("reports:overview"))
    assert response.status_code == 200
    assert response.content.decode().startswith("<!DOCTYPE html>") and '<html lang="lv">' in response.content.decode()


def test_the_chooser_opens_a_profile_the_reader_may_see(world):
    client = world.client("coordinator")
    response = client.get(url("open-profile"), {"institution": world.institutions["beta"].pk})
    assert response.status_code == 302
    assert response["Location"] == url("institution-profile", world.institutions["beta"].pk)
    response = client.get(url("open-profile"), {"municipality": world.municipalities["delta"].pk})
    assert response["Location"] == url("municipality-profile", world.municipalities["delta"].pk)
    # An editor of ALFA may not choose BETA: back to the overview.
    response = world.client("alfa").get(url("open-profile"), {"institution": world.institutions["beta"].pk})
    assert response["Location"] == url("overview")
