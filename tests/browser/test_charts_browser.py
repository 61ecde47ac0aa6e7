"""The charts in a real chromium: where JavaScript runs, every chart is drawn by the vendored Chart.js from the numbers
its figure carries, in the project's palette and number formats, with tooltips and a legend, breaking no rule of the
Content Security Policy; the server-drawn SVG stays for print and wherever the script does not run, and the table
of the figures is there in every case."""

import pytest

from accounts.models import Role
from reports.charts import PALETTE
from tests.browser.test_assessment_browser import sign_in
from tests.browser.test_editor_flow import chromium  # noqa: F401 (the chromium fixture)
from tests.factories import PASSWORD, UserFactory
from tests.reports.test_dashboards import build_world

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""

# Per figure: its kind, whether Chart.js drew it, the labels and values it drew and those the page's JSON gave it,
# the colours of its series, and which of the SVG and the canvas shows.
DRAWN_CHARTS = """() => Array.from(document.querySelectorAll("figure.chart")).map((figure) => {
    const source = figure.querySelector('script[type="application/json"]');
    const data = source ? JSON.parse(source.textContent) : null;
    const canvas = figure.querySelector("canvas");
    const chart = canvas ? Chart.getChart(canvas) : undefined;
    const shown = (element) => !!element && getComputedStyle(element).display !== "none"
        && element.getBoundingClientRect().height > 0;
    return {
        caption: figure.querySelector("figcaption").textContent.trim(),
        kind: data && data.kind,
        drawn: chart !== undefined,
        type: chart ? chart.config.type : null,
        labels: chart ? chart.data.labels : null,
        values: chart ? chart.data.datasets.map((dataset) => dataset.data) : null,
        colours: chart ? chart.data.datasets.map((dataset) => dataset.backgroundColor) : null,
        legend: chart && chart.options.plugins.legend.display ? chart.legend.legendItems.length : 0,
        expected_labels: data && data.labels,
        expected_values: data && data.series.map((series) => series.values),
        svg_shown: shown(figure.querySelector("svg.chart__svg")),
        canvas_shown: shown(canvas),
        tables: figure.querySelectorAll("table").length,
    };
})"""


def tick_labels(page, figure, axis):
    return figure.locator("canvas").evaluate(
        f"(canvas) => Chart.getChart(canvas).scales.{axis}.ticks.map(t => t.label)"
    )


def hover_point(page, figure, dataset, index):
    """Moves the mouse onto one drawn bar or point and returns the tooltip's lines, as Chart.js wrote them."""
    canvas = figure.locator("canvas")
    canvas.scroll_into_view_if_needed()
    x, y = canvas.evaluate(
        "(canvas, [dataset, index]) => { const element = Chart.getChart(canvas).getDatasetMeta(dataset).data[index];"
        " const box = canvas.getBoundingClientRect(); return [box.left + element.x, box.top + element.y]; }",
        [dataset, index],
    )
    # A bar's (x, y) is its end; a step back onto the bar itself.
    page.mouse.move(x - 2, y)
    # Chart.js handles pointer events on the next animation frame.
    canvas.evaluate(
        "(canvas) => new Promise((resolve, reject) => { const start = performance.now(); const wait = () =>"
        " Chart.getChart(canvas).tooltip.title ? resolve() : performance.now() - start > 5000"
        " ? reject(new Error('no tooltip')) : requestAnimationFrame(wait); wait(); })"
    )
    return canvas.evaluate(
        "(canvas) => { const tooltip = Chart.getChart(canvas).tooltip;"
        " return [...tooltip.title, ...tooltip.body.flatMap((b) => b.lines), ...tooltip.footer]; }"
    )


def wait_until_drawn(page):
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('figure.chart'))"
        ".filter((f) => f.querySelector('script[type=\"application/json\"]'))"
        ".every((f) => f.classList.contains('chart--drawn'))"
    )


