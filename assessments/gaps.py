"""Conformity gaps (issue 5 "Conformity to improvement plan"): the conditions, tasks and capabilities an
institution's PVPP2027 conformity assessment rates below their target degree.

The assessment used is the institution's latest counted conformity assessment — the current version,
approved or submitted — of the latest round (round year, then the time it was opened). A question is a gap
when it has a target (`methodologies.target_points`: “Target degree: N” in its help text) and the answer that
counts is worth fewer points than the target:

    gap(q) ⇔ target(q) is set ∧ q is scored ∧ answer(q) is not “not applicable” ∧ P(q) < target(q)

P(q) as assessments/scoring.py defines it (the chosen option's points; multiple choice summed and capped; a
number's band); an unanswered question is worth 0. The answer that counts is the expert's where the expert
answered, else the organisation's; a reader who may not see the expert's answers yet is shown the gaps of the
organisation's own (`use_expert=False`).

The work-plans issue turns gaps into items of the institution's individual improvement plan: each Gap carries
what an item needs (the institution, the component, the question, the degree reached and the target). That
link is built with the workplans issue, when both exist.
"""

from dataclasses import dataclass
from decimal import Decimal

from .methodologies import target_points
from .models import BANDED_TYPES, CHOICE_TYPES, Answer, Assessment, Family, QuestionType
from .scoring import COUNTED_STATUSES


@dataclass
class Gap:
    assessment: Assessment
    question: object  # Question, with its area
    answer: Answer | None
    reached: Decimal  # points of the answer that counts (0 when unanswered)
    target: Decimal
    reached_label: str  # the chosen option's name, or the value; "" when unanswered
    by_expert: bool  # the expert's answer counts

    @property
    def area(self):
        """The component of PVPP2027 the question belongs to."""
        return self.question.area

    @property
    def institution(self):
        return self.assessment.institution

    @property
    def answered(self):
        return bool(self.reached_label)

    @property
    def shortfall(self):
        return self.target - self.reached


def latest_conformity_assessment(institution, queryset=None):
    """The institution's latest counted conformity assessment (approved or submitted current version), or None.
    `queryset` narrows the candidates, e.g. to what a user may see."""
    queryset = Assessment.objects.all() if queryset is None else queryset
    return (
        queryset.filter(
            institution=institution,
            is_current=True,
            status__in=COUNTED_STATUSES,
            round__methodology__family=Family.CONFORMITY,
        )
        .select_related("round__methodology", "institution")
        .order_by("-round__year", "-round__opened_at", "-round_id")
        .first()
    )


def _side(answer, use_expert):
    """The prefix of the answer that counts: the expert's where given (and visible), else the organisation's."""
    return "expert_" if use_expert and answer is not None and answer.expert_answered else ""


def counted_points(question, answer, use_expert=True):
    """(points, label) of the answer that counts; (None, "") when it is "not applicable" (no gap possible)."""
    if answer is None:
        return Decimal(0), ""
    prefix = _side(answer, use_expert)
    if question.allows_not_applicable and getattr(answer, f"{prefix}not_applicable"):
        return None, ""
    kind = question.question_type
    if kind in CHOICE_TYPES:
        return _choice_points(question, getattr(answer, f"{prefix}options") or [])
    if kind in BANDED_TYPES:
        return _band_points(question, getattr(answer, f"{prefix}number"))
    return Decimal(0), ""


def _choice_points(question, chosen):
    chosen_ids = {int(pk) for pk in chosen}
    options = [option for option in question.options.all() if option.pk in chosen_ids]
    if not options:
        return Decimal(0), ""
    label = "; ".join(option.name for option in options)
    if question.question_type != QuestionType.MULTIPLE:
        return max(option.points for option in options), label
    total = sum((option.points for option in options), Decimal(0))
    positive = sum((option.points for option in question.options.all() if option.points > 0), Decimal(0))
    cap = question.max_points if question.max_points is not None else positive
    return min(total, cap), label


def _band_points(question, value):
    if value is None:
        return Decimal(0), ""
    for band in question.bands.all():
        if band.lower <= value and (band.upper is None or value < band.upper):
            return band.points, str(value)
    return Decimal(0), str(value)


def gaps(assessment, use_expert=True):
    """Every question of `assessment` whose counted answer is worth fewer points than its target degree, in
    questionnaire order (the rule in the module docstring)."""
    from .workflow import methodology_questions

    questions = methodology_questions(assessment).prefetch_related("bands")
    answers = {answer.question_id: answer for answer in assessment.answers.all()}
    found = []
    for question in questions:
        target = target_points(question)
        if target is None or not question.is_scored:
            continue
        answer = answers.get(question.pk)
        reached, label = counted_points(question, answer, use_expert)
        if reached is None or reached >= target:
            continue
        found.append(
            Gap(
                assessment=assessment,
                question=question,
                answer=answer,
                reached=reached,
                target=target,
                reached_label=label,
                by_expert=bool(_side(answer, use_expert)),
            )
        )
    return found


def institution_gaps(institution, queryset=None, use_expert=True):
    """(assessment, gaps) of the institution's latest counted conformity assessment; (None, []) when it has
    none."""
    assessment = latest_conformity_assessment(institution, queryset)
    if assessment is None:
        return None, []
    return assessment, gaps(assessment, use_expert=use_expert)


__all__ = ["Gap", "counted_points", "gaps", "institution_gaps", "latest_conformity_assessment"]
