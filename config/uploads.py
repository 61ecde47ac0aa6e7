"""Checks of an uploaded file before anything is stored or read from it: its size, its type by name and by
content, a CSV's encoding and header width, an XLSX's zip archive (members, uncompressed size, compression ratio)
and its first sheet's size.

A file that fails raises UploadRejected (a ValidationError, so a form's clean method can let it through) with a
message naming the file and the limit; nothing is stored, so nothing is half-written. A CSV in UTF-16 with a byte
order mark is decoded and handed on as UTF-8, which every reader of the imports (and PostgreSQL's COPY) expects.

The limits come from the settings (IMPORT_MAX_UPLOAD_MB, EVIDENCE_MAX_UPLOAD_MB, IMPORT_MAX_COLUMNS,
IMPORT_XLSX_MAX_UNCOMPRESSED_MB); the rest are properties of the formats, fixed here.
"""

import codecs
import tempfile
import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from import_export.forms import ImportForm
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser

MB = 1024 * 1024
SNIFF_BYTES = 64 * 1024  # how much of a CSV's start is read to judge its type and its header
DECODE_CHUNK = 1024 * 1024

# An .xlsx sheet has at most 16,384 columns and 1,048,576 rows (the format's limits); a claim of more is a
# malformed file, and openpyxl would pad every row to the width the sheet claims.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_MEMBERS = 1_000  # a workbook has a few dozen parts; thousands only serve to make reading slow
# Spreadsheet XML compresses 5 to 30 times (a sheet of one repeated row, about 60); a zip bomb a thousand times.
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM = MB  # small parts compress as they like: the ratio is judged from this uncompressed size on
# openpyxl reads these parts whole into memory (the sheets it streams): the shared strings, the styles, ...
XLSX_MAX_LOADED_PART = 100 * MB
XLSX_REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
SHEET_NAMESPACE = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class UploadRejected(ValidationError):
    """An uploaded file refused before anything was stored; `str(error)` is the message."""

    def __init__(self, message):
        super().__init__(message, code="upload_rejected")

    def __str__(self):
        return self.message


def megabytes(size):
    """A size in MB, one decimal place, as the interface writes numbers."""
    return number_format(size / MB, decimal_pos=1, use_l10n=True)


def max_upload_bytes():
    return settings.IMPORT_MAX_UPLOAD_MB * MB


def max_evidence_bytes():
    return settings.EVIDENCE_MAX_UPLOAD_MB * MB


def check_size(upload, limit):
    if upload.size is not None and upload.size > limit:
        raise UploadRejected(
            _("“{name}” is {size} MB; files up to {limit} MB are accepted.").format(
                name=upload.name, size=megabytes(upload.size), limit=megabytes(limit)
            )
        )


def suffix_of(name):
    return Path(name or "").suffix.lower()


# --- data files (imports) -------------------------------------------------------------------------------------


def check_data_file(upload, suffixes=(".csv", ".xlsx")):
    """The upload, checked as a data file to import (a CSV or an .xlsx); a UTF-16 CSV comes back as UTF-8.
    Raises UploadRejected."""
    check_size(upload, max_upload_bytes())
    suffix = suffix_of(upload.name)
    if suffix not in suffixes:
        raise UploadRejected(
            _("“{name}” is not a file of the accepted types ({types}).").format(
                name=upload.name, types=", ".join(suffixes)
            )
        )
    if suffix == ".xlsx":
        check_xlsx(upload, upload.name)
        return upload
    return check_csv(upload)


def _rewound(upload):
    upload.seek(0)
    return upload


def check_csv(upload):
    """The upload as UTF-8 text, checked: it decodes, holds no NUL byte, and its header is not wider than
    IMPORT_MAX_COLUMNS."""
    name = upload.name
    head = _rewound(upload).read(SNIFF_BYTES)
    _rewound(upload)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise UploadRejected(_("“{name}” is UTF-32 text: save it as “CSV UTF-8”.").format(name=name))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        upload = utf16_as_utf8(upload)
        head = upload.read(SNIFF_BYTES)
        _rewound(upload)
    if b"\x00" in head:
        raise UploadRejected(
            _(
                "“{name}” is not CSV text: it holds NUL bytes (a binary file, or UTF-16 without a byte order "
                "mark). Save it as “CSV UTF-8”."
            ).format(name=name)
        )
    check_header_width(head, name)
    check_utf8(upload, name)
    return _rewound(upload)


