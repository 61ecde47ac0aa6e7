"""Pages of the bulk path for large figure files: upload, a status page with a progress bar, the error
report and the list of a user's imports. The work itself is services/bulk.py, run by services/tasks.py."""

from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from config.exports import csv_writer
from config.outbox import FIGURE_IMPORTS, status_label
from config.uploads import check_data_file

from .bulk import COLUMNS, first_report_rows, may_upload, visible_imports
from .models import BulkImport, ImportKind

ACCEPTED_SUFFIXES = (".csv", ".xlsx")
TEMPLATE_EXAMPLE = (
    "VP-0001",
    "VID",
    "2024",
    "year",
    "0",
    "portal",
    "1200",
    "1150",
    "80",
    "12.5",
    "95",
    "4.350",
    "1",
    "5",
)


def column_help():
    """What each column of a figures file holds, for the upload page."""
    return [
        ("service", _("Catalogue identifier of the service."), True),
        ("provider", _("Short name of the providing institution; it must be one you may edit."), True),
        ("year", _("Year of the figures."), True),
        ("period_type", _("year, quarter or month; empty means year."), False),
        ("period_number", _("0 for a year, 1–4 for a quarter, 1–12 for a month."), False),
        ("channel", _("Channel code, e.g. portal, phone, institution_in_person."), True),
        ("started", _("Applications started."), False),
        ("completed", _("Applications completed; not more than started where started is given."), True),
        ("consultations", _("Consultations."), False),
        ("client_minutes", _("Client minutes per case, one decimal place."), False),
        ("satisfaction_responses", _("Number of satisfaction responses."), False),
        ("satisfaction_mean", _("Mean rating, inside the rating scale."), False),
        ("rating_scale_min", _("Lowest value of the rating scale."), False),
        ("rating_scale_max", _("Highest value of the rating scale."), False),
    ]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Figures file"),
        help_text=gettext_lazy("CSV (UTF-8, comma- or semicolon-separated) or Excel .xlsx, with a header row."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(_("Send a .csv or .xlsx file."))
        return check_data_file(upload, ACCEPTED_SUFFIXES)


@login_required
def bulk_upload(request):
    if not may_upload(request.user):
        raise PermissionDenied(_("Uploading figures needs an institution you may edit."))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        bulk_import = BulkImport.objects.create(
            kind=ImportKind.FIGURES,
            file=upload,
            original_name=upload.name[:255],
            uploaded_by=request.user,
            language=get_language() or "",
        )
        FIGURE_IMPORTS.send_on_commit(bulk_import)  # the worker must find the row and its file
        return redirect("services:bulk-detail", pk=bulk_import.pk)
    return render(
        request,
        "services/bulk/upload.html",
        {"form": form, "columns": column_help()},
        status=400 if form.errors else 200,
    )


@login_required
def bulk_list(request):
    imports = visible_imports(request.user).select_related("uploaded_by")
    page = Paginator(imports, 50).get_page(request.GET.get("page"))
    return render(request, "services/bulk/list.html", {"page": page, "may_upload": may_upload(request.user)})


def _visible_import(request, pk):
    return get_object_or_404(visible_imports(request.user).select_related("uploaded_by"), pk=pk)


def progress_of(bulk_import):
    """The figures the status page and its JSON endpoint show."""
    total = bulk_import.total_rows
    percent = None
    if bulk_import.is_finished:
        percent = 100
    elif total:
        percent = min(100, round(100 * bulk_import.processed_rows / total))
    return {
        "status": bulk_import.status,
        "status_label": status_label(bulk_import),
        "finished": bulk_import.is_finished,
        "processed_rows": bulk_import.processed_rows,
        "total_rows": total,
        "percent": percent,
        "error_count": bulk_import.error_count,
        "created": bulk_import.created_count,
        "updated": bulk_import.updated_count,
        "unchanged": bulk_import.unchanged_count,
    }


@login_required
def bulk_detail(request, pk):
    bulk_import = _visible_import(request, pk)
    return render(
        request,
        "services/bulk/detail.html",
        {
            "bulk_import": bulk_import,
            "progress": progress_of(bulk_import),
            "first_errors": first_report_rows(bulk_import),
        },
    )


@login_required
def bulk_status(request, pk):
    return JsonResponse(progress_of(_visible_import(request, pk)))


@login_required
def bulk_errors(request, pk):
    bulk_import = _visible_import(request, pk)
    if not bulk_import.error_report:
        raise Http404(_("This import has no error report."))
    return FileResponse(
        bulk_import.error_report.open("rb"),
        as_attachment=True,
        filename=f"errors-{bulk_import.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )


@login_required
def bulk_template(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="service-figures-template.csv"'
    writer = csv_writer(response)
    writer.writerow(COLUMNS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return response


# services/urls.py includes these under catalogue/imports/, in the "services" namespace.
bulk_urlpatterns = [
    path("", bulk_list, name="bulk-list"),
    path("upload/", bulk_upload, name="bulk-upload"),
    path("template.csv", bulk_template, name="bulk-template"),
    path("<int:pk>/", bulk_detail, name="bulk-detail"),
    path("<int:pk>/status/", bulk_status, name="bulk-status"),
    path("<int:pk>/errors.csv", bulk_errors, name="bulk-errors"),
]
