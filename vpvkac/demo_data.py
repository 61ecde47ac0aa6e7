"""Demonstration data for today's VPVKAC network: 169 centres across the 43 municipalities (many in libraries),
their opening hours, institution desks and reception schedules, two mobile centres with stops, 5,000 settlements
with population for coverage, a year (2025) of hourly contact figures, grants, satisfaction and mystery-client
scores, and the demo centre operator's binding to one centre; then a full network recomputation.

The municipalities and institutions are real (reference data); the centres' places are real towns and parishes
with approximate coordinates (to a few kilometres, marked `coordinates_approximate`), but everything else is
invented and stored with is_demo=True and a source saying so: the settlements lie around the centres' places
inside a rough outline of Latvia, their populations add up to the demo population of each municipality
(institutions/demo_data.py, about 1.87 million in all), and every figure comes from a seeded random generator, so
two runs on any database give the same numbers.

Loading is idempotent: rows are matched on their codes and natural keys and existing ones are left as they are;
a centre's contact figures are created only when it has none in the demo year. Registry rows get their history
rows; the contact figures (about 276,000) are bulk-inserted without, and without signals: the network is
recomputed once at the end instead.

With the default radius of 30 km every demo settlement is covered; at 15 km about 1.4 % of the people are not.
"""

import math
import random
import zlib
from collections import defaultdict
from datetime import date, time, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from accounts.models import Role, User
from institutions.demo_data import DEMO_POPULATION
from institutions.models import DevelopmentTier, Institution, Municipality
from services.models import RecomputationKind, Service

from . import network
from .models import (
    LAST_WEEK,
    Centre,
    CentreMembership,
    CentreStatus,
    CentreStatusChange,
    ClientType,
    ContactFigure,
    ContactType,
    Desk,
    DeskPresence,
    Grant,
    GrantKind,
    MobileCentre,
    MobileService,
    MobileStop,
    OpeningHours,
    ReceptionSchedule,
    ReportingPeriod,
    SatisfactionScore,
    ScoreKind,
    Settlement,
    Shift,
    StaffType,
    StopTimetable,
)

DEMO_YEAR = 2025
DEMO_SOURCE = "Demo data: invented for demonstration, not real figures"
CODE_PREFIX = "demo"
SEED = 2025
BATCH_SIZE = 5000
SETTLEMENTS = 5000
DEMO_OPERATOR = "operators"  # the demo centre operator of institutions/demo_data.py

