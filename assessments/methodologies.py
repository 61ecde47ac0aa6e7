"""Methodologies as data: a version's definition, writing one to the database, new versions, the frozen rule
and the shipped reference versions (assessments/reference/*.json).

A methodology version is handled as one tree (`tree_of`): the methodology's fields, its areas, their
questions, and each question's options and bands, every element identified by its code (a band by its lower
bound). The reference files, the XLSX/CSV files of assessments/resources.py and `new_version` all go through the
same two steps: the tree is checked row by row (`assessments.resources.definition_from_tree`) and the checked
definition is written by `write_definition`, which creates what is new, updates what changed, deletes what is
gone and leaves the rest untouched — so writing the same definition twice changes nothing.

A version is frozen once an assessment of it has been submitted: its scores must stay explainable by the
questions and points they were computed from. A frozen version is never changed; changes go into a new version.

The conformity methodology's target degree lives in each question's help text as “Target degree: N” (and
“Mērķa pakāpe: N”): `target_points` reads it, so the coordinator edits it like any other text, and the gaps of
an assessment are its answers worth fewer points than the target.
"""

import dataclasses
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from institutions.resources import ImportRejected

from .models import Answer, Area, Assessment, AssessmentStatus, Band, Family, Methodology, Option, Question

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

THRESHOLD_FIELDS = ("threshold_2", "threshold_3", "threshold_4", "threshold_5")
METHODOLOGY_FIELDS = (
    "year",
    "name_lv",
    "name_en",
    "description_lv",
    "description_en",
    "defaults_note",
    *THRESHOLD_FIELDS,
)
AREA_FIELDS = ("order", "name_lv", "name_en", "weight", "scored", *THRESHOLD_FIELDS)
QUESTION_FIELDS = (
    "order",
    "question_type",
    "text_lv",
    "text_en",
    "help_lv",
    "help_en",
    "mandatory",
    "allows_not_applicable",
    "evidence_required",
    "max_points",
)
OPTION_FIELDS = ("order", "name_lv", "name_en", "points")
BAND_FIELDS = ("lower", "upper", "points")

TARGET_PATTERN = re.compile(r"(?:Target degree|Mērķa pakāpe):\s*(\d+(?:[.,]\d+)?)", re.IGNORECASE)


@dataclasses.dataclass
class QuestionDefinition:
    fields: dict
    options: dict = dataclasses.field(default_factory=dict)  # code → fields
    bands: dict = dataclasses.field(default_factory=dict)  # lower bound → fields


@dataclasses.dataclass
class AreaDefinition:
    fields: dict
    questions: dict = dataclasses.field(default_factory=dict)  # code → QuestionDefinition


@dataclasses.dataclass
class Definition:
    """A checked methodology version, every element keyed by its code; equal definitions hold equal data."""

    family: str
    version: int
    fields: dict
    areas: dict = dataclasses.field(default_factory=dict)  # code → AreaDefinition

    def question(self, area_code, code):
        return self.areas[area_code].questions[code]

    def size(self):
        """The number of elements: the methodology, its areas, questions, options and bands."""
        questions = [question for area in self.areas.values() for question in area.questions.values()]
        return 1 + len(self.areas) + sum(1 + len(q.options) + len(q.bands) for q in questions)


class MethodologyFrozen(ImportRejected):
    """A change to a version that already has submitted assessments."""

    def __init__(self, methodology, row=None):
        message = _(
            "Version %(version)s of “%(family)s” is frozen: assessments of it have been submitted. "
            "Create a new version and make the change there (in a file: give it a new version number)."
        ) % {"version": methodology.version, "family": Family(methodology.family).label}
        if row is not None:
            message = _("row %(row)s, %(field)s: %(reason)s") % {"row": row, "field": "version", "reason": message}
        super().__init__("Methodology", [message])


# --- frozen ----------------------------------------------------------------------------------------------------


def frozen_methodologies():
    """The versions with at least one submitted (or later) assessment, as a queryset."""
    submitted = Assessment.objects.exclude(status=AssessmentStatus.DRAFT)
    return Methodology.objects.filter(pk__in=submitted.values("round__methodology"))


def is_frozen(methodology):
    """True once an assessment of this version has been submitted (whatever happened to it later)."""
    if methodology is None or methodology.pk is None:
        return False
    return frozen_methodologies().filter(pk=methodology.pk).exists()


# --- the tree of a version ---------------------------------------------------------------------------------------


def tree_of(methodology):
    """The whole version as nested dicts and lists, in the shape of the reference files."""
    areas = methodology.areas.order_by("order", "code").prefetch_related("questions__options", "questions__bands")
    return {
        "family": methodology.family,
        "version": methodology.version,
        **{field: getattr(methodology, field) for field in METHODOLOGY_FIELDS},
        "areas": [
            {
                "code": area.code,
                **{field: getattr(area, field) for field in AREA_FIELDS},
                "questions": [_question_tree(question) for question in _sorted(area.questions.all())],
            }
            for area in areas
        ],
    }


