"""A throw-away PostgreSQL database next to the configured one, so a benchmark never touches real data.

The scratch database is `<configured name>_bench`, marked with a comment when created. A leftover from an
interrupted run is recognised by that comment and replaced; a database of that name without the comment is
left alone and the benchmark stops.
"""

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connections

from .registry import BenchmarkError

MARKER = "scratch database of manage.py bench; safe to drop"


@dataclass(frozen=True)
class ScratchDatabase:
    name: str
    url: str  # DATABASE_URL for the processes the benchmark starts


def require_postgres():
    if connections["default"].vendor != "postgresql":
        raise BenchmarkError(
            "this benchmark needs PostgreSQL, but DATABASE_URL points at "
            f"{connections['default'].vendor}; run it with DATABASE_URL=postgres://USER@HOST:PORT/NAME"
        )


def database_url(settings_dict, name):
    """A postgres:// URL (as dj-database-url reads it) for database `name` on the configured server."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(settings_dict.get("HOST") or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    options = {k: v for k, v in (settings_dict.get("OPTIONS") or {}).items() if isinstance(v, str)}
    query = f"?{urlencode(options, quote_via=quote)}" if options else ""  # libpq reads "+" as itself
    return f"postgres://{credentials}{host}{port}/{quote(name, safe='')}{query}"


def _server_cursor():
    # A connection to the server's maintenance database, outside any transaction of the default connection;
    # Django's test runner creates its databases the same way.
    return connections["default"]._nodb_cursor()


def is_scratch_database(cursor, name):
    """True when database `name` carries the scratch marker; None when there is no such database."""
    cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
    row = cursor.fetchone()
    return None if row is None else row[0] == MARKER


def _drop_if_ours(cursor, quoted, name):
    ours = is_scratch_database(cursor, name)
    if ours is None:
        return
    if not ours:
        raise BenchmarkError(f"database {name!r} exists and is not a bench scratch database; it was left untouched")
    cursor.execute(f"DROP DATABASE {quoted} WITH (FORCE)")


@contextmanager
def scratch_database(log=print):
    """Create the scratch database and yield it; drop it afterwards, always."""
    require_postgres()
    default = connections["default"]
    name = f"{default.settings_dict['NAME']}_bench"
    quoted = default.ops.quote_name(name)
    with _server_cursor() as cursor:
        _drop_if_ours(cursor, quoted, name)
        cursor.execute(f"CREATE DATABASE {quoted}")
        cursor.execute(f"COMMENT ON DATABASE {quoted} IS '{MARKER}'")
    log(f"created scratch database {name}")
    try:
        yield ScratchDatabase(name=name, url=database_url(default.settings_dict, name))
    finally:
        with _server_cursor() as cursor:
            _drop_if_ours(cursor, quoted, name)
        log(f"dropped scratch database {name}")


def prepare(database, institutions, env):
    """Migrate the scratch database and load the registry at scale in a separate process (bench/prepare.py),
    as a deployment would see it; returns the API token of the coordinator it creates."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.prepare", str(institutions)],
        cwd=settings.BASE_DIR,
        env={**env, "DATABASE_URL": database.url, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise BenchmarkError(f"preparing {database.name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])["token"]


def run_child(module, database, *arguments, timeout):
    """Run `python -m module arguments…` against the scratch database, as a separate process the way a worker
    or a deployment would run; its last line of output is a JSON object, returned decoded."""
    result = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database.url, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise BenchmarkError(f"{module} {arguments[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
