"""The report centre: the kinds of report it generates, how each is built and written to XLSX, CSV and PDF, who
may request and read which, and the schedules that request reports by themselves.

A kind's builder reads the module that computes its figures and returns a `Document`: a title, the facts that
name what it is about, and sheets of (title, columns, rows). The three files are laid out from that one
document, so they show the same figures:

    XLSX = a title sheet, then a sheet per document sheet; numbers stay numbers
    CSV  = the one sheet as a CSV file, or a zip of one CSV per sheet (UTF-8 with BOM, so Excel reads ā, ē, ī)
    PDF  = reportlab with the DejaVu fonts, a table per sheet

The kinds:

    plan execution       workplans/report.py's build_report, render_xlsx and report_pdf.render_pdf; the CSV holds
                         its counts by status and its measures
    service figures      services/costing.rollup of the stored cost figures a reader may see
                         (services/scoping.visible_cost_figures), per institution and per channel:
                         transactions, digital share = Σ digital T / Σ T, cost per transaction = Σ cost / Σ costed T;
                         the national total in the national report
    E-index round        assessments/results: every organisation's overall score, level and rank, the mean of each
                         sector and tier, the level distribution per area
    VPVKAC evaluation    vpvkac/network.rollup_to_current of today's municipality: services, consultations, grants,
                         cost per service and its band against the network's A (network.cost_band), legal-person
                         share, its centres' figures and the busiest hours (network.hourly_distribution)

Who reads a report: the coordinator every one; anyone signed in the plan execution reports (as the plan pages);
experts the E-index round reports; the readers of an institution its figures report; the staff of a
municipality its evaluation. Anyone else gets 404.
"""

import io
import logging
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from accounts.models import Role
from config.exports import csv_writer, save_workbook
from config.outbox import CENTRE_REPORTS
from config.progress import RowWriter
from institutions.models import Institution, InstitutionType, Municipality
from institutions.scoping import visible_institutions
from .pdf import build_pdf, paragraph, register_fonts, ruled_table, styles

from .models import Frequency, GeneratedReport, GeneratedStatus, ReportKind, ReportSchedule

logger = logging.getLogger(__name__)

FORMATS = ("xlsx", "csv", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
    "pdf": "application/pdf",
}
TWO_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")


# --- the document ---------------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    title: str
    columns: list
    rows: list = field(default_factory=list)  # lists of str, int, Decimal or None, one value per column


@dataclass
class Document:
    title: str
    facts: list  # (label, value)
    sheets: list
    source: object = None  # the kind's own content, for renderers of its own (the plan execution report)


def _rounded(value, places=TWO_PLACES):
    return None if value is None else Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


def _percent(share):
    """A share (0–1) as a percentage with one decimal: 0.4567 → 45.7."""
    return None if share is None else _rounded(Decimal(share) * 100, ONE_PLACE)


# --- the kinds ------------------------------------------------------------------------------------------------------


def _plan_execution(parameters, language, user):
    from workplans.models import Plan
    from workplans.report import build_report

    plan = Plan.objects.get(pk=parameters["plan"])
    content = build_report(plan, language)
    counts = Sheet(
        _("Counts by status"),
        [_("Action line"), *[heading for _attribute, heading in content.count_columns]],
        [[row.label, *row.cells] for row in content.counts],
    )
    measures = Sheet(
        _("Measures"),
        [_("Action line"), _("Code"), _("Official number"), _("Measure"), _("Status"), _("Continues in")],
        [
            [section.code, m.code, m.official_number, m.text, m.status_label, m.continues_in]
            for section in content.sections
            for m in section.measures
        ],
    )
    facts = [(_("Plan"), f"{plan.code} {plan.title}"), (_("Period"), content.period), (_("As of"), content.as_of)]
    return Document(content.title, facts, [counts, measures], source=content)


def _plan_xlsx(document):
    from workplans.report import render_xlsx

    return render_xlsx(document.source)


def _plan_pdf(document):
    from workplans.report_pdf import render_pdf

    return render_pdf(document.source)


