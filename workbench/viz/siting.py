"""Pure figures for compute siting: district basemap, demand heat grid, sites, plan arcs.

Every function here takes tables (pandas / geopandas) and returns a pydeck layer, a pydeck
``Deck``, a Bokeh figure or a plain table; none of them keeps state or solves anything. The
Siting Studio app (:mod:`workbench.apps.siting_studio`) and the tutorial notebook draw with them.

Maps carry no tile basemap (the workbench never fetches tiles): the districts themselves are
drawn from the shipped geometry: in Siting Studio one image with the demand grid
(:func:`base_layer`), in the Coordination Lab pickable fills under an image of the outlines. Use
:func:`deck_spec` to hand a ``Deck`` to Panel's ``DeckGL`` pane: it keeps the
``"mapStyle": None`` key that pydeck drops.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.dims import SITE_TIERS
from workbench.viz.theme import (
    COLOURS,
    HIGHLIGHT_RGB,
    NO_TIER_RGB,
    OUTLINE_RGB,
    RAMPS,
    SITE_TIER_RGB,
    palette,
    to_hex,
)

TIER_COLOURS: dict[str, list[int]] = SITE_TIER_RGB
"""RGB colour of each siting tier (:data:`workbench.viz.theme.SITE_TIER_RGB`)."""

TIER_LABELS: dict[str, dict[str, str]] = {
    "hub": {"en": "Core hub", "zh": "核心枢纽"},
    "edge": {"en": "Edge node", "zh": "边缘节点"},
    "dc": {"en": "Urban data centre", "zh": "城市数据中心"},
}
"""Bilingual labels of the siting tiers."""


def ramp(values: Sequence[float] | np.ndarray, *, palette: str = "heat", alpha: int = 200) -> list:
    """Map numbers to RGBA colours on a sequential palette.

    Parameters
    ----------
    values
        Numbers to colour; NaN gets a neutral grey.
    palette
        ``"heat"`` (yellow to red) or ``"seq"`` (yellow to blue); see
        :data:`workbench.viz.theme.RAMPS`.
    alpha
        Opacity 0-255 of every colour.

    Returns
    -------
    list
        One ``[r, g, b, a]`` list of ints per value.
    """
    return ramp_array(values, palette=palette, alpha=alpha).tolist()


def ramp_array(
    values: Sequence[float] | np.ndarray, *, palette: str = "heat", alpha: int = 200
) -> np.ndarray:
    """:func:`ramp` as an ``(n, 4)`` integer array (no Python loop over the values)."""
    colours = np.asarray(RAMPS["heat" if palette == "heat" else "seq"], dtype=float)
    v = np.asarray(values, dtype=float).reshape(-1)
    finite = np.isfinite(v)
    lo, hi = (float(v[finite].min()), float(v[finite].max())) if finite.any() else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0
    t = np.where(finite, (np.where(finite, v, lo) - lo) / span * (len(colours) - 1), 0.0)
    i = np.minimum(t.astype(np.int64), len(colours) - 2)
    f = (t - i)[:, None]
    out = np.empty((v.size, 4), dtype=np.int64)
    out[:, :3] = np.round(colours[i] * (1 - f) + colours[i + 1] * f)
    out[:, 3] = alpha
    out[~finite] = [*NO_TIER_RGB, alpha // 2]
    return out


def view_state(
    lon: Sequence[float], lat: Sequence[float], *, zoom: float | None = None
) -> dict[str, float]:
    """Return a deck.gl view state centred on points, zoomed to their extent.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes (degrees) to frame.
    zoom
        Fixed zoom level; by default chosen from the extent.

    Returns
    -------
    dict
        ``{"longitude", "latitude", "zoom", "pitch", "bearing"}``.
    """
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    span = max(float(np.ptp(lon_a)), float(np.ptp(lat_a)), 1e-3)
    if zoom is None:
        zoom = float(np.clip(math.log2(360.0 / span) - 0.6, 3, 15))
    return {
        "longitude": float((lon_a.min() + lon_a.max()) / 2),
        "latitude": float((lat_a.min() + lat_a.max()) / 2),
        "zoom": zoom,
        "pitch": 0.0,
        "bearing": 0.0,
    }


def district_layer(
    districts: Any,
    *,
    values: Mapping[str, float] | pd.Series | None = None,
    selected: str | None = None,
    dark: bool = False,
    layer_id: str = "districts",
) -> Any:
    """Draw districts' fills as a pickable ``GeoJsonLayer`` (no tiles, no outlines).

    Their outlines are an image: :func:`district_outline_layer` (WebGL outlines delay a map's
    first frame by seconds on a browser without a GPU).

    Parameters
    ----------
    districts
        GeoDataFrame with ``code``, ``name_en``, ``name_zh`` and polygon ``geometry`` (EPSG:4326).
    values
        Optional value per district code: districts are then filled on a sequential ramp.
    selected
        Code of a district to outline in bold (kept as the features' ``selected`` flag; the
        outline itself is :func:`district_outline_layer`'s).
    dark
        Colours for a dark page.
    layer_id
        The deck.gl layer id.

    Returns
    -------
    pydeck.Layer
    """
    import pydeck as pdk

    gj = json.loads(districts.to_json(drop_id=True))
    codes = [str(f["properties"]["code"]) for f in gj["features"]]
    fills: list[list[int]]
    if values is not None:
        vals = pd.Series(values)
        vals.index = vals.index.astype(str)
        fills = ramp([float(vals.get(c, np.nan)) for c in codes], palette="seq", alpha=190)
    else:
        base = palette("dark" if dark else "light")["map_fill"]
        fills = [base for _ in codes]
    for f, fill, code in zip(gj["features"], fills, codes, strict=True):
        p = f["properties"]
        p["fill"] = fill
        p["selected"] = code == selected
        if values is not None:
            v = pd.Series(values).rename(index=str).get(code, np.nan)
            p["value"] = None if pd.isna(v) else round(float(v), 3)
    return pdk.Layer(
        "GeoJsonLayer",
        gj,
        id=layer_id,
        pickable=True,
        stroked=False,
        filled=True,
        get_fill_color="properties.fill",
    )


def district_outline_layer(
    districts: Any,
    *,
    selected: str | None = None,
    dark: bool = False,
    layer_id: str = "district-outlines",
) -> Any:
    """Draw districts' outlines as an image (a ``BitmapLayer``), the selected one in bold.

    Parameters
    ----------
    districts
        GeoDataFrame with ``code`` and polygon ``geometry`` (EPSG:4326).
    selected
        Code of a district to outline in bold, in the highlight colour.
    dark
        Colours for a dark page.
    layer_id
        The deck.gl layer id.

    Returns
    -------
    pydeck.Layer
        Not pickable: hovering and clicking reach the district fills below it.
    """
    from workbench.viz import raster

    codes = districts["code"].astype(str).tolist()
    line = palette("dark" if dark else "light")["map_line"]
    return raster.bitmap_layer(
        districts.geometry,
        layer_id=layer_id,
        line=line,
        emphasis=[code == selected for code in codes],
        emphasis_line=[*HIGHLIGHT_RGB, 255],
        emphasis_px=3.0,
    )


def demand_grid(demand: pd.DataFrame, *, cell_deg: float = 0.02) -> pd.DataFrame:
    """Aggregate demand points to square grid cells (a heat grid).

    Parameters
    ----------
    demand
        Table with ``lon``, ``lat`` and ``tokens_per_day``.
    cell_deg
        Cell size in degrees (0.02 deg is about 2 km at Shanghai's latitude).

    Returns
    -------
    pandas.DataFrame
        One row per non-empty cell: ``polygon`` (closed ring of ``[lon, lat]``), ``tokens_per_day``,
        ``points`` and ``color``.
    """
    g = _grid_cells(demand, cell_deg)
    x0, y0 = g["x0"].to_numpy(), g["y0"].to_numpy()
    g["polygon"] = [
        [[x, y], [x + cell_deg, y], [x + cell_deg, y + cell_deg], [x, y + cell_deg], [x, y]]
        for x, y in zip(x0, y0, strict=True)
    ]
    g["color"] = ramp(np.log10(g["tokens_per_day"].to_numpy() + 1.0), palette="heat", alpha=170)
    return g.drop(columns=["x0", "y0"])


def _grid_cells(demand: pd.DataFrame, cell_deg: float) -> pd.DataFrame:
    """Non-empty grid cells: ``tokens_per_day``, ``points`` and the lower-left corner."""
    ix = np.floor(demand["lon"].to_numpy(float) / cell_deg).astype(np.int64)
    iy = np.floor(demand["lat"].to_numpy(float) / cell_deg).astype(np.int64)
    g = (
        pd.DataFrame({"ix": ix, "iy": iy, "t": demand["tokens_per_day"].to_numpy(float)})
        .groupby(["ix", "iy"], sort=True)
        .agg(tokens_per_day=("t", "sum"), points=("t", "size"))
        .reset_index()
    )
    g["x0"] = (g["ix"].to_numpy() * cell_deg).round(6)
    g["y0"] = (g["iy"].to_numpy() * cell_deg).round(6)
    return g.drop(columns=["ix", "iy"])


def _table_layer(kind: str, table: pd.DataFrame, **kwargs: Any) -> Any:
    """Return a pydeck layer whose data stays ``table`` (not a list of row dicts).

    pydeck turns a DataFrame into one dict per row, which :func:`deck_spec` would turn back
    into a DataFrame for Panel (typed arrays): 50 ms per 3,000 rows spent twice, per update.
    """
    import pydeck as pdk

    layer = pdk.Layer(kind, [], **kwargs)
    layer._data = table.reset_index(drop=True)  # noqa: SLF001 - pydeck's own store of the data
    return layer


def _rgba_columns(
    colours: Sequence[Sequence[int]] | np.ndarray, prefix: str
) -> dict[str, np.ndarray]:
    """Split ``[r, g, b, a]`` colours into four integer columns ``{prefix}_r`` ... ``_a``."""
    if isinstance(colours, np.ndarray):
        rgba = colours.astype(np.int64).reshape(-1, 4)
    else:
        rgba = np.asarray([list(c) for c in colours], dtype=np.int64).reshape(-1, 4)
    return {f"{prefix}_{ch}": rgba[:, i] for i, ch in enumerate("rgba")}


#: deck.gl accessor of a colour split by :func:`_rgba_columns`.
def _rgba(prefix: str) -> str:
    return f"[{prefix}_r, {prefix}_g, {prefix}_b, {prefix}_a]"


def demand_layer(demand: pd.DataFrame, *, cell_deg: float = 0.02) -> Any:
    """Demand as a grid heat layer: the :func:`demand_grid` cells as square polygons.

    Each cell is one row of plain numbers (its corners and colour), which Panel sends to the
    page as typed arrays; deck.gl builds the squares from them. (As GeoJSON the same cells
    were half a megabyte that the server walked value by value for every page.)

    Parameters
    ----------
    demand
        Table with ``lon``, ``lat`` and ``tokens_per_day``.
    cell_deg
        Cell size in degrees.

    Returns
    -------
    pydeck.Layer
    """
    grid = _grid_cells(demand, cell_deg)
    x0, y0 = grid["x0"].to_numpy(float), grid["y0"].to_numpy(float)
    colour = ramp_array(np.log10(grid["tokens_per_day"].to_numpy() + 1.0), alpha=170)
    cells = pd.DataFrame(
        {
            "x0": x0,
            "y0": y0,
            "x1": (x0 + cell_deg).round(6),
            "y1": (y0 + cell_deg).round(6),
            "tokens_per_day": grid["tokens_per_day"].to_numpy(float).round(),
            "points": grid["points"].to_numpy(np.int64),
            **_rgba_columns(colour, "fill"),
        }
    )
    return _table_layer(
        "SolidPolygonLayer",
        cells,
        id="demand",
        pickable=False,
        filled=True,
        get_polygon="[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]",
        get_fill_color=_rgba("fill"),
    )


def clickable_site_ids(
    sites: pd.DataFrame,
    *,
    open_sites: Sequence[str] | None = None,
    selected: str | None = None,
) -> list[str]:
    """Return the ids of the sites drawn as the map's pickable layer, in its row order.

    The sites a plan opens and the selected one; the other candidates are dots in the
    :func:`base_layer` image (thousands of WebGL points cost a browser without a GPU about a
    second before the map's first frame). A click's ``index`` on the ``sites`` layer is a
    position in this list.
    """
    ids = sites["id"].astype(str)
    keep = ids == (selected or object())
    if open_sites is not None:
        keep |= ids.isin(set(map(str, open_sites)))
    return ids[keep].tolist()


def base_layer(
    districts: Any,
    demand: pd.DataFrame,
    *,
    sites: pd.DataFrame | None = None,
    open_sites: Sequence[str] | None = None,
    zoom: float | None = None,
    cell_deg: float = 0.02,
    dark: bool = False,
    layer_id: str = "base",
) -> Any:
    """Draw districts, the demand grid and candidate sites as one image under the plan.

    The districts' fills, the :func:`demand_layer` cells in their colours, the districts'
    outlines and the candidate sites a plan does not open, drawn once on the
    server (a ``BitmapLayer``): WebGL layer types fewer, each of which costs a browser without
    a GPU a noticeable share of a second before the map's first frame. Nothing in it is
    pickable (the opened sites above it are).

    Parameters
    ----------
    districts
        GeoDataFrame with polygon ``geometry`` (EPSG:4326).
    demand
        Table with ``lon``, ``lat`` and ``tokens_per_day``.
    sites, open_sites
        Candidate sites and the plan's opened ones (see :func:`site_table`); the sites a plan
        does not open (all before a plan) are drawn as dots in their :func:`site_table`
        colours. The selection does not change the image.
    zoom
        The map's first zoom: dots are sized so that they look as large as the pickable
        sites' there (they grow and shrink with the map, as the districts do).
    cell_deg
        Demand grid cell size in degrees.
    dark
        Colours for a dark page.
    layer_id
        The deck.gl layer id.

    Returns
    -------
    pydeck.Layer
    """
    from workbench.viz import raster

    colours = palette("dark" if dark else "light")
    grid = _grid_cells(demand, cell_deg)
    x0, y0 = grid["x0"].to_numpy(float), grid["y0"].to_numpy(float)
    dots: dict[str, Any] = {}
    if sites is not None and len(sites):
        # every site a plan does not open, the selected one too (its pickable point is drawn
        # above its dot): choosing a site does not redraw the image
        table = site_table(sites, open_sites=open_sites)
        rest = ~table["id"].isin(clickable_site_ids(sites, open_sites=open_sites))
        minx, _, maxx, _ = (float(v) for v in districts.total_bounds)
        if zoom is None:
            zoom = view_state([minx, maxx], [0.0, 0.0])["zoom"]
        # image pixels per screen pixel at ``zoom`` (the image spans the extent plus its pad)
        screen = (maxx - minx) * (1 + 2 * raster.DEFAULT_PAD) / 360.0 * 512.0 * 2.0**zoom
        scale = raster.DEFAULT_WIDTH / max(screen, 1.0)
        dots = {
            "points": table.loc[rest, ["lon", "lat"]].to_numpy(float),
            "point_colours": np.asarray(table.loc[rest, "color"].tolist(), dtype=float).reshape(
                -1, 4
            ),
            "point_px": table.loc[rest, "radius"].to_numpy(float) * scale,
        }
    return raster.bitmap_layer(
        districts.geometry,
        layer_id=layer_id,
        fill=colours["map_fill"],
        line=colours["map_line"],
        cells=np.column_stack([x0, y0, x0 + cell_deg, y0 + cell_deg]),
        cell_colours=ramp_array(np.log10(grid["tokens_per_day"].to_numpy() + 1.0), alpha=170),
        **dots,
    )


def site_table(
    sites: pd.DataFrame,
    *,
    open_sites: Sequence[str] | None = None,
    selected: str | None = None,
) -> pd.DataFrame:
    """Attach drawing columns (colour, radius, state) to the candidate-site table.

    Parameters
    ----------
    sites
        Candidate sites with ``id``, ``tier``, ``lon``, ``lat`` (and any other columns).
    open_sites
        Ids of the sites a plan opens; ``None`` when no plan is shown (all drawn as candidates).
    selected
        Id of the site to highlight.

    Returns
    -------
    pandas.DataFrame
        The input columns used on the map plus ``color``, ``radius`` (pixels), ``line``,
        ``state``.
    """
    keep = [
        c for c in ("id", "name", "name_zh", "tier", "kind", "lon", "lat", "district") if c in sites
    ]
    df = sites[keep].copy()
    df["id"] = df["id"].astype(str)
    opened = set(map(str, open_sites)) if open_sites is not None else None
    is_open = df["id"].isin(opened) if opened is not None else pd.Series(True, index=df.index)
    tier = df["tier"].astype(str)
    radius = tier.map({"hub": 9.0, "dc": 6.5}).fillna(4.0)
    df["color"] = _site_fill(tier, is_open).tolist()
    df["radius"] = np.where(is_open, radius, np.maximum(radius * 0.6, 2.5))
    df["state"] = np.where(is_open, "open" if opened is not None else "candidate", "closed")
    df["line"] = _site_line(df["id"], selected).tolist()
    return df


def _site_fill(tier: pd.Series, is_open: Any) -> np.ndarray:
    """Fill colours of sites, ``(n, 4)``: the tier's colour, opaque when open."""
    codes, uniques = pd.factorize(tier)
    palette = np.array([TIER_COLOURS.get(t, NO_TIER_RGB) for t in uniques], dtype=np.int64)
    fill = np.empty((len(tier), 4), dtype=np.int64)
    fill[:, :3] = palette.reshape(-1, 3)[codes] if len(uniques) else 0
    fill[:, 3] = np.where(is_open, 235, 70)
    return fill


def _site_line(ids: pd.Series, selected: str | None) -> np.ndarray:
    """Outline colours of sites, ``(n, 4)``: the highlight for the selected one."""
    line = np.tile(np.array([*OUTLINE_RGB, 160], dtype=np.int64), (len(ids), 1))
    line[(ids == selected).to_numpy()] = [*HIGHLIGHT_RGB, 255]
    return line


def sites_layer(
    sites: pd.DataFrame,
    *,
    open_sites: Sequence[str] | None = None,
    selected: str | None = None,
) -> Any:
    """Draw candidate (and opened) sites as pickable points coloured by tier.

    One row of plain values per site (the :func:`site_table` columns, colours split into
    integer channels), which Panel sends to the page as typed arrays and patches column by
    column. The row order is :func:`site_table`'s, so a click's ``index`` is a row of it.

    Parameters
    ----------
    sites
        Candidate sites (``id``, ``tier``, ``lon``, ``lat``).
    open_sites
        Ids a plan opens: those are drawn opaque and larger, the rest faded.
    selected
        Id of the highlighted site.

    Returns
    -------
    pydeck.Layer
    """
    import pydeck as pdk

    df = site_table(sites, open_sites=open_sites, selected=selected)
    table = df.drop(columns=["color", "line"]).reset_index(drop=True)
    for column in table.columns:
        if table[column].dtype == object:  # names may be missing: an empty label, not NaN
            table[column] = table[column].fillna("").astype(str)
    fill = np.asarray(df["color"].tolist(), dtype=np.int64)
    line = np.asarray(df["line"].tolist(), dtype=np.int64)
    table = table.assign(**_rgba_columns(fill, "fill"), **_rgba_columns(line, "line"))
    return _table_layer(
        "ScatterplotLayer",
        table,
        id="sites",
        pickable=True,
        stroked=True,
        filled=True,
        get_position="[lon, lat]",
        get_fill_color=_rgba("fill"),
        get_line_color=_rgba("line"),
        get_radius="radius",
        radius_units=pdk.types.String("pixels"),
        line_width_units=pdk.types.String("pixels"),
        get_line_width=1,
    )


def _plain(v: Any) -> Any:
    """Return a JSON-safe Python value (numpy scalars to Python, NaN to None)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def assignment_table(
    demand: pd.DataFrame, sites: pd.DataFrame, assignment: Mapping[str, str] | pd.Series
) -> pd.DataFrame:
    """Join each assigned demand point to its site: one row per arc.

    Parameters
    ----------
    demand
        Demand points (``id``, ``lon``, ``lat``, ``tokens_per_day``).
    sites
        Sites (``id``, ``tier``, ``lon``, ``lat``).
    assignment
        Demand id -> site id (unassigned demand is simply absent).

    Returns
    -------
    pandas.DataFrame
        ``demand``, ``site``, ``tier``, ``source`` ``[lon, lat]``, ``target`` ``[lon, lat]``,
        ``tokens_per_day``, ``color``.
    """
    a = pd.Series(assignment, dtype=object).dropna()
    a.index = a.index.astype(str)
    d = demand.assign(id=demand["id"].astype(str)).set_index("id")
    s = sites.assign(id=sites["id"].astype(str)).set_index("id")
    a = a[a.index.isin(d.index) & a.astype(str).isin(s.index)].astype(str)
    dd, ss = d.loc[a.index], s.loc[a.to_numpy()]
    tier = ss["tier"].astype(str).to_numpy()
    return pd.DataFrame(
        {
            "demand": a.index.to_numpy(),
            "site": a.to_numpy(),
            "tier": tier,
            "source": [[x, y] for x, y in zip(dd["lon"], dd["lat"], strict=True)],
            "target": [[x, y] for x, y in zip(ss["lon"], ss["lat"], strict=True)],
            "tokens_per_day": dd["tokens_per_day"].to_numpy(float),
            "color": [[*TIER_COLOURS.get(t, NO_TIER_RGB), 110] for t in tier],
        }
    )


def assignment_layer(
    demand: pd.DataFrame,
    sites: pd.DataFrame,
    assignment: Mapping[str, str] | pd.Series,
    *,
    selected: str | None = None,
) -> Any:
    """Draw assignments of demand to sites as lines coloured by the serving tier (a row each).

    Parameters
    ----------
    demand, sites
        As for :func:`assignment_table`.
    assignment
        Demand id -> site id.
    selected
        Site id: its arcs are drawn bold and the others faded.

    Returns
    -------
    pydeck.Layer
    """
    import pydeck as pdk

    arcs = assignment_table(demand, sites, assignment)
    colours = np.asarray(arcs["color"].tolist(), dtype=np.int64).reshape(-1, 4)
    # thousands of arcs: faint, so the sites and the demand stay readable beneath them; the
    # selected site's arcs stand out
    if selected is not None:
        on = (arcs["site"] == selected).to_numpy()
        colours[:, 3] = np.where(on, 200, 12)
        width = np.where(on, 1.5, 0.5)
    else:
        colours[:, 3] = 28
        width = np.full(len(arcs), 0.5)
    source = np.asarray(arcs["source"].tolist(), dtype=float).reshape(-1, 2)
    target = np.asarray(arcs["target"].tolist(), dtype=float).reshape(-1, 2)
    lines = pd.DataFrame(
        {
            "demand": arcs["demand"].astype(str).to_numpy(),
            "site": arcs["site"].astype(str).to_numpy(),
            "sx": source[:, 0],
            "sy": source[:, 1],
            "tx": target[:, 0],
            "ty": target[:, 1],
            "lw": width,
            **_rgba_columns(colours, "line"),
        }
    )
    return _table_layer(
        "LineLayer",
        lines,
        id="assignment",
        pickable=False,
        get_source_position="[sx, sy]",
        get_target_position="[tx, ty]",
        get_color=_rgba("line"),
        get_width="lw",
        width_units=pdk.types.String("pixels"),
    )


def siting_deck(
    districts: Any,
    demand: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    open_sites: Sequence[str] | None = None,
    assignment: Mapping[str, str] | pd.Series | None = None,
    selected: str | None = None,
    dark: bool = False,
    cell_deg: float = 0.02,
) -> Any:
    """Build the Siting Studio map: districts, demand heat grid, assignments and sites.

    Parameters
    ----------
    districts
        District GeoDataFrame (basemap).
    demand
        Demand points.
    sites
        Candidate sites.
    open_sites
        Ids of the sites a plan opens (``None``: no plan yet).
    assignment
        Demand id -> site id of the plan.
    selected
        Id of the highlighted site.
    dark
        Colours for a dark page.
    cell_deg
        Demand grid cell size in degrees.

    Returns
    -------
    pydeck.Deck
        A Deck with no tile basemap; show it with ``pn.pane.DeckGL(deck_spec(deck))``.
    """
    import pydeck as pdk

    minx, miny, maxx, maxy = (float(v) for v in districts.total_bounds)
    vs = view_state([minx, maxx], [miny, maxy])
    vs["zoom"] += 0.7
    chosen: dict[str, Any] = {"open_sites": open_sites, "selected": selected}
    layers = [
        base_layer(
            districts,
            demand,
            sites=sites,
            open_sites=open_sites,
            zoom=vs["zoom"],
            cell_deg=cell_deg,
            dark=dark,
        )
    ]
    if assignment is not None:
        layers.append(assignment_layer(demand, sites, assignment, selected=selected))
    ids = clickable_site_ids(sites, **chosen)
    if ids:  # before a plan: every candidate is in the image
        on_top = sites[sites["id"].astype(str).isin(ids)]
        layers.append(sites_layer(on_top, **chosen))
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**vs),
        map_style=None,
        map_provider=None,
        tooltip={"html": "<b>{id}</b> {name} {name_en} {name_zh}<br/>{tier} {state}"},
    )


def deck_spec(deck: Any) -> dict[str, Any]:
    """Turn a pydeck ``Deck`` into the dict spec Panel's ``DeckGL`` pane draws offline.

    pydeck drops ``map_style=None`` from its JSON, and Panel's deck.gl model then fails silently
    (no ``mapStyle`` key). This returns the Deck's JSON as a dict with ``"mapStyle": None`` set.

    Parameters
    ----------
    deck
        A ``pydeck.Deck``.

    Returns
    -------
    dict
        The deck.gl JSON spec, with ``"mapStyle": None`` and no ``mapProvider``. A layer whose
        data is a table of plain values (one dict of numbers and strings per row) gets it as a
        ``pandas.DataFrame``: Panel sends its columns as typed arrays, and a new spec is not
        compared value by value with the one on screen (a second per update for the
        Siting Studio's 13,000 rows).
    """
    from pydeck.bindings.json_tools import default_serialize

    tables: dict[int, pd.DataFrame] = {}
    layers = list(getattr(deck, "layers", []) or [])
    for i, layer in enumerate(layers):
        rows = layer.data
        if isinstance(rows, pd.DataFrame):
            tables[i] = rows
        elif isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows[:1]):
            first = rows[0]
            if all(isinstance(v, (int, float, str, bool, np.generic)) for v in first.values()):
                tables[i] = pd.DataFrame.from_records(rows)
    saved = {i: layers[i].data for i in tables}
    try:
        for i in tables:  # the rows are not written out and read back as JSON
            layers[i].data = []
        # pydeck's own ``to_json`` indents and sorts keys; compact JSON is the same spec, 3x
        # faster
        spec = json.loads(json.dumps(deck, default=default_serialize, separators=(",", ":")))
    finally:
        for i, rows in saved.items():
            layers[i].data = rows
    for i, table in tables.items():
        spec["layers"][i]["data"] = table
    spec["mapStyle"] = None
    spec.pop("mapProvider", None)
    spec.pop("views", None)
    return spec


def latency_figure(
    latency_ms: Sequence[float], *, budget_ms: float | None = None, theme: str = "light"
) -> Any:
    """Histogram of demand latencies (ms) with the budget marked.

    Parameters
    ----------
    latency_ms
        Latency of each served demand point in milliseconds.
    budget_ms
        The latency budget, drawn as a vertical line.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
    """
    # bokeh's stub of bokeh.models does not re-export Span: import it from where it is defined
    from bokeh.models.annotations.geometry import Span
    from bokeh.plotting import figure

    lat = np.asarray(latency_ms, dtype=float)
    lat = lat[np.isfinite(lat)]
    fig = figure(
        height=220,
        sizing_mode="stretch_width",
        title="Latency of served demand (ms)",
        x_axis_label="ms",
        y_axis_label="demand points",
        toolbar_location=None,
    )
    if lat.size:
        hist, edges = np.histogram(lat, bins=min(30, max(5, lat.size // 5)))
        fig.quad(
            top=hist,
            bottom=0,
            left=edges[:-1],
            right=edges[1:],
            fill_color=COLOURS["blue"],
            line_color=None,
        )
    if budget_ms is not None:
        fig.add_layout(
            Span(
                location=float(budget_ms),
                dimension="height",
                line_color=COLOURS["red"],
                line_dash="dashed",
                line_width=2,
            )
        )
    style_figure(fig, theme)
    return fig


def compare_figure(table: pd.DataFrame, metric: str, *, theme: str = "light") -> Any:
    """Bar chart of one KPI across kept plans.

    Parameters
    ----------
    table
        One row per plan (index = plan name), one column per KPI.
    metric
        The column to draw.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
    """
    from bokeh.models import FactorRange
    from bokeh.plotting import figure

    names = [str(i) for i in table.index]
    vals = table[metric].to_numpy(float) if metric in table else np.zeros(len(names))
    fig = figure(
        x_range=FactorRange(factors=names),
        height=220,
        sizing_mode="stretch_width",
        title=metric,
        toolbar_location=None,
    )
    fig.vbar(x=names, top=vals, width=0.7, color=to_hex(RAMPS["seq"][4]))
    style_figure(fig, theme)
    return fig


def tier_counts(sites: pd.DataFrame, open_sites: Sequence[str]) -> dict[str, int]:
    """Count opened sites per tier (in the order hub, edge, dc).

    Parameters
    ----------
    sites
        Candidate sites with ``id`` and ``tier``.
    open_sites
        Ids of opened sites.

    Returns
    -------
    dict
        Tier -> count.
    """
    s = sites[sites["id"].astype(str).isin(set(map(str, open_sites)))]
    counts = s["tier"].astype(str).value_counts()
    return {t: int(counts.get(t, 0)) for t in SITE_TIERS}


def style_figure(fig: Any, theme: str) -> None:
    """Apply the light or dark colours to a Bokeh figure in place (the workbench's one style).

    Parameters
    ----------
    fig
        A ``bokeh.plotting.figure``.
    theme
        ``"light"`` or ``"dark"``.
    """
    from workbench.viz.theme import style_figure as _style

    _style(fig, theme)
