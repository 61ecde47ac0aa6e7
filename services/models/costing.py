"""Stored cost figures of services (domain brief §3 "Service cost figures"), the versioned parameters they
are computed with, and the recomputation jobs that write them. The computation is in services/costing.py."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.recomputation import RecomputationJob

from .catalogue import CostUnitClass


class CostParameters(models.Model):
    """One version of the costing parameters. A version is never changed: editing the parameters saves a new
    version, and the figures computed with the old one are recomputed."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    unit_digital = models.DecimalField(
        _("relative cost unit: digital"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_phone = models.DecimalField(
        _("relative cost unit: phone"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_post = models.DecimalField(
        _("relative cost unit: post"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("30"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_face_to_face = models.DecimalField(
        _("relative cost unit: face to face"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    hourly_tariff = models.DecimalField(
        _("hourly tariff of client time (EUR/h)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Standard Cost Model: the value of one hour of a client's time."),
    )
    outlier_factor = models.DecimalField(
        _("outlier factor k"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("1.01"))],
        help_text=_(
            "A provider is an outlier when its cost per transaction is at least k times, or at most "
            "1/k of, the median of its peers."
        ),
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
        verbose_name = _("costing parameters")
        verbose_name_plural = _("costing parameters")
        constraints = [
            models.CheckConstraint(condition=Q(outlier_factor__gt=1), name="cost_parameters_k_above_one"),
        ]

    def __str__(self):
        return _("Costing parameters, version %(version)s") % {"version": self.version}

    def unit_for(self, cost_unit_class):
        return {
            CostUnitClass.DIGITAL: self.unit_digital,
            CostUnitClass.PHONE: self.unit_phone,
            CostUnitClass.POST: self.unit_post,
            CostUnitClass.FACE_TO_FACE: self.unit_face_to_face,
        }[cost_unit_class]


class MissingReason(models.TextChoices):
    """Why a ratio has no value."""

    NO_TRANSACTIONS = "no_transactions", _("no completed transactions")
    NO_COST = "no_cost", _("no cost reported")
    NO_STARTED = "no_started", _("applications started not reported")
    NO_RATINGS = "no_ratings", _("no satisfaction ratings")
    NO_MINUTES = "no_minutes", _("client time not reported")
    NO_PEERS = "no_peers", _("fewer than two peers with a value")
    PEERS_WITHHELD = "peers_withheld", _("not shown: fewer than five peers with a value")
    NO_PREVIOUS = "no_previous", _("no value in the previous year")


class CostFigure(models.Model):
    """The cost figures of one service at one provider in one year, for one channel or (channel empty) for
    all channels together. Written only by services/costing.py; every ratio is stored beside the sums it is
    made of, so roll-ups sum first and divide afterwards.

    The table is derived: every row is computed from figures and costs whose own foreign keys the database
    checks, so its foreign keys are not checked again on each of the hundreds of thousands of rows a
    recomputation writes (db_constraint=False); deleting a service or an institution still deletes its rows."""

    service = models.ForeignKey(
        "services.Service",
        on_delete=models.CASCADE,
        related_name="cost_figures",
        verbose_name=_("service"),
        db_index=False,
        db_constraint=False,
    )
    provider = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="cost_figures",
        verbose_name=_("provider"),
        db_index=False,
        db_constraint=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    channel = models.ForeignKey(
        "services.Channel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("channel"),
        db_index=False,
        db_constraint=False,
        help_text=_("Empty: all channels of the service together."),
    )
    template = models.ForeignKey(
        "services.ServiceTemplate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unified service template"),
        db_index=False,
        db_constraint=False,
    )
    parameters = models.ForeignKey(
        CostParameters,
        on_delete=models.PROTECT,
        related_name="figures",
        verbose_name=_("parameters"),
        db_index=False,
        db_constraint=False,
    )
    computed_at = models.DateTimeField(_("computed"))

    transactions = models.BigIntegerField(_("completed transactions"), default=0)
    digital_transactions = models.BigIntegerField(_("completed digitally"), default=0)
    started = models.BigIntegerField(_("applications started (where reported)"), null=True, blank=True)
    completed_of_started = models.BigIntegerField(_("completed, where started is reported"), default=0)
    direct_cost = models.DecimalField(_("channel-attributed cost"), max_digits=18, decimal_places=2, default=0)
    shared_cost = models.DecimalField(_("shared cost allocated"), max_digits=20, decimal_places=4, default=0)
    cost = models.DecimalField(_("cost (EUR)"), max_digits=20, decimal_places=4, default=0)
    unallocated_shared_cost = models.DecimalField(
        _("unallocated shared cost"),
        max_digits=18,
        decimal_places=2,
        default=0,
        help_text=_("Shared cost of a service and year without completed transactions: reported, not spread."),
    )
    cost_known = models.BooleanField(_("cost reported"), default=False)
    costed_transactions = models.BigIntegerField(_("transactions with a known cost"), default=0)
    cost_per_transaction = models.DecimalField(
        _("cost per transaction"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    cost_per_transaction_missing = models.CharField(
        _("why there is no cost per transaction"), max_length=20, choices=MissingReason.choices, blank=True
    )
    digital_takeup = models.DecimalField(_("digital take-up"), max_digits=9, decimal_places=6, null=True, blank=True)
    completion_rate = models.DecimalField(_("completion rate"), max_digits=9, decimal_places=6, null=True, blank=True)
    satisfaction_responses = models.BigIntegerField(_("satisfaction responses"), default=0)
    satisfaction_points = models.DecimalField(
        _("satisfaction points (score × responses)"), max_digits=24, decimal_places=4, default=0
    )
    satisfaction_score = models.DecimalField(
        _("satisfaction score (0–100)"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    burden_transactions = models.BigIntegerField(_("transactions with client time"), default=0)
    client_hours = models.DecimalField(_("client hours"), max_digits=20, decimal_places=4, default=0)
    admin_burden = models.DecimalField(
        _("client administrative burden (EUR)"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    previous_cost_per_transaction = models.DecimalField(
        _("cost per transaction, previous year"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    cost_per_transaction_change = models.DecimalField(
        _("change of cost per transaction"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Against the previous year, as a fraction (0.1 = +10 %)."),
    )
    previous_transactions = models.BigIntegerField(_("transactions, previous year"), null=True, blank=True)
    transactions_change = models.DecimalField(
        _("change of transactions"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    peer_count = models.PositiveIntegerField(_("peers with a value"), default=0)
    peer_median = models.DecimalField(
        _("peer median cost per transaction"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    peer_ratio = models.DecimalField(
        _("ratio to the peer median"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    is_outlier = models.BooleanField(_("outlier"), default=False)

    class Meta:
        ordering = ["service", "provider", "year", "channel"]
        verbose_name = _("cost figure")
        verbose_name_plural = _("cost figures")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "provider", "year", "channel"], name="cost_figure_channel_unique"
            ),
            models.UniqueConstraint(
                fields=["service", "provider", "year"],
                condition=Q(channel__isnull=True),
                name="cost_figure_total_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "year"], name="cost_figure_provider_year"),
            models.Index(fields=["year", "template"], name="cost_figure_year_template"),
        ]

    def __str__(self):
        return f"{self.service_id}/{self.provider_id}/{self.year}/{self.channel_id or '*'}"


class CostRecomputation(RecomputationJob):
    """One recomputation of the cost figures: in full, or of the providers and years whose figures changed."""

    scope = models.JSONField(_("providers and years"), default=list, blank=True)
    parameters = models.ForeignKey(
        CostParameters,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("parameters"),
    )
    rows_written = models.PositiveIntegerField(_("figures written"), default=0)

    class Meta(RecomputationJob.Meta):
        verbose_name = _("cost recomputation")
        verbose_name_plural = _("cost recomputations")
        indexes = [models.Index(fields=["kind", "status", "-finished_at"], name="cost_recomp_kind_status")]
