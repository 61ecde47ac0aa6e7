"""The rows and tables of the institution pages: an institution's obligations with their due dates, markers and
latest update; the institutions of a plan for the coordinator; the items of an improvement plan and its totals
by funding source; the review queue. The same tables feed the CSV and XLSX exports.

Due date, overdue and waiting are workplans/progress.py's rules; for an obligation, a dependency that is itself
carried out in each institution holds it up through this institution's own obligation for that measure:

    blocking(d) ⇔ own obligation for d is not started or in progress
                  ∨ (no own obligation for d ∧ d's status is not started or in progress)
    waiting     ⇔ status not final ∧ some dependency d is blocking
"""

from dataclasses import dataclass
from datetime import datetime

import django_tables2 as tables
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution
from institutions.tables import BaseTable, localised_name_order
from reports.charts import number_formatter
from services.figures_report import count_of

from .improvement import degree
from .models import (
    DONE_STATUSES,
    FINAL_STATUSES,
    FundingSource,
    ImplementationTeam,
    ImprovementPlan,
    IndicatorActual,
    Measure,
    Obligation,
    Plan,
    ProgressUpdate,
    ReviewStatus,
)
from .obligations import bound_institutions
from .progress import BLOCKING_STATUSES, with_due_date
from .scoping import (
    visible_improvement_plans,
    visible_indicator_actuals,
    visible_obligations,
    visible_teams,
    visible_updates,
)
from .tables import NUMERIC, STATUS_LABELS, DateColumn, LinkedColumn, StatusColumn, short_date

EUR = number_formatter(2)
REVIEW_LABELS = dict(ReviewStatus.choices)


def review_badge(status):
    """A review state as the assessment pages show it (status--draft, --submitted, --approved, --returned)."""
    return format_html('<span class="status status--{}">{}</span>', status, REVIEW_LABELS.get(status, status))


# --- an institution's obligations ---------------------------------------------------------------------------------


def with_progress(queryset, today=None):
    """Obligations with `due_date`, `overdue`, `has_open_dependencies` (the rules of the module docstring) and
    their latest update (`latest_update_pk`, `latest_update_status`, `latest_update_review`,
    `latest_update_as_of`), in one query."""
    today = today or timezone.localdate()
    latest = ProgressUpdate.objects.filter(obligation_id=OuterRef("pk")).order_by("-created_at", "-pk")
    own = Obligation.objects.filter(
        measure_id=OuterRef("to_measure_id"), institution_id=OuterRef(OuterRef("institution_id"))
    )
    blocking = Measure.depends_on.through.objects.filter(from_measure_id=OuterRef("measure_id")).filter(
        Exists(own.filter(status__in=BLOCKING_STATUSES)) | (~Exists(own) & Q(to_measure__status__in=BLOCKING_STATUSES))
    )
    return (
        with_due_date(queryset)
        .select_related("measure__action_line__plan", "institution")
        .annotate(
            latest_update_pk=Subquery(latest.values("pk")[:1]),
            latest_update_status=Subquery(latest.values("proposed_status")[:1]),
            latest_update_review=Subquery(latest.values("status")[:1]),
            latest_update_as_of=Subquery(latest.values("as_of")[:1]),
            has_open_dependencies=Exists(blocking),
        )
        .annotate(
            overdue=ExpressionWrapper(
                Q(due_date__lt=today) & ~Q(status__in=FINAL_STATUSES), output_field=BooleanField()
            ),
        )
    )


def institution_obligations(user, institution, plan):
    return with_progress(
        visible_obligations(user, Obligation.objects.filter(institution=institution, measure__action_line__plan=plan))
    )


def is_waiting(obligation):
    return bool(obligation.has_open_dependencies) and obligation.status not in FINAL_STATUSES


