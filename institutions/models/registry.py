from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from ..flags import apply_flags
from .base import BilingualName


class InstitutionGroup(BilingualName):
    """A row of PVPP2027 Table 1: a top-level group (1–6) or one of its sub-rows (e.g. 2.1)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    policy_applies = models.BooleanField(_("service governance policy applies (column A)"), default=True)
    workplan_round1 = models.BooleanField(_("work plan 1st round applies (column B)"), default=False)
    only_within_public_tasks = models.BooleanField(_("only within the public tasks it performs"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]
        verbose_name = _("PVPP2027 Table 1 group")
        verbose_name_plural = _("PVPP2027 Table 1 groups")

    def __str__(self):
        return f"{self.code} {self.name}"


class InstitutionType(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    STATE_AGENCY = "state_agency", _("State agency")
    SERVICE = "service", pgettext_lazy("institution type", "Service")
    OFFICE = "office", _("Office")
    INSPECTORATE = "inspectorate", _("Inspectorate")
    MUSEUM = "museum", _("Museum")
    COLLEGIAL = "collegial", _("Collegial institution")
    DERIVED_PUBLIC_PERSON = "derived_public_person", _("Derived public person")
    MUNICIPALITY = "municipality", _("Municipality")
    MUNICIPAL_AGENCY = "municipal_agency", _("Municipal institution or agency")
    STATE_COMPANY = "state_company", _("State capital company")
    MUNICIPAL_COMPANY = "municipal_company", _("Municipal capital company")
    HIGHER_EDUCATION = "higher_education", _("Higher-education institution")
    COURT = "court", _("Court")
    PROSECUTION = "prosecution", _("Prosecutor's Office")
    NOTARY = "notary", _("Notary")
    BAILIFF = "bailiff", _("Bailiff")
    PRIVATE_PERSON = "private_person", _("Private person")
    ASSOCIATION = "association", _("Association or foundation")
    OTHER = "other", _("Other")


class ExclusionCategory(models.TextChoices):
    """Bodies PVPP2027 §4.1.5 excludes from the 1st-round work plan whatever their Table 1 group."""

    EDUCATIONAL = "educational", _("Educational institution")
    MEDICAL = "medical", _("Medical treatment institution")
    ARMED_FORCES = "armed_forces", _("National Armed Forces and National Guard")
    STATE_SECURITY = "state_security", _("State Security Service")


class Institution(BilingualName):
    """Any body of PVPP2027 Table 1 (institution in the broad sense)."""

    short_name = models.CharField(_("short name"), max_length=60, unique=True)
    registration_number = models.CharField(_("registration number"), max_length=11, unique=True, null=True, blank=True)
    group = models.ForeignKey(
        InstitutionGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="institutions",
        verbose_name=_("Table 1 group"),
    )
    institution_type = models.CharField(_("type"), max_length=30, choices=InstitutionType.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent institution"),
        help_text=_("The supervising institution; for an agency, its ministry (the ministry sector)."),
    )
    municipality = models.ForeignKey(
        "institutions.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="institutions",
        verbose_name=_("municipality"),
    )
    website = models.URLField(_("website"), blank=True)
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_to = models.DateField(_("active to"), null=True, blank=True)
    exclusion_category = models.CharField(
        _("PVPP2027 §4.1.5 exclusion"), max_length=20, choices=ExclusionCategory.choices, blank=True
    )
    round1_override = models.BooleanField(
        _("1st-round override"),
        null=True,
        blank=True,
        help_text=_("Set only when a decision binds or frees this institution against its Table 1 group."),
    )
    round1_override_reason = models.CharField(_("reason for the override"), max_length=255, blank=True)
    # Derived from the group, the exclusion and the override (institutions/flags.py); stored to filter on.
    governance_policy_applies = models.BooleanField(_("governance policy applies"), default=False, editable=False)
    bound_by_round1 = models.BooleanField(_("bound by the 1st-round work plan"), default=False, editable=False)
    sources = models.CharField(_("sources"), max_length=255, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_lv"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(active_to__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_to__gte=models.F("active_from")),
                name="institution_active_range",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="institution_not_own_parent"),
            models.CheckConstraint(
                condition=Q(round1_override__isnull=True) | ~Q(round1_override_reason=""),
                name="institution_override_has_reason",
            ),
        ]

    def save(self, *args, **kwargs):
        apply_flags(self)
        super().save(*args, **kwargs)

    @property
    def is_active(self):
        return self.active_to is None

    def ancestors(self):
        """Parents from the nearest up, stopping at a cycle should bad data ever contain one."""
        chain, seen, node = [], {self.pk}, self.parent
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    @property
    def sector_ministry(self):
        """The ministry whose sector (resors) this institution belongs to, if any."""
        for node in [self, *self.ancestors()]:
            if node.institution_type == InstitutionType.MINISTRY:
                return node
        return None
