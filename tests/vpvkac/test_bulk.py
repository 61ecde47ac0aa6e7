"""The contact statistics import (vpvkac/bulk.py, vpvkac/resources.py): a queue system's export in, all or
nothing, re-sent files updating, operators limited to their centres, the network recomputed for what changed;
the one-day form; and the export that imports again unchanged."""

import csv
import io
from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from accounts.models import Role
from services.models import ImportStatus, RecomputationKind, RecomputationStatus, Service
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory
from tests.vpvkac.factories import CentreFactory, ContactFigureFactory, ReportingPeriodFactory
from vpvkac import bulk
from vpvkac.models import (
    CentreFigure,
    CentreMembership,
    ClientType,
    ContactFigure,
    ContactImport,
    ContactType,
    NetworkRecomputation,
    StaffType,
)
from vpvkac.resources import contact_rows, header_names

LATVIAN_HEADER = "datums;stunda;centrs;iestāde;pakalpojums;kontakta veids;darbinieka veids;klienta veids;skaits"


@pytest.fixture(autouse=True)
def english(default_language):
    """The error texts below are the English ones; the interface's default language is Latvian."""
    translation.activate("en")
    yield


@pytest.fixture
def place(db):
    """Two municipalities, a centre in each, an institution and a service; a coordinator and the operator of X."""
    m1, m2 = MunicipalityFactory(), MunicipalityFactory()
    x = CentreFactory(code="x-centrs", municipality=m1)
    y = CentreFactory(code="y-centrs", municipality=m2)
    vid = InstitutionFactory(short_name="VID")
    service = Service.objects.create(
        catalogue_id="VP-1", name_lv="Deklarācija", holder=vid, valid_from=date(2010, 1, 1)
    )
    operator = UserFactory(role=Role.CENTRE_OPERATOR)
    CentreMembership.objects.create(user=operator, centre=x)
    return {
        "m1": m1,
        "m2": m2,
        "x": x,
        "y": y,
        "vid": vid,
        "service": service,
        "coordinator": UserFactory(role=Role.COORDINATOR),
        "operator": operator,
    }


def write(tmp_path, lines, name="contacts.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def good_lines(count=3):
    return [
        LATVIAN_HEADER,
        f"2024-03-04;9;x-centrs;VID;VP-1;pakalpojums;pašvaldības darbinieki;fiziskā persona;{count}",
        "04.03.2024;10:00–11:00;x-centrs;;;Konsultācija;municipal;;2",
        "2024-03-05;;x-centrs;;;e-pasts;municipal;;7",
    ]


def test_a_clean_file_with_latvian_headers_is_imported(place, tmp_path):
    result = bulk.import_contacts(write(tmp_path, good_lines()), place["coordinator"])
    assert (result.total_rows, result.error_count, result.created, result.updated) == (3, 0, 3, 0)
    service = ContactFigure.objects.get(hour=9)
    assert (service.centre, service.date, service.institution, service.service) == (
        place["x"],
        date(2024, 3, 4),
        place["vid"],
        place["service"],
    )
    assert (service.contact_type, service.staff_type, service.client_type, service.count, service.is_demo) == (
        ContactType.SERVICE,
        StaffType.MUNICIPAL,
        ClientType.NATURAL,
        3,
        False,
    )
    consultation = ContactFigure.objects.get(contact_type=ContactType.CONSULTATION)
    assert (consultation.date, consultation.hour, consultation.client_type) == (date(2024, 3, 4), 10, "")
    assert ContactFigure.objects.get(contact_type=ContactType.EMAIL).hour is None  # a total of the day
    history = ContactFigure.history.get(hour=9)
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        place["coordinator"],
        "contact import",
    )


