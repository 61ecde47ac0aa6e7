from django.urls import path

from . import report_views

# Mounted at plans/reports/ in the "workplans" namespace (workplans/urls.py).
urlpatterns = [
    path("", report_views.report_list, name="report-list"),
    path("new/", report_views.report_request, name="report-request"),
    path("annex2/", report_views.annex2_import, name="annex2-import"),
    path("annex2/template.xlsx", report_views.annex2_template, name="annex2-template"),
    path("<int:pk>/", report_views.report_detail, name="report-detail"),
    path("<int:pk>/status/", report_views.report_status, name="report-status"),
    path("<int:pk>/<str:fmt>/", report_views.report_download, name="report-download"),
]
