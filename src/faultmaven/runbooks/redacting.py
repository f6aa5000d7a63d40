"""Secrets and personal data never reach a stored runbook: every write goes through here."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from typing import Any, NamedTuple

from faultmaven.kit.fields import validate_fitted
from faultmaven.redaction import RedactionPolicy, Redactor, shorten
from faultmaven.runbooks.schemas import RunbookContent

_PLACEHOLDER = re.compile(r"\[REDACTED:([a-z_]+)\]")


@lru_cache(maxsize=8)
def redactor_for(personal_data: str) -> Redactor:
    return Redactor(RedactionPolicy.from_setting(personal_data))


class RedactedContent(NamedTuple):
    content: RunbookContent
    data: dict[str, Any]  # ``content`` as stored (JSON)
    report: dict[str, int]  # placeholders of each type in it (never the values)


def redact_content(content: RunbookContent, *, personal_data: str) -> RedactedContent:
    """The content with secrets (and the configured personal data) replaced."""
    redactor = redactor_for(personal_data)
    data = content.model_dump(mode="json")
    if not redactor.is_clean(data):
        data, counts = redactor.redact_data(data)
        if counts:  # placeholders may change what a field parses to: check the result again
            # (a text that placeholders made longer than its field allows is cut to fit)
            content = validate_fitted(RunbookContent, data, shorten=shorten)
            data = content.model_dump(mode="json")
    report = Counter(_PLACEHOLDER.findall(json.dumps(data)))
    return RedactedContent(content, data, dict(sorted(report.items())))
