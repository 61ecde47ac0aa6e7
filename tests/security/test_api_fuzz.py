"""API fuzzing: schemathesis generates requests for every operation of our OpenAPI schema and sends them, in
process, through the Django WSGI application as two token clients, the coordinator and an editor of one
institution.

Each response must not be a server error, must carry a status code, content type and body the schema documents,
and every 4xx must say what is wrong ({"detail": "..."} or {"field": ["message"]}). Each example runs inside a
savepoint that is rolled back, so a DELETE or a revoked token never changes the world the next example sees.

The run is bounded and reproducible: a fixed number of examples per operation and generation mode, derandomized.
It prints, per client, the operations covered and the requests fuzzed. By hand: API_FUZZ_EXAMPLES=50 for a deeper
run, API_FUZZ_OPERATIONS="regex" for the operations whose label ("GET /api/v1/plans/") matches.

Below the fuzzing, one plain test per defect it found, so each stays fixed whatever the fuzzer draws next time.
"""

import json
import os
import re
import sys
import textwrap
import time
import traceback
from collections import Counter
from datetime import date
from decimal import Decimal

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Role
from assessments import workflow
from config.recomputation import RecomputationKind
from services import costing
from services.models import CostRecomputation
from tests.assessments.workflow_fixtures import in_days, make_people, make_questionnaire
from tests.factories import InstitutionFactory, UserFactory
from tests.services.factories import (
    LifeSituationFactory,
    ServiceChannelFactory,
    ServiceCostFactory,
    ServiceFactory,
    ServiceFigureFactory,
    all_channels,
)
from tests.test_openapi import EXPECTED_PATHS
from tests.transformation.factories import (
    ComponentFactory,
    DecisionFactory,
    MeasurementFactory,
    ProjectFactory,
    ReviewFactory,
    library,
)
from tests.vpvkac.factories import CentreFactory, ContactFigureFactory, GrantFactory, ReportingPeriodFactory
from tests.workplans.factories import (
    ImprovementItemFactory,
    ImprovementPlanFactory,
    IndicatorActualFactory,
    IndicatorFactory,
    ProgressUpdateFactory,
    plan_world,
)
from vpvkac.models import CentreMembership
from workplans.models import ImprovementItem

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/v1/schema/?format=json"
# Examples per operation and generation mode (valid data, then data that breaks the schema). 139 operations × 2
# modes × 6 = 1,668 requests per client at most (an operation with nothing to make invalid has no negative ones;
# shrinking a failure adds a few). API_FUZZ_EXAMPLES=50 digs deeper by hand.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def seed_world():
    """Two institutions (A with its editor, B), services with channels, figures, costs and a life situation, cost
    figures and a recomputation job, two centres with contacts, an E-index round with an assessment each, a PVPP-like plan with obligations, progress
    updates, indicators and an improvement plan, and transformation projects with measurements and reviews."""
    people = make_people()
    channels = all_channels()
    services = []
    for institution in (people.a, people.b):
        for n in range(2):
            service = ServiceFactory(holder=institution)
            services.append(service)
            for channel in channels[:3]:
                ServiceChannelFactory(service=service, channel=channel)
                ServiceFigureFactory(service=service, channel=channel, year=2024, started=100 + n, completed=90)
            ServiceCostFactory(service=service, year=2024, amount=Decimal("1000.00"))
    costing.recompute()
    CostRecomputation.objects.create(kind=RecomputationKind.FULL, requested_by=people.coordinator)
    services[0].life_situations.add(LifeSituationFactory())

    period = ReportingPeriodFactory()
    for _ in range(2):
        centre = CentreFactory()
        ContactFigureFactory(centre=centre, date=date(2024, 3, 4), count=3)
        GrantFactory(period=period, centre=centre)

    questionnaire = make_questionnaire()
    workflow.open_round(questionnaire.methodology, [people.a, people.b], in_days(30), people.coordinator)

    world = plan_world(people)
    for obligation in (world.a12, world.b12):
        ProgressUpdateFactory(obligation=obligation)
    indicator = IndicatorFactory(measure=world.p24)
    IndicatorActualFactory(indicator=indicator)
    for institution in (people.a, people.b):
        ImprovementItemFactory(improvement_plan=ImprovementPlanFactory(plan=world.plan, institution=institution))

    indicators = library()
    for institution, service in ((people.a, services[0]), (people.b, services[2])):
        project = ProjectFactory(institution=institution, services=[service])
        MeasurementFactory(project=project, indicator=next(iter(indicators.values())))
        ReviewFactory(service=service)
    DecisionFactory()
    ComponentFactory()
    return people


