"""The shipped transformation reference data (transformation/reference_data.py): the ten result indicators of seed
003 §3.1 with their mandatory flags and catalogue sources, the coordinator's first trend indicator, and the shared
components of seed 003 Table 2 and the 2020–2023 report; loading twice changes nothing."""

import pytest
from django.core.management import call_command

from institutions.models import Institution
from institutions.reference_data import load_reference_data
from transformation.models import (
    CatalogueSource,
    ComponentInstitution,
    IndicatorScope,
    MonetaryRole,
    ResultIndicator,
    SharedComponent,
)
from transformation.reference_data import load_transformation

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    load_reference_data()
    return load_transformation()


def test_the_ten_result_indicators_of_seed_003(loaded):
    library = ResultIndicator.objects.filter(scope=IndicatorScope.LIBRARY)
    assert sorted(set(library.values_list("source_number", flat=True))) == list(range(1, 11))
    # indicator 8 is kept as three money figures: 10 numbers, 12 rows
    assert library.count() == 12
    # 1–9 mandatory (R8 as three rows: 11), 10 "other indicators" optional
    assert set(library.filter(mandatory=False).values_list("code", flat=True)) == {"R10"}
    assert library.filter(mandatory=True).count() == 11


def test_catalogue_sources_and_cost_benefit_roles(loaded):
    by_code = {indicator.code: indicator for indicator in ResultIndicator.objects.all()}
    assert by_code["R1"].catalogue_source == CatalogueSource.CHANNEL_PROPORTION
    assert by_code["R2"].catalogue_source == CatalogueSource.ELECTRONIC_USE
    assert by_code["R7"].catalogue_source == CatalogueSource.SATISFACTION
    assert (by_code["T-CPT"].scope, by_code["T-CPT"].catalogue_source) == (
        IndicatorScope.TREND,
        CatalogueSource.COST_PER_TRANSACTION,
    )
    assert by_code["T-CPT"].collection_method_en
    roles = {code: by_code[code].monetary_role for code in ("R8.1", "R8.2", "R8.3")}
    assert roles == {"R8.1": MonetaryRole.INVESTMENT, "R8.2": MonetaryRole.RUNNING_COST, "R8.3": MonetaryRole.BENEFIT}


def test_the_shared_components_and_who_uses_them(loaded):
    kinds = set(SharedComponent.objects.values_list("kind", flat=True))
    # Table 2's five kinds are all there
    assert {
        "service_catalogue",
        "client_service_centres",
        "virtual_assistant",
        "e_address",
        "integration_platform",
    } <= kinds
    portal = SharedComponent.objects.get(code="latvija-gov-lv-catalogue")
    assert portal.owner_institution == Institution.objects.get(short_name="VRAA")
    assert SharedComponent.objects.get(code="virtual-assistants").status == "concept"
    users = set(
        ComponentInstitution.objects.filter(component__code="ec-service-feedback").values_list(
            "institution__short_name", flat=True
        )
    )
    assert users == {"KP", "MKD", "VVD", "FKTK", "PMLP", "VRS", "VI", "NVD", "SPKC", "PTAC"}


def test_loading_twice_changes_nothing(loaded):
    assert loaded["result indicators"] == {"new": 13}
    history = ResultIndicator.history.count()
    again = load_transformation()
    assert again == {"result indicators": {"skip": 13}, "shared components": {"skip": 9}}
    assert ResultIndicator.history.count() == history


def test_a_changed_file_value_updates_the_row(loaded):
    ResultIndicator.objects.filter(code="R4").update(name_en="changed by hand")
    assert load_transformation()["result indicators"] == {"update": 1, "skip": 12}
    assert ResultIndicator.objects.get(code="R4").name_en.startswith("Staff delivering")


def test_the_command_loads_them(capsys):
    call_command("load_reference_data")
    assert "transformation: result indicators" in capsys.readouterr().out
    assert ResultIndicator.objects.filter(code="R1").exists()
