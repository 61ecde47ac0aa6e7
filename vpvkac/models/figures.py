"""The figures of the network (domain brief §2 "VPVKAC"): contact statistics, grants and satisfaction scores,
each in a reporting period, and the costs per service a source published without their inputs."""

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from institutions.models import DevelopmentTier
from institutions.models.base import BilingualName


class ReportingPeriod(BilingualName):
    """A span of days the network's figures are computed for: a year, or a span such as the 21 months of seed
    001 Table 4 (January 2017 – September 2018). Periods may overlap; each is computed on its own."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-first_day", "last_day"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="reporting_period_order"),
            models.UniqueConstraint(fields=["first_day", "last_day"], name="reporting_period_unique_span"),
        ]

    def contains(self, day):
        return self.first_day <= day <= self.last_day


class ContactType(models.TextChoices):
    SERVICE = "service", _("Service")
    CONSULTATION = "consultation", _("Consultation")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    ASSISTED_ESERVICE = "assisted_eservice", _("Assisted e-service")


# Services in the cost per service, and visits in the legal-person share and the hourly distribution.
SERVICE_TYPES = (ContactType.SERVICE, ContactType.ASSISTED_ESERVICE)
VISIT_TYPES = (ContactType.SERVICE, ContactType.ASSISTED_ESERVICE, ContactType.CONSULTATION)


class StaffType(models.TextChoices):
    MUNICIPAL = "municipal", _("Municipal staff")
    INSTITUTION = "institution", _("Institution staff")


class ClientType(models.TextChoices):
    NOT_RECORDED = "", _("Not recorded")
    NATURAL = "natural", _("Natural person")
    LEGAL = "legal", _("Legal person")


class ContactFigure(models.Model):
    """The number of contacts of one kind at a centre on a day (in an hour slot, when known).

    A source that gives only a total over a span of days (seed 001 Table 4: January 2017 – September 2018) is
    stored as one row from `date` to `date_to`; such a row counts in a period only when the whole span lies
    inside it. The natural key (centre, days, hour, institution, service, contact, staff and client type) makes
    a re-import update the row instead of adding a second one."""

    centre = models.ForeignKey(
        "vpvkac.Centre",
        on_delete=models.PROTECT,
        related_name="contact_figures",
        verbose_name=_("centre"),
        db_index=False,  # the natural key's unique index, (centre, date, …), serves lookups by centre and day
    )
    date = models.DateField(_("date"))
    date_to = models.DateField(
        _("last day of the span"),
        null=True,
        blank=True,
        help_text=_("Only for a total over several days that the source does not split."),
    )
    hour = models.PositiveSmallIntegerField(_("hour"), null=True, blank=True, help_text=_("0–23: the hour slot."))
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institution"),
    )
    service = models.ForeignKey(
        "services.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
    )
    contact_type = models.CharField(_("contact type"), max_length=20, choices=ContactType.choices)
    staff_type = models.CharField(_("staff type"), max_length=20, choices=StaffType.choices)
    client_type = models.CharField(
        _("client type"), max_length=10, choices=ClientType.choices, blank=True, default=ClientType.NOT_RECORDED
    )
    count = models.PositiveIntegerField(_("count"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["centre", "date", "hour"]
        verbose_name = _("contact figure")
        verbose_name_plural = _("contact figures")
        constraints = [
            models.UniqueConstraint(
                F("centre"),
                F("date"),
                Coalesce("date_to", "date"),
                Coalesce("hour", Value(-1), output_field=models.IntegerField()),
                Coalesce("institution", Value(0), output_field=models.IntegerField()),
                Coalesce("service", Value(0), output_field=models.IntegerField()),
                F("contact_type"),
                F("staff_type"),
                F("client_type"),
                name="contact_figure_natural_key",
            ),
            models.CheckConstraint(condition=Q(hour__isnull=True) | Q(hour__lte=23), name="contact_figure_hour_range"),
            models.CheckConstraint(
                condition=Q(date_to__isnull=True) | Q(date_to__gt=F("date")), name="contact_figure_span_order"
            ),
            models.CheckConstraint(
                condition=Q(date_to__isnull=True) | Q(hour__isnull=True), name="contact_figure_span_has_no_hour"
            ),
            models.CheckConstraint(
                condition=Q(contact_type__in=ContactType.values), name="contact_figure_contact_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(staff_type__in=StaffType.values), name="contact_figure_staff_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(client_type__in=ClientType.values), name="contact_figure_client_type_valid"
            ),
        ]
        indexes = [models.Index(fields=["date"], name="contact_figure_date")]

    def __str__(self):
        return f"{self.centre_id} {self.date} {self.hour} {self.contact_type}: {self.count}"


class GrantKind(models.TextChoices):
    CREATION = "creation", _("Creation")
    MAINTENANCE = "maintenance", _("Maintenance")
    SALARY = "salary", _("Salary")
    MAINTENANCE_AND_SALARY = "maintenance_salary", _("Maintenance and salary (not split)")


# The grants a cost per service is made of (seed 001 F3): the creation grant is excluded.
RUNNING_GRANT_KINDS = (GrantKind.MAINTENANCE, GrantKind.SALARY, GrantKind.MAINTENANCE_AND_SALARY)


class Grant(models.Model):
    """A state budget grant of one kind for a period, paid to a municipality (today's model) or to one of its
    centres (the results-based model seed 001 measure 18 proposes)."""

    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="grants", verbose_name=_("period")
    )
    municipality = models.ForeignKey(
        "institutions.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vpvkac_grants",
        verbose_name=_("recipient municipality"),
    )
    centre = models.ForeignKey(
        "vpvkac.Centre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("recipient centre"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=GrantKind.choices)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=500, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "municipality", "centre", "kind"]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.CheckConstraint(
                condition=Q(municipality__isnull=False, centre__isnull=True)
                | Q(municipality__isnull=True, centre__isnull=False),
                name="grant_one_recipient",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_amount_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=GrantKind.values), name="grant_kind_valid"),
            models.UniqueConstraint(
                fields=["period", "municipality", "kind"],
                condition=Q(centre__isnull=True),
                name="grant_unique_municipality_kind",
            ),
            models.UniqueConstraint(
                fields=["period", "centre", "kind"],
                condition=Q(municipality__isnull=True),
                name="grant_unique_centre_kind",
            ),
        ]

    def __str__(self):
        return f"{self.period} {self.municipality or self.centre} {self.get_kind_display()}: {self.amount}"

    @property
    def recipient(self):
        return self.centre or self.municipality


class ScoreKind(models.TextChoices):
    SATISFACTION = "satisfaction", _("Client satisfaction")
    MYSTERY_CLIENT = "mystery_client", _("Mystery client")


class SatisfactionScore(models.Model):
    """A centre's client-satisfaction or mystery-client result for a period, on the scale it was given in."""

    centre = models.ForeignKey(
        "vpvkac.Centre", on_delete=models.CASCADE, related_name="scores", verbose_name=_("centre")
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="scores", verbose_name=_("period")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ScoreKind.choices)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=3)
    scale_min = models.DecimalField(_("scale minimum"), max_digits=8, decimal_places=3, default=0)
    scale_max = models.DecimalField(_("scale maximum"), max_digits=8, decimal_places=3, default=100)
    responses = models.PositiveIntegerField(_("responses"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["centre", "period", "kind"]
        verbose_name = _("satisfaction score")
        verbose_name_plural = _("satisfaction scores")
        constraints = [
            models.UniqueConstraint(fields=["centre", "period", "kind"], name="score_unique_centre_period_kind"),
            models.CheckConstraint(condition=Q(scale_max__gt=F("scale_min")), name="score_scale_order"),
            models.CheckConstraint(
                condition=Q(score__gte=F("scale_min"), score__lte=F("scale_max")), name="score_within_scale"
            ),
        ]

    def __str__(self):
        return f"{self.centre} {self.period} {self.get_kind_display()}: {self.score}"

    @property
    def score_0_100(self):
        """(score − scale min) / (scale max − scale min) × 100 (domain brief §3 satisfaction score)."""
        return (self.score - self.scale_min) / (self.scale_max - self.scale_min) * 100


class PublishedCostPerService(models.Model):
    """A cost per service as a source printed it (seed 001 Table 5). It is the check of the computed one, and
    stands in for it where the source gives the figure but not the services or grants behind it."""

    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="published_costs", verbose_name=_("period")
    )
    municipality = models.ForeignKey(
        "institutions.Municipality",
        on_delete=models.PROTECT,
        related_name="vpvkac_published_costs",
        verbose_name=_("municipality"),
    )
    tier = models.CharField(_("tier"), max_length=20, choices=DevelopmentTier.choices)
    cost_per_service = models.DecimalField(_("cost per service (EUR)"), max_digits=10, decimal_places=2)
    source = models.CharField(_("source"), max_length=500)
    source_name = models.CharField(_("name as printed"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "municipality"]
        verbose_name = _("published cost per service")
        verbose_name_plural = _("published costs per service")
        constraints = [
            models.UniqueConstraint(fields=["period", "municipality"], name="published_cost_unique"),
            models.CheckConstraint(condition=Q(cost_per_service__gte=0), name="published_cost_not_negative"),
        ]

    def __str__(self):
        return f"{self.period} {self.municipality}: {self.cost_per_service}"


__all__ = [
    "RUNNING_GRANT_KINDS",
    "SERVICE_TYPES",
    "VISIT_TYPES",
    "ClientType",
    "ContactFigure",
    "ContactType",
    "Grant",
    "GrantKind",
    "PublishedCostPerService",
    "ReportingPeriod",
    "SatisfactionScore",
    "ScoreKind",
    "StaffType",
]
