"""Post-mortem import with the configured LLM: the deterministic mapping
(``postmortems.service.prepare``), improved by the LLM when one is configured
(``assistant.llm.postmortem_mapper``: every line checked against the document), falling back to
the deterministic mapping on any LLM failure. The per-file report says which path was used
(``mapped_by``), why the LLM's was not (``llm_not_used_because``) and the lines it dropped.

The LLM sees the document with secrets and personal data redacted, like everything that leaves
the process. Services take keyword-only arguments and never commit.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import ValidationError
from sqlalchemy.orm import Session

from faultmaven.assistant.llm.errors import LLMError
from faultmaven.assistant.llm.postmortem_mapper import map_postmortem
from faultmaven.assistant.llm_access import provider_for
from faultmaven.cases.schemas import CaseCreate
from faultmaven.config import settings_of
from faultmaven.postmortems import service
from faultmaven.postmortems.mapping import MappedPostmortem
from faultmaven.postmortems.schemas import PostmortemImported
from faultmaven.runbooks.redacting import redactor_for


def assisted(session: Session, *, mapped: MappedPostmortem) -> MappedPostmortem:
    """``mapped`` as the LLM reads the document, grounded; unchanged without an LLM, and the
    deterministic mapping (with the reason) when the LLM fails."""
    provider = provider_for(session)
    if provider is None:
        return mapped
    redactor = redactor_for(settings_of(session).redact_personal_data)
    text, _counts = redactor.redact(mapped.source.text)
    data, _counts = redactor.redact_data(mapped.case.model_dump(mode="json"))
    try:
        deterministic = CaseCreate.model_validate(data)
        done = map_postmortem(provider, name=mapped.name, text=text, deterministic=deterministic)
    except LLMError as error:
        return replace(mapped, llm_not_used_because=error.message)
    except ValidationError as error:  # a placeholder made a field too long: no LLM then
        return replace(mapped, llm_not_used_because=f"the redacted case is not valid: {error}")
    dropped = [redactor.redact(line)[0] for line in done.dropped]  # the LLM's words: redacted
    return replace(mapped, case=done.case, mapped_by=f"llm:{provider.model}", dropped=dropped)


def import_postmortem(session: Session, *, name: str, text: str, actor: str) -> PostmortemImported:
    """One document: a resolved, imported case and its draft runbook (see ``postmortems``)."""
    mapped = assisted(session, mapped=service.prepare(name=name, text=text))
    return service.save(session, mapped=mapped, actor=actor)
