"""A real Celery worker on Redis runs the flag-recomputing job and its effect reaches the database.

Everything else in the suite runs Celery eagerly (no REDIS_URL); this test alone goes through the broker,
a worker and the result backend, as production does.
"""

import uuid
from contextlib import contextmanager

import pytest
import redis
from celery.backends.redis import RedisBackend
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_postrun
from django.db import connections
from kombu.asynchronous import set_event_loop

from config.celery import app as celery_app
from institutions.models import ExclusionCategory, Institution
from institutions.tasks import recompute_institution_flags
from tests.factories import InstitutionFactory, InstitutionGroupFactory

pytestmark = pytest.mark.celery_worker


def _drop_cached_connections(app):
    """Forget the broker pool, result backend and routing built from the previous configuration."""
    import kombu.pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    kombu.pools.reset()  # kombu keeps its own per-broker pools for the whole process
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
    del app.amqp  # rebuilt on next use, with the queues and routes of the current configuration


@contextmanager
def celery_on_redis(app, redis_url, queue):
    """Point `app` at Redis (broker and results, not eager, its own queue) and restore it afterwards."""
    overrides = {
        "broker_url": redis_url,
        "result_backend": redis_url,
        "task_always_eager": False,
        # A queue of our own: a worker of another test run sharing this Redis database never takes our task.
        "task_default_queue": queue,
        "worker_enable_remote_control": False,
        "worker_hijack_root_logger": False,
    }
    # The app reads Django's CELERY_* settings, and a CELERY_-prefixed key wins over a plain one.
    overrides = {f"CELERY_{key.upper()}": value for key, value in overrides.items()}
    app.conf.task_always_eager  # reading a setting finalizes the configuration that is changed below
    # A worker adopts the process's event loop if one is set; an earlier worker's loop has a stopped timer, and a
    # retry's countdown on it would never run out.
    set_event_loop(None)
    changes = app.conf.changes
    saved = {key: changes[key] for key in overrides if key in changes}
    changes.update(overrides)
    _drop_cached_connections(app)
    try:
        yield app
    finally:
        for key in overrides:
            changes.pop(key, None)
        changes.update(saved)
        _drop_cached_connections(app)
        set_event_loop(None)
        # The queue's list is empty once consumed; only kombu's binding record is left behind.
        redis.Redis.from_url(redis_url).delete(queue, f"_kombu.binding.{queue}")


@contextmanager
def worker_closes_its_database_connections():
    """The worker thread opens its own connection; close it after each task so the test database can be dropped."""

    def close(**kwargs):
        connections.close_all()

    task_postrun.connect(close, weak=False)
    try:
        yield
    finally:
        task_postrun.disconnect(close)


def test_worker_on_redis_recomputes_wrong_stored_flags(transactional_db, redis_url):
    ministries = InstitutionGroupFactory(code="1.1", policy_applies=True, workplan_round1=True)
    agency = InstitutionFactory(group=ministries)
    hospital = InstitutionFactory(group=ministries, exclusion_category=ExclusionCategory.MEDICAL)
    correct = InstitutionFactory(group=ministries)
    # Store wrong flags behind save()'s back, as a bulk import or a changed group would leave them.
    Institution.objects.filter(pk=agency.pk).update(governance_policy_applies=False, bound_by_round1=False)
    Institution.objects.filter(pk=hospital.pk).update(bound_by_round1=True)

    eager_before = celery_app.conf.task_always_eager
    queue = f"test-worker-{uuid.uuid4().hex}"
    with (
        celery_on_redis(celery_app, redis_url, queue) as app,
        worker_closes_its_database_connections(),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
    ):
        result = recompute_institution_flags.delay()
        # Sent through the broker, not run in-process, and answered through the Redis result backend.
        assert not isinstance(result, EagerResult)
        assert isinstance(result.backend, RedisBackend)
        changed = result.get(timeout=30)
        result.forget()

    assert celery_app.conf.task_always_eager == eager_before  # the rest of the suite gets its configuration back
    # The agency (both flags) and the hospital (bound, though §4.1.5 excludes it) were wrong: 2 changed.
    assert changed == 2
    flags = {
        row["pk"]: (row["governance_policy_applies"], row["bound_by_round1"])
        for row in Institution.objects.values("pk", "governance_policy_applies", "bound_by_round1")
    }
    assert flags[agency.pk] == (True, True)
    assert flags[hospital.pk] == (True, False)
    assert flags[correct.pk] == (True, True)
