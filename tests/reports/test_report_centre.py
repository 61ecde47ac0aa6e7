"""The report centre (reports/report_centre.py, report_views.py, tasks.py): each kind's figures against small
hand-made data, its three files (the XLSX opens with numbers as numbers, the CSV parses, the PDF is a PDF), who
may read and request what, the schedules' due days, and the job through the eager Celery path.

Amounts are EUR; T completed transactions, CPT cost per transaction. Every expectation is worked out by hand in the
comment above it."""

import csv
import datetime
import io
import time
import uuid
import zipfile
from decimal import Decimal

import kombu.pools
import pytest
from celery.backends.redis import RedisBackend
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from accounts.models import Role
from config.celery import app as celery_app
from assessments.models import AssessmentStatus, Score
from institutions.models import DevelopmentTier, InstitutionType
from reports import report_centre
from reports.models import Frequency, GeneratedReport, GeneratedStatus, ReportKind, ReportSchedule
from services import costing
from services.models import CostComponent, ServiceCost, ServiceFigure
from tests.assessments.factories import AreaFactory, AssessmentFactory, MethodologyFactory, RoundFactory
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceFactory
from tests.test_celery_worker import celery_on_redis, worker_closes_its_database_connections
from tests.vpvkac.factories import CentreFactory, ReportingPeriodFactory
from tests.workplans.factories import ActionLineFactory, MeasureFactory, PlanFactory
from vpvkac.models import (
    CentreFigure,
    CentreHourlyFigure,
    MunicipalityFigure,
    NetworkParameters,
    PeriodSummary,
)
from workplans.models import MeasureStatus

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR, first_name="Kora", last_name="Koordinatore")


def generated(kind, parameters, user, language="en", capture=None, **scope):
    """A report requested and run through the eager Celery path (the job is sent when the request commits)."""
    with capture(execute=True):
        report = report_centre.request_report(kind, parameters, language, user=user, **scope)
    report.refresh_from_db()
    assert report.status == GeneratedStatus.DONE, report.error
    return report


def content(stored):
    """The bytes of a stored file, from its start however often it is read."""
    with stored.open("rb") as handle:
        return handle.read()


def workbook_rows(report, sheet):
    book = load_workbook(io.BytesIO(content(report.xlsx_file)), data_only=True)
    return [list(row) for row in book[sheet].iter_rows(values_only=True)]


def csv_sheets(report):
    """{file name: rows} of the CSV download: one file, or a zip of one per sheet."""
    data = content(report.csv_file)
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {
                name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
                for name in archive.namelist()
            }
    return {"": list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))}


def assert_files_open(report):
    assert content(report.pdf_file).startswith(b"%PDF")
    assert content(report.xlsx_file).startswith(b"PK")
    assert csv_sheets(report)


# --- data ------------------------------------------------------------------------------------------------------------


def usage(institution, portal, phone, shared):
    """A service of `institution` completed `portal` times on the portal and `phone` by phone in YEAR, with a
    shared cost spread over both."""
    service = ServiceFactory(holder=institution)
    for code, completed in (("portal", portal), ("phone", phone)):
        ServiceFigure.objects.create(
            service=service, provider=institution, year=YEAR, channel=ChannelFactory(code=code), completed=completed
        )
    ServiceCost.objects.create(
        service=service, provider=institution, year=YEAR, component=CostComponent.STAFF, amount=D(shared)
    )


@pytest.fixture
def figures():
    """VID: portal 90, phone 10, cost 1000. LAD: portal 10, phone 30, cost 200. Recomputed by services/costing."""
    vid = InstitutionFactory(short_name="VID", name_lv="Valsts ieņēmumu dienests", name_en="State Revenue Service")
    lad = InstitutionFactory(short_name="LAD", name_lv="Lauku atbalsta dienests", name_en="Rural Support Service")
    usage(vid, portal=90, phone=10, shared=1000)
    usage(lad, portal=10, phone=30, shared=200)
    costing.recompute()
    return vid, lad


@pytest.fixture
def network():
    return make_network()


