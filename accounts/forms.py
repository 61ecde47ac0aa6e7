from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution
from institutions.scoping import visible_institutions

from .models import Membership, Role, User

# Roles whose work is always for particular institutions: inviting them without one makes no sense.
ROLES_NEEDING_INSTITUTIONS = {Role.EDITOR, Role.VIEWER}


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.short_name})"


class InstitutionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.short_name})"


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)
    institutions = InstitutionMultipleChoiceField(
        label=_("Institutions"),
        queryset=Institution.objects.none(),
        required=False,
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
        widget=forms.SelectMultiple(
            attrs={"size": 10, "data-filterable": "", "data-filter-label": _("Narrow the list")}
        ),
    )
    can_edit = forms.BooleanField(
        label=_("May edit these institutions"),
        required=False,
        initial=True,
        help_text=_("Honoured for institution editors only; other roles read."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = visible_institutions(user).order_by("name_lv")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") in ROLES_NEEDING_INSTITUTIONS and not cleaned.get("institutions"):
            self.add_error("institutions", _("Choose at least one institution for this role."))
        return cleaned


class MembershipForm(forms.Form):
    institution = InstitutionChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        empty_label=_("Choose an institution"),
        widget=forms.Select(attrs={"data-filterable": "", "data-filter-label": _("Narrow the list")}),
    )
    can_edit = forms.BooleanField(label=_("May edit"), required=False, initial=True)

    def __init__(self, *args, user, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["institution"].queryset = (
            visible_institutions(user).exclude(memberships__user=member).order_by("name_lv")
        )

    def save(self):
        return Membership.objects.create(
            user=self.member, institution=self.cleaned_data["institution"], can_edit=self.cleaned_data["can_edit"]
        )
