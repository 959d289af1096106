"""Coordination Lab: run the city model under a scenario and a mechanism, and compare runs.

A :class:`CoordinationLab` is a ``pn.viewable.Viewer``. Pick a scenario, a coordination
mechanism (both listed from the engine's registries, so installed plugins appear) and a seed;
run with a progress bar (off the UI thread); see a district map coloured by a metric at an hour
(with a player to animate the day), load against capacity over time, the KPIs against the
no-coordination baseline, the orchestrator's decision log, and two runs side by side. The app
holds no model logic: it calls :func:`workbench.citymodel.run` and draws with
:mod:`workbench.viz.citymodel`.
"""

from __future__ import annotations

import functools
from concurrent.futures import Future
from typing import Any

import pandas as pd
import panel as pn
import param

from workbench import labels
from workbench.apps import common
from workbench.apps.base import WorkbenchApp
from workbench.errors import SpecError
from workbench.viz import citymodel as vz
from workbench.viz.legends import district_legend
from workbench.viz.siting import deck_spec

common.add_labels(
    {
        "lab_title": {"en": "Coordination Lab", "zh": "协同实验室"},
        "run": {"en": "Run", "zh": "运行"},
        "keep_ref": {"en": "Keep as run A", "zh": "设为对照A"},
        "no_run": {
            "en": "No run yet: pick a scenario and a mechanism, then press Run.",
            "zh": "尚无运行：选择情景和机制后点击运行。",
        },
        "kpis": {"en": "KPIs against the no-coordination baseline", "zh": "相对无协同基线的指标"},
        "decisions": {"en": "Decision log", "zh": "决策日志"},
        "load": {"en": "Load against capacity", "zh": "负荷与容量"},
        "compare_runs": {"en": "Two runs", "zh": "两次运行对比"},
        "district": {"en": "District", "zh": "区"},
        "prices": {"en": "Prices, payments and gap to the oracle", "zh": "价格、支付与最优差距"},
        "at_hour": {"en": "at hour", "zh": "时刻"},
        # scenarios and mechanisms (plugins without a label show their name in words)
        "scen_baseline": {"en": "Baseline day", "zh": "基准日"},
        "scen_heatwave": {"en": "Heatwave", "zh": "高温热浪"},
        "scen_heatwave_blackout": {"en": "Heatwave with blackout", "zh": "高温热浪叠加停电"},
        "scen_esports_final": {"en": "Esports final", "zh": "电竞决赛"},
        "scen_hub_outage": {"en": "Hub outage", "zh": "枢纽故障"},
        "scen_new_factory": {"en": "New factory", "zh": "新建工厂"},
        "scen_priority_policy": {"en": "Priority policy", "zh": "优先级政策"},
        "mech_none": {"en": "none: no coordination", "zh": "none：无协同"},
        "mech_lp": {"en": "lp: central optimisation", "zh": "lp：集中优化"},
        "mech_priority": {"en": "priority: fixed priorities", "zh": "priority：固定优先级"},
        "mech_market": {"en": "market: price auction", "zh": "market：价格竞拍"},
        "mech_contract_net": {"en": "contract_net: negotiation", "zh": "contract_net：合同网协商"},
        "mech_drf": {"en": "drf: fair shares", "zh": "drf：主导资源公平"},
        "mech_mpc": {"en": "mpc: look-ahead control", "zh": "mpc：模型预测控制"},
        "mech_oracle": {"en": "oracle: perfect foresight", "zh": "oracle：完全预知"},
    }
)

#: Parameters kept in the page URL.
URL_PARAMS = (
    "scenario",
    "mechanism",
    "seed",
    "hours",
    "metric",
    "hour",
    "selected_district",
    "theme",
    "language",
)

#: Columns of the KPI table (``RunResult.kpis`` reset to a column ``kpi``), shown before a run:
#: a Tabulator created without columns does not draw the rows it receives later.
KPI_COLUMNS = ("kpi", "value", "baseline_none", "ratio_to_none", "unit", "better")

#: The metric the map shows before a run tells which metrics exist.
DEFAULT_METRIC = "grid_import_kw"


def load_districts() -> Any:
    """Load the shipped Shanghai district geometry (the Lab's map; shared, read-only)."""
    return common.shared_sample("shanghai_districts")


def registry_names() -> tuple[list[str], list[str]]:
    """Return the scenario and mechanism names of the engine's registries (plugins included)."""
    from workbench.citymodel import mechanism_registry, scenario_registry

    return scenario_registry().names(), mechanism_registry().names()


