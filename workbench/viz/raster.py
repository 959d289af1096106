"""Polygons (with grid cells and dots) drawn once into an image, shown as a ``BitmapLayer``.

Why an image: a browser without a GPU (a workshop laptop in a VM, a remote desktop, the
headless Chromium of the tests) emulates WebGL on the CPU, and there deck.gl's ``PathLayer``,
which ``GeoJsonLayer`` uses for polygon outlines, costs 1.3-2.5 s before the map's first
frame (shader set-up, measured in ``benchmarks/app_bench.py``'s notes); a textured rectangle
costs next to nothing. Outlines (and a basemap's flat fill) do not change while a page is
open, so they are drawn here, in Web Mercator like the map, and sent as a PNG.

Pure functions: geometry in, PNG bytes or a pydeck layer out. No Panel.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pydeck as pdk

#: Drawn at this many times the image's size, then reduced: smooth (antialiased) edges.
SUPERSAMPLE = 2
#: The image's width in pixels unless told otherwise (about a map's width at its first zoom, and
#: more: sharp at the first zoom step in).
DEFAULT_WIDTH = 1600
#: Margin around the geometry's extent, as a share of its size, unless told otherwise.
DEFAULT_PAD = 0.02
#: Colours kept in the PNG (flat fills and lines, with their smoothed edges).
PALETTE = 64
_MAX_SIDE = 4096

RGBA = Sequence[int]


def _mercator_y(lat: np.ndarray) -> np.ndarray:
    """Web Mercator's y (radians) of latitudes in degrees, clipped to the projection's range."""
    phi = np.radians(np.clip(lat, -85.0511, 85.0511))
    return np.log(np.tan(np.pi / 4 + phi / 2))


def _rings(geom: Any) -> list[tuple[np.ndarray, list[np.ndarray]]]:
    """Return ``(exterior, [holes])`` coordinate arrays of a (multi)polygon."""
    parts = getattr(geom, "geoms", [geom])
    out = []
    for part in parts:
        if part.is_empty or part.geom_type != "Polygon":
            continue
        out.append(
            (np.asarray(part.exterior.coords), [np.asarray(r.coords) for r in part.interiors])
        )
    return out


def _colour(rgba: RGBA) -> tuple[int, int, int, int]:
    values = [int(v) for v in rgba]
    if len(values) == 3:
        values.append(255)
    if len(values) != 4 or not all(0 <= v <= 255 for v in values):
        msg = f"a colour must be 3 or 4 integers in 0-255, got {list(rgba)!r}"
        raise ValueError(msg)
    return (values[0], values[1], values[2], values[3])


def polygon_image(
    geometry: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    fill: RGBA | None = None,
    line: RGBA | None = None,
    line_px: float = 1.0,
    emphasis: Sequence[bool] | None = None,
    emphasis_line: RGBA = (255, 200, 0, 255),
    emphasis_px: float = 3.0,
    cells: np.ndarray | None = None,
    cell_colours: np.ndarray | None = None,
    points: np.ndarray | None = None,
    point_colours: np.ndarray | None = None,
    point_px: np.ndarray | float = 3.0,
    width: int = DEFAULT_WIDTH,
    pad: float = DEFAULT_PAD,
) -> tuple[bytes, list[float]]:
    """Draw polygons into a transparent PNG in Web Mercator, the projection of a deck.gl map.

    Parameters
    ----------
    geometry
        Polygons or multipolygons in EPSG:4326 (another CRS is converted).
    fill
        Fill colour (RGB or RGBA, 0-255); ``None`` leaves the inside transparent.
    line
        Outline colour; ``None`` draws no outlines.
    line_px
        Outline width in the image's pixels.
    emphasis
        One flag per row: these rows' outlines are drawn last, in ``emphasis_line`` and
        ``emphasis_px`` (a selected district).
    emphasis_line, emphasis_px
        The emphasised outlines' colour and width.
    cells
        Rectangles drawn over the fills and under the outlines (a demand grid), one row
        ``[west, south, east, north]`` each, in degrees.
    cell_colours
        One RGBA row (0-255) per cell; translucent cells blend with the fills below.
    points, point_colours, point_px
        Dots drawn last (over the outlines): one ``[lon, lat]`` row, one RGBA row and a
        radius in the image's pixels (one for all, or one each) per dot.
    width
        The image's width in pixels; the height follows the geometry's extent.
    pad
        Margin around the extent, as a share of its size (outlines at the edge stay whole).

    Returns
    -------
    png : bytes
        The image.
    bounds : list of float
        ``[west, south, east, north]`` in degrees: where the image goes on the map.

    Raises
    ------
    ValueError
        If the geometry is empty, ``emphasis`` has another length than the geometry, a
        colour is not 3 or 4 integers in 0-255, ``cells`` and ``cell_colours`` do not
        have one row of 4 numbers per cell, or ``point_colours`` has not one RGBA row per
        point.
    """
    from PIL import Image, ImageDraw

    series = getattr(geometry, "geometry", geometry)
    if getattr(series, "crs", None) is not None and series.crs.to_epsg() != 4326:
        series = series.to_crs(4326)
    geoms = list(series)
    if not geoms or all(g is None or g.is_empty for g in geoms):
        msg = "polygon_image: the geometry is empty; give at least one polygon"
        raise ValueError(msg)
    flags = [False] * len(geoms) if emphasis is None else [bool(f) for f in emphasis]
    if len(flags) != len(geoms):
        msg = (
            f"polygon_image: emphasis has {len(flags)} flags for {len(geoms)} shapes; "
            "give one flag per row of the geometry"
        )
        raise ValueError(msg)
    boxes, box_colours = _cells(cells, cell_colours)
    dots, dot_colours = _points(points, point_colours)
    dot_px = np.broadcast_to(np.asarray(point_px, dtype=float), (len(dots),))
    fill_c = None if fill is None else _colour(fill)
    line_c = None if line is None else _colour(line)
    emph_c = _colour(emphasis_line)

    west, south, east, north = (float(v) for v in series.total_bounds)
    # a point-like extent (one tiny shape) still gets an image of some size
    dx = (east - west) * pad if east > west else 0.01
    dy = (north - south) * pad if north > south else 0.01
    west, east, south, north = west - dx, east + dx, max(south - dy, -85.0), min(north + dy, 85.0)
    x0, x1 = np.radians(west), np.radians(east)
    y0, y1 = (float(v) for v in _mercator_y(np.array([south, north])))
    width = int(min(max(width, 16), _MAX_SIDE))
    height = int(min(max(round(width * (y1 - y0) / (x1 - x0)), 16), _MAX_SIDE))
    big_w, big_h = width * SUPERSAMPLE, height * SUPERSAMPLE

    def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel columns and rows (of the supersampled image) of positions in degrees."""
        return (
            (np.radians(lon) - x0) / (x1 - x0) * big_w,
            (y1 - _mercator_y(lat)) / (y1 - y0) * big_h,
        )

    def pixels(coords: np.ndarray) -> list[tuple[float, float]]:
        px, py = project(coords[:, 0], coords[:, 1])
        return list(zip(px.tolist(), py.tolist(), strict=True))

    shapes = [[] if g is None else _rings(g) for g in geoms]
    image = Image.new("RGBA", (big_w, big_h), (0, 0, 0, 0))
    if fill_c is not None:
        for rings in shapes:
            for exterior, holes in rings:
                # each polygon through its own mask, so one shape's hole never clears another
                outer = pixels(exterior)
                xs, ys = [p[0] for p in outer], [p[1] for p in outer]
                left, top = int(np.floor(min(xs))), int(np.floor(min(ys)))
                right, bottom = int(np.ceil(max(xs))) + 1, int(np.ceil(max(ys))) + 1
                mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
                draw = ImageDraw.Draw(mask)
                draw.polygon([(x - left, y - top) for x, y in outer], fill=255)
                for hole in holes:
                    draw.polygon([(x - left, y - top) for x, y in pixels(hole)], fill=0)
                image.paste(fill_c, (left, top, left + mask.width, top + mask.height), mask)
    if len(boxes):
        overlay = Image.new("RGBA", (big_w, big_h), (0, 0, 0, 0))
        cell_draw = ImageDraw.Draw(overlay)
        px0, py0 = project(boxes[:, 0], boxes[:, 3])  # north-west corner: top left
        px1, py1 = project(boxes[:, 2], boxes[:, 1])
        for a, b, c, d, rgba in zip(px0, py0, px1, py1, box_colours.tolist(), strict=True):
            cell_draw.rectangle((a, b, c, d), fill=tuple(rgba))
        image = Image.alpha_composite(image, overlay)
    draw = ImageDraw.Draw(image)
    for pass_emphasis in (False, True):
        colour, px = (emph_c, emphasis_px) if pass_emphasis else (line_c, line_px)
        if colour is None:
            continue
        stroke = max(1, round(px * SUPERSAMPLE))
        for rings, flag in zip(shapes, flags, strict=True):
            if flag != pass_emphasis:
                continue
            for exterior, holes in rings:
                for ring in (exterior, *holes):
                    draw.line(pixels(ring), fill=colour, width=stroke, joint="curve")
    if len(dots):
        overlay = Image.new("RGBA", (big_w, big_h), (0, 0, 0, 0))
        dot_draw = ImageDraw.Draw(overlay)
        dot_x, dot_y = project(dots[:, 0], dots[:, 1])
        radius = dot_px * SUPERSAMPLE
        for x, y, r, rgba in zip(dot_x, dot_y, radius, dot_colours.tolist(), strict=True):
            dot_draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rgba))
        image = Image.alpha_composite(image, overlay)
    # average each block of SUPERSAMPLE x SUPERSAMPLE pixels with alpha premultiplied (so
    # transparent pixels do not darken edges), then keep 64 colours: a small PNG
    small = image.convert("RGBa").reduce(SUPERSAMPLE).convert("RGBA")
    buffer = io.BytesIO()
    small.quantize(PALETTE, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG")
    return buffer.getvalue(), [west, south, east, north]


def _cells(cells: Any, colours: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check and return the rectangles and their colours as arrays (none: empty arrays)."""
    if cells is None and colours is None:
        return np.empty((0, 4)), np.empty((0, 4), dtype=np.uint8)
    boxes = np.asarray(cells if cells is not None else [], dtype=float)
    rgba = np.asarray(colours if colours is not None else [], dtype=float)
    if boxes.ndim != 2 or boxes.shape[1:] != (4,) or rgba.shape != boxes.shape:
        msg = (
            f"polygon_image: cells {boxes.shape} and cell_colours {rgba.shape} must both have "
            "one row of 4 numbers per cell ([west, south, east, north] and RGBA)"
        )
        raise ValueError(msg)
    if len(rgba) and (rgba.min() < 0 or rgba.max() > 255):
        msg = "polygon_image: cell_colours must be RGBA values in 0-255"
        raise ValueError(msg)
    return boxes, rgba.round().astype(np.uint8)


def _points(points: Any, colours: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check and return the dots' positions and colours as arrays (none: empty arrays)."""
    if points is None and colours is None:
        return np.empty((0, 2)), np.empty((0, 4), dtype=np.uint8)
    where = np.asarray(points if points is not None else [], dtype=float).reshape(-1, 2)
    rgba = np.asarray(colours if colours is not None else [], dtype=float)
    if rgba.shape != (len(where), 4):
        msg = (
            f"polygon_image: {len(where)} points need {len(where)} RGBA rows in point_colours, "
            f"got shape {rgba.shape}"
        )
        raise ValueError(msg)
    return where, np.clip(rgba, 0, 255).round().astype(np.uint8)


def data_url(png: bytes) -> str:
    """Return ``png`` as a ``data:`` URL (the page needs no request to show it)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def geometry_key(geometry: gpd.GeoDataFrame | gpd.GeoSeries) -> str:
    """Return a digest of the geometry's shapes (a cache key that follows the content)."""
    series = getattr(geometry, "geometry", geometry)
    digest = hashlib.sha256()
    for geom in series:
        digest.update(b"\0" if geom is None else geom.wkb)
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def _cached_image(key: str, inputs: Any) -> tuple[bytes, tuple[float, ...]]:
    geometry, options = inputs.value
    png, bounds = polygon_image(geometry, **options)
    return png, tuple(bounds)


class _ByKey:
    """Carry unhashable inputs (geometry, arrays) through ``lru_cache``; equal by digest."""

    __slots__ = ("key", "value")

    def __init__(self, key: str, value: Any) -> None:
        self.key, self.value = key, value

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByKey) and other.key == self.key


def cached_image(
    geometry: gpd.GeoDataFrame | gpd.GeoSeries, **options: Any
) -> tuple[bytes, list[float]]:
    """Return :func:`polygon_image` of ``geometry``, drawn once per content in a process.

    Parameters
    ----------
    geometry
        Polygons in EPSG:4326.
    **options
        :func:`polygon_image`'s keyword arguments; equal geometry and options (by value:
        colours as lists or tuples, arrays by their numbers) give the cached image.

    Returns
    -------
    png : bytes
    bounds : list of float
    """
    digest = hashlib.sha256(geometry_key(geometry).encode())
    for name in sorted(options):
        value = options[name]
        digest.update(name.encode())
        if isinstance(value, np.ndarray | pd.DataFrame | list | tuple):  # colours, cells, flags
            array = np.ascontiguousarray(np.asarray(value, dtype=float))
            digest.update(repr(array.shape).encode() + array.tobytes())
        else:
            digest.update(repr(value).encode())
    key = digest.hexdigest()
    png, bounds = _cached_image(key, _ByKey(key, (geometry, options)))
    return png, list(bounds)


def bitmap_layer(
    geometry: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    layer_id: str,
    **options: Any,
) -> pdk.Layer:
    """Draw polygons as a deck.gl ``BitmapLayer`` (see :func:`polygon_image`).

    The image is drawn once per geometry and options in a process (:func:`cached_image`).

    Parameters
    ----------
    geometry
        Polygons in EPSG:4326.
    layer_id
        The layer's id.
    **options
        :func:`polygon_image`'s keyword arguments (colours as lists or tuples).

    Returns
    -------
    pydeck.Layer
        A layer that is not pickable (clicks and tooltips go to the layers above it).
    """
    import pydeck as pdk

    png, bounds = cached_image(geometry, **options)
    return pdk.Layer(
        "BitmapLayer",
        data=None,
        id=layer_id,
        image=pdk.types.String(data_url(png)),  # a plain string, not an accessor expression
        bounds=bounds,
        pickable=False,
    )
