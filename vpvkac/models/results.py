"""The parameters of the network computations (domain brief §3 "VPVKAC"), the stored results they produce, and
the recomputation jobs that write them. The computation is in vpvkac/network.py."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from institutions.models import DevelopmentTier
from config.recomputation import RecomputationJob

from .registry import Weekday


class AverageMode(models.TextChoices):
    """How the average cost per service A of the cost bands is set (seed 001 F4)."""

    FIXED = "fixed", _("A fixed amount")
    MEAN = "mean", _("Mean of the period")
    MEDIAN = "median", _("Median of the period")
    WEIGHTED = "weighted", _("Service-weighted mean of the period (Σ grants / Σ services)")


class NetworkParameters(models.Model):
    """One version of the network parameters. A version is never changed: editing saves a new version, and the
    results computed with the old one are recomputed."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    radius_km = models.DecimalField(
        _("radius R (km)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("30"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Seed 001 F5–F6: the 30 km activity zone; screening distances and coverage use it."),
    )
    average_mode = models.CharField(
        _("average cost per service A"), max_length=20, choices=AverageMode.choices, default=AverageMode.FIXED
    )
    fixed_average = models.DecimalField(
        _("fixed A (EUR)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("12.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Seed 001 §3.2 uses EUR 12.00 as the average cost of one service."),
    )
    average_local_tier_only = models.BooleanField(
        _("A from local-tier municipalities only"),
        default=True,
        help_text=_(
            "The source's average is over the local-tier centres; regional figures count only municipal staff."
        ),
    )
    screen_local_tier_only = models.BooleanField(
        _("screen local-tier centres only"),
        default=True,
        help_text=_("Seed 001 F5: the network review's primary scope is the local-tier centres."),
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
        verbose_name = _("network parameters")
        verbose_name_plural = _("network parameters")
        constraints = [
            models.CheckConstraint(condition=Q(radius_km__gt=0), name="network_parameters_radius_positive"),
            models.CheckConstraint(condition=Q(fixed_average__gt=0), name="network_parameters_fixed_a_positive"),
            models.CheckConstraint(
                condition=Q(average_mode__in=AverageMode.values), name="network_parameters_mode_valid"
            ),
        ]

    def __str__(self):
        return _("Network parameters, version %(version)s") % {"version": self.version}


class CostBand(models.TextChoices):
    AT_OR_BELOW = "at_or_below", _("At or below A")
    ABOVE = "above", _("Above A, at most 2A")
    VERY_HIGH = "very_high", _("Above 2A")


class CostBasis(models.TextChoices):
    NONE = "", _("No value")
    CENTRE = "centre", _("The centre's own grants")
    MUNICIPALITY = "municipality", _("The municipality's grants over all its centres")
    PUBLISHED = "published", _("As published; the source gives no services or grants behind it")


class CostMissing(models.TextChoices):
    NONE = "", _("Has a value")
    NO_SERVICES = "no_services", _("no services recorded")
    NO_GRANT = "no_grant", _("no maintenance or salary grant recorded")


def _derived_fk(model, related_name, verbose_name, **options):
    """A foreign key of a derived table: every row is computed from rows whose own keys the database checks,
    so the hundreds of rows a recomputation writes are not checked again (as services' CostFigure)."""
    return models.ForeignKey(
        model,
        on_delete=options.pop("on_delete", models.CASCADE),
        related_name=related_name,
        verbose_name=verbose_name,
        db_constraint=False,
        db_index=options.pop("db_index", False),
        **options,
    )


class ContactSums(models.Model):
    """The sums of contact figures a centre or a municipality has in a period."""

    services = models.BigIntegerField(_("services"), default=0)
    assisted_eservices = models.BigIntegerField(_("of which assisted e-services"), default=0)
    institution_staff_services = models.BigIntegerField(_("of which by institution staff"), default=0)
    consultations = models.BigIntegerField(_("consultations"), default=0)
    calls = models.BigIntegerField(_("calls"), default=0)
    emails = models.BigIntegerField(_("e-mails"), default=0)
    visits = models.BigIntegerField(_("in-person visits"), default=0)
    recorded_client_visits = models.BigIntegerField(_("visits with the client type recorded"), default=0)
    legal_visits = models.BigIntegerField(_("legal-person visits"), default=0)
    legal_share = models.DecimalField(
        _("legal-person share of visits"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    running_grant = models.DecimalField(
        _("maintenance and salary grants (EUR)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    creation_grant = models.DecimalField(
        _("creation grants (EUR)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    cost_per_service = models.DecimalField(
        _("cost per service (EUR)"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    cost_basis = models.CharField(_("cost basis"), max_length=20, choices=CostBasis.choices, blank=True)
    cost_missing = models.CharField(
        _("why there is no cost per service"), max_length=20, choices=CostMissing.choices, blank=True
    )
    band = models.CharField(_("cost band"), max_length=20, choices=CostBand.choices, blank=True)

    class Meta:
        abstract = True


class CentreFigure(ContactSums):
    """A centre's figures, cost per service, band and screening flags in a period. Written only by
    vpvkac/network.py."""

    centre = _derived_fk("vpvkac.Centre", "figures", _("centre"))
    period = _derived_fk("vpvkac.ReportingPeriod", "+", _("period"))
    municipality = _derived_fk("institutions.Municipality", "+", _("municipality"))
    parameters = _derived_fk(NetworkParameters, "+", _("parameters"), on_delete=models.PROTECT)
    computed_at = models.DateTimeField(_("computed"))
    tier = models.CharField(_("tier"), max_length=20, choices=DevelopmentTier.choices)
    centres_in_municipality = models.PositiveSmallIntegerField(_("centres in the municipality"), default=1)
    nearest_same_km = models.DecimalField(
        _("nearest centre of the same municipality (km)"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    nearest_any_km = models.DecimalField(
        _("nearest other centre (km)"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    criterion_same_municipality = models.BooleanField(
        _("criterion 1: another centre of the municipality within R"), null=True, blank=True
    )
    criterion_cost = models.BooleanField(_("criterion 2: cost per service above 2A"), null=True, blank=True)
    near_other_centre = models.BooleanField(_("another centre within R"), null=True, blank=True)
    only_centre = models.BooleanField(_("the municipality's only centre"), default=False)
    residents_covered_elsewhere = models.BooleanField(
        _("residents within R of another municipality's centre"), null=True, blank=True
    )
    in_screening_scope = models.BooleanField(_("in the screening scope"), default=True)
    proposable = models.BooleanField(_("may be proposed for closure or replacement"), default=False)

    class Meta:
        ordering = ["period", "centre"]
        verbose_name = _("centre figure")
        verbose_name_plural = _("centre figures")
        constraints = [models.UniqueConstraint(fields=["centre", "period"], name="centre_figure_unique")]
        indexes = [models.Index(fields=["period", "municipality"], name="centre_figure_period_muni")]

    def __str__(self):
        return f"{self.centre_id}/{self.period_id}"

    @property
    def criteria_met(self):
        return [
            name
            for name, met in (
                ("criterion_same_municipality", self.criterion_same_municipality),
                ("criterion_cost", self.criterion_cost),
                ("near_other_centre", self.near_other_centre),
            )
            if met
        ]


class MunicipalityFigure(ContactSums):
    """A municipality's figures over all its centres in a period, its cost per service (seed 001 F3) and band.
    Written only by vpvkac/network.py."""

    municipality = _derived_fk("institutions.Municipality", "+", _("municipality"))
    current_municipality = _derived_fk("institutions.Municipality", "+", _("today's municipality"), db_index=True)
    period = _derived_fk("vpvkac.ReportingPeriod", "+", _("period"))
    parameters = _derived_fk(NetworkParameters, "+", _("parameters"), on_delete=models.PROTECT)
    computed_at = models.DateTimeField(_("computed"))
    tier = models.CharField(_("tier"), max_length=20, choices=DevelopmentTier.choices)
    centres = models.PositiveSmallIntegerField(_("centres"), default=0)
    published_cost_per_service = models.DecimalField(
        _("published cost per service (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["period", "municipality"]
        verbose_name = _("municipality figure")
        verbose_name_plural = _("municipality figures")
        constraints = [models.UniqueConstraint(fields=["municipality", "period"], name="municipality_figure_unique")]
        indexes = [models.Index(fields=["period", "tier"], name="municipality_figure_period")]

    def __str__(self):
        return f"{self.municipality_id}/{self.period_id}"


class PeriodSummary(models.Model):
    """The network in a period: the average A the bands were drawn with, the candidates for A, and the band
    counts of the municipalities. Written only by vpvkac/network.py."""

    period = models.OneToOneField(
        "vpvkac.ReportingPeriod", on_delete=models.CASCADE, related_name="summary", verbose_name=_("period")
    )
    parameters = models.ForeignKey(
        NetworkParameters, on_delete=models.PROTECT, related_name="+", verbose_name=_("parameters")
    )
    computed_at = models.DateTimeField(_("computed"))
    average_mode = models.CharField(_("average cost per service A"), max_length=20, choices=AverageMode.choices)
    average = models.DecimalField(_("A (EUR)"), max_digits=14, decimal_places=4, null=True, blank=True)
    mean = models.DecimalField(_("mean"), max_digits=14, decimal_places=4, null=True, blank=True)
    median = models.DecimalField(_("median"), max_digits=14, decimal_places=4, null=True, blank=True)
    weighted_mean = models.DecimalField(
        _("service-weighted mean"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    municipalities_averaged = models.PositiveIntegerField(_("municipalities in the average"), default=0)
    at_or_below = models.PositiveIntegerField(_("at or below A"), default=0)
    above = models.PositiveIntegerField(_("above A, at most 2A"), default=0)
    very_high = models.PositiveIntegerField(_("above 2A"), default=0)
    centres = models.PositiveIntegerField(_("centres"), default=0)
    centres_with_recorded_clients = models.PositiveIntegerField(_("centres with client types recorded"), default=0)
    centres_without_legal_visits = models.PositiveIntegerField(_("of which without legal-person visits"), default=0)
    services = models.BigIntegerField(_("services"), default=0)
    consultations = models.BigIntegerField(_("consultations"), default=0)

    class Meta:
        ordering = ["period"]
        verbose_name = _("network summary")
        verbose_name_plural = _("network summaries")

    def __str__(self):
        return str(self.period)


class CentreHourlyFigure(models.Model):
    """In-person visits at a centre by weekday and hour slot in a period (seed 001 Figure 8)."""

    centre = _derived_fk("vpvkac.Centre", "hourly_figures", _("centre"))
    period = _derived_fk("vpvkac.ReportingPeriod", "+", _("period"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    hour = models.PositiveSmallIntegerField(_("hour"))
    visits = models.BigIntegerField(_("visits"), default=0)

    class Meta:
        ordering = ["centre", "period", "weekday", "hour"]
        verbose_name = _("hourly visits")
        verbose_name_plural = _("hourly visits")
        constraints = [
            models.UniqueConstraint(fields=["centre", "period", "weekday", "hour"], name="centre_hourly_unique"),
        ]


class NetworkRecomputation(RecomputationJob):
    """One recomputation of the network results: in full, or of the (municipality, period) pairs whose figures
    or grants changed."""

    scope = models.JSONField(_("municipalities and periods"), default=list, blank=True)
    parameters = models.ForeignKey(
        NetworkParameters,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("parameters"),
    )

    class Meta(RecomputationJob.Meta):
        verbose_name = _("network recomputation")
        verbose_name_plural = _("network recomputations")
