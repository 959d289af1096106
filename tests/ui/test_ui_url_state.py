"""The address bar follows in-page changes, and opening that address restores the view.

Panel's ``Location`` (``reload=False``) writes the new query string with ``history.pushState``
once the page's Bokeh document is idle (``panel/models/location.ts``), so each test waits for
the URL with ``page.wait_for_url`` rather than reading it right after the change.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from workbench.apps.server import APPS, build_routes

APP = {a.slug: a for a in APPS}


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def _ranking(page, n=5):
    rows = page.locator(".ranking-table .tabulator-row")
    return [rows.nth(i).inner_text() for i in range(min(n, rows.count()))]


def test_index_url_follows_the_weights_and_restores_the_view(serve_page, wait_until):
    session = serve_page(build_routes([APP["index"]]), path="/index")
    page = session.page
    page.locator(".ranking-table .tabulator-row").first.wait_for(timeout=60_000)
    before = _ranking(page)
    page.locator(".weight-pub .noUi-handle").first.press("End")  # Public Service weight 5
    page.wait_for_url("**w_pub=5**", timeout=30_000)
    wait_until(lambda: _ranking(page) != before, timeout=30)
    page.locator(".weight-ind .noUi-handle").first.press("Home")  # Industrial weight 0
    page.wait_for_url("**w_ind=0**", timeout=30_000)
    assert _query(page.url)["w_pub"] == ["5"]
    wait_until(lambda: page.locator(".weight-ind .bk-slider-value").first.inner_text() == "0")
    page.wait_for_timeout(500)
    changed = _ranking(page)
    shared = page.url

    # the shared link opens the same view: weights and ranking
    other = page.context.new_page()
    other.goto(shared, wait_until="domcontentloaded")
    other.locator(".ranking-table .tabulator-row").first.wait_for(timeout=60_000)
    assert other.locator(".weight-pub .bk-slider-value").first.inner_text() == "5"
    assert other.locator(".weight-ind .bk-slider-value").first.inner_text() == "0"
    wait_until(lambda: _ranking(other) == changed, timeout=30)
    other.close()


def test_siting_url_follows_the_language_and_restores_it(serve_page):
    session = serve_page(build_routes([APP["siting"]]), path="/siting?n_edge=8")
    page = session.page
    page.get_by_role("button", name="Solve", exact=True).wait_for(timeout=60_000)
    page.get_by_role("button", name="中文", exact=True).first.click()
    page.wait_for_url("**language=zh**", timeout=30_000)
    assert _query(page.url)["n_edge"] == ["8"]  # the opening state stays in the link
    page.get_by_role("button", name="求解", exact=True).wait_for(timeout=30_000)

    other = page.context.new_page()
    other.goto(page.url, wait_until="domcontentloaded")
    other.get_by_role("button", name="求解", exact=True).wait_for(timeout=60_000)
    other.close()


def test_coordination_lab_url_follows_the_scenario_and_restores_it(serve_page):
    session = serve_page(build_routes([APP["citymodel"]]), path="/citymodel?seed=3")
    page = session.page
    page.get_by_role("button", name="Run", exact=True).wait_for(timeout=60_000)
    scenario = page.locator("select").first
    assert scenario.input_value() != "Heatwave"  # the option shows the scenario in words
    scenario.select_option(label="Heatwave")
    page.wait_for_url("**scenario=heatwave**", timeout=30_000)
    assert _query(page.url)["seed"] == ["3"]

    other = page.context.new_page()
    other.goto(page.url, wait_until="domcontentloaded")
    other.get_by_role("button", name="Run", exact=True).wait_for(timeout=60_000)
    assert other.locator("select").first.input_value() == "Heatwave"
    inputs = other.locator("input.bk-input")
    assert "3" in [inputs.nth(i).input_value() for i in range(inputs.count())]  # the seed
    other.close()
