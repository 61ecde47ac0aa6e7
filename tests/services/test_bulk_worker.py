"""A figures file goes through a real Celery worker on Redis, and its progress is visible while it runs.

Like tests/test_celery_worker.py, this test alone sends the job through the broker; the rest of the suite
runs Celery eagerly.
"""

import threading
import uuid
from datetime import date

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import Role
from config.celery import app as celery_app
from services import bulk
from services.models import BulkImport, ImportStatus, Service, ServiceFigure
from services.reference_data import load_channels
from services.tasks import run_bulk_import
from tests.factories import InstitutionFactory, UserFactory
from tests.test_celery_worker import celery_on_redis, worker_closes_its_database_connections

pytestmark = pytest.mark.celery_worker

CHANNELS = ("portal", "own_site", "phone", "post", "institution_in_person")
YEARS = range(2016, 2024)


def figures_file(providers):
    """5 channels × 8 years × len(providers) rows of clean figures."""
    lines = [",".join(bulk.COLUMNS)]
    for provider in providers:
        for year in YEARS:
            for channel in CHANNELS:
                lines.append(f"VP-1,{provider},{year},year,0,{channel},100,90,4,12.5,10,4.100,1,5")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def fresh_producer_pools():
    """kombu keeps producer pools per broker URL for the whole process; one left by an earlier worker test
    holds connections that test closed. Start and end with none."""
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


def test_a_worker_on_redis_imports_the_file_and_shows_progress_while_it_writes(
    transactional_db, redis_url, settings, tmp_path, paused_in_pass_2
):
    settings.MEDIA_ROOT = tmp_path
    load_channels()
    providers = [InstitutionFactory(short_name=f"P{n}") for n in range(3)]
    service = Service.objects.create(
        catalogue_id="VP-1", name_lv="Pakalpojums", holder=providers[0], valid_from=date(2010, 1, 1)
    )
    service.providers.set(providers)
    coordinator = UserFactory(role=Role.COORDINATOR)
    content = figures_file([p.short_name for p in providers])  # 3 × 8 × 5 = 120 rows
    bulk_import = BulkImport.objects.create(file=SimpleUploadedFile("figures.csv", content), uploaded_by=coordinator)
    reached, release = paused_in_pass_2

    queue = f"test-bulk-worker-{uuid.uuid4().hex}"
    with (
        celery_on_redis(celery_app, redis_url, queue) as app,
        worker_closes_its_database_connections(),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
    ):
        result = run_bulk_import.delay(bulk_import.pk, "en")
        assert not isinstance(result, EagerResult)
        try:
            assert reached.wait(timeout=60), "the worker never reached the writing pass"
            if connection.vendor == "postgresql":
                # Another connection sees the progress while the import's transaction is still open, and
                # none of its figures yet: all or nothing.
                running = BulkImport.objects.get(pk=bulk_import.pk)
                assert running.status == ImportStatus.IMPORTING
                assert 0 < running.processed_rows < running.total_rows == 120
                assert not ServiceFigure.objects.exists()
        finally:
            release.set()
        assert result.get(timeout=60) == ImportStatus.DONE
        result.forget()

    bulk_import.refresh_from_db()
    assert (bulk_import.status, bulk_import.total_rows, bulk_import.processed_rows) == (ImportStatus.DONE, 120, 120)
    assert (bulk_import.created_count, bulk_import.updated_count, bulk_import.unchanged_count) == (120, 0, 0)
    assert ServiceFigure.objects.count() == 120
    assert ServiceFigure.objects.filter(provider=providers[2], year=2023, channel__code="post", completed=90).exists()
