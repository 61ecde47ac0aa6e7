"""The centre operators' pages: the one-day figures form, the import of a queue system's export with its job
page, and the download of a centre's figures in the import's layout. The writing is vpvkac/bulk.py's: the form
calls save_day (all or nothing), the upload start_import (the Celery task runs run_contact_import).

A centre the user may not see does not exist for them (404); one they may see but not record figures for
answers 403."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.exports import csv_writer, neutralise_row
from institutions.models import Institution
from services.bulk import first_report_rows
from services.bulk_views import progress_of

from .. import bulk
from ..forms import ContactUploadForm, DayChoiceForm, DayFormSet, MonthForm
from ..models import Centre, ContactFigure
from ..resources import COLUMNS, contact_rows, format_error, header_names
from ..scoping import can_edit_centre, editable_centres, visible_centres
from .common import render_page

DAY_PREFIX = "rows"
TEMPLATE_EXAMPLE = ("2024-03-04", "", "10", "centre-code", "VID", "", "service", "institution", "natural", "12")


def editable_centre(request, code):
    """The centre of `code` if the user may record its figures: 404 when they may not see it, 403 when they may
    only read it."""
    centre = get_object_or_404(visible_centres(request.user, Centre.objects.select_related("municipality")), code=code)
    if not can_edit_centre(request.user, centre):
        raise PermissionDenied(_("You may read this centre's figures but not record them."))
    return centre


def row_institutions(centre, rows):
    """The institutions a row may name: those with a desk at the centre, and any already in the day's rows."""
    named = {row["institution"].pk for row in rows if row.get("institution")}
    return (
        Institution.objects.filter(Q(vpvkac_desks__centre=centre) | Q(pk__in=named)).distinct().order_by("short_name")
    )


def initial_rows(rows):
    """bulk.day_rows as the form's initial values (the service by its catalogue identifier)."""
    return [
        {**row, "service": row["service"].catalogue_id if row.get("service") else "", "client_type": row["client_type"]}
        for row in rows
    ]


def apply_errors(error, day_form, formset, kept):
    """Put save_day's errors on the form and row they name. save_day numbers the rows it was given (the rows
    kept); the page numbers every row shown, so the message is told again with the row's number on the page."""
    fields = {"hour", "institution", "service", "contact_type", "staff_type", "client_type", "count"}
    for item in error.error_list:
        params = item.params or {}
        row, column = params.get("row"), params.get("column")
        message = str(item.message)
        if not row:
            day_form.add_error("date" if column == "date" else None, message)
            continue
        if not 1 <= row <= len(kept):
            day_form.add_error(None, message)
            continue
        form = kept[row - 1]
        prefix = format_error(row, column, "")
        if message.startswith(prefix):
            message = format_error(formset.forms.index(form) + 1, column, message[len(prefix) :])
        form.add_error(column if column in fields else None, message)


def error_summary(day_form, formset):
    """(input id, what, message) of every error: the day's, then each row's by its number on the page."""
    summary = [(day_form["date"].auto_id, _("Day"), message) for message in day_form.errors.get("date", [])]
    summary += [("", _("Day"), message) for message in day_form.non_field_errors()]
    for number, form in enumerate(formset.forms, start=1):
        for name, messages_ in form.errors.items():
            if name == "__all__":
                summary += [("", _("Row %(row)s") % {"row": number}, message) for message in messages_]
                continue
            label = form.fields[name].label
            summary += [
                (form[name].auto_id, _("Row %(row)s, %(field)s") % {"row": number, "field": label}, message)
                for message in messages_
            ]
    summary += [("", _("Rows"), message) for message in formset.non_form_errors()]
    return summary


@login_required
@require_http_methods(["GET", "POST"])
def day_entry(request, code):
    """One centre and one day: every row of the day's figures; saving makes the day exactly these rows."""
    centre = editable_centre(request, code)
    source = request.POST if request.method == "POST" else (request.GET if "date" in request.GET else None)
    day_form = DayChoiceForm(source, initial={"date": timezone.localdate()})
    day = day_form.cleaned_data["date"] if day_form.is_bound and day_form.is_valid() else timezone.localdate()
    stored = bulk.day_rows(centre, day)
    institutions = row_institutions(centre, stored)
    if request.method == "POST":
        formset = DayFormSet(request.POST, prefix=DAY_PREFIX, institutions=institutions, initial=initial_rows(stored))
        if day_form.is_valid() and formset.is_valid():
            kept = formset.kept_forms()
            try:
                result = bulk.save_day(request.user, centre, day, [form.as_row() for form in kept])
            except ValidationError as error:
                apply_errors(error, day_form, formset, kept)
            except IntegrityError:
                day_form.add_error(None, _("The figures could not be saved because they conflict with other data."))
            else:
                messages.success(
                    request,
                    _("The figures of %(day)s were saved: %(created)s new, %(updated)s changed, %(deleted)s removed.")
                    % {
                        "day": day.isoformat(),
                        "created": result.created,
                        "updated": result.updated,
                        "deleted": result.deleted,
                    },
                )
                return redirect(
                    reverse("vpvkac:centre-detail", kwargs={"code": centre.code}) + f"?month={day:%Y-%m}#day-figures"
                )
        summary = error_summary(day_form, formset)
    else:
        formset = DayFormSet(prefix=DAY_PREFIX, institutions=institutions, initial=initial_rows(stored))
        summary = []
    return render_page(
        request,
        "vpvkac/day_entry.html",
        {
            "centre": centre,
            "day": day,
            "day_form": day_form,
            "formset": formset,
            "error_summary": summary,
            "stored_count": len(stored),
        },
        status=400 if summary else 200,
    )


