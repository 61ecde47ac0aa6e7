"""Contact statistics into the database: the import of a queue system's export (CSV or .xlsx, any size) and the
one-day form of a centre operator. The file layout and the row rules are in vpvkac/resources.py.

`import_contacts(path, user, progress=callback)` reads the file once, as a stream, in two passes (the shared
driver is config/bulk.py):

1. Check. Every row is typed and checked (ContactRowChecker: dates, hour, the centre and whether the user may
   record its figures, institution, service, the three types, the count). Each problem goes to the error report
   as (row, column, value, reason). Clean rows are staged in a temporary table (PostgreSQL `COPY`), where SQL
   finds the rows repeating an earlier row's key, so no per-row data stays in memory. Any error: the
   transaction rolls back and nothing is written.
2. Write, only for a clean file, in batches of staged rows: on PostgreSQL one `INSERT … ON CONFLICT (natural
   key) DO UPDATE … WHERE the count differs` per batch, which also writes the history rows of the figures it
   created or changed; elsewhere (SQLite) the batch is compared with the stored figures in SQL and written with
   `bulk_create_with_history` / `bulk_update_with_history`. A figure already stored with the same count is
   neither written nor counted as changed: sending the same file twice changes nothing.

Every figure the import creates or changes gets its own history row: a centre's file holds thousands of rows,
and the API's bulk endpoint sends rows through here without an import record to stand for them.

Bulk writes send no signals, so after a file that changed something the import notes the touched
municipalities and days itself (`network.figures_changed`); one incremental network recomputation of the
periods concerned is queued when the import's transaction commits.

Everything happens in one transaction: all or nothing. Memory holds one batch and the lookup dictionaries,
whatever the size of the file.
"""

import csv
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config.bulk import ProgressRecorder as JobRecorder
from config.outbox import CONTACT_IMPORTS
from config.bulk import (
    Staging,
    check_rows,
    first_report_rows,
    history_insert,
    read_rows,
    run_import,
    run_job,
    unreadable,
    visible_jobs,
    write_in_batches,
)

from . import network
from .models import ContactFigure, ContactImport, ReportingPeriod
from .resources import (
    COLUMNS,
    HEADER_LOOKUP,
    REQUIRED_COLUMNS,
    ContactRowChecker,
    format_error,
    natural_key,
    normalise,
    read_choice,
    read_count,
    read_hour,
)
from .scoping import can_edit_centre, editable_centres

BATCH_SIZE = 5000
PROGRESS_INTERVAL = 0.5  # seconds between two progress reports inside a pass
STAGING_TABLE = "vpvkac_contact_staging"
DUPLICATE_COLUMN = "date, hour, centre, institution, service, contact_type, staff_type, client_type"

# ContactFigure attributes in the staging table's order (after row_number and the centre's municipality).
STAGED_FIELDS = (
    "centre_id",
    "date",
    "date_to",
    "hour",
    "institution_id",
    "service_id",
    "contact_type",
    "staff_type",
    "client_type",
    "count",
)
STAGING_COLUMNS = (
    ("municipality_id", "bigint NOT NULL"),
    ("centre_id", "bigint NOT NULL"),
    ("date", "date NOT NULL"),
    ("date_to", "date"),
    ("hour", "smallint"),
    ("institution_id", "bigint"),
    ("service_id", "bigint"),
    ("contact_type", "varchar(20) NOT NULL"),
    ("staff_type", "varchar(20) NOT NULL"),
    ("client_type", "varchar(10) NOT NULL"),
    ("count", "integer NOT NULL"),
)
# The natural key as SQL over a table alias, written exactly as the unique index contact_figure_natural_key
# (PostgreSQL matches ON CONFLICT to the index by these expressions).
KEY_SQL = (
    "{t}centre_id",
    "{t}date",
    "COALESCE({t}date_to, {t}date)",
    "COALESCE({t}hour::integer, -1)",
    "COALESCE({t}institution_id, 0::bigint)",
    "COALESCE({t}service_id, 0::bigint)",
    "{t}contact_type",
    "{t}staff_type",
    "{t}client_type",
)


def _key_sql(alias, vendor):
    """The key expressions over table `alias` ("" for none); without PostgreSQL's casts elsewhere."""
    expressions = [expression.format(t=f"{alias}." if alias else "") for expression in KEY_SQL]
    if vendor != "postgresql":
        expressions = [e.replace("::integer", "").replace("::bigint", "") for e in expressions]
    return expressions


# --- the staged rows -------------------------------------------------------------------------------------------


