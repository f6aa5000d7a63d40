"""CSRF protection of every form post, stateless (any replica can check it, no server secret).

A browser gets a random key in the ``fm_csrf`` cookie (HttpOnly, SameSite=Lax, Secure over
https) the first time a page is rendered for it. Every form carries ``csrf_token`` =
HMAC-SHA256(key, session token), the session token being the ``fm_session`` cookie in team
mode and ``-`` in local mode. A post is accepted only when the field matches the cookies it
came with: another site can make the browser send the cookies but can read neither, so it
cannot compute the field; binding the field to the session also means that a key planted by a
neighbouring host is useless without the HttpOnly session token. A post whose ``Origin``
header names another host is refused as well. A failed check answers the 403 page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from faultmaven.errors import Forbidden
from faultmaven.web.auth import SESSION_COOKIE

CSRF_COOKIE = "fm_csrf"
CSRF_FIELD = "csrf_token"
_NEW_KEY = "csrf_new_key"


class CsrfRejected(Forbidden):
    code = "CSRF_REJECTED"


def _key(request: Request) -> str:
    key = request.cookies.get(CSRF_COOKIE) or getattr(request.state, _NEW_KEY, None)
    if key is None:
        key = secrets.token_urlsafe(32)
        setattr(request.state, _NEW_KEY, key)
    return key


def _sign(key: str, request: Request) -> str:
    session_token = request.cookies.get(SESSION_COOKIE) or "-"
    return hmac.new(key.encode(), session_token.encode(), hashlib.sha256).hexdigest()


def token_for(request: Request) -> str:
    """The value of the hidden ``csrf_token`` field of the forms on this page."""
    return _sign(_key(request), request)


def remember_key(request: Request, response: Response) -> None:
    """Set the ``fm_csrf`` cookie if this request made a new key (called on every page)."""
    key = getattr(request.state, _NEW_KEY, None)
    if key is not None:
        response.set_cookie(
            CSRF_COOKIE,
            key,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


def _same_origin(request: Request) -> bool:
    """No ``Origin`` header (an older browser), or one naming this host and port. The scheme is
    not compared: behind a proxy that ends TLS the app sees http while the page was https."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc == request.url.netloc


async def check(request: Request) -> None:
    """Dependency of every page: a POST must carry a valid ``csrf_token`` (403 page if not)."""
    if request.method != "POST":
        return
    if not _same_origin(request):
        raise CsrfRejected(
            "This form was sent from another site; nothing was saved. Open the page here and "
            "send it again."
        )
    key = request.cookies.get(CSRF_COOKIE)
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if (
        key is None
        or not isinstance(sent, str)
        or not hmac.compare_digest(sent, _sign(key, request))
    ):
        raise CsrfRejected(
            "This form's security token is missing or out of date (the page was open across a "
            "sign-in, or cookies are blocked); nothing was saved. Reload the page and send the "
            "form again."
        )
