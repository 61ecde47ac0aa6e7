"""Addresses of the VPVKAC network pages; config/urls.py includes them under vpvkac/ in the "vpvkac" namespace."""

from django.urls import path

from .views import centres, computations, costs, grants, network_map, operators, review

app_name = "vpvkac"

urlpatterns = [
    path("", network_map.map_page, name="map"),
    path("centres/", centres.CentreListView.as_view(), name="centre-list"),
    path("centres/<slug:code>/", centres.centre_detail, name="centre-detail"),
    path("centres/<slug:code>/day/", operators.day_entry, name="day-entry"),
    path("centres/<slug:code>/contacts/", operators.contact_export, name="contact-export"),
    path("costs/", costs.costs_page, name="costs"),
    path("review/", review.review_page, name="review"),
    path("parameters/", computations.parameters_page, name="parameters"),
    path("recomputations/", computations.recomputations_page, name="recomputations"),
    path("recomputations/<int:pk>/status/", computations.recomputation_status, name="recomputation-status"),
    path("grants/", grants.GrantListView.as_view(), name="grant-list"),
    path("grants/simulator/", grants.grant_simulator, name="grant-simulator"),
    path("imports/", operators.import_list, name="import-list"),
    path("imports/upload/", operators.import_upload, name="import-upload"),
    path("imports/template.csv", operators.import_template, name="import-template"),
    path("imports/<int:pk>/", operators.import_detail, name="import-detail"),
    path("imports/<int:pk>/status/", operators.import_status, name="import-status"),
    path("imports/<int:pk>/errors.csv", operators.import_errors, name="import-errors"),
]
