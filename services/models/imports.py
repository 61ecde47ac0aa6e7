from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.bulk import FINISHED_STATUSES, ImportJob, ImportStatus

__all__ = ["FINISHED_STATUSES", "BulkImport", "ImportKind", "ImportStatus"]


class ImportKind(models.TextChoices):
    FIGURES = "figures", _("Service figures")


class BulkImport(ImportJob):
    """One large file sent through the bulk path (services/bulk.py), with its progress and outcome.

    It is also the audit record of what it wrote: the figures it created have the ids first_created_id to
    last_created_id (their values are the file's rows, and the file is kept here); each figure it changed has a
    history row naming this import as its change reason."""

    change_reason_label = "bulk import"

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices, default=ImportKind.FIGURES)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="bulk_imports",
        verbose_name=_("uploaded by"),
    )
    error_report = models.FileField(_("error report"), upload_to="imports/errors/%Y/%m/", blank=True)
    first_created_id = models.BigIntegerField(_("first figure created"), null=True, blank=True)
    last_created_id = models.BigIntegerField(_("last figure created"), null=True, blank=True)

    class Meta(ImportJob.Meta):
        verbose_name = _("bulk import")
        verbose_name_plural = _("bulk imports")
        indexes = [models.Index(fields=["uploaded_by", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"
