from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
]

# Latvian pages have no prefix; English ones live under /en/.
urlpatterns += i18n_patterns(
    path("", include("accounts.urls")),
    path("", include("institutions.urls")),
    path("catalogue/", include("services.urls")),
    path("assessments/", include("assessments.urls")),
    path("plans/", include("workplans.urls")),
    path("vpvkac/", include("vpvkac.urls")),
    path("reports/", include("reports.urls")),
    path("transformation/", include("transformation.urls")),
    path("open/", include("reports.open_urls")),
    path("admin/", admin.site.urls),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    prefix_default_language=False,
)

# API addresses that match no route answer in JSON like the rest of the API (config/api.py; with DEBUG off, as in
# production, since DEBUG shows Django's own page).
handler404 = "config.api.page_not_found"

admin.site.site_header = "Pakalpojumu vides pārvaldība"
admin.site.site_title = "Pakalpojumu vides pārvaldība"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
