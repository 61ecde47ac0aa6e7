"""The reads behind the catalogue pages: yearly figures rolled up per year and per channel (digital take-up,
completion rate, satisfaction score), the channel mix, the list filters' institutions, the "fully online"
explanation of a life situation, an editor's reporting overview and the coordinator's completeness report.

Sums and ratios are computed in the database. Every function takes querysets the caller has already scoped
(services/scoping.py) or institutions the user may report for, so nothing outside the reader's scope is summed.
Roll-ups sum first and divide last (domain brief §3): a ratio is never averaged.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from institutions.models import Institution
from institutions.tables import localised_name_order

from .models import (
    FigureSubmission,
    PeriodType,
    Service,
    ServiceChannel,
    ServiceFigure,
    ServiceStatus,
    SubmissionStatus,
)
from .scoping import visible_services

# A report counts as done for completeness once submitted; accepting it is the coordinator's later step.
REPORT_DONE = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)
# Services not yet provided are not expected to report.
NOT_YET_PROVIDED = (ServiceStatus.PLANNED, ServiceStatus.UNDER_DEVELOPMENT)


# --- yearly figures ------------------------------------------------------------------------------------------------


def countable_figures(figures):
    """Each service, provider, year and channel counted once: its yearly row where one is reported, otherwise
    its quarters, otherwise its months — so a year reported both whole and by quarter is not counted twice."""
    same_key = ServiceFigure.objects.filter(
        service=OuterRef("service"), provider=OuterRef("provider"), year=OuterRef("year"), channel=OuterRef("channel")
    )
    has_year = Exists(same_key.filter(period_type=PeriodType.YEAR))
    has_quarter = Exists(same_key.filter(period_type=PeriodType.QUARTER))
    return figures.filter(
        Q(period_type=PeriodType.YEAR)
        | (Q(period_type=PeriodType.QUARTER) & ~has_year)
        | (Q(period_type=PeriodType.MONTH) & ~has_year & ~has_quarter)
    )


def _float(expression):
    return Cast(expression, FloatField())


def _sums():
    """The sums every roll-up starts from."""
    rated = Q(
        satisfaction_mean__isnull=False,
        satisfaction_responses__gt=0,
        rating_scale_min__isnull=False,
        rating_scale_max__isnull=False,
    )
    # Satisfaction score of one row, 0–100: (mean − scale min) / (scale max − scale min) × 100.
    row_score = (
        (_float("satisfaction_mean") - _float("rating_scale_min"))
        * Value(100.0)
        / NullIf(_float("rating_scale_max") - _float("rating_scale_min"), Value(0.0))
    )
    with_minutes = Q(client_minutes__isnull=False)
    return {
        "agg_started": Sum("started"),
        "agg_completed": Coalesce(Sum("completed"), 0),
        "agg_digital_completed": Coalesce(Sum("completed", filter=Q(channel__is_digital=True)), 0),
        "agg_completed_where_started": Sum("completed", filter=Q(started__isnull=False)),
        "agg_consultations": Sum("consultations"),
        "agg_satisfaction_responses": Sum("satisfaction_responses", filter=rated),
        "agg_score_weighted": Sum(
            row_score * _float("satisfaction_responses"), filter=rated, output_field=FloatField()
        ),
        "agg_minutes_weighted": Sum(
            _float("client_minutes") * _float("completed"), filter=with_minutes, output_field=FloatField()
        ),
        "agg_completed_with_minutes": Sum("completed", filter=with_minutes),
        "agg_demo_rows": Count("pk", filter=Q(is_demo=True)),
    }


def _ratios():
    """Ratios over the sums of _sums(); None where the denominator is zero or not reported."""
    return {
        # Digital take-up = Σ digital T / Σ T.
        "agg_digital_take_up": _float("agg_digital_completed") / NullIf(_float("agg_completed"), Value(0.0)),
        # Completion rate = T / S, over the rows where S is reported.
        "agg_completion_rate": _float("agg_completed_where_started") / NullIf(_float("agg_started"), Value(0.0)),
        # Satisfaction score weighted by the number of responses.
        "agg_satisfaction_score": F("agg_score_weighted") / NullIf(_float("agg_satisfaction_responses"), Value(0.0)),
        # Client minutes per case, weighted by the completed cases.
        "agg_client_minutes": F("agg_minutes_weighted") / NullIf(_float("agg_completed_with_minutes"), Value(0.0)),
    }


@dataclass(frozen=True)
class YearFigures:
    """The figures of one year (and, in yearly_channel_figures, one channel)."""

    year: int
    started: int | None
    completed: int
    digital_completed: int
    completed_where_started: int | None
    consultations: int | None
    satisfaction_responses: int | None
    score_weighted: float | None
    minutes_weighted: float | None
    completed_with_minutes: int | None
    demo_rows: int
    digital_take_up: float | None
    completion_rate: float | None
    satisfaction_score: float | None
    client_minutes: float | None
    channel_code: str = ""
    channel_name_lv: str = ""
    channel_name_en: str = ""
    channel_is_digital: bool | None = None
    channel_is_remote: bool | None = None
    channel_order: int = 0

    @property
    def channel_name(self):
        if (get_language() or "lv").startswith("en") and self.channel_name_en:
            return self.channel_name_en
        return self.channel_name_lv

    @property
    def is_demo(self):
        return self.demo_rows > 0


def _year_figures(row):
    # The sums carry a prefix in the query, where a bare "completed" would clash with the model's field.
    return YearFigures(**{key.removeprefix("agg_"): value for key, value in row.items()})


def yearly_summary(figures):
    """Per year, over all channels and the providers in `figures`: sums, digital take-up, completion rate,
    satisfaction score and client minutes. Oldest year first."""
    rows = (
        countable_figures(figures)
        .order_by()
        .values("year")
        .annotate(**_sums())
        .annotate(**_ratios())
        .order_by("year")
    )
    return [_year_figures(row) for row in rows]


def yearly_channel_figures(figures):
    """Per year and channel, over the providers in `figures`: the same measures as yearly_summary. Oldest year
    first, channels in the code list's order."""
    rows = (
        countable_figures(figures)
        .order_by()
        .values("year")
        .annotate(
            channel_code=F("channel__code"),
            channel_name_lv=F("channel__name_lv"),
            channel_name_en=F("channel__name_en"),
            channel_is_digital=F("channel__is_digital"),
            channel_is_remote=F("channel__is_remote"),
            channel_order=F("channel__order"),
        )
        .annotate(**_sums())
        .annotate(**_ratios())
        .order_by("year", "channel_order")
    )
    return [_year_figures(row) for row in rows]


