"""The two derived flags of domain brief §2 for each institution."""

from django.db import transaction
from django.utils.translation import gettext as _


def governance_policy_applies(group):
    """Policy applies = the institution's Table 1 row (and the row above it) has a tick in column A."""
    if group is None:
        return False
    return group.policy_applies and (group.parent is None or group.parent.policy_applies)


def bound_by_round1(group, exclusion_category, round1_override=None, active_to=None):
    """Bound by the 1st-round work plan = Table 1 column B ∧ no §4.1.5 exclusion ∧ still active;
    an explicit override, recorded with its reason, wins."""
    if round1_override is not None:
        return round1_override
    if group is None or active_to is not None or exclusion_category:
        return False
    return group.workplan_round1 and (group.parent is None or group.parent.workplan_round1)


def apply_flags(institution):
    """Set the stored flags of one institution from its group, exclusion and override (no save)."""
    institution.governance_policy_applies = governance_policy_applies(institution.group)
    institution.bound_by_round1 = bound_by_round1(
        institution.group,
        institution.exclusion_category,
        institution.round1_override,
        institution.active_to,
    )
    return institution


@transaction.atomic
def recompute_institution_flags(queryset=None):
    """Recompute the stored flags of every institution (or of `queryset`); returns how many changed."""
    from .models import Institution

    queryset = Institution.objects.all() if queryset is None else queryset
    changed = []
    for institution in queryset.select_related("group__parent").only(
        "id",
        "group",
        "exclusion_category",
        "round1_override",
        "active_to",
        "governance_policy_applies",
        "bound_by_round1",
    ):
        before = (institution.governance_policy_applies, institution.bound_by_round1)
        apply_flags(institution)
        if (institution.governance_policy_applies, institution.bound_by_round1) != before:
            changed.append(institution)
    Institution.objects.bulk_update(changed, ["governance_policy_applies", "bound_by_round1"], batch_size=500)
    return len(changed)


def explain_flags(institution):
    """Why each derived flag has its value, following the rules of institutions/flags.py step by step."""
    group = institution.group
    if group is None:
        policy = _("No PVPP2027 Table 1 group is recorded for this institution.")
    elif not group.policy_applies:
        policy = _("Table 1 row %(code)s has no tick in column A.") % {"code": group.code}
    elif group.parent is not None and not group.parent.policy_applies:
        policy = _("The Table 1 row above it (%(code)s) has no tick in column A.") % {"code": group.parent.code}
    else:
        policy = _("Table 1 row %(code)s has a tick in column A: the service governance policy applies.") % {
            "code": group.code
        }
        if group.only_within_public_tasks:
            policy += " " + _("It applies only within the public tasks the institution performs.")

    if institution.round1_override is not None:
        round1 = _("Set by a recorded decision, whatever the Table 1 group says: %(reason)s") % {
            "reason": institution.round1_override_reason
        }
    elif group is None:
        round1 = _("No PVPP2027 Table 1 group is recorded for this institution.")
    elif institution.active_to is not None:
        round1 = _("The institution is no longer active.")
    elif institution.exclusion_category:
        round1 = _("Excluded by PVPP2027 §4.1.5: %(category)s.") % {
            "category": institution.get_exclusion_category_display()
        }
    elif not group.workplan_round1:
        round1 = _("Table 1 row %(code)s has no tick in column B.") % {"code": group.code}
    elif group.parent is not None and not group.parent.workplan_round1:
        round1 = _("The Table 1 row above it (%(code)s) has no tick in column B.") % {"code": group.parent.code}
    else:
        round1 = _("Table 1 row %(code)s has a tick in column B and no §4.1.5 exclusion applies.") % {
            "code": group.code
        }
    return [
        {"label": _("Governance policy applies"), "value": institution.governance_policy_applies, "reason": policy},
        {"label": _("Bound by the 1st-round work plan"), "value": institution.bound_by_round1, "reason": round1},
    ]
