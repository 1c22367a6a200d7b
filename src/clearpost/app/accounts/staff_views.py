"""Staff administration and personal API tokens. Thin: `accounts.actions` decides."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clearpost.app.accounts import actions
from clearpost.app.accounts.middleware import MFA_OK
from clearpost.app.accounts.models import ApiToken, Role, User
from clearpost.app.accounts.permissions import deny, require_roles

ROLE_CHOICES = Role.choices


class AddStaffForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]+$",
        max_length=150,
        error_messages={"invalid": "Use letters, digits and . @ + - _ only."},
    )
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput, max_length=256, label="Initial password")
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("That username is taken.")
        return username

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        password = data.get("password")
        if isinstance(password, str):
            candidate = User(
                username=str(data.get("username") or ""),
                first_name=str(data.get("first_name") or ""),
                last_name=str(data.get("last_name") or ""),
                email=str(data.get("email") or ""),
            )
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )


class TrainingForm(forms.Form):
    """Nothing is filled in for the recorder: the course, the date and the evidence are
    what they know, typed by them."""

    course = forms.CharField(max_length=200, label="Course or training completed")
    completed_on = forms.DateField(
        label="Completed on", widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        help_text="Leave empty for one year after completion.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    evidence = forms.CharField(
        label="Evidence or attestation",
        min_length=10,
        max_length=2000,
        help_text="A certificate number, where the record is filed, or how you know it "
        "was completed, in your own words.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="What is this token for?")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _member(request: HttpRequest, public_id: str) -> User:
    """Another practice's member is indistinguishable from one that does not exist."""
    try:
        return User.objects.get(public_id=public_id, practice=_user(request).practice)
    except User.DoesNotExist:
        raise Http404("No such staff member") from None


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_roles(*actions.ADMIN_ROLES, what="manage staff")
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    members = (
        User.objects.filter(practice=user.practice)
        .prefetch_related("role_grants", "training_records")
        .order_by("-is_active", "username")
    )
    rows = []
    for member in members:
        roles = sorted(g.role for g in member.role_grants.all())
        rows.append(
            {
                "member": member,
                "roles": [Role(r).label for r in roles],
                "training": actions.training_status(roles, member.training_records.all(), today),
            }
        )
    return render(request, "accounts/staff_list.html", {"rows": rows})


@require_roles(*actions.ADMIN_ROLES, what="add staff")
@require_http_methods(["GET", "POST"])
def staff_new(request: HttpRequest) -> HttpResponse:
    form = AddStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            member = actions.add_staff(
                _user(request),
                username=d["username"],
                password=d["password"],
                first_name=d["first_name"],
                last_name=d["last_name"],
                email=d["email"],
                roles=[Role(r) for r in d["roles"]],
                request=request,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:  # audited by deny(); the person keeps the form
            form.add_error(None, str(exc))
            return render(request, "accounts/staff_new.html", {"form": form}, status=403)
        else:
            messages.success(request, f"{member.username} was added.")
            return HttpResponseRedirect(reverse("staff:detail", args=[member.public_id]))
    return render(request, "accounts/staff_new.html", {"form": form}, status=_status(form))


def _status(form: forms.Form) -> int:
    return 400 if form.is_bound and form.errors else 200


@require_roles(*actions.ADMIN_ROLES, what="manage staff")
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    member = _member(request, public_id)
    held = sorted(member.role_grants.values_list("role", flat=True))
    roles_form = RolesForm(initial={"roles": held})
    today = timezone.localdate()
    training_form = TrainingForm()
    status = 200
    if request.method == "POST":
        try:
            if "save_roles" in request.POST:
                roles_form = RolesForm(request.POST)
                if roles_form.is_valid():
                    actions.set_roles(
                        _user(request),
                        member,
                        [Role(r) for r in roles_form.cleaned_data["roles"]],
                        request,
                    )
                    messages.success(request, "Roles saved.")
                    return HttpResponseRedirect(request.path)
            elif "record_training" in request.POST:
                training_form = TrainingForm(request.POST)
                if training_form.is_valid():
                    d = training_form.cleaned_data
                    actions.record_staff_training(
                        _user(request),
                        member,
                        d["completed_on"],
                        d["expires_on"] or d["completed_on"] + dt.timedelta(days=365),
                        d["course"],
                        request,
                        evidence=d["evidence"],
                    )
                    messages.success(request, "Training recorded.")
                    return HttpResponseRedirect(request.path)
        except ValidationError as exc:
            _apply_errors(roles_form if "save_roles" in request.POST else training_form, exc)
            status = 400
        except PermissionDenied as exc:
            # Audited by deny(); say why here, beside what they chose, instead of a bare 403
            # page that loses the form.
            (roles_form if "save_roles" in request.POST else training_form).add_error(
                None, str(exc)
            )
            status = 403
        else:
            status = 400
    records = member.training_records.order_by("-completed_on")
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "member": member,
            "roles": [Role(r).label for r in held],
            "training": actions.training_status(held, records, today),
            "records": records,
            "roles_form": roles_form,
            "training_form": training_form,
        },
        status=status,
    )


@require_roles(*actions.ADMIN_ROLES, what="deactivate staff")
@require_POST
def staff_deactivate(request: HttpRequest, public_id: str) -> HttpResponse:
    member = _member(request, public_id)
    try:
        actions.deactivate_staff(_user(request), member, request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"{member.username} can no longer sign in; their API tokens were revoked."
        )
    return HttpResponseRedirect(reverse("staff:detail", args=[member.public_id]))


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TokenForm(request.POST or None)
    new_token = ""
    if request.method == "POST" and form.is_valid():
        if user.requires_mfa and not request.session.get(MFA_OK):
            deny(
                user,
                "an MFA-verified session to issue API tokens",
                rule="SEC-AUTHN",
                request=request,
                message="Verify your second factor before creating a token.",
            )
        new_token = actions.issue_api_token(user, form.cleaned_data["name"])
        form = TokenForm()
    rows = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": rows, "new_token": new_token},
        status=_status(form),
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    token = ApiToken.objects.filter(user=user, public_id=public_id).first()
    if token is None:
        raise Http404("No such token")
    actions.revoke_api_token(user, token, request)
    messages.success(request, f"Token {token.name} was revoked.")
    return HttpResponseRedirect(reverse("settings:tokens"))
