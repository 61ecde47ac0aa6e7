"""`bench vpvkac`: the recomputation of the VPVKAC network figures (vpvkac/network.py) at national scale, against a
hand-written SQL reference, and the coverage computation, in a scratch database.

A child process migrates the scratch database and generates, with set-based SQL: the registry's municipalities
(bench/dataset.py), catalogue services, centres spread over the municipalities (a few in each, the last ones without
contact figures), three yearly reporting periods and a quarter overlapping the last year, grants per centre and
year (maintenance, salary, now and then creation; the centres of every fifth municipality are paid through their
municipality instead), settlements with population, a mobile centre with stops, and the contact figures: on
every weekday of the years, every hour slot from 8 to 16 of every centre, up to five kinds of contact
(municipal staff's services, consultations and assisted e-services, institution staff's services, calls) with
institutions, services and client types varying, plus a daily e-mail total without an hour and a few totals
over a span of days (one of them across two years, so it counts in no yearly period); then ANALYZE. The foreign
key triggers are skipped while generating where the server allows it (a superuser).

Then, in the same run:

- full_first_seconds: `network.recompute()` (full) into empty result tables, in a child process as the worker
  runs it; full_seconds: the best of two more full recomputations replacing those results (the nightly case),
  each after VACUUM ANALYZE of the result tables (not timed);
- reference_seconds: hand-written SQL computing the same per-centre figures (every sum of contacts, the
  legal-person share, the centres' and the municipalities' running and creation grants, the cost per service
  with its basis and missing reason) and the hourly × weekday visits, materialised with `CREATE TEMP TABLE … AS
  SELECT …` under the settings of a recomputation's transaction (no just-in-time compilation, work_mem 128 MB);
  the best of two runs; reference_mismatches: centre-period and hourly rows whose reference values differ from
  the stored ones (or are missing on either side), which must be 0;
- ratio_full_to_reference = full_seconds / reference_seconds (target ≤ 1.5);
- incremental_ms: the median of several incremental recomputations of one (municipality, year), each after one of
  its figures changed;
- coverage_seconds: `network.coverage_change()` for the settlements and the service points (serving centres and
  the mobile centre's stops), before and after closing one centre and adding a stop: settlements × points
  distances twice, reading included (target < 2);
- centres, contact_rows, settlements, service_points, centre_figure_rows, hourly_rows, setup_seconds, seconds,
  load_average_before and load_average_after.

Run a child by hand: `DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=…_bench python -m bench.vpvkac_bench
prepare '{"centres": 170, …}'` (a Scale as JSON; or full RUNS, reference RUNS, incremental MUNICIPALITY PERIOD RUNS,
coverage, explain); every command refuses a database without the scratch marker.
"""

import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass

from . import scratch
from .registry import benchmark
from .scratch import require_postgres, scratch_database


@dataclass(frozen=True)
class Scale:
    centres: int
    years: int
    settlements: int
    stops: int  # the mobile centre's stops: service points besides the centres
    idle_centres: int  # the last centres, with grants but without contact figures
    services: int = 30  # catalogue services the figures name
    institutions: int = 60  # the synthetic registry's institutions
    runs: int = 2  # full recomputations and reference runs timed (the best counts)
    incremental_runs: int = 5


FIRST_YEAR = 2022
SCALES = {
    # 168 centres with figures × 783 weekdays × 9 hour slots × 4.05 kinds of contact on average ≈ 4.8 million
    # rows, and a daily e-mail row per centre (0.13 million); 170 centres and 30 stops are the 200 service points.
    "national": Scale(centres=170, years=3, settlements=5000, stops=30, idle_centres=2),
    # About 1 %: 5 centres with figures over one year (about 49,000 rows), 50 settlements, 2 stops.
    "ci": Scale(centres=6, years=1, settlements=50, stops=2, idle_centres=1),
}
CHILD_TIMEOUT = 2 * 60 * 60
HOURS = (8, 16)  # the first and last hour slot of a day
VISIT_TYPES_SQL = "('service', 'assisted_eservice', 'consultation')"
SERVICE_TYPES_SQL = "('service', 'assisted_eservice')"
RUNNING_KINDS_SQL = "('maintenance', 'salary', 'maintenance_salary')"


