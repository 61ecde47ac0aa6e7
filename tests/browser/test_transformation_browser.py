"""An institution editor in a real chromium runs a transformation project from its baseline to its evaluation:
creates the project, starts it, records the baseline measurement with the digital share pre-filled from the
catalogue, is refused closing while the final measurement is missing, records an interim and a final
measurement, reads the gains and losses, closes the project and downloads the evaluation workbook.

The catalogue's figures of service S-A1 at VSAA: 650 of 1,000 completed transactions on the portal in 2024
(65 %), 800 of 1,000 in 2025 (80 %). R1 and R2 (channel proportion, electronic use: the service is offered on the
portal) are pre-filled with them: baseline 65 %, final 80 % → Δ +15 p.p., Δ% 15 / 65 = +23.1 %, a gain.
R4 staff 14 → 12 → 11 FTE: Δ −3, a gain (lower is better); R7 users' assessment 70 → 75, a gain."""

import io

import openpyxl
import pytest

from accounts.models import Role
from services import costing
from services.models import RecomputationKind, ServiceFigure
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.factories import PASSWORD, InstitutionFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceChannelFactory, ServiceFactory
from transformation.models import ResultIndicator
from transformation.reference_data import load_indicators

BASELINE = {
    "R3": "14.29",
    "R4": "14",
    "R5": "7.5",
    "R6": "Izmaksas vēl nav zināmas.",
    "R7": "70",
    "R8.1": "0",
    "R8.2": "0",
    "R8.3": "0",
    "R9": "Garas rindas klātienē.",
}
FINAL = {
    "R3": "27.27",
    "R4": "11",
    "R5": "9",
    "R6": "Ieguvumi pārsniedz izmaksas.",
    "R7": "75",
    "R8.1": "120000",
    "R8.2": "10000",
    "R8.3": "72000",
    "R9": "Ātrāka apkalpošana.",
}


@pytest.fixture
def editor_and_service(transactional_db):
    """The indicator library, VSAA with its editor, and S-A1 with its 2024 and 2025 figures computed. Made before
    the browser starts: Playwright runs an event loop in this thread, and Django refuses database calls then."""
    load_indicators()
    vsaa = InstitutionFactory(short_name="VSAA", name_lv="Valsts sociālās apdrošināšanas aģentūra", name_en="SSIA")
    editor = UserFactory(username="redaktore", role=Role.EDITOR, member_of=[vsaa])
    service = ServiceFactory(catalogue_id="S-A1", holder=vsaa, name_lv="Pensijas pieprasīšana", name_en="Pension")
    portal, in_person = ChannelFactory(code="portal"), ChannelFactory(code="institution_in_person")
    ServiceChannelFactory(service=service, channel=portal)
    for year, digital in ((2024, 650), (2025, 800)):
        ServiceFigure.objects.create(service=service, provider=vsaa, year=year, channel=portal, completed=digital)
        ServiceFigure.objects.create(
            service=service, provider=vsaa, year=year, channel=in_person, completed=1000 - digital
        )
    costing.recompute(RecomputationKind.FULL)
    fields = {}
    for indicator in ResultIndicator.objects.all():
        fields[indicator.code] = f"#id_m-{indicator.pk}-{'value' if indicator.is_numeric else 'text_value'}"
    return editor, fields


def fill_phase(page, fields, values, period):
    """Choose the period (the catalogue's figures follow it), fill `values`, save."""
    page.locator("#id_period-period_start").fill(period[0])
    page.locator("#id_period-period_end").fill(period[1])
    page.get_by_role("button", name="Show the catalogue figures for this period").click()
    page.wait_for_load_state()
    for code, value in values.items():
        page.locator(fields[code]).fill(value)


