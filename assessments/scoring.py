"""Scores of assessments (domain brief §3 "E-index and other scored assessments"), computed in the database and
stored on each Answer (points, obtainable) and in Score (one row per scored area, one overall row with the area
empty).

The answer that counts is the expert's where `expert_answered`, else the organisation's. q question, a area,
P points, O obtainable points.

- P(q): yes/no and single choice: the chosen option's points; multiple choice: Σ chosen options' points, capped
  at O(q); number and percent: the points of the band with lower ≤ value < upper (an empty upper bound is
  open). Nothing chosen, no value or no band containing it: 0. Text questions and the questions of unscored
  areas are not scored (Answer.points and .obtainable empty).
- O(q): yes/no and single: the highest option points; multiple: max_points, else Σ positive option points;
  number and percent: the highest band points. "Not applicable", where the question allows it, takes the
  question out of O (both columns empty); an unanswered scored question counts 0 of O(q), with or without an
  Answer row.
- Area score = 100 × Σ P / Σ O over the area's applicable questions; no value when Σ O = 0.
- Overall score = Σ w_a × score_a / Σ w_a over the scored areas that have a value.
- Scores are stored with 3 decimals; levels, trends and ranks are taken from the stored scores, so what a page
  shows is what was compared.
- Level = the highest level whose threshold the score reaches: the area's thresholds for an area, the
  methodology's for the overall score.

A *counted* assessment is the current version of an organisation's assessment in a round, submitted or
approved. Every assessment is scored (a draft's score is a preview); only counted ones are ranked, are someone's
previous round and enter the averages.

- Trend: against the organisation's previous round of the same methodology family — the latest earlier round
  (round year, then the time it was opened) in which it has a counted assessment — 'up' or 'down' when the
  score changed by more than 5 points; the overall score against the overall score, an area against the area
  of the same code.
- New level (☆): the level is above every level the organisation's counted assessments of earlier rounds of
  the family reached in the same area (a score at level 3 has reached levels 1–3); never on the first round.
- Peer group: a municipality (institution type) by its development-centre tier, "tier:<tier>"; any other
  organisation by its ministry sector (Institution.sector_ministry), "sector:<ministry id>"; else none.
  Rank: standard competition ranking (1, 2, 2, 4) of the score among the counted assessments of the same round
  and peer group, per area and overall.

A rescoring runs inside one transaction holding one lock (a PostgreSQL advisory lock; SQLite has one writer
anyway): readers see the old scores or the new ones, and a second rescoring waits for the first. It is a few
set-based statements: the answers' points into a temporary table (with their sums per assessment and area),
the answers whose points changed, and the score rows with their levels, trends and ranks. The full one writes
every assessment so; the incremental one writes a few, then updates the trends of their organisations' other
rounds of the family and the ranks of their peer groups in their rounds.

Option lists (Answer.options, .expert_options) are JSON lists of integer option ids, as the forms and the API
store them; an id listed twice counts once.
"""

import logging
from dataclasses import asdict, dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.models import DevelopmentTier, Institution, InstitutionType, Municipality

from .models import (
    Answer,
    Area,
    Assessment,
    AssessmentStatus,
    Band,
    Methodology,
    Option,
    Question,
    Round,
    Score,
)

logger = logging.getLogger(__name__)

LOCK_KEY = 804_200_518  # the advisory lock of rescorings (services/costing.py holds 804_200_417)
COUNTED_STATUSES = (AssessmentStatus.SUBMITTED, AssessmentStatus.APPROVED)
TREND_POINTS = 5  # a change of more than this many points is a trend
LEVELS = (1, 2, 3, 4, 5)
SECTOR_PREFIX = "sector:"
TIER_PREFIX = "tier:"
MAX_PARENT_DEPTH = 32  # the ministry is looked for this far up; bad data with a cycle stops there


# --- the SQL ------------------------------------------------------------------------------------------------


def _tables():
    return {
        "methodology": Methodology._meta.db_table,
        "area": Area._meta.db_table,
        "question": Question._meta.db_table,
        "option": Option._meta.db_table,
        "band": Band._meta.db_table,
        "round": Round._meta.db_table,
        "assessment": Assessment._meta.db_table,
        "answer": Answer._meta.db_table,
        "score": Score._meta.db_table,
        "institution": Institution._meta.db_table,
        "municipality": Municipality._meta.db_table,
    }


