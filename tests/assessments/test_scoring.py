"""Scores of assessments (domain brief §3 "E-index and other scored assessments") on small data worked out by
hand: every rule goes through `scoring.rescore()` (or the incremental `rescore_assessments()`) and is read back
from the stored Answer and Score rows, the way the pages read them.

Hand calculations sit in the comment above each expectation. P points, O obtainable points."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from assessments import scoring, tasks
from assessments.models import Answer, AssessmentStatus, Family, Option, QuestionType, Round, Score
from institutions.models import DevelopmentTier, InstitutionType
from tests.assessments.factories import (
    AnswerFactory,
    AreaFactory,
    AssessmentFactory,
    BandFactory,
    MethodologyFactory,
    QuestionFactory,
    RoundFactory,
)
from tests.factories import InstitutionFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db

D = Decimal
SUBMITTED, APPROVED = AssessmentStatus.SUBMITTED, AssessmentStatus.APPROVED


# --- building methodologies and answers ------------------------------------------------------------------------


def choice(area, *points, kind=QuestionType.SINGLE, max_points=None, **fields):
    """A choice question with one option per number in `points`; options are coded o0, o1, …"""
    question = QuestionFactory(area=area, question_type=kind, max_points=max_points, **fields)
    Option.objects.bulk_create(
        Option(question=question, code=f"o{index}", order=index, name_lv=f"{value} p.", points=D(str(value)))
        for index, value in enumerate(points)
    )
    return question


def yes_no(area, yes=10, **fields):
    return choice(area, yes, 0, kind=QuestionType.YES_NO, **fields)


def banded(area, *bands, kind=QuestionType.NUMBER, **fields):
    """A number (or percent) question with bands (lower, upper or None, points)."""
    question = QuestionFactory(area=area, question_type=kind, **fields)
    for lower, upper, points in bands:
        BandFactory(
            question=question,
            lower=D(str(lower)),
            upper=None if upper is None else D(str(upper)),
            points=D(str(points)),
        )
    return question


def option_ids(question, indexes):
    return [question.options.get(code=f"o{index}").pk for index in indexes]


def answer(assessment, question, *chosen, number=None, na=False, expert=None, expert_number=None, expert_na=False):
    """The organisation's answer (options by index, or a number); with `expert` (a tuple of indexes, possibly
    empty), `expert_number` or `expert_na` the expert's answer too."""
    expert_answered = expert is not None or expert_number is not None or expert_na
    return AnswerFactory(
        assessment=assessment,
        question=question,
        options=option_ids(question, chosen),
        number=None if number is None else D(str(number)),
        not_applicable=na,
        expert_answered=expert_answered,
        expert_options=option_ids(question, expert or ()),
        expert_number=None if expert_number is None else D(str(expert_number)),
        expert_not_applicable=expert_na,
    )


def stored(assessment, area=None):
    """The stored score of an area (a code or an Area), or the overall score."""
    rows = Score.objects.filter(assessment=assessment)
    if area is None:
        return rows.get(area__isnull=True)
    return rows.get(area__code=area if isinstance(area, str) else area.code)


def points_of(answer_row):
    answer_row.refresh_from_db()
    return answer_row.points, answer_row.obtainable


def full():
    return scoring.rescore()


@pytest.fixture
def area():
    """One scored area with the default thresholds 20/40/60/80, weight 1."""
    return AreaFactory(code="A")


@pytest.fixture
def assessment(area):
    return AssessmentFactory(round=RoundFactory(methodology=area.methodology), status=SUBMITTED)


# --- question points -------------------------------------------------------------------------------------------


def test_single_choice_scores_the_chosen_option_of_the_highest(area, assessment):
    question = choice(area, 0, 2, 5)
    row = answer(assessment, question, 1)
    full()
    # P = 2 (option o1); O = max(0, 2, 5) = 5; area score 100 × 2 / 5 = 40
    assert points_of(row) == (D("2.00"), D("5.00"))
    assert (stored(assessment, "A").points, stored(assessment, "A").obtainable) == (D("2.00"), D("5.00"))
    assert stored(assessment, "A").score == D("40.000")


def test_yes_no_scores_yes_and_no(area, assessment):
    first, second = yes_no(area, yes=4), yes_no(area, yes=6)
    answer(assessment, first, 0)  # yes: 4
    answer(assessment, second, 1)  # no: 0
    full()
    # P = 4 + 0 = 4; O = 4 + 6 = 10; score 40
    assert stored(assessment, "A").score == D("40.000")


