"""The open data sets: what anyone may read without signing in, as pages, CSV/JSON/XLSX downloads and the open API.

One definition per data set (`DATASETS`): its identifier, title and description, licence (CC BY 4.0), update
frequency, fields with their types and descriptions, the filter set that narrows it, and how its rows are built.
The pages (reports/open_views.py), the downloads and the API (reports/api/) all read the same definitions, so a
field, a filter or a privacy rule is written once. The metadata is published in Latvian and English at once (the
DCAT-AP catalogue carries both), so it is written here in both languages.

What is published, and what is not:

- Service catalogue: the catalogue's public fields. Channels are named by their code; their addresses (phone
  numbers, e-mail addresses) are left out.
- Yearly service figures: roll-ups of the stored cost figures (services/costing.py), summed first and divided
  afterwards, for the country, each institution and each unified municipal service. The public is treated more
  strictly than any signed-in reader (services/scoping.py `visible_cost_figures`): a cost over a unified service
  is published only when at least MIN_PEERS_DISCLOSED providers have a cost per transaction, and so is the
  stored peer median.
- E-index results: only final results, i.e. the current version of an assessment the expert approved
  (assessments/workflow.py `approve`); the score and level of the overall result and of each area. Ranks,
  trends and previous scores are left out: they are computed against assessments that are not final.
- VPVKAC centres and figures: the registry's public fields, opening hours and the institutions present; the
  municipalities' stored results (vpvkac/network.py). No operators, no desk staff, no contacts.

No data set has a field for a person's name, e-mail address or phone number.

Caching: every data set states its freshness cheaply (`DataSet.freshness`: a few aggregate queries over
timestamps, counts and history ids); the downloads and the API turn it into an ETag and a Last-Modified header
and answer a conditional request with 304. The rows of the aggregated data set are cached under the same token.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

import django_filters
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, Sum, TextChoices
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, AssessmentStatus, Family, MaturityLevel, Score
from config import remembered
from institutions.models import DevelopmentTier, Institution, InstitutionType, Municipality
from services import costing
from services.cpsv import catalogue_to_cpsv
from services.filtersets import ServiceFilterSet
from services.models import (
    ChannelCode,
    CostFigure,
    LifeSituation,
    MissingReason,
    Service,
    ServiceChannel,
    ServiceKind,
    ServiceLevel,
    ServiceStatus,
)
from services.models.catalogue import SERVICE_CONDITIONS
from services.scoping import MIN_PEERS_DISCLOSED
from vpvkac.filtersets import CentreFilterSet
from vpvkac.models import (
    Centre,
    CentreStatus,
    CostBand,
    CostBasis,
    CostMissing,
    Desk,
    MunicipalityFigure,
    OpeningHours,
    PeriodSummary,
    ReportingPeriod,
)

# --- metadata shared by every data set -------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A text in Latvian and English; str() gives the active language's."""

    lv: str
    en: str

    def __str__(self):
        return self.en if (get_language() or "lv").startswith("en") else self.lv

    def language_tagged(self):
        """JSON-LD literals of both languages."""
        return [{"@language": "lv", "@value": self.lv}, {"@language": "en", "@value": self.en}]


LICENCE_IRI = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_NAME = "CC BY 4.0"

PUBLISHER = Text(
    "Viedās administrācijas un reģionālās attīstības ministrija",
    "Ministry of Smart Administration and Regional Development",
)
PUBLISHER_URL = "https://www.varam.gov.lv/"
CATALOGUE_TITLE = Text("Pakalpojumu vides pārvaldības atvērtie dati", "Open data of public service governance")
CATALOGUE_DESCRIPTION = Text(
    "Latvijas publisko pakalpojumu katalogs, pakalpojumu gada rādītāji, E-indeksa rezultāti un valsts un "
    "pašvaldību vienoto klientu apkalpošanas centru (VPVKAC) tīkls.",
    "Latvia's public service catalogue, yearly service figures, E-index results and the network of unified state "
    "and municipal client service centres (VPVKAC).",
)
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
GOVERNMENT_THEME = EU_AUTHORITY + "data-theme/GOVE"
LATVIA = EU_AUTHORITY + "country/LVA"
LANGUAGES = (EU_AUTHORITY + "language/LAV", EU_AUTHORITY + "language/ENG")


class Frequency(TextChoices):
    """How often a data set changes, as codes of the EU frequency vocabulary (dct:accrualPeriodicity)."""

    CONTINUOUS = "UPDATE_CONT", _("Updated continuously")
    ANNUAL = "ANNUAL", _("Every year")
    IRREGULAR = "IRREG", _("After each assessment round")


class FieldType(TextChoices):
    STRING = "string", _("text")
    INTEGER = "integer", _("whole number")
    DECIMAL = "decimal", _("decimal number")
    BOOLEAN = "boolean", _("true or false")
    DATE = "date", _("date (YYYY-MM-DD)")
    DATETIME = "datetime", _("date and time (ISO 8601)")
    LIST = "list", _("list of codes")


XSD_TYPES = {
    FieldType.STRING: "xsd:string",
    FieldType.INTEGER: "xsd:integer",
    FieldType.DECIMAL: "xsd:decimal",
    FieldType.BOOLEAN: "xsd:boolean",
    FieldType.DATE: "xsd:date",
    FieldType.DATETIME: "xsd:dateTime",
    FieldType.LIST: "xsd:string",
}
LIST_SEPARATOR = "; "  # how a list is written in a CSV or XLSX cell


@dataclass(frozen=True)
class Field:
    """One column of a data set. `codes` lists the values of a code list, where the field holds one."""

    name: str
    type: str
    description: Text
    codes: tuple = ()
    nullable: bool = False

    @property
    def code_values(self):
        return tuple(value for value, _label in self.codes)

    @property
    def type_label(self):
        return FieldType(self.type).label


@dataclass(frozen=True)
class Freshness:
    """How current a data set is: the time of its latest change and a token that changes with any change."""

    last_modified: datetime | None
    token: str

    def etag(self, variant):
        """A strong ETag of one representation (`variant`: format and query) of the data in this state."""
        digest = hashlib.sha256(f"{self.token}|{variant}".encode()).hexdigest()[:40]
        return f'"{digest}"'

    @property
    def last_modified_http(self):
        return http_date(self.last_modified.timestamp()) if self.last_modified else None


def _freshness(*aggregates):
    """A Freshness from aggregate results (dicts); every datetime among their values may be the latest change."""
    stamps = [value for values in aggregates for value in values.values() if isinstance(value, datetime)]
    token = json.dumps([sorted(values.items()) for values in aggregates], default=str)
    # HTTP dates have whole seconds: a Last-Modified of 12:00:00.7 must compare equal to "12:00:00".
    latest = max(stamps).replace(microsecond=0) if stamps else None
    return Freshness(latest, token)


def combined_freshness(freshness):
    """The freshness of several data sets together (`freshness` maps ids to Freshness)."""
    stamps = [item.last_modified for item in freshness.values() if item.last_modified]
    return Freshness(max(stamps) if stamps else None, "|".join(item.token for item in freshness.values()))


def all_freshness():
    return {dataset.id: dataset.freshness() for dataset in DATASETS.values()}


def _history(model):
    """The latest change recorded in a model's history (every save, delete and m2m change adds a row); two lookups
    on indexed columns."""
    return model.history.aggregate(changed=Max("history_date"), last=Max("history_id"))


class CachedRows(Sequence):
    """Rows computed once by `compute` and kept in the cache under `key` in chunks of CHUNK_ROWS; taking a slice
    reads only the chunks it covers. A chunk gone from the cache (evicted) has every row computed again."""

    CHUNK_ROWS = 500
    SECONDS = 3600

    def __init__(self, key, compute):
        self.key = key
        self.compute = compute
        self._length = None
        self._computed = None

    def _store(self):
        rows = self._computed = list(self.compute())
        chunks = {f"{self.key}:{start}": rows[start : start + self.CHUNK_ROWS] for start in self._starts(len(rows))}
        cache.set_many(chunks, self.SECONDS)
        cache.set(self.key, len(rows), self.SECONDS)  # last: a length found means its chunks were stored
        return len(rows)

    def _starts(self, length, begin=0, end=None):
        end = length if end is None else end
        return range(begin - begin % self.CHUNK_ROWS, end, self.CHUNK_ROWS)

    def __len__(self):
        if self._length is None:
            self._length = cache.get(self.key)
            if self._length is None:
                self._length = self._store()
        return self._length

    def _slice(self, begin, end):
        if self._computed is not None:
            return self._computed[begin:end]
        keys = [f"{self.key}:{start}" for start in self._starts(len(self), begin, end)]
        found = cache.get_many(keys)
        if len(found) < len(keys):
            self._store()
            return self._computed[begin:end]
        first = begin - begin % self.CHUNK_ROWS
        joined = [row for chunk_key in keys for row in found[chunk_key]]
        return joined[begin - first : end - first]

    def __getitem__(self, index):
        if isinstance(index, slice):
            begin, end, step = index.indices(len(self))
            rows = self._slice(begin, end) if end > begin else []
            return rows if step == 1 else rows[::step]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._slice(index, index + 1)[0]

    def __iter__(self):
        for start in self._starts(len(self)):
            yield from self._slice(start, min(start + self.CHUNK_ROWS, len(self)))


