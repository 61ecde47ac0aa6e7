"""Factories and a small world for the institution-side tests: a plan with measures carried out in each
institution, obligations, and a conformity assessment with gaps in each of the four components."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from assessments.models import AssessmentStatus, Family, QuestionType
from tests.assessments.factories import (
    AnswerFactory,
    AreaFactory,
    AssessmentFactory,
    MethodologyFactory,
    OptionFactory,
    QuestionFactory,
    RoundFactory,
)
from workplans.models import (
    ActionLine,
    Indicator,
    Measure,
    MeasureDeadline,
    MeasureResponsibility,
    Obligation,
    Plan,
)


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"IP{n}")
    title_lv = factory.Sequence(lambda n: f"Pilnveides plāns {n}")
    title_en = factory.Sequence(lambda n: f"Improvement plan {n}")
    start_year = 2024
    end_year = 2027
    round_number = 1


class ActionLineFactory(DjangoModelFactory):
    class Meta:
        model = ActionLine

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"RV{n}")
    order = factory.Sequence(lambda n: n)
    title_lv = factory.Sequence(lambda n: f"Rīcības virziens {n}")
    title_en = factory.Sequence(lambda n: f"Action line {n}")


class MeasureFactory(DjangoModelFactory):
    class Meta:
        model = Measure

    action_line = factory.SubFactory(ActionLineFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    order = factory.Sequence(lambda n: n)
    text_lv = factory.Sequence(lambda n: f"Pasākums {n}")
    text_en = factory.Sequence(lambda n: f"Measure {n}")
    in_each_institution = True


class ObligationFactory(DjangoModelFactory):
    class Meta:
        model = Obligation

    measure = factory.SubFactory(MeasureFactory)
    institution = factory.SubFactory("tests.factories.InstitutionFactory")


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = Indicator

    plan = factory.SelfAttribute("measure.action_line.plan")
    measure = factory.SubFactory(MeasureFactory)
    code = factory.Sequence(lambda n: f"I{n}")
    name_lv = factory.Sequence(lambda n: f"Rādītājs {n}")
    name_en = factory.Sequence(lambda n: f"Indicator {n}")
    unit_lv = "%"
    unit_en = "%"


def deadline(measure, due_on):
    return MeasureDeadline.objects.create(measure=measure, due_on=due_on)


def responsible(measure, institution):
    return MeasureResponsibility.objects.create(measure=measure, institution=institution)


@dataclass
class PlanWorld:
    """PVPP-like plan "PVPP2027" with two measures carried out in each institution: P1.2 (implementation team,
    due 2024-06-30) and P2.4 (improvement plan, due 2099-12-31, depends on P2.3, a whole-plan measure not yet
    started); obligations of institutions A and B for both."""

    plan: Plan
    p12: Measure
    p23: Measure
    p24: Measure
    a12: Obligation
    a24: Obligation
    b12: Obligation
    b24: Obligation


def plan_world(people):
    plan = PlanFactory(code="PVPP2027", title_lv="Pakalpojumu vides pilnveides plāns", title_en="Service plan")
    rv1 = ActionLineFactory(plan=plan, code="RV1", order=1)
    rv2 = ActionLineFactory(plan=plan, code="RV2", order=2)
    p12 = MeasureFactory(action_line=rv1, code="P1.2", order=2, text_en="Set up an implementation team")
    p23 = MeasureFactory(action_line=rv2, code="P2.3", order=3, in_each_institution=False, text_en="Assess conformity")
    p24 = MeasureFactory(action_line=rv2, code="P2.4", order=4, text_en="Draw up an improvement plan")
    p24.depends_on.add(p23)
    deadline(p12, date(2024, 6, 30))
    deadline(p24, date(2099, 12, 31))
    return PlanWorld(
        plan=plan,
        p12=p12,
        p23=p23,
        p24=p24,
        a12=ObligationFactory(measure=p12, institution=people.a),
        a24=ObligationFactory(measure=p24, institution=people.a),
        b12=ObligationFactory(measure=p12, institution=people.b),
        b24=ObligationFactory(measure=p24, institution=people.b),
    )


DEGREES = (0, 1, 2, 3, 4)
COMPONENTS = (
    ("K1", "Pamatnosacījumi", "Basic conditions"),
    ("K2", "Uzdevumi", "Service governance tasks"),
    ("K3", "Nosacījumi", "Conditions for services"),
    ("K4", "Spējas un resursi", "Capabilities and resources"),
)


@dataclass
class Conformity:
    assessment: object
    questions: dict  # code -> Question


def conformity_assessment(institution, reached, status=AssessmentStatus.SUBMITTED):
    """A counted conformity assessment of `institution`: one question per component (K1.01 … K4.01), each with
    degree options 0–4 and target degree 3, answered at the degree `reached[code]` gives (unanswered if absent)."""
    methodology = MethodologyFactory(family=Family.CONFORMITY, year=2024)
    questions = {}
    for order, (code, name_lv, name_en) in enumerate(COMPONENTS, start=1):
        area = AreaFactory(methodology=methodology, code=code, order=order, name_lv=name_lv, name_en=name_en)
        question = QuestionFactory(
            area=area,
            code=f"{code}.01",
            order=1,
            question_type=QuestionType.SINGLE,
            text_lv=f"Jautājums {code}?",
            text_en=f"Question {code}?",
            help_en="Target degree: 3.",
        )
        for points in DEGREES:
            OptionFactory(question=question, code=f"d{points}", order=points, points=Decimal(points),
                          name_lv=f"{points}. pakāpe", name_en=f"Degree {points}")  # fmt: skip
        questions[question.code] = question
    round_ = RoundFactory(methodology=methodology, year=2024)
    assessment = AssessmentFactory(round=round_, institution=institution, status=status)
    for code, points in reached.items():
        question = questions[code]
        option = question.options.get(code=f"d{points}")
        AnswerFactory(assessment=assessment, question=question, options=[option.pk])
    return Conformity(assessment, questions)