class ObligationTable(BaseTable):
    caption = _("Obligations")

    measure = LinkedColumn(
        verbose_name=_("Measure"),
        accessor="measure__code",
        attrs={"td": {"class": "col-name"}},
        url=lambda obligation: reverse("workplans:obligation-detail", kwargs={"pk": obligation.pk}),
    )
    text = tables.Column(verbose_name=_("What is to be done"), accessor="measure__text")
    status = StatusColumn(verbose_name=_("Status"))
    due_date = DateColumn(verbose_name=_("Due"), default="—", iso_export=True)
    markers = tables.Column(verbose_name=_("Attention"), accessor="overdue", empty_values=())
    latest_update = tables.Column(verbose_name=_("Latest update"), accessor="latest_update_as_of", empty_values=())
    review = tables.Column(verbose_name=_("Its review"), accessor="latest_update_review", empty_values=())

    # Export only.
    evidence = tables.Column(verbose_name=_("Evidence"), visible=False)
    started_on = tables.Column(verbose_name=_("Started on"), visible=False, default="")
    completed_on = tables.Column(verbose_name=_("Completed on"), visible=False, default="")
    latest_update_status = tables.Column(verbose_name=_("Status reported"), visible=False, default="")

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def render_text(self, value):
        return value if len(value) <= 220 else f"{value[:217]}…"

    def value_text(self, value):
        return value

    def _markers(self, record):
        markers = []
        if record.overdue:
            markers.append(("badge-overdue", _("overdue")))
        if is_waiting(record):
            markers.append(("badge-waiting", _("waiting on other measures")))
        return markers

    def render_markers(self, record):
        markers = self._markers(record)
        if not markers:
            return ""
        return format_html_join(" ", '<span class="badge {}">{}</span>', markers)

    def value_markers(self, record):
        return "; ".join(str(label) for _css, label in self._markers(record))

    def render_latest_update(self, record):
        if not record.latest_update_pk:
            return _("none yet")
        url = reverse("workplans:update-detail", kwargs={"pk": record.latest_update_pk})
        return format_html(
            '<a href="{}">{}</a> · {}',
            url,
            short_date(record.latest_update_as_of),
            STATUS_LABELS.get(record.latest_update_status, ""),
        )

    def value_latest_update(self, record):
        return record.latest_update_as_of.isoformat() if record.latest_update_as_of else ""

    def render_review(self, record):
        if not record.latest_update_review:
            return ""
        return review_badge(record.latest_update_review)

    def value_review(self, record):
        return str(REVIEW_LABELS.get(record.latest_update_review, ""))

    def value_latest_update_status(self, value):
        return str(STATUS_LABELS.get(value, ""))


# --- which institutions and plans -----------------------------------------------------------------------------------


@dataclass
class InstitutionPlan:
    """An institution's work under one plan, as its members see it on their home page."""

    institution: Institution
    plan: object
    obligations: int
    executed: int


def institution_plans(user):
    """(institution, plan) pairs the user may see that have obligations, a team or an improvement plan, with
    the count of obligations and of executed ones."""
    counts = {}
    rows = (
        visible_obligations(user)
        .values("institution_id", "measure__action_line__plan_id", "status")
        .order_by()
        .annotate(n=Count("pk"))
    )
    for row in rows:
        key = (row["institution_id"], row["measure__action_line__plan_id"])
        total, executed = counts.get(key, (0, 0))
        counts[key] = (total + row["n"], executed + (row["n"] if row["status"] in DONE_STATUSES else 0))
    for model_rows in (visible_teams(user), visible_improvement_plans(user)):
        for institution_id, plan_id in model_rows.values_list("institution_id", "plan_id").distinct():
            counts.setdefault((institution_id, plan_id), (0, 0))
    if not counts:
        return []
    institutions = Institution.objects.in_bulk({key[0] for key in counts})
    plans = Plan.objects.in_bulk({key[1] for key in counts})
    pairs = [
        InstitutionPlan(institutions[i], plans[p], total, executed) for (i, p), (total, executed) in counts.items()
    ]
    return sorted(pairs, key=lambda pair: (pair.plan.order, -pair.plan.start_year, str(pair.institution.name)))


def plan_institutions(plan, search=""):
    """Institutions the plan binds or that have obligations under it, with counts of obligations, executed
    ones and progress updates awaiting review, whether they have a team and their improvement plan's status."""
    of_plan = Obligation.objects.filter(measure__action_line__plan=plan)
    queryset = Institution.objects.filter(
        Q(pk__in=bound_institutions(plan).values("pk")) | Q(pk__in=of_plan.values("institution_id"))
    )
    search = search.strip()
    if search:
        queryset = queryset.filter(
            Q(name_lv__icontains=search) | Q(name_en__icontains=search) | Q(short_name__icontains=search)
        )
    own = of_plan.filter(institution_id=OuterRef("pk"))
    awaiting = ProgressUpdate.objects.filter(
        institution_id=OuterRef("pk"), status=ReviewStatus.SUBMITTED, obligation__measure__action_line__plan=plan
    )
    latest_improvement = ImprovementPlan.objects.filter(plan=plan, institution_id=OuterRef("pk")).order_by("-version")
    return queryset.annotate(
        obligation_count=count_of(own),
        executed_count=count_of(own.filter(status__in=DONE_STATUSES)),
        awaiting_count=count_of(awaiting),
        has_team=Exists(ImplementationTeam.objects.filter(plan=plan, institution_id=OuterRef("pk"))),
        improvement_status=Subquery(latest_improvement.values("status")[:1]),
    ).order_by(localised_name_order())


