"""Jobs a page hands to the worker (imports, reports), sent again when the broker was out of reach.

A page records the job's row and sends its task when the transaction commits (the worker must find the row).
With Redis down the send fails fast (config/settings.py, CELERY_* retry policies): the row stays queued without
a task id, the page answers, and `send_unsent` — every minute from beat and when a worker starts
(config.recomputation.send_unsent_jobs) — sends it once the broker answers. A job is claimed with its task id
before it is sent, so two senders never both send it. The recomputation jobs (config/recomputation.py) are
sent the same way.
"""

import logging
from dataclasses import dataclass

from celery.utils import uuid
from django.apps import apps
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as BrokerUnreachable

logger = logging.getLogger(__name__)

QUEUED = "queued"  # the status every job model gives a job not yet started


@dataclass(frozen=True)
class Outbox:
    model: str  # "app_label.ModelName" of the job rows (status, task_id)
    task: str  # the task's dotted path; it takes the job's pk, then the `arguments` fields' values
    arguments: tuple = ()

    @property
    def jobs(self):
        return apps.get_model(self.model).objects

    def _send(self, job_id):
        """Claim the job with a task id and send it: True when sent, False when it is no longer waiting. With the
        broker out of reach the claim is given back and BrokerUnreachable raised."""
        task_id = uuid()
        if not self.jobs.filter(pk=job_id, task_id="", status=QUEUED).update(task_id=task_id):
            return False
        values = self.jobs.filter(pk=job_id).values_list(*self.arguments).get() if self.arguments else ()
        try:
            import_string(self.task).apply_async((job_id, *values), task_id=task_id)
        except BrokerUnreachable:
            self.jobs.filter(pk=job_id, task_id=task_id).update(task_id="")
            raise
        return True

    def send(self, job_id):
        """Send a job; with the broker out of reach it stays queued without a task id, for `send_unsent`."""
        try:
            return self._send(job_id)
        except BrokerUnreachable as error:
            logger.warning("%s %s not sent, the broker is out of reach: %s", self.model, job_id, error)
            return False

    def send_on_commit(self, job):
        transaction.on_commit(lambda: self.send(job.pk), robust=True)
        return job

    def waiting(self):
        return self.jobs.filter(status=QUEUED, task_id="").order_by("pk")

    def send_unsent(self):
        """Send the jobs left unsent, oldest first; returns how many were sent."""
        sent = 0
        for job_id in list(self.waiting().values_list("pk", flat=True)):
            try:
                sent += self._send(job_id)
            except BrokerUnreachable as error:
                logger.warning("%s jobs still not sent, the broker is out of reach: %s", self.model, error)
                break
        return sent


def status_label(job):
    """A job's status as its progress display shows it: a job recorded but not yet handed to the worker, because
    the job queue was out of reach, says so (`send_unsent` sends it once the queue answers)."""
    if job.status == QUEUED and not job.task_id:
        return gettext("Queued; the job queue cannot be reached now, and the job starts as soon as it is back")
    return job.get_status_display()


FIGURE_IMPORTS = Outbox("services.BulkImport", "services.tasks.run_bulk_import", ("language",))
CONTACT_IMPORTS = Outbox("vpvkac.ContactImport", "vpvkac.tasks.import_contacts_task", ("language",))
CENTRE_REPORTS = Outbox("reports.GeneratedReport", "reports.tasks.generate_report")
EXECUTION_REPORTS = Outbox("workplans.ExecutionReport", "workplans.tasks.generate_execution_report")
EVERY = (FIGURE_IMPORTS, CONTACT_IMPORTS, CENTRE_REPORTS, EXECUTION_REPORTS)


def send_unsent():
    return sum(outbox.send_unsent() for outbox in EVERY)