def channel_mix(channel_figures, year):
    """The channel rows of `year` out of yearly_channel_figures(), largest number of completed cases first."""
    return sorted((row for row in channel_figures if row.year == year), key=lambda row: (-row.completed, row.channel_order))


def reporting_providers(figures):
    """The providers that reported any of `figures`, by name."""
    return Institution.objects.filter(pk__in=figures.values("provider_id")).order_by("name_lv")


# --- catalogue ----------------------------------------------------------------------------------------------------


def catalogue_institutions(user):
    """Holders and providers of the services `user` may see, by name: the choices of the list's filters."""
    services = visible_services(user)
    provided = Service.providers.through.objects.filter(
        institution_id=OuterRef("pk"), service_id__in=services.values("pk")
    )
    return Institution.objects.filter(Q(pk__in=services.values("holder_id")) | Exists(provided)).order_by(
        localised_name_order()
    )


def count_of(queryset):
    """A subquery counting the rows of `queryset` (which may refer to the outer query), 0 when there are none."""
    # COUNT as a plain function, not an aggregate, so the subquery has no GROUP BY and returns exactly one row.
    counted = queryset.order_by().annotate(_count=Func(F("pk"), function="COUNT", output_field=IntegerField()))
    return Coalesce(Subquery(counted.values("_count")), 0)


# --- life situations -----------------------------------------------------------------------------------------------


def online_channel():
    """A channel offered by the service in the outer query that is both digital and remote."""
    return ServiceChannel.objects.filter(service=OuterRef("pk"), channel__is_digital=True, channel__is_remote=True)


@dataclass
class OnlineGaps:
    """Why a life situation cannot be completed fully online: the active services without a digital, remote
    channel that the reader may open, and how many others (of institutions the reader may not see) lack one."""

    active_count: int
    visible: list = field(default_factory=list)
    hidden_count: int = 0

    @property
    def lacking_count(self):
        return len(self.visible) + self.hidden_count


def online_gaps(user, life_situation):
    """The active services of `life_situation` that offer no channel both digital and remote (two queries)."""
    active = life_situation.services.filter(status=ServiceStatus.ACTIVE)
    lacking = active.exclude(Exists(online_channel()))
    counts = active.aggregate(active=Count("pk"), lacking=Count("pk", filter=~Q(Exists(online_channel()))))
    visible = list(visible_services(user, lacking.select_related("holder")).order_by("name_lv"))
    return OnlineGaps(counts["active"], visible, counts["lacking"] - len(visible))


# --- reporting -----------------------------------------------------------------------------------------------------


def reporting_years(today=None, count=5):
    """The last `count` finished years, latest first: the years whose yearly figures can be reported."""
    today = today or datetime.date.today()
    return [today.year - offset for offset in range(1, count + 1)]


def reportable_services(year, queryset=None):
    """Services that report figures for `year`: provided at some time in that year and not merely planned or
    under development."""
    queryset = Service.objects.all() if queryset is None else queryset
    return queryset.exclude(status__in=NOT_YET_PROVIDED).filter(
        Q(valid_from__isnull=True) | Q(valid_from__year__lte=year),
        Q(valid_to__isnull=True) | Q(valid_to__year__gte=year),
    )


def is_reportable(service, year):
    """The same rule as reportable_services, for one service already in memory."""
    return service.status not in NOT_YET_PROVIDED and service.active_in_year(year)


