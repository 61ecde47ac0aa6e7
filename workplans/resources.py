"""Import of a plan's work plan (PVPP2027 Annex 2, "Darba plāns") from its XLSX file: per measure its outputs,
performance indicator with baseline and targets, deadlines and responsible and co-responsible institutions.

The sheet "Darba plāns" (or "Work plan", else the first sheet) has a header row — the first row, or the first of
the top ten rows that names the measure column — and then one row per measure. Columns, in any order, headed in
Latvian or English (case and a trailing “:” or “*” do not matter; other columns are ignored):

    Plāns / Plan                                        the plan's code, e.g. PVPP2027 (required)
    Pasākums / Measure                                  the measure's code, e.g. P2.3 (required)
    Darbības rezultāts / Outputs                        outputs in Latvian; "… (EN)" / "Outputs (EN)": in English
    Rezultatīvais rādītājs / Performance indicator      the indicator's name; "… (EN)": in English
    Mērvienība / Unit                                   the indicator's unit (required with an indicator)
    Bāzes gads / Baseline year, Bāzes vērtība / Baseline value
    Mērķis 2025 / Target 2025, Mērķis 2027 …            a target per year: a number or a range "7,6–8,7"
    Izpildes termiņš / Deadlines                        one or more, ";"-separated: 31.12.2025, 2025-12-31,
                                                        12.2025 (end of the month), 2025 Q4 (end of the
                                                        quarter) or 2025 (end of the year); a step may follow
                                                        in brackets: "2025 Q4 (regulation)"
    Atbildīgā iestāde / Responsible institutions        short names, ";"-separated
    Līdzatbildīgās iestādes / Co-responsible institutions

Every row is checked before anything is written, and a file with any bad row writes nothing; each problem reads
“row N, column: reason”, N being the row number the spreadsheet shows and the column its header in the file.
Sending the file again updates and never duplicates: a measure's indicator is keyed by a code derived from the
measure's (P2.3 → "P2.3-1"), its targets by year, and a measure's deadlines and responsibilities are replaced by
the file's. A row whose indicator cell is empty removes the derived indicator (unless actuals were reported on
it). After the import the plan's institution obligations are brought up to date (workplans/obligations.py).
"""

import io
import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import openpyxl
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.styles import Alignment, Font

from assessments.resources import RowError, _decimal, _text, _whole
from config.exports import save_workbook
from institutions.models import Institution
from institutions.resources import ImportRejected

from .models import (
    Indicator,
    IndicatorTarget,
    Measure,
    MeasureDeadline,
    MeasureResponsibility,
    Plan,
    ResponsibilityRole,
)
from .obligations import sync_obligations

SHEET_NAMES = ("darba plāns", "work plan")
LIST_SEPARATOR = ";"
HEADER_SEARCH_ROWS = 10
ERRORS_SHOWN = 200
EXAMPLE_TARGET_YEARS = (2025, 2027)


@dataclass(frozen=True)
class Column:
    key: str
    header_lv: str
    header_en: str
    aliases: tuple  # further accepted headers, normalised
    description: str
    required: bool = False

    def headers(self):
        return {normalise(self.header_lv), normalise(self.header_en), *self.aliases}


