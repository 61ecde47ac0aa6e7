"""Deadline reminders of the plans (workplans/reminders.py): who gets which mail 14 and 3 days before a deadline and
once it is overdue, one mail per editor, nothing twice on one day, nothing for final statuses or closed plans."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import override_settings

from accounts.models import Membership, Role
from tests.factories import InstitutionFactory, UserFactory
from tests.workplans.factories import (
    MeasureDeadlineFactory,
    MeasureFactory,
    MeasureResponsibilityFactory,
    ObligationFactory,
    PlanFactory,
)
from workplans import reminders
from workplans.models import MeasureStatus, ReminderLog, ResponsibilityRole

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def people():
    """Institutions A and B; two editors of A, one of B, and people who must never get a mail: A's viewer, an editor
    of A without the right to edit, an inactive editor of A, an editor of A without an address, the coordinator."""

    class People:
        pass

    p = People()
    p.a = InstitutionFactory(name_lv="Alfa aģentūra")
    p.b = InstitutionFactory(name_lv="Beta dienests")
    p.editor_a = UserFactory(role=Role.EDITOR, member_of=[p.a])
    p.editor_a2 = UserFactory(role=Role.EDITOR, member_of=[p.a])
    p.editor_b = UserFactory(role=Role.EDITOR, member_of=[p.b])
    UserFactory(role=Role.VIEWER, member_of=[p.a])
    UserFactory(role=Role.EDITOR, is_active=False, member_of=[p.a])
    UserFactory(role=Role.EDITOR, email="", member_of=[p.a])
    read_only = UserFactory(role=Role.EDITOR)
    Membership.objects.create(user=read_only, institution=p.a, can_edit=False)
    UserFactory(role=Role.COORDINATOR, member_of=[p.a])
    return p


def measure_due(days_from_today, **kwargs):
    measure = MeasureFactory(in_each_institution=True, text_lv="Izveidot komandas", **kwargs)
    MeasureDeadlineFactory(measure=measure, due_on=TODAY + timedelta(days=days_from_today))
    return measure


def test_editors_of_the_institution_are_reminded_fourteen_days_before(people):
    measure = measure_due(14)
    ObligationFactory(measure=measure, institution=people.a)
    assert reminders.send_reminders(TODAY) == 2
    assert recipients() == sorted([people.editor_a.email, people.editor_a2.email])


@pytest.mark.parametrize(("days_left", "sent"), [(14, True), (3, True), (13, False), (5, False), (0, False)])
def test_reminders_go_out_on_the_configured_days_before(people, days_left, sent):
    ObligationFactory(measure=measure_due(days_left), institution=people.b)
    reminders.send_reminders(TODAY)
    assert recipients() == ([people.editor_b.email] if sent else [])


@override_settings(WORKPLAN_REMINDER_DAYS=(30,))
def test_the_reminder_days_are_a_setting(people):
    ObligationFactory(measure=measure_due(30), institution=people.b)
    ObligationFactory(measure=measure_due(14), institution=people.b)
    [reminder] = reminders.due_reminders(TODAY)
    assert [(item.when, item.days) for item in reminder.items] == [("due", 30)]


@pytest.mark.parametrize(("days_late", "sent"), [(1, True), (2, False), (7, False), (8, True), (15, True), (16, False)])
def test_overdue_reminders_the_day_after_and_weekly(people, days_late, sent):
    ObligationFactory(measure=measure_due(-days_late), institution=people.b, status=MeasureStatus.IN_PROGRESS)
    expected = [("overdue", days_late)] if sent else []
    assert [(item.when, item.days) for r in reminders.due_reminders(TODAY) for item in r.items] == expected
    reminders.send_reminders(TODAY)
    assert recipients() == ([people.editor_b.email] if sent else [])


@pytest.mark.parametrize(
    "status",
    [MeasureStatus.EXECUTED, MeasureStatus.PARTLY_EXECUTED, MeasureStatus.NOT_EXECUTED, MeasureStatus.LOST_RELEVANCE],
)
def test_no_reminder_for_a_final_status(people, status):
    ObligationFactory(measure=measure_due(-1), institution=people.b, status=status)
    assert reminders.send_reminders(TODAY) == 0


def test_no_reminder_in_a_plan_whose_follow_up_is_closed(people):
    measure = measure_due(-1)
    ObligationFactory(measure=measure, institution=people.b)
    plan = measure.action_line.plan
    plan.closed_on = TODAY - timedelta(days=30)
    plan.save()
    assert reminders.send_reminders(TODAY) == 0


def test_an_obligations_own_due_date_wins_over_the_measures_deadline(people):
    measure = measure_due(60)
    ObligationFactory(measure=measure, institution=people.b, due_on=TODAY + timedelta(days=3))
    [reminder] = reminders.due_reminders(TODAY)
    assert [(item.when, item.days, item.due) for item in reminder.items] == [("due", 3, TODAY + timedelta(days=3))]


def test_editors_of_responsible_and_co_responsible_institutions_are_reminded_of_the_measure(people):
    measure = MeasureFactory()
    MeasureDeadlineFactory(measure=measure, due_on=TODAY + timedelta(days=3))
    MeasureResponsibilityFactory(measure=measure, institution=people.a)
    MeasureResponsibilityFactory(measure=measure, institution=people.b, role=ResponsibilityRole.CO_RESPONSIBLE)
    MeasureFactory()  # no deadline, no responsible institution: nobody to remind
    assert reminders.send_reminders(TODAY) == 3
    assert recipients() == sorted([people.editor_a.email, people.editor_a2.email, people.editor_b.email])
    assert {(log.kind, log.subject_key) for log in ReminderLog.objects.all()} == {
        ("measure", f"measure:{measure.pk}:due")
    }


def test_one_mail_per_editor_lists_every_item_of_their_institutions(people):
    Membership.objects.create(user=people.editor_b, institution=people.a)
    ObligationFactory(measure=measure_due(3, code="P1.2"), institution=people.a)
    ObligationFactory(measure=measure_due(-1, code="P1.3"), institution=people.b)
    reminders.send_reminders(TODAY)
    [message] = [m for m in mail.outbox if m.to == [people.editor_b.email]]
    assert "P1.2" in message.body and "P1.3" in message.body
    assert "Alfa aģentūra" in message.body and "Beta dienests" in message.body
    [message_a] = [m for m in mail.outbox if m.to == [people.editor_a.email]]
    assert "P1.2" in message_a.body and "Beta dienests" not in message_a.body  # A's editor reads nothing of B


def test_a_second_run_on_the_same_day_sends_nothing(people):
    ObligationFactory(measure=measure_due(3), institution=people.b)
    assert reminders.send_reminders(TODAY) == 1
    assert reminders.send_reminders(TODAY) == 0
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.filter(recipient=people.editor_b.email, sent_on=TODAY).count() == 1


def test_an_item_added_later_the_same_day_is_sent_alone(people):
    ObligationFactory(measure=measure_due(3, code="P1.2"), institution=people.b)
    reminders.send_reminders(TODAY)
    ObligationFactory(measure=measure_due(14, code="P2.3"), institution=people.b)
    assert reminders.send_reminders(TODAY) == 1
    assert "P2.3" in mail.outbox[1].body and "P1.2" not in mail.outbox[1].body


@override_settings(SITE_URL="https://pakalpojumi.example.lv")
def test_the_mail_is_latvian_with_absolute_links(people):
    from django.utils import translation

    measure = measure_due(3, code="P1.2")
    plan_code = measure.action_line.plan.code
    ObligationFactory(measure=measure, institution=people.b)
    with translation.override("en"):
        reminders.send_reminders(TODAY)
    [message] = mail.outbox
    # The Latvian page (no /en/ prefix) of the measure, on the configured site.
    assert f"https://pakalpojumi.example.lv/plans/{plan_code}/measures/P1.2/" in message.body
    assert "Izveidot komandas" in message.body  # the measure's Latvian text
    assert message.subject.strip() and "\n" not in message.subject


def test_a_plan_without_deadlines_sends_nothing(people):
    ObligationFactory(
        measure=MeasureFactory(in_each_institution=True, action_line__plan=PlanFactory()), institution=people.a
    )
    assert reminders.send_reminders(TODAY) == 0
