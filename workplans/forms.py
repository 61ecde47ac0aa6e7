"""Forms of the institution side of the work plans: a progress update and its review, the implementation team
with its members, an improvement plan's items (one by one, or from the conformity gaps) and an indicator's
actual. Each error is attached to the field it concerns, so the page names that field."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Question
from services.models import Service
from services.scoping import visible_services

from .improvement import degree
from .models import (
    FINAL_STATUSES,
    FundingSource,
    GovernanceRole,
    ImplementationTeam,
    ImprovementItem,
    IndicatorActual,
    PlanningDocument,
    ProgressUpdate,
    TeamMember,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def not_in_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("The date may not be in the future."))


# --- progress updates and reviews -------------------------------------------------------------------------------


class ProgressUpdateForm(forms.ModelForm):
    """The status an institution reports, the evidence for it, links (one address a line) and the date it holds
    for. A final status (executed, partly executed, not executed, lost relevance) needs its evidence."""

    class Meta:
        model = ProgressUpdate
        fields = ["proposed_status", "evidence", "links", "as_of"]
        widgets = {
            "evidence": forms.Textarea(attrs={"rows": 5}),
            "links": forms.Textarea(attrs={"rows": 3}),
            "as_of": DateInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["as_of"].initial = timezone.localdate()
        self.fields["as_of"].validators.append(not_in_future)

    def clean_links(self):
        links = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate = URLValidator(schemes=["http", "https"])
        for number, link in enumerate(links, start=1):
            try:
                validate(link)
            except ValidationError:
                raise ValidationError(
                    _("Line %(line)d is not a web address (https://…): %(value)s"),
                    params={"line": number, "value": link},
                ) from None
        return "\n".join(links)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("proposed_status") in FINAL_STATUSES and not (cleaned.get("evidence") or "").strip():
            self.add_error("evidence", _("Describe the evidence for this status."))
        return cleaned

    def values(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What must be corrected"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what should be corrected.")},
    )


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment on approval (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- implementation team ----------------------------------------------------------------------------------------


class TeamForm(forms.ModelForm):
    class Meta:
        model = ImplementationTeam
        fields = [
            "established_on",
            "contact_name",
            "contact_email",
            "contact_phone",
            "not_required",
            "not_required_reason",
        ]
        widgets = {"established_on": DateInput, "not_required_reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["established_on"].validators.append(not_in_future)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("not_required") and not (cleaned.get("not_required_reason") or "").strip():
            self.add_error(
                "not_required_reason",
                _("Say why no team is needed: which service governance roles were checked and why none applies."),
            )
        return cleaned


class TeamMemberForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Governance roles"),
        choices=GovernanceRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = TeamMember
        fields = ["name", "position", "email", "roles", "member_from", "member_to"]
        widgets = {"member_from": DateInput, "member_to": DateInput}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("member_from"), cleaned.get("member_to")
        if start and end and end < start:
            self.add_error("member_to", _("The end of membership is before its start."))
        return cleaned


MemberFormSet = forms.inlineformset_factory(
    ImplementationTeam, TeamMember, form=TeamMemberForm, extra=2, can_delete=True
)


class TeamEditor:
    """The team form and its members' formset, validated together and saved in one transaction.

    A team that is not needed has no members; each error is listed with the row and the field it is in."""

    def __init__(self, team, data=None):
        self.team = team
        self.form = TeamForm(data, instance=team)
        self.members = MemberFormSet(data, instance=team, prefix="members")

    def is_valid(self):
        valid = self.form.is_valid() & self.members.is_valid()
        if valid and self.form.cleaned_data.get("not_required") and self._kept_members():
            self.form.add_error(
                "not_required", _("A team that is not needed has no members: remove them or untick this box.")
            )
            valid = False
        return valid

    def _kept_members(self):
        # An untouched extra row has empty cleaned_data.
        return [form for form in self.members.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def error_summary(self):
        """(field id, message) of every error, members named by row: “Member 2, E-mail: …”."""
        summary = [(None, str(error)) for error in self.form.non_field_errors()]
        for name, errors in self.form.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                continue
            label = self.form.fields[name].label
            summary += [(self.form[name].auto_id, f"{label}: {error}") for error in errors]
        summary += [(None, str(error)) for error in self.members.non_form_errors()]
        for number, form in enumerate(self.members.forms, start=1):
            for name, errors in form.errors.items():
                if name == forms.forms.NON_FIELD_ERRORS:
                    field_id, where = None, _("Member %(number)d") % {"number": number}
                else:
                    field_id = form[name].auto_id
                    where = _("Member %(number)d, %(field)s") % {"number": number, "field": form.fields[name].label}
                summary += [(field_id, f"{where}: {error}") for error in errors]
        return summary

    @transaction.atomic
    def save(self):
        team = self.form.save()
        self.members.instance = team
        self.members.save()
        return team


# --- improvement plans ------------------------------------------------------------------------------------------


def gap_label(gap):
    return _("%(code)s %(question)s (%(component)s; degree %(reached)s of %(target)s)") % {
        "code": gap.question.code,
        "question": gap.question.text,
        "component": f"{gap.area.code} {gap.area.name}",
        "reached": degree(gap.reached),
        "target": degree(gap.target),
    }


def money_field(field):
    """An amount in EUR: not negative (the database refuses it too, without naming the field)."""
    field.validators.append(MinValueValidator(0))
    field.widget.attrs.update(min="0", step="0.01")


class ImprovementItemForm(forms.ModelForm):
    """An item of an improvement plan version; the gaps offered are the institution's current ones and those
    the item already addresses, the services those the institution holds."""

    class Meta:
        model = ImprovementItem
        fields = [
            "category",
            "gaps",
            "service",
            "action",
            "deadline",
            "responsible_person",
            "funding_source",
            "amount",
            "additional_needed",
            "planning_document",
            "planning_reference",
            "status",
            "evidence",
        ]
        widgets = {
            "gaps": forms.CheckboxSelectMultiple,
            "action": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
            "deadline": DateInput,
        }

    def __init__(self, *args, user, improvement_plan, coverage, **kwargs):
        super().__init__(*args, **kwargs)
        gaps_by_question = coverage.by_question()
        offered = set(gaps_by_question)
        if self.instance.pk:
            offered |= set(self.instance.gaps.values_list("pk", flat=True))
        gap_field = self.fields["gaps"]
        gap_field.queryset = (
            Question.objects.filter(pk__in=offered)
            .select_related("area")
            .order_by("area__order", "area__code", "order", "code")
        )
        gap_field.label_from_instance = lambda question: (
            gap_label(gaps_by_question[question.pk])
            if question.pk in gaps_by_question
            else f"{question.code} {question.text} ({question.area.code} {question.area.name})"
        )
        gap_field.help_text = _("The questions of the conformity assessment rated below their target degree.")
        self.fields["service"].queryset = visible_services(
            user, Service.objects.filter(holder_id=improvement_plan.institution_id)
        ).order_by("name_lv")
        money_field(self.fields["amount"])
        money_field(self.fields["additional_needed"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("planning_reference") and not cleaned.get("planning_document"):
            self.add_error("planning_document", _("Choose the planning document the reference belongs to."))
        return cleaned


class GapItemsForm(forms.Form):
    """The uncovered gaps to turn into items, and what the new items share."""

    gaps = forms.MultipleChoiceField(
        label=_("Gaps"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one gap.")},
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput)
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=200)
    funding_source = forms.ChoiceField(label=_("Funding source"), choices=FundingSource.choices)
    planning_document = forms.ChoiceField(
        label=_("Linked planning document"), choices=[("", "—"), *PlanningDocument.choices], required=False
    )
    planning_reference = forms.CharField(label=_("Task or measure in that document"), max_length=200, required=False)

    def __init__(self, *args, gaps, **kwargs):
        super().__init__(*args, **kwargs)
        self.available = {str(gap.question.pk): gap for gap in gaps}
        self.fields["gaps"].choices = [(key, gap_label(gap)) for key, gap in self.available.items()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("planning_reference") and not cleaned.get("planning_document"):
            self.add_error("planning_document", _("Choose the planning document the reference belongs to."))
        return cleaned

    def selected_gaps(self):
        return [self.available[key] for key in self.cleaned_data["gaps"]]

    def defaults(self):
        return {name: self.cleaned_data[name] for name in self.fields if name != "gaps"}


# --- indicator actuals ------------------------------------------------------------------------------------------


class IndicatorActualForm(forms.ModelForm):
    """A year's actual: one value, or a range (lowest and highest), or the reason there is none — exactly one."""

    class Meta:
        model = IndicatorActual
        fields = [
            "institution",
            "year",
            "value",
            "value_min",
            "value_max",
            "not_measured_reason_lv",
            "not_measured_reason_en",
            "note",
        ]

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The reporting institution of an existing actual stays.
            del self.fields["institution"]
        else:
            self.fields["institution"].queryset = institutions
            self.fields["institution"].required = True
            self.fields["institution"].empty_label = None
            self.fields["year"].initial = timezone.localdate().year - 1

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise ValidationError(_("An actual cannot be reported for a future year."))
        if year < 2000:
            raise ValidationError(_("Give a year from 2000 on."))
        return year

    def clean(self):
        cleaned = super().clean()
        value, low, high = cleaned.get("value"), cleaned.get("value_min"), cleaned.get("value_max")
        reason = (cleaned.get("not_measured_reason_lv") or "").strip()
        if any(name in self.errors for name in ("value", "value_min", "value_max")):
            return cleaned
        ranged = low is not None or high is not None
        if value is not None and ranged:
            self.add_error("value", _("Give either a single value or a range, not both."))
        elif ranged and (low is None or high is None):
            self.add_error("value_min" if low is None else "value_max", _("Give both ends of the range."))
        elif ranged and high < low:
            self.add_error("value_max", _("The highest value is below the lowest."))
        elif value is None and not ranged and not reason:
            self.add_error("value", _("Give the value, a range, or why there is no value."))
        if reason and (value is not None or ranged):
            self.add_error("not_measured_reason_lv", _("Give a reason only when there is no value."))
        if (cleaned.get("not_measured_reason_en") or "").strip() and not reason:
            self.add_error("not_measured_reason_lv", _("Write the reason in Latvian, too."))
        return cleaned

    def values(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class InstitutionSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or short name"), required=False, max_length=100)
