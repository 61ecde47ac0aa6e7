"""Forms of the catalogue's pages: the yearly report of one service at one provider (figures of every channel and
the cost grid on one screen) and the completeness report's filters.

Every figure and cost is checked by services/validation.py, the rules the admin import, the bulk loader and the
API use too; each message is attached to the field or grid cell it is about.
"""

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from institutions.models import Institution, InstitutionType, Municipality

from .edit_conflicts import EditConflict, locked, stale_row, version_of
from .models import (
    Channel,
    CostComponent,
    FigureSubmission,
    PeriodType,
    ServiceCost,
    ServiceFigure,
    SubmissionStatus,
)
from .validation import cost_errors, figure_errors, period_errors, provider_errors, service_facts

FIGURE_FIELDS = (
    "started",
    "completed",
    "consultations",
    "client_minutes",
    "satisfaction_responses",
    "satisfaction_mean",
    "rating_scale_min",
    "rating_scale_max",
)
# Errors about the report as a whole (which provider, which year) are shown once, above the grids.
PAGE_FIELDS = ("provider", "year", "period_type", "period_number")
SHARED = "shared"


def _number_input(step="1"):
    inputmode = "numeric" if step == "1" else "decimal"
    return forms.NumberInput(attrs={"class": "input-number", "step": step, "inputmode": inputmode})


def describe_errors(form):
    """Point each erroneous input at its messages (aria-describedby), as the page shows them beside the input."""
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["aria-describedby"] = f"{form[name].auto_id}_errors"
            form.fields[name].widget.attrs["aria-invalid"] = "true"