class PlanInstitutionTable(BaseTable):
    caption = _("Institutions bound by the plan")

    name = tables.Column(verbose_name=_("Institution"), attrs={"td": {"class": "col-name"}})
    short_name = tables.Column(verbose_name=_("Short name"))
    obligation_count = tables.Column(verbose_name=_("Obligations"), attrs=NUMERIC)
    executed_count = tables.Column(verbose_name=_("Executed"), attrs=NUMERIC)
    awaiting_count = tables.Column(verbose_name=_("Updates awaiting review"), attrs=NUMERIC)
    has_team = tables.Column(verbose_name=_("Implementation team"))
    improvement_status = tables.Column(verbose_name=_("Improvement plan"), empty_values=())

    class Meta(BaseTable.Meta):
        orderable = False

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def render_name(self, value, record):
        url = reverse(
            "workplans:institution-obligations", kwargs={"institution_pk": record.pk, "plan_code": self.plan.code}
        )
        return format_html('<a href="{}">{}</a>', url, value)

    def value_name(self, value):
        return value

    def render_has_team(self, value):
        return _("recorded") if value else "—"

    def value_has_team(self, value):
        return str(_("Yes") if value else _("No"))

    def render_improvement_status(self, value):
        return review_badge(value) if value else "—"

    def value_improvement_status(self, value):
        return str(REVIEW_LABELS.get(value, ""))


# --- improvement plan items ---------------------------------------------------------------------------------------


def funding_totals(improvement_plan):
    """Σ amount and Σ additional funding needed per funding source of the version's items, in the order of the
    funding sources; sources without items are left out."""
    rows = (
        improvement_plan.items.order_by()
        .values("funding_source")
        .annotate(amount=Sum("amount"), additional=Sum("additional_needed"))
    )
    by_source = {row["funding_source"]: row for row in rows}
    return [
        {
            "source": source,
            "label": label,
            "amount": by_source[source]["amount"],
            "additional": by_source[source]["additional"],
        }
        for source, label in FundingSource.choices
        if source in by_source
    ]


class ImprovementItemTable(BaseTable):
    caption = _("Items of the improvement plan")

    order = tables.Column(verbose_name=_("No."), attrs=NUMERIC)
    category = tables.Column(verbose_name=_("Category"))
    gaps = tables.Column(verbose_name=_("Gaps addressed"), empty_values=(), orderable=False)
    action = tables.Column(verbose_name=_("Action"))
    deadline = DateColumn(verbose_name=_("Deadline"), iso_export=True)
    responsible_person = tables.Column(verbose_name=_("Responsible person"))
    funding_source = tables.Column(verbose_name=_("Funding source"))
    amount = tables.Column(verbose_name=_("Amount (EUR)"), attrs=NUMERIC, default="—")
    additional_needed = tables.Column(verbose_name=_("Additional needed (EUR)"), attrs=NUMERIC, default="—")
    planning = tables.Column(verbose_name=_("Planning document"), accessor="planning_document", empty_values=())
    status = StatusColumn(verbose_name=_("Status"))
    change = tables.Column(verbose_name=_("Change"), accessor="pk", empty_values=(), exclude_from_export=True)

    # Export only.
    service = tables.Column(verbose_name=_("Service"), visible=False, default="")
    evidence = tables.Column(verbose_name=_("Evidence"), visible=False, default="")

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def __init__(self, *args, gaps_by_question, editable, **kwargs):
        super().__init__(*args, **kwargs)
        self.gaps_by_question = gaps_by_question
        if not editable:
            self.columns.hide("change")

    def _gap_lines(self, record):
        lines = []
        for question in record.gaps.all():
            gap = self.gaps_by_question.get(question.pk)
            component = f"{question.area.code} {question.area.name}"
            if gap is None:
                state = _("target reached or not assessed")
            else:
                state = _("degree %(reached)s of %(target)s") % {
                    "reached": degree(gap.reached),
                    "target": degree(gap.target),
                }
            lines.append((question.code, component, state))
        return lines

    def render_gaps(self, record):
        lines = self._gap_lines(record)
        if not lines:
            return "—"
        items = format_html_join("", "<li><strong>{}</strong> · {} · {}</li>", lines)
        return format_html('<ul class="plain-list">{}</ul>', items)

    def value_gaps(self, record):
        return "; ".join(f"{code} ({component}; {state})" for code, component, state in self._gap_lines(record))

    def render_planning(self, record):
        if not record.planning_document:
            return "—"
        reference = f" · {record.planning_reference}" if record.planning_reference else ""
        return f"{record.planning_document}{reference}"

    def value_planning(self, record):
        return self.render_planning(record) if record.planning_document else ""

    def render_amount(self, value):
        return EUR(float(value))

    def render_additional_needed(self, value):
        return EUR(float(value))

    def value_amount(self, value):
        return float(value) if value is not None else ""

    def value_additional_needed(self, value):
        return float(value) if value is not None else ""

    def render_change(self, record):
        edit = reverse("workplans:improvement-item-edit", kwargs={"pk": record.pk})
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            edit,
            _("Edit"),
            _("item %(number)s") % {"number": record.order},
        )


