"""Forms of the transformation pages: a project, its project group and phases, a phase's measurements (with the
catalogue's pre-filled values), closing a project, the indicator library, service reviews, oversight decisions
and shared components. Each error is attached to the field it concerns, so the page names that field; what a
user may choose comes from transformation/scoping.py."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution
from services.models import Service

from . import scoping
from .models import (
    DECIDED_STATUSES,
    ComponentInstitution,
    ComponentProject,
    IndicatorScope,
    Measurement,
    MeasurementSource,
    OversightDecision,
    PhaseKind,
    ProjectMember,
    ProjectPhase,
    ResultIndicator,
    ServiceReview,
    SharedComponent,
    TransformationProject,
    ValueKind,
)

NON_FIELD = forms.forms.NON_FIELD_ERRORS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def not_in_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("The date may not be in the future."))


def institution_label(institution):
    return f"{institution.name} ({institution.short_name})" if institution.short_name else institution.name


def service_label(service):
    return f"{service.catalogue_id} {service.name}"


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return institution_label(obj)


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return service_label(obj)


class ServiceMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return service_label(obj)


def error_list(form, where=""):
    """(field id or None, message) of every error of `form`; `where` names the row the form is on."""
    summary = []
    for name, errors in form.errors.items():
        if name == NON_FIELD:
            field_id, prefix = None, where
        else:
            field_id = form[name].auto_id
            label = form.fields[name].label
            prefix = f"{where}, {label}" if where else str(label)
        summary += [(field_id, f"{prefix}: {error}" if prefix else str(error)) for error in errors]
    return summary


def held_or_provided(institutions):
    """Services an institution of `institutions` (a queryset) holds or provides."""
    ids = institutions.values("pk")
    return Service.objects.filter(Q(holder__in=ids) | Q(providers__in=ids)).distinct()


# --- projects ---------------------------------------------------------------------------------------------------


class ProjectForm(forms.ModelForm):
    """A project of one institution the user may edit, concerning services that institution holds or provides."""

    institution = InstitutionChoiceField(queryset=Institution.objects.none(), label=_("Institution"))
    services = ServiceMultipleChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label=_("Services concerned"),
        help_text=_("Services the institution holds or provides. Hold Ctrl (⌘ on a Mac) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = TransformationProject
        fields = [
            "institution",
            "name",
            "goal",
            "services",
            "funding_source",
            "planned_start",
            "planned_end",
            "appraisal_years",
        ]
        widgets = {"goal": forms.Textarea(attrs={"rows": 4}), "planned_start": DateInput, "planned_end": DateInput}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = scoping.project_institutions(user)
        if self.instance.pk:
            # A project stays with its institution; its services may change.
            institutions = institutions.filter(pk=self.instance.institution_id)
        institutions = institutions.order_by("name_lv")
        self.fields["institution"].queryset = institutions
        if not self.instance.pk and institutions.count() == 1:
            self.fields["institution"].initial = institutions.first().pk
        self.fields["services"].queryset = held_or_provided(institutions).order_by("catalogue_id")

    def clean(self):
        cleaned = super().clean()
        institution, services = cleaned.get("institution"), cleaned.get("services")
        if institution is not None and services:
            own = set(held_or_provided(Institution.objects.filter(pk=institution.pk)).values_list("pk", flat=True))
            foreign = [service for service in services if service.pk not in own]
            if foreign:
                self.add_error(
                    "services",
                    _("{institution} neither holds nor provides: {services}.").format(
                        institution=institution.name, services=", ".join(service_label(s) for s in foreign)
                    ),
                )
        start, end = cleaned.get("planned_start"), cleaned.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("The planned end comes before the planned start."))
        return cleaned


class MemberForm(forms.ModelForm):
    class Meta:
        model = ProjectMember
        fields = ["person_name", "role", "email"]


MemberFormSet = forms.inlineformset_factory(
    TransformationProject, ProjectMember, form=MemberForm, extra=2, can_delete=True
)


class GroupEditor:
    """The project group's formset, each error named by member row, saved in one transaction."""

    def __init__(self, project, data=None):
        self.project = project
        self.members = MemberFormSet(data, instance=project, prefix="members")

    def is_valid(self):
        return self.members.is_valid()

    def error_summary(self):
        summary = [(None, str(error)) for error in self.members.non_form_errors()]
        for number, form in enumerate(self.members.forms, start=1):
            summary += error_list(form, _("Member {number}").format(number=number))
        return summary

    @transaction.atomic
    def save(self):
        return self.members.save()


