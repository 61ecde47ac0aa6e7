"""Accessibility in a real chromium: axe-core (shipped inside axe-playwright-python) runs on the main pages of each
role, in Latvian and, for some, in English, and finds no violation of impact "serious" or "critical".

The world is small but fills every page with the things axe looks at: a service of A with a channel and a figure,
an open self-assessment round for A, a plan with an action line and a measure bound to A, a VPVKAC centre with its
operator, a transformation project of A.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership, Role
from tests.browser.test_editor_flow import SCREENSHOTS, chromium  # noqa: F401 (the chromium fixture)
from tests.factories import PASSWORD, InstitutionFactory, MunicipalityFactory, UserFactory

BLOCKING = ("serious", "critical")
YEAR = 2024


class World:
    pass


@pytest.fixture
def world(transactional_db):
    """Made before the browser starts: Playwright runs an event loop in this thread, and Django refuses database
    calls while one runs."""
    from assessments import workflow
    from services.models import ServiceFigure
    from tests.assessments.workflow_fixtures import make_questionnaire
    from tests.services.factories import ChannelFactory, ServiceChannelFactory, ServiceFactory
    from tests.vpvkac.factories import CentreFactory
    from transformation.models import TransformationProject
    from vpvkac.models import CentreMembership, Desk
    from workplans.models import ActionLine, Measure, Obligation, Plan

    w = World()
    w.a = InstitutionFactory(short_name="VSAA", name_lv="Valsts sociālās apdrošināšanas aģentūra", name_en="SSIA")
    users = {
        Role.COORDINATOR: UserFactory(username="koordinators", role=Role.COORDINATOR, is_staff=True),
        Role.EDITOR: UserFactory(username="redaktors", role=Role.EDITOR, member_of=[w.a]),
        Role.VIEWER: UserFactory(username="skatitajs", role=Role.VIEWER),
        Role.EXPERT: UserFactory(username="eksperts", role=Role.EXPERT),
        Role.CENTRE_OPERATOR: UserFactory(username="operators", role=Role.CENTRE_OPERATOR),
    }
    Membership.objects.create(user=users[Role.VIEWER], institution=w.a, can_edit=False)
    w.users = users

    w.service = ServiceFactory(catalogue_id="S-A1", holder=w.a, valid_from=date(2015, 1, 1), name_en="Pension")
    portal = ChannelFactory(code="portal")
    ServiceChannelFactory(service=w.service, channel=portal)
    ServiceFigure.objects.create(service=w.service, provider=w.a, year=YEAR, channel=portal, completed=650)

    questionnaire = make_questionnaire()
    round_ = workflow.open_round(
        questionnaire.methodology, [w.a], timezone.localdate() + timedelta(days=30), users[Role.COORDINATOR]
    )
    w.assessment = round_.assessments.get()
    w.area = questionnaire.areas[0].code

    plan = Plan.objects.create(
        code="PVPP2027", title_lv="Pakalpojumu vides pilnveides plāns", start_year=2024, end_year=2027
    )
    line = ActionLine.objects.create(plan=plan, code="RV1", title_lv="Pārvaldība")
    measure = Measure.objects.create(action_line=line, code="P1.1", text_lv="Pakalpojumu katalogs")
    Obligation.objects.create(measure=measure, institution=w.a, due_on=date(2027, 12, 31))
    w.plan = plan

    municipality = MunicipalityFactory(code="alfas-novads", name_lv="Alfas novads")
    w.centre = CentreFactory(code="alfas-centrs", name="Alfas klientu centrs", municipality=municipality)
    Desk.objects.create(centre=w.centre, institution=w.a)
    CentreMembership.objects.create(user=users[Role.CENTRE_OPERATOR], centre=w.centre)

    w.project = TransformationProject.objects.create(institution=w.a, name="Pieteikumu pārveide", appraisal_years=5)
    return w


def pages_of(role, w):
    """The main pages of a role, as paths; the first Latvian, those under /en/ in English."""
    common = ["/", "/catalogue/", f"/catalogue/{w.service.catalogue_id}/", "/assessments/", "/plans/", "/reports/"]
    network = ["/vpvkac/", "/vpvkac/centres/", f"/vpvkac/centres/{w.centre.code}/"]
    return {
        Role.COORDINATOR: common
        + network
        + [
            f"/plans/{w.plan.code}/",
            "/transformation/",
            f"/transformation/projects/{w.project.pk}/",
            "/reports/audit/",
            "/catalogue/costs/",
            "/en/",
            "/en/reports/",
        ],
        Role.EDITOR: common
        + [
            f"/catalogue/{w.service.catalogue_id}/figures/{w.a.pk}/{YEAR}/",
            f"/assessments/{w.assessment.pk}/",
            f"/assessments/{w.assessment.pk}/areas/{w.area}/",
            "/plans/institutions/",
            "/transformation/",
            "/en/catalogue/",
        ],
        Role.VIEWER: common + ["/transformation/", f"/transformation/projects/{w.project.pk}/", "/en/assessments/"],
        Role.EXPERT: ["/", "/assessments/", "/en/assessments/"],
        Role.CENTRE_OPERATOR: ["/"]
        + network
        + [f"/vpvkac/centres/{w.centre.code}/day/", "/vpvkac/imports/", "/en/vpvkac/"],
    }[role]


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) + " " + node["html"][:160] for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="lv-LV")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    return page


def check_pages(page, base, paths):
    found = {}
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, f"{path} answered {response.status}"
        expected_lang = "en" if path.startswith("/en/") else "lv"
        assert page.locator("html").get_attribute("lang") == expected_lang, path
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    return found


def report(found):
    return "\n".join(f"{path}:\n  " + "\n  ".join(violations) for path, violations in found.items())


@pytest.mark.browser
@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.EDITOR, Role.VIEWER, Role.EXPERT, Role.CENTRE_OPERATOR], ids=lambda r: r.value
)
def test_the_main_pages_of_each_role_have_no_serious_or_critical_axe_violations(world, live_server, chromium, role):  # noqa: F811
    page = log_in(chromium, live_server, world.users[role].username)
    found = check_pages(page, live_server.url, pages_of(role, world))
    page.screenshot(path=str(SCREENSHOTS / f"accessibility-{role.value}.png"), full_page=True)
    page.context.close()
    assert found == {}, report(found)


@pytest.mark.browser
def test_the_login_page_and_the_open_data_pages_have_no_serious_or_critical_axe_violations(
    transactional_db,
    live_server,
    chromium,  # noqa: F811
):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found = check_pages(page, live_server.url, ["/accounts/login/", "/en/accounts/login/", "/open/"])
    context.close()
    assert found == {}, report(found)


@pytest.mark.browser
def test_axe_finds_a_planted_violation(transactional_db, live_server, chromium):  # noqa: F811
    # Without this, a check that never ran (axe not injected, wrong result key) would pass every page.
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("() => { document.querySelector('label[for=id_username]').remove(); }")
    assert any(v.startswith("label (critical)") for v in axe_violations(page))
    context.close()