def test_multiple_choice_is_capped_at_max_points(area, assessment):
    question = choice(area, 3, 3, 3, kind=QuestionType.MULTIPLE, max_points=D("5"))
    row = answer(assessment, question, 0, 1, 2)
    full()
    # Σ chosen = 3 + 3 + 3 = 9, capped at max_points 5; O = 5
    assert points_of(row) == (D("5.00"), D("5.00"))
    assert stored(assessment, "A").score == D("100.000")


def test_multiple_choice_without_max_points_is_capped_at_the_sum_of_positive_options(area, assessment):
    question = choice(area, 4, 3, -2, kind=QuestionType.MULTIPLE)
    row = answer(assessment, question, 0, 2)
    full()
    # O = 4 + 3 (the −2 option is not positive) = 7; P = 4 + (−2) = 2; score 100 × 2 / 7 = 28.571
    assert points_of(row) == (D("2.00"), D("7.00"))
    assert stored(assessment, "A").score == D("28.571")


def test_multiple_choice_counts_an_option_listed_twice_once(area, assessment):
    question = choice(area, 2, 3, kind=QuestionType.MULTIPLE)
    row = answer(assessment, question, 0)
    Answer.objects.filter(pk=row.pk).update(options=[row.options[0], row.options[0]])
    full()
    # chosen {o0} once: P = 2; O = 2 + 3 = 5
    assert points_of(row) == (D("2.00"), D("5.00"))


def test_an_option_of_another_question_scores_nothing(area, assessment):
    question, other = choice(area, 1, 2), choice(area, 9)
    row = AnswerFactory(assessment=assessment, question=question, options=[other.options.get().pk])
    full()
    assert points_of(row) == (D("0.00"), D("2.00"))


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (-1, 0),  # below every band: 0
        (0, 1),  # [0, 10): the lower bound belongs to the band
        (9.99, 1),
        (10, 3),  # [10, 50)
        (49.99, 3),
        (50, 5),  # [50, open)
        (1_000_000, 5),  # the open upper band has no end
    ],
)
def test_number_scores_the_band_containing_the_value(area, assessment, value, points):
    question = banded(area, (0, 10, 1), (10, 50, 3), (50, None, 5))
    row = answer(assessment, question, number=value)
    full()
    # O = the highest band points = 5
    assert points_of(row) == (D(points), D("5.00"))


def test_percent_scores_its_bands_and_an_unanswered_value_scores_zero(area, assessment):
    question = banded(area, (0, 50, 0), (50, 90, 2), (90, 100.01, 4), kind=QuestionType.PERCENT)
    answered = answer(assessment, question, number=95)
    other = AssessmentFactory(round=assessment.round)
    empty = answer(other, question)
    full()
    # 95 % is in [90, 100.01): 4 of 4; no value: 0 of 4
    assert points_of(answered) == (D("4.00"), D("4.00"))
    assert points_of(empty) == (D("0.00"), D("4.00"))


def test_not_applicable_removes_the_question_from_the_obtainable_points(area, assessment):
    applicable = choice(area, 0, 4)
    excused = choice(area, 0, 6, allows_not_applicable=True)
    answer(assessment, applicable, 1)
    row = answer(assessment, excused, na=True)
    full()
    # P = 4 of O = 4 (the 6-point question is not applicable): 100; without the excuse it would be 4 / 10 = 40
    assert points_of(row) == (None, None)
    assert (stored(assessment, "A").obtainable, stored(assessment, "A").score) == (D("4.00"), D("100.000"))


def test_not_applicable_where_the_question_does_not_allow_it_counts_as_unanswered(area, assessment):
    strict = choice(area, 0, 6)
    row = answer(assessment, strict, 1, na=True)
    full()
    # the chosen option still counts: 6 of 6
    assert points_of(row) == (D("6.00"), D("6.00"))


def test_expert_answer_overrides_the_organisations_answer(area, assessment):
    question = choice(area, 0, 2, 5)
    overruled = answer(assessment, question, 2, expert=(1,))
    numbered = banded(area, (0, 10, 1), (10, None, 3))
    number_overruled = answer(assessment, numbered, number=20, expert_number=5)
    full()
    # the organisation said 5 points and ≥ 10; the expert 2 points and 5 (band [0, 10): 1)
    assert points_of(overruled) == (D("2.00"), D("5.00"))
    assert points_of(number_overruled) == (D("1.00"), D("3.00"))
    # area: (2 + 1) / (5 + 3) = 37.5
    assert stored(assessment, "A").score == D("37.500")


def test_expert_not_applicable_and_expert_choosing_nothing_override_too(area, assessment):
    excused = choice(area, 0, 6, allows_not_applicable=True)
    emptied = choice(area, 0, 4)
    answer(assessment, excused, 1, expert_na=True)
    answer(assessment, emptied, 1, expert=())
    full()
    # the expert excuses the 6-point question and chose nothing on the 4-point one: 0 of 4
    assert (stored(assessment, "A").points, stored(assessment, "A").obtainable) == (D("0.00"), D("4.00"))


