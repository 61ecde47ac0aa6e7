from rest_framework.routers import SimpleRouter

from . import views

# URL names carry an `api-` prefix so they never collide with the web pages' names.
router = SimpleRouter()
router.register("transformation-projects", views.ProjectViewSet, basename="api-transformation-project")
router.register("measurements", views.MeasurementViewSet, basename="api-measurement")
router.register("result-indicators", views.ResultIndicatorViewSet, basename="api-result-indicator")
router.register("oversight-decisions", views.OversightDecisionViewSet, basename="api-oversight-decision")
router.register("shared-components", views.SharedComponentViewSet, basename="api-shared-component")
router.register("service-reviews", views.ServiceReviewViewSet, basename="api-service-review")

urlpatterns = router.urls
