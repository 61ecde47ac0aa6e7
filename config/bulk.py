"""Bulk imports: a large file of rows checked as a whole and written all or nothing, with its progress shown.

Each import has a job model (a concrete `ImportJob`: the uploaded file, its status, progress, counts and error
report) and a bulk module in its app that says how a row is checked and written (services/bulk.py for the
catalogue's figures, vpvkac/bulk.py for contact statistics). This module does the rest, the same for both:

- reading: a CSV (comma or semicolon separated, UTF-8 with or without a byte order mark) or an .xlsx sheet as a
  stream of rows, and telling whether PostgreSQL's `COPY` reads a CSV exactly as `read_rows` would;
- staging: a temporary table of the file's rows, filled with `COPY` on PostgreSQL (row by row elsewhere);
- the error log: every error as (row, column, value, reason) in the error report, the first ones kept;
- progress: a throttle, and a recorder that writes it where a status page sees it while the import runs;
- writing: row-number batches, simple_history rows written by SQL, and, for a load that is large against its
  table, the table's foreign keys, unique constraints and secondary indexes built again after it;
- running: one import in one transaction (`run_import`), an uploaded job from queued to done (`run_job`), and
  who sees which jobs.
"""

import csv
import io
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .exports import csv_writer, restore
from .progress import RowWriter

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between two progress reports inside a pass
FIRST_ERRORS_KEPT = 20
ERROR_REPORT_HEADER = ("row", "column", "value", "reason")
COPY_CHUNK = 1 << 20  # bytes of a file read at a time
COPY_PIECE = 128 << 10  # bytes handed to libpq at a time


# --- the job rows --------------------------------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    VALIDATING = "validating", gettext_lazy("Checking rows")
    IMPORTING = "importing", gettext_lazy("Writing rows")
    DONE = "done", gettext_lazy("Done")
    REJECTED = "rejected", gettext_lazy("Rejected: the file has errors")
    FAILED = "failed", gettext_lazy("Failed")


FINISHED_STATUSES = (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)