# Today's municipalities and the places of their centres with approximate coordinates (latitude, longitude); the
# first place is the main centre, which has the municipality's development-centre tier.
MUNICIPALITY_CENTRES = {
    "riga": (("Rīga", 56.9496, 24.1052), ("Rīga – Imanta", 56.9550, 23.9900)),
    "daugavpils": (("Daugavpils", 55.8747, 26.5362),),
    "jelgava": (("Jelgava", 56.6511, 23.7214),),
    "jurmala": (("Jūrmala", 56.9680, 23.7704),),
    "liepaja": (("Liepāja", 56.5047, 21.0108),),
    "rezekne": (("Rēzekne", 56.5099, 27.3331),),
    "ventspils": (("Ventspils", 57.3894, 21.5606),),
    "adazu-novads": (("Ādaži", 57.0750, 24.3240), ("Carnikava", 57.1300, 24.2800)),
    "aizkraukles-novads": (
        ("Aizkraukle", 56.6047, 25.2553),
        ("Koknese", 56.6400, 25.4300),
        ("Skrīveri", 56.6450, 25.1200),
        ("Jaunjelgava", 56.6130, 25.0800),
        ("Pļaviņas", 56.6170, 25.7200),
        ("Nereta", 56.2000, 25.3100),
    ),
    "aluksnes-novads": (
        ("Alūksne", 57.4242, 27.0469),
        ("Ape", 57.5390, 26.6930),
        ("Jaunalūksne", 57.3300, 26.9600),
        ("Zeltiņi", 57.3500, 26.7400),
    ),
    "augsdaugavas-novads": (
        ("Ilūkste", 55.9787, 26.2963),
        ("Subate", 56.0030, 25.9060),
        ("Naujene", 55.9180, 26.7500),
        ("Kalupe", 56.1000, 26.6000),
        ("Višķi", 56.0400, 26.7700),
        ("Bebrene", 56.0670, 26.1270),
    ),
    "balvu-novads": (
        ("Balvi", 57.1313, 27.2653),
        ("Viļaka", 57.1840, 27.6720),
        ("Rugāji", 57.0000, 27.1300),
        ("Baltinava", 56.9440, 27.6450),
        ("Tilža", 56.9000, 27.3600),
    ),
    "bauskas-novads": (
        ("Bauska", 56.4079, 24.1936),
        ("Iecava", 56.5990, 24.2050),
        ("Vecumnieki", 56.6060, 24.5220),
        ("Rundāle", 56.4150, 24.0250),
        ("Skaistkalne", 56.3780, 24.6450),
        ("Code", 56.4500, 24.0700),
    ),
    "cesu-novads": (
        ("Cēsis", 57.3119, 25.2706),
        ("Līgatne", 57.2340, 25.0400),
        ("Priekuļi", 57.3150, 25.3580),
        ("Vecpiebalga", 57.0600, 25.8100),
        ("Stalbe", 57.3700, 25.0300),
        ("Ieriķi", 57.1900, 25.1600),
    ),
    "dienvidkurzemes-novads": (
        ("Grobiņa", 56.5350, 21.1667),
        ("Aizpute", 56.7210, 21.6020),
        ("Pāvilosta", 56.8880, 21.1860),
        ("Priekule", 56.4470, 21.5860),
        ("Vaiņode", 56.4180, 21.8530),
        ("Rucava", 56.1620, 21.1610),
    ),
    "dobeles-novads": (
        ("Dobele", 56.6258, 23.2797),
        ("Auce", 56.4600, 22.9010),
        ("Tērvete", 56.4860, 23.3760),
        ("Bēne", 56.4950, 23.0650),
    ),
    "gulbenes-novads": (
        ("Gulbene", 57.1772, 26.7527),
        ("Stradi", 57.1000, 26.7700),
        ("Lizums", 57.1900, 26.4300),
        ("Ranka", 57.2100, 26.2100),
    ),
    "jelgavas-novads": (
        ("Ozolnieki", 56.6897, 23.7775),
        ("Eleja", 56.4250, 23.6950),
        ("Kalnciems", 56.8000, 23.6200),
        ("Valgunde", 56.7650, 23.6400),
        ("Svēte", 56.6300, 23.6000),
        ("Zaļenieki", 56.5350, 23.5200),
        ("Vircava", 56.5500, 23.8000),
    ),
    "jekabpils-novads": (
        ("Jēkabpils", 56.4991, 25.8572),
        ("Viesīte", 56.3450, 25.5550),
        ("Aknīste", 56.1600, 25.7450),
        ("Sala", 56.5000, 25.7300),
        ("Atašiene", 56.4980, 26.4300),
        ("Rubeņi", 56.3600, 25.9200),
        ("Vīpe", 56.5300, 26.1500),
    ),
    "kraslavas-novads": (
        ("Krāslava", 55.8951, 27.1681),
        ("Dagda", 56.0950, 27.5370),
        ("Indra", 55.8800, 27.5500),
        ("Andrupene", 56.1700, 27.3700),
        ("Skaista", 56.0200, 27.2500),
    ),
    "kuldigas-novads": (
        ("Kuldīga", 56.9677, 21.9696),
        ("Skrunda", 56.6760, 22.0150),
        ("Alsunga", 56.9820, 21.5650),
        ("Rudbārži", 56.7200, 21.8700),
        ("Vārme", 56.8780, 22.2200),
        ("Ēdole", 57.0150, 21.6900),
    ),
    "kekavas-novads": (("Ķekava", 56.8275, 24.2294), ("Baloži", 56.8750, 24.1200), ("Baldone", 56.7420, 24.4000)),
    "limbazu-novads": (
        ("Limbaži", 57.5133, 24.7136),
        ("Salacgrīva", 57.7540, 24.3580),
        ("Aloja", 57.7670, 24.8780),
        ("Ainaži", 57.8630, 24.3580),
        ("Staicele", 57.8350, 24.7500),
    ),
    "livanu-novads": (("Līvāni", 56.3540, 26.1750), ("Rožupe", 56.3000, 26.2500)),
    "ludzas-novads": (
        ("Ludza", 56.5456, 27.7190),
        ("Kārsava", 56.7840, 27.6880),
        ("Zilupe", 56.3860, 28.1210),
        ("Cibla", 56.5500, 27.8700),
        ("Mērdzene", 56.7300, 27.8900),
    ),
    "madonas-novads": (
        ("Madona", 56.8536, 26.2170),
        ("Lubāna", 56.9000, 26.7210),
        ("Cesvaine", 56.9680, 26.3080),
        ("Ērgļi", 56.9000, 25.6400),
        ("Barkava", 56.7200, 26.5600),
        ("Kalsnava", 56.7000, 25.9500),
    ),
    "marupes-novads": (("Mārupe", 56.9065, 24.0484), ("Babīte", 56.9450, 23.9150)),
    "ogres-novads": (
        ("Ogre", 56.8162, 24.6140),
        ("Ikšķile", 56.8350, 24.4960),
        ("Ķegums", 56.7450, 24.7180),
        ("Lielvārde", 56.7180, 24.8100),
        ("Birzgale", 56.6370, 24.7600),
        ("Tīnūži", 56.8800, 24.4900),
    ),
    "olaines-novads": (("Olaine", 56.7852, 23.9383), ("Jaunolaine", 56.7750, 23.9800)),
    "preilu-novads": (
        ("Preiļi", 56.2942, 26.7246),
        ("Riebiņi", 56.3400, 26.8000),
        ("Vārkava", 56.2500, 26.5600),
        ("Aglona", 56.1330, 27.0000),
    ),
    "rezeknes-novads": (
        ("Viļāni", 56.5520, 26.9253),
        ("Malta", 56.3400, 27.1700),
        ("Kaunata", 56.3300, 27.5600),
        ("Dricāni", 56.6300, 27.1900),
        ("Lūznava", 56.3600, 27.3000),
        ("Rogovka", 56.7270, 27.5300),
    ),
    "ropazu-novads": (("Ulbroka", 56.9402, 24.2839), ("Ropaži", 56.9735, 24.6316), ("Vangaži", 57.0950, 24.5550)),
    "salaspils-novads": (("Salaspils", 56.8614, 24.3497),),
    "saldus-novads": (
        ("Saldus", 56.6637, 22.4881),
        ("Brocēni", 56.6800, 22.5700),
        ("Lutriņi", 56.7300, 22.4000),
        ("Nīgrande", 56.4900, 22.1000),
        ("Kursīši", 56.5000, 22.4000),
    ),
    "saulkrastu-novads": (("Saulkrasti", 57.2636, 24.4148), ("Sēja", 57.2000, 24.5900)),
    "siguldas-novads": (
        ("Sigulda", 57.1537, 24.8532),
        ("Krimulda", 57.1850, 24.7200),
        ("Inčukalns", 57.0980, 24.6860),
        ("Mālpils", 57.0100, 24.9500),
    ),
    "smiltenes-novads": (
        ("Smiltene", 57.4242, 25.9016),
        ("Rauna", 57.3300, 25.6100),
        ("Palsmane", 57.4300, 26.0800),
        ("Launkalne", 57.5000, 25.8300),
    ),
    "talsu-novads": (
        ("Talsi", 57.2446, 22.5889),
        ("Sabile", 57.0450, 22.5700),
        ("Stende", 57.1450, 22.5400),
        ("Roja", 57.5050, 22.8000),
        ("Dundaga", 57.5080, 22.3500),
        ("Mērsrags", 57.3350, 23.1200),
    ),
    "tukuma-novads": (
        ("Tukums", 56.9671, 23.1554),
        ("Kandava", 57.0330, 22.7750),
        ("Engure", 57.1600, 23.2200),
        ("Jaunpils", 56.7300, 23.0200),
        ("Zante", 56.9200, 22.9300),
        ("Smārde", 56.9500, 23.3400),
    ),
    "valkas-novads": (("Valka", 57.7752, 26.0177), ("Strenči", 57.6250, 25.6850), ("Ērģeme", 57.8000, 26.2000)),
    "valmieras-novads": (
        ("Valmiera", 57.5385, 25.4264),
        ("Mazsalaca", 57.8620, 25.0530),
        ("Rūjiena", 57.8950, 25.3250),
        ("Burtnieki", 57.6950, 25.2700),
        ("Kocēni", 57.5200, 25.3400),
        ("Naukšēni", 57.8800, 25.4500),
        ("Beverīna", 57.5700, 25.6000),
    ),
    "varaklanu-novads": (("Varakļāni", 56.6077, 26.7530), ("Murmastiene", 56.4800, 26.8700)),
    "ventspils-novads": (("Piltene", 57.2244, 21.6735), ("Ugāle", 57.2700, 22.0300), ("Tārgale", 57.4600, 21.8200)),
}
# A rough outline of Latvia (longitude, latitude), clockwise from the Lithuanian border on the coast: generated
# settlements are kept inside it, so none lies in the sea or abroad.
LATVIA_OUTLINE = (
    (21.05, 56.07), (21.00, 56.50), (21.10, 56.85), (21.40, 57.20), (21.56, 57.40), (21.75, 57.55), (22.05, 57.70),
    (22.59, 57.75), (22.80, 57.50), (23.12, 57.33), (23.25, 57.10), (23.50, 56.97), (23.80, 56.98), (24.03, 57.05),
    (24.25, 57.18), (24.35, 57.30), (24.40, 57.55), (24.35, 57.75), (24.35, 57.87), (24.90, 57.95), (25.30, 58.05),
    (25.70, 57.95), (26.05, 57.85), (26.50, 57.55), (27.00, 57.60), (27.35, 57.55), (27.80, 57.25), (27.85, 56.85),
    (28.15, 56.60), (28.25, 56.25), (28.00, 56.00), (27.60, 55.80), (27.10, 55.85), (26.60, 55.67), (26.00, 55.95),
    (25.50, 56.15), (25.00, 56.30), (24.50, 56.30), (24.00, 56.35), (23.50, 56.33), (23.00, 56.38), (22.50, 56.40),
    (22.00, 56.42), (21.50, 56.30),
)  # fmt: skip
SPREAD_KM = {"riga": 8.0}  # generated settlements lie within this of a centre's place: a state city's default 4 km,
COUNTY_SPREAD_KM = 18.0  # a county's 18 km,
FAR_SHARE, FAR_KM = 0.08, (20.0, 40.0)  # and a few farther away, outlying as farmsteads are

