"""Forms of the cost figure pages (services/costing_views.py): the year and provider choosers, the outlier list's
filters, the channel-shift calculator and the coordinator's parameter form.

The choices are handed in by the views from querysets already scoped to the reader, so a form never offers an
institution, service or year the reader may not see.
"""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution

from .costing import PARAMETER_FIELDS
from .models import Channel, CostParameters, Service, ServiceTemplate

TOTAL = "total"  # the outlier filter's choice for the rows of all channels together
HIGH, LOW = "high", "low"


class YearForm(forms.Form):
    """One year out of those that have figures; the latest when none (or an unknown one) is asked for."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = list(years)
        self.fields["year"].choices = [(year, str(year)) for year in self.years]
        if self.years:
            self.fields["year"].initial = self.years[0]

    def chosen_year(self):
        if self.is_bound and self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return self.years[0] if self.years else None


class ServiceCardForm(YearForm):
    """The provider whose figures the service cost card shows, and the year of its peer comparison."""

    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Institution.objects.none(), required=False)

    field_order = ("provider", "year")

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.providers = list(providers)
        self.fields["provider"].queryset = Institution.objects.filter(pk__in=[p.pk for p in self.providers])
        self.fields["provider"].empty_label = None
        if self.providers:
            self.fields["provider"].initial = self.providers[0].pk

    def chosen_provider(self):
        if self.is_bound and self.is_valid() and self.cleaned_data.get("provider"):
            chosen = self.cleaned_data["provider"]
            return next(provider for provider in self.providers if provider.pk == chosen.pk)
        return self.providers[0] if self.providers else None


class OutlierFilterForm(forms.Form):
    """Filters of the outlier list: year, unified template, channel (or all channels together), direction."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    template = forms.ModelChoiceField(
        label=_("Unified service template"),
        queryset=ServiceTemplate.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[
            ("", _("High and low")),
            (HIGH, _("High: far above the peer median")),
            (LOW, _("Low: far below the peer median")),
        ],
    )

    def __init__(self, *args, years, templates, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All"))] + [(year, str(year)) for year in years]
        self.fields["template"].queryset = templates
        self.fields["channel"].choices = [("", _("All")), (TOTAL, _("All channels together"))] + [
            (channel.code, channel.name) for channel in channels
        ]

    def filter(self, figures):
        """`figures` narrowed by the filters: all of them when the form is unbound, none when it is invalid (as
        django-filter's lists do)."""
        if not self.is_bound:
            return figures
        if not self.is_valid():
            return figures.none()
        data = self.cleaned_data
        if data.get("year"):
            figures = figures.filter(year=data["year"])
        if data.get("template"):
            figures = figures.filter(template=data["template"])
        if data.get("channel") == TOTAL:
            figures = figures.filter(channel__isnull=True)
        elif data.get("channel"):
            figures = figures.filter(channel__code=data["channel"])
        if data.get("direction") == HIGH:
            figures = figures.filter(peer_ratio__gte=1)
        elif data.get("direction") == LOW:
            figures = figures.filter(peer_ratio__lt=1)
        return figures

    @property
    def active(self):
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class ChannelShiftForm(forms.Form):
    """The channel-shift calculator: which institution, year and (optionally) service, the share x moved from
    each non-digital channel, and (optionally) the digital channel it moves to. The view offers only the services
    with figures at the institution asked for."""

    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("All services of the institution, summed"),
    )
    share = forms.DecimalField(
        label=_("Share moved (%)"),
        max_digits=5,
        decimal_places=1,
        initial=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "100", "inputmode": "decimal"}),
        help_text=_("The share x of each non-digital channel's completed transactions that moves to digital, 0–100 %."),
    )
    target = forms.ModelChoiceField(
        label=_("Target digital channel"),
        queryset=Channel.objects.filter(is_digital=True),
        required=False,
        empty_label=_("The service's busiest digital channel with a known cost"),
    )

    def __init__(self, *args, institutions, years, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["service"].queryset = services
        if years:
            self.fields["year"].initial = years[0]

    @property
    def share_fraction(self):
        """The share as a fraction, 0–1, as costing.channel_shift takes it."""
        return self.cleaned_data["share"] / 100


class CostParametersForm(forms.ModelForm):
    """A new parameter version: the coordinator states why, and the figures are recomputed with it."""

    class Meta:
        model = CostParameters
        fields = (*PARAMETER_FIELDS, "note")
        widgets = {name: forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}) for name in PARAMETER_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].help_text = _("Saved with the version and shown in its history.")
