"""Review cycles (seed 003 §3.2.2, §8 item 9): every active service's efficiency and administrative burden are
reviewed every N years (N a versioned parameter, 3–5).

    due on = last review + N years;
             never reviewed: the service's start in the catalogue (provided from) + N years,
                             or, without a start date, the day it entered the catalogue (due at once).
    overdue  = due on < today;  due soon = today ≤ due on ≤ today + the reminder horizon.

Reminders go by e-mail to the editors of the service's holder: once when a review comes within the horizon
(ReviewParameters.remind_days_before), and once it is overdue on the day after and every week after that. One
mail per editor lists all their services; ReviewReminderLog keeps what was sent, so a second run on the same day
sends nothing again. Run daily by Celery beat (transformation/tasks.py).
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership, Role
from services.models import Service, ServiceStatus

from .models import ReviewKind, ReviewParameters, ReviewReminderLog, ServiceReview

OVERDUE_EVERY_DAYS = 7
PARAMETER_FIELDS = ("cycle_years", "remind_days_before")


class DueStatus(models.TextChoices):
    OVERDUE = "overdue", gettext_lazy("Overdue")
    DUE_SOON = "due_soon", gettext_lazy("Due soon")
    SCHEDULED = "scheduled", gettext_lazy("Scheduled")


# --- parameters ---------------------------------------------------------------------------------------------


def current_parameters():
    """The newest parameter version; version 1 (N = 5 years) is created when there is none."""
    parameters = ReviewParameters.objects.order_by("-version").first()
    if parameters is None:
        parameters, _created = ReviewParameters.objects.get_or_create(version=1, defaults={"note": "defaults"})
    return parameters


def save_parameters(values, user=None, note=""):
    """Save a new parameter version; due dates follow it at once (they are computed, never stored)."""
    with transaction.atomic():
        latest = current_parameters()
        parameters = ReviewParameters(
            version=latest.version + 1,
            created_by=user if user is not None and user.is_authenticated else None,
            note=note,
            **{name: values[name] for name in PARAMETER_FIELDS},
        )
        parameters.full_clean()
        parameters.save()
    return parameters


# --- due dates ----------------------------------------------------------------------------------------------


def add_years(day, years):
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def due_on(last_reviewed_on, service_start, cycle_years, entered_catalogue=None):
    """Last review + N years; never reviewed: service start + N years, else the day the service entered the
    catalogue (due at once)."""
    if last_reviewed_on is not None:
        return add_years(last_reviewed_on, cycle_years)
    if service_start is not None:
        return add_years(service_start, cycle_years)
    return entered_catalogue


def due_status(due, today, remind_days_before):
    if due < today:
        return DueStatus.OVERDUE
    if due <= today + timedelta(days=remind_days_before):
        return DueStatus.DUE_SOON
    return DueStatus.SCHEDULED


@dataclass
class ReviewDue:
    service: Service
    kind: str
    last_review: ServiceReview | None
    due_on: date
    status: str
    days_left: int

    @property
    def overdue(self):
        return self.status == DueStatus.OVERDUE

    @property
    def kind_label(self):
        return ReviewKind(self.kind).label

    @property
    def status_label(self):
        return DueStatus(self.status).label


def latest_reviews(services):
    """{(service id, kind): the latest ServiceReview} for `services`."""
    latest = {}
    reviews = ServiceReview.objects.filter(service__in=services).select_related("reviewer_institution")
    for review in reviews.order_by("service_id", "kind", "-reviewed_on", "-pk"):
        latest.setdefault((review.service_id, review.kind), review)
    return latest


def review_schedule(services=None, today=None, parameters=None, kinds=None):
    """A ReviewDue for every active service of `services` (a queryset, already scoped) and review kind, the most
    pressing first."""
    today = today or timezone.localdate()
    parameters = parameters or current_parameters()
    kinds = kinds or ReviewKind.values
    services = Service.objects.all() if services is None else services
    services = services.filter(status=ServiceStatus.ACTIVE).select_related("holder")
    latest = latest_reviews(services)
    schedule = []
    for service in services:
        for kind in kinds:
            last = latest.get((service.pk, kind))
            due = due_on(
                last.reviewed_on if last else None,
                service.valid_from,
                parameters.cycle_years,
                timezone.localdate(service.created_at) if service.created_at else today,
            )
            schedule.append(
                ReviewDue(
                    service=service,
                    kind=kind,
                    last_review=last,
                    due_on=due,
                    status=due_status(due, today, parameters.remind_days_before),
                    days_left=(due - today).days,
                )
            )
    schedule.sort(key=lambda item: (item.due_on, item.service.name_lv, item.kind))
    return schedule


def overdue_reviews(services=None, today=None, parameters=None):
    """The overdue part of review_schedule."""
    return [item for item in review_schedule(services, today, parameters) if item.overdue]


# --- reminders ----------------------------------------------------------------------------------------------


def reminder_due_today(item, today, remind_days_before):
    """True on the day a review enters the reminder horizon, and on the day after it falls due and every week
    after that."""
    if item.days_left == remind_days_before:
        return True
    late = -item.days_left
    return late >= 1 and (late - 1) % OVERDUE_EVERY_DAYS == 0


def _log_key(item):
    return f"review:{item.service.pk}:{item.kind}:{item.due_on.isoformat()}"


def due_reminders(today=None, parameters=None):
    """{editor: [ReviewDue]} of the reminders due today, for the editors of each service's holder."""
    today = today or timezone.localdate()
    parameters = parameters or current_parameters()
    items = [
        item
        for item in review_schedule(today=today, parameters=parameters)
        if reminder_due_today(item, today, parameters.remind_days_before)
    ]
    editors = defaultdict(list)
    memberships = Membership.objects.filter(
        institution_id__in={item.service.holder_id for item in items},
        can_edit=True,
        user__role=Role.EDITOR,
        user__is_active=True,
    ).exclude(user__email="")
    for membership in memberships.select_related("user"):
        editors[membership.institution_id].append(membership.user)
    reminders = defaultdict(list)
    for item in items:
        for user in editors[item.service.holder_id]:
            reminders[user].append(item)
    return reminders


