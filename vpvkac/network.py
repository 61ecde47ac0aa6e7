"""The VPVKAC network computations (domain brief §3 "VPVKAC"; seed 001 F3–F6, F10, F12), stored in
CentreFigure, MunicipalityFigure, CentreHourlyFigure and PeriodSummary.

- Services = contacts of type service or assisted e-service; visits = services and consultations (in person).
- Cost per service of a municipality m in period t (seed 001 F3) = (maintenance + salary grants of m and of its
  centres) / services at all its centres. The creation grant is excluded. A centre with grants of its own has
  its own cost per service; any other centre has its municipality's. Where a source printed a cost per
  service without its inputs (seed 001 Table 5: Nīca, Aknīste), the printed figure stands in, marked so.
- Cost band: ≤ A, A < x ≤ 2A, > 2A; A is a fixed amount (default EUR 12.00) or the mean, median or
  service-weighted mean (Σ grants / Σ services) of the municipalities' costs per service in the period.
- Screening (seed 001 F5), with distances great-circle (haversine) and R a parameter (default 30 km):
  criterion 1: the municipality has more than one centre and another of its centres is within R;
  criterion 2: cost per service > 2A; secondary flag: any other centre within R. A municipality's only centre
  is never proposed for closure unless another municipality's centre covers its residents (every settlement of
  the municipality within R of one). Unknown coordinates leave the distance criteria unknown (empty), never
  false.
- Coverage (seed 001 F6) = population within R of a serving fixed centre or a mobile stop / total population.
- Desk overlap (seed 001 F12): the intersection of all desks' reception windows in a month is not empty.
- Legal-person share = legal-person visits / visits with the client type recorded; hourly × weekday visits.

A recomputation runs in one transaction under one lock (a PostgreSQL advisory lock; SQLite has one writer):
readers see the old results or the new ones. The sums over the contact figures (the large table) are one
aggregate statement per result table (on PostgreSQL written through a temporary table, so that the aggregate
runs in parallel); what follows works on the few hundred stored rows of the periods concerned. An incremental
recomputation redoes the sums of the (municipality, period) pairs whose figures changed, then A, the bands and
the screening of those periods.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from config.oncommit import CommitBatch
from config.recomputation import Recomputations
from institutions.models import DevelopmentTier, Municipality
from config.recomputation import RecomputationKind

from .centres import serving_centre_ids
from .models import (
    RUNNING_GRANT_KINDS,
    SERVICE_TYPES,
    VISIT_TYPES,
    AverageMode,
    Centre,
    CentreFigure,
    CentreHourlyFigure,
    ClientType,
    ContactFigure,
    ContactType,
    CostBand,
    CostBasis,
    CostMissing,
    DeskPresence,
    Grant,
    GrantKind,
    MobileCentre,
    MobileStop,
    MunicipalityFigure,
    NetworkParameters,
    NetworkRecomputation,
    PeriodSummary,
    PublishedCostPerService,
    ReceptionSchedule,
    ReportingPeriod,
    Settlement,
    StaffType,
)

LOCK_KEY = 804_200_419  # the advisory lock of network recomputations
EARTH_RADIUS_KM = 6371.0  # mean Earth radius of the haversine formula
FOUR_PLACES = Decimal("0.0001")  # stored ratios keep four decimals
TIER_RANK = {DevelopmentTier.LOCAL: 1, DevelopmentTier.REGIONAL: 2, DevelopmentTier.NATIONAL: 3}


# --- parameters ---------------------------------------------------------------------------------------------

PARAMETER_FIELDS = ("radius_km", "average_mode", "fixed_average", "average_local_tier_only", "screen_local_tier_only")


def current_parameters():
    """The newest parameter version; version 1 (the brief's defaults) is created when there is none."""
    parameters = NetworkParameters.objects.order_by("-version").first()
    if parameters is None:
        parameters, _created = NetworkParameters.objects.get_or_create(version=1, defaults={"note": "defaults"})
    return parameters


def save_parameters(values, user=None, note=""):
    """Save a new parameter version and queue a full recomputation (sent when the transaction commits)."""
    with transaction.atomic():
        latest = current_parameters()
        parameters = NetworkParameters.objects.create(
            version=latest.version + 1, created_by=user, note=note, **{name: values[name] for name in PARAMETER_FIELDS}
        )
        request_full(user=user, reason=f"parameters v{parameters.version}")
    return parameters


# --- distances and coverage -----------------------------------------------------------------------------------


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km: 2 R asin(√(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2))). Arguments broadcast
    (numbers or numpy arrays, degrees)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float)) / 2
    a = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_matrix(lat_a, lon_a, lat_b, lon_b):
    """Distances (km) from every point of A (rows) to every point of B (columns)."""
    lat_a, lon_a = np.asarray(lat_a, dtype=float)[:, None], np.asarray(lon_a, dtype=float)[:, None]
    lat_b, lon_b = np.asarray(lat_b, dtype=float)[None, :], np.asarray(lon_b, dtype=float)[None, :]
    return haversine_km(lat_a, lon_a, lat_b, lon_b)


