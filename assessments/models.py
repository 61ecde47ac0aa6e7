"""Scored self-assessments: the E-index of digital maturity (institutions and municipalities) and the PVPP2027
conformity assessment (domain brief §2 "E-index", "Conformity assessment", §3 "E-index and other scored
assessments").

A methodology is data: a version holds its areas (weights, level thresholds), questions, options and number
bands. Rounds ask organisations to fill in one methodology version; an assessment holds one organisation's
answers (self-assessed and, after review, the expert's) and its stored scores (assessments/scoring.py).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from institutions.models.base import BilingualName

LEVELS = (1, 2, 3, 4, 5)


class MaturityLevel(models.IntegerChoices):
    """Seed 002 §3.3."""

    SITUATIONAL = 1, _("1 situational")
    INTUITIVE = 2, _("2 intuitive")
    DEFINED = 3, _("3 defined")
    MANAGED = 4, _("4 managed")
    OPTIMAL = 5, _("5 optimal")


class Family(models.TextChoices):
    EINDEX_INSTITUTION = "eindex_institution", _("E-index: institutions")
    EINDEX_MUNICIPALITY = "eindex_municipality", _("E-index: municipalities")
    CONFORMITY = "conformity", _("PVPP2027 conformity assessment")


def _text(obj, field):
    english = getattr(obj, f"{field}_en", "")
    if (get_language() or "lv").startswith("en") and english:
        return english
    return getattr(obj, f"{field}_lv")


class Thresholds(models.Model):
    """The lowest score (0–100) of levels 2–5; level 1 starts at 0. A score reaches a level when it is at
    least the level's threshold."""

    threshold_2 = models.DecimalField(_("level 2 from"), max_digits=5, decimal_places=2, default=Decimal("20"))
    threshold_3 = models.DecimalField(_("level 3 from"), max_digits=5, decimal_places=2, default=Decimal("40"))
    threshold_4 = models.DecimalField(_("level 4 from"), max_digits=5, decimal_places=2, default=Decimal("60"))
    threshold_5 = models.DecimalField(_("level 5 from"), max_digits=5, decimal_places=2, default=Decimal("80"))

    class Meta:
        abstract = True

    def thresholds(self):
        return {2: self.threshold_2, 3: self.threshold_3, 4: self.threshold_4, 5: self.threshold_5}

    def level_for(self, score):
        """The highest level whose threshold the score reaches (domain brief §3)."""
        if score is None:
            return None
        level = 1
        for candidate, threshold in self.thresholds().items():
            if score >= threshold:
                level = candidate
        return level

    @staticmethod
    def thresholds_constraint(prefix):
        return models.CheckConstraint(
            condition=Q(threshold_2__gte=0)
            & Q(threshold_3__gte=models.F("threshold_2"))
            & Q(threshold_4__gte=models.F("threshold_3"))
            & Q(threshold_5__gte=models.F("threshold_4"))
            & Q(threshold_5__lte=100),
            name=f"{prefix}_thresholds_ordered",
        )


