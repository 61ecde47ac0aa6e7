from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from .api import ObtainTokenView, PingView, RevokeTokenView, SchemaView

urlpatterns = [
    path("ping/", PingView.as_view(), name="api-ping"),
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/token/revoke/", RevokeTokenView.as_view(), name="api-token-revoke"),
    path("", include("institutions.api.urls")),
    path("", include("services.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("workplans.api.urls")),
    path("", include("vpvkac.api.urls")),
    path("", include("transformation.api.urls")),
    path("open/", include("reports.api.urls")),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own, so no inline script is needed.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # ReDoc writes its styles into <style> elements and parses the schema in a worker made from a blob.
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema")
        ),
        name="api-redoc",
    ),
]