def test_expert_fields_without_expert_answered_do_not_count(area, assessment):
    question = choice(area, 0, 2, 5)
    row = answer(assessment, question, 2)
    Answer.objects.filter(pk=row.pk).update(expert_options=option_ids(question, [0]), expert_answered=False)
    full()
    assert points_of(row) == (D("5.00"), D("5.00"))


def test_an_unanswered_question_counts_zero_of_its_obtainable_points(area, assessment):
    answered, blank = choice(area, 0, 3), choice(area, 0, 5)
    answer(assessment, answered, 1)
    answer(assessment, blank)  # a row with nothing chosen
    choice(area, 0, 2)  # no answer row at all
    full()
    # P = 3; O = 3 + 5 + 2 = 10: 30
    assert (stored(assessment, "A").points, stored(assessment, "A").obtainable) == (D("3.00"), D("10.00"))
    assert stored(assessment, "A").score == D("30.000")


def test_text_questions_and_unscored_areas_are_not_scored(area, assessment):
    scored = choice(area, 0, 5)
    text = QuestionFactory(area=area, question_type=QuestionType.TEXT)
    context = AreaFactory(methodology=area.methodology, code="CTX", scored=False)
    context_question = choice(context, 0, 100)
    answer(assessment, scored, 1)
    text_row = AnswerFactory(assessment=assessment, question=text, text="Mums ir stratēģija.")
    context_row = answer(assessment, context_question, 1)
    full()
    # only the 5-point question counts: 100; no score row for the unscored area
    assert points_of(text_row) == (None, None)
    assert points_of(context_row) == (None, None)
    assert stored(assessment, "A").score == D("100.000")
    assert not Score.objects.filter(assessment=assessment, area=context).exists()
    assert stored(assessment).score == D("100.000")


# --- area and overall scores, levels ---------------------------------------------------------------------------


def test_overall_score_is_the_weighted_mean_of_the_area_scores(assessment, area):
    heavy = AreaFactory(methodology=area.methodology, code="B", weight=D("3"))
    answer(assessment, choice(area, 0, 10), 1)  # A: 100, weight 1
    answer(assessment, choice(heavy, 0, 10), 0)  # B: 0, weight 3
    full()
    # (1 × 100 + 3 × 0) / (1 + 3) = 25; not the points' share (10 / 20 = 50)
    assert stored(assessment).score == D("25.000")
    # the overall row keeps the summed points beside it
    assert (stored(assessment).points, stored(assessment).obtainable) == (D("10.00"), D("20.00"))


def test_an_area_with_nothing_obtainable_has_no_score_and_is_left_out_of_the_overall(area, assessment):
    empty = AreaFactory(methodology=area.methodology, code="E", weight=D("5"))
    excused = choice(empty, 0, 8, allows_not_applicable=True)
    answer(assessment, excused, na=True)
    answer(assessment, choice(area, 0, 4, 8), 1)
    full()
    # E: O = 0 (its only question is not applicable): no value, no level; overall = A alone = 4 / 8 = 50
    assert (stored(assessment, "E").score, stored(assessment, "E").level) == (None, None)
    assert stored(assessment).score == D("50.000")


def test_an_assessment_with_nothing_obtainable_has_no_overall_score(area, assessment):
    full()
    # the area has no questions: O = 0 everywhere
    assert (stored(assessment, "A").score, stored(assessment).score, stored(assessment).level) == (None, None, None)


@pytest.mark.parametrize(
    ("chosen", "level"),
    [
        (0, 1),  # 0 of 100
        (1, 1),  # 19.99 < 20
        (2, 2),  # exactly 20 reaches level 2
        (3, 3),  # 59.99: level 3
        (4, 4),  # 60
        (5, 5),  # 100
    ],
)
def test_level_is_the_highest_level_whose_threshold_the_score_reaches(area, assessment, chosen, level):
    question = choice(area, 0, "19.99", 20, "59.99", 60, 100)
    answer(assessment, question, chosen)
    full()
    assert stored(assessment, "A").level == level


def test_areas_use_their_thresholds_and_the_overall_score_the_methodologys(assessment, area):
    methodology = area.methodology
    methodology.threshold_2, methodology.threshold_3 = D("30"), D("50")
    methodology.threshold_4, methodology.threshold_5 = D("70"), D("90")
    methodology.save()
    area.threshold_2, area.threshold_3, area.threshold_4, area.threshold_5 = D("10"), D("20"), D("40"), D("45")
    area.save()
    answer(assessment, choice(area, 0, 45, 100), 1)
    full()
    # score 45 in A and overall: area thresholds reach 45 → level 5; the methodology's reach only 30 → level 2
    assert (stored(assessment, "A").score, stored(assessment, "A").level) == (D("45.000"), 5)
    assert (stored(assessment).score, stored(assessment).level) == (D("45.000"), 2)


