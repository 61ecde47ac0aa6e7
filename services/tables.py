"""Tables of the catalogue's web pages; the same tables feed their CSV and XLSX exports."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from institutions.tables import BaseTable, LocalisedNameColumn, yes_no
from reports.charts import number_formatter, percent_formatter

from .models import LifeSituation, Service

NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}


def demo_badge(record):
    return record.is_demo and ("badge-demo", _("demo data"))


def format_count(value):
    return number_formatter()(value)


class ServiceTable(BaseTable):
    caption = _("Services")

    catalogue_id = tables.Column(
        verbose_name=_("Catalogue identifier"),
        linkify=("services:service-detail", {"catalogue_id": tables.A("catalogue_id")}),
        attrs={"td": {"class": "nowrap"}},
    )
    name = LocalisedNameColumn("services:service-detail", "catalogue_id", badge=demo_badge)
    holder = tables.Column(verbose_name=_("Holder"), accessor="holder__name", order_by=("holder__name_lv",))
    level = tables.Column(verbose_name=_("Level"))
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    channel_count = tables.Column(verbose_name=_("Channels"), attrs=NUMERIC)

    # Export only: every attribute a spreadsheet user would filter on.
    name_lv = tables.Column(verbose_name=_("Name (Latvian)"), visible=False)
    name_en = tables.Column(verbose_name=_("Name (English)"), visible=False)
    holder_short_name = tables.Column(verbose_name=_("Holder (short name)"), accessor="holder__short_name", visible=False)
    providers = tables.Column(verbose_name=_("Providers"), accessor="pk", visible=False, orderable=False)
    life_situations = tables.Column(verbose_name=_("Life situations"), accessor="pk", visible=False, orderable=False)
    template = tables.Column(verbose_name=_("Unified service template"), accessor="template__code", visible=False, default="")
    for_natural_persons = tables.Column(verbose_name=_("Recipients: natural persons"), visible=False)
    for_legal_persons = tables.Column(verbose_name=_("Recipients: legal persons"), visible=False)
    valid_from = tables.Column(verbose_name=_("Provided from"), visible=False, default="")
    valid_to = tables.Column(verbose_name=_("Provided until"), visible=False, default="")
    minimum_basket = tables.Column(verbose_name=_("Minimum basket"), visible=False)
    digital_only = tables.Column(verbose_name=_("Digital only"), visible=False)
    physical_presence_reason = tables.Column(verbose_name=_("Reason physical presence is needed"), visible=False, default="")
    url = tables.Column(verbose_name=_("Link"), visible=False, default="")
    is_demo = tables.Column(verbose_name=_("Demo data"), visible=False)

    class Meta(BaseTable.Meta):
        model = Service
        fields = ()
        order_by = ("catalogue_id",)
        sequence = ("catalogue_id", "name", "holder", "level", "kind", "status", "channel_count", "...")

    def render_channel_count(self, value):
        return format_count(value)

    def value_providers(self, record):
        return "; ".join(f"{institution.short_name} {institution.name}" for institution in record.providers.all())

    def value_life_situations(self, record):
        return "; ".join(situation.name for situation in record.life_situations.all())

    def value_for_natural_persons(self, value):
        return yes_no(value)

    def value_for_legal_persons(self, value):
        return yes_no(value)

    def value_minimum_basket(self, value):
        return yes_no(value)

    def value_digital_only(self, value):
        return yes_no(value)

    def value_is_demo(self, value):
        return yes_no(value)


class LifeSituationTable(BaseTable):
    caption = _("Life situations")

    name = LocalisedNameColumn("services:life-situation-detail", "code", badge=demo_badge)
    code = tables.Column(verbose_name=_("Code"))
    service_count = tables.Column(verbose_name=_("Services"), attrs=NUMERIC)
    fully_online = tables.Column(verbose_name=_("Can be completed fully online"))

    name_lv = tables.Column(verbose_name=_("Name (Latvian)"), visible=False)
    name_en = tables.Column(verbose_name=_("Name (English)"), visible=False)
    is_demo = tables.Column(verbose_name=_("Demo data"), visible=False)

    class Meta(BaseTable.Meta):
        model = LifeSituation
        fields = ()
        order_by = ("name",)

    def render_fully_online(self, value):
        if value:
            return format_html('<span class="badge badge-ok">{}</span>', _("Yes"))
        return format_html('<span class="badge badge-muted">{}</span>', _("No"))

    def value_fully_online(self, value):
        return yes_no(value)

    def value_is_demo(self, value):
        return yes_no(value)


class YearlyFigureTable(BaseTable):
    """One service's yearly figures per channel (services/figures_report.YearFigures rows)."""

    caption = _("Yearly figures by channel")

    year = tables.Column(verbose_name=_("Year"))
    channel = tables.Column(verbose_name=_("Channel"), accessor="channel_name")
    digital = tables.Column(verbose_name=_("Digital"), accessor="channel_is_digital")
    remote = tables.Column(verbose_name=_("Remote"), accessor="channel_is_remote")
    started = tables.Column(verbose_name=_("Started"), attrs=NUMERIC, default=None, empty_values=())
    completed = tables.Column(verbose_name=_("Completed"), attrs=NUMERIC)
    completion_rate = tables.Column(verbose_name=_("Completion rate"), attrs=NUMERIC, empty_values=())
    consultations = tables.Column(verbose_name=_("Consultations"), attrs=NUMERIC, empty_values=())
    client_minutes = tables.Column(verbose_name=_("Client minutes per case"), attrs=NUMERIC, empty_values=())
    satisfaction_responses = tables.Column(verbose_name=_("Satisfaction responses"), attrs=NUMERIC, empty_values=())
    satisfaction_score = tables.Column(verbose_name=_("Satisfaction score (0–100)"), attrs=NUMERIC, empty_values=())
    is_demo = tables.Column(verbose_name=_("Demo data"), empty_values=())

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def render_digital(self, value):
        return yes_no(value)

    def render_remote(self, value):
        return yes_no(value)

    def render_started(self, value):
        return format_count(value)

    def render_completed(self, value):
        return format_count(value)

    def render_consultations(self, value):
        return format_count(value)

    def render_satisfaction_responses(self, value):
        return format_count(value)

    def render_completion_rate(self, value):
        return percent_formatter()(value)

    def render_client_minutes(self, value):
        return number_formatter(1)(value)

    def render_satisfaction_score(self, value):
        return number_formatter(1)(value)

    def render_is_demo(self, value):
        if value:
            return format_html('<span class="badge badge-demo">{}</span>', _("demo data"))
        return ""

    # The exports keep numbers as numbers, rounded as shown, with no grouping.
    def value_started(self, value):
        return value

    def value_completed(self, value):
        return value

    def value_consultations(self, value):
        return value

    def value_satisfaction_responses(self, value):
        return value

    def value_completion_rate(self, value):
        return None if value is None else round(value, 4)

    def value_client_minutes(self, value):
        return None if value is None else round(value, 1)

    def value_satisfaction_score(self, value):
        return None if value is None else round(value, 1)

    def value_is_demo(self, value):
        return yes_no(value)


