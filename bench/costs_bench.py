"""`bench costs`: the recomputation of service cost figures (services/costing.py) at national scale, against a
hand-written SQL floor and a naive ORM loop, in a scratch database.

A child process migrates the scratch database and generates, with set-based SQL: the registry's institutions,
unified templates each provided by the same municipal bodies (one service per template and body, so the
services of a template are each other's peers), state services with one provider each, the channel code list
as the project loads it (services/reference_data.load_channels), monthly figures of every service × provider ×
year × channel, and yearly costs (channel-attributed staff costs, shared premises/IT/other costs); then ANALYZE.
Where the server allows it (a superuser), the foreign key triggers are skipped while generating: every key is read
from its table, and checking some 18 million of them would make the setup minutes longer.
The figures vary by service and channel so that every branch of the formulas is taken: channels without
transactions, services with only shared cost, services with no cost, a year without transactions beside a
shared cost, started counts not reported, satisfaction on 1–5 and 1–10 scales or not surveyed, client minutes
missing, providers far above or below their peers.

Then, in the same run:

- full_first_seconds: `costing.recompute("full")` into the empty cost figures table, in a child process (as
  the worker runs it); full_seconds: a second full recomputation replacing those figures, planned with the
  statistics of the filled table (what the nightly job does); peak_memory_mb: that child's peak resident set
  size (VmHWM of /proc/self/status), target < 500;
- floor_seconds: one hand-written SQL statement computing the same per service × provider × year rows, per
  channel and for all channels (T, cost with shared cost allocated, CPT, digital take-up, completion rate,
  satisfaction score, client burden; no year-on-year change, no peers), materialised with
  `CREATE TEMP TABLE … AS SELECT …` (a temporary table: no WAL, no indexes); the best of two runs;
  floor_mismatches: floor rows whose figures differ from the stored ones (or are missing), which must be 0;
- ratio_full_to_floor = full_seconds / floor_seconds (target ≤ 1.5);
- naive_sample_seconds: an ORM loop over every 100th service (1 %): for each, read its figures and costs,
  compute its figures in Python (every column but the peer ones, which one service alone cannot give) and
  save each CostFigure with .save(), one transaction per service;
  naive_scaled_seconds = naive_sample_seconds × services / sampled services; ratio_naive_to_full =
  naive_scaled_seconds / full_seconds (target ≥ 20);
- incremental_state_ms, incremental_municipal_ms: the median of several `recompute("incremental",
  [(provider, year)])` of one provider-year, each after one figure of that provider-year changed (a state
  provider; a municipal body whose services all belong to templates, so the peer columns of each template's 40
  providers are recomputed too), target < 250;
- explain_insert_seconds: `EXPLAIN (ANALYZE, BUFFERS)` of the full recomputation's INSERT, rolled
  back; the plan is written to the log;
- services, figure_rows, cost_rows, cost_figure_rows, setup_seconds, seconds, load_average_before and
  load_average_after (the machine's 1-minute load around the measurements: timings are only as quiet as the
  machine).

Run a child by hand: `DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=…_bench python -m bench.costs_bench
prepare '{"institutions": 30, …}'` (a Scale as JSON; or full, floor, incremental PROVIDER YEAR RUNS, naive
EVERY, explain); every command
refuses a database without the scratch marker.
"""

import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from .import_bench import memory_mb
from . import scratch
from .registry import BenchmarkError, benchmark
from .scratch import require_postgres, scratch_database


@dataclass(frozen=True)
class Scale:
    institutions: int
    templates: int
    template_providers: int  # municipal bodies providing every template's service
    state_services: int
    years: int
    sample_every: int = 100  # the naive loop's sample: every 100th service, 1 %
    incremental_runs: int = 7

    @property
    def services(self):
        return self.templates * self.template_providers + self.state_services

    @property
    def figure_rows(self):
        return self.services * self.years * MONTHS * CHANNELS


CHANNELS = 10  # the channel code list
MONTHS = 12
FIRST_YEAR = 2019
SCALES = {
    "ci": Scale(institutions=30, templates=5, template_providers=4, state_services=80, years=5),  # 60,000 rows
    "national": Scale(institutions=300, templates=50, template_providers=40, state_services=8000, years=5),
}
CHILD_TIMEOUT = 3 * 60 * 60