def make_network():
    """Rōpažu novads today and a former municipality merged into it, each with a centre; Cēsu novads with one of
    its own. A = 10. Hourly visits: Rōpaži Monday 9:00 30, Monday 10:00 10; the former one Tuesday 9:00 60; Cēsis
    Monday 9:00 1000."""
    ropazi = MunicipalityFactory(code="ropazu-novads", name_lv="Rōpažu novads", name_en="Ropazi Municipality")
    former = MunicipalityFactory(code="stopinu-novads", name_lv="Stopiņu novads", successor=ropazi)
    cesis = MunicipalityFactory(code="cesu-novads", name_lv="Cēsu novads", name_en="Cesis Municipality")
    period = ReportingPeriodFactory()
    centres = {
        name: CentreFactory(name=name, municipality=municipality)
        for municipality, name in ((ropazi, "Rōpažu VPVKAC"), (former, "Ulbrokas VPVKAC"), (cesis, "Cēsu VPVKAC"))
    }
    # Where transactions commit (the browser test), the registry's changes above have already run a recomputation
    # of the empty network; its results give way to the hand-made ones below.
    for model in (PeriodSummary, MunicipalityFigure, CentreFigure, CentreHourlyFigure):
        model.objects.all().delete()
    parameters = NetworkParameters.objects.get_or_create(version=1)[0]
    now = timezone.now()
    PeriodSummary.objects.create(
        period=period, parameters=parameters, computed_at=now, average_mode="fixed", average=10
    )
    common = {"period": period, "parameters": parameters, "computed_at": now, "tier": DevelopmentTier.LOCAL}
    for municipality, today, services, consultations, visits, legal, grant in (
        (ropazi, ropazi, 600, 100, 700, 50, "6000"),
        (former, ropazi, 400, 50, 450, 100, "6000"),
        (cesis, cesis, 1000, 10, 1010, 0, "20000"),
    ):
        MunicipalityFigure.objects.create(
            municipality=municipality, current_municipality=today, centres=1, services=services,
            consultations=consultations, visits=visits, recorded_client_visits=500, legal_visits=legal,
            running_grant=D(grant), cost_basis="municipality", **common,
        )  # fmt: skip
    for name, services, cost, band in (
        ("Rōpažu VPVKAC", 600, "10", "at_or_below"),
        ("Ulbrokas VPVKAC", 400, "15", "above"),
        ("Cēsu VPVKAC", 1000, "20", "above"),
    ):
        centre = centres[name]
        CentreFigure.objects.create(
            centre=centre, municipality_id=centre.municipality_id, services=services, visits=services,
            cost_per_service=D(cost), band=band, cost_basis="municipality", **common,
        )  # fmt: skip
    for name, weekday, hour, visits in (
        ("Rōpažu VPVKAC", 0, 9, 30),
        ("Rōpažu VPVKAC", 0, 10, 10),
        ("Ulbrokas VPVKAC", 1, 9, 60),
        ("Cēsu VPVKAC", 0, 9, 1000),
    ):
        CentreHourlyFigure.objects.create(
            centre=centres[name], period=period, weekday=weekday, hour=hour, visits=visits
        )
    return period, ropazi, cesis


@pytest.fixture
def eindex():
    """A round: three local-tier municipalities scoring 80, 60, 40 and one ministry-sector agency scoring 50; a
    draft scoring 99 is not counted."""
    methodology = MethodologyFactory(year=2024)
    AreaFactory(methodology=methodology, code="A1", name_lv="Komunikācija", name_en="Communication")
    round_ = RoundFactory(methodology=methodology, year=2024, name_en="E-index 2024", name_lv="E-indekss 2024")
    now = timezone.now()
    ministry = InstitutionFactory(short_name="VARAM", institution_type=InstitutionType.MINISTRY)
    rows = (
        ("Ādažu novads", "tier:local", "80", 4, 1, AssessmentStatus.APPROVED),
        ("Balvu novads", "tier:local", "60", 3, 2, AssessmentStatus.SUBMITTED),
        ("Cēsu novads", "tier:local", "40", 2, 3, AssessmentStatus.APPROVED),
        ("Aģentūra", f"sector:{ministry.pk}", "50", 3, 1, AssessmentStatus.APPROVED),
        ("Melnraksts", "tier:local", "99", 5, None, AssessmentStatus.DRAFT),
    )
    for name, group, score, level, rank, status in rows:
        assessment = AssessmentFactory(
            round=round_, institution=InstitutionFactory(name_lv=name, name_en=name), status=status, is_current=True
        )
        Score.objects.create(
            assessment=assessment, area=None, score=D(score), level=level, peer_group=group, rank=rank,
            computed_at=now,
        )  # fmt: skip
    return round_


