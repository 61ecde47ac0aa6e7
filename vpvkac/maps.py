"""The network map: a server-rendered SVG of Latvia with the centres, the mobile stops, their R-km circles and the
settlement points outside every circle (the coverage gaps). No tiles, no script and no external request.

Projection: equirectangular over Latvia's bounding box (20.9–28.3° E, 55.6–58.1° N), with longitudes scaled by
cos φ0 at the box's middle latitude φ0, so that a kilometre is about as long east–west as north–south:
    x = pad + (λ − λ_west) · cos φ0 · s,    y = pad + (φ_north − φ) · s.
An R-km circle is drawn as the ellipse with ry = R / 111.195 · s and rx = ry · cos φ0 / cos φ (111.195 km is one
degree of latitude on the 6371 km sphere of the haversine distances).

The image is one picture for assistive technology (role="img" with a title and a description in words); the page
puts the same centres in a table below it, and the legend is HTML beside it.
"""

import math
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from institutions.models import DevelopmentTier
from reports.charts import INK, MUTED_INK, PALETTE

WEST, EAST, SOUTH, NORTH = 20.9, 28.3, 55.6, 58.1
KM_PER_DEGREE_LATITUDE = 6371 * math.pi / 180  # 111.195 km
WIDTH = 900
PAD = 16

TIER_COLOURS = {
    DevelopmentTier.NATIONAL: PALETTE[3],
    DevelopmentTier.REGIONAL: PALETTE[1],
    DevelopmentTier.LOCAL: PALETTE[0],
}
TIER_SIZES = {DevelopmentTier.NATIONAL: 7.5, DevelopmentTier.REGIONAL: 6.0, DevelopmentTier.LOCAL: 4.5}
STOP_COLOUR = PALETTE[2]
ADDED_COLOUR = PALETTE[4]
GAP_COLOUR = PALETTE[9]
SETTLEMENT_COLOUR = "#8a949f"
CIRCLE_FILL = "#1f4a87"
OUTLINE_FILL = "#eef1f4"

# Latvia's border, simplified by hand to about 60 vertices (longitude, latitude): a backdrop for orientation,
# not a survey. It runs clockwise from the Lithuanian border on the Baltic coast.
LATVIA_OUTLINE = (
    (21.06, 56.07), (20.99, 56.30), (21.00, 56.51), (21.06, 56.70), (21.18, 56.88), (21.38, 57.02),
    (21.42, 57.20), (21.56, 57.39), (21.72, 57.57), (22.02, 57.65), (22.33, 57.72), (22.59, 57.76),
    (22.65, 57.62), (22.82, 57.50), (23.12, 57.36), (23.22, 57.16), (23.42, 57.02), (23.62, 56.97),
    (23.93, 56.99), (24.08, 57.05), (24.31, 57.17), (24.41, 57.30), (24.38, 57.50), (24.36, 57.70),
    (24.35, 57.87), (24.72, 57.96), (25.06, 58.06), (25.30, 57.99), (25.58, 57.93), (25.78, 57.87),
    (26.03, 57.78), (26.28, 57.60), (26.53, 57.52), (26.88, 57.62), (27.15, 57.58), (27.35, 57.52),
    (27.54, 57.42), (27.83, 57.30), (27.70, 57.08), (27.86, 56.88), (28.05, 56.72), (28.17, 56.52),
    (28.24, 56.30), (28.15, 56.15), (27.88, 55.98), (27.62, 55.80), (27.18, 55.85), (26.82, 55.70),
    (26.60, 55.67), (26.28, 55.78), (25.98, 55.98), (25.72, 56.15), (25.25, 56.17), (24.88, 56.32),
    (24.55, 56.28), (24.12, 56.26), (23.62, 56.36), (23.18, 56.37), (22.88, 56.40), (22.47, 56.41),
    (22.10, 56.42), (21.62, 56.31), (21.38, 56.22), (21.20, 56.09),
)  # fmt: skip

# Reference places, for orientation only: the seven state cities.
PLACES = (
    ("Rīga", 56.9496, 24.1052),
    ("Daugavpils", 55.8747, 26.5362),
    ("Liepāja", 56.5047, 21.0108),
    ("Jelgava", 56.6511, 23.7128),
    ("Jūrmala", 56.9680, 23.7704),
    ("Ventspils", 57.3948, 21.5645),
    ("Rēzekne", 56.5099, 27.3331),
)


