"""The figure rules in their two forms hold together: `RULES_SQL` (how the bulk path checks a staged file on
PostgreSQL) flags exactly the rows that `RowChecker` and `figure_errors` reject, and an import gives the same
outcome whichever way the file goes (sent to COPY as it is, or read and checked row by row)."""

import csv
import io
import itertools
from datetime import date

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from accounts.models import Role
from config.bulk import ErrorLog, ImportResult, Throttle, copyable_csv
from services import bulk
from services.models import Service, ServiceFigure
from services.reference_data import load_channels
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.postgres

HEADER = ",".join(bulk.COLUMNS)


@pytest.fixture
def catalogue(postgres):
    """ALPHA and BETA provide VP-1 (since 2015); only ALPHA provides VP-2 (mid-April 2016 to June 2020); GAMMA
    provides nothing. A coordinator and ALPHA's editor."""
    load_channels()
    alpha, beta, gamma = (InstitutionFactory(short_name=name) for name in ("ALPHA", "BETA", "GAMMA"))
    first = Service.objects.create(catalogue_id="VP-1", name_lv="Viens", holder=alpha, valid_from=date(2015, 1, 1))
    first.providers.set([alpha, beta])
    second = Service.objects.create(
        catalogue_id="VP-2",
        name_lv="Divi",
        holder=alpha,
        valid_from=date(2016, 4, 15),
        valid_to=date(2020, 6, 30),
    )
    second.providers.set([alpha])
    return {
        "coordinator": UserFactory(role=Role.COORDINATOR),
        "editor": UserFactory(role=Role.EDITOR, member_of=[alpha]),
    }


def write(tmp_path, rows):
    path = tmp_path / "figures.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\n")
        csv.writer(handle).writerows(rows)
    return path


# Cells PostgreSQL's COPY reads into the staging table (keys as they are stored, numbers it can parse), so the
# SQL form alone judges them: near every boundary of every rule.
CANONICAL = {
    "service": ["VP-1", "VP-2", "VP-404", ""],
    "provider": ["ALPHA", "BETA", "GAMMA", "NOPE", ""],
    "year": ["2023", "2016", "2020", "2014", "1989", "1990", "2100", "2101", ""],
    "period_type": ["", "year", "quarter", "month", "week"],
    "period_number": ["", "0", "1", "2", "3", "4", "5", "6", "7", "12", "13", "-1"],
    "channel": ["portal", "phone", "fax", ""],
    "count": ["", "0", "7", "90", "100", "-3"],
    "client_minutes": ["", "0", "12.5", "-1.5", "12.55", "12.50", "9999999.9", "10000000", "NaN"],
    "satisfaction_responses": ["", "0", "20"],
    "satisfaction_mean": ["", "1", "4.25", "4.2505", "4.2500", "5", "6", "0.5", "999.999", "1500"],
    "scale": ["", "0", "1", "5", "-2"],
}


# Clean rows, near the edges of the services' lifetimes.
CLEAN = {
    "service": "VP-1",
    "provider": "ALPHA",
    "year": "2023",
    "period_type": "year",
    "period_number": "0",
    "channel": "portal",
    "started": "100",
    "completed": "90",
    "consultations": "5",
    "client_minutes": "12.5",
    "satisfaction_responses": "20",
    "satisfaction_mean": "4.25",
    "rating_scale_min": "1",
    "rating_scale_max": "5",
}
CLEAN_ROWS = [
    CLEAN,
    {**CLEAN, "service": "VP-2", "year": "2016", "period_type": "quarter", "period_number": "2"},
    {**CLEAN, "service": "VP-2", "year": "2020", "period_type": "month", "period_number": "6"},
    {**CLEAN, "provider": "BETA", "year": "2015", "period_type": "month", "period_number": "1"},
]
KINDS = {
    "started": "count",
    "completed": "count",
    "consultations": "count",
    "rating_scale_min": "scale",
    "rating_scale_max": "scale",
}


def choices(cells, column):
    return cells[KINDS.get(column, column)]


def every_change_of_one_or_two_cells(cells):
    """Each clean row with every cell, and every pair of cells, replaced by each of their `cells`."""
    for base in CLEAN_ROWS:
        for first, column in enumerate(bulk.COLUMNS):
            for value in choices(cells, column):
                yield [value if name == column else base[name] for name in bulk.COLUMNS]
            for other in bulk.COLUMNS[first + 1 :]:
                for value, other_value in itertools.product(choices(cells, column), choices(cells, other)):
                    changes = {column: value, other: other_value}
                    yield [changes.get(name, base[name]) for name in bulk.COLUMNS]


def rows_from(cells):
    """Lists of rows, each a clean row with up to three cells taken from `cells`."""

    def changed(base, columns):
        return st.fixed_dictionaries({column: st.sampled_from(choices(cells, column)) for column in columns}).map(
            lambda changes: [changes.get(column, base[column]) for column in bulk.COLUMNS]
        )

    row = st.tuples(
        st.sampled_from(CLEAN_ROWS), st.lists(st.sampled_from(bulk.COLUMNS), max_size=3, unique=True)
    ).flatmap(lambda choice: changed(*choice))
    return st.lists(row, min_size=1, max_size=6)


