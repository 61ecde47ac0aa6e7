"""The catalogue's web pages: lists and pages scoped by services/scoping.py, the shared filter sets, exports,
constant query counts, the figures behind the charts, life situations and the completeness report."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, Role
from institutions.models import InstitutionType
from services import figures_report
from services.models import (
    PeriodType,
    ServiceFigure,
    ServiceKind,
    ServiceLevel,
    ServiceStatus,
    SubmissionStatus,
)
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory
from tests.services.factories import (
    ChannelFactory,
    FigureSubmissionFactory,
    LifeSituationFactory,
    ServiceChannelFactory,
    ServiceFactory,
    ServiceFigureFactory,
)

pytestmark = pytest.mark.django_db

LAST_YEAR = date.today().year - 1


def export_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def xlsx_cells(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


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


@pytest.fixture
def catalogue(two_institutions):
    """A-1 held and provided by A; B-1 held and provided by B only; SHARED-1 held by A, provided by A and B."""
    a, b = two_institutions
    portal, phone = ChannelFactory(code="portal"), ChannelFactory(code="phone")
    own = ServiceFactory(catalogue_id="A-1", name_lv="Alfas pakalpojums", holder=a)
    other = ServiceFactory(catalogue_id="B-1", name_lv="Betas pakalpojums", holder=b)
    shared = ServiceFactory(catalogue_id="SHARED-1", name_lv="Kopīgais pakalpojums", holder=a, providers=[a, b])
    for service in (own, other, shared):
        ServiceChannelFactory(service=service, channel=portal)
    ServiceChannelFactory(service=shared, channel=phone)
    return {"own": own, "other": other, "shared": shared, "portal": portal, "phone": phone}


# --- scoping -------------------------------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_log_in(client, catalogue):
    for url in (
        reverse("services:service-list"),
        reverse("services:service-detail", args=["A-1"]),
        reverse("services:life-situation-list"),
        reverse("services:report-home"),
        reverse("services:completeness"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response.url


def test_editor_lists_own_and_shared_services_and_never_another_institutions(client, catalogue, editor_of_a):
    client.force_login(editor_of_a)

    page = client.get(reverse("services:service-list")).content.decode()
    rows = export_rows(client.get(reverse("services:service-list"), {"_export": "csv"}))
    cells = xlsx_cells(client.get(reverse("services:service-list"), {"_export": "xlsx"}))

    assert "Alfas pakalpojums" in page and "Kopīgais pakalpojums" in page
    assert "Betas pakalpojums" not in page and "B-1" not in page
    assert sorted(row[0] for row in rows[1:]) == ["A-1", "SHARED-1"]
    assert sorted(row[0] for row in cells[1:]) == ["A-1", "SHARED-1"]


def test_editor_gets_404_for_a_service_only_another_institution_holds_and_provides(client, catalogue, editor_of_a):
    client.force_login(editor_of_a)

    own = client.get(reverse("services:service-detail", args=["A-1"]))
    other = client.get(reverse("services:service-detail", args=["B-1"]))

    assert own.status_code == 200
    assert other.status_code == 404
    assert "Betas pakalpojums" not in other.content.decode()


def test_editor_never_sees_another_providers_figures_on_page_charts_or_exports(client, catalogue, editor_of_a):
    a, b = editor_of_a.institutions.get(), catalogue["other"].holder
    shared = catalogue["shared"]
    ServiceFigureFactory(service=shared, provider=a, year=2023, channel=catalogue["portal"], started=None, completed=4321)
    ServiceFigureFactory(service=shared, provider=b, year=2023, channel=catalogue["portal"], started=None, completed=8765)
    client.force_login(editor_of_a)
    url = reverse("services:service-detail", args=["SHARED-1"])

    page = client.get(url).content.decode()
    rows = export_rows(client.get(url, {"_export": "csv"}))
    cells = xlsx_cells(client.get(url, {"_export": "xlsx"}))

    # 4 321 in Latvian formatting: a no-break space groups the thousands. Neither B's 8 765 nor the sum 13 086.
    assert "4\xa0321" in page
    assert "8\xa0765" not in page and "8765" not in page and "13\xa0086" not in page
    assert [row[5] for row in rows[1:]] == ["4321"]  # year, channel, digital, remote, started, completed
    assert 8765 not in {cell for row in cells for cell in row}
    # Asking for the other provider's figures by URL does not work either.
    assert client.get(url, {"provider": b.pk}).status_code == 404


def test_coordinator_sees_every_providers_figures_summed(client, catalogue, coordinator, two_institutions):
    a, b = two_institutions
    shared = catalogue["shared"]
    ServiceFigureFactory(service=shared, provider=a, year=2023, channel=catalogue["portal"], started=None, completed=4321)
    ServiceFigureFactory(service=shared, provider=b, year=2023, channel=catalogue["portal"], started=None, completed=8765)
    client.force_login(coordinator)
    url = reverse("services:service-detail", args=["SHARED-1"])

    page = client.get(url).content.decode()
    only_b = client.get(url, {"provider": b.pk}).content.decode()

    assert "13\xa0086" in page  # 4 321 + 8 765
    assert "8\xa0765" in only_b and "13\xa0086" not in only_b


def test_viewer_without_memberships_sees_no_service(client, catalogue):
    client.force_login(UserFactory(role=Role.VIEWER))
    rows = export_rows(client.get(reverse("services:service-list"), {"_export": "csv"}))
    assert len(rows) == 1  # the header only


def test_holder_filter_offers_only_institutions_of_visible_services(client, catalogue, editor_of_a):
    InstitutionFactory(name_lv="Nesaistīta iestāde")
    client.force_login(editor_of_a)
    form = client.get(reverse("services:service-list")).context["filter"].form
    holders = {institution.short_name for institution in form.fields["holder"].queryset}
    assert holders == {"ALFA", "BETA"}  # BETA provides SHARED-1, which A's editor may see


# --- filters and exports -------------------------------------------------------------------------------------------


def test_list_filters_by_channel_kind_level_status_life_situation_holder_provider_and_search(
    client, catalogue, coordinator, two_institutions
):
    a, b = two_institutions
    situation = LifeSituationFactory(code="birth")
    other = catalogue["other"]
    other.kind, other.level, other.status = ServiceKind.FOR_SOCIETY, ServiceLevel.MUNICIPAL, ServiceStatus.SUSPENDED
    other.save()
    other.life_situations.set([situation])
    client.force_login(coordinator)
    url = reverse("services:service-list")

    def ids(**params):
        return sorted(row[0] for row in export_rows(client.get(url, {**params, "_export": "csv"}))[1:])

    assert ids(channel="phone") == ["SHARED-1"]
    assert ids(kind="for_society") == ["B-1"]
    assert ids(level="municipal") == ["B-1"]
    assert ids(status="suspended") == ["B-1"]
    assert ids(life_situation="birth") == ["B-1"]
    assert ids(holder=a.pk) == ["A-1", "SHARED-1"]
    assert ids(provider=b.pk) == ["B-1", "SHARED-1"]
    assert ids(q="kopīg") == ["SHARED-1"]
    assert ids(q="b-1") == ["B-1"]


def test_list_export_has_both_names_providers_and_channel_count(client, catalogue, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("services:service-list"), {"_export": "csv", "q": "SHARED"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    _header, row = export_rows(response)
    assert row[0] == "SHARED-1"
    assert row[6] == "2"  # identifier, name, holder, level, kind, status, channels
    assert "Kopīgais pakalpojums" in row and "Service " in " ".join(row)  # the English name from the factory
    assert any("ALFA" in cell and "BETA" in cell for cell in row)  # the providers


def test_list_shows_channel_count_and_demo_badge(client, catalogue, coordinator):
    catalogue["shared"].is_demo = True
    catalogue["shared"].save()
    client.force_login(coordinator)

    table = client.get(reverse("services:service-list")).context["table"]
    counts = {row.record.catalogue_id: row.record.channel_count for row in table.rows}

    assert counts == {"A-1": 1, "B-1": 1, "SHARED-1": 2}
    assert "badge-demo" in client.get(reverse("services:service-list")).content.decode()


# --- query counts --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.EDITOR])
def test_service_list_query_count_does_not_grow_with_rows(client, role):
    user = UserFactory(role=role)
    portal, phone = ChannelFactory(code="portal"), ChannelFactory(code="phone")
    situation = LifeSituationFactory()

    def add(count):
        for _ in range(count):
            holder = InstitutionFactory()
            Membership.objects.create(user=user, institution=holder)
            service = ServiceFactory(holder=holder, providers=[holder, InstitutionFactory()], life_situations=[situation])
            ServiceChannelFactory(service=service, channel=portal)
            ServiceChannelFactory(service=service, channel=phone)

    client.force_login(user)
    url = reverse("services:service-list")
    add(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as few_export:
        assert client.get(url, {"_export": "csv"}).status_code == 200
    add(22)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as many_export:
        assert client.get(url, {"_export": "csv"}).status_code == 200

    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many_export.captured_queries) == len(few_export.captured_queries)


def test_service_detail_query_count_does_not_grow_with_years_channels_or_providers(client, coordinator):
    channels = [ChannelFactory(code=code) for code in ("portal", "phone", "post", "institution_in_person")]
    holder = InstitutionFactory()
    service = ServiceFactory(catalogue_id="Q-1", holder=holder, providers=[holder])
    client.force_login(coordinator)
    url = reverse("services:service-detail", args=["Q-1"])

    def add(years, channel_list):
        for year in years:
            for channel in channel_list:
                ServiceChannelFactory._meta.model.objects.get_or_create(service=service, channel=channel)
                ServiceFigureFactory(service=service, provider=holder, year=year, channel=channel)

    add([2020], channels[:1])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(3):
        service.providers.add(InstitutionFactory())
    add([2021, 2022, 2023, 2024], channels)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200

    assert len(large.captured_queries) == len(small.captured_queries)


def test_life_situation_list_query_count_does_not_grow_with_rows(client, coordinator):
    portal = ChannelFactory(code="portal")
    client.force_login(coordinator)
    url = reverse("services:life-situation-list")

    def add(count):
        for _ in range(count):
            service = ServiceFactory(life_situations=[LifeSituationFactory()])
            ServiceChannelFactory(service=service, channel=portal)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(many.captured_queries) == len(few.captured_queries)


# --- the figures behind the pages ----------------------------------------------------------------------------------


@pytest.fixture
def reported_service(two_institutions):
    """SHARED-2 provided by A and B, with A's figures for 2022 and 2023 and one B figure for 2023."""
    a, b = two_institutions
    portal = ChannelFactory(code="portal")
    phone = ChannelFactory(code="phone")
    in_person = ChannelFactory(code="institution_in_person")
    service = ServiceFactory(catalogue_id="SHARED-2", holder=a, providers=[a, b])
    for channel in (portal, phone, in_person):
        ServiceChannelFactory(service=service, channel=channel)

    def figure(provider, year, channel, completed, **values):
        values.setdefault("started", None)
        return ServiceFigureFactory(
            service=service, provider=provider, year=year, channel=channel, completed=completed, **values
        )

    scale = {"rating_scale_min": 1, "rating_scale_max": 5}
    figure(a, 2023, portal, 180, started=200, satisfaction_responses=50, satisfaction_mean=Decimal("4.0"), **scale)
    figure(a, 2023, phone, 60, satisfaction_responses=10, satisfaction_mean=Decimal("2.0"), **scale)
    figure(a, 2023, in_person, 60, started=100)
    # A quarter of a year reported whole: not counted again.
    figure(a, 2023, portal, 999, period_type=PeriodType.QUARTER, period_number=1)
    # 2022 by quarters only (counted), plus a month of a quartered year (not counted).
    figure(a, 2022, portal, 40, period_type=PeriodType.QUARTER, period_number=1)
    figure(a, 2022, portal, 60, period_type=PeriodType.QUARTER, period_number=2)
    figure(a, 2022, portal, 5, period_type=PeriodType.MONTH, period_number=1)
    figure(b, 2023, portal, 7777, is_demo=True)
    return service