class FigureRowForm(forms.Form):
    """One channel's yearly figures. A row left entirely empty means the channel reports nothing."""

    started = forms.IntegerField(label=gettext_lazy("Applications started"), required=False, widget=_number_input())
    completed = forms.IntegerField(label=gettext_lazy("Applications completed"), required=False, widget=_number_input())
    consultations = forms.IntegerField(label=gettext_lazy("Consultations"), required=False, widget=_number_input())
    client_minutes = forms.DecimalField(
        label=gettext_lazy("Client minutes per case"),
        required=False,
        max_digits=8,
        decimal_places=1,
        widget=_number_input("0.1"),
    )
    satisfaction_responses = forms.IntegerField(
        label=gettext_lazy("Satisfaction responses"), required=False, widget=_number_input()
    )
    satisfaction_mean = forms.DecimalField(
        label=gettext_lazy("Mean rating"), required=False, max_digits=6, decimal_places=3, widget=_number_input("0.001")
    )
    rating_scale_min = forms.IntegerField(label=gettext_lazy("Scale minimum"), required=False, widget=_number_input())
    rating_scale_max = forms.IntegerField(label=gettext_lazy("Scale maximum"), required=False, widget=_number_input())

    def __init__(self, *args, channel, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.report = report
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{channel.name}: {field.label}"

    def is_blank(self):
        return all(self.cleaned_data.get(name) is None for name in FIGURE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.is_blank():
            return cleaned
        values = {name: cleaned.get(name) for name in FIGURE_FIELDS}
        values.update(self.report.key_values())
        for name, message in figure_errors(values, self.report.facts).items():
            if name in self.fields:
                self.add_error(name, message)
        return cleaned


class BaseFigureFormSet(forms.BaseFormSet):
    """One FigureRowForm per channel, in the channels' order; the channels decide the rows, not the browser."""

    def __init__(self, *args, channels, report, **kwargs):
        self.channels = channels
        self.report = report
        super().__init__(*args, **kwargs)

    def total_form_count(self):
        return len(self.channels)

    def initial_form_count(self):
        return len(self.channels)

    def get_form_kwargs(self, index):
        return {"channel": self.channels[index], "report": self.report}


FigureFormSet = forms.formset_factory(FigureRowForm, formset=BaseFigureFormSet, extra=0)


def cost_cells(channels):
    """(component, channel or None for shared, field name) of every cell of the cost grid."""
    for component in CostComponent:
        yield component, None, CostGridForm.field_name(component, SHARED)
        for channel in channels:
            yield component, channel, CostGridForm.field_name(component, channel.code)


class CostGridForm(forms.Form):
    """The costs by component (rows) and by channel or shared (columns): one amount in EUR per cell, empty for
    none."""

    def __init__(self, *args, channels, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.channels = channels
        self.report = report
        self.columns = [(SHARED, None, _("Shared"))] + [(channel.code, channel, channel.name) for channel in channels]
        for component in CostComponent:
            for key, _channel, column_label in self.columns:
                self.fields[self.field_name(component, key)] = forms.DecimalField(
                    label=f"{component.label} — {column_label}",
                    required=False,
                    max_digits=14,
                    decimal_places=2,
                    widget=_number_input("0.01"),
                )

    @staticmethod
    def field_name(component, column_key):
        return f"{component}__{column_key}"

    def cells(self):
        """(component, channel or None for shared, field name) of every cell."""
        return cost_cells(self.channels)

    def rows(self):
        """For the template: each component's label and its bound cells, shared first."""
        return [
            (component.label, [self[self.field_name(component, key)] for key, _channel, _label in self.columns])
            for component in CostComponent
        ]

    def clean(self):
        cleaned = super().clean()
        key_values = self.report.key_values()
        for _component, _channel, name in self.cells():
            amount = cleaned.get(name)
            if amount is None or name in self.errors:
                continue
            errors = cost_errors({**key_values, "amount": amount}, self.report.facts)
            if "amount" in errors:
                self.add_error(name, errors["amount"])
        return cleaned


class RowVersionsForm(forms.Form):
    """The version of every figure row and cost cell as the screen was opened (0: no row), in hidden inputs: a
    save compares them with the stored rows (services/edit_conflicts.py). A version not posted is not checked."""

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        for name, version in versions.items():
            self.fields[name] = forms.IntegerField(
                required=False, min_value=0, initial=version, widget=forms.HiddenInput
            )

    @staticmethod
    def figure_name(channel):
        return f"figure__{channel.code}"

    @staticmethod
    def cost_name(cell_name):
        return f"cost__{cell_name}"

    def sent(self, name):
        """The version posted for `name`, or None when none was posted."""
        if self.add_prefix(name) not in self.data:
            return None
        return self.cleaned_data.get(name)


class YearlyReport:
    """The figures and costs of one service at one provider for one year: a FigureFormSet row per channel and the
    CostGridForm, validated together and saved in one transaction together with the report's status."""

    def __init__(self, service, provider, year, data=None):
        self.service, self.provider, self.year = service, provider, year
        # A copy the page may change: after a conflict the hidden versions are moved on to the stored ones.
        data = data.copy() if data is not None else None
        self.facts = service_facts([service.pk])[service.pk]
        key = {"service": service, "provider": provider, "year": year}
        self.existing_figures = {
            figure.channel_id: figure
            for figure in ServiceFigure.objects.filter(**key, period_type=PeriodType.YEAR, period_number=0)
        }
        self.existing_costs = {(cost.component, cost.channel_id): cost for cost in ServiceCost.objects.filter(**key)}
        # The channels offered, and any other channel this report already holds figures or costs for.
        reported = set(self.existing_figures) | {channel_id for _c, channel_id in self.existing_costs if channel_id}
        self.channels = list(
            Channel.objects.filter(pk__in=set(service.channels.values_list("channel_id", flat=True)) | reported)
        )
        self.submission = FigureSubmission.objects.filter(**key).select_related("submitted_by").first()
        self.figures = FigureFormSet(
            data,
            prefix="figures",
            channels=self.channels,
            report=self,
            initial=[self._figure_initial(channel) for channel in self.channels],
        )
        self.costs = CostGridForm(
            data, prefix="costs", channels=self.channels, report=self, initial=self._cost_initial()
        )
        self.versions = RowVersionsForm(
            data, prefix="versions", versions=self._versions(self.existing_figures, self.existing_costs)
        )
        self.page_errors = []

    def _versions(self, figures, costs):
        """{versions input: stored version} of every figure row and cost cell of the screen."""
        versions = {
            RowVersionsForm.figure_name(channel): version_of(figures.get(channel.pk)) for channel in self.channels
        }
        for component, channel, name in cost_cells(self.channels):
            cost = costs.get((component.value, channel.pk if channel else None))
            versions[RowVersionsForm.cost_name(name)] = version_of(cost)
        return versions

    def key_values(self):
        return {"provider_id": self.provider.pk, "year": self.year, "period_type": PeriodType.YEAR, "period_number": 0}

    def _figure_initial(self, channel):
        figure = self.existing_figures.get(channel.pk)
        return {name: getattr(figure, name) for name in FIGURE_FIELDS} if figure else {}

    def _cost_initial(self):
        initial = {}
        for component, channel, name in cost_cells(self.channels):
            cost = self.existing_costs.get((component.value, channel.pk if channel else None))
            if cost is not None:
                initial[name] = cost.amount
        return initial

    @property
    def is_demo(self):
        rows = [*self.existing_figures.values(), *self.existing_costs.values()]
        return any(row.is_demo for row in rows)

    def report_errors(self):
        """What is wrong with the report as a whole, whatever its figures: the provider or the year."""
        return [
            message
            for errors in (
                provider_errors(self.provider.pk, self.facts),
                period_errors(self.year, PeriodType.YEAR, 0, self.facts),
            )
            for message in errors.values()
        ]

    def is_valid(self, submit=False):
        self.page_errors = self.report_errors()
        figures_valid = self.figures.is_valid()
        costs_valid = self.costs.is_valid()
        versions_valid = self.versions.is_valid()
        if submit and figures_valid and all(form.is_blank() for form in self.figures.forms):
            self.page_errors.append(_("Enter the figures of at least one channel before submitting the report."))
        for form in [*self.figures.forms, self.costs]:
            describe_errors(form)
        return figures_valid and costs_valid and versions_valid and not self.page_errors

    def error_summary(self):
        """(input id, what it is, message) of every error, for the summary at the top of the page."""
        summary = [("", "", capfirst(message)) for message in self.page_errors]
        summary += [("", "", message) for message in self.figures.non_form_errors()]
        summary += [("", "", message) for messages in self.versions.errors.values() for message in messages]
        for form in [*self.figures.forms, self.costs]:
            for name, messages in form.errors.items():
                if name not in form.fields:
                    summary += [("", "", message) for message in messages]
                    continue
                label = form.fields[name].widget.attrs.get("aria-label") or form.fields[name].label
                summary += [(form[name].auto_id, label, message) for message in messages]
        return summary

    @transaction.atomic
    def save(self, user, submit=False):
        """Write the changed figures and costs and the report's status; all of it or, on any error, none.

        Raises EditConflict, writing nothing, when a row the user changed was changed by someone else since the
        screen was opened (its version differs from the one the screen carries)."""
        key = {"service": self.service, "provider": self.provider, "year": self.year}
        # Saves of the same report take turns on its status row; API writes lock the rows they change.
        submission = self._locked_submission()
        figures = {
            figure.channel_id: figure
            for figure in locked(ServiceFigure.objects.filter(**key, period_type=PeriodType.YEAR, period_number=0))
        }
        costs = {(cost.component, cost.channel_id): cost for cost in locked(ServiceCost.objects.filter(**key))}
        figure_changes = [
            (form, figures.get(form.channel.pk))
            for form in self.figures.forms
            # Untouched rows keep their values, and their demo mark.
            if any(name in form.changed_data for name in FIGURE_FIELDS)
        ]
        cost_changes = [
            (component, channel, name, costs.get((component.value, channel.pk if channel else None)))
            for component, channel, name in cost_cells(self.channels)
            if name in self.costs.changed_data
        ]
        stale = [
            stale_row(name, stored, self.versions.sent(name))
            for name, stored in [
                *((RowVersionsForm.figure_name(form.channel), stored) for form, stored in figure_changes),
                *((RowVersionsForm.cost_name(name), stored) for _component, _channel, name, stored in cost_changes),
            ]
        ]
        stale = [row for row in stale if row is not None]
        if stale:
            raise EditConflict(stale)
        for form, stored in figure_changes:
            if form.is_blank():
                if stored:
                    stored.delete()
                continue
            values = {name: form.cleaned_data[name] for name in FIGURE_FIELDS}
            if stored is None:
                ServiceFigure.objects.create(
                    **key, period_type=PeriodType.YEAR, period_number=0, channel=form.channel, **values
                )
                continue
            for name, value in {**values, "is_demo": False}.items():
                setattr(stored, name, value)
            stored.save()
        for component, channel, name, stored in cost_changes:
            amount = self.costs.cleaned_data[name]
            if amount is None:
                if stored:
                    stored.delete()
                continue
            if stored is None:
                ServiceCost.objects.create(**key, component=component, channel=channel, amount=amount)
                continue
            stored.amount, stored.is_demo = amount, False
            stored.save()
        return self._record_status(submission, user, submit)

    def _locked_submission(self):
        submission, _created = FigureSubmission.objects.get_or_create(
            service=self.service, provider=self.provider, year=self.year
        )
        return FigureSubmission.objects.select_for_update().get(pk=submission.pk)

    def show_conflict(self, conflict):
        """After an EditConflict: each input someone else changed says so and shows the stored value; the hidden
        versions move on to the stored ones, so that saving again keeps the user's values knowingly."""
        self.page_errors.append(
            _(
                "Some figures were changed by someone else since you opened this page; nothing was saved. The "
                "marked cells show the values stored now: check them and save again to keep yours."
            )
        )
        forms_by_name = {RowVersionsForm.figure_name(form.channel): form for form in self.figures.forms}
        for row in conflict.rows:
            self.versions.data[self.versions.add_prefix(row.name)] = str(row.stored_version)
            form = forms_by_name.get(row.name)
            if form is not None:
                self._mark_figure(form, row.stored)
            else:
                cell = row.name.removeprefix("cost__")
                self.costs.add_error(cell, changed_message(row.stored.amount if row.stored else None))
        for form in [*self.figures.forms, self.costs]:
            describe_errors(form)

    @staticmethod
    def _mark_figure(form, stored):
        sent = {name: form.cleaned_data.get(name) for name in FIGURE_FIELDS}
        now = {name: getattr(stored, name) if stored else None for name in FIGURE_FIELDS}
        differing = [name for name in FIGURE_FIELDS if sent[name] != now[name]] or ["completed"]
        for name in differing:
            form.add_error(name, changed_message(now[name]))

    def _record_status(self, submission, user, submit):
        if submit:
            submission.status = SubmissionStatus.SUBMITTED
            submission.submitted_by = user
            submission.submitted_at = timezone.now()
        elif user.is_coordinator and submission.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED):
            pass  # the coordinator corrects a submitted report without taking it back from the institution
        else:
            # The institution changes its report again: it is a draft until submitted anew.
            submission.status = SubmissionStatus.DRAFT
            submission.submitted_by = None
            submission.submitted_at = None
        submission.save()
        self.submission = submission
        return submission


def changed_message(stored_value):
    if stored_value is None:
        return _("Changed by someone else since you opened it: now empty.")
    return _("Changed by someone else since you opened it: now {value}.").format(value=stored_value)


class CompletenessFilterForm(forms.Form):
    """Filters of the completeness report: a year, and a ministry sector or a municipality."""

    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    sector = forms.ModelChoiceField(
        label=gettext_lazy("Ministry sector"),
        queryset=Institution.objects.filter(institution_type=InstitutionType.MINISTRY),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        queryset=Municipality.objects.filter(valid_to__isnull=True),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All"),
    )

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["year"].initial = years[0]
