"""Forms of the VPVKAC network pages. Choices of centres and periods are handed in by the views from querysets
already limited by vpvkac/scoping.py, so a form never offers a centre the reader may not see."""

import re
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.uploads import check_data_file
from institutions.models import Institution
from services.models import Service

from .maps import EAST, NORTH, SOUTH, WEST
from .models import (
    AverageMode,
    Centre,
    ClientType,
    ContactType,
    NetworkParameters,
    ReportingPeriod,
    ReviewDecision,
    StaffType,
)
from .network import PARAMETER_FIELDS

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_ADDED_STOPS = 20


class PeriodForm(forms.Form):
    """One reporting period out of those offered; the first offered when none (or an unknown one) is asked for."""

    period = forms.ModelChoiceField(
        label=_("Period"), queryset=ReportingPeriod.objects.none(), to_field_name="code", required=False
    )

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = list(periods)
        self.fields["period"].queryset = ReportingPeriod.objects.filter(pk__in=[p.pk for p in self.periods])
        self.fields["period"].empty_label = None

    def chosen_period(self):
        if self.is_bound and self.is_valid() and self.cleaned_data.get("period"):
            chosen = self.cleaned_data["period"]
            return next(period for period in self.periods if period.pk == chosen.pk)
        return self.periods[0] if self.periods else None


class CostViewForm(PeriodForm):
    """The costs page: a period and the average A its bands are drawn with (the stored one by default)."""

    STORED = ""

    average = forms.ChoiceField(
        label=_("Average A of the bands"),
        required=False,
        help_text=_("The stored bands use the parameters' A; choose another to see the bands it would give."),
    )

    def __init__(self, *args, stored_mode=None, **kwargs):
        super().__init__(*args, **kwargs)
        stored = AverageMode(stored_mode).label if stored_mode else _("none stored")
        self.fields["average"].choices = [(self.STORED, _("As stored (%(mode)s)") % {"mode": stored})] + list(
            AverageMode.choices
        )

    def chosen_mode(self):
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("average") or None
        return None


class MonthForm(PeriodForm):
    """The centre page: the month of the desks' common window and the daily figures, and the period of the
    heatmap."""

    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        help_text=_("Year and month, e.g. 2024-03."),
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, periods=periods, **kwargs)
        self.fields["period"].label = _("Period of the heatmap")
        self.fields["period"].required = False

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        match = MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(_("Give the month as year and month, e.g. 2024-03."))
        return int(match.group(1)), int(match.group(2))

    def chosen_month(self):
        if self.is_bound and self.is_valid() and self.cleaned_data.get("month"):
            return self.cleaned_data["month"]
        today = timezone.localdate()
        return today.year, today.month


def parse_stops(text):
    """Lines of "latitude, longitude" (a comma, semicolon or space between) → [(lat, lon)]; raises ValueError
    naming the line that is not a pair of numbers inside Latvia's box."""
    stops = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [part for part in re.split(r"[;,\s]+", line) if part]
        try:
            lat, lon = (Decimal(part) for part in parts)
        except (ValueError, ArithmeticError):
            raise ValueError(
                _("Line %(line)s: write the latitude and the longitude, e.g. 56.95, 24.10.") % {"line": number}
            ) from None
        if not (SOUTH <= lat <= NORTH and WEST <= lon <= EAST):
            raise ValueError(
                _("Line %(line)s: the point is outside Latvia (%(south)s–%(north)s° N, %(west)s–%(east)s° E).")
                % {"line": number, "south": SOUTH, "north": NORTH, "west": WEST, "east": EAST}
            )
        stops.append((float(lat), float(lon)))
    return stops


