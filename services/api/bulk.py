"""Bulk submission of yearly figures and costs over the API: upsert by natural key, all or nothing.

A request is a list of whole rows. Every row is typed by the same serializer fields as a single write, its natural
keys are resolved, the right to write for its provider is asked of the scoping functions, and the row is checked by
services/validation.py. Any problem in any row rejects the request with every problem listed and nothing written;
otherwise new keys are inserted, changed rows updated and identical rows left alone.

The work per request is a fixed number of queries whatever the number of rows: one each for services, providers,
the channel code list, the writable providers, the services' facts (two) and the existing rows, then the batched
writes.
"""

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.settings import api_settings
from simple_history.utils import bulk_create_with_history

from institutions.models import Institution
from institutions.scoping import editable_institutions

from .. import costing
from ..edit_conflicts import locked
from ..models import Channel, Service, ServiceCost, ServiceFigure
from ..validation import cost_errors, figure_errors, service_facts
from .serializers import (
    FIGURE_VALUE_FIELDS,
    CostRowSerializer,
    FigureRowSerializer,
    not_allowed_message,
    unknown_channel_message,
    unknown_provider_message,
    unknown_service_message,
)

MAX_ROWS = 10_000
WRITE_BATCH = 1_000
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


@dataclass(frozen=True)
class ReportedTable:
    """How one table is submitted: its model, the serializer that types a row, its natural key and its rules."""

    model: type
    row_serializer: type
    key_fields: tuple  # model attribute names, in the order of the natural key
    value_fields: tuple
    rules: object  # services.validation.figure_errors or cost_errors
    channel_required: bool


FIGURES = ReportedTable(
    model=ServiceFigure,
    row_serializer=FigureRowSerializer,
    key_fields=("service_id", "provider_id", "year", "period_type", "period_number", "channel_id"),
    value_fields=tuple(FIGURE_VALUE_FIELDS),
    rules=figure_errors,
    channel_required=True,
)

COSTS = ReportedTable(
    model=ServiceCost,
    row_serializer=CostRowSerializer,
    key_fields=("service_id", "provider_id", "year", "component", "channel_id"),
    value_fields=("amount",),
    rules=cost_errors,
    channel_required=False,
)


class BulkRejected(Exception):
    """The submission was refused; `errors` lists every problem as {index, field, message}."""

    def __init__(self, status_code, errors):
        super().__init__(f"{len(errors)} problems")
        self.status_code = status_code
        self.errors = errors


def request_error(message):
    return {"index": None, "field": NON_FIELD, "message": str(message)}


def row_error(index, field, message):
    return {"index": index, "field": field, "message": str(message)}


class NaturalKeys:
    """The services, providers and channels named by a batch of rows, looked up once."""

    def __init__(self, rows):
        catalogue_ids = {row["service"] for row in rows}
        provider_pks = {key for kind, key in (row["provider"] for row in rows) if kind == "pk"}
        short_names = {key for kind, key in (row["provider"] for row in rows) if kind == "short_name"}
        self.services = dict(Service.objects.filter(catalogue_id__in=catalogue_ids).values_list("catalogue_id", "pk"))
        providers = Institution.objects.filter(Q(pk__in=provider_pks) | Q(short_name__in=short_names))
        self.providers = {}
        for pk, short_name in providers.values_list("pk", "short_name"):
            self.providers[("pk", pk)] = pk
            self.providers[("short_name", short_name)] = pk
        self.channels = dict(Channel.objects.values_list("code", "pk"))


def submit_rows(table, user, rows):
    """Upsert `rows` into `table` for `user`; returns the counts of created, updated and unchanged rows.

    Raises BulkRejected: 400 with every invalid row, 403 when a row's provider is not the user's to write.
    """
    if not isinstance(rows, list):
        raise BulkRejected(400, [request_error(_("send a JSON list of rows"))])
    if len(rows) > MAX_ROWS:
        message = _("at most %(limit)s rows per request, this one has %(count)s: split the submission") % {
            "limit": MAX_ROWS,
            "count": len(rows),
        }
        raise BulkRejected(400, [request_error(message)])

    errors, denied = [], []
    typed = _typed_rows(table, rows, errors)
    keys = NaturalKeys([row for _index, row in typed])
    resolved = []
    for index, row in typed:
        values = _resolve(table, keys, index, row, errors)
        if values is not None:
            resolved.append((index, row, values))

    provider_pks = {values["provider_id"] for _index, _row, values in resolved}
    writable = set(
        editable_institutions(user, Institution.objects.filter(pk__in=provider_pks)).values_list("pk", flat=True)
    )
    facts = service_facts({values["service_id"] for _index, _row, values in resolved})
    first_index_of_key, accepted = {}, []
    for index, row, values in resolved:
        if values["provider_id"] not in writable:
            denied.append(row_error(index, "provider", not_allowed_message(rows[index].get("provider"))))
            continue
        rule_errors = table.rules(values, facts[values["service_id"]])
        for field, message in rule_errors.items():
            errors.append(row_error(index, field, message))
        key = tuple(values[field] for field in table.key_fields)
        if key in first_index_of_key:
            message = _("the same natural key as row %(index)s; send each row once") % {
                "index": first_index_of_key[key]
            }
            errors.append(row_error(index, NON_FIELD, message))
        else:
            first_index_of_key[key] = index
        if not rule_errors:
            accepted.append((key, values))

    if denied or errors:
        problems = sorted(denied + errors, key=lambda error: error["index"])
        raise BulkRejected(403 if denied else 400, problems)
    return _upsert(table, user, accepted)


