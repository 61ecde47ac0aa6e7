from django.urls import include, path

app_name = "workplans"

# Three rooms: the plans themselves (browse, roadmap, board), what institutions owe and report, and the
# generated execution reports and the Annex 2 import.
urlpatterns = [
    path("", include("workplans.plan_urls")),
    path("institutions/", include("workplans.institution_urls")),
    path("reports/", include("workplans.report_urls")),
]
