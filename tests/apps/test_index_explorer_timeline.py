"""The profile's path timeline: the pure figure, and the Index Explorer showing it (no browser)."""

from __future__ import annotations

import pytest

from workbench.data import load_sample


@pytest.fixture(scope="module")
def cube():
    return load_sample("city_ai_index")


def test_tier_path_figure_is_pure_and_draws_the_timeline(cube):
    from workbench.index import run_index, tier_path
    from workbench.viz.paths import tier_path_figure

    tp = tier_path(
        run_index(cube, "workbench/index/specs/city_ai_index.yaml"),
        "500000",
        target_year=2030,
        n_sims=100,
    )
    fig = tier_path_figure(tp, theme="dark")
    assert fig.title.text == tp.message
    years = [int(y) for y in tp.timeline["year"]]
    assert list(fig.xaxis.ticker.ticks) == years
    data = fig.renderers[-1].data_source.data
    assert list(data["score_plan"]) == list(tp.timeline["score_plan"])
    assert [t.label.value for t in fig.legend.items][1] == "500000 on its own trend"
    with pytest.raises(ValueError, match="lacks the column"):
        tier_path_figure(type("P", (), {"timeline": tp.timeline[["year"]]})())


def test_explorer_profile_shows_the_path_timeline(cube):
    from bokeh.plotting import figure

    from workbench.apps.index_explorer import IndexExplorer
    from workbench.index import run_index

    first = IndexExplorer(cube=cube, provinces=load_sample("provinces"), n_draws=40)
    res = run_index(cube, first.spec())  # the explorer's spec on the whole panel
    tiers = res.tiers.sel(year=2025).to_pandas()
    city = res.score(year=2025)[tiers == "Dynamic"].idxmax()
    app = IndexExplorer(cube=cube, provinces=load_sample("provinces"), n_draws=40, city=city)
    app.wait()
    assert app.tier_path is not None
    assert app.tier_path.city == city
    assert app.tier_path.target_tier == "Leading"
    assert app.tier_path.target_year == int(cube["year"].to_numpy()[-1]) + 5
    assert isinstance(app._timeline_fig.object, figure)
    assert app._timeline_fig.visible
    leader = res.score(year=2025).idxmax()
    app.city = leader  # a new city gets its own path; a leader has nothing to draw
    app.wait()
    assert app.tier_path.city == leader
    assert app.tier_path.status == "already_there"
    assert not app._timeline_fig.visible
