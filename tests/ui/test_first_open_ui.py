"""Each app at first open, light and dark: its default result, a legend on its map, no raw
parameter names on the page, no serious accessibility violation; and its screenshot for the
README (``make screenshots`` writes them into docs/screenshots/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from workbench.apps.server import APPS, build_routes

SCREENSHOTS = Path(
    os.environ.get("WORKBENCH_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
)

#: Every text node of the page, shadow roots included (styles and scripts left out).
PAGE_TEXT = """() => {
  const out = [];
  const walk = (root) => {
    const it = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let n;
    while ((n = it.nextNode())) {
      const tag = n.parentElement ? n.parentElement.tagName : '';
      if (tag !== 'STYLE' && tag !== 'SCRIPT') out.push(n.textContent);
    }
    root.querySelectorAll('*').forEach((e) => { if (e.shadowRoot) walk(e.shadowRoot); });
  };
  walk(document);
  return out.join(' ');
}"""

#: (route, file stem, what shows that the default result is on screen, map selector)
CASES = {
    "index": ("index_explorer", ".certainty", "rank band", ".index-map"),
    "siting": ("siting_studio", ".solver-status", "Solver status", ".siting-map"),
    "citymodel": ("coordination_lab", ".run-status", "done", ".lab-map"),
}


def _raw_names(slug: str) -> set[str]:
    """Parameter names of the app that a planner should never read on the page."""
    spec = next(a for a in APPS if a.slug == slug)
    cls = spec.load()
    return {n for n in cls.param if "_" in n}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("slug", ["index", "siting", "citymodel"])
def test_first_open(serve_page, wait_until, pane_text, axe_serious, slug, theme):
    from workbench.apps.first_open import warm_first_results

    stem, ready, words, map_sel = CASES[slug]
    warm_first_results().join()  # what `workbench serve` does at start (memoised on disk)
    session = serve_page(
        build_routes([a for a in APPS if a.slug == slug]), f"/{slug}?theme={theme}"
    )
    page = session.page
    page.locator(f"{map_sel} canvas").first.wait_for(timeout=60_000)
    wait_until(lambda: words in pane_text(page.locator(ready)), timeout=600)
    # a legend beside the map says what colour (and size) mean
    legend = page.locator(".map-legend")
    assert legend.count() >= 1
    assert "Legend" in legend.first.inner_text()
    shown = page.evaluate(PAGE_TEXT)
    raw = [n for n in _raw_names(slug) if re.search(rf"\b{re.escape(n)}\b", shown)]
    assert raw == [], f"raw parameter names on the page: {raw}"
    assert axe_serious(page) == []
    page.wait_for_timeout(2000)  # the map's last layers
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{stem}_{theme}.png"), full_page=False)
