"""Every failure answers ``{"error": {"code", "message", "details"}}`` with the right status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from faultmaven.errors import FaultMavenError

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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FaultMavenError)
    def _domain(_request: Request, error: FaultMavenError) -> JSONResponse:
        return JSONResponse(
            status_code=error.status_code,
            content=error_body(error.code, error.message, error.details),
        )

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

    @app.exception_handler(Exception)
    def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(  # answered outside the middleware: add its header here
            status_code=500,
            content=error_body(
                "INTERNAL_ERROR", "Unexpected server error; nothing was saved. See the server log."
            ),
            headers={"X-Content-Type-Options": "nosniff"},
        )