class Projection:
    """Latitude and longitude (degrees) to SVG coordinates (module docstring)."""

    def __init__(self, width=WIDTH, pad=PAD):
        self.cos0 = math.cos(math.radians((SOUTH + NORTH) / 2))
        self.scale = (width - 2 * pad) / ((EAST - WEST) * self.cos0)
        self.pad = pad
        self.width = width
        self.height = round(2 * pad + (NORTH - SOUTH) * self.scale)

    def xy(self, lat, lon):
        return (
            self.pad + (float(lon) - WEST) * self.cos0 * self.scale,
            self.pad + (NORTH - float(lat)) * self.scale,
        )

    def radii(self, radius_km, lat):
        """(rx, ry) of the ellipse that draws an R-km circle around latitude `lat`."""
        ry = float(radius_km) / KM_PER_DEGREE_LATITUDE * self.scale
        return ry * self.cos0 / math.cos(math.radians(float(lat))), ry


@dataclass
class MapPoint:
    """One thing drawn: a centre, a mobile stop, a stop proposed in a what-if, or a settlement."""

    kind: str  # "centre", "stop", "added_stop" or "settlement"
    label: str
    latitude: float
    longitude: float
    tier: str = ""
    serving: bool = True
    closed_in_scenario: bool = False
    gap: bool = False
    population: int = 0


@dataclass
class NetworkMap:
    svg: str
    legend: list = field(default_factory=list)  # (symbol SVG, label)
    drawn: int = 0


def _num(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _title(text):
    return f"<title>{escape(text)}</title>"


def _centre_symbol(x, y, tier, serving, closed, tooltip=""):
    """A circle (local), diamond (regional) or square (national); filled when the centre serves clients, hollow
    when it does not; crossed out when the scenario closes it."""
    size = TIER_SIZES.get(tier, TIER_SIZES[DevelopmentTier.LOCAL])
    colour = TIER_COLOURS.get(tier, TIER_COLOURS[DevelopmentTier.LOCAL])
    fill = colour if serving and not closed else "#ffffff"
    style = f'fill="{fill}" stroke="{colour}" stroke-width="2"'
    if tier == DevelopmentTier.NATIONAL:
        shape = f'<rect x="{_num(x - size)}" y="{_num(y - size)}" width="{_num(2 * size)}" height="{_num(2 * size)}" {style}>'
        end = "</rect>"
    elif tier == DevelopmentTier.REGIONAL:
        points = f"{_num(x)},{_num(y - size)} {_num(x + size)},{_num(y)} {_num(x)},{_num(y + size)} {_num(x - size)},{_num(y)}"
        shape, end = f'<polygon points="{points}" {style}>', "</polygon>"
    else:
        shape, end = f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size)}" {style}>', "</circle>"
    mark = shape + (_title(tooltip) if tooltip else "") + end
    if closed:
        d = size + 3
        mark += (
            f'<path d="M{_num(x - d)},{_num(y - d)} L{_num(x + d)},{_num(y + d)} M{_num(x - d)},{_num(y + d)} '
            f'L{_num(x + d)},{_num(y - d)}" stroke="{GAP_COLOUR}" stroke-width="2.5"/>'
        )
    return mark


def _triangle(x, y, colour, tooltip="", size=5.5):
    points = (
        f"{_num(x)},{_num(y - size)} {_num(x + size)},{_num(y + size * 0.8)} {_num(x - size)},{_num(y + size * 0.8)}"
    )
    return (
        f'<polygon points="{points}" fill="{colour}" stroke="#ffffff" stroke-width="1">'
        + (_title(tooltip) if tooltip else "")
        + "</polygon>"
    )


def _legend_symbol(body, width=22, height=18):
    return mark_safe(
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-hidden="true" focusable="false">'
        f"{body}</svg>"
    )


def legend(radius_km, has_added=False, has_closed=False):
    """The legend's entries: (symbol, words). The words say everything the symbol does."""
    entries = [
        (
            _legend_symbol(_centre_symbol(11, 9, DevelopmentTier.NATIONAL, True, False)),
            _("National-significance centre"),
        ),
        (
            _legend_symbol(_centre_symbol(11, 9, DevelopmentTier.REGIONAL, True, False)),
            _("Regional-significance centre"),
        ),
        (_legend_symbol(_centre_symbol(11, 9, DevelopmentTier.LOCAL, True, False)), _("Local-significance centre")),
        (
            _legend_symbol(_centre_symbol(11, 9, DevelopmentTier.LOCAL, False, False)),
            _("Hollow: the centre does not serve clients (closed or replaced)"),
        ),
        (_legend_symbol(_triangle(11, 9, STOP_COLOUR)), _("Mobile centre stop")),
        (
            _legend_symbol(
                f'<circle cx="11" cy="9" r="8" fill="{CIRCLE_FILL}" fill-opacity="0.10" stroke="{CIRCLE_FILL}" '
                'stroke-opacity="0.5"/>'
            ),
            _("Within %(radius)s km of a serving centre or stop") % {"radius": _num(float(radius_km))},
        ),
        (
            _legend_symbol(f'<circle cx="11" cy="9" r="2.5" fill="{SETTLEMENT_COLOUR}"/>'),
            _("Settlement within reach"),
        ),
        (
            _legend_symbol(
                f'<circle cx="11" cy="9" r="4" fill="{GAP_COLOUR}" stroke="#ffffff" stroke-width="1"/>'
                f'<circle cx="11" cy="9" r="7" fill="none" stroke="{GAP_COLOUR}" stroke-width="1.5"/>'
            ),
            _("Coverage gap: a settlement outside every circle"),
        ),
    ]
    if has_added:
        entries.append((_legend_symbol(_triangle(11, 9, ADDED_COLOUR)), _("Mobile stop added in the scenario")))
    if has_closed:
        entries.append(
            (
                _legend_symbol(_centre_symbol(11, 9, DevelopmentTier.LOCAL, False, True)),
                _("Centre closed in the scenario"),
            )
        )
    return entries


