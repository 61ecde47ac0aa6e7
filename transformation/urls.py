"""Addresses of the service transformation pages; config/urls.py includes them under transformation/ in the
"transformation" namespace."""

from django.urls import path

from .views import components, indicators, measurements, oversight, projects, reviews

app_name = "transformation"

urlpatterns = [
    path("", projects.ProjectListView.as_view(), name="project-list"),
    path("projects/new/", projects.project_create, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project-edit"),
    path("projects/<int:pk>/group/", projects.group_edit, name="group-edit"),
    path("projects/<int:pk>/phases/", projects.phases_edit, name="phases-edit"),
    path("projects/<int:pk>/start/", projects.project_start, name="project-start"),
    path("projects/<int:pk>/close/", projects.project_close, name="project-close"),
    path("projects/<int:pk>/cancel/", projects.project_cancel, name="project-cancel"),
    path("projects/<int:pk>/components/", projects.project_component, name="project-component"),
    path("projects/<int:pk>/measurements/<slug:phase>/", measurements.measurements_edit, name="measurements"),
    path("projects/<int:pk>/evaluation.xlsx", projects.evaluation_file, {"fmt": "xlsx"}, name="evaluation-xlsx"),
    path("projects/<int:pk>/evaluation.pdf", projects.evaluation_file, {"fmt": "pdf"}, name="evaluation-pdf"),
    path("indicators/", indicators.IndicatorListView.as_view(), name="indicator-list"),
    path("indicators/new/", indicators.indicator_create, name="indicator-create"),
    path("indicators/<int:pk>/edit/", indicators.indicator_edit, name="indicator-edit"),
    path("reviews/", reviews.review_page, name="reviews"),
    path("reviews/new/", reviews.review_create, name="review-create"),
    path("decisions/", oversight.DecisionListView.as_view(), name="decision-list"),
    path("decisions/new/", oversight.decision_create, name="decision-create"),
    path("decisions/<int:pk>/", oversight.decision_detail, name="decision-detail"),
    path("decisions/<int:pk>/edit/", oversight.decision_edit, name="decision-edit"),
    path("decisions/<int:pk>/evidence/", oversight.decision_evidence, name="decision-evidence"),
    path("candidates/", oversight.candidate_list, name="candidates"),
    path("components/", components.ComponentListView.as_view(), name="component-list"),
    path("components/new/", components.component_create, name="component-create"),
    path("components/<slug:code>/", components.component_detail, name="component-detail"),
    path("components/<slug:code>/edit/", components.component_edit, name="component-edit"),
    path("components/<slug:code>/uses/", components.component_use, name="component-use"),
]