# --- trend and new level ---------------------------------------------------------------------------------------


class Rounds:
    """One organisation's rounds of one family, each with one area "A" scored by a single 100-point question."""

    def __init__(self, institution=None, family=Family.EINDEX_INSTITUTION):
        self.institution = institution or InstitutionFactory()
        self.family = family
        self.methodology = MethodologyFactory(family=family)
        self.area = AreaFactory(methodology=self.methodology, code="A")
        self.question = choice(self.area, *range(101))

    def take(self, year, score, status=APPROVED, institution=None, methodology=None, opened=None):
        """An assessment in a new round of `year` scoring `score` in A (and overall)."""
        methodology = methodology or self.methodology
        round_ = RoundFactory(methodology=methodology, year=year)
        if opened is not None:
            Round.objects.filter(pk=round_.pk).update(opened_at=opened)
        assessment = AssessmentFactory(round=round_, institution=institution or self.institution, status=status)
        question = methodology.areas.get(code="A").questions.get()
        answer(assessment, question, score)
        return assessment


@pytest.mark.parametrize(
    ("before", "after", "trend"),
    [
        (40, 46, "up"),  # +6 > 5
        (40, 45, ""),  # exactly +5 is no trend
        (46, 40, "down"),  # −6
        (45, 40, ""),  # exactly −5
        (40, 40, ""),
    ],
)
def test_trend_marks_a_change_of_more_than_five_points(before, after, trend):
    rounds = Rounds()
    rounds.take(2021, before)
    latest = rounds.take(2022, after)
    full()
    assert (stored(latest, "A").trend, stored(latest).trend) == (trend, trend)
    assert stored(latest, "A").previous_score == D(before)


def test_the_first_round_has_no_trend_and_no_new_level():
    first = Rounds().take(2021, 90)
    full()
    assert (stored(first).previous_score, stored(first).trend, stored(first).new_level) == (None, "", False)


def test_trend_compares_with_the_latest_earlier_round_by_year_then_opening():
    rounds = Rounds()
    now = timezone.now()
    rounds.take(2020, 10)
    rounds.take(2021, 50, opened=now - timedelta(days=30))
    rounds.take(2021, 30, opened=now - timedelta(days=60))  # same year, opened earlier: not the previous round
    latest = rounds.take(2022, 52, opened=now - timedelta(days=90))  # opened first, but of the latest year
    full()
    # previous = 2021 opened 30 days ago (50): +2, no trend; against 30 or 10 it would be ↑
    assert (stored(latest).previous_score, stored(latest).trend) == (D("50.000"), "")


def test_trend_skips_rounds_without_a_submitted_or_approved_current_assessment():
    rounds = Rounds()
    rounds.take(2020, 40, status=SUBMITTED)
    rounds.take(2021, 90, status=AssessmentStatus.DRAFT)  # not counted
    rounds.take(2021, 90, status=AssessmentStatus.RETURNED)  # not counted
    superseded = rounds.take(2022, 90)
    superseded.is_current = False  # reopened: its version 2 is a draft
    superseded.save()
    AssessmentFactory(round=superseded.round, institution=rounds.institution, version=2)
    latest = rounds.take(2023, 30)
    full()
    # previous = 2020 (40): −10, ↓
    assert (stored(latest).previous_score, stored(latest).trend) == (D("40.000"), "down")


def test_trend_ignores_other_families_and_other_organisations():
    rounds = Rounds()
    other_family = Rounds(institution=rounds.institution, family=Family.CONFORMITY)
    rounds.take(2020, 40)
    other_family.take(2021, 90)
    rounds.take(2021, 90, institution=InstitutionFactory())
    latest = rounds.take(2022, 42)
    full()
    assert (stored(latest).previous_score, stored(latest).trend) == (D("40.000"), "")


def test_trend_matches_areas_by_code_across_methodology_versions():
    rounds = Rounds()
    rounds.take(2021, 40)
    version_2 = MethodologyFactory(family=rounds.family)
    renamed = AreaFactory(methodology=version_2, code="A", name_en="Client service, revised")
    new_area = AreaFactory(methodology=version_2, code="N")
    choice(renamed, *range(101))
    latest = rounds.take(2022, 60, methodology=version_2)
    answer(latest, choice(new_area, 0, 10), 1)
    full()
    # A: 40 → 60 ↑; N did not exist in 2021: no previous score; overall (60 + 100) / 2 = 80 against 40 ↑
    assert (stored(latest, "A").previous_score, stored(latest, "A").trend) == (D("40.000"), "up")
    assert (stored(latest, "N").previous_score, stored(latest, "N").trend) == (None, "")
    assert (stored(latest).score, stored(latest).trend) == (D("80.000"), "up")


