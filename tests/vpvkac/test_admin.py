"""The VPVKAC network in the Django admin, on the small network of test_pages.py: every page renders for the
coordinator; a centre operator on the staff sees and changes only their own centre and its rows, and a
centre's status changes through its status history."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from tests.factories import UserFactory
from tests.vpvkac.test_pages import net  # noqa: F401 (the fixture)
from vpvkac.models import (
    Centre,
    CentreFigure,
    CentreMembership,
    CentreStatus,
    ContactFigure,
    Grant,
    MobileCentre,
    MunicipalityFigure,
    NetworkParameters,
    NetworkRecomputation,
    NetworkReviewDecision,
    PeriodSummary,
    ReportingPeriod,
    SatisfactionScore,
    Settlement,
)

pytestmark = pytest.mark.django_db


def admin_url(model, action="changelist", *args):
    with translation.override("en"):
        return reverse(f"admin:vpvkac_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def staff_operator(net):  # noqa: F811
    operator = net["operator_x"]
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    return operator


@pytest.fixture
def staff_coordinator(net):  # noqa: F811
    coordinator = net["coordinator"]
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    return coordinator


MODELS = (
    Centre,
    ContactFigure,
    Grant,
    SatisfactionScore,
    Settlement,
    MobileCentre,
    ReportingPeriod,
    CentreMembership,
    NetworkParameters,
    NetworkRecomputation,
    PeriodSummary,
    CentreFigure,
    MunicipalityFigure,
    NetworkReviewDecision,
)


def test_every_list_and_change_page_renders_for_the_coordinator(client, staff_coordinator):
    client.force_login(staff_coordinator)
    for model in MODELS:
        assert client.get(admin_url(model)).status_code == 200, model
        row = model.objects.first()
        if row is not None:
            assert client.get(admin_url(model, "change", row.pk)).status_code == 200, model


def test_an_operator_sees_only_their_centre_and_its_figures(client, staff_operator, net):  # noqa: F811
    client.force_login(staff_operator)
    centres = client.get(admin_url(Centre)).content.decode()
    assert "Xilofona centrs" in centres and "Ypsilona centrs" not in centres and "Zetas centrs" not in centres
    assert client.get(admin_url(ContactFigure)).context["cl"].result_count == 3  # X's three figures
    # Y's page does not exist for them: the admin sends them back with a message.
    assert client.get(admin_url(Centre, "change", net["y"].pk)).status_code == 302
    y_figure = ContactFigure.objects.get(centre=net["y"])
    assert client.get(admin_url(ContactFigure, "change", y_figure.pk)).status_code == 302
    assert client.get(admin_url(CentreMembership)).status_code == 403
    grants = client.get(admin_url(Grant)).context["cl"].result_count
    assert grants == 3  # Alfas novads's maintenance, salary and creation grants; not Betas novads's


def test_an_operator_changes_their_centres_figures_but_not_its_identity(client, staff_operator, net):  # noqa: F811
    client.force_login(staff_operator)
    figure = ContactFigure.objects.get(centre=net["x"], count=30)
    page = client.get(admin_url(ContactFigure, "change", figure.pk))
    assert page.status_code == 200
    offered = page.context["adminform"].form.fields["centre"].queryset
    assert list(offered) == [net["x"]]  # only the centres they record figures for
    change = client.get(admin_url(Centre, "change", net["x"].pk))
    assert change.status_code == 200
    assert {"code", "name", "municipality", "status"} <= set(change.context["adminform"].readonly_fields)
    assert client.get(admin_url(Centre, "add")).status_code == 403
    assert (
        client.get(admin_url(Grant, "change", Grant.objects.filter(municipality=net["alfa"]).first().pk)).context[
            "has_change_permission"
        ]
        is False
    )


def test_the_status_changes_through_the_status_history(client, staff_coordinator, net):  # noqa: F811
    client.force_login(staff_coordinator)
    centre = net["z"]
    page = client.get(admin_url(Centre, "change", centre.pk))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update({"municipality": centre.municipality_id, "tier": centre.tier})
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        if formset.formset.model.__name__ == "CentreStatusChange":
            data.update(
                {
                    f"{prefix}-TOTAL_FORMS": "1",
                    f"{prefix}-0-since": "2024-06-01",
                    f"{prefix}-0-status": CentreStatus.UNDER_REVIEW,
                    f"{prefix}-0-note": "Pārskatīšanā",
                    f"{prefix}-0-centre": str(centre.pk),
                }
            )
    response = client.post(admin_url(Centre, "change", centre.pk), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    centre.refresh_from_db()
    assert (centre.status, centre.status_since) == (CentreStatus.UNDER_REVIEW, date(2024, 6, 1))
    assert centre.status_changes.get().changed_by == staff_coordinator


def test_users_off_the_staff_see_no_network_admin(client, net):  # noqa: F811
    client.force_login(UserFactory(username="bez-staff", role=Role.CENTRE_OPERATOR))
    assert client.get(admin_url(Centre)).status_code == 302  # to the admin's log-in page
