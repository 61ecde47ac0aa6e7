"""The coordinator's audit trail (reports/audit.py, reports/audit_views.py): every change to governed data with who,
when, for which institution and what, across the history tables and the bulk import batches, filtered, paged and
exported; nobody but the coordinator reads it.

The world: institutions A (VSAA) and B (VID); an editor of A, a viewer of A, an expert, the coordinator; project
"Pieteikumu pārveide" of A and "Deklarāciju pārveide" of B, both created by the test itself (no user on their
"created" history rows).
"""

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from institutions.models import Institution, PlanningRegion
from reports import audit
from services.models import BulkImport
from tests.factories import InstitutionFactory, UserFactory
from transformation.models import TransformationProject

pytestmark = pytest.mark.django_db


def audit_url(**params):
    with translation.override("en"):
        path = reverse("reports:audit")
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{path}?{query}" if query else path


def page_text(client, **params):
    response = client.get(audit_url(**params))
    assert response.status_code == 200
    return response.content.decode()


def rows_of(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


class World:
    pass


@pytest.fixture
def world():
    w = World()
    w.a = InstitutionFactory(short_name="VSAA", name_lv="Valsts sociālās apdrošināšanas aģentūra", name_en="SSIA")
    w.b = InstitutionFactory(short_name="VID", name_lv="Valsts ieņēmumu dienests", name_en="SRS")
    w.editor = UserFactory(username="editor-a", role=Role.EDITOR, member_of=[w.a], password=None)
    w.viewer = UserFactory(username="viewer-a", role=Role.VIEWER, member_of=[w.a], password=None)
    w.expert = UserFactory(username="expert", role=Role.EXPERT, password=None)
    w.coordinator = UserFactory(username="coordinator", role=Role.COORDINATOR, is_staff=True, password=None)
    w.project_a = TransformationProject.objects.create(institution=w.a, name="Pieteikumu pārveide", appraisal_years=5)
    w.project_b = TransformationProject.objects.create(institution=w.b, name="Deklarāciju pārveide", appraisal_years=5)
    return w


def edit_project_a(client, world, name):
    client.force_login(world.editor)
    with translation.override("en"):
        edit = reverse("transformation:project-edit", kwargs={"pk": world.project_a.pk})
    response = client.post(
        edit, {"institution": world.a.pk, "name": name, "funding_source": "state_budget", "appraisal_years": 5}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()


def test_an_edit_through_the_project_page_shows_who_when_which_institution_and_the_old_and_new_value(client, world):
    before = timezone.now()
    edit_project_a(client, world, "Pieteikumu pārveide 2.0")
    client.force_login(world.coordinator)

    entries = audit.AuditTrail(audit.Filters(model="transformation.TransformationProject", action="~"))[:10]

    assert len(entries) == 1
    entry = entries[0]
    assert entry.user == "editor-a"
    assert entry.when >= before
    assert entry.institution == str(world.a)
    assert entry.object == "Pieteikumu pārveide 2.0"
    with translation.override("en"):
        assert (
            "Name: Pieteikumu pārveide → Pieteikumu pārveide 2.0"
            in audit.AuditTrail(audit.Filters(model="transformation.TransformationProject", action="~"))[0].changes_text
        )
    html = page_text(client, model="transformation.TransformationProject")
    assert "editor-a" in html
    assert "Pieteikumu pārveide 2.0" in html
    assert "<strong>Name</strong>: Pieteikumu pārveide → Pieteikumu pārveide 2.0" in html
    assert ">changed<" in html


def test_a_deletion_in_the_admin_is_listed_as_deleted_by_the_coordinator(client, world):
    region = PlanningRegion.objects.create(code="latgale", name_lv="Latgale", name_en="Latgale")
    client.force_login(world.coordinator)
    with translation.override("en"):
        delete = reverse("admin:institutions_planningregion_delete", args=[region.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not PlanningRegion.objects.filter(code="latgale").exists()

    (entry,) = audit.AuditTrail(audit.Filters(model="institutions.PlanningRegion", action="-"))[:10]

    assert entry.user == "coordinator"
    assert entry.object == "Latgale"
    html = page_text(client, action="-")
    assert "Latgale" in html and ">deleted<" in html


def test_the_filters_narrow_by_user_institution_record_type_action_and_days(client, world):
    edit_project_a(client, world, "Jauns nosaukums")
    client.force_login(world.coordinator)

    def labels(**kwargs):
        return [(e.model, e.object, e.action) for e in audit.AuditTrail(audit.Filters(**kwargs))[:100]]

    # by the editor: their one change of project A (force_login writes no history; the edit writes one row)
    assert labels(user=world.editor) == [("Transformation project", "Jauns nosaukums", "changed")]
    # by institution B: project B's creation alone, nothing of A
    projects_of_b = labels(institution=world.b, model="transformation.TransformationProject")
    assert projects_of_b == [("Transformation project", "Deklarāciju pārveide", "created")]
    # institution A: its creation, the edit, and the institution's own creation row
    objects_of_a = {(model, action) for model, _o, action in labels(institution=world.a)}
    assert ("Transformation project", "changed") in objects_of_a
    assert ("Institution", "created") in objects_of_a
    assert not any(o == "Deklarāciju pārveide" for _m, o, _a in labels(institution=world.a))
    # days: everything happened today; yesterday holds nothing
    today = timezone.localdate()
    assert labels(date_from=today, date_to=today)
    assert labels(date_to=today - timedelta(days=1)) == []
    # the page applies the same filters from its query string
    html = page_text(client, user=world.editor.pk, action="~")
    assert "Jauns nosaukums" in html and "Deklarāciju pārveide" not in html
    assert "Showing 1–1 of 1" in html


def test_an_upside_down_date_range_is_refused_with_a_message(client, world):
    client.force_login(world.coordinator)
    html = page_text(client, date_from="2025-02-01", date_to="2025-01-01")
    assert "The first day is after the last day." in html


def test_a_bulk_import_batch_is_listed_with_its_file_and_counts(client, world):
    job = BulkImport.objects.create(
        file="imports/2025/01/figures.csv",
        original_name="figures.csv",
        uploaded_by=world.editor,
        status="done",
        total_rows=1200,
        created_count=1000,
        updated_count=150,
        unchanged_count=50,
    )
    client.force_login(world.coordinator)

    with translation.override("en"):
        (entry,) = audit.AuditTrail(audit.Filters(action="import"))[:10]
    assert entry.user == "editor-a"
    assert entry.reason == f"bulk import #{job.pk}"
    # 1,000 created + 150 changed + 50 unchanged = the file's 1,200 rows
    assert "File name: figures.csv" in entry.changes_text
    assert "Figures created: 1,000" in entry.changes_text or "Figures created: 1000" in entry.changes_text
    html = page_text(client)
    assert "figures.csv" in html and ">imported<" in html
    # an institution filter leaves batches out: a batch names no institution
    assert audit.AuditTrail(audit.Filters(institution=world.a, action="import"))[:10] == []


def test_the_csv_and_xlsx_exports_hold_the_filtered_rows(client, world):
    edit_project_a(client, world, "Eksportētais nosaukums")
    client.force_login(world.coordinator)

    rows = rows_of(client.get(audit_url(user=world.editor.pk, _export="csv")))
    assert rows[0] == ["When", "Who", "Institution", "Record type", "Record", "Action", "What changed", "Reason"]
    assert len(rows) == 2
    assert rows[1][1:6] == ["editor-a", str(world.a), "Transformation project", "Eksportētais nosaukums", "changed"]
    assert "Name: Pieteikumu pārveide → Eksportētais nosaukums" in rows[1][6]

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(audit_url(user=world.editor.pk, _export="xlsx")).content))
    sheet = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert sheet[1][1:6] == rows[1][1:6]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER, Role.EXPERT, Role.CENTRE_OPERATOR])