def check_header_width(head, name):
    """Count the header's columns in the first SNIFF_BYTES of the file, before any row is parsed."""
    limit = settings.IMPORT_MAX_COLUMNS
    line = head.split(b"\n", 1)[0]
    columns = max(line.count(b","), line.count(b";")) + 1
    if columns > limit:
        raise UploadRejected(
            _("“{name}”: the header row has {count} columns or more; at most {limit} are accepted.").format(
                name=name, count=columns, limit=limit
            )
        )
    if b"\n" not in head and len(head) == SNIFF_BYTES:
        raise UploadRejected(
            _(
                "“{name}”: the header row is longer than {size} bytes; it cannot be a header of at most {limit} columns."
            ).format(name=name, size=SNIFF_BYTES, limit=limit)
        )


def check_utf8(upload, name):
    """Decode the whole file as UTF-8 (a byte order mark allowed), a chunk at a time; the first bad byte is
    reported with its line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    _rewound(upload)
    for chunk in iter(lambda: upload.read(DECODE_CHUNK), b""):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            # The decoder keeps an incomplete sequence from the previous chunk: the bad byte's position counts
            # from the start of that sequence.
            raise UploadRejected(_bad_utf8(name, line + chunk[: max(error.start, 0)].count(b"\n"), error)) from None
        line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise UploadRejected(_bad_utf8(name, line, error)) from None


def _bad_utf8(name, line, error):
    return _(
        "“{name}”, line {line}: the bytes {bytes} are not UTF-8 text (the file seems saved in another code page, "
        "such as Windows-1257 or Latin-1). Save it as “CSV UTF-8”."
    ).format(name=name, line=line, bytes=error.object[error.start : error.start + 4].hex(" ").upper())


def utf16_as_utf8(upload):
    """The UTF-16 text of an upload (with its byte order mark) as a new upload of UTF-8 text."""
    reader = codecs.getreader("utf-16")(_rewound(upload))
    converted = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    line = 1
    try:
        while text := reader.read(DECODE_CHUNK):
            converted.write(text.encode("utf-8"))
            line += text.count("\n")
    except UnicodeDecodeError:
        converted.close()
        raise UploadRejected(
            _("“{name}”, line {line}: the UTF-16 text breaks off here. Save the file as “CSV UTF-8”.").format(
                name=upload.name, line=line
            )
        ) from None
    size = converted.tell()
    converted.seek(0)
    return UploadedFile(converted, name=upload.name, content_type="text/csv", size=size, charset="utf-8")


def check_xlsx(upload, name):
    """An .xlsx must be a zip archive holding a workbook, with limits on its parts (a zip bomb is refused from
    its directory, before anything is decompressed) and a first sheet not wider than IMPORT_MAX_COLUMNS."""
    handle = _rewound(upload)
    if not zipfile.is_zipfile(handle):
        raise UploadRejected(_("“{name}” is not an Excel .xlsx file (it is not a zip archive).").format(name=name))
    try:
        with zipfile.ZipFile(_rewound(upload)) as archive:
            check_archive(archive, name)
            check_first_sheet(archive, name)
    except UploadRejected:
        raise
    except Exception as error:  # a damaged archive or workbook part fails in many ways (zipfile, XML, openpyxl)
        raise UploadRejected(
            _("“{name}” cannot be read as an Excel .xlsx file ({error}).").format(name=name, error=str(error)[:200])
        ) from None
    finally:
        _rewound(upload)


def check_archive(archive, name):
    """The limits on a workbook's zip directory. Python's zipfile stops a member at the size its directory
    entry declares (a member that holds more fails its checksum), so the declared sizes bound what is read."""
    members = archive.infolist()
    if len(members) > XLSX_MAX_MEMBERS:
        raise UploadRejected(
            _("“{name}” holds {count} parts; an .xlsx file of at most {limit} is accepted.").format(
                name=name, count=len(members), limit=XLSX_MAX_MEMBERS
            )
        )
    names = {member.filename for member in members}
    if any(part not in names for part in XLSX_REQUIRED_PARTS):
        raise UploadRejected(
            _("“{name}” is a zip archive but not an Excel workbook (its workbook parts are missing).").format(name=name)
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise UploadRejected(_("“{name}” is encrypted: save it without a password.").format(name=name))
    limit = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_MB * MB
    total = sum(member.file_size for member in members)
    if total > limit:
        raise UploadRejected(
            _("“{name}” unpacks to {size} MB; at most {limit} MB are accepted.").format(
                name=name, size=megabytes(total), limit=megabytes(limit)
            )
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= XLSX_RATIO_FROM and ratio > XLSX_MAX_RATIO:
            raise UploadRejected(
                _(
                    "“{name}” is refused: its part {part} unpacks {ratio} times its packed size (at most {limit} "
                    "times is accepted), as a zip bomb does."
                ).format(name=name, part=member.filename, ratio=int(ratio), limit=XLSX_MAX_RATIO)
            )
        if member.file_size > XLSX_MAX_LOADED_PART and not member.filename.startswith("xl/worksheets/"):
            raise UploadRejected(
                _("“{name}”: its part {part} unpacks to {size} MB; at most {limit} MB are accepted.").format(
                    name=name,
                    part=member.filename,
                    size=megabytes(member.file_size),
                    limit=megabytes(XLSX_MAX_LOADED_PART),
                )
            )


def first_sheet_part(archive):
    """The zip member of the workbook's first sheet, found as openpyxl finds it; None for a workbook without one."""
    from openpyxl.reader.workbook import WorkbookParser

    parser = WorkbookParser(archive, "xl/workbook.xml")
    parser.parse()
    for _sheet, relation in parser.find_sheets():
        return relation.target
    return None


