"""Individual improvement plans (PVPP2027 P2.4): the items an institution plans against the gaps of its conformity
assessment (P2.3), carried out under the RV5 measures.

A gap (assessments/gaps.py) is a question rated below its target degree; an item addresses one or more of them.
The conformity methodology's four components map onto the three RV5 measures:

    K1 basic conditions → P5.1,  K2 service governance tasks → P5.1,
    K3 conditions for services → P5.2,  K4 capabilities and resources → P5.3

    addressed(gap) ⇔ some item of the plan version links the gap's question
    uncovered      = current gaps − addressed
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assessments.gaps import gaps as assessment_gaps
from assessments.gaps import latest_conformity_assessment
from institutions.scoping import can_edit_institution

from .models import ImprovementCategory, ImprovementItem, ImprovementPlan
from .scoping import can_edit_improvement_plan
from .workflow import NotAllowed, WorkflowError
from .workflow import submit as submit_for_review

# The conformity methodology's component codes (assessments/reference/conformity_pvpp2027.json).
CATEGORY_BY_COMPONENT = {
    "K1": ImprovementCategory.GOVERNANCE_TASKS,
    "K2": ImprovementCategory.GOVERNANCE_TASKS,
    "K3": ImprovementCategory.SERVICES,
    "K4": ImprovementCategory.CAPABILITIES,
}

# What an item made from a gap takes from the form rather than from the gap.
DEFAULT_FIELDS = ("deadline", "responsible_person", "funding_source", "planning_document", "planning_reference")
REQUIRED_DEFAULTS = ("deadline", "responsible_person", "funding_source")


def suggested_category(area):
    """The RV5 measure an item for a gap of this component falls under (the map above); P5.1 for any other."""
    return CATEGORY_BY_COMPONENT.get(area.code, ImprovementCategory.GOVERNANCE_TASKS)


def degree(value):
    """A degree as it is written: 2, not 2.00."""
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())


def suggested_action(gap):
    """“Raise K1.01 “…” from degree 1 to 3”: the gap's question and the step its item should reach."""
    return _("Raise %(code)s “%(question)s” from degree %(reached)s to %(target)s") % {
        "code": gap.question.code,
        "question": gap.question.text,
        "reached": degree(gap.reached),
        "target": degree(gap.target),
    }


@dataclass
class GapCoverage:
    """The institution's current gaps and which of them the plan version's items address."""

    assessment: object  # the conformity assessment the gaps come from, or None
    gaps: list = field(default_factory=list)
    addressed_ids: set = field(default_factory=set)  # question ids linked by the version's items

    @property
    def addressed(self):
        return [gap for gap in self.gaps if gap.question.pk in self.addressed_ids]

    @property
    def uncovered(self):
        return [gap for gap in self.gaps if gap.question.pk not in self.addressed_ids]

    def by_question(self):
        return {gap.question.pk: gap for gap in self.gaps}


def gap_coverage(institution, improvement_plan=None, user=None):
    """Gaps of the institution's latest counted conformity assessment and those the plan version addresses.
    With a `user`, only an assessment the user may read is used, and the expert's answers count only where the
    user may see them (as on the conformity gaps page)."""
    from assessments import workflow as assessment_workflow

    queryset = assessment_workflow.visible_assessments(user) if user is not None else None
    assessment = latest_conformity_assessment(institution, queryset)
    if assessment is None:
        found = []
    else:
        use_expert = user is None or assessment_workflow.can_see_expert_answers(user, assessment)
        found = assessment_gaps(assessment, use_expert=use_expert)
    addressed = set()
    if improvement_plan is not None:
        addressed = set(
            ImprovementItem.gaps.through.objects.filter(improvementitem__improvement_plan=improvement_plan).values_list(
                "question_id", flat=True
            )
        )
    return GapCoverage(assessment=assessment, gaps=found, addressed_ids=addressed)


