"""Recomputation jobs: stored results (cost figures, the VPVKAC network's results) are recomputed by a Celery
worker, one job at a time under a lock, in full or for the part whose figures changed.

Each kind of results has a job model (a `RecomputationJob`) and a `Recomputations` that queues its jobs after
the requesting transaction commits, runs them with their progress shown, skips a job that a later full run
already covered, and retries a failed one. The domain module says only how to compute.
"""

from celery import shared_task
from django.conf import settings
from django.contrib import messages
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import outbox
from .outbox import Outbox
from .progress import RowWriter


RETRY_DELAYS = (10, 60, 300)  # seconds before the 1st, 2nd and 3rd retry of a failed recomputation

# The options of a recomputation's Celery task. Its message is acknowledged when the job ends, not when a worker
# takes it: a worker killed in the middle leaves it with Redis, which hands it to the next worker (after the
# broker's visibility timeout), and the job runs again from the old figures its rolled-back transaction left. The
# job's row is its result, so nothing is stored in the result backend, and a page sending one does not wait on it.
RECOMPUTATION_TASK = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


class RecomputationKind(models.TextChoices):
    FULL = "full", _("Full")
    INCREMENTAL = "incremental", _("Incremental")


class RecomputationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped: a later recomputation covered it")
    RETRYING = "retrying", _("Failed, will be retried")
    FAILED = "failed", _("Failed")


FINISHED_STATUSES = (RecomputationStatus.DONE, RecomputationStatus.SKIPPED, RecomputationStatus.FAILED)