# Centres with a status other than active (place, status, since); the first mobile centre replaces the last one.
STATUS_CHANGES = {
    "Vircava": (CentreStatus.UNDER_REVIEW, date(2025, 6, 1)),
    "Zaļenieki": (CentreStatus.UNDER_REVIEW, date(2025, 6, 1)),
    "Skaista": (CentreStatus.REPLACED_BY_MOBILE, date(2024, 9, 1)),
}
# Centres opened in the demo year: they have a creation grant, and figures from their opening day.
OPENED_IN_DEMO_YEAR = {"Jaunolaine": date(2025, 3, 3), "Babīte": date(2025, 5, 5), "Tīnūži": date(2025, 9, 1)}
OPERATOR_CENTRE = "Cēsis"  # the demo centre operator works here

MINIMUM_BASKET = ("VSAA", "VID", "NVA", "PMLP", "VZD", "LAD", "UR")  # the institutions every centre must offer
# Public holidays of 2025 in Latvia: the centres are closed.
HOLIDAYS = {
    date(2025, 1, 1),
    date(2025, 4, 18),
    date(2025, 4, 21),
    date(2025, 5, 1),
    date(2025, 5, 5),
    date(2025, 6, 23),
    date(2025, 6, 24),
    date(2025, 11, 18),
    date(2025, 12, 24),
    date(2025, 12, 25),
    date(2025, 12, 26),
    date(2025, 12, 31),
}

# Visits by hour slot (seed 001 Figure 8: the peak 11:00–12:00, the fewest 8:00–9:00 and after 17:00), by
# weekday (Monday busiest, Friday quietest) and by month (the income declarations of March and April).
HOUR_WEIGHT = {8: 0.6, 9: 1.0, 10: 1.3, 11: 1.8, 12: 0.9, 13: 1.0, 14: 1.1, 15: 1.0, 16: 0.8, 17: 0.5, 18: 0.4}
WEEKDAY_FACTOR = (1.15, 1.0, 1.0, 1.0, 0.8, 0.0, 0.0)
MONTH_FACTOR = (1.0, 1.05, 1.25, 1.2, 1.1, 0.95, 0.75, 0.8, 1.0, 1.05, 1.0, 0.85)
# Municipal staff's in-person contacts: by type, and by the institution whose service it is (most are VSAA's and
# VID's, seed 001 §4.9; None: the municipality's own).
CONTACT_MIX = ((ContactType.SERVICE, 0.68), (ContactType.CONSULTATION, 0.24), (ContactType.ASSISTED_ESERVICE, 0.08))
INSTITUTION_MIX = (
    ("VSAA", 0.38),
    ("VID", 0.27),
    ("NVA", 0.08),
    ("PMLP", 0.07),
    ("VZD", 0.06),
    ("LAD", 0.05),
    ("UR", 0.04),
    (None, 0.05),
)


def _rng(*parts):
    return random.Random(zlib.crc32("/".join(str(p) for p in (SEED, *parts)).encode()))


def _offset(lat, lon, distance_km, bearing):
    """The point `distance_km` from (lat, lon) towards `bearing` (radians), on a locally flat Earth."""
    dlat = distance_km / 111.195 * math.cos(bearing)
    dlon = distance_km / (111.195 * math.cos(math.radians(lat))) * math.sin(bearing)
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _decimal(value):
    return Decimal(f"{value:.6f}")


