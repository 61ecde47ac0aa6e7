"""The results pages (assessments/results_views.py): an organisation's results and a round's national view, their
CSV, XLSX and PDF exports, and the results rule of assessments/results.py — an editor sees their own
organisation's results, the league table of their own peer group and the aggregates of the others (none of
fewer than three organisations), never another organisation's individual scores.

The data set, worked out by hand. Methodology: areas K and P (weight 1 each, thresholds 20/40/60/80, also
overall), one single-choice question each with options worth 0, 5 and 10 points (obtainable 10). Ministry One's
sector: Alpha, Beta, Gamma (and Foxtrot, a draft); Ministry Two's sector: Delta alone; Epsilon, a municipality of
the national tier, alone in its tier.

    2020 (approved)  K    P    overall     2021     K    P    overall  level  status
    Alpha            50   50   50          Alpha    100  50   75       4      approved (K: self 5, expert 10)
    Beta             50   50   50          Beta     50   50   50       3      submitted (P: expert 5)
    Gamma            100  50   75          Gamma    100  100  100      5      approved
                                           Delta    0    50   25       2      submitted
                                           Epsilon  50   0    25       2      approved
                                           Foxtrot  100  100  100      —      draft: not counted

2021 national averages (5 counted): K (100+50+100+0+50)/5 = 60 (level 4), P (50+50+100+50+0)/5 = 50 (level 3),
overall (75+50+100+25+25)/5 = 55 (level 3). Ministry One (3): K 250/3 = 83.3, P 200/3 = 66.7, overall 225/3 = 75.
2020 national (3): K 200/3 = 66.7, P 50, overall 175/3 = 58.3; so K −6.7 ↓, P 0, overall −3.3.
Ranks in Ministry One, overall: Gamma 1, Alpha 2, Beta 3; K: Alpha 1, Gamma 1, Beta 3; P: Gamma 1, Alpha 2, Beta 2.
Alpha against 2020: K 100 − 50 = +50 ↑, P 0, overall +25 ↑ and level 4 never reached before ☆.
"""

import base64
import csv
import io
import re
import zlib
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, Role
from assessments import results, scoring
from assessments.models import Answer, AssessmentStatus, Family
from institutions.models import DevelopmentTier, InstitutionType
from tests.assessments.factories import (
    AreaFactory,
    AssessmentFactory,
    MethodologyFactory,
    OptionFactory,
    QuestionFactory,
    RoundFactory,
)
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

APPROVED, SUBMITTED, DRAFT = AssessmentStatus.APPROVED, AssessmentStatus.SUBMITTED, AssessmentStatus.DRAFT
OTHERS_OF_ALPHA = ("Delta", "Epsilon")  # not in Alpha's peer group
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    rounds: dict
    organisations: dict
    assessments: dict  # (year, name) -> Assessment
    users: dict

    def assessment(self, name, year=2021):
        return self.assessments[(year, name)]


def _question(area, code):
    question = QuestionFactory(area=area, code=code, text_lv=f"Jautājums {code}?", text_en=f"Question {code}?")
    options = {
        points: OptionFactory(
            question=question,
            code=f"p{points}",
            order=index,
            name_lv=f"{points} p.",
            name_en=f"{points} points",
            points=Decimal(points),
        )
        for index, points in enumerate((0, 5, 10))
    }
    return question, options


def _answer(assessment, question, options, points, expert=None):
    Answer.objects.create(
        assessment=assessment,
        question=question,
        options=[options[points].pk],
        expert_answered=expert is not None,
        expert_options=[options[expert].pk] if expert is not None else [],
    )


