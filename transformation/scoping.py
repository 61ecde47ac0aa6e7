"""Which transformation rows a user may see and change: the one place that decides it for transformation/.

- Projects, and what hangs off them (members, phases, measurements), follow the project's institution through
  institutions/scoping.py: the coordinator all, an institution's members their institution's projects.
- The indicator library and the national trend indicators are read by every signed-in user and changed by the
  coordinator; an institution's own indicators are read by its members and changed by its editors.
- Oversight decisions are the coordinator's to record and change; an institution's members read those about
  their institution, its services (held or provided) or its projects.
- Shared components are read by every signed-in user and changed by the coordinator.
- Service reviews are read by those who may see the service or the reviewing institution; the coordinator
  records any, the holder's editors record those of their services.
"""

from django.db.models import Exists, OuterRef, Q

from institutions.scoping import editable_institutions, scope_by_institution, visible_institutions
from services.scoping import editable_services, visible_services

from .models import (
    IndicatorScope,
    Measurement,
    OversightDecision,
    ProjectMember,
    ProjectPhase,
    ResultIndicator,
    ServiceReview,
    SharedComponent,
    TransformationProject,
)


def _signed_in(user):
    return user is not None and user.is_authenticated and user.is_active


def is_coordinator(user):
    return _signed_in(user) and user.is_coordinator


# --- projects ------------------------------------------------------------------------------------------------


def visible_projects(user, queryset=None, editable=False):
    """Projects of the institutions `user` may see (or, with `editable`, change)."""
    queryset = TransformationProject.objects.all() if queryset is None else queryset
    return scope_by_institution(user, queryset, editable=editable)


def editable_projects(user, queryset=None):
    return visible_projects(user, queryset, editable=True)


def can_view_project(user, project):
    return visible_projects(user).filter(pk=project.pk).exists()


def can_edit_project(user, project):
    return editable_projects(user).filter(pk=project.pk).exists()


def project_institutions(user):
    """Institutions `user` may start a project for."""
    return editable_institutions(user)


def visible_members(user, queryset=None, editable=False):
    queryset = ProjectMember.objects.all() if queryset is None else queryset
    return scope_by_institution(user, queryset, field="project__institution", editable=editable)


def visible_phases(user, queryset=None, editable=False):
    queryset = ProjectPhase.objects.all() if queryset is None else queryset
    return scope_by_institution(user, queryset, field="project__institution", editable=editable)


def visible_measurements(user, queryset=None, editable=False):
    queryset = Measurement.objects.all() if queryset is None else queryset
    return scope_by_institution(user, queryset, field="project__institution", editable=editable)


def editable_measurements(user, queryset=None):
    return visible_measurements(user, queryset, editable=True)


# --- indicators ----------------------------------------------------------------------------------------------

NATIONAL_SCOPES = (IndicatorScope.LIBRARY, IndicatorScope.TREND)


def visible_indicators(user, queryset=None):
    """The national library and trend indicators for every signed-in user; own indicators of the institutions
    the user may see."""
    queryset = ResultIndicator.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(
        Q(scope__in=NATIONAL_SCOPES) | Q(owner_institution__in=visible_institutions(user).values("pk"))
    )


def editable_indicators(user, queryset=None):
    """All indicators for the coordinator; an editor's own-institution indicators."""
    queryset = ResultIndicator.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(
        scope=IndicatorScope.INSTITUTION, owner_institution__in=editable_institutions(user).values("pk")
    )


def can_edit_indicator(user, indicator):
    return editable_indicators(user).filter(pk=indicator.pk).exists()


def indicator_owner_choices(user):
    """Institutions `user` may add own indicators for."""
    return editable_institutions(user)


def indicator_scope_choices(user):
    """The scopes `user` may create indicators in: the coordinator any, an editor only own ones."""
    if is_coordinator(user):
        return list(IndicatorScope)
    if indicator_owner_choices(user).exists():
        return [IndicatorScope.INSTITUTION]
    return []


def project_indicators(project):
    """Active indicators a project may be measured on: the national ones and its institution's own."""
    return ResultIndicator.objects.filter(active=True).filter(
        Q(scope__in=NATIONAL_SCOPES) | Q(owner_institution_id=project.institution_id)
    )


def usable_indicators(user, project):
    """project_indicators, when `user` may record the project's measurements; otherwise none."""
    if not can_edit_project(user, project):
        return ResultIndicator.objects.none()
    return project_indicators(project)


# --- oversight -----------------------------------------------------------------------------------------------


def visible_decisions(user, queryset=None):
    """All decisions for the coordinator; otherwise those about an institution the user may see, a service the
    user may see (held or provided by their institution), or a project the user may see."""
    queryset = OversightDecision.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    institutions = visible_institutions(user).values("pk")
    services = visible_services(user).values("pk")
    about_service = OversightDecision.services.through.objects.filter(
        oversightdecision_id=OuterRef("pk"), service_id__in=services
    )
    return queryset.filter(
        Q(institution__in=institutions) | Q(project__institution__in=institutions) | Exists(about_service)
    )


def editable_decisions(user, queryset=None):
    queryset = OversightDecision.objects.all() if queryset is None else queryset
    return queryset if is_coordinator(user) else queryset.none()


def can_edit_decisions(user):
    return is_coordinator(user)


def visible_components(user, queryset=None):
    queryset = SharedComponent.objects.all() if queryset is None else queryset
    return queryset if _signed_in(user) else queryset.none()


def editable_components(user, queryset=None):
    queryset = SharedComponent.objects.all() if queryset is None else queryset
    return queryset if is_coordinator(user) else queryset.none()


# --- reviews -------------------------------------------------------------------------------------------------


def visible_reviews(user, queryset=None):
    """Reviews of services the user may see, or made by an institution the user may see."""
    queryset = ServiceReview.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(
        Q(service__in=visible_services(user).values("pk"))
        | Q(reviewer_institution__in=visible_institutions(user).values("pk"))
    )


def reviewable_services(user):
    """Services `user` may record a review of: all for the coordinator, those their institutions hold."""
    return editable_services(user)


def editable_reviews(user, queryset=None):
    queryset = ServiceReview.objects.all() if queryset is None else queryset
    if not _signed_in(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    return queryset.filter(service__in=reviewable_services(user).values("pk"))


def reviewer_institutions(user):
    """Institutions `user` may record a review in the name of."""
    return editable_institutions(user)
