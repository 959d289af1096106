"""Index Explorer without a browser: set a parameter, assert what the views show."""

from __future__ import annotations

import io

import pandas as pd
import panel as pn
import pytest

from workbench.apps.index_explorer import IndexExplorer
from workbench.data import load_sample
from workbench.viz import maps


@pytest.fixture(scope="module")
def cube():
    return load_sample("city_ai_index")


@pytest.fixture(scope="module")
def provinces():
    return load_sample("provinces")


@pytest.fixture
def app(cube, provinces):
    explorer = IndexExplorer(cube=cube, provinces=provinces, n_draws=40)
    explorer.wait()
    return explorer


def _top(app, n=10):
    return list(app._table.value["code"].head(n))


def test_views_follow_the_engine_result(app):
    from workbench.index import run_index

    expected = run_index(app.cube, app.spec(), year=app.year).table()
    assert list(app.table["code"]) == list(expected["code"].astype(str))
    assert len(app._table.value) == app.cube.sizes["city"]
    spec = app._map.object
    assert spec["mapStyle"] is None  # no tiles: the pane needs the key present
    assert [layer["id"] for layer in spec["layers"]] == ["basemap", "cities"]
    assert len(spec["layers"][1]["data"]) == len(app.table)


def test_moving_a_weight_recomputes_the_ranking(app):
    before = _top(app, 20)
    scores_before = app.table.set_index("code")["CAI_score"]
    app.weight_pub = 5.0
    app.weight_ind = 0.0
    after = _top(app, 20)
    assert before != after
    assert not app.table.set_index("code")["CAI_score"].equals(scores_before)
    assert app.spec()["steps"][1]["weight"]["weights"]["PUB"] == 5.0


def test_weights_are_bounded(app):
    with pytest.raises(ValueError, match="at most 5.0"):
        app.weight_tec = 7.0


def test_bad_choice_shows_a_notification_not_a_traceback(app):
    app.normalisation = "zscore"
    app.aggregation = "geometric"  # the engine refuses non-positive scores
    assert app.status.alert.visible
    assert "positive" in app.status.message
    assert len(app._table.value) > 0  # the previous ranking stays on screen
    app.aggregation = "arithmetic"
    assert not app.status.alert.visible


def test_selecting_a_city_by_map_click_updates_linked_views(app):
    index = app._cities["code"].tolist().index("440300")  # noqa: SLF001
    app._map.click_state = {"layer": "cities", "index": index, "coordinate": [114, 22.5]}
    assert app.city == "440300"
    app.wait()
    assert "Shenzhen" in app._profile_md.object
    assert app._city_w.value == "440300"
    assert app.whatif["city"] == "440300"
    cities = app._map.object["layers"][1]["data"]
    fill = cities.loc[cities["code"] == "440300", list(maps.FILL_COLUMNS)].iloc[0]
    assert fill.tolist() == [20, 20, 20, 255]


def test_uncertainty_and_path_run_off_the_ui_thread(app):
    summary = app.uncertainty_summary
    assert {"rank_p05", "rank_p95"} <= set(summary.columns)
    app._tabs.active = 1  # the uncertainty tab is drawn when it is opened
    app.wait()
    assert app._band_fig.object is not None
    dynamic = app.table.loc[app.table["tier"] == "Dynamic", "code"].iloc[0]
    app.city = dynamic
    app.wait()
    assert app.path.city == dynamic
    assert "Leading" in app._path_md.object


def test_language_switch_shows_chinese_names(app):
    app.language = "zh"
    app.wait()
    assert "上海市" in app._table.value["city"].tolist()
    assert "城市人工智能指数" in app._title.object


def test_what_if_uses_the_engine(app):
    app.whatif_indicator = "IND_REV"
    app.whatif_change = 1.0
    assert app.whatif["score_after"] >= app.whatif["score_before"]
    assert "→" in app._whatif_md.object


def test_downloads_serialise_the_data_behind_the_views(app):
    csv = pd.read_csv(io.BytesIO(app._downloads[0].callback().read()), encoding="utf-8-sig")
    assert list(csv["code"].astype(str).str.zfill(6).head(3)) == list(app.table["code"].head(3))
    import xarray as xr

    ds = xr.open_dataset(app._downloads[1].callback(), engine="h5netcdf")
    assert "score" in ds
    gj = app._downloads[2].callback().read().decode()
    assert '"FeatureCollection"' in gj


def test_viewer_renders_inline_and_as_ipywidget(app):
    layout = app.__panel__()
    model = layout.get_root()
    assert model is not None
    widget = pn.ipywidget(app)
    assert widget is not None


