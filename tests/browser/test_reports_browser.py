"""The coordinator's morning in a real chromium: open the national overview from the main navigation, open the
table behind a chart, follow an institution to its profile and download the profile as a PDF."""

import pytest

from accounts.models import Role
from tests.browser.test_assessment_browser import sign_in
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.factories import UserFactory
from tests.reports.test_dashboards import build_world


@pytest.fixture
def coordinator_and_world(transactional_db):
    """The world of tests/reports/test_dashboards.py and a coordinator with a password. Made before the browser
    starts: Playwright runs an event loop in this thread, and Django refuses database calls while one runs."""
    world = build_world()
    coordinator = UserFactory(username="rita-koordinatore", role=Role.COORDINATOR)
    return coordinator, world


@pytest.mark.browser
def test_coordinator_opens_a_table_follows_to_a_profile_and_downloads_its_pdf(
    coordinator_and_world,
    live_server,
    chromium,  # noqa: F811
):
    coordinator, world = coordinator_and_world
    alfa = world.institutions["alfa"]
    page = sign_in(chromium, live_server, coordinator)
    # The pages break no rule of the Content Security Policy: the charts are inline SVG, with no script or style.
    page.context.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));"
    )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview", exact=True).click()
    page.wait_for_url(f"{live_server.url}/en/reports/")
    assert page.get_by_role("heading", level=1).inner_text() == "National overview"
    assert page.locator("figure.chart svg[role=img]").count() >= 8

    # The table behind the overdue chart is one click away.
    panel = page.locator("#panel-overdue")
    table = panel.get_by_role("region", name="Overdue obligations by institution")
    assert not table.is_visible()
    panel.locator("summary", has_text="The table behind the chart").click()
    table.wait_for(state="visible")
    row = table.locator("tbody tr")
    assert row.count() == 1 and "Alpha Agency" in row.inner_text() and "2024" in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "reports-overview-en.png"), full_page=True)
    assert page.evaluate("window.__violations") == []

    # From the table to the institution's profile.
    row.get_by_role("link", name="Alpha Agency").click()
    page.wait_for_url(f"{live_server.url}/en/reports/institutions/{alfa.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Alpha Agency"
    # On the printable profile the tables are open.
    assert page.locator("#panel-services-table").get_by_role("cell", name="ALFA-1", exact=True).is_visible()
    page.screenshot(path=str(SCREENSHOTS / "reports-profile-en.png"), full_page=True)
    assert page.evaluate("window.__violations") == []

    # The profile as a PDF.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("profile-alfa-") and download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    page.context.close()
