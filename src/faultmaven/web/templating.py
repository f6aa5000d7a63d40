"""The page renderer: Jinja2 templates (autoescaped) from web/templates, built per app by
``install_web`` (no process-wide state), and ``render`` that every page answers with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from faultmaven import __version__
from faultmaven.accounts.schemas import Principal
from faultmaven.web import csrf, rendering
from faultmaven.web.auth import EDIT, RESPOND

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_URL = "/static"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.globals["version"] = __version__
    env.globals["static"] = lambda name: f"{STATIC_URL}/{name}?v={__version__}"
    env.filters["markdown"] = rendering.MarkdownCache().html
    env.filters["highlight"] = rendering.highlight
    return templates


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """``template`` rendered with ``context`` plus what every page shows: the principal (user
    menu), the auth mode, the CSRF token of its forms, the current path (navigation) and
    ``can_respond`` / ``can_edit`` (whether to show buttons that need those roles)."""
    settings = request.app.state.settings
    principal: Principal | None = getattr(request.state, "principal", None)
    full = {
        "principal": principal,
        "can_respond": principal is not None and principal.has(RESPOND.role, RESPOND.scope),
        "can_edit": principal is not None and principal.has(EDIT.role, EDIT.scope),
        "team_mode": settings.auth == "required",
        "csrf_token": csrf.token_for(request),
        "current_path": request.url.path,
        **(context or {}),
    }
    templates: Jinja2Templates = request.app.state.web_templates
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    csrf.remember_key(request, response)
    return response