COLUMNS = (
    Column("plan", "Plāns", "Plan", ("plāna kods", "plan code"), gettext_lazy("The plan's code, e.g. PVPP2027."), True),
    Column(
        "measure",
        "Pasākums",
        "Measure",
        ("pasākuma kods", "pasākuma nr.", "pasākuma nr", "measure code"),
        gettext_lazy("The measure's code in the plan, e.g. P2.3; one row per measure."),
        True,
    ),
    Column(
        "outputs_lv",
        "Darbības rezultāts",
        "Outputs",
        ("darbības rezultāti", "darbības rezultāts (lv)", "outputs (lv)", "output"),
        gettext_lazy("The measure's outputs, in Latvian."),
    ),
    Column(
        "outputs_en",
        "Darbības rezultāts (EN)",
        "Outputs (EN)",
        ("darbības rezultāti (en)", "outputs (english)"),
        gettext_lazy("The outputs in English (optional)."),
    ),
    Column(
        "indicator_lv",
        "Rezultatīvais rādītājs",
        "Performance indicator",
        ("rādītājs", "indicator", "indicator (lv)", "rezultatīvais rādītājs (lv)"),
        gettext_lazy("The measure's performance indicator, in Latvian. Empty: the measure has none."),
    ),
    Column(
        "indicator_en",
        "Rezultatīvais rādītājs (EN)",
        "Performance indicator (EN)",
        ("rādītājs (en)", "indicator (en)", "indicator (english)"),
        gettext_lazy("The indicator's name in English (optional)."),
    ),
    Column(
        "unit_lv",
        "Mērvienība",
        "Unit",
        ("unit (lv)", "mērvienība (lv)"),
        gettext_lazy("The indicator's unit, e.g. per cent or number; required with an indicator."),
    ),
    Column(
        "unit_en", "Mērvienība (EN)", "Unit (EN)", ("unit (english)",), gettext_lazy("The unit in English (optional).")
    ),
    Column(
        "baseline_year",
        "Bāzes gads",
        "Baseline year",
        ("bāzes vērtības gads",),
        gettext_lazy("The year of the baseline value."),
    ),
    Column(
        "baseline_value",
        "Bāzes vērtība",
        "Baseline value",
        ("baseline",),
        gettext_lazy("The indicator's baseline value (a number)."),
    ),
    Column(
        "deadlines",
        "Izpildes termiņš",
        "Deadlines",
        ("izpildes termiņi", "termiņš", "termiņi", "deadline"),
        gettext_lazy(
            "One or more deadlines separated by “;”: 31.12.2025, 2025-12-31, 12.2025 (end of the month), 2025 Q4 "
            "(end of the quarter) or 2025 (end of the year); a step may follow in brackets, e.g. “2025 Q4 "
            "(regulation)”. The file's deadlines replace the measure's."
        ),
    ),
    Column(
        "responsible",
        "Atbildīgā iestāde",
        "Responsible institutions",
        ("atbildīgās iestādes", "atbildīgais", "atbildīgā institūcija", "responsible institution", "responsible"),
        gettext_lazy("Short names of the responsible institutions, separated by “;”."),
    ),
    Column(
        "co_responsible",
        "Līdzatbildīgās iestādes",
        "Co-responsible institutions",
        (
            "līdzatbildīgā iestāde",
            "līdzatbildīgie",
            "līdzatbildīgā institūcija",
            "līdzatbildīgās institūcijas",
            "co-responsible institution",
            "co-responsible",
        ),
        gettext_lazy("Short names of the co-responsible institutions, separated by “;”."),
    ),
)
TARGET_HEADER = re.compile(r"^(?:mērķis|mērķa vērtība|target|target value)\s*(\d{4})(?:\.?\s*g\.?)?$")
TARGET_DESCRIPTION = gettext_lazy(
    "“Mērķis 2025” / “Target 2025”, one column per year: the indicator's target of that year, a number or a range "
    "such as 7,6–8,7."
)
RANGE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*[–—-]\s*(\d+(?:[.,]\d+)?)\s*$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$")
MONTH = re.compile(r"^(\d{1,2})[./](\d{4})\.?$")
QUARTER = re.compile(r"^(?:(\d{4})\.?\s*[-/]?\s*Q([1-4])|Q([1-4])\s*[-/]?\s*(\d{4}))$", re.IGNORECASE)
YEAR = re.compile(r"^(\d{4})\.?$")
LABELLED = re.compile(r"^(.*?)\s*\((.+)\)$")


def normalise(header):
    """A header as compared: lower case, single spaces, without a trailing “:” or “*”."""
    return " ".join(_text(header).lower().split()).rstrip(":*").strip()


def indicator_code(measure_code):
    """The code of a measure's indicator imported from the work plan: P2.3 → "P2.3-1"."""
    return f"{measure_code}-1"