# --- the kinds -------------------------------------------------------------------------------------------------------


def test_service_figures_sum_per_institution_and_nationally_before_dividing(
    figures, coordinator, django_capture_on_commit_callbacks
):
    report = generated(
        ReportKind.SERVICE_FIGURES, {"year": YEAR}, coordinator, capture=django_capture_on_commit_callbacks
    )
    rows = workbook_rows(report, "Institutions")
    header = rows[0]
    assert header[:2] == ["Institution", "Completed transactions"]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    vid, lad, total = by_name["State Revenue Service"], by_name["Rural Support Service"], by_name["National total"]
    # a column per channel, named in the report's language
    portal, phone = "Transactions: E-service on the state portal (Latvija.gov.lv)", "Transactions: Phone"
    assert header[2:4] == [portal, phone]
    # VID: T = 90 + 10 = 100, digital 90/100 = 90 %, CPT = 1000/100 = 10
    assert (vid["Completed transactions"], vid[portal], vid[phone]) == (100, 90, 10)
    assert (vid["Digital share (per cent)"], vid["Cost (EUR)"], vid["Cost per transaction (EUR)"]) == (90, 1000, 10)
    # LAD: T = 10 + 30 = 40, digital 10/40 = 25 %, CPT = 200/40 = 5
    assert (lad["Completed transactions"], lad["Digital share (per cent)"], lad["Cost per transaction (EUR)"]) == (
        40,
        25,
        5,
    )
    # national: T = 140, portal 100, phone 40, digital 100/140 = 71.43 % → 71.4, CPT = 1200/140 = 8.571… → 8.57
    assert (total["Completed transactions"], total[portal], total[phone]) == (140, 100, 40)
    assert total["Digital share (per cent)"] == pytest.approx(71.4)
    assert total["Cost per transaction (EUR)"] == pytest.approx(8.57)
    assert isinstance(total["Cost per transaction (EUR)"], float)
    (only,) = csv_sheets(report).values()
    assert only[0][0] == "Institution" and ["National total", "140"] == only[-1][:2]
    assert_files_open(report)


def test_an_institution_figures_report_holds_that_institution_only_and_no_national_total(
    figures, django_capture_on_commit_callbacks
):
    vid, lad = figures
    editor = UserFactory(role=Role.EDITOR, member_of=[vid])
    report = generated(
        ReportKind.SERVICE_FIGURES,
        {"year": YEAR, "institution": vid.pk},
        editor,
        capture=django_capture_on_commit_callbacks,
        institution=vid,
    )
    names = [row[0] for row in workbook_rows(report, "Institutions")[1:]]
    assert names == ["State Revenue Service"]


def test_the_centre_evaluation_rolls_former_municipalities_into_today_s_and_bands_against_a(
    network, coordinator, django_capture_on_commit_callbacks
):
    period, ropazi, _cesis = network
    report = generated(
        ReportKind.CENTRE_EVALUATION,
        {"period": period.pk, "municipality": ropazi.pk},
        coordinator,
        capture=django_capture_on_commit_callbacks,
        municipality=ropazi,
    )
    summary = dict(row for row in workbook_rows(report, "Summary")[1:])
    # services 600 + 400 = 1000, consultations 100 + 50 = 150, visits 700 + 450 = 1150
    assert (summary["Services"], summary["Consultations"], summary["In-person visits"]) == (1000, 150, 1150)
    # grants 6000 + 6000 = 12000; cost per service 12000 / 1000 = 12; A = 10 < 12 ≤ 20: above A
    assert summary["Maintenance and salary grants (EUR)"] == 12000
    assert summary["Cost per service (EUR)"] == 12
    assert summary["Network average cost per service A (EUR)"] == 10
    assert summary["Cost band"] == "Above A, at most 2A"
    # legal share (50 + 100) / (500 + 500) = 15 %
    assert summary["Legal-person share of visits (per cent)"] == 15
    centres = workbook_rows(report, "Centres")
    assert [row[0] for row in centres[1:]] == ["Rōpažu VPVKAC", "Ulbrokas VPVKAC"]  # not Cēsis
    # hourly: 30 + 10 + 60 = 100 visits; Tuesday 9:00 60 %, Monday 9:00 30 %, Monday 10:00 10 %
    hours = workbook_rows(report, "Visits by hour")[1:]
    assert hours == [["Tuesday", "09:00", 60], ["Monday", "09:00", 30], ["Monday", "10:00", 10]]
    front = dict((row[0], row[1]) for row in workbook_rows(report, "Report")[1:] if row and row[0])
    assert front["Busiest hour"] == "Tuesday 09:00 (60.0 %)"
    sheets = csv_sheets(report)
    assert len(sheets) == 3 and all(name.endswith(".csv") for name in sheets)
    assert_files_open(report)


