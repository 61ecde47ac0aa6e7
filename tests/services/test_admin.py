"""The catalogue in the admin: scoped lists, exports and imports, template downloads, read-only code lists,
and forms checked by the same rules as the imports."""

import csv
import io

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from services.models import Channel, LifeSituation, ServiceFigure
from services.resources import ServiceFigureResource
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory
from tests.services.factories import (
    ChannelFactory,
    FigureSubmissionFactory,
    LifeSituationFactory,
    ServiceFactory,
    ServiceFigureFactory,
)

FIGURE_HEADERS = ["service", "provider", "year", "channel", "started", "completed"]
CATALOGUE_MODELS = (
    "channel",
    "lifesituation",
    "servicetemplate",
    "service",
    "servicechannel",
    "servicefigure",
    "servicecost",
    "figuresubmission",
    "bulkimport",
)


@pytest.fixture
def two_providers(db):
    """S-1 provided by OWN and OTHER, each with a 2024 portal figure; an editor of OWN."""
    ChannelFactory(code="portal")
    ChannelFactory(code="phone")
    own = InstitutionFactory(short_name="OWN")
    other = InstitutionFactory(short_name="OTHER")
    service = ServiceFactory(catalogue_id="S-1", holder=own, providers=[own, other])
    own_figure = ServiceFigureFactory(service=service, provider=own, completed=11, started=None)
    other_figure = ServiceFigureFactory(service=service, provider=other, completed=22, started=None)
    editor = UserFactory(role=Role.EDITOR, is_staff=True)
    MembershipFactory(user=editor, institution=own)
    return {"service": service, "own": own_figure, "other": other_figure, "editor": editor}


def _coordinator(client, **kwargs):
    user = UserFactory(role=Role.COORDINATOR, is_staff=True, **kwargs)
    client.force_login(user)
    return user


def _csv_upload(rows, headers=FIGURE_HEADERS, name="figures.csv"):
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append([row.get(header, "") for header in headers])
    upload = io.BytesIO(dataset.export("csv").encode("utf-8"))
    upload.name = name
    return upload


def test_an_editors_figure_list_shows_only_their_providers_figures(client, two_providers):
    client.force_login(two_providers["editor"])
    response = client.get(reverse("admin:services_servicefigure_changelist"))
    assert response.status_code == 200
    shown = {figure.pk for figure in response.context["cl"].result_list}
    assert shown == {two_providers["own"].pk}
    other = two_providers["other"]
    assert client.get(reverse("admin:services_servicefigure_change", args=[other.pk])).status_code in (302, 403, 404)
    assert client.get(reverse("admin:services_servicefigure_history", args=[other.pk])).status_code == 403


def test_an_editors_figure_export_holds_only_their_providers_figures(client, two_providers):
    client.force_login(two_providers["editor"])
    fields = {f"servicefigureresource_{name}": "on" for name in ServiceFigureResource._meta.fields}
    response = client.post(reverse("admin:services_servicefigure_export"), {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["provider"], row["completed"]) for row in rows] == [("OWN", "11")]


def test_an_editors_service_list_shows_services_their_institution_holds_or_provides(client, two_providers):
    ServiceFactory(catalogue_id="S-9")  # held and provided by someone else
    client.force_login(two_providers["editor"])
    response = client.get(reverse("admin:services_service_changelist"))
    assert {service.catalogue_id for service in response.context["cl"].result_list} == {"S-1"}


