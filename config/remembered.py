"""Results over large tables, remembered until one of their tables changes (PostgreSQL).

A list's page costs a few milliseconds off an index, but its COUNT(*) over six million figures costs a second of
a core, on every page and for every client. PostgreSQL keeps, per table, how many rows were ever inserted, updated
and deleted, and TRUNCATE gives the table a new file: while none of these moves, neither does a count or a sum
over the table. Such a result is kept in the cache under the query and those numbers.

A change made by another connection reaches these numbers when that connection reports its statistics, at the
latest about a second after its commit (PostgreSQL's statistics interval); the current transaction's own changes
count at once. A kept result is also dropped after RESULT_SECONDS, whatever happens.

Only queries over tables of at least `LARGE_TABLE_ROWS` (the planner's estimate) are kept: over small tables the
query is as cheap as the check, and a test database's tables never qualify. Other databases (SQLite on a laptop)
run every query.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

RESULT_SECONDS = 600

_VERSIONS_SQL = """
    SELECT c.oid::regclass::text, c.reltuples, c.relfilenode,
           pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_inserted(c.oid),
           pg_stat_get_tuples_updated(c.oid) + pg_stat_get_xact_tuples_updated(c.oid),
           pg_stat_get_tuples_deleted(c.oid) + pg_stat_get_xact_tuples_deleted(c.oid)
    FROM pg_class c
    WHERE c.oid = ANY(%s::regclass[])
    ORDER BY 1
"""


def large_table_rows():
    return getattr(settings, "LARGE_TABLE_ROWS", 100_000)


def table_versions(tables, using="default"):
    """The change counters of `tables`, or None when no table is large enough for keeping results over it to
    pay (or the database is not PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not tables:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_VERSIONS_SQL, [sorted(tables)])
        rows = cursor.fetchall()
    if not any(reltuples >= large_table_rows() for _, reltuples, *_ in rows):
        return None
    return tuple((name, filenode, inserted, updated, deleted) for name, _, filenode, inserted, updated, deleted in rows)


def queryset_tables(queryset):
    """The tables `queryset` reads, or None when it has a subquery (whose tables the query does not list)."""
    query = queryset.query
    try:
        sql, _ = query.sql_with_params()
    except EmptyResultSet:
        # A filter that can match nothing (`id__in=[]`): Django answers it without asking the database.
        return None
    if sql.upper().count("SELECT") > 1:
        return None
    return {alias.table_name for alias in query.alias_map.values() if getattr(alias, "table_name", None)}


def remembered(kind, sql, params, tables, compute, using="default"):
    """compute(), or its result kept from an earlier call with the same `sql` and `params` while `tables` have not
    changed since."""
    versions = table_versions(tables, using)
    if versions is None:
        return compute()
    digest = hashlib.sha256(repr((kind, using, sql, tuple(params), versions)).encode()).hexdigest()
    key = f"remembered:{kind}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found
    result = compute()
    cache.set(key, result, RESULT_SECONDS)
    return result


def count(queryset):
    """queryset.count(), kept while the tables it reads do not change."""
    tables = queryset_tables(queryset)
    if tables is None:
        return queryset.count()
    sql, params = queryset.query.sql_with_params()
    return remembered("count", sql, params, tables, queryset.count, using=queryset.db)


def rows(queryset):
    """list(queryset), kept while the tables it reads do not change: for sums over large tables (values()
    querysets; the rows are pickled into the cache)."""
    tables = queryset_tables(queryset)
    if tables is None:
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    return remembered("rows", sql, params, tables, lambda: list(queryset), using=queryset.db)


def aggregate(queryset, **expressions):
    """queryset.aggregate(**expressions), kept while the tables it reads do not change."""
    tables = queryset_tables(queryset)
    if tables is None:
        return queryset.aggregate(**expressions)
    sql, params = queryset.query.sql_with_params()
    described = repr(sorted((name, str(expression)) for name, expression in expressions.items()))
    return remembered(
        "aggregate", sql + described, params, tables, lambda: queryset.aggregate(**expressions), using=queryset.db
    )


class RememberedCountPaginator(Paginator):
    """A paginator whose count over a large table is asked once per change of the table, not once per page."""

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            return count(self.object_list)
        return super().count
