"""Exports of the transformation tables (django-import-export) from the admin: projects, measurements, the
indicator library, oversight decisions, shared components and service reviews. Export only: rows are written
through the pages, the API and transformation/workflow.py, which check them. Every export is of a queryset the
caller has already scoped (transformation/scoping.py)."""

from import_export import fields, resources

from .models import (
    Measurement,
    OversightDecision,
    ResultIndicator,
    ServiceReview,
    SharedComponent,
    TransformationProject,
)


class ProjectResource(resources.ModelResource):
    institution = fields.Field(attribute="institution__short_name", column_name="institution")
    services = fields.Field(column_name="services")

    class Meta:
        model = TransformationProject
        fields = (
            "id",
            "institution",
            "name",
            "goal",
            "status",
            "funding_source",
            "planned_start",
            "planned_end",
            "started_on",
            "closed_on",
            "appraisal_years",
            "services",
            "is_demo",
        )
        export_order = fields

    def dehydrate_services(self, project):
        return ", ".join(service.catalogue_id for service in project.services.all())


class MeasurementResource(resources.ModelResource):
    project = fields.Field(attribute="project__name", column_name="project")
    project_id = fields.Field(attribute="project_id", column_name="project_id")
    institution = fields.Field(attribute="project__institution__short_name", column_name="institution")
    indicator = fields.Field(attribute="indicator__code", column_name="indicator")
    unit = fields.Field(attribute="indicator__unit", column_name="unit")
    measured_by = fields.Field(attribute="measured_by__username", column_name="measured_by")

    class Meta:
        model = Measurement
        fields = (
            "id",
            "project_id",
            "project",
            "institution",
            "indicator",
            "phase",
            "period_start",
            "period_end",
            "value",
            "unit",
            "text_value",
            "source",
            "source_note",
            "note",
            "measured_by",
            "measured_on",
        )
        export_order = fields


class ResultIndicatorResource(resources.ModelResource):
    owner_institution = fields.Field(attribute="owner_institution__short_name", column_name="owner_institution")

    class Meta:
        model = ResultIndicator
        fields = (
            "code",
            "source_number",
            "name_lv",
            "name_en",
            "unit",
            "value_kind",
            "good_direction",
            "mandatory",
            "scope",
            "owner_institution",
            "collection_method_lv",
            "collection_method_en",
            "catalogue_source",
            "monetary_role",
            "active",
        )
        export_order = fields


class OversightDecisionResource(resources.ModelResource):
    institution = fields.Field(attribute="institution__short_name", column_name="institution")
    services = fields.Field(column_name="services")
    project = fields.Field(attribute="project__name", column_name="project")
    shared_component = fields.Field(attribute="shared_component__code", column_name="shared_component")

    class Meta:
        model = OversightDecision
        fields = (
            "id",
            "reference",
            "title",
            "kind",
            "status",
            "proposed_on",
            "decided_on",
            "institution",
            "services",
            "project",
            "shared_component",
            "text",
            "evidence_text",
        )
        export_order = fields

    def dehydrate_services(self, decision):
        return ", ".join(service.catalogue_id for service in decision.services.all())


class SharedComponentResource(resources.ModelResource):
    owner_institution = fields.Field(attribute="owner_institution__short_name", column_name="owner_institution")
    institutions = fields.Field(column_name="institutions")

    class Meta:
        model = SharedComponent
        fields = ("code", "name_lv", "name_en", "kind", "status", "owner_institution", "url", "institutions")
        export_order = fields

    def dehydrate_institutions(self, component):
        return ", ".join(use.institution.short_name for use in component.institution_uses.all())


class ServiceReviewResource(resources.ModelResource):
    service = fields.Field(attribute="service__catalogue_id", column_name="service")
    reviewer_institution = fields.Field(
        attribute="reviewer_institution__short_name", column_name="reviewer_institution"
    )

    class Meta:
        model = ServiceReview
        fields = ("id", "service", "kind", "reviewed_on", "reviewer_institution", "project", "finding")
        export_order = fields
