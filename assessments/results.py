"""What the results pages read (issue 5 "Pages, exports"): an organisation's stored scores in a round beside its
peer group and the country, with the answers behind them; and a round's national view — league tables per peer
group, level distributions, averages by sector and by tier, year-on-year. The scores are computed and stored by
assessments/scoring.py; this module only reads and arranges them, so the pages, their XLSX/CSV exports and the
PDFs show the same numbers.

Who sees what — the results rule:

- An organisation's result page is open to whoever may read its assessment (workflow.visible_assessments): its
  own editors and viewers, the experts who review it, the coordinator; 404 for anyone else.
- A round's national view is open to the coordinator and every expert, and to the editors and viewers of an
  organisation assessed in the round; 404 for anyone else.
- League tables name organisations with their scores, as the published 2021 report does (seed 002 §3.6 names
  the top scorers of each tier and sector). The coordinator and experts see the league table of every peer
  group; an editor or viewer sees only the league table of their own organisation's peer group, names included.
  Another organisation's individual scores appear nowhere else on their pages or exports.
- Aggregates (averages, level distributions, year-on-year) are shown to every reader of the round, except that
  an aggregate over fewer than MIN_DISCLOSED organisations is withheld from editors and viewers unless it is of
  their own peer group (whose league table they see anyway): the average of one organisation is its score, and
  the national average of two tells each of them the other's.
- The expert's answers behind a score follow workflow.can_see_expert_answers: while the review is under way the
  organisation sees its own answers, and the points of the answers the expert has changed are not shown.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Role
from institutions.models import DevelopmentTier, Institution

from . import scoring, workflow
from .models import LEVELS, Area, Assessment, MaturityLevel, Round, Score
from .views import describe
from .workflow import EXPERT_FIELDS, SELF_FIELDS

MIN_DISCLOSED = 3  # an aggregate over fewer organisations is withheld from editors and viewers (not their group)
NATIONAL = None  # the "peer group" of a national aggregate


# --- the reader -------------------------------------------------------------------------------------------------------


def sees_every_organisation(user):
    """The coordinator and experts read every peer group's league table and every aggregate."""
    return bool(user.is_authenticated and user.is_active and (user.is_coordinator or user.role == Role.EXPERT))


def visible_rounds(user):
    """The rounds whose national view `user` may open: all for the coordinator and experts, else the rounds in
    which an organisation of theirs is assessed."""
    if sees_every_organisation(user):
        return Round.objects.all()
    return Round.objects.filter(pk__in=workflow.visible_assessments(user).values("round_id"))


def stored_peer_group(assessment):
    """The peer group the stored scores of `assessment` were ranked in, or the one its organisation has now."""
    stored = assessment.scores.filter(area__isnull=True).values_list("peer_group", flat=True).first()
    return stored if stored is not None else scoring.peer_group_of(assessment.institution)


@dataclass(frozen=True)
class Reader:
    """One user reading one round: `sees_all` for the coordinator and experts, else `peer_groups` are the peer
    groups of their own organisations' assessments in the round."""

    sees_all: bool
    peer_groups: frozenset = frozenset()

    def sees_league(self, peer_group):
        return self.sees_all or (bool(peer_group) and peer_group in self.peer_groups)

    def sees_aggregate(self, peer_group, count):
        """An aggregate of `peer_group` (NATIONAL for the whole round) over `count` organisations."""
        return self.sees_all or count >= MIN_DISCLOSED or (bool(peer_group) and peer_group in self.peer_groups)


def reader_of(user, round_):
    if sees_every_organisation(user):
        return Reader(True)
    own = workflow.visible_assessments(user, round_.assessments.filter(is_current=True)).select_related(
        "institution__municipality", "institution__parent"
    )
    return Reader(False, frozenset(group for group in map(stored_peer_group, own) if group))


# --- levels and labels ------------------------------------------------------------------------------------------------


def level_label(level):
    return MaturityLevel(level).label if level else "—"


def level_of(mean, area, methodology):
    """The level an average reaches: the area's thresholds, or the methodology's for the overall score."""
    if mean is None:
        return None
    return (area or methodology).level_for(Decimal(str(mean)).quantize(Decimal("0.001")))


def trend_of(change):
    """↑ or ↓ when a change is more than scoring.TREND_POINTS points, as the stored trends are."""
    if change is None:
        return ""
    if change > scoring.TREND_POINTS:
        return Score.Trend.UP
    if change < -scoring.TREND_POINTS:
        return Score.Trend.DOWN
    return ""


def difference(now, before):
    return None if now is None or before is None else float(now) - float(before)


