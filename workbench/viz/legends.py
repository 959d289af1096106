"""Map legends as small HTML blocks: what colour and size mean on each map.

deck.gl draws no legend, so each app shows one of these beside its map. The colours are the
maps' own (:mod:`workbench.viz.theme`, :mod:`workbench.viz.siting`), so a legend cannot drift
from the map it explains. Pure functions: text in, HTML out.
"""

from __future__ import annotations

import html

from workbench.labels import label, sig
from workbench.viz.theme import INDEX_TIER_RGB, RAMPS, SITE_TIER_RGB, palette, rgb_hex

#: The district choropleth's ramp (ColorBrewer YlGnBu) and the demand heat ramp (YlOrRd), as
#: the maps draw them (:data:`workbench.viz.theme.RAMPS`).
_DISTRICT_RAMP = tuple(rgb_hex(list(c)) for c in RAMPS["seq"])
_HEAT_RAMP = tuple(rgb_hex(list(c)) for c in RAMPS["heat"])


def _box(theme: str, body: str, title: str) -> str:
    colours = palette(theme)
    return (
        f"<div class='map-legend' role='group' aria-label='{html.escape(title)}' "
        f"style='display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center;"
        f"font-size:13px;color:{colours['text']};background:{colours['card']};"
        f"border:1px solid {colours['border']};border-radius:6px;padding:4px 10px'>"
        f"<b>{html.escape(title)}</b>{body}</div>"
    )


def _dot(colour: str, px: int, alpha: float = 1.0) -> str:
    return (
        f"<span style='display:inline-block;width:{px}px;height:{px}px;border-radius:50%;"
        f"background:{colour};opacity:{alpha};border:1px solid #333;vertical-align:middle;"
        f"margin-right:4px'></span>"
    )


def _item(swatch: str, text: str) -> str:
    return f"<span style='white-space:nowrap'>{swatch}{html.escape(text)}</span>"


def _gradient(ramp: tuple[str, ...]) -> str:
    colours = ",".join(ramp)
    return (
        "<span style='display:inline-block;width:90px;height:10px;vertical-align:middle;"
        f"margin:0 4px;border:1px solid #999;background:linear-gradient(to right,{colours})'>"
        "</span>"
    )


def index_legend(language: str = "en", theme: str = "light") -> str:
    """Legend of the Index Explorer's map: colour is the tier, size is the score.

    Parameters
    ----------
    language
        ``"en"`` or ``"zh"``.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    str
        An HTML block.
    """
    tiers = "".join(
        _item(_dot(rgb_hex(rgb), 12), label(tier, language)) for tier, rgb in INDEX_TIER_RGB.items()
    )
    grey = palette(theme)["muted"]
    size = _item(
        _dot(grey, 7) + _dot(grey, 11) + _dot(grey, 16),
        f"{label('legend_size_score', language)} ({label('legend_low_high', language)})",
    )
    body = f"<span>{label('legend_colour_tier', language)}:</span>{tiers}{size}"
    return _box(theme, body, label("legend", language))


def siting_legend(language: str = "en", theme: str = "light") -> str:
    """Legend of the Siting Studio's map: tier colours and sizes, candidates, demand heat.

    Parameters
    ----------
    language
        ``"en"`` or ``"zh"``.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    str
        An HTML block.
    """
    sizes = {"hub": 16, "dc": 12, "edge": 8}  # the map's radii: hub > data centre > edge
    tiers = "".join(
        _item(_dot(rgb_hex(SITE_TIER_RGB[t]), sizes[t]), label(t, language))
        for t in ("hub", "edge", "dc")
    )
    candidate = _item(
        _dot(rgb_hex(SITE_TIER_RGB["edge"]), 6, alpha=0.35), label("legend_candidate", language)
    )
    demand = _item(_gradient(_HEAT_RAMP), label("legend_demand", language))
    size = f"<span>{html.escape(label('legend_size_tier', language))}</span>"
    body = f"{tiers}{candidate}{size}{demand}"
    return _box(theme, body, label("legend", language))


def district_legend(
    metric: str, low: float | None, high: float | None, language: str = "en", theme: str = "light"
) -> str:
    """Legend of a district choropleth: the metric, and the values at both ends of the ramp.

    Parameters
    ----------
    metric
        The metric's label (shown as given).
    low, high
        The smallest and largest value on the map (``None`` before a run).
    language
        ``"en"`` or ``"zh"``.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    str
        An HTML block.
    """
    ends = (
        f"{sig(low)} {_gradient(_DISTRICT_RAMP)} {sig(high)}"
        if low is not None and high is not None
        else _gradient(_DISTRICT_RAMP) + html.escape(label("legend_low_high", language))
    )
    colour = label("legend_colour", language)
    body = f"<span>{html.escape(colour)}: {html.escape(metric)}</span><span>{ends}</span>"
    return _box(theme, body, label("legend", language))


__all__ = ["district_legend", "index_legend", "siting_legend"]
