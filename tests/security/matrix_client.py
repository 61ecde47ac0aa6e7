"""Requests of the permission matrix: one signed-in client per role over one world, and the outcome of a response
as a letter of matrix_types."""

from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse

from tests.security.matrix_types import (
    ALLOW,
    BAD_REQUEST,
    FORBIDDEN,
    GONE,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    SHOWS_OTHER,
)
from tests.security.world import OTHER_MARKS, ROLES


def role_clients(world):
    """A client per role. The API client sends its token on every request and is signed in as well, so that the
    pages' own scoping of that role is checked too, not only the API's."""
    clients = {}
    for role in ROLES:
        user = world.users[role]
        if role == "api_client":
            client = Client(headers={"Authorization": f"Token {world.tokens[role]}"})
        else:
            client = Client()
        if user is not None:
            client.force_login(user)
        clients[role] = client
    return clients


def _login_paths():
    paths = {reverse("login"), reverse("admin:login")}
    return paths | {"/en" + path for path in paths}


def _admin_index_paths():
    path = reverse("admin:index")
    return {path, "/en" + path}


def _shows_other(response):
    """True when a text answer (HTML, JSON, CSV) names one of B's rows. Files and PDFs are not read: their scoping is
    the page's that serves them."""
    if getattr(response, "streaming", False):
        return False
    kind = response.get("Content-Type", "")
    if not kind.startswith(("text/", "application/json", "application/ld+json", "application/vnd.oai")):
        return False
    body = response.content.decode("utf-8", "replace")
    return any(mark in body for mark in OTHER_MARKS)


def outcome(response):
    """The matrix letter of a response; an unexpected status (500, 429, ...) is returned as the number itself."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response["Location"]).path
        if target in _login_paths():
            return LOGIN
        # The admin sends a user asking for a row outside their queryset to its index ("does not exist").
        return GONE if target in _admin_index_paths() else ALLOW
    if 200 <= status < 300:
        return SHOWS_OTHER if _shows_other(response) else ALLOW
    return {
        400: BAD_REQUEST,
        401: LOGIN,
        403: FORBIDDEN,
        404: NOT_FOUND,
        405: NOT_ALLOWED,
    }.get(status, str(status))
