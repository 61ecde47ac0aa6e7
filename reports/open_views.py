"""The open data pages, open to everyone: the data catalogue (/open/, with its DCAT-AP metadata as JSON-LD), one page
per data set with its fields, filters, a preview of the rows and a chart where figures are compared, the downloads
of the filtered rows (CSV, JSON, XLSX), the catalogue as DCAT-AP JSON-LD and the service catalogue as CPSV-AP 3.

The data sets, their fields and filters are defined in reports/open_data.py; the downloads and JSON-LD documents
carry an ETag and a Last-Modified header and answer a conditional request with 304, like the open API.
"""

import json
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import localize, number_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from openpyxl import Workbook
from rest_framework.utils.encoders import JSONEncoder

from config.exports import csv_writer, neutralise_row
from institutions.forms import present_filter_form
from reports.charts import Series, bar_chart, line_chart, number_formatter, percent_formatter

from .open_data import (
    ALL_CHANNELS,
    DATASETS,
    EINDEX_RESULTS,
    LICENCE_IRI,
    LICENCE_NAME,
    LICENCE_URL,
    SERVICE_FIGURES,
    SERVICES,
    VPVKAC_CENTRES,
    VPVKAC_FIGURES,
    FieldType,
    FigureLevel,
    all_freshness,
    cache_headers,
    cell,
    combined_freshness,
    dcat_catalogue,
    not_modified,
    public_cpsv,
    variant_of,
)

PREVIEW_ROWS = 25
JSON_LD = "application/ld+json; charset=utf-8"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Characters that would end a <script> element or start markup, escaped inside the JSON-LD of a page.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _dataset_or_404(dataset_id):
    dataset = DATASETS.get(dataset_id)
    if dataset is None:
        raise Http404(_("There is no such open data set."))
    return dataset


def _with_headers(response, headers):
    for name, value in headers.items():
        response[name] = value
    return response


def json_ld_script(document):
    """A JSON-LD document as the safe content of a <script type="application/ld+json"> element."""
    return mark_safe(json.dumps(document, ensure_ascii=False, indent=1).translate(SCRIPT_ESCAPES))


# --- the catalogue page -------------------------------------------------------------------------------------------


@require_safe
def catalogue(request):
    freshness = all_freshness()
    document = dcat_catalogue(request, freshness)
    entries = [{"dataset": dataset, "modified": freshness[dataset.id].last_modified} for dataset in DATASETS.values()]
    return render(
        request,
        "reports/open/catalogue.html",
        {
            "entries": entries,
            "jsonld": json_ld_script(document),
            "licence_name": LICENCE_NAME,
            "licence_url": LICENCE_URL,
        },
    )


# --- one data set's page ------------------------------------------------------------------------------------------


def display(value, definition):
    """A value as the preview shows it: localised numbers and dates, yes/no, lists joined, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "—"
    if isinstance(value, Decimal):
        decimals = max(-value.as_tuple().exponent, 0)
        return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if isinstance(value, int) and definition.type == FieldType.INTEGER and definition.name not in ("year", "round"):
        return number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, datetime):
        return localize(timezone.localtime(value))
    if isinstance(value, date):
        return localize(value)
    return value


def _preview(dataset, selection, page_number, freshness):
    """The page of preview rows and, for a roll-up, every row (charts read them)."""
    if dataset.per_object:
        page = Paginator(selection.queryset, PREVIEW_ROWS).get_page(page_number)
        return page, dataset.rows_of(page.object_list), None
    rows = dataset.rows(selection, freshness)
    page = Paginator(rows, PREVIEW_ROWS).get_page(page_number)
    return page, list(page.object_list), rows


def _figures_chart(selection, rows):
    national = sorted(
        (row for row in rows if row["level"] == FigureLevel.NATIONAL and row["channel"] == ALL_CHANNELS),
        key=lambda row: row["year"],
    )
    if not national:
        return None
    return line_chart(
        _("Digital share of completed transactions, whole country"),
        [str(row["year"]) for row in national],
        [Series(_("Digital share"), [row["digital_share"] and float(row["digital_share"]) for row in national])],
        category_label=_("Year"),
        formatter=percent_formatter(1),
        max_value=1,
    )


def _eindex_chart(selection, rows):
    counts = dict(
        selection.queryset.filter(area__isnull=True, level__isnull=False)
        .values_list("level")
        .annotate(count=Count("pk"))
        .order_by()
    )
    if not counts:
        return None
    levels = range(1, 6)
    return bar_chart(
        _("Organisations by maturity level of the overall score"),
        [str(level) for level in levels],
        [counts.get(level, 0) for level in levels],
        category_label=_("Level"),
        value_label=_("Organisations"),
    )


def _vpvkac_chart(selection, rows):
    latest = selection.queryset.values_list("period_id", flat=True).first()
    if latest is None:
        return None
    figures = (
        selection.queryset.filter(period_id=latest, cost_per_service__isnull=False)
        .order_by("-cost_per_service", "municipality__code")
        .values_list("municipality__name_lv", "municipality__name_en", "cost_per_service", "period__code")
    )
    figures = list(figures[:50])
    if not figures:
        return None
    english = (get_language() or "lv").startswith("en")
    return bar_chart(
        _("Cost per service by municipality, period {period} (EUR)").format(period=figures[0][3]),
        [(name_en or name_lv) if english else name_lv for name_lv, name_en, _value, _period in figures],
        [float(value) for _lv, _en, value, _period in figures],
        category_label=_("Municipality"),
        value_label=_("Cost per service (EUR)"),
        formatter=number_formatter(2),
    )


CHARTS = {SERVICE_FIGURES.id: _figures_chart, EINDEX_RESULTS.id: _eindex_chart, VPVKAC_FIGURES.id: _vpvkac_chart}
# Short code lists read better as check boxes than as a multiple select.
CHECKBOX_FIELDS = {SERVICES.id: ("kind", "level", "status"), VPVKAC_CENTRES.id: ("tier", "status")}


@require_safe
def dataset_page(request, dataset_id):
    dataset = _dataset_or_404(dataset_id)
    selection = dataset.select(request.GET, request)
    present_filter_form(selection.filterset.form, CHECKBOX_FIELDS.get(dataset.id, ()))
    freshness = dataset.freshness()
    page = rows = chart = None
    if selection.is_valid:
        page, rows, all_rows = _preview(dataset, selection, request.GET.get("page"), freshness)
        build_chart = CHARTS.get(dataset.id)
        chart = build_chart(selection, all_rows) if build_chart else None
    definitions = {item.name: item for item in dataset.fields}
    columns = [definitions[name] for name in dataset.preview]
    table = [
        [(display(row[item.name], item), item.type in (FieldType.INTEGER, FieldType.DECIMAL)) for item in columns]
        for row in rows or []
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/open/dataset.html",
        {
            "dataset": dataset,
            "filter": selection.filterset,
            "filters_active": any(value for key, value in query.items() if key in selection.filterset.filters),
            "page_obj": page,
            "columns": columns,
            "table": table,
            "chart": chart,
            "query": query.urlencode(),
            "freshness": freshness,
            "licence_name": LICENCE_NAME,
            "licence_url": LICENCE_URL,
            "is_services": dataset is SERVICES,
        },
    )


# --- downloads --------------------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns what it is given: csv.writer then yields lines to stream."""

    def write(self, value):
        return value