@dataclass(frozen=True)
class Dialect:
    """The few places where PostgreSQL and SQLite need different SQL."""

    vendor: str

    @property
    def true(self):
        return "TRUE" if self.vendor == "postgresql" else "1"

    @property
    def false(self):
        return "FALSE" if self.vendor == "postgresql" else "0"

    @property
    def distinct(self):
        """A comparison that treats two empty values as equal and an empty and a set one as different."""
        return "IS DISTINCT FROM" if self.vendor == "postgresql" else "IS NOT"

    def is_chosen(self, chosen, option_id):
        """True when the JSON list `chosen` holds the option id `option_id` (a list of integer ids, as the
        forms and the API store it; an id listed twice counts once)."""
        if self.vendor == "postgresql":
            return f"{chosen} @> to_jsonb({option_id})"
        return f"EXISTS (SELECT 1 FROM json_each({chosen}) AS x WHERE x.value = {option_id})"

    @property
    def session_settings(self):
        """Settings of the rescoring's transaction. Just-in-time compilation costs PostgreSQL seconds on these
        statements and saves nothing (the JSON lists make it overestimate the rows); the hash joins and sorts
        over every answer fit in memory with a larger work_mem."""
        if self.vendor == "postgresql":
            return ["SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'"]
        return []


def _in(column, ids):
    """`column IN (…)` with the ids written out: they are integers read back from the database, and a literal
    list has no parameter limit."""
    ids = sorted({int(pk) for pk in ids})
    return f"{column} IN ({', '.join(str(pk) for pk in ids)})" if ids else "1 = 0"


def _question_cte(scope):
    """CTE `qo`: every scored question (not text, in a scored area) of the methodologies of the assessments
    matching `scope` (a condition on assessment alias `a`), with its obtainable points."""
    t = _tables()
    return f"""
    qo AS (
        SELECT q.id, q.area_id, q.question_type AS kind, q.allows_not_applicable AS na_allowed,
               CASE WHEN q.question_type IN ('number', 'percent') THEN COALESCE(bd.best, 0)
                    WHEN q.question_type = 'multiple' THEN COALESCE(q.max_points, op.positive, 0)
                    ELSE COALESCE(op.best, 0) END AS obt
        FROM {t["question"]} q
        JOIN {t["area"]} ar ON ar.id = q.area_id AND ar.scored
        LEFT JOIN (
            SELECT question_id, MAX(points) AS best, SUM(CASE WHEN points > 0 THEN points ELSE 0 END) AS positive
            FROM {t["option"]} GROUP BY question_id
        ) op ON op.question_id = q.id
        LEFT JOIN (SELECT question_id, MAX(points) AS best FROM {t["band"]} GROUP BY question_id) bd
               ON bd.question_id = q.id
        WHERE q.question_type <> 'text'
          AND ar.methodology_id IN (
              SELECT r.methodology_id FROM {t["round"]} r JOIN {t["assessment"]} a ON a.round_id = r.id WHERE {scope}
          )
    )"""


POINTS_TABLE = "scoring_answer_points"  # a temporary table of one rescoring: see _points_sql


def _points_sql(dialect, scope):
    """CREATE the temporary table of the answers of the assessments matching `scope`: for each assessment and
    scored area the sum of its answers' points and the obtainable points its excused questions take away
    (answer_id empty), and each answer whose points or obtainable points differ from the stored ones (answer_id
    set). `hits` holds the points of each chosen option and of each band containing the value."""
    t = _tables()
    return f"""
    CREATE TEMPORARY TABLE {POINTS_TABLE} AS
    WITH {_question_cte(scope)},
    e AS (
        SELECT an.id, an.assessment_id, an.points AS stored_points, an.obtainable AS stored_obtainable,
               qo.id AS question_id, qo.area_id, qo.kind, qo.obt,
               CASE WHEN an.expert_answered THEN an.expert_options ELSE an.options END AS chosen,
               CASE WHEN an.expert_answered THEN an.expert_number ELSE an.number END AS value,
               (CASE WHEN an.expert_answered THEN an.expert_not_applicable ELSE an.not_applicable END)
                   AND qo.na_allowed AS excused
        FROM {t["answer"]} an
        LEFT JOIN qo ON qo.id = an.question_id
        WHERE an.assessment_id IN (SELECT a.id FROM {t["assessment"]} a WHERE {scope})
    ),
    hits AS (
        SELECT e.id, o.points
        FROM e JOIN {t["option"]} o ON o.question_id = e.question_id AND {dialect.is_chosen("e.chosen", "o.id")}
        WHERE e.kind IN ('yes_no', 'single', 'multiple')
        UNION ALL
        SELECT e.id, b.points
        FROM e JOIN {t["band"]} b
          ON b.question_id = e.question_id AND b.lower <= e.value AND (b.upper IS NULL OR e.value < b.upper)
        WHERE e.kind IN ('number', 'percent')
    ),
    got AS (SELECT id, SUM(points) AS total, MAX(points) AS best FROM hits GROUP BY id),
    v AS (
        SELECT e.id, e.assessment_id, e.area_id, e.obt, e.stored_points, e.stored_obtainable,
               CASE WHEN e.question_id IS NULL OR e.excused THEN NULL
                    WHEN e.kind = 'multiple' THEN
                         CASE WHEN COALESCE(got.total, 0) > e.obt THEN ROUND(e.obt, 2)
                              ELSE ROUND(COALESCE(got.total, 0), 2) END
                    ELSE ROUND(COALESCE(got.best, 0), 2) END AS points,
               CASE WHEN e.question_id IS NULL OR e.excused THEN NULL ELSE ROUND(e.obt, 2) END AS obtainable
        FROM e LEFT JOIN got ON got.id = e.id
    )
    SELECT NULL AS answer_id, assessment_id, area_id, SUM(points) AS points, NULL AS obtainable,
           SUM(CASE WHEN obtainable IS NULL THEN obt ELSE 0 END) AS excluded
    FROM v WHERE area_id IS NOT NULL
    GROUP BY assessment_id, area_id
    UNION ALL
    SELECT id, NULL, NULL, points, obtainable, NULL
    FROM v
    WHERE points {dialect.distinct} stored_points OR obtainable {dialect.distinct} stored_obtainable
    """