def token_for(user):
    return Token.objects.get_or_create(user=user)[0].key


def path_values(schema, app, headers):
    """Real values for each path parameter: the lookup field of every row the coordinator can list at the path
    above it (`/plans/{code}/` takes the `code` of each row of `/plans/`), so the fuzzer reaches rows that exist."""
    from werkzeug import Client

    client = Client(app)
    values = {}
    for path in schema.raw_schema["paths"]:
        if "{" not in path:
            continue
        head, _, rest = path.partition("{")
        name = rest.partition("}")[0]
        response = client.get(head, headers=headers)
        if response.status_code != 200:
            continue
        body = json.loads(response.get_data())
        rows = body.get("results", []) if isinstance(body, dict) else body
        found = [row[name] for row in rows if isinstance(row, dict) and name in row]
        if found:
            values[path] = {name: found}
    # Improvement items are listed only inside their plan.
    values["/api/v1/improvement-items/{id}/"] = {"id": list(ImprovementItem.objects.values_list("pk", flat=True))}
    return values


class Fuzzer:
    """Runs the examples of one operation and generation mode at a time; keeps the first failure of each, with the
    request that caused it, the response and, for a server error, the exception the view raised."""

    def __init__(self, headers, path_values):
        self.headers = headers
        self.path_values = path_values
        self.requests = 0
        self.statuses = Counter()
        self.failures = {}
        self.unsatisfiable = []
        self.exercised = set()
        self.last_exception = None

    def strategy(self, operation, mode):
        base = operation.as_strategy(generation_mode=mode, headers=self.headers)
        known = self.path_values.get(operation.path)
        if not known or mode.is_negative and not (len(operation.query) or len(operation.body)):
            # With the path fixed there would be nothing left to make invalid.
            return base
        name, values = next(iter(known.items()))
        # Half the cases aim at a row that exists; the rest keep what schemathesis makes up.
        existing = st.sampled_from(values).flatmap(
            lambda value: operation.as_strategy(
                generation_mode=mode, headers=self.headers, path_parameters={name: value}
            )
        )
        return st.one_of(existing, base)

    def run(self, operation, mode):
        @hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            # filter_too_much stays on: it gives up within a few dozen tries on an operation where almost nothing
            # can be made invalid, where Hypothesis would otherwise try a thousand times.
            suppress_health_check=[check for check in HealthCheck if check != HealthCheck.filter_too_much],
            report_multiple_bugs=False,
        )
        @given(case=self.strategy(operation, mode))
        def example(case):
            self.requests += 1
            self.exercised.add(operation.label)
            self.last_exception = None
            with transaction.atomic():
                response = case.call()
                transaction.set_rollback(True)
            self.statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS)
                assert_error_has_message(response)
            except (AssertionError, BaseExceptionGroup) as error:
                error.add_note(describe(case, response, self.last_exception))
                raise

        try:
            example()
        except (hypothesis.errors.Unsatisfiable, hypothesis.errors.FailedHealthCheck):
            # Nothing in this operation can be made invalid (no parameters, no body; a path string takes anything).
            self.unsatisfiable.append(f"{operation.label} [{mode.value}]")
        except (AssertionError, BaseExceptionGroup) as error:
            self.failures[f"{operation.label} [{mode.value}]"] = summarize(error)

    def record_exception(self, sender, request=None, **kwargs):
        error = sys.exception()
        # The project's own frames say where to look; the framework's below them rarely do.
        frames = traceback.extract_tb(error.__traceback__)
        frames = [frame for frame in frames if "site-packages" not in frame.filename] or frames
        where = "".join(traceback.format_list(frames[-3:]))
        self.last_exception = f"{where}{type(error).__name__}: {error}"


