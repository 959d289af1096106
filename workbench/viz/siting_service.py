"""Figures of what a user feels: latency breakdown and routing per request class (pure functions).

Both take the tables of a :class:`~workbench.siting.plan.PlanResult` (``result.latency`` and
``result.routing``) and return Bokeh figures; no state, no Panel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.viz.siting import style_figure
from workbench.viz.theme import COLOURS, NO_TIER_RGB, SITE_TIER_RGB, to_hex

#: Latency components, in the order they are stacked, with their colours.
COMPONENTS = (("network_ms", "network", COLOURS["blue"]),
              ("queueing_ms", "queueing", COLOURS["orange"]),
              ("inference_ms", "inference", COLOURS["green"]))  # fmt: skip
#: Tiers in routing order, with the siting tiers' colours (unserved last, grey).
TIER_COLOURS = (*((t, to_hex(SITE_TIER_RGB[t])) for t in ("edge", "dc", "hub")),
                ("unserved", to_hex(NO_TIER_RGB)))  # fmt: skip


def latency_breakdown_table(latency: pd.DataFrame) -> pd.DataFrame:
    """Return the mean latency components, p95 total and budget per class, rounded."""
    cols = ["request_class", "network_ms", "queueing_ms", "inference_ms", "total_ms",
            "total_p95_ms", "budget_ms"]  # fmt: skip
    if latency is None or len(latency) == 0:
        return pd.DataFrame(columns=cols)
    out = latency[cols].copy()
    for c in cols[1:]:
        out[c] = out[c].astype(float).round(2)
    return out


def latency_breakdown_figure(latency: pd.DataFrame, *, theme: str = "light") -> Any:
    """Stacked bars per request class: network + queueing + inference (token-weighted means).

    Parameters
    ----------
    latency
        ``PlanResult.latency``: one row per request class.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
        Horizontal stacked bars, and the class's budget as a red tick where it has one.
    """
    from bokeh.models import ColumnDataSource, FactorRange
    from bokeh.plotting import figure

    classes = [] if latency is None else [str(c) for c in latency["request_class"]]
    fig = figure(
        y_range=FactorRange(factors=classes[::-1] or ["-"]), height=60 + 45 * max(len(classes), 1),
        sizing_mode="stretch_width", title="End-to-end latency per request class (ms)",
        x_axis_label="ms (token-weighted mean)", toolbar_location=None,
    )  # fmt: skip
    if classes:
        data = {"cls": classes}
        for col, _, _ in COMPONENTS:
            data[col] = np.nan_to_num(latency[col].to_numpy(float))
        keys = [c for c, _, _ in COMPONENTS]
        fig.hbar_stack(keys, y="cls", height=0.6, source=ColumnDataSource(data),
                       color=[c for _, _, c in COMPONENTS],
                       legend_label=[lbl for _, lbl, _ in COMPONENTS])  # fmt: skip
        budget = latency["budget_ms"].to_numpy(float)
        has = np.isfinite(budget)
        if has.any():
            fig.scatter(x=budget[has], y=[classes[i] for i in np.flatnonzero(has)],
                        marker="dash", size=30, line_width=3, color=COLOURS["red"],
                        legend_label="budget")  # fmt: skip
        fig.legend.location = "bottom_right"
        fig.legend.orientation = "horizontal"
    style_figure(fig, theme)
    return fig


def routing_figure(routing: pd.DataFrame, *, theme: str = "light") -> Any:
    """Stacked bars: share of each request class's tokens served at each tier (and unserved).

    Parameters
    ----------
    routing
        ``PlanResult.routing``: one row per request class with ``edge``, ``dc``, ``hub``,
        ``unserved`` shares.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
    """
    from bokeh.models import ColumnDataSource, FactorRange, Range1d
    from bokeh.plotting import figure

    classes = [] if routing is None else [str(c) for c in routing["request_class"]]
    fig = figure(
        y_range=FactorRange(factors=classes[::-1] or ["-"]), x_range=Range1d(start=0, end=1),
        height=60 + 45 * max(len(classes), 1),
        sizing_mode="stretch_width", title="Where each request class is served (share of tokens)",
        toolbar_location=None,
    )  # fmt: skip
    if classes:
        data = {"cls": classes}
        for t, _ in TIER_COLOURS:
            data[t] = np.clip(np.nan_to_num(routing[t].to_numpy(float)), 0, 1)
        fig.hbar_stack([t for t, _ in TIER_COLOURS], y="cls", height=0.6,
                       source=ColumnDataSource(data), color=[c for _, c in TIER_COLOURS],
                       legend_label=[t for t, _ in TIER_COLOURS])  # fmt: skip
        fig.legend.location = "bottom_right"
        fig.legend.orientation = "horizontal"
    style_figure(fig, theme)
    return fig


__all__ = ["latency_breakdown_figure", "latency_breakdown_table", "routing_figure"]
