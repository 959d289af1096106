"""Coordination Lab in Chromium: clean load, map draws, a run completes, the KPI table shows."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from workbench.apps.server import APPS, build_routes

# Screenshots go to test-results/; `make screenshots` points this at docs/screenshots/ on purpose.
SCREENSHOTS = Path(
    os.environ.get("WORKBENCH_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
)
#: After the interaction (for a person to look at); the README shows each app at first open
#: (tests/ui/test_first_open_ui.py).
AFTER = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
LAB = [a for a in APPS if a.slug == "citymodel"]
QUERY = "scenario=heatwave&mechanism=priority&hours=16&hour=14&seed=2"


def _canvas_colours(page) -> int:
    png = page.locator(".lab-map canvas").first.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 120))
    return len(set(image.getdata()))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_coordination_lab_runs_in_the_browser(serve_page, wait_until, theme):
    session = serve_page(build_routes(LAB), path=f"/citymodel?theme={theme}&{QUERY}")
    page = session.page
    page.locator(".lab-map canvas").first.wait_for(timeout=60_000)
    # the lab opens with a finished baseline run: the district map is already coloured
    wait_until(lambda: _canvas_colours(page) > 3, timeout=30)

    page.get_by_role("button", name="Run", exact=True).click()
    status = page.get_by_text("heatwave · priority · seed 2: done")
    wait_until(lambda: status.count() == 1, timeout=360)  # a run on a busy 2-core machine
    rows = page.locator(".kpi-table .tabulator-row")
    wait_until(lambda: rows.count() >= 10, timeout=30)
    # the first KPI row names its KPI (cells drawn, not only empty rows)
    kpi = page.locator(".kpi-table .tabulator-row").filter(has_text="Energy cost")
    wait_until(lambda: kpi.count() == 1, timeout=30)
    # after the run the districts are still coloured by the metric
    wait_until(lambda: _canvas_colours(page) > 3, timeout=30)

    page.wait_for_timeout(1500)
    AFTER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(AFTER / f"coordination_lab_{theme}_after.png"), full_page=False)