# --- cells ---------------------------------------------------------------------------------------------------------


def _last_day(year, month):
    return date(year, month, monthrange(year, month)[1])


def parse_deadline(value):
    """One deadline cell part as (due date, as written, step label); raises ValueError for a bad one."""
    if isinstance(value, datetime):
        return value.date(), value.date().strftime("%d.%m.%Y"), ""
    if isinstance(value, date):
        return value, value.strftime("%d.%m.%Y"), ""
    text = _text(value)
    label = ""
    labelled = LABELLED.match(text)
    if labelled:
        text, label = labelled.group(1).strip(), labelled.group(2).strip()
    try:
        if match := ISO_DATE.match(text):
            due = date(int(match[1]), int(match[2]), int(match[3]))
        elif match := DOTTED_DATE.match(text):
            due = date(int(match[3]), int(match[2]), int(match[1]))
        elif match := MONTH.match(text):
            due = _last_day(int(match[2]), int(match[1]))
        elif match := QUARTER.match(text):
            year, quarter = (match[1], match[2]) if match[1] else (match[4], match[3])
            due = _last_day(int(year), 3 * int(quarter))
        elif match := YEAR.match(text):
            due = date(int(match[1]), 12, 31)
        else:
            raise ValueError(text)
    except ValueError:
        raise ValueError(text) from None
    if not 1990 <= due.year <= 2100:
        raise ValueError(text)
    return due, text, label


def _deadlines(row, column):
    value = row.get(column)
    if isinstance(value, (date, datetime)):
        parts = [value]
    else:
        parts = [part.strip() for part in _text(value).split(LIST_SEPARATOR) if part.strip()]
    deadlines = {}
    for part in parts:
        try:
            due, as_written, label = parse_deadline(part)
        except ValueError:
            raise RowError(
                column,
                _("“%(value)s” is not a date (write 31.12.2025, 2025-12-31, 12.2025, 2025 Q4 or 2025)")
                % {"value": _text(part)},
            ) from None
        if len(label) > MeasureDeadline._meta.get_field("label_lv").max_length:
            raise RowError(column, _("the step of “%(value)s” is too long") % {"value": as_written})
        if (due, label) in deadlines:
            raise RowError(column, _("the deadline “%(value)s” is given twice") % {"value": as_written})
        deadlines[(due, label)] = as_written
    return [(due, label, as_written) for (due, label), as_written in deadlines.items()]


def _value(row, column):
    """A target cell: {value} or {value_min, value_max} for a range "7,6–8,7", or None when empty."""
    text = _text(row.get(column))
    if not isinstance(row.get(column), (int, float, Decimal)) and (match := RANGE.match(text)):
        low, high = (Decimal(part.replace(",", ".")) for part in match.groups())
        if high < low:
            raise RowError(column, _("the range “%(value)s” ends below its start") % {"value": text})
        return {"value": None, "value_min": low, "value_max": high}
    number = _decimal(row, column)
    return None if number is None else {"value": number, "value_min": None, "value_max": None}


def _names(row, column):
    """The ";"-separated short names of a cell, each once, in order."""
    names = [name.strip() for name in _text(row.get(column)).split(LIST_SEPARATOR)]
    return list(dict.fromkeys(name for name in names if name))


# --- rows → checked work plan ------------------------------------------------------------------------------------


@dataclass
class MeasureRow:
    number: int
    measure: Measure
    outputs_lv: str
    outputs_en: str
    indicator: dict | None  # the indicator's fields, or None: the measure has none
    targets: dict  # year → value fields
    deadlines: list  # (due on, step label, as written)
    responsible: list  # institutions
    co_responsible: list


