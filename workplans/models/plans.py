"""Plans as data (domain brief §2 "Plans", §3 "Plans"): a plan, its action lines and measures, the roadmap
groups, and the indicators with their baselines, targets and approved actuals.

PVPP2027 (RV1–RV7, P1.1–P7.2), the 2020–2023 plan (4 action lines, 48 measures) and the 2018 channel-shift
plan (24 measures) ship as reference data (workplans/reference/); Annex 2 of PVPP2027 is imported from its
XLSX work-plan file (workplans/resources.py).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def bilingual(obj, field):
    """The English text in an English interface when there is one, else the Latvian (authoritative) one."""
    english = getattr(obj, f"{field}_en", "")
    if (get_language() or "lv").startswith("en") and english:
        return english
    return getattr(obj, f"{field}_lv")


class MeasureStatus(models.TextChoices):
    """Domain brief §2 "Plans"; the last four are the 2020–2023 report's vocabulary. Final statuses end a
    measure: a passed deadline no longer makes it overdue."""

    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    EXECUTED = "executed", _("Executed")
    PARTLY_EXECUTED = "partly_executed", _("Partly executed")
    NOT_EXECUTED = "not_executed", _("Not executed")
    LOST_RELEVANCE = "lost_relevance", _("Lost relevance")


FINAL_STATUSES = (
    MeasureStatus.EXECUTED,
    MeasureStatus.PARTLY_EXECUTED,
    MeasureStatus.NOT_EXECUTED,
    MeasureStatus.LOST_RELEVANCE,
)
DONE_STATUSES = (MeasureStatus.EXECUTED,)


class PlanKind(models.TextChoices):
    IMPROVEMENT = "improvement", _("Service environment improvement plan")
    CHANNEL_SHIFT = "channel_shift", _("Channel-shift action plan")
    OTHER = "other", _("Other plan")


class Plan(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PlanKind.choices, default=PlanKind.IMPROVEMENT)
    title_lv = models.CharField(_("title (Latvian)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    approving_act = models.CharField(_("approving act"), max_length=300, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    goal_lv = models.TextField(_("goal (Latvian)"), blank=True)
    goal_en = models.TextField(_("goal (English)"), blank=True)
    predecessor = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successor",
        verbose_name=_("predecessor"),
    )
    round_number = models.PositiveSmallIntegerField(
        _("round"), null=True, blank=True, help_text=_("The work-plan round the plan is (PVPP2027: the 1st round).")
    )
    closed_on = models.DateField(
        _("follow-up closed on"),
        null=True,
        blank=True,
        help_text=_(
            "The plan's execution has been reported and its unfinished work carried forward: its deadlines no "
            "longer make anything overdue and no reminders are sent."
        ),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "-start_year"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="plan_period_ordered"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def title(self):
        return bilingual(self, "title")

    @property
    def goal(self):
        return bilingual(self, "goal")

    @property
    def period(self):
        return f"{self.start_year}–{self.end_year}"

    @property
    def is_followed(self):
        """Deadlines count and reminders go out only while the plan's follow-up is open."""
        return self.closed_on is None


