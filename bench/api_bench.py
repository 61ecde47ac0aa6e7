"""`bench api`: the REST API under load, on gunicorn and PostgreSQL, with the national-scale data.

A child process migrates the scratch database and generates the data with the generators of `bench costs` (the
registry, the catalogue's services, their monthly figures and costs, then the stored cost figures by a full
recomputation) and of `bench vpvkac` (centres on the same registry's municipalities, their contact figures, then
the network figures by a full recomputation), and adds an institution editor: a member of a municipal body, a
state institution and a municipality (so that the centres of that municipality are theirs too).

gunicorn then runs with 2 × cores + 1 sync workers and the production settings (DEBUG off, throttles raised so
they refuse nothing). Each endpoint of the mix is first asked once (it must answer 2xx), then
`clients` threads of bench/http_load.py send requests for a warm-up and `seconds` of measured load, each time
picking by weight: lists (institutions, services, service figures, cost figures, centres), details (institution,
service, centre), filtered lists, roll-ups and open data sets, and the trivial `/api/v1/ping/`, interleaved with
the rest. Each client waits 0.5–1.5 s after each answer (`pause`), as the people and systems using the API do:
clients sending back to back would measure only the queue in front of two cores (by Little's law 50 clients at
300 answers a second wait 167 ms each, however fast each answer is). About 30 % of the non-ping requests carry
the editor's token, the rest the coordinator's, so the scoping code runs both ways. Then the same clients send
back to back for `saturation_seconds`: the most the server answers (saturation_* figures). Afterwards each
endpoint is asked a few times alone (its unloaded latency on warm workers).

Figures:
- for each class (list, detail, filter, dashboard, ping) and overall: p50/p95/p99 ms (nearest rank), rps
  (successful requests / measured seconds), requests, errors (non-2xx answers and failed connections);
  CLASS_ratio_p95_to_ping = CLASS p95 / ping p95, CLASS_ratio_rps_to_ping = CLASS rps / ping rps (ping's share of
  the mix is its weight, so the rps ratio also reflects the weights: CLASS_rps_per_weight_ratio_to_ping divides
  each rps by its class's weight first);
- endpoint_LABEL_p95_ms, endpoint_LABEL_solo_ms (the median of a few requests alone, after the load) per
  endpoint, to find the slow ones;
- saturation_overall_* and saturation_ping_*: the same figures of the back-to-back run;
- rss_start_mb, rss_end_mb, rss_max_mb, rss_growth_mb: the gunicorn workers' resident set summed, sampled every
  few seconds from /proc during the measured window (rss_samples of them);
- the machine: cpu_count, load_average_before / _after (1-minute), cpu_busy_percent (all cores, from /proc/stat
  over the window), generator_cpu_seconds (this process: the load generator competes with gunicorn and
  PostgreSQL for the same cores), server_cpu_seconds (the gunicorn workers);
- clients, workers, seconds_measured, warmup_seconds, the data's counts, setup_seconds, seconds.

Run the child by hand: `DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=…_bench python -m bench.api_bench
prepare '{"costs": {…}, "centres": {…}}'`; it refuses a database without the scratch marker.
"""

import json
import os
import statistics
import sys
import threading
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from . import costs_bench, scratch, vpvkac_bench
from .api_smoke import server_environment
from .http_load import Endpoint, Measurement, get, run_mix
from .registry import BenchmarkError, benchmark
from .scratch import require_postgres, scratch_database
from .server import gunicorn


@dataclass(frozen=True)
class Scale:
    costs: costs_bench.Scale
    centres: vpvkac_bench.Scale
    clients: int
    seconds: float  # of measured load
    warmup_seconds: float
    saturation_seconds: float  # of back-to-back load after the measured run
    solo_runs: int = 3  # requests of each endpoint alone after the load; the median counts
    # Each client waits this long (drawn evenly, seconds) after each answer: a person reading a page, a system
    # handling the rows it fetched. 50 such clients send at most about 50 requests a second.
    pause: tuple = (0.5, 1.5)


SCALES = {
    # The catalogue of `bench costs --scale ci` (100 services, 60,000 monthly figures) and 6 centres over a year.
    "ci": Scale(
        costs=costs_bench.SCALES["ci"],
        centres=vpvkac_bench.SCALES["ci"],
        clients=10,
        seconds=20,
        warmup_seconds=3,
        saturation_seconds=10,
    ),
    # 300 institutions, 10,000 services, 6 million monthly figures, 550,000 cost figures; the 170 centres of the
    # network with a year of contact figures (about 1.6 million rows) and the 5,000 settlements.
    "national": Scale(
        costs=costs_bench.SCALES["national"],
        centres=vpvkac_bench.Scale(centres=170, years=1, settlements=5000, stops=30, idle_centres=2),
        clients=50,
        seconds=300,
        warmup_seconds=15,
        saturation_seconds=60,
    ),
}
CHILD_TIMEOUT = 60 * 60
EDITOR = "bench-editor"
EDITOR_SHARE = 0.3  # of the non-ping requests
SAMPLES = 25  # ids, codes and filter values per kind a client picks from
RSS_EVERY = 5  # seconds between samples of the workers' memory
PAGE = "page_size=50"
# Each class's weight in the mix, and each endpoint's within its class.
CLASS_WEIGHTS = {"list": 35, "detail": 25, "filter": 15, "dashboard": 10, "ping": 15}
TARGET_P95_MS = 100  # for list and detail


# --- the data (in the child) --------------------------------------------------------------------------------