@pytest.fixture
def coordinator_and_world(transactional_db):
    """The world of tests/reports/test_dashboards.py and a coordinator with a password. Made before the browser
    starts: Playwright runs an event loop in this thread, and Django refuses database calls while one runs."""
    world = build_world()
    coordinator = UserFactory(username="rita-koordinatore", role=Role.COORDINATOR)
    return coordinator, world


@pytest.mark.browser
def test_every_chart_is_drawn_by_chartjs_from_its_numbers_without_errors_or_policy_violations(
    coordinator_and_world,
    live_server,
    chromium,  # noqa: F811
):
    coordinator, world = coordinator_and_world
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", reduced_motion="reduce")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    errors = []

    def record_error(message):
        # The site has no favicon and chromium asks for one: that 404 is no error of the charts.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", record_error)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("#id_username").fill(coordinator.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/en/")

    # --- the national overview: bars, stacked bars, grouped bars and lines ---------------------------------------
    page.goto(f"{live_server.url}/en/reports/")
    wait_until_drawn(page)
    charts = page.evaluate(DRAWN_CHARTS)
    assert len(charts) >= 8
    assert {chart["kind"] for chart in charts} == {"bar", "stacked", "grouped", "line"}
    for chart in charts:
        assert chart["drawn"], chart["caption"]
        assert chart["type"] == ("line" if chart["kind"] == "line" else "bar"), chart["caption"]
        # Chart.js drew exactly the numbers the page gave it, in the palette of reports/charts.py.
        assert chart["labels"] == chart["expected_labels"], chart["caption"]
        assert chart["values"] == chart["expected_values"], chart["caption"]
        assert chart["colours"] == list(PALETTE[: len(chart["values"])]), chart["caption"]
        # The canvas replaces the SVG on screen; the table of the figures stays.
        assert chart["canvas_shown"] and not chart["svg_shown"], chart["caption"]
        assert chart["tables"] == 1, chart["caption"]
        # A legend wherever there is more than one series to tell apart.
        assert chart["legend"] == (len(chart["values"]) if len(chart["values"]) > 1 else 0), chart["caption"]

    measures = next(chart for chart in charts if chart["caption"] == "Measures by status and plan")
    # PLAN-A: M1 and M2 executed, M3 in progress, M4 not started = 4; PLAN-B: B1 not started = 1.
    assert measures["labels"] == ["PLAN-A", "PLAN-B"]
    assert [sum(values[i] or 0 for values in measures["values"]) for i in (0, 1)] == [4, 1]
    centres = next(
        chart for chart in charts if chart["caption"] == "Services and consultations at the centres by period"
    )
    # Services: centre X 30 + Z 20 + Y 40 = 90; consultations: X 10.
    assert centres["kind"] == "grouped" and centres["values"] == [[90], [10]]

    # The tooltip of a stacked bar names the plan, each status with its count, and the total of the row.
    figure = page.locator("figure.chart", has_text="Measures by status and plan")
    lines = hover_point(page, figure, 0, 0)
    assert lines[0] == "PLAN-A" and "Executed: 2" in lines and "Total: 4" in lines
    # Nothing animates for a reader who asked for reduced motion.
    assert figure.locator("canvas").evaluate("(canvas) => Chart.getChart(canvas).options.animation") is False

    # The canvas is an image named like the chart and described by the SVG's statement of the figures.
    canvas = figure.locator("canvas")
    assert canvas.get_attribute("role") == "img"
    assert canvas.get_attribute("aria-label") == "Measures by status and plan"
    description = page.locator(f"#{canvas.get_attribute('aria-describedby')}")
    assert "PLAN-A" in description.text_content()

    # On paper the SVG is printed and the canvas is not.
    page.emulate_media(media="print")
    assert figure.locator("svg.chart__svg").is_visible() and not canvas.is_visible()
    page.emulate_media(media="screen")
    assert canvas.is_visible() and not figure.locator("svg.chart__svg").is_visible()
    assert page.evaluate("window.__violations") == []

    # --- the cost overview: bars and lines of money and of shares -----------------------------------------------
    page.goto(f"{live_server.url}/en/catalogue/costs/")
    wait_until_drawn(page)
    charts = page.evaluate(DRAWN_CHARTS)
    assert {chart["kind"] for chart in charts} == {"bar", "line"}
    assert all(chart["drawn"] and chart["values"] == chart["expected_values"] for chart in charts)
    takeup = page.locator("figure.chart", has_text="Digital take-up by year")
    # Digital: 2023 portal 200 of 300 = 2/3; 2024 portal 300 + 100 + 50 of 750 = 0.6.
    drawn = next(chart for chart in charts if chart["caption"] == "Digital take-up by year")
    assert drawn["labels"] == ["2023", "2024"]
    assert drawn["values"][0] == [pytest.approx(2 / 3), pytest.approx(0.6)]
    # The axis in whole percentages up to the whole, the tooltip with one decimal as the table.
    assert tick_labels(page, takeup, "y") == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]
    lines = hover_point(page, takeup, 0, 0)
    assert lines[0] == "2023" and lines[1].endswith(": 66.7 %")
    # The same figure in the table (closed until asked for, so read without opening it).
    assert takeup.locator("table tbody tr").first.locator("td").last.text_content().strip() == "66.7 %"
    assert page.evaluate("window.__violations") == []

    # --- the same page in Latvian: Latvian number formats -------------------------------------------------------
    page.goto(f"{live_server.url}/catalogue/costs/")
    wait_until_drawn(page)
    assert page.locator("html").get_attribute("lang") == "lv"
    cost_trend = page.locator("figure.chart--line").first
    # 2023: 3.00, 2024: 5.60; 5.6 / 5 ticks = 1.12 → a step of 2 and a top of 6, with two decimals as the money.
    assert tick_labels(page, cost_trend, "y") == ["0,00", "2,00", "4,00", "6,00"]
    lines = hover_point(page, cost_trend, 0, 1)
    assert lines[0] == "2024" and lines[1].endswith(": 5,60")
    assert page.evaluate("window.__violations") == []

    assert errors == []
    context.close()


