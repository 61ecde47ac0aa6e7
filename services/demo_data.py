"""Demonstration catalogue: life situations, state services of the reference institutions, unified municipal
services at all 43 municipalities, and five years (2020–2024) of usage figures and costs.

The institutions are real (institutions/reference); everything created here is invented and stored with
is_demo=True: service descriptions are simplified, phone numbers use the unassigned +371 6000 range, and
every figure and cost comes from a seeded random generator, so two runs on any database give the same
numbers. Loading is idempotent: rows are matched on their natural keys (life situation and template code,
catalogue identifier, service × channel, service × provider) and existing ones are left as they are.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from institutions.demo_data import DEMO_POPULATION
from institutions.models import Institution, InstitutionType

from .models import (
    Channel,
    CostComponent,
    CostUnitClass,
    FigureSubmission,
    LifeSituation,
    PeriodType,
    Service,
    ServiceChannel,
    ServiceCost,
    ServiceFigure,
    ServiceKind,
    ServiceLevel,
    ServiceStatus,
    ServiceTemplate,
    SubmissionStatus,
)
from .models.catalogue import SERVICE_CONDITIONS
from .validation import ServiceFacts, cost_errors, figure_errors

DEMO_YEARS = (2020, 2021, 2022, 2023, 2024)
RATING_SCALE = (1, 5)
BATCH_SIZE = 2000

# The institutions whose services every VPVKAC must support (the VPVKAC minimum basket).
MINIMUM_BASKET_HOLDERS = frozenset({"LAD", "NVA", "PMLP", "UR", "VSAA", "VZD", "VID"})

# --- life situations ------------------------------------------------------------------------------------

# code, name (lv), name (en), description (lv), description (en)
LIFE_SITUATIONS = [
    ("birth-of-child", "Bērna piedzimšana", "Birth of a child",
     "Bērna dzimšanas reģistrācija, pabalsti un pieteikšanās bērnudārzā.",
     "Registering the birth, family benefits and applying for a kindergarten place."),
    ("starting-business", "Uzņēmējdarbības uzsākšana", "Starting a business",
     "Uzņēmuma reģistrācija, nodokļu maksātāja statuss un atļaujas.",
     "Registering a company, becoming a taxpayer and obtaining permits."),
    ("moving-house", "Dzīvesvietas maiņa", "Moving house",
     "Dzīvesvietas deklarēšana un ar to saistītās izziņas.",
     "Declaring the new place of residence and related certificates."),
    ("job-loss", "Darba zaudēšana", "Losing a job",
     "Bezdarbnieka statuss, pabalsti un sociālā palīdzība.",
     "Unemployed status, benefits and social assistance."),
    ("retirement", "Pensionēšanās", "Retirement",
     "Vecuma pensijas pieprasīšana un atvieglojumi senioriem.",
     "Claiming the old-age pension and relief for seniors."),
    ("buying-property", "Nekustamā īpašuma iegāde", "Buying property",
     "Kadastra informācija, nekustamā īpašuma nodoklis un adreses.",
     "Cadastral data, property tax and addresses."),
    ("vehicle-ownership", "Transportlīdzekļa iegāde un lietošana", "Owning a vehicle",
     "Transportlīdzekļa reģistrācija, vadītāja apliecība un stāvvietas.",
     "Vehicle registration, driving licence and parking."),
    ("building", "Būvniecība", "Building",
     "Būvatļaujas, paskaidrojuma raksti un būves nodošana ekspluatācijā.",
     "Building permits, explanatory memoranda and putting a building into service."),
    ("death-of-relative", "Tuvinieka nāve", "Death of a relative",
     "Miršanas reģistrācija, apbedīšanas pabalsti un apgādnieka zaudējuma pensija.",
     "Registering the death, funeral benefits and survivor's pension."),
    ("studies", "Mācības un studijas", "Studies",
     "Pieteikšanās skolā, apmācības un dokumenti studijām ārzemēs.",
     "Enrolling at school, training and documents for studying abroad."),
    ("health-disability", "Veselība un invaliditāte", "Health and disability",
     "Invaliditātes ekspertīze, pensija, asistents un aprūpe.",
     "Disability assessment, pension, personal assistant and care."),
    ("residence-permits", "Uzturēšanās atļaujas", "Residence permits",
     "Uzturēšanās atļaujas ārzemniekiem un pilsonības iegūšana.",
     "Residence permits for foreign nationals and naturalisation."),
]  # fmt: skip


# --- definitions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateServiceDef:
    """A state service held and provided by one reference institution."""

    catalogue_id: str
    holder: str
    name_lv: str
    name_en: str
    description_lv: str
    description_en: str
    life_situations: tuple
    channels: dict  # channel code → relative weight of applications inside its digital or non-digital group
    volume: int  # completed applications in 2020
    digital: tuple = (0.4, 0.7)  # digital take-up in 2020 and in 2024
    recipients: str = "N"  # N natural persons, L legal persons, NL both
    kind: str = ServiceKind.FOR_PERSON
    days: int | None = None  # processing time on every channel
    fees: dict = field(default_factory=dict)  # channel code → (amount, conditions)
    addresses: dict = field(default_factory=dict)  # channel code → address, where the default does not fit
    legal_basis: str = ""
    physical_presence: str = ""
    digital_only: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    status: str = ServiceStatus.ACTIVE
    trend: float = 0.0  # yearly change of the volume
    complexity: float = 1.0  # multiplies client and staff minutes
    document_cost: float = 0.0  # EUR per case for blanks or cards (shared materials cost)


@dataclass(frozen=True)
class MunicipalTemplateDef:
    """A unified municipal service: one service per municipality, sized by its population."""

    code: str  # short: the catalogue identifier PV-<code>-<municipality code> must fit 40 characters
    name_lv: str
    name_en: str
    description_lv: str
    description_en: str
    life_situations: tuple
    channels: dict
    per_thousand: float  # completed applications per 1,000 residents in 2020
    digital: tuple = (0.2, 0.45)
    recipients: str = "N"
    kind: str = ServiceKind.FOR_PERSON
    days: int | None = None
    fee: tuple | None = None  # (channel codes, lowest, highest, conditions): each municipality sets its own
    legal_basis: str = ""
    physical_presence: str = ""
    trend: float = 0.0
    complexity: float = 1.0


VPVKAC = "Valsts un pašvaldību vienotie klientu apkalpošanas centri (VPVKAC)"

STATE_SERVICES = [
    # VSAA
    StateServiceDef(
        "PV-VSAA-01", "VSAA", "Vecāku pabalsts", "Parental benefit",
        "Pabalsts vecākam, kurš kopj bērnu līdz pusotra gada vecumam.",
        "Benefit for a parent caring for a child up to the age of one and a half.",
        ("birth-of-child",),
        {"portal": 6, "e_address": 1, "institution_in_person": 3, "vpvkac_in_person": 2, "post": 1},
        volume=21000, digital=(0.45, 0.78), days=10, trend=-0.05,
        legal_basis="Likums „Par maternitātes un slimības apdrošināšanu”",
    ),
    StateServiceDef(
        "PV-VSAA-02", "VSAA", "Maternitātes pabalsts", "Maternity benefit",
        "Pabalsts grūtniecības un dzemdību atvaļinājuma laikam.",
        "Benefit for the period of pregnancy and maternity leave.",
        ("birth-of-child",),
        {"portal": 5, "e_address": 1, "institution_in_person": 3, "vpvkac_in_person": 1, "post": 1},
        volume=17000, digital=(0.4, 0.72), days=10, trend=-0.05,
        legal_basis="Likums „Par maternitātes un slimības apdrošināšanu”",
    ),
    StateServiceDef(
        "PV-VSAA-03", "VSAA", "Bērna piedzimšanas pabalsts", "Childbirth benefit",
        "Vienreizējs pabalsts par katru dzimušo bērnu.",
        "A one-off benefit for each child born.",
        ("birth-of-child",), {"portal": 6, "institution_in_person": 3, "vpvkac_in_person": 2, "post": 1},
        volume=17500, digital=(0.5, 0.82), days=10, trend=-0.06,
        legal_basis="Valsts sociālo pabalstu likums",
    ),
    StateServiceDef(
        "PV-VSAA-04", "VSAA", "Ģimenes valsts pabalsts", "Family state benefit",
        "Ikmēneša pabalsts par bērniem līdz pilngadībai vai mācību beigām.",
        "A monthly benefit for children until they come of age or finish school.",
        ("birth-of-child", "studies"), {"portal": 6, "e_address": 1, "institution_in_person": 2, "vpvkac_in_person": 2},
        volume=32000, digital=(0.48, 0.8), days=10, trend=-0.03,
        legal_basis="Valsts sociālo pabalstu likums",
    ),
    StateServiceDef(
        "PV-VSAA-05", "VSAA", "Vecuma pensija", "Old-age pension",
        "Vecuma pensijas piešķiršana, sasniedzot pensionēšanās vecumu.",
        "Granting the old-age pension on reaching the retirement age.",
        ("retirement",), {"portal": 4, "e_address": 1, "institution_in_person": 5, "vpvkac_in_person": 3, "post": 2},
        volume=26000, digital=(0.28, 0.55), days=10, trend=0.01, complexity=1.2,
        legal_basis="Likums „Par valsts pensijām”",
    ),
    StateServiceDef(
        "PV-VSAA-06", "VSAA", "Apbedīšanas pabalsts", "Funeral benefit",
        "Pabalsts mirušā pensijas saņēmēja vai apdrošinātās personas apbedīšanai.",
        "Benefit for the funeral of a deceased pensioner or insured person.",
        ("death-of-relative",), {"portal": 3, "institution_in_person": 5, "vpvkac_in_person": 3, "post": 1},
        volume=24000, digital=(0.22, 0.5), days=10,
        legal_basis="Likums „Par valsts pensijām”; likums „Par maternitātes un slimības apdrošināšanu”",
    ),
    StateServiceDef(
        "PV-VSAA-07", "VSAA", "Bezdarbnieka pabalsts", "Unemployment benefit",
        "Pabalsts apdrošinātai personai, kura zaudējusi darbu.",
        "Benefit for an insured person who has lost their job.",
        ("job-loss",), {"portal": 5, "e_address": 1, "institution_in_person": 3, "vpvkac_in_person": 2, "post": 1},
        volume=62000, digital=(0.42, 0.74), days=10, trend=-0.04,
        legal_basis="Likums „Par apdrošināšanu bezdarba gadījumam”",
    ),
    StateServiceDef(
        "PV-VSAA-08", "VSAA", "Invaliditātes pensija", "Disability pension",
        "Pensija personai ar noteiktu invaliditāti.",
        "Pension for a person with an established disability.",
        ("health-disability",), {"portal": 3, "institution_in_person": 5, "vpvkac_in_person": 3, "post": 2},
        volume=12500, digital=(0.2, 0.46), days=10, complexity=1.2,
        legal_basis="Likums „Par valsts pensijām”",
    ),
    StateServiceDef(
        "PV-VSAA-09", "VSAA", "Apgādnieka zaudējuma pensija", "Survivor's pension",
        "Pensija bērniem un citiem ģimenes locekļiem pēc apgādnieka nāves.",
        "Pension for children and other family members after the death of a breadwinner.",
        ("death-of-relative",), {"portal": 3, "institution_in_person": 5, "vpvkac_in_person": 2, "post": 1},
        volume=5200, digital=(0.25, 0.5), days=10,
        legal_basis="Likums „Par valsts pensijām”",
    ),
    StateServiceDef(
        "PV-VSAA-10", "VSAA", "Izziņa par valsts sociālās apdrošināšanas iemaksām",
        "Statement of social insurance contributions",
        "Izziņa par veiktajām sociālās apdrošināšanas iemaksām un apdrošināšanas periodiem.",
        "Statement of the social insurance contributions paid and the insurance periods.",
        ("job-loss", "retirement"),
        {"portal": 8, "mobile_app": 1, "institution_in_person": 3, "vpvkac_in_person": 2, "post": 1},
        volume=150000, digital=(0.7, 0.9), days=5, complexity=0.8,
        legal_basis="Likums „Par valsts sociālo apdrošināšanu”",
    ),
    # VID
    StateServiceDef(
        "PV-VID-01", "VID", "Gada ienākumu deklarācijas iesniegšana", "Filing the annual income tax return",
        "Gada ienākumu deklarācijas iesniegšana un pārmaksātā nodokļa atmaksa.",
        "Filing the annual income tax return and claiming back overpaid tax.",
        (), {"own_site": 10, "mobile_app": 1, "vpvkac_assisted": 1, "institution_in_person": 3, "post": 1},
        volume=650000, digital=(0.7, 0.88), days=30, trend=0.02,
        addresses={"own_site": "https://eds.vid.gov.lv", "mobile_app": "Mobilā lietotne „VID”"},
        legal_basis="Likums „Par iedzīvotāju ienākuma nodokli”",
    ),
    StateServiceDef(
        "PV-VID-02", "VID", "Reģistrācija pievienotās vērtības nodokļa maksātāju reģistrā", "VAT registration",
        "Reģistrācija PVN maksātāju reģistrā un PVN numura piešķiršana.",
        "Registration in the VAT register and issue of a VAT number.",
        ("starting-business",), {"own_site": 6, "e_address": 1, "institution_in_person": 3, "post": 1},
        volume=9500, digital=(0.55, 0.85), recipients="NL", days=5,
        addresses={"own_site": "https://eds.vid.gov.lv"},
        legal_basis="Pievienotās vērtības nodokļa likums",
    ),
    StateServiceDef(
        "PV-VID-03", "VID", "Saimnieciskās darbības veicēja reģistrācija", "Registration as a self-employed person",
        "Reģistrācija par saimnieciskās darbības veicēju (pašnodarbināto).",
        "Registration as a self-employed person.",
        ("starting-business",),
        {"own_site": 6, "vpvkac_assisted": 1, "institution_in_person": 3, "vpvkac_in_person": 1},
        volume=15500, digital=(0.5, 0.8), days=1,
        addresses={"own_site": "https://eds.vid.gov.lv"},
        legal_basis="Likums „Par nodokļiem un nodevām”",
    ),
    StateServiceDef(
        "PV-VID-04", "VID", "Elektroniskā algas nodokļa grāmatiņa", "Electronic payroll tax booklet",
        "Algas nodokļa grāmatiņas iesniegšana darba devējam un atvieglojumu pieteikšana.",
        "Submitting the payroll tax booklet to an employer and claiming allowances.",
        (), {"own_site": 8, "vpvkac_assisted": 1},
        volume=210000, digital=(1.0, 1.0), digital_only=True, days=1, complexity=0.7,
        addresses={"own_site": "https://eds.vid.gov.lv"},
        legal_basis="Likums „Par iedzīvotāju ienākuma nodokli”",
    ),
    StateServiceDef(
        "PV-VID-05", "VID", "Izziņa par nodokļu parādu neesību", "Certificate of no tax debts",
        "Izziņa, ka personai nav nodokļu parādu.",
        "A certificate stating that a person has no tax debts.",
        ("starting-business", "buying-property"), {"own_site": 1},
        volume=42000, digital=(1.0, 1.0), recipients="NL", digital_only=True, days=1, complexity=0.6,
        addresses={"own_site": "https://eds.vid.gov.lv"},
        legal_basis="Likums „Par nodokļiem un nodevām”",
    ),
    StateServiceDef(
        "PV-VID-06", "VID", "Dīkstāves pabalsts", "Downtime allowance",
        "Pabalsts darbiniekiem, kuru darbu apturēja Covid-19 ierobežojumi (2020–2021).",
        "Allowance for employees whose work stopped under the Covid-19 restrictions (2020–2021).",
        ("job-loss",), {"own_site": 1},
        volume=30000, digital=(1.0, 1.0), recipients="NL", digital_only=True, days=10,
        valid_from=date(2020, 3, 14), valid_to=date(2021, 6, 30), status=ServiceStatus.WITHDRAWN,
        addresses={"own_site": "https://eds.vid.gov.lv"},
        legal_basis="Covid-19 infekcijas izplatības seku pārvarēšanas likums",
    ),
    # UR
    StateServiceDef(
        "PV-UR-01", "UR", "Sabiedrības ar ierobežotu atbildību reģistrācija",
        "Registration of a limited liability company",
        "SIA ierakstīšana komercreģistrā.",
        "Entering a limited liability company (SIA) in the commercial register.",
        ("starting-business",),
        {"portal": 6, "e_address": 1, "institution_in_person": 3, "vpvkac_in_person": 1, "post": 1},
        volume=10500, digital=(0.5, 0.82), recipients="NL", days=3,
        fees={
            "portal": (Decimal("60.00"), "Valsts nodeva, iesniedzot dokumentus elektroniski"),
            "e_address": (Decimal("60.00"), "Valsts nodeva, iesniedzot dokumentus elektroniski"),
            "institution_in_person": (Decimal("100.00"), "Valsts nodeva, iesniedzot papīra dokumentus"),
            "vpvkac_in_person": (Decimal("100.00"), "Valsts nodeva, iesniedzot papīra dokumentus"),
            "post": (Decimal("100.00"), "Valsts nodeva, iesniedzot papīra dokumentus"),
        },
        legal_basis="Komerclikums; likums „Par Latvijas Republikas Uzņēmumu reģistru”",
    ),
    StateServiceDef(
        "PV-UR-02", "UR", "Izmaiņu reģistrācija komercreģistrā", "Registering changes in the commercial register",
        "Valdes, adreses, statūtu un citu ziņu izmaiņu reģistrācija.",
        "Registering changes of the board, address, articles and other particulars.",
        ("starting-business",), {"portal": 6, "e_address": 2, "institution_in_person": 3, "post": 1},
        volume=46000, digital=(0.55, 0.85), recipients="L", days=3,
        fees={
            "portal": (Decimal("20.00"), "Valsts nodeva"),
            "institution_in_person": (Decimal("30.00"), "Valsts nodeva"),
        },
        legal_basis="Komerclikums",
    ),
    StateServiceDef(
        "PV-UR-03", "UR", "Izziņa no Uzņēmumu reģistra", "Extract from the Register of Enterprises",
        "Izziņa par reģistrētu tiesību subjektu un tā amatpersonām.",
        "An extract on a registered entity and its officers.",
        ("buying-property",), {"portal": 4, "own_site": 4, "institution_in_person": 2},
        volume=82000, digital=(0.72, 0.92), recipients="NL", days=1, complexity=0.6,
        fees={"portal": (Decimal("5.00"), "Maksa par izziņu"), "own_site": (Decimal("5.00"), "Maksa par izziņu"),
              "institution_in_person": (Decimal("7.00"), "Maksa par izziņu klātienē")},
        addresses={"own_site": "https://info.ur.gov.lv"},
        legal_basis="Likums „Par Latvijas Republikas Uzņēmumu reģistru”",
    ),
    StateServiceDef(
        "PV-UR-04", "UR", "Biedrības vai nodibinājuma reģistrācija", "Registration of an association or foundation",
        "Biedrības vai nodibinājuma ierakstīšana biedrību un nodibinājumu reģistrā.",
        "Entering an association or foundation in the register.",
        (), {"portal": 4, "e_address": 1, "institution_in_person": 4, "post": 1},
        volume=1300, digital=(0.4, 0.72), recipients="NL", days=3,
        fees={"institution_in_person": (Decimal("15.00"), "Valsts nodeva")},
        legal_basis="Biedrību un nodibinājumu likums",
    ),
    StateServiceDef(
        "PV-UR-05", "UR", "Komersanta likvidācija", "Liquidation of a company",
        "Komersanta likvidācijas uzsākšanas un izslēgšanas no reģistra reģistrācija.",
        "Registering the start of a company's liquidation and its removal from the register.",
        (), {"portal": 5, "e_address": 1, "institution_in_person": 3, "post": 1},
        volume=6200, digital=(0.45, 0.78), recipients="L", days=3,
        legal_basis="Komerclikums",
    ),
    # PMLP
    StateServiceDef(
        "PV-PMLP-01", "PMLP", "Pases izsniegšana", "Issue of a passport",
        "Latvijas pilsoņa vai nepilsoņa pases izsniegšana.",
        "Issue of a Latvian citizen's or non-citizen's passport.",
        (), {"institution_in_person": 1},
        volume=118000, digital=(0.0, 0.0), days=10, document_cost=14.0,
        fees={"institution_in_person": (Decimal("30.00"), "Parastā kārtībā 10 darbdienās; steidzami – augstāka maksa")},
        physical_presence="Biometrijas dati: sejas attēls un pirkstu nospiedumi jāreģistrē klātienē",
        legal_basis="Personu apliecinošu dokumentu likums",
    ),
    StateServiceDef(
        "PV-PMLP-02", "PMLP", "Personas apliecības (eID kartes) izsniegšana", "Issue of an identity card (eID)",
        "Personas apliecības ar elektroniskās identifikācijas rīkiem izsniegšana.",
        "Issue of an identity card with electronic identification.",
        (), {"institution_in_person": 1},
        volume=96000, digital=(0.0, 0.0), days=10, trend=0.06, document_cost=11.0,
        fees={"institution_in_person": (Decimal("15.00"), "Parastā kārtībā 10 darbdienās")},
        physical_presence="Biometrijas dati: sejas attēls un pirkstu nospiedumi jāreģistrē klātienē",
        legal_basis="Personu apliecinošu dokumentu likums",
    ),
    StateServiceDef(
        "PV-PMLP-03", "PMLP", "Dzīvesvietas deklarēšana", "Declaring a place of residence",
        "Deklarētās dzīvesvietas adreses reģistrēšana Iedzīvotāju reģistrā.",
        "Registering the declared place of residence in the Population Register.",
        ("moving-house",), {"portal": 8, "institution_in_person": 2, "vpvkac_in_person": 2, "post": 1},
        volume=182000, digital=(0.55, 0.8), days=1, complexity=0.7,
        legal_basis="Dzīvesvietas deklarēšanas likums",
    ),
    StateServiceDef(
        "PV-PMLP-04", "PMLP", "Uzturēšanās atļaujas izsniegšana ārzemniekam", "Residence permit for a foreign national",
        "Termiņuzturēšanās vai pastāvīgās uzturēšanās atļaujas izsniegšana.",
        "Issue of a temporary or permanent residence permit.",
        ("residence-permits",), {"e_address": 1, "institution_in_person": 6, "post": 1},
        volume=21000, digital=(0.06, 0.25), days=30, trend=0.04, complexity=1.4, document_cost=11.0,
        fees={"institution_in_person": (Decimal("70.00"), "Valsts nodeva atkarībā no izskatīšanas termiņa")},
        physical_presence="Biometrijas dati un dokumentu oriģinālu pārbaude",
        legal_basis="Imigrācijas likums",
    ),
    StateServiceDef(
        "PV-PMLP-05", "PMLP", "Latvijas pilsonības iegūšana naturalizācijas kārtībā", "Naturalisation",
        "Pilsonības iegūšana pēc valodas un vēstures pārbaudes.",
        "Acquiring citizenship after the language and history tests.",
        ("residence-permits",), {"institution_in_person": 5, "post": 1},
        volume=1100, digital=(0.0, 0.0), days=90, complexity=1.5,
        fees={"institution_in_person": (Decimal("28.00"), "Valsts nodeva; atvieglojumi noteiktām personu grupām")},
        physical_presence="Valsts valodas un vēstures zināšanu pārbaude klātienē",
        legal_basis="Pilsonības likums",
    ),
    StateServiceDef(
        "PV-PMLP-06", "PMLP", "Izziņa no Iedzīvotāju reģistra", "Certificate from the Population Register",
        "Izziņa par personas datiem Iedzīvotāju reģistrā.",
        "A certificate of a person's data in the Population Register.",
        ("moving-house",), {"portal": 6, "institution_in_person": 2, "vpvkac_in_person": 1, "post": 1},
        volume=61000, digital=(0.6, 0.86), days=1, complexity=0.6,
        fees={"institution_in_person": (Decimal("3.00"), "Maksa par izziņu klātienē; portālā bez maksas")},
        legal_basis="Fizisko personu reģistra likums",
    ),
    # CSDD
    StateServiceDef(
        "PV-CSDD-01", "CSDD", "Transportlīdzekļa reģistrācija", "Vehicle registration",
        "Transportlīdzekļa pirmreizējā reģistrācija Latvijā.",
        "First registration of a vehicle in Latvia.",
        ("vehicle-ownership",), {"own_site": 3, "institution_in_person": 6},
        volume=92000, digital=(0.12, 0.35), recipients="NL", days=1, document_cost=3.0,
        fees={"institution_in_person": (Decimal("24.00"), "Reģistrācijas maksa; atsevišķi – valsts nodevas"),
              "own_site": (Decimal("24.00"), "Reģistrācijas maksa; atsevišķi – valsts nodevas")},
        addresses={"own_site": "https://e.csdd.lv"},
        physical_presence="Transportlīdzekļa identifikācija klātienē pirms pirmās reģistrācijas",
        legal_basis="Ceļu satiksmes likums",
    ),
    StateServiceDef(
        "PV-CSDD-02", "CSDD", "Transportlīdzekļa īpašnieka maiņas reģistrācija",
        "Registration of a change of vehicle owner",
        "Jaunā īpašnieka reģistrācija pēc transportlīdzekļa pirkuma.",
        "Registering the new owner after buying a vehicle.",
        ("vehicle-ownership",), {"own_site": 5, "mobile_app": 3, "institution_in_person": 6},
        volume=205000, digital=(0.3, 0.68), recipients="NL", days=1, document_cost=3.0,
        fees=dict.fromkeys(
            ("own_site", "mobile_app", "institution_in_person"), (Decimal("10.00"), "Reģistrācijas maksa")
        ),
        addresses={"own_site": "https://e.csdd.lv", "mobile_app": "Mobilā lietotne „e-CSDD”"},
        legal_basis="Ceļu satiksmes likums",
    ),
    StateServiceDef(
        "PV-CSDD-03", "CSDD", "Vadītāja apliecības izsniegšana vai maiņa", "Issue or exchange of a driving licence",
        "Vadītāja apliecības izsniegšana, atjaunošana vai ārvalsts apliecības apmaiņa.",
        "Issue, renewal or exchange of a driving licence.",
        ("vehicle-ownership",), {"own_site": 2, "institution_in_person": 8},
        volume=122000, digital=(0.08, 0.32), days=5, document_cost=5.0,
        fees={"institution_in_person": (Decimal("21.00"), "Maksa par apliecības izgatavošanu"),
              "own_site": (Decimal("21.00"), "Maksa par apliecības izgatavošanu")},
        addresses={"own_site": "https://e.csdd.lv"},
        physical_presence="Fotografēšana un paraksta paraugs, ja tie nav pieejami reģistrā",
        legal_basis="Ceļu satiksmes likums",
    ),
    StateServiceDef(
        "PV-CSDD-04", "CSDD", "Stāvvietas karte personām ar invaliditāti",
        "Parking card for persons with disabilities",
        "Stāvvietas kartes izsniegšana personai ar pārvietošanās traucējumiem.",
        "Issue of a parking card to a person with reduced mobility.",
        ("health-disability", "vehicle-ownership"), {"own_site": 2, "institution_in_person": 6, "post": 1},
        volume=15500, digital=(0.1, 0.35), days=5, document_cost=2.0,
        addresses={"own_site": "https://e.csdd.lv"},
        legal_basis="Ceļu satiksmes likums",
    ),
    # NVA
    StateServiceDef(
        "PV-NVA-01", "NVA", "Bezdarbnieka statusa piešķiršana", "Granting unemployed status",
        "Reģistrācija par bezdarbnieku un atbalsta pasākumu plāns.",
        "Registration as unemployed and a plan of support measures.",
        ("job-loss",), {"portal": 5, "e_address": 1, "institution_in_person": 6, "vpvkac_in_person": 1},
        volume=82000, digital=(0.25, 0.6), days=1, trend=-0.04,
        legal_basis="Bezdarbnieku un darba meklētāju atbalsta likums",
    ),
    StateServiceDef(
        "PV-NVA-02", "NVA", "Darba meklētāja statusa piešķiršana", "Granting job-seeker status",
        "Reģistrācija par darba meklētāju, ja persona strādā vai mācās.",
        "Registration as a job seeker while still working or studying.",
        ("job-loss",), {"portal": 5, "institution_in_person": 5, "vpvkac_in_person": 1},
        volume=15000, digital=(0.3, 0.64), days=1,
        legal_basis="Bezdarbnieku un darba meklētāju atbalsta likums",
    ),
    StateServiceDef(
        "PV-NVA-03", "NVA", "Pieteikšanās apmācībām ar kuponu", "Applying for training with a voucher",
        "Profesionālās pilnveides vai neformālās izglītības programmas izvēle ar NVA kuponu.",
        "Choosing a vocational or non-formal training programme with an agency voucher.",
        ("job-loss", "studies"), {"own_site": 6, "institution_in_person": 4},
        volume=26000, digital=(0.45, 0.78), days=5,
        addresses={"own_site": "https://cvvp.nva.gov.lv"},
        legal_basis="Bezdarbnieku un darba meklētāju atbalsta likums",
    ),
    StateServiceDef(
        "PV-NVA-04", "NVA", "Vakances reģistrācija", "Registering a vacancy",
        "Darba devēja brīvās darba vietas reģistrācija CV un vakanču portālā.",
        "Registering an employer's vacancy on the job portal.",
        (), {"own_site": 8, "e_address": 1, "phone": 1, "institution_in_person": 2},
        volume=92000, digital=(0.7, 0.9), recipients="L", days=1, complexity=0.7, trend=0.02,
        addresses={"own_site": "https://cvvp.nva.gov.lv"},
        legal_basis="Bezdarbnieku un darba meklētāju atbalsta likums",
    ),
    # VZD
    StateServiceDef(
        "PV-VZD-01", "VZD", "Kadastra informācijas izsniegšana", "Cadastral data",
        "Nekustamā īpašuma valsts kadastra informācijas sistēmas datu izsniegšana.",
        "Data from the State Real Estate Cadastre.",
        ("buying-property", "building"),
        {"own_site": 7, "portal": 2, "institution_in_person": 3, "vpvkac_in_person": 1},
        volume=120000, digital=(0.62, 0.86), recipients="NL", days=1, complexity=0.7,
        fees={"institution_in_person": (Decimal("7.00"), "Maksa par kadastra izziņu"),
              "own_site": (Decimal("5.00"), "Maksa par kadastra datiem tiešsaistē")},
        addresses={"own_site": "https://www.kadastrs.lv"},
        legal_basis="Nekustamā īpašuma valsts kadastra likums",
    ),
    StateServiceDef(
        "PV-VZD-02", "VZD", "Kadastra datu aktualizācija", "Updating cadastral data",
        "Kadastra objekta datu reģistrēšana vai aktualizēšana pēc uzmērīšanas.",
        "Registering or updating a cadastral object after a survey.",
        ("buying-property", "building"), {"portal": 4, "e_address": 2, "institution_in_person": 4, "post": 1},
        volume=41000, digital=(0.35, 0.7), recipients="NL", days=15, complexity=1.2,
        fees={"institution_in_person": (Decimal("30.00"), "Maksa atkarībā no objekta veida")},
        legal_basis="Nekustamā īpašuma valsts kadastra likums",
    ),
    StateServiceDef(
        "PV-VZD-03", "VZD", "Kadastrālās vērtības izziņa", "Statement of cadastral value",
        "Izziņa par nekustamā īpašuma kadastrālo vērtību.",
        "A statement of a property's cadastral value.",
        ("buying-property",), {"own_site": 1},
        volume=33000, digital=(1.0, 1.0), recipients="NL", digital_only=True, days=1, complexity=0.5,
        addresses={"own_site": "https://www.kadastrs.lv"},
        legal_basis="Nekustamā īpašuma valsts kadastra likums",
    ),
    # LAD
    StateServiceDef(
        "PV-LAD-01", "LAD", "Vienotais platības maksājums", "Single area payment",
        "Tiešmaksājums lauksaimniekiem par apsaimniekoto lauksaimniecības zemi.",
        "Direct payment to farmers for the agricultural land they manage.",
        (), {"own_site": 9, "vpvkac_assisted": 1},
        volume=56000, digital=(1.0, 1.0), recipients="NL", digital_only=True, days=120, trend=-0.02,
        addresses={"own_site": "https://eps.lad.gov.lv"},
        legal_basis="Lauksaimniecības un lauku attīstības likums",
    ),
    StateServiceDef(
        "PV-LAD-02", "LAD", "Atbalsts jaunajiem lauksaimniekiem", "Support for young farmers",
        "Investīciju atbalsts jaunajiem lauksaimniekiem saimniecības izveidei.",
        "Investment support for young farmers starting a holding.",
        ("starting-business",), {"own_site": 6, "institution_in_person": 3},
        volume=850, digital=(0.6, 0.9), recipients="NL", days=90, complexity=1.5,
        addresses={"own_site": "https://eps.lad.gov.lv"},
        legal_basis="Lauksaimniecības un lauku attīstības likums",
    ),
    StateServiceDef(
        "PV-LAD-03", "LAD", "Klienta reģistrācija Lauku atbalsta dienestā",
        "Registering as a Rural Support Service client",
        "Reģistrācija LAD klientu reģistrā un piekļuve Elektroniskās pieteikšanās sistēmai.",
        "Registration as a client and access to the electronic application system.",
        ("starting-business",), {"own_site": 4, "institution_in_person": 5, "vpvkac_in_person": 1},
        volume=5200, digital=(0.3, 0.65), recipients="NL", days=5,
        addresses={"own_site": "https://eps.lad.gov.lv"},
        legal_basis="Lauksaimniecības un lauku attīstības likums",
    ),
    # Other state institutions
    StateServiceDef(
        "PV-NVD-01", "NVD", "Eiropas veselības apdrošināšanas kartes izsniegšana",
        "Issue of a European Health Insurance Card",
        "Karte valsts apmaksātai neatliekamai palīdzībai citās ES valstīs.",
        "A card for state-paid necessary care in other EU countries.",
        ("health-disability", "studies"), {"portal": 8, "institution_in_person": 2, "post": 1},
        volume=152000, digital=(0.55, 0.85), days=10, document_cost=1.5,
        legal_basis="Veselības aprūpes finansēšanas likums",
    ),
    StateServiceDef(
        "PV-VDEAVK-01", "VDEĀVK", "Invaliditātes ekspertīze", "Disability assessment",
        "Invaliditātes un darbspēju zaudējuma noteikšana.",
        "Establishing a disability and the loss of working ability.",
        ("health-disability",), {"e_address": 2, "institution_in_person": 5, "post": 3},
        volume=52000, digital=(0.12, 0.4), days=30, complexity=1.4,
        legal_basis="Invaliditātes likums",
    ),
    StateServiceDef(
        "PV-IEMIC-01", "IeM IC", "Izziņa par sodāmību", "Criminal record certificate",
        "Izziņa no Sodu reģistra par personas sodāmību.",
        "A certificate from the Punishment Register.",
        (), {"portal": 8, "institution_in_person": 2, "post": 1},
        volume=95000, digital=(0.72, 0.9), recipients="NL", days=1, complexity=0.6,
        fees={"institution_in_person": (Decimal("5.00"), "Maksa klātienē; portālā par sevi – bez maksas")},
        legal_basis="Sodu reģistra likums",
    ),
    StateServiceDef(
        "PV-VRAA-01", "VRAA", "Oficiālās elektroniskās adreses konta izveide",
        "Creating an official e-address account",
        "E-adreses konta aktivizēšana saziņai ar valsti.",
        "Activating an e-address account for official correspondence with the state.",
        (), {"portal": 1},
        volume=48000, digital=(1.0, 1.0), recipients="NL", digital_only=True, days=1, complexity=0.5,
        valid_from=date(2018, 1, 1), trend=0.25,
        legal_basis="Oficiālās elektroniskās adreses likums",
    ),
    StateServiceDef(
        "PV-PVD-01", "PVD", "Pārtikas uzņēmuma reģistrācija", "Registration of a food business",
        "Pārtikas apritē iesaistīta uzņēmuma reģistrācija uzraudzības iestādē.",
        "Registering a food business with the supervisory authority.",
        ("starting-business",), {"portal": 3, "e_address": 3, "institution_in_person": 4},
        volume=3100, digital=(0.4, 0.75), recipients="NL", days=30,
        legal_basis="Pārtikas aprites uzraudzības likums",
    ),
    StateServiceDef(
        "PV-VDI-01", "VDI", "Iesniegums par darba tiesību pārkāpumu", "Complaint about a breach of labour rights",
        "Darbinieka iesnieguma izskatīšana par darba tiesību pārkāpumu.",
        "Examining an employee's complaint about a breach of labour rights.",
        ("job-loss",), {"portal": 3, "e_address": 3, "phone": 1, "institution_in_person": 3, "post": 1},
        volume=4200, digital=(0.4, 0.7), days=30, complexity=1.3,
        legal_basis="Darba likums; Valsts darba inspekcijas likums",
    ),
]  # fmt: skip

MUNICIPAL_TEMPLATES = [
    MunicipalTemplateDef(
        "gmi-benefit", "Garantētā minimālā ienākuma pabalsts", "Guaranteed minimum income benefit",
        "Pabalsts mājsaimniecībai, kuras ienākumi ir zem garantētā minimālā ienākuma sliekšņa.",
        "Benefit for a household whose income is below the guaranteed minimum income threshold.",
        ("job-loss",), {"portal": 3, "e_address": 1, "institution_in_person": 6, "vpvkac_in_person": 2, "post": 1},
        per_thousand=9.0, digital=(0.08, 0.3), days=10, complexity=1.3, trend=-0.03,
        legal_basis="Sociālo pakalpojumu un sociālās palīdzības likums",
    ),
    MunicipalTemplateDef(
        "housing-benef", "Mājokļa pabalsts", "Housing benefit",
        "Pabalsts mājokļa uzturēšanas izdevumu segšanai.",
        "Benefit towards the cost of maintaining a home.",
        ("job-loss", "retirement"), {"portal": 3, "e_address": 1, "institution_in_person": 6, "vpvkac_in_person": 2},
        per_thousand=12.0, digital=(0.1, 0.34), days=10, complexity=1.2,
        legal_basis="Sociālo pakalpojumu un sociālās palīdzības likums",
    ),
    MunicipalTemplateDef(
        "needy-status", "Trūcīgas vai maznodrošinātas personas statusa piešķiršana",
        "Granting needy or low-income person status",
        "Mājsaimniecības materiālās situācijas izvērtēšana un statusa piešķiršana.",
        "Assessing a household's means and granting the status.",
        ("job-loss", "retirement"),
        {"portal": 3, "e_address": 1, "institution_in_person": 6, "vpvkac_in_person": 2, "post": 1},
        per_thousand=10.0, digital=(0.08, 0.3), days=10, complexity=1.3,
        legal_basis="Sociālo pakalpojumu un sociālās palīdzības likums",
    ),
    MunicipalTemplateDef(
        "crisis-benef", "Pabalsts krīzes situācijā", "Crisis situation benefit",
        "Vienreizējs pabalsts ugunsgrēka, dabas katastrofas vai citas krīzes gadījumā.",
        "A one-off benefit after a fire, natural disaster or other crisis.",
        (), {"e_address": 1, "institution_in_person": 6, "phone": 1},
        per_thousand=1.0, digital=(0.05, 0.2), days=5, complexity=1.2,
        legal_basis="Sociālo pakalpojumu un sociālās palīdzības likums",
    ),
    MunicipalTemplateDef(
        "kindergarten", "Reģistrācija rindā uz vietu pirmsskolas izglītības iestādē",
        "Kindergarten queue registration",
        "Bērna reģistrācija rindā uz vietu pašvaldības bērnudārzā.",
        "Registering a child in the queue for a place in a municipal kindergarten.",
        ("birth-of-child", "studies"), {"portal": 6, "e_address": 1, "institution_in_person": 4, "vpvkac_in_person": 1},
        per_thousand=9.0, digital=(0.35, 0.68), days=1, complexity=0.7, trend=-0.05,
        legal_basis="Izglītības likums",
    ),
    MunicipalTemplateDef(
        "school-enrol", "Pieteikšanās 1. klasē", "Enrolment in the first grade",
        "Bērna pieteikšana pamatizglītības programmas apguvei pašvaldības skolā.",
        "Enrolling a child at a municipal school for primary education.",
        ("studies",), {"portal": 5, "e_address": 1, "institution_in_person": 5},
        per_thousand=9.5, digital=(0.3, 0.62), days=5, complexity=0.8, trend=-0.02,
        legal_basis="Vispārējās izglītības likums",
    ),
    MunicipalTemplateDef(
        "birth-reg", "Bērna dzimšanas reģistrācija", "Registration of a child's birth",
        "Bērna dzimšanas reģistrācija dzimtsarakstu nodaļā.",
        "Registering a child's birth at the civil registry office.",
        ("birth-of-child",), {"portal": 3, "institution_in_person": 7},
        per_thousand=8.5, digital=(0.1, 0.35), days=1, trend=-0.06,
        legal_basis="Civilstāvokļa aktu reģistrācijas likums",
    ),
    MunicipalTemplateDef(
        "birth-allow", "Pašvaldības pabalsts bērna piedzimšanas gadījumā", "Municipal childbirth allowance",
        "Pašvaldības vienreizējs pabalsts par jaundzimušo.",
        "A one-off municipal allowance for a newborn.",
        ("birth-of-child",), {"portal": 4, "e_address": 1, "institution_in_person": 5},
        per_thousand=8.0, digital=(0.25, 0.55), days=10, trend=-0.06,
        legal_basis="Pašvaldību likums; pašvaldības saistošie noteikumi",
    ),
    MunicipalTemplateDef(
        "marriage-reg", "Laulības reģistrācija", "Registration of a marriage",
        "Laulības reģistrācija dzimtsarakstu nodaļā.",
        "Registering a marriage at the civil registry office.",
        (), {"portal": 2, "institution_in_person": 8},
        per_thousand=6.0, digital=(0.05, 0.22), days=30, complexity=1.1,
        fee=(("institution_in_person",), 10, 30, "Valsts nodeva un pašvaldības noteiktā samaksa par ceremoniju"),
        physical_presence="Laulājamo un liecinieku klātbūtne laulības noslēgšanā",
        legal_basis="Civilstāvokļa aktu reģistrācijas likums",
    ),
    MunicipalTemplateDef(
        "death-reg", "Miršanas fakta reģistrācija", "Registration of a death",
        "Miršanas fakta reģistrācija un miršanas apliecības izsniegšana.",
        "Registering a death and issuing the death certificate.",
        ("death-of-relative",), {"portal": 2, "e_address": 1, "institution_in_person": 7},
        per_thousand=15.0, digital=(0.05, 0.25), days=1,
        legal_basis="Civilstāvokļa aktu reģistrācijas likums",
    ),
    MunicipalTemplateDef(
        "funeral-allow", "Pašvaldības apbedīšanas pabalsts", "Municipal funeral allowance",
        "Pabalsts apbedīšanas izdevumiem, ja tos nesedz valsts pabalsts.",
        "Allowance towards funeral costs not covered by the state benefit.",
        ("death-of-relative",), {"e_address": 1, "institution_in_person": 6, "vpvkac_in_person": 1},
        per_thousand=3.5, digital=(0.06, 0.25), days=5,
        legal_basis="Pašvaldību likums; pašvaldības saistošie noteikumi",
    ),
    MunicipalTemplateDef(
        "build-permit", "Būvatļaujas izsniegšana", "Issue of a building permit",
        "Būvatļaujas izsniegšana būvniecības ieceres īstenošanai.",
        "Issue of a building permit for a construction project.",
        ("building",), {"own_site": 6, "e_address": 1, "institution_in_person": 3},
        per_thousand=2.2, digital=(0.55, 0.85), recipients="NL", days=30, complexity=1.4, trend=0.03,
        fee=(
            ("own_site", "institution_in_person"),
            20, 90, "Būvatļaujas nodeva pēc pašvaldības saistošajiem noteikumiem",
        ),
        legal_basis="Būvniecības likums",
    ),
    MunicipalTemplateDef(
        "build-memo", "Paskaidrojuma raksta akceptēšana", "Acceptance of a building explanatory memorandum",
        "Vienkāršotas būvniecības ieceres (paskaidrojuma raksta) akceptēšana.",
        "Accepting a simplified construction project (explanatory memorandum).",
        ("building",), {"own_site": 6, "e_address": 1, "institution_in_person": 3},
        per_thousand=3.0, digital=(0.5, 0.82), recipients="NL", days=15, trend=0.03,
        legal_basis="Būvniecības likums",
    ),
    MunicipalTemplateDef(
        "tax-relief", "Nekustamā īpašuma nodokļa atvieglojumu piešķiršana", "Property tax relief",
        "Nekustamā īpašuma nodokļa atvieglojums, piemēram, daudzbērnu ģimenēm un senioriem.",
        "Property tax relief, for instance for large families and seniors.",
        ("buying-property", "retirement"), {"portal": 3, "e_address": 2, "institution_in_person": 5, "post": 1},
        per_thousand=6.0, digital=(0.2, 0.5), days=30,
        legal_basis="Likums „Par nekustamā īpašuma nodokli”",
    ),
    MunicipalTemplateDef(
        "tax-notice", "Nekustamā īpašuma nodokļa maksāšanas paziņojums", "Property tax payment notice",
        "Maksāšanas paziņojuma saņemšana un nodokļa samaksa.",
        "Receiving the property tax payment notice and paying the tax.",
        ("buying-property",), {"portal": 6, "e_address": 3, "institution_in_person": 2, "post": 4},
        per_thousand=40.0, digital=(0.45, 0.75), recipients="NL", days=1, complexity=0.5, trend=0.01,
        legal_basis="Likums „Par nekustamā īpašuma nodokli”",
    ),
    MunicipalTemplateDef(
        "resid-cert", "Izziņa par deklarēto dzīvesvietu", "Certificate of declared residence",
        "Izziņa par personas deklarēto dzīvesvietu pašvaldības teritorijā.",
        "A certificate of a person's declared residence in the municipality.",
        ("moving-house",), {"portal": 5, "e_address": 1, "institution_in_person": 3, "vpvkac_in_person": 2},
        per_thousand=18.0, digital=(0.35, 0.68), days=1, complexity=0.5,
        fee=(("institution_in_person", "vpvkac_in_person"), 1, 4, "Maksa par izziņu klātienē; e-vidē bez maksas"),
        legal_basis="Dzīvesvietas deklarēšanas likums",
    ),
    MunicipalTemplateDef(
        "address", "Adreses piešķiršana vai maiņa", "Assigning or changing an address",
        "Adreses piešķiršana jaunai ēkai vai zemes vienībai vai tās maiņa.",
        "Assigning or changing the address of a new building or land unit.",
        ("building", "buying-property"), {"portal": 3, "e_address": 2, "institution_in_person": 4},
        per_thousand=2.0, digital=(0.3, 0.62), recipients="NL", days=30,
        legal_basis="Pašvaldību likums; Ministru kabineta noteikumi par adresācijas sistēmu",
    ),
    MunicipalTemplateDef(
        "land-use", "Zemes lietošanas mērķa maiņa", "Change of land use purpose",
        "Nekustamā īpašuma lietošanas mērķa noteikšana vai maiņa.",
        "Setting or changing the land use purpose of a property.",
        ("buying-property", "building"), {"portal": 2, "e_address": 2, "institution_in_person": 5},
        per_thousand=0.8, digital=(0.25, 0.55), recipients="NL", days=30, complexity=1.2,
        legal_basis="Nekustamā īpašuma valsts kadastra likums",
    ),
    MunicipalTemplateDef(
        "parking", "Iedzīvotāja transportlīdzekļa stāvvietas atļauja", "Residents' parking permit",
        "Atļauja novietot transportlīdzekli maksas stāvvietās dzīvesvietas tuvumā.",
        "Permit to park in paid parking zones near one's home.",
        ("vehicle-ownership",), {"portal": 4, "own_site": 3, "institution_in_person": 3},
        per_thousand=5.0, digital=(0.4, 0.75), days=5, complexity=0.6, trend=0.03,
        fee=(
            ("portal", "own_site", "institution_in_person"),
            5, 30, "Gada maksa pēc pašvaldības saistošajiem noteikumiem",
        ),
        legal_basis="Ceļu satiksmes likums; pašvaldības saistošie noteikumi",
    ),
    MunicipalTemplateDef(
        "assistant", "Asistenta pakalpojums personām ar invaliditāti",
        "Personal assistant for persons with disabilities",
        "Asistenta pakalpojums pašvaldībā personai ar invaliditāti.",
        "A municipal personal assistant for a person with a disability.",
        ("health-disability",), {"e_address": 1, "institution_in_person": 6, "vpvkac_in_person": 1},
        per_thousand=2.0, digital=(0.05, 0.22), days=10, complexity=1.3, trend=0.04,
        legal_basis="Sociālo pakalpojumu un sociālās palīdzības likums",
    ),
    MunicipalTemplateDef(
        "home-care", "Aprūpe mājās", "Home care",
        "Aprūpes mājās pakalpojums personām, kuras pašas nespēj sevi aprūpēt.",
        "Care at home for people who cannot look after themselves.",
        ("health-disability", "retirement"), {"e_address": 1, "phone": 1, "institution_in_person": 6},
        per_thousand=3.0, digital=(0.04, 0.18), days=10, complexity=1.3, trend=0.03,
        physical_presence="Aprūpes vajadzību izvērtēšana personas dzīvesvietā",
        legal_basis="Sociālo pakalpojumu un sociālās palīdzības likums",
    ),
    MunicipalTemplateDef(
        "care-home", "Ilgstošas sociālās aprūpes institūcijas pakalpojums", "Place in a long-term care home",
        "Ievietošana ilgstošas sociālās aprūpes un sociālās rehabilitācijas institūcijā.",
        "Placement in a long-term social care home.",
        ("retirement", "health-disability"), {"e_address": 1, "institution_in_person": 6, "post": 1},
        per_thousand=1.0, digital=(0.03, 0.15), days=30, complexity=1.5,
        legal_basis="Sociālo pakalpojumu un sociālās palīdzības likums",
    ),
    MunicipalTemplateDef(
        "street-trade", "Tirdzniecības atļauja publiskās vietās", "Street trading permit",
        "Atļauja ielu tirdzniecībai vai tirdzniecībai publiskos pasākumos.",
        "Permit for street trading or trading at public events.",
        ("starting-business",), {"portal": 4, "e_address": 2, "institution_in_person": 4},
        per_thousand=1.5, digital=(0.35, 0.7), recipients="NL", days=10, complexity=0.8,
        fee=(
            ("portal", "e_address", "institution_in_person"),
            5, 50, "Pašvaldības nodeva par tirdzniecību publiskās vietās",
        ),
        legal_basis="Pašvaldību likums; Ministru kabineta noteikumi par tirdzniecību publiskās vietās",
    ),
    MunicipalTemplateDef(
        "event-permit", "Publiska pasākuma rīkošanas atļauja", "Public event permit",
        "Atļauja rīkot publisku izklaides vai svētku pasākumu.",
        "Permit to hold a public entertainment or festive event.",
        (), {"portal": 3, "e_address": 3, "institution_in_person": 4},
        per_thousand=0.8, digital=(0.35, 0.68), recipients="NL", days=10, complexity=1.1,
        fee=(("portal", "e_address", "institution_in_person"), 0, 30, "Pašvaldības nodeva, ja tāda noteikta"),
        legal_basis="Publisku izklaides un svētku pasākumu drošības likums",
    ),
    MunicipalTemplateDef(
        "housing-queue", "Palīdzība dzīvokļa jautājumu risināšanā", "Municipal housing assistance",
        "Reģistrācija pašvaldības palīdzības saņemšanai dzīvokļa jautājumu risināšanā.",
        "Registering for municipal assistance with housing.",
        ("moving-house",), {"portal": 2, "e_address": 1, "institution_in_person": 6, "vpvkac_in_person": 1},
        per_thousand=1.5, digital=(0.1, 0.35), days=30, complexity=1.3,
        legal_basis="Likums „Par palīdzību dzīvokļa jautājumu risināšanā”",
    ),
]  # fmt: skip


# --- how channels behave --------------------------------------------------------------------------------

# Change of a channel's weight per year inside its group: people move from counters and post to the
# portal, apps and the VPVKAC network.
CHANNEL_DRIFT = {
    "portal": 0.06, "own_site": 0.02, "mobile_app": 0.35, "e_address": 0.05, "vpvkac_assisted": 0.12,
    "phone": -0.04, "post": -0.12, "institution_in_person": -0.07, "vpvkac_in_person": 0.15, "mobile_vpvkac": 0.1,
}  # fmt: skip
# Minutes a client spends on one case through the channel.
CLIENT_MINUTES = {
    "portal": 12, "own_site": 14, "mobile_app": 10, "e_address": 18, "phone": 15, "post": 30,
    "institution_in_person": 45, "vpvkac_in_person": 40, "vpvkac_assisted": 35, "mobile_vpvkac": 30,
}  # fmt: skip
# Consultations per completed application through the channel. Self-service channels and post report none;
# phone consultations follow the service's whole volume instead (see _figure).
CONSULTATIONS = {
    "e_address": 0.15, "institution_in_person": 0.3, "vpvkac_in_person": 0.5, "vpvkac_assisted": 0.3,
    "mobile_vpvkac": 0.4,
}  # fmt: skip
# Share of completed cases whose client answers the satisfaction survey, and the channel's mean rating in 2020.
SURVEY = {
    "portal": (0.05, 4.05), "own_site": (0.04, 3.95), "mobile_app": (0.06, 4.2), "e_address": (0.01, 3.8),
    "phone": (0.01, 3.9), "post": (0.002, 3.7), "institution_in_person": (0.015, 4.3),
    "vpvkac_in_person": (0.02, 4.45), "vpvkac_assisted": (0.02, 4.4), "mobile_vpvkac": (0.03, 4.5),
}  # fmt: skip
# Staff minutes per case at a channel that costs staff time (face to face, phone, post, e-address).
STAFF_MINUTES = {"face_to_face": 30, "phone": 12, "post": 20, "e_address": 12}


@dataclass(frozen=True)
class LevelCosts:
    """Cost assumptions of a level of government (EUR)."""

    hourly_staff_cost_2020: float
    back_office_minutes: float  # shared staff time per case, whatever the channel
    premises_per_case: float
    it_fixed: float  # yearly IT cost of a digital channel before volume
    it_per_case: float
    other_fixed: float


STATE_COSTS = LevelCosts(15.0, 15, 3.5, 4000, 0.05, 1500)
MUNICIPAL_COSTS = LevelCosts(12.0, 20, 2.5, 120, 0.3, 60)
STAFF_COST_GROWTH = 0.07  # yearly rise of the hourly staff cost


@dataclass
class Profile:
    """What the figure generator needs to know about one demo service at one provider."""

    catalogue_id: str
    volume_2020: float
    digital: tuple
    trend: float
    complexity: float
    document_cost: float
    weights: dict  # channel code → weight
    costs: LevelCosts
    digital_offset: float = 0.0


# --- the loader -----------------------------------------------------------------------------------------


SERVICE_COUNTS = (
    "services created",
    "service channels created",
    "service figures created",
    "service costs created",
    "figure submissions created",
)


@transaction.atomic
def load_catalogue_demo():
    """Create the demo catalogue and its figures and costs where missing; return counts of created rows."""
    channels = {channel.code: channel for channel in Channel.objects.all()}
    summary = {
        "life situations created": _create_life_situations(),
        "unified service templates created": _create_templates(),
    }
    if not channels:  # the channel code list is reference data: without it nothing can be offered
        return summary | dict.fromkeys(SERVICE_COUNTS, 0)

    holders = Institution.objects.filter(short_name__in={d.holder for d in STATE_SERVICES})
    institutions = {institution.short_name: institution for institution in holders}
    municipal_bodies = list(
        Institution.objects.filter(
            institution_type=InstitutionType.MUNICIPALITY,
            municipality__isnull=False,
            municipality__valid_to__isnull=True,
            active_to__isnull=True,
        ).select_related("municipality")
    )
    templates = {t.code: t for t in ServiceTemplate.objects.filter(code__in=[d.code for d in MUNICIPAL_TEMPLATES])}

    entries = _catalogue_entries(institutions, municipal_bodies, templates)
    summary["services created"] = _create_services(entries)
    catalogue_ids = [entry["service"].catalogue_id for entry in entries]
    services = {service.catalogue_id: service for service in Service.objects.filter(catalogue_id__in=catalogue_ids)}
    entries = [e for e in entries if services[e["service"].catalogue_id].is_demo]  # never touch a real entry
    for entry in entries:
        entry["service"] = services[entry["service"].catalogue_id]

    summary["service channels created"] = _create_service_channels(entries, channels)
    _create_links(entries)
    summary["service figures created"], summary["service costs created"] = _create_figures_and_costs(entries, channels)
    summary["figure submissions created"] = _create_submissions(entries)
    return summary


def _create_submissions(entries):
    """Reports for the demo years: most accepted or submitted, about one in ten left as a draft, so the
    completeness report has something to show. Deterministic, and only where figures exist."""
    keys = set(
        ServiceFigure.objects.filter(service__in=[entry["service"] for entry in entries], is_demo=True)
        .values_list("service_id", "provider_id", "year")
        .distinct()
    )
    existing = set(FigureSubmission.objects.values_list("service_id", "provider_id", "year"))
    new = []
    for service_id, provider_id, year in sorted(keys - existing):
        draw = random.Random(f"submission-{service_id}-{provider_id}-{year}").random()
        if draw < 0.1:
            status = SubmissionStatus.DRAFT
        elif draw < 0.6 or year < 2024:
            status = SubmissionStatus.ACCEPTED
        else:
            status = SubmissionStatus.SUBMITTED
        submitted_at = None if status == SubmissionStatus.DRAFT else timezone.make_aware(datetime(year + 1, 2, 15, 10))
        new.append(
            FigureSubmission(
                service_id=service_id,
                provider_id=provider_id,
                year=year,
                status=status,
                submitted_at=submitted_at,
                note="Demo data",
            )
        )
    FigureSubmission.objects.bulk_create(new, batch_size=2000)
    return len(new)


def _create_life_situations():
    existing = set(LifeSituation.objects.values_list("code", flat=True))
    new = [
        LifeSituation(code=code, name_lv=name_lv, name_en=name_en, description_lv=desc_lv, description_en=desc_en,
                      is_demo=True)
        for code, name_lv, name_en, desc_lv, desc_en in LIFE_SITUATIONS
        if code not in existing
    ]  # fmt: skip
    LifeSituation.objects.bulk_create(new)
    return len(new)


def _create_templates():
    existing = set(ServiceTemplate.objects.values_list("code", flat=True))
    new = [
        ServiceTemplate(code=d.code, name_lv=d.name_lv, name_en=d.name_en, description_lv=d.description_lv,
                        description_en=d.description_en, is_demo=True)
        for d in MUNICIPAL_TEMPLATES
        if d.code not in existing
    ]  # fmt: skip
    ServiceTemplate.objects.bulk_create(new)
    return len(new)


def _conditions(rng, has_digital_channel):
    """The 10 PVPP2027 conditions: mostly applicable, a few marked not applicable."""
    values = {name: rng.random() > 0.12 for name, _label in SERVICE_CONDITIONS}
    values["condition_digital"] = values["condition_digital"] and has_digital_channel
    return values


def _catalogue_entries(institutions, municipal_bodies, templates):
    """One entry per demo service: the unsaved Service, its provider, channels, life situations and profile."""
    digital_codes = {"portal", "own_site", "mobile_app", "e_address", "vpvkac_assisted"}
    entries = []
    for d in STATE_SERVICES:
        holder = institutions.get(d.holder)
        if holder is None:
            continue
        rng = random.Random(d.catalogue_id)
        service = Service(
            catalogue_id=d.catalogue_id, name_lv=d.name_lv, name_en=d.name_en,
            description_lv=d.description_lv, description_en=d.description_en,
            kind=d.kind, level=ServiceLevel.STATE, holder=holder,
            for_natural_persons="N" in d.recipients, for_legal_persons="L" in d.recipients,
            status=d.status, valid_from=d.valid_from, valid_to=d.valid_to,
            minimum_basket=d.holder in MINIMUM_BASKET_HOLDERS, physical_presence_reason=d.physical_presence,
            digital_only=d.digital_only, legal_basis=d.legal_basis, url=holder.website, is_demo=True,
            **_conditions(rng, bool(digital_codes & set(d.channels))),
        )  # fmt: skip
        channels = {
            code: {
                "address": d.addresses.get(code) or _default_address(code, holder, d.catalogue_id),
                "fee": d.fees.get(code),
                "days": d.days,
            }
            for code in d.channels
        }
        profile = Profile(d.catalogue_id, d.volume, d.digital, d.trend, d.complexity, d.document_cost,
                          dict(d.channels), STATE_COSTS)  # fmt: skip
        entries.append(
            {"service": service, "provider": holder, "channels": channels, "life_situations": d.life_situations,
             "template": None, "profile": profile}
        )  # fmt: skip
    for d in MUNICIPAL_TEMPLATES:
        template = templates.get(d.code)
        for body in municipal_bodies:
            municipality = body.municipality
            catalogue_id = f"PV-{d.code}-{municipality.code}"
            rng = random.Random(catalogue_id)
            service = Service(
                catalogue_id=catalogue_id,
                name_lv=f"{d.name_lv} ({municipality.name_lv})", name_en=f"{d.name_en} ({municipality.name_en})",
                description_lv=d.description_lv, description_en=d.description_en,
                kind=d.kind, level=ServiceLevel.MUNICIPAL, holder=body, template=template,
                for_natural_persons="N" in d.recipients, for_legal_persons="L" in d.recipients,
                status=ServiceStatus.ACTIVE, physical_presence_reason=d.physical_presence,
                legal_basis=d.legal_basis, url=body.website, is_demo=True,
                **_conditions(rng, bool(digital_codes & set(d.channels))),
            )  # fmt: skip
            fee = None
            if d.fee:
                fee_channels, lowest, highest, conditions = d.fee
                fee = (Decimal(rng.randint(lowest, highest)).quantize(Decimal("0.01")), conditions)
            channels = {
                code: {
                    "address": _default_address(code, body, catalogue_id),
                    "fee": fee if d.fee and code in d.fee[0] else None,
                    "days": d.days,
                }
                for code in d.channels
            }
            population = DEMO_POPULATION.get(municipality.code, 20000)
            profile = Profile(catalogue_id, d.per_thousand * population / 1000, d.digital, d.trend, d.complexity, 0.0,
                              dict(d.channels), MUNICIPAL_COSTS, _municipal_digital_offset(municipality))  # fmt: skip
            entries.append(
                {"service": service, "provider": body, "channels": channels, "life_situations": d.life_situations,
                 "template": template, "profile": profile}
            )  # fmt: skip
    return entries


def _municipal_digital_offset(municipality):
    """How far a municipality's digital take-up lies above or below the template's: cities a little ahead."""
    rng = random.Random(f"offset-{municipality.code}")
    return rng.uniform(-0.07, 0.07) + (0.05 if municipality.kind == "state_city" else 0.0)


def _fictional_phone(key):
    # +371 6000 xxxx is not assigned to any subscriber: the numbers are plausible but reach nobody.
    return f"+371 6000 {random.Random(f'phone-{key}').randint(1000, 9999)}"


def _default_address(code, institution, catalogue_id):
    if code == "portal":
        return f"https://www.latvija.gov.lv/pakalpojumi/{catalogue_id.lower()}"
    if code in ("own_site", "mobile_app"):
        return institution.website or "https://www.latvija.gov.lv"
    if code == "e_address":
        return f"E-adrese: {institution.name_lv}"
    if code == "phone":
        return _fictional_phone(institution.short_name)
    if code == "post":
        return f"Pa pastu: {institution.name_lv}"
    if code == "institution_in_person":
        return f"{institution.name_lv}, klientu apkalpošanas centrs"
    if code == "mobile_vpvkac":
        return "Mobilais VPVKAC"
    return VPVKAC


def _create_services(entries):
    existing = set(
        Service.objects.filter(catalogue_id__in=[e["service"].catalogue_id for e in entries]).values_list(
            "catalogue_id", flat=True
        )
    )
    new = [e["service"] for e in entries if e["service"].catalogue_id not in existing]
    Service.objects.bulk_create(new, batch_size=BATCH_SIZE)
    return len(new)


def _create_service_channels(entries, channels):
    service_ids = [e["service"].pk for e in entries]
    existing = set(ServiceChannel.objects.filter(service_id__in=service_ids).values_list("service_id", "channel__code"))
    new = []
    for entry in entries:
        for code, spec in entry["channels"].items():
            if code not in channels or (entry["service"].pk, code) in existing:
                continue
            amount, conditions = spec["fee"] or (None, "")
            new.append(
                ServiceChannel(
                    service=entry["service"], channel=channels[code], address=spec["address"],
                    fee_amount=amount, fee_currency="EUR", fee_conditions=conditions, processing_days=spec["days"],
                )
            )  # fmt: skip
    ServiceChannel.objects.bulk_create(new, batch_size=BATCH_SIZE)
    return len(new)


def _create_links(entries):
    """Providers and life situations of the demo services (the many-to-many rows), where missing."""
    service_ids = [e["service"].pk for e in entries]
    situations = dict(LifeSituation.objects.values_list("code", "pk"))
    Providers = Service.providers.through
    Situations = Service.life_situations.through
    providers = set(Providers.objects.filter(service_id__in=service_ids).values_list("service_id", "institution_id"))
    grouped = set(Situations.objects.filter(service_id__in=service_ids).values_list("service_id", "lifesituation_id"))
    new_providers, new_situations = [], []
    for entry in entries:
        service_id = entry["service"].pk
        if (service_id, entry["provider"].pk) not in providers:
            new_providers.append(Providers(service_id=service_id, institution_id=entry["provider"].pk))
        for code in entry["life_situations"]:
            if code in situations and (service_id, situations[code]) not in grouped:
                new_situations.append(Situations(service_id=service_id, lifesituation_id=situations[code]))
    Providers.objects.bulk_create(new_providers, batch_size=BATCH_SIZE)
    Situations.objects.bulk_create(new_situations, batch_size=BATCH_SIZE)


def _create_figures_and_costs(entries, channels):
    """Five years of figures and costs for every demo service and provider that has none yet; each row is
    checked by the shared validation rules before it is written."""
    service_ids = [e["service"].pk for e in entries]
    with_figures = set(
        ServiceFigure.objects.filter(service_id__in=service_ids).values_list("service_id", "provider_id").distinct()
    )
    with_costs = set(
        ServiceCost.objects.filter(service_id__in=service_ids).values_list("service_id", "provider_id").distinct()
    )
    offered = {}
    for service_id, code in ServiceChannel.objects.filter(service_id__in=service_ids).values_list(
        "service_id", "channel__code"
    ):
        offered.setdefault(service_id, []).append(channels[code])
    figures, costs = [], []
    figure_count = cost_count = 0
    for entry in entries:
        service, provider = entry["service"], entry["provider"]
        key = (service.pk, provider.pk)
        if key in with_figures and key in with_costs:
            continue
        facts = ServiceFacts(service.valid_from, service.valid_to, frozenset({provider.pk}))
        service_channels = sorted(offered.get(service.pk, []), key=lambda channel: channel.order)
        new_figures, new_costs = generate_figures(service, provider, service_channels, entry["profile"])
        for figure in new_figures if key not in with_figures else []:
            _check(figure_errors(_values(figure), facts), figure)
            figures.append(figure)
        for cost in new_costs if key not in with_costs else []:
            values = {"provider_id": cost.provider_id, "year": cost.year, "amount": cost.amount}
            _check(cost_errors(values, facts), cost)
            costs.append(cost)
        if len(figures) >= BATCH_SIZE * 5:
            figure_count += len(ServiceFigure.objects.bulk_create(figures, batch_size=BATCH_SIZE))
            figures = []
        if len(costs) >= BATCH_SIZE * 5:
            cost_count += len(ServiceCost.objects.bulk_create(costs, batch_size=BATCH_SIZE))
            costs = []
    figure_count += len(ServiceFigure.objects.bulk_create(figures, batch_size=BATCH_SIZE))
    cost_count += len(ServiceCost.objects.bulk_create(costs, batch_size=BATCH_SIZE))
    return figure_count, cost_count


def _values(figure):
    return {
        "provider_id": figure.provider_id, "year": figure.year, "period_type": figure.period_type,
        "period_number": figure.period_number, "started": figure.started, "completed": figure.completed,
        "consultations": figure.consultations, "client_minutes": figure.client_minutes,
        "satisfaction_responses": figure.satisfaction_responses, "satisfaction_mean": figure.satisfaction_mean,
        "rating_scale_min": figure.rating_scale_min, "rating_scale_max": figure.rating_scale_max,
    }  # fmt: skip


def _check(errors, row):
    if errors:
        raise ValueError(f"demo row {row} breaks the validation rules: {errors}")


# --- the figure generator -------------------------------------------------------------------------------


def _money(amount):
    return Decimal(f"{amount:.2f}")


def _share_of_channels(profile, channels, year, rng):
    """Share of the year's applications per channel: digital take-up moves linearly from the 2020 to the
    2024 level, then each group (digital, non-digital) is split by the channels' drifting weights."""
    step = year - DEMO_YEARS[0]
    digital = [c for c in channels if c.is_digital]
    other = [c for c in channels if not c.is_digital]
    start, end = profile.digital
    take_up = start + (end - start) * step / (len(DEMO_YEARS) - 1) + profile.digital_offset + rng.uniform(-0.02, 0.02)
    if not digital:
        take_up = 0.0
    elif not other:
        take_up = 1.0
    else:
        take_up = min(max(take_up, 0.02), 0.97)
    shares = {}
    for group, group_share in ((digital, take_up), (other, 1.0 - take_up)):
        weights = {
            c.code: profile.weights.get(c.code, 1) * max(0.1, 1 + CHANNEL_DRIFT.get(c.code, 0) * step) for c in group
        }
        total = sum(weights.values())
        for code, weight in weights.items():
            shares[code] = group_share * weight / total
    return shares


