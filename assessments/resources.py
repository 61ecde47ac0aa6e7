"""Import and export of one methodology version as an XLSX or CSV file.

The file is one sheet (XLSX: the sheet “methodology”; an “instructions” sheet beside it explains the columns),
one row per element, in the order methodology, then each area followed by its questions, each question
followed by its options and bands:

    kind          methodology | area | question | option | band
    area          the area's code (every row but the methodology's)
    question      the question's code (question, option and band rows)
    option        the option's code (option rows)
    order         the position among its siblings (blank: the position in the file)
    text_lv/_en   the name of the methodology, area or option; the question itself
    help_lv/_en   the methodology's description; the question's help text
    family, version, year, defaults_note                        methodology rows
    weight, scored                                              area rows
    threshold_2 … threshold_5                                   methodology and area rows (0–100)
    question_type, mandatory, allows_not_applicable,
    evidence_required, max_points                               question rows
    points                                                      option and band rows
    lower, upper                                                band rows (upper blank: no upper bound)

The methodology row's family and version name the version the file is for: importing creates that version or
brings it in line with the file — elements missing from the file are deleted, so a re-imported file updates and
never duplicates. Changing the version number imports the file as a new version. Yes/no cells take 1/0,
yes/no, jā/nē; codes and choices (family, question type) may be given by code or by label.

Every row is checked before anything is written, and a file with any bad row writes nothing; each problem is
named as “row N, column: reason”, with N counting the data rows from 1. A frozen version is refused
(assessments/methodologies.py). The shipped reference files (assessments/reference/*.json) are loaded through
the same checks: `definition_from_tree` turns a tree into the same rows first.
"""

import csv
import io
from collections import Counter
from decimal import Decimal, InvalidOperation

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exports import csv_writer, restore, save_workbook
from institutions.resources import ImportRejected

from .methodologies import (
    AREA_FIELDS,
    BAND_FIELDS,
    OPTION_FIELDS,
    QUESTION_FIELDS,
    THRESHOLD_FIELDS,
    AreaDefinition,
    Definition,
    QuestionDefinition,
    tree_of,
    write_definition,
)
from .models import BANDED_TYPES, CHOICE_TYPES, Area, Band, Family, Methodology, Option, Question, QuestionType

FILE_FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
SHEET = "methodology"
INSTRUCTIONS_SHEET = "instructions"

KINDS = ("methodology", "area", "question", "option", "band")

COLUMNS = {
    "kind": gettext_lazy("What the row is: methodology, area, question, option or band."),
    "area": gettext_lazy("The area's code (every row but the methodology's)."),
    "question": gettext_lazy("The question's code (question, option and band rows)."),
    "option": gettext_lazy("The option's code (option rows)."),
    "order": gettext_lazy("The position among its siblings; blank: the position in the file."),
    "text_lv": gettext_lazy("Latvian: the name of the methodology, area or option; the question itself."),
    "text_en": gettext_lazy("English: the name of the methodology, area or option; the question itself."),
    "help_lv": gettext_lazy("Latvian: the methodology's description; the question's help text."),
    "help_en": gettext_lazy("English: the methodology's description; the question's help text."),
    "family": gettext_lazy("Methodology row: eindex_institution, eindex_municipality or conformity."),
    "version": gettext_lazy("Methodology row: the version number; a new number imports a new version."),
    "year": gettext_lazy("Methodology row: the year the methodology is for."),
    "defaults_note": gettext_lazy("Methodology row: which weights and thresholds are assumed defaults."),
    "weight": gettext_lazy("Area row: the area's weight in the overall score (0 or more)."),
    "scored": gettext_lazy("Area row: 1 if the area has a score, 0 for context questions only."),
    "threshold_2": gettext_lazy("Methodology and area rows: the lowest score (0–100) of level 2."),
    "threshold_3": gettext_lazy("Methodology and area rows: the lowest score of level 3."),
    "threshold_4": gettext_lazy("Methodology and area rows: the lowest score of level 4."),
    "threshold_5": gettext_lazy("Methodology and area rows: the lowest score of level 5."),
    "question_type": gettext_lazy("Question row: yes_no, single, multiple, number, percent or text."),
    "mandatory": gettext_lazy("Question row: 1 if an answer is required (blank: 1)."),
    "allows_not_applicable": gettext_lazy("Question row: 1 if “not applicable” may be answered (blank: 0)."),
    "evidence_required": gettext_lazy("Question row: 1 if evidence must be attached (blank: 0)."),
    "max_points": gettext_lazy("Question row, multiple choice: the cap of the summed points (blank: no cap)."),
    "lower": gettext_lazy("Band row: the lowest number of the band."),
    "upper": gettext_lazy("Band row: the band ends below this number (blank: no upper bound)."),
    "points": gettext_lazy("Option and band rows: the points the answer gets."),
}

