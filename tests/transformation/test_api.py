"""The transformation API (transformation/api/): projects and measurements scoped to the user's institutions
(another institution's row is 404, never listed), written by their editors (403 for viewers and outsiders);
project steps with the closing refusal naming the missing indicators; the evaluation; pre-filling; the indicator
library; oversight decisions written by the coordinator and read by the institutions concerned; candidates;
shared components; service reviews and the review schedule."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from services import costing
from services.models import ServiceFigure
from tests.factories import InstitutionFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceFactory
from tests.transformation.factories import (
    ComponentFactory,
    DecisionFactory,
    IndicatorFactory,
    MeasurementFactory,
    ProjectFactory,
    ReviewFactory,
)
from transformation import workflow
from transformation.models import (
    ComponentProject,
    MeasurementSource,
    OversightDecision,
    ProjectStatus,
    ResultIndicator,
    ServiceReview,
    TransformationProject,
)

pytestmark = pytest.mark.django_db

D = Decimal


class World:
    """Institutions A and B, each with an editor, a service and a project; A also has a viewer; a coordinator."""

    def __init__(self):
        self.a, self.b = InstitutionFactory(short_name="A"), InstitutionFactory(short_name="B")
        self.editor_a = UserFactory(member_of=[self.a])
        self.viewer_a = UserFactory(member_of=[self.a], role=Role.VIEWER)
        self.editor_b = UserFactory(member_of=[self.b])
        self.coordinator = UserFactory(role=Role.COORDINATOR)
        self.service_a = ServiceFactory(holder=self.a, catalogue_id="SA-1")
        self.service_b = ServiceFactory(holder=self.b, catalogue_id="SB-1")
        self.project_a = ProjectFactory(institution=self.a, services=[self.service_a])
        self.project_b = ProjectFactory(institution=self.b, services=[self.service_b])
        workflow.create_phases(self.project_a)


@pytest.fixture
def world():
    return World()


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def ids(response):
    return {row["id"] for row in response.json()["results"]}


# --- projects --------------------------------------------------------------------------------------------------


def test_projects_are_listed_and_read_only_within_scope(world):
    assert ids(client(world.editor_a).get("/api/v1/transformation-projects/")) == {world.project_a.pk}
    assert ids(client(world.coordinator).get("/api/v1/transformation-projects/")) == {
        world.project_a.pk,
        world.project_b.pk,
    }
    assert client(world.editor_a).get(f"/api/v1/transformation-projects/{world.project_b.pk}/").status_code == 404
    detail = client(world.viewer_a).get(f"/api/v1/transformation-projects/{world.project_a.pk}/").json()
    assert detail["services"] == ["SA-1"] and len(detail["phases"]) == 7
    assert APIClient().get("/api/v1/transformation-projects/").status_code in (401, 403)


def test_the_list_filters_by_status_and_phase(world):
    workflow.start_project(world.project_a)
    api = client(world.coordinator)
    assert ids(api.get("/api/v1/transformation-projects/?status=active")) == {world.project_a.pk}
    assert ids(api.get("/api/v1/transformation-projects/?phase=baseline")) == {world.project_a.pk}
    assert ids(api.get("/api/v1/transformation-projects/?phase=design")) == set()


def test_an_editor_starts_a_project_for_their_institution_only(world):
    body = {"institution": "A", "name": "Jauns projekts", "services": ["SA-1"], "appraisal_years": 4}
    response = client(world.editor_a).post("/api/v1/transformation-projects/", body, format="json")
    assert response.status_code == 201, response.content
    project = TransformationProject.objects.get(pk=response.json()["id"])
    assert (project.institution, project.status, project.created_by) == (world.a, ProjectStatus.DRAFT, world.editor_a)
    assert project.phases.count() == 7
    # another institution's name is refused naming the field; a viewer may not start projects at all
    other = client(world.editor_a).post("/api/v1/transformation-projects/", {**body, "institution": "B"}, format="json")
    assert other.status_code == 403 and "institution" in other.json()
    assert client(world.viewer_a).post("/api/v1/transformation-projects/", body, format="json").status_code == 403
    # a service the editor cannot see is unknown
    hidden = client(world.editor_a).post(
        "/api/v1/transformation-projects/", {**body, "services": ["SB-1"]}, format="json"
    )
    assert hidden.status_code == 400 and "services" in hidden.json()


def test_changing_a_project_needs_its_editor(world):
    url = f"/api/v1/transformation-projects/{world.project_a.pk}/"
    assert client(world.editor_a).patch(url, {"goal": "Jauns mērķis"}, format="json").status_code == 200
    assert client(world.viewer_a).patch(url, {"goal": "x"}, format="json").status_code == 403
    assert client(world.editor_b).patch(url, {"goal": "x"}, format="json").status_code == 404
    world.project_a.refresh_from_db()
    assert world.project_a.goal == "Jauns mērķis"


def test_closing_through_the_api_names_the_missing_indicators(world):
    must = IndicatorFactory(code="MUST1", name_lv="Obligātais", mandatory=True)
    api = client(world.editor_a)
    base = f"/api/v1/transformation-projects/{world.project_a.pk}"
    assert api.post(f"{base}/start/", {"on": "2025-01-06"}, format="json").status_code == 200
    refused = api.post(f"{base}/close/", {}, format="json")
    assert refused.status_code == 400
    assert "MUST1 Obligātais" in refused.json()["detail"][0]
    for phase in ("baseline", "final"):
        MeasurementFactory(project=world.project_a, indicator=must, phase=phase)
    closed = api.post(f"{base}/close/", {"on": "2025-06-30"}, format="json")
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["closed_on"]) == ("closed", "2025-06-30")
    # a closed project no longer changes
    assert api.patch(f"{base}/", {"goal": "x"}, format="json").status_code == 400
    assert client(world.viewer_a).post(f"{base}/cancel/", {}, format="json").status_code == 403


def test_the_evaluation_endpoint(world):
    e_use = IndicatorFactory(code="EUSE", value_kind="share", good_direction="up")
    MeasurementFactory(project=world.project_a, indicator=e_use, phase="baseline", value=D(30))
    MeasurementFactory(project=world.project_a, indicator=e_use, phase="final", value=D(65))
    data = client(world.viewer_a).get(f"/api/v1/transformation-projects/{world.project_a.pk}/evaluation/").json()
    (row,) = [row for row in data["rows"] if row["indicator"] == "EUSE"]
    # 65 − 30 = 35; 35 / 30 × 100 = 116.67 %; higher is better: gain
    assert (row["delta"], row["delta_percent"], row["outcome"]) == ("35.0000", "116.67", "gain")
    assert data["gains"] == 1
    assert (
        client(world.editor_b).get(f"/api/v1/transformation-projects/{world.project_a.pk}/evaluation/").status_code
        == 404
    )


def test_prefilling_through_the_api(world):
    ServiceFigure.objects.create(
        service=world.service_a, provider=world.a, year=2024, channel=ChannelFactory(code="portal"), completed=300
    )
    ServiceFigure.objects.create(
        service=world.service_a,
        provider=world.a,
        year=2024,
        channel=ChannelFactory(code="institution_in_person"),
        completed=100,
    )
    costing.recompute()
    IndicatorFactory(code="CH", value_kind="share", catalogue_source="channel_proportion")
    body = {"phase": "baseline", "period_start": "2024-01-01", "period_end": "2024-12-31"}
    url = f"/api/v1/transformation-projects/{world.project_a.pk}/prefill/"
    response = client(world.editor_a).post(url, body, format="json")
    assert response.status_code == 200, response.content
    # 300 digital of 400 → 75 %
    (measurement,) = response.json()
    assert (measurement["indicator"], measurement["value"], measurement["source"]) == ("CH", "75.0000", "prefilled")
    assert client(world.viewer_a).post(url, body, format="json").status_code == 403


# --- measurements ----------------------------------------------------------------------------------------------


def test_measurements_are_scoped_and_written_by_the_projects_editors(world):
    indicator = IndicatorFactory(code="CNT")
    mine = MeasurementFactory(project=world.project_a, indicator=indicator)
    theirs = MeasurementFactory(project=world.project_b, indicator=indicator)
    assert ids(client(world.editor_a).get("/api/v1/measurements/")) == {mine.pk}
    assert client(world.editor_a).get(f"/api/v1/measurements/{theirs.pk}/").status_code == 404
    body = {"project": world.project_a.pk, "indicator": "CNT", "phase": "final", "value": "12.5"}
    created = client(world.editor_a).post("/api/v1/measurements/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["source"] == MeasurementSource.ENTERED and created.json()["measured_by"]
    # the same indicator and phase again is refused naming the phase
    again = client(world.editor_a).post("/api/v1/measurements/", body, format="json")
    assert again.status_code == 400 and "phase" in again.json()
    # another institution's project: 403 for a project visible but not editable, 400 for one not visible
    assert client(world.viewer_a).post("/api/v1/measurements/", body, format="json").status_code == 403
    assert (
        client(world.editor_b).post("/api/v1/measurements/", {**body, "phase": "interim"}, format="json").status_code
        == 400
    )
    assert client(world.editor_b).delete(f"/api/v1/measurements/{mine.pk}/").status_code == 404
    assert client(world.editor_a).delete(f"/api/v1/measurements/{mine.pk}/").status_code == 204


def test_a_measurement_must_fit_its_indicator_and_project(world):
    share = IndicatorFactory(code="SH", value_kind="share")
    own_b = IndicatorFactory(code="OWNB", scope="institution", owner_institution=world.b)
    api = client(world.editor_a)
    too_big = api.post(
        "/api/v1/measurements/",
        {"project": world.project_a.pk, "indicator": "SH", "phase": "baseline", "value": "120"},
        format="json",
    )
    assert too_big.status_code == 400 and "value" in too_big.json()
    foreign = api.post(
        "/api/v1/measurements/",
        {"project": world.project_a.pk, "indicator": "OWNB", "phase": "baseline", "value": "1"},
        format="json",
    )
    assert foreign.status_code == 400 and "indicator" in foreign.json()
    assert share.pk and own_b.pk


def test_editing_a_prefilled_value_makes_it_entered(world):
    measurement = MeasurementFactory(
        project=world.project_a, indicator=IndicatorFactory(code="PF"), source="prefilled", source_note="katalogs"
    )
    response = client(world.editor_a).patch(f"/api/v1/measurements/{measurement.pk}/", {"value": "7"}, format="json")
    assert response.status_code == 200
    measurement.refresh_from_db()
    assert (measurement.value, measurement.source, measurement.source_note) == (D(7), "entered", "")


# --- indicators ------------------------------------------------------------------------------------------------


def test_the_library_is_shared_and_own_indicators_stay_with_their_institution(world):
    IndicatorFactory(code="LIB")
    IndicatorFactory(code="OWN-A", scope="institution", owner_institution=world.a)
    IndicatorFactory(code="OWN-B", scope="institution", owner_institution=world.b)
    codes = {row["code"] for row in client(world.editor_a).get("/api/v1/result-indicators/").json()["results"]}
    assert codes == {"LIB", "OWN-A"}
    own = {"code": "A-WAIT", "name_lv": "Gaidīšanas laiks", "value_kind": "count", "good_direction": "down"}
    created = client(world.editor_a).post(
        "/api/v1/result-indicators/", {**own, "scope": "institution", "owner_institution": "A"}, format="json"
    )
    assert created.status_code == 201, created.content
    # an editor defines no national indicator and no indicator for another institution
    national = client(world.editor_a).post(
        "/api/v1/result-indicators/", {**own, "code": "N1", "scope": "trend"}, format="json"
    )
    assert national.status_code == 403 and "scope" in national.json()
    foreign = client(world.editor_a).post(
        "/api/v1/result-indicators/",
        {**own, "code": "N2", "scope": "institution", "owner_institution": "B"},
        format="json",
    )
    assert foreign.status_code == 403
    trend = {**own, "code": "T1", "scope": "trend", "collection_method_lv": "Σ / Σ", "mandatory": False}
    assert client(world.coordinator).post("/api/v1/result-indicators/", trend, format="json").status_code == 201
    library = ResultIndicator.objects.get(code="LIB")
    assert client(world.editor_a).patch(f"/api/v1/result-indicators/{library.pk}/", {"unit": "x"}).status_code == 403


# --- oversight -------------------------------------------------------------------------------------------------


def test_decisions_are_the_coordinators_and_read_by_the_institutions_concerned(world):
    about_a = DecisionFactory(institution=world.a)
    about_service_a = DecisionFactory()
    about_service_a.services.set([world.service_a])
    about_b = DecisionFactory(institution=world.b)
    general = DecisionFactory()
    assert ids(client(world.viewer_a).get("/api/v1/oversight-decisions/")) == {about_a.pk, about_service_a.pk}
    assert ids(client(world.coordinator).get("/api/v1/oversight-decisions/")) == {
        about_a.pk,
        about_service_a.pk,
        about_b.pk,
        general.pk,
    }
    assert client(world.editor_a).get(f"/api/v1/oversight-decisions/{about_b.pk}/").status_code == 404
    body = {"title": "Apvienot", "kind": "propose_merger", "services": ["SA-1", "SB-1"], "institution": "A"}
    assert client(world.editor_a).post("/api/v1/oversight-decisions/", body, format="json").status_code == 403
    created = client(world.coordinator).post("/api/v1/oversight-decisions/", body, format="json")
    assert created.status_code == 201, created.content
    assert OversightDecision.objects.get(pk=created.json()["id"]).created_by == world.coordinator
    assert client(world.editor_a).patch(f"/api/v1/oversight-decisions/{about_a.pk}/", {"title": "x"}).status_code == 403
    adopted = client(world.coordinator).patch(
        f"/api/v1/oversight-decisions/{about_a.pk}/", {"status": "adopted"}, format="json"
    )
    assert adopted.status_code == 400 and "decided_on" in adopted.json()


def test_the_candidate_list_is_built_on_the_cost_figures_scope(world):
    response = client(world.coordinator).get("/api/v1/oversight-decisions/candidates/")
    assert response.status_code == 200 and response.json() == []
    assert client(world.editor_a).get("/api/v1/oversight-decisions/candidates/?year=abc").status_code == 400


# --- shared components and reviews -----------------------------------------------------------------------------


def test_shared_components_are_read_by_all_and_show_only_visible_projects(world):
    component = ComponentFactory(code="portal")
    ComponentProject.objects.create(component=component, project=world.project_a)
    ComponentProject.objects.create(component=component, project=world.project_b)
    (row,) = client(world.editor_a).get("/api/v1/shared-components/").json()["results"]
    assert [use["project"] for use in row["project_uses"]] == [world.project_a.pk]
    (row,) = client(world.coordinator).get("/api/v1/shared-components/").json()["results"]
    assert len(row["project_uses"]) == 2
    body = {"code": "va", "name_lv": "Asistents", "kind": "virtual_assistant"}
    assert client(world.editor_a).post("/api/v1/shared-components/", body, format="json").status_code == 403
    assert client(world.coordinator).post("/api/v1/shared-components/", body, format="json").status_code == 201


def test_reviews_are_recorded_by_the_holders_editors(world):
    mine = ReviewFactory(service=world.service_a, reviewed_on=date(2022, 6, 1))
    ReviewFactory(service=world.service_b)
    rows = client(world.editor_a).get("/api/v1/service-reviews/").json()["results"]
    # the default cycle is 5 years: 2022-06-01 + 5 = 2027-06-01
    assert [(row["id"], row["next_due"]) for row in rows] == [(mine.pk, "2027-06-01")]
    body = {"service": "SA-1", "kind": "admin_burden", "reviewed_on": "2025-05-05", "reviewer_institution": "A"}
    created = client(world.editor_a).post("/api/v1/service-reviews/", body, format="json")
    assert created.status_code == 201, created.content
    assert ServiceReview.objects.get(pk=created.json()["id"]).created_by == world.editor_a
    # B's editor may not review A's service (unknown to B), nor review in A's name
    foreign = {**body, "reviewer_institution": "B"}
    assert client(world.editor_b).post("/api/v1/service-reviews/", foreign, format="json").status_code == 400
    assert (
        client(world.editor_b)
        .post("/api/v1/service-reviews/", {**body, "service": "SB-1", "reviewer_institution": "A"}, format="json")
        .status_code
        == 403
    )


def test_the_review_schedule_lists_the_visible_services(world):
    ServiceFactory(holder=world.a, catalogue_id="SA-2", valid_from=date(2010, 1, 1))
    rows = client(world.editor_a).get("/api/v1/service-reviews/schedule/?status=overdue").json()
    # SA-2 started in 2010: both its reviews (2010 + 5 = 2015) are overdue; B's service never shows
    assert {row["service"] for row in rows} >= {"SA-2"}
    assert all(row["service"] != "SB-1" for row in rows)
    assert all(row["status"] == "overdue" for row in rows)


def test_the_schema_documents_the_transformation_endpoints():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/transformation-projects/",
        "/api/v1/transformation-projects/{id}/evaluation/",
        "/api/v1/transformation-projects/{id}/close/",
        "/api/v1/measurements/",
        "/api/v1/oversight-decisions/",
        "/api/v1/oversight-decisions/candidates/",
        "/api/v1/result-indicators/",
        "/api/v1/shared-components/",
        "/api/v1/service-reviews/",
        "/api/v1/service-reviews/schedule/",
    ):
        assert path in schema["paths"], path


def _queries(api, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured)


def _fill(world, count):
    """`count` more of every listed row, each with its related rows, for the coordinator to read."""
    indicator = IndicatorFactory()
    component = ComponentFactory()
    for _ in range(count):
        service = ServiceFactory(holder=world.a)
        project = ProjectFactory(institution=world.a, services=[service])
        MeasurementFactory(project=project, indicator=indicator, measured_by=world.editor_a)
        decision = DecisionFactory(institution=world.a, project=project, shared_component=component)
        decision.services.set([service])
        ReviewFactory(service=service)
        ComponentProject.objects.create(component=ComponentFactory(), project=project)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/transformation-projects/",
        "/api/v1/measurements/",
        "/api/v1/oversight-decisions/",
        "/api/v1/result-indicators/",
        "/api/v1/shared-components/",
        "/api/v1/service-reviews/",
    ],
)
def test_a_list_costs_the_same_queries_whatever_its_length(world, url):
    api = client(world.coordinator)
    _fill(world, 2)
    api.get(url)  # the first read creates the default review-cycle parameters
    few = _queries(api, url)
    _fill(world, 6)
    assert _queries(api, url) == few
