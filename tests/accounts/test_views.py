import csv
import io
import re

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Role, User
from tests.factories import PASSWORD, InstitutionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Jauna-parole-2026!"


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR, first_name="Kārlis", last_name="Koordinators")


@pytest.fixture
def institutions():
    return InstitutionFactory(name_lv="Alfa aģentūra"), InstitutionFactory(name_lv="Beta dienests")


def invite(client, institutions, **overrides):
    data = {
        "email": "Anna.Berzina@example.lv",
        "first_name": "Anna",
        "last_name": "Bērziņa",
        "role": Role.EDITOR,
        "institutions": [institution.pk for institution in institutions],
        "can_edit": "on",
        **overrides,
    }
    return client.post(reverse("user-invite"), data)


def link_in(message):
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


# --- invitations ---------------------------------------------------------------------------------


def test_invitation_creates_user_memberships_and_sends_a_link(client, coordinator, institutions):
    client.force_login(coordinator)

    response = invite(client, institutions)

    invitee = User.objects.get(email="Anna.Berzina@example.lv")
    assert response.status_code == 302
    assert response.url == reverse("user-memberships", args=[invitee.pk])
    assert invitee.username == "anna.berzina@example.lv"
    assert invitee.role == Role.EDITOR and invitee.is_active
    assert not invitee.has_usable_password()
    assert set(Membership.objects.filter(user=invitee).values_list("institution__name_lv", "can_edit")) == {
        ("Alfa aģentūra", True),
        ("Beta dienests", True),
    }
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Anna.Berzina@example.lv"]
    assert "Alfa aģentūra" in message.body
    assert "/accounts/reset/" in link_in(message)


def test_invitation_link_lets_the_invitee_set_a_password_once(client, coordinator, institutions):
    client.force_login(coordinator)
    invite(client, institutions)
    client.logout()
    link = link_in(mail.outbox[0])

    # Django's confirm view swaps the token for a session marker and redirects to the form.
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    set_password = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    reused = client.get(link, follow=True)

    invitee = User.objects.get(email="Anna.Berzina@example.lv")
    assert set_password.status_code == 302
    assert set_password.url == reverse("password_reset_complete")
    assert invitee.check_password(NEW_PASSWORD)
    assert not reused.context["validlink"]


def test_invitation_with_a_known_email_is_refused(client, coordinator, institutions):
    UserFactory(email="anna.berzina@example.lv")
    client.force_login(coordinator)

    response = invite(client, institutions)

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert len(mail.outbox) == 0


def test_editor_invitation_needs_an_institution(client, coordinator):
    client.force_login(coordinator)

    response = invite(client, [])

    assert "institutions" in response.context["form"].errors
    assert not User.objects.filter(email="Anna.Berzina@example.lv").exists()


