"""Start and stop the application under gunicorn, as production runs it, for the benchmarks."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from .http_load import get
from .registry import BenchmarkError


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_executable():
    beside_python = Path(sys.executable).with_name("gunicorn")  # the project's virtualenv
    found = str(beside_python) if beside_python.exists() else shutil.which("gunicorn")
    if not found:
        raise BenchmarkError("gunicorn is not installed in the virtualenv")
    return found


@contextmanager
def gunicorn(env, workers=2, ready_path="/api/v1/ping/", startup_timeout=60, log=print):
    """Run gunicorn on a free port of 127.0.0.1 with `env`; yields the base URL; stops it afterwards, always."""
    port = free_port()
    command = [
        gunicorn_executable(),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(process, base_url + ready_path, startup_timeout, output)
            log(f"gunicorn (pid {process.pid}, {workers} workers) answers at {base_url}")
            yield base_url
        finally:
            _stop(process)
            log(f"gunicorn (pid {process.pid}) stopped")


def _wait_until_ready(process, url, timeout, output):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            raise BenchmarkError(f"gunicorn exited with code {process.returncode}:\n{output.read()[-3000:]}")
        try:
            if get(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchmarkError(f"gunicorn did not answer {url} within {timeout} s")


def _stop(process):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # graceful: the arbiter stops its workers
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the arbiter and its workers
        process.wait(timeout=10)