def test_an_xlsx_with_english_headers_and_spreadsheet_cells_is_imported(place, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Date", "Hour", "Centre", "Institution", "Contact type", "Staff type", "Client type", "Count"])
    sheet.append([date(2024, 3, 4), 11, place["x"].pk, "vid", "assisted e-service", "Institution staff", "legal", 4.0])
    sheet.append([date(2024, 3, 4), time(12, 0), "x-centrs", None, "call", "municipal", None, 1])
    path = tmp_path / "contacts.xlsx"
    workbook.save(path)
    result = bulk.import_contacts(path, place["coordinator"])
    assert (result.error_count, result.created) == (0, 2)
    assisted = ContactFigure.objects.get(hour=11)
    # The centre given by its number, the institution's short name in any case, the count a whole float.
    assert (assisted.centre, assisted.institution, assisted.contact_type, assisted.staff_type) == (
        place["x"],
        place["vid"],
        ContactType.ASSISTED_ESERVICE,
        StaffType.INSTITUTION,
    )
    assert (assisted.client_type, assisted.count) == (ClientType.LEGAL, 4)
    assert ContactFigure.objects.get(hour=12).contact_type == ContactType.CALL


def test_a_bad_file_writes_nothing_and_names_every_row_and_column(place, tmp_path):
    lines = [
        LATVIAN_HEADER,
        "2024-03-04;9;x-centrs;VID;;pakalpojums;municipal;natural;3",  # good, but the file is bad: not written
        "2024-13-04;9;nav-tada;XYZ;VP-404;lidojums;municipal;natural;3",  # date, centre, institution, service, type
        "2024-03-04;25;x-centrs;;;service;municipal;natural;-1",  # hour, count
        "2024-03-04;9;x-centrs;VID;;service;municipal;natural;5",  # the key of row 2 again
        "2999-01-01;9;x-centrs;;;service;somebody;natural;1",  # a future date, a bad staff type
    ]
    report = io.StringIO()
    result = bulk.import_contacts(write(tmp_path, lines), place["coordinator"], error_report=report)
    assert result.rejected
    assert not ContactFigure.objects.exists()
    errors = {(row, column) for row, column, _value, _reason in result.first_errors}
    assert errors == {
        (3, "date"),
        (3, "centre"),
        (3, "institution"),
        (3, "service"),
        (3, "contact_type"),
        (4, "hour"),
        (4, "count"),
        (5, bulk.DUPLICATE_COLUMN),
        (6, "date"),
        (6, "staff_type"),
    }
    reasons = {(row, column): reason for row, column, _value, reason in result.first_errors}
    assert reasons[(4, "count")] == "-1 is negative; a count is 0 or more"
    assert reasons[(4, "hour")] == "“25” is not an hour 0–23"
    assert reasons[(3, "centre")] == "no centre with the code or number “nav-tada”"
    assert "row 2" in reasons[(5, bulk.DUPLICATE_COLUMN)]
    rows = list(csv.reader(io.StringIO(report.getvalue())))
    assert rows[0] == ["row", "column", "value", "reason"]
    # A reason that starts with a minus sign is written as text a spreadsheet cannot run (config/exports.py).
    assert ["4", "count", "-1", "'-1 is negative; a count is 0 or more"] in rows
    assert len(rows) == 1 + result.error_count == 11


def test_a_missing_column_rejects_the_file_at_its_header(place, tmp_path):
    path = write(tmp_path, ["datums;centrs;kontakta veids;skaits", "2024-03-04;x-centrs;service;1"])
    result = bulk.import_contacts(path, place["coordinator"])
    assert sorted(column for row, column, _v, _r in result.first_errors if row == 1) == [
        "client_type",
        "hour",
        "staff_type",
    ]
    assert not ContactFigure.objects.exists()


def test_a_re_sent_file_updates_the_changed_figures_and_never_duplicates(place, tmp_path):
    bulk.import_contacts(write(tmp_path, good_lines(count=3)), place["coordinator"])
    again = bulk.import_contacts(write(tmp_path, good_lines(count=3)), place["coordinator"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = bulk.import_contacts(write(tmp_path, good_lines(count=8)), place["operator"])
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert ContactFigure.objects.count() == 3
    assert ContactFigure.objects.get(hour=9).count == 8
    latest = ContactFigure.history.filter(hour=9).order_by("-history_id").first()
    assert (latest.history_type, latest.history_user, latest.count) == ("~", place["operator"], 8)


def test_a_demo_figure_sent_again_becomes_a_real_one(place, tmp_path):
    ContactFigureFactory(
        centre=place["x"], date=date(2024, 3, 5), hour=None, contact_type=ContactType.EMAIL, count=7, is_demo=True
    )
    result = bulk.import_contacts(write(tmp_path, good_lines()), place["coordinator"])
    assert (result.created, result.updated) == (2, 1)
    assert not ContactFigure.objects.filter(is_demo=True).exists()


def test_an_operator_may_import_only_their_own_centres_figures(place, tmp_path):
    lines = [
        LATVIAN_HEADER,
        "2024-03-04;9;x-centrs;;;service;municipal;natural;3",
        f"2024-03-04;9;{place['y'].pk};;;service;municipal;natural;3",
    ]
    result = bulk.import_contacts(write(tmp_path, lines), place["operator"])
    assert [(row, column) for row, column, _v, _r in result.first_errors] == [(3, "centre")]
    assert result.first_errors[0][3] == f"you may not record figures for the centre “{place['y'].pk}”"
    assert not ContactFigure.objects.exists()  # not even the row of the operator's own centre
    own = bulk.import_contacts(write(tmp_path, lines[:2]), place["operator"])
    assert (own.error_count, own.created) == (0, 1)


def test_a_user_without_a_centre_may_not_upload(place):
    editor = UserFactory(role=Role.EDITOR)
    assert not bulk.may_upload(editor)
    assert bulk.may_upload(place["operator"]) and bulk.may_upload(place["coordinator"])
    with pytest.raises(PermissionDenied):
        bulk.start_import(SimpleUploadedFile("a.csv", b"datums\n"), editor)


def test_the_import_recomputes_the_touched_municipality_and_period(place, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        period = ReportingPeriodFactory()  # 2024; the new network's full recomputation runs here
    lines = [
        LATVIAN_HEADER,
        "2024-03-04;9;x-centrs;;;service;municipal;natural;3",
        "2024-03-05;10;x-centrs;;;service;municipal;legal;2",
        "2023-12-29;10;x-centrs;;;service;municipal;legal;9",  # in no period
    ]
    with django_capture_on_commit_callbacks(execute=True):
        bulk.import_contacts(write(tmp_path, lines), place["coordinator"])
    job = NetworkRecomputation.objects.get(kind=RecomputationKind.INCREMENTAL)
    assert (job.kind, job.scope, job.status) == (
        RecomputationKind.INCREMENTAL,
        [[place["m1"].pk, period.pk]],
        RecomputationStatus.DONE,
    )
    figure = CentreFigure.objects.get(centre=place["x"], period=period)
    assert (figure.services, figure.legal_visits) == (5, 2)  # 3 + 2 in 2024; the 2023 row is outside


def test_nothing_is_recomputed_when_a_re_sent_file_changes_nothing(place, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ReportingPeriodFactory()
        bulk.import_contacts(write(tmp_path, good_lines()), place["coordinator"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bulk.import_contacts(write(tmp_path, good_lines()), place["coordinator"])
    assert callbacks == []


def test_a_file_larger_than_a_batch_is_written_in_batches(place, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 4)
    lines = [LATVIAN_HEADER] + [f"2024-03-04;{hour};x-centrs;;;service;municipal;natural;{hour}" for hour in range(10)]
    stages = []
    result = bulk.import_contacts(
        write(tmp_path, lines), place["coordinator"], progress=lambda *args: stages.append(args)
    )
    assert (result.created, ContactFigure.objects.count()) == (10, 10)
    assert sorted(ContactFigure.objects.values_list("count", flat=True)) == list(range(10))
    assert stages[-1] == (ImportStatus.IMPORTING, 10, 10)
    again = bulk.import_contacts(write(tmp_path, lines), place["coordinator"])
    assert again.unchanged == 10


def test_an_export_imports_again_unchanged(place, tmp_path):
    ContactFigureFactory(centre=place["x"], date=date(2024, 3, 4), hour=9, institution=place["vid"], count=3)
    ContactFigureFactory(
        centre=place["x"],
        date=date(2024, 3, 4),
        hour=9,
        service=place["service"],
        contact_type=ContactType.CONSULTATION,
        client_type=ClientType.LEGAL,
        count=1,
    )
    ContactFigureFactory(centre=place["y"], date=date(2024, 1, 1), date_to=date(2024, 3, 31), count=400)
    for language in ("lv", "en"):
        rows = list(contact_rows(ContactFigure.objects.all(), language=language))
        assert rows[0] == header_names(language)
        path = tmp_path / f"export-{language}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        result = bulk.import_contacts(path, place["coordinator"])
        assert (result.error_count, result.created, result.updated, result.unchanged) == (0, 0, 0, 3)
    assert rows[-1][:4] == (date(2024, 1, 1), date(2024, 3, 31), None, "y-centrs")  # the span keeps its last day


def test_save_day_makes_the_days_figures_exactly_the_rows_given(place):
    day = date(2024, 3, 4)
    ContactFigureFactory(centre=place["x"], date=day, hour=9, count=3)
    ContactFigureFactory(centre=place["x"], date=day, hour=10, count=1)
    ContactFigureFactory(centre=place["x"], date=date(2024, 3, 5), hour=10, count=1)  # another day: untouched
    rows = [
        {"hour": 9, "contact_type": "service", "staff_type": "municipal", "client_type": "", "count": 4},
        {"hour": 11, "institution": place["vid"], "contact_type": "consultation", "staff_type": "institution",
         "client_type": "natural", "count": 2},
        {"hour": None, "contact_type": "call", "staff_type": "municipal", "client_type": "", "count": 6},
    ]  # fmt: skip
    outcome = bulk.save_day(place["operator"], place["x"], day, rows)
    assert (outcome.created, outcome.updated, outcome.deleted, outcome.unchanged) == (2, 1, 1, 0)
    assert sorted(
        ContactFigure.objects.filter(date=day).values_list("hour", "contact_type", "count"),
        key=lambda row: -1 if row[0] is None else row[0],
    ) == [(None, "call", 6), (9, "service", 4), (11, "consultation", 2)]
    assert ContactFigure.objects.filter(date=date(2024, 3, 5)).count() == 1
    assert ContactFigure.history.filter(hour=11).get().history_user == place["operator"]
    assert bulk.day_rows(place["x"], day)[0] == {
        "hour": None,
        "institution": None,
        "service": None,
        "contact_type": "call",
        "staff_type": "municipal",
        "client_type": "",
        "count": 6,
    }
    again = bulk.save_day(place["operator"], place["x"], day, rows)
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 3)


def test_save_day_refuses_another_centre_and_bad_rows(place):
    day = date(2024, 3, 4)
    row = {"hour": 9, "contact_type": "service", "staff_type": "municipal", "client_type": "", "count": 1}
    with pytest.raises(PermissionDenied):
        bulk.save_day(place["operator"], place["y"], day, [row])
    bad = [row, {**row, "count": -2}, {**row}, {**row, "hour": 24, "contact_type": "letter"}]
    with pytest.raises(ValidationError) as raised:
        bulk.save_day(place["operator"], place["x"], day, bad)
    assert [(error.params["row"], error.params["column"]) for error in raised.value.error_list] == [
        (2, "count"),
        (3, bulk.DUPLICATE_COLUMN),
        (4, "hour"),
        (4, "contact_type"),
    ]
    assert raised.value.messages[0] == "row 2, count: -2 is negative; a count is 0 or more"
    with pytest.raises(ValidationError) as raised:
        bulk.save_day(place["operator"], place["x"], date(2999, 1, 1), [row])
    assert raised.value.messages == ["2999-01-01 is in the future"]  # the day's own error: no row
    assert raised.value.error_list[0].params == {"row": 0, "column": "date"}
    assert not ContactFigure.objects.exists()


def test_save_day_queues_the_recomputation_of_its_municipality(place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        period = ReportingPeriodFactory()  # the new network's full recomputation runs here
    row = {"hour": 9, "contact_type": "service", "staff_type": "municipal", "client_type": "", "count": 5}
    with django_capture_on_commit_callbacks(execute=True):
        bulk.save_day(place["coordinator"], place["y"], date(2024, 6, 3), [row])
    job = NetworkRecomputation.objects.get(kind=RecomputationKind.INCREMENTAL)
    assert job.scope == [[place["m2"].pk, period.pk]]
    assert CentreFigure.objects.get(centre=place["y"], period=period).services == 5


def test_run_contact_import_records_the_outcome_on_the_job(place, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    content = ("\n".join(good_lines()) + "\n").encode()
    job = ContactImport.objects.create(
        file=SimpleUploadedFile("rinda.csv", content), original_name="rinda.csv", uploaded_by=place["operator"]
    )
    done = bulk.run_contact_import(job.pk)
    assert (done.status, done.total_rows, done.processed_rows, done.created_count, done.error_count) == (
        ImportStatus.DONE,
        3,
        3,
        3,
        0,
    )
    assert ContactFigure.history.filter(history_change_reason=f"contact import #{job.pk}").count() == 3
    assert bulk.run_contact_import(job.pk).status == ImportStatus.DONE  # a redelivered job does nothing

    bad = ContactImport.objects.create(
        file=SimpleUploadedFile(
            "slikts.csv", (LATVIAN_HEADER + "\n2024-03-04;9;y-centrs;;;service;municipal;;1\n").encode()
        ),
        uploaded_by=place["operator"],
    )
    rejected = bulk.run_contact_import(bad.pk)
    assert (rejected.status, rejected.error_count) == (ImportStatus.REJECTED, 1)
    assert bulk.first_report_rows(rejected) == [
        ["2", "centre", "y-centrs", "you may not record figures for the centre “y-centrs”"]
    ]


def test_imports_are_visible_to_their_uploader_and_the_coordinator(place):
    own = ContactImport.objects.create(file="a.csv", uploaded_by=place["operator"])
    other = ContactImport.objects.create(file="b.csv", uploaded_by=place["coordinator"])
    assert list(bulk.visible_imports(place["operator"])) == [own]
    assert set(bulk.visible_imports(place["coordinator"])) == {own, other}
