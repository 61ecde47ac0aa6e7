from datetime import date

import factory
from factory.django import DjangoModelFactory

from institutions.models import DevelopmentTier
from tests.factories import MunicipalityFactory
from vpvkac.models import (
    Centre,
    ContactFigure,
    ContactType,
    Grant,
    GrantKind,
    ReportingPeriod,
    Settlement,
    StaffType,
)


class ReportingPeriodFactory(DjangoModelFactory):
    class Meta:
        model = ReportingPeriod
        django_get_or_create = ("code",)

    code = "2024"
    name_lv = "2024. gads"
    name_en = "2024"
    first_day = date(2024, 1, 1)
    last_day = date(2024, 12, 31)


class CentreFactory(DjangoModelFactory):
    class Meta:
        model = Centre

    code = factory.Sequence(lambda n: f"centre-{n}")
    name = factory.Sequence(lambda n: f"Centrs {n}")
    tier = DevelopmentTier.LOCAL
    municipality = factory.SubFactory(MunicipalityFactory)


class ContactFigureFactory(DjangoModelFactory):
    class Meta:
        model = ContactFigure

    centre = factory.SubFactory(CentreFactory)
    date = date(2024, 3, 4)
    contact_type = ContactType.SERVICE
    staff_type = StaffType.MUNICIPAL
    count = 1


class GrantFactory(DjangoModelFactory):
    class Meta:
        model = Grant

    period = factory.SubFactory(ReportingPeriodFactory)
    kind = GrantKind.MAINTENANCE
    amount = 1000


class SettlementFactory(DjangoModelFactory):
    class Meta:
        model = Settlement

    code = factory.Sequence(lambda n: f"settlement-{n}")
    name = factory.Sequence(lambda n: f"Ciems {n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    latitude = 56.0
    longitude = 24.0
    population = 100
    is_demo = True