class PhaseForm(forms.ModelForm):
    """A phase's plan and note; its status and actual dates change through the start and complete actions."""

    class Meta:
        model = ProjectPhase
        fields = ["planned_start", "planned_end", "note"]
        widgets = {"planned_start": DateInput, "planned_end": DateInput, "note": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("planned_start"), cleaned.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("The planned end comes before the planned start."))
        return cleaned


PhaseFormSet = forms.modelformset_factory(ProjectPhase, form=PhaseForm, extra=0, can_delete=False)


class PhasePlanEditor:
    def __init__(self, project, data=None):
        self.project = project
        self.phases = PhaseFormSet(data, queryset=project.phases.order_by("order"), prefix="phases")

    def is_valid(self):
        return self.phases.is_valid()

    def error_summary(self):
        summary = [(None, str(error)) for error in self.phases.non_form_errors()]
        for form in self.phases.forms:
            summary += error_list(form, form.instance.get_kind_display())
        return summary

    @transaction.atomic
    def save(self):
        return self.phases.save()


class PhaseActionForm(forms.Form):
    """Starting or completing a phase on a day (today unless another is given)."""

    phase = forms.ChoiceField(choices=PhaseKind.choices, widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=(("start", "start"), ("complete", "complete")), widget=forms.HiddenInput)
    on = forms.DateField(label=_("On"), required=False, widget=DateInput, validators=[not_in_future])


class CloseForm(forms.Form):
    on = forms.DateField(label=_("Closed on"), required=False, widget=DateInput, validators=[not_in_future])