def _service_figures(parameters, language, user):
    from services.costing import rollup
    from services.models import Channel
    from services.scoping import visible_cost_figures

    year = int(parameters["year"])
    figures = visible_cost_figures(user).filter(year=year)
    institution = Institution.objects.get(pk=parameters["institution"]) if parameters.get("institution") else None
    if institution is not None:
        figures = figures.filter(provider=institution)
    channels = list(Channel.objects.order_by("order"))
    totals = {row["group"]: row for row in rollup(figures, by="institution")}
    by_channel = {
        channel.pk: {row["group"]: row["transactions"] for row in rollup(figures, by="institution", channel=channel)}
        for channel in channels
    }
    names = {i.pk: i.name for i in Institution.objects.filter(pk__in=list(totals))}
    columns = [
        _("Institution"),
        _("Completed transactions"),
        *[_("Transactions: {channel}").format(channel=channel.name) for channel in channels],
        _("Digital share (per cent)"),
        _("Cost (EUR)"),
        _("Cost per transaction (EUR)"),
    ]

    def line(label, row, channel_counts):
        return [
            label,
            row["transactions"] or 0,
            *channel_counts,
            _percent(row["digital_takeup"]),
            _rounded(row["cost"]),
            _rounded(row["cost_per_transaction"]),
        ]

    rows = [
        line(names[pk], row, [by_channel[channel.pk].get(pk, 0) for channel in channels])
        for pk, row in sorted(totals.items(), key=lambda item: names[item[0]].casefold())
    ]
    if institution is None:
        national = rollup(figures, by="national")
        if national:
            channel_totals = [
                sum(by_channel[channel.pk].values()) if by_channel[channel.pk] else 0 for channel in channels
            ]
            rows.append(line(_("National total"), national[0], channel_totals))
    title = _("Service figures {year}").format(year=year)
    facts = [(_("Year"), str(year))]
    if institution is not None:
        title = f"{title}: {institution.name}"
        facts.append((_("Institution"), institution.name))
    return Document(title, facts, [Sheet(_("Institutions"), columns, rows)])


def _assessment_round(parameters, language, user):
    from assessments.models import LEVELS, MaturityLevel, Round
    from assessments.results import Reader, group_averages, league_tables, level_distribution

    round_ = Round.objects.select_related("methodology").get(pk=parameters["round"])
    everyone = Reader(True)
    organisations = Sheet(
        _("Organisations"),
        [_("Organisation"), _("Peer group"), _("Score"), _("Level"), _("Rank in the peer group")],
        [
            [
                score.assessment.institution.name,
                group.label,
                _rounded(score.score, ONE_PLACE),
                MaturityLevel(score.level).label if score.level else "",
                score.rank,
            ]
            for group in league_tables(round_, everyone)
            for score in group.rows
        ],
    )
    averages = Sheet(_("Group averages"), [_("Grouping"), _("Group"), _("Organisations"), _("Average score")])
    for by, label in (("sector", _("Ministry sector")), ("tier", _("Development-centre tier"))):
        for row in group_averages(round_, everyone, by).rows:
            averages.rows.append([label, row["label"], row["count"], _rounded(row["overall"], ONE_PLACE)])
    distribution = Sheet(
        _("Level distribution"),
        [_("Area"), _("Organisations"), *[str(MaturityLevel(level).label) for level in LEVELS]],
        [[d.label, d.total, *[d.counts[level] for level in LEVELS]] for d in level_distribution(round_, everyone)],
    )
    facts = [(_("Round"), round_.name), (_("Year"), str(round_.year)), (_("Methodology"), str(round_.methodology))]
    title = _("E-index round report: {round}").format(round=round_.name)
    return Document(title, facts, [organisations, averages, distribution])


