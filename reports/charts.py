"""Charts for every page of the project: bar, grouped bar, stacked bar and line charts, drawn twice.

Each function returns a `Chart` holding an inline SVG, the same numbers as a table, and the same numbers again as
plain data (`Chart.data`) for Chart.js. The server-side SVG is what every reader gets first and what prints; where
JavaScript runs, static/js/charts.js reads `Chart.data` (written into the page with `json_script`) and draws the
interactive chart, with tooltips and a legend that hides series, with the vendored Chart.js
(static/vendor/chartjs/), then hides the SVG. Both drawings come from the numbers here, in the same palette, so
they agree.

The SVG is one image for assistive technology (role="img", aria-label, <title> and <desc> that states the figures
in words), and so is the canvas (role="img", its label and the same description); the table
(templates/includes/chart.html) is the text alternative that screen-reader users, people who cannot tell the
colours apart and anyone who wants the exact values read instead. Every colour of the palette has at least 4.5:1
contrast against white, lines differ by dash pattern and marker shape as well as colour, and bars carry their
value as text, so no figure is told by colour alone.

Use from a view:

    chart = bar_chart(_("Completed transactions by channel, 2024"), ["Portal", "Phone"], [1200, 300])

and in a template: ``{% load charts %}{% chart chart %}``.
"""

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Each colour has at least 4.5:1 contrast against white (#ffffff) and the page canvas (#f4f6f8); white text on
# each of them has the same contrast, so labels inside bars are legible too.
PALETTE = (
    "#1f4a87",  # blue
    "#b3541e",  # burnt orange
    "#2e7d32",  # green
    "#7b3294",  # purple
    "#0b7285",  # teal
    "#c2185b",  # magenta
    "#5d4037",  # brown
    "#8a6d00",  # olive
    "#455a64",  # slate
    "#a1191f",  # red
)
INK = "#1b1f24"
MUTED_INK = "#4f5862"
GRID = "#c9d0d8"
AXIS = "#8a949f"

# Lines are told apart without colour, too.
DASHES = ("", "8 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")
# The same markers under Chart.js' names (pointStyle).
POINT_STYLES = {"circle": "circle", "square": "rect", "triangle": "triangle", "diamond": "rectRot"}

WIDTH = 560
FONT_SIZE = 13
CHAR_WIDTH = 7.2  # a generous average advance of the system sans-serif at FONT_SIZE, to size label columns
BAR_HEIGHT = 22
BAR_GAP = 10

Formatter = Callable[[float | None], str]


def number_formatter(decimals=0) -> Formatter:
    """Localised numbers with grouping ("1 234,5" in Latvian, "1,234.5" in English); None is shown as "—"."""

    def format_number(value):
        if value is None:
            return "—"
        return number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)

    # Tells Chart.data how to write the same number in the browser (Intl.NumberFormat).
    format_number.number_format = {"style": "number", "decimals": decimals}
    return format_number


