"""The admin's part of the permission matrix: which world row each registered model's pages open, and the URL
arguments of those pages."""

from django.apps import apps
from django.urls import reverse

# Every registered model, and the world's objects its change pages open: a kind of world.py (an object of A and
# one of B), or None for a shared table (its first row). A model registered in the admin without a line here
# leaves its URL patterns without an entry, and test_every_url_pattern_has_an_entry fails.
ADMIN_KINDS = {
    "auth.group": None,
    "authtoken.tokenproxy": None,
    "django_celery_beat.periodictask": None,
    "django_celery_beat.clockedschedule": None,
    "django_celery_beat.crontabschedule": None,
    "django_celery_beat.solarschedule": None,
    "django_celery_beat.intervalschedule": None,
    "axes.accessattempt": None,
    "axes.accesslog": None,
    "axes.accessfailurelog": None,
    "accounts.user": "editor_of_side",
    "accounts.membership": None,
    "institutions.planningregion": None,
    "institutions.municipality": "municipality",
    "institutions.municipalitypopulation": None,
    "institutions.institutiongroup": None,
    "institutions.institution": "institution",
    "services.channel": None,
    "services.lifesituation": None,
    "services.servicetemplate": None,
    "services.service": "service",
    "services.servicechannel": "service_channel",
    "services.servicefigure": "figure",
    "services.servicecost": "cost",
    "services.figuresubmission": "submission",
    "services.bulkimport": "bulk_import",
    "services.costparameters": None,
    "services.costrecomputation": None,
    "services.costfigure": "cost_figure",
    "workplans.plan": None,
    "workplans.actionline": None,
    "workplans.roadmapgroup": None,
    "workplans.measure": "measure",
    "workplans.indicator": "indicator",
    "workplans.obligation": "obligation",
    "workplans.progressupdate": "update",
    "workplans.indicatoractual": "actual",
    "workplans.implementationteam": "team",
    "workplans.teammember": "team_member",
    "workplans.improvementplan": "improvement_plan",
    "workplans.improvementitem": "improvement_item",
    "workplans.executionreport": None,
    "workplans.reminderlog": None,
    "assessments.methodology": None,
    "assessments.question": None,
    "assessments.round": None,
    "assessments.assessment": "assessment",
    "vpvkac.reportingperiod": None,
    "vpvkac.settlement": None,
    "vpvkac.mobilecentre": None,
    "vpvkac.mobilestop": None,
    "vpvkac.publishedcostperservice": None,
    "vpvkac.centre": "centre",
    "vpvkac.desk": "desk",
    "vpvkac.centremembership": None,
    "vpvkac.contactfigure": "contact",
    "vpvkac.satisfactionscore": "satisfaction",
    "vpvkac.grant": "grant",
    "vpvkac.contactimport": "contact_import",
    "vpvkac.networkparameters": None,
    "vpvkac.networkrecomputation": None,
    "vpvkac.periodsummary": None,
    "vpvkac.centrefigure": "centre_figure",
    "vpvkac.municipalityfigure": "municipality_figure",
    "vpvkac.networkreviewdecision": "review_decision",
    "transformation.transformationproject": "project",
    "transformation.measurement": "measurement",
    "transformation.resultindicator": "own_indicator",
    "transformation.oversightdecision": "decision",
    "transformation.sharedcomponent": None,
    "transformation.servicereview": "service_review",
    "transformation.reviewparameters": None,
    "transformation.reviewreminderlog": None,
    "reports.generatedreport": "generated_report",
    "reports.reportschedule": None,
}


class AdminObject:
    """`object_id` of a model's row in the world (or `pk`, for the custom views that name it so)."""

    def __init__(self, label, argument="object_id", **extra):
        self.label, self.argument, self.extra = label, argument, extra

    def row(self, world, side):
        kind = ADMIN_KINDS[self.label]
        if kind is not None:
            return world.get(kind, side)
        return apps.get_model(self.label)._default_manager.order_by("pk").first()

    def __call__(self, world, side):
        return {self.argument: self.row(world, side).pk, **self.extra}

    def depends_on_side(self, world):
        return ADMIN_KINDS[self.label] is not None

    def url(self, world, side, key):
        return reverse(key, kwargs=self(world, side))


class AdminVersion(AdminObject):
    """A row's oldest stored version (django-simple-history's `<object_id>/history/<history_id>/`)."""

    def url(self, world, side, key):
        row = self.row(world, side)
        return reverse(key, args=[row.pk, row.history.order_by("history_id").first().history_id])


class AdminRedirect(AdminObject):
    """The unnamed `<object_id>/` pattern Django keeps for old links: it redirects to the change page."""

    def url(self, world, side, key):
        app_label, model_name = self.label.split(".")
        return f"/admin/{app_label}/{model_name}/{self.row(world, side).pk}/"


class AdminViewOnSite:
    """The admin's "view on site" shortcut for a service of A or B."""

    def __call__(self, world, side):
        from django.contrib.contenttypes.models import ContentType

        service = world.get("service", side)
        return {"content_type_id": ContentType.objects.get_for_model(service).pk, "object_id": service.pk}

    def depends_on_side(self, world):
        return True

    def url(self, world, side, key):
        return reverse(key, kwargs=self(world, side))

    def __repr__(self):
        return "AdminViewOnSite()"


class FixedPath:
    """A pattern without a name, requested at a fixed path."""

    def __init__(self, path):
        self.path = path

    def depends_on_side(self, world):
        return False

    def url(self, world, side, key):
        return self.path

    def __repr__(self):
        return f"FixedPath({self.path!r})"


# The URL patterns every registered model gets, by the suffix of their names, and how their arguments are built.
MODEL_PAGES = {
    "changelist": None,
    "add": None,
    "change": AdminObject,
    "history": AdminObject,
    "delete": AdminObject,
    "simple_history": AdminVersion,
    "password_change": lambda label: AdminObject(label, "id"),
    "export": None,
    "import": None,
    "process_import": None,
    "import_template": None,
    "new_version": lambda label: AdminObject(label, "pk"),
    "redirect": AdminRedirect,
}


def admin_key(label, suffix):
    app_label, model_name = label.split(".")
    if suffix == "redirect":
        return f"route:admin/{app_label}/{model_name}/<path:object_id>/"
    if suffix == "password_change":
        # Django's UserAdmin names it after auth.User whatever the user model is.
        return "admin:auth_user_password_change"
    return f"admin:{app_label}_{model_name}_{suffix}"


def admin_args(label, suffix):
    from tests.security.matrix_types import K

    if suffix == "export" and label == "assessments.methodology":
        return AdminObject(label, "pk", file_format="xlsx")
    if suffix == "import_template":
        return K(file_format="csv")
    builder = MODEL_PAGES[suffix]
    return builder(label) if builder is not None else None