def peer_group_labels(keys, short=False):
    """{key: label} of peer group keys, with one query for the ministries of the sectors. A `short` label is the
    ministry's name or the tier's, for a column or an axis already headed "ministry sector" or "tier"."""
    ministry_ids = [
        int(key.removeprefix(scoring.SECTOR_PREFIX)) for key in keys if key and key.startswith(scoring.SECTOR_PREFIX)
    ]
    ministries = Institution.objects.in_bulk(ministry_ids)
    if not short:
        return {key: scoring.peer_group_label(key or "", ministries) for key in keys}
    tiers = dict(DevelopmentTier.choices)
    labels = {}
    for key in keys:
        if key and key.startswith(scoring.SECTOR_PREFIX):
            ministry = ministries.get(int(key.removeprefix(scoring.SECTOR_PREFIX)))
            labels[key] = ministry.name if ministry else key
        elif key and key.startswith(scoring.TIER_PREFIX):
            tier = key.removeprefix(scoring.TIER_PREFIX)
            labels[key] = str(tiers.get(tier, tier))
        else:
            labels[key] = scoring.peer_group_label(key or "")
    return labels


TIER_ORDER = {f"{scoring.TIER_PREFIX}{tier}": index for index, tier in enumerate(DevelopmentTier.values)}


def peer_group_order(key, label):
    """Municipal tiers first (national, regional, local), then the ministry sectors by name, then no group."""
    if key in TIER_ORDER:
        return (0, TIER_ORDER[key], "")
    return (1 if key else 2, 0, str(label))


# --- an organisation's results ----------------------------------------------------------------------------------------


@dataclass
class AreaResult:
    """One area (or the overall score, area None) of an organisation beside its peers and the country. An
    average the reader may not see is None with `*_withheld` set."""

    area: Area | None
    score: Score | None
    peer_average: float | None
    peer_count: int
    national_average: float | None
    national_count: int
    peer_withheld: bool = False
    national_withheld: bool = False

    @property
    def label(self):
        return f"{self.area.code} {self.area.name}" if self.area else _("Overall score")

    @property
    def value(self):
        return None if self.score is None or self.score.score is None else float(self.score.score)

    @property
    def change(self):
        return None if self.score is None else difference(self.score.score, self.score.previous_score)


@dataclass
class AnswerRow:
    """A question behind an area's score: the answer that counts (the expert's where given) and the
    organisation's own beside it, with the points it got of those obtainable."""

    question: object
    counted: str
    self_answer: str
    by_expert: bool
    points: Decimal | None
    obtainable: Decimal | None
    hidden: bool = False  # the expert changed it and the reader may not see the expert's answers yet


@dataclass
class OrganisationResults:
    assessment: Assessment
    peer_group: str
    peer_group_label: str
    counted: bool
    areas: list  # AreaResult per scored area, in order
    overall: AreaResult
    answers: list  # (Area, [AnswerRow])
    previous: Assessment | None
    show_expert: bool
    review_pending: bool = False

    @property
    def rows(self):
        return [*self.areas, self.overall]


def previous_assessment(assessment):
    """The organisation's counted assessment of the latest earlier round of the same methodology family — the
    one scoring.py compares trends with."""
    round_ = assessment.round
    earlier = Q(round__year__lt=round_.year) | Q(round__year=round_.year, round__opened_at__lt=round_.opened_at)
    return (
        scoring.counted_assessments()
        .filter(earlier, institution_id=assessment.institution_id, round__methodology__family=round_.methodology.family)
        .select_related("round")
        .order_by("-round__year", "-round__opened_at", "-round_id")
        .first()
    )


def is_counted(assessment):
    return assessment.is_current and assessment.status in scoring.COUNTED_STATUSES


def area_results(assessment, reader):
    """scoring.assessment_results with the national counts, the averages the reader may not see withheld."""
    national_counts = {row["area_id"]: row["count"] for row in scoring.averages(assessment.round_id)}
    peer_group = stored_peer_group(assessment)
    results = []
    for row in scoring.assessment_results(assessment):
        area_id = row["area"].pk if row["area"] else None
        national_count = national_counts.get(area_id, 0)
        peer_withheld = not reader.sees_aggregate(peer_group, row["peer_count"])
        national_withheld = not reader.sees_aggregate(NATIONAL, national_count)
        results.append(
            AreaResult(
                area=row["area"],
                score=row["score"],
                peer_average=None if peer_withheld else _float(row["peer_average"]),
                peer_count=row["peer_count"],
                national_average=None if national_withheld else _float(row["national_average"]),
                national_count=national_count,
                peer_withheld=peer_withheld and row["peer_average"] is not None,
                national_withheld=national_withheld and row["national_average"] is not None,
            )
        )
    return results


def _float(value):
    return None if value is None else float(value)


