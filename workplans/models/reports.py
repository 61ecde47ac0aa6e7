from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .plans import Plan


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExecutionReport(models.Model):
    """One generated plan execution report (workplans/report.py), kept for download in HTML, PDF and XLSX."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reports", verbose_name=_("plan"))
    language = models.CharField(_("language"), max_length=5, default="lv")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    html_file = models.FileField(_("HTML"), upload_to="reports/plans/%Y/", blank=True)
    pdf_file = models.FileField(_("PDF"), upload_to="reports/plans/%Y/", blank=True)
    xlsx_file = models.FileField(_("XLSX"), upload_to="reports/plans/%Y/", blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("job identifier"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("plan execution report")
        verbose_name_plural = _("plan execution reports")

    def __str__(self):
        return f"{self.plan.code} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)


class ReminderLog(models.Model):
    """A deadline reminder already sent, so a second run on the same day sends nothing again."""

    kind = models.CharField(_("kind"), max_length=20)
    subject_key = models.CharField(_("subject"), max_length=100)
    recipient = models.EmailField(_("recipient"))
    sent_on = models.DateField(_("sent on"))

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_key", "recipient", "sent_on"], name="reminder_log_unique"),
        ]
