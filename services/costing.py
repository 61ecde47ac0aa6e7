"""Service cost figures (domain brief §3 "Service cost figures"), computed in the database and stored in
`CostFigure`.

Notation as in the brief: s service, p provider, t period (the year: costs are reported per year), c channel,
T completed transactions, S started, D channel-attributed cost, H shared cost.

For each (s, p, year) one row per channel and one row with the channel empty (all channels together):

- T(s,p,t,c) is the sum of the completed figures of the year. A channel reported at several grains (the whole
  year and its months, say) counts once, at the coarsest grain reported: year, else quarters, else months.
- Cost(s,p,t,c) = D(s,p,t,c) + H(s,p,t) × T(s,p,t,c) / Σ_c T(s,p,t,c). When Σ_c T = 0, H is stored on the
  total row as unallocated shared cost and nothing is divided.
- CPT = Cost / T; on the total row Σ_c Cost / Σ_c T. No value, with the reason stored, when T = 0 or when no
  cost is reported (no D for the channel and no H to allocate).
- Digital take-up = Σ_{c digital} T / Σ_c T (total row). Completion rate = T / S over the figures that report S.
- Satisfaction score = (mean − scale min) / (scale max − scale min) × 100 per figure, combined weighted by
  responses; each figure keeps its own scale, so a 1–10 scale and a 1–5 scale are combined correctly.
- Client administrative burden = Σ T × client minutes / 60 × hourly tariff (parameter).
- Year-on-year change of CPT and T against the same row of the previous year.
- Peers: the rows of services sharing a unified template (or, without a template, the same service at every
  provider) in the same year and channel. Ratio = CPT / median(CPT of the peers with a value, the row itself
  included); needs two peers with a value. Outlier when ratio ≥ k or ≤ 1/k (k parameter).

Each sum behind a ratio is stored beside it, so roll-ups (`rollup`) sum first and divide afterwards.

A recomputation runs inside one transaction holding one lock (a PostgreSQL advisory lock; SQLite has one
writer anyway): readers see the old figures or the new ones, and a second recomputation waits for the first.
The full recomputation is one `INSERT … SELECT` over all years that computes every column, the previous year
and the peers included; the incremental one recomputes one provider's years, then the peer columns of the
groups whose costs per transaction changed, and the following year's change.
"""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Case, F, IntegerField, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from config import remembered
from config.oncommit import CommitBatch
from config.recomputation import Recomputations
from institutions.models import InstitutionType

from .models import (
    Channel,
    CostFigure,
    CostParameters,
    CostRecomputation,
    RecomputationKind,
    Service,
    ServiceCost,
    ServiceFigure,
)

logger = logging.getLogger(__name__)

LOCK_KEY = 804_200_417  # the advisory lock of cost recomputations


# --- parameters ---------------------------------------------------------------------------------------------

PARAMETER_FIELDS = ("unit_digital", "unit_phone", "unit_post", "unit_face_to_face", "hourly_tariff", "outlier_factor")


def current_parameters():
    """The newest parameter version; version 1 (the brief's defaults) is created when there is none."""
    parameters = CostParameters.objects.order_by("-version").first()
    if parameters is None:
        parameters, _created = CostParameters.objects.get_or_create(version=1, defaults={"note": "defaults"})
    return parameters


def save_parameters(values, user=None, note=""):
    """Save a new parameter version and schedule a full recomputation (after the transaction commits)."""
    with transaction.atomic():
        latest = current_parameters()
        parameters = CostParameters.objects.create(
            version=latest.version + 1, created_by=user, note=note, **{name: values[name] for name in PARAMETER_FIELDS}
        )
        request_full(user=user, reason=f"parameters v{parameters.version}")
    return parameters


# --- the SQL ------------------------------------------------------------------------------------------------


def _tables():
    return {
        "figure": ServiceFigure._meta.db_table,
        "cost": ServiceCost._meta.db_table,
        "service": Service._meta.db_table,
        "channel": Channel._meta.db_table,
        "stored": CostFigure._meta.db_table,
    }


