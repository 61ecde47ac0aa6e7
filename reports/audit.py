"""The audit trail: every change to governed data, newest first, with who, when, for which institution, and what
changed (issue 10: "every change to governed data has who, when and what, visible to the coordinator").

Two kinds of record feed it: the django-simple-history rows of every historied model of our apps, and the bulk
import batches (services.BulkImport, vpvkac.ContactImport), which are the audit record of what a COPY import
wrote where simple_history's signals never ran.

A page is read without loading everything: each table is counted and asked for its newest `offset + size` keys
under the filters, the keys are merged by date, and only the page's rows are then read in full and diffed.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ObjectDoesNotExist
from django.db import connections, models
from django.db.models import OuterRef, Q, Subquery, prefetch_related_objects
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

AUDITED_APPS = (
    "institutions",
    "services",
    "assessments",
    "workplans",
    "vpvkac",
    "transformation",
    "reports",
    "accounts",
)

# The lookup, on a model's history table, of the institution a row belongs to. A model without an entry belongs
# to no single institution (shared reference, plans, centres and their schedules, methodology versions). The
# lookups through a parent read the parent as it is now; a row whose parent is gone shows no institution.
INSTITUTION_PATHS = {
    "institutions.Institution": "id",
    "accounts.Membership": "institution",
    "services.Service": "holder",
    "services.ServiceChannel": "service__holder",
    "services.ServiceFigure": "provider",
    "services.ServiceCost": "provider",
    "services.FigureSubmission": "provider",
    "assessments.Assessment": "institution",
    "assessments.Answer": "assessment__institution",
    "workplans.MeasureResponsibility": "institution",
    "workplans.IndicatorActual": "institution",
    "workplans.Obligation": "institution",
    "workplans.ProgressUpdate": "institution",
    "workplans.ImplementationTeam": "institution",
    "workplans.TeamMember": "team__institution",
    "workplans.ImprovementPlan": "institution",
    "workplans.ImprovementItem": "improvement_plan__institution",
    "vpvkac.ContactFigure": "institution",
    "vpvkac.Desk": "institution",
    "vpvkac.ReceptionSchedule": "desk__institution",
    "transformation.ResultIndicator": "owner_institution",
    "transformation.SharedComponent": "owner_institution",
    "transformation.ComponentInstitution": "institution",
    "transformation.ComponentProject": "project__institution",
    "transformation.OversightDecision": "institution",
    "transformation.CostEvidence": "provider",
    "transformation.TransformationProject": "institution",
    "transformation.ProjectMember": "project__institution",
    "transformation.ProjectPhase": "project__institution",
    "transformation.Measurement": "project__institution",
    "transformation.ServiceReview": "service__holder",
}

# The import batches and the user who sent each.
IMPORT_MODELS = {"services.BulkImport": "uploaded_by", "vpvkac.ContactImport": "uploaded_by"}

# Fields a diff leaves out: stamps every save rewrites, which say nothing the row's date does not.
NOISE_FIELDS = {"updated_at", "modified_at", "last_modified"}

TEXT_LIMIT = 300  # characters of one value shown before it is cut


class Action(models.TextChoices):
    CREATED = "+", gettext_lazy("created")
    CHANGED = "~", gettext_lazy("changed")
    DELETED = "-", gettext_lazy("deleted")
    IMPORTED = "import", gettext_lazy("imported")


@dataclass(frozen=True)
class Filters:
    date_from: object = None  # a date, inclusive
    date_to: object = None  # a date, inclusive
    user: object = None  # a user
    institution: object = None  # an institution
    model: str = ""  # a model label, "services.Service"
    action: str = ""  # an Action value


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime
    user: str
    institution: str
    model: str
    object: str
    action: str
    changes: list = field(default_factory=list)
    reason: str = ""

    @property
    def changes_text(self):
        """The changes on one line, as the exports write them."""
        return "; ".join(_describe_change(change) for change in self.changes)


def _describe_change(change):
    if change.old is None:
        return f"{change.field}: {change.new}"
    return f"{change.field}: {change.old} → {change.new}"


# --- the sources ---------------------------------------------------------------------------------------------


class Source:
    """One table the trail reads: its model's label and name, and how its keys and rows are read."""

    def __init__(self, model):
        self.model = model
        self.label = model._meta.label

    @property
    def name(self):
        return capfirst(self.model._meta.verbose_name)

    @property
    def choice_label(self):
        return f"{self.name} ({self.model._meta.app_config.verbose_name})"


