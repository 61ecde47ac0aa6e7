"""The bulk path for large figure files (services/bulk.py), its Celery task and its pages."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from accounts.models import Role
from services import bulk
from services.bulk import COLUMNS, import_figures_csv
from services.models import BulkImport, Channel, ImportStatus, Service, ServiceFigure
from services.reference_data import load_channels
from services.tasks import run_bulk_import
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = list(COLUMNS)


def row(service="VP-1", provider="ALPHA", year=2023, period_type="year", period_number=0, channel="portal", **values):
    figures = {
        "started": 100,
        "completed": 90,
        "consultations": 5,
        "client_minutes": "12.5",
        "satisfaction_responses": 20,
        "satisfaction_mean": "4.250",
        "rating_scale_min": 1,
        "rating_scale_max": 5,
    }
    figures.update(values)
    cells = [service, provider, year, period_type, period_number, channel, *(figures[name] for name in COLUMNS[6:])]
    return ["" if cell is None else cell for cell in cells]


def write_csv(path, rows, header=HEADER, delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def catalogue():
    """Two institutions, a service both provide since 2015, and the channel code list."""
    load_channels()
    alpha = InstitutionFactory(short_name="ALPHA")
    beta = InstitutionFactory(short_name="BETA")
    service = Service.objects.create(
        catalogue_id="VP-1", name_lv="Pakalpojums", holder=alpha, valid_from=date(2015, 1, 1)
    )
    service.providers.set([alpha, beta])
    return {"alpha": alpha, "beta": beta, "service": service}


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR)


@pytest.fixture
def alpha_editor(catalogue):
    return UserFactory(role=Role.EDITOR, member_of=[catalogue["alpha"]])


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


CLEAN_ROWS = [
    row(channel="portal"),
    row(channel="phone", started=None, completed=40, satisfaction_mean=None, satisfaction_responses=None),
    row(provider="BETA", year=2024, period_type="quarter", period_number=2, channel="post", client_minutes=None),
]


def run(path, user, report=None):
    with translation.override("en"):
        return import_figures_csv(path, user, error_report=report)


def test_a_clean_file_creates_its_figures_and_the_result_names_their_ids(catalogue, coordinator, tmp_path):
    result = run(write_csv(tmp_path / "figures.csv", CLEAN_ROWS), coordinator)

    assert not result.rejected
    assert (result.total_rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    phone = ServiceFigure.objects.get(channel__code="phone")
    assert (phone.started, phone.completed, phone.satisfaction_mean) == (None, 40, None)
    portal = ServiceFigure.objects.get(channel__code="portal")
    assert (portal.client_minutes, portal.satisfaction_mean) == (Decimal("12.5"), Decimal("4.250"))
    quarter = ServiceFigure.objects.get(provider=catalogue["beta"])
    assert (quarter.year, quarter.period_type, quarter.period_number) == (2024, "quarter", 2)
    # The import is the audit record of the figures it created: their ids are one contiguous range, and no
    # history row is written per created figure.
    ids = sorted(ServiceFigure.objects.values_list("pk", flat=True))
    assert (result.first_created_id, result.last_created_id) == (ids[0], ids[-1])
    assert ids == list(range(ids[0], ids[0] + 3))
    assert not ServiceFigure.history.exists()


def test_the_ids_of_created_figures_are_the_files_alone_when_it_also_updates(catalogue, coordinator, tmp_path):
    run(write_csv(tmp_path / "first.csv", CLEAN_ROWS[:1]), coordinator)
    stored = ServiceFigure.objects.get()
    rows = [row(channel="portal", started=120), *CLEAN_ROWS[1:]]  # row 2 updates, rows 3 and 4 are new

    result = run(write_csv(tmp_path / "second.csv", rows), coordinator)

    assert (result.created, result.updated) == (2, 1)
    created = sorted(ServiceFigure.objects.exclude(pk=stored.pk).values_list("pk", flat=True))
    assert result.first_created_id == created[0] and result.last_created_id == created[-1]
    assert stored.pk < result.first_created_id
    later = ServiceFigure.objects.create(
        service=catalogue["service"], provider=catalogue["alpha"], year=2016, channel=stored.channel, completed=1
    )
    assert later.pk > result.last_created_id  # the sequence went past the ids the file took


def test_sending_the_same_file_again_changes_nothing(catalogue, coordinator, tmp_path):
    path = write_csv(tmp_path / "figures.csv", CLEAN_ROWS)
    run(path, coordinator)
    stamps = dict(ServiceFigure.objects.values_list("pk", "updated_at"))

    again = run(path, coordinator)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert dict(ServiceFigure.objects.values_list("pk", "updated_at")) == stamps
    assert not ServiceFigure.history.exists()  # no history row for an unchanged figure
    assert (again.first_created_id, again.last_created_id) == (None, None)


def test_a_changed_value_updates_only_that_figure(catalogue, coordinator, tmp_path):
    run(write_csv(tmp_path / "first.csv", CLEAN_ROWS), coordinator)
    portal_before = ServiceFigure.objects.get(channel__code="portal")
    phone_before = ServiceFigure.objects.get(channel__code="phone")
    changed = [row(channel="portal", completed=95, satisfaction_mean="4.5"), *CLEAN_ROWS[1:]]

    result = run(write_csv(tmp_path / "second.csv", changed), coordinator)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    portal = ServiceFigure.objects.get(pk=portal_before.pk)
    assert (portal.completed, portal.satisfaction_mean) == (95, Decimal("4.500"))
    assert portal.updated_at > portal_before.updated_at
    assert ServiceFigure.objects.get(pk=phone_before.pk).updated_at == phone_before.updated_at
    [change] = ServiceFigure.history.all()  # one history row: the changed figure's
    assert (change.id, change.history_type, change.history_user, change.history_change_reason) == (
        portal.pk,
        "~",
        coordinator,
        "bulk import",
    )
    assert (change.completed, change.satisfaction_mean) == (95, Decimal("4.500"))
    assert ServiceFigure.objects.count() == 3


def read_report(report):
    report.seek(0)
    return list(csv.DictReader(report))


def test_a_file_with_bad_rows_is_rejected_with_every_error_named_and_nothing_written(catalogue, coordinator, tmp_path):
    ServiceFigure.objects.create(
        service=catalogue["service"],
        provider=catalogue["alpha"],
        year=2022,
        channel=Channel.objects.get(code="post"),
        completed=7,
    )
    rows = [
        row(channel="portal"),  # row 2: clean
        row(service="VP-404", channel="phone"),  # row 3
        row(channel="post", started=10, completed=12),  # row 4
        row(channel="own_site", consultations=-3),  # row 5
        row(channel="mobile_app", started="many"),  # row 6
        row(channel="e_address", year=2010),  # row 7: before the service existed
        row(channel="portal"),  # row 8: the same key as row 2
        row(provider="GAMMA", channel="phone"),  # row 9
        row(channel="phone", satisfaction_mean="4.2505"),  # row 10
    ]
    report = io.StringIO()

    result = run(write_csv(tmp_path / "bad.csv", rows), coordinator, report)

    assert result.rejected
    errors = {(int(e["row"]), e["column"]): e for e in read_report(report)}
    assert set(errors) == {
        (3, "service"),
        (4, "completed"),
        (5, "consultations"),
        (6, "started"),
        (7, "year"),
        (9, "provider"),
        (8, "service, provider, year, period_type, period_number, channel"),
        (10, "satisfaction_mean"),
    }
    assert errors[(3, "service")]["value"] == "VP-404"
    assert errors[(3, "service")]["reason"] == "no service with the catalogue identifier “VP-404”"
    assert errors[(4, "completed")]["reason"] == "12 completed is more than 10 started"
    assert errors[(5, "consultations")]["reason"] == "must not be negative (-3)"
    assert errors[(6, "started")]["reason"] == "“many” is not a whole number"
    assert errors[(10, "satisfaction_mean")]["reason"] == "4.2505 has more than 3 decimal places"
    assert errors[(8, "service, provider, year, period_type, period_number, channel")]["reason"] == (
        "the same service, provider, period and channel as row 2"
    )
    assert result.error_count == 8
    assert ServiceFigure.objects.count() == 1  # only the figure that was there before
    assert ServiceFigure.history.count() == 1


def test_a_duplicate_key_inside_the_file_is_rejected_naming_the_first_row(catalogue, coordinator, tmp_path):
    rows = [row(channel="portal"), row(channel="phone"), row(channel="portal", completed=1)]
    report = io.StringIO()

    result = run(write_csv(tmp_path / "dup.csv", rows), coordinator, report)

    assert result.rejected
    [error] = read_report(report)
    assert (error["row"], error["column"]) == ("4", "service, provider, year, period_type, period_number, channel")
    assert error["reason"] == "the same service, provider, period and channel as row 2"
    assert not ServiceFigure.objects.exists()


def test_an_editor_cannot_import_another_institutions_rows(catalogue, alpha_editor, tmp_path):
    report = io.StringIO()

    result = run(write_csv(tmp_path / "figures.csv", CLEAN_ROWS), alpha_editor, report)

    assert result.rejected
    [error] = read_report(report)
    assert (error["row"], error["column"], error["value"]) == ("4", "provider", "BETA")
    assert error["reason"] == "you may not report figures for “BETA”"
    assert not ServiceFigure.objects.exists()


def test_an_editor_imports_their_own_institutions_rows(catalogue, alpha_editor, tmp_path):
    result = run(write_csv(tmp_path / "figures.csv", CLEAN_ROWS[:2]), alpha_editor)
    assert (result.rejected, result.created) == (False, 2)


def test_a_file_without_a_required_column_is_rejected_before_any_row(catalogue, coordinator, tmp_path):
    header = [column for column in HEADER if column not in ("channel", "rating_scale_max")]
    rows = [[cell for column, cell in zip(HEADER, r, strict=True) if column in header] for r in CLEAN_ROWS]
    report = io.StringIO()

    result = run(write_csv(tmp_path / "figures.csv", rows, header=header), coordinator, report)

    assert [(e["row"], e["column"], e["reason"]) for e in read_report(report)] == [
        ("1", "channel", "the column is missing"),
        ("1", "rating_scale_max", "the column is missing"),
    ]
    assert result.rejected and not ServiceFigure.objects.exists()


def test_a_file_that_is_not_utf8_is_rejected_with_a_reason(catalogue, coordinator, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes((",".join(HEADER) + "\n").encode() + ",".join(str(c) for c in row(provider="ĀĶ")).encode("cp1257"))
    report = io.StringIO()

    result = run(path, coordinator, report)

    [error] = read_report(report)
    assert "not UTF-8" in error["reason"]
    assert result.rejected and not ServiceFigure.objects.exists()


def test_values_beyond_their_columns_are_rejected_not_overflowed(catalogue, coordinator, tmp_path):
    rows = [row(started=3_000_000_000, completed=1), row(channel="phone", client_minutes="12345678.5")]
    report = io.StringIO()

    run(write_csv(tmp_path / "big.csv", rows), coordinator, report)

    assert {(e["row"], e["column"], e["reason"]) for e in read_report(report)} == {
        ("2", "started", "3000000000 is outside -2147483648–2147483647"),
        ("3", "client_minutes", "12345678.5 is too large"),
    }


def test_progress_is_reported_by_stage_and_reaches_the_total(catalogue, coordinator, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 2)
    monkeypatch.setattr(bulk, "PROGRESS_INTERVAL", 0)
    rows = [row(year=year, channel=channel) for year in (2021, 2022, 2023) for channel in ("portal", "phone")]
    calls = []

    result = import_figures_csv(
        write_csv(tmp_path / "figures.csv", rows), coordinator, progress=lambda *call: calls.append(call)
    )

    assert result.created == 6
    assert calls[0] == (ImportStatus.VALIDATING, 0, 6)  # the total was counted before the first row
    assert (ImportStatus.VALIDATING, 6, 6) in calls
    importing = [processed for stage, processed, total in calls if stage == ImportStatus.IMPORTING]
    assert importing[0] == 0 and importing[-1] == 6
    assert importing == sorted(importing) and {2, 4} <= set(importing)  # 6 rows in batches of 2


def test_a_semicolon_file_with_decimal_commas_and_a_byte_order_mark(catalogue, coordinator, tmp_path):
    path = tmp_path / "excel.csv"
    text = (
        ";".join(HEADER)
        + "\r\n"
        + ";".join(str(c) for c in row(client_minutes="7,5", satisfaction_mean="4,1"))
        + "\r\n"
    )
    path.write_bytes(text.encode("utf-8-sig"))

    result = run(path, coordinator)

    assert (result.rejected, result.created) == (False, 1)
    figure = ServiceFigure.objects.get()
    assert (figure.client_minutes, figure.satisfaction_mean) == (Decimal("7.5"), Decimal("4.1"))


def test_an_xlsx_file_is_imported_and_its_blank_rows_skipped(catalogue, coordinator, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for cells in CLEAN_ROWS:
        sheet.append([None if cell == "" else cell for cell in cells])
    sheet.append([None] * len(HEADER))  # a blank row is skipped
    sheet.append(row(channel="vpvkac_in_person", satisfaction_mean=4.25, client_minutes=3.0))
    path = tmp_path / "figures.xlsx"
    workbook.save(path)

    result = run(path, coordinator)

    assert (result.rejected, result.total_rows, result.created) == (False, 4, 4)
    assert ServiceFigure.objects.get(channel__code="vpvkac_in_person").satisfaction_mean == Decimal("4.250")


def test_the_task_records_progress_counts_and_the_error_report_on_the_import(catalogue, coordinator, tmp_path, media):
    good = BulkImport.objects.create(
        file=SimpleUploadedFile("good.csv", write_csv(tmp_path / "good.csv", CLEAN_ROWS).read_bytes()),
        uploaded_by=coordinator,
    )
    bad = BulkImport.objects.create(
        file=SimpleUploadedFile("bad.csv", write_csv(tmp_path / "bad.csv", [row(service="NOPE")]).read_bytes()),
        uploaded_by=coordinator,
    )

    assert run_bulk_import.delay(good.pk, "en").get() == ImportStatus.DONE
    assert run_bulk_import.delay(bad.pk, "en").get() == ImportStatus.REJECTED

    good.refresh_from_db()
    assert (good.total_rows, good.processed_rows, good.created_count, good.error_count) == (3, 3, 3, 0)
    assert good.started_at <= good.finished_at and not good.error_report
    figures = list(ServiceFigure.objects.order_by("pk"))
    assert (good.first_created_id, good.last_created_id) == (figures[0].pk, figures[-1].pk)
    assert {bulk.creating_import(figure) for figure in figures} == {good}
    bad.refresh_from_db()
    assert (bad.status, bad.error_count, bad.created_count) == (ImportStatus.REJECTED, 1, 0)
    with bad.error_report.open("rb") as handle:
        lines = handle.read().decode().splitlines()
    assert lines[0] == "row,column,value,reason"
    assert lines[1].startswith("2,service,NOPE,")
    assert run_bulk_import.delay(good.pk, "en").get() == ImportStatus.DONE  # a finished import is not run again
    assert ServiceFigure.objects.count() == 3


def test_a_broken_import_is_marked_failed(catalogue, coordinator, tmp_path, media, monkeypatch):
    bulk_import = BulkImport.objects.create(
        file=SimpleUploadedFile("good.csv", write_csv(tmp_path / "good.csv", CLEAN_ROWS).read_bytes()),
        uploaded_by=coordinator,
    )

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bulk, "import_figures_csv", broken)
    assert run_bulk_import.delay(bulk_import.pk).get() == ImportStatus.FAILED
    bulk_import.refresh_from_db()
    assert bulk_import.message == "disk on fire" and bulk_import.finished_at


@pytest.mark.parametrize(
    "odd_row",
    [
        [],  # a blank line: COPY refuses the file
        row(channel="phone", period_type="YEAR"),  # the SQL checks flag it; Python reads it as "year"
        row(channel=" phone ", provider=" ALPHA"),  # keys with spaces around them, likewise
    ],
    ids=["blank line", "capitals", "spaces"],
)
def test_a_file_the_fast_way_cannot_judge_is_read_row_by_row_and_imported(catalogue, coordinator, tmp_path, odd_row):
    rows = [row(channel="portal"), odd_row, row(channel="post", provider="BETA")]

    result = run(write_csv(tmp_path / "figures.csv", rows), coordinator)

    expected = {("ALPHA", "portal"), ("BETA", "post")} | ({("ALPHA", "phone")} if odd_row else set())
    assert (result.rejected, result.total_rows, result.created) == (False, len(expected), len(expected))
    assert set(ServiceFigure.objects.values_list("provider__short_name", "channel__code")) == expected
    assert set(ServiceFigure.objects.values_list("period_type", flat=True)) == {"year"}


def test_two_rows_for_one_stored_figure_are_rejected(catalogue, coordinator, tmp_path):
    run(write_csv(tmp_path / "first.csv", CLEAN_ROWS), coordinator)
    rows = [row(channel="portal", completed=1), row(channel="phone"), row(channel="portal", completed=2)]
    report = io.StringIO()

    result = run(write_csv(tmp_path / "again.csv", rows), coordinator, report)

    assert result.rejected
    assert [(e["row"], e["column"]) for e in read_report(report)] == [("4", bulk.DUPLICATE_COLUMN)]
    assert ServiceFigure.objects.get(channel__code="portal").completed == 90  # nothing written


def test_two_rows_for_one_new_figure_in_different_batches_are_rejected(catalogue, coordinator, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 2)
    rows = [row(channel="portal"), row(channel="phone"), row(channel="post"), row(channel="portal", completed=1)]
    report = io.StringIO()

    result = run(write_csv(tmp_path / "dup.csv", rows), coordinator, report)

    assert result.rejected and result.created == 0
    assert [(e["row"], e["column"], e["reason"]) for e in read_report(report)] == [
        ("5", bulk.DUPLICATE_COLUMN, "the same service, provider, period and channel as row 2")
    ]
    assert not ServiceFigure.objects.exists()


def test_only_the_provider_years_a_file_changed_are_recomputed(
    catalogue, coordinator, tmp_path, django_capture_on_commit_callbacks
):
    from services.models import CostRecomputation, RecomputationKind

    with django_capture_on_commit_callbacks(execute=True):
        run(write_csv(tmp_path / "first.csv", CLEAN_ROWS), coordinator)
    first = CostRecomputation.objects.get(kind=RecomputationKind.INCREMENTAL)
    # CLEAN_ROWS: ALPHA's 2023 portal and phone figures, BETA's 2024 second quarter.
    assert first.scope == sorted([[catalogue["alpha"].pk, 2023], [catalogue["beta"].pk, 2024]])
    changed = [*CLEAN_ROWS[:2], row(provider="BETA", year=2024, period_type="quarter", period_number=2,
                                     channel="post", client_minutes=None, completed=80)]  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        result = run(write_csv(tmp_path / "second.csv", changed), coordinator)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    second = CostRecomputation.objects.exclude(pk=first.pk).get()
    assert second.scope == [[catalogue["beta"].pk, 2024]]


def test_an_uploaded_import_names_itself_in_the_history_of_the_figures_it_changed(
    catalogue, coordinator, tmp_path, media
):
    first = BulkImport.objects.create(
        file=SimpleUploadedFile("a.csv", write_csv(tmp_path / "a.csv", CLEAN_ROWS).read_bytes()),
        uploaded_by=coordinator,
    )
    changed = [row(channel="portal", completed=95), *CLEAN_ROWS[1:]]
    second = BulkImport.objects.create(
        file=SimpleUploadedFile("b.csv", write_csv(tmp_path / "b.csv", changed).read_bytes()),
        uploaded_by=coordinator,
    )

    assert run_bulk_import.delay(first.pk, "en").get() == ImportStatus.DONE
    assert run_bulk_import.delay(second.pk, "en").get() == ImportStatus.DONE

    second.refresh_from_db()
    assert (second.created_count, second.updated_count, second.first_created_id) == (0, 1, None)
    portal = ServiceFigure.objects.get(channel__code="portal")
    [change] = portal.history.all()
    assert (change.history_type, change.history_user, change.history_change_reason) == (
        "~",
        coordinator,
        f"bulk import #{second.pk}",
    )
    assert bulk.creating_import(portal) == first
    made_by_hand = ServiceFigure.objects.create(
        service=catalogue["service"], provider=catalogue["alpha"], year=2016, channel=portal.channel, completed=1
    )
    assert bulk.creating_import(made_by_hand) is None  # its history has its own "+" row


@pytest.fixture
def large_loads(monkeypatch):
    """Every import that writes is a large load (whatever the table's statistics estimate); the list records each
    LargeLoad that built its table again."""
    monkeypatch.setattr(bulk, "LARGE_LOAD_ROWS", 1)
    monkeypatch.setattr(bulk, "table_rows", lambda connection, model: 0)
    restored = []
    restore = bulk.LargeLoad.restore

    def recording_restore(self):
        restore(self)
        restored.append(self)

    monkeypatch.setattr(bulk.LargeLoad, "restore", recording_restore)
    return restored


def table_definition(connection, table):
    """The indexes and constraints of `table`, as PostgreSQL's catalogue writes them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexdef", [table])
        indexes = [definition for (definition,) in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY conname",
            [table],
        )
        return indexes, cursor.fetchall()


def test_a_large_load_builds_the_tables_indexes_and_constraints_again(
    catalogue, coordinator, tmp_path, large_loads, postgres
):
    table = ServiceFigure._meta.db_table
    before = table_definition(postgres, table)
    assert len(before[0]) == 4 and len(before[1]) >= 4  # the key, the natural key, two indexes; the constraints

    result = run(write_csv(tmp_path / "figures.csv", CLEAN_ROWS), coordinator)

    assert (result.rejected, result.created, len(large_loads)) == (False, 3, 1)
    assert table_definition(postgres, table) == before
    assert ServiceFigure.objects.count() == 3


def test_a_large_load_updates_and_inserts_with_the_history_of_what_changed(
    catalogue, coordinator, tmp_path, large_loads, postgres
):
    run(write_csv(tmp_path / "first.csv", CLEAN_ROWS[:2]), coordinator)
    before = table_definition(postgres, ServiceFigure._meta.db_table)
    rows = [row(channel="portal", completed=95), CLEAN_ROWS[1], CLEAN_ROWS[2], row(channel="post")]

    result = run(write_csv(tmp_path / "second.csv", rows), coordinator)

    # portal changed; BETA's quarter and ALPHA's post are new; phone is as stored
    assert (result.created, result.updated, result.unchanged, len(large_loads)) == (2, 1, 1, 2)
    assert table_definition(postgres, ServiceFigure._meta.db_table) == before
    assert ServiceFigure.objects.get(channel__code="portal", provider=catalogue["alpha"]).completed == 95
    assert list(ServiceFigure.history.values_list("history_type", "completed")) == [("~", 95)]


def test_a_large_load_with_two_rows_for_one_figure_writes_nothing_and_keeps_the_table(
    catalogue, coordinator, tmp_path, large_loads, postgres
):
    table = ServiceFigure._meta.db_table
    before = table_definition(postgres, table)
    rows = [*CLEAN_ROWS, row(channel="phone", completed=1)]
    report = io.StringIO()

    result = run(write_csv(tmp_path / "figures.csv", rows), coordinator, report)

    assert result.rejected
    assert [(e["row"], e["column"]) for e in read_report(report)] == [("5", bulk.DUPLICATE_COLUMN)]
    assert table_definition(postgres, table) == before
    assert not ServiceFigure.objects.exists()


def test_a_large_load_that_cannot_lock_the_table_keeps_its_indexes_and_still_imports(
    catalogue, coordinator, tmp_path, large_loads, monkeypatch, postgres
):
    monkeypatch.setattr(bulk, "LARGE_LOAD_LOCK_TIMEOUT", "50ms")
    main = connections["default"]
    reader = main.__class__(dict(main.settings_dict), alias="reader")  # another session, reading figures
    try:
        with reader.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f"SELECT COUNT(*) FROM {ServiceFigure._meta.db_table}")

            result = run(write_csv(tmp_path / "figures.csv", CLEAN_ROWS), coordinator)

            cursor.execute("ROLLBACK")
    finally:
        reader.close()
    assert (result.rejected, result.created, large_loads) == (False, 3, [])
    assert ServiceFigure.objects.count() == 3


