"""The bulk path for large files of yearly service figures (100,000 rows and more).

`import_figures_csv(path, user, progress=callback)` reads a CSV (or .xlsx) file once, as a stream, and works in
two passes — the first over the file, the second over the rows the first one staged:

1. Check. Every row is typed, its keys are looked up (service catalogue identifier, provider short name,
   channel code), the provider must be one the user may edit, and the row goes through
   `services.validation.figure_errors` — the rules of the admin import, the web form and the API. Each
   problem is written to the error report as (row, column, value, reason). Clean rows are staged in a
   temporary table (PostgreSQL `COPY`), where duplicate natural keys inside the file are found by SQL, so
   that no per-row data stays in memory. Any error: the transaction is rolled back and nothing is written.
2. Write, only for a clean file, in batches of staged rows: one `INSERT … ON CONFLICT (natural key) DO
   UPDATE … WHERE the values differ` per batch. Unchanged figures are neither written nor counted as
   changed, so sending the same file twice changes nothing. Created and changed figures get their
   simple_history rows in the same statement (history user: the uploader; change reason: the import).

Everything happens in one transaction: all or nothing. Memory holds one batch, the lookup dictionaries and
the ServiceFacts of the catalogue, whatever the size of the file (`bench import` measures it). Staging in the
database, rather than reading the file a second time, saves parsing and checking every row twice. SQLite
(laptops, the test suite) stages the same way and writes each batch with `bulk_create_with_history` /
`bulk_update_with_history`.

Columns (header row, names as below, in any order; other columns are ignored):
service, provider, year, period_type, period_number, channel, started, completed, consultations,
client_minutes, satisfaction_responses, satisfaction_mean, rating_scale_min, rating_scale_max.
"""

import csv
import io
import logging
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path

from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config.progress import RowWriter
from institutions.models import Institution
from institutions.scoping import editable_institutions

from . import costing
from .models import BulkImport, Channel, ImportStatus, PeriodType, Service, ServiceFigure
from .validation import figure_errors, service_facts

logger = logging.getLogger(__name__)

KEY_COLUMNS = ("service", "provider", "year", "period_type", "period_number", "channel")
VALUE_FIELDS = (
    "started",
    "completed",
    "consultations",
    "client_minutes",
    "satisfaction_responses",
    "satisfaction_mean",
    "rating_scale_min",
    "rating_scale_max",
)
COLUMNS = KEY_COLUMNS + VALUE_FIELDS
KEY_FIELDS = ("service_id", "provider_id", "year", "period_type", "period_number", "channel_id")
STAGED_FIELDS = KEY_FIELDS + VALUE_FIELDS  # ServiceFigure attributes, in the staging table's order
DUPLICATE_COLUMN = ", ".join(KEY_COLUMNS)
ERROR_REPORT_HEADER = ("row", "column", "value", "reason")

BATCH_SIZE = 5000
PROGRESS_INTERVAL = 0.5  # seconds between two progress reports inside a pass
FIRST_ERRORS_KEPT = 20
STAGING_TABLE = "bulk_figure_staging"

# The columns' database ranges, checked here so a value never overflows the staging table; the rules about
# meaning (no negative counts, a rating inside its scale, ...) stay with figure_errors.
INTEGER_RANGE = (-(2**31), 2**31 - 1)
SMALL_INTEGER_RANGE = (-(2**15), 2**15 - 1)
INTEGER_COLUMNS = {
    "year": SMALL_INTEGER_RANGE,
    "period_number": SMALL_INTEGER_RANGE,
    "started": INTEGER_RANGE,
    "completed": INTEGER_RANGE,
    "consultations": INTEGER_RANGE,
    "satisfaction_responses": INTEGER_RANGE,
    "rating_scale_min": SMALL_INTEGER_RANGE,
    "rating_scale_max": SMALL_INTEGER_RANGE,
}
DECIMAL_COLUMNS = {"client_minutes": (8, 1), "satisfaction_mean": (6, 3)}  # (max_digits, decimal_places)


@dataclass
class ImportResult:
    """What an import did. `rejected` files wrote nothing; their errors are in the error report."""

    total_rows: int = 0
    error_count: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    first_errors: list = field(default_factory=list)  # the first (row, column, value, reason) tuples

    @property
    def rejected(self):
        return self.error_count > 0


class _Rejected(Exception):
    """Raised inside the import's transaction to roll it back."""


# --- reading the file ----------------------------------------------------------------------------------


def is_xlsx(path):
    return Path(path).suffix.lower() in (".xlsx", ".xlsm")