def test_yearly_summary_applies_the_briefs_formulas(reported_service, two_institutions):
    a, _b = two_institutions
    figures = ServiceFigure.objects.filter(service=reported_service, provider=a)

    summary = {row.year: row for row in figures_report.yearly_summary(figures)}

    # 2022: quarters 40 + 60 = 100 completed, all on the portal; the month is inside Q1 and not added.
    assert summary[2022].completed == 100
    assert summary[2022].digital_take_up == pytest.approx(1.0)
    # 2023: T = 180 + 60 + 60 = 300 (the Q1 row of 999 is inside the year row); digital T = 180.
    row = summary[2023]
    assert row.completed == 300
    assert row.digital_take_up == pytest.approx(180 / 300)  # 0.6
    # Completion rate over the rows reporting S: (180 + 60) / (200 + 100) = 0.8; the phone row has no S.
    assert row.completion_rate == pytest.approx(0.8)
    # Satisfaction: portal (4 − 1)/(5 − 1) × 100 = 75 with 50 responses, phone (2 − 1)/4 × 100 = 25 with 10:
    # (75 × 50 + 25 × 10) / 60 = 4000 / 60 = 66.67.
    assert row.satisfaction_score == pytest.approx(4000 / 60)
    assert not row.is_demo


def test_yearly_summary_has_no_ratio_without_transactions(two_institutions):
    a, _b = two_institutions
    service = ServiceFactory(holder=a)
    ServiceFigureFactory(service=service, provider=a, year=2024, channel=ChannelFactory(code="phone"), started=0, completed=0)

    (row,) = figures_report.yearly_summary(ServiceFigure.objects.filter(service=service))

    assert row.completed == 0
    assert row.digital_take_up is None and row.completion_rate is None and row.satisfaction_score is None


