"""Siting Studio: plan "2+M+X" compute layouts for Shanghai on a map, solve, keep and compare.

A :class:`SitingStudio` is a ``pn.viewable.Viewer``: its state is a set of declared, bounded
parameters (latency budgets, budget, sites per tier, prices, the selected site); the widgets
are built from those parameters; the solve runs the siting engine off the UI thread. The app
holds no siting logic: it calls :mod:`workbench.siting` and draws with :mod:`workbench.viz.siting`.

Use it inline (``display(SitingStudio())`` or ``pn.ipywidget(SitingStudio())``) or served at
``/siting`` by ``workbench serve``.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pandas as pd
import panel as pn
import param

from workbench import labels
from workbench.apps import common
from workbench.apps.base import WorkbenchApp
from workbench.apps.siting_latency import LatencyRoutingPane
from workbench.apps.siting_views import (
    SETTINGS,
    Kept,
    PlanView,
    load_inputs,
    plan_key,
    scenario_defaults,
    scenario_with,
    side_by_side,
    solve_plan,
    solve_plan_job,
    study_area,
)
from workbench.errors import SpecError
from workbench.viz import siting as vz
from workbench.viz.legends import siting_legend
from workbench.viz.theme import card_style

common.add_labels(
    {
        "siting_title": {"en": "Siting Studio", "zh": "算力选址工作室"},
        "solve": {"en": "Solve", "zh": "求解"},
        "keep": {"en": "Keep plan", "zh": "保留方案"},
        "clear_plans": {"en": "Clear kept plans", "zh": "清除方案"},
        "no_plan": {
            "en": "No plan yet: set the controls and press Solve.",
            "zh": "尚无方案：设置参数后点击求解。",
        },
        "coverage": {"en": "Coverage within budget", "zh": "预算内覆盖率"},
        "latency_p50": {"en": "Latency p50", "zh": "时延中位数"},
        "latency_p95": {"en": "Latency p95", "zh": "时延p95"},
        "capex": {"en": "Capex", "zh": "资本支出"},
        "energy": {"en": "Energy cost / yr", "zh": "年能源成本"},
        "tpw": {"en": "Tokens per watt", "zh": "每瓦词元"},
        "carbon": {"en": "Carbon / yr", "zh": "年碳排放"},
        "site": {"en": "Site", "zh": "站点"},
        "compare": {"en": "Kept plans", "zh": "已保留方案"},
        "compare_default": {"en": "Compare with default", "zh": "与默认方案对比"},
        "default_plan": {"en": "Default plan", "zh": "默认方案"},
        "default_loading": {
            "en": "Loading the default plan (solved at server start)…",
            "zh": "正在载入默认方案（服务启动时求解）…",
        },
        "tab_sites": {"en": "Sites", "zh": "站点"},
        "tab_latency": {"en": "Latency", "zh": "时延"},
        "tab_service": {"en": "Latency by class", "zh": "分类时延"},
        "tab_compare": {"en": "Compare", "zh": "方案对比"},
        "click_site": {"en": "Click a site on the map.", "zh": "点击地图上的站点。"},
    }
)

#: Parameters kept in the page URL: the planning settings, the selected site and the display.
URL_PARAMS = (*SETTINGS, "selected_site", "theme", "language")


class SitingStudio(WorkbenchApp):
    """Interactive "2+M+X" compute-siting planner over the Shanghai sample scenario.

    Parameters
    ----------
    inputs
        Optional ``{"demand", "sites", "scenario", "districts"}`` to plan over; the shipped
        Shanghai sample by default.
    **params
        Initial values of the declared parameters.
    """

    edge_latency_ms = param.Number(
        default=5.0, bounds=(0.5, 50.0), step=0.5, doc="Latency budget to an edge node (ms)."
    )
    dc_latency_ms = param.Number(
        default=20.0, bounds=(0.5, 100.0), step=0.5, doc="Latency budget to a data centre (ms)."
    )
    hub_latency_ms = param.Number(
        default=30.0, bounds=(1.0, 200.0), step=1.0, doc="Latency budget to a core hub (ms)."
    )
    budget_mcny = param.Number(
        default=5000.0, bounds=(0.0, 1_000_000.0), step=100.0, doc="Capex budget (million CNY)."
    )
    n_hub = param.Integer(default=2, bounds=(0, 20), doc="Core hubs to open (the '2').")
    n_edge = param.Integer(
        default=20, bounds=(0, 1000), doc="Edge nodes to open at most (the 'M')."
    )
    n_dc = param.Integer(
        default=3, bounds=(0, 200), doc="Data centres to upgrade at most (the 'X')."
    )
    electricity_price = param.Number(
        default=0.7, bounds=(0.0, 5.0), step=0.05, doc="Electricity price (CNY/kWh)."
    )
    carbon_price = param.Number(
        default=0.0, bounds=(0.0, 2000.0), step=10.0, doc="Carbon price (CNY per tonne CO2)."
    )
    time_limit = param.Number(
        default=60.0, bounds=(0.5, 600.0), step=0.5, doc="Solver time limit (seconds)."
    )
    area = param.ListSelector(
        default=[],
        objects=[],
        doc="District codes of the study area (demand and sites there, plus every hub); "
        "empty for the whole city.",
    )
    selected_site = param.String(default="", doc="Id of the site selected on the map.")
    solver_status = param.String(default="", constant=True, doc="Status of the last solve.")
    n_kept = param.Integer(default=0, bounds=(0, None), constant=True, doc="Plans kept.")
    preload = param.Boolean(
        default=True,
        doc="Open with the default plan on screen (solved once at server start, memoised).",
    )

    def __init__(self, inputs: dict[str, Any] | None = None, **params: Any) -> None:
        self._inputs_id = "sample" if inputs is None else f"custom-{id(inputs)}"
        self._inputs = inputs if inputs is not None else load_inputs()
        defaults = scenario_defaults(self._inputs["scenario"])
        for key, value in defaults.items():
            params.setdefault(key, value)
        codes = [str(c) for c in self._inputs["districts"]["code"]]
        self.param.area.objects = codes
        super().__init__(**params)
        self.plan: PlanView | None = None
        self.default_plan: PlanView | None = None
        self._compare_lock = threading.RLock()
        self.kept: list[Kept] = []
        self._build()
        self.param.watch(self._redraw_map, ["selected_site", "theme"])
        self.param.watch(self._redraw_detail, ["selected_site", "language"])
        self.param.watch(self._restyle, ["theme"])
        self.param.watch(self._relabel, ["language"])
        self._map.param.watch(self._on_click, "click_state")
        self._refresh_all()
        self._every(1.0, self._show_queue)
        if common.sync_url(self, URL_PARAMS):
            self.language = common.language_from_session(self.language)
        if self.preload and self._inputs_id == "sample":
            common.on_page_load(self._preload_default)

    # -- the default plan on first open --------------------------------------------------------

    def default_settings(self) -> dict[str, Any]:
        """Return the settings the app opens with (the scenario file's, then the declared)."""
        from workbench.apps.first_open import default_siting_settings

        return default_siting_settings(self._inputs["scenario"])

    def _preload_default(self) -> None:
        """Open with the default plan: from the server's memo (or disk), else solved once."""
        if self.settings() == self.default_settings():
            self.load_default()

    def load_default(self) -> Future:
        """Fetch the default plan (memoised at server start and on disk) and show it.

        It becomes the plan on screen when the controls still hold the default settings, and
        is the reference of :meth:`compare_with_default` in any case.

        Returns
        -------
        concurrent.futures.Future
            The session's claim on the default plan.
        """
        from workbench.apps.first_open import default_plan_job

        settings = self.default_settings()
        if self.plan is None:
            self._status_md.object = f"⏳ {common.label('default_loading', self.language)}"
        return self.jobs.submit_heavy(
            "default",
            plan_key(settings, "sample"),
            default_plan_job,
            (settings,),
            self._show_default,
        )

    def _show_default(self, view: PlanView) -> None:
        self.default_plan = view
        if self.plan is None and self.settings() == self.default_settings():
            self._show_plan(view)
        else:
            self._refresh_compare()

    def compare_with_default(self) -> str:
        """Keep the current plan beside the default plan and open the comparison.

        Returns
        -------
        str
            The name the current plan was kept under.
        """
        if self.default_plan is None and self._inputs_id == "sample":
            self.load_default()
        name = self.keep_plan(self._plan_name())
        self._tabs.active = 3
        return name

    def _plan_name(self) -> str:
        """Name a kept plan by the settings that differ from the default ones."""
        if self._inputs_id != "sample":
            return f"Plan {len(self.kept) + 1}"
        default = self.default_settings()
        changed = [
            f"{labels.label(k, self.language)} = {v}"
            for k, v in self.settings().items()
            if v != default.get(k) and k != "area"
        ]
        if sorted(self.area) != sorted(default.get("area") or []):
            changed.append(labels.label("area", self.language))
        return "; ".join(changed) or common.label("default_plan", self.language)

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        lang = self.language
        self._solve_button = pn.widgets.Button(label=common.label("solve", lang), color="primary")
        common.on_click(self._solve_button, self.solve_async)
        self._keep_button = pn.widgets.Button(label=common.label("keep", lang), disabled=True)
        common.on_click(self._keep_button, self.keep_plan)
        self._clear_button = pn.widgets.Button(label=common.label("clear_plans", lang))
        common.on_click(self._clear_button, self.clear_plans)
        self._spinner = pn.indicators.LoadingSpinner(value=False, size=28)
        self._cancel_button = pn.widgets.Button(
            label=common.label("cancel", lang), visible=False, css_classes=["cancel-solve"]
        )
        common.on_click(self._cancel_button, self.cancel_solve)
        self._status_md = pn.pane.Markdown("", margin=(0, 10), css_classes=["solver-status"])
        kinds: dict[str, Any] = {
            "edge_latency_ms": pn.widgets.FloatInput,
            "dc_latency_ms": pn.widgets.FloatInput,
            "hub_latency_ms": pn.widgets.FloatInput,
            "budget_mcny": pn.widgets.FloatInput,
            "n_hub": pn.widgets.IntInput,
            "n_edge": pn.widgets.IntInput,
            "n_dc": pn.widgets.IntInput,
            "electricity_price": pn.widgets.FloatSlider,
            "carbon_price": pn.widgets.FloatSlider,
            "time_limit": pn.widgets.FloatInput,
            "area": pn.widgets.MultiChoice,
        }
        controls = pn.Param(
            self.param,
            parameters=list(SETTINGS),
            widgets={
                name: {
                    "type": kind,
                    "name": labels.label(name, lang),
                    "css_classes": [f"setting-{name.replace('_', '-')}"],
                }
                for name, kind in kinds.items()
            }
            | {
                "area": {
                    "type": pn.widgets.MultiChoice,
                    "name": labels.label("area", lang),
                    "css_classes": ["setting-area"],
                    # the typed text in the theme's colour (black on dark grey otherwise)
                    "stylesheets": [".choices__input { color: inherit; }"],
                }
            },
            show_name=False,
            sizing_mode="stretch_width",
        )
        self._settings_pane = controls
        self._theme_w, self._lang_w = self._look_widgets()
        self._compare_button = pn.widgets.Button(
            label=common.label("compare_default", lang),
            disabled=True,
            css_classes=["compare-default"],
        )
        common.on_click(self._compare_button, self.compare_with_default)
        self._controls = pn.Column(
            pn.Row(self._theme_w, self._lang_w),
            controls,
            pn.Row(self._solve_button, self._spinner, self._cancel_button),
            self._status_md,
            self._compare_button,
            pn.Row(self._keep_button, self._clear_button),
            sizing_mode="stretch_width",
            min_width=280,
            max_width=340,
        )
        self._map = pn.pane.DeckGL(
            {},
            sizing_mode="stretch_width",
            height=520,
            throttle={"view": 500, "hover": 500},
            css_classes=["siting-map"],
        )
        self._kpis = pn.FlexBox(
            sizing_mode="stretch_width",
            css_classes=["kpi-cards"],
            flex_direction="row",
            flex_wrap="nowrap",
        )
        self._legend = pn.pane.HTML(
            siting_legend(lang, self.theme), sizing_mode="stretch_width", margin=(0, 10)
        )
        self._detail = pn.pane.Markdown(
            "", sizing_mode="stretch_width", css_classes=["site-detail"]
        )
        self._site_table = pn.widgets.Tabulator(
            pd.DataFrame(),
            height=240,
            sizing_mode="stretch_width",
            disabled=True,
            selectable=1,
            show_index=False,
            pagination=None,  # scrolls (virtual rows); pager buttons inside a grid break its roles
            css_classes=["site-table"],
        )
        self._site_table.param.watch(self._on_table_select, "selection")
        self._latency = pn.pane.Bokeh(sizing_mode="stretch_width", height=230)
        self._service = LatencyRoutingPane(theme=self.theme)
        self._compare_table = pn.widgets.Tabulator(
            pd.DataFrame(),
            sizing_mode="stretch_width",
            disabled=True,
            show_index=True,
            height=200,
            css_classes=["compare-table"],
        )
        self._compare_fig = pn.pane.Bokeh(sizing_mode="stretch_width", height=230)
        self._downloads = pn.Row(
            common.download_button(
                self.plan_geodataframe, "siting_plan.geojson", "GeoJSON", icon=None
            ),
            common.download_button(self.plan_dataset, "siting_plan.nc", "NetCDF", icon=None),
            common.download_button(self.plan_table, "siting_assignment.csv", "CSV", icon=None),
            common.download_button(
                self.comparison_table, "siting_plans.csv", "Kept plans CSV", icon=None
            ),
        )
        self._tabs = pn.Tabs(
            (
                common.label("tab_sites", lang),
                pn.Column(self._detail, self._site_table, sizing_mode="stretch_width"),
            ),
            (common.label("tab_latency", lang), self._latency),
            (common.label("tab_service", lang), self._service),
            (common.label("tab_compare", lang), pn.Column(self._compare_table, self._compare_fig)),
            dynamic=True,  # hidden tabs are not in the page (nor in its tab order)
            sizing_mode="stretch_width",
        )
        self._title = pn.pane.Markdown("", margin=(0, 10))
        self._main = pn.Column(
            self._title,
            self.status.alert,
            self._kpis,
            self._legend,
            self._map,
            self._downloads,
            common.below_the_fold(self._tabs),  # sent once the map is on screen
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        """Return the app's layout: controls beside the main area."""
        return pn.Row(self._controls, self._main, sizing_mode="stretch_width")

    # -- solving -----------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """Return the planning settings of the current controls (what a solve uses).

        Returns
        -------
        dict
            Parameter name -> value of the planning parameters.
        """
        return {k: getattr(self, k) for k in SETTINGS}

    def solve(self) -> PlanView:
        """Solve with the current settings, synchronously, and show the plan.

        Returns
        -------
        PlanView
            The plan and its KPIs.
        """
        view = solve_plan(self._inputs, self.settings())
        self._show_plan(view)
        return view

    def solve_async(self) -> Future:
        """Solve in a worker process, shared with every session asking for the same plan.

        The busy indicator spins and the status line shows the solve's place in the queue;
        the page stays responsive, and a plan solved before (by anyone) comes at once.

        Returns
        -------
        concurrent.futures.Future
            The session's claim on the solve (tests may wait on ``.result()``; ``cancel()``
            stops waiting).
        """
        self.status.clear()
        settings = self.settings()
        inputs = None if self._inputs_id == "sample" else self._inputs
        ticket = self.jobs.submit_heavy(
            "solve",
            plan_key(settings, self._inputs_id),
            solve_plan_job,
            (settings, inputs),
            self._show_plan,
        )
        self._show_queue()
        return ticket

    @property
    def _future(self) -> Future | None:
        """The newest solve (kept for code that waits on it)."""
        return self.jobs.future("solve")

    def cancel_solve(self) -> bool:
        """Stop waiting for the current solve; return whether there was one to stop."""
        cancelled = self.jobs.cancel("solve")
        if cancelled:
            self._status_md.object = self.solver_status or common.label("no_plan", self.language)
        return cancelled

    def _show_queue(self) -> None:
        if not self.busy:
            return
        position = self.jobs.position("solve")
        if position:
            text = common.label("queued", self.language).format(n=position)
            self._status_md.object = f"⏳ {text}"

    def _set_busy(self, on: bool) -> None:
        self.busy = on
        self._spinner.value = on
        self._solve_button.disabled = on
        self._cancel_button.visible = on
        if on:
            self._status_md.object = f"⏳ {common.label('busy', self.language)}"
        elif not self.plan and not self.status.message:
            self._status_md.object = common.label("no_plan", self.language)

    def _show_plan(self, view: PlanView) -> None:
        self.plan = view
        self._service.result = view.result
        with param.edit_constant(self):
            self.solver_status = view.status_text()
        self._keep_button.disabled = False
        self._compare_button.disabled = False
        if self.selected_site and self.selected_site not in view.open_sites:
            self.selected_site = ""
        self._refresh_all()

    # -- kept plans --------------------------------------------------------------------------

    def keep_plan(self, name: str | None = None) -> str:
        """Keep the current plan for comparison.

        Parameters
        ----------
        name
            Name of the plan; ``"Plan N"`` by default.

        Returns
        -------
        str
            The name it was kept under.
        """
        if self.plan is None:
            msg = "There is no plan to keep yet: press Solve first, then Keep plan."
            raise SpecError(msg)
        name = name or f"Plan {len(self.kept) + 1}"
        self.kept.append(Kept(name, self.plan, self.settings()))
        with param.edit_constant(self):
            self.n_kept = len(self.kept)
        self._refresh_compare()
        return name

    def clear_plans(self) -> None:
        """Forget every kept plan."""
        self.kept.clear()
        with param.edit_constant(self):
            self.n_kept = 0
        self._refresh_compare()

    def comparison_table(self) -> pd.DataFrame:
        """KPIs and settings of every kept plan (rows) side by side.

        Returns
        -------
        pandas.DataFrame
            One row per kept plan.
        """
        rows = {}
        if self.default_plan is not None:
            default = common.label("default_plan", self.language)
            rows[default] = {
                **self.default_plan.kpi_row(),
                **{f"setting:{s}": v for s, v in self.default_settings().items()},
            }
        for k in self.kept:
            rows[k.name] = {
                **k.view.kpi_row(),
                **{f"setting:{s}": v for s, v in k.settings.items()},
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    # -- data behind the views ---------------------------------------------------------------

    def plan_geodataframe(self) -> Any:
        """Return the opened sites of the plan (GeoDataFrame); all candidates before a solve."""
        if self.plan is None:
            return self._inputs["sites"]
        return self.plan.sites_gdf

    def plan_dataset(self) -> Any:
        """Return the current plan as an xarray Dataset (the engine's ``to_xarray()``)."""
        if self.plan is None:
            msg = "There is no plan to download yet: press Solve first."
            raise SpecError(msg)
        return self.plan.dataset

    def plan_table(self) -> pd.DataFrame:
        """Return the assignment of each demand point (demand id, site id, latency)."""
        if self.plan is None:
            return pd.DataFrame(columns=["demand", "site"])
        return self.plan.assignment_frame()

    # -- rendering ---------------------------------------------------------------------------

    def _refresh_all(self) -> None:
        self._relabel()
        self._redraw_map()
        self._redraw_kpis()
        self._redraw_detail()
        self._redraw_latency()
        self._refresh_compare()

    def deck(self) -> Any:
        """Return the pydeck ``Deck`` of the map as currently shown."""
        return vz.siting_deck(
            self._inputs["districts"],
            self._inputs["demand"],
            self._inputs["sites"],
            open_sites=None if self.plan is None else self.plan.open_sites,
            assignment=None if self.plan is None else self.plan.assignment,
            selected=self.selected_site or None,
            dark=self.theme == "dark",
        )

    def _redraw_map(self, *_: Any) -> None:
        spec = vz.deck_spec(self.deck())
        if self._map.object:
            spec["initialViewState"] = self._map.object.get(
                "initialViewState", spec["initialViewState"]
            )
        self._map.object = spec

    def _redraw_kpis(self) -> None:
        lang = self.language
        cards = []
        values = self.plan.kpi_cards() if self.plan is not None else {}
        for key in ("coverage", "latency_p50", "latency_p95", "capex", "energy", "tpw", "carbon"):
            text = values.get(key, "–")
            cards.append(
                pn.pane.HTML(
                    f"<div class='kpi-card'><div class='kpi-label'>{common.label(key, lang)}</div>"
                    f"<div class='kpi-value'>{text}</div></div>",
                    margin=(4, 4),
                    sizing_mode="stretch_width",
                    # one row of cards that share the width, before a plan as after it
                    styles={**card_style(self.theme), "flex": "1 1 0", "min-width": "0"},
                )
            )
        self._kpis.objects = cards

    def _redraw_detail(self, *_: Any) -> None:
        lang = self.language
        table = self._inputs["sites"]
        cols = [
            c for c in ("id", common.name_column(lang), "tier", "kind", "district") if c in table
        ]
        df = pd.DataFrame(table[cols]).copy()
        df["id"] = df["id"].astype(str)
        if self.plan is not None:
            df = df[df["id"].isin(self.plan.open_sites)]
            served = self.plan.served_by_site()
            df["served_tokens_per_day"] = df["id"].map(served).fillna(0.0).round(0)
        df = df.reset_index(drop=True)
        self._site_table.titles = labels.column_titles(df.columns, lang)
        self._site_table.value = df
        sel = self.selected_site
        if sel and sel in set(df["id"]):
            row = df.index[df["id"] == sel][0]
            if self._site_table.selection != [int(row)]:
                self._site_table.selection = [int(row)]
            self._detail.object = self._site_markdown(sel)
        else:
            if self._site_table.selection:
                self._site_table.selection = []
            self._detail.object = (
                common.label("no_plan", lang)
                if self.plan is None
                else common.label("click_site", lang)
            )

    def _site_markdown(self, site: str) -> str:
        s = self._inputs["sites"]
        row = s[s["id"].astype(str) == site].iloc[0]
        name = row.get(common.name_column(self.language), row.get("name", site))
        tier = vz.TIER_LABELS.get(str(row["tier"]), {}).get(self.language, row["tier"])
        lines = [f"**{common.label('site', self.language)} {site}: {name}** ({tier})"]
        for col in (
            "district",
            "capacity_tokens_per_s",
            "power_kw_max",
            "pue",
            "tokens_per_watt",
            "capex_cny",
        ):
            if col in row:
                lines.append(f"- {col}: {row[col]}")
        if self.plan is not None:
            n = int((self.plan.assignment == site).sum())
            lines.append(f"- demand points served: {n}")
        return "\n".join(lines)

    def _redraw_latency(self) -> None:
        lat = self.plan.latency_ms.tolist() if self.plan is not None else []
        self._latency.object = vz.latency_figure(
            lat, budget_ms=self.edge_latency_ms, theme=self.theme
        )

    def _refresh_compare(self) -> None:
        # the default plan arrives on a worker's thread while a click may keep a plan: one
        # at a time, so the newest table is the one shown
        with self._compare_lock:
            table = self.comparison_table()
            self._compare_table.value = side_by_side(table, self.language)
            metric = "coverage"
            self._compare_fig.object = vz.compare_figure(table, metric, theme=self.theme)

    def _restyle(self, *_: Any) -> None:
        self._legend.object = siting_legend(self.language, self.theme)
        self._redraw_kpis()
        self._redraw_latency()
        self._refresh_compare()

    def _relabel(self, *_: Any) -> None:
        lang = self.language
        self._title.object = f"## {common.label('siting_title', lang)}"
        self._solve_button.label = common.label("solve", lang)
        self._keep_button.label = common.label("keep", lang)
        self._clear_button.label = common.label("clear_plans", lang)
        self._compare_button.label = common.label("compare_default", lang)
        self._cancel_button.label = common.label("cancel", lang)
        self._status_md.object = self.solver_status or common.label("no_plan", lang)
        for name, widget in self._settings_pane._widgets.items():
            if name in SETTINGS:
                widget.name = labels.label(name, lang)
        self._theme_w.name = labels.label("theme", lang)
        self._theme_w.options = {labels.label(t, lang): t for t in common.THEMES}
        self._legend.object = siting_legend(lang, self.theme)
        self._tabs._names = [
            common.label(k, lang)
            for k in ("tab_sites", "tab_latency", "tab_service", "tab_compare")
        ]
        self._tabs.param.trigger("objects")
        self._redraw_kpis()

    # -- linked selection --------------------------------------------------------------------

    def _on_click(self, event: param.parameterized.Event) -> None:
        state = event.new or {}
        if state.get("layer") != "sites" or state.get("index") is None:
            return
        ids = vz.clickable_site_ids(  # the rows of the map's sites layer, as drawn
            self._inputs["sites"],
            open_sites=None if self.plan is None else self.plan.open_sites,
            selected=self.selected_site or None,
        )
        idx = int(state["index"])
        if 0 <= idx < len(ids):
            self.selected_site = ids[idx]

    def _on_table_select(self, event: param.parameterized.Event) -> None:
        if not event.new:
            return
        df = self._site_table.value
        site = str(df.iloc[event.new[0]]["id"])
        if site != self.selected_site:
            self.selected_site = site


__all__ = [
    "URL_PARAMS",
    "PlanView",
    "SitingStudio",
    "load_inputs",
    "scenario_defaults",
    "scenario_with",
    "solve_plan",
    "side_by_side",
    "study_area",
]
