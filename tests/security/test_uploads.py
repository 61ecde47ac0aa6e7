"""Abusive uploads (config/uploads.py): too large, of the wrong type, in the wrong encoding, zip bombs and a
million columns each get a clear message naming the file and the limit, fast, and nothing is written."""

import codecs
import io
import json
import random
import socket
import time
import tracemalloc
import zipfile
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from config.uploads import MB, LimitedJSONParser, UploadRejected, check_evidence_file
from institutions.models import Institution
from services.bulk import COLUMNS, import_figures_csv
from services.models import BulkImport, Service, ServiceFigure
from services.reference_data import load_channels
from tests.factories import InstitutionFactory, UserFactory
from vpvkac.models import ContactImport

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
ROW = "VP-1,ALPHA,2023,year,0,portal,100,90,5,12.5,20,4.250,1,5"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>'
)
SHEET_END = "</sheetData></worksheet>"


def xlsx_bytes(sheet_chunks, dimension=""):
    """A minimal .xlsx whose first sheet's XML is SHEET_START, the chunks (streamed into the zip, so a sheet of
    hundreds of MB never sits in memory) and SHEET_END."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_START.format(dimension=dimension).encode())
            for chunk in sheet_chunks:
                sheet.write(chunk)
            sheet.write(SHEET_END.encode())
    return buffer.getvalue()


def inline_row(number, values):
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'.encode()


def bomb_chunks(megabytes):
    """`megabytes` MB of one empty row repeated: deflate packs it about a thousand times."""
    chunk = b"<row/>" * (1024 * 1024 // 6)
    for _ in range(megabytes):
        yield chunk


@pytest.fixture
def catalogue():
    load_channels()
    alpha = InstitutionFactory(short_name="ALPHA")
    service = Service.objects.create(
        catalogue_id="VP-1", name_lv="Pakalpojums", holder=alpha, valid_from=date(2015, 1, 1)
    )
    service.providers.set([alpha])
    return {"alpha": alpha, "service": service}


@pytest.fixture
def editor_client(client, catalogue, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(UserFactory(role=Role.EDITOR, member_of=[catalogue["alpha"]]))
    return client


def upload_figures(client, name, content):
    with translation.override("en"):
        url = reverse("services:bulk-upload")
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def refusal(response):
    """The form's error message on a refused upload page (HTML-escaped quotes undone)."""
    assert response.status_code == 400, response.status_code
    return response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”").replace("&#x27;", "'")


def assert_nothing_written():
    assert BulkImport.objects.count() == 0
    assert ServiceFigure.objects.count() == 0


# --- size --------------------------------------------------------------------------------------------------------


