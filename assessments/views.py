"""Web pages of the assessment workflow: the coordinator's rounds, the organisation's questionnaire (one page
per area, autosaved by assessments/static/assessments/autosave.js, saved by its button without JavaScript),
the expert's review, the decisions and an answer's history.

Who may see or do what is decided by assessments/workflow.py; a page never decides on its own. An assessment
the user may not see answers 404, a step the user may not take 403.
"""

import json
import os
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from institutions.scoping import scope_by_institution

from . import scoring, workflow
from .forms import AnswerForm, ApproveForm, ReturnForm, ReviewerForm, RoundOpenForm, json_to_form_data
from .models import Answer, Assessment, AssessmentStatus, QuestionType, Round
from .workflow import EXPERT_FIELDS, SELF_FIELDS

SELF, EXPERT = "self", "expert"


def _assessment_or_404(request, pk):
    queryset = Assessment.objects.select_related(
        "round__methodology", "institution", "reviewer", "submitted_by", "approved_by"
    )
    return get_object_or_404(workflow.visible_assessments(request.user, queryset), pk=pk)


def _areas(assessment):
    return list(assessment.round.methodology.areas.order_by("order", "code"))


def _area_or_404(areas, code):
    for area in areas:
        if area.code == code:
            return area
    raise Http404


def describe(question, values, prefix=""):
    """An answer in words, from Answer's fields (`prefix` "expert_" for the expert's side): the chosen options'
    names, the number (with % for a percent), the text, or "not applicable"; "—" when there is none."""
    if question.allows_not_applicable and values.get(f"{prefix}not_applicable"):
        return _("Not applicable")
    kind = question.question_type
    if kind in (QuestionType.YES_NO, QuestionType.SINGLE, QuestionType.MULTIPLE):
        names = {option.pk: option.name for option in question.options.all()}
        chosen = [names.get(int(pk), "?") for pk in values.get(f"{prefix}options") or []]
        return "; ".join(chosen) or "—"
    if kind in (QuestionType.NUMBER, QuestionType.PERCENT):
        number = values.get(f"{prefix}number")
        if number is None or number == "":
            return "—"
        shown = number_format(number, use_l10n=True)
        return f"{shown} %" if kind == QuestionType.PERCENT else shown
    return (values.get(f"{prefix}text") or "").strip() or "—"


def institution_name_order():
    """Assessments in the order of their organisation's name as the reader sees it."""
    if (get_language() or "lv").startswith("en"):
        return Coalesce(NullIf(F("institution__name_en"), Value("")), F("institution__name_lv"))
    return F("institution__name_lv")


def _values(answer, fields):
    return workflow.answer_values(answer, fields)


# --- the user's start page and the coordinator's rounds ------------------------------------------------------------


@login_required
def home(request):
    """What the user has to do: the coordinator's rounds and reviews, an expert's reviews, an organisation's
    assessments."""
    user = request.user
    current = Assessment.objects.filter(is_current=True).select_related("round", "institution", "reviewer")
    context = {"can_open_round": workflow.can_open_round(user)}
    if user.is_coordinator:
        context["rounds"] = Round.objects.select_related("methodology").annotate(
            total=Count("assessments", filter=Q(assessments__is_current=True)),
            submitted=Count(
                "assessments",
                filter=Q(assessments__is_current=True, assessments__status=AssessmentStatus.SUBMITTED),
            ),
            approved=Count(
                "assessments",
                filter=Q(assessments__is_current=True, assessments__status=AssessmentStatus.APPROVED),
            ),
        )
    elif user.role != Role.EXPERT or user.memberships.exists():
        context["own"] = workflow.with_progress(scope_by_institution(user, current)).order_by(
            "round__deadline", institution_name_order()
        )
    if user.is_coordinator or user.role == Role.EXPERT:
        reviews = workflow.visible_assessments(user, current)
        context["to_review"] = reviews.filter(status=AssessmentStatus.SUBMITTED).order_by("submitted_at")
        if not user.is_coordinator:
            context["reviewed"] = reviews.filter(
                reviewer=user, status__in=[AssessmentStatus.RETURNED, AssessmentStatus.APPROVED]
            ).order_by("-updated_at")[:50]
    return render(request, "assessments/home.html", context)