def test_channel_rows_and_mix_of_the_latest_year(reported_service):
    rows = figures_report.yearly_channel_figures(ServiceFigure.objects.filter(service=reported_service))

    mix = figures_report.channel_mix(rows, 2023)

    # Portal 180 (A) + 7 777 (B) = 7 957, then phone and in person with 60 each, in the code list's order.
    assert [(row.channel_code, row.completed) for row in mix] == [
        ("portal", 7957),
        ("phone", 60),
        ("institution_in_person", 60),
    ]
    assert mix[0].is_demo  # B's row is demo data


def test_service_page_charts_render_svg_with_the_numbers(client, reported_service, editor_of_a):
    client.force_login(editor_of_a)

    response = client.get(reverse("services:service-detail", args=["SHARED-2"]))
    page = response.content.decode()

    charts = response.context["charts"]
    assert [chart.kind for chart in charts] == ["bar", "line", "line"]
    # Each chart is an image twice: its SVG and the canvas Chart.js draws on.
    assert page.count('role="img"') == 6 and page.count("<svg") == 3 and page.count("<canvas") == 3
    assert "<title" in page and "<desc" in page
    # The bar chart of 2023 and its table: A's 180, 60 and 60; never B's 7 777.
    assert ">180<" in charts[0].svg and ">60<" in charts[0].svg
    assert "7\xa0777" not in page and "7777" not in page
    # Digital take-up: 2022 100 %, 2023 60 %.
    assert "100,0 %" in charts[2].svg
    assert "60,0 %" in page
    # The yearly table: completion rate 80 % and satisfaction 66,7.
    assert "80,0 %" in page and "66,7" in page