# --- measurements -----------------------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    """The period a phase's measurements describe; the catalogue's figures are read for it."""

    period_start = forms.DateField(label=_("Period from"), widget=DateInput)
    period_end = forms.DateField(label=_("Period until"), widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return cleaned


VALUE_STEPS = {ValueKind.SHARE: "0.01", ValueKind.MONEY: "0.01", ValueKind.COUNT: "0.01", ValueKind.SCORE: "0.01"}


class MeasurementRowForm(forms.Form):
    """One indicator's value in the phase: a number or a text, by the indicator's kind. `prefill` is the
    catalogue's value for the period, if the indicator has a catalogue source; keeping it records the value as
    pre-filled, changing it records the value as entered."""

    value = forms.DecimalField(label=_("Value"), required=False, max_digits=18, decimal_places=4)
    text_value = forms.CharField(label=_("Value"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, indicator, prefill=None, stored=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator, self.prefill, self.stored = indicator, prefill, stored
        label = f"{indicator.code} {indicator.name}"
        if indicator.is_numeric:
            del self.fields["text_value"]
            field = self.fields["value"]
            field.label = label
            field.widget.attrs.update(step=VALUE_STEPS.get(indicator.value_kind, "any"), inputmode="decimal")
            if indicator.value_kind == ValueKind.SHARE:
                field.min_value, field.max_value = Decimal(0), Decimal(100)
                field.widget.attrs.update(min="0", max="100")
            elif indicator.value_kind in (ValueKind.COUNT, ValueKind.MONEY):
                field.widget.attrs.update(min="0")
        else:
            del self.fields["value"]
            self.fields["text_value"].label = label
        self.fields["note"].label = _("Note on {code}").format(code=indicator.code)

    @property
    def value_field(self):
        return self["value"] if self.indicator.is_numeric else self["text_value"]

    def has_value(self):
        data = self.cleaned_data
        if self.indicator.is_numeric:
            return data.get("value") is not None
        return bool((data.get("text_value") or "").strip())

    def is_prefilled_value(self):
        """True when the value sent is the catalogue's value for the period, as stored or as the input shows it
        (kept, not overridden)."""
        if not self.indicator.is_numeric or self.prefill is None or self.prefill.value is None:
            return False
        value = self.cleaned_data.get("value")
        return value is not None and value in (round(self.prefill.value, 4), prefill_display_value(self.prefill))


def prefill_display_value(prefill):
    """The catalogue's value as the input shows it: rounded to two decimals."""
    return None if prefill is None or prefill.value is None else round(prefill.value, 2)


class PhaseMeasurementEditor:
    """The period and one row per indicator of a measuring phase, validated together and saved in one
    transaction: a row with a value creates or updates its measurement, an emptied row removes it."""

    def __init__(self, project, phase, indicators, period, prefills, stored, data=None, user=None):
        self.project, self.phase, self.user = project, phase, user
        initial_period = {"period_start": period[0], "period_end": period[1]}
        self.period = PeriodForm(data, initial=initial_period, prefix="period")
        self.rows = []
        for indicator in indicators:
            measurement = stored.get(indicator.pk)
            prefill = prefills.get(indicator.pk)
            initial = {}
            if measurement is not None:
                initial = {"value": measurement.value, "text_value": measurement.text_value, "note": measurement.note}
            elif prefill is not None and prefill.value is not None:
                initial = {"value": prefill_display_value(prefill)}
            self.rows.append(
                MeasurementRowForm(
                    data,
                    indicator=indicator,
                    prefill=prefill,
                    stored=measurement,
                    initial=initial,
                    prefix=f"m-{indicator.pk}",
                )
            )

    def is_valid(self):
        valid = self.period.is_valid()
        for row in self.rows:
            valid = row.is_valid() and valid
        if not valid:
            return False
        for row in self.rows:
            if not row.has_value():
                continue
            measurement = self._measurement(row)
            try:
                measurement.full_clean(exclude=["project", "indicator", "measured_by"], validate_unique=False)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    target = name if name in row.fields else None
                    for message in messages:
                        row.add_error(target, message)
                valid = False
        return valid

    def _measurement(self, row):
        """The row's measurement with the values sent (not saved)."""
        measurement = row.stored or Measurement(project=self.project, indicator=row.indicator, phase=self.phase)
        data = row.cleaned_data
        measurement.period_start = self.period.cleaned_data["period_start"]
        measurement.period_end = self.period.cleaned_data["period_end"]
        if row.indicator.is_numeric:
            kept = row.is_prefilled_value()
            unchanged_prefill = (
                row.stored is not None
                and row.stored.source == MeasurementSource.PREFILLED
                and data["value"] == row.stored.value
            )
            measurement.value = row.prefill.value if kept else data["value"]
            measurement.text_value = ""
            if kept:
                measurement.source = MeasurementSource.PREFILLED
                measurement.source_note = row.prefill.note[:500]
            elif unchanged_prefill:
                pass  # the catalogue has no value for the period now: the earlier pre-filled value stays as it was
            else:
                measurement.source = MeasurementSource.ENTERED
                measurement.source_note = ""
        else:
            measurement.value = None
            measurement.text_value = data["text_value"].strip()
            measurement.source = MeasurementSource.ENTERED
            measurement.source_note = ""
        measurement.note = data.get("note", "")
        return measurement

    def error_summary(self):
        summary = error_list(self.period)
        for row in self.rows:
            summary += error_list(row, row.indicator.code)
        return summary

    @transaction.atomic
    def save(self):
        """Writes the phase's measurements; returns (saved, removed) counts."""
        saved = removed = 0
        today = timezone.localdate()
        for row in self.rows:
            if row.has_value():
                measurement = self._measurement(row)
                measurement.measured_by = self.user
                measurement.measured_on = today
                measurement.save()
                saved += 1
            elif row.stored is not None:
                row.stored.delete()
                removed += 1
        return saved, removed


# --- the indicator library --------------------------------------------------------------------------------------


class IndicatorForm(forms.ModelForm):
    """The coordinator adds national trend indicators (with their collection method, so the data stay
    comparable); an institution's editor adds its own optional indicators."""

    owner_institution = InstitutionChoiceField(
        queryset=Institution.objects.none(), required=False, label=_("Owner institution")
    )

    class Meta:
        model = ResultIndicator
        fields = [
            "scope",
            "owner_institution",
            "code",
            "name_lv",
            "name_en",
            "description_lv",
            "description_en",
            "unit",
            "value_kind",
            "good_direction",
            "mandatory",
            "monetary_role",
            "catalogue_source",
            "collection_method_lv",
            "collection_method_en",
            "order",
            "active",
        ]
        widgets = {
            "description_lv": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "collection_method_lv": forms.Textarea(attrs={"rows": 3}),
            "collection_method_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        coordinator = scoping.is_coordinator(user)
        owners = scoping.indicator_owner_choices(user).order_by("name_lv")
        self.fields["owner_institution"].queryset = owners
        if coordinator:
            scopes = [(IndicatorScope.TREND, IndicatorScope.TREND.label)]
            if self.instance.pk and self.instance.scope == IndicatorScope.LIBRARY:
                scopes.insert(0, (IndicatorScope.LIBRARY, IndicatorScope.LIBRARY.label))
            scopes.append((IndicatorScope.INSTITUTION, IndicatorScope.INSTITUTION.label))
            self.fields["scope"].choices = scopes
            if not self.instance.pk:
                self.fields["scope"].initial = IndicatorScope.TREND
        else:
            self.fields["scope"].choices = [(IndicatorScope.INSTITUTION, IndicatorScope.INSTITUTION.label)]
            self.fields["scope"].initial = IndicatorScope.INSTITUTION
            # Own indicators are optional and never pre-filled: the catalogue sources belong to the national set.
            for name in ("mandatory", "catalogue_source"):
                del self.fields[name]
            if not self.instance.pk and owners.count() == 1:
                self.fields["owner_institution"].initial = owners.first().pk
        if self.instance.pk:
            self.fields["code"].disabled = True
        self.fields["collection_method_lv"].help_text = _(
            "How the value is collected and computed, so that every institution measures it alike."
        )

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        owner = cleaned.get("owner_institution")
        if scope == IndicatorScope.INSTITUTION:
            if owner is None:
                self.add_error("owner_institution", _("Choose the institution whose indicator this is."))
            if cleaned.get("mandatory"):
                self.add_error("mandatory", _("An institution's own indicator is optional."))
        else:
            cleaned["owner_institution"] = None
        if scope == IndicatorScope.TREND and not (cleaned.get("collection_method_lv") or "").strip():
            self.add_error(
                "collection_method_lv", _("A national trend indicator needs its collection method, in Latvian.")
            )
        kind = cleaned.get("value_kind")
        if cleaned.get("monetary_role") and kind != ValueKind.MONEY:
            self.add_error("monetary_role", _("Only a money indicator has a cost–benefit role."))
        if kind == ValueKind.TEXT:
            if cleaned.get("good_direction") not in (None, "", "none"):
                self.add_error("good_direction", _("A text indicator is not classed as a gain or a loss."))
            if cleaned.get("catalogue_source"):
                self.add_error("catalogue_source", _("A text indicator cannot be pre-filled from the catalogue."))
        return cleaned


# --- reviews ----------------------------------------------------------------------------------------------------


class ServiceReviewForm(forms.ModelForm):
    service = ServiceChoiceField(queryset=Service.objects.none(), label=_("Service"))
    reviewer_institution = InstitutionChoiceField(queryset=Institution.objects.none(), label=_("Reviewing institution"))

    class Meta:
        model = ServiceReview
        fields = ["service", "kind", "reviewed_on", "reviewer_institution", "project", "finding"]
        widgets = {"reviewed_on": DateInput, "finding": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = scoping.reviewable_services(user).order_by("catalogue_id")
        reviewers = scoping.reviewer_institutions(user).order_by("name_lv")
        self.fields["reviewer_institution"].queryset = reviewers
        if reviewers.count() == 1:
            self.fields["reviewer_institution"].initial = reviewers.first().pk
        self.fields["project"].queryset = scoping.visible_projects(user).order_by("name")
        self.fields["project"].required = False
        self.fields["reviewed_on"].validators.append(not_in_future)
        if not self.instance.pk and not self.initial.get("reviewed_on"):
            self.fields["reviewed_on"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        service, kind, day = cleaned.get("service"), cleaned.get("kind"), cleaned.get("reviewed_on")
        if service and kind and day:
            clash = ServiceReview.objects.filter(service=service, kind=kind, reviewed_on=day)
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error("reviewed_on", _("This review of the service is already recorded for that day."))
        project = cleaned.get("project")
        if project and service and not project.services.filter(pk=service.pk).exists():
            self.add_error("project", _("This project does not concern the service."))
        return cleaned


# --- oversight --------------------------------------------------------------------------------------------------


class MeasurementChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.project.name} · {obj.indicator.code} · {obj.get_phase_display()}"


class DecisionForm(forms.ModelForm):
    """A decision or recommendation of the oversight council, with what it concerns and its evidence."""

    institution = InstitutionChoiceField(
        queryset=Institution.objects.none(), required=False, label=_("Institution concerned")
    )
    services = ServiceMultipleChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label=_("Services concerned"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    measurements = MeasurementChoiceField(
        queryset=Measurement.objects.none(),
        required=False,
        label=_("Evidence: measurements"),
        help_text=_("Measurements of the project concerned, or of any project when none is chosen."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = OversightDecision
        fields = [
            "reference",
            "title",
            "kind",
            "status",
            "proposed_on",
            "decided_on",
            "text",
            "institution",
            "services",
            "project",
            "shared_component",
            "measurements",
            "evidence_text",
        ]
        widgets = {
            "proposed_on": DateInput,
            "decided_on": DateInput,
            "text": forms.Textarea(attrs={"rows": 5}),
            "evidence_text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.order_by("name_lv")
        self.fields["services"].queryset = Service.objects.order_by("catalogue_id")
        self.fields["project"].queryset = scoping.visible_projects(user).select_related("institution").order_by("name")
        self.fields["shared_component"].queryset = SharedComponent.objects.order_by("name_lv")
        measurements = scoping.visible_measurements(user).select_related("project", "indicator")
        if self.instance.pk and self.instance.project_id:
            measurements = measurements.filter(
                Q(project_id=self.instance.project_id) | Q(pk__in=self.instance.measurements.values("pk"))
            )
        self.fields["measurements"].queryset = measurements.order_by("project__name", "indicator__order", "phase")

    def clean(self):
        cleaned = super().clean()
        status, decided = cleaned.get("status"), cleaned.get("decided_on")
        if status in DECIDED_STATUSES and not decided:
            self.add_error("decided_on", _("A decided status needs the day of the decision."))
        proposed = cleaned.get("proposed_on")
        if proposed and decided and decided < proposed:
            self.add_error("decided_on", _("The decision comes before the proposal."))
        project = cleaned.get("project")
        for measurement in cleaned.get("measurements") or []:
            if project is not None and measurement.project_id != project.pk:
                self.add_error("measurements", _("Choose measurements of the project concerned."))
                break
        return cleaned


class CostEvidenceForm(forms.Form):
    """Links a peer-comparison cost figure (service, provider, year) to a decision as its evidence."""

    service = ServiceChoiceField(queryset=Service.objects.none(), label=_("Service"))
    provider = InstitutionChoiceField(queryset=Institution.objects.none(), label=_("Provider"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.order_by("catalogue_id")
        self.fields["provider"].queryset = Institution.objects.order_by("name_lv")


class CandidateFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, year) for year in years]


# --- shared components ------------------------------------------------------------------------------------------


class ComponentForm(forms.ModelForm):
    owner_institution = InstitutionChoiceField(
        queryset=Institution.objects.none(), required=False, label=_("Owner institution")
    )
    url = forms.URLField(label=_("Address"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = SharedComponent
        fields = [
            "code",
            "name_lv",
            "name_en",
            "kind",
            "status",
            "owner_institution",
            "description_lv",
            "description_en",
            "url",
        ]
        widgets = {
            "description_lv": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_institution"].queryset = Institution.objects.order_by("name_lv")


class ComponentInstitutionForm(forms.ModelForm):
    institution = InstitutionChoiceField(queryset=Institution.objects.none(), label=_("Institution"))

    class Meta:
        model = ComponentInstitution
        fields = ["institution", "since", "note"]
        widgets = {"since": DateInput}

    def __init__(self, *args, component, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.component = component
        taken = component.institution_uses.values("institution_id")
        self.fields["institution"].queryset = Institution.objects.exclude(pk__in=taken).order_by("name_lv")


class ComponentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProjectComponentForm(forms.ModelForm):
    """A shared component the project uses (seed 003 §3.2 M6: use the existing shared components)."""

    component = ComponentChoiceField(queryset=SharedComponent.objects.none(), label=_("Shared component"))

    class Meta:
        model = ComponentProject
        fields = ["component", "since", "note"]
        widgets = {"since": DateInput}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        taken = project.component_uses.values("component_id")
        self.fields["component"].queryset = SharedComponent.objects.exclude(pk__in=taken).order_by("name_lv")
