"""The coordinator in a real chromium: start a full recomputation of the cost figures, see it finish, then read
the national overview and a service cost card. Celery runs eagerly in the live server, so the job runs when the
request that asks for it commits; the page's status polling (plain JavaScript) is what would follow a real worker.
"""

from decimal import Decimal

import pytest

from accounts.models import Role
from services.models import CostFigure, CostRecomputation
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.factories import PASSWORD, InstitutionFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceCostFactory, ServiceFactory, ServiceFigureFactory


@pytest.fixture
def coordinator_and_figures(transactional_db):
    """One service of one institution with 2024 figures and costs, nothing computed yet. Made before the browser
    starts: Playwright runs an event loop in this thread, and Django refuses database calls while one runs.

    Portal T 300, phone T 100 with D 1 000, shared H 400: portal 300 / 300 = 1.00, phone 1 100 / 100 = 11.00,
    all channels 1 400 / 400 = 3.50."""
    agency = InstitutionFactory(
        short_name="VSAA", name_lv="Valsts sociālās apdrošināšanas aģentūra", name_en="State Social Insurance Agency"
    )
    service = ServiceFactory(
        catalogue_id="VSAA-1", name_lv="Pensijas piešķiršana", name_en="Granting a pension", holder=agency
    )
    portal, phone = ChannelFactory(code="portal"), ChannelFactory(code="phone")
    ServiceFigureFactory(service=service, channel=portal, completed=300, started=None)
    ServiceFigureFactory(service=service, channel=phone, completed=100, started=None)
    ServiceCostFactory(service=service, channel=phone, amount=Decimal("1000"))
    ServiceCostFactory(service=service, amount=Decimal("400"))
    # Saving figures queues incremental recomputations, which eager Celery has run already: start from nothing,
    # so what the pages show is what the coordinator's recomputation wrote.
    CostFigure.objects.all().delete()
    CostRecomputation.objects.all().delete()
    coordinator = UserFactory(username="koordinators", role=Role.COORDINATOR)
    return coordinator, service


@pytest.mark.browser
def test_coordinator_recomputes_and_reads_the_cost_pages(coordinator_and_figures, live_server, chromium):  # noqa: F811
    coordinator, service = coordinator_and_figures
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()

    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("#id_username").fill(coordinator.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/en/")

    page.get_by_role("link", name="Costs", exact=True).click()
    page.wait_for_url(f"{live_server.url}/en/catalogue/costs/")
    assert "No cost figures have been computed" in page.content()

    page.get_by_role("link", name="Recomputations").click()
    page.wait_for_url(f"{live_server.url}/en/catalogue/costs/recomputations/")
    page.get_by_role("button", name="Start a full recomputation").click()
    page.wait_for_url(f"{live_server.url}/en/catalogue/costs/recomputations/")
    job = page.locator("tr[id^=recomputation-]").first
    job.locator("[data-role=status]", has_text="Done").wait_for(timeout=15_000)
    assert job.locator("progress").get_attribute("value") == "100"
    page.screenshot(path=str(SCREENSHOTS / "costing-recomputations-en.png"), full_page=True)

    page.get_by_role("link", name="National overview").click()
    page.wait_for_url(f"{live_server.url}/en/catalogue/costs/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cost figures: national overview"
    stats = page.locator(".cost-summary")
    assert "1,400.00" in stats.inner_text() and "3.50" in stats.inner_text()
    assert page.locator("figure.chart svg").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "costing-national-en.png"), full_page=True)

    page.goto(f"{live_server.url}/en/catalogue/{service.catalogue_id}/")
    page.get_by_role("link", name="Cost figures of this service").click()
    page.wait_for_url(f"{live_server.url}/en/catalogue/costs/service/{service.catalogue_id}/")
    table = page.get_by_role("region", name="Cost figures by year and channel")
    first_row = table.locator("tbody tr").first
    assert "All channels" in first_row.inner_text() and "3.50" in first_row.inner_text()
    assert "11.00" in table.inner_text()
    assert "Computed with parameter version 1" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "costing-service-card-en.png"), full_page=True)

    context.close()
