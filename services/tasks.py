from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from . import bulk


@shared_task(name="services.tasks.run_bulk_import")
def run_bulk_import(import_id, language=None):
    """Check and load one uploaded figures file through the bulk path; its progress and outcome are written
    to the BulkImport row as it goes. Returns the final status."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return str(bulk.run_bulk_import(import_id).status)


RETRY_DELAYS = (10, 60, 300)  # seconds before the 1st, 2nd and 3rd retry of a failed recomputation


@shared_task(bind=True, name="services.tasks.recompute_costs", max_retries=len(RETRY_DELAYS))
def recompute_costs(self, recomputation_id):
    """Run one requested cost recomputation. A failure leaves the old figures (its transaction rolls back),
    is shown on the job with its error, and is retried; after the last retry the job is marked failed."""
    from .costing import run_recomputation
    from .models import CostRecomputation, RecomputationStatus

    try:
        return str(run_recomputation(recomputation_id).status)
    except Exception as error:
        retries = self.request.retries or 0
        final = retries >= len(RETRY_DELAYS)
        CostRecomputation.objects.filter(pk=recomputation_id).update(
            status=RecomputationStatus.FAILED if final else RecomputationStatus.RETRYING,
            error=f"{type(error).__name__}: {error}"[:4000],
            finished_at=timezone.now() if final else None,
        )
        if final:
            raise
        raise self.retry(exc=error, countdown=RETRY_DELAYS[retries])


@shared_task(name="services.tasks.recompute_costs_nightly")
def recompute_costs_nightly():
    """The nightly full recomputation (django-celery-beat)."""
    from .costing import request_full

    job = request_full(reason="nightly")
    return job.pk