def test_demo_figures_carry_a_badge(client, reported_service, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("services:service-detail", args=["SHARED-2"])).content.decode()
    assert "notice--demo" in page and "badge-demo" in page


def test_service_page_shows_every_attribute(client, catalogue, coordinator):
    service = catalogue["own"]
    service.name_en = "Alpha's service"
    service.description_lv = "Latvisks apraksts"
    service.description_en = "An English description"
    service.physical_presence_reason = "Biometrics are taken"
    service.legal_basis = "Likums par pakalpojumiem"
    service.url = "https://example.lv/pakalpojums"
    service.minimum_basket = True
    service.condition_automation = False
    service.save()
    offer = service.channels.get()
    offer.address, offer.fee_amount, offer.processing_days = "https://latvija.gov.lv/x", Decimal("12.50"), 5
    offer.save()
    client.force_login(coordinator)

    page = client.get(reverse("services:service-detail", args=["A-1"])).content.decode()

    for text in (
        "Alfas pakalpojums",
        "Alpha&#x27;s service",
        "Latvisks apraksts",
        "An English description",
        "Biometrics are taken",
        "Likums par pakalpojumiem",
        "https://example.lv/pakalpojums",
        "https://latvija.gov.lv/x",
        "12,50 EUR",
        "Alfa aģentūra",
    ):
        assert text in page, text
    assert page.count("condition--no") == 1 and page.count("condition--yes") == 9