@pytest.fixture
def world():
    methodology = MethodologyFactory(family=Family.EINDEX_INSTITUTION, name_lv="E-indekss", name_en="E-index")
    area_k = AreaFactory(methodology=methodology, code="K", order=1, name_lv="Komunikācija", name_en="Communication")
    area_p = AreaFactory(methodology=methodology, code="P", order=2, name_lv="Pakalpojumi", name_en="Services")
    questions = {"K": _question(area_k, "K1"), "P": _question(area_p, "P1")}
    rounds = {
        2020: RoundFactory(methodology=methodology, year=2020, name_lv="Kārta 2020", name_en="Round 2020"),
        2021: RoundFactory(methodology=methodology, year=2021, name_lv="Kārta 2021", name_en="Round 2021"),
    }
    one = InstitutionFactory(
        institution_type=InstitutionType.MINISTRY, name_lv="Ministry One", name_en="Ministry One", parent=None
    )
    two = InstitutionFactory(
        institution_type=InstitutionType.MINISTRY, name_lv="Ministry Two", name_en="Ministry Two", parent=None
    )
    city = MunicipalityFactory(development_tier=DevelopmentTier.NATIONAL)

    def organisation(name, **fields):
        return InstitutionFactory(name_lv=name, name_en=name, short_name=name[:4].upper(), **fields)

    organisations = {
        "Alpha": organisation("Alpha", parent=one),
        "Beta": organisation("Beta", parent=one),
        "Gamma": organisation("Gamma", parent=one),
        "Foxtrot": organisation("Foxtrot", parent=one),
        "Delta": organisation("Delta", parent=two),
        "Epsilon": organisation(
            "Epsilon", institution_type=InstitutionType.MUNICIPALITY, municipality=city, parent=None
        ),
    }
    # name: (status, K points, P points, expert's K, expert's P); points of 10 obtainable, so a score is 10 × points
    plan = {
        2020: {
            "Alpha": (APPROVED, 5, 5, None, None),
            "Beta": (APPROVED, 5, 5, None, None),
            "Gamma": (APPROVED, 10, 5, None, None),
        },
        2021: {
            "Alpha": (APPROVED, 5, 5, 10, None),
            "Beta": (SUBMITTED, 5, 5, None, 5),
            "Gamma": (APPROVED, 10, 10, None, None),
            "Delta": (SUBMITTED, 0, 5, None, None),
            "Epsilon": (APPROVED, 5, 0, None, None),
            "Foxtrot": (DRAFT, 10, 10, None, None),
        },
    }
    assessments = {}
    for year, entries in plan.items():
        for name, (status, k, p, expert_k, expert_p) in entries.items():
            assessment = AssessmentFactory(round=rounds[year], institution=organisations[name], status=status)
            _answer(assessment, *questions["K"], k, expert_k)
            _answer(assessment, *questions["P"], p, expert_p)
            assessments[(year, name)] = assessment
    scoring.rescore()

    def member(name, role=Role.EDITOR):
        user = UserFactory(username=f"{role}-{name}".lower(), role=role, password=None)
        Membership.objects.create(user=user, institution=organisations[name], can_edit=role == Role.EDITOR)
        return user

    users = {
        "alpha": member("Alpha"),
        "alpha_viewer": member("Alpha", Role.VIEWER),
        "beta": member("Beta"),
        "delta": member("Delta"),
        "coordinator": UserFactory(username="koordinators", role=Role.COORDINATOR, password=None),
        "expert": UserFactory(username="eksperts", role=Role.EXPERT, password=None),
        "outsider": UserFactory(username="cits", role=Role.EDITOR, member_of=[InstitutionFactory()], password=None),
    }
    return World(rounds, organisations, assessments, users)


def client_of(world, who):
    client = Client()
    client.force_login(world.users[who])
    return client


def url(name, *args, language="en"):
    """English addresses by default: the tests read English headers and words."""
    with translation.override(language):
        return reverse(f"assessments:{name}", args=args)


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def csv_table(response, key):
    """{first cell: row as {header: cell}} of a CSV download."""
    header, *rows = csv_rows(response)
    return {row[header.index(key)]: dict(zip(header, row, strict=True)) for row in rows}


