"""The institution side of the work plans, under /plans/institutions/: obligations, progress updates and their
review, implementation teams, improvement plans and indicator actuals."""

from django.urls import path

from . import institution_views as views

urlpatterns = [
    path("", views.institution_home, name="institution-home"),
    path("review/", views.review_queue_page, name="review-queue"),
    path("obligations/<int:pk>/", views.obligation_detail, name="obligation-detail"),
    path("measures/<int:measure_pk>/updates/new/", views.measure_update_new, name="measure-update-new"),
    path("updates/<int:pk>/", views.update_detail, name="update-detail"),
    path("indicators/<int:indicator_pk>/actuals/new/", views.indicator_actual_new, name="indicator-actual-new"),
    path("actuals/<int:pk>/", views.indicator_actual_detail, name="indicator-actual-detail"),
    path("improvement-items/<int:pk>/", views.improvement_item_edit, name="improvement-item-edit"),
    path("improvement-items/<int:pk>/delete/", views.improvement_item_delete, name="improvement-item-delete"),
    path("<int:institution_pk>/<str:plan_code>/", views.institution_obligations_page, name="institution-obligations"),
    path("<int:institution_pk>/<str:plan_code>/team/", views.team_edit, name="team-edit"),
    path(
        "<int:institution_pk>/<str:plan_code>/improvement-plan/",
        views.improvement_plan_page,
        name="improvement-plan",
    ),
    path(
        "<int:institution_pk>/<str:plan_code>/improvement-plan/items/new/",
        views.improvement_item_new,
        name="improvement-item-new",
    ),
]
