import re

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/v1/ping/",
    "/api/v1/auth/token/",
    "/api/v1/auth/token/revoke/",
    "/api/v1/institutions/",
    "/api/v1/institutions/{id}/",
    "/api/v1/municipalities/",
    "/api/v1/municipalities/{code}/",
    "/api/v1/planning-regions/",
    "/api/v1/planning-regions/{code}/",
    "/api/v1/services/",
    "/api/v1/service-figures/",
    "/api/v1/service-costs/",
    "/api/v1/cost-figures/",
    "/api/v1/cost-figures/{id}/",
    "/api/v1/cost-figures/rollup/",
    "/api/v1/cost-figures/channel-shift/",
    "/api/v1/cost-parameters/",
    "/api/v1/cost-recomputations/",
    "/api/v1/cost-recomputations/{id}/",
    "/api/v1/methodologies/",
    "/api/v1/methodologies/{id}/",
    "/api/v1/assessment-rounds/",
    "/api/v1/assessment-rounds/{id}/",
    "/api/v1/assessments/",
    "/api/v1/assessments/{id}/",
    "/api/v1/assessments/{id}/answers/",
    "/api/v1/assessments/{id}/submit/",
    "/api/v1/plans/",
    "/api/v1/plans/{code}/",
    "/api/v1/measures/",
    "/api/v1/measures/{id}/updates/",
    "/api/v1/indicators/",
    "/api/v1/indicators/{id}/actuals/",
    "/api/v1/obligations/",
    "/api/v1/obligations/{id}/updates/",
    "/api/v1/progress-updates/",
    "/api/v1/progress-updates/{id}/approve/",
    "/api/v1/progress-updates/{id}/return/",
    "/api/v1/improvement-plans/",
    "/api/v1/improvement-plans/{id}/items/",
    "/api/v1/improvement-items/{id}/",
    "/api/v1/centres/",
    "/api/v1/centres/{code}/",
    "/api/v1/centre-contacts/",
    "/api/v1/centre-contacts/bulk/",
    "/api/v1/grants/",
    "/api/v1/network-review/",
    "/api/v1/network-review/decisions/",
    "/api/v1/coverage/",
}


@pytest.fixture
def schema():
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_documents_every_endpoint_with_a_tag_and_a_description(schema):
    assert EXPECTED_PATHS <= set(schema["paths"])
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("tags"), f"{method} {path} has no tag"
            assert operation.get("description"), f"{method} {path} has no description"


def test_schema_is_in_english_by_default_and_latvian_on_request():
    def q_description(query):
        schema = APIClient().get(f"/api/v1/schema/?format=json{query}").json()
        (parameter,) = [p for p in schema["paths"]["/api/v1/institutions/"]["get"]["parameters"] if p["name"] == "q"]
        return parameter["description"]

    assert q_description("") == "Search"
    assert q_description("&lang=lv") != "Search"


def test_token_authentication_is_a_security_scheme(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_schema_generation_has_no_warnings(tmp_path):
    # The same check CI can run by hand: `manage.py spectacular --validate --fail-on-warn`.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_swagger_ui_renders_from_local_static_files_only():
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), "the docs page loads from a CDN"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle" in asset for asset in assets)
    # Swagger UI's start-up script comes from the docs view itself (no inline script, for the CSP); the rest
    # from our static files.
    assert "/api/v1/docs/?script=" in assets
    for asset in assets:
        assert asset.startswith("/static/") or asset == "/api/v1/docs/?script=", asset
    script = APIClient().get("/api/v1/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


def test_swagger_ui_static_files_are_served():
    from django.contrib.staticfiles import finders

    html = APIClient().get("/api/v1/docs/").content.decode()
    for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert finders.find(asset), f"{asset} is not among the static files"
