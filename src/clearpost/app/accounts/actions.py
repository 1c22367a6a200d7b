"""Write paths for accounts: sign-in bookkeeping, lockout, MFA, roles and training."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clearpost import crypto
from clearpost.app.accounts.models import (
    TRAINED_ROLES,
    ApiToken,
    LoginAttempt,
    Role,
    RoleGrant,
    TrainingRecord,
    User,
)
from clearpost.app.accounts.permissions import check_roles, deny
from clearpost.app.audit.actions import client_ip, record
from clearpost.app.practices.models import Practice

# Who administers staff: the owner and the privacy officer (SEC-ACCESS-CONTROL).
ADMIN_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER)
# A training record this close to its expiry shows as due soon on the dashboard.
DUE_SOON_DAYS = 30


def is_locked_out(username: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    window = now - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    last_success = (
        LoginAttempt.objects.filter(username__iexact=username, succeeded=True, at__gte=window)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = LoginAttempt.objects.filter(
        username__iexact=username, succeeded=False, at__gte=window
    )
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    return failures.count() >= settings.LOGIN_MAX_FAILURES


def note_login(
    username: str, request: HttpRequest | None, user: User | None, succeeded: bool, reason: str = ""
) -> None:
    with transaction.atomic():
        LoginAttempt.objects.create(
            username=username[:150], ip=client_ip(request), succeeded=succeeded
        )
        record(
            "login.success" if succeeded else "login.failure",
            actor=user if succeeded else None,
            actor_label=username[:150] if not succeeded else None,
            practice=getattr(user, "practice", None),
            rule="SEC-AUDIT-CONTROLS",
            detail={"reason": reason} if reason else {},
            request=request,
        )


def _totp_aad(user: User) -> str:
    return f"user:{user.pk}:totp"


def start_mfa_enrolment(user: User) -> str:
    """A fresh secret each time enrolment starts; confirmed only by a valid code."""
    secret = pyotp.random_base32()
    user.totp_secret = crypto.encrypt(settings.CLEARPOST_ENCRYPTION_KEY, secret, _totp_aad(user))
    user.mfa_confirmed_at = None
    user.save(update_fields=["totp_secret", "mfa_confirmed_at"])
    return secret


def totp_secret(user: User) -> str | None:
    if not user.totp_secret:
        return None
    return crypto.decrypt(settings.CLEARPOST_ENCRYPTION_KEY, user.totp_secret, _totp_aad(user))


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.get_username(), issuer_name=settings.MFA_ISSUER
    )


def totp_step(user: User, code: str, now: dt.datetime | None = None) -> int | None:
    """The time step a code belongs to (this one or a neighbour, for clock drift), or
    None when it matches none."""
    secret = totp_secret(user)
    code = "".join(code.split())
    if not (secret and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    at = now or timezone.now()
    for drift in (0, -1, 1):
        moment = at + dt.timedelta(seconds=drift * totp.interval)
        if hmac.compare_digest(code, totp.at(moment)):
            return int(totp.timecode(moment))
    return None


def check_totp(user: User, code: str) -> bool:
    return totp_step(user, code) is not None


def confirm_mfa(user: User, code: str, request: HttpRequest | None) -> bool:
    """Accept a code once: a code whose time step is not newer than the last accepted
    one (the same code again, or an older one) is refused as a replay."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        step = totp_step(locked, code)
        replayed = step is not None and (
            locked.totp_last_step is not None and step <= locked.totp_last_step
        )
        ok = step is not None and not replayed
        if ok:
            locked.totp_last_step = step
            locked.save(update_fields=["totp_last_step"])
            user.totp_last_step = step
        if replayed:
            record(
                "mfa.failure",
                actor=user,
                rule="SEC-AUTHN",
                detail={"why": "code already used"},
                request=request,
            )
            return False
        if ok and user.mfa_confirmed_at is None:
            user.mfa_confirmed_at = timezone.now()
            user.save(update_fields=["mfa_confirmed_at"])
            record("mfa.enrolled", actor=user, rule="SEC-AUTHN", request=request)
        record(
            "mfa.success" if ok else "mfa.failure", actor=user, rule="SEC-AUTHN", request=request
        )
    return ok


def change_own_password(user: User, new_password: str, request: HttpRequest | None) -> None:
    """The person sets their own password (validated); ends a must-change state."""
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        record("password.change", actor=user, obj=user, rule="SEC-AUTHN", request=request)


def grant_role(actor: User | None, user: User, role: Role) -> None:
    with transaction.atomic():
        _, created = RoleGrant.objects.get_or_create(user=user, role=role)
        if created:
            record(
                "role.grant",
                actor=actor,
                practice=user.practice,
                obj=user,
                rule="SEC-ACCESS-CONTROL",
                detail={"role": str(role)},
            )
    user.__dict__.pop("_role_cache", None)


