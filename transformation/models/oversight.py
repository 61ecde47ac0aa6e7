"""Oversight (seed 003 §3.2.1–3.2.2, §3.4, §8 items 10 and 12): the register of the oversight council's
decisions and recommendations with their evidence, and the register of shared components and who uses them.
The candidate list of services that differ from their peers is transformation/oversight.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from workplans.models.plans import bilingual


class ComponentKind(models.TextChoices):
    """Seed 003 Table 2, and room for more."""

    SERVICE_CATALOGUE = "service_catalogue", _("Single service catalogue")
    CLIENT_SERVICE_CENTRES = "client_service_centres", _("Unified client service centres")
    VIRTUAL_ASSISTANT = "virtual_assistant", _("Virtual assistant")
    E_ADDRESS = "e_address", _("E-address")
    INTEGRATION_PLATFORM = "integration_platform", _("Integration platform / API")
    OTHER = "other", _("Other")


class ComponentStatus(models.TextChoices):
    CONCEPT = "concept", _("Concept")
    IN_DEVELOPMENT = "in_development", _("In development")
    IMPLEMENTED = "implemented", _("Implemented")
    RETIRED = "retired", _("Retired")


class SharedComponent(models.Model):
    name_lv = models.CharField(_("name (Latvian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=ComponentKind.choices, default=ComponentKind.OTHER)
    status = models.CharField(
        _("status"), max_length=20, choices=ComponentStatus.choices, default=ComponentStatus.IMPLEMENTED
    )
    owner_institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_shared_components",
        verbose_name=_("owner institution"),
    )
    description_lv = models.TextField(_("description (Latvian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    url = models.URLField(_("address"), max_length=500, blank=True)
    institutions = models.ManyToManyField(
        "institutions.Institution",
        through="ComponentInstitution",
        related_name="used_shared_components",
        blank=True,
        verbose_name=_("institutions using it"),
    )
    projects = models.ManyToManyField(
        "transformation.TransformationProject",
        through="ComponentProject",
        related_name="shared_components",
        blank=True,
        verbose_name=_("projects using it"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_lv"]
        verbose_name = _("shared component")
        verbose_name_plural = _("shared components")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return bilingual(self, "name")

    @property
    def description(self):
        return bilingual(self, "description")


class ComponentInstitution(models.Model):
    component = models.ForeignKey(
        SharedComponent, on_delete=models.CASCADE, related_name="institution_uses", verbose_name=_("shared component")
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="shared_component_uses",
        verbose_name=_("institution"),
    )
    since = models.DateField(_("used since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["component", "institution__name_lv"]
        verbose_name = _("institution using a shared component")
        verbose_name_plural = _("institutions using shared components")
        constraints = [
            models.UniqueConstraint(fields=["component", "institution"], name="component_institution_unique"),
        ]

    def __str__(self):
        return f"{self.component} · {self.institution}"


class ComponentProject(models.Model):
    component = models.ForeignKey(
        SharedComponent, on_delete=models.CASCADE, related_name="project_uses", verbose_name=_("shared component")
    )
    project = models.ForeignKey(
        "transformation.TransformationProject",
        on_delete=models.CASCADE,
        related_name="component_uses",
        verbose_name=_("project"),
    )
    since = models.DateField(_("used since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["component", "project"]
        verbose_name = _("project using a shared component")
        verbose_name_plural = _("projects using shared components")
        constraints = [
            models.UniqueConstraint(fields=["component", "project"], name="component_project_unique"),
        ]

    def __str__(self):
        return f"{self.component} · {self.project}"


class DecisionKind(models.TextChoices):
    """The council's decisions and recommendations (seed 003 §3.2.1–3.2.2, §6 CouncilDecision)."""

    APPROVE_NEW_SERVICE = "approve_new_service", _("Approve a new service")
    PROPOSE_MERGER = "propose_merger", _("Propose merging services")
    PROPOSE_TERMINATION = "propose_termination", _("Propose ending a service")
    REQUEST_REVIEW = "request_review", _("Request a review")
    RECOMMEND_TRANSFORMATION = "recommend_transformation", _("Recommend starting a transformation")
    EU_FUNDING_APPROVE = "eu_funding_approve", _("Recommend EU funding")
    EU_FUNDING_REJECT = "eu_funding_reject", _("Recommend against EU funding")
    FUND_SHARED_COMPONENT = "fund_shared_component", _("Fund a shared component")
    OTHER = "other", _("Other")


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ADOPTED = "adopted", _("Adopted")
    IMPLEMENTED = "implemented", _("Implemented")
    REJECTED = "rejected", _("Rejected")


