"""An uploaded contact-statistics file (the export of a centre's queue system) on its way through the bulk path
(vpvkac/bulk.py), with its progress and outcome."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from services.models import ImportStatus
from services.models.imports import FINISHED_STATUSES


class ContactImport(models.Model):
    """One contact-figures file sent by a centre operator or the coordinator. It is also the audit record of the
    figures it wrote: their history rows name this import as the change reason."""

    file = models.FileField(_("file"), upload_to="vpvkac/imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="contact_imports",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_report = models.FileField(_("error report"), upload_to="vpvkac/imports/errors/%Y/%m/", blank=True)
    created_count = models.PositiveIntegerField(_("figures created"), default=0)
    updated_count = models.PositiveIntegerField(_("figures changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("figures unchanged"), default=0)
    message = models.TextField(_("message"), blank=True)
    task_id = models.CharField(_("job identifier"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contact figures import")
        verbose_name_plural = _("contact figures imports")
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="contact_import_uploader")]

    def __str__(self):
        return f"{self.original_name or self.file.name} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in FINISHED_STATUSES

    @property
    def change_reason(self):
        """The history rows' change reason for the figures this import wrote (at most 100 characters)."""
        return f"contact import #{self.pk}"


__all__ = ["ContactImport"]
