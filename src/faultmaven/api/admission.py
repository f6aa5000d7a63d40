"""Back-pressure: at most ``max_concurrent_requests`` requests run at once; the others wait in
line, and one that waited ``queue_timeout_seconds`` is answered 503 with ``Retry-After`` at
once, instead of stalling on a database pool and failing after 30 s.

The database pool is sized from the same number (``app.create_app``): a running request holds
at most two connections (its transaction and a read of the index state), so the pool never
makes an admitted request wait. ``/api/v1/health`` skips the line: it answers even when the
server is saturated.
"""

from __future__ import annotations

import math

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from faultmaven.api.errors import send_error

EXEMPT_PATHS = frozenset({"/api/v1/health"})


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, *, max_concurrent: int, queue_timeout: float) -> None:
        self.app = app
        self.queue_timeout = queue_timeout
        self._slots = anyio.CapacityLimiter(max_concurrent)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        admitted, ticket = False, object()
        with anyio.move_on_after(self.queue_timeout):
            await self._slots.acquire_on_behalf_of(ticket)
            admitted = True
        if not admitted:
            retry_after = str(max(1, math.ceil(self.queue_timeout)))
            await send_error(
                send,
                503,
                "SERVER_BUSY",
                f"The server is busy (more than {int(self._slots.total_tokens)} requests at "
                f"once); retry in {retry_after} s.",
                headers={"retry-after": retry_after},
            )
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release_on_behalf_of(ticket)
