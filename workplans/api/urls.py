from rest_framework.routers import SimpleRouter

from . import views

# URL names carry an `api-` prefix so they never collide with the web pages' names.
router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="api-plan")
router.register("measures", views.MeasureViewSet, basename="api-measure")
router.register("indicators", views.IndicatorViewSet, basename="api-indicator")
router.register("obligations", views.ObligationViewSet, basename="api-obligation")
router.register("progress-updates", views.ProgressUpdateViewSet, basename="api-progress-update")
router.register("improvement-plans", views.ImprovementPlanViewSet, basename="api-improvement-plan")
router.register("improvement-items", views.ImprovementItemViewSet, basename="api-improvement-item")

urlpatterns = router.urls
