"""Write paths for accounts: sign-in bookkeeping, lockout, MFA, roles and training."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import pyotp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clearpost import crypto
from clearpost.app.accounts.models import (
    ApiToken,
    LoginAttempt,
    Role,
    RoleGrant,
    TrainingRecord,
    User,
)
from clearpost.app.audit.actions import client_ip, record


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


def check_totp(user: User, code: str) -> bool:
    secret = totp_secret(user)
    code = "".join(code.split())
    return bool(secret and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1))


def confirm_mfa(user: User, code: str, request: HttpRequest | None) -> bool:
    ok = check_totp(user, code)
    with transaction.atomic():
        if ok and user.mfa_confirmed_at is None:
            user.mfa_confirmed_at = timezone.now()
            user.save(update_fields=["mfa_confirmed_at"])
            record("mfa.enrolled", actor=user, rule="SEC-AUTHN", request=request)
        record(
            "mfa.success" if ok else "mfa.failure", actor=user, rule="SEC-AUTHN", request=request
        )
    return ok


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
    actor: User | None, user: User, completed_on: dt.date, expires_on: dt.date, course: str = ""
) -> TrainingRecord:
    with transaction.atomic():
        rec = TrainingRecord.objects.create(
            user=user,
            completed_on=completed_on,
            expires_on=expires_on,
            recorded_by=actor,
            **({"course": course} if course else {}),
        )
        record(
            "training.record",
            actor=actor,
            practice=user.practice,
            obj=user,
            rule="HIPAA-POLICY-SOCIAL",
            detail={"completed_on": completed_on.isoformat(), "expires_on": expires_on.isoformat()},
        )
    return rec


def issue_api_token(user: User, name: str) -> str:
    """Returns the token once; only its hash is kept."""
    raw = "cp_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.create(
            user=user, name=name, prefix=raw[:10], key_hash=hashlib.sha256(raw.encode()).hexdigest()
        )
        record("api_token.issue", actor=user, rule="SEC-UNIQUE-USER-ID", detail={"name": name})
    return raw


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