class Methodology(BilingualName, Thresholds):
    """One version of a methodology. The overall thresholds live here, the area ones on each area. A version
    that has submitted assessments is frozen: changes go into a new version."""

    family = models.CharField(_("family"), max_length=30, choices=Family.choices)
    version = models.PositiveIntegerField(_("version"))
    year = models.PositiveSmallIntegerField(_("year"))
    description_lv = models.TextField(_("description (Latvian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("based on")
    )
    defaults_note = models.CharField(
        _("note on defaults"),
        max_length=500,
        blank=True,
        help_text=_("Say which weights and thresholds are assumed defaults rather than published values."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["family", "-version"]
        verbose_name = _("methodology")
        verbose_name_plural = _("methodologies")
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="methodology_family_version"),
            Thresholds.thresholds_constraint("methodology"),
        ]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    @property
    def description(self):
        return _text(self, "description")

    @property
    def is_frozen(self):
        """True once an assessment of this version has been submitted."""
        return Assessment.objects.filter(round__methodology=self).exclude(status=AssessmentStatus.DRAFT).exists()


class Area(BilingualName, Thresholds):
    methodology = models.ForeignKey(
        Methodology, on_delete=models.CASCADE, related_name="areas", verbose_name=_("methodology")
    )
    code = models.CharField(_("code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=3, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    scored = models.BooleanField(
        _("scored"), default=True, help_text=_("An area of context questions only has no score of its own.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["methodology", "order", "code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(fields=["methodology", "code"], name="area_code_unique"),
            Thresholds.thresholds_constraint("area"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class QuestionType(models.TextChoices):
    YES_NO = "yes_no", _("Yes or no")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    NUMBER = "number", _("Number")
    PERCENT = "percent", _("Percent")
    TEXT = "text", _("Text")


CHOICE_TYPES = (QuestionType.YES_NO, QuestionType.SINGLE, QuestionType.MULTIPLE)
BANDED_TYPES = (QuestionType.NUMBER, QuestionType.PERCENT)


class Question(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="questions", verbose_name=_("area"))
    code = models.CharField(_("code"), max_length=30)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_lv = models.TextField(_("question (Latvian)"))
    text_en = models.TextField(_("question (English)"), blank=True)
    help_lv = models.TextField(_("help (Latvian)"), blank=True)
    help_en = models.TextField(_("help (English)"), blank=True)
    question_type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    allows_not_applicable = models.BooleanField(_("may be “not applicable”"), default=False)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    max_points = models.DecimalField(
        _("maximum points"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Multiple choice: the cap of the summed points (empty: the sum of all positive options)."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["area__order", "order", "code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["area", "code"], name="question_code_unique")]

    def __str__(self):
        return f"{self.code} {self.text}"

    @property
    def text(self):
        return _text(self, "text")

    @property
    def help(self):
        return _text(self, "help")

    @property
    def is_scored(self):
        return self.question_type != QuestionType.TEXT and self.area.scored


class Option(BilingualName):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question"))
    code = models.CharField(_("code"), max_length=30)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, default=Decimal("0"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "order", "code"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [models.UniqueConstraint(fields=["question", "code"], name="option_code_unique")]


class Band(models.Model):
    """Points for a number or percent answer in [lower, upper); an empty upper bound is open."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="bands", verbose_name=_("question"))
    lower = models.DecimalField(_("from"), max_digits=14, decimal_places=2)
    upper = models.DecimalField(_("below"), max_digits=14, decimal_places=2, null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "lower"]
        verbose_name = _("band")
        verbose_name_plural = _("bands")
        constraints = [
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(upper__gt=models.F("lower")), name="band_ordered"
            )
        ]


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Round(models.Model):
    """A call to a set of organisations to assess themselves on one methodology version by a deadline."""

    methodology = models.ForeignKey(
        Methodology, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("methodology")
    )
    name_lv = models.CharField(_("name (Latvian)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-opened_at"]
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")

    def __str__(self):
        return _text(self, "name")

    @property
    def name(self):
        return _text(self, "name")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")


class Assessment(models.Model):
    """One organisation's answers in one round. Reopening an approved assessment starts a new version; the
    approved one stays as it was."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("round"))
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("organisation"),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("expert"),
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    revision = models.PositiveIntegerField(
        _("revision"), default=0, help_text=_("Raised by every save; a save based on an older revision is a conflict.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "institution", "-version"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["round", "institution", "version"], name="assessment_version_unique"),
            models.UniqueConstraint(
                fields=["round", "institution"], condition=Q(is_current=True), name="assessment_one_current"
            ),
        ]
        indexes = [models.Index(fields=["institution", "status"], name="assessment_institution_status")]

    def __str__(self):
        return f"{self.round} · {self.institution} (v{self.version})"

    @property
    def is_editable(self):
        return self.status in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class Answer(models.Model):
    """An answer to one question: the organisation's own and, after review, the expert's, which counts in the
    score where given. Both are kept and shown; simple_history keeps who changed what and when."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="answers", verbose_name=_("assessment")
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question"))
    # The organisation's answer.
    options = models.JSONField(_("chosen options"), default=list, blank=True)  # option ids
    number = models.DecimalField(_("number"), max_digits=14, decimal_places=2, null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to="assessments/evidence/%Y/", blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The expert's answer.
    expert_answered = models.BooleanField(_("expert answered"), default=False)
    expert_options = models.JSONField(_("expert's options"), default=list, blank=True)
    expert_number = models.DecimalField(_("expert's number"), max_digits=14, decimal_places=2, null=True, blank=True)
    expert_text = models.TextField(_("expert's text"), blank=True)
    expert_not_applicable = models.BooleanField(_("expert: not applicable"), default=False)
    expert_comment = models.TextField(_("expert's comment"), blank=True)
    # The points the answer that counts gets, written by assessments/scoring.py.
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, null=True, blank=True)
    obtainable = models.DecimalField(_("obtainable points"), max_digits=8, decimal_places=2, null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "question__area__order", "question__order"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["assessment", "question"], name="answer_unique")]


class Score(models.Model):
    """A stored score of one assessment: per area, or overall (area empty). Written by assessments/scoring.py."""

    class Trend(models.TextChoices):
        UP = "up", "↑"
        DOWN = "down", "↓"
        SAME = "", "–"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("assessment")
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("area")
    )
    points = models.DecimalField(_("points"), max_digits=10, decimal_places=2, default=0)
    obtainable = models.DecimalField(_("obtainable points"), max_digits=10, decimal_places=2, default=0)
    score = models.DecimalField(
        _("score"),
        max_digits=7,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=MaturityLevel.choices, null=True, blank=True)
    previous_score = models.DecimalField(_("previous round"), max_digits=7, decimal_places=3, null=True, blank=True)
    trend = models.CharField(_("trend"), max_length=4, choices=Trend.choices, blank=True)
    new_level = models.BooleanField(_("level reached for the first time"), default=False)
    peer_group = models.CharField(_("peer group"), max_length=40, blank=True)
    rank = models.PositiveIntegerField(_("rank in the peer group"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["assessment", "area"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="score_area_unique"),
            models.UniqueConstraint(fields=["assessment"], condition=Q(area__isnull=True), name="score_overall_unique"),
        ]
