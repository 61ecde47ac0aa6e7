"""An institution editor in a real chromium: log in, switch to English, see the own institution,
and be refused another institution's page."""

import os
from pathlib import Path

import pytest

from accounts.models import Role
from tests.conftest import require_service
from tests.factories import PASSWORD, InstitutionFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp"))


@pytest.fixture
def chromium():
    if not Path(CHROMIUM).exists():
        require_service("chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def editor_of_a(transactional_db):
    """Institutions A and B and an editor of A. Made before the browser starts: Playwright runs an event
    loop in this thread, and Django refuses database calls while one runs."""
    own = InstitutionFactory(
        name_lv="Valsts sociālās apdrošināšanas aģentūra", name_en="State Social Insurance Agency", short_name="VSAA"
    )
    other = InstitutionFactory(name_lv="Valsts ieņēmumu dienests", name_en="State Revenue Service", short_name="VID")
    editor = UserFactory(
        username="redaktors", role=Role.EDITOR, first_name="Roberts", last_name="Redaktors", member_of=[own]
    )
    return editor, own, other


@pytest.mark.browser
def test_editor_logs_in_switches_to_english_and_is_refused_another_institution(editor_of_a, live_server, chromium):
    editor, own, other = editor_of_a

    # No JavaScript: every step, the language switch included, must work with plain forms.
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900}, locale="lv-LV")
    page = context.new_page()

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.locator("#id_username").fill(editor.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "lv"
    assert "Valsts sociālās apdrošināšanas aģentūra" in page.content()

    # The language selector is a labelled <select> and a button, posted to /i18n/setlang/ with the keyboard.
    assert page.locator("label[for=language-select]").count() == 1
    page.locator("#language-select").select_option("en")
    page.locator("#language-select").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "language-submit"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/en/")

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="State Social Insurance Agency").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "editor-flow-home-en.png"), full_page=True)

    page.get_by_role("link", name="State Social Insurance Agency").click()
    page.wait_for_url(f"{live_server.url}/en/institutions/{own.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "State Social Insurance Agency"
    assert page.get_by_text("You may edit this institution").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "editor-flow-detail-en.png"), full_page=True)

    response = page.goto(f"{live_server.url}/en/institutions/{other.pk}/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert "State Revenue Service" not in page.content()
    assert "Valsts ieņēmumu dienests" not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "editor-flow-404-en.png"), full_page=True)

    context.close()
