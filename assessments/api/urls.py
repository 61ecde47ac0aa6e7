from rest_framework.routers import SimpleRouter

from . import views

# URL names carry an `api-` prefix so they never collide with the web pages' names.
router = SimpleRouter()
router.register("methodologies", views.MethodologyViewSet, basename="api-methodology")
router.register("assessment-rounds", views.RoundViewSet, basename="api-assessment-round")
router.register("assessments", views.AssessmentViewSet, basename="api-assessment")

urlpatterns = router.urls
