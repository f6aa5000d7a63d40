"""A small OIDC provider for tests (the only fake the accounts tests use): discovery, an
authorize endpoint that signs in ``USER`` at once, the token endpoint (client_secret_basic or
client_secret_post) answering an RS256 ID token, and the JWKS. Served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from live_server import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

CLIENT_ID, CLIENT_SECRET = "faultmaven-test", "test-secret-not-real"
USER = {"sub": "u-123", "preferred_username": "ana@example.com", "email": "ana@example.com"}


@contextmanager
def oidc_provider() -> Iterator[str]:
    """Yields the issuer URL."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
    codes: dict[str, dict[str, str]] = {}

    def discovery(_request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    def authorize(request: Request) -> RedirectResponse:
        query = request.query_params
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        code = secrets.token_urlsafe(16)
        codes[code] = {"nonce": query["nonce"], "redirect_uri": query["redirect_uri"]}
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return RedirectResponse(target, status_code=302)

    async def token(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        basic = request.headers.get("authorization", "").removeprefix("Basic ")
        sent = (
            base64.b64decode(basic).decode()
            if basic
            else f"{form.get('client_id')}:{form.get('client_secret')}"
        )
        grant = codes.pop(str(form.get("code")), None)
        if sent != f"{CLIENT_ID}:{CLIENT_SECRET}" or grant is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        assert form.get("redirect_uri") == grant["redirect_uri"]
        now = int(time.time())
        claims = {
            **USER,
            "iss": issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "email_verified": True,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )

    def jwks(_request: Request) -> JSONResponse:
        return JSONResponse(KeySet([key]).as_dict(private=False))

    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/authorize", authorize),
            Route("/token", token, methods=["POST"]),
            Route("/jwks", jwks),
        ]
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield issuer
    finally:
        server.should_exit = True
        thread.join(timeout=30)
