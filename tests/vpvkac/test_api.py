"""The VPVKAC network's REST endpoints on the small network of test_pages.py ("net": centres X and Z of Alfas
novads, Y of Betas novads; an operator of X and one of Y; the 2024 figures, grants and settlements computed):
scoped reads, writes for the operator's own centre only, the bulk path's all-or-nothing rule, the review's
decisions and the coverage figures, and list endpoints whose number of queries does not grow with their rows."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import InstitutionFactory, UserFactory
from tests.vpvkac.factories import CentreFactory, ContactFigureFactory, GrantFactory
from tests.vpvkac.test_pages import net  # noqa: F401 (the fixture)
from vpvkac import network
from vpvkac.models import ContactFigure, GrantKind, NetworkReviewDecision

pytestmark = pytest.mark.django_db

API = "/api/v1"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def codes(response, key="code"):
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return sorted(row[key] if isinstance(row[key], str) else row[key]["code"] for row in rows)


# --- centres ------------------------------------------------------------------------------------------------------


def test_centres_are_scoped_and_filtered(net):  # noqa: F811
    assert codes(api(net["coordinator"]).get(f"{API}/centres/")) == ["x-centrs", "y-centrs", "z-centrs"]
    assert codes(api(net["operator_x"]).get(f"{API}/centres/")) == ["x-centrs"]
    coordinator = api(net["coordinator"])
    assert codes(coordinator.get(f"{API}/centres/", {"tier": "regional"})) == ["y-centrs"]
    assert codes(coordinator.get(f"{API}/centres/", {"municipality": "alfas-novads"})) == ["x-centrs", "z-centrs"]
    assert codes(coordinator.get(f"{API}/centres/", {"status": "closed"})) == []


def test_centre_detail_has_hours_and_desks_and_another_centre_is_not_found(net):  # noqa: F811
    client = api(net["operator_x"])
    assert client.get(f"{API}/centres/y-centrs/").status_code == 404
    body = client.get(f"{API}/centres/x-centrs/").json()
    assert body["tier"] == "local" and body["municipality"]["code"] == "alfas-novads"
    assert [desk["institution"] for desk in body["desks"]] == ["VID", "VZD"]
    assert body["desks"][1]["schedules"][0]["starts_at"] == "10:00:00"
    assert body["opening_hours"][0]["weekday"] == 0


# --- contact figures ----------------------------------------------------------------------------------------------


def test_contact_figures_are_scoped_and_filtered(net):  # noqa: F811
    rows = api(net["operator_x"]).get(f"{API}/centre-contacts/").json()["results"]
    assert sorted(row["count"] for row in rows) == [10, 20, 30]  # X's three figures, not Y's or Z's
    coordinator = api(net["coordinator"])
    everyone = coordinator.get(f"{API}/centre-contacts/").json()
    assert everyone["count"] == 5
    only_z = coordinator.get(f"{API}/centre-contacts/", {"centre": "z-centrs"}).json()["results"]
    assert [row["count"] for row in only_z] == [50]
    consultations = coordinator.get(f"{API}/centre-contacts/", {"contact_type": "consultation"}).json()["results"]
    assert [row["count"] for row in consultations] == [10]
    later = coordinator.get(f"{API}/centre-contacts/", {"date_from": "2024-03-05"}).json()["results"]
    assert [row["centre"] for row in later] == ["z-centrs"]


ROW = {"date": "2024-04-02", "hour": 9, "contact_type": "service", "staff_type": "municipal", "count": 4}


def test_an_operator_records_a_figure_of_their_own_centre_only(net):  # noqa: F811
    client = api(net["operator_x"])
    created = client.post(f"{API}/centre-contacts/", {**ROW, "centre": "x-centrs"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["source"] == "API"
    assert client.post(f"{API}/centre-contacts/", {**ROW, "centre": "y-centrs"}, format="json").status_code == 403
    duplicate = client.post(f"{API}/centre-contacts/", {**ROW, "centre": "x-centrs"}, format="json")
    assert duplicate.status_code == 400 and "PUT or PATCH" in duplicate.json()["non_field_errors"][0]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = client.post(f"{API}/centre-contacts/", {**ROW, "centre": "x-centrs", "date": tomorrow}, format="json")
    assert future.status_code == 400
    assert ContactFigure.objects.filter(date=date(2024, 4, 2)).count() == 1


def test_another_centres_figure_is_not_found_or_not_writable(net):  # noqa: F811
    figure = ContactFigure.objects.get(centre=net["x"], count=30)
    assert api(net["operator_y"]).patch(f"{API}/centre-contacts/{figure.pk}/", {"count": 1}).status_code == 404
    assert api(net["operator_y"]).delete(f"{API}/centre-contacts/{figure.pk}/").status_code == 404
    town_hall = InstitutionFactory(short_name="ALFA-P", institution_type="municipality", municipality=net["alfa"])
    staff = api(UserFactory(username="pasvaldiba", role=Role.VIEWER, member_of=[town_hall]))
    assert staff.get(f"{API}/centre-contacts/{figure.pk}/").status_code == 200
    assert staff.patch(f"{API}/centre-contacts/{figure.pk}/", {"count": 1}).status_code == 403
    assert staff.post(f"{API}/centre-contacts/", {**ROW, "centre": "x-centrs"}, format="json").status_code == 403
    owner = api(net["operator_x"])
    assert owner.patch(f"{API}/centre-contacts/{figure.pk}/", {"count": 31}, format="json").status_code == 200
    figure.refresh_from_db()
    assert figure.count == 31


def bulk_row(**values):
    return {
        "date": "2024-04-02",
        "hour": "9",
        "centre": "x-centrs",
        "contact_type": "service",
        "staff_type": "municipal",
        "client_type": "natural",
        "count": "5",
        **values,
    }


def test_bulk_upserts_by_natural_key(net):  # noqa: F811
    client = api(net["operator_x"])
    rows = [bulk_row(), bulk_row(hour="10", count="2")]
    assert client.post(f"{API}/centre-contacts/bulk/", rows, format="json").json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    again = [bulk_row(), bulk_row(hour="10", count="3")]
    assert client.post(f"{API}/centre-contacts/bulk/", again, format="json").json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 1,
    }
    assert sorted(ContactFigure.objects.filter(date=date(2024, 4, 2)).values_list("hour", "count")) == [(9, 5), (10, 3)]


def test_bulk_is_all_or_nothing_and_names_row_and_field(net):  # noqa: F811
    client = api(net["operator_x"])
    bad = client.post(f"{API}/centre-contacts/bulk/", [bulk_row(), bulk_row(hour="25")], format="json")
    assert bad.status_code == 400
    assert [(e["index"], e["field"]) for e in bad.json()["errors"]] == [(1, "hour")]
    foreign = client.post(f"{API}/centre-contacts/bulk/", [bulk_row(), bulk_row(centre="y-centrs")], format="json")
    assert foreign.status_code == 403
    assert [(e["index"], e["field"]) for e in foreign.json()["errors"]] == [(1, "centre")]
    assert not ContactFigure.objects.filter(date=date(2024, 4, 2)).exists()
    viewer = api(UserFactory(username="lasitajs", role=Role.VIEWER))
    assert viewer.post(f"{API}/centre-contacts/bulk/", [bulk_row()], format="json").status_code == 403


# --- grants -------------------------------------------------------------------------------------------------------


def test_grants_are_scoped_and_filtered(net):  # noqa: F811
    assert api(net["coordinator"]).get(f"{API}/grants/").json()["count"] == 4
    rows = api(net["operator_y"]).get(f"{API}/grants/").json()["results"]
    assert [(row["municipality"]["code"], row["kind"], row["amount"]) for row in rows] == [
        ("betas-novads", "salary", "2000.00")
    ]
    creation = api(net["coordinator"]).get(f"{API}/grants/", {"kind": "creation"}).json()["results"]
    assert [row["amount"] for row in creation] == ["5000.00"]


# --- the network review -------------------------------------------------------------------------------------------


def test_review_candidates_carry_their_criteria_and_are_scoped(net):  # noqa: F811
    rows = api(net["coordinator"]).get(f"{API}/network-review/").json()
    by_code = {row["centre"]["code"]: row for row in rows}
    assert sorted(by_code) == ["x-centrs", "z-centrs"]
    x = by_code["x-centrs"]
    # X and Z lie 22.24 km apart in Alfas novads, R = 30: criterion 1 and the secondary flag; cost 10.00 ≤ 2A.
    assert (x["criterion_same_municipality"], x["criterion_cost"], x["near_other_centre"]) == (True, False, True)
    assert x["criteria_met"] == ["criterion_same_municipality", "near_other_centre"]
    assert (x["only_centre"], x["proposable"], x["decision"]) == (False, True, None)
    assert x["nearest_same_km"] == "22.239"
    assert [row["centre"]["code"] for row in api(net["operator_x"]).get(f"{API}/network-review/").json()] == [
        "x-centrs"
    ]
    assert api(net["coordinator"]).get(f"{API}/network-review/", {"period": "1999"}).status_code == 404


def test_only_the_coordinator_records_decisions_on_candidates(net):  # noqa: F811
    decision = {"centre": "z-centrs", "period": "2024", "decision": "replace_by_mobile", "reason": "Autobuss"}
    assert api(net["operator_x"]).post(f"{API}/network-review/decisions/", decision, format="json").status_code == 403
    coordinator = api(net["coordinator"])
    not_candidate = {**decision, "centre": "y-centrs"}
    assert coordinator.post(f"{API}/network-review/decisions/", not_candidate, format="json").status_code == 400
    created = coordinator.post(f"{API}/network-review/decisions/", decision, format="json")
    assert created.status_code == 201
    assert created.json()["criteria_met"] == ["criterion_same_municipality", "near_other_centre"]
    assert NetworkReviewDecision.objects.get().decision == "replace_by_mobile"
    listed = coordinator.get(f"{API}/network-review/").json()
    assert {row["centre"]["code"]: (row["decision"] or {}).get("decision") for row in listed} == {
        "x-centrs": None,
        "z-centrs": "replace_by_mobile",
    }
    assert codes(coordinator.get(f"{API}/network-review/decisions/"), "centre") == ["z-centrs"]
    assert codes(api(net["operator_x"]).get(f"{API}/network-review/decisions/"), "centre") == []


# --- coverage -------------------------------------------------------------------------------------------------------


def test_coverage_today_and_after_a_proposed_change(net):  # noqa: F811
    client = api(net["coordinator"])
    today = client.get(f"{API}/coverage/").json()
    # 690 of 1,650 residents (test_pages.py); four settlements outside every circle, largest first.
    assert (today["before"]["covered_population"], today["before"]["population"]) == (690, 1650)
    assert today["before"]["gap_settlements"] == ["a-4", "a-3", "b-4", "b-0"]
    assert today["after"] is None and today["service_points"] == 3
    change = {"close_centres": ["z-centrs"], "add_stops": [{"latitude": "56.6", "longitude": "24.0"}]}
    after = client.post(f"{API}/coverage/", change, format="json").json()["after"]
    # Without Z, with a stop at 56.6° N: X 300 + the stop 300 + 400 + 500 + Y 90 = 1,590.
    assert after["covered_population"] == 1590 and after["gaps"] == 2


def test_coverage_closes_only_centres_the_user_may_see(net):  # noqa: F811
    response = api(net["operator_x"]).post(f"{API}/coverage/", {"close_centres": ["y-centrs"]}, format="json")
    assert response.status_code == 400 and "y-centrs" in response.json()["close_centres"][0]


# --- query counts ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/centres/", "/centre-contacts/", "/grants/", "/network-review/", "/network-review/decisions/"]
)
def test_list_endpoints_cost_the_same_number_of_queries_whatever_the_rows(net, path, django_assert_max_num_queries):  # noqa: F811
    client = api(net["coordinator"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{API}{path}").status_code == 200
    baseline = len(few)  # read now: every request empties the connection's query log
    for index in range(12):
        centre = CentreFactory(
            code=f"extra-{index}", municipality=net["alfa"], latitude=56.0 + index / 1000, longitude=24.01
        )
        ContactFigureFactory(centre=centre, date=date(2024, 5, 6), hour=12, count=3)
        GrantFactory(period=net["period"], centre=centre, kind=GrantKind.SALARY, amount=100 + index)
    network.recompute()
    for row in api(net["coordinator"]).get(f"{API}/network-review/").json()[:5]:
        client.post(
            f"{API}/network-review/decisions/",
            {"centre": row["centre"]["code"], "period": "2024", "decision": "keep", "reason": "Tuvu"},
            format="json",
        )
    with django_assert_max_num_queries(baseline):
        assert client.get(f"{API}{path}").status_code == 200
