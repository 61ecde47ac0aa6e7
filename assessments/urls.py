from django.urls import include, path

from . import views
from .results_urls import results_urlpatterns

app_name = "assessments"

urlpatterns = [
    path("", views.home, name="home"),
    path("results/", include(results_urlpatterns)),
    path("gaps/", include("assessments.gaps_views")),
    path("rounds/new/", views.round_open, name="round-open"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("rounds/<int:pk>/rescore/", views.round_rescore, name="round-rescore"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/areas/<str:area_code>/", views.area, name="area"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/review/<str:area_code>/", views.review, name="review"),
    path("<int:pk>/review-autosave/", views.autosave, {"side": views.EXPERT}, name="review-autosave"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/return/", views.return_assessment, name="return"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/reviewer/", views.assign_reviewer, name="assign-reviewer"),
    path("<int:pk>/answers/<int:question_pk>/history/", views.answer_history, name="answer-history"),
    path("<int:pk>/answers/<int:question_pk>/evidence/", views.evidence, name="evidence"),
]
