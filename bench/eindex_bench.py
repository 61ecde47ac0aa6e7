"""`bench eindex`: the rescoring of assessments (assessments/scoring.py) at national scale, against a
hand-written SQL reference, in a scratch database.

A child process migrates the scratch database and generates: the registry (bench/dataset.py), one body per
municipality made a municipality; for each E-index family (institutions; municipalities) two methodology
versions of the same area codes — five scored areas and an unscored context area, questions of every type
(yes/no, single, multiple with and without a cap, number and percent with an open upper band, text), some
allowing "not applicable" — and four rounds, the first two on version 1; every organisation of the family
assessed in every round (the later rounds' statuses mixed: drafts, returned, submitted, approved; some approved
assessments reopened, their new version current), one answer row per question (some empty, some not
applicable, some overridden by the expert); then ANALYZE.

Then, in the same run:

- full_first_seconds: `scoring.rescore()` with no points stored yet; full_seconds: the best of two more full
  rescorings (what a rescoring on demand does once the answers' points are stored: every answer's points are
  computed and compared, every score rewritten); all in a child process, as the worker runs them;
  statement_seconds_*: the statements of the last run by what they write (points: the temporary table of
  the answers' points; answers: the answers whose points changed; delete and scores: the score rows);
- reference_seconds: one hand-written statement computing the same area and overall scores of every
  assessment from the raw answers (the answer that counts, options, bands, caps, "not applicable", weights),
  materialised with `CREATE TEMP TABLE … AS SELECT …`, with the settings of a rescoring's transaction (no
  just-in-time compilation, work_mem 64 MB); the best of two runs; reference_mismatches: assessments
  and areas whose reference score differs from the stored one (or is missing on either side), which must be 0;
- ratio_full_to_reference = full_seconds / reference_seconds (target ≤ 1.5);
- incremental_latest_ms, incremental_first_round_ms: the median of several `scoring.rescore_assessments([id])`
  of one submission (one answer changed before each run): one in the latest round; one in the first round, whose
  three later rounds' trends are recomputed too (target < 100);
- organisations, assessments, answers, scores, setup_seconds, seconds, load_average_before/after.

Run a child by hand: `DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=…_bench python -m bench.eindex_bench
prepare SCALE` (or full, reference, incremental ASSESSMENT RUNS); every command refuses a database without the
scratch marker.
"""

import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass

from . import scratch
from .registry import BenchmarkError, benchmark
from .scratch import require_postgres, scratch_database


@dataclass(frozen=True)
class Scale:
    organisations: int
    questions: int  # per methodology version: the answers per assessment
    rounds: int = 4
    incremental_runs: int = 7


SCALES = {
    "national": Scale(organisations=300, questions=150),  # 300 × 150 × 4 = 180,000 answers
    "ci": Scale(organisations=30, questions=15),  # 1 %: 1,800 answers
}
FIRST_YEAR = 2021
CHILD_TIMEOUT = 60 * 60
SCORED_AREAS = ("KOM", "KLI", "DAT", "PAK", "IEK")  # communication, client service, open data, services, processes
CONTEXT_AREA = "KON"

# The question types in turn; (type, options or bands, capped)
KINDS = (
    ("yes_no", 2, False),
    ("single", 4, False),
    ("multiple", 5, True),
    ("number", 3, False),
    ("single", 4, False),
    ("multiple", 5, False),
    ("percent", 4, False),
    ("yes_no", 2, False),
)
NUMBER_BANDS = ((0, 5, 0), (5, 20, 2), (20, None, 4))  # the last band is open
PERCENT_BANDS = ((0, 25, 0), (25, 50, 1), (50, 75, 2), (75, 100.01, 3))


# --- the data -------------------------------------------------------------------------------------------------


def _municipalities():
    """Make the first municipal body of each municipality the municipality itself; returns their ids."""
    from institutions.models import Institution, InstitutionType

    chosen, seen = [], set()
    for pk, municipality in (
        Institution.objects.filter(institution_type=InstitutionType.MUNICIPAL_AGENCY)
        .order_by("pk")
        .values_list("pk", "municipality_id")
    ):
        if municipality not in seen:
            seen.add(municipality)
            chosen.append(pk)
    Institution.objects.filter(pk__in=chosen).update(institution_type=InstitutionType.MUNICIPALITY)
    return chosen


