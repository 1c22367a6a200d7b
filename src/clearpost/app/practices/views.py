"""Practice settings: the profile the text checks use. Thin: `practices.actions` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clearpost.app.accounts.models import User
from clearpost.app.accounts.permissions import require_roles
from clearpost.app.practices import actions
from clearpost.app.practices.models import Practice, PracticeProfile
from clearpost.app.practices.profile import LIST_FIELDS

_HELP = {
    "other_names": "Other names the practice goes by, one per line.",
    "phones": "One per line, for example (305) 555-0142.",
    "emails": "One per line.",
    "addresses": "One address per line, for example 88 Brickell Ave, Miami, FL 33131.",
    "websites": "One per line, for example lumamedspa.com.",
    "handles": "Social handles, one per line, for example @lumamedspa.",
    "staff": "One person per line, with their role after a comma: Joy, patient coordinator.",
    "services": "Treatments and packages you offer by name, one per line.",
    "allowed_terms": "Other words that are yours and never a patient's, one per line.",
}
_LABELS = {
    "other_names": "Other names",
    "phones": "Phone numbers",
    "emails": "E-mail addresses",
    "addresses": "Addresses",
    "websites": "Websites",
    "handles": "Social handles",
    "staff": "Staff and their roles",
    "services": "Services",
    "allowed_terms": "Allowed words",
}


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=200,
        required=False,
        label="Name patients see",
        help_text="Leave empty to use the practice name.",
    )
    secure_channel = forms.CharField(
        max_length=300,
        required=False,
        label="Secure channel for patient questions",
        help_text="Named in redirect replies, for example: our patient portal.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in LIST_FIELDS:
            self.fields[field] = forms.CharField(
                required=False,
                label=_LABELS[field],
                help_text=_HELP[field],
                widget=forms.Textarea(attrs={"rows": 3, "aria-describedby": f"id_{field}_help"}),
            )
        for name in ("display_name", "secure_channel"):
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_help"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cleaned, errors = actions.clean_profile_values(data)
        for field, messages_ in errors.items():
            for message in messages_:
                self.add_error(field, message)
        return {**data, **cleaned}


def _initial(profile: PracticeProfile | None) -> dict[str, Any]:
    if profile is None:
        return {}
    initial: dict[str, Any] = {
        "display_name": profile.display_name,
        "secure_channel": profile.secure_channel,
    }
    for field in LIST_FIELDS:
        initial[field] = "\n".join(getattr(profile, field) or [])
    return initial


@require_roles(*actions.EDITOR_ROLES, what="edit the practice profile")
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    practice: Practice = user.practice  # type: ignore[assignment]
    current = PracticeProfile.objects.filter(practice=practice).first()
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                actions.save_profile(user, practice, form.cleaned_data, request)
            except actions.ProfileInvalid as exc:
                for field, msgs in exc.errors.items():
                    for message in msgs:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, "Practice profile saved. Every text check uses it now.")
                return HttpResponseRedirect(reverse("practice:profile"))
        status = 400
    else:
        form = ProfileForm(initial=_initial(current))
        status = 200
    return render(
        request,
        "practices/profile.html",
        {"form": form, "practice_obj": practice, "list_fields": LIST_FIELDS},
        status=status,
    )
