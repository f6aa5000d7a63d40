"""Secrets and personal data never reach a stored runbook: every write goes through here."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from faultmaven.redaction import RedactionPolicy, Redactor
from faultmaven.runbooks.schemas import RunbookContent

_PLACEHOLDER = re.compile(r"\[REDACTED:([a-z_]+)\]")


@lru_cache(maxsize=8)
def redactor_for(personal_data: str) -> Redactor:
    return Redactor(RedactionPolicy.from_setting(personal_data))


def redact_content(
    content: RunbookContent, *, personal_data: str
) -> tuple[RunbookContent, dict[str, int]]:
    """The content with secrets (and the configured personal data) replaced, and the report:
    how many placeholders of each type the stored content holds (never the values)."""
    data, _counts = redactor_for(personal_data).redact_data(content.model_dump(mode="json"))
    redacted = RunbookContent.model_validate(data)
    report = Counter(_PLACEHOLDER.findall(redacted.model_dump_json()))
    return redacted, dict(sorted(report.items()))
