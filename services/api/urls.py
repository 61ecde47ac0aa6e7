from rest_framework.routers import SimpleRouter

from . import views

# URL names carry an `api-` prefix so they never collide with the web pages' names.
router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="api-service")
router.register("life-situations", views.LifeSituationViewSet, basename="api-life-situation")
router.register("channels", views.ChannelViewSet, basename="api-channel")
router.register("service-figures", views.ServiceFigureViewSet, basename="api-service-figure")
router.register("service-costs", views.ServiceCostViewSet, basename="api-service-cost")

urlpatterns = router.urls
