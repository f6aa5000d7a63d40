"""Checks on a request before any endpoint reads it: body size, and that bodies are JSON."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faultmaven.api.errors import error_body
from faultmaven.errors import PayloadTooLarge

_JSON_TYPES = (b"application/json", b"application/merge-patch+json")


class JsonBodyMiddleware:
    """A request that sends a body (POST, PUT, PATCH) must say it is JSON: 415 otherwise."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope.get("headers", []))
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            has_body = (
                headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
            )
            if has_body and content_type not in _JSON_TYPES:
                shown = content_type.decode("latin-1") or "none"
                message = (
                    f"Send the body as JSON with Content-Type: application/json (got {shown})."
                )
                await _send_json(send, 415, error_body("UNSUPPORTED_MEDIA_TYPE", message))
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
            await _send_json(send, 413, error_body("PAYLOAD_TOO_LARGE", self._message()))
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


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:

    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