def pdf_text(content):
    """The text operands of a PDF's content streams (reportlab writes them ASCII85- and Flate-encoded), where
    names in ASCII appear as they are."""
    text = []
    pattern = rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream"
    for stream in re.findall(pattern, content, re.S):
        text.append(zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>"))))
    assert text, "no content stream found"
    return b"\n".join(text).decode("latin-1")


# --- an organisation's results: the numbers ---------------------------------------------------------------------------


def test_the_area_table_of_alpha_holds_its_scores_ranks_trends_and_averages(world):
    response = client_of(world, "alpha").get(url("results", world.assessment("Alpha").pk), {"_export": "csv"})
    rows = csv_table(response, "Area")
    k, p, overall = rows["K Communication"], rows["P Services"], rows["Overall score"]
    # K: expert's 10 of 10 = 100, level 5 for the first time ☆ (2020: 50, level 3) → +50 ↑; rank 1 (tied with
    # Gamma); peers 83.3; national 60
    assert [k[c] for c in list(k)[1:]] == ["100.0", "5", "↑", "Yes", "50.0", "50.0", "1", "3", "83.3", "60.0"]
    # P: 50, level 3, no change; rank 2 (tied with Beta, after Gamma); peers 66.7; national 50
    assert [p[c] for c in list(p)[1:]] == ["50.0", "3", "", "No", "50.0", "0.0", "2", "3", "66.7", "50.0"]
    # overall (100 + 50) / 2 = 75, level 4 for the first time ☆, +25 ↑; rank 2 of 3; peers 75; national 55
    assert [overall[c] for c in list(overall)[1:]] == [
        "75.0",
        "4",
        "↑",
        "Yes",
        "50.0",
        "25.0",
        "2",
        "3",
        "75.0",
        "55.0",
    ]


def test_the_result_page_shows_the_summary_the_chart_and_the_answer_that_counts(world):
    response = client_of(world, "alpha").get(url("results", world.assessment("Alpha").pk, language="en"))
    assert response.status_code == 200
    page = response.content.decode()
    chart = response.context["chart"]
    assert not chart.is_empty and chart.columns[1:] == ["Alpha", "Peer-group average", "National average"]
    # area × {organisation, peers, national}: K 100 / 83.3 / 60, P 50 / 66.7 / 50, overall 75 / 75 / 55
    assert [cells for _label, cells in chart.rows] == [
        ["100.0", "83.3", "60.0"],
        ["50.0", "66.7", "50.0"],
        ["75.0", "75.0", "55.0"],
    ]
    assert chart.svg in page and "<svg" in page
    assert "2 of 3" in page and "☆" in page
    answers = response.context["answer_tables"][0][1]
    (row,) = list(answers.as_values())[1:]
    # K1 counts the expert's 10 points, the organisation's own 5 beside it
    assert row == ["K1", "Question K1?", "10 points", "Yes", "5 points", 10.0, 10.0]


def test_the_answers_export_lists_every_scored_question_with_its_points(world):
    response = client_of(world, "alpha").get(url("results", world.assessment("Alpha").pk), {"_export_answers": "csv"})
    header, *rows = csv_rows(response)
    assert [row[1] for row in rows] == ["K1", "P1"]
    assert [row[-2:] for row in rows] == [["10.0", "10.0"], ["5.0", "10.0"]]


def test_while_the_review_is_under_way_the_organisation_sees_no_expert_answer_or_its_points(world):
    response = client_of(world, "beta").get(url("results", world.assessment("Beta").pk, language="en"))
    assert response.context["results"].review_pending
    p1 = response.context["answer_tables"][1][1]
    (row,) = list(p1.as_values())[1:]
    assert row == ["P1", "Question P1?", "under the expert's review", "No", "5 points", None, None]
    coordinator = client_of(world, "coordinator").get(url("results", world.assessment("Beta").pk, language="en"))
    (row,) = list(coordinator.context["answer_tables"][1][1].as_values())[1:]
    assert row == ["P1", "Question P1?", "5 points", "Yes", "5 points", 5.0, 10.0]


def test_a_draft_is_shown_as_a_preview_without_a_rank(world):
    client = client_of(world, "coordinator")
    response = client.get(url("results", world.assessment("Foxtrot").pk))
    assert response.status_code == 200
    assert not response.context["results"].counted
    assert 'id="preview-notice"' in response.content.decode()
    assert response.context["results"].overall.score.rank is None


def test_the_previous_round_is_linked_from_the_result_page(world):
    response = client_of(world, "alpha").get(url("results", world.assessment("Alpha").pk))
    assert response.context["results"].previous == world.assessment("Alpha", 2020)
    assert url("results", world.assessment("Alpha", 2020).pk) in response.content.decode()


# --- scoping ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["results", "results-pdf"])
def test_an_editor_of_alpha_gets_404_for_the_results_of_beta(world, name):
    response = client_of(world, "alpha").get(url(name, world.assessment("Beta").pk))
    assert response.status_code == 404


def test_a_user_outside_the_round_gets_404_for_its_national_view(world):
    client = client_of(world, "outsider")
    assert client.get(url("round-results", world.rounds[2021].pk)).status_code == 404
    assert client.get(url("round-results-pdf", world.rounds[2021].pk)).status_code == 404


def test_the_results_of_alpha_never_name_another_organisation(world):
    client = client_of(world, "alpha")
    pk = world.assessment("Alpha").pk
    page = client.get(url("results", pk)).content.decode()
    downloads = [
        client.get(url("results", pk), {trigger: "csv"}).content.decode("utf-8-sig")
        for trigger in ("_export", "_export_answers")
    ]
    pdf = pdf_text(client.get(url("results-pdf", pk)).content)
    for text in (page, *downloads, pdf):
        for other in ("Beta", "Gamma", "Delta", "Epsilon", "Foxtrot"):
            assert other not in text


def test_an_editor_sees_the_league_table_of_their_own_peer_group_only(world):
    response = client_of(world, "alpha").get(url("round-results", world.rounds[2021].pk), {"_export_league": "csv"})
    header, *rows = csv_rows(response)
    names = [row[header.index("Organisation")] for row in rows]
    # Ministry One's counted assessments by rank: Gamma 100, Alpha 75, Beta 50; Foxtrot is a draft
    assert names == ["Gamma", "Alpha", "Beta"]
    assert [row[header.index("Rank")] for row in rows] == ["1", "2", "3"]


def test_the_national_view_of_an_editor_withholds_other_groups_of_fewer_than_three(world):
    client = client_of(world, "alpha")
    pk = world.rounds[2021].pk
    page = client.get(url("round-results", pk)).content.decode()
    sectors = csv_rows(client.get(url("round-results", pk), {"_export_sectors": "csv"}))
    tiers = csv_rows(client.get(url("round-results", pk), {"_export_tiers": "csv"}))
    pdf = pdf_text(client.get(url("round-results-pdf", pk)).content)
    # Ministry One (3, Alpha's own): 83.3, 66.7, 75.0; Ministry Two (Delta alone) and the tier (Epsilon alone):
    # withheld
    assert sectors[1][1:] == ["3", "83.3", "66.7", "75.0"]
    assert sectors[2][1:] == ["1", "", "", ""]
    assert tiers[1][1:] == ["1", "", "", ""]
    for text in (page, pdf):
        for other in OTHERS_OF_ALPHA:
            assert other not in text
    assert 'id="scope-notice"' in page


def test_an_editor_alone_in_their_sector_sees_only_their_own_league_and_the_other_sector_average(world):
    client = client_of(world, "delta")
    response = client.get(url("round-results", world.rounds[2021].pk), {"_export_league": "csv"})
    header, *rows = csv_rows(response)
    assert [row[header.index("Organisation")] for row in rows] == ["Delta"]
    page = client.get(url("round-results", world.rounds[2021].pk)).content.decode()
    for other in ("Alpha", "Beta", "Gamma", "Epsilon"):
        assert other not in page
    sectors = csv_rows(client.get(url("round-results", world.rounds[2021].pk), {"_export_sectors": "csv"}))
    # Ministry One has 3 organisations: its averages are shown; Delta's own sector (1) too, it is Delta's score
    assert [row[1:] for row in sectors[1:]] == [["3", "83.3", "66.7", "75.0"], ["1", "0.0", "50.0", "25.0"]]


def test_the_coordinator_and_experts_see_every_league_table(world):
    for who in ("coordinator", "expert"):
        response = client_of(world, who).get(url("round-results", world.rounds[2021].pk), {"_export_league": "csv"})
        header, *rows = csv_rows(response)
        names = [row[header.index("Organisation")] for row in rows]
        assert sorted(names) == ["Alpha", "Beta", "Delta", "Epsilon", "Gamma"]


def test_the_peer_group_filter_offers_only_the_readers_groups(world):
    client = client_of(world, "alpha")
    ministry_two = f"{scoring.SECTOR_PREFIX}{world.organisations['Delta'].parent_id}"
    response = client.get(url("round-results", world.rounds[2021].pk), {"group": ministry_two, "_export_league": "csv"})
    header, *rows = csv_rows(response)
    # an invalid choice falls back to the reader's own groups
    assert [row[header.index("Organisation")] for row in rows] == ["Gamma", "Alpha", "Beta"]


# --- a round's national view: the numbers -----------------------------------------------------------------------------


def test_year_on_year_compares_the_national_averages_with_the_previous_round(world):
    response = client_of(world, "coordinator").get(
        url("round-results", world.rounds[2021].pk), {"_export_years": "csv"}
    )
    header, *rows = csv_rows(response)
    # area, average, level, n, previous average, previous n, change, trend
    assert [row[1:] for row in rows] == [
        ["60.0", "4", "5", "66.7", "3", "-6.7", "↓"],
        ["50.0", "3", "5", "50.0", "3", "0.0", ""],
        ["55.0", "3", "5", "58.3", "3", "-3.3", ""],
    ]


def test_the_level_distribution_counts_and_shares_the_counted_assessments(world):
    client = client_of(world, "coordinator")
    pk = world.rounds[2021].pk
    counts = csv_rows(client.get(url("round-results", pk), {"_export_levels": "csv"}))
    # L1..L5 and total: K 1,0,2,0,2; P 1,0,3,0,1; overall 0,2,1,1,1 (Foxtrot's draft is not counted)
    assert [row[1:] for row in counts[1:]] == [
        ["1", "0", "2", "0", "2", "5"],
        ["1", "0", "3", "0", "1", "5"],
        ["0", "2", "1", "1", "1", "5"],
    ]
    shares = csv_rows(client.get(url("round-results", pk), {"_export_levels": "csv", "measure": "share"}))
    assert shares[3][1:] == ["0.0", "40.0", "20.0", "20.0", "20.0", "5"]


def test_the_league_of_one_peer_group_for_the_coordinator(world):
    ministry_one = f"{scoring.SECTOR_PREFIX}{world.organisations['Alpha'].parent_id}"
    response = client_of(world, "coordinator").get(
        url("round-results", world.rounds[2021].pk), {"group": ministry_one, "_export_league": "csv"}
    )
    header, *rows = csv_rows(response)
    # rank, organisation, score, level, trend, ☆, previous, change
    assert [row[1:] for row in rows] == [
        ["1", "Gamma", "100.0", "5", "↑", "Yes", "75.0", "25.0"],
        ["2", "Alpha", "75.0", "4", "↑", "Yes", "50.0", "25.0"],
        ["3", "Beta", "50.0", "3", "", "No", "50.0", "0.0"],
    ]


def test_the_national_view_shows_its_charts(world):
    response = client_of(world, "coordinator").get(url("round-results", world.rounds[2021].pk))
    assert response.status_code == 200
    charts = response.context["charts"]
    assert not charts["levels"].is_empty and charts["levels"].columns[1:6] == [
        "1 situational",
        "2 intuitive",
        "3 defined",
        "4 managed",
        "5 optimal",
    ]
    assert not charts["sectors"].is_empty and not charts["years"].is_empty
    page = response.content.decode()
    assert page.count("<svg") >= 4


def test_the_reader_rule(world):
    round_ = world.rounds[2021]
    alpha = results.reader_of(world.users["alpha"], round_)
    ministry_one = f"{scoring.SECTOR_PREFIX}{world.organisations['Alpha'].parent_id}"
    assert alpha.sees_league(ministry_one) and not alpha.sees_league("tier:national")
    assert alpha.sees_aggregate(results.NATIONAL, 3) and not alpha.sees_aggregate(results.NATIONAL, 2)
    assert alpha.sees_aggregate(ministry_one, 1)
    assert results.reader_of(world.users["expert"], round_).sees_league("tier:national")


# --- exports ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["_export", "_export_answers"])
def test_the_result_tables_download_as_xlsx(world, trigger):
    response = client_of(world, "alpha").get(url("results", world.assessment("Alpha").pk), {trigger: "xlsx"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 4 if trigger == "_export" else sheet.max_row == 3


@pytest.mark.parametrize(
    "trigger", ["_export_league", "_export_levels", "_export_sectors", "_export_tiers", "_export_years"]
)
def test_every_national_table_downloads_as_xlsx_and_csv(world, trigger):
    client = client_of(world, "coordinator")
    xlsx = client.get(url("round-results", world.rounds[2021].pk), {trigger: "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == XLSX
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.max_row >= 2
    assert len(csv_rows(client.get(url("round-results", world.rounds[2021].pk), {trigger: "csv"}))) >= 2


def test_the_result_page_downloads_as_a_pdf_with_the_organisations_name(world):
    response = client_of(world, "alpha").get(url("results-pdf", world.assessment("Alpha").pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Alpha" in pdf_text(response.content)


def test_the_national_view_downloads_as_a_pdf_with_the_league(world):
    response = client_of(world, "coordinator").get(url("round-results-pdf", world.rounds[2021].pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert all(name in text for name in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon"))


def test_a_round_without_a_counted_assessment_shows_empty_views(world):
    round_ = RoundFactory(methodology=world.rounds[2021].methodology, year=2022, name_en="Round 2022")
    AssessmentFactory(round=round_, institution=world.organisations["Alpha"], status=DRAFT)
    scoring.rescore()
    client = client_of(world, "coordinator")
    response = client.get(url("round-results", round_.pk))
    assert response.status_code == 200
    assert response.context["league_tables"] == [] and response.context["charts"]["levels"].is_empty
    # no average of its own; the previous round (2021) still has its averages: 55 overall
    assert [row.mean for row in response.context["results"].years] == [None, None, None]
    assert [row.previous_mean for row in response.context["results"].years] == [60.0, 50.0, 55.0]
    assert client.get(url("round-results-pdf", round_.pk)).content.startswith(b"%PDF")


def test_the_national_view_reads_a_fixed_number_of_queries_whatever_the_number_of_organisations(world):
    client = client_of(world, "coordinator")
    address = url("round-results", world.rounds[2021].pk)
    with CaptureQueriesContext(connection) as before:
        assert client.get(address).status_code == 200
    for name in ("Hotel", "India", "Juliet"):
        institution = InstitutionFactory(name_lv=name, name_en=name, parent=world.organisations["Alpha"].parent)
        AssessmentFactory(round=world.rounds[2021], institution=institution, status=APPROVED)
    scoring.rescore()
    with CaptureQueriesContext(connection) as after:
        assert client.get(address).status_code == 200
    assert len(after) == len(before)
