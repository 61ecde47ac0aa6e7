"""Loading the shipped reference data (institutions/reference/*.json) through the import resources.

Loading is idempotent: every row is matched on its natural key, unchanged rows are skipped, and a
second run changes nothing.
"""

import json
from collections import Counter
from pathlib import Path

from django.db import transaction

from .resources import (
    InstitutionGroupResource,
    InstitutionResource,
    MunicipalityPopulationResource,
    MunicipalityResource,
    PlanningRegionResource,
    import_rows,
)

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


def read_reference(name):
    with open(REFERENCE_DIR / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


def _depth_order(rows, key, parent_key):
    """Rows ordered so that every parent comes before its children."""
    parents = {row[key]: row.get(parent_key) for row in rows}

    def depth(code):
        seen, level = set(), 0
        while parents.get(code) and code not in seen:
            seen.add(code)
            code = parents[code]
            level += 1
        return level

    return sorted(rows, key=lambda row: depth(row[key]))


def _summarise(result):
    totals = Counter()
    for kind, count in result.totals.items():
        totals[kind] += count
    return {kind: totals[kind] for kind in ("new", "update", "skip") if totals[kind]}


@transaction.atomic
def load_reference_data():
    """Load planning regions, municipalities (with population), Table 1 groups and institutions; return counts."""
    summary = {}

    regions = read_reference("planning_regions")
    summary["planning regions"] = _summarise(
        import_rows(PlanningRegionResource(), regions, ["code", "name_lv", "name_en"])
    )

    municipalities = read_reference("municipalities")
    columns = ["code", "name_lv", "name_en", "kind", "planning_region", "development_tier", "valid_from", "valid_to"]
    # Successors may be listed after the municipalities merged into them: two passes.
    import_rows(MunicipalityResource(), municipalities, columns)
    summary["municipalities"] = _summarise(
        import_rows(MunicipalityResource(), municipalities, [*columns, "successor"])
    )

    populations = [
        {
            "municipality": row["code"],
            "year": int(year),
            "population": count,
            "source": row.get("population_note", ""),
            "is_demo": False,
        }
        for row in municipalities
        for year, count in (row.get("population") or {}).items()
    ]
    if populations:
        summary["population figures"] = _summarise(
            import_rows(
                MunicipalityPopulationResource(),
                populations,
                ["municipality", "year", "population", "source", "is_demo"],
            )
        )

    groups = _depth_order(read_reference("institution_groups"), "code", "parent")
    summary["Table 1 groups"] = _summarise(
        import_rows(
            InstitutionGroupResource(),
            groups,
            [
                "code",
                "parent",
                "order",
                "name_lv",
                "name_en",
                "policy_applies",
                "workplan_round1",
                "only_within_public_tasks",
            ],
        )
    )

    institutions = _depth_order(read_reference("institutions"), "short_name", "parent")
    for row in institutions:
        row.setdefault("is_demo", False)
    summary["institutions"] = _summarise(
        import_rows(
            InstitutionResource(),
            institutions,
            [
                "short_name",
                "name_lv",
                "name_en",
                "registration_number",
                "group",
                "institution_type",
                "parent",
                "municipality",
                "website",
                "exclusion_category",
                "sources",
                "is_demo",
            ],
        )
    )
    return summary