def _sorted(items):
    return sorted(items, key=lambda item: (item.order, item.code))


def _question_tree(question):
    return {
        "code": question.code,
        **{field: getattr(question, field) for field in QUESTION_FIELDS},
        "options": [
            {"code": option.code, **{field: getattr(option, field) for field in OPTION_FIELDS}}
            for option in _sorted(question.options.all())
        ],
        "bands": [
            {field: getattr(band, field) for field in BAND_FIELDS}
            for band in sorted(question.bands.all(), key=lambda band: band.lower)
        ],
    }


# --- writing a definition ----------------------------------------------------------------------------------------


@transaction.atomic
def write_definition(definition, user=None, row=None):
    """Make the database hold `definition` (checked by assessments.resources): create, update and delete only
    what differs. Returns (methodology, counts of new / update / delete / skip elements).

    Refuses a frozen version that would change, and the removal of a question or option that answers use."""
    methodology = (
        Methodology.objects.select_for_update().filter(family=definition.family, version=definition.version).first()
    )
    counts = Counter()
    if methodology is not None and is_frozen(methodology):
        from .resources import definition_from_tree

        if definition_from_tree(tree_of(methodology)) != definition:
            raise MethodologyFrozen(methodology, row=row)
        counts["skip"] += definition.size()
        return methodology, _clean_counts(counts)

    existing, wanted = _existing_elements(methodology), _wanted_elements(definition)
    _refuse_removing_answered(existing, wanted)
    methodology = _write_methodology(methodology, definition, user, counts)
    areas = _sync(
        Area,
        existing["areas"],
        wanted["areas"],
        AREA_FIELDS,
        lambda code, fields: Area(methodology=methodology, code=code, **fields),
        counts,
    )
    questions = _sync(
        Question,
        existing["questions"],
        wanted["questions"],
        QUESTION_FIELDS,
        lambda key, fields: Question(area=areas[key[0]], code=key[1], **fields),
        counts,
    )
    _sync(
        Option,
        existing["options"],
        wanted["options"],
        OPTION_FIELDS,
        lambda key, fields: Option(question=questions[key[0]], code=key[1], **fields),
        counts,
    )
    _sync(
        Band,
        existing["bands"],
        wanted["bands"],
        BAND_FIELDS,
        lambda key, fields: Band(question=questions[key[0]], **fields),
        counts,
    )
    return methodology, _clean_counts(counts)


def _existing_elements(methodology):
    """Every element of the stored version by key, read before anything is deleted: what a deleted area or
    question takes with it is then counted, and checked for answers, too."""
    if methodology is None:
        return {"areas": {}, "questions": {}, "options": {}, "bands": {}}
    questions = {
        (question.area.code, question.code): question
        for question in Question.objects.filter(area__methodology=methodology).select_related("area")
    }
    question_keys = {question.pk: key for key, question in questions.items()}
    return {
        "areas": {area.code: area for area in methodology.areas.all()},
        "questions": questions,
        "options": {
            (question_keys[option.question_id], option.code): option
            for option in Option.objects.filter(question__area__methodology=methodology)
        },
        "bands": {
            (question_keys[band.question_id], band.lower): band
            for band in Band.objects.filter(question__area__methodology=methodology)
        },
    }


def _wanted_elements(definition):
    """The definition's elements by the same keys as _existing_elements, with their field values."""
    questions = {
        (area_code, code): question
        for area_code, area in definition.areas.items()
        for code, question in area.questions.items()
    }
    return {
        "areas": {code: area.fields for code, area in definition.areas.items()},
        "questions": {key: question.fields for key, question in questions.items()},
        "options": {
            (key, code): fields for key, question in questions.items() for code, fields in question.options.items()
        },
        "bands": {
            (key, lower): fields for key, question in questions.items() for lower, fields in question.bands.items()
        },
    }


def _clean_counts(counts):
    return {kind: counts[kind] for kind in ("new", "update", "delete", "skip") if counts[kind]}


def _write_methodology(methodology, definition, user, counts):
    if methodology is None:
        methodology = Methodology(family=definition.family, version=definition.version, **definition.fields)
        counts["new"] += 1
    elif any(getattr(methodology, field) != value for field, value in definition.fields.items()):
        for field, value in definition.fields.items():
            setattr(methodology, field, value)
        counts["update"] += 1
    else:
        counts["skip"] += 1
        return methodology
    if user is not None:
        methodology._history_user = user
    methodology.save()
    return methodology