def flagged_by_sql(path, user):
    """The row numbers RULES_SQL flags in the file, staged with COPY (all rolled back)."""
    with transaction.atomic():
        result = ImportResult()
        run = bulk.FigureImport(path, user, connection, result, ErrorLog(result), Throttle(None), "test")
        layout = copyable_csv(path)
        run.checker = bulk.RowChecker(user, layout.header)
        run.copy_file(layout)
        run.resolve()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT row_number FROM {bulk.RESOLVED_TABLE} WHERE bad")
            flagged = {row_number for (row_number,) in cursor.fetchall()}
        transaction.set_rollback(True)
    return flagged


def rejected_by_python(path, user):
    rows = bulk.read_rows(path)
    checker = bulk.RowChecker(user, next(rows))
    rejected = set()
    for row_number, cells in enumerate(rows, start=2):
        _values, errors = checker.check(cells + [None] * (checker.width - len(cells)))
        if errors:
            rejected.add(row_number)
    return rejected


@pytest.mark.parametrize("user", ["coordinator", "editor"])
def test_the_sql_rules_flag_exactly_the_rows_the_python_rules_reject(catalogue, tmp_path, user):
    rows = list(every_change_of_one_or_two_cells(CANONICAL))
    path = write(tmp_path, rows)

    flagged, rejected = flagged_by_sql(path, catalogue[user]), rejected_by_python(path, catalogue[user])

    assert flagged == rejected
    assert 0 < len(rejected) < len(rows)  # both verdicts occur


# Cells any file may hold: besides the canonical ones, cells COPY cannot read as numbers, keys with spaces or in
# another case, decimal commas, values beyond a column's range.
ANY = {
    **CANONICAL,
    "service": [*CANONICAL["service"], " VP-1", "vp-1"],
    "provider": [*CANONICAL["provider"], "ALPHA "],
    "year": [*CANONICAL["year"], "20x3", "40000", " 2023"],
    "period_type": [*CANONICAL["period_type"], "QUARTER", " month"],
    "count": [*CANONICAL["count"], "many", "3000000000", "1.5"],
    "client_minutes": [*CANONICAL["client_minutes"], "12,5", "abc", "12345678.5"],
    "satisfaction_mean": [*CANONICAL["satisfaction_mean"], "4,25", "x"],
}


def outcome(path, user, row_by_row, monkeypatch):
    """(rejected, [(row, column, reason)], counts, stored figures) of importing the file, all rolled back."""
    report = io.StringIO()
    with monkeypatch.context() as patch, transaction.atomic():
        if row_by_row:
            patch.setattr(bulk, "copyable_csv", lambda path: None)
        result = bulk.import_figures_csv(path, user, error_report=report)
        stored = sorted(
            ServiceFigure.objects.values_list(
                "service__catalogue_id",
                "provider__short_name",
                "year",
                "period_type",
                "period_number",
                "channel__code",
                *bulk.VALUE_FIELDS,
            )
        )
        transaction.set_rollback(True)
    report.seek(0)
    errors = sorted((int(e["row"]), e["column"], e["reason"]) for e in csv.DictReader(report))
    return result.rejected, errors, (result.total_rows, result.created, result.updated), stored


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_from(ANY), as_editor=st.booleans())
def test_a_file_has_the_same_outcome_sent_to_copy_or_read_row_by_row(catalogue, tmp_path, rows, as_editor, monkeypatch):
    user = catalogue["editor" if as_editor else "coordinator"]
    path = write(tmp_path, rows)
    assert outcome(path, user, False, monkeypatch) == outcome(path, user, True, monkeypatch)


def write_sheet(tmp_path, rows):
    workbook = Workbook()
    workbook.active.append(list(bulk.COLUMNS))
    for cells in rows:
        workbook.active.append(cells)
    path = tmp_path / "figures.xlsx"
    workbook.save(path)
    return path


# A sheet's cells: numbers as numbers (whole ones read back as integers, others as floats), text, dates, blanks.
SHEET_CELLS = {
    **{column: [*values, None] for column, values in ANY.items()},
    "year": [2023, 2016.0, 2014, "2023", date(2023, 1, 1), None],
    "count": [0, 7, 90.0, 100, -3, 2.5, "many", None],
    "client_minutes": [12.5, 12.55, 0.1 + 0.2, "12,5", -1.5, None],
    "satisfaction_mean": [4.25, 4.2505, 5, "4,25", None],
    "scale": [1, 5, 0, "5", None],
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_from(SHEET_CELLS))
def test_a_sheet_has_the_same_outcome_staged_cell_by_cell_or_read_row_by_row(catalogue, tmp_path, rows, monkeypatch):
    user = catalogue["coordinator"]
    path = write_sheet(tmp_path, [[None if cell == "" else cell for cell in row] for row in rows])

    def row_by_row(path, user, **options):
        with monkeypatch.context() as patch:
            patch.setattr(bulk, "is_xlsx", lambda path: False)  # so the fast way is not tried
            return bulk.import_figures_csv(path, user, **options)

    assert sheet_outcome(bulk.import_figures_csv, path, user) == sheet_outcome(row_by_row, path, user)


def sheet_outcome(importer, path, user):
    report = io.StringIO()
    with transaction.atomic():
        result = importer(path, user, error_report=report)
        stored = sorted(ServiceFigure.objects.values_list("service__catalogue_id", "year", *bulk.VALUE_FIELDS))
        transaction.set_rollback(True)
    report.seek(0)
    errors = sorted((int(e["row"]), e["column"], e["reason"]) for e in csv.DictReader(report))
    return result.rejected, errors, (result.total_rows, result.created, result.updated), stored