def _centre_evaluation(parameters, language, user):
    from vpvkac.models import CentreFigure, CentreHourlyFigure, CostBand, MunicipalityFigure, PeriodSummary, Weekday
    from vpvkac.models import ReportingPeriod
    from vpvkac.network import cost_band, hourly_distribution, rollup_to_current

    period = ReportingPeriod.objects.get(pk=parameters["period"])
    municipality = Municipality.objects.get(pk=parameters["municipality"])
    row = next((r for r in rollup_to_current(period) if r["current_municipality_id"] == municipality.pk), None)
    summary = PeriodSummary.objects.filter(period=period).first()
    average = summary.average if summary else None
    bands = dict(CostBand.choices)
    cost = row["cost_per_service"] if row else None
    band = cost_band(cost, average)
    figures = Sheet(
        _("Summary"),
        [_("Figure"), _("Value")],
        [
            [_("Services"), row["services"] if row else 0],
            [_("Consultations"), row["consultations"] if row else 0],
            [_("In-person visits"), row["visits"] if row else 0],
            [_("Maintenance and salary grants (EUR)"), _rounded(row["running_grant"]) if row else None],
            [_("Cost per service (EUR)"), _rounded(cost)],
            [_("Network average cost per service A (EUR)"), _rounded(average)],
            [_("Cost band"), str(bands[band]) if band else ""],
            [_("Legal-person share of visits (per cent)"), _percent(row["legal_share"]) if row else None],
        ],
    )
    municipality_ids = list(
        MunicipalityFigure.objects.filter(period=period, current_municipality=municipality).values_list(
            "municipality_id", flat=True
        )
    )
    centre_rows = (
        CentreFigure.objects.filter(period=period, municipality_id__in=municipality_ids)
        .select_related("centre")
        .order_by("centre__name")
    )
    centres = Sheet(
        _("Centres"),
        [
            _("Centre"),
            _("Services"),
            _("Consultations"),
            _("In-person visits"),
            _("Cost per service (EUR)"),
            _("Cost band"),
            _("Legal-person share of visits (per cent)"),
        ],
        [
            [
                figure.centre.name,
                figure.services,
                figure.consultations,
                figure.visits,
                _rounded(figure.cost_per_service),
                str(bands[figure.band]) if figure.band else "",
                _percent(figure.legal_share),
            ]
            for figure in centre_rows
        ],
    )
    shares = hourly_distribution(
        CentreHourlyFigure.objects.filter(period=period, centre_id__in=[f.centre_id for f in centre_rows])
    )
    weekdays = dict(Weekday.choices)
    hours = Sheet(
        _("Visits by hour"),
        [_("Weekday"), _("Hour"), _("Share of visits (per cent)")],
        [
            [str(weekdays.get(weekday, weekday)), f"{hour:02d}:00", _percent(share)]
            for (weekday, hour), share in sorted(shares.items(), key=lambda item: (-item[1], item[0]))
        ],
    )
    facts = [(_("Municipality"), municipality.name), (_("Period"), str(period))]
    if shares:
        (weekday, hour), share = max(shares.items(), key=lambda item: (item[1], -item[0][0], -item[0][1]))
        busiest = f"{weekdays.get(weekday, weekday)} {hour:02d}:00 ({_percent(share)} %)"
        facts.append((_("Busiest hour"), busiest))
    title = _("VPVKAC evaluation {period}: {municipality}").format(period=period, municipality=municipality.name)
    return Document(title, facts, [figures, centres, hours])


@dataclass(frozen=True)
class Kind:
    code: str
    build: object  # (parameters, language, user) -> Document
    required: tuple  # the parameters the kind needs
    render_xlsx: object = None  # document -> bytes, instead of the generic layout
    render_pdf: object = None


KINDS = {
    ReportKind.PLAN_EXECUTION: Kind(ReportKind.PLAN_EXECUTION, _plan_execution, ("plan",), _plan_xlsx, _plan_pdf),
    ReportKind.SERVICE_FIGURES: Kind(ReportKind.SERVICE_FIGURES, _service_figures, ("year",)),
    ReportKind.ASSESSMENT_ROUND: Kind(ReportKind.ASSESSMENT_ROUND, _assessment_round, ("round",)),
    ReportKind.CENTRE_EVALUATION: Kind(ReportKind.CENTRE_EVALUATION, _centre_evaluation, ("period", "municipality")),
}


# --- the files ------------------------------------------------------------------------------------------------------