def answer_rows(assessment, show_expert):
    """The questions of the scored areas, in questionnaire order, grouped by area: [(Area, [AnswerRow])]."""
    answers = workflow.answers_by_question(assessment)
    groups, current = [], None
    for question in workflow.methodology_questions(assessment).filter(area__scored=True):
        answer = answers.get(question.pk)
        own = describe(question, workflow.answer_values(answer, SELF_FIELDS))
        by_expert = bool(answer and answer.expert_answered)
        hidden = by_expert and not show_expert
        counted = describe(question, workflow.answer_values(answer, EXPERT_FIELDS), "expert_") if by_expert else own
        row = AnswerRow(
            question=question,
            counted=_("under the expert's review") if hidden else counted,
            self_answer=own,
            by_expert=by_expert and not hidden,
            points=None if hidden or answer is None else answer.points,
            obtainable=None if hidden or answer is None else answer.obtainable,
            hidden=hidden,
        )
        if current is None or current[0].pk != question.area_id:
            current = (question.area, [])
            groups.append(current)
        current[1].append(row)
    return groups


def organisation_results(assessment, user):
    """Everything an organisation's result page shows of `assessment` to `user` (who may read it)."""
    reader = reader_of(user, assessment.round)
    rows = area_results(assessment, reader)
    show_expert = workflow.can_see_expert_answers(user, assessment)
    answers = answer_rows(assessment, show_expert)
    peer_group = stored_peer_group(assessment)
    previous = previous_assessment(assessment)
    if previous is not None and not workflow.visible_assessments(user).filter(pk=previous.pk).exists():
        previous = None
    return OrganisationResults(
        assessment=assessment,
        peer_group=peer_group,
        peer_group_label=scoring.peer_group_label(peer_group),
        counted=is_counted(assessment),
        areas=[row for row in rows if row.area is not None],
        overall=next(row for row in rows if row.area is None),
        answers=answers,
        previous=previous,
        show_expert=show_expert,
        review_pending=any(row.hidden for _area, items in answers for row in items),
    )


# --- a round's national view ------------------------------------------------------------------------------------------


@dataclass
class LeagueGroup:
    peer_group: str
    label: str
    rows: list  # Score (overall) with .assessment.institution, best first

    @property
    def size(self):
        return sum(1 for row in self.rows if row.score is not None)


def league_tables(round_, reader, peer_group=None):
    """The overall scores of the round's counted assessments per peer group, by rank: every group for the
    coordinator and experts, the reader's own group(s) for anyone else. `peer_group` narrows to one group."""
    scores = scoring.counted_scores(round_).filter(area__isnull=True).select_related("assessment__institution")
    if not reader.sees_all:
        scores = scores.filter(peer_group__in=sorted(reader.peer_groups))
    if peer_group is not None:
        scores = scores.filter(peer_group=peer_group)
    by_group = {}
    for score in scores:
        by_group.setdefault(score.peer_group, []).append(score)
    labels = peer_group_labels(by_group)
    groups = [
        LeagueGroup(
            key,
            labels[key],
            sorted(rows, key=lambda s: (s.rank is None, s.rank or 0, s.assessment.institution.name.casefold())),
        )
        for key, rows in by_group.items()
    ]
    return sorted(groups, key=lambda group: peer_group_order(group.peer_group, group.label))


def peer_group_choices(round_, reader):
    """[(key, label)] of the peer groups the reader may narrow the national view to."""
    keys = set(
        scoring.counted_scores(round_)
        .filter(area__isnull=True)
        .exclude(peer_group="")
        .values_list("peer_group", flat=True)
    )
    if not reader.sees_all:
        keys &= reader.peer_groups
    labels = peer_group_labels(keys)
    return sorted(((key, labels[key]) for key in keys), key=lambda item: peer_group_order(*item))


@dataclass
class Distribution:
    """How many organisations are at each level in one area (or overall, area None)."""

    area: Area | None
    counts: dict  # level -> count
    total: int
    withheld: bool = False

    @property
    def label(self):
        return f"{self.area.code} {self.area.name}" if self.area else _("Overall score")

    @property
    def shares(self):
        return {level: (count / self.total if self.total else None) for level, count in self.counts.items()}


def level_distribution(round_, reader, peer_group=None):
    """scoring.level_distribution, the groups too small for the reader withheld (counts empty)."""
    rows = []
    for row in scoring.level_distribution(round_, peer_group=peer_group):
        withheld = not reader.sees_aggregate(peer_group, row["total"])
        counts = {level: None for level in LEVELS} if withheld else row["counts"]
        rows.append(Distribution(row["area"], counts, row["total"], withheld))
    return rows


@dataclass
class GroupAverages:
    """The mean scores of each peer group of one kind (sector or tier): one row per group with the mean of each
    area and overall, and the number of organisations with an overall score."""

    areas: list
    rows: list = field(
        default_factory=list
    )  # {"peer_group", "label", "count", "means": {area id: mean}, "overall", "withheld"}


