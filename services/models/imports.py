from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    FIGURES = "figures", _("Service figures")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Checking rows")
    IMPORTING = "importing", _("Writing rows")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected: the file has errors")
    FAILED = "failed", _("Failed")


FINISHED_STATUSES = (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)


class BulkImport(models.Model):
    """One large file sent through the bulk path (services/bulk.py), with its progress and outcome.

    It is also the audit record of the rows it wrote: created and changed figures get their history rows
    with this import named as the change reason."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices, default=ImportKind.FIGURES)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="bulk_imports",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_report = models.FileField(_("error report"), upload_to="imports/errors/%Y/%m/", blank=True)
    created_count = models.PositiveIntegerField(_("figures created"), default=0)
    updated_count = models.PositiveIntegerField(_("figures changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("figures unchanged"), default=0)
    message = models.TextField(_("message"), blank=True)
    task_id = models.CharField(_("job identifier"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bulk import")
        verbose_name_plural = _("bulk imports")
        indexes = [models.Index(fields=["uploaded_by", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in FINISHED_STATUSES

    @property
    def change_reason(self):
        """The history rows' change reason for the figures this import wrote (at most 100 characters)."""
        return f"bulk import #{self.pk}"
