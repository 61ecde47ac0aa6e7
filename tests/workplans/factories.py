"""Factories of the plan models: a plan, its action lines, measures, deadlines, indicators and obligations,
progress updates, teams and improvement plans. A row made without its parent gets a new one (a measure a new
action line of a new plan). Below them, two small worlds for the institution-side tests: a PVPP-like plan with
measures carried out in each institution, and a conformity assessment with gaps in each of the four components."""

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
from tests.factories import InstitutionFactory
from workplans.models import (
    ActionLine,
    FundingSource,
    ImplementationTeam,
    ImprovementCategory,
    ImprovementItem,
    ImprovementPlan,
    Indicator,
    IndicatorActual,
    IndicatorTarget,
    Measure,
    MeasureDeadline,
    MeasureResponsibility,
    MeasureStatus,
    Obligation,
    Plan,
    ProgressUpdate,
    ReviewStatus,
    RoadmapGroup,
)


class PlanFactory(DjangoModelFactory):
    """A plan of no round (it binds no institution); give `round_number=1` for a PVPP2027-like plan."""

    class Meta:
        model = Plan

    code = factory.Sequence(lambda n: f"PLAN{n}")
    title_lv = factory.Sequence(lambda n: f"Plāns {n}")
    title_en = factory.Sequence(lambda n: f"Plan {n}")
    start_year = 2024
    end_year = 2027


class ActionLineFactory(DjangoModelFactory):
    class Meta:
        model = ActionLine

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"RV{n}")
    order = factory.Sequence(lambda n: n)
    title_lv = factory.Sequence(lambda n: f"Rīcības virziens {n}")
    title_en = factory.Sequence(lambda n: f"Action line {n}")


class RoadmapGroupFactory(DjangoModelFactory):
    class Meta:
        model = RoadmapGroup

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"g{n}")
    order = factory.Sequence(lambda n: n)
    label_lv = factory.Sequence(lambda n: f"Grupa {n}")
    label_en = factory.Sequence(lambda n: f"Group {n}")


class MeasureFactory(DjangoModelFactory):
    class Meta:
        model = Measure

    action_line = factory.SubFactory(ActionLineFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    order = factory.Sequence(lambda n: n)
    text_lv = factory.Sequence(lambda n: f"Pasākums {n}")
    text_en = factory.Sequence(lambda n: f"Measure {n}")
    status = MeasureStatus.NOT_STARTED


class MeasureDeadlineFactory(DjangoModelFactory):
    class Meta:
        model = MeasureDeadline

    measure = factory.SubFactory(MeasureFactory)
    due_on = date(2027, 12, 31)


class MeasureResponsibilityFactory(DjangoModelFactory):
    """The institution responsible for a measure; `role=ResponsibilityRole.CO_RESPONSIBLE` for a co-responsible."""

    class Meta:
        model = MeasureResponsibility

    measure = factory.SubFactory(MeasureFactory)
    institution = factory.SubFactory(InstitutionFactory)


class IndicatorFactory(DjangoModelFactory):
    """A progress indicator of a new action line; with `measure=` a measure's performance indicator (no line)."""

    class Meta:
        model = Indicator

    measure = None
    action_line = factory.Maybe("measure", yes_declaration=None, no_declaration=factory.SubFactory(ActionLineFactory))
    plan = factory.LazyAttribute(lambda indicator: (indicator.measure or indicator.action_line).plan)
    code = factory.Sequence(lambda n: f"I{n}")
    order = factory.Sequence(lambda n: n)
    name_lv = factory.Sequence(lambda n: f"Rādītājs {n}")
    name_en = factory.Sequence(lambda n: f"Indicator {n}")
    unit_lv = "%"
    unit_en = "%"


class IndicatorTargetFactory(DjangoModelFactory):
    class Meta:
        model = IndicatorTarget

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2025
    value = Decimal("50")


class IndicatorActualFactory(DjangoModelFactory):
    """An approved actual (it counts); give `value=None` with a range or a reason, `status=` for a report under
    review."""

    class Meta:
        model = IndicatorActual

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2025
    value = Decimal("40")
    status = ReviewStatus.APPROVED


class ObligationFactory(DjangoModelFactory):
    class Meta:
        model = Obligation

    measure = factory.SubFactory(MeasureFactory, in_each_institution=True)
    institution = factory.SubFactory(InstitutionFactory)
    status = MeasureStatus.NOT_STARTED


class ProgressUpdateFactory(DjangoModelFactory):
    """An update on an obligation, reported by the obligation's institution."""

    class Meta:
        model = ProgressUpdate

    obligation = factory.SubFactory(ObligationFactory)
    institution = factory.SelfAttribute("obligation.institution")
    proposed_status = MeasureStatus.IN_PROGRESS
    as_of = date(2025, 3, 1)


class ImplementationTeamFactory(DjangoModelFactory):
    class Meta:
        model = ImplementationTeam

    plan = factory.SubFactory(PlanFactory)
    institution = factory.SubFactory(InstitutionFactory)


class ImprovementPlanFactory(DjangoModelFactory):
    class Meta:
        model = ImprovementPlan

    plan = factory.SubFactory(PlanFactory)
    institution = factory.SubFactory(InstitutionFactory)


class ImprovementItemFactory(DjangoModelFactory):
    class Meta:
        model = ImprovementItem

    improvement_plan = factory.SubFactory(ImprovementPlanFactory)
    category = ImprovementCategory.SERVICES
    action = factory.Sequence(lambda n: f"Darbība {n}")
    deadline = date(2026, 6, 30)
    responsible_person = "Anna Bērziņa"
    funding_source = FundingSource.OWN_BUDGET


# --- the institution-side worlds ------------------------------------------------------------------------------------


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
    plan = PlanFactory(
        code="PVPP2027", title_lv="Pakalpojumu vides pilnveides plāns", title_en="Service plan", round_number=1
    )
    rv1 = ActionLineFactory(plan=plan, code="RV1", order=1)
    rv2 = ActionLineFactory(plan=plan, code="RV2", order=2)
    in_each = {"in_each_institution": True}
    p12 = MeasureFactory(action_line=rv1, code="P1.2", order=2, text_en="Set up an implementation team", **in_each)
    p23 = MeasureFactory(action_line=rv2, code="P2.3", order=3, text_en="Assess conformity")
    p24 = MeasureFactory(action_line=rv2, code="P2.4", order=4, text_en="Draw up an improvement plan", **in_each)
    p24.depends_on.add(p23)
    MeasureDeadlineFactory(measure=p12, due_on=date(2024, 6, 30))
    MeasureDeadlineFactory(measure=p24, due_on=date(2099, 12, 31))
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
