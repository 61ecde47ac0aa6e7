"""A small, bounded HTTP load generator: a fixed number of GET requests spread over a few threads, each
holding its own connection (kept alive when the server allows it), stopped early at a deadline."""

import http.client
import itertools
import math
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Measurement:
    latencies_ms: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self):
        return len(self.latencies_ms)

    @property
    def requests_per_second(self):
        """Requests per second = successful requests / wall-clock seconds of the whole run."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, percent):
        return percentile(self.latencies_ms, percent)


def percentile(values, percent):
    """Nearest-rank percentile: the smallest value with at least `percent` % of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def get(url, headers=None, timeout=30):
    """One GET; returns (status, body bytes)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def measure(url, requests, concurrency, time_limit, headers=None):
    """Send `requests` GETs to `url` from `concurrency` threads, stopping at `time_limit` seconds."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    tickets = itertools.count()
    lock = threading.Lock()
    result = Measurement()
    deadline = time.monotonic() + time_limit

    def client():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            while True:
                with lock:
                    ticket = next(tickets)
                if ticket >= requests or time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                try:
                    connection.request("GET", target, headers=headers or {})
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as error:
                    result.errors.append(repr(error))
                    connection.close()  # the next request opens a fresh connection
                    continue
                elapsed_ms = (time.perf_counter() - started) * 1000
                if response.status == 200:
                    result.latencies_ms.append(elapsed_ms)
                else:
                    result.errors.append(f"HTTP {response.status}")
                if response.will_close:
                    connection.close()
        finally:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result