# --- the period ------------------------------------------------------------------------------------------------


def demo_period():
    """The reporting period of the demo year (the one of that span if it exists under another code)."""
    first, last = date(DEMO_YEAR, 1, 1), date(DEMO_YEAR, 12, 31)
    period = ReportingPeriod.objects.filter(first_day=first, last_day=last).first()
    if period is None:
        # bulk_create sends no signal: the full recomputation at the end of the load covers the new period.
        ReportingPeriod.objects.bulk_create(
            [
                ReportingPeriod(
                    code=str(DEMO_YEAR),
                    name_lv=f"{DEMO_YEAR}. gads",
                    name_en=str(DEMO_YEAR),
                    first_day=first,
                    last_day=last,
                )
            ]
        )
        period = ReportingPeriod.objects.get(first_day=first, last_day=last)
    return period


# --- centres, settlements and mobile centres -------------------------------------------------------------------


def centre_code(municipality_code, place):
    return f"{CODE_PREFIX}--{municipality_code}--{slugify(place)}"


def inside_latvia(lat, lon):
    """Whether the point lies inside LATVIA_OUTLINE (ray casting)."""
    inside = False
    points = LATVIA_OUTLINE
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _centre_specs(municipalities):
    """One dict per demo centre, in a fixed order: place, municipality, tier, coordinates, host, status."""
    specs = []
    for code, places in MUNICIPALITY_CENTRES.items():
        municipality = municipalities.get(code)
        if municipality is None:
            continue
        is_city = municipality.kind == "state_city"
        tier = municipality.development_tier or DevelopmentTier.LOCAL
        rng = _rng("centres", code)
        for index, (place, lat, lon) in enumerate(places):
            in_library = rng.random() < (0.35 if index == 0 else 0.65)
            if in_library:
                host = "Bibliotēka"
            elif index == 0:
                host = "Pašvaldības administratīvā ēka"
            else:
                host = rng.choice(("Pagasta pārvaldes ēka", "Pagasta pārvaldes ēka", "Kultūras nams"))
            status, since = STATUS_CHANGES.get(place, (CentreStatus.ACTIVE, None))
            if place in OPENED_IN_DEMO_YEAR:
                opened = OPENED_IN_DEMO_YEAR[place]
            # The demo network begins after the real 2017–2018 data set, so the two never describe the same days.
            elif index == 0:
                opened = date(rng.randint(2019, 2020), rng.randint(1, 12), 1)
            else:
                opened = date(rng.randint(2019, 2023), rng.randint(1, 12), 1)
            specs.append(
                {
                    "code": centre_code(code, place),
                    "place": place,
                    "index": index,
                    "municipality": municipality,
                    "tier": tier if (index == 0 or is_city) else DevelopmentTier.LOCAL,
                    "lat": lat,
                    "lon": lon,
                    "in_library": in_library,
                    "host": host,
                    "status": status,
                    "status_since": since or opened,
                    "opened_on": opened,
                }
            )
    return specs


def _scatter(rng, places, spread_km):
    """A point near one of `places` ((lat, lon) pairs): within `spread_km`, or now and then 20–40 km away; kept
    inside Latvia (the place itself after twenty tries)."""
    lat, lon = rng.choice(places)
    for _try in range(20):
        distance = rng.uniform(*FAR_KM) if rng.random() < FAR_SHARE else spread_km * math.sqrt(rng.random())
        point = _offset(lat, lon, distance, rng.uniform(0, 2 * math.pi))
        if inside_latvia(*point):
            return point
    return lat, lon


def _create_settlements(municipalities, specs):
    """5,000 settlements: each centre's place first, then invented ones around the municipality's places;
    populations add up to the municipality's demo population. Returns ({code: Settlement} of the demo ones, the
    number created)."""
    existing = set(Settlement.objects.filter(code__startswith=f"{CODE_PREFIX}--").values_list("code", flat=True))
    places = defaultdict(list)
    for spec in specs:
        places[spec["municipality"].code].append(spec)
    codes = [code for code in MUNICIPALITY_CENTRES if code in municipalities]
    cities = [code for code in codes if municipalities[code].kind == "state_city"]
    counties = [code for code in codes if code not in cities]
    counts = {code: (40 if code == "riga" else 12) for code in cities}
    left = SETTLEMENTS - sum(counts.values())
    for position, code in enumerate(counties):
        counts[code] = left // len(counties) + (1 if position < left % len(counties) else 0)

    new = []
    for code in codes:
        municipality = municipalities[code]
        rng = _rng("settlements", code)
        population = DEMO_POPULATION.get(code, 5000)
        own = places[code]
        n = max(counts[code], len(own))
        # Shares: the main place a third of the people (a city centre a fifth), the other centres' places a few
        # per cent each, the rest a long tail (a Pareto draw).
        weights = [0.0] * n
        weights[0] = 0.2 if municipality.kind == "state_city" else 0.33
        for i in range(1, len(own)):
            weights[i] = rng.uniform(0.02, 0.06)
        tail = [rng.paretovariate(1.3) for _ in range(n - len(own))]
        rest = 1 - sum(weights)
        for i, value in enumerate(tail, start=len(own)):
            weights[i] = rest * value / sum(tail)
        people = [max(5, int(population * w)) for w in weights]
        people[0] += population - sum(people)
        spread = SPREAD_KM.get(code, 4.0) if municipality.kind == "state_city" else COUNTY_SPREAD_KM
        anchors = [(spec["lat"], spec["lon"]) for spec in own]
        for i in range(n):
            if i < len(own):
                name, point = own[i]["place"], (own[i]["lat"], own[i]["lon"])
                settlement_code = f"{CODE_PREFIX}--{code}--{slugify(own[i]['place'])}"
            else:
                point = _scatter(rng, anchors, spread)
                name = f"{municipality.name_lv}: apdzīvota vieta {i + 1 - len(own)} (demo)"
                settlement_code = f"{CODE_PREFIX}--{code}--{i + 1 - len(own):03d}"
            if settlement_code in existing:
                continue
            new.append(
                Settlement(
                    code=settlement_code,
                    name=name[:200],
                    municipality=municipality,
                    latitude=_decimal(point[0]),
                    longitude=_decimal(point[1]),
                    population=people[i],
                    year=DEMO_YEAR,
                    source=f"{DEMO_SOURCE}: population and coordinates invented",
                    is_demo=True,
                )
            )
    bulk_create_with_history(new, Settlement, batch_size=BATCH_SIZE)
    return {s.code: s for s in Settlement.objects.filter(code__startswith=f"{CODE_PREFIX}--")}, len(new)


