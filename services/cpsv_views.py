"""CPSV-AP 3.2.0 JSON-LD of the catalogue (services/cpsv.py): one service, or every service the reader may see."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from .cpsv import catalogue_to_cpsv, cpsv_queryset, service_to_cpsv
from .scoping import visible_services

JSON_LD = "application/ld+json; charset=utf-8"


def _json_ld(document):
    return JsonResponse(document, content_type=JSON_LD, json_dumps_params={"ensure_ascii": False})


@login_required
def service_cpsv(request, catalogue_id):
    service = get_object_or_404(cpsv_queryset(visible_services(request.user)), catalogue_id=catalogue_id)
    return _json_ld(service_to_cpsv(service, request))


@login_required
def catalogue_cpsv(request):
    return _json_ld(catalogue_to_cpsv(visible_services(request.user), request))


# Included by services/urls.py (app_name "services").
cpsv_urlpatterns = [
    path("cpsv/", catalogue_cpsv, name="cpsv-catalogue"),
    path("<str:catalogue_id>/cpsv/", service_cpsv, name="cpsv-service"),
]
