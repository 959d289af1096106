"""Figures of the world model (pure: data in, Bokeh figure or plain columns out).

KPIs have different units, so the what-if chart shows each KPI relative to the emulator's
prediction at the scenario as written (1 = no change): a bar from ``lo`` to ``hi`` (the 90%
interval), a dot at the mean, and a diamond where a full-model run landed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.viz.theme import COLOURS


def whatif_columns(
    pred: dict[str, dict[str, float]],
    baseline: dict[str, dict[str, float]],
    delivered: dict[str, float] | None = None,
) -> dict[str, list[Any]]:
    """Columns of the what-if chart: one row per KPI, values relative to the baseline mean.

    Parameters
    ----------
    pred
        ``WorldModel.predict(...)`` at the current setting.
    baseline
        ``WorldModel.predict()`` at the scenario's defaults.
    delivered
        Optional full-model KPI values at the current setting (NaN when absent).
    """
    kpis = list(pred)
    den = [baseline[k]["mean"] if abs(baseline[k]["mean"]) > 1e-12 else 1.0 for k in kpis]
    cols: dict[str, list[Any]] = {
        "kpi": kpis,
        "mean": [pred[k]["mean"] / d for k, d in zip(kpis, den, strict=True)],
        "lo": [pred[k]["lo"] / d for k, d in zip(kpis, den, strict=True)],
        "hi": [pred[k]["hi"] / d for k, d in zip(kpis, den, strict=True)],
        "value": [pred[k]["mean"] for k in kpis],
        "value_lo": [pred[k]["lo"] for k in kpis],
        "value_hi": [pred[k]["hi"] for k in kpis],
    }
    d = delivered or {}
    cols["model"] = [
        d[k] / dd if k in d and np.isfinite(d[k]) else np.nan
        for k, dd in zip(kpis, den, strict=True)
    ]
    return cols


def whatif_figure(columns: dict[str, list[Any]], *, theme: str = "light") -> Any:
    """Horizontal interval chart of :func:`whatif_columns` (a Bokeh figure with one source).

    Update it while sliders move by assigning new columns to ``fig.select_one({"name":
    "whatif"}).data`` (a few numbers per KPI).
    """
    from bokeh.models import ColumnDataSource, FactorRange, HoverTool

    # bokeh's stub of bokeh.models does not re-export Span: import it from where it is defined
    from bokeh.models.annotations.geometry import Span
    from bokeh.plotting import figure

    from workbench.viz.theme import palette

    src = ColumnDataSource(columns, name="whatif")
    fig = figure(
        y_range=FactorRange(factors=list(reversed(columns["kpi"]))),
        height=40 + 34 * len(columns["kpi"]),
        sizing_mode="stretch_width",
        title="Emulator: KPI relative to the scenario as written (bar: 90% interval)",
        x_axis_label="ratio to the scenario as written",
        toolbar_location=None,
    )
    fig.hbar(
        y="kpi", left="lo", right="hi", height=0.5, source=src, alpha=0.45, color=COLOURS["blue"]
    )
    dots = fig.scatter(x="mean", y="kpi", size=9, source=src, color=palette(theme)["text"])
    fig.scatter(
        x="model",
        y="kpi",
        size=12,
        marker="diamond",
        source=src,
        color=COLOURS["red"],
        legend_label="full model",
    )
    fig.add_layout(Span(location=1.0, dimension="height", line_dash="dashed", line_alpha=0.6))
    fig.add_tools(
        HoverTool(
            renderers=[dots],
            tooltips=[
                ("KPI", "@kpi"),
                ("mean", "@value{0.000a}"),
                ("90%", "@value_lo{0.000a} – @value_hi{0.000a}"),
            ],
        )
    )
    fig.legend.location = "bottom_right"
    from workbench.viz.theme import style_figure

    return style_figure(fig, theme)


TRAJECTORY_LABELS = {"city_load_mw": "city load", "district_peak_mw": "largest district"}
"""Legend labels of the emulated hourly curves."""
TRAJECTORY_COLORS = {"city_load_mw": COLOURS["blue"], "district_peak_mw": COLOURS["orange"]}


def trajectory_columns(ds: Any) -> dict[str, list[float]]:
    """Columns of the hourly chart from ``WorldModel.predict_trajectory(...)``.

    One row per hour: ``time`` and, per metric, ``<metric>``, ``<metric>_lo``, ``<metric>_hi``.
    """
    from workbench import dims

    cols: dict[str, list[float]] = {"time": ds[dims.TIME].to_numpy().astype(float).tolist()}
    for m in ds[dims.METRIC].to_numpy().tolist():
        for name, suffix in (("mean", ""), ("lo", "_lo"), ("hi", "_hi")):
            cols[f"{m}{suffix}"] = ds[name].sel({dims.METRIC: m}).to_numpy().tolist()
    return cols


def trajectory_figure(columns: dict[str, list[float]], *, theme: str = "light") -> Any:
    """Hourly curves with their 90% bands (a Bokeh figure with one source named "trajectory").

    Update it while sliders move by assigning new :func:`trajectory_columns` to
    ``fig.select_one({"name": "trajectory"}).data``.
    """
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    src = ColumnDataSource(columns, name="trajectory")
    fig = figure(
        height=230,
        sizing_mode="stretch_width",
        title="Emulator: hourly grid import (band: 90% interval)",
        x_axis_label="hour of the run",
        y_axis_label="MW",
        toolbar_location=None,
    )
    metrics = [k for k in columns if k != "time" and not k.endswith(("_lo", "_hi"))]
    for m in metrics:
        color = TRAJECTORY_COLORS.get(m, COLOURS["green"])
        label = TRAJECTORY_LABELS.get(m, m)
        fig.varea(x="time", y1=f"{m}_lo", y2=f"{m}_hi", source=src, alpha=0.25, color=color)
        fig.line(x="time", y=m, source=src, line_width=2, color=color, legend_label=label)
    fig.legend.location = "top_left"
    from workbench.viz.theme import style_figure

    return style_figure(fig, theme)


__all__ = ["trajectory_columns", "trajectory_figure", "whatif_columns", "whatif_figure"]
