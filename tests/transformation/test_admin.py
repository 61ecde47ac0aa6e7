"""Service transformation in the admin: an institution's staff see and change only their institutions' projects
and measurements (and export only those), and only their institutions in the choices; the library, decisions,
components and parameters are the coordinator's to change."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory
from tests.transformation.factories import (
    ComponentFactory,
    DecisionFactory,
    IndicatorFactory,
    MeasurementFactory,
    ProjectFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    """Institutions A and B with a project, a measurement, an own indicator, a decision and a review each; an
    editor (staff) of A."""
    result = {}
    for name in ("A", "B"):
        institution = InstitutionFactory(short_name=name)
        project = ProjectFactory(institution=institution, name=f"Projekts {name}")
        review = ReviewFactory(service__holder=institution)
        result[name] = {
            "institution": institution,
            "transformationproject": project,
            "measurement": MeasurementFactory(project=project),
            "oversightdecision": DecisionFactory(institution=institution),
            "servicereview": review,
        }
    editor = UserFactory(role=Role.EDITOR, is_staff=True)
    MembershipFactory(user=editor, institution=result["A"]["institution"])
    return result, editor


SCOPED = ("transformationproject", "measurement", "oversightdecision", "servicereview")


@pytest.mark.parametrize("model", SCOPED)
def test_an_editor_of_a_sees_only_as_rows(client, rows, model):
    data, editor = rows
    client.force_login(editor)
    response = client.get(reverse(f"admin:transformation_{model}_changelist"))
    assert response.status_code == 200
    assert {row.pk for row in response.context["cl"].result_list} == {data["A"][model].pk}
    other = data["B"][model]
    assert client.get(reverse(f"admin:transformation_{model}_change", args=[other.pk])).status_code in (302, 403, 404)
    assert client.get(reverse(f"admin:transformation_{model}_history", args=[other.pk])).status_code in (403, 404)


def test_the_export_holds_only_the_editors_rows(client, rows):
    data, editor = rows
    client.force_login(editor)
    fields = {f"projectresource_{name}": "on" for name in ("id", "institution", "name")}
    response = client.post(
        reverse("admin:transformation_transformationproject_export"), {"format": "0", "resource": "0", **fields}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["institution"], row["name"]) for row in rows] == [("A", "Projekts A")]


def test_an_editor_names_only_their_institution_and_their_projects(client, rows):
    data, editor = rows
    client.force_login(editor)
    form = client.get(reverse("admin:transformation_transformationproject_add")).context["adminform"].form
    assert list(form.fields["institution"].queryset) == [data["A"]["institution"]]
    form = client.get(reverse("admin:transformation_measurement_add")).context["adminform"].form
    assert list(form.fields["project"].queryset) == [data["A"]["transformationproject"]]


def test_the_library_decisions_and_components_are_the_coordinators(client, rows):
    data, editor = rows
    library = IndicatorFactory()
    component = ComponentFactory()
    client.force_login(editor)
    response = client.get(reverse("admin:transformation_resultindicator_change", args=[library.pk]))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    response = client.get(reverse("admin:transformation_sharedcomponent_change", args=[component.pk]))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    decision = data["A"]["oversightdecision"]
    response = client.get(reverse("admin:transformation_oversightdecision_change", args=[decision.pk]))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    client.force_login(UserFactory(role=Role.COORDINATOR, is_staff=True))
    response = client.get(reverse("admin:transformation_resultindicator_change", args=[library.pk]))
    assert response.context["has_change_permission"]


def test_every_transformation_admin_page_opens_for_the_coordinator(client, rows):
    client.force_login(UserFactory(role=Role.COORDINATOR, is_staff=True))
    for model in (
        "transformationproject",
        "measurement",
        "resultindicator",
        "oversightdecision",
        "sharedcomponent",
        "servicereview",
        "reviewparameters",
        "reviewreminderlog",
    ):
        assert client.get(reverse(f"admin:transformation_{model}_changelist")).status_code == 200, model
        if model not in ("reviewreminderlog",):
            assert client.get(reverse(f"admin:transformation_{model}_add")).status_code == 200, model
    data, _editor = rows
    project = data["A"]["transformationproject"]
    assert (
        client.get(reverse("admin:transformation_transformationproject_change", args=[project.pk])).status_code == 200
    )


def test_a_new_review_parameter_version_is_added_not_changed(client, rows):
    from transformation.models import ReviewParameters
    from transformation.reviews import current_parameters

    current_parameters()
    client.force_login(UserFactory(role=Role.COORDINATOR, is_staff=True))
    response = client.post(
        reverse("admin:transformation_reviewparameters_add"),
        {"cycle_years": "3", "remind_days_before": "20", "note": "īsāks cikls"},
    )
    assert response.status_code == 302
    assert list(ReviewParameters.objects.values_list("version", "cycle_years")) == [(2, 3), (1, 5)]
