"""Browser sign-in with the configured OIDC provider: ``/login/oidc`` sends the browser to the
provider, which returns to ``/login/oidc/callback``; the callback signs the user in as the
password form does (the ``fm_session`` cookie) and goes to the library.

The API's flow (``/api/v1/auth/oidc/login`` → ``/api/v1/auth/oidc/callback``) answers a JSON
token for programs; this one uses the same provider and ``accounts.oidc`` functions with its
own return address: the path ``/login/oidc/callback`` on the host of
``FAULTMAVEN_OIDC_REDIRECT_URL`` (register it with the provider too). The sign-in state is kept
in a signed cookie of its own, limited to ``/login/oidc``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from faultmaven.accounts import oidc
from faultmaven.errors import Unauthorized
from faultmaven.kit.db import unit_of_work
from faultmaven.web.auth import set_session_cookie
from faultmaven.web.login import login_page, session_token
from faultmaven.web.routing import WebRoute

router = APIRouter(prefix="/login/oidc", route_class=WebRoute, include_in_schema=False)
STATE_COOKIE = "fm_oidc"
STATE_PATH = "/login/oidc"
CALLBACK_PATH = "/login/oidc/callback"


def _config(request: Request) -> oidc.OIDCConfig:
    return oidc.config_from(request.app.state.settings, callback_path=CALLBACK_PATH)


@router.get("")
def start(request: Request) -> Response:
    config = _config(request)
    url, signed = oidc.start(config)
    answer = RedirectResponse(url, status_code=303)
    answer.set_cookie(STATE_COOKIE, signed, path=STATE_PATH, **oidc.state_cookie_options(config))
    return answer


@router.get("/callback")
def callback(
    request: Request,
    code: Annotated[str, Query(max_length=2000)] = "",
    state: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    config = _config(request)
    try:
        with unit_of_work(request.app.state.session_factory) as session:
            principal = oidc.finish(
                session,
                config,
                code=code,
                state=state,
                signed_state=request.cookies.get(STATE_COOKIE),
            )
            token, max_age = session_token(session, request, principal)
    except Unauthorized as refused:
        return login_page(request, problem=refused.message, status_code=401)
    answer = RedirectResponse("/", status_code=303)
    set_session_cookie(request, answer, token, max_age)
    answer.delete_cookie(STATE_COOKIE, path=STATE_PATH)
    return answer
