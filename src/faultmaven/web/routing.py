"""The route class of every page: whatever goes wrong answers a page, never JSON and never a
traceback. LoginRequired → 303 to /login?next=...; a FaultMavenError → the error page with its
status (404: the not-found page; what a principal may not see is not found too); bad input in
the URL → the not-found page; anything unexpected → logged, the 500 page ("nothing was
saved": the unit of work rolled back)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm.exc import StaleDataError

from faultmaven.errors import FaultMavenError
from faultmaven.web.auth import LoginRequired
from faultmaven.web.templating import render

log = logging.getLogger("faultmaven.web")

_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    409: "Changed meanwhile",
    422: "Check the form",
    503: "Busy",
}


def error_page(request: Request, status: int, message: str) -> Response:
    if status == 404:
        return render(request, "not_found.html", {"message": message}, status_code=404)
    title = _TITLES.get(status, "Something went wrong")
    context = {"status": status, "title": title, "message": message}
    return render(request, "error.html", context, status_code=status)


def _not_found_message(error: RequestValidationError) -> str:
    where = [str(p.get("loc", ("",))[-1]) for p in error.errors()]
    return f"Nothing is at this address (check the {', '.join(where) or 'link'})."


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as redirect:
                return RedirectResponse(redirect.location(), status_code=303)
            except FaultMavenError as error:
                return error_page(request, error.status_code, error.message)
            except RequestValidationError as error:
                if request.method == "GET":
                    return error_page(request, 404, _not_found_message(error))
                return error_page(request, 422, "The form was incomplete; nothing was saved.")
            except (StaleDataError, SQLAlchemyTimeoutError, OperationalError) as error:
                log.warning("busy on %s %s: %s", request.method, request.url.path, error)
                return error_page(
                    request, 503, "The server is busy; nothing was saved. Try again in a moment."
                )
            except Exception:
                log.exception("unhandled error on page %s %s", request.method, request.url.path)
                return error_page(
                    request,
                    500,
                    "Unexpected server error; nothing was saved. The server log has the details.",
                )

        return page