# --- review queue ---------------------------------------------------------------------------------------------------


@dataclass
class Waiting:
    """Something submitted that awaits the coordinator's review."""

    kind: str
    subject: str
    institution: Institution | None
    submitted_at: datetime
    submitted_by: object
    url: str

    @property
    def days_waiting(self):
        return (timezone.now() - self.submitted_at).days


def review_queue(user):
    """Submitted progress updates, improvement plans and indicator actuals the user may see, oldest first."""
    waiting = []
    updates = visible_updates(user, ProgressUpdate.objects.filter(status=ReviewStatus.SUBMITTED)).select_related(
        "obligation__measure", "measure", "institution", "submitted_by"
    )
    for update in updates:
        measure = update.subject_measure
        waiting.append(
            Waiting(
                _("Progress update"),
                f"{measure.code} · {STATUS_LABELS[update.proposed_status]}",
                update.institution,
                update.submitted_at,
                update.submitted_by,
                reverse("workplans:update-detail", kwargs={"pk": update.pk}),
            )
        )
    plans = visible_improvement_plans(
        user, ImprovementPlan.objects.filter(status=ReviewStatus.SUBMITTED)
    ).select_related("plan", "institution", "submitted_by")
    for improvement_plan in plans:
        url = reverse(
            "workplans:improvement-plan",
            kwargs={"institution_pk": improvement_plan.institution_id, "plan_code": improvement_plan.plan.code},
        )
        waiting.append(
            Waiting(
                _("Improvement plan"),
                _("%(plan)s, version %(version)s")
                % {"plan": improvement_plan.plan.code, "version": improvement_plan.version},
                improvement_plan.institution,
                improvement_plan.submitted_at,
                improvement_plan.submitted_by,
                f"{url}?version={improvement_plan.version}",
            )
        )
    actuals = visible_indicator_actuals(user, IndicatorActual.objects.filter(status=ReviewStatus.SUBMITTED))
    for actual in actuals.select_related("indicator", "institution", "submitted_by"):
        waiting.append(
            Waiting(
                _("Indicator actual"),
                f"{actual.indicator.code} · {actual.year}",
                actual.institution,
                actual.submitted_at,
                actual.submitted_by,
                reverse("workplans:indicator-actual-detail", kwargs={"pk": actual.pk}),
            )
        )
    epoch = timezone.make_aware(datetime(1970, 1, 1))
    return sorted(waiting, key=lambda row: row.submitted_at or epoch)


class ReviewQueueTable(BaseTable):
    caption = _("Awaiting review")

    kind = tables.Column(verbose_name=_("What"))
    subject = LinkedColumn(verbose_name=_("Subject"), attrs={"td": {"class": "col-name"}}, url=lambda row: row.url)
    institution = tables.Column(verbose_name=_("Institution"), accessor="institution__name", default="—")
    submitted_at = tables.Column(verbose_name=_("Submitted"))
    submitted_by = tables.Column(verbose_name=_("Submitted by"), empty_values=())
    days_waiting = tables.Column(verbose_name=_("Days waiting"), attrs=NUMERIC)

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def render_submitted_at(self, value):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

    def value_submitted_at(self, value):
        return timezone.localtime(value).isoformat(timespec="minutes")

    def render_submitted_by(self, record):
        user = record.submitted_by
        return (user.get_full_name() or user.username) if user else "—"

    def value_submitted_by(self, record):
        return self.render_submitted_by(record)
