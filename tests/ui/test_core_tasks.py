"""The three core tasks of issue 18, done in Chromium as a planner would, counting interactions.

1. Index Explorer: "Where does Chengdu stand, how sure is that, and what would take it to the
   next tier?" Choose the city; read its rank band, tier probability and path (<= 3).
2. Siting Studio: "What if the edge latency budget were 5 ms?" Set it, solve, compare with the
   default plan side by side (<= 4).
3. Coordination Lab: "How much does coordination buy in a heatwave?" Choose the heatwave,
   run `lp` (the Lab runs `none` on the same seed with it) and compare the KPIs (<= 4).

Each page is also checked with axe-core (shipped inside ``axe-playwright-python``, run
offline): no serious or critical violation, at first open and after the task.
"""

from __future__ import annotations

from typing import Any

import pytest

from workbench.apps.server import APPS, build_routes


class Planner:
    """What a person does on the page; every click, choice or typed value counts as one."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.interactions = 0

    def choose(self, select: Any, label: str) -> None:
        select.select_option(label=label)
        self.interactions += 1

    def click(self, target: Any) -> None:
        target.click()
        self.interactions += 1

    def type_value(self, field: Any, text: str) -> None:
        field.fill(text)
        field.press("Enter")  # typing a value and confirming it is one interaction
        self.interactions += 1


def _app(slug: str) -> list[Any]:
    return [a for a in APPS if a.slug == slug]


def test_task_1_where_does_chengdu_stand(serve_page, wait_until, pane_text, axe_serious):
    session = serve_page(build_routes(_app("index")), path="/index")
    page = session.page
    page.locator(".ranking-table .tabulator-row").first.wait_for(timeout=60_000)
    # a result on first open: the ranking, and the selected city's certainty and path
    wait_until(lambda: "rank band" in pane_text(page.locator(".certainty")), timeout=120)
    assert axe_serious(page) == []

    planner = Planner(page)
    planner.choose(page.locator(".city-select select"), "Chengdu (510100)")

    certainty = page.locator(".certainty")
    wait_until(lambda: "Chengdu" in pane_text(certainty), timeout=120)
    shown = pane_text(certainty)
    assert "rank band (90 %)" in shown
    assert "tier probability" in shown
    assert "Leading" in shown
    path = page.locator(".path")
    wait_until(lambda: "Chengdu" in pane_text(path), timeout=120)
    assert "tier" in pane_text(path)
    assert planner.interactions <= 3
    assert axe_serious(page) == []


@pytest.mark.slow
def test_task_2_edge_latency_budget_of_5_ms(
    serve_page, wait_until, pane_text, axe_serious, tmp_path, monkeypatch
):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))  # nothing solved before
    from workbench.apps.first_open import warm_first_results

    warm_first_results()  # what `workbench serve` does at start
    session = serve_page(build_routes(_app("siting")), path="/siting")
    page = session.page
    page.locator(".siting-map canvas").first.wait_for(timeout=60_000)
    # the default plan arrives on its own: its KPI cards fill in (a full-city solve)
    status = page.locator(".solver-status")
    wait_until(lambda: "Solver status" in pane_text(status), timeout=600)
    cards = page.locator(".kpi-cards .kpi-card")

    def _one_row() -> bool:  # the cards are redrawn with each result: measure settled ones
        boxes = [cards.nth(i).bounding_box() for i in range(cards.count())]
        return len(boxes) == 7 and None not in boxes and len({round(b["y"]) for b in boxes}) == 1

    wait_until(_one_row, timeout=30)  # one row of cards above the map
    assert axe_serious(page) == []

    planner = Planner(page)
    field = page.locator(".setting-edge-latency-ms input").first
    planner.type_value(field, "5")
    planner.click(page.get_by_role("button", name="Solve", exact=True))
    wait_until(lambda: page.get_by_role("button", name="Solve", exact=True).is_enabled(), 600)
    compare = page.get_by_role("button", name="Compare with default", exact=True)
    wait_until(lambda: compare.is_enabled(), timeout=60)
    planner.click(compare)

    table = page.locator(".compare-table")
    wait_until(lambda: "Default plan" in pane_text(table), timeout=60)
    shown = pane_text(table)
    assert "Edge latency budget (ms) = 5" in shown  # the new plan, named by what changed
    assert "Coverage within budget" in shown
    assert "Capex (CNY)" in shown
    assert planner.interactions <= 4
    assert axe_serious(page) == []


@pytest.mark.slow
def test_task_3_coordination_in_a_heatwave(serve_page, wait_until, pane_text, axe_serious):
    session = serve_page(build_routes(_app("citymodel")), path="/citymodel")
    page = session.page
    page.locator(".lab-map canvas").first.wait_for(timeout=60_000)
    # the baseline run is on screen at first open
    wait_until(lambda: "done" in pane_text(page.locator(".run-status")), timeout=120)
    assert axe_serious(page) == []

    planner = Planner(page)
    planner.choose(page.locator(".lab-scenario select"), "Heatwave")
    planner.choose(page.locator(".lab-mechanism select"), "lp: central optimisation")
    planner.click(page.get_by_role("button", name="Run", exact=True))
    status = page.locator(".run-status")
    wait_until(lambda: "heatwave · lp · seed 0: done" in pane_text(status), timeout=600)

    table = page.locator(".kpi-table")
    row = table.locator(".tabulator-row").filter(has_text="Energy cost")
    wait_until(lambda: row.count() == 1, timeout=60)
    headers = table.locator(".tabulator-col-title").all_inner_texts()
    assert "Without coordination" in headers  # `none` on the same seed, beside `lp`
    assert "Ratio to no coordination" in headers
    assert planner.interactions <= 4
    assert axe_serious(page) == []