def test_failed_mail_leaves_nothing_behind(client, coordinator, institutions, settings, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    client.force_login(coordinator)

    response = invite(client, institutions)

    assert response.status_code == 200
    assert not User.objects.filter(email="Anna.Berzina@example.lv").exists()
    assert not Membership.objects.filter(user__email="Anna.Berzina@example.lv").exists()


# --- coordinator only ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER, Role.EXPERT, Role.CENTRE_OPERATOR, Role.API_CLIENT])
def test_non_coordinators_get_403_on_user_management(client, institutions, role):
    user = UserFactory(role=role, member_of=[institutions[0]])
    client.force_login(user)

    assert client.get(reverse("user-list")).status_code == 403
    assert client.get(reverse("user-list"), {"_export": "csv"}).status_code == 403
    assert client.get(reverse("user-invite")).status_code == 403
    assert invite(client, institutions).status_code == 403
    assert client.get(reverse("user-memberships", args=[user.pk])).status_code == 403
    assert client.post(
        reverse("user-memberships", args=[user.pk]), {"action": "add", "institution": institutions[1].pk}
    ).status_code == 403
    assert not User.objects.filter(email="Anna.Berzina@example.lv").exists()
    assert user.memberships.count() == 1
    assert len(mail.outbox) == 0


def test_anonymous_user_is_sent_to_log_in_from_user_management(client):
    response = client.get(reverse("user-invite"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_403_page_is_ours(client, institutions):
    client.force_login(UserFactory(role=Role.EDITOR))
    response = client.get(reverse("user-list"))
    assert "error-page" in response.content.decode()


# --- user list and memberships -----------------------------------------------------------------------


def test_user_list_shows_roles_and_memberships_and_exports(client, coordinator, institutions):
    editor = UserFactory(username="editor-a", role=Role.EDITOR)
    MembershipFactory(user=editor, institution=institutions[0], can_edit=True)
    client.force_login(coordinator)

    page = client.get(reverse("user-list")).content.decode()
    csv_rows = list(csv.reader(io.StringIO(client.get(reverse("user-list"), {"_export": "csv"}).content.decode())))
    xlsx = client.get(reverse("user-list"), {"_export": "xlsx"})
    xlsx_rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))

    assert "editor-a" in page and "Alfa aģentūra" in page
    editor_row = next(row for row in csv_rows if row[0] == "editor-a")
    assert institutions[0].short_name in editor_row[4]
    assert len(xlsx_rows) == 1 + 2  # header, the coordinator and the editor


def test_coordinator_adds_and_removes_memberships(client, coordinator, institutions):
    editor = UserFactory(role=Role.EDITOR, member_of=[institutions[0]])
    client.force_login(coordinator)
    url = reverse("user-memberships", args=[editor.pk])

    added = client.post(url, {"action": "add", "institution": institutions[1].pk})
    assert added.status_code == 302
    assert set(editor.memberships.values_list("institution", "can_edit")) == {
        (institutions[0].pk, True),
        (institutions[1].pk, False),  # the check box was not sent
    }

    membership = editor.memberships.get(institution=institutions[0])
    removed = client.post(url, {"action": "remove", "membership": membership.pk})
    assert removed.status_code == 302
    assert list(editor.memberships.values_list("institution", flat=True)) == [institutions[1].pk]


def test_adding_a_duplicate_membership_is_refused(client, coordinator, institutions):
    editor = UserFactory(role=Role.EDITOR, member_of=[institutions[0]])
    client.force_login(coordinator)

    response = client.post(
        reverse("user-memberships", args=[editor.pk]), {"action": "add", "institution": institutions[0].pk}
    )

    assert response.status_code == 200
    assert "institution" in response.context["form"].errors
    assert editor.memberships.count() == 1


def test_removing_another_users_membership_is_404(client, coordinator, institutions):
    editor = UserFactory(role=Role.EDITOR)
    other = MembershipFactory(institution=institutions[0])
    client.force_login(coordinator)

    response = client.post(
        reverse("user-memberships", args=[editor.pk]), {"action": "remove", "membership": other.pk}
    )

    assert response.status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()


def test_invitation_can_be_sent_again_until_a_password_is_set(client, coordinator, institutions):
    client.force_login(coordinator)
    invite(client, institutions)
    invitee = User.objects.get(email="Anna.Berzina@example.lv")

    client.post(reverse("user-memberships", args=[invitee.pk]), {"action": "resend"})
    assert len(mail.outbox) == 2

    invitee.set_password(NEW_PASSWORD)
    invitee.save()
    client.post(reverse("user-memberships", args=[invitee.pk]), {"action": "resend"})
    assert len(mail.outbox) == 2


# --- own password ----------------------------------------------------------------------------------


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("password_change"))
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    user.refresh_from_db()
    assert page.status_code == 200
    assert response.url == reverse("password_change_done")
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_sends_a_working_link(client):
    user = UserFactory(email="janis@example.lv")

    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": "janis@example.lv"})
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1

    form_page = client.get(link_in(mail.outbox[0]), follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
