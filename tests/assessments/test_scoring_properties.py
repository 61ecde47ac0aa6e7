"""Properties of the stored scores (domain brief §3 "E-index and other scored assessments") on random small
worlds: every score lies within 0–100 and equals the rules computed in Python from the answers; the order in
which rows were written changes nothing; and incremental rescoring after any sequence of changes leaves exactly
what a full rescoring writes.

A world: one methodology with scored areas A and B and an unscored area C, one question of every type; a
ministry with two agencies and one municipality (four organisations) in two rounds of one family. Each example
writes its rows, rescores and rolls back, so the examples do not see each other."""

from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import scoring
from assessments.models import Answer, Assessment, AssessmentStatus, Band, Option, QuestionType, Score
from institutions.models import DevelopmentTier, InstitutionType
from tests.assessments.factories import AreaFactory, MethodologyFactory, QuestionFactory, RoundFactory
from tests.factories import InstitutionFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
D = Decimal
T = QuestionType

# (code, area, type, options, allows "not applicable"); options: number of options, or bands for number/percent
QUESTIONS = (
    ("yes", "A", T.YES_NO, 2, False),
    ("one", "A", T.SINGLE, 3, True),
    ("capped", "A", T.MULTIPLE, 3, False),
    ("note", "A", T.TEXT, 0, False),
    ("many", "B", T.MULTIPLE, 3, True),
    ("count", "B", T.NUMBER, ((0, 10), (10, None)), True),
    ("share", "B", T.PERCENT, ((0, 50), (50, 100)), False),
    ("context", "C", T.SINGLE, 2, False),
)
AREAS = ("A", "B", "C")
ORGANISATIONS = 4  # the ministry, two agencies, a municipality
ROUNDS = (2021, 2022)
STATUSES = tuple(AssessmentStatus)


# --- random worlds -------------------------------------------------------------------------------------------------


@st.composite
def methodologies(draw):
    """Points of every option and band, the caps, and the area weights."""
    points = st.integers(0, 10)
    questions = {}
    for code, _area, kind, options, _na in QUESTIONS:
        if kind in (T.NUMBER, T.PERCENT):
            questions[code] = {"bands": [draw(points) for _band in options]}
        else:
            questions[code] = {"options": [draw(points) for _option in range(options)]}
        if kind == T.MULTIPLE:
            questions[code]["max_points"] = draw(st.one_of(st.none(), st.integers(1, 15)))
    return {"questions": questions, "weights": {"A": draw(st.integers(0, 3)), "B": draw(st.integers(1, 3))}}


@st.composite
def answers(draw, code):
    """One answer to question `code` (None: no row): the organisation's and maybe the expert's."""
    _code, _area, kind, options, _na = next(q for q in QUESTIONS if q[0] == code)

    def side():
        if kind in (T.NUMBER, T.PERCENT):
            value = draw(st.one_of(st.none(), st.integers(-5, 120)))
            return {"options": [], "number": value, "na": draw(st.booleans())}
        chosen = draw(st.lists(st.integers(0, max(options - 1, 0)), max_size=3)) if options else []
        return {"options": chosen, "number": None, "na": draw(st.booleans())}

    if draw(st.integers(0, 5)) == 0:
        return None
    own = side()
    return {"own": own, "expert": side() if draw(st.booleans()) else None}


@st.composite
def assessments(draw):
    return {
        "status": draw(st.sampled_from(STATUSES)),
        "answers": {code: draw(answers(code)) for code, *_rest in QUESTIONS},
    }


worlds = st.fixed_dictionaries(
    {
        "methodology": methodologies(),
        # (round, organisation) → assessment, or None when the organisation was not asked that round
        "assessments": st.lists(
            st.one_of(st.none(), assessments()),
            min_size=len(ROUNDS) * ORGANISATIONS,
            max_size=len(ROUNDS) * ORGANISATIONS,
        ),
    }
)


# --- writing ----------------------------------------------------------------------------------------------------------


@contextmanager
def rolled_back():
    """Everything an example writes is undone when it ends."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass
class Built:
    """What a world became in the database: ids back to the world's keys."""

    assessments: dict = field(default_factory=dict)  # id → (round index, organisation index)
    questions: dict = field(default_factory=dict)  # code → Question
    options: dict = field(default_factory=dict)  # (code, index) → option id
    rounds: list = field(default_factory=list)


