"""Checks the browser tests share (import them: ``from browser_checks import check_a11y``)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

SERIOUS = frozenset({"serious", "critical"})


def check_a11y(page: Page) -> None:
    """axe-core on ``page`` as it is now: no serious or critical violation."""
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node.get("target")) for node in v.get("nodes", [])[:5])
        for v in bad
    ]
    assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(report)
