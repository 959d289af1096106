"""The landing page of ``workbench serve``, in Chromium."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.apps.server import APPS, build_routes

# Screenshots go to test-results/; `make screenshots` points this at docs/screenshots/ on purpose.
SCREENSHOTS = Path(
    os.environ.get("WORKBENCH_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
)


def test_landing_page_lists_the_apps_without_console_errors(serve_page):
    session = serve_page(build_routes())
    page = session.page
    page.get_by_text("Sample data").first.wait_for(timeout=30_000)
    for app in APPS:
        link = page.locator(f"#link-{app.slug}")
        assert link.count() == 1
        assert link.get_attribute("href") == f"./{app.slug}"
    assert page.title() == "City AI Planning Workbench"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "landing.png"))


def test_theme_toggle_keeps_the_url_state(serve_page):
    session = serve_page(build_routes([]), path="/?language=zh")
    page = session.page
    page.locator(".wb-theme-toggle button").first.click()
    page.wait_for_url("**theme=dark**", timeout=30_000)
    assert "language=zh" in page.url