def _typed_rows(table, rows, errors):
    """Each row through the serializer fields a single write uses: (index, typed values) of the rows that pass."""
    serializer = table.row_serializer()
    typed = []
    for index, row in enumerate(rows):
        try:
            typed.append((index, serializer.to_internal_value(row)))
        except serializers.ValidationError as error:
            detail = error.detail if isinstance(error.detail, dict) else {NON_FIELD: error.detail}
            for field, messages in detail.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    errors.append(row_error(index, field, message))
    return typed


def _resolve(table, keys, index, row, errors):
    """The row with its natural keys replaced by ids, or None (and errors recorded) when one is unknown."""
    values = {field: row.get(field) for field in table.key_fields + table.value_fields if not field.endswith("_id")}
    values["service_id"] = keys.services.get(row["service"])
    values["provider_id"] = keys.providers.get(row["provider"])
    channel = row.get("channel")
    values["channel_id"] = keys.channels.get(channel) if channel is not None else None
    found = True
    if values["service_id"] is None:
        errors.append(row_error(index, "service", unknown_service_message(row["service"])))
        found = False
    if values["provider_id"] is None:
        errors.append(row_error(index, "provider", unknown_provider_message(row["provider"][1])))
        found = False
    if channel is not None and values["channel_id"] is None:
        errors.append(row_error(index, "channel", unknown_channel_message(channel)))
        found = False
    elif channel is None and table.channel_required:
        errors.append(row_error(index, "channel", _("is required")))
        found = False
    return values if found else None


def _upsert(table, user, accepted):
    """Insert the new keys, update the rows whose values differ, leave the identical ones; one transaction."""
    model = table.model
    try:
        with transaction.atomic():
            # Read under a row lock: the versions raised below are the stored ones plus one, whatever a web
            # form or a single API write does to the same rows meanwhile (services/edit_conflicts.py).
            existing = {
                tuple(getattr(row, field) for field in table.key_fields): row
                for row in locked(
                    model.objects.filter(
                        service_id__in={values["service_id"] for _key, values in accepted},
                        provider_id__in={values["provider_id"] for _key, values in accepted},
                        year__in={values["year"] for _key, values in accepted},
                    )
                )
            }
            new, changed, unchanged = _compare(table, accepted, existing)
            now = timezone.now()
            for row in changed:
                row.updated_at = now
            if new:
                bulk_create_with_history(new, model, batch_size=WRITE_BATCH, default_user=user, default_date=now)
            if changed:
                update_by_primary_key(model, changed, [*table.value_fields, "is_demo", "updated_at", "version"])
                model.history.bulk_history_create(
                    changed, batch_size=WRITE_BATCH, update=True, default_user=user, default_date=now
                )
            for provider_id, year in {(row.provider_id, row.year) for row in (*new, *changed)}:
                costing.figures_changed(provider_id, year)
    except IntegrityError as error:
        # Validation passed, so the database refused because another request wrote the same keys meanwhile.
        message = _("another submission wrote some of these rows at the same time; send the rows again")
        raise BulkRejected(409, [request_error(message)]) from error
    return {"created": len(new), "updated": len(changed), "unchanged": unchanged}


def _compare(table, accepted, existing):
    """(new rows, changed rows with their values and version set, count of unchanged rows)."""
    # A submitted row is real data: one that replaces a demo row stops being demo data.
    stored_fields = (*table.value_fields, "is_demo")
    new, changed, unchanged = [], [], 0
    for key, values in accepted:
        incoming = {field: values.get(field) for field in table.value_fields} | {"is_demo": False}
        row = existing.get(key)
        if row is None:
            new.append(table.model(**dict(zip(table.key_fields, key, strict=True)), **incoming))
        elif any(getattr(row, field) != incoming[field] for field in stored_fields):
            for field in stored_fields:
                setattr(row, field, incoming[field])
            row.version += 1
            changed.append(row)
        else:
            unchanged += 1
    return new, changed, unchanged


def update_by_primary_key(model, rows, fields):
    """Write `fields` of `rows` with one UPDATE … FROM (VALUES …) statement per batch, matched by primary key.

    Django's bulk_update builds a CASE expression per row and field, which takes minutes for ten thousand rows;
    a VALUES list costs the same as an insert. PostgreSQL needs each value cast to its column type (a column of
    NULLs would otherwise read as text); SQLite (3.33 or later) types values itself.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    if connection.vendor == "postgresql":
        placeholders = [f"CAST(%s AS {column.db_type(connection)})" for column in columns]
    else:
        placeholders = ["%s"] * len(columns)
    row_sql = f"({', '.join(placeholders)})"
    # VALUES names its columns column1, column2, ... on both databases; column1 is the primary key.
    assignments = ", ".join(
        f"{quote(column.column)} = v.column{number}" for number, column in enumerate(columns[1:], 2)
    )
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            batch = rows[start : start + WRITE_BATCH]
            params = [
                column.get_db_prep_save(getattr(row, column.attname), connection) for row in batch for column in columns
            ]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v "
                f"WHERE {table}.{quote(meta.pk.column)} = v.column1",
                params,
            )
