"""Review cycles (transformation/reviews.py): due = last review + N years (N a versioned parameter, 3–5); never
reviewed: the service's start + N, or at once; overdue lists; e-mail reminders to the holder's editors."""

from datetime import date, datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from services.models import Service, ServiceStatus
from tests.factories import InstitutionFactory, UserFactory
from tests.services.factories import ServiceFactory
from tests.transformation.factories import ReviewFactory
from transformation import reviews
from transformation.models import ReviewKind, ReviewReminderLog
from transformation.reviews import DueStatus, add_years, due_on

TODAY = date(2026, 6, 1)


def test_the_next_review_is_n_years_after_the_last():
    # 2021-03-15 + 5 years = 2026-03-15; a leap day falls back to 28 February
    assert due_on(date(2021, 3, 15), None, 5) == date(2026, 3, 15)
    assert add_years(date(2020, 2, 29), 3) == date(2023, 2, 28)
    # never reviewed: the service's start + N; without a start, the day it entered the catalogue
    assert due_on(None, date(2022, 9, 1), 3) == date(2025, 9, 1)
    assert due_on(None, None, 3, entered_catalogue=date(2024, 1, 2)) == date(2024, 1, 2)


def test_due_status_by_the_reminder_horizon():
    # 30 days ahead is due soon, 31 scheduled, yesterday overdue
    assert reviews.due_status(date(2026, 7, 1), TODAY, 30) == DueStatus.DUE_SOON
    assert reviews.due_status(date(2026, 7, 2), TODAY, 30) == DueStatus.SCHEDULED
    assert reviews.due_status(date(2026, 5, 31), TODAY, 30) == DueStatus.OVERDUE


@pytest.mark.django_db
def test_parameters_are_versioned_and_kept_within_three_to_five_years():
    first = reviews.current_parameters()
    assert (first.version, first.cycle_years) == (1, 5)
    second = reviews.save_parameters({"cycle_years": 3, "remind_days_before": 14}, note="shorter")
    assert (second.version, reviews.current_parameters()) == (2, second)
    with pytest.raises(ValidationError):
        reviews.save_parameters({"cycle_years": 6, "remind_days_before": 14})
    assert reviews.current_parameters() == second


@pytest.mark.django_db
def test_the_schedule_of_each_active_service_and_kind():
    reviews.save_parameters({"cycle_years": 3, "remind_days_before": 30})
    reviewed = ServiceFactory(valid_from=date(2015, 1, 1))
    ReviewFactory(service=reviewed, kind=ReviewKind.EFFICIENCY, reviewed_on=date(2021, 1, 10))
    ReviewFactory(service=reviewed, kind=ReviewKind.EFFICIENCY, reviewed_on=date(2023, 6, 20))  # the latest counts
    young = ServiceFactory(valid_from=date(2025, 2, 1))
    ServiceFactory(status=ServiceStatus.WITHDRAWN)  # not provided any more: not reviewed
    schedule = reviews.review_schedule(Service.objects.filter(pk__in=[reviewed.pk, young.pk]), today=TODAY)
    by_key = {(item.service, item.kind): item for item in schedule}
    assert len(schedule) == 4
    # efficiency of `reviewed`: 2023-06-20 + 3 = 2026-06-20, 19 days ahead: due soon
    efficiency = by_key[reviewed, ReviewKind.EFFICIENCY]
    assert (efficiency.due_on, efficiency.status, efficiency.days_left) == (date(2026, 6, 20), DueStatus.DUE_SOON, 19)
    assert efficiency.last_review.reviewed_on == date(2023, 6, 20)
    # its burden never reviewed: 2015-01-01 + 3 = 2018-01-01, overdue
    assert by_key[reviewed, ReviewKind.ADMIN_BURDEN].status == DueStatus.OVERDUE
    # the young service: 2025-02-01 + 3 = 2028-02-01, scheduled
    assert by_key[young, ReviewKind.EFFICIENCY].due_on == date(2028, 2, 1)
    assert by_key[young, ReviewKind.EFFICIENCY].status == DueStatus.SCHEDULED
    overdue = reviews.overdue_reviews(Service.objects.filter(pk__in=[reviewed.pk, young.pk]), today=TODAY)
    assert [(item.service, item.kind) for item in overdue] == [(reviewed, ReviewKind.ADMIN_BURDEN)]


@pytest.mark.django_db
def test_a_service_without_a_start_is_due_from_the_day_it_entered_the_catalogue():
    service = ServiceFactory(valid_from=None)
    Service.objects.filter(pk=service.pk).update(created_at=timezone.make_aware(datetime(2024, 4, 2, 12)))
    (efficiency, _burden) = reviews.review_schedule(Service.objects.filter(pk=service.pk), today=TODAY)
    assert (efficiency.due_on, efficiency.status) == (date(2024, 4, 2), DueStatus.OVERDUE)


@pytest.fixture
def holder_with_editors():
    holder = InstitutionFactory()
    editor = UserFactory(member_of=[holder], first_name="Ieva")
    UserFactory(member_of=[holder], role=Role.VIEWER)  # viewers are not reminded
    UserFactory(member_of=[holder], email="")  # nor editors without an address
    UserFactory(member_of=[InstitutionFactory()])  # nor another institution's editors
    return holder, editor


@pytest.mark.django_db
def test_reminders_go_to_the_holders_editors_once_a_day(holder_with_editors):
    holder, editor = holder_with_editors
    reviews.save_parameters({"cycle_years": 3, "remind_days_before": 30})
    # efficiency due 30 days after TODAY (2026-07-01): the first reminder; burden due the day before TODAY: overdue
    service = ServiceFactory(holder=holder, valid_from=date(2015, 1, 1))
    ReviewFactory(service=service, kind=ReviewKind.EFFICIENCY, reviewed_on=date(2023, 7, 1))
    ReviewFactory(service=service, kind=ReviewKind.ADMIN_BURDEN, reviewed_on=date(2023, 5, 31))
    assert reviews.send_review_reminders(today=TODAY) == 1
    (message,) = mail.outbox
    assert message.to == [editor.email]
    assert service.catalogue_id in message.body and "2026-07-01" in message.body and "2026-05-31" in message.body
    assert ReviewReminderLog.objects.count() == 2
    # a second run on the same day sends nothing
    assert reviews.send_review_reminders(today=TODAY) == 0
    # the next day neither is due a reminder (not 30 days ahead, not a weekly overdue day: 2 days late)
    assert reviews.send_review_reminders(today=date(2026, 6, 2)) == 0
    # a week after the first overdue reminder (8 days late) the overdue one comes again
    assert reviews.send_review_reminders(today=date(2026, 6, 8)) == 1
    assert len(mail.outbox) == 2 and "2026-07-01" not in mail.outbox[1].body


@pytest.mark.django_db
def test_the_beat_task_sends_the_reminders_daily(holder_with_editors):
    from datetime import timedelta

    from config.celery import app
    from transformation.tasks import send_review_reminders

    holder, editor = holder_with_editors
    # no start date, entered the catalogue yesterday, never reviewed: both reviews fell due yesterday — one mail
    service = ServiceFactory(holder=holder, valid_from=None)
    Service.objects.filter(pk=service.pk).update(created_at=timezone.now() - timedelta(days=1))
    entry = app.conf.beat_schedule["send-service-review-reminders-daily"]
    assert entry["task"] == send_review_reminders.name
    assert send_review_reminders.delay().get() == 1
    assert mail.outbox[0].to == [editor.email]
