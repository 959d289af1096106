"""Weight moves patch the page's models in place (only what changed is sent)."""

from __future__ import annotations

import numpy as np
import pytest
from bokeh.document import Document

from workbench.apps.index_explorer import IndexExplorer
from workbench.apps.patching import refresh_figure
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


def test_served_pages_load_the_shipped_basemap_by_url():
    from workbench.apps import common
    from workbench.apps.index_views import basemap_routes, basemap_url, served_basemap_layer

    provinces = common.shared_sample("provinces")
    ((pattern, _handler, _settings),) = basemap_routes()
    url = basemap_url()
    assert url.startswith(pattern.lstrip("/") + "?v=")  # relative: works under a prefix
    served = served_basemap_layer(provinces, "light", served=True, url=url)
    assert served["data"] == url
    inline = served_basemap_layer(provinces, "light", served=False, url=url)
    assert inline["data"]["type"] == "FeatureCollection"  # a notebook keeps it inline
    other = provinces.iloc[:3].copy()  # uploaded or other polygons: inline too
    assert isinstance(served_basemap_layer(other, "light", served=True, url=url)["data"], dict)
    # outside a page of a server that registered the route: inline, never a URL to a 404
    assert isinstance(served_basemap_layer(provinces, "light", served=True)["data"], dict)