# --- the data -------------------------------------------------------------------------------------------------

# Monthly transactions of a channel, by the channel's place in the code list (portal first, mobile VPVKAC last),
# in tenths of a service's size; and the cost of one transaction by its relative cost unit, in cents.
CHANNEL_WEIGHTS = "ARRAY[30, 10, 8, 5, 6, 2, 8, 4, 2, 1]"
UNIT_CENTS = "CASE ch.cost_unit_class WHEN 'digital' THEN 40 WHEN 'phone' THEN 800 WHEN 'post' THEN 1200 ELSE 2000 END"

# A channel a service does not use: no transactions in any month.
UNUSED = '(sp.service_id * 3 + ch."order") % 11 = 0'
# A service with no cost reported at all; one with only shared cost; one with no transactions in its first year.
NO_COST = "sp.service_id % 97 = 0"
SHARED_ONLY = "sp.service_id % 10 = 0"
EMPTY_FIRST_YEAR = "sp.service_id % 53 = 0"
# Providers far from their peers: three times, or a third of, everyone else's cost.
PROVIDER_FACTOR = "CASE WHEN sp.institution_id % 9 = 0 THEN 3.0 WHEN sp.institution_id % 11 = 0 THEN 0.33 ELSE 1.0 END"


def figures_sql(first_year, last_year):
    """Every service × provider × year × month × channel; no parameters, so `%` is the modulo operator."""
    return f"""
    INSERT INTO services_servicefigure (service_id, provider_id, year, period_type, period_number, channel_id,
        started, completed, consultations, client_minutes, satisfaction_responses, satisfaction_mean,
        rating_scale_min, rating_scale_max, is_demo, updated_at)
    SELECT sp.service_id, sp.institution_id, y, 'month', m, ch.id,
        CASE WHEN (sp.service_id + ch."order") % 6 = 0 THEN NULL ELSE v.completed + v.completed / 8 + v.n % 5 END,
        v.completed,
        CASE WHEN ch.is_digital THEN NULL ELSE v.n % 40 END,
        CASE WHEN (sp.service_id + ch."order") % 4 = 0 THEN NULL
             WHEN ch.is_digital THEN 5 + (v.n % 200) / 10.0 ELSE 20 + (v.n % 900) / 10.0 END,
        CASE WHEN v.surveyed THEN 1 + v.n % 50 END,
        CASE WHEN v.surveyed THEN 1 + (v.n % 1000) / 1000.0 * (v.scale_max - 1) END,
        CASE WHEN v.surveyed THEN 1 END,
        CASE WHEN v.surveyed THEN v.scale_max END,
        TRUE, now()
    FROM services_service_providers sp
    CROSS JOIN generate_series({first_year}, {last_year}) AS y
    CROSS JOIN generate_series(1, {MONTHS}) AS m
    CROSS JOIN services_channel ch
    CROSS JOIN LATERAL (
        SELECT (sp.service_id * 7919 + y * 104729 + m * 613 + ch.id * 31) % 100000 AS n,
               CASE WHEN {UNUSED} OR ({EMPTY_FIRST_YEAR} AND y = {first_year}) THEN 0
                    ELSE (1 + (sp.service_id * 37) % 200) * ({CHANNEL_WEIGHTS})[ch."order"] / 10
                         + (sp.service_id * 7919 + y * 104729 + m * 613 + ch.id * 31) % 13 END AS completed,
               m % 3 = 0 AND NOT {UNUSED} AS surveyed,
               CASE WHEN sp.service_id % 3 = 0 THEN 10 ELSE 5 END AS scale_max
    ) v
"""