def test_all_municipalities_requests_one_evaluation_each(network, coordinator, django_capture_on_commit_callbacks):
    period, ropazi, cesis = network
    with django_capture_on_commit_callbacks(execute=True):
        reports = report_centre.request_all_municipalities(period.pk, "en", user=coordinator)
    # today's municipalities with figures: Rōpaži (with the former one) and Cēsis — the former one has none itself
    assert {report.municipality for report in reports} == {ropazi, cesis}
    cesis_report = GeneratedReport.objects.get(municipality=cesis)
    assert cesis_report.status == GeneratedStatus.DONE
    summary = dict(row for row in workbook_rows(cesis_report, "Summary")[1:])
    # Cēsis: 20000 / 1000 = 20 = 2A: still "above A, at most 2A" (the band's upper end is 2A inclusive)
    assert summary["Cost per service (EUR)"] == 20
    assert summary["Cost band"] == "Above A, at most 2A"


def test_the_round_report_lists_scores_levels_group_averages_and_the_level_distribution(
    eindex, coordinator, django_capture_on_commit_callbacks
):
    report = generated(
        ReportKind.ASSESSMENT_ROUND, {"round": eindex.pk}, coordinator, capture=django_capture_on_commit_callbacks
    )
    organisations = workbook_rows(report, "Organisations")
    by_name = {row[0]: row for row in organisations[1:]}
    assert "Melnraksts" not in by_name  # a draft is not counted
    assert by_name["Ādažu novads"][2:] == [80, "4 managed", 1]
    assert by_name["Cēsu novads"][2:] == [40, "2 intuitive", 3]
    averages = {row[0:2][1]: row for row in workbook_rows(report, "Group averages")[1:]}
    tier = next(row for label, row in averages.items() if row[0] == "Development-centre tier")
    # (80 + 60 + 40) / 3 = 60 over 3 organisations
    assert tier[2:] == [3, 60]
    sector = next(row for row in averages.values() if row[0] == "Ministry sector")
    assert sector[2:] == [1, 50]
    distribution = workbook_rows(report, "Level distribution")
    overall = next(row for row in distribution if row[0] == "Overall score")
    # 4 counted: 40 → level 2; 60 and 50 → level 3; 80 → level 4
    assert overall[1:] == [4, 0, 1, 2, 1, 0]
    assert_files_open(report)


def test_the_plan_execution_report_uses_the_plan_report_s_own_workbook_and_pdf(
    coordinator, django_capture_on_commit_callbacks
):
    plan = PlanFactory(code="PVPP-T", start_year=2020, end_year=2023)
    line = ActionLineFactory(plan=plan, code="AL1")
    MeasureFactory(action_line=line, code="M01", status=MeasureStatus.EXECUTED)
    MeasureFactory(action_line=line, code="M02", status=MeasureStatus.LOST_RELEVANCE)
    report = generated(
        ReportKind.PLAN_EXECUTION, {"plan": plan.pk}, coordinator, capture=django_capture_on_commit_callbacks
    )
    book = load_workbook(io.BytesIO(content(report.xlsx_file)))
    assert "Counts by status" in book.sheetnames and "AL1" in book.sheetnames  # workplans/report.py's layout
    counts = next(rows for name, rows in csv_sheets(report).items() if "counts" in name)
    total = dict(zip(counts[0], counts[-1], strict=True))
    # 2 measures: 1 executed, 1 not executed (it lost relevance)
    assert (total["Measures"], total["Executed"], total["of which lost relevance"]) == ("2", "1", "1")
    assert_files_open(report)


