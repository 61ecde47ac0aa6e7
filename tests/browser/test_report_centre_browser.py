"""The report centre in a real chromium: the coordinator requests the VPVKAC evaluation of a municipality, follows
it to its page until it is ready, and downloads its XLSX, which opens with the municipality's figures."""

import io

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from tests.browser.test_assessment_browser import sign_in
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.factories import UserFactory
from tests.reports.test_report_centre import make_network


@pytest.fixture
def centre_world(transactional_db, settings, tmp_path):
    """The network's figures and the coordinator, made before the browser starts (Playwright runs an event loop in
    this thread, and Django refuses database calls while one runs)."""
    settings.MEDIA_ROOT = tmp_path
    period, ropazi, _cesis = make_network()
    coordinator = UserFactory(role=Role.COORDINATOR, username="kora", first_name="Kora", last_name="Koordinatore")
    return period, ropazi, coordinator


@pytest.mark.browser
def test_the_coordinator_requests_an_evaluation_sees_it_ready_and_downloads_the_xlsx(
    centre_world,
    live_server,
    chromium,  # noqa: F811
):
    period, ropazi, coordinator = centre_world
    page = sign_in(chromium, live_server, coordinator)
    page.goto(f"{live_server.url}/en/reports/centre/")
    form = page.locator("form.stacked-form")
    form.get_by_label("Report:", exact=True).select_option(label="VPVKAC yearly evaluation")
    form.get_by_label("Language").select_option(value="en")
    form.get_by_label("VPVKAC reporting period").select_option(value=str(period.pk))
    form.get_by_label("Municipality").select_option(value=str(ropazi.pk))
    form.get_by_role("button", name="Generate the report").click()

    # the report's page follows the job until it is ready, then offers its files
    page.wait_for_url(f"{live_server.url}/en/reports/centre/*/")
    page.locator(".report-progress__status").get_by_text("Ready").wait_for(timeout=30_000)
    assert "Kora Koordinatore" in page.locator("dl.facts").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "report-centre-evaluation-en.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith("-en.xlsx")
    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()), data_only=True)
    summary = dict(row for row in book["Summary"].iter_rows(min_row=2, values_only=True))
    # services 600 + 400 = 1000 at Rōpaži and the former municipality merged into it; 12000 / 1000 = 12 per service
    assert summary["Services"] == 1000
    assert summary["Cost per service (EUR)"] == 12

    # the list shows who requested it and that it is ready
    page.goto(f"{live_server.url}/en/reports/centre/")
    row = page.locator("table.data-table tbody tr").first
    assert "Ready" in row.inner_text() and "Kora Koordinatore" in row.inner_text()