@dataclass
class Selection:
    """A data set narrowed by a filter set bound to the request's query."""

    dataset: "DataSet"
    filterset: django_filters.FilterSet

    @property
    def is_valid(self):
        return self.filterset.is_valid()

    @property
    def errors(self):
        return self.filterset.errors

    @property
    def params(self):
        return self.filterset.form.cleaned_data if self.is_valid else {}

    @property
    def queryset(self):
        return self.filterset.qs


@dataclass(frozen=True)
class DataSet:
    """One open data set. Rows are built either one per object of the filtered queryset (`row`) or over the whole
    filtered queryset at once (`aggregate`, for roll-ups); each row is a dict with one key per field."""

    id: str
    title: Text
    description: Text
    frequency: str
    keywords: tuple
    fields: tuple
    filterset_class: type
    queryset: Callable
    freshness_of: Callable
    example: dict
    preview: tuple = ()
    row: Callable | None = None
    aggregate: Callable | None = None
    note: Text | None = None

    @property
    def field_names(self):
        return [item.name for item in self.fields]

    @property
    def per_object(self):
        return self.row is not None

    @property
    def frequency_label(self):
        return Frequency(self.frequency).label

    @property
    def frequency_iri(self):
        return EU_AUTHORITY + "frequency/" + self.frequency

    def freshness(self):
        return self.freshness_of()

    def select(self, data, request=None):
        """The data set narrowed by `data` (a QueryDict of filters; other keys are ignored)."""
        return Selection(self, self.filterset_class(data, queryset=self.queryset(), request=request))

    def rows_of(self, objects):
        """Rows of a page of objects of a per-object data set."""
        return [self.row(item) for item in objects]

    def rows(self, selection, freshness=None):
        """Every row of the selection. Aggregated rows are cached under the data set's freshness token, in chunks:
        a page of the API reads the chunk it shows, not the whole data set."""
        if self.per_object:
            return self.rows_of(selection.queryset)
        freshness = freshness or self.freshness()
        params = sorted((key, str(getattr(value, "pk", value))) for key, value in selection.params.items())
        key = "open-data:" + hashlib.sha256(f"{self.id}|{freshness.token}|{params}".encode()).hexdigest()
        return CachedRows(key, lambda: self.aggregate(selection.queryset, selection.params))

    def iter_rows(self, selection, chunk_size=1000):
        """Every row of the selection, read in chunks (the prefetches run once per chunk)."""
        if not self.per_object:
            yield from self.rows(selection)
            return
        for item in selection.queryset.iterator(chunk_size=chunk_size):
            yield self.row(item)


# --- values as published ---------------------------------------------------------------------------------------


def rounded(value, places):
    """A Decimal rounded half up to `places` decimals; None stays None."""
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def cell(value):
    """A value as a CSV or XLSX cell: lists joined, booleans as true/false, dates in ISO 8601, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def in_both_languages(name, lv, en):
    """The text fields `name`_lv and `name`_en, each described as "<lv> latviski." / "<en> in Latvian." and
    likewise for English."""
    return (
        Field(f"{name}_lv", FieldType.STRING, Text(f"{lv} latviski.", f"{en} in Latvian.")),
        Field(f"{name}_en", FieldType.STRING, Text(f"{lv} angliski.", f"{en} in English.")),
    )


def _codes(choices):
    """A code list as (code, label) pairs."""
    return tuple((value, label) for value, label in choices)


# --- 1. the service catalogue ----------------------------------------------------------------------------------

CONDITION_CODES = tuple((name, name.removeprefix("condition_")) for name, _label in SERVICE_CONDITIONS)


def _holders():
    return Institution.objects.filter(Exists(Service.objects.filter(holder=OuterRef("pk")))).order_by("short_name")


def _providers():
    provided = Service.providers.through.objects.filter(institution_id=OuterRef("pk"))
    return Institution.objects.filter(Exists(provided)).order_by("short_name")


class OpenServiceFilterSet(ServiceFilterSet):
    """The catalogue list's filter set, with institutions named by their short names, as the data set names them."""

    holder = django_filters.ModelMultipleChoiceFilter(
        queryset=_holders(),
        to_field_name="short_name",
        field_name="holder",
        method="filter_holder",
        label=_("Holder"),
    )
    provider = django_filters.ModelMultipleChoiceFilter(
        queryset=_providers(),
        to_field_name="short_name",
        field_name="providers",
        method="filter_provider",
        label=_("Provider"),
    )
    institution = django_filters.ModelChoiceFilter(
        queryset=Institution.objects.order_by("short_name"),
        to_field_name="short_name",
        field_name="holder",
        method="filter_institution",
        label=_("Holder or provider"),
    )

    def filter_holder(self, queryset, name, value):
        # By the institutions themselves: the filter's own lookup would compare the key with the short names.
        return queryset.filter(holder__in=value) if value else queryset


def _service_queryset():
    return (
        Service.objects.select_related("holder", "template")
        .prefetch_related(
            Prefetch("providers", queryset=Institution.objects.order_by("short_name").only("pk", "short_name")),
            Prefetch("life_situations", queryset=LifeSituation.objects.order_by("code")),
            Prefetch("channels", queryset=ServiceChannel.objects.select_related("channel").order_by("channel__order")),
        )
        .order_by("catalogue_id")
    )


def _service_row(service):
    return {
        "catalogue_id": service.catalogue_id,
        "name_lv": service.name_lv,
        "name_en": service.name_en,
        "description_lv": service.description_lv,
        "description_en": service.description_en,
        "kind": service.kind,
        "level": service.level,
        "status": service.status,
        "holder": service.holder.short_name,
        "holder_name_lv": service.holder.name_lv,
        "holder_name_en": service.holder.name_en,
        "providers": [provider.short_name for provider in service.providers.all()],
        "unified_template": service.template.code if service.template_id else "",
        "for_natural_persons": service.for_natural_persons,
        "for_legal_persons": service.for_legal_persons,
        "valid_from": service.valid_from,
        "valid_to": service.valid_to,
        "life_situations": [situation.code for situation in service.life_situations.all()],
        "minimum_basket": service.minimum_basket,
        "digital_only": service.digital_only,
        "physical_presence_reason": service.physical_presence_reason,
        "channels": [offered.channel.code for offered in service.channels.all()],
        "conditions": [code for name, code in CONDITION_CODES if getattr(service, name)],
        "legal_basis": service.legal_basis,
        "url": service.url,
        "is_demo": service.is_demo,
        "updated_at": service.updated_at,
    }


def _service_freshness():
    return _freshness(
        Service.objects.aggregate(updated=Max("updated_at"), count=Count("pk")),
        _history(Service),
        _history(ServiceChannel),
        _history(Institution),
    )