# Channel-attributed staff cost of most used channels, shared premises, IT systems and other costs.
def costs_sql(first_year, last_year):
    return f"""
    INSERT INTO services_servicecost (service_id, provider_id, year, component, channel_id, amount, is_demo,
        updated_at)
    SELECT sp.service_id, sp.institution_id, y, 'staff', ch.id,
        round((1 + (sp.service_id * 37) % 200) * ({CHANNEL_WEIGHTS})[ch."order"] * 1.2 * {UNIT_CENTS}
              * {PROVIDER_FACTOR} * (1 + (y - {first_year}) * 0.03) / 100, 2),
        TRUE, now()
    FROM services_service_providers sp
    CROSS JOIN generate_series({first_year}, {last_year}) AS y
    CROSS JOIN services_channel ch
    WHERE NOT ({NO_COST}) AND NOT ({SHARED_ONLY}) AND NOT ({UNUSED}) AND (sp.service_id + ch."order") % 3 <> 0
    UNION ALL
    SELECT sp.service_id, sp.institution_id, y, component, NULL,
        round((1 + (sp.service_id * 37) % 200) * share * {PROVIDER_FACTOR} * (1 + (y - {first_year}) * 0.02), 2),
        TRUE, now()
    FROM services_service_providers sp
    CROSS JOIN generate_series({first_year}, {last_year}) AS y
    CROSS JOIN (VALUES ('premises', 310), ('it_systems', 520), ('other', 45)) AS shared (component, share)
    WHERE NOT ({NO_COST})
"""


def skip_foreign_key_checks(cursor):
    """Skip the foreign key triggers for the rest of the transaction, where the server allows it (superuser):
    every generated key is read from its table, and checking 18 million of them at commit would take minutes."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def generate(scale):
    """Fill the migrated scratch database at `scale`; returns counts and the providers the incremental
    recomputation is timed on."""
    from datetime import date

    from django.db import connection, transaction

    from institutions.models import Institution, InstitutionType
    from services.costing import current_parameters
    from services.models import Channel, Service, ServiceLevel, ServiceTemplate
    from services.reference_data import load_channels

    from .dataset import seed_registry

    seed_registry("default", scale.institutions)
    load_channels()
    if Channel.objects.count() != CHANNELS:
        raise BenchmarkError(f"expected {CHANNELS} channels in the code list, found {Channel.objects.count()}")
    current_parameters()

    municipal, state = [], []
    seen_municipalities = set()
    for institution in Institution.objects.order_by("pk"):
        if institution.institution_type != InstitutionType.MUNICIPAL_AGENCY:
            state.append(institution)
        elif institution.municipality_id not in seen_municipalities:  # one body per municipality
            seen_municipalities.add(institution.municipality_id)
            municipal.append(institution)
    if len(municipal) < scale.template_providers:
        raise BenchmarkError(f"{len(municipal)} municipal bodies, {scale.template_providers} needed")
    municipal = municipal[: scale.template_providers]

    templates = ServiceTemplate.objects.bulk_create(
        ServiceTemplate(
            code=f"cost-template-{t}",
            name_lv=f"Vienotais pakalpojums {t}",
            name_en=f"Unified service {t}",
            is_demo=True,
        )
        for t in range(scale.templates)
    )
    since = date(2010, 1, 1)
    services = [
        Service(
            catalogue_id=f"COST-T{t:03d}-{j:03d}",
            name_lv=f"{template.name_lv}, {body.name_lv}",
            level=ServiceLevel.MUNICIPAL,
            holder=body,
            template=template,
            valid_from=since,
            is_demo=True,
        )
        for t, template in enumerate(templates)
        for j, body in enumerate(municipal)
    ]
    services += [
        Service(
            catalogue_id=f"COST-S{n:05d}",
            name_lv=f"Valsts pakalpojums {n}",
            holder=state[n % len(state)],
            valid_from=since,
            is_demo=True,
        )
        for n in range(scale.state_services)
    ]
    Service.objects.bulk_create(services, batch_size=2000)

    years = (FIRST_YEAR, FIRST_YEAR + scale.years - 1)
    with transaction.atomic(), connection.cursor() as cursor:
        skip_foreign_key_checks(cursor)
        cursor.execute(
            "INSERT INTO services_service_providers (service_id, institution_id) "
            "SELECT id, holder_id FROM services_service ORDER BY id"
        )
        cursor.execute(figures_sql(*years))
        figures = cursor.rowcount
        cursor.execute(costs_sql(*years))
        costs = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "services": len(services),
        "figure_rows": figures,
        "cost_rows": costs,
        "state_provider": services[-1].holder_id,
        "municipal_provider": municipal[0].pk,
        "year": FIRST_YEAR + scale.years // 2,
    }


# --- the measurements (in the child) ------------------------------------------------------------------------


def full():
    """Two full recomputations, the first into the empty table, the second replacing its rows (the nightly
    case). After each, VACUUM ANALYZE of the stored figures (not timed), as autovacuum soon would: the second run
    and everything measured after it are planned knowing the table's real size, as in production."""
    from django.db import connection

    from services.costing import recompute
    from services.models import CostFigure, RecomputationKind

    rss_before = memory_mb("VmRSS")
    seconds = []
    for _run in range(2):
        started = time.perf_counter()
        outcome = recompute(RecomputationKind.FULL)
        seconds.append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {CostFigure._meta.db_table}")
    peak = memory_mb("VmHWM")
    return {
        "first_seconds": seconds[0],
        "seconds": seconds[1],
        "rows_written": outcome.rows_written,
        "rows": CostFigure.objects.count(),
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
    }