def percent_formatter(decimals=1) -> Formatter:
    """A share from 0 to 1 as a localised percentage ("45,3 %"); None is shown as "—"."""
    as_number = number_formatter(decimals)

    def format_percent(value):
        if value is None:
            return "—"
        return f"{as_number(value * 100)} %"

    format_percent.number_format = {"style": "percent", "decimals": decimals}
    return format_percent


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per category; None where there is no value."""

    label: str
    values: Sequence[float | None]


@dataclass
class Chart:
    """What a template needs to show a chart and its data table."""

    chart_id: str
    kind: str
    title: str
    description: str
    svg: SafeString
    columns: list = field(default_factory=list)  # the data table's header: the category heading, then the series
    rows: list = field(default_factory=list)  # (category label, [formatted value per series])
    is_empty: bool = False
    data: dict | None = None  # the numbers for Chart.js, JSON-able (see `_chart_data`); None for an empty chart


# --- helpers ----------------------------------------------------------------------------------------------------


def _chart_id(kind, title, labels, series):
    digest = hashlib.sha1(repr((kind, str(title), [str(label) for label in labels], series)).encode()).hexdigest()
    return f"chart-{digest[:10]}"


def _number_format(formatter):
    """How `formatter` writes a number, for the browser. A formatter not made by number_formatter or
    percent_formatter is written as a plain number with up to two decimals."""
    return dict(getattr(formatter, "number_format", None) or {"style": "number", "decimals": None})


def _plain(number):
    """A JSON number: Decimals and ints become floats; float noise of the scale arithmetic (0.30000000000000004) is
    rounded away."""
    return None if number is None else float(f"{float(number):.12g}")


def _chart_data(
    kind,
    title,
    labels,
    series,
    *,
    formatter,
    axis_formatter,
    scale_top,
    step,
    value_labels,
    show_total=False,
    show_legend=True,
):
    """What static/js/charts.js needs to draw the same chart with Chart.js: the categories, each series with its
    palette colour, dash and marker, the number formats, and the value axis exactly as the SVG draws it (0 to
    `scale_top` by `step`), so both drawings show the same scale."""
    return {
        "kind": kind,
        "title": str(title),
        "horizontal": kind != "line",
        "stacked": kind == "stacked",
        "labels": [str(label) for label in labels],
        "series": [
            {
                "label": str(item.label),
                "values": [_plain(value) for value in item.values],
                "colour": PALETTE[index % len(PALETTE)],
                "dash": [int(part) for part in DASHES[index % len(DASHES)].split()],
                "marker": POINT_STYLES[MARKERS[index % len(MARKERS)]],
            }
            for index, item in enumerate(series)
        ],
        "value_format": _number_format(formatter),
        "axis": {"min": 0, "max": _plain(scale_top), "step": _plain(step), "format": _number_format(axis_formatter)},
        "value_labels": value_labels,
        "show_total": show_total,
        "total_label": _("Total") if show_total else None,
        "show_legend": show_legend,
        "colours": {"ink": INK, "muted_ink": MUTED_INK, "grid": GRID, "axis": AXIS},
    }


def _attrs(**attributes):
    """SVG attributes, escaped; trailing underscores dropped and other underscores turned into hyphens."""
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        name = name.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = f"{value:.1f}".rstrip("0").rstrip(".")
        parts.append(f'{name}="{escape(str(value))}"')
    return " ".join(parts)


def _text(x, y, content, anchor="start", fill=INK, size=FONT_SIZE, weight=None, css_class=None):
    return (
        f"<text {_attrs(x=x, y=y, text_anchor=anchor, fill=fill, font_size=size, font_weight=weight, class_=css_class)}>"
        f"{escape(str(content))}</text>"
    )


def nice_scale(maximum, ticks=5, whole=False):
    """A round axis maximum at or above `maximum` and its tick step (1, 2, 2.5 or 5 × a power of ten). With
    `whole` (counts) the step is at least 1, so no two ticks of a small count read alike once rounded."""
    if maximum is None or maximum <= 0:
        return (1.0, 1.0) if whole else (1.0, 0.2)
    rough = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(rough))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if step >= rough and not (whole and step != int(step)):
            break
    if whole:
        step = max(step, 1)
    top = step * math.ceil(maximum / step - 1e-9)
    return top, step


def _whole(values):
    """True when every value is a whole number: the axis of counts then has whole-number ticks."""
    return all(float(value).is_integer() for value in values if value is not None)


def _check_values(values):
    for value in values:
        if value is not None and value < 0:
            raise ValueError("charts draw amounts from zero up: negative values are not supported")


def _truncate(label, characters):
    label = str(label)
    return label if len(label) <= characters else label[: characters - 1].rstrip() + "…"


def _svg(chart_id, title, description, width, height, body):
    head = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height:.0f}",
        width="100%",
        preserveAspectRatio="xMinYMin meet",
        role="img",
        aria_label=title,
        aria_describedby=f"{chart_id}-desc",
        focusable="false",
        class_="chart__svg",
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif",
    )
    return mark_safe(
        f"<svg {head}>"
        f'<title id="{chart_id}-title">{escape(str(title))}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f"{''.join(body)}</svg>"
    )


def _describe(labels, series, formatter):
    """The figures in words, for <desc>: "Portal: 1 200; Phone: 300." or per series for several."""
    if len(series) == 1:
        return "; ".join(f"{label}: {formatter(value)}" for label, value in zip(labels, series[0].values)) + "."
    return " ".join(
        f"{item.label} — "
        + "; ".join(f"{label}: {formatter(value)}" for label, value in zip(labels, item.values))
        + "."
        for item in series
    )


def _legend(series, y, kind):
    """A row of swatches with their labels; wraps onto further rows when it does not fit."""
    parts, x, row = [], 0.0, 0
    for index, item in enumerate(series):
        label = _truncate(item.label, 40)
        width = 26 + len(label) * CHAR_WIDTH + 18
        if x and x + width > WIDTH:
            x, row = 0.0, row + 1
        top = y + row * 22
        colour = PALETTE[index % len(PALETTE)]
        if kind == "line":
            parts.append(
                f"<line {_attrs(x1=x, y1=top + 8, x2=x + 20, y2=top + 8, stroke=colour, stroke_width=3, stroke_dasharray=DASHES[index % len(DASHES)] or None)}/>"
            )
            parts.append(_marker(x + 10, top + 8, index, colour))
        else:
            parts.append(f"<rect {_attrs(x=x, y=top + 1, width=14, height=14, fill=colour)}/>")
        parts.append(_text(x + 26, top + 13, label))
        x += width
    return parts, (row + 1) * 22


def _marker(x, y, index, colour, tooltip=None):
    shape = MARKERS[index % len(MARKERS)]
    title = f"<title>{escape(tooltip)}</title>" if tooltip else ""
    if shape == "circle":
        element = f"<circle {_attrs(cx=x, cy=y, r=4.5, fill=colour, stroke='#fff', stroke_width=1.5)}>{title}</circle>"
    elif shape == "square":
        element = f"<rect {_attrs(x=x - 4.5, y=y - 4.5, width=9, height=9, fill=colour, stroke='#fff', stroke_width=1.5)}>{title}</rect>"
    elif shape == "triangle":
        points = f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y + 4.5:.1f} {x - 5.5:.1f},{y + 4.5:.1f}"
        element = f"<polygon {_attrs(points=points, fill=colour, stroke='#fff', stroke_width=1.5)}>{title}</polygon>"
    else:
        points = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"
        element = f"<polygon {_attrs(points=points, fill=colour, stroke='#fff', stroke_width=1.5)}>{title}</polygon>"
    return element


def _empty_chart(kind, chart_id, title, columns, rows):
    return Chart(chart_id, kind, title, _("No figures to chart."), mark_safe(""), columns, rows, is_empty=True)


def _horizontal_axis(left, right, top, bottom, scale_top, step, formatter):
    """Vertical grid lines with their tick labels under the plot."""
    parts = []
    ticks = int(round(scale_top / step))
    for tick in range(ticks + 1):
        value = step * tick
        x = left + (right - left) * value / scale_top
        parts.append(f"<line {_attrs(x1=x, y1=top, x2=x, y2=bottom, stroke=GRID if tick else AXIS, stroke_width=1)}/>")
        parts.append(_text(x, bottom + 16, formatter(value), anchor="middle", fill=MUTED_INK, size=FONT_SIZE - 1))
    return parts


# --- charts -------------------------------------------------------------------------------------------------------


def bar_chart(
    title,
    labels,
    values,
    *,
    value_label=None,
    category_label=None,
    formatter: Formatter | None = None,
    axis_formatter: Formatter | None = None,
    description=None,
    chart_id=None,
    max_value=None,
):
    """Horizontal bars, one per label, each with its value written after it. Long labels fit on the left."""
    formatter = formatter or number_formatter()
    axis_formatter = axis_formatter or formatter
    labels, values = list(labels), list(values)
    _check_values(values)
    chart_id = chart_id or _chart_id("bar", title, labels, values)
    columns = [category_label or _("Category"), value_label or _("Value")]
    rows = [(label, [formatter(value)]) for label, value in zip(labels, values)]
    if not labels or all(value is None for value in values):
        return _empty_chart("bar", chart_id, title, columns, rows)

    label_chars = min(max(len(str(label)) for label in labels), 36)
    left = 12 + label_chars * CHAR_WIDTH
    value_room = 12 + max(len(formatter(value)) for value in values) * CHAR_WIDTH
    right = WIDTH - value_room
    top = 4
    bottom = top + len(labels) * (BAR_HEIGHT + BAR_GAP)
    scale_top, step = nice_scale(max(max_value or 0, max(value or 0 for value in values)), whole=_whole(values))

    body = _horizontal_axis(left, right, top, bottom, scale_top, step, axis_formatter)
    for index, (label, value) in enumerate(zip(labels, values)):
        y = top + BAR_GAP / 2 + index * (BAR_HEIGHT + BAR_GAP)
        body.append(_text(left - 8, y + BAR_HEIGHT / 2 + 4.5, _truncate(label, 36), anchor="end"))
        if value:
            width = max((right - left) * value / scale_top, 1.5)
            body.append(
                f"<rect {_attrs(x=left, y=y, width=width, height=BAR_HEIGHT, fill=PALETTE[0])}>"
                f"<title>{escape(f'{label}: {formatter(value)}')}</title></rect>"
            )
        else:
            width = 0
        body.append(
            _text(left + width + 6, y + BAR_HEIGHT / 2 + 4.5, formatter(value), weight=600, css_class="chart__value")
        )
    height = bottom + 24
    description = description or _describe(labels, [Series(columns[1], values)], formatter)
    data = _chart_data(
        "bar",
        title,
        labels,
        [Series(columns[1], values)],
        formatter=formatter,
        axis_formatter=axis_formatter,
        scale_top=scale_top,
        step=step,
        value_labels=True,
        show_legend=False,
    )
    svg = _svg(chart_id, title, description, WIDTH, height, body)
    return Chart(chart_id, "bar", title, description, svg, columns, rows, data=data)


def grouped_bar_chart(title, labels, series, *, category_label=None, formatter=None, max_value=None, chart_id=None):
    """Horizontal bars in groups: one group per label, one bar per series in the series' colour, each with its
    value written after it, and a legend."""
    formatter = formatter or number_formatter(1)
    labels, series = list(labels), list(series)
    chart_id = chart_id or _chart_id("grouped", title, labels, [(s.label, list(s.values)) for s in series])
    columns = [category_label or _("Category"), *[item.label for item in series]]
    rows = [(label, [formatter(item.values[index]) for item in series]) for index, label in enumerate(labels)]
    present = [value for item in series for value in item.values if value is not None]
    if not labels or not present:
        return _empty_chart("grouped", chart_id, title, columns, rows)

    legend, legend_height = _legend(series, 0, "bar")
    bar, gap = 14, 12
    label_chars = min(max(len(str(label)) for label in labels), 36)
    left = 12 + label_chars * CHAR_WIDTH
    right = WIDTH - (12 + max(len(formatter(value)) for value in present) * CHAR_WIDTH)
    top = legend_height + 8
    group_height = len(series) * bar + gap
    bottom = top + len(labels) * group_height
    scale_top, step = nice_scale(max(max_value or 0, max(present)), whole=_whole(present))

    body = legend + _horizontal_axis(left, right, top, bottom, scale_top, step, formatter)
    for index, label in enumerate(labels):
        y0 = top + gap / 2 + index * group_height
        body.append(_text(left - 8, y0 + len(series) * bar / 2 + 4.5, _truncate(label, 36), anchor="end"))
        for series_index, item in enumerate(series):
            value = item.values[index]
            y = y0 + series_index * bar
            width = (right - left) * value / scale_top if value else 0
            if width:
                colour = PALETTE[series_index % len(PALETTE)]
                body.append(
                    f"<rect {_attrs(x=left, y=y + 1, width=max(width, 1.5), height=bar - 2, fill=colour)}>"
                    f"<title>{escape(f'{label}, {item.label}: {formatter(value)}')}</title></rect>"
                )
            body.append(
                _text(
                    left + width + 6,
                    y + bar / 2 + 4,
                    formatter(value),
                    size=FONT_SIZE - 2,
                    css_class="chart__value",
                )
            )
    height = bottom + 24
    description = _describe(labels, series, formatter)
    data = _chart_data(
        "grouped",
        title,
        labels,
        series,
        formatter=formatter,
        axis_formatter=formatter,
        scale_top=scale_top,
        step=step,
        value_labels=True,
    )
    svg = _svg(chart_id, title, description, WIDTH, height, body)
    return Chart(chart_id, "grouped", title, description, svg, columns, rows, data=data)


def stacked_bar_chart(
    title,
    labels,
    series: Sequence[Series],
    *,
    category_label=None,
    formatter: Formatter | None = None,
    description=None,
    chart_id=None,
    show_total=True,
):
    """Horizontal bars, one per label, split into one segment per series, with a legend and each bar's total."""
    formatter = formatter or number_formatter()
    labels, series = list(labels), list(series)
    for item in series:
        _check_values(item.values)
    totals = [sum(item.values[index] or 0 for item in series) for index in range(len(labels))]
    chart_id = chart_id or _chart_id("stacked", title, labels, [(item.label, list(item.values)) for item in series])
    columns = [category_label or _("Category"), *[item.label for item in series]]
    if show_total:
        columns.append(_("Total"))
    rows = [
        (label, [formatter(item.values[index]) for item in series] + ([formatter(totals[index])] if show_total else []))
        for index, label in enumerate(labels)
    ]
    if not labels or all(value is None for item in series for value in item.values):
        return _empty_chart("stacked", chart_id, title, columns, rows)

    legend, legend_height = _legend(series, 0, "bar")
    label_chars = min(max(len(str(label)) for label in labels), 36)
    left = 12 + label_chars * CHAR_WIDTH
    right = WIDTH - (12 + max(len(formatter(total)) for total in totals) * CHAR_WIDTH)
    top = legend_height + 8
    bottom = top + len(labels) * (BAR_HEIGHT + BAR_GAP)
    scale_top, step = nice_scale(max(totals), whole=_whole(totals))

    body = legend + _horizontal_axis(left, right, top, bottom, scale_top, step, formatter)
    for index, label in enumerate(labels):
        y = top + BAR_GAP / 2 + index * (BAR_HEIGHT + BAR_GAP)
        body.append(_text(left - 8, y + BAR_HEIGHT / 2 + 4.5, _truncate(label, 36), anchor="end"))
        x = left
        for series_index, item in enumerate(series):
            value = item.values[index] or 0
            if not value:
                continue
            width = (right - left) * value / scale_top
            body.append(
                # A white edge keeps neighbouring segments apart whatever their colours.
                f"<rect {_attrs(x=x, y=y, width=width, height=BAR_HEIGHT, fill=PALETTE[series_index % len(PALETTE)], stroke='#fff', stroke_width=1)}>"
                f"<title>{escape(f'{label}, {item.label}: {formatter(value)}')}</title></rect>"
            )
            text = formatter(value)
            if width > len(text) * CHAR_WIDTH + 8:
                body.append(
                    _text(
                        x + width / 2, y + BAR_HEIGHT / 2 + 4.5, text, anchor="middle", fill="#fff", size=FONT_SIZE - 1
                    )
                )
            x += width
        if show_total:
            body.append(
                _text(x + 6, y + BAR_HEIGHT / 2 + 4.5, formatter(totals[index]), weight=600, css_class="chart__value")
            )
    height = bottom + 24
    description = description or _describe(labels, series, formatter)
    data = _chart_data(
        "stacked",
        title,
        labels,
        series,
        formatter=formatter,
        axis_formatter=formatter,
        scale_top=scale_top,
        step=step,
        value_labels=True,
        show_total=show_total,
    )
    svg = _svg(chart_id, title, description, WIDTH, height, body)
    return Chart(chart_id, "stacked", title, description, svg, columns, rows, data=data)