@dataclass
class ReportCell:
    year: int
    reportable: bool
    status: str  # a SubmissionStatus value, or "" when no report was started
    has_figures: bool

    @property
    def is_done(self):
        return self.status in REPORT_DONE

    @property
    def status_label(self):
        if not self.reportable:
            return _("not provided that year")
        if self.status:
            return SubmissionStatus(self.status).label
        return _("figures entered") if self.has_figures else _("not started")


@dataclass
class ServiceReports:
    service: Service
    cells: list


@dataclass
class ProviderReports:
    institution: Institution
    services: list

    @property
    def pending_count(self):
        return sum(1 for row in self.services for cell in row.cells if cell.reportable and not cell.is_done)


def report_overview(institutions, years):
    """For each of `institutions` (those the user reports for), each service it provides and each of `years`:
    the report's status. Three queries whatever the number of services."""
    institutions = list(institutions.order_by("name_lv"))
    provided = (
        Service.providers.through.objects.filter(institution__in=institutions)
        .select_related("service")
        .order_by("service__name_lv")
    )
    statuses = {
        (row["service_id"], row["provider_id"], row["year"]): row["status"]
        for row in FigureSubmission.objects.filter(provider__in=institutions, year__in=years).values(
            "service_id", "provider_id", "year", "status"
        )
    }
    with_figures = set(
        ServiceFigure.objects.filter(provider__in=institutions, year__in=years)
        .order_by()
        .values_list("service_id", "provider_id", "year")
        .distinct()
    )
    by_institution = {institution.pk: ProviderReports(institution, []) for institution in institutions}
    for link in provided:
        cells = [
            ReportCell(
                year,
                is_reportable(link.service, year),
                statuses.get((link.service_id, link.institution_id, year), ""),
                (link.service_id, link.institution_id, year) in with_figures,
            )
            for year in years
        ]
        by_institution[link.institution_id].services.append(ServiceReports(link.service, cells))
    return list(by_institution.values())


# --- completeness --------------------------------------------------------------------------------------------------


@dataclass
class MissingReport:
    catalogue_id: str
    name_lv: str
    name_en: str
    status: str  # "" when no report was started
    has_figures: bool = False

    @property
    def name(self):
        if (get_language() or "lv").startswith("en") and self.name_en:
            return self.name_en
        return self.name_lv

    @property
    def status_label(self):
        if self.status:
            return SubmissionStatus(self.status).label
        return _("figures entered, not submitted") if self.has_figures else _("not started")


@dataclass
class CompletenessRow:
    institution: Institution
    expected: int
    submitted: int
    missing: list = field(default_factory=list)

    @property
    def share(self):
        """Submitted / expected, from 0 to 1."""
        return self.submitted / self.expected if self.expected else None


@dataclass
class Completeness:
    year: int
    rows: list

    @property
    def expected(self):
        return sum(row.expected for row in self.rows)

    @property
    def submitted(self):
        return sum(row.submitted for row in self.rows)

    @property
    def share(self):
        """Σ submitted / Σ expected over the institutions shown — never a mean of their shares."""
        return self.submitted / self.expected if self.expected else None


def completeness(year, institutions=None):
    """Per provider institution (of `institutions`, all when None): the services it provides that report for
    `year`, how many of those reports are submitted, and which are missing. Three queries.

    share = submitted reports / services provided; a report is submitted when its status is submitted or accepted.
    """
    links = Service.providers.through.objects.filter(service__in=reportable_services(year))
    if institutions is not None:
        links = links.filter(institution__in=institutions)
    submission = FigureSubmission.objects.filter(
        service=OuterRef("service_id"), provider=OuterRef("institution_id"), year=year
    )
    done = Exists(submission.filter(status__in=REPORT_DONE))
    counts = (
        links.order_by()
        .values("institution_id")
        .annotate(expected=Count("pk"), submitted=Count("pk", filter=Q(done)))
    )
    counts = {row["institution_id"]: row for row in counts}
    figures = ServiceFigure.objects.filter(
        service=OuterRef("service_id"), provider=OuterRef("institution_id"), year=year
    )
    missing = (
        links.filter(~done)
        .annotate(
            status=Coalesce(Subquery(submission.values("status")[:1]), Value("")),
            has_figures=Exists(figures),
        )
        .order_by("service__name_lv")
        .values_list(
            "institution_id", "service__catalogue_id", "service__name_lv", "service__name_en", "status", "has_figures"
        )
    )
    missing_by_institution = {}
    for institution_id, *service in missing:
        missing_by_institution.setdefault(institution_id, []).append(MissingReport(*service))
    institutions_shown = Institution.objects.filter(pk__in=counts).select_related("municipality", "parent")
    rows = [
        CompletenessRow(
            institution,
            counts[institution.pk]["expected"],
            counts[institution.pk]["submitted"],
            missing_by_institution.get(institution.pk, []),
        )
        for institution in institutions_shown.order_by("name_lv")
    ]
    return Completeness(year, rows)

