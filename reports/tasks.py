from celery import shared_task


@shared_task(name="reports.tasks.generate_report")
def generate_report(report_id):
    """Generate one requested report of the report centre (reports/report_centre.py); returns its final status."""
    from .report_centre import generate

    return str(generate(report_id).status)


@shared_task(name="reports.tasks.run_report_schedules")
def run_report_schedules():
    """Daily (Celery beat): request the reports of every schedule due today; returns how many were requested."""
    from .report_centre import run_due_schedules

    return run_due_schedules()