def test_template_downloads_give_a_csv_header_and_an_xlsx_with_instructions(client, db):
    _coordinator(client)
    response = client.get(reverse("admin:services_servicefigure_import_template", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="servicefigure-template.csv"' in response["Content-Disposition"]
    header = response.content.decode("utf-8-sig").strip()
    assert header.startswith("service,provider,year,period_type,period_number,channel,")

    response = client.get(reverse("admin:services_servicefigure_import_template", args=["xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[1] == "Instructions"
    assert workbook.worksheets[0].max_row == 1

    changelist = client.get(reverse("admin:services_servicecost_changelist")).content.decode()
    assert reverse("admin:services_servicecost_import_template", args=["xlsx"]) in changelist
    assert client.get(reverse("admin:services_servicecost_import_template", args=["pdf"])).status_code == 404


def test_a_user_who_may_not_import_gets_no_template(client, two_providers):
    viewer = UserFactory(role=Role.VIEWER, is_staff=True)
    MembershipFactory(user=viewer, institution=two_providers["own"].provider)
    client.force_login(viewer)
    assert client.get(reverse("admin:services_servicefigure_import_template", args=["csv"])).status_code == 403
    assert client.get(reverse("admin:services_servicefigure_import")).status_code == 403


def test_admin_dry_run_lists_bad_rows_and_offers_no_confirmation(client, two_providers):
    _coordinator(client)
    rows = [
        {"service": "S-1", "provider": "OWN", "year": 2023, "channel": "portal", "completed": 5},
        {"service": "S-404", "provider": "OWN", "year": 2023, "channel": "portal", "completed": 5},
        {"service": "S-1", "provider": "OWN", "year": 2023, "channel": "phone", "started": 5, "completed": 6},
    ]
    with translation.override("en"):
        response = client.post(
            reverse("admin:services_servicefigure_import"),
            {"import_file": _csv_upload(rows), "format": "0", "resource": "0"},
        )
    content = response.content.decode()
    assert response.status_code == 200
    assert "unknown service “S-404”" in content
    assert "6 completed is more than 5 started" in content
    assert "process_import" not in content  # no confirm form
    assert ServiceFigure.objects.count() == 2  # only the fixture's


def test_admin_import_of_an_editor_refuses_rows_of_another_provider(client, two_providers):
    client.force_login(two_providers["editor"])
    rows = [
        {"service": "S-1", "provider": "OWN", "year": 2023, "channel": "portal", "completed": 5},
        {"service": "S-1", "provider": "OTHER", "year": 2023, "channel": "portal", "completed": 5},
    ]
    with translation.override("en"):
        response = client.post(
            reverse("admin:services_servicefigure_import"),
            {"import_file": _csv_upload(rows), "format": "0", "resource": "0"},
        )
    assert "you may not report for this provider" in response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not ServiceFigure.objects.filter(year=2023).exists()


def test_admin_import_preview_then_confirm_saves_the_file(client, two_providers):
    client.force_login(two_providers["editor"])
    rows = [{"service": "S-1", "provider": "OWN", "year": 2023, "channel": "phone", "started": 9, "completed": 8}]
    response = client.post(
        reverse("admin:services_servicefigure_import"),
        {"import_file": _csv_upload(rows), "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    assert not ServiceFigure.objects.filter(year=2023).exists()  # the preview is a dry run
    confirm = response.context["confirm_form"]
    response = client.post(reverse("admin:services_servicefigure_process_import"), confirm.initial)
    assert response.status_code == 302
    figure = ServiceFigure.objects.get(year=2023)
    assert (figure.provider.short_name, figure.channel.code, figure.completed) == ("OWN", "phone", 8)


def test_the_admin_figure_form_applies_the_shared_rules(client, two_providers):
    _coordinator(client)
    service = two_providers["service"]
    data = {
        "service": service.pk,
        "provider": two_providers["own"].provider_id,
        "channel": Channel.objects.get(code="phone").pk,
        "year": 2024,
        "period_type": "year",
        "period_number": 0,
        "started": 10,
        "completed": 12,
    }
    with translation.override("en"):
        response = client.post(reverse("admin:services_servicefigure_add"), data)
    assert response.status_code == 200
    assert "12 completed is more than 10 started" in response.content.decode()
    assert not ServiceFigure.objects.filter(channel__code="phone").exists()


def test_an_editor_may_not_add_a_figure_for_another_provider(client, two_providers):
    client.force_login(two_providers["editor"])
    data = {
        "service": two_providers["service"].pk,
        "provider": two_providers["other"].provider_id,
        "channel": Channel.objects.get(code="phone").pk,
        "year": 2024,
        "period_type": "year",
        "period_number": 0,
        "completed": 1,
    }
    response = client.post(reverse("admin:services_servicefigure_add"), data)
    assert response.status_code == 200  # the form comes back with an error
    assert "provider" in response.context["adminform"].form.errors
    assert not ServiceFigure.objects.filter(channel__code="phone").exists()


def test_channels_are_read_only_except_for_a_superuser(client, db):
    channel = ChannelFactory(code="post")
    _coordinator(client)
    assert client.get(reverse("admin:services_channel_changelist")).status_code == 200
    change_url = reverse("admin:services_channel_change", args=[channel.pk])
    response = client.post(change_url, {"code": "post", "name_lv": "X"})
    assert response.status_code == 403
    assert client.get(reverse("admin:services_channel_import")).status_code == 403

    client.force_login(UserFactory(role=Role.COORDINATOR, is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:services_channel_change", args=[channel.pk])).status_code == 200
    assert client.get(reverse("admin:services_channel_import")).status_code == 200


def test_life_situations_are_changed_by_coordinators_only(client, two_providers):
    situation = LifeSituationFactory(code="moving")
    client.force_login(two_providers["editor"])
    assert client.get(reverse("admin:services_lifesituation_changelist")).status_code == 200
    assert client.get(reverse("admin:services_lifesituation_add")).status_code == 403
    response = client.post(
        reverse("admin:services_lifesituation_change", args=[situation.pk]), {"code": "moving", "name_lv": "Cits"}
    )
    assert response.status_code == 403
    assert LifeSituation.objects.get().name_lv != "Cits"


def test_every_catalogue_changelist_opens_for_a_coordinator(client, two_providers):
    _coordinator(client)
    for model in CATALOGUE_MODELS:
        response = client.get(reverse(f"admin:services_{model}_changelist"))
        assert response.status_code == 200, model
    assert client.get(reverse("admin:services_service_change", args=[two_providers["service"].pk])).status_code == 200
    assert client.get(reverse("admin:services_service_history", args=[two_providers["service"].pk])).status_code == 200


def test_service_export_lists_providers_and_life_situations_by_code(client, two_providers):
    two_providers["service"].life_situations.set([LifeSituationFactory(code="moving")])
    _coordinator(client)
    fields = {f"serviceresource_{name}": "on" for name in ("catalogue_id", "holder", "providers", "life_situations")}
    response = client.post(reverse("admin:services_service_export"), {"format": "0", "resource": "0", **fields})
    (row,) = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert row["catalogue_id"] == "S-1" and row["holder"] == "OWN"
    assert set(row["providers"].split(";")) == {"OWN", "OTHER"}
    assert row["life_situations"] == "moving"


def test_figure_submissions_are_exported_but_not_imported(client, two_providers):
    FigureSubmissionFactory(service=two_providers["service"], provider=two_providers["own"].provider)
    _coordinator(client)
    fields = {f"figuresubmissionresource_{name}": "on" for name in ("service", "provider", "year", "status")}
    export_url = reverse("admin:services_figuresubmission_export")
    response = client.post(export_url, {"format": "0", "resource": "0", **fields})
    (row,) = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert (row["service"], row["provider"], row["year"], row["status"]) == ("S-1", "OWN", "2024", "draft")
    changelist = client.get(reverse("admin:services_figuresubmission_changelist")).content.decode()
    assert "import_link" not in changelist


def test_an_editor_reads_but_cannot_change_a_service_their_institution_only_provides(client, two_providers):
    own, other = two_providers["own"].provider, two_providers["other"].provider
    provided = ServiceFactory(catalogue_id="S-2", holder=other, providers=[own, other])
    client.force_login(two_providers["editor"])
    change_url = reverse("admin:services_service_change", args=[provided.pk])
    response = client.get(change_url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client.post(change_url, {"catalogue_id": "S-2", "name_lv": "Cits"}).status_code == 403
    assert client.get(reverse("admin:services_service_change", args=[two_providers["service"].pk])).context[
        "has_change_permission"
    ]
