"""Draft → submitted → approved, or returned with a comment: the review cycle of progress updates, indicator
actuals and individual improvement plans (issue 6 "Progress updates"). History is kept by simple-history on every
model; a returned update is corrected and submitted again, an approved one is final.

Approving a progress update writes its status and evidence to the obligation (or measure) it reports on; an
indicator's actual for a year is its latest approved report (domain brief §3 "Plans").
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    FINAL_STATUSES,
    ImprovementPlan,
    IndicatorActual,
    MeasureStatus,
    Obligation,
    ProgressUpdate,
    ReviewStatus,
)
from .scoping import (
    can_edit_improvement_plan,
    can_edit_indicator_actual,
    can_edit_obligation,
    can_report_on_measure,
    indicator_reporting_institutions,
    is_reviewer,
)

EDITABLE = (ReviewStatus.DRAFT, ReviewStatus.RETURNED)
# The latest review first; a row without a review date (loaded, never reviewed here) counts as the oldest.
LATEST_REVIEW_FIRST = (F("reviewed_at").desc(nulls_last=True), "-pk")


class WorkflowError(Exception):
    """A step that the object's current status does not allow."""


class NotAllowed(PermissionDenied):
    pass


def _lock(obj):
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def may_report(user, obj):
    """The reporting side of a progress update, an indicator actual or an improvement plan, whatever its review
    status."""
    if isinstance(obj, ProgressUpdate):
        if obj.obligation_id:
            return can_edit_obligation(user, obj.obligation)
        return can_report_on_measure(user, obj.measure)
    if isinstance(obj, IndicatorActual):
        return can_edit_indicator_actual(user, obj)
    if isinstance(obj, ImprovementPlan):
        return can_edit_improvement_plan(user, obj)
    raise TypeError(type(obj))


def can_change(user, obj):
    """The reporting side may change a draft or a returned object."""
    return obj.status in EDITABLE and may_report(user, obj)


def can_submit(user, obj):
    return can_change(user, obj)


def can_review(user, obj):
    return obj.status == ReviewStatus.SUBMITTED and is_reviewer(user)


# --- progress updates ---------------------------------------------------------------------------------------


@transaction.atomic
def start_update(user, *, obligation=None, measure=None, proposed_status, evidence="", links="", as_of=None):
    """A new draft update on an obligation (its institution's editor) or on a whole measure (an editor of a
    responsible institution, or the coordinator)."""
    if (obligation is None) == (measure is None):
        raise ValueError("An update reports on exactly one obligation or one measure.")
    if obligation is not None:
        if not can_edit_obligation(user, obligation):
            raise NotAllowed
        institution = obligation.institution
    else:
        if not can_report_on_measure(user, measure):
            raise NotAllowed
        institution = _reporting_institution(user, measure)
    return ProgressUpdate.objects.create(
        obligation=obligation,
        measure=measure,
        institution=institution,
        proposed_status=proposed_status,
        evidence=evidence,
        links=links,
        as_of=as_of or timezone.localdate(),
        created_by=user,
    )


def _reporting_institution(user, measure):
    """For a whole-measure update: the user's responsible institution, the lead one first; the coordinator
    reports as the measure's lead responsible institution."""
    from institutions.scoping import editable_institutions

    responsibilities = measure.responsibilities.select_related("institution").order_by("role", "pk")
    if not user.is_coordinator:
        responsibilities = responsibilities.filter(institution__in=editable_institutions(user).values("pk"))
    first = responsibilities.first()
    if first is None:
        raise WorkflowError(_("The measure has no responsible institution to report for."))
    return first.institution


@transaction.atomic
def edit_update(user, update, **fields):
    update = _lock(update)
    if not can_change(user, update):
        raise NotAllowed
    for name, value in fields.items():
        setattr(update, name, value)
    update.save()
    return update


@transaction.atomic
def submit(user, obj):
    """Draft or returned → submitted, by the reporting side."""
    obj = _lock(obj)
    if obj.status not in EDITABLE:
        raise WorkflowError(_("Only a draft or a returned report can be submitted."))
    if not may_report(user, obj):
        raise NotAllowed
    obj.status = ReviewStatus.SUBMITTED
    obj.submitted_by = user
    obj.submitted_at = timezone.now()
    obj.save()
    return obj