class HistorySource(Source):
    def __init__(self, model):
        super().__init__(model)
        self.history_model = model.history.model
        self.institution_path = INSTITUTION_PATHS.get(self.label)

    def applies(self, filters):
        if filters.action == Action.IMPORTED:
            return False
        return not (filters.institution and not self.institution_path)

    def queryset(self, filters):
        rows = self.history_model._default_manager.all()
        start, end = _day_bounds(filters)
        if start:
            rows = rows.filter(history_date__gte=start)
        if end:
            rows = rows.filter(history_date__lt=end)
        if filters.user:
            rows = rows.filter(history_user=filters.user)
        if filters.institution:
            rows = rows.filter(**{self.institution_path: getattr(filters.institution, "pk", filters.institution)})
        if filters.action:
            rows = rows.filter(history_type=filters.action)
        return rows

    def keys(self, filters, count):
        """The newest `count` (date, id) keys under the filters, as a query."""
        rows = self.queryset(filters).order_by("-history_date", "-history_id")
        return rows.values_list("history_date", "history_id")[:count]

    def entries(self, ids):
        """{history id: Entry} of the given history rows."""
        rows = list(
            self.history_model._default_manager.filter(history_id__in=ids)
            .select_related("history_user")
            .annotate(audit_previous=Subquery(self._previous_ids()))
        )
        previous_ids = [row.audit_previous for row in rows if row.history_type == "~" and row.audit_previous]
        previous = self.history_model._default_manager.in_bulk(previous_ids)
        institutions = self._institutions(ids)
        diffs = {}
        for row in rows:
            if row.history_type == "~" and row.audit_previous in previous:
                diffs[row.history_id] = self._diff(row, previous[row.audit_previous])
            elif row.history_type == "+":
                diffs[row.history_id] = self._initial(row)
            else:
                diffs[row.history_id] = []
        values = _RelatedNames(self.history_model, [c for changes in diffs.values() for c in changes])
        names = {}
        result = {}
        instances = {}
        for row in rows:
            # One name per object in one read: a rename shows in the diff.
            if row.id not in instances:
                instances[row.id] = self._instance(row)
        _read_parents(self.model, list(instances.values()))
        for row in rows:
            if row.id not in names:
                names[row.id] = _object_name(instances[row.id], row)
            result[row.history_id] = Entry(
                when=row.history_date,
                user=_user_name(row.history_user),
                institution=institutions.get(row.history_id, ""),
                model=self.name,
                object=names[row.id],
                action=Action(row.history_type).label,
                changes=[values.change(name, old, new) for name, old, new in diffs[row.history_id]],
                reason=row.history_change_reason or "",
            )
        return result

    def _instance(self, row):
        """The object as the row recorded it. simple_history's `row.instance` reads the fields the history leaves
        out (a user's password) from the live row, a query per row; a name never needs them."""
        if not self.history_model._history_excluded_fields:
            return row.instance
        return self.model(**{f.attname: getattr(row, f.attname) for f in self.history_model.tracked_fields})

    def _previous_ids(self):
        return (
            self.history_model._default_manager.filter(id=OuterRef("id"))
            .filter(
                Q(history_date__lt=OuterRef("history_date"))
                | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
            )
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )

    def _institutions(self, ids):
        if not self.institution_path:
            return {}
        from institutions.models import Institution

        institution_ids = dict(
            self.history_model._default_manager.filter(history_id__in=ids).values_list(
                "history_id", self.institution_path
            )
        )
        names = {i.pk: str(i) for i in Institution.objects.filter(pk__in={v for v in institution_ids.values() if v})}
        return {history_id: names.get(pk, "") for history_id, pk in institution_ids.items()}

    def _tracked(self):
        return [
            f
            for f in self.history_model.tracked_fields
            if f.editable and f.name not in NOISE_FIELDS and not getattr(f, "auto_now", False)
        ]

    def _diff(self, row, previous):
        """(field name, old, new) of what the row changed against the one before it."""
        tracked = [f.name for f in self._tracked()]
        m2m = [f.name for f in self.history_model._history_m2m_fields]
        delta = row.diff_against(previous, included_fields=tracked + m2m)
        return [(change.field, change.old, change.new) for change in delta.changes]

    def _initial(self, row):
        """(field name, None, value) of every field a new row was given a value in."""
        result = []
        for f in self._tracked():
            value = getattr(row, f.attname)
            if value not in (None, "", [], {}):
                result.append((f.name, None, value))
        return result


