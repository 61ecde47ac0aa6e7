"""ops/backup and ops/restore round-trip the demo data: every record of every table comes back, byte for byte,
and so do the uploaded files."""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.conftest import require_service

OPS = Path(settings.BASE_DIR) / "ops"


def _url(name):
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _fingerprints(url):
    """{table: (rows, md5 of all rows in text form, sorted)} of every table of the public schema, read by psql
    so that both databases are read the same way."""
    query = """
        SELECT string_agg(format(
            'SELECT %L, count(*), md5(coalesce(string_agg(t::text, E''\\n'' ORDER BY t::text), '''')) FROM %I t',
            table_name, table_name), ' UNION ALL ')
        FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"""
    union = subprocess.run(["psql", "-XAt", url, "-c", query], check=True, capture_output=True, text=True).stdout
    rows = subprocess.run(["psql", "-XAt", "-F", "\t", url, "-c", union], check=True, capture_output=True, text=True)
    return {
        table: (int(count), digest)
        for table, count, digest in (line.split("\t") for line in rows.stdout.splitlines() if line)
    }


@pytest.fixture
def restore_target(postgres):
    for tool in ("pg_dump", "pg_restore", "psql"):
        if subprocess.run(["which", tool], capture_output=True).returncode:
            require_service(tool, "not installed")
    name = f"{connection.settings_dict['NAME']}_restored"

    def server(sql):  # outside any transaction, on the maintenance database
        subprocess.run(["psql", "-XAtq", _url("postgres"), "-c", sql], check=True, capture_output=True)

    server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server(f'CREATE DATABASE "{name}"')
    yield _url(name)
    server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_a_backup_of_the_demo_data_restores_every_record_and_file(
    transactional_db, restore_target, tmp_path, run_figure
):
    call_command("load_reference_data", verbosity=0)
    call_command("load_demo_data", verbosity=0)
    media = tmp_path / "media"
    (media / "imports").mkdir(parents=True)
    (media / "imports" / "figures.csv").write_text("service;year\nA;2025\n", encoding="utf-8")
    source = _url(connection.settings_dict["NAME"])
    environment = {**os.environ, "MEDIA_DIR": str(media)}

    backup = subprocess.run(
        [OPS / "backup", tmp_path / "backup"],
        env={**environment, "DATABASE_URL": source},
        check=True,
        capture_output=True,
        text=True,
    )
    assert backup.stdout.strip() == str(tmp_path / "backup")
    restored_media = tmp_path / "restored-media"
    subprocess.run(
        [OPS / "restore", tmp_path / "backup"],
        env={**environment, "DATABASE_URL": restore_target, "MEDIA_DIR": str(restored_media)},
        check=True,
        capture_output=True,
    )

    before, after = _fingerprints(source), _fingerprints(restore_target)
    assert after == before
    records = sum(rows for rows, _digest in before.values())
    # The demo data fills the registry, the catalogue, assessments, plans and the VPVKAC network: far more than
    # 100,000 rows (the network's hourly contact figures alone are over 250,000).
    assert records > 100_000 and len(before) > 50
    run_figure(f"{records:,} records in {len(before)} tables backed up, restored and found back unchanged")
    assert (restored_media / "imports" / "figures.csv").read_text(encoding="utf-8") == "service;year\nA;2025\n"


@pytest.mark.postgres
def test_a_restore_of_a_damaged_dump_fails_and_leaves_the_database_as_it_was(restore_target, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "database.dump").write_bytes(b"PGDMP not really a dump")
    before = _fingerprints(restore_target)
    result = subprocess.run(
        [OPS / "restore", tmp_path / "backup"],
        env={**os.environ, "DATABASE_URL": restore_target, "MEDIA_DIR": str(tmp_path / "media")},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "pg_restore" in result.stderr
    assert _fingerprints(restore_target) == before
