"""Demonstration data for the institution side of PVPP2027: implementation teams (P1.2), one institution that
needs no team, progress on obligations (one update approved, one awaiting review, one returned with a comment)
and individual improvement plans (P2.4) whose items address the gaps of the demo conformity assessment.

Nothing here is real: the institutions are real (institutions/reference), every team member, update, item,
amount and date is invented. The rows carry no demo flag of their own; the texts say they are demonstration data.

Progress updates and improvement plans go through workplans/workflow.py as the demo editor (member of VSAA) and
the demo coordinator would do it, so approval writes the obligation's status the same way the pages do. Run after
load_reference_data (plans, obligations) and the other demo loaders (users, the conformity round).

Loading is idempotent: a team is found by (plan, institution), a member by (team, name), an update by
(obligation, as of), an improvement plan by (plan, institution, version 1); an existing plan keeps its items.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from assessments.gaps import institution_gaps
from institutions.models import Institution
from services.models import Service

from . import workflow
from .models import (
    FundingSource,
    GovernanceRole,
    ImplementationTeam,
    ImprovementCategory,
    ImprovementItem,
    ImprovementPlan,
    MeasureStatus,
    Obligation,
    Plan,
    PlanningDocument,
    ProgressUpdate,
    TeamMember,
)

PLAN_CODE = "PVPP2027"
EDITOR = "redaktors"  # the demo editor, member of VSAA (institutions/demo_data.py)
COORDINATOR = "koordinators"
DEMO_NOTE = "Demonstrācijas dati."


@dataclass(frozen=True)
class Member:
    name: str
    position: str
    roles: tuple
    member_from: date


@dataclass(frozen=True)
class Team:
    established_on: date
    contact_name: str
    contact_email: str
    contact_phone: str
    members: tuple


TEAMS = {
    "VSAA": Team(
        date(2024, 10, 15), "Roberts Redaktors", "redaktors@demo.pakalpojumi.lv", "+371 67000001",
        (
            Member("Roberts Redaktors", "Klientu apkalpošanas departamenta direktors",
                   (GovernanceRole.TEAM_LEAD, GovernanceRole.POLICY_COORDINATOR), date(2024, 10, 15)),
            Member("Anna Demo", "Pakalpojumu attīstības nodaļas vadītāja",
                   (GovernanceRole.SERVICE_HOLDER, GovernanceRole.PROCESS_OWNER), date(2024, 10, 15)),
            Member("Jānis Paraugs", "Informācijas tehnoloģiju departamenta direktors", (GovernanceRole.DIGITAL,),
                   date(2024, 10, 15)),
            Member("Līga Piemēra", "Juriskonsulte", (GovernanceRole.LEGAL,), date(2024, 11, 1)),
            Member("Pēteris Testa", "Budžeta plānošanas nodaļas vadītājs", (GovernanceRole.FINANCE,),
                   date(2024, 11, 1)),
        ),
    ),
    "VID": Team(
        date(2024, 11, 4), "Sandra Skatītāja", "skatitajs@demo.pakalpojumi.lv", "+371 67000002",
        (
            Member("Sandra Skatītāja", "Nodokļu maksātāju apkalpošanas pārvaldes vadītāja",
                   (GovernanceRole.TEAM_LEAD, GovernanceRole.CLIENT_SERVICE), date(2024, 11, 4)),
            Member("Kārlis Demo", "E-pakalpojumu attīstības daļas vadītājs",
                   (GovernanceRole.SERVICE_PROVIDER, GovernanceRole.DIGITAL), date(2024, 11, 4)),
            Member("Ieva Paraugs", "Procesu vadības eksperte", (GovernanceRole.PROCESS_OWNER,), date(2024, 11, 4)),
        ),
    ),
}  # fmt: skip

NO_TEAM = {
    "LRVK": (
        f"{DEMO_NOTE} Pārbaudītas visas pakalpojumu pārvaldības lomas (pakalpojuma turētājs, sniedzējs, procesa "
        "īpašnieks, pārvaldības koordinators): iestāde nav neviena pakalpojuma turētāja vai sniedzēja, tādēļ neviena "
        "loma nav attiecināma (PVPP2027 18. zemsvītras piezīme)."
    ),
}


@dataclass(frozen=True)
class Progress:
    institution: str
    measure: str
    as_of: date
    status: str
    evidence: str
    outcome: str  # approved, submitted or returned
    comment: str = ""
    links: str = ""


PROGRESS = [
    Progress("VSAA", "P1.1", date(2024, 9, 30), MeasureStatus.EXECUTED,
             f"{DEMO_NOTE} 12 darbinieki piedalījās VARAM mācībās par pakalpojumu veidiem, pārvaldības mērogiem, "
             "līmeņiem un lomām (2024. gada 24. septembrī).", "approved"),
    Progress("VSAA", "P1.2", date(2024, 10, 15), MeasureStatus.EXECUTED,
             f"{DEMO_NOTE} Ar direktora 2024. gada 15. oktobra rīkojumu izveidota pakalpojumu pārvaldības politikas "
             "īstenošanas komanda (5 dalībnieki).", "approved"),
    Progress("VSAA", "P1.3", date(2025, 2, 28), MeasureStatus.EXECUTED,
             f"{DEMO_NOTE} Komanda apguva mācību kursu par pakalpojumu pārvaldības politiku.", "submitted"),
    Progress("VSAA", "P2.2", date(2025, 3, 31), MeasureStatus.IN_PROGRESS,
             f"{DEMO_NOTE} Mācības par esošā stāvokļa novērtēšanu notiek.", "returned",
             comment="Lūdzu norādiet mācību datumus un dalībnieku skaitu."),
    Progress("VID", "P1.2", date(2024, 11, 4), MeasureStatus.EXECUTED,
             f"{DEMO_NOTE} Izveidota pakalpojumu pārvaldības politikas īstenošanas komanda (3 dalībnieki).",
             "approved"),
]  # fmt: skip


@dataclass(frozen=True)
class Funding:
    source: str
    amount: Decimal | None
    additional: Decimal | None
    document: str
    reference: str
    deadline: date


# Per institution and category: how the demo item is funded and which planning document it relies on.
FUNDING = {
    "VSAA": {
        ImprovementCategory.GOVERNANCE_TASKS: Funding(FundingSource.OWN_BUDGET, Decimal("8500"), None,
                                                      PlanningDocument.DTP2027, "U4.4.9.7.-2", date(2025, 12, 31)),
        ImprovementCategory.SERVICES: Funding(FundingSource.EU_FUNDS, Decimal("45000"), Decimal("15000"),
                                              PlanningDocument.NAP2027, "NAP2027 317. uzdevums", date(2026, 6, 30)),
        ImprovementCategory.CAPABILITIES: Funding(FundingSource.PRIORITY_MEASURE, None, Decimal("30000"),
                                                  PlanningDocument.VPMP2027, "6.7. rīcības virziens",
                                                  date(2027, 6, 30)),
    },
    "VID": {
        ImprovementCategory.GOVERNANCE_TASKS: Funding(FundingSource.OWN_BUDGET, Decimal("6000"), None,
                                                      PlanningDocument.DTP2027, "U4.4.9.7.-2", date(2025, 12, 31)),
        ImprovementCategory.SERVICES: Funding(FundingSource.TSI, Decimal("120000"), None,
                                              PlanningDocument.NAP2027, "NAP2027 316. uzdevums", date(2026, 12, 31)),
        ImprovementCategory.CAPABILITIES: Funding(FundingSource.OTHER_FOREIGN, Decimal("20000"), Decimal("10000"),
                                                  PlanningDocument.OTHER, "", date(2027, 6, 30)),
    },
}  # fmt: skip
IMPROVEMENT_PLAN_OUTCOME = {"VSAA": "approved", "VID": "submitted"}

ACTION = {
    ImprovementCategory.GOVERNANCE_TASKS: "Pilnveidot pakalpojumu pārvaldības uzdevumu veikšanu",
    ImprovementCategory.SERVICES: "Pilnveidot pakalpojumus atbilstoši pakalpojumu izveides, sniegšanas un "
    "pilnveides nosacījumiem",
    ImprovementCategory.CAPABILITIES: "Pilnveidot pakalpojumiem un pakalpojumu pārvaldībai nepieciešamās spējas un "
    "resursus",
}
# Conformity components (assessments/reference/conformity_pvpp2027.json) → the RV5 measure that addresses them.
CATEGORY_OF_AREA = {
    "K1": ImprovementCategory.GOVERNANCE_TASKS,
    "K2": ImprovementCategory.GOVERNANCE_TASKS,
    "K3": ImprovementCategory.SERVICES,
    "K4": ImprovementCategory.CAPABILITIES,
}
GAPS_PER_ITEM = 4


@dataclass
class Summary:
    counts: dict = field(
        default_factory=lambda: {
            "implementation teams created": 0,
            "team members created": 0,
            "progress updates created": 0,
            "improvement plans created": 0,
            "improvement plan items created": 0,
        }
    )

    def add(self, key, number=1):
        self.counts[key] += number


def _institutions(short_names):
    return {i.short_name: i for i in Institution.objects.filter(short_name__in=short_names, bound_by_round1=True)}


def load_teams(plan, summary):
    """The teams of TEAMS with their members, and the institutions of NO_TEAM with their reason."""
    institutions = _institutions([*TEAMS, *NO_TEAM])
    for short_name, spec in TEAMS.items():
        if short_name not in institutions:
            continue
        team, created = ImplementationTeam.objects.get_or_create(
            plan=plan,
            institution=institutions[short_name],
            defaults={
                "established_on": spec.established_on,
                "contact_name": spec.contact_name,
                "contact_email": spec.contact_email,
                "contact_phone": spec.contact_phone,
            },
        )
        summary.add("implementation teams created", created)
        for member in spec.members:
            _, created = TeamMember.objects.get_or_create(
                team=team,
                name=member.name,
                defaults={
                    "position": member.position,
                    "roles": [str(role) for role in member.roles],
                    "member_from": member.member_from,
                    "email": f"{member.name.split()[0].lower()}@demo.pakalpojumi.lv",
                },
            )
            summary.add("team members created", created)
    for short_name, reason in NO_TEAM.items():
        if short_name not in institutions:
            continue
        _, created = ImplementationTeam.objects.get_or_create(
            plan=plan,
            institution=institutions[short_name],
            defaults={"not_required": True, "not_required_reason": reason},
        )
        summary.add("implementation teams created", created)


def _reporter(institution, editor, coordinator):
    """The demo editor reports for the institution they edit; the coordinator for the others."""
    if editor is not None and editor.memberships.filter(institution=institution, can_edit=True).exists():
        return editor
    return coordinator


def load_progress(plan, editor, coordinator, summary):
    """PROGRESS through the review cycle: started and submitted by the reporter, then approved or returned."""
    obligations = {
        (o.institution.short_name, o.measure.code): o
        for o in Obligation.objects.filter(
            measure__action_line__plan=plan, institution__short_name__in={p.institution for p in PROGRESS}
        ).select_related("institution", "measure")
    }
    for step in PROGRESS:
        obligation = obligations.get((step.institution, step.measure))
        if obligation is None or ProgressUpdate.objects.filter(obligation=obligation, as_of=step.as_of).exists():
            continue
        reporter = _reporter(obligation.institution, editor, coordinator)
        update = workflow.start_update(
            reporter,
            obligation=obligation,
            proposed_status=step.status,
            evidence=step.evidence,
            links=step.links,
            as_of=step.as_of,
        )
        update = workflow.submit(reporter, update)
        if step.outcome == "approved":
            workflow.approve(coordinator, update)
        elif step.outcome == "returned":
            workflow.return_for_correction(coordinator, update, step.comment)
        summary.add("progress updates created")


def _items(improvement_plan, institution, gaps):
    """One item per conformity component with gaps, under the RV5 category that addresses it, linked to the
    component's largest gaps; one item per category when there are no gaps (no conformity assessment)."""
    by_area = {}
    for gap in sorted(gaps, key=lambda g: (g.area.order, -g.shortfall, g.question.order)):
        by_area.setdefault(gap.area.code, []).append(gap.question)
    if by_area:
        groups = [(CATEGORY_OF_AREA[code], questions[:GAPS_PER_ITEM]) for code, questions in by_area.items()]
    else:
        groups = [(category, []) for category in ImprovementCategory.values]
    service = Service.objects.filter(holder=institution).order_by("pk").first()
    items = []
    for order, (category, questions) in enumerate(groups, start=1):
        funding = FUNDING[institution.short_name][category]
        action = ACTION[category]
        if questions:
            action += ". Novēršamās atbilstības novērtējuma nepilnības: " + "; ".join(
                f"{q.code} {q.text_lv}" for q in sorted(questions, key=lambda q: q.code)
            )
        item = ImprovementItem.objects.create(
            improvement_plan=improvement_plan,
            order=order,
            category=category,
            service=service if category == ImprovementCategory.SERVICES else None,
            action=f"{action}. ({DEMO_NOTE})",
            deadline=funding.deadline,
            responsible_person=TEAMS[institution.short_name].contact_name,
            funding_source=funding.source,
            amount=funding.amount,
            additional_needed=funding.additional,
            planning_document=funding.document,
            planning_reference=funding.reference,
            status=MeasureStatus.IN_PROGRESS if order == 1 else MeasureStatus.NOT_STARTED,
        )
        item.gaps.set(questions)
        items.append(item)
    return items