# --- the download of a centre's figures in the import layout ---------------------------------------------------


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def contact_export(request, code):
    """A month of the centre's figures (its single days) in the layout the import reads: CSV, or XLSX."""
    centre = get_object_or_404(visible_centres(request.user), code=code)
    form = MonthForm(request.GET or None, periods=[])
    year, month = form.chosen_month()
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    figures = ContactFigure.objects.filter(centre=centre, date__gte=first, date__lt=following)
    name = f"vpvkac-contacts-{centre.code}-{year:04d}-{month:02d}"
    if request.GET.get("format") == "xlsx":
        import tablib

        rows = contact_rows(figures)
        dataset = tablib.Dataset(headers=neutralise_row(next(rows)))
        for row in rows:
            dataset.append(neutralise_row(row))
        response = HttpResponse(
            dataset.export("xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    writer = csv_writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in contact_rows(figures)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- imports ----------------------------------------------------------------------------------------------------


def column_help():
    """What each column of a contact figures file holds, for the upload page."""
    english, latvian = header_names("en"), header_names("lv")
    described = {
        "date": (_("The day, YYYY-MM-DD or DD.MM.YYYY."), True),
        "date_to": (_("Only for a total over several days: its last day (then no hour)."), False),
        "hour": (_("The hour slot 0–23 (also 9:00 or 09:00–10:00); empty: a total of the whole day."), False),
        "centre": (_("The centre's code; it must be a centre you record figures for."), True),
        "institution": (_("The short name of the state institution served for (VID, VSAA, …)."), False),
        "service": (_("The catalogue identifier of the service, when known."), False),
        "contact_type": (_("service, consultation, call, email or assisted_eservice."), True),
        "staff_type": (_("municipal or institution: who served the client."), True),
        "client_type": (_("natural or legal; empty: not recorded."), False),
        "count": (_("How many contacts: a whole number, 0 or more."), True),
    }
    return [(english[index], latvian[index], *described[column]) for index, column in enumerate(COLUMNS)]


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    if not bulk.may_upload(request.user):
        raise PermissionDenied(_("Importing contact figures needs a centre you may record figures for."))
    form = ContactUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        contact_import = bulk.start_import(form.cleaned_data["file"], request.user, language=get_language())
        return redirect("vpvkac:import-detail", pk=contact_import.pk)
    return render_page(
        request,
        "vpvkac/import_upload.html",
        {"form": form, "columns": column_help(), "centres": editable_centres(request.user).order_by("name")},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def import_list(request):
    imports = bulk.visible_imports(request.user).select_related("uploaded_by")
    page = Paginator(imports, 50).get_page(request.GET.get("page"))
    return render_page(request, "vpvkac/import_list.html", {"page": page, "may_upload": bulk.may_upload(request.user)})


def _visible_import(request, pk):
    return get_object_or_404(bulk.visible_imports(request.user).select_related("uploaded_by"), pk=pk)


@login_required
@require_GET
def import_detail(request, pk):
    contact_import = _visible_import(request, pk)
    return render_page(
        request,
        "vpvkac/import_detail.html",
        {
            "contact_import": contact_import,
            "progress": progress_of(contact_import),
            "first_errors": first_report_rows(contact_import),
        },
    )


@login_required
@require_GET
def import_status(request, pk):
    return JsonResponse(progress_of(_visible_import(request, pk)))


@login_required
@require_GET
def import_errors(request, pk):
    contact_import = _visible_import(request, pk)
    if not contact_import.error_report:
        raise Http404(_("This import has no error report."))
    return FileResponse(
        contact_import.error_report.open("rb"),
        as_attachment=True,
        filename=f"contact-errors-{contact_import.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )


@login_required
@require_GET
def import_template(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contact-figures-template.csv"'
    writer = csv_writer(response)
    writer.writerow(header_names(get_language()))
    example = list(TEMPLATE_EXAMPLE)
    centre = editable_centres(request.user).order_by("code").first()
    if centre is not None:
        example[COLUMNS.index("centre")] = centre.code
    writer.writerow(example)
    return response