def _answers_sql():
    """UPDATE the answers whose points changed from the temporary table."""
    answer = Answer._meta.db_table
    return f"""
    UPDATE {answer} SET points = p.points, obtainable = p.obtainable
    FROM {POINTS_TABLE} p
    WHERE {answer}.id = p.answer_id
    """


SCORE_COLUMNS = (
    "assessment_id",
    "area_id",
    "points",
    "obtainable",
    "score",
    "level",
    "previous_score",
    "trend",
    "new_level",
    "peer_group",
    "rank",
    "computed_at",
)


def _level(score, prefix):
    """The level of a stored score against thresholds prefix.threshold_2…5 (ordered by a constraint)."""
    steps = " ".join(f"WHEN {score} >= {prefix}threshold_{level} THEN {level}" for level in (5, 4, 3, 2))
    return f"CASE WHEN {score} IS NULL THEN NULL {steps} ELSE 1 END"


def _peer_ctes(scope):
    """CTEs `chain` (recursive: each assessed organisation and its parents) and `peer` (institution_id,
    peer_group)."""
    t = _tables()
    assessed = f"SELECT a.institution_id FROM {t['assessment']} a WHERE {scope}"
    return f"""
    chain AS (
        SELECT i.id AS institution_id, i.id AS node_id, i.institution_type AS node_type, i.parent_id, 0 AS depth
        FROM {t["institution"]} i WHERE i.id IN ({assessed})
        UNION ALL
        SELECT chain.institution_id, p.id, p.institution_type, p.parent_id, chain.depth + 1
        FROM chain JOIN {t["institution"]} p ON p.id = chain.parent_id
        WHERE chain.depth < {MAX_PARENT_DEPTH}
    ),
    sector AS (
        SELECT institution_id, node_id AS ministry_id FROM (
            SELECT institution_id, node_id, ROW_NUMBER() OVER (PARTITION BY institution_id ORDER BY depth) AS nearest
            FROM chain WHERE node_type = '{InstitutionType.MINISTRY}'
        ) ministries WHERE nearest = 1
    ),
    peer AS (
        SELECT i.id AS institution_id,
               CASE WHEN i.institution_type = '{InstitutionType.MUNICIPALITY}' AND COALESCE(mu.development_tier, '') <> ''
                         THEN '{TIER_PREFIX}' || mu.development_tier
                    WHEN sector.ministry_id IS NOT NULL THEN '{SECTOR_PREFIX}' || CAST(sector.ministry_id AS TEXT)
                    ELSE '' END AS peer_group
        FROM {t["institution"]} i
        LEFT JOIN {t["municipality"]} mu ON mu.id = i.municipality_id
        LEFT JOIN sector ON sector.institution_id = i.id
        WHERE i.id IN ({assessed})
    )"""


def _area_key(score, area):
    """The key that matches an area across methodology versions: its code; '' for the overall score."""
    return f"CASE WHEN {score}.area_id IS NULL THEN '' ELSE 'a:' || {area}.code END"


def _counted(alias):
    statuses = ", ".join(f"'{status}'" for status in COUNTED_STATUSES)
    return f"{alias}.is_current AND {alias}.status IN ({statuses})"