def duplicates(connection):
    """(row, first row) of every staged row whose key an earlier row of the file already has."""
    key = ", ".join(_key_sql("s", connection.vendor))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT row_number, first_row FROM ("
            f"SELECT s.row_number, MIN(s.row_number) OVER (PARTITION BY {key}) AS first_row "
            f"FROM {STAGING_TABLE} s) d WHERE row_number > first_row ORDER BY row_number"
        )
        while rows := cursor.fetchmany(1000):
            yield from rows


def changed_municipality_days(connection):
    """The distinct (municipality, day) pairs of the staged rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT municipality_id, date FROM {STAGING_TABLE}")
        return cursor.fetchall()


# --- writing ------------------------------------------------------------------------------------------------


def _postgres_upsert(connection):
    """One statement for one batch of staged rows: upsert them, write the history rows of those created or
    changed, and return (staged rows, created, changed). `xmax = 0` marks a row version an INSERT made."""
    quote = connection.ops.quote_name
    meta = ContactFigure._meta
    table = quote(meta.db_table)
    columns = [meta.get_field(name.removesuffix("_id")).column for name in STAGED_FIELDS]
    staged = ", ".join(quote(column) for column in columns)
    count, source, is_demo = (quote(meta.get_field(name).column) for name in ("count", "source", "is_demo"))
    returned = ", ".join(f"f.{quote(field.column)}" for field in meta.concrete_fields)
    return f"""
        WITH batch AS (
            SELECT {staged} FROM {STAGING_TABLE} WHERE row_number >= %(low)s AND row_number < %(high)s
        ), upserted AS (
            INSERT INTO {table} AS f ({staged}, {source}, {is_demo})
            SELECT {staged}, %(source)s, false FROM batch
            ON CONFLICT ({", ".join(_key_sql("", "postgresql"))}) DO UPDATE SET
                {count} = EXCLUDED.{count}, {source} = EXCLUDED.{source}, {is_demo} = false
            WHERE (f.{count}, f.{is_demo}) IS DISTINCT FROM (EXCLUDED.{count}, false)
            RETURNING {returned}, (xmax = 0) AS created
        ), history AS (
            {history_insert(connection, ContactFigure, "upserted", "CASE WHEN upserted.created THEN '+' ELSE '~' END")}
        )
        SELECT (SELECT COUNT(*) FROM batch), COUNT(*) FILTER (WHERE created), COUNT(*) FILTER (WHERE NOT created)
        FROM upserted
    """


def _write_batch_postgres(connection, sql, low, high, now, user_id, reason):
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"low": low, "high": high, "now": now, "user": user_id, "reason": reason, "source": reason[:300]}
        )
        return cursor.fetchone()


def _write_batch_orm(connection, low, high, now, user, reason):
    """The portable writer (SQLite): compare the batch with the stored figures in SQL, then create and change only
    what differs, with their history rows."""
    on_key = " AND ".join(
        f"{f} = {s}" for f, s in zip(_key_sql("f", connection.vendor), _key_sql("s", connection.vendor), strict=True)
    )
    table = connection.ops.quote_name(ContactFigure._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(f's.{name}' for name in STAGED_FIELDS)}, f.id, f.count, f.is_demo "
            f"FROM {STAGING_TABLE} s LEFT JOIN {table} f ON {on_key} "
            f"WHERE s.row_number >= %s AND s.row_number < %s",
            [low, high],
        )
        rows = cursor.fetchall()
    new, changed = [], []
    date_field = ContactFigure._meta.get_field("date")
    for row in rows:
        *staged, existing_id, stored_count, stored_demo = row
        attributes = dict(zip(STAGED_FIELDS, staged, strict=True))
        if existing_id is not None and stored_count == attributes["count"] and not stored_demo:
            continue
        for name in ("date", "date_to"):
            attributes[name] = date_field.to_python(attributes[name])
        figure = ContactFigure(id=existing_id, source=reason[:300], is_demo=False, **attributes)
        (new if existing_id is None else changed).append(figure)
    options = {"default_user": user, "default_change_reason": reason, "default_date": now}
    if new:
        bulk_create_with_history(new, ContactFigure, **options)
    if changed:
        bulk_update_with_history(changed, ContactFigure, fields=["count", "source", "is_demo"], **options)
    return len(rows), len(new), len(changed)


def note_changes(municipality_days):
    """Queue the incremental network recomputation of the (municipality, day) pairs: one `figures_changed` call
    per municipality and set of periods, with a day that lies in exactly those periods."""
    periods = list(ReportingPeriod.objects.values_list("pk", "first_day", "last_day"))
    signatures = {}
    representative = {}
    for municipality_id, day in municipality_days:
        if day not in signatures:
            signatures[day] = tuple(pk for pk, first, last in periods if first <= day <= last)
        key = (municipality_id, signatures[day])
        if key[1] and key not in representative:
            representative[key] = day
    for (municipality_id, _periods), day in sorted(representative.items()):
        network.figures_changed(municipality_id, day)
    return len(representative)


# --- the import ---------------------------------------------------------------------------------------------


def read_header(header):
    """{column: index} of a header row, and the required columns it lacks."""
    index = {}
    for position, name in enumerate(header):
        if name is None:
            continue
        column = HEADER_LOOKUP.get(normalise(name))
        if column is not None:
            index.setdefault(column, position)
    return index, [column for column in REQUIRED_COLUMNS if column not in index]


def import_contacts(path, user, progress=None, error_report=None, change_reason="contact import", using=None):
    """Check and load a CSV or .xlsx file of contact figures, all or nothing; returns a config.bulk.ImportResult
    (total_rows, error_count, created, updated, unchanged, first_errors, rejected).

    `progress(stage, processed, total)` is called as the passes go on (stage: ImportStatus.VALIDATING, then
    IMPORTING); `error_report` is a text file that receives every error as CSV (row, column, value, reason)."""

    def body(connection, result, log, throttle):
        _import(path, user, connection, result, log, throttle, change_reason)

    return run_import(path, body, progress, error_report, using or DEFAULT_DB_ALIAS, interval=PROGRESS_INTERVAL)


def _import(path, user, connection, result, log, throttle, change_reason):
    rows = read_rows(path)
    try:
        header = next(rows, None)
    except (UnicodeDecodeError, csv.Error) as error:
        log.reject(1, "", "", unreadable(error))
        return
    if header is None:
        log.reject(1, "", "", _("the file is empty"))
        return
    index, missing = read_header(header)
    for column in missing:
        log.reject(1, column, "", _("the column is missing"))
    if missing:
        return

    # Pass 1: check every row and stage the clean ones (staged even in a bad file, to report its duplicates too).
    staging = Staging(connection, STAGING_TABLE, STAGING_COLUMNS, batch_size=BATCH_SIZE)
    staging.create()
    checker = ContactRowChecker(user)
    positions = list(index.items())

    def check_row(cells):
        named = {column: cells[position] if position < len(cells) else None for column, position in positions}
        values, municipality_id, errors = checker.check(named)
        if errors:
            return None, [(column, named.get(column), reason) for column, reason in errors.items()]
        return (municipality_id, *(values[name] for name in STAGED_FIELDS)), ()

    result.total_rows = check_rows(rows, check_row, staging, log, throttle, result.total_rows)
    staging.index_row_numbers()
    for duplicate_row, first_row in duplicates(connection):
        log.reject(
            duplicate_row,
            DUPLICATE_COLUMN,
            "",
            _("the same date, hour, centre, institution, service and types as row %(row)s") % {"row": first_row},
        )
    if result.rejected:
        return

    # Pass 2: write the staged rows batch by batch, in row order.
    now = timezone.now()
    user_id = user.pk if user is not None and user.is_authenticated else None
    upsert = _postgres_upsert(connection) if connection.vendor == "postgresql" else None

    def write_batch(low, high):
        if upsert is not None:
            staged, created, updated = _write_batch_postgres(connection, upsert, low, high, now, user_id, change_reason)
        else:
            staged, created, updated = _write_batch_orm(
                connection, low, high, now, user if user_id else None, change_reason
            )
        result.created += created
        result.updated += updated
        result.unchanged += staged - created - updated
        return staged

    write_in_batches(staging.row_number_bounds(), BATCH_SIZE, write_batch, throttle, result.total_rows)
    if result.created or result.updated:
        note_changes(changed_municipality_days(connection))
    staging.drop()


# --- running an uploaded ContactImport ----------------------------------------------------------------------


class ProgressRecorder(JobRecorder):
    """Writes an import's stage and progress to its ContactImport row while the import's transaction is open."""

    model = ContactImport


def run_contact_import(import_id):
    """Run one uploaded import (the Celery task's body): its status, progress, counts and error report end up on
    the ContactImport row. A finished import is left as it is, so a redelivered job does nothing."""

    def import_file(path, user, **options):
        return import_contacts(path, user, **options)

    return run_job(ContactImport, import_id, import_file, ProgressRecorder, "contact-errors")


def start_import(upload, user, language=None):
    """Store an uploaded file as a ContactImport and send it to the worker when the current transaction commits
    (the worker must find the row and its file); returns the ContactImport."""
    if not may_upload(user):
        raise PermissionDenied(_("Importing contact figures needs a centre you may record figures for."))
    contact_import = ContactImport.objects.create(
        file=upload, original_name=upload.name[:255], uploaded_by=user, language=language or ""
    )
    return CONTACT_IMPORTS.send_on_commit(contact_import)


# --- who may upload and see imports -------------------------------------------------------------------------


def may_upload(user):
    """Uploading needs a centre the user may record figures for (each row is still checked)."""
    return editable_centres(user).exists()


def visible_imports(user, queryset=None):
    """The imports `user` may see: their own; a coordinator sees all."""
    return visible_jobs(user, ContactImport.objects.all() if queryset is None else queryset)


# --- the one-day form ----------------------------------------------------------------------------------------


@dataclass
class DayResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


DAY_FORM_SOURCE = "one-day form"  # the source of the figures save_day creates
DAY_FIELDS = ("hour", "institution", "service", "contact_type", "staff_type", "client_type", "count")


def _pk(value):
    return getattr(value, "pk", value) or None


def save_day(user, centre, day, rows):
    """Make the centre's figures of `day` (those of single days, not totals over a span) exactly `rows`: new keys
    are created, changed counts updated, keys no longer given deleted; all or nothing. Returns a DayResult.

    Each row is a mapping of hour (0–23 or None for a total of the day), institution and service (instances,
    ids or None), contact_type, staff_type, client_type (codes; "" is not recorded) and count (0 or more).
    Raises PermissionDenied when `user` may not record the centre's figures, and ValidationError listing
    "row N, column: reason" messages (N counts the rows from 1; each error's params hold row and column) when a
    row is bad or repeats an earlier row's key; an error of the day itself (a day in the future) has row 0 and
    the reason alone as its message. The figures' history names `user`; saving sends the usual signals,
    which queue the incremental network recomputation."""
    if not can_edit_centre(user, centre):
        raise PermissionDenied(_("You may not record figures for this centre."))
    errors = []

    def error(row, column, reason):
        message = format_error(row, column, reason) if row else reason
        errors.append(ValidationError(message, code="invalid", params={"row": row, "column": column}))

    if day > timezone.localdate():
        error(0, "date", _("%(value)s is in the future") % {"value": day.isoformat()})
    wanted = {}
    for number, row in enumerate(rows, start=1):
        values = {"centre_id": centre.pk, "date": day, "date_to": None}
        values["hour"], reason = read_hour(row.get("hour"))
        if reason:
            error(number, "hour", reason)
        values["institution_id"], values["service_id"] = _pk(row.get("institution")), _pk(row.get("service"))
        for column in ("contact_type", "staff_type", "client_type"):
            values[column], reason = read_choice(column, row.get(column))
            if reason:
                error(number, column, reason)
        values["count"], reason = read_count(row.get("count"))
        if reason:
            error(number, "count", reason)
        if any(e.params["row"] == number for e in errors):
            continue
        key = natural_key(values)
        if key in wanted:
            error(
                number,
                DUPLICATE_COLUMN,
                _("the same date, hour, centre, institution, service and types as row %(row)s")
                % {"row": wanted[key][0]},
            )
            continue
        wanted[key] = (number, values)
    if errors:
        raise ValidationError(errors)

    outcome = DayResult()
    with transaction.atomic():
        stored = {}
        for figure in ContactFigure.objects.select_for_update().filter(centre=centre, date=day, date_to__isnull=True):
            stored[natural_key(_values_of(figure))] = figure
        for key, (_number, values) in wanted.items():
            figure = stored.pop(key, None)
            if figure is None:
                figure = ContactFigure(**values, source=DAY_FORM_SOURCE)
                outcome.created += 1
            elif figure.count == values["count"] and not figure.is_demo:
                outcome.unchanged += 1
                continue
            else:
                figure.count, figure.is_demo = values["count"], False
                outcome.updated += 1
            figure._history_user = user
            figure.save()
        for figure in stored.values():
            figure._history_user = user
            figure.delete()
            outcome.deleted += 1
    return outcome


def _values_of(figure):
    return {name: getattr(figure, name) for name in STAGED_FIELDS}


def day_rows(centre, day):
    """The centre's figures of `day` as save_day takes them, for the form's initial rows: the day's totals first,
    then by hour."""
    return [
        {name: getattr(figure, name) for name in DAY_FIELDS}
        for figure in ContactFigure.objects.filter(centre=centre, date=day, date_to__isnull=True)
        .select_related("institution", "service")
        .order_by(
            F("hour").asc(nulls_first=True),
            "contact_type",
            "staff_type",
            "client_type",
            "institution__short_name",
            "pk",
        )
    ]


__all__ = [
    "COLUMNS",
    "DayResult",
    "day_rows",
    "first_report_rows",
    "import_contacts",
    "may_upload",
    "run_contact_import",
    "save_day",
    "start_import",
    "visible_imports",
]
