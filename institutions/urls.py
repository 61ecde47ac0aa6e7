from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("institutions/", views.InstitutionListView.as_view(), name="institution-list"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution-detail"),
    path("municipalities/", views.MunicipalityListView.as_view(), name="municipality-list"),
    path("municipalities/<slug:code>/", views.municipality_detail, name="municipality-detail"),
    path("regions/", views.PlanningRegionListView.as_view(), name="region-list"),
    path("regions/<slug:code>/", views.region_detail, name="region-detail"),
]
