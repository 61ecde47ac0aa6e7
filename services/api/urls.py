from rest_framework.routers import SimpleRouter

from . import costing, views

# URL names carry an `api-` prefix so they never collide with the web pages' names.
router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="api-service")
router.register("life-situations", views.LifeSituationViewSet, basename="api-life-situation")
router.register("channels", views.ChannelViewSet, basename="api-channel")
router.register("service-figures", views.ServiceFigureViewSet, basename="api-service-figure")
router.register("service-costs", views.ServiceCostViewSet, basename="api-service-cost")
router.register("cost-figures", costing.CostFigureViewSet, basename="api-cost-figure")
router.register("cost-parameters", costing.CostParametersViewSet, basename="api-cost-parameters")
router.register("cost-recomputations", costing.CostRecomputationViewSet, basename="api-cost-recomputation")

urlpatterns = router.urls
