"""Who sees and changes which transformation rows (transformation/scoping.py): projects and their measurements by
institution membership; the national indicator library for everyone, own indicators by their institution;
decisions by the institutions they concern; components read by all; reviews by those who see the service."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from tests.factories import InstitutionFactory, UserFactory
from tests.services.factories import ServiceFactory
from tests.transformation.factories import (
    ComponentFactory,
    DecisionFactory,
    IndicatorFactory,
    MeasurementFactory,
    MemberFactory,
    ProjectFactory,
    ReviewFactory,
)
from transformation import scoping
from transformation.models import IndicatorScope

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    a, b = InstitutionFactory(), InstitutionFactory()
    return {
        "a": a,
        "b": b,
        "editor_a": UserFactory(member_of=[a]),
        "viewer_a": UserFactory(member_of=[a], role=Role.VIEWER),
        "coordinator": UserFactory(role=Role.COORDINATOR),
        "project_a": ProjectFactory(institution=a),
        "project_b": ProjectFactory(institution=b),
    }


def test_projects_and_what_hangs_off_them_follow_the_institution(two):
    measurement_a = MeasurementFactory(project=two["project_a"])
    MeasurementFactory(project=two["project_b"])
    member_a = MemberFactory(project=two["project_a"])
    MemberFactory(project=two["project_b"])
    editor, viewer = two["editor_a"], two["viewer_a"]
    assert list(scoping.visible_projects(editor)) == [two["project_a"]]
    assert list(scoping.visible_projects(viewer)) == [two["project_a"]]
    assert list(scoping.editable_projects(viewer)) == []
    assert scoping.can_edit_project(editor, two["project_a"]) and not scoping.can_edit_project(editor, two["project_b"])
    assert list(scoping.visible_measurements(editor)) == [measurement_a]
    assert list(scoping.visible_members(editor)) == [member_a]
    assert scoping.visible_projects(two["coordinator"]).count() == 2
    assert scoping.visible_projects(AnonymousUser()).count() == 0


def test_the_national_library_is_shared_and_own_indicators_are_not(two):
    library = IndicatorFactory(scope=IndicatorScope.LIBRARY)
    trend = IndicatorFactory(scope=IndicatorScope.TREND)
    own_a = IndicatorFactory(scope=IndicatorScope.INSTITUTION, owner_institution=two["a"])
    own_b = IndicatorFactory(scope=IndicatorScope.INSTITUTION, owner_institution=two["b"])
    retired = IndicatorFactory(active=False)
    assert set(scoping.visible_indicators(two["viewer_a"])) == {library, trend, own_a, retired}
    assert set(scoping.editable_indicators(two["editor_a"])) == {own_a}
    assert set(scoping.editable_indicators(two["viewer_a"])) == set()
    assert set(scoping.editable_indicators(two["coordinator"])) == {library, trend, own_a, own_b, retired}
    # a project measures the national indicators and its own institution's, active ones only
    assert set(scoping.project_indicators(two["project_a"])) == {library, trend, own_a}
    assert set(scoping.usable_indicators(two["viewer_a"], two["project_a"])) == set()
    assert scoping.indicator_scope_choices(two["editor_a"]) == [IndicatorScope.INSTITUTION]
    assert scoping.indicator_scope_choices(two["viewer_a"]) == []


def test_decisions_are_read_by_the_institutions_they_concern(two):
    service_a = ServiceFactory(holder=two["b"], providers=[two["b"], two["a"]])  # A provides B's service
    by_institution = DecisionFactory(institution=two["a"])
    by_service = DecisionFactory()
    by_service.services.set([service_a])
    by_project = DecisionFactory(project=two["project_a"])
    other = DecisionFactory(institution=two["b"])
    assert set(scoping.visible_decisions(two["viewer_a"])) == {by_institution, by_service, by_project}
    assert set(scoping.visible_decisions(two["coordinator"])) == {by_institution, by_service, by_project, other}
    assert not scoping.editable_decisions(two["editor_a"]).exists()
    assert scoping.editable_decisions(two["coordinator"]).count() == 4


def test_components_are_read_by_everyone_signed_in_and_changed_by_the_coordinator(two):
    component = ComponentFactory()
    assert list(scoping.visible_components(two["viewer_a"])) == [component]
    assert list(scoping.visible_components(AnonymousUser())) == []
    assert list(scoping.editable_components(two["editor_a"])) == []
    assert list(scoping.editable_components(two["coordinator"])) == [component]


def test_reviews_follow_the_service_and_are_recorded_by_the_holder(two):
    held_by_a = ServiceFactory(holder=two["a"])
    provided_by_a = ServiceFactory(holder=two["b"], providers=[two["b"], two["a"]])
    held_by_b = ServiceFactory(holder=two["b"])
    review_a = ReviewFactory(service=held_by_a)
    review_provided = ReviewFactory(service=provided_by_a)
    review_b = ReviewFactory(service=held_by_b)
    assert set(scoping.visible_reviews(two["viewer_a"])) == {review_a, review_provided}
    assert set(scoping.editable_reviews(two["editor_a"])) == {review_a}
    assert set(scoping.reviewable_services(two["editor_a"])) == {held_by_a}
    assert set(scoping.visible_reviews(two["coordinator"])) == {review_a, review_provided, review_b}