class ImportSource(Source):
    def __init__(self, model, user_field):
        super().__init__(model)
        self.user_field = user_field

    def applies(self, filters):
        return not filters.institution and filters.action in ("", Action.IMPORTED)

    def queryset(self, filters):
        rows = self.model._default_manager.all()
        start, end = _day_bounds(filters)
        if start:
            rows = rows.filter(created_at__gte=start)
        if end:
            rows = rows.filter(created_at__lt=end)
        if filters.user:
            rows = rows.filter(**{self.user_field: filters.user})
        return rows

    def keys(self, filters, count):
        return self.queryset(filters).order_by("-created_at", "-pk").values_list("created_at", "pk")[:count]

    def entries(self, ids):
        result = {}
        for job in self.model._default_manager.filter(pk__in=ids).select_related(self.user_field):
            counts = [
                ("original_name", job.original_name),
                ("status", job.get_status_display()),
                ("total_rows", job.total_rows),
                ("created_count", job.created_count),
                ("updated_count", job.updated_count),
                ("unchanged_count", job.unchanged_count),
                ("error_count", job.error_count),
            ]
            result[job.pk] = Entry(
                when=job.created_at,
                user=_user_name(getattr(job, self.user_field)),
                institution="",
                model=self.name,
                object=str(job),
                action=Action.IMPORTED.label,
                changes=[
                    Change(str(capfirst(self.model._meta.get_field(name).verbose_name)), None, _shown(value))
                    for name, value in counts
                ],
                reason=job.change_reason,
            )
        return result


def history_sources():
    """Every historied model of the audited apps."""
    return [
        HistorySource(model)
        for label in AUDITED_APPS
        for model in apps.get_app_config(label).get_models()
        if hasattr(model._meta, "simple_history_manager_attribute")
    ]


def all_sources():
    sources = history_sources() + [ImportSource(apps.get_model(label), user) for label, user in IMPORT_MODELS.items()]
    return sorted(sources, key=lambda source: str(source.choice_label))


def model_choices():
    return [(source.label, source.choice_label) for source in all_sources()]


# --- the trail -----------------------------------------------------------------------------------------------


class AuditTrail:
    """The filtered trail as a sequence, newest first: `len()` counts it, a slice reads that part of it. Made for
    a paginator, which counts once and then asks for one page."""

    def __init__(self, filters):
        self.filters = filters
        self.sources = [
            source
            for source in all_sources()
            if source.applies(filters) and (not filters.model or source.label == filters.model)
        ]

    @cached_property
    def counts(self):
        counts = {source.label: 0 for source in self.sources}
        queries = {index: source.queryset(self.filters).values("pk") for index, source in enumerate(self.sources)}
        for index, count in _union_all(queries, "COUNT(*)"):
            counts[self.sources[index].label] = count
        return counts

    def __len__(self):
        return sum(self.counts.values())

    def __iter__(self):
        return iter(self[: len(self)])

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start, stop, _step = key.indices(len(self))
        if stop <= start:
            return []
        queries = {
            index: source.keys(self.filters, stop)
            for index, source in enumerate(self.sources)
            if self.counts[source.label]
        }
        # The database merges the tables' newest keys and keeps the first `stop`: ties on the date are broken by
        # the id, then by the table, so a page never shuffles between two reads.
        keys = [(when, pk, self.sources[index]) for index, when, pk in _union_all(queries, "*", newest=stop)]
        newest = keys[start:stop]
        by_source = {}
        for _when, pk, source in newest:
            by_source.setdefault(source, []).append(pk)
        entries = {}
        for source, ids in by_source.items():
            for pk, entry in source.entries(ids).items():
                entries[(source.label, pk)] = entry
        return [entries[(source.label, pk)] for _when, pk, source in newest if (source.label, pk) in entries]


def _union_all(queries, columns, newest=None):
    """`SELECT key, columns FROM (query)` of each {key: queryset}, in one UNION ALL statement: the trail reads
    some seventy tables, and one round trip each made a page cost two hundred queries. With `newest`, only that
    many rows, ordered by the columns (date, id) and then the key, newest first. Dates come back as the database
    gives them, so they are converted as the querysets would."""
    parts, params, converters = [], [], {}
    for key, queryset in queries.items():
        try:
            sql, query_params = queryset.query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing
            continue
        parts.append(f"SELECT {int(key)} AS audit_source, {columns} FROM ({sql}) AS audit_{int(key)}")
        params.extend(query_params)
        converters[key] = queryset
    if not parts:
        return []
    connection = connections[next(iter(converters.values())).db]
    sql = " UNION ALL ".join(parts)
    if newest is not None:
        sql += f" ORDER BY 2 DESC, 3 DESC, 1 DESC LIMIT {int(newest)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if columns != "*":
        return rows
    convert = getattr(connection.ops, "convert_datetimefield_value", None)  # SQLite's; psycopg gives datetimes
    if convert is None:
        return rows
    field = models.DateTimeField()
    return [(key, convert(when, field, connection), pk) for key, when, pk in rows]


