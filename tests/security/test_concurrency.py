"""Twenty people (or systems) submitting at the same moment for the same institution, over real HTTP against the live
server and a real PostgreSQL: nothing is lost, and a change based on a version someone else has since replaced is
refused as a conflict instead of overwriting it (services/edit_conflicts.py; assessments/workflow.py for the
E-index answers).

Every client first reads what it will change (the web page or the API row, as a person or a system would), then
all of them wait at a barrier and send at once, each from its own thread; the live server answers each request in
its own thread with its own database connection.
"""

import re
import threading
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Role
from assessments import workflow
from assessments.models import Answer, Family, QuestionType
from services.models import FigureSubmission, ServiceFigure
from tests.assessments.factories import AreaFactory, MethodologyFactory, QuestionFactory
from tests.conftest import require_service
from tests.factories import InstitutionFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceChannelFactory, ServiceFactory, ServiceFigureFactory

CLIENTS = 20
YEAR = 2024
SECONDS = 30  # no single case may hang the suite: every wait and request is bounded by this
FIGURES_API = "/api/v1/service-figures/"
ASSESSMENTS_API = "/api/v1/assessments/"
CONFLICT_TEXT = "Changed by someone else since you opened it"


@pytest.fixture
def live(live_server):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", f"DATABASE_URL points at {connection.vendor}")
    return live_server