@pytest.mark.browser
def test_an_editor_runs_a_project_from_baseline_to_evaluation(editor_and_service, live_server, chromium):  # noqa: F811
    editor, fields = editor_and_service
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("#id_username").fill(editor.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/en/")

    # The project: VSAA is the editor's only institution, so it is chosen already.
    page.get_by_role("link", name="Transformation", exact=True).click()
    page.get_by_role("link", name="Start a project").click()
    page.locator("#id_name").fill("Pensiju pieteikumu pārveide")
    page.locator("#id_services").select_option(label="S-A1 Pension")
    page.get_by_role("button", name="Create the project").click()
    page.wait_for_url("**/transformation/projects/*/")
    assert "created as a draft" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="Start the project").click()
    assert page.locator("#project-status").inner_text() == "Active"

    # Baseline, 2024: R1 and R2 come from the catalogue, 650 / 1,000 = 65 %.
    page.get_by_role("link", name="Record the baseline measurement").click()
    fill_phase(page, fields, BASELINE, ("2024-01-01", "2024-12-31"))
    assert page.locator(fields["R1"]).input_value() == "65.00"
    assert page.locator(fields["R2"]).input_value() == "65.00"
    assert "pre-filled from catalogue" in page.locator(f"{fields['R1']}_prefill").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "transformation-baseline-en.png"), full_page=True)
    page.get_by_role("button", name="Save the baseline measurement").click()
    page.wait_for_url("**/transformation/projects/*/#evaluation")
    assert "11 values recorded" in page.locator(".messages").inner_text()

    # Closing now is refused, and the refusal names what is missing.
    page.get_by_role("link", name="Close the project").click()
    page.get_by_role("button", name="Close the project").click()
    refusal = page.locator("#close-refusal").inner_text()
    assert refusal.startswith("The project cannot close")
    assert "R1 Proportion of the institution's services by delivery channel (final)" in refusal
    page.get_by_role("link", name="Back to the project").click()

    # Interim: only the staff count, 12 FTE.
    page.get_by_role("link", name="Record the interim measurement").click()
    fill_phase(page, fields, {"R4": "12"}, ("2025-01-01", "2025-06-30"))
    for code in ("R1", "R2"):  # the half-year's catalogue share is offered, but left out here
        page.locator(fields[code]).fill("")
    page.get_by_role("button", name="Save the interim measurement").click()
    page.wait_for_url("**/transformation/projects/*/#evaluation")

    # Final, 2025: 800 / 1,000 = 80 % from the catalogue.
    page.get_by_role("link", name="Record the final measurement").click()
    fill_phase(page, fields, FINAL, ("2025-01-01", "2025-12-31"))
    assert page.locator(fields["R1"]).input_value() == "80.00"
    page.get_by_role("button", name="Save the final measurement").click()
    page.wait_for_url("**/transformation/projects/*/#evaluation")

    table = page.get_by_role("region", name="Before and after", exact=True)
    r1 = table.locator("tbody tr").filter(has_text="R1").first.locator("td")
    # baseline 65 %, final 80 %: Δ +15 p.p., Δ% +23.1 %, a gain
    assert [r1.nth(index).inner_text() for index in (3, 5, 6, 7, 8)] == [
        "65.0 % catalogue",
        "80.0 % catalogue",
        "+15.0 p.p.",
        "+23.1 %",
        "▲ Gain",
    ]
    r4 = table.locator("tbody tr").filter(has_text="R4").first.locator("td")
    assert [r4.nth(index).inner_text() for index in (3, 4, 5, 8)] == ["14", "12", "11", "▲ Gain"]
    page.screenshot(path=str(SCREENSHOTS / "transformation-gains-losses-en.png"), full_page=True)

    page.get_by_role("link", name="Close the project").click()
    page.get_by_role("button", name="Close the project").click()
    page.wait_for_url("**/transformation/projects/*/")
    assert page.locator("#project-status").inner_text() == "Closed"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Evaluation (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    rows = {row[0]: row for row in book["Before and after"].iter_rows(values_only=True)}
    assert rows["R1"][5:11] == (65, None, 80, 15, pytest.approx(23.0769, abs=1e-4), "Gain")
    context.close()
