"""Methodologies as data: the shipped reference versions, idempotent loading, new versions, the frozen rule and
the admin pages of methodologies and questions."""

import copy
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from assessments.methodologies import (
    is_frozen,
    load_methodologies,
    new_version,
    reference_trees,
    target_points,
    tree_of,
    write_definition,
)
from assessments.models import (
    Area,
    Assessment,
    AssessmentStatus,
    Band,
    Family,
    Methodology,
    Option,
    Question,
    QuestionType,
    Round,
)
from assessments.resources import definition_from_tree
from institutions.resources import ImportRejected
from tests.factories import InstitutionFactory, UserFactory

EXPECTED_QUESTIONS = {
    Family.EINDEX_INSTITUTION: {"A0": 3, "A1": 4, "A2": 11, "A3": 4, "A4": 9, "A5": 15},
    Family.EINDEX_MUNICIPALITY: {"A0": 3, "A1": 3, "A2": 11, "A3": 4, "A4": 9, "A5": 15},
    Family.CONFORMITY: {"K1": 10, "K2": 3, "K3": 10, "K4": 12},
}
# Seed 002 §3.6, Figures 1 and 3: the published area averages (A1–A5) and overall averages of 2021.
PUBLISHED_AVERAGES = {
    Family.EINDEX_INSTITUTION: ({"A1": 56, "A2": 38, "A3": 24, "A4": 20, "A5": 75}, 41),
    Family.EINDEX_MUNICIPALITY: ({"A1": 40, "A2": 28, "A3": 31, "A4": 42, "A5": 33}, 37),
}


def small_tree(family=Family.EINDEX_INSTITUTION, version=1):
    """One scored area with a yes/no question and a banded percent question."""
    return {
        "family": family,
        "version": version,
        "year": 2025,
        "name_lv": "Mazā metodika",
        "name_en": "Small methodology",
        "areas": [
            {
                "code": "S1",
                "order": 1,
                "name_lv": "Sadaļa",
                "name_en": "Area",
                "weight": 2,
                "questions": [
                    {
                        "code": "S1.1",
                        "order": 1,
                        "question_type": QuestionType.YES_NO,
                        "text_lv": "Vai?",
                        "text_en": "Is it?",
                        "options": [
                            {"code": "yes", "order": 1, "name_lv": "Jā", "name_en": "Yes", "points": 1},
                            {"code": "no", "order": 2, "name_lv": "Nē", "name_en": "No", "points": 0},
                        ],
                    },
                    {
                        "code": "S1.2",
                        "order": 2,
                        "question_type": QuestionType.PERCENT,
                        "text_lv": "Cik procentu?",
                        "text_en": "What share?",
                        "bands": [
                            {"lower": 0, "upper": 50, "points": 0},
                            {"lower": 50, "upper": None, "points": 2},
                        ],
                    },
                ],
            }
        ],
    }


def make_methodology(tree=None):
    methodology, _counts = write_definition(definition_from_tree(tree or small_tree()))
    return methodology


def freeze(methodology, status=AssessmentStatus.SUBMITTED):
    """Give the version an assessment in `status` (submitted: the version is frozen)."""
    assessment_round = Round.objects.create(
        methodology=methodology, name_lv="Kārta", year=2025, deadline=date(2025, 12, 1)
    )
    return Assessment.objects.create(round=assessment_round, institution=InstitutionFactory(), status=status)


def row_counts():
    return [model.objects.count() for model in (Methodology, Area, Question, Option, Band)]


