"""Servers and processes the fault tests start, stop and kill: a Redis of their own, real Celery worker processes,
a PostgreSQL cluster of their own. Each is ended by its fixture, whatever the test's outcome, and every wait is
bounded. Each test writes one line on what it injected and what it saw; the lines are printed at the end of the
run, so CI's log shows them."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_service

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
WORKER_READY_TIMEOUT = 90  # a worker imports Django and the project: seconds on a loaded machine


@pytest.fixture
def fault_report(run_figure):
    """fault_report(injected, observed): one line under "figures" at the end of the run (tests/conftest.py)."""

    def add(injected, observed):
        run_figure(f"injected {injected}; observed {observed}")

    return add


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, what, timeout, interval=0.05):
    """The condition's first true value, or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def end_process_group(process, grace=10):
    """SIGTERM a process started in a session of its own and everything it started; SIGKILL what is left."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=grace)


class RedisServer:
    """A redis-server on a free port, without persistence: stopped, it loses what it held, as a crash would."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        log = open(self.directory / "redis.log", "a")  # noqa: SIM115 (the process keeps it)
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(self.answers, f"redis-server on port {self.port}", timeout=10)

    def answers(self):
        import redis

        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self):
        """SIGTERM, as `systemctl stop redis` sends; it is gone when this returns."""
        if self.process is not None:
            end_process_group(self.process)
            self.process = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=2)


@pytest.fixture
def private_redis(tmp_path):
    if not os.path.exists(REDIS_SERVER):
        require_service("redis-server", f"{REDIS_SERVER} is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def database_url_for_other_processes():
    """The test database, as a URL another process can use."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_python(arguments, environment, log_path):
    """`python -m <arguments>` in the project's directory, with this process's environment changed by
    `environment` (a None value removes the variable), its output appended to `log_path`, in a session of its own
    so that it and its children can be stopped together."""
    env = {**os.environ, "PYTHONPATH": str(settings.BASE_DIR)}
    for name, value in environment.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    with open(log_path, "a") as log:
        return subprocess.Popen(
            [sys.executable, "-m", *arguments],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


class WorkerProcess:
    """`celery -A config worker` as production runs it (prefork pool, one child), on the test database."""

    def __init__(self, redis_url, log_path, visibility_timeout=3600):
        self.redis_url = redis_url
        self.log_path = log_path
        self.visibility_timeout = visibility_timeout
        self.process = None

    def start(self):
        self.offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.process = start_python(
            [
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--hostname",
                f"faults-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            {
                "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
                "DATABASE_URL": database_url_for_other_processes(),
                "REDIS_URL": self.redis_url,
                "FAULTS_VISIBILITY_TIMEOUT": str(self.visibility_timeout),
                "DJANGO_ENV": None,
            },
            self.log_path,
        )
        wait_until(self.ready, "the Celery worker to be ready", timeout=WORKER_READY_TIMEOUT, interval=0.2)
        return self

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            handle.seek(self.offset)
            return handle.read()

    def ready(self):
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited with {self.process.returncode}:\n{self.log()[-3000:]}")
        return " ready." in self.log()

    def kill(self):
        """SIGKILL the worker and its pool child at once, as the kernel's OOM killer or a lost machine does."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None:
            end_process_group(self.process, grace=30)


@pytest.fixture
def worker_processes(tmp_path):
    """start(redis_url, visibility_timeout=…) → a running WorkerProcess; all are ended after the test."""
    started = []

    def start(redis_url, visibility_timeout=3600):
        worker = WorkerProcess(redis_url, tmp_path / "worker.log", visibility_timeout)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