def _reviews_link():
    try:
        path = reverse("transformation:reviews")
    except NoReverseMatch:
        return ""
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def render_reminder(user, items):
    """Subject and body, in the interface's default language (Latvian)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Service reviews due: {count}").format(count=len(items))
        lines = [_("Hello {name},").format(name=user.get_full_name() or user.username), ""]
        lines.append(_("These reviews of your institution's services are due or overdue:"))
        for item in items:
            if item.overdue:
                when = _("overdue since {day}").format(day=item.due_on.isoformat())
            else:
                when = _("due on {day}").format(day=item.due_on.isoformat())
            lines.append(f"- {item.service.catalogue_id} {item.service.name}: {item.kind_label.lower()}, {when}")
        link = _reviews_link()
        if link:
            lines += ["", link]
    return subject, "\n".join(lines) + "\n"


def send_review_reminders(today=None):
    """Send today's review reminders; returns how many mails were sent. Items already reminded to the same address
    today are left out, and an editor with nothing left gets no mail."""
    today = today or timezone.localdate()
    sent = 0
    for user, items in due_reminders(today).items():
        address = user.email
        logged = set(
            ReviewReminderLog.objects.filter(recipient=address, sent_on=today).values_list("subject_key", flat=True)
        )
        items = [item for item in items if _log_key(item) not in logged]
        if not items:
            continue
        subject, body = render_reminder(user, items)
        try:
            with transaction.atomic():
                ReviewReminderLog.objects.bulk_create(
                    ReviewReminderLog(subject_key=_log_key(item), recipient=address, sent_on=today) for item in items
                )
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except IntegrityError:
            continue  # another run sent this mail a moment ago
        sent += 1
    return sent
