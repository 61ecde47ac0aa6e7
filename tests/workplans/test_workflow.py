"""The review cycle of workplans/workflow.py: draft → submitted → approved, or returned with a comment and
submitted again; who may take each step; what approval writes to the obligation or measure; the history kept;
and the row locks that keep two reviewers (or a reviewer and an editor) from overwriting each other."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.assessments.workflow_fixtures import make_people
from tests.workplans.factories import IndicatorFactory, MeasureFactory, MeasureResponsibilityFactory, plan_world
from workplans import workflow
from workplans.models import IndicatorActual, MeasureStatus, ProgressUpdate, ReviewStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return make_people()


@pytest.fixture
def world(people):
    return plan_world(people)


@pytest.fixture
def draft(world, people):
    return workflow.start_update(
        people.editor_a,
        obligation=world.a12,
        proposed_status=MeasureStatus.IN_PROGRESS,
        evidence="Komanda izveidota ar rīkojumu.",
        as_of=date(2025, 3, 1),
    )


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- starting and changing a draft ----------------------------------------------------------------------------------


def test_an_editor_starts_a_draft_on_their_institutions_obligation(draft, people, world):
    assert draft.status == ReviewStatus.DRAFT
    assert (draft.institution, draft.obligation, draft.created_by) == (people.a, world.a12, people.editor_a)
    # Nothing is applied before approval.
    assert fresh(world.a12).status == MeasureStatus.NOT_STARTED


def test_viewers_and_other_institutions_editors_cannot_start_an_update(world, people):
    for outsider in (people.viewer_a, people.editor_b, people.expert):
        with pytest.raises(workflow.NotAllowed):
            workflow.start_update(outsider, obligation=world.a12, proposed_status=MeasureStatus.EXECUTED)
    assert not ProgressUpdate.objects.exists()


def test_an_update_reports_on_one_obligation_or_one_measure(world, people):
    with pytest.raises(ValueError):
        workflow.start_update(
            people.coordinator, obligation=world.a12, measure=world.p23, proposed_status=MeasureStatus.EXECUTED
        )


def test_the_draft_can_be_changed_by_its_institution_only(draft, people):
    workflow.edit_update(people.editor_a2, draft, evidence="Rīkojums Nr. 12")
    assert fresh(draft).evidence == "Rīkojums Nr. 12"
    for outsider in (people.viewer_a, people.editor_b):
        with pytest.raises(workflow.NotAllowed):
            workflow.edit_update(outsider, draft, evidence="Cits")
    assert fresh(draft).evidence == "Rīkojums Nr. 12"


def test_a_submitted_update_cannot_be_changed(draft, people):
    workflow.submit(people.editor_a, draft)
    with pytest.raises(workflow.NotAllowed):
        workflow.edit_update(people.editor_a, draft, evidence="Vēlāk")


# --- submit, return, approve ------------------------------------------------------------------------------------------


def test_submit_records_who_and_when_and_cannot_repeat(draft, people):
    submitted = workflow.submit(people.editor_a, draft)
    assert submitted.status == ReviewStatus.SUBMITTED
    assert submitted.submitted_by == people.editor_a and submitted.submitted_at is not None
    with pytest.raises(workflow.WorkflowError):
        workflow.submit(people.editor_a, draft)


def test_only_the_reporting_side_submits(draft, people):
    for outsider in (people.viewer_a, people.editor_b):
        with pytest.raises(workflow.NotAllowed):
            workflow.submit(outsider, draft)
    assert fresh(draft).status == ReviewStatus.DRAFT


def test_returning_needs_the_coordinator_a_submitted_update_and_a_comment(draft, people):
    with pytest.raises(workflow.WorkflowError):
        workflow.return_for_correction(people.coordinator, draft, "Par agru")  # still a draft
    workflow.submit(people.editor_a, draft)
    with pytest.raises(workflow.NotAllowed):
        workflow.return_for_correction(people.editor_a, draft, "Pašam")
    for empty in ("", "   \n"):
        with pytest.raises(workflow.WorkflowError):
            workflow.return_for_correction(people.coordinator, draft, empty)
    assert fresh(draft).status == ReviewStatus.SUBMITTED
    returned = workflow.return_for_correction(people.coordinator, draft, "  Pievienojiet rīkojuma numuru. ")
    assert returned.status == ReviewStatus.RETURNED
    assert (returned.review_comment, returned.reviewed_by) == ("Pievienojiet rīkojuma numuru.", people.coordinator)


def test_the_database_refuses_a_returned_update_without_a_comment(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.filter(pk=draft.pk).update(status=ReviewStatus.RETURNED, review_comment="")


def test_only_the_coordinator_approves_and_only_a_submitted_update(draft, people):
    with pytest.raises(workflow.WorkflowError):
        workflow.approve(people.coordinator, draft)
    workflow.submit(people.editor_a, draft)
    for outsider in (people.editor_a, people.viewer_a, people.expert):
        with pytest.raises(workflow.NotAllowed):
            workflow.approve(outsider, draft)
    assert fresh(draft).status == ReviewStatus.SUBMITTED


def test_returned_corrected_resubmitted_approved_applies_to_the_obligation_with_history(draft, people, world):
    workflow.submit(people.editor_a, draft)
    workflow.return_for_correction(people.coordinator, draft, "Kur ir pierādījums?")
    # The returned update can be corrected by the institution and submitted again.
    assert workflow.can_change(people.editor_a, fresh(draft))
    workflow.edit_update(
        people.editor_a,
        draft,
        proposed_status=MeasureStatus.EXECUTED,
        evidence="Rīkojums Nr. 12",
        as_of=date(2025, 4, 2),
    )
    workflow.submit(people.editor_a, draft)
    approved = workflow.approve(people.coordinator, draft, "Paldies")
    assert approved.status == ReviewStatus.APPROVED and approved.review_comment == "Paldies"

    obligation = fresh(world.a12)
    assert obligation.status == MeasureStatus.EXECUTED and obligation.evidence == "Rīkojums Nr. 12"
    # Executed is final: started and completed on the update's date, 2025-04-02.
    assert (obligation.started_on, obligation.completed_on) == (date(2025, 4, 2), date(2025, 4, 2))
    # The other institution's obligation of the same measure is untouched.
    assert fresh(world.b12).status == MeasureStatus.NOT_STARTED

    # One history row per save: created, submitted, returned, corrected (still returned), resubmitted, approved.
    states = list(draft.history.order_by("history_date", "history_id").values_list("status", flat=True))
    assert states == ["draft", "submitted", "returned", "returned", "submitted", "approved"]
    reasons = list(obligation.history.values_list("history_change_reason", flat=True))
    assert f"progress update #{draft.pk}" in reasons


def test_an_in_progress_update_starts_the_obligation_and_a_later_final_one_completes_it(world, people):
    first = workflow.start_update(
        people.editor_a, obligation=world.a24, proposed_status=MeasureStatus.IN_PROGRESS, as_of=date(2025, 1, 10)
    )
    workflow.submit(people.editor_a, first)
    workflow.approve(people.coordinator, first)
    obligation = fresh(world.a24)
    assert (obligation.started_on, obligation.completed_on) == (date(2025, 1, 10), None)
    second = workflow.start_update(
        people.editor_a,
        obligation=world.a24,
        proposed_status=MeasureStatus.PARTLY_EXECUTED,
        evidence="Daļēji",
        as_of=date(2025, 9, 1),
    )
    workflow.submit(people.editor_a, second)
    workflow.approve(people.coordinator, second)
    obligation = fresh(world.a24)
    # The start stays 2025-01-10; partly executed is final, so it completes on 2025-09-01.
    assert (obligation.status, obligation.started_on, obligation.completed_on) == (
        MeasureStatus.PARTLY_EXECUTED,
        date(2025, 1, 10),
        date(2025, 9, 1),
    )


def test_an_approved_update_is_final(draft, people):
    workflow.submit(people.editor_a, draft)
    workflow.approve(people.coordinator, draft)
    approved = fresh(draft)
    assert not workflow.can_change(people.editor_a, approved)
    assert not workflow.can_submit(people.editor_a, approved)
    assert not workflow.can_review(people.coordinator, approved)
    with pytest.raises(workflow.NotAllowed):
        workflow.edit_update(people.editor_a, approved, evidence="Vēlāk")
    with pytest.raises(workflow.NotAllowed):
        workflow.edit_update(people.coordinator, approved, evidence="Vēlāk")
    with pytest.raises(workflow.WorkflowError):
        workflow.submit(people.editor_a, approved)
    with pytest.raises(workflow.WorkflowError):
        workflow.return_for_correction(people.coordinator, approved, "Vēlreiz")


def test_who_may_do_what_at_each_state(draft, people):
    assert workflow.can_change(people.editor_a, draft) and workflow.can_submit(people.editor_a, draft)
    assert not workflow.can_change(people.viewer_a, draft) and not workflow.can_change(people.editor_b, draft)
    assert not workflow.can_review(people.coordinator, draft)
    submitted = workflow.submit(people.editor_a, draft)
    assert not workflow.can_change(people.editor_a, submitted)
    assert workflow.can_review(people.coordinator, submitted)
    assert not workflow.can_review(people.editor_a, submitted) and not workflow.can_review(people.expert, submitted)


# --- whole-measure updates ------------------------------------------------------------------------------------------


def test_a_responsible_institutions_editor_reports_on_the_measure_and_approval_applies_it(world, people):
    MeasureResponsibilityFactory(measure=world.p23, institution=people.b)
    with pytest.raises(workflow.NotAllowed):
        workflow.start_update(people.editor_a, measure=world.p23, proposed_status=MeasureStatus.EXECUTED)
    update = workflow.start_update(
        people.editor_b, measure=world.p23, proposed_status=MeasureStatus.EXECUTED, evidence="Metodika apstiprināta"
    )
    assert update.institution == people.b
    workflow.submit(people.editor_b, update)
    workflow.approve(people.coordinator, update)
    measure = fresh(world.p23)
    assert (measure.status, measure.evidence_lv) == (MeasureStatus.EXECUTED, "Metodika apstiprināta")


def test_the_coordinator_reports_for_the_lead_institution_and_needs_one(world, people):
    with pytest.raises(workflow.WorkflowError):
        workflow.start_update(people.coordinator, measure=world.p23, proposed_status=MeasureStatus.IN_PROGRESS)
    MeasureResponsibilityFactory(measure=world.p23, institution=people.b)
    update = workflow.start_update(people.coordinator, measure=world.p23, proposed_status=MeasureStatus.IN_PROGRESS)
    assert update.institution == people.b


# --- indicator actuals ----------------------------------------------------------------------------------------------


def test_actuals_are_reported_by_responsible_institutions_and_count_once_approved(world, people):
    measure = MeasureFactory(action_line=world.p23.action_line, code="P2.5", in_each_institution=False)
    MeasureResponsibilityFactory(measure=measure, institution=people.b)
    indicator = IndicatorFactory(measure=measure, plan=world.plan)
    # A's editor may edit A, but A is not responsible for the indicator's measure.
    with pytest.raises(workflow.NotAllowed):
        workflow.report_actual(people.editor_a, indicator, people.a, 2024, value=Decimal("40"))
    with pytest.raises(workflow.NotAllowed):
        workflow.report_actual(people.editor_a, indicator, people.b, 2024, value=Decimal("40"))
    first = workflow.report_actual(people.editor_b, indicator, people.b, 2024, value=Decimal("40"))
    assert workflow.actual_for(indicator, 2024) is None
    workflow.submit(people.editor_b, first)
    workflow.approve(people.coordinator, first)
    assert workflow.actual_for(indicator, 2024) == first
    # A later approved report for the same year replaces it.
    second = workflow.report_actual(
        people.coordinator, indicator, people.b, 2024, value_min=Decimal("38"), value_max=Decimal("44")
    )
    workflow.submit(people.coordinator, second)
    workflow.return_for_correction(people.coordinator, second, "Precizējiet avotu.")
    assert workflow.actual_for(indicator, 2024) == first
    workflow.submit(people.editor_b, second)
    workflow.approve(people.coordinator, second)
    assert workflow.actual_for(indicator, 2024) == second
    assert IndicatorActual.objects.filter(indicator=indicator).count() == 2


# --- row locks ------------------------------------------------------------------------------------------------------


def test_every_step_locks_the_row_it_changes(draft, people, postgres):
    def locked_selects(step):
        with CaptureQueriesContext(postgres) as queries:
            step()
        return [query["sql"] for query in queries if "FOR UPDATE" in query["sql"]]

    assert any(
        '"workplans_progressupdate"' in sql for sql in locked_selects(lambda: workflow.submit(people.editor_a, draft))
    )
    assert locked_selects(lambda: workflow.return_for_correction(people.coordinator, draft, "Labot"))
    assert locked_selects(lambda: workflow.edit_update(people.editor_a, draft, evidence="Labots"))
    workflow.submit(people.editor_a, draft)
    approve_locks = locked_selects(lambda: workflow.approve(people.coordinator, draft))
    # The update itself and the obligation it is applied to.
    assert any('"workplans_progressupdate"' in sql for sql in approve_locks)
    assert any('"workplans_obligation"' in sql for sql in approve_locks)


def test_a_step_reads_the_status_after_taking_the_lock(draft, people):
    """A stale copy (read before another request approved it) cannot be returned or approved again."""
    stale = fresh(draft)
    workflow.submit(people.editor_a, draft)
    stale_submitted = fresh(draft)
    workflow.approve(people.coordinator, draft)
    with pytest.raises(workflow.WorkflowError):
        workflow.return_for_correction(people.coordinator, stale_submitted, "Par vēlu")
    with pytest.raises(workflow.WorkflowError):
        workflow.approve(people.coordinator, stale_submitted)
    with pytest.raises(workflow.NotAllowed):
        workflow.edit_update(people.editor_a, stale, evidence="Novēloti")
    assert fresh(draft).status == ReviewStatus.APPROVED


def test_the_review_timestamps_follow_the_steps(draft, people):
    before = timezone.now() - timedelta(seconds=1)
    workflow.submit(people.editor_a, draft)
    workflow.approve(people.coordinator, draft)
    approved = fresh(draft)
    assert before <= approved.submitted_at <= approved.reviewed_at