def _excel_value(value):
    """A number as a number (a whole one as an integer), anything else as text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, int | float):
        return value
    return str(value)


def _sheet_title(text, taken):
    title = "".join(" " if char in "[]:*?/\\" else char for char in str(text)).strip()[:31] or "-"
    candidate, number = title, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = title[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def render_xlsx(document):
    """A title sheet with the facts, then a sheet per document sheet with a bold header row; as bytes."""
    bold = Font(bold=True)
    workbook = openpyxl.Workbook()
    taken = set()
    front = workbook.active
    front.title = _sheet_title(_("Report"), taken)
    front.append([document.title])
    front["A1"].font = Font(bold=True, size=14)
    for label, value in document.facts:
        front.append([label, value])
    front.column_dimensions["A"].width = 30
    front.column_dimensions["B"].width = 60
    for sheet in document.sheets:
        page = workbook.create_sheet(_sheet_title(sheet.title, taken))
        page.append([str(column) for column in sheet.columns])
        for cell in page[1]:
            cell.font = bold
        for row in sheet.rows:
            page.append([_excel_value(value) for value in row])
        page.column_dimensions["A"].width = 40
        page.freeze_panes = "B2"
    buffer = io.BytesIO()
    save_workbook(workbook, buffer)
    return buffer.getvalue()


def _csv_bytes(sheet):
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([str(column) for column in sheet.columns])
    for row in sheet.rows:
        writer.writerow(["" if value is None else value for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def render_csv(document):
    """(bytes, extension): the one sheet as CSV, or a zip of one CSV per sheet."""
    if len(document.sheets) == 1:
        return _csv_bytes(document.sheets[0]), "csv"
    buffer = io.BytesIO()
    taken = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, sheet in enumerate(document.sheets, start=1):
            name = slugify(_sheet_title(sheet.title, taken)) or "sheet"
            archive.writestr(f"{number:02d}-{name}.csv", _csv_bytes(sheet))
    return buffer.getvalue(), "zip"


def _is_number(value):
    return isinstance(value, Decimal | int | float) and not isinstance(value, bool)


def _pdf_text(value):
    if value is None:
        return "—"
    if _is_number(value):
        return number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def render_pdf(document, language):
    """The title, the facts and a ruled table per sheet on landscape A4 (reports/pdf.py); as bytes."""
    register_fonts()
    style = styles()
    margin = 15 * mm
    page = landscape(A4)
    width = page[0] - 2 * margin

    def cell(value, name="cell"):
        return paragraph(_pdf_text(value), style[name])

    story = [cell(document.title, "title")]
    story += [cell(f"{label}: {value}", "body") for label, value in document.facts]
    for sheet in document.sheets:
        story += [Spacer(1, 4 * mm), cell(sheet.title, "h2")]
        if not sheet.rows:
            story.append(cell(_("No figures."), "muted"))
            continue
        rows = [[cell(column, "head") for column in sheet.columns]]
        rows += [[cell(value, "number" if _is_number(value) else "cell") for value in row] for row in sheet.rows]
        first = width * (0.3 if len(sheet.columns) > 2 else 0.5)
        rest = (width - first) / max(1, len(sheet.columns) - 1)
        story.append(ruled_table(rows, [first] + [rest] * (len(sheet.columns) - 1)))
    return build_pdf(story, title=document.title, language=language, page=page, margin=margin, stamped=True)


# --- who may read and request ---------------------------------------------------------------------------------------


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


def _municipality_ids(user):
    """The municipalities whose institution `user` may read."""
    return (
        visible_institutions(user)
        .filter(institution_type=InstitutionType.MUNICIPALITY, municipality__isnull=False)
        .values("municipality_id")
    )


def visible_reports(user, queryset=None):
    """The generated reports `user` may read and download (module docstring)."""
    queryset = GeneratedReport.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    if user.is_coordinator:
        return queryset
    allowed = Q(kind=ReportKind.PLAN_EXECUTION)
    allowed |= Q(institution__in=visible_institutions(user).values("pk"))
    allowed |= Q(municipality__in=_municipality_ids(user))
    if user.role == Role.EXPERT:
        allowed |= Q(kind=ReportKind.ASSESSMENT_ROUND)
    return queryset.filter(allowed)


def requestable_institutions(user):
    """The institutions `user` may request a figures report of: all for the coordinator, else those they read."""
    return visible_institutions(user)


def requestable_municipalities(user):
    """Today's municipalities `user` may request a VPVKAC evaluation of."""
    municipalities = Municipality.objects.filter(successor__isnull=True)
    if _active(user) and user.is_coordinator:
        return municipalities
    return municipalities.filter(pk__in=_municipality_ids(user))


def requestable_kinds(user):
    """The kinds `user` may request: every kind for the coordinator; an institution's readers its figures
    report, a municipality's staff its evaluation."""
    if not _active(user):
        return []
    if user.is_coordinator:
        return list(ReportKind)
    kinds = []
    if requestable_institutions(user).exists():
        kinds.append(ReportKind.SERVICE_FIGURES)
    if requestable_municipalities(user).exists():
        kinds.append(ReportKind.CENTRE_EVALUATION)
    return kinds


