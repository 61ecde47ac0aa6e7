"""The list of recomputation jobs (config/recomputation.py), the same for every kind: the cost figures'
(services) and the network results' (vpvkac). Each row carries its status URL while the job runs, and the page
follows it (services/static/services/cost_recomputations.js)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from institutions.tables import BaseTable
from reports.charts import number_formatter

from .recomputation import RecomputationStatus

NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}


def status_url_attrs(url_name):
    """Row attributes of a job list: its id, and the status URL of an unfinished job."""
    return {
        "id": lambda record: f"recomputation-{record.pk}",
        "data-status-url": lambda record: None if record.is_finished else reverse(url_name, kwargs={"pk": record.pk}),
    }


class RecomputationTable(BaseTable):
    """Jobs newest first, each with its progress bar. A kind's table names its model and status URL in Meta."""

    caption = _("Recomputations")

    id = tables.Column(verbose_name=_("Number"), attrs=NUMERIC)
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    percent = tables.Column(verbose_name=_("Progress"), accessor="pk", empty_values=())
    rows_written = tables.Column(verbose_name=_("Rows written"), attrs=NUMERIC)
    parameters = tables.Column(
        verbose_name=_("Parameter version"), accessor="parameters__version", default="—", attrs=NUMERIC
    )
    reason = tables.Column(verbose_name=_("Reason"), default="—")
    requested_by = tables.Column(verbose_name=_("Requested by"), accessor="requested_by__username", default="—")
    created_at = tables.Column(verbose_name=_("Requested"))
    finished_at = tables.Column(verbose_name=_("Finished"), default="—")
    error = tables.Column(verbose_name=_("Error"), empty_values=())

    class Meta(BaseTable.Meta):
        fields = ()
        per_page = 25
        orderable = False

    def render_status(self, record):
        css = {
            RecomputationStatus.DONE: "badge-ok",
            RecomputationStatus.FAILED: "badge-demo",
            RecomputationStatus.RETRYING: "badge-demo",
        }.get(record.status, "badge-muted")
        return format_html('<span class="badge {}" data-role="status">{}</span>', css, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def render_percent(self, record):
        return format_html(
            '<progress max="100" value="{0}" data-role="progress" aria-label="{1}">{0} %</progress> '
            '<span data-role="percent">{0} %</span>',
            record.percent,
            _("Progress of recomputation %(number)s") % {"number": record.pk},
        )

    def value_percent(self, record):
        return record.percent

    def render_rows_written(self, value):
        return number_formatter(0)(value)

    def render_created_at(self, value):
        return _datetime(value)

    def render_finished_at(self, value):
        return _datetime(value)

    def value_created_at(self, value):
        return _naive(value)

    def value_finished_at(self, value):
        return _naive(value)

    def render_error(self, record):
        if record.status in (RecomputationStatus.FAILED, RecomputationStatus.RETRYING) and record.error:
            return format_html('<span class="field-errors" data-role="error">{}</span>', record.error)
        return mark_safe('<span data-role="error"></span>')

    def value_error(self, record):
        return record.error


def _datetime(value):
    return date_format(localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


def _naive(value):
    """A local time without its zone: spreadsheets cannot hold one."""
    return localtime(value).replace(tzinfo=None) if value else None
