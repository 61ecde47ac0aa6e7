"""The life of an assessment (domain brief §1, issue 5 "Assessment workflow"): a round opens draft assessments;
the organisation's editors answer, save and submit; an expert (or the coordinator) records expert answers and
returns the assessment with comments or approves it, which locks it; the coordinator may reopen an approved one
as a new version. Also who may do each of these, and the concurrent-edit rule: every save names the revision it
was based on; a save based on an older revision is refused, with both answers per question, when it would
overwrite an answer that someone else changed since that revision, so nothing is overwritten silently.

Views, the API and tasks call these functions; none of them decides on its own.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts.models import Role
from institutions.models import Institution
from institutions.scoping import can_edit_institution, scope_by_institution, visible_institutions

from . import scoring
from .models import (
    BANDED_TYPES,
    CHOICE_TYPES,
    Answer,
    Assessment,
    AssessmentStatus,
    Question,
    QuestionType,
    Round,
    RoundStatus,
)

# The fields of each side of an answer that a save writes and a conflict compares. The evidence file is
# written by a save but not compared: an upload is always a new file.
SELF_FIELDS = ("options", "number", "text", "not_applicable", "evidence_url", "comment")
EXPERT_FIELDS = ("expert_options", "expert_number", "expert_text", "expert_not_applicable", "expert_comment")


class WorkflowError(Exception):
    """A step that the assessment's state does not allow (e.g. submitting an approved assessment)."""


class NotAllowed(PermissionDenied):
    """The user may see the assessment but not take this step; views answer 403."""


class MissingAnswers(WorkflowError):
    def __init__(self, missing):
        super().__init__(_("Some mandatory answers or evidence are missing."))
        self.missing = missing


@dataclass
class ConflictItem:
    question: Question
    stored: dict
    sent: dict


class Conflict(WorkflowError):
    """A save based on an older revision whose answers differ from what is stored now."""

    def __init__(self, items, revision):
        super().__init__(_("Someone else saved this assessment after you opened it."))
        self.items = items
        self.revision = revision


@dataclass
class Missing:
    question: Question
    reason: str  # "answer" or "evidence"

    @property
    def area(self):
        return self.question.area

    @property
    def reason_label(self):
        return _("no answer") if self.reason == "answer" else _("no evidence (link or file)")


@dataclass
class Progress:
    answered: int
    mandatory: int
    per_area: dict = field(default_factory=dict)  # area id -> (answered, mandatory)

    @property
    def percent(self):
        """Answered mandatory questions as a whole percentage of the mandatory ones (100 when there are none)."""
        return 100 if not self.mandatory else round(100 * self.answered / self.mandatory)


# --- who may do what ---------------------------------------------------------------------------------------------


def _signed_in(user):
    return user is not None and user.is_authenticated and user.is_active


def visible_assessments(user, queryset=None):
    """The assessments `user` may read: all for a coordinator; an expert's review work (submitted or later,
    assigned to them or to nobody); otherwise those of the user's organisations."""
    queryset = Assessment.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    own = Q(institution__in=visible_institutions(user).values("pk"))
    if user.role == Role.EXPERT:
        review = ~Q(status=AssessmentStatus.DRAFT) & (Q(reviewer=user) | Q(reviewer__isnull=True))
        return queryset.filter(own | review)
    return scope_by_institution(user, queryset)


def can_edit_answers(user, assessment):
    """The organisation's editors (and the coordinator) change the current version while it is a draft or
    returned, in an open round."""
    return (
        _signed_in(user)
        and assessment.is_current
        and assessment.is_editable
        and assessment.round.status == RoundStatus.OPEN
        and can_edit_institution(user, assessment.institution)
    )


def can_review(user, assessment):
    """The coordinator, or an expert assigned to it (any expert while nobody is), reviews a submitted current
    version; an expert never reviews an organisation they belong to."""
    if not (_signed_in(user) and assessment.is_current and assessment.status == AssessmentStatus.SUBMITTED):
        return False
    if user.is_coordinator:
        return True
    if user.role != Role.EXPERT or assessment.reviewer_id not in (None, user.pk):
        return False
    return not user.memberships.filter(institution_id=assessment.institution_id).exists()


