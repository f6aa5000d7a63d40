"""Forms of the case pages, as data: one-per-line textareas to lists, pydantic's complaints to
messages beside the fields they are about, and what the user typed kept to show it again.

Pure functions (no request, no database): the pages call them before and after the services.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from faultmaven.errors import InvalidInput


def lines(text: str) -> list[str]:
    """A one-per-line textarea as a list: blank lines dropped, each line stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class FormErrors:
    """Problems by field name (``""``: the form as a whole), in the order found."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def get(self, name: str) -> list[str]:
        return self.by_field.get(name, [])

    @property
    def summary(self) -> list[str]:
        return [m for messages in self.by_field.values() for m in messages]


def _where(loc: tuple[int | str, ...]) -> tuple[str, str]:
    """(the field, where in it) of an error location, e.g. ("services", 2) -> line 3."""
    if not loc:
        return "", ""
    name = str(loc[0])
    rest = loc[1:]
    if rest and isinstance(rest[0], int):
        inner = ".".join(str(p) for p in rest[1:])
        return name, f"line {rest[0] + 1}" + (f" ({inner})" if inner else "")
    return name, ".".join(str(p) for p in rest)


def _add_problems(
    found: FormErrors, problems: list[Any], *, as_lines: bool, list_field: str
) -> FormErrors:
    for problem in problems:
        loc = tuple(problem.get("loc", ()))
        message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
        if loc and isinstance(loc[0], int) and list_field:  # an entry of a one-per-line list
            loc = (list_field, *loc)
        if as_lines:
            name, where = _where(loc)
            found.add(name, f"{where}: {message}" if where else message)
        else:
            path = ".".join(str(p) for p in loc)
            found.add("", f"{path}: {message}" if path else message)
    return found


def errors_of(error: ValidationError, *, as_lines: bool = True, list_field: str = "") -> FormErrors:
    """pydantic's errors as messages by field; with ``as_lines`` list indexes read as lines of
    a textarea, otherwise as the JSON path (``solutions.0.outcome``). ``list_field``: the
    field a bare list's errors belong to."""
    return _add_problems(
        FormErrors(), list(error.errors()), as_lines=as_lines, list_field=list_field
    )


def parse_json_record(text: str, model: type[BaseModel]) -> tuple[BaseModel | None, FormErrors]:
    """The pasted case record as ``model``, or why not (JSON syntax with line and column, or
    each field's problem by its path)."""
    errors = FormErrors()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        errors.add("", f"Not JSON: {error.msg} at line {error.lineno}, column {error.colno}.")
        return None, errors
    if not isinstance(data, dict):
        errors.add("", "The case record is a JSON object ({...}), as POST /api/v1/cases takes.")
        return None, errors
    try:
        return model.model_validate(data), errors
    except ValidationError as error:
        return None, errors_of(error, as_lines=False)


def validate(model: type[BaseModel], data: Mapping[str, Any]) -> tuple[Any, FormErrors]:
    """``data`` as ``model``, or the problems by field (textarea lines numbered from 1)."""
    try:
        return model.model_validate(dict(data)), FormErrors()
    except ValidationError as error:
        return None, errors_of(error)


def service_errors(error: InvalidInput, *, list_field: str = "") -> FormErrors:
    """A service's refusal: beside the fields its details name, else for the whole form."""
    found = FormErrors()
    details = error.details
    if isinstance(details, list) and details and all(isinstance(d, dict) for d in details):
        return _add_problems(found, details, as_lines=True, list_field=list_field)
    found.add("", error.message)
    return found
