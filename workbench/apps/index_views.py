"""Tables and texts the Index Explorer shows, assembled from engine results (no new numbers).

Each function rearranges what :mod:`workbench.index` returned (an ``IndexResult``, a city
profile, a what-if, a development path) for display; none computes a score.
"""

from __future__ import annotations

import functools
import html
import inspect
import threading
import warnings
from typing import Any

import numpy as np
import pandas as pd

from workbench.apps.common import add_labels, label
from workbench.dims import CITY, INDICATOR

#: The index dimensions (``docs/contracts.md``), in display order.
DIMENSIONS: tuple[str, ...] = ("IND", "TEC", "PUB", "GOV")

_CITY_COORDS = ("name_en", "name_zh", "province_en", "lat", "lon")

#: Registered methods that work but cannot be recomputed live (reason shown to the user).
_NOT_LIVE: dict[str, str] = {
    "bod": "solves one linear programme per city (about 30 s per change); use it in code",
}


def method_choices(kind: str) -> tuple[list[str], dict[str, str]]:
    """Return the methods of an index registry the Explorer can offer, and those it cannot.

    Built-ins and installed plugins come from ``workbench.plugins.get_registry(kind)``. A
    method is left out when it needs a setting the app cannot give (a setting without a usable
    default, such as ``target`` of ``dist_target`` or ``function`` of ``function``) or is too
    slow to recompute on every change.

    Parameters
    ----------
    kind
        ``"index_normalisers"`` or ``"index_aggregators"``.

    Returns
    -------
    tuple
        ``(offered, left_out)``: the names offered, and a mapping name -> reason.
    """
    import workbench.index.steps  # noqa: F401 - registers the built-in methods
    from workbench.index.steps.base import PROTOCOL_ARGUMENTS
    from workbench.plugins import get_registry

    registry = get_registry(kind)
    offered: list[str] = []
    left_out: dict[str, str] = {}
    for name in registry.names():
        try:
            func = registry.get(name)
            sig = inspect.signature(func)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the page
            left_out[name] = f"could not be loaded ({exc})"
            continue
        needs = [
            "reference" if p.name == "ref_value" else p.name  # the step fills it from this
            for p in sig.parameters.values()
            if p.name not in PROTOCOL_ARGUMENTS
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and (p.default is p.empty or p.default is None)
        ]
        if needs:
            left_out[name] = (
                f"needs the setting(s) {', '.join(needs)}, which this app cannot give; "
                "use it in a pipeline spec"
            )
        elif name in _NOT_LIVE:
            left_out[name] = _NOT_LIVE[name]
        else:
            offered.append(name)
    return offered, left_out


def left_out_note(left_out: dict[str, str]) -> str:
    """Return a one-paragraph note on the methods a picker leaves out (empty when none)."""
    return "; ".join(f"{name}: {reason}" for name, reason in left_out.items())


def register_labels() -> None:
    """Add the Index Explorer's user-interface labels (English and Chinese)."""
    add_labels(
        {
            "index_title": {"en": "City AI Index Explorer", "zh": "城市人工智能指数浏览器"},
            "year": {"en": "Year", "zh": "年份"},
            "weights": {"en": "Dimension weights", "zh": "维度权重"},
            "presets": {"en": "Weight presets", "zh": "权重预设"},
            "equal_weights": {"en": "Equal weights (default)", "zh": "等权重（默认）"},
            "normalisation": {"en": "Normalisation", "zh": "标准化方法"},
            "aggregation": {"en": "Aggregation", "zh": "聚合方法"},
            "city": {"en": "City", "zh": "城市"},
            "ranking": {"en": "Ranking", "zh": "排名"},
            "profile": {"en": "City profile", "zh": "城市画像"},
            "uncertainty": {"en": "Uncertainty", "zh": "不确定性"},
            "path": {"en": "Path to the next tier", "zh": "晋级路径"},
            "whatif": {"en": "What if", "zh": "情景推演"},
            "cap": {"en": "Cap per indicator (points)", "zh": "单项指标提升上限（分）"},
            "draws": {"en": "Uncertainty draws", "zh": "不确定性抽样次数"},
            "indicator": {"en": "Indicator", "zh": "指标"},
            "change": {"en": "Relative change", "zh": "相对变化"},
            "IND": {"en": "Industrial Development", "zh": "产业发展"},
            "TEC": {"en": "Technological Innovation", "zh": "技术创新"},
            "PUB": {"en": "Public Service", "zh": "公共服务"},
            "GOV": {"en": "Governance Environment", "zh": "治理环境"},
            "IND_short": {"en": "Industry", "zh": "产业发展"},
            "TEC_short": {"en": "Innovation", "zh": "技术创新"},
            "PUB_short": {"en": "Public service", "zh": "公共服务"},
            "GOV_short": {"en": "Governance", "zh": "治理环境"},
        }
    )