def test_provider_links_only_where_the_reader_may_open_the_institution(client, catalogue, editor_of_a, two_institutions):
    a, b = two_institutions
    client.force_login(editor_of_a)

    page = client.get(reverse("services:service-detail", args=["SHARED-1"])).content.decode()

    assert reverse("institution-detail", args=[a.pk]) in page
    assert reverse("institution-detail", args=[b.pk]) not in page
    assert "Beta dienests" in page  # named as a provider, but not linked


def test_service_page_links_to_reporting_only_for_institutions_the_user_reports_for(
    client, catalogue, editor_of_a, two_institutions
):
    a, b = two_institutions
    client.force_login(editor_of_a)

    page = client.get(reverse("services:service-detail", args=["SHARED-1"])).content.decode()

    assert reverse("services:figures-edit", args=["SHARED-1", a.pk, LAST_YEAR]) in page
    assert reverse("services:figures-edit", args=["SHARED-1", b.pk, LAST_YEAR]) not in page


# --- life situations -----------------------------------------------------------------------------------------------


@pytest.fixture
def life_situations(two_institutions):
    """'online': two active services with a digital remote channel each, and a withdrawn one without.
    'offline': one service with a portal, one of A with an assisted e-service at a VPVKAC only (digital, not
    remote), one of B with phone only."""
    a, b = two_institutions
    portal, phone, assisted = (ChannelFactory(code=code) for code in ("portal", "phone", "vpvkac_assisted"))
    online = LifeSituationFactory(code="online", name_lv="Viss tiešsaistē")
    offline = LifeSituationFactory(code="offline", name_lv="Jāiet klātienē")

    def service(catalogue_id, holder, channels, situation, status=ServiceStatus.ACTIVE):
        created = ServiceFactory(catalogue_id=catalogue_id, holder=holder, status=status, life_situations=[situation])
        for channel in channels:
            ServiceChannelFactory(service=created, channel=channel)
        return created

    service("ON-1", a, [portal, phone], online)
    service("ON-2", b, [portal], online)
    service("ON-3", a, [phone], online, status=ServiceStatus.WITHDRAWN)
    service("OFF-1", a, [portal], offline)
    service("OFF-2", a, [assisted], offline)
    service("OFF-3", b, [phone], offline)
    LifeSituationFactory(code="empty", name_lv="Tukša")
    return online, offline


def test_life_situation_is_fully_online_when_every_active_service_has_a_digital_remote_channel(
    client, life_situations, coordinator
):
    client.force_login(coordinator)
    rows = export_rows(client.get(reverse("services:life-situation-list"), {"_export": "csv"}))
    by_code = {row[1]: row for row in rows[1:]}

    assert by_code["online"][3] == "Jā"  # the withdrawn ON-3 does not count
    assert by_code["offline"][3] == "Nē"
    assert by_code["empty"][3] == "Nē"  # no active service at all


def test_life_situation_page_names_the_services_lacking_an_online_channel(client, life_situations, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("services:life-situation-detail", args=["offline"]))

    gaps = response.context["gaps"]
    assert sorted(service.catalogue_id for service in gaps.visible) == ["OFF-2", "OFF-3"]
    assert gaps.hidden_count == 0
    page = response.content.decode()
    assert "OFF-2" in page and "OFF-3" in page


def test_life_situation_page_counts_but_does_not_name_services_the_reader_may_not_see(
    client, life_situations, editor_of_a
):
    client.force_login(editor_of_a)

    response = client.get(reverse("services:life-situation-detail", args=["offline"]))

    gaps = response.context["gaps"]
    assert [service.catalogue_id for service in gaps.visible] == ["OFF-2"]
    assert gaps.hidden_count == 1  # OFF-3 of B
    page = response.content.decode()
    assert "OFF-3" not in page
    assert sorted(service.catalogue_id for service in response.context["services"]) == ["OFF-1", "OFF-2"]