def _create_centres(specs, settlements):
    existing = set(Centre.objects.filter(code__in=[s["code"] for s in specs]).values_list("code", flat=True))
    new = []
    for spec in specs:
        if spec["code"] in existing:
            continue
        rng = _rng("premises", spec["code"])
        settlement = settlements.get(f"{CODE_PREFIX}--{spec['municipality'].code}--{slugify(spec['place'])}")
        new.append(
            Centre(
                code=spec["code"],
                name=spec["place"],
                tier=spec["tier"],
                municipality=spec["municipality"],
                settlement=settlement,
                host_building=spec["host"],
                in_library=spec["in_library"],
                address=f"{spec['place']}, {spec['municipality'].name_lv} (demo adrese)",
                latitude=_decimal(spec["lat"]),
                longitude=_decimal(spec["lon"]),
                coordinates_approximate=True,
                status=spec["status"],
                status_since=spec["status_since"],
                opened_on=spec["opened_on"],
                private_room=rng.random() < 0.6,
                screen_privacy=rng.random() < 0.75,
                parking_spaces=rng.choice((0, 2, 4, 6, 10, 15, 25)),
                transport_stop_distance_m=rng.choice((50, 120, 200, 350, 500, 800, 1500)),
                source=f"{DEMO_SOURCE}: place real, coordinates approximate",
                is_demo=True,
            )
        )
    bulk_create_with_history(new, Centre, batch_size=BATCH_SIZE)
    centres = {c.code: c for c in Centre.objects.filter(code__in=[s["code"] for s in specs])}
    new_codes = {c.code for c in new}
    changes = []
    for spec in specs:
        if spec["code"] not in new_codes:
            continue
        centre = centres[spec["code"]]
        changes.append(
            CentreStatusChange(centre=centre, status=CentreStatus.ACTIVE, since=spec["opened_on"], note=DEMO_SOURCE)
        )
        if spec["status"] != CentreStatus.ACTIVE:
            changes.append(
                CentreStatusChange(centre=centre, status=spec["status"], since=spec["status_since"], note=DEMO_SOURCE)
            )
    bulk_create_with_history(changes, CentreStatusChange, batch_size=BATCH_SIZE)
    return centres, new_codes


# Opening hours: (weekday, opens, closes, shift); morning shifts 8:00–17:00 and evening shifts 10:00–19:00 on
# different weekdays (seed 001 measure 12), a lunch break, shorter Fridays; small centres open fewer days.
T = time


def _day(weekday, shift):
    if shift == Shift.MORNING:
        return [(weekday, T(8), T(12), shift), (weekday, T(12, 30), T(17), shift)]
    if shift == Shift.EVENING:
        return [(weekday, T(10), T(13), shift), (weekday, T(13, 30), T(19), shift)]
    return [(weekday, T(8), T(12), shift), (weekday, T(12, 30), T(15), shift)]


SHIFT_PATTERNS = {
    "alternating": [
        *_day(0, Shift.MORNING),
        *_day(1, Shift.EVENING),
        *_day(2, Shift.MORNING),
        *_day(3, Shift.EVENING),
        *_day(4, Shift.REGULAR),
    ],
    "mornings": [*_day(0, Shift.MORNING), *_day(1, Shift.MORNING), *_day(2, Shift.MORNING), *_day(4, Shift.REGULAR)],
    "two_days": [(1, T(9), T(17), Shift.REGULAR), (3, T(10), T(18), Shift.EVENING)],
}


def _pattern_of(centre):
    if centre.tier != DevelopmentTier.LOCAL:
        return "alternating"
    return ("alternating", "mornings", "mornings", "two_days")[zlib.crc32(centre.code.encode()) % 4]


def _create_hours(centres):
    rows = [
        OpeningHours(centre=centre, weekday=weekday, opens_at=opens, closes_at=closes, shift=shift)
        for centre in centres
        for weekday, opens, closes, shift in SHIFT_PATTERNS[_pattern_of(centre)]
    ]
    bulk_create_with_history(rows, OpeningHours, batch_size=BATCH_SIZE)
    return len(rows)


# Specialist desks of regional and national centres: (institution, [(weekday, week of month, from, until)]).
# Valka has the schedule of seed 001 §4.10, whose VDI desk overlaps with neither of the others.
SPECIALIST_DESKS = (
    ("VID", [(0, None, T(9), T(16)), (1, None, T(9), T(16)), (3, None, T(9), T(16))]),
    ("VSAA", [(2, None, T(9), T(15)), (3, None, T(10), T(14))]),
    ("VZD", [(3, None, T(10), T(15))]),
    ("NVA", [(1, None, T(9), T(12)), (3, None, T(13), T(16))]),
    ("PMLP", [(4, 2, T(10), T(13))]),
)
VALKA_DESKS = (
    ("VID", [(0, None, T(9), T(16)), (1, None, T(9), T(16)), (3, None, T(9), T(16))]),
    ("VZD", [(3, None, T(10), T(15))]),
    ("VDI", [(4, 2, T(10), T(13))]),
)
EXTRA_JUSTIFICATION = "Demo: present at the municipality's request (a justification, seed 001 §3.2)"


