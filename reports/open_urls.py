"""The open data pages under /open/ (reports/open_views.py); the open API is in reports/api/."""

from django.urls import path

from . import open_views

app_name = "open_data"

# The JSON-LD documents first: the last pattern takes any data set's name and extension.
urlpatterns = [
    path("", open_views.catalogue, name="catalogue"),
    path("catalogue.jsonld", open_views.catalogue_jsonld, name="catalogue-jsonld"),
    path("cpsv.jsonld", open_views.cpsv_jsonld, name="cpsv"),
    path("<slug:dataset_id>/", open_views.dataset_page, name="dataset"),
    path("<slug:dataset_id>.<slug:extension>", open_views.download, name="download"),
]