# --- the data -------------------------------------------------------------------------------------------------


def _array(ids):
    return f"ARRAY[{', '.join(str(int(pk)) for pk in ids)}]::bigint[]"


# The kinds of contact of an hour slot (j = 1 … 5) and the share of slots that have each, in per cent.
# (contact type, staff type, share): the pair differs between kinds, so the natural key of a slot's rows does.
KINDS = (
    ("service", "municipal", 100),
    ("consultation", "municipal", 95),
    ("assisted_eservice", "municipal", 60),
    ("service", "institution", 80),
    ("call", "municipal", 70),
)


def contacts_sql(first_day, last_day, institutions, services):
    """Every weekday × hour slot × kind of contact of every centre that has figures; no parameters."""
    kinds = ", ".join(f"('{contact}', '{staff}', {share}, {j})" for j, (contact, staff, share) in enumerate(KINDS, 1))
    return f"""
    INSERT INTO vpvkac_contactfigure (centre_id, date, date_to, hour, institution_id, service_id, contact_type,
        staff_type, client_type, count, source, is_demo)
    SELECT c.id, d::date, NULL, h,
        CASE WHEN k.contact = 'call' OR (k.contact <> 'service' AND v.n % 4 = 0) THEN NULL
             ELSE ({_array(institutions)})[1 + v.n % {len(institutions)}] END,
        CASE WHEN k.contact = 'service' AND v.n % 3 <> 0
             THEN ({_array(services)})[1 + (v.n / 7) % {len(services)}] END,
        k.contact, k.staff,
        CASE WHEN k.contact = 'call' OR c.id % 10 = 0 THEN ''
             WHEN v.n % 17 = 0 AND c.id % 4 <> 0 THEN 'legal' ELSE 'natural' END,
        1 + v.n % (CASE WHEN k.contact = 'service' THEN 9 ELSE 4 END),
        'bench', TRUE
    FROM vpvkac_centre c
    CROSS JOIN generate_series('{first_day}'::date, '{last_day}'::date, interval '1 day') AS d
    CROSS JOIN generate_series({HOURS[0]}, {HOURS[1]}) AS h
    CROSS JOIN (VALUES {kinds}) AS k (contact, staff, share, j)
    CROSS JOIN LATERAL (
        SELECT (c.id * 7919 + (d::date - '{first_day}'::date) * 104729 + h * 613 + k.j * 31) % 100000 AS n
    ) v
    WHERE c.code NOT LIKE 'bench-idle-%' AND EXTRACT(ISODOW FROM d) < 6 AND v.n % 100 < k.share
    """


def daily_emails_sql(first_day, last_day):
    return f"""
    INSERT INTO vpvkac_contactfigure (centre_id, date, date_to, hour, institution_id, service_id, contact_type,
        staff_type, client_type, count, source, is_demo)
    SELECT c.id, d::date, NULL, NULL, NULL, NULL, 'email', 'municipal', '',
        1 + (c.id * 31 + (d::date - '{first_day}'::date)) % 5, 'bench', TRUE
    FROM vpvkac_centre c
    CROSS JOIN generate_series('{first_day}'::date, '{last_day}'::date, interval '1 day') AS d
    WHERE c.code NOT LIKE 'bench-idle-%' AND EXTRACT(ISODOW FROM d) < 6
    """