def record_training(
    actor: User | None,
    user: User,
    completed_on: dt.date,
    expires_on: dt.date,
    course: str = "",
    evidence: str = "",
) -> TrainingRecord:
    with transaction.atomic():
        rec = TrainingRecord.objects.create(
            user=user,
            completed_on=completed_on,
            expires_on=expires_on,
            recorded_by=actor,
            evidence=evidence,
            **({"course": course} if course else {}),
        )
        record(
            "training.record",
            actor=actor,
            practice=user.practice,
            obj=user,
            rule="HIPAA-POLICY-SOCIAL",
            detail={
                "completed_on": completed_on.isoformat(),
                "expires_on": expires_on.isoformat(),
                "course": rec.course,
                "evidence": bool(evidence),
            },
        )
    return rec


def issue_api_token(user: User, name: str) -> str:
    """Returns the token once; only its hash is kept."""
    raw = "cp_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=raw[:10], key_hash=hashlib.sha256(raw.encode()).hexdigest()
        )
        record(
            "api_token.issue",
            actor=user,
            obj=token,
            rule="SEC-UNIQUE-USER-ID",
            detail={"name": name},
        )
    return raw


def revoke_api_token(actor: User, token: ApiToken, request: HttpRequest | None = None) -> None:
    """A person revokes their own token; it stops working on the next request."""
    if token.user_id != actor.pk:
        raise PermissionDenied("Not your token.")
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            record(
                "api_token.revoke",
                actor=actor,
                obj=token,
                rule="SEC-ACCESS-CONTROL",
                request=request,
            )


@dataclass(frozen=True)
class TrainingStatus:
    """`state` is one of current, due_soon, due, not_required."""

    state: str
    expires_on: dt.date | None

    @property
    def label(self) -> str:
        return {
            "current": f"current until {self.expires_on}",
            "due_soon": f"due soon: expires {self.expires_on}",
            "due": "due",
            "not_required": "not required",
        }[self.state]


def training_status(
    roles: Iterable[str], records: Iterable[TrainingRecord], today: dt.date
) -> TrainingStatus:
    """Computed from already-fetched records so a staff list costs no query per person."""
    current = [r for r in records if r.completed_on <= today <= r.expires_on]
    expires = max((r.expires_on for r in current), default=None)
    if not set(roles) & TRAINED_ROLES:
        return TrainingStatus("not_required", expires)
    if expires is None:
        return TrainingStatus("due", None)
    if expires <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return TrainingStatus("due_soon", expires)
    return TrainingStatus("current", expires)


def require_trained(user: User, action: str, request: HttpRequest | None = None) -> None:
    """Approved posters and reviewers act only with a current social-media training
    record (HIPAA-POLICY-SOCIAL); the refusal is audited and tells them what to do."""
    if user.training_due():
        deny(
            user,
            f"current social-media training to {action}",
            rule="HIPAA-POLICY-SOCIAL",
            request=request,
            message="Your social-media training is not current. Ask your privacy officer to "
            "record your training before you " + action + ".",
        )


def _require_admin(actor: User, target: User | None, request: HttpRequest | None) -> None:
    check_roles(actor, ADMIN_ROLES, request, "manage staff")
    if target is not None and (
        target.practice_id is None or target.practice_id != actor.practice_id
    ):
        raise PermissionDenied("Not a member of your practice.")


def add_staff(
    actor: User,
    *,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    roles: Iterable[Role] = (),
    request: HttpRequest | None = None,
    must_change_password: bool = True,
) -> User:
    """A new named login in the actor's practice (SEC-UNIQUE-USER-ID: no shared logins).
    The password must pass Django's validators; nothing is saved if anything fails.
    The person must choose their own password at first sign-in, unless the caller says
    the password is theirs alone already (the demo prints each one once, to its user)."""
    _require_admin(actor, None, request)
    roles = list(roles)
    if Role.OWNER in roles and not actor.has_role(Role.OWNER):
        deny(
            actor,
            "owner to grant owner",
            request=request,
            message="Only an owner can add an owner.",
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["That username is taken."]})
    candidate = User(username=username, first_name=first_name, last_name=last_name, email=email)
    validate_password(password, candidate)
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            first_name=first_name,
            last_name=last_name,
            practice=actor.practice,
            must_change_password=must_change_password,  # a password only its owner knows
        )
        record(
            "staff.create",
            actor=actor,
            obj=user,
            rule="SEC-UNIQUE-USER-ID",
            detail={"username": username},
            request=request,
        )
        for role in roles:
            grant_role(actor, user, role)
    return user