def _create_desks(centres, institutions):
    desks, slots = [], []
    for centre in centres:
        if centre.tier == DevelopmentTier.LOCAL:
            for short_name in MINIMUM_BASKET:
                if short_name in institutions:
                    desks.append(
                        Desk(
                            centre=centre,
                            institution=institutions[short_name],
                            presence=DeskPresence.MUNICIPAL_STAFF,
                            minimum_basket=True,
                        )
                    )
            continue
        rng = _rng("desks", centre.code)
        plan = VALKA_DESKS if centre.name == "Valka" else SPECIALIST_DESKS[: rng.choice((3, 4, 5))]
        present = {short_name for short_name, _slots in plan}
        for short_name, times in plan:
            if short_name not in institutions:
                continue
            basket = short_name in MINIMUM_BASKET
            desk = Desk(
                centre=centre,
                institution=institutions[short_name],
                presence=DeskPresence.SPECIALIST,
                minimum_basket=basket,
                justification="" if basket else EXTRA_JUSTIFICATION,
            )
            desks.append(desk)
            slots += [(desk, weekday, week, starts, ends) for weekday, week, starts, ends in times]
        for short_name in MINIMUM_BASKET:  # the rest of the basket through the municipal staff
            if short_name not in present and short_name in institutions:
                desks.append(
                    Desk(
                        centre=centre,
                        institution=institutions[short_name],
                        presence=DeskPresence.MUNICIPAL_STAFF,
                        minimum_basket=True,
                    )
                )
    bulk_create_with_history(desks, Desk, batch_size=BATCH_SIZE)
    schedules = [
        ReceptionSchedule(desk=desk, weekday=weekday, week_of_month=week, starts_at=starts, ends_at=ends)
        for desk, weekday, week, starts, ends in slots
    ]
    bulk_create_with_history(schedules, ReceptionSchedule, batch_size=BATCH_SIZE)
    return len(desks), len(schedules)


# Mobile centres: code, name, vehicle, mode, owner municipalities, the centre it replaces, stop times.
MOBILE_CENTRES = (
    (
        "demo--mobile-latgale",
        "Latgales mobilais klientu centrs (demo)",
        "Mikroautobuss ar divām darba vietām",
        MobileService.TIMETABLE,
        ("kraslavas-novads", "ludzas-novads"),
        "Skaista",
        [(1, None, T(10), T(12)), (1, None, T(13), T(15)), (3, 1, T(10), T(13)), (3, 3, T(10), T(13))],
    ),
    (
        "demo--mobile-kurzeme",
        "Kurzemes mobilais klientu centrs (demo)",
        "Autobuss ar pacēlāju",
        MobileService.ON_REQUEST,
        ("dienvidkurzemes-novads", "kuldigas-novads"),
        None,
        [(2, 2, T(9), T(12)), (4, LAST_WEEK, T(10), T(13)), (2, 4, T(13), T(16))],
    ),
)


def _create_mobile_centres(municipalities, centres, settlements):
    created = 0
    fixed = [(float(c.latitude), float(c.longitude)) for c in centres.values() if c.is_serving]
    lat = np.array([p[0] for p in fixed])
    lon = np.array([p[1] for p in fixed])
    for code, name, vehicle, mode, owners, replaces, times in MOBILE_CENTRES:
        if MobileCentre.objects.filter(code=code).exists():
            continue
        owner_rows = [municipalities[o] for o in owners if o in municipalities]
        if not owner_rows:
            continue
        mobile = MobileCentre.objects.create(
            code=code, name=name, vehicle=vehicle, service_mode=mode, in_service_from=date(2024, 9, 1), is_demo=True
        )
        mobile.owners.set(owner_rows)
        replaced = [c for c in centres.values() if c.name == replaces]
        mobile.replaces.set(replaced)
        # The stops: the owners' most populous settlements farthest from any serving fixed centre.
        candidates = [s for s in settlements.values() if s.municipality_id in {m.pk for m in owner_rows}]
        distance = {
            s.code: float(network.distance_matrix([s.latitude], [s.longitude], lat, lon).min()) for s in candidates
        }
        candidates.sort(key=lambda s: (-(distance[s.code] > 20), -s.population, s.code))
        for number, (settlement, slot) in enumerate(zip(candidates, times, strict=False), start=1):
            stop = MobileStop.objects.create(
                mobile_centre=mobile,
                name=f"{number}. pietura: {settlement.name}"[:200],
                settlement=settlement,
                latitude=settlement.latitude,
                longitude=settlement.longitude,
                address="Demo pietura pie pagasta pārvaldes",
            )
            weekday, week, starts, ends = slot
            StopTimetable.objects.create(stop=stop, weekday=weekday, week_of_month=week, starts_at=starts, ends_at=ends)
        created += 1
    return created


# --- figures -----------------------------------------------------------------------------------------------------


def _open_hours(centre):
    """{weekday: [hour slots]} of the centre's opening hours: an hour counts when any interval overlaps it."""
    slots = defaultdict(set)
    for weekday, opens, closes, _shift in SHIFT_PATTERNS[_pattern_of(centre)]:
        start = opens.hour
        end = closes.hour + (1 if closes.minute else 0)
        slots[weekday].update(range(start, end))
    return {weekday: sorted(hours) for weekday, hours in slots.items()}


def _daily_visits(centre, rng):
    if centre.code.endswith("--riga--riga"):
        return 45.0
    if centre.tier == DevelopmentTier.NATIONAL:
        return rng.uniform(20, 28)
    if centre.tier == DevelopmentTier.REGIONAL:
        return rng.uniform(9, 13)
    return rng.uniform(1.5, 5.0)


def _serving_days(centre, first, last):
    """The demo year's working days on which the centre was open (after its opening, before a closure)."""
    closed_from = None
    if centre.status in (CentreStatus.CLOSED, CentreStatus.REPLACED_BY_MOBILE):
        closed_from = centre.status_since
    day = max(first, centre.opened_on or first)
    days = []
    while day <= last:
        if day not in HOLIDAYS and WEEKDAY_FACTOR[day.weekday()] and (closed_from is None or day < closed_from):
            days.append(day)
        day += timedelta(days=1)
    return days


