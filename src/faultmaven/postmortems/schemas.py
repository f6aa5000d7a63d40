"""Request and response shapes of the post-mortem import."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from faultmaven.kit.fields import Line

MAX_DOCUMENT_CHARS = 1_000_000  # one post-mortem (the body limit of the API may be lower)


class PostmortemImport(BaseModel):
    """Body of ``POST /import/postmortem``: one markdown document."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(
        description="The document's file name (it names the problems, e.g. 2019-01-23.md:12); "
        "the title when the document has none."
    )
    text: str = Field(min_length=1, max_length=MAX_DOCUMENT_CHARS, description="The markdown.")


class SectionMapping(BaseModel):
    heading: str = Field(description="The heading ('' for the text before the first one).")
    line: int
    mapped_to: str | None = Field(
        description="The case field it fed (e.g. root_cause.cause, timeline, prevention.process)"
        ", or null: kept in the case's source as unmapped."
    )


class PostmortemImported(BaseModel):
    name: str
    case_id: str = Field(description="The resolved case, marked imported, original text kept.")
    runbook_id: str = Field(description="The draft runbook drafted from it, for review.")
    title: str
    sections: list[SectionMapping]
    warnings: list[str] = Field(
        default_factory=list, description="name:line: what the reviewer should look at."
    )
    mapped_by: str = Field(
        default="deterministic",
        description="deterministic (by headings), or llm:<model> when the configured LLM "
        "mapped it (every line checked against the document).",
    )
    llm_not_used_because: str | None = Field(
        default=None,
        description="With an LLM configured: why its mapping was not used (the deterministic "
        "one was).",
    )
    dropped: list[str] = Field(
        default_factory=list,
        description="Lines of the LLM's mapping that are not in the document, dropped: "
        "'field: text (why)'.",
    )
