"""Small pieces the network's pages share."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from config.exports import export_response, first_export

from ..models import ReportingPeriod


def render_page(request, template, context, status=200):
    return render(request, template, context, status=status)


def require_coordinator(user, message):
    if not user.is_coordinator:
        raise PermissionDenied(message)


def computed_periods():
    """The periods with stored network results, latest first."""
    return (
        ReportingPeriod.objects.filter(summary__isnull=False)
        .select_related("summary")
        .order_by("-last_day", "-first_day")
    )


__all__ = ["computed_periods", "export_response", "first_export", "render_page", "require_coordinator"]