STORED_COLUMNS = (
    "service_id",
    "provider_id",
    "year",
    "channel_id",
    "template_id",
    "parameters_id",
    "computed_at",
    "transactions",
    "digital_transactions",
    "started",
    "completed_of_started",
    "direct_cost",
    "shared_cost",
    "cost",
    "unallocated_shared_cost",
    "cost_known",
    "costed_transactions",
    "cost_per_transaction",
    "cost_per_transaction_missing",
    "digital_takeup",
    "completion_rate",
    "satisfaction_responses",
    "satisfaction_points",
    "satisfaction_score",
    "burden_transactions",
    "client_hours",
    "admin_burden",
    "previous_cost_per_transaction",
    "cost_per_transaction_change",
    "previous_transactions",
    "transactions_change",
    "peer_count",
    "peer_median",
    "peer_ratio",
    "is_outlier",
)

# The peer group of a row: its template, or (without one) its service; two number ranges that never meet.
PEER_KEY = "COALESCE({template}template_id * 2, {service}service_id * 2 + 1)"


def _median_ctes(source):
    """CTEs `pr` and `pm`: the median CPT of each year, peer group and channel in `source` (columns year,
    peer_key, channel_key, cpt), over the rows with a value. Portable: row numbers, not percentile_cont."""
    return f"""
    pr AS (
        SELECT year, peer_key, channel_key, cpt,
               ROW_NUMBER() OVER (PARTITION BY year, peer_key, channel_key ORDER BY cpt) AS rn,
               COUNT(*) OVER (PARTITION BY year, peer_key, channel_key) AS n
        FROM {source} WHERE cpt IS NOT NULL
    ),
    pm AS (
        SELECT year, peer_key, channel_key, MAX(n) AS n, AVG(cpt) AS median
        FROM pr WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
        GROUP BY year, peer_key, channel_key
    )"""


def _peer_columns(cpt, n, median, k):
    """The four peer columns, given SQL expressions of the row's CPT, the group's count and median, and k."""
    ratio = f"CASE WHEN {cpt} IS NOT NULL AND {n} >= 2 AND {median} > 0 THEN {cpt} / {median} END"
    outlier = f"CASE WHEN ({ratio}) >= {k} OR ({ratio}) <= 1.0 / {k} THEN 1 ELSE 0 END"
    return {
        "peer_count": f"COALESCE({n}, 0)",
        "peer_median": f"ROUND({median}, 4)",
        "peer_ratio": f"ROUND({ratio}, 6)",
        "is_outlier": outlier,
    }


def _figure_sums_sql(where):
    """The figures of each year, service, provider, channel and grain, summed: the one pass over the figures."""
    t = _tables()
    return f"""
        SELECT year, service_id, provider_id, channel_id,
               CASE period_type WHEN 'year' THEN 1 WHEN 'quarter' THEN 2 ELSE 3 END AS grain,
               SUM(completed) AS t,
               SUM(started) AS s,
               SUM(CASE WHEN started IS NOT NULL THEN completed ELSE 0 END) AS t_s,
               SUM(CASE WHEN satisfaction_mean IS NOT NULL THEN satisfaction_responses ELSE 0 END) AS resp,
               SUM(CASE WHEN satisfaction_mean IS NOT NULL THEN satisfaction_responses
                        * (satisfaction_mean - rating_scale_min) * 100.0 / (rating_scale_max - rating_scale_min)
                        ELSE 0 END) AS points,
               SUM(CASE WHEN client_minutes IS NOT NULL THEN completed ELSE 0 END) AS burden_t,
               COALESCE(SUM(completed * client_minutes), 0) / 60.0 AS hours
        FROM {t["figure"]} WHERE {where}
        GROUP BY year, service_id, provider_id, channel_id,
                 CASE period_type WHEN 'year' THEN 1 WHEN 'quarter' THEN 2 ELSE 3 END"""


