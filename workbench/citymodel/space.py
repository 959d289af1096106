"""Districts and the road graph between them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.errors import DataError, SchemaError, unknown_name

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import networkx as nx

URBAN_SPEED_KMH = 35.0
"""Free-flow speed on inter-district roads."""
ROUTE_FACTOR = 1.3
"""Road length over straight centroid distance."""
LINK_CAPACITY_VEH_H = 6000.0
"""Capacity of an adjacency link (both directions of a few arterials), vehicles per hour."""
BRIDGE_CAPACITY_VEH_H = 3000.0
"""Capacity of a bridge/tunnel link that joins a component (an island) to the mainland."""


@dataclass(frozen=True)
class CitySpace:
    """Districts, their road links and all shortest paths (immutable).

    Attributes
    ----------
    codes, names
        District codes and English names.
    x_km, y_km
        Centroids in a projected CRS (km); ``lon``, ``lat`` in EPSG:4326.
    area_km2
        District areas.
    link_from, link_to
        District index at each end of each (undirected) link.
    link_length_km, link_free_min, link_capacity, link_kind
        Length, free-flow travel time (minutes), capacity (vehicles/hour) and kind
        (``"adjacent"``, ``"bridge"``, ``"user"``).
    path_ptr, path_link
        Shortest path (by free-flow time) from district o to d: links
        ``path_link[path_ptr[o*n+d]:path_ptr[o*n+d+1]]``.
    travel_min, network_km
        All-pairs free-flow time (minutes) and network distance (km); the diagonal holds the
        intra-district trip.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    area_km2: np.ndarray
    link_from: np.ndarray
    link_to: np.ndarray
    link_length_km: np.ndarray
    link_free_min: np.ndarray
    link_capacity: np.ndarray
    link_kind: tuple[str, ...]
    path_ptr: np.ndarray
    path_link: np.ndarray
    travel_min: np.ndarray
    network_km: np.ndarray

    @property
    def n_districts(self) -> int:
        """Number of districts."""
        return len(self.codes)

    @property
    def n_links(self) -> int:
        """Number of road links."""
        return len(self.link_from)

    @property
    def link_names(self) -> list[str]:
        """``"310101-310104"`` labels of the links."""
        return [
            f"{self.codes[a]}-{self.codes[b]}"
            for a, b in zip(self.link_from, self.link_to, strict=False)
        ]

    def path(self, o: int, d: int) -> np.ndarray:
        """Link indexes of the shortest path from district ``o`` to ``d``."""
        k = o * self.n_districts + d
        return self.path_link[self.path_ptr[k] : self.path_ptr[k + 1]]

    def graph(self) -> nx.Graph:
        """Return the road graph as networkx (nodes = district indexes, edge attrs per link)."""
        import networkx as nx

        g = nx.Graph()
        for i, c in enumerate(self.codes):
            g.add_node(i, code=c, name=self.names[i])
        for k in range(self.n_links):
            g.add_edge(
                int(self.link_from[k]),
                int(self.link_to[k]),
                link=k,
                minutes=float(self.link_free_min[k]),
                km=float(self.link_length_km[k]),
                capacity=float(self.link_capacity[k]),
                kind=self.link_kind[k],
            )
        return g

    def district_index(self, name: str, *, argument: str = "district") -> int:
        """Index of a district given its code or English name (case-insensitive)."""
        key = str(name).strip()
        for i, (c, n) in enumerate(zip(self.codes, self.names, strict=False)):
            if key == c or key.lower() == n.lower():
                return i
        msg = unknown_name(f"district in `{argument}`", key, list(self.codes) + list(self.names))
        raise DataError(msg)


def build_space(districts: gpd.GeoDataFrame, edges: pd.DataFrame | None = None) -> CitySpace:
    """Build the city space from district polygons and, optionally, a user edge table.

    Parameters
    ----------
    districts
        GeoDataFrame with ``code`` (and optionally ``name_en``, ``area_km2``) and polygon
        geometry in any CRS.
    edges
        Optional road links: columns ``from``, ``to`` (district codes) and optionally
        ``length_km``, ``capacity_veh_per_h``, ``free_flow_min``. Without it links join
        districts whose (slightly buffered) polygons touch; disconnected parts (islands) are
        joined to their nearest district by a ``bridge`` link.

    Returns
    -------
    CitySpace
        The districts with links and all shortest paths.
    """
    if "code" not in districts.columns:
        msg = (
            "`districts` must have a column 'code' with one district code per row; got columns "
            f"{list(districts.columns)}. Rename the code column to 'code'."
        )
        raise SchemaError(msg)
    if len(districts) < 2:
        msg = f"`districts` needs at least 2 districts; got {len(districts)}. Load more polygons."
        raise DataError(msg)
    codes = tuple(str(c) for c in districts["code"])
    if len(set(codes)) != len(codes):
        msg = "`districts['code']` must be unique; found duplicates. Give every district a code."
        raise DataError(msg)
    names = tuple(
        str(n) for n in (districts["name_en"] if "name_en" in districts.columns else codes)
    )
    gdf = districts if districts.crs is not None else districts.set_crs(4326)
    proj = gdf.to_crs(gdf.estimate_utm_crs())
    cent = proj.geometry.centroid
    x_km, y_km = cent.x.to_numpy() / 1000, cent.y.to_numpy() / 1000
    ll = cent.to_crs(4326)
    area = proj.geometry.area.to_numpy() / 1e6
    n = len(codes)
    cdist = np.hypot(x_km[:, None] - x_km[None, :], y_km[:, None] - y_km[None, :])
    if edges is None:
        frm, to, kind = _adjacency(proj, cdist)
        length = cdist[frm, to] * ROUTE_FACTOR
        cap = np.where(np.array(kind) == "bridge", BRIDGE_CAPACITY_VEH_H, LINK_CAPACITY_VEH_H)
        free = length / URBAN_SPEED_KMH * 60
    else:
        frm, to, length, cap, free = _user_edges(edges, codes, cdist)
        kind = ["user"] * len(frm)
    space_kw: dict[str, Any] = dict(
        codes=codes,
        names=names,
        lon=ll.x.to_numpy(),
        lat=ll.y.to_numpy(),
        x_km=x_km,
        y_km=y_km,
        area_km2=area,
        link_from=np.asarray(frm, dtype=np.int64),
        link_to=np.asarray(to, dtype=np.int64),
        link_length_km=np.asarray(length, dtype=float),
        link_free_min=np.asarray(free, dtype=float),
        link_capacity=np.asarray(cap, dtype=float),
        link_kind=tuple(kind),
    )
    ptr, plink, tmin, km = _all_paths(n, space_kw, area)
    return CitySpace(**space_kw, path_ptr=ptr, path_link=plink, travel_min=tmin, network_km=km)