# The floor: every figure of a per-channel and a per-service row in one statement, over all years at once.
# Figures are summed per period type first, then the coarsest period type reported is kept (the grain sorts
# coarsest first, in the order the aggregation already produces). Each row's share of the year's transactions
# is taken before the shared costs are joined, where the rows are still in key order. Channel rows and total
# rows come out of one GROUPING SETS aggregation of the per-channel rows; a total's shared cost is the sum of its
# channels' shares, which is H whenever any transaction was completed.
FLOOR_SQL = """
    CREATE TEMP TABLE cost_floor AS
    WITH by_period AS (
        SELECT service_id, provider_id, year, channel_id,
               CASE period_type WHEN 'year' THEN 1 WHEN 'quarter' THEN 2 ELSE 3 END AS grain,
               SUM(completed) AS t,
               SUM(started) AS s,
               SUM(completed) FILTER (WHERE started IS NOT NULL) AS t_s,
               SUM(satisfaction_responses) FILTER (WHERE satisfaction_mean IS NOT NULL) AS resp,
               SUM(satisfaction_responses * (satisfaction_mean - rating_scale_min) * 100.0
                   / (rating_scale_max - rating_scale_min)) AS points,
               SUM(completed) FILTER (WHERE client_minutes IS NOT NULL) AS burden_t,
               SUM(completed * client_minutes) / 60.0 AS hours
        FROM services_servicefigure
        GROUP BY service_id, provider_id, year, channel_id, 5
    ),
    f AS (
        SELECT DISTINCT ON (service_id, provider_id, year, channel_id) *
        FROM by_period ORDER BY service_id, provider_id, year, channel_id, grain
    ),
    d AS (
        SELECT service_id, provider_id, year, channel_id, SUM(amount) AS d
        FROM services_servicecost WHERE channel_id IS NOT NULL GROUP BY service_id, provider_id, year, channel_id
    ),
    h AS (
        SELECT service_id, provider_id, year, SUM(amount) AS h
        FROM services_servicecost WHERE channel_id IS NULL GROUP BY service_id, provider_id, year
    ),
    fd AS (
        SELECT service_id, provider_id, year, channel_id, COALESCE(f.t, 0) AS t, f.s, f.t_s,
               f.resp, f.points, f.burden_t, f.hours, d.d,
               SUM(COALESCE(f.t, 0)) OVER (PARTITION BY service_id, provider_id, year) AS t_all
        FROM f FULL JOIN d USING (service_id, provider_id, year, channel_id)
    ),
    x AS (
        SELECT fd.*, ch.is_digital, h.h,
               COALESCE(d, 0) + CASE WHEN t_all > 0 THEN COALESCE(h, 0) * t / t_all ELSE 0 END AS cost
        FROM fd FULL JOIN h USING (service_id, provider_id, year)
        LEFT JOIN services_channel ch ON ch.id = channel_id
    ),
    g AS (
        SELECT service_id, provider_id, year, channel_id, GROUPING(channel_id) = 1 AS is_total,
               SUM(t) AS t, SUM(t) FILTER (WHERE is_digital) AS t_dig, SUM(s) AS s, SUM(t_s) AS t_s,
               SUM(resp) AS resp, SUM(points) AS points, SUM(burden_t) AS burden_t, SUM(hours) AS hours,
               SUM(cost) AS cost, COUNT(d) > 0 OR MAX(h) IS NOT NULL AS known
        FROM x
        GROUP BY service_id, provider_id, year, GROUPING SETS ((channel_id), ())
    )
    SELECT service_id, provider_id, year, channel_id, COALESCE(t, 0) AS t, COALESCE(cost, 0) AS cost,
           CASE WHEN t > 0 AND known THEN cost / t END AS cost_per_transaction,
           CASE WHEN is_total AND t > 0 THEN COALESCE(t_dig, 0) * 1.0 / t END AS digital_takeup,
           CASE WHEN s > 0 THEN t_s * 1.0 / s END AS completion_rate,
           CASE WHEN resp > 0 THEN points / resp END AS satisfaction_score,
           CASE WHEN burden_t > 0 THEN hours * %(tariff)s END AS admin_burden
    FROM g
    WHERE is_total OR channel_id IS NOT NULL
"""

