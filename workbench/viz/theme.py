"""The workbench's one palette and style, light and dark, for every figure, map and card.

Charts (:mod:`workbench.viz.charts`), the maps, the siting, city-model and world-model views and
the apps' KPI cards all take their colours from this module (:data:`PALETTES` for the page,
:data:`COLOURS` for series, the tier and ramp tables for data), so the three apps look like one
product and a colour is defined in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench.dims import INDEX_TIERS

#: Colours of each theme: page and figure background, text, grid lines, borders, the accent
#: (the header's green), KPI cards, the basemap's fill and outlines (RGBA) and the map's
#: background (RGB).
PALETTES: dict[str, dict[str, Any]] = {
    "light": {
        "bg": "#ffffff",
        "text": "#222222",
        "muted": "#666666",
        "grid": "#e6e6e6",
        "border": "#dddde6",
        "accent": "#0b6e4f",
        "card": "#f4f6f8",
        "map_fill": [236, 236, 230, 255],
        "map_line": [110, 110, 110, 255],
        "map_bg": [255, 255, 255],
    },
    "dark": {
        "bg": "#1f2229",
        "text": "#e6e6e6",
        "muted": "#a0a6b0",
        "grid": "#3a3f4b",
        "border": "#444a56",
        "accent": "#3fb68b",
        "card": "#2a2e37",
        "map_fill": [48, 52, 60, 255],
        "map_line": [110, 116, 128, 255],
        "map_bg": [24, 26, 31],
    },
}

#: Named series colours (Tableau 10): blue and red contrast two runs or a value and its
#: limit; green, orange and grey follow.
COLOURS: dict[str, str] = {
    "blue": "#1f77b4",
    "red": "#d62728",
    "green": "#2ca02c",
    "orange": "#ff7f0e",
    "grey": "#7f7f7f",
}

#: The series colours in order (run A and run B first).
SERIES: tuple[str, ...] = tuple(COLOURS.values())

#: Colours of the series of a dimension profile (the city, then the comparisons).
PROFILE_SERIES: tuple[str, ...] = ("#0b6e4f", "#e69f00", "#9aa5b1", "#56b4e9")  # Okabe-Ito

#: Colour of each City AI Index tier (RGB), best first: Okabe-Ito colours, told apart with
#: every common colour-vision deficiency, the same in every app, figure and report.
INDEX_TIER_RGB: dict[str, list[int]] = {
    INDEX_TIERS[0]: [213, 94, 0],  # Leading: vermillion
    INDEX_TIERS[1]: [0, 114, 178],  # Dynamic: blue
    INDEX_TIERS[2]: [0, 158, 115],  # Potential: bluish green
}

#: Colour of each siting tier (RGB), Okabe-Ito as :data:`INDEX_TIER_RGB`: hub vermillion, edge
#: blue, urban data centre reddish purple.
SITE_TIER_RGB: dict[str, list[int]] = {
    "hub": [213, 94, 0],
    "edge": [0, 114, 178],
    "dc": [204, 121, 167],
}

#: Colour (RGB) of whatever has no tier or no value: a city outside the tiers, a site of an
#: unknown tier, demand left unserved.
NO_TIER_RGB: list[int] = [150, 150, 150]

#: Outline (RGB) of the selected item on a map.
HIGHLIGHT_RGB: list[int] = [255, 200, 0]

#: Outline (RGB) of unselected items on a map.
OUTLINE_RGB: list[int] = [20, 20, 20]

#: Sequential ramps (RGB, 6 classes, light to dark): ``heat`` is ColorBrewer YlOrRd (demand),
#: ``seq`` is ColorBrewer YlGnBu (district choropleths).
RAMPS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "heat": (
        (255, 255, 178),
        (254, 217, 118),
        (254, 178, 76),
        (253, 141, 60),
        (240, 59, 32),
        (189, 0, 38),
    ),
    "seq": (
        (255, 255, 204),
        (199, 233, 180),
        (127, 205, 187),
        (65, 182, 196),
        (44, 127, 184),
        (37, 52, 148),
    ),
}


def to_hex(rgb: Sequence[int]) -> str:
    """Return the ``#rrggbb`` string of an RGB(A) colour (alpha dropped).

    Parameters
    ----------
    rgb
        Red, green, blue (and optionally alpha) as integers 0-255.

    Returns
    -------
    str
        The hex colour.

    Examples
    --------
    >>> to_hex([214, 39, 40])
    '#d62728'
    """
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


#: Another name of :func:`to_hex`.
rgb_hex = to_hex


def palette(theme: str = "light") -> dict[str, Any]:
    """Return the colours of ``theme`` (``"light"`` or ``"dark"``; light if unknown).

    Parameters
    ----------
    theme
        The theme.

    Returns
    -------
    dict
        Colour name -> value (see :data:`PALETTES`).
    """
    return PALETTES.get(theme, PALETTES["light"])


def style_figure(fig: Any, theme: str = "light") -> Any:
    """Apply the theme's colours to a Bokeh figure (in place) and return it.

    Parameters
    ----------
    fig
        A ``bokeh.plotting.figure``.
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    bokeh.plotting.figure
        The same figure.
    """
    colours = palette(theme)
    fig.background_fill_color = colours["bg"]
    fig.border_fill_color = colours["bg"]
    fig.outline_line_color = None
    for axis in (*fig.xaxis, *fig.yaxis):
        axis.axis_label_text_color = colours["text"]
        axis.major_label_text_color = colours["text"]
        axis.axis_line_color = colours["grid"]
        axis.major_tick_line_color = colours["grid"]
        axis.minor_tick_line_color = None
    for grid in (*fig.xgrid, *fig.ygrid):
        grid.grid_line_color = colours["grid"]
    if fig.title is not None:
        fig.title.text_color = colours["text"]
    if fig.legend:
        fig.legend.background_fill_color = colours["bg"]
        fig.legend.label_text_color = colours["text"]
        fig.legend.border_line_color = None
    fig.toolbar.logo = None
    return fig


def card_style(theme: str = "light") -> dict[str, str]:
    """Return the CSS of a KPI card in ``theme``.

    Parameters
    ----------
    theme
        ``"light"`` or ``"dark"``.

    Returns
    -------
    dict
        CSS property -> value.
    """
    colours = palette(theme)
    return {
        "background": colours["card"],
        "color": colours["text"],
        "border-radius": "6px",
        "padding": "6px 12px",
        "min-width": "120px",
        "border": f"1px solid {colours['border']}",
    }


__all__ = [
    "COLOURS",
    "HIGHLIGHT_RGB",
    "INDEX_TIER_RGB",
    "NO_TIER_RGB",
    "OUTLINE_RGB",
    "PALETTES",
    "PROFILE_SERIES",
    "RAMPS",
    "SERIES",
    "SITE_TIER_RGB",
    "card_style",
    "palette",
    "style_figure",
    "rgb_hex",
    "to_hex",
]
