"""`bench api-smoke`: throughput and latency of the institutions list on gunicorn and PostgreSQL, against
the trivial ping endpoint of the same stack in the same run.

Figures:
- institutions_list_rps, ping_rps: successful requests per second (requests / wall-clock seconds);
- institutions_list_p50_ms, _p95_ms, ping_p50_ms, _p95_ms: nearest-rank latency percentiles;
- ratio_list_to_ping_rps = institutions_list_rps / ping_rps (1.0 would mean the list costs nothing);
- ratio_list_to_ping_p95 = institutions_list_p95_ms / ping_p95_ms;
- rows: institutions in the scratch database; requests: measured requests of both endpoints together;
- concurrency, workers, page_size, setup_seconds (scratch database, migration, data), seconds (whole run).
"""

import json
import os
import time
from dataclasses import dataclass

from .http_load import get, measure
from .registry import BenchmarkError, benchmark
from .scratch import prepare, require_postgres, scratch_database
from .server import gunicorn


@dataclass(frozen=True)
class Scale:
    institutions: int
    requests: int  # per endpoint
    concurrency: int
    time_limit: float  # seconds per endpoint


SCALES = {
    "ci": Scale(institutions=300, requests=400, concurrency=4, time_limit=120),
    "national": Scale(institutions=3000, requests=2000, concurrency=8, time_limit=600),
}
WORKERS = 2
PAGE_SIZE = 50
LIST_PATH = f"/api/v1/institutions/?page_size={PAGE_SIZE}"
PING_PATH = "/api/v1/ping/"


def server_environment(database_url):
    """The gunicorn processes' environment: the scratch database, and nothing that would refuse the load."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "API_THROTTLE_USER": "1000000/second",
        "API_THROTTLE_ANON": "1000000/second",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }


def check_list(base_url, headers, rows):
    status, body = get(base_url + LIST_PATH, headers=headers)
    if status != 200:
        raise BenchmarkError(f"GET {LIST_PATH} answered HTTP {status}: {body[:500]!r}")
    page = json.loads(body)
    if page["count"] != rows or len(page["results"]) != min(PAGE_SIZE, rows):
        raise BenchmarkError(f"GET {LIST_PATH} returned {page['count']} rows, {len(page['results'])} on the page")


def run_endpoint(base_url, path, scale, headers, log):
    # Warm-up: the first requests of each worker pay for imports and connections.
    measure(base_url + path, 4 * WORKERS, scale.concurrency, scale.time_limit, headers)
    result = measure(base_url + path, scale.requests, scale.concurrency, scale.time_limit, headers)
    if result.errors:
        raise BenchmarkError(f"GET {path}: {len(result.errors)} failed requests, e.g. {result.errors[:3]}")
    if not result.requests:
        raise BenchmarkError(f"GET {path}: no request completed within {scale.time_limit} s")
    log(
        f"GET {path}: {result.requests} requests in {result.seconds:.2f} s, "
        f"{result.requests_per_second:.1f}/s, p95 {result.percentile_ms(95):.1f} ms"
    )
    return result


@benchmark("api-smoke")
def api_smoke(scale_name, log=print):
    scale = SCALES[scale_name]
    require_postgres()
    started = time.perf_counter()
    with scratch_database(log=log) as database:
        token = prepare(database, scale.institutions, os.environ)
        log(f"migrated and loaded {scale.institutions} institutions")
        setup_seconds = time.perf_counter() - started
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        with gunicorn(server_environment(database.url), workers=WORKERS, log=log) as base_url:
            check_list(base_url, headers, scale.institutions)
            ping = run_endpoint(base_url, PING_PATH, scale, {"Accept": "application/json"}, log)
            listing = run_endpoint(base_url, LIST_PATH, scale, headers, log)

    list_p95, ping_p95 = listing.percentile_ms(95), ping.percentile_ms(95)
    return {
        "institutions_list_rps": round(listing.requests_per_second, 2),
        "institutions_list_p50_ms": round(listing.percentile_ms(50), 2),
        "institutions_list_p95_ms": round(list_p95, 2),
        "ping_rps": round(ping.requests_per_second, 2),
        "ping_p50_ms": round(ping.percentile_ms(50), 2),
        "ping_p95_ms": round(ping_p95, 2),
        "ratio_list_to_ping_rps": round(listing.requests_per_second / ping.requests_per_second, 4),
        "ratio_list_to_ping_p95": round(list_p95 / ping_p95, 4),
        "rows": scale.institutions,
        "requests": listing.requests + ping.requests,
        "concurrency": scale.concurrency,
        "workers": WORKERS,
        "page_size": PAGE_SIZE,
        "setup_seconds": round(setup_seconds, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }
