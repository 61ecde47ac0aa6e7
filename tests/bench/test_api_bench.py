import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from bench import api_bench, registry
from bench.http_load import Endpoint, Measurement, run_mix


def test_api_is_registered_with_its_scales():
    assert "api" in registry.benchmarks()
    national = api_bench.SCALES["national"]
    # 50 clients for 5 minutes, on 10,000 services (50 templates × 40 bodies + 8,000 state services) and 170 centres.
    assert (national.clients, national.seconds) == (50, 300)
    assert (national.costs.services, national.costs.institutions, national.centres.centres) == (10_000, 300, 170)
    ci = api_bench.SCALES["ci"]
    assert (ci.clients, ci.seconds) == (10, 20)


@pytest.fixture
def server():
    """A local HTTP server answering /ok with 200 and anything else with 500; counts the requests it served."""
    served = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the generator's clients hold their connection

        def do_GET(self):
            served.append(self.path)
            status = 200 if self.path == "/ok" else 500
            body = b"{}"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", served
    httpd.shutdown()
    httpd.server_close()


def test_the_mix_counts_each_class_and_label_and_a_failed_answer_as_an_error(server):
    base_url, served = server
    endpoints = [
        Endpoint("list", "list_ok", ("/ok",), {}, 3),
        Endpoint("ping", "ping", ("/ok",), {}, 1),
        Endpoint("detail", "detail_broken", ("/broken",), {}, 1),
    ]
    result = run_mix(base_url, endpoints, clients=3, seconds=0.6, warmup_seconds=0.3)

    assert result.by_kind["list"].requests > result.by_kind["ping"].requests > 0  # weight 3 against 1
    assert result.by_kind["detail"].requests == 0  # every answer was a 500
    assert all(error.startswith("HTTP 500 /broken") for error in result.by_kind["detail"].errors)
    assert result.by_kind["detail"].errors
    assert result.by_label["list_ok"].requests == result.by_kind["list"].requests
    overall = result.overall
    assert overall.requests == result.by_kind["list"].requests + result.by_kind["ping"].requests
    assert len(overall.errors) == len(result.by_kind["detail"].errors)
    # The warm-up's requests reached the server but are not counted.
    assert len(served) > overall.requests + len(overall.errors)
    # The run ends at its deadline, once the requests in flight are answered: on a loaded machine one may take
    # a while, so the bound only catches a run that does not stop.
    assert 0.6 <= result.seconds < 15


def test_class_figures_relate_a_class_to_ping():
    listing = Measurement(latencies_ms=[10.0, 20.0, 30.0, 40.0], seconds=2.0)
    ping = Measurement(latencies_ms=[1.0, 2.0, 4.0, 5.0], seconds=2.0)
    figures = api_bench.class_figures("list", listing, ping.percentile_ms(95), ping.requests_per_second, 35)
    # p95 of 4 values is the 4th (ceil(0.95 × 4) = 4): 40 ms against ping's 5 ms = 8.
    assert figures["list_p95_ms"] == 40.0
    assert figures["list_ratio_p95_to_ping"] == 8.0
    # Both 4 requests / 2 s = 2/s: ratio 1; per weight (2 / 35) / (2 / 15) = 15 / 35 = 0.4286.
    assert figures["list_rps"] == 2.0
    assert figures["list_ratio_rps_to_ping"] == 1.0
    assert figures["list_rps_per_weight_ratio_to_ping"] == 0.4286
    assert figures["list_errors"] == 0


DATA = {
    "coordinator": {
        "token": "coordinator-token",
        "institutions": [1, 2],
        "services": ["COST-S00001"],
        "holders": [5],
        "providers": [5, 6],
        "centres": ["bench-centre-0"],
        "municipalities": ["pasvaldiba-0"],
    },
    "editor": {
        "token": "editor-token",
        "institutions": [7],
        "services": ["COST-T000-000"],
        "holders": [7],
        "providers": [7],
        "centres": ["bench-centre-3"],
        "municipalities": ["pasvaldiba-3"],
    },
    "year": 2021,
}


def test_the_mix_weighs_the_classes_and_gives_the_editor_only_its_own_ids():
    endpoints = api_bench.mix(DATA)
    by_kind = {}
    for endpoint in endpoints:
        by_kind[endpoint.kind] = by_kind.get(endpoint.kind, 0) + endpoint.weight
    # Each class's weight is split between the coordinator (70 %) and the editor (30 %): the classes sum to 100.
    assert {kind: round(weight, 6) for kind, weight in by_kind.items()} == api_bench.CLASS_WEIGHTS
    editor = [e for e in endpoints if e.headers.get("Authorization") == "Token editor-token"]
    editor_paths = " ".join(path for endpoint in editor for path in endpoint.paths)
    assert "/institutions/7/" in editor_paths and "/institutions/1/" not in editor_paths
    assert "holder=7" in editor_paths and "holder=5" not in editor_paths
    assert "/centres/bench-centre-3/" in editor_paths and "bench-centre-0" not in editor_paths
    (ping,) = [e for e in endpoints if e.kind == "ping"]
    assert ping.paths == ("/api/v1/ping/",) and "Authorization" not in ping.headers


@pytest.mark.django_db
def test_api_refuses_to_run_without_postgresql(monkeypatch, tmp_path):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench", "api", "--results-dir", str(tmp_path))


def scratch_database_exists():
    name = f"{connections['default'].settings_dict['NAME']}_bench"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.mark.postgres
def test_api_runs_a_short_load_at_ci_scale_without_errors(postgres, tmp_path, monkeypatch, capsys):
    # The ci data, with a few seconds of load instead of 20: enough for every class and a memory sample or two.
    short = replace(api_bench.SCALES["ci"], clients=4, seconds=4, warmup_seconds=1, solo_runs=1)
    monkeypatch.setitem(api_bench.SCALES, "ci", short)
    call_command("bench", "api", "--scale", "ci", "--results-dir", str(tmp_path))

    figures = json.loads((tmp_path / "api-ci.json").read_text())
    # The costs generator's ci catalogue: 5 templates × 4 bodies + 80 state services, and the vpvkac generator's
    # 30 services; 30 institutions and the editor's municipality; 6 centres.
    assert (figures["services"], figures["institutions"], figures["centres"]) == (130, 31, 6)
    assert figures["overall_errors"] == 0
    for kind in api_bench.CLASS_WEIGHTS:
        assert figures[f"{kind}_requests"] > 0, kind
        assert figures[f"{kind}_p95_ms"] >= figures[f"{kind}_p50_ms"] > 0, kind
    assert figures["overall_requests"] == sum(figures[f"{kind}_requests"] for kind in api_bench.CLASS_WEIGHTS)
    assert figures["rss_samples"] >= 1 and figures["rss_max_mb"] >= figures["rss_start_mb"] > 0
    assert figures["workers"] >= 3 and figures["clients"] == 4
    assert json.loads(capsys.readouterr().out) == figures
    assert not scratch_database_exists()