SERVICES = DataSet(
    id="services",
    title=Text("Publisko pakalpojumu katalogs", "Public service catalogue"),
    description=Text(
        "Visi publisko pakalpojumu kataloga ieraksti: identifikators, nosaukumi un apraksti, veids, līmenis, "
        "statuss, turētājiestāde un sniedzējiestādes, saņēmēji, vienotā pašvaldību pakalpojuma veidne, dzīves "
        "situācijas, kanāli, kuros pakalpojums pieejams, piemērojamie PVPP2027 nosacījumi un tiesiskais pamats. "
        "Tikai kataloga publiskie lauki: bez sniedzēju skaitļiem un bez kanālu adresēm.",
        "Every entry of the public service catalogue: identifier, names and descriptions, kind, level, status, "
        "holder and provider institutions, recipients, unified municipal service template, life situations, the "
        "channels it is offered through, the PVPP2027 conditions that apply and its legal basis. Only the "
        "catalogue's public fields: no providers' figures and no channel addresses.",
    ),
    frequency=Frequency.CONTINUOUS,
    keywords=(Text("pakalpojumi", "services"), Text("katalogs", "catalogue"), Text("CPSV-AP", "CPSV-AP")),
    fields=(
        Field("catalogue_id", FieldType.STRING, Text("Kataloga identifikators.", "Catalogue identifier.")),
        Field("name_lv", FieldType.STRING, Text("Nosaukums latviski.", "Name in Latvian.")),
        Field("name_en", FieldType.STRING, Text("Nosaukums angliski (var nebūt).", "Name in English (may be empty).")),
        *in_both_languages("description", "Apraksts", "Description"),
        Field(
            "kind",
            FieldType.STRING,
            Text("Pakalpojuma veids (PVPP2027 4.2. punkts).", "Kind of service (PVPP2027 §4.2)."),
            codes=_codes(ServiceKind.choices),
        ),
        Field(
            "level",
            FieldType.STRING,
            Text("Valsts vai pašvaldības.", "State or municipal."),
            _codes(ServiceLevel.choices),
        ),
        Field(
            "status",
            FieldType.STRING,
            Text("Dzīves cikla statuss.", "Lifecycle status."),
            _codes(ServiceStatus.choices),
        ),
        Field(
            "holder",
            FieldType.STRING,
            Text("Turētājiestādes īsais nosaukums.", "Short name of the holder institution."),
        ),
        *in_both_languages("holder_name", "Turētājiestādes nosaukums", "Holder's name"),
        Field(
            "providers",
            FieldType.LIST,
            Text("Sniedzējiestāžu īsie nosaukumi.", "Short names of the provider institutions."),
        ),
        Field(
            "unified_template",
            FieldType.STRING,
            Text(
                "Vienotā pašvaldību pakalpojuma veidnes kods; tukšs, ja tādas nav.",
                "Code of the unified municipal service template; empty if none.",
            ),
        ),
        Field(
            "for_natural_persons",
            FieldType.BOOLEAN,
            Text("Saņēmēji: fiziskas personas.", "Recipients: natural persons."),
        ),
        Field(
            "for_legal_persons", FieldType.BOOLEAN, Text("Saņēmēji: juridiskas personas.", "Recipients: legal persons.")
        ),
        Field("valid_from", FieldType.DATE, Text("Sniedz no.", "Provided from."), nullable=True),
        Field("valid_to", FieldType.DATE, Text("Sniedz līdz.", "Provided until."), nullable=True),
        Field("life_situations", FieldType.LIST, Text("Dzīves situāciju kodi.", "Codes of the life situations.")),
        Field(
            "minimum_basket",
            FieldType.BOOLEAN,
            Text("Minimālais grozs: jāatbalsta katrā VPVKAC.", "Minimum basket: every VPVKAC must support it."),
        ),
        Field("digital_only", FieldType.BOOLEAN, Text("Pieejams tikai digitāli.", "Offered digitally only.")),
        Field(
            "physical_presence_reason",
            FieldType.STRING,
            Text("Kāpēc nepieciešama klātiene.", "Why physical presence is needed."),
        ),
        Field(
            "channels",
            FieldType.LIST,
            Text("Kanālu kodi, kuros pakalpojums pieejams.", "Codes of the channels the service is offered through."),
            codes=_codes(ChannelCode.choices),
        ),
        Field(
            "conditions",
            FieldType.LIST,
            Text("Piemērojamie PVPP2027 nosacījumi.", "The PVPP2027 conditions that apply."),
            codes=tuple((name.removeprefix("condition_"), label) for name, label in SERVICE_CONDITIONS),
        ),
        Field("legal_basis", FieldType.STRING, Text("Tiesiskais pamats.", "Legal basis.")),
        Field("url", FieldType.STRING, Text("Saite uz pakalpojuma aprakstu.", "Link to the service's description.")),
        Field("is_demo", FieldType.BOOLEAN, Text("Demonstrācijas dati.", "Demo data.")),
        Field("updated_at", FieldType.DATETIME, Text("Pēdējo reizi mainīts.", "Last changed.")),
    ),
    filterset_class=OpenServiceFilterSet,
    queryset=_service_queryset,
    freshness_of=_service_freshness,
    row=_service_row,
    preview=("catalogue_id", "name_lv", "name_en", "holder", "level", "status", "channels"),
    example={
        "catalogue_id": "VID-0001",
        "name_lv": "Gada ienākumu deklarācijas iesniegšana",
        "name_en": "Submitting the annual income declaration",
        "description_lv": "Iedzīvotājs iesniedz gada ienākumu deklarāciju.",
        "description_en": "A resident submits the annual income declaration.",
        "kind": "for_person",
        "level": "state",
        "status": "active",
        "holder": "VID",
        "holder_name_lv": "Valsts ieņēmumu dienests",
        "holder_name_en": "State Revenue Service",
        "providers": ["VID"],
        "unified_template": "",
        "for_natural_persons": True,
        "for_legal_persons": False,
        "valid_from": "2020-01-01",
        "valid_to": None,
        "life_situations": ["nodokli"],
        "minimum_basket": True,
        "digital_only": False,
        "physical_presence_reason": "",
        "channels": ["portal", "own_site", "vpvkac_assisted"],
        "conditions": ["manageability", "needs", "accessibility", "digital", "usability"],
        "legal_basis": "Likums “Par iedzīvotāju ienākuma nodokli”",
        "url": "https://www.vid.gov.lv/",
        "is_demo": False,
        "updated_at": "2025-03-01T10:00:00+02:00",
    },
)


# --- 2. yearly service figures, aggregated -----------------------------------------------------------------------


class FigureLevel(TextChoices):
    NATIONAL = "national", _("Whole country")
    INSTITUTION = "institution", _("Institution")
    UNIFIED_SERVICE = "unified_service", _("Unified municipal service")


ALL_CHANNELS = "all"
NO_TRANSACTIONS, NO_COST, PEERS_WITHHELD = (
    MissingReason.NO_TRANSACTIONS,
    MissingReason.NO_COST,
    MissingReason.PEERS_WITHHELD,
)
NATIONAL_GROUP = "LV"
NATIONAL_NAME = Text("Latvija", "Latvia")


def _figure_institutions():
    return Institution.objects.filter(Exists(CostFigure.objects.filter(provider=OuterRef("pk")))).order_by("short_name")


def _channel_choices():
    return [(ALL_CHANNELS, _("All channels together")), *ChannelCode.choices]


class ServiceFigureFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="year", label=_("Year"))
    level = django_filters.ChoiceFilter(choices=FigureLevel.choices, method="filter_level", label=_("Level"))
    institution = django_filters.ModelChoiceFilter(
        queryset=_figure_institutions(), to_field_name="short_name", field_name="provider", label=_("Institution")
    )
    channel = django_filters.ChoiceFilter(
        field_name="channel__code", choices=_channel_choices(), method="filter_channel", label=_("Channel")
    )

    class Meta:
        model = CostFigure
        fields = []

    def filter_level(self, queryset, name, value):
        # The level chooses which roll-ups are built (reports/open_data.py _figure_rows), not which figures count.
        return queryset

    def filter_channel(self, queryset, name, value):
        if value == ALL_CHANNELS:
            return queryset.filter(channel__isnull=True)
        return queryset.filter(channel__code=value)


def _figure_sums():
    """The summed columns of a roll-up, the providers counted, and the rows of demo services. Demo figures belong
    to demo services only (services/demo_data.py never adds figures to a real entry), so the service's flag says it
    with one join, where asking the figures themselves cost a look-up per cost row (30 s at national scale)."""
    return {
        **{name: Sum(name) for name in costing.SUMMED},
        "provider_count": Count("provider_id", distinct=True),
        "with_value": Count("pk", filter=Q(cost_per_transaction__isnull=False)),
        "demo_rows": Count("pk", filter=Q(service__is_demo=True)),
    }


def _figure_row(level, group, name, sums, peers=None):
    """One published row from a roll-up's sums (services/costing.py `ratios`: sum first, divide afterwards).

    For a unified service the cost is withheld unless MIN_PEERS_DISCLOSED providers have a cost per transaction:
    with fewer, a provider who knows its own cost could work out the others'. The stored peer median likewise."""
    ratios = costing.ratios(sums)
    withheld = level == FigureLevel.UNIFIED_SERVICE and (sums["with_value"] or 0) < MIN_PEERS_DISCLOSED
    peer_count = peers["peer_count"] if peers else None
    peer_median = peers["peer_median"] if peers and (peer_count or 0) >= MIN_PEERS_DISCLOSED else None
    missing = PEERS_WITHHELD.value if withheld else ratios["cost_per_transaction_missing"]
    return {
        "year": sums["year"],
        "level": level,
        "group": group,
        "group_name_lv": name.lv,
        "group_name_en": name.en,
        "channel": sums["channel__code"] or ALL_CHANNELS,
        "providers": sums["provider_count"],
        "transactions": sums["transactions"] or 0,
        "digital_transactions": sums["digital_transactions"] or 0,
        "digital_share": rounded(ratios["digital_takeup"], 4),
        "completion_rate": rounded(ratios["completion_rate"], 4),
        "satisfaction_score": rounded(ratios["satisfaction_score"], 2),
        "cost": None if withheld else rounded(sums["cost"], 2),
        "costed_transactions": None if withheld else (sums["costed_transactions"] or 0),
        "cost_per_transaction": None if withheld else rounded(ratios["cost_per_transaction"], 4),
        "cost_per_transaction_missing": missing,
        "peer_count": peer_count,
        "peer_median_cost_per_transaction": rounded(peer_median, 4),
        "includes_demo_data": bool(sums["demo_rows"]),
    }