class ActionLine(models.Model):
    """A rīcības virziens: RV1…RV7 of PVPP2027, AL1…AL4 of the 2020–2023 plan, the measure groups of 2018."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="action_lines", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title_lv = models.CharField(_("title (Latvian)"), max_length=400)
    title_en = models.CharField(_("title (English)"), max_length=400, blank=True)
    budget_note_lv = models.CharField(_("funding note (Latvian)"), max_length=300, blank=True)
    budget_note_en = models.CharField(_("funding note (English)"), max_length=300, blank=True)
    indicator_result_note_lv = models.TextField(_("indicator result (Latvian)"), blank=True)
    indicator_result_note_en = models.TextField(_("indicator result (English)"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("action line")
        verbose_name_plural = _("action lines")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="action_line_code_per_plan")]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def title(self):
        return bilingual(self, "title")

    @property
    def budget_note(self):
        return bilingual(self, "budget_note")

    @property
    def indicator_result_note(self):
        return bilingual(self, "indicator_result_note")


class RoadmapGroup(models.Model):
    """A row of a plan's roadmap (PVPP2027 Fig. 5.3-1): measures drawn as one bar from a start quarter to an end
    quarter, with a marker when the work continues after the plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="roadmap_groups", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label_lv = models.CharField(_("label (Latvian)"), max_length=300)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    start_quarter = models.PositiveSmallIntegerField(_("start quarter"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("end year"), null=True, blank=True)
    end_quarter = models.PositiveSmallIntegerField(_("end quarter"), null=True, blank=True)
    continues_after_plan = models.BooleanField(_("continues after the plan"), default=False)
    assumed = models.BooleanField(
        _("assumed"), default=False, help_text=_("The bar's dates are an assumption, not read from the source.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("roadmap group")
        verbose_name_plural = _("roadmap groups")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="roadmap_group_code_per_plan"),
            models.CheckConstraint(
                condition=(Q(start_quarter__isnull=True) | Q(start_quarter__gte=1, start_quarter__lte=4))
                & (Q(end_quarter__isnull=True) | Q(end_quarter__gte=1, end_quarter__lte=4)),
                name="roadmap_group_quarters",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.label}"

    @property
    def label(self):
        return bilingual(self, "label")


class MeasureKind(models.TextChoices):
    TRAINING = "training", _("Training")
    TEAM = "team", _("Team set-up")
    GUIDELINE = "guideline", _("Guideline")
    ASSESSMENT = "assessment", _("Assessment")
    PLANNING = "planning", _("Planning")
    REGULATION = "regulation", _("Regulation")
    IMPLEMENTATION = "implementation", _("Implementation")
    SPECIALISED_PLAN = "specialised_plan", _("Specialised plan")
    OTHER = "other", _("Other")


class Measure(models.Model):
    """A pasākums. `status` and `evidence` are the plan-level state (for a measure carried out in each
    institution, the coordinator's summary); where unfinished work went is recorded apart from the status."""

    action_line = models.ForeignKey(
        ActionLine, on_delete=models.CASCADE, related_name="measures", verbose_name=_("action line")
    )
    code = models.CharField(_("code"), max_length=20, help_text=_("For example P2.3 or M08."))
    official_number = models.CharField(_("official number"), max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_lv = models.TextField(_("measure (Latvian)"))
    text_en = models.TextField(_("measure (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MeasureKind.choices, default=MeasureKind.OTHER)
    outputs_lv = models.TextField(_("outputs (Latvian)"), blank=True)
    outputs_en = models.TextField(_("outputs (English)"), blank=True)
    responsible_text = models.CharField(
        _("responsible, as the plan words it"),
        max_length=500,
        blank=True,
        help_text=_("Bodies that are not single institutions, e.g. “service holders” or “municipalities”."),
    )
    responsible_institutions = models.ManyToManyField(
        "institutions.Institution",
        through="MeasureResponsibility",
        related_name="plan_measures",
        blank=True,
        verbose_name=_("responsible institutions"),
    )
    in_each_institution = models.BooleanField(
        _("carried out in each institution"),
        default=False,
        help_text=_("Each institution bound by the plan's round has its own obligation for this measure."),
    )
    continues_after_plan = models.BooleanField(_("continues after the plan ends"), default=False)
    roadmap_group = models.ForeignKey(
        RoadmapGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("roadmap group"),
    )
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, related_name="dependents", blank=True, verbose_name=_("depends on")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED
    )
    evidence_lv = models.TextField(_("evidence (Latvian)"), blank=True)
    evidence_en = models.TextField(_("evidence (English)"), blank=True)
    carried_forward_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_from",
        verbose_name=_("carried forward to measure"),
    )
    carried_forward_project = models.CharField(
        _("carried forward to project"),
        max_length=300,
        blank=True,
        help_text=_("An external project, e.g. an RRF project."),
    )
    carried_forward_note_lv = models.TextField(_("where the work continues (Latvian)"), blank=True)
    carried_forward_note_en = models.TextField(_("where the work continues (English)"), blank=True)
    counted_as_continuing = models.BooleanField(
        _("counted as continuing in the official summary"),
        default=False,
        help_text=_("The report's own summary counts the measure among those whose execution continues."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[depends_on])

    class Meta:
        ordering = ["action_line__plan", "action_line__order", "order", "code"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [models.UniqueConstraint(fields=["action_line", "code"], name="measure_code_per_line")]

    def __str__(self):
        return f"{self.code} {self.text[:80]}"

    @property
    def plan(self):
        return self.action_line.plan

    @property
    def text(self):
        return bilingual(self, "text")

    @property
    def outputs(self):
        return bilingual(self, "outputs")

    @property
    def evidence(self):
        return bilingual(self, "evidence")

    @property
    def carried_forward_note(self):
        return bilingual(self, "carried_forward_note")

    @property
    def is_carried_forward(self):
        return bool(self.carried_forward_to_id or self.carried_forward_project or self.carried_forward_note_lv)

    def clean(self):
        if self.carried_forward_to_id and self.carried_forward_to_id == self.pk:
            raise ValidationError({"carried_forward_to": _("A measure cannot be carried forward to itself.")})


class ResponsibilityRole(models.TextChoices):
    RESPONSIBLE = "responsible", _("Responsible")
    CO_RESPONSIBLE = "co_responsible", _("Co-responsible")


class MeasureResponsibility(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="responsibilities")
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="measure_responsibilities"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=ResponsibilityRole.choices, default=ResponsibilityRole.RESPONSIBLE
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "role", "institution__name_lv"]
        verbose_name = _("responsible institution")
        verbose_name_plural = _("responsible institutions")
        constraints = [
            models.UniqueConstraint(fields=["measure", "institution"], name="measure_responsibility_unique"),
        ]

    def __str__(self):
        return f"{self.measure.code}: {self.institution} ({self.get_role_display()})"


class MeasureDeadline(models.Model):
    """One of a measure's deadlines; `label` names the step it closes ("regulation", "full electronisation")."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="deadlines")
    due_on = models.DateField(_("due on"))
    label_lv = models.CharField(_("step (Latvian)"), max_length=300, blank=True)
    label_en = models.CharField(_("step (English)"), max_length=300, blank=True)
    as_written = models.CharField(
        _("as the plan writes it"), max_length=60, blank=True, help_text=_("For example “01.2022” or “2027 Q4”.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "due_on"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.UniqueConstraint(fields=["measure", "due_on", "label_lv"], name="measure_deadline_unique"),
        ]

    def __str__(self):
        return f"{self.measure.code}: {self.due_on}"

    @property
    def label(self):
        return bilingual(self, "label")


class EvidenceLink(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(_("label"), max_length=300)
    url = models.URLField(_("address"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "pk"]
        verbose_name = _("evidence link")
        verbose_name_plural = _("evidence links")

    def __str__(self):
        return self.label


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class IndicatorResult(models.TextChoices):
    ACHIEVED = "achieved", _("Target value achieved")
    PARTLY = "partly", _("Target value achieved partly")
    NOT_ACHIEVED = "not_achieved", _("Target value not achieved")


class Indicator(models.Model):
    """A progress indicator of an action line or a performance indicator of a measure."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("plan"))
    action_line = models.ForeignKey(
        ActionLine,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("action line"),
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators", verbose_name=_("measure")
    )
    code = models.CharField(_("code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_lv = models.CharField(_("name (Latvian)"), max_length=400)
    name_en = models.CharField(_("name (English)"), max_length=400, blank=True)
    unit_lv = models.CharField(_("unit (Latvian)"), max_length=100)
    unit_en = models.CharField(_("unit (English)"), max_length=100, blank=True)
    unit_note = models.CharField(
        _("note on the unit"),
        max_length=500,
        blank=True,
        help_text=_("For example a conflict between the table and the text."),
    )
    data_source_lv = models.CharField(_("data source (Latvian)"), max_length=500, blank=True)
    data_source_en = models.CharField(_("data source (English)"), max_length=500, blank=True)
    direction = models.CharField(
        _("good direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=14, decimal_places=3, null=True, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=IndicatorResult.choices, blank=True)
    result_note_lv = models.TextField(_("result commentary (Latvian)"), blank=True)
    result_note_en = models.TextField(_("result commentary (English)"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="indicator_code_per_plan")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def name(self):
        return bilingual(self, "name")

    @property
    def unit(self):
        return bilingual(self, "unit")

    @property
    def data_source(self):
        return bilingual(self, "data_source")

    @property
    def result_note(self):
        return bilingual(self, "result_note")


class ValueRange(models.Model):
    """A single value, or a range across services (satisfaction 7.6–8.7), or a reason there is none."""

    value = models.DecimalField(_("value"), max_digits=14, decimal_places=3, null=True, blank=True)
    value_min = models.DecimalField(_("lowest value"), max_digits=14, decimal_places=3, null=True, blank=True)
    value_max = models.DecimalField(_("highest value"), max_digits=14, decimal_places=3, null=True, blank=True)
    not_measured_reason_lv = models.CharField(_("why there is no value (Latvian)"), max_length=300, blank=True)
    not_measured_reason_en = models.CharField(_("why there is no value (English)"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def value_constraint(prefix):
        single = Q(value__isnull=False, value_min__isnull=True, value_max__isnull=True)
        ranged = Q(
            value__isnull=True, value_min__isnull=False, value_max__isnull=False, value_max__gte=models.F("value_min")
        )
        missing = Q(value__isnull=True, value_min__isnull=True, value_max__isnull=True) & ~Q(not_measured_reason_lv="")
        return models.CheckConstraint(condition=single | ranged | missing, name=f"{prefix}_value_shape")

    @property
    def not_measured_reason(self):
        return bilingual(self, "not_measured_reason")

    @property
    def is_range(self):
        return self.value is None and self.value_min is not None


class IndicatorTarget(ValueRange):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="indicator_target_year"),
            ValueRange.value_constraint("indicator_target"),
        ]


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for correction")


class Reviewable(models.Model):
    """Draft → submitted → approved, or returned with a comment (workplans/workflow.py)."""

    status = models.CharField(_("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def returned_has_comment(prefix):
        return models.CheckConstraint(
            condition=~Q(status=ReviewStatus.RETURNED) | ~Q(review_comment=""), name=f"{prefix}_returned_has_comment"
        )


class IndicatorActual(ValueRange, Reviewable):
    """A reported actual of an indicator for a year. Only an approved one counts (domain brief §3 "Plans"):
    the actual of a year is its latest approved report."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="actuals")
    year = models.PositiveSmallIntegerField(_("year"))
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicator_actuals",
        verbose_name=_("reported by"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "year", "-reviewed_at"]
        verbose_name = _("indicator actual")
        verbose_name_plural = _("indicator actuals")
        constraints = [
            ValueRange.value_constraint("indicator_actual"),
            Reviewable.returned_has_comment("indicator_actual"),
        ]
        indexes = [models.Index(fields=["indicator", "year", "status"])]