def uncovered_gaps(improvement_plan, user=None):
    """The institution's current gaps that no item of this plan version addresses yet."""
    return gap_coverage(improvement_plan.institution, improvement_plan, user).uncovered


def latest_version(plan, institution, queryset=None):
    """The institution's newest improvement plan version for the plan, or None."""
    queryset = ImprovementPlan.objects.all() if queryset is None else queryset
    return queryset.filter(plan=plan, institution=institution).order_by("-version").first()


@transaction.atomic
def start_improvement_plan(user, plan, institution):
    """Version 1 of the institution's improvement plan, a draft based on its latest counted conformity
    assessment."""
    if not can_edit_institution(user, institution):
        raise NotAllowed
    if ImprovementPlan.objects.filter(plan=plan, institution=institution).exists():
        raise WorkflowError(_("The institution has an improvement plan for this plan already."))
    try:
        with transaction.atomic():
            return ImprovementPlan.objects.create(
                plan=plan,
                institution=institution,
                version=1,
                based_on=latest_conformity_assessment(institution),
                created_by=user,
            )
    except IntegrityError:
        # Someone else started it a moment ago.
        raise WorkflowError(_("The institution has an improvement plan for this plan already.")) from None


def _editable(user, improvement_plan):
    """The plan version locked for the change, once it is known the user may change it now."""
    locked = ImprovementPlan.objects.select_for_update().get(pk=improvement_plan.pk)
    if not can_edit_improvement_plan(user, locked):
        raise NotAllowed
    if not locked.is_editable:
        raise WorkflowError(_("Only a draft or a returned improvement plan can be changed."))
    return locked


def _next_order(improvement_plan):
    return (improvement_plan.items.aggregate(last=Max("order"))["last"] or 0) + 1


@transaction.atomic
def items_from_gaps(user, improvement_plan, gaps, defaults):
    """One item per gap: category from the gap's component, action “Raise … from degree X to Y”, the gap's
    question linked; deadline, responsible person, funding source (and any planning document) from `defaults`."""
    improvement_plan = _editable(user, improvement_plan)
    missing = [name for name in REQUIRED_DEFAULTS if not defaults.get(name)]
    if missing:
        raise ValueError(f"items_from_gaps needs {', '.join(missing)}")
    if not gaps:
        raise WorkflowError(_("Choose at least one gap."))
    if any(gap.institution.pk != improvement_plan.institution_id for gap in gaps):
        raise WorkflowError(_("A gap of another institution cannot be added to this plan."))
    shared = {name: defaults[name] for name in DEFAULT_FIELDS if defaults.get(name) is not None}
    order = _next_order(improvement_plan)
    items = []
    for offset, gap in enumerate(gaps):
        item = ImprovementItem.objects.create(
            improvement_plan=improvement_plan,
            order=order + offset,
            category=suggested_category(gap.area),
            action=suggested_action(gap),
            **shared,
        )
        item.gaps.add(gap.question)
        items.append(item)
    return items


@transaction.atomic
def save_item(user, improvement_plan, item, gaps):
    """Adds `item` (unsaved) to the plan version or saves its changes, with the gaps it addresses."""
    improvement_plan = _editable(user, improvement_plan)
    if item.pk is None:
        item.improvement_plan = improvement_plan
        item.order = _next_order(improvement_plan)
    elif item.improvement_plan_id != improvement_plan.pk:
        raise WorkflowError(_("The item belongs to another improvement plan."))
    item.save()
    item.gaps.set(gaps)
    return item


@transaction.atomic
def delete_item(user, item):
    _editable(user, item.improvement_plan)
    item.delete()


@transaction.atomic
def submit_improvement_plan(user, improvement_plan):
    """Draft or returned → submitted, once the version has at least one item."""
    improvement_plan = _editable(user, improvement_plan)
    if not improvement_plan.items.exists():
        raise WorkflowError(_("Add at least one item before submitting the improvement plan."))
    return submit_for_review(user, improvement_plan)
