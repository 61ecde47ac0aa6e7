"""The registry of the VPVKAC network (domain brief §2 "VPVKAC", seed 001 §3.7): centres, their status history,
opening hours, the state institutions present at them with their reception schedules, and the operators bound
to a centre."""

import calendar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from institutions.models import DevelopmentTier


class Weekday(models.IntegerChoices):
    """Days of the week as Python's date.weekday() numbers them."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


LAST_WEEK = -1  # week_of_month value for "the last such weekday of the month"
ORDINALS = {1: _("1st"), 2: _("2nd"), 3: _("3rd"), 4: _("4th"), 5: _("5th")}


def coordinate_constraints(prefix, optional=True):
    """Latitude and longitude are on the globe and, where they are optional, given together or not at all."""
    together = models.CheckConstraint(
        condition=Q(latitude__isnull=True, longitude__isnull=True) | Q(latitude__isnull=False, longitude__isnull=False),
        name=f"{prefix}_coordinates_together",
    )
    return [
        *([together] if optional else []),
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_latitude_range",
        ),
        models.CheckConstraint(
            condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_longitude_range",
        ),
    ]


class RecurringSlot(models.Model):
    """A time slot that recurs every week on a weekday, or on the n-th such weekday of each month
    ("the 2nd Friday"; -1 is the last one), between two dates."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    week_of_month = models.SmallIntegerField(
        _("week of the month"),
        null=True,
        blank=True,
        help_text=_("Empty: every week. 1–5: only the n-th such weekday of the month; −1: the last one."),
    )
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="%(class)s_weekday_range"),
            models.CheckConstraint(
                condition=Q(week_of_month__isnull=True)
                | Q(week_of_month__gte=1, week_of_month__lte=5)
                | Q(week_of_month=LAST_WEEK),
                name="%(class)s_week_of_month_range",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="%(class)s_time_order"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="%(class)s_valid_range",
            ),
        ]

    def occurs_on(self, day):
        """True when the slot falls on `day` (a date)."""
        if day.weekday() != self.weekday:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_to and day > self.valid_to:
            return False
        if self.week_of_month is None:
            return True
        if self.week_of_month == LAST_WEEK:
            return day.day + 7 > calendar.monthrange(day.year, day.month)[1]
        return (day.day - 1) // 7 + 1 == self.week_of_month

    def describe(self):
        """E.g. "Friday, the 2nd in the month 10:00–13:00"."""
        day = Weekday(self.weekday).label
        if self.week_of_month is None:
            pattern = _("%(day)s, every week") % {"day": day}
        elif self.week_of_month == LAST_WEEK:
            pattern = _("%(day)s, the last in the month") % {"day": day}
        else:
            pattern = _("%(day)s, the %(ordinal)s in the month") % {
                "day": day,
                "ordinal": ORDINALS[self.week_of_month],
            }
        return f"{pattern} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class CentreStatus(models.TextChoices):
    """The lifecycle of a centre (seed 001 measure 20). The first three serve clients."""

    ACTIVE = "active", _("Active")
    UNDER_REVIEW = "under_review", _("Under review")
    CLOSING = "closing", pgettext_lazy("centre status", "Closing")
    REPLACED_BY_MOBILE = "replaced_by_mobile", _("Replaced by a mobile centre")
    CLOSED = "closed", _("Closed")
    # A data set of a past period (the 2017–2018 review) describes its centres for that period only; after it
    # they are described, under their own records, by the registry of the day.
    HISTORICAL = "historical", _("Historical record")


SERVING_STATUSES = (CentreStatus.ACTIVE, CentreStatus.UNDER_REVIEW, CentreStatus.CLOSING)


