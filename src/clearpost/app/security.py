"""Response headers a HIPAA reviewer expects, and the API's answers to requests that
never reach a view (wrong method, unknown path, a chunked body over the limit).

- Content-Security-Policy: scripts and styles only from this site (no inline script,
  no inline style, no eval), no plugins, no framing, forms post only here. htmx is
  vendored and configured by a <meta> tag so it injects no <style>. The API's
  interactive docs page (/api/docs) loads Swagger UI from its CDN with an inline
  bootstrap script; that one page gets its own, wider policy.
- Cache-Control: no-store on every page and API answer, so no patient identity is
  kept by a browser or proxy cache; Permissions-Policy switches off camera,
  microphone, location and payment; Cross-Origin-Opener-Policy isolates the window.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "img-src 'self' data: https://django-ninja.dev https://cdn.jsdelivr.net",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        docs = request.path.startswith("/api/docs")
        response.headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


class ApiEdgeMiddleware:
    """For /api/: a chunked body is read up to the limit (413 past it, instead of being
    silently dropped for want of a Content-Length), and 404/405 answers that never
    reached a view get the API's JSON error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        from clearpost.app.api.base import MAX_BODY_BYTES, PayloadTooLarge

        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            stream = request.META.get("wsgi.input")
            data = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
            if len(data) > MAX_BODY_BYTES:
                return JsonResponse({"detail": PayloadTooLarge().message}, status=413)
            request._body = data  # what request.body returns from here on
            request.META["CONTENT_LENGTH"] = str(len(data))
        response = self.get_response(request)
        is_json = response.get("Content-Type", "").startswith("application/json")
        if response.status_code == 405 and not is_json:
            allowed = response.get("Allow", "")
            out = JsonResponse(
                {
                    "detail": f"{request.method} is not allowed here.",
                    "errors": {
                        "method": [f"Use one of: {allowed}." if allowed else "Not allowed."]
                    },
                },
                status=405,
            )
            if allowed:
                out["Allow"] = allowed
            return out
        if response.status_code == 404 and not is_json:
            return JsonResponse({"detail": "Not found."}, status=404)
        return response