@pytest.mark.browser
def test_the_svg_and_the_table_show_without_javascript_or_without_the_chart_library(
    coordinator_and_world,
    live_server,
    chromium,  # noqa: F811
):
    coordinator, world = coordinator_and_world

    # Without JavaScript: the SVG of every chart, no canvas, and the table.
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("#id_username").fill(coordinator.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/en/")
    page.goto(f"{live_server.url}/en/reports/")
    figures = page.locator("figure.chart")
    assert figures.count() >= 8
    for index in range(figures.count()):
        figure = figures.nth(index)
        assert figure.locator("svg.chart__svg").is_visible()
        assert not figure.locator("canvas").is_visible()
        assert figure.locator("table").count() == 1
    context.close()

    # With JavaScript but without Chart.js (the file blocked): the script leaves the SVG as it is, without errors.
    page = sign_in(chromium, live_server, coordinator)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/vendor/chartjs/*", lambda route: route.abort())
    page.goto(f"{live_server.url}/en/reports/")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.Chart") == "undefined"
    figures = page.locator("figure.chart")
    for index in range(figures.count()):
        assert figures.nth(index).locator("svg.chart__svg").is_visible()
        assert not figures.nth(index).locator("canvas").is_visible()
    assert page.locator("figure.chart.chart--drawn").count() == 0
    assert errors == []
    page.context.close()


@pytest.mark.browser
def test_a_page_without_charts_does_not_fetch_the_chart_library_and_a_page_with_charts_does(
    coordinator_and_world,
    chromium,  # noqa: F811
    live_server,
):
    coordinator, _world = coordinator_and_world
    page = sign_in(chromium, live_server, coordinator)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{live_server.url}/en/catalogue/")
    page.wait_for_load_state("load")
    assert page.locator("figure.chart").count() == 0
    assert not [url for url in fetched if "/vendor/chartjs/" in url]
    page.goto(f"{live_server.url}/en/reports/")
    wait_until_drawn(page)
    assert [url for url in fetched if "/vendor/chartjs/" in url]
    page.context.close()