def _insert_sql(vendor, provider_year, with_peers):
    """One INSERT … SELECT computing every stored column: of every year (the full recomputation, which then
    takes the previous year from its own rows), or of one provider and year (`provider_year`, which takes the
    previous year from the stored figures). Parameters: see _insert()."""
    t = _tables()
    where = "year = %s AND provider_id = %s" if provider_year else "1 = 1"
    figure_sums = _figure_sums_sql(where)
    true, false = ("TRUE", "FALSE") if vendor == "postgresql" else ("1", "0")
    peers = (
        _peer_columns("x.cpt", "pm.n", "pm.median", "%s")
        if with_peers
        else {"peer_count": "0", "peer_median": "NULL", "peer_ratio": "NULL", "is_outlier": "0"}
    )
    outlier = peers["is_outlier"].replace("THEN 1 ELSE 0", f"THEN {true} ELSE {false}")
    if not with_peers:
        outlier = false
    peer_join = (
        "LEFT JOIN pm ON pm.year = x.year AND pm.peer_key = x.peer_key AND pm.channel_key = x.channel_key"
        if with_peers
        else ""
    )
    if provider_year:
        previous = f"""LEFT JOIN {t["stored"]} prev
           ON prev.service_id = x.service_id AND prev.provider_id = x.provider_id AND prev.year = x.year - 1
          AND COALESCE(prev.channel_id, 0) = x.channel_key"""
        previous_cte = ""
    else:
        previous = """LEFT JOIN px prev
           ON prev.service_id = x.service_id AND prev.provider_id = x.provider_id AND prev.year = x.year - 1
          AND prev.channel_key = x.channel_key"""
        previous_cte = """,
    px AS (
        SELECT year, service_id, provider_id, channel_key, cpt AS cost_per_transaction, t AS transactions FROM x
    )"""
    return f"""
    INSERT INTO {t["stored"]} ({", ".join(STORED_COLUMNS)})
    WITH fp AS (
        {figure_sums}
    ),
    f AS (
        SELECT * FROM (
            SELECT fp.*, MIN(grain) OVER (PARTITION BY year, service_id, provider_id, channel_id) AS best FROM fp
        ) graded WHERE grain = best
    ),
    d AS (
        SELECT year, service_id, provider_id, channel_id, SUM(amount) AS d
        FROM {t["cost"]} WHERE {where} AND channel_id IS NOT NULL
        GROUP BY year, service_id, provider_id, channel_id
    ),
    h AS (
        SELECT year, service_id, provider_id, SUM(amount) AS h
        FROM {t["cost"]} WHERE {where} AND channel_id IS NULL
        GROUP BY year, service_id, provider_id
    ),
    k AS (
        SELECT year, service_id, provider_id, channel_id FROM f
        UNION SELECT year, service_id, provider_id, channel_id FROM d
    ),
    c AS (
        SELECT k.year, k.service_id, k.provider_id, k.channel_id, ch.is_digital,
               COALESCE(f.t, 0) AS t, f.s, COALESCE(f.t_s, 0) AS t_s, COALESCE(f.resp, 0) AS resp,
               COALESCE(f.points, 0) AS points, COALESCE(f.burden_t, 0) AS burden_t, COALESCE(f.hours, 0) AS hours,
               d.d, h.h, SUM(COALESCE(f.t, 0)) OVER (PARTITION BY k.year, k.service_id, k.provider_id) AS t_all
        FROM k
        JOIN {t["channel"]} ch ON ch.id = k.channel_id
        LEFT JOIN f ON f.year = k.year AND f.service_id = k.service_id AND f.provider_id = k.provider_id
                   AND f.channel_id = k.channel_id
        LEFT JOIN d ON d.year = k.year AND d.service_id = k.service_id AND d.provider_id = k.provider_id
                   AND d.channel_id = k.channel_id
        LEFT JOIN h ON h.year = k.year AND h.service_id = k.service_id AND h.provider_id = k.provider_id
    ),
    tk AS (
        SELECT year, service_id, provider_id FROM c UNION SELECT year, service_id, provider_id FROM h
    ),
    tot AS (
        SELECT tk.year, tk.service_id, tk.provider_id,
               COALESCE(SUM(c.t), 0) AS t,
               COALESCE(SUM(CASE WHEN c.is_digital THEN c.t ELSE 0 END), 0) AS t_dig,
               SUM(c.s) AS s, COALESCE(SUM(c.t_s), 0) AS t_s, COALESCE(SUM(c.resp), 0) AS resp,
               COALESCE(SUM(c.points), 0) AS points, COALESCE(SUM(c.burden_t), 0) AS burden_t,
               COALESCE(SUM(c.hours), 0) AS hours, SUM(c.d) AS d, MAX(h.h) AS h
        FROM tk
        LEFT JOIN c ON c.year = tk.year AND c.service_id = tk.service_id AND c.provider_id = tk.provider_id
        LEFT JOIN h ON h.year = tk.year AND h.service_id = tk.service_id AND h.provider_id = tk.provider_id
        GROUP BY tk.year, tk.service_id, tk.provider_id
    ),
    r AS (
        SELECT year, service_id, provider_id, channel_id, t,
               CASE WHEN is_digital THEN t ELSE 0 END AS t_dig, s, t_s, resp, points, burden_t, hours,
               COALESCE(d, 0) AS direct,
               CASE WHEN h IS NOT NULL AND t_all > 0 THEN h * t * 1.0 / t_all ELSE 0 END AS shared,
               0 AS unallocated,
               CASE WHEN d IS NOT NULL OR (h IS NOT NULL AND t_all > 0) THEN 1 ELSE 0 END AS known
        FROM c
        UNION ALL
        SELECT year, service_id, provider_id, NULL, t, t_dig, s, t_s, resp, points, burden_t, hours,
               COALESCE(d, 0),
               CASE WHEN t > 0 THEN COALESCE(h, 0) ELSE 0 END,
               CASE WHEN t > 0 THEN 0 ELSE COALESCE(h, 0) END,
               CASE WHEN d IS NOT NULL OR (h IS NOT NULL AND t > 0) THEN 1 ELSE 0 END
        FROM tot
    ),
    x AS (
        -- CPT rounded as stored: the incremental path computes peers from stored CPTs, and must agree.
        SELECT r.*, sv.template_id, r.direct + r.shared AS cost,
               CASE WHEN r.t > 0 AND r.known = 1 THEN ROUND((r.direct + r.shared) * 1.0 / r.t, 4) END AS cpt,
               {PEER_KEY.format(template="sv.", service="r.")} AS peer_key, COALESCE(r.channel_id, 0) AS channel_key
        FROM r JOIN {t["service"]} sv ON sv.id = r.service_id
    ){previous_cte}{"," + _median_ctes("x") if with_peers else ""}
    SELECT x.service_id, x.provider_id, x.year, x.channel_id, x.template_id, %s, %s,
           x.t, x.t_dig, x.s, x.t_s, x.direct, x.shared, x.cost, x.unallocated,
           CASE WHEN x.known = 1 THEN {true} ELSE {false} END,
           CASE WHEN x.known = 1 THEN x.t ELSE 0 END,
           x.cpt,
           CASE WHEN x.t = 0 THEN 'no_transactions' WHEN x.known = 0 THEN 'no_cost' ELSE '' END,
           CASE WHEN x.channel_id IS NULL AND x.t > 0 THEN x.t_dig * 1.0 / x.t END,
           CASE WHEN x.s > 0 THEN x.t_s * 1.0 / x.s END,
           x.resp, x.points,
           CASE WHEN x.resp > 0 THEN x.points / x.resp END,
           x.burden_t, x.hours,
           CASE WHEN x.burden_t > 0 THEN x.hours * %s END,
           {", ".join(_change_columns("x.cpt", "x.t", "prev").values())},
           {peers["peer_count"]}, {peers["peer_median"]}, {peers["peer_ratio"]}, {outlier}
    FROM x
    {previous}
    {peer_join}
    """