def count_rows(path):
    """Data rows in the file, cheaply: the lines of a CSV minus its header (an upper bound when a quoted
    value spans lines), or the row count an .xlsx sheet records; None when the sheet does not say."""
    if is_xlsx(path):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = workbook.worksheets[0].max_row if workbook.worksheets else 0
        finally:
            workbook.close()
        return None if rows is None else max(rows - 1, 0)
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1  # the last line has no line break
    return max(lines - 1, 0)


def _csv_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
        handle.seek(0)
        # A spreadsheet saved with Latvian regional settings separates values with semicolons.
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        for cells in csv.reader(handle, delimiter=delimiter):
            yield [cell.strip() or None for cell in cells]


def _xlsx_rows(path):
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for cells in workbook.worksheets[0].iter_rows(values_only=True):
            row = []
            for cell in cells:
                if isinstance(cell, str):
                    cell = cell.strip() or None
                elif isinstance(cell, float) and cell.is_integer():
                    cell = int(cell)  # a spreadsheet stores every number as a float
                row.append(cell)
            yield row
    finally:
        workbook.close()


def read_rows(path):
    """The file's rows as lists of cells (None for an empty cell), the header first: one row at a time."""
    return _xlsx_rows(path) if is_xlsx(path) else _csv_rows(path)


# --- typing and checking one row -----------------------------------------------------------------------


def _decimal(cell, max_digits, places):
    """(value, reason): a number with at most `places` decimals and `max_digits` digits; a decimal comma is
    read as a point."""
    text = cell if type(cell) is str else str(cell)
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("“%(value)s” is not a number") % {"value": cell}
    if not value.is_finite():
        return None, _("“%(value)s” is not a number") % {"value": cell}
    if abs(value) >= 10 ** (max_digits - places):
        return None, _("%(value)s is too large") % {"value": cell}
    if value.as_tuple().exponent < -places and value != round(value, places):
        return None, _("%(value)s has more than %(places)s decimal places") % {"value": cell, "places": places}
    return value, None


class RowChecker:
    """Types and checks rows against lookups loaded once: the catalogue's identifiers and ServiceFacts, the
    providers' short names, the channel codes and the institutions `user` may edit. `header` is the file's
    first row; `missing` lists the columns it lacks."""

    def __init__(self, user, header):
        positions = {}
        for index, name in enumerate(header):
            if name is not None:
                positions.setdefault(str(name).strip().lower(), index)
        self.missing = [column for column in COLUMNS if column not in positions]
        self.index = {column: positions.get(column) for column in COLUMNS}
        self.width = max(positions.values(), default=-1) + 1

        self.services = dict(Service.objects.values_list("catalogue_id", "pk"))
        self.providers = dict(Institution.objects.values_list("short_name", "pk"))
        self.channels = dict(Channel.objects.values_list("code", "pk"))
        self.facts = service_facts()
        self.editable = None if _is_coordinator(user) else set(editable_institutions(user).values_list("pk", flat=True))

        # The reasons are translated once, in the language active when the import starts.
        self.required = _("is required")
        self.keys = [
            (
                "service",
                "service_id",
                self.index["service"],
                self.services,
                _("no service with the catalogue identifier “%(value)s”"),
            ),
            (
                "provider",
                "provider_id",
                self.index["provider"],
                self.providers,
                _("no institution with the short name “%(value)s”"),
            ),
            ("channel", "channel_id", self.index["channel"], self.channels, _("no channel with the code “%(value)s”")),
        ]
        self.integers = [(column, self.index[column], low, high) for column, (low, high) in INTEGER_COLUMNS.items()]
        self.decimals = [
            (column, self.index[column], digits, places) for column, (digits, places) in DECIMAL_COLUMNS.items()
        ]
        self.not_whole = _("“%(value)s” is not a whole number")
        self.outside = _("%(value)s is outside %(low)s–%(high)s")
        self.not_yours = _("you may not report figures for “%(value)s”")

    def check(self, cells):
        """(values, errors) of one row of cells (at least `width` of them): values are ServiceFigure
        attributes, errors {column: reason}."""
        errors = {}
        values = {}
        for column, attribute, index, lookup, unknown in self.keys:
            cell = cells[index]
            if cell is None:
                errors[column] = self.required
                values[attribute] = None
                continue
            values[attribute] = pk = lookup.get(cell if type(cell) is str else str(cell))
            if pk is None:
                errors[column] = unknown % {"value": cell}

        period_type = cells[self.index["period_type"]]
        values["period_type"] = period_type = PeriodType.YEAR.value if period_type is None else str(period_type).lower()
        for column, index, low, high in self.integers:
            cell = cells[index]
            if cell is None:
                values[column] = None
                continue
            if type(cell) is str:
                try:
                    value = int(cell)
                except ValueError:
                    value = None
            else:
                value = cell if type(cell) is int else None  # whole floats of a spreadsheet were made ints on reading
            if value is None:
                errors[column] = self.not_whole % {"value": cell}
            elif value < low or value > high:
                errors[column] = self.outside % {"value": value, "low": low, "high": high}
                value = None
            values[column] = value
        if (
            values["period_number"] is None
            and cells[self.index["period_number"]] is None
            and period_type == PeriodType.YEAR
        ):
            values["period_number"] = 0
        for column, index, digits, places in self.decimals:
            cell = cells[index]
            value = None
            if cell is not None:
                value, reason = _decimal(cell, digits, places)
                if reason:
                    errors[column] = reason
            values[column] = value
        if values["year"] is None and "year" not in errors:
            errors["year"] = self.required

        provider_id = values["provider_id"]
        if provider_id is not None and self.editable is not None and provider_id not in self.editable:
            errors["provider"] = self.not_yours % {"value": cells[self.index["provider"]]}
        facts = self.facts.get(values["service_id"])
        if facts is not None:
            # A cell that could not be read keeps its own reason rather than the rules' view of a missing value.
            for column, reason in figure_errors(values, facts).items():
                errors.setdefault(column, reason)
        return values, errors