def within_radius(lat, lon, point_lat, point_lon, radius_km, chunk=2048):
    """For each location, whether a point lies within `radius_km` (inclusive). Vectorised in blocks of locations,
    so memory stays at `chunk` × points whatever the number of locations."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    covered = np.zeros(lat.shape[0], dtype=bool)
    if lat.shape[0] == 0 or len(point_lat) == 0:
        return covered
    point_lat, point_lon = np.asarray(point_lat, dtype=float), np.asarray(point_lon, dtype=float)
    for start in range(0, lat.shape[0], chunk):
        block = distance_matrix(lat[start : start + chunk], lon[start : start + chunk], point_lat, point_lon)
        covered[start : start + chunk] = (block <= radius_km).any(axis=1)
    return covered


@dataclass
class Coverage:
    population: int
    covered_population: int
    covered: np.ndarray  # one flag per settlement, in the order given
    settlement_ids: list = field(default_factory=list)

    @property
    def share(self):
        """Covered population / total population; None without population."""
        return self.covered_population / self.population if self.population else None

    @property
    def uncovered_ids(self):
        return [sid for sid, flag in zip(self.settlement_ids, self.covered, strict=True) if not flag]


def coverage(lat, lon, population, point_lat, point_lon, radius_km, settlement_ids=()):
    """Coverage = population within `radius_km` of a point / total population (domain brief §3)."""
    population = np.asarray(population, dtype=np.int64)
    covered = within_radius(lat, lon, point_lat, point_lon, float(radius_km))
    return Coverage(
        population=int(population.sum()),
        covered_population=int(population[covered].sum()),
        covered=covered,
        settlement_ids=list(settlement_ids),
    )


def settlement_arrays(settlements=None):
    """(ids, latitudes, longitudes, populations) of settlements with people, from one query."""
    queryset = Settlement.objects.all() if settlements is None else settlements
    rows = list(queryset.filter(population__gt=0).values_list("pk", "latitude", "longitude", "population"))
    if not rows:
        return [], np.empty(0), np.empty(0), np.empty(0, dtype=np.int64)
    ids, lat, lon, population = zip(*rows, strict=True)
    return list(ids), np.array(lat, dtype=float), np.array(lon, dtype=float), np.array(population, dtype=np.int64)


@dataclass
class ServicePoints:
    """Where clients are served on a day: fixed centres and mobile stops, with their coordinates."""

    centre_ids: list
    centre_lat: list
    centre_lon: list
    stop_ids: list
    stop_lat: list
    stop_lon: list

    def arrays(self, close_centres=(), add_stops=()):
        """Latitudes and longitudes of all points, without `close_centres` (ids) and with `add_stops` ((lat, lon)
        pairs) added."""
        closed = set(close_centres)
        keep = [i for i, cid in enumerate(self.centre_ids) if cid not in closed]
        lat = [self.centre_lat[i] for i in keep] + list(self.stop_lat) + [float(p[0]) for p in add_stops]
        lon = [self.centre_lon[i] for i in keep] + list(self.stop_lon) + [float(p[1]) for p in add_stops]
        return np.array(lat, dtype=float), np.array(lon, dtype=float)


def service_points(day=None):
    """The serving fixed centres with coordinates and the stops of the mobile centres in service on `day`."""
    day = day or timezone.localdate()
    centres = list(
        Centre.objects.filter(latitude__isnull=False).only(
            "pk", "latitude", "longitude", "status", "status_since", "opened_on"
        )
    )
    serving = serving_centre_ids(day, day, centres)
    centres = [c for c in centres if c.pk in serving]
    mobiles = [m.pk for m in MobileCentre.objects.all() if m.in_service_on(day)]
    stops = list(MobileStop.objects.filter(mobile_centre__in=mobiles).values_list("pk", "latitude", "longitude"))
    return ServicePoints(
        centre_ids=[c.pk for c in centres],
        centre_lat=[float(c.latitude) for c in centres],
        centre_lon=[float(c.longitude) for c in centres],
        stop_ids=[s[0] for s in stops],
        stop_lat=[float(s[1]) for s in stops],
        stop_lon=[float(s[2]) for s in stops],
    )


def coverage_change(day=None, close_centres=(), add_stops=(), radius_km=None, settlements=None):
    """Coverage before and after a proposed change: closing fixed centres (ids) and adding mobile stops
    ((latitude, longitude) pairs). Returns (before, after) Coverage."""
    radius_km = float(radius_km if radius_km is not None else current_parameters().radius_km)
    ids, lat, lon, population = settlement_arrays(settlements)
    points = service_points(day)
    before = coverage(lat, lon, population, *points.arrays(), radius_km, ids)
    after = coverage(lat, lon, population, *points.arrays(close_centres, add_stops), radius_km, ids)
    return before, after


# --- desk schedules -------------------------------------------------------------------------------------------


def _minutes(value):
    return value.hour * 60 + value.minute


def _as_time(minutes):
    return time(minutes // 60, minutes % 60)


def _merge(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a, b):
    result, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def month_days(year, month):
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return [date.fromordinal(d) for d in range(first.toordinal(), following.toordinal())]


@dataclass(frozen=True)
class Window:
    day: date
    starts_at: time
    ends_at: time


def common_windows(schedules, year, month):
    """The times of the month when every schedule receives clients: ∩_i S_i (seed 001 F12).

    `schedules` is one list of RecurringSlot per desk (weekly slots or "n-th weekday of the month"); fewer than
    two schedules have no intersection to speak of, and give no windows."""
    if len(schedules) < 2:
        return []
    windows = []
    for day in month_days(year, month):
        common = None
        for slots in schedules:
            intervals = _merge((_minutes(s.starts_at), _minutes(s.ends_at)) for s in slots if s.occurs_on(day))
            common = intervals if common is None else _intersect(common, intervals)
            if not common:
                break
        windows.extend(Window(day, _as_time(start), _as_time(end)) for start, end in common or [])
    return windows


def desk_schedules(centre, year, month):
    """The reception schedules of the centre's specialist desks present in the month, one list per desk; a slot
    counts only on the days its desk is present."""
    days = month_days(year, month)
    schedules = []
    for desk in centre.desks.filter(presence=DeskPresence.SPECIALIST).prefetch_related("schedules"):
        if not any(desk.present_on(day) for day in days):
            continue
        schedules.append(
            [
                ReceptionSchedule(
                    weekday=slot.weekday,
                    week_of_month=slot.week_of_month,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    valid_from=max(filter(None, (slot.valid_from, desk.valid_from)), default=None),
                    valid_to=min(filter(None, (slot.valid_to, desk.valid_to)), default=None),
                )
                for slot in desk.schedules.all()
            ]
        )
    return schedules


def desk_overlap(centre, year, month):
    """The common reception windows of all the centre's specialist desks in the month (empty: the F12 rule is
    not met, or the centre has fewer than two desks)."""
    return common_windows(desk_schedules(centre, year, month), year, month)


# --- cost bands and the average A -----------------------------------------------------------------------------


def cost_band(value, average):
    """≤ A, A < x ≤ 2A, > 2A (seed 001 F4); empty when the cost or A is unknown."""
    if value is None or average is None:
        return ""
    if value <= average:
        return CostBand.AT_OR_BELOW
    if value <= 2 * average:
        return CostBand.ABOVE
    return CostBand.VERY_HIGH


def _quantize(value):
    return None if value is None else Decimal(value).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class Averages:
    mean: Decimal | None
    median: Decimal | None
    weighted_mean: Decimal | None
    count: int

    def pick(self, parameters):
        return {
            AverageMode.FIXED: parameters.fixed_average,
            AverageMode.MEAN: self.mean,
            AverageMode.MEDIAN: self.median,
            AverageMode.WEIGHTED: self.weighted_mean,
        }[parameters.average_mode]


def averages(units):
    """Mean and median of the units' costs per service, and their service-weighted mean Σ grants / Σ services
    over the units whose cost was computed from grants. `units`: (cost per service, running grant, services)."""
    costs = [Decimal(cost) for cost, _grant, _services in units if cost is not None]
    granted = [(grant, services) for cost, grant, services in units if cost is not None and grant is not None]
    grants = sum((Decimal(g) for g, s in granted if s), Decimal(0))
    services = sum(s for g, s in granted if s)
    return Averages(
        mean=_quantize(sum(costs) / len(costs)) if costs else None,
        median=_quantize(statistics.median(costs)) if costs else None,
        weighted_mean=_quantize(grants / services) if services else None,
        count=len(costs),
    )


# --- screening --------------------------------------------------------------------------------------------------


@dataclass
class ScreeningCentre:
    id: int
    municipality_id: int
    tier: str
    latitude: float | None
    longitude: float | None
    cost_per_service: Decimal | None


@dataclass
class Screening:
    centres_in_municipality: int
    nearest_same_km: float | None
    nearest_any_km: float | None
    criterion_same_municipality: bool | None
    criterion_cost: bool | None
    near_other_centre: bool | None
    only_centre: bool
    residents_covered_elsewhere: bool | None
    in_screening_scope: bool
    proposable: bool

    @property
    def criteria_met(self):
        return [
            name
            for name in ("criterion_same_municipality", "criterion_cost", "near_other_centre")
            if getattr(self, name)
        ]


def screen(centres, radius_km, average, local_tier_only=True, settlements_by_municipality=None):
    """Screen the centres of one period's network (seed 001 F5); returns {centre id: Screening}.

    `settlements_by_municipality` maps a municipality id to its settlements' (latitudes, longitudes) with people:
    the "only centre" guard lets a municipality's only centre be proposed when all of them are within R of
    another municipality's centre; without settlements that stays unknown, and the centre is not proposed."""
    radius_km = float(radius_km)
    settlements_by_municipality = settlements_by_municipality or {}
    located = [c for c in centres if c.latitude is not None and c.longitude is not None]
    index = {c.id: i for i, c in enumerate(located)}
    if located:
        lat = np.array([c.latitude for c in located], dtype=float)
        lon = np.array([c.longitude for c in located], dtype=float)
        distances = distance_matrix(lat, lon, lat, lon)
        np.fill_diagonal(distances, np.inf)
    by_municipality = defaultdict(list)
    for centre in centres:
        by_municipality[centre.municipality_id].append(centre)
    threshold = None if average is None else 2 * Decimal(average)
    results = {}
    for centre in centres:
        same = by_municipality[centre.municipality_id]
        others_same = [c for c in same if c.id != centre.id]
        row = index.get(centre.id)
        nearest_same = nearest_any = None
        if row is not None:
            same_columns = [index[c.id] for c in others_same if c.id in index]
            if same_columns:
                nearest_same = float(distances[row, same_columns].min())
            if len(located) > 1:
                nearest_any = float(distances[row].min())
        everyone_located = len(located) == len(centres)
        same_located = all(c.id in index for c in same)
        if not others_same:
            criterion_1 = False
        elif nearest_same is not None and nearest_same <= radius_km:
            criterion_1 = True
        else:
            criterion_1 = False if same_located else None
        if nearest_any is not None and nearest_any <= radius_km:
            near_other = True
        else:
            near_other = False if everyone_located else None
        criterion_2 = (
            None if centre.cost_per_service is None or threshold is None else centre.cost_per_service > threshold
        )
        only_centre = not others_same
        covered_elsewhere = None
        if only_centre:
            covered_elsewhere = _covered_elsewhere(
                centre, located, settlements_by_municipality.get(centre.municipality_id), radius_km
            )
        in_scope = centre.tier == DevelopmentTier.LOCAL or not local_tier_only
        proposable = (
            in_scope and (criterion_1 is True or criterion_2 is True) and (not only_centre or covered_elsewhere is True)
        )
        results[centre.id] = Screening(
            centres_in_municipality=len(same),
            nearest_same_km=nearest_same,
            nearest_any_km=nearest_any,
            criterion_same_municipality=criterion_1,
            criterion_cost=criterion_2,
            near_other_centre=near_other,
            only_centre=only_centre,
            residents_covered_elsewhere=covered_elsewhere,
            in_screening_scope=in_scope,
            proposable=proposable,
        )
    return results


