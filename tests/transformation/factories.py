"""Factories for service transformation: projects, indicators, measurements, decisions, reviews, components.

IndicatorFactory makes an optional national library indicator unless told otherwise; `library()` loads the shipped
reference indicators (transformation/reference/indicators.json) for tests about the real set.
"""

from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from tests.factories import InstitutionFactory
from tests.services.factories import ServiceFactory
from transformation.models import (
    DecisionKind,
    GoodDirection,
    IndicatorScope,
    Measurement,
    MeasurementPhase,
    OversightDecision,
    ProjectMember,
    ResultIndicator,
    ReviewKind,
    ServiceReview,
    SharedComponent,
    TransformationProject,
    ValueKind,
)
from transformation.reference_data import load_indicators


class ProjectFactory(DjangoModelFactory):
    """A draft project of an institution; `services=[...]` names the services concerned."""

    class Meta:
        model = TransformationProject
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"Pārveides projekts {n}")
    goal = "Mazāk klātienes apmeklējumu."

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = ProjectMember

    project = factory.SubFactory(ProjectFactory)
    person_name = factory.Sequence(lambda n: f"Dalībnieks {n}")


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = ResultIndicator
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"X{n}")
    order = factory.Sequence(lambda n: 1000 + n)
    name_lv = factory.Sequence(lambda n: f"Rādītājs {n}")
    name_en = factory.Sequence(lambda n: f"Indicator {n}")
    value_kind = ValueKind.COUNT
    good_direction = GoodDirection.UP
    mandatory = False
    scope = IndicatorScope.LIBRARY


class MeasurementFactory(DjangoModelFactory):
    class Meta:
        model = Measurement

    project = factory.SubFactory(ProjectFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    phase = MeasurementPhase.BASELINE
    period_start = date(2024, 1, 1)
    period_end = date(2024, 12, 31)
    value = Decimal("10")


class DecisionFactory(DjangoModelFactory):
    class Meta:
        model = OversightDecision

    title = factory.Sequence(lambda n: f"Lēmums {n}")
    kind = DecisionKind.REQUEST_REVIEW


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = ServiceReview

    service = factory.SubFactory(ServiceFactory)
    kind = ReviewKind.EFFICIENCY
    reviewed_on = date(2022, 6, 1)
    reviewer_institution = factory.LazyAttribute(lambda review: review.service.holder)


class ComponentFactory(DjangoModelFactory):
    class Meta:
        model = SharedComponent

    code = factory.Sequence(lambda n: f"component-{n}")
    name_lv = factory.Sequence(lambda n: f"Komponente {n}")


def library():
    """The shipped indicator library, by code."""
    load_indicators()
    return {indicator.code: indicator for indicator in ResultIndicator.objects.all()}
