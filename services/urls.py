from django.urls import include, path

from . import views
from .costing_urls import costing_urlpatterns

app_name = "services"

# Fixed paths first: the last patterns take any catalogue identifier.
urlpatterns = [
    path("", views.ServiceListView.as_view(), name="service-list"),
    path("life-situations/", views.LifeSituationListView.as_view(), name="life-situation-list"),
    path("life-situations/<slug:code>/", views.life_situation_detail, name="life-situation-detail"),
    path("report/", views.report_home, name="report-home"),
    path("completeness/", views.completeness, name="completeness"),
]

try:
    from .bulk_views import bulk_urlpatterns
except ImportError:
    pass
else:
    urlpatterns += [path("imports/", include(bulk_urlpatterns))]

try:
    from .cpsv_views import cpsv_urlpatterns
except ImportError:
    pass
else:
    urlpatterns += cpsv_urlpatterns

urlpatterns += [path("costs/", include(costing_urlpatterns))]

urlpatterns += [
    path("<str:catalogue_id>/", views.service_detail, name="service-detail"),
    path(
        "<str:catalogue_id>/figures/<int:provider_id>/<int:year>/",
        views.figures_edit,
        name="figures-edit",
    ),
]
