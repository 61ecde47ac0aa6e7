"""Pages of the report centre: the list of generated reports with their progress, the request form, a report's
page with its downloads, and the coordinator's schedules. Who sees and requests what is decided in
reports/report_centre.py (visible_reports, requestable_*); a report outside the reader's scope is 404."""

import django_tables2 as tables
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.exports import export_response
from config.outbox import status_label
from institutions.models import Institution, Municipality
from institutions.tables import BaseTable

from . import report_centre
from .models import Frequency, GeneratedReport, GeneratedStatus, ReportKind, ReportSchedule

# --- tables --------------------------------------------------------------------------------------------------------


def person(user):
    return (user.get_full_name() or user.username) if user else "—"


class GeneratedReportTable(BaseTable):
    caption = gettext_lazy("Generated reports")

    class Meta(BaseTable.Meta):
        per_page = 25

    pk = tables.Column(verbose_name="#", orderable=False)
    kind = tables.Column(verbose_name=gettext_lazy("Report"), orderable=False)
    subject = tables.Column(verbose_name=gettext_lazy("About"), empty_values=(), orderable=False)
    language = tables.Column(verbose_name=gettext_lazy("Language"), orderable=False)
    requested_by = tables.Column(verbose_name=gettext_lazy("Requested by"), empty_values=(), orderable=False)
    created_at = tables.DateTimeColumn(verbose_name=gettext_lazy("Requested"), short=True, orderable=False)
    finished_at = tables.DateTimeColumn(verbose_name=gettext_lazy("Finished"), short=True, orderable=False)
    status = tables.Column(verbose_name=gettext_lazy("Status"), orderable=False)

    def render_pk(self, value):
        return format_html('<a href="{}">{}</a>', reverse("reports:centre-detail", args=[value]), value)

    def value_pk(self, value):
        return value

    def render_kind(self, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("reports:centre-detail", args=[record.pk]), record.get_kind_display()
        )

    def value_kind(self, record):
        return record.get_kind_display()

    def render_subject(self, record):
        return report_centre.describe_parameters(record) or record.title

    def render_requested_by(self, record):
        return person(record.requested_by) if record.requested_by_id else _("Schedule")

    def render_status(self, record):
        if record.is_finished:
            return record.get_status_display()
        return format_html(
            '<span class="report-progress" data-status-url="{}"><progress max="100" value="{}">{} %</progress> '
            '<span class="report-progress__label">{} {} %</span></span>',
            reverse("reports:centre-status", args=[record.pk]),
            record.progress,
            record.progress,
            record.get_status_display(),
            record.progress,
        )

    def value_status(self, record):
        return record.get_status_display()


class ReportScheduleTable(BaseTable):
    caption = gettext_lazy("Report schedules")

    class Meta(BaseTable.Meta):
        per_page = None

    kind = tables.Column(verbose_name=gettext_lazy("Report"), orderable=False)
    parameters = tables.Column(verbose_name=gettext_lazy("Parameters"), orderable=False)
    frequency = tables.Column(verbose_name=gettext_lazy("Frequency"), orderable=False)
    when = tables.Column(verbose_name=gettext_lazy("When"), empty_values=(), orderable=False)
    language = tables.Column(verbose_name=gettext_lazy("Language"), orderable=False)
    active = tables.BooleanColumn(verbose_name=gettext_lazy("Active"), orderable=False)
    last_run_on = tables.DateColumn(verbose_name=gettext_lazy("Last run on"), short=True, orderable=False)
    created_by = tables.Column(verbose_name=gettext_lazy("Created by"), empty_values=(), orderable=False)

    def render_parameters(self, value):
        return ", ".join(f"{name}={item}" for name, item in sorted(value.items())) or "—"

    def render_when(self, record):
        if record.frequency == Frequency.MONTHLY:
            return _("Day {day} of every month").format(day=record.day)
        return _("Every year on {day}.{month:02d}.").format(day=record.day, month=record.month)

    def render_created_by(self, record):
        return person(record.created_by)


# --- forms ---------------------------------------------------------------------------------------------------------


