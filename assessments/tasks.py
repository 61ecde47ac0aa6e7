from celery import shared_task

RETRY_DELAYS = (10, 60, 300)  # seconds before the 1st, 2nd and 3rd retry of a failed rescoring


def _retry(task, error):
    """Retry after the next delay; after the last one the error propagates (the old scores stay: the
    rescoring's transaction rolled back)."""
    retries = task.request.retries or 0
    if retries >= len(RETRY_DELAYS):
        raise error
    raise task.retry(exc=error, countdown=RETRY_DELAYS[retries])


@shared_task(bind=True, name="assessments.tasks.rescore_assessments", max_retries=len(RETRY_DELAYS))
def rescore_assessments(self, assessment_ids):
    """Rescore the given assessments incrementally (assessments/scoring.py); returns the outcome's counts."""
    from .scoring import rescore_assessments as rescore

    try:
        return rescore(assessment_ids).as_dict()
    except Exception as error:
        _retry(self, error)


@shared_task(bind=True, name="assessments.tasks.rescore_all", max_retries=len(RETRY_DELAYS))
def rescore_all(self, round_id=None):
    """Rescore every assessment (or one round's); returns the outcome's counts."""
    from .scoring import rescore

    try:
        return rescore(round_id).as_dict()
    except Exception as error:
        _retry(self, error)


@shared_task(name="assessments.tasks.send_assessment_reminders")
def send_assessment_reminders():
    """Daily (Celery beat): e-mail the editors whose organisation's assessment is due soon or overdue."""
    from .reminders import send_reminders

    return send_reminders()
