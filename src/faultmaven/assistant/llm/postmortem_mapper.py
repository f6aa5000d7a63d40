"""LLM-assisted post-mortem mapping, grounded in the document.

``map_postmortem`` sends the document (redacted by the caller) and the deterministic mapping to
the LLM and asks for the case record (structured output validated against ``CaseCreate``, the
case schema). Then every line of the answer must be traceable to the document
(``grounding.untraceable``: its words occur in the document; ``grounding.ungrounded``: so do its
commands, versions and numbers). A line that is not is **dropped and reported**:

- an entry of a list of strings (a symptom, a step, a command, a prevention item) is removed;
- the text that names an object of a list (a timeline event, a check's description, a fix's
  title, a hypothesis) removes the whole object, and a root cause whose cause is not in the
  document removes the root cause;
- any other string (a check's output, a fix's why_failed, the description) is emptied;
- a title not in the document is replaced by the deterministic title.

Times, severity and when the investigation began stay those of the deterministic mapping (a
time is read only when the document writes its date and zone, and the LLM may not move it): a
timeline event keeps a time only when the deterministic mapping read that same time. An answer
that is not a valid case record, or that is no longer one once lines are dropped, raises
``LLMError``; the caller then keeps the deterministic mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from faultmaven.assistant.llm.errors import LLMError, LLMErrorCode
from faultmaven.assistant.llm.grounding import CaseText, strings_of, ungrounded, untraceable
from faultmaven.assistant.llm.protocol import ChatMessage, LLMProvider
from faultmaven.assistant.prompts.postmortem_mapper import POSTMORTEM_MAPPER_PROMPT
from faultmaven.cases.schemas import CaseCreate

# Fields that hold a value of the schema's vocabulary or a time, not text from the document.
_NOT_TEXT = {"severity", "kind", "status", "outcome", "at", "role", "opened_at"}
# The text that names an object of a list: without it the object goes.
_NAMES = {"event", "description", "title", "statement", "check", "content"}
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class LLMMapping:
    case: CaseCreate
    dropped: list[str]  # "field: 'text' (why)", for the per-file report


def map_postmortem(
    provider: LLMProvider, *, name: str, text: str, deterministic: CaseCreate
) -> LLMMapping:
    """The case the LLM reads in ``text`` (already redacted), grounded; raises ``LLMError``."""
    answer = provider.complete(
        system=POSTMORTEM_MAPPER_PROMPT,
        messages=[ChatMessage(role="user", content=_request(name, text, deterministic))],
        schema=CaseCreate,
    )
    data = answer.model_dump(mode="json")
    data.update(messages=[], opened_at=deterministic.model_dump(mode="json")["opened_at"])
    data["severity"] = deterministic.severity.value
    dropped = _pin_times(data, deterministic)
    corpus = CaseText([text])
    corpus.learn_programs(_commands(deterministic))
    fields = [
        (path, value)
        for path, value in strings_of(CaseCreate.model_validate(data))
        if value.strip() and _last_key(path) not in _NOT_TEXT
    ]
    failures = {c.field: c for c in [*untraceable(fields, corpus), *ungrounded(fields, corpus)]}
    for path, claim in failures.items():
        why = "not in the document" if claim.kind == "text" else f"{claim.kind} not in it"
        dropped.append(f"{path}: {_short(_value(data, path))!r} ({why})")
    # strings and list entries first, then whole objects (so that indexes stay right)
    objects = [path for path in failures if _names_an_object(path)]
    for path in sorted(set(failures) - set(objects), key=_path_key, reverse=True):
        _drop(data, path, deterministic)
    for path in sorted(objects, key=_path_key, reverse=True):
        _drop_object(data, path)
    try:
        case = CaseCreate.model_validate(data)
    except ValidationError as error:
        raise LLMError(
            "The LLM's mapping is not a valid case once the lines not in the document are "
            f"dropped: {error.errors()[0]['msg']}",
            code=LLMErrorCode.UNGROUNDED,
            details={"dropped": dropped[:20]},
        ) from None
    return LLMMapping(case, sorted(dropped))


def _request(name: str, text: str, deterministic: CaseCreate) -> str:
    return (
        f"Document {name!r}:\n<<<\n{text}\n>>>\n\n"
        "A reading by headings alone (JSON; improve it):\n"
        f"{deterministic.model_dump_json(exclude={'messages', 'opened_at'})}\n\n"
        "Answer with the case record as JSON."
    )


def _commands(case: CaseCreate) -> list[str]:
    commands = [v.command for v in case.validations if v.command]
    return commands + [c for solution in case.solutions for c in solution.commands]


def _pin_times(data: dict[str, Any], deterministic: CaseCreate) -> list[str]:
    """Timeline times the deterministic reading did not find are removed (reported)."""
    known = {e["at"] for e in deterministic.model_dump(mode="json")["timeline"] if e["at"]}
    dropped = []
    for index, event in enumerate(data.get("timeline") or []):
        if event.get("at") and event["at"] not in known:
            dropped.append(f"timeline[{index}].at: {event['at']!r} (time not read from it)")
            event["at"] = None
    return dropped


# ---- dropping what the document does not say ---------------------------------------------------


def _parts(path: str) -> list[str | int]:
    return [int(i) if i else key for key, i in _PATH_PART.findall(path)]


def _path_key(path: str) -> list[tuple[int, Any]]:
    """Sort key: later list entries first, so removing one keeps the others' indexes."""
    return [(1, p) if isinstance(p, int) else (0, p) for p in _parts(path)]


def _last_key(path: str) -> str:
    keys = [p for p in _parts(path) if isinstance(p, str)]
    return keys[-1] if keys else ""


def _value(data: Any, path: str) -> Any:
    for part in _parts(path):
        data = data[part]
    return data  # ("" is the whole of data)


def _names_an_object(path: str) -> bool:
    """``timeline[2].event``: the text that names the object ``timeline[2]``."""
    parts = _parts(path)
    return len(parts) >= 3 and parts[-1] in _NAMES and isinstance(parts[-2], int)


def _drop(data: dict[str, Any], path: str, deterministic: CaseCreate) -> None:
    *parent_path, last = _parts(path)
    parent = _value(data, "".join(_render(parent_path)))
    if isinstance(last, int):  # an entry of a list of strings
        del parent[last]
    elif path == "title":
        data["title"] = deterministic.title
    elif path == "root_cause.cause":
        data["root_cause"] = None
    else:
        parent[last] = ""


def _drop_object(data: dict[str, Any], path: str) -> None:
    *list_path, index, _name = _parts(path)
    del _value(data, "".join(_render(list_path)))[index]
    if list_path == ["hypotheses"]:  # the checks' links to hypotheses no longer hold
        for check in data.get("validations") or []:
            check["hypothesis"] = None


def _render(parts: list[str | int]) -> list[str]:
    return [f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts]


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"