@pytest.fixture
def reference(db):
    load_methodologies()
    return {methodology.family: methodology for methodology in Methodology.objects.all()}


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English."""
    with translation.override("en"):
        yield


# --- the reference versions ----------------------------------------------------------------------------------


def test_reference_files_load_with_the_expected_areas_and_question_counts(reference):
    assert set(reference) == set(EXPECTED_QUESTIONS)
    for family, expected in EXPECTED_QUESTIONS.items():
        areas = reference[family].areas.all()
        assert {area.code: area.questions.count() for area in areas} == expected, family


def test_reference_versions_are_marked_as_reconstructions_with_assumed_defaults(reference):
    for methodology in reference.values():
        assert methodology.version == 1
        assert not methodology.is_demo
        assert "Assumed" in methodology.defaults_note and "Pieņēmumi" in methodology.defaults_note
        assert "assum" in methodology.description_en
    assert "reconstruction" in reference[Family.EINDEX_INSTITUTION].name_en


def test_institution_only_and_municipality_only_indicators_stay_in_their_variant(reference):
    def texts(family):
        return set(Question.objects.filter(area__methodology=reference[family]).values_list("text_en", flat=True))

    institution, municipality = texts(Family.EINDEX_INSTITUTION), texts(Family.EINDEX_MUNICIPALITY)
    e_participation = "Which e-participation features does the institution's website offer?"
    municipal_website = "Which of these features does the municipality's website offer?"
    assert e_participation in institution and e_participation not in municipality
    assert municipal_website in municipality and municipal_website not in institution


def test_the_context_area_has_no_score_and_no_weight(reference):
    context = reference[Family.EINDEX_MUNICIPALITY].areas.get(code="A0")
    assert not context.scored
    assert context.weight == 0


@pytest.mark.parametrize("family", list(PUBLISHED_AVERAGES))
def test_default_weights_reproduce_the_published_overall_averages(reference, family):
    # Institutions: (20×56 + 15×38 + 10×24 + 35×20 + 20×75) / 100 = 41.3 → 41.
    # Municipalities: (20×40 + 15×28 + 10×31 + 35×42 + 20×33) / 100 = 36.6 → 37.
    averages, published = PUBLISHED_AVERAGES[family]
    weights = {area.code: area.weight for area in reference[family].areas.filter(scored=True)}
    overall = sum(weights[code] * Decimal(score) for code, score in averages.items()) / sum(weights.values())
    assert round(overall) == published
    assert len(set(weights.values())) > 1  # seed 002 §3.2: the weights are not equal


def test_default_thresholds_place_the_published_scores_in_their_levels(reference):
    institutions = reference[Family.EINDEX_INSTITUTION]
    # Overall: 41 is level 2; 60–66 are level 3; 75 (Ventspils, Cēsis) is still level 3; 92 is level 5.
    assert [institutions.level_for(Decimal(score)) for score in (41, 60, 66, 75, 92)] == [2, 3, 3, 3, 5]
    areas = {area.code: area for area in institutions.areas.all()}
    # Figure 1: open data 24% is level 2, service provision 20% level 1, internal processes 75% level 3.
    assert areas["A3"].level_for(Decimal(24)) == 2
    assert areas["A4"].level_for(Decimal(20)) == 1
    assert areas["A5"].level_for(Decimal(75)) == 3
    # Figure 3: the municipalities' client service average of 28% is level 1.
    client_service = reference[Family.EINDEX_MUNICIPALITY].areas.get(code="A2")
    assert client_service.level_for(Decimal(28)) == 1


def test_every_scored_question_can_earn_points_and_fits_its_type(reference):
    for question in Question.objects.filter(area__scored=True).prefetch_related("options", "bands"):
        points = [option.points for option in question.options.all()] + [band.points for band in question.bands.all()]
        if question.question_type in (QuestionType.YES_NO, QuestionType.SINGLE, QuestionType.MULTIPLE):
            assert question.options.count() >= 2, question.code
            assert not question.bands.exists(), question.code
        if question.question_type == QuestionType.PERCENT:
            assert question.bands.exists() and not question.options.exists(), question.code
        if "opinion" not in question.help_en:
            assert max(points) > 0, question.code


def test_conformity_questions_are_rated_on_degrees_with_a_target(reference):
    questions = Question.objects.filter(area__methodology=reference[Family.CONFORMITY]).prefetch_related("options")
    for question in questions:
        assert question.question_type == QuestionType.SINGLE
        assert [option.points for option in question.options.all()] == [0, 1, 2, 3, 4]
        assert target_points(question) == 3
    conditions = questions.filter(area__code="K3")
    assert all(condition.allows_not_applicable for condition in conditions)
    assert conditions.filter(text_en__contains="manageability").exists()
    assert questions.filter(area__code="K1", text_en__contains="openness and mutual awareness").exists()


def test_target_points_read_the_help_text_in_either_language():
    assert target_points(Question(help_en="Degrees: ... Target degree: 2.")) == 2
    assert target_points(Question(help_lv="Mērķa pakāpe: 4.")) == 4
    assert target_points(Question(help_en="No target here.")) is None


# --- idempotent loading ------------------------------------------------------------------------------------------


def test_loading_again_changes_nothing(reference):
    before = row_counts()
    history = Methodology.history.count()
    trees = {family: tree_of(methodology) for family, methodology in reference.items()}

    assert load_methodologies() == {"skip": 3}

    assert row_counts() == before
    assert Methodology.history.count() == history
    for family, methodology in reference.items():
        assert tree_of(methodology) == trees[family]


def test_loading_brings_an_unfrozen_reference_version_back_to_its_file(reference):
    question = Question.objects.get(area__methodology=reference[Family.CONFORMITY], code="K3.01")
    Question.objects.filter(pk=question.pk).update(text_en="Changed by hand")
    Option.objects.filter(question=question, code="d4").delete()

    assert load_methodologies() == {"update": 1, "skip": 2}

    question.refresh_from_db()
    assert question.text_en.startswith("Condition “manageability”")
    assert question.options.filter(code="d4").exists()


def test_the_loader_refuses_to_change_a_frozen_version_and_saves_nothing(reference):
    municipalities = reference[Family.EINDEX_MUNICIPALITY]
    freeze(municipalities)
    Area.objects.filter(methodology=municipalities, code="A1").update(weight=Decimal("99"))
    Question.objects.filter(area__methodology=reference[Family.CONFORMITY], code="K1.01").update(text_en="Edited")

    with pytest.raises(ImportRejected) as rejected:
        load_methodologies()

    assert "frozen" in rejected.value.errors[0]
    assert municipalities.areas.get(code="A1").weight == Decimal("99")
    # The whole load is one transaction: the unfrozen version earlier in the run was not restored either.
    assert Question.objects.get(area__methodology=reference[Family.CONFORMITY], code="K1.01").text_en == "Edited"


def test_a_frozen_version_equal_to_its_file_loads_without_complaint(reference):
    freeze(reference[Family.EINDEX_INSTITUTION])
    assert load_methodologies() == {"skip": 3}


# --- frozen --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, frozen",
    [
        (AssessmentStatus.DRAFT, False),
        (AssessmentStatus.SUBMITTED, True),
        (AssessmentStatus.RETURNED, True),
        (AssessmentStatus.APPROVED, True),
    ],
)
def test_a_version_is_frozen_once_an_assessment_of_it_was_submitted(db, status, frozen):
    methodology = make_methodology()
    assert not is_frozen(methodology)
    freeze(methodology, status)
    assert is_frozen(methodology) is frozen
    assert methodology.is_frozen is frozen  # the model's property agrees


# --- new versions ------------------------------------------------------------------------------------------------


def test_new_version_copies_everything_and_leaves_the_old_one_unchanged(db):
    original = make_methodology()
    freeze(original)
    before = tree_of(original)
    coordinator = UserFactory(role=Role.COORDINATOR)

    copy_ = new_version(original, user=coordinator)

    assert copy_.version == 2 and copy_.based_on == original
    assert tree_of(original) == before
    assert tree_of(copy_) == {**before, "version": 2}
    assert not set(copy_.areas.values_list("pk", flat=True)) & set(original.areas.values_list("pk", flat=True))
    assert Option.objects.filter(question__area__methodology=copy_).count() == 2
    assert Band.objects.filter(question__area__methodology=copy_).count() == 2
    assert not is_frozen(copy_)
    assert copy_.history.first().history_user == coordinator


def test_new_version_takes_the_next_number_of_the_family(db):
    first = make_methodology()
    make_methodology(small_tree(version=2))
    make_methodology(small_tree(family=Family.CONFORMITY, version=7))
    assert new_version(first).version == 3


def test_removing_an_answered_question_is_refused(db):
    methodology = make_methodology()
    assessment = freeze(methodology, AssessmentStatus.DRAFT)
    question = Question.objects.get(area__methodology=methodology, code="S1.2")
    assessment.answers.create(question=question, number=Decimal("70"))
    tree = small_tree()
    del tree["areas"][0]["questions"][1]

    with pytest.raises(ImportRejected) as rejected:
        write_definition(definition_from_tree(tree))

    assert rejected.value.errors == ["question S1 / S1.2 is no longer in the methodology, but 1 answers use it"]
    assert Question.objects.filter(pk=question.pk).exists()


def test_removing_a_chosen_option_is_refused(db):
    methodology = make_methodology()
    assessment = freeze(methodology, AssessmentStatus.DRAFT)
    question = Question.objects.get(area__methodology=methodology, code="S1.1")
    no = question.options.get(code="no")
    assessment.answers.create(question=question, options=[no.pk])
    tree = small_tree()
    tree["areas"][0]["questions"][0]["options"][1]["code"] = "nope"

    with pytest.raises(ImportRejected) as rejected:
        write_definition(definition_from_tree(tree))

    assert "option no of question S1 / S1.1" in rejected.value.errors[0]
    assert Option.objects.filter(pk=no.pk).exists()


# --- the admin -----------------------------------------------------------------------------------------------------


def _staff(client, role):
    user = UserFactory(role=role, is_staff=True)
    client.force_login(user)
    return user


def _change_data(methodology, **changes):
    """The change form of a methodology as posted, with its areas inline."""
    data = {
        field: getattr(methodology, field)
        for field in ("year", "name_lv", "name_en", "description_lv", "description_en", "defaults_note")
    }
    data.update({f"threshold_{level}": getattr(methodology, f"threshold_{level}") for level in (2, 3, 4, 5)})
    areas = list(methodology.areas.all())
    data.update(
        {
            "areas-TOTAL_FORMS": len(areas),
            "areas-INITIAL_FORMS": len(areas),
            "areas-MIN_NUM_FORMS": 0,
            "areas-MAX_NUM_FORMS": 1000,
        }
    )
    for index, area in enumerate(areas):
        prefix = f"areas-{index}-"
        data.update(
            {
                prefix + "id": area.pk,
                prefix + "methodology": methodology.pk,
                prefix + "code": area.code,
                prefix + "order": area.order,
                prefix + "name_lv": area.name_lv,
                prefix + "name_en": area.name_en,
                prefix + "weight": area.weight,
                prefix + "scored": "on" if area.scored else "",
                **{prefix + f"threshold_{level}": getattr(area, f"threshold_{level}") for level in (2, 3, 4, 5)},
            }
        )
    data.update(changes)
    return {key: value for key, value in data.items() if value not in ("", None)}


def test_a_coordinator_changes_an_unfrozen_methodology_and_its_areas(client, db):
    methodology = make_methodology()
    _staff(client, Role.COORDINATOR)
    url = reverse("admin:assessments_methodology_change", args=[methodology.pk])

    response = client.post(url, _change_data(methodology, name_en="Renamed", **{"areas-0-weight": "3.5"}))

    assert response.status_code == 302, response.content.decode()[:2000]
    methodology.refresh_from_db()
    assert methodology.name_en == "Renamed"
    assert methodology.areas.get().weight == Decimal("3.5")


def test_an_editor_cannot_see_the_methodology_pages(client, db):
    methodology = make_methodology()
    question = Question.objects.filter(area__methodology=methodology).first()
    _staff(client, Role.EDITOR)
    for url in (
        reverse("admin:assessments_methodology_changelist"),
        reverse("admin:assessments_methodology_change", args=[methodology.pk]),
        reverse("admin:assessments_question_change", args=[question.pk]),
        reverse("admin:assessments_methodology_import"),
        reverse("admin:assessments_methodology_export", args=[methodology.pk, "xlsx"]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("admin:assessments_methodology_change", args=[methodology.pk]), _change_data(methodology, name_en="X")
    )
    assert response.status_code == 403
    methodology.refresh_from_db()
    assert methodology.name_en == "Small methodology"


def test_an_expert_reads_but_does_not_change_a_methodology(client, db):
    methodology = make_methodology()
    _staff(client, Role.EXPERT)
    url = reverse("admin:assessments_methodology_change", args=[methodology.pk])
    page = client.get(url).content.decode()
    assert 'name="name_lv"' not in page
    assert client.post(url, _change_data(methodology, name_en="X")).status_code == 403


def test_a_frozen_version_is_read_only_in_the_admin(client, db):
    methodology = make_methodology()
    freeze(methodology)
    question = Question.objects.filter(area__methodology=methodology).first()
    _staff(client, Role.COORDINATOR)
    url = reverse("admin:assessments_methodology_change", args=[methodology.pk])

    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'name="name_lv"' not in text and 'name="areas-0-weight"' not in text
    assert "This version is frozen" in text
    assert "Create a new version" in text

    assert client.post(url, _change_data(methodology, name_en="X")).status_code == 403
    question_url = reverse("admin:assessments_question_change", args=[question.pk])
    assert 'name="text_lv"' not in client.get(question_url).content.decode()
    assert client.post(question_url, {"text_lv": "X"}).status_code == 403
    methodology.refresh_from_db()
    assert methodology.name_en == "Small methodology"


def test_the_new_version_button_and_action_copy_a_frozen_version(client, db):
    methodology = make_methodology()
    freeze(methodology)
    _staff(client, Role.COORDINATOR)

    response = client.post(reverse("admin:assessments_methodology_new_version", args=[methodology.pk]))
    copy_ = Methodology.objects.get(family=methodology.family, version=2)
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("admin:assessments_methodology_change", args=[copy_.pk]))

    client.post(
        reverse("admin:assessments_methodology_changelist"),
        {"action": "create_new_version", "_selected_action": [methodology.pk]},
    )
    assert Methodology.objects.filter(family=methodology.family, version=3, based_on=methodology).exists()
    assert (
        client.get(reverse("admin:assessments_methodology_change", args=[copy_.pk]))
        .content.decode()
        .count('name="name_lv"')
        == 1
    )


def test_an_expert_cannot_create_a_new_version(client, db):
    methodology = make_methodology()
    _staff(client, Role.EXPERT)
    assert client.post(reverse("admin:assessments_methodology_new_version", args=[methodology.pk])).status_code == 403
    assert Methodology.objects.count() == 1


def test_the_question_form_checks_options_against_the_question_type(client, db):
    methodology = make_methodology()
    question = Question.objects.get(area__methodology=methodology, code="S1.2")
    _staff(client, Role.COORDINATOR)
    url = reverse("admin:assessments_question_change", args=[question.pk])
    bands = list(question.bands.all())
    data = {
        "area": question.area_id,
        "code": question.code,
        "order": question.order,
        "question_type": QuestionType.PERCENT,
        "text_lv": question.text_lv,
        "mandatory": "on",
        "options-TOTAL_FORMS": 0,
        "options-INITIAL_FORMS": 0,
        "bands-TOTAL_FORMS": 2,
        "bands-INITIAL_FORMS": 2,
    }
    for index, band in enumerate(bands):
        data.update(
            {
                f"bands-{index}-id": band.pk,
                f"bands-{index}-question": question.pk,
                f"bands-{index}-lower": band.lower,
                f"bands-{index}-upper": band.upper or "",
                f"bands-{index}-points": band.points,
            }
        )
    overlapping = {**data, "bands-0-upper": "60"}  # [0, 60) overlaps [50, …)

    response = client.post(url, overlapping)
    assert response.status_code == 200
    assert "overlaps another band" in response.content.decode()

    response = client.post(url, {**data, "question_type": QuestionType.SINGLE})
    assert response.status_code == 200
    assert question.bands.count() == 2
    question.refresh_from_db()
    assert question.question_type == QuestionType.PERCENT

    assert client.post(url, data).status_code == 302


def test_the_reference_tree_shape_round_trips_through_tree_of(reference):
    """The reference files are in tree_of's shape, so a version can be dumped as a new reference file."""
    loaded = {tree["family"]: tree for tree in reference_trees()}
    for family, methodology in reference.items():
        assert definition_from_tree(tree_of(methodology)) == definition_from_tree(copy.deepcopy(loaded[family]))


