"""The bulk path for large files of yearly service figures (a million rows and more).

`import_figures_csv(path, user, progress=callback)` checks a CSV (or .xlsx) file and writes its figures, all or
nothing, in one transaction. A row is accepted for the same reasons as in the admin import, the web form and the
API (`RowChecker`: the cells typed, the keys looked up — service catalogue identifier, provider short name,
channel code —, the provider one the user may edit, and `services.validation.figure_errors`). Every problem is
written to the error report as (row, column, value, reason); any error rolls the transaction back.

On PostgreSQL the file goes the fast way when it can:

1. Stage. A CSV is sent as it is to `COPY` into a temporary table, an .xlsx sheet's rows cell by cell
   (PostgreSQL reads the numbers). A file COPY cannot read so (a blank line, a row of another length, a cell
   that is not a number where one is due, bytes that are not UTF-8) is read row by row and checked in Python
   instead, as on SQLite, staging only its clean rows.
2. Check (`resolve_sql`). One query resolves every staged row — keys to ids, the stored figure of the same
   natural key, whether its values differ — and tells whether the row breaks a rule (`RULES_SQL`: the rules of
   `RowChecker` and `figure_errors` written in SQL). Python then checks the rows SQL flagged, to name their
   errors in the rules' own words; a flagged row that Python finds clean (a cell with spaces around it, a
   period type in capitals) sends the whole file the row-by-row way. Two rows of the file for the same figure
   are reported by SQL.
3. Write, in batches of row numbers: changed figures updated, each with a history row (type "~", by the
   uploader, the import as change reason); new figures inserted. The figures table is locked against other
   writers from step 2 on, so no other session adds a figure in between. A load that writes at least as many
   rows as the table holds sets the table's foreign keys, unique constraint and secondary indexes aside (and its
   primary key, when it updates nothing) and builds them again at the end (`config.bulk.LargeLoad`); otherwise
   the database maintains them row by row.

A re-sent file changes nothing that is already stored: unchanged figures are neither written nor counted as
changed. The audit trail: the BulkImport row (who, when, the file itself, the counts) and the ids of the figures
it created (first_created_id…last_created_id: ids the table's sequence gave this file alone, under the lock) stand
for one history row per created figure, which at a million rows would cost more than the rest of the import; each
changed figure gets its history row. After a file that wrote something, one incremental cost recomputation is
queued for the (provider, year) pairs it touched.

On SQLite (laptops, the test suite) rows are checked in Python, staged, and written through the ORM with the
same audit trail.

Columns (header row, names as below, in any order; other columns are ignored):
service, provider, year, period_type, period_number, channel, started, completed, consultations,
client_minutes, satisfaction_responses, satisfaction_mean, rating_scale_min, rating_scale_max.
"""

import csv
import logging
from decimal import Decimal, InvalidOperation

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from config.bulk import (
    FIRST_ERRORS_KEPT,
    UNIQUE_VIOLATION,
    ImportResult,
    ImportStatus,
    LargeLoad,
    ProgressRecorder as JobRecorder,
    Staging,
    check_rows,
    copyable_csv,
    count_rows,
    is_xlsx,
    first_report_rows,
    history_insert,
    is_coordinator,
    read_rows,
    run_import,
    run_job,
    sqlstate,
    table_rows,
    unreadable,
    visible_jobs,
    write_in_batches,
)
from institutions.models import Institution
from institutions.scoping import editable_institutions

from . import costing
from .models import BulkImport, Channel, PeriodType, Service, ServiceFigure
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
DUPLICATE_COLUMN = ", ".join(KEY_COLUMNS)