KNOWN_COLUMNS = (
    "assessment_id, area_id, area_key, score, level, peer_group, institution_id, round_id, year, opened_at, family, "
    "counted"
)


def _stored_scores_sql(where):
    """SELECT the stored scores of the assessments `a` matching `where`, with what trends and ranks compare:
    the score's id and KNOWN_COLUMNS."""
    t = _tables()
    return f"""
        SELECT s.id, s.assessment_id, s.area_id, {_area_key("s", "ar")} AS area_key, s.score, s.level, s.peer_group,
               a.institution_id, a.round_id, r.year, r.opened_at, m.family,
               CASE WHEN {_counted("a")} THEN 1 ELSE 0 END AS counted
        FROM {t["score"]} s
        JOIN {t["assessment"]} a ON a.id = s.assessment_id
        JOIN {t["round"]} r ON r.id = a.round_id
        JOIN {t["methodology"]} m ON m.id = r.methodology_id
        LEFT JOIN {t["area"]} ar ON ar.id = s.area_id
        WHERE {where}"""


def _trend_ctes(targets, known):
    """CTEs ending in `earlier` and `prev`. `earlier`: for each assessment of `targets`, the counted assessments
    of `known` in earlier rounds of its family, the latest first (round year, then opened, then id); `prev`:
    per target and area key, the score of the latest one and the highest level of them all. Both relations
    have KNOWN_COLUMNS."""
    assessment = "assessment_id, institution_id, family, year, opened_at, round_id"
    return f"""
    target_assessments AS (SELECT DISTINCT {assessment} FROM {targets}),
    counted_assessments AS (SELECT DISTINCT {assessment} FROM {known} WHERE counted = 1),
    earlier AS (
        SELECT t.assessment_id AS target_id, p.assessment_id AS previous_id,
               ROW_NUMBER() OVER (PARTITION BY t.assessment_id ORDER BY p.year DESC, p.opened_at DESC, p.round_id DESC)
                   AS recency
        FROM target_assessments t
        JOIN counted_assessments p ON p.institution_id = t.institution_id AND p.family = t.family
        WHERE p.year < t.year
           OR (p.year = t.year AND (p.opened_at < t.opened_at OR (p.opened_at = t.opened_at AND p.round_id < t.round_id)))
    ),
    prev AS (
        SELECT earlier.target_id, k.area_key,
               MAX(CASE WHEN earlier.recency = 1 THEN k.score END) AS score, MAX(k.level) AS best_level
        FROM earlier JOIN {known} k ON k.assessment_id = earlier.previous_id
        GROUP BY earlier.target_id, k.area_key
    )"""


def _trend_columns(dialect, row):
    """previous_score, trend and new_level of score row `row` joined with `prev` on its assessment and area."""
    return f"""prev.score,
               CASE WHEN {row}.score - prev.score > {TREND_POINTS} THEN '{Score.Trend.UP}'
                    WHEN prev.score - {row}.score > {TREND_POINTS} THEN '{Score.Trend.DOWN}'
                    ELSE '' END,
               CASE WHEN {row}.level > prev.best_level THEN {dialect.true} ELSE {dialect.false} END"""


def _rank_cte(known):
    """CTE `ranked`: the rank of every counted score with a value and a peer group in `known`, among those of
    the same round, peer group and area."""
    return f"""
    ranked AS (
        SELECT assessment_id, area_key,
               RANK() OVER (PARTITION BY round_id, peer_group, area_id ORDER BY score DESC) AS rank
        FROM {known} WHERE counted = 1 AND score IS NOT NULL AND peer_group <> ''
    )"""


def _neighbours(scope):
    """The assessments whose stored scores the scores of `scope` are compared with: the same rounds (ranks)
    and the same organisations (trends)."""
    assessment = _tables()["assessment"]
    return (
        f"(a.round_id IN (SELECT a.round_id FROM {assessment} a WHERE {scope})"
        f" OR a.institution_id IN (SELECT a.institution_id FROM {assessment} a WHERE {scope}))"
    )


