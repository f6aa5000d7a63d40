"""The configured LLM provider of a session's settings (built once per configuration), and the
redacted view of a case that is the only thing an LLM ever sees."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from faultmaven.assistant.llm.factory import provider_from_settings
from faultmaven.assistant.llm.protocol import LLMProvider
from faultmaven.cases.schemas import CaseRecord
from faultmaven.config import Settings, settings_of
from faultmaven.runbooks.redacting import redactor_for

_providers: dict[tuple, LLMProvider | None] = {}
_lock = threading.Lock()


def _key(settings: Settings) -> tuple:
    secret = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return (
        settings.llm_provider,
        settings.llm_base_url,
        settings.llm_model,
        secret,
        settings.llm_timeout_seconds,
        settings.llm_max_retries,
    )


def provider_for(session: Session) -> LLMProvider | None:
    """The LLM of this session's settings, or None (no LLM configured: the offline default)."""
    settings = settings_of(session)
    if settings.llm_provider == "none":
        return None
    key = _key(settings)
    with _lock:
        if key not in _providers:
            _providers[key] = provider_from_settings(settings)
        return _providers[key]


def redacted_case(session: Session, case: CaseRecord) -> CaseRecord:
    """The case with secrets and personal data replaced by typed placeholders."""
    redactor = redactor_for(settings_of(session).redact_personal_data)
    data, _counts = redactor.redact_data(case.model_dump(mode="json"))
    return CaseRecord.model_validate(data)