def _change_columns(cpt, transactions, previous):
    """The four year-on-year columns, given SQL expressions of the row's CPT and T and the alias of the same row
    of the previous year."""
    prev_cpt, prev_t = f"{previous}.cost_per_transaction", f"{previous}.transactions"
    return {
        "previous_cost_per_transaction": prev_cpt,
        "cost_per_transaction_change": f"CASE WHEN {cpt} IS NOT NULL AND {prev_cpt} > 0 "
        f"THEN ({cpt} - {prev_cpt}) / {prev_cpt} END",
        "previous_transactions": prev_t,
        "transactions_change": f"CASE WHEN {prev_t} > 0 THEN ({transactions} - {prev_t}) * 1.0 / {prev_t} END",
    }


def _change_update_sql():
    """Recompute the year-on-year columns of one provider's rows of one year from the stored previous year.
    Parameters: provider, year."""
    t = _tables()
    columns = _change_columns("cur.cost_per_transaction", "cur.transactions", "prev")
    return f"""
    WITH v AS (
        SELECT cur.id, {", ".join(f"{sql} AS {name}" for name, sql in columns.items())}
        FROM {t["stored"]} cur
        LEFT JOIN {t["stored"]} prev
               ON prev.service_id = cur.service_id AND prev.provider_id = cur.provider_id
              AND prev.year = cur.year - 1 AND COALESCE(prev.channel_id, 0) = COALESCE(cur.channel_id, 0)
        WHERE cur.provider_id = %s AND cur.year = %s
    )
    UPDATE {t["stored"]} SET {", ".join(f"{name} = v.{name}" for name in columns)}
    FROM v WHERE {t["stored"]}.id = v.id
    """


