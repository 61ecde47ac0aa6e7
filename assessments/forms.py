"""Forms of the assessment workflow: opening a round, one question's answer (the organisation's or the
expert's), and the reviewer's decisions. The autosave endpoint validates its JSON through the same answer form,
so a field is checked the same way whether it arrives from the form or from the script."""

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from config.uploads import check_evidence_file
from institutions.models import Institution
from institutions.tables import localised_name_order

from .models import BANDED_TYPES, CHOICE_TYPES, Methodology, QuestionType
from .workflow import EXPERT_FIELDS, SELF_FIELDS, Selection

EVIDENCE_EXTENSIONS = ["pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "csv", "txt", "png", "jpg", "jpeg", "zip"]


class DateInput(forms.DateInput):
    input_type = "date"


class RoundOpenForm(forms.Form):
    methodology = forms.ModelChoiceField(
        label=_("Methodology version"), queryset=Methodology.objects.order_by("family", "-version")
    )
    name_lv = forms.CharField(label=_("Name (Latvian)"), max_length=255)
    name_en = forms.CharField(label=_("Name (English)"), max_length=255, required=False)
    year = forms.IntegerField(label=_("Year assessed"), min_value=2000, max_value=2100)
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput)
    selection = forms.ChoiceField(
        label=_("Organisations"),
        widget=forms.RadioSelect,
        choices=[
            (Selection.ROUND1, _("All institutions bound by the 1st-round work plan")),
            (Selection.POLICY, _("All institutions under the service governance policy")),
            (Selection.MUNICIPALITIES, _("All municipalities")),
            (Selection.CHOSEN, _("Only the organisations chosen below")),
        ],
        initial=Selection.ROUND1,
    )
    institutions = forms.ModelMultipleChoiceField(
        label=_("Chosen organisations"),
        queryset=Institution.objects.filter(active_to__isnull=True),
        required=False,
        help_text=_("Used when “Only the organisations chosen below” is selected."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["institutions"].queryset = self.fields["institutions"].queryset.order_by(localised_name_order())
        self.fields["institutions"].widget.attrs.update(
            {"data-filterable": "", "data-filter-label": _("Narrow the list"), "size": 10}
        )

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline may not be in the past."))
        return deadline

    def clean(self):
        from .workflow import select_institutions

        cleaned = super().clean()
        selection = cleaned.get("selection")
        if selection is None:
            return cleaned
        if selection == Selection.CHOSEN and not cleaned.get("institutions"):
            self.add_error("institutions", _("Choose at least one organisation."))
            return cleaned
        organisations = list(select_institutions(selection, cleaned.get("institutions") or ()))
        if not organisations:
            self.add_error("selection", _("No active organisation matches this choice."))
        cleaned["organisations"] = organisations
        return cleaned


class AnswerForm(forms.Form):
    """One question's answer: the organisation's (side "self", fields prefixed q<id>-) or the expert's (side
    "expert", x<id>-). Only the fields the question's type uses exist; values() names them as Answer does."""

    def __init__(self, question, answer=None, side="self", data=None, files=None):
        self.question = question
        self.side = side
        prefix = ("q" if side == "self" else "x") + str(question.pk)
        super().__init__(data=data, files=files, prefix=prefix, initial=self._initial(answer))
        self._add_value_fields(question)
        if question.allows_not_applicable:
            self.fields["not_applicable"] = forms.BooleanField(label=_("Not applicable"), required=False)
        if side == "self":
            self.fields["evidence_url"] = forms.URLField(
                label=_("Evidence link"), required=False, max_length=500, assume_scheme="https"
            )
            self.fields["evidence_file"] = forms.FileField(
                label=_("Evidence file"),
                required=False,
                widget=forms.FileInput,
                validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
                help_text=_(
                    "PDF, office documents, images or ZIP, up to {limit} MB; uploaded when you press Save."
                ).format(limit=settings.EVIDENCE_MAX_UPLOAD_MB),
            )
            if answer is not None and answer.evidence_file:
                self.fields["remove_file"] = forms.BooleanField(label=_("Remove the file"), required=False)
        self.fields["comment"] = forms.CharField(
            label=_("Comment") if side == "self" else _("Expert's comment"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def _add_value_fields(self, question):
        kind = question.question_type
        if kind in CHOICE_TYPES:
            choices = [(str(option.pk), option.name) for option in question.options.all()]
            if kind == QuestionType.MULTIPLE:
                field = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, choices=choices)
            else:
                field = forms.ChoiceField(widget=forms.RadioSelect, choices=choices)
            field.required, field.label = False, _("Answer")
            self.fields["options"] = field
        elif kind in BANDED_TYPES:
            validators = [MinValueValidator(0), MaxValueValidator(100)] if kind == QuestionType.PERCENT else []
            self.fields["number"] = forms.DecimalField(
                label=_("Percent") if kind == QuestionType.PERCENT else _("Number"),
                required=False,
                max_digits=14,
                decimal_places=2,
                validators=validators,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )
        else:
            self.fields["text"] = forms.CharField(
                label=_("Answer"), required=False, widget=forms.Textarea(attrs={"rows": 3})
            )

    def _initial(self, answer):
        if answer is None:
            return {}
        source = "" if self.side == "self" else "expert_"
        initial = {
            "options": [str(pk) for pk in getattr(answer, f"{source}options")],
            "number": getattr(answer, f"{source}number"),
            "text": getattr(answer, f"{source}text"),
            "not_applicable": getattr(answer, f"{source}not_applicable"),
            "comment": getattr(answer, f"{source}comment"),
        }
        if self.question.question_type != QuestionType.MULTIPLE:
            initial["options"] = initial["options"][0] if initial["options"] else None
        if self.side == "self":
            initial["evidence_url"] = answer.evidence_url
        return initial

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if upload:
            check_evidence_file(upload)
        return upload

    def clean_options(self):
        value = self.cleaned_data.get("options")
        if isinstance(value, list):
            return sorted(int(v) for v in value)
        return [int(value)] if value else []

    def values(self):
        """The cleaned answer under Answer's field names for this side (the file apart)."""
        names = SELF_FIELDS if self.side == "self" else EXPERT_FIELDS
        values = {}
        for name in names:
            base = name.removeprefix("expert_")
            if base in self.fields:
                values[name] = self.cleaned_data.get(base)
        return values

    @property
    def uploaded_file(self):
        """The new evidence file, False when the editor cleared it, None when unchanged."""
        if "evidence_file" not in self.fields:
            return None
        upload = self.cleaned_data.get("evidence_file")
        if not upload and self.cleaned_data.get("remove_file"):
            return False
        return upload or None

    @property
    def value_fields(self):
        return [self[name] for name in ("options", "number", "text") if name in self.fields]


def json_to_form_data(question, payload, side="self"):
    """One question's JSON answer ({"options": [ids], "number": "12.5", "text": "", "not_applicable": false,
    "evidence_url": "", "comment": ""}) as the form data AnswerForm reads."""
    prefix = ("q" if side == "self" else "x") + str(question.pk)
    data = MultiValueDict()
    for name, value in (payload or {}).items():
        key = f"{prefix}-{name}"
        if isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif value is not None:
            data[key] = str(value)
    return data


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What must be corrected"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=_("Expert"),
        queryset=User.objects.filter(role=Role.EXPERT, is_active=True).order_by("last_name", "username"),
        required=False,
        empty_label=_("Any expert"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].label_from_instance = lambda user: user.get_full_name() or user.username