def test_a_failing_builder_leaves_the_report_failed_with_its_error(coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_centre.request_report(ReportKind.PLAN_EXECUTION, {"plan": 987654}, "en", user=coordinator)
    report.refresh_from_db()
    assert report.status == GeneratedStatus.FAILED
    assert "DoesNotExist" in report.error and not report.xlsx_file


# --- pages and scoping -----------------------------------------------------------------------------------------------


def test_the_coordinator_requests_an_evaluation_and_downloads_its_files(
    network, coordinator, django_capture_on_commit_callbacks
):
    period, ropazi, _cesis = network
    client = Client()
    client.force_login(coordinator)
    page = client.get("/en/reports/centre/")
    assert page.status_code == 200 and "Request a report" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/reports/centre/request/",
            {"kind": ReportKind.CENTRE_EVALUATION, "language": "en", "period": period.pk, "municipality": ropazi.pk},
        )
    report = GeneratedReport.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/reports/centre/{report.pk}/")
    # the job ran when the request committed (eager Celery)
    assert (report.status, report.requested_by, report.municipality) == (GeneratedStatus.DONE, coordinator, ropazi)
    detail = client.get(response.url).content.decode()
    assert "Koordinatore" in detail
    for fmt, start in (("xlsx", b"PK"), ("pdf", b"%PDF"), ("csv", b"PK")):
        download = client.get(f"/en/reports/centre/{report.pk}/download/{fmt}/")
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(start)
    assert client.get(f"/en/reports/centre/{report.pk}/status/").json()["percent"] == 100
    page = client.get("/en/reports/centre/").content.decode()
    assert f'href="/en/reports/centre/{report.pk}/"' in page and "Kora Koordinatore" in page
    listing = client.get("/en/reports/centre/?_export=csv")
    rows = list(csv.reader(io.StringIO(listing.content.decode("utf-8-sig"))))
    assert rows[1][0] == str(report.pk) and "Ropazi Municipality" in rows[1][2]


def test_an_editor_sees_and_requests_only_reports_about_their_own_institution(
    figures, coordinator, django_capture_on_commit_callbacks
):
    vid, lad = figures
    capture = django_capture_on_commit_callbacks
    national = generated(ReportKind.SERVICE_FIGURES, {"year": YEAR}, coordinator, capture=capture)
    own = generated(
        ReportKind.SERVICE_FIGURES, {"year": YEAR, "institution": vid.pk}, coordinator, capture=capture, institution=vid
    )
    other = generated(
        ReportKind.SERVICE_FIGURES, {"year": YEAR, "institution": lad.pk}, coordinator, capture=capture, institution=lad
    )
    editor = UserFactory(role=Role.EDITOR, member_of=[vid])
    assert list(report_centre.visible_reports(editor)) == [own]
    client = Client()
    client.force_login(editor)
    for report in (national, other):
        for path in ("", "status/", "download/xlsx/", "download/pdf/"):
            assert client.get(f"/en/reports/centre/{report.pk}/{path}").status_code == 404
    assert client.get(f"/en/reports/centre/{own.pk}/download/xlsx/").status_code == 200
    listing = client.get("/en/reports/centre/?_export=csv").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(listing)))) == 2  # the header and their own report
    # another institution's report, a national one and a plan report may not be requested
    for data in (
        {"kind": ReportKind.SERVICE_FIGURES, "language": "en", "year": YEAR, "institution": lad.pk},
        {"kind": ReportKind.SERVICE_FIGURES, "language": "en", "year": YEAR},
        {"kind": ReportKind.PLAN_EXECUTION, "language": "en", "plan": PlanFactory().pk},
    ):
        assert client.post("/en/reports/centre/request/", data).status_code == 400
    assert GeneratedReport.objects.count() == 3
    response = client.post(
        "/en/reports/centre/request/",
        {"kind": ReportKind.SERVICE_FIGURES, "language": "en", "year": YEAR, "institution": vid.pk},
    )
    assert response.status_code == 302
    assert GeneratedReport.objects.filter(institution=vid, requested_by=editor).count() == 1
    assert client.get("/en/reports/centre/schedules/").status_code == 403

    # The admin lists the same reports, and no schedules
    editor.is_staff = True
    editor.save()
    client.force_login(editor)
    changelist = client.get("/en/admin/reports/generatedreport/")
    assert changelist.status_code == 200
    listed = set(changelist.context["cl"].queryset)
    assert listed == set(report_centre.visible_reports(editor)) and own in listed and other not in listed
    assert client.get(f"/en/admin/reports/generatedreport/{other.pk}/change/").status_code in (302, 404)
    assert client.get("/en/admin/reports/reportschedule/").status_code == 403


