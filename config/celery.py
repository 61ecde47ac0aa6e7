"""The Celery application. Without REDIS_URL tasks run in-process (eager)."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("pakalpojumi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat schedule: the defaults; the coordinator can add or change entries in the
# admin (django-celery-beat's database scheduler).
app.conf.beat_schedule = {
    # Jobs recorded while Redis was down are sent once it is back (config/recomputation.py).
    "send-unsent-jobs": {"task": "config.recomputation.send_unsent_jobs", "schedule": 60},
    "recompute-institution-flags-nightly": {
        "task": "institutions.tasks.recompute_institution_flags",
        "schedule": 24 * 60 * 60,
    },
    "recompute-cost-figures-nightly": {
        "task": "services.tasks.recompute_costs_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    "send-assessment-reminders-daily": {
        "task": "assessments.tasks.send_assessment_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "recompute-network-nightly": {
        "task": "vpvkac.tasks.recompute_network_nightly",
        "schedule": crontab(hour=2, minute=45),
    },
    "send-workplan-reminders-daily": {
        "task": "workplans.tasks.send_workplan_reminders",
        "schedule": crontab(hour=8, minute=15),
    },
    "send-service-review-reminders-daily": {
        "task": "transformation.tasks.send_review_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    "run-report-schedules-daily": {
        "task": "reports.tasks.run_report_schedules",
        "schedule": crontab(hour=6, minute=0),
    },
}


@worker_ready.connect
def send_unsent_jobs_on_start(sender=None, **kwargs):
    """A worker starting after an outage sends the jobs recorded while Redis was down, without waiting for beat."""
    sender.app.send_task("config.recomputation.send_unsent_jobs", ignore_result=True)
