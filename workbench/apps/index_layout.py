"""The Index Explorer's widgets and layout, and their labels in the page's language.

Functions of the explorer (``app``): :func:`build_widgets` makes every widget and pane and
lays them out once; :func:`relabel` puts their labels in the explorer's language. The
explorer (:mod:`workbench.apps.index_explorer`) holds the choices and draws the results.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd
import panel as pn

from workbench import labels
from workbench.apps import common
from workbench.apps.index_views import DIMENSIONS, left_out_note
from workbench.dims import INDICATOR
from workbench.viz.legends import index_legend

#: Columns of the ranking table, in order (their headers come from :mod:`workbench.labels`).
SHOWN = ("rank", "city", "tier", "score", *DIMENSIONS, "code")

#: Rows per page of the ranking table (a page fits beside the map).
RANKING_PAGE = 10


#: Dimension code -> the explorer's parameter of its weight.
class WeightSlider(pn.widgets.FloatSlider):
    """A dimension-weight slider whose moves do not flip Panel's process-wide busy flag.

    Panel counts every browser event as "busy" for its header spinner (``pn.state.busy``);
    the workbench's pages show each app's own busy state instead (the template has no busy
    indicator), and the flag's bookkeeping was about 2.4 ms of a served weight move's CPU.
    """

    _busy__ignore: ClassVar[list[str]] = ["value", "value_throttled"]


WEIGHT_PARAMS = {
    "IND": "weight_ind",
    "TEC": "weight_tec",
    "PUB": "weight_pub",
    "GOV": "weight_gov",
}


def _not_offered(left_out: dict[str, str]) -> str | None:
    note = left_out_note(left_out)
    return f"Not offered here: {note}." if note else None


def build_widgets(app: Any) -> None:
    """Make the explorer's widgets, panes and layout (``app._controls``, ``app._main``)."""
    lang = app.language
    app._title = pn.pane.Markdown(f"## {common.label('index_title', lang)}")
    theme_w, lang_w = app._look_widgets()
    app._look = pn.Row(lang_w, theme_w)
    app._year_w = pn.widgets.Select.from_param(app.param.year)
    app._weight_ws = {
        code: WeightSlider.from_param(
            getattr(app.param, name), css_classes=[f"weight-{code.lower()}"]
        )
        for code, name in WEIGHT_PARAMS.items()
    }
    app._norm_w = pn.widgets.Select.from_param(
        app.param.normalisation,
        description=_not_offered(app.left_out_normalisations),
    )
    app._agg_w = pn.widgets.Select.from_param(
        app.param.aggregation, description=_not_offered(app.left_out_aggregations)
    )
    app._city_w = pn.widgets.Select(
        label=common.label("city", lang), options={}, css_classes=["city-select"]
    )
    app._city_w.param.watch(app._on_city_widget, "value")
    app._cap_w = pn.widgets.FloatSlider.from_param(app.param.cap)
    app.presets = {"default": dict.fromkeys(WEIGHT_PARAMS, 1.0)}
    app._preset_w = pn.widgets.Select(
        label=common.label("presets", lang),
        options={common.label("equal_weights", lang): "default"},
        value="default",
        css_classes=["weight-preset"],
    )
    app._preset_w.param.watch(app._on_preset, "value")
    app._draws_w = pn.widgets.IntInput.from_param(app.param.n_draws)
    app._spinner = pn.indicators.LoadingSpinner(value=app.param.busy, size=24, align="center")
    app._map = pn.pane.DeckGL(
        {"mapStyle": None, "layers": []},
        height=460,
        sizing_mode="stretch_width",
        tooltips={"html": "<b>{name}</b><br/>{tier} · {score}"},
        css_classes=["index-map"],
    )
    app._map.param.watch(app._on_click, "click_state")
    # pages of rows: the browser lays out one page, not every city's row (in headless Chromium
    # the ranking appeared 0.6-0.8 s after the document with 300 rows, 0.2-0.3 s with pages)
    app._table = pn.widgets.Tabulator(
        pd.DataFrame(),
        height=460,
        pagination="remote",
        page_size=RANKING_PAGE,
        sizing_mode="stretch_width",
        selectable=1,
        disabled=True,
        show_index=False,
        css_classes=["ranking-table"],
        titles=labels.column_titles(SHOWN, lang),
    )
    app._legend = pn.pane.HTML(
        index_legend(lang, app.theme), sizing_mode="stretch_width", margin=(0, 10)
    )
    app._certainty_md = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["certainty"])
    app._table.param.watch(app._on_table_select, "selection")
    app._ranking_fig = pn.pane.Bokeh(sizing_mode="stretch_width")
    app._profile_fig = pn.pane.Bokeh(sizing_mode="stretch_width")
    app._profile_md = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["profile"])
    app._path_md = pn.pane.Markdown("…", sizing_mode="stretch_width", css_classes=["path"])
    app._timeline_fig = pn.pane.Bokeh(sizing_mode="stretch_width", visible=False)
    app._band_fig = pn.pane.Bokeh(sizing_mode="stretch_width")
    app._tierprob_fig = pn.pane.Bokeh(sizing_mode="stretch_width")
    app._whatif_md = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["whatif"])
    app._whatif_ind_w = pn.widgets.Select.from_param(
        app.param.whatif_indicator,
        options=labels.indicator_options(app.cube, lang),
        description=", ".join(str(c) for c in app.cube[INDICATOR].to_numpy()),
    )
    app._whatif_w = pn.widgets.FloatSlider.from_param(app.param.whatif_change)
    app._downloads = pn.Column(
        common.download_button(lambda: app.table, "city_ai_index_ranking.csv", "Ranking CSV"),
        common.download_button(
            lambda: app.result.to_xarray(), "city_ai_index_result.nc", "Result NetCDF"
        ),
        common.download_button(app.cities_geodataframe, "city_ai_index.geojson", "GeoJSON"),
        common.download_button(
            app._uncertainty_or_empty, "city_ai_index_uncertainty.csv", "Uncertainty CSV"
        ),
    )
    app._weights_title = pn.pane.Markdown(f"**{common.label('weights', lang)}**")
    app._downloads_title = pn.pane.Markdown(f"**{common.label('download', lang)}**")
    app._controls = pn.Column(
        app._look,
        app._year_w,
        app._weights_title,
        *app._weight_ws.values(),
        app._preset_w,
        app._norm_w,
        app._agg_w,
        app._city_w,
        app._cap_w,
        app._draws_w,
        pn.Row(app._spinner),
        app._downloads_title,
        app._downloads,
        sizing_mode="stretch_width",
    )
    # dynamic: a hidden tab is drawn in the browser when it is opened, not with the page
    app._tabs = pn.Tabs(
        (common.label("profile", lang), _profile_tab(app)),
        (common.label("uncertainty", lang), pn.Row(app._band_fig, app._tierprob_fig)),
        (common.label("ranking", lang), app._ranking_fig),
        dynamic=True,
        sizing_mode="stretch_width",
    )
    app._main = pn.Column(
        app._title,
        app.status.alert,
        app._legend,
        pn.Row(app._map, app._table, sizing_mode="stretch_width"),
        app._tabs,
        sizing_mode="stretch_width",
    )
    if lang != "en":
        relabel(app)


