import json
from decimal import Decimal
from types import SimpleNamespace

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from bench import costs_bench, registry


def test_costs_is_registered_with_its_scales():
    assert "costs" in registry.benchmarks()
    national = costs_bench.SCALES["national"]
    assert (national.services, national.templates * national.template_providers) == (10_000, 2_000)
    assert national.figure_rows == 6_000_000
    assert costs_bench.SCALES["ci"].figure_rows == 60_000


def figure(period_type, completed, started=None, minutes=None, responses=None, mean=None, scale=(1, 5)):
    return SimpleNamespace(
        period_type=period_type,
        completed=completed,
        started=started,
        client_minutes=minutes,
        satisfaction_responses=responses,
        satisfaction_mean=mean,
        rating_scale_min=scale[0],
        rating_scale_max=scale[1],
    )


def test_the_naive_loop_sums_a_channel_at_the_coarsest_period_reported():
    rows = [
        figure("year", 100, started=120, minutes=Decimal("6"), responses=10, mean=Decimal("4")),
        figure("month", 60, started=60),  # the year is reported too: months are not counted again
        figure("month", 50, minutes=Decimal("3")),
    ]
    sums = costs_bench._sums(rows)
    # satisfaction (4 − 1) / (5 − 1) × 100 = 75 points per response; hours 100 × 6 / 60 = 10
    assert sums == {
        "t": 100,
        "s": 120,
        "t_s": 100,
        "resp": 10,
        "points": Decimal(750),
        "burden_t": 100,
        "hours": Decimal(10),
    }


def test_the_naive_loop_combines_a_1_to_10_scale_with_a_1_to_5_scale():
    rows = [
        figure("month", 10, responses=2, mean=Decimal("10"), scale=(1, 10)),  # 100 points each
        figure("month", 10, responses=2, mean=Decimal("1"), scale=(1, 5)),  # 0 points each
    ]
    sums = costs_bench._sums(rows)
    assert (sums["points"], sums["resp"], sums["s"]) == (Decimal(200), 4, None)


@pytest.mark.django_db
def test_costs_refuses_to_run_without_postgresql(monkeypatch, tmp_path):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench", "costs", "--results-dir", str(tmp_path))


def scratch_database_exists():
    name = f"{connections['default'].settings_dict['NAME']}_bench"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.mark.postgres
def test_costs_runs_end_to_end_and_the_floor_catches_a_wrong_stored_figure(postgres, tmp_path, monkeypatch, capsys):
    # 2 templates × 3 municipal bodies + 4 state services = 10 services; 10 × 2 years × 12 months × 10 channels
    # = 2,400 figure rows; 10 services × 2 years × (10 channels + 1 total) = 220 cost figures.
    tiny = costs_bench.Scale(
        institutions=30,
        templates=2,
        template_providers=3,
        state_services=4,
        years=2,
        sample_every=5,
        incremental_runs=2,
    )
    monkeypatch.setitem(costs_bench.SCALES, "ci", tiny)
    measure = costs_bench.run_child

    def run_child_spoiling_one_stored_cost(database, *arguments):
        result = measure(database, *arguments)
        if arguments[0] == "full":
            with psycopg.connect(database.url) as connection:
                connection.execute(
                    "UPDATE services_costfigure SET cost = cost + 1 "
                    "WHERE id = (SELECT MIN(id) FROM services_costfigure WHERE channel_id IS NULL)"
                )
        return result

    monkeypatch.setattr(costs_bench, "run_child", run_child_spoiling_one_stored_cost)
    call_command("bench", "costs", "--scale", "ci", "--results-dir", str(tmp_path))

    figures = json.loads((tmp_path / "costs-ci.json").read_text())
    assert (figures["services"], figures["figure_rows"], figures["cost_figure_rows"]) == (10, 2400, 220)
    assert figures["floor_mismatches"] == 1  # the spoiled row, and no other
    assert figures["naive_sample_services"] == 2  # services 1 and 6 of 10
    for name in [
        "full_seconds",
        "floor_seconds",
        "ratio_full_to_floor",
        "naive_scaled_seconds",
        "ratio_naive_to_full",
        "incremental_state_ms",
        "incremental_municipal_ms",
        "peak_memory_mb",
    ]:
        assert figures[name] > 0, name
    # Both are rounded to milliseconds, so the sample's rounding (up to 0.5 ms) is scaled too.
    assert figures["naive_scaled_seconds"] == pytest.approx(
        figures["naive_sample_seconds"] * 5, abs=0.0005 * 5 + 0.0005
    )
    assert json.loads(capsys.readouterr().out) == figures
    assert not scratch_database_exists()
