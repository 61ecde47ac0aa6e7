import pytest

from institutions.flags import recompute_institution_flags
from institutions.models import ExclusionCategory, Institution
from tests.factories import InstitutionFactory, InstitutionGroupFactory


@pytest.mark.django_db
def test_ministry_agency_is_bound_by_round1_and_policy_applies():
    institution = InstitutionFactory(group=InstitutionGroupFactory(code="1.1", workplan_round1=True))
    assert institution.governance_policy_applies
    assert institution.bound_by_round1


@pytest.mark.django_db
def test_municipality_group_has_policy_but_is_not_bound():
    parent = InstitutionGroupFactory(code="2", workplan_round1=True)
    group = InstitutionGroupFactory(code="2.1", parent=parent, workplan_round1=False)
    institution = InstitutionFactory(group=group)
    assert institution.governance_policy_applies
    assert not institution.bound_by_round1


@pytest.mark.django_db
@pytest.mark.parametrize("exclusion", [choice for choice, _ in ExclusionCategory.choices])
def test_section_4_1_5_exclusions_are_never_bound(exclusion):
    institution = InstitutionFactory(exclusion_category=exclusion)
    assert institution.governance_policy_applies
    assert not institution.bound_by_round1


@pytest.mark.django_db
def test_override_with_reason_wins_over_the_group():
    institution = InstitutionFactory(
        exclusion_category=ExclusionCategory.MEDICAL, round1_override=True, round1_override_reason="MK decision"
    )
    assert institution.bound_by_round1


@pytest.mark.django_db
def test_recompute_follows_a_change_of_the_group_column_b():
    institution = InstitutionFactory()
    assert institution.bound_by_round1
    institution.group.workplan_round1 = False
    institution.group.save()
    assert recompute_institution_flags() == 1
    assert not Institution.objects.get(pk=institution.pk).bound_by_round1
    assert recompute_institution_flags() == 0