def generate_figures(service, provider, channels, profile):
    """Yearly figures (per offered channel) and costs (per component, channel-attributed or shared) of one
    service at one provider for 2020–2024, deterministic for the service's catalogue identifier."""
    rng = random.Random(f"figures-{profile.catalogue_id}")
    figures, costs = [], []
    for year in DEMO_YEARS:
        if not service.active_in_year(year):
            continue
        step = year - DEMO_YEARS[0]
        volume = profile.volume_2020 * (1 + profile.trend) ** step * rng.uniform(0.94, 1.06)
        shares = _share_of_channels(profile, channels, year, rng)
        hourly = profile.costs.hourly_staff_cost_2020 * (1 + STAFF_COST_GROWTH) ** step
        year_completed = 0
        attributed = 0.0
        for channel in channels:
            completed = int(round(volume * shares[channel.code] * rng.uniform(0.95, 1.05)))
            year_completed += completed
            figure, consultations = _figure(service, provider, year, channel, completed, profile, step, rng)
            figures.append(figure)
            for component, amount in _channel_costs(channel, completed, consultations, profile, hourly, rng):
                attributed += amount
                costs.append(_cost(service, provider, year, component, channel, amount))
        shared_staff = year_completed * profile.costs.back_office_minutes * profile.complexity / 60 * hourly
        shared = [(CostComponent.STAFF, shared_staff)]
        if profile.document_cost:
            shared.append((CostComponent.MATERIALS_POST, year_completed * profile.document_cost))
        shared.append(
            (CostComponent.OTHER, profile.costs.other_fixed + 0.05 * (attributed + sum(a for _c, a in shared)))
        )
        costs.extend(_cost(service, provider, year, component, None, amount) for component, amount in shared)
    return figures, [cost for cost in costs if cost.amount > 0]