def can_reopen(user, assessment):
    return (
        _signed_in(user)
        and user.is_coordinator
        and assessment.is_current
        and assessment.status == AssessmentStatus.APPROVED
    )


def can_assign_reviewer(user, assessment):
    return (
        _signed_in(user)
        and user.is_coordinator
        and assessment.is_current
        and assessment.status != AssessmentStatus.APPROVED
    )


def can_open_round(user):
    return _signed_in(user) and user.is_coordinator


def can_see_expert_answers(user, assessment):
    """Reviewers see expert answers as they are written; the organisation once the review is over (returned or
    approved)."""
    if can_review(user, assessment) or (_signed_in(user) and user.is_coordinator):
        return True
    if assessment.reviewer_id and user.pk == assessment.reviewer_id:
        return True
    return assessment.status in (AssessmentStatus.RETURNED, AssessmentStatus.APPROVED)


def _require(allowed, message):
    if not allowed:
        raise NotAllowed(message)


# --- answered, missing, progress ---------------------------------------------------------------------------------


def is_answered(question, answer, expert=False):
    """An answer counts when it is "not applicable" (where allowed) or holds a value of the question's type."""
    if answer is None:
        return False
    prefix = "expert_" if expert else ""
    if question.allows_not_applicable and getattr(answer, f"{prefix}not_applicable"):
        return True
    if question.question_type in CHOICE_TYPES:
        return bool(getattr(answer, f"{prefix}options"))
    if question.question_type in BANDED_TYPES:
        return getattr(answer, f"{prefix}number") is not None
    return bool(getattr(answer, f"{prefix}text").strip())


def answered_condition():
    """is_answered() in SQL, on Answer rows: used to count the progress of many assessments at once."""
    return (
        Q(not_applicable=True, question__allows_not_applicable=True)
        | (Q(question__question_type__in=CHOICE_TYPES) & ~Q(options=[]))
        | Q(question__question_type__in=BANDED_TYPES, number__isnull=False)
        | Q(question__question_type=QuestionType.TEXT, text__regex=r"\S")
    )


def has_evidence(answer):
    return bool(answer.evidence_url or answer.evidence_file)


def methodology_questions(assessment):
    return (
        Question.objects.filter(area__methodology_id=assessment.round.methodology_id)
        .select_related("area")
        .prefetch_related("options")
        .order_by("area__order", "area__code", "order", "code")
    )


def answers_by_question(assessment):
    return {answer.question_id: answer for answer in assessment.answers.all()}


def missing_mandatory(assessment):
    """What stops a submission, in questionnaire order: mandatory questions without an answer, and answered
    questions that require evidence and have neither a link nor a file ("not applicable" needs none)."""
    answers = answers_by_question(assessment)
    missing = []
    for question in methodology_questions(assessment):
        answer = answers.get(question.pk)
        answered = is_answered(question, answer)
        if question.mandatory and not answered:
            missing.append(Missing(question, "answer"))
        elif (
            answered
            and question.evidence_required
            and not (question.allows_not_applicable and answer.not_applicable)
            and not has_evidence(answer)
        ):
            missing.append(Missing(question, "evidence"))
    return missing


def progress(assessment, questions=None, answers=None):
    """Answered mandatory questions against all mandatory ones, overall and per area."""
    questions = methodology_questions(assessment) if questions is None else questions
    answers = answers_by_question(assessment) if answers is None else answers
    per_area, answered_total, mandatory_total = {}, 0, 0
    for question in questions:
        if not question.mandatory:
            continue
        answered = int(is_answered(question, answers.get(question.pk)))
        done, total = per_area.get(question.area_id, (0, 0))
        per_area[question.area_id] = (done + answered, total + 1)
        answered_total += answered
        mandatory_total += 1
    return Progress(answered_total, mandatory_total, per_area)


