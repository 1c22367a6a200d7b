"""What every platform fake shares: a threaded WSGI server on 127.0.0.1, routing, an
injectable clock, issued tokens that expire, sliding-window rate limits, media fetched
by URL, and deliberate misbehaviour.

A fake reproduces the platform's documented endpoints, request validation, response and
error bodies and asynchronous processing (reference: shared/reference/platform-apis.md),
so a provider is tested against the shapes the real platform would send. Misbehaviour
modes are queued per operation and consumed one call at a time:

- `error_in_200`: HTTP 200 whose body carries a failure;
- `created_then_error`: the post is created, then an error is returned;
- `created_then_timeout`: the post is created, then no answer arrives in time;
- `reject_media`: the platform refuses the media;
- `expire_token`: the caller's token expires before this call.
"""

from __future__ import annotations

import abc
import dataclasses
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

MODES = (
    "error_in_200",
    "created_then_error",
    "created_then_timeout",
    "reject_media",
    "expire_token",
)


class Clock:
    """Seconds since the epoch; tests move it forward instead of sleeping."""

    def __init__(self, start: float | None = None) -> None:
        self.offset = 0.0
        self.start = start

    def now(self) -> float:
        base = self.start if self.start is not None else time.time()
        return base + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    match: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def form(self) -> dict[str, str]:
        ctype = self.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in ctype:
            return dict(urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True))
        if "multipart/form-data" in ctype:
            return _multipart_fields(self.body, ctype)
        return {}

    @property
    def params(self) -> dict[str, str]:
        """Query and form parameters together, the way Graph reads them."""
        merged = dict(self.query)
        merged.update(self.form)
        return merged

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def bearer(self) -> str:
        auth = self.headers.get("authorization", "")
        for prefix in ("Bearer ", "OAuth "):
            if auth.startswith(prefix):
                return auth[len(prefix) :].strip()
        return self.params.get("access_token", "")


@dataclasses.dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    raw: bytes | None = None
    delay: float = 0.0  # seconds to wait before answering (created_then_timeout)

    def encode(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body).encode()


Handler = Callable[[Request], Response]


def _multipart_fields(body: bytes, ctype: str) -> dict[str, str]:
    m = re.search(r"boundary=\"?([^\";]+)", ctype)
    if not m:
        return {}
    fields: dict[str, str] = {}
    for part in body.split(b"--" + m.group(1).encode()):
        head, _, value = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        if name and b"filename=" not in head:
            fields[name.group(1).decode()] = value.rstrip(b"\r\n").decode(errors="replace")
        elif name:
            size = len(value.rstrip(b"\r\n"))
            fields[name.group(1).decode()] = f"<file:{size}>"
    return fields


def multipart_file(body: bytes, ctype: str, field: str) -> bytes | None:
    m = re.search(r"boundary=\"?([^\";]+)", ctype)
    if not m:
        return None
    for part in body.split(b"--" + m.group(1).encode()):
        head, _, value = part.partition(b"\r\n\r\n")
        if f'name="{field}"'.encode() in head:
            return value[:-2] if value.endswith(b"\r\n") else value
    return None


@dataclasses.dataclass
class IssuedToken:
    token: str
    subject: str
    scopes: frozenset[str]
    expires_at: float | None
    issued_at: float
    refresh: str = ""
    refresh_expires_at: float | None = None


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