def at_once(count, send):
    """Call send(i) for i in 0…count-1, each in its own thread, all released together by a barrier; returns the
    results in order. A thread that raised re-raises here."""
    barrier = threading.Barrier(count, timeout=SECONDS)
    results, errors = [None] * count, [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = send(index)
        except BaseException as error:  # noqa: BLE001 — reported in the test's thread below
            errors[index] = error

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a submission did not finish in time"
    for error in errors:
        if error is not None:
            raise error
    return results


# --- who submits -------------------------------------------------------------------------------------------------


def editors(institution, count=CLIENTS):
    """`count` editors of `institution`, each with an unusable password: they sign in by session or token."""
    return [
        UserFactory(username=f"redaktors-{index}", role=Role.EDITOR, member_of=[institution], password=None)
        for index in range(count)
    ]


def browser_session(user):
    """A requests session carrying the session cookie of `user`, as a browser that has logged in."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return session


def api_session(user):
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.create(user=user).key}"
    session.headers["Accept-Language"] = "en"
    return session


class FormInputs(HTMLParser):
    """The name and value of every <input> of a page, as the browser would post them (checkboxes aside)."""

    def __init__(self):
        super().__init__()
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") and attributes.get("type") not in ("checkbox", "radio"):
            self.values[attributes["name"]] = attributes.get("value") or ""


def opened_form(session, url):
    """Open the page (GET) and return what its form would post unchanged; the page sets the CSRF cookie."""
    response = session.get(url, timeout=SECONDS)
    assert response.status_code == 200, response.status_code
    inputs = FormInputs()
    inputs.feed(response.text)
    return inputs.values


# --- the yearly figures: the web form ------------------------------------------------------------------------------


@pytest.fixture
def reports(transactional_db):
    """Institution A provides 20 services (S-00 … S-19), each offered on the portal; 20 editors of A."""
    a = InstitutionFactory(short_name="ALFA", name_lv="Alfa aģentūra", name_en="Alpha Agency")
    portal = ChannelFactory(code="portal")
    services = [
        ServiceFactory(catalogue_id=f"S-{index:02d}", holder=a, valid_from=date(2020, 1, 1)) for index in range(CLIENTS)
    ]
    for service in services:
        ServiceChannelFactory(service=service, channel=portal)
    return {"a": a, "portal": portal, "services": services, "editors": editors(a)}


def report_url(live, service, provider):
    return f"{live.url}/en/catalogue/{service.catalogue_id}/figures/{provider.pk}/{YEAR}/"


def portal_row(completed):
    """The portal row (the only channel offered, row 0) with `completed` of `completed + 10` started."""
    return {"figures-0-started": str(completed + 10), "figures-0-completed": str(completed), "save": "1"}


def test_twenty_editors_saving_twenty_different_reports_at_once_all_are_stored(live, reports):
    sessions = [browser_session(editor) for editor in reports["editors"]]
    urls = [report_url(live, service, reports["a"]) for service in reports["services"]]
    opened = [opened_form(sessions[index], urls[index]) for index in range(CLIENTS)]

    responses = at_once(
        CLIENTS,
        lambda i: sessions[i].post(
            urls[i], {**opened[i], **portal_row(100 + i)}, allow_redirects=False, timeout=SECONDS
        ),
    )

    assert [response.status_code for response in responses] == [302] * CLIENTS
    stored = dict(ServiceFigure.objects.values_list("service__catalogue_id", "completed"))
    # Editor i wrote 100 + i completed to service S-i: all 20, none lost.
    assert stored == {f"S-{index:02d}": 100 + index for index in range(CLIENTS)}
    assert FigureSubmission.objects.filter(provider=reports["a"], year=YEAR).count() == CLIENTS


def test_twenty_editors_changing_the_same_figure_row_at_once_one_wins_and_nineteen_are_told_it_changed(live, reports):
    service = reports["services"][0]
    figure = ServiceFigureFactory(
        service=service, provider=reports["a"], year=YEAR, channel=reports["portal"], started=60, completed=50
    )
    sessions = [browser_session(editor) for editor in reports["editors"]]
    url = report_url(live, service, reports["a"])
    opened = [opened_form(session, url) for session in sessions]
    assert {form["versions-figure__portal"] for form in opened} == {"1"}  # all read version 1

    responses = at_once(
        CLIENTS,
        lambda i: sessions[i].post(url, {**opened[i], **portal_row(200 + i)}, allow_redirects=False, timeout=SECONDS),
    )

    codes = [response.status_code for response in responses]
    assert sorted(codes) == [302] + [409] * (CLIENTS - 1)
    winner = codes.index(302)
    figure.refresh_from_db()
    # The winner's value is stored, once: version 1 → 2, and one history record besides the creation's.
    assert (figure.completed, figure.version) == (200 + winner, 2)
    assert figure.history.count() == 2
    for index, response in enumerate(responses):
        if index == winner:
            continue
        # Each loser sees the stored value beside its own, and the page now carries version 2 to save again.
        assert CONFLICT_TEXT in response.text and f"now {200 + winner}." in response.text
        assert re.search(r'name="versions-figure__portal" value="2"', response.text)
        assert f'name="figures-0-completed" value="{200 + index}"' in response.text


def test_twenty_editors_entering_the_same_new_figure_row_at_once_make_one_row_and_nineteen_conflicts(live, reports):
    service = reports["services"][0]
    sessions = [browser_session(editor) for editor in reports["editors"]]
    url = report_url(live, service, reports["a"])
    opened = [opened_form(session, url) for session in sessions]
    assert {form["versions-figure__portal"] for form in opened} == {"0"}  # no row yet

    responses = at_once(
        CLIENTS,
        lambda i: sessions[i].post(url, {**opened[i], **portal_row(300 + i)}, allow_redirects=False, timeout=SECONDS),
    )

    codes = [response.status_code for response in responses]
    assert sorted(codes) == [302] + [409] * (CLIENTS - 1)
    (figure,) = ServiceFigure.objects.filter(service=service)
    assert figure.completed == 300 + codes.index(302) and figure.version == 1
    assert FigureSubmission.objects.filter(service=service).count() == 1


def test_a_loser_saving_again_after_the_conflict_keeps_its_value_knowingly(live, reports):
    """The conflict page moved the hidden version on to the stored one: the second save is based on it."""
    service = reports["services"][0]
    ServiceFigureFactory(
        service=service, provider=reports["a"], year=YEAR, channel=reports["portal"], started=60, completed=50
    )
    first, second = (browser_session(editor) for editor in reports["editors"][:2])
    url = report_url(live, service, reports["a"])
    opened_first, opened_second = opened_form(first, url), opened_form(second, url)
    assert first.post(url, {**opened_first, **portal_row(51)}, allow_redirects=False).status_code == 302

    conflict = second.post(url, {**opened_second, **portal_row(52)}, allow_redirects=False)
    assert conflict.status_code == 409
    inputs = FormInputs()
    inputs.feed(conflict.text)
    again = second.post(url, {**inputs.values, "save": "1"}, allow_redirects=False)

    assert again.status_code == 302
    figure = ServiceFigure.objects.get(service=service)
    assert (figure.completed, figure.version) == (52, 3)  # created 1, first editor 2, second editor 3


# --- the yearly figures: the API ---------------------------------------------------------------------------------


def figure_body(service, provider, completed, **extra):
    return {
        "service": service.catalogue_id,
        "provider": provider.pk,
        "year": YEAR,
        "channel": "portal",
        "started": completed + 10,
        "completed": completed,
        **extra,
    }


def test_twenty_api_clients_creating_twenty_different_figures_at_once_all_get_201(live, reports):
    sessions = [api_session(editor) for editor in reports["editors"]]
    services, a = reports["services"], reports["a"]

    responses = at_once(
        CLIENTS,
        lambda i: sessions[i].post(
            f"{live.url}{FIGURES_API}", json=figure_body(services[i], a, 400 + i), timeout=SECONDS
        ),
    )

    assert [response.status_code for response in responses] == [201] * CLIENTS
    stored = dict(ServiceFigure.objects.values_list("service__catalogue_id", "completed"))
    assert stored == {f"S-{index:02d}": 400 + index for index in range(CLIENTS)}


def test_twenty_api_clients_creating_the_same_figure_at_once_make_one_row_and_nineteen_clean_400s(live, reports):
    sessions = [api_session(editor) for editor in reports["editors"]]
    service, a = reports["services"][0], reports["a"]

    responses = at_once(
        CLIENTS,
        lambda i: sessions[i].post(f"{live.url}{FIGURES_API}", json=figure_body(service, a, 500 + i), timeout=SECONDS),
    )

    codes = [response.status_code for response in responses]
    # The unique natural key holds: whoever loses the race gets the same 400 as a create of a taken key, no 500.
    assert sorted(codes) == [201] + [400] * (CLIENTS - 1)
    for response in responses:
        if response.status_code == 400:
            assert "already exists" in response.json()["non_field_errors"][0]
    (figure,) = ServiceFigure.objects.filter(service=service)
    assert figure.completed == 500 + codes.index(201)


@pytest.fixture
def one_figure(reports):
    return ServiceFigureFactory(
        service=reports["services"][0],
        provider=reports["a"],
        year=YEAR,
        channel=reports["portal"],
        started=2000,
        completed=50,
    )


def test_twenty_api_clients_changing_the_same_figure_from_the_version_read_one_wins_nineteen_get_409(
    live, reports, one_figure
):
    sessions = [api_session(editor) for editor in reports["editors"]]
    url = f"{live.url}{FIGURES_API}{one_figure.pk}/"
    read = [session.get(url, timeout=SECONDS) for session in sessions]
    assert {response.json()["version"] for response in read} == {1}
    assert {response.headers["ETag"] for response in read} == {'"1"'}

    responses = at_once(
        CLIENTS,
        lambda i: sessions[i].patch(
            url, json={"completed": 600 + i, "version": read[i].json()["version"]}, timeout=SECONDS
        ),
    )

    codes = [response.status_code for response in responses]
    assert sorted(codes) == [200] + [409] * (CLIENTS - 1)
    winner = codes.index(200)
    assert responses[winner].json()["version"] == 2 and responses[winner].headers["ETag"] == '"2"'
    for response in responses:
        if response.status_code == 409:
            body = response.json()
            assert "changed by someone else" in body["detail"]
            assert body["version"] == 2 and body["current"]["completed"] == 600 + winner
    one_figure.refresh_from_db()
    assert (one_figure.completed, one_figure.version, one_figure.history.count()) == (600 + winner, 2, 2)


def test_twenty_api_clients_replacing_the_same_figure_with_if_match_one_wins_nineteen_get_412(
    live, reports, one_figure
):
    sessions = [api_session(editor) for editor in reports["editors"]]
    url = f"{live.url}{FIGURES_API}{one_figure.pk}/"
    etags = [session.get(url, timeout=SECONDS).headers["ETag"] for session in sessions]
    body = figure_body(reports["services"][0], reports["a"], 0)

    responses = at_once(
        CLIENTS,
        lambda i: sessions[i].put(
            url, json={**body, "completed": 700 + i, "started": 800}, headers={"If-Match": etags[i]}, timeout=SECONDS
        ),
    )

    codes = [response.status_code for response in responses]
    assert sorted(codes) == [200] + [412] * (CLIENTS - 1)
    one_figure.refresh_from_db()
    assert (one_figure.completed, one_figure.version) == (700 + codes.index(200), 2)


def test_a_delete_with_an_old_if_match_deletes_nothing(live, reports, one_figure):
    session = api_session(reports["editors"][0])
    url = f"{live.url}{FIGURES_API}{one_figure.pk}/"
    assert session.patch(url, json={"completed": 51}, timeout=SECONDS).status_code == 200  # version 2 now

    assert session.delete(url, headers={"If-Match": '"1"'}, timeout=SECONDS).status_code == 412
    assert ServiceFigure.objects.filter(pk=one_figure.pk).exists()
    assert session.delete(url, headers={"If-Match": '"2"'}, timeout=SECONDS).status_code == 204


def test_twenty_bulk_submissions_of_the_same_new_rows_at_once_never_duplicate_and_never_fail_with_500(live, reports):
    sessions = [api_session(editor) for editor in reports["editors"]]
    rows = [figure_body(service, reports["a"], 900) for service in reports["services"][:3]]

    responses = at_once(
        CLIENTS, lambda i: sessions[i].post(f"{live.url}{FIGURES_API}bulk/", json=rows, timeout=SECONDS)
    )

    codes = [response.status_code for response in responses]
    # Whoever reads before the first commit and inserts too is refused (409, send again); whoever reads after it
    # finds the rows unchanged (200). Both are clean answers; at least the first is a 200.
    assert set(codes) <= {200, 409} and 200 in codes
    assert ServiceFigure.objects.count() == 3
    assert sum(response.json()["created"] for response in responses if response.status_code == 200) == 3


# --- E-index answers -----------------------------------------------------------------------------------------------


@pytest.fixture
def assessment(transactional_db):
    """An open round of a methodology with 20 optional number questions N00 … N19 in one area, and the draft
    assessment of institution A; 20 editors of A."""
    a = InstitutionFactory(short_name="ALFA", name_lv="Alfa aģentūra", name_en="Alpha Agency")
    methodology = MethodologyFactory(family=Family.EINDEX_INSTITUTION, name_lv="E-indekss", name_en="E-index")
    area = AreaFactory(methodology=methodology, code="N", order=1, name_lv="Skaitļi", name_en="Numbers")
    for index in range(CLIENTS):
        QuestionFactory(
            area=area,
            code=f"N{index:02d}",
            order=index,
            question_type=QuestionType.NUMBER,
            mandatory=False,
            text_lv=f"Jautājums {index}?",
            text_en=f"Question {index}?",
        )
    coordinator = UserFactory(username="koordinators", role=Role.COORDINATOR, password=None)
    round_ = workflow.open_round(methodology, [a], timezone.localdate() + timedelta(days=30), coordinator)
    return {"assessment": round_.assessments.get(), "editors": editors(a)}


def answer_body(revision, code, number):
    return {"revision": revision, "answers": [{"question": code, "number": str(number)}]}


def test_twenty_editors_answering_twenty_different_questions_at_once_all_answers_are_saved(live, assessment):
    sessions = [api_session(editor) for editor in assessment["editors"]]
    url = f"{live.url}{ASSESSMENTS_API}{assessment['assessment'].pk}/answers/"
    revisions = [
        session.get(f"{live.url}{ASSESSMENTS_API}{assessment['assessment'].pk}/", timeout=SECONDS).json()["revision"]
        for session in sessions
    ]
    assert set(revisions) == {0}

    responses = at_once(
        CLIENTS, lambda i: sessions[i].post(url, json=answer_body(revisions[i], f"N{i:02d}", i + 1), timeout=SECONDS)
    )

    # All based on revision 0, but none overwrites an answer another changed: no conflict.
    assert [response.status_code for response in responses] == [200] * CLIENTS
    stored = dict(Answer.objects.values_list("question__code", "number"))
    assert stored == {f"N{index:02d}": Decimal(index + 1) for index in range(CLIENTS)}
    assessment["assessment"].refresh_from_db()
    assert assessment["assessment"].revision == CLIENTS  # each save raised it by one


def test_twenty_editors_answering_the_same_question_at_once_one_wins_and_nineteen_get_409(live, assessment):
    sessions = [api_session(editor) for editor in assessment["editors"]]
    url = f"{live.url}{ASSESSMENTS_API}{assessment['assessment'].pk}/answers/"

    responses = at_once(CLIENTS, lambda i: sessions[i].post(url, json=answer_body(0, "N00", 100 + i), timeout=SECONDS))

    codes = [response.status_code for response in responses]
    assert sorted(codes) == [200] + [409] * (CLIENTS - 1)
    winner = codes.index(200)
    (answer,) = Answer.objects.filter(question__code="N00")
    assert answer.number == Decimal(100 + winner)
    for response in responses:
        if response.status_code == 409:
            assert response.json()["revision"] == 1
    assessment["assessment"].refresh_from_db()
    assert assessment["assessment"].revision == 1
