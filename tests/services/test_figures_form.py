"""The yearly report screen: every channel's figures and the cost grid of one service, provider and year, checked
by services/validation.py with each message on its cell, saved all together or not at all, and only by those who
may report for the provider."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, Role
from services.models import (
    CostComponent,
    FigureSubmission,
    PeriodType,
    ServiceCost,
    ServiceFigure,
    SubmissionStatus,
)
from tests.factories import InstitutionFactory, UserFactory
from tests.services.factories import (
    ChannelFactory,
    FigureSubmissionFactory,
    ServiceChannelFactory,
    ServiceCostFactory,
    ServiceFactory,
    ServiceFigureFactory,
)

pytestmark = pytest.mark.django_db

YEAR = 2024
FIELDS = (
    "started",
    "completed",
    "consultations",
    "client_minutes",
    "satisfaction_responses",
    "satisfaction_mean",
    "rating_scale_min",
    "rating_scale_max",
)


@pytest.fixture
def setting():
    """Service S-9 held by A and provided by A and B, offered on the portal, by phone and in person (in the code
    list's order: portal 0, phone 1, in person 2)."""
    a = InstitutionFactory(short_name="AAA", name_lv="A iestāde")
    b = InstitutionFactory(short_name="BBB", name_lv="B iestāde")
    service = ServiceFactory(catalogue_id="S-9", holder=a, providers=[a, b], valid_from=date(2020, 1, 1))
    channels = [ChannelFactory(code=code) for code in ("portal", "phone", "institution_in_person")]
    for channel in channels:
        ServiceChannelFactory(service=service, channel=channel)
    editor = UserFactory(role=Role.EDITOR, member_of=[a])
    return {"a": a, "b": b, "service": service, "channels": channels, "editor": editor}


def url(setting, provider=None, year=YEAR, language="lv"):
    with translation.override(language):
        return reverse("services:figures-edit", args=["S-9", (provider or setting["a"]).pk, year])


def payload(rows=None, costs=None, action="save", channels=3):
    """The POST of the screen: `rows` maps a channel's row number to its figures, `costs` maps
    "component__channel" (or "component__shared") to an amount; everything else is left empty."""
    data = {"figures-TOTAL_FORMS": str(channels), "figures-INITIAL_FORMS": str(channels), action: "1"}
    for index in range(channels):
        for field in FIELDS:
            data[f"figures-{index}-{field}"] = ""
    for index, values in (rows or {}).items():
        for field, value in values.items():
            data[f"figures-{index}-{field}"] = str(value)
    for component in CostComponent:
        for column in ("shared", "portal", "phone", "institution_in_person"):
            data[f"costs-{component}__{column}"] = ""
    for cell, amount in (costs or {}).items():
        data[f"costs-{cell}"] = str(amount)
    return data


VALID_ROWS = {
    0: {"started": 1000, "completed": 950, "satisfaction_responses": 120, "satisfaction_mean": "4.2", "rating_scale_min": 1, "rating_scale_max": 5},
    1: {"completed": 300, "consultations": 800, "client_minutes": "12.5"},
    2: {"started": 200, "completed": 180, "client_minutes": 35},
}
VALID_COSTS = {"staff__shared": "25000.00", "it_systems__portal": "12000", "premises__institution_in_person": "4000.50"}


# --- the screen ----------------------------------------------------------------------------------------------------


def test_screen_shows_every_offered_channel_and_the_cost_grid(client, setting):
    client.force_login(setting["editor"])

    response = client.get(url(setting))

    assert response.status_code == 200
    report = response.context["report"]
    assert [form.channel.code for form in report.figures] == ["portal", "phone", "institution_in_person"]
    # 6 components × (shared + 3 channels) = 24 cells.
    assert len(report.costs.fields) == 24
    page = response.content.decode()
    assert 'name="figures-2-rating_scale_max"' in page
    assert 'name="costs-outsourcing__phone"' in page and 'name="costs-other__shared"' in page


def test_existing_figures_and_costs_fill_the_screen(client, setting):
    portal = setting["channels"][0]
    ServiceFigureFactory(service=setting["service"], provider=setting["a"], year=YEAR, channel=portal, started=70, completed=66)
    ServiceCostFactory(service=setting["service"], provider=setting["a"], year=YEAR, component="staff", amount=Decimal("123.45"))
    client.force_login(setting["editor"])

    page = client.get(url(setting)).content.decode()

    assert 'name="figures-0-completed" value="66"' in page
    assert 'name="costs-staff__shared" value="123.45"' in page


# --- saving --------------------------------------------------------------------------------------------------------


def test_valid_report_saves_every_channel_and_cost_as_a_draft(client, setting):
    client.force_login(setting["editor"])

    response = client.post(url(setting), payload(VALID_ROWS, VALID_COSTS))

    assert response.status_code == 302
    figures = {
        figure.channel.code: figure
        for figure in ServiceFigure.objects.filter(service=setting["service"], provider=setting["a"], year=YEAR)
    }
    assert set(figures) == {"portal", "phone", "institution_in_person"}
    assert (figures["portal"].started, figures["portal"].completed) == (1000, 950)
    assert figures["portal"].satisfaction_mean == Decimal("4.2")
    assert figures["phone"].started is None and figures["phone"].client_minutes == Decimal("12.5")
    assert all(figure.period_type == PeriodType.YEAR and not figure.is_demo for figure in figures.values())
    costs = {
        (cost.component, cost.channel.code if cost.channel else None): cost.amount
        for cost in ServiceCost.objects.filter(service=setting["service"], provider=setting["a"], year=YEAR)
    }
    assert costs == {
        ("staff", None): Decimal("25000.00"),
        ("it_systems", "portal"): Decimal("12000.00"),
        ("premises", "institution_in_person"): Decimal("4000.50"),
    }
    submission = FigureSubmission.objects.get(service=setting["service"], provider=setting["a"], year=YEAR)
    assert submission.status == SubmissionStatus.DRAFT and submission.submitted_at is None


def test_invalid_report_names_each_field_and_writes_nothing(client, setting):
    portal = setting["channels"][0]
    kept = ServiceFigureFactory(service=setting["service"], provider=setting["a"], year=YEAR, channel=portal, started=70, completed=66)
    rows = {
        0: {"started": 100, "completed": 150},  # completed above started
        1: {"completed": -5},  # negative
        2: {"completed": 10, "satisfaction_mean": "6", "satisfaction_responses": 3, "rating_scale_min": 1, "rating_scale_max": 5},
    }
    costs = {"staff__shared": "-1", "it_systems__portal": "500"}
    client.force_login(setting["editor"])

    response = client.post(url(setting, language="en"), payload(rows, costs))

    assert response.status_code == 200
    report = response.context["report"]
    forms = report.figures.forms
    assert "150 completed is more than 100 started" in forms[0].errors["completed"][0]
    assert "must not be negative" in forms[1].errors["completed"][0]
    assert "outside the scale 1–5" in forms[2].errors["satisfaction_mean"][0]
    assert "must not be negative" in report.costs.errors["staff__shared"][0]
    assert set(report.costs.errors) == {"staff__shared"}
    # Each message sits beside its input, which points at it; the summary links to the inputs.
    page = response.content.decode()
    assert 'id="id_figures-0-completed_errors"' in page
    assert 'aria-describedby="id_figures-0-completed_errors"' in page
    assert 'id="id_costs-staff__shared_errors"' in page
    assert 'href="#id_figures-2-satisfaction_mean"' in page
    # Nothing written: the valid cells neither, and the figure already there is unchanged.
    assert list(ServiceFigure.objects.all()) == [kept]
    kept.refresh_from_db()
    assert (kept.started, kept.completed) == (70, 66)
    assert not ServiceCost.objects.exists()
    assert not FigureSubmission.objects.exists()


def test_a_filled_row_needs_its_completed_count(client, setting):
    client.force_login(setting["editor"])

    response = client.post(url(setting), payload({1: {"consultations": 40}}))

    assert response.context["report"].figures.forms[1].errors["completed"]
    assert not ServiceFigure.objects.exists()


def test_text_in_a_number_cell_is_refused_on_that_cell(client, setting):
    client.force_login(setting["editor"])

    response = client.post(url(setting), payload({0: {"completed": "daudz"}}, {"other__phone": "1,2,3"}))

    report = response.context["report"]
    assert report.figures.forms[0].errors["completed"]
    assert report.costs.errors["other__phone"]
    assert not ServiceFigure.objects.exists()


def test_a_failure_while_writing_leaves_nothing_half_written(client, setting, monkeypatch):
    """The figures are written first; a cost that fails in the database afterwards undoes them too."""
    client.force_login(setting["editor"])

    def refuse(*args, **kwargs):
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(ServiceCost.objects, "create", refuse)
    response = client.post(url(setting, language="en"), payload(VALID_ROWS, VALID_COSTS))

    assert response.status_code == 200
    assert "could not be saved" in response.content.decode()
    assert not ServiceFigure.objects.exists()
    assert not FigureSubmission.objects.exists()


def test_clearing_a_row_or_a_cell_removes_that_figure_or_cost(client, setting):
    portal, phone = setting["channels"][:2]
    ServiceFigureFactory(service=setting["service"], provider=setting["a"], year=YEAR, channel=portal, started=70, completed=66)
    ServiceFigureFactory(service=setting["service"], provider=setting["a"], year=YEAR, channel=phone, started=None, completed=5)
    ServiceCostFactory(service=setting["service"], provider=setting["a"], year=YEAR, component="staff")
    client.force_login(setting["editor"])

    client.post(url(setting), payload({1: {"completed": 5}}))

    assert [figure.channel.code for figure in ServiceFigure.objects.all()] == ["phone"]
    assert not ServiceCost.objects.exists()


def test_untouched_demo_rows_stay_demo_and_changed_rows_become_real(client, setting):
    portal, phone = setting["channels"][:2]
    key = {"service": setting["service"], "provider": setting["a"], "year": YEAR}
    untouched = ServiceFigureFactory(**key, channel=portal, started=70, completed=66, is_demo=True)
    changed = ServiceFigureFactory(**key, channel=phone, started=None, completed=5, is_demo=True)
    client.force_login(setting["editor"])

    client.post(url(setting), payload({0: {"started": 70, "completed": 66}, 1: {"completed": 6}}))

    untouched.refresh_from_db()
    changed.refresh_from_db()
    assert untouched.is_demo
    assert not changed.is_demo and changed.completed == 6


def test_quarterly_rows_are_left_alone(client, setting):
    portal = setting["channels"][0]
    quarter = ServiceFigureFactory(
        service=setting["service"], provider=setting["a"], year=YEAR, channel=portal,
        period_type=PeriodType.QUARTER, period_number=2, started=None, completed=12,
    )
    client.force_login(setting["editor"])

    client.post(url(setting), payload({0: {"completed": 40}}))

    quarter.refresh_from_db()
    assert quarter.completed == 12
    assert ServiceFigure.objects.filter(period_type=PeriodType.YEAR).get().completed == 40


def test_a_year_before_the_service_existed_is_refused_and_nothing_written(client, setting):
    client.force_login(setting["editor"])

    page = client.get(url(setting, year=2019, language="en")).content.decode()
    response = client.post(url(setting, year=2019, language="en"), payload(VALID_ROWS))

    assert "before the service was provided" in page
    assert response.status_code == 200
    assert "before the service was provided" in response.content.decode()
    assert not ServiceFigure.objects.exists()


# --- submitting ----------------------------------------------------------------------------------------------------


def test_submit_sets_status_submitter_and_time(client, setting):
    client.force_login(setting["editor"])

    response = client.post(url(setting), payload(VALID_ROWS, action="submit"))

    assert response.status_code == 302
    submission = FigureSubmission.objects.get()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.submitted_by == setting["editor"]
    assert submission.submitted_at is not None


def test_an_empty_report_cannot_be_submitted(client, setting):
    client.force_login(setting["editor"])

    response = client.post(url(setting, language="en"), payload(action="submit"))

    assert response.status_code == 200
    assert "at least one channel" in response.content.decode()
    assert not FigureSubmission.objects.exists()


def test_editor_changing_a_submitted_report_returns_it_to_draft(client, setting):
    FigureSubmissionFactory(
        service=setting["service"], provider=setting["a"], year=YEAR, status=SubmissionStatus.SUBMITTED,
        submitted_by=setting["editor"],
    )
    client.force_login(setting["editor"])

    client.post(url(setting), payload(VALID_ROWS))

    submission = FigureSubmission.objects.get()
    assert submission.status == SubmissionStatus.DRAFT
    assert submission.submitted_by is None and submission.submitted_at is None


def test_coordinator_corrects_a_submitted_report_and_it_stays_submitted(client, setting):
    editor = setting["editor"]
    FigureSubmissionFactory(
        service=setting["service"], provider=setting["a"], year=YEAR, status=SubmissionStatus.SUBMITTED, submitted_by=editor
    )
    client.force_login(UserFactory(role=Role.COORDINATOR))

    response = client.post(url(setting), payload(VALID_ROWS))

    assert response.status_code == 302
    submission = FigureSubmission.objects.get()
    assert submission.status == SubmissionStatus.SUBMITTED and submission.submitted_by == editor
    assert ServiceFigure.objects.count() == 3


# --- who may report ------------------------------------------------------------------------------------------------


def test_editor_may_not_report_for_another_provider_of_the_same_service(client, setting):
    client.force_login(setting["editor"])

    page = client.get(url(setting, provider=setting["b"]))
    post = client.post(url(setting, provider=setting["b"]), payload(VALID_ROWS))

    assert page.status_code == 403 and post.status_code == 403
    assert not ServiceFigure.objects.exists()


def test_editor_gets_404_for_a_service_of_another_institution(client, setting):
    other = InstitutionFactory()
    ServiceFactory(catalogue_id="X-1", holder=other)
    client.force_login(setting["editor"])

    response = client.get(reverse("services:figures-edit", args=["X-1", other.pk, YEAR]))

    assert response.status_code == 404


def test_an_institution_that_does_not_provide_the_service_gets_404(client, setting):
    stranger = InstitutionFactory()
    Membership.objects.create(user=setting["editor"], institution=stranger)
    client.force_login(setting["editor"])

    assert client.get(url(setting, provider=stranger)).status_code == 404


def test_viewer_and_read_only_member_may_not_report(client, setting):
    viewer = UserFactory(role=Role.VIEWER, member_of=[setting["a"]])
    read_only = UserFactory(role=Role.EDITOR)
    Membership.objects.create(user=read_only, institution=setting["a"], can_edit=False)

    for user in (viewer, read_only):
        client.force_login(user)
        assert client.get(url(setting)).status_code == 403
        assert client.post(url(setting), payload(VALID_ROWS)).status_code == 403
    assert not ServiceFigure.objects.exists()


def test_coordinator_may_report_for_any_provider(client, setting):
    client.force_login(UserFactory(role=Role.COORDINATOR))

    response = client.post(url(setting, provider=setting["b"]), payload(VALID_ROWS, action="submit"))

    assert response.status_code == 302
    assert ServiceFigure.objects.filter(provider=setting["b"]).count() == 3