def test_everyone_but_the_coordinator_is_refused_the_page_and_its_export(client, world, role):
    user = UserFactory(role=role, member_of=[world.a], password=None)
    client.force_login(user)
    assert client.get(audit_url()).status_code == 403
    assert client.get(audit_url(_export="csv")).status_code == 403


def test_an_anonymous_reader_is_sent_to_log_in(client):
    response = client.get(audit_url())
    assert response.status_code == 302 and "login" in response.url


def test_the_navigation_links_the_page_for_the_coordinator_alone(client, world):
    client.force_login(world.coordinator)
    assert audit_url() in client.get("/en/").content.decode()
    client.force_login(world.editor)
    assert audit_url() not in client.get("/en/").content.decode()


def test_pages_merge_the_tables_newest_first_and_page_two_continues_where_page_one_stopped(world):
    # Five institutions and five regions created one minute apart, alternating: minute 0 an institution, minute 1
    # a region, ... minute 9 a region. Newest first, entries 1–4 are minutes 9, 8, 7, 6; 5–8 are 5, 4, 3, 2.
    start = timezone.now() + timedelta(days=1)
    for minute in range(10):
        row = Institution(
            short_name=f"T{minute}", name_lv=f"Iestāde {minute}", group=world.a.group, institution_type="state_agency"
        )
        if minute % 2:
            row = PlanningRegion(code=f"r{minute}", name_lv=f"Reģions {minute}")
        row._history_date = start + timedelta(minutes=minute)
        row.save()
    trail = audit.AuditTrail(audit.Filters(date_from=timezone.localtime(start).date()))

    assert len(trail) == 10
    assert [e.object for e in trail[0:4]] == ["Reģions 9", "Iestāde 8", "Reģions 7", "Iestāde 6"]
    assert [e.object for e in trail[4:8]] == ["Reģions 5", "Iestāde 4", "Reģions 3", "Iestāde 2"]