def sheet_cell(text):
    """A CSV cell as a spreadsheet holds it: a number as a number."""
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return text or None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_clean_file_goes_the_fast_way_on_postgresql(catalogue, coordinator, tmp_path, monkeypatch, postgres, suffix):
    row_by_row = []
    check_in_python = bulk.FigureImport.check_in_python
    monkeypatch.setattr(
        bulk.FigureImport, "check_in_python", lambda self: row_by_row.append(self) or check_in_python(self)
    )
    path = write_csv(tmp_path / "figures.csv", CLEAN_ROWS)
    if suffix == ".xlsx":
        workbook = Workbook()
        for cells in csv.reader(path.read_text().splitlines()):
            workbook.active.append([sheet_cell(cell) for cell in cells])
        path = tmp_path / "figures.xlsx"
        workbook.save(path)

    result = run(path, coordinator)

    assert (result.rejected, result.created, row_by_row) == (False, 3, [])


# --- pages -------------------------------------------------------------------------------------------------


def upload(client, name, content, on_commit=None):
    """POST a file; with `on_commit` (django_capture_on_commit_callbacks) the job it queues runs, eagerly."""
    if on_commit is None:
        return client.post(reverse("services:bulk-upload"), {"file": SimpleUploadedFile(name, content)})
    with on_commit(execute=True):
        return client.post(reverse("services:bulk-upload"), {"file": SimpleUploadedFile(name, content)})