def _is_coordinator(user):
    return user is not None and user.is_authenticated and user.is_active and user.is_coordinator


# --- staging and writing ----------------------------------------------------------------------------------


def _figure_columns():
    meta = ServiceFigure._meta
    return {name: meta.get_field(name.removesuffix("_id")).column for name in STAGED_FIELDS}


class Staging:
    """The temporary table of the clean rows of one import, on the import's connection."""

    def __init__(self, connection):
        self.connection = connection
        self.quote = connection.ops.quote_name
        self.columns = _figure_columns()
        self.batch = []
        self.rows = 0

    def create(self):
        meta = ServiceFigure._meta
        definitions = ", ".join(
            f"{self.quote(column)} {meta.get_field(name.removesuffix('_id')).db_type(self.connection)}"
            for name, column in self.columns.items()
        )
        on_commit = " ON COMMIT DROP" if self.connection.vendor == "postgresql" else ""
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGING_TABLE} (row_number integer NOT NULL, {definitions}){on_commit}"
            )

    def add(self, row_number, row):
        """Stage one clean row: the values of STAGED_FIELDS, in that order."""
        self.batch.append((row_number, *row))
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def flush(self):
        if not self.batch:
            return
        names = ", ".join(["row_number", *(self.quote(column) for column in self.columns.values())])
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.copy(f"COPY {STAGING_TABLE} ({names}) FROM STDIN") as copy:
                    for row in self.batch:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * (len(self.columns) + 1))
                cursor.executemany(f"INSERT INTO {STAGING_TABLE} ({names}) VALUES ({placeholders})", self.batch)
        self.rows += len(self.batch)
        self.batch = []

    def finish_loading(self):
        """Index the row numbers, which pass 2 walks in batches, and give PostgreSQL's planner statistics."""
        self.flush()
        with self.connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {STAGING_TABLE}_row ON {STAGING_TABLE} (row_number)")
            if self.connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {STAGING_TABLE}")  # autovacuum never analyses a temporary table

    def duplicates(self):
        """(row, first row) of every staged row whose natural key an earlier row of the file already has."""
        key = [self.quote(self.columns[name]) for name in KEY_FIELDS]
        joined = " AND ".join(f"s.{column} = d.{column}" for column in key)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.row_number, d.first_row FROM {STAGING_TABLE} s JOIN ("
                f"SELECT {', '.join(key)}, MIN(row_number) AS first_row FROM {STAGING_TABLE} "
                f"GROUP BY {', '.join(key)} HAVING COUNT(*) > 1) d ON {joined} "
                f"WHERE s.row_number > d.first_row ORDER BY s.row_number"
            )
            while rows := cursor.fetchmany(1000):
                yield from rows

    def row_number_bounds(self):
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT MIN(row_number), MAX(row_number) FROM {STAGING_TABLE}")
            return cursor.fetchone()

    def provider_years(self):
        """The (provider, year) pairs of the staged rows: the cost figures to recompute after the import."""
        provider, year = (self.quote(self.columns[name]) for name in ("provider_id", "year"))
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT {provider}, {year} FROM {STAGING_TABLE}")
            return cursor.fetchall()

    def drop(self):
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")


