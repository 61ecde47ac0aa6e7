"""Fault: Redis, the site's cache and Celery's broker, is stopped while the site runs.

The pages still answer (the cache reads as a miss: config/cache.py); a recomputation requested meanwhile is
recorded, the page says plainly that it waits for the queue, and the request does not hang (config/settings.py
CELERY_* retry policies); so are a figures file uploaded and a report requested meanwhile (config/outbox.py).
When Redis is back, a worker that starts sends what waited (config/celery.py worker_ready →
config/recomputation.send_unsent_jobs) and runs it.
"""

import json
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from config.cache import RETRY_AFTER
from config.celery import app as celery_app
from reports import report_centre
from reports.models import GeneratedReport, GeneratedStatus, ReportKind
from services import costing
from services.bulk import COLUMNS
from services.models import (
    BulkImport,
    CostFigure,
    ImportStatus,
    CostRecomputation,
    RecomputationKind,
    RecomputationStatus,
    ServiceCost,
    ServiceFigure,
)
from tests.factories import InstitutionFactory, UserFactory
from tests.faults.conftest import wait_until
from tests.services.factories import ChannelFactory, ServiceFactory
from tests.services.test_bulk_worker import fresh_producer_pools  # noqa: F401  (autouse)
from tests.test_celery_worker import celery_on_redis
from tests.test_settings import run_python

pytestmark = pytest.mark.celery_worker

PAGES = {
    "home": "/en/",
    "catalogue": "/en/catalogue/",
    "national overview": "/en/reports/",
    "open service figures": "/en/open/service-figures/",  # its rows are cached (reports/open_data.py)
}
CACHES_FOR_REDIS_URL = (
    "import json, django; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
)
FINISHED_IMPORTS = [ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED]
SLOW = 3.0  # seconds: a page or a job request slower than this while Redis is down counts as stuck


@pytest.fixture
def costed(transactional_db):
    """One service at one provider in 2024: 10 portal transactions costing 100; stored CPT 10."""
    provider = InstitutionFactory()
    service = ServiceFactory(holder=provider)
    portal = ChannelFactory(code="portal")
    # bulk_create sends no signals: no recomputation is queued but the one the test asks for
    ServiceFigure.objects.bulk_create(
        [ServiceFigure(service=service, provider=provider, year=2024, channel=portal, completed=10)]
    )
    ServiceCost.objects.bulk_create(
        [ServiceCost(service=service, provider=provider, year=2024, component="staff", channel=portal, amount=100)]
    )
    costing.recompute(RecomputationKind.FULL)
    return provider


def total_cpt(provider):
    return CostFigure.objects.get(provider=provider, year=2024, channel__isnull=True).cost_per_transaction