CHANNEL_ORDER = {code: index for index, code in enumerate([ALL_CHANNELS, *ChannelCode.values])}
LEVEL_ORDER = {level: index for index, level in enumerate(FigureLevel.values)}


def _figure_rows(queryset, params):
    """The roll-ups of the filtered cost figures: per year and channel (and all channels together) for the country,
    each provider institution and each unified municipal service. One grouped query per level."""
    levels = [params["level"]] if params.get("level") else list(FigureLevel.values)
    sums = _figure_sums()
    rows = []
    if FigureLevel.NATIONAL in levels:
        for values in queryset.values("year", "channel__code").annotate(**sums).order_by():
            rows.append(_figure_row(FigureLevel.NATIONAL, NATIONAL_GROUP, NATIONAL_NAME, values))
    if FigureLevel.INSTITUTION in levels:
        grouped = queryset.values(
            "year", "channel__code", "provider__short_name", "provider__name_lv", "provider__name_en"
        ).annotate(**sums)
        for values in grouped.order_by():
            name = Text(values["provider__name_lv"], values["provider__name_en"] or values["provider__name_lv"])
            rows.append(_figure_row(FigureLevel.INSTITUTION, values["provider__short_name"], name, values))
    if FigureLevel.UNIFIED_SERVICE in levels:
        # Every row of a peer group stores the group's count and median, so the maximum is that value.
        grouped = (
            queryset.filter(template__isnull=False)
            .values("year", "channel__code", "template__code", "template__name_lv", "template__name_en")
            .annotate(**sums, peer_count=Max("peer_count"), peer_median=Max("peer_median"))
        )
        for values in grouped.order_by():
            name = Text(values["template__name_lv"], values["template__name_en"] or values["template__name_lv"])
            rows.append(_figure_row(FigureLevel.UNIFIED_SERVICE, values["template__code"], name, values, values))
    rows.sort(
        key=lambda row: (-row["year"], LEVEL_ORDER[row["level"]], row["group"], CHANNEL_ORDER.get(row["channel"], 99))
    )
    return rows


def _figure_freshness():
    # One pass over the stored figures: a recomputation rewrites `computed_at` of every row it writes.
    return _freshness(
        remembered.aggregate(CostFigure.objects.all(), computed=Max("computed_at"), count=Count("pk")),
        _history(Institution),
    )


SERVICE_FIGURES = DataSet(
    id="service-figures",
    title=Text("Pakalpojumu gada rādītāji (apkopoti)", "Yearly service figures (aggregated)"),
    description=Text(
        "Pabeigtie darījumi pa kanāliem, digitālais īpatsvars, pabeigšanas īpatsvars, apmierinātības rādītājs un "
        "izmaksas uz vienu darījumu katrā gadā: visai valstij, katrai sniedzējiestādei un katram vienotajam "
        "pašvaldību pakalpojumam. Vispirms summē, tad dala. Vienotā pakalpojuma izmaksas un sniedzēju izmaksu "
        "mediānu publicē tikai tad, ja izmaksas uz darījumu ir zināmas vismaz pieciem sniedzējiem.",
        "Completed transactions by channel, digital share, completion rate, satisfaction score and cost per "
        "transaction in each year: for the whole country, each provider institution and each unified municipal "
        "service. Sums are added up first and divided afterwards. The cost of a unified service and the median "
        "of its providers' costs are published only when at least five providers have a cost per transaction.",
    ),
    frequency=Frequency.ANNUAL,
    keywords=(
        Text("darījumi", "transactions"),
        Text("kanāli", "channels"),
        Text("izmaksas", "costs"),
        Text("digitālais īpatsvars", "digital take-up"),
    ),
    fields=(
        Field("year", FieldType.INTEGER, Text("Gads.", "Year.")),
        Field(
            "level",
            FieldType.STRING,
            Text(
                "Apkopojuma līmenis: valsts, iestāde vai vienotais pašvaldību pakalpojums.",
                "Level of the roll-up: the country, an institution or a unified municipal service.",
            ),
            codes=_codes(FigureLevel.choices),
        ),
        Field(
            "group",
            FieldType.STRING,
            Text(
                "LV visai valstij, iestādes īsais nosaukums vai vienotā pakalpojuma veidnes kods.",
                "LV for the country, the institution's short name or the unified service template's code.",
            ),
        ),
        *in_both_languages("group_name", "Grupas nosaukums", "Name of the group"),
        Field(
            "channel",
            FieldType.STRING,
            Text("Kanāla kods; all — visi kanāli kopā.", "Channel code; all for every channel together."),
            codes=_codes(_channel_choices()),
        ),
        Field("providers", FieldType.INTEGER, Text("Sniedzēju skaits apkopojumā.", "Providers in the roll-up.")),
        Field("transactions", FieldType.INTEGER, Text("Pabeigtie darījumi.", "Completed transactions.")),
        Field(
            "digital_transactions",
            FieldType.INTEGER,
            Text("Digitālajos kanālos pabeigtie darījumi.", "Transactions completed through digital channels."),
        ),
        Field(
            "digital_share",
            FieldType.DECIMAL,
            Text("Digitālais īpatsvars (0–1).", "Digital take-up (0–1): digital transactions / transactions."),
            nullable=True,
        ),
        Field(
            "completion_rate",
            FieldType.DECIMAL,
            Text(
                "Pabeigšanas īpatsvars (0–1), kur uzsākto pieteikumu skaits ir zināms.",
                "Completion rate (0–1) where applications started are reported.",
            ),
            nullable=True,
        ),
        Field(
            "satisfaction_score",
            FieldType.DECIMAL,
            Text("Apmierinātības rādītājs (0–100).", "Satisfaction score (0–100), weighted by responses."),
            nullable=True,
        ),
        Field(
            "cost",
            FieldType.DECIMAL,
            Text(
                "Izmaksas, EUR (tieši attiecinātās un sadalītās kopīgās).", "Cost in EUR (direct and allocated shared)."
            ),
            nullable=True,
        ),
        Field(
            "costed_transactions",
            FieldType.INTEGER,
            Text("Darījumi, kuru izmaksas ir zināmas.", "Transactions whose cost is known."),
            nullable=True,
        ),
        Field(
            "cost_per_transaction",
            FieldType.DECIMAL,
            Text("Izmaksas uz vienu darījumu, EUR.", "Cost per transaction in EUR: cost / costed transactions."),
            nullable=True,
        ),
        Field(
            "cost_per_transaction_missing",
            FieldType.STRING,
            Text(
                "Kāpēc izmaksu uz darījumu nav: no_transactions, no_cost vai peers_withheld (mazāk par pieciem "
                "sniedzējiem).",
                "Why there is no cost per transaction: no_transactions, no_cost or peers_withheld (fewer than five "
                "providers).",
            ),
            codes=(
                ("", _("Has a value")),
                *_codes((reason, reason.label) for reason in (NO_TRANSACTIONS, NO_COST, PEERS_WITHHELD)),
            ),
        ),
        Field(
            "peer_count",
            FieldType.INTEGER,
            Text(
                "Vienotajam pakalpojumam: sniedzēji, kuru izmaksas uz darījumu ir zināmas.",
                "For a unified service: providers with a cost per transaction.",
            ),
            nullable=True,
        ),
        Field(
            "peer_median_cost_per_transaction",
            FieldType.DECIMAL,
            Text(
                "Vienotajam pakalpojumam: sniedzēju izmaksu uz darījumu mediāna, ja sniedzēju ir vismaz pieci.",
                "For a unified service: the median of the providers' costs per transaction, when there are at least "
                "five.",
            ),
            nullable=True,
        ),
        Field(
            "includes_demo_data",
            FieldType.BOOLEAN,
            Text("Apkopojumā ir demonstrācijas dati.", "The roll-up includes demo figures."),
        ),
    ),
    filterset_class=ServiceFigureFilterSet,
    queryset=lambda: CostFigure.objects.all(),
    freshness_of=_figure_freshness,
    aggregate=_figure_rows,
    preview=("year", "level", "group", "channel", "transactions", "digital_share", "cost_per_transaction"),
    example={
        "year": 2024,
        "level": "national",
        "group": "LV",
        "group_name_lv": "Latvija",
        "group_name_en": "Latvia",
        "channel": "all",
        "providers": 58,
        "transactions": 1250000,
        "digital_transactions": 937500,
        "digital_share": 0.75,
        "completion_rate": 0.9612,
        "satisfaction_score": 81.25,
        "cost": 3125000.0,
        "costed_transactions": 1200000,
        "cost_per_transaction": 2.6042,
        "cost_per_transaction_missing": "",
        "peer_count": None,
        "peer_median_cost_per_transaction": None,
        "includes_demo_data": False,
    },
    note=Text(
        "Valsts un iestāžu rindas apkopo visus pakalpojumus; vienotā pakalpojuma rindās izmaksas ir tikai tad, ja "
        "tās zināmas vismaz pieciem sniedzējiem.",
        "The country and institution rows sum every service; a unified service's row has a cost only when at "
        "least five providers have one.",
    ),
)