def test_new_level_marks_a_level_reached_for_the_first_time():
    rounds = Rounds()
    rounds.take(2020, 45)  # level 3
    second = rounds.take(2021, 65)  # level 4: never reached before
    third = rounds.take(2022, 62)  # level 4 again
    full()
    assert (stored(second, "A").new_level, stored(second).new_level) == (True, True)
    assert stored(third, "A").new_level is False


def test_new_level_looks_at_every_earlier_round_not_only_the_previous_one():
    rounds = Rounds()
    rounds.take(2019, 85)  # level 5
    rounds.take(2020, 45)  # level 3
    back = rounds.take(2021, 82)  # level 5 again: reached in 2019
    lower = rounds.take(2022, 65)  # level 4: below the 5 reached before, so reached on the way
    full()
    assert stored(back).new_level is False
    assert stored(back).trend == "up"  # 45 → 82 against the previous round
    assert stored(lower).new_level is False


# --- peer groups and ranking -----------------------------------------------------------------------------------


def ranked_round(scores, institutions):
    """One round of a one-area methodology (the area's question: 0–100 points); `scores[i]` for `institutions[i]`."""
    methodology = MethodologyFactory()
    area = AreaFactory(methodology=methodology, code="A")
    question = choice(area, *range(101))
    round_ = RoundFactory(methodology=methodology)
    made = []
    for institution, score in zip(institutions, scores, strict=True):
        assessment = AssessmentFactory(round=round_, institution=institution, status=SUBMITTED)
        answer(assessment, question, score)
        made.append(assessment)
    return made


def test_ranking_is_standard_competition_ranking():
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    agencies = [InstitutionFactory(parent=ministry) for _ in range(4)]
    assessments = ranked_round([90, 70, 70, 50], agencies)
    full()
    # 90 first; two 70s share 2nd; 50 is 4th, not 3rd
    assert [stored(a).rank for a in assessments] == [1, 2, 2, 4]
    assert [stored(a, "A").rank for a in assessments] == [1, 2, 2, 4]
    assert {stored(a).peer_group for a in assessments} == {f"sector:{ministry.pk}"}


def test_the_sector_holds_the_ministry_its_agencies_and_their_bodies():
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    agency = InstitutionFactory(parent=ministry)
    body = InstitutionFactory(parent=agency)
    other_ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    outsider = InstitutionFactory(parent=other_ministry)
    loner = InstitutionFactory()  # no ministry above it
    institutions = [ministry, agency, body, outsider, loner]
    assessments = ranked_round([10, 30, 20, 5, 99], institutions)
    full()
    # sector of `ministry`: 30 (agency) 1st, 20 (body) 2nd, 10 (ministry) 3rd; the outsider alone 1st; no group:
    # no rank
    assert [stored(a).rank for a in assessments] == [3, 1, 2, 1, None]
    assert [stored(a).peer_group for a in assessments] == [
        f"sector:{ministry.pk}",
        f"sector:{ministry.pk}",
        f"sector:{ministry.pk}",
        f"sector:{other_ministry.pk}",
        "",
    ]
    for institution, assessment in zip(institutions, assessments, strict=True):
        assert scoring.peer_group_of(institution) == stored(assessment).peer_group


def test_municipalities_are_ranked_within_their_development_tier():
    def municipality(tier):
        return InstitutionFactory(
            institution_type=InstitutionType.MUNICIPALITY, municipality=MunicipalityFactory(development_tier=tier)
        )

    national = [municipality(DevelopmentTier.NATIONAL) for _ in range(2)]
    local = [municipality(DevelopmentTier.LOCAL) for _ in range(2)]
    assessments = ranked_round([40, 60, 50, 10], national + local)
    full()
    # national tier: 60 1st, 40 2nd; local tier: 50 1st, 10 2nd
    assert [stored(a).rank for a in assessments] == [2, 1, 1, 2]
    assert [stored(a).peer_group for a in assessments] == ["tier:national"] * 2 + ["tier:local"] * 2
    assert scoring.peer_group_of(national[0]) == "tier:national"


def test_only_current_submitted_or_approved_assessments_are_ranked():
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    agencies = [InstitutionFactory(parent=ministry) for _ in range(4)]
    submitted, approved, draft, returned = ranked_round([50, 40, 90, 80], agencies)
    approved.status = APPROVED
    approved.save()
    draft.status = AssessmentStatus.DRAFT
    draft.save()
    returned.status = AssessmentStatus.RETURNED
    returned.save()
    full()
    # the draft (90) and the returned one (80) are scored but not ranked: 50 is 1st
    assert [stored(a).rank for a in (submitted, approved, draft, returned)] == [1, 2, None, None]
    assert stored(draft).score == D("90.000")