def spans_sql(first_year, years):
    """Totals over a span of days at every 17th centre: the first half of the first year, and (with more than one
    year) the turn of the first two years, which lies inside no yearly period."""
    spans = [(f"{first_year}-01-01", f"{first_year}-06-30")]
    if years > 1:
        spans.append((f"{first_year}-11-01", f"{first_year + 1}-02-28"))
    values = ", ".join(f"('{start}'::date, '{end}'::date)" for start, end in spans)
    return f"""
    INSERT INTO vpvkac_contactfigure (centre_id, date, date_to, hour, institution_id, service_id, contact_type,
        staff_type, client_type, count, source, is_demo)
    SELECT c.id, s.first_day, s.last_day, NULL, NULL, NULL, 'service', 'municipal', '', 400 + c.id % 100, 'bench',
        TRUE
    FROM vpvkac_centre c CROSS JOIN (VALUES {values}) AS s (first_day, last_day)
    WHERE c.id % 17 = 0
    """


def generate(scale):
    """Fill the migrated scratch database at `scale`; returns counts and the (municipality, period) the incremental
    recomputation is timed on."""
    import math
    from datetime import date
    from decimal import Decimal

    from django.db import connection, transaction

    from institutions.models import Institution, Municipality
    from services.models import Service
    from vpvkac.models import (
        Centre,
        Grant,
        GrantKind,
        MobileCentre,
        MobileStop,
        ReportingPeriod,
        Settlement,
    )
    from vpvkac.network import current_parameters

    from .costs_bench import skip_foreign_key_checks
    from .dataset import seed_registry

    seed_registry("default", scale.institutions)
    current_parameters()
    municipalities = list(Municipality.objects.filter(valid_to__isnull=True).order_by("pk"))
    institutions = list(Institution.objects.order_by("pk").values_list("pk", flat=True))
    holder = institutions[0]
    since = date(2010, 1, 1)
    Service.objects.bulk_create(
        Service(catalogue_id=f"VPVKAC-B{n:03d}", name_lv=f"Pakalpojums {n}", holder_id=holder, valid_from=since)
        for n in range(scale.services)
    )
    services = list(Service.objects.order_by("pk").values_list("pk", flat=True))

    # Municipalities on a grid over Latvia's extent; their centres around them, up to 25 km away.
    def point(index, spread_km, salt):
        lat0 = 55.8 + (index * 0.37) % 2.1
        lon0 = 21.3 + (index * 1.13) % 6.6
        angle = (salt * 2.399963) % (2 * math.pi)  # the golden angle, so the points do not line up
        distance = spread_km * ((salt * 0.618034) % 1)
        return (
            Decimal(f"{lat0 + distance / 111.195 * math.cos(angle):.6f}"),
            Decimal(f"{lon0 + distance / (111.195 * math.cos(math.radians(lat0))) * math.sin(angle):.6f}"),
        )

    centres = []
    for n in range(scale.centres):
        municipality_index = n % len(municipalities)
        municipality = municipalities[municipality_index]
        first = n < len(municipalities)
        lat, lon = point(municipality_index, 0 if first else 25, n)
        centres.append(
            Centre(
                code=f"bench-idle-{n}" if n >= scale.centres - scale.idle_centres else f"bench-centre-{n}",
                name=f"Centrs {n}",
                tier=municipality.development_tier if first else "local",
                municipality=municipality,
                latitude=lat,
                longitude=lon,
                opened_on=date(2015, 1, 1),
                is_demo=True,
            )
        )
    centres = Centre.objects.bulk_create(centres)

    last_year = FIRST_YEAR + scale.years - 1
    periods = [
        ReportingPeriod(
            code=str(year), name_lv=f"{year}. gads", first_day=date(year, 1, 1), last_day=date(year, 12, 31)
        )
        for year in range(FIRST_YEAR, last_year + 1)
    ]
    periods.append(
        ReportingPeriod(
            code=f"{last_year}-q1",
            name_lv=f"{last_year}. gada 1. ceturksnis",
            first_day=date(last_year, 1, 1),
            last_day=date(last_year, 3, 31),
        )
    )
    periods = ReportingPeriod.objects.bulk_create(periods)

    # Grants of the yearly periods: to the centres, or to the municipality for every fifth municipality.
    grants = []
    by_municipality = {m.pk: m for m in municipalities}
    for period in periods[: scale.years]:
        for index, municipality in enumerate(municipalities):
            if index % 5 == 0:
                grants.append(
                    Grant(
                        period=period,
                        municipality=municipality,
                        kind=GrantKind.MAINTENANCE_AND_SALARY,
                        amount=Decimal(20000 + 1000 * (index % 7)),
                        is_demo=True,
                    )
                )
        for centre in centres:
            if municipalities.index(by_municipality[centre.municipality_id]) % 5 == 0:
                continue
            grants.append(
                Grant(
                    period=period, centre=centre, kind=GrantKind.MAINTENANCE, amount=Decimal(4000 + centre.pk % 9 * 500)
                )
            )
            if centre.pk % 6:
                grants.append(
                    Grant(
                        period=period, centre=centre, kind=GrantKind.SALARY, amount=Decimal(9000 + centre.pk % 5 * 700)
                    )
                )
            if centre.pk % 10 == 0:
                grants.append(Grant(period=period, centre=centre, kind=GrantKind.CREATION, amount=Decimal(25000)))
    for grant in grants:
        grant.is_demo = True
    Grant.objects.bulk_create(grants)

    settlements = []
    for n in range(scale.settlements):
        municipality_index = n % len(municipalities)
        lat, lon = point(municipality_index, 38, n + 7)
        settlements.append(
            Settlement(
                code=f"bench-settlement-{n}",
                name=f"Ciems {n}",
                municipality=municipalities[municipality_index],
                latitude=lat,
                longitude=lon,
                population=50 + (n * 7919) % 700,
                is_demo=True,
            )
        )
    Settlement.objects.bulk_create(settlements, batch_size=5000)
    mobile = MobileCentre.objects.create(code="bench-mobile", name="Mobilais centrs", is_demo=True)
    MobileStop.objects.bulk_create(
        MobileStop(mobile_centre=mobile, name=f"Pietura {n}", latitude=lat, longitude=lon)
        for n, (lat, lon) in enumerate(point(n % len(municipalities), 45, n + 3) for n in range(scale.stops))
    )

    first_day, last_day = date(FIRST_YEAR, 1, 1), date(last_year, 12, 31)
    with transaction.atomic(), connection.cursor() as cursor:
        skip_foreign_key_checks(cursor)
        cursor.execute(contacts_sql(first_day, last_day, institutions[:7], services))
        rows = cursor.rowcount
        cursor.execute(daily_emails_sql(first_day, last_day))
        rows += cursor.rowcount
        cursor.execute(spans_sql(FIRST_YEAR, scale.years))
        rows += cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "centres": len(centres),
        "contact_rows": rows,
        "settlements": len(settlements),
        "municipality": municipalities[1].pk,
        "period": periods[scale.years - 1].pk,
    }


