"""Methodologies, rounds and assessments in the Django admin.

Only coordinators change methodologies; experts may read them; nobody else sees them here. A frozen version
(assessments/methodologies.py) is shown read-only, with the action to create a new version. Files are imported
and exported through assessments/resources.py, the same rules as the reference loader. Rounds and assessments
are read-mostly: they are opened, filled in and reviewed in the interface (assessments/workflow.py).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Role
from config.uploads import check_data_file
from institutions.admin_scoping import (
    CoordinatorChangesMixin,
    ParentScopedInlineMixin,
    ReadOnlyMixin,
    is_coordinator,
    is_staff,
)
from institutions.resources import ImportRejected

from .methodologies import THRESHOLD_FIELDS, answered_questions, chosen_options, frozen_methodologies, new_version
from .models import Answer, Area, Assessment, Band, Methodology, Option, Question, Round, Score
from .resources import (
    CONTENT_TYPES,
    FILE_FORMATS,
    band_count_problem,
    export_file,
    export_filename,
    file_format_of,
    import_file,
    option_count_problem,
    overlapping_bands,
)
from .workflow import visible_assessments


def _frozen_ids(request):
    """The frozen versions, looked up once per request."""
    if not hasattr(request, "_frozen_methodology_ids"):
        request._frozen_methodology_ids = set(frozen_methodologies().values_list("pk", flat=True))
    return request._frozen_methodology_ids


def _may_change_methodology(request, methodology_id):
    return is_coordinator(request) and (methodology_id is None or methodology_id not in _frozen_ids(request))


class ExpertsReadMixin:
    """Coordinators and experts read methodologies and rounds; editors and viewers work in the interface."""

    def may_read(self, request):
        return is_coordinator(request) or (is_staff(request) and request.user.role == Role.EXPERT)


def _counts_text(counts):
    labels = {
        "new": gettext("new"),
        "update": gettext("changed"),
        "delete": gettext("deleted"),
        "skip": gettext("unchanged"),
    }
    return ", ".join(f"{labels[kind]}: {count}" for kind, count in counts.items())


class MethodologyPartInline(ExpertsReadMixin, ParentScopedInlineMixin, admin.TabularInline):
    """A part of a methodology version, changed with it and frozen with it."""

    extra = 0

    def methodology_id(self, obj):
        return getattr(obj, "pk", None)

    def may_change(self, request, parent):
        return _may_change_methodology(request, self.methodology_id(parent))

    def has_view_permission(self, request, obj=None):
        return self.may_read(request)


def _deleted(formset):
    """The stored rows a formset is about to delete."""
    return [
        form.instance
        for form in formset.forms
        if form.instance.pk and getattr(form, "cleaned_data", None) and form.cleaned_data.get("DELETE")
    ]


class AreaFormSet(BaseInlineFormSet):
    """Like a file import: an area whose questions have answers is not deleted with them."""

    def clean(self):
        super().clean()
        for area in _deleted(self):
            if answered_questions(area.questions.values_list("pk", flat=True)):
                raise forms.ValidationError(
                    gettext("Area %(code)s has answered questions and cannot be deleted.") % {"code": area.code}
                )


class AreaInline(MethodologyPartInline):
    model = Area
    formset = AreaFormSet
    formfield_overrides = {
        models.DecimalField: {"widget": forms.NumberInput(attrs={"style": "width: 6em"})},
        models.PositiveSmallIntegerField: {"widget": forms.NumberInput(attrs={"style": "width: 4em"})},
        models.CharField: {"widget": forms.TextInput(attrs={"style": "width: 16em"})},
    }
    fields = ("code", "order", "name_lv", "name_en", "weight", "scored", *THRESHOLD_FIELDS, "questions")
    readonly_fields = ("questions",)

    @admin.display(description=_("questions"))
    def questions(self, area):
        if area.pk is None:
            return "–"
        url = reverse("admin:assessments_question_changelist") + f"?area__id__exact={area.pk}"
        return format_html('<a href="{}">{}</a>', url, area.questions.count())


@admin.register(Methodology)
class MethodologyAdmin(ExpertsReadMixin, CoordinatorChangesMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "family", "version", "year", "frozen", "based_on", "created_at")
    list_filter = ("family", "year")
    search_fields = ("name_lv", "name_en")
    list_select_related = ("based_on",)
    inlines = [AreaInline]
    actions = ["create_new_version"]
    fieldsets = (
        (None, {"fields": ("family", "version", "year", "name_lv", "name_en", "based_on", "created_at")}),
        (_("Description"), {"fields": ("description_lv", "description_en", "defaults_note")}),
        (_("Overall level thresholds"), {"fields": THRESHOLD_FIELDS}),
    )
    change_form_template = "admin/assessments/methodology/change_form.html"
    change_list_template = "admin/assessments/methodology/change_list.html"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "defaults_note":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("frozen"), boolean=True)
    def frozen(self, methodology):
        return methodology.frozen_flag

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(frozen_flag=Exists(frozen_methodologies().filter(pk=OuterRef("pk"))))
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("based_on", "created_at")
        return ("family", "version", "based_on", "created_at")

    def has_change_permission(self, request, obj=None):
        return _may_change_methodology(request, getattr(obj, "pk", None))

    def has_delete_permission(self, request, obj=None):
        return _may_change_methodology(request, getattr(obj, "pk", None))

    def has_new_version_permission(self, request):
        return is_coordinator(request)

    @admin.action(description=_("Create a new version"), permissions=["new_version"])
    def create_new_version(self, request, queryset):
        for methodology in queryset:
            copy = new_version(methodology, user=request.user)
            self.message_user(
                request,
                gettext("%(new)s was created from %(old)s.") % {"new": copy, "old": methodology},
                messages.SUCCESS,
            )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="%s_%s_import" % info),
            path("<int:pk>/export/<str:file_format>/", view(self.export_view), name="%s_%s_export" % info),
            path("<int:pk>/new-version/", view(self.new_version_view), name="%s_%s_new_version" % info),
            *super().get_urls(),
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id:
            extra_context.update(
                is_frozen=int(object_id) in _frozen_ids(request) if str(object_id).isascii() and str(object_id).isdigit() else False,
                may_create_new_version=self.has_new_version_permission(request),
                file_formats=FILE_FORMATS,
            )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": is_coordinator(request)}
        return super().changelist_view(request, extra_context)

    def export_view(self, request, pk, file_format):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if file_format not in FILE_FORMATS:
            raise Http404
        methodology = get_object_or_404(Methodology, pk=pk)
        response = HttpResponse(export_file(methodology, file_format), content_type=CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="{export_filename(methodology, file_format)}"'
        return response

    def new_version_view(self, request, pk):
        if request.method != "POST" or not self.has_new_version_permission(request):
            raise PermissionDenied
        methodology = get_object_or_404(Methodology, pk=pk)
        copy = new_version(methodology, user=request.user)
        self.message_user(
            request, gettext("%(new)s was created from %(old)s.") % {"new": copy, "old": methodology}, messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:assessments_methodology_change", args=[copy.pk]))

    def import_view(self, request):
        if not is_coordinator(request):
            raise PermissionDenied
        form = MethodologyImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                methodology, counts = import_file(upload.read(), file_format_of(upload.name), user=request.user)
            except ImportRejected as rejected:
                errors = rejected.errors
            else:
                self.message_user(
                    request,
                    gettext("%(methodology)s was imported (%(counts)s).")
                    % {"methodology": methodology, "counts": _counts_text(counts)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:assessments_methodology_change", args=[methodology.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import a methodology"),
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/assessments/methodology/import.html", context)


class MethodologyImportForm(forms.Form):
    file = forms.FileField(
        label=_("XLSX or CSV file"),
        help_text=_("A file exported from this page, edited. Its methodology row names the version it is for."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            return upload  # the import names the types it reads
        return check_data_file(upload)


class OptionFormSet(BaseInlineFormSet):
    """The same rule as the file import: choice questions need options, other questions have none."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        problem = option_count_problem(self.instance.question_type, len(kept))
        if problem:
            raise forms.ValidationError(problem)
        chosen = chosen_options(_deleted(self))
        if chosen:
            codes = ", ".join(option.code for option in _deleted(self) if option.pk in chosen)
            raise forms.ValidationError(
                gettext("Options chosen in answers cannot be deleted: %(codes)s.") % {"codes": codes}
            )


