"""The real 2017–2018 data of the VPVKAC network (vpvkac/reference/history_2017_2018.json), from seed 001 §3.2:
Table 4 (services per centre, January 2017 – September 2018, 95 centres) and Table 5 (cost per service per
municipality, EUR), with each municipality's grant derived from the two (seed 001 §4.8: cost per service ×
services).

The centres are attached to the municipalities of that time, looked up by name among the registry's
municipalities valid at the end of the period (the former ones first). The sources give no coordinates:
they stay empty. Loading is idempotent: every row is matched on its natural key, unchanged rows are skipped,
and a second run changes nothing.
"""

import json
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from institutions.models import Municipality

from .models import (
    Centre,
    CentreStatus,
    CentreStatusChange,
    ContactFigure,
    ContactType,
    Grant,
    GrantKind,
    PublishedCostPerService,
    ReportingPeriod,
    StaffType,
)
from .network import implied_grant

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
HISTORY_FILE = "history_2017_2018.json"
SOURCE_TABLE_4 = "seed 001 (PwC 2018) §3.2 Table 4: services recorded in Pakalpojumucentri.lv"
SOURCE_TABLE_5 = "seed 001 (PwC 2018) §3.2 Table 5: cost per service from the maintenance and salary grants"
SOURCE_GRANT = (
    "Derived: cost per service (seed 001 Table 5) × services at the municipality's centres (Table 4), "
    "as seed 001 §4.8; maintenance and salary grants together, the source does not split them"
)


def read_history():
    with open(REFERENCE_DIR / HISTORY_FILE, encoding="utf-8") as handle:
        return json.load(handle)


class Tally:
    """Counts of new, updated and unchanged rows per kind of row, for the loader's summary."""

    def __init__(self):
        self.counts = {}

    def add(self, kind, outcome):
        self.counts.setdefault(kind, Counter())[outcome] += 1

    def summary(self):
        return {
            kind: {outcome: counter[outcome] for outcome in ("new", "update", "skip") if counter[outcome]}
            for kind, counter in self.counts.items()
        }


def upsert(model, lookup, values):
    """Create the row of `lookup` with `values`, or bring it up to date; returns (row, "new"|"update"|"skip")."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values), "new"
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row, "skip"
    for name in changed:
        setattr(row, name, values[name])
    row.save(update_fields=changed)
    return row, "update"


def municipality_of_time(name, day):
    """The municipality called `name` on `day`; where a former and a current record both fit (a municipality
    that kept its name through the 2021 reform), the former one, which is the body of that time."""
    candidates = list(
        Municipality.objects.filter(name_lv=name)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    )
    historical = [m for m in candidates if m.valid_to is not None] or candidates
    if len(historical) != 1:
        raise LookupError(f"{len(historical)} municipalities called {name!r} on {day}")
    return historical[0]


def centre_code(municipality, name):
    return f"{municipality.code}--{slugify(name)}"


@transaction.atomic
def load_vpvkac_history():
    """Load the 2017–2018 period, its 95 centres with their services, the 77 published costs per service and
    the grants derived from them; return counts of new, updated and unchanged rows."""
    data = read_history()
    tally = Tally()
    spec = data["period"]
    first_day, last_day = date.fromisoformat(spec["start"]), date.fromisoformat(spec["end"])
    period, outcome = upsert(
        ReportingPeriod,
        {"code": spec["code"]},
        {"name_lv": spec["name_lv"], "name_en": spec["name_en"], "first_day": first_day, "last_day": last_day},
    )
    tally.add("periods", outcome)

    services_of = Counter()
    for row in data["centres"]:
        municipality = municipality_of_time(row["municipality"], last_day)
        services_of[municipality.pk] += row["services"]
        note = f"{SOURCE_TABLE_4}, row {row['number']} ({row['region']})"
        if row["note"]:
            note = f"{note}. {row['note']}"
        centre, outcome = upsert(
            Centre,
            {"code": centre_code(municipality, row["name"])},
            {
                "name": row["name"],
                "tier": row["tier"],
                "municipality": municipality,
                "status": CentreStatus.HISTORICAL,
                "status_since": last_day + timedelta(days=1),
                "source": note[:300],
                "is_demo": False,
            },
        )
        tally.add("centres", outcome)
        _change, outcome = upsert(
            CentreStatusChange,
            {"centre": centre, "since": first_day},
            {
                "status": CentreStatus.ACTIVE,
                "note": "Active in the analysis period (services recorded January 2017 – September 2018); "
                "the opening date is not in the source.",
            },
        )
        tally.add("status changes", outcome)
        _change, outcome = upsert(
            CentreStatusChange,
            {"centre": centre, "since": last_day + timedelta(days=1)},
            {
                "status": CentreStatus.HISTORICAL,
                "note": "The 2017–2018 data set describes the centre up to the end of its analysis period; "
                "the network of today is recorded separately.",
            },
        )
        tally.add("status changes", outcome)
        _figure, outcome = upsert(
            ContactFigure,
            {
                "centre": centre,
                "date": first_day,
                "date_to": last_day,
                "hour": None,
                "institution": None,
                "service": None,
                "contact_type": ContactType.SERVICE,
                "staff_type": StaffType.MUNICIPAL,
                "client_type": "",
            },
            {"count": row["services"], "source": SOURCE_TABLE_4, "is_demo": False},
        )
        tally.add("contact figures", outcome)

    for row in data["costs"]:
        municipality = municipality_of_time(row["municipality"], last_day)
        cost = Decimal(row["cost_per_service"])
        note = f"Column {row['column']}, printed “{row['printed']}”."
        if row["note"]:
            note = f"{note} {row['note']}"
        _published, outcome = upsert(
            PublishedCostPerService,
            {"period": period, "municipality": municipality},
            {
                "tier": row["tier"],
                "cost_per_service": cost,
                "source": SOURCE_TABLE_5,
                "source_name": row["printed"],
                "note": note[:500],
            },
        )
        tally.add("published costs per service", outcome)
        services = services_of.get(municipality.pk)
        if not services:
            continue  # in Table 5 without a centre in Table 4 (Nīca, Aknīste): no grant can be derived
        _grant, outcome = upsert(
            Grant,
            {"period": period, "municipality": municipality, "centre": None, "kind": GrantKind.MAINTENANCE_AND_SALARY},
            {"amount": implied_grant(cost, services), "source": SOURCE_GRANT, "is_demo": False},
        )
        tally.add("grants", outcome)
    return tally.summary()
