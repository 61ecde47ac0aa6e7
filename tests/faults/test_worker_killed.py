"""Fault: the Celery worker is killed (SIGKILL, worker and pool child at once) in the middle of a full cost
recomputation. The old figures stay (the recomputation's transaction dies with its connection), the job is not
lost (its message is acknowledged only when it ends: services/tasks.py, config/recomputation.py
RECOMPUTATION_TASK), the next worker runs it again, and the figures it leaves are complete and not duplicated.

The recomputation is made long by its size, not by a pause: about half a million monthly figures (the
generator of `bench costs`), which take seconds to recompute, so the kill lands inside the big INSERT … SELECT.
"""

import time
from datetime import date

import pytest
from django.db import connection

from bench.costs_bench import FIRST_YEAR, costs_sql, figures_sql
from config.celery import app as celery_app
from services import costing
from services.models import CostFigure, CostRecomputation, RecomputationKind, RecomputationStatus, Service
from services.reference_data import load_channels
from tests.conftest import require_service
from tests.factories import InstitutionFactory
from tests.faults.conftest import wait_until
from tests.services.factories import ServiceTemplateFactory
from tests.services.test_bulk_worker import fresh_producer_pools  # noqa: F401  (autouse)
from tests.test_celery_worker import celery_on_redis

pytestmark = pytest.mark.celery_worker

PROVIDERS = 10
SERVICES = 400  # × 5 years × 12 months × 10 channels = 240,000 figures
YEARS = 5
VISIBILITY_TIMEOUT = 3  # seconds (tests/faults/worker_settings.py)


@pytest.fixture
def large_catalogue(transactional_db):
    """SERVICES services of PROVIDERS providers, half of them sharing 20 unified templates, with the monthly
    figures and yearly costs `bench costs` generates; their cost figures stored by an in-process recomputation."""
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", f"DATABASE_URL points at {connection.vendor}")
    load_channels()
    providers = [InstitutionFactory() for _ in range(PROVIDERS)]
    templates = [ServiceTemplateFactory() for _ in range(20)]
    Service.objects.bulk_create(
        Service(
            catalogue_id=f"FAULT-{n:05d}",
            name_lv=f"Pakalpojums {n}",
            holder=providers[n % PROVIDERS],
            template=templates[n % 20] if n % 2 else None,
            valid_from=date(2010, 1, 1),
        )
        for n in range(SERVICES)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO services_service_providers (service_id, institution_id) "
            "SELECT id, holder_id FROM services_service"
        )
        cursor.execute(figures_sql(FIRST_YEAR, FIRST_YEAR + YEARS - 1))
        figures = cursor.rowcount
        cursor.execute(costs_sql(FIRST_YEAR, FIRST_YEAR + YEARS - 1))
        cursor.execute("ANALYZE")
    assert figures == SERVICES * YEARS * 12 * 10
    costing.recompute(RecomputationKind.FULL)
    return figures


def stored_totals():
    """What the stored figures add up to, and how many keys appear more than once."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT COUNT(*), SUM(direct_cost), SUM(transactions), MAX(computed_at),
                       COUNT(*) - COUNT(DISTINCT (service_id, provider_id, year, COALESCE(channel_id, 0)))
                FROM {CostFigure._meta.db_table}"""
        )
        count, direct, transactions, computed, duplicated = cursor.fetchone()
    return {
        "rows": count,
        "direct_cost": direct,
        "transactions": transactions,
        "computed_at": computed,
        "duplicated_keys": duplicated,
    }


def test_a_worker_killed_mid_recomputation_leaves_the_old_figures_and_the_next_worker_completes_the_job_once(
    large_catalogue, private_redis, worker_processes, fault_report
):
    old = stored_totals()
    assert old["rows"] > 0 and old["duplicated_keys"] == 0
    # Every cost tripled: a completed recomputation stores 3 × the direct cost (amounts have 2 decimals, so the
    # sum of 3 × each is exactly 3 × the sum), the same rows and the same transactions.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE services_servicecost SET amount = amount * 3")

    with celery_on_redis(celery_app, private_redis.url, "celery"):
        first = worker_processes(private_redis.url, visibility_timeout=VISIBILITY_TIMEOUT)
        job = costing.request_full(reason="fault: worker killed")
        assert CostRecomputation.objects.get(pk=job.pk).task_id  # sent

        # Step 1 of 2 is written after the DELETE, before the INSERT … SELECT that takes the seconds.
        wait_until(
            lambda: CostRecomputation.objects.filter(
                pk=job.pk, status=RecomputationStatus.RUNNING, steps_done=1
            ).exists(),
            "the worker to be inside the recomputation",
            timeout=60,
        )
        first.kill()
        killed_at = time.monotonic()

        # The job's transaction is gone with its connection: every old figure is there, unchanged.
        assert stored_totals() == old
        lost = CostRecomputation.objects.get(pk=job.pk)
        assert (lost.status, lost.attempts) == (RecomputationStatus.RUNNING, 1)
        # Taken, never acknowledged: Redis keeps the message among its unacknowledged ones.
        assert private_redis.client().hlen("unacked") == 1

        # Redis hands the message to a worker starting after the visibility timeout has passed.
        time.sleep(max(0.0, VISIBILITY_TIMEOUT + 0.5 - (time.monotonic() - killed_at)))
        worker_processes(private_redis.url, visibility_timeout=VISIBILITY_TIMEOUT)
        done = wait_until(
            lambda: CostRecomputation.objects.filter(
                pk=job.pk, status__in=[RecomputationStatus.DONE, RecomputationStatus.FAILED]
            ).first(),
            "the job to be run again",
            timeout=120,
            interval=0.2,
        )
        recovered_in = time.monotonic() - killed_at
        assert private_redis.client().hlen("unacked") == 0

    new = stored_totals()
    # Run twice in all (the killed attempt and the redelivered one), once to the end.
    assert (done.status, done.attempts, done.error) == (RecomputationStatus.DONE, 2, "")
    assert done.rows_written == new["rows"] == old["rows"]
    assert new["duplicated_keys"] == 0
    assert new["transactions"] == old["transactions"]
    assert new["direct_cost"] == 3 * old["direct_cost"]
    assert new["computed_at"] > old["computed_at"]
    fault_report(
        "SIGKILL of the Celery worker (prefork, both processes) inside a full recomputation of "
        f"{large_catalogue} figures",
        f"old {old['rows']} cost figures intact after the kill; job redelivered to a new worker, done "
        f"{recovered_in:.1f} s after the kill on attempt 2; {new['rows']} rows, 0 duplicated keys, costs tripled",
    )


def test_a_job_whose_worker_died_on_each_of_its_attempts_ends_failed_instead_of_running_again(db):
    # 1 attempt + 3 retries (RETRY_DELAYS) = 4 attempts, each left RUNNING by a worker that died under it
    job = CostRecomputation.objects.create(kind=RecomputationKind.FULL, status=RecomputationStatus.RUNNING, attempts=4)
    costing.run_recomputation(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (
        RecomputationStatus.FAILED,
        4,
        "The worker running it was lost 4 times.",
    )
    assert job.finished_at is not None
    # with an attempt left it runs: 3 attempts so far
    again = CostRecomputation.objects.create(
        kind=RecomputationKind.FULL, status=RecomputationStatus.RUNNING, attempts=3
    )
    assert costing.run_recomputation(again.pk).status == RecomputationStatus.DONE
