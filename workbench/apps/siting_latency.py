"""Siting Studio pane: latency breakdown per request class and routing per tier of a plan.

A small :class:`panel.viewable.Viewer` that Siting Studio embeds as a tab; it only renders the
engine's tables (``PlanResult.latency``, ``.routing``, ``.tiers``) with :mod:`workbench.viz`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param

from workbench.viz import siting_service as vz


class LatencyRoutingPane(pn.viewable.Viewer):
    """Latency (network, queueing, inference) per request class and routing per tier.

    Set ``result`` to a :class:`~workbench.siting.plan.PlanResult` (or ``None`` to clear).
    """

    result = param.Parameter(default=None, doc="The plan shown (a PlanResult) or None.")
    theme: param.Selector[str] = param.Selector(
        default="light", objects=["light", "dark"], doc="Colour theme."
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._latency_fig = pn.pane.Bokeh(sizing_mode="stretch_width")
        self._routing_fig = pn.pane.Bokeh(sizing_mode="stretch_width")
        self._table = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width"
        )
        self._tiers = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width"
        )
        self._note = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._layout = pn.Column(
            self._note, self._latency_fig, self._table, self._routing_fig, self._tiers,
            sizing_mode="stretch_width",
        )  # fmt: skip
        self._redraw()

    @param.depends("result", "theme", watch=True)
    def _redraw(self) -> None:
        res = self.result
        latency = getattr(res, "latency", None)
        routing = getattr(res, "routing", None)
        tiers = getattr(res, "tiers", None)
        self._latency_fig.object = vz.latency_breakdown_figure(latency, theme=self.theme)
        self._routing_fig.object = vz.routing_figure(routing, theme=self.theme)
        self._table.value = vz.latency_breakdown_table(latency)
        self._tiers.value = pd.DataFrame() if tiers is None else tiers.round(3)
        if res is None:
            self._note.object = "Solve a plan to see its latency and routing per request class."
        else:
            k = res.kpis
            self._note.object = (
                f"Queueing is the M/M/c wait at each site's peak utilisation in the plan "
                f"(max {k.get('max_peak_utilisation', float('nan')):.2f}, target "
                f"{k.get('target_peak_utilisation', float('nan')):.2f}); network is the round "
                f"trip over the leaf-spine metro; inference is the model's service time."
            )

    def __panel__(self) -> pn.viewable.Viewable:
        """Return the pane's layout."""
        return self._layout


__all__ = ["LatencyRoutingPane"]
