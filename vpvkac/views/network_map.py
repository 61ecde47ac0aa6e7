"""The network map: the centres the reader may see and the mobile stops on a drawn map of Latvia, their R-km
circles and the settlements outside every circle; the coverage of the network, and what a proposed change (close
centres, add mobile stops) would make of it.

Coverage is a figure of the whole network (every serving centre and stop counts, network.coverage_change), not of
the centres drawn: a reader who sees only their own centre still sees the country's coverage, never the other
centres' rows."""

from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from institutions.forms import present_filter_form
from config.exports import export_response

from .. import network
from ..centres import serving_centre_ids
from ..filtersets import CentreFilterSet
from ..forms import WhatIfForm
from ..maps import MapPoint, legend, network_map
from ..models import Centre, MobileCentre, MobileStop, NetworkParameters, Settlement
from ..scoping import visible_centres
from ..tables import CentreTable
from .common import render_page

MAP_FILTERS = ("tier", "status", "municipality", "in_library", "is_demo")


def latest_parameters():
    """The newest parameter version, or the defaults (unsaved) before any was saved: a page never writes one."""
    return NetworkParameters.objects.order_by("-version").first() or NetworkParameters(version=0)


def stops_in_service(day):
    """The stops of the mobile centres in service on `day`, with their mobile centre."""
    mobiles = [
        m.pk for m in MobileCentre.objects.only("pk", "in_service_from", "in_service_to") if m.in_service_on(day)
    ]
    return list(MobileStop.objects.filter(mobile_centre__in=mobiles).select_related("mobile_centre"))


def network_points(day, stops):
    """Every serving fixed centre with coordinates and the given stops, as network.ServicePoints (two queries)."""
    located = list(Centre.objects.filter(latitude__isnull=False))
    serving = serving_centre_ids(day, day, located)
    centres = [c for c in located if c.pk in serving]
    return network.ServicePoints(
        centre_ids=[c.pk for c in centres],
        centre_lat=[float(c.latitude) for c in centres],
        centre_lon=[float(c.longitude) for c in centres],
        stop_ids=[s.pk for s in stops],
        stop_lat=[float(s.latitude) for s in stops],
        stop_lon=[float(s.longitude) for s in stops],
    )


def coverage_scenario(points, settlements, radius_km, closed=(), added=()):
    """network.coverage of the settlements today and after closing `closed` (centre ids) and adding `added`
    ((lat, lon) pairs): the same as network.coverage_change, on rows this page has read already."""
    ids = [s.pk for s in settlements]
    lat = [float(s.latitude) for s in settlements]
    lon = [float(s.longitude) for s in settlements]
    population = [s.population for s in settlements]
    before = network.coverage(lat, lon, population, *points.arrays(), radius_km, ids)
    after = network.coverage(lat, lon, population, *points.arrays(closed, added), radius_km, ids)
    return before, after


def coverage_summary(coverage):
    """What the page shows of one network.Coverage: shares, people, and the gaps."""
    return {
        "share": coverage.share,
        "population": coverage.population,
        "covered_population": coverage.covered_population,
        "uncovered_population": coverage.population - coverage.covered_population,
        "gaps": len(coverage.uncovered_ids),
    }


def map_points(centres, serving, stops, settlements, gap_ids, closed_ids=(), added_stops=()):
    """The MapPoints of the drawn centres, the stops, the stops added in a scenario and the settlements."""
    closed = set(closed_ids)
    points = [
        MapPoint("settlement", s.name, s.latitude, s.longitude, gap=s.pk in gap_ids, population=s.population)
        for s in settlements
    ]
    points += [
        MapPoint(
            "centre",
            f"{c.name} ({c.get_tier_display()}, {c.get_status_display()})",
            c.latitude,
            c.longitude,
            tier=c.tier,
            serving=c.pk in serving,
            closed_in_scenario=c.pk in closed,
        )
        for c in centres
        if c.has_coordinates
    ]
    points += [MapPoint("stop", f"{s.mobile_centre.name}: {s.name}", s.latitude, s.longitude) for s in stops]
    points += [
        MapPoint("added_stop", _("Proposed stop %(lat)s, %(lon)s") % {"lat": lat, "lon": lon}, lat, lon)
        for lat, lon in added_stops
    ]
    return points


@login_required
@require_GET
def map_page(request):
    user = request.user
    today = timezone.localdate()
    centres_seen = visible_centres(user, Centre.objects.select_related("municipality"))
    filterset = CentreFilterSet(request.GET or None, queryset=centres_seen, request=request)
    for name in list(filterset.form.fields):
        if name not in MAP_FILTERS:
            del filterset.form.fields[name]
            del filterset.filters[name]
    present_filter_form(filterset.form, ("tier", "status"))
    centres = filterset.qs

    table = CentreTable(centres)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    export = export_response(request, table, "vpvkac-centres")
    if export:
        return export

    stops = stops_in_service(today)
    points = network_points(today, stops)
    serving = set(points.centre_ids)
    drawn_centres = list(centres)
    closable = centres_seen.filter(pk__in=points.centre_ids).order_by("name")
    what_if = WhatIfForm(request.GET if "scenario" in request.GET else None, centres=closable)
    closed, added = [], []
    if what_if.has_change:
        closed = [c.pk for c in what_if.cleaned_data["close"]]
        added = what_if.cleaned_data["add_stops"]

    parameters = latest_parameters()
    settlements = list(
        Settlement.objects.filter(population__gt=0).only("pk", "name", "latitude", "longitude", "population")
    )
    before, after = coverage_scenario(points, settlements, parameters.radius_km, closed, added)
    shown = after if what_if.has_change else before
    gaps = set(shown.uncovered_ids)
    drawing_points = map_points(drawn_centres, serving, stops, settlements, gaps, closed, added)
    without_coordinates = sum(1 for c in drawn_centres if not c.has_coordinates)
    description = _(
        "%(centres)s centres and %(stops)s mobile stops with %(radius)s km circles; %(settlements)s settlements, "
        "%(gaps)s of them outside every circle."
    ) % {
        "centres": len(drawn_centres) - without_coordinates,
        "stops": len(stops) + len(added),
        "radius": f"{float(parameters.radius_km):g}",
        "settlements": len(settlements),
        "gaps": len(gaps),
    }
    drawing = network_map(drawing_points, parameters.radius_km, _("Map of the VPVKAC network"), description)
    gap_rows = sorted((s for s in settlements if s.pk in gaps), key=lambda s: -s.population)

    return render_page(
        request,
        "vpvkac/map.html",
        {
            "filter": filterset,
            "filters_active": any(request.GET.get(name) for name in MAP_FILTERS),
            "table": table,
            "map": drawing,
            "legend": legend(parameters.radius_km, has_added=bool(added), has_closed=bool(closed)),
            "parameters": parameters,
            "what_if": what_if,
            "before": coverage_summary(before),
            "after": coverage_summary(after) if what_if.has_change else None,
            "closed_centres": what_if.cleaned_data["close"] if what_if.has_change else [],
            "added_stops": added,
            "without_coordinates": without_coordinates,
            "stop_count": len(stops),
            "gap_rows": gap_rows[:50],
            "gap_count": len(gap_rows),
            "has_settlements": bool(settlements),
            "today": today,
        },
        status=400 if what_if.is_bound and what_if.errors else 200,
    )
