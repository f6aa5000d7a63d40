"""``install_web(app)``: the pages beside the API. Templates are built per app; static assets
(own CSS and JS, no CDN, no web fonts) are served from web/static under /static; an unknown
address outside the API answers the 404 page (the API keeps its JSON errors).

Routers: each page module has ``router = APIRouter(route_class=WebRoute)``; add yours to
``ROUTERS`` below (one line per module, so parallel branches merge cleanly)."""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from faultmaven.web import (
    analytics,
    case_conversation,
    cases,
    library,
    login,
    login_oidc,
    runbook_edit,
    runbook_history,
    runbooks,
    workspace,
    workspace_edit,
)
from faultmaven.web.routing import error_page
from faultmaven.web.templating import STATIC_URL, make_templates

STATIC_DIR = Path(__file__).parent / "static"
_API_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json")

ROUTERS: list[APIRouter] = [
    library.router,
    runbooks.router,
    runbook_history.router,
    runbook_edit.router,
    cases.router,  # before workspace: /cases/new is no case id
    workspace.router,
    workspace_edit.router,
    case_conversation.router,
    login.router,
    login_oidc.router,
    analytics.router,
]


def install_web(app: FastAPI) -> None:
    """Mount the pages on ``app`` (after ``install_error_handlers``: the 404 page wraps the
    API's handler of HTTP errors)."""
    app.state.web_templates = make_templates()
    for router in ROUTERS:
        app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")
    api_handler = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if request.url.path.startswith(_API_PREFIXES) or error.status_code not in (404, 405):
            result = api_handler(request, error)
            return await result if inspect.isawaitable(result) else result
        if error.status_code == 405:
            return error_page(request, 405, "This address does not take that kind of request.")
        return error_page(request, 404, "Nothing is at this address.")

    app.add_exception_handler(StarletteHTTPException, http_error)
