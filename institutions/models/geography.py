from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import BilingualName


class PlanningRegion(BilingualName):
    code = models.SlugField(_("code"), max_length=20, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_lv"]
        verbose_name = _("planning region")
        verbose_name_plural = _("planning regions")


class MunicipalityKind(models.TextChoices):
    STATE_CITY = "state_city", _("State city")
    COUNTY = "county", _("County (novads)")
    REPUBLIC_CITY = "republic_city", _("Republic city (before 2021)")


class DevelopmentTier(models.TextChoices):
    """Development-centre significance of the municipality's centre (VPVKAC tiers follow it)."""

    NATIONAL = "national", _("National significance")
    REGIONAL = "regional", _("Regional significance")
    LOCAL = "local", _("Local significance")


class Municipality(BilingualName):
    """A municipality: one of today's 43, or a former one kept with a link to the body that succeeded it."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MunicipalityKind.choices)
    planning_region = models.ForeignKey(
        PlanningRegion,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("planning region"),
    )
    development_tier = models.CharField(
        _("development-centre tier"), max_length=20, choices=DevelopmentTier.choices, blank=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor"),
        help_text=_("The municipality this one was merged into."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_lv"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="municipality_valid_range",
            ),
            models.CheckConstraint(
                condition=~Q(successor=models.F("id")),
                name="municipality_not_own_successor",
            ),
        ]

    @property
    def is_current(self):
        return self.valid_to is None

    def current_successor(self):
        """The municipality of today that this one's figures roll up to (itself when current)."""
        seen = set()
        municipality = self
        while municipality.successor_id and municipality.pk not in seen:
            seen.add(municipality.pk)
            municipality = municipality.successor
        return municipality


class MunicipalityPopulation(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="populations", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("population"))
    source = models.CharField(_("source"), max_length=255, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["municipality", "-year"]
        verbose_name = _("population")
        verbose_name_plural = _("population by year")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="population_unique_municipality_year"),
        ]

    def __str__(self):
        return f"{self.municipality} {self.year}: {self.population}"