class _ThreadingServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        t = threading.Thread(target=self._serve_one, args=(request, client_address), daemon=True)
        t.start()

    def _serve_one(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


class FakePlatform(abc.ABC):
    """Base class: subclasses register routes in `routes()` and keep their own state."""

    platform = "fake"

    def __init__(self, *, clock: Clock | None = None, port: int = 0) -> None:
        self.clock = clock or Clock()
        self.port = port
        self.lock = threading.RLock()
        self.tokens: dict[str, IssuedToken] = {}
        self.modes: dict[str, deque[str]] = defaultdict(deque)
        self.calls: list[tuple[str, str]] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self.windows: dict[str, deque[float]] = defaultdict(deque)
        self.limits: dict[str, tuple[int, float]] = {}
        self.timeout_delay = 2.0
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"^/_files/(?P<name>[^/]+)$"), self._serve_file),
        ]
        self.routes()

    # --- subclass API -------------------------------------------------------
    @abc.abstractmethod
    def routes(self) -> None:
        """Register the platform's endpoints with `route` (each fake has its own)."""

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile("^" + pattern + "$"), handler))

    # --- lifecycle ----------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakePlatform:
        self._server = make_server(
            "127.0.0.1",
            self.port,
            self._wsgi,
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePlatform:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- misbehaviour, tokens, limits, files --------------------------------
    def misbehave(self, operation: str, mode: str, times: int = 1) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        with self.lock:
            self.modes[operation].extend([mode] * times)

    def take_mode(self, operation: str) -> str:
        with self.lock:
            queue = self.modes.get(operation)
            return queue.popleft() if queue else ""

    def issue_token(
        self,
        subject: str,
        scopes: Iterable[str],
        *,
        lifetime: float | None = 60 * 86400,
        refresh_lifetime: float | None = None,
        prefix: str = "tok",
    ) -> IssuedToken:
        now = self.clock.now()
        tok = IssuedToken(
            token=f"{prefix}-{secrets.token_urlsafe(16)}",
            subject=subject,
            scopes=frozenset(scopes),
            expires_at=now + lifetime if lifetime is not None else None,
            issued_at=now,
            refresh=f"r-{secrets.token_urlsafe(16)}" if refresh_lifetime else "",
            refresh_expires_at=now + refresh_lifetime if refresh_lifetime else None,
        )
        with self.lock:
            self.tokens[tok.token] = tok
        return tok

    def add_token(
        self, value: str, subject: str, scopes: Iterable[str], lifetime: float | None = None
    ) -> IssuedToken:
        """A token with a known value (the demo's accounts are seeded with it)."""
        now = self.clock.now()
        tok = IssuedToken(
            value, subject, frozenset(scopes), now + lifetime if lifetime else None, now
        )
        with self.lock:
            self.tokens[value] = tok
        return tok

    def expire(self, token: str) -> None:
        with self.lock:
            self.tokens[token].expires_at = self.clock.now() - 1

    def token_state(self, req: Request, operation: str) -> tuple[IssuedToken | None, str]:
        """(token, problem): problem is "missing", "invalid" or "expired"."""
        value = req.bearer()
        if self.take_mode_if(operation, "expire_token") and value in self.tokens:
            self.expire(value)
        if not value:
            return None, "missing"
        tok = self.tokens.get(value)
        if tok is None:
            return None, "invalid"
        if tok.expires_at is not None and tok.expires_at <= self.clock.now():
            return tok, "expired"
        return tok, ""

    def take_mode_if(self, operation: str, mode: str) -> bool:
        with self.lock:
            queue = self.modes.get(operation)
            if queue and queue[0] == mode:
                queue.popleft()
                return True
            return False

    def set_limit(self, bucket: str, count: int, window_s: float) -> None:
        self.limits[bucket] = (count, window_s)

    def hit(self, bucket: str) -> float | None:
        """Count one call; returns seconds until reset when over the limit."""
        if bucket not in self.limits:
            return None
        count, window = self.limits[bucket]
        now = self.clock.now()
        with self.lock:
            q = self.windows[bucket]
            while q and q[0] <= now - window:
                q.popleft()
            if len(q) >= count:
                return max(1.0, (q[0] if q else now) + window - now)
            q.append(now)
        return None

    def host_file(self, name: str, data: bytes, content_type: str) -> str:
        """Serve a file from the fake itself, as a public media URL for tests."""
        self.files[name] = (data, content_type)
        return f"{self.base_url}/_files/{name}"

    def _serve_file(self, req: Request) -> Response:
        item = self.files.get(req.match["name"])
        if item is None:
            return Response(404, raw=b"not found")
        return Response(200, raw=item[0], headers={"Content-Type": item[1]})

    def fetch(self, url: str) -> tuple[bytes, str] | None:
        """Fetch media the way the platform does (curl from its side); None on failure."""
        try:
            r = httpx.get(url, timeout=5.0, follow_redirects=False)
        except httpx.HTTPError:
            return None
        if r.status_code != 200:
            return None
        return r.content, r.headers.get("content-type", "")

    def new_id(self, digits: int = 17) -> str:
        return str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))

    # --- WSGI ---------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "/")
        query = dict(
            urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        )
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        req = Request(method, path, query, headers, body)
        response = self.dispatch(req)
        if response.delay:
            time.sleep(response.delay)
        payload = response.encode()
        out_headers = {"Content-Type": "application/json"}
        out_headers.update(response.headers)
        out_headers["Content-Length"] = str(len(payload))
        reason = {200: "OK", 201: "Created", 204: "No Content"}.get(response.status, "Status")
        start_response(f"{response.status} {reason}", list(out_headers.items()))
        return [payload]

    def dispatch(self, req: Request) -> Response:
        allowed = False
        for method, pattern, handler in self._routes:
            m = pattern.match(req.path)
            if not m:
                continue
            allowed = True
            if method != req.method:
                continue
            req.match = {k: urllib.parse.unquote(v or "") for k, v in m.groupdict().items()}
            with self.lock:
                self.calls.append((req.method, req.path))
            return handler(req)
        return self.not_found(req, method_mismatch=allowed)

    def not_found(self, req: Request, *, method_mismatch: bool) -> Response:
        return Response(405 if method_mismatch else 404, {"error": "no such endpoint"})

    def count(self, method: str, pattern: str) -> int:
        rx = re.compile("^" + pattern + "$")
        return sum(1 for m, p in self.calls if m == method and rx.match(p))
