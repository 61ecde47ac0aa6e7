"""Review cycles (seed 003 §3.2.2, §8 item 9): each service's efficiency, administrative burden and
transformation reviewed every N years. N is a versioned parameter; due dates and reminders are in
transformation/reviews.py."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MIN_CYCLE_YEARS, MAX_CYCLE_YEARS = 3, 5


class ReviewParameters(models.Model):
    """One version of the review-cycle parameters. A version is never changed: editing saves a new version."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    cycle_years = models.PositiveSmallIntegerField(
        _("review cycle (years)"),
        default=MAX_CYCLE_YEARS,
        validators=[MinValueValidator(MIN_CYCLE_YEARS), MaxValueValidator(MAX_CYCLE_YEARS)],
        help_text=_("Seed 003 §3.2.2: efficiency and administrative burden are reviewed within 3–5 years."),
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind days before the due date"),
        default=30,
        validators=[MaxValueValidator(365)],
        help_text=_("Holders are reminded this many days before a review falls due, and weekly once it is overdue."),
    )
    note = models.CharField(_("reason for the change"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("valid from"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        get_latest_by = "version"
        verbose_name = _("review-cycle parameters")
        verbose_name_plural = _("review-cycle parameters")
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle_years__gte=MIN_CYCLE_YEARS, cycle_years__lte=MAX_CYCLE_YEARS),
                name="review_parameters_cycle_3_to_5",
            ),
            models.CheckConstraint(condition=Q(remind_days_before__lte=365), name="review_parameters_remind_days"),
        ]

    def __str__(self):
        return _("Review-cycle parameters, version {version}").format(version=self.version)


class ReviewKind(models.TextChoices):
    EFFICIENCY = "efficiency", _("Efficiency")
    ADMIN_BURDEN = "admin_burden", _("Administrative burden")


class ServiceReview(models.Model):
    """A completed review of one service; the next one falls due N years later (transformation/reviews.py)."""

    service = models.ForeignKey(
        "services.Service", on_delete=models.CASCADE, related_name="reviews", verbose_name=_("service")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReviewKind.choices)
    reviewed_on = models.DateField(_("reviewed on"))
    reviewer_institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="service_reviews",
        verbose_name=_("reviewing institution"),
    )
    project = models.ForeignKey(
        "transformation.TransformationProject",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("transformation project"),
        help_text=_("The project whose evaluation served as this review, if any."),
    )
    finding = models.TextField(_("finding"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reviewed_on", "service"]
        verbose_name = _("service review")
        verbose_name_plural = _("service reviews")
        constraints = [
            models.UniqueConstraint(fields=["service", "kind", "reviewed_on"], name="service_review_unique_day"),
            models.CheckConstraint(condition=Q(kind__in=ReviewKind.values), name="service_review_kind_valid"),
        ]
        indexes = [models.Index(fields=["service", "kind", "-reviewed_on"], name="service_review_latest")]

    def __str__(self):
        return f"{self.service} · {self.get_kind_display()} · {self.reviewed_on}"


class ReviewReminderLog(models.Model):
    """A review reminder already sent, so a second run on the same day sends nothing again."""

    subject_key = models.CharField(_("subject"), max_length=100)
    recipient = models.EmailField(_("recipient"))
    sent_on = models.DateField(_("sent on"))

    class Meta:
        verbose_name = _("review reminder sent")
        verbose_name_plural = _("review reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["subject_key", "recipient", "sent_on"], name="review_reminder_log_unique"),
        ]

    def __str__(self):
        return f"{self.subject_key} → {self.recipient} ({self.sent_on})"
