"""Weight moves patch the page's models in place (only what changed is sent)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from bokeh.document import Document

from workbench.apps.index_explorer import IndexExplorer
from workbench.apps.patching import patch_figure, refresh_figure
from workbench.data import load_sample


@pytest.fixture(scope="module")
def cube():
    return load_sample("city_ai_index")


def _cities_source(app):
    (model, _parent), *_ = app._map._models.values()
    index = next(layer["data"] for layer in model.layers if layer.get("id") == "cities")
    return model.data_sources[index]


def test_a_weight_move_patches_the_city_layer_in_place(cube):
    app = IndexExplorer(cube=cube, n_draws=20)
    doc = Document()
    doc.add_root(app.__panel__().get_root(doc))
    app.wait()
    source = _cities_source(app)
    scores = np.asarray(source.data["score"], dtype=float).copy()
    app.weight_tec = 4.0
    assert _cities_source(app) is source  # the same source, not a rebuilt layer
    new = np.asarray(source.data["score"], dtype=float)
    assert not np.allclose(new, scores)
    expected = app.table.set_index("code").loc[list(source.data["code"]), "CAI_score"]
    np.testing.assert_allclose(new, expected.round(2).to_numpy())
    assert app._map.object["layers"][-1]["data"] is app._cities  # the pane's spec follows
    shown = app._table.value.set_index("code")["score"]
    np.testing.assert_allclose(shown.to_numpy(), app.table["CAI_score"].round(2).to_numpy())
    app.close()


def _page(app):
    (model, _parent), *_ = app._table._models.values()
    return model


def _shown_like_a_full_rebuild(app):
    """The ranking as the Explorer shows it after a full rerun (the slow path)."""
    name = "name_en"
    shown = app.table[["rank", name, "tier", "CAI_score", "IND", "TEC", "PUB", "GOV", "code"]]
    return shown.rename(columns={name: "city", "CAI_score": "score"}).round(2)


def test_a_weight_move_resends_only_the_ranking_page_on_screen(cube):
    from workbench.apps.index_layout import RANKING_PAGE

    app = IndexExplorer(cube=cube, n_draws=20)
    doc = Document()
    doc.add_root(app.__panel__().get_root(doc))
    app.wait()
    model = _page(app)
    configuration = model.configuration
    source = model.source
    before = list(source.data["code"])
    app._table.selection = [4]  # a row picked before the move would point at another city
    app.weight_pub, app.weight_gov = 0.0, 5.0
    shown = app._table.value
    pd.testing.assert_frame_equal(shown, _shown_like_a_full_rebuild(app), check_dtype=False)
    assert model.source is source
    assert model.configuration is configuration
    assert len(source.data["code"]) == RANKING_PAGE  # the browser holds one page
    assert list(source.data["code"]) == list(shown["code"][:RANKING_PAGE])
    assert list(source.data["code"]) != before  # the order moved with the weights
    np.testing.assert_allclose(source.data["score"], shown["score"][:RANKING_PAGE])
    assert list(source.data["rank"]) == list(range(1, RANKING_PAGE + 1))
    assert app._table.selection == []
    assert list(source.selected.indices) == []
    app._table.page = 2  # Panel's own paging reads the new rows
    assert list(source.data["code"]) == list(shown["code"][RANKING_PAGE : 2 * RANKING_PAGE])
    # sorted by a column, the page follows the sorter after a move too
    app._table.sorters = [{"field": "GOV", "dir": "desc"}]
    app.weight_tec = 3.0
    by_gov = app._table.value.sort_values("GOV", ascending=False, kind="stable")
    start = (app._table.page - 1) * RANKING_PAGE
    assert list(source.data["code"]) == list(by_gov["code"][start : start + RANKING_PAGE])
    app.close()


def test_refresh_figure_patches_data_and_replaces_other_glyphs():
    import panel as pn
    from bokeh.plotting import figure

    def bars(values, colour="red"):
        fig = figure(x_range=["a", "b"], title="one")
        fig.vbar(x=["a", "b"], top=values, width=0.5, color=colour)
        return fig

    pane = pn.pane.Bokeh(bars([1, 2]))
    doc = Document()
    doc.add_root(pane.get_root(doc))
    shown = pane.object
    refresh_figure(pane, bars([3, 4]))
    assert pane.object is shown
    assert list(shown.renderers[0].data_source.data["top"]) == [3, 4]
    refresh_figure(pane, bars([3, 4], colour="blue"))  # another look: a new figure
    assert pane.object is not shown
    newer = pane.object
    refresh_figure(pane, bars([5, 6], colour="blue"), same_look=False)
    assert pane.object is not newer


def test_refresh_figure_redraws_when_the_legend_names_change():
    import panel as pn
    from bokeh.plotting import figure

    def bars(city):
        fig = figure(x_range=["a", "b"])
        fig.vbar(x=["a", "b"], top=[1, 2], width=0.5, legend_label=city)
        return fig

    pane = pn.pane.Bokeh(bars("Chengdu"))
    doc = Document()
    doc.add_root(pane.get_root(doc))
    shown = pane.object
    refresh_figure(pane, bars("Chengdu"))
    assert pane.object is shown  # same legend: patched in place
    refresh_figure(pane, bars("Wuhan"))
    assert pane.object is not shown  # another city names the series: the legend is redrawn
    assert pane.object.legend[0].items[0].label.value == "Wuhan"


def _profile_pane(frame, series):
    import panel as pn

    from workbench.viz import charts

    pane = pn.pane.Bokeh(charts.dimension_profile_figure(frame, series=series, title="Chengdu"))
    doc = Document()
    doc.add_root(pane.get_root(doc))
    return pane


def test_patch_figure_puts_new_numbers_names_and_title_into_the_same_figure():
    import pandas as pd

    from workbench.viz import charts

    frame = pd.DataFrame({"Chengdu": [60.0, 40.0], "peers": [50.0, 45.0]}, index=["IND", "TEC"])
    pane = _profile_pane(frame, ["Chengdu", "peers"])
    shown = pane.object
    moved = pd.DataFrame({"Wuhan": [-5.0, 70.0], "peers": [52.0, 44.0]}, index=["IND", "TEC"])
    data = charts.dimension_profile_data(moved, series=["Wuhan", "peers"])
    assert patch_figure(
        pane,
        data["sources"],
        ranges={"x_range": {"factors": data["factors"]}, "y_range": {"start": data["y_start"]}},
        title="Wuhan",
        legend=data["names"],
    )
    assert pane.object is shown  # patched, not redrawn
    assert list(shown.renderers[0].data_source.data["value"]) == [-5.0, 70.0]
    assert list(shown.renderers[1].data_source.data["value"]) == [52.0, 44.0]
    assert shown.x_range.factors[0] == ("IND", "Wuhan")
    assert shown.y_range.start == -5.0  # a negative score: the axis starts below zero
    assert shown.title.text == "Wuhan"
    assert [item.label.value for item in shown.legend[0].items] == ["Wuhan", "peers"]
    # the same numbers drawn from scratch give the same columns
    fresh = charts.dimension_profile_figure(moved, series=["Wuhan", "peers"])
    for a, b in zip(shown.renderers, fresh.renderers, strict=True):
        assert dict(a.data_source.data) == dict(b.data_source.data)


def test_patch_figure_declines_what_it_cannot_patch():
    import pandas as pd

    from workbench.viz import charts

    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=["IND", "TEC"])
    pane = _profile_pane(frame, ["a", "b"])
    one = charts.dimension_profile_data(frame, series=["a"])
    assert not patch_figure(pane, one["sources"])  # another number of bars
    two = charts.dimension_profile_data(frame, series=["a", "b"])
    assert not patch_figure(pane, two["sources"], same_look=False)  # another theme/language
    assert not patch_figure(pane, [{"x": [], "top": []}] * 2)  # other columns
    assert not patch_figure(pane, two["sources"], legend=["a"])  # another legend
    empty = __import__("panel").pane.Bokeh()
    assert not patch_figure(empty, two["sources"])  # nothing drawn yet


def test_served_pages_load_the_shipped_basemap_by_url():
    from workbench.apps import common
    from workbench.apps.index_views import (
        BASEMAP_PATH,
        basemap_routes,
        basemap_url,
        served_basemap_layer,
    )

    provinces = common.shared_sample("provinces")
    ((pattern, _handler, _settings),) = basemap_routes()
    url = basemap_url()
    assert url.startswith(BASEMAP_PATH + "?v=")  # relative: works under a prefix
    for theme in ("light", "dark"):
        served = served_basemap_layer(provinces, theme, served=True, url=url)
        assert served["image"] == url.format(theme=theme)
        assert re.fullmatch(pattern, "/" + served["image"].split("?")[0])
    inline = served_basemap_layer(provinces, "light", served=False, url=url)
    assert inline["image"].startswith("data:image/png")  # a notebook keeps it inline
    other = provinces.iloc[:3].copy()  # uploaded or other polygons: inline too
    layer = served_basemap_layer(other, "light", served=True, url=url)
    assert layer["image"].startswith("data:image/png")
    # outside a page of a server that registered the route: inline, never a URL to a 404
    layer = served_basemap_layer(provinces, "light", served=True)
    assert layer["image"].startswith("data:image/png")
