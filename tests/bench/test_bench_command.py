import json
import socket
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from bench import api_smoke, registry
from bench.http_load import percentile


@pytest.fixture
def fake_benchmarks(monkeypatch):
    """Replace the registry with two quick benchmarks, so the command's plumbing is tested in milliseconds."""
    monkeypatch.setattr(registry, "BENCHMARK_MODULES", [])
    monkeypatch.setattr(registry, "_registered", {})
    calls = []

    @registry.benchmark("quick")
    def quick(scale, log):
        calls.append(("quick", scale))
        return {"seconds": 0.5, "rows": 3}

    @registry.benchmark("other")
    def other(scale, log):
        calls.append(("other", scale))
        return {"ratio": 1.25}

    return calls


def test_bench_runs_one_benchmark_and_writes_its_figures(fake_benchmarks, tmp_path, capsys):
    call_command("bench", "quick", "--scale", "national", "--results-dir", str(tmp_path / "results"))
    assert fake_benchmarks == [("quick", "national")]
    written = json.loads((tmp_path / "results" / "quick-national.json").read_text())
    assert written == {"seconds": 0.5, "rows": 3}
    assert json.loads(capsys.readouterr().out) == written


def test_bench_all_runs_every_registered_benchmark_at_the_scale(fake_benchmarks, tmp_path):
    call_command("bench", "all", "--results-dir", str(tmp_path))
    assert sorted(fake_benchmarks) == [("other", "ci"), ("quick", "ci")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other-ci.json", "quick-ci.json"]


def test_bench_refuses_an_unknown_name_or_scale(fake_benchmarks):
    with pytest.raises(CommandError):
        call_command("bench", "no-such-benchmark")
    with pytest.raises(CommandError):
        call_command("bench", "quick", "--scale", "galactic")


@pytest.mark.parametrize("figures", [{}, {"nested": {"a": 1}}, {"label": "fast"}, {"flag": True}, {"x": float("nan")}])
def test_figures_must_be_a_flat_object_of_named_numbers(fake_benchmarks, tmp_path, figures):
    registry.benchmark("bad")(lambda scale, log: figures)
    with pytest.raises(CommandError):
        call_command("bench", "bad", "--results-dir", str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_api_smoke_is_registered():
    assert "api-smoke" in registry.benchmarks()


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1..100: the p-th percentile is p itself
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 95) == 0.0


@pytest.mark.django_db
def test_api_smoke_refuses_to_run_without_postgresql(monkeypatch, tmp_path):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench", "api-smoke", "--results-dir", str(tmp_path))


def scratch_database_exists():
    name = f"{connections['default'].settings_dict['NAME']}_bench"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def port_is_closed(base_url):
    parts = urlsplit(base_url)
    with socket.socket() as probe:
        return probe.connect_ex((parts.hostname, parts.port)) != 0


@pytest.mark.postgres
def test_api_smoke_runs_end_to_end_at_ci_scale(postgres, tmp_path, capsys):
    call_command("bench", "api-smoke", "--scale", "ci", "--results-dir", str(tmp_path))

    figures = json.loads((tmp_path / "api-smoke-ci.json").read_text())
    for name in [
        "institutions_list_rps",
        "institutions_list_p95_ms",
        "ping_rps",
        "ping_p95_ms",
        "ratio_list_to_ping_rps",
        "ratio_list_to_ping_p95",
        "rows",
        "requests",
    ]:
        assert figures[name] > 0, name
    assert figures["rows"] == 300
    assert figures["requests"] == 800  # 400 per endpoint at the ci scale
    assert json.loads(capsys.readouterr().out) == figures
    assert not scratch_database_exists()


@pytest.mark.postgres
def test_api_smoke_stops_gunicorn_and_drops_the_scratch_database_on_error(postgres, tmp_path, monkeypatch):
    seen = {}

    def failing_run(base_url, path, scale, headers, log):
        seen["base_url"] = base_url
        assert scratch_database_exists()
        raise registry.BenchmarkError("simulated failure under load")

    monkeypatch.setattr(api_smoke, "run_endpoint", failing_run)
    with pytest.raises(CommandError, match="simulated failure"):
        call_command("bench", "api-smoke", "--scale", "ci", "--results-dir", str(tmp_path))
    assert port_is_closed(seen["base_url"])
    assert not scratch_database_exists()
    assert not list(tmp_path.iterdir())


@pytest.mark.postgres
def test_api_smoke_leaves_a_foreign_database_of_the_scratch_name_alone(postgres, tmp_path):
    name = f"{connections['default'].settings_dict['NAME']}_bench"
    quoted = connections["default"].ops.quote_name(name)
    with connections["default"]._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {quoted}")
    try:
        with pytest.raises(CommandError, match="not a bench scratch database"):
            call_command("bench", "api-smoke", "--results-dir", str(tmp_path))
        assert scratch_database_exists()
    finally:
        with connections["default"]._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
