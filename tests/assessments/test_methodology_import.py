"""A methodology as an XLSX or CSV file: export and import round trips, updates without duplicates, row errors
that save nothing, the frozen refusal, and the admin's import and export pages."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from assessments.methodologies import load_methodologies, tree_of
from assessments.models import Band, Family, Methodology, Option, Question
from assessments.resources import COLUMNS, export_file, import_file
from institutions.resources import ImportRejected
from tests.assessments.test_methodologies import freeze, make_methodology, row_counts
from tests.factories import UserFactory

HEADER = list(COLUMNS)


@pytest.fixture
def institutions(db):
    load_methodologies()
    return Methodology.objects.get(family=Family.EINDEX_INSTITUTION, version=1)


def sheet_rows(content):
    """The rows of an exported XLSX's methodology sheet, as dicts."""
    sheet = openpyxl.load_workbook(io.BytesIO(content))["methodology"]
    lines = list(sheet.iter_rows(values_only=True))
    return [dict(zip(lines[0], line)) for line in lines[1:]]


def xlsx(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "methodology"
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row.get(column) for column in HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def find(rows, kind, **keys):
    return next(row for row in rows if row["kind"] == kind and all(row[k] == v for k, v in keys.items()))


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English."""
    with translation.override("en"):
        yield


# --- round trips ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_then_import_gives_back_the_same_version(institutions, file_format):
    before = tree_of(institutions)
    content = export_file(institutions, file_format)
    institutions.delete()

    methodology, counts = import_file(content, file_format)

    assert tree_of(methodology) == before
    # 1 methodology + 6 areas + 46 questions + the options and bands: everything is new.
    assert set(counts) == {"new"} and counts["new"] == 223


def test_importing_an_unchanged_export_changes_nothing(institutions):
    before, counts_before = tree_of(institutions), row_counts()
    methodology, counts = import_file(export_file(institutions, "xlsx"), "xlsx")
    assert methodology == institutions
    assert counts == {"skip": 223}
    assert tree_of(institutions) == before and row_counts() == counts_before


def test_a_reimported_file_updates_rows_and_never_duplicates_them(institutions):
    rows = sheet_rows(export_file(institutions, "xlsx"))
    find(rows, "question", area="A1", question="A1.1")["text_en"] = "Is the visitors' experience studied?"
    find(rows, "option", area="A1", question="A1.1", option="regularly")["points"] = 3
    find(rows, "area", area="A4")["weight"] = 30
    counts_before = row_counts()

    _methodology, counts = import_file(xlsx(rows), "xlsx")

    assert counts["update"] == 3 and "new" not in counts and "delete" not in counts
    assert row_counts() == counts_before
    question = Question.objects.get(area__methodology=institutions, code="A1.1")
    assert question.text_en == "Is the visitors' experience studied?"
    assert question.options.get(code="regularly").points == 3
    assert institutions.areas.get(code="A4").weight == 30


def test_rows_missing_from_the_file_are_deleted_and_new_rows_created(institutions):
    rows = sheet_rows(export_file(institutions, "xlsx"))
    rows = [row for row in rows if not (row["question"] == "A5.15")]  # the question with its options
    rows.append({"kind": "option", "area": "A5", "question": "A5.14", "option": "wiki", "text_lv": "Viki", "points": 1})

    _methodology, counts = import_file(xlsx(rows), "xlsx")

    assert counts["delete"] == 5  # A5.15 and its 4 options
    assert counts["new"] == 1
    assert not Question.objects.filter(area__methodology=institutions, code="A5.15").exists()
    # A blank order is the row's position among its siblings: after the three exported options of A5.14.
    assert Option.objects.get(question__area__methodology=institutions, code="wiki").order == 4


def test_a_file_with_a_new_version_number_creates_that_version(institutions):
    rows = sheet_rows(export_file(institutions, "xlsx"))
    find(rows, "methodology")["version"] = 2

    methodology, _counts = import_file(xlsx(rows), "xlsx")

    assert methodology.version == 2 and methodology.family == Family.EINDEX_INSTITUTION
    assert tree_of(methodology) == {**tree_of(institutions), "version": 2}


def test_a_semicolon_separated_csv_with_a_decimal_comma_is_read(db):
    methodology = make_methodology()
    text = export_file(methodology, "csv").decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    weight = lines[0].index("weight")
    lines[2][weight] = "2,5"  # the area row
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(lines)

    import_file(buffer.getvalue().encode("utf-8"), "csv")

    assert methodology.areas.get().weight == Decimal("2.5")


# --- bad files ---------------------------------------------------------------------------------------------------


def test_every_bad_row_is_named_and_nothing_is_written(institutions):
    rows = sheet_rows(export_file(institutions, "xlsx"))
    before, counts_before = tree_of(institutions), row_counts()
    number = {id(row): index for index, row in enumerate(rows, start=1)}
    find(rows, "question", area="A1", question="A1.1")["text_en"] = "A change that must not be saved"
    bad_points = find(rows, "option", area="A1", question="A1.1", option="regularly")
    bad_points["points"] = "many"
    bad_type = find(rows, "question", area="A2", question="A2.4")
    bad_type["question_type"] = "essay"
    bad_band = find(rows, "band", area="A5", question="A5.9", lower=20)
    bad_band["upper"] = 10
    bad_threshold = find(rows, "area", area="A3")
    bad_threshold["threshold_4"] = 50  # below threshold_3 (58)
    orphan = {"kind": "option", "area": "A1", "question": "A1.99", "option": "x", "text_lv": "X", "points": 1}
    duplicate = dict(find(rows, "question", area="A3", question="A3.1"))
    rows += [orphan, duplicate]
    number[id(orphan)], number[id(duplicate)] = len(rows) - 1, len(rows)

    with pytest.raises(ImportRejected) as rejected:
        import_file(xlsx(rows), "xlsx")

    assert set(rejected.value.errors) == {
        f"row {number[id(bad_points)]}, points: “many” is not a number",
        f"row {number[id(bad_type)]}, question_type: “essay” is not one of: yes_no, single, multiple, number, "
        "percent, text",
        f"row {number[id(bad_band)]}, upper: must be greater than lower (20)",
        f"row {number[id(bad_threshold)]}, threshold_4: must not be lower than threshold_3 (58)",
        f"row {number[id(orphan)]}, question: no question “A1.99” in area “A1” in this file",
        f"row {number[id(duplicate)]}, question: “A3.1” is already in row "
        f"{number[id(find(rows, 'question', area='A3', question='A3.1'))]}",
    }
    assert tree_of(institutions) == before and row_counts() == counts_before


def test_options_and_bands_must_fit_the_question_type(db):
    methodology = make_methodology()
    rows = sheet_rows(export_file(methodology, "xlsx"))
    find(rows, "question", question="S1.1")["question_type"] = "percent"  # has options, no bands
    rows = [row for row in rows if not (row["kind"] == "band" and row["lower"] == 50)]
    find(rows, "band", question="S1.2")["upper"] = None

    with pytest.raises(ImportRejected) as rejected:
        import_file(xlsx(rows), "xlsx")

    assert rejected.value.errors == [
        "row 4, kind: a question of type “Percent” has no options",
        "row 5, kind: a question of type “Percent” has no options",
        "row 3, question_type: a number or percent question needs at least one band",
    ]


def test_overlapping_bands_and_a_missing_option_are_named(db):
    methodology = make_methodology()
    rows = sheet_rows(export_file(methodology, "xlsx"))
    find(rows, "band", question="S1.2", lower=0)["upper"] = 60
    rows = [row for row in rows if row.get("option") != "no"]

    with pytest.raises(ImportRejected) as rejected:
        import_file(xlsx(rows), "xlsx")

    assert rejected.value.errors == [
        "row 3, question_type: a question of type “Yes or no” needs at least 2 options",
        "row 7, lower: overlaps the band in row 6",
    ]


@pytest.mark.parametrize(
    "content, file_format, message",
    [
        (b"not a workbook", "xlsx", "the file cannot be read as XLSX"),
        ("kinds,area\n".encode(), "csv", "the file has no column “kind”: is it a methodology file?"),
        (b"kind,area\n", "csv", "the file has no methodology row"),
        ("kind\n\xff".encode("latin-1"), "csv", "the CSV file is not UTF-8 text"),
    ],
)
def test_an_unreadable_file_is_refused(db, content, file_format, message):
    with pytest.raises(ImportRejected) as rejected:
        import_file(content, file_format)
    assert rejected.value.errors == [message]
    assert Methodology.objects.count() == 0


# --- frozen --------------------------------------------------------------------------------------------------------


def test_importing_a_change_into_a_frozen_version_is_refused(institutions):
    freeze(institutions)
    rows = sheet_rows(export_file(institutions, "xlsx"))
    find(rows, "area", area="A1")["weight"] = 50
    before = tree_of(institutions)

    with pytest.raises(ImportRejected) as rejected:
        import_file(xlsx(rows), "xlsx")

    assert rejected.value.errors == [
        "row 1, version: Version 1 of “E-index: institutions” is frozen: assessments of it have been submitted. "
        "Create a new version and make the change there (in a file: give it a new version number)."
    ]
    assert tree_of(institutions) == before


def test_the_same_file_with_a_new_version_number_is_accepted_for_a_frozen_version(institutions):
    freeze(institutions)
    rows = sheet_rows(export_file(institutions, "xlsx"))
    find(rows, "area", area="A1")["weight"] = 50
    find(rows, "methodology")["version"] = 2

    methodology, _counts = import_file(xlsx(rows), "xlsx")

    assert methodology.areas.get(code="A1").weight == 50
    assert institutions.areas.get(code="A1").weight == 20


# --- the admin pages -----------------------------------------------------------------------------------------------


def _login(client, role):
    client.force_login(UserFactory(role=role, is_staff=True))


def test_the_admin_exports_a_version_as_xlsx_and_csv(client, db):
    methodology = make_methodology()
    _login(client, Role.EXPERT)

    response = client.get(reverse("admin:assessments_methodology_export", args=[methodology.pk, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="methodology-eindex_institution-v1.xlsx"'
    assert [row["kind"] for row in sheet_rows(response.content)] == [
        "methodology",
        "area",
        "question",
        "option",
        "option",
        "question",
        "band",
        "band",
    ]

    response = client.get(reverse("admin:assessments_methodology_export", args=[methodology.pk, "csv"]))
    assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(HEADER)


def test_the_admin_import_shows_row_errors_and_saves_nothing(client, db):
    methodology = make_methodology()
    rows = sheet_rows(export_file(methodology, "xlsx"))
    find(rows, "option", option="yes")["points"] = "many"
    find(rows, "methodology")["text_en"] = "Not saved"
    _login(client, Role.COORDINATOR)
    url = reverse("admin:assessments_methodology_import")

    response = client.post(url, {"file": SimpleUploadedFile("m.xlsx", xlsx(rows))})

    assert response.status_code == 200
    page = response.content.decode()
    assert "The file was not imported: 1 problem." in page
    assert "row 4, points: “many” is not a number" in page
    methodology.refresh_from_db()
    assert methodology.name_en == "Small methodology"


def test_the_admin_import_saves_a_good_file_and_opens_the_version(client, db):
    methodology = make_methodology()
    rows = sheet_rows(export_file(methodology, "xlsx"))
    find(rows, "methodology")["text_en"] = "Imported"
    _login(client, Role.COORDINATOR)

    response = client.post(
        reverse("admin:assessments_methodology_import"), {"file": SimpleUploadedFile("m.xlsx", xlsx(rows))}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(reverse("admin:assessments_methodology_change", args=[methodology.pk]))
    methodology.refresh_from_db()
    assert methodology.name_en == "Imported"


def test_only_a_coordinator_may_import(client, db):
    methodology = make_methodology()
    content = export_file(methodology, "xlsx")
    _login(client, Role.EXPERT)
    url = reverse("admin:assessments_methodology_import")
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": SimpleUploadedFile("m.xlsx", content)}).status_code == 403


def test_the_admin_import_refuses_other_file_types(client, db):
    _login(client, Role.COORDINATOR)
    response = client.post(
        reverse("admin:assessments_methodology_import"), {"file": SimpleUploadedFile("m.txt", b"kind")}
    )
    assert "choose an XLSX or CSV file" in response.content.decode()
    assert Band.objects.count() == 0
