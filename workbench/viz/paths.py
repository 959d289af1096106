"""Bokeh timeline of a city's path to the next tier against a moving field.

Pure function: a :class:`~workbench.index.trajectory.TierPath` (or its timeline table) in, a
Bokeh figure out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.viz.charts import TIER_HEX, style
from workbench.viz.theme import COLOURS, palette

if TYPE_CHECKING:  # pragma: no cover
    from bokeh.plotting import figure as Figure  # noqa: N812 - a type alias

TIMELINE_COLUMNS = (
    "year",
    "score_trend",
    "score_plan",
    "cutoff_median",
    "cutoff_p10",
    "cutoff_p90",
    "p_trend",
    "p_plan",
)
"""Columns a path timeline needs."""


def tier_path_figure(path: Any, *, theme: str = "light", height: int = 300) -> Figure:
    """Draw the year-by-year path: the city on its trend and with the plan, and the bar to beat.

    Parameters
    ----------
    path
        A :class:`~workbench.index.trajectory.TierPath` (its ``timeline``, ``message``,
        ``city`` and ``target_tier`` are used).
    theme
        ``"light"`` or ``"dark"``.
    height
        Figure height in pixels.

    Returns
    -------
    bokeh.plotting.figure
        Score (y) by year (x): the 10-90 % band and median of the score the city must beat
        (peers on their own trends), the city's score on its own trend (dashed) and with the
        plan (solid, points labelled with the probability of being in the target tier).
    """
    from bokeh.models import ColumnDataSource

    # the class bokeh.models re-exports; its package stub does not list it (mypy attr-defined)
    from bokeh.models.annotations.labels import LabelSet
    from bokeh.plotting import figure

    tl = path.timeline
    missing = [c for c in TIMELINE_COLUMNS if c not in getattr(tl, "columns", [])]
    if missing:
        msg = (
            f"`path.timeline` lacks the column(s) {missing}; pass a TierPath from "
            "workbench.index.tier_path(...)."
        )
        raise ValueError(msg)
    colour = TIER_HEX.get(str(path.target_tier), COLOURS["blue"])
    src = ColumnDataSource(
        {
            **{c: tl[c].to_numpy() for c in TIMELINE_COLUMNS},
            "p_label": [f"{p:.0%}" for p in tl["p_plan"]],
        }
    )
    fig = figure(
        height=height,
        sizing_mode="stretch_width",
        title=str(path.message),
        toolbar_location=None,
        tools="hover",
        tooltips=[
            ("year", "@year"),
            ("on trend", "@score_trend{0.0}"),
            ("with plan", "@score_plan{0.0}"),
            ("to beat (median)", "@cutoff_median{0.0}"),
            (f"P({path.target_tier}) trend / plan", "@p_trend{0%} / @p_plan{0%}"),
        ],
        x_axis_label="year",
        y_axis_label="index score",
    )
    fig.varea(
        x="year",
        y1="cutoff_p10",
        y2="cutoff_p90",
        source=src,
        fill_color=colour,
        fill_alpha=0.18,
        legend_label=f"score to beat for {path.target_tier} (10-90 %)",
    )
    fig.line(x="year", y="cutoff_median", source=src, line_color=colour, line_width=1.5)
    fig.line(
        x="year",
        y="score_trend",
        source=src,
        line_color=COLOURS["grey"],
        line_dash="dashed",
        line_width=2,
        legend_label=f"{path.city} on its own trend",
    )
    fig.line(
        x="year",
        y="score_plan",
        source=src,
        line_color=palette(theme)["text"],
        line_width=2.5,
        legend_label=f"{path.city} with the plan",
    )
    fig.scatter(x="year", y="score_plan", source=src, size=7, fill_color=colour)
    fig.add_layout(
        LabelSet(
            x="year",
            y="score_plan",
            text="p_label",
            source=src,
            x_offset=4,
            y_offset=6,
            text_font_size="9pt",
            text_color=palette(theme)["text"],
        )
    )
    fig.xaxis.ticker = [int(y) for y in tl["year"]]
    fig.legend.location = "top_left"
    fig.legend.label_text_font_size = "9pt"
    return style(fig, theme)


__all__ = ["TIMELINE_COLUMNS", "tier_path_figure"]