def _covered_elsewhere(centre, located, settlements, radius_km):
    """Whether every settlement of the centre's municipality is within R of another municipality's centre;
    None when the municipality has no settlements on record."""
    if settlements is None or len(settlements[0]) == 0:
        return None
    others = [c for c in located if c.municipality_id != centre.municipality_id]
    covered = within_radius(
        settlements[0], settlements[1], [c.latitude for c in others], [c.longitude for c in others], radius_km
    )
    return bool(covered.all())


# --- the SQL ------------------------------------------------------------------------------------------------------


def _tables():
    return {
        "contact": ContactFigure._meta.db_table,
        "period": ReportingPeriod._meta.db_table,
        "centre": Centre._meta.db_table,
        "centre_figure": CentreFigure._meta.db_table,
        "hourly": CentreHourlyFigure._meta.db_table,
    }


def _in_list(values):
    return ", ".join(f"'{value}'" for value in values)  # code constants only, never user input


def _scope_sql(municipality_ids, periods):
    """The WHERE clause limiting contact figures `f` joined to periods `p` to the scope, and its parameters.

    The days of the periods bound `f.date` as well: the join alone leaves the planner no range to look up, and an
    incremental recomputation of one municipality would then read every figure of the period's days from the
    date index instead of its own centres' from the (centre, date) one."""
    t = _tables()
    clauses, params = ["1 = 1"], []
    if municipality_ids is not None:
        clauses.append(
            f"f.centre_id IN (SELECT id FROM {t['centre']} WHERE municipality_id IN "
            f"({', '.join(['%s'] * len(municipality_ids)) or 'NULL'}))"
        )
        params += list(municipality_ids)
    if periods is not None:
        clauses.append(f"p.id IN ({', '.join(['%s'] * len(periods)) or 'NULL'})")
        params += [period.pk for period in periods]
        if periods:
            clauses.append("f.date >= %s AND f.date <= %s")
            params += [min(period.first_day for period in periods), max(period.last_day for period in periods)]
    return " AND ".join(clauses), params