def summarize(error):
    """One short paragraph per failure: schemathesis's own titles and messages, then the notes `describe` left."""
    failures = error.exceptions if isinstance(error, BaseExceptionGroup) else [error]
    lines = []
    for failure in failures:
        title = getattr(failure, "title", type(failure).__name__)
        message = getattr(failure, "message", str(failure))
        lines.append(f"- {title}: {textwrap.shorten(message, 600)}")
    lines.extend(getattr(error, "__notes__", []))
    return "\n".join(lines)


def describe(case, response, server_exception):
    # A server error's page says nothing the exception does not.
    body = "" if response.status_code >= 500 else response.content[:600].decode(errors="replace")
    note = f"  request: {case.method} {case.formatted_path} query={case.query!r} body={case.body!r}"[:700]
    note += f"\n  response: {response.status_code} {body}"
    if server_exception:
        note += f"\n  server exception:\n{server_exception}"
    return note


def assert_error_has_message(response):
    """A 4xx body is JSON that says what is wrong: {"detail": "..."}, {"field": ["message", ...]} (nested for
    nested fields), or a list of messages."""
    if not 400 <= response.status_code < 500:
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} without a JSON body") from None
    assert has_message(body), f"{response.status_code} body names no message"


def has_message(value):
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, dict):
        value = list(value.values())
    # A list serializer's errors hold {} for each valid item next to the invalid items' messages.
    return isinstance(value, list) and any(has_message(item) for item in value)


@pytest.fixture
def fuzz_settings(settings):
    # The fuzzer sends thousands of requests a minute; the throttles are tested elsewhere.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
    }
    return settings