def ranking_table(result: Any, cube: Any) -> pd.DataFrame:
    """Return the ranking with city names and locations, best first.

    Parameters
    ----------
    result
        An ``IndexResult``.
    cube
        The indicator cube (for names and coordinates of the cities).

    Returns
    -------
    pandas.DataFrame
        ``code``, ``rank``, ``tier``, ``CAI_score`` (the index), one column per dimension,
        and ``name_en``, ``name_zh``, ``province_en``, ``lat``, ``lon``.
    """
    table = result.table()
    root = result.root
    out = pd.DataFrame({"code": table["code"].astype(str).to_numpy()})
    out["rank"] = table["rank"].to_numpy()
    out["tier"] = table["tier"].astype(str).to_numpy() if "tier" in table else ""
    out["CAI_score"] = table[root].to_numpy(dtype=float)
    for dim in DIMENSIONS:
        out[dim] = table[dim].to_numpy(dtype=float) if dim in table else np.nan
    coords = {c: cube[c].to_pandas() for c in _CITY_COORDS if c in cube.coords}
    codes = [str(c) for c in cube[CITY].to_numpy()]
    for column, series in coords.items():
        series.index = codes
        out[column] = series.reindex(out["code"]).to_numpy()
    if "name_zh" not in out:
        out["name_zh"] = out.get("name_en", out["code"])
    if "name_en" not in out:
        out["name_en"] = out["code"]
    return out


def dimension_profile(result: Any, table: pd.DataFrame, city: str) -> tuple[pd.DataFrame, list]:
    """Return the dimension scores of ``city`` beside the mean of its tier peers and of all.

    Parameters
    ----------
    result
        An ``IndexResult`` (unused except for its tiers, kept for a uniform call).
    table
        :func:`ranking_table` of the result.
    city
        The city's code.

    Returns
    -------
    tuple
        The frame (rows = dimensions; columns ``city``, ``tier peers``, ``all cities``) and
        the list of those columns.
    """
    del result
    codes = table["code"].to_numpy()
    tiers = table["tier"].to_numpy()
    scores = table[list(DIMENSIONS)].to_numpy(dtype=float)  # one array: a settled move's cost
    row = int(np.flatnonzero(codes == city)[0])
    tier = str(tiers[row])
    peers = (tiers == tier) & (codes != city)
    with warnings.catch_warnings():  # a dimension no peer has: NaN, as pandas' mean gives
        warnings.simplefilter("ignore", RuntimeWarning)
        peer_mean, all_mean = np.nanmean(scores[peers], axis=0), np.nanmean(scores, axis=0)
    frame = pd.DataFrame(
        {
            "city": scores[row],
            f"{tier} peers": peer_mean if peers.any() else np.full(len(DIMENSIONS), np.nan),
            "all cities": all_mean,
        },
        index=list(DIMENSIONS),
    )
    return frame, list(frame.columns)


def indicator_names(cube: Any, language: str) -> dict[str, str]:
    """Return indicator code -> full name in ``language`` (the cube's metadata, else codes)."""
    column = "indicator_name_zh" if language == "zh" else "indicator_name_en"
    codes = [str(i) for i in cube[INDICATOR].to_numpy()]
    if column in cube.coords and cube[column].dims == (INDICATOR,):
        return dict(zip(codes, [str(n) for n in cube[column].to_numpy()], strict=True))
    return {c: c for c in codes}


def profile_markdown(prof: Any, cube: Any, names: dict[str, str], language: str) -> str:
    """Describe a city profile (strengths, weaknesses, peers) in Markdown.

    Parameters
    ----------
    prof
        A ``CityProfile`` from :func:`workbench.index.profile`.
    cube
        The indicator cube (indicator names).
    names
        City code -> name in the chosen language.
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        The text.
    """
    ind = indicator_names(cube, language)
    zh = language == "zh"

    def _list(codes: Any) -> str:
        return ", ".join(_named(c, ind) for c in codes) or "-"

    city = names.get(prof.city, prof.city)
    head = (
        f"**{city}** · {'得分' if zh else 'score'} {prof.score:.1f} · "
        f"{'排名' if zh else 'rank'} {prof.rank} · {'梯队' if zh else 'tier'} {prof.tier}"
    )
    rows = [
        head,
        "",
        f"- {'优势（相对同梯队）' if zh else 'Strengths vs tier peers'}: "
        f"{_list(prof.strengths_vs_tier[:3])}",
        f"- {'短板（相对同梯队）' if zh else 'Weaknesses vs tier peers'}: "
        f"{_list(prof.weaknesses_vs_tier[:3])}",
        f"- {'相似城市' if zh else 'Peer cities'}: "
        + ", ".join(names.get(p, p) for p in prof.peers),
    ]
    return "\n".join(rows)