# --- 3. E-index results -------------------------------------------------------------------------------------------

EINDEX_FAMILIES = (Family.EINDEX_INSTITUTION, Family.EINDEX_MUNICIPALITY)
OVERALL = "overall"
OVERALL_NAME = Text("Kopvērtējums", "Overall")


def final_assessments():
    """The E-index assessments whose results are final: the current version, approved by the expert. A reopened
    assessment leaves the data set until it is approved again."""
    return Assessment.objects.filter(
        is_current=True, status=AssessmentStatus.APPROVED, round__methodology__family__in=EINDEX_FAMILIES
    )


def _assessed_organisations():
    return Institution.objects.filter(Exists(final_assessments().filter(institution=OuterRef("pk")))).order_by(
        "short_name"
    )


class EIndexResultFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="assessment__round__year", label=_("Year"))
    family = django_filters.ChoiceFilter(
        field_name="assessment__round__methodology__family",
        choices=[(family.value, family.label) for family in EINDEX_FAMILIES],
        label=_("Questionnaire"),
    )
    round = django_filters.NumberFilter(field_name="assessment__round_id", label=_("Round (id)"))
    organisation = django_filters.ModelChoiceFilter(
        queryset=_assessed_organisations(),
        to_field_name="short_name",
        field_name="assessment__institution",
        label=_("Organisation"),
    )
    municipality = django_filters.ModelChoiceFilter(
        queryset=Municipality.objects.order_by("name_lv"),
        to_field_name="code",
        field_name="assessment__institution__municipality",
        label=_("Municipality"),
    )
    area = django_filters.CharFilter(method="filter_area", label=_("Area (code, or “overall”)"))
    level = django_filters.ChoiceFilter(choices=MaturityLevel.choices, label=_("Level"))

    class Meta:
        model = Score
        fields = []

    def filter_area(self, queryset, name, value):
        if value == OVERALL:
            return queryset.filter(area__isnull=True)
        return queryset.filter(area__code=value)


def _eindex_queryset():
    return (
        Score.objects.filter(assessment__in=final_assessments())
        .select_related(
            "area",
            "assessment__round__methodology",
            "assessment__institution__municipality",
        )
        .order_by(
            "-assessment__round__year",
            "assessment__round_id",
            "assessment__institution__short_name",
            F("area__order").asc(nulls_first=True),
            "area__code",
        )
    )


def _eindex_row(score):
    assessment = score.assessment
    round_, organisation = assessment.round, assessment.institution
    area_name = Text(score.area.name_lv, score.area.name_en or score.area.name_lv) if score.area_id else OVERALL_NAME
    return {
        "year": round_.year,
        "round": round_.pk,
        "round_name_lv": round_.name_lv,
        "round_name_en": round_.name_en,
        "family": round_.methodology.family,
        "methodology_version": round_.methodology.version,
        "organisation": organisation.short_name,
        "organisation_name_lv": organisation.name_lv,
        "organisation_name_en": organisation.name_en,
        "organisation_type": organisation.institution_type,
        "municipality": organisation.municipality.code if organisation.municipality_id else "",
        "area": score.area.code if score.area_id else OVERALL,
        "area_name_lv": area_name.lv,
        "area_name_en": area_name.en,
        "score": rounded(score.score, 2),
        "level": score.level,
        "approved_on": timezone.localdate(assessment.approved_at) if assessment.approved_at else None,
        "is_demo": assessment.is_demo or round_.is_demo,
    }


def _eindex_freshness():
    return _freshness(
        Score.objects.filter(assessment__in=final_assessments()).aggregate(
            computed=Max("computed_at"), count=Count("pk")
        ),
        final_assessments().aggregate(updated=Max("updated_at"), count=Count("pk")),
        _history(Institution),
    )


EINDEX_RESULTS = DataSet(
    id="eindex-results",
    title=Text("E-indeksa rezultāti", "E-index results"),
    description=Text(
        "E-indeksa (digitālā brieduma) galīgie rezultāti iestādēm un pašvaldībām: kopvērtējums un katras jomas "
        "vērtējums (0–100) un brieduma līmenis (1–5) katrai organizācijai, kuras pašnovērtējumu eksperts ir "
        "apstiprinājis. Neapstiprināti, pārskatāmi vai labošanai atgriezti pašnovērtējumi nav iekļauti.",
        "Final results of the E-index of digital maturity of institutions and municipalities: the overall score "
        "and each area's score (0–100) and maturity level (1–5) of every organisation whose self-assessment the "
        "expert has approved. Assessments not yet approved, under review or returned for correction are left out.",
    ),
    frequency=Frequency.IRREGULAR,
    keywords=(Text("E-indekss", "E-index"), Text("digitālais briedums", "digital maturity")),
    fields=(
        Field("year", FieldType.INTEGER, Text("Novērtēšanas kārtas gads.", "Year of the assessment round.")),
        Field("round", FieldType.INTEGER, Text("Kārtas identifikators.", "Identifier of the round.")),
        *in_both_languages("round_name", "Kārtas nosaukums", "Name of the round"),
        Field(
            "family",
            FieldType.STRING,
            Text("Anketa: iestādēm vai pašvaldībām.", "Questionnaire: for institutions or for municipalities."),
            codes=_codes((family.value, family.label) for family in EINDEX_FAMILIES),
        ),
        Field("methodology_version", FieldType.INTEGER, Text("Metodikas versija.", "Version of the methodology.")),
        Field(
            "organisation", FieldType.STRING, Text("Organizācijas īsais nosaukums.", "Short name of the organisation.")
        ),
        *in_both_languages("organisation_name", "Nosaukums", "Name"),
        Field(
            "organisation_type",
            FieldType.STRING,
            Text("Organizācijas veids.", "Type of organisation."),
            codes=_codes(InstitutionType.choices),
        ),
        Field(
            "municipality",
            FieldType.STRING,
            Text("Pašvaldības kods; tukšs valsts iestādei.", "Municipality code; empty for a state institution."),
        ),
        Field(
            "area",
            FieldType.STRING,
            Text("Jomas kods; overall — kopvērtējums.", "Area code; overall for the overall score."),
        ),
        *in_both_languages("area_name", "Jomas nosaukums", "Name of the area"),
        Field(
            "score",
            FieldType.DECIMAL,
            Text(
                "Vērtējums 0–100; tukšs, ja neviens jautājums nav piemērojams.",
                "Score 0–100; empty if no question applies.",
            ),
            nullable=True,
        ),
        Field(
            "level",
            FieldType.INTEGER,
            Text("Brieduma līmenis 1–5.", "Maturity level 1–5."),
            codes=_codes(MaturityLevel.choices),
            nullable=True,
        ),
        Field("approved_on", FieldType.DATE, Text("Apstiprināšanas datums.", "Date of approval."), nullable=True),
        Field("is_demo", FieldType.BOOLEAN, Text("Demonstrācijas dati.", "Demo data.")),
    ),
    filterset_class=EIndexResultFilterSet,
    queryset=_eindex_queryset,
    freshness_of=_eindex_freshness,
    row=_eindex_row,
    preview=("year", "organisation", "organisation_name_lv", "area", "score", "level"),
    example={
        "year": 2021,
        "round": 3,
        "round_name_lv": "E-indekss 2021: iestādes",
        "round_name_en": "E-index 2021: institutions",
        "family": "eindex_institution",
        "methodology_version": 1,
        "organisation": "VSAA",
        "organisation_name_lv": "Valsts sociālās apdrošināšanas aģentūra",
        "organisation_name_en": "State Social Insurance Agency",
        "organisation_type": "state_agency",
        "municipality": "",
        "area": "overall",
        "area_name_lv": "Kopvērtējums",
        "area_name_en": "Overall",
        "score": 72.5,
        "level": 4,
        "approved_on": "2021-11-30",
        "is_demo": False,
    },
)


