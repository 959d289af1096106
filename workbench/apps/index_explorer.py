"""Index Explorer: the City AI Index on a map of China, reweighted live.

A :class:`panel.viewable.Viewer` over :mod:`workbench.index`: every score, rank, tier,
uncertainty band, profile, what-if and development path comes from the engine; this module
only holds the planner's choices (declared, bounded parameters) and draws the results with
:mod:`workbench.viz`.

Inline: ``display(IndexExplorer())`` or ``pn.ipywidget(IndexExplorer())``.
Served: ``workbench serve`` (route ``/index``).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import numpy as np
import pandas as pd
import panel as pn
import param

from workbench import labels
from workbench.apps import common
from workbench.apps import index_layout as layout
from workbench.apps.base import WorkbenchApp
from workbench.apps.index_jobs import (
    CityViews,
    cached_ranking,
    cached_result,
    city_views,
    city_whatif,
    path_job,
    timeline_job,
    uncertainty_job,
    views_job,
)
from workbench.apps.index_layout import RANKING_PAGE, WEIGHT_PARAMS
from workbench.apps.index_reweight import Reweighter, Reweighting
from workbench.apps.index_views import (
    DIMENSIONS,
    certainty_markdown,
    dimension_profile,
    indicator_names,
    method_choices,
    path_markdown,
    profile_markdown,
    register_labels,
    served_basemap_layer,
    whatif_markdown,
)
from workbench.apps.patching import (
    patch_deck_layer,
    patch_figure,
    refresh_figure,
    replace_table_page,
)
from workbench.dims import CITY, INDICATOR
from workbench.viz import charts, maps

register_labels()


#: Parameters kept in the page URL (parameter -> query key).
URL_PARAMS: dict[str, str] = {
    "year": "year",
    "weight_ind": "w_ind",
    "weight_tec": "w_tec",
    "weight_pub": "w_pub",
    "weight_gov": "w_gov",
    "normalisation": "norm",
    "aggregation": "agg",
    "city": "city",
    "language": "language",
}


def _weight(code: str) -> param.Number:
    return param.Number(
        default=1.0,
        bounds=(0.0, 5.0),
        step=0.1,
        label=common.label(code),
        doc=f"Weight of the {common.label(code)} dimension ({code}) in the index.",
    )


class IndexExplorer(WorkbenchApp):
    """Explore the City AI Index: map, ranking, uncertainty, city profiles and paths.

    Parameters
    ----------
    cube
        An indicator cube ``value(city, indicator, year)`` with the framework in its attrs;
        the shipped sample (``load_sample("city_ai_index")``) when ``None``.
    provinces
        Province polygons for the basemap; the shipped sample when ``None``.
    **params
        Initial values of the parameters below.

    Attributes
    ----------
    left_out_normalisations, left_out_aggregations : dict
        Registered methods the pickers do not offer, name -> reason (a setting the app cannot
        give, or too slow to recompute live); shown as the pickers' tooltips.
    """

    year: param.Selector[Any] = param.Selector(
        default=None, objects=[], doc="Year of the indicator data."
    )
    weight_ind = _weight("IND")
    weight_tec = _weight("TEC")
    weight_pub = _weight("PUB")
    weight_gov = _weight("GOV")
    # the choices come from the engine's registries (built-ins and plugins) in ``__init__``
    normalisation: param.Selector[str] = param.Selector(
        default="minmax", objects=["minmax"], doc="How indicators are made comparable."
    )
    aggregation: param.Selector[str] = param.Selector(
        default="arithmetic", objects=["arithmetic"], doc="How scores are combined."
    )
    city = param.String(default="310000", doc="Code of the selected city.")
    n_draws = param.Integer(
        default=200,
        bounds=(20, 5000),
        label="Uncertainty draws",
        doc="Monte Carlo draws of the uncertainty analysis.",
    )
    seed = param.Integer(default=0, bounds=(0, None), doc="Seed of the uncertainty analysis.")
    cap = param.Number(
        default=20.0,
        bounds=(0.0, 100.0),
        step=1.0,
        label="Cap per indicator (points)",
        doc="Most each indicator may improve on the path to the next tier (normalised points).",
    )
    whatif_indicator: param.Selector[Any] = param.Selector(
        default=None, objects=[], label="Indicator", doc="Indicator to change."
    )
    whatif_change = param.Number(
        default=0.0,
        bounds=(-0.5, 2.0),
        step=0.05,
        label="Relative change",
        doc="Relative change of the indicator (0.1 = +10 %).",
    )
    top = param.Integer(default=25, bounds=(5, 400), doc="Cities in the ranking chart.")

    # the views, made by :func:`workbench.apps.index_layout.build_widgets`
    presets: dict[str, dict[str, float]]
    _map: pn.pane.DeckGL
    _table: pn.widgets.Tabulator
    _tabs: pn.Tabs
    _city_w: pn.widgets.Select
    _preset_w: pn.widgets.Select
    _certainty_md: pn.pane.Markdown
    _profile_md: pn.pane.Markdown
    _path_md: pn.pane.Markdown
    _whatif_md: pn.pane.Markdown
    _ranking_fig: pn.pane.Bokeh
    _profile_fig: pn.pane.Bokeh
    _timeline_fig: pn.pane.Bokeh
    _band_fig: pn.pane.Bokeh
    _tierprob_fig: pn.pane.Bokeh

    def __init__(self, cube: Any = None, provinces: Any = None, **params: Any) -> None:
        self.cube = common.shared_sample("city_ai_index") if cube is None else cube
        self.provinces = common.shared_sample("provinces") if provinces is None else provinces
        years = [int(y) for y in self.cube["year"].to_numpy()] if "year" in self.cube.dims else []
        self.param.year.objects = years or [None]
        indicators = [str(i) for i in self.cube[INDICATOR].to_numpy()]
        self.param.whatif_indicator.objects = indicators
        norms, self.left_out_normalisations = method_choices("index_normalisers")
        aggs, self.left_out_aggregations = method_choices("index_aggregators")
        self.param.normalisation.objects = norms
        self.param.aggregation.objects = aggs
        self._methods = {"normalisation": ("norm", norms), "aggregation": ("agg", aggs)}
        self._name_methods()
        params.setdefault("year", years[-1] if years else None)
        params.setdefault("whatif_indicator", indicators[0])
        cities = [str(c) for c in self.cube[CITY].to_numpy()]
        if params.get("city", self.param.city.default) not in cities:
            params["city"] = cities[0]
        super().__init__(**params)
        self._result: Any = None
        self._result_key: Any = None
        self._result_lock = threading.Lock()
        self._reweighters: dict[tuple[Any, ...], Reweighter | None] = {}
        self._static: pd.DataFrame | None = None
        self._table_frame = pd.DataFrame()
        self._table_pending: tuple[Reweighter, Reweighting] | None = None
        self._names_cache: tuple[pd.DataFrame, str, dict[str, str]] | None = None
        self.uncertainty_summary: pd.DataFrame | None = None
        self.path: Any = None
        self.tier_path: Any = None
        self.whatif: dict[str, Any] | None = None
        self._generation = 0
        self._map_codes = [str(c) for c in self.cube[CITY].to_numpy()]
        self._cities = pd.DataFrame()
        # a weight move's cheap path: the map's rows in the reweighter's order, the ranking's
        # fixed columns (see ``_rescored_spec`` and ``_shown_static``)
        self._map_rows: tuple[Any, pd.DataFrame, np.ndarray] | None = None
        self._shown_cache: tuple[tuple[Any, ...], pd.DataFrame, dict[str, np.ndarray]] | None = None
        self._views_generation = 0
        # Served, the first page shows the controls, the map and the ranking; the views
        # below and the background work follow once the page is on screen.
        self._loaded = False
        self._profile_look: tuple[str, str] | None = None
        self._timeline_theme: str | None = None
        self._heavy_pending = False  # served: uncertainty and path wait for the choices to settle
        self._build_widgets()
        self._weights_throttle = self._throttled(0.1, self.recompute)
        self._tabs.param.watch(lambda _e: self._start_secondary(), "active")
        self.recompute()
        common.on_page_load(self._after_load)
        if common.sync_url(self, URL_PARAMS):
            self.language = common.language_from_session(self.language)
        self._turn_to_city()

    # -- engine calls --------------------------------------------------------------------------

    def spec(self) -> dict[str, Any]:
        """Return the index pipeline spec of the current choices (replayable in code).

        Returns
        -------
        dict
            ``{"steps": [normalise, weight, aggregate]}`` for :func:`workbench.index.run_index`.
        """
        norm: dict[str, Any] = {"method": self.normalisation}
        if self.normalisation == "minmax":
            # geometric and harmonic means need positive scores: start the scale at 1
            low = 1 if self.aggregation in ("geometric", "harmonic") else 0
            norm["range"] = [low, 100]
        weights = {code: float(getattr(self, name)) for code, name in WEIGHT_PARAMS.items()}
        return {
            "steps": [
                {"normalise": norm},
                {"weight": {"method": "manual", "weights": weights}},
                {"aggregate": {"method": self.aggregation}},
            ]
        }

    def _result_key_of(self, spec: dict[str, Any]) -> str:
        return json.dumps([spec, self.year], sort_keys=True)

    @property
    def result(self) -> Any:
        """The engine's ``IndexResult`` of the current choices (computed when first asked).

        A weight move updates the ranking from cached dimension scores
        (:class:`~workbench.apps.index_reweight.Reweighter`); the full result, which the
        profile, what-if, path and downloads read, is computed by the engine when one of them
        asks for it (off the serving loop for the views below the map).
        """
        spec = self.spec()
        key = self._result_key_of(spec)
        with self._result_lock:
            if self._result is None or self._result_key != key:
                self._result = cached_result(self._job_cube(), spec, self.year)
                self._result_key = key
            return self._result

    def _weights(self) -> dict[str, float]:
        return {code: float(getattr(self, name)) for code, name in WEIGHT_PARAMS.items()}

    def recompute(self) -> None:
        """Recompute the index with the current choices and update every view.

        A change of weights alone reuses the normalised and aggregated dimension scores of
        the current choice of normalisation, aggregation and year (cached per session): the
        new ranking is one small matrix product. Other changes rerun the engine's pipeline.
        Errors (for example all weights zero) are shown as a notification; the previous
        result stays on screen.
        """
        self._views_generation += 1  # views still waiting for the previous choices: drop
        choice = (self.normalisation, self.aggregation, self.year)
        fast = self._reweighters.get(choice)
        weights = self._weights()
        table: pd.DataFrame | None = None
        reweighting = None
        try:
            if fast is not None and sum(weights.values()) > 0:
                reweighting = fast.reweigh(weights)
            else:
                spec = self.spec()
                result, table, reweighter = cached_ranking(self._job_cube(), spec, self.year)
                with self._result_lock:
                    self._result, self._result_key = result, self._result_key_of(spec)
                if choice not in self._reweighters:
                    self._reweighters[choice] = reweighter
                if self._static is None:
                    self._static = table.drop(columns=["rank", "tier", "CAI_score"]).set_index(
                        "code"
                    )
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
            self.status.error(exc)
            return
        if self.status.message:
            self.status.clear()
        if reweighting is not None and fast is not None and self._served:
            # one message to the browser for the map's and the ranking's changes, not one each
            with pn.io.hold():
                self._show(table, fast, reweighting)
        else:
            self._show(table, fast, reweighting)

    def _show(
        self,
        table: pd.DataFrame | None,
        fast: Reweighter | None,
        reweighting: Reweighting | None,
    ) -> None:
        """Show a new ranking: rescored after a weight move, or the full ``table``."""
        rescored = None
        if reweighting is not None and fast is not None:
            # the same cities as before: the full table waits for its first reader (the views
            # below, a download), off the move's path
            rescored = (fast, reweighting)
            with self._result_lock:
                self._table_pending = rescored
        elif table is not None:
            self.table = table
            if not np.any(table["code"].to_numpy() == self.city):
                self.city = str(self.table["code"].iloc[0])
        self._update_views(cities=rescored is None, rescored=rescored)
        if self._loaded and not self._served:
            self._start_uncertainty()
            self._start_path()
        elif self._loaded:  # served: once the choices settle (see ``_submit_views``)
            self._heavy_pending = True

    def _after_load(self) -> None:
        """Complete the page once it is on screen (at once inline).

        Draws the views below the map (profile, what-if, ranking chart) and starts the
        background work (uncertainty draws, development path).
        """
        self._loaded = True
        if not self.table.empty:
            if self._served:
                self._start_secondary()
            else:
                self._update_secondary(self._views_generation)
        self._start_uncertainty()
        self._start_path()

    def _cube_id(self) -> str:
        return "sample" if self.cube is common.shared_sample("city_ai_index") else str(id(self))

    def _job_cube(self) -> Any:
        """Return the cube to send to a job: ``None`` for the shipped sample (loaded there)."""
        return None if self._cube_id() == "sample" else self.cube

    def _start_uncertainty(self, opened: bool = False) -> None:
        if not opened:  # a new choice (``opened``: the tab was opened, the choice is the same)
            self._generation += 1
        generation = self._generation
        if self._served and self._tabs.active not in (0, 1):
            # served, and neither the profile (its rank band and tier probability) nor the
            # uncertainty tab is open: run the draws when one of them opens. Otherwise they start
            # once the choices settle (see ``_submit_views``), not on every move of a busy room,
            # and the default choices' draws are shared by every session (memoised)
            self.uncertainty_summary = None
            return
        spec, draws, seed, year = self.spec(), int(self.n_draws), int(self.seed), self.year
        cube_id = self._cube_id()
        key = ("index-uncertainty", cube_id, json.dumps(spec, sort_keys=True), draws, seed, year)
        cube = self._job_cube()

        def done(summary: pd.DataFrame) -> None:
            if generation == self._generation:
                self.uncertainty_summary = summary
                self._draw_certainty()
                if self._tabs.active == 1:  # else drawn when the tab is opened
                    self._draw_uncertainty()

        self.jobs.submit_heavy(
            "uncertainty", key, uncertainty_job, (cube, spec, draws, seed, year), done
        )

    def _start_path(self) -> None:
        spec, year, city, cap = self.spec(), self.year, self.city, float(self.cap)
        generation = self._generation
        cube_id = self._cube_id()
        key = ("index-path", cube_id, json.dumps(spec, sort_keys=True), year, city, cap)
        cube = self._job_cube()

        def done(path: Any) -> None:
            if generation == self._generation and city == self.city:
                self.path = path
                self._path_md.object = path_markdown(
                    path, self._names(), self.language, indicator_names(self.cube, self.language)
                )

        self.jobs.submit_heavy("path", key, path_job, (cube, spec, year, city, cap), done)
        self._start_timeline()

    def _start_timeline(self) -> None:
        """Path to the next tier against peers moving on their trends, as a timeline.

        The search runs in a worker process and is memoised by its inputs, so a room of
        participants on the default choices and the same city costs one search.
        """
        from workbench.viz.paths import tier_path_figure

        spec, city, theme = self.spec(), self.city, self.theme
        generation = self._generation
        cube_id = self._cube_id()
        key = ("index-timeline", cube_id, json.dumps(spec, sort_keys=True), city)
        cube = self._job_cube()

        def done(tp: Any) -> None:
            if generation == self._generation and city == self.city:
                self.tier_path = tp
                show = tp is not None and len(tp.timeline) > 0  # none when already there
                self._timeline_fig.visible = show  # before the object: Panel keeps it then
                if show:  # the same kind of timeline: its numbers patched into the page
                    same = theme == self._timeline_theme
                    refresh_figure(self._timeline_fig, tier_path_figure(tp, theme=theme), same)
                    self._timeline_theme = theme
                else:
                    self._timeline_fig.object = None

        self.jobs.submit_heavy("timeline", key, timeline_job, (cube, spec, city), done)

    # -- the workshop: what the facilitator sees, presets they publish ---------------------------

    roster_params = ("city", *WEIGHT_PARAMS.values())

    def roster_state(self) -> dict[str, Any]:
        """Return the participant's city and dimension weights (the facilitator's view).

        Returns
        -------
        dict
            ``city`` (code), ``city_name`` and ``weights`` (dimension code -> weight).
        """
        return {
            "city": self.city,
            "city_name": self._names().get(self.city, self.city) if not self.table.empty else "",
            "weights": self._weights(),
        }

    def offer_preset(self, preset: dict[str, Any]) -> None:
        """Offer weights published by the facilitator as a preset (and say so).

        Parameters
        ----------
        preset
            ``version``, ``name`` and ``weights`` (dimension code -> weight).
        """
        key = f"preset-{preset['version']}"
        self.presets[key] = {k: float(v) for k, v in preset["weights"].items()}
        options = dict(self._preset_w.options)
        options[str(preset["name"])] = key
        self._preset_w.options = options
        self.status.info(
            f"The facilitator published **{preset['name']}**: pick it under "
            f"{common.label('presets', self.language)} to use it."
        )

    def _on_preset(self, event: Any) -> None:
        weights = self.presets.get(event.new)
        if weights:
            self.param.update(
                **{name: weights[code] for code, name in WEIGHT_PARAMS.items() if code in weights}
            )

    # -- reactions -----------------------------------------------------------------------------

    @param.depends("year", "normalisation", "aggregation", watch=True)
    def _on_spec(self) -> None:
        self.recompute()

    @param.depends("weight_ind", "weight_tec", "weight_pub", "weight_gov", watch=True)
    def _on_weights(self) -> None:
        if self._loaded and self._served:  # a drag: first value now, newest / 0.1 s
            self._weights_throttle()
        else:
            self.recompute()

    @param.depends("n_draws", "seed", watch=True)
    def _on_draws(self) -> None:
        if self._loaded:
            self._start_uncertainty()

    @param.depends("city", watch=True)
    def _on_city(self) -> None:
        if self.table.empty:
            return
        if self.city not in set(self.table["code"]):
            self.status.error(
                f"City code {self.city!r} is not in the index; pick a city from the list."
            )
            return
        self._update_views()
        self._turn_to_city()
        if self._tabs.active == 1:
            self._draw_uncertainty()
        else:  # the rank bands are drawn when their tab is opened
            self._draw_certainty()
        if self._loaded:
            self._start_path()

    @param.depends("cap", watch=True)
    def _on_cap(self) -> None:
        if self._loaded:
            self._start_path()

    @param.depends("language", "theme", watch=True)
    def _on_look(self) -> None:
        self._relabel()
        self._update_views()
        self._draw_uncertainty()
        if self.path is not None:
            self._path_md.object = path_markdown(
                self.path, self._names(), self.language, indicator_names(self.cube, self.language)
            )

    @param.depends("whatif_indicator", "whatif_change", watch=True)
    def _on_whatif(self) -> None:
        if self._loaded and self._served:
            # served: computed in a worker with the profile once the slider settles
            self._views_generation += 1
            self._start_secondary()
        else:
            self._draw_whatif()

    def _on_click(self, event: Any) -> None:
        state = event.new or {}
        index = state.get("index")
        if state.get("layer") != "cities" or index is None or index < 0:
            return
        if index < len(self._cities):
            self.city = str(self._cities["code"].iloc[index])

    def _on_table_select(self, event: Any) -> None:
        if event.new:
            row = event.new[0]
            if row < len(self._table.value):
                self.city = str(self._table.value["code"].iloc[row])

    # -- views ---------------------------------------------------------------------------------

    @property
    def table(self) -> pd.DataFrame:
        """The ranking under the current choices (``code``, ``rank``, ``tier``, ``CAI_score``...).

        After a weight move it is built when first read (the views below the map, a download),
        not on the move's path.
        """
        pending = self._table_pending
        if pending is None:
            return self._table_frame
        fast, reweighting = pending
        frame = fast.table(reweighting, self._static)
        with self._result_lock:
            if self._table_pending is pending:  # not overtaken by a newer move meanwhile
                self._table_frame, self._table_pending = frame, None
        return frame

    @table.setter
    def table(self, frame: pd.DataFrame) -> None:
        with self._result_lock:
            self._table_frame, self._table_pending = frame, None

    def _names(self) -> dict[str, str]:
        """City code -> name in the current language (kept: names do not move with weights)."""
        column = common.name_column(self.language)
        static = self._static
        cached = self._names_cache
        if cached is not None and cached[0] is static and cached[1] == column:
            return cached[2]
        source = static.reset_index() if static is not None else self.table
        names = dict(zip(source["code"], source[column], strict=True))
        if static is not None:
            self._names_cache = (static, column, names)
        return names

    def _build_widgets(self) -> None:
        layout.build_widgets(self)

    def _on_city_widget(self, event: Any) -> None:
        if event.new and event.new != self.city:
            self.city = event.new

    def _name_methods(self) -> None:
        """Offer the methods by their names in words; the values stay the registry names."""
        lang = self.language
        for name, (prefix, methods) in self._methods.items():
            getattr(self.param, name).objects = {
                labels.label(f"{prefix}_{m}", lang): m for m in methods
            }

    def _relabel(self) -> None:
        layout.relabel(self)

    def map_spec(self) -> dict[str, Any]:
        """Return the deck.gl spec of the map as currently shown (basemap + cities).

        The basemap is an image of the provinces (cheap to draw, also without a GPU), so the
        first page has it with the cities.

        Returns
        -------
        dict
            The spec given to Panel's ``DeckGL`` pane.
        """
        name = common.name_column(self.language)
        # the map's rows stay in the cube's city order, so a weight move changes only the
        # columns that depend on the scores (Panel sends only those)
        present = set(self.table["code"])  # screening may have removed cities
        codes = [c for c in self._map_codes if c in present]
        fixed = self.table.set_index("code").reindex(codes).reset_index()
        self._cities = maps.city_frame(
            fixed,
            score="CAI_score",
            tier="tier",
            name=name,
            selected=self.city,
            selected_colour=[255, 255, 255, 255] if self.theme == "dark" else None,
        )
        current = self._map.object or {}
        look = self.theme
        if getattr(self, "_map_look", None) == look and current.get("layers"):
            # only the cities' data changed: keep the layers' other settings and the basemap
            spec = dict(current)
            spec["layers"] = [
                {**layer, "data": self._cities} if layer.get("id") == "cities" else layer
                for layer in current["layers"]
            ]
            return spec
        self._map_look = look
        deck = maps.index_map(self.provinces.iloc[:0], [], theme=self.theme)
        spec = maps.deck_to_spec(deck, theme=self.theme)
        for layer in spec["layers"]:
            if layer.get("id") == "cities":
                layer["data"] = self._cities
        spec["layers"][0] = served_basemap_layer(self.provinces, self.theme, self._served)
        if current.get("initialViewState"):
            spec["initialViewState"] = current["initialViewState"]
        return spec

    def _update_views(
        self, cities: bool = True, rescored: tuple[Reweighter, Reweighting] | None = None
    ) -> None:
        """Update the map and the ranking (then the views below, in the background).

        Parameters
        ----------
        cities
            Also refill the city picker (names change with the language or the data; a
            weight move leaves them as they are).
        rescored
            Only the weights changed, to these scores (the reweighter of the current
            choices and its result): the map's city layer is patched in
            place (the columns that depend on the scores) and the ranking's rows are taken
            from columns kept per language; nothing else is rebuilt or resent.
        """
        if rescored is None and self.table.empty:
            return
        lang = self.language
        name = common.name_column(lang)
        if cities:
            self._city_w.options = {
                f"{n} ({c})": c for c, n in zip(self.table["code"], self.table[name], strict=True)
            }
        self._city_w.value = self.city
        before = self._cities
        spec = self._rescored_spec(rescored[1]) if rescored is not None else None
        if spec is None:
            self._map.object = self.map_spec()
        elif not patch_deck_layer(
            self._map, spec, "cities", before, self._cities, columns=maps.SCORED_COLUMNS
        ):
            self._map.object = spec
        arrays = None
        if rescored is not None:
            fast, rw = rescored
            static, static_arrays = self._shown_static(fast, name)
            ranks = rw.ranks.astype(int) if np.isfinite(rw.ranks).all() else rw.ranks
            new = {"rank": ranks, "tier": rw.tiers, "score": np.round(rw.score, 2)}
            shown = rw.take(
                static,
                {
                    0: ("rank", ranks if ranks.dtype.kind == "i" else pd.array(ranks, "Int64")),
                    2: ("tier", rw.tiers),
                    3: ("score", new["score"]),
                },
            )
            # the same columns as arrays in row order: the page on screen is sliced from them
            arrays = {c: v.take(rw.order) for c, v in {**static_arrays, **new}.items()}
        else:
            shown = self.table[["rank", name, "tier", "CAI_score", *DIMENSIONS, "code"]].rename(
                columns={name: "city", "CAI_score": "score"}
            )
            shown = shown.round(2)
        self._show_table(shown, arrays)
        self._views_generation += 1
        if self._loaded:  # before that, ``_after_load`` draws them
            self._start_secondary()

    def _shown_static(
        self, fast: Reweighter, name: str
    ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """Return the ranking's columns that weights do not change, in the reweighter's order.

        ``city`` (names in ``name``), the dimension scores (rounded) and ``code``, as a frame
        and as arrays; kept for the current reweighter, table of fixed columns and language.
        """
        aligned = fast.aligned(self._static)
        key = (fast.codes, aligned, name)
        cached = self._shown_cache
        if cached is None or any(a is not b for a, b in zip(cached[0], key, strict=True)):
            frame = aligned[[name, *DIMENSIONS, "code"]].rename(columns={name: "city"}).round(2)
            arrays = {
                c: frame[c].to_numpy(dtype=object if c in ("city", "code") else float)
                for c in frame.columns
            }
            self._shown_cache = cached = (key, frame, arrays)
        return cached[1], cached[2]

    def _rescored_spec(self, reweighting: Reweighting) -> dict[str, Any] | None:
        """Return the map's spec with the cities rescored, or ``None`` to draw it anew.

        The city layer keeps its rows (the cube's order); the scores and tiers of the
        reweighting are taken into those rows through positions kept per reweighter.
        """
        current = self._map.object or {}
        if self._cities.empty or not current.get("layers"):
            return None
        cached = self._map_rows
        if cached is None or cached[0] is not reweighting.codes or cached[1] is not self._cities:
            where = {c: i for i, c in enumerate(reweighting.codes)}
            rows = np.array([where.get(c, -1) for c in self._cities["code"]], dtype=int)
            if (rows < 0).any():
                return None
        else:
            rows = cached[2]
        self._cities = maps.rescore_city_frame(
            self._cities,
            reweighting.score[rows],
            reweighting.tiers[rows],
            selected=self.city,
            selected_colour=[255, 255, 255, 255] if self.theme == "dark" else None,
        )
        self._map_rows = (reweighting.codes, self._cities, rows)
        spec = dict(current)
        spec["layers"] = [
            {**layer, "data": self._cities} if layer.get("id") == "cities" else layer
            for layer in current["layers"]
        ]
        return spec

    def _show_table(self, shown: pd.DataFrame, arrays: dict[str, np.ndarray] | None = None) -> None:
        """Show the ranking: resend the page on screen, or replace a table of other shape."""
        if not replace_table_page(self._table, shown, arrays):
            self._table.value = shown

    def _turn_to_city(self) -> None:
        """Turn the ranking table to the page of the chosen city (rows in rank order only)."""
        table = self._table
        if table.sorters or table.value is None or table.value.empty:
            return  # sorted by a column (or nothing shown): the page of a rank is not known
        where = np.flatnonzero(table.value["code"].to_numpy() == self.city)
        if where.size:
            page = int(where[0]) // int(table.page_size or RANKING_PAGE) + 1
            if page != table.page:
                table.page = page

    def _start_secondary(self) -> None:
        generation = self._views_generation
        if self._loaded and self._served:
            # served: redraw the views below the map once the choices settle (0.5 s without
            # a change), not after every step of a drag or every move of a busy room
            timer = threading.Timer(0.5, self._submit_views, args=(generation,))
            timer.daemon = True
            timer.start()
            return
        self._submit_views(generation)

    def _submit_views(self, generation: int) -> None:
        if generation != self._views_generation or self.closed:
            return  # a newer change is on its way, or the page is gone
        if self._heavy_pending:  # served: the choices have settled, start the heavy work
            self._heavy_pending = False
            self._start_uncertainty()
            self._start_path()
        if not self._served:
            self.jobs.submit("views", lambda: None, lambda _: self._update_secondary(generation))
            return
        # served: the profile and what-if of the new choices are computed in a worker process
        # (one engine run per choice, shared by sessions with the same choices and city); the
        # serving process only patches the numbers into the page when they arrive
        spec, city = self.spec(), self.city
        indicator, change = self.whatif_indicator, float(self.whatif_change)
        cube_id = self._cube_id()
        cube = self._job_cube()
        key = ("index-views", cube_id, self._result_key_of(spec), city, indicator, change)

        def done(views: CityViews) -> None:
            self._update_secondary(generation, views)

        self.jobs.submit_heavy(
            "views", key, views_job, (cube, spec, self.year, city, indicator, change), done
        )

    def _update_secondary(self, generation: int, views: CityViews | None = None) -> None:
        """Redraw the views below the map (profile, what-if, ranking chart), off the UI thread.

        ``views``: the profile and what-if computed in a worker (served pages); computed here
        from :attr:`result` when ``None``.
        """
        if generation != self._views_generation:
            return  # a newer change is on its way
        lang = self.language
        name = common.name_column(lang)
        active = self._tabs.active
        # only the open tab is drawn now; another one is drawn when it is opened
        if active == 2 or (self._ranking_fig.object is None and not self._served):
            self._ranking_fig.object = charts.ranking_figure(
                self.table,
                score="CAI_score",
                label=name,
                top=self.top,
                selected=self.city,
                title=common.label("ranking", lang),
                theme=self.theme,
            )
        if active in (0, 1):
            pending = self.jobs.future("uncertainty")
            if self.uncertainty_summary is None and (pending is None or pending.done()):
                self._start_uncertainty(opened=True)  # served: deferred until a tab needs it
        if active == 1:
            self._draw_uncertainty()
        if active == 0 or self._profile_fig.object is None:
            if views is None:
                try:
                    views = city_views(
                        self.result, self.city, self.whatif_indicator, float(self.whatif_change)
                    )
                except Exception as exc:  # noqa: BLE001 - shown to the user
                    self.status.error(exc)
                    return
            if views.error is not None:
                if generation == self._views_generation:  # not one of replaced choices
                    self.status.error(views.error)
                return
            self._draw_profile(views.profile)
            self._draw_whatif(views.whatif)

    def _draw_profile(self, prof: Any) -> None:
        """Show a city's profile: its bars beside its tier peers and all cities, and the text.

        When the bars on screen have the same look and series, only their numbers, title
        and legend are patched (a few milliseconds); otherwise a new figure is drawn.
        """
        frame, series = dimension_profile(None, self.table, self.city)
        short = {d: common.label(f"{d}_short", self.language) for d in DIMENSIONS}
        city_name = self._names().get(self.city, self.city)
        shown = frame.rename(index=short, columns={"city": city_name})
        names = [city_name, *series[1:]]
        data = charts.dimension_profile_data(shown, series=names)
        look = (self.theme, self.language)
        patched = patch_figure(
            self._profile_fig,
            data["sources"],
            ranges={"x_range": {"factors": data["factors"]}, "y_range": {"start": data["y_start"]}},
            title=city_name,
            legend=data["names"],
            same_look=look == self._profile_look,
        )
        if not patched:
            self._profile_fig.object = charts.dimension_profile_figure(
                shown,
                series=names,
                title=city_name,
                theme=self.theme,
                x_label=common.label("dimension", self.language),
                y_label=labels.label("score", self.language),
            )
        self._profile_look = look
        self._profile_md.object = profile_markdown(prof, self.cube, self._names(), self.language)

    def _draw_whatif(self, whatif: dict[str, Any] | None = None) -> None:
        """Show the what-if: ``whatif`` as computed (in a worker), else computed here."""
        if self.table.empty or self.whatif_indicator is None:
            return
        if whatif is None:
            try:
                whatif = city_whatif(
                    self.result, self.city, self.whatif_indicator, float(self.whatif_change)
                )
            except Exception as exc:  # noqa: BLE001 - shown to the user
                self.status.error(exc)
                return
        self.whatif = whatif
        self._whatif_md.object = whatif_markdown(whatif, self.whatif_change, self.language)

    def _draw_certainty(self) -> None:
        """Say above the profile how sure the city's rank and tier are."""
        summary = self.uncertainty_summary
        if summary is None or self.table.empty:
            return
        self._certainty_md.object = certainty_markdown(
            summary, self.city, self._names(), self.language, int(self.n_draws)
        )

    def _draw_uncertainty(self) -> None:
        summary = self.uncertainty_summary
        if summary is None:
            return
        self._draw_certainty()
        name = common.name_column(self.language)
        names = dict(zip(self.table["code"], self.table[name], strict=True))
        labelled = summary.assign(label=[names.get(c, c) for c in summary["code"]])
        self._band_fig.object = charts.rank_band_figure(
            labelled, label="label", top=self.top, selected=self.city, theme=self.theme
        )
        row = summary.loc[summary["code"] == self.city]
        if len(row):
            probs = {c[2:]: float(row[c].iloc[0]) for c in summary.columns if c.startswith("p_")}
            self._tierprob_fig.object = charts.tier_probability_figure(
                probs,
                title=f"{names.get(self.city, self.city)}: tier probability",
                theme=self.theme,
            )

    # -- data behind the views -------------------------------------------------------------------

    def cities_geodataframe(self) -> Any:
        """Return the ranking as points (GeoJSON download).

        Returns
        -------
        geopandas.GeoDataFrame
            One point per city with its scores, rank and tier (EPSG:4326).
        """
        import geopandas as gpd

        return gpd.GeoDataFrame(
            self.table.drop(columns=["lon", "lat"]),
            geometry=gpd.points_from_xy(self.table["lon"], self.table["lat"]),
            crs=4326,
        )

    def _uncertainty_or_empty(self) -> pd.DataFrame:
        if self.uncertainty_summary is None:
            return pd.DataFrame({"note": ["the uncertainty analysis is still running"]})
        return self.uncertainty_summary
