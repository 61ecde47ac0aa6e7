"""Fault: PostgreSQL is restarted, and stopped for a moment, under a running site.

The site is gunicorn serving config.wsgi (as `make serve` and the Docker image run it) on a PostgreSQL cluster
of the test's own (initdb into a temporary directory), with the project's settings: connections kept for
DB_CONN_MAX_AGE seconds and checked before reuse (CONN_HEALTH_CHECKS, config/settings.py). After a restart the
next request answers, without restarting gunicorn; while the database is away a request fails at once with the
site's error page, not a hang.
"""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import urllib.error
import urllib.request

import psycopg
import pytest
from django.db import connection

from tests.conftest import require_service
from tests.faults.conftest import end_process_group, free_port, start_python, wait_until

pytestmark = pytest.mark.celery_worker  # among the slow tests that start servers: they run last

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PAGES = ("/en/open/", "/en/open/services/")  # public pages, each reading the database
SLOW = 5.0  # seconds: a request slower than this while the database is away counts as stuck


class PostgresCluster:
    """initdb as the `postgres` system user (the server refuses to run as root) into a temporary directory; one
    database, `site`, with the test database's tables and rows copied in."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        shutil.chown(self.directory, "postgres", "postgres")
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/site"
        self.log = str(self.directory / "server.log")

    def pg(self, *args, check=True):
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True, timeout=120, check=check
        )

    def ctl(self, *args):
        return self.pg(str(PG_BIN / "pg_ctl"), "-D", str(self.directory), "-w", "-t", "60", *args)

    def init(self):
        self.pg(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.directory),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.start()
        with psycopg.connect(self.admin_url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE site")

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.ctl("-o", options, "-l", self.log, "start")

    def admin_url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def copy_from(self, database_url):
        dump = subprocess.run(
            [str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", "-d", database_url],
            capture_output=True,
            timeout=120,
            check=True,
        )
        subprocess.run(
            [str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url],
            input=dump.stdout,
            capture_output=True,
            timeout=120,
            check=True,
        )

    def site_backends(self):
        """The client sessions of database `site` other than this one."""
        with psycopg.connect(self.url, autocommit=True) as probe:
            return probe.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = 'site' AND backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()"
            ).fetchone()[0]

    def destroy(self):
        self.ctl("-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres(transactional_db):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", f"DATABASE_URL points at {connection.vendor}")
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        require_service("PostgreSQL server binaries", f"{PG_BIN}/initdb or runuser is missing")
    cluster = PostgresCluster()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.destroy()


class Gunicorn:
    def __init__(self, database_url, log_path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = start_python(
            ["gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--timeout", "30"],
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": database_url,
                "DB_CONN_MAX_AGE": "60",
                "DEBUG": "0",  # the error page a visitor gets, not the debug page
                "REDIS_URL": "",
            },
            log_path,
        )

    def get(self, path):
        """(status, body, seconds) of one GET."""
        started = time.monotonic()
        try:
            with urllib.request.urlopen(self.base + path, timeout=SLOW * 2) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        return status, body.decode("utf-8", "replace"), time.monotonic() - started

    def answers(self):
        try:
            return self.get(PAGES[0])[0] == 200
        except OSError:
            return False

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return sorted(int(pid) for pid in children.split())


@pytest.fixture
def site(private_postgres, tmp_path):
    private_postgres.copy_from(database_url_of_tests())
    server = Gunicorn(private_postgres.url, tmp_path / "gunicorn.log")
    try:
        wait_until(server.answers, "gunicorn to answer", timeout=90, interval=0.3)
        yield server
    finally:
        end_process_group(server.process)


def database_url_of_tests():
    from tests.faults.conftest import database_url_for_other_processes

    return database_url_for_other_processes()


def test_after_a_postgres_restart_the_next_requests_succeed_without_restarting_the_site(
    private_postgres, site, fault_report
):
    for path in PAGES:
        assert site.get(path)[0] == 200, path
    workers = site.worker_pids()
    assert len(workers) == 1
    # The worker keeps its connection between requests (CONN_MAX_AGE): the restart below cuts a live one.
    assert private_postgres.site_backends() == 1

    started = time.monotonic()
    # -l: the restarted server writes there, not to this process's pipe (which would then never close)
    private_postgres.ctl("-m", "fast", "-l", private_postgres.log, "restart")
    restart_seconds = time.monotonic() - started
    assert private_postgres.site_backends() == 0  # every old session is gone

    after_restart = [site.get(path) for path in PAGES * 3]
    assert [status for status, _body, _seconds in after_restart] == [200] * len(PAGES) * 3
    assert private_postgres.site_backends() == 1  # one new connection, kept again

    # The database away: a request fails at once with the site's error page, and the next one after it is back
    # succeeds.
    private_postgres.ctl("-m", "fast", "stop")
    status, body, failed_seconds = site.get(PAGES[0])
    assert status == 500
    assert "Something went wrong on our side" in body
    assert failed_seconds < SLOW
    private_postgres.start()
    assert site.get(PAGES[0])[0] == 200

    assert site.worker_pids() == workers  # the same gunicorn worker throughout: the site was not restarted
    fault_report(
        "PostgreSQL restarted (pg_ctl restart -m fast, "
        f"{restart_seconds:.1f} s) and then stopped and started under gunicorn",
        "every request after the restart answered 200 on a new connection, with the same gunicorn worker; "
        f"with the database stopped a request got the 500 page in {failed_seconds:.2f} s, the next one after "
        "the start 200",
    )
