"""The FaultMaven error tree. Every error carries its HTTP status and a stable code.

::

    FaultMavenError (500, INTERNAL_ERROR)
    ├── InvalidInput (422, INVALID_INPUT)    the request is well-formed but its content is wrong
    ├── NotFound (404, <ENTITY>_NOT_FOUND)   an id that does not exist
    ├── Conflict (409, CONFLICT)             a wrong state or a stale version
    ├── PayloadTooLarge (413)                the body is bigger than max_body_bytes
    ├── Forbidden (403, FORBIDDEN)           the actor may not do this
    ├── Unauthorized (401, UNAUTHORIZED)     no credentials, or credentials that are not valid
    └── TooManyRequests (429)                too many attempts (login); retry later

Domains raise these; the API turns them into ``{"error": {"code", "message", "details"}}`` and
the CLI into one line on stderr with exit code 1.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class FaultMavenError(Exception):
    status_code = 500
    code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class InvalidInput(FaultMavenError):
    status_code = 422
    code = "INVALID_INPUT"

    @classmethod
    def from_validation(cls, error: ValidationError, what: str) -> InvalidInput:
        """``what: <field>: <problem>`` for the first problem; every problem in the details."""
        problems = error.errors(include_url=False, include_context=False, include_input=False)
        first = problems[0]
        where = ".".join(str(part) for part in first["loc"])
        reason = f"{where}: {first['msg']}" if where else first["msg"]
        return cls(f"{what}: {reason}", details=problems)


class NotFound(FaultMavenError):
    status_code = 404
    code = "NOT_FOUND"

    @classmethod
    def entity(cls, entity: str, entity_id: str) -> NotFound:
        return cls(
            f"{entity.capitalize()} {entity_id!r} does not exist; check the id.",
            code=f"{entity.upper()}_NOT_FOUND",
            details={"id": entity_id},
        )


class Conflict(FaultMavenError):
    status_code = 409
    code = "CONFLICT"


class PayloadTooLarge(FaultMavenError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class Forbidden(FaultMavenError):
    status_code = 403
    code = "FORBIDDEN"


class Unauthorized(FaultMavenError):
    status_code = 401
    code = "UNAUTHORIZED"


class TooManyRequests(FaultMavenError):
    status_code = 429
    code = "TOO_MANY_REQUESTS"

    def __init__(
        self, message: str, *, retry_after: int, code: str | None = None, details: Any = None
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.retry_after = retry_after  # seconds (the API's Retry-After header)