def _scores_sql(dialect, scope):
    """INSERT the area and overall Score rows of the assessments matching `scope`, from the points of their
    answers in the temporary table, with their trends and ranks among the new rows and the stored ones of the
    other assessments. Parameter: computed_at."""
    t = _tables()
    thresholds = ", ".join(f"{{prefix}}threshold_{level} AS threshold_{level}" for level in (2, 3, 4, 5))
    return f"""
    INSERT INTO {t["score"]} ({", ".join(SCORE_COLUMNS)})
    WITH RECURSIVE {_peer_ctes(scope)},
    {_question_cte(scope)},
    total AS (SELECT area_id, SUM(obt) AS obt FROM qo GROUP BY area_id),
    got AS (SELECT assessment_id, area_id, points, excluded FROM {POINTS_TABLE} WHERE answer_id IS NULL),
    by_area AS (
        SELECT a.id AS assessment_id, ar.id AS area_id, ar.weight, {thresholds.format(prefix="ar.")},
               COALESCE(got.points, 0) AS points, COALESCE(total.obt, 0) - COALESCE(got.excluded, 0) AS obt
        FROM {t["assessment"]} a
        JOIN {t["round"]} r ON r.id = a.round_id
        JOIN {t["area"]} ar ON ar.methodology_id = r.methodology_id AND ar.scored
        LEFT JOIN total ON total.area_id = ar.id
        LEFT JOIN got ON got.assessment_id = a.id AND got.area_id = ar.id
        WHERE {scope}
    ),
    area_scores AS (
        SELECT by_area.*, CASE WHEN obt > 0 THEN 100.0 * points / obt END AS exact FROM by_area
    ),
    overall AS (
        SELECT assessment_id, SUM(points) AS points, SUM(obt) AS obt,
               SUM(CASE WHEN exact IS NOT NULL THEN weight * exact END)
               / NULLIF(SUM(CASE WHEN exact IS NOT NULL THEN weight END), 0) AS exact
        FROM area_scores GROUP BY assessment_id
    ),
    stored AS (
        SELECT assessment_id, area_id, points, obt, ROUND(exact, 3) AS score,
               threshold_2, threshold_3, threshold_4, threshold_5
        FROM area_scores
        UNION ALL
        SELECT a.id, NULL, COALESCE(overall.points, 0), COALESCE(overall.obt, 0), ROUND(overall.exact, 3),
               {thresholds.format(prefix="m.")}
        FROM {t["assessment"]} a
        JOIN {t["round"]} r ON r.id = a.round_id
        JOIN {t["methodology"]} m ON m.id = r.methodology_id
        LEFT JOIN overall ON overall.assessment_id = a.id
        WHERE {scope}
    ),
    fresh AS (
        SELECT stored.assessment_id, stored.area_id, {_area_key("stored", "ar")} AS area_key, stored.points, stored.obt,
               stored.score, {_level("stored.score", "stored.")} AS level, COALESCE(peer.peer_group, '') AS peer_group,
               a.institution_id, a.round_id, r.year, r.opened_at, m.family,
               CASE WHEN {_counted("a")} THEN 1 ELSE 0 END AS counted
        FROM stored
        JOIN {t["assessment"]} a ON a.id = stored.assessment_id
        JOIN {t["round"]} r ON r.id = a.round_id
        JOIN {t["methodology"]} m ON m.id = r.methodology_id
        LEFT JOIN {t["area"]} ar ON ar.id = stored.area_id
        LEFT JOIN peer ON peer.institution_id = a.institution_id
    ),
    known AS (
        SELECT {KNOWN_COLUMNS} FROM fresh
        UNION ALL
        SELECT {KNOWN_COLUMNS} FROM ({_stored_scores_sql(f"NOT ({scope}) AND {_neighbours(scope)}")}) outside
    ),
    {_trend_ctes("fresh", "known")},
    {_rank_cte("known")}
    SELECT f.assessment_id, f.area_id, f.points, f.obt, f.score, f.level, {_trend_columns(dialect, "f")},
           f.peer_group, ranked.rank, %s
    FROM fresh f
    LEFT JOIN prev ON prev.target_id = f.assessment_id AND prev.area_key = f.area_key
    LEFT JOIN ranked ON ranked.assessment_id = f.assessment_id AND ranked.area_key = f.area_key
    """


def _trends_sql(dialect, scope):
    """UPDATE previous_score, trend and new_level of the stored scores of the assessments matching `scope`,
    where they changed (after the scores they compare with were rewritten)."""
    t = _tables()
    score, assessment = t["score"], t["assessment"]
    return f"""
    WITH known AS ({_stored_scores_sql(f"a.institution_id IN (SELECT a.institution_id FROM {assessment} a WHERE {scope})")}),
    targets AS (SELECT * FROM known WHERE assessment_id IN (SELECT a.id FROM {assessment} a WHERE {scope})),
    {_trend_ctes("targets", "known")},
    v (id, previous_score, trend, new_level) AS (
        SELECT k.id, {_trend_columns(dialect, "k")}
        FROM targets k LEFT JOIN prev ON prev.target_id = k.assessment_id AND prev.area_key = k.area_key
    )
    UPDATE {score} SET previous_score = v.previous_score, trend = v.trend, new_level = v.new_level
    FROM v
    WHERE {score}.id = v.id
      AND ({score}.previous_score {dialect.distinct} v.previous_score OR {score}.trend <> v.trend
           OR {score}.new_level <> v.new_level)
    """


