"""Fixtures of the web tests: a live server per database (SQLite and PostgreSQL, through the
``settings`` fixture of tests/conftest.py), headless Chromium from Debian driven by Playwright,
and guards that every browser test gets for free.

- ``server(**overrides)``: a live server (uvicorn in a thread, tests/support/live_server.py) on
  this test's database; overrides change settings (e.g. ``auth="required"``). ``live_url``:
  one in local mode. ``api``: an httpx client on ``live_url`` to make records through the REST
  API (local mode, the actor header names who acts).
- ``browser``: one Chromium per test session (``/usr/bin/chromium``, as CI installs it).
- ``new_context(**options)``: a browser context whose pages fail the test on any ``dialog``
  (an ``alert`` from an injected script), any request to a host other than 127.0.0.1/localhost
  (it is aborted and recorded), any uncaught page error and any console error (a CSP violation
  is one). ``page``: a page in such a context. Two contexts = two independent users.
- ``check_a11y(page)`` (tests/web/browser_checks.py): axe-core on the page, no serious or
  critical violation.
- ``screenshots(page, name)``: ``build/screenshots/<name>-<db>-light.png`` and ``-dark.png``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from faultmaven.config import Settings

SUPPORT = Path(__file__).resolve().parent.parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from live_server import serving  # noqa: E402  (tests/support, put on sys.path above)

CHROMIUM = "/usr/bin/chromium"
LOOPBACK = frozenset({"127.0.0.1", "localhost"})
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture
def server(settings: Settings) -> Iterator[Callable[..., str]]:
    """Start a live server on this test's database; answers its base URL."""
    with ExitStack() as stack:

        def start(**overrides: Any) -> str:
            return stack.enter_context(serving(settings.model_copy(update=overrides)))

        yield start


@pytest.fixture
def live_url(server: Callable[..., str]) -> str:
    return server()


@pytest.fixture
def api(live_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_url}/api/v1", timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM)
    yield browser
    browser.close()


class Guard:
    """What the pages of one test did that they must not: dialogs, foreign requests, errors."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def watch(self, page: Page) -> None:
        def on_dialog(dialog: Any) -> None:
            self.problems.append(f"dialog ({dialog.type}): {dialog.message!r} on {page.url}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

        def on_console(message: Any) -> None:
            # a page answered with an error status (the 404 page) is no problem; any other
            # console error is (a CSP violation, a missing asset, a script error)
            document_status = message.text.startswith("Failed to load resource") and (
                message.location.get("url") == page.url
            )
            if message.type == "error" and not document_status:
                self.problems.append(f"console error: {message.text} on {page.url}")

        page.on("console", on_console)

    def route(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK:
            route.continue_()
        else:
            self.problems.append(f"request to another host: {url}")
            route.abort()


@pytest.fixture
def new_context(
    browser: Browser,
    server: Callable[..., str],  # closed before the servers stop: no request cut off
) -> Iterator[Callable[..., BrowserContext]]:
    guard = Guard()
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        context.route("**/*", guard.route)
        context.on("page", guard.watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not guard.problems, "\n".join(guard.problems)


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """Save the page in light and dark mode (build/screenshots/, named by the database)."""
    database = request.getfixturevalue("database_url").split(":", 1)[0].split("+")[0]

    def take(page: Page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.screenshot(
                path=str(SCREENSHOTS / f"{name}-{database}-{scheme}.png"), full_page=True
            )
        page.emulate_media(color_scheme=None)

    return take