def _named(code: str, indicators: dict[str, str] | None) -> str:
    """Return an indicator's full name as HTML, its code on hover."""
    name = (indicators or {}).get(code, code)
    return f'<span title="{html.escape(code)}">{html.escape(name)}</span>'


def certainty_markdown(
    summary: Any, city: str, names: dict[str, str], language: str, n_draws: int
) -> str:
    """Say how sure a city's place is: its rank band and the probability of each tier.

    Parameters
    ----------
    summary
        The uncertainty analysis's summary (``code``, ``rank_p05``, ``rank_p95``, ``p_<tier>``).
    city
        The city's code.
    names
        City code -> name.
    language
        ``"en"`` or ``"zh"``.
    n_draws
        Draws behind the summary (said in the text).

    Returns
    -------
    str
        Markdown; empty when the city is not in the summary.
    """
    row = summary.loc[summary["code"] == city]
    if not len(row):
        return ""
    r = row.iloc[0]
    zh = language == "zh"
    lo, hi = int(r["rank_p05"]), int(r["rank_p95"])
    band = f"{lo}" if lo == hi else f"{lo}–{hi}"
    probs = ", ".join(
        f"{label(c[2:], language)} {100 * float(r[c]):.0f} %"
        for c in summary.columns
        if c.startswith("p_")
    )
    if zh:
        return (
            f"**{names.get(city, city)}** · 排名区间（90%）：**{band}** · "
            f"梯队概率：{probs}（{n_draws} 次抽样）"
        )
    return (
        f"**{names.get(city, city)}** · rank band (90 %): **{band}** · "
        f"tier probability: {probs} ({n_draws} draws)"
    )


def whatif_markdown(result: dict[str, Any], change: float, language: str) -> str:
    """Describe a what-if result (score, rank and tier before and after).

    Parameters
    ----------
    result
        The dict returned by :func:`workbench.index.what_if`.
    change
        The relative change applied.
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        The text.
    """
    zh = language == "zh"
    return (
        f"{'变化' if zh else 'Change'} {change:+.0%}: "
        f"{'得分' if zh else 'score'} {result['score_before']:.2f} → {result['score_after']:.2f}, "
        f"{'排名' if zh else 'rank'} {result['rank_before']} → {result['rank_after']}, "
        f"{'梯队' if zh else 'tier'} {result['tier_before']} → {result['tier_after']}"
    )


def path_markdown(
    path: Any, names: dict[str, str], language: str, indicators: dict[str, str] | None = None
) -> str:
    """Describe a development path (the smallest improvements to reach the next tier).

    Parameters
    ----------
    path
        A ``DevelopmentPath`` from :func:`workbench.index.development_path`.
    names
        City code -> name.
    language
        ``"en"`` or ``"zh"``.
    indicators
        Indicator code -> full name (the code shows on hover); codes when ``None``.

    Returns
    -------
    str
        The text, with the solver's status.
    """
    zh = language == "zh"
    city = names.get(path.city, path.city)
    if path.status == "already_top":
        return (
            f"{city}: {'已处于最高梯队' if zh else 'already in the top tier'} ({path.tier_before})."
        )
    head = (
        f"**{city}**: {path.tier_before} → {path.target_tier} "
        f"({'需要得分' if zh else 'needs score'} ≥ {path.threshold:.2f}, "
        f"{'当前' if zh else 'now'} {path.score_before:.2f}; "
        f"{'方案达到' if zh else 'plan reaches'} {path.score_after:.2f}) "
        f"[{path.status}, {path.solver}]"
    )
    improvements = path.improvements
    if improvements is None or len(improvements) == 0:
        return head + "\n\n" + ("在当前上限下无可行方案。" if zh else "No plan within the caps.")
    shown = improvements.loc[improvements["delta_points"] > 1e-9]
    lines = [head, "", f"| {'指标' if zh else 'indicator'} | +points | raw |", "|---|---|---|"]
    for code, row in shown.iterrows():
        raw = "" if np.isnan(row["delta_raw"]) else f"{row['delta_raw']:+.4g}"
        lines.append(f"| {_named(code, indicators)} | {row['delta_points']:.2f} | {raw} |")
    return "\n".join(lines) + f"\n\n{label('cap', language)}"


#: Basemap layers shared by every session (read-only): (provinces, theme) -> deck.gl layer.
_BASEMAPS: dict[tuple[int, str], tuple[Any, dict[str, Any]]] = {}
_BASEMAPS_LOCK = threading.Lock()
_BASEMAPS_MAX = 8
#: The basemap's themes (one image each).
BASEMAP_THEMES = ("light", "dark")


