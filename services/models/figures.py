from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PeriodType(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


class CostComponent(models.TextChoices):
    STAFF = "staff", _("Staff")
    PREMISES = "premises", _("Premises")
    IT_SYSTEMS = "it_systems", _("IT systems")
    MATERIALS_POST = "materials_post", _("Materials and post")
    OUTSOURCING = "outsourcing", _("Outsourcing")
    OTHER = "other", _("Other")


def period_constraint(prefix):
    """period_number is 0 for a year, 1–4 for a quarter, 1–12 for a month."""
    return models.CheckConstraint(
        condition=(
            Q(period_type=PeriodType.YEAR, period_number=0)
            | Q(period_type=PeriodType.QUARTER, period_number__gte=1, period_number__lte=4)
            | Q(period_type=PeriodType.MONTH, period_number__gte=1, period_number__lte=12)
        ),
        name=f"{prefix}_period_number_fits_type",
    )


class VersionedRow(models.Model):
    """A row whose `version` rises with every change, so that a change based on an older reading of it can be
    told from one based on the row as it is (services/edit_conflicts.py)."""

    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        db_default=1,
        editable=False,
        help_text=_("Raised by every change; a change based on an older version is refused as a conflict."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)


class ServiceFigure(VersionedRow):
    """Usage and satisfaction of one service at one provider in one period through one channel (MK 399)."""

    # No single-column indexes on the foreign keys: the natural key (service first) and the (provider, year)
    # index serve those look-ups, and every index slows the bulk import of millions of rows.
    service = models.ForeignKey(
        "services.Service",
        on_delete=models.CASCADE,
        related_name="figures",
        verbose_name=_("service"),
        db_index=False,
    )
    provider = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="service_figures",
        verbose_name=_("provider"),
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    period_type = models.CharField(_("period"), max_length=10, choices=PeriodType.choices, default=PeriodType.YEAR)
    period_number = models.PositiveSmallIntegerField(_("quarter or month"), default=0)
    channel = models.ForeignKey(
        "services.Channel", on_delete=models.PROTECT, related_name="+", verbose_name=_("channel"), db_index=False
    )
    started = models.PositiveIntegerField(_("applications started"), null=True, blank=True)
    completed = models.PositiveIntegerField(_("applications completed"), default=0)
    consultations = models.PositiveIntegerField(_("consultations"), null=True, blank=True)
    client_minutes = models.DecimalField(
        _("client minutes per case"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    satisfaction_responses = models.PositiveIntegerField(_("satisfaction responses"), null=True, blank=True)
    satisfaction_mean = models.DecimalField(_("mean rating"), max_digits=6, decimal_places=3, null=True, blank=True)
    rating_scale_min = models.SmallIntegerField(_("rating scale minimum"), null=True, blank=True)
    rating_scale_max = models.SmallIntegerField(_("rating scale maximum"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "provider", "year", "period_type", "period_number", "channel__order"]
        verbose_name = _("service figure")
        verbose_name_plural = _("service figures")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "provider", "year", "period_type", "period_number", "channel"],
                name="service_figure_natural_key",
            ),
            period_constraint("service_figure"),
            models.CheckConstraint(
                condition=Q(started__isnull=True) | Q(completed__lte=F("started")),
                name="service_figure_completed_not_above_started",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_mean__isnull=True)
                | (
                    Q(rating_scale_min__isnull=False, rating_scale_max__isnull=False)
                    & Q(satisfaction_mean__gte=F("rating_scale_min"), satisfaction_mean__lte=F("rating_scale_max"))
                ),
                name="service_figure_rating_inside_scale",
            ),
            models.CheckConstraint(
                condition=Q(rating_scale_min__isnull=True)
                | Q(rating_scale_max__isnull=True)
                | Q(rating_scale_max__gt=F("rating_scale_min")),
                name="service_figure_scale_ordered",
            ),
            models.CheckConstraint(
                condition=Q(client_minutes__isnull=True) | Q(client_minutes__gte=0), name="service_figure_minutes"
            ),
        ]
        indexes = [models.Index(fields=["provider", "year"]), models.Index(fields=["year", "channel"])]

    def __str__(self):
        return f"{self.service_id}/{self.provider_id}/{self.year}/{self.channel_id}"


class ServiceCost(VersionedRow):
    """A cost component of one service at one provider in one year; with a channel it is channel-attributed
    (D), without one it is shared (H)."""

    service = models.ForeignKey(
        "services.Service", on_delete=models.CASCADE, related_name="costs", verbose_name=_("service")
    )
    provider = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="service_costs", verbose_name=_("provider")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    component = models.CharField(_("cost component"), max_length=20, choices=CostComponent.choices)
    channel = models.ForeignKey(
        "services.Channel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("channel"),
        help_text=_("Empty for a shared cost, not attributed to a channel."),
    )
    amount = models.DecimalField(_("amount (EUR)"), max_digits=14, decimal_places=2)
    is_demo = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "provider", "year", "component"]
        verbose_name = _("service cost")
        verbose_name_plural = _("service costs")
        constraints = [
            # A shared cost has no channel; NULLs are distinct in a unique index, hence two constraints.
            models.UniqueConstraint(
                fields=["service", "provider", "year", "component", "channel"],
                name="service_cost_natural_key_channel",
            ),
            models.UniqueConstraint(
                fields=["service", "provider", "year", "component"],
                condition=Q(channel__isnull=True),
                name="service_cost_natural_key_shared",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="service_cost_not_negative"),
        ]
        indexes = [models.Index(fields=["provider", "year"])]

    def __str__(self):
        return f"{self.service_id}/{self.provider_id}/{self.year}/{self.component}"


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")


class FigureSubmission(models.Model):
    """A provider's yearly report for one service: the unit the coordinator tracks for completeness."""

    service = models.ForeignKey(
        "services.Service", on_delete=models.CASCADE, related_name="submissions", verbose_name=_("service")
    )
    provider = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="figure_submissions",
        verbose_name=_("provider"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "provider", "service"]
        verbose_name = _("figure submission")
        verbose_name_plural = _("figure submissions")
        constraints = [
            models.UniqueConstraint(fields=["service", "provider", "year"], name="figure_submission_unique"),
        ]

    def __str__(self):
        return f"{self.service_id}/{self.provider_id}/{self.year}: {self.get_status_display()}"
