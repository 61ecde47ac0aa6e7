"""Reads of the registry that more than one page (or the API) needs."""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum

from .models import MunicipalityPopulation


def with_latest_population(queryset):
    """Annotate municipalities with their latest population figure, its year and whether it is demo data."""
    latest = MunicipalityPopulation.objects.filter(municipality=OuterRef("pk")).order_by("-year")
    return queryset.annotate(
        latest_population=Subquery(latest.values("population")[:1]),
        latest_population_year=Subquery(latest.values("year")[:1]),
        latest_population_is_demo=Subquery(latest.values("is_demo")[:1]),
    )


def with_region_totals(queryset):
    """Annotate planning regions: current municipalities, and Σ of each one's latest population figure."""
    latest_year = MunicipalityPopulation.objects.filter(municipality=OuterRef("municipality")).order_by("-year")
    totals = (
        MunicipalityPopulation.objects.filter(
            municipality__planning_region=OuterRef("pk"),
            municipality__valid_to__isnull=True,
            year=Subquery(latest_year.values("year")[:1]),
        )
        .order_by()
        .values("municipality__planning_region")
        .annotate(total=Sum("population"))
        .values("total")
    )
    return queryset.annotate(
        municipality_count=Count("municipalities", filter=Q(municipalities__valid_to__isnull=True)),
        latest_population_total=Subquery(totals, output_field=IntegerField()),
    )