def _centre_sums_sql(where):
    """The aggregate of each centre's contact sums per period: one pass over the contact figures. A figure counts
    in a period when its day (or its whole span of days) lies inside the period. Parameters: the scope's.

    The pass sums the counts by centre, period and the three types only (a few dozen groups per centre and
    period); the sums by kind are taken from those groups. Testing the types of every figure once for each of the
    nine sums took longer than the pass itself."""
    t = _tables()
    services, visits = _in_list(SERVICE_TYPES), _in_list(VISIT_TYPES)
    return f"""
        SELECT g.centre_id, g.period_id,
               SUM(CASE WHEN g.contact_type IN ({services}) THEN g.n ELSE 0 END) AS services,
               SUM(CASE WHEN g.contact_type = '{ContactType.ASSISTED_ESERVICE}' THEN g.n ELSE 0 END) AS assisted,
               SUM(CASE WHEN g.contact_type IN ({services}) AND g.staff_type = '{StaffType.INSTITUTION}'
                        THEN g.n ELSE 0 END) AS institution_services,
               SUM(CASE WHEN g.contact_type = '{ContactType.CONSULTATION}' THEN g.n ELSE 0 END) AS consultations,
               SUM(CASE WHEN g.contact_type = '{ContactType.CALL}' THEN g.n ELSE 0 END) AS calls,
               SUM(CASE WHEN g.contact_type = '{ContactType.EMAIL}' THEN g.n ELSE 0 END) AS emails,
               SUM(CASE WHEN g.contact_type IN ({visits}) THEN g.n ELSE 0 END) AS visits,
               SUM(CASE WHEN g.contact_type IN ({visits}) AND g.client_type <> '{ClientType.NOT_RECORDED}'
                        THEN g.n ELSE 0 END) AS recorded,
               SUM(CASE WHEN g.contact_type IN ({visits}) AND g.client_type = '{ClientType.LEGAL}'
                        THEN g.n ELSE 0 END) AS legal
        FROM (
            SELECT f.centre_id, p.id AS period_id, f.contact_type, f.staff_type, f.client_type, SUM(f.count) AS n
            FROM {t["contact"]} f
            JOIN {t["period"]} p ON f.date >= p.first_day AND COALESCE(f.date_to, f.date) <= p.last_day
            WHERE {where}
            GROUP BY f.centre_id, p.id, f.contact_type, f.staff_type, f.client_type
        ) g
        GROUP BY g.centre_id, g.period_id"""