class _Parser:
    """Checks the rows of one file against the database; collects every problem instead of stopping."""

    def __init__(self, headers, target_years):
        self.headers = headers  # key → the header as written in the file
        self.target_years = target_years
        self.errors = []
        self.rows = []
        self.seen = {}  # (plan code, measure code) → row number

    def error(self, number, key, reason):
        column = self.headers.get(key, key)
        self.errors.append(_("row %(row)s, %(field)s: %(reason)s") % {"row": number, "field": column, "reason": reason})

    def parse(self, numbered_rows):
        numbered_rows = list(numbered_rows)
        self._load(numbered_rows)
        for number, row in numbered_rows:
            self._row(number, row)
        if not numbered_rows:
            self.errors.append(_("the file has no rows below its header"))
        if self.errors:
            if len(self.errors) > ERRORS_SHOWN:
                more = len(self.errors) - ERRORS_SHOWN
                self.errors = self.errors[:ERRORS_SHOWN] + [_("… and %(count)s more") % {"count": more}]
            raise ImportRejected("Annex 2", self.errors)
        return self.rows

    def _load(self, numbered_rows):
        """The plans, measures, institutions and indicators the file names, each looked up once."""
        self.plans = {plan.code.lower(): plan for plan in Plan.objects.all()}
        named_plans = [
            self.plans[code] for code in {_text(r.get("plan")).lower() for _n, r in numbered_rows} if code in self.plans
        ]
        self.measures = {}
        for measure in Measure.objects.filter(action_line__plan__in=named_plans).select_related("action_line__plan"):
            self.measures.setdefault((measure.action_line.plan_id, measure.code.lower()), []).append(measure)
        names = set()
        for _number, row in numbered_rows:
            names.update(_names(row, "responsible") + _names(row, "co_responsible"))
        self.institutions = {}
        for institution in Institution.objects.filter(short_name__in=names):
            self.institutions[institution.short_name] = institution
        lowered = {name.lower() for name in names if name not in self.institutions}
        if lowered:
            for institution in Institution.objects.all().only("pk", "short_name", "name_lv"):
                if institution.short_name.lower() in lowered:
                    self.institutions.setdefault(institution.short_name.lower(), institution)
        self.reported = set(
            Indicator.objects.filter(plan__in=named_plans)
            .annotate(actual_count=Count("actuals"))
            .filter(actual_count__gt=0)
            .values_list("plan_id", "code")
        )

    def _cell(self, number, parse, *args):
        """parse(*args), or None with the problem recorded."""
        try:
            return parse(*args)
        except RowError as problem:
            self.error(number, problem.column, problem.reason)
            return None

    def _plan(self, row):
        code = _text(row.get("plan"))
        if not code:
            raise RowError("plan", _("a plan code is required"))
        plan = self.plans.get(code.lower())
        if plan is None:
            raise RowError("plan", _("unknown plan “%(value)s”") % {"value": code})
        return plan

    def _measure(self, row, plan, number):
        code = _text(row.get("measure"))
        if not code:
            raise RowError("measure", _("a measure code is required"))
        found = self.measures.get((plan.pk, code.lower()), [])
        if not found:
            raise RowError(
                "measure", _("unknown measure “%(value)s” in plan %(plan)s") % {"value": code, "plan": plan.code}
            )
        if len(found) > 1:
            raise RowError("measure", _("the code “%(value)s” names more than one measure") % {"value": code})
        key = (plan.pk, found[0].pk)
        if key in self.seen:
            raise RowError(
                "measure", _("“%(value)s” is already in row %(row)s") % {"value": code, "row": self.seen[key]}
            )
        self.seen[key] = number
        return found[0]

    def _institutions(self, row, column):
        institutions = []
        for name in _names(row, column):
            institution = self.institutions.get(name) or self.institutions.get(name.lower())
            if institution is None:
                raise RowError(column, _("unknown institution short name “%(value)s”") % {"value": name})
            institutions.append(institution)
        return institutions

    def _indicator(self, row, number):
        name = _text(row.get("indicator_lv"))
        fields = {
            "name_lv": name,
            "name_en": _text(row.get("indicator_en")),
            "unit_lv": _text(row.get("unit_lv")),
            "unit_en": _text(row.get("unit_en")),
            "baseline_year": self._cell(number, self._year, row),
            "baseline_value": self._cell(number, _decimal, row, "baseline_value"),
        }
        for key, model_field in (("indicator_lv", "name_lv"), ("indicator_en", "name_en"), ("unit_lv", "unit_lv")):
            limit = Indicator._meta.get_field(model_field).max_length
            if len(fields[model_field]) > limit:
                self.error(number, key, _("longer than %(limit)s characters") % {"limit": limit})
        if name and not fields["unit_lv"]:
            self.error(number, "unit_lv", _("an indicator needs a unit"))
        if not name:
            for key in ("indicator_en", "unit_lv", "unit_en", "baseline_year", "baseline_value"):
                if _text(row.get(key)):
                    self.error(number, key, _("given without an indicator name"))
            return None
        return fields

    def _year(self, row):
        year = _whole(row, "baseline_year")
        if year is not None and not 1990 <= year <= 2100:
            raise RowError("baseline_year", _("“%(value)s” is not a year") % {"value": _text(row.get("baseline_year"))})
        return year

    def _row(self, number, row):
        errors_before = len(self.errors)
        plan = self._cell(number, self._plan, row)
        measure = self._cell(number, self._measure, row, plan, number) if plan else None
        indicator = self._indicator(row, number)
        targets = {}
        for year in self.target_years:
            value = self._cell(number, _value, row, ("target", year))
            if value is None:
                continue
            if indicator is None:
                self.error(number, ("target", year), _("a target needs an indicator name"))
            targets[year] = value
        deadlines = self._cell(number, _deadlines, row, "deadlines") or []
        responsible = self._cell(number, self._institutions, row, "responsible") or []
        co_responsible = self._cell(number, self._institutions, row, "co_responsible") or []
        for institution in set(responsible) & set(co_responsible):
            self.error(
                number,
                "co_responsible",
                _("%(institution)s is already responsible for the measure") % {"institution": institution.short_name},
            )
        if measure is not None and indicator is None and (plan.pk, indicator_code(measure.code)) in self.reported:
            self.error(
                number,
                "indicator_lv",
                _("the indicator %(code)s has reported actuals and cannot be removed")
                % {"code": indicator_code(measure.code)},
            )
        if len(self.errors) > errors_before:
            return
        self.rows.append(
            MeasureRow(
                number=number,
                measure=measure,
                outputs_lv=_text(row.get("outputs_lv")),
                outputs_en=_text(row.get("outputs_en")),
                indicator=indicator,
                targets=targets,
                deadlines=deadlines,
                responsible=responsible,
                co_responsible=co_responsible,
            )
        )