BATCH_SIZE = 20_000  # staged rows per writing statement
PROGRESS_INTERVAL = 0.5  # seconds between two progress reports inside a pass
LARGE_LOAD_ROWS = 50_000  # the fewest rows to write for the table's indexes to be built again (LargeLoad)
LARGE_LOAD_LOCK_TIMEOUT = "5s"  # how long a large load waits for readers of the figures table to finish
STAGING_TABLE = "bulk_figure_staging"
RESOLVED_TABLE = "bulk_figure_resolved"

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
TEXT_COLUMNS = ("service", "provider", "period_type", "channel")


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
        self.editable = None if is_coordinator(user) else set(editable_institutions(user).values_list("pk", flat=True))

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

    def staged_row(self, values, cells):
        """The staging table's values (COLUMNS' order) of a clean row: the keys as the file gives them, the
        numbers typed, the decimals as plain text."""
        row = []
        for column in COLUMNS:
            if column in ("service", "provider", "channel"):
                cell = cells[self.index[column]]
                row.append(cell if type(cell) is str else str(cell))
            elif column in DECIMAL_COLUMNS:
                row.append(None if values[column] is None else format(values[column], "f"))
            else:
                row.append(values[column])
        return row


# --- the staging table --------------------------------------------------------------------------------------


def staging_column(connection, column, decimal_comma=False):
    """(name, SQL type) of a file column in the staging table: the keys as text, the whole numbers in their
    figure column's type and, on PostgreSQL, the decimals as numeric (so COPY reads them); decimals that may be
    written with a comma, and every decimal elsewhere, as text, read in SQL."""
    if column in INTEGER_COLUMNS:
        return column, ServiceFigure._meta.get_field(column).db_type(connection)
    if column in DECIMAL_COLUMNS and connection.vendor == "postgresql" and not decimal_comma:
        return column, "numeric"
    return column, "text"


def staging_columns(connection, header=None, decimal_comma=False):
    """The staging table's columns: COLUMNS, or (for a file staged as it is) one column per column of the file's
    `header`, named after the figure column it holds or extra_N when it is ignored. `decimal_comma`: the file
    may write its decimals with a comma (a CSV separated by semicolons, a sheet's text cells)."""
    if header is None:
        return [staging_column(connection, column) for column in COLUMNS]
    positions = {}
    for index, name in enumerate(header):
        if name is not None:
            positions.setdefault(str(name).strip().lower(), index)
    named = {index: column for column, index in positions.items() if column in COLUMNS}
    return [
        staging_column(connection, named[index], decimal_comma) if index in named else (f"extra_{index}", "text")
        for index in range(len(header))
    ]


# --- resolving and checking the staged rows in SQL (PostgreSQL) -----------------------------------------------

# The rules of RowChecker and services.validation.figure_errors over the typed row `t`: true when the row breaks
# one. tests/services/test_bulk_rules.py holds the two forms together.
RULES_SQL = """
    t.service_id IS NULL OR t.provider_id IS NULL OR t.channel_id IS NULL OR NOT t.provides
    OR (NOT %(everyone)s AND t.provider_id <> ALL(%(editable)s))
    OR t.period_type NOT IN ('year', 'quarter', 'month') OR t.period_number IS NULL
    OR CASE t.period_type
        WHEN 'year' THEN t.period_number <> 0
        WHEN 'quarter' THEN t.period_number NOT BETWEEN 1 AND 4
        ELSE t.period_number NOT BETWEEN 1 AND 12 END
    OR t.year IS NULL OR t.year NOT BETWEEN 1990 AND 2100
    OR t.year * 12 + CASE t.period_type
        WHEN 'year' THEN 11 WHEN 'quarter' THEN 3 * t.period_number - 1 ELSE t.period_number - 1 END
        < t.first_month
    OR t.year * 12 + CASE t.period_type
        WHEN 'year' THEN 0 WHEN 'quarter' THEN 3 * t.period_number - 3 ELSE t.period_number - 1 END
        > t.last_month
    OR t.started < 0 OR t.completed < 0 OR t.consultations < 0 OR t.satisfaction_responses < 0
    OR t.completed IS NULL OR t.completed > t.started
    OR t.client_minutes < 0 OR NOT (t.client_minutes > -1e7 AND t.client_minutes < 1e7)
    OR t.client_minutes <> round(t.client_minutes, 1)
    OR NOT (t.satisfaction_mean > -1e3 AND t.satisfaction_mean < 1e3)
    OR t.satisfaction_mean <> round(t.satisfaction_mean, 3)
    OR (t.rating_scale_min IS NULL) <> (t.rating_scale_max IS NULL) OR t.rating_scale_max <= t.rating_scale_min
    OR (t.satisfaction_mean IS NOT NULL AND t.rating_scale_min IS NULL)
    OR t.satisfaction_mean < t.rating_scale_min OR t.satisfaction_mean > t.rating_scale_max
    OR (t.satisfaction_mean IS NOT NULL AND coalesce(t.satisfaction_responses, 0) = 0)
"""


