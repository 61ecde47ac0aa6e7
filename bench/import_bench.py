"""`bench import`: the bulk path for figure files (services/bulk.py) against PostgreSQL `COPY` of the same
file, in a scratch database.

A child process migrates the scratch database, creates the reference rows (institutions, services with their
providers, the channel code list) and writes a clean figures CSV of services × providers × years × 10
channels rows. Then, in the same run:

- copy_seconds: `COPY … FROM STDIN (FORMAT csv)` of the file into a bare table of text and integer columns (no
  keys, no constraints), over one client connection;
- bulk_seconds: `import_figures_csv` of the same file into the empty figures table, in a child process of its
  own: staging, the checks, the writing and its audit trail, one transaction (a load this large builds the
  table's indexes and foreign keys again at its end: config.bulk.LargeLoad); check_seconds and write_seconds
  split it at the start of the writing. The cost recomputation the import queues is left to a worker, as in
  production: the child sends it to a broker nobody reads rather than running it eagerly inside the timing;
- rows_per_second = rows / bulk_seconds; ratio_to_copy = bulk_seconds / copy_seconds (target ≤ 3);
- sql_only_insert_seconds: after the COPY, one INSERT … SELECT of the copied rows (keys resolved by joins, no
  checks, no history) into the empty figures table as it stands, commit and deferred foreign key checks
  included; and ratio_sql_only_to_copy = (copy_seconds + sql_only_insert_seconds) / copy_seconds: what
  maintaining the table's indexes and foreign keys row by row costs any loader;
- index_build_seconds: then, over those rows, building the figures table's primary key, natural key, secondary
  indexes and foreign keys once, as a large load builds them; and ratio_floor_to_copy = (copy_seconds +
  index_build_seconds) / copy_seconds: the least ratio any loader that leaves the table with its indexes and
  keys can reach, whatever its checks cost;
- reimport_seconds: the same file once more, every row unchanged (nothing written);
- peak_memory_mb: the bulk child's peak resident set size (VmHWM of /proc/self/status: the whole process,
  Python, Django and the lookups included; target < 300 at 1,000,000 rows); memory_growth_mb: that peak
  minus its resident set size just before the import started; the larger of the two runs' figures;
- rows, file_mb, setup_seconds (scratch database, reference rows, file), seconds (the whole run).

Run a child by hand: `DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=…_bench python -m bench.import_bench
prepare SERVICES PROVIDERS YEARS CSV` or `… load CSV`; both refuse a database without the scratch marker.
"""

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import scratch
from .registry import BenchmarkError, benchmark
from .scratch import require_postgres, scratch_database


@dataclass(frozen=True)
class Scale:
    services: int
    providers_per_service: int
    years: int

    @property
    def rows(self):
        return self.services * self.providers_per_service * self.years * CHANNELS


CHANNELS = 10  # the channel code list
INSTITUTIONS = 300
FIRST_YEAR = 2019
SCALES = {
    "ci": Scale(services=200, providers_per_service=10, years=5),  # 100,000 rows
    "national": Scale(services=400, providers_per_service=50, years=5),  # 1,000,000 rows
}
CHILD_TIMEOUT = 3 * 60 * 60
COPY_TABLE = "bench_bare_figures"


# --- the child processes -----------------------------------------------------------------------------------


def figure_line(n, service, provider, year, channel, digital):
    """One clean CSV line; counts vary with n, digital channels report no consultations, every 7th row no
    started count and every 3rd no satisfaction survey."""
    started = 40 + (n * 7919) % 5000
    completed = started - (n % 37)
    started_cell = "" if n % 7 == 0 else started
    consultations = "" if digital else n % 90
    minutes = f"{(n % 600) / 10:.1f}"
    if n % 3 == 0:
        satisfaction = ",,,"
    else:
        satisfaction = f"{1 + n % 400},{1 + (n % 4000) / 1000:.3f},1,5"
    counts = f"{started_cell},{completed},{consultations},{minutes}"
    return f"{service},{provider},{year},year,0,{channel},{counts},{satisfaction}\n"