# --- the measurements (in the child) ------------------------------------------------------------------------


RESULT_TABLES = ("vpvkac_centrefigure", "vpvkac_municipalityfigure", "vpvkac_centrehourlyfigure")


def _vacuum():
    from django.db import connection

    with connection.cursor() as cursor:
        for table in RESULT_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


def full(runs):
    """A full recomputation into the empty result tables, then `runs` more replacing them; the seconds of each."""
    from services.models import RecomputationKind
    from vpvkac.models import CentreFigure, CentreHourlyFigure
    from vpvkac.network import recompute

    seconds = []
    for _run in range(runs + 1):
        started = time.perf_counter()
        outcome = recompute(RecomputationKind.FULL)
        seconds.append(time.perf_counter() - started)
        _vacuum()
    return {
        "first_seconds": seconds[0],
        "seconds": min(seconds[1:]),
        "all_seconds": seconds,
        "rows_written": outcome.rows_written,
        "centre_rows": CentreFigure.objects.count(),
        "hourly_rows": CentreHourlyFigure.objects.count(),
    }


# The reference: two aggregates over the contact figures, each figure counted once for every period whose days hold
# its days: the centre sums (the counts summed by centre, period and the three types, then FILTERed sums of those)
# and the hourly visits (by centre, period, weekday from the day number, hour); the grants per centre and per municipality; the cost per service of a centre from
# its own running grants, else from its municipality's (its own and its centres', over the services of all its
# centres). Every centre of the bench served throughout, so each has a row in every period.
REFERENCE_SQL = (
    f"""
    CREATE TEMP TABLE ref_hourly AS
    SELECT f.centre_id, p.id AS period_id, ((f.date - DATE '2000-01-03') % 7 + 7) % 7 AS weekday, f.hour,
           SUM(f.count) AS visits
    FROM vpvkac_contactfigure f
    JOIN vpvkac_reportingperiod p ON f.date >= p.first_day AND f.date <= p.last_day
    WHERE f.hour IS NOT NULL AND f.date_to IS NULL AND f.contact_type IN {VISIT_TYPES_SQL}
    GROUP BY 1, 2, 3, 4
    """,
    f"""
    CREATE TEMP TABLE ref_sums AS
    SELECT centre_id, period_id,
           SUM(n) FILTER (WHERE contact_type IN {SERVICE_TYPES_SQL}) AS services,
           SUM(n) FILTER (WHERE contact_type = 'assisted_eservice') AS assisted,
           SUM(n) FILTER (WHERE contact_type IN {SERVICE_TYPES_SQL} AND staff_type = 'institution')
               AS institution_services,
           SUM(n) FILTER (WHERE contact_type = 'consultation') AS consultations,
           SUM(n) FILTER (WHERE contact_type = 'call') AS calls,
           SUM(n) FILTER (WHERE contact_type = 'email') AS emails,
           SUM(n) FILTER (WHERE contact_type IN {VISIT_TYPES_SQL}) AS visits,
           SUM(n) FILTER (WHERE contact_type IN {VISIT_TYPES_SQL} AND client_type <> '') AS recorded,
           SUM(n) FILTER (WHERE contact_type IN {VISIT_TYPES_SQL} AND client_type = 'legal') AS legal
    FROM (
        SELECT f.centre_id, p.id AS period_id, f.contact_type, f.staff_type, f.client_type, SUM(f.count) AS n
        FROM vpvkac_contactfigure f
        JOIN vpvkac_reportingperiod p ON f.date >= p.first_day AND COALESCE(f.date_to, f.date) <= p.last_day
        GROUP BY 1, 2, 3, 4, 5
    ) kinds
    GROUP BY 1, 2
    """,
    f"""
    CREATE TEMP TABLE ref_centre AS
    WITH centre_grants AS (
        SELECT centre_id, period_id,
               SUM(amount) FILTER (WHERE kind IN {RUNNING_KINDS_SQL}) AS running,
               SUM(amount) FILTER (WHERE kind = 'creation') AS creation
        FROM vpvkac_grant WHERE centre_id IS NOT NULL GROUP BY centre_id, period_id
    ),
    rows AS (
        SELECT c.id AS centre_id, p.id AS period_id, c.municipality_id,
               COALESCE(s.services, 0) AS services, COALESCE(s.assisted, 0) AS assisted,
               COALESCE(s.institution_services, 0) AS institution_services,
               COALESCE(s.consultations, 0) AS consultations, COALESCE(s.calls, 0) AS calls,
               COALESCE(s.emails, 0) AS emails, COALESCE(s.visits, 0) AS visits,
               COALESCE(s.recorded, 0) AS recorded, COALESCE(s.legal, 0) AS legal,
               g.running, g.creation
        FROM vpvkac_centre c CROSS JOIN vpvkac_reportingperiod p
        LEFT JOIN ref_sums s ON s.centre_id = c.id AND s.period_id = p.id
        LEFT JOIN centre_grants g ON g.centre_id = c.id AND g.period_id = p.id
    ),
    municipality_grants AS (
        SELECT municipality_id, period_id, SUM(amount) FILTER (WHERE kind IN {RUNNING_KINDS_SQL}) AS running
        FROM vpvkac_grant WHERE municipality_id IS NOT NULL GROUP BY municipality_id, period_id
    ),
    municipalities AS (
        SELECT r.municipality_id, r.period_id, SUM(r.services) AS services,
               CASE WHEN COUNT(r.running) = 0 AND MAX(mg.running) IS NULL THEN NULL
                    ELSE COALESCE(SUM(r.running), 0) + COALESCE(MAX(mg.running), 0) END AS running
        FROM rows r LEFT JOIN municipality_grants mg
          ON mg.municipality_id = r.municipality_id AND mg.period_id = r.period_id
        GROUP BY r.municipality_id, r.period_id
    ),
    municipality_costs AS (
        SELECT municipality_id, period_id,
               CASE WHEN running IS NOT NULL AND services > 0 THEN ROUND(running / services, 4) END AS cost,
               CASE WHEN running IS NULL OR services = 0 THEN
                    CASE WHEN services = 0 THEN 'no_services' ELSE 'no_grant' END ELSE '' END AS missing
        FROM municipalities
    )
    SELECT r.*,
           CASE WHEN r.recorded > 0 THEN ROUND(r.legal * 1.0 / r.recorded, 6) END AS legal_share,
           CASE WHEN r.running IS NOT NULL THEN
                    CASE WHEN r.services > 0 THEN ROUND(r.running / r.services, 4) END
                ELSE m.cost END AS cost_per_service,
           CASE WHEN r.running IS NOT NULL THEN CASE WHEN r.services > 0 THEN 'centre' ELSE '' END
                WHEN m.cost IS NOT NULL THEN 'municipality' ELSE '' END AS cost_basis,
           CASE WHEN r.running IS NOT NULL THEN CASE WHEN r.services > 0 THEN '' ELSE 'no_services' END
                ELSE m.missing END AS cost_missing
    FROM rows r JOIN municipality_costs m ON m.municipality_id = r.municipality_id AND m.period_id = r.period_id
    """,
)