def _distinct(vendor):
    return "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"


def _peer_update_sql(vendor):
    """Recompute the peer columns of one year's rows in the given peer groups, from the stored CPTs; only rows
    whose columns change are written. Parameters: year, template ids, year, service ids, k, k."""
    t = _tables()
    distinct = _distinct(vendor)
    true, false = ("TRUE", "FALSE") if vendor == "postgresql" else ("1", "0")
    peers = _peer_columns("g.cpt", "pm.n", "pm.median", "%s")
    outlier = peers["is_outlier"].replace("THEN 1 ELSE 0", f"THEN {true} ELSE {false}")
    return f"""
    WITH g AS (
        SELECT id, year, {PEER_KEY.format(template="", service="")} AS peer_key,
               COALESCE(channel_id, 0) AS channel_key, cost_per_transaction AS cpt, peer_count AS old_count, peer_median AS old_median,
               peer_ratio AS old_ratio, is_outlier AS old_outlier
        FROM {t["stored"]} WHERE year = %s AND template_id IN ({{templates}})
        UNION ALL
        SELECT id, year, {PEER_KEY.format(template="", service="")}, COALESCE(channel_id, 0), cost_per_transaction,
               peer_count, peer_median, peer_ratio, is_outlier
        FROM {t["stored"]} WHERE year = %s AND service_id IN ({{services}}) AND template_id IS NULL
    ),{_median_ctes("g")},
    n AS (
        SELECT g.id, g.old_count, g.old_median, g.old_ratio, g.old_outlier,
               {peers["peer_count"]} AS peer_count, {peers["peer_median"]} AS peer_median,
               {peers["peer_ratio"]} AS peer_ratio, {outlier} AS is_outlier
        FROM g LEFT JOIN pm ON pm.year = g.year AND pm.peer_key = g.peer_key AND pm.channel_key = g.channel_key
    ),
    v AS (
        SELECT id, peer_count, peer_median, peer_ratio, is_outlier FROM n
        WHERE old_count <> peer_count OR old_median {distinct} peer_median OR old_ratio {distinct} peer_ratio
              OR old_outlier <> is_outlier
    )
    UPDATE {t["stored"]} SET peer_count = v.peer_count, peer_median = v.peer_median,
           peer_ratio = v.peer_ratio, is_outlier = v.is_outlier
    FROM v WHERE {t["stored"]}.id = v.id
    """


