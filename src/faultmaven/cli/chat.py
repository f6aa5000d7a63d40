"""``faultmaven chat CASE_ID``: the case's conversation in the terminal. Suggested actions are
numbered; type the number to choose one. Empty line, /quit or Ctrl-D ends the chat."""

from __future__ import annotations

import typer

from faultmaven.assistant.conversation import handle_message
from faultmaven.assistant.doctor_patient import LLMResponse
from faultmaven.cases import service as cases_service
from faultmaven.cli import render
from faultmaven.cli.context import cli_actor, console, run_queued_jobs, session_scope
from faultmaven.jobs import service as jobs_service


def chat(ctx: typer.Context, case_id: str) -> None:
    """The chat loop (see module docstring)."""
    with session_scope(ctx) as session:
        case = cases_service.get_case(session, case_id=case_id)
    console.print(f"[bold]{case.id}[/bold] {case.title} ({case.status.value}). /quit to leave.")
    actions: list[str] = [s.title for s in case.suggested_runbooks]
    actions = [f"Show me runbook: {title}" for title in actions]
    for number, payload in enumerate(actions, start=1):
        console.print(f"  [{number}] {payload}")
    while True:
        try:
            line = typer.prompt("you", default="", show_default=False, prompt_suffix="> ")
        except (EOFError, typer.Abort):
            break
        line = line.strip()
        if not line or line == "/quit":
            break
        if line.isdigit() and 1 <= int(line) <= len(actions):
            line = actions[int(line) - 1]
            console.print(f"[dim]> {line}[/dim]")
        with session_scope(ctx, audited=True) as session:
            actor = cli_actor(ctx)
            turn = handle_message(session, case_id=case_id, content=line, actor=actor).assistant
            queued = jobs_service.queued_count(session)
        actions = _show(turn)
        if queued and run_queued_jobs(ctx):
            with session_scope(ctx) as session:
                case = cases_service.get_case(session, case_id=case_id)
            console.print(case.messages[-1].content)


def _show(turn: LLMResponse | None) -> list[str]:
    if turn is None:
        return []
    render.assistant_turn(turn)
    for command in turn.suggested_commands:
        console.print(f"  $ {command.command}   [dim]({command.safety.value}) {command.why}[/dim]")
    return [action.payload for action in turn.suggested_actions]
