"""/docs (Swagger UI) and /redoc, served from files installed with the package: no CDN, so the
docs work offline and the pages load scripts from this origin only.

The Swagger UI and ReDoc bundles come from ``fastapi-offline`` (its ``static`` folder); the few
lines that start Swagger UI are ``static/swagger-init.js`` here rather than an inline script, so
the pages' Content-Security-Policy needs no ``'unsafe-inline'`` for scripts.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

VENDOR_URL = "/docs/vendor"  # fastapi-offline's swagger-ui-bundle.js, swagger-ui.css, redoc...
OWN_URL = "/docs/static"
_VENDOR_DIR = Path(str(files("fastapi_offline").joinpath("static")))
_OWN_DIR = Path(__file__).parent / "static"

_SHARED = "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
# Checked in headless Chromium: Swagger UI renders with no violation under SWAGGER_CSP; ReDoc
# inserts <style> elements (it renders nothing without inline styles) and builds its search
# worker from a blob. The one thing blocked is ReDoc's "powered by" logo from its CDN: wanted.
SWAGGER_CSP = f"default-src 'self'; img-src 'self' data:; {_SHARED}"
REDOC_CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    f"worker-src 'self' blob:; {_SHARED}"
)


def _page(title: str, head: str, body: str, csp: str) -> HTMLResponse:
    html = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc (create the app with ``docs_url=None, redoc_url=None``)."""
    app.mount(VENDOR_URL, StaticFiles(directory=_VENDOR_DIR), name="docs-vendor")
    app.mount(OWN_URL, StaticFiles(directory=_OWN_DIR), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = escape(request.scope.get("root_path", ""))
        openapi = escape(f"{request.scope.get('root_path', '')}{app.openapi_url}")
        head = (
            f'<link rel="icon" type="image/png" href="{root}{VENDOR_URL}/favicon.png">\n'
            f'<link rel="stylesheet" href="{root}{VENDOR_URL}/swagger-ui.css">\n'
        )
        body = (
            f'<div id="swagger-ui" data-openapi-url="{openapi}"></div>\n'
            f'<script src="{root}{VENDOR_URL}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{root}{OWN_URL}/swagger-init.js"></script>\n'
        )
        return _page(f"{app.title} - API docs", head, body, SWAGGER_CSP)

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = escape(request.scope.get("root_path", ""))
        openapi = escape(f"{request.scope.get('root_path', '')}{app.openapi_url}")
        head = f'<link rel="icon" type="image/png" href="{root}{VENDOR_URL}/favicon.png">\n'
        body = (
            f'<redoc spec-url="{openapi}"></redoc>\n'
            f'<script src="{root}{VENDOR_URL}/redoc.standalone.js"></script>\n'
        )
        return _page(f"{app.title} - API reference", head, body, REDOC_CSP)
