"""The database holds the transformation rules it can: one phase per kind, one measurement per indicator and
phase, a value or a text, a closed project has a closing day, an own indicator has its owner, 3–5 year cycles."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import InstitutionFactory
from tests.transformation.factories import (
    ComponentFactory,
    DecisionFactory,
    IndicatorFactory,
    MeasurementFactory,
    ProjectFactory,
)
from transformation.models import (
    ComponentInstitution,
    DecisionStatus,
    IndicatorScope,
    Measurement,
    MeasurementPhase,
    MonetaryRole,
    PhaseKind,
    ProjectPhase,
    ProjectStatus,
    ReviewParameters,
    ValueKind,
)

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_a_project_has_one_phase_of_each_kind_kept_in_order():
    project = ProjectFactory()
    design = ProjectPhase.objects.create(project=project, kind=PhaseKind.DESIGN)
    baseline = ProjectPhase.objects.create(project=project, kind=PhaseKind.BASELINE)
    # design is the 3rd of the seven phases, the baseline the 1st
    assert (design.order, baseline.order) == (3, 1)
    assert list(project.phases.all()) == [baseline, design]
    refused(lambda: ProjectPhase.objects.create(project=project, kind=PhaseKind.DESIGN))


def test_a_done_phase_has_an_end_and_dates_run_forward():
    project = ProjectFactory()
    refused(lambda: ProjectPhase.objects.create(project=project, kind=PhaseKind.ANALYSIS, status="done"))
    refused(
        lambda: ProjectPhase.objects.create(
            project=project, kind=PhaseKind.ANALYSIS, actual_start=date(2024, 5, 2), actual_end=date(2024, 5, 1)
        )
    )


def test_one_measurement_per_project_indicator_and_phase():
    measurement = MeasurementFactory()
    refused(
        lambda: Measurement.objects.create(
            project=measurement.project, indicator=measurement.indicator, phase=measurement.phase, value=1
        )
    )
    # the same indicator in another phase is another snapshot
    Measurement.objects.create(
        project=measurement.project, indicator=measurement.indicator, phase=MeasurementPhase.FINAL, value=1
    )


def test_a_measurement_holds_a_value_or_a_text():
    project, indicator = ProjectFactory(), IndicatorFactory()
    refused(lambda: Measurement.objects.create(project=project, indicator=indicator, phase="baseline"))
    refused(lambda: Measurement.objects.create(project=project, indicator=indicator, phase="during", value=1))


def test_a_measurement_value_must_fit_its_indicator():
    share = IndicatorFactory(value_kind=ValueKind.SHARE)
    text = IndicatorFactory(value_kind=ValueKind.TEXT, good_direction="none")
    project = ProjectFactory()
    with pytest.raises(ValidationError) as error:
        Measurement(project=project, indicator=share, phase="baseline", value=Decimal("100.5")).full_clean()
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Measurement(project=project, indicator=text, phase="baseline", value=Decimal("3")).full_clean()
    assert "text_value" in error.value.message_dict
    Measurement(project=project, indicator=share, phase="baseline", value=Decimal("100")).full_clean()


def test_an_institutions_own_indicator_measures_only_its_projects():
    owner, other = InstitutionFactory(), InstitutionFactory()
    own = IndicatorFactory(scope=IndicatorScope.INSTITUTION, owner_institution=owner)
    with pytest.raises(ValidationError) as error:
        Measurement(project=ProjectFactory(institution=other), indicator=own, phase="baseline", value=1).full_clean()
    assert "indicator" in error.value.message_dict
    Measurement(project=ProjectFactory(institution=owner), indicator=own, phase="baseline", value=1).full_clean()


def test_an_own_indicator_names_its_owner_and_is_never_mandatory():
    owner = InstitutionFactory()
    refused(lambda: IndicatorFactory(scope=IndicatorScope.INSTITUTION))
    refused(lambda: IndicatorFactory(scope=IndicatorScope.LIBRARY, owner_institution=owner))
    refused(lambda: IndicatorFactory(scope=IndicatorScope.INSTITUTION, owner_institution=owner, mandatory=True))


def test_only_money_indicators_have_a_cost_benefit_role_and_texts_are_not_classed():
    refused(lambda: IndicatorFactory(value_kind=ValueKind.COUNT, monetary_role=MonetaryRole.BENEFIT))
    refused(lambda: IndicatorFactory(value_kind=ValueKind.TEXT, good_direction="up"))
    IndicatorFactory(value_kind=ValueKind.MONEY, monetary_role=MonetaryRole.BENEFIT)


def test_a_closed_project_has_its_closing_day():
    refused(lambda: ProjectFactory(status=ProjectStatus.CLOSED))
    refused(lambda: ProjectFactory(status=ProjectStatus.ACTIVE, closed_on=date(2025, 1, 1)))
    assert ProjectFactory(status=ProjectStatus.CLOSED, closed_on=date(2025, 1, 1)).pk


def test_the_review_cycle_is_three_to_five_years():
    refused(lambda: ReviewParameters.objects.create(version=90, cycle_years=6))
    refused(lambda: ReviewParameters.objects.create(version=91, cycle_years=2))
    assert ReviewParameters.objects.create(version=92, cycle_years=3).pk


def test_a_decided_decision_has_a_decision_day_not_before_the_proposal():
    refused(lambda: DecisionFactory(status=DecisionStatus.ADOPTED))
    refused(
        lambda: DecisionFactory(
            status=DecisionStatus.ADOPTED, proposed_on=date(2025, 2, 1), decided_on=date(2025, 1, 1)
        )
    )
    assert DecisionFactory(status=DecisionStatus.ADOPTED, decided_on=date.today()).pk


def test_an_institution_uses_a_component_once():
    component, institution = ComponentFactory(), InstitutionFactory()
    ComponentInstitution.objects.create(component=component, institution=institution)
    refused(lambda: ComponentInstitution.objects.create(component=component, institution=institution))
