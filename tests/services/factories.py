"""Factories for the service catalogue and its yearly figures.

ChannelFactory(code="phone") returns the channel of the fixed code list with its real names and flags
(services/reference/channels.json), creating it on first use.
"""

import json
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from services.models import (
    Channel,
    CostComponent,
    FigureSubmission,
    LifeSituation,
    Service,
    ServiceChannel,
    ServiceCost,
    ServiceFigure,
    ServiceTemplate,
)
from services.reference_data import REFERENCE_DIR
from tests.factories import InstitutionFactory

with open(REFERENCE_DIR / "channels.json", encoding="utf-8") as handle:
    CHANNELS = {row["code"]: row for row in json.load(handle)}


def _channel_attribute(name):
    return factory.LazyAttribute(lambda channel: CHANNELS[channel.code][name])


class ChannelFactory(DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = "portal"
    name_lv = _channel_attribute("name_lv")
    name_en = _channel_attribute("name_en")
    is_digital = _channel_attribute("is_digital")
    is_remote = _channel_attribute("is_remote")
    cost_unit_class = _channel_attribute("cost_unit_class")
    order = _channel_attribute("order")


def all_channels():
    """Every channel of the code list, in order."""
    return [ChannelFactory(code=code) for code in CHANNELS]


class LifeSituationFactory(DjangoModelFactory):
    class Meta:
        model = LifeSituation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"situation-{n}")
    name_lv = factory.Sequence(lambda n: f"Dzīves situācija {n}")
    name_en = factory.Sequence(lambda n: f"Life situation {n}")


class ServiceTemplateFactory(DjangoModelFactory):
    class Meta:
        model = ServiceTemplate
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"template-{n}")
    name_lv = factory.Sequence(lambda n: f"Vienotais pakalpojums {n}")
    name_en = factory.Sequence(lambda n: f"Unified service {n}")


class ServiceFactory(DjangoModelFactory):
    """A service; its holder is also its provider unless `providers=[...]` is given."""

    class Meta:
        model = Service
        skip_postgeneration_save = True

    catalogue_id = factory.Sequence(lambda n: f"S-{n:05d}")
    name_lv = factory.Sequence(lambda n: f"Pakalpojums {n}")
    name_en = factory.Sequence(lambda n: f"Service {n}")
    holder = factory.SubFactory(InstitutionFactory)

    @factory.post_generation
    def providers(self, create, extracted, **kwargs):
        if not create:
            return
        self.providers.set(extracted if extracted is not None else [self.holder])

    @factory.post_generation
    def life_situations(self, create, extracted, **kwargs):
        if create and extracted:
            self.life_situations.set(extracted)


class ServiceChannelFactory(DjangoModelFactory):
    class Meta:
        model = ServiceChannel

    service = factory.SubFactory(ServiceFactory)
    channel = factory.SubFactory(ChannelFactory)


class ServiceFigureFactory(DjangoModelFactory):
    """A yearly figure reported by the service's holder (its provider by default)."""

    class Meta:
        model = ServiceFigure

    service = factory.SubFactory(ServiceFactory)
    provider = factory.LazyAttribute(lambda figure: figure.service.holder)
    year = 2024
    channel = factory.SubFactory(ChannelFactory)
    started = 100
    completed = 90


class ServiceCostFactory(DjangoModelFactory):
    """A cost component; shared (no channel) unless `channel=` is given."""

    class Meta:
        model = ServiceCost

    service = factory.SubFactory(ServiceFactory)
    provider = factory.LazyAttribute(lambda cost: cost.service.holder)
    year = 2024
    component = CostComponent.STAFF
    channel = None
    amount = Decimal("1000.00")


class FigureSubmissionFactory(DjangoModelFactory):
    class Meta:
        model = FigureSubmission

    service = factory.SubFactory(ServiceFactory)
    provider = factory.LazyAttribute(lambda submission: submission.service.holder)
    year = 2024
