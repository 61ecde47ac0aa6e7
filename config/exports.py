"""Every CSV and XLSX the site writes goes through here, so that no cell of text can run as a formula when the file
is opened in a spreadsheet (OWASP "CSV injection"): a text cell beginning with =, +, -, @, a tab or a carriage
return gets an apostrophe in front. Numbers stay numbers, and so does text that is only a number ("-12",
"-1 234,5"): a spreadsheet reads it as that number, never as a formula.

- `neutralise(value)`, `neutralise_row(cells)`: one cell, one row;
- `csv_writer(handle)`: csv.writer whose rows are neutralised;
- `save_workbook(workbook, stream)`: an openpyxl workbook neutralised, then saved (a write-only workbook cannot be
  read back: its rows are neutralised as they are appended);
- `export_response(request, table, name)`: the CSV or XLSX download of a django-tables2 table that `?_export=`
  asks for (and `SafeTableExport`, the exporter of the list views);
- `SafeCSV`, `SafeXLSX`: django-import-export's formats for the admin, neutralising on export and taking the
  apostrophe off again on import, so that an exported file imports unchanged.
"""

import csv
import re

import tablib
from django.utils import timezone
from django_tables2.export import TableExport
from import_export.formats import base_formats

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A number as a table or a person writes it: a sign, digits grouped by spaces, a decimal point or comma, percent.
PLAIN_NUMBER = re.compile(r"[+\-]?\d[\d \u00a0\u202f]*(?:[.,]\d+)?%?")
EXPORT_FORMATS = (TableExport.CSV, TableExport.XLSX)


def neutralise(value):
    """The cell as it may be written to a CSV or XLSX file: text that a spreadsheet would take for a formula
    gets an apostrophe in front; anything else is returned as it is."""
    if not isinstance(value, str) or not value:
        return value
    first = value.lstrip(" \u00a0")[:1] or value[0]
    if first not in FORMULA_STARTS and value[0] not in FORMULA_STARTS:
        return value
    if PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def neutralise_row(cells):
    return [neutralise(cell) for cell in cells]


def restore(value):
    """The cell an exported file held before `neutralise` (for reading an exported file back in)."""
    if isinstance(value, str) and value.startswith("'") and neutralise(value[1:]) == value:
        return value[1:]
    return value


class _NeutralisingWriter:
    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        return self.writer.writerow(neutralise_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writer.writerow(neutralise_row(row))

    @property
    def dialect(self):
        return self.writer.dialect


def csv_writer(handle, *args, **kwargs):
    """csv.writer(handle, ...) that neutralises every row it writes."""
    return _NeutralisingWriter(csv.writer(handle, *args, **kwargs))


def neutralise_workbook(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str):
                    safe = neutralise(value)
                    if safe is not value:
                        cell.value = safe
    return workbook


def save_workbook(workbook, stream):
    """Save an openpyxl workbook (not a write-only one) with every text cell neutralised."""
    neutralise_workbook(workbook)
    workbook.save(stream)


def neutralise_dataset(dataset):
    """A tablib Dataset with its headers and cells neutralised."""
    safe = tablib.Dataset(title=dataset.title)
    if dataset.headers:
        safe.headers = neutralise_row(dataset.headers)
    for row in dataset:
        safe.append(neutralise_row(row))
    return safe


# --- django-tables2 --------------------------------------------------------------------------------------------


class SafeTableExport(TableExport):
    """django-tables2's exporter with the table's cells neutralised."""

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        return neutralise_dataset(super().table_to_dataset(table, exclude_columns, dataset_kwargs))


def export_response(request, table, name, trigger="_export"):
    """The CSV or XLSX download the `trigger` parameter (`?_export=csv|xlsx`) asks for, or None when it asks for
    none (or another format)."""
    export_format = request.GET.get(trigger)
    if export_format not in EXPORT_FORMATS:
        return None
    filename = f"{name}-{timezone.localdate().isoformat()}.{export_format}"
    return SafeTableExport(export_format, table).response(filename=filename)


def first_export(request, tables, name):
    """The download asked for of any of `tables` ({key: (trigger, table)}), or None."""
    for key, (trigger, table) in tables.items():
        response = export_response(request, table, f"{name}-{key}", trigger)
        if response:
            return response
    return None


# --- django-import-export --------------------------------------------------------------------------------------


def _restored(dataset):
    restored = tablib.Dataset(title=dataset.title)
    if dataset.headers:
        restored.headers = [restore(cell) for cell in dataset.headers]
    for row in dataset:
        restored.append([restore(cell) for cell in row])
    return restored


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralise_dataset(dataset), **kwargs)

    def create_dataset(self, in_stream, **kwargs):
        return _restored(super().create_dataset(in_stream, **kwargs))


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralise_dataset(dataset), **kwargs)

    def create_dataset(self, in_stream):
        return _restored(super().create_dataset(in_stream))
