"""deck.gl maps as pydeck objects, drawn from shipped geometry (no basemap tiles).

Every function is pure: data in, pydeck layer or deck out. :func:`deck_to_spec` turns a deck
into the dict Panel's ``DeckGL`` pane draws offline (with ``"mapStyle": None`` set explicitly;
without that key the pane fails silently).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.viz.theme import INDEX_TIER_RGB, NO_TIER_RGB, OUTLINE_RGB, palette

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd
    import pydeck as pdk

#: Colour of each index tier (RGB), best first (:data:`workbench.viz.theme.INDEX_TIER_RGB`).
TIER_COLOURS: dict[str, list[int]] = INDEX_TIER_RGB


def basemap_style(theme: str = "light") -> dict[str, list[int]]:
    """Return the basemap's fill and outline colours in ``theme`` (``"light"`` or ``"dark"``).

    Returns
    -------
    dict
        ``fill`` and ``line`` (RGBA), the keywords :func:`workbench.viz.raster.polygon_image`
        takes.
    """
    colours = palette(theme)
    return {"fill": list(colours["map_fill"]), "line": list(colours["map_line"])}


def basemap_layer(
    geometry: gpd.GeoDataFrame, *, theme: str = "light", layer_id: str = "basemap"
) -> pdk.Layer:
    """Draw administrative polygons (provinces, districts) as the map's background image.

    The polygons are drawn once (per geometry and theme, in this process) into a PNG in the
    map's projection and shown as a deck.gl ``BitmapLayer``: on a browser without a GPU,
    outlines drawn by WebGL (``GeoJsonLayer``'s ``PathLayer``) delay the map's first frame
    by seconds, an image does not (see :mod:`workbench.viz.raster`).

    Parameters
    ----------
    geometry
        Polygons in EPSG:4326 (for example ``load_sample("provinces")``); none gives a layer
        that draws nothing.
    theme
        ``"light"`` or ``"dark"``: the fill and line colours.
    layer_id
        The layer's id.

    Returns
    -------
    pydeck.Layer
        The layer (not pickable: it is the background).
    """
    import pydeck as pdk

    from workbench.viz import raster

    if len(geometry) == 0:
        return pdk.Layer(
            "BitmapLayer", data=None, id=layer_id, image=None, bounds=[0, 0, 0, 0], visible=False
        )
    return raster.bitmap_layer(geometry, layer_id=layer_id, **basemap_style(theme))


def scatter_layer(
    records: Sequence[Mapping[str, Any]],
    *,
    layer_id: str,
    radius: str = "radius",
    colour: str = "colour",
    pickable: bool = True,
) -> pdk.Layer:
    """Draw points (cities, sites) as a ``ScatterplotLayer``.

    Parameters
    ----------
    records
        One mapping per point with ``lon``, ``lat``, a radius in metres and an RGB(A) colour.
    layer_id
        The layer's id (clicks report it with the row index).
    radius, colour
        The keys holding the radius and the colour, or deck.gl expressions over the keys
        (for example :data:`CITY_FILL`).
    pickable
        Whether hovering and clicking report the point.

    Returns
    -------
    pydeck.Layer
        The layer.
    """
    import pydeck as pdk

    return pdk.Layer(
        "ScatterplotLayer",
        data=list(records),
        id=layer_id,
        get_position=["lon", "lat"],
        get_radius=radius,
        get_fill_color=colour,
        get_line_color=[255, 255, 255],
        stroked=True,
        line_width_min_pixels=1,
        radius_min_pixels=3,
        radius_max_pixels=40,
        pickable=pickable,
        auto_highlight=True,
    )


def city_frame(
    cities: pd.DataFrame,
    *,
    score: str = "score",
    tier: str = "tier",
    name: str = "name_en",
    selected: str | None = None,
    selected_colour: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Turn a city table into the map's city layer data: colour by tier, radius by score.

    Vectorised; the columns of a deck.gl layer (Panel sends only the columns that change).

    Parameters
    ----------
    cities
        One row per city with ``code``, ``lon``, ``lat``, a score column (0-100 or any
        scale), a tier column and a name column.
    score, tier, name
        The columns to use.
    selected
        Code of the selected city, drawn larger in ``selected_colour``.
    selected_colour
        RGBA colour of the selected city; near-black when ``None`` (use white on dark maps).

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``lon``, ``lat``, ``score`` (rounded, NaN when missing), ``tier``,
        ``radius`` (metres) and the fill colour as four 0-255 columns (:data:`FILL_COLUMNS`,
        drawn by :data:`CITY_FILL`), in the row order of ``cities`` (a click's index is a row).
    """
    import pandas as pd

    codes = cities["code"].astype(str).to_numpy()
    frame = pd.DataFrame(
        {
            "code": codes,
            "name": cities[name].astype(str).to_numpy(),
            "lon": cities["lon"].to_numpy(dtype=float),
            "lat": cities["lat"].to_numpy(dtype=float),
        }
    )
    style = _city_style(
        codes,
        cities[score].to_numpy(dtype=float),
        cities[tier].astype(str).to_numpy(),
        selected,
        selected_colour,
    )
    for column, values in style.items():
        frame[column] = values
    return frame


#: The fill colour of a city point: four 0-255 columns (numbers travel to the browser as
#: one binary array each; a column of [r, g, b, a] lists is encoded list by list, which made
#: up about two thirds of a served weight move's CPU for 300 cities).
FILL_COLUMNS = ("fill_r", "fill_g", "fill_b", "fill_a")
#: The deck.gl accessor that reads them.
CITY_FILL = "[fill_r, fill_g, fill_b, fill_a]"
#: The columns of :func:`city_frame` that depend on the scores (and the selected city).
SCORED_COLUMNS = ("score", "tier", "radius", *FILL_COLUMNS)


def rescore_city_frame(
    frame: pd.DataFrame,
    score: np.ndarray,
    tier: np.ndarray,
    *,
    selected: str | None = None,
    selected_colour: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Return a :func:`city_frame` with new scores and tiers (rows and places unchanged).

    A weight move changes only :data:`SCORED_COLUMNS`; the codes, names and places are kept
    as they are (a shallow copy), so nothing is rebuilt per city but those four columns.

    Parameters
    ----------
    frame
        A frame from :func:`city_frame`.
    score, tier
        The new score and tier of each row of ``frame``.
    selected, selected_colour
        As for :func:`city_frame`.

    Returns
    -------
    pandas.DataFrame
    """
    out = frame.copy(deep=False)
    style = _city_style(
        frame["code"].to_numpy(), np.asarray(score, dtype=float), tier, selected, selected_colour
    )
    for column, values in style.items():
        out[column] = values
    return out


def _city_style(
    codes: np.ndarray,
    values: np.ndarray,
    tiers: np.ndarray,
    selected: str | None,
    selected_colour: Sequence[int] | None,
) -> dict[str, Any]:
    """Return the score-dependent columns of the city layer (:data:`SCORED_COLUMNS`)."""
    finite = np.isfinite(values)
    lo, hi = (float(values[finite].min()), float(values[finite].max())) if finite.any() else (0, 1)
    span = hi - lo if hi > lo else 1.0
    share = np.where(finite, (values - lo) / span, 0.0)
    tiers = np.array([str(t) for t in tiers], dtype=object)
    is_selected = codes == selected
    palette_of = {t: [*TIER_COLOURS.get(t, NO_TIER_RGB), 220] for t in set(tiers)}
    chosen = list(selected_colour or [*OUTLINE_RGB, 255])
    if len(chosen) == 3:  # RGB: opaque
        chosen.append(255)
    fill = np.array([palette_of[t] for t in tiers], dtype=np.uint8).reshape(len(tiers), 4)
    fill[is_selected] = chosen
    return {
        "score": np.round(values, 2),
        "tier": tiers,
        "radius": 18_000 + 60_000 * share + np.where(is_selected, 25_000, 0),
        **{column: fill[:, i] for i, column in enumerate(FILL_COLUMNS)},
    }


def city_records(
    cities: pd.DataFrame,
    *,
    score: str = "score",
    tier: str = "tier",
    name: str = "name_en",
    selected: str | None = None,
    selected_colour: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Turn a city table into map records: colour by tier, radius by score.

    The records of :func:`city_frame` (a missing score is ``None``).

    Parameters
    ----------
    cities
        One row per city with ``code``, ``lon``, ``lat``, a score column (0-100 or any
        scale), a tier column and a name column.
    score, tier, name
        The columns to use.
    selected
        Code of the selected city, drawn larger in ``selected_colour``.
    selected_colour
        RGBA colour of the selected city; near-black when ``None`` (use white on dark maps).

    Returns
    -------
    list of dict
        Records with ``code``, ``name``, ``lon``, ``lat``, ``score``, ``tier``, ``radius``
        (metres), the fill channels (:data:`FILL_COLUMNS`) and ``colour`` (the same as an
        RGBA list), in the row order of ``cities`` (a click's index is a row).
    """
    frame = city_frame(
        cities,
        score=score,
        tier=tier,
        name=name,
        selected=selected,
        selected_colour=selected_colour,
    )
    records = frame.to_dict(orient="records")
    for record in records:
        record["radius"] = float(record["radius"])
        for column in FILL_COLUMNS:
            record[column] = int(record[column])
        record["colour"] = [record[column] for column in FILL_COLUMNS]
        if not math.isfinite(record["score"]):
            record["score"] = None
    return records


def city_layer(records: Sequence[Mapping[str, Any]], *, layer_id: str = "cities") -> pdk.Layer:
    """Draw city records from :func:`city_records` as a pickable scatter layer.

    Parameters
    ----------
    records
        The records.
    layer_id
        The layer's id.

    Returns
    -------
    pydeck.Layer
        The layer.
    """
    return scatter_layer(records, layer_id=layer_id, colour=CITY_FILL)


def hexagon_layer(
    points: pd.DataFrame,
    *,
    weight: str,
    layer_id: str = "demand",
    radius_m: float = 1500.0,
) -> pdk.Layer:
    """Aggregate weighted points (demand) into hexagons.

    Parameters
    ----------
    points
        Rows with ``lon``, ``lat`` and the weight column.
    weight
        The column summed in each hexagon.
    layer_id
        The layer's id.
    radius_m
        The hexagon radius in metres.

    Returns
    -------
    pydeck.Layer
        A ``HexagonLayer``.
    """
    import pydeck as pdk

    data = points[["lon", "lat", weight]].to_dict(orient="records")
    return pdk.Layer(
        "HexagonLayer",
        data=data,
        id=layer_id,
        get_position=["lon", "lat"],
        get_elevation_weight=weight,
        get_color_weight=weight,
        elevation_aggregation="SUM",
        color_aggregation="SUM",
        radius=radius_m,
        extruded=False,
        opacity=0.6,
        pickable=True,
    )


def arc_layer(
    arcs: pd.DataFrame,
    *,
    layer_id: str = "assignments",
    colour: Sequence[int] = (11, 110, 79, 160),
) -> pdk.Layer:
    """Draw assignments (demand point to serving site) as arcs.

    Parameters
    ----------
    arcs
        Rows with ``src_lon``, ``src_lat``, ``dst_lon``, ``dst_lat``.
    layer_id
        The layer's id.
    colour
        RGBA colour of the arcs.

    Returns
    -------
    pydeck.Layer
        An ``ArcLayer``.
    """
    import pydeck as pdk

    cols = ["src_lon", "src_lat", "dst_lon", "dst_lat"]
    return pdk.Layer(
        "ArcLayer",
        data=arcs[cols].to_dict(orient="records"),
        id=layer_id,
        get_source_position=["src_lon", "src_lat"],
        get_target_position=["dst_lon", "dst_lat"],
        get_source_color=list(colour),
        get_target_color=list(colour),
        get_width=1,
        pickable=False,
    )


def index_map(
    provinces: gpd.GeoDataFrame,
    records: Sequence[Mapping[str, Any]],
    *,
    theme: str = "light",
    view: Mapping[str, float] | None = None,
) -> pdk.Deck:
    """Build the Index Explorer's map: provinces as the basemap, cities on top.

    Parameters
    ----------
    provinces
        Province polygons.
    records
        City records from :func:`city_records`.
    theme
        ``"light"`` or ``"dark"``.
    view
        ``latitude``, ``longitude``, ``zoom``; all of China when ``None``.

    Returns
    -------
    pydeck.Deck
        The deck (turn it into a spec for Panel with :func:`deck_to_spec`).
    """
    import pydeck as pdk

    view = dict(view or {"latitude": 34.5, "longitude": 106.0, "zoom": 3.0})
    return pdk.Deck(
        layers=[basemap_layer(provinces, theme=theme), city_layer(records)],
        initial_view_state=pdk.ViewState(pitch=0, bearing=0, **view),
        map_style=None,
        tooltip={"html": "<b>{name}</b><br/>{tier} · {score}"},
    )


def deck_to_spec(deck: pdk.Deck, *, theme: str = "light") -> dict[str, Any]:
    """Turn a pydeck ``Deck`` into the dict spec Panel's ``DeckGL`` pane draws without tiles.

    Parameters
    ----------
    deck
        The deck.
    theme
        ``"light"`` or ``"dark"``: the map's background colour.

    Returns
    -------
    dict
        The deck.gl JSON spec with ``"mapStyle": None`` (pydeck drops a ``None`` map style,
        and the pane needs the key) and no map provider.
    """
    spec = json.loads(deck.to_json())
    spec["mapStyle"] = None
    spec.pop("mapProvider", None)
    spec.pop("views", None)
    spec.pop("tooltip", None)
    spec["background"] = palette(theme)["map_bg"]
    return spec