def test_life_situation_list_counts_only_visible_services_and_filters_fully_online(
    client, life_situations, editor_of_a
):
    client.force_login(editor_of_a)
    url = reverse("services:life-situation-list")

    table = client.get(url).context["table"]
    online_only = export_rows(client.get(url, {"fully_online": "true", "_export": "csv"}))

    counts = {row.record.code: row.record.service_count for row in table.rows}
    assert counts == {"online": 2, "offline": 2, "empty": 0}  # ON-1, ON-3 and OFF-1, OFF-2 are A's
    assert [row[1] for row in online_only[1:]] == ["online"]


# --- reporting overview --------------------------------------------------------------------------------------------


def test_report_home_lists_each_provided_service_and_the_last_five_years(client, catalogue, editor_of_a):
    a = editor_of_a.institutions.get()
    FigureSubmissionFactory(service=catalogue["own"], provider=a, year=LAST_YEAR, status=SubmissionStatus.SUBMITTED)
    FigureSubmissionFactory(service=catalogue["shared"], provider=a, year=LAST_YEAR - 1)
    client.force_login(editor_of_a)

    response = client.get(reverse("services:report-home"))

    (provider,) = response.context["overview"]
    assert provider.institution == a
    cells = {row.service.catalogue_id: [cell.status for cell in row.cells] for row in provider.services}
    assert response.context["years"] == [LAST_YEAR - offset for offset in range(5)]
    assert cells == {
        "A-1": ["submitted", "", "", "", ""],
        "SHARED-1": ["", "draft", "", "", ""],
    }
    assert provider.pending_count == 9  # 2 services × 5 years, one submitted
    page = response.content.decode()
    assert reverse("services:figures-edit", args=["A-1", a.pk, LAST_YEAR]) in page
    assert "B-1" not in page


def test_report_home_marks_years_outside_the_services_lifetime(client, catalogue, editor_of_a):
    own = catalogue["own"]
    own.valid_from = date(LAST_YEAR - 1, 7, 1)
    own.save()
    client.force_login(editor_of_a)

    (provider,) = client.get(reverse("services:report-home")).context["overview"]

    row = next(row for row in provider.services if row.service == own)
    assert [cell.reportable for cell in row.cells] == [True, True, False, False, False]


# --- completeness --------------------------------------------------------------------------------------------------


@pytest.fixture
def completeness_data():
    """Ministry M with agencies A and B; C a municipal institution outside any sector. For LAST_YEAR:

    s1 (A and B provide), s2 (A), s3 (B, only planned), s4 (B, ended the year before), s5 (C).
    Submissions: s1/A submitted, s2/A draft, s1/B accepted, s5/C returned, s3/B submitted (not expected).
    """
    ministry = InstitutionFactory(short_name="MIN", institution_type=InstitutionType.MINISTRY)
    a = InstitutionFactory(short_name="A", name_lv="A aģentūra", parent=ministry)
    b = InstitutionFactory(short_name="B", name_lv="B aģentūra", parent=ministry)
    municipality = MunicipalityFactory(code="ogres-novads")
    c = InstitutionFactory(
        short_name="C", name_lv="C pašvaldība", institution_type=InstitutionType.MUNICIPALITY, municipality=municipality
    )
    s1 = ServiceFactory(catalogue_id="S1", holder=a, providers=[a, b])
    s2 = ServiceFactory(catalogue_id="S2", holder=a, providers=[a])
    s3 = ServiceFactory(catalogue_id="S3", holder=b, providers=[b], status=ServiceStatus.PLANNED)
    ServiceFactory(catalogue_id="S4", holder=b, providers=[b], valid_to=date(LAST_YEAR - 1, 12, 31))
    s5 = ServiceFactory(catalogue_id="S5", holder=c, providers=[c])
    for service, provider, status in (
        (s1, a, SubmissionStatus.SUBMITTED),
        (s2, a, SubmissionStatus.DRAFT),
        (s1, b, SubmissionStatus.ACCEPTED),
        (s5, c, SubmissionStatus.RETURNED),
        (s3, b, SubmissionStatus.SUBMITTED),
    ):
        FigureSubmissionFactory(service=service, provider=provider, year=LAST_YEAR, status=status)
    return {"ministry": ministry, "a": a, "b": b, "c": c, "municipality": municipality}