def resolve_sql(connection, staged_columns):
    """CREATE the resolved table: one row per staged row that is not blank, with its ids, its typed values, the
    stored figure of its natural key (figure_id), whether its values differ from that figure's (changed), and
    whether it breaks a rule (bad). Months are counted as year * 12 + month - 1, so a period's first and last
    month compare with the months of the service's lifetime. A period type already in lower case is taken as it
    is: lower() is the dearest call of the query."""
    quote = connection.ops.quote_name
    through = Service.providers.through._meta
    staged = ", ".join(f"s.{quote(name)}" for name, _type in staged_columns)
    decimals = {
        name: f"s.{name}" if sql_type == "numeric" else f"translate(s.{name}, ',', '.')::numeric"
        for name, sql_type in staged_columns
        if name in DECIMAL_COLUMNS
    }
    values = ", ".join(f"t.{name}" for name in VALUE_FIELDS)
    stored = ", ".join(f"f.{name}" for name in VALUE_FIELDS)
    return f"""
        CREATE TEMPORARY TABLE {RESOLVED_TABLE} ON COMMIT DROP AS
        WITH typed AS (
            SELECT s.row_number, service.id AS service_id, provider.id AS provider_id, s.year,
                   CASE WHEN s.period_type IS NULL THEN 'year'
                        WHEN s.period_type IN ('year', 'quarter', 'month') THEN s.period_type
                        ELSE lower(s.period_type) END AS period_type,
                   coalesce(s.period_number,
                            CASE WHEN s.period_type IS NULL OR s.period_type = 'year' OR lower(s.period_type) = 'year'
                                 THEN 0 END
                   ) AS period_number,
                   channel.id AS channel_id, s.started, s.completed, s.consultations,
                   {decimals["client_minutes"]} AS client_minutes,
                   s.satisfaction_responses,
                   {decimals["satisfaction_mean"]} AS satisfaction_mean,
                   s.rating_scale_min, s.rating_scale_max, service.first_month, service.last_month,
                   offered.{quote(through.get_field("service").column)} IS NOT NULL AS provides
            FROM {STAGING_TABLE} s
            LEFT JOIN (
                SELECT id, catalogue_id,
                       (EXTRACT(YEAR FROM valid_from) * 12 + EXTRACT(MONTH FROM valid_from) - 1)::integer
                           AS first_month,
                       (EXTRACT(YEAR FROM valid_to) * 12 + EXTRACT(MONTH FROM valid_to) - 1)::integer AS last_month
                FROM {quote(Service._meta.db_table)}
                OFFSET 0  -- the months once per service, not once per staged row
            ) service ON service.catalogue_id = s.service
            LEFT JOIN {quote(Institution._meta.db_table)} provider ON provider.short_name = s.provider
            LEFT JOIN {quote(Channel._meta.db_table)} channel ON channel.code = s.channel
            LEFT JOIN {quote(through.db_table)} offered
                ON offered.{quote(through.get_field("service").column)} = service.id
                AND offered.{quote(through.get_field("institution").column)} = provider.id
            WHERE num_nonnulls({staged}) > 0
            OFFSET 0  -- computes each typed value once, rather than wherever the rules name it
        )
        SELECT t.row_number, t.service_id, t.provider_id, t.year, t.period_type, t.period_number, t.channel_id,
               {values}, f.id AS figure_id,
               f.id IS NOT NULL AND ({stored}) IS DISTINCT FROM ({values}) AS changed,
               ({RULES_SQL}) IS TRUE AS bad
        FROM typed t
        LEFT JOIN {quote(ServiceFigure._meta.db_table)} f
            ON f.service_id = t.service_id AND f.provider_id = t.provider_id AND f.year = t.year
            AND f.period_type = t.period_type AND f.period_number = t.period_number AND f.channel_id = t.channel_id
    """