def shared_basemap_layer(provinces: Any, theme: str) -> dict[str, Any]:
    """Return the basemap layer of ``provinces`` in ``theme``, built once per process.

    Parameters
    ----------
    provinces
        Province polygons (read-only; the cache is keyed by the object's identity).
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    dict
        The layer spec (a ``BitmapLayer`` whose image is the polygons drawn in ``theme``,
        inline as a ``data:`` URL); shared between sessions, so it must not be modified.
    """
    key = (id(provinces), theme)
    with _BASEMAPS_LOCK:
        cached = _BASEMAPS.get(key)
        if cached is not None and cached[0] is provinces:
            return cached[1]
        from workbench.viz import maps

        deck = maps.index_map(provinces, [], theme=theme)
        layer = maps.deck_to_spec(deck, theme=theme)["layers"][0]
        while len(_BASEMAPS) >= _BASEMAPS_MAX:  # other geometries (code, uploads): oldest out
            _BASEMAPS.pop(next(iter(_BASEMAPS)))
        _BASEMAPS[key] = (provinces, layer)  # keeps ``provinces`` alive: its id stays unique
        return layer


#: Where a served page finds the shipped provinces' image, ``{theme}`` filled in (see
#: :func:`basemap_routes`).
BASEMAP_PATH = "workbench-static/provinces-{theme}.png"
#: The server setting naming the images' URL (with ``{theme}``): a server that registers
#: :func:`basemap_routes` sets it (``workbench.apps.server.server_kwargs`` does both), so a
#: page knows whether *its* server answers that URL.
BASEMAP_SETTING = "workbench_basemap_url"


@functools.lru_cache(maxsize=1)
def _basemap_images() -> tuple[dict[str, bytes], str]:
    import hashlib

    from workbench.apps import common
    from workbench.viz import maps, raster

    provinces = common.shared_sample("provinces")
    # the same cached drawing as the inline layer's (``maps.basemap_layer``): drawn once
    images = {
        theme: raster.cached_image(provinces, **maps.basemap_style(theme))[0]
        for theme in BASEMAP_THEMES
    }
    digest = hashlib.sha256(b"".join(images[t] for t in BASEMAP_THEMES)).hexdigest()[:12]
    return images, digest


def basemap_url() -> str:
    """Return the shipped provinces' image URL (with ``{theme}``), with a content hash.

    Returns
    -------
    str
        A relative URL (it works under a prefix); new images get a new URL.
    """
    return f"{BASEMAP_PATH}?v={_basemap_images()[1]}"


def served_basemap_layer(
    provinces: Any, theme: str, served: bool, url: str | None = None
) -> dict[str, Any]:
    """Return the basemap layer, its image by URL when the page's server answers it.

    Inline, the image (about 60 kB as a ``data:`` URL) travels in every session's document;
    as a URL the browser fetches one cached file per theme instead.

    Parameters
    ----------
    provinces
        Province polygons (read-only).
    theme
        ``"light"`` or ``"dark"``.
    served
        Whether the app is in a served page (a notebook keeps the image inline).
    url
        The images' URL (with ``{theme}``); by default the :data:`BASEMAP_SETTING` of the
        server serving the current page (none when that server does not register
        :func:`basemap_routes`: the image is then inline, and the page fetches nothing it
        could not get).

    Returns
    -------
    dict
        The layer spec (its ``image`` a URL or a ``data:`` URL).
    """
    from workbench.apps import common

    layer = shared_basemap_layer(provinces, theme)
    if (
        not served
        or provinces is not common.shared_sample("provinces")
        or theme not in BASEMAP_THEMES
    ):
        return layer
    if url is None:
        url = common.server_setting(BASEMAP_SETTING)
    return {**layer, "image": url.format(theme=theme)} if url else layer


def basemap_routes() -> list[tuple[str, Any, dict[str, Any]]]:
    """Return the server route of the shipped provinces' images (cached for a year).

    A server given this route should also carry ``{BASEMAP_SETTING: basemap_url()}`` in its
    settings (``workbench.apps.server.server_kwargs`` gives both): its Index Explorer pages
    then load the basemap by URL.

    Returns
    -------
    list of tuple
        ``(pattern, handler, settings)`` for the server's ``extra_patterns``.
    """
    from tornado.web import RequestHandler

    images, _version = _basemap_images()

    class BasemapHandler(RequestHandler):
        def get(self, theme: str) -> None:
            self.set_header("Content-Type", "image/png")
            # the URL carries the content's hash: new images get a new URL
            self.set_header("Cache-Control", "public, max-age=31536000, immutable")
            self.write(images[theme])

    themes = "|".join(BASEMAP_THEMES)
    pattern = "/" + BASEMAP_PATH.replace(".", r"\.").format(theme=f"({themes})")
    return [(pattern, BasemapHandler, {})]
