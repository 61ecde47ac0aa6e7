"""The project's SVG charts: well-formed SVG that names itself to assistive technology, states its figures in words
and as a table, keeps AA contrast, and escapes whatever text it is given."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_lazy

from reports.charts import (
    MUTED_INK,
    PALETTE,
    Series,
    bar_chart,
    grouped_bar_chart,
    line_chart,
    nice_scale,
    number_formatter,
    percent_formatter,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart):
    return ET.fromstring(str(chart.svg))


def texts(chart):
    return [element.text for element in parse(chart).iter(f"{SVG}text")]


def relative_luminance(colour):
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first, second):
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- accessibility -------------------------------------------------------------------------------------------------


def test_bar_chart_is_an_image_with_title_description_and_label():
    chart = bar_chart("Completed by channel", ["Portal", "Phone"], [1200, 300])

    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Completed by channel"
    assert root.get("aria-describedby") == f"{chart.chart_id}-desc"
    assert root.find(f"{SVG}title").text == "Completed by channel"
    assert root.find(f"{SVG}desc").text == "Portal: 1,200; Phone: 300."
    assert root.find(f"{SVG}desc").get("id") == f"{chart.chart_id}-desc"


def test_bar_chart_writes_each_value_and_gives_the_same_numbers_as_a_table():
    chart = bar_chart("Completed", ["Portal", "Phone"], [1200, 300], category_label="Channel", value_label="Completed")

    assert "1,200" in texts(chart) and "300" in texts(chart)
    assert chart.columns == ["Channel", "Completed"]
    assert chart.rows == [("Portal", ["1,200"]), ("Phone", ["300"])]
    # Bars in proportion: 300 is a quarter of 1 200's length.
    widths = [float(rect.get("width")) for rect in parse(chart).iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(4 * widths[1], rel=0.01)


def test_every_palette_colour_has_aa_contrast_on_white_and_under_white_text():
    for colour in PALETTE:
        assert contrast(colour, "#ffffff") >= 4.5, colour
        assert contrast(colour, "#f4f6f8") >= 4.5, colour  # the page's canvas


def test_lines_differ_by_dash_and_marker_not_only_by_colour():
    chart = line_chart("Trend", ["2022", "2023"], [Series("All", [10, 20]), Series("Digital", [5, 15])])

    root = parse(chart)
    polylines = list(root.iter(f"{SVG}polyline"))
    assert len(polylines) == 2
    assert polylines[0].get("stroke-dasharray") is None and polylines[1].get("stroke-dasharray")
    # Circles for the first series (two points and its legend), squares for the second.
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    assert len([r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]) == 2


def test_text_is_escaped():
    chart = bar_chart('<script>alert("x")</script>', ["A & B <b>"], [5])

    assert "<script>" not in chart.svg and "<b>" not in chart.svg
    assert "&lt;script&gt;" in chart.svg and "A &amp; B &lt;b&gt;" in chart.svg
    parse(chart)  # still well-formed


# --- the three charts ----------------------------------------------------------------------------------------------


def test_stacked_bar_chart_has_a_legend_segments_and_totals():
    chart = stacked_bar_chart(
        "Channel mix",
        ["2023", "2024"],
        [Series("Digital", [600, 800]), Series("Phone", [300, 150]), Series("In person", [100, 0])],
        category_label="Year",
    )

    words = texts(chart)
    assert {"Digital", "Phone", "In person"} <= set(words)  # the legend
    assert "1,000" in words and "950" in words  # totals: 600 + 300 + 100, 800 + 150 + 0
    segments = [rect for rect in parse(chart).iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert len(segments) == 5  # the zero is not drawn
    assert chart.columns == ["Year", "Digital", "Phone", "In person", "Total"]
    assert chart.rows[1] == ("2024", ["800", "150", "0", "950"])


def test_line_chart_breaks_at_a_missing_value_and_labels_the_points():
    chart = line_chart("Completed", ["2020", "2021", "2022", "2023"], [Series("Completed", [100, None, 300, 400])])

    polylines = list(parse(chart).iter(f"{SVG}polyline"))
    assert len(polylines) == 1  # 2020 stands alone; 2022–2023 are joined
    assert len(polylines[0].get("points").split()) == 2
    assert {"100", "300", "400", "2020", "2023"} <= set(texts(chart))
    assert chart.rows[1] == ("2021", ["—"])


def test_line_chart_of_shares_uses_percentages():
    chart = line_chart(
        "Digital take-up",
        ["2022", "2023"],
        [Series("Take-up", [0.5, 0.625])],
        formatter=percent_formatter(1),
        axis_formatter=percent_formatter(0),
        max_value=1,
    )

    words = texts(chart)
    assert "50.0 %" in words and "62.5 %" in words
    assert "100 %" in words  # the axis goes up to the whole


def test_charts_without_figures_are_empty_and_keep_their_table():
    for chart in (
        bar_chart("Nothing", [], []),
        bar_chart("No values", ["A"], [None]),
        line_chart("Gaps", ["2023"], [Series("X", [None])]),
        stacked_bar_chart("No values", ["A"], [Series("X", [None])]),
    ):
        assert chart.is_empty and chart.svg == ""
    assert bar_chart("No values", ["A"], [None]).rows == [("A", ["—"])]


def test_zero_is_a_figure_and_is_charted():
    chart = bar_chart("Reports submitted", ["A", "B"], [0, 0], formatter=percent_formatter(0), max_value=1)

    assert not chart.is_empty
    assert texts(chart).count("0 %") >= 2  # each bar's value (and the axis' first tick)


def test_negative_values_are_refused():
    with pytest.raises(ValueError):
        bar_chart("Bad", ["A"], [-1])


def test_the_same_chart_keeps_its_id_and_another_gets_another():
    first = bar_chart("Completed", ["A"], [1])
    assert bar_chart("Completed", ["A"], [1]).chart_id == first.chart_id
    assert bar_chart("Completed", ["A"], [2]).chart_id != first.chart_id
    assert re.fullmatch(r"chart-[0-9a-f]{10}", first.chart_id)


@pytest.mark.parametrize(
    ("maximum", "top", "step"),
    [(1200, 1250, 250), (7957, 8000, 2000), (1, 1, 0.2), (0.98, 1, 0.2), (0, 1, 0.2), (95, 100, 20)],
)
def test_axis_scale_is_round(maximum, top, step):
    assert nice_scale(maximum) == pytest.approx((top, step))


# --- numbers and the template --------------------------------------------------------------------------------------


def test_numbers_follow_the_language():
    with translation.override("lv"):
        assert number_formatter()(1234567) == "1\xa0234\xa0567"
        assert percent_formatter(1)(0.4567) == "45,7 %"
    assert number_formatter(1)(1234.56) == "1,234.6"
    assert number_formatter()(None) == "—"


def test_template_tag_renders_the_figure_with_its_svg_and_table():
    chart = bar_chart("Completed by channel", ["Portal"], [42], category_label="Channel", value_label="Completed")

    html = Template("{% load charts %}{% chart chart %}").render(Context({"chart": chart}))

    assert f'aria-labelledby="{chart.chart_id}-caption"' in html
    assert "<figcaption" in html and "Completed by channel" in html
    assert html.count("<svg") == 1
    assert '<th scope="row">Portal</th><td class="numeric">42</td>' in html


def test_template_tag_says_so_when_there_is_nothing_to_chart():
    html = Template("{% load charts %}{% chart chart %}").render(Context({"chart": bar_chart("Empty", [], [])}))
    assert "<svg" not in html and "No figures to chart." in html


def test_number_filters():
    html = Template(
        "{% load charts %}{{ share|percent }} {{ share|percent:0 }} {{ score|number:1 }} {{ none|number }}"
    ).render(Context({"share": 0.8, "score": 66.666, "none": None}))
    assert html == "80.0 % 80 % 66.7 —"


def test_a_small_count_gets_whole_number_ticks_that_never_repeat():
    # Counts up to 1: a step of 0.2 would label the ticks 0, 0, 0, 1, 1, 1 once rounded; whole steps give 0 and 1.
    assert nice_scale(1, whole=True) == (1, 1)
    assert nice_scale(3, whole=True) == (3, 1)
    # 12 / 5 ticks = 2.4: 2.5 is no whole step, so 5, and the top is 15
    assert nice_scale(12, whole=True) == (15, 5)
    chart = bar_chart("Obligations overdue", ["A", "B"], [1, 0], formatter=number_formatter(0))
    root = ET.fromstring(str(chart.svg))
    ticks = [
        element.text
        for element in root.iter("{http://www.w3.org/2000/svg}text")
        if element.get("text-anchor") == "middle" and element.get("fill") == MUTED_INK
    ]
    assert ticks == ["0", "1"]


def test_amounts_with_fractions_keep_fine_steps():
    assert nice_scale(1) == (1.0, 0.2)


# --- the numbers for Chart.js (static/js/charts.js) ----------------------------------------------------------------


def test_bar_chart_carries_its_numbers_formats_and_scale_for_chartjs():
    chart = bar_chart("Completed", ["Portal", "Phone"], [1200, 300], value_label="Completed")

    assert chart.data["kind"] == "bar"
    assert chart.data["horizontal"] is True and chart.data["stacked"] is False
    assert chart.data["labels"] == ["Portal", "Phone"]
    # One series named after the value column, in the palette's first colour, drawn without a legend as in the SVG.
    assert chart.data["series"] == [
        {"label": "Completed", "values": [1200.0, 300.0], "colour": PALETTE[0], "dash": [], "marker": "circle"}
    ]
    assert chart.data["show_legend"] is False
    assert chart.data["value_format"] == {"style": "number", "decimals": 0}
    # The SVG's axis: 1 200 / 5 ticks = 240, rounded up to a step of 250; 1 200 / 250 = 4.8, so 5 steps to 1 250.
    assert chart.data["axis"] == {"min": 0, "max": 1250.0, "step": 250.0, "format": {"style": "number", "decimals": 0}}
    assert chart.data["value_labels"] is True and chart.data["show_total"] is False


def test_line_chart_of_shares_carries_percent_formats_gaps_dashes_and_markers():
    chart = line_chart(
        "Digital take-up",
        ["2022", "2023", "2024"],
        [Series("Portal", [0.5, None, 0.625]), Series("Phone", [0.25, 0.3, None])],
        formatter=percent_formatter(1),
        axis_formatter=percent_formatter(0),
        max_value=1,
    )

    data = chart.data
    assert data["kind"] == "line" and data["horizontal"] is False and data["stacked"] is False
    assert data["value_format"] == {"style": "percent", "decimals": 1}
    # Up to the whole: 1 / 5 ticks = 0.2, a step of 0.2 and a top of 1.
    assert data["axis"] == {"min": 0, "max": 1.0, "step": 0.2, "format": {"style": "percent", "decimals": 0}}
    portal, phone = data["series"]
    assert portal["values"] == [0.5, None, 0.625]  # the gap stays a gap: the line breaks there
    assert phone["values"] == [0.25, 0.3, None]
    # Told apart without colour: a solid line with circles, a dashed one ("8 4") with squares (Chart.js' "rect").
    assert (portal["colour"], portal["dash"], portal["marker"]) == (PALETTE[0], [], "circle")
    assert (phone["colour"], phone["dash"], phone["marker"]) == (PALETTE[1], [8, 4], "rect")
    assert data["show_legend"] is True


def test_stacked_bar_chart_carries_its_totals_and_scale_for_chartjs():
    chart = stacked_bar_chart(
        "Channel mix",
        ["2023", "2024"],
        [Series("Digital", [600, 800]), Series("Phone", [300, 150]), Series("In person", [100, 0])],
    )

    data = chart.data
    assert data["kind"] == "stacked" and data["stacked"] is True and data["horizontal"] is True
    assert [series["label"] for series in data["series"]] == ["Digital", "Phone", "In person"]
    assert [series["colour"] for series in data["series"]] == list(PALETTE[:3])
    assert data["show_total"] is True and data["total_label"] == "Total"
    # The scale is the totals': 600 + 300 + 100 = 1 000 the largest; 1 000 / 5 = 200 a step, 1 000 the top.
    assert (data["axis"]["max"], data["axis"]["step"]) == (1000.0, 200.0)


def test_grouped_bar_chart_carries_a_series_per_bar_of_each_group():
    chart = grouped_bar_chart(
        "Grants", ["Gamma", "Delta"], [Series("Salary", [400, 2000]), Series("Maintenance", [600, None])]
    )

    data = chart.data
    assert data["kind"] == "grouped" and data["horizontal"] is True and data["stacked"] is False
    assert data["series"][1] == {
        "label": "Maintenance",
        "values": [600.0, None],
        "colour": PALETTE[1],
        "dash": [8, 4],
        "marker": "rect",
    }
    # 1 decimal by default for grouped bars; 2 000 / 5 = 400 → a step of 500 (no whole step of 400 on the 1-2-2.5-5
    # ladder), and 2 000 / 500 = 4 steps to 2 000.
    assert data["value_format"] == {"style": "number", "decimals": 1}
    assert (data["axis"]["max"], data["axis"]["step"]) == (2000.0, 500.0)


def test_chart_data_is_plain_json_whatever_strings_it_is_given():
    chart = bar_chart(gettext_lazy("Cost"), [gettext_lazy("Portal")], [12], formatter=number_formatter(2))

    # Lazy translations are no JSON for the standard encoder: the data holds them as plain strings.
    assert json.loads(json.dumps(chart.data))["series"][0]["values"] == [12.0]
    assert chart.data["title"] == "Cost" and chart.data["labels"] == ["Portal"]
    assert chart.data["value_format"] == {"style": "number", "decimals": 2}


def test_a_formatter_of_its_own_is_drawn_as_a_plain_number():
    chart = bar_chart("Score", ["A"], [3], formatter=lambda value: f"{value} pts")

    assert chart.data["value_format"] == {"style": "number", "decimals": None}


def test_an_empty_chart_carries_no_data():
    assert bar_chart("Nothing", [], []).data is None
    assert line_chart("Gaps", ["2023"], [Series("X", [None])]).data is None


def test_template_tag_writes_the_data_as_json_beside_a_hidden_labelled_canvas():
    chart = bar_chart("Completed by channel", ["Portal"], [42])

    html = Template("{% load charts %}{% chart chart %}").render(Context({"chart": chart}))

    source = re.search(rf'<script id="{chart.chart_id}-data" type="application/json">(.*?)</script>', html, re.S)
    assert json.loads(source.group(1)) == chart.data
    # The canvas names itself like the SVG and points at the SVG's description of the figures; its box stays
    # hidden until static/js/charts.js has drawn on it.
    assert (
        '<div class="chart__interactive" hidden><canvas role="img" aria-label="Completed by channel" '
        f'aria-describedby="{chart.chart_id}-desc"></canvas></div>'
    ) in html
    assert html.count("<svg") == 1 and "<table" in html


def test_template_tag_keeps_a_title_that_closes_a_script_inside_the_json():
    chart = bar_chart("</script><script>alert(1)</script>", ["A"], [1])

    html = Template("{% load charts %}{% chart chart %}").render(Context({"chart": chart}))

    # One script element, the JSON one: json_script escapes "<" in the data, the SVG and the caption escape theirs.
    assert html.count("<script") == 1 and html.count("</script>") == 1
    assert "\\u003C/script\\u003E" in html


def test_an_empty_chart_has_no_canvas_and_no_data():
    html = Template("{% load charts %}{% chart chart %}").render(Context({"chart": bar_chart("Empty", [], [])}))

    assert "<canvas" not in html and "application/json" not in html