# (reference column, stored column) of the centre rows compared; they must be equal (NULL equal to NULL).
COMPARED = (
    ("services", "services"),
    ("assisted", "assisted_eservices"),
    ("institution_services", "institution_staff_services"),
    ("consultations", "consultations"),
    ("calls", "calls"),
    ("emails", "emails"),
    ("visits", "visits"),
    ("recorded", "recorded_client_visits"),
    ("legal", "legal_visits"),
    ("legal_share", "legal_share"),
    ("running", "running_grant"),
    ("creation", "creation_grant"),
    ("cost_per_service", "cost_per_service"),
    ("cost_basis", "cost_basis"),
    ("cost_missing", "cost_missing"),
)
CENTRE_MISMATCH_SQL = f"""
    SELECT COUNT(*) FROM ref_centre r
    FULL JOIN vpvkac_centrefigure s ON s.centre_id = r.centre_id AND s.period_id = r.period_id
    WHERE r.centre_id IS NULL OR s.centre_id IS NULL
       OR {" OR ".join(f"r.{mine} IS DISTINCT FROM s.{stored}" for mine, stored in COMPARED)}
"""
HOURLY_MISMATCH_SQL = """
    SELECT COUNT(*) FROM ref_hourly r
    FULL JOIN vpvkac_centrehourlyfigure s ON s.centre_id = r.centre_id AND s.period_id = r.period_id
         AND s.weekday = r.weekday AND s.hour = r.hour
    WHERE r.centre_id IS NULL OR s.centre_id IS NULL OR r.visits IS DISTINCT FROM s.visits
"""


