"""The assessment workflow (assessments/workflow.py): opening a round, saving with conflict detection, the
missing list, submission, review, return, approval (locked), reopening as a new version, who may do each step,
and the progress counted in Python and in SQL alike."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import workflow
from assessments.models import Answer, Assessment, AssessmentStatus, RoundStatus
from institutions.models import InstitutionType
from tests.assessments.workflow_fixtures import complete_answers, in_days, make_people, make_questionnaire
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def questionnaire():
    return make_questionnaire()


@pytest.fixture
def people():
    return make_people()


@pytest.fixture
def round_(questionnaire, people):
    return workflow.open_round(questionnaire.methodology, [people.a, people.b], in_days(30), people.coordinator)


@pytest.fixture
def assessment_a(round_, people):
    return round_.assessments.get(institution=people.a)


@pytest.fixture
def rescored(monkeypatch):
    """The assessments handed to scoring.schedule_rescore, in order."""
    calls = []
    monkeypatch.setattr("assessments.scoring.schedule_rescore", lambda ids: calls.extend(ids))
    return calls


def fresh(assessment):
    return Assessment.objects.select_related("round").get(pk=assessment.pk)


def submitted(assessment, people, questionnaire):
    workflow.save_answers(assessment, complete_answers(questionnaire), people.editor_a, assessment.revision)
    return workflow.submit(fresh(assessment), people.editor_a)


# --- opening a round ----------------------------------------------------------------------------------------------


def test_opening_a_round_creates_one_current_draft_per_organisation(round_, people, questionnaire):
    assessments = list(round_.assessments.order_by("institution__short_name"))
    assert [a.institution for a in assessments] == [people.a, people.b]
    assert all(a.status == AssessmentStatus.DRAFT and a.version == 1 and a.is_current for a in assessments)
    assert round_.opened_by == people.coordinator and round_.status == RoundStatus.OPEN
    assert round_.methodology == questionnaire.methodology


@pytest.mark.parametrize("who", ["editor_a", "expert", "viewer_a"])
def test_only_the_coordinator_opens_a_round(questionnaire, people, who):
    with pytest.raises(workflow.NotAllowed):
        workflow.open_round(questionnaire.methodology, [people.a], in_days(30), getattr(people, who))


def test_organisations_are_chosen_by_filter_and_inactive_ones_are_left_out(people):
    municipality = InstitutionFactory(institution_type=InstitutionType.MUNICIPALITY)
    InstitutionFactory(institution_type=InstitutionType.MUNICIPALITY, active_to=in_days(-1))
    assert list(workflow.select_institutions(workflow.Selection.MUNICIPALITIES)) == [municipality]
    assert set(workflow.select_institutions(workflow.Selection.CHOSEN, [people.b])) == {people.b}
    bound = set(workflow.select_institutions(workflow.Selection.ROUND1))
    assert bound and all(i.bound_by_round1 for i in bound)  # the factory's group 1.1 is bound by round 1


# --- saving and conflicts -----------------------------------------------------------------------------------------


def test_a_save_stores_the_answers_raises_the_revision_and_records_who(assessment_a, people, questionnaire):
    q = questionnaire.q
    workflow.save_answers(
        assessment_a, {q("K3").pk: {"number": Decimal("12.5"), "comment": "Pēc 2021. gada datiem"}}, people.editor_a, 0
    )
    answer = Answer.objects.get(assessment=assessment_a, question=q("K3"))
    assert answer.number == Decimal("12.5") and answer.comment == "Pēc 2021. gada datiem"
    assert answer.updated_by == people.editor_a
    assert fresh(assessment_a).revision == 1
    assert answer.history.get().history_user == people.editor_a


@pytest.mark.parametrize("who", ["editor_b", "viewer_a", "expert"])
def test_others_may_not_change_an_organisations_answers(assessment_a, people, questionnaire, who):
    with pytest.raises(workflow.NotAllowed):
        workflow.save_answers(assessment_a, {questionnaire.q("K3").pk: {"number": 1}}, getattr(people, who), 0)
    assert not Answer.objects.exists()


def test_a_save_based_on_an_older_revision_is_refused_with_both_answers(assessment_a, people, questionnaire):
    q, o = questionnaire.q, questionnaire.option
    opened_at = assessment_a.revision
    workflow.save_answers(assessment_a, {q("K1").pk: {"options": [o("K1", "yes").pk]}}, people.editor_a, opened_at)

    second = fresh(assessment_a)
    with pytest.raises(workflow.Conflict) as refused:
        workflow.save_answers(
            second,
            {q("K1").pk: {"options": [o("K1", "no").pk]}, q("K3").pk: {"number": Decimal(3)}},
            people.editor_a2,
            opened_at,
        )
    [item] = refused.value.items  # K3 was not changed by anyone else: no conflict there
    assert item.question == q("K1")
    assert item.stored["options"] == [o("K1", "yes").pk] and item.sent["options"] == [o("K1", "no").pk]
    assert refused.value.revision == opened_at + 1
    # Nothing of the refused save was written.
    assert Answer.objects.get(question=q("K1")).options == [o("K1", "yes").pk]
    assert not Answer.objects.filter(question=q("K3")).exists()
    assert fresh(assessment_a).revision == opened_at + 1

    # The second editor chose their own answer: saved against the revision the conflict named.
    workflow.save_answers(
        second, {q("K1").pk: {"options": [o("K1", "no").pk]}}, people.editor_a2, refused.value.revision
    )
    assert Answer.objects.get(question=q("K1")).options == [o("K1", "no").pk]


def test_a_stale_save_that_changes_nothing_stored_goes_through(assessment_a, people, questionnaire):
    q = questionnaire.q
    workflow.save_answers(assessment_a, {q("P2").pk: {"text": "Teksts"}}, people.editor_a, 0)
    # Based on revision 0, but the same text, and a question nobody else touched.
    workflow.save_answers(
        fresh(assessment_a), {q("P2").pk: {"text": "Teksts "}, q("K3").pk: {"number": Decimal(4)}}, people.editor_a2, 0
    )
    assert Answer.objects.get(question=q("K3")).number == Decimal(4)
    assert fresh(assessment_a).revision == 2


def test_a_question_of_another_methodology_is_refused(assessment_a, people):
    other = make_questionnaire()
    with pytest.raises(workflow.WorkflowError):
        workflow.save_answers(assessment_a, {other.q("K3").pk: {"number": 1}}, people.editor_a, 0)


# --- missing answers and submission -------------------------------------------------------------------------------


def test_missing_lists_unanswered_mandatory_questions_in_questionnaire_order(assessment_a, questionnaire):
    missing = workflow.missing_mandatory(assessment_a)
    assert [(m.area.code, m.question.code, m.reason) for m in missing] == [
        ("K", "K1", "answer"),
        ("K", "K2", "answer"),
        ("P", "P1", "answer"),
        ("P", "P2", "answer"),
    ]


def test_missing_evidence_is_listed_and_not_applicable_counts_as_an_answer(assessment_a, people, questionnaire):
    answers = complete_answers(questionnaire)
    answers[questionnaire.q("K1").pk]["evidence_url"] = ""
    answers[questionnaire.q("P1").pk] = {"number": None, "not_applicable": True}
    workflow.save_answers(assessment_a, answers, people.editor_a, 0)
    missing = workflow.missing_mandatory(fresh(assessment_a))
    assert [(m.question.code, m.reason) for m in missing] == [("K1", "evidence")]


def test_submitting_with_missing_answers_is_refused_and_changes_nothing(assessment_a, people, questionnaire, rescored):
    workflow.save_answers(assessment_a, {questionnaire.q("P2").pk: {"text": "Teksts"}}, people.editor_a, 0)
    with pytest.raises(workflow.MissingAnswers) as refused:
        workflow.submit(fresh(assessment_a), people.editor_a)
    assert [m.question.code for m in refused.value.missing] == ["K1", "K2", "P1"]
    assert fresh(assessment_a).status == AssessmentStatus.DRAFT
    assert rescored == []


def test_submission_locks_the_answers_for_the_editor_and_queues_scoring(assessment_a, people, questionnaire, rescored):
    result = submitted(assessment_a, people, questionnaire)
    assert result.status == AssessmentStatus.SUBMITTED and result.submitted_by == people.editor_a
    assert result.submitted_at is not None
    assert rescored == [assessment_a.pk]
    # Every question has an answer row now: the optional K3 and P3 were added empty for scoring.
    assert Answer.objects.filter(assessment=assessment_a).count() == 6
    with pytest.raises(workflow.NotAllowed):
        workflow.save_answers(fresh(assessment_a), {questionnaire.q("K3").pk: {"number": 1}}, people.editor_a, None)
    with pytest.raises(workflow.NotAllowed):
        workflow.submit(fresh(assessment_a), people.editor_a)


def test_a_viewer_may_not_submit(assessment_a, people, questionnaire):
    workflow.save_answers(assessment_a, complete_answers(questionnaire), people.editor_a, 0)
    with pytest.raises(workflow.NotAllowed):
        workflow.submit(fresh(assessment_a), people.viewer_a)


# --- review --------------------------------------------------------------------------------------------------------


def test_experts_see_submitted_assessments_only_and_the_first_to_review_takes_it(
    assessment_a, round_, people, questionnaire
):
    draft_b = round_.assessments.get(institution=people.b)
    assert not workflow.visible_assessments(people.expert).exists()
    submitted(assessment_a, people, questionnaire)
    assert list(workflow.visible_assessments(people.expert)) == [assessment_a]
    assert draft_b not in workflow.visible_assessments(people.expert2)

    workflow.save_expert_answers(
        fresh(assessment_a), {questionnaire.q("P2").pk: {"expert_text": "Pārbaudīts"}}, people.expert, None
    )
    assert fresh(assessment_a).reviewer == people.expert
    assert not workflow.visible_assessments(people.expert2).exists()
    with pytest.raises(workflow.NotAllowed):
        workflow.approve(fresh(assessment_a), people.expert2)


def test_an_assigned_reviewer_is_the_only_expert_who_reviews(assessment_a, people, questionnaire):
    submitted(assessment_a, people, questionnaire)
    workflow.assign_reviewer(fresh(assessment_a), people.expert2, people.coordinator)
    assert not workflow.can_review(people.expert, fresh(assessment_a))
    assert workflow.can_review(people.expert2, fresh(assessment_a))
    assert workflow.can_review(people.coordinator, fresh(assessment_a))
    with pytest.raises(workflow.NotAllowed):
        workflow.assign_reviewer(fresh(assessment_a), people.expert, people.expert2)


def test_an_expert_never_reviews_their_own_organisation(assessment_a, people, questionnaire):
    from accounts.models import Membership

    Membership.objects.create(user=people.expert, institution=people.a, can_edit=False)
    submitted(assessment_a, people, questionnaire)
    assert not workflow.can_review(people.expert, fresh(assessment_a))
    with pytest.raises(workflow.WorkflowError):
        workflow.assign_reviewer(fresh(assessment_a), people.expert, people.coordinator)


def test_expert_answers_are_kept_beside_the_organisations(assessment_a, people, questionnaire):
    q, o = questionnaire.q, questionnaire.option
    submitted(assessment_a, people, questionnaire)
    workflow.save_expert_answers(
        fresh(assessment_a),
        {q("K1").pk: {"expert_options": [o("K1", "no").pk], "expert_comment": "Stratēģija nav apstiprināta"}},
        people.expert,
        fresh(assessment_a).revision,
    )
    answer = Answer.objects.get(assessment=assessment_a, question=q("K1"))
    assert answer.options == [o("K1", "yes").pk]
    assert answer.expert_options == [o("K1", "no").pk] and answer.expert_answered
    assert answer.expert_comment == "Stratēģija nav apstiprināta"
    assert not Answer.objects.get(assessment=assessment_a, question=q("K2")).expert_answered


def test_returning_needs_a_comment_and_lets_the_editor_change_and_resubmit(assessment_a, people, questionnaire):
    submitted(assessment_a, people, questionnaire)
    with pytest.raises(workflow.WorkflowError):
        workflow.return_with_comments(fresh(assessment_a), people.expert, "  ")
    returned = workflow.return_with_comments(fresh(assessment_a), people.expert, "Pievienojiet pierādījumu K2")
    assert returned.status == AssessmentStatus.RETURNED and returned.review_comment == "Pievienojiet pierādījumu K2"
    assert workflow.can_edit_answers(people.editor_a, fresh(assessment_a))
    workflow.save_answers(
        fresh(assessment_a), {questionnaire.q("K3").pk: {"number": Decimal(9)}}, people.editor_a, returned.revision
    )
    assert workflow.submit(fresh(assessment_a), people.editor_a).status == AssessmentStatus.SUBMITTED


def test_approval_locks_the_assessment_for_everyone(assessment_a, people, questionnaire, rescored):
    submitted(assessment_a, people, questionnaire)
    approved = workflow.approve(fresh(assessment_a), people.expert, "Labi")
    assert approved.status == AssessmentStatus.APPROVED and approved.approved_by == people.expert
    assert rescored == [assessment_a.pk, assessment_a.pk]  # on submission and on approval
    for attempt in (
        lambda: workflow.save_answers(
            fresh(assessment_a), {questionnaire.q("K3").pk: {"number": 1}}, people.coordinator, None
        ),
        lambda: workflow.save_expert_answers(fresh(assessment_a), {}, people.expert, None),
        lambda: workflow.return_with_comments(fresh(assessment_a), people.coordinator, "Vēlreiz"),
        lambda: workflow.approve(fresh(assessment_a), people.coordinator),
    ):
        with pytest.raises(workflow.NotAllowed):
            attempt()


def test_a_draft_cannot_be_reviewed(assessment_a, people):
    with pytest.raises(workflow.NotAllowed):
        workflow.approve(assessment_a, people.coordinator)
    with pytest.raises(workflow.NotAllowed):
        workflow.return_with_comments(assessment_a, people.coordinator, "Nav iesniegts")


# --- reopening -----------------------------------------------------------------------------------------------------


def test_reopening_creates_version_two_with_a_copy_and_keeps_version_one(assessment_a, people, questionnaire):
    q = questionnaire.q
    submitted(assessment_a, people, questionnaire)
    workflow.save_expert_answers(fresh(assessment_a), {q("P2").pk: {"expert_text": "Labi"}}, people.expert, None)
    workflow.approve(fresh(assessment_a), people.expert)

    with pytest.raises(workflow.NotAllowed):
        workflow.reopen(fresh(assessment_a), people.editor_a)
    second = workflow.reopen(fresh(assessment_a), people.coordinator)

    first = fresh(assessment_a)
    assert (first.version, first.is_current, first.status) == (1, False, AssessmentStatus.APPROVED)
    assert (second.version, second.is_current, second.status) == (2, True, AssessmentStatus.DRAFT)
    copied = Answer.objects.get(assessment=second, question=q("P2"))
    assert copied.text == "Klientu centrs strādā katru dienu." and not copied.expert_answered
    assert Answer.objects.get(assessment=second, question=q("K1")).evidence_url == "https://example.lv/strategy.pdf"

    workflow.save_answers(second, {q("P2").pk: {"text": "Labots"}}, people.editor_a, second.revision)
    assert Answer.objects.get(assessment=first, question=q("P2")).text == "Klientu centrs strādā katru dienu."
    assert not workflow.can_edit_answers(people.editor_a, first)
    with pytest.raises(workflow.NotAllowed):
        workflow.reopen(first, people.coordinator)  # no longer the current version


def test_an_answers_history_spans_the_versions(assessment_a, people, questionnaire):
    q = questionnaire.q
    workflow.save_answers(assessment_a, {q("P2").pk: {"text": "Pirmais"}}, people.editor_a, 0)
    workflow.save_answers(fresh(assessment_a), {q("P2").pk: {"text": "Otrais"}}, people.editor_a2, 1)
    submitted(fresh(assessment_a), people, questionnaire)
    workflow.approve(fresh(assessment_a), people.coordinator)
    second = workflow.reopen(fresh(assessment_a), people.coordinator)
    workflow.save_answers(second, {q("P2").pk: {"text": "Trešais"}}, people.editor_a, second.revision)

    history = list(workflow.answer_history(second, q("P2")))
    assert [(record.text, record.history_user.username) for record in history][:2] == [
        ("Trešais", "redaktors-a"),
        ("Klientu centrs strādā katru dienu.", "koordinators"),  # the copy made by reopening
    ]
    texts = [record.text for record in history]
    assert texts.index("Otrais") < texts.index("Pirmais")
    assert {record.history_user.username for record in history if record.text == "Otrais"} == {"redaktors-a2"}


# --- progress ------------------------------------------------------------------------------------------------------


def test_progress_counts_answered_mandatory_questions_per_area(assessment_a, people, questionnaire):
    q = questionnaire.q
    workflow.save_answers(
        assessment_a,
        {
            q("K2").pk: {"options": []},
            q("K3").pk: {"number": Decimal(1)},
            q("P1").pk: {"number": None, "not_applicable": True},
        },
        people.editor_a,
        0,
    )
    progress = workflow.progress(fresh(assessment_a))
    # K2 has no option chosen and K3 is optional: only P1 ("not applicable") counts, of 4 mandatory (1 / 4 = 25 %).
    assert (progress.answered, progress.mandatory, progress.percent) == (1, 4, 25)
    assert progress.per_area == {questionnaire.areas[0].pk: (0, 2), questionnaire.areas[1].pk: (1, 2)}


ANSWER_STATES = st.fixed_dictionaries(
    {
        "options": st.sampled_from(["none", "first", "both"]),
        "number": st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=0)),
        "text": st.sampled_from(["", " ", "Teksts"]),
        "not_applicable": st.booleans(),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states=st.lists(ANSWER_STATES, min_size=6, max_size=6))
def test_progress_in_sql_agrees_with_progress_in_python(assessment_a, questionnaire, states):
    Answer.objects.filter(assessment=assessment_a).delete()
    for question, state in zip(questionnaire.questions.values(), states, strict=True):
        options = [o.pk for o in question.options.all()]
        chosen = {"none": [], "first": options[:1], "both": options[:2]}[state["options"]]
        Answer.objects.create(
            assessment=assessment_a,
            question=question,
            options=chosen,
            number=state["number"],
            text=state["text"],
            not_applicable=state["not_applicable"],
        )
    annotated = workflow.with_progress(Assessment.objects.filter(pk=assessment_a.pk)).get()
    expected = workflow.progress(assessment_a)
    assert (annotated.answered_count, annotated.mandatory_count) == (expected.answered, expected.mandatory)
