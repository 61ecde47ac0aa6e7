"""Individual improvement plans (workplans/improvement.py): items made from conformity gaps link the gaps'
questions, the uncovered gaps shrink as items address them, a new version copies the items with their gaps, and
only an editor of the institution changes a draft or returned version."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from assessments.models import AssessmentStatus
from tests.assessments.workflow_fixtures import make_people
from tests.workplans.factories import PlanFactory, conformity_assessment
from workplans import improvement, workflow
from workplans.institution_tables import funding_totals
from workplans.models import (
    FundingSource,
    ImprovementCategory,
    ImprovementItem,
    ReviewStatus,
)

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "deadline": date(2026, 12, 31),
    "responsible_person": "Anna Bērziņa",
    "funding_source": FundingSource.OWN_BUDGET,
}


@pytest.fixture
def people():
    return make_people()


@pytest.fixture
def plan():
    return PlanFactory(code="PVPP2027", round_number=1)


@pytest.fixture
def conformity(people):
    # K1.01 at degree 1, K2.01 at 2, K3.01 unanswered (0), K4.01 at 3: the first three are below target 3.
    return conformity_assessment(people.a, {"K1.01": 1, "K2.01": 2, "K4.01": 3})


@pytest.fixture
def draft(people, plan, conformity):
    return improvement.start_improvement_plan(people.editor_a, plan, people.a)


def codes(gaps):
    return [gap.question.code for gap in gaps]


def test_a_new_plan_is_version_1_based_on_the_latest_conformity_assessment(draft, conformity):
    assert draft.version == 1 and draft.status == ReviewStatus.DRAFT
    assert draft.based_on == conformity.assessment


def test_a_second_start_and_a_viewers_start_are_refused(draft, people, plan):
    with pytest.raises(workflow.WorkflowError):
        improvement.start_improvement_plan(people.editor_a2, plan, people.a)
    with pytest.raises(workflow.NotAllowed):
        improvement.start_improvement_plan(people.viewer_a, plan, people.b)
    with pytest.raises(workflow.NotAllowed):
        improvement.start_improvement_plan(people.editor_a, plan, people.b)


def test_the_category_follows_the_component():
    suggested = {
        code: improvement.suggested_category(type("Area", (), {"code": code})) for code in "K1 K2 K3 K4".split()
    }
    assert suggested == {
        "K1": ImprovementCategory.GOVERNANCE_TASKS,
        "K2": ImprovementCategory.GOVERNANCE_TASKS,
        "K3": ImprovementCategory.SERVICES,
        "K4": ImprovementCategory.CAPABILITIES,
    }


def test_items_from_gaps_link_the_questions_and_say_which_degree_to_reach(draft, people, conformity):
    gaps = improvement.uncovered_gaps(draft)
    assert codes(gaps) == ["K1.01", "K2.01", "K3.01"]
    with translation.override("en"):
        items = improvement.items_from_gaps(people.editor_a, draft, gaps[:2], DEFAULTS)
    first, second = items
    assert list(first.gaps.all()) == [conformity.questions["K1.01"]]
    assert list(second.gaps.all()) == [conformity.questions["K2.01"]]
    assert first.action == "Raise K1.01 “Question K1?” from degree 1 to 3"
    assert second.action == "Raise K2.01 “Question K2?” from degree 2 to 3"
    assert (first.category, second.category) == (ImprovementCategory.GOVERNANCE_TASKS,) * 2
    assert [(item.order, item.deadline, item.responsible_person, item.funding_source) for item in items] == [
        (1, date(2026, 12, 31), "Anna Bērziņa", FundingSource.OWN_BUDGET),
        (2, date(2026, 12, 31), "Anna Bērziņa", FundingSource.OWN_BUDGET),
    ]


def test_uncovered_gaps_shrink_as_items_address_them(draft, people):
    assert codes(improvement.uncovered_gaps(draft)) == ["K1.01", "K2.01", "K3.01"]
    improvement.items_from_gaps(people.editor_a, draft, improvement.uncovered_gaps(draft)[:1], DEFAULTS)
    assert codes(improvement.uncovered_gaps(draft)) == ["K2.01", "K3.01"]
    improvement.items_from_gaps(people.editor_a, draft, improvement.uncovered_gaps(draft), DEFAULTS)
    assert improvement.uncovered_gaps(draft) == []
    coverage = improvement.gap_coverage(people.a, draft)
    assert (len(coverage.gaps), len(coverage.addressed)) == (3, 3)
    # The K3 item is a P5.2 one.
    assert draft.items.get(gaps__code="K3.01").category == ImprovementCategory.SERVICES


def test_a_gap_of_another_institution_refuses_the_whole_batch(draft, people):
    conformity_assessment(people.b, {"K1.01": 0})
    mixed = improvement.uncovered_gaps(draft)[:1] + improvement.gap_coverage(people.b).gaps
    with pytest.raises(workflow.WorkflowError):
        improvement.items_from_gaps(people.editor_a, draft, mixed, DEFAULTS)
    assert not ImprovementItem.objects.exists()


def test_items_from_gaps_are_refused_to_viewers_other_editors_and_submitted_plans(draft, people):
    gaps = improvement.uncovered_gaps(draft)
    for outsider in (people.viewer_a, people.editor_b):
        with pytest.raises(workflow.NotAllowed):
            improvement.items_from_gaps(outsider, draft, gaps, DEFAULTS)
    improvement.items_from_gaps(people.editor_a, draft, gaps[:1], DEFAULTS)
    improvement.submit_improvement_plan(people.editor_a, draft)
    with pytest.raises(workflow.WorkflowError):
        improvement.items_from_gaps(people.editor_a, draft, gaps[1:], DEFAULTS)
    assert draft.items.count() == 1


def test_an_empty_plan_cannot_be_submitted(draft, people):
    with pytest.raises(workflow.WorkflowError):
        improvement.submit_improvement_plan(people.editor_a, draft)
    draft.refresh_from_db()
    assert draft.status == ReviewStatus.DRAFT


def test_a_new_version_copies_the_items_and_their_gaps(draft, people):
    improvement.items_from_gaps(people.editor_a, draft, improvement.uncovered_gaps(draft)[:2], DEFAULTS)
    improvement.submit_improvement_plan(people.editor_a, draft)
    workflow.approve(people.coordinator, draft)
    second = workflow.new_improvement_plan_version(people.editor_a, draft)
    assert (second.version, second.status, second.based_on_id) == (2, ReviewStatus.DRAFT, draft.based_on_id)
    copied = [(item.action, [q.code for q in item.gaps.all()]) for item in second.items.order_by("order")]
    original = [(item.action, [q.code for q in item.gaps.all()]) for item in draft.items.order_by("order")]
    assert copied == original and len(copied) == 2
    assert set(second.items.values_list("pk", flat=True)).isdisjoint(draft.items.values_list("pk", flat=True))
    assert codes(improvement.uncovered_gaps(second)) == ["K3.01"]
    # The approved version stays as it was; a second new version of it is refused.
    draft.refresh_from_db()
    assert draft.status == ReviewStatus.APPROVED and draft.items.count() == 2
    with pytest.raises(workflow.WorkflowError):
        workflow.new_improvement_plan_version(people.editor_a, draft)


def test_saving_and_deleting_items_needs_an_editable_version(draft, people):
    item = ImprovementItem(
        category=ImprovementCategory.CAPABILITIES,
        action="Apmācīt komandu",
        deadline=date(2026, 6, 30),
        responsible_person="Jānis",
        funding_source=FundingSource.EU_FUNDS,
    )
    question = improvement.uncovered_gaps(draft)[2].question
    improvement.save_item(people.editor_a, draft, item, [question])
    assert item.order == 1 and list(item.gaps.all()) == [question]
    with pytest.raises(workflow.NotAllowed):
        improvement.delete_item(people.viewer_a, item)
    improvement.submit_improvement_plan(people.editor_a, draft)
    with pytest.raises(workflow.WorkflowError):
        improvement.delete_item(people.editor_a, item)
    workflow.return_for_correction(people.coordinator, draft, "Pievienojiet finansējumu.")
    improvement.delete_item(people.editor_a, item)
    assert not draft.items.exists()


def test_a_plan_without_a_conformity_assessment_has_no_gaps(people, plan):
    started = improvement.start_improvement_plan(people.editor_b, plan, people.b)
    assert started.based_on is None
    assert improvement.uncovered_gaps(started) == []


def test_a_draft_assessment_is_not_used(people, plan):
    conformity_assessment(people.b, {"K1.01": 0}, status=AssessmentStatus.DRAFT)
    started = improvement.start_improvement_plan(people.editor_b, plan, people.b)
    assert started.based_on is None and improvement.uncovered_gaps(started) == []


def test_funding_totals_sum_by_source(draft, people):
    rows = [
        (FundingSource.OWN_BUDGET, "1000.00", None),
        (FundingSource.OWN_BUDGET, "250.50", "100.00"),
        (FundingSource.EU_FUNDS, "5000.00", "2000.00"),
        (FundingSource.TSI, None, None),
    ]
    for order, (source, amount, additional) in enumerate(rows, start=1):
        ImprovementItem.objects.create(
            improvement_plan=draft,
            order=order,
            category=ImprovementCategory.SERVICES,
            action=f"Darbība {order}",
            deadline=date(2026, 1, 1),
            responsible_person="Anna",
            funding_source=source,
            amount=Decimal(amount) if amount else None,
            additional_needed=Decimal(additional) if additional else None,
        )
    totals = {row["source"]: (row["amount"], row["additional"]) for row in funding_totals(draft)}
    # Own budget: 1000.00 + 250.50 = 1250.50, additional 100.00; EU funds 5000.00 / 2000.00; TSI has no amounts.
    assert totals == {
        FundingSource.OWN_BUDGET: (Decimal("1250.50"), Decimal("100.00")),
        FundingSource.EU_FUNDS: (Decimal("5000.00"), Decimal("2000.00")),
        FundingSource.TSI: (None, None),
    }
    # In the order of the funding sources, not of the items.
    assert [row["source"] for row in funding_totals(draft)] == ["own_budget", "eu_funds", "tsi"]
