"""Bokeh figures of engine results: rankings, profiles, uncertainty, time series and KPIs.

Pure functions: tables in, Bokeh objects out (light or dark theme).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.viz.theme import (
    INDEX_TIER_RGB,
    NO_TIER_RGB,
    OUTLINE_RGB,
    PROFILE_SERIES,
    style_figure,
    to_hex,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from bokeh.models.widgets.tables import DataTable
    from bokeh.plotting import figure as Figure  # noqa: N812 - a type alias


#: Index tier colours as hex strings (:data:`workbench.viz.theme.INDEX_TIER_RGB`).
TIER_HEX: dict[str, str] = {k: to_hex(v) for k, v in INDEX_TIER_RGB.items()}
_NO_TIER_HEX = to_hex(NO_TIER_RGB)
_OUTLINE_HEX = to_hex(OUTLINE_RGB)


def style(fig: Figure, theme: str = "light") -> Figure:
    """Apply the light or dark theme to a Bokeh figure (in place) and return it.

    The one style of the workbench (:func:`workbench.viz.theme.style_figure`).

    Parameters
    ----------
    fig
        The figure.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
        The same figure.
    """
    return style_figure(fig, theme)


def ranking_figure(
    table: pd.DataFrame,
    *,
    score: str,
    label: str,
    tier: str = "tier",
    top: int = 25,
    selected: str | None = None,
    code: str = "code",
    title: str = "",
    theme: str = "light",
) -> Figure:
    """Horizontal bars of the best ``top`` cities, coloured by tier.

    Parameters
    ----------
    table
        One row per city, sorted best first.
    score, label, tier, code
        Columns with the score, the name shown, the tier and the city code.
    top
        How many cities to show.
    selected
        Code of a city to outline.
    title
        The figure's title.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
        The figure.
    """
    from bokeh.models import ColumnDataSource, DataRange1d, FactorRange
    from bokeh.plotting import figure

    head = table.head(top)
    names = [f"{i + 1}. {n}" for i, n in enumerate(head[label].astype(str))]
    source = ColumnDataSource(
        {
            "name": names,
            "score": head[score].to_numpy(dtype=float),
            "colour": [TIER_HEX.get(str(t), _NO_TIER_HEX) for t in head[tier]],
            "line": [_OUTLINE_HEX if str(c) == selected else None for c in head[code]],
        }
    )
    scores = source.data["score"]
    fig = figure(
        x_range=DataRange1d(start=min(0.0, float(np.nanmin(scores)) if len(head) else 0.0)),
        y_range=FactorRange(factors=list(reversed(names))),
        height=max(220, 18 * len(names) + 60),
        sizing_mode="stretch_width",
        title=title,
        toolbar_location=None,
        tools="hover",
        tooltips=[("city", "@name"), ("score", "@score{0.00}")],
    )
    fig.hbar(
        y="name",
        right="score",
        height=0.75,
        source=source,
        fill_color="colour",
        line_color="line",
        line_width=2,
    )
    fig.ygrid.grid_line_color = None
    return style(fig, theme)


def dimension_profile_data(
    profile: pd.DataFrame,
    *,
    series: Sequence[str],
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the numbers behind :func:`dimension_profile_figure`, without drawing a figure.

    A served page patches a profile already on screen with these (new scores, the same bars),
    which costs a few milliseconds instead of the tens a new Bokeh figure costs.

    Parameters
    ----------
    profile, series, labels
        As :func:`dimension_profile_figure` takes them.

    Returns
    -------
    dict
        ``names`` (legend text per series), ``factors`` (the x-axis: (dimension, series)
        pairs), ``sources`` (one ``{"x", "value"}`` column dict per series, in order) and
        ``y_start`` (the y-axis start: 0, or the lowest value when it is negative).
    """
    labels = dict(labels or {})
    dims = [str(d) for d in profile.index]
    names = [labels.get(s, s) for s in series]
    factors = [(d, n) for d in dims for n in names]
    block = profile[list(series)].to_numpy(dtype=float)  # rows: dimensions, columns: series
    sources = [
        {"x": [(d, name) for d in dims], "value": [float(v) for v in block[:, i]]}
        for i, name in enumerate(names)
    ]
    finite = block[np.isfinite(block)]
    y_start = min(0.0, float(finite.min())) if finite.size else 0.0
    return {"names": names, "factors": factors, "sources": sources, "y_start": y_start}


def dimension_profile_figure(
    profile: pd.DataFrame,
    *,
    series: Sequence[str],
    labels: Mapping[str, str] | None = None,
    title: str = "",
    theme: str = "light",
    x_label: str = "Dimension",
    y_label: str = "Score (0-100)",
) -> Figure:
    """Draw grouped bars: one group per dimension, one bar per series (city, tier peers, all).

    Parameters
    ----------
    profile
        Rows = dimensions (index = labels shown), columns include ``series``.
    series
        The columns to draw, in order.
    labels
        Legend text of each series; the column names when ``None``.
    title
        The figure's title.
    theme
        ``"light"`` or ``"dark"``.
    x_label, y_label
        The axes' titles (the groups are the dimensions).

    Returns
    -------
    bokeh.plotting.figure
        The figure.
    """
    from bokeh.models import CategoricalAxis, ColumnDataSource, DataRange1d, FactorRange
    from bokeh.plotting import figure

    data = dimension_profile_data(profile, series=series, labels=labels)
    palette = PROFILE_SERIES
    fig = figure(
        x_range=FactorRange(factors=data["factors"], group_padding=0.8, factor_padding=0.05),
        y_range=DataRange1d(start=data["y_start"]),
        height=340,
        sizing_mode="stretch_width",
        title=title,
        toolbar_location=None,
        tools="hover",
        tooltips=[("", "@x"), ("score", "@value{0.0}")],
        y_axis_label=y_label,
        x_axis_label=x_label,
    )
    # one renderer per series: the legend names the bars, the axis names the dimensions
    # (bar labels under each bar were clipped at workshop screen sizes)
    for i, (name, columns) in enumerate(zip(data["names"], data["sources"], strict=True)):
        fig.vbar(
            x="x",
            top="value",
            width=0.85,
            source=ColumnDataSource(columns),
            fill_color=palette[i % len(palette)],
            line_color=None,
            legend_label=name,
        )
    for axis in fig.xaxis:
        axis.major_label_text_font_size = "0pt"  # the series: in the legend
        axis.major_tick_line_color = None
        if isinstance(axis, CategoricalAxis):
            axis.group_label_orientation = 0.0
            axis.group_text_font_size = "10pt"
    legend = fig.legend[0]
    legend.orientation = "horizontal"
    legend.location = "top_left"
    legend.label_text_font_size = "9pt"
    fig.add_layout(legend, "above")
    fig.xgrid.grid_line_color = None
    return style(fig, theme)