class BandFormSet(BaseInlineFormSet):
    """The same rule as the file import: number and percent questions need bands that do not overlap."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        problem = band_count_problem(self.instance.question_type, len(kept))
        if problem:
            raise forms.ValidationError(problem)
        bands = [(index, form.cleaned_data["lower"], form.cleaned_data.get("upper")) for index, form in enumerate(kept)]
        for index, _other in overlapping_bands(bands):
            kept[index].add_error("lower", gettext("overlaps another band"))


class QuestionPartInline(MethodologyPartInline):
    def methodology_id(self, obj):
        return obj.area.methodology_id if obj is not None and obj.pk else None


class OptionInline(QuestionPartInline):
    model = Option
    formset = OptionFormSet
    fields = ("code", "order", "name_lv", "name_en", "points")


class BandInline(QuestionPartInline):
    model = Band
    formset = BandFormSet
    fields = ("lower", "upper", "points")


@admin.register(Question)
class QuestionAdmin(ExpertsReadMixin, CoordinatorChangesMixin, admin.ModelAdmin):
    list_display = ("code", "short_text", "area", "methodology", "question_type", "mandatory", "allows_not_applicable")
    list_filter = ("area__methodology", "question_type", "mandatory")
    search_fields = ("code", "text_lv", "text_en")
    list_select_related = ("area__methodology",)
    ordering = ("area__methodology", "area__order", "order", "code")
    inlines = [OptionInline, BandInline]
    fields = (
        "area",
        "code",
        "order",
        "question_type",
        "text_lv",
        "text_en",
        "help_lv",
        "help_en",
        "mandatory",
        "allows_not_applicable",
        "evidence_required",
        "max_points",
    )

    @admin.display(description=_("question"))
    def short_text(self, question):
        return Truncator(question.text).chars(80)

    @admin.display(description=_("methodology"), ordering="area__methodology")
    def methodology(self, question):
        return question.area.methodology

    def has_change_permission(self, request, obj=None):
        return _may_change_methodology(request, obj.area.methodology_id if obj is not None else None)

    def has_delete_permission(self, request, obj=None):
        """Not a question with answers: the answers would go with it."""
        if obj is not None and answered_questions([obj.pk]):
            return False
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = (
                Area.objects.exclude(methodology__in=frozen_methodologies())
                .select_related("methodology")
                .order_by("methodology__family", "-methodology__version", "order")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Round)
class RoundAdmin(ExpertsReadMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Rounds are opened in the interface; here the coordinator may rename one, move its deadline or close it."""

    list_display = ("__str__", "methodology", "year", "deadline", "status", "is_demo")
    list_filter = ("status", "year", "methodology__family")
    list_select_related = ("methodology",)
    fields = ("methodology", "year", "name_lv", "name_en", "deadline", "status", "opened_by", "opened_at", "is_demo")
    readonly_fields = ("methodology", "year", "opened_by", "opened_at", "is_demo")

    def has_change_permission(self, request, obj=None):
        return is_coordinator(request)


class ReadOnlyInline(ExpertsReadMixin, ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class ScoreInline(ReadOnlyInline):
    model = Score
    fields = ("area", "score", "level", "trend", "new_level", "peer_group", "rank", "computed_at")
    readonly_fields = fields


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = ("question", "options", "number", "text", "not_applicable", "expert_answered", "points", "obtainable")
    readonly_fields = fields
    classes = ("collapse",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")


@admin.register(Assessment)
class AssessmentAdmin(ExpertsReadMixin, ReadOnlyMixin, SimpleHistoryAdmin):
    """Read-only: assessments are filled in, reviewed and approved in the interface, where their rules live."""

    list_display = ("__str__", "institution", "round", "version", "status", "is_current", "submitted_at")
    list_filter = ("status", "is_current", "round__methodology__family", "round")
    search_fields = ("institution__name_lv", "institution__short_name")
    list_select_related = ("round", "institution")
    inlines = [ScoreInline, AnswerInline]

    def get_queryset(self, request):
        return visible_assessments(request.user, super().get_queryset(request))