def _methodology(family, version, questions):
    """One methodology version: the scored areas and the context area, `questions` questions among them."""
    from decimal import Decimal

    from assessments.models import Area, Band, Methodology, Option, Question

    methodology = Methodology.objects.create(
        family=family, version=version, year=FIRST_YEAR + 2 * (version - 1), name_lv=f"{family} v{version}"
    )
    areas = Area.objects.bulk_create(
        Area(
            methodology=methodology,
            code=code,
            name_lv=code,
            order=order,
            weight=Decimal(1 + order % 3),
            scored=code != CONTEXT_AREA,
            threshold_2=Decimal(15 + order),
            threshold_3=Decimal(35 + order),
            threshold_4=Decimal(55 + order),
            threshold_5=Decimal(75 + order),
        )
        for order, code in enumerate((*SCORED_AREAS, CONTEXT_AREA))
    )
    context_questions = max(1, questions // 20)
    rows = []
    for n in range(questions):
        if n < context_questions:  # context: a text question and some single choices, not scored
            area, (kind, count, capped) = areas[-1], (("text", 0, False) if n == 0 else KINDS[1])
        else:
            area, (kind, count, capped) = areas[n % len(SCORED_AREAS)], KINDS[n % len(KINDS)]
        if n % 17 == 5 and area.scored:
            kind, count, capped = "text", 0, False
        rows.append(
            Question(
                area=area,
                code=f"Q{n:03d}",
                order=n,
                text_lv=f"Jautājums {n}",
                question_type=kind,
                allows_not_applicable=n % 10 == 3,
                max_points=Decimal(6) if capped else None,
            )
        )
    created = Question.objects.bulk_create(rows)
    options, bands = [], []
    for question in created:
        kind = question.question_type
        if kind in ("yes_no", "single", "multiple"):
            count = {"yes_no": 2, "single": 4, "multiple": 5}[kind]
            for index in range(count):
                points = Decimal(index * (2 if kind == "multiple" else 1 + question.order % 3))
                options.append(
                    Option(question=question, code=f"o{index}", order=index, name_lv=f"{index}", points=points)
                )
        elif kind in ("number", "percent"):
            for lower, upper, points in NUMBER_BANDS if kind == "number" else PERCENT_BANDS:
                bands.append(
                    Band(
                        question=question,
                        lower=Decimal(str(lower)),
                        upper=None if upper is None else Decimal(str(upper)),
                        points=Decimal(points),
                    )
                )
    Option.objects.bulk_create(options, batch_size=2000)
    Band.objects.bulk_create(bands, batch_size=2000)
    return methodology


# Status of an assessment by round and a hash: the earlier rounds mostly approved, the latest mixed. No
# parameters, so `%` is the modulo operator; {rounds} is the number of rounds.
ASSESSMENTS_SQL = """
INSERT INTO assessments_assessment (round_id, institution_id, version, is_current, status, review_comment,
    revision, updated_at, is_demo, submitted_at, approved_at)
SELECT r.id, i.id, 1, TRUE,
       CASE WHEN r.number < {rounds} THEN
                 CASE WHEN v.h % 19 = 0 THEN 'returned' WHEN v.h % 23 = 0 THEN 'draft'
                      WHEN v.h % 5 = 0 THEN 'submitted' ELSE 'approved' END
            ELSE CASE WHEN v.h % 5 = 0 THEN 'draft' WHEN v.h % 5 IN (1, 2) THEN 'submitted' ELSE 'approved' END
       END,
       '', 0, now(), TRUE, now(), now()
FROM bench_rounds r
JOIN institutions_institution i ON (i.institution_type = 'municipality') = r.municipal
CROSS JOIN LATERAL (SELECT (i.id * 7919 + r.number * 104729) % 1000003 AS h) v
"""

# Some approved assessments of round 2 reopened: version 1 stays approved, version 2 is current and submitted.
REOPENED_SQL = """
WITH reopened AS (
    UPDATE assessments_assessment a SET is_current = FALSE
    FROM bench_rounds r
    WHERE r.id = a.round_id AND r.number = 2 AND a.status = 'approved' AND a.institution_id % 13 = 0
    RETURNING a.round_id, a.institution_id
)
INSERT INTO assessments_assessment (round_id, institution_id, version, is_current, status, review_comment,
    revision, updated_at, is_demo, submitted_at)
SELECT round_id, institution_id, 2, TRUE, 'submitted', '', 0, now(), TRUE, now() FROM reopened
"""

# One answer row per question of the round's methodology. The chosen options, the number, "not applicable" and
# the expert's override follow a hash of (assessment, question); one answer in 25 is left empty.
ANSWERS_SQL = """
INSERT INTO assessments_answer (assessment_id, question_id, options, number, text, not_applicable, evidence_url,
    evidence_file, comment, expert_answered, expert_options, expert_number, expert_text, expert_not_applicable,
    expert_comment, updated_at)
SELECT v.assessment_id, v.question_id,
       CASE WHEN v.empty THEN '[]'::jsonb ELSE COALESCE((
           SELECT jsonb_agg(o.id ORDER BY o."order") FROM assessments_option o
           WHERE o.question_id = v.question_id AND CASE v.kind
               WHEN 'multiple' THEN ((v.h / 3) >> o."order") & 1 = 1
               ELSE o."order" = (v.h / 7) % v.option_count END
       ), '[]'::jsonb) END,
       CASE WHEN v.kind = 'number' AND NOT v.empty THEN (v.h / 11) % 40
            WHEN v.kind = 'percent' AND NOT v.empty THEN (v.h / 11) % 101 END,
       CASE WHEN v.kind = 'text' THEN 'Atbilde' ELSE '' END,
       v.na_allowed AND v.h % 6 = 0,
       '', '', '',
       v.expert,
       CASE WHEN v.expert THEN COALESCE((
           SELECT jsonb_agg(o.id ORDER BY o."order") FROM assessments_option o
           WHERE o.question_id = v.question_id AND CASE v.kind
               WHEN 'multiple' THEN ((v.h / 5) >> o."order") & 1 = 1
               ELSE o."order" = (v.h / 13) % v.option_count END
       ), '[]'::jsonb) ELSE '[]'::jsonb END,
       CASE WHEN v.expert AND v.kind IN ('number', 'percent') THEN (v.h / 17) % 60 END,
       '', v.expert AND v.na_allowed AND v.h % 4 = 0, '', now()
FROM (
    SELECT a.id AS assessment_id, q.id AS question_id, q.question_type AS kind, q.allows_not_applicable AS na_allowed,
           GREATEST((SELECT COUNT(*) FROM assessments_option o WHERE o.question_id = q.id), 1) AS option_count,
           h.h, h.h % 25 = 0 AS empty,
           a.status IN ('approved', 'returned') AND h.h % 9 = 0 AS expert
    FROM assessments_assessment a
    JOIN assessments_round r ON r.id = a.round_id
    JOIN assessments_area ar ON ar.methodology_id = r.methodology_id
    JOIN assessments_question q ON q.area_id = ar.id
    CROSS JOIN LATERAL (SELECT (a.id * 7919 + q.id * 104729 + a.version * 31) % 1000003 AS h) h
) v
"""


def generate(scale):
    """Fill the migrated scratch database at `scale`; returns counts and the assessments the incremental
    rescoring is timed on."""
    from datetime import date, timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from assessments.models import Answer, Assessment, Family, Round

    from .dataset import seed_registry

    seed_registry("default", scale.organisations)
    municipalities = _municipalities()
    opened = timezone.now() - timedelta(days=400)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_rounds (id bigint, number int, municipal boolean)")
    for family, municipal in ((Family.EINDEX_INSTITUTION, False), (Family.EINDEX_MUNICIPALITY, True)):
        versions = [_methodology(family, version, scale.questions) for version in (1, 2)]
        for number in range(1, scale.rounds + 1):
            round_ = Round.objects.create(
                methodology=versions[0] if number <= scale.rounds // 2 else versions[1],
                name_lv=f"{family} {FIRST_YEAR + number - 1}",
                year=FIRST_YEAR + number - 1,
                deadline=date(FIRST_YEAR + number - 1, 12, 1),
                is_demo=True,
            )
            Round.objects.filter(pk=round_.pk).update(opened_at=opened + timedelta(days=number))
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO bench_rounds VALUES (%s, %s, %s)", [round_.pk, number, municipal])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ASSESSMENTS_SQL.format(rounds=int(scale.rounds)))
        cursor.execute(REOPENED_SQL)
        cursor.execute(ANSWERS_SQL)
        cursor.execute("DROP TABLE bench_rounds")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    latest = (
        Assessment.objects.filter(round__year=FIRST_YEAR + scale.rounds - 1, status="submitted", is_current=True)
        .exclude(institution_id__in=municipalities)
        .order_by("pk")
        .first()
    )
    first = (
        Assessment.objects.filter(
            round__year=FIRST_YEAR, status="approved", is_current=True, institution_id__in=municipalities
        )
        .order_by("pk")
        .first()
    )
    if latest is None or first is None:
        raise BenchmarkError("the generated data has no submission to time the incremental rescoring on")
    return {
        "organisations": scale.organisations,
        "municipalities": len(municipalities),
        "assessments": Assessment.objects.count(),
        "answers": Answer.objects.count(),
        "latest_assessment": latest.pk,
        "first_round_assessment": first.pk,
    }


# --- the measurements (in the child) ------------------------------------------------------------------------


# What each statement of a rescoring writes, by a marker in its text; the rest (lock, ORM reads) is "other".
STATEMENT_NAMES = (
    ("CREATE TEMPORARY TABLE scoring_answer_points", "points"),
    ("UPDATE assessments_answer SET points", "answers"),
    ("DELETE FROM assessments_score", "delete"),
    ("INSERT INTO assessments_score", "scores"),
    ("SET previous_score", "trends"),
    ("SET rank", "ranks"),
)


class StatementTimer:
    """A database execute wrapper adding up the seconds of the statements of each kind."""

    def __init__(self):
        self.seconds = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            name = next((name for marker, name in STATEMENT_NAMES if marker in sql), "other")
            self.seconds[name] = self.seconds.get(name, 0) + time.perf_counter() - started


def full(runs=3):
    """Full rescorings: the first with no points stored, the others over the stored ones (the best of them is
    reported, as the reference's is); the statements of the last one are timed."""
    from django.db import connection

    from assessments import scoring
    from assessments.models import Score

    seconds = []
    for run in range(runs):
        timer = StatementTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            outcome = scoring.rescore()
            seconds.append(time.perf_counter() - started)
    return {
        "first_seconds": seconds[0],
        "seconds": min(seconds[1:]),
        "all_seconds": seconds,
        "scores": Score.objects.count(),
        "outcome": outcome.as_dict(),
        "statements": timer.seconds,
    }


REFERENCE_SQL = """
CREATE TEMP TABLE eindex_reference AS
WITH opt AS (
    SELECT question_id, MAX(points) AS best, SUM(GREATEST(points, 0)) AS positive FROM assessments_option
    GROUP BY question_id
),
bnd AS (SELECT question_id, MAX(points) AS best FROM assessments_band GROUP BY question_id),
q AS (
    SELECT q.id, q.area_id, q.question_type, q.allows_not_applicable,
           CASE WHEN q.question_type IN ('number', 'percent') THEN COALESCE(bnd.best, 0)
                WHEN q.question_type = 'multiple' THEN COALESCE(q.max_points, opt.positive, 0)
                ELSE COALESCE(opt.best, 0) END AS obt
    FROM assessments_question q
    JOIN assessments_area ar ON ar.id = q.area_id
    LEFT JOIN opt ON opt.question_id = q.id
    LEFT JOIN bnd ON bnd.question_id = q.id
    WHERE ar.scored AND q.question_type <> 'text'
),
answered AS (
    SELECT an.assessment_id, q.area_id, q.obt,
           (CASE WHEN an.expert_answered THEN an.expert_not_applicable ELSE an.not_applicable END)
               AND q.allows_not_applicable AS excused,
           CASE WHEN q.question_type IN ('number', 'percent') THEN (
                    SELECT COALESCE(MAX(b.points), 0) FROM assessments_band b
                    WHERE b.question_id = q.id
                      AND b.lower <= (CASE WHEN an.expert_answered THEN an.expert_number ELSE an.number END)
                      AND (b.upper IS NULL OR (CASE WHEN an.expert_answered THEN an.expert_number ELSE an.number END) < b.upper))
                ELSE (
                    SELECT CASE WHEN q.question_type = 'multiple' THEN LEAST(COALESCE(SUM(o.points), 0), q.obt)
                                ELSE COALESCE(MAX(o.points), 0) END
                    FROM assessments_option o
                    WHERE o.question_id = q.id
                      AND (CASE WHEN an.expert_answered THEN an.expert_options ELSE an.options END) @> to_jsonb(o.id))
           END AS points
    FROM assessments_answer an JOIN q ON q.id = an.question_id
),
got AS (
    SELECT assessment_id, area_id, SUM(points) FILTER (WHERE NOT excused) AS points,
           SUM(obt) FILTER (WHERE excused) AS excused
    FROM answered GROUP BY assessment_id, area_id
),
total AS (SELECT area_id, SUM(obt) AS obt FROM q GROUP BY area_id),
areas AS (
    SELECT a.id AS assessment_id, ar.id AS area_id, ar.weight,
           COALESCE(total.obt, 0) - COALESCE(got.excused, 0) AS obt, COALESCE(got.points, 0) AS points
    FROM assessments_assessment a
    JOIN assessments_round r ON r.id = a.round_id
    JOIN assessments_area ar ON ar.methodology_id = r.methodology_id AND ar.scored
    LEFT JOIN total ON total.area_id = ar.id
    LEFT JOIN got ON got.assessment_id = a.id AND got.area_id = ar.id
),
scored AS (SELECT *, 100.0 * points / NULLIF(obt, 0) AS score FROM areas)
SELECT assessment_id, area_id, score FROM scored
UNION ALL
SELECT assessment_id, NULL, SUM(weight * score) FILTER (WHERE score IS NOT NULL)
                            / NULLIF(SUM(weight) FILTER (WHERE score IS NOT NULL), 0)
FROM scored GROUP BY assessment_id
"""

# Reference rows against the stored scores: a row missing on either side, or a score more than the stored
# rounding apart, counts once.
MISMATCH_SQL = """
SELECT COUNT(*) FROM eindex_reference f
FULL JOIN assessments_score s ON s.assessment_id = f.assessment_id AND s.area_id IS NOT DISTINCT FROM f.area_id
WHERE f.assessment_id IS NULL OR s.assessment_id IS NULL OR (f.score IS NULL) <> (s.score IS NULL)
   OR abs(f.score - s.score) > 0.0005
"""


def reference(runs=2):
    """The reference statement, timed `runs` times in a fresh transaction each, with the settings a rescoring's
    transaction has (no just-in-time compilation, a larger work_mem); then compared with the stored scores."""
    from django.db import connection, transaction

    from assessments.scoring import Dialect

    seconds = []
    for run in range(runs):
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in Dialect(connection.vendor).session_settings:
                cursor.execute(statement)
            started = time.perf_counter()
            cursor.execute(REFERENCE_SQL)
            seconds.append(time.perf_counter() - started)
            cursor.execute("SELECT COUNT(*) FROM eindex_reference")
            rows = cursor.fetchone()[0]
            if run == runs - 1:
                cursor.execute(MISMATCH_SQL)
                mismatches = cursor.fetchone()[0]
            cursor.execute("DROP TABLE eindex_reference")
    return {"seconds": min(seconds), "all_seconds": seconds, "rows": rows, "mismatches": mismatches}


# Move one answer's choice on by one option (or back), so that every timed rescoring has something to change.
CHANGE_ONE_ANSWER = """
UPDATE assessments_answer SET options = CASE WHEN options = '[]'::jsonb
       THEN (SELECT jsonb_build_array(MIN(o.id)) FROM assessments_option o WHERE o.question_id = assessments_answer.question_id)
       ELSE '[]'::jsonb END
WHERE id = (
    SELECT MIN(an.id) FROM assessments_answer an JOIN assessments_question q ON q.id = an.question_id
    JOIN assessments_area ar ON ar.id = q.area_id
    WHERE an.assessment_id = %s AND ar.scored AND q.question_type IN ('single', 'yes_no') AND NOT an.expert_answered
)
"""


def incremental(assessment_id, runs):
    """`runs` incremental rescorings of one assessment, one answer changed before each; their milliseconds."""
    from django.db import connection

    from assessments import scoring

    milliseconds = []
    for _run in range(runs):
        with connection.cursor() as cursor:
            cursor.execute(CHANGE_ONE_ANSWER, [assessment_id])
        started = time.perf_counter()
        scoring.rescore_assessments([assessment_id])
        milliseconds.append((time.perf_counter() - started) * 1000)
    return {"milliseconds": milliseconds}


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
    elif command == "reference":
        result = reference()
    elif command == "incremental":
        assessment_id, runs = map(int, arguments)
        result = incremental(assessment_id, runs)
    else:
        sys.exit(f"unknown command {command!r}")
    print(json.dumps(result, default=str))


# --- the benchmark ------------------------------------------------------------------------------------------


def run_child(database, *arguments):
    return scratch.run_child("bench.eindex_bench", database, *arguments, timeout=CHILD_TIMEOUT)


@benchmark("eindex")
def eindex_benchmark(scale_name, log=print):
    scale = SCALES[scale_name]
    require_postgres()
    started = time.perf_counter()
    with scratch_database(log=log) as database:
        data = run_child(database, "prepare", json.dumps(asdict(scale)))
        setup_seconds = time.perf_counter() - started
        log(
            f"generated {data['organisations']} organisations ({data['municipalities']} municipalities), "
            f"{data['assessments']} assessments, {data['answers']} answers in {setup_seconds:.1f} s"
        )
        load_before = os.getloadavg()[0]

        full_run = run_child(database, "full")
        log(
            f"full rescoring: {full_run['first_seconds']:.3f} s with no points stored, {full_run['seconds']:.3f} s "
            f"over them; {full_run['scores']} scores; statements "
            + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in sorted(full_run["statements"].items()))
        )
        reference_run = run_child(database, "reference")
        log(
            f"reference: {reference_run['seconds']:.3f} s (runs "
            f"{', '.join(f'{s:.3f}' for s in reference_run['all_seconds'])}), {reference_run['rows']} rows, "
            f"{reference_run['mismatches']} differing from the stored scores"
        )
        if reference_run["mismatches"]:
            log("the reference and assessments/scoring.py disagree: the ratio compares different computations")

        incremental_ms = {}
        for kind in ("latest", "first_round"):
            assessment = data[f"{kind}_assessment"]
            runs = run_child(database, "incremental", str(assessment), str(scale.incremental_runs))["milliseconds"]
            incremental_ms[kind] = statistics.median(runs)
            log(
                f"incremental, {kind.replace('_', ' ')} assessment {assessment}: median {incremental_ms[kind]:.1f} ms "
                f"of {', '.join(f'{ms:.0f}' for ms in runs)}"
            )
        load_after = os.getloadavg()[0]

    figures = {
        "organisations": data["organisations"],
        "assessments": data["assessments"],
        "answers": data["answers"],
        "scores": full_run["scores"],
        "full_first_seconds": round(full_run["first_seconds"], 3),
        "full_seconds": round(full_run["seconds"], 3),
        "reference_seconds": round(reference_run["seconds"], 3),
        "reference_mismatches": reference_run["mismatches"],
        "ratio_full_to_reference": round(full_run["seconds"] / reference_run["seconds"], 3),
        "incremental_latest_ms": round(incremental_ms["latest"], 1),
        "incremental_first_round_ms": round(incremental_ms["first_round"], 1),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        "setup_seconds": round(setup_seconds, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }
    figures.update({f"statement_seconds_{name}": round(seconds, 3) for name, seconds in full_run["statements"].items()})
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