def reference(runs):
    """The reference statements, timed `runs` times in a fresh transaction each under a recomputation's settings;
    the last run is compared with the stored rows."""
    from django.db import connection, transaction

    seconds = []
    for run in range(runs):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")
            started = time.perf_counter()
            for statement in REFERENCE_SQL:
                cursor.execute(statement)
            seconds.append(time.perf_counter() - started)
            if run == runs - 1:
                cursor.execute(CENTRE_MISMATCH_SQL)
                centre_mismatches = cursor.fetchone()[0]
                cursor.execute(HOURLY_MISMATCH_SQL)
                hourly_mismatches = cursor.fetchone()[0]
                cursor.execute("SELECT COUNT(*) FROM ref_centre")
                centre_rows = cursor.fetchone()[0]
            transaction.set_rollback(True)
    return {
        "seconds": min(seconds),
        "all_seconds": seconds,
        "centre_rows": centre_rows,
        "centre_mismatches": centre_mismatches,
        "hourly_mismatches": hourly_mismatches,
    }


# One figure of the municipality-year changes before each timed recomputation, as when an operator corrects a day.
CHANGE_ONE_FIGURE = """
    UPDATE vpvkac_contactfigure SET count = count + %(step)s
    WHERE id = (SELECT MIN(f.id) FROM vpvkac_contactfigure f JOIN vpvkac_centre c ON c.id = f.centre_id
                WHERE c.municipality_id = %(municipality)s AND f.date >= %(first)s AND f.date <= %(last)s
                  AND f.count > 1)
"""


