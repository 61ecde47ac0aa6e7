from django.urls import path

from . import views

# URL names carry an `api-open-` prefix so they never collide with the open data pages' names.
urlpatterns = [
    path("", views.OpenDataIndexView.as_view(), name="api-open-index"),
    *[
        path(f"{dataset_id}/", view.as_view(), name=f"api-open-{dataset_id}")
        for dataset_id, view in views.DATASET_VIEWS.items()
    ],
]