# --- writing -------------------------------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    """What an import changed; `unchanged` counts indicators and targets the file left as they were."""

    measures: int = 0
    measures_updated: int = 0
    indicators_created: int = 0
    indicators_updated: int = 0
    indicators_removed: int = 0
    targets_created: int = 0
    targets_updated: int = 0
    targets_removed: int = 0
    deadlines: int = 0
    responsibilities: int = 0
    obligations_created: int = 0
    plans: list = field(default_factory=list)

    def as_list(self):
        """(label, count) for the import page."""
        return [
            (_("measures in the file"), self.measures),
            (_("measures whose outputs changed"), self.measures_updated),
            (_("indicators created"), self.indicators_created),
            (_("indicators changed"), self.indicators_updated),
            (_("indicators removed"), self.indicators_removed),
            (_("targets created"), self.targets_created),
            (_("targets changed"), self.targets_updated),
            (_("targets removed"), self.targets_removed),
            (_("deadlines written"), self.deadlines),
            (_("responsible institutions written"), self.responsibilities),
            (_("institution obligations created"), self.obligations_created),
        ]


def _save_changed(instance, fields, outcome_fields):
    """Set `fields` on a stored instance; save and return True only when one of them differs."""
    changed = [name for name, value in fields.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, fields[name])
    if changed:
        instance.save(update_fields=changed + outcome_fields)
    return bool(changed)