def _profile_tab(app: Any) -> pn.viewable.Viewable:
    app._whatif_title = pn.pane.Markdown(f"### {common.label('whatif', app.language)}")
    app._path_title = pn.pane.Markdown(f"### {common.label('path', app.language)}")
    return pn.Row(
        pn.Column(
            app._certainty_md,
            app._profile_fig,
            app._profile_md,
            sizing_mode="stretch_width",
        ),
        pn.Column(
            app._whatif_title,
            app._whatif_ind_w,
            app._whatif_w,
            app._whatif_md,
            app._path_title,
            app._path_md,
            app._timeline_fig,
            sizing_mode="stretch_width",
        ),
        sizing_mode="stretch_width",
    )


def relabel(app: Any) -> None:
    """Put the explorer's labels in its language (widgets, titles, table, legend, tabs)."""
    lang = app.language
    app._title.object = f"## {common.label('index_title', lang)}"
    app._weights_title.object = f"**{common.label('weights', lang)}**"
    for code, widget in app._weight_ws.items():
        widget.label = common.label(code, lang)
    relabelled: tuple[tuple[str, Any], ...] = (
        ("year", app._year_w),
        ("normalisation", app._norm_w),
        ("aggregation", app._agg_w),
        ("city", app._city_w),
        ("cap", app._cap_w),
        ("draws", app._draws_w),
        ("indicator", app._whatif_ind_w),
        ("change", app._whatif_w),
        ("presets", app._preset_w),
    )
    for key, widget in relabelled:
        widget.label = common.label(key, lang)
    app._name_methods()
    app._whatif_title.object = f"### {common.label('whatif', lang)}"
    app._path_title.object = f"### {common.label('path', lang)}"
    app._downloads_title.object = f"**{common.label('download', lang)}**"
    app._table.titles = labels.column_titles(SHOWN, lang)
    app._legend.object = index_legend(lang, app.theme)
    theme_w: Any = app._look[1]
    theme_w.options = {labels.label(t, lang): t for t in common.THEMES}
    theme_w.name = labels.label("theme", lang)
    app._whatif_ind_w.options = labels.indicator_options(app.cube, lang)
    names = ("profile", "uncertainty", "ranking")
    app._tabs._names = [common.label(n, lang) for n in names]
    app._tabs.param.trigger("objects")


__all__ = ["RANKING_PAGE", "SHOWN", "WEIGHT_PARAMS", "WeightSlider", "build_widgets", "relabel"]
