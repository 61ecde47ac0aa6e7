"""Which institutions a user may see and change: the one place that decides it.

Views, the admin, exports and the API all call these functions; none decides on its own.
Geography (planning regions, municipalities as territories) is reference data that every
signed-in user may read; the institutions themselves, and everything hanging off them, are
scoped by membership.
"""

from dataclasses import dataclass

from accounts.models import Role

from .models import Institution

# Roles whose memberships may grant changes (an API client's membership with `can_edit` is its write token).
WRITING_ROLES = (Role.EDITOR, Role.API_CLIENT)


def visible_institutions(user, queryset=None):
    """The institutions `user` may read: all for a coordinator, otherwise those of their memberships."""
    queryset = Institution.objects.all() if queryset is None else queryset
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(pk__in=user.memberships.values("institution_id"))


def editable_institutions(user, queryset=None):
    """The institutions `user` may change: all for a coordinator, else memberships with `can_edit` of an editor
    or a write-token API client."""
    queryset = Institution.objects.all() if queryset is None else queryset
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_coordinator:
        return queryset
    if user.role not in WRITING_ROLES:
        return queryset.none()
    return queryset.filter(pk__in=user.memberships.filter(can_edit=True).values("institution_id"))


def is_coordinator(user):
    """An active, signed-in coordinator (or superuser): every scope is the whole country."""
    return user is not None and user.is_authenticated and user.is_active and user.is_coordinator


def scope_by_institution(user, queryset, field="institution", editable=False):
    """Rows of any model whose `field` points at an institution, limited to what `user` may see (or change)."""
    allowed = editable_institutions(user) if editable else visible_institutions(user)
    if is_coordinator(user):
        return queryset
    return queryset.filter(**{f"{field}__in": allowed.values("pk")})


def can_view_institution(user, institution):
    return visible_institutions(user).filter(pk=institution.pk).exists()


def can_edit_institution(user, institution):
    return editable_institutions(user).filter(pk=institution.pk).exists()


@dataclass
class Related:
    """An institution named on another's page; `visible` says whether the reader may open it."""

    institution: Institution
    visible: bool


def related_entries(user, institutions):
    institutions = list(institutions)
    visible_ids = set(
        visible_institutions(user).filter(pk__in=[i.pk for i in institutions]).values_list("pk", flat=True)
    )
    return [Related(institution, institution.pk in visible_ids) for institution in institutions]
