"""Provider-independent structured output: the schema to ask for, parsing, validation, and the
one corrective retry.

A provider supplies ``ask`` (send the conversation, return what came back) and ``correction``
(the messages that tell the model what was wrong); ``complete_validated`` runs at most two
attempts and validates with pydantic, so both providers fail the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from faultmaven.assistant.llm.errors import LLMError, LLMErrorCode

T = TypeVar("T", bound=BaseModel)
MAX_ATTEMPTS = 2  # the first answer plus one corrective retry
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)\s*```", re.DOTALL)


@dataclass(frozen=True)
class Answer:
    """What one attempt returned: the provider's native reply, the parsed data (``None`` when
    unusable) and, when unusable, the problem to tell the model."""

    native: Any
    data: Any = None
    problem: str | None = None


def complete_validated(
    schema: type[T],
    conversation: list[Any],
    *,
    ask: Callable[[list[Any]], Answer],
    correction: Callable[[Answer, str], list[Any]],
    who: str,
) -> T:
    problem = ""
    for _ in range(MAX_ATTEMPTS):
        answer = ask(conversation)
        if answer.problem is None:
            try:
                return schema.model_validate(answer.data)
            except ValidationError as error:
                problem = describe_validation_error(error, schema)
        else:
            problem = answer.problem
        conversation = [*conversation, *correction(answer, problem)]
    raise LLMError(
        f"{who} answered {MAX_ATTEMPTS} times with output that is not a valid "
        f"{schema.__name__}; last problem: {problem}",
        code=LLMErrorCode.INVALID_OUTPUT,
        details={"schema": schema.__name__, "problem": problem},
    )


def correction_text(problem: str) -> str:
    return (
        f"Your previous answer was rejected: {problem}. "
        "Answer again with the complete, corrected JSON object only."
    )


# ---- what to ask for --------------------------------------------------------------------------


def json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with ``$ref``s inlined (easier for small models and for tool
    schemas); recursive models keep their ``$defs``."""
    document = schema.model_json_schema()
    defs = document.pop("$defs", {})
    kept_refs = False

    def inline(node: Any, seen: frozenset[str]) -> Any:
        nonlocal kept_refs
        if isinstance(node, list):
            return [inline(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            if name in seen:
                kept_refs = True
                return node
            rest = {key: inline(value, seen) for key, value in node.items() if key != "$ref"}
            return {**inline(defs[name], seen | {name}), **rest}
        return {key: inline(value, seen) for key, value in node.items()}

    result = inline(document, frozenset())
    if kept_refs:
        result["$defs"] = defs
    return result


def schema_instruction(schema: type[BaseModel]) -> str:
    """The output contract appended to the system prompt when the API cannot take a schema."""
    compact = json.dumps(json_schema(schema), separators=(",", ":"), ensure_ascii=False)
    return (
        "Output format: reply with exactly one JSON object and nothing else (no prose, no code "
        f"fences). It must validate against this JSON Schema:\n{compact}"
    )


# ---- reading what came back -------------------------------------------------------------------


def parse_json_object(text: str | None) -> tuple[Any, str | None]:
    """``(data, None)`` for a JSON object in ``text``, else ``(None, problem)``.

    Tolerates what small models add around the object: a code fence or a sentence before/after.
    """
    if text is None or not text.strip():
        return None, "the answer was empty; it must be a JSON object"
    candidate = text.strip()
    fenced = _FENCE.search(candidate)
    if fenced:
        candidate = fenced.group(1)
    try:
        data = json.loads(candidate)
    except json.JSONDecodeError as error:
        start, end = candidate.find("{"), candidate.rfind("}")
        try:
            data = json.loads(candidate[start : end + 1]) if 0 <= start < end else None
        except json.JSONDecodeError:
            data = None
        if data is None:
            return None, (
                f"the answer is not valid JSON ({error.msg} at line {error.lineno} "
                f"column {error.colno})"
            )
    if not isinstance(data, dict):
        return None, f"the answer must be one JSON object, not a JSON {type(data).__name__}"
    return data, None


def describe_validation_error(
    error: ValidationError, schema: type[BaseModel], limit: int = 8
) -> str:
    problems = []
    for item in error.errors(include_url=False, include_input=False)[:limit]:
        location = ".".join(str(part) for part in item["loc"]) or "(the object)"
        problems.append(f"{location}: {item['msg']}")
    more = error.error_count() - len(problems)
    if more > 0:
        problems.append(f"and {more} more")
    return f"it does not match the {schema.__name__} schema ({'; '.join(problems)})"


TRUNCATED = "the answer was cut off at the output token limit; give a shorter answer"
