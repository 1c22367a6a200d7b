"""The API object: bearer-token sign-in, body limits and one error shape for every failure.

Errors are always JSON `{"detail": "...", "errors": {"field": ["message", ...]}}` so a
client can show field-level messages; nothing about other practices is ever disclosed
(another practice's object answers 404 exactly like a missing one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from clearpost.app.accounts.actions import user_for_token
from clearpost.app.accounts.models import User
from clearpost.app.accounts.permissions import audit_if_unrecorded
from clearpost.app.audit.actions import record
from clearpost.app.authorizations.actions import ActionError
from clearpost.engine.consent.model import MalformedInput

# JSON bodies are small (the largest is a release template, 100 KB at most); anything
# bigger is refused before it is read.
MAX_BODY_BYTES = 256 * 1024


class PayloadTooLarge(HttpError):
    def __init__(self) -> None:
        super().__init__(
            413, f"The request body is larger than {MAX_BODY_BYTES // 1024} KB; send less."
        )


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cp_...`: a per-user token acting with that user's roles."""

    def __call__(self, request: HttpRequest) -> Any:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token.strip())
        if user is None or user.practice_id is None:
            # A presented but unusable token is a failed sign-in (SEC-AUDIT-CONTROLS).
            record(
                "api.auth_failure",
                actor_label="api",
                rule="SEC-AUDIT-CONTROLS",
                detail={"prefix": token.strip()[:10]},
                request=request,
            )
            return None
        request.user = user
        return user


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person"},
        "errors": {
            "type": "object",
            "description": "Field path -> messages ('__all__' for the whole request)",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
ERROR_STATUSES = {
    "400": "Malformed request (the body is not JSON)",
    "401": "No token, or the token is not valid",
    "403": "Your role does not allow this",
    "404": "Not found (also another practice's object)",
    "405": "Method not allowed on this path",
    "413": "Request body over 256 KB",
    "422": "Invalid fields or a refused action; see `errors`",
}


class ClearPostAPI(NinjaAPI):
    """Declares the error answers every operation can give, in the one error shape, so
    the OpenAPI document matches what the API really returns."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/Error"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        return schema


api = ClearPostAPI(
    title="ClearPost API",
    version="1",
    description=(
        "Patients, release templates, authorizations (media releases) and revocation. "
        "Send a personal token from Settings > API tokens as `Authorization: Bearer cp_...`. "
        "Every call acts as that person, with their roles, in their practice, and is audited."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)


def actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def error(
    request: HttpRequest,
    status: int,
    detail: str,
    errors: Mapping[str, Sequence[str]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = {(k or "__all__"): list(v) for k, v in errors.items()}
    if extra:
        body.update(extra)
    return api.create_response(request, body, status=status)


def _field_path(loc: Sequence[Any]) -> str:
    # ninja prefixes the parameter source and name: ("body", "payload", "name") -> "name"
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "query", "use"}:
            parts = parts[1:]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        errors.setdefault(_field_path(item.get("loc", ())), []).append(str(item.get("msg", "")))
    return error(request, 422, "Some fields are missing or invalid.", errors)


@api.exception_handler(ActionError)
def _refused(request: HttpRequest, exc: ActionError) -> HttpResponse:
    lint = getattr(exc, "lint", None)
    extra = {"lint": lint.to_json()} if lint is not None else None
    return error(request, 422, "The request was refused; see errors.", exc.errors, extra)


@api.exception_handler(DjangoValidationError)
def _django_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    return error(request, 422, "Some fields are invalid.", errors)


@api.exception_handler(MalformedInput)
def _malformed(request: HttpRequest, exc: MalformedInput) -> HttpResponse:
    path = exc.field_path.removeprefix("use.")
    return error(request, 422, "The proposed use is malformed.", {path: [exc.message]})


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    audit_if_unrecorded(request, exc)
    return error(request, 403, str(exc) or "Your role does not allow this.")


@api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "Not found.")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error(request, 413, PayloadTooLarge().message)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error(
        request,
        401,
        "Sign in with a valid API token: send `Authorization: Bearer cp_...` "
        "(create one under Settings > API tokens).",
    )
    response["WWW-Authenticate"] = 'Bearer realm="clearpost"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = exc.message
    if exc.status_code == 400 and detail.startswith("Cannot parse"):
        detail = "The request body is not valid JSON."
    return error(request, exc.status_code, detail)
