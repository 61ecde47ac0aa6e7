"""Pre-filling measurements from the catalogue's cost figures (transformation/prefill.py), on a hand-made data set
run through services/costing.py. Every ratio is summed first and divided afterwards: the tests pick volumes where
an average of the services' ratios would give another number."""

from datetime import date
from decimal import Decimal

import pytest

from services import costing
from services.models import ServiceCost, ServiceFigure
from tests.factories import InstitutionFactory, UserFactory
from tests.services.factories import ChannelFactory, ServiceChannelFactory, ServiceFactory
from tests.transformation.factories import IndicatorFactory, MeasurementFactory, ProjectFactory
from transformation.models import CatalogueSource, MeasurementPhase, MeasurementSource, ValueKind
from transformation.prefill import period_years, prefill_measurement, prefill_phase, prefill_value

pytestmark = pytest.mark.django_db

D = Decimal
Y2023 = (date(2023, 1, 1), date(2023, 12, 31))


def report(service, channel, completed, year=2023, provider=None, **values):
    return ServiceFigure.objects.create(
        service=service,
        provider=provider or service.holder,
        year=year,
        channel=ChannelFactory(code=channel),
        completed=completed,
        **values,
    )


def spend(service, amount, year=2023, provider=None):
    return ServiceCost.objects.create(
        service=service, provider=provider or service.holder, year=year, component="staff", amount=D(amount)
    )


@pytest.fixture
def catalogue():
    """Institution A holds S1 (offered on the portal and in person) and S2 (in person only).

    2023: S1 600 portal + 400 in person = 1 000, shared cost 5 000, 100 ratings of 4 on 1–5;
          S2 3 000 in person, shared cost 3 000, 300 ratings of 2 on 1–5.
    2022: S1 100 portal + 900 in person, shared cost 9 000 (other year: must not mix into 2023)."""
    holder = InstitutionFactory(short_name="A")
    s1, s2 = ServiceFactory(holder=holder), ServiceFactory(holder=holder)
    ServiceChannelFactory(service=s1, channel=ChannelFactory(code="portal"))
    ServiceChannelFactory(service=s1, channel=ChannelFactory(code="institution_in_person"))
    ServiceChannelFactory(service=s2, channel=ChannelFactory(code="institution_in_person"))
    scale = {"rating_scale_min": 1, "rating_scale_max": 5}
    report(s1, "portal", 600, satisfaction_responses=100, satisfaction_mean=D(4), **scale)
    report(s1, "institution_in_person", 400)
    report(s2, "institution_in_person", 3000, satisfaction_responses=300, satisfaction_mean=D(2), **scale)
    spend(s1, 5000)
    spend(s2, 3000)
    report(s1, "portal", 100, year=2022)
    report(s1, "institution_in_person", 900, year=2022)
    spend(s1, 9000, year=2022)
    costing.recompute()
    project = ProjectFactory(institution=holder, services=[s1, s2])
    return project


def indicator(source, kind=ValueKind.SHARE):
    return IndicatorFactory(value_kind=kind, catalogue_source=source)


def test_channel_proportion_sums_cases_before_dividing(catalogue):
    # digital 600 of 1 000 + 3 000 = 4 000 → 15 % (the mean of 60 % and 0 % would be 30 %)
    result = prefill_value(catalogue, indicator(CatalogueSource.CHANNEL_PROPORTION), *Y2023)
    assert result.value == D("15.0000")
    assert "600" in result.note and "4000" in result.note


def test_electronic_use_counts_only_services_offered_digitally(catalogue):
    # only S1 offers a digital channel: 600 / 1 000 → 60 %
    result = prefill_value(catalogue, indicator(CatalogueSource.ELECTRONIC_USE), *Y2023)
    assert result.value == D("60.0000")


def test_cost_per_transaction_is_summed_cost_over_summed_cases(catalogue):
    # (5 000 + 3 000) / (1 000 + 3 000) = 2.00 EUR (the mean of 5.00 and 1.00 would be 3.00)
    result = prefill_value(catalogue, indicator(CatalogueSource.COST_PER_TRANSACTION, ValueKind.MONEY), *Y2023)
    assert result.value == D("2.0000")


def test_satisfaction_is_weighted_by_responses(catalogue):
    # S1: (4 − 1) / (5 − 1) × 100 = 75 on 100 responses; S2: (2 − 1) / 4 × 100 = 25 on 300
    # (75 × 100 + 25 × 300) / 400 = 37.5 (the mean of 75 and 25 would be 50)
    result = prefill_value(catalogue, indicator(CatalogueSource.SATISFACTION, ValueKind.SCORE), *Y2023)
    assert result.value == D("37.5000")