@pytest.fixture(scope="module")
def wsgi_app():
    """The WSGI application, minus the connection clean-up after each request: inside the test's transaction it
    would close the connection the test runs in (Django's own test client unhooks it the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema(wsgi_app, django_db_blocker):
    """The schema our drf-spectacular view serves, loaded once for both clients (generating it takes seconds)."""
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app)


@pytest.mark.parametrize("role", ["coordinator", "editor"])
def test_every_operation_answers_as_documented_without_server_errors(role, fuzz_settings, wsgi_app, api_schema, capsys):
    people = seed_world()
    user = people.coordinator if role == "coordinator" else people.editor_a
    app = wsgi_app
    coordinator_headers = {"Authorization": f"Token {token_for(people.coordinator)}", "Accept-Language": "en"}
    headers = {"Authorization": f"Token {token_for(user)}", "Accept-Language": "en"}
    schema = api_schema
    known = path_values(schema, app, coordinator_headers)
    fuzzer = Fuzzer(headers, known)
    started = time.monotonic()
    # API_FUZZ_OPERATIONS="regex" narrows a run to the operations whose label ("GET /api/v1/plans/") matches.
    only = re.compile(os.environ.get("API_FUZZ_OPERATIONS", ""))
    operations = [result.ok() for result in schema.get_all_operations() if only.search(result.ok().label)]
    got_request_exception.connect(fuzzer.record_exception)
    try:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzzer.run(operation, mode)
    finally:
        got_request_exception.disconnect(fuzzer.record_exception)
    elapsed = time.monotonic() - started
    with_parameter = {path for path in schema.raw_schema["paths"] if "{" in path}
    without_rows = f" (none for {sorted(with_parameter - set(known))})" if with_parameter - set(known) else ""
    with capsys.disabled():
        print(
            f"\n[{role}] {len(operations)} operations, {MAX_EXAMPLES} examples per operation and mode: "
            f"{fuzzer.requests} requests fuzzed in {elapsed:.0f} s; statuses {dict(sorted(fuzzer.statuses.items()))}; "
            f"real rows for {len(known)} of {len(with_parameter)} paths with a parameter{without_rows}; "
            f"{len(fuzzer.unsatisfiable)} operation modes with nothing to make invalid; {len(fuzzer.failures)} failing"
        )
    assert not fuzzer.failures, "\n\n".join(f"== {key}\n{message}" for key, message in fuzzer.failures.items())
    # A run that sent nothing to some operation (a strategy that can never be drawn) would pass without testing it.
    assert {operation.label for operation in operations} == fuzzer.exercised
    if not only.pattern:
        assert EXPECTED_PATHS <= {operation.path for operation in operations}


# --- what the fuzzing found, each pinned by one request -----------------------------------------------------------


def token_client(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def coordinator():
    return token_client(UserFactory(role=Role.COORDINATOR))


def test_an_api_address_that_matches_no_route_answers_404_in_json():
    # A dot cannot be in a router's id, so Django's resolver, not the view, answers: it used to be the HTML page.
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/assessment-rounds/1.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
    assert APIClient().get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_a_filter_that_can_match_nothing_is_an_empty_answer_not_a_server_error(coordinator):
    # year is a PositiveSmallIntegerField: Django knows -125 matches no row and builds no SQL (EmptyResultSet),
    # which the remembered counts and sums did not expect.
    assert coordinator.get("/api/v1/cost-figures/rollup/?year=-125").status_code == 200
    response = coordinator.get("/api/v1/service-figures/?period_number=-16976")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_digit_that_is_no_ascii_digit_is_no_server_error(coordinator):
    # "²".isdigit() is True, int("²") a ValueError.
    assert coordinator.get("/api/v1/cost-figures/?service=²").status_code == 200
    # A provider that names no institution is refused like one the user may not write for.
    response = coordinator.post("/api/v1/service-figures/", {"provider": "²"}, format="json")
    assert response.status_code == 403
    assert has_message(response.json())
    operator = UserFactory(role=Role.CENTRE_OPERATOR)
    CentreMembership.objects.create(user=operator, centre=CentreFactory())
    response = token_client(operator).post("/api/v1/centre-contacts/bulk/", [{"centre": "²"}], format="json")
    assert response.status_code == 400, response.json()
    assert "centre" in {error["field"] for error in response.json()["errors"]}


def test_a_nul_character_in_a_looked_up_value_is_a_400(coordinator):
    # PostgreSQL text cannot hold NUL; a value used to look a row up (not a CharField) reached the database with it.
    InstitutionFactory()  # the coordinator writes figures only once there is an institution to write them for
    for url, body in (
        ("/api/v1/service-costs/", {"provider": "A\x00B", "service": "S-1", "year": 2024}),
        (
            "/api/v1/service-figures/bulk/",
            [{"provider": "A\x00B", "service": "S-1", "channel": "portal", "year": 2024, "started": 1, "completed": 1}],
        ),
    ):
        response = coordinator.post(url, body, format="json")
        assert response.status_code == 400, (url, response.json())
        assert response.json() == {"detail": "Null characters are not allowed."}


def test_a_year_no_date_can_have_is_a_400_naming_the_filter(coordinator):
    for year in ("0", "10000", "2024.5"):
        response = coordinator.get(f"/api/v1/measurements/?year={year}")
        assert response.status_code == 400, year
        assert list(response.json()) == ["year"]
    assert coordinator.get("/api/v1/measurements/?year=2024").status_code == 200


def test_transformation_rows_carry_the_labels_of_their_choices(coordinator):
    # The label fields named no source, so DRF looked for a `phase_label` attribute and silently left them out.
    measurement = MeasurementFactory()
    body = coordinator.get(f"/api/v1/measurements/{measurement.pk}/").json()
    assert body["phase"] == "baseline"
    assert body["phase_label"] == "Baseline"
    assert body["measured_by"] is None


def test_the_schema_documents_the_errors_drf_answers_by_itself():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    error = {"$ref": "#/components/schemas/Error"}
    detail = schema["paths"]["/api/v1/plans/{code}/"]["get"]["responses"]
    assert {"200", "401", "403", "404", "429"} <= set(detail)
    assert detail["404"]["content"]["application/json"]["schema"] == error
    # A bulk endpoint's own 400 body (the rows' errors), or DRF's {"detail"} for a body that is no JSON.
    bulk = schema["paths"]["/api/v1/service-figures/bulk/"]["post"]["responses"]["400"]
    assert error in bulk["content"]["application/json"]["schema"]["oneOf"]
    properties = schema["components"]["schemas"]
    assert {"maxLength": 0} in properties["Institution"]["properties"]["website"]["anyOf"]
    assert {"type": "string", "enum": [""]} in properties["Project"]["properties"]["funding_source"]["anyOf"]


def test_an_error_body_must_say_what_is_wrong():
    assert has_message({"detail": "Not found."})
    assert has_message({"answers": [{"question": ["This field is required."]}, {}]})
    assert has_message(["A message."])
    for silent in ({}, {"detail": ""}, {"answers": [{}, {}]}, [], None, 3):
        assert not has_message(silent), silent
