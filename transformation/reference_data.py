"""Loading the shipped transformation reference data (transformation/reference/*.json): the result indicators
of seed 003 §3.1 with the coordinator's first national trend indicator, and the shared components of seed 003
Table 2 and the 2020–2023 plan's report. Each file's "_notes" say what was decided where the source is silent.

Loading is idempotent and atomic: indicators are matched on their code, components on theirs. An unchanged row is
left alone (no new history row). The loader adds and updates, never deletes, and never removes an institution's
use of a component that was recorded later.
"""

import json
from pathlib import Path

from django.db import transaction

from institutions.models import Institution

from .models import ComponentInstitution, IndicatorScope, ResultIndicator, SharedComponent

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

INDICATOR_FIELDS = (
    "source_number",
    "order",
    "name_lv",
    "name_en",
    "description_lv",
    "description_en",
    "unit",
    "value_kind",
    "good_direction",
    "mandatory",
    "scope",
    "collection_method_lv",
    "collection_method_en",
    "catalogue_source",
    "monetary_role",
)
COMPONENT_FIELDS = ("name_lv", "name_en", "kind", "status", "description_lv", "description_en", "url")


def _read(name):
    with open(REFERENCE_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)


def _upsert(model, lookup, values, counts):
    """Create the row, or update it only where a value differs; counts new / update / skip."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model(**lookup, **values)
        row.full_clean()
        row.save()
        counts["new"] += 1
        return row
    changed = [field for field, value in values.items() if getattr(row, field) != value]
    if changed:
        for field in changed:
            setattr(row, field, values[field])
        row.full_clean()
        row.save()
        counts["update"] += 1
    else:
        counts["skip"] += 1
    return row


def load_indicators():
    """Create or update the library indicators; returns counts of new, updated and unchanged rows."""
    counts = {"new": 0, "update": 0, "skip": 0}
    for row in _read("indicators.json")["indicators"]:
        values = {field: row[field] for field in INDICATOR_FIELDS}
        if values["scope"] == IndicatorScope.INSTITUTION:
            raise ValueError(f"{row['code']}: the reference library holds no institution's own indicator")
        _upsert(ResultIndicator, {"code": row["code"]}, values, counts)
    return {kind: count for kind, count in counts.items() if count}


def load_shared_components():
    """Create or update the shared components and add the institutions the sources name as users."""
    counts = {"new": 0, "update": 0, "skip": 0}
    uses = 0
    institutions = {institution.short_name: institution for institution in Institution.objects.all()}
    for row in _read("shared_components.json")["components"]:
        values = {field: row[field] for field in COMPONENT_FIELDS}
        values["owner_institution"] = institutions.get(row["owner"]) if row["owner"] else None
        component = _upsert(SharedComponent, {"code": row["code"]}, values, counts)
        for short_name in row["institutions"]:
            institution = institutions.get(short_name)
            if institution is None:
                continue
            _use, created = ComponentInstitution.objects.get_or_create(component=component, institution=institution)
            uses += created
    summary = {kind: count for kind, count in counts.items() if count}
    if uses:
        summary["institution uses added"] = uses
    return summary


@transaction.atomic
def load_transformation():
    """Load all transformation reference data; returns a summary per part, as the other loaders do."""
    return {
        "result indicators": load_indicators(),
        "shared components": load_shared_components(),
    }
