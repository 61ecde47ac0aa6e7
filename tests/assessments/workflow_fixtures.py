"""A small questionnaire and the people of the workflow tests: two organisations, their editors, a viewer, the
coordinator and two experts. Built on tests/assessments/factories.py."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Membership, Role
from assessments.models import Family, QuestionType
from tests.assessments.factories import AreaFactory, MethodologyFactory, OptionFactory, QuestionFactory
from tests.factories import InstitutionFactory, UserFactory


@dataclass
class Questionnaire:
    """Area K (order 1): K1 yes/no, mandatory, evidence required; K2 multiple choice, mandatory; K3 number,
    optional. Area P (order 2): P1 percent, mandatory, may be "not applicable"; P2 text, mandatory; P3 single
    choice, optional. Four mandatory questions in all."""

    methodology: object
    areas: list
    questions: dict  # code -> Question
    options: dict  # (question code, option code) -> Option

    def q(self, code):
        return self.questions[code]

    def option(self, question_code, option_code):
        return self.options[(question_code, option_code)]


def make_questionnaire():
    methodology = MethodologyFactory(family=Family.EINDEX_INSTITUTION, name_lv="E-indekss", name_en="E-index")
    first = AreaFactory(methodology=methodology, code="K", order=1, name_lv="Komunikācija", name_en="Communication")
    second = AreaFactory(methodology=methodology, code="P", order=2, name_lv="Pakalpojumi", name_en="Services")
    spec = [
        (
            first,
            "K1",
            QuestionType.YES_NO,
            True,
            {"evidence_required": True},
            [("yes", "Jā", "Yes"), ("no", "Nē", "No")],
        ),
        (
            first,
            "K2",
            QuestionType.MULTIPLE,
            True,
            {},
            [("a", "Tīmeklis", "Web"), ("b", "Tālrunis", "Phone"), ("c", "E-pasts", "E-mail")],
        ),
        (first, "K3", QuestionType.NUMBER, False, {}, []),
        (second, "P1", QuestionType.PERCENT, True, {"allows_not_applicable": True}, []),
        (second, "P2", QuestionType.TEXT, True, {}, []),
        (second, "P3", QuestionType.SINGLE, False, {}, [("x", "Zems", "Low"), ("y", "Augsts", "High")]),
    ]
    questions, options = {}, {}
    for order, (area, code, kind, mandatory, extra, choices) in enumerate(spec):
        question = QuestionFactory(
            area=area,
            code=code,
            order=order,
            question_type=kind,
            mandatory=mandatory,
            text_lv=f"Jautājums {code}?",
            text_en=f"Question {code}?",
            **extra,
        )
        questions[code] = question
        for index, (option_code, name_lv, name_en) in enumerate(choices):
            options[(code, option_code)] = OptionFactory(
                question=question, code=option_code, order=index, name_lv=name_lv, name_en=name_en, points=Decimal(1)
            )
    return Questionnaire(methodology, [first, second], questions, options)


@dataclass
class People:
    a: object
    b: object
    editor_a: object
    editor_a2: object
    viewer_a: object
    editor_b: object
    coordinator: object
    expert: object
    expert2: object


def make_people(passwords=False):
    """Without `passwords` the users get unusable ones: hashing nine real passwords per test costs seconds, and
    tests sign in with force_login."""
    password = {} if passwords else {"password": None}
    a = InstitutionFactory(short_name="ALFA", name_lv="Alfa aģentūra", name_en="Alpha Agency")
    b = InstitutionFactory(short_name="BETA", name_lv="Beta dienests", name_en="Beta Service")
    viewer = UserFactory(username="skatitajs-a", role=Role.VIEWER, **password)
    Membership.objects.create(user=viewer, institution=a, can_edit=False)
    return People(
        a=a,
        b=b,
        editor_a=UserFactory(username="redaktors-a", role=Role.EDITOR, member_of=[a], **password),
        editor_a2=UserFactory(username="redaktors-a2", role=Role.EDITOR, member_of=[a], **password),
        viewer_a=viewer,
        editor_b=UserFactory(username="redaktors-b", role=Role.EDITOR, member_of=[b], **password),
        coordinator=UserFactory(username="koordinators", role=Role.COORDINATOR, **password),
        expert=UserFactory(username="eksperts", role=Role.EXPERT, first_name="Elza", last_name="Eksperte", **password),
        expert2=UserFactory(username="eksperts-2", role=Role.EXPERT, **password),
    )


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def complete_answers(questionnaire):
    """Answers to every mandatory question (K1 yes, K2 web and phone, P1 75 %, P2 a text), with the evidence K1
    requires, keyed by question id as workflow.save_answers takes them."""
    q, o = questionnaire.q, questionnaire.option
    return {
        q("K1").pk: {"options": [o("K1", "yes").pk], "evidence_url": "https://example.lv/strategy.pdf"},
        q("K2").pk: {"options": [o("K2", "a").pk, o("K2", "b").pk]},
        q("P1").pk: {"number": Decimal("75")},
        q("P2").pk: {"text": "Klientu centrs strādā katru dienu."},
    }
