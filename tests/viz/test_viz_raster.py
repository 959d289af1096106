"""Polygons drawn into an image in Web Mercator, placed where a deck.gl map puts them."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import Polygon, box

from workbench.viz import raster

FILL = (200, 40, 40, 255)
LINE = (0, 0, 255, 255)


def _frame(*shapes) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [str(i) for i in range(len(shapes))]}, geometry=list(shapes))


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _row_of(lat: float, south: float, north: float, height: int) -> float:
    def y(v: float) -> float:
        return float(np.log(np.tan(np.pi / 4 + np.radians(v) / 2)))

    return (y(north) - y(lat)) / (y(north) - y(south)) * height


def test_polygons_land_where_web_mercator_puts_them():
    # two squares far apart in latitude: a linear (equirectangular) image would misplace them
    frame = _frame(box(0, 0, 10, 10), box(0, 50, 10, 60)).set_crs(4326)
    png, bounds = raster.polygon_image(frame, fill=FILL, width=200, pad=0.0)
    assert bounds == [0.0, 0.0, 10.0, 60.0]
    image = _pixels(png)
    height = image.shape[0]
    assert height > 200  # Mercator stretches 60 degrees of latitude over 10 of longitude
    column = image[:, 100]
    filled = np.flatnonzero(column[:, 3] > 128)
    # the northern square ends, and the southern one starts, where Mercator says
    top_gap = filled[np.flatnonzero(np.diff(filled) > 1)[0]]
    assert abs(top_gap - _row_of(50, 0, 60, height)) <= 2
    assert column[int(_row_of(30, 0, 60, height)), 3] == 0  # between them: transparent
    assert tuple(column[int(_row_of(55, 0, 60, height))]) == FILL
    assert tuple(column[int(_row_of(5, 0, 60, height))]) == FILL


def test_a_hole_is_cleared_but_a_shape_inside_it_is_kept():
    ring = Polygon(box(0, 0, 10, 10).exterior.coords, [box(3, 3, 7, 7).exterior.coords])
    island = box(4, 4, 6, 6)
    png, _ = raster.polygon_image(_frame(ring, island), fill=FILL, width=100, pad=0.0)
    image = _pixels(png)
    h, w = image.shape[:2]
    assert tuple(image[int(h * 0.1), int(w * 0.1)]) == FILL  # the ring
    assert image[int(h * 0.35), int(w * 0.35), 3] == 0  # its hole
    assert tuple(image[h // 2, w // 2]) == FILL  # the island in the hole


def test_outlines_and_the_emphasised_outline_take_their_colours():
    frame = _frame(box(0, 0, 10, 10), box(10, 0, 20, 10))
    emphasis = (255, 200, 0, 255)
    png, _ = raster.polygon_image(
        frame, line=LINE, emphasis=[False, True], emphasis_line=emphasis, width=200
    )
    colours = {tuple(p) for p in _pixels(png).reshape(-1, 4) if p[3] == 255}
    assert LINE in colours
    assert emphasis in colours
    plain, _ = raster.polygon_image(frame, line=LINE, width=200)
    assert emphasis not in {tuple(p) for p in _pixels(plain).reshape(-1, 4)}


def test_another_crs_is_converted_first():
    frame = _frame(box(100, 20, 110, 30)).set_crs(4326)
    _, bounds = raster.polygon_image(frame, fill=FILL, width=64)
    _, projected = raster.polygon_image(frame.to_crs(3857), fill=FILL, width=64)
    assert np.allclose(bounds, projected)


def test_bad_input_is_named():
    frame = _frame(box(0, 0, 1, 1), box(1, 0, 2, 1))
    with pytest.raises(ValueError, match="emphasis has 1 flags for 2 shapes; give one flag"):
        raster.polygon_image(frame, line=LINE, emphasis=[True])
    with pytest.raises(ValueError, match="the geometry is empty; give at least one polygon"):
        raster.polygon_image(frame.iloc[:0], fill=FILL)
    bad_colour = r"a colour must be 3 or 4 integers in 0-255, got \[0, 0, 300\]"
    with pytest.raises(ValueError, match=bad_colour):
        raster.polygon_image(frame, fill=(0, 0, 300))


def test_bitmap_layer_draws_once_per_content_and_options():
    frame = _frame(box(0, 0, 1, 1)).set_crs(4326)
    raster._cached_image.cache_clear()
    first = raster.bitmap_layer(frame, layer_id="a", fill=list(FILL))
    again = raster.bitmap_layer(frame.copy(), layer_id="b", fill=FILL)  # equal content
    assert raster._cached_image.cache_info().misses == 1
    assert first.type == "BitmapLayer"
    assert first.image == again.image
    assert str(first.image).startswith("data:image/png;base64,")
    assert first.pickable is False
    other = raster.bitmap_layer(frame, layer_id="a", fill=(0, 0, 0))
    moved = raster.bitmap_layer(_frame(box(0, 0, 2, 1)).set_crs(4326), layer_id="a", fill=FILL)
    assert len({str(first.image), str(other.image), str(moved.image)}) == 3
    assert moved.bounds != first.bounds


def test_district_outlines_are_an_image_above_the_pickable_fills():
    import pydeck as pdk

    from workbench.data import load_sample
    from workbench.viz import siting as vz

    districts = load_sample("shanghai_districts")
    code = str(districts["code"].iloc[0])
    fills = vz.district_layer(districts, selected=code)
    assert fills.stroked is False
    assert fills.pickable is True
    flags = [f["properties"]["selected"] for f in fills.data["features"]]
    assert flags == [c == code for c in districts["code"].astype(str)]
    plain = vz.district_outline_layer(districts)
    chosen = vz.district_outline_layer(districts, selected=code)
    assert plain.type == "BitmapLayer"
    assert str(plain.image) != str(chosen.image)  # the selected district is outlined in bold
    spec = vz.deck_spec(pdk.Deck(layers=[fills, plain], map_style=None, map_provider=None))
    assert [layer["@@type"] for layer in spec["layers"]] == ["GeoJsonLayer", "BitmapLayer"]
    assert isinstance(spec["layers"][1]["image"], str)  # a URL, not an accessor expression


def test_cells_blend_over_the_fills_under_the_outlines():
    frame = _frame(box(0, 0, 10, 10)).set_crs(4326)
    cells = np.array([[0.0, 0.0, 5.0, 5.0]])
    png, _ = raster.polygon_image(
        frame,
        fill=(255, 255, 255, 255),
        cells=cells,
        cell_colours=[(255, 0, 0, 128)],
        width=100,
        pad=0.0,
    )
    image = _pixels(png)
    h, w = image.shape[:2]
    lower_left = image[int(h * 0.8), int(w * 0.2)]
    assert lower_left[0] > 240  # red at half over white: pink
    assert 110 < lower_left[1] < 145
    assert tuple(image[int(h * 0.2), int(w * 0.8)]) == (255, 255, 255, 255)  # no cell there
    with pytest.raises(ValueError, match="one row of 4 numbers per cell"):
        raster.polygon_image(frame, fill=FILL, cells=cells, cell_colours=[(1, 2, 3)])
    with pytest.raises(ValueError, match="cell_colours must be RGBA values in 0-255"):
        raster.polygon_image(frame, fill=FILL, cells=cells, cell_colours=[(1, 2, 3, 999)])


def test_the_siting_base_image_follows_the_demand():
    from workbench.data import load_sample
    from workbench.viz import siting as vz

    districts = load_sample("shanghai_districts")
    demand = pd.DataFrame(
        {
            "lon": [121.45, 121.47, 121.6],
            "lat": [31.22, 31.23, 31.1],
            "tokens_per_day": [1e6, 5e6, 1e7],
        }
    )
    first = vz.base_layer(districts, demand)
    busier = vz.base_layer(districts, demand.assign(tokens_per_day=[1e6, 5e6, 1e9]))
    assert first.type == "BitmapLayer"
    assert str(first.image) != str(busier.image)  # on the log ramp: the middle cell changes
    assert str(vz.base_layer(districts, demand.copy()).image) == str(first.image)


def test_dots_are_drawn_over_the_outlines_and_named_when_wrong():
    frame = _frame(box(0, 0, 10, 10)).set_crs(4326)
    png, _ = raster.polygon_image(
        frame,
        line=LINE,
        points=[[5.0, 5.0]],
        point_colours=[(0, 160, 0, 255)],
        point_px=4.0,
        width=100,
        pad=0.0,
    )
    image = _pixels(png)
    h, w = image.shape[:2]
    assert tuple(image[h // 2, w // 2]) == (0, 160, 0, 255)
    assert image[h // 4, w // 4, 3] == 0  # away from the dot: nothing
    with pytest.raises(ValueError, match="2 points need 2 RGBA rows in point_colours"):
        raster.polygon_image(frame, points=[[1, 1], [2, 2]], point_colours=[(1, 2, 3, 4)])


def test_only_opened_and_selected_sites_are_pickable_points():
    from workbench.viz import siting as vz

    sites = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "tier": ["hub", "edge", "edge", "dc"],
            "lon": [121.4, 121.5, 121.6, 121.45],
            "lat": [31.2, 31.3, 31.1, 31.25],
        }
    )
    assert vz.clickable_site_ids(sites) == []  # no plan: every candidate is in the image
    assert vz.clickable_site_ids(sites, selected="c") == ["c"]
    assert vz.clickable_site_ids(sites, open_sites=["d", "a"], selected="b") == ["a", "b", "d"]


def test_choosing_a_site_redraws_the_points_not_the_image():
    from workbench.data import load_sample
    from workbench.viz import siting as vz

    data = load_sample("shanghai_siting")
    districts = load_sample("shanghai_districts")
    sites = data["sites"].head(60)
    opened = sites["id"].astype(str).head(5).tolist()
    unopened = str(sites["id"].iloc[30])

    def deck(selected):
        spec = vz.deck_spec(
            vz.siting_deck(districts, data["demand"], sites, open_sites=opened, selected=selected)
        )
        return {layer["id"]: layer for layer in spec["layers"]}

    plain, chosen = deck(None), deck(unopened)
    assert chosen["base"]["image"] == plain["base"]["image"]  # the selection is not in it
    assert list(plain["sites"]["data"]["id"]) == opened
    assert list(chosen["sites"]["data"]["id"]) == [*opened, unopened]
