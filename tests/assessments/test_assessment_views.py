"""The assessment pages (assessments/views.py): opening a round, the round's progress, the area forms without
JavaScript, the autosave JSON endpoint, the conflict page, the refused submission's list, the expert's review
and decisions, an answer's history and the evidence files, and scoping (404 for another organisation's)."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from assessments import workflow
from assessments.models import Answer, Assessment, AssessmentStatus, Score
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
def assessment_b(round_, people):
    return round_.assessments.get(institution=people.b)


@pytest.fixture
def signed_in():
    """A new browser (test client) signed in as `user`: several people act in one test."""

    def sign_in(user):
        client = Client()
        client.force_login(user)
        return client

    return sign_in


def fresh(assessment):
    return Assessment.objects.select_related("round").get(pk=assessment.pk)


def url(name, *args):
    """The Latvian (unprefixed) address, whatever language the last request left active."""
    with translation.override("lv"):
        return reverse(f"assessments:{name}", args=args)


def en(name, *args):
    with translation.override("en"):
        return reverse(f"assessments:{name}", args=args)


def autosave(client, assessment, answers, revision, name="autosave"):
    return client.post(
        url(name, assessment.pk),
        data=json.dumps({"revision": revision, "answers": {str(k): v for k, v in answers.items()}}),
        content_type="application/json",
    )


def submit_complete(assessment, people, questionnaire):
    workflow.save_answers(assessment, complete_answers(questionnaire), people.editor_a, assessment.revision)
    return workflow.submit(fresh(assessment), people.editor_a)


# --- navigation, rounds ---------------------------------------------------------------------------------------------


def test_the_navigation_links_to_the_self_assessments(signed_in, people):
    response = signed_in(people.viewer_a).get("/en/")
    assert f'href="{en("home")}"' in response.content.decode()
    assert ">Self-assessments<" in response.content.decode()


def test_the_coordinator_opens_a_round_for_hand_picked_organisations(signed_in, people, questionnaire):
    client = signed_in(people.coordinator)
    assert client.get(en("round-open")).status_code == 200
    response = client.post(
        en("round-open"),
        {
            "methodology": questionnaire.methodology.pk,
            "name_lv": "E-indekss 2026",
            "name_en": "E-index 2026",
            "year": 2026,
            "deadline": in_days(40).isoformat(),
            "selection": workflow.Selection.CHOSEN,
            "institutions": [people.a.pk, people.b.pk],
        },
    )
    assessments = Assessment.objects.filter(round__name_lv="E-indekss 2026")
    assert set(assessments.values_list("institution", flat=True)) == {people.a.pk, people.b.pk}
    assert response.status_code == 302 and response.url == en("round-detail", assessments[0].round_id)
    page = client.get(response.url).content.decode()
    assert "Alpha Agency" in page and "Beta Service" in page and "0 / 4" in page


def test_a_round_needs_a_future_deadline_and_some_organisations(signed_in, people, questionnaire):
    response = signed_in(people.coordinator).post(
        en("round-open"),
        {
            "methodology": questionnaire.methodology.pk,
            "name_lv": "Kārta",
            "year": 2026,
            "deadline": in_days(-1).isoformat(),
            "selection": workflow.Selection.CHOSEN,
        },
    )
    assert response.status_code == 200
    assert "The deadline may not be in the past." in response.content.decode()
    assert "Choose at least one organisation." in response.content.decode()
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("who", ["editor_a", "viewer_a", "expert"])
def test_only_the_coordinator_opens_and_follows_rounds(signed_in, people, round_, who):
    client = signed_in(getattr(people, who))
    assert client.get(url("round-open")).status_code == 403
    assert client.get(url("round-detail", round_.pk)).status_code == 403


def test_the_round_page_shows_each_organisations_progress_and_filters_by_status(
    signed_in, people, round_, assessment_a, questionnaire
):
    workflow.save_answers(assessment_a, {questionnaire.q("P2").pk: {"text": "Teksts"}}, people.editor_a, 0)
    client = signed_in(people.coordinator)
    page = client.get(en("round-detail", round_.pk)).content.decode()
    assert "1 / 4" in page and "0 / 4" in page
    submit_complete(fresh(assessment_a), people, questionnaire)
    submitted_only = client.get(en("round-detail", round_.pk), {"status": "submitted"}).content.decode()
    assert "Alpha Agency" in submitted_only and "Beta Service" not in submitted_only


def test_the_round_page_costs_the_same_queries_for_more_organisations(signed_in, people, questionnaire):
    client = signed_in(people.coordinator)

    def queries(count):
        institutions = [InstitutionFactory() for _ in range(count)]
        round_ = workflow.open_round(questionnaire.methodology, institutions, in_days(9), people.coordinator)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("round-detail", round_.pk)).status_code == 200
        return len(captured)

    assert queries(2) == queries(6)


# --- home and scoping ----------------------------------------------------------------------------------------------


def test_an_editor_sees_their_organisations_assessment_only(signed_in, people, assessment_a, assessment_b):
    client = signed_in(people.editor_a)
    page = client.get(en("home")).content.decode()
    assert en("detail", assessment_a.pk) in page and en("detail", assessment_b.pk) not in page
    for name, args in (
        ("detail", ()),
        ("area", ("K",)),
        ("review", ("K",)),
        ("answer-history", (1,)),
        ("evidence", (1,)),
    ):
        assert client.get(url(name, assessment_b.pk, *args)).status_code == 404, name
    assert autosave(client, assessment_b, {}, 0).status_code == 404
    assert client.post(url("submit", assessment_b.pk)).status_code == 404


def test_a_viewer_reads_the_answers_without_a_form_and_may_not_save(signed_in, people, assessment_a, questionnaire):
    workflow.save_answers(assessment_a, {questionnaire.q("P2").pk: {"text": "Mūsu atbilde"}}, people.editor_a, 0)
    client = signed_in(people.viewer_a)
    page = client.get(en("area", assessment_a.pk, "P")).content.decode()
    assert "Mūsu atbilde" in page and '<form method="post" enctype' not in page and "Read only" in page
    response = autosave(client, assessment_a, {questionnaire.q("P2").pk: {"text": "Cits"}}, 1)
    assert response.status_code == 403
    assert client.post(url("area", assessment_a.pk, "P"), {"revision": 1}).status_code == 403
    assert Answer.objects.get(question=questionnaire.q("P2")).text == "Mūsu atbilde"


# --- the area form without JavaScript ------------------------------------------------------------------------------


def area_post(questionnaire, revision, **overrides):
    """Every field of area K as the browser posts it."""
    q, o = questionnaire.q, questionnaire.option
    data = {
        "revision": revision,
        f"q{q('K1').pk}-options": o("K1", "yes").pk,
        f"q{q('K1').pk}-evidence_url": "https://example.lv/plans",
        f"q{q('K1').pk}-comment": "",
        f"q{q('K2').pk}-options": [o("K2", "a").pk, o("K2", "c").pk],
        f"q{q('K2').pk}-evidence_url": "",
        f"q{q('K2').pk}-comment": "Arī sociālie tīkli",
        f"q{q('K3').pk}-number": "14",
        f"q{q('K3').pk}-evidence_url": "",
        f"q{q('K3').pk}-comment": "",
    }
    data.update(overrides)
    return data


def test_the_save_button_stores_the_area_and_goes_on_to_the_next(signed_in, people, assessment_a, questionnaire):
    client = signed_in(people.editor_a)
    page = client.get(en("area", assessment_a.pk, "K")).content.decode()
    assert 'name="revision" value="0"' in page and "data-autosave-url" in page and "0 of 4 mandatory" in page
    response = client.post(en("area", assessment_a.pk, "K"), {**area_post(questionnaire, 0), "next": "1"})
    assert response.status_code == 302 and response.url == en("area", assessment_a.pk, "P")
    q, o = questionnaire.q, questionnaire.option
    assert Answer.objects.get(question=q("K2")).options == sorted([o("K2", "a").pk, o("K2", "c").pk])
    assert Answer.objects.get(question=q("K2")).comment == "Arī sociālie tīkli"
    assert Answer.objects.get(question=q("K3")).number == Decimal("14")
    assert "2 of 4 mandatory" in client.get(response.url).content.decode()


def test_an_invalid_value_is_shown_and_nothing_is_saved(signed_in, people, assessment_a, questionnaire):
    client = signed_in(people.editor_a)
    response = client.post(
        en("area", assessment_a.pk, "K"),
        area_post(questionnaire, 0, **{f"q{questionnaire.q('K3').pk}-number": "daudz"}),
    )
    assert response.status_code == 200 and "Enter a number." in response.content.decode()
    assert not Answer.objects.exists()


def test_a_stale_form_shows_both_answers_and_the_user_chooses(signed_in, people, assessment_a, questionnaire):
    q, o = questionnaire.q, questionnaire.option
    workflow.save_answers(assessment_a, {q("K1").pk: {"options": [o("K1", "no").pk]}}, people.editor_a2, 0)
    client = signed_in(people.editor_a)

    response = client.post(en("area", assessment_a.pk, "K"), area_post(questionnaire, 0))
    page = response.content.decode()
    assert response.status_code == 409
    assert "someone else changed these answers" in page
    assert "Stored answer: <strong>No</strong>" in page and "Your answer: <strong>Yes</strong>" in page
    assert 'name="revision" value="1"' in page  # the form now carries the revision it was compared with
    assert Answer.objects.get(question=q("K1")).options == [o("K1", "no").pk]
    assert not Answer.objects.filter(question=q("K3")).exists()

    # Saving again without choosing is refused; choosing the stored answer keeps it and saves the rest.
    unresolved = client.post(en("area", assessment_a.pk, "K"), {**area_post(questionnaire, 1), "conflict": q("K1").pk})
    assert unresolved.status_code == 200 and "Choose which answer to keep" in unresolved.content.decode()
    chosen = client.post(
        en("area", assessment_a.pk, "K"),
        {**area_post(questionnaire, 1), "conflict": q("K1").pk, f"resolve-{q('K1').pk}": "stored"},
    )
    assert chosen.status_code == 302
    assert Answer.objects.get(question=q("K1")).options == [o("K1", "no").pk]
    assert Answer.objects.get(question=q("K3")).number == Decimal("14")


def test_evidence_files_are_uploaded_and_served_only_within_scope(
    signed_in, people, assessment_a, questionnaire, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(people.editor_a)
    upload = SimpleUploadedFile("strategija.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(
        en("area", assessment_a.pk, "K"),
        {**area_post(questionnaire, 0), f"q{questionnaire.q('K1').pk}-evidence_file": upload},
    )
    assert response.status_code == 302
    download = client.get(url("evidence", assessment_a.pk, questionnaire.q("K1").pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert signed_in(people.viewer_a).get(url("evidence", assessment_a.pk, questionnaire.q("K1").pk)).status_code == 200
    other = signed_in(people.editor_b).get(url("evidence", assessment_a.pk, questionnaire.q("K1").pk))
    assert other.status_code == 404


def test_a_file_of_another_kind_is_refused(signed_in, people, assessment_a, questionnaire):
    upload = SimpleUploadedFile("skripts.exe", b"MZ", content_type="application/octet-stream")
    response = signed_in(people.editor_a).post(
        en("area", assessment_a.pk, "K"),
        {**area_post(questionnaire, 0), f"q{questionnaire.q('K1').pk}-evidence_file": upload},
    )
    assert response.status_code == 200 and "File extension “exe” is not allowed" in response.content.decode()


# --- autosave -------------------------------------------------------------------------------------------------------


def test_autosave_stores_the_sent_questions_and_answers_the_new_revision_and_progress(
    signed_in, people, assessment_a, questionnaire
):
    q, o = questionnaire.q, questionnaire.option
    client = signed_in(people.editor_a)
    response = autosave(
        client,
        assessment_a,
        {
            q("K2").pk: {"options": [o("K2", "b").pk], "evidence_url": "", "comment": "Tālrunis"},
            q("P1").pk: {"number": "", "not_applicable": True, "evidence_url": "", "comment": ""},
        },
        0,
    )
    assert response.status_code == 200
    data = response.json()
    assert data["revision"] == 1 and data["saved"] == sorted([q("K2").pk, q("P1").pk])
    # K2 and P1 of 4 mandatory: 2 / 4 = 50 %.
    assert (
        data["progress"]["answered"] == 2 and data["progress"]["mandatory"] == 4 and data["progress"]["percent"] == 50
    )
    assert data["progress"]["areas"] == {str(questionnaire.areas[0].pk): [1, 2], str(questionnaire.areas[1].pk): [1, 2]}
    assert Answer.objects.get(question=q("K2")).comment == "Tālrunis"
    assert Answer.objects.get(question=q("P1")).not_applicable


def test_autosave_refuses_invalid_values_per_question(signed_in, people, assessment_a, questionnaire):
    q = questionnaire.q
    response = autosave(signed_in(people.editor_a), assessment_a, {q("P1").pk: {"number": "140"}}, 0)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [str(q("P1").pk)]
    assert not Answer.objects.exists()
    garbage = signed_in(people.editor_a).post(url("autosave", assessment_a.pk), "{", content_type="application/json")
    assert garbage.status_code == 400


def test_autosave_on_an_older_revision_answers_409_with_both_answers(signed_in, people, assessment_a, questionnaire):
    q = questionnaire.q
    workflow.save_answers(assessment_a, {q("P2").pk: {"text": "Otra redaktora teksts"}}, people.editor_a2, 0)
    response = autosave(signed_in(people.editor_a), assessment_a, {q("P2").pk: {"text": "Mans teksts"}}, 0)
    assert response.status_code == 409
    data = response.json()
    assert data["revision"] == 1
    [conflict] = data["conflicts"]
    assert conflict["question"] == q("P2").pk and conflict["code"] == "P2"
    assert conflict["stored"]["text"] == "Otra redaktora teksts" and conflict["sent"]["text"] == "Mans teksts"
    assert conflict["stored_display"] == "Otra redaktora teksts" and conflict["sent_display"] == "Mans teksts"
    assert Answer.objects.get(question=q("P2")).text == "Otra redaktora teksts"


def test_autosave_is_refused_once_submitted(signed_in, people, assessment_a, questionnaire):
    submit_complete(assessment_a, people, questionnaire)
    response = autosave(signed_in(people.editor_a), assessment_a, {questionnaire.q("K3").pk: {"number": "1"}}, 2)
    assert response.status_code == 403


# --- submission and review ------------------------------------------------------------------------------------------


def test_a_refused_submission_lists_what_is_missing_by_area_and_question(
    signed_in, people, assessment_a, questionnaire
):
    workflow.save_answers(
        assessment_a, {questionnaire.q("K2").pk: {"options": [questionnaire.option("K2", "a").pk]}}, people.editor_a, 0
    )
    response = signed_in(people.editor_a).post(en("submit", assessment_a.pk))
    page = response.content.decode()
    assert response.status_code == 200 and "The assessment was not submitted" in page
    for code in ("K1", "P1", "P2"):
        assert f"Question {code}?" in page
    assert "Question K2?" not in page
    assert f"{en('area', assessment_a.pk, 'P')}#question-{questionnaire.q('P1').pk}" in page
    assert fresh(assessment_a).status == AssessmentStatus.DRAFT


def test_the_expert_reviews_returns_and_approves_through_the_pages(signed_in, people, assessment_a, questionnaire):
    q, o = questionnaire.q, questionnaire.option
    client = signed_in(people.editor_a)
    workflow.save_answers(assessment_a, complete_answers(questionnaire), people.editor_a, 0)
    assert client.post(url("submit", assessment_a.pk)).status_code == 302
    assert fresh(assessment_a).status == AssessmentStatus.SUBMITTED

    expert = signed_in(people.expert)
    assert en("detail", assessment_a.pk) in expert.get(en("home")).content.decode()
    review_page = expert.get(en("review", assessment_a.pk, "K")).content.decode()
    assert "The organisation's answer" in review_page and "Yes" in review_page
    saved = autosave(
        expert,
        fresh(assessment_a),
        {q("K1").pk: {"options": [o("K1", "no").pk], "comment": "Nav"}},
        fresh(assessment_a).revision,
        "review-autosave",
    )
    assert saved.status_code == 200
    assert Answer.objects.get(question=q("K1")).expert_options == [o("K1", "no").pk]

    assert expert.post(url("return", assessment_a.pk), {"comment": ""}).status_code == 200
    expert.post(url("return", assessment_a.pk), {"comment": "Precizējiet K1"})
    assert fresh(assessment_a).status == AssessmentStatus.RETURNED
    editor_page = client.get(en("area", assessment_a.pk, "K")).content.decode()
    assert "Precizējiet K1" in editor_page and "Expert's answer" in editor_page

    assert client.post(url("submit", assessment_a.pk)).status_code == 302
    expert.post(url("approve", assessment_a.pk), {"comment": ""})
    assert fresh(assessment_a).status == AssessmentStatus.APPROVED
    assert client.post(url("area", assessment_a.pk, "K"), area_post(questionnaire, 99)).status_code == 403


def test_another_expert_may_not_review_a_taken_assessment(signed_in, people, assessment_a, questionnaire):
    submit_complete(assessment_a, people, questionnaire)
    workflow.assign_reviewer(fresh(assessment_a), people.expert, people.coordinator)
    other = signed_in(people.expert2)
    assert other.get(url("detail", assessment_a.pk)).status_code == 404
    assert other.post(url("approve", assessment_a.pk)).status_code == 404


def test_the_coordinator_assigns_a_reviewer_and_reopens_an_approved_assessment(
    signed_in, people, assessment_a, questionnaire
):
    submit_complete(assessment_a, people, questionnaire)
    client = signed_in(people.coordinator)
    client.post(url("assign-reviewer", assessment_a.pk), {"reviewer": people.expert.pk})
    assert fresh(assessment_a).reviewer == people.expert
    assert signed_in(people.editor_a).post(url("reopen", assessment_a.pk)).status_code == 403
    client = signed_in(people.coordinator)
    client.post(url("approve", assessment_a.pk))
    response = client.post(url("reopen", assessment_a.pk))
    second = Assessment.objects.get(institution=people.a, is_current=True)
    assert second.version == 2 and response.url == url("detail", second.pk)
    page = client.get(en("detail", second.pk)).content.decode()
    assert "Version 2" in page and en("detail", assessment_a.pk) in page


def test_an_answers_history_page_shows_who_when_and_what(signed_in, people, assessment_a, questionnaire):
    q = questionnaire.q
    workflow.save_answers(assessment_a, {q("P2").pk: {"text": "Pirmā versija"}}, people.editor_a, 0)
    workflow.save_answers(fresh(assessment_a), {q("P2").pk: {"text": "Otrā versija"}}, people.editor_a2, 1)
    page = signed_in(people.viewer_a).get(en("answer-history", assessment_a.pk, q("P2").pk)).content.decode()
    assert page.index("Otrā versija") < page.index("Pirmā versija")
    assert "redaktors-a2" in page and "changed: text" in page and "created" in page


def test_the_coordinator_scores_a_round_again_on_demand(
    signed_in, people, questionnaire, round_, assessment_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_complete(assessment_a, people, questionnaire)
    Score.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(people.coordinator).post(url("round-rescore", round_.pk))
    assert response.status_code == 302
    # Celery runs eagerly in the tests: the round's scores are back.
    assert Score.objects.filter(assessment=assessment_a, area__isnull=True).exists()


def test_only_the_coordinator_scores_a_round_again(signed_in, people, round_):
    assert signed_in(people.editor_a).post(url("round-rescore", round_.pk)).status_code in (403, 404)
    assert signed_in(people.coordinator).get(url("round-rescore", round_.pk)).status_code == 405