def check_first_sheet(archive, name):
    """The first sheet's claimed size (its dimension) and its first row, read as a stream up to the first row's
    end: no row is padded and no cell kept."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    part = first_sheet_part(archive)
    if part is None or part not in archive.namelist():
        raise UploadRejected(_("“{name}” has no sheet to read.").format(name=name))
    limit = settings.IMPORT_MAX_COLUMNS
    columns = previous = 0
    with archive.open(part) as source:
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag
            if event == "start" and tag == f"{SHEET_NAMESPACE}dimension":
                columns = _claimed_columns(element.get("ref", ""), name)
            elif event == "end" and tag == f"{SHEET_NAMESPACE}c":
                # A cell without a reference is the one after the previous cell, as openpyxl reads it.
                position = previous + 1
                reference = element.get("r")
                if reference:
                    try:
                        position = column_index_from_string(coordinate_from_string(reference)[0])
                    except ValueError:
                        pass
                previous = position
                columns = max(columns, position)
                element.clear()
            elif event == "end" and tag == f"{SHEET_NAMESPACE}row":
                break
            if columns > limit:
                raise UploadRejected(
                    _("“{name}”: the sheet is {count} columns wide or more; at most {limit} are accepted.").format(
                        name=name, count=columns, limit=limit
                    )
                )


def _claimed_columns(reference, name):
    """The columns a sheet's dimension claims; refused when it is no range or claims more rows than a sheet has."""
    from openpyxl.utils.cell import range_boundaries

    try:
        _min_col, _min_row, max_col, max_row = range_boundaries(reference)
    except (ValueError, TypeError):
        # openpyxl reads only the 18,278 columns up to ZZZ, and would fail on opening the file.
        raise UploadRejected(
            _("“{name}”: its sheet's dimension {reference} is not a range of cells.").format(
                name=name, reference=reference[:40]
            )
        ) from None
    if (max_row or 0) > XLSX_MAX_ROWS:
        raise UploadRejected(
            _("“{name}”: its sheet claims {count} rows; an .xlsx sheet has at most {limit}.").format(
                name=name, count=max_row, limit=XLSX_MAX_ROWS
            )
        )
    return max_col or 0


class CheckedImportForm(ImportForm):
    """django-import-export's admin import form, its file checked as every data file is."""

    def clean_import_file(self):
        return check_data_file(self.cleaned_data["import_file"])


# --- evidence files (stored, never read) ----------------------------------------------------------------------

# What an evidence file of each type starts with. Office documents and ZIP are zip archives; the old binary
# Office formats are OLE compound files; text formats only have to decode.
MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".zip": (b"PK\x03\x04", b"PK\x05\x06"),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
TEXT_SUFFIXES = (".csv", ".txt")