def _distinct(connection):
    return "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"


def _postgres_upsert(connection):
    """One statement for one batch of staged rows: upsert them, write the history rows of those created or
    changed, and return (staged rows, created, changed). `xmax = 0` marks a row version that an INSERT made."""
    quote = connection.ops.quote_name
    columns = _figure_columns()
    figure_table = quote(ServiceFigure._meta.db_table)
    history_model = ServiceFigure.history.model
    staged = [quote(column) for column in columns.values()]
    key = [quote(columns[name]) for name in KEY_FIELDS]
    values = [quote(columns[name]) for name in VALUE_FIELDS]
    is_demo, updated_at = (quote(ServiceFigure._meta.get_field(name).column) for name in ("is_demo", "updated_at"))

    tracked = {quote(f.column) for f in ServiceFigure._meta.concrete_fields}
    history_columns, history_values = [], []
    for history_field in history_model._meta.concrete_fields:
        column = quote(history_field.column)
        if history_field.name == "history_id":
            continue
        if column in tracked:
            history_values.append(f"upserted.{column}")
        elif history_field.name == "history_date":
            history_values.append("%(now)s")
        elif history_field.name == "history_change_reason":
            history_values.append("%(reason)s")
        elif history_field.name == "history_type":
            history_values.append("CASE WHEN upserted.created THEN '+' ELSE '~' END")
        elif history_field.name == "history_user":
            history_values.append("%(user)s")
        else:
            raise ValueError(f"the bulk path does not know how to fill {history_model.__name__}.{history_field.name}")
        history_columns.append(column)

    returned = ", ".join(f"{figure_table}.{column}" for column in sorted(tracked))
    return f"""
        WITH batch AS (
            SELECT {", ".join(staged)} FROM {STAGING_TABLE}
            WHERE row_number >= %(low)s AND row_number < %(high)s
        ), upserted AS (
            INSERT INTO {figure_table} ({", ".join(staged)}, {is_demo}, {updated_at})
            SELECT {", ".join(staged)}, false, %(now)s FROM batch
            ON CONFLICT ({", ".join(key)}) DO UPDATE SET
                {", ".join(f"{column} = EXCLUDED.{column}" for column in values)},
                {is_demo} = false, {updated_at} = EXCLUDED.{updated_at}
            WHERE ({", ".join(f"{figure_table}.{column}" for column in values)})
                IS DISTINCT FROM ({", ".join(f"EXCLUDED.{column}" for column in values)})
            RETURNING {returned}, (xmax = 0) AS created
        ), history AS (
            INSERT INTO {quote(history_model._meta.db_table)} ({", ".join(history_columns)})
            SELECT {", ".join(history_values)} FROM upserted
        )
        SELECT (SELECT COUNT(*) FROM batch),
               COUNT(*) FILTER (WHERE created),
               COUNT(*) FILTER (WHERE NOT created)
        FROM upserted
    """


def _write_batch_postgres(connection, sql, low, high, now, user_id, reason):
    with connection.cursor() as cursor:
        cursor.execute(sql, {"low": low, "high": high, "now": now, "user": user_id, "reason": reason})
        staged, created, updated = cursor.fetchone()
    return staged, created, updated


def _write_batch_orm(connection, low, high, now, user, reason):
    """The portable writer (SQLite): compare the batch with the stored figures in SQL, then create and
    change only what differs, with their history rows."""
    quote = connection.ops.quote_name
    columns = _figure_columns()
    figure_table = quote(ServiceFigure._meta.db_table)
    on_key = " AND ".join(f"f.{quote(columns[name])} = s.{quote(columns[name])}" for name in KEY_FIELDS)
    differs = " OR ".join(
        f"f.{quote(columns[name])} {_distinct(connection)} s.{quote(columns[name])}" for name in VALUE_FIELDS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(f's.{quote(column)}' for column in columns.values())}, f.{quote('id')}, "
            f"CASE WHEN f.{quote('id')} IS NULL OR {differs} THEN 1 ELSE 0 END "
            f"FROM {STAGING_TABLE} s LEFT JOIN {figure_table} f ON {on_key} "
            f"WHERE s.row_number >= %s AND s.row_number < %s",
            [low, high],
        )
        rows = cursor.fetchall()
    model_fields = {name: ServiceFigure._meta.get_field(name.removesuffix("_id")) for name in STAGED_FIELDS}
    new, changed = [], []
    for row in rows:
        *staged, existing_id, differs_flag = row
        if not differs_flag:
            continue
        attributes = {
            name: model_fields[name].to_python(value) if name in DECIMAL_COLUMNS else value
            for name, value in zip(STAGED_FIELDS, staged, strict=True)
        }
        figure = ServiceFigure(id=existing_id, is_demo=False, updated_at=now, **attributes)
        (new if existing_id is None else changed).append(figure)
    options = {"default_user": user, "default_change_reason": reason, "default_date": now}
    if new:
        bulk_create_with_history(new, ServiceFigure, **options)
    if changed:
        bulk_update_with_history(changed, ServiceFigure, fields=[*VALUE_FIELDS, "is_demo", "updated_at"], **options)
    return len(rows), len(new), len(changed)


