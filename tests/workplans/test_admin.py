"""The work plans in the admin: an institution's staff see and change only their institutions' obligations, teams,
improvement plans, updates and actuals, and only their institutions in the choices; plans are read by every staff
user and changed by the coordinator; generated reports are the coordinator's."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory
from tests.workplans.factories import (
    ImplementationTeamFactory,
    ImprovementPlanFactory,
    IndicatorActualFactory,
    MeasureFactory,
    ObligationFactory,
    PlanFactory,
    ProgressUpdateFactory,
)
from workplans.models import ExecutionReport, ImprovementItem, ReviewStatus, TeamMember


@pytest.fixture
def two_institutions(db):
    """Institutions A and B, each with an obligation of one measure, a team with a member, an improvement plan
    with an item, a progress update and a draft indicator actual; an editor (staff) of A."""
    plan = PlanFactory(code="PVPP2027")
    measure = MeasureFactory(action_line__plan=plan, in_each_institution=True)
    rows = {}
    for name in ("A", "B"):
        institution = InstitutionFactory(short_name=name)
        obligation = ObligationFactory(measure=measure, institution=institution)
        team = ImplementationTeamFactory(plan=plan, institution=institution)
        improvement_plan = ImprovementPlanFactory(plan=plan, institution=institution)
        rows[name] = {
            "institution": institution,
            "obligation": obligation,
            "implementationteam": team,
            "teammember": TeamMember.objects.create(team=team, name=f"Member of {name}"),
            "improvementplan": improvement_plan,
            "improvementitem": ImprovementItem.objects.create(
                improvement_plan=improvement_plan,
                category="services",
                action=f"Action of {name}",
                deadline="2026-12-31",
                responsible_person="X",
                funding_source="own_budget",
            ),
            "progressupdate": ProgressUpdateFactory(obligation=obligation),
            "indicatoractual": IndicatorActualFactory(
                indicator__action_line__plan=plan, institution=institution, status=ReviewStatus.DRAFT
            ),
        }
    editor = UserFactory(role=Role.EDITOR, is_staff=True)
    MembershipFactory(user=editor, institution=rows["A"]["institution"])
    return {"rows": rows, "editor": editor, "plan": plan, "measure": measure}


SCOPED_MODELS = (
    "obligation",
    "implementationteam",
    "teammember",
    "improvementplan",
    "improvementitem",
    "progressupdate",
    "indicatoractual",
)


@pytest.mark.parametrize("model", SCOPED_MODELS)
def test_an_editor_of_a_sees_only_as_rows_in_the_changelist(client, two_institutions, model):
    client.force_login(two_institutions["editor"])
    response = client.get(reverse(f"admin:workplans_{model}_changelist"))
    assert response.status_code == 200
    shown = {row.pk for row in response.context["cl"].result_list}
    assert shown == {two_institutions["rows"]["A"][model].pk}


@pytest.mark.parametrize("model", SCOPED_MODELS)
def test_an_editor_of_a_cannot_open_bs_row_or_its_history(client, two_institutions, model):
    client.force_login(two_institutions["editor"])
    other = two_institutions["rows"]["B"][model]
    assert client.get(reverse(f"admin:workplans_{model}_change", args=[other.pk])).status_code in (302, 403, 404)
    if hasattr(type(other), "history"):
        assert client.get(reverse(f"admin:workplans_{model}_history", args=[other.pk])).status_code == 403


def test_the_coordinator_sees_both_institutions_rows(client, two_institutions):
    client.force_login(UserFactory(role=Role.COORDINATOR, is_staff=True))
    for model in SCOPED_MODELS:
        response = client.get(reverse(f"admin:workplans_{model}_changelist"))
        assert len(response.context["cl"].result_list) == 2, model


def test_an_editor_may_name_only_their_institution_in_a_new_team(client, two_institutions):
    client.force_login(two_institutions["editor"])
    response = client.get(reverse("admin:workplans_implementationteam_add"))
    assert response.status_code == 200
    choices = list(response.context["adminform"].form.fields["institution"].queryset)
    assert choices == [two_institutions["rows"]["A"]["institution"]]
    form = client.get(reverse("admin:workplans_progressupdate_add")).context["adminform"].form
    assert list(form.fields["obligation"].queryset) == [two_institutions["rows"]["A"]["obligation"]]


def test_an_editor_changes_an_obligations_dates_but_not_its_status(client, two_institutions):
    client.force_login(two_institutions["editor"])
    own = two_institutions["rows"]["A"]["obligation"]
    form = client.get(reverse("admin:workplans_obligation_change", args=[own.pk])).context["adminform"].form
    assert "started_on" in form.fields
    assert "status" not in form.fields and "evidence" not in form.fields


def test_a_submitted_update_is_not_changed_in_the_admin(client, two_institutions):
    client.force_login(two_institutions["editor"])
    update = two_institutions["rows"]["A"]["progressupdate"]
    update.status = ReviewStatus.SUBMITTED
    update.save()
    response = client.get(reverse("admin:workplans_progressupdate_change", args=[update.pk]))
    assert response.status_code == 200 and not response.context["has_change_permission"]


def test_plans_are_read_by_staff_and_changed_by_the_coordinator(client, two_institutions):
    measure = two_institutions["measure"]
    client.force_login(two_institutions["editor"])
    assert client.get(reverse("admin:workplans_measure_changelist")).status_code == 200
    response = client.get(reverse("admin:workplans_measure_change", args=[measure.pk]))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    assert client.get(reverse("admin:workplans_executionreport_changelist")).status_code == 403
    client.force_login(UserFactory(role=Role.COORDINATOR, is_staff=True))
    response = client.get(reverse("admin:workplans_measure_change", args=[measure.pk]))
    assert response.context["has_change_permission"]
    ExecutionReport.objects.create(plan=two_institutions["plan"])
    assert client.get(reverse("admin:workplans_executionreport_changelist")).status_code == 200


def test_every_workplans_admin_page_opens_for_the_coordinator(client, two_institutions):
    client.force_login(UserFactory(role=Role.COORDINATOR, is_staff=True))
    for model in (
        "plan",
        "actionline",
        "roadmapgroup",
        "measure",
        "indicator",
        *SCOPED_MODELS,
        "executionreport",
        "reminderlog",
    ):
        assert client.get(reverse(f"admin:workplans_{model}_changelist")).status_code == 200, model
    for model in ("plan", "measure", "obligation", "improvementplan", "implementationteam"):
        assert client.get(reverse(f"admin:workplans_{model}_add")).status_code == 200, model
    rows = two_institutions["rows"]["A"]
    for model in ("obligation", "improvementplan", "implementationteam", "progressupdate", "indicatoractual"):
        assert client.get(reverse(f"admin:workplans_{model}_change", args=[rows[model].pk])).status_code == 200


def test_a_user_who_is_not_staff_has_no_admin(client, two_institutions):
    client.force_login(UserFactory(role=Role.EDITOR, member_of=[two_institutions["rows"]["A"]["institution"]]))
    response = client.get(reverse("admin:workplans_obligation_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]