def with_progress(assessments):
    """Annotate a queryset of assessments with `answered_count` and `mandatory_count`: progress() in SQL, one
    query for a whole round."""
    mandatory = (
        Question.objects.filter(area__methodology=OuterRef("round__methodology"), mandatory=True)
        .values("area__methodology")
        .annotate(count=Count("pk"))
        .values("count")
    )
    answered = (
        Answer.objects.filter(answered_condition(), assessment=OuterRef("pk"), question__mandatory=True)
        .values("assessment")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return assessments.annotate(
        mandatory_count=Coalesce(Subquery(mandatory), 0), answered_count=Coalesce(Subquery(answered), 0)
    )


# --- opening a round ---------------------------------------------------------------------------------------------


class Selection:
    """Ways the coordinator chooses a round's organisations."""

    ROUND1 = "round1"
    POLICY = "policy"
    MUNICIPALITIES = "municipalities"
    CHOSEN = "chosen"


def select_institutions(selection, chosen=()):
    """The active organisations a selection names: bound by the 1st-round work plan, under the governance
    policy, all municipalities, or the hand-picked list."""
    active = Institution.objects.filter(active_to__isnull=True)
    if selection == Selection.ROUND1:
        return active.filter(bound_by_round1=True)
    if selection == Selection.POLICY:
        return active.filter(governance_policy_applies=True)
    if selection == Selection.MUNICIPALITIES:
        return active.filter(institution_type="municipality")
    return active.filter(pk__in=[getattr(i, "pk", i) for i in chosen])


@transaction.atomic
def open_round(methodology, institutions, deadline, user, name_lv="", name_en="", year=None):
    """Create the round and one empty draft assessment (version 1, current) for each organisation."""
    _require(can_open_round(user), _("Only the coordinator opens assessment rounds."))
    institutions = list(institutions)
    if not institutions:
        raise WorkflowError(_("Choose at least one organisation."))
    round_ = Round.objects.create(
        methodology=methodology,
        name_lv=name_lv or f"{methodology.name_lv} {year or deadline.year}",
        name_en=name_en,
        year=year or deadline.year,
        deadline=deadline,
        opened_by=user,
    )
    bulk_create_with_history(
        [Assessment(round=round_, institution=institution) for institution in institutions],
        Assessment,
        default_user=user,
    )
    return round_


# --- saving answers ----------------------------------------------------------------------------------------------


def _normalised(value):
    if isinstance(value, list):
        return sorted(int(v) for v in value)
    if isinstance(value, Decimal):
        return value.normalize()
    if value is None:
        return None
    return value.strip() if isinstance(value, str) else value


def answer_values(answer, fields):
    """The compared fields of an answer (empty values when there is none yet)."""
    blank = Answer()
    source = answer if answer is not None else blank
    return {name: getattr(source, name) for name in fields}


def _stored_form(name, value):
    """The model value for a sent one: empty options are [], empty text "", a missing number None."""
    if name.endswith("options"):
        return sorted(int(v) for v in value or [])
    if name.endswith("number"):
        return value
    if name.endswith("not_applicable"):
        return bool(value)
    return value or ""


def _differs(stored, sent, fields):
    return any(_normalised(stored.get(name)) != _normalised(sent.get(name)) for name in fields if name in sent)


def _changed_since(assessment, revision):
    """The questions whose answer someone wrote after the assessment reached `revision` (from the history of
    both), or None when that revision is unknown, so that every differing answer counts as changed."""
    reached = (
        Assessment.history.filter(id=assessment.pk, revision=revision)
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    if reached is None:
        return None
    return set(
        Answer.history.filter(assessment_id=assessment.pk, history_date__gt=reached).values_list(
            "question_id", flat=True
        )
    )


def _lock(assessment, allowed, user, message):
    """Re-read the assessment under a row lock (saves and transitions of one assessment take turns) and check
    that `user` may take the step on the state it has now, not on the caller's older copy."""
    locked = Assessment.objects.select_for_update().select_related("round", "institution").get(pk=assessment.pk)
    _require(allowed(user, locked), message)
    return locked


def _sync(assessment, locked):
    """Leave the caller's instance as the database holds it after the step."""
    for model_field in Assessment._meta.concrete_fields:
        setattr(assessment, model_field.attname, getattr(locked, model_field.attname))
    return locked


def _bump(assessment, **changes):
    """Write `changes` and raise the revision: any form opened before now is stale."""
    for name, value in changes.items():
        setattr(assessment, name, value)
    assessment.revision += 1
    assessment.save()
    return assessment


def _save(locked, answers, user, revision, fields, files=None):
    """Shared by both sides: detect a conflict, write the answers of the questions sent, raise the revision.
    `answers` maps question ids to {field: value}; `files` maps question ids to an uploaded file."""
    files = files or {}
    questions = {q.pk: q for q in methodology_questions(locked).filter(pk__in=[*answers, *files])}
    unknown = set(answers) - set(questions)
    if unknown:
        raise WorkflowError(_("These questions are not part of this assessment: %s") % sorted(unknown))
    stored = {a.question_id: a for a in locked.answers.filter(question_id__in=questions)}
    if revision is not None and int(revision) != locked.revision:
        changed = _changed_since(locked, int(revision))
        items = [
            ConflictItem(questions[pk], answer_values(stored.get(pk), fields), sent)
            for pk, sent in answers.items()
            if (changed is None or pk in changed) and _differs(answer_values(stored.get(pk), fields), sent, fields)
        ]
        if items:
            raise Conflict(items, locked.revision)
    for pk in questions:
        answer = stored.get(pk) or Answer(assessment=locked, question=questions[pk])
        for name, value in answers.get(pk, {}).items():
            if name in fields:
                setattr(answer, name, _stored_form(name, value))
        if pk in files and "evidence_url" in fields:
            answer.evidence_file = files[pk] or ""  # False: the editor removed the file
        if fields is EXPERT_FIELDS:
            answer.expert_answered = is_answered(questions[pk], answer, expert=True) or bool(answer.expert_comment)
        answer.updated_by = user
        answer._history_user = user
        answer.save()
    return _bump(locked)


@transaction.atomic
def save_answers(assessment, answers, user, revision, files=None):
    """Store the organisation's answers to the questions sent (a draft or returned assessment only). Raises
    Conflict when `revision` is older than the stored one and a sent answer would overwrite one that someone
    else changed since."""
    locked = _lock(assessment, can_edit_answers, user, _("You may not change the answers of this assessment."))
    return _sync(assessment, _save(locked, answers, user, revision, SELF_FIELDS, files))


@transaction.atomic
def save_expert_answers(assessment, answers, user, revision):
    """Store the reviewer's answers beside the organisation's; they count in the score where given."""
    locked = _lock(assessment, can_review, user, _("You may not review this assessment."))
    _claim(locked, user)
    return _sync(assessment, _save(locked, answers, user, revision, EXPERT_FIELDS))


# --- transitions --------------------------------------------------------------------------------------------------


def _schedule_rescore(assessment):
    """Scores follow every change of status; scoring queues the work for when the transaction commits."""
    scoring.schedule_rescore([assessment.pk])


def _ensure_answer_rows(assessment, user):
    """Every question gets an answer row on submission, so unanswered optional questions are scored as 0 of
    their obtainable points rather than left out."""
    present = set(assessment.answers.values_list("question_id", flat=True))
    rows = [
        Answer(assessment=assessment, question_id=pk, updated_by=user)
        for pk in methodology_questions(assessment).values_list("pk", flat=True)
        if pk not in present
    ]
    if rows:
        bulk_create_with_history(rows, Answer, default_user=user)


@transaction.atomic
def submit(assessment, user):
    """Draft or returned → submitted, refused with the list of what is missing."""
    locked = _lock(assessment, can_edit_answers, user, _("You may not submit this assessment."))
    missing = missing_mandatory(locked)
    if missing:
        raise MissingAnswers(missing)
    _ensure_answer_rows(locked, user)
    _bump(locked, status=AssessmentStatus.SUBMITTED, submitted_at=timezone.now(), submitted_by=user)
    _schedule_rescore(locked)
    return _sync(assessment, locked)


@transaction.atomic
def assign_reviewer(assessment, expert, user):
    """The coordinator names the expert who reviews (None: any expert may)."""
    locked = _lock(assessment, can_assign_reviewer, user, _("Only the coordinator assigns reviewers."))
    if expert is not None and (expert.role != Role.EXPERT or not expert.is_active):
        raise WorkflowError(_("A reviewer must be an active expert."))
    if expert is not None and expert.memberships.filter(institution_id=locked.institution_id).exists():
        raise WorkflowError(_("An expert may not review an organisation they belong to."))
    locked.reviewer = expert
    locked.save(update_fields=["reviewer", "updated_at"])
    return _sync(assessment, locked)


def _claim(locked, user):
    """An unassigned assessment becomes the reviewing expert's, so two experts do not review it at once."""
    if locked.reviewer_id is None and user.role == Role.EXPERT:
        locked.reviewer = user
        locked.save(update_fields=["reviewer", "updated_at"])


@transaction.atomic
def start_review(assessment, user):
    """The expert starts reviewing: the assessment becomes theirs if nobody was assigned."""
    locked = _lock(assessment, can_review, user, _("You may not review this assessment."))
    _claim(locked, user)
    return _sync(assessment, locked)


@transaction.atomic
def return_with_comments(assessment, user, comment):
    """Submitted → returned: the editors may change their answers again and resubmit."""
    locked = _lock(assessment, can_review, user, _("You may not review this assessment."))
    if not (comment or "").strip():
        raise WorkflowError(_("Say what must be corrected."))
    _claim(locked, user)
    _bump(locked, status=AssessmentStatus.RETURNED, review_comment=comment.strip())
    _schedule_rescore(locked)  # a returned assessment leaves the ranking and the averages
    return _sync(assessment, locked)


@transaction.atomic
def approve(assessment, user, comment=""):
    """Submitted → approved: locked; only reopening (a new version) changes it."""
    locked = _lock(assessment, can_review, user, _("You may not review this assessment."))
    _claim(locked, user)
    _bump(
        locked,
        status=AssessmentStatus.APPROVED,
        approved_at=timezone.now(),
        approved_by=user,
        review_comment=(comment or "").strip(),
    )
    _schedule_rescore(locked)
    return _sync(assessment, locked)


@transaction.atomic
def reopen(assessment, user):
    """Approved version n stays as it was; version n+1 is a draft with a copy of the organisation's answers
    (evidence and comments included, expert answers left for the next review) and becomes the current one."""
    locked = _lock(assessment, can_reopen, user, _("Only the coordinator reopens an approved assessment."))
    locked.is_current = False
    locked.save(update_fields=["is_current", "updated_at"])
    _sync(assessment, locked)
    latest = (
        Assessment.objects.filter(round_id=locked.round_id, institution_id=locked.institution_id)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    new = Assessment.objects.create(
        round_id=locked.round_id,
        institution_id=locked.institution_id,
        version=latest + 1,
        is_current=True,
        reviewer=locked.reviewer,
    )
    copies = [
        Answer(
            assessment=new,
            question_id=answer.question_id,
            updated_by=user,
            **{name: getattr(answer, name) for name in (*SELF_FIELDS, "evidence_file")},
        )
        for answer in locked.answers.all()
    ]
    bulk_create_with_history(copies, Answer, default_user=user)
    scoring.schedule_rescore([locked.pk, new.pk])  # the superseded version leaves the ranking; the draft is scored
    return new


def versions(assessment):
    """All versions of the same organisation in the same round, newest first."""
    return Assessment.objects.filter(round_id=assessment.round_id, institution_id=assessment.institution_id).order_by(
        "-version"
    )


def answer_history(assessment, question):
    """Every recorded state of one question's answer across the versions of the assessment, newest first."""
    ids = versions(assessment).values("pk")
    return (
        Answer.history.filter(assessment_id__in=ids, question_id=question.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
