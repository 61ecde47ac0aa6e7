"""Cost recomputations through a real Celery worker on Redis (services/tasks.py → services/costing.py): a full
one on request, an incremental one after a committed figure, atomic while it runs, one at a time, and a failed
one that leaves the old figures, shows its error and is retried.

Like tests/test_celery_worker.py, these tests send the jobs through the broker to a worker running in this
process; the rest of the suite runs Celery eagerly. Raw rows are written with bulk_create or update(), which send
no signals, so the only jobs are the ones a test asks for."""

import threading
import time
import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection, connections, transaction

from config import recomputation
from config.celery import app as celery_app
from services import costing
from services.models import (
    CostFigure,
    CostRecomputation,
    RecomputationKind,
    RecomputationStatus,
    ServiceCost,
    ServiceFigure,
)
from tests.conftest import require_service
from tests.factories import InstitutionFactory
from tests.services.factories import ChannelFactory, ServiceFactory, ServiceTemplateFactory
from tests.services.test_bulk_worker import fresh_producer_pools  # noqa: F401  (autouse)
from tests.test_celery_worker import celery_on_redis, worker_closes_its_database_connections

pytestmark = pytest.mark.celery_worker

YEARS = (2023, 2024)
TIMEOUT = 30
REFUSING_TRIGGER = "costtests_refuse_figures"



@pytest.fixture
def needs_postgres(transactional_db):
    """Advisory locks and triggers are PostgreSQL's."""
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", f"DATABASE_URL points at {connection.vendor}")


@pytest.fixture
def worker(transactional_db, redis_url):
    """A Celery worker on Redis, in this process, on a queue of its own."""
    eager_before = celery_app.conf.task_always_eager
    queue = f"test-cost-worker-{uuid.uuid4().hex}"
    with (
        celery_on_redis(celery_app, redis_url, queue) as app,
        worker_closes_its_database_connections(),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
    ):
        yield app
    assert celery_app.conf.task_always_eager == eager_before


@pytest.fixture
def costed(transactional_db):
    """Two providers of one unified template over two years: portal 10 transactions, a channel-attributed cost
    of 100 × (provider number) + year offset, stored once by an in-process full recomputation."""
    template = ServiceTemplateFactory()
    portal = ChannelFactory(code="portal")
    providers = [InstitutionFactory(), InstitutionFactory()]
    services = [ServiceFactory(holder=provider, template=template) for provider in providers]
    figures, costs = [], []
    for year in YEARS:
        for n, (provider, service) in enumerate(zip(providers, services, strict=True), start=1):
            figures.append(ServiceFigure(service=service, provider=provider, year=year, channel=portal, completed=10))
            costs.append(
                ServiceCost(
                    service=service, provider=provider, year=year, component="staff", channel=portal,
                    amount=Decimal(100 * n + year - 2023),
                )
            )
    ServiceFigure.objects.bulk_create(figures)
    ServiceCost.objects.bulk_create(costs)
    costing.recompute(RecomputationKind.FULL)
    return providers, services


def snapshot():
    """The stored figures without their surrogate keys and computation times."""
    columns = [f.attname for f in CostFigure._meta.concrete_fields if f.attname not in ("id", "computed_at")]
    key = ("service_id", "provider_id", "year", "channel_id")
    return {
        tuple(row[name] for name in key): {name: row[name] for name in columns if name not in key}
        for row in CostFigure.objects.values(*columns)
    }


def total_cpts():
    """CPT of each provider's total row, by (provider, year)."""
    rows = CostFigure.objects.filter(channel__isnull=True).values_list("provider_id", "year", "cost_per_transaction")
    return {(provider, year): cpt for provider, year, cpt in rows}


