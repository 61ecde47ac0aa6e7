"""The Content Security Policy holds in a real chromium: the main pages, the Swagger UI and ReDoc work under it
and break none of its rules, and an injected inline script does not run."""

import pytest

from accounts.models import Role
from tests.browser.test_editor_flow import chromium  # noqa: F401  (fixture)
from tests.factories import PASSWORD, UserFactory

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""

PAGES = [
    "/",
    "/reports/",
    "/catalogue/",
    "/assessments/",
    "/plans/",
    "/vpvkac/",
    "/vpvkac/centres/",
    "/transformation/",
    "/open/",
    "/admin/",
]


def test_every_page_carries_the_policy(client, db):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


@pytest.fixture
def coordinator(transactional_db):
    return UserFactory(username="koordinators", role=Role.COORDINATOR, is_staff=True, is_superuser=True)


@pytest.mark.browser
def test_the_main_pages_and_the_api_documentation_break_no_rule_of_the_policy(coordinator, live_server, chromium):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(coordinator.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert page.evaluate("window.__violations") == [], path

    # Swagger UI starts from its own script file and lists the operations.
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    assert page.evaluate("window.__violations") == []

    # ReDoc renders the schema's title, with the two allowances of its own page. Its "powered by" logo points at
    # ReDoc's own CDN: the policy keeps the browser from fetching anything from there, and that is all it blocks.
    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.get_by_role("heading", level=1).first.wait_for(timeout=30_000)
    assert all(v.startswith("img-src https://cdn.redoc.ly/") for v in page.evaluate("window.__violations"))

    # A script written into a page (as an injection would be) is refused and reported.
    page.goto(f"{live_server.url}/")
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__ran = true";
                   document.body.appendChild(s); }"""
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran === undefined")
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))
    context.close()
