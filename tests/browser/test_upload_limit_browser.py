"""A file above the site's upload limit is refused in the browser, before any of it is sent, with the server's
message in the page's language; a file within the limit is let through to the form."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from tests.browser.test_editor_flow import chromium  # noqa: F401  (the browser fixture)
from tests.factories import PASSWORD, InstitutionFactory, UserFactory


@pytest.fixture
def editor(transactional_db, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    own = InstitutionFactory(short_name="VSAA")
    return UserFactory(username="redaktore", role=Role.EDITOR, member_of=[own])


@pytest.mark.browser
def test_a_file_above_the_limit_is_refused_before_it_is_sent(editor, live_server, chromium):  # noqa: F811
    with translation.override("lv"):
        upload_url = live_server.url + reverse("services:bulk-upload")
    context = chromium.new_context(locale="lv-LV")
    page = context.new_page()
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(f"{live_server.url}/accounts/login/?next={upload_url}")
    page.locator("#id_username").fill("redaktore")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(upload_url)
    posts.clear()

    file_input = page.locator("input[type=file]")
    file_input.set_input_files({"name": "liels.csv", "mimeType": "text/csv", "buffer": b"x" * (3 * 1024 * 1024 // 2)})
    message = file_input.evaluate("input => input.validationMessage")
    page.locator("form:has(input[type=file]) [type=submit]").click()
    page.wait_for_timeout(300)

    assert message == "“liels.csv” ir 1,5 MB; pieņem datnes līdz 1,0 MB."
    assert posts == []  # the form was not sent
    assert page.url == upload_url

    file_input.set_input_files({"name": "mazs.csv", "mimeType": "text/csv", "buffer": b"service\n"})
    assert file_input.evaluate("input => input.validationMessage") == ""
    context.close()