def test_a_municipality_s_staff_read_its_evaluation_and_not_another_s(
    network, coordinator, django_capture_on_commit_callbacks
):
    period, ropazi, cesis = network
    with django_capture_on_commit_callbacks(execute=True):
        report_centre.request_all_municipalities(period.pk, "en", user=coordinator)
    council = InstitutionFactory(institution_type=InstitutionType.MUNICIPALITY, municipality=ropazi)
    staff = UserFactory(role=Role.VIEWER, member_of=[council])
    (own,) = report_centre.visible_reports(staff)
    assert own.municipality == ropazi
    assert report_centre.requestable_kinds(staff) == [ReportKind.SERVICE_FIGURES, ReportKind.CENTRE_EVALUATION]
    client = Client()
    client.force_login(staff)
    other = GeneratedReport.objects.get(municipality=cesis)
    assert client.get(f"/en/reports/centre/{other.pk}/download/xlsx/").status_code == 404
    assert client.get(f"/en/reports/centre/{own.pk}/download/xlsx/").status_code == 200
    response = client.post(
        "/en/reports/centre/request/",
        {"kind": ReportKind.CENTRE_EVALUATION, "language": "en", "period": period.pk, "municipality": cesis.pk},
    )
    assert response.status_code == 400


def test_everyone_signed_in_reads_plan_reports_and_experts_round_reports(eindex, coordinator):
    plan_report = GeneratedReport.objects.create(kind=ReportKind.PLAN_EXECUTION, parameters={"plan": 1})
    round_report = GeneratedReport.objects.create(kind=ReportKind.ASSESSMENT_ROUND, parameters={"round": eindex.pk})
    viewer = UserFactory(role=Role.VIEWER)
    expert = UserFactory(role=Role.EXPERT)
    assert list(report_centre.visible_reports(viewer)) == [plan_report]
    assert set(report_centre.visible_reports(expert)) == {plan_report, round_report}
    assert set(report_centre.visible_reports(coordinator)) == {plan_report, round_report}


def test_the_list_page_follows_unfinished_reports_with_a_static_script_and_no_inline_one(coordinator):
    GeneratedReport.objects.create(kind=ReportKind.SERVICE_FIGURES, parameters={"year": YEAR}, progress=40)
    client = Client()
    client.force_login(coordinator)
    html = client.get("/en/reports/centre/").content.decode()
    report = GeneratedReport.objects.get()
    for path in ("/reports/centre/", f"/reports/centre/{report.pk}/", "/reports/centre/schedules/"):
        assert client.get(path).status_code == 200  # in Latvian, the default language, too
    assert 'src="/static/js/job_progress.js"' in html
    assert '<progress max="100" value="40">' in html
    assert "<script>" not in html


# --- schedules -------------------------------------------------------------------------------------------------------


def schedule(**fields):
    return ReportSchedule(kind=ReportKind.SERVICE_FIGURES, **fields)


def test_a_monthly_schedule_is_due_from_its_day_once_a_month():
    monthly = schedule(frequency=Frequency.MONTHLY, day=5)
    assert not report_centre.is_due(monthly, datetime.date(2026, 3, 4))
    assert report_centre.is_due(monthly, datetime.date(2026, 3, 5))
    monthly.last_run_on = datetime.date(2026, 3, 5)
    assert not report_centre.is_due(monthly, datetime.date(2026, 3, 28))
    assert report_centre.is_due(monthly, datetime.date(2026, 4, 5))
    monthly.active = False
    assert not report_centre.is_due(monthly, datetime.date(2026, 4, 5))


def test_a_yearly_schedule_is_due_from_its_day_and_month_once_a_year():
    yearly = schedule(frequency=Frequency.YEARLY, day=1, month=2)
    assert not report_centre.is_due(yearly, datetime.date(2026, 1, 31))
    assert report_centre.is_due(yearly, datetime.date(2026, 2, 1))
    yearly.last_run_on = datetime.date(2026, 2, 1)
    assert not report_centre.is_due(yearly, datetime.date(2026, 12, 31))
    assert report_centre.is_due(yearly, datetime.date(2027, 2, 1))


