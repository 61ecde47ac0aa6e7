from celery import shared_task

from config.recomputation import RECOMPUTATION_TASK, RETRY_DELAYS


@shared_task(bind=True, name="vpvkac.tasks.recompute_network", max_retries=len(RETRY_DELAYS), **RECOMPUTATION_TASK)
def recompute_network(self, recomputation_id):
    """Run one requested network recomputation. A failure leaves the old results (its transaction rolls back),
    is shown on the job with its error, and is retried; after the last retry the job is marked failed."""
    from .network import jobs

    return jobs.run_with_retries(self, recomputation_id)


@shared_task(name="vpvkac.tasks.recompute_network_nightly")
def recompute_network_nightly():
    """The nightly full recomputation (django-celery-beat)."""
    from .network import request_full

    return request_full(reason="nightly").pk


@shared_task(name="vpvkac.tasks.import_contacts_task")
def import_contacts_task(import_id, language=None):
    """Check and load one uploaded contact-figures file (vpvkac/bulk.py); its progress and outcome are written
    to the ContactImport row as it goes. Returns the final status."""
    from django.conf import settings
    from django.utils import translation

    from .bulk import run_contact_import

    with translation.override(language or settings.LANGUAGE_CODE):
        return str(run_contact_import(import_id).status)