# --- 4. VPVKAC centres -----------------------------------------------------------------------------------------

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def opening_hours_text(intervals):
    """Weekly opening hours in the OpenStreetMap `opening_hours` syntax, e.g. "Mo 08:00-12:00,13:00-17:00; Tu …"."""
    days = {}
    for interval in sorted(intervals, key=lambda item: (item.weekday, item.opens_at)):
        days.setdefault(interval.weekday, []).append(f"{interval.opens_at:%H:%M}-{interval.closes_at:%H:%M}")
    return "; ".join(f"{OSM_DAYS[day]} {','.join(spans)}" for day, spans in days.items())


def _centre_queryset():
    return (
        Centre.objects.select_related("municipality__successor")
        .prefetch_related(
            Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens_at")),
            Prefetch("desks", queryset=Desk.objects.select_related("institution").order_by("institution__short_name")),
        )
        .order_by("code")
    )


def _centre_row(centre):
    today = timezone.localdate()
    municipality = centre.municipality
    current = municipality.successor if municipality.successor_id else municipality
    return {
        "code": centre.code,
        "name": centre.name,
        "tier": centre.tier,
        "municipality": municipality.code,
        "municipality_name_lv": municipality.name_lv,
        "municipality_name_en": municipality.name_en,
        "current_municipality": current.code,
        "status": centre.status,
        "status_since": centre.status_since,
        "opened_on": centre.opened_on,
        "host_building": centre.host_building,
        "in_library": centre.in_library,
        "address": centre.address,
        "latitude": rounded(centre.latitude, 6),
        "longitude": rounded(centre.longitude, 6),
        "coordinates_approximate": centre.coordinates_approximate,
        "opening_hours": opening_hours_text(centre.opening_hours.all()),
        "institutions_present": [desk.institution.short_name for desk in centre.desks.all() if desk.present_on(today)],
        "private_room": centre.private_room,
        "screen_privacy": centre.screen_privacy,
        "parking_spaces": centre.parking_spaces,
        "transport_stop_distance_m": centre.transport_stop_distance_m,
        "is_demo": centre.is_demo,
    }


def _centre_freshness():
    return _freshness(
        Centre.objects.aggregate(count=Count("pk")),
        _history(Centre),
        _history(OpeningHours),
        _history(Desk),
        _history(Municipality),
        _history(Institution),
        {"day": timezone.localdate().isoformat()},  # desks come and go by date
    )


VPVKAC_CENTRES = DataSet(
    id="vpvkac-centres",
    title=Text(
        "Valsts un pašvaldību vienotie klientu apkalpošanas centri",
        "Unified state and municipal client service centres (VPVKAC)",
    ),
    description=Text(
        "VPVKAC centru reģistrs: kods, nosaukums, nozīmes līmenis, pašvaldība, statuss, mītnes ēka, adrese, "
        "koordinātas, darba laiks, klātesošās valsts iestādes un telpu pārbaudes saraksts. Bez darbinieku "
        "vārdiem un kontaktiem.",
        "The registry of VPVKAC centres: code, name, tier, municipality, status, host building, address, "
        "coordinates, opening hours, the state institutions present and the premises checklist. No staff names "
        "or contacts.",
    ),
    frequency=Frequency.CONTINUOUS,
    keywords=(
        Text("VPVKAC", "VPVKAC"),
        Text("klientu apkalpošana", "client service"),
        Text("darba laiks", "opening hours"),
    ),
    fields=(
        Field("code", FieldType.STRING, Text("Centra kods.", "Centre code.")),
        Field("name", FieldType.STRING, Text("Centra nosaukums.", "Name of the centre.")),
        Field(
            "tier",
            FieldType.STRING,
            Text("Nozīmes līmenis (MK noteikumi Nr. 401).", "Tier (Cabinet Regulation No. 401)."),
            codes=_codes(DevelopmentTier.choices),
        ),
        Field(
            "municipality",
            FieldType.STRING,
            Text("Pašvaldība, kas uztur centru (kods).", "Code of the municipality that runs the centre."),
        ),
        *in_both_languages("municipality_name", "Pašvaldība", "Municipality"),
        Field(
            "current_municipality",
            FieldType.STRING,
            Text(
                "Šodienas pašvaldība, kurā bijusī pašvaldība iekļauta (kods).",
                "Code of today's municipality a former municipality was merged into.",
            ),
        ),
        Field("status", FieldType.STRING, Text("Statuss.", "Status."), codes=_codes(CentreStatus.choices)),
        Field("status_since", FieldType.DATE, Text("Statuss kopš.", "Status since."), nullable=True),
        Field("opened_on", FieldType.DATE, Text("Atvēršanas datums.", "Opened on."), nullable=True),
        Field(
            "host_building",
            FieldType.STRING,
            Text("Mītnes ēka, piem., bibliotēka.", "Host building, e.g. the library."),
        ),
        Field("in_library", FieldType.BOOLEAN, Text("Centrs atrodas bibliotēkā.", "The centre is in a library.")),
        Field("address", FieldType.STRING, Text("Adrese.", "Address.")),
        Field("latitude", FieldType.DECIMAL, Text("Platums (WGS 84).", "Latitude (WGS 84)."), nullable=True),
        Field("longitude", FieldType.DECIMAL, Text("Garums (WGS 84).", "Longitude (WGS 84)."), nullable=True),
        Field(
            "coordinates_approximate",
            FieldType.BOOLEAN,
            Text(
                "Koordinātas ir apdzīvotās vietas, nevis ēkas.",
                "The coordinates are the settlement's, not the building's.",
            ),
        ),
        Field(
            "opening_hours",
            FieldType.STRING,
            Text(
                "Darba laiks nedēļā OpenStreetMap opening_hours pierakstā.",
                "Weekly opening hours in the OpenStreetMap opening_hours syntax.",
            ),
        ),
        Field(
            "institutions_present",
            FieldType.LIST,
            Text(
                "Šodien klātesošo valsts iestāžu īsie nosaukumi.",
                "Short names of the state institutions present today.",
            ),
        ),
        Field(
            "private_room",
            FieldType.BOOLEAN,
            Text("Atsevišķa telpa privātām sarunām.", "Separate room for private conversations."),
            nullable=True,
        ),
        Field(
            "screen_privacy",
            FieldType.BOOLEAN,
            Text("Ekrāni nav redzami citiem apmeklētājiem.", "Screens shielded from other visitors."),
            nullable=True,
        ),
        Field("parking_spaces", FieldType.INTEGER, Text("Stāvvietu skaits.", "Parking spaces."), nullable=True),
        Field(
            "transport_stop_distance_m",
            FieldType.INTEGER,
            Text(
                "Attālums līdz sabiedriskā transporta pieturai, m.", "Distance to the nearest public transport stop, m."
            ),
            nullable=True,
        ),
        Field("is_demo", FieldType.BOOLEAN, Text("Demonstrācijas dati.", "Demo data.")),
    ),
    filterset_class=CentreFilterSet,
    queryset=_centre_queryset,
    freshness_of=_centre_freshness,
    row=_centre_row,
    preview=("code", "name", "tier", "municipality", "status", "opening_hours"),
    example={
        "code": "cesis",
        "name": "Cēsu VPVKAC",
        "tier": "regional",
        "municipality": "cesu-novads",
        "municipality_name_lv": "Cēsu novads",
        "municipality_name_en": "Cēsis Municipality",
        "current_municipality": "cesu-novads",
        "status": "active",
        "status_since": "2019-01-01",
        "opened_on": "2015-06-01",
        "host_building": "Cēsu Centrālā bibliotēka",
        "in_library": True,
        "address": "Raunas iela 1, Cēsis",
        "latitude": 57.312,
        "longitude": 25.2711,
        "coordinates_approximate": False,
        "opening_hours": "Mo 08:00-17:00; Tu 08:00-17:00; We 10:00-19:00; Th 08:00-17:00; Fr 08:00-15:00",
        "institutions_present": ["NVA", "VID", "VSAA"],
        "private_room": True,
        "screen_privacy": True,
        "parking_spaces": 12,
        "transport_stop_distance_m": 250,
        "is_demo": False,
    },
)


# --- 5. VPVKAC figures per municipality ----------------------------------------------------------------------------