# --- running a recomputation ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    rows_written: int = 0
    years: list = field(default_factory=list)
    skipped: bool = False


def _lock(connection):
    """Take the recomputation lock, and on PostgreSQL set the transaction up for large set-based statements:
    JIT compilation costs seconds on them and saves nothing; sorts of a year's figures fit in 128 MB."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")


def _number(vendor, value):
    """A Decimal parameter as the database compares it: SQLite binds a Decimal as text, and a number never
    equals or exceeds a text there."""
    return value if vendor == "postgresql" else float(value)


def _insert(cursor, vendor, parameters, now, provider_year=None, with_peers=True):
    """Write the computed rows: of every year, or of one (provider, year). Returns the number of rows."""
    sql = _insert_sql(vendor, provider_year is not None, with_peers)
    scope = [] if provider_year is None else [provider_year[1], provider_year[0]]
    # placeholders in order: the three CTE filters, then parameters, computed_at, tariff and k twice.
    params = scope * 3 + [parameters.pk, now, _number(vendor, parameters.hourly_tariff)]
    if with_peers:
        params += [_number(vendor, parameters.outlier_factor)] * 2
    cursor.execute(sql, params)
    return cursor.rowcount


def _full(connection, parameters, progress):
    """Replace every stored figure: one DELETE and one INSERT … SELECT over all years (one pass over the
    figures), inside the caller's transaction."""
    t = _tables()
    progress(0, 2)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t['stored']}")
        progress(1, 2)
        written = _insert(cursor, connection.vendor, parameters, timezone.now())
        cursor.execute(f"SELECT DISTINCT year FROM {t['stored']} ORDER BY year")
        years = [row[0] for row in cursor.fetchall()]
    progress(2, 2)
    return Outcome(rows_written=written, years=years)


def _update_peers(cursor, vendor, parameters, year, service_ids):
    """Recompute the peer columns of `year` for the peer groups of `service_ids`."""
    if not service_ids:
        return
    templates = set(
        Service.objects.filter(pk__in=service_ids, template__isnull=False).values_list("template_id", flat=True)
    )
    services = sorted(service_ids)
    sql = _peer_update_sql(vendor).format(
        templates=", ".join(["%s"] * len(templates)) or "NULL", services=", ".join(["%s"] * len(services))
    )
    k = _number(vendor, parameters.outlier_factor)
    cursor.execute(sql, [year, *sorted(templates), year, *services, k, k])


def _incremental(connection, parameters, pairs, progress):
    """Recompute the given (provider, year) pairs, then the peer columns of the groups of the services whose
    cost per transaction changed, and the year-on-year change of the same provider's following year. Services
    whose costs per transaction did not change keep their peer columns: their groups' medians are unchanged."""
    t = _tables()
    now = timezone.now()
    work = sorted(set(pairs), key=lambda pair: (pair[1], pair[0]))  # earlier years first: later ones read them
    written = 0
    rows_of = (
        f"SELECT service_id, COALESCE(channel_id, 0), cost_per_transaction, peer_count, peer_median, peer_ratio, "
        f"is_outlier FROM {t['stored']} WHERE provider_id = %s AND year = %s"
    )
    restore = (
        f"UPDATE {t['stored']} SET peer_count = %s, peer_median = %s, peer_ratio = %s, is_outlier = %s "
        f"WHERE provider_id = %s AND year = %s AND service_id = %s AND COALESCE(channel_id, 0) = %s"
    )
    with connection.cursor() as cursor:
        for done, (provider, year) in enumerate(work):
            progress(done, len(work))
            cursor.execute(rows_of, [provider, year])
            before = {(service, channel): rest for service, channel, *rest in cursor.fetchall()}
            cursor.execute(f"DELETE FROM {t['stored']} WHERE provider_id = %s AND year = %s", [provider, year])
            written += _insert(cursor, connection.vendor, parameters, now, (provider, year), with_peers=False)
            cursor.execute(rows_of, [provider, year])
            after = {(service, channel): rest[0] for service, channel, *rest in cursor.fetchall()}
            changed = {
                service
                for service, channel in before.keys() | after.keys()
                if (service, channel) not in before
                or (service, channel) not in after
                or before[service, channel][0] != after[service, channel]
            }
            _update_peers(cursor, connection.vendor, parameters, year, changed)
            kept = [
                (*peers, provider, year, service, channel)
                for (service, channel), (_cpt, *peers) in before.items()
                if service not in changed and peers[0]
            ]
            if kept:
                cursor.executemany(restore, kept)
            cursor.execute(_change_update_sql(), [provider, year + 1])
    progress(len(work), len(work))
    return Outcome(rows_written=written, years=sorted({year for _provider, year in work}))


