from celery import shared_task


@shared_task(name="workplans.tasks.generate_execution_report")
def generate_execution_report(report_id):
    """Generate one requested plan execution report (workplans/report.py); returns its final status."""
    from .report import generate

    return str(generate(report_id).status)


@shared_task(name="workplans.tasks.send_workplan_reminders")
def send_workplan_reminders():
    """Daily (Celery beat): e-mail reminders of plan deadlines coming up and passed (workplans/reminders.py)."""
    from .reminders import send_reminders

    return send_reminders()
