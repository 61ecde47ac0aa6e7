"""The permission matrix: every URL pattern of the site (pages, the REST API, open data, the admin) × every role ×
an object of the user's own institution A and of the other institution B, against the table in
permission_matrix.py. A pattern without an entry fails, and so does an entry whose pattern is gone.

The world (world.py) is built once for the module inside a transaction that is rolled back at the end; each test
runs in its own savepoint on top of it, so an unsafe request that got through cannot leak into the next test.
"""

import json

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import URLResolver, get_resolver

from tests.security.matrix_client import outcome, role_clients
from tests.security.matrix_types import GONE, LOGIN, REFUSED
from tests.security.permission_matrix import ENTRIES, UNSAFE
from tests.security.world import ROLES, build_world

pytestmark = pytest.mark.django_db

# The matrix sends thousands of requests in a minute; the API's throttles (60 a minute for anonymous callers) are
# tested on their own in tests/test_openapi.py and elsewhere, not here.
UNTHROTTLED = override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
    }
)


def url_pattern_keys(resolver=None, prefix="", namespace=""):
    """Every URL pattern as the key the table uses: `namespace:name`, or `route:<full route>` for an unnamed one.
    The English variants under /en/ are the same patterns (i18n_patterns), so they are listed once."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_pattern_keys(pattern, prefix + str(pattern.pattern), inner)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name
        else:
            yield f"route:{prefix}{pattern.pattern}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
            clients = role_clients(built)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built, clients
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def test_every_url_pattern_has_an_entry():
    known = {entry.key for entry in ENTRIES}
    missing = sorted(set(url_pattern_keys()) - known)
    assert not missing, f"URL patterns without an entry in tests/security/permission_matrix.py: {missing}"


def test_every_entry_names_an_existing_url_pattern():
    existing = set(url_pattern_keys())
    stale = sorted(e.key for e in ENTRIES if e.key not in existing and not (e.debug_only and not settings.DEBUG))
    assert not stale, f"Entries of tests/security/permission_matrix.py naming no URL pattern: {stale}"


def test_every_entry_is_listed_once_with_a_letter_per_role():
    keys = [entry.key for entry in ENTRIES]
    assert len(keys) == len(set(keys)), sorted({key for key in keys if keys.count(key) > 1})
    bad = [e.key for e in ENTRIES if len(e.own) != len(ROLES) or (e.other and len(e.other) != len(ROLES))]
    assert not bad, f"rows need {len(ROLES)} letters ({', '.join(ROLES)}): {bad}"


def _get(client, url):
    # A savepoint per request: a GET that writes (a session, a lazily created row) leaves nothing behind.
    with transaction.atomic():
        response = client.get(url)
        transaction.set_rollback(True)
    return response


def _entries_present():
    existing = set(url_pattern_keys())
    return [entry for entry in ENTRIES if entry.key in existing]


@UNTHROTTLED
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("entry", _entries_present(), ids=lambda entry: entry.key)
def test_get_gives_the_expected_outcome(world, entry, role):
    built, clients = world
    seen, wanted = {}, {}
    for side in entry.sides(built):
        url = entry.url(built, side)
        seen[side] = f"{outcome(_get(clients[role], url))} ({url})"
        wanted[side] = f"{entry.expected(role, side)} ({url})"
    assert seen == wanted


@UNTHROTTLED
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("check", UNSAFE, ids=lambda check: f"{check.method} {check.key}")
def test_unsafe_request_changes_only_what_the_role_may_change(world, check, role):
    """B's row is never changed by anyone but the coordinator; A's row only by the roles in `allowed`. A refused
    request answers 401/403/404/405 (or sends an anonymous caller to log in) and leaves the row as it was."""
    built, clients = world
    for side in ("own", "other"):
        url = check.args.url(built, side, check.key)
        before = check.watch(built, side)
        body = check.data(built, side) if check.data else {}
        send = getattr(clients[role], check.method.lower())
        with transaction.atomic():
            if check.json:
                response = send(url, data=json.dumps(body), content_type="application/json")
            else:
                response = send(url, data=body)
            after = check.watch(built, side)
            transaction.set_rollback(True)
        may = role == "coordinator" or (side == "own" and role in check.allowed)
        if may:
            assert response.status_code < 400, f"{role} on {side}: {response.status_code} {url}"
            assert after != before, f"{role} on {side} was let through but nothing changed: {url}"
        else:
            # The admin answers a row outside the user's queryset with a redirect to its index (G).
            refused = response.status_code in REFUSED or outcome(response) in (LOGIN, GONE)
            assert refused, f"{role} on {side}: {response.status_code}, expected a refusal: {url}"
            assert after == before, f"{role} changed {side}'s row: {url}"