TRUE_WORDS = {"1", "true", "yes", "y", "jā", "ja", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "nē", "ne"}
MINIMUM_OPTIONS = {QuestionType.YES_NO: 2, QuestionType.SINGLE: 2, QuestionType.MULTIPLE: 1}


class RowError(ValueError):
    """One bad cell: the column and the reason."""

    def __init__(self, column, reason):
        super().__init__(reason)
        self.column = column
        self.reason = reason


# --- cells ---------------------------------------------------------------------------------------------------------


def _text(value):
    """A cell as text; spreadsheets turn the code 1 into the number 1.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(row, column, required=False, minimum=None, maximum=None):
    value = row.get(column)
    if isinstance(value, bool):
        raise RowError(column, _("“%(value)s” is not a number") % {"value": value})
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        text = _text(value).replace("\u00a0", "").replace(" ", "")
        if not text:
            if required:
                raise RowError(column, _("a number is required"))
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise RowError(column, _("“%(value)s” is not a number") % {"value": value}) from None
    if not number.is_finite():
        raise RowError(column, _("“%(value)s” is not a number") % {"value": value})
    if minimum is not None and number < minimum:
        raise RowError(column, _("must be at least %(minimum)s") % {"minimum": minimum})
    if maximum is not None and number > maximum:
        raise RowError(column, _("must be at most %(maximum)s") % {"maximum": maximum})
    return number


def _whole(row, column, required=False, minimum=0):
    number = _decimal(row, column, required=required, minimum=minimum)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise RowError(column, _("“%(value)s” is not a whole number") % {"value": row.get(column)})
    return int(number)


def _flag(row, column, default):
    value = row.get(column)
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if not text:
        return default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise RowError(column, _("“%(value)s” is not yes or no (1 or 0)") % {"value": value})


def _choice(row, column, choices):
    text = _text(row.get(column))
    if not text:
        raise RowError(column, _("a value is required (one of: %(allowed)s)") % {"allowed": ", ".join(choices.values)})
    for code, label in choices.choices:
        if text.lower() in {code.lower(), str(label).lower()}:
            return code
    raise RowError(
        column,
        _("“%(value)s” is not one of: %(allowed)s") % {"value": text, "allowed": ", ".join(choices.values)},
    )


def _code(row, column):
    code = _text(row.get(column))
    if not code:
        raise RowError(column, _("a code is required"))
    return code


# --- rules a question's options and bands follow (also in the admin's forms) ----------------------------------------


def option_count_problem(question_type, count):
    """Why `count` options do not fit a question of this type, or None."""
    minimum = MINIMUM_OPTIONS.get(question_type)
    if minimum is not None and count < minimum:
        return _("a question of type “%(type)s” needs at least %(count)s options") % {
            "type": QuestionType(question_type).label,
            "count": minimum,
        }
    if question_type not in CHOICE_TYPES and count:
        return _("a question of type “%(type)s” has no options") % {"type": QuestionType(question_type).label}
    return None


def band_count_problem(question_type, count):
    """Why `count` bands do not fit a question of this type, or None."""
    if question_type in BANDED_TYPES and not count:
        return _("a number or percent question needs at least one band")
    if question_type not in BANDED_TYPES and count:
        return _("a question of type “%(type)s” has no bands") % {"type": QuestionType(question_type).label}
    return None


def overlapping_bands(bands):
    """(key, key of the band it overlaps) for bands given as (key, lower, upper); blank upper is open."""
    ordered = sorted(bands, key=lambda band: band[1])
    return [
        (key, previous_key)
        for (previous_key, _lower, upper), (key, next_lower, _upper) in zip(ordered, ordered[1:])
        if upper is None or upper > next_lower
    ]


# --- rows → definition -------------------------------------------------------------------------------------------


class _Parser:
    """Checks the rows of one file and builds its Definition; collects every problem instead of stopping."""

    def __init__(self):
        self.errors = []
        self.methodology = None  # (row number, family, version, fields)
        self.areas = {}  # code → (row number, fields)
        self.questions = {}  # (area, code) → (row number, fields)
        self.options = {}  # (area, question, code) → (row number, fields)
        self.bands = {}  # (area, question, lower) → (row number, fields)
        self.positions = {}
        # Option and band rows per question, bad ones included: a bad option row is not also a missing option.
        self.option_rows = Counter()
        self.band_rows = Counter()

    def error(self, number, column, reason):
        self.errors.append(_("row %(row)s, %(field)s: %(reason)s") % {"row": number, "field": column, "reason": reason})

    def parse(self, numbered_rows):
        for number, row in numbered_rows:
            try:
                kind = _text(row.get("kind")).lower()
                if kind not in KINDS:
                    raise RowError(
                        "kind",
                        _("“%(value)s” is not one of: %(allowed)s") % {"value": kind, "allowed": ", ".join(KINDS)},
                    )
                getattr(self, f"_{kind}")(number, row)
            except RowError as problem:
                self.error(number, problem.column, problem.reason)
        if self.methodology is None and not self.errors:
            self.errors.append(_("the file has no methodology row"))
        self._check_structure()
        if self.errors:
            raise ImportRejected("Methodology", self.errors)
        return self._definition()

    def _position(self, parent, row, number):
        """The `order` cell, or the row's position among its siblings in the file."""
        self.positions[parent] = self.positions.get(parent, 0) + 1
        order = _whole(row, "order")
        return self.positions[parent] if order is None else order

    def _thresholds(self, row):
        values = {}
        previous_column, previous = None, Decimal(0)
        for column in THRESHOLD_FIELDS:
            default = Methodology._meta.get_field(column).default
            value = _decimal(row, column, minimum=0, maximum=100)
            value = default if value is None else value
            if value < previous:
                raise RowError(
                    column,
                    _("must not be lower than %(column)s (%(value)s)") % {"column": previous_column, "value": previous},
                )
            values[column], previous_column, previous = value, column, value
        return values

    def _validated(self, model, fields, columns):
        """The model's own field rules (lengths, digits), named by column."""
        try:
            model(**fields).clean_fields(exclude=[f.name for f in model._meta.fields if f.name not in fields])
        except ValidationError as invalid:
            field, messages = next(iter(invalid.message_dict.items()))
            raise RowError(columns.get(field, field), " ".join(messages)) from None
        return fields

    def _duplicate(self, found, number, column, value):
        if found is not None:
            raise RowError(column, _("“%(value)s” is already in row %(row)s") % {"value": value, "row": found[0]})

    def _methodology(self, number, row):
        if self.methodology is not None:
            raise RowError("kind", _("the methodology is already in row %(row)s") % {"row": self.methodology[0]})
        family = _choice(row, "family", Family)
        version = _whole(row, "version", required=True, minimum=1)
        fields = {
            "year": _whole(row, "year", required=True, minimum=1990),
            "name_lv": _text(row.get("text_lv")),
            "name_en": _text(row.get("text_en")),
            "description_lv": _text(row.get("help_lv")),
            "description_en": _text(row.get("help_en")),
            "defaults_note": _text(row.get("defaults_note")),
            **self._thresholds(row),
        }
        columns = {"name_lv": "text_lv", "name_en": "text_en", "description_lv": "help_lv", "description_en": "help_en"}
        self.methodology = (number, family, version, self._validated(Methodology, fields, columns))

    def _area(self, number, row):
        code = _code(row, "area")
        self._duplicate(self.areas.get(code), number, "area", code)
        self.areas[code] = (number, None)  # known, so that a bad area row does not make its questions orphans
        fields = {
            "order": self._position("areas", row, number),
            "name_lv": _text(row.get("text_lv")),
            "name_en": _text(row.get("text_en")),
            "weight": _decimal(row, "weight", minimum=0),
            "scored": _flag(row, "scored", True),
            **self._thresholds(row),
        }
        if fields["weight"] is None:
            fields["weight"] = Area._meta.get_field("weight").default
        fields = self._validated(
            Area, {"code": code, **fields}, {"code": "area", "name_lv": "text_lv", "name_en": "text_en"}
        )
        self.areas[code] = (number, {name: fields[name] for name in AREA_FIELDS})

    def _question(self, number, row):
        area, code = _code(row, "area"), _code(row, "question")
        self._duplicate(self.questions.get((area, code)), number, "question", code)
        self.questions[(area, code)] = (number, None)  # known, so that its options and bands are not orphans
        fields = {
            "order": self._position(("questions", area), row, number),
            "question_type": _choice(row, "question_type", QuestionType),
            "text_lv": _text(row.get("text_lv")),
            "text_en": _text(row.get("text_en")),
            "help_lv": _text(row.get("help_lv")),
            "help_en": _text(row.get("help_en")),
            "mandatory": _flag(row, "mandatory", True),
            "allows_not_applicable": _flag(row, "allows_not_applicable", False),
            "evidence_required": _flag(row, "evidence_required", False),
            "max_points": _decimal(row, "max_points", minimum=0),
        }
        fields = self._validated(Question, {"code": code, **fields}, {"code": "question"})
        self.questions[(area, code)] = (number, {name: fields[name] for name in QUESTION_FIELDS})

    def _option(self, number, row):
        area, question = _code(row, "area"), _code(row, "question")
        self.option_rows[(area, question)] += 1
        code = _code(row, "option")
        self._duplicate(self.options.get((area, question, code)), number, "option", code)
        fields = {
            "order": self._position(("options", area, question), row, number),
            "name_lv": _text(row.get("text_lv")),
            "name_en": _text(row.get("text_en")),
            "points": _decimal(row, "points", required=True),
        }
        fields = self._validated(
            Option, {"code": code, **fields}, {"code": "option", "name_lv": "text_lv", "name_en": "text_en"}
        )
        self.options[(area, question, code)] = (number, {name: fields[name] for name in OPTION_FIELDS})

    def _band(self, number, row):
        area, question = _code(row, "area"), _code(row, "question")
        self.band_rows[(area, question)] += 1
        fields = {
            "lower": _decimal(row, "lower", required=True),
            "upper": _decimal(row, "upper"),
            "points": _decimal(row, "points", required=True),
        }
        self._duplicate(self.bands.get((area, question, fields["lower"])), number, "lower", fields["lower"])
        if fields["upper"] is not None and fields["upper"] <= fields["lower"]:
            raise RowError("upper", _("must be greater than lower (%(lower)s)") % {"lower": fields["lower"]})
        fields = self._validated(Band, fields, {})
        self.bands[(area, question, fields["lower"])] = (number, {name: fields[name] for name in BAND_FIELDS})

    def _check_structure(self):
        """What a single row cannot show: parents that exist, options and bands that fit the question's type."""
        for (area, code), (number, _fields) in self.questions.items():
            if area not in self.areas:
                self.error(number, "area", _("no area “%(code)s” in this file") % {"code": area})
        bands = {key: [] for key in self.questions}
        for kind, elements in (("option", self.options), ("band", self.bands)):
            for (area, question, key_value), (number, fields) in elements.items():
                parent = self.questions.get((area, question))
                if parent is None:
                    self.error(
                        number,
                        "question",
                        _("no question “%(question)s” in area “%(area)s” in this file")
                        % {"question": question, "area": area},
                    )
                    continue
                if parent[1] is None:
                    continue
                question_type = parent[1]["question_type"]
                if kind == "option" and question_type not in CHOICE_TYPES:
                    self.error(number, "kind", option_count_problem(question_type, 1))
                elif kind == "band" and question_type not in BANDED_TYPES:
                    self.error(number, "kind", band_count_problem(question_type, 1))
                elif kind == "band":
                    bands[(area, question)].append((number, key_value, fields["upper"]))
        for key, (number, fields) in self.questions.items():
            if fields is None:
                continue
            question_type = fields["question_type"]
            problem = None
            if question_type in CHOICE_TYPES:
                problem = option_count_problem(question_type, self.option_rows[key])
            elif question_type in BANDED_TYPES:
                problem = band_count_problem(question_type, self.band_rows[key])
            if problem:
                self.error(number, "question_type", problem)
            for row_number, other_row in overlapping_bands(bands[key]):
                self.error(row_number, "lower", _("overlaps the band in row %(row)s") % {"row": other_row})

    def _definition(self):
        _number, family, version, fields = self.methodology
        definition = Definition(family=family, version=version, fields=fields)
        for code, (_number, area_fields) in self.areas.items():
            definition.areas[code] = AreaDefinition(fields=area_fields)
        for (area, code), (_number, question_fields) in self.questions.items():
            definition.areas[area].questions[code] = QuestionDefinition(fields=question_fields)
        for (area, question, code), (_number, option_fields) in self.options.items():
            definition.question(area, question).options[code] = option_fields
        for (area, question, lower), (_number, band_fields) in self.bands.items():
            definition.question(area, question).bands[lower] = band_fields
        return definition