def _computed_periods():
    return ReportingPeriod.objects.filter(summary__isnull=False).order_by("-first_day")


class MunicipalityFigureFilterSet(django_filters.FilterSet):
    period = django_filters.ModelChoiceFilter(
        queryset=_computed_periods(), to_field_name="code", field_name="period", label=_("Period")
    )
    municipality = django_filters.CharFilter(
        method="filter_municipality", label=_("Municipality (code; today's takes in the former ones)")
    )
    tier = django_filters.ChoiceFilter(choices=DevelopmentTier.choices, label=_("Tier"))
    band = django_filters.ChoiceFilter(choices=CostBand.choices, label=_("Cost band"))

    class Meta:
        model = MunicipalityFigure
        fields = []

    def filter_municipality(self, queryset, name, value):
        return queryset.filter(Q(municipality__code=value) | Q(current_municipality__code=value))


def _municipality_figure_queryset():
    return MunicipalityFigure.objects.select_related(
        "municipality", "current_municipality", "period__summary"
    ).order_by("-period__first_day", "period__last_day", "municipality__code")


def _period_average(period):
    try:
        return period.summary.average
    except PeriodSummary.DoesNotExist:
        return None


def _municipality_figure_row(figure):
    period = figure.period
    return {
        "period": period.code,
        "period_first_day": period.first_day,
        "period_last_day": period.last_day,
        "municipality": figure.municipality.code,
        "municipality_name_lv": figure.municipality.name_lv,
        "municipality_name_en": figure.municipality.name_en,
        "current_municipality": figure.current_municipality.code,
        "tier": figure.tier,
        "centres": figure.centres,
        "services": figure.services,
        "assisted_eservices": figure.assisted_eservices,
        "consultations": figure.consultations,
        "calls": figure.calls,
        "emails": figure.emails,
        "visits": figure.visits,
        "legal_share": rounded(figure.legal_share, 4),
        "running_grant": rounded(figure.running_grant, 2),
        "cost_per_service": rounded(figure.cost_per_service, 2),
        "cost_basis": figure.cost_basis,
        "cost_missing": figure.cost_missing,
        "band": figure.band,
        "period_average": rounded(_period_average(period), 2),
        "published_cost_per_service": rounded(figure.published_cost_per_service, 2),
    }


def _municipality_figure_freshness():
    return _freshness(
        remembered.aggregate(MunicipalityFigure.objects.all(), computed=Max("computed_at"), count=Count("pk")),
        remembered.aggregate(PeriodSummary.objects.all(), summarised=Max("computed_at"), count=Count("pk")),
        _history(Municipality),
    )


VPVKAC_FIGURES = DataSet(
    id="vpvkac-figures",
    title=Text("VPVKAC rādītāji pa pašvaldībām", "VPVKAC figures by municipality"),
    description=Text(
        "Katrai pašvaldībai un pārskata periodam: centru skaits, sniegtie pakalpojumi (t. sk. asistētie "
        "e-pakalpojumi), konsultācijas, zvani, e-pasti, klātienes apmeklējumi, juridisko personu apmeklējumu "
        "īpatsvars, uzturēšanas un atlīdzības dotācijas, izmaksas uz vienu pakalpojumu (dotācijas / pakalpojumi; "
        "izveides dotācija neietilpst) un izmaksu grupa attiecībā pret perioda vidējo A.",
        "For each municipality and reporting period: centres, services provided (of which assisted e-services), "
        "consultations, calls, e-mails, in-person visits, the legal-person share of visits, maintenance and salary "
        "grants, the cost per service (grants / services; the creation grant excluded) and its cost band against "
        "the period's average A.",
    ),
    frequency=Frequency.ANNUAL,
    keywords=(Text("VPVKAC", "VPVKAC"), Text("izmaksas uz pakalpojumu", "cost per service")),
    fields=(
        Field("period", FieldType.STRING, Text("Pārskata perioda kods.", "Code of the reporting period.")),
        Field("period_first_day", FieldType.DATE, Text("Perioda pirmā diena.", "First day of the period.")),
        Field("period_last_day", FieldType.DATE, Text("Perioda pēdējā diena.", "Last day of the period.")),
        Field("municipality", FieldType.STRING, Text("Pašvaldības kods.", "Municipality code.")),
        *in_both_languages("municipality_name", "Pašvaldība", "Municipality"),
        Field(
            "current_municipality",
            FieldType.STRING,
            Text("Šodienas pašvaldības kods.", "Code of today's municipality it rolls up to."),
        ),
        Field("tier", FieldType.STRING, Text("Nozīmes līmenis.", "Tier."), codes=_codes(DevelopmentTier.choices)),
        Field("centres", FieldType.INTEGER, Text("Centru skaits.", "Centres.")),
        Field(
            "services",
            FieldType.INTEGER,
            Text(
                "Sniegtie pakalpojumi (t. sk. asistētie e-pakalpojumi).",
                "Services provided (assisted e-services included).",
            ),
        ),
        Field(
            "assisted_eservices",
            FieldType.INTEGER,
            Text("T. sk. asistētie e-pakalpojumi.", "Of which assisted e-services."),
        ),
        Field("consultations", FieldType.INTEGER, Text("Konsultācijas.", "Consultations.")),
        Field("calls", FieldType.INTEGER, Text("Zvani.", "Calls.")),
        Field("emails", FieldType.INTEGER, Text("E-pasti.", "E-mails.")),
        Field("visits", FieldType.INTEGER, Text("Klātienes apmeklējumi.", "In-person visits.")),
        Field(
            "legal_share",
            FieldType.DECIMAL,
            Text("Juridisko personu apmeklējumu īpatsvars (0–1).", "Legal-person share of visits (0–1)."),
            nullable=True,
        ),
        Field(
            "running_grant",
            FieldType.DECIMAL,
            Text("Uzturēšanas un atlīdzības dotācijas, EUR.", "Maintenance and salary grants, EUR."),
            nullable=True,
        ),
        Field(
            "cost_per_service",
            FieldType.DECIMAL,
            Text("Izmaksas uz vienu pakalpojumu, EUR.", "Cost per service in EUR: grants / services."),
            nullable=True,
        ),
        Field(
            "cost_basis",
            FieldType.STRING,
            Text("Izmaksu aprēķina pamats.", "Basis of the cost."),
            _codes(CostBasis.choices),
        ),
        Field(
            "cost_missing",
            FieldType.STRING,
            Text("Kāpēc izmaksu nav.", "Why there is no cost per service."),
            codes=_codes(CostMissing.choices),
        ),
        Field(
            "band",
            FieldType.STRING,
            Text("Izmaksu grupa: ≤ A, līdz 2A, > 2A.", "Cost band: at most A, at most 2A, above 2A."),
            codes=(("", _("No value")), *_codes(CostBand.choices)),
        ),
        Field(
            "period_average",
            FieldType.DECIMAL,
            Text("Perioda vidējās izmaksas A, EUR.", "The period's average cost per service A, EUR."),
            nullable=True,
        ),
        Field(
            "published_cost_per_service",
            FieldType.DECIMAL,
            Text("Avotā publicētās izmaksas uz pakalpojumu, EUR.", "Cost per service as published in the source, EUR."),
            nullable=True,
        ),
    ),
    filterset_class=MunicipalityFigureFilterSet,
    queryset=_municipality_figure_queryset,
    freshness_of=_municipality_figure_freshness,
    row=_municipality_figure_row,
    preview=("period", "municipality_name_lv", "centres", "services", "cost_per_service", "band"),
    example={
        "period": "2024",
        "period_first_day": "2024-01-01",
        "period_last_day": "2024-12-31",
        "municipality": "cesu-novads",
        "municipality_name_lv": "Cēsu novads",
        "municipality_name_en": "Cēsis Municipality",
        "current_municipality": "cesu-novads",
        "tier": "regional",
        "centres": 3,
        "services": 12840,
        "assisted_eservices": 2110,
        "consultations": 5120,
        "calls": 2300,
        "emails": 640,
        "visits": 17960,
        "legal_share": 0.0815,
        "running_grant": 98000.0,
        "cost_per_service": 7.63,
        "cost_basis": "municipality",
        "cost_missing": "",
        "band": "at_or_below",
        "period_average": 12.0,
        "published_cost_per_service": None,
    },
)


DATASETS = {
    dataset.id: dataset for dataset in (SERVICES, SERVICE_FIGURES, EINDEX_RESULTS, VPVKAC_CENTRES, VPVKAC_FIGURES)
}


def get_dataset(dataset_id):
    """The data set of `dataset_id`, or None."""
    return DATASETS.get(dataset_id)