def network_map(points, radius_km, title, description, projection=None):
    """Draw `points` (MapPoint) over the outline of Latvia, with an R-km circle around every serving centre and
    stop (and every stop added in a scenario), the settlements beneath and the gaps on top."""
    projection = projection or Projection()
    radius_km = float(radius_km)
    outline = " ".join(f"{_num(x)},{_num(y)}" for x, y in (projection.xy(lat, lon) for lon, lat in LATVIA_OUTLINE))
    layers = {"circles": [], "settlements": [], "gaps": [], "centres": [], "stops": []}
    drawn = 0
    for point in points:
        x, y = projection.xy(point.latitude, point.longitude)
        if not (0 <= x <= projection.width and 0 <= y <= projection.height):
            continue  # outside the box of Latvia: a typing error in the coordinates, not a place to draw
        drawn += 1
        reaches = point.kind in ("stop", "added_stop") or (point.serving and not point.closed_in_scenario)
        if point.kind != "settlement" and reaches:
            rx, ry = projection.radii(radius_km, point.latitude)
            dashed = ' stroke-dasharray="5 3"' if point.kind == "added_stop" else ""
            layers["circles"].append(
                f'<ellipse cx="{_num(x)}" cy="{_num(y)}" rx="{_num(rx)}" ry="{_num(ry)}" fill="{CIRCLE_FILL}" '
                f'fill-opacity="0.07" stroke="{CIRCLE_FILL}" stroke-opacity="0.35"{dashed}/>'
            )
        if point.kind == "settlement":
            tooltip = f"{point.label}: {point.population}"
            if point.gap:
                layers["gaps"].append(
                    f'<g class="map__gap"><circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{GAP_COLOUR}" '
                    f'stroke="#ffffff" stroke-width="1">{_title(tooltip)}</circle>'
                    f'<circle cx="{_num(x)}" cy="{_num(y)}" r="6.5" fill="none" stroke="{GAP_COLOUR}" '
                    'stroke-width="1.5"/></g>'
                )
            else:
                layers["settlements"].append(
                    f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2" fill="{SETTLEMENT_COLOUR}">{_title(tooltip)}</circle>'
                )
        elif point.kind == "centre":
            layers["centres"].append(
                _centre_symbol(x, y, point.tier, point.serving, point.closed_in_scenario, point.label)
            )
        else:
            colour = ADDED_COLOUR if point.kind == "added_stop" else STOP_COLOUR
            layers["stops"].append(_triangle(x, y, colour, point.label))

    places = []
    for name, lat, lon in PLACES:
        x, y = projection.xy(lat, lon)
        places.append(
            f'<text x="{_num(x + 6)}" y="{_num(y - 6)}" font-size="11" fill="{MUTED_INK}" '
            f'paint-order="stroke" stroke="#ffffff" stroke-width="3">{escape(name)}</text>'
        )
    body = (
        f'<polygon points="{outline}" fill="{OUTLINE_FILL}" stroke="{MUTED_INK}" stroke-width="1" '
        'stroke-linejoin="round"/>'
        + f'<g class="map__circles">{"".join(layers["circles"])}</g>'
        + f'<g class="map__settlements">{"".join(layers["settlements"])}</g>'
        + f'<g class="map__places">{"".join(places)}</g>'
        + f'<g class="map__stops">{"".join(layers["stops"])}</g>'
        + f'<g class="map__centres">{"".join(layers["centres"])}</g>'
        + f'<g class="map__gaps">{"".join(layers["gaps"])}</g>'
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network-map" viewBox="0 0 {projection.width} '
        f'{projection.height}" width="100%" role="img" aria-labelledby="network-map-title network-map-desc" '
        f'style="max-width:{projection.width}px;height:auto;background:#f9fbfc" font-family="sans-serif" '
        f'color="{INK}">'
        f'<title id="network-map-title">{escape(title)}</title><desc id="network-map-desc">{escape(description)}'
        f"</desc>{body}</svg>"
    )
    return NetworkMap(svg=mark_safe(svg), drawn=drawn)
