"""Small pieces the transformation pages share."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from services.costing_views import export_response, first_export
from services.scoping import visible_services

from ..models import TransformationProject
from ..scoping import can_edit_project, is_coordinator, visible_projects


def require_coordinator(user, message):
    if not is_coordinator(user):
        raise PermissionDenied(message)


def visible_project(request, pk):
    """The project if the reader may see it; 404 otherwise, so another institution's project looks absent."""
    queryset = TransformationProject.objects.select_related("institution", "created_by")
    return get_object_or_404(visible_projects(request.user, queryset), pk=pk)


def editable_project(request, pk):
    """The project if the reader may change it: 404 outside their scope, 403 for a reader who may only see it."""
    project = visible_project(request, pk)
    if not can_edit_project(request.user, project):
        raise PermissionDenied
    return project


def service_filter_as_text(filterset, user, name="service"):
    """The filter form's service choice as a text field taking a catalogue identifier, checked against the
    services `user` may see: a select of the whole catalogue would be long, and would name services the reader
    may not see."""
    field = filterset.form.fields.get(name)
    if field is not None:
        field.queryset = visible_services(user)
        field.widget = forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"})
    return filterset


__all__ = [
    "editable_project",
    "export_response",
    "first_export",
    "require_coordinator",
    "service_filter_as_text",
    "visible_project",
]