def _adjacency(proj: gpd.GeoDataFrame, cdist: np.ndarray) -> tuple[list, list, list]:
    import networkx as nx

    geoms = proj.geometry.buffer(300.0).to_numpy()
    n = len(geoms)
    frm, to, kind = [], [], []
    for i in range(n):
        hits = proj.geometry.iloc[i + 1 :].intersects(geoms[i]).to_numpy()
        for j in np.flatnonzero(hits) + i + 1:
            frm.append(i)
            to.append(int(j))
            kind.append("adjacent")
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(frm, to, strict=False))
    comps = sorted(nx.connected_components(g), key=len, reverse=True)
    main = set(comps[0])
    for comp in comps[1:]:
        # join each island to the nearest district of the connected part (bridge/tunnel)
        pairs = [(i, j) for i in sorted(comp) for j in sorted(main)]
        i, j = min(
            pairs,
            key=lambda p: (proj.geometry.iloc[p[0]].distance(proj.geometry.iloc[p[1]]), cdist[p]),
        )
        frm.append(min(i, j))
        to.append(max(i, j))
        kind.append("bridge")
        main |= comp
    return frm, to, kind


def _user_edges(edges: pd.DataFrame, codes: tuple[str, ...], cdist: np.ndarray):
    missing = [c for c in ("from", "to") if c not in edges.columns]
    if missing:
        msg = (
            f"`edges` must have columns 'from' and 'to' (district codes); missing {missing}. "
            "Add them or pass edges=None to derive links from the geometry."
        )
        raise SchemaError(msg)
    pos = {c: i for i, c in enumerate(codes)}
    frm, to = [], []
    for r, (a, b) in enumerate(
        zip(edges["from"].astype(str), edges["to"].astype(str), strict=False)
    ):
        for v in (a, b):
            if v not in pos:
                msg = f"`edges` row {r}: " + unknown_name("district code", v, codes)
                raise DataError(msg)
        frm.append(pos[a])
        to.append(pos[b])
    frm_a, to_a = np.array(frm), np.array(to)
    length = (
        edges["length_km"].to_numpy(float)
        if "length_km" in edges.columns
        else cdist[frm_a, to_a] * ROUTE_FACTOR
    )
    cap = (
        edges["capacity_veh_per_h"].to_numpy(float)
        if "capacity_veh_per_h" in edges.columns
        else np.full(len(frm), LINK_CAPACITY_VEH_H)
    )
    free = (
        edges["free_flow_min"].to_numpy(float)
        if "free_flow_min" in edges.columns
        else length / URBAN_SPEED_KMH * 60
    )
    return frm_a, to_a, length, cap, free


def _all_paths(n: int, kw: dict[str, Any], area: np.ndarray):
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(n))
    for k, (a, b) in enumerate(zip(kw["link_from"], kw["link_to"], strict=False)):
        g.add_edge(int(a), int(b), link=k, w=float(kw["link_free_min"][k]))
    if not nx.is_connected(g):
        msg = (
            "The road graph must connect every district; the `edges` table leaves "
            f"{nx.number_connected_components(g)} separate parts. Add links between them."
        )
        raise DataError(msg)
    paths = dict(nx.all_pairs_dijkstra_path(g, weight="w"))
    ptr = [0]
    plink: list[int] = []
    tmin = np.zeros((n, n))
    km = np.zeros((n, n))
    intra_km = np.sqrt(area) * 0.5 * ROUTE_FACTOR
    for o in range(n):
        for d in range(n):
            nodes = paths[o][d]
            links = [g.edges[u, v]["link"] for u, v in zip(nodes[:-1], nodes[1:], strict=False)]
            plink.extend(links)
            ptr.append(len(plink))
            tmin[o, d] = sum(kw["link_free_min"][k] for k in links)
            km[o, d] = sum(kw["link_length_km"][k] for k in links)
        tmin[o, o] = intra_km[o] / URBAN_SPEED_KMH * 60
        km[o, o] = intra_km[o]
    return np.array(ptr, dtype=np.int64), np.array(plink, dtype=np.int64), tmin, km


__all__ = ["CitySpace", "build_space"]
