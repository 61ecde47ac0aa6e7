"""The evaluation files of a project (transformation/report.py, report_pdf.py): the XLSX and the PDF carry the same
before/after table and cost–benefit figures as the project page, numbers as numbers, in the reader's language.

The world and the full before/after set are tests/transformation/test_views.py's; the figures worked out by hand
are in its docstring (Δ R1 = 35, Δ% = 116.6667; net benefit 190,000; benefit–cost ratio 2.1176; payback 1.9355)."""

import base64
import io
import re
import zlib
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext

from tests.transformation.test_views import (  # noqa: F401 (the world fixture)
    FULL_SET,
    measure,
    measure_all,
    signed_in,
    url,
    world,
)
from transformation import report, report_pdf, workflow
from transformation.models import MeasurementPhase, MeasurementSource, ProjectMember

pytestmark = pytest.mark.django_db

D = Decimal


def pdf_text(content):
    """The text operands of a PDF's content streams (reportlab writes them ASCII85- and Flate-encoded); ASCII
    letters keep their codes in the embedded font's first subset."""
    text = []
    pattern = rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream"
    for stream in re.findall(pattern, content, re.S):
        text.append(zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>"))))
    assert text, "no content stream found"
    return b"\n".join(text).decode("latin-1")


def workbook(content):
    return openpyxl.load_workbook(io.BytesIO(content))


def sheet_rows(book, title):
    return [list(row) for row in book[title].iter_rows(values_only=True)]


@pytest.fixture
def evaluated(world):  # noqa: F811
    measure_all(world.project_a)
    measure(world.project_a, "R4", MeasurementPhase.INTERIM, D("12"))
    ProjectMember.objects.create(project=world.project_a, person_name="Anna Bērziņa", role="project_lead")
    return world


def test_the_workbook_holds_the_before_after_table_with_numbers_as_numbers(evaluated):
    content = report.render_xlsx(report.build_evaluation(evaluated.project_a, "en", as_of=date(2025, 12, 1)))
    rows = sheet_rows(workbook(content), "Before and after")
    header, body = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert header[:11] == [
        "Code",
        "Indicator",
        "Unit",
        "Mandatory",
        "Good direction",
        "Baseline",
        "Interim",
        "Final",
        "Δ",
        "Δ %",
        "Gain or loss",
    ]
    assert list(body) == list(FULL_SET)
    # R1: 30 → 65, Δ 35, Δ% 35 / 30 × 100 = 116.6667, a gain
    r1 = body["R1"]
    assert (r1["Baseline"], r1["Final"], r1["Δ"], r1["Gain or loss"]) == (30, 65, 35, "Gain")
    assert float(r1["Δ %"]) == pytest.approx(116.6667)
    # R4: 14 → 12 → 11; R7 70 → 65 a loss; R8.1 Δ% empty (baseline 0)
    assert (body["R4"]["Interim"], body["R4"]["Δ"], body["R4"]["Gain or loss"]) == (12, -3, "Gain")
    assert (body["R7"]["Δ"], body["R7"]["Gain or loss"]) == (-5, "Loss")
    assert body["R8.1"]["Δ %"] in (None, "")
    assert body["R6"]["Final"] == "Ieguvumi pārsniedz izmaksas."
    assert "2024" in body["R1"]["Periods"]


def test_the_workbook_holds_the_cost_benefit_figures_and_the_counts(evaluated):
    book = workbook(report.render_xlsx(report.build_evaluation(evaluated.project_a, "en")))
    money = {row[0]: row[1] for row in sheet_rows(book, "Costs and benefits")[1:] if row[0]}
    # I 120,000; R 10,000; B 72,000; h 5 → net 360,000 − 170,000 = 190,000; BCR 2.1176; payback 1.9355 years
    assert money["One-off investment (I)"] == 120000
    assert money["Net benefit"] == 190000
    assert float(money["Benefit–cost ratio"]) == pytest.approx(2.1176, abs=1e-4)
    assert float(money["Payback period (years)"]) == pytest.approx(1.9355, abs=1e-4)
    counts = dict(sheet_rows(book, "Gains and losses")[1:])
    assert counts == {"Gain": 5, "Loss": 2, "Unchanged": 0, "Not classed": 4}
    project = sheet_rows(book, "Project")
    assert project[0][0] == "Evaluation of the transformation project “Pieteikumu pārveide”"
    assert ["Anna Bērziņa", "Project lead", None] in [row[:3] for row in project]  # no e-mail: an empty cell


def test_the_workbook_follows_the_chosen_language_and_marks_prefilled_values(evaluated):
    r1 = evaluated.project_a.measurements.get(indicator__code="R1", phase="baseline")
    r1.source, r1.source_note = MeasurementSource.PREFILLED, "2024, 1 service(s): 650 of 1000 digital."
    r1.save()
    book = workbook(report.render_xlsx(report.build_evaluation(evaluated.project_a, "lv")))
    with translation.override("lv"):
        title, code = gettext("Before and after"), gettext("Code")
    rows = sheet_rows(book, title[:31])
    assert rows[0][0] == code
    body = {row[0]: row for row in rows[1:]}
    assert body["R1"][5] == 30  # the number stays a number whatever the language
    assert body["R1"][13] == "Baseline: 2024, 1 service(s): 650 of 1000 digital.".replace("Baseline", rows[0][5])


def test_the_pdf_names_the_project_and_the_indicators(evaluated):
    content = report_pdf.render_pdf(report.build_evaluation(evaluated.project_a, "en"))
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Before and after" in text
    for code in ("R1", "R8.3"):
        assert f"({code})" in text


def test_the_download_names_the_file_and_follows_the_readers_scope(client, evaluated):
    workflow.close_project(evaluated.project_a, on=date(2025, 12, 1))
    client = signed_in(client, evaluated.editor)
    response = client.get(url("evaluation-xlsx", pk=evaluated.project_a.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="evaluation-{evaluated.project_a.pk}-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    pdf = client.get(url("evaluation-pdf", pk=evaluated.project_a.pk))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert (
        signed_in(client, evaluated.editor_b).get(url("evaluation-xlsx", pk=evaluated.project_a.pk)).status_code == 404
    )
