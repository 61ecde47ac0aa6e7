import json

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from bench import registry, vpvkac_bench


def test_vpvkac_is_registered_with_its_scales():
    assert "vpvkac" in registry.benchmarks()
    national = vpvkac_bench.SCALES["national"]
    # 170 centres and 30 stops are the 200 service points of the coverage; 5,000 settlements; three years.
    assert (national.centres + national.stops, national.settlements, national.years) == (200, 5000, 3)
    ci = vpvkac_bench.SCALES["ci"]
    assert (ci.centres - ci.idle_centres, ci.years) == (5, 1)


@pytest.mark.django_db
def test_vpvkac_refuses_to_run_without_postgresql(monkeypatch, tmp_path):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench", "vpvkac", "--results-dir", str(tmp_path))


def scratch_database_exists():
    name = f"{connections['default'].settings_dict['NAME']}_bench"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.mark.postgres
def test_vpvkac_runs_at_ci_scale_and_the_reference_catches_a_wrong_stored_figure(
    postgres, tmp_path, monkeypatch, capsys
):
    measure = vpvkac_bench.run_child

    def run_child_spoiling_one_stored_figure(database, *arguments):
        result = measure(database, *arguments)
        if arguments[0] == "full":
            with psycopg.connect(database.url) as connection:
                connection.execute(
                    "UPDATE vpvkac_centrefigure SET services = services + 1 "
                    "WHERE id = (SELECT MIN(id) FROM vpvkac_centrefigure)"
                )
        return result

    monkeypatch.setattr(vpvkac_bench, "run_child", run_child_spoiling_one_stored_figure)
    call_command("bench", "vpvkac", "--scale", "ci", "--results-dir", str(tmp_path))

    figures = json.loads((tmp_path / "vpvkac-ci.json").read_text())
    # 6 centres (one without figures) × (1 yearly period + its first quarter) = 12 centre rows; 6 centres and 2 stops
    # are the service points; 50 settlements.
    assert (figures["centres"], figures["centre_figure_rows"]) == (6, 12)
    assert (figures["service_points"], figures["settlements"]) == (8, 50)
    # About 1 % of the national scale's 4.9 million rows: 5 centres × 261 weekdays × (9 slots × 4.05 kinds + 1).
    assert 40_000 < figures["contact_rows"] < 60_000
    assert figures["reference_mismatches"] == 1  # the spoiled row, and no other
    for name in ["full_seconds", "reference_seconds", "ratio_full_to_reference", "incremental_ms", "coverage_seconds"]:
        assert figures[name] > 0, name
    assert json.loads(capsys.readouterr().out) == figures
    assert not scratch_database_exists()
