"""Factories of the assessment models. A question made without an area gets a new area of a new methodology;
an answer made without a question gets a question of its assessment's methodology."""

from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from assessments.models import (
    Answer,
    Area,
    Assessment,
    AssessmentStatus,
    Band,
    Family,
    Methodology,
    Option,
    Question,
    QuestionType,
    Round,
)
from tests.factories import InstitutionFactory


class MethodologyFactory(DjangoModelFactory):
    class Meta:
        model = Methodology

    name_lv = factory.Sequence(lambda n: f"Metodika {n}")
    name_en = factory.Sequence(lambda n: f"Methodology {n}")
    family = Family.EINDEX_INSTITUTION
    version = factory.Sequence(lambda n: n + 1)
    year = 2021


class AreaFactory(DjangoModelFactory):
    class Meta:
        model = Area

    methodology = factory.SubFactory(MethodologyFactory)
    code = factory.Sequence(lambda n: f"A{n}")
    name_lv = factory.Sequence(lambda n: f"Joma {n}")
    name_en = factory.Sequence(lambda n: f"Area {n}")
    order = factory.Sequence(lambda n: n)
    weight = Decimal("1")


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    area = factory.SubFactory(AreaFactory)
    code = factory.Sequence(lambda n: f"Q{n}")
    order = factory.Sequence(lambda n: n)
    text_lv = factory.Sequence(lambda n: f"Jautājums {n}?")
    text_en = factory.Sequence(lambda n: f"Question {n}?")
    question_type = QuestionType.SINGLE
    mandatory = False


class OptionFactory(DjangoModelFactory):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory)
    code = factory.Sequence(lambda n: f"o{n}")
    order = factory.Sequence(lambda n: n)
    name_lv = factory.Sequence(lambda n: f"Atbilde {n}")
    name_en = factory.Sequence(lambda n: f"Option {n}")
    points = Decimal("0")


class BandFactory(DjangoModelFactory):
    class Meta:
        model = Band

    question = factory.SubFactory(QuestionFactory, question_type=QuestionType.NUMBER)
    lower = Decimal("0")
    upper = None
    points = Decimal("0")


class RoundFactory(DjangoModelFactory):
    class Meta:
        model = Round

    methodology = factory.SubFactory(MethodologyFactory)
    name_lv = factory.Sequence(lambda n: f"Kārta {n}")
    name_en = factory.Sequence(lambda n: f"Round {n}")
    year = factory.SelfAttribute("methodology.year")
    deadline = factory.LazyAttribute(lambda r: date(r.year, 12, 31))


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    round = factory.SubFactory(RoundFactory)
    institution = factory.SubFactory(InstitutionFactory)
    status = AssessmentStatus.DRAFT


class AnswerFactory(DjangoModelFactory):
    class Meta:
        model = Answer

    assessment = factory.SubFactory(AssessmentFactory)
    question = factory.SubFactory(
        QuestionFactory, area__methodology=factory.SelfAttribute("...assessment.round.methodology")
    )