def _ranks_sql(dialect, groups):
    """UPDATE the ranks of the stored scores in `groups` (a condition on assessment `a` and score `s`), where
    they changed: counted assessments with a score and a peer group are ranked, the others get none."""
    score = _tables()["score"]
    return f"""
    WITH known AS ({_stored_scores_sql(groups)}),
    {_rank_cte("known")},
    v (id, rank) AS (
        SELECT k.id, ranked.rank
        FROM known k LEFT JOIN ranked ON ranked.assessment_id = k.assessment_id AND ranked.area_key = k.area_key
    )
    UPDATE {score} SET rank = v.rank
    FROM v
    WHERE {score}.id = v.id AND {score}.rank {dialect.distinct} v.rank
    """


# --- running a rescoring --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a rescoring wrote: the assessments rescored, the answers whose points changed, the score rows
    written, and the stored scores of other assessments whose trend or rank changed."""

    assessments: int = 0
    answers_updated: int = 0
    scores_written: int = 0
    trends_updated: int = 0
    ranks_updated: int = 0

    def as_dict(self):
        return asdict(self)


def _lock(connection):
    """Take the rescoring lock for the rest of the transaction, and set the transaction's settings."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            for statement in Dialect(connection.vendor).session_settings:
                cursor.execute(statement)


