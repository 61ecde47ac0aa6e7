import json
from dataclasses import replace

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from bench import eindex_bench, registry


def test_eindex_is_registered_with_its_scales():
    assert "eindex" in registry.benchmarks()
    national, ci = eindex_bench.SCALES["national"], eindex_bench.SCALES["ci"]
    # 300 organisations × 150 answers × 4 rounds; ci is 1 % of the answers
    assert national.organisations * national.questions * national.rounds == 180_000
    assert ci.organisations * ci.questions * ci.rounds == 1_800


def test_statements_are_timed_by_what_they_write():
    timer = eindex_bench.StatementTimer()
    for sql in (
        "CREATE TEMPORARY TABLE scoring_answer_points AS WITH qo AS (…) SELECT …",
        "UPDATE assessments_answer SET points = p.points FROM …",
        "DELETE FROM assessments_score WHERE …",
        "INSERT INTO assessments_score (…) WITH RECURSIVE …",
        "SELECT pg_advisory_xact_lock(%s)",
    ):
        timer(lambda *args: None, sql, None, False, None)
    assert set(timer.seconds) == {"points", "answers", "delete", "scores", "other"}


@pytest.mark.django_db
def test_eindex_refuses_to_run_without_postgresql(monkeypatch, tmp_path):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench", "eindex", "--results-dir", str(tmp_path))


def scratch_database_exists():
    name = f"{connections['default'].settings_dict['NAME']}_bench"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.mark.postgres
def test_eindex_runs_end_to_end_and_the_reference_catches_a_wrong_stored_score(postgres, tmp_path, monkeypatch, capsys):
    # The ci scale with two timed runs: 30 organisations × 15 questions × 4 rounds, plus the reopened versions.
    monkeypatch.setitem(eindex_bench.SCALES, "ci", replace(eindex_bench.SCALES["ci"], incremental_runs=2))
    measure = eindex_bench.run_child

    def run_child_spoiling_one_stored_score(database, *arguments):
        result = measure(database, *arguments)
        if arguments[0] == "full":
            with psycopg.connect(database.url) as connection:
                connection.execute(
                    "UPDATE assessments_score SET score = score + 1 "
                    "WHERE id = (SELECT MIN(id) FROM assessments_score WHERE score IS NOT NULL)"
                )
        return result

    monkeypatch.setattr(eindex_bench, "run_child", run_child_spoiling_one_stored_score)
    call_command("bench", "eindex", "--scale", "ci", "--results-dir", str(tmp_path))

    figures = json.loads((tmp_path / "eindex-ci.json").read_text())
    assert figures["organisations"] == 30
    assert figures["answers"] == figures["assessments"] * 15
    assert figures["assessments"] > 30 * 4  # some reopened: their new versions too
    # per assessment: 5 scored areas and the overall score
    assert figures["scores"] == figures["assessments"] * 6
    assert figures["reference_mismatches"] == 1  # the spoiled score, and no other
    for name in ["full_seconds", "reference_seconds", "ratio_full_to_reference", "incremental_latest_ms"]:
        assert figures[name] > 0, name
    assert figures["incremental_first_round_ms"] > 0
    assert json.loads(capsys.readouterr().out) == figures
    assert not scratch_database_exists()