def _write_indicator(row, outcome):
    measure = row.measure
    plan = measure.action_line.plan
    code = indicator_code(measure.code)
    indicator = Indicator.objects.filter(plan=plan, code=code).first()
    if row.indicator is None:
        if indicator is not None:
            indicator.delete()
            outcome.indicators_removed += 1
        return
    fields = {**row.indicator, "measure": measure, "action_line": None, "order": measure.order}
    if indicator is None:
        indicator = Indicator.objects.create(plan=plan, code=code, **fields)
        outcome.indicators_created += 1
    elif _save_changed(indicator, fields, []):
        outcome.indicators_updated += 1
    existing = {target.year: target for target in indicator.targets.all()}
    for year, values in row.targets.items():
        target = existing.pop(year, None)
        if target is None:
            IndicatorTarget.objects.create(indicator=indicator, year=year, **values)
            outcome.targets_created += 1
        elif _save_changed(target, values, []):
            outcome.targets_updated += 1
    if existing:
        IndicatorTarget.objects.filter(pk__in=[target.pk for target in existing.values()]).delete()
        outcome.targets_removed += len(existing)


def _write_row(row, outcome):
    measure = row.measure
    if _save_changed(measure, {"outputs_lv": row.outputs_lv, "outputs_en": row.outputs_en}, ["updated_at"]):
        outcome.measures_updated += 1
    _write_indicator(row, outcome)
    measure.deadlines.all().delete()
    MeasureDeadline.objects.bulk_create(
        MeasureDeadline(measure=measure, due_on=due, label_lv=label, as_written=as_written[:60])
        for due, label, as_written in row.deadlines
    )
    outcome.deadlines += len(row.deadlines)
    measure.responsibilities.all().delete()
    responsibilities = [
        MeasureResponsibility(measure=measure, institution=institution, role=role)
        for role, institutions in (
            (ResponsibilityRole.RESPONSIBLE, row.responsible),
            (ResponsibilityRole.CO_RESPONSIBLE, row.co_responsible),
        )
        for institution in institutions
    ]
    MeasureResponsibility.objects.bulk_create(responsibilities)
    outcome.responsibilities += len(responsibilities)


# --- files ---------------------------------------------------------------------------------------------------------


def _header_map(header_cells):
    """{key: header as written} of a header row, and the target years; ImportRejected for a header twice or a
    required column missing."""
    known = {}
    for column in COLUMNS:
        for header in column.headers():
            known[header] = column.key
    headers, target_years, problems = {}, [], []
    positions = {}
    for position, cell in enumerate(header_cells):
        text = normalise(cell)
        if not text:
            continue
        key = known.get(text)
        if key is None and (match := TARGET_HEADER.match(text)):
            key = ("target", int(match[1]))
            target_years.append(int(match[1]))
        if key is None:
            continue
        if key in headers:
            problems.append(
                _("the columns “%(first)s” and “%(second)s” are the same column")
                % {"first": headers[key], "second": _text(cell)}
            )
            continue
        headers[key] = _text(cell)
        positions[position] = key
    for column in COLUMNS:
        if column.required and column.key not in headers:
            problems.append(
                _("the file has no column “%(lv)s” (“%(en)s”)") % {"lv": column.header_lv, "en": column.header_en}
            )
    if problems:
        raise ImportRejected("Annex 2", problems)
    return headers, positions, sorted(target_years)


def _header_row(lines):
    """The index of the header row: the first of the top rows that names the measure column."""
    measure_headers = next(column for column in COLUMNS if column.key == "measure").headers()
    for index, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        if any(normalise(cell) in measure_headers for cell in line):
            return index
    raise ImportRejected(
        "Annex 2", [_("no header row with a column “Pasākums” (“Measure”): is it the work-plan file?")]
    )


