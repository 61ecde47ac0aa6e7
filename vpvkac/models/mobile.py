"""Mobile centres (seed 001 §3.8, measure 13): a vehicle owned by one or several municipalities that stops at
settlements on a timetable and may replace fixed centres; and the settlements whose residents the network
must reach (seed 001 F6)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .registry import RecurringSlot, coordinate_constraints


class Settlement(models.Model):
    """A settlement point with its population, for coverage (domain brief §3: population within R km of a
    service point). The sources give no settlement populations: the shipped ones are demo data."""

    code = models.SlugField(_("code"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    municipality = models.ForeignKey(
        "institutions.Municipality",
        on_delete=models.PROTECT,
        related_name="settlements",
        verbose_name=_("municipality"),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    population = models.PositiveIntegerField(_("population"))
    year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = coordinate_constraints("settlement", optional=False)
        indexes = [models.Index(fields=["municipality"], name="settlement_municipality")]

    def __str__(self):
        return self.name


class MobileService(models.TextChoices):
    TIMETABLE = "timetable", _("Regular timetable")
    ON_REQUEST = "on_request", _("On residents' request")


class MobileCentre(models.Model):
    code = models.SlugField(_("code"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    vehicle = models.CharField(_("vehicle"), max_length=200, blank=True)
    service_mode = models.CharField(
        _("service mode"), max_length=20, choices=MobileService.choices, default=MobileService.TIMETABLE
    )
    owners = models.ManyToManyField(
        "institutions.Municipality", related_name="mobile_centres", verbose_name=_("owner municipalities")
    )
    replaces = models.ManyToManyField(
        "vpvkac.Centre",
        related_name="replaced_by_mobile",
        blank=True,
        verbose_name=_("fixed centres it replaces"),
    )
    in_service_from = models.DateField(_("in service from"), null=True, blank=True)
    in_service_to = models.DateField(_("in service until"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords(m2m_fields=[owners, replaces])

    class Meta:
        ordering = ["name"]
        verbose_name = _("mobile centre")
        verbose_name_plural = _("mobile centres")
        constraints = [
            models.CheckConstraint(
                condition=Q(in_service_to__isnull=True)
                | Q(in_service_from__isnull=True)
                | Q(in_service_to__gte=models.F("in_service_from")),
                name="mobile_centre_service_range",
            ),
        ]

    def __str__(self):
        return self.name

    def in_service_on(self, day):
        return (self.in_service_from is None or day >= self.in_service_from) and (
            self.in_service_to is None or day <= self.in_service_to
        )


class MobileStop(models.Model):
    mobile_centre = models.ForeignKey(
        MobileCentre, on_delete=models.CASCADE, related_name="stops", verbose_name=_("mobile centre")
    )
    name = models.CharField(_("name"), max_length=200)
    settlement = models.ForeignKey(
        Settlement, on_delete=models.SET_NULL, null=True, blank=True, related_name="stops", verbose_name=_("settlement")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    address = models.CharField(_("address"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["mobile_centre", "name"]
        verbose_name = _("mobile centre stop")
        verbose_name_plural = _("mobile centre stops")
        constraints = [
            *coordinate_constraints("mobile_stop", optional=False),
            models.UniqueConstraint(fields=["mobile_centre", "name"], name="mobile_stop_unique_name"),
        ]

    def __str__(self):
        return f"{self.mobile_centre} · {self.name}"


class StopTimetable(RecurringSlot):
    """When the mobile centre stands at a stop: e.g. every Tuesday 10:00–12:00, or the 1st Monday of the month."""

    stop = models.ForeignKey(MobileStop, on_delete=models.CASCADE, related_name="timetable", verbose_name=_("stop"))

    history = HistoricalRecords()

    class Meta(RecurringSlot.Meta):
        ordering = ["stop", "weekday", "starts_at"]
        verbose_name = _("stop time")
        verbose_name_plural = _("stop timetable")

    def __str__(self):
        return f"{self.stop}: {self.describe()}"
