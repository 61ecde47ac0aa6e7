from celery import shared_task
from django.conf import settings
from django.utils import translation

from . import bulk


@shared_task(name="services.tasks.run_bulk_import")
def run_bulk_import(import_id, language=None):
    """Check and load one uploaded figures file through the bulk path; its progress and outcome are written
    to the BulkImport row as it goes. Returns the final status."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return str(bulk.run_bulk_import(import_id).status)
