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


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in Latvian: the test client leaves the last request's language active otherwise."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