def _sync(model, existing, wanted, fields, new_instance, counts):
    """Bring one level of the tree (all areas, all questions, ...) in line with `wanted`; returns key → row."""
    created, changed = {}, []
    for key, values in wanted.items():
        instance = existing.get(key)
        if instance is None:
            created[key] = new_instance(key, values)
        elif any(getattr(instance, field) != values[field] for field in fields):
            for field in fields:
                setattr(instance, field, values[field])
            changed.append(instance)
    stale = [instance.pk for key, instance in existing.items() if key not in wanted]
    if stale:
        model.objects.filter(pk__in=stale).delete()
    if changed:
        model.objects.bulk_update(changed, fields)
    if created:
        model.objects.bulk_create(created.values())
    counts["new"] += len(created)
    counts["update"] += len(changed)
    counts["delete"] += len(stale)
    counts["skip"] += len(wanted) - len(created) - len(changed)
    return {key: instance for key, instance in existing.items() if key in wanted} | created


def answered_questions(questions):
    """question id → number of answers, for those of `questions` (ids) that have answers."""
    return Counter(Answer.objects.filter(question_id__in=list(questions)).values_list("question_id", flat=True))


def chosen_options(options):
    """option id → number of answers (self-assessed or expert) that chose it, for those of `options` chosen."""
    options = {option.pk: option for option in options}
    chosen = Counter()
    answers = Answer.objects.filter(question_id__in={option.question_id for option in options.values()})
    for own, expert in answers.values_list("options", "expert_options"):
        for option_id in {*(own or []), *(expert or [])}:
            if option_id in options:
                chosen[option_id] += 1
    return chosen


def _refuse_removing_answered(existing, wanted):
    """Answers of a draft would silently lose their question or chosen option: name them instead."""
    errors = []
    removed = {question.pk: key for key, question in existing["questions"].items() if key not in wanted["questions"]}
    for question_id, count in sorted(answered_questions(removed).items(), key=lambda item: removed[item[0]]):
        area_code, code = removed[question_id]
        errors.append(
            _("question %(area)s / %(code)s is no longer in the methodology, but %(count)s answers use it")
            % {"area": area_code, "code": code, "count": count}
        )
    gone = {
        option.pk: key
        for key, option in existing["options"].items()
        if key not in wanted["options"] and key[0] in wanted["questions"]
    }
    chosen = chosen_options(existing["options"][key] for key in gone.values())
    for option_id, count in sorted(chosen.items(), key=lambda item: gone[item[0]]):
        (area_code, question_code), code = gone[option_id]
        errors.append(
            _(
                "option %(option)s of question %(area)s / %(question)s is no longer in the methodology, "
                "but %(count)s answers chose it"
            )
            % {"option": code, "area": area_code, "question": question_code, "count": count}
        )
    if errors:
        raise ImportRejected("Methodology", errors)


# --- new versions ------------------------------------------------------------------------------------------------


@transaction.atomic
def new_version(methodology, user=None):
    """A copy of `methodology` (areas, questions, options, bands) as the family's next version, based on it."""
    from .resources import definition_from_tree

    latest = Methodology.objects.filter(family=methodology.family).aggregate(latest=Max("version"))["latest"]
    tree = tree_of(methodology)
    tree["version"] = latest + 1
    copy, _counts = write_definition(definition_from_tree(tree), user=user)
    copy.based_on = methodology
    copy.is_demo = methodology.is_demo
    if user is not None:
        copy._history_user = user
    copy.save(update_fields=["based_on", "is_demo"])
    return copy


# --- target degrees ----------------------------------------------------------------------------------------------


def target_points(question):
    """The points of the target degree written in the question's help text (“Target degree: 3”), or None."""
    for text in (question.help_en, question.help_lv):
        match = TARGET_PATTERN.search(text or "")
        if match:
            return Decimal(match.group(1).replace(",", "."))
    return None


# --- reference versions ------------------------------------------------------------------------------------------


def reference_trees():
    """The shipped reference versions, one tree per file of assessments/reference/."""
    trees = []
    for path in sorted(REFERENCE_DIR.glob("*.json")):
        with open(path, encoding="utf-8") as handle:
            trees.append(json.load(handle))
    return trees


@transaction.atomic
def load_methodologies(trees=None):
    """Load the reference versions: a missing one is created, a changed one updated, an unchanged one left
    alone; a frozen one that would change is refused and nothing is saved. Returns counts of versions."""
    from .resources import definition_from_tree

    counts = Counter()
    for tree in reference_trees() if trees is None else trees:
        exists = Methodology.objects.filter(family=tree["family"], version=tree["version"]).exists()
        _methodology, changes = write_definition(definition_from_tree(tree))
        if not exists:
            counts["new"] += 1
        elif changes.keys() - {"skip"}:
            counts["update"] += 1
        else:
            counts["skip"] += 1
    return {kind: counts[kind] for kind in ("new", "update", "skip") if counts[kind]}
