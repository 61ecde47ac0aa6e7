"""Loading the shipped plans (workplans/reference/*.json): PVPP2027, the 2020–2023 plan with its execution report's
statuses, evidence and indicator values, and the 2018 channel-shift plan. Each file's "_notes" say what was taken
from which source and what was decided where the source is silent or contradicts itself.

Loading is idempotent and atomic: plans are matched on their code, action lines and roadmap groups on (plan, code),
measures on (action line, code), indicators on (plan, code), targets on (indicator, year) and the report's actuals
on (indicator, year, the reference note). An unchanged row is left alone (no new history row), so a second run
changes nothing. The loader adds and updates, never deletes: deadlines, responsible institutions, dependencies
and links added later (the Annex 2 import, the coordinator) stay. A measure field the file leaves empty (outputs,
evidence, a status that is only the default "not started") is written when the measure is created and never
overwritten, so what the Annex 2 import and approved progress updates wrote stays.

Decisions on the sources:
- M42 of the 2020–2023 plan is "not executed" and "lost relevance" in the report. It is stored as lost_relevance;
  the report's table (seed-000-004.md §4.7) counts not executed = not_executed + lost_relevance, "of which lost
  relevance" = lost_relevance, so counting by status gives 35 executed, 7 partly executed, 6 not executed of
  which 1 lost relevance.
- The 2019 column of the report's indicator tables is the baseline; later years are stored as approved
  IndicatorActual rows noted as the published report's figures (a range across services as value_min/value_max,
  a year without a study as a reason without a value).
- PVPP2027 Annex 2 (outputs, indicators, deadlines, responsible institutions) is not in the sources: nothing of
  it is shipped. Its roadmap bars are lost with the figure: every roadmap group is marked assumed.
"""

import json
from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from institutions.models import Institution

from .models import (
    ActionLine,
    EvidenceLink,
    Indicator,
    IndicatorActual,
    IndicatorTarget,
    Measure,
    MeasureDeadline,
    MeasureResponsibility,
    MeasureStatus,
    Plan,
    ReviewStatus,
    RoadmapGroup,
)
from .obligations import sync_obligations

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
# PVPP2027 first: the 2020–2023 plan carries measures forward to it.
PLAN_FILES = ("pvpp2027", "plan2020_2023", "plan2018_channel_shift")

# Measure fields that other parts of the system fill in (Annex 2 import, approved progress updates): an empty
# value in the file never overwrites them.
SOFT_MEASURE_FIELDS = (
    "outputs_lv",
    "outputs_en",
    "responsible_text",
    "status",
    "evidence_lv",
    "evidence_en",
    "carried_forward_to_id",
    "carried_forward_project",
    "carried_forward_note_lv",
    "carried_forward_note_en",
)
EMPTY = (None, "", MeasureStatus.NOT_STARTED)


