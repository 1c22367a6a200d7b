"""Forms for staff (templates, preparing, revoking, checking a use) and the kiosk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from clearpost.app.authorizations.actions import MAX_TEMPLATE_BYTES, ActionError, validate_scope
from clearpost.app.authorizations.models import TemplateVersion
from clearpost.app.authorizations.scope import (
    BODY_LABELS,
    IDENTIFIABILITY_LABELS,
    MEDIA_LABELS,
    NAME_LABELS,
    PLATFORM_LABELS,
    PURPOSE_LABELS,
    ScopeInput,
)
from clearpost.app.practices.models import Practice
from clearpost.engine.consent.model import Platform

_checks = forms.CheckboxSelectMultiple(attrs={"class": "checks"})


def _choices(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(str(k), v) for k, v in labels.items()]


def add_action_errors(form: forms.Form, error: ActionError) -> None:
    """Show an action's refusal on the form's own fields (unknown names go on top)."""
    for name, messages in error.errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=200)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24}),
        required=False,
        help_text="Plain language. Placeholders such as {{platforms}} are filled from the scope.",
    )
    upload = forms.FileField(
        required=False, label="Or upload a text file (.txt or .md, UTF-8, up to 100 KB)"
    )

    def clean_upload(self) -> str | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data.get("upload")
        if upload is None:
            return None
        name = (upload.name or "").lower()
        if not name.endswith((".txt", ".md")):
            raise forms.ValidationError("Upload a .txt or .md text file.")
        if (upload.size or 0) > MAX_TEMPLATE_BYTES:
            raise forms.ValidationError("The file is larger than 100 KB.")
        data: bytes = upload.read(MAX_TEMPLATE_BYTES + 1)
        if b"\x00" in data:
            raise forms.ValidationError("The file is not text (it contains binary data).")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uploaded = data.get("upload")
        if uploaded:
            data["text"] = uploaded
        if not (data.get("text") or "").strip() and "upload" not in self.errors:
            self.add_error("text", "Write the template text or upload a file.")
        return data


class PrepareForm(forms.Form):
    template = forms.ModelChoiceField(queryset=TemplateVersion.objects.none(), empty_label=None)
    platforms = forms.MultipleChoiceField(choices=_choices(PLATFORM_LABELS), widget=_checks)
    media_types = forms.MultipleChoiceField(choices=_choices(MEDIA_LABELS), widget=_checks)
    identifiability = forms.ChoiceField(
        choices=_choices(IDENTIFIABILITY_LABELS), widget=forms.RadioSelect
    )
    name_shown = forms.ChoiceField(
        choices=_choices(NAME_LABELS), widget=forms.RadioSelect, label="Name shown"
    )
    body_regions = forms.MultipleChoiceField(choices=_choices(BODY_LABELS), widget=_checks)
    purposes = forms.MultipleChoiceField(choices=_choices(PURPOSE_LABELS), widget=_checks)
    paid_promotion = forms.BooleanField(required=False, label="May be used in paid promotion")
    patient_compensation = forms.CharField(
        max_length=200,
        required=False,
        label="Anything the patient gets in return (leave empty if nothing)",
    )
    third_party_remuneration = forms.BooleanField(
        required=False, label="A manufacturer or other third party pays the practice for this"
    )
    expires_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Expires on"
    )
    expiration_event = forms.CharField(
        max_length=200,
        required=False,
        label="Or expires when this happens (a real event, not 'never')",
    )

    def __init__(
        self,
        *args: Any,
        versions: list[TemplateVersion],
        practice: Practice | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice
        field = self.fields["template"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = TemplateVersion.objects.filter(pk__in=[v.pk for v in versions])
        if versions:
            field.initial = versions[0].pk
        self.fields["platforms"].initial = [Platform.INSTAGRAM.value]
        self.fields["media_types"].initial = ["photo"]
        self.fields["identifiability"].initial = "face_masked"
        self.fields["name_shown"].initial = "none"
        self.fields["purposes"].initial = ["marketing"]
        self.fields["expires_on"].initial = dt.date.today() + dt.timedelta(days=365)

    def clean(self) -> dict[str, Any]:
        """Report every scope problem in one pass, not only the fields Django checks."""
        data = super().clean() or {}
        if self.practice is not None:
            for name, message in validate_scope(self.scope(), self.practice).items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)
        return data

    def scope(self) -> ScopeInput:
        d = self.cleaned_data
        return ScopeInput(
            platforms=tuple(d.get("platforms") or ()),
            media_types=tuple(d.get("media_types") or ()),
            identifiability=d.get("identifiability") or "",
            name_shown=d.get("name_shown") or "",
            body_regions=tuple(d.get("body_regions") or ()),
            purposes=tuple(d.get("purposes") or ()),
            paid_promotion=bool(d.get("paid_promotion")),
            patient_compensation=d.get("patient_compensation") or "",
            third_party_remuneration=bool(d.get("third_party_remuneration")),
            expires_on=d.get("expires_on"),
            expiration_event=d.get("expiration_event") or "",
        )


class RevokeForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="The patient's written request (when and how it arrived)",
        max_length=2000,
    )


class ExpiryEventForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="How the practice learned that the expiry event happened",
        max_length=2000,
    )


class VerifySignerForm(forms.Form):
    note = forms.CharField(
        max_length=500,
        label="Which identity and authority document did you check?",
    )


class EmailCopyForm(forms.Form):
    email = forms.EmailField(label="Patient's e-mail address")


class CheckUseForm(forms.Form):
    platform = forms.ChoiceField(choices=_choices(PLATFORM_LABELS))
    media_type = forms.ChoiceField(choices=_choices(MEDIA_LABELS))
    shows_face = forms.BooleanField(required=False, label="Shows a recognisable face")
    name_shown = forms.ChoiceField(choices=_choices(NAME_LABELS))
    body_regions = forms.MultipleChoiceField(choices=_choices(BODY_LABELS), widget=_checks)
    purpose = forms.ChoiceField(choices=_choices(PURPOSE_LABELS))
    paid_promotion = forms.BooleanField(required=False)

    def use(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "platform": d["platform"],
            "media_type": d["media_type"],
            "shows_face": bool(d.get("shows_face")),
            "name_shown": d["name_shown"],
            "body_regions": list(d["body_regions"]),
            "purpose": d["purpose"],
            "paid_promotion": bool(d.get("paid_promotion")),
        }


class KioskForm(forms.Form):
    typed_name = forms.CharField(max_length=200, label="Type your full name")
    relationship = forms.ChoiceField(label="Who is signing?")
    authority_description = forms.CharField(
        max_length=500,
        required=False,
        label="Your legal authority to sign for the patient (for example: parent with custody)",
    )
    minor_assent = forms.ChoiceField(
        required=False,
        widget=forms.RadioSelect,
        choices=[("yes", "The patient agrees"), ("no", "The patient does not agree")],
        label="Does the patient (under 18) agree?",
    )
    signature = forms.CharField(widget=forms.HiddenInput, required=False)
    # The keyboard (and no-pointer) alternative to drawing: the typed name, adopted as
    # the signature by an explicit choice (E-SIGN: a symbol adopted with intent to sign).
    typed_signature = forms.BooleanField(
        required=False,
        label="I cannot draw a signature: my typed name above is my signature",
    )

    def __init__(self, *args: Any, relationships: list[tuple[str, str]], minor: bool, **kw: Any):
        super().__init__(*args, **kw)
        field = self.fields["relationship"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = relationships
        field.initial = relationships[0][0]
        if not minor:
            del self.fields["minor_assent"]

    def assent(self) -> bool | None:
        value = self.cleaned_data.get("minor_assent")
        return {"yes": True, "no": False}.get(value or "")
