"""What each institution owes a plan (PVPP2027 §5.1, domain brief §2 "Plans"): an obligation per bound
institution for every measure carried out "in each institution", its progress updates, the implementation team
(P1.2) and the individual improvement plan (P2.4) whose items address the conformity gaps (P2.3).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .plans import Measure, MeasureStatus, Plan, Reviewable, ReviewStatus


class Obligation(models.Model):
    """One bound institution's share of a measure carried out in each institution. Its status and evidence
    change only through an approved progress update."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="obligations", verbose_name=_("measure")
    )
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="obligations", verbose_name=_("institution")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED
    )
    evidence = models.TextField(_("evidence"), blank=True)
    due_on = models.DateField(
        _("due on"), null=True, blank=True, help_text=_("Empty: the measure's last deadline applies.")
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    voluntary = models.BooleanField(
        _("voluntary participant"), default=False, help_text=_("PVPP2027 §4.1.4: taken on by an institution not bound.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure__action_line__order", "measure__order", "institution__name_lv"]
        verbose_name = _("institution obligation")
        verbose_name_plural = _("institution obligations")
        constraints = [
            models.UniqueConstraint(fields=["measure", "institution"], name="obligation_unique"),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(completed_on__gte=models.F("started_on")),
                name="obligation_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.measure.code} · {self.institution}"


class ProgressUpdate(Reviewable):
    """An institution's report on an obligation, or a responsible institution's report on a measure: the status
    and evidence it proposes. Approval writes them to the obligation (or measure); the update stays as history."""

    obligation = models.ForeignKey(
        Obligation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="updates",
        verbose_name=_("obligation"),
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="updates", verbose_name=_("measure")
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="progress_updates",
        verbose_name=_("institution"),
    )
    proposed_status = models.CharField(_("status reported"), max_length=20, choices=MeasureStatus.choices)
    evidence = models.TextField(_("evidence"), blank=True)
    links = models.TextField(_("links"), blank=True, help_text=_("One address per line."))
    as_of = models.DateField(_("as of"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of", "-created_at", "-pk"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(obligation__isnull=False, measure__isnull=True)
                | Q(obligation__isnull=True, measure__isnull=False),
                name="progress_update_one_subject",
            ),
            Reviewable.returned_has_comment("progress_update"),
        ]
        indexes = [models.Index(fields=["status", "-submitted_at"])]

    def __str__(self):
        subject = self.obligation or self.measure
        return f"{subject} · {self.as_of} ({self.get_status_display()})"

    @property
    def subject_measure(self):
        return self.obligation.measure if self.obligation_id else self.measure


class ImplementationTeam(models.Model):
    """P1.2: the institution's service governance policy implementation team, or the reason none is needed
    (PVPP2027 fn 18: no service governance role applies to the institution)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="teams", verbose_name=_("plan"))
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="implementation_teams",
        verbose_name=_("institution"),
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    not_required = models.BooleanField(_("no team needed"), default=False)
    not_required_reason = models.TextField(
        _("why no team is needed"),
        blank=True,
        help_text=_("Which service governance roles were checked, and why none applies."),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["institution__name_lv"]
        verbose_name = _("implementation team")
        verbose_name_plural = _("implementation teams")
        constraints = [
            models.UniqueConstraint(fields=["plan", "institution"], name="implementation_team_unique"),
            models.CheckConstraint(
                condition=Q(not_required=False) | ~Q(not_required_reason=""), name="team_not_required_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.institution} · {self.plan.code}"


class GovernanceRole(models.TextChoices):
    """Roles a team member holds (PVPP2027 §4.3.1.4; Annex 1 names them — extend the list when it is loaded)."""

    TEAM_LEAD = "team_lead", _("Team lead")
    POLICY_COORDINATOR = "policy_coordinator", _("Service governance coordinator")
    SERVICE_HOLDER = "service_holder", _("Service holder (owner)")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    PROCESS_OWNER = "process_owner", _("Process owner")
    DIGITAL = "digital", _("Digital technologies")
    CLIENT_SERVICE = "client_service", _("Client service")
    LEGAL = "legal", _("Legal and regulation")
    FINANCE = "finance", _("Finance and resources")
    OTHER = "other", _("Other")


class TeamMember(models.Model):
    team = models.ForeignKey(ImplementationTeam, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    roles = models.JSONField(_("governance roles"), default=list, blank=True)
    member_from = models.DateField(_("member from"), null=True, blank=True)
    member_to = models.DateField(_("member to"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "name"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self):
        return self.name

    def role_labels(self):
        labels = dict(GovernanceRole.choices)
        return [labels.get(role, role) for role in self.roles or []]


class ImprovementPlan(Reviewable):
    """P2.4: an institution's individual improvement plan for the plan's period, based on its conformity
    assessment. A new version replaces the approved one; earlier versions stay."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="improvement_plans", verbose_name=_("plan"))
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="improvement_plans",
        verbose_name=_("institution"),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    based_on = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_plans",
        verbose_name=_("based on the conformity assessment"),
    )
    summary = models.TextField(_("summary"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["institution__name_lv", "-version"]
        verbose_name = _("individual improvement plan")
        verbose_name_plural = _("individual improvement plans")
        constraints = [
            models.UniqueConstraint(fields=["plan", "institution", "version"], name="improvement_plan_version"),
            Reviewable.returned_has_comment("improvement_plan"),
        ]

    def __str__(self):
        return f"{self.institution} · {self.plan.code} v{self.version}"

    @property
    def is_editable(self):
        return self.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)


class ImprovementCategory(models.TextChoices):
    """The three RV5 measures an item is carried out under."""

    GOVERNANCE_TASKS = "governance_tasks", _("Service governance tasks (P5.1)")
    SERVICES = "services", _("Services (P5.2)")
    CAPABILITIES = "capabilities", _("Capabilities and resources (P5.3)")


class FundingSource(models.TextChoices):
    """PVPP2027 §6.4."""

    OWN_BUDGET = "own_budget", _("Institution's own budget")
    PRIORITY_MEASURE = "priority_measure", _("Priority measure (state budget)")
    EU_FUNDS = "eu_funds", _("EU funds")
    TSI = "tsi", _("EU Technical Support Instrument (DG REFORM)")
    OTHER_FOREIGN = "other_foreign", _("Other foreign financial assistance")


class PlanningDocument(models.TextChoices):
    """PVPP2027 §6.5: the development planning document whose funding an item relies on."""

    NAP2027 = "NAP2027", _("National Development Plan 2021–2027 (NAP2027)")
    VPMP2027 = "VPMP2027", _("Public Administration Modernisation Plan 2023–2027 (VPMP2027)")
    DTP2027 = "DTP2027", _("Digital Transformation Guidelines 2021–2027 (DTP2027)")
    OTHER = "other", _("Other planning document")


class ImprovementItem(models.Model):
    improvement_plan = models.ForeignKey(
        ImprovementPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("improvement plan")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    category = models.CharField(_("category"), max_length=20, choices=ImprovementCategory.choices)
    gaps = models.ManyToManyField(
        "assessments.Question",
        related_name="improvement_items",
        blank=True,
        verbose_name=_("conformity gaps addressed"),
    )
    service = models.ForeignKey(
        "services.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_items",
        verbose_name=_("service"),
    )
    action = models.TextField(_("action"))
    deadline = models.DateField(_("deadline"))
    responsible_person = models.CharField(_("responsible person"), max_length=200)
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource.choices)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True)
    additional_needed = models.DecimalField(
        _("additional funding needed (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    planning_document = models.CharField(
        _("linked planning document"), max_length=10, choices=PlanningDocument.choices, blank=True
    )
    planning_reference = models.CharField(
        _("task or measure in that document"),
        max_length=200,
        blank=True,
        help_text=_("For example U4.4.9.7.-2 or NAP2027 task 317."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED
    )
    evidence = models.TextField(_("evidence"), blank=True)

    history = HistoricalRecords(m2m_fields=[gaps])

    class Meta:
        ordering = ["improvement_plan", "order", "pk"]
        verbose_name = _("improvement plan item")
        verbose_name_plural = _("improvement plan items")
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="improvement_item_amount"),
            models.CheckConstraint(
                condition=Q(additional_needed__isnull=True) | Q(additional_needed__gte=0),
                name="improvement_item_additional",
            ),
        ]

    def __str__(self):
        return self.action[:80]