def test_a_file_above_the_upload_limit_is_refused_naming_its_size_and_the_limit(editor_client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    # 1,200,000 bytes of rows: 1,200,000 / 1,048,576 = 1.14 MB, shown with one decimal as 1.1 against 1.0.
    content = (HEADER + "\n").encode() + b"x" * 1_200_000

    page = refusal(upload_figures(editor_client, "big.csv", content))

    assert "“big.csv” is 1.1 MB; files up to 1.0 MB are accepted." in page
    assert_nothing_written()


def test_the_upload_limits_come_from_the_environment(monkeypatch):
    import importlib

    import config.settings as settings_module

    monkeypatch.setenv("IMPORT_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("EVIDENCE_MAX_UPLOAD_MB", "3")
    monkeypatch.setenv("IMPORT_MAX_COLUMNS", "40")
    try:
        reloaded = importlib.reload(settings_module)
        assert (reloaded.IMPORT_MAX_UPLOAD_MB, reloaded.EVIDENCE_MAX_UPLOAD_MB, reloaded.IMPORT_MAX_COLUMNS) == (
            7,
            3,
            40,
        )
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)


# --- type --------------------------------------------------------------------------------------------------------


def test_a_file_of_another_type_is_refused_by_its_name(editor_client):
    page = refusal(upload_figures(editor_client, "figures.txt", (HEADER + "\n" + ROW).encode()))

    assert "Send a .csv or .xlsx file." in page
    assert_nothing_written()


def test_a_csv_named_xlsx_is_refused_as_not_a_zip_archive(editor_client):
    page = refusal(upload_figures(editor_client, "figures.xlsx", (HEADER + "\n" + ROW).encode()))

    assert "“figures.xlsx” is not an Excel .xlsx file (it is not a zip archive)." in page
    assert_nothing_written()


def test_a_zip_without_the_workbook_parts_is_refused(editor_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")

    page = refusal(upload_figures(editor_client, "figures.xlsx", buffer.getvalue()))

    assert "“figures.xlsx” is a zip archive but not an Excel workbook (its workbook parts are missing)." in page
    assert_nothing_written()


def test_an_xlsx_named_csv_is_refused_as_binary(editor_client):
    content = xlsx_bytes([inline_row(1, COLUMNS)])

    page = refusal(upload_figures(editor_client, "figures.csv", content))

    assert "“figures.csv” is not CSV text: it holds NUL bytes" in page
    assert_nothing_written()


# --- encoding ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bad_bytes"),
    [
        # "Rīga" in Windows-1257: ī is 0xEE; in Latin-1 "Müller": ü is 0xFC; neither starts a valid UTF-8 sequence
        # followed by what comes next.
        ("cp1257", "EE 67 61 2C"),
        ("latin-1", "FC 6C 6C 65"),
    ],
)
def test_a_csv_in_a_single_byte_code_page_is_refused_naming_its_line(editor_client, encoding, bad_bytes):
    word = "Rīga" if encoding == "cp1257" else "Müller"
    text = f"{HEADER}\n{ROW}\n{ROW.replace('ALPHA', word)}\n"

    page = refusal(upload_figures(editor_client, "figures.csv", text.encode(encoding)))

    # The header is line 1, the clean row line 2, the row with the letter line 3.
    assert f"“figures.csv”, line 3: the bytes {bad_bytes} are not UTF-8 text" in page
    assert "Save it as “CSV UTF-8”." in page
    assert_nothing_written()


def test_a_csv_whose_bad_byte_lies_past_the_first_chunk_names_the_right_line(editor_client):
    # 20,000 rows of 53 bytes (52 and the line break) = 1,060,000 bytes, past the 1 MB chunk; the bad row is
    # the last: header line 1, rows 2..20001, the bad one line 20002.
    rows = "\n".join([ROW] * 20_000)
    text = f"{HEADER}\n{rows}\n".encode() + ROW.replace("ALPHA", "Rīga").encode("cp1257") + b"\n"

    page = refusal(upload_figures(editor_client, "figures.csv", text))

    assert "“figures.csv”, line 20002: the bytes EE 67 61 2C are not UTF-8 text" in page
    assert_nothing_written()


def test_a_csv_in_utf16_with_a_byte_order_mark_is_decoded_and_imported(
    editor_client, django_capture_on_commit_callbacks
):
    content = codecs.BOM_UTF16_LE + f"{HEADER}\r\n{ROW}\r\n".encode("utf-16-le")

    with django_capture_on_commit_callbacks(execute=True):
        response = upload_figures(editor_client, "figures.csv", content)

    assert response.status_code == 302
    bulk_import = BulkImport.objects.get()
    assert (bulk_import.status, bulk_import.created_count) == ("done", 1)
    assert ServiceFigure.objects.get().completed == 90
    with bulk_import.file.open("rb") as stored:
        assert stored.read().startswith(HEADER.encode())  # stored as UTF-8, as COPY reads it


def test_a_csv_in_utf8_with_a_byte_order_mark_is_imported(editor_client, django_capture_on_commit_callbacks):
    content = codecs.BOM_UTF8 + f"{HEADER}\n{ROW}\n".encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = upload_figures(editor_client, "figures.csv", content)

    assert response.status_code == 302
    assert BulkImport.objects.get().status == "done"
    assert ServiceFigure.objects.count() == 1


def test_a_csv_in_utf16_without_a_byte_order_mark_is_refused(editor_client):
    page = refusal(upload_figures(editor_client, "figures.csv", f"{HEADER}\n{ROW}\n".encode("utf-16-le")))

    assert "UTF-16 without a byte order mark" in page
    assert_nothing_written()


# --- zip bombs ---------------------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_directory_fast_and_without_unpacking_it(editor_client):
    content = xlsx_bytes([inline_row(1, COLUMNS), *bomb_chunks(300)])
    # 300 MB of sheet XML packed into well under a megabyte.
    assert len(content) < 1024 * 1024

    tracemalloc.start()
    started = time.monotonic()
    try:
        page = refusal(upload_figures(editor_client, "bomb.xlsx", content))
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "“bomb.xlsx” is refused: its part xl/worksheets/sheet1.xml unpacks" in page
    assert "(at most 100 times is accepted), as a zip bomb does." in page
    assert elapsed < 5
    assert peak < 30 * 1024 * 1024  # the 300 MB were never unpacked
    assert_nothing_written()


def test_an_xlsx_unpacking_above_the_total_limit_is_refused(editor_client, settings):
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED_MB = 10
    content = xlsx_bytes([inline_row(1, COLUMNS), *bomb_chunks(12)])

    page = refusal(upload_figures(editor_client, "big.xlsx", content))

    assert "“big.xlsx” unpacks to 12.0 MB; at most 10.0 MB are accepted." in page
    assert_nothing_written()


def test_the_import_itself_refuses_a_zip_bomb_it_is_given_directly(catalogue, tmp_path):
    # Files also reach the import from the API and from commands, not only from the upload forms.
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(xlsx_bytes([inline_row(1, COLUMNS), *bomb_chunks(200)]))

    with translation.override("en"):
        result = import_figures_csv(path, UserFactory(role=Role.COORDINATOR))

    assert result.rejected
    (row, column, _value, reason) = result.first_errors[0]
    assert (row, column) == (1, "")
    assert "as a zip bomb does" in reason
    assert ServiceFigure.objects.count() == 0


# --- a million columns -------------------------------------------------------------------------------------------


def test_a_csv_with_a_million_columns_is_refused_at_its_header_fast(editor_client):
    content = ("c," * 999_999 + "c\n" + ROW + "\n").encode()

    started = time.monotonic()
    page = refusal(upload_figures(editor_client, "wide.csv", content))

    # Only the first 64 KB are read: 32,768 commas there, so 32,769 columns or more.
    assert "“wide.csv”: the header row has 32769 columns or more; at most 200 are accepted." in page
    assert time.monotonic() - started < 3
    assert_nothing_written()


def test_an_xlsx_with_a_million_cells_in_its_first_row_is_refused_fast(editor_client):
    # Numbers that differ, so the sheet packs as real data does (about 5 times), not as a zip bomb.
    numbers = random.Random(1)
    cells = b"".join(b"<c><v>%d</v></c>" % numbers.randrange(10**6) for _ in range(1_000_000))
    content = xlsx_bytes([b'<row r="1">', cells, b"</row>"])

    tracemalloc.start()
    started = time.monotonic()
    try:
        page = refusal(upload_figures(editor_client, "wide.xlsx", content))
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # The cells are counted as they stream by; the count stops at the first beyond the limit.
    assert "“wide.xlsx”: the sheet is 201 columns wide or more; at most 200 are accepted." in page
    assert elapsed < 5
    assert peak < 30 * 1024 * 1024
    assert_nothing_written()


def test_an_xlsx_whose_dimension_claims_the_widest_sheet_is_refused(editor_client):
    content = xlsx_bytes([inline_row(1, COLUMNS)], dimension='<dimension ref="A1:XFD2"/>')

    page = refusal(upload_figures(editor_client, "wide.xlsx", content))

    # XFD is column 16,384, the widest a sheet can be.
    assert "“wide.xlsx”: the sheet is 16384 columns wide or more; at most 200 are accepted." in page
    assert_nothing_written()


def test_an_xlsx_whose_dimension_claims_a_million_columns_is_refused(editor_client):
    # BDWGN is column 1,000,000: past XFD (16,384), the widest a sheet can be, and past what openpyxl reads.
    content = xlsx_bytes([inline_row(1, COLUMNS)], dimension='<dimension ref="A1:BDWGN2"/>')

    page = refusal(upload_figures(editor_client, "wide.xlsx", content))

    assert "“wide.xlsx”: its sheet's dimension A1:BDWGN2 is not a range of cells." in page
    assert_nothing_written()


def test_an_xlsx_whose_dimension_claims_more_rows_than_a_sheet_has_is_refused(editor_client):
    content = xlsx_bytes([inline_row(1, COLUMNS)], dimension='<dimension ref="A1:N2000000"/>')

    page = refusal(upload_figures(editor_client, "long.xlsx", content))

    assert "“long.xlsx”: its sheet claims 2000000 rows; an .xlsx sheet has at most 1048576." in page
    assert_nothing_written()


def test_a_data_row_wider_than_the_limit_rejects_the_import_naming_its_row(catalogue, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text(f"{HEADER}\n{ROW}\n{ROW}{',x' * 300}\n", encoding="utf-8")

    with translation.override("en"):
        result = import_figures_csv(path, UserFactory(role=Role.COORDINATOR))

    assert result.rejected
    # 14 columns and 300 more: 314, on line 3 (header, clean row, wide row).
    assert (3, "", "", "a row has 314 columns; at most 200 are accepted") in result.first_errors
    assert ServiceFigure.objects.count() == 0


def test_a_cell_above_the_csv_field_limit_rejects_the_import_instead_of_filling_memory(catalogue, tmp_path):
    path = tmp_path / "figures.csv"
    # The csv module's field limit is 131,072 characters: a 200,000-character cell stops the reading there.
    path.write_text(f'{HEADER}\n{ROW}\n"{"x" * 200_000}",ALPHA\n', encoding="utf-8")

    with translation.override("en"):
        result = import_figures_csv(path, UserFactory(role=Role.COORDINATOR))

    assert result.rejected
    assert "field larger than field limit" in result.first_errors[0][3]
    assert ServiceFigure.objects.count() == 0


# --- the other upload paths --------------------------------------------------------------------------------------


@pytest.fixture
def operator_client(client, settings, tmp_path):
    from tests.vpvkac.factories import CentreFactory
    from vpvkac.models import CentreMembership

    settings.MEDIA_ROOT = tmp_path / "media"
    operator = UserFactory(role=Role.CENTRE_OPERATOR)
    CentreMembership.objects.create(user=operator, centre=CentreFactory())
    client.force_login(operator)
    return client


def test_the_contact_figures_upload_refuses_a_zip_bomb_and_stores_nothing(operator_client):
    with translation.override("en"):
        url = reverse("vpvkac:import-upload")
    content = xlsx_bytes([inline_row(1, ["date", "centre"]), *bomb_chunks(150)])

    page = refusal(operator_client.post(url, {"file": SimpleUploadedFile("contacts.xlsx", content)}))

    assert "“contacts.xlsx” is refused" in page
    assert ContactImport.objects.count() == 0


def test_the_admin_import_refuses_a_file_in_a_code_page_and_imports_nothing(client):
    client.force_login(UserFactory(role=Role.COORDINATOR, is_staff=True, is_superuser=True))
    before = Institution.objects.count()
    content = "short_name,name_lv\nRĪGA,Rīgas pašvaldība\n".encode("cp1257")

    with translation.override("en"):
        response = client.post(
            reverse("admin:institutions_institution_import"),
            {"import_file": SimpleUploadedFile("institutions.csv", content), "format": "0"},
        )

    page = response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "“institutions.csv”, line 2: the bytes" in page
    assert Institution.objects.count() == before


def test_the_methodology_import_refuses_a_file_that_is_not_xlsx(client):
    client.force_login(UserFactory(role=Role.COORDINATOR, is_staff=True, is_superuser=True))

    with translation.override("en"):
        response = client.post(
            reverse("admin:assessments_methodology_import"),
            {"file": SimpleUploadedFile("methodology.xlsx", b"%PDF-1.7 not a workbook")},
        )

    page = response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "“methodology.xlsx” is not an Excel .xlsx file (it is not a zip archive)." in page


def test_an_evidence_file_whose_content_is_not_its_type_is_refused():
    with translation.override("en"), pytest.raises(UploadRejected) as refused:
        check_evidence_file(SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00 a program"))
    assert str(refused.value) == "“minutes.pdf” is not a .pdf file: its content is of another type."


def test_an_evidence_file_above_its_limit_is_refused_naming_the_limit(settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    # 2,000,000 bytes = 1.9 MB against 1.0 MB.
    with translation.override("en"), pytest.raises(UploadRejected) as refused:
        check_evidence_file(SimpleUploadedFile("scan.pdf", b"%PDF-" + b"0" * 1_999_995))
    assert str(refused.value) == "“scan.pdf” is 1.9 MB; files up to 1.0 MB are accepted."


def test_an_evidence_pdf_within_the_limit_is_accepted():
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n...")
    assert check_evidence_file(upload) is upload


def test_the_bulk_api_refuses_a_body_above_the_limit_before_reading_it(client, catalogue, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(UserFactory(role=Role.EDITOR, member_of=[catalogue["alpha"]]))
    row = {"service": "VP-1", "provider": "ALPHA", "year": 2023, "channel": "portal", "completed": 1}
    body = json.dumps([row] * 200)  # about 90 bytes a row: 18,000 bytes
    assert len(body) > 10_000

    response = client.post(
        "/api/v1/service-figures/bulk/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 413
    assert "at most" in response.json()["detail"]
    assert ServiceFigure.objects.count() == 0


def test_the_json_parser_reads_a_body_within_the_limit():
    class Request:
        META = {"CONTENT_LENGTH": "2"}

    assert LimitedJSONParser().parse(io.BytesIO(b"[]"), parser_context={"request": Request()}) == []


# --- a body above every limit, refused before it is received -----------------------------------------------------


def claimed_upload(client, url, claimed_bytes, **extra):
    """A multipart POST whose Content-Length claims `claimed_bytes`, of which only a few are sent."""
    return client.generic(
        "POST",
        url,
        b"--boundary\r\n",
        content_type="multipart/form-data; boundary=boundary",
        CONTENT_LENGTH=str(claimed_bytes),
        **extra,
    )


def raw_upload(live_server, header, body):
    """(answer, seconds) of a multipart POST to the figures upload page sent by hand: `header` is the line that
    says how long the body is, `body` what is sent of it (and then nothing more)."""
    with translation.override("en"):
        url = reverse("services:bulk-upload")
    server = urlsplit(live_server.url)
    head = (
        f"POST {url} HTTP/1.1\r\nHost: {server.hostname}\r\nAccept-Language: en\r\n"
        f"Content-Type: multipart/form-data; boundary=boundary\r\n{header}\r\n\r\n"
    )
    with socket.create_connection((server.hostname, server.port), timeout=10) as connection:
        connection.sendall(head.encode() + body)
        started = time.monotonic()
        answer = b""
        while b"</html>" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer, time.monotonic() - started


def test_an_upload_above_every_limit_is_refused_before_its_body_is_received(live_server, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    settings.EVIDENCE_MAX_UPLOAD_MB = 1

    # 1 KB of the 200 MB announced, and then nothing: a server reading the body would wait for the rest.
    answer, elapsed = raw_upload(live_server, f"Content-Length: {200 * MB}", b"--boundary\r\n" + b"x" * 1024)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert elapsed < 5
    page = answer.decode()
    assert "The upload is 200.0 MB; files up to 1.0 MB are accepted." in page
    assert BulkImport.objects.count() == 0


def test_an_upload_sent_in_chunks_without_a_length_is_refused_and_nothing_is_stored(live_server):
    answer, _elapsed = raw_upload(live_server, "Transfer-Encoding: chunked", b"c\r\n--boundary\r\n\r\n")  # no end

    assert answer.startswith(b"HTTP/1.1 411"), answer[:200]
    assert "The upload did not state its length (Content-Length); nothing was stored." in answer.decode()
    assert BulkImport.objects.count() == 0


def test_the_api_answers_an_upload_without_a_length_in_json(client):
    answer = client.generic(
        "POST",
        "/api/v1/service-figures/bulk/",
        b"",  # no body: the test client then sets neither a length nor a type
        CONTENT_TYPE="multipart/form-data; boundary=boundary",
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert answer.status_code == 411
    assert answer.json()["detail"].startswith("The upload did not state its length")


def test_the_refusal_speaks_latvian_by_default_and_json_to_the_api(client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 2
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    with translation.override("lv"):
        url = reverse("services:bulk-upload")

    page = claimed_upload(client, url, 5 * MB)
    api = claimed_upload(client, "/api/v1/service-figures/bulk/", 5 * MB, HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 413
    assert "Content-Security-Policy" in page  # the response still passes the header-setting middleware
    html = page.content.decode()
    assert "Augšupielāde ir 5,0 MB; pieņem datnes līdz 2,0 MB." in html
    assert api.status_code == 413
    assert api.json() == {"detail": "The upload is 5.0 MB; files up to 2.0 MB are accepted."}


def test_an_upload_within_the_limit_reaches_the_form(editor_client, settings):
    # 3 MB + the margin for the form's other fields passes the middleware; the field's own limit then speaks.
    settings.IMPORT_MAX_UPLOAD_MB = 3
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    content = (HEADER + "\n").encode() + b"x" * (3 * MB + 1000)

    page = refusal(upload_figures(editor_client, "big.csv", content))

    assert "files up to 3.0 MB are accepted" in page
