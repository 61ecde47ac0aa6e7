"""The decision record of the network review (seed 001 measure 20): for each candidate centre the criteria it
met when it was reviewed, and what was decided."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class ReviewDecision(models.TextChoices):
    KEEP = "keep", pgettext_lazy("review decision", "Keep")
    CLOSE = "close", pgettext_lazy("review decision", "Close")
    REPLACE_BY_MOBILE = "replace_by_mobile", _("Replace by a mobile centre")


class NetworkReviewDecision(models.Model):
    centre = models.ForeignKey(
        "vpvkac.Centre", on_delete=models.PROTECT, related_name="review_decisions", verbose_name=_("centre")
    )
    period = models.ForeignKey(
        "vpvkac.ReportingPeriod",
        on_delete=models.PROTECT,
        related_name="review_decisions",
        verbose_name=_("reviewed period"),
    )
    criteria_met = models.JSONField(
        _("criteria met"),
        default=list,
        blank=True,
        help_text=_("The screening criteria the centre met when it was reviewed, as the stored results showed them."),
    )
    decision = models.CharField(_("decision"), max_length=20, choices=ReviewDecision.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "centre"]
        verbose_name = _("network review decision")
        verbose_name_plural = _("network review decisions")
        constraints = [
            models.UniqueConstraint(fields=["centre", "period"], name="review_decision_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="review_decision_has_reason"),
            models.CheckConstraint(condition=Q(decision__in=ReviewDecision.values), name="review_decision_valid"),
        ]

    def __str__(self):
        return f"{self.centre} {self.period}: {self.get_decision_display()}"