def write_batch_sql(connection, updates=True):
    """One statement per batch of resolved rows: update the changed figures and write their history rows,
    insert the new ones, each with the id first_id + its row number - first_row (from the ids reserved for the
    file: one call of the table's sequence rather than one per row); returns (rows in the batch, changed,
    created, lowest and highest created id). Without `updates` (no row of the file has a stored figure), the
    statement only inserts."""
    quote = connection.ops.quote_name
    table = quote(ServiceFigure._meta.db_table)
    assignments = ", ".join(f"{name} = b.{name}" for name in VALUE_FIELDS)
    inserted = ", ".join([*KEY_FIELDS, *VALUE_FIELDS])
    in_batch = "row_number >= %(low)s AND row_number < %(high)s"
    created = f"""
        created AS (
            INSERT INTO {table} (id, {inserted}, is_demo, updated_at)
            SELECT %(first_id)s + row_number - %(first_row)s, {inserted}, false, %(now)s
            FROM {RESOLVED_TABLE} WHERE {in_batch} AND figure_id IS NULL
            RETURNING id
        )"""
    if not updates:
        return f"WITH {created} SELECT COUNT(*), 0, COUNT(*), MIN(id), MAX(id) FROM created"
    return f"""
        WITH changed AS (
            UPDATE {table} AS f SET {assignments}, is_demo = false, updated_at = %(now)s, version = f.version + 1
            FROM {RESOLVED_TABLE} b WHERE b.{in_batch} AND b.changed AND f.id = b.figure_id
            RETURNING f.*
        ), history AS (
            {history_insert(connection, ServiceFigure, "changed", "'~'")}
        ), {created}
        SELECT (SELECT COUNT(*) FROM {RESOLVED_TABLE} WHERE {in_batch}), (SELECT COUNT(*) FROM changed),
               COUNT(*), MIN(id), MAX(id)
        FROM created
    """


def _is_data_error(error):
    """True for PostgreSQL's data exceptions (SQLSTATE class 22): a cell COPY or a cast could not read."""
    state = getattr(error, "sqlstate", None) or sqlstate(error)
    return bool(state) and state.startswith("22")


class _ReadRowByRow(Exception):
    """The fast way cannot judge this file; it is read row by row instead."""


# --- the import ---------------------------------------------------------------------------------------------