def test_areas_are_ranked_separately_from_the_overall_score():
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    first, second = ranked_round([30, 60], [InstitutionFactory(parent=ministry) for _ in range(2)])
    area_b = AreaFactory(methodology=first.round.methodology, code="B")
    question = choice(area_b, *range(101))
    answer(first, question, 100)
    answer(second, question, 0)
    full()
    # A: 60 beats 30; B: 100 beats 0; overall (30 + 100) / 2 = 65 beats (60 + 0) / 2 = 30
    assert (stored(first, "A").rank, stored(first, "B").rank, stored(first).rank) == (2, 1, 1)
    assert (stored(second, "A").rank, stored(second, "B").rank, stored(second).rank) == (1, 2, 2)


# --- incremental rescoring -------------------------------------------------------------------------------------


def snapshot():
    """Every stored score with every column except its key and the time it was computed, by (assessment,
    area), and every answer's points, so a difference names the row and the column."""
    columns = [f.attname for f in Score._meta.concrete_fields if f.attname not in ("id", "computed_at")]
    scores = {(row["assessment_id"], row["area_id"]): row for row in Score.objects.values(*columns)}
    answers = {row["id"]: row for row in Answer.objects.values("id", "points", "obtainable")}
    return scores, answers


@pytest.fixture
def league():
    """Two rounds of one sector (ministry, three agencies) on a two-area methodology, all approved."""
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    institutions = [ministry] + [InstitutionFactory(parent=ministry) for _ in range(3)]
    methodology = MethodologyFactory()
    areas = [AreaFactory(methodology=methodology, code=code) for code in ("A", "B")]
    questions = [choice(area, *range(101)) for area in areas]
    rounds = [RoundFactory(methodology=methodology, year=year) for year in (2021, 2022)]
    assessments = {}
    for r, round_ in enumerate(rounds):
        for i, institution in enumerate(institutions):
            assessment = AssessmentFactory(round=round_, institution=institution, status=APPROVED)
            answer(assessment, questions[0], 20 + 10 * i + 15 * r)
            answer(assessment, questions[1], 70 - 10 * i)
            assessments[r, i] = assessment
    full()
    return assessments, questions


def test_incremental_rescoring_of_a_changed_answer_equals_a_full_one(league):
    assessments, questions = league
    changed = assessments[0, 3]
    Answer.objects.filter(assessment=changed, question=questions[0]).update(options=option_ids(questions[0], [95]))
    outcome = scoring.rescore_assessments([changed.pk])
    incremental = snapshot()
    # 2021: institution 3's A goes 50 → 95: it overtakes everyone (rank 1) and 2022's A (65) now falls by 30 ↓
    assert stored(changed, "A").rank == 1
    assert stored(assessments[1, 3], "A").trend == "down"
    assert outcome.assessments == 1
    full()
    assert snapshot() == incremental


def test_incremental_rescoring_after_a_return_drops_the_assessment_from_the_ranks_and_the_trends(league):
    assessments, _questions = league
    returned = assessments[0, 3]
    returned.status = AssessmentStatus.RETURNED
    returned.save()
    scoring.rescore_assessments([returned.pk])
    incremental = snapshot()
    assert stored(returned).rank is None
    assert stored(assessments[1, 3]).previous_score is None  # 2021 no longer counts for its 2022 round
    full()
    assert snapshot() == incremental


def test_incremental_rescoring_of_a_new_version_after_reopening(league):
    assessments, questions = league
    approved = assessments[1, 0]
    approved.is_current = False
    approved.save()
    reopened = AssessmentFactory(round=approved.round, institution=approved.institution, version=2, status=SUBMITTED)
    answer(reopened, questions[0], 100)
    scoring.rescore_assessments([reopened.pk])
    incremental = snapshot()
    assert stored(approved).rank is None
    assert stored(reopened, "A").rank == 1
    full()
    assert snapshot() == incremental