def line_chart(
    title,
    labels,
    series: Sequence[Series],
    *,
    category_label=None,
    formatter: Formatter | None = None,
    axis_formatter: Formatter | None = None,
    description=None,
    chart_id=None,
    max_value=None,
    label_points=True,
):
    """One line per series over the labels (years, usually), with a marker and its value at each point.

    A None value breaks the line: the years on either side are not joined across a gap.
    """
    formatter = formatter or number_formatter()
    axis_formatter = axis_formatter or formatter
    labels, series = list(labels), list(series)
    for item in series:
        _check_values(item.values)
    chart_id = chart_id or _chart_id("line", title, labels, [(item.label, list(item.values)) for item in series])
    columns = [category_label or _("Year"), *[item.label for item in series]]
    rows = [(label, [formatter(item.values[index]) for item in series]) for index, label in enumerate(labels)]
    present = [value for item in series for value in item.values if value is not None]
    if not labels or not present:
        return _empty_chart("line", chart_id, title, columns, rows)

    legend, legend_height = _legend(series, 0, "line") if len(series) > 1 else ([], 0)
    scale_top, step = nice_scale(max(max_value or 0, max(present)), whole=_whole(present))
    tick_chars = max(len(axis_formatter(step * tick)) for tick in range(int(round(scale_top / step)) + 1))
    left = 14 + tick_chars * CHAR_WIDTH
    right = WIDTH - 24
    top = legend_height + 18
    bottom = top + 200
    count = len(labels)

    def x_of(index):
        return left + (right - left) * (index + 0.5) / count

    def y_of(value):
        return bottom - (bottom - top) * value / scale_top

    body = list(legend)
    for tick in range(int(round(scale_top / step)) + 1):
        value = step * tick
        y = y_of(value)
        body.append(f"<line {_attrs(x1=left, y1=y, x2=right, y2=y, stroke=GRID if tick else AXIS, stroke_width=1)}/>")
        body.append(_text(left - 8, y + 4, axis_formatter(value), anchor="end", fill=MUTED_INK, size=FONT_SIZE - 1))
    skip = max(1, math.ceil(count * 6 * CHAR_WIDTH / (right - left)))  # thin out crowded x labels
    for index, label in enumerate(labels):
        if index % skip == 0:
            body.append(_text(x_of(index), bottom + 18, label, anchor="middle"))

    write_values = label_points and count * len(series) <= 40
    written = {}  # x index → heights of the value labels already written there
    for series_index, item in enumerate(series):
        colour = PALETTE[series_index % len(PALETTE)]
        dash = DASHES[series_index % len(DASHES)] or None
        segment = []
        for index, value in enumerate(list(item.values) + [None]):
            if value is not None:
                segment.append(f"{x_of(index):.1f},{y_of(value):.1f}")
            elif segment:
                if len(segment) > 1:
                    body.append(
                        f"<polyline {_attrs(points=' '.join(segment), fill='none', stroke=colour, stroke_width=3, stroke_dasharray=dash, stroke_linejoin='round')}/>"
                    )
                segment = []
        for index, value in enumerate(item.values):
            if value is None:
                continue
            x, y = x_of(index), y_of(value)
            body.append(
                _marker(x, y, series_index, colour, tooltip=f"{item.label}, {labels[index]}: {formatter(value)}")
            )
            if write_values:
                # First series above its points, the next below, so two close lines keep their labels apart; a
                # label that would fall on the axis goes above, and one that would cover another is left out (the
                # marker's tooltip and the data table still give it).
                label_y = y - 10 if series_index % 2 == 0 or y + 20 > bottom - 4 else y + 20
                taken = written.setdefault(index, [])
                if all(abs(label_y - other) >= FONT_SIZE for other in taken):
                    taken.append(label_y)
                    body.append(
                        _text(
                            x, label_y, formatter(value), anchor="middle", size=FONT_SIZE - 1, css_class="chart__value"
                        )
                    )
    height = bottom + 30
    description = description or _describe(labels, series, formatter)
    data = _chart_data(
        "line",
        title,
        labels,
        series,
        formatter=formatter,
        axis_formatter=axis_formatter,
        scale_top=scale_top,
        step=step,
        value_labels=write_values,
        show_legend=len(series) > 1,
    )
    svg = _svg(chart_id, title, description, WIDTH, height, body)
    return Chart(chart_id, "line", title, description, svg, columns, rows, data=data)
