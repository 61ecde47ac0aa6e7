"""The demo self-assessments (assessments/demo_data.py): completed 2019 and 2021 E-index rounds of the registry's
state institutions and 43 municipalities whose averages and level shares resemble seed 002 §3.6, trend markers,
a conformity round with gaps, all marked as demo data; loading twice creates nothing new."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from assessments import gaps, scoring
from assessments.demo_data import CONFORMITY_INSTITUTIONS, PUBLISHED, load_assessment_demo, state_institutions
from assessments.models import Answer, Assessment, AssessmentStatus, Family, Question, Round, Score
from institutions.models import InstitutionType

MUNICIPALITIES = 43


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The reference data and the demo assessments, loaded once for the module inside a transaction that is
    rolled back after it; each test still runs in its own savepoint (the `db` fixture)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", verbosity=0)
        summary = load_assessment_demo()
        connection.check_constraints()
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return demo


def demo_round(family, year):
    return Round.objects.get(is_demo=True, methodology__family=family, year=year)


def means(round_):
    """{area code (None: overall): mean score} of the round's counted assessments."""
    return {row["area_code"]: float(row["mean"]) for row in scoring.averages(round_)}


def overall_shares(round_):
    """{level: % of the round's counted assessments at it overall}."""
    (overall,) = [row for row in scoring.level_distribution(round_) if row["area"] is None]
    return {level: 100 * count / overall["total"] for level, count in overall["counts"].items()}


def test_the_summary_counts_what_was_created(loaded):
    state = state_institutions().count()
    # 2 rounds × the state institutions + 2 rounds × 43 municipalities + the conformity round.
    expected = 2 * state + 2 * MUNICIPALITIES + len(CONFORMITY_INSTITUTIONS)
    assert loaded["assessment rounds created"] == Round.objects.filter(is_demo=True).count() == 5
    assert loaded["assessments created"] == Assessment.objects.count() == expected
    assert loaded["answers created"] == Answer.objects.count()
    assert loaded["assessments scored"] == expected


def test_every_demo_assessment_is_approved_marked_as_demo_and_fully_answered(loaded):
    assessments = Assessment.objects.all()
    assert not assessments.exclude(is_demo=True, status=AssessmentStatus.APPROVED, is_current=True).exists()
    for round_ in Round.objects.filter(is_demo=True).select_related("methodology"):
        questions = Question.objects.filter(area__methodology=round_.methodology).count()
        per_assessment = Answer.objects.filter(assessment__round=round_).count() / round_.assessments.count()
        assert per_assessment == questions, round_


def test_the_institution_rounds_hold_the_state_institutions_and_the_municipal_ones_the_43_municipalities(loaded):
    for year in (2019, 2021):
        institutions = demo_round(Family.EINDEX_INSTITUTION, year).assessments
        assert institutions.count() == state_institutions().count() > 40
        assert not institutions.filter(institution__institution_type=InstitutionType.MUNICIPALITY).exists()
        municipalities = demo_round(Family.EINDEX_MUNICIPALITY, year).assessments
        assert municipalities.filter(institution__institution_type=InstitutionType.MUNICIPALITY).count() == 43
        assert municipalities.count() == MUNICIPALITIES


@pytest.mark.parametrize("family", [Family.EINDEX_INSTITUTION, Family.EINDEX_MUNICIPALITY])
def test_the_2021_averages_are_within_a_few_points_of_the_published_ones(loaded, family):
    found = means(demo_round(family, 2021))
    for code, published in PUBLISHED[(family, 2021)].items():
        # The scores are drawn at the published averages; the answers' points come within a point or two.
        assert abs(found[code] - published.mean) <= 2.5, (code, found[code], published.mean)


@pytest.mark.parametrize("family", [Family.EINDEX_INSTITUTION, Family.EINDEX_MUNICIPALITY])
@pytest.mark.parametrize("year", [2019, 2021])
def test_the_overall_levels_follow_the_published_shares(loaded, family, year):
    shares = overall_shares(demo_round(family, year))
    published = PUBLISHED[(family, year)][None].shares
    total = sum(published)
    for level, share in zip((1, 2, 3, 4, 5), published, strict=True):
        assert abs(shares[level] - 100 * share / total) <= 8, (level, shares)
    assert max(shares, key=shares.get) == (1 if (family, year) == (Family.EINDEX_MUNICIPALITY, 2019) else 2)


def test_an_area_reproduces_its_published_level_shares(loaded):
    # Institutions' internal processes, 2021: 0 / 14 / 44 / 28 / 25 % (sum 111, so 0 / 13 / 40 / 25 / 23 of
    # the whole); each level within five points.
    round_ = demo_round(Family.EINDEX_INSTITUTION, 2021)
    (a5,) = [row for row in scoring.level_distribution(round_) if row["area"] and row["area"].code == "A5"]
    shares = {level: 100 * count / a5["total"] for level, count in a5["counts"].items()}
    for level, published in zip((1, 2, 3, 4, 5), (0, 14, 44, 28, 25), strict=True):
        assert abs(shares[level] - 100 * published / 111) <= 5, shares


def test_the_2021_round_shows_trend_markers_against_2019(loaded):
    for family in (Family.EINDEX_INSTITUTION, Family.EINDEX_MUNICIPALITY):
        scores_2021 = Score.objects.filter(assessment__round=demo_round(family, 2021))
        assert scores_2021.filter(trend=Score.Trend.UP).exists() and scores_2021.filter(trend=Score.Trend.DOWN).exists()
        assert scores_2021.filter(new_level=True).exists()
        assert not scores_2021.filter(previous_score__isnull=True).exists()
        scores_2019 = Score.objects.filter(assessment__round=demo_round(family, 2019))
        assert not scores_2019.exclude(trend="").exists()


def test_the_conformity_round_gives_the_gaps_page_something_to_show(loaded):
    round_ = demo_round(Family.CONFORMITY, 2024)
    assert round_.assessments.count() == len(CONFORMITY_INSTITUTIONS)
    found = {assessment.institution.short_name: gaps.gaps(assessment) for assessment in round_.assessments.all()}
    assert all(found.values())
    assert all(gap.reached < gap.target for gaps_ in found.values() for gap in gaps_)


def test_loading_again_creates_nothing_and_changes_no_answer(loaded):
    before = list(Answer.objects.order_by("pk").values_list("pk", "options", "number", "not_applicable"))
    again = load_assessment_demo()
    assert again == {"assessment rounds created": 0, "assessments created": 0, "answers created": 0}
    assert list(Answer.objects.order_by("pk").values_list("pk", "options", "number", "not_applicable")) == before