def test_incremental_rescoring_follows_a_move_to_another_sector(league):
    assessments, _questions = league
    moved = assessments[1, 2]
    other = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    moved.institution.parent = other
    moved.institution.save()
    scoring.rescore_assessments([moved.pk])
    # alone in its new sector: 1st everywhere; its old sector's ranks close up around the gap
    assert (stored(moved).peer_group, stored(moved).rank, stored(moved, "A").rank) == (f"sector:{other.pk}", 1, 1)
    # 2022 A: 35, 45, (55 moved away), 65 → the 65 is 1st, 45 2nd, 35 3rd
    assert [stored(assessments[1, i], "A").rank for i in (3, 1, 0)] == [1, 2, 3]
    in_2022 = {a.pk for (r, _i), a in assessments.items() if r == 1}
    incremental = {key: row for key, row in snapshot()[0].items() if key[0] in in_2022}
    full()  # the full rescoring moves its 2021 round too, which no 2022 row depends on
    assert {key: row for key, row in snapshot()[0].items() if key[0] in in_2022} == incremental


def test_rescoring_one_round_equals_rescoring_everything(league):
    assessments, questions = league
    Answer.objects.filter(assessment__round=assessments[0, 0].round, question=questions[1]).update(
        options=option_ids(questions[1], [3])
    )
    outcome = scoring.rescore(round_id=assessments[0, 0].round_id)
    one_round = snapshot()
    assert outcome.assessments == 4
    full()
    assert snapshot() == one_round


def test_a_second_full_rescoring_changes_nothing(league):
    before = snapshot()
    outcome = full()
    assert snapshot() == before
    # the answers' points are rewritten only where they changed; every score row is new, with its trend and rank
    assert outcome.as_dict() == {
        "assessments": 8,
        "answers_updated": 0,
        "scores_written": 8 * 3,  # 2 areas + overall
        "trends_updated": 0,
        "ranks_updated": 0,
    }


def test_incremental_rescoring_of_unknown_assessments_does_nothing():
    assert scoring.rescore_assessments([987654]).as_dict() == scoring.Outcome().as_dict()


def test_a_failed_rescoring_leaves_the_old_scores(league, monkeypatch):
    assessments, questions = league
    before = snapshot()
    Answer.objects.filter(assessment=assessments[0, 0]).update(options=[])
    monkeypatch.setattr(scoring, "_ranks_sql", lambda dialect, groups: "SELECT * FROM no_such_table")
    with pytest.raises(Exception), transaction.atomic():
        scoring.rescore_assessments([assessments[0, 0].pk])
    assert snapshot() == before


# --- scheduling --------------------------------------------------------------------------------------------------


