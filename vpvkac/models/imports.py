"""An uploaded contact-statistics file (the export of a centre's queue system) on its way through the bulk path
(vpvkac/bulk.py), with its progress and outcome."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.bulk import ImportJob


class ContactImport(ImportJob):
    """One contact-figures file sent by a centre operator or the coordinator. It is also the audit record of the
    figures it wrote: their history rows name this import as the change reason."""

    change_reason_label = "contact import"

    file = models.FileField(_("file"), upload_to="vpvkac/imports/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="contact_imports",
        verbose_name=_("uploaded by"),
    )
    error_report = models.FileField(_("error report"), upload_to="vpvkac/imports/errors/%Y/%m/", blank=True)

    class Meta(ImportJob.Meta):
        verbose_name = _("contact figures import")
        verbose_name_plural = _("contact figures imports")
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="contact_import_uploader")]

    def __str__(self):
        return f"{self.original_name or self.file.name} #{self.pk} ({self.get_status_display()})"


__all__ = ["ContactImport"]
