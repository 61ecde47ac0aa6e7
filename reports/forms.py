"""The forms of the dashboards: the comparison's choices and the overview's profile chooser. Every organisation a
form offers is one the reader may see."""

from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution, Municipality
from institutions.scoping import visible_institutions
from institutions.tables import localised_name_order
from vpvkac.models import ReportingPeriod
from workplans.models import Plan

from .dashboards import CompareMeasure, peer_group_choices, visible_municipalities


class CompareForm(forms.Form):
    """A measure, and the organisations to compare on it: chosen one by one, or a peer group, or both."""

    measure = forms.ChoiceField(label=_("Measure"), choices=CompareMeasure.choices, initial=CompareMeasure.EINDEX)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations"),
        queryset=Institution.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    peer_group = forms.ChoiceField(
        label=_("Or a peer group"),
        required=False,
        help_text=_("The members of the group you may see, beside the group's median."),
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Cost figures and E-index rounds of this year; empty: the latest."),
    )
    period = forms.ModelChoiceField(
        label=_("VPVKAC period"),
        queryset=ReportingPeriod.objects.none(),
        required=False,
        empty_label=_("The latest"),
    )
    plan = forms.ModelChoiceField(
        label=_("Plan"),
        queryset=Plan.objects.none(),
        required=False,
        empty_label=_("The first plan with obligations"),
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["organisations"].queryset = visible_institutions(
            user, Institution.objects.filter(active_to__isnull=True)
        ).order_by(localised_name_order())
        self.fields["peer_group"].choices = [("", _("None")), *peer_group_choices()]
        self.fields["period"].queryset = ReportingPeriod.objects.filter(summary__isnull=False).order_by("-last_day")
        self.fields["plan"].queryset = Plan.objects.order_by("order", "-start_year")

    def clean(self):
        data = super().clean()
        if not data.get("organisations") and not data.get("peer_group"):
            raise forms.ValidationError(_("Choose organisations, a peer group, or both."))
        return data


class ProfileChooserForm(forms.Form):
    """Open the profile of an institution or of a municipality the reader may see."""

    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False, empty_label="—"
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["institution"].queryset = visible_institutions(user).order_by(localised_name_order())
        self.fields["municipality"].queryset = visible_municipalities(
            user, Municipality.objects.filter(valid_to__isnull=True)
        ).order_by(localised_name_order())
