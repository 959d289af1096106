"""Words and numbers a planner reads: one bilingual label table and number formatting.

Every control, table column, axis and card of the apps takes its text from :data:`LABELS`
(English and Chinese, with the unit in the label), so a parameter name such as
``budget_mcny`` never reaches the screen. Indicator names come from the indicator cube's
metadata (:func:`indicator_label`). The module holds no Panel import: reports and figures
use it too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

#: Human labels (with units) of controls, columns, axes, cards and KPIs, in both languages.
LABELS: dict[str, dict[str, str]] = {
    # look
    "theme": {"en": "Theme", "zh": "主题"},
    "language": {"en": "Language", "zh": "语言"},
    "language_both": {"en": "Language / 语言", "zh": "Language / 语言"},  # findable in both
    "light": {"en": "Light", "zh": "浅色"},
    "dark": {"en": "Dark", "zh": "深色"},
    # Siting Studio controls
    "edge_latency_ms": {"en": "Edge latency budget (ms)", "zh": "边缘节点时延预算（毫秒）"},
    "dc_latency_ms": {"en": "Data-centre latency budget (ms)", "zh": "数据中心时延预算（毫秒）"},
    "hub_latency_ms": {"en": "Hub latency budget (ms)", "zh": "核心枢纽时延预算（毫秒）"},
    "budget_mcny": {"en": "Capex budget (million CNY)", "zh": "资本支出预算（百万元）"},
    "n_hub": {"en": "Hubs", "zh": "核心枢纽数"},
    "n_edge": {"en": "Edge nodes", "zh": "边缘节点数"},
    "n_dc": {"en": "Urban data centres", "zh": "城市数据中心数"},
    "electricity_price": {"en": "Electricity price (CNY/kWh)", "zh": "电价（元/千瓦时）"},
    "carbon_price": {"en": "Carbon price (CNY/t CO2)", "zh": "碳价（元/吨CO2）"},
    "time_limit": {"en": "Solver time limit (s)", "zh": "求解时限（秒）"},
    "area": {"en": "Study area (districts)", "zh": "研究范围（区）"},
    # Coordination Lab controls
    "scenario": {"en": "Scenario", "zh": "情景"},
    "mechanism": {"en": "Coordination mechanism", "zh": "协同机制"},
    "seed": {"en": "Random seed", "zh": "随机种子"},
    "hours": {"en": "Hours to simulate (h)", "zh": "模拟时长（小时）"},
    "metric": {"en": "Map metric", "zh": "地图指标"},
    "hour": {"en": "Hour shown (h)", "zh": "显示时刻（时）"},
    # Index Explorer controls and columns
    "year": {"en": "Year", "zh": "年份"},
    "normalisation": {"en": "Normalisation", "zh": "标准化方法"},
    "aggregation": {"en": "Aggregation", "zh": "聚合方法"},
    "city": {"en": "City", "zh": "城市"},
    "cap": {"en": "Cap per indicator (points)", "zh": "单项指标提升上限（分）"},
    "n_draws": {"en": "Uncertainty draws", "zh": "不确定性抽样次数"},
    "whatif_indicator": {"en": "Indicator", "zh": "指标"},
    "whatif_change": {"en": "Relative change", "zh": "相对变化"},
    "rank": {"en": "Rank", "zh": "排名"},
    "tier": {"en": "Tier", "zh": "梯队"},
    "score": {"en": "CAI score (0-100)", "zh": "指数得分（0-100）"},
    "code": {"en": "Code", "zh": "代码"},
    "dimension": {"en": "Dimension", "zh": "维度"},
    "IND": {"en": "Industrial Development", "zh": "产业发展"},
    "TEC": {"en": "Technological Innovation", "zh": "技术创新"},
    "PUB": {"en": "Public Service", "zh": "公共服务"},
    "GOV": {"en": "Governance Environment", "zh": "治理环境"},
    # siting tables
    "id": {"en": "Site", "zh": "站点"},
    "name_en": {"en": "Name", "zh": "名称"},
    "name_zh": {"en": "Name", "zh": "名称"},
    "kind": {"en": "Kind", "zh": "类型"},
    "district": {"en": "District", "zh": "区"},
    "served_tokens_per_day": {"en": "Served (tokens/day)", "zh": "服务量（词元/天）"},
    "status": {"en": "Solver status", "zh": "求解状态"},
    "gap": {"en": "Optimality gap", "zh": "最优性差距"},
    "sites_open": {"en": "Sites open", "zh": "开通站点数"},
    "coverage": {"en": "Coverage within budget", "zh": "预算内覆盖率"},
    "latency_p50_ms": {"en": "Latency p50 (ms)", "zh": "时延中位数（毫秒）"},
    "latency_p95_ms": {"en": "Latency p95 (ms)", "zh": "时延p95（毫秒）"},
    "capex_cny": {"en": "Capex (CNY)", "zh": "资本支出（元）"},
    "energy_cost_cny_per_year": {"en": "Energy cost (CNY/year)", "zh": "年能源成本（元）"},
    "carbon_t_per_year": {"en": "Carbon (t CO2/year)", "zh": "年碳排放（吨CO2）"},
    "n_sites": {"en": "Sites", "zh": "站点数"},
    # Coordination Lab KPI table
    "kpi": {"en": "Indicator", "zh": "指标"},
    "value": {"en": "Value", "zh": "数值"},
    "baseline_none": {"en": "Without coordination", "zh": "无协同"},
    "ratio_to_none": {"en": "Ratio to no coordination", "zh": "相对无协同之比"},
    "unit": {"en": "Unit", "zh": "单位"},
    "better": {"en": "Better if", "zh": "越…越好"},
    "energy_cost_cny": {"en": "Energy cost", "zh": "能源成本"},
    "carbon_t": {"en": "Carbon emissions", "zh": "碳排放"},
    "peak_demand_mw": {"en": "Peak demand", "zh": "峰值负荷"},
    "ramping_mw": {"en": "Ramping", "zh": "负荷爬坡"},
    "load_factor": {"en": "Load factor", "zh": "负荷率"},
    "unserved_energy_mwh": {"en": "Unserved energy", "zh": "未供电量"},
    "interactive_budget_met": {"en": "Interactive within budget", "zh": "交互请求达标率"},
    "interactive_latency_p95_ms": {"en": "Interactive latency p95", "zh": "交互时延p95"},
    "batch_completed": {"en": "Batch work completed", "zh": "批处理完成率"},
    "tokens_per_watt": {"en": "Tokens per watt", "zh": "每瓦词元"},
    "utilisation": {"en": "Compute utilisation", "zh": "算力利用率"},
    "deliveries_on_time": {"en": "Deliveries on time", "zh": "准时配送率"},
    "emergency_response_min": {"en": "Emergency response time", "zh": "应急响应时间"},
    "total_cost_cny": {"en": "Total cost", "zh": "总成本"},
    "gap_to_oracle": {"en": "Gap to the oracle", "zh": "与最优解差距"},
    "interactive_served": {"en": "Interactive served", "zh": "交互请求服务率"},
    "batch_late_token_hours": {"en": "Late batch work", "zh": "批处理延误"},
    "payments_cny": {"en": "Market payments", "zh": "市场结算"},
    "compute_price_cny_per_mtok": {"en": "Compute price", "zh": "算力价格"},
    "power_price_cny_per_kwh": {"en": "Power price", "zh": "电力价格"},
    "fairness_jain": {"en": "Fairness between districts", "zh": "区间公平性"},
    "messages": {"en": "Negotiation messages", "zh": "协商消息数"},
    "agent_decisions": {"en": "Agent decisions", "zh": "智能体决策数"},
    # index methods (registry names; a plugin's method without an entry is humanised)
    "norm_borda": {"en": "Borda score", "zh": "波达得分"},
    "norm_dist_max": {"en": "Distance to the best city", "zh": "与最优城市的距离"},
    "norm_fracmax": {"en": "Fraction of the maximum", "zh": "占最大值的比例"},
    "norm_minmax": {"en": "Min-max", "zh": "极差标准化"},
    "norm_percentile": {"en": "Percentile rank", "zh": "百分位排名"},
    "norm_rank": {"en": "Rank", "zh": "排名"},
    "norm_scaled": {"en": "Scaled to fixed bounds", "zh": "按固定上下限缩放"},
    "norm_zscore": {"en": "z-score", "zh": "z 分数"},
    "norm_mpi_standardise": {"en": "MPI standardisation", "zh": "MPI 标准化"},
    "agg_arithmetic": {"en": "Arithmetic mean", "zh": "算术平均"},
    "agg_copeland": {"en": "Copeland (pairwise wins)", "zh": "科普兰（两两胜出）"},
    "agg_geometric": {"en": "Geometric mean", "zh": "几何平均"},
    "agg_harmonic": {"en": "Harmonic mean", "zh": "调和平均"},
    "agg_power": {"en": "Power mean", "zh": "幂平均"},
    "agg_mpi": {"en": "Mazziotta-Pareto index", "zh": "马齐奥塔-帕雷托指数"},
    # map legends
    "legend": {"en": "Legend", "zh": "图例"},
    "legend_colour_tier": {"en": "Colour: tier", "zh": "颜色：梯队"},
    "legend_size_score": {"en": "Size: CAI score", "zh": "大小：指数得分"},
    "legend_size_served": {"en": "Size: tokens/day served", "zh": "大小：日服务词元"},
    "legend_size_tier": {"en": "Size: site tier", "zh": "大小：站点层级"},
    "legend_colour": {"en": "Colour", "zh": "颜色"},
    "legend_candidate": {"en": "Candidate site (not opened)", "zh": "候选站点（未开通）"},
    "legend_demand": {"en": "Demand (tokens/day), light to dark", "zh": "需求（词元/天），浅到深"},
    "legend_low_high": {"en": "low → high", "zh": "低 → 高"},
    "Leading": {"en": "Leading", "zh": "领先型"},
    "Dynamic": {"en": "Dynamic", "zh": "活跃型"},
    "Potential": {"en": "Potential", "zh": "潜力型"},
    "hub": {"en": "Core hub", "zh": "核心枢纽"},
    "edge": {"en": "Edge node", "zh": "边缘节点"},
    "dc": {"en": "Urban data centre", "zh": "城市数据中心"},
}

#: Units of a parameter-name suffix, for names not in :data:`LABELS` (``..._kw`` -> kW).
_SUFFIX_UNITS: tuple[tuple[str, str], ...] = (
    ("_cny_per_kwh", "CNY/kWh"),
    ("_cny_per_mtok", "CNY per million tokens"),
    ("_tokens_per_day", "tokens/day"),
    ("_tokens_per_s", "tokens/s"),
    ("_per_year", "per year"),
    ("_cny", "CNY"),
    ("_kwh", "kWh"),
    ("_mwh", "MWh"),
    ("_kw", "kW"),
    ("_mw", "MW"),
    ("_ms", "ms"),
    ("_min", "min"),
    ("_t", "t CO2"),
)


def _known(language: str) -> str:
    return language if language in ("en", "zh") else "en"


def has_label(key: str) -> bool:
    """Return whether ``key`` has a label in :data:`LABELS`.

    Parameters
    ----------
    key
        A parameter, column or KPI name.

    Returns
    -------
    bool
    """
    return key in LABELS


def humanise(name: str) -> str:
    """Turn an unlabelled parameter name into words with its unit (``peak_kw`` -> ``Peak (kW)``).

    Parameters
    ----------
    name
        A snake-case name.

    Returns
    -------
    str
        A readable English label.
    """
    unit = ""
    for suffix, text in _SUFFIX_UNITS:
        if name.endswith(suffix) and len(name) > len(suffix):
            name, unit = name[: -len(suffix)], text
            break
    words = re.sub(r"[_\s]+", " ", name).strip()
    words = words[:1].upper() + words[1:]
    return f"{words} ({unit})" if unit else words


def label(key: str, language: str = "en") -> str:
    """Return the label of ``key`` in ``language``; an unknown name is humanised.

    Parameters
    ----------
    key
        A parameter, column, KPI or tier name.
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        The text to show.
    """
    texts = LABELS.get(key)
    if texts is None:
        return humanise(key)
    return texts[_known(language)]


def column_titles(columns: Any, language: str = "en") -> dict[str, str]:
    """Return table header titles (column -> label) for a Tabulator's ``titles``.

    Parameters
    ----------
    columns
        Column names.
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    dict
        Column name -> human title, for every column.
    """
    return {str(c): label(str(c), language) for c in columns}


def indicator_label(code: str, cube: Any = None, language: str = "en") -> str:
    """Return an indicator's full name (with its unit) from the cube's metadata.

    Parameters
    ----------
    code
        Indicator code (``IND_REV``).
    cube
        The indicator cube with ``indicator_name_en``/``indicator_name_zh``/``unit``
        coordinates; without one (or an unknown code) the code itself is returned.
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        ``"AI core industry revenue (billion CNY)"``.
    """
    column = f"indicator_name_{_known(language)}"
    if cube is None or column not in getattr(cube, "coords", {}):
        return code
    codes = [str(c) for c in cube["indicator"].to_numpy()]
    if code not in codes:
        return code
    i = codes.index(code)
    name = str(cube[column].to_numpy()[i])
    unit = str(cube["unit"].to_numpy()[i]) if "unit" in cube.coords else ""
    return f"{name} ({unit})" if unit and unit not in ("", "nan", "None") else name


def indicator_options(cube: Any, language: str = "en") -> dict[str, str]:
    """Return a picker's options: full indicator name -> code, in the cube's order.

    Parameters
    ----------
    cube
        The indicator cube.
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    dict
        Label -> code.
    """
    return {indicator_label(str(c), cube, language): str(c) for c in cube["indicator"].to_numpy()}


# -- numbers -------------------------------------------------------------------------------------


def sig(value: float, digits: int = 3) -> str:
    """Format a number to ``digits`` significant figures with thousands separators.

    Large numbers keep their integer digits (``1234567`` -> ``1,234,567``); small ones keep
    ``digits`` significant figures (``0.012345`` -> ``0.0123``).

    Parameters
    ----------
    value
        The number.
    digits
        Significant figures (at least 1).

    Returns
    -------
    str
        The text; ``"–"`` for a missing value.
    """
    if value is None:
        return "–"
    x = float(value)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) >= 1:
        return f"{int(x):,}" if abs(x) < 10 ** max(digits, 6) else quantity(x, "", digits=digits)
    magnitude = math.floor(math.log10(abs(x)))
    decimals = max(digits - 1 - magnitude, 0)
    rounded = round(x, decimals)
    return f"{rounded:,.{decimals}f}"


#: Scales of large numbers: thousand, million, billion, trillion.
_SCALES: tuple[tuple[float, str, str], ...] = (
    (1e12, " trillion", "万亿"),
    (1e9, " billion", "十亿"),
    (1e6, " million", "百万"),
)


def quantity(value: float, unit: str = "", language: str = "en", digits: int = 3) -> str:
    """Format a quantity with its unit, large values scaled (``1.2 billion tokens/s``).

    Parameters
    ----------
    value
        The number.
    unit
        Its unit (``"t CO2"``, ``"MWh"``, ``"tokens/s"``, ``"CNY"``...).
    language
        ``"en"`` or ``"zh"``.
    digits
        Significant figures.

    Returns
    -------
    str
        The text.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    x = float(value)
    for scale, en, zh in _SCALES:
        if abs(x) >= scale:
            word = en if _known(language) == "en" else zh
            text = f"{sig(x / scale, digits)}{word}"
            break
    else:
        text = sig(x, digits)
    return f"{text} {unit}".strip()


def percent(value: float, digits: int = 3) -> str:
    """Format a share (0-1) as a percentage with ``digits`` significant figures.

    Parameters
    ----------
    value
        The share.
    digits
        Significant figures.

    Returns
    -------
    str
        ``"98.8 %"``.
    """
    if value is None or math.isnan(float(value)):
        return "–"
    return f"{sig(100 * float(value), digits)} %"


def translate(keys: Mapping[str, str], language: str = "en") -> dict[str, str]:
    """Return ``{name: label}`` for the keys of a mapping (helper for option lists).

    Parameters
    ----------
    keys
        Names.
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    dict
        Name -> label.
    """
    return {k: label(k, language) for k in keys}


__all__ = [
    "LABELS",
    "column_titles",
    "has_label",
    "humanise",
    "indicator_label",
    "indicator_options",
    "label",
    "percent",
    "quantity",
    "sig",
    "translate",
]
