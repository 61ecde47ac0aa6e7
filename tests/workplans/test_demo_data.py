"""The demo data of the institution side (workplans/demo_data.py): teams, a "no team needed", progress updates
in each review state, improvement plans whose items address the demo conformity gaps; loading twice creates
nothing new."""

import pytest
from django.db import connection, transaction

from accounts.models import User
from assessments.demo_data import load_assessment_demo
from assessments.gaps import institution_gaps
from assessments.methodologies import load_methodologies
from institutions.demo_data import load_demo_data
from institutions.models import Institution
from institutions.reference_data import load_reference_data
from workplans.demo_data import TEAMS, load_workplans_demo
from workplans.models import (
    GovernanceRole,
    ImplementationTeam,
    ImprovementCategory,
    ImprovementItem,
    ImprovementPlan,
    MeasureStatus,
    Obligation,
    ProgressUpdate,
    ReviewStatus,
    TeamMember,
)
from workplans.reference_data import load_workplans


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Reference data, demo users, the demo conformity round and the work-plan demo, loaded once for the module
    inside a transaction rolled back after it; each test runs in its own savepoint (the `db` fixture)."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_reference_data()
        load_methodologies()
        load_workplans()
        load_demo_data()
        load_assessment_demo()
        summary = load_workplans_demo()
        connection.check_constraints()
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return demo


def obligation(short_name, code):
    return Obligation.objects.get(institution__short_name=short_name, measure__code=code)


def test_the_summary_counts_what_was_created(loaded):
    # VSAA and VID teams + LRVK's "no team needed" = 3; VSAA 5 + VID 3 members = 8; 5 updates; VSAA and VID plans
    assert loaded["implementation teams created"] == ImplementationTeam.objects.count() == 3
    assert loaded["team members created"] == TeamMember.objects.count() == 8
    assert loaded["progress updates created"] == ProgressUpdate.objects.count() == 5
    assert loaded["improvement plans created"] == ImprovementPlan.objects.count() == 2
    assert loaded["improvement plan items created"] == ImprovementItem.objects.count() > 0


def test_teams_have_members_with_governance_roles_and_one_institution_needs_none(loaded):
    vsaa = ImplementationTeam.objects.get(institution__short_name="VSAA")
    assert not vsaa.not_required and vsaa.established_on and vsaa.contact_email
    assert vsaa.members.count() == len(TEAMS["VSAA"].members) == 5
    roles = {role for member in TeamMember.objects.all() for role in member.roles}
    assert roles <= set(GovernanceRole.values) and GovernanceRole.TEAM_LEAD in roles
    lrvk = ImplementationTeam.objects.get(institution__short_name="LRVK")
    assert lrvk.not_required and "lomas" in lrvk.not_required_reason and not lrvk.members.exists()
    assert not ImplementationTeam.objects.exclude(institution__bound_by_round1=True).exists()


def test_an_approved_update_set_the_obligation_status(loaded):
    coordinator = User.objects.get(username="koordinators")
    for short_name, code in (("VSAA", "P1.1"), ("VSAA", "P1.2"), ("VID", "P1.2")):
        subject = obligation(short_name, code)
        update = subject.updates.get()
        assert update.status == ReviewStatus.APPROVED and update.reviewed_by == coordinator
        assert subject.status == MeasureStatus.EXECUTED == update.proposed_status
        assert subject.evidence == update.evidence
        assert subject.started_on == subject.completed_on == update.as_of
    assert obligation("VSAA", "P1.2").updates.get().submitted_by.username == "redaktors"


def test_one_update_awaits_review_and_one_was_returned_with_a_comment(loaded):
    waiting = obligation("VSAA", "P1.3").updates.get()
    assert waiting.status == ReviewStatus.SUBMITTED and waiting.reviewed_at is None
    returned = obligation("VSAA", "P2.2").updates.get()
    assert returned.status == ReviewStatus.RETURNED and returned.review_comment
    # neither reached its obligation
    assert obligation("VSAA", "P1.3").status == obligation("VSAA", "P2.2").status == MeasureStatus.NOT_STARTED


def test_improvement_plan_items_address_the_gaps_of_the_conformity_assessment(loaded):
    vsaa = Institution.objects.get(short_name="VSAA")
    assessment, gaps = institution_gaps(vsaa)
    assert gaps, "the demo conformity round gives VSAA gaps"
    plan = ImprovementPlan.objects.get(institution=vsaa)
    assert plan.status == ReviewStatus.APPROVED and plan.based_on == assessment and plan.version == 1
    items = list(plan.items.prefetch_related("gaps"))
    linked = {question.pk for item in items for question in item.gaps.all()}
    assert linked and linked <= {gap.question.pk for gap in gaps}
    assert {item.category for item in items} == set(ImprovementCategory.values)
    for item in items:
        assert item.funding_source and item.planning_document and item.deadline and item.responsible_person
        assert item.amount is not None or item.additional_needed is not None
    assert ImprovementPlan.objects.get(institution__short_name="VID").status == ReviewStatus.SUBMITTED


def test_loading_twice_creates_nothing(loaded):
    before = (
        ImplementationTeam.objects.count(),
        TeamMember.objects.count(),
        ProgressUpdate.objects.count(),
        ProgressUpdate.history.count(),
        ImprovementItem.objects.count(),
        Obligation.history.count(),
    )
    assert set(load_workplans_demo().values()) == {0}
    after = (
        ImplementationTeam.objects.count(),
        TeamMember.objects.count(),
        ProgressUpdate.objects.count(),
        ProgressUpdate.history.count(),
        ImprovementItem.objects.count(),
        Obligation.history.count(),
    )
    assert after == before
