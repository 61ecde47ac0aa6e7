"""Conformity gaps (assessments/gaps.py and its page): the questions of an institution's latest counted
conformity assessment worth fewer points than their target degree, scoped like every other page, exported as
CSV and XLSX."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from assessments import gaps as gap_rules
from assessments import scoring, workflow
from assessments.models import Answer, AssessmentStatus, Family, QuestionType
from tests.assessments.factories import AreaFactory, BandFactory, MethodologyFactory, OptionFactory, QuestionFactory
from tests.assessments.workflow_fixtures import in_days, make_people

pytestmark = pytest.mark.django_db

DEGREES = [("d0", 0), ("d1", 1), ("d2", 2), ("d3", 3), ("d4", 4)]


@pytest.fixture(autouse=True)
def no_queued_scoring(monkeypatch):
    monkeypatch.setattr("assessments.scoring.schedule_rescore", lambda ids: None)


@pytest.fixture
def people():
    return make_people()


class Conformity:
    """A hand-made conformity methodology. Component K1: Q1 target 3, Q2 target 2, Q3 target 3 and may be "not
    applicable", Q4 no target. Component K2: Q5 multiple choice capped at 2 points, target 2; Q6 percent in
    bands of 1 point per 20 %, target 3; Q7 optional, target 3; Q8 text, target 3 (never scored)."""

    def __init__(self):
        self.methodology = MethodologyFactory(family=Family.CONFORMITY, name_lv="Atbilstība", name_en="Conformity")
        k1 = AreaFactory(methodology=self.methodology, code="K1", order=1, name_en="Basic conditions")
        k2 = AreaFactory(methodology=self.methodology, code="K2", order=2, name_en="Capabilities")
        self.q = {}
        self.o = {}
        self._degrees("Q1", k1, 1, "Target degree: 3.")
        self._degrees("Q2", k1, 2, "Mērķa pakāpe: 2.", help_field="help_lv")
        self._degrees("Q3", k1, 3, "Target degree: 3.", allows_not_applicable=True)
        self._degrees("Q4", k1, 4, "No target here.")
        self.q["Q5"] = QuestionFactory(area=k2, code="Q5", order=5, question_type=QuestionType.MULTIPLE,
                                       max_points=Decimal(2), help_en="Target degree: 2.")  # fmt: skip
        for code, points in [("a", 1), ("b", 1), ("c", 1)]:
            self.o[("Q5", code)] = OptionFactory(question=self.q["Q5"], code=code, points=Decimal(points))
        self.q["Q6"] = QuestionFactory(area=k2, code="Q6", order=6, question_type=QuestionType.PERCENT,
                                       help_en="Target degree: 3.")  # fmt: skip
        for lower in range(0, 100, 20):
            BandFactory(question=self.q["Q6"], lower=Decimal(lower), upper=Decimal(lower + 20) if lower < 80 else None,
                        points=Decimal(lower // 20))  # fmt: skip
        self._degrees("Q7", k2, 7, "Target degree: 3.", mandatory=False)
        self.q["Q8"] = QuestionFactory(area=k2, code="Q8", order=8, question_type=QuestionType.TEXT,
                                       help_en="Target degree: 3.")  # fmt: skip

    def _degrees(self, code, area, order, help_text, help_field="help_en", **extra):
        question = QuestionFactory(area=area, code=code, order=order, question_type=QuestionType.SINGLE,
                                   text_en=f"Question {code}?", **{help_field: help_text}, **extra)  # fmt: skip
        self.q[code] = question
        for index, (option_code, points) in enumerate(DEGREES):
            self.o[(code, option_code)] = OptionFactory(
                question=question, code=option_code, order=index, points=Decimal(points),
                name_en=f"{points} — degree", name_lv=f"{points} — pakāpe",
            )  # fmt: skip

    def answers(self, **degrees):
        """Answers as workflow.save_answers takes them, from Q1="d1", Q5=["a", "b"], Q6=Decimal, Q3="na"."""
        values = {}
        for code, value in degrees.items():
            question = self.q[code]
            if value == "na":
                values[question.pk] = {"not_applicable": True}
            elif isinstance(value, Decimal):
                values[question.pk] = {"number": value}
            elif isinstance(value, str) and question.question_type == QuestionType.TEXT:
                values[question.pk] = {"text": value}
            else:
                codes = value if isinstance(value, list) else [value]
                values[question.pk] = {"options": [self.o[(code, c)].pk for c in codes]}
        return values


@pytest.fixture
def conformity():
    return Conformity()


# Q1 at 1 (target 3): a gap; Q2 at 2 (target 2): none; Q3 "not applicable": none; Q4 at 0 without a target:
# none; Q5 a+b+c = 3 capped at 2 (target 2): none; Q6 35 % → band [20, 40) → 1 (target 3): a gap; Q7
# unanswered → 0 (target 3): a gap; Q8 a text: never scored, never a gap.
STANDARD = {"Q1": "d1", "Q2": "d2", "Q3": "na", "Q4": "d0", "Q5": ["a", "b", "c"], "Q6": Decimal("35"), "Q8": "Teksts"}


def submitted_assessment(conformity, people, institution=None, answers=STANDARD, deadline_days=30):
    institution = institution or people.a
    editor = people.editor_a if institution == people.a else people.editor_b
    round_ = workflow.open_round(conformity.methodology, [institution], in_days(deadline_days), people.coordinator)
    assessment = round_.assessments.get()
    workflow.save_answers(assessment, conformity.answers(**answers), editor, 0)
    return workflow.submit(assessment, editor)


def approved(assessment, people):
    return workflow.approve(workflow.start_review(assessment, people.expert), people.expert)


# --- the rule --------------------------------------------------------------------------------------------------


def test_gaps_are_the_questions_below_their_target_in_questionnaire_order(conformity, people):
    assessment = submitted_assessment(conformity, people)
    found = gap_rules.gaps(assessment)
    assert [(g.question.code, g.reached, g.target) for g in found] == [
        ("Q1", Decimal(1), Decimal(3)),
        ("Q6", Decimal(1), Decimal(3)),
        ("Q7", Decimal(0), Decimal(3)),
    ]
    q1, q6, q7 = found
    assert q1.area.code == "K1" and q1.reached_label == "1 — pakāpe" and q1.shortfall == Decimal(2)
    assert q6.reached_label == "35.00" and q6.answered
    assert q7.reached_label == "" and not q7.answered
    assert all(g.institution == people.a and not g.by_expert for g in found)


def test_the_points_of_a_gap_are_those_scoring_writes(conformity, people):
    assessment = submitted_assessment(conformity, people)
    scoring.rescore_assessments([assessment.pk])
    for answer in Answer.objects.filter(assessment=assessment).select_related("question__area"):
        reached, _label = gap_rules.counted_points(answer.question, answer)
        if answer.question.question_type == QuestionType.TEXT:
            assert answer.points is None
        else:
            assert reached == answer.points, answer.question.code


def test_the_experts_answer_counts_where_given_and_may_be_left_out(conformity, people):
    assessment = workflow.start_review(submitted_assessment(conformity, people), people.expert)
    q1_expert = {conformity.q["Q1"].pk: {"expert_options": [conformity.o[("Q1", "d3")].pk]}}
    q2_expert = {conformity.q["Q2"].pk: {"expert_options": [conformity.o[("Q2", "d0")].pk]}}
    workflow.save_expert_answers(assessment, {**q1_expert, **q2_expert}, people.expert, assessment.revision)
    # The expert raises Q1 to 3 (no longer a gap) and lowers Q2 to 0 (now a gap).
    assert [g.question.code for g in gap_rules.gaps(assessment)] == ["Q2", "Q6", "Q7"]
    assert gap_rules.gaps(assessment)[0].by_expert
    assert [g.question.code for g in gap_rules.gaps(assessment, use_expert=False)] == ["Q1", "Q6", "Q7"]


def test_the_latest_counted_conformity_assessment_is_used(conformity, people):
    older = approved(submitted_assessment(conformity, people, answers={**STANDARD, "Q1": "d0"}), people)
    older.round.year = 2023
    older.round.save()
    newer = submitted_assessment(conformity, people, answers={**STANDARD, "Q1": "d4"})
    draft_round = workflow.open_round(conformity.methodology, [people.a], in_days(60), people.coordinator)
    eindex = MethodologyFactory(family=Family.EINDEX_INSTITUTION)
    workflow.open_round(eindex, [people.a], in_days(60), people.coordinator)

    assert gap_rules.latest_conformity_assessment(people.a) == newer  # the drafts and the E-index never count
    assert draft_round.assessments.get().status == AssessmentStatus.DRAFT
    assessment, found = gap_rules.institution_gaps(people.a)
    assert assessment == newer and "Q1" not in [g.question.code for g in found]
    assert gap_rules.institution_gaps(people.b) == (None, [])


# --- the page --------------------------------------------------------------------------------------------------


def page(user, institution, language="en", query=""):
    client = Client()
    client.force_login(user)
    prefix = "/en" if language == "en" else ""
    return client.get(f"{prefix}/assessments/gaps/{institution.pk}/{query}")


def test_the_page_lists_the_gaps_with_component_degree_and_target(conformity, people):
    submitted_assessment(conformity, people)
    response = page(people.editor_a, people.a)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Conformity gaps: Alpha Agency" in html
    assert "Question Q1?" in html and "K1 Basic conditions" in html and "1 — degree" in html
    assert "Question Q2?" not in html  # reaches its target
    assert "not answered" in html  # Q7
    assert "awaits the expert" in html


def test_an_editor_of_a_never_sees_the_gaps_of_b(conformity, people):
    submitted_assessment(conformity, people, institution=people.b)
    assert page(people.editor_a, people.b).status_code == 404
    assert page(people.editor_a, people.b, query="?_export=csv").status_code == 404
    assert page(people.editor_b, people.b).status_code == 200
    assert page(people.coordinator, people.b).status_code == 200


def test_the_csv_and_xlsx_exports_hold_the_same_rows(conformity, people):
    submitted_assessment(conformity, people)
    rows = list(csv.reader(io.StringIO(page(people.editor_a, people.a, query="?_export=csv").content.decode())))
    header, *body = rows
    assert header[:2] == ["Component", "Code"]
    assert [(row[1], row[4], row[5]) for row in body] == [("Q1", "1", "3"), ("Q6", "1", "3"), ("Q7", "0", "3")]
    response = page(people.editor_a, people.a, query="?_export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [(row[1], row[4], row[5]) for row in cells[1:]] == [("Q1", 1, 3), ("Q6", 1, 3), ("Q7", 0, 3)]


def test_during_review_the_organisation_sees_the_gaps_of_its_own_answers(conformity, people):
    assessment = workflow.start_review(submitted_assessment(conformity, people), people.expert)
    q1_expert = {conformity.q["Q1"].pk: {"expert_options": [conformity.o[("Q1", "d4")].pk]}}
    workflow.save_expert_answers(assessment, q1_expert, people.expert, assessment.revision)
    assert "Question Q1?" in page(people.editor_a, people.a).content.decode()
    assert "Question Q1?" not in page(people.coordinator, people.a).content.decode()


def test_the_index_sends_a_one_institution_reader_to_its_page_and_offers_the_coordinator_a_choice(conformity, people):
    submitted_assessment(conformity, people)
    submitted_assessment(conformity, people, institution=people.b)
    client = Client()
    client.force_login(people.editor_a)
    response = client.get("/en/assessments/gaps/")
    assert response.status_code == 302 and response.url.endswith(f"/gaps/{people.a.pk}/")
    client.force_login(people.coordinator)
    html = client.get("/en/assessments/gaps/").content.decode()
    assert "Alpha Agency" in html and "Beta Service" in html
    assert client.get(f"/en/assessments/gaps/?institution={people.b.pk}").url.endswith(f"/gaps/{people.b.pk}/")


def test_an_institution_without_a_counted_assessment_says_so(conformity, people):
    workflow.open_round(conformity.methodology, [people.a], in_days(30), people.coordinator)  # a draft only
    html = page(people.editor_a, people.a).content.decode()
    assert "no submitted or approved conformity assessment" in html
