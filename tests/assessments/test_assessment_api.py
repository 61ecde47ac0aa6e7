"""The assessments API (assessments/api/): methodologies for every signed-in user, rounds opened by the
coordinator, assessments scoped like the web pages, answers written by the organisation's editors with the web
form's checks and the revision rule (409 with both values), and submission refused with the missing list."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from assessments import scoring, workflow
from assessments.models import Answer, Assessment, AssessmentStatus, Family, Option, Round
from tests.assessments.factories import AreaFactory, BandFactory, MethodologyFactory, OptionFactory, QuestionFactory
from tests.assessments.workflow_fixtures import complete_answers, in_days, make_people, make_questionnaire

pytestmark = pytest.mark.django_db

METHODOLOGIES = "/api/v1/methodologies/"
ROUNDS = "/api/v1/assessment-rounds/"
ASSESSMENTS = "/api/v1/assessments/"


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
def assessment_b(round_, people):
    return round_.assessments.get(institution=people.b)


@pytest.fixture(autouse=True)
def no_queued_scoring(monkeypatch):
    """Scoring is queued on commit; these tests rescore by hand where they read scores."""
    monkeypatch.setattr("assessments.scoring.schedule_rescore", lambda ids: None)


def client_for(user, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def answers_url(assessment):
    return f"{ASSESSMENTS}{assessment.pk}/answers/"


def submit_url(assessment):
    return f"{ASSESSMENTS}{assessment.pk}/submit/"


def fresh(assessment):
    return Assessment.objects.get(pk=assessment.pk)


def complete_body(questionnaire, revision):
    """complete_answers() as the API takes them: a list, numbers as strings."""
    items = []
    for question_pk, values in complete_answers(questionnaire).items():
        item = {"question": question_pk, **values}
        if "number" in item:
            item["number"] = str(item["number"])
        items.append(item)
    return {"revision": revision, "answers": items}


# --- methodologies ---------------------------------------------------------------------------------------------


def test_any_signed_in_user_reads_a_methodology_with_areas_questions_options_and_bands(questionnaire, people):
    BandFactory(question=questionnaire.q("K3"), lower=Decimal("0"), upper=Decimal("10"), points=Decimal("1"))
    BandFactory(question=questionnaire.q("K3"), lower=Decimal("10"), upper=None, points=Decimal("2"))
    client = client_for(people.viewer_a)

    listed = client.get(METHODOLOGIES).json()
    assert [row["id"] for row in listed["results"]] == [questionnaire.methodology.pk]
    assert listed["results"][0]["is_frozen"] is False

    detail = client.get(f"{METHODOLOGIES}{questionnaire.methodology.pk}/").json()
    assert [area["code"] for area in detail["areas"]] == ["K", "P"]
    k1, k2, k3 = detail["areas"][0]["questions"]
    assert (k1["code"], k1["question_type"], k1["evidence_required"]) == ("K1", "yes_no", True)
    assert [option["code"] for option in k1["options"]] == ["yes", "no"]
    assert k1["options"][0]["name"] == "Yes"  # the request's language
    assert [(band["lower"], band["upper"], band["points"]) for band in k3["bands"]] == [
        ("0.00", "10.00", "1.00"),
        ("10.00", None, "2.00"),
    ]
    assert k1["target_points"] is None


def test_a_conformity_question_carries_its_target_degree(people):
    methodology = MethodologyFactory(family=Family.CONFORMITY)
    QuestionFactory(area=AreaFactory(methodology=methodology), help_en="Degrees 0–4. Target degree: 3.")
    detail = client_for(people.editor_a).get(f"{METHODOLOGIES}{methodology.pk}/").json()
    assert detail["areas"][0]["questions"][0]["target_points"] == "3"


def test_an_anonymous_request_reads_nothing(questionnaire):
    assert APIClient().get(METHODOLOGIES).status_code in (401, 403)
    assert APIClient().get(ASSESSMENTS).status_code in (401, 403)


# --- rounds ----------------------------------------------------------------------------------------------------


def test_the_coordinator_opens_a_round_for_organisations_named_by_short_name_or_id(questionnaire, people):
    body = {
        "methodology": questionnaire.methodology.pk,
        "name_lv": "Pašnovērtējums 2026",
        "year": 2026,
        "deadline": in_days(20).isoformat(),
        "selection": "chosen",
        "institutions": ["ALFA", people.b.pk],
    }
    response = client_for(people.coordinator).post(ROUNDS, body, format="json")
    assert response.status_code == 201, response.json()
    round_ = Round.objects.get(pk=response.json()["id"])
    assert set(round_.assessments.values_list("institution__short_name", flat=True)) == {"ALFA", "BETA"}
    assert response.json()["assessments"] == {"total": 2, "draft": 2, "submitted": 0, "returned": 0, "approved": 0}


def test_a_round_is_checked_by_the_web_forms_rules(questionnaire, people):
    body = {
        "methodology": questionnaire.methodology.pk,
        "name_lv": "Kārta",
        "year": 2026,
        "deadline": in_days(-1).isoformat(),
        "institutions": ["NEKAS"],
    }
    response = client_for(people.coordinator).post(ROUNDS, body, format="json")
    assert response.status_code == 400
    assert "NEKAS" in response.json()["institutions"][0]
    body["institutions"] = ["ALFA"]
    response = client_for(people.coordinator).post(ROUNDS, body, format="json")
    assert response.status_code == 400 and "deadline" in response.json()
    assert not Round.objects.exists()


@pytest.mark.parametrize("who", ["editor_a", "viewer_a", "expert"])
def test_only_the_coordinator_opens_a_round(questionnaire, people, who):
    body = {"methodology": questionnaire.methodology.pk, "name_lv": "X", "year": 2026,
            "deadline": in_days(5).isoformat(), "institutions": ["ALFA"]}  # fmt: skip
    assert client_for(getattr(people, who)).post(ROUNDS, body, format="json").status_code == 403
    assert not Round.objects.exists()


def test_an_editor_sees_the_rounds_of_their_organisation_and_counts_only_its_assessments(questionnaire, people, round_):
    other = workflow.open_round(questionnaire.methodology, [people.b], in_days(9), people.coordinator)
    client = client_for(people.editor_a)
    listed = client.get(ROUNDS).json()["results"]
    assert [row["id"] for row in listed] == [round_.pk]
    assert listed[0]["assessments"]["total"] == 1  # B's draft in the same round is not counted for A
    assert client.get(f"{ROUNDS}{other.pk}/").status_code == 404
    assert client_for(people.coordinator).get(f"{ROUNDS}{other.pk}/").status_code == 200


# --- reading assessments ---------------------------------------------------------------------------------------


def test_an_editor_lists_and_reads_only_their_organisations_assessments(people, assessment_a, assessment_b):
    client = client_for(people.editor_a)
    listed = client.get(ASSESSMENTS).json()
    assert [row["id"] for row in listed["results"]] == [assessment_a.pk]
    assert client.get(f"{ASSESSMENTS}{assessment_b.pk}/").status_code == 404
    assert client.get(f"{ASSESSMENTS}{assessment_a.pk}/").status_code == 200
    everything = client_for(people.coordinator).get(ASSESSMENTS).json()
    assert {row["id"] for row in everything["results"]} == {assessment_a.pk, assessment_b.pk}


def test_assessments_filter_by_organisation_status_and_family(people, questionnaire, assessment_a, assessment_b):
    workflow.save_answers(assessment_a, complete_answers(questionnaire), people.editor_a, 0)
    workflow.submit(fresh(assessment_a), people.editor_a)
    client = client_for(people.coordinator)

    def ids(query):
        return {row["id"] for row in client.get(f"{ASSESSMENTS}?{query}").json()["results"]}

    assert ids("institution=ALFA") == ids(f"institution={people.a.pk}") == {assessment_a.pk}
    assert ids("institution=ALFA,BETA") == {assessment_a.pk, assessment_b.pk}
    assert ids("status=submitted") == {assessment_a.pk}
    assert ids("family=eindex_institution&is_current=true") == {assessment_a.pk, assessment_b.pk}
    assert ids("family=conformity") == set()


def test_an_assessment_shows_status_progress_and_answers(people, questionnaire, assessment_a):
    q, o = questionnaire.q, questionnaire.option
    workflow.save_answers(assessment_a, {q("K2").pk: {"options": [o("K2", "a").pk]}}, people.editor_a, 0)
    row = client_for(people.editor_a).get(f"{ASSESSMENTS}{assessment_a.pk}/").json()
    assert row["status"] == "draft" and row["revision"] == 1
    assert row["progress"] == {"answered": 1, "mandatory": 4, "percent": 25}
    (answer,) = row["answers"]
    assert answer["question_code"] == "K2" and answer["area"] == "K"
    assert answer["answer"]["options"] == [o("K2", "a").pk] and answer["answer"]["option_codes"] == ["a"]
    assert answer["expert"] is None and row["overall"] is None


def test_scores_show_per_area_and_overall_with_level_and_rank(people, questionnaire, assessment_a):
    workflow.save_answers(assessment_a, complete_answers(questionnaire), people.editor_a, 0)
    workflow.submit(fresh(assessment_a), people.editor_a)
    scoring.rescore_assessments([assessment_a.pk])
    row = client_for(people.editor_a).get(f"{ASSESSMENTS}{assessment_a.pk}/").json()
    # K: K1 yes 1 of 1, K2 two options 2 of 3, K3 unanswered number without bands 0 of 0 → 3/4 = 75.
    # P: P1 percent without bands 0 of 0, P2 text unscored, P3 unanswered 0 of 1 → 0/1 = 0.
    assert [(area["area"], area["score"]) for area in row["areas"]] == [("K", "75.000"), ("P", "0.000")]
    # Overall: equal weights (1, 1) → (75 + 0) / 2 = 37.5; default thresholds 20/40/60/80 → level 2.
    assert row["overall"]["score"] == "37.500" and row["overall"]["level"] == 2
    assert row["overall"]["area"] is None


def test_expert_answers_and_the_points_they_decide_stay_hidden_from_the_organisation_during_review(
    people, questionnaire, assessment_a
):
    q, o = questionnaire.q, questionnaire.option
    Option.objects.filter(pk=o("K1", "no").pk).update(points=0)  # the expert's "no" is worth 0, "yes" 1
    workflow.save_answers(assessment_a, complete_answers(questionnaire), people.editor_a, 0)
    assessment = workflow.submit(fresh(assessment_a), people.editor_a)
    workflow.save_expert_answers(
        assessment, {q("K1").pk: {"expert_options": [o("K1", "no").pk]}}, people.expert, assessment.revision
    )
    scoring.rescore_assessments([assessment.pk])

    def k1(user):
        answers = client_for(user).get(f"{ASSESSMENTS}{assessment.pk}/").json()["answers"]
        return next(answer for answer in answers if answer["question_code"] == "K1")

    assert k1(people.editor_a)["expert"] is None and k1(people.editor_a)["points"] is None
    assert k1(people.expert)["expert"]["option_codes"] == ["no"] and k1(people.expert)["points"] == "0.00"
    workflow.approve(fresh(assessment), people.expert)
    assert k1(people.editor_a)["expert"]["option_codes"] == ["no"]


def test_the_list_costs_the_same_queries_for_one_assessment_or_many(questionnaire, people):
    client = client_for(people.coordinator)
    workflow.open_round(questionnaire.methodology, [people.a], in_days(9), people.coordinator)
    with CaptureQueriesContext(connection) as one:
        assert client.get(ASSESSMENTS).status_code == 200
    workflow.open_round(questionnaire.methodology, [people.a, people.b], in_days(9), people.coordinator)
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(ASSESSMENTS).json()["results"]) == 3
    assert len(three) == len(one)


# --- writing answers -------------------------------------------------------------------------------------------


def test_an_editor_saves_answers_by_id_or_code_and_gets_the_new_revision(people, questionnaire, assessment_a):
    body = {
        "revision": 0,
        "answers": [
            {"question": "K2", "options": ["a", "c"]},
            {"question": questionnaire.q("P1").pk, "number": "40.5", "comment": "Aptuveni"},
        ],
    }
    response = client_for(people.editor_a).post(answers_url(assessment_a), body, format="json")
    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["revision"] == 1 and result["saved"] == sorted([questionnaire.q("K2").pk, questionnaire.q("P1").pk])
    assert result["progress"] == {"answered": 2, "mandatory": 4, "percent": 50}
    k2 = Answer.objects.get(assessment=assessment_a, question=questionnaire.q("K2"))
    assert k2.options == sorted([questionnaire.option("K2", "a").pk, questionnaire.option("K2", "c").pk])
    p1 = Answer.objects.get(assessment=assessment_a, question=questionnaire.q("P1"))
    assert (p1.number, p1.comment, p1.updated_by) == (Decimal("40.5"), "Aptuveni", people.editor_a)


def test_only_the_fields_sent_change(people, questionnaire, assessment_a):
    client = client_for(people.editor_a)
    client.post(answers_url(assessment_a), {"revision": 0, "answers": [{"question": "K2", "options": ["b"]}]},
                format="json")  # fmt: skip
    response = client.post(
        answers_url(assessment_a),
        {"revision": 1, "answers": [{"question": "K2", "comment": "Tikai tālrunis"}]},
        format="json",
    )
    assert response.status_code == 200
    k2 = Answer.objects.get(assessment=assessment_a, question=questionnaire.q("K2"))
    assert (k2.options, k2.comment) == ([questionnaire.option("K2", "b").pk], "Tikai tālrunis")


def test_an_editor_of_a_cannot_write_the_answers_of_b(people, assessment_b):
    body = {"revision": 0, "answers": [{"question": "K2", "options": ["a"]}]}
    assert client_for(people.editor_a).post(answers_url(assessment_b), body, format="json").status_code == 404
    assert client_for(people.editor_a).post(submit_url(assessment_b)).status_code == 404
    assert not Answer.objects.filter(assessment=assessment_b).exists()
    assert fresh(assessment_b).revision == 0


@pytest.mark.parametrize("who", ["viewer_a", "coordinator_after_submission"])
def test_a_reader_who_may_not_edit_gets_403(people, questionnaire, assessment_a, who):
    user = people.viewer_a
    if who == "coordinator_after_submission":
        workflow.save_answers(assessment_a, complete_answers(questionnaire), people.editor_a, 0)
        workflow.submit(fresh(assessment_a), people.editor_a)
        user = people.coordinator
    revision = fresh(assessment_a).revision
    body = {"revision": revision, "answers": [{"question": "K2", "options": ["c"]}]}
    response = client_for(user).post(answers_url(assessment_a), body, format="json")
    assert response.status_code == 403
    assert fresh(assessment_a).revision == revision


def test_a_save_over_someone_elses_newer_answer_is_409_with_both_values(people, questionnaire, assessment_a):
    first = client_for(people.editor_a).post(
        answers_url(assessment_a), {"revision": 0, "answers": [{"question": "P1", "number": "60"}]}, format="json"
    )
    assert first.status_code == 200
    stale = client_for(people.editor_a2).post(
        answers_url(assessment_a),
        {"revision": 0, "answers": [{"question": "P1", "number": "35"}, {"question": "K2", "options": ["a"]}]},
        format="json",
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["revision"] == 1
    (conflict,) = body["conflicts"]  # K2 was not changed by anyone since revision 0: no conflict there
    assert conflict["question_code"] == "P1"
    assert (conflict["stored"]["number"], conflict["sent"]["number"]) == ("60.00", "35.00")
    # Nothing of the refused save was written.
    assert Answer.objects.get(assessment=assessment_a, question=questionnaire.q("P1")).number == Decimal("60")
    assert not Answer.objects.filter(assessment=assessment_a, question=questionnaire.q("K2")).exists()


@pytest.mark.parametrize(
    "item, field",
    [
        ({"question": "NAV"}, "question"),
        ({"question": "K1", "options": ["yes", "no"]}, "options"),  # yes/no takes one
        ({"question": "K1", "options": ["a"]}, "options"),  # an option of K2
        ({"question": "P1", "number": "150"}, "number"),  # a percent is at most 100
        ({"question": "K1", "number": "3"}, "number"),  # a choice question has no number
        ({"question": "K2", "not_applicable": True}, "not_applicable"),  # K2 may not be "not applicable"
        ({"question": "K1", "evidence_url": "not a link"}, "evidence_url"),
    ],
)
def test_an_invalid_answer_is_refused_by_field_and_nothing_is_saved(people, assessment_a, item, field):
    body = {"revision": 0, "answers": [{"question": "K3", "number": "7"}, item]}
    response = client_for(people.editor_a).post(answers_url(assessment_a), body, format="json")
    assert response.status_code == 400
    errors = response.json()["answers"]
    assert errors[0] == {} and field in errors[1]
    assert not Answer.objects.filter(assessment=assessment_a).exists()


def test_a_revision_is_required(people, assessment_a):
    response = client_for(people.editor_a).post(
        answers_url(assessment_a), {"answers": [{"question": "K3", "number": "7"}]}, format="json"
    )
    assert response.status_code == 400 and "revision" in response.json()


# --- submitting ------------------------------------------------------------------------------------------------


def test_a_submission_with_missing_answers_is_400_with_the_missing_list(people, questionnaire, assessment_a):
    client = client_for(people.editor_a)
    client.post(answers_url(assessment_a), {"revision": 0, "answers": [{"question": "K1", "options": ["yes"]}]},
                format="json")  # fmt: skip
    response = client.post(submit_url(assessment_a))
    assert response.status_code == 400
    missing = [(item["question_code"], item["reason"]) for item in response.json()["missing"]]
    # K1 is answered but requires evidence; K2, P1 and P2 are mandatory and unanswered; K3 and P3 are optional.
    assert missing == [("K1", "evidence"), ("K2", "answer"), ("P1", "answer"), ("P2", "answer")]
    assert response.json()["missing"][0]["area"] == "K"
    assert fresh(assessment_a).status == AssessmentStatus.DRAFT


def test_a_complete_assessment_is_submitted_and_then_locked(people, questionnaire, assessment_a):
    client = client_for(people.editor_a)
    assert client.post(answers_url(assessment_a), complete_body(questionnaire, 0), format="json").status_code == 200
    response = client.post(submit_url(assessment_a))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    assert fresh(assessment_a).submitted_by == people.editor_a
    assert client.post(submit_url(assessment_a)).status_code == 403
    again = client.post(answers_url(assessment_a), complete_body(questionnaire, 2), format="json")
    assert again.status_code == 403


def test_a_viewer_may_not_submit(people, questionnaire, assessment_a):
    workflow.save_answers(assessment_a, complete_answers(questionnaire), people.editor_a, 0)
    assert client_for(people.viewer_a).post(submit_url(assessment_a)).status_code == 403
    assert fresh(assessment_a).status == AssessmentStatus.DRAFT


def test_messages_follow_the_requests_language(people, assessment_a):
    response = client_for(people.editor_a, language="lv").post(submit_url(assessment_a))
    english = client_for(people.editor_a, language="en").post(submit_url(assessment_a))
    assert english.json()["missing"][0]["reason_display"] == "no answer"
    assert response.json()["missing"][0]["reason_display"] != "no answer"


def test_option_points_are_shown_as_decimals(people, questionnaire):
    OptionFactory(question=questionnaire.q("P3"), code="z", points=Decimal("2.5"))
    detail = client_for(people.viewer_a).get(f"{METHODOLOGIES}{questionnaire.methodology.pk}/").json()
    p3 = detail["areas"][1]["questions"][2]
    assert [option["points"] for option in p3["options"]] == ["1.00", "1.00", "2.50"]
