"""Demonstration data for service transformation: four projects in different states, their measurements (the
catalogue's figures pre-filled where an indicator has a catalogue source), oversight decisions with evidence,
service reviews, and the shared components the demo institutions use.

- VSAA, parental and maternity benefits: closed — baseline 2021, interim 2023, final 2024, evaluated.
- VSAA, old-age pension: active, at the final measurement — baseline and interim complete, the final one only
  pre-filled, so closing it is refused and names the missing indicators.
- VID, annual income tax return: active, in implementation — baseline complete.
- Valmiera municipality, guaranteed minimum income benefit: a draft.

Nothing here is real: the institutions and the catalogue's demo services are those of the other demo loaders;
every name, value and date is invented, and projects, decisions and reviews carry is_demo=True. Steps go through
transformation/workflow.py and pre-filling through transformation/prefill.py, as the pages do. Run after the
services demo data and the cost recomputation (load_demo_data does).

Loading is idempotent: a project is found by (institution, name), a measurement by (project, indicator, phase), a
member by (project, name, role), a decision by its reference, a review by (service, kind, day); existing rows
are left as they are.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from institutions.models import Institution
from services.models import Service

from . import oversight, prefill, workflow
from .models import (
    ComponentInstitution,
    ComponentProject,
    DecisionKind,
    DecisionStatus,
    FundingSource,
    Measurement,
    MeasurementPhase,
    MeasurementSource,
    MemberRole,
    OversightDecision,
    PhaseKind,
    PhaseStatus,
    ProjectMember,
    ProjectStatus,
    ResultIndicator,
    ReviewKind,
    ServiceReview,
    SharedComponent,
    TransformationProject,
)

COORDINATOR = "koordinators"
EDITOR = "redaktors"
DEMO_NOTE = "Demonstrācijas dati."
BASE, MID, FIN = MeasurementPhase.BASELINE, MeasurementPhase.INTERIM, MeasurementPhase.FINAL
PERIODS = {
    "2021": (date(2021, 1, 1), date(2021, 12, 31)),
    "2022": (date(2022, 1, 1), date(2022, 12, 31)),
    "2023": (date(2023, 1, 1), date(2023, 12, 31)),
    "2024": (date(2024, 1, 1), date(2024, 12, 31)),
}


@dataclass(frozen=True)
class DemoProject:
    institution: str
    services: tuple  # catalogue identifiers; a (template code, holder short name) pair for a municipal service
    name: str
    goal: str
    funding: str
    planned: tuple
    members: tuple  # (name, e-mail, role)
    periods: dict  # measurement phase → period key
    entered: dict = field(default_factory=dict)  # indicator code → {phase: value or text}
    phases_done: tuple = ()  # phase kinds completed, in order
    phase_in_progress: str = ""
    close_on: date | None = None
    started_on: date | None = None
    components: tuple = ()


VSAA_BENEFITS = DemoProject(
    institution="VSAA",
    services=("PV-VSAA-01", "PV-VSAA-02"),
    name="Vecāku un maternitātes pabalsta pieprasīšanas pārveide",
    goal="Pabalstu pieprasīšana bez iesnieguma: dati no darba devēju ziņojumiem un iedzīvotāju reģistra; "
    "klātienes apmeklējumu samazināšana. " + DEMO_NOTE,
    funding=FundingSource.EU_FUNDS,
    planned=(date(2021, 3, 1), date(2025, 3, 31)),
    members=(
        ("Anna Demo", "anna.demo@demo.pakalpojumi.lv", MemberRole.PROJECT_LEAD),
        ("Roberts Redaktors", "redaktors@demo.pakalpojumi.lv", MemberRole.SERVICE_OWNER),
        ("Jānis Paraugs", "janis.paraugs@demo.pakalpojumi.lv", MemberRole.IT),
        ("Pēteris Testa", "peteris.testa@demo.pakalpojumi.lv", MemberRole.FINANCE),
        ("Ilze Klientiņa", "", MemberRole.CLIENT_SERVICE),
    ),
    periods={BASE: "2021", MID: "2023", FIN: "2024"},
    entered={
        "R3": {BASE: "10", MID: "18", FIN: "25"},
        "R4": {BASE: "20", MID: "18", FIN: "15"},
        "R5": {BASE: "6.5", MID: "7.8", FIN: "9.2"},
        "R6": {
            BASE: "Sākuma stāvoklis: pieteikumi galvenokārt klātienē un pa pastu; apstrāde manuāla. " + DEMO_NOTE,
            FIN: "Izmaksas atmaksājas mazāk nekā divos gados; ieguvumi lielāki par plānotajiem. " + DEMO_NOTE,
        },
        "R8.1": {BASE: "0", MID: "80000", FIN: "120000"},
        "R8.2": {BASE: "0", MID: "6000", FIN: "10000"},
        "R8.3": {BASE: "0", MID: "18000", FIN: "72000"},
        "R9": {
            BASE: "Nav novērtēts. " + DEMO_NOTE,
            FIN: "Mazāk dokumentu klientiem, ātrāka izmaksa, mazāk kļūdu datu ievadē. " + DEMO_NOTE,
        },
    },
    phases_done=(
        PhaseKind.BASELINE,
        PhaseKind.ANALYSIS,
        PhaseKind.DESIGN,
        PhaseKind.IMPLEMENTATION,
        PhaseKind.INTERIM,
        PhaseKind.FINAL,
        PhaseKind.EVALUATION,
    ),
    started_on=date(2021, 3, 1),
    close_on=date(2025, 3, 20),
    components=("latvija-gov-lv-catalogue", "e-address", "data-distribution-platform"),
)

VSAA_PENSION = DemoProject(
    institution="VSAA",
    services=("PV-VSAA-05",),
    name="Vecuma pensijas pieprasīšana proaktīvi",
    goal="Proaktīvs paziņojums par pensijas tiesībām un pieteikšanās e-pakalpojumā vienā solī. " + DEMO_NOTE,
    funding=FundingSource.STATE_BUDGET,
    planned=(date(2021, 9, 1), date(2025, 12, 31)),
    members=(
        ("Roberts Redaktors", "redaktors@demo.pakalpojumi.lv", MemberRole.PROJECT_LEAD),
        ("Līga Piemēra", "liga.piemera@demo.pakalpojumi.lv", MemberRole.LEGAL),
        ("Kārlis Analītiķis", "", MemberRole.ANALYST),
    ),
    periods={BASE: "2021", MID: "2023", FIN: "2024"},
    entered={
        "R3": {BASE: "8", MID: "14"},
        "R4": {BASE: "32", MID: "30"},
        "R5": {BASE: "5.0", MID: "6.1"},
        "R6": {BASE: "Sākuma izvērtējums: ieguvumi sagaidāmi no proaktīviem paziņojumiem. " + DEMO_NOTE},
        "R8.1": {BASE: "0", MID: "45000"},
        "R8.2": {BASE: "0", MID: "4000"},
        "R8.3": {BASE: "0", MID: "9000"},
        "R9": {BASE: "Nav novērtēts. " + DEMO_NOTE},
    },
    phases_done=(PhaseKind.BASELINE, PhaseKind.ANALYSIS, PhaseKind.DESIGN, PhaseKind.IMPLEMENTATION, PhaseKind.INTERIM),
    phase_in_progress=PhaseKind.FINAL,
    started_on=date(2021, 9, 1),
    components=("latvija-gov-lv-catalogue", "e-address"),
)

VID_TAX_RETURN = DemoProject(
    institution="VID",
    services=("PV-VID-01",),
    name="Gada ienākumu deklarācija bez aizpildīšanas",
    goal="Iepriekš aizpildīta deklarācija ar datiem no darba devējiem un bankām; klientam tikai jāapstiprina. "
    + DEMO_NOTE,
    funding=FundingSource.EU_FUNDS,
    planned=(date(2022, 2, 1), date(2026, 6, 30)),
    members=(
        ("Zane Vadītāja", "zane.vaditaja@demo.pakalpojumi.lv", MemberRole.PROJECT_LEAD),
        ("Mārtiņš Kods", "", MemberRole.IT),
    ),
    periods={BASE: "2022"},
    entered={
        "R3": {BASE: "22"},
        "R4": {BASE: "64"},
        "R5": {BASE: "11.0"},
        "R6": {BASE: "Sākuma izvērtējums: lielākās izmaksas – konsultācijas pa tālruni. " + DEMO_NOTE},
        "R8.1": {BASE: "0"},
        "R8.2": {BASE: "0"},
        "R8.3": {BASE: "0"},
        "R9": {BASE: "Nav novērtēts. " + DEMO_NOTE},
    },
    phases_done=(PhaseKind.BASELINE, PhaseKind.ANALYSIS, PhaseKind.DESIGN),
    phase_in_progress=PhaseKind.IMPLEMENTATION,
    started_on=date(2022, 2, 1),
    components=("latvija-gov-lv-catalogue", "integration-platforms"),
)

VALMIERA_GMI = DemoProject(
    institution="Valmieras nov. pašv.",
    services=(("gmi-benefit", "Valmieras nov. pašv."),),
    name="GMI pabalsta pieteikšana e-pakalpojumā",
    goal="Pabalsta pieteikums tiešsaistē un ar VPVKAC palīdzību. " + DEMO_NOTE,
    funding=FundingSource.MUNICIPAL_BUDGET,
    planned=(date(2026, 1, 1), date(2027, 12, 31)),
    members=(("Inese Sociālā", "", MemberRole.PROJECT_LEAD),),
    periods={},
    components=("vpvkac-network",),
)

PROJECTS = (VSAA_BENEFITS, VSAA_PENSION, VID_TAX_RETURN, VALMIERA_GMI)

# Fallbacks where the catalogue has no figure for a pre-filled indicator (a database without the figures).
PREFILL_FALLBACKS = {"R1": "50", "R2": "55", "R7": "70", "T-CPT": "12"}

REVIEWS = (
    # service, kind, reviewed on, reviewer, finding
    ("PV-VSAA-01", ReviewKind.EFFICIENCY, date(2019, 5, 14), "VSAA", "Izmaksas uz gadījumu virs sektora mediānas."),
    ("PV-VSAA-01", ReviewKind.ADMIN_BURDEN, date(2025, 3, 20), "VSAA", "Pēc pārveides iesniegums nav vajadzīgs."),
    ("PV-VSAA-05", ReviewKind.EFFICIENCY, date(2020, 10, 2), "VSAA", "Augsts klātienes apmeklējumu īpatsvars."),
    ("PV-VID-01", ReviewKind.ADMIN_BURDEN, date(2023, 4, 18), "VID", "Deklarācijas aizpilde aizņem vidēji 40 min."),
    ("PV-VID-02", ReviewKind.EFFICIENCY, date(2018, 11, 30), "VID", "Process pilnībā elektronisks."),
)


def _user(username):
    return User.objects.filter(username=username).first()


def _services(definition):
    services = []
    for key in definition.services:
        if isinstance(key, tuple):
            template, holder = key
            service = Service.objects.filter(template__code=template, holder__short_name=holder).first()
        else:
            service = Service.objects.filter(catalogue_id=key).first()
        if service is not None:
            services.append(service)
    return services


def _measure(project, indicator, phase, period, value, user):
    if Measurement.objects.filter(project=project, indicator=indicator, phase=phase).exists():
        return 0
    numeric = indicator.is_numeric
    measurement = Measurement(
        project=project,
        indicator=indicator,
        phase=phase,
        period_start=period[0],
        period_end=period[1],
        value=Decimal(value) if numeric else None,
        text_value="" if numeric else value,
        source=MeasurementSource.ENTERED,
        note=DEMO_NOTE,
        measured_by=user,
        measured_on=period[1],
    )
    measurement.full_clean()
    measurement.save()
    return 1


def _measurements(project, definition, user, indicators):
    written = 0
    for phase, period_key in definition.periods.items():
        period = PERIODS[period_key]
        for measurement in prefill.prefill_phase(project, phase, *period, user=user):
            written += measurement.source == MeasurementSource.PREFILLED
        if phase != FIN or definition.close_on:
            for code, fallback in PREFILL_FALLBACKS.items():
                if code in indicators and indicators[code].mandatory:
                    written += _measure(project, indicators[code], phase, period, fallback, user)
        for code, values in definition.entered.items():
            if phase in values and code in indicators:
                written += _measure(project, indicators[code], phase, period, values[phase], user)
    return written


def _phase_dates(definition):
    """Invented phase dates: spread evenly from the start to the closing day (or to 2025)."""
    start = definition.started_on or definition.planned[0]
    end = definition.close_on or date(2025, 6, 30)
    kinds = list(definition.phases_done) + ([definition.phase_in_progress] if definition.phase_in_progress else [])
    step = (end - start) / max(len(kinds), 1)
    return {kind: (start + step * number, start + step * (number + 1)) for number, kind in enumerate(kinds)}


def _run_phases(project, definition):
    if project.status != ProjectStatus.DRAFT or definition.started_on is None:
        return
    workflow.start_project(project, on=definition.started_on)
    dates = _phase_dates(definition)
    phases = {phase.kind: phase for phase in project.phases.all()}
    for kind in definition.phases_done:
        phase = phases[kind]
        if phase.status == PhaseStatus.NOT_STARTED:
            workflow.start_phase(phase, on=dates[kind][0])
        if kind == PhaseKind.EVALUATION and definition.close_on:
            break  # closing completes it
        workflow.complete_phase(phase, on=dates[kind][1])
    if definition.phase_in_progress:
        phase = phases[definition.phase_in_progress]
        if phase.status == PhaseStatus.NOT_STARTED:
            workflow.start_phase(phase, on=dates[definition.phase_in_progress][0])
    if definition.close_on:
        workflow.close_project(project, on=definition.close_on)


def _project(definition, user, indicators, counts):
    institution = Institution.objects.filter(short_name=definition.institution).first()
    services = _services(definition)
    if institution is None or not services:
        return None
    project, created = TransformationProject.objects.get_or_create(
        institution=institution,
        name=definition.name,
        defaults={
            "goal": definition.goal,
            "funding_source": definition.funding,
            "planned_start": definition.planned[0],
            "planned_end": definition.planned[1],
            "is_demo": True,
            "created_by": user,
        },
    )
    if not created:
        return project
    counts["projects"] += 1
    project.services.set(services)
    workflow.create_phases(project)
    for name, email, role in definition.members:
        ProjectMember.objects.get_or_create(project=project, person_name=name, role=role, defaults={"email": email})
    counts["measurements"] += _measurements(project, definition, user, indicators)
    _run_phases(project, definition)
    for code in definition.components:
        component = SharedComponent.objects.filter(code=code).first()
        if component is not None:
            ComponentProject.objects.get_or_create(
                component=component, project=project, defaults={"since": definition.started_on}
            )
            ComponentInstitution.objects.get_or_create(
                component=component, institution=institution, defaults={"since": definition.started_on}
            )
    return project


def _decisions(projects, coordinator, counts):
    benefits, _pension, tax_return = (
        projects.get(VSAA_BENEFITS.name),
        projects.get(VSAA_PENSION.name),
        projects.get(VID_TAX_RETURN.name),
    )
    if tax_return is not None and not OversightDecision.objects.filter(reference="DEMO-2022/03").exists():
        decision = OversightDecision.objects.create(
            reference="DEMO-2022/03",
            title="ES fondu finansējums deklarācijas pārveidei",
            kind=DecisionKind.EU_FUNDING_APPROVE,
            status=DecisionStatus.ADOPTED,
            proposed_on=date(2022, 2, 15),
            decided_on=date(2022, 3, 10),
            institution=tax_return.institution,
            project=tax_return,
            text="Padome iesaka atbalstīt ES fondu finansējumu: plānotie uzlabojumi un iestādes iepriekšējie "
            "rezultāti to pamato. " + DEMO_NOTE,
            evidence_text="Sākuma mērījums 2022. gadā. " + DEMO_NOTE,
            is_demo=True,
            created_by=coordinator,
        )
        decision.services.set(tax_return.services.all())
        decision.measurements.set(tax_return.measurements.filter(phase=BASE))
        counts["decisions"] += 1
    if benefits is not None and not OversightDecision.objects.filter(reference="DEMO-2025/01").exists():
        component = SharedComponent.objects.filter(code="virtual-assistants").first()
        decision = OversightDecision.objects.create(
            reference="DEMO-2025/01",
            title="Virtuālā asistenta koplietošanas komponentes finansēšana",
            kind=DecisionKind.FUND_SHARED_COMPONENT,
            status=DecisionStatus.PROPOSED,
            proposed_on=date(2025, 4, 2),
            shared_component=component,
            text="Vairākas iestādes pārveidē konstatējušas līdzīgu problēmu – atkārtotus jautājumus pa tālruni. "
            + DEMO_NOTE,
            evidence_text="Pabalstu pārveides projekta gala novērtējums. " + DEMO_NOTE,
            is_demo=True,
            created_by=coordinator,
        )
        decision.measurements.set(benefits.measurements.filter(phase=FIN))
        counts["decisions"] += 1
    if not OversightDecision.objects.filter(reference="DEMO-OUTLIER").exists():
        candidates = oversight.outlier_candidates(coordinator) if coordinator is not None else []
        if candidates:
            decision = oversight.draft_review_request(candidates[0], coordinator)
            decision.reference = "DEMO-OUTLIER"
            decision.is_demo = True
            decision.save(update_fields=["reference", "is_demo"])
            counts["decisions"] += 1


def _reviews(counts, projects):
    institutions = {institution.short_name: institution for institution in Institution.objects.all()}
    for catalogue_id, kind, reviewed_on, reviewer, finding in REVIEWS:
        service = Service.objects.filter(catalogue_id=catalogue_id).first()
        if service is None or reviewer not in institutions:
            continue
        project = projects.get(VSAA_BENEFITS.name) if reviewed_on.year == 2025 else None
        _review, created = ServiceReview.objects.get_or_create(
            service=service,
            kind=kind,
            reviewed_on=reviewed_on,
            defaults={
                "reviewer_institution": institutions[reviewer],
                "finding": f"{finding} {DEMO_NOTE}",
                "project": project,
                "is_demo": True,
            },
        )
        counts["reviews"] += created


@transaction.atomic
def load_transformation_demo():
    """Load the demo projects, decisions and reviews; returns counts of what was created."""
    counts = {"projects": 0, "measurements": 0, "decisions": 0, "reviews": 0}
    indicators = {indicator.code: indicator for indicator in ResultIndicator.objects.filter(active=True)}
    if not indicators:
        return {"transformation demo": "skipped: load_reference_data first"}
    editor, coordinator = _user(EDITOR), _user(COORDINATOR)
    projects = {}
    for definition in PROJECTS:
        project = _project(definition, editor if definition.institution == "VSAA" else coordinator, indicators, counts)
        if project is not None:
            projects[definition.name] = project
    _decisions(projects, coordinator, counts)
    _reviews(counts, projects)
    return {f"transformation {name}": count for name, count in counts.items()}
