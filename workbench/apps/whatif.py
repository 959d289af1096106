"""Instant what-if: knob sliders answered by the world model while they move.

A :class:`WhatIfPane` loads a trained :class:`~workbench.worldmodel.WorldModel` (by default
the shipped Shanghai heatwave emulator), shows one slider per knob and redraws every KPI's
mean and 90% interval on each slider move (sub-millisecond predictions), and, when the model
has a trajectory emulator, the hourly city load and largest district's load with their bands.
"Verify with the full model" runs the city model at the current setting off the UI thread and
marks where it landed; the goal-seeking form searches the knobs with the emulator and verifies
the answer (refining the emulator near an answer the model does not confirm).
The pane holds no model logic; figures come from :mod:`workbench.viz.worldmodel`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import panel as pn
import param

from workbench.apps import common
from workbench.viz import worldmodel as vz

if TYPE_CHECKING:
    from workbench.worldmodel import WorldModel

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "worldmodel" / "trained" / "heatwave_lp"
"""The shipped emulator (rebuilt by ``sample_data/build_worldmodel.py``)."""
TABLE_COLUMNS = ("kpi", "mean", "lo", "hi", "full_model", "in_interval")


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of a model folder's files (a changed file reloads)."""
    try:
        return tuple(
            (f.name, f.stat().st_size, f.stat().st_mtime_ns)
            for f in sorted(folder.iterdir())
            if f.is_file()
        )
    except OSError:
        return ()