def recompute(kind=RecomputationKind.FULL, pairs=(), progress=None, using=DEFAULT_DB_ALIAS, parameters=None):
    """Recompute the stored cost figures in one transaction, under the recomputation lock. Returns an Outcome."""
    progress = progress or (lambda done, total: None)
    connection = connections[using]
    with transaction.atomic(using=using):
        _lock(connection)
        parameters = parameters or current_parameters()
        if kind == RecomputationKind.FULL:
            return _full(connection, parameters, progress)
        return _incremental(connection, parameters, pairs, progress)


# --- jobs ------------------------------------------------------------------------------------------------------


def _compute(job, progress, using):
    parameters = current_parameters()
    pairs = [tuple(pair) for pair in job.scope]
    return parameters, recompute(job.kind, pairs, progress=progress, using=using, parameters=parameters)


jobs = Recomputations(CostRecomputation, "services.tasks.recompute_costs", lock=_lock, compute=_compute)


def run_recomputation(recomputation_id, using=DEFAULT_DB_ALIAS):
    """The Celery task's body: run one requested recomputation (config/recomputation.py)."""
    return jobs.run(recomputation_id, using)


def request_full(user=None, reason=""):
    """Queue a full recomputation; it is sent to the worker when the current transaction commits."""
    return jobs.request_full(user, reason)


def _queue_incremental(pairs):
    if pairs:
        jobs.request_incremental(sorted([list(pair) for pair in pairs]), reason="figures changed")


pending_changes = CommitBatch(empty=set, flush=_queue_incremental)


def figures_changed(provider_id, year):
    """Note that figures or costs of (provider, year) changed; one incremental recomputation of everything noted
    in a transaction is queued when it commits (nothing, when it rolls back)."""
    pending_changes.note(lambda pairs: pairs.add((int(provider_id), int(year))))


# --- reading: roll-ups -------------------------------------------------------------------------------------------

SUMMED = (
    "transactions",
    "digital_transactions",
    "started",
    "completed_of_started",
    "direct_cost",
    "shared_cost",
    "cost",
    "unallocated_shared_cost",
    "costed_transactions",
    "satisfaction_responses",
    "satisfaction_points",
    "burden_transactions",
    "client_hours",
    "admin_burden",
)

ROLLUPS = ("institution", "sector", "municipality", "life_situation", "national")


def _sector_key():
    ministry = InstitutionType.MINISTRY
    return Case(
        When(provider__institution_type=ministry, then=F("provider_id")),
        When(provider__parent__institution_type=ministry, then=F("provider__parent_id")),
        When(provider__parent__parent__institution_type=ministry, then=F("provider__parent__parent_id")),
        default=None,
        output_field=IntegerField(),
    )


def _group_key(by):
    if by == "institution":
        return F("provider_id")
    if by == "sector":
        return _sector_key()
    if by == "municipality":
        return Coalesce("provider__municipality__successor_id", "provider__municipality_id")
    if by == "life_situation":
        return F("service__life_situations")
    if by == "national":
        return None
    raise ValueError(f"unknown roll-up {by!r}")