def rank_band_figure(
    summary: pd.DataFrame,
    *,
    label: str,
    top: int = 30,
    selected: str | None = None,
    code: str = "code",
    theme: str = "light",
) -> Figure:
    """Draw the 5-95 % rank interval of each city (bars) and its nominal rank (dots).

    Parameters
    ----------
    summary
        Rows sorted by nominal rank with ``nominal_rank``, ``rank_p05``, ``rank_p95``,
        ``nominal_tier`` and the label column (the uncertainty engine's summary).
    label, code
        Columns with the name shown and the city code.
    top
        How many cities to show.
    selected
        A city to highlight.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
        The figure.
    """
    from bokeh.models import ColumnDataSource, FactorRange
    from bokeh.plotting import figure

    head = summary.head(top)
    names = [str(n) for n in head[label]]
    source = ColumnDataSource(
        {
            "name": names,
            "lo": head["rank_p05"].to_numpy(dtype=float),
            "hi": head["rank_p95"].to_numpy(dtype=float),
            "nominal": head["nominal_rank"].to_numpy(dtype=float),
            "colour": [TIER_HEX.get(str(t), _NO_TIER_HEX) for t in head["nominal_tier"]],
            "size": [11 if str(c) == selected else 7 for c in head[code]],
        }
    )
    fig = figure(
        y_range=FactorRange(factors=list(reversed(names))),
        height=max(220, 17 * len(names) + 60),
        sizing_mode="stretch_width",
        title="Rank: 5-95 % interval (bar) and nominal rank (dot)",
        toolbar_location=None,
        tools="hover",
        tooltips=[("city", "@name"), ("rank", "@nominal"), ("5-95 %", "@lo - @hi")],
        x_axis_label="rank (1 = best)",
    )
    fig.hbar(
        y="name",
        left="lo",
        right="hi",
        height=0.5,
        source=source,
        fill_color="colour",
        fill_alpha=0.45,
        line_color=None,
    )
    fig.scatter(
        x="nominal",
        y="name",
        size="size",
        source=source,
        fill_color="colour",
        line_color=_OUTLINE_HEX,
    )
    fig.ygrid.grid_line_color = None
    return style(fig, theme)


def tier_probability_figure(
    probabilities: Mapping[str, float], *, title: str = "", theme: str = "light"
) -> Figure:
    """Bars of the probability of each tier for one city.

    Parameters
    ----------
    probabilities
        ``{tier: probability}``, best tier first.
    title
        The figure's title.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
        The figure.
    """
    from bokeh.models import ColumnDataSource, FactorRange, Range1d
    from bokeh.plotting import figure

    tiers = [str(t) for t in probabilities]
    source = ColumnDataSource(
        {
            "tier": tiers,
            "p": [float(v) for v in probabilities.values()],
            "colour": [TIER_HEX.get(t, _NO_TIER_HEX) for t in tiers],
        }
    )
    fig = figure(
        x_range=FactorRange(factors=tiers),
        y_range=Range1d(start=0, end=1),
        height=200,
        sizing_mode="stretch_width",
        title=title,
        toolbar_location=None,
        tools="hover",
        tooltips=[("tier", "@tier"), ("probability", "@p{0%}")],
    )
    fig.vbar(x="tier", top="p", width=0.7, source=source, fill_color="colour", line_color=None)
    fig.xgrid.grid_line_color = None
    return style(fig, theme)


def kpi_table(kpis: Mapping[str, Any], *, height: int = 220) -> DataTable:
    """Build a two-column table of KPI names and values.

    Parameters
    ----------
    kpis
        ``{name: value}``; numbers are shown with 4 significant digits.
    height
        The table's height in pixels.

    Returns
    -------
    bokeh.models.DataTable
        The table.
    """
    from bokeh.models import ColumnDataSource

    # bokeh's stub of bokeh.models does not re-export the table widgets
    from bokeh.models.widgets.tables import DataTable, TableColumn

    def _fmt(value: Any) -> str:
        if isinstance(value, float | np.floating):
            return f"{float(value):.4g}"
        return str(value)

    source = ColumnDataSource(
        {"kpi": [str(k) for k in kpis], "value": [_fmt(v) for v in kpis.values()]}
    )
    return DataTable(
        source=source,
        columns=[TableColumn(field="kpi", title="KPI"), TableColumn(field="value", title="value")],
        index_position=None,
        height=height,
        sizing_mode="stretch_width",
    )
