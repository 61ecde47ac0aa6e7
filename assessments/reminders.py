"""E-mail reminders of a round's deadline: N days before it and, once it has passed, on the day after and every
week after that, to the editors of each organisation whose current assessment is not submitted (a draft, or
returned for correction). One mail per editor and round lists all their organisations that still owe it.

Run daily by Celery beat (assessments/tasks.py); a second run on the same day sends nothing again.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Role

from .models import Assessment, AssessmentStatus, RoundStatus

DEFAULT_DAYS_BEFORE = (7, 1)
OVERDUE_EVERY_DAYS = 7
SENT_KEY_TTL = 2 * 24 * 60 * 60  # long enough to outlive the day the mail was sent on


@dataclass
class Reminder:
    user: object
    round: object
    kind: str  # "due" or "overdue"
    days: int  # days left before the deadline, or days past it
    assessments: list = field(default_factory=list)


def days_before():
    """When before the deadline to remind: settings.ASSESSMENT_REMINDER_DAYS (e.g. (7, 1)), else 7 and 1 days."""
    return tuple(getattr(settings, "ASSESSMENT_REMINDER_DAYS", DEFAULT_DAYS_BEFORE))


def reminder_kind(deadline, today):
    """("due", days left) on a reminder day before the deadline, ("overdue", days late) on the first day after it
    and every OVERDUE_EVERY_DAYS days after, else None."""
    left = (deadline - today).days
    if left in days_before():
        return "due", left
    late = -left
    if late >= 1 and (late - 1) % OVERDUE_EVERY_DAYS == 0:
        return "overdue", late
    return None


def unsubmitted(today):
    """Current, not submitted assessments of open rounds that have a reminder due today."""
    horizon = today + timedelta(days=max(days_before(), default=0))
    candidates = (
        Assessment.objects.filter(
            is_current=True,
            status__in=[AssessmentStatus.DRAFT, AssessmentStatus.RETURNED],
            round__status=RoundStatus.OPEN,
            round__deadline__lte=horizon,
        )
        .select_related("round", "institution")
        .order_by("round_id", "institution__name_lv")
    )
    for assessment in candidates:
        kind = reminder_kind(assessment.round.deadline, today)
        if kind:
            yield assessment, kind


def due_reminders(today=None):
    """Who gets which reminder today: active editors with an editing membership of the organisation and an
    e-mail address, grouped per editor and round."""
    today = today or timezone.localdate()
    reminders = {}
    pairs = list(unsubmitted(today))
    editors = defaultdict(list)
    memberships = Membership.objects.filter(
        institution_id__in={a.institution_id for a, _kind in pairs},
        can_edit=True,
        user__role=Role.EDITOR,
        user__is_active=True,
    ).exclude(user__email="")
    for membership in memberships.select_related("user"):
        editors[membership.institution_id].append(membership.user)
    for assessment, (kind, days) in pairs:
        for user in editors[assessment.institution_id]:
            key = (user.pk, assessment.round_id)
            reminder = reminders.setdefault(key, Reminder(user, assessment.round, kind, days))
            reminder.assessments.append(assessment)
    return list(reminders.values())


def _site_url():
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _sent_key(reminder, today):
    return f"assessment-reminder:{reminder.user.pk}:{reminder.round.pk}:{reminder.kind}:{today.isoformat()}"


def render_reminder(reminder):
    """Subject and body in the interface's default language (Latvian)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "reminder": reminder,
            "user": reminder.user,
            "round": reminder.round,
            "links": [(a, _site_url() + reverse("assessments:detail", args=[a.pk])) for a in reminder.assessments],
        }
        subject = render_to_string("assessments/email/reminder_subject.txt", context)
        body = render_to_string("assessments/email/reminder_body.txt", context)
    return " ".join(subject.split()), body


def send_reminders(today=None):
    """Send today's reminders; returns how many mails were sent."""
    today = today or timezone.localdate()
    sent = 0
    for reminder in due_reminders(today):
        if not cache.add(_sent_key(reminder, today), True, SENT_KEY_TTL):
            continue
        subject, body = render_reminder(reminder)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [reminder.user.email])
        sent += 1
    return sent