# Floor rows against the stored ones: a row missing on either side, or a figure differing by more than the
# stored rounding (4 decimals, 6 for the shares, 2 for the burden), counts once. (floor column, stored column,
# tolerance)
COMPARED = (
    ("t", "transactions", 0),
    ("cost", "cost", 0.0001),
    ("cost_per_transaction", "cost_per_transaction", 0.0001),
    ("digital_takeup", "digital_takeup", 0.000001),
    ("completion_rate", "completion_rate", 0.000001),
    ("satisfaction_score", "satisfaction_score", 0.0001),
    ("admin_burden", "admin_burden", 0.01),
)


def mismatch_sql():
    differs = " OR ".join(
        f"((f.{mine} IS NULL) <> (s.{stored} IS NULL) OR abs(f.{mine} - s.{stored}) > {tolerance})"
        for mine, stored, tolerance in COMPARED
    )
    return f"""
        SELECT COUNT(*) FROM cost_floor f
        FULL JOIN services_costfigure s
          ON s.service_id = f.service_id AND s.provider_id = f.provider_id AND s.year = f.year
         AND COALESCE(s.channel_id, 0) = COALESCE(f.channel_id, 0)
        WHERE f.service_id IS NULL OR s.service_id IS NULL OR {differs}
    """


def floor(runs=2):
    """The floor statement, timed `runs` times in a fresh transaction each; then compared with the stored rows."""
    from django.db import connection, transaction

    from services.costing import current_parameters

    tariff = current_parameters().hourly_tariff
    seconds = []
    for run in range(runs):
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL, {"tariff": tariff})
            seconds.append(time.perf_counter() - started)
            cursor.execute("SELECT COUNT(*) FROM cost_floor")
            rows = cursor.fetchone()[0]
            if run == runs - 1:
                cursor.execute(mismatch_sql())
                mismatches = cursor.fetchone()[0]
            cursor.execute("DROP TABLE cost_floor")
    return {"seconds": min(seconds), "all_seconds": seconds, "rows": rows, "mismatches": mismatches}


# One figure of the provider-year changes before each timed recomputation, as when an editor corrects a figure:
# its completed count goes up by one, then back down (started with it, where reported).
CHANGE_ONE_FIGURE = """
    UPDATE services_servicefigure
    SET completed = completed + %(step)s, started = started + %(step)s
    WHERE id = (SELECT MIN(id) FROM services_servicefigure WHERE provider_id = %(provider)s AND year = %(year)s
                AND completed > 0)
"""


def incremental(provider_id, year, runs):
    """`runs` incremental recomputations of one provider-year, each after one of its figures changed (not timed);
    returns their milliseconds."""
    from django.db import connection

    from services.costing import recompute
    from services.models import RecomputationKind

    milliseconds = []
    for run in range(runs):
        with connection.cursor() as cursor:
            cursor.execute(CHANGE_ONE_FIGURE, {"step": -1 if run % 2 else 1, "provider": provider_id, "year": year})
        started = time.perf_counter()
        recompute(RecomputationKind.INCREMENTAL, [(provider_id, year)])
        milliseconds.append((time.perf_counter() - started) * 1000)
    return {"milliseconds": milliseconds}