def test_an_editor_uploads_a_file_and_follows_it_to_done(
    client, catalogue, alpha_editor, tmp_path, media, django_capture_on_commit_callbacks
):
    client.force_login(alpha_editor)
    assert client.get(reverse("services:bulk-upload")).status_code == 200

    content = write_csv(tmp_path / "f.csv", CLEAN_ROWS[:2]).read_bytes()
    response = upload(client, "figures.csv", content, django_capture_on_commit_callbacks)

    bulk_import = BulkImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("services:bulk-detail", args=[bulk_import.pk])
    assert (bulk_import.uploaded_by, bulk_import.original_name, bulk_import.task_id != "") == (
        alpha_editor,
        "figures.csv",
        True,
    )
    # Celery runs eagerly in the tests, so the import has finished by now.
    status = client.get(reverse("services:bulk-status", args=[bulk_import.pk])).json()
    assert status | {"status_label": None} == {
        "status": "done",
        "status_label": None,
        "finished": True,
        "processed_rows": 2,
        "total_rows": 2,
        "percent": 100,
        "error_count": 0,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    page = client.get(reverse("services:bulk-detail", args=[bulk_import.pk])).content.decode()
    assert '<progress id="bulk-progress" max="2" value="2">' in page
    assert 'role="status"' in page


def test_the_status_page_of_a_running_import_polls_its_endpoint(client, coordinator, media):
    bulk_import = BulkImport.objects.create(
        file=SimpleUploadedFile("f.csv", b"x"),
        uploaded_by=coordinator,
        status=ImportStatus.IMPORTING,
        total_rows=200,
        processed_rows=50,
    )
    client.force_login(coordinator)

    page = client.get(reverse("services:bulk-detail", args=[bulk_import.pk])).content.decode()

    assert '<progress id="bulk-progress" max="200" value="50">25%</progress>' in page
    assert f'data-status-url="{reverse("services:bulk-status", args=[bulk_import.pk])}"' in page
    assert "services/bulk.js" in page
    status = json.loads(client.get(reverse("services:bulk-status", args=[bulk_import.pk])).content)
    assert (status["percent"], status["finished"]) == (25, False)


def test_a_rejected_upload_shows_its_first_errors_and_offers_the_report(
    client, catalogue, alpha_editor, tmp_path, media, django_capture_on_commit_callbacks
):
    client.force_login(alpha_editor)
    content = write_csv(tmp_path / "f.csv", CLEAN_ROWS).read_bytes()  # row 4 is BETA's
    upload(client, "figures.csv", content, django_capture_on_commit_callbacks)
    bulk_import = BulkImport.objects.get()

    page = client.get(reverse("services:bulk-detail", args=[bulk_import.pk]))
    report = client.get(reverse("services:bulk-errors", args=[bulk_import.pk]))

    assert bulk_import.status == ImportStatus.REJECTED
    assert "BETA" in page.content.decode()
    assert report["Content-Disposition"].startswith("attachment")
    assert b"".join(report.streaming_content).decode().splitlines()[1].startswith("4,provider,BETA,")
    assert not ServiceFigure.objects.exists()


def test_only_users_who_may_edit_an_institution_may_upload(client, catalogue, media):
    viewer = UserFactory(role=Role.VIEWER, member_of=[catalogue["alpha"]])
    client.force_login(viewer)
    assert client.get(reverse("services:bulk-upload")).status_code == 403
    assert upload(client, "f.csv", b"service\n").status_code == 403
    assert not BulkImport.objects.exists()


def test_the_upload_refuses_other_file_types(client, alpha_editor, media):
    client.force_login(alpha_editor)
    response = upload(client, "figures.pdf", b"%PDF")
    assert response.status_code == 400
    assert not BulkImport.objects.exists()


def test_users_see_their_own_imports_and_the_coordinator_sees_all(client, catalogue, alpha_editor, coordinator, media):
    other_editor = UserFactory(role=Role.EDITOR, member_of=[catalogue["beta"]])
    mine = BulkImport.objects.create(
        file=SimpleUploadedFile("mine.csv", b"x"), original_name="mine.csv", uploaded_by=alpha_editor
    )
    theirs = BulkImport.objects.create(
        file=SimpleUploadedFile("theirs.csv", b"x"), original_name="theirs.csv", uploaded_by=other_editor
    )

    client.force_login(alpha_editor)
    listing = client.get(reverse("services:bulk-list")).content.decode()
    assert "mine.csv" in listing and "theirs.csv" not in listing
    for name in ("services:bulk-detail", "services:bulk-status", "services:bulk-errors"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.get(reverse("services:bulk-detail", args=[mine.pk])).status_code == 200

    client.force_login(coordinator)
    listing = client.get(reverse("services:bulk-list")).content.decode()
    assert "mine.csv" in listing and "theirs.csv" in listing


def test_the_template_has_every_column_and_an_example_row(client, alpha_editor):
    client.force_login(alpha_editor)
    response = client.get(reverse("services:bulk-template"))
    header, example = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == HEADER and len(example) == len(HEADER)


def test_bulk_columns_are_the_admin_imports_columns():
    """Both import paths take the same file: the bulk loader's columns are the ServiceFigure resource's, less
    the demo flag (a bulk file is never demo data)."""
    from services.bulk import COLUMNS
    from services.resources import ServiceFigureResource

    assert list(COLUMNS) == [field for field in ServiceFigureResource._meta.fields if field != "is_demo"]