def group_averages(round_, reader, by):
    """scoring.averages(round, by="sector" or "tier") as one row per peer group."""
    areas = scored_areas(round_)
    grouped = {}
    for row in scoring.averages(round_, by=by):
        group = grouped.setdefault(row["peer_group"], {"means": {}, "counts": {}})
        group["means"][row["area_id"]] = _float(row["mean"])
        group["counts"][row["area_id"]] = row["count"]
    labels = peer_group_labels(grouped, short=True)
    rows = []
    for key, group in grouped.items():
        count = group["counts"].get(None, max(group["counts"].values(), default=0))
        withheld = not reader.sees_aggregate(key, count)
        rows.append(
            {
                "peer_group": key,
                "label": labels[key],
                "count": count,
                "means": {} if withheld else group["means"],
                "overall": None if withheld else group["means"].get(None),
                "withheld": withheld,
            }
        )
    rows.sort(key=lambda row: peer_group_order(row["peer_group"], row["label"]))
    return GroupAverages(areas, rows)


def scored_areas(round_):
    return list(Area.objects.filter(methodology_id=round_.methodology_id, scored=True).order_by("order", "code"))


def previous_round(round_):
    """The latest earlier round (year, then when it was opened) of the same methodology family."""
    earlier = Q(year__lt=round_.year) | Q(year=round_.year, opened_at__lt=round_.opened_at)
    return (
        Round.objects.filter(earlier, methodology__family=round_.methodology.family)
        .exclude(pk=round_.pk)
        .select_related("methodology")
        .order_by("-year", "-opened_at", "-pk")
        .first()
    )


@dataclass
class YearOnYearRow:
    area: Area | None
    label: str
    mean: float | None
    count: int
    level: int | None
    previous_mean: float | None
    previous_count: int
    withheld: bool = False
    previous_withheld: bool = False

    @property
    def change(self):
        return difference(self.mean, self.previous_mean)

    @property
    def trend(self):
        return trend_of(self.change)


def _means_by_code(round_, peer_group):
    """{area code (None: overall): (mean, count)} of a round, nationally or of one peer group."""
    if peer_group is None:
        rows = scoring.averages(round_)
    else:
        rows = [row for row in scoring.averages(round_, by="peer_group") if row["peer_group"] == peer_group]
    return {row["area_code"]: (_float(row["mean"]), row["count"]) for row in rows}


def year_on_year(round_, reader, peer_group=None):
    """The average of each area and overall in this round against the previous round of the family (areas
    matched by code), nationally or of one peer group. Returns (previous round or None, [YearOnYearRow])."""
    before = previous_round(round_)
    now = _means_by_code(round_, peer_group)
    then = _means_by_code(before, peer_group) if before else {}
    rows = []
    for area in [*scored_areas(round_), None]:
        code = area.code if area else None
        mean, count = now.get(code, (None, 0))
        previous_mean, previous_count = then.get(code, (None, 0))
        withheld = not reader.sees_aggregate(peer_group, count)
        previous_withheld = not reader.sees_aggregate(peer_group, previous_count)
        mean = None if withheld else mean
        rows.append(
            YearOnYearRow(
                area=area,
                label=f"{area.code} {area.name}" if area else _("Overall score"),
                mean=mean,
                count=count,
                level=level_of(mean, area, round_.methodology),
                previous_mean=None if previous_withheld else previous_mean,
                previous_count=previous_count,
                withheld=withheld and count > 0,
                previous_withheld=previous_withheld and previous_count > 0,
            )
        )
    return before, rows


@dataclass
class RoundResults:
    round: Round
    reader: Reader
    peer_group: str | None  # the chosen group, or None for the whole round
    peer_group_label: str
    choices: list
    league: list
    distribution: list
    sectors: GroupAverages
    tiers: GroupAverages
    previous_round: Round | None
    years: list
    counted: int
    national_count: int = 0


def round_results(round_, user, peer_group=None):
    """Everything a round's national view shows to `user` (who may open it). `peer_group` must be one of
    peer_group_choices (the view checks it) or None."""
    reader = reader_of(user, round_)
    before, years = year_on_year(round_, reader, peer_group)
    label = peer_group_labels([peer_group])[peer_group] if peer_group else ""
    return RoundResults(
        round=round_,
        reader=reader,
        peer_group=peer_group,
        peer_group_label=label,
        choices=peer_group_choices(round_, reader),
        league=league_tables(round_, reader, peer_group),
        distribution=level_distribution(round_, reader, peer_group),
        sectors=group_averages(round_, reader, "sector"),
        tiers=group_averages(round_, reader, "tier"),
        previous_round=before,
        years=years,
        counted=scoring.counted_assessments(round_.assessments.all()).count(),
    )
