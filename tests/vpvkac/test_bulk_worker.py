"""A contact-figures file goes through a real Celery worker on Redis, and its progress is visible while it runs.

Like tests/test_celery_worker.py and tests/services/test_bulk_worker.py, this test alone (in vpvkac) sends the job
through the broker; the rest of the suite runs Celery eagerly.
"""

import threading
import uuid
from datetime import date, timedelta

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import Role
from config.celery import app as celery_app
from services.models import ImportStatus
from tests.factories import UserFactory
from tests.test_celery_worker import celery_on_redis, worker_closes_its_database_connections
from tests.vpvkac.factories import CentreFactory
from vpvkac import bulk
from vpvkac.models import CentreMembership, ContactFigure, ContactImport
from vpvkac.tasks import import_contacts_task

pytestmark = pytest.mark.celery_worker

FIRST_DAY = date(2024, 4, 1)


def contacts_file(centre_code):
    """12 days × 10 hour slots (8–17) = 120 rows of services."""
    lines = ["date,hour,centre,contact_type,staff_type,client_type,count"]
    for offset in range(12):
        day = FIRST_DAY + timedelta(days=offset)
        for hour in range(8, 18):
            lines.append(f"{day},{hour},{centre_code},service,municipal,natural,{1 + hour % 3}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def fresh_producer_pools():
    """kombu keeps producer pools per broker URL for the whole process; start and end with none."""
    kombu.pools.reset()
    yield
    kombu.pools.reset()


@pytest.fixture
def paused_in_pass_2(monkeypatch):
    """Hold the worker in the middle of writing, inside the import's transaction, until the test has looked."""
    reached, release = threading.Event(), threading.Event()
    report = bulk.ProgressRecorder.__call__

    def pausing_report(self, stage, processed, total):
        report(self, stage, processed, total)
        if stage == ImportStatus.IMPORTING and 0 < processed < total and not reached.is_set():
            reached.set()
            release.wait(timeout=30)

    monkeypatch.setattr(bulk.ProgressRecorder, "__call__", pausing_report)
    monkeypatch.setattr(bulk, "BATCH_SIZE", 40)
    monkeypatch.setattr(bulk, "PROGRESS_INTERVAL", 0)
    return reached, release


def test_a_worker_on_redis_imports_an_operators_file_and_shows_progress_while_it_writes(
    transactional_db, redis_url, settings, tmp_path, paused_in_pass_2
):
    settings.MEDIA_ROOT = tmp_path
    centre = CentreFactory(code="darba-centrs")
    operator = UserFactory(role=Role.CENTRE_OPERATOR)
    CentreMembership.objects.create(user=operator, centre=centre)
    job = ContactImport.objects.create(
        file=SimpleUploadedFile("rinda.csv", contacts_file(centre.code)),
        original_name="rinda.csv",
        uploaded_by=operator,
    )
    reached, release = paused_in_pass_2

    queue = f"test-contact-worker-{uuid.uuid4().hex}"
    with (
        celery_on_redis(celery_app, redis_url, queue) as app,
        worker_closes_its_database_connections(),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
    ):
        result = import_contacts_task.delay(job.pk, "en")
        assert not isinstance(result, EagerResult)
        try:
            assert reached.wait(timeout=60), "the worker never reached the writing pass"
            if connection.vendor == "postgresql":
                # Another connection sees the progress while the import's transaction is still open, and none of
                # its figures yet: all or nothing.
                running = ContactImport.objects.get(pk=job.pk)
                assert running.status == ImportStatus.IMPORTING
                assert 0 < running.processed_rows < running.total_rows == 120
                assert not ContactFigure.objects.exists()
        finally:
            release.set()
        assert result.get(timeout=60) == ImportStatus.DONE
        result.forget()

    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows) == (ImportStatus.DONE, 120, 120)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (120, 0, 0)
    assert ContactFigure.objects.filter(centre=centre).count() == 120
    # count = 1 + hour % 3: hours 8, 11, 14, 17 give 3; 9, 12, 15 give 1; 10, 13, 16 give 2: 12 + 3 + 6 = 21 a day,
    # 12 days 252.
    assert sum(ContactFigure.objects.values_list("count", flat=True)) == 252
