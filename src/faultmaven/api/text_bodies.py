"""Operations whose body is JSON or the markdown itself (``Content-Type: text/markdown`` or
``text/plain``): a post-mortem, a runbook file. ``request_guards.TEXT_BODY_OPERATIONS`` lets the
text through (anything else is 415 with a message); FastAPI hands the endpoint a text body as a
``str`` and a JSON body as the model, and ``openapi`` documents both kinds of body."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import SkipJsonSchema

from faultmaven.errors import InvalidInput

TEXT_MEDIA_TYPES = ("text/markdown", "text/plain")
M = TypeVar("M", bound=BaseModel)
# A text body reaches the endpoint as a str; the JSON body's schema does not show it.
Text = SkipJsonSchema[str]


def sent_as_text(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media in TEXT_MEDIA_TYPES


def openapi(model: type[BaseModel], text: str) -> dict[str, Any]:
    """``openapi_extra`` of such an operation: the JSON body is ``model``, a text body is
    described by ``text``."""
    as_text = {"schema": {"type": "string", "description": text}}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}},
                **{media: as_text for media in TEXT_MEDIA_TYPES},
            },
        }
    }


def sent_text(request: Request, sent: object) -> str | None:
    """The markdown of a text body; None for a JSON body (``sent`` is then the model). A JSON
    string is not a text body: 422."""
    if sent_as_text(request):
        if not isinstance(sent, str):  # FastAPI passes a text body through as it came
            raise InvalidInput("A text/markdown body must be the markdown itself.")
        return sent
    if isinstance(sent, str):
        raise InvalidInput(
            "The JSON body must be an object; to send the markdown itself use "
            "Content-Type: text/markdown (or text/plain)."
        )
    return None


def validated(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``; a problem is answered like any invalid body (422 naming it)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise RequestValidationError(
            [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()]
        ) from None
