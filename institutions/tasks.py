from celery import shared_task

from .flags import recompute_institution_flags as recompute


@shared_task(name="institutions.tasks.recompute_institution_flags")
def recompute_institution_flags():
    """Recompute every institution's derived flags (after an import or a change of Table 1 groups)."""
    return recompute()