def load_improvement_plans(plan, editor, coordinator, summary):
    """Version 1 of each FUNDING institution's plan, built on its conformity gaps, then submitted (and approved)."""
    institutions = _institutions(FUNDING)
    for short_name, institution in institutions.items():
        if ImprovementPlan.objects.filter(plan=plan, institution=institution, version=1).exists():
            continue
        reporter = _reporter(institution, editor, coordinator)
        assessment, gaps = institution_gaps(institution)
        improvement_plan = ImprovementPlan.objects.create(
            plan=plan,
            institution=institution,
            version=1,
            based_on=assessment,
            summary=f"{DEMO_NOTE} Individuālais pilnveides plāns 2024.–2027. gadam, balstīts uz atbilstības "
            "novērtējumu.",
            created_by=reporter,
        )
        summary.add("improvement plans created")
        summary.add("improvement plan items created", len(_items(improvement_plan, institution, gaps)))
        improvement_plan = workflow.submit(reporter, improvement_plan)
        if IMPROVEMENT_PLAN_OUTCOME[short_name] == "approved":
            workflow.approve(coordinator, improvement_plan)


@transaction.atomic
def load_workplans_demo():
    """Create the demo teams, progress updates and improvement plans where missing; return counts of created rows.
    Without PVPP2027 or the demo coordinator (load_reference_data / load_demo_data not run) nothing is created."""
    summary = Summary()
    plan = Plan.objects.filter(code=PLAN_CODE).first()
    coordinator = User.objects.filter(username=COORDINATOR, is_active=True).first()
    if plan is None or coordinator is None or not coordinator.is_coordinator:
        return summary.counts
    editor = User.objects.filter(username=EDITOR, is_active=True).first()
    load_teams(plan, summary)
    load_progress(plan, editor, coordinator, summary)
    load_improvement_plans(plan, editor, coordinator, summary)
    return summary.counts