def _figure(service, provider, year, channel, completed, profile, step, rng):
    code = channel.code
    if channel.is_digital and code != "vpvkac_assisted":
        completion_rate = rng.uniform(0.82, 0.92)  # some applications are abandoned online
    else:
        completion_rate = rng.uniform(0.94, 0.99)
    started = math.ceil(completed / completion_rate) if completed else rng.randint(0, 1)
    consultations = None
    if code == "phone":
        consultations = int(round(profile.volume_2020 * rng.uniform(0.15, 0.35) * (1 - 0.04 * step)))
    elif CONSULTATIONS.get(code):
        consultations = int(round(completed * CONSULTATIONS[code] * rng.uniform(0.8, 1.2)))
    minutes = CLIENT_MINUTES[code] * profile.complexity * rng.uniform(0.9, 1.1)
    if channel.is_digital and channel.is_remote:
        minutes = min(max(minutes * (1 - 0.03 * step), 8), 25)  # online forms get simpler
    response_rate, rating_2020 = SURVEY[code]
    responses = int(round(completed * response_rate * rng.uniform(0.7, 1.3)))
    mean = None
    if responses:
        drift = 0.05 if channel.is_digital else 0.02  # e-services improve faster
        mean = Decimal(f"{min(max(rating_2020 + drift * step + rng.uniform(-0.15, 0.15), 1.0), 5.0):.3f}")
    figure = ServiceFigure(
        service_id=service.pk, provider_id=provider.pk, year=year, period_type=PeriodType.YEAR, period_number=0,
        channel_id=channel.pk, started=started, completed=completed, consultations=consultations,
        client_minutes=Decimal(f"{minutes:.1f}"), satisfaction_responses=responses, satisfaction_mean=mean,
        rating_scale_min=RATING_SCALE[0], rating_scale_max=RATING_SCALE[1], is_demo=True,
    )  # fmt: skip
    return figure, consultations or 0