def wait_for(condition, what, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def finished(job):
    return wait_for(lambda: CostRecomputation.objects.filter(pk=job.pk, status__in=FINAL).first(), f"job {job.pk}")


FINAL = (RecomputationStatus.DONE, RecomputationStatus.SKIPPED, RecomputationStatus.FAILED)


def triple_costs():
    """Change the raw costs behind every stored figure (no signal): new CPT = 3 × old."""
    for cost in ServiceCost.objects.all():
        ServiceCost.objects.filter(pk=cost.pk).update(amount=cost.amount * 3)


# --- (a) full, (b) incremental ----------------------------------------------------------------------------------------


def test_a_full_recomputation_requested_by_the_coordinator_runs_in_the_worker(costed, worker):
    providers, _services = costed
    triple_costs()

    job = costing.request_full(reason="on demand")
    job = finished(job)

    # sent through the broker (a task id), run by the worker; 2 providers × 2 years × (portal + total) = 8 rows
    assert job.task_id
    assert (job.status, job.kind, job.rows_written, job.attempts) == (
        RecomputationStatus.DONE, RecomputationKind.FULL, 8, 1
    )
    assert (job.steps_done, job.steps_total, job.percent) == (2, 2, 100)
    # CPT (100·n + year − 2023) × 3 / 10: provider 1 → 30, 30.3; provider 2 → 60, 60.3
    assert total_cpts() == {
        (providers[0].pk, 2023): Decimal(30), (providers[0].pk, 2024): Decimal("30.3"),
        (providers[1].pk, 2023): Decimal(60), (providers[1].pk, 2024): Decimal("60.3"),
    }


def test_a_committed_figure_makes_the_worker_recompute_its_provider_year(costed, worker):
    providers, services = costed
    untouched = {key: value for key, value in total_cpts().items() if key[1] == 2023}

    figure = ServiceFigure.objects.get(provider=providers[0], year=2024)
    figure.completed = 40
    with transaction.atomic():
        figure.save()  # the signal queues the job when this commits

    job = CostRecomputation.objects.get()
    assert (job.kind, job.scope) == (RecomputationKind.INCREMENTAL, [[providers[0].pk, 2024]])
    job = finished(job)
    assert job.status == RecomputationStatus.DONE
    # provider 1, 2024: 101 / 40 = 2.525; the other rows keep their values
    cpts = total_cpts()
    assert cpts[providers[0].pk, 2024] == Decimal("2.525")
    assert cpts[providers[1].pk, 2024] == Decimal("20.1")
    assert {key: value for key, value in cpts.items() if key[1] == 2023} == untouched
    # provider 2's peer ratio moved with its peer: median (2.525 + 20.1)/2 = 11.3125; 20.1 / 11.3125 = 1.776796
    peer = CostFigure.objects.get(provider=providers[1], year=2024, channel__isnull=True)
    assert (peer.peer_median, peer.peer_ratio) == (Decimal("11.3125"), Decimal("1.776796"))


# --- (c) atomic, one at a time ----------------------------------------------------------------------------------------


@contextmanager
def second_connection(name):
    """A database connection of its own, as another process would have."""
    main = connections["default"]
    other = main.__class__(dict(main.settings_dict), alias=name)
    try:
        yield other
    finally:
        other.close()


def waiting_for_the_lock():
    """How many sessions of this database wait for the recomputation lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT COUNT(*) FROM pg_locks
               WHERE locktype = 'advisory' AND NOT granted AND objid = %s
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
            [costing.LOCK_KEY],
        )
        return cursor.fetchone()[0]


def test_a_job_waits_for_the_recomputation_lock_and_readers_see_the_old_figures(needs_postgres, costed, worker):
    old = snapshot()
    triple_costs()
    with second_connection("lock-holder") as holder:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [costing.LOCK_KEY])
        job = costing.request_full(reason="waits")
        wait_for(waiting_for_the_lock, "the worker to wait for the lock")
        time.sleep(0.3)
        assert CostRecomputation.objects.get(pk=job.pk).status == RecomputationStatus.RUNNING
        assert snapshot() == old
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [costing.LOCK_KEY])

    assert finished(job).status == RecomputationStatus.DONE
    assert snapshot() != old
    assert set(total_cpts().values()) == {Decimal(30), Decimal("30.3"), Decimal(60), Decimal("60.3")}


@pytest.fixture
def paused_between_years(monkeypatch):
    """Hold the worker after it has rewritten the first year, inside the recomputation's transaction."""
    reached, release = threading.Event(), threading.Event()
    record = recomputation.StepRecorder.__call__

    def pausing_record(self, done, total):
        record(self, done, total)
        if done == 1 and total == 2 and not reached.is_set():
            reached.set()
            release.wait(timeout=TIMEOUT)

    monkeypatch.setattr(recomputation.StepRecorder, "__call__", pausing_record)
    return reached, release


def test_a_reader_sees_all_old_figures_while_a_recomputation_is_half_done(
    needs_postgres, costed, worker, paused_between_years
):
    reached, release = paused_between_years
    old = snapshot()
    triple_costs()
    job = costing.request_full(reason="half done")
    try:
        assert reached.wait(timeout=TIMEOUT), "the worker never finished the first year"
        # 2023 is rewritten inside the worker's transaction; this connection still sees both years as they were,
        # and the progress written beside the transaction
        running = CostRecomputation.objects.get(pk=job.pk)
        assert (running.status, running.steps_done, running.steps_total, running.percent) == (
            RecomputationStatus.RUNNING, 1, 2, 50
        )
        assert snapshot() == old
    finally:
        release.set()

    assert finished(job).status == RecomputationStatus.DONE
    assert set(total_cpts().values()) == {Decimal(30), Decimal("30.3"), Decimal(60), Decimal("60.3")}


def test_two_full_jobs_queued_at_once_end_done_or_skipped_with_the_same_figures(needs_postgres, costed, worker):
    triple_costs()
    errors = []

    def run_here(job_id):
        try:
            costing.run_recomputation(job_id)
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    with second_connection("lock-holder") as holder:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [costing.LOCK_KEY])
        with transaction.atomic():  # both sent when this commits
            first = costing.request_full(reason="first")
            second = costing.request_full(reason="second")
        # the worker takes one of them; the other runs here, in a thread of its own, as a second worker would
        wait_for(lambda: CostRecomputation.objects.filter(status=RecomputationStatus.RUNNING).first(), "a job to start")
        other = CostRecomputation.objects.exclude(status=RecomputationStatus.RUNNING).get(pk__in=[first.pk, second.pk])
        thread = threading.Thread(target=run_here, args=(other.pk,))
        thread.start()
        wait_for(lambda: waiting_for_the_lock() == 2, "both jobs to wait for the lock")
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [costing.LOCK_KEY])
        thread.join(timeout=TIMEOUT)

    assert errors == []
    statuses = sorted([finished(first).status, finished(second).status])
    # whichever got the lock first did the work; the other found it done after it had been requested
    assert statuses == [RecomputationStatus.DONE, RecomputationStatus.SKIPPED]
    figures = snapshot()
    costing.recompute(RecomputationKind.FULL)
    assert snapshot() == figures
    assert set(total_cpts().values()) == {Decimal(30), Decimal("30.3"), Decimal(60), Decimal("60.3")}


