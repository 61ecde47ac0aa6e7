"""The indicator library: the ten result indicators of seed 003 §3.1, the coordinator's national trend indicators
(each with its collection method, so the data stay comparable) and the institutions' own indicators."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from institutions.views import RegistryListView

from ..filtersets import IndicatorFilterSet
from ..forms import IndicatorForm
from ..models import ResultIndicator
from ..scoping import editable_indicators, indicator_scope_choices, visible_indicators
from ..tables import IndicatorTable
from .common import render_form_page


class IndicatorListView(RegistryListView):
    filterset_class = IndicatorFilterSet
    table_class = IndicatorTable
    template_name = "transformation/indicator_list.html"
    export_name = "transformation-indicators"
    checkbox_fields = ("scope", "value_kind")

    def get_queryset(self):
        return visible_indicators(self.request.user, ResultIndicator.objects.select_related("owner_institution"))

    def get_table_kwargs(self):
        return {"editable_ids": frozenset(editable_indicators(self.request.user).values_list("pk", flat=True))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_add"] = bool(indicator_scope_choices(self.request.user))
        return context


def _save(request, form, indicator=None):
    saved = form.save()
    if indicator is None:
        messages.success(request, _("The indicator {code} was added to the library.").format(code=saved.code))
    else:
        messages.success(request, _("The indicator {code} was saved.").format(code=saved.code))
    return redirect("transformation:indicator-list")


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request):
    if not indicator_scope_choices(request.user):
        raise PermissionDenied(_("Only the coordinator and institution editors add indicators."))
    form = IndicatorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        return _save(request, form)
    return render_form_page(request, "transformation/indicator_form.html", form)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk):
    indicator = get_object_or_404(visible_indicators(request.user), pk=pk)
    if not editable_indicators(request.user).filter(pk=indicator.pk).exists():
        raise PermissionDenied(_("This indicator is changed by the coordinator or by its institution's editors."))
    form = IndicatorForm(request.POST or None, instance=indicator, user=request.user)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, indicator)
    return render_form_page(request, "transformation/indicator_form.html", form, indicator=indicator)