def test_a_page_costs_the_same_queries_with_ten_or_two_hundred_history_rows(client, world):
    client.force_login(world.coordinator)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page_text(client, model="institutions.PlanningRegion")
        return len(captured)

    for n in range(10):
        PlanningRegion.objects.create(code=f"few{n}", name_lv=f"R{n}")
    few = queries()
    for n in range(190):
        PlanningRegion.objects.create(code=f"many{n}", name_lv=f"R{n}")
    assert queries() == few


def test_every_institution_path_is_a_lookup_of_its_history_table():
    for source in audit.history_sources():
        if source.institution_path:
            # A misspelt path raises FieldError here instead of on the coordinator's page.
            list(source.history_model._default_manager.filter(**{source.institution_path: 1})[:1])
    labels = {source.label for source in audit.history_sources()}
    assert set(audit.INSTITUTION_PATHS) <= labels


def test_every_historied_model_with_an_institution_foreign_key_has_an_institution_path():
    # Otherwise the institution filter would silently leave that model's changes out.
    missing = [
        source.label
        for source in audit.history_sources()
        if any(f.is_relation and f.related_model is Institution for f in source.model._meta.fields)
        and source.label not in audit.INSTITUTION_PATHS
    ]
    assert missing == []


def test_the_import_batch_models_exist_and_record_who_sent_them():
    for label, user_field in audit.IMPORT_MODELS.items():
        assert apps.get_model(label)._meta.get_field(user_field).related_model.__name__ == "User"


def test_the_day_bounds_cover_whole_days_in_the_sites_time_zone():
    day = datetime(2025, 3, 30).date()  # the night Riga moves its clocks forward: the day has 23 hours
    start, end = audit._day_bounds(audit.Filters(date_from=day, date_to=day))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)


def test_the_whole_trail_is_counted_and_keyed_in_one_query_each_not_one_per_table(client, world):
    # About seventy tables feed the trail; a page asked each of them for its count and its newest keys.
    client.force_login(world.coordinator)
    for n in range(30):
        PlanningRegion.objects.create(code=f"r{n}", name_lv=f"R{n}")
    with CaptureQueriesContext(connection) as captured:
        page_text(client)
    tables = len(audit.AuditTrail(audit.Filters()).sources)
    assert tables > 60
    # Two queries for all the tables' counts and keys, then a few for each table with rows on the page (here
    # institutions, groups, regions, users, memberships, projects), whatever the number of rows.
    assert len(captured) < 40