class Centre(models.Model):
    """A unified state and municipal client service centre (VPVKAC), run by a municipality.

    `municipality` is the body that ran the centre when its figures were recorded: a former municipality for
    the 2017–2018 centres, rolled up to today's through its successor link."""

    code = models.SlugField(_("code"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    tier = models.CharField(
        _("tier (MK Regulation No. 401)"), max_length=20, choices=DevelopmentTier.choices, default=DevelopmentTier.LOCAL
    )
    municipality = models.ForeignKey(
        "institutions.Municipality",
        on_delete=models.PROTECT,
        related_name="vpvkac_centres",
        verbose_name=_("municipality"),
    )
    settlement = models.ForeignKey(
        "vpvkac.Settlement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="centres",
        verbose_name=_("settlement"),
    )
    host_building = models.CharField(
        _("host building"), max_length=200, blank=True, help_text=_("E.g. the municipal library, the parish hall.")
    )
    in_library = models.BooleanField(_("in a library"), default=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    coordinates_approximate = models.BooleanField(
        _("approximate coordinates"),
        default=False,
        help_text=_("The coordinates are those of the settlement, not of the building."),
    )
    status = models.CharField(_("status"), max_length=20, choices=CentreStatus.choices, default=CentreStatus.ACTIVE)
    status_since = models.DateField(_("status since"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    private_room = models.BooleanField(_("separate room for private conversations"), null=True, blank=True)
    screen_privacy = models.BooleanField(_("screens shielded from other visitors"), null=True, blank=True)
    parking_spaces = models.PositiveSmallIntegerField(_("parking spaces"), null=True, blank=True)
    transport_stop_distance_m = models.PositiveIntegerField(
        _("distance to the nearest public transport stop (m)"), null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("client service centre")
        verbose_name_plural = _("client service centres")
        constraints = coordinate_constraints("centre")
        indexes = [models.Index(fields=["municipality", "status"], name="centre_municipality_status")]

    def __str__(self):
        return self.name

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None

    @property
    def is_serving(self):
        return self.status in SERVING_STATUSES


class CentreStatusChange(models.Model):
    """One step of a centre's lifecycle: the status it had from `since`. The centre's own `status` is the
    latest step (vpvkac/centres.py keeps the two in step)."""

    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("centre")
    )
    status = models.CharField(_("status"), max_length=20, choices=CentreStatus.choices)
    since = models.DateField(_("since"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["centre", "since"]
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        constraints = [models.UniqueConstraint(fields=["centre", "since"], name="centre_status_one_per_day")]

    def __str__(self):
        return f"{self.centre}: {self.get_status_display()} {self.since}"


class Shift(models.TextChoices):
    """Seed 001 measure 12: morning shifts (e.g. 8:00–17:00) and evening shifts (e.g. 10:00–19:00) on
    different weekdays."""

    REGULAR = "", _("Regular hours")
    MORNING = "morning", _("Morning shift")
    EVENING = "evening", _("Evening shift")


class OpeningHours(models.Model):
    """One opening interval of a centre on a weekday; a day has one or two (before and after a break)."""

    MAX_PER_DAY = 2

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("centre"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens"))
    closes_at = models.TimeField(_("closes"))
    shift = models.CharField(_("shift"), max_length=10, choices=Shift.choices, blank=True, default=Shift.REGULAR)

    history = HistoricalRecords()

    class Meta:
        ordering = ["centre", "weekday", "opens_at"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.UniqueConstraint(fields=["centre", "weekday", "opens_at"], name="opening_hours_unique_start"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_range"),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="opening_hours_time_order"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self):
        if self.centre_id is None or self.opens_at is None or self.closes_at is None:
            return
        same_day = OpeningHours.objects.filter(centre_id=self.centre_id, weekday=self.weekday).exclude(pk=self.pk)
        if same_day.count() >= self.MAX_PER_DAY:
            raise ValidationError(_("A day has at most two opening intervals."))
        if same_day.filter(opens_at__lt=self.closes_at, closes_at__gt=self.opens_at).exists():
            raise ValidationError(_("The opening intervals of a day must not overlap."))


class DeskPresence(models.TextChoices):
    SPECIALIST = "specialist", _("The institution's own specialist receives clients")
    MUNICIPAL_STAFF = "municipal_staff", _("Municipal staff provide its services")


class Desk(models.Model):
    """A state institution present at a centre: with its own specialist on a reception schedule (regional and
    national centres, MK Regulation No. 401 asks for at least three), or through the municipal staff."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="desks", verbose_name=_("centre"))
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="vpvkac_desks",
        verbose_name=_("institution"),
    )
    presence = models.CharField(
        _("presence"), max_length=20, choices=DeskPresence.choices, default=DeskPresence.SPECIALIST
    )
    minimum_basket = models.BooleanField(
        _("minimum-basket institution"),
        default=False,
        help_text=_("The institution's services belong to the state minimum basket every centre must offer."),
    )
    justification = models.CharField(
        _("justification"),
        max_length=500,
        blank=True,
        help_text=_("Why an institution outside the minimum basket is present (seed 001 §3.2 proposal)."),
    )
    valid_from = models.DateField(_("present from"), null=True, blank=True)
    valid_to = models.DateField(_("present until"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["centre", "institution__short_name"]
        verbose_name = _("institution desk")
        verbose_name_plural = _("institution desks")
        constraints = [
            models.UniqueConstraint(fields=["centre", "institution"], name="desk_unique_centre_institution"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="desk_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.centre} · {self.institution.short_name}"

    def present_on(self, day):
        return (self.valid_from is None or day >= self.valid_from) and (self.valid_to is None or day <= self.valid_to)


class ReceptionSchedule(RecurringSlot):
    """When an institution's specialist receives clients at a centre: e.g. every Thursday 9:00–16:00, or the
    2nd Friday of the month."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("desk"))

    history = HistoricalRecords()

    class Meta(RecurringSlot.Meta):
        ordering = ["desk", "weekday", "starts_at"]
        verbose_name = _("reception time")
        verbose_name_plural = _("reception schedule")

    def __str__(self):
        return f"{self.desk}: {self.describe()}"


class CentreMembership(models.Model):
    """A centre operator's binding to one centre. accounts.Membership binds users to institutions; an operator
    works for a centre, which is not an institution, so the binding lives here. `can_edit` lets the operator
    record and import the centre's figures, hours and desks."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="centre_memberships",
        verbose_name=_("user"),
    )
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("centre"))
    can_edit = models.BooleanField(_("may edit"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("centre membership")
        verbose_name_plural = _("centre memberships")
        constraints = [models.UniqueConstraint(fields=["user", "centre"], name="centre_membership_unique")]

    def __str__(self):
        return f"{self.user} → {self.centre}"


__all__ = [
    "LAST_WEEK",
    "SERVING_STATUSES",
    "Centre",
    "CentreMembership",
    "CentreStatus",
    "CentreStatusChange",
    "Desk",
    "DeskPresence",
    "OpeningHours",
    "ReceptionSchedule",
    "RecurringSlot",
    "Shift",
    "Weekday",
]
