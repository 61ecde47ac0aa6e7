"""Addresses of the dashboards; config/urls.py includes them under reports/ in the "reports" namespace."""

from django.urls import include, path

from . import audit_views, views

app_name = "reports"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("profiles/", views.open_profile, name="open-profile"),
    path("institutions/<int:pk>/", views.institution_profile, name="institution-profile"),
    path("institutions/<int:pk>/pdf/", views.institution_profile_pdf, name="institution-profile-pdf"),
    path("municipalities/<int:pk>/", views.municipality_profile, name="municipality-profile"),
    path("municipalities/<int:pk>/pdf/", views.municipality_profile_pdf, name="municipality-profile-pdf"),
    path("compare/", views.compare, name="compare"),
    path("centre/", include("reports.report_urls")),
    path("audit/", audit_views.audit_trail, name="audit"),
]