def _centre_insert_sql(vendor):
    """Write the centre rows from the sums in `{source}`. Parameters: parameters id, computed_at."""
    t = _tables()
    true, false = ("TRUE", "FALSE") if vendor == "postgresql" else ("1", "0")
    return f"""
    INSERT INTO {t["centre_figure"]} (
        centre_id, period_id, municipality_id, parameters_id, computed_at, tier,
        services, assisted_eservices, institution_staff_services, consultations, calls, emails,
        visits, recorded_client_visits, legal_visits, legal_share,
        cost_basis, cost_missing, band, centres_in_municipality, only_centre, in_screening_scope, proposable)
    SELECT s.centre_id, s.period_id, c.municipality_id, %s, %s, c.tier,
           s.services, s.assisted, s.institution_services, s.consultations, s.calls, s.emails,
           s.visits, s.recorded, s.legal,
           CASE WHEN s.recorded > 0 THEN ROUND(s.legal * 1.0 / s.recorded, 6) END,
           '', '', '', 1, {false}, {true}, {false}
    FROM {{source}} s
    JOIN {t["centre"]} c ON c.id = s.centre_id
    """


def _weekday_sql(vendor, column):
    """Monday 0 … Sunday 6, as Python's date.weekday(). On PostgreSQL from the day number (2000-01-03 was a
    Monday): EXTRACT(ISODOW …) goes through a timestamp and costs more than the rest of the hourly pass."""
    if vendor == "postgresql":
        return f"((({column} - DATE '2000-01-03') %% 7 + 7) %% 7)"
    return f"((CAST(strftime('%%w', {column}) AS INTEGER) + 6) %% 7)"


def _hourly_sums_sql(vendor, where):
    """The visits of each centre, period, weekday and hour slot. Figures without an hour, or totals over a span
    of days, have no place in it. Parameters: the scope's."""
    t = _tables()
    weekday = _weekday_sql(vendor, "f.date")
    return f"""
        SELECT f.centre_id, p.id AS period_id, {weekday} AS weekday, f.hour, SUM(f.count) AS visits
        FROM {t["contact"]} f
        JOIN {t["period"]} p ON f.date >= p.first_day AND f.date <= p.last_day
        WHERE {where} AND f.hour IS NOT NULL AND f.date_to IS NULL AND f.contact_type IN ({_in_list(VISIT_TYPES)})
        GROUP BY f.centre_id, p.id, {weekday}, f.hour"""


def _hourly_insert_sql():
    t = _tables()
    return f"""
    INSERT INTO {t["hourly"]} (centre_id, period_id, weekday, hour, visits)
    SELECT centre_id, period_id, weekday, hour, visits FROM {{source}} s
    """


def _aggregate_into(cursor, vendor, aggregate_sql, aggregate_params, insert_sql, insert_params=()):
    """Run an aggregate over the contact figures and insert its rows. PostgreSQL does not run the SELECT of an
    INSERT … SELECT in parallel, but does run that of a CREATE TABLE … AS: the aggregate goes through a
    temporary table there, which on millions of rows is several times quicker. Returns the rows inserted."""
    if vendor != "postgresql":
        cursor.execute(insert_sql.format(source=f"({aggregate_sql})"), [*insert_params, *aggregate_params])
        return max(cursor.rowcount, 0)
    cursor.execute(f"CREATE TEMPORARY TABLE vpvkac_sums AS {aggregate_sql}", aggregate_params)
    cursor.execute(insert_sql.format(source="vpvkac_sums"), insert_params)
    written = max(cursor.rowcount, 0)
    cursor.execute("DROP TABLE vpvkac_sums")
    return written


# --- the recomputation -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    rows_written: int = 0
    periods: list = field(default_factory=list)


