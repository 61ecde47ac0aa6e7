import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db
def test_a_login_stamps_last_login_without_adding_an_empty_change_to_the_users_history(client):
    user = UserFactory()
    changes = user.history.count()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    assert user.history.count() == changes
    # A real change still has its history row.
    user.first_name = "Ilze"
    user.save()
    assert user.history.count() == changes + 1