def ratios(sums):
    """The ratios of a dict of summed columns: sum first, divide afterwards (domain brief §3 roll-ups)."""

    def divide(numerator, denominator):
        if numerator is None or not denominator:
            return None
        return Decimal(numerator) / Decimal(denominator)

    cpt = divide(sums.get("cost"), sums.get("costed_transactions"))
    return {
        "cost_per_transaction": cpt,
        "cost_per_transaction_missing": ""
        if cpt is not None
        else ("no_transactions" if not sums.get("transactions") else "no_cost"),
        "digital_takeup": divide(sums.get("digital_transactions"), sums.get("transactions")),
        "completion_rate": divide(sums.get("completed_of_started"), sums.get("started")),
        "satisfaction_score": divide(sums.get("satisfaction_points"), sums.get("satisfaction_responses")),
    }


def rollup(figures, by="national", channel=None):
    """Roll up stored cost figures: one dict per (group, year) with the summed columns and their ratios.

    `figures` is a CostFigure queryset, already scoped to what the reader may see and filtered as wanted.
    Without `channel` the services' total rows are rolled up; with a Channel, that channel's rows."""
    figures = figures.filter(channel__isnull=True) if channel is None else figures.filter(channel=channel)
    key = _group_key(by)
    values = ["year"]
    if key is not None:
        figures = figures.annotate(group=key).exclude(group__isnull=True)
        values = ["group", "year"]
    rows = figures.values(*values).annotate(**{name: Sum(name) for name in SUMMED}).order_by(*values)
    result = []
    # The sums change only when the figures do (a recomputation): kept until then (config/remembered.py).
    for row in remembered.rows(rows):
        row = dict(row)
        row.setdefault("group", None)
        row.update(ratios(row))
        result.append(row)
    return result


# --- reading: channel shift ------------------------------------------------------------------------------------


@dataclass
class ShiftLine:
    channel: Channel
    transactions: int
    cpt: Decimal | None
    estimated: bool
    potential: Decimal | None
    reason: str = ""


def channel_shift(channel_rows, share, parameters, target=None):
    """Channel-shift potential of one service at one provider in one year (domain brief §3): for each
    non-digital channel a, x × T_a × (CPT_a − CPT_d), with CPT_a ≈ CPT_d × u_a / u_d where CPT_a is unknown.

    `channel_rows` are the CostFigure rows of the service's channels (channel set, select_related); `target`
    is the digital channel d (default: the digital channel with a known CPT and the most transactions).
    Returns (target row or None, [ShiftLine], total potential or None)."""
    share = Decimal(share)
    digital = [row for row in channel_rows if row.channel.is_digital and row.cost_per_transaction is not None]
    if target is not None:
        digital = [row for row in digital if row.channel_id == target.pk]
    target_row = max(digital, key=lambda row: (row.transactions, -row.channel.order), default=None)
    lines = []
    total = None
    for row in channel_rows:
        if row.channel.is_digital or row.transactions <= 0:
            continue
        if target_row is None:
            lines.append(ShiftLine(row.channel, row.transactions, row.cost_per_transaction, False, None, "no_target"))
            continue
        cpt_d = target_row.cost_per_transaction
        cpt_a, estimated = row.cost_per_transaction, False
        if cpt_a is None:
            u_a = parameters.unit_for(row.channel.cost_unit_class)
            u_d = parameters.unit_for(target_row.channel.cost_unit_class)
            cpt_a, estimated = cpt_d * u_a / u_d, True
        potential = share * row.transactions * (cpt_a - cpt_d)
        total = potential if total is None else total + potential
        lines.append(ShiftLine(row.channel, row.transactions, cpt_a, estimated, potential))
    return target_row, lines, total


__all__ = [
    "channel_shift",
    "current_parameters",
    "figures_changed",
    "recompute",
    "request_full",
    "rollup",
    "run_recomputation",
    "save_parameters",
]