class ParameterFields(forms.Form):
    """The parameters of every kind; each kind reads the ones it needs (report_centre.KINDS[kind].required)."""

    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2000, max_value=2100)
    institution = forms.ModelChoiceField(queryset=Institution.objects.none(), required=False)
    plan = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Plan"))
    round = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("E-index round"))
    period = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("VPVKAC reporting period"))
    municipality = forms.ModelChoiceField(queryset=Municipality.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        from assessments.models import Round
        from vpvkac.models import ReportingPeriod
        from workplans.models import Plan

        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["institution"].queryset = report_centre.requestable_institutions(user).order_by("name_lv")
        self.fields["institution"].label = gettext_lazy("Institution")
        self.fields["municipality"].queryset = report_centre.requestable_municipalities(user).order_by("name_lv")
        self.fields["municipality"].label = gettext_lazy("Municipality")
        self.fields["plan"].queryset = Plan.objects.order_by("order", "-start_year")
        self.fields["round"].queryset = Round.objects.order_by("-year", "-opened_at")
        self.fields["period"].queryset = ReportingPeriod.objects.all()

    def parameters(self):
        data = self.cleaned_data
        values = {
            "year": data.get("year"),
            "institution": data["institution"].pk if data.get("institution") else None,
            "plan": data["plan"].pk if data.get("plan") else None,
            "round": data["round"].pk if data.get("round") else None,
            "period": data["period"].pk if data.get("period") else None,
            "municipality": data["municipality"].pk if data.get("municipality") else None,
        }
        return {name: value for name, value in values.items() if value is not None}


class ReportRequestForm(ParameterFields):
    kind = forms.ChoiceField(label=gettext_lazy("Report"))
    language = forms.ChoiceField(choices=settings.LANGUAGES, label=gettext_lazy("Language"))
    all_municipalities = forms.BooleanField(
        label=gettext_lazy("All municipalities (one evaluation each)"), required=False
    )
    field_order = ["kind", "language", "year", "institution", "plan", "round", "period", "municipality"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in report_centre.requestable_kinds(user)]
        if not user.is_coordinator:
            for name in ("plan", "round", "all_municipalities"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        parameters = self.parameters()
        if cleaned.get("all_municipalities") and cleaned.get("kind") == ReportKind.CENTRE_EVALUATION:
            if "period" not in parameters:
                raise ValidationError(_("Choose the reporting period."))
            self.scope = (parameters, None, None)
            return cleaned
        self.scope = report_centre.clean_parameters(cleaned["kind"], parameters, self.user)
        return cleaned


class ScheduleForm(ParameterFields):
    kind = forms.ChoiceField(choices=ReportKind.choices, label=gettext_lazy("Report"))
    frequency = forms.ChoiceField(choices=Frequency.choices, label=gettext_lazy("Frequency"))
    day = forms.IntegerField(label=gettext_lazy("Day of the month"), min_value=1, max_value=28, initial=1)
    month = forms.IntegerField(label=gettext_lazy("Month (yearly schedules)"), min_value=1, max_value=12, initial=1)
    language = forms.ChoiceField(choices=settings.LANGUAGES, label=gettext_lazy("Language"))
    field_order = ["kind", "frequency", "day", "month", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].help_text = gettext_lazy("Empty: the year before the one the report is made in.")
        self.fields["period"].help_text = gettext_lazy("Empty: the latest period that has ended.")
        self.fields["municipality"].help_text = gettext_lazy("Empty: every municipality, one evaluation each.")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ReportKind.PLAN_EXECUTION and not cleaned.get("plan"):
            raise ValidationError(_("Choose the plan."))
        if kind == ReportKind.ASSESSMENT_ROUND and not cleaned.get("round"):
            raise ValidationError(_("Choose the E-index round."))
        return cleaned


# --- pages ---------------------------------------------------------------------------------------------------------


def _report(user, pk):
    queryset = GeneratedReport.objects.select_related("requested_by", "institution", "municipality", "schedule")
    return get_object_or_404(report_centre.visible_reports(user, queryset), pk=pk)


def report_progress(report, user):
    """What the page shows of the job, and its JSON status endpoint returns; the error text is the
    coordinator's."""
    return {
        "id": report.pk,
        "status": report.status,
        "status_label": status_label(report),
        "finished": report.is_finished,
        "percent": 100 if report.status == GeneratedStatus.DONE else report.progress,
        "step": _(report.step) if report.step else "",
        "error": report.error if report.status == GeneratedStatus.FAILED and user.is_coordinator else "",
    }


def _centre_page(request, form, status=200):
    reports = report_centre.visible_reports(request.user).select_related("requested_by", "institution", "municipality")
    kind = request.GET.get("kind")
    if kind in ReportKind.values:
        reports = reports.filter(kind=kind)
    table = GeneratedReportTable(reports)
    export = export_response(request, table, "generated-reports")
    if export is not None:
        return export
    table.paginate(page=request.GET.get("page", 1), per_page=25)
    unfinished = reports.exclude(status__in=[GeneratedStatus.DONE, GeneratedStatus.FAILED]).exists()
    context = {"table": table, "form": form, "kinds": ReportKind.choices, "kind": kind, "unfinished": unfinished}
    return render(request, "reports/centre/list.html", context, status=status)


@login_required
@require_GET
def centre(request):
    """The reports the reader may see, newest first, with the form to request one."""
    form = None
    if report_centre.requestable_kinds(request.user):
        form = ReportRequestForm(user=request.user, initial={"language": get_language()})
    return _centre_page(request, form)


@login_required
@require_POST
def centre_request(request):
    if not report_centre.requestable_kinds(request.user):
        raise PermissionDenied(_("You may not request reports."))
    form = ReportRequestForm(request.POST, user=request.user)
    if not form.is_valid():
        return _centre_page(request, form, status=400)
    kind, language = form.cleaned_data["kind"], form.cleaned_data["language"]
    parameters, institution, municipality = form.scope
    if form.cleaned_data.get("all_municipalities") and kind == ReportKind.CENTRE_EVALUATION:
        requested = report_centre.request_all_municipalities(parameters["period"], language, user=request.user)
        messages.success(request, _("{count} reports were requested.").format(count=len(requested)))
        return redirect("reports:centre")
    report = report_centre.request_report(
        kind, parameters, language, user=request.user, institution=institution, municipality=municipality
    )
    messages.success(request, _("Report {number} was requested.").format(number=report.pk))
    return redirect("reports:centre-detail", pk=report.pk)


@login_required
@require_GET
def centre_detail(request, pk):
    report = _report(request.user, pk)
    files = []
    if report.status == GeneratedStatus.DONE:
        files = [(fmt, fmt.upper()) for fmt in report_centre.FORMATS if getattr(report, f"{fmt}_file")]
    context = {
        "report": report,
        "progress": report_progress(report, request.user),
        "files": files,
        "subject": report_centre.describe_parameters(report),
    }
    return render(request, "reports/centre/detail.html", context)


@login_required
@require_GET
def centre_status(request, pk):
    return JsonResponse(report_progress(_report(request.user, pk), request.user))


@login_required
@require_GET
def centre_download(request, pk, fmt):
    if fmt not in report_centre.FORMATS:
        raise Http404(_("Unknown file format."))
    report = _report(request.user, pk)
    stored = getattr(report, f"{fmt}_file")
    if report.status != GeneratedStatus.DONE or not stored or not stored.storage.exists(stored.name):
        raise Http404(_("This report has no such file."))
    extension = stored.name.rsplit(".", 1)[-1]
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=report_centre.file_name(report, extension),
        content_type=report_centre.CONTENT_TYPES[extension],
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedules(request):
    """The coordinator's schedules and the form to add one."""
    if not request.user.is_coordinator:
        raise PermissionDenied(_("Only the coordinator may schedule reports."))
    form = ScheduleForm(request.POST or None, user=request.user, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ReportSchedule.objects.create(
            kind=data["kind"],
            parameters=form.parameters(),
            frequency=data["frequency"],
            day=data["day"],
            month=data["month"],
            language=data["language"],
            created_by=request.user,
        )
        messages.success(request, _("The schedule was saved."))
        return redirect("reports:centre-schedules")
    table = ReportScheduleTable(ReportSchedule.objects.select_related("created_by"))
    export = export_response(request, table, "report-schedules")
    if export is not None:
        return export
    status = 400 if form.errors else 200
    return render(request, "reports/centre/schedules.html", {"table": table, "form": form}, status=status)