def _as_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def clean_parameters(kind, parameters, user):
    """The parameters of a report `user` asks for, checked, with whom it is about: (parameters, institution,
    municipality). ValidationError when a parameter is missing or outside what `user` may request."""
    if kind not in KINDS:
        raise ValidationError(_("Unknown report kind."))
    if kind not in requestable_kinds(user):
        raise ValidationError(_("You may not request this kind of report."))
    cleaned = {}
    for name in KINDS[kind].required:
        value = _as_id(parameters.get(name))
        if value is None:
            raise ValidationError(_("The parameter “{name}” is missing.").format(name=name))
        cleaned[name] = value
    institution = municipality = None
    if kind == ReportKind.SERVICE_FIGURES:
        institution_id = _as_id(parameters.get("institution"))
        if institution_id is None and not user.is_coordinator:
            raise ValidationError(_("Choose your institution."))
        if institution_id is not None:
            institution = requestable_institutions(user).filter(pk=institution_id).first()
            if institution is None:
                raise ValidationError(_("You may not request a report about this institution."))
            cleaned["institution"] = institution.pk
    if kind == ReportKind.CENTRE_EVALUATION:
        municipality = requestable_municipalities(user).filter(pk=cleaned["municipality"]).first()
        if municipality is None:
            raise ValidationError(_("You may not request a report about this municipality."))
    return cleaned, institution, municipality


def _label(kind):
    with translation.override(settings.LANGUAGE_CODE):
        return str(ReportKind(kind).label)


def request_report(kind, parameters, language, user=None, schedule=None, institution=None, municipality=None):
    """A queued report; its job is sent when the current transaction commits (the worker must find the row).
    The caller has checked the parameters (clean_parameters) or is a schedule."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    report = GeneratedReport.objects.create(
        kind=kind,
        parameters=parameters,
        language=language,
        title=_label(kind),
        institution=institution,
        municipality=municipality,
        schedule=schedule,
        requested_by=user if _active(user) else None,
    )

    return CENTRE_REPORTS.send_on_commit(report)


def evaluated_municipalities(period_id):
    """Today's municipalities with figures in the period: the ones an "all municipalities" request covers."""
    from vpvkac.models import MunicipalityFigure

    ids = MunicipalityFigure.objects.filter(period_id=period_id).values("current_municipality_id")
    return Municipality.objects.filter(pk__in=ids).order_by("name_lv")


def request_all_municipalities(period_id, language, user=None, schedule=None):
    """One VPVKAC evaluation per municipality with figures in the period."""
    return [
        request_report(
            ReportKind.CENTRE_EVALUATION,
            {"period": period_id, "municipality": municipality.pk},
            language,
            user=user,
            schedule=schedule,
            municipality=municipality,
        )
        for municipality in evaluated_municipalities(period_id)
    ]


# --- the job --------------------------------------------------------------------------------------------------------

STEP_COLLECTING = gettext_noop("Collecting the figures")
STEP_XLSX = gettext_noop("Writing the XLSX file")
STEP_CSV = gettext_noop("Writing the CSV file")
STEP_PDF = gettext_noop("Writing the PDF file")
STEP_SAVING = gettext_noop("Saving the files")


class ProgressRecorder(RowWriter):
    """Writes the job's percentage and step to its GeneratedReport row as it goes; inside a caller's transaction
    through the caller's own connection (a side connection would not see the uncommitted row)."""

    def __init__(self, report_id, using=DEFAULT_DB_ALIAS):
        super().__init__(GeneratedReport, report_id, using)
        if connections[using].in_atomic_block and self.connection is not None:
            self.connection = None

    def __call__(self, percent, step):
        self.update(progress=percent, step=step)


def file_name(report, extension):
    """kind, subject, number and language: e.g. "centre-evaluation-ropazu-novads-12-lv.xlsx"."""
    subject = report.municipality or report.institution
    parts = [report.kind.replace("_", "-")]
    if subject is not None:
        parts.append(slugify(subject.name_lv))
    parts += [str(report.pk), report.language]
    return f"{'-'.join(part for part in parts if part)}.{extension}"


def build(report):
    """The document of `report`, in its language, as its requester (or its schedule's author) may see it."""
    kind = KINDS[report.kind]
    user = report.requested_by or (report.schedule.created_by if report.schedule_id else None)
    with translation.override(report.language):
        return kind.build(report.parameters, report.language, user)


