"""The route class of every API router: it documents the answers every operation may give
besides its own (errors, back-pressure, the ``Idempotency-Key`` header of writes) and keeps the
built response on ``request.state.response`` before the request's unit of work commits, so
that ``api.deps`` can store an idempotent write's answer in the write's own transaction."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from faultmaven.api.idempotency import HEADER_DOC, WRITE_METHODS

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. RUNBOOK_NOT_FOUND.")
    message: str = Field(description="What went wrong and what to do about it.")
    details: Any = Field(default=None, description="The specifics (fields, ids, versions).")


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


def error_responses(path: str, methods: set[str]) -> dict[int | str, dict[str, Any]]:
    """The error answers an operation at ``path`` with ``methods`` can give."""
    responses: dict[int | str, dict[str, Any]] = {
        400: _error("Malformed JSON body, or a Host header that is not allowed."),
        401: _error("Team mode: no valid credentials (send Authorization: Bearer <token>)."),
        403: _error(
            "Team mode: your role or the token's scope does not allow this (see the access "
            "policy), or the record belongs to a team where you may not change it."
        ),
        422: _error("Invalid input: the message names the field and what to fix."),
        503: _error("The server is busy: retry after the Retry-After header's seconds."),
    }
    if "{" in path:
        responses[404] = _error("No such id (the message names it).")
    if methods & WRITE_METHODS:
        responses[409] = _error(
            "Conflict: a stale version, a wrong state (e.g. the case is closed) or a concurrent "
            "change; nothing was saved."
        )
    if methods & BODY_METHODS:
        responses[413] = _error("The body is larger than the server accepts.")
        responses[415] = _error("The body is not sent as JSON.")
    return responses


class FaultMavenRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {method.upper() for method in kwargs.get("methods") or ()}
        kwargs["responses"] = {**error_responses(path, methods), **(kwargs.get("responses") or {})}
        extra = dict(kwargs.get("openapi_extra") or {})
        parameters = extra.get("parameters", [])
        if methods & WRITE_METHODS and HEADER_DOC not in parameters:  # (included routers: once)
            kwargs["openapi_extra"] = {**extra, "parameters": [*parameters, HEADER_DOC]}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def keep_response(request: Request) -> Response:
            response = await handler(request)
            request.state.response = response
            return response

        return keep_response
