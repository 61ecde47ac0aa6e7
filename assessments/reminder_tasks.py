from celery import shared_task


@shared_task(name="assessments.reminder_tasks.send_assessment_reminders")
def send_assessment_reminders():
    """Daily (Celery beat): e-mail the editors whose organisation's assessment is due soon or overdue."""
    from .reminders import send_reminders

    return send_reminders()