def prepare_reference_rows_and_file(services, providers_per_service, years, path):
    """In the scratch database: the registry, `services` services each provided by `providers_per_service`
    institutions since 2010, the channels; then the figures file. Returns its data rows."""
    from datetime import date

    from django.core.management import call_command

    from institutions.models import Institution
    from services.bulk import COLUMNS
    from services.models import Channel, Service
    from services.reference_data import load_channels

    from .dataset import seed_registry

    call_command("migrate", interactive=False, verbosity=0)
    seed_registry("default", INSTITUTIONS)
    load_channels()
    institutions = list(Institution.objects.order_by("pk"))
    catalogue = Service.objects.bulk_create(
        Service(
            catalogue_id=f"BENCH-{n:05d}",
            name_lv=f"Pakalpojums {n}",
            name_en=f"Service {n}",
            holder=institutions[n % len(institutions)],
            valid_from=date(2010, 1, 1),
            is_demo=True,
        )
        for n in range(services)
    )
    through = Service.providers.through
    providers = {
        service.pk: [institutions[(index + j) % len(institutions)] for j in range(providers_per_service)]
        for index, service in enumerate(catalogue)
    }
    through.objects.bulk_create(
        (
            through(service_id=service_id, institution_id=institution.pk)
            for service_id, chosen in providers.items()
            for institution in chosen
        ),
        batch_size=5000,
    )
    channels = list(Channel.objects.order_by("order").values_list("code", "is_digital"))
    if len(channels) != CHANNELS:
        raise RuntimeError(f"expected {CHANNELS} channels, found {len(channels)}")

    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(COLUMNS) + "\n")
        for service in catalogue:
            for provider in providers[service.pk]:
                for year in range(FIRST_YEAR, FIRST_YEAR + years):
                    lines = []
                    for code, digital in channels:
                        lines.append(figure_line(rows, service.catalogue_id, provider.short_name, year, code, digital))
                        rows += 1
                    handle.write("".join(lines))
    return rows


def memory_mb(field):
    """A figure of /proc/self/status in MB (Linux): VmRSS, the resident set now, or VmHWM, its peak.

    VmHWM starts afresh when the process executes Python; ru_maxrss would not, since Linux carries the peak
    of the forking process over into the child."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise BenchmarkError(f"/proc/self/status has no {field}")


def load_file(path):
    """Run the bulk path on `path` as the bench coordinator; returns its timings, counts and memory."""
    from django.conf import settings

    from accounts.models import User
    from services.bulk import import_figures_csv
    from services.models import ImportStatus

    from .dataset import COORDINATOR

    # The import queues one incremental cost recomputation of the figures it wrote; a worker runs it after the
    # import, as in production. Without a broker Celery would run it eagerly, inside the measured time.
    settings.CELERY_TASK_ALWAYS_EAGER = False  # Celery reads its settings from Django's as it goes
    user = User.objects.get(username=COORDINATOR)
    marks = {}

    def progress(stage, processed, total):
        if stage == ImportStatus.IMPORTING:
            marks.setdefault("write_started", time.perf_counter())

    rss_before = memory_mb("VmRSS")
    started = time.perf_counter()
    result = import_figures_csv(path, user, progress=progress, change_reason="bench import")
    finished = time.perf_counter()
    peak = memory_mb("VmHWM")
    return {
        "seconds": finished - started,
        "check_seconds": marks.get("write_started", finished) - started,
        "write_seconds": finished - marks.get("write_started", finished),
        "rows": result.total_rows,
        "errors": result.error_count,
        "first_errors": [list(map(str, error)) for error in result.first_errors[:5]],
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
    }


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    from .scratch import is_scratch_database

    with connection.cursor() as cursor:
        if not is_scratch_database(cursor, connection.settings_dict["NAME"]):
            sys.exit(f"{connection.settings_dict['NAME']} is not a bench scratch database; nothing was changed")
    command, *arguments = argv
    if command == "prepare":
        services, providers, years, path = arguments
        print(json.dumps({"rows": prepare_reference_rows_and_file(int(services), int(providers), int(years), path)}))
    elif command == "load":
        (path,) = arguments
        print(json.dumps(load_file(path)))
    else:
        sys.exit(f"unknown command {command!r}")


# --- the benchmark ------------------------------------------------------------------------------------------


def run_child(database, *arguments):
    return scratch.run_child("bench.import_bench", database, *arguments, timeout=CHILD_TIMEOUT)


# The file's rows resolved to keys by joins, as the figures table takes them: no checks at all.
SQL_ONLY_INSERT = f"""
    INSERT INTO services_servicefigure (service_id, provider_id, year, period_type, period_number, channel_id,
        started, completed, consultations, client_minutes, satisfaction_responses, satisfaction_mean,
        rating_scale_min, rating_scale_max, is_demo, updated_at)
    SELECT s.id, i.id, b.year, b.period_type, b.period_number, c.id, b.started, b.completed, b.consultations,
        b.client_minutes, b.satisfaction_responses, b.satisfaction_mean, b.rating_scale_min, b.rating_scale_max,
        false, now()
    FROM {COPY_TABLE} b
    JOIN services_service s ON s.catalogue_id = b.service
    JOIN institutions_institution i ON i.short_name = b.provider
    JOIN services_channel c ON c.code = b.channel
