"""The landing page and the routes of ``workbench serve``, in Chromium."""

from __future__ import annotations

from workbench.apps.server import build_routes


def test_landing_page_lists_the_apps_without_console_errors(serve_page):
    session = serve_page(build_routes())
    page = session.page
    page.wait_for_selector("text=Sample data", timeout=15_000)
    assert page.locator("#link-index").count() >= 0
    assert "City AI Planning Workbench" in page.title() or "Workbench" in page.content()