class FigureImport:
    """One run of the bulk path over one file, inside the import's transaction (see the module's docstring)."""

    def __init__(self, path, user, connection, result, log, throttle, change_reason):
        self.path = path
        self.user = user
        self.connection = connection
        self.result = result
        self.log = log
        self.throttle = throttle
        self.change_reason = change_reason
        self.postgres = connection.vendor == "postgresql"
        self.staging = None
        self.checker = None

    def run(self):
        layout = copyable_csv(self.path) if self.postgres else None
        header = layout.header if layout is not None else self.read_header()
        if header is None:
            return
        self.checker = RowChecker(self.user, header)
        for column in self.checker.missing:
            self.log.reject(1, column, "", _("the column is missing"))
        if self.checker.missing:
            return
        self.throttle(ImportStatus.VALIDATING, 0, self.result.total_rows, force=True)
        if self.postgres:
            self.run_postgres(layout, header)
        else:
            self.run_portable()

    def read_header(self):
        rows = read_rows(self.path)
        try:
            header = next(rows, None)
        except (UnicodeDecodeError, csv.Error) as error:
            self.log.reject(1, "", "", unreadable(error))
            return None
        if header is None:
            self.log.reject(1, "", "", _("the file is empty"))
        return header

    def check_in_python(self):
        """Pass 1 the row-by-row way: every row checked by RowChecker, the clean ones staged; returns the number
        of data rows."""
        self.staging = Staging(self.connection, STAGING_TABLE, staging_columns(self.connection), batch_size=BATCH_SIZE)
        self.staging.create()
        checker = self.checker
        width = checker.width

        def check_row(cells):
            if len(cells) < width:
                cells = cells + [None] * (width - len(cells))
            values, errors = checker.check(cells)
            if errors:
                return None, [(column, cells[checker.index[column]], reason) for column, reason in errors.items()]
            return checker.staged_row(values, cells), ()

        rows = read_rows(self.path)
        try:
            next(rows, None)  # the header, read before
        except (UnicodeDecodeError, csv.Error) as error:
            self.log.reject(1, "", "", unreadable(error))
            return 0
        return check_rows(rows, check_row, self.staging, self.log, self.throttle, self.result.total_rows)

    # --- PostgreSQL ---

    def run_postgres(self, layout, header):
        with self.connection.cursor() as cursor:
            # Compiling the checks (JIT) costs more than it saves on one pass; the joins get room in memory.
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)")
        resolved = False
        if layout is not None or is_xlsx(self.path):
            checkpoint = self.log.checkpoint()
            try:
                with transaction.atomic(using=self.connection.alias):
                    if layout is not None:
                        self.copy_file(layout)
                    else:
                        self.copy_rows(header)
                    self.result.total_rows = self.resolve()
                    self.report_flagged_rows()
                resolved = True
            except _ReadRowByRow:
                self.log.rewind(checkpoint)
            except Exception as error:
                if not _is_data_error(error):
                    raise
                self.log.rewind(checkpoint)
        if not resolved:
            self.result.total_rows = self.check_in_python()
            self.resolve()
            try:
                self.report_flagged_rows()
            except _ReadRowByRow as error:
                raise RuntimeError("a row RowChecker accepted breaks the rules' SQL form (RULES_SQL)") from error
        self.throttle(ImportStatus.VALIDATING, self.result.total_rows, self.result.total_rows, force=True)
        if self.result.rejected:
            self.report_duplicates()
            return
        self.write_postgres()

    def copy_file(self, layout):
        """Stage a CSV as it is: COPY reads it."""
        columns = staging_columns(self.connection, layout.header, decimal_comma=layout.delimiter == ";")
        self.staging = Staging(self.connection, STAGING_TABLE, columns)
        self.staging.create()
        expected = self.result.total_rows

        def progress(sent, size):
            self.throttle(ImportStatus.VALIDATING, int(expected * sent / size) if size else 0, expected)

        self.staging.copy_csv(self.path, layout, progress)

    def copy_rows(self, header):
        """Stage a sheet's rows as they are, cell by cell, through COPY (which reads their numbers). A row with
        cells only beyond the header's columns is not blank for RowChecker: such a sheet is read row by row."""
        columns = staging_columns(self.connection, header, decimal_comma=True)
        self.staging = Staging(self.connection, STAGING_TABLE, columns, batch_size=BATCH_SIZE)
        self.staging.create()
        width = len(columns)
        rows = read_rows(self.path)
        next(rows, None)  # the header, read before
        row_number, data_rows = 1, 0
        for cells in rows:
            row_number += 1
            if all(cell is None for cell in cells):
                continue  # a blank row
            if all(cell is None for cell in cells[:width]):
                raise _ReadRowByRow
            data_rows += 1
            self.staging.add((row_number, *cells[:width], *[None] * (width - len(cells))))
            if not data_rows % 1000:
                self.throttle(ImportStatus.VALIDATING, data_rows, max(self.result.total_rows, data_rows))
        self.staging.flush()

    def resolve(self):
        """Lock the figures table against other writers, then build the resolved table; returns its rows."""
        quote = self.connection.ops.quote_name
        editable = self.checker.editable
        with self.connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {quote(ServiceFigure._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"DROP TABLE IF EXISTS {RESOLVED_TABLE}")
            cursor.execute(
                resolve_sql(self.connection, self.staging.columns),
                {"everyone": editable is None, "editable": sorted(editable or ())},
            )
            rows = cursor.rowcount
        self.staging.index_row_numbers(RESOLVED_TABLE, analyze=("figure_id", "changed"))
        return rows

    def report_flagged_rows(self):
        """Name the errors of the rows SQL flagged, in RowChecker's words. Raises _ReadRowByRow when a flagged
        row is clean or blank once its cells are read as Python reads them."""
        quote = self.connection.ops.quote_name
        names = self.staging.names
        columns = ", ".join(f"s.{quote(name)}" for name in names)
        positions = [self.staged_position(name) for name in names]
        width = max(self.checker.width, max(positions) + 1)
        checker = self.checker
        with self.connection.chunked_cursor() as cursor:
            cursor.execute(
                f"SELECT s.row_number, {columns} FROM {STAGING_TABLE} s JOIN {RESOLVED_TABLE} r "
                f"ON r.row_number = s.row_number WHERE r.bad ORDER BY s.row_number"
            )
            while rows := cursor.fetchmany(1000):
                for row_number, *staged in rows:
                    cells = [None] * width
                    for position, value in zip(positions, staged, strict=True):
                        cells[position] = None if value is None else (str(value).strip() or None)
                    if all(cell is None for cell in cells):
                        raise _ReadRowByRow
                    _values, errors = checker.check(cells)
                    if not errors:
                        raise _ReadRowByRow
                    for column, reason in errors.items():
                        self.log.reject(row_number, column, cells[checker.index[column]], reason)

    def staged_position(self, name):
        """The position in the file's row of staging column `name`."""
        if name.startswith("extra_"):
            return int(name.removeprefix("extra_"))
        return self.checker.index[name]

    def stored_figure_repeated(self):
        """True when two rows of the file resolve to the same stored figure (the unique constraint catches two
        rows of the same new figure when they are written)."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {RESOLVED_TABLE} WHERE figure_id IS NOT NULL "
                f"GROUP BY figure_id HAVING COUNT(*) > 1)"
            )
            return cursor.fetchone()[0]

    def report_duplicates(self):
        """Report every row whose natural key an earlier clean row of the file already has; returns how many."""
        if self.postgres:
            key, table, clean = ", ".join(KEY_FIELDS), RESOLVED_TABLE, "WHERE NOT bad"
        else:
            quote = self.connection.ops.quote_name
            key, table, clean = ", ".join(quote(column) for column in KEY_COLUMNS), STAGING_TABLE, ""
        reason = _("the same service, provider, period and channel as row %(row)s")
        reported = 0
        with self.connection.chunked_cursor() as cursor:
            cursor.execute(
                f"SELECT row_number, first_row FROM ("
                f"SELECT row_number, MIN(row_number) OVER (PARTITION BY {key}) AS first_row FROM {table} {clean}"
                f") d WHERE row_number > first_row ORDER BY row_number"
            )
            while rows := cursor.fetchmany(1000):
                for duplicate_row, first_row in rows:
                    self.log.reject(duplicate_row, DUPLICATE_COLUMN, "", reason % {"row": first_row})
                    reported += 1
        return reported

    def write_postgres(self):
        result = self.result
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FILTER (WHERE figure_id IS NULL OR changed), COUNT(figure_id), "
                f"MIN(row_number), MAX(row_number) FROM {RESOLVED_TABLE}"
            )
            to_write, stored, *bounds = cursor.fetchone()
            new = to_write > 0 and stored < result.total_rows
        if stored and self.stored_figure_repeated():
            self.report_duplicates()
            return
        if not to_write:
            result.unchanged = result.total_rows
            self.throttle(ImportStatus.IMPORTING, result.total_rows, result.total_rows, force=True)
            return
        large = to_write >= LARGE_LOAD_ROWS and to_write >= table_rows(self.connection, ServiceFigure)
        sql = write_batch_sql(self.connection, updates=bool(stored))
        params = {
            "first_id": self.reserve_ids(*bounds) if new else None,
            "first_row": bounds[0],
            "now": timezone.now(),
            "user": self.user.pk if self.user is not None and self.user.is_authenticated else None,
            "reason": self.change_reason,
        }
        counts = {"created": 0, "updated": 0, "low": None, "high": None}

        def write_batch(low, high):
            with self.connection.cursor() as cursor:
                cursor.execute(sql, {**params, "low": low, "high": high})
                rows, updated, created, first_id, last_id = cursor.fetchone()
            counts["created"] += created
            counts["updated"] += updated
            if first_id is not None:
                counts["low"] = first_id if counts["low"] is None else min(counts["low"], first_id)
                counts["high"] = last_id if counts["high"] is None else max(counts["high"], last_id)
            return rows

        try:
            with transaction.atomic(using=self.connection.alias):
                large_load = self.set_aside_indexes(primary_key=not stored) if large else None
                write_in_batches(bounds, BATCH_SIZE, write_batch, self.throttle, result.total_rows)
                if large_load is not None:
                    large_load.restore()
        except IntegrityError as error:
            # Two rows of the file for one new figure: the unique constraint refused the second.
            if sqlstate(error) != UNIQUE_VIOLATION or not self.report_duplicates():
                raise
            return
        result.created, result.updated = counts["created"], counts["updated"]
        result.unchanged = result.total_rows - result.created - result.updated
        result.note_created_ids(counts["low"], counts["high"])
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT provider_id, year FROM {RESOLVED_TABLE} WHERE figure_id IS NULL OR changed"
            )
            for provider_id, year in cursor.fetchall():
                costing.figures_changed(provider_id, year)

    def reserve_ids(self, low, high):
        """Take the ids of the figures table's sequence for the staged rows numbered low…high, so the rows it
        creates take theirs in one step; returns the first. The table is locked against other writers."""
        table = ServiceFigure._meta.db_table
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(s, nextval(s) + %s) - %s FROM pg_get_serial_sequence(%s, 'id') s",
                [high - low, high - low, table],
            )
            return cursor.fetchone()[0]

    def set_aside_indexes(self, primary_key):
        """LargeLoad of the figures table with its indexes set aside (and its primary key, with `primary_key`), or
        None when that cannot be done now."""
        large_load = LargeLoad(
            self.connection, ServiceFigure, lock_timeout=LARGE_LOAD_LOCK_TIMEOUT, primary_key=primary_key
        )
        try:
            with transaction.atomic(using=self.connection.alias):
                large_load.set_aside()
        except DatabaseError as error:  # a lock not granted in time, no owner's rights, a dependent object
            logger.info("the figures table keeps its indexes during this import: %s", error)
            return None
        return large_load

    # --- elsewhere (SQLite) ---

    def run_portable(self):
        self.result.total_rows = self.check_in_python()
        self.report_duplicates()
        if self.result.rejected:
            return
        self.staging.index_row_numbers()
        now = timezone.now()
        user = self.user if self.user is not None and self.user.is_authenticated else None
        touched = set()

        def write_batch(low, high):
            rows, new, changed = self.read_batch(low, high, now)
            if new:
                ServiceFigure.objects.bulk_create(new)
                self.result.note_created_ids(min(f.pk for f in new), max(f.pk for f in new))
            if changed:
                bulk_update_with_history(
                    changed,
                    ServiceFigure,
                    fields=[*VALUE_FIELDS, "is_demo", "updated_at", "version"],
                    default_user=user,
                    default_change_reason=self.change_reason,
                    default_date=now,
                )
            self.result.created += len(new)
            self.result.updated += len(changed)
            touched.update((figure.provider_id, figure.year) for figure in (*new, *changed))
            return rows

        bounds = self.staging.row_number_bounds()
        write_in_batches(bounds, BATCH_SIZE, write_batch, self.throttle, self.result.total_rows)
        self.result.unchanged = self.result.total_rows - self.result.created - self.result.updated
        for provider_id, year in sorted(touched):
            costing.figures_changed(provider_id, year)
        self.staging.drop()

    def read_batch(self, low, high, now):
        """(rows, new figures, changed figures) of the staged rows low…high-1, compared with the stored ones."""
        quote = self.connection.ops.quote_name
        staged = ", ".join(f"s.{quote(column)}" for column in ("year", "period_type", "period_number", *VALUE_FIELDS))
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT service.id, provider.id, channel.id, {staged} FROM {STAGING_TABLE} s "
                f"JOIN {quote(Service._meta.db_table)} service ON service.catalogue_id = s.service "
                f"JOIN {quote(Institution._meta.db_table)} provider ON provider.short_name = s.provider "
                f"JOIN {quote(Channel._meta.db_table)} channel ON channel.code = s.channel "
                f"WHERE s.row_number >= %s AND s.row_number < %s",
                [low, high],
            )
            rows = cursor.fetchall()
        wanted = {}
        for service_id, provider_id, channel_id, year, period_type, period_number, *values in rows:
            attributes = dict(zip(VALUE_FIELDS, values, strict=True))
            for name in DECIMAL_COLUMNS:
                if attributes[name] is not None:
                    attributes[name] = Decimal(attributes[name])
            wanted[(service_id, provider_id, year, period_type, period_number, channel_id)] = attributes
        stored = {}
        if wanted:
            services = {key[0] for key in wanted}
            providers = {key[1] for key in wanted}
            years = {key[2] for key in wanted}
            for figure in ServiceFigure.objects.filter(
                service_id__in=services, provider_id__in=providers, year__in=years
            ):
                key = tuple(getattr(figure, name) for name in KEY_FIELDS)
                if key in wanted:
                    stored[key] = figure
        new, changed = [], []
        for key, attributes in wanted.items():
            figure = stored.get(key)
            if figure is None:
                new.append(
                    ServiceFigure(
                        **dict(zip(KEY_FIELDS, key, strict=True)), **attributes, is_demo=False, updated_at=now
                    )
                )
            elif any(getattr(figure, name) != value for name, value in attributes.items()):
                for name, value in attributes.items():
                    setattr(figure, name, value)
                figure.is_demo, figure.updated_at = False, now
                figure.version += 1
                changed.append(figure)
        return len(rows), new, changed


def import_figures_csv(
    path, user, progress=None, error_report=None, change_reason="bulk import", using=DEFAULT_DB_ALIAS
):
    """Check and load a CSV or .xlsx file of service figures, all or nothing; returns a config.bulk.ImportResult.

    `progress(stage, processed, total)` is called as the passes go on (stage: ImportStatus.VALIDATING, then
    IMPORTING); `error_report` is a text file that receives every error as CSV (row, column, value, reason)."""

    def body(connection, result, log, throttle):
        FigureImport(path, user, connection, result, log, throttle, change_reason).run()

    return run_import(path, body, progress, error_report, using, interval=PROGRESS_INTERVAL)


# --- running an uploaded BulkImport ------------------------------------------------------------------------


class ProgressRecorder(JobRecorder):
    """Writes an import's stage and progress to its BulkImport row while the import's transaction is open."""

    model = BulkImport


def run_bulk_import(bulk_import_id):
    """Run one uploaded import (the Celery task's body): its status, progress, counts, created figures and error
    report end up on the BulkImport row. A finished import is left as it is, so a redelivered job does nothing."""

    def import_file(path, user, **options):
        return import_figures_csv(path, user, **options)  # looked up when called, so a test may replace it

    def created_ids(result):
        return {"first_created_id": result.first_created_id, "last_created_id": result.last_created_id}

    return run_job(BulkImport, bulk_import_id, import_file, ProgressRecorder, "errors", outcome=created_ids)


def creating_import(figure):
    """The bulk import that created `figure`, or None: the audit record that stands for its first history row."""
    return (
        BulkImport.objects.filter(
            status=ImportStatus.DONE, first_created_id__lte=figure.pk, last_created_id__gte=figure.pk
        )
        .select_related("uploaded_by")
        .first()
    )


# --- who may upload and see imports -------------------------------------------------------------------------


def may_upload(user):
    """Uploading needs an institution the user may edit (their rows are still checked one by one)."""
    return is_coordinator(user) or editable_institutions(user).exists()


def visible_imports(user, queryset=None):
    """The imports `user` may see: their own; a coordinator sees all."""
    return visible_jobs(user, BulkImport.objects.all() if queryset is None else queryset)


__all__ = [
    "COLUMNS",
    "FIRST_ERRORS_KEPT",
    "ImportResult",
    "count_rows",
    "creating_import",
    "first_report_rows",
    "import_figures_csv",
    "may_upload",
    "read_rows",
    "run_bulk_import",
    "visible_imports",
]
