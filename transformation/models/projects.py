"""Transformation projects (seed 003 §3.1–3.2, §8 item 2): an institution redesigns one or more of its
services, with a project group, and goes through seven phases from the baseline measurement to the
evaluation. The phase transitions and the closing gate are in transformation/workflow.py."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED_PROJECT_STATUSES = (ProjectStatus.CLOSED, ProjectStatus.CANCELLED)


class FundingSource(models.TextChoices):
    """Where the money for the transformation comes from; EU-funded projects may need the oversight council's
    approval (seed 003 §3.2.2)."""

    STATE_BUDGET = "state_budget", _("State budget")
    MUNICIPAL_BUDGET = "municipal_budget", _("Municipal budget")
    EU_FUNDS = "eu_funds", _("EU funds")
    OTHER = "other", _("Other")


class TransformationProject(models.Model):
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="transformation_projects",
        verbose_name=_("institution"),
    )
    services = models.ManyToManyField(
        "services.Service", related_name="transformation_projects", blank=True, verbose_name=_("services concerned")
    )
    name = models.CharField(_("name"), max_length=300)
    goal = models.TextField(_("goal"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource.choices, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    appraisal_years = models.PositiveSmallIntegerField(
        _("appraisal period (years)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "The years over which yearly benefits and running costs are counted against the one-off "
            "investment in the net benefit and the benefit–cost ratio."
        ),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("transformation project")
        verbose_name_plural = _("transformation projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="transformation_project_planned_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProjectStatus.CLOSED) | Q(closed_on__isnull=False),
                name="transformation_project_closed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(status__in=FINISHED_PROJECT_STATUSES),
                name="transformation_project_closed_on_only_when_finished",
            ),
            models.CheckConstraint(
                condition=Q(appraisal_years__gte=1, appraisal_years__lte=30),
                name="transformation_project_appraisal_years",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        return self.status not in FINISHED_PROJECT_STATUSES


class MemberRole(models.TextChoices):
    """Roles in the project management group (seed 003 §3.1 M1, §3.2.3)."""

    PROJECT_LEAD = "project_lead", _("Project lead")
    SERVICE_OWNER = "service_owner", _("Owner of the service")
    ANALYST = "analyst", _("Analyst")
    IT = "it", _("IT specialist")
    CLIENT_SERVICE = "client_service", _("Client service")
    FINANCE = "finance", _("Finance")
    LEGAL = "legal", _("Legal")
    METHODOLOGY = "methodology", _("Methodological support")
    OTHER = "other", _("Other")


class ProjectMember(models.Model):
    project = models.ForeignKey(
        TransformationProject, on_delete=models.CASCADE, related_name="members", verbose_name=_("project")
    )
    person_name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices, default=MemberRole.OTHER)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transformation_memberships",
        verbose_name=_("user account"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "role", "person_name"]
        verbose_name = _("project group member")
        verbose_name_plural = _("project group members")
        constraints = [
            models.UniqueConstraint(fields=["project", "person_name", "role"], name="project_member_unique"),
        ]

    def __str__(self):
        return f"{self.person_name} ({self.get_role_display()})"


class PhaseKind(models.TextChoices):
    """The seven phases, in their order (seed 003 §3.2 M3–M8, §8 item 2)."""

    BASELINE = "baseline", _("Baseline measurement")
    ANALYSIS = "analysis", _("Analysis")
    DESIGN = "design", _("Design")
    IMPLEMENTATION = "implementation", _("Implementation")
    INTERIM = "interim", _("Interim measurement")
    FINAL = "final", _("Final measurement")
    EVALUATION = "evaluation", _("Evaluation")


PHASE_ORDER = {kind: number for number, kind in enumerate(PhaseKind.values, start=1)}


class PhaseStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class ProjectPhase(models.Model):
    project = models.ForeignKey(
        TransformationProject, on_delete=models.CASCADE, related_name="phases", verbose_name=_("project")
    )
    kind = models.CharField(_("phase"), max_length=20, choices=PhaseKind.choices)
    order = models.PositiveSmallIntegerField(_("order"), editable=False, default=0)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PhaseStatus.choices, default=PhaseStatus.NOT_STARTED)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "order"]
        verbose_name = _("project phase")
        verbose_name_plural = _("project phases")
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="project_phase_one_per_kind"),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="project_phase_planned_ordered",
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True)
                | Q(actual_start__isnull=True)
                | Q(actual_end__gte=F("actual_start")),
                name="project_phase_actual_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status=PhaseStatus.DONE) | Q(actual_end__isnull=False),
                name="project_phase_done_has_end",
            ),
            models.CheckConstraint(condition=Q(kind__in=PhaseKind.values), name="project_phase_kind_valid"),
        ]

    def __str__(self):
        return f"{self.project}: {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        self.order = PHASE_ORDER.get(self.kind, 0)
        super().save(*args, **kwargs)