def test_a_period_over_two_years_sums_both(catalogue):
    # 2022–2023: digital 100 + 600 = 700 of 1 000 + 1 000 + 3 000 = 5 000 → 14 %
    result = prefill_value(
        catalogue, indicator(CatalogueSource.CHANNEL_PROPORTION), date(2022, 1, 1), date(2023, 12, 31)
    )
    assert result.value == D("14.0000")
    assert period_years(date(2022, 3, 1), date(2023, 2, 1)) == [2022, 2023]


def test_no_figures_give_a_reason_not_a_zero(catalogue):
    result = prefill_value(catalogue, indicator(CatalogueSource.CHANNEL_PROPORTION), date(2019, 1, 1), None)
    assert result.value is None and "2019" in result.reason
    assert prefill_value(catalogue, indicator(""), *Y2023) is None


def test_the_holder_counts_every_provider_a_provider_only_its_own():
    holder, municipality, other = InstitutionFactory(), InstitutionFactory(), InstitutionFactory()
    held = ServiceFactory(holder=holder, providers=[holder, municipality])
    provided = ServiceFactory(holder=other, providers=[other, municipality])
    report(held, "portal", 100)
    report(held, "institution_in_person", 100, provider=municipality)
    report(provided, "portal", 300, provider=municipality)
    report(provided, "institution_in_person", 700)
    costing.recompute()
    share = indicator(CatalogueSource.CHANNEL_PROPORTION)
    # the holder's project: its service at both providers, 100 digital of 200 → 50 %
    assert prefill_value(ProjectFactory(institution=holder, services=[held]), share, *Y2023).value == D("50.0000")
    # the municipality's project on a service it only provides: its own 300 of 300 → 100 %
    project = ProjectFactory(institution=municipality, services=[provided])
    assert prefill_value(project, share, *Y2023).value == D("100.0000")


def test_a_user_counts_only_the_figures_they_may_see():
    holder, provider = InstitutionFactory(), InstitutionFactory()
    service = ServiceFactory(holder=holder, providers=[holder, provider])
    report(service, "portal", 100)
    report(service, "institution_in_person", 300, provider=provider)
    costing.recompute()
    project = ProjectFactory(institution=holder, services=[service])
    share = indicator(CatalogueSource.CHANNEL_PROPORTION)
    editor = UserFactory(member_of=[holder])
    # the holder's editor sees only the holder's own figures: 100 of 100 → 100 %; everything: 100 of 400 → 25 %
    assert prefill_value(project, share, *Y2023, user=editor).value == D("100.0000")
    assert prefill_value(project, share, *Y2023).value == D("25.0000")


def test_prefilling_writes_a_prefilled_measurement_and_keeps_entered_ones(catalogue):
    share = indicator(CatalogueSource.CHANNEL_PROPORTION)
    user = UserFactory(member_of=[catalogue.institution])
    measurement = prefill_measurement(catalogue, share, MeasurementPhase.BASELINE, *Y2023, user=user)
    assert (measurement.value, measurement.source, measurement.measured_by) == (
        D("15.0000"),
        MeasurementSource.PREFILLED,
        user,
    )
    # a prefilled value follows the catalogue on the next pre-fill (2022: 100 of 1 000 → 10 %)
    again = prefill_measurement(catalogue, share, MeasurementPhase.BASELINE, date(2022, 1, 1), date(2022, 12, 31))
    assert (again.pk, again.value) == (measurement.pk, D("10.0000"))
    # a value entered by hand stays, unless overwriting is asked for
    entered = MeasurementFactory(
        project=catalogue, indicator=share, phase=MeasurementPhase.FINAL, value=D("42"), source="entered"
    )
    kept = prefill_measurement(catalogue, share, MeasurementPhase.FINAL, *Y2023)
    assert (kept.pk, kept.value, kept.source) == (entered.pk, D("42.0000"), MeasurementSource.ENTERED)
    replaced = prefill_measurement(catalogue, share, MeasurementPhase.FINAL, *Y2023, overwrite=True)
    assert (replaced.value, replaced.source) == (D("15.0000"), MeasurementSource.PREFILLED)


def test_prefilling_a_phase_fills_every_indicator_with_a_source(catalogue):
    share = indicator(CatalogueSource.CHANNEL_PROPORTION)
    cpt = indicator(CatalogueSource.COST_PER_TRANSACTION, ValueKind.MONEY)
    indicator("")  # no source: left alone
    other = InstitutionFactory()
    IndicatorFactory(
        scope="institution", owner_institution=other, catalogue_source=CatalogueSource.SATISFACTION, value_kind="score"
    )  # another institution's own indicator: not the project's to use
    written = prefill_phase(catalogue, MeasurementPhase.BASELINE, *Y2023)
    assert {measurement.indicator for measurement in written} == {share, cpt}