"""


def copy_seconds(database, path):
    """Seconds to COPY the file into a bare table of text and integer columns, commit included; then the
    seconds of one INSERT … SELECT of those rows into the empty figures table (commit, and with it the
    deferred foreign key checks, included): what the table's indexes and keys cost whatever the loader; then
    the seconds to build those indexes and keys once over the inserted rows. The figures table is emptied again
    afterwards. Returns (copy seconds, rows copied, insert seconds, index build seconds)."""
    import psycopg

    columns = (
        "service text, provider text, year integer, period_type text, period_number integer, channel text, "
        "started integer, completed integer, consultations integer, client_minutes numeric, "
        "satisfaction_responses integer, satisfaction_mean numeric, rating_scale_min integer, rating_scale_max integer"
    )
    with psycopg.connect(database.url) as connection:
        connection.execute(f"CREATE TABLE {COPY_TABLE} ({columns})")
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor, open(path, "rb") as handle:
            with cursor.copy(f"COPY {COPY_TABLE} FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        connection.commit()
        seconds = time.perf_counter() - started
        copied = connection.execute(f"SELECT COUNT(*) FROM {COPY_TABLE}").fetchone()[0]

        connection.execute(f"ANALYZE {COPY_TABLE}")
        connection.commit()
        started = time.perf_counter()
        inserted = connection.execute(SQL_ONLY_INSERT).rowcount
        connection.commit()
        insert_seconds = time.perf_counter() - started
        if inserted != copied:
            raise BenchmarkError(f"the SQL-only insert wrote {inserted} rows of {copied}")
        index_build = index_build_seconds(connection)
        connection.execute("TRUNCATE services_servicefigure")
        connection.execute(f"DROP TABLE {COPY_TABLE}")
        connection.commit()
    return seconds, copied, insert_seconds, index_build


def index_build_seconds(connection, table="services_servicefigure"):
    """Seconds to build `table`'s indexes and constraints (primary key, unique, foreign keys, other indexes)
    over the rows it holds, commit included: they are dropped first, then built again from the catalogue's
    definitions, as config.bulk.LargeLoad builds them."""
    constraints = connection.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype IN ('p', 'u', 'f') ORDER BY position(contype::text IN 'puf'), conname",
        [table],
    ).fetchall()
    indexes = connection.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid) ORDER BY 1",
        [table],
    ).fetchall()
    for name, _definition in reversed(constraints):
        connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        connection.execute(f"DROP INDEX {name}")
    connection.commit()
    started = time.perf_counter()
    connection.execute("SET maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        connection.execute(definition)
    for name, definition in constraints:
        connection.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    connection.commit()
    return time.perf_counter() - started


def check_load(name, load, rows, created, unchanged):
    if load["errors"]:
        raise BenchmarkError(f"{name}: the generated file was rejected: {load['first_errors']}")
    if (load["rows"], load["created"], load["updated"], load["unchanged"]) != (rows, created, 0, unchanged):
        raise BenchmarkError(f"{name}: unexpected counts {load}")


@benchmark("import")
def import_benchmark(scale_name, log=print):
    scale = SCALES[scale_name]
    require_postgres()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as directory, scratch_database(log=log) as database:
        path = Path(directory) / "figures.csv"
        prepared = run_child(
            database, "prepare", str(scale.services), str(scale.providers_per_service), str(scale.years), str(path)
        )
        rows = prepared["rows"]
        file_mb = path.stat().st_size / 2**20
        setup_seconds = time.perf_counter() - started
        log(f"wrote {rows} rows ({file_mb:.1f} MB) in {setup_seconds:.1f} s")

        copy, copied, sql_only, index_build = copy_seconds(database, path)
        if copied != rows:
            raise BenchmarkError(f"COPY loaded {copied} rows of {rows}")
        log(f"COPY into a bare table: {copy:.2f} s; then INSERT … SELECT into the figures table: {sql_only:.2f} s")
        log(f"building the figures table's indexes and keys over those rows: {index_build:.2f} s")
        first = run_child(database, "load", str(path))
        check_load("first import", first, rows, created=rows, unchanged=0)
        split = f"check {first['check_seconds']:.2f} s, write {first['write_seconds']:.2f} s"
        log(f"bulk path: {first['seconds']:.2f} s ({split})")
        again = run_child(database, "load", str(path))
        check_load("re-import", again, rows, created=0, unchanged=rows)
        log(f"re-import of the unchanged file: {again['seconds']:.2f} s")

    peak = max(first["peak_rss_mb"], again["peak_rss_mb"])
    growth = max(first["peak_rss_mb"] - first["rss_before_mb"], again["peak_rss_mb"] - again["rss_before_mb"])
    return {
        "rows": rows,
        "file_mb": round(file_mb, 2),
        "copy_seconds": round(copy, 3),
        "bulk_seconds": round(first["seconds"], 3),
        "check_seconds": round(first["check_seconds"], 3),
        "write_seconds": round(first["write_seconds"], 3),
        "rows_per_second": round(rows / first["seconds"], 1),
        "ratio_to_copy": round(first["seconds"] / copy, 3),
        "sql_only_insert_seconds": round(sql_only, 3),
        "ratio_sql_only_to_copy": round((copy + sql_only) / copy, 3),
        "index_build_seconds": round(index_build, 3),
        "ratio_floor_to_copy": round((copy + index_build) / copy, 3),
        "reimport_seconds": round(again["seconds"], 3),
        "peak_memory_mb": round(peak, 1),
        "memory_growth_mb": round(growth, 1),
        "setup_seconds": round(setup_seconds, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }


if __name__ == "__main__":
    main(sys.argv[1:])