class _Explaining:
    """A cursor that runs `EXPLAIN (ANALYZE, BUFFERS)` of what it is given, so the plan is that of exactly the
    statement and parameters services/costing.py executes."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.rowcount = 0
        self.plan = ""

    def execute(self, sql, params=None):
        self.cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        self.plan = "\n".join(row[0] for row in self.cursor.fetchall())


def explain():
    """The plan of the full recomputation's INSERT (every year), with the stored rows deleted first, under the
    recomputation's own transaction settings; rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from services import costing
    from services.models import CostFigure

    parameters = costing.current_parameters()
    with transaction.atomic(), connection.cursor() as cursor:
        costing._lock(connection)
        cursor.execute(f"DELETE FROM {CostFigure._meta.db_table}")
        explaining = _Explaining(cursor)
        started = time.perf_counter()
        costing._insert(explaining, connection.vendor, parameters, timezone.now())
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"seconds": seconds, "plan": explaining.plan}


# --- the naive loop -------------------------------------------------------------------------------------------

GRAIN = {"year": 1, "quarter": 2, "month": 3}
STORED_CPT = Decimal("0.0001")  # CostFigure.cost_per_transaction has 4 decimals


def _sums(rows):
    """The sums of one channel's figures of a year, at the coarsest period type reported."""
    best = min(GRAIN[row.period_type] for row in rows)
    rows = [row for row in rows if GRAIN[row.period_type] == best]
    rated = [row for row in rows if row.satisfaction_mean is not None]
    timed = [row for row in rows if row.client_minutes is not None]
    reported = [row for row in rows if row.started is not None]
    return {
        "t": sum(row.completed for row in rows),
        "s": sum(row.started for row in reported) if reported else None,
        "t_s": sum(row.completed for row in reported),
        "resp": sum(row.satisfaction_responses for row in rated),
        "points": sum(
            row.satisfaction_responses
            * (row.satisfaction_mean - row.rating_scale_min)
            * 100
            / (row.rating_scale_max - row.rating_scale_min)
            for row in rated
        )
        + Decimal(0),
        "burden_t": sum(row.completed for row in timed),
        "hours": sum((row.completed * row.client_minutes for row in timed), Decimal(0)) / 60,
    }


def _figure(sums, direct, shared, unallocated, known, digital_t, is_total, tariff):
    """The stored columns of one row, from its sums (domain brief §3)."""
    t = sums["t"]
    cost = direct + shared
    cpt = cost / t if t > 0 and known else None
    return {
        "transactions": t,
        "digital_transactions": digital_t,
        "started": sums["s"],
        "completed_of_started": sums["t_s"],
        "direct_cost": direct,
        "shared_cost": shared,
        "cost": cost,
        "unallocated_shared_cost": unallocated,
        "cost_known": known,
        "costed_transactions": t if known else 0,
        "cost_per_transaction": cpt,
        "cost_per_transaction_missing": "no_transactions" if t == 0 else ("" if known else "no_cost"),
        "digital_takeup": Decimal(digital_t) / t if is_total and t > 0 else None,
        "completion_rate": Decimal(sums["t_s"]) / sums["s"] if sums["s"] else None,
        "satisfaction_responses": sums["resp"],
        "satisfaction_points": sums["points"],
        "satisfaction_score": sums["points"] / sums["resp"] if sums["resp"] else None,
        "burden_transactions": sums["burden_t"],
        "client_hours": sums["hours"],
        "admin_burden": sums["hours"] * tariff if sums["burden_t"] else None,
    }