# --- (d) a failing job ------------------------------------------------------------------------------------------------


@contextmanager
def stored_figures_refused():
    """A trigger that makes every insert into the stored figures fail, dropped when the block ends."""
    table = CostFigure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""CREATE FUNCTION {REFUSING_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'stored cost figures refused by the test'; END $$"""
        )
        cursor.execute(
            f"CREATE TRIGGER {REFUSING_TRIGGER} BEFORE INSERT ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {REFUSING_TRIGGER}()"
        )
    dropped = False

    def drop():
        nonlocal dropped
        if not dropped:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TRIGGER {REFUSING_TRIGGER} ON {table}")
                cursor.execute(f"DROP FUNCTION {REFUSING_TRIGGER}()")
            dropped = True

    try:
        yield drop
    finally:
        drop()


def test_a_failed_job_keeps_the_old_figures_shows_its_error_and_succeeds_on_retry(
    needs_postgres, costed, worker, monkeypatch
):
    monkeypatch.setattr(recomputation, "RETRY_DELAYS", (2, 2, 2))  # the worker runs in this process
    old = snapshot()
    triple_costs()
    with stored_figures_refused() as drop_trigger:
        job = costing.request_full(reason="fails once")
        failed = wait_for(
            lambda: CostRecomputation.objects.filter(pk=job.pk, status=RecomputationStatus.RETRYING).first(),
            "the first failure",
        )
        assert "stored cost figures refused by the test" in failed.error
        assert failed.attempts == 1
        assert snapshot() == old  # the failed transaction wrote nothing
        drop_trigger()

    job = finished(job)
    assert (job.status, job.attempts, job.error) == (RecomputationStatus.DONE, 2, "")
    assert set(total_cpts().values()) == {Decimal(30), Decimal("30.3"), Decimal(60), Decimal("60.3")}


def test_a_job_failing_every_retry_ends_failed_with_its_error_and_the_old_figures(
    needs_postgres, costed, worker, monkeypatch
):
    monkeypatch.setattr(recomputation, "RETRY_DELAYS", (0.1, 0.1, 0.1))
    old = snapshot()
    triple_costs()
    with stored_figures_refused():
        job = finished(costing.request_full(reason="fails always"))

    # one attempt and three retries, all refused
    assert (job.status, job.attempts) == (RecomputationStatus.FAILED, 1 + len(recomputation.RETRY_DELAYS))
    assert "stored cost figures refused by the test" in job.error
    assert job.finished_at is not None
    assert snapshot() == old