def incremental(municipality_id, period_id, runs):
    """`runs` incremental recomputations of one (municipality, period), each after one of its figures changed (not
    timed); returns their milliseconds."""
    from django.db import connection

    from services.models import RecomputationKind
    from vpvkac.models import ReportingPeriod
    from vpvkac.network import recompute

    period = ReportingPeriod.objects.get(pk=period_id)
    milliseconds = []
    for run in range(runs):
        with connection.cursor() as cursor:
            cursor.execute(
                CHANGE_ONE_FIGURE,
                {
                    "step": -1 if run % 2 else 1,
                    "municipality": municipality_id,
                    "first": period.first_day,
                    "last": period.last_day,
                },
            )
        started = time.perf_counter()
        recompute(RecomputationKind.INCREMENTAL, [(municipality_id, period_id)])
        milliseconds.append((time.perf_counter() - started) * 1000)
    return {"milliseconds": milliseconds}


def coverage():
    """Coverage before and after closing the first centre and adding a stop, from the database; its seconds."""
    from vpvkac.models import Centre
    from vpvkac.network import coverage_change, service_points

    first = Centre.objects.order_by("pk").first()
    started = time.perf_counter()
    before, after = coverage_change(close_centres=[first.pk], add_stops=[(56.9, 24.1)])
    seconds = time.perf_counter() - started
    points = service_points()
    return {
        "seconds": seconds,
        "settlements": len(before.settlement_ids),
        "service_points": len(points.centre_ids) + len(points.stop_ids),
        "share_before": before.share,
        "share_after": after.share,
    }


def explain():
    """The plans of a full recomputation's statements over the contact figures, under its transaction settings;
    rolled back."""
    from django.db import connection, transaction

    from vpvkac import network

    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        network._lock(connection)
        where, params = network._scope_sql(None, list(network.ReportingPeriod.objects.all()))
        for aggregate in (network._centre_sums_sql(where), network._hourly_sums_sql(connection.vendor, where)):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + aggregate, params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        transaction.set_rollback(True)
    return {"plans": plans}


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from .scratch import is_scratch_database

    with connection.cursor() as cursor:
        if not is_scratch_database(cursor, connection.settings_dict["NAME"]):
            sys.exit(f"{connection.settings_dict['NAME']} is not a bench scratch database; nothing was changed")
    command, *arguments = argv
    if command == "prepare":
        (scale,) = arguments
        call_command("migrate", interactive=False, verbosity=0)
        result = generate(Scale(**json.loads(scale)))
    elif command == "full":
        result = full(int(arguments[0]))
    elif command == "reference":
        result = reference(int(arguments[0]))
    elif command == "incremental":
        municipality, period, runs = map(int, arguments)
        result = incremental(municipality, period, runs)
    elif command == "coverage":
        result = coverage()
    elif command == "explain":
        result = explain()
    else:
        sys.exit(f"unknown command {command!r}")
    print(json.dumps(result, default=str))


