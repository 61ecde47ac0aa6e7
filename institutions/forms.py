"""Presentation of the shared filter sets' forms on the web lists.

The filter sets themselves (filtersets.py) are shared with the REST API; only how their
fields look in a browser is decided here.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Institution, InstitutionType

ANY_YES_NO = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]


def present_filter_form(form, checkbox_fields=()):
    """Readable widgets: "Any / Yes / No" for flags, an empty "All" choice, check boxes where asked."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.NullBooleanSelect):
            widget.choices = ANY_YES_NO
        elif name in checkbox_fields:
            field.widget = forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"})
            field.widget.choices = field.choices
        elif isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
            field.empty_label = _("All")
            field.widget.choices = field.choices
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
            # django-filter's choice fields add their own empty choice, labelled by `empty_label`.
            field.empty_label = _("All")
            field.widget.choices = field.choices
        if name == "q":
            widget.input_type = "search"
    return form


def sectors_for(visible):
    """The ministries whose sector holds at least one of the `visible` institutions (or that are visible)."""
    # Two levels, as InstitutionFilterSet.filter_sector: agencies and the bodies under them.
    return Institution.objects.filter(institution_type=InstitutionType.MINISTRY).filter(
        Q(pk__in=visible.values("pk"))
        | Q(pk__in=visible.values("parent_id"))
        | Q(pk__in=visible.values("parent__parent_id"))
    )