# --- the import ------------------------------------------------------------------------------------------


class _Throttle:
    """Calls `progress` at most every PROGRESS_INTERVAL seconds inside a pass, and always when told to."""

    def __init__(self, progress):
        self.progress = progress
        self.last = 0.0

    def __call__(self, stage, processed, total, force=False):
        if self.progress is None:
            return
        now = time.monotonic()
        if force or now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            self.progress(stage, processed, total)


def import_figures_csv(
    path, user, progress=None, error_report=None, change_reason="bulk import", using=DEFAULT_DB_ALIAS
):
    """Check and load a CSV or .xlsx file of service figures, all or nothing; returns an ImportResult.

    `progress(stage, processed, total)` is called as the passes go on (stage: ImportStatus.VALIDATING, then
    IMPORTING); `error_report` is a text file that receives every error as CSV (row, column, value, reason)."""
    report = csv.writer(error_report) if error_report is not None else None
    if report is not None:
        report.writerow(ERROR_REPORT_HEADER)
    result = ImportResult(total_rows=count_rows(path) or 0)
    throttle = _Throttle(progress)

    def reject(row_number, column, value, reason):
        result.error_count += 1
        if len(result.first_errors) < FIRST_ERRORS_KEPT:
            result.first_errors.append((row_number, column, value, reason))
        if report is not None:
            report.writerow((row_number, column, "" if value is None else value, reason))

    connection = connections[using]
    try:
        with transaction.atomic(using=using):
            _run_passes(path, user, connection, result, reject, throttle, change_reason)
            if result.rejected:
                raise _Rejected
    except _Rejected:
        pass
    return result


def _unreadable(error):
    if isinstance(error, UnicodeDecodeError):
        return _("the file cannot be read from here on: it is not UTF-8 text (save it as “CSV UTF-8”)")
    return _("the file cannot be read from here on: %(error)s") % {"error": error}


def _run_passes(path, user, connection, result, reject, throttle, change_reason):
    staging = Staging(connection)
    staging.create()

    # Pass 1: check every row and stage the clean ones.
    throttle(ImportStatus.VALIDATING, 0, result.total_rows, force=True)
    rows = read_rows(path)
    try:
        header = next(rows, None)
    except (UnicodeDecodeError, csv.Error) as error:
        reject(1, "", "", _unreadable(error))
        return
    if header is None:
        reject(1, "", "", _("the file is empty"))
        return
    checker = RowChecker(user, header)
    for column in checker.missing:
        reject(1, column, "", _("the column is missing"))
    if checker.missing:
        return

    index = checker.index
    width = checker.width
    staged_row = itemgetter(*STAGED_FIELDS)
    data_rows = 0
    row_number = 1
    try:
        for cells in rows:
            row_number += 1
            if cells.count(None) == len(cells):
                continue  # a blank line
            if len(cells) < width:
                cells = cells + [None] * (width - len(cells))
            data_rows += 1
            values, errors = checker.check(cells)
            if errors:
                for column, reason in errors.items():
                    reject(row_number, column, cells[index[column]], reason)
            else:
                staging.add(row_number, staged_row(values))  # staged even in a bad file, to report its duplicates too
            if not data_rows % 1000:
                throttle(ImportStatus.VALIDATING, data_rows, max(result.total_rows, data_rows))
    except (UnicodeDecodeError, csv.Error) as error:
        reject(row_number, "", "", _unreadable(error))
    result.total_rows = data_rows
    throttle(ImportStatus.VALIDATING, data_rows, data_rows, force=True)
    staging.finish_loading()
    for duplicate_row, first_row in staging.duplicates():
        reject(
            duplicate_row,
            DUPLICATE_COLUMN,
            "",
            _("the same service, provider, period and channel as row %(row)s") % {"row": first_row},
        )
    if result.rejected:
        return

    # Pass 2: write the staged rows batch by batch, in row order.
    low, high = staging.row_number_bounds()
    written = 0
    throttle(ImportStatus.IMPORTING, 0, data_rows, force=True)
    now = timezone.now()
    user_id = user.pk if user is not None and user.is_authenticated else None
    upsert = _postgres_upsert(connection) if connection.vendor == "postgresql" else None
    start = low or 0
    while low is not None and start <= high:
        end = start + BATCH_SIZE
        if upsert is not None:
            staged, created, updated = _write_batch_postgres(
                connection, upsert, start, end, now, user_id, change_reason
            )
        else:
            staged, created, updated = _write_batch_orm(
                connection, start, end, now, user if user_id else None, change_reason
            )
        result.created += created
        result.updated += updated
        result.unchanged += staged - created - updated
        written += staged
        throttle(ImportStatus.IMPORTING, written, data_rows)
        start = end
    throttle(ImportStatus.IMPORTING, written, data_rows, force=True)
    if result.created or result.updated:
        for provider_id, year in staging.provider_years():
            costing.figures_changed(provider_id, year)
    staging.drop()