# --- values --------------------------------------------------------------------------------------------------


class _RelatedNames:
    """Shows a diff's values as a reader knows them: a choice by its label, a foreign key by the related row's
    name (read in one query per related model), a list of many-to-many rows by their names."""

    def __init__(self, history_model, changes):
        self.history_model = history_model
        wanted = {}
        for name, old, new in changes:
            related = self._related_model(name)
            if related is None:
                continue
            for value in (old, new):
                for pk in self._pks(name, value):
                    wanted.setdefault(related, set()).add(pk)
        self.names = {}
        for related, pks in wanted.items():
            objects = related._default_manager.in_bulk(list(pks))
            _read_parents(related, list(objects.values()))
            for pk, obj in objects.items():
                self.names[(related, pk)] = _safe_str(obj)

    def _field(self, name):
        try:
            return self.history_model._meta.get_field(name)
        except FieldDoesNotExist:
            return None

    def _m2m(self, name):
        for f in self.history_model._history_m2m_fields:
            if f.name == name:
                return f
        return None

    def _related_model(self, name):
        m2m = self._m2m(name)
        if m2m is not None:
            return m2m.related_model
        f = self._field(name)
        if f is not None and f.is_relation and f.many_to_one:
            return f.related_model
        return None

    def _pks(self, name, value):
        m2m = self._m2m(name)
        if m2m is not None:
            target = self._m2m_target(m2m)
            return [row.get(target) for row in value or [] if row.get(target) is not None]
        return [] if value is None else [value]

    @staticmethod
    def _m2m_target(m2m):
        from simple_history.utils import get_m2m_reverse_field_name

        return get_m2m_reverse_field_name(m2m)

    def show(self, name, value):
        related = self._related_model(name)
        if related is not None:
            pks = self._pks(name, value)
            if self._m2m(name) is not None:
                return ", ".join(sorted(self.names.get((related, pk), f"#{pk}") for pk in pks)) or "—"
            return self.names.get((related, pks[0]), f"#{pks[0]}") if pks else "—"
        f = self._field(name)
        if f is not None and f.choices and value not in (None, ""):
            return str(dict(f.flatchoices).get(value, value))
        return _shown(value)

    def label(self, name):
        f = self._field(name) or self._m2m(name)
        return str(capfirst(f.verbose_name)) if f is not None else name

    def change(self, name, old, new):
        return Change(self.label(name), None if old is None else self.show(name, old), self.show(name, new))


def _shown(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    if isinstance(value, (int, float)) or hasattr(value, "isoformat"):
        return str(formats.localize(value))
    return Truncator(str(value)).chars(TEXT_LIMIT)


def _safe_str(obj):
    try:
        return str(obj)
    except ObjectDoesNotExist:
        return f"{capfirst(obj._meta.verbose_name)} #{obj.pk}"


def _read_parents(model, instances):
    """Read the rows the instances' foreign keys name, one query per key, since a name often shows its parent's."""
    names = [f.name for f in model._meta.concrete_fields if f.many_to_one and f.related_model is not None]
    if instances and names:
        prefetch_related_objects(instances, *names)


def _object_name(instance, row):
    """The object as it was in the row: its name, or its kind and id when the name needs a row that is gone."""
    try:
        return Truncator(str(instance)).chars(TEXT_LIMIT)
    except (ObjectDoesNotExist, AttributeError):
        return f"{capfirst(row.instance_type._meta.verbose_name)} #{row.id}"


def _user_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _day_bounds(filters):
    """[start, end) datetimes of the filters' days in the site's time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(filters.date_from, time.min, tzinfo=zone) if filters.date_from else None
    end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=zone) if filters.date_to else None
    return start, end


def users_with_changes():
    """The users the user filter offers: everyone, by user name (the coordinator may look up anyone)."""
    return get_user_model()._default_manager.order_by("username")
