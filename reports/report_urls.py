"""Addresses of the report centre; reports/urls.py includes them under centre/ in the "reports" namespace."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("", report_views.centre, name="centre"),
    path("request/", report_views.centre_request, name="centre-request"),
    path("schedules/", report_views.schedules, name="centre-schedules"),
    path("<int:pk>/", report_views.centre_detail, name="centre-detail"),
    path("<int:pk>/status/", report_views.centre_status, name="centre-status"),
    path("<int:pk>/download/<str:fmt>/", report_views.centre_download, name="centre-download"),
]
