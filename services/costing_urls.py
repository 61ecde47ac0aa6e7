"""Addresses of the cost figure pages (services/costing_views.py). services/urls.py includes them under
catalogue/costs/, in the "services" namespace, before the catalogue's catch-all service identifiers."""

from django.urls import path

from . import costing_views

costing_urlpatterns = [
    path("", costing_views.cost_overview, name="cost-overview"),
    path("service/<str:catalogue_id>/", costing_views.service_costs, name="cost-service"),
    path("institution/<int:pk>/", costing_views.institution_costs, name="cost-provider"),
    path("outliers/", costing_views.outliers, name="cost-outliers"),
    path("channel-shift/", costing_views.channel_shift, name="cost-channel-shift"),
    path("parameters/", costing_views.parameters, name="cost-parameters"),
    path("recomputations/", costing_views.recomputations, name="cost-recomputations"),
    path("recomputations/<int:pk>/status/", costing_views.recomputation_status, name="cost-recomputation-status"),
]
