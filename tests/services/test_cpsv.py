"""The CPSV-AP 3.2.0 export. Neither pyld nor rdflib is installed, so the JSON-LD is checked by hand: the
properties CPSV-AP makes mandatory, language tags, prefixes declared in @context, and links that resolve."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role
from services.cpsv import CONTEXT, catalogue_to_cpsv, service_to_cpsv
from services.cpsv_views import catalogue_cpsv, cpsv_urlpatterns, service_cpsv
from services.models import Channel, LifeSituation, Service, ServiceChannel, ServiceLevel, ServiceStatus
from services.reference_data import load_channels
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory

CPSV = "http://purl.org/vocab/cpsv#"
CV = "http://data.europa.eu/m8g/"
# Controlled vocabularies published elsewhere: references to them are not nodes of the document.
AUTHORITIES = ("http://publications.europa.eu/resource/authority/", "http://purl.org/adms/status/")


@pytest.fixture
def channels(db):
    load_channels()
    return {channel.code: channel for channel in Channel.objects.all()}


@pytest.fixture
def passport(channels):
    pmlp = InstitutionFactory(short_name="PMLP", name_lv="Pilsonības un migrācijas lietu pārvalde",
                              name_en="Office of Citizenship and Migration Affairs")  # fmt: skip
    service = Service.objects.create(
        catalogue_id="PV-PMLP-01", name_lv="Pases izsniegšana", name_en="Issue of a passport",
        description_lv="Latvijas pilsoņa pases izsniegšana.", description_en="Issue of a Latvian passport.",
        holder=pmlp, status=ServiceStatus.ACTIVE, legal_basis="Personu apliecinošu dokumentu likums",
        minimum_basket=True,
    )  # fmt: skip
    service.providers.add(pmlp)
    ServiceChannel.objects.create(
        service=service, channel=channels["institution_in_person"], address="PMLP nodaļa, Rīga",
        fee_amount=Decimal("30.00"), fee_conditions="Parastā kārtībā 10 darbdienās", processing_days=10,
    )  # fmt: skip
    ServiceChannel.objects.create(
        service=service, channel=channels["phone"], address="+371 6000 1234", processing_days=1
    )
    situation = LifeSituation.objects.create(code="studies", name_lv="Mācības", name_en="Studies")
    service.life_situations.add(situation)
    return service


@pytest.fixture
def housing_benefit(channels):
    municipality = MunicipalityFactory(code="ogres-novads", name_lv="Ogres novads", name_en="Ogre Municipality")
    ogre = InstitutionFactory(short_name="Ogres nov. pašv.", name_lv="Ogres novada pašvaldība",
                              name_en="Ogre Municipality", municipality=municipality)  # fmt: skip
    service = Service.objects.create(
        catalogue_id="PV-housing-benef-ogres-novads", name_lv="Mājokļa pabalsts (Ogres novads)",
        holder=ogre, level=ServiceLevel.MUNICIPAL, status=ServiceStatus.WITHDRAWN,
    )  # fmt: skip
    service.providers.add(ogre)
    ServiceChannel.objects.create(service=service, channel=channels["portal"], processing_days=10)
    return service


def nodes_by_id(document):
    return {node["@id"]: node for node in document["@graph"]}


def node_of_type(document, rdf_type):
    return [node for node in document["@graph"] if node["@type"] == rdf_type]


def walk_references(value):
    """Every {"@id": ...} reference inside a property value."""
    if isinstance(value, list):
        for item in value:
            yield from walk_references(item)
    elif isinstance(value, dict):
        if set(value) == {"@id"}:
            yield value["@id"]
        for key, item in value.items():
            if not key.startswith("@"):
                yield from walk_references(item)


def assert_well_formed(document):
    """The hand check that stands in for a JSON-LD processor: it round-trips as JSON, every node has an
    @id and a @type, every property and type uses a prefix of @context, language tags are lv or en, and
    every reference outside the EU and ADMS vocabularies resolves inside the graph."""
    assert json.loads(json.dumps(document)) == document
    assert set(CONTEXT.values()) <= set(document["@context"].values())
    graph = nodes_by_id(document)
    assert len(graph) == len(document["@graph"])  # each node once
    for node in document["@graph"]:
        assert node["@id"].startswith("http") and node["@type"].split(":")[0] in CONTEXT
        for key, value in node.items():
            if key.startswith("@"):
                continue
            assert key.split(":")[0] in CONTEXT, key
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and "@language" in item:
                    assert item["@language"] in {"lv", "en"} and item["@value"]
            for target in walk_references(value):
                if not target.startswith(AUTHORITIES):
                    assert target in graph, f"{node['@id']} {key} → {target} is not in the graph"


def test_a_service_has_the_properties_cpsv_ap_requires(passport):
    document = service_to_cpsv(passport)
    assert_well_formed(document)
    assert document["@context"]["cpsv"] == CPSV and document["@context"]["cv"] == CV
    (service,) = node_of_type(document, "cpsv:PublicService")
    assert service["dct:identifier"] == "PV-PMLP-01"
    assert {"@language": "lv", "@value": "Pases izsniegšana"} in service["dct:title"]
    assert {"@language": "en", "@value": "Issue of a passport"} in service["dct:title"]
    assert {item["@language"] for item in service["dct:description"]} == {"lv", "en"}
    (authority,) = service["cv:hasCompetentAuthority"]
    organisation = nodes_by_id(document)[authority["@id"]]
    assert organisation["@type"] == "cv:PublicOrganisation"
    english = {"@language": "en", "@value": "Office of Citizenship and Migration Affairs"}
    assert english in organisation["skos:prefLabel"]
    assert organisation["dct:spatial"] == [{"@id": "http://publications.europa.eu/resource/authority/country/LVA"}]


def test_channels_fees_and_processing_time(passport, rf_request):
    document = service_to_cpsv(passport, rf_request)
    assert_well_formed(document)
    graph = nodes_by_id(document)
    (service,) = node_of_type(document, "cpsv:PublicService")
    assert service["@id"] == "http://testserver/catalogue/PV-PMLP-01/cpsv/"
    channels = [graph[item["@id"]] for item in service["cv:hasChannel"]]
    assert [channel["@type"] for channel in channels] == ["cv:Channel", "cv:Channel"]
    # in the code list's order: phone (5) before in person at the institution (7)
    assert [graph[channel["dct:type"]["@id"]]["skos:notation"] for channel in channels] == [
        "phone",
        "institution_in_person",
    ]
    in_person = channels[1]
    assert in_person["cv:ownedBy"] == service["cv:hasCompetentAuthority"]
    assert in_person["cv:processingTime"] == {"@value": "P10D", "@type": "xsd:duration"}
    (fee,) = [graph[item["@id"]] for item in service["cv:hasCost"]]
    assert fee["@type"] == "cv:Cost"
    assert fee["cv:hasValue"] == {"@value": 30.0, "@type": "xsd:double"}
    assert fee["cv:currency"] == {"@id": "http://publications.europa.eu/resource/authority/currency/EUR"}
    assert fee["cv:ifAccessedThrough"] == {"@id": in_person["@id"]}
    assert fee["dct:description"] == [{"@language": "lv", "@value": "Parastā kārtībā 10 darbdienās"}]
    # the service's processing time is its slowest channel's: 10 days in person against 1 by phone
    assert service["cv:processingTime"] == {"@value": "P10D", "@type": "xsd:duration"}
    assert graph[service["cv:contactPoint"][0]["@id"]]["cv:telephone"] == ["+371 6000 1234"]


def test_life_events_status_legal_resource_and_keywords(passport):
    document = service_to_cpsv(passport)
    graph = nodes_by_id(document)
    (service,) = node_of_type(document, "cpsv:PublicService")
    (life_event,) = [graph[item["@id"]] for item in service["cv:isGroupedBy"]]
    assert life_event["@type"] == "cv:LifeEvent" and life_event["dct:identifier"] == "studies"
    assert service["adms:status"] == {"@id": "http://purl.org/adms/status/Completed"}
    (legal,) = [graph[item["@id"]] for item in service["cv:hasLegalResource"]]
    assert legal["@type"] == "eli:LegalResource"
    assert legal["dct:description"] == [{"@language": "lv", "@value": "Personu apliecinošu dokumentu likums"}]
    assert {"@language": "en", "@value": "VPVKAC minimum basket"} in service["dcat:keyword"]


def test_a_municipal_service_lies_in_its_municipality(housing_benefit):
    document = service_to_cpsv(housing_benefit)
    assert_well_formed(document)
    graph = nodes_by_id(document)
    (service,) = node_of_type(document, "cpsv:PublicService")
    (place,) = service["dct:spatial"]
    assert graph[place["@id"]]["@type"] == "dct:Location"
    assert {"@language": "en", "@value": "Ogre Municipality"} in graph[place["@id"]]["locn:geographicName"]
    organisation = graph[service["cv:hasCompetentAuthority"][0]["@id"]]
    assert organisation["dct:spatial"] == [place]
    assert service["adms:status"] == {"@id": "http://purl.org/adms/status/Withdrawn"}
    # no English name or description: only the Latvian text, which also stands in for the missing description
    assert service["dct:description"] == [{"@language": "lv", "@value": "Mājokļa pabalsts (Ogres novads)"}]
    assert "cv:hasCost" not in service


def test_the_catalogue_lists_shared_nodes_once_in_three_queries(passport, housing_benefit, django_assert_num_queries):
    other = Service.objects.create(catalogue_id="PV-PMLP-02", name_lv="Personas apliecība", holder=passport.holder)
    other.life_situations.add(*passport.life_situations.all())
    with django_assert_num_queries(3):  # services with holder, channels, life situations
        document = catalogue_to_cpsv(Service.objects.all())
    assert_well_formed(document)
    services = node_of_type(document, "cpsv:PublicService")
    assert [s["dct:identifier"] for s in services] == ["PV-PMLP-01", "PV-PMLP-02", "PV-housing-benef-ogres-novads"]
    assert len(node_of_type(document, "cv:PublicOrganisation")) == 2
    assert len(node_of_type(document, "cv:LifeEvent")) == 1


@pytest.fixture
def rf_request(rf):
    return rf.get("/")


def call(view, user, **kwargs):
    request = RequestFactory().get("/")
    request.user = user
    return view(request, **kwargs)


def test_views_answer_json_ld_scoped_to_the_reader(passport, housing_benefit):
    editor = UserFactory(role=Role.EDITOR, member_of=[passport.holder])
    response = call(service_cpsv, editor, catalogue_id="PV-PMLP-01")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert node_of_type(json.loads(response.content), "cpsv:PublicService")[0]["dct:identifier"] == "PV-PMLP-01"
    with pytest.raises(Http404):
        call(service_cpsv, editor, catalogue_id="PV-housing-benef-ogres-novads")
    catalogue = json.loads(call(catalogue_cpsv, editor).content)
    assert [s["dct:identifier"] for s in node_of_type(catalogue, "cpsv:PublicService")] == ["PV-PMLP-01"]
    coordinator = UserFactory(role=Role.COORDINATOR)
    catalogue = json.loads(call(catalogue_cpsv, coordinator).content)
    assert len(node_of_type(catalogue, "cpsv:PublicService")) == 2


def test_views_need_a_login(passport):
    assert call(catalogue_cpsv, AnonymousUser()).status_code == 302
    assert call(service_cpsv, AnonymousUser(), catalogue_id="PV-PMLP-01").status_code == 302


def test_the_documents_are_served_at_their_urls(client, passport):
    assert [pattern.name for pattern in cpsv_urlpatterns] == ["cpsv-catalogue", "cpsv-service"]
    client.force_login(UserFactory(role=Role.COORDINATOR))
    response = client.get(reverse("services:cpsv-service", args=["PV-PMLP-01"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    (service,) = node_of_type(response.json(), "cpsv:PublicService")
    assert service["@id"] == response.wsgi_request.build_absolute_uri()  # the identifier dereferences to itself
    response = client.get(reverse("services:cpsv-catalogue"))
    assert [s["dct:identifier"] for s in node_of_type(response.json(), "cpsv:PublicService")] == ["PV-PMLP-01"]
    assert client.get(reverse("services:cpsv-service", args=["PV-NONE-1"])).status_code == 404