# --- the benchmark ------------------------------------------------------------------------------------------


def run_child(database, *arguments):
    return scratch.run_child("bench.vpvkac_bench", database, *arguments, timeout=CHILD_TIMEOUT)


@benchmark("vpvkac")
def vpvkac_benchmark(scale_name, log=print):
    scale = SCALES[scale_name]
    require_postgres()
    started = time.perf_counter()
    with scratch_database(log=log) as database:
        data = run_child(database, "prepare", json.dumps(asdict(scale)))
        setup_seconds = time.perf_counter() - started
        log(
            f"generated {data['centres']} centres, {data['contact_rows']} contact rows and {data['settlements']} "
            f"settlements in {setup_seconds:.1f} s"
        )
        load_before = os.getloadavg()[0]

        full_run = run_child(database, "full", str(scale.runs))
        log(
            f"full recomputation: {full_run['first_seconds']:.2f} s into empty tables, then "
            f"{', '.join(f'{s:.2f}' for s in full_run['all_seconds'][1:])} s; {full_run['centre_rows']} centre rows, "
            f"{full_run['hourly_rows']} hourly rows"
        )
        reference_run = run_child(database, "reference", str(scale.runs))
        mismatches = reference_run["centre_mismatches"] + reference_run["hourly_mismatches"]
        log(
            f"reference: {reference_run['seconds']:.2f} s (runs "
            f"{', '.join(f'{s:.2f}' for s in reference_run['all_seconds'])}), {reference_run['centre_rows']} centre "
            f"rows; differing: {reference_run['centre_mismatches']} centre rows, "
            f"{reference_run['hourly_mismatches']} hourly rows"
        )
        if mismatches:
            log("the reference and vpvkac/network.py disagree: the ratio compares different computations")

        runs = run_child(
            database, "incremental", str(data["municipality"]), str(data["period"]), str(scale.incremental_runs)
        )["milliseconds"]
        incremental_ms = statistics.median(runs)
        log(f"incremental: median {incremental_ms:.0f} ms of {', '.join(f'{ms:.0f}' for ms in runs)}")

        covered = run_child(database, "coverage")
        log(
            f"coverage of {covered['settlements']} settlements by {covered['service_points']} service points, "
            f"before and after a change: {covered['seconds']:.3f} s "
            f"({covered['share_before']:.4f} → {covered['share_after']:.4f})"
        )
        explained = run_child(database, "explain")
        for plan in explained["plans"]:
            log(f"EXPLAIN (ANALYZE, BUFFERS):\n{plan}")
        load_after = os.getloadavg()[0]

    return {
        "centres": data["centres"],
        "contact_rows": data["contact_rows"],
        "settlements": covered["settlements"],
        "service_points": covered["service_points"],
        "centre_figure_rows": full_run["centre_rows"],
        "hourly_rows": full_run["hourly_rows"],
        "full_first_seconds": round(full_run["first_seconds"], 3),
        "full_seconds": round(full_run["seconds"], 3),
        "reference_seconds": round(reference_run["seconds"], 3),
        "reference_mismatches": mismatches,
        "ratio_full_to_reference": round(full_run["seconds"] / reference_run["seconds"], 3),
        "incremental_ms": round(incremental_ms, 1),
        "coverage_seconds": round(covered["seconds"], 4),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        "setup_seconds": round(setup_seconds, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }


if __name__ == "__main__":
    main(sys.argv[1:])