def read_rows(content):
    """(headers, target years, numbered rows) of an XLSX file's bytes; rows are numbered as the spreadsheet
    shows them."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a file that is not XLSX
        raise ImportRejected("Annex 2", [_("the file cannot be read as XLSX")]) from None
    sheets = {sheet.title.strip().lower(): sheet for sheet in workbook.worksheets}
    sheet = next((sheets[name] for name in SHEET_NAMES if name in sheets), workbook.worksheets[0])
    lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    workbook.close()
    if not lines:
        raise ImportRejected("Annex 2", [_("the file is empty")])
    header_index = _header_row(lines)
    headers, positions, target_years = _header_map(lines[header_index])
    numbered = []
    for offset, cells in enumerate(lines[header_index + 1 :], start=header_index + 2):
        if all(_text(cell) == "" for cell in cells):
            continue
        numbered.append(
            (offset, {key: cells[position] for position, key in positions.items() if position < len(cells)})
        )
    return headers, target_years, numbered


def check_rows(content):
    """The checked rows of a file; ImportRejected names every problem."""
    headers, target_years, numbered = read_rows(content)
    return _Parser(headers, target_years).parse(numbered)


@transaction.atomic
def import_annex2(content):
    """Import a work-plan file's bytes; returns an ImportOutcome. Nothing is written when any row is bad."""
    rows = check_rows(content)
    outcome = ImportOutcome(measures=len(rows))
    for row in rows:
        _write_row(row, outcome)
    plans = {row.measure.action_line.plan.pk: row.measure.action_line.plan for row in rows}
    for plan in plans.values():
        outcome.obligations_created += sync_obligations(plan)
    outcome.plans = sorted(plan.code for plan in plans.values())
    return outcome


# --- the template ----------------------------------------------------------------------------------------------------


def column_guide():
    """(Latvian header, English header, meaning, required) of every column, for the import page and template."""
    guide = [(column.header_lv, column.header_en, str(column.description), column.required) for column in COLUMNS]
    guide.insert(10, ("Mērķis <gads>", "Target <year>", str(TARGET_DESCRIPTION), False))
    return guide


def template_headers():
    """The template's header row, in Latvian, with target columns for the example years."""
    headers = [column.header_lv for column in COLUMNS]
    targets = [f"Mērķis {year}" for year in EXAMPLE_TARGET_YEARS]
    return headers[:10] + targets + headers[10:]


EXAMPLE_ROW = (
    "PVPP2027",
    "P2.3",
    "Iestāžu atbilstības novērtējumi",
    "Conformity assessments of the institutions",
    "Iestāžu īpatsvars, kas novērtējušas atbilstību",
    "Share of institutions that assessed their conformity",
    "%",
    "%",
    2024,
    0,
    50,
    100,
    "2025 Q4; 12.2027 (atkārtots novērtējums)",
    "VARAM",
    "VK; VRAA",
)


def template_file():
    """An XLSX work-plan template: the header row and one example row, and a sheet explaining each column."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Darba plāns"
    sheet.append(template_headers())
    sheet.append(list(EXAMPLE_ROW))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index in range(1, len(EXAMPLE_ROW) + 1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = 22
    sheet.freeze_panes = "C2"
    guide = workbook.create_sheet(_("Instructions")[:31])
    guide.append([_("Column (Latvian)"), _("Column (English)"), _("Meaning"), _("Required")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for header_lv, header_en, meaning, required in column_guide():
        guide.append([header_lv, header_en, meaning, _("Yes") if required else _("No")])
    guide.append([])
    for line in (
        _("One row per measure. Headers may be in Latvian or English, in any order; other columns are ignored."),
        _(
            "Every row is checked first: a file with any error writes nothing, and each error names its row (as the "
            "spreadsheet numbers it) and column."
        ),
        _(
            "Sending the file again updates the measures: the indicator of measure P2.3 is P2.3-1, targets are kept "
            "per year, and the deadlines and responsible institutions in the file replace the measure's."
        ),
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["B"].width = 28
    guide.column_dimensions["C"].width = 90
    buffer = io.BytesIO()
    save_workbook(workbook, buffer)
    return buffer.getvalue()
