"""config/remembered.py: counts and sums over large tables are kept until one of the tables changes."""

import time

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from config import remembered
from institutions.models import Institution
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.usefixtures("postgres")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def analyse(model):
    # The planner's row estimate (pg_class.reltuples) decides what is large; a new test table has none (-1).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {model._meta.db_table}")


def counts_asked(queries):
    return sum("COUNT(*)" in query["sql"] for query in queries)


@override_settings(LARGE_TABLE_ROWS=1)
def test_a_count_over_a_large_table_is_asked_once_while_the_table_does_not_change():
    InstitutionFactory.create_batch(3)
    analyse(Institution)
    with CaptureQueriesContext(connection) as queries:
        first = remembered.count(Institution.objects.all())
        second = remembered.count(Institution.objects.all())
    assert first == second == 3
    assert counts_asked(queries.captured_queries) == 1


@override_settings(LARGE_TABLE_ROWS=1)
def test_a_change_in_the_same_transaction_counts_at_once():
    InstitutionFactory.create_batch(3)
    analyse(Institution)
    assert remembered.count(Institution.objects.all()) == 3
    InstitutionFactory()
    assert remembered.count(Institution.objects.all()) == 4
    Institution.objects.filter(pk=Institution.objects.first().pk).delete()
    assert remembered.count(Institution.objects.all()) == 3


@override_settings(LARGE_TABLE_ROWS=10**9)
def test_a_count_over_a_small_table_is_asked_every_time():
    InstitutionFactory.create_batch(2)
    analyse(Institution)
    with CaptureQueriesContext(connection) as queries:
        remembered.count(Institution.objects.all())
        remembered.count(Institution.objects.all())
    assert counts_asked(queries.captured_queries) == 2


@override_settings(LARGE_TABLE_ROWS=1)
def test_a_query_with_a_subquery_is_not_kept():
    # Its subquery's tables are not among the query's aliases, so their changes could not be seen.
    InstitutionFactory.create_batch(2)
    analyse(Institution)
    queryset = Institution.objects.filter(pk__in=Institution.objects.values("pk"))
    assert remembered.queryset_tables(queryset) is None
    with CaptureQueriesContext(connection) as queries:
        remembered.count(queryset)
        remembered.count(queryset)
    assert counts_asked(queries.captured_queries) == 2


@override_settings(LARGE_TABLE_ROWS=1)
def test_sums_are_kept_like_counts():
    from django.db.models import Count

    InstitutionFactory.create_batch(3)
    analyse(Institution)
    grouped = Institution.objects.values("institution_type").annotate(n=Count("id")).order_by("institution_type")
    with CaptureQueriesContext(connection) as queries:
        first = remembered.rows(grouped)
        second = remembered.rows(grouped)
    assert first == second
    assert sum(row["n"] for row in first) == 3
    assert sum("GROUP BY" in query["sql"] for query in queries.captured_queries) == 1


@pytest.mark.django_db(transaction=True)
@override_settings(LARGE_TABLE_ROWS=1)
def test_a_row_another_connection_commits_is_counted_once_its_statistics_are_reported():
    InstitutionFactory.create_batch(3)
    analyse(Institution)
    assert remembered.count(Institution.objects.all()) == 3
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute(f"DELETE FROM {Institution._meta.db_table} WHERE id = %s", [Institution.objects.first().pk])
        # A connection reports its statistics when it goes idle, at most once a second (PostgreSQL 15).
        deadline = time.monotonic() + 15
        while remembered.count(Institution.objects.all()) != 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    assert remembered.count(Institution.objects.all()) == 2
