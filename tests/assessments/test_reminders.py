"""Deadline reminders (assessments/reminders.py): who gets which mail N days before the deadline and once it is
overdue, none after submission, one mail per editor and round, none twice on one day; the beat task."""

import pytest
from django.core import mail
from django.core.cache import cache

from accounts.models import Membership, Role
from assessments import reminders, workflow
from assessments.models import RoundStatus
from assessments.tasks import send_assessment_reminders
from config.celery import app
from tests.assessments.workflow_fixtures import complete_answers, in_days, make_people, make_questionnaire
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

DEADLINE_IN = 7  # the first default reminder day


@pytest.fixture(autouse=True)
def empty_sent_marks():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def questionnaire():
    return make_questionnaire()


@pytest.fixture
def people():
    return make_people()


@pytest.fixture
def round_(questionnaire, people):
    return workflow.open_round(
        questionnaire.methodology, [people.a, people.b], in_days(DEADLINE_IN), people.coordinator
    )


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_editors_of_unsubmitted_assessments_are_reminded_seven_days_before(round_, people):
    assert reminders.send_reminders() == 3
    # Editors of A (two) and of B; not A's viewer, not the coordinator or the experts.
    assert recipients() == sorted([people.editor_a.email, people.editor_a2.email, people.editor_b.email])
    assert {(r.kind, r.days) for r in reminders.due_reminders()} == {("due", 7)}


def test_the_mail_names_the_round_the_deadline_and_the_organisations_link(round_, people):
    reminders.send_reminders()
    [message] = [m for m in mail.outbox if m.to == [people.editor_b.email]]
    assert "7" in message.subject and round_.name_lv in message.subject
    assessment = round_.assessments.get(institution=people.b)
    assert f"/assessments/{assessment.pk}/" in message.body
    assert people.b.name_lv in message.body
    assert people.a.name_lv not in message.body  # B's editor reads nothing of A


def test_no_reminder_after_submission(round_, people, questionnaire):
    assessment = round_.assessments.get(institution=people.a)
    workflow.save_answers(assessment, complete_answers(questionnaire), people.editor_a, 0)
    assessment.refresh_from_db()
    workflow.submit(assessment, people.editor_a)
    reminders.send_reminders()
    assert recipients() == [people.editor_b.email]


def test_a_returned_assessment_is_reminded_again(round_, people, questionnaire):
    assessment = round_.assessments.get(institution=people.a)
    workflow.save_answers(assessment, complete_answers(questionnaire), people.editor_a, 0)
    assessment.refresh_from_db()
    workflow.submit(assessment, people.editor_a)
    workflow.return_with_comments(assessment, people.expert, "Precizējiet")
    reminders.send_reminders()
    assert people.editor_a.email in recipients()


@pytest.mark.parametrize("days_left", [6, 2, 0, 30])
def test_no_reminder_on_other_days_before_the_deadline(questionnaire, people, days_left):
    workflow.open_round(questionnaire.methodology, [people.a], in_days(days_left), people.coordinator)
    assert reminders.send_reminders() == 0 and mail.outbox == []


def test_the_last_day_before_the_deadline_is_reminded_too(questionnaire, people):
    workflow.open_round(questionnaire.methodology, [people.a], in_days(1), people.coordinator)
    reminders.send_reminders()
    assert recipients() == sorted([people.editor_a.email, people.editor_a2.email])


@pytest.mark.parametrize(("days_late", "sent"), [(1, True), (2, False), (7, False), (8, True), (15, True)])
def test_overdue_reminders_the_day_after_and_weekly(questionnaire, people, days_late, sent):
    round_ = workflow.open_round(questionnaire.methodology, [people.b], in_days(30), people.coordinator)
    round_.deadline = in_days(-days_late)
    round_.save()
    assert [(r.kind, r.days) for r in reminders.due_reminders()] == ([("overdue", days_late)] if sent else [])
    reminders.send_reminders()
    assert recipients() == ([people.editor_b.email] if sent else [])


def test_an_editor_of_two_organisations_gets_one_mail_listing_both(questionnaire, people):
    Membership.objects.create(user=people.editor_b, institution=people.a)
    workflow.open_round(questionnaire.methodology, [people.a, people.b], in_days(DEADLINE_IN), people.coordinator)
    reminders.send_reminders()
    [message] = [m for m in mail.outbox if m.to == [people.editor_b.email]]
    assert people.a.name_lv in message.body and people.b.name_lv in message.body


def test_no_mail_to_editors_without_address_rights_or_activity(questionnaire, people):
    lone = InstitutionFactory()
    UserFactory(role=Role.EDITOR, email="", member_of=[lone], password=None)
    UserFactory(role=Role.EDITOR, is_active=False, member_of=[lone], password=None)
    read_only = UserFactory(role=Role.EDITOR, password=None)
    Membership.objects.create(user=read_only, institution=lone, can_edit=False)
    workflow.open_round(questionnaire.methodology, [lone], in_days(DEADLINE_IN), people.coordinator)
    assert reminders.send_reminders() == 0


def test_closed_rounds_are_not_reminded(round_, people):
    round_.status = RoundStatus.CLOSED
    round_.save()
    assert reminders.send_reminders() == 0


def test_a_second_run_on_the_same_day_sends_nothing_again(round_):
    assert reminders.send_reminders() == 3
    assert reminders.send_reminders() == 0
    assert len(mail.outbox) == 3  # editors of A (two) and of B, once each


def test_the_beat_task_sends_the_reminders_daily(round_):
    assert send_assessment_reminders.delay().get() == 3
    entry = app.conf.beat_schedule["send-assessment-reminders-daily"]
    assert entry["task"] == send_assessment_reminders.name
