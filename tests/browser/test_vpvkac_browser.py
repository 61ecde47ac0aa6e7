"""A centre operator in a real chromium: open their centre's page, enter a day's figures in the one-day form and
see them in the centre's contacts by day. Celery runs eagerly in the live server, so the incremental network
recomputation the saved figures queue runs when the request commits."""

import pytest

from accounts.models import Role
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.factories import PASSWORD, InstitutionFactory, MunicipalityFactory, UserFactory
from tests.vpvkac.factories import CentreFactory
from vpvkac.models import CentreMembership, Desk


@pytest.fixture
def operator_and_centre(transactional_db):
    """A centre with a VID desk and its operator, and another centre. Made before the browser starts: Playwright
    runs an event loop in this thread, and Django refuses database calls while one runs."""
    municipality = MunicipalityFactory(code="alfas-novads", name_lv="Alfas novads", name_en="")
    centre = CentreFactory(code="alfas-centrs", name="Alfas klientu centrs", municipality=municipality)
    CentreFactory(code="citas-centrs", name="Cits centrs", municipality=municipality)
    Desk.objects.create(centre=centre, institution=InstitutionFactory(short_name="VID", name_lv="VID"))
    operator = UserFactory(username="operatore", role=Role.CENTRE_OPERATOR, first_name="Olga", last_name="Operatore")
    CentreMembership.objects.create(user=operator, centre=centre)
    return operator, centre


@pytest.mark.browser
def test_operator_enters_a_day_and_sees_it_on_the_centre_page(operator_and_centre, live_server, chromium):  # noqa: F811
    operator, centre = operator_and_centre
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()

    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("#id_username").fill(operator.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/en/")

    page.goto(f"{live_server.url}/en/vpvkac/centres/")
    assert "Cits centrs" not in page.locator("table").inner_text()  # the other centre is not theirs
    page.get_by_role("link", name="Alfas klientu centrs").click()
    page.wait_for_url(f"{live_server.url}/en/vpvkac/centres/{centre.code}/")
    page.get_by_role("link", name="Enter a day's figures").click()
    page.wait_for_url(f"{live_server.url}/en/vpvkac/centres/{centre.code}/day/")

    page.locator("#choose-date").fill("2024-04-02")
    page.get_by_role("button", name="Show this day").click()
    page.wait_for_url("**/day/?date=2024-04-02")

    # Row 1: 09:00–10:00, VID, 12 services to natural persons; row 2: the same hour, 3 consultations.
    page.get_by_label("Row 1: Hour").select_option("9")
    page.get_by_label("Row 1: Institution").select_option(label="VID")
    page.get_by_label("Row 1: Client type").select_option("natural")
    page.get_by_label("Row 1: Count").fill("12")
    page.get_by_label("Row 2: Hour").select_option("9")
    page.get_by_label("Row 2: Contact type").select_option("consultation")
    page.get_by_label("Row 2: Count").fill("3")
    page.screenshot(path=str(SCREENSHOTS / "vpvkac-day-form-en.png"), full_page=True)
    page.get_by_role("button", name="Save the day's figures").click()

    page.wait_for_url(f"{live_server.url}/en/vpvkac/centres/{centre.code}/?month=2024-04#day-figures")
    assert "were saved: 2 new" in page.locator(".messages").inner_text()
    days = page.get_by_role("region", name="Contacts by day")
    row = days.locator("tbody tr").first.inner_text().split()
    # 2 April 2024: 12 services, 0 assisted e-services, 3 consultations, 0 calls, 0 e-mails; 15 contacts.
    assert row[1:] == ["12", "0", "3", "0", "0", "15"]
    page.screenshot(path=str(SCREENSHOTS / "vpvkac-centre-page-en.png"), full_page=True)
    context.close()