class RecomputationJob(models.Model):
    """One requested recomputation. A concrete job adds its `scope` (what an incremental run covers) and the
    `parameters` version it ran with."""

    kind = models.CharField(_("kind"), max_length=20, choices=RecomputationKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RecomputationStatus.choices, default=RecomputationStatus.QUEUED
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    steps_done = models.PositiveIntegerField(_("steps done"), default=0)
    steps_total = models.PositiveIntegerField(_("steps"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("job identifier"), max_length=255, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in FINISHED_STATUSES

    @property
    def waits_for_queue(self):
        """Recorded, but not yet handed to the broker (Redis was out of reach): sent when it is back."""
        return self.status == RecomputationStatus.QUEUED and not self.task_id

    @property
    def percent(self):
        if self.status in (RecomputationStatus.DONE, RecomputationStatus.SKIPPED):
            return 100
        if not self.steps_total:
            return 0
        return min(100, round(100 * self.steps_done / self.steps_total))


class StepRecorder(RowWriter):
    """Writes a recomputation's steps to its row while its transaction is open, so the status page sees the
    progress bar move."""

    def __call__(self, done, total):
        self.update(steps_done=done, steps_total=total)


class Recomputations:
    """The jobs of one kind of results.

    `compute(job, progress, using)` recomputes what the job asks for inside the job's transaction and returns
    (the parameters it used, an outcome with `rows_written`); `lock(connection)` takes the lock that keeps two
    jobs of this kind from running at once; `task` is the dotted path of the Celery task that calls `run`.
    """

    every = []  # each kind of results, for send_unsent_jobs

    def __init__(self, model, task, lock, compute):
        self.model = model
        self.task = task
        self.lock = lock
        self.compute = compute
        # Sending a job: claimed with its task id first, so two senders (the requesting page, send_unsent_jobs)
        # never both send it; with the broker out of reach it stays recorded (`waits_for_queue`).
        self.outbox = Outbox(model._meta.label, task)
        Recomputations.every.append(self)

    def _jobs(self, job):
        return self.model.objects.filter(pk=job.pk)

    def covered_by_later_full(self, job):
        """True when a full recomputation that started (holding the lock) after `job` was requested has
        finished: it read every change `job` was requested for."""
        return (
            self.model.objects.filter(
                kind=RecomputationKind.FULL, status=RecomputationStatus.DONE, started_at__gte=job.created_at
            )
            .exclude(pk=job.pk)
            .exists()
        )

    def run(self, job_id, using=DEFAULT_DB_ALIAS):
        """The Celery task's body: run one requested recomputation. Errors propagate (the task retries); the
        old results stay, because the transaction rolls back."""
        job = self.model.objects.get(pk=job_id)
        if job.is_finished:
            return job
        if job.status == RecomputationStatus.RUNNING and job.attempts >= 1 + len(RETRY_DELAYS):
            # Every attempt so far died with its worker (reject_on_worker_lost hands the job back each time): a job
            # that kills its worker must not do so forever.
            self._jobs(job).update(
                status=RecomputationStatus.FAILED,
                error=f"The worker running it was lost {job.attempts} times.",
                finished_at=timezone.now(),
            )
            job.refresh_from_db()
            return job
        self._jobs(job).update(status=RecomputationStatus.RUNNING, attempts=F("attempts") + 1, error="")
        recorder = StepRecorder(self.model, job.pk, using)
        try:
            with transaction.atomic(using=using):
                self.lock(connections[using])
                started_at = timezone.now()
                if self.covered_by_later_full(job):
                    self._jobs(job).update(
                        status=RecomputationStatus.SKIPPED, started_at=started_at, finished_at=timezone.now()
                    )
                else:
                    parameters, outcome = self.compute(job, recorder, using)
                    self._jobs(job).update(
                        status=RecomputationStatus.DONE,
                        started_at=started_at,
                        finished_at=timezone.now(),
                        parameters=parameters,
                        rows_written=outcome.rows_written,
                        steps_done=F("steps_total"),
                    )
        finally:
            recorder.close()
        job.refresh_from_db()
        return job

    def run_with_retries(self, task, job_id):
        """Run a job from its Celery task (bound, with max_retries = len(RETRY_DELAYS)). A failure is shown on
        the job with its error and retried; after the last retry the job is marked failed."""
        try:
            return str(self.run(job_id).status)
        except Exception as error:
            retries = task.request.retries or 0
            final = retries >= len(RETRY_DELAYS)
            self.model.objects.filter(pk=job_id).update(
                status=RecomputationStatus.FAILED if final else RecomputationStatus.RETRYING,
                error=f"{type(error).__name__}: {error}"[:4000],
                finished_at=timezone.now() if final else None,
            )
            if final:
                raise
            raise task.retry(exc=error, countdown=RETRY_DELAYS[retries])

    def send(self, job_id):
        return self.outbox.send(job_id)

    def send_unsent(self):
        """Send the jobs recorded while the broker was out of reach, oldest first; returns how many were sent."""
        return self.outbox.send_unsent()

    def enqueue(self, job):
        """Send the job to the worker when the current transaction commits."""
        transaction.on_commit(lambda: self.send(job.pk), robust=True)
        return job

    def request_full(self, user=None, reason=""):
        """Queue a full recomputation; it is sent to the worker when the current transaction commits."""
        job = self.model.objects.create(
            kind=RecomputationKind.FULL,
            requested_by=user if user is not None and user.is_authenticated else None,
            reason=reason[:200],
        )
        return self.enqueue(job)

    def request_incremental(self, scope, reason=""):
        """Queue a recomputation of `scope` (a list of keys the domain module reads)."""
        job = self.model.objects.create(kind=RecomputationKind.INCREMENTAL, scope=scope, reason=reason[:200])
        return self.enqueue(job)


def send_unsent():
    """Send every kind's jobs recorded while the broker was out of reach, and the imports and reports left unsent
    (config/outbox.py); returns how many were sent."""
    return sum(kind.send_unsent() for kind in Recomputations.every) + outbox.send_unsent()


@shared_task(name="config.recomputation.send_unsent_jobs", ignore_result=True)
def send_unsent_jobs():
    """Every minute (Celery beat), and when a worker starts (config/celery.py)."""
    return send_unsent()


def requested_message(request, job):
    """Tell the coordinator a full recomputation was requested, and plainly when it could not be sent yet."""
    job.refresh_from_db(fields=["status", "task_id"])
    if job.waits_for_queue:
        messages.warning(
            request,
            gettext(
                "Full recomputation {number} is recorded, but the job queue cannot be reached now: it will be sent "
                "to the worker as soon as the queue is back. Until it has run, the previous results are shown."
            ).format(number=job.pk),
        )
    else:
        messages.success(request, gettext("Full recomputation %(number)s was requested.") % {"number": job.pk})
