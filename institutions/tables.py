"""Tables of the registry's web lists; the same tables feed the CSV and XLSX exports."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tables2.export import ExportMixin, TableExport

from config.exports import SafeTableExport

from .models import Institution, Municipality, PlanningRegion


def yes_no(value):
    return _("Yes") if value else _("No")


def localised_name_order():
    """Order by the name the reader sees: the English one under /en/ where it exists, else the Latvian one."""
    if (get_language() or "lv").startswith("en"):
        return Coalesce(NullIf(F("name_en"), Value("")), F("name_lv"))
    return F("name_lv")


class BaseTable(tables.Table):
    """Our own accessible table template; `caption` names the table for screen readers."""

    caption = None

    class Meta:
        template_name = "tables/table.html"
        attrs = {"class": "data-table"}
        per_page = 25


def demo_badge(text, label=None):
    return format_html('{} <span class="badge badge-demo">{}</span>', text, label or _("demo data"))


class LocalisedNameColumn(tables.Column):
    """The name in the active language, linked to the detail page, sorted by that same name.

    `badge(record)` may return a label shown after the link (demo data, former municipality).
    """

    def __init__(self, viewname, link_kwarg, badge=None, **kwargs):
        kwargs.setdefault("verbose_name", _("Name"))
        kwargs.setdefault("attrs", {"th": {"class": "col-name"}, "td": {"class": "col-name"}})
        kwargs.setdefault("accessor", "name")
        super().__init__(**kwargs)
        self.viewname, self.link_kwarg, self.badge = viewname, link_kwarg, badge

    def render(self, value, record):
        url = reverse(self.viewname, kwargs={self.link_kwarg: getattr(record, self.link_kwarg)})
        link = format_html('<a href="{}">{}</a>', url, value)
        badge = self.badge(record) if self.badge else None
        return format_html('{} <span class="badge {}">{}</span>', link, badge[0], badge[1]) if badge else link

    def value(self, value):
        return value

    def order(self, queryset, is_descending):
        expression = localised_name_order()
        return queryset.order_by(expression.desc() if is_descending else expression.asc()), True


class InstitutionTable(BaseTable):
    caption = _("Institutions")

    name = LocalisedNameColumn(
        "institution-detail", "pk", badge=lambda record: record.is_demo and ("badge-demo", _("demo data"))
    )
    short_name = tables.Column(verbose_name=_("Short name"))
    # Export only, with the columns below: the page keeps to what fits on a screen.
    registration_number = tables.Column(verbose_name=_("Registration number"), visible=False, default="")
    institution_type = tables.Column(verbose_name=_("Type"))
    group = tables.Column(
        verbose_name=_("Table 1 group"), accessor="group__code", order_by=("group__order", "group__code"), default="—"
    )
    parent = tables.Column(
        verbose_name=_("Parent institution"), accessor="parent__name", order_by=("parent__name_lv",), default="—"
    )
    municipality = tables.Column(
        verbose_name=_("Municipality"),
        accessor="municipality__name",
        order_by=("municipality__name_lv",),
        linkify=("municipality-detail", {"code": tables.A("municipality__code")}),
        default="—",
    )
    governance_policy_applies = tables.Column(verbose_name=_("Policy applies"))
    bound_by_round1 = tables.Column(verbose_name=_("1st round"))
    active = tables.Column(verbose_name=_("Active"), accessor="active_to", empty_values=())

    # Export only: both official names, the group's full name, dates, website.
    name_lv = tables.Column(verbose_name=_("Name (Latvian)"), visible=False)
    name_en = tables.Column(verbose_name=_("Name (English)"), visible=False)
    group_name = tables.Column(verbose_name=_("Table 1 group name"), accessor="group__name", visible=False, default="")
    active_from = tables.Column(verbose_name=_("Active from"), visible=False, default="")
    active_to = tables.Column(verbose_name=_("Active to"), visible=False, default="")
    website = tables.Column(verbose_name=_("Website"), visible=False, default="")
    is_demo = tables.Column(verbose_name=_("Demo data"), visible=False)

    class Meta(BaseTable.Meta):
        model = Institution
        fields = ()
        order_by = ("name",)
        sequence = (
            "name",
            "short_name",
            "institution_type",
            "group",
            "parent",
            "municipality",
            "governance_policy_applies",
            "bound_by_round1",
            "active",
            "registration_number",
            "...",
        )

    def render_governance_policy_applies(self, value):
        return yes_no(value)

    def render_bound_by_round1(self, value):
        return yes_no(value)

    def render_is_demo(self, value):
        return yes_no(value)

    def render_active(self, record):
        return yes_no(record.active_to is None)

    def order_active(self, queryset, is_descending):
        # Active rows (no end date) first when ascending.
        end = F("active_to")
        return queryset.order_by(end.desc(nulls_last=True) if is_descending else end.asc(nulls_first=True)), True


class MunicipalityTable(BaseTable):
    caption = _("Municipalities")

    name = LocalisedNameColumn(
        "municipality-detail", "code", badge=lambda record: record.valid_to and ("badge-muted", _("former"))
    )
    kind = tables.Column(verbose_name=_("Kind"))
    planning_region = tables.Column(
        verbose_name=_("Planning region"),
        accessor="planning_region__name",
        order_by=("planning_region__name_lv",),
        linkify=("region-detail", {"code": tables.A("planning_region__code")}),
    )
    development_tier = tables.Column(verbose_name=_("Development-centre tier"), default="—")
    latest_population = tables.Column(
        verbose_name=_("Population (latest)"),
        attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}},
        default="—",
    )
    valid_to = tables.Column(verbose_name=_("Valid to"), default="—")
    successor = tables.Column(
        verbose_name=_("Successor"),
        accessor="successor__name",
        order_by=("successor__name_lv",),
        linkify=("municipality-detail", {"code": tables.A("successor__code")}),
        default="—",
    )

    # Export only.
    code = tables.Column(verbose_name=_("Code"), visible=False)
    latest_population_year = tables.Column(verbose_name=_("Population year"), visible=False, default="")
    name_lv = tables.Column(verbose_name=_("Name (Latvian)"), visible=False)
    name_en = tables.Column(verbose_name=_("Name (English)"), visible=False)
    valid_from = tables.Column(verbose_name=_("Valid from"), visible=False, default="")
    latest_population_is_demo = tables.Column(verbose_name=_("Population is demo data"), visible=False, default="")

    class Meta(BaseTable.Meta):
        model = Municipality
        fields = ()
        order_by = ("name",)
        per_page = 50
        sequence = (
            "name",
            "kind",
            "planning_region",
            "development_tier",
            "latest_population",
            "valid_to",
            "successor",
            "code",
            "...",
        )

    def render_latest_population(self, value, record):
        figure = format_html('{} <span class="muted">({})</span>', intcomma(value), record.latest_population_year)
        return demo_badge(figure, _("demo")) if record.latest_population_is_demo else figure

    def value_latest_population(self, value):
        return value

    def render_latest_population_is_demo(self, value):
        return yes_no(value)


class PlanningRegionTable(BaseTable):
    caption = _("Planning regions")

    name = LocalisedNameColumn("region-detail", "code")
    code = tables.Column(verbose_name=_("Code"))
    municipality_count = tables.Column(
        verbose_name=_("Current municipalities"), attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}}
    )
    latest_population_total = tables.Column(
        verbose_name=_("Population (latest figures)"),
        attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}},
        default="—",
    )

    class Meta(BaseTable.Meta):
        model = PlanningRegion
        fields = ()
        order_by = ("name",)
        per_page = 50

    def render_latest_population_total(self, value):
        return intcomma(value)

    def value_latest_population_total(self, value):
        return value


class TableExportMixin(ExportMixin):
    """CSV and XLSX export of the whole filtered, sorted table (`?_export=csv|xlsx`), never other formats."""

    export_class = SafeTableExport
    export_formats = (TableExport.CSV, TableExport.XLSX)
    export_name = "export"

    def get_export_filename(self, export_format):
        return f"{self.export_name}-{timezone.localdate().isoformat()}.{export_format}"

    def render_to_response(self, context, **kwargs):
        export_format = self.request.GET.get(self.export_trigger_param)
        if export_format in self.export_formats:
            return self.create_export(export_format)
        # Skip ExportMixin's own check, which would accept every format tablib knows.
        return super(ExportMixin, self).render_to_response(context, **kwargs)
