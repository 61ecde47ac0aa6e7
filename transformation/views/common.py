"""Small pieces the transformation pages share."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from config.exports import export_response, first_export
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


def render_form_page(request, template, form, **context):
    """A page with `form`: answered 400 when the form came back with errors, so the refusal is plain without
    reading the page."""
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


def add_or_remove_use(request, target, uses, make_form, *, added, removed, refused):
    """A component's use (by an institution or a project): the one of `uses` that `remove` names is deleted,
    otherwise the one the form from `make_form()` describes is added; a message says which (`added(use)`,
    `removed(use)`, or `refused` for an invalid form), and the reader goes back to `target`."""
    if request.POST.get("remove"):
        use = get_object_or_404(uses, pk=request.POST["remove"])
        use.delete()
        messages.success(request, removed(use))
        return redirect(target)
    form = make_form()
    if form.is_valid():
        use = form.save()
        messages.success(request, added(use))
    else:
        messages.error(request, refused)
    return redirect(target)


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
    "add_or_remove_use",
    "editable_project",
    "export_response",
    "first_export",
    "render_form_page",
    "require_coordinator",
    "service_filter_as_text",
    "visible_project",
]