def _municipal_combos(institutions, legal_share, records_clients):
    """(contact type, institution id, client type, probability) of a municipal-staff visit."""
    clients = (
        [(ClientType.NATURAL, 1 - legal_share), (ClientType.LEGAL, legal_share)]
        if records_clients
        else [(ClientType.NOT_RECORDED, 1.0)]
    )
    combos = []
    for contact, p_contact in CONTACT_MIX:
        for short_name, p_institution in INSTITUTION_MIX:
            if short_name is not None and short_name not in institutions:
                continue
            institution_id = institutions[short_name].pk if short_name else None
            for client, p_client in clients:
                if p_client:
                    combos.append((contact, institution_id, client, p_contact * p_institution * p_client))
    total = sum(c[3] for c in combos)
    return [(a, b, c, p / total) for a, b, c, p in combos]


def _figures_of_centre(centre, days, institutions, services, desks, source):
    """The demo contact figures of one centre: hourly in-person visits (municipal staff every open hour,
    institution staff in its desks' reception hours) and daily calls and e-mails."""
    rng = _rng("figures", centre.code)
    generator = np.random.default_rng(zlib.crc32(centre.code.encode()))
    daily = _daily_visits(centre, rng)
    legal_share = 0.0 if (centre.tier == DevelopmentTier.LOCAL and rng.random() < 0.6) else rng.uniform(0.02, 0.1)
    records_clients = rng.random() < 0.9
    combos = _municipal_combos(institutions, legal_share, records_clients)
    probabilities = np.array([c[3] for c in combos])
    hours = _open_hours(centre)
    rows = []

    def add(day, hour, contact, staff, institution_id, service_id, client, count):
        rows.append(
            (centre.pk, day, hour, institution_id, service_id, contact, staff, client, int(count), source, True)
        )

    # Municipal staff: Poisson visits per open hour, split over the combinations by one multinomial draw.
    cells, rates = [], []
    for day in days:
        open_hours = hours.get(day.weekday(), [])
        weight = sum(HOUR_WEIGHT.get(h, 0.4) for h in open_hours)
        factor = daily * WEEKDAY_FACTOR[day.weekday()] * MONTH_FACTOR[day.month - 1]
        for hour in open_hours:
            cells.append((day, hour))
            rates.append(factor * HOUR_WEIGHT.get(hour, 0.4) / weight)
    if cells:
        visits = generator.poisson(np.array(rates))
        split = generator.multinomial(visits, probabilities)
        for (cell, index), count in zip(np.argwhere(split), split[split > 0], strict=True):
            day, hour = cells[cell]
            contact, institution_id, client, _p = combos[index]
            add(day, hour, contact, StaffType.MUNICIPAL, institution_id, None, client, count)

    # Institution staff at the desks' reception hours: services and consultations of that institution.
    client_choices = [ClientType.NATURAL, ClientType.LEGAL] if records_clients and legal_share else [ClientType.NATURAL]
    if not records_clients:
        client_choices = [ClientType.NOT_RECORDED]
    for desk, slots in desks.get(centre.pk, []):
        service_id = services.get(desk.institution_id)
        for day in days:
            for slot in slots:
                if not slot.occurs_on(day):
                    continue
                for hour in range(slot.starts_at.hour, slot.ends_at.hour):
                    for contact, rate in ((ContactType.SERVICE, 0.5), (ContactType.CONSULTATION, 0.35)):
                        count = generator.poisson(rate * MONTH_FACTOR[day.month - 1])
                        if count:
                            client = client_choices[int(generator.integers(len(client_choices)))]
                            add(
                                day,
                                hour,
                                contact,
                                StaffType.INSTITUTION,
                                desk.institution_id,
                                service_id if contact == ContactType.SERVICE else None,
                                client,
                                count,
                            )

    # Calls and e-mails: one row a day each, without an hour slot.
    for day in days:
        for contact, share in ((ContactType.CALL, 0.35), (ContactType.EMAIL, 0.15)):
            count = generator.poisson(daily * share * WEEKDAY_FACTOR[day.weekday()])
            if count:
                add(day, None, contact, StaffType.MUNICIPAL, None, None, ClientType.NOT_RECORDED, count)
    return rows


def _create_figures(centres, institutions):
    """Contact figures of every demo centre without any in the demo year; returns the number created."""
    first, last = date(DEMO_YEAR, 1, 1), date(DEMO_YEAR, 12, 31)
    with_figures = set(
        ContactFigure.objects.filter(centre__in=centres, date__range=(first, last))
        .values_list("centre_id", flat=True)
        .distinct()
    )
    services = {}
    for holder_id, service_id in (
        Service.objects.filter(holder__in=institutions.values(), is_demo=True)
        .order_by("holder_id", "catalogue_id")
        .values_list("holder_id", "pk")
    ):
        services.setdefault(holder_id, service_id)  # each institution's first demo service
    desks = defaultdict(list)
    for desk in (
        Desk.objects.filter(centre__in=centres, presence=DeskPresence.SPECIALIST)
        .select_related("institution")
        .prefetch_related("schedules")
        .order_by("centre_id", "institution__short_name")
    ):
        desks[desk.centre_id].append((desk, list(desk.schedules.all())))
    source = f"{DEMO_SOURCE}: a queue system's hourly counts, generated"
    created = 0
    batch = []
    for centre in sorted(centres, key=lambda c: c.code):
        if centre.pk in with_figures:
            continue
        batch += _figures_of_centre(centre, _serving_days(centre, first, last), institutions, services, desks, source)
        if len(batch) >= BATCH_SIZE:
            created += _insert_figures(batch)
            batch = []
    return created + _insert_figures(batch)


FIGURE_COLUMNS = (
    "centre_id",
    "date",
    "hour",
    "institution_id",
    "service_id",
    "contact_type",
    "staff_type",
    "client_type",
    "count",
    "source",
    "is_demo",
)