class ImportJob(models.Model):
    """One uploaded file on its way through a bulk import, with its progress and outcome. A concrete job adds
    its `file`, `error_report` and `uploaded_by` (each app keeps its own upload folders and related name) and
    names its imports in `change_reason_label`."""

    change_reason_label = "import"

    original_name = models.CharField(gettext_lazy("file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(gettext_lazy("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(gettext_lazy("started"), null=True, blank=True)
    finished_at = models.DateTimeField(gettext_lazy("finished"), null=True, blank=True)
    status = models.CharField(
        gettext_lazy("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(gettext_lazy("rows in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(gettext_lazy("rows processed"), default=0)
    error_count = models.PositiveIntegerField(gettext_lazy("errors"), default=0)
    created_count = models.PositiveIntegerField(gettext_lazy("figures created"), default=0)
    updated_count = models.PositiveIntegerField(gettext_lazy("figures changed"), default=0)
    unchanged_count = models.PositiveIntegerField(gettext_lazy("figures unchanged"), default=0)
    message = models.TextField(gettext_lazy("message"), blank=True)
    task_id = models.CharField(gettext_lazy("job identifier"), max_length=255, blank=True)
    # The language of the job's messages (its error report), the uploader's when the file was sent.
    language = models.CharField(gettext_lazy("language"), max_length=5, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def is_finished(self):
        return self.status in FINISHED_STATUSES

    @property
    def change_reason(self):
        """The history rows' change reason for the rows this import wrote (at most 100 characters)."""
        return f"{self.change_reason_label} #{self.pk}"


# --- the outcome and the errors ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did. `rejected` files wrote nothing; their errors are in the error report. Rows created
    by the import have the ids first_created_id to last_created_id when the import records them."""

    total_rows: int = 0
    error_count: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    first_errors: list = field(default_factory=list)  # the first (row, column, value, reason) tuples
    first_created_id: int | None = None
    last_created_id: int | None = None

    @property
    def rejected(self):
        return self.error_count > 0

    def note_created_ids(self, low, high):
        if low is None:
            return
        self.first_created_id = low if self.first_created_id is None else min(self.first_created_id, low)
        self.last_created_id = high if self.last_created_id is None else max(self.last_created_id, high)


class Rejected(Exception):
    """Raised inside an import's transaction to roll it back."""


class ErrorLog:
    """The errors of one import: counted on the result, the first FIRST_ERRORS_KEPT kept there, every one written
    to `report` (a text file, or None) as CSV (row, column, value, reason)."""

    def __init__(self, result, report=None):
        self.result = result
        self.report = report
        # The report echoes the file's cells: one that a spreadsheet would run as a formula is neutralised.
        self.writer = csv_writer(report) if report is not None else None
        if self.writer is not None:
            self.writer.writerow(ERROR_REPORT_HEADER)

    def reject(self, row, column, value, reason):
        result = self.result
        result.error_count += 1
        if len(result.first_errors) < FIRST_ERRORS_KEPT:
            result.first_errors.append((row, column, value, reason))
        if self.writer is not None:
            self.writer.writerow((row, column, "" if value is None else value, reason))

    def checkpoint(self):
        """A point to come back to with `rewind`: the errors logged so far."""
        position = self.report.tell() if self.report is not None else None
        return self.result.error_count, len(self.result.first_errors), position

    def rewind(self, checkpoint):
        """Forget the errors logged since `checkpoint` (when a file is checked again another way)."""
        count, kept, position = checkpoint
        self.result.error_count = count
        del self.result.first_errors[kept:]
        if self.report is not None:
            self.report.seek(position)
            self.report.truncate()


class UnreadableFile(csv.Error):
    """A file or row refused before it is read any further: an .xlsx that breaks config/uploads.py's limits, a
    row wider than IMPORT_MAX_COLUMNS. A csv.Error, so every reader of rows reports it where it reports a row the
    csv module cannot parse."""


def unreadable(error):
    if isinstance(error, UnreadableFile):
        return str(error)
    if isinstance(error, UnicodeDecodeError):
        return _("the file cannot be read from here on: it is not UTF-8 text (save it as “CSV UTF-8”)")
    return _("the file cannot be read from here on: %(error)s") % {"error": error}


# --- reading a file ------------------------------------------------------------------------------------------


def is_xlsx(path):
    return Path(path).suffix.lower() in (".xlsx", ".xlsm")


def check_xlsx(path):
    """Refuse an .xlsx that breaks the upload limits (a zip bomb, a sheet of a million columns) before openpyxl
    opens it: files reach the imports from the upload forms, which check them, but also from the API and commands."""
    from .uploads import UploadRejected, check_xlsx as check_upload

    try:
        with open(path, "rb") as handle:
            check_upload(handle, Path(path).name)
    except UploadRejected as error:
        raise UnreadableFile(str(error)) from None


def max_columns():
    from django.conf import settings

    return settings.IMPORT_MAX_COLUMNS


def too_wide(width):
    return UnreadableFile(
        _("a row has {count} columns; at most {limit} are accepted").format(count=width, limit=max_columns())
    )


def count_rows(path):
    """Data rows in the file, cheaply: the lines of a CSV minus its header (an upper bound when a quoted
    value spans lines), or the row count an .xlsx sheet records; None when the sheet does not say."""
    if is_xlsx(path):
        from openpyxl import load_workbook

        check_xlsx(path)
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = workbook.worksheets[0].max_row if workbook.worksheets else 0
        finally:
            workbook.close()
        return None if rows is None else max(rows - 1, 0)
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1  # the last line has no line break
    return max(lines - 1, 0)


def csv_delimiter(first_line):
    # A spreadsheet saved with Latvian regional settings separates values with semicolons.
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _csv_rows(path):
    limit = max_columns()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline(1 << 16)
        handle.seek(0)
        for cells in csv.reader(handle, delimiter=csv_delimiter(first_line)):
            if len(cells) > limit:
                raise too_wide(len(cells))
            yield [cell.strip() or None for cell in cells]


def _xlsx_rows(path):
    from openpyxl import load_workbook

    check_xlsx(path)
    limit = max_columns()
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for cells in workbook.worksheets[0].iter_rows(values_only=True):
            if len(cells) > limit:
                raise too_wide(len(cells))
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


@dataclass(frozen=True)
class CsvLayout:
    """Where a CSV's data rows start (bytes after its header line) and how its cells are separated."""

    delimiter: str
    header: list
    data_offset: int
    size: int


BOM = b"\xef\xbb\xbf"


def copyable_csv(path):
    """The CsvLayout of a CSV file that PostgreSQL's `COPY … (FORMAT csv)` reads into the same cells as
    `read_rows`, else None: a header on its first line without quotes, and no line that COPY would take for its
    end-of-data marker (a lone backslash-period). Whatever else COPY cannot read (a blank line, a row of another
    length, bytes that are not UTF-8) makes COPY fail, and the caller reads the file row by row instead."""
    if is_xlsx(path):
        return None
    with open(path, "rb") as handle:
        first_line = handle.readline()
        size = handle.seek(0, io.SEEK_END)
        handle.seek(0)
        tail = b""
        while chunk := handle.read(COPY_CHUNK):
            window = tail + chunk
            if b"\n\\.\n" in window or b"\n\\.\r" in window:
                return None
            tail = window[-3:]
        if tail.endswith(b"\n\\."):
            return None
    offset = len(first_line)
    line = first_line.removeprefix(BOM)
    try:
        text = line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return None
    if not text or '"' in text or "\r" in text:
        return None
    delimiter = csv_delimiter(text)
    header = [cell.strip() or None for cell in next(csv.reader([text], delimiter=delimiter))]
    if len(header) > max_columns():
        return None  # read row by row, which refuses it
    return CsvLayout(delimiter=delimiter, header=header, data_offset=offset, size=size)


# --- progress --------------------------------------------------------------------------------------------------


class Throttle:
    """Calls `progress(stage, processed, total)` at most every `interval` seconds, and always when told to."""

    def __init__(self, progress, interval=PROGRESS_INTERVAL):
        self.progress = progress
        self.interval = interval
        self.last = 0.0

    def __call__(self, stage, processed, total, force=False):
        if self.progress is None:
            return
        now = time.monotonic()
        if force or now - self.last >= self.interval:
            self.last = now
            self.progress(stage, processed, total)


class ProgressRecorder(RowWriter):
    """Writes an import's stage and progress to its job row while the import's transaction is open; a concrete
    recorder names the job model in `model`."""

    model = None

    def __init__(self, job_id, using=DEFAULT_DB_ALIAS):
        super().__init__(self.model, job_id, using)

    def __call__(self, stage, processed, total):
        self.update(status=str(stage), processed_rows=processed, total_rows=total)


# --- staging -------------------------------------------------------------------------------------------------


class Staging:
    """A temporary table of one import's rows, on the import's connection: `row_number` (the file's row, the
    header being row 1) and `columns` [(name, SQL type)]. Rows are added with COPY on PostgreSQL (by
    executemany elsewhere); a CSV file can also be sent to COPY as it is (`copy_csv`), numbering its rows from 2."""

    def __init__(self, connection, table, columns, batch_size=5000):
        self.connection = connection
        self.table = table
        self.columns = list(columns)
        self.batch_size = batch_size
        self.batch = []
        self.rows = 0
        self.postgres = connection.vendor == "postgresql"

    @property
    def names(self):
        return [name for name, _type in self.columns]

    def create(self):
        quote = self.connection.ops.quote_name
        definitions = ", ".join(f"{quote(name)} {sql_type}" for name, sql_type in self.columns)
        # On PostgreSQL the table numbers the rows COPY reads from a file; rows added one by one bring theirs.
        numbering = " GENERATED BY DEFAULT AS IDENTITY (START WITH 2)" if self.postgres else ""
        on_commit = " ON COMMIT DROP" if self.postgres else ""
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} (row_number bigint{numbering} NOT NULL, {definitions}){on_commit}"
            )

    def add(self, row):
        """Stage one row: its row number, then a value for each column, in their order."""
        self.batch.append(row)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self):
        if not self.batch:
            return
        quote = self.connection.ops.quote_name
        names = ", ".join(["row_number", *(quote(name) for name in self.names)])
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                    for row in self.batch:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * (len(self.columns) + 1))
                cursor.executemany(f"INSERT INTO {self.table} ({names}) VALUES ({placeholders})", self.batch)
        self.rows += len(self.batch)
        self.batch = []

    def copy_csv(self, path, layout, progress=None):
        """Send the data rows of a CSV file to COPY as they are, one column of the table per column of the file
        (PostgreSQL). `progress(bytes sent, bytes in the file)` is called after each chunk. Returns the rows
        copied; a cell COPY cannot read into its column raises the database's DataError."""
        quote = self.connection.ops.quote_name
        names = ", ".join(quote(name) for name in self.names)
        if layout.delimiter not in (",", ";"):
            raise ValueError(f"unexpected delimiter {layout.delimiter!r}")
        statement = f"COPY {self.table} ({names}) FROM STDIN (FORMAT csv, DELIMITER '{layout.delimiter}')"
        with self.connection.cursor() as cursor, open(path, "rb") as handle:
            handle.seek(layout.data_offset)
            sent = layout.data_offset
            # The database cursor itself: Django's debug wrapper of COPY passes no writer on.
            with cursor.cursor.copy(statement, writer=_flushing_writer(cursor.cursor)) as copy:
                while chunk := handle.read(COPY_CHUNK):
                    copy.write(chunk)
                    sent += len(chunk)
                    if progress is not None:
                        progress(sent, layout.size)
            copied = cursor.rowcount
        self.rows += copied
        return copied

    def index_row_numbers(self, table=None, analyze=()):
        """Index the row numbers that batches are read by (a BRIN index on PostgreSQL: the rows lie in their
        order) and give PostgreSQL's planner statistics of them and of the `analyze` columns, which autovacuum
        never gathers for a temporary table."""
        self.flush()
        table = table or self.table
        method = "USING brin " if self.postgres else ""
        with self.connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {table}_row ON {table} {method}(row_number)")
            if self.postgres:
                columns = ", ".join(self.connection.ops.quote_name(name) for name in ("row_number", *analyze))
                cursor.execute(f"ANALYZE {table} ({columns})")

    def row_number_bounds(self, table=None):
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT MIN(row_number), MAX(row_number) FROM {table or self.table}")
            return cursor.fetchone()

    def drop(self):
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


def _flushing_writer(cursor):
    """psycopg's COPY writer, waiting until each piece has gone to the server: by default libpq keeps what the
    server has not read yet in an output buffer, which grows towards the file's size when PostgreSQL reads
    slower than the file is sent (and the process keeps that memory)."""
    from psycopg.copy import LibpqWriter
    from psycopg.generators import copy_to

    class FlushingWriter(LibpqWriter):
        def write(self, data):
            for start in range(0, len(data), COPY_PIECE):
                self.connection.wait(copy_to(self._pgconn, data[start : start + COPY_PIECE], flush=True))

    return FlushingWriter(cursor)


def check_rows(rows, check_row, staging, log, throttle, expected_rows):
    """Pass 1 over the data rows of a file (the header already read): each row that is not blank goes to
    `check_row(cells)`, which returns (the row to stage or None, [(column, value, reason)]); errors go to the
    log, clean rows to the staging table. Returns the number of data rows."""
    data_rows = 0
    row_number = 1
    try:
        for cells in rows:
            row_number += 1
            if all(cell is None for cell in cells):
                continue  # a blank line
            data_rows += 1
            staged, errors = check_row(cells)
            for column, value, reason in errors:
                log.reject(row_number, column, value, reason)
            if staged is not None:
                staging.add((row_number, *staged))
            if not data_rows % 1000:
                throttle(ImportStatus.VALIDATING, data_rows, max(expected_rows, data_rows))
    except (UnicodeDecodeError, csv.Error) as error:
        log.reject(row_number + 1, "", "", unreadable(error))  # the row that could not be read
    staging.flush()
    throttle(ImportStatus.VALIDATING, data_rows, data_rows, force=True)
    return data_rows


def row_ranges(low, high, size):
    """[start, end) ranges of `size` row numbers covering low…high (none when the table is empty)."""
    start = low
    while low is not None and start <= high:
        yield start, start + size
        start += size


def write_in_batches(bounds, batch_size, write_batch, throttle, total):
    """Call `write_batch(low, high)` for each range of row numbers in turn; it returns the rows it covered.
    Progress goes to `throttle` as ImportStatus.IMPORTING. Returns the rows covered."""
    written = 0
    throttle(ImportStatus.IMPORTING, 0, total, force=True)
    for low, high in row_ranges(*bounds, batch_size):
        written += write_batch(low, high)
        throttle(ImportStatus.IMPORTING, written, total)
    throttle(ImportStatus.IMPORTING, written, total, force=True)
    return written


# --- writing -------------------------------------------------------------------------------------------------


def history_insert(connection, model, source, history_type):
    """`INSERT INTO` the simple_history table of `model` one row per row of `source` (a table or CTE with the
    model's columns): of type `history_type` (SQL), dated %(now)s, by %(user)s, with %(reason)s."""
    quote = connection.ops.quote_name
    history_model = model.history.model
    tracked = {field.column for field in model._meta.concrete_fields}
    columns, values = [], []
    for history_field in history_model._meta.concrete_fields:
        column = history_field.column
        if history_field.name == "history_id":
            continue
        if column in tracked:
            values.append(f"{source}.{quote(column)}")
        elif history_field.name == "history_date":
            values.append("%(now)s")
        elif history_field.name == "history_change_reason":
            values.append("%(reason)s")
        elif history_field.name == "history_type":
            values.append(history_type)
        elif history_field.name == "history_user":
            values.append("%(user)s")
        else:
            raise ValueError(f"a bulk import does not know how to fill {history_model.__name__}.{history_field.name}")
        columns.append(quote(column))
    return (
        f"INSERT INTO {quote(history_model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source}"
    )


class LargeLoad:
    """The foreign keys, unique constraints and secondary indexes of a table set aside while a large load
    writes to it, and built again afterwards in the same transaction (PostgreSQL's advice for populating a
    table: building an index over all rows at once beats maintaining it row by row, and one query checking a
    foreign key over the table beats a trigger per inserted row). With `primary_key`, the primary key too,
    unless another table's foreign key refers to it: for a load that only inserts, since the rows it updates are
    found by their key.

    `set_aside()` takes an ACCESS EXCLUSIVE lock on the table (readers wait until the import commits), waiting
    at most `lock_timeout`; `restore()` builds everything again from the definitions the catalogue gave, so a
    duplicate key or a dangling reference still fails the transaction. Needs the table's owner."""

    def __init__(self, connection, model, lock_timeout="5s", primary_key=False):
        self.connection = connection
        self.table = model._meta.db_table
        self.lock_timeout = lock_timeout
        self.primary_key = primary_key
        self.indexes = []
        self.constraints = []

    def set_aside(self):
        quote = self.connection.ops.quote_name
        table = quote(self.table)
        # PostgreSQL alters no table with foreign key checks still pending in the transaction: run them now.
        self.connection.check_constraints()
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lock_timeout')")
            (previous,) = cursor.fetchone()
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [self.lock_timeout])
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
            # Built again in this order: the primary key, unique constraints, then foreign keys (which may need a
            # unique index); dropped in the reverse order.
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint c "
                "WHERE conrelid = %s::regclass AND (contype IN ('u', 'f') OR contype = 'p' AND %s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.confrelid = c.conrelid)) "
                "ORDER BY position(contype::text IN 'puf'), conname",
                [self.table, self.primary_key],
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = %s::regclass AND NOT indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid) ORDER BY 1",
                [self.table],
            )
            self.indexes = cursor.fetchall()
            for name, _definition in reversed(self.constraints):
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {name}")

    def restore(self):
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", ["256MB"])
            for _name, definition in self.indexes:
                cursor.execute(definition)
            for name, definition in self.constraints:
                cursor.execute(f"ALTER TABLE {quote(self.table)} ADD CONSTRAINT {quote(name)} {definition}")