def organisations():
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    return [
        ministry,
        InstitutionFactory(parent=ministry),
        InstitutionFactory(parent=ministry),
        InstitutionFactory(
            institution_type=InstitutionType.MUNICIPALITY,
            municipality=MunicipalityFactory(development_tier=DevelopmentTier.LOCAL),
        ),
    ]


def build(world, reverse=False):
    """Write the world; with `reverse` every list of rows is written back to front."""
    order = (lambda items: list(reversed(list(items)))) if reverse else list
    spec = world["methodology"]
    built = Built()
    methodology = MethodologyFactory()
    areas = {}
    for code in order(AREAS):
        weight = spec["weights"].get(code, 1)
        areas[code] = AreaFactory(methodology=methodology, code=code, weight=D(weight), scored=code != "C")
    for code, area, kind, options, na in order(QUESTIONS):
        drawn = spec["questions"][code]
        question = QuestionFactory(
            area=areas[area],
            code=code,
            question_type=kind,
            allows_not_applicable=na,
            max_points=None if drawn.get("max_points") is None else D(drawn["max_points"]),
        )
        built.questions[code] = question
        if kind in (T.NUMBER, T.PERCENT):
            Band.objects.bulk_create(
                order(
                    Band(question=question, lower=D(lower), upper=None if upper is None else D(upper), points=D(points))
                    for (lower, upper), points in zip(options, drawn["bands"], strict=True)
                )
            )
        else:
            created = Option.objects.bulk_create(
                order(
                    Option(question=question, code=f"o{index}", name_lv=f"o{index}", points=D(points))
                    for index, points in enumerate(drawn["options"])
                )
            )
            built.options.update({((code, int(option.code[1:])), option.pk) for option in created})
    organisations_ = organisations()
    years = order(enumerate(ROUNDS))
    rounds = {index: RoundFactory(methodology=methodology, year=year) for index, year in years}
    built.rounds = [rounds[index] for index in range(len(ROUNDS))]
    cells = [(r, o) for r in range(len(ROUNDS)) for o in range(ORGANISATIONS)]
    for r, o in order(cells):
        cell = world["assessments"][r * ORGANISATIONS + o]
        if cell is None:
            continue
        assessment = Assessment.objects.create(round=rounds[r], institution=organisations_[o], status=cell["status"])
        built.assessments[assessment.pk] = (r, o)
        write_answers(built, assessment, cell["answers"], order)
    return built


def answer_fields(built, code, answer):
    def ids(chosen):
        return [built.options[(code, index)] for index in chosen]

    own, expert = answer["own"], answer["expert"]
    fields = {
        "options": ids(own["options"]),
        "number": None if own["number"] is None else D(own["number"]),
        "not_applicable": own["na"],
        "expert_answered": expert is not None,
    }
    if expert is not None:
        fields.update(
            expert_options=ids(expert["options"]),
            expert_number=None if expert["number"] is None else D(expert["number"]),
            expert_not_applicable=expert["na"],
        )
    return fields


def write_answers(built, assessment, answers_, order=list):
    Answer.objects.filter(assessment=assessment).delete()
    Answer.objects.bulk_create(
        order(
            Answer(assessment=assessment, question=built.questions[code], **answer_fields(built, code, answer))
            for code, answer in answers_.items()
            if answer is not None
        )
    )


# --- reading ----------------------------------------------------------------------------------------------------------


def results(built):
    """Every stored score keyed by (round, organisation, version, area code), its peer group reduced to its kind so
    that two worlds compare."""
    rows = Score.objects.filter(assessment_id__in=built.assessments).values(
        "assessment_id", "assessment__version", "area__code", *COMPARED
    )
    found = {}
    for row in rows:
        key = (*built.assessments[row["assessment_id"]], row["assessment__version"], row["area__code"])
        values = {name: row[name] for name in COMPARED}
        values["peer_group"] = values["peer_group"].split(":")[0]
        found[key] = values
    return found


COMPARED = [
    f.attname for f in Score._meta.concrete_fields if f.attname not in ("id", "assessment_id", "area_id", "computed_at")
]


def snapshot():
    columns = [f.attname for f in Score._meta.concrete_fields if f.attname not in ("id", "computed_at")]
    scores = {(row["assessment_id"], row["area_id"]): row for row in Score.objects.values(*columns)}
    answers_ = {row["id"]: row for row in Answer.objects.values("id", "points", "obtainable")}
    return scores, answers_


# --- the rules in Python ---------------------------------------------------------------------------------------------