def _insert_figures(rows):
    """Insert figure rows (tuples in FIGURE_COLUMNS order) without building model instances: PostgreSQL `COPY`,
    elsewhere one executemany INSERT. No signals, no history rows: the network is recomputed afterwards."""
    if not rows:
        return 0
    table = ContactFigure._meta.db_table
    names = ", ".join(FIGURE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(FIGURE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
    return len(rows)


# Grants of the demo year per centre by tier (EUR, drawn between the bounds): maintenance and salary; a centre
# opened in the year gets a creation grant too.
GRANT_RANGES = {
    DevelopmentTier.LOCAL: {GrantKind.MAINTENANCE: (2500, 5000), GrantKind.SALARY: (4000, 7000)},
    DevelopmentTier.REGIONAL: {GrantKind.MAINTENANCE: (7000, 10000), GrantKind.SALARY: (14000, 20000)},
    DevelopmentTier.NATIONAL: {GrantKind.MAINTENANCE: (12000, 16000), GrantKind.SALARY: (28000, 40000)},
}
CREATION_GRANT = (20000, 40000)


def _create_grants(period, centres):
    existing = set(Grant.objects.filter(period=period, centre__in=centres).values_list("centre_id", "kind"))
    new = []
    for centre in sorted(centres, key=lambda c: c.code):
        if not centre.is_serving:
            continue
        rng = _rng("grants", centre.code)
        amounts = {kind: rng.randint(*bounds) for kind, bounds in GRANT_RANGES[centre.tier].items()}
        if centre.name in OPENED_IN_DEMO_YEAR:
            amounts[GrantKind.CREATION] = rng.randint(*CREATION_GRANT)
        for kind, amount in amounts.items():
            if (centre.pk, kind) not in existing:
                new.append(
                    Grant(
                        period=period,
                        centre=centre,
                        kind=kind,
                        amount=Decimal(amount // 10 * 10),
                        source=DEMO_SOURCE,
                        is_demo=True,
                    )
                )
    bulk_create_with_history(new, Grant, batch_size=BATCH_SIZE)
    return len(new)


def _create_scores(period, centres):
    """A satisfaction survey (1–5) at every serving centre and a mystery-client score (0–100) at about half."""
    existing = set(SatisfactionScore.objects.filter(period=period, centre__in=centres).values_list("centre_id", "kind"))
    new = []
    for centre in sorted(centres, key=lambda c: c.code):
        if not centre.is_serving:
            continue
        rng = _rng("scores", centre.code)
        satisfaction = Decimal(f"{rng.uniform(3.6, 4.9):.3f}")
        responses = rng.randint(15, 400)
        mystery = Decimal(f"{rng.uniform(55, 98):.1f}") if rng.random() < 0.5 else None
        if (centre.pk, ScoreKind.SATISFACTION) not in existing:
            new.append(
                SatisfactionScore(
                    centre=centre,
                    period=period,
                    kind=ScoreKind.SATISFACTION,
                    score=satisfaction,
                    scale_min=1,
                    scale_max=5,
                    responses=responses,
                    source=DEMO_SOURCE,
                    is_demo=True,
                )
            )
        if mystery is not None and (centre.pk, ScoreKind.MYSTERY_CLIENT) not in existing:
            new.append(
                SatisfactionScore(
                    centre=centre,
                    period=period,
                    kind=ScoreKind.MYSTERY_CLIENT,
                    score=mystery,
                    scale_min=0,
                    scale_max=100,
                    responses=1,
                    source=DEMO_SOURCE,
                    is_demo=True,
                )
            )
    bulk_create_with_history(new, SatisfactionScore, batch_size=BATCH_SIZE)
    return len(new)


def _bind_operator(centres):
    """The demo centre operator works for the demo operator centre (when both exist)."""
    user = User.objects.filter(username=DEMO_OPERATOR, role=Role.CENTRE_OPERATOR).first()
    centre = next((c for c in centres if c.name == OPERATOR_CENTRE), None)
    if user is None or centre is None:
        return 0
    _membership, created = CentreMembership.objects.get_or_create(user=user, centre=centre, defaults={"can_edit": True})
    return int(created)


def operator_centre():
    """The centre the demo centre operator works for, or None before the demo data is loaded."""
    return Centre.objects.filter(memberships__user__username=DEMO_OPERATOR, is_demo=True).first()


# --- loading ---------------------------------------------------------------------------------------------------


def load_vpvkac_demo(recompute=True):
    """Create the demo network and its 2025 figures where missing, then (unless told not to) recompute the
    network in full; return counts of what was created."""
    with transaction.atomic():
        summary = _load()
    if recompute:
        summary["VPVKAC network figures computed"] = network.recompute(RecomputationKind.FULL).rows_written
    return summary


def _load():
    municipalities = {
        m.code: m for m in Municipality.objects.filter(code__in=MUNICIPALITY_CENTRES, valid_to__isnull=True)
    }
    institutions = {i.short_name: i for i in Institution.objects.filter(short_name__in=[*MINIMUM_BASKET, "VDI"])}
    period = demo_period()
    specs = _centre_specs(municipalities)
    settlements, settlements_created = _create_settlements(municipalities, specs)
    centres, new_codes = _create_centres(specs, settlements)
    new_centres = [centres[code] for code in sorted(new_codes)]
    hours = _create_hours(new_centres)
    desks, schedules = _create_desks(new_centres, institutions)
    mobiles = _create_mobile_centres(municipalities, centres, settlements)
    all_centres = list(centres.values())
    return {
        "VPVKAC demo centres created": len(new_codes),
        "VPVKAC demo settlements created": settlements_created,
        "VPVKAC opening hours created": hours,
        "VPVKAC desks created": desks,
        "VPVKAC reception times created": schedules,
        "VPVKAC mobile centres created": mobiles,
        "VPVKAC contact figures created": _create_figures(all_centres, institutions),
        "VPVKAC grants created": _create_grants(period, all_centres),
        "VPVKAC satisfaction scores created": _create_scores(period, all_centres),
        "VPVKAC operator memberships created": _bind_operator(all_centres),
    }


__all__ = ["DEMO_YEAR", "MUNICIPALITY_CENTRES", "load_vpvkac_demo", "operator_centre"]