def table_rows(connection, model):
    """The rows of `model`'s table as PostgreSQL's statistics estimate them (counted when never estimated)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        (estimate,) = cursor.fetchone()
        if estimate is not None and estimate >= 0:
            return int(estimate)
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def sqlstate(error):
    """The SQLSTATE of a database error Django wrapped (PostgreSQL), else None."""
    return getattr(error.__cause__, "sqlstate", None)


UNIQUE_VIOLATION = "23505"


# --- running -------------------------------------------------------------------------------------------------


def run_import(path, body, progress=None, error_report=None, using=DEFAULT_DB_ALIAS, interval=PROGRESS_INTERVAL):
    """Run `body(connection, result, log, throttle)` on a file in one transaction, rolled back when the log has
    any error; returns the ImportResult. `progress(stage, processed, total)` is called as the passes go on
    (stage: ImportStatus.VALIDATING, then IMPORTING); `error_report` is a text file that receives every error as
    CSV (row, column, value, reason)."""
    result = ImportResult()
    log = ErrorLog(result, error_report)
    try:
        result.total_rows = count_rows(path) or 0
    except UnreadableFile as error:
        log.reject(1, "", "", str(error))
        return result
    throttle = Throttle(progress, interval)
    connection = connections[using]
    try:
        with transaction.atomic(using=using):
            body(connection, result, log, throttle)
            if result.rejected:
                raise Rejected
    except Rejected:
        pass
    return result


def run_job(model, job_id, import_file, recorder_class, report_name="errors", outcome=None):
    """Run one uploaded import (a Celery task's body): its status, progress, counts and error report end up on
    the job row. `import_file(path, user, progress, error_report, change_reason)` does the import and returns
    an ImportResult; `outcome(result)` adds fields of the job to set when it is done. A finished job is left as
    it is, so a redelivered task does nothing."""
    job = model.objects.select_related("uploaded_by").get(pk=job_id)
    if job.is_finished:
        return job
    model.objects.filter(pk=job.pk).update(
        status=ImportStatus.VALIDATING, started_at=timezone.now(), processed_rows=0, message=""
    )
    recorder = recorder_class(job.pk)
    try:
        with tempfile.TemporaryDirectory() as directory:
            report_path = Path(directory) / f"{report_name}-{job.pk}.csv"
            with open(report_path, "w", encoding="utf-8", newline="") as report:
                result = import_file(
                    job.file.path,
                    job.uploaded_by,
                    progress=recorder,
                    error_report=report,
                    change_reason=job.change_reason,
                )
            fields = {
                "status": ImportStatus.REJECTED if result.rejected else ImportStatus.DONE,
                "total_rows": result.total_rows,
                "processed_rows": result.total_rows,
                "error_count": result.error_count,
                "created_count": result.created,
                "updated_count": result.updated,
                "unchanged_count": result.unchanged,
                "finished_at": timezone.now(),
                **(outcome(result) if outcome is not None else {}),
            }
            if result.rejected:
                with open(report_path, "rb") as handle:
                    job.error_report.save(report_path.name, File(handle), save=False)
                fields["error_report"] = job.error_report.name
    except Exception as error:
        logger.exception("import %s #%s failed", model.__name__, job.pk)
        fields = {"status": ImportStatus.FAILED, "message": str(error)[:2000], "finished_at": timezone.now()}
    finally:
        recorder.close()
    model.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def first_report_rows(job, limit=FIRST_ERRORS_KEPT):
    """The first `limit` rows of a job's error report, for its status page."""
    if not job.error_report:
        return []
    with job.error_report.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        reader = csv.reader(text)
        next(reader, None)
        # The report is written for spreadsheets: the page shows the cells as they were.
        return [[restore(cell) for cell in row] for _, row in zip(range(limit), reader)]


def is_coordinator(user):
    return user is not None and user.is_authenticated and user.is_active and user.is_coordinator


def visible_jobs(user, queryset):
    """The jobs of `queryset` that `user` may see: their own; a coordinator sees all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(uploaded_by=user)


__all__ = [
    "ERROR_REPORT_HEADER",
    "FINISHED_STATUSES",
    "FIRST_ERRORS_KEPT",
    "ErrorLog",
    "ImportJob",
    "ImportResult",
    "ImportStatus",
    "LargeLoad",
    "ProgressRecorder",
    "Rejected",
    "Staging",
    "Throttle",
    "check_rows",
    "copyable_csv",
    "count_rows",
    "first_report_rows",
    "history_insert",
    "read_rows",
    "run_import",
    "run_job",
    "visible_jobs",
    "write_in_batches",
]