def _channel_costs(channel, completed, consultations, profile, hourly, rng):
    """Channel-attributed cost components: staff and premises where people serve clients, staff and postage
    for post, IT systems for self-service channels."""
    level = profile.costs
    per_minute = hourly / 60 * profile.complexity * rng.uniform(0.9, 1.1)
    if channel.code == "e_address":
        return [(CostComponent.STAFF, (completed + consultations) * STAFF_MINUTES["e_address"] * per_minute)]
    if channel.cost_unit_class == CostUnitClass.DIGITAL:
        volume_scale = math.sqrt(max(profile.volume_2020, 1))
        fixed = level.it_fixed + (25 if level is STATE_COSTS else 4) * volume_scale
        return [(CostComponent.IT_SYSTEMS, fixed * rng.uniform(0.9, 1.1) + completed * level.it_per_case)]
    if channel.cost_unit_class == CostUnitClass.PHONE:
        return [(CostComponent.STAFF, (completed * STAFF_MINUTES["phone"] + consultations * 8) * per_minute)]
    if channel.cost_unit_class == CostUnitClass.POST:
        return [
            (CostComponent.STAFF, completed * STAFF_MINUTES["post"] * per_minute),
            (CostComponent.MATERIALS_POST, completed * 1.6),
        ]
    return [
        (CostComponent.STAFF, (completed * STAFF_MINUTES["face_to_face"] + consultations * 10) * per_minute),
        (CostComponent.PREMISES, completed * level.premises_per_case * rng.uniform(0.85, 1.15)),
    ]


def _cost(service, provider, year, component, channel, amount):
    return ServiceCost(
        service_id=service.pk, provider_id=provider.pk, year=year, component=component,
        channel_id=channel.pk if channel else None, amount=_money(amount), is_demo=True,
    )  # fmt: skip