# --- running an uploaded BulkImport ------------------------------------------------------------------------


class ProgressRecorder(RowWriter):
    """Writes an import's stage and progress to its BulkImport row while the import's transaction is open."""

    def __init__(self, bulk_import_id, using=DEFAULT_DB_ALIAS):
        super().__init__(BulkImport, bulk_import_id, using)

    def __call__(self, stage, processed, total):
        self.update(status=str(stage), processed_rows=processed, total_rows=total)


def run_bulk_import(bulk_import_id):
    """Run one uploaded import (the Celery task's body): its status, progress, counts and error report end
    up on the BulkImport row. A finished import is left as it is, so a redelivered job does nothing."""
    bulk_import = BulkImport.objects.select_related("uploaded_by").get(pk=bulk_import_id)
    if bulk_import.is_finished:
        return bulk_import
    BulkImport.objects.filter(pk=bulk_import.pk).update(
        status=ImportStatus.VALIDATING, started_at=timezone.now(), processed_rows=0, message=""
    )
    recorder = ProgressRecorder(bulk_import.pk)
    try:
        with tempfile.TemporaryDirectory() as directory:
            report_path = Path(directory) / f"errors-{bulk_import.pk}.csv"
            with open(report_path, "w", encoding="utf-8", newline="") as report:
                result = import_figures_csv(
                    bulk_import.file.path,
                    bulk_import.uploaded_by,
                    progress=recorder,
                    error_report=report,
                    change_reason=bulk_import.change_reason,
                )
            outcome = {
                "status": ImportStatus.REJECTED if result.rejected else ImportStatus.DONE,
                "total_rows": result.total_rows,
                "processed_rows": result.total_rows,
                "error_count": result.error_count,
                "created_count": result.created,
                "updated_count": result.updated,
                "unchanged_count": result.unchanged,
                "finished_at": timezone.now(),
            }
            if result.rejected:
                with open(report_path, "rb") as report:
                    bulk_import.error_report.save(report_path.name, File(report), save=False)
                outcome["error_report"] = bulk_import.error_report.name
    except Exception as error:
        logger.exception("bulk import %s failed", bulk_import.pk)
        outcome = {"status": ImportStatus.FAILED, "message": str(error)[:2000], "finished_at": timezone.now()}
    finally:
        recorder.close()
    BulkImport.objects.filter(pk=bulk_import.pk).update(**outcome)
    bulk_import.refresh_from_db()
    return bulk_import


def first_report_rows(bulk_import, limit=FIRST_ERRORS_KEPT):
    """The first `limit` rows of an import's error report, for its status page."""
    if not bulk_import.error_report:
        return []
    with bulk_import.error_report.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        reader = csv.reader(text)
        next(reader, None)
        return [row for _, row in zip(range(limit), reader)]


# --- who may upload and see imports -------------------------------------------------------------------------


def may_upload(user):
    """Uploading needs an institution the user may edit (their rows are still checked one by one)."""
    return _is_coordinator(user) or editable_institutions(user).exists()


def visible_imports(user, queryset=None):
    """The imports `user` may see: their own; a coordinator sees all."""
    queryset = BulkImport.objects.all() if queryset is None else queryset
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(uploaded_by=user)
