import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from bench import import_bench, registry
from services.bulk import COLUMNS


def test_import_is_registered_with_its_scales():
    assert "import" in registry.benchmarks()
    assert import_bench.SCALES["ci"].rows == 100_000
    assert import_bench.SCALES["national"].rows == 1_000_000


def test_a_generated_line_has_every_column_and_completed_never_above_started():
    for n in range(200):
        cells = import_bench.figure_line(n, "S1", "P1", 2020, "phone", digital=False).rstrip("\n").split(",")
        assert len(cells) == len(COLUMNS)
        values = dict(zip(COLUMNS, cells, strict=True))
        if values["started"]:
            assert int(values["completed"]) <= int(values["started"])
        if values["satisfaction_mean"]:
            assert 1 <= float(values["satisfaction_mean"]) <= 5


@pytest.mark.django_db
def test_import_refuses_to_run_without_postgresql(monkeypatch, tmp_path):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench", "import", "--results-dir", str(tmp_path))


def scratch_database_exists():
    name = f"{connections['default'].settings_dict['NAME']}_bench"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.mark.postgres
def test_import_runs_end_to_end_on_a_small_file(postgres, tmp_path, monkeypatch, capsys):
    # 3 services × 2 providers × 2 years × 10 channels = 120 rows, so the test stays quick.
    monkeypatch.setitem(import_bench.SCALES, "ci", import_bench.Scale(services=3, providers_per_service=2, years=2))

    call_command("bench", "import", "--scale", "ci", "--results-dir", str(tmp_path))

    figures = json.loads((tmp_path / "import-ci.json").read_text())
    assert figures["rows"] == 120
    for name in [
        "copy_seconds",
        "bulk_seconds",
        "rows_per_second",
        "ratio_to_copy",
        "reimport_seconds",
        "peak_memory_mb",
        "index_build_seconds",
    ]:
        assert figures[name] > 0, name
    assert figures["ratio_floor_to_copy"] > 1  # the COPY time plus the index builds, over the COPY time
    assert figures["check_seconds"] + figures["write_seconds"] == pytest.approx(figures["bulk_seconds"], abs=0.01)
    assert json.loads(capsys.readouterr().out) == figures
    assert not scratch_database_exists()


@pytest.mark.postgres
def test_a_rejected_file_stops_the_benchmark_and_drops_the_scratch_database(postgres, tmp_path, monkeypatch):
    monkeypatch.setitem(import_bench.SCALES, "ci", import_bench.Scale(services=1, providers_per_service=1, years=1))
    prepare_and_load = import_bench.run_child

    def run_child_breaking_the_file(database, *arguments):
        result = prepare_and_load(database, *arguments)
        if arguments[0] == "prepare":
            # The services are provided from 2010: a figure of 2005 is one the rules reject and the table takes.
            path = Path(arguments[-1])
            lines = path.read_text().splitlines(keepends=True)
            cells = lines[1].split(",")
            cells[2] = "2005"
            lines[1] = ",".join(cells)
            path.write_text("".join(lines))
        return result

    monkeypatch.setattr(import_bench, "run_child", run_child_breaking_the_file)
    with pytest.raises(CommandError, match="rejected"):
        call_command("bench", "import", "--scale", "ci", "--results-dir", str(tmp_path))
    assert not scratch_database_exists()
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_the_timed_import_queues_the_cost_recomputation_without_running_it(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    from datetime import date

    from accounts.models import Role
    from bench.dataset import COORDINATOR
    from services.models import CostRecomputation, RecomputationStatus, Service
    from services.reference_data import load_channels
    from tests.factories import InstitutionFactory, UserFactory

    settings.CELERY_TASK_ALWAYS_EAGER = True  # as in the bench's child; restored after the test
    load_channels()
    UserFactory(username=COORDINATOR, role=Role.COORDINATOR)
    provider = InstitutionFactory(short_name="P1")
    Service.objects.create(
        catalogue_id="S1", name_lv="Pakalpojums", holder=provider, valid_from=date(2010, 1, 1)
    ).providers.set([provider])
    path = tmp_path / "figures.csv"
    path.write_text(",".join(COLUMNS) + "\n" + import_bench.figure_line(1, "S1", "P1", 2020, "phone", digital=False))

    with django_capture_on_commit_callbacks(execute=True):
        load = import_bench.load_file(path)

    assert (load["rows"], load["created"], load["errors"]) == (1, 1, 0)
    job = CostRecomputation.objects.get()
    assert (job.scope, job.status) == ([[provider.pk, 2020]], RecomputationStatus.QUEUED)
