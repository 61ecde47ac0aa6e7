import pytest

from accounts.models import Role
from institutions.scoping import (
    can_edit_institution,
    can_view_institution,
    editable_institutions,
    scope_by_institution,
    visible_institutions,
)
from institutions.models import Institution
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory


@pytest.fixture
def two_institutions(db):
    return InstitutionFactory(short_name="A"), InstitutionFactory(short_name="B")


def test_editor_sees_and_edits_only_own_institution(two_institutions):
    a, b = two_institutions
    editor = UserFactory(role=Role.EDITOR)
    MembershipFactory(user=editor, institution=a)
    assert list(visible_institutions(editor)) == [a]
    assert list(editable_institutions(editor)) == [a]
    assert can_view_institution(editor, a) and not can_view_institution(editor, b)
    assert can_edit_institution(editor, a) and not can_edit_institution(editor, b)


def test_viewer_membership_never_grants_changes(two_institutions):
    a, _ = two_institutions
    viewer = UserFactory(role=Role.VIEWER)
    MembershipFactory(user=viewer, institution=a, can_edit=True)
    assert can_view_institution(viewer, a)
    assert not can_edit_institution(viewer, a)


def test_editor_with_read_only_membership_may_not_edit_it(two_institutions):
    a, b = two_institutions
    editor = UserFactory(role=Role.EDITOR)
    MembershipFactory(user=editor, institution=a)
    MembershipFactory(user=editor, institution=b, can_edit=False)
    assert set(visible_institutions(editor)) == {a, b}
    assert list(editable_institutions(editor)) == [a]


def test_coordinator_sees_and_edits_everything(two_institutions):
    coordinator = UserFactory(role=Role.COORDINATOR)
    assert visible_institutions(coordinator).count() == 2
    assert editable_institutions(coordinator).count() == 2


def test_anonymous_and_deactivated_users_see_nothing(two_institutions):
    from django.contrib.auth.models import AnonymousUser

    a, _ = two_institutions
    assert not visible_institutions(AnonymousUser()).exists()
    gone = UserFactory(role=Role.COORDINATOR, is_active=False)
    assert not visible_institutions(gone).exists()


def test_scope_by_institution_filters_related_rows(two_institutions):
    a, b = two_institutions
    editor = UserFactory(role=Role.EDITOR)
    MembershipFactory(user=editor, institution=a)
    # Memberships point at institutions through `institution`, like every scoped model will.
    from accounts.models import Membership

    MembershipFactory(institution=b)
    rows = scope_by_institution(editor, Membership.objects.all())
    assert {m.institution for m in rows} == {a}
    assert not scope_by_institution(editor, Institution.objects.filter(pk=b.pk), field="pk").exists()