def read_plan(name):
    with open(REFERENCE_DIR / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


def _same(current, wanted):
    if isinstance(current, Decimal) and wanted is not None:
        return current == Decimal(wanted)
    return current == wanted


def _upsert(model, counts, lookup, values, soft=()):
    """The row matching `lookup`, created with `values` or updated where they differ; counts new/update/skip.
    A field in `soft` whose wanted value is empty keeps what the row holds."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        counts["new"] += 1
        return obj
    changed = [
        name
        for name, value in values.items()
        if not (name in soft and value in EMPTY) and not _same(getattr(obj, name), value)
    ]
    if not changed:
        counts["skip"] += 1
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    obj.save()
    counts["update"] += 1
    return obj


def _decimal(value):
    return None if value is None else Decimal(str(value))


def _date(value):
    return None if not value else date.fromisoformat(value)


def _plan_values(data):
    return {
        "kind": data["kind"],
        "title_lv": data["title_lv"],
        "title_en": data["title_en"],
        "start_year": data["start_year"],
        "end_year": data["end_year"],
        "approving_act": data["approving_act"],
        "approved_on": _date(data["approved_on"]),
        "closed_on": _date(data.get("closed_on")),
        "goal_lv": data["goal_lv"],
        "goal_en": data["goal_en"],
        "round_number": data["round_number"],
        "source": data["source"],
        "order": data["order"],
    }


def _load_structure(plan, data, counts):
    """Roadmap groups, action lines and measures of one plan; returns {measure code: measure}."""
    groups = {}
    group_of = {}
    for row in data["roadmap_groups"]:
        values = {key: row[key] for key in ("order", "label_lv", "label_en", "start_year", "start_quarter",
                                            "end_year", "end_quarter", "continues_after_plan", "assumed")}  # fmt: skip
        groups[row["code"]] = _upsert(RoadmapGroup, counts, {"plan": plan, "code": row["code"]}, values)
        group_of.update({code: groups[row["code"]] for code in row["measures"]})

    measures = {}
    for line_row in data["action_lines"]:
        values = {key: line_row[key] for key in ("order", "title_lv", "title_en", "budget_note_lv", "budget_note_en",
                                                 "indicator_result_note_lv", "indicator_result_note_en")}  # fmt: skip
        line = _upsert(ActionLine, counts, {"plan": plan, "code": line_row["code"]}, values)
        for row in line_row["measures"]:
            forward = row["carried_forward_to"]
            values = {
                key: row[key]
                for key in (
                    "official_number", "order", "text_lv", "text_en", "kind", "outputs_lv", "outputs_en",
                    "responsible_text", "in_each_institution", "continues_after_plan", "status", "evidence_lv",
                    "evidence_en", "carried_forward_project", "carried_forward_note_lv", "carried_forward_note_en",
                    "counted_as_continuing",
                )
            }  # fmt: skip
            values["roadmap_group_id"] = group_of[row["code"]].pk if row["code"] in group_of else None
            values["carried_forward_to_id"] = (
                Measure.objects.get(action_line__plan__code=forward["plan"], code=forward["measure"]).pk
                if forward
                else None
            )
            measure = _upsert(
                Measure, counts, {"action_line": line, "code": row["code"]}, values, soft=SOFT_MEASURE_FIELDS
            )
            measures[row["code"]] = measure
            _load_measure_rows(measure, row, counts)
    return measures


def _load_measure_rows(measure, row, counts):
    """A measure's deadlines, responsible institutions and evidence links (added or updated, never removed)."""
    for deadline in row["deadlines"]:
        _upsert(
            MeasureDeadline,
            counts,
            {"measure": measure, "due_on": _date(deadline["due_on"]), "label_lv": deadline["label_lv"]},
            {"label_en": deadline["label_en"], "as_written": deadline["as_written"]},
        )
    institutions = Institution.objects.filter(short_name__in=[r["institution"] for r in row["responsible"]])
    by_short_name = {institution.short_name: institution for institution in institutions}
    for responsibility in row["responsible"]:
        institution = by_short_name.get(responsibility["institution"])
        if institution is None:  # the registry is not loaded: the body stays in responsible_text
            continue
        _upsert(
            MeasureResponsibility,
            counts,
            {"measure": measure, "institution": institution},
            {"role": responsibility["role"]},
        )
    for link in row["links"]:
        _upsert(EvidenceLink, counts, {"measure": measure, "url": link["url"]}, {"label": link["label"]})


def _load_dependencies(measures, data, counts):
    """Add the file's dependencies that are missing (B depends on A for every "A → B" of the source)."""
    for line_row in data["action_lines"]:
        for row in line_row["measures"]:
            measure = measures[row["code"]]
            wanted = {measures[code].pk for code in row["depends_on"]}
            missing = wanted - set(measure.depends_on.values_list("pk", flat=True))
            if missing:
                measure.depends_on.add(*missing)
                counts["new"] += len(missing)


def _load_indicators(plan, data, counts):
    lines = {line.code: line for line in plan.action_lines.all()}
    note = data.get("actuals_note", "")
    reviewed = data.get("actuals_reviewed_on")
    # One fixed moment, older than any approval made in the system: a later approved actual of a year wins.
    reviewed_at = timezone.make_aware(datetime.combine(_date(reviewed), time(12))) if reviewed else None
    for row in data["indicators"]:
        values = {key: row[key] for key in ("order", "name_lv", "name_en", "unit_lv", "unit_en", "unit_note",
                                            "data_source_lv", "data_source_en", "direction", "baseline_year",
                                            "result", "result_note_lv", "result_note_en")}  # fmt: skip
        values["baseline_value"] = _decimal(row["baseline_value"])
        values["action_line_id"] = lines[row["action_line"]].pk if row["action_line"] else None
        values["measure_id"] = (
            Measure.objects.get(action_line__plan=plan, code=row["measure"]).pk if row["measure"] else None
        )
        indicator = _upsert(Indicator, counts, {"plan": plan, "code": row["code"]}, values)
        for target in row["targets"]:
            _upsert(IndicatorTarget, counts, {"indicator": indicator, "year": target["year"]}, _value_fields(target))
        for actual in row["actuals"]:
            values = _value_fields(actual)
            values.update(status=ReviewStatus.APPROVED, submitted_at=reviewed_at, reviewed_at=reviewed_at)
            _upsert(
                IndicatorActual,
                counts,
                {"indicator": indicator, "year": actual["year"], "note": note, "institution": None},
                values,
            )


def _value_fields(row):
    return {
        "value": _decimal(row.get("value")),
        "value_min": _decimal(row.get("value_min")),
        "value_max": _decimal(row.get("value_max")),
        "not_measured_reason_lv": row.get("not_measured_reason_lv", ""),
        "not_measured_reason_en": row.get("not_measured_reason_en", ""),
    }


@transaction.atomic
def load_workplans():
    """Load the three plans and create the obligations of the bound institutions; return counts of rows
    new / updated / unchanged and of obligations created."""
    counts = Counter()
    documents = {name: read_plan(name) for name in PLAN_FILES}
    plans = {
        data["code"]: _upsert(Plan, counts, {"code": data["code"]}, _plan_values(data)) for data in documents.values()
    }
    for data in documents.values():
        plan = plans[data["code"]]
        measures = _load_structure(plan, data, counts)
        _load_dependencies(measures, data, counts)
        _load_indicators(plan, data, counts)
    for data in documents.values():
        predecessor = plans[data["predecessor"]].pk if data["predecessor"] else None
        _upsert(Plan, Counter(), {"code": data["code"]}, {"predecessor_id": predecessor})  # counted above
    obligations = sum(sync_obligations(plan) for plan in plans.values())
    summary = {kind: counts[kind] for kind in ("new", "update", "skip") if counts[kind]}
    if obligations:
        summary["obligations created"] = obligations
    return summary