@login_required
def round_open(request):
    if not workflow.can_open_round(request.user):
        raise workflow.NotAllowed(_("Only the coordinator opens assessment rounds."))
    form = RoundOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = workflow.open_round(
                data["methodology"],
                data["organisations"],
                data["deadline"],
                request.user,
                name_lv=data["name_lv"],
                name_en=data["name_en"],
                year=data["year"],
            )
        except workflow.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The round is open for %(count)d organisations.") % {"count": round_.assessments.count()},
            )
            return redirect("assessments:round-detail", pk=round_.pk)
    return render(request, "assessments/round_form.html", {"form": form})


@login_required
@require_POST
def round_rescore(request, pk):
    """The coordinator's full rescoring of a round on demand (after a methodology or the registry's sectors
    and tiers changed); it runs as a job after the response."""
    if not request.user.is_coordinator:
        raise workflow.NotAllowed(_("Only the coordinator rescores a round."))
    round_ = get_object_or_404(Round, pk=pk)
    scoring.request_full_rescore(request.user, round_.pk)
    messages.success(request, _("The round is being scored again; the results update when the job ends."))
    return redirect("assessments:round-detail", pk=round_.pk)


@login_required
def round_detail(request, pk):
    """Every organisation's current assessment in a round with its progress (the coordinator's view)."""
    if not request.user.is_coordinator:
        raise workflow.NotAllowed(_("Only the coordinator follows a whole round."))
    round_ = get_object_or_404(Round.objects.select_related("methodology", "opened_by"), pk=pk)
    current = round_.assessments.filter(is_current=True)
    counts = dict(current.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    status = request.GET.get("status", "")
    if status not in AssessmentStatus.values:
        status = ""
    rows = workflow.with_progress(current.select_related("institution", "reviewer"))
    if status:
        rows = rows.filter(status=status)
    rows = rows.order_by(institution_name_order())
    return render(
        request,
        "assessments/round_detail.html",
        {
            "round": round_,
            "rows": rows,
            "status": status,
            "statuses": [(value, label, counts.get(value, 0)) for value, label in AssessmentStatus.choices],
            "total": sum(counts.values()),
            "overdue": round_.deadline < timezone.localdate(),
        },
    )


# --- one assessment -------------------------------------------------------------------------------------------------


def _detail_context(request, assessment, **extra):
    user = request.user
    areas = _areas(assessment)
    questions = list(workflow.methodology_questions(assessment))
    progress = workflow.progress(assessment, questions)
    can_review = workflow.can_review(user, assessment)
    context = {
        "assessment": assessment,
        "areas": [(area, *progress.per_area.get(area.pk, (0, 0))) for area in areas],
        "first_area": areas[0] if areas else None,
        "progress": progress,
        "can_edit": workflow.can_edit_answers(user, assessment),
        "can_review": can_review,
        "can_reopen": workflow.can_reopen(user, assessment),
        "can_assign": workflow.can_assign_reviewer(user, assessment),
        "versions": workflow.versions(assessment),
        "return_form": ReturnForm() if can_review else None,
        "approve_form": ApproveForm() if can_review else None,
        "reviewer_form": ReviewerForm(initial={"reviewer": assessment.reviewer_id}),
        "overdue": assessment.is_editable and assessment.round.deadline < timezone.localdate(),
    }
    context.update(extra)
    return context


@login_required
def assessment_detail(request, pk):
    assessment = _assessment_or_404(request, pk)
    return render(request, "assessments/assessment_detail.html", _detail_context(request, assessment))


@dataclass
class Item:
    """One question on an area page: its form (when the page edits this side) and both answers in words."""

    question: object
    answer: object
    form: object
    self_answer: str
    expert_answer: str
    conflict: object = None


def _area_page(request, assessment, area_code, side, forms=None, conflict=None, status=200, unresolved=()):
    user = request.user
    areas = _areas(assessment)
    area = _area_or_404(areas, area_code)
    questions = list(workflow.methodology_questions(assessment))
    answers = workflow.answers_by_question(assessment)
    editing = workflow.can_edit_answers(user, assessment) if side == SELF else workflow.can_review(user, assessment)
    forms = forms or {}
    conflicts = {item.question.pk: item for item in (conflict.items if conflict else [])}
    items = []
    for question in questions:
        if question.area_id != area.pk:
            continue
        answer = answers.get(question.pk)
        form = forms.get(question.pk) or (AnswerForm(question, answer, side) if editing else None)
        items.append(
            Item(
                question,
                answer,
                form,
                describe(question, _values(answer, SELF_FIELDS)),
                describe(question, _values(answer, EXPERT_FIELDS), "expert_")
                if answer and answer.expert_answered
                else "",
                _conflict_view(question, conflicts.get(question.pk), side),
            )
        )
    index = areas.index(area)
    progress = workflow.progress(assessment, questions, answers)
    url_name = "assessments:area" if side == SELF else "assessments:review"
    context = {
        "assessment": assessment,
        "area": area,
        "items": items,
        "side": side,
        "editing": editing,
        "tabs": [
            (other, reverse(url_name, args=[assessment.pk, other.code]), *progress.per_area.get(other.pk, (0, 0)))
            for other in areas
        ],
        "previous": areas[index - 1] if index > 0 else None,
        "next": areas[index + 1] if index + 1 < len(areas) else None,
        "url_name": url_name,
        "progress": progress,
        "revision": conflict.revision if conflict else assessment.revision,
        "conflict": conflict,
        "unresolved": unresolved,
        "show_expert": workflow.can_see_expert_answers(user, assessment),
        "autosave_url": reverse(
            "assessments:autosave" if side == SELF else "assessments:review-autosave", args=[assessment.pk]
        ),
    }
    return render(request, "assessments/area.html", context, status=status)


def _conflict_view(question, item, side):
    if item is None:
        return None
    prefix = "" if side == SELF else "expert_"
    return {
        "stored": describe(question, item.stored, prefix),
        "sent": describe(question, item.sent, prefix),
        "stored_comment": item.stored.get(f"{prefix}comment", ""),
        "sent_comment": item.sent.get(f"{prefix}comment", ""),
    }


@login_required
def area(request, pk, area_code):
    """The organisation's answers to one area: a form while the user may edit, else read-only."""
    assessment = _assessment_or_404(request, pk)
    if request.method == "POST":
        return _save_area(request, assessment, area_code, SELF)
    return _area_page(request, assessment, area_code, SELF)


@login_required
def review(request, pk, area_code):
    """The expert's answers beside the organisation's, one area at a time."""
    assessment = _assessment_or_404(request, pk)
    if not (workflow.can_review(request.user, assessment) or workflow.can_see_expert_answers(request.user, assessment)):
        raise workflow.NotAllowed(_("You may not review this assessment."))
    if request.method == "POST":
        return _save_area(request, assessment, area_code, EXPERT)
    return _area_page(request, assessment, area_code, EXPERT)


def _save_area(request, assessment, area_code, side):
    """The Save button: every question of the area, with the revision the page was opened at. A conflict shows
    the page again with the user's values kept and, per question, the stored answer beside theirs; the user
    chooses which to keep."""
    allowed = workflow.can_edit_answers if side == SELF else workflow.can_review
    if not allowed(request.user, assessment):
        raise workflow.NotAllowed(_("You may not change the answers of this assessment."))
    area = _area_or_404(_areas(assessment), area_code)
    answers = workflow.answers_by_question(assessment)
    questions = [q for q in workflow.methodology_questions(assessment) if q.area_id == area.pk]
    forms = {q.pk: AnswerForm(q, answers.get(q.pk), side, data=request.POST, files=request.FILES) for q in questions}
    unresolved = [
        int(pk)
        for pk in request.POST.getlist("conflict")
        if request.POST.get(f"resolve-{pk}") not in ("mine", "stored")
    ]
    if not all(form.is_valid() for form in forms.values()) or unresolved:
        return _area_page(request, assessment, area_code, side, forms=forms, unresolved=unresolved)
    keep_stored = {int(pk) for pk in request.POST.getlist("conflict") if request.POST.get(f"resolve-{pk}") == "stored"}
    values = {pk: form.values() for pk, form in forms.items() if pk not in keep_stored}
    try:
        revision = int(request.POST.get("revision", -1))
    except ValueError:
        revision = -1
    try:
        if side == SELF:
            files = {pk: form.uploaded_file for pk, form in forms.items() if form.uploaded_file is not None}
            files = {pk: upload for pk, upload in files.items() if pk not in keep_stored}
            workflow.save_answers(assessment, values, request.user, revision, files)
        else:
            workflow.save_expert_answers(assessment, values, request.user, revision)
    except workflow.Conflict as conflict:
        return _area_page(request, assessment, area_code, side, forms=forms, conflict=conflict, status=409)
    messages.success(request, _("The answers were saved."))
    areas = _areas(assessment)
    target = area
    index = areas.index(area)
    if "next" in request.POST and index + 1 < len(areas):
        target = areas[index + 1]
    elif "previous" in request.POST and index > 0:
        target = areas[index - 1]
    elif "finish" in request.POST:
        return redirect("assessments:detail", pk=assessment.pk)
    return redirect(
        "assessments:area" if side == SELF else "assessments:review", pk=assessment.pk, area_code=target.code
    )


# --- autosave (JSON) -----------------------------------------------------------------------------------------------


def _json_error(message, status, **extra):
    return JsonResponse({"error": message, **extra}, status=status)


@login_required
@require_POST
def autosave(request, pk, side=SELF):
    """Save the answers a script sends: {"revision": n, "answers": {"<question id>": {"options": [ids],
    "number": "1.5", "text": "", "not_applicable": false, "evidence_url": "", "comment": ""}}}.

    200 {"revision", "saved", "progress"}; 400 {"errors": {question id: [messages]}}; 403 when the user may not
    (or no longer may) change them; 409 {"conflicts": [...], "revision"} when the save was based on an older
    revision and a sent answer differs from the stored one: each conflict carries both answers."""
    assessment = _assessment_or_404(request, pk)
    allowed = workflow.can_edit_answers if side == SELF else workflow.can_review
    if not allowed(request.user, assessment):
        return _json_error(_("This assessment can no longer be changed here."), 403)
    try:
        payload = json.loads(request.body or b"{}")
        revision = int(payload["revision"])
        sent = {int(key): value for key, value in (payload.get("answers") or {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return _json_error(_("The request is not a valid autosave."), 400)
    questions = {q.pk: q for q in workflow.methodology_questions(assessment).filter(pk__in=list(sent))}
    values, errors = {}, {}
    for question_pk, answer in sent.items():
        question = questions.get(question_pk)
        if question is None:
            errors[str(question_pk)] = [_("This question is not part of this assessment.")]
            continue
        form = AnswerForm(question, side=side, data=json_to_form_data(question, answer, side))
        if form.is_valid():
            values[question_pk] = {name: value for name, value in form.values().items()}
        else:
            errors[str(question_pk)] = [message for messages_ in form.errors.values() for message in messages_]
    if errors:
        return JsonResponse({"errors": errors, "revision": assessment.revision}, status=400)
    try:
        if side == SELF:
            workflow.save_answers(assessment, values, request.user, revision)
        else:
            workflow.save_expert_answers(assessment, values, request.user, revision)
    except workflow.Conflict as conflict:
        return JsonResponse(
            {"conflicts": [_conflict_json(item, side) for item in conflict.items], "revision": conflict.revision},
            status=409,
        )
    except workflow.NotAllowed as error:
        return _json_error(str(error), 403)
    progress = workflow.progress(assessment)
    return JsonResponse(
        {
            "revision": assessment.revision,
            "saved": sorted(values),
            "saved_at": timezone.localtime().strftime("%H:%M:%S"),
            "progress": {
                "answered": progress.answered,
                "mandatory": progress.mandatory,
                "percent": progress.percent,
                "areas": {str(area_pk): list(counts) for area_pk, counts in progress.per_area.items()},
            },
        }
    )


def _conflict_json(item, side):
    prefix = "" if side == SELF else "expert_"
    question = item.question

    def plain(values):
        return {
            name.removeprefix(prefix): (str(value) if value is not None and name.endswith("number") else value)
            for name, value in values.items()
        }

    return {
        "question": question.pk,
        "code": question.code,
        "text": question.text,
        "area": question.area.name,
        "stored": plain(item.stored),
        "sent": plain(item.sent),
        "stored_display": describe(question, item.stored, prefix),
        "sent_display": describe(question, item.sent, prefix),
    }


# --- decisions -----------------------------------------------------------------------------------------------------


@login_required
@require_POST
def submit(request, pk):
    assessment = _assessment_or_404(request, pk)
    try:
        workflow.submit(assessment, request.user)
    except workflow.MissingAnswers as refused:
        context = _detail_context(request, assessment, missing=refused.missing)
        return render(request, "assessments/assessment_detail.html", context)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The assessment was submitted for review."))
    return redirect("assessments:detail", pk=assessment.pk)


@login_required
@require_POST
def return_assessment(request, pk):
    assessment = _assessment_or_404(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, assessment, return_form=form)
        return render(request, "assessments/assessment_detail.html", context)
    try:
        workflow.return_with_comments(assessment, request.user, form.cleaned_data["comment"])
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The assessment was returned to the organisation."))
    return redirect("assessments:detail", pk=assessment.pk)


@login_required
@require_POST
def approve(request, pk):
    assessment = _assessment_or_404(request, pk)
    form = ApproveForm(request.POST)
    form.is_valid()
    try:
        workflow.approve(assessment, request.user, form.cleaned_data.get("comment", ""))
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The assessment was approved and locked."))
    return redirect("assessments:detail", pk=assessment.pk)


@login_required
@require_POST
def reopen(request, pk):
    assessment = _assessment_or_404(request, pk)
    new = workflow.reopen(assessment, request.user)
    messages.success(request, _("Version %(version)d was opened for correction.") % {"version": new.version})
    return redirect("assessments:detail", pk=new.pk)


@login_required
@require_POST
def assign_reviewer(request, pk):
    assessment = _assessment_or_404(request, pk)
    form = ReviewerForm(request.POST)
    if form.is_valid():
        try:
            workflow.assign_reviewer(assessment, form.cleaned_data["reviewer"], request.user)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The reviewer was saved."))
    else:
        if not workflow.can_assign_reviewer(request.user, assessment):
            raise workflow.NotAllowed(_("Only the coordinator assigns reviewers."))
        messages.error(request, _("Choose an expert from the list."))
    return redirect("assessments:detail", pk=assessment.pk)


# --- an answer's history and evidence -----------------------------------------------------------------------------

HISTORY_FIELDS = (*SELF_FIELDS, "evidence_file", *EXPERT_FIELDS)


@login_required
def answer_history(request, pk, question_pk):
    """Who changed one answer, when and to what, across all versions of the assessment."""
    assessment = _assessment_or_404(request, pk)
    question = get_object_or_404(workflow.methodology_questions(assessment), pk=question_pk)
    show_expert = workflow.can_see_expert_answers(request.user, assessment)
    version_of = dict(workflow.versions(assessment).values_list("pk", "version"))
    records = list(workflow.answer_history(assessment, question))
    previous, changed = {}, {}
    for record in reversed(records):  # oldest first, to compare each with the one before it
        before = previous.get(record.id)
        changed[record.history_id] = [
            Answer._meta.get_field(name).verbose_name
            for name in HISTORY_FIELDS
            if before is None or getattr(before, name) != getattr(record, name)
            if show_expert or not name.startswith("expert_")
        ]
        previous[record.id] = record
    rows = [
        {
            "record": record,
            "version": version_of.get(record.assessment_id),
            "self_answer": describe(question, _values(record, SELF_FIELDS)),
            "expert_answer": describe(question, _values(record, EXPERT_FIELDS), "expert_")
            if show_expert and record.expert_answered
            else "",
            "changed": changed[record.history_id] if record.history_type == "~" else [],
        }
        for record in records
    ]
    return render(
        request,
        "assessments/answer_history.html",
        {"assessment": assessment, "question": question, "rows": rows, "show_expert": show_expert},
    )


@login_required
def evidence(request, pk, question_pk):
    """An evidence file, served only to those who may see the assessment."""
    assessment = _assessment_or_404(request, pk)
    answer = get_object_or_404(Answer, assessment=assessment, question_id=question_pk)
    if not answer.evidence_file:
        raise Http404
    return FileResponse(
        answer.evidence_file.open("rb"), as_attachment=True, filename=os.path.basename(answer.evidence_file.name)
    )
