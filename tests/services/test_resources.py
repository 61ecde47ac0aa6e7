"""Import of the catalogue and its yearly figures: natural keys, so a re-sent file updates and never
duplicates; every bad row named with its column and reason; nothing half-written; editors report only
for their own providers."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation
from import_export.formats.base_formats import XLSX

from accounts.models import Role
from institutions.resources import ImportRejected, import_rows
from services.models import LifeSituation, PeriodType, Service, ServiceChannel, ServiceCost, ServiceFigure
from services.resources import (
    LifeSituationResource,
    ServiceChannelResource,
    ServiceCostResource,
    ServiceFigureResource,
    ServiceResource,
    template_file,
)
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory
from tests.services.factories import (
    ChannelFactory,
    LifeSituationFactory,
    ServiceCostFactory,
    ServiceFactory,
    ServiceTemplateFactory,
)

FIGURE_HEADERS = [
    "service",
    "provider",
    "year",
    "period_type",
    "period_number",
    "channel",
    "started",
    "completed",
    "consultations",
    "satisfaction_responses",
    "satisfaction_mean",
    "rating_scale_min",
    "rating_scale_max",
]
COST_HEADERS = ["service", "provider", "year", "component", "channel", "amount"]


@pytest.fixture
def catalogue(db):
    """Service S-1 held by AAA, provided by AAA and BBB since 2020; CCC provides nothing."""
    for code in ("portal", "phone", "post", "institution_in_person"):
        ChannelFactory(code=code)
    aaa = InstitutionFactory(short_name="AAA")
    bbb = InstitutionFactory(short_name="BBB")
    InstitutionFactory(short_name="CCC")
    service = ServiceFactory(catalogue_id="S-1", holder=aaa, providers=[aaa, bbb], valid_from=date(2020, 1, 1))
    return service


def figure_row(**changes):
    row = {
        "service": "S-1",
        "provider": "AAA",
        "year": 2024,
        "period_type": "",
        "period_number": "",
        "channel": "portal",
        "started": 100,
        "completed": 90,
        "consultations": 10,
        "satisfaction_responses": 20,
        "satisfaction_mean": "4.5",
        "rating_scale_min": 1,
        "rating_scale_max": 5,
    }
    row.update(changes)
    return row


def import_figures(rows, **resource_kwargs):
    with translation.override("en"):
        return import_rows(ServiceFigureResource(**resource_kwargs), rows, FIGURE_HEADERS)


def rejected_errors(resource, rows, headers):
    with pytest.raises(ImportRejected) as rejected, translation.override("en"):
        import_rows(resource, rows, headers)
    return "\n".join(rejected.value.errors)


def test_valid_figures_file_creates_rows_with_the_year_as_default_period(catalogue):
    import_figures([figure_row(), figure_row(channel="phone", provider="BBB", started="", completed=40)])
    figures = ServiceFigure.objects.order_by("channel__order")
    assert figures.count() == 2
    portal, phone = figures
    assert (portal.period_type, portal.period_number) == (PeriodType.YEAR, 0)
    assert portal.satisfaction_mean == Decimal("4.5")
    assert phone.provider.short_name == "BBB" and phone.started is None and phone.completed == 40


def test_a_file_without_period_columns_is_read_as_yearly_figures(catalogue):
    headers = ["service", "provider", "year", "channel", "completed"]
    row = {"service": "S-1", "provider": "AAA", "year": 2023, "channel": "post", "completed": 7}
    import_rows(ServiceFigureResource(), [row], headers)
    figure = ServiceFigure.objects.get()
    assert (figure.year, figure.period_type, figure.period_number, figure.completed) == (2023, "year", 0, 7)


def test_a_file_without_a_required_column_is_refused_whole(catalogue):
    headers = ["service", "provider", "year", "channel", "started"]
    row = {"service": "S-1", "provider": "AAA", "year": 2023, "channel": "post", "started": 7}
    errors = rejected_errors(ServiceFigureResource(), [row], headers)
    assert "the file has no column “completed”" in errors
    assert not ServiceFigure.objects.exists()


def test_resending_the_same_figures_file_changes_nothing(catalogue):
    rows = [figure_row(), figure_row(period_type="quarter", period_number=2, channel="phone")]
    import_figures(rows)
    history_before = ServiceFigure.history.count()
    result = import_figures(rows)
    assert result.totals["skip"] == 2 and result.totals["new"] == 0 and result.totals["update"] == 0
    assert ServiceFigure.objects.count() == 2
    assert ServiceFigure.history.count() == history_before


def test_changed_figure_updates_instead_of_duplicating(catalogue):
    import_figures([figure_row(), figure_row(channel="phone")])
    result = import_figures([figure_row(completed=95), figure_row(channel="phone")])
    assert result.totals["update"] == 1 and result.totals["skip"] == 1
    assert ServiceFigure.objects.count() == 2
    assert ServiceFigure.objects.get(channel__code="portal").completed == 95


def test_every_kind_of_bad_figure_row_is_named_and_nothing_is_saved(catalogue):
    rows = [
        figure_row(),  # 1: valid, but the file is not
        figure_row(service="S-404"),  # 2
        figure_row(provider="CCC"),  # 3: exists, but does not provide S-1
        figure_row(provider="ZZZ"),  # 4
        figure_row(channel="phone", started=100, completed=120),  # 5
        figure_row(channel="post", satisfaction_mean="6"),  # 6
        figure_row(year=2019),  # 7: the service is provided from 2020
        figure_row(channel="institution_in_person", consultations=-3),  # 8
        figure_row(started=100, completed=80),  # 9: the same key as row 1
        figure_row(channel="fax"),  # 10
        figure_row(period_type="quarter", period_number=5),  # 11
        figure_row(period_type="month", period_number=1, started="many"),  # 12
    ]
    errors = rejected_errors(ServiceFigureResource(), rows, FIGURE_HEADERS)
    assert "row 1," not in errors
    assert "row 2, service: unknown service “S-404”" in errors
    assert "row 3, provider: this institution is not a provider of the service" in errors
    assert "row 4, provider: unknown provider “ZZZ”" in errors
    assert "row 5, completed: 120 completed is more than 100 started" in errors
    assert "row 6, satisfaction_mean: rating 6 is outside the scale 1–5" in errors
    assert "row 7, year: the period ends before the service was provided (from 2020-01-01)" in errors
    assert "row 8, consultations: must not be negative (-3)" in errors
    assert "row 9, service: the same service, provider, year, period and channel as row 1 of this file" in errors
    assert "row 10, channel: unknown channel “fax”" in errors
    assert "row 11, period_number: a quarter needs a number from 1 to 4, not 5" in errors
    assert "row 12, started: “many” is not a number" in errors
    assert not ServiceFigure.objects.exists()


def test_an_editor_may_not_import_figures_of_another_provider(catalogue):
    editor = UserFactory(role=Role.EDITOR)
    MembershipFactory(user=editor, institution=catalogue.holder)  # AAA
    rows = [figure_row(), figure_row(provider="BBB")]
    errors = rejected_errors(ServiceFigureResource(user=editor), rows, FIGURE_HEADERS)
    assert errors == "row 2, provider: you may not report for this provider"
    assert not ServiceFigure.objects.exists()
    # Their own rows alone go through.
    import_figures(rows[:1], user=editor)
    assert ServiceFigure.objects.get().provider == catalogue.holder


def test_a_viewer_may_not_import_figures_even_of_their_own_institution(catalogue):
    viewer = UserFactory(role=Role.VIEWER)
    MembershipFactory(user=viewer, institution=catalogue.holder)
    errors = rejected_errors(ServiceFigureResource(user=viewer), [figure_row()], FIGURE_HEADERS)
    assert "row 1, provider: you may not report for this provider" in errors


def cost_row(**changes):
    row = {"service": "S-1", "provider": "AAA", "year": 2024, "component": "staff", "channel": "", "amount": "1000.00"}
    row.update(changes)
    return row


def test_shared_and_channel_costs_are_separate_rows_and_a_resent_shared_cost_updates_its_row(catalogue):
    import_rows(ServiceCostResource(), [cost_row(), cost_row(channel="phone", amount="200")], COST_HEADERS)
    assert ServiceCost.objects.count() == 2
    assert ServiceCost.objects.get(channel__isnull=True).amount == Decimal("1000.00")
    history_before = ServiceCost.history.count()

    result = import_rows(ServiceCostResource(), [cost_row(), cost_row(channel="phone", amount="200")], COST_HEADERS)
    assert result.totals["skip"] == 2
    assert ServiceCost.history.count() == history_before

    result = import_rows(ServiceCostResource(), [cost_row(amount="1500,50")], COST_HEADERS)  # decimal comma
    assert result.totals["update"] == 1
    assert ServiceCost.objects.count() == 2
    assert ServiceCost.objects.get(channel__isnull=True).amount == Decimal("1500.50")
    assert ServiceCost.objects.get(channel__code="phone").amount == Decimal("200.00")


def test_a_file_without_a_channel_column_holds_shared_costs(catalogue):
    ServiceCostFactory(service=catalogue, provider=catalogue.holder, amount=Decimal("10"))
    headers = ["service", "provider", "year", "component", "amount"]
    result = import_rows(ServiceCostResource(), [{**cost_row(amount="25")}], headers)
    assert result.totals["update"] == 1
    assert ServiceCost.objects.get().amount == Decimal("25.00")


def test_bad_cost_rows_are_named_and_nothing_is_saved(catalogue):
    rows = [
        cost_row(),
        cost_row(component="premises", amount="-5"),
        cost_row(component="catering"),
        cost_row(channel="phone", provider="CCC"),
        cost_row(year=2019, component="other"),
        cost_row(amount="99"),  # the same shared staff cost as row 1
        cost_row(component="it_systems", amount=""),
    ]
    errors = rejected_errors(ServiceCostResource(), rows, COST_HEADERS)
    assert "row 2, amount: must not be negative (-5)" in errors
    assert "row 3, component: “catering” is not a valid cost component" in errors
    assert "row 4, provider: this institution is not a provider of the service" in errors
    assert "row 5, year: the period ends before the service was provided" in errors
    assert "row 6, service: the same service, provider, year, component and channel as row 1 of this file" in errors
    assert "row 7, amount: is required" in errors
    assert not ServiceCost.objects.exists()


def test_an_editor_may_not_import_costs_of_another_provider(catalogue):
    editor = UserFactory(role=Role.EDITOR)
    MembershipFactory(user=editor, institution=catalogue.holder)
    errors = rejected_errors(ServiceCostResource(user=editor), [cost_row(provider="BBB")], COST_HEADERS)
    assert errors == "row 1, provider: you may not report for this provider"


def test_exported_figures_and_costs_import_back_unchanged(catalogue):
    import_figures([figure_row(), figure_row(channel="phone", period_type="month", period_number=3)])
    import_rows(ServiceCostResource(), [cost_row(), cost_row(channel="phone")], COST_HEADERS)
    for resource_class in (ServiceFigureResource, ServiceCostResource):
        exported = resource_class().export()
        result = resource_class().import_data(exported)
        assert not result.has_errors() and not result.has_validation_errors()
        assert result.totals["skip"] == 2, resource_class.__name__


SERVICE_HEADERS = [
    "catalogue_id",
    "name_lv",
    "name_en",
    "kind",
    "level",
    "holder",
    "providers",
    "template",
    "life_situations",
    "valid_from",
    "minimum_basket",
    "condition_automation",
]


def service_row(**changes):
    row = {
        "catalogue_id": "S-2",
        "name_lv": "Pakalpojums",
        "name_en": "A service",
        "kind": "for_person",
        "level": "Municipal",  # a label is accepted as well as the code
        "holder": "AAA",
        "providers": "AAA; BBB",
        "template": "unified-1",
        "life_situations": "moving;birth",
        "valid_from": "01.02.2021",
        "minimum_basket": "jā",
        "condition_automation": 0,
    }
    row.update(changes)
    return row


@pytest.fixture
def service_lists(catalogue):
    ServiceTemplateFactory(code="unified-1")
    LifeSituationFactory(code="moving")
    LifeSituationFactory(code="birth")


def test_valid_service_file_creates_the_entry_with_its_providers_and_life_situations(service_lists):
    import_rows(ServiceResource(), [service_row()], SERVICE_HEADERS)
    service = Service.objects.get(catalogue_id="S-2")
    assert service.level == "municipal" and service.holder.short_name == "AAA"
    assert set(service.providers.values_list("short_name", flat=True)) == {"AAA", "BBB"}
    assert set(service.life_situations.values_list("code", flat=True)) == {"moving", "birth"}
    assert service.template.code == "unified-1"
    assert service.valid_from == date(2021, 2, 1)
    assert service.minimum_basket is True and service.condition_automation is False
    assert service.condition_security is True  # not in the file: the default


def test_resending_a_service_file_changes_nothing_and_a_changed_provider_list_updates(service_lists):
    import_rows(ServiceResource(), [service_row()], SERVICE_HEADERS)
    history_before = Service.history.count()
    result = import_rows(ServiceResource(), [service_row()], SERVICE_HEADERS)
    assert result.totals["skip"] == 1
    assert Service.history.count() == history_before

    result = import_rows(ServiceResource(), [service_row(providers="AAA")], SERVICE_HEADERS)
    assert result.totals["update"] == 1
    assert list(Service.objects.get(catalogue_id="S-2").providers.values_list("short_name", flat=True)) == ["AAA"]


def test_bad_service_rows_name_each_unknown_code(service_lists):
    rows = [
        service_row(providers="AAA;NOPE;GONE"),
        service_row(catalogue_id="S-3", holder="XYZ", life_situations="moving;flying"),
        service_row(catalogue_id="S-4", kind="for_aliens", minimum_basket="maybe", valid_from="next year"),
        service_row(catalogue_id="S-2"),
    ]
    errors = rejected_errors(ServiceResource(), rows, SERVICE_HEADERS)
    assert "row 1, providers: unknown provider “NOPE”, “GONE”" in errors
    assert "row 2, holder: unknown holder institution “XYZ”" in errors
    assert "row 2, life_situations: unknown life situation “flying”" in errors
    assert "row 3, kind: “for_aliens” is not a valid kind" in errors
    assert "row 3, minimum_basket: “maybe” is not yes or no (1 or 0)" in errors
    assert "row 3, valid_from: “next year” is not a date (YYYY-MM-DD)" in errors
    assert "row 4, catalogue_id: duplicate catalogue identifier “S-2” (already in row 1" in errors
    assert not Service.objects.filter(catalogue_id__in=["S-2", "S-3", "S-4"]).exists()


def test_an_editor_imports_only_services_their_institution_holds(service_lists):
    editor = UserFactory(role=Role.EDITOR)
    MembershipFactory(user=editor, institution=InstitutionFactory(short_name="OWN"))
    rows = [service_row(holder="OWN"), service_row(catalogue_id="S-1", holder="OWN"), service_row(catalogue_id="S-5")]
    errors = rejected_errors(ServiceResource(user=editor), rows, SERVICE_HEADERS)
    assert "row 1," not in errors
    assert "row 2, catalogue_id: you may not change this service" in errors  # S-1 is held by AAA
    assert "row 3, holder: you may not enter services held by this institution" in errors
    assert Service.objects.get(catalogue_id="S-1").holder.short_name == "AAA"


def test_service_channels_are_keyed_by_service_and_channel(catalogue):
    headers = ["service", "channel", "address", "fee_amount", "processing_days"]
    rows = [
        {"service": "S-1", "channel": "portal", "address": "https://latvija.gov.lv", "processing_days": 1},
        {"service": "S-1", "channel": "phone", "address": "+371 67000000", "fee_amount": "2.50"},
    ]
    import_rows(ServiceChannelResource(), rows, headers)
    assert ServiceChannel.objects.get(channel__code="phone").fee_amount == Decimal("2.50")
    rows[1]["fee_amount"] = "3"
    result = import_rows(ServiceChannelResource(), rows, headers)
    assert result.totals["update"] == 1 and result.totals["skip"] == 1
    errors = rejected_errors(ServiceChannelResource(), rows + [rows[0]], headers)
    assert "row 3, service: the same service and channel as row 1 of this file" in errors


def test_life_situations_are_the_coordinators_to_import(db):
    headers = ["code", "name_lv"]
    rows = [{"code": "moving", "name_lv": "Dzīvesvietas maiņa"}, {"code": "moving", "name_lv": "Pārcelšanās"}]
    errors = rejected_errors(LifeSituationResource(), rows, headers)
    assert "row 2, code: duplicate code “moving” (already in row 1 of this file)" in errors
    editor = UserFactory(role=Role.EDITOR)
    errors = rejected_errors(LifeSituationResource(user=editor), rows[:1], headers)
    assert "row 1, code: only the coordinator may change this list" in errors
    coordinator = UserFactory(role=Role.COORDINATOR)
    import_rows(LifeSituationResource(user=coordinator), rows[:1], headers)
    assert LifeSituation.objects.get().name_lv == "Dzīvesvietas maiņa"


def test_csv_template_is_the_header_row_only(db):
    content = template_file(ServiceFigureResource, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows == [
        [
            "service",
            "provider",
            "year",
            "period_type",
            "period_number",
            "channel",
            "started",
            "completed",
            "consultations",
            "client_minutes",
            "satisfaction_responses",
            "satisfaction_mean",
            "rating_scale_min",
            "rating_scale_max",
            "is_demo",
        ]
    ]


def test_xlsx_template_has_an_empty_data_sheet_and_instructions_for_every_column(db):
    with translation.override("en"):
        content = template_file(ServiceCostResource, "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    data, instructions = workbook.worksheets
    columns = ["service", "provider", "year", "component", "channel", "amount", "is_demo"]
    assert [cell.value for cell in data[1]] == columns
    assert data.max_row == 1
    assert instructions.title == "Instructions"
    guide = {row[0]: row for row in instructions.iter_rows(min_row=2, values_only=True) if row[0] and row[1]}
    assert set(guide) == set(columns)
    assert guide["component"][1] == "yes" and guide["channel"][1] == "no"
    assert "it_systems" in guide["component"][2]
    assert "vpvkac_assisted" in guide["channel"][2] and "shared cost" in guide["channel"][2]
    assert guide["amount"][3] == "12500.00"


def test_the_xlsx_template_filled_with_its_own_examples_imports(catalogue):
    """The Instructions examples make a valid row once the codes they name exist."""
    ServiceFactory(catalogue_id="S-1001", holder=InstitutionFactory(short_name="PMLP"))
    workbook = openpyxl.load_workbook(io.BytesIO(template_file(ServiceFigureResource, "xlsx")))
    data, instructions = workbook.worksheets
    examples = {row[0]: row[3] for row in instructions.iter_rows(min_row=2, values_only=True) if row[0] and row[1]}
    data.append([examples[cell.value] for cell in data[1]])
    filled = io.BytesIO()
    workbook.save(filled)
    dataset = XLSX().create_dataset(filled.getvalue())
    result = ServiceFigureResource().import_data(dataset)
    assert not result.has_errors() and not result.has_validation_errors()
    figure = ServiceFigure.objects.get(service__catalogue_id="S-1001")
    assert (figure.channel.code, figure.completed, figure.satisfaction_mean) == ("portal", 1150, Decimal("4.3"))


def test_a_person_service_without_recipients_and_a_reversed_lifetime_are_named_by_column(service_lists):
    headers = SERVICE_HEADERS + ["for_natural_persons", "for_legal_persons", "valid_to"]
    row = service_row(for_natural_persons=0, for_legal_persons=0, valid_from="2022-01-01", valid_to="2021-12-31")
    errors = rejected_errors(ServiceResource(), [row], headers)
    assert "row 1, valid_to: the service cannot end before it starts" in errors
    assert "row 1, for_natural_persons: a service for a person needs natural or legal persons" in errors
    assert "__all__" not in errors
