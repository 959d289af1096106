"""Index Explorer in Chromium: clean load, the map draws, a weight slider reorders the ranking."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from workbench.apps.index_explorer import IndexExplorer
from workbench.apps.server import APPS, build_routes

# Screenshots go to test-results/; `make screenshots` points this at docs/screenshots/ on purpose.
SCREENSHOTS = Path(
    os.environ.get("WORKBENCH_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
)
#: After the interaction (for a person to look at); the README shows each app at first open
#: (tests/ui/test_first_open_ui.py).
AFTER = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
INDEX = [a for a in APPS if a.slug == "index"]


def _ranking(page, n=8):
    rows = page.locator(".ranking-table .tabulator-row")
    return [rows.nth(i).inner_text() for i in range(min(n, rows.count()))]


def _rank_and_city(page, n=8):
    return [row.split("\n")[:2] for row in _ranking(page, n)]


def _canvas_colours(page) -> int:
    canvas = page.locator(".index-map canvas").first
    png = canvas.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 120))
    return len(set(image.getdata()))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_index_explorer_loads_draws_the_map_and_reranks(serve_page, wait_until, theme):
    session = serve_page(build_routes(INDEX), path=f"/index?theme={theme}")
    page = session.page
    page.locator(".ranking-table .tabulator-row").first.wait_for(timeout=60_000)
    # the deck.gl canvas has drawn provinces and cities: many distinct colours, not a blank
    wait_until(lambda: _canvas_colours(page) > 20, timeout=30)
    # the provinces are one image in the page's theme, fetched from the server's cached route
    fetched = page.evaluate(
        "name => performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes(name)).map(e => e.responseStatus)",
        f"workbench-static/provinces-{theme}.png?v=",
    )
    assert fetched == [200]
    before = _ranking(page)
    assert any("Beijing" in row for row in before)

    handle = page.locator(".weight-pub .noUi-handle").first
    handle.focus()
    handle.press("End")  # Public Service weight to its maximum (5)
    page.locator(".weight-ind .noUi-handle").first.press("Home")  # Industrial weight to 0
    wait_until(lambda: _ranking(page) != before, timeout=30)
    assert _ranking(page) != before
    # the page the browser holds is the ranking under the new weights, row for row (a weight
    # move resends only that page): the same as a fresh Explorer computes with those weights
    expected = IndexExplorer(weight_ind=0.0, weight_pub=5.0, n_draws=20)
    want = [[str(r.rank), r.name_en] for r in expected.table.head(8).itertuples()]
    expected.close()
    wait_until(lambda: _rank_and_city(page) == want, timeout=30)

    # leave a picture of the app for the docs (and for a person to look at)
    page.wait_for_timeout(1500)
    AFTER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(AFTER / f"index_explorer_{theme}_after.png"), full_page=False)


def test_url_state_and_linked_selection(serve_page):
    session = serve_page(build_routes(INDEX), path="/index?city=440300&w_pub=3&language=zh")
    page = session.page
    page.locator(".ranking-table .tabulator-row").first.wait_for(timeout=60_000)
    # a shared link (the URL) sets the city, a weight and the language
    page.locator(".profile").get_by_text("深圳市").first.wait_for(timeout=30_000)
    assert page.locator(".weight-pub .bk-slider-value").first.inner_text() == "3"
    # selecting a row of the ranking selects that city: the profile follows
    row = page.locator(".ranking-table .tabulator-row").nth(0)
    name = row.locator(".tabulator-cell").nth(1).inner_text()
    assert name != "深圳市"
    row.locator(".tabulator-cell").nth(1).click()
    page.locator(".profile").get_by_text(name).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SCREENSHOTS / "index_explorer_zh.png"))


def test_the_ranking_opens_on_the_page_of_the_linked_city(serve_page, wait_until):
    # Wuhan is 12th with the default weights: a link to it opens the ranking's second page
    session = serve_page(build_routes(INDEX), path="/index?city=420100")
    page = session.page
    rows = page.locator(".ranking-table .tabulator-row")
    rows.first.wait_for(timeout=60_000)
    page.locator(".ranking-table .tabulator-row").filter(has_text="Wuhan").first.wait_for(
        timeout=30_000
    )
    second_page = [str(r) for r in range(11, 21)]
    wait_until(lambda: [t.split()[0] for t in rows.all_inner_texts()] == second_page, timeout=30)
    # a row of that page selects its city, as on the first page
    row = rows.filter(has_text="Harbin").first
    row.locator(".tabulator-cell").nth(1).click()
    page.locator(".profile").get_by_text("Harbin").first.wait_for(timeout=30_000)
