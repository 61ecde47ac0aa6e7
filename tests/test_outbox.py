"""config/outbox.py on a real Redis broker: a job is claimed with its task id before it is sent, so it is sent
once whoever sends it; with the broker out of reach the job stays queued without a task id, and `send_unsent`
sends it once the broker answers."""

import uuid
from contextlib import contextmanager
from datetime import date

import pytest
import redis

from config import outbox
from config.celery import app as celery_app
from reports.models import GeneratedReport, GeneratedStatus, ReportKind
from tests.test_celery_worker import _drop_cached_connections, celery_on_redis

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def report(db):
    return GeneratedReport.objects.create(kind=ReportKind.SERVICE_FIGURES, parameters={"year": date.today().year})


@contextmanager
def broker_at(url):
    """Celery's broker moved to `url` for a while (inside celery_on_redis, which restores everything)."""
    changes = celery_app.conf.changes
    saved = changes["CELERY_BROKER_URL"]
    changes["CELERY_BROKER_URL"] = url
    _drop_cached_connections(celery_app)
    try:
        yield
    finally:
        changes["CELERY_BROKER_URL"] = saved
        _drop_cached_connections(celery_app)


def queued_messages(redis_url, queue):
    return redis.Redis.from_url(redis_url).llen(queue)


def test_a_job_is_sent_once_whoever_sends_it(report, redis_url):
    queue = f"test-outbox-{uuid.uuid4().hex}"
    with celery_on_redis(celery_app, redis_url, queue):
        assert outbox.CENTRE_REPORTS.send(report.pk) is True
        assert outbox.CENTRE_REPORTS.send(report.pk) is False  # claimed already
        assert outbox.send_unsent() == 0
        report.refresh_from_db()
        assert report.task_id
        assert queued_messages(redis_url, queue) == 1


def test_a_job_waits_while_the_broker_is_out_of_reach_and_is_sent_when_it_answers(report, redis_url):
    queue = f"test-outbox-{uuid.uuid4().hex}"
    with celery_on_redis(celery_app, redis_url, queue):
        with broker_at(UNREACHABLE):
            assert outbox.CENTRE_REPORTS.send(report.pk) is False
        report.refresh_from_db()
        assert (report.status, report.task_id) == (GeneratedStatus.QUEUED, "")
        assert list(outbox.CENTRE_REPORTS.waiting()) == [report]

        assert outbox.send_unsent() == 1
        report.refresh_from_db()
        assert report.task_id
        assert queued_messages(redis_url, queue) == 1
        assert outbox.send_unsent() == 0


def test_a_job_that_has_started_is_not_sent_again(report, redis_url):
    GeneratedReport.objects.filter(pk=report.pk).update(status=GeneratedStatus.RUNNING)
    queue = f"test-outbox-{uuid.uuid4().hex}"
    with celery_on_redis(celery_app, redis_url, queue):
        assert outbox.CENTRE_REPORTS.send(report.pk) is False
        assert queued_messages(redis_url, queue) == 0


def test_a_job_not_yet_sent_says_in_its_progress_that_the_queue_is_out_of_reach(report):
    from django.utils import translation

    from reports.report_views import report_progress
    from tests.factories import UserFactory

    user = UserFactory()
    with translation.override("en"):
        assert report_progress(report, user)["status_label"].startswith("Queued; the job queue cannot be reached now")
        report.task_id = "sent"
        assert report_progress(report, user)["status_label"] == "Queued"
