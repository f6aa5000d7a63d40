"""OIDC sign-in (authorization code flow): the provider's sign-in page, then a session token
for the user the ID token names. Needs the extra ``faultmaven[oidc]`` (authlib, joserfc).

Stateless across replicas: the ``state`` and ``nonce`` of a sign-in travel in a short-lived
value signed with the client secret (the callback checks it), not in a process. A user is found
by the provider's subject (``users.oidc_subject``); a first sign-in creates the user, named
after ``preferred_username`` (else the subject), in no team: an admin grants roles
(``faultmaven teams grant``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from faultmaven.accounts.models import UserRow
from faultmaven.accounts.schemas import Principal
from faultmaven.accounts.service import principal_of_user
from faultmaven.config import Settings
from faultmaven.errors import InvalidInput, Unauthorized
from faultmaven.kit.clock import utcnow
from faultmaven.kit.ids import new_id

SIGN_IN_SECONDS = 600  # how long a sign-in may take at the provider


@dataclass(frozen=True)
class OIDCConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_url: str
    timeout: float = 10.0


def _discover(config: OIDCConfig) -> dict[str, Any]:
    url = config.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        answer = httpx.get(url, timeout=config.timeout)
        answer.raise_for_status()
        return dict(answer.json())
    except (httpx.HTTPError, ValueError) as error:
        raise Unauthorized(
            f"The OIDC provider cannot be reached ({type(error).__name__}); try again later.",
            code="OIDC_UNAVAILABLE",
        ) from None


def _sign(config: OIDCConfig, payload: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    mac = hmac.new(config.client_secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def _unsign(config: OIDCConfig, value: str) -> dict[str, Any]:
    body, _, mac = value.rpartition(".")
    expected = hmac.new(config.client_secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac, expected):
        raise Unauthorized("The sign-in could not be verified; start again.", code="OIDC_STATE")
    payload = dict(json.loads(base64.urlsafe_b64decode(body)))
    if payload.get("exp", 0) < time.time():
        raise Unauthorized("The sign-in took too long; start again.", code="OIDC_STATE")
    return payload


def start(config: OIDCConfig) -> tuple[str, str]:
    """(the provider's sign-in URL, the signed state to keep until the callback)."""
    from authlib.integrations.httpx_client import OAuth2Client

    metadata = _discover(config)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    with OAuth2Client(
        config.client_id, config.client_secret, scope="openid profile email"
    ) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=state,
            nonce=nonce,
            redirect_uri=config.redirect_url,
        )
    signed = _sign(config, {"state": state, "nonce": nonce, "exp": time.time() + SIGN_IN_SECONDS})
    return url, signed


def state_cookie_options(config: OIDCConfig) -> dict[str, Any]:
    """How the signed state is kept in the browser until the callback: a cookie that scripts
    cannot read, sent back on the provider's redirect (``lax``), over TLS when the callback
    is ``https``, gone when the sign-in may no longer finish."""
    return {
        "max_age": SIGN_IN_SECONDS,
        "httponly": True,
        "samesite": "lax",
        "secure": config.redirect_url.startswith("https://"),
    }


def finish(
    session: Session, config: OIDCConfig, *, code: str, state: str, signed_state: str | None
) -> Principal:
    """The user that the provider's answer (``code``, ``state``) signs in."""
    from authlib.integrations.httpx_client import OAuth2Client
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    if signed_state is None:
        raise Unauthorized("No sign-in was started here; start again.", code="OIDC_STATE")
    expected = _unsign(config, signed_state)
    if not hmac.compare_digest(expected["state"], state):
        raise Unauthorized("The sign-in state does not match; start again.", code="OIDC_STATE")
    metadata = _discover(config)
    try:
        with OAuth2Client(config.client_id, config.client_secret, timeout=config.timeout) as client:
            token = client.fetch_token(
                metadata["token_endpoint"],
                code=code,
                redirect_uri=config.redirect_url,
                grant_type="authorization_code",
            )
        keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"], timeout=config.timeout).json())
        decoded = jwt.decode(token["id_token"], keys)
        claims = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": metadata.get("issuer", config.issuer)},
            aud={"essential": True, "value": config.client_id},
            nonce={"essential": True, "value": expected["nonce"]},
            sub={"essential": True},
            exp={"essential": True},
        )
        claims.validate(decoded.claims)
    except (JoseError, KeyError, ValueError, TypeError) as error:
        raise Unauthorized(
            f"The OIDC provider's answer was not accepted ({type(error).__name__}).",
            code="OIDC_REJECTED",
        ) from None
    except Exception as error:  # noqa: BLE001 - the HTTP client's (httpx or httpx2) and authlib's
        raise Unauthorized(
            f"The OIDC provider refused the sign-in or cannot be reached ({type(error).__name__}).",
            code="OIDC_REJECTED",
        ) from None
    return _user_for(session, decoded.claims)


_NOT_NAME = re.compile(r"[^\w .\-/:+]")


def _user_for(session: Session, claims: dict[str, Any]) -> Principal:
    subject = f"{claims['iss']}|{claims['sub']}"
    user = session.scalar(select(UserRow).where(UserRow.oidc_subject == subject))
    if user is None:
        wanted = str(claims.get("preferred_username") or claims["sub"])
        name = _NOT_NAME.sub("-", wanted.split("@")[0])[:80] or "user"
        if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
            name = f"{name}-{secrets.token_hex(3)}"
        email = claims.get("email") if claims.get("email_verified") else None
        user = UserRow(
            id=new_id("usr"),
            name=name,
            email=email,
            password_hash=None,
            oidc_subject=subject,
            active=True,
            created_at=utcnow(),
        )
        session.add(user)
        session.flush()
    if not user.active:
        raise Unauthorized("This user is deactivated.", code="USER_INACTIVE")
    return principal_of_user(session, user)


def config_from(settings: Settings, *, callback_path: str | None = None) -> OIDCConfig:
    """The provider the settings name (InvalidInput when they name none). ``callback_path``:
    where the provider returns to on the same host as the configured redirect URL (the web
    login's own callback), instead of that URL itself (the API's)."""
    issuer, client_id = settings.oidc_issuer, settings.oidc_client_id
    secret, redirect_url = settings.oidc_client_secret, settings.oidc_redirect_url
    if not (issuer and client_id and secret and redirect_url):
        return check_configured(None)
    if callback_path is not None:
        configured = urlsplit(redirect_url)
        redirect_url = urlunsplit((configured.scheme, configured.netloc, callback_path, "", ""))
    return OIDCConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret.get_secret_value(),
        redirect_url=redirect_url,
    )


def check_configured(config: OIDCConfig | None) -> OIDCConfig:
    if config is None:
        raise InvalidInput(
            "OIDC sign-in is not configured: set FAULTMAVEN_OIDC_ISSUER, _CLIENT_ID, "
            "_CLIENT_SECRET and _REDIRECT_URL.",
            code="OIDC_NOT_CONFIGURED",
        )
    return config