def add_first_owner(
    practice: Practice,
    *,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """The practice's first owner, made at setup (no one is signed in yet to add them).
    Refused once the practice has an active owner: from then on owners add people."""
    if User.objects.filter(
        practice=practice, is_active=True, role_grants__role=Role.OWNER
    ).exists():
        raise ValidationError({"username": ["This practice already has an owner."]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["That username is taken."]})
    candidate = User(username=username, first_name=first_name, last_name=last_name, email=email)
    validate_password(password, candidate)
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            first_name=first_name,
            last_name=last_name,
            practice=practice,
        )
        record(
            "staff.create",
            actor_label="setup",
            practice=practice,
            obj=user,
            rule="SEC-UNIQUE-USER-ID",
            detail={"username": username, "first_owner": True},
        )
        grant_role(None, user, Role.OWNER)
    return user


def set_roles(
    actor: User, user: User, roles: Iterable[Role], request: HttpRequest | None = None
) -> None:
    """Grant and remove roles so the member holds exactly `roles`."""
    _require_admin(actor, user, request)
    wanted = {Role(r) for r in roles}
    held = {Role(r) for r in user.role_grants.values_list("role", flat=True)}
    if Role.OWNER in (wanted ^ held) and not actor.has_role(Role.OWNER):
        deny(
            actor,
            "owner to change owner",
            request=request,
            message="Only an owner can grant or remove the owner role.",
        )
    if Role.OWNER in held - wanted and not _other_owner_exists(user):
        raise ValidationError({"roles": ["The practice needs at least one active owner."]})
    with transaction.atomic():
        for role in wanted - held:
            grant_role(actor, user, role)
        for role in held - wanted:
            RoleGrant.objects.filter(user=user, role=role).delete()
            record(
                "role.revoke",
                actor=actor,
                practice=user.practice,
                obj=user,
                rule="SEC-ACCESS-CONTROL",
                detail={"role": str(role)},
                request=request,
            )
    user.__dict__.pop("_role_cache", None)


def _other_owner_exists(user: User) -> bool:
    return (
        RoleGrant.objects.filter(
            role=Role.OWNER, user__practice=user.practice, user__is_active=True
        )
        .exclude(user=user)
        .exists()
    )


def _sessions_of(user: User) -> list[str]:
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            keys.append(session.session_key)
    return keys


def deactivate_staff(actor: User, user: User, request: HttpRequest | None = None) -> None:
    """SEC-TERMINATION: the person loses access at once, their API tokens and open
    sessions included. The account is kept (audit events point at it), never deleted."""
    _require_admin(actor, user, request)
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    if user.has_role(Role.OWNER) and not actor.has_role(Role.OWNER):
        deny(
            actor,
            "owner to deactivate an owner",
            request=request,
            message="Only an owner can deactivate an owner.",
        )
    if user.has_role(Role.OWNER) and not _other_owner_exists(user):
        raise ValidationError("The practice needs at least one active owner.")
    with transaction.atomic():
        now = timezone.now()
        tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        sessions = _sessions_of(user)
        Session.objects.filter(session_key__in=sessions).delete()
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        record(
            "staff.deactivate",
            actor=actor,
            obj=user,
            rule="SEC-TERMINATION",
            detail={"tokens_revoked": tokens, "sessions_ended": len(sessions)},
            request=request,
        )


def user_for_token(raw: str) -> User | None:
    digest = hashlib.sha256(raw.encode()).hexdigest()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def record_staff_training(
    actor: User,
    user: User,
    completed_on: dt.date,
    expires_on: dt.date,
    course: str = "",
    request: HttpRequest | None = None,
    evidence: str = "",
) -> TrainingRecord:
    """The web and API path for HIPAA-POLICY-SOCIAL training logs: admins only. The
    recorder names the course and types the evidence or an attestation: a record made
    in one click proves nothing."""
    _require_admin(actor, user, request)
    errors: dict[str, list[str]] = {}
    if len(course.strip()) < 3:
        errors["course"] = ["Name the course or training the person completed."]
    if len(evidence.strip()) < 10:
        errors["evidence"] = [
            "Type the evidence (certificate number, where the record is filed) or your "
            "attestation of how you know it was completed."
        ]
    if errors:
        raise ValidationError(errors)
    if expires_on <= completed_on:
        raise ValidationError({"expires_on": ["The expiry must be after the completion date."]})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": ["The completion date cannot be in the future."]})
    return record_training(actor, user, completed_on, expires_on, course.strip(), evidence.strip())
