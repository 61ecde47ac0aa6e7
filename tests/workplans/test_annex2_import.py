"""The Annex 2 work-plan import (workplans/resources.py): a good file creates outputs, indicators, targets,
deadlines and responsibilities; a re-sent file updates and never duplicates; a bad file names every error with its
row and column and writes nothing; only the coordinator imports."""

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from institutions.resources import ImportRejected
from tests.factories import InstitutionFactory, UserFactory
from tests.workplans.factories import ActionLineFactory, IndicatorActualFactory, MeasureFactory, PlanFactory
from workplans import resources
from workplans.models import (
    Indicator,
    IndicatorTarget,
    Measure,
    MeasureDeadline,
    MeasureResponsibility,
    Obligation,
    ResponsibilityRole,
)

LV_HEADERS = [
    "Plāns",
    "Pasākums",
    "Darbības rezultāts",
    "Darbības rezultāts (EN)",
    "Rezultatīvais rādītājs",
    "Mērvienība",
    "Bāzes gads",
    "Bāzes vērtība",
    "Mērķis 2025",
    "Mērķis 2027",
    "Izpildes termiņš",
    "Atbildīgā iestāde",
    "Līdzatbildīgās iestādes",
]
EN_HEADERS = [
    "Plan",
    "Measure",
    "Outputs",
    "Outputs (EN)",
    "Performance indicator",
    "Unit",
    "Baseline year",
    "Baseline value",
    "Target 2025",
    "Target 2027",
    "Deadlines",
    "Responsible institutions",
    "Co-responsible institutions",
]
GOOD_ROWS = [
    [
        "PVPP2027",
        "P2.3",
        "Atbilstības novērtējumi",
        "Conformity assessments",
        "Novērtējušo iestāžu īpatsvars",
        "%",
        2024,
        0,
        50,
        100,
        "2025 Q4; 12.2027 (atkārtots novērtējums)",
        "VARAM",
        "VK; VRAA",
    ],
    [
        "PVPP2027",
        "P3.1",
        "Grozīti MK noteikumi",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        datetime(2026, 6, 30),
        "VARAM",
        None,
    ],
    [
        "pvpp2027",
        "p2.1",
        "Vadlīnijas",
        None,
        "Vadlīniju skaits",
        "skaits",
        None,
        None,
        1,
        "7,6–8,7",
        "2025",
        "varam",
        "",
    ],
]


