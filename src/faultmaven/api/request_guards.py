"""Checks on a request before any endpoint reads it (the Host it names, body size, that bodies are
JSON) and the security headers every response carries."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faultmaven.api.errors import send_error
from faultmaven.errors import PayloadTooLarge

_JSON_TYPES = (b"application/json", b"application/merge-patch+json")
_TEXT_TYPES = (b"text/markdown", b"text/plain")
# Operations that also read a raw markdown body (their OpenAPI request body lists both kinds).
TEXT_BODY_OPERATIONS = frozenset(
    {("POST", "/api/v1/import/postmortem"), ("POST", "/api/v1/runbooks/import")}
)


class AllowedHostsMiddleware:
    """A request whose Host header is not an allowed host name gets 400 HOST_NOT_ALLOWED.

    The laptop default (localhost, 127.0.0.1, ::1) is what stops DNS rebinding: a web page on
    evil.example that re-points its name at 127.0.0.1 still sends ``Host: evil.example``. The
    port is ignored; ``*`` allows any host; ``*.example.com`` a domain and its subdomains.
    """

    def __init__(self, app: ASGIApp, *, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.any = "*" in allowed
        self.exact = frozenset(host for host in allowed if not host.startswith("*."))
        self.domains = tuple(host[1:] for host in allowed if host.startswith("*."))

    def allows(self, host: str) -> bool:
        if self.any:
            return True
        name = host_name(host)
        return name in self.exact or any(
            name.endswith(domain) or name == domain[1:] for domain in self.domains
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.any:
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        shown = host if len(host) <= 100 else host[:100] + "..."
        message = (
            f"Host {shown!r} is not allowed. The server answers only to the hosts in "
            "FAULTMAVEN_ALLOWED_HOSTS (default: localhost, 127.0.0.1, ::1); an operator who "
            "serves it under another name adds that name there."
        )
        await send_error(send, 400, "HOST_NOT_ALLOWED", message)


def host_name(host: str) -> str:
    """The name part of a Host header: lower case, without the port, IPv6 brackets or the
    trailing dot (``[::1]:8090`` -> ``::1``, ``LocalHost.:80`` -> ``localhost``)."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.removesuffix(".")


# Scripts, styles, images, fonts and fetches from this origin only; no plugins, no framing, no
# <base> rewriting. Pages that need more (the API docs) set their own policy.
STRICT_CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


class SecurityHeadersMiddleware:
    """Every response: ``X-Content-Type-Options: nosniff`` (a JSON or markdown answer is never
    run as a script or page). HTML responses: ``STRICT_CSP`` unless the endpoint set a
    ``Content-Security-Policy`` of its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                is_html = headers.get("content-type", "").startswith("text/html")
                if is_html and "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = STRICT_CSP
            await send(message)

        await self.app(scope, receive, send_with_headers)


class JsonBodyMiddleware:
    """An API request that sends a body (POST, PUT, PATCH) must say it is JSON (or, for the
    operations of ``TEXT_BODY_OPERATIONS``, markdown text): 415 otherwise. (The pages outside
    /api/ take HTML forms, checked by their CSRF token: faultmaven.web.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = scope["type"] == "http" and scope["path"].startswith("/api/")
        if api and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope.get("headers", []))
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            has_body = (
                headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
            )
            takes_text = (scope["method"], scope["path"]) in TEXT_BODY_OPERATIONS
            allowed = _JSON_TYPES + _TEXT_TYPES if takes_text else _JSON_TYPES
            if has_body and content_type not in allowed:
                shown = content_type.decode("latin-1") or "none"
                also = " or the markdown itself with Content-Type: text/markdown (or text/plain)"
                message = (
                    "Send the body as JSON with Content-Type: application/json"
                    f"{also if takes_text else ''} (got {shown})."
                )
                await send_error(send, 415, "UNSUPPORTED_MEDIA_TYPE", message)
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"The request body is larger than {self.max_bytes} bytes; send less."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_error(send, 413, "PAYLOAD_TOO_LARGE", self._message())
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(self._message())
            return message

        await self.app(scope, limited_receive, send)
