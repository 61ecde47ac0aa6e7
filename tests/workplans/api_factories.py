"""Factories of the work-plan rows the API tests read and write: a plan with action lines, measures with
deadlines and responsible institutions, indicators with targets and actuals, obligations, progress updates and
improvement plans with items."""

from datetime import date

import factory
from factory.django import DjangoModelFactory

from tests.factories import InstitutionFactory
from workplans.models import (
    ActionLine,
    FundingSource,
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
    ResponsibilityRole,
    RoadmapGroup,
)


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    code = factory.Sequence(lambda n: f"PLAN{n}")
    title_lv = factory.Sequence(lambda n: f"Plāns {n}")
    title_en = factory.Sequence(lambda n: f"Plan {n}")
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


class RoadmapGroupFactory(DjangoModelFactory):
    class Meta:
        model = RoadmapGroup

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"G{n}")
    label_lv = factory.Sequence(lambda n: f"Grupa {n}")
    label_en = factory.Sequence(lambda n: f"Group {n}")


class MeasureFactory(DjangoModelFactory):
    class Meta:
        model = Measure

    action_line = factory.SubFactory(ActionLineFactory)
    code = factory.Sequence(lambda n: f"P{n}.1")
    order = factory.Sequence(lambda n: n)
    text_lv = factory.Sequence(lambda n: f"Pasākums {n}")
    text_en = factory.Sequence(lambda n: f"Measure {n}")
    status = MeasureStatus.NOT_STARTED


class MeasureDeadlineFactory(DjangoModelFactory):
    class Meta:
        model = MeasureDeadline

    measure = factory.SubFactory(MeasureFactory)
    due_on = date(2027, 12, 31)


class ResponsibilityFactory(DjangoModelFactory):
    class Meta:
        model = MeasureResponsibility

    measure = factory.SubFactory(MeasureFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = ResponsibilityRole.RESPONSIBLE


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = Indicator

    plan = factory.SubFactory(PlanFactory)
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


class IndicatorActualFactory(DjangoModelFactory):
    class Meta:
        model = IndicatorActual

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2025


class ObligationFactory(DjangoModelFactory):
    class Meta:
        model = Obligation

    measure = factory.SubFactory(MeasureFactory, in_each_institution=True)
    institution = factory.SubFactory(InstitutionFactory)


class ProgressUpdateFactory(DjangoModelFactory):
    """An update on an obligation, reported by the obligation's institution."""

    class Meta:
        model = ProgressUpdate

    obligation = factory.SubFactory(ObligationFactory)
    institution = factory.SelfAttribute("obligation.institution")
    proposed_status = MeasureStatus.IN_PROGRESS
    as_of = date(2025, 3, 1)


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