def _spread(values, count=SAMPLES):
    """Up to `count` values spread evenly over `values`."""
    values = list(values)
    step = max(1, len(values) // count)
    return values[::step][:count]


def generate(scale):
    """Fill the migrated scratch database at `scale`; returns the tokens, the ids the clients ask for, and counts."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from accounts.models import Membership, Role, User
    from institutions.flags import apply_flags
    from institutions.models import Institution, InstitutionType
    from services.costing import recompute as recompute_costs
    from services.models import CostFigure, RecomputationKind, Service
    from vpvkac.models import Centre, ContactFigure
    from vpvkac.network import recompute as recompute_network

    from . import dataset

    catalogue = costs_bench.generate(scale.costs)
    recompute_costs(RecomputationKind.FULL)
    # The centres go on the registry the catalogue already made: the generator's own registry is not seeded again.
    seed_registry = dataset.seed_registry
    dataset.seed_registry = lambda using, institutions: None
    try:
        vpvkac_bench.generate(scale.centres)
    finally:
        dataset.seed_registry = seed_registry
    recompute_network(RecomputationKind.FULL)

    served = Centre.objects.filter(code__startswith="bench-centre-").select_related("municipality").order_by("pk")
    own_municipality = served[0].municipality
    municipality_body = apply_flags(
        Institution(
            short_name="B-PASV",
            name_lv=f"{own_municipality.name_lv} (pašvaldība)",
            name_en=f"{own_municipality.name_en} (municipality)",
            registration_number="90000099999",
            institution_type=InstitutionType.MUNICIPALITY,
            municipality=own_municipality,
            is_demo=True,
        )
    )
    municipality_body.save()
    editor = User.objects.create(username=EDITOR, role=Role.EDITOR, password=make_password(None))
    own = [catalogue["municipal_provider"], catalogue["state_provider"], municipality_body.pk]
    Membership.objects.bulk_create(Membership(user=editor, institution_id=pk, can_edit=True) for pk in own)
    editor_token = Token.objects.create(user=editor).key
    coordinator_token = Token.objects.get(user__username=dataset.COORDINATOR).key
    with connection.cursor() as cursor:
        # A running database's tables have been vacuumed and analysed by autovacuum (which a test machine may have
        # turned off): the visibility map lets index-only scans and counts skip the table's pages.
        cursor.execute("VACUUM (ANALYZE)")

    year = catalogue["year"]
    services = Service.objects.filter(catalogue_id__startswith="COST-").order_by("pk")
    own_services = services.filter(providers__in=own[:2]).distinct()
    provider_ids = CostFigure.objects.values_list("provider_id", flat=True).distinct().order_by("provider_id")
    centre_municipalities = served.values_list("municipality__code", flat=True).distinct().order_by()
    return {
        "coordinator": {
            "token": coordinator_token,
            "institutions": _spread(Institution.objects.order_by("pk").values_list("pk", flat=True)),
            "services": _spread(services.values_list("catalogue_id", flat=True)),
            "holders": _spread(services.values_list("holder_id", flat=True).distinct().order_by("holder_id")),
            "providers": _spread(provider_ids),
            "centres": _spread(served.values_list("code", flat=True)),
            "municipalities": _spread(sorted(centre_municipalities)),
        },
        "editor": {
            "token": editor_token,
            "institutions": own,
            "services": _spread(own_services.values_list("catalogue_id", flat=True)),
            "holders": [catalogue["state_provider"]],
            "providers": own[:2],
            "centres": _spread(served.filter(municipality=own_municipality).values_list("code", flat=True)),
            "municipalities": [own_municipality.code],
        },
        "year": year,
        "institutions": Institution.objects.count(),
        "services": Service.objects.count(),
        "figure_rows": catalogue["figure_rows"],
        "cost_figure_rows": CostFigure.objects.count(),
        "centres": Centre.objects.count(),
        "contact_rows": ContactFigure.objects.count(),
    }


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from .scratch import is_scratch_database

    with connection.cursor() as cursor:
        if not is_scratch_database(cursor, connection.settings_dict["NAME"]):
            sys.exit(f"{connection.settings_dict['NAME']} is not a bench scratch database; nothing was changed")
    command, *arguments = argv
    if command != "prepare":
        sys.exit(f"unknown command {command!r}")
    (encoded,) = arguments
    decoded = json.loads(encoded)
    call_command("migrate", interactive=False, verbosity=0)
    scale = Scale(
        costs=costs_bench.Scale(**decoded["costs"]),
        centres=vpvkac_bench.Scale(**decoded["centres"]),
        clients=0,
        seconds=0,
        warmup_seconds=0,
        saturation_seconds=0,
    )
    print(json.dumps(generate(scale), default=str))


# --- the mix --------------------------------------------------------------------------------------------------


API = "/api/v1"


def user_endpoints(samples, year, share):
    """The mix of one user, at `share` of the non-ping weight; `samples` are the ids that user may read."""

    def query(**parameters):
        return "?" + urlencode(parameters)

    def each(template, values):
        return tuple(template.format(value) for value in values)

    auth = {"Authorization": f"Token {samples['token']}", "Accept": "application/json"}
    by_class = {
        "list": [
            ("institutions", (f"{API}/institutions/?{PAGE}",)),
            ("services", (f"{API}/services/?{PAGE}",)),
            ("service_figures", (f"{API}/service-figures/?{PAGE}",)),
            ("cost_figures", (f"{API}/cost-figures/?{PAGE}",)),
            ("centres", (f"{API}/centres/?{PAGE}",)),
        ],
        "detail": [
            ("institution", each(API + "/institutions/{}/", samples["institutions"])),
            ("service", each(API + "/services/{}/", samples["services"])),
            ("centre", each(API + "/centres/{}/", samples["centres"])),
        ],
        "filter": [
            (
                "services_by_holder",
                tuple(f"{API}/services/{query(holder=h, status='active', page_size=50)}" for h in samples["holders"]),
            ),
            (
                "service_figures_of_service",
                tuple(
                    f"{API}/service-figures/{query(service=s, year=year, page_size=50)}" for s in samples["services"]
                ),
            ),
            (
                "cost_figures_of_provider",
                tuple(
                    f"{API}/cost-figures/{query(provider=p, year=year, channel='total', page_size=50)}"
                    for p in samples["providers"]
                ),
            ),
            (
                "centres_of_municipality",
                tuple(f"{API}/centres/{query(municipality=m, page_size=50)}" for m in samples["municipalities"]),
            ),
        ],
        "dashboard": [
            ("rollup_by_sector", (f"{API}/cost-figures/rollup/{query(by='sector', year=year, page_size=50)}",)),
            ("rollup_national", (f"{API}/cost-figures/rollup/{query(by='national', page_size=50)}",)),
            ("open_service_figures", (f"{API}/open/service-figures/?{PAGE}",)),
            ("open_vpvkac_figures", (f"{API}/open/vpvkac-figures/?{PAGE}",)),
            ("open_vpvkac_centres", (f"{API}/open/vpvkac-centres/?{PAGE}",)),
        ],
    }
    endpoints = []
    for kind, entries in by_class.items():
        for label, paths in entries:
            if paths:  # an editor without centres of their own asks for none
                weight = CLASS_WEIGHTS[kind] * share / len(entries)
                endpoints.append(Endpoint(kind, f"{kind}_{label}", paths, auth, weight))
    return endpoints


def mix(data):
    ping = Endpoint("ping", "ping", (f"{API}/ping/",), {"Accept": "application/json"}, CLASS_WEIGHTS["ping"])
    return [
        *user_endpoints(data["coordinator"], data["year"], 1 - EDITOR_SHARE),
        *user_endpoints(data["editor"], data["year"], EDITOR_SHARE),
        ping,
    ]


def check_endpoints(base_url, endpoints, log):
    """One request of each endpoint's first path, which also warms the workers; returns the endpoints that
    answered 2xx. One that does not (a server error, a worker killed by gunicorn's timeout) is logged and left out
    of the load: a few such requests would hold every worker and measure only that endpoint."""
    answering = []
    for endpoint in endpoints:
        path = endpoint.paths[0]
        started = time.perf_counter()
        try:
            status, body = get(base_url + path, headers=endpoint.headers, timeout=120)
        except OSError as error:
            status, body = 0, repr(error).encode()
        elapsed = time.perf_counter() - started
        if 200 <= status < 300:
            answering.append(endpoint)
        else:
            log(f"left out of the load: GET {path} answered HTTP {status} after {elapsed:.1f} s: {body[:300]!r}")
    return answering


def solo_latencies(base_url, endpoints, runs):
    """Each endpoint's median latency alone, over its first path, asked after the load (the workers are warm and
    nothing else runs); the slower of the two users' medians when both ask for it."""
    latencies = {}
    for endpoint in endpoints:
        timings = []
        for _run in range(runs):
            started = time.perf_counter()
            get(base_url + endpoint.paths[0], headers=endpoint.headers, timeout=120)
            timings.append((time.perf_counter() - started) * 1000)
        latencies.setdefault(endpoint.label, []).append(statistics.median(timings))
    return {label: max(values) for label, values in latencies.items()}


# --- the server's processes -------------------------------------------------------------------------------------


def _children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone in the meantime
        if int(fields[1]) == pid:  # the field after the state is the parent's pid
            found.append(int(entry))
    return found


def gunicorn_workers():
    """The pids of the workers of the gunicorn this process started (its arbiter's children)."""
    for child in _children(os.getpid()):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as handle:
                if b"gunicorn" in handle.read():
                    return _children(child)
        except OSError:
            continue
    raise BenchmarkError("no gunicorn arbiter among this process's children")


def rss_mb(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue  # a worker restarted between listing and reading
    return total / 1024


def cpu_seconds(pids):
    """User + system CPU seconds the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime and stime, the 14th and 15th fields
        except OSError:
            continue
    return total / ticks


def machine_cpu():
    """(busy, total) jiffies of all cores so far, from the first line of /proc/stat."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(value) for value in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


class MemorySampler:
    """Samples the workers' summed RSS every `every` seconds in a thread, between start() and stop()."""

    def __init__(self, every):
        self.every = every
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while True:
            self.samples.append(rss_mb(gunicorn_workers()))
            if self._stop.wait(self.every):
                self.samples.append(rss_mb(gunicorn_workers()))
                return

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()


# --- the benchmark ------------------------------------------------------------------------------------------


def class_figures(name, measurement, ping_p95, ping_rps, weight):
    p95, rps = measurement.percentile_ms(95), measurement.requests_per_second
    figures = {
        f"{name}_p50_ms": round(measurement.percentile_ms(50), 2),
        f"{name}_p95_ms": round(p95, 2),
        f"{name}_p99_ms": round(measurement.percentile_ms(99), 2),
        f"{name}_rps": round(rps, 2),
        f"{name}_requests": measurement.requests,
        f"{name}_errors": len(measurement.errors),
    }
    if name not in ("ping", "overall"):
        figures[f"{name}_ratio_p95_to_ping"] = round(p95 / ping_p95, 3) if ping_p95 else 0.0
        figures[f"{name}_ratio_rps_to_ping"] = round(rps / ping_rps, 4) if ping_rps else 0.0
        per_weight = (rps / weight) / (ping_rps / CLASS_WEIGHTS["ping"]) if ping_rps else 0.0
        figures[f"{name}_rps_per_weight_ratio_to_ping"] = round(per_weight, 4)
    return figures


def run_child(database, *arguments):
    return scratch.run_child("bench.api_bench", database, *arguments, timeout=CHILD_TIMEOUT)


@benchmark("api")
def api_benchmark(scale_name, log=print):
    scale = SCALES[scale_name]
    require_postgres()
    started = time.perf_counter()
    workers = 2 * (os.cpu_count() or 1) + 1
    with scratch_database(log=log) as database:
        data = run_child(
            database, "prepare", json.dumps({"costs": asdict(scale.costs), "centres": asdict(scale.centres)})
        )
        setup_seconds = time.perf_counter() - started
        log(
            f"generated {data['institutions']} institutions, {data['services']} services, {data['figure_rows']} "
            f"figure rows, {data['cost_figure_rows']} cost figures, {data['centres']} centres and "
            f"{data['contact_rows']} contact rows in {setup_seconds:.1f} s"
        )
        endpoints = mix(data)
        with gunicorn(server_environment(database.url), workers=workers, log=log) as base_url:
            answering = check_endpoints(base_url, endpoints, log)
            failing = sorted({endpoint.label for endpoint in endpoints} - {e.label for e in answering})
            endpoints = answering
            load_before = os.getloadavg()[0]
            sampler = MemorySampler(RSS_EVERY)
            generator_before = os.times()
            cpu_before = machine_cpu()
            server_before = cpu_seconds(gunicorn_workers())
            log(f"{scale.clients} clients for {scale.warmup_seconds:.0f} s of warm-up and {scale.seconds:.0f} s")
            measuring = threading.Timer(scale.warmup_seconds, sampler.start)
            measuring.start()
            result = run_mix(base_url, endpoints, scale.clients, scale.seconds, scale.warmup_seconds, pause=scale.pause)
            measuring.join()
            sampler.stop()
            server_cpu = cpu_seconds(gunicorn_workers()) - server_before
            cpu_after = machine_cpu()
            generator_after = os.times()
            load_after = os.getloadavg()[0]
            log(f"{scale.clients} clients back to back for {scale.saturation_seconds:.0f} s")
            saturation = run_mix(base_url, endpoints, scale.clients, scale.saturation_seconds, seed=1)
            solo = solo_latencies(base_url, endpoints, scale.solo_runs)
            for label, ms in sorted(solo.items(), key=lambda item: -item[1]):
                log(f"alone: {label} {ms:.1f} ms")

    ping = result.by_kind["ping"]
    ping_p95, ping_rps = ping.percentile_ms(95), ping.requests_per_second
    figures = {}
    for kind in CLASS_WEIGHTS:
        figures.update(
            class_figures(kind, result.by_kind.get(kind, Measurement()), ping_p95, ping_rps, CLASS_WEIGHTS[kind])
        )
    figures.update(class_figures("overall", result.overall, ping_p95, ping_rps, 100))
    saturated_ping = saturation.by_kind["ping"]
    for name, measurement in (("overall", saturation.overall), ("ping", saturated_ping)):
        for key, value in class_figures(
            name, measurement, saturated_ping.percentile_ms(95), saturated_ping.requests_per_second, 100
        ).items():
            figures[f"saturation_{key}"] = value
    for label in failing:
        log(f"{label}: left out of the load, it failed when asked alone")
    for label, measurement in sorted(result.by_label.items()):
        if label != "ping":
            figures[f"endpoint_{label}_p95_ms"] = round(measurement.percentile_ms(95), 2)
            figures[f"endpoint_{label}_solo_ms"] = round(solo[label], 2)
    for kind, measurement in result.by_kind.items():
        for error in measurement.errors[:3]:
            log(f"{kind}: {error}")
    samples = sampler.samples or [0.0]
    busy, total = (after - before for after, before in zip(cpu_after, cpu_before, strict=True))
    generator_cpu = (generator_after.user - generator_before.user) + (generator_after.system - generator_before.system)
    figures.update(
        {
            "rss_start_mb": round(samples[0], 1),
            "rss_end_mb": round(samples[-1], 1),
            "rss_max_mb": round(max(samples), 1),
            "rss_growth_mb": round(samples[-1] - samples[0], 1),
            "rss_samples": len(sampler.samples),
            "cpu_count": os.cpu_count() or 1,
            "load_average_before": round(load_before, 2),
            "load_average_after": round(load_after, 2),
            "cpu_busy_percent": round(100 * busy / total, 1) if total else 0.0,
            "generator_cpu_seconds": round(generator_cpu, 2),
            "server_cpu_seconds": round(server_cpu, 2),
            "endpoints_left_out": len(failing),
            "clients": scale.clients,
            "pause_seconds_low": scale.pause[0],
            "pause_seconds_high": scale.pause[1],
            "saturation_seconds_measured": round(saturation.seconds, 2),
            "workers": workers,
            "seconds_measured": round(result.seconds, 2),
            "warmup_seconds": scale.warmup_seconds,
            "institutions": data["institutions"],
            "services": data["services"],
            "figure_rows": data["figure_rows"],
            "cost_figure_rows": data["cost_figure_rows"],
            "centres": data["centres"],
            "contact_rows": data["contact_rows"],
            "setup_seconds": round(setup_seconds, 2),
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
    for kind in ("list", "detail"):
        verdict = "holds" if figures[f"{kind}_p95_ms"] < TARGET_P95_MS else "does not hold"
        log(f"{kind}: p95 {figures[f'{kind}_p95_ms']:.1f} ms; the target of {TARGET_P95_MS} ms {verdict}")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