# --- the catalogue as DCAT-AP JSON-LD, and the service catalogue as CPSV-AP ---------------------------------------

DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "csvw": "http://www.w3.org/ns/csvw#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
MEDIA_TYPES = {
    "csv": ("text/csv", "CSV"),
    "json": ("application/json", "JSON"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
}


class Addresses:
    """Absolute addresses of the open data pages, in the default language (identifiers must not change with the
    reader's language). Without a request the site's address comes from settings.SITE_URL."""

    def __init__(self, request=None):
        self.request = request

    def absolute(self, path):
        if self.request is not None:
            return self.request.build_absolute_uri(path)
        return settings.SITE_URL.rstrip("/") + path

    def url(self, name, *args):
        with translation.override(settings.LANGUAGE_CODE):
            return self.absolute(reverse(name, args=args))


def _dated(value):
    return {"@value": value.isoformat(), "@type": "xsd:dateTime"} if value else None


def dcat_catalogue(request=None, freshness=None):
    """The open data catalogue as DCAT-AP JSON-LD: a dcat:Catalog with one dcat:Dataset per data set, each with its
    CSV, JSON and XLSX distributions and the open API as a dcat:DataService, its licence, update frequency and
    fields (a CSVW table schema). `freshness` maps data set ids to their Freshness (computed when absent)."""
    at = Addresses(request)
    freshness = freshness or all_freshness()
    catalogue_iri = at.url("open_data:catalogue")
    publisher = {"@id": PUBLISHER_URL, "@type": "foaf:Agent", "foaf:name": PUBLISHER.language_tagged()}
    licence = {"@id": LICENCE_IRI}
    api = {
        "@id": at.url("api-open-index"),
        "@type": "dcat:DataService",
        "dct:title": Text("Atvērto datu API", "Open data API").language_tagged(),
        "dcat:endpointURL": {"@id": at.url("api-open-index")},
        "dcat:endpointDescription": {"@id": at.url("api-schema")},
        "dct:license": licence,
        "dcat:servesDataset": [{"@id": at.url("open_data:dataset", dataset.id)} for dataset in DATASETS.values()],
    }
    graph = [
        {
            "@id": catalogue_iri,
            "@type": "dcat:Catalog",
            "dct:title": CATALOGUE_TITLE.language_tagged(),
            "dct:description": CATALOGUE_DESCRIPTION.language_tagged(),
            "dct:publisher": {"@id": PUBLISHER_URL},
            "foaf:homepage": {"@id": catalogue_iri},
            "dct:language": [{"@id": language} for language in LANGUAGES],
            "dct:spatial": {"@id": LATVIA},
            "dct:license": licence,
            "dcat:dataset": [{"@id": at.url("open_data:dataset", dataset.id)} for dataset in DATASETS.values()],
            "dcat:service": [{"@id": api["@id"]}],
        },
        publisher,
        api,
    ]
    for dataset in DATASETS.values():
        graph.extend(_dcat_dataset(dataset, at, freshness[dataset.id], licence, api["@id"]))
    return {"@context": DCAT_CONTEXT, "@graph": graph}


def _dcat_dataset(dataset, at, freshness, licence, api_iri):
    iri = at.url("open_data:dataset", dataset.id)
    distributions = []
    for extension, (media_type, file_type) in MEDIA_TYPES.items():
        url = at.url("open_data:download", dataset.id, extension)
        distributions.append(
            {
                "@id": url,
                "@type": "dcat:Distribution",
                "dct:title": Text(
                    f"{dataset.title.lv} ({file_type})", f"{dataset.title.en} ({file_type})"
                ).language_tagged(),
                "dcat:accessURL": {"@id": url},
                "dcat:downloadURL": {"@id": url},
                "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media_type}"},
                "dct:format": {"@id": f"{EU_AUTHORITY}file-type/{file_type}"},
                "dct:license": licence,
            }
        )
    api_url = at.url(f"api-open-{dataset.id}")
    distributions.append(
        {
            "@id": api_url,
            "@type": "dcat:Distribution",
            "dct:title": Text(f"{dataset.title.lv} (API)", f"{dataset.title.en} (API)").language_tagged(),
            "dcat:accessURL": {"@id": api_url},
            "dcat:accessService": {"@id": api_iri},
            "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/application/json"},
            "dct:license": licence,
        }
    )
    if dataset is SERVICES:
        cpsv = at.url("open_data:cpsv")
        distributions.append(
            {
                "@id": cpsv,
                "@type": "dcat:Distribution",
                "dct:title": Text(
                    "Pakalpojumu katalogs (CPSV-AP 3)", "Service catalogue (CPSV-AP 3)"
                ).language_tagged(),
                "dcat:accessURL": {"@id": cpsv},
                "dcat:downloadURL": {"@id": cpsv},
                "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/application/ld+json"},
                "dct:format": {"@id": f"{EU_AUTHORITY}file-type/JSON_LD"},
                "dct:conformsTo": {"@id": "http://data.europa.eu/m8g/cpsv-ap"},
                "dct:license": licence,
            }
        )
    node = {
        "@id": iri,
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.id,
        "dct:title": dataset.title.language_tagged(),
        "dct:description": dataset.description.language_tagged(),
        "dct:publisher": {"@id": PUBLISHER_URL},
        "dct:accrualPeriodicity": {"@id": dataset.frequency_iri},
        "dct:license": licence,
        "dct:spatial": {"@id": LATVIA},
        "dct:language": [{"@id": language} for language in LANGUAGES],
        "dcat:theme": {"@id": GOVERNMENT_THEME},
        "dcat:keyword": [literal for keyword in dataset.keywords for literal in keyword.language_tagged()],
        "dcat:landingPage": {"@id": iri},
        "dcat:distribution": [{"@id": item["@id"]} for item in distributions],
        "csvw:tableSchema": {
            "@type": "csvw:Schema",
            "csvw:column": [
                {
                    "@type": "csvw:Column",
                    "csvw:name": item.name,
                    "csvw:datatype": {"@id": XSD_TYPES[item.type]},
                    "dct:description": item.description.language_tagged(),
                    **({"csvw:separator": LIST_SEPARATOR} if item.type == FieldType.LIST else {}),
                }
                for item in dataset.fields
            ],
        },
    }
    modified = _dated(freshness.last_modified)
    if modified:
        node["dct:modified"] = modified
    return [node, *distributions]


def public_cpsv(request=None):
    """The whole service catalogue as CPSV-AP 3 JSON-LD (services/cpsv.py), without what the open data leaves out:
    contact points (phone numbers) and the channel descriptions that carry a channel's address."""
    document = catalogue_to_cpsv(Service.objects.all(), request)
    graph = []
    for node in document["@graph"]:
        if node.get("@type") == "cv:ContactPoint":
            continue
        node = {key: value for key, value in node.items() if key != "cv:contactPoint"}
        if node.get("@type") == "cv:Channel":
            node.pop("dct:description", None)
        graph.append(node)
    return {**document, "@graph": graph}


# --- HTTP caching ------------------------------------------------------------------------------------------------

CACHE_CONTROL = "public, max-age=60"  # a minute without asking, then a conditional request answered by 304


def variant_of(request, kind):
    """What a representation depends on besides the data: its kind (format), the host (absolute links in it) and
    the query (filters, page), in a stable order."""
    query = sorted((key, value) for key, values in request.GET.lists() for value in values)
    return f"{kind}|{request.get_host()}|{urlencode(query)}"


def cache_headers(freshness, variant):
    headers = {"ETag": freshness.etag(variant), "Cache-Control": CACHE_CONTROL}
    if freshness.last_modified:
        headers["Last-Modified"] = freshness.last_modified_http
    return headers


def not_modified(request, freshness, variant):
    """A 304 response with the validators when the request's If-None-Match or If-Modified-Since shows the client
    already holds this representation; None otherwise."""
    last_modified = int(freshness.last_modified.timestamp()) if freshness.last_modified else None
    response = get_conditional_response(request, etag=freshness.etag(variant), last_modified=last_modified)
    if response is not None:
        for name, value in cache_headers(freshness, variant).items():
            response.headers[name] = value
    return response


__all__ = [
    "DATASETS",
    "EINDEX_RESULTS",
    "SERVICES",
    "SERVICE_FIGURES",
    "VPVKAC_CENTRES",
    "VPVKAC_FIGURES",
    "DataSet",
    "Field",
    "FieldType",
    "Freshness",
    "Frequency",
    "cache_headers",
    "all_freshness",
    "cell",
    "combined_freshness",
    "dcat_catalogue",
    "final_assessments",
    "get_dataset",
    "not_modified",
    "public_cpsv",
    "variant_of",
]