def definition_from_rows(numbered_rows):
    """The checked Definition of (row number, row dict) pairs; raises ImportRejected naming every bad row."""
    return _Parser().parse(numbered_rows)


def definition_from_tree(tree):
    """A tree (a reference file, or tree_of a version) checked by the same rules as a file."""
    return definition_from_rows(enumerate(rows_from_tree(tree), start=1))


# --- tree → rows ----------------------------------------------------------------------------------------------------


def _row(kind, **values):
    return {column: values.get(column) for column in COLUMNS} | {"kind": kind}


def rows_from_tree(tree):
    """The file's rows of a version tree, in file order."""
    rows = [
        _row(
            "methodology",
            text_lv=tree.get("name_lv"),
            text_en=tree.get("name_en"),
            help_lv=tree.get("description_lv"),
            help_en=tree.get("description_en"),
            **{field: tree.get(field) for field in ("family", "version", "year", "defaults_note", *THRESHOLD_FIELDS)},
        )
    ]
    for area in tree.get("areas", []):
        rows.append(
            _row(
                "area",
                area=area["code"],
                text_lv=area.get("name_lv"),
                text_en=area.get("name_en"),
                **{field: area.get(field) for field in ("order", "weight", "scored", *THRESHOLD_FIELDS)},
            )
        )
        for question in area.get("questions", []):
            rows.extend(_question_rows(area["code"], question))
    return rows