def _service_figures(service, channels, parameters):
    """Every CostFigure of one service, computed in Python from its figures and costs."""
    from collections import defaultdict

    from services.models import ServiceCost, ServiceFigure

    figures = defaultdict(list)
    for row in ServiceFigure.objects.filter(service=service):
        figures[(row.provider_id, row.year, row.channel_id)].append(row)
    direct, shared = defaultdict(Decimal), defaultdict(Decimal)
    has_direct, has_shared = set(), set()
    for cost in ServiceCost.objects.filter(service=service):
        if cost.channel_id is None:
            shared[(cost.provider_id, cost.year)] += cost.amount
            has_shared.add((cost.provider_id, cost.year))
        else:
            direct[(cost.provider_id, cost.year, cost.channel_id)] += cost.amount
            has_direct.add((cost.provider_id, cost.year, cost.channel_id))

    empty = {"t": 0, "s": None, "t_s": 0, "resp": 0, "points": Decimal(0), "burden_t": 0, "hours": Decimal(0)}
    keys = set(figures) | has_direct
    result = []
    for provider, year in sorted({(p, y) for p, y, _c in keys} | has_shared):
        rows = {
            c: _sums(figures[(p, y, c)]) if (p, y, c) in figures else dict(empty)
            for p, y, c in keys
            if (p, y) == (provider, year)
        }
        t_all = sum(sums["t"] for sums in rows.values())
        h = shared.get((provider, year))
        total = dict(empty)
        total_direct, total_digital, any_direct = Decimal(0), 0, False
        for channel_id, sums in sorted(rows.items()):
            d = direct.get((provider, year, channel_id))
            allocated = h * sums["t"] / t_all if h is not None and t_all > 0 else Decimal(0)
            known = d is not None or (h is not None and t_all > 0)
            digital = sums["t"] if channels[channel_id].is_digital else 0
            values = _figure(
                sums, d or Decimal(0), allocated, Decimal(0), known, digital, False, parameters.hourly_tariff
            )
            result.append((provider, year, channel_id, values))
            for name in ("t", "t_s", "resp", "points", "burden_t", "hours"):
                total[name] += sums[name]
            if sums["s"] is not None:
                total["s"] = (total["s"] or 0) + sums["s"]
            total_direct += d or 0
            any_direct = any_direct or d is not None
            total_digital += digital
        t = total["t"]
        known = any_direct or (h is not None and t > 0)
        values = _figure(
            total,
            total_direct,
            h if h is not None and t > 0 else Decimal(0),
            h if h is not None and t == 0 else Decimal(0),
            known,
            total_digital,
            True,
            parameters.hourly_tariff,
        )
        result.append((provider, year, None, values))
    return result


def _stored_cpt(value):
    """A CPT as its row stores it, 4 decimals (PostgreSQL rounds half away from zero)."""
    return None if value is None else value.quantize(STORED_CPT, rounding=ROUND_HALF_UP)


def _with_previous_year(rows):
    """Add the year-on-year change of CPT and T against the same row of the previous year."""
    by_key = {(provider, year, channel): values for provider, year, channel, values in rows}
    for provider, year, channel, values in rows:
        previous = by_key.get((provider, year - 1, channel))
        previous_cpt = _stored_cpt(previous["cost_per_transaction"]) if previous else None
        previous_t = previous["transactions"] if previous else None
        values["previous_cost_per_transaction"] = previous_cpt
        values["previous_transactions"] = previous_t
        cpt = _stored_cpt(values["cost_per_transaction"])
        values["cost_per_transaction_change"] = (cpt - previous_cpt) / previous_cpt if cpt and previous_cpt else None
        values["transactions_change"] = (
            Decimal(values["transactions"] - previous_t) / previous_t if previous_t else None
        )
    return rows


def naive(every):
    """The naive loop over every `every`-th service; returns its seconds and counts. The peer columns are left
    at their defaults: a loop over one service at a time cannot see its peers."""
    from django.db import transaction
    from django.utils import timezone

    from services.costing import current_parameters
    from services.models import Channel, CostFigure, Service

    parameters = current_parameters()
    channels = {channel.pk: channel for channel in Channel.objects.all()}
    sample = list(Service.objects.order_by("pk")[::every])
    saved = 0
    started = time.perf_counter()
    for service in sample:
        rows = _with_previous_year(_service_figures(service, channels, parameters))
        now = timezone.now()
        with transaction.atomic():
            CostFigure.objects.filter(service=service).delete()
            for provider, year, channel, values in rows:
                CostFigure(
                    service=service,
                    provider_id=provider,
                    year=year,
                    channel_id=channel,
                    template_id=service.template_id,
                    parameters=parameters,
                    computed_at=now,
                    **values,
                ).save()
                saved += 1
    return {"seconds": time.perf_counter() - started, "services": len(sample), "rows": saved}


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
        result = full()
    elif command == "floor":
        result = floor()
    elif command == "incremental":
        provider, year, runs = map(int, arguments)
        result = incremental(provider, year, runs)
    elif command == "naive":
        (every,) = arguments
        result = naive(int(every))
    elif command == "explain":
        result = explain()
    else:
        sys.exit(f"unknown command {command!r}")
    print(json.dumps(result, default=str))


