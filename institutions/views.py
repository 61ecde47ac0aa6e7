"""Web pages of the institutions registry. Every institution shown passes through scoping.py."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.models import Role

from .filtersets import (
    InstitutionFilterSet,
    MunicipalityFilterSet,
    PlanningRegionFilterSet,
)
from .flags import explain_flags
from .forms import present_filter_form, sectors_for
from .models import Institution, Municipality, PlanningRegion
from .peers import institution_peers
from .queries import with_latest_population, with_region_totals
from .scoping import editable_institutions, related_entries, visible_institutions
from .tables import (
    InstitutionTable,
    MunicipalityTable,
    PlanningRegionTable,
    TableExportMixin,
    localised_name_order,
)

# --- pages -------------------------------------------------------------------------------------


@login_required
def home(request):
    """What the signed-in user is responsible for, by role."""
    user = request.user
    context = {"role_label": user.get_role_display()}
    if user.is_coordinator:
        institutions = visible_institutions(user).aggregate(
            total=Count("pk"), bound=Count("pk", filter=Q(bound_by_round1=True))
        )
        context.update(
            template_role="coordinator",
            institution_count=institutions["total"],
            bound_count=institutions["bound"],
            municipality_count=Municipality.objects.filter(valid_to__isnull=True).count(),
            user_count=get_user_model().objects.filter(is_active=True).count(),
        )
    else:
        editable_ids = set(editable_institutions(user).values_list("pk", flat=True))
        memberships = (
            user.memberships.filter(institution__in=visible_institutions(user))
            .select_related("institution__group", "institution__municipality")
            .order_by("institution__name_lv")
        )
        context.update(
            template_role=user.role,
            memberships=[(membership, membership.institution_id in editable_ids) for membership in memberships],
            is_api_client=user.role == Role.API_CLIENT,
        )
    return render(request, "home.html", context)


class RegistryListView(LoginRequiredMixin, TableExportMixin, SingleTableMixin, FilterView):
    """A filtered, sorted, paginated table with CSV/XLSX export of the same rows."""

    checkbox_fields = ()

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        present_filter_form(filterset.form, self.checkbox_fields)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters_active"] = any(
            value not in ("", "unknown") for key, value in self.request.GET.items() if key in self.filterset.filters
        )
        return context


class InstitutionListView(RegistryListView):
    filterset_class = InstitutionFilterSet
    table_class = InstitutionTable
    template_name = "institutions/institution_list.html"
    export_name = "institutions"
    checkbox_fields = ("institution_type", "group")

    def get_queryset(self):
        return visible_institutions(
            self.request.user,
            Institution.objects.select_related("group", "parent", "municipality"),
        )

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # Offer only the ministry sectors the reader has institutions in.
        filterset.form.fields["parent"].queryset = sectors_for(visible_institutions(self.request.user))
        return filterset


class MunicipalityListView(RegistryListView):
    filterset_class = MunicipalityFilterSet
    table_class = MunicipalityTable
    template_name = "institutions/municipality_list.html"
    export_name = "municipalities"
    checkbox_fields = ("kind",)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        # Today's municipalities unless the reader asks otherwise ("Any" shows the former ones too).
        if "current" not in self.request.GET:
            kwargs["data"] = kwargs["data"].copy() if kwargs["data"] is not None else QueryDict(mutable=True)
            kwargs["data"]["current"] = "true"
        return kwargs

    def get_table_kwargs(self):
        # End dates and successors are empty for today's municipalities: spare the columns.
        if self.filterset.form.cleaned_data.get("current") is True:
            return {"exclude": ("valid_to", "successor")}
        return {}

    def get_queryset(self):
        return with_latest_population(Municipality.objects.select_related("planning_region", "successor"))


class PlanningRegionListView(RegistryListView):
    filterset_class = PlanningRegionFilterSet
    table_class = PlanningRegionTable
    template_name = "institutions/region_list.html"
    export_name = "planning-regions"

    def get_queryset(self):
        return with_region_totals(PlanningRegion.objects.all())


@login_required
def institution_detail(request, pk):
    institution = get_object_or_404(
        visible_institutions(
            request.user,
            Institution.objects.select_related(
                "group__parent", "parent__parent", "municipality__planning_region"
            ),
        ),
        pk=pk,
    )
    peer_basis, peers = institution_peers(institution)
    children = institution.children.select_related("municipality").order_by(localised_name_order())
    return render(
        request,
        "institutions/institution_detail.html",
        {
            "institution": institution,
            "ancestors": related_entries(request.user, institution.ancestors()),
            "children": related_entries(request.user, children),
            "peer_basis": peer_basis,
            "peers": related_entries(request.user, peers),
            "flags": explain_flags(institution),
            "may_edit": editable_institutions(request.user).filter(pk=institution.pk).exists(),
        },
    )


@login_required
def municipality_detail(request, code):
    municipality = get_object_or_404(
        Municipality.objects.select_related("planning_region", "successor"), code=code
    )
    current = municipality.current_successor()
    institutions = visible_institutions(
        request.user, municipality.institutions.select_related("group").order_by(localised_name_order())
    )
    return render(
        request,
        "institutions/municipality_detail.html",
        {
            "municipality": municipality,
            "current_successor": current if current.pk != municipality.pk else None,
            "predecessors": municipality.predecessors.order_by(localised_name_order()),
            "populations": municipality.populations.order_by("-year"),
            "institutions": institutions,
        },
    )


@login_required
def region_detail(request, code):
    region = get_object_or_404(with_region_totals(PlanningRegion.objects.all()), code=code)
    municipalities = list(
        with_latest_population(
            region.municipalities.select_related("successor").order_by(localised_name_order())
        )
    )
    current = [m for m in municipalities if m.valid_to is None]
    former = [m for m in municipalities if m.valid_to is not None]
    years = sorted({m.latest_population_year for m in current if m.latest_population_year})
    return render(
        request,
        "institutions/region_detail.html",
        {
            "region": region,
            "municipalities": current,
            "former_municipalities": former,
            "population_years": years,
            "population_has_demo": any(m.latest_population_is_demo for m in current),
            "population_missing": sum(1 for m in current if m.latest_population is None),
        },
    )