def test_controls_are_labelled_in_chinese(cube, provinces):
    explorer = IndexExplorer(cube=cube, provinces=provinces, n_draws=20, language="zh")
    explorer.wait()
    assert explorer._norm_w.label == "标准化方法"
    assert explorer._weight_ws["IND"].label == "产业发展"
    explorer.language = "en"
    assert explorer._norm_w.label == "Normalisation"


def test_pickers_offer_the_engine_registries_and_say_what_they_leave_out(app):
    from workbench.apps.index_views import method_choices
    from workbench.plugins import get_registry

    aggs = app.param.aggregation.objects
    norms = app.param.normalisation.objects
    registered = set(get_registry("index_aggregators").names())
    assert {"arithmetic", "geometric", "harmonic", "power", "copeland"} <= set(aggs)
    assert set(aggs) | set(app.left_out_aggregations) == registered
    # methods needing a setting the app cannot give are left out, with the reason
    assert "function" not in aggs
    assert "needs the setting(s) function" in app.left_out_aggregations["function"]
    assert "goalposts" not in norms
    assert "lower, upper" in app.left_out_normalisations["goalposts"]
    assert "dist_ref" in app.left_out_normalisations
    assert "bod" in app.left_out_aggregations  # one LP per city: too slow for live use
    assert "goalposts" in app._norm_w.description
    assert method_choices("index_normalisers")[0] == norms


@pytest.mark.parametrize(("norm", "agg"), [("fracmax", "power"), ("rank", "copeland")])
def test_registry_methods_run_through_the_engine(app, norm, agg):
    from workbench.index import run_index

    app.param.update(normalisation=norm, aggregation=agg)
    assert app.status.message == ""
    expected = run_index(app.cube, app.spec(), year=app.year).table()
    assert list(app.table["code"]) == list(expected["code"].astype(str))
    assert app.spec()["steps"][0]["normalise"]["method"] == norm


def test_basemap_is_built_once_and_shared_between_explorers(cube, provinces):
    first = IndexExplorer(cube=cube, provinces=provinces, n_draws=40)
    second = IndexExplorer(cube=cube, provinces=provinces, n_draws=40, theme="light")
    first.wait()
    second.wait()
    # inline, the page is "loaded" at once: the map has the basemap and the cities
    layers = [first._map.object["layers"], second._map.object["layers"]]
    assert [layer["id"] for layer in layers[0]] == ["basemap", "cities"]
    assert layers[0][0] is layers[1][0]  # the same read-only layer object, not a copy
    assert layers[0][0]["image"].startswith("data:image/png;base64,")
    # the views below the map were drawn without a served page
    assert first._profile_fig.object is not None
    assert first._ranking_fig.object is not None


def test_stale_background_work_is_dropped_from_the_queue(app):
    """Changes made while the pool is busy leave only the newest work queued (workshops)."""
    import threading

    from workbench.apps import common

    gate = threading.Event()
    blockers = [common.run_in_background(lambda: gate.wait(60), lambda _r: None) for _ in range(2)]
    try:
        futures = []
        for weight in (2.0, 3.0, 4.0):
            app.weight_tec = weight
            futures.append(app.jobs.future("uncertainty"))
        assert len({id(f) for f in futures}) == 3
        assert futures[0].cancelled()
        assert futures[1].cancelled()
        assert not futures[2].done()
        assert app.busy
    finally:
        gate.set()
    for blocker in blockers:
        blocker.result(timeout=30)
    app.wait()
    assert futures[2].result() is not None  # the newest work ran and its summary is shown
    assert app.uncertainty_summary is futures[2].result()
    assert not app.busy  # cancelled work released the busy indicator too


def test_the_ranking_turns_to_the_page_of_the_chosen_city(app, cube, provinces):
    from workbench.apps.index_layout import RANKING_PAGE

    table = app._table  # noqa: SLF001
    assert table.pagination == "remote"  # the browser holds one page
    assert table.page_size == RANKING_PAGE
    codes = list(table.value["code"])
    far = codes[2 * RANKING_PAGE + 3]  # on the third page
    app.city = far
    assert table.page == 3
    app.city = codes[0]
    assert table.page == 1
    # a page opened on a city (a shared link) opens on that city's page
    other = IndexExplorer(cube=cube, provinces=provinces, n_draws=40, city=far)
    assert other._table.page == 3  # noqa: SLF001
    other.close()
    # sorted by a column, the page of a rank is not known: the page stays
    table.sorters = [{"field": "score", "dir": "asc"}]
    app.city = far
    assert table.page == 1
