"""A small, bounded HTTP load generator on threads, each holding its own connection (kept alive when the server
allows it): `measure` sends a fixed number of GET requests to one URL, stopped early at a deadline; `run_mix` sends
a weighted mix of endpoints back to back for a fixed time after a warm-up, measured per class and per endpoint."""

import http.client
import itertools
import math
import random
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


@dataclass(frozen=True)
class Endpoint:
    """One kind of request in a mix: a class (list, detail, ...), a label naming the endpoint in the figures,
    the paths a client picks from at random, the headers it sends and its weight in the mix."""

    kind: str
    label: str
    paths: tuple
    headers: dict
    weight: float


@dataclass
class MixMeasurement:
    by_kind: dict
    by_label: dict
    seconds: float = 0.0  # the measured window: from the end of the warm-up to the last completed request

    @property
    def overall(self):
        merged = Measurement(seconds=self.seconds)
        for measurement in self.by_kind.values():
            merged.latencies_ms.extend(measurement.latencies_ms)
            merged.errors.extend(measurement.errors)
        return merged


def run_mix(base_url, endpoints, clients, seconds, warmup_seconds=0.0, seed=0, pause=(0.0, 0.0)):
    """`clients` threads, each with its own connection, send requests for `warmup_seconds` + `seconds`, each time
    picking an endpoint by weight and one of its paths at random, and waiting a time drawn evenly from `pause`
    (low, high seconds) after each answer, as a person or a system between two requests does; (0, 0) sends them
    back to back, which measures the most the server answers. Requests started during the warm-up are not
    counted. Every class is measured over the same window, interleaved."""
    parts = urlsplit(base_url)
    weights = [endpoint.weight for endpoint in endpoints]
    result = MixMeasurement(
        by_kind={endpoint.kind: Measurement() for endpoint in endpoints},
        by_label={endpoint.label: Measurement() for endpoint in endpoints},
    )
    started = time.monotonic()
    measured_from = started + warmup_seconds
    deadline = measured_from + seconds

    def client(number):
        chooser = random.Random(seed * 1000 + number)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            while True:
                endpoint = chooser.choices(endpoints, weights)[0]
                path = chooser.choice(endpoint.paths)
                sent = time.monotonic()
                if sent > deadline:
                    return
                error = None
                try:
                    connection.request("GET", path, headers=endpoint.headers)
                    response = connection.getresponse()
                    response.read()
                    if not 200 <= response.status < 300:
                        error = f"HTTP {response.status} {path}"
                    if response.will_close:
                        connection.close()
                except (OSError, http.client.HTTPException) as failure:
                    error = f"{failure!r} {path}"
                    connection.close()  # the next request opens a fresh connection
                elapsed_ms = (time.monotonic() - sent) * 1000
                if sent >= measured_from:
                    for measurement in (result.by_kind[endpoint.kind], result.by_label[endpoint.label]):
                        if error is None:
                            measurement.latencies_ms.append(elapsed_ms)
                        else:
                            measurement.errors.append(error)
                if pause[1] > 0:
                    time.sleep(min(chooser.uniform(*pause), max(0.0, deadline - time.monotonic())))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = max(time.monotonic() - measured_from, 1e-9)
    for measurement in [*result.by_kind.values(), *result.by_label.values()]:
        measurement.seconds = result.seconds
    return result
