"""Addresses of the results pages, included under assessments/results/ by assessments/urls.py."""

from django.urls import path

from . import results_views

results_urlpatterns = [
    path("<int:pk>/", results_views.organisation_results, name="results"),
    path("<int:pk>/pdf/", results_views.organisation_results_pdf, name="results-pdf"),
    path("rounds/<int:pk>/", results_views.round_results, name="round-results"),
    path("rounds/<int:pk>/pdf/", results_views.round_results_pdf, name="round-results-pdf"),
]
