"""Instant what-if pane in Chromium: moving a knob slider redraws the emulator's answer."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.apps.whatif import DEFAULT_MODEL, WhatIfPane

# Screenshots go to test-results/; `make screenshots` points this at docs/screenshots/ on purpose.
SCREENSHOTS = Path(
    os.environ.get("WORKBENCH_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
)


def _carbon_row(page) -> str:
    return (
        page.locator(".whatif-table .tabulator-row").filter(has_text="carbon_t").first.inner_text()
    )


def test_whatif_slider_answers_at_once(serve_page, wait_until):
    assert (DEFAULT_MODEL / "model.json").exists(), "the shipped emulator is missing"
    session = serve_page(lambda: WhatIfPane(), path="/")
    page = session.page
    rows = page.locator(".whatif-table .tabulator-row")
    wait_until(lambda: rows.count() >= 5, timeout=60)
    before = _carbon_row(page)
    handle = page.locator(".knob-carbon_price .noUi-handle").first
    handle.focus()
    handle.press("End")  # carbon price to its maximum, as a keyboard user would
    wait_until(lambda: _carbon_row(page) != before, timeout=20)
    # the chart is there with its interval bars
    page.locator(".whatif-pane canvas").first.wait_for(timeout=20_000)
    # and the hourly curves with their bands (the shipped emulator has a trajectory emulator)
    page.locator(".whatif-trajectory canvas").first.wait_for(timeout=20_000)
    page.wait_for_timeout(800)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "whatif_pane.png"), full_page=True)
