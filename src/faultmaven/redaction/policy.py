"""Which personal-data kinds a :class:`~faultmaven.redaction.Redactor` replaces.

Secrets are always redacted; only personal data is configurable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PERSONAL_KINDS: tuple[str, ...] = ("email", "ip", "phone")


@dataclass(frozen=True)
class RedactionPolicy:
    """The personal-data kinds to redact (a subset of :data:`PERSONAL_KINDS`).

    The default redacts every kind. Secrets (passwords, keys, tokens, ...) are not part of the
    policy: they are always redacted.
    """

    personal: frozenset[str] = frozenset(PERSONAL_KINDS)

    def __post_init__(self) -> None:
        personal = self.personal
        if isinstance(personal, str):  # a lone "email" would otherwise become {"e", "m", ...}
            raise TypeError("RedactionPolicy.personal must be a collection of kinds, not a str")
        kinds = frozenset(personal)
        unknown = kinds - frozenset(PERSONAL_KINDS)
        if unknown:
            raise ValueError(_unknown_message(sorted(unknown)))
        object.__setattr__(self, "personal", kinds)

    @classmethod
    def from_setting(cls, value: str) -> RedactionPolicy:
        """Parse a setting: ``"email,ip,phone"`` (any subset, any order), ``"none"``, ``"all"``.

        Case and surrounding whitespace are ignored. An empty (or all-blank) value means the
        default, every kind: an accidentally empty setting must not silently turn redaction off;
        opting out is spelled ``"none"``. An unknown kind raises :class:`ValueError` naming the
        valid ones.
        """
        if not isinstance(value, str):
            raise TypeError(f"expected a str setting, got {type(value).__name__}")
        items = [item.strip().lower() for item in value.split(",")]
        items = [item for item in items if item]
        if not items or items == ["all"]:
            return cls()
        if items == ["none"]:
            return cls(personal=frozenset())
        if "none" in items or "all" in items:
            raise ValueError(
                f"invalid redaction setting {value!r}: 'none' and 'all' cannot be combined with "
                f"other kinds; valid kinds: {', '.join(PERSONAL_KINDS)}"
            )
        return cls(personal=frozenset(_validated(items)))

    def to_setting(self) -> str:
        """The inverse of :meth:`from_setting` (kinds in canonical order, or ``"none"``)."""
        kinds = [kind for kind in PERSONAL_KINDS if kind in self.personal]
        return ",".join(kinds) if kinds else "none"


def _validated(items: Iterable[str]) -> list[str]:
    items = list(items)
    unknown = sorted({item for item in items if item not in PERSONAL_KINDS})
    if unknown:
        raise ValueError(_unknown_message(unknown))
    return items


def _unknown_message(unknown: list[str]) -> str:
    return (
        f"unknown personal-data kind(s): {', '.join(unknown)}; valid kinds: "
        f"{', '.join(PERSONAL_KINDS)} (or 'none' / 'all')"
    )
