"""The main task of the institution viewer in a real chromium, the one role no other browser flow covers (the
coordinator: test_costing_browser, test_reports_browser; the editor: test_editor_flow, test_assessment_browser; the
expert: test_assessment_browser's review and approval; the centre operator: test_vpvkac_browser).

A viewer (staff or an auditor) reads the own institution's data: finds a service in the catalogue, reads it and
downloads the list, reads a transformation project, and is offered no way to change anything, nor let in by
typing the address of an editing page."""

import csv
import io
from datetime import date

import pytest

from accounts.models import Membership, Role
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.factories import PASSWORD, InstitutionFactory, UserFactory

YEAR = 2024


@pytest.fixture
def viewer_world(transactional_db):
    """Made before the browser starts: Playwright runs an event loop in this thread, and Django refuses database
    calls while one runs."""
    from tests.services.factories import ChannelFactory, ServiceChannelFactory, ServiceFactory
    from transformation.models import TransformationProject

    own = InstitutionFactory(short_name="VSAA", name_lv="Valsts sociālās apdrošināšanas aģentūra", name_en="SSIA")
    other = InstitutionFactory(short_name="VID", name_lv="Valsts ieņēmumu dienests", name_en="SRS")
    viewer = UserFactory(username="skatitajs", role=Role.VIEWER, first_name="Sandra", last_name="Skatītāja")
    Membership.objects.create(user=viewer, institution=own, can_edit=False)
    service = ServiceFactory(catalogue_id="S-A1", holder=own, valid_from=date(2015, 1, 1), name_en="Old-age pension")
    ServiceChannelFactory(service=service, channel=ChannelFactory(code="portal"))
    ServiceFactory(catalogue_id="S-B1", holder=other, name_en="Tax return")
    project = TransformationProject.objects.create(institution=own, name="Pieteikumu pārveide", appraisal_years=5)
    return viewer, own, service, project


@pytest.mark.browser
def test_a_viewer_reads_the_own_catalogue_and_project_downloads_the_list_and_may_change_nothing(
    viewer_world,
    live_server,
    chromium,  # noqa: F811
):
    viewer, own, service, project = viewer_world
    base = live_server.url
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True)
    page = context.new_page()

    page.goto(f"{base}/en/accounts/login/")
    page.locator("#id_username").fill(viewer.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{base}/en/")

    # The catalogue from the main navigation: the own institution's service, not the other's.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    page.wait_for_url(f"{base}/en/catalogue/")
    results = page.locator("table").first.inner_text()
    assert "Old-age pension" in results and "Tax return" not in results

    # The download holds the same rows.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert any("S-A1" in row for row in rows) and not any("S-B1" in row for row in rows)

    # The service page: read, with no figures form offered.
    page.get_by_role("link", name="Old-age pension").click()
    page.wait_for_url(f"{base}/en/catalogue/S-A1/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Old-age pension")
    assert page.get_by_role("heading", name="Report figures").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "viewer-flow-service-en.png"), full_page=True)

    # Typing the figures form's address does not let the viewer in.
    response = page.goto(f"{base}/en/catalogue/S-A1/figures/{own.pk}/{YEAR}/")
    assert response.status == 403

    # The own transformation project: read, without the button that changes it; its edit page is refused.
    page.goto(f"{base}/en/transformation/")
    page.get_by_role("link", name="Pieteikumu pārveide").click()
    page.wait_for_url(f"{base}/en/transformation/projects/{project.pk}/")
    assert page.get_by_role("link", name="Change the project").count() == 0
    assert page.goto(f"{base}/en/transformation/projects/{project.pk}/edit/").status == 403
    context.close()
