"""The shared components register (seed 003 §3.4, Table 2): what each component is, who owns it, and which
institutions and transformation projects use it. Every signed-in user reads it; the coordinator records
components and the institutions that use them; a project's editors record the components their project uses (on
the project page). Only the projects the reader may see are named or counted."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from institutions.views import RegistryListView
from reports.charts import bar_chart

from ..filtersets import ComponentFilterSet
from ..forms import ComponentForm, ComponentInstitutionForm
from ..models import ComponentInstitution, SharedComponent
from ..scoping import editable_components, is_coordinator, visible_components, visible_projects
from ..tables import ComponentInstitutionTable, ComponentProjectTable, ComponentTable
from .common import add_or_remove_use, first_export, render_form_page, require_coordinator

ONLY_COORDINATOR = gettext_lazy("Only the coordinator records shared components.")


def with_counts(user, queryset):
    """Each component with the institutions using it and the projects using it that `user` may see."""
    projects = visible_projects(user).values("pk")
    return queryset.annotate(
        institution_count=Count("institution_uses", distinct=True),
        project_count=Count("project_uses", filter=Q(project_uses__project__in=projects), distinct=True),
    )


class ComponentListView(RegistryListView):
    filterset_class = ComponentFilterSet
    table_class = ComponentTable
    template_name = "transformation/component_list.html"
    export_name = "transformation-shared-components"
    checkbox_fields = ("kind", "status")

    def get_queryset(self):
        queryset = SharedComponent.objects.select_related("owner_institution").prefetch_related(
            "institution_uses__institution"
        )
        return with_counts(self.request.user, visible_components(self.request.user, queryset))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(self.object_list.order_by("name_lv")) if self.object_list is not None else []
        context["chart"] = (
            bar_chart(
                _("Institutions using each component"),
                [row.name for row in rows],
                [row.institution_count for row in rows],
                value_label=_("Institutions"),
                category_label=_("Shared component"),
            )
            if rows
            else None
        )
        context["may_edit"] = is_coordinator(self.request.user)
        return context


def _component(request, code):
    return get_object_or_404(
        visible_components(request.user, SharedComponent.objects.select_related("owner_institution")), code=code
    )


@login_required
@require_http_methods(["GET"])
def component_detail(request, code):
    user = request.user
    component = _component(request, code)
    institution_uses = component.institution_uses.select_related("institution").order_by("institution__name_lv")
    project_uses = component.project_uses.filter(project__in=visible_projects(user).values("pk")).select_related(
        "project__institution"
    )
    tables = {
        "institutions": ("_export", ComponentInstitutionTable(institution_uses)),
        "projects": ("_export_projects", ComponentProjectTable(project_uses.order_by("project__name"))),
    }
    export = first_export(request, tables, f"transformation-component-{component.code}")
    if export:
        return export
    may_edit = editable_components(user).filter(pk=component.pk).exists()
    return render(
        request,
        "transformation/component_detail.html",
        {
            "component": component,
            "tables": {key: table for key, (_trigger, table) in tables.items()},
            "triggers": {key: trigger for key, (trigger, _table) in tables.items()},
            "institution_uses": institution_uses,
            "may_edit": may_edit,
            "use_form": ComponentInstitutionForm(component=component) if may_edit else None,
        },
    )


def _component_form_page(request, component=None):
    require_coordinator(request.user, ONLY_COORDINATOR)
    form = ComponentForm(request.POST or None, instance=component)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("The shared component “{name}” was saved.").format(name=saved.name))
        return redirect("transformation:component-detail", code=saved.code)
    return render_form_page(request, "transformation/component_form.html", form, component=component)


@login_required
@require_http_methods(["GET", "POST"])
def component_create(request):
    return _component_form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def component_edit(request, code):
    require_coordinator(request.user, ONLY_COORDINATOR)
    return _component_form_page(request, _component(request, code))


@login_required
@require_POST
def component_use(request, code):
    """The coordinator records an institution using the component, or removes one (`remove` = the use's id)."""
    require_coordinator(request.user, ONLY_COORDINATOR)
    component = _component(request, code)
    return add_or_remove_use(
        request,
        reverse("transformation:component-detail", kwargs={"code": component.code}) + "#users",
        ComponentInstitution.objects.filter(component=component),
        lambda: ComponentInstitutionForm(request.POST, component=component),
        added=lambda use: _("{name} is listed as using the component.").format(name=use.institution.name),
        removed=lambda use: _("{name} is no longer listed as a user.").format(name=use.institution.name),
        refused=_("Choose an institution that is not listed yet."),
    )