def xlsx(rows, headers=LV_HEADERS, title_rows=(), sheet_title="Darba plāns"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for line in title_rows:
        sheet.append(line)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def pvpp(db):
    """PVPP2027 (1st round) with P2.1, P2.3 (carried out in each institution), P3.1 and P4.1; VARAM, VK and VRAA,
    all bound by the 1st round."""
    plan = PlanFactory(code="PVPP2027", round_number=1)
    rv2 = ActionLineFactory(plan=plan, code="RV2", order=2)
    rv3 = ActionLineFactory(plan=plan, code="RV3", order=3)
    MeasureFactory(action_line=rv2, code="P2.1", order=1)
    MeasureFactory(action_line=rv2, code="P2.3", order=3, in_each_institution=True)
    MeasureFactory(action_line=rv3, code="P3.1", order=1)
    MeasureFactory(action_line=ActionLineFactory(plan=plan, code="RV4", order=4), code="P4.1", order=1)
    institutions = {name: InstitutionFactory(short_name=name) for name in ("VARAM", "VK", "VRAA")}
    return plan, institutions


def measure(code):
    return Measure.objects.get(code=code)


def stored_counts():
    return (
        Indicator.objects.count(),
        IndicatorTarget.objects.count(),
        MeasureDeadline.objects.count(),
        MeasureResponsibility.objects.count(),
        Obligation.objects.count(),
    )


def errors_of(content):
    with translation.override("en"), pytest.raises(ImportRejected) as rejected:
        resources.import_annex2(content)
    return rejected.value.errors


# --- a good file -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [LV_HEADERS, EN_HEADERS], ids=["latvian", "english"])
def test_a_good_file_creates_outputs_indicators_targets_deadlines_and_responsibilities(pvpp, headers):
    plan, institutions = pvpp
    outcome = resources.import_annex2(xlsx(GOOD_ROWS, headers=headers))
    p23, p31, p21 = measure("P2.3"), measure("P3.1"), measure("P2.1")
    assert (p23.outputs_lv, p23.outputs_en, p31.outputs_lv, p21.outputs_lv) == (
        "Atbilstības novērtējumi",
        "Conformity assessments",
        "Grozīti MK noteikumi",
        "Vadlīnijas",
    )
    # two rows name an indicator (P2.3, P2.1); P3.1 has none
    indicator = Indicator.objects.get(code="P2.3-1")
    assert (indicator.plan, indicator.measure, indicator.action_line) == (plan, p23, None)
    assert (indicator.name_lv, indicator.unit_lv, indicator.baseline_year, indicator.baseline_value) == (
        "Novērtējušo iestāžu īpatsvars",
        "%",
        2024,
        Decimal("0"),
    )
    assert {(t.year, t.value) for t in indicator.targets.all()} == {(2025, Decimal("50")), (2027, Decimal("100"))}
    guidelines = Indicator.objects.get(code="P2.1-1")
    ranged = guidelines.targets.get(year=2027)
    assert (ranged.value, ranged.value_min, ranged.value_max) == (None, Decimal("7.6"), Decimal("8.7"))
    # 2025 Q4 → 31.12.2025; 12.2027 → 31.12.2027 with its step; a date cell as it is; 2025 → 31.12.2025
    assert [(d.due_on, d.label_lv, d.as_written) for d in p23.deadlines.order_by("due_on")] == [
        (date(2025, 12, 31), "", "2025 Q4"),
        (date(2027, 12, 31), "atkārtots novērtējums", "12.2027"),
    ]
    assert [d.due_on for d in p31.deadlines.all()] == [date(2026, 6, 30)]
    assert [d.due_on for d in p21.deadlines.all()] == [date(2025, 12, 31)]
    assert {(r.institution.short_name, r.role) for r in p23.responsibilities.select_related("institution")} == {
        ("VARAM", ResponsibilityRole.RESPONSIBLE),
        ("VK", ResponsibilityRole.CO_RESPONSIBLE),
        ("VRAA", ResponsibilityRole.CO_RESPONSIBLE),
    }
    assert [r.institution for r in p21.responsibilities.all()] == [institutions["VARAM"]]  # "varam" matched
    # 3 measures; 2 indicators; targets 2 + 2; deadlines 2 + 1 + 1; responsibilities 3 + 1 + 1; P2.3 is carried
    # out in each of the 3 bound institutions: 3 obligations
    assert (outcome.measures, outcome.measures_updated, outcome.indicators_created, outcome.targets_created) == (
        3,
        3,
        2,
        4,
    )
    assert (outcome.deadlines, outcome.responsibilities, outcome.obligations_created) == (4, 5, 3)
    assert outcome.plans == ["PVPP2027"]
    assert stored_counts() == (2, 4, 4, 5, 3)


def test_a_re_sent_file_changes_nothing_and_a_changed_one_updates_in_place(pvpp):
    resources.import_annex2(xlsx(GOOD_ROWS))
    again = resources.import_annex2(xlsx(GOOD_ROWS))
    assert stored_counts() == (2, 4, 4, 5, 3)
    assert (again.measures_updated, again.indicators_created, again.indicators_updated) == (0, 0, 0)
    assert (again.targets_created, again.targets_updated, again.targets_removed, again.obligations_created) == (
        0,
        0,
        0,
        0,
    )
    indicator_pk = Indicator.objects.get(code="P2.3-1").pk
    # P2.3: target 2027 100 → 90, the 2025 column dropped, one deadline, VK alone responsible; P2.1 loses its
    # indicator; P3.1 as before
    headers = [header for header in LV_HEADERS if header != "Mērķis 2025"]
    changed = [
        [cell for header, cell in zip(LV_HEADERS, row, strict=True) if header != "Mērķis 2025"] for row in GOOD_ROWS
    ]
    changed[0][8:12] = [90, "2026 Q2", "VK", None]
    changed[2][4:6] = [None, None]
    changed[2][8] = None
    outcome = resources.import_annex2(xlsx(changed, headers=headers))
    indicator = Indicator.objects.get(code="P2.3-1")
    assert indicator.pk == indicator_pk  # updated, not replaced
    assert [(t.year, t.value) for t in indicator.targets.all()] == [(2027, Decimal("90"))]
    assert not Indicator.objects.filter(code="P2.1-1").exists()
    p23 = measure("P2.3")
    assert [d.due_on for d in p23.deadlines.all()] == [date(2026, 6, 30)]
    assert [(r.institution.short_name, r.role) for r in p23.responsibilities.all()] == [
        ("VK", ResponsibilityRole.RESPONSIBLE)
    ]
    # targets: P2.3 2027 changed; P2.3 2025 removed (P2.1's went with its indicator)
    assert (outcome.targets_updated, outcome.targets_removed, outcome.indicators_removed) == (1, 1, 1)
    # indicators 1; targets 1; deadlines 1 + 1 + 1; responsibilities 1 + 1 + 1; obligations stay 3
    assert stored_counts() == (1, 1, 3, 3, 3)


def test_the_header_row_may_follow_a_title_and_rows_are_numbered_as_the_spreadsheet_shows(pvpp):
    content = xlsx([GOOD_ROWS[0], ["PVPP2027", "P9.9"]], title_rows=[["PVPP2027 2. pielikums “Darba plāns”"], []])
    # title row 1, empty row 2, header row 3, data rows 4 and 5
    assert errors_of(content) == ["row 5, Pasākums: unknown measure “P9.9” in plan PVPP2027"]


# --- a bad file --------------------------------------------------------------------------------------------------


def test_a_bad_file_lists_every_error_with_row_and_column_and_writes_nothing(pvpp):
    empty = [None] * len(LV_HEADERS)
    rows = [
        GOOD_ROWS[0],  # row 2: good
        ["PVPP2027", "P9.9", *empty[2:]],  # row 3
        ["PVPP2027", "P3.1", *empty[2:9], 5, None, "XYZ", None],  # row 4: a target without an indicator
        ["PVPP2027", "P2.1", None, None, "Rādītājs", "%", None, None, "daudz", None, "31.13.2025", None, None],
        ["PVPP2027", "P2.3", *empty[2:]],  # row 6: P2.3 again
        ["PVPP2026", "P2.3", *empty[2:]],  # row 7
        ["PVPP2027", "P4.1", None, None, "Rādītājs", None, 1890, "x", None, None, None, "VK", "VK"],  # row 8
    ]
    before = (stored_counts(), measure("P2.3").outputs_lv)
    assert errors_of(xlsx(rows)) == [
        "row 3, Pasākums: unknown measure “P9.9” in plan PVPP2027",
        "row 4, Mērķis 2027: a target needs an indicator name",
        "row 4, Atbildīgā iestāde: unknown institution short name “XYZ”",
        "row 5, Mērķis 2025: “daudz” is not a number",
        "row 5, Izpildes termiņš: “31.13.2025” is not a date (write 31.12.2025, 2025-12-31, 12.2025, 2025 Q4 or 2025)",
        "row 6, Pasākums: “P2.3” is already in row 2",
        "row 7, Plāns: unknown plan “PVPP2026”",
        "row 8, Bāzes gads: “1890” is not a year",
        "row 8, Bāzes vērtība: “x” is not a number",
        "row 8, Mērvienība: an indicator needs a unit",
        "row 8, Līdzatbildīgās iestādes: VK is already responsible for the measure",
    ]
    # nothing written, not even the good row 2
    assert (stored_counts(), measure("P2.3").outputs_lv) == before == ((0, 0, 0, 0, 0), "")


def test_a_file_without_the_measure_column_or_not_xlsx_is_rejected(pvpp):
    assert errors_of(xlsx([["PVPP2027", "P2.3"]], headers=["Plāns", "Kods"])) == [
        "no header row with a column “Pasākums” (“Measure”): is it the work-plan file?"
    ]
    assert errors_of(xlsx([["P2.3"]], headers=["Pasākums"])) == ["the file has no column “Plāns” (“Plan”)"]
    assert errors_of(b"not a spreadsheet") == ["the file cannot be read as XLSX"]


def test_an_indicator_with_reported_actuals_is_not_removed(pvpp):
    resources.import_annex2(xlsx(GOOD_ROWS))
    IndicatorActualFactory(indicator=Indicator.objects.get(code="P2.3-1"), year=2025)
    without = [list(GOOD_ROWS[0])]
    without[0][4:10] = [None] * 6
    assert errors_of(xlsx(without)) == [
        "row 2, Rezultatīvais rādītājs: the indicator P2.3-1 has reported actuals and cannot be removed"
    ]
    assert Indicator.objects.filter(code="P2.3-1").exists()


@pytest.mark.parametrize(
    ("text", "due", "label"),
    [
        ("31.12.2025", date(2025, 12, 31), ""),
        ("2025-03-15", date(2025, 3, 15), ""),
        ("02.2024", date(2024, 2, 29), ""),  # leap year: the month's last day
        ("2026 Q1", date(2026, 3, 31), ""),
        ("Q3 2026", date(2026, 9, 30), ""),
        ("2027.", date(2027, 12, 31), ""),
        ("2025 Q4 (normatīvais regulējums)", date(2025, 12, 31), "normatīvais regulējums"),
    ],
)
def test_deadline_formats(text, due, label):
    parsed_due, _as_written, parsed_label = resources.parse_deadline(text)
    assert (parsed_due, parsed_label) == (due, label)


@pytest.mark.parametrize("text", ["31.13.2025", "2025 Q5", "13.2025", "soon", "1800"])
def test_bad_deadlines_are_refused(text):
    with pytest.raises(ValueError):
        resources.parse_deadline(text)


# --- the template and the page -----------------------------------------------------------------------------------


def test_the_template_has_the_headers_and_an_example_row_that_imports(pvpp):
    book = openpyxl.load_workbook(io.BytesIO(resources.template_file()))
    sheet = book["Darba plāns"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Plāns", "Pasākums") and "Mērķis 2025" in rows[0] and len(rows) == 2
    assert len(book.sheetnames) == 2  # the sheet explaining the columns
    outcome = resources.import_annex2(resources.template_file())
    assert (outcome.indicators_created, outcome.targets_created, outcome.deadlines, outcome.responsibilities) == (
        1,
        2,
        2,
        3,
    )


@pytest.fixture
def coordinator(db):
    return UserFactory(role=Role.COORDINATOR)


def upload(content, name="darba-plans.xlsx"):
    return SimpleUploadedFile(
        name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_the_coordinator_imports_a_file_on_the_page(client, coordinator, pvpp):
    client.force_login(coordinator)
    assert client.get(reverse("workplans:annex2-import")).status_code == 200
    response = client.post(reverse("workplans:annex2-import"), {"file": upload(xlsx(GOOD_ROWS))})
    assert response.status_code == 200
    assert response.context["outcome"].indicators_created == 2
    assert stored_counts() == (2, 4, 4, 5, 3)
    template = client.get(reverse("workplans:annex2-template"))
    assert template.status_code == 200 and "annex2-work-plan-template.xlsx" in template["Content-Disposition"]


def test_a_bad_file_on_the_page_lists_the_errors(client, coordinator, pvpp):
    client.force_login(coordinator)
    with translation.override("en"):
        url = reverse("workplans:annex2-import")
    response = client.post(url, {"file": upload(xlsx([["PVPP2027", "P9.9"]]))})
    assert response.status_code == 400
    assert response.context["errors"] == ["row 2, Pasākums: unknown measure “P9.9” in plan PVPP2027"]
    assert "row 2, Pasākums: unknown measure “P9.9” in plan PVPP2027" in response.content.decode()
    assert stored_counts() == (0, 0, 0, 0, 0)
    assert client.post(reverse("workplans:annex2-import"), {"file": upload(b"x", "plan.csv")}).status_code == 400


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER, Role.EXPERT])
def test_only_the_coordinator_may_import(client, pvpp, role):
    client.force_login(UserFactory(role=role, member_of=[pvpp[1]["VARAM"]]))
    assert client.get(reverse("workplans:annex2-import")).status_code == 403
    assert client.post(reverse("workplans:annex2-import"), {"file": upload(xlsx(GOOD_ROWS))}).status_code == 403
    assert client.get(reverse("workplans:annex2-template")).status_code == 403
    assert stored_counts() == (0, 0, 0, 0, 0)