@pytest.fixture
def site_on_private_redis(settings, private_redis):
    """The site's cache and Celery's broker and results on the private Redis: the cache as config/settings.py
    configures it for REDIS_URL (read in a fresh Python), Celery's policies as they are in this process."""
    completed = run_python("-c", CACHES_FOR_REDIS_URL, REDIS_URL=private_redis.url)
    assert completed.returncode == 0, completed.stderr
    settings.CACHES = json.loads(completed.stdout)
    assert settings.CACHES["default"]["LOCATION"] == private_redis.url
    with celery_on_redis(celery_app, private_redis.url, "celery"):
        yield private_redis
    cache.close()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_with_redis_stopped_pages_answer_and_a_requested_job_waits_then_runs_when_redis_returns(
    costed, site_on_private_redis, client, worker_processes, fault_report, settings, monkeypatch, tmp_path
):
    redis_server = site_on_private_redis
    # The uploaded file and the report's files, where the worker (another process) finds them too.
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    client.force_login(UserFactory(role=Role.COORDINATOR, password=None))
    for name, url in PAGES.items():
        assert client.get(url).status_code == 200, name
    # The cache really is that Redis: the open data page stored its rows there.
    assert redis_server.client().keys("*open-data:*")

    redis_server.stop()

    # Every page still answers, from the database, without waiting on Redis.
    page_seconds = {}
    for name, url in PAGES.items():
        response, page_seconds[name] = timed(lambda url=url: client.get(url))
        assert response.status_code == 200, name
        assert page_seconds[name] < SLOW, (name, page_seconds[name])

    # Every cost tripled; the coordinator asks for a full recomputation.
    ServiceCost.objects.update(amount=Decimal(300))
    response, request_seconds = timed(lambda: client.post("/en/catalogue/costs/recomputations/", follow=True))
    assert request_seconds < SLOW
    assert response.status_code == 200
    job = CostRecomputation.objects.get()
    assert job.waits_for_queue  # recorded, not sent
    with translation.override("en"):
        assert "the job queue cannot be reached now" in response.content.decode()
        assert f"Full recomputation {job.pk} is recorded" in response.content.decode()
    assert total_cpt(costed) == Decimal(10)  # the old figure stays meanwhile

    # A figures file uploaded and a report requested meanwhile are recorded, queued and not sent.
    figure = ServiceFigure.objects.select_related("service", "provider", "channel").get()
    row = {"service": figure.service.catalogue_id, "provider": figure.provider.short_name, "year": 2025}
    row.update({"period_type": "year", "period_number": 0, "channel": figure.channel.code, "completed": 7})
    csv_file = (",".join(COLUMNS) + "\n" + ",".join(str(row.get(column, "")) for column in COLUMNS) + "\n").encode()
    response, upload_seconds = timed(
        lambda: client.post("/en/catalogue/imports/upload/", {"file": SimpleUploadedFile("figures.csv", csv_file)})
    )
    assert upload_seconds < SLOW
    assert response.status_code == 302
    with transaction.atomic():
        report = report_centre.request_report(
            ReportKind.SERVICE_FIGURES, {"year": 2024}, "en", user=UserFactory(role=Role.COORDINATOR)
        )
    bulk_import = BulkImport.objects.get()
    assert (bulk_import.status, bulk_import.task_id, bulk_import.language) == (ImportStatus.QUEUED, "", "en")
    with translation.override("en"):
        status = client.get(reverse("services:bulk-status", args=[bulk_import.pk])).json()
    assert status["status_label"].startswith("Queued; the job queue cannot be reached now"), status
    report.refresh_from_db()
    assert (report.status, report.task_id) == (GeneratedStatus.QUEUED, "")

    redis_server.start()  # the same port, empty: the job was never in it
    stopped_for = time.monotonic()
    worker_processes(redis_server.url)
    job = wait_until(
        lambda: CostRecomputation.objects.filter(
            pk=job.pk, status__in=[RecomputationStatus.DONE, RecomputationStatus.FAILED]
        ).first(),
        "the waiting job to run",
        timeout=60,
        interval=0.2,
    )
    ran_after = time.monotonic() - stopped_for
    assert (job.status, job.attempts) == (RecomputationStatus.DONE, 1)
    assert job.task_id
    assert total_cpt(costed) == Decimal(30)  # 300 / 10
    bulk_import = wait_until(
        lambda: BulkImport.objects.filter(pk=bulk_import.pk, status__in=FINISHED_IMPORTS).first(),
        "the waiting import to run",
        timeout=60,
        interval=0.2,
    )
    assert (bulk_import.status, bulk_import.created_count) == (ImportStatus.DONE, 1), bulk_import.message
    assert ServiceFigure.objects.filter(year=2025, completed=7).count() == 1
    report = wait_until(
        lambda: GeneratedReport.objects.filter(
            pk=report.pk, status__in=[GeneratedStatus.DONE, GeneratedStatus.FAILED]
        ).first(),
        "the waiting report to be generated",
        timeout=60,
        interval=0.2,
    )
    assert report.status == GeneratedStatus.DONE, report.error

    # The cache is used again once Redis answers: within config/cache.RETRY_AFTER of the last failure (the first
    # command on a connection kept from before the restart may be one).
    def probe_stored():
        cache.set("faults-probe", 1)
        return redis_server.client().exists(cache.make_key("faults-probe"))

    wait_until(probe_stored, "the cache to use Redis again", timeout=3 * RETRY_AFTER, interval=0.5)
    fault_report(
        "redis-server (cache and broker) stopped with SIGTERM",
        "pages answered 200 in "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in page_seconds.items())
        + f"; the recomputation request returned in {request_seconds:.2f} s saying it waits for the queue, a "
        f"figures upload in {upload_seconds:.2f} s, queued with a report request; after Redis restarted, a new "
        f"worker sent and ran the recomputation ({ran_after:.1f} s, CPT 10 → 30), the import (1 figure) and the "
        "report",
    )
