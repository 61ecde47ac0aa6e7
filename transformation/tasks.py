from celery import shared_task


@shared_task(name="transformation.tasks.send_review_reminders")
def send_review_reminders():
    """Daily (Celery beat): e-mail reminders of service reviews coming due and overdue (transformation/reviews.py)."""
    from .reviews import send_review_reminders as send

    return send()