def _csv(dataset, selection):
    writer = csv_writer(_Echo())
    names = dataset.field_names

    def lines():
        yield writer.writerow(names)
        for row in dataset.iter_rows(selection):
            yield writer.writerow([cell(row[name]) for name in names])

    return StreamingHttpResponse(lines(), content_type=CONTENT_TYPES["csv"])


def _json(dataset, selection, freshness):
    rows = list(dataset.iter_rows(selection))
    body = {
        "dataset": dataset.id,
        "title": {"lv": dataset.title.lv, "en": dataset.title.en},
        "licence": LICENCE_IRI,
        "modified": freshness.last_modified,
        "count": len(rows),
        "results": rows,
    }
    return HttpResponse(
        json.dumps(body, cls=JSONEncoder, ensure_ascii=False).encode(), content_type=CONTENT_TYPES["json"]
    )


def _xlsx_cell(value):
    if isinstance(value, datetime):
        return value.isoformat()  # Excel keeps no time zone
    if isinstance(value, (list, tuple)):
        return cell(value)
    return value


def _xlsx(dataset, selection):
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet("data")
    # A write-only workbook cannot be read back before saving: its rows are neutralised as they go in.
    data.append(neutralise_row(dataset.field_names))
    for row in dataset.iter_rows(selection):
        data.append(neutralise_row([_xlsx_cell(row[name]) for name in dataset.field_names]))
    fields = workbook.create_sheet("fields")
    fields.append(["name", "type", "description_lv", "description_en"])
    for item in dataset.fields:
        fields.append(neutralise_row([item.name, item.type, item.description.lv, item.description.en]))
    about = workbook.create_sheet("about")
    for line in (
        ["dataset", dataset.id],
        ["title_lv", dataset.title.lv],
        ["title_en", dataset.title.en],
        ["licence", LICENCE_NAME, LICENCE_URL],
    ):
        about.append(neutralise_row(line))
    buffer = BytesIO()
    workbook.save(buffer)
    return HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES["xlsx"])


@require_safe
def download(request, dataset_id, extension):
    """Every row of the data set as the page's filters select them, in CSV, JSON or XLSX."""
    dataset = _dataset_or_404(dataset_id)
    if extension not in CONTENT_TYPES:
        raise Http404(_("Downloads come as CSV, JSON or XLSX."))
    freshness = dataset.freshness()
    variant = variant_of(request, extension)
    unchanged = not_modified(request, freshness, variant)
    if unchanged is not None:
        return unchanged
    selection = dataset.select(request.GET, request)
    if not selection.is_valid:
        errors = {name: [str(message) for message in messages] for name, messages in selection.errors.items()}
        return JsonResponse(errors, status=400, json_dumps_params={"ensure_ascii": False})
    if extension == "csv":
        response = _csv(dataset, selection)
    elif extension == "json":
        response = _json(dataset, selection, freshness)
    else:
        response = _xlsx(dataset, selection)
    filename = f"{dataset.id}-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _with_headers(response, cache_headers(freshness, variant))


# --- the JSON-LD documents ------------------------------------------------------------------------------------------


def _json_ld(document):
    return JsonResponse(document, content_type=JSON_LD, json_dumps_params={"ensure_ascii": False})


@require_safe
def catalogue_jsonld(request):
    """The open data catalogue as DCAT-AP JSON-LD."""
    freshness = all_freshness()
    combined = combined_freshness(freshness)
    variant = variant_of(request, "dcat")
    unchanged = not_modified(request, combined, variant)
    if unchanged is not None:
        return unchanged
    return _with_headers(_json_ld(dcat_catalogue(request, freshness)), cache_headers(combined, variant))


@require_safe
def cpsv_jsonld(request):
    """The whole service catalogue as CPSV-AP 3 JSON-LD, without contact points and channel addresses."""
    freshness = SERVICES.freshness()
    variant = variant_of(request, "cpsv")
    unchanged = not_modified(request, freshness, variant)
    if unchanged is not None:
        return unchanged
    return _with_headers(_json_ld(public_cpsv(request)), cache_headers(freshness, variant))
