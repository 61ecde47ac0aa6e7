"""The catalogue as CPSV-AP 3.2.0 JSON-LD: one public service, or many, for other catalogues to read.

Mapping (domain brief §2, anchors-mission §3):
- Service → cpsv:PublicService: dct:identifier (catalogue identifier), dct:title and dct:description (lv, en),
  adms:status, cv:processingTime, dcat:keyword, dct:spatial, dct:language.
- holder → cv:hasCompetentAuthority, a cv:PublicOrganisation with skos:prefLabel (lv, en) and dct:spatial
  (Latvia, or the municipality of a municipal institution).
- each offered channel → cv:hasChannel, a cv:Channel typed (dct:type) by a skos:Concept of our channel code
  list, cv:ownedBy the holder, with its own cv:processingTime.
- each fee → cv:hasCost, a cv:Cost with cv:hasValue, cv:currency, cv:ifAccessedThrough the channel.
- life situations → cv:isGroupedBy, cv:LifeEvent nodes.
- legal basis → cv:hasLegalResource, an eli:LegalResource whose dct:description carries the text.
- a phone channel also gives the service a cv:contactPoint with cv:telephone.

The document is flattened: "@graph" lists every node once, linked by "@id". Node identifiers are absolute
URLs of this site (the service's own CPSV document, the institution, municipality and life situation pages);
things without a page of their own (channels, fees, channel types) get a fragment of a document.
"""

from functools import cached_property

from django.conf import settings
from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from .models import ChannelCode, ServiceChannel, ServiceStatus

CONTEXT = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "adms": "http://www.w3.org/ns/adms#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "locn": "http://www.w3.org/ns/locn#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

AUTHORITY = "http://publications.europa.eu/resource/authority/"
LATVIA = AUTHORITY + "country/LVA"
LATVIAN = AUTHORITY + "language/LAV"

# Our lifecycle status → the ADMS status vocabulary that CPSV-AP names for adms:status.
ADMS_STATUS = {
    ServiceStatus.PLANNED: "http://purl.org/adms/status/UnderDevelopment",
    ServiceStatus.UNDER_DEVELOPMENT: "http://purl.org/adms/status/UnderDevelopment",
    ServiceStatus.ACTIVE: "http://purl.org/adms/status/Completed",
    ServiceStatus.SUSPENDED: "http://purl.org/adms/status/Deprecated",
    ServiceStatus.WITHDRAWN: "http://purl.org/adms/status/Withdrawn",
}


def cpsv_queryset(queryset):
    """The services of `queryset` with everything the export reads, in three queries however many services."""
    return queryset.select_related("holder__municipality", "template").prefetch_related(
        Prefetch("channels", queryset=ServiceChannel.objects.select_related("channel").order_by("channel__order")),
        "life_situations",
    )


def service_to_cpsv(service, request=None):
    """One service as a JSON-LD document: its PublicService node and the nodes it links to."""
    graph = _Graph(_Iris(request))
    graph.add_service(service)
    return graph.document()


def catalogue_to_cpsv(queryset, request=None):
    """The services of `queryset` as one JSON-LD document; shared nodes (institutions, life events, channel
    types) appear once."""
    graph = _Graph(_Iris(request))
    for service in cpsv_queryset(queryset).order_by("catalogue_id"):
        graph.add_service(service)
    return graph.document()


def duration(days):
    """A processing time in days as an ISO 8601 duration (xsd:duration), e.g. 10 → P10D."""
    return {"@value": f"P{days}D", "@type": "xsd:duration"}


def texts(lv, en=""):
    """Language-tagged literals of the Latvian and, when there is one, English text."""
    values = [{"@language": "lv", "@value": lv}] if lv else []
    if en:
        values.append({"@language": "en", "@value": en})
    return values


def ref(iri):
    return {"@id": iri}


