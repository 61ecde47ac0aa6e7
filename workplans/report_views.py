"""Pages of the plan execution reports and the Annex 2 import.

Reports are about national plans: every signed-in user reads the list and downloads the files; only the
coordinator requests one (workplans/report.py generates it in a Celery job). The Annex 2 work-plan import is the
coordinator's (workplans/resources.py).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.outbox import status_label
from config.uploads import check_data_file
from institutions.resources import ImportRejected

from . import resources
from .models import ExecutionReport, Plan, ReportStatus
from .report import CONTENT_TYPES, FORMATS, file_name, request_report


class ReportRequestForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.order_by("order", "-start_year"), label=gettext_lazy("Plan"))
    language = forms.ChoiceField(choices=settings.LANGUAGES, label=gettext_lazy("Language"))


class Annex2UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Work-plan file (Annex 2)"),
        help_text=gettext_lazy("Excel .xlsx with a header row; see the template for the columns."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Send an .xlsx file."))
        return check_data_file(upload, (".xlsx",))


def require_coordinator(user, message):
    if not user.is_coordinator:
        raise PermissionDenied(message)


def report_progress(report, user):
    """What the report page shows of the job, and its JSON status endpoint returns; the error text is the
    coordinator's."""
    return {
        "id": report.pk,
        "status": report.status,
        "status_label": status_label(report),
        "finished": report.is_finished,
        "percent": 100 if report.status == ReportStatus.DONE else report.progress,
        "step": _(report.step) if report.step else "",
        "error": report.error if report.status == ReportStatus.FAILED and user.is_coordinator else "",
    }


def _list_page(request, form, status=200):
    reports = ExecutionReport.objects.select_related("plan", "requested_by")
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    return render(request, "workplans/reports/list.html", {"page": page, "form": form}, status=status)


@login_required
@require_GET
def report_list(request):
    """Every generated report; the coordinator's form to request one."""
    form = ReportRequestForm(initial={"language": get_language()}) if request.user.is_coordinator else None
    return _list_page(request, form)


@login_required
@require_POST
def report_request(request):
    require_coordinator(request.user, _("Only the coordinator may request a plan execution report."))
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    report = request_report(form.cleaned_data["plan"], form.cleaned_data["language"], user=request.user)
    messages.success(request, _("Report %(number)s was requested.") % {"number": report.pk})
    return redirect("workplans:report-detail", pk=report.pk)


def _report(pk):
    return get_object_or_404(ExecutionReport.objects.select_related("plan", "requested_by"), pk=pk)


@login_required
@require_GET
def report_detail(request, pk):
    report = _report(pk)
    files = [(file_format, file_format.upper()) for file_format in FORMATS if getattr(report, f"{file_format}_file")]
    return render(
        request,
        "workplans/reports/detail.html",
        {"report": report, "progress": report_progress(report, request.user), "files": files},
    )


@login_required
@require_GET
def report_status(request, pk):
    return JsonResponse(report_progress(_report(pk), request.user))


@login_required
@require_GET
def report_download(request, pk, fmt):
    if fmt not in FORMATS:
        raise Http404(_("Unknown file format."))
    report = _report(pk)
    stored = getattr(report, f"{fmt}_file")
    if report.status != ReportStatus.DONE or not stored or not stored.storage.exists(stored.name):
        raise Http404(_("This report has no such file."))
    return FileResponse(
        stored.open("rb"), as_attachment=True, filename=file_name(report, fmt), content_type=CONTENT_TYPES[fmt]
    )


# --- Annex 2 ---------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def annex2_import(request):
    """The coordinator uploads the Annex 2 work-plan file: the counts of what it created and updated, or every
    error with its row and column (and nothing written)."""
    require_coordinator(request.user, _("Only the coordinator may import the work plan."))
    form = Annex2UploadForm(request.POST or None, request.FILES or None)
    outcome, errors = None, []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = resources.import_annex2(form.cleaned_data["file"].read())
        except ImportRejected as rejected:
            errors = rejected.errors
    status = 400 if (form.errors or errors) else 200
    return render(
        request,
        "workplans/reports/annex2_import.html",
        {"form": form, "outcome": outcome, "errors": errors, "columns": resources.column_guide()},
        status=status,
    )


@login_required
@require_GET
def annex2_template(request):
    require_coordinator(request.user, _("Only the coordinator may import the work plan."))
    response = HttpResponse(resources.template_file(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="annex2-work-plan-template.xlsx"'
    return response