def _lock(connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")


def _grant_sums(periods, municipality_ids):
    """Running and creation grants per (period, municipality) and per (period, centre): two small queries."""
    running = Q(kind__in=RUNNING_GRANT_KINDS)
    sums = {"running": Sum("amount", filter=running), "creation": Sum("amount", filter=Q(kind=GrantKind.CREATION))}
    grants = Grant.objects.filter(period__in=periods)
    by_centre = grants.filter(centre__isnull=False)
    by_municipality = grants.filter(municipality__isnull=False)
    if municipality_ids is not None:
        by_centre = by_centre.filter(centre__municipality__in=municipality_ids)
        by_municipality = by_municipality.filter(municipality__in=municipality_ids)
    centre_rows = by_centre.values("period_id", "centre_id", "centre__municipality_id").annotate(**sums)
    municipality_rows = by_municipality.values("period_id", "municipality_id").annotate(**sums)
    return list(centre_rows), list(municipality_rows)


def _add(total, value):
    if value is None:
        return total
    return value if total is None else total + value


def _divide(grant, services):
    return _quantize(Decimal(grant) / services) if grant is not None and services else None


def _current_municipalities():
    successors = dict(Municipality.objects.values_list("pk", "successor_id"))

    def current(pk):
        seen = set()
        while successors.get(pk) and pk not in seen:
            seen.add(pk)
            pk = successors[pk]
        return pk

    return {pk: current(pk) for pk in successors}


SUM_FIELDS = (
    "services",
    "assisted_eservices",
    "institution_staff_services",
    "consultations",
    "calls",
    "emails",
    "visits",
    "recorded_client_visits",
    "legal_visits",
)


def _centre_rows(connection, parameters, now, periods, municipality_ids, centre_grants):
    """Write the centre rows of the scope: the sums (SQL), a row of zeros for every other centre that served
    or was granted money in a period, and each row's own grants."""
    where, params = _scope_sql(municipality_ids, periods)
    with connection.cursor() as cursor:
        _aggregate_into(
            cursor,
            connection.vendor,
            _centre_sums_sql(where),
            params,
            _centre_insert_sql(connection.vendor),
            [parameters.pk, now],
        )
    centres = Centre.objects.all()
    if municipality_ids is not None:
        centres = centres.filter(municipality__in=municipality_ids)
    centres = list(centres.only("pk", "municipality_id", "tier", "status", "status_since", "opened_on"))
    existing = set(
        CentreFigure.objects.filter(period__in=periods, centre__in=centres).values_list("centre_id", "period_id")
    )
    granted = {(row["centre_id"], row["period_id"]) for row in centre_grants}
    missing = []
    for period in periods:
        serving = serving_centre_ids(period.first_day, period.last_day, centres)
        for centre in centres:
            key = (centre.pk, period.pk)
            if key not in existing and (centre.pk in serving or key in granted):
                missing.append(
                    CentreFigure(
                        centre_id=centre.pk,
                        period_id=period.pk,
                        municipality_id=centre.municipality_id,
                        parameters=parameters,
                        computed_at=now,
                        tier=centre.tier,
                    )
                )
    CentreFigure.objects.bulk_create(missing)
    rows = {(r.centre_id, r.period_id): r for r in CentreFigure.objects.filter(period__in=periods, centre__in=centres)}
    for grant in centre_grants:
        row = rows.get((grant["centre_id"], grant["period_id"]))
        if row is not None:
            row.running_grant, row.creation_grant = grant["running"], grant["creation"]
    return rows


def _municipality_rows(parameters, now, periods, municipality_ids, centre_rows, centre_grants, municipality_grants):
    """The municipality rows of the scope, summed from its centres' rows, with its grants (its own and its
    centres') and the published cost per service, if any."""
    published = PublishedCostPerService.objects.filter(period__in=periods)
    if municipality_ids is not None:
        published = published.filter(municipality__in=municipality_ids)
    current = _current_municipalities()
    tiers = dict(Municipality.objects.values_list("pk", "development_tier"))
    rows = {}

    def row_for(municipality_id, period_id):
        key = (municipality_id, period_id)
        if key not in rows:
            rows[key] = MunicipalityFigure(
                municipality_id=municipality_id,
                current_municipality_id=current.get(municipality_id, municipality_id),
                period_id=period_id,
                parameters=parameters,
                computed_at=now,
                tier="",
                centres=0,
            )
        return rows[key]

    for centre_row in centre_rows.values():
        row = row_for(centre_row.municipality_id, centre_row.period_id)
        row.centres += 1
        for name in SUM_FIELDS:
            setattr(row, name, getattr(row, name) + getattr(centre_row, name))
        if TIER_RANK.get(centre_row.tier, 0) > TIER_RANK.get(row.tier, 0):
            row.tier = centre_row.tier
    for grant in municipality_grants:
        row = row_for(grant["municipality_id"], grant["period_id"])
        row.running_grant = _add(row.running_grant, grant["running"])
        row.creation_grant = _add(row.creation_grant, grant["creation"])
    for grant in centre_grants:
        row = row_for(grant["centre__municipality_id"], grant["period_id"])
        row.running_grant = _add(row.running_grant, grant["running"])
        row.creation_grant = _add(row.creation_grant, grant["creation"])
    for figure in published:
        row = row_for(figure.municipality_id, figure.period_id)
        row.published_cost_per_service = figure.cost_per_service
        row.tier = row.tier or figure.tier
    for row in rows.values():
        row.tier = row.tier or tiers.get(row.municipality_id) or DevelopmentTier.LOCAL
        row.legal_share = (
            _quantize_share(row.legal_visits, row.recorded_client_visits) if row.recorded_client_visits else None
        )
        _set_cost(row, row.running_grant, row.services, CostBasis.MUNICIPALITY, row.published_cost_per_service)
    MunicipalityFigure.objects.bulk_create(rows.values())
    return rows


def _quantize_share(part, whole):
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _set_cost(row, grant, services, basis, published=None):
    """Cost per service = running grants / services; the published figure where that cannot be computed."""
    cost = _divide(grant, services)
    if cost is not None:
        row.cost_per_service, row.cost_basis, row.cost_missing = cost, basis, CostMissing.NONE
    elif published is not None:
        row.cost_per_service, row.cost_basis, row.cost_missing = Decimal(published), CostBasis.PUBLISHED, ""
    else:
        row.cost_per_service, row.cost_basis = None, CostBasis.NONE
        row.cost_missing = CostMissing.NO_SERVICES if not services else CostMissing.NO_GRANT


def _centre_costs(centre_rows, municipality_rows):
    for row in centre_rows.values():
        if row.running_grant is not None:
            _set_cost(row, row.running_grant, row.services, CostBasis.CENTRE)
            continue
        municipality = municipality_rows.get((row.municipality_id, row.period_id))
        if municipality is None or municipality.cost_per_service is None:
            row.cost_per_service, row.cost_basis = None, CostBasis.NONE
            row.cost_missing = municipality.cost_missing if municipality else CostMissing.NO_GRANT
        else:
            row.cost_per_service = municipality.cost_per_service
            row.cost_basis = municipality.cost_basis
            row.cost_missing = CostMissing.NONE


def _write(rows, fields, using=DEFAULT_DB_ALIAS):
    """Write `fields` of already stored `rows` with one executemany UPDATE by primary key: on a few hundred rows
    much quicker than bulk_update's CASE expressions."""
    rows = list(rows)
    if not rows:
        return
    connection = connections[using]
    meta = rows[0]._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(c.column)} = %s' for c in columns)} "
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    params = [[c.get_db_prep_save(getattr(row, c.attname), connection) for c in columns] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _settlements_by_municipality():
    grouped = defaultdict(lambda: ([], []))
    for municipality_id, lat, lon in Settlement.objects.filter(population__gt=0).values_list(
        "municipality_id", "latitude", "longitude"
    ):
        grouped[municipality_id][0].append(float(lat))
        grouped[municipality_id][1].append(float(lon))
    return grouped


# A centre with a row in a period it did not serve in (say, a grant paid after its closure) is not part of the
# network reviewed.
OUTSIDE_NETWORK = Screening(
    centres_in_municipality=0,
    nearest_same_km=None,
    nearest_any_km=None,
    criterion_same_municipality=None,
    criterion_cost=None,
    near_other_centre=None,
    only_centre=False,
    residents_covered_elsewhere=None,
    in_screening_scope=False,
    proposable=False,
)
SCREENING_FIELDS = (
    "centres_in_municipality",
    "nearest_same_km",
    "nearest_any_km",
    "criterion_same_municipality",
    "criterion_cost",
    "near_other_centre",
    "only_centre",
    "residents_covered_elsewhere",
    "in_screening_scope",
    "proposable",
)


def _summarise_period(period, parameters, now):
    """Draw A for the period from its municipality rows, band every row, screen every centre, and store the
    summary. Works on the stored rows of the whole period (a few hundred)."""
    municipality_rows = list(MunicipalityFigure.objects.filter(period=period))
    averaged = [
        row for row in municipality_rows if row.tier == DevelopmentTier.LOCAL or not parameters.average_local_tier_only
    ]
    found = averages(
        [
            (
                row.cost_per_service,
                row.running_grant if row.cost_basis == CostBasis.MUNICIPALITY else None,
                row.services,
            )
            for row in averaged
        ]
    )
    average = found.pick(parameters)
    for row in municipality_rows:
        row.band = cost_band(row.cost_per_service, average)
    _write(municipality_rows, ["band"])

    centre_rows = list(CentreFigure.objects.filter(period=period).select_related("centre"))
    serving = serving_centre_ids(period.first_day, period.last_day, [row.centre for row in centre_rows])
    network = [row for row in centre_rows if row.centre_id in serving or row.services or row.visits]
    screening = screen(
        [
            ScreeningCentre(
                id=row.centre_id,
                municipality_id=row.municipality_id,
                tier=row.tier,
                latitude=None if row.centre.latitude is None else float(row.centre.latitude),
                longitude=None if row.centre.longitude is None else float(row.centre.longitude),
                cost_per_service=row.cost_per_service,
            )
            for row in network
        ],
        parameters.radius_km,
        average,
        parameters.screen_local_tier_only,
        _settlements_by_municipality(),
    )
    for row in centre_rows:
        row.band = cost_band(row.cost_per_service, average)
        result = screening.get(row.centre_id, OUTSIDE_NETWORK)
        for name in SCREENING_FIELDS:
            value = getattr(result, name)
            if name.endswith("_km") and value is not None:
                value = Decimal(f"{value:.3f}")
            setattr(row, name, value)
    _write(centre_rows, [*SCREENING_FIELDS, "band"])

    bands = defaultdict(int)
    for row in averaged:
        bands[row.band] += 1
    recorded = [row for row in centre_rows if row.recorded_client_visits]
    PeriodSummary.objects.update_or_create(
        period=period,
        defaults={
            "parameters": parameters,
            "computed_at": now,
            "average_mode": parameters.average_mode,
            "average": average,
            "mean": found.mean,
            "median": found.median,
            "weighted_mean": found.weighted_mean,
            "municipalities_averaged": found.count,
            "at_or_below": bands[CostBand.AT_OR_BELOW],
            "above": bands[CostBand.ABOVE],
            "very_high": bands[CostBand.VERY_HIGH],
            "centres": len(network),
            "centres_with_recorded_clients": len(recorded),
            "centres_without_legal_visits": sum(1 for row in recorded if not row.legal_visits),
            "services": sum(row.services for row in centre_rows),
            "consultations": sum(row.consultations for row in centre_rows),
        },
    )


def _recompute_scope(connection, parameters, periods, municipality_ids, progress):
    """Replace the results of `periods` (of `municipality_ids` only, when given), then re-draw A, the bands and
    the screening of those periods in full."""
    now = timezone.now()
    steps = 3 + len(periods)
    progress(0, steps)
    centre_figures = CentreFigure.objects.filter(period__in=periods)
    municipality_figures = MunicipalityFigure.objects.filter(period__in=periods)
    hourly = CentreHourlyFigure.objects.filter(period__in=periods)
    if municipality_ids is not None:
        centre_figures = centre_figures.filter(centre__municipality__in=municipality_ids)
        municipality_figures = municipality_figures.filter(municipality__in=municipality_ids)
        hourly = hourly.filter(centre__municipality__in=municipality_ids)
    for queryset in (centre_figures, municipality_figures, hourly):
        queryset._raw_delete(queryset.db)
    progress(1, steps)

    centre_grants, municipality_grants = _grant_sums(periods, municipality_ids)
    centre_rows = _centre_rows(connection, parameters, now, periods, municipality_ids, centre_grants)
    municipality_rows = _municipality_rows(
        parameters, now, periods, municipality_ids, centre_rows, centre_grants, municipality_grants
    )
    _centre_costs(centre_rows, municipality_rows)
    _write(centre_rows.values(), ["running_grant", "creation_grant", "cost_per_service", "cost_basis", "cost_missing"])
    progress(2, steps)

    where, params = _scope_sql(municipality_ids, periods)
    with connection.cursor() as cursor:
        hourly_written = _aggregate_into(
            cursor, connection.vendor, _hourly_sums_sql(connection.vendor, where), params, _hourly_insert_sql()
        )
    progress(3, steps)

    for done, period in enumerate(periods, start=4):
        _summarise_period(period, parameters, now)
        progress(done, steps)
    return Outcome(
        rows_written=len(centre_rows) + len(municipality_rows) + hourly_written, periods=[p.pk for p in periods]
    )


def recompute(kind=RecomputationKind.FULL, scope=(), progress=None, using=DEFAULT_DB_ALIAS, parameters=None):
    """Recompute the stored network results in one transaction, under the recomputation lock: every period in
    full, or (incremental) the (municipality id, period id) pairs of `scope`. Returns an Outcome."""
    progress = progress or (lambda done, total: None)
    connection = connections[using]
    with transaction.atomic(using=using):
        _lock(connection)
        parameters = parameters or current_parameters()
        if kind == RecomputationKind.FULL:
            periods = list(ReportingPeriod.objects.order_by("first_day", "last_day"))
            PeriodSummary.objects.exclude(period__in=periods).delete()
            return _recompute_scope(connection, parameters, periods, None, progress)
        pairs = {(int(m), int(p)) for m, p in scope}
        periods = list(ReportingPeriod.objects.filter(pk__in={p for _m, p in pairs}).order_by("first_day"))
        outcome = Outcome()
        for period in periods:
            municipality_ids = sorted({m for m, p in pairs if p == period.pk})
            part = _recompute_scope(connection, parameters, [period], municipality_ids, progress)
            outcome.rows_written += part.rows_written
            outcome.periods += part.periods
        return outcome


# --- jobs ---------------------------------------------------------------------------------------------------------


def _compute(job, progress, using):
    parameters = current_parameters()
    return parameters, recompute(job.kind, job.scope, progress=progress, using=using, parameters=parameters)


jobs = Recomputations(NetworkRecomputation, "vpvkac.tasks.recompute_network", lock=_lock, compute=_compute)


def run_recomputation(recomputation_id, using=DEFAULT_DB_ALIAS):
    """The Celery task's body: run one requested recomputation (config/recomputation.py)."""
    return jobs.run(recomputation_id, using)


def request_full(user=None, reason=""):
    """Queue a full recomputation; it is sent to the worker when the current transaction commits."""
    return jobs.request_full(user, reason)


def _queue_recomputation(state):
    if state["full"]:
        request_full(reason="network changed")
        return
    if state["pairs"]:
        jobs.request_incremental(sorted([list(p) for p in state["pairs"]]), reason="figures changed")


pending_changes = CommitBatch(empty=lambda: {"pairs": set(), "full": False}, flush=_queue_recomputation)


def _note(pairs=(), full=False):
    def update(state):
        state["pairs"].update(pairs)
        state["full"] = state["full"] or full

    pending_changes.note(update)


def figures_changed(municipality_id, day):
    """Note that figures or grants of a municipality's centres on `day` changed; one incremental recomputation of
    the periods containing that day is queued when the transaction commits (nothing, when it rolls back)."""
    periods = ReportingPeriod.objects.filter(first_day__lte=day, last_day__gte=day).values_list("pk", flat=True)
    _note({(int(municipality_id), int(pk)) for pk in periods})


def grants_changed(municipality_id, period_id):
    _note({(int(municipality_id), int(period_id))})


def network_changed():
    """Centres, periods or settlements changed: distances and memberships may differ everywhere."""
    _note(full=True)


# --- reading -------------------------------------------------------------------------------------------------------


def rollup_to_current(period):
    """The period's municipality figures rolled up to today's municipalities: sums first, then the cost per
    service and the legal-person share (never an average of ratios). One dict per today's municipality; the cost
    per service counts only the municipalities whose cost was computed from grants."""
    granted = Q(cost_basis=CostBasis.MUNICIPALITY)
    sums = {
        f"{name}_sum": Sum(name)
        for name in ("services", "consultations", "visits", "recorded_client_visits", "legal_visits")
    }
    rows = (
        MunicipalityFigure.objects.filter(period=period)
        .values("current_municipality_id")
        .annotate(
            **sums, granted_sum=Sum("running_grant", filter=granted), granted_services=Sum("services", filter=granted)
        )
        .order_by("current_municipality_id")
    )
    result = []
    for row in rows:
        out = {"current_municipality_id": row["current_municipality_id"]}
        out.update({name.removesuffix("_sum"): row[name] for name in sums})
        out["running_grant"] = row["granted_sum"]
        out["cost_per_service"] = _divide(row["granted_sum"], row["granted_services"])
        out["legal_share"] = (
            _quantize_share(out["legal_visits"], out["recorded_client_visits"])
            if out["recorded_client_visits"]
            else None
        )
        result.append(out)
    return result


def hourly_distribution(centre_rows):
    """Visit shares by (weekday, hour) of CentreHourlyFigure rows: visits in the slot / all visits (seed 001 F10)."""
    totals = defaultdict(int)
    for row in centre_rows:
        totals[(row.weekday, row.hour)] += row.visits
    whole = sum(totals.values())
    return {key: value / whole for key, value in sorted(totals.items())} if whole else {}


def implied_grant(cost_per_service, services):
    """Seed 001 §4.8: the grant a published cost per service implies, cost per service × services."""
    return None if cost_per_service is None else Decimal(cost_per_service) * services


__all__ = [
    "common_windows",
    "cost_band",
    "coverage",
    "coverage_change",
    "current_parameters",
    "desk_overlap",
    "figures_changed",
    "grants_changed",
    "haversine_km",
    "network_changed",
    "recompute",
    "request_full",
    "rollup_to_current",
    "run_recomputation",
    "save_parameters",
    "screen",
]
