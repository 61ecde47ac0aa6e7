import pytest
from django.core.management import call_command

from institutions.models import Institution, InstitutionGroup, Municipality, MunicipalityKind, PlanningRegion


@pytest.fixture
def reference(db):
    call_command("load_reference_data", verbosity=0)


def test_reference_data_has_todays_43_municipalities_in_5_planning_regions(reference):
    current = Municipality.objects.filter(valid_to__isnull=True)
    assert PlanningRegion.objects.count() == 5
    assert current.count() == 43
    assert current.filter(kind=MunicipalityKind.STATE_CITY).count() == 7
    assert current.filter(kind=MunicipalityKind.COUNTY).count() == 36
    assert set(current.filter(kind=MunicipalityKind.STATE_CITY).values_list("name_lv", flat=True)) == {
        "Daugavpils", "Jelgava", "Jūrmala", "Liepāja", "Rēzekne", "Rīga", "Ventspils",
    }  # fmt: skip


def test_former_municipalities_roll_up_to_a_current_one(reference):
    former = Municipality.objects.filter(valid_to__isnull=False)
    assert former.exists()
    for municipality in former.select_related("successor"):
        assert municipality.current_successor().is_current, municipality.code
    assert Municipality.objects.get(code="ikskiles-novads").current_successor().code == "ogres-novads"


def test_table_1_has_6_groups_and_26_rows(reference):
    assert InstitutionGroup.objects.filter(parent__isnull=True).count() == 6
    assert InstitutionGroup.objects.filter(parent__isnull=False).count() == 26


def test_derived_flags_of_named_institutions(reference):
    flags = {
        i.short_name: (i.governance_policy_applies, i.bound_by_round1)
        for i in Institution.objects.filter(short_name__in=["VID", "VSAA", "VDD", "KNAB"])
    }
    assert flags["VID"] == (True, True)  # ministry sector agency: Table 1 row 1.1
    assert flags["VSAA"] == (True, True)
    assert flags["VDD"] == (True, False)  # §4.1.5.4 exclusion
    assert flags["KNAB"] == (True, False)  # Table 1 row without a column-B tick
    municipalities = Institution.objects.filter(institution_type="municipality")
    assert municipalities.count() == 43
    assert not municipalities.filter(bound_by_round1=True).exists()  # row 2.1 has no column-B tick


def test_loading_twice_changes_nothing(reference):
    counts = (Municipality.objects.count(), Institution.objects.count(), Institution.history.count())
    call_command("load_reference_data", verbosity=0)
    assert (Municipality.objects.count(), Institution.objects.count(), Institution.history.count()) == counts


def test_demo_data_is_idempotent_and_marked(reference):
    from accounts.models import Role, User
    from institutions.models import MunicipalityPopulation

    call_command("load_demo_data", verbosity=0)
    call_command("load_demo_data", verbosity=0)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert MunicipalityPopulation.objects.count() == 43
    assert not MunicipalityPopulation.objects.filter(is_demo=False).exists()
    assert User.objects.get(username="redaktors").memberships.get().institution.short_name == "VSAA"
