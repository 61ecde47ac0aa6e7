"""The world of the permission matrix: two municipalities' institutions A ("own") and B ("other"), each with one
object of every kind a URL of the site names, and one user per role.

Every user of A is a member of A alone; the expert and the coordinator belong to no institution; the centre
operator works at A's centre. The human roles are staff, so the admin's own scoping is what the matrix sees (a
non-staff user never gets past the admin's log-in page, which would hide a leak in a ModelAdmin).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Membership, Role
from assessments.models import AssessmentStatus, RoundStatus
from institutions.models import InstitutionType, MunicipalityPopulation
from reports.models import GeneratedReport, ReportKind, ReportSchedule
from services.models import BulkImport, CostFigure, CostParameters, CostRecomputation
from tests.assessments.factories import AnswerFactory, AssessmentFactory, RoundFactory
from tests.assessments.workflow_fixtures import make_questionnaire
from tests.factories import InstitutionFactory, MunicipalityFactory, PlanningRegionFactory, UserFactory
from tests.services.factories import (
    ChannelFactory,
    FigureSubmissionFactory,
    LifeSituationFactory,
    ServiceChannelFactory,
    ServiceCostFactory,
    ServiceFactory,
    ServiceFigureFactory,
    ServiceTemplateFactory,
)
from tests.transformation.factories import (
    ComponentFactory,
    DecisionFactory,
    MeasurementFactory,
    MemberFactory,
    ProjectFactory,
    ReviewFactory,
)
from tests.transformation.factories import IndicatorFactory as ResultIndicatorFactory
from tests.vpvkac.factories import (
    CentreFactory,
    ContactFigureFactory,
    GrantFactory,
    ReportingPeriodFactory,
    SettlementFactory,
)
from tests.workplans.factories import (
    ActionLineFactory,
    ImplementationTeamFactory,
    ImprovementItemFactory,
    ImprovementPlanFactory,
    IndicatorActualFactory,
    IndicatorFactory,
    MeasureFactory,
    MeasureResponsibilityFactory,
    ObligationFactory,
    PlanFactory,
    ProgressUpdateFactory,
    RoadmapGroupFactory,
)
from transformation.models import IndicatorScope, ReviewParameters, ReviewReminderLog
from vpvkac.models import (
    CentreFigure,
    CentreMembership,
    ContactImport,
    Desk,
    MobileCentre,
    MobileStop,
    MunicipalityFigure,
    NetworkParameters,
    NetworkRecomputation,
    NetworkReviewDecision,
    PeriodSummary,
    PublishedCostPerService,
    SatisfactionScore,
)
from workplans.models import ExecutionReport, ReminderLog, ReviewStatus, TeamMember

OTHER_MARKS = ("PERM-OTHER", "perm-centre-other")
ROLES = ("coordinator", "editor", "viewer", "expert", "operator", "api_client", "anonymous")
SIDES = ("own", "other")


@dataclass
class World:
    users: dict  # role -> User (None for anonymous)
    tokens: dict  # role -> API token key
    objects: dict = field(default_factory=dict)  # kind -> {"own": obj, "other": obj} or a shared obj

    def __getitem__(self, kind):
        return self.objects[kind]

    def get(self, kind, side):
        value = self.objects[kind]
        return value[side] if isinstance(value, dict) else value


def _pair(build):
    return {"own": build("own"), "other": build("other")}


def build_world():
    region = PlanningRegionFactory(code="perm-region")
    municipality = {side: MunicipalityFactory(code=f"perm-{side}-novads", planning_region=region) for side in SIDES}
    # The names of B's rows all carry OTHER_MARK, so that a page or a list showing B's data can be recognised.
    institution = {
        side: InstitutionFactory(
            short_name=f"PERM-{side.upper()}",
            name_lv=f"PERM-{side.upper()} iestāde",
            name_en=f"PERM-{side.upper()} institution",
            institution_type=InstitutionType.MUNICIPALITY,
            municipality=municipality[side],
        )
        for side in SIDES
    }
    a, b = institution["own"], institution["other"]

    def user(username, role, member_of=None, can_edit=True, is_staff=True):
        person = UserFactory(username=username, role=role, is_staff=is_staff, password=None)
        if member_of is not None:
            Membership.objects.create(user=person, institution=member_of, can_edit=can_edit)
        return person

    users = {
        "coordinator": user("perm-coordinator", Role.COORDINATOR),
        "editor": user("perm-editor-a", Role.EDITOR, a),
        "viewer": user("perm-viewer-a", Role.VIEWER, a, can_edit=False),
        "expert": user("perm-expert", Role.EXPERT),
        "operator": user("perm-operator-a", Role.CENTRE_OPERATOR),
        # A state system: a write token (a membership that may edit) for A, no staff status.
        "api_client": user("perm-api-a", Role.API_CLIENT, a, is_staff=False),
        "anonymous": None,
    }
    editor_b = user("perm-editor-b", Role.EDITOR, b)
    operator_b = user("perm-operator-b", Role.CENTRE_OPERATOR)
    tokens = {role: Token.objects.create(user=person).key for role, person in users.items() if person is not None}
    world = World(users=users, tokens=tokens)
    o = world.objects
    o["institution"] = institution
    o["municipality"] = municipality
    o["region"] = region
    o["editor_of_side"] = {"own": users["editor"], "other": editor_b}
    MunicipalityPopulation.objects.create(municipality=municipality["own"], year=2024, population=1000)
    MunicipalityPopulation.objects.create(municipality=municipality["other"], year=2024, population=1000)

    # --- catalogue --------------------------------------------------------------------------------------------------
    channel = ChannelFactory(code="portal")
    o["channel"] = channel
    o["life_situation"] = LifeSituationFactory(code="perm-situation")
    o["template"] = ServiceTemplateFactory(code="perm-template")
    o["service"] = _pair(
        lambda side: ServiceFactory(
            catalogue_id=f"PERM-{side.upper()}-1",
            name_lv=f"PERM-{side.upper()} pakalpojums",
            name_en=f"PERM-{side.upper()} service",
            holder=institution[side],
            life_situations=[o["life_situation"]],
        )
    )
    o["service_channel"] = _pair(lambda side: ServiceChannelFactory(service=o["service"][side], channel=channel))
    o["figure"] = _pair(lambda side: ServiceFigureFactory(service=o["service"][side], channel=channel))
    o["cost"] = _pair(lambda side: ServiceCostFactory(service=o["service"][side]))
    o["submission"] = _pair(lambda side: FigureSubmissionFactory(service=o["service"][side]))
    cost_parameters = CostParameters.objects.order_by("-version").first() or CostParameters.objects.create(version=1)
    o["cost_parameters"] = cost_parameters
    o["cost_figure"] = _pair(
        lambda side: CostFigure.objects.create(
            service=o["service"][side],
            provider=institution[side],
            year=2024,
            parameters=cost_parameters,
            computed_at=timezone.now(),
        )
    )
    o["cost_recomputation"] = CostRecomputation.objects.create(kind="full", requested_by=users["coordinator"])
    o["bulk_import"] = _pair(
        lambda side: BulkImport.objects.create(
            file=ContentFile(b"catalogue_id\n", name="perm.csv"),
            error_report=ContentFile(b"row,error\n", name="perm-errors.csv"),
            uploaded_by=o["editor_of_side"][side],
        )
    )

    # --- E-index ----------------------------------------------------------------------------------------------------
    questionnaire = make_questionnaire()
    o["methodology"] = questionnaire.methodology
    o["area"] = questionnaire.areas[0]
    o["question"] = questionnaire.q("K3")
    open_round = RoundFactory(methodology=questionnaire.methodology, status=RoundStatus.OPEN, year=2025)
    review_round = RoundFactory(methodology=questionnaire.methodology, status=RoundStatus.OPEN, year=2024)
    o["round"] = open_round
    o["assessment"] = _pair(lambda side: AssessmentFactory(round=open_round, institution=institution[side]))
    o["submitted_assessment"] = _pair(
        lambda side: AssessmentFactory(
            round=review_round, institution=institution[side], status=AssessmentStatus.SUBMITTED
        )
    )
    for assessment in [*o["assessment"].values(), *o["submitted_assessment"].values()]:
        AnswerFactory(
            assessment=assessment,
            question=o["question"],
            number=Decimal("3"),
            evidence_file=ContentFile(b"%PDF-1.4\n", name="perm-evidence.pdf"),
        )

    # --- plans ------------------------------------------------------------------------------------------------------
    plan = PlanFactory(code="PERM2027", round_number=1)
    o["plan"] = plan
    line = ActionLineFactory(plan=plan, code="RV1", order=1)
    o["action_line"] = line
    o["roadmap_group"] = RoadmapGroupFactory(plan=plan)
    o["measure_in_each"] = MeasureFactory(action_line=line, code="P1.1", in_each_institution=True)
    # One whole-plan measure per side, that side's institution responsible for it.
    o["measure"] = _pair(lambda side: MeasureFactory(action_line=line, code=f"P1.{2 + SIDES.index(side)}"))
    for side in SIDES:
        MeasureResponsibilityFactory(measure=o["measure"][side], institution=institution[side])
    o["indicator"] = _pair(lambda side: IndicatorFactory(measure=o["measure"][side], plan=plan))
    o["obligation"] = _pair(lambda side: ObligationFactory(measure=o["measure_in_each"], institution=institution[side]))
    o["update"] = _pair(lambda side: ProgressUpdateFactory(obligation=o["obligation"][side]))
    o["actual"] = _pair(
        lambda side: IndicatorActualFactory(
            indicator=o["indicator"][side], institution=institution[side], status=ReviewStatus.DRAFT
        )
    )
    o["team"] = _pair(lambda side: ImplementationTeamFactory(plan=plan, institution=institution[side]))
    o["team_member"] = _pair(lambda side: TeamMember.objects.create(team=o["team"][side], name="Anna"))
    o["improvement_plan"] = _pair(lambda side: ImprovementPlanFactory(plan=plan, institution=institution[side]))
    o["improvement_item"] = _pair(
        lambda side: ImprovementItemFactory(
            improvement_plan=o["improvement_plan"][side], action=f"PERM-{side.upper()} darbība"
        )
    )
    o["execution_report"] = ExecutionReport.objects.create(
        plan=plan, requested_by=users["coordinator"], html_file=ContentFile(b"<p>perm</p>", name="perm.html")
    )
    o["reminder_log"] = ReminderLog.objects.create(
        kind="deadline", subject_key="perm", recipient="a@example.lv", sent_on=date(2025, 1, 1)
    )

    # --- VPVKAC -----------------------------------------------------------------------------------------------------
    period = ReportingPeriodFactory()
    o["period"] = period
    o["settlement"] = SettlementFactory(municipality=municipality["own"])
    o["centre"] = _pair(
        lambda side: CentreFactory(
            code=f"perm-centre-{side}", name=f"PERM-{side.upper()} centrs", municipality=municipality[side]
        )
    )
    CentreMembership.objects.create(user=users["operator"], centre=o["centre"]["own"])
    CentreMembership.objects.create(user=operator_b, centre=o["centre"]["other"])
    o["operator_of_side"] = {"own": users["operator"], "other": operator_b}
    o["desk"] = _pair(lambda side: Desk.objects.create(centre=o["centre"][side], institution=institution[side]))
    o["contact"] = _pair(lambda side: ContactFigureFactory(centre=o["centre"][side], date=date(2024, 3, 4)))
    o["grant"] = _pair(lambda side: GrantFactory(period=period, centre=o["centre"][side]))
    o["satisfaction"] = _pair(
        lambda side: SatisfactionScore.objects.create(
            centre=o["centre"][side], period=period, kind="satisfaction", score=Decimal("80")
        )
    )
    network_parameters = NetworkParameters.objects.order_by("-version").first() or NetworkParameters.objects.create(
        version=1
    )
    o["network_parameters"] = network_parameters
    now = timezone.now()
    o["centre_figure"] = _pair(
        lambda side: CentreFigure.objects.create(
            centre=o["centre"][side],
            period=period,
            municipality=municipality[side],
            parameters=network_parameters,
            computed_at=now,
            tier="local",
        )
    )
    o["municipality_figure"] = _pair(
        lambda side: MunicipalityFigure.objects.create(
            municipality=municipality[side],
            current_municipality=municipality[side],
            period=period,
            parameters=network_parameters,
            computed_at=now,
            tier="local",
        )
    )
    o["period_summary"] = PeriodSummary.objects.create(
        period=period, parameters=network_parameters, computed_at=now, average_mode="fixed"
    )
    o["review_decision"] = _pair(
        lambda side: NetworkReviewDecision.objects.create(
            centre=o["centre"][side], period=period, decision="keep", reason="Tālu no citiem.", decided_at=now
        )
    )
    o["mobile_centre"] = MobileCentre.objects.create(code="perm-mobile", name="Mobilais centrs")
    o["mobile_stop"] = MobileStop.objects.create(
        mobile_centre=o["mobile_centre"], name="Pietura", latitude=Decimal("56.9"), longitude=Decimal("24.1")
    )
    o["published_cost"] = PublishedCostPerService.objects.create(
        period=period,
        municipality=municipality["own"],
        tier="local",
        cost_per_service=Decimal("12.00"),
        source="perm",
    )
    o["contact_import"] = _pair(
        lambda side: ContactImport.objects.create(
            file=ContentFile(b"centre\n", name="perm.csv"),
            error_report=ContentFile(b"row,error\n", name="perm-errors.csv"),
            uploaded_by=o["operator_of_side"][side],
        )
    )
    o["network_recomputation"] = NetworkRecomputation.objects.create(kind="full", requested_by=users["coordinator"])

    # --- transformation ---------------------------------------------------------------------------------------------
    o["project"] = _pair(
        lambda side: ProjectFactory(
            institution=institution[side], name=f"PERM-{side.upper()} projekts", services=[o["service"][side]]
        )
    )
    o["project_member"] = _pair(lambda side: MemberFactory(project=o["project"][side]))
    o["library_indicator"] = ResultIndicatorFactory(code="PERM-LIB")
    o["own_indicator"] = _pair(
        lambda side: ResultIndicatorFactory(
            code=f"PERM-{side.upper()}", scope=IndicatorScope.INSTITUTION, owner_institution=institution[side]
        )
    )
    o["measurement"] = _pair(
        lambda side: MeasurementFactory(project=o["project"][side], indicator=o["library_indicator"])
    )
    o["decision"] = _pair(
        lambda side: DecisionFactory(institution=institution[side], title=f"PERM-{side.upper()} lēmums")
    )
    o["component"] = ComponentFactory(code="perm-component")
    o["service_review"] = _pair(lambda side: ReviewFactory(service=o["service"][side]))
    o["review_parameters"] = ReviewParameters.objects.order_by("-version").first() or ReviewParameters.objects.create(
        version=1
    )
    o["review_reminder_log"] = ReviewReminderLog.objects.create(
        subject_key="perm", recipient="a@example.lv", sent_on=date(2025, 1, 1)
    )

    # --- reports ----------------------------------------------------------------------------------------------------
    o["generated_report"] = _pair(
        lambda side: GeneratedReport.objects.create(
            kind=ReportKind.SERVICE_FIGURES,
            title=f"PERM-{side.upper()} pārskats",
            institution=institution[side],
            requested_by=o["editor_of_side"][side],
            status="done",
            csv_file=ContentFile(b"a,b\n", name="perm.csv"),
            finished_at=now,
        )
    )
    o["report_schedule"] = ReportSchedule.objects.create(
        kind=ReportKind.SERVICE_FIGURES, created_by=users["coordinator"]
    )
    o["token"] = Token.objects.get(user=users["api_client"])

    # --- the third-party admin screens: one row each, so that their change pages exist -----------------------------
    Group.objects.create(name="perm-group")
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    CrontabSchedule.objects.create()
    SolarSchedule.objects.create(event="sunrise", latitude=Decimal("56.9"), longitude=Decimal("24.1"))
    ClockedSchedule.objects.create(clocked_time=now)
    PeriodicTask.objects.create(name="perm-task", task="perm.task", interval=interval)
    client_data = {"user_agent": "perm", "ip_address": "127.0.0.1", "username": "perm", "http_accept": "*/*"}
    AccessAttempt.objects.create(path_info="/", failures_since_start=1, **client_data)
    AccessLog.objects.create(path_info="/", **client_data)
    AccessFailureLog.objects.create(path_info="/", **client_data)
    o["deadline"] = date.today() + timedelta(days=30)
    return world
