"""Import of the registry: every bad row named with its field and reason, nothing half-written,
and a re-sent file changes nothing."""

import io

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from institutions.models import Institution
from institutions.resources import ImportRejected, InstitutionResource, import_rows
from tests.factories import (
    InstitutionFactory,
    InstitutionGroupFactory,
    MembershipFactory,
    MunicipalityFactory,
    UserFactory,
)

HEADERS = ["short_name", "name_lv", "name_en", "registration_number", "group", "institution_type", "municipality"]


def institution_rows(municipality_code):
    return [
        {
            "short_name": "AAA",
            "name_lv": "Alfa aģentūra",
            "name_en": "Alpha Agency",
            "registration_number": "90000000001",
            "group": "1.1",
            "institution_type": "state_agency",
            "municipality": "",
        },
        {
            "short_name": "BBB",
            "name_lv": "Beta pārvalde",
            "name_en": "Beta Board",
            "registration_number": "90000000002",
            "group": "1.1",
            "institution_type": "Inspectorate",  # a label is accepted as well as the code
            "municipality": municipality_code,
        },
    ]


@pytest.mark.django_db
def test_valid_file_creates_institutions_with_derived_flags():
    InstitutionGroupFactory(code="1.1")
    municipality = MunicipalityFactory()
    import_rows(InstitutionResource(), institution_rows(municipality.code), HEADERS)
    beta = Institution.objects.get(short_name="BBB")
    assert beta.institution_type == "inspectorate"
    assert beta.municipality == municipality
    assert beta.bound_by_round1 and beta.governance_policy_applies


@pytest.mark.django_db
def test_resending_the_same_file_changes_nothing():
    InstitutionGroupFactory(code="1.1")
    municipality = MunicipalityFactory()
    rows = institution_rows(municipality.code)
    import_rows(InstitutionResource(), rows, HEADERS)
    history_before = Institution.history.count()
    result = import_rows(InstitutionResource(), rows, HEADERS)
    assert result.totals["skip"] == 2 and result.totals["new"] == 0 and result.totals["update"] == 0
    assert Institution.objects.count() == 2
    assert Institution.history.count() == history_before


@pytest.mark.django_db
def test_changed_row_updates_instead_of_duplicating():
    InstitutionGroupFactory(code="1.1")
    rows = institution_rows(MunicipalityFactory().code)
    import_rows(InstitutionResource(), rows, HEADERS)
    rows[0]["name_en"] = "Alpha Agency (renamed)"
    result = import_rows(InstitutionResource(), rows, HEADERS)
    assert result.totals["update"] == 1
    assert Institution.objects.get(short_name="AAA").name_en == "Alpha Agency (renamed)"
    assert Institution.objects.count() == 2


@pytest.mark.django_db
def test_bad_rows_are_all_named_and_nothing_is_saved():
    InstitutionGroupFactory(code="1.1")
    InstitutionFactory(registration_number="90000000009")
    rows = institution_rows("no-such-municipality")
    rows.append({**rows[0], "short_name": "CCC"})  # repeats AAA's registration number
    rows.append({**rows[0], "short_name": "DDD", "registration_number": "90000000009"})  # already in the database
    rows.append({**rows[0], "short_name": "EEE", "registration_number": "", "institution_type": "castle"})
    with pytest.raises(ImportRejected) as rejected, translation.override("en"):
        import_rows(InstitutionResource(), rows, HEADERS)
    errors = "\n".join(rejected.value.errors)
    assert "row 2, municipality: unknown municipality “no-such-municipality”" in errors
    assert "row 3, registration_number: duplicate registration number “90000000001” (already in row 1" in errors
    assert "row 4, registration_number:" in errors and "already exists" in errors
    assert "row 5, institution_type: “castle” is not a valid institution type" in errors
    # Row 1 was valid but the file was not: nothing of it stays.
    assert not Institution.objects.filter(short_name__in=["AAA", "BBB", "CCC", "DDD", "EEE"]).exists()


def _csv_upload(rows, headers=HEADERS):
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append([row[h] for h in headers])
    upload = io.BytesIO(dataset.export("csv").encode("utf-8"))
    upload.name = "institutions.csv"
    return upload


def _coordinator_client(client):
    user = UserFactory(role=Role.COORDINATOR, is_staff=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_admin_dry_run_lists_bad_rows_and_offers_no_confirmation(client):
    InstitutionGroupFactory(code="1.1")
    _coordinator_client(client)
    response = client.post(
        "/en" + reverse("admin:institutions_institution_import"),
        {"import_file": _csv_upload(institution_rows("atlantis")), "format": "0", "resource": "0"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "unknown municipality “atlantis”" in content
    assert "process_import" not in content  # no confirm form
    assert not Institution.objects.exists()


@pytest.mark.django_db
def test_admin_import_preview_then_confirm_saves_the_file(client):
    InstitutionGroupFactory(code="1.1")
    municipality = MunicipalityFactory()
    _coordinator_client(client)
    response = client.post(
        reverse("admin:institutions_institution_import"),
        {"import_file": _csv_upload(institution_rows(municipality.code)), "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    assert not Institution.objects.exists()  # the preview is a dry run
    confirm = response.context["confirm_form"]
    response = client.post(reverse("admin:institutions_institution_process_import"), confirm.initial)
    assert response.status_code == 302
    assert set(Institution.objects.values_list("short_name", flat=True)) == {"AAA", "BBB"}


@pytest.mark.django_db
def test_admin_export_xlsx_of_an_editor_holds_only_their_institution(client):
    own = InstitutionFactory(short_name="OWN")
    InstitutionFactory(short_name="OTHER")
    editor = UserFactory(role=Role.EDITOR, is_staff=True)
    MembershipFactory(user=editor, institution=own)
    client.force_login(editor)
    changelist = client.get(reverse("admin:institutions_institution_changelist"))
    assert "OWN" in changelist.content.decode() and "OTHER" not in changelist.content.decode()
    other = Institution.objects.get(short_name="OTHER")
    assert client.get(reverse("admin:institutions_institution_change", args=[other.pk])).status_code in (302, 403, 404)
    response = client.post(
        reverse("admin:institutions_institution_export"), {"format": "1", "resource": "0", **_all_export_fields()}
    )
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    short_names = {row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)}
    assert short_names == {"OWN"}


def _all_export_fields():
    return {f"institutionresource_{name}": "on" for name in InstitutionResource._meta.fields}


@pytest.mark.django_db
def test_editor_cannot_import_in_the_admin(client):
    editor = UserFactory(role=Role.EDITOR, is_staff=True)
    client.force_login(editor)
    assert client.get(reverse("admin:institutions_institution_import")).status_code == 403
