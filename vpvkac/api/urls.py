from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

# URL names carry an `api-vpvkac-` prefix so they never collide with the web pages' names.
router = SimpleRouter()
router.register("centres", views.CentreViewSet, basename="api-vpvkac-centre")
router.register("centre-contacts", views.ContactFigureViewSet, basename="api-vpvkac-centre-contact")
router.register("grants", views.GrantViewSet, basename="api-vpvkac-grant")
router.register("network-review", views.NetworkReviewViewSet, basename="api-vpvkac-network-review")

urlpatterns = [*router.urls, path("coverage/", views.CoverageView.as_view(), name="api-vpvkac-coverage")]
