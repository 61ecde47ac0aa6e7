from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from .api import ObtainTokenView, PingView, SchemaView

urlpatterns = [
    path("ping/", PingView.as_view(), name="api-ping"),
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("institutions.api.urls")),
    path("", include("services.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("workplans.api.urls")),
    path("", include("vpvkac.api.urls")),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