@hypothesis_settings(deadline=None)  # a pure function, but the machine is shared: no per-example deadline
@given(
    frequency=st.sampled_from(Frequency.values),
    day=st.integers(1, 28),
    month=st.integers(1, 12),
    today=st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31)),
)
def test_a_schedule_that_ran_today_is_never_due_again_today(frequency, day, month, today):
    ran = schedule(frequency=frequency, day=day, month=month, last_run_on=today)
    assert not report_centre.is_due(ran, today)


def test_the_daily_job_runs_due_schedules_once_with_the_latest_ended_period(
    network, coordinator, django_capture_on_commit_callbacks
):
    period, ropazi, cesis = network
    every = ReportSchedule.objects.create(
        kind=ReportKind.CENTRE_EVALUATION, frequency=Frequency.YEARLY, day=15, month=1, created_by=coordinator
    )
    ReportSchedule.objects.create(
        kind=ReportKind.SERVICE_FIGURES, frequency=Frequency.MONTHLY, day=20, created_by=coordinator
    )
    today = datetime.date(2025, 1, 15)
    with django_capture_on_commit_callbacks(execute=True):
        # the evaluation is due (15 January), the monthly one not yet (the 20th): one report per municipality
        assert report_centre.run_due_schedules(today) == 2
    every.refresh_from_db()
    assert every.last_run_on == today
    reports = GeneratedReport.objects.filter(schedule=every)
    assert {r.municipality for r in reports} == {ropazi, cesis}
    assert all(r.parameters["period"] == period.pk and r.status == GeneratedStatus.DONE for r in reports)
    assert all(r.requested_by == coordinator for r in reports)  # the schedule's author
    with django_capture_on_commit_callbacks(execute=True):
        assert report_centre.run_due_schedules(today) == 0  # already run this year


def test_the_coordinator_adds_a_schedule_and_exports_the_list(coordinator):
    client = Client()
    client.force_login(coordinator)
    response = client.post(
        "/en/reports/centre/schedules/",
        {"kind": ReportKind.SERVICE_FIGURES, "frequency": Frequency.YEARLY, "day": 10, "month": 3, "language": "en"},
    )
    assert response.status_code == 302
    saved = ReportSchedule.objects.get()
    assert (saved.day, saved.month, saved.parameters, saved.created_by) == (10, 3, {}, coordinator)
    export = client.get("/en/reports/centre/schedules/?_export=xlsx")
    assert export.status_code == 200 and export.content.startswith(b"PK")


# --- a real worker ---------------------------------------------------------------------------------------------------


@pytest.mark.celery_worker
def test_a_worker_on_redis_generates_a_requested_evaluation(transactional_db, redis_url):
    period, ropazi, _cesis = make_network()
    coordinator = UserFactory(role=Role.COORDINATOR)
    queue = f"test-report-centre-{uuid.uuid4().hex}"
    # kombu keeps producer pools per broker URL for the whole process; start with none left by an earlier worker
    kombu.pools.reset()
    with (
        celery_on_redis(celery_app, redis_url, queue) as app,
        worker_closes_its_database_connections(),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
    ):
        with transaction.atomic():
            report = report_centre.request_report(
                ReportKind.CENTRE_EVALUATION,
                {"period": period.pk, "municipality": ropazi.pk},
                "en",
                user=coordinator,
                municipality=ropazi,
            )
            # not sent before the commit: the worker must find the row
            assert GeneratedReport.objects.get(pk=report.pk).task_id == ""
        deadline = time.monotonic() + 60
        while not report.is_finished and time.monotonic() < deadline:
            time.sleep(0.1)
            report.refresh_from_db()
        result = app.AsyncResult(report.task_id)
        assert isinstance(result.backend, RedisBackend)  # it ran in the worker, not in-process
        assert result.get(timeout=60) == GeneratedStatus.DONE
        result.forget()
    kombu.pools.reset()
    assert report.status == GeneratedStatus.DONE, report.error
    summary = dict(row for row in workbook_rows(report, "Summary")[1:])
    assert summary["Services"] == 1000  # 600 + 400
