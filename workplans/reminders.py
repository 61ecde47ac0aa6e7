"""E-mail reminders of plan deadlines: N days before an obligation's or a measure's deadline
(settings.WORKPLAN_REMINDER_DAYS, default 14 and 3 days) and, once it has passed with the status still not final,
on the day after and every week after that — only in plans whose follow-up is open (Plan.closed_on).

    obligation → the editors of its institution        (due date = its own, else its measure's last deadline)
    measure    → the editors of each institution responsible or co-responsible for it (its last deadline)

Editors are active users with the editor role, an e-mail address and an editing membership of the institution. One
mail per editor lists all their items due that day, in Latvian. ReminderLog keeps what was sent: a second run on the
same day sends nothing again. Run daily by Celery beat (workplans/tasks.py).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Role

from .models import FINAL_STATUSES, Measure, MeasureResponsibility, Obligation, ReminderLog
from .progress import followed_plans, with_deadline, with_due_date

DEFAULT_DAYS_BEFORE = (14, 3)
OVERDUE_EVERY_DAYS = 7


@dataclass
class Item:
    """One obligation or measure an editor is reminded of."""

    kind: str  # "obligation" or "measure"
    subject: object  # the Obligation or Measure
    due: object  # its deadline
    when: str  # "due" or "overdue"
    days: int  # days left, or days late

    @property
    def link(self):
        """The measure's page (with the reader's obligations), absolute when settings.SITE_URL is set; built in the
        language active when read — Latvian inside render_reminder."""
        measure = self.measure
        path = reverse(
            "workplans:measure-detail", kwargs={"code": measure.action_line.plan.code, "measure_code": measure.code}
        )
        return getattr(settings, "SITE_URL", "").rstrip("/") + path

    @property
    def measure(self):
        return self.subject.measure if self.kind == "obligation" else self.subject

    @property
    def institution(self):
        return self.subject.institution if self.kind == "obligation" else None

    @property
    def log_key(self):
        return f"{self.kind}:{self.subject.pk}:{self.when}"


@dataclass
class Reminder:
    user: object
    items: list = field(default_factory=list)

    @property
    def overdue(self):
        return [item for item in self.items if item.when == "overdue"]

    @property
    def due(self):
        return [item for item in self.items if item.when == "due"]


def days_before():
    """When before a deadline to remind: settings.WORKPLAN_REMINDER_DAYS, else 14 and 3 days."""
    return tuple(getattr(settings, "WORKPLAN_REMINDER_DAYS", DEFAULT_DAYS_BEFORE))


def reminder_kind(deadline, today):
    """("due", days left) on a reminder day before the deadline, ("overdue", days late) on the day after it and
    every OVERDUE_EVERY_DAYS days after, else None."""
    left = (deadline - today).days
    if left in days_before():
        return "due", left
    late = -left
    if late >= 1 and (late - 1) % OVERDUE_EVERY_DAYS == 0:
        return "overdue", late
    return None


def _open_with_deadline(queryset, deadline_field, today, plan_path):
    """Rows not final, of a followed plan, whose deadline is at most the longest reminder horizon away."""
    horizon = today + timedelta(days=max(days_before(), default=0))
    return (
        queryset.filter(followed_plans(today, plan_path))
        .exclude(status__in=FINAL_STATUSES)
        .filter(**{f"{deadline_field}__lte": horizon})
    )


def due_items(today):
    """(institution id, Item) for every obligation and every measure with a responsible institution that has a
    reminder due today."""
    obligations = _open_with_deadline(
        with_due_date(Obligation.objects.all()), "due_date", today, "measure__action_line__plan"
    ).select_related("measure__action_line__plan", "institution")
    for obligation in obligations:
        kind = reminder_kind(obligation.due_date, today)
        if kind:
            yield obligation.institution_id, Item("obligation", obligation, obligation.due_date, *kind)
    measures = _open_with_deadline(
        with_deadline(Measure.objects.filter(responsibilities__isnull=False).distinct()),
        "last_deadline",
        today,
        "action_line__plan",
    ).select_related("action_line__plan")
    measures = {measure.pk: measure for measure in measures}
    responsibilities = MeasureResponsibility.objects.filter(measure_id__in=list(measures)).values_list(
        "measure_id", "institution_id"
    )
    for measure_id, institution_id in responsibilities:
        measure = measures[measure_id]
        kind = reminder_kind(measure.last_deadline, today)
        if kind:
            yield institution_id, Item("measure", measure, measure.last_deadline, *kind)


def due_reminders(today=None):
    """Who gets which reminder today: one Reminder per editor, with all the items of the institutions they edit."""
    today = today or timezone.localdate()
    pairs = list(due_items(today))
    editors = defaultdict(list)
    memberships = Membership.objects.filter(
        institution_id__in={institution_id for institution_id, _item in pairs},
        can_edit=True,
        user__role=Role.EDITOR,
        user__is_active=True,
    ).exclude(user__email="")
    for membership in memberships.select_related("user"):
        editors[membership.institution_id].append(membership.user)
    reminders = {}
    for institution_id, item in pairs:
        for user in editors[institution_id]:
            reminder = reminders.setdefault(user.pk, Reminder(user))
            if all(other.log_key != item.log_key for other in reminder.items):
                reminder.items.append(item)
    for reminder in reminders.values():
        reminder.items.sort(key=lambda item: (item.due, item.measure.code, item.log_key))
    return list(reminders.values())


def render_reminder(reminder):
    """Subject and body in the interface's default language (Latvian)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {"reminder": reminder, "user": reminder.user}
        subject = render_to_string("workplans/email/reminder_subject.txt", context)
        body = render_to_string("workplans/email/reminder_body.txt", context)
    return " ".join(subject.split()), body


def send_reminders(today=None):
    """Send today's reminders; returns how many mails were sent. Items already reminded to the same address today
    (ReminderLog) are left out, and an editor with nothing left gets no mail."""
    today = today or timezone.localdate()
    sent = 0
    for reminder in due_reminders(today):
        address = reminder.user.email
        logged = set(ReminderLog.objects.filter(recipient=address, sent_on=today).values_list("kind", "subject_key"))
        reminder.items = [item for item in reminder.items if (item.kind, item.log_key) not in logged]
        if not reminder.items:
            continue
        subject, body = render_reminder(reminder)
        try:
            with transaction.atomic():
                ReminderLog.objects.bulk_create(
                    ReminderLog(kind=item.kind, subject_key=item.log_key, recipient=address, sent_on=today)
                    for item in reminder.items
                )
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except IntegrityError:
            continue  # another run sent this mail a moment ago
        sent += 1
    return sent
