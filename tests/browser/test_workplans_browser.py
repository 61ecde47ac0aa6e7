"""Progress reporting on an institution's obligation in a real chromium: the editor reports the obligation executed
with its evidence and submits it; the coordinator returns it from the review queue with a comment; the editor
sees the comment, corrects and resubmits; the coordinator approves, and the editor's obligations page shows the
approved status. And the team form refuses “no team needed” without the reason, naming the field."""

import re

import pytest

from tests.assessments.workflow_fixtures import make_people
from tests.browser.test_assessment_browser import sign_in
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.workplans.factories import plan_world


@pytest.fixture
def obligation_people(transactional_db):
    """The people and a plan with A's obligations. Made before the browser starts: Playwright runs an event loop
    in this thread, and Django refuses database calls while one runs."""
    people = make_people(passwords=True)
    world = plan_world(people)
    return people, world


def obligation_row(page, code):
    return page.locator("table.data-table tbody tr", has=page.get_by_role("link", name=code, exact=True))


@pytest.mark.browser
def test_report_return_correct_approve_an_obligation(obligation_people, live_server, chromium):  # noqa: F811
    people, world = obligation_people
    obligations_url = f"{live_server.url}/en/plans/institutions/{people.a.pk}/PVPP2027/"

    # The editor's obligations: the only institution and plan, so the start page leads straight to them.
    editor = sign_in(chromium, live_server, people.editor_a)
    editor.goto(f"{live_server.url}/en/plans/institutions/")
    editor.wait_for_url(obligations_url)
    assert "Not started" in obligation_row(editor, "P1.2").inner_text()
    assert "overdue" in obligation_row(editor, "P1.2").inner_text()

    # Report P1.2 executed with its evidence, save the draft, then submit it.
    obligation_row(editor, "P1.2").get_by_role("link", name="P1.2", exact=True).click()
    editor.get_by_label("Status reported").select_option(label="Executed")
    editor.get_by_label("Evidence").fill("Komanda izveidota ar rīkojumu Nr. 5.")
    editor.get_by_role("button", name="Save as draft").click()
    editor.get_by_text("The progress update was saved as a draft.").wait_for()
    assert editor.locator("[data-role=review-status]").inner_text() == "Draft"
    editor.get_by_role("button", name="Save and submit for review").click()
    editor.get_by_text("The progress update was submitted for review.").wait_for()
    assert editor.locator("[data-role=review-status]").inner_text() == "Submitted"
    update_url = editor.url

    # The coordinator returns it from the review queue with a comment.
    coordinator = sign_in(chromium, live_server, people.coordinator)
    coordinator.goto(f"{live_server.url}/en/plans/institutions/review/")
    queue_row = coordinator.locator("table.data-table tbody tr")
    assert queue_row.count() == 1 and "Alpha Agency" in queue_row.inner_text()
    coordinator.screenshot(path=str(SCREENSHOTS / "workplans-review-queue-en.png"), full_page=True)
    queue_row.get_by_role("link", name=re.compile(r"^P1\.2")).click()
    coordinator.get_by_role("button", name="Return for correction").click()
    coordinator.get_by_text("Say what should be corrected.").wait_for()
    coordinator.get_by_label("What must be corrected").fill("Pievienojiet rīkojuma datumu.")
    coordinator.get_by_role("button", name="Return for correction").click()
    coordinator.get_by_text("The progress update was returned for correction.").wait_for()

    # The editor sees the comment, corrects the evidence and submits again.
    editor.goto(update_url)
    editor.get_by_text("Pievienojiet rīkojuma datumu.").wait_for()
    assert editor.locator("[data-role=review-status]").inner_text() == "Returned for correction"
    editor.screenshot(path=str(SCREENSHOTS / "workplans-update-returned-en.png"), full_page=True)
    editor.get_by_label("Evidence").fill("Komanda izveidota ar 2025. gada 3. marta rīkojumu Nr. 5.")
    editor.get_by_role("button", name="Save and submit for review").click()
    editor.get_by_text("The progress update was submitted for review.").wait_for()

    # The coordinator approves it.
    coordinator.goto(f"{live_server.url}/en/plans/institutions/review/")
    coordinator.locator("table.data-table tbody tr").get_by_role("link", name=re.compile(r"^P1\.2")).click()
    coordinator.get_by_role("button", name="Approve").click()
    coordinator.get_by_text("The progress update was approved; its status and evidence now apply.").wait_for()
    coordinator.goto(f"{live_server.url}/en/plans/institutions/review/")
    coordinator.get_by_text("Nothing awaits review.").wait_for()

    # The editor's page now shows the approved status, no longer overdue.
    editor.goto(obligations_url)
    row = obligation_row(editor, "P1.2").inner_text()
    assert "Executed" in row and "Approved" in row and "overdue" not in row
    editor.screenshot(path=str(SCREENSHOTS / "workplans-obligations-en.png"), full_page=True)
    obligation_row(editor, "P1.2").get_by_role("link", name="P1.2", exact=True).click()
    assert "2025. gada 3. marta" in editor.locator("[data-role=obligation-evidence]").inner_text()

    # The team form: "no team needed" without the reason is refused, naming the field.
    editor.goto(obligations_url)
    editor.get_by_role("link", name="Edit the team").click()
    editor.get_by_label("No team needed").check()
    editor.get_by_role("button", name="Save the team").click()
    summary = editor.locator("#error-summary")
    summary.wait_for()
    assert "Why no team is needed: Say why no team is needed" in summary.inner_text()
    assert editor.locator(".field--error #id_not_required_reason").count() == 1
    editor.screenshot(path=str(SCREENSHOTS / "workplans-team-error-en.png"), full_page=True)
    editor.get_by_label("Why no team is needed").fill("Iestāde nesniedz pakalpojumus; neviena loma neattiecas.")
    editor.get_by_role("button", name="Save the team").click()
    editor.get_by_text("The implementation team was saved.").wait_for()
    assert "No team needed." in editor.locator("#team-heading + p").inner_text()

    for page in (editor, coordinator):
        page.context.close()