class CoordinationLab(WorkbenchApp):
    """Interactive city-model runs: scenario x mechanism x seed, against the baseline.

    Parameters
    ----------
    districts
        District GeoDataFrame for the map; the shipped Shanghai districts by default.
    **params
        Initial values of the declared parameters.
    """

    scenario: param.Selector[str] = param.Selector(
        default="baseline", objects=["baseline"], doc="What-if scenario."
    )
    mechanism: param.Selector[str] = param.Selector(
        default="lp", objects=["lp"], doc="Coordination mechanism."
    )
    seed = param.Integer(default=0, bounds=(0, 2**31 - 1), doc="Seed of every random stream.")
    hours = param.Integer(default=24, bounds=(1, 168), doc="Hours to simulate.")
    metric: param.Selector[str] = param.Selector(
        default=DEFAULT_METRIC,
        objects=[DEFAULT_METRIC],
        check_on_set=False,
        doc="District metric on the map (the choices come from the run).",
    )
    hour = param.Integer(default=0, bounds=(0, 167), doc="Hour shown on the map.")
    selected_district = param.String(default="", doc="District code selected on the map.")
    progress = param.Integer(default=0, bounds=(0, 100), constant=True, doc="Run progress (%).")
    preload = param.Boolean(
        default=True, doc="Open with a finished baseline run on screen (cached per process)."
    )

    def __init__(self, districts: Any = None, **params: Any) -> None:
        scenarios, mechanisms = registry_names()
        self.param.scenario.objects = scenarios
        self.param.mechanism.objects = mechanisms
        if params.get("scenario", "baseline") not in scenarios:
            raise SpecError(common_unknown("scenario", params["scenario"], scenarios))
        if params.get("mechanism", "lp") not in mechanisms:
            raise SpecError(
                common_unknown("coordination mechanism", params["mechanism"], mechanisms)
            )
        super().__init__(**params)
        self._districts = districts if districts is not None else load_districts()
        self.result: Any = None
        self.reference: Any = None
        # served: the tabs below the map (KPIs, decisions, two runs, prices) are drawn once
        # the page is on screen, before they are sent (see ``common.below_the_fold``)
        self._below_shown = not self._served
        if self._served:
            common.on_page_load(self._show_below)
        self._build()
        self.param.watch(
            self._redraw_map, ["metric", "hour", "selected_district", "theme", "language"]
        )
        self.param.watch(self._redraw_load, ["hour", "selected_district", "theme"])
        self.param.watch(self._redraw_decisions, ["hour", "selected_district"])
        self.param.watch(self._redraw_compare, ["metric", "theme"])
        self.param.watch(self._relabel, ["language"])
        self._map.param.watch(self._on_click, "click_state")
        settings = {k: getattr(self, k) for k in OPENING_RUN}
        if self.preload and settings == OPENING_RUN:  # other settings: the first Run shows them
            self._show_run(baseline_run())  # draws every view once
        else:
            self._refresh_all()
        self._every(1.0, self._show_queue)
        if common.sync_url(self, URL_PARAMS):
            self.language = common.language_from_session(self.language)

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self._run_button = pn.widgets.Button(label="Run", color="primary")
        common.on_click(self._run_button, self.run_async)
        self._keep_button = pn.widgets.Button(label="Keep as run A", disabled=True)
        common.on_click(self._keep_button, self.keep_reference)
        self._progress = pn.indicators.Progress(
            value=0, max=100, sizing_mode="stretch_width", bar_color="success"
        )
        self._progress_md = pn.pane.Markdown("", margin=(0, 10), css_classes=["run-status"])
        self._cancel_button = pn.widgets.Button(
            label=common.label("cancel", self.language), visible=False, css_classes=["cancel-run"]
        )
        common.on_click(self._cancel_button, self.cancel_run)
        self._theme_w, self._lang_w = self._look_widgets()
        self._setting_ws: dict[str, Any] = {
            "scenario": pn.widgets.Select.from_param(
                self.param.scenario, css_classes=["lab-scenario"]
            ),
            "mechanism": pn.widgets.Select.from_param(
                self.param.mechanism, css_classes=["lab-mechanism"]
            ),
            "seed": pn.widgets.IntInput.from_param(self.param.seed),
            "hours": pn.widgets.IntSlider.from_param(self.param.hours),
            "metric": pn.widgets.Select.from_param(self.param.metric, css_classes=["lab-metric"]),
        }
        self._label_settings()
        self._controls = pn.Column(
            pn.Row(self._theme_w, self._lang_w),
            self._setting_ws["scenario"],
            self._setting_ws["mechanism"],
            self._setting_ws["seed"],
            self._setting_ws["hours"],
            pn.Row(self._run_button, self._cancel_button),
            self._progress,
            self._progress_md,
            self._keep_button,
            pn.layout.Divider(),
            self._setting_ws["metric"],
            sizing_mode="stretch_width",
            min_width=280,
            max_width=340,
        )
        self._player = pn.widgets.Player.from_param(
            self.param.hour,
            start=0,
            end=max(self.hours - 1, 1),
            interval=700,
            loop_policy="loop",
            show_loop_controls=False,
            sizing_mode="stretch_width",
            show_value=True,
        )
        self._map = pn.pane.DeckGL(
            {},
            sizing_mode="stretch_width",
            height=430,
            throttle={"view": 500, "hover": 500},
            css_classes=["lab-map"],
        )
        self._map_caption = pn.pane.Markdown("", margin=(0, 10))
        self._legend = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 10))
        self._load = pn.pane.Bokeh(sizing_mode="stretch_width", height=420)
        self._kpi_table = pn.widgets.Tabulator(
            pd.DataFrame(columns=["code", *KPI_COLUMNS]),
            titles=labels.column_titles(["code", *KPI_COLUMNS], self.language),
            hidden_columns=["code"],  # kept for downloads and tests; the KPI shows in words
            disabled=True,
            sizing_mode="stretch_width",
            height=380,
            css_classes=["kpi-table"],
            pagination=None,
            show_index=False,
        )
        self._decisions = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            sizing_mode="stretch_width",
            height=320,
            pagination="local",
            page_size=10,
            show_index=False,
        )
        self._decisions_md = pn.pane.Markdown("", margin=(0, 10))
        self._compare_table = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, sizing_mode="stretch_width", height=380, pagination=None
        )
        self._compare_fig = pn.pane.Bokeh(sizing_mode="stretch_width", height=260)
        self._downloads = pn.Row(
            common.download_button(self.run_dataset, "city_run.nc", "NetCDF", icon=None),
            common.download_button(self.kpi_frame, "city_kpis.csv", "KPIs CSV", icon=None),
            common.download_button(
                self.decision_frame, "city_decisions.csv", "Decisions CSV", icon=None
            ),
            common.download_button(
                self.map_geodataframe, "city_map.geojson", "Map GeoJSON", icon=None
            ),
        )
        self._title = pn.pane.Markdown("", margin=(0, 10))
        self._gap_md = pn.pane.Markdown("", margin=(0, 10))
        self._prices_fig = pn.pane.Bokeh(sizing_mode="stretch_width", height=260)
        self._payments_fig = pn.pane.Bokeh(sizing_mode="stretch_width", height=220)
        self._cost_table = pn.widgets.Tabulator(
            pd.DataFrame(columns=["part", "cny"]), disabled=True, show_index=False, height=300
        )
        self._tabs = pn.Tabs(
            ("KPIs", self._kpi_table),
            ("Decision log", pn.Column(self._decisions_md, self._decisions)),
            ("Two runs", pn.Column(self._compare_table, self._compare_fig)),
            (
                "Prices",
                pn.Column(
                    self._gap_md,
                    pn.Row(self._prices_fig, self._cost_table, sizing_mode="stretch_width"),
                    self._payments_fig,
                ),
            ),
            dynamic=True,  # hidden tabs are not in the page (nor in its tab order)
            sizing_mode="stretch_width",
        )
        self._main = pn.Column(
            self._title,
            self.status.alert,
            pn.Row(
                pn.Column(
                    self._map_caption,
                    self._legend,
                    self._map,
                    self._player,
                    sizing_mode="stretch_width",
                ),
                pn.Column(self._load, sizing_mode="stretch_width"),
                sizing_mode="stretch_width",
            ),
            self._downloads,
            # below the fold: sent once the page is on screen (in headless Chromium the KPI
            # table drawn with the map held the map's first frame back by about a second)
            common.below_the_fold(self._tabs),
            sizing_mode="stretch_width",
        )
        from workbench.apps.whatif import attach_whatif  # the world model's what-if card

        attach_whatif(self)

    def __panel__(self) -> pn.viewable.Viewable:
        """Return the app's layout: controls beside the main area."""
        return pn.Row(self._controls, self._main, sizing_mode="stretch_width")

    def _option_label(self, kind: str, name: str) -> str:
        key = {"mechanism": f"mech_{name}", "scenario": f"scen_{name}"}.get(kind, name)
        text = common.label(key, self.language)
        return text if text != key else labels.label(name, self.language)

    def _label_settings(self) -> None:
        """Label the controls and their options in the current language (values unchanged)."""
        lang = self.language
        for name, widget in self._setting_ws.items():
            widget.name = labels.label(name, lang)
        for kind in ("scenario", "mechanism", "metric"):
            names = list(self.param[kind].objects)
            self._setting_ws[kind].options = {self._option_label(kind, n): n for n in names}
        self._theme_w.name = labels.label("theme", lang)
        self._theme_w.options = {labels.label(t, lang): t for t in common.THEMES}

    # -- running -----------------------------------------------------------------------------

    def run(self) -> Any:
        """Run the model with the current settings, synchronously, and show the run.

        Returns
        -------
        workbench.citymodel.RunResult
            The run (with KPIs against the no-coordination run on the same seed).
        """
        self._set_progress(5, f"{self.scenario} · {self.mechanism} · seed {self.seed}…")
        result = run_lab_job(self.scenario, self.mechanism, self.seed, self.hours)
        self._show_run(result)
        return result

    def run_async(self) -> Future:
        """Run in a worker process, shared with every session asking for the same run.

        The status line shows the run's place in the queue; the page stays responsive, and a
        run made before (by anyone) comes at once.

        Returns
        -------
        concurrent.futures.Future
            The session's claim on the run (tests may wait on ``.result()``; ``cancel()``
            stops waiting).
        """
        self.status.clear()
        args = (self.scenario, self.mechanism, int(self.seed), int(self.hours))
        self._set_progress(0, "")
        ticket = self.jobs.submit_heavy(
            "run", ("city-run", *args), run_lab_job, args, self._show_run
        )
        self._show_queue()
        return ticket

    @property
    def _future(self) -> Future | None:
        """The newest run (kept for code that waits on it)."""
        return self.jobs.future("run")

    def cancel_run(self) -> bool:
        """Stop waiting for the current run; return whether there was one to stop."""
        cancelled = self.jobs.cancel("run")
        if cancelled:
            self._set_progress(0, common.label("no_run", self.language))
        return cancelled

    def _show_queue(self) -> None:
        if not self.busy:
            return
        position = self.jobs.position("run")
        if position is None:  # not in the pool: its result (a memo hit) is being shown
            return
        if position:
            text = "⏳ " + common.label("queued", self.language).format(n=position)
        else:
            text = f"⏳ {self.scenario} · {self.mechanism} · seed {self.seed}: running…"
        self._progress_md.object = text

    def _set_busy(self, on: bool) -> None:
        self.busy = on
        self._run_button.disabled = on
        self._cancel_button.visible = on
        self._progress.active = on and self.progress == 0

    def _set_progress(self, value: int, text: str) -> None:
        with param.edit_constant(self):
            self.progress = value
        self._progress.value = value
        self._progress_md.object = text

    def _show_run(self, result: Any) -> None:
        self.result = result
        self._set_progress(
            100, f"{result.scenario} · {result.mechanism} · seed {result.seed}: done"
        )
        metrics = vz.district_metrics(result.dataset)
        if metrics:
            self.param.metric.objects = metrics
            if self.metric not in metrics:
                self.metric = DEFAULT_METRIC if DEFAULT_METRIC in metrics else metrics[0]
            self._setting_ws["metric"].options = {
                self._option_label("metric", n): n for n in metrics
            }
        last = max(int(result.hours) - 1, 0)
        self.param.hour.bounds = (0, max(last, 1))
        self._player.end = max(last, 1)
        if self.hour > last:
            self.hour = last
        self._keep_button.disabled = False
        self._refresh_all()

    def keep_reference(self) -> None:
        """Keep the current run as run A; the next run is then compared against it."""
        if self.result is None:
            msg = "There is no run to keep yet: press Run first, then Keep as run A."
            raise SpecError(msg)
        self.reference = self.result
        self._redraw_compare()

    # -- data behind the views ---------------------------------------------------------------

    def run_dataset(self) -> Any:
        """Return the current run's Dataset (with KPIs and provenance in ``attrs``)."""
        if self.result is None:
            msg = "There is no run to download yet: press Run first."
            raise SpecError(msg)
        return self.result.to_xarray()

    def kpi_frame(self) -> pd.DataFrame:
        """Return the KPI table of the current run (value, baseline, ratio, unit)."""
        return pd.DataFrame() if self.result is None else self.result.kpis

    def decision_frame(self) -> pd.DataFrame:
        """Return the orchestrator's decision log of the current run."""
        return pd.DataFrame() if self.result is None else self.result.decisions.to_dataframe()

    def map_geodataframe(self) -> Any:
        """Return the districts with the shown metric at the shown hour."""
        gdf = self._districts.copy()
        if self.result is not None:
            values = vz.district_values(self.result.dataset, self.metric, self.hour)
            gdf[f"{self.metric}_h{self.hour}"] = gdf["code"].astype(str).map(values)
        return gdf

    def comparison(self) -> pd.DataFrame:
        """Return the KPIs of run A (kept) and the current run side by side."""
        if self.result is None or self.reference is None:
            return pd.DataFrame()
        return vz.kpi_comparison([self.reference.kpis, self.result.kpis], self._run_names())

    def _run_names(self) -> list[str]:
        def name(r: Any, tag: str) -> str:
            return f"{tag}: {r.scenario}/{r.mechanism}/seed {r.seed}"

        return [name(self.reference, "A"), name(self.result, "B")]

    # -- rendering ---------------------------------------------------------------------------

    def _refresh_all(self) -> None:
        self._relabel()
        self._redraw_map()
        self._redraw_load()
        if self._below_shown:
            self._redraw_below()

    def _redraw_below(self) -> None:
        self._redraw_kpis()
        self._redraw_decisions()
        self._redraw_compare()

    def _show_below(self) -> None:
        """Draw the tabs below the map (served: once the page is on screen)."""
        self._below_shown = True
        self._redraw_below()

    def deck(self) -> Any:
        """Return the pydeck ``Deck`` of the district map as currently shown."""
        ds = None if self.result is None else self.result.dataset
        return vz.district_metric_deck(
            self._districts,
            ds,
            self.metric,
            self.hour,
            selected=self.selected_district or None,
            dark=self.theme == "dark",
        )

    def _redraw_map(self, *_: Any) -> None:
        spec = deck_spec(self.deck())
        if self._map.object:
            spec["initialViewState"] = self._map.object.get(
                "initialViewState", spec["initialViewState"]
            )
        self._map.object = spec
        metric = labels.label(self.metric, self.language)
        caption = f"**{metric}** {common.label('at_hour', self.language)} **{self.hour}**"
        low = high = None
        if self.result is not None:
            values = vz.district_values(self.result.dataset, self.metric, self.hour)
            low, high = float(values.min()), float(values.max())
        self._map_caption.object = caption
        self._legend.object = district_legend(metric, low, high, self.language, self.theme)

    def _redraw_load(self, *_: Any) -> None:
        if self.result is None:
            self._load.object = None
            return
        self._load.object = vz.load_capacity_figure(
            self.result.dataset,
            district=self.selected_district or None,
            hour=self.hour,
            theme=self.theme,
        )

    def _redraw_kpis(self) -> None:
        if self.result is None:
            self._kpi_table.value = pd.DataFrame(columns=["code", *KPI_COLUMNS])
            return
        self._kpi_table.value = kpi_display(self.result.kpis, self.language)
        self._redraw_prices()

    def _redraw_prices(self) -> None:
        res = self.result
        ds = res.dataset
        self._prices_fig.object = vz.prices_figure(ds, theme=self.theme)
        self._payments_fig.object = vz.payments_figure(ds, theme=self.theme)
        self._cost_table.value = _rounded(vz.cost_frame(ds, res.kpis))
        k = res.kpis["value"]
        self._gap_md.object = (
            f"**{res.mechanism}**: total cost {k['total_cost_cny']:,.0f} CNY, "
            f"{k['gap_to_oracle']:.1%} above the perfect-foresight oracle (a bound no "
            f"mechanism can reach); payments settled {k['payments_cny']:,.0f} CNY."
        )

    def _redraw_decisions(self, *_: Any) -> None:
        df = self.decision_frame()
        if df.empty:
            self._decisions.value = df
            self._decisions_md.object = ""
            return
        df = df[df["step"] == self.hour]
        where = ""
        if self.selected_district:
            df = df[df["claimant"].astype(str).str.contains(self.selected_district, regex=False)]
            where = f", claims naming district {self.selected_district}"
        self._decisions_md.object = f"{len(df)} decisions at hour {self.hour}{where}"
        self._decisions.value = df.reset_index(drop=True)

    def _redraw_compare(self, *_: Any) -> None:
        table = self.comparison()
        self._compare_table.value = _rounded(table.reset_index()) if not table.empty else table
        if table.empty:
            self._compare_fig.object = None
            return
        self._compare_fig.object = vz.compare_runs_figure(
            [self.reference.dataset, self.result.dataset],
            self._run_names(),
            self.metric,
            theme=self.theme,
        )

    def _relabel(self, *_: Any) -> None:
        lang = self.language
        self._title.object = f"## {common.label('lab_title', lang)}"
        self._run_button.label = common.label("run", lang)
        self._keep_button.label = common.label("keep_ref", lang)
        self._cancel_button.label = common.label("cancel", lang)
        if self.result is None:
            self._progress_md.object = self._progress_md.object or common.label("no_run", lang)
        titles = [common.label(k, lang) for k in ("kpis", "decisions", "compare_runs", "prices")]
        if list(self._tabs._names) != titles:
            objects = list(self._tabs.objects)
            self._tabs[:] = list(zip(titles, objects, strict=True))
        self._label_settings()
        self._kpi_table.titles = labels.column_titles(["code", *KPI_COLUMNS], lang)
        if self.result is not None:
            self._kpi_table.value = kpi_display(self.result.kpis, lang)

    # -- linked selection --------------------------------------------------------------------

    def _on_click(self, event: param.parameterized.Event) -> None:
        state = event.new or {}
        if state.get("layer") != "districts" or state.get("index") is None:
            return
        codes = self._districts["code"].astype(str).tolist()
        idx = int(state["index"])
        if 0 <= idx < len(codes):
            code = codes[idx]
            self.selected_district = "" if code == self.selected_district else code