def generate(report):
    """The Celery job's body: build the document once, write its three files to the row; status running → done,
    or failed with the error kept. A finished report is left as it is (a redelivered job does nothing)."""
    if not isinstance(report, GeneratedReport):
        report = GeneratedReport.objects.select_related("institution", "municipality", "schedule").get(pk=report)
    if report.is_finished:
        return report
    GeneratedReport.objects.filter(pk=report.pk).update(
        status=GeneratedStatus.RUNNING, started_at=timezone.now(), progress=0, step=STEP_COLLECTING, error=""
    )
    progress = ProgressRecorder(report.pk)
    kind = KINDS[report.kind]
    try:
        progress(5, STEP_COLLECTING)
        document = build(report)
        with translation.override(report.language):
            progress(40, STEP_XLSX)
            xlsx = (kind.render_xlsx or render_xlsx)(document)
            progress(60, STEP_CSV)
            csv_data, csv_extension = render_csv(document)
            progress(75, STEP_PDF)
            pdf = kind.render_pdf(document) if kind.render_pdf else render_pdf(document, report.language)
        progress(95, STEP_SAVING)
        names = {}
        for attribute, data, extension in (
            ("xlsx_file", xlsx, "xlsx"),
            ("csv_file", csv_data, csv_extension),
            ("pdf_file", pdf, "pdf"),
        ):
            stored = getattr(report, attribute)
            stored.save(file_name(report, extension), ContentFile(data), save=False)
            names[attribute] = stored.name
        outcome = {"status": GeneratedStatus.DONE, "progress": 100, "step": "", "title": document.title[:300], **names}
    except Exception as error:
        logger.exception("generated report %s failed", report.pk)
        outcome = {"status": GeneratedStatus.FAILED, "error": f"{type(error).__name__}: {error}"[:4000]}
    finally:
        progress.close()
    GeneratedReport.objects.filter(pk=report.pk).update(finished_at=timezone.now(), **outcome)
    report.refresh_from_db()
    return report


# --- schedules ------------------------------------------------------------------------------------------------------


def is_due(schedule, today):
    """Monthly: on or after its day, not yet run this month. Yearly: on or after its day of its month, not yet run
    this year."""
    if not schedule.active:
        return False
    last = schedule.last_run_on
    if schedule.frequency == Frequency.MONTHLY:
        return today.day >= schedule.day and not (last and (last.year, last.month) == (today.year, today.month))
    return (today.month, today.day) >= (schedule.month, schedule.day) and not (last and last.year == today.year)


def _latest_period(today):
    from vpvkac.models import ReportingPeriod

    return ReportingPeriod.objects.filter(last_day__lt=today).order_by("-last_day", "first_day").first()


def scheduled_parameters(schedule, today):
    """The schedule's parameters with the left-out ones filled: last year, the latest period that has ended."""
    parameters = dict(schedule.parameters)
    if schedule.kind == ReportKind.SERVICE_FIGURES:
        parameters.setdefault("year", today.year - 1)
    if schedule.kind == ReportKind.CENTRE_EVALUATION and "period" not in parameters:
        period = _latest_period(today)
        if period is not None:
            parameters["period"] = period.pk
    return parameters


def run_schedule(schedule, today):
    """The reports one schedule requests today: one, or one per municipality for an evaluation of them all."""
    parameters = scheduled_parameters(schedule, today)
    user = schedule.created_by
    if schedule.kind == ReportKind.CENTRE_EVALUATION and "municipality" not in parameters:
        if "period" not in parameters:
            return []
        return request_all_municipalities(parameters["period"], schedule.language, user=user, schedule=schedule)
    if any(name not in parameters for name in KINDS[schedule.kind].required):
        return []
    institution = Institution.objects.filter(pk=parameters.get("institution") or 0).first()
    municipality = Municipality.objects.filter(pk=parameters.get("municipality") or 0).first()
    return [
        request_report(
            schedule.kind,
            parameters,
            schedule.language,
            user=user,
            schedule=schedule,
            institution=institution,
            municipality=municipality,
        )
    ]


def run_due_schedules(today=None):
    """The daily beat job: request the reports of every schedule due today and mark them run. Returns the number
    of reports requested."""
    today = today or timezone.localdate()
    requested = 0
    for schedule in ReportSchedule.objects.filter(active=True).select_related("created_by"):
        if not is_due(schedule, today):
            continue
        with transaction.atomic():
            requested += len(run_schedule(schedule, today))
            ReportSchedule.objects.filter(pk=schedule.pk).update(last_run_on=today)
    return requested


def describe_parameters(report):
    """What a report is about, in words, for the lists: "2024", "Rōpažu novads, 2024", …"""
    parts = []
    if report.municipality_id:
        parts.append(report.municipality.name)
    if report.institution_id:
        parts.append(report.institution.name)
    for name in ("year",):
        if name in report.parameters:
            parts.append(str(report.parameters[name]))
    return ", ".join(parts)


__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "KINDS",
    "Document",
    "Sheet",
    "clean_parameters",
    "generate",
    "is_due",
    "render_csv",
    "render_pdf",
    "render_xlsx",
    "request_all_municipalities",
    "request_report",
    "run_due_schedules",
    "visible_reports",
]
