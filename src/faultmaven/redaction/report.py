"""The redaction report a runbook keeps: placeholder type -> count, never a value."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A report key is a placeholder type such as "password" or "aws_access_key". The shape is enforced
# so that a report can never carry a redacted value by mistake (a value would fail this pattern
# or, at worst, be capped at 64 lowercase characters of [a-z0-9_]).
_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")


class RedactionReport(BaseModel):
    """How many values of each type were redacted. Immutable; :meth:`merge` returns a new one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    counts: dict[str, int] = Field(default_factory=dict)

    @field_validator("counts")
    @classmethod
    def _check_counts(cls, counts: dict[str, int]) -> dict[str, int]:
        for kind, count in counts.items():
            if not _KIND.fullmatch(kind):
                raise ValueError(f"invalid redaction type {kind[:20]!r}: expected [a-z][a-z0-9_]*")
            if count < 0:
                raise ValueError(f"negative count for redaction type {kind!r}")
        return {kind: counts[kind] for kind in sorted(counts) if counts[kind]}

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> RedactionReport:
        """Build from a ``Counter`` as returned by ``Redactor.redact``/``redact_data``."""
        return cls(counts=dict(counts))

    def merge(self, *others: RedactionReport | Mapping[str, int]) -> RedactionReport:
        """A new report with the counts of ``self`` and every one of ``others`` added up."""
        total = dict(self.counts)
        for other in others:
            counts = other.counts if isinstance(other, RedactionReport) else other
            for kind, count in counts.items():
                total[kind] = total.get(kind, 0) + count
        return RedactionReport(counts=total)

    @property
    def total(self) -> int:
        return sum(self.counts.values())
