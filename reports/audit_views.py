"""The coordinator's audit trail page (reports/audit.py reads it): its filters, its table and its CSV and XLSX
exports of the filtered list."""

import django_tables2 as tables
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig
from django_tables2.data import TableListData

from institutions.models import Institution
from institutions.tables import BaseTable
from config.exports import export_response

from . import audit

EXPORT_LIMIT = 10_000  # rows of one download; narrow the filters for more
PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    user = forms.ModelChoiceField(label=gettext_lazy("User"), queryset=audit.users_with_changes(), required=False)
    institution = forms.ModelChoiceField(
        label=gettext_lazy("Institution"), queryset=Institution.objects.order_by("name_lv"), required=False
    )
    model = forms.ChoiceField(label=gettext_lazy("Record type"), required=False)
    action = forms.ChoiceField(
        label=gettext_lazy("Action"), required=False, choices=[("", "---------"), *audit.Action.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "---------"), *audit.model_choices()]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The first day is after the last day."))
        return data

    def filters(self):
        if not self.is_valid():
            return audit.Filters()
        return audit.Filters(**{name: self.cleaned_data[name] for name in self.fields})


class AuditTable(BaseTable):
    caption = gettext_lazy("Changes")

    when = tables.DateTimeColumn(verbose_name=gettext_lazy("When"), format="Y-m-d H:i:s")
    user = tables.Column(verbose_name=gettext_lazy("Who"), default="—")
    institution = tables.Column(verbose_name=gettext_lazy("Institution"), default="—")
    model = tables.Column(verbose_name=gettext_lazy("Record type"))
    object = tables.Column(verbose_name=gettext_lazy("Record"))
    action = tables.Column(verbose_name=gettext_lazy("Action"))
    changes = tables.Column(verbose_name=gettext_lazy("What changed"), empty_values=(), orderable=False)
    reason = tables.Column(verbose_name=gettext_lazy("Reason"), default="")

    class Meta(BaseTable.Meta):
        orderable = False
        per_page = PAGE_SIZE

    def render_changes(self, record):
        if not record.changes:
            return ""
        return format_html(
            '<ul class="audit-changes">{}</ul>',
            format_html_join(
                "",
                "<li><strong>{}</strong>: {}</li>",
                ((c.field, c.new if c.old is None else f"{c.old} → {c.new}") for c in record.changes),
            ),
        )

    def value_changes(self, record):
        return record.changes_text


@login_required
@require_GET
def audit_trail(request):
    """Every change to governed data, newest first, for the coordinator alone."""
    if not request.user.is_coordinator:
        raise PermissionDenied(_("Only the coordinator reads the audit trail."))
    form = AuditFilterForm(request.GET or None)
    trail = audit.AuditTrail(form.filters())
    if request.GET.get("_export"):
        export = export_response(request, AuditTable(trail[:EXPORT_LIMIT]), "audit")
        if export:
            return export
    table = AuditTable(TableListData(trail))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    filters_active = any(request.GET.get(name) for name in AuditFilterForm.base_fields)
    return render(
        request,
        "reports/audit.html",
        {"filter": {"form": form}, "table": table, "filters_active": filters_active, "export_limit": EXPORT_LIMIT},
    )