def test_completeness_counts_services_provided_and_reports_submitted(completeness_data):
    report = figures_report.completeness(LAST_YEAR)

    rows = {row.institution.short_name: row for row in report.rows}
    # A: s1, s2 expected, s1 submitted → 1/2. B: s1 only (s3 planned, s4 ended) and accepted → 1/1.
    # C: s5 expected, returned for correction → 0/1.
    assert {name: (row.expected, row.submitted) for name, row in rows.items()} == {
        "A": (2, 1),
        "B": (1, 1),
        "C": (1, 0),
    }
    assert rows["A"].share == 0.5 and rows["B"].share == 1.0 and rows["C"].share == 0.0
    assert [(m.catalogue_id, m.status) for m in rows["A"].missing] == [("S2", "draft")]
    assert [(m.catalogue_id, m.status) for m in rows["C"].missing] == [("S5", "returned")]
    assert rows["B"].missing == []
    # Totals sum first, then divide: (1 + 1 + 0) / (2 + 1 + 1) = 2 / 4 = 50 %, not the mean of 50 %, 100 %, 0 %.
    assert (report.submitted, report.expected, report.share) == (2, 4, 0.5)


def test_completeness_tells_figures_entered_but_not_submitted_from_nothing_started(completeness_data):
    a = completeness_data["a"]
    s2 = a.provided_services.get(catalogue_id="S2")
    s6 = ServiceFactory(catalogue_id="S6", holder=a, providers=[a])
    FigureSubmissionFactory._meta.model.objects.filter(service=s2).delete()
    ServiceFigureFactory(service=s2, provider=a, year=LAST_YEAR, channel=ChannelFactory(code="phone"))

    rows = {row.institution.short_name: row for row in figures_report.completeness(LAST_YEAR).rows}

    with translation.override("en"):
        labels = {report.catalogue_id: report.status_label for report in rows["A"].missing}
    assert labels == {"S2": "figures entered, not submitted", s6.catalogue_id: "not started"}
    assert (rows["A"].expected, rows["A"].submitted) == (3, 1)


def test_completeness_page_filters_by_sector_and_municipality(client, completeness_data, coordinator):
    client.force_login(coordinator)
    url = reverse("services:completeness")

    by_sector = client.get(url, {"year": LAST_YEAR, "sector": completeness_data["ministry"].pk}).context["report"]
    by_municipality = client.get(url, {"year": LAST_YEAR, "municipality": "ogres-novads"}).context["report"]

    # Sector MIN: A and B, (1 + 1) / (2 + 1) = 2 / 3.
    assert [row.institution.short_name for row in by_sector.rows] == ["A", "B"]
    assert by_sector.share == pytest.approx(2 / 3)
    assert [row.institution.short_name for row in by_municipality.rows] == ["C"]


def test_completeness_page_shows_chart_and_exports(client, completeness_data, coordinator):
    client.force_login(coordinator)
    url = reverse("services:completeness")

    page = client.get(url, {"year": LAST_YEAR}).content.decode()
    rows = export_rows(client.get(url, {"year": LAST_YEAR, "_export": "csv"}))
    cells = xlsx_cells(client.get(url, {"year": LAST_YEAR, "_export": "xlsx"}))

    assert '<svg' in page and 'role="img"' in page
    assert "50 %" in page
    by_short_name = {row[1]: row for row in rows[1:]}
    assert by_short_name["A"][2:5] == ["2", "1", "50.0"]
    assert "S2" in by_short_name["A"][5]
    assert len(cells) == 1 + 3


def test_completeness_is_for_coordinators_only(client, completeness_data, editor_of_a):
    client.force_login(editor_of_a)
    assert client.get(reverse("services:completeness")).status_code == 403
    assert client.get(reverse("services:completeness"), {"_export": "csv"}).status_code == 403


# --- navigation ----------------------------------------------------------------------------------------------------


def test_navigation_links_by_role(client, editor_of_a, coordinator):
    client.force_login(editor_of_a)
    editor_page = client.get(reverse("services:service-list")).content.decode()
    client.force_login(coordinator)
    coordinator_page = client.get(reverse("services:service-list")).content.decode()

    assert reverse("services:life-situation-list") in editor_page
    assert reverse("services:report-home") in editor_page
    assert reverse("services:completeness") not in editor_page
    assert reverse("services:completeness") in coordinator_page
