"""Every failure answers ``{"error": {"code", "message", "details"}}`` with the right status."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faultmaven.api.idempotency import IdempotentReplay, replayed
from faultmaven.errors import FaultMavenError, TooManyRequests

log = logging.getLogger("faultmaven.api")

_HTTP_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


# Starlette's own messages, said so that the caller knows what to fix.
_FRIENDLIER = {
    "Not Found": "No such endpoint; see /docs for the API.",
    "There was an error parsing the body": (
        "The request body could not be read as JSON; send UTF-8 encoded JSON."
    ),
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body",)] or ["body"]
    return ".".join(parts)


def _problem(problem: dict[str, Any]) -> str:
    """Pydantic's message, without the "Value error, " that prefixes the field types' own."""
    return str(problem.get("msg", "")).removeprefix("Value error, ")


def _validation_response(error: RequestValidationError) -> JSONResponse:
    problems = error.errors()
    for problem in problems:
        if problem.get("type") == "json_invalid":
            reason = problem.get("ctx", {}).get("error", "malformed JSON")
            return JSONResponse(
                status_code=400,
                content=error_body(
                    "MALFORMED_JSON", f"The request body is not valid JSON ({reason}); fix it."
                ),
            )
    details = [
        {"field": _location(tuple(p.get("loc", ()))), "problem": _problem(p)} for p in problems
    ]
    summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details[:5])
    if len(details) > 5:
        summary += f"; and {len(details) - 5} more"
    return JSONResponse(
        status_code=422,
        content=error_body("VALIDATION_ERROR", f"Invalid request: {summary}", details),
    )


def domain_error_response(error: FaultMavenError) -> JSONResponse:
    """The answer to a domain error: its status and body (a 429 with Retry-After)."""
    retry = None
    if isinstance(error, TooManyRequests):
        retry = {"Retry-After": str(error.retry_after)}
    return JSONResponse(
        status_code=error.status_code,
        content=error_body(error.code, error.message, error.details),
        headers=retry,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FaultMavenError)
    def _domain(_request: Request, error: FaultMavenError) -> JSONResponse:
        return domain_error_response(error)

    @app.exception_handler(IdempotentReplay)
    def _replay(_request: Request, replay: IdempotentReplay) -> Response:
        return replayed(replay.reply)

    @app.exception_handler(RequestValidationError)
    def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        return _validation_response(error)

    @app.exception_handler(StarletteHTTPException)
    def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(error.status_code, f"HTTP_{error.status_code}")
        message = _FRIENDLIER.get(str(error.detail), str(error.detail))
        return JSONResponse(
            status_code=error.status_code, content=error_body(code, message), headers=error.headers
        )

    @app.exception_handler(StaleDataError)
    def _stale(_request: Request, _error: StaleDataError) -> JSONResponse:
        return JSONResponse(
            status_code=409,
            content=error_body(
                "CONCURRENT_UPDATE",
                "Someone else changed this record at the same moment; nothing was saved. Retry.",
            ),
        )

    @app.exception_handler(SQLAlchemyTimeoutError)
    def _pool_exhausted(_request: Request, _error: SQLAlchemyTimeoutError) -> JSONResponse:
        return _busy("every database connection stayed busy")

    @app.exception_handler(OperationalError)
    def _database_error(request: Request, error: OperationalError) -> JSONResponse:
        if "database is locked" in str(error.orig):  # SQLite's busy timeout ran out
            return _busy("the database stayed locked by other writers")
        log.error("database error on %s %s", request.method, request.url.path, exc_info=error)
        return JSONResponse(
            status_code=503,
            content=error_body(
                "DATABASE_UNAVAILABLE", "The database cannot be used right now; nothing was saved."
            ),
            headers={"Retry-After": "5"},
        )


def _busy(why: str) -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content=error_body("SERVER_BUSY", f"The server is busy ({why}); nothing was saved. Retry."),
        headers={"Retry-After": "1"},
    )


class UnexpectedErrorMiddleware:
    """An error no handler knows becomes a 500 JSON answer, logged, and the request is over:
    the connection stays usable (Starlette's own last resort re-raises, and the server then
    drops a kept-alive connection without saying so)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:  # half an answer went out: nothing better than dropping the connection
                raise
            await send_error(
                send,
                500,
                "INTERNAL_ERROR",
                "Unexpected server error; nothing was saved. See the server log.",
            )


async def send_error(
    send: Send, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> None:
    """Answer ``{"error": ...}`` straight from ASGI middleware."""
    payload = json.dumps(error_body(code, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *((name.encode(), value.encode()) for name, value in (headers or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