@functools.lru_cache(maxsize=4)
def _loaded(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> WorldModel:
    from workbench.worldmodel import WorldModel

    return WorldModel.load(folder)


def shared_model(folder: str | Path) -> WorldModel:
    """Return the world model saved in ``folder``, loaded once per process and shared.

    Every session's what-if pane reads the same model (the pane never changes it), so a new
    session neither reads the files again nor re-factorises the emulator's Gaussian processes
    (about half a second of the serving loop per session). A file changed on disk is loaded
    again.

    Parameters
    ----------
    folder
        A trained world model's folder.

    Returns
    -------
    workbench.worldmodel.WorldModel
        The model (treat as read-only).
    """
    path = Path(folder).resolve()
    return _loaded(str(path), _stamp(path))


class WhatIfPane(pn.viewable.Viewer):
    """Knob sliders, the emulator's answer with intervals, verification and goal seeking.

    Parameters
    ----------
    model
        Folder of a trained world model (default: the shipped heatwave emulator) or a
        loaded :class:`~workbench.worldmodel.WorldModel`.
    """

    theme: param.Selector[str] = param.Selector(default="light", objects=["light", "dark"])
    verify_seeds = param.Integer(default=1, bounds=(1, 10), doc="seeds of a verification")

    def __init__(self, model: Any = None, **params: Any) -> None:
        super().__init__(**params)
        from workbench.worldmodel import WorldModel

        self.status = common.StatusArea()
        self.wm: WorldModel | None = None
        self._message = pn.pane.Markdown("", margin=(0, 10), css_classes=["whatif-message"])
        try:
            if isinstance(model, WorldModel):
                self.wm = model
            else:
                self.wm = shared_model(model or DEFAULT_MODEL)
        except Exception as exc:  # noqa: BLE001 - shown in the pane, never a traceback
            self._message.object = (
                f"No world model loaded ({exc}). Train one with `workbench worldmodel train` "
                "or rebuild the shipped one with `python sample_data/build_worldmodel.py`."
            )
        self.delivered: dict[str, float] = {}
        self._build()

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self._sliders: dict[str, pn.widgets.FloatSlider] = {}
        if self.wm is None:
            self._layout = pn.Column(self._message, sizing_mode="stretch_width")
            return
        wm = self.wm
        for name, k in wm.knobs.items():
            s = pn.widgets.FloatSlider(
                label=f"{name} ({k.get('unit', '')})",
                start=float(k["min"]),
                end=float(k["max"]),
                value=float(k["default"]),
                step=(float(k["max"]) - float(k["min"])) / 100,
                sizing_mode="stretch_width",
                css_classes=[f"knob-{name}"],
            )
            s.param.watch(self._on_move, "value")
            self._sliders[name] = s
        self._baseline = wm.predict()
        self._fig = vz.whatif_figure(
            vz.whatif_columns(self._baseline, self._baseline), theme=self.theme
        )
        self._src = self._fig.select_one({"name": "whatif"})
        self._plot = pn.pane.Bokeh(self._fig, sizing_mode="stretch_width")
        self._traj_src = None
        plots: list[Any] = [self._plot]
        if wm.trajectory is not None:
            traj = vz.trajectory_figure(
                vz.trajectory_columns(wm.predict_trajectory()), theme=self.theme
            )
            self._traj_src = traj.select_one({"name": "trajectory"})
            plots.append(
                pn.Column(
                    pn.pane.Bokeh(traj, sizing_mode="stretch_width"),
                    sizing_mode="stretch_width",
                    css_classes=["whatif-trajectory"],
                )
            )
        self._table = pn.widgets.Tabulator(
            pd.DataFrame(columns=list(TABLE_COLUMNS)),
            disabled=True,
            show_index=False,
            sizing_mode="stretch_width",
            css_classes=["whatif-table"],
            pagination=None,
        )
        self._verify_button = pn.widgets.Button(label="Verify with the full model", color="primary")
        self._verify_button.on_click(lambda _e: self.verify_async())
        self._goal = pn.widgets.TextInput(label="Goal", value="carbon_t <= 0.85 * baseline")
        self._vary = pn.widgets.MultiChoice(
            label="Vary",
            options=list(wm.knobs),
            value=[k for k in ("carbon_price", "battery_factor") if k in wm.knobs]
            or list(wm.knobs)[:1],
        )
        self._objective = pn.widgets.Select(
            label="Minimise", options=list(wm.kpis), value=wm.kpis[0]
        )
        self._seek_button = pn.widgets.Button(label="Seek", color="success")
        self._seek_button.on_click(lambda _e: self.seek_async())
        self._seek_md = pn.pane.Markdown("", css_classes=["seek-result"])
        self._message.object = (
            f"World model of **{wm.scenario}** under **{wm.mechanism}** ({wm.hours} h runs, "
            f"{wm.info.get('runs', '?')} training runs). Move a slider: the emulator answers "
            "at once; bars are 90% intervals."
        )
        self._layout = pn.Column(
            "### Instant what-if (world model)",
            self._message,
            self.status.alert,
            pn.Row(
                pn.Column(*self._sliders.values(), self._verify_button, min_width=280),
                pn.Column(*plots, self._table, sizing_mode="stretch_width"),
                sizing_mode="stretch_width",
            ),
            pn.Card(
                pn.Row(self._goal, self._vary, self._objective),
                self._seek_button,
                self._seek_md,
                title="Goal seeking",
                collapsed=False,
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
            css_classes=["whatif-pane"],
        )
        self._redraw()

    def __panel__(self) -> pn.viewable.Viewable:
        """Return the pane."""
        return self._layout

    # -- emulator ----------------------------------------------------------------------------

    def _model(self) -> WorldModel:
        """Return the loaded world model; raise a clear error when none could be loaded."""
        if self.wm is None:
            msg = (
                "WhatIfPane: no world model is loaded (see the pane's message for why); "
                "got wm=None. Pass `model=` a trained world model's folder or a WorldModel."
            )
            raise RuntimeError(msg)
        return self.wm

    def settings(self) -> dict[str, float]:
        """Return the knob values the sliders show."""
        out: dict[str, float] = {}
        for k, s in self._sliders.items():
            v = s.value
            if v is None:  # a FloatSlider is built with a value and never cleared
                msg = f"WhatIfPane.settings(): slider {k!r} has no value; got None."
                raise RuntimeError(msg)
            out[k] = float(v)
        return out

    def set_knobs(self, **values: float) -> None:
        """Move sliders (as a user would); the chart follows."""
        for k, v in values.items():
            self._sliders[k].value = float(v)

    def prediction(self) -> dict[str, dict[str, float]]:
        """Return the emulator's answer at the sliders' setting."""
        return self._model().predict(**self.settings())

    def table(self) -> pd.DataFrame:
        """Return the shown table (KPI, mean, lo, hi, full model, inside the interval)."""
        pred = self.prediction()
        rows = []
        for k, p in pred.items():
            d = self.delivered.get(k)
            rows.append(
                {
                    "kpi": k,
                    "mean": p["mean"],
                    "lo": p["lo"],
                    "hi": p["hi"],
                    "full_model": d,
                    "in_interval": None if d is None else bool(p["lo"] <= d <= p["hi"]),
                }
            )
        return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))

    def _on_move(self, *_: Any) -> None:
        self.delivered = {}
        self._redraw()

    def _redraw(self) -> None:
        pred = self.prediction()
        self._src.data = vz.whatif_columns(pred, self._baseline, self.delivered)
        if self._traj_src is not None:
            ds = self._model().predict_trajectory(**self.settings())
            self._traj_src.data = vz.trajectory_columns(ds)
        frame = self.table()
        num = ["mean", "lo", "hi", "full_model"]
        frame[num] = frame[num].astype(float).map(lambda v: float(f"{v:.4g}"))
        self._table.value = frame

    # -- full model --------------------------------------------------------------------------

    def verify(self) -> dict[str, float]:
        """Run the full model at the current setting (``verify_seeds`` seeds; mean KPIs)."""
        from workbench.worldmodel.training import run_design

        wm = self._model()
        seeds = [20_000 + i for i in range(self.verify_seeds)]
        runs = run_design(
            wm.scenario,
            pd.DataFrame([self.settings()]),
            seeds,
            wm.mechanism,
            wm.hours,
            kpis=wm.kpis,
        )
        return {k: float(runs[k].mean()) for k in wm.kpis}

    def _show_verify(self, delivered: dict[str, float] | None) -> None:
        if delivered is None:
            return
        self.delivered = delivered
        self._redraw()
        inside = self.table()["in_interval"].sum()
        self._message.object = (
            f"Full model ({self.verify_seeds} seed(s)) at this setting: {inside} of "
            f"{len(delivered)} KPIs inside the emulator's 90% interval (red diamonds)."
        )

    def verify_async(self):
        """Verify off the UI thread; returns the running ``Future``."""
        self._message.object = "Running the full model at this setting…"
        return common.run_in_background(
            self.verify, self._show_verify, status=self.status, busy=self._busy
        )

    def _busy(self, on: bool) -> None:
        self._verify_button.disabled = on
        self._seek_button.disabled = on

    # -- goal seeking ------------------------------------------------------------------------

    def seek(self) -> Any:
        """Seek the form's goal (verified with ``verify_seeds`` full-model seeds)."""
        from workbench.worldmodel import seek

        fixed = {k: v for k, v in self.settings().items() if k not in self._vary.value}
        goal = self._goal.value
        if goal is None:  # a TextInput holds "" when cleared, never None
            msg = "WhatIfPane.seek(): the Goal field has no value; got None. Type a goal."
            raise RuntimeError(msg)
        return seek(
            self._model(),
            goal,
            list(self._vary.value),
            minimise=self._objective.value,
            fixed=fixed,
            verify_seeds=self.verify_seeds,
        )

    def _show_seek(self, res: Any) -> None:
        if res is None:
            return
        lines = [f"**{res.message}**", ""]
        lines.append(", ".join(f"{k} = {v:.4g}" for k, v in res.settings.items()))
        for r in res.rounds:
            verdict = "confirmed" if r.confirmed else "not confirmed"
            lines += [
                "",
                f"- round {r.round} ({r.training_runs} training runs): {verdict}"
                + (f", {r.added_runs} runs added near the answer" if r.added_runs else ""),
            ]
        if res.reachable and res.delivered is not None:
            comp = res.to_dataframe()
            lines += ["", comp.to_markdown(floatfmt=".4g") if _has_tabulate() else str(comp)]
        self._seek_md.object = "\n".join(lines)
        if res.reachable:
            for k in self._vary.value:
                self._sliders[k].value = float(res.settings[k])
            if res.delivered is not None:
                kpis = self._model().kpis
                self.delivered = {k: float(res.delivered[k].mean()) for k in kpis}
                self._redraw()

    def seek_async(self):
        """Seek off the UI thread; returns the running ``Future``."""
        self._seek_md.object = "Searching with the emulator, then running the full model…"
        return common.run_in_background(
            self.seek, self._show_seek, status=self.status, busy=self._busy
        )


def _has_tabulate() -> bool:
    import importlib.util

    return importlib.util.find_spec("tabulate") is not None


def attach_whatif(lab: Any) -> WhatIfPane | None:
    """Add an "Instant what-if" card to a Coordination Lab's main area.

    The card sits below the fold: in a served page its content (sliders and two figures,
    about a fifth of the page's models) is built and sent once the page is on screen, so the
    map and the load chart above it are drawn first. ``lab.whatif`` is the pane once built.
    """
    from workbench.apps import common

    lab.whatif = None

    def build() -> WhatIfPane:
        lab.whatif = WhatIfPane(theme=getattr(lab, "theme", "light"))
        return lab.whatif

    card = pn.Card(
        common.below_the_fold(build),
        title="Instant what-if (world model)",
        collapsed=False,
        sizing_mode="stretch_width",
        css_classes=["whatif-card"],
    )
    lab._main.append(card)  # noqa: SLF001 - the lab owns the layout; this adds one card
    return lab.whatif


__all__ = ["DEFAULT_MODEL", "WhatIfPane", "attach_whatif", "shared_model"]