#: The settings of the run the lab opens with: its default controls.
OPENING_RUN: dict[str, Any] = {"scenario": "baseline", "mechanism": "lp", "seed": 0, "hours": 24}


@functools.lru_cache(maxsize=1)
def baseline_run() -> Any:
    """Return the run the lab opens with (:data:`OPENING_RUN`, cached per process).

    The lab's default controls, ``lp`` on the baseline day, with its KPIs against the
    no-coordination run on the same seed: what the controls show is what the page shows.
    """
    return run_lab_job(**OPENING_RUN)


def run_lab_job(scenario: str, mechanism: str, seed: int, hours: int) -> Any:
    """Run the model and, unless the mechanism is ``none``, its no-coordination baseline.

    A module-level function, so that it runs in a worker process (or on Dask).

    Parameters
    ----------
    scenario, mechanism, seed, hours
        The run's settings.

    Returns
    -------
    workbench.citymodel.RunResult
        The run, with KPIs against the no-coordination run on the same seed.
    """
    from workbench.citymodel import run

    if mechanism == "none":
        return run(scenario, mechanism=mechanism, seed=seed, hours=hours)
    base = run(scenario, mechanism="none", seed=seed, hours=hours)
    return run(scenario, mechanism=mechanism, seed=seed, hours=hours, baseline=base)


def kpi_display(kpis: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Return a run's KPIs for reading: the run and no coordination side by side, labelled.

    Parameters
    ----------
    kpis
        ``RunResult.kpis`` (index ``kpi``; ``value``, ``baseline_none``, ``ratio_to_none``,
        ``unit``, ``better``).
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    pandas.DataFrame
        ``code`` and the columns of :data:`KPI_COLUMNS`, the KPI's name in words in ``kpi``,
        numbers to four significant figures (the table's headers come from
        :func:`workbench.labels.column_titles`).
    """
    frame = _rounded(kpis.reset_index())
    frame.insert(0, "code", frame["kpi"].astype(str))
    frame["kpi"] = [labels.label(k, language) for k in frame["code"]]
    return frame


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Round float columns to 4 significant digits for display (downloads keep full values)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [float(f"{v:.4g}") if pd.notna(v) else v for v in out[col]]
    return out


def common_unknown(kind: str, name: str, options: list[str]) -> str:
    """Return the standard unknown-name message (with suggestions) for a picker value."""
    from workbench.errors import unknown_name

    return unknown_name(kind, name, options)
