import os

import pytest
from django.conf import settings
from django.db import connection


def require_service(name, reason):
    """Skip a test whose server is missing on a laptop; fail it where REQUIRE_SERVICES is set (CI)."""
    message = f"{name} is not available: {reason}"
    if settings.REQUIRE_SERVICES:
        pytest.fail(message + " (REQUIRE_SERVICES is set, so this fails instead of skipping)")
    pytest.skip(message)


@pytest.fixture
def postgres(db):
    """For tests whose point is PostgreSQL behaviour; everything else runs on whatever DATABASE_URL names."""
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", f"DATABASE_URL points at {connection.vendor}")
    return connection


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        require_service("Redis", "TEST_REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        require_service("Redis", str(error))
    return url


def pytest_collection_modifyitems(config, items):
    # Browser and worker tests are the slowest: run them last so quick failures show first.
    slow = {"browser", "celery_worker"}
    items.sort(key=lambda item: any(item.get_closest_marker(m) for m in slow))


def pytest_sessionstart(session):
    if settings.REQUIRE_SERVICES and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise pytest.UsageError("REQUIRE_SERVICES is set but DATABASE_URL is not PostgreSQL")


_figures = []


def pytest_terminal_summary(terminalreporter):
    if _figures:
        terminalreporter.section("figures")
        for line in _figures:
            terminalreporter.write_line(line)


@pytest.fixture
def run_figure(request):
    """run_figure(text): a line under "figures" at the end of the run, for figures a run reports (records
    round-tripped, requests sent)."""

    def add(text):
        _figures.append(f"{request.node.name}: {text}")

    return add


@pytest.fixture(autouse=True)
def celery_harness_state():
    """Each test starts with Celery's process-wide state as a fresh process has it. The worker tests run a worker
    in this process and reset kombu's producer pools (tests/services/test_bulk_worker.py): the app keeps the closed
    pool it took from them ("Acquire on closed pool" on the next send, even an eager one), and a worker leaves
    Celery's "joining a result would block" flag set, which refuses result.get() afterwards."""
    yield
    from celery._state import _set_task_join_will_block

    from config.celery import app

    _set_task_join_will_block(False)
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in Latvian: the test client leaves the last request's language active otherwise."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
