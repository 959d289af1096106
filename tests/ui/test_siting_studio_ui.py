"""Siting Studio in Chromium: clean load, the map draws, a solve finishes and shows its status."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from urllib.parse import quote

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
SITING = [a for a in APPS if a.slug == "siting"]
#: A small study area (central districts) through the URL, so the solve takes about a second.
AREA = ["310101", "310104", "310105", "310106", "310107", "310109", "310110"]
QUERY = f"area={quote(json.dumps(AREA))}&n_hub=2&n_edge=8&n_dc=2&budget_mcny=3000&time_limit=30"


def _canvas_colours(page) -> int:
    png = page.locator(".siting-map canvas").first.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 120))
    return len(set(image.getdata()))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_siting_studio_solves_in_the_browser(serve_page, wait_until, theme):
    session = serve_page(build_routes(SITING), path=f"/siting?theme={theme}&{QUERY}")
    page = session.page
    page.locator(".siting-map canvas").first.wait_for(timeout=60_000)
    # districts, the demand heat grid and the candidate sites have drawn
    wait_until(lambda: _canvas_colours(page) > 20, timeout=30)
    # the URL state reached the app: the study area picker shows the districts
    assert page.locator("text=310109").count() >= 1

    page.get_by_role("button", name="Solve", exact=True).click()
    status = page.get_by_text("Solver status")
    wait_until(lambda: status.count() == 1, timeout=120)
    text = status.inner_text()
    assert "optimal" in text or "feasible" in text
    wait_until(lambda: page.get_by_text(" ms", exact=False).count() >= 2, timeout=30)

    # the solve is over (button enabled again) and the plan has reached the map
    wait_until(
        lambda: page.get_by_role("button", name="Solve", exact=True).is_enabled(), timeout=30
    )
    wait_until(lambda: page.get_by_text("Served (tokens/day)").count() >= 1, timeout=30)
    page.wait_for_timeout(2500)
    AFTER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(AFTER / f"siting_studio_{theme}_after.png"), full_page=False)