def _question_rows(area_code, question):
    keys = {"area": area_code, "question": question["code"]}
    rows = [_row("question", **keys, **{field: question.get(field) for field in QUESTION_FIELDS})]
    for option in question.get("options", []):
        rows.append(
            _row(
                "option",
                **keys,
                option=option["code"],
                order=option.get("order"),
                text_lv=option.get("name_lv"),
                text_en=option.get("name_en"),
                points=option.get("points"),
            )
        )
    for band in question.get("bands", []):
        rows.append(_row("band", **keys, **{field: band.get(field) for field in BAND_FIELDS}))
    return rows


# --- files ----------------------------------------------------------------------------------------------------------


def _cell(value):
    """A value as a spreadsheet cell: flags as 1/0, numbers as numbers, the rest as text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def export_file(methodology, file_format):
    """The version as an XLSX (with an instructions sheet) or CSV file, as bytes."""
    rows = rows_from_tree(tree_of(methodology))
    columns = list(COLUMNS)
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv_writer(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[column] is None else _cell(row[column]) for column in columns])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row[column]) for column in columns])
    sheet.freeze_panes = "B2"
    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    instructions.append([_("column"), _("meaning")])
    for column, meaning in COLUMNS.items():
        instructions.append([column, str(meaning)])
    instructions.append([])
    instructions.append(
        [
            _(
                "The methodology row's family and version name the version the file is for. Importing creates it "
                "or makes it equal to the file: rows missing from the file are deleted. A file with any bad row "
                "saves nothing. A version with submitted assessments is frozen: give the file a new version number."
            )
        ]
    )
    buffer = io.BytesIO()
    save_workbook(workbook, buffer)
    return buffer.getvalue()


def export_filename(methodology, file_format):
    return f"methodology-{methodology.family}-v{methodology.version}.{file_format}"


def _numbered(header, rows):
    """(row number, dict) for each non-empty data row; numbers count the data rows from 1."""
    columns = [_text(cell).lower() for cell in header]
    if "kind" not in columns:
        raise ImportRejected("Methodology", [_("the file has no column “kind”: is it a methodology file?")])
    for number, cells in enumerate(rows, start=1):
        if all(_text(cell) == "" for cell in cells):
            continue
        yield number, {column: cell for column, cell in zip(columns, cells) if column}


def read_rows(content, file_format):
    """The numbered rows of an uploaded file's bytes."""
    if file_format == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRejected("Methodology", [_("the CSV file is not UTF-8 text")]) from None
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    else:
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds of errors for a file that is not XLSX
            raise ImportRejected("Methodology", [_("the file cannot be read as XLSX")]) from None
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    if not lines:
        raise ImportRejected("Methodology", [_("the file is empty")])
    # An exported text cell that could pass for a formula was written with an apostrophe in front (config/exports.py).
    lines = [[restore(cell) for cell in line] for line in lines]
    return list(_numbered(lines[0], lines[1:]))


def file_format_of(name):
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in FILE_FORMATS:
        raise ImportRejected("Methodology", [_("choose an XLSX or CSV file")])
    return extension


@transaction.atomic
def import_file(content, file_format, user=None):
    """Create or update the version the file describes; returns (methodology, counts). Nothing is saved when
    any row is bad or the version is frozen (ImportRejected names the reasons)."""
    numbered = read_rows(content, file_format)
    definition = definition_from_rows(numbered)
    methodology_row = next(number for number, row in numbered if _text(row.get("kind")).lower() == "methodology")
    return write_definition(definition, user=user, row=methodology_row)