# --- the benchmark ------------------------------------------------------------------------------------------


def run_child(database, *arguments):
    return scratch.run_child("bench.costs_bench", database, *arguments, timeout=CHILD_TIMEOUT)


@benchmark("costs")
def costs_benchmark(scale_name, log=print):
    scale = SCALES[scale_name]
    require_postgres()
    started = time.perf_counter()
    with scratch_database(log=log) as database:
        data = run_child(database, "prepare", json.dumps(asdict(scale)))
        setup_seconds = time.perf_counter() - started
        log(
            f"generated {data['services']} services, {data['figure_rows']} figure rows and {data['cost_rows']} "
            f"cost rows in {setup_seconds:.1f} s"
        )
        load_before = os.getloadavg()[0]

        full_run = run_child(database, "full")
        log(
            f"full recomputation: {full_run['first_seconds']:.2f} s into the empty table, {full_run['seconds']:.2f} s "
            f"replacing it; {full_run['rows']} rows; peak {full_run['peak_rss_mb']:.0f} MB"
        )
        floor_run = run_child(database, "floor")
        log(
            f"floor: {floor_run['seconds']:.2f} s (runs {', '.join(f'{s:.2f}' for s in floor_run['all_seconds'])}), "
            f"{floor_run['rows']} rows, {floor_run['mismatches']} differing from the stored figures"
        )
        if floor_run["mismatches"]:
            log("the floor and services/costing.py disagree: the ratio compares different computations")

        incremental_ms = {}
        for kind in ("state", "municipal"):
            runs = run_child(
                database, "incremental", str(data[f"{kind}_provider"]), str(data["year"]), str(scale.incremental_runs)
            )["milliseconds"]
            incremental_ms[kind] = statistics.median(runs)
            log(
                f"incremental, {kind} provider {data[f'{kind}_provider']}, {data['year']}: median "
                f"{incremental_ms[kind]:.0f} ms of {', '.join(f'{ms:.0f}' for ms in runs)}"
            )

        explained = run_child(database, "explain")
        log(
            f"EXPLAIN (ANALYZE, BUFFERS) of the full recomputation's INSERT "
            f"({explained['seconds']:.2f} s):\n{explained['plan']}"
        )

        naive_run = run_child(database, "naive", str(scale.sample_every))
        naive_scaled = naive_run["seconds"] * data["services"] / naive_run["services"]
        log(
            f"naive loop: {naive_run['seconds']:.2f} s for {naive_run['services']} services "
            f"({naive_run['rows']} rows); scaled to {data['services']}: {naive_scaled:.0f} s"
        )
        load_after = os.getloadavg()[0]

    return {
        "services": data["services"],
        "figure_rows": data["figure_rows"],
        "cost_rows": data["cost_rows"],
        "cost_figure_rows": full_run["rows"],
        "full_first_seconds": round(full_run["first_seconds"], 3),
        "full_seconds": round(full_run["seconds"], 3),
        "floor_seconds": round(floor_run["seconds"], 3),
        "floor_mismatches": floor_run["mismatches"],
        "ratio_full_to_floor": round(full_run["seconds"] / floor_run["seconds"], 3),
        "naive_sample_services": naive_run["services"],
        "naive_sample_seconds": round(naive_run["seconds"], 3),
        "naive_scaled_seconds": round(naive_scaled, 3),
        "ratio_naive_to_full": round(naive_scaled / full_run["seconds"], 2),
        "incremental_state_ms": round(incremental_ms["state"], 1),
        "incremental_municipal_ms": round(incremental_ms["municipal"], 1),
        "peak_memory_mb": round(full_run["peak_rss_mb"], 1),
        "explain_insert_seconds": round(explained["seconds"], 3),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        "setup_seconds": round(setup_seconds, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }


if __name__ == "__main__":
    main(sys.argv[1:])
