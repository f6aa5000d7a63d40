"""The pages' common machinery in a real browser: the library loads with only local assets,
passes axe in light and dark mode, and a broken address answers the 404 page."""

from __future__ import annotations

from collections.abc import Callable

from browser_checks import check_a11y
from playwright.sync_api import Page, expect


def test_library_page_loads_offline_and_is_accessible(
    page: Page, live_url: str, screenshots: Callable[[Page, str], None]
) -> None:
    page.goto(f"{live_url}/")
    expect(page.get_by_role("heading", name="Runbook library")).to_be_visible()
    expect(page.get_by_role("link", name="API docs")).to_have_attribute("href", "/docs")
    expect(page.get_by_text("No runbooks yet")).to_be_visible()
    check_a11y(page)
    page.emulate_media(color_scheme="dark")
    check_a11y(page)
    page.goto(f"{live_url}/runbooks/rb_000000000000")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    check_a11y(page)