class WhatIfForm(forms.Form):
    """A proposed change of the network: close serving centres, add mobile stops; the coverage before and
    after."""

    close = forms.ModelMultipleChoiceField(
        label=_("Close these centres"),
        queryset=Centre.objects.none(),
        required=False,
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Serving centres with coordinates. Hold Ctrl (or ⌘) to choose several."),
    )
    add_stops = forms.CharField(
        label=_("Add mobile stops"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "56.95, 24.10"}),
        help_text=_("One stop per line: latitude, longitude in degrees (e.g. 56.95, 24.10)."),
    )

    def __init__(self, *args, centres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["close"].queryset = centres

    def clean_add_stops(self):
        try:
            stops = parse_stops(self.cleaned_data.get("add_stops") or "")
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if len(stops) > MAX_ADDED_STOPS:
            raise forms.ValidationError(_("At most %(count)s stops at a time.") % {"count": MAX_ADDED_STOPS})
        return stops

    @property
    def has_change(self):
        return self.is_bound and self.is_valid() and bool(self.cleaned_data["close"] or self.cleaned_data["add_stops"])


class ReviewDecisionForm(forms.Form):
    """The coordinator's decision on one candidate of a period."""

    centre = forms.ModelChoiceField(label=_("Candidate"), queryset=Centre.objects.none(), to_field_name="code")
    period = forms.ModelChoiceField(
        queryset=ReportingPeriod.objects.all(), to_field_name="code", widget=forms.HiddenInput
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args, centres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres.select_related("municipality").order_by("name")
        self.fields["centre"].label_from_instance = lambda centre: f"{centre.name} ({centre.municipality.name})"

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why."))
        return reason


class NetworkParametersForm(forms.ModelForm):
    """A new parameter version: the values and the reason for the change."""

    class Meta:
        model = NetworkParameters
        fields = [*PARAMETER_FIELDS, "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["radius_km"].validators.append(MaxValueValidator(Decimal("500")))
        self.fields["fixed_average"].validators.append(MinValueValidator(Decimal("0.01")))


# --- the operators' forms -------------------------------------------------------------------------------------


def hour_choices():
    """The hour slots by their start (09:00 is 09:00–10:00), and the whole day for a total without hours."""
    return [("", _("whole day"))] + [(hour, f"{hour:02d}:00") for hour in range(24)]


class DayChoiceForm(forms.Form):
    """The day whose figures the one-day form shows and saves; not after today."""

    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The day may not be in the future."))
        return day


class DayRowForm(forms.Form):
    """One row of a day's figures: an hour slot (or the whole day), who served whom how, and how many."""

    hour = forms.TypedChoiceField(label=_("Hour"), coerce=int, empty_value=None, required=False)
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False, empty_label=_("— none —")
    )
    service = forms.CharField(
        label=_("Service (catalogue identifier)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"size": 10}),
    )
    contact_type = forms.ChoiceField(label=_("Contact type"), choices=ContactType.choices)
    staff_type = forms.ChoiceField(label=_("Staff type"), choices=StaffType.choices)
    client_type = forms.ChoiceField(label=_("Client type"), choices=ClientType.choices, required=False)
    count = forms.IntegerField(label=_("Count"), min_value=0, widget=forms.NumberInput(attrs={"size": 5}))

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hour"].choices = hour_choices()
        if institutions is not None:
            self.fields["institution"].queryset = institutions
        self.fields["institution"].label_from_instance = lambda institution: institution.short_name

    def has_changed(self):
        """A new row counts as filled in once it has a count: its type selects always send their first choice."""
        if self.initial:
            return super().has_changed()
        return bool(str(self.data.get(self.add_prefix("count"), "")).strip())

    def clean_service(self):
        code = self.cleaned_data.get("service", "").strip()
        if not code:
            return None
        service = Service.objects.filter(catalogue_id=code).first()
        if service is None:
            raise forms.ValidationError(_("No service with the catalogue identifier “%(value)s”.") % {"value": code})
        return service

    def as_row(self):
        """The row as bulk.save_day takes it."""
        data = self.cleaned_data
        return {name: data.get(name) for name in ("hour", "institution", "service", "contact_type", "staff_type")} | {
            "client_type": data.get("client_type") or "",
            "count": data.get("count"),
        }


class BaseDayFormSet(forms.BaseFormSet):
    def __init__(self, *args, institutions=None, **kwargs):
        self.institutions = institutions
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "institutions": self.institutions}

    def kept_forms(self):
        """The filled-in rows not marked for deletion, in the order shown."""
        return [
            form
            for form in self.forms
            if form.has_changed() and not (self.can_delete and self._should_delete_form(form))
        ]


DayFormSet = forms.formset_factory(DayRowForm, formset=BaseDayFormSet, extra=6, can_delete=True, max_num=500)

ACCEPTED_SUFFIXES = (".csv", ".xlsx")


class ContactUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Contact figures file"),
        help_text=_(
            "The export of the queue system: CSV (UTF-8, comma- or semicolon-separated) or Excel .xlsx, "
            "with a header row."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError(_("Send a .csv or .xlsx file."))
        return check_data_file(upload, ACCEPTED_SUFFIXES)


class GrantSimulationForm(PeriodForm):
    """The grant model simulator's inputs (vpvkac/grants.py simulate)."""

    budget = forms.DecimalField(
        label=_("Budget (EUR)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Empty: the maintenance and salary grants paid in the period."),
        required=False,
    )
    weight_services = forms.DecimalField(
        label=_("Weight of services"), min_value=0, max_digits=8, decimal_places=3, initial=Decimal("1")
    )
    weight_consultations = forms.DecimalField(
        label=_("Weight of consultations"), min_value=0, max_digits=8, decimal_places=3, initial=Decimal("0.5")
    )
    weight_kpi = forms.DecimalField(
        label=_("Weight of the satisfaction results (KPI)"),
        min_value=0,
        max_digits=8,
        decimal_places=3,
        initial=Decimal("0.5"),
    )
    cap = forms.IntegerField(
        label=_("Funded centres per municipality at most"),
        min_value=1,
        required=False,
        help_text=_("Empty: no cap."),
    )

    def clean(self):
        data = super().clean()
        weights = [data.get(name) for name in ("weight_services", "weight_consultations", "weight_kpi")]
        if all(weight is not None for weight in weights) and not any(weights):
            raise forms.ValidationError(_("At least one weight must be above 0."))
        return data

    def weights(self):
        data = self.cleaned_data
        return {
            "services": data["weight_services"],
            "consultations": data["weight_consultations"],
            "kpi": data["weight_kpi"],
        }
