from django.urls import path, register_converter

from . import plan_views


class PlanCodeConverter:
    """A plan's code. The words of the app's other rooms (institutions/, reports/, board/, overdue/) are never
    taken as a plan code, so "<code>/" does not swallow their pages; Django goes on to the next pattern."""

    regex = "[^/]+"
    reserved = frozenset({"board", "overdue", "institutions", "reports"})

    def to_python(self, value):
        if value in self.reserved:
            raise ValueError(value)
        return value

    def to_url(self, value):
        return value


register_converter(PlanCodeConverter, "plancode")

# The fixed words first: a plan code is never one of them.
urlpatterns = [
    path("", plan_views.plan_list, name="plan-list"),
    path("board/", plan_views.board, name="board"),
    path("overdue/", plan_views.overdue, name="overdue"),
    path("<plancode:code>/", plan_views.plan_detail, name="plan-detail"),
    path("<plancode:code>/roadmap/", plan_views.roadmap_view, name="roadmap"),
    path("<plancode:code>/matrix/", plan_views.obligation_matrix_view, name="obligation-matrix"),
    path("<plancode:code>/measures/<str:measure_code>/", plan_views.measure_detail, name="measure-detail"),
]