def question_obtainable(spec, code, kind):
    drawn = spec["questions"][code]
    if kind in (T.NUMBER, T.PERCENT):
        return max(drawn["bands"])
    if kind == T.MULTIPLE:
        return drawn["max_points"] if drawn["max_points"] is not None else sum(p for p in drawn["options"] if p > 0)
    return max(drawn["options"])


def question_points(spec, code, kind, options, side):
    drawn = spec["questions"][code]
    if kind in (T.NUMBER, T.PERCENT):
        value = side["number"]
        if value is None:
            return 0
        return max(
            (
                p
                for (lower, upper), p in zip(options, drawn["bands"], strict=True)
                if lower <= value and (upper is None or value < upper)
            ),
            default=0,
        )
    chosen = [drawn["options"][index] for index in set(side["options"])]
    if kind == T.MULTIPLE:
        return min(sum(chosen), question_obtainable(spec, code, kind))
    return max(chosen, default=0)


def expected_scores(world, cell):
    """{area code or None: exact score or None} by the brief's rules."""
    spec = world["methodology"]
    area_scores = {}
    for area in ("A", "B"):
        points = obtainable = 0
        for code, question_area, kind, options, na_allowed in QUESTIONS:
            if question_area != area or kind == T.TEXT:
                continue
            answer = cell["answers"][code]
            side = None if answer is None else (answer["expert"] or answer["own"])
            if side is not None and side["na"] and na_allowed:
                continue
            obtainable += question_obtainable(spec, code, kind)
            points += 0 if side is None else question_points(spec, code, kind, options, side)
        area_scores[area] = D(100) * points / obtainable if obtainable > 0 else None
    weights = {area: D(spec["weights"][area]) for area in area_scores if area_scores[area] is not None}
    total = sum(weights.values())
    area_scores[None] = sum(weights[a] * area_scores[a] for a in weights) / total if total > 0 else None
    return area_scores


def stored_3(value):
    return None if value is None else value.quantize(D("0.001"), rounding=ROUND_HALF_UP)


# --- the properties ------------------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(world=worlds)
def test_scores_follow_the_rules_and_lie_within_0_and_100(world):
    with rolled_back():
        built = build(world)
        scoring.rescore()
        found = results(built)
        for assessment_id, (r, o) in built.assessments.items():
            cell = world["assessments"][r * ORGANISATIONS + o]
            for area, expected in expected_scores(world, cell).items():
                row = found[(r, o, 1, area)]
                if expected is None:
                    assert row["score"] is None, (r, o, area)
                    continue
                # SQLite computes in floating point: the last stored decimal may differ by one
                assert abs(row["score"] - stored_3(expected)) <= D("0.001"), (r, o, area, row["score"], expected)
                assert D(0) <= row["score"] <= D(100)
            assert (r, o, 1, "C") not in found  # the unscored area has no score


@PROPERTY_SETTINGS
@given(world=worlds)
def test_the_order_rows_were_written_in_changes_no_score(world):
    with rolled_back():
        forwards = build(world)
        backwards = build(world, reverse=True)
        scoring.rescore()
        assert results(forwards) == results(backwards)


change = st.tuples(
    st.integers(0, len(ROUNDS) * ORGANISATIONS - 1),
    st.sampled_from(["answers", "status", "reopen"]),
    assessments(),
)


@PROPERTY_SETTINGS
@given(world=worlds, changes=st.lists(change, min_size=1, max_size=4))
def test_incremental_rescoring_after_each_change_equals_a_full_rescoring(world, changes):
    with rolled_back():
        built = build(world)
        scoring.rescore()
        by_cell = {cell: pk for pk, cell in built.assessments.items()}
        for index, kind, new in changes:
            cell = divmod(index, ORGANISATIONS)
            if cell not in by_cell:
                continue
            assessment = Assessment.objects.get(pk=by_cell[cell])
            if kind == "answers":
                write_answers(built, assessment, new["answers"])
            elif kind == "status":
                Assessment.objects.filter(pk=assessment.pk).update(status=new["status"])
            else:  # reopened: the current version becomes an old one; the new one has the new answers
                Assessment.objects.filter(pk=assessment.pk).update(is_current=False)
                reopened = Assessment.objects.create(
                    round=assessment.round,
                    institution=assessment.institution,
                    version=assessment.version + 1,
                    status=new["status"],
                )
                write_answers(built, reopened, new["answers"])
                built.assessments[reopened.pk] = cell
                by_cell[cell] = reopened.pk
            scoring.rescore_assessments([by_cell[cell]])
        incremental = snapshot()
        scoring.rescore()
        assert snapshot() == incremental
