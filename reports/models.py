"""The report centre's rows: each generated report with its files, and the schedules that request reports by
themselves (reports/report_centre.py builds them, reports/tasks.py runs the job).

The files are FileFields, as the plan execution reports' are: a year of reports for every municipality is tens of
megabytes that the database would carry in every backup and every row read, while the media store serves them as
streams and a listing never loads them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ReportKind(models.TextChoices):
    PLAN_EXECUTION = "plan_execution", _("Plan execution report")
    SERVICE_FIGURES = "service_figures", _("Yearly service figures")
    ASSESSMENT_ROUND = "assessment_round", _("E-index round report")
    CENTRE_EVALUATION = "centre_evaluation", _("VPVKAC yearly evaluation")


class GeneratedStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class GeneratedReport(models.Model):
    """One report of the centre: what was asked (kind, parameters, language), by whom and when, how far the job
    is, and its XLSX, CSV and PDF files. `institution` or `municipality` says whom it is about, for scoping;
    both empty for a national report."""

    kind = models.CharField(_("kind"), max_length=30, choices=ReportKind.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=5, default="lv")
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="generated_reports",
        verbose_name=_("institution"),
    )
    municipality = models.ForeignKey(
        "institutions.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="generated_reports",
        verbose_name=_("municipality"),
    )
    schedule = models.ForeignKey(
        "reports.ReportSchedule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("schedule"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=GeneratedStatus.choices, default=GeneratedStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    xlsx_file = models.FileField(_("XLSX"), upload_to="reports/centre/%Y/", blank=True)
    csv_file = models.FileField(_("CSV"), upload_to="reports/centre/%Y/", blank=True)
    pdf_file = models.FileField(_("PDF"), upload_to="reports/centre/%Y/", blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("job identifier"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("generated report")
        verbose_name_plural = _("generated reports")
        indexes = [models.Index(fields=["kind", "-created_at"], name="generated_report_kind")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="generated_report_progress_at_most_100"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in (GeneratedStatus.DONE, GeneratedStatus.FAILED)


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    YEARLY = "yearly", _("Yearly")


class ReportSchedule(models.Model):
    """A report requested by itself: monthly on `day`, or yearly on `day` of `month`. The daily beat task
    (reports/tasks.py) requests every schedule due that has not run in its current month or year. A parameter
    left out (the year, the period) is the latest complete one on the day it runs."""

    kind = models.CharField(_("kind"), max_length=30, choices=ReportKind.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=5, default="lv")
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.YEARLY)
    day = models.PositiveSmallIntegerField(_("day of the month"), default=1)
    month = models.PositiveSmallIntegerField(_("month (yearly schedules)"), default=1)
    active = models.BooleanField(_("active"), default=True)
    last_run_on = models.DateField(_("last run on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        constraints = [
            models.CheckConstraint(condition=models.Q(day__gte=1, day__lte=28), name="report_schedule_day_1_28"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="report_schedule_month_1_12"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_frequency_display()})"