@transaction.atomic
def return_for_correction(user, obj, comment):
    """Submitted → returned, with the coordinator's comment saying what to correct."""
    obj = _lock(obj)
    if not is_reviewer(user):
        raise NotAllowed
    if obj.status != ReviewStatus.SUBMITTED:
        raise WorkflowError(_("Only a submitted report can be returned."))
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError(_("Say what should be corrected."))
    obj.status = ReviewStatus.RETURNED
    obj.review_comment = comment
    obj.reviewed_by = user
    obj.reviewed_at = timezone.now()
    obj.save()
    return obj


@transaction.atomic
def approve(user, obj, comment=""):
    """Submitted → approved by the coordinator; an approved progress update is applied to its subject, an
    approved improvement plan supersedes nothing (earlier versions stay as they were)."""
    obj = _lock(obj)
    if not is_reviewer(user):
        raise NotAllowed
    if obj.status != ReviewStatus.SUBMITTED:
        raise WorkflowError(_("Only a submitted report can be approved."))
    obj.status = ReviewStatus.APPROVED
    obj.review_comment = (comment or "").strip()
    obj.reviewed_by = user
    obj.reviewed_at = timezone.now()
    obj.save()
    if isinstance(obj, ProgressUpdate):
        _apply_update(obj)
    return obj


def _apply_update(update):
    """The approved update's status and evidence become the obligation's (or the measure's) own."""
    if update.obligation_id:
        obligation = Obligation.objects.select_for_update().get(pk=update.obligation_id)
        obligation.status = update.proposed_status
        obligation.evidence = update.evidence
        if update.proposed_status != MeasureStatus.NOT_STARTED and obligation.started_on is None:
            obligation.started_on = update.as_of
        if update.proposed_status in FINAL_STATUSES:
            obligation.completed_on = max(update.as_of, obligation.started_on or update.as_of)
        else:
            obligation.completed_on = None
        obligation._change_reason = f"progress update #{update.pk}"
        obligation.save()
    else:
        measure = update.measure
        measure.status = update.proposed_status
        measure.evidence_lv = update.evidence
        measure._change_reason = f"progress update #{update.pk}"
        measure.save()


# --- indicator actuals ----------------------------------------------------------------------------------------


@transaction.atomic
def report_actual(user, indicator, institution, year, **values):
    """A draft actual of an indicator for a year, reported for an institution responsible for the indicator's
    measure (or action line) that the user may edit for; the coordinator for any institution."""
    if not indicator_reporting_institutions(user, indicator).filter(pk=institution.pk).exists():
        raise NotAllowed
    return IndicatorActual.objects.create(
        indicator=indicator, institution=institution, year=year, created_by=user, **values
    )


def actual_for(indicator, year):
    """The indicator's actual for the year: its latest approved report, or None."""
    return indicator.actuals.filter(year=year, status=ReviewStatus.APPROVED).order_by(*LATEST_REVIEW_FIRST).first()


# --- improvement plans -------------------------------------------------------------------------------------------


@transaction.atomic
def new_improvement_plan_version(user, improvement_plan):
    """A new draft version of an approved (or submitted) plan with copies of its items, for changes after
    approval; the earlier version stays as it was."""
    # Locked first, so that a second request waits and then sees the version the first one made.
    improvement_plan = _lock(improvement_plan)
    if not can_edit_improvement_plan(user, improvement_plan):
        raise NotAllowed
    if improvement_plan.status in EDITABLE:
        raise WorkflowError(_("This version can still be changed; no new version is needed."))
    latest = (
        ImprovementPlan.objects.filter(plan=improvement_plan.plan, institution=improvement_plan.institution)
        .order_by("-version")
        .first()
    )
    if latest.pk != improvement_plan.pk:
        raise WorkflowError(_("A newer version exists already."))
    copy = ImprovementPlan.objects.create(
        plan=improvement_plan.plan,
        institution=improvement_plan.institution,
        version=latest.version + 1,
        based_on=improvement_plan.based_on,
        summary=improvement_plan.summary,
        created_by=user,
    )
    for item in improvement_plan.items.prefetch_related("gaps"):
        gaps = list(item.gaps.all())
        item.pk = None
        item.improvement_plan = copy
        # Without the old item's prefetched gaps: set() would read them as the copy's and add nothing.
        item._prefetched_objects_cache = {}
        item.save()
        item.gaps.add(*gaps)
    return copy
