"""The result indicator library and the measurements of a project (seed 003 §3.1 "result indicators", §3.4
measurement rules, §8 items 3–5). The before/after evaluation is transformation/evaluation.py; pre-filling
from the catalogue's cost figures is transformation/prefill.py."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from workplans.models.plans import bilingual


class ValueKind(models.TextChoices):
    SHARE = "share", _("Share (per cent)")
    COUNT = "count", _("Count")
    MONEY = "money", _("Money (EUR)")
    SCORE = "score", _("Score")
    TEXT = "text", _("Text")


NUMERIC_KINDS = (ValueKind.SHARE, ValueKind.COUNT, ValueKind.MONEY, ValueKind.SCORE)


class GoodDirection(models.TextChoices):
    """Which change is a gain (domain brief §3 "Before/after")."""

    UP = "up", _("Higher is better")
    DOWN = "down", _("Lower is better")
    NONE = "none", _("Neither: not classed")


class IndicatorScope(models.TextChoices):
    LIBRARY = "library", _("National library (seed 003)")
    TREND = "trend", _("National trend indicator")
    INSTITUTION = "institution", _("Institution's own indicator")


class CatalogueSource(models.TextChoices):
    """The catalogue figure a measurement is pre-filled from (transformation/prefill.py)."""

    NONE = "", _("None")
    CHANNEL_PROPORTION = "channel_proportion", _("Channel proportion: digital share of completed cases")
    ELECTRONIC_USE = "electronic_use", _("Degree of electronic use of digitally offered services")
    COST_PER_TRANSACTION = "cost_per_transaction", _("Cost per transaction")
    SATISFACTION = "satisfaction", _("Satisfaction score")


class MonetaryRole(models.TextChoices):
    """The part a money indicator plays in the cost–benefit figures (seed 003 §4.2 F6: one-off and recurring
    costs kept apart)."""

    NONE = "", _("None")
    INVESTMENT = "investment", _("One-off investment")
    RUNNING_COST = "running_cost", _("Yearly running cost")
    BENEFIT = "benefit", _("Yearly monetary benefit")


class ResultIndicator(models.Model):
    """One indicator of the library: the ten of seed 003 §3.1 (indicator 8 kept as three money figures), the
    coordinator's national trend indicators, and the institutions' own."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    source_number = models.PositiveSmallIntegerField(
        _("seed 003 §3.1 number"), null=True, blank=True, help_text=_("The number of the indicator in seed 003 §3.1.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_lv = models.CharField(_("name (Latvian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    description_lv = models.TextField(_("description (Latvian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("For example: per cent, EUR, FTE."))
    value_kind = models.CharField(_("kind of value"), max_length=10, choices=ValueKind.choices)
    good_direction = models.CharField(
        _("good direction"), max_length=10, choices=GoodDirection.choices, default=GoodDirection.NONE
    )
    mandatory = models.BooleanField(_("mandatory"), default=False)
    scope = models.CharField(_("scope"), max_length=20, choices=IndicatorScope.choices, default=IndicatorScope.LIBRARY)
    owner_institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="result_indicators",
        verbose_name=_("owner institution"),
    )
    collection_method_lv = models.TextField(_("collection method (Latvian)"), blank=True)
    collection_method_en = models.TextField(_("collection method (English)"), blank=True)
    catalogue_source = models.CharField(
        _("pre-filled from the catalogue"), max_length=30, choices=CatalogueSource.choices, blank=True
    )
    monetary_role = models.CharField(_("cost–benefit role"), max_length=20, choices=MonetaryRole.choices, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("result indicator")
        verbose_name_plural = _("result indicators")
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope=IndicatorScope.INSTITUTION) & Q(owner_institution__isnull=False))
                | (~Q(scope=IndicatorScope.INSTITUTION) & Q(owner_institution__isnull=True)),
                name="result_indicator_owner_iff_institution_scope",
            ),
            models.CheckConstraint(
                condition=Q(monetary_role="") | Q(value_kind=ValueKind.MONEY),
                name="result_indicator_monetary_role_is_money",
            ),
            models.CheckConstraint(
                condition=~Q(value_kind=ValueKind.TEXT) | Q(good_direction=GoodDirection.NONE, catalogue_source=""),
                name="result_indicator_text_not_classed",
            ),
            models.CheckConstraint(
                condition=~Q(scope=IndicatorScope.INSTITUTION) | Q(mandatory=False),
                name="result_indicator_own_not_mandatory",
            ),
            models.CheckConstraint(condition=Q(value_kind__in=ValueKind.values), name="result_indicator_kind_valid"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def name(self):
        return bilingual(self, "name")

    @property
    def description(self):
        return bilingual(self, "description")

    @property
    def collection_method(self):
        return bilingual(self, "collection_method")

    @property
    def is_numeric(self):
        return self.value_kind in NUMERIC_KINDS


class MeasurementPhase(models.TextChoices):
    """The three measuring phases of a project (seed 003 §3.4): at the start, during, at the end."""

    BASELINE = "baseline", _("Baseline")
    INTERIM = "interim", _("Interim")
    FINAL = "final", _("Final")


class MeasurementSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    PREFILLED = "prefilled", _("Pre-filled from the catalogue")


class Measurement(models.Model):
    """A snapshot of one indicator of a project in one measuring phase, for a period."""

    project = models.ForeignKey(
        "transformation.TransformationProject",
        on_delete=models.CASCADE,
        related_name="measurements",
        verbose_name=_("project"),
    )
    indicator = models.ForeignKey(
        ResultIndicator, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("indicator")
    )
    phase = models.CharField(_("phase"), max_length=10, choices=MeasurementPhase.choices)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, null=True, blank=True)
    text_value = models.TextField(_("text value"), blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=MeasurementSource.choices, default=MeasurementSource.ENTERED
    )
    source_note = models.CharField(
        _("how the value was obtained"),
        max_length=500,
        blank=True,
        help_text=_("For a pre-filled value: the catalogue figures it was computed from."),
    )
    note = models.TextField(_("note"), blank=True)
    measured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("measured by"),
    )
    measured_on = models.DateField(_("measured on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "indicator__order", "indicator__code", "phase"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(fields=["project", "indicator", "phase"], name="measurement_one_per_phase"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(text_value=""), name="measurement_has_value_or_text"
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="measurement_period_ordered",
            ),
            models.CheckConstraint(condition=Q(phase__in=MeasurementPhase.values), name="measurement_phase_valid"),
        ]

    def __str__(self):
        return f"{self.project} · {self.indicator.code} · {self.get_phase_display()}"

    @property
    def period_year(self):
        """The calendar year the period falls in (its end's, else its start's)."""
        day = self.period_end or self.period_start
        return day.year if day else None

    def clean(self):
        errors = {}
        indicator = getattr(self, "indicator", None) if self.indicator_id else None
        if indicator is not None:
            if indicator.is_numeric and self.value is None:
                errors["value"] = _("This indicator is measured as a number.")
            if indicator.value_kind == ValueKind.SHARE and self.value is not None and not (0 <= self.value <= 100):
                errors["value"] = _("A share is between 0 and 100 per cent.")
            if indicator.value_kind in (ValueKind.COUNT, ValueKind.MONEY) and self.value is not None and self.value < 0:
                errors["value"] = _("The value cannot be negative.")
            if not indicator.is_numeric and not self.text_value.strip():
                errors["text_value"] = _("This indicator is measured as a text.")
            project = getattr(self, "project", None) if self.project_id else None
            if (
                project is not None
                and indicator.owner_institution_id
                and indicator.owner_institution_id != project.institution_id
            ):
                errors["indicator"] = _("This indicator belongs to another institution.")
        if errors:
            raise ValidationError(errors)
