"""The assessment workflow in a real chromium: the coordinator opens a round; the organisation's editor is refused
an incomplete submission, fills the questionnaire with autosave (seen saving, and still there after a reload)
and submits; the expert records an answer of their own and returns it with a comment; the editor corrects and
resubmits; the expert approves, which locks it."""

import re

import pytest

from tests.assessments.workflow_fixtures import in_days, make_people, make_questionnaire
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.factories import PASSWORD

SAVED = re.compile(r"All changes saved at \d\d:\d\d:\d\d")


@pytest.fixture
def workflow_people(transactional_db):
    """The questionnaire and the people. Made before the browser starts: Playwright runs an event loop in this
    thread, and Django refuses database calls while one runs."""
    questionnaire = make_questionnaire()
    people = make_people(passwords=True)
    return questionnaire, people


def sign_in(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/en/")
    return page


def question(page, questionnaire, code):
    return page.locator(f"#question-{questionnaire.q(code).pk}")


def wait_saved(page):
    page.locator("[data-role=autosave-status]", has_text=SAVED).wait_for(timeout=10_000)


@pytest.mark.browser
def test_round_fill_submit_return_resubmit_approve(workflow_people, live_server, chromium):  # noqa: F811
    questionnaire, people = workflow_people

    # The coordinator opens a round for one hand-picked organisation.
    coordinator = sign_in(chromium, live_server, people.coordinator)
    coordinator.get_by_role("link", name="Self-assessments").click()
    coordinator.get_by_role("link", name="Open a round").click()
    coordinator.locator("#id_methodology").select_option(value=str(questionnaire.methodology.pk))
    coordinator.locator("#id_name_lv").fill("E-indekss 2026")
    coordinator.locator("#id_name_en").fill("E-index 2026")
    coordinator.locator("#id_deadline").fill(in_days(30).isoformat())
    coordinator.get_by_label("Only the organisations chosen below").check()
    coordinator.locator("#id_institutions").select_option(label="Alpha Agency")
    coordinator.get_by_role("button", name="Open the round").click()
    coordinator.get_by_text("The round is open for 1 organisations.").wait_for()
    assert coordinator.get_by_role("heading", level=1).inner_text() == "E-index 2026"
    row = coordinator.locator("#round-assessments tbody tr")
    assert row.count() == 1 and "Alpha Agency" in row.inner_text() and "0 / 4" in row.inner_text()
    coordinator.screenshot(path=str(SCREENSHOTS / "assessment-round-en.png"), full_page=True)

    # The editor: an empty submission is refused with the list of what is missing.
    editor = sign_in(chromium, live_server, people.editor_a)
    editor.get_by_role("link", name="Self-assessments").click()
    editor.get_by_role("link", name="Alpha Agency").click()
    editor.get_by_role("button", name="Submit for review").click()
    missing = editor.locator(".missing-list li")
    missing.first.wait_for()
    assert missing.count() == 4 and "Question K1?" in missing.first.inner_text()

    # Area K with autosave: choices save on change, the progress bar follows without a reload.
    editor.get_by_role("link", name="Fill in the answers").click()
    question(editor, questionnaire, "K1").get_by_label("Yes").check()
    wait_saved(editor)
    question(editor, questionnaire, "K1").get_by_label("Evidence link").fill("https://example.lv/strategija.pdf")
    question(editor, questionnaire, "K2").get_by_label("Web").check()
    question(editor, questionnaire, "K2").get_by_label("Phone").check()
    editor.locator("[data-role=progress-text]", has_text="2 of 4 mandatory questions answered").wait_for()
    wait_saved(editor)
    editor.screenshot(path=str(SCREENSHOTS / "assessment-autosave-en.png"), full_page=True)

    # Area P through the tab; the text saves when the field is left.
    editor.get_by_role("link", name=re.compile(r"^P Services")).click()
    editor.wait_for_url(re.compile(r"/areas/P/$"))
    question(editor, questionnaire, "P1").get_by_label("Percent").fill("75")
    question(editor, questionnaire, "P2").get_by_label("Answer").fill("Klientu centrs strādā katru dienu.")
    question(editor, questionnaire, "P2").get_by_label("Answer").press("Tab")
    editor.locator("[data-role=progress-text]", has_text="4 of 4 mandatory questions answered").wait_for()
    wait_saved(editor)
    editor.reload()
    assert (
        question(editor, questionnaire, "P2").get_by_label("Answer").input_value()
        == "Klientu centrs strādā katru dienu."
    )
    assert question(editor, questionnaire, "P1").get_by_label("Percent").input_value() == "75.00"

    editor.get_by_role("button", name="Save and go to submission").click()
    editor.get_by_role("button", name="Submit for review").click()
    editor.get_by_text("The assessment was submitted for review.").wait_for()

    # The expert records their own answer to K1 beside the organisation's and returns the assessment.
    expert = sign_in(chromium, live_server, people.expert)
    expert.get_by_role("link", name="Self-assessments").click()
    expert.get_by_role("region", name="Awaiting review").get_by_role("link", name="Alpha Agency").click()
    expert.get_by_role("link", name="Record expert answers").click()
    k1 = question(expert, questionnaire, "K1")
    assert "Yes" in k1.locator("[data-role=self-answer]").inner_text()
    k1.get_by_label("No").check()
    k1.get_by_label("Expert's comment").fill("Stratēģija vēl nav apstiprināta.")
    k1.get_by_label("Expert's comment").press("Tab")
    wait_saved(expert)
    expert.screenshot(path=str(SCREENSHOTS / "assessment-review-en.png"), full_page=True)
    expert.get_by_role("link", name=re.compile("Alpha Agency: E-index 2026")).click()
    expert.get_by_label("What must be corrected").fill("Pievienojiet apstiprinātu stratēģiju.")
    expert.get_by_role("button", name="Return with comments").click()
    expert.get_by_text("The assessment was returned to the organisation.").wait_for()

    # The editor sees the comment and the expert's answer, corrects and resubmits.
    editor.reload()
    editor.get_by_text("Pievienojiet apstiprinātu stratēģiju.").wait_for()
    editor.screenshot(path=str(SCREENSHOTS / "assessment-returned-en.png"), full_page=True)
    editor.get_by_role("link", name="Fill in the answers").click()
    k1 = question(editor, questionnaire, "K1")
    assert "No" in k1.locator(".question__expert").inner_text()
    k1.get_by_label("Evidence link").fill("https://example.lv/apstiprinata-strategija.pdf")
    k1.get_by_label("Evidence link").press("Tab")
    wait_saved(editor)
    editor.get_by_role("link", name=re.compile("Alpha Agency: E-index 2026")).click()
    editor.get_by_role("button", name="Submit for review").click()
    editor.get_by_text("The assessment was submitted for review.").wait_for()

    # The expert approves: locked for everyone.
    expert.reload()
    expert.get_by_role("button", name="Approve and lock").click()
    expert.get_by_text("The assessment was approved and locked.").wait_for()
    assert "Approved" in expert.locator(".page-header__meta .status").inner_text()
    editor.reload()
    assert editor.get_by_role("button", name="Submit for review").count() == 0
    editor.get_by_role("link", name=re.compile(r"^View")).first.click()
    assert editor.locator("form[data-autosave-url]").count() == 0
    editor.screenshot(path=str(SCREENSHOTS / "assessment-approved-en.png"), full_page=True)

    coordinator.reload()
    assert "Approved" in coordinator.locator("#round-assessments tbody tr").inner_text()
    for page in (coordinator, editor, expert):
        page.context.close()


@pytest.fixture
def open_round_for_a(workflow_people):
    from assessments import workflow

    questionnaire, people = workflow_people
    round_ = workflow.open_round(questionnaire.methodology, [people.a], in_days(30), people.coordinator)
    return questionnaire, people, round_.assessments.get()


@pytest.mark.browser
def test_two_editors_at_once_the_second_chooses_between_both_answers(open_round_for_a, live_server, chromium):  # noqa: F811
    questionnaire, people, assessment = open_round_for_a
    area_url = f"{live_server.url}/en/assessments/{assessment.pk}/areas/P/"
    first = sign_in(chromium, live_server, people.editor_a)
    second = sign_in(chromium, live_server, people.editor_a2)
    first.goto(area_url)
    second.goto(area_url)

    question(first, questionnaire, "P2").get_by_label("Answer").fill("Pirmā redaktora teksts")
    question(first, questionnaire, "P2").get_by_label("Answer").press("Tab")
    wait_saved(first)

    question(second, questionnaire, "P2").get_by_label("Answer").fill("Otrā redaktora teksts")
    question(second, questionnaire, "P2").get_by_label("Answer").press("Tab")
    panel = second.locator("[data-role=conflicts]")
    panel.wait_for(state="visible", timeout=10_000)
    assert "Stored answer: Pirmā redaktora teksts" in panel.inner_text()
    assert "Your answer: Otrā redaktora teksts" in panel.inner_text()
    second.screenshot(path=str(SCREENSHOTS / "assessment-conflict-en.png"), full_page=True)

    panel.get_by_role("button", name="Use the stored answer").click()
    assert panel.is_hidden()
    assert question(second, questionnaire, "P2").get_by_label("Answer").input_value() == "Pirmā redaktora teksts"

    # The second editor goes on from the stored state: the next change saves without a conflict.
    question(second, questionnaire, "P1").get_by_label("Percent").fill("40")
    question(second, questionnaire, "P1").get_by_label("Percent").press("Tab")
    wait_saved(second)
    second.reload()
    assert question(second, questionnaire, "P2").get_by_label("Answer").input_value() == "Pirmā redaktora teksts"
    assert question(second, questionnaire, "P1").get_by_label("Percent").input_value() == "40.00"
    for page in (first, second):
        page.context.close()