class _Iris:
    """Absolute node identifiers: pages of this site where a thing has one, fragments otherwise.

    Identifiers must not change with the reader's language, so paths are reversed in the default language
    (which has no prefix). Without a request the site's address comes from settings.SITE_URL."""

    def __init__(self, request):
        self.request = request

    def absolute(self, path):
        if self.request is not None:
            return self.request.build_absolute_uri(path)
        return getattr(settings, "SITE_URL", "http://localhost").rstrip("/") + path

    def _path(self, name, fallback, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                return reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                return fallback

    def service(self, service):
        path = self._path(
            "services:cpsv-service", f"/catalogue/{service.catalogue_id}/cpsv/", catalogue_id=service.catalogue_id
        )
        return self.absolute(path)

    @cached_property
    def catalogue(self):
        return self.absolute(self._path("services:cpsv-catalogue", "/catalogue/cpsv/"))

    def institution(self, institution):
        return self.absolute(self._path("institution-detail", f"/institutions/{institution.pk}/", pk=institution.pk))

    def municipality(self, municipality):
        return self.absolute(
            self._path("municipality-detail", f"/municipalities/{municipality.code}/", code=municipality.code)
        )

    def life_event(self, life_situation):
        fallback = f"/catalogue/life-situations/{life_situation.code}/"
        return self.absolute(self._path("services:life-situation-detail", fallback, code=life_situation.code))

    def channel_type(self, code):
        return f"{self.catalogue}#channel-type-{code}"


class _Graph:
    """Collects the nodes of a document, each once, in the order first met."""

    def __init__(self, iris):
        self.iris = iris
        self.nodes = {}

    def document(self):
        return {"@context": CONTEXT, "@graph": list(self.nodes.values())}

    def _add(self, node):
        self.nodes.setdefault(node["@id"], node)
        return ref(node["@id"])

    def add_service(self, service):
        iri = self.iris.service(service)
        node = {"@id": iri, "@type": "cpsv:PublicService"}
        self.nodes[iri] = node  # before the nodes it links to, so the document reads service first
        holder = self.add_organisation(service.holder)
        node |= {
            "dct:identifier": service.catalogue_id,
            "dct:title": texts(service.name_lv, service.name_en),
            # CPSV-AP requires a description; the name stands in for an entry that has none yet.
            "dct:description": texts(
                service.description_lv or service.name_lv, service.description_en or service.name_en
            ),
            "cv:hasCompetentAuthority": [holder],
            "adms:status": ref(ADMS_STATUS.get(service.status, ADMS_STATUS[ServiceStatus.ACTIVE])),
            "dct:spatial": [self.add_spatial(service.holder)],
            "dct:language": [ref(LATVIAN)],
        }
        channels = list(service.channels.all())
        if channels:
            node["cv:hasChannel"] = [self.add_channel(iri, service, offered, holder) for offered in channels]
        costs = [self.add_cost(iri, service, offered, holder) for offered in channels if offered.fee_amount is not None]
        if costs:
            node["cv:hasCost"] = costs
        days = [offered.processing_days for offered in channels if offered.processing_days is not None]
        if days:
            node["cv:processingTime"] = duration(max(days))  # the longest: what a person must be ready to wait
        phones = [offered.address for offered in channels if offered.channel.code == ChannelCode.PHONE]
        phones = [address for address in phones if address]
        if phones:
            contact = {"@id": f"{iri}#contact-point", "@type": "cv:ContactPoint", "cv:telephone": phones}
            node["cv:contactPoint"] = [self._add(contact)]
        life_events = [self.add_life_event(situation) for situation in service.life_situations.all()]
        if life_events:
            node["cv:isGroupedBy"] = life_events
        if service.legal_basis:
            node["cv:hasLegalResource"] = [
                self._add({"@id": f"{iri}#legal-basis", "@type": "eli:LegalResource",
                           "dct:description": texts(service.legal_basis)})
            ]  # fmt: skip
        keywords = self.keywords(service)
        if keywords:
            node["dcat:keyword"] = keywords
        return ref(iri)

    def keywords(self, service):
        """The unified template's name, so one municipal service can be found at every municipality, and the
        VPVKAC minimum basket."""
        keywords = []
        if service.template_id:
            keywords += texts(service.template.name_lv, service.template.name_en)
        if service.minimum_basket:
            keywords += texts("VPVKAC minimālais grozs", "VPVKAC minimum basket")
        return keywords

    def add_organisation(self, institution):
        return self._add(
            {
                "@id": self.iris.institution(institution),
                "@type": "cv:PublicOrganisation",
                "dct:identifier": institution.registration_number or institution.short_name,
                "skos:prefLabel": texts(institution.name_lv, institution.name_en),
                "dct:spatial": [self.add_spatial(institution)],
            }
        )

    def add_spatial(self, institution):
        """Latvia for a state body; the municipality's territory for a municipal one."""
        municipality = institution.municipality
        if municipality is None:
            return ref(LATVIA)
        return self._add(
            {
                "@id": self.iris.municipality(municipality),
                "@type": "dct:Location",
                "dct:identifier": municipality.code,
                "locn:geographicName": texts(municipality.name_lv, municipality.name_en),
                "dct:isPartOf": ref(LATVIA),
            }
        )

    def add_channel(self, service_iri, service, offered, holder):
        channel = offered.channel
        type_iri = self._add(
            {
                "@id": self.iris.channel_type(channel.code),
                "@type": "skos:Concept",
                "skos:notation": channel.code,
                "skos:prefLabel": texts(channel.name_lv, channel.name_en),
            }
        )
        node = {
            "@id": f"{service_iri}#channel-{channel.code}",
            "@type": "cv:Channel",
            "dct:identifier": f"{service.catalogue_id}/{channel.code}",
            "dct:type": type_iri,
            "cv:ownedBy": [holder],
        }
        if offered.address:
            node["dct:description"] = texts(
                f"{channel.name_lv}: {offered.address}", f"{channel.name_en}: {offered.address}"
            )
        if offered.processing_days is not None:
            node["cv:processingTime"] = duration(offered.processing_days)
        return self._add(node)

    def add_cost(self, service_iri, service, offered, holder):
        code = offered.channel.code
        node = {
            "@id": f"{service_iri}#cost-{code}",
            "@type": "cv:Cost",
            "dct:identifier": f"{service.catalogue_id}/{code}/fee",
            "cv:hasValue": {"@value": float(offered.fee_amount), "@type": "xsd:double"},
            "cv:currency": ref(AUTHORITY + "currency/" + (offered.fee_currency or "EUR")),
            "cv:ifAccessedThrough": ref(f"{service_iri}#channel-{code}"),
            "cv:isDefinedBy": [holder],
        }
        if offered.fee_conditions:
            node["dct:description"] = texts(offered.fee_conditions)
        return self._add(node)

    def add_life_event(self, situation):
        return self._add(
            {
                "@id": self.iris.life_event(situation),
                "@type": "cv:LifeEvent",
                "dct:identifier": situation.code,
                "dct:title": texts(situation.name_lv, situation.name_en),
                **(
                    {"dct:description": texts(situation.description_lv, situation.description_en)}
                    if situation.description_lv
                    else {}
                ),
            }
        )
