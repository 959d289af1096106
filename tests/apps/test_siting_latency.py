"""The latency/routing pane of Siting Studio, without a browser: set params, assert."""

from __future__ import annotations

import pytest

from workbench.apps.siting_latency import LatencyRoutingPane
from workbench.siting.plan import plan_scenario
from workbench.viz import siting_service as vz


@pytest.fixture(scope="module")
def small_plan():
    from workbench.data import sample_dir

    return plan_scenario(sample_dir() / "shanghai_siting_small", time_limit=60)


def test_empty_pane_invites_a_solve():
    pane = LatencyRoutingPane()
    assert "Solve a plan" in pane._note.object
    assert len(pane._table.value) == 0


def test_pane_shows_breakdown_and_routing(small_plan):
    pane = LatencyRoutingPane()
    pane.result = small_plan
    table = pane._table.value
    classes = ["industrial_control", "video_analytics", "assistant", "batch"]
    assert list(table["request_class"]) == classes
    parts = table[["network_ms", "queueing_ms", "inference_ms"]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(table["total_ms"].to_numpy(), abs=0.02)
    served = table.set_index("request_class")
    assert served.loc["industrial_control", "total_p95_ms"] <= 10.0  # within its budget
    # bars: one stacked glyph per component / tier, one y category per class
    fig = pane._latency_fig.object
    assert list(fig.y_range.factors) == classes[::-1]
    assert len(fig.renderers) == 3 + 1  # network, queueing, inference + budget ticks
    routing = pane._routing_fig.object
    assert len(routing.renderers) == 4  # edge, dc, hub, unserved
    tiers = pane._tiers.value
    assert set(tiers["tier"]) <= {"edge", "dc", "hub"}
    assert (tiers["tokens_per_watt"] > 0).all()
    pane.theme = "dark"
    assert pane._latency_fig.object is not fig  # redrawn for the theme
    pane.result = None
    assert len(pane._table.value) == 0


def test_routing_rows_sum_to_one(small_plan):
    r = small_plan.routing
    total = r[["edge", "dc", "hub", "unserved"]].sum(axis=1)
    assert total.to_numpy() == pytest.approx(1.0, abs=1e-6)
    assert (r.set_index("request_class").loc["assistant", "edge"]) == 0.0  # no LLM at the edge
    assert vz.routing_figure(r).title.text.startswith("Where each request class")
