from celery import shared_task
from django.conf import settings
from django.utils import translation

from config.recomputation import RECOMPUTATION_TASK, RETRY_DELAYS

from . import bulk


@shared_task(name="services.tasks.run_bulk_import")
def run_bulk_import(import_id, language=None):
    """Check and load one uploaded figures file through the bulk path; its progress and outcome are written
    to the BulkImport row as it goes. Returns the final status."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return str(bulk.run_bulk_import(import_id).status)


@shared_task(bind=True, name="services.tasks.recompute_costs", max_retries=len(RETRY_DELAYS), **RECOMPUTATION_TASK)
def recompute_costs(self, recomputation_id):
    """Run one requested cost recomputation. A failure leaves the old figures (its transaction rolls back),
    is shown on the job with its error, and is retried; after the last retry the job is marked failed."""
    from .costing import jobs

    return jobs.run_with_retries(self, recomputation_id)


@shared_task(name="services.tasks.recompute_costs_nightly")
def recompute_costs_nightly():
    """The nightly full recomputation (django-celery-beat)."""
    from .costing import request_full

    job = request_full(reason="nightly")
    return job.pk