class CompletenessTable(BaseTable):
    """The completeness report (services/figures_report.CompletenessRow rows)."""

    caption = _("Reports submitted per institution")

    institution = tables.Column(
        verbose_name=_("Institution"),
        accessor="institution__name",
        linkify=("institution-detail", {"pk": tables.A("institution__pk")}),
        attrs={"td": {"class": "col-name"}, "th": {"class": "col-name"}},
    )
    short_name = tables.Column(verbose_name=_("Short name"), accessor="institution__short_name")
    expected = tables.Column(verbose_name=_("Services provided"), attrs=NUMERIC)
    submitted = tables.Column(verbose_name=_("Reports submitted"), attrs=NUMERIC)
    share = tables.Column(verbose_name=_("Complete"), attrs=NUMERIC, empty_values=())
    missing = tables.Column(verbose_name=_("Missing reports"), empty_values=())

    class Meta(BaseTable.Meta):
        per_page = None
        orderable = False

    def render_share(self, value):
        return percent_formatter(0)(value)

    def value_share(self, value):
        return None if value is None else round(value * 100, 1)

    def render_missing(self, value):
        if not value:
            return "—"
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> {} <span class="muted">({})</span></li>',
            (
                (
                    reverse("services:service-detail", args=[report.catalogue_id]),
                    report.catalogue_id,
                    report.name,
                    report.status_label,
                )
                for report in value
            ),
        )
        summary = ngettext("%(count)s missing report", "%(count)s missing reports", len(value)) % {"count": len(value)}
        return format_html(
            '<details class="missing"><summary>{}</summary><ul class="plain-list missing-list">{}</ul></details>',
            summary,
            items,
        )

    def value_missing(self, value):
        return "; ".join(f"{report.catalogue_id} {report.name} ({report.status_label})" for report in value)
