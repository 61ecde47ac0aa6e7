from rest_framework.routers import SimpleRouter

from . import views

# URL names carry an `api-` prefix so they never collide with the web pages' names.
router = SimpleRouter()
router.register("institutions", views.InstitutionViewSet, basename="api-institution")
router.register("municipalities", views.MunicipalityViewSet, basename="api-municipality")
router.register("planning-regions", views.PlanningRegionViewSet, basename="api-planning-region")

urlpatterns = router.urls