def test_schedule_rescore_runs_the_incremental_job_when_the_transaction_commits(
    area, assessment, django_capture_on_commit_callbacks
):
    answer(assessment, choice(area, 0, 5), 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        scoring.schedule_rescore([assessment.pk])
        assert not Score.objects.exists()  # nothing before the commit
    assert len(callbacks) == 1
    assert stored(assessment).score == D("100.000")


def test_schedule_rescore_sends_nothing_when_the_transaction_rolls_back(area, assessment, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.rescore_assessments, "delay", lambda ids: sent.append(ids))
    with pytest.raises(RuntimeError), transaction.atomic():
        scoring.schedule_rescore([assessment.pk])
        raise RuntimeError("rolled back")
    assert sent == []


def test_request_full_rescore_queues_a_full_job(area, assessment, django_capture_on_commit_callbacks):
    answer(assessment, choice(area, 0, 5), 1)
    with django_capture_on_commit_callbacks(execute=True):
        scoring.request_full_rescore(user=None)
    assert stored(assessment).score == D("100.000")


@pytest.mark.parametrize(("retries", "delay"), [(0, 10), (1, 60), (2, 300)])
def test_the_task_retries_a_failed_rescoring_later_each_time(monkeypatch, retries, delay):
    from celery.exceptions import Retry

    monkeypatch.setattr(scoring, "rescore_assessments", lambda ids: 1 / 0)
    task = tasks.rescore_assessments
    task.push_request(retries=retries, is_eager=False, called_directly=False)
    monkeypatch.setattr(task, "apply_async", lambda *args, **kwargs: None)  # no broker: the retry is not sent
    try:
        with pytest.raises(Retry) as retry:
            task.run([1])
    finally:
        task.pop_request()
    assert retry.value.when == delay


def test_the_task_gives_up_after_the_last_retry(monkeypatch):
    monkeypatch.setattr(scoring, "rescore", lambda round_id: 1 / 0)
    task = tasks.rescore_all
    task.push_request(retries=len(tasks.RETRY_DELAYS))
    try:
        with pytest.raises(ZeroDivisionError):
            task.run()
    finally:
        task.pop_request()


# --- reading ------------------------------------------------------------------------------------------------------


@pytest.fixture
def national_round():
    """Sector S (ministry + agency), tier "national" (two municipalities), one outsider; two areas A and B."""
    ministry = InstitutionFactory(institution_type=InstitutionType.MINISTRY)
    agency = InstitutionFactory(parent=ministry)
    cities = [
        InstitutionFactory(
            institution_type=InstitutionType.MUNICIPALITY,
            municipality=MunicipalityFactory(development_tier=DevelopmentTier.NATIONAL),
        )
        for _ in range(2)
    ]
    loner = InstitutionFactory()
    methodology = MethodologyFactory()
    a, b = AreaFactory(methodology=methodology, code="A"), AreaFactory(methodology=methodology, code="B")
    qa, qb = choice(a, *range(101)), choice(b, *range(101))
    round_ = RoundFactory(methodology=methodology)
    # (institution, A, B, status)
    plan = [
        (ministry, 10, 30, APPROVED),  # overall 20, levels A 1, B 2
        (agency, 50, 70, SUBMITTED),  # overall 60: levels 3, 4; overall 4
        (cities[0], 90, 90, APPROVED),  # 90: 5, 5; 5
        (cities[1], 40, 20, APPROVED),  # 30: 3, 2; 2
        (loner, 0, 0, APPROVED),  # 0: 1, 1; 1
        (InstitutionFactory(parent=ministry), 100, 100, AssessmentStatus.DRAFT),  # not counted
    ]
    for institution, score_a, score_b, status in plan:
        assessment = AssessmentFactory(round=round_, institution=institution, status=status)
        answer(assessment, qa, score_a)
        answer(assessment, qb, score_b)
    full()
    return round_, ministry, a, b


def test_averages_by_sector_tier_and_nation(national_round):
    round_, ministry, a, b = national_round
    sector = {
        (row["peer_group"], row["area_code"]): (row["mean"], row["count"]) for row in scoring.sector_averages(round_)
    }
    # sector: A (10 + 50) / 2 = 30, B (30 + 70) / 2 = 50, overall (20 + 60) / 2 = 40; the draft's 100 left out
    assert sector == {
        (f"sector:{ministry.pk}", "A"): (D("30"), 2),
        (f"sector:{ministry.pk}", "B"): (D("50"), 2),
        (f"sector:{ministry.pk}", None): (D("40"), 2),
    }
    tier = {(row["peer_group"], row["area_code"]): row["mean"] for row in scoring.tier_averages(round_)}
    # national tier: A (90 + 40) / 2 = 65, B (90 + 20) / 2 = 55, overall (90 + 30) / 2 = 60
    assert tier == {("tier:national", "A"): D("65"), ("tier:national", "B"): D("55"), ("tier:national", None): D("60")}
    # everyone counted: A (10 + 50 + 90 + 40 + 0) / 5 = 38; B (30 + 70 + 90 + 20 + 0) / 5 = 42; overall 40
    assert scoring.national_averages(round_) == {a.pk: D("38"), b.pk: D("42"), None: D("40")}


def test_level_distribution_counts_each_level_per_area_and_overall(national_round):
    round_, ministry, a, b = national_round
    distribution = scoring.level_distribution(round_)
    assert [row["area"] for row in distribution] == [a, b, None]
    # A: 10→1, 50→3, 90→5, 40→3, 0→1; B: 30→2, 70→4, 90→5, 20→2, 0→1; overall: 20→2, 60→4, 90→5, 30→2, 0→1
    assert [row["counts"] for row in distribution] == [
        {1: 2, 2: 0, 3: 2, 4: 0, 5: 1},
        {1: 1, 2: 2, 3: 0, 4: 1, 5: 1},
        {1: 1, 2: 2, 3: 0, 4: 1, 5: 1},
    ]
    assert [row["total"] for row in distribution] == [5, 5, 5]
    sector = scoring.level_distribution(round_, peer_group=f"sector:{ministry.pk}")
    assert sector[2]["counts"] == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}


def test_assessment_results_set_each_score_beside_its_peers_and_the_nation(national_round):
    round_, ministry, a, b = national_round
    agency_assessment = round_.assessments.get(institution__parent=ministry, status=SUBMITTED)
    rows = scoring.assessment_results(agency_assessment)
    assert [row["area"] for row in rows] == [a, b, None]
    # its A 50 against the sector's 30 and the nation's 38
    assert (rows[0]["score"].score, rows[0]["peer_average"], rows[0]["national_average"]) == (
        D("50.000"),
        D("30"),
        D("38"),
    )
    assert rows[2]["peer_count"] == 2


def test_peer_group_labels(national_round):
    _round, ministry, _a, _b = national_round
    from django.utils import translation

    with translation.override("en"):
        assert scoring.peer_group_label(f"sector:{ministry.pk}") == (
            f"Institutions of the ministry sector of {ministry.name_en}"
        )
        assert (
            scoring.peer_group_label("tier:national")
            == "Municipalities, development-centre tier: National significance"
        )
        assert scoring.peer_group_label("") == "No peer group"
