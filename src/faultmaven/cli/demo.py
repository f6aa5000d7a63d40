"""``faultmaven demo``: the whole path in a minute, on a throwaway database by default."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.rule import Rule

from faultmaven.assistant import conversation
from faultmaven.assistant.runbook_offer import OfferDecision, decide_offer, resolve_with_offer
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseCreate, ResolveRequest
from faultmaven.cases.service import Phase
from faultmaven.cli import render
from faultmaven.cli.context import console, session_scope
from faultmaven.demo import load_demo_cases
from faultmaven.demo.seed import DEMO_ACTOR, play_demo_case
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.markdown import render_markdown

_PHASES = (
    (Phase.blast_radius, "blast_radius", "Phase 1 - blast radius"),
    (Phase.timeline, "timeline", "Phase 2 - timeline"),
    (Phase.hypotheses, "hypotheses", "Phase 3 - hypotheses"),
    (Phase.validations, "validations", "Phase 4 - validation"),
    (Phase.solutions, "solutions", "Solutions tried"),
)


def run_demo(ctx: typer.Context, *, keep: bool) -> None:
    if not keep:
        with tempfile.TemporaryDirectory(prefix="faultmaven-demo-") as scratch:
            settings = ctx.obj["settings"].model_copy(
                update={"data_dir": Path(scratch), "database_url": None}
            )
            ctx.obj["settings"] = settings
            _walkthrough(ctx)
        return
    _walkthrough(ctx)


def _walkthrough(ctx: typer.Context) -> None:
    demos = load_demo_cases()
    story = next(demo for demo in demos if demo.slug == "redis_oom")
    intake = story.case.model_dump(
        include={
            "title",
            "description",
            "severity",
            "affected_systems",
            "services",
            "tags",
            "symptoms",
            "opened_at",
        }
    )
    with session_scope(ctx, audited=True) as session:
        console.print(Rule("1. A new case is opened"))
        case = cases_service.create_case(
            session, data=CaseCreate.model_validate(intake), actor=DEMO_ACTOR
        )
        console.print(f"[bold]{case.id}[/bold] {case.title} — severity {case.severity.value}")
        for symptom in case.symptoms:
            console.print(f"  symptom: {symptom}")

        console.print(Rule("2. The investigation is recorded"))
        for phase, field, label in _PHASES:
            entries = getattr(story.case, field)
            cases_service.add_entries(
                session,
                case_id=case.id,
                phase=phase,
                items=[e.model_dump(mode="json") for e in entries],
                actor=DEMO_ACTOR,
            )
            console.print(f"  {label}: {len(entries)} entries")
        case = cases_service.update_case(
            session,
            case_id=case.id,
            changes=cases_service.CaseFields(
                root_cause=story.case.root_cause, prevention=story.case.prevention
            ),
            actor=DEMO_ACTOR,
        )
        console.print(f"  root cause: {case.root_cause.cause if case.root_cause else '-'}")

        console.print(Rule("3. The fix is confirmed: the case is resolved"))
        turn = resolve_with_offer(
            session,
            case_id=case.id,
            request=ResolveRequest(resolved_at=story.resolved_at),
            actor=DEMO_ACTOR,
        )
        render.assistant_turn(turn.assistant)
        console.print("  > [1] Yes, create a runbook")

        console.print(Rule("4. Accepted: the runbook is drafted and saved"))
        outcome = decide_offer(
            session, case_id=case.id, decision=OfferDecision.accept, actor=DEMO_ACTOR
        )
        runbook = outcome.runbook
        assert runbook is not None
        console.print(
            render_markdown(
                runbook, created=runbook.created_at.date(), last_updated=runbook.updated_at.date()
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

        console.print(Rule("5. Other teams' runbooks are in the store too"))
        for demo in demos:
            if demo.slug != story.slug:
                other = play_demo_case(session, demo)
                console.print(f"  {other.id}  {other.title}")

        session.commit()  # search sees committed runbooks, as it does between API requests
        console.print(Rule("6. Next time: a new case meets the same problem"))
        again = conversation.open_case(
            session,
            data=CaseCreate(
                title="redis-1 OOMKilled, sessions lost",
                symptoms=["OOMKilled in kubectl describe pod", "connection refused on port 6379"],
                services=["redis"],
            ),
            actor=DEMO_ACTOR,
        )
        console.print(f"[bold]{again.case.id}[/bold] {again.case.title}")
        if again.assistant:
            render.assistant_turn(again.assistant)
        query = "redis pods OOMKilled connection refused"
        console.print(f"  $ faultmaven runbooks search {query}")
        render.search_table(runbooks_service.search_runbooks(session, query=query, limit=3))