def check_evidence_file(upload):
    """An evidence file: within EVIDENCE_MAX_UPLOAD_MB, and its content of the type its name says."""
    check_size(upload, max_evidence_bytes())
    suffix = suffix_of(upload.name)
    head = _rewound(upload).read(SNIFF_BYTES)
    _rewound(upload)
    if suffix in TEXT_SUFFIXES:
        utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if b"\x00" in head and not utf16:
            raise UploadRejected(
                _("“{name}” is not a text file, as its name ({suffix}) says.").format(name=upload.name, suffix=suffix)
            )
        return upload
    starts = MAGIC.get(suffix)
    if starts is not None and not head.startswith(starts):
        raise UploadRejected(
            _("“{name}” is not a {suffix} file: its content is of another type.").format(
                name=upload.name, suffix=suffix
            )
        )
    return upload


# --- request bodies of the API ---------------------------------------------------------------------------------


class RequestTooLarge(APIException):
    status_code = 413
    default_code = "request_too_large"


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser, refusing a body above DATA_UPLOAD_MAX_MEMORY_SIZE from its Content-Length before reading
    it: Django checks that limit for form bodies only, and DRF reads JSON from the stream itself."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            raise RequestTooLarge(
                _("The request body is {size} MB; at most {limit} MB are accepted: split the submission.").format(
                    size=megabytes(length), limit=megabytes(limit)
                )
            )
        return super().parse(stream, media_type, parser_context)


# --- multipart request bodies, before they are received -----------------------------------------------------------

MULTIPART_MARGIN = MB  # a form's other fields and the multipart boundaries around its files


def largest_file_bytes():
    """The largest file any form takes (each field checks its own limit once the file is in)."""
    return max(max_upload_bytes(), max_evidence_bytes())


def max_multipart_bytes():
    return largest_file_bytes() + MULTIPART_MARGIN


def request_length(request):
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class UploadSizeMiddleware:
    """Answers 413 to a multipart request that announces more bytes than any form takes, before its body is
    read: without it Django would receive (and spool to disk) the whole body, and only then would the form's
    field refuse the file. A proxy in front may set the same limit; this one keeps the site safe without one.
    A multipart body sent in chunks, with no length announced, is answered 411: Django reads no such body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == "multipart/form-data":
            if "HTTP_TRANSFER_ENCODING" in request.META and not request.META.get("CONTENT_LENGTH"):
                # A body sent in chunks states no length: Django would read none of it, and the form would
                # answer as if no file had been chosen.
                return self.length_required(request)
            length, limit = request_length(request), max_multipart_bytes()
            if length > limit:
                return self.too_large(request, length, limit)
        return self.get_response(request)

    @staticmethod
    def length_required(request):
        def message():
            return _("The upload did not state its length (Content-Length); nothing was stored. Send it again.")

        return UploadSizeMiddleware.refusal(request, message, status=411, title=_("Upload without a length"))

    @staticmethod
    def too_large(request, length, limit):
        def message():
            return _("The upload is {size} MB; files up to {limit} MB are accepted.").format(
                size=megabytes(length), limit=megabytes(largest_file_bytes())
            )

        return UploadSizeMiddleware.refusal(request, message, status=413, title=_("File too large"))

    @staticmethod
    def refusal(request, message, status, title):
        """The page (upload_refused.html, headed `title`) or, under /api/, the JSON answer with `message()`, in the
        language of the answer."""
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.utils import translation

        if request.path.startswith("/api/"):
            # In the language the client asks for, as the API's own answers (config/api.py).
            with translation.override(translation.get_language_from_request(request, check_path=False)):
                return JsonResponse({"detail": message()}, status=status)
        context = {"status": status, "title": title, "message": message()}
        return render(request, "upload_refused.html", context, status=status)


def upload_limits(request):
    """Template context: the file size every file field refuses in the browser before sending (static/js/site.js),
    with its message; `{name}` and `{size}` are filled in there."""
    limit = largest_file_bytes()
    return {
        "upload_limit_bytes": limit,
        "upload_limit_message": _("“{name}” is {size} MB; files up to {limit} MB are accepted.").format(
            name="{name}", size="{size}", limit=megabytes(limit)
        ),
    }