def _write(cursor, connection, scope, outcome):
    """Answers and scores of the assessments matching `scope`, the scores with their trends and ranks against
    the stored scores of the other assessments (which the caller updates, where these change them). The answers'
    points are computed once, into a temporary table: the answers that changed are updated from it and the
    scores are computed from the sums it holds."""
    dialect = Dialect(connection.vendor)
    t = _tables()
    cursor.execute(f"DROP TABLE IF EXISTS {POINTS_TABLE}")
    cursor.execute(_points_sql(dialect, scope))
    cursor.execute(_answers_sql())
    outcome.answers_updated += max(cursor.rowcount, 0)
    cursor.execute(
        f"DELETE FROM {t['score']} WHERE assessment_id IN (SELECT a.id FROM {t['assessment']} a WHERE {scope})"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    cursor.execute(_scores_sql(dialect, scope), [now])
    outcome.scores_written += max(cursor.rowcount, 0)
    cursor.execute(f"DROP TABLE {POINTS_TABLE}")


def _full(connection):
    """Every score is new: the INSERT computes its trend and rank among the others, nothing is left to update."""
    outcome = Outcome(assessments=Assessment.objects.using(connection.alias).count())
    with connection.cursor() as cursor:
        _write(cursor, connection, "1 = 1", outcome)
    return outcome


def _peer_groups(connection, assessment_ids):
    """{(round id, peer group)} of the stored scores of the given assessments."""
    return set(
        Score.objects.using(connection.alias)
        .filter(assessment_id__in=assessment_ids)
        .values_list("assessment__round_id", "peer_group")
        .distinct()
    )


def _groups_condition(groups):
    """A condition on assessment `a` and score `s` selecting the given (round, peer group) pairs, and its
    parameters."""
    by_round = {}
    for round_id, peer_group in groups:
        by_round.setdefault(int(round_id), set()).add(peer_group)
    parts, params = [], []
    for round_id, peer_groups in sorted(by_round.items()):
        parts.append(f"(a.round_id = {round_id} AND s.peer_group IN ({', '.join(['%s'] * len(peer_groups))}))")
        params += sorted(peer_groups)
    return (" OR ".join(parts) or "1 = 0"), params


def _incremental(connection, assessment_ids):
    dialect = Dialect(connection.vendor)
    assessments = Assessment.objects.using(connection.alias)
    pairs = set(assessments.filter(pk__in=assessment_ids).values_list("round_id", "institution_id"))
    if not pairs:
        return Outcome()
    # Every version of the organisation in the round: which one is current and counted may have changed.
    pair_filter = Q()
    for round_id, institution_id in pairs:
        pair_filter |= Q(round_id=round_id, institution_id=institution_id)
    scope_ids = set(assessments.filter(pair_filter).values_list("pk", flat=True))
    families = set(
        assessments.filter(pk__in=scope_ids).values_list("institution_id", "round__methodology__family").distinct()
    )
    family_filter = Q()
    for institution_id, family in families:
        family_filter |= Q(institution_id=institution_id, round__methodology__family=family)
    # The organisations' other rounds of the family: a later one compares with these. Earlier ones do not, but
    # recomputing every round of the family is simpler, and they are few.
    trend_ids = set(assessments.filter(family_filter).values_list("pk", flat=True)) - scope_ids

    outcome = Outcome(assessments=len(scope_ids))
    groups = _peer_groups(connection, scope_ids)
    with connection.cursor() as cursor:
        _write(cursor, connection, _in("a.id", scope_ids), outcome)
        if trend_ids:
            cursor.execute(_trends_sql(dialect, _in("a.id", trend_ids)))
            outcome.trends_updated = max(cursor.rowcount, 0)
        groups |= _peer_groups(connection, scope_ids)
        condition, params = _groups_condition(groups)
        cursor.execute(_ranks_sql(dialect, condition), params)
        outcome.ranks_updated = max(cursor.rowcount, 0)
    return outcome


def rescore(round_id=None, using=DEFAULT_DB_ALIAS):
    """Rescore every assessment (or those of one round, with the trends of later rounds that compare with it),
    in one transaction under the rescoring lock. Returns an Outcome."""
    connection = connections[using]
    with transaction.atomic(using=using):
        _lock(connection)
        if round_id is not None:
            ids = Assessment.objects.using(using).filter(round_id=round_id).values_list("pk", flat=True)
            return _incremental(connection, list(ids))
        return _full(connection)


def rescore_assessments(assessment_ids, using=DEFAULT_DB_ALIAS):
    """Rescore the given assessments (every version of their organisations in their rounds), the trends of the
    same organisations' rounds of the family, and the ranks of their peer groups in their rounds; one
    transaction under the rescoring lock. Returns an Outcome."""
    connection = connections[using]
    with transaction.atomic(using=using):
        _lock(connection)
        return _incremental(connection, {int(pk) for pk in assessment_ids})


# --- jobs ------------------------------------------------------------------------------------------------------


def schedule_rescore(assessment_ids):
    """Queue the incremental rescoring of the given assessments; it is sent to the worker when the current
    transaction commits (nothing is sent when it rolls back). Call it after any change of answers, status or
    current version."""
    ids = sorted({int(pk) for pk in assessment_ids})
    if not ids:
        return

    def send():
        from .tasks import rescore_assessments as task

        task.delay(ids)

    transaction.on_commit(send, robust=True)


def request_full_rescore(user=None, round_id=None):
    """Queue a full rescoring (of every round, or of one) when the current transaction commits, e.g. after a
    methodology or the registry's sectors and tiers changed."""
    who = getattr(user, "username", "") if user is not None and user.is_authenticated else ""
    logger.info("full rescoring requested by %s, round %s", who or "the system", round_id or "all")

    def send():
        from .tasks import rescore_all

        rescore_all.delay(round_id)

    transaction.on_commit(send, robust=True)


# --- reading -----------------------------------------------------------------------------------------------------


def counted_assessments(queryset=None):
    """The assessments that are ranked, compared with and averaged: current versions, submitted or approved."""
    queryset = Assessment.objects.all() if queryset is None else queryset
    return queryset.filter(is_current=True, status__in=COUNTED_STATUSES)


def counted_scores(round):
    """The stored scores of the counted assessments of `round` (a Round or its id)."""
    return Score.objects.filter(
        assessment__round=round, assessment__is_current=True, assessment__status__in=COUNTED_STATUSES
    )


def peer_group_of(institution):
    """The peer group key of an organisation, as the rescoring computes it (for pages without a score yet)."""
    municipality = institution.municipality if institution.municipality_id else None
    if institution.institution_type == InstitutionType.MUNICIPALITY and municipality and municipality.development_tier:
        return f"{TIER_PREFIX}{municipality.development_tier}"
    ministry = institution.sector_ministry
    return f"{SECTOR_PREFIX}{ministry.pk}" if ministry is not None else ""


def peer_group_label(peer_group, ministries=None):
    """A peer group key as a reader sees it. `ministries`, {id: Institution}, saves a query per sector."""
    if peer_group.startswith(TIER_PREFIX):
        tier = peer_group.removeprefix(TIER_PREFIX)
        label = dict(DevelopmentTier.choices).get(tier, tier)
        return _("Municipalities, development-centre tier: %(tier)s") % {"tier": label}
    if peer_group.startswith(SECTOR_PREFIX):
        pk = int(peer_group.removeprefix(SECTOR_PREFIX))
        ministry = (ministries or {}).get(pk) or Institution.objects.filter(pk=pk).first()
        return _("Institutions of the ministry sector of %(ministry)s") % {
            "ministry": ministry.name if ministry else pk
        }
    return _("No peer group")


def _area_rows(round):
    """The scored areas of the round's methodology, in order, then None for the overall score."""
    round = round if isinstance(round, Round) else Round.objects.get(pk=round)
    return [*Area.objects.filter(methodology_id=round.methodology_id, scored=True).order_by("order", "code"), None]


def averages(round, by="national"):
    """Mean stored score of the counted assessments of `round` with a score, per area and overall.

    by: "national" (everyone), "peer_group" (each peer group), "sector" or "tier" (the peer groups of that
    kind). Returns [{"peer_group", "area_id", "area_code", "mean", "count"}], area None for the overall score,
    ordered by peer group and area."""
    scores = counted_scores(round).filter(score__isnull=False)
    if by == "sector":
        scores = scores.filter(peer_group__startswith=SECTOR_PREFIX)
    elif by == "tier":
        scores = scores.filter(peer_group__startswith=TIER_PREFIX)
    elif by == "peer_group":
        scores = scores.exclude(peer_group="")
    elif by != "national":
        raise ValueError(f"unknown grouping {by!r}")
    keys = ["area_id", "area__code", "area__order"] + ([] if by == "national" else ["peer_group"])
    rows = scores.values(*keys).annotate(mean=Avg("score"), count=Count("id"))
    result = [
        {
            "peer_group": row.get("peer_group", ""),
            "area_id": row["area_id"],
            "area_code": row["area__code"],
            "area_order": row["area__order"],
            "mean": row["mean"],
            "count": row["count"],
        }
        for row in rows
    ]
    # Areas in their order, the overall score last.
    result.sort(
        key=lambda row: (row["peer_group"], row["area_id"] is None, row["area_order"] or 0, row["area_code"] or "")
    )
    for row in result:
        del row["area_order"]
    return result


def national_averages(round):
    """{area id (None: overall): mean score} of the counted assessments of `round`."""
    return {row["area_id"]: row["mean"] for row in averages(round)}


def sector_averages(round):
    """averages(round, by="sector"): the mean scores of each ministry sector."""
    return averages(round, by="sector")


def tier_averages(round):
    """averages(round, by="tier"): the mean scores of the municipalities of each development-centre tier."""
    return averages(round, by="tier")


def level_distribution(round, peer_group=None):
    """How many counted assessments of `round` (of one peer group, if given) are at each level, per scored area
    and overall (like seed 002 Figures 1–6). Returns [{"area": Area or None, "counts": {1: n, …, 5: n},
    "total": n}] in the methodology's area order, the overall score last; zero counts included."""
    scores = counted_scores(round).filter(level__isnull=False)
    if peer_group is not None:
        scores = scores.filter(peer_group=peer_group)
    counted = {
        (row["area_id"], row["level"]): row["n"] for row in scores.values("area_id", "level").annotate(n=Count("id"))
    }
    result = []
    for area in _area_rows(round):
        area_id = area.pk if area else None
        counts = {level: counted.get((area_id, level), 0) for level in LEVELS}
        result.append({"area": area, "counts": counts, "total": sum(counts.values())})
    return result


def assessment_results(assessment):
    """The stored scores of one assessment beside its peer group's and the national averages: [{"area": Area or
    None, "score": Score or None, "peer_average", "peer_count", "national_average"}] in area order, overall
    last. Averages are of the round's counted assessments."""
    stored = {score.area_id: score for score in assessment.scores.select_related("area")}
    peer_group = next((score.peer_group for score in stored.values()), "") or peer_group_of(assessment.institution)
    national = national_averages(assessment.round_id)
    peers = {}
    if peer_group:
        peers = {
            row["area_id"]: row
            for row in averages(assessment.round_id, by="peer_group")
            if row["peer_group"] == peer_group
        }
    rows = []
    for area in _area_rows(assessment.round):
        area_id = area.pk if area else None
        peer = peers.get(area_id, {})
        rows.append(
            {
                "area": area,
                "score": stored.get(area_id),
                "peer_average": peer.get("mean"),
                "peer_count": peer.get("count", 0),
                "national_average": national.get(area_id),
            }
        )
    return rows


__all__ = [
    "assessment_results",
    "averages",
    "counted_assessments",
    "counted_scores",
    "level_distribution",
    "national_averages",
    "peer_group_label",
    "peer_group_of",
    "request_full_rescore",
    "rescore",
    "rescore_assessments",
    "schedule_rescore",
    "sector_averages",
    "tier_averages",
]