DECIDED_STATUSES = (DecisionStatus.ADOPTED, DecisionStatus.IMPLEMENTED, DecisionStatus.REJECTED)


class OversightDecision(models.Model):
    """A decision or recommendation of the oversight council. Its powers are recommendatory (seed 003 §3.2.2),
    except the EU-funding approval where delegated."""

    reference = models.CharField(_("reference"), max_length=60, blank=True, help_text=_("Minutes number, etc."))
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=30, choices=DecisionKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED
    )
    proposed_on = models.DateField(_("proposed on"), default=timezone.localdate)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    text = models.TextField(_("decision or recommendation"), blank=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="oversight_decisions",
        verbose_name=_("institution concerned"),
    )
    services = models.ManyToManyField(
        "services.Service", related_name="oversight_decisions", blank=True, verbose_name=_("services concerned")
    )
    project = models.ForeignKey(
        "transformation.TransformationProject",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="oversight_decisions",
        verbose_name=_("project concerned"),
    )
    shared_component = models.ForeignKey(
        SharedComponent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="oversight_decisions",
        verbose_name=_("shared component concerned"),
    )
    measurements = models.ManyToManyField(
        "transformation.Measurement",
        related_name="oversight_decisions",
        blank=True,
        verbose_name=_("evidence: measurements"),
    )
    evidence_text = models.TextField(_("evidence"), blank=True)
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
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[services, measurements])

    class Meta:
        ordering = ["-proposed_on", "-pk"]
        verbose_name = _("oversight decision")
        verbose_name_plural = _("oversight decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=DECIDED_STATUSES) | Q(decided_on__isnull=False),
                name="oversight_decision_decided_has_date",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=models.F("proposed_on")),
                name="oversight_decision_decided_after_proposed",
            ),
            models.CheckConstraint(condition=Q(kind__in=DecisionKind.values), name="oversight_decision_kind_valid"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}".strip()


class CostEvidence(models.Model):
    """A peer-comparison figure a decision rests on: one service at one provider in one year, with its ratio to
    the peer median as it stood when linked. Stored by its natural key and copied values, because the cost
    figures themselves are rewritten by every recomputation (services/costing.py)."""

    decision = models.ForeignKey(
        OversightDecision, on_delete=models.CASCADE, related_name="cost_evidence", verbose_name=_("decision")
    )
    service = models.ForeignKey(
        "services.Service", on_delete=models.CASCADE, related_name="+", verbose_name=_("service")
    )
    provider = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+", verbose_name=_("provider")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    cost_per_transaction = models.DecimalField(
        _("cost per transaction"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    peer_median = models.DecimalField(
        _("peer median cost per transaction"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    peer_ratio = models.DecimalField(
        _("ratio to the peer median"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    peer_count = models.PositiveIntegerField(_("peers with a value"), default=0)
    is_outlier = models.BooleanField(_("outlier"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["decision", "year", "service"]
        verbose_name = _("cost-figure evidence")
        verbose_name_plural = _("cost-figure evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "service", "provider", "year"], name="cost_evidence_unique_per_decision"
            ),
        ]

    def __str__(self):
        return f"{self.service_id}/{self.provider_id}/{self.year}"

    def current_figure(self):
        """The stored cost figure (all channels) of the same service, provider and year, if there is one now."""
        from services.models import CostFigure

        return CostFigure.objects.filter(
            service_id=self.service_id, provider_id=self.provider_id, year=self.year, channel__isnull=True
        ).first()
