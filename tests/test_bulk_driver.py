"""The shared driver of the bulk imports (config/bulk.py): reading files, the error log, progress, staging, batches,
the large-load index rebuild, running an import all or nothing, and who sees which jobs."""

import io

import pytest
from django.db import IntegrityError, connection, transaction
from openpyxl import Workbook

from accounts.models import Role
from config import bulk
from config.bulk import ErrorLog, ImportResult, ImportStatus, Staging, Throttle
from services.models import BulkImport, ServiceFigure
from tests.factories import UserFactory
from vpvkac.models import ContactImport

# --- reading -------------------------------------------------------------------------------------------------


def write_bytes(tmp_path, content, name="rows.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_read_rows_strips_cells_reads_semicolons_and_skips_the_byte_order_mark(tmp_path):
    path = write_bytes(tmp_path, "\ufeffa;b;c\r\n 1 ;;x\r\n".encode())
    assert list(bulk.read_rows(path)) == [["a", "b", "c"], ["1", None, "x"]]


def test_read_rows_of_a_sheet_gives_whole_numbers_as_integers(tmp_path):
    workbook = Workbook()
    workbook.active.append(["a", "b", "c"])
    workbook.active.append([2.0, 2.5, " text "])
    path = tmp_path / "rows.xlsx"
    workbook.save(path)
    assert list(bulk.read_rows(path)) == [["a", "b", "c"], [2, 2.5, "text"]]
    assert bulk.count_rows(path) == 1


def test_count_rows_counts_the_lines_after_the_header_with_or_without_a_last_line_break(tmp_path):
    assert bulk.count_rows(write_bytes(tmp_path, b"h\n1\n2\n")) == 2
    assert bulk.count_rows(write_bytes(tmp_path, b"h\n1\n2")) == 2
    assert bulk.count_rows(write_bytes(tmp_path, b"")) == 0


def test_a_plain_csv_is_copyable_with_its_header_and_where_its_rows_start(tmp_path):
    content = "\ufeffservice;year\r\nVP-1;2023\r\n".encode()
    layout = bulk.copyable_csv(write_bytes(tmp_path, content))
    # The byte order mark (3 bytes) and "service;year\r\n" (14 bytes) come before the first row, which
    # "VP-1;2023\r\n" (11 bytes) ends the file at 17 + 11 = 28 bytes.
    assert (layout.delimiter, layout.header, layout.data_offset, layout.size) == (";", ["service", "year"], 17, 28)


@pytest.mark.parametrize(
    "content",
    [
        b'"service",year\n1,2\n',  # a quoted header
        b"service,year\n1,2\n\\.\n3,4\n",  # a line COPY reads as the end of its data
        b"service,year\n1,2\n\\.",  # the same, as the last line
        b"service,year\r1,2\r",  # line breaks of old Macs
        b"\xff\xfeservice,year\n",  # not UTF-8
        b"",  # empty
    ],
)
def test_a_csv_copy_would_read_otherwise_is_not_copyable(tmp_path, content):
    assert bulk.copyable_csv(write_bytes(tmp_path, content)) is None


def test_a_sheet_is_not_copyable(tmp_path):
    workbook = Workbook()
    path = tmp_path / "rows.xlsx"
    workbook.save(path)
    assert bulk.copyable_csv(path) is None


# --- the error log -------------------------------------------------------------------------------------------


def test_the_error_log_keeps_the_first_errors_and_reports_every_one(monkeypatch):
    monkeypatch.setattr(bulk, "FIRST_ERRORS_KEPT", 2)
    result, report = ImportResult(), io.StringIO()
    log = ErrorLog(result, report)
    for row in (2, 3, 4):
        log.reject(row, "year", None, "is required")

    assert (result.error_count, result.rejected) == (3, True)
    assert result.first_errors == [(2, "year", None, "is required"), (3, "year", None, "is required")]
    assert report.getvalue().splitlines() == [
        "row,column,value,reason",
        "2,year,,is required",
        "3,year,,is required",
        "4,year,,is required",
    ]


def test_rewinding_the_error_log_forgets_the_errors_since_its_checkpoint():
    result, report = ImportResult(), io.StringIO()
    log = ErrorLog(result, report)
    log.reject(2, "year", "x", "bad")
    checkpoint = log.checkpoint()
    log.reject(3, "year", "y", "bad")
    log.reject(4, "year", "z", "bad")

    log.rewind(checkpoint)
    log.reject(5, "year", "w", "bad")

    assert (result.error_count, [error[0] for error in result.first_errors]) == (2, [2, 5])
    assert report.getvalue().splitlines() == ["row,column,value,reason", "2,year,x,bad", "5,year,w,bad"]


def test_created_ids_widen_to_cover_every_batch():
    result = ImportResult()
    result.note_created_ids(None, None)  # a batch that created nothing
    result.note_created_ids(11, 20)
    result.note_created_ids(5, 8)
    assert (result.first_created_id, result.last_created_id) == (5, 20)


# --- progress and batches --------------------------------------------------------------------------------------


def test_the_throttle_reports_at_most_once_per_interval_unless_forced(monkeypatch):
    calls, clock = [], iter([100.0, 100.1, 100.7, 100.8])
    monkeypatch.setattr(bulk.time, "monotonic", lambda: next(clock))
    throttle = Throttle(lambda *call: calls.append(call), interval=0.5)

    throttle("validating", 1, 10)  # 100.0: the first report
    throttle("validating", 2, 10)  # 100.1: too soon
    throttle("validating", 3, 10)  # 100.7: 0.7 s after the last report
    throttle("importing", 0, 10, force=True)  # 100.8: forced

    assert calls == [("validating", 1, 10), ("validating", 3, 10), ("importing", 0, 10)]


def test_batches_cover_the_row_numbers_and_report_progress_as_they_go():
    calls, ranges = [], []

    def write_batch(low, high):
        ranges.append((low, high))
        return len(range(max(low, 2), min(high, 8)))  # rows 2…7 are staged

    written = bulk.write_in_batches((2, 7), 4, write_batch, Throttle(lambda *c: calls.append(c), 0), total=6)

    assert (written, ranges) == (6, [(2, 6), (6, 10)])
    assert [processed for _stage, processed, _total in calls] == [0, 4, 6, 6]
    assert {stage for stage, _processed, _total in calls} == {ImportStatus.IMPORTING}


def test_an_empty_staging_table_writes_no_batch():
    calls = []
    assert bulk.write_in_batches((None, None), 4, None, Throttle(lambda *c: calls.append(c), 0), total=0) == 0
    assert calls == [(ImportStatus.IMPORTING, 0, 0), (ImportStatus.IMPORTING, 0, 0)]


# --- staging ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staged_rows_come_back_with_their_row_numbers(monkeypatch):
    staging = Staging(connection, "test_bulk_staging", [("name", "text"), ("amount", "integer")], batch_size=2)
    staging.create()
    for row in [(2, "a", 1), (3, "b", None), (5, "c", 3)]:
        staging.add(row)
    staging.index_row_numbers()

    assert (staging.rows, staging.row_number_bounds()) == (3, (2, 5))
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_number, name, amount FROM test_bulk_staging ORDER BY row_number")
        assert cursor.fetchall() == [(2, "a", 1), (3, "b", None), (5, "c", 3)]
    staging.drop()


@pytest.mark.postgres
def test_a_csv_sent_to_copy_numbers_its_rows_from_two(postgres, tmp_path):
    path = write_bytes(tmp_path, "name;amount\nä;1\n;\nc;3\n".encode())
    layout = bulk.copyable_csv(path)
    staging = Staging(postgres, "test_bulk_staging", [("name", "text"), ("amount", "integer")])
    staging.create()
    sent = []

    assert staging.copy_csv(path, layout, lambda done, size: sent.append((done, size))) == 3

    with postgres.cursor() as cursor:
        cursor.execute("SELECT row_number, name, amount FROM test_bulk_staging ORDER BY row_number")
        assert cursor.fetchall() == [(2, "ä", 1), (3, None, None), (4, "c", 3)]
    assert sent[-1] == (layout.size, layout.size)


@pytest.mark.postgres
def test_a_cell_copy_cannot_read_fails_the_copy_with_a_data_exception(postgres, tmp_path):
    path = write_bytes(tmp_path, b"name,amount\na,1\nb,many\n")
    staging = Staging(postgres, "test_bulk_staging", [("name", "text"), ("amount", "integer")])
    with pytest.raises(Exception) as raised, transaction.atomic():
        staging.create()
        staging.copy_csv(path, bulk.copyable_csv(path))
    assert raised.value.sqlstate == "22P02"  # invalid_text_representation


# --- the large-load rebuild -------------------------------------------------------------------------------------


def table_definition(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexdef", [table])
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "ORDER BY conname",
            [table],
        )
        return indexes, cursor.fetchall()


@pytest.mark.postgres
def test_a_large_load_sets_foreign_keys_unique_constraints_and_indexes_aside_and_builds_them_again(postgres):
    table = ServiceFigure._meta.db_table
    before = table_definition(table)
    load = bulk.LargeLoad(postgres, ServiceFigure)

    load.set_aside()
    indexes, constraints = table_definition(table)
    assert indexes == [(f"CREATE UNIQUE INDEX {table}_pkey ON public.{table} USING btree (id)",)]
    assert {kind for _name, definition in constraints for kind in ("FOREIGN", "UNIQUE") if kind in definition} == set()
    load.restore()

    assert table_definition(table) == before
    assert len(load.constraints) == 4 and len(load.indexes) == 2  # 3 foreign keys and the natural key; 2 indexes


@pytest.mark.postgres
def test_a_large_load_that_only_inserts_sets_the_primary_key_aside_too_unless_a_foreign_key_needs_it(postgres):
    from services.models import Service

    table = ServiceFigure._meta.db_table
    before = table_definition(table)
    load = bulk.LargeLoad(postgres, ServiceFigure, primary_key=True)

    load.set_aside()
    indexes, constraints = table_definition(table)
    assert indexes == []
    assert not any("PRIMARY KEY" in definition for _name, definition in constraints)
    load.restore()

    assert table_definition(table) == before
    assert [definition for _name, definition in load.constraints][0] == "PRIMARY KEY (id)"  # built first

    referred_to = Service._meta.db_table  # the figures' foreign key needs its primary key
    before = table_definition(referred_to)
    load = bulk.LargeLoad(postgres, Service, primary_key=True)
    load.set_aside()
    assert f"CREATE UNIQUE INDEX {referred_to}_pkey ON public.{referred_to} USING btree (id)" in [
        definition for (definition,) in table_definition(referred_to)[0]
    ]
    load.restore()
    assert table_definition(referred_to) == before


@pytest.mark.postgres
def test_building_the_unique_constraint_again_refuses_a_duplicate(postgres):
    from tests.services.factories import ServiceFigureFactory

    figure = ServiceFigureFactory()
    load = bulk.LargeLoad(postgres, ServiceFigure)
    load.set_aside()
    ServiceFigure.objects.bulk_create([ServiceFigure(**{**_values(figure), "id": None})])  # the same natural key

    with pytest.raises(IntegrityError) as raised:
        load.restore()
    assert bulk.sqlstate(raised.value) == bulk.UNIQUE_VIOLATION


def _values(figure):
    return {field.attname: getattr(figure, field.attname) for field in ServiceFigure._meta.concrete_fields}


# --- running ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_with_an_error_writes_nothing(tmp_path):
    path = write_bytes(tmp_path, b"h\n1\n")
    user = UserFactory()

    def body(connection, result, log, throttle):
        BulkImport.objects.create(file="x.csv", uploaded_by=user)
        log.reject(2, "h", "1", "bad")

    result = bulk.run_import(path, body)

    assert (result.rejected, result.total_rows) == (True, 1)
    assert not BulkImport.objects.exists()


@pytest.mark.django_db
def test_a_job_names_its_import_in_the_change_reason():
    assert BulkImport.objects.create(file="a.csv").change_reason.startswith("bulk import #")
    job = ContactImport.objects.create(file="a.csv")
    assert job.change_reason == f"contact import #{job.pk}"


@pytest.mark.django_db
def test_users_see_their_own_jobs_and_the_coordinator_sees_all():
    editor, other = UserFactory(role=Role.EDITOR), UserFactory(role=Role.EDITOR)
    coordinator = UserFactory(role=Role.COORDINATOR)
    mine = ContactImport.objects.create(file="a.csv", uploaded_by=editor)
    theirs = ContactImport.objects.create(file="b.csv", uploaded_by=other)
    every = ContactImport.objects.all()

    assert list(bulk.visible_jobs(editor, every)) == [mine]
    assert set(bulk.visible_jobs(coordinator, every)) == {mine, theirs}
    assert not bulk.visible_jobs(None, every).exists()
    other.is_active = False
    assert not bulk.visible_jobs(other, every).exists()