def test_the_admin_keeps_questions_and_options_that_answers_use(client, db):
    methodology = make_methodology()
    assessment = freeze(methodology, AssessmentStatus.DRAFT)
    question = Question.objects.get(area__methodology=methodology, code="S1.1")
    yes, no = question.options.order_by("order")
    assessment.answers.create(question=question, options=[no.pk])
    _staff(client, Role.COORDINATOR)
    url = reverse("admin:assessments_question_change", args=[question.pk])
    data = {
        "area": question.area_id,
        "code": question.code,
        "order": question.order,
        "question_type": QuestionType.YES_NO,
        "text_lv": question.text_lv,
        "mandatory": "on",
        "options-TOTAL_FORMS": 3,
        "options-INITIAL_FORMS": 2,
        "bands-TOTAL_FORMS": 0,
        "bands-INITIAL_FORMS": 0,
        "options-2-code": "maybe",
        "options-2-order": 3,
        "options-2-name_lv": "Varbūt",
        "options-2-points": "0",
    }
    for index, option in enumerate((yes, no)):
        data.update(
            {
                f"options-{index}-id": option.pk,
                f"options-{index}-question": question.pk,
                f"options-{index}-code": option.code,
                f"options-{index}-order": option.order,
                f"options-{index}-name_lv": option.name_lv,
                f"options-{index}-points": option.points,
            }
        )

    response = client.post(url, {**data, "options-1-DELETE": "on"})

    assert response.status_code == 200
    assert "Options chosen in answers cannot be deleted: no." in response.content.decode()
    assert question.options.filter(pk=no.pk).exists()
    assert (
        client.post(reverse("admin:assessments_question_delete", args=[question.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Question.objects.filter(pk=question.pk).exists()
    assert client.post(url, {**data, "options-0-DELETE": "on"}).status_code == 302
    assert set(question.options.values_list("code", flat=True)) == {"no", "maybe"}


def test_rounds_and_assessments_are_read_mostly_in_the_admin(client, db):
    methodology = make_methodology()
    assessment = freeze(methodology)
    assessment.answers.create(question=Question.objects.get(area__methodology=methodology, code="S1.2"), number=70)
    _staff(client, Role.COORDINATOR)
    round_url = reverse("admin:assessments_round_change", args=[assessment.round_id])
    assessment_url = reverse("admin:assessments_assessment_change", args=[assessment.pk])

    for url in (reverse("admin:assessments_round_changelist"), reverse("admin:assessments_assessment_changelist")):
        assert client.get(url).status_code == 200
    assert 'name="deadline"' in client.get(round_url).content.decode()
    assert 'name="methodology"' not in client.get(round_url).content.decode()
    page = client.get(assessment_url).content.decode()
    assert 'name="status"' not in page and "70" in page
    assert client.get(reverse("admin:assessments_round_add")).status_code == 403
    assert client.post(assessment_url, {"status": AssessmentStatus.APPROVED}).status_code == 403

    _staff(client, Role.EDITOR)
    assert client.get(round_url).status_code == 403
    assert client.get(assessment_url).status_code == 403
