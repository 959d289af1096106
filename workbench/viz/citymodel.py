"""Pure figures for city-model runs: district maps by metric and hour, load against capacity.

Functions take a run's Dataset (``time`` x ``district`` / ``node`` metrics, as built by
:mod:`workbench.citymodel`) and return pydeck layers and Decks or Bokeh figures. They keep no
state and compute no model quantities; they only select, sum over space and draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.dims import DISTRICT, NODE, TIME
from workbench.viz.siting import district_layer, district_outline_layer, style_figure, view_state
from workbench.viz.theme import COLOURS

#: Colours of the lines of two compared runs (A, B): :data:`workbench.viz.theme.COLOURS`.
RUN_COLOURS = (COLOURS["blue"], COLOURS["red"])


def district_metrics(ds: Any) -> list[str]:
    """Return the names of the metrics defined over ``time`` x ``district``.

    Parameters
    ----------
    ds
        A run's Dataset.

    Returns
    -------
    list of str
        Variable names, in the Dataset's order.
    """
    return [n for n, v in ds.data_vars.items() if v.dims == (TIME, DISTRICT)]


def district_values(ds: Any, metric: str, hour: int) -> pd.Series:
    """Return one metric's value per district at one hour.

    Parameters
    ----------
    ds
        A run's Dataset.
    metric
        A ``time`` x ``district`` variable.
    hour
        The time step (clipped to the run's length).

    Returns
    -------
    pandas.Series
        Value indexed by district code.
    """
    t = int(np.clip(hour, 0, ds.sizes[TIME] - 1))
    da = ds[metric].isel({TIME: t})
    return pd.Series(da.to_numpy(), index=[str(c) for c in ds[DISTRICT].to_numpy()], name=metric)


def district_metric_deck(
    districts: Any,
    ds: Any,
    metric: str,
    hour: int,
    *,
    selected: str | None = None,
    dark: bool = False,
) -> Any:
    """Draw the district map coloured by ``metric`` at ``hour`` (no tile basemap).

    Parameters
    ----------
    districts
        District GeoDataFrame (``code``, ``name_en``, ``name_zh``, geometry).
    ds
        A run's Dataset, or ``None`` for the plain district map.
    metric
        A ``time`` x ``district`` variable of ``ds``.
    hour
        The time step shown.
    selected
        District code outlined in bold.
    dark
        Colours for a dark page.

    Returns
    -------
    pydeck.Deck
    """
    import pydeck as pdk

    values = None if ds is None else district_values(ds, metric, hour)
    layers = [
        district_layer(districts, values=values, selected=selected, dark=dark),
        district_outline_layer(districts, selected=selected, dark=dark),
    ]
    minx, miny, maxx, maxy = (float(v) for v in districts.total_bounds)
    vs = view_state([minx, maxx], [miny, maxy])
    vs["zoom"] += 0.5
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**vs),
        map_style=None,
        map_provider=None,
        tooltip={"html": "<b>{name_en}</b> {name_zh}<br/>" + metric + ": {value}"},
    )


def load_frame(ds: Any, district: str | None = None) -> pd.DataFrame:
    """Tabulate power load against feeder capacity and compute load against node capacity.

    Parameters
    ----------
    ds
        A run's Dataset.
    district
        A district code; the whole city (sum over districts and nodes) when ``None``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``time``: ``power_requested_kw``, ``power_served_kw``,
        ``feeder_capacity_kw`` and, where the run has them, ``node_tokens_served`` and
        ``node_tokens_capacity`` (nodes in the district, or all nodes).
    """
    sel = ds if district is None else ds.sel({DISTRICT: district})
    out = {}
    for name in ("power_requested_kw", "power_served_kw", "grid_import_kw", "feeder_capacity_kw"):
        if name in ds and DISTRICT in ds[name].dims:
            da = sel[name]
            out[name] = (da.sum(DISTRICT) if DISTRICT in da.dims else da).to_numpy()
    node_sel = ds
    if district is not None and "node_district" in ds.coords:
        node_sel = ds.isel({NODE: np.flatnonzero(ds["node_district"].to_numpy() == district)})
    for name in ("node_tokens_served", "node_tokens_capacity"):
        if name in ds and NODE in ds[name].dims:
            out[name] = node_sel[name].sum(NODE).to_numpy()
    return pd.DataFrame(out, index=pd.Index(ds[TIME].to_numpy(), name=TIME))


def load_capacity_figure(
    ds: Any,
    *,
    district: str | None = None,
    hour: int | None = None,
    title: str | None = None,
    theme: str = "light",
) -> Any:
    """Plot load against capacity over time: power (kW) above, compute (tokens) below.

    Parameters
    ----------
    ds
        A run's Dataset.
    district
        A district code; the whole city when ``None``.
    hour
        The hour marked with a vertical line.
    title
        Figure title; names the district by default.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.layouts.column
        Two figures sharing the time axis.
    """
    from bokeh.layouts import column

    # bokeh's stub of bokeh.models does not re-export Span: import it from where it is defined
    from bokeh.models.annotations.geometry import Span
    from bokeh.models.formatters import NumeralTickFormatter
    from bokeh.plotting import figure

    df = load_frame(ds, district)
    t = df.index.to_numpy()
    where = "the whole city" if district is None else f"district {district}"
    p1 = figure(
        height=220,
        sizing_mode="stretch_width",
        title=title or f"Power load against feeder capacity, {where}",
        x_axis_label="hour",
        y_axis_label="kW",
        toolbar_location=None,
    )
    styles = {
        "feeder_capacity_kw": (COLOURS["grey"], "dashed", "feeder capacity"),
        "power_requested_kw": (COLOURS["orange"], "solid", "requested"),
        "power_served_kw": (COLOURS["blue"], "solid", "served"),
    }
    for name, (colour, dash, legend) in styles.items():
        if name in df:
            p1.line(
                t,
                df[name].to_numpy(),
                color=colour,
                line_dash=dash,
                line_width=2,
                legend_label=legend,
            )
    p1.yaxis.formatter = NumeralTickFormatter(format="0,0")  # 400,000 (not 4.000e+5)
    p2 = figure(
        height=180,
        sizing_mode="stretch_width",
        x_range=p1.x_range,
        title=f"Compute load against node capacity, {where}",
        x_axis_label="hour",
        y_axis_label="tokens",
        toolbar_location=None,
    )
    p2.yaxis.formatter = NumeralTickFormatter(format="0.[0]a")  # 500b tokens (not 5.000e+11)
    if "node_tokens_capacity" in df:
        p2.line(
            t,
            df["node_tokens_capacity"].to_numpy(),
            color=COLOURS["grey"],
            line_dash="dashed",
            line_width=2,
            legend_label="capacity",
        )
    if "node_tokens_served" in df:
        p2.line(
            t,
            df["node_tokens_served"].to_numpy(),
            color=COLOURS["green"],
            line_width=2,
            legend_label="served",
        )
    for p in (p1, p2):
        if hour is not None:
            p.add_layout(
                Span(
                    location=float(hour),
                    dimension="height",
                    line_color=COLOURS["red"],
                    line_width=1,
                )
            )
        if p.legend:
            p.legend.location = "top_left"
            p.legend.label_text_font_size = "8pt"
            p.legend.background_fill_alpha = 0.5
        style_figure(p, theme)
    return column(p1, p2, sizing_mode="stretch_width")


def kpi_comparison(kpis: Sequence[pd.DataFrame], names: Sequence[str]) -> pd.DataFrame:
    """Put the KPI tables of several runs side by side.

    Parameters
    ----------
    kpis
        KPI tables (index ``kpi``, columns ``value``, ``unit``, ``better`` ...), one per run.
    names
        A label per run.

    Returns
    -------
    pandas.DataFrame
        Index ``kpi``; a value column per run, then ``unit`` and ``better``; with two runs also
        ``ratio`` (second / first).
    """
    cols = {str(n): k["value"] for k, n in zip(kpis, names, strict=True)}
    out = pd.DataFrame(cols)
    if len(kpis) == 2:
        a, b = out.iloc[:, 0], out.iloc[:, 1]
        out["ratio"] = (b / a.where(a != 0)).astype(float)
    first = kpis[0]
    for meta in ("unit", "better"):
        if meta in first:
            out[meta] = first[meta]
    return out


def compare_runs_figure(
    datasets: Sequence[Any],
    names: Sequence[str],
    metric: str,
    *,
    theme: str = "light",
) -> Any:
    """Plot one metric, summed over districts (or nodes), for several runs over time.

    Parameters
    ----------
    datasets
        Run Datasets.
    names
        A label per run.
    metric
        A variable present in every Dataset.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
    """
    from bokeh.plotting import figure

    fig = figure(
        height=240,
        sizing_mode="stretch_width",
        title=f"{metric}, whole city",
        x_axis_label="hour",
        toolbar_location=None,
    )
    for i, (ds, name) in enumerate(zip(datasets, names, strict=True)):
        if metric not in ds:
            continue
        da = ds[metric]
        for dim in (DISTRICT, NODE):
            if dim in da.dims:
                da = da.sum(dim)
        fig.line(
            ds[TIME].to_numpy(),
            da.to_numpy(),
            color=RUN_COLOURS[i % len(RUN_COLOURS)],
            line_width=2,
            legend_label=str(name),
        )
    if fig.legend:
        fig.legend.location = "top_left"
    style_figure(fig, theme)
    return fig


def prices_frame(ds: Any) -> pd.DataFrame:
    """Prices over time: compute (token-weighted, CNY per million tokens), power and payments.

    Columns: ``hour``, ``compute_cny_per_mtok``, ``power_cny_per_kwh`` (load-weighted mean over
    feeders), ``tariff_cny_per_kwh`` (electricity price plus carbon), ``payments_cny``.
    """
    tok = ds["node_tokens_served"]
    w = tok.sum(NODE).where(tok.sum(NODE) > 0)
    compute = (ds["compute_price"] * tok).sum(NODE) / w * 1e6
    kw = ds["power_served_kw"]
    power = (ds["power_price"] * kw).sum(DISTRICT) / kw.sum(DISTRICT).where(kw.sum(DISTRICT) > 0)
    tariff = ds["electricity_price"] + ds["carbon_price"] * ds["carbon_intensity"] / 1000
    pay = ds["payments_cny"] if "payments_cny" in ds else xr_zeros_like(ds)
    return pd.DataFrame(
        {
            "hour": ds[TIME].to_numpy(),
            "compute_cny_per_mtok": compute.to_numpy(),
            "power_cny_per_kwh": power.to_numpy(),
            "tariff_cny_per_kwh": tariff.to_numpy(),
            "payments_cny": pay.to_numpy(),
        }
    )


def xr_zeros_like(ds: Any) -> Any:
    """Return zeros over the run's hours (a run without a metric)."""
    import xarray as xr

    return xr.DataArray(np.zeros(ds.sizes[TIME]), dims=(TIME,))


def prices_figure(ds: Any, *, theme: str = "light") -> Any:
    """Plot the prices agents saw over time: power and tariff (left), compute (right axis).

    Parameters
    ----------
    ds
        A run Dataset.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
    """
    from bokeh.models import LinearAxis, Range1d
    from bokeh.plotting import figure

    df = prices_frame(ds)
    fig = figure(
        height=240,
        sizing_mode="stretch_width",
        title="Prices: power (CNY/kWh, left) and compute (CNY per million tokens, right)",
        x_axis_label="hour",
        toolbar_location=None,
    )
    x = df["hour"].to_numpy()
    fig.line(
        x,
        df["tariff_cny_per_kwh"],
        color=COLOURS["grey"],
        line_dash="dashed",
        legend_label="tariff + carbon",
    )
    fig.line(
        x, df["power_cny_per_kwh"], color=RUN_COLOURS[0], line_width=2, legend_label="power price"
    )
    comp = df["compute_cny_per_mtok"].fillna(0.0).to_numpy()
    top = float(comp.max()) if len(comp) and comp.max() > 0 else 1.0
    fig.extra_y_ranges = {"compute": Range1d(start=0, end=top * 1.1)}
    fig.add_layout(LinearAxis(y_range_name="compute", axis_label="CNY / M tokens"), "right")
    fig.line(
        x,
        comp,
        color=RUN_COLOURS[1],
        line_width=2,
        y_range_name="compute",
        legend_label="compute price",
    )
    fig.legend.location = "top_left"
    style_figure(fig, theme)
    return fig


def payments_figure(ds: Any, *, theme: str = "light") -> Any:
    """Plot the market's settled payments per hour (CNY); empty bars for other mechanisms.

    Returns
    -------
    bokeh.plotting.figure
    """
    from bokeh.plotting import figure

    df = prices_frame(ds)
    fig = figure(
        height=200,
        sizing_mode="stretch_width",
        title=f"Payments settled: {df['payments_cny'].sum():,.0f} CNY in all",
        x_axis_label="hour",
        toolbar_location=None,
    )
    fig.vbar(
        x=df["hour"].to_numpy(), top=df["payments_cny"].to_numpy(), width=0.8, color=RUN_COLOURS[0]
    )
    style_figure(fig, theme)
    return fig


def cost_frame(ds: Any, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """``total_cost_cny`` by part (CNY), plus the gap to the oracle when ``kpis`` holds it."""
    from workbench.citymodel.kpis import total_cost

    parts = total_cost(ds)
    rows = [{"part": k, "cny": v} for k, v in parts.items()]
    if kpis is not None and "gap_to_oracle" in kpis.index:
        rows.append(
            {"part": "gap_to_oracle (share)", "cny": float(kpis.loc["gap_to_oracle", "value"])}
        )
    return pd.DataFrame(rows)
