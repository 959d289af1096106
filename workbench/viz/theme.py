"""The workbench's one palette and style, light and dark, for every figure, map and card.

Charts (:mod:`workbench.viz.charts`), the siting and city-model views and the apps' KPI cards
all take their colours from :data:`PALETTES`, so the three apps look like one product.
"""

from __future__ import annotations

from typing import Any

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

#: Colour of each City AI Index tier (RGB), best first: Okabe-Ito colours, told apart with
#: every common colour-vision deficiency, the same in every app, figure and report.
INDEX_TIER_RGB: dict[str, list[int]] = {
    "Leading": [213, 94, 0],  # vermillion
    "Dynamic": [0, 114, 178],  # blue
    "Potential": [0, 158, 115],  # bluish green
}
#: Colour of each siting tier (RGB): Okabe-Ito, as :data:`INDEX_TIER_RGB`.
SITE_TIER_RGB: dict[str, list[int]] = {
    "hub": [213, 94, 0],  # vermillion
    "edge": [0, 114, 178],  # blue
    "dc": [204, 121, 167],  # reddish purple
}


def rgb_hex(rgb: list[int]) -> str:
    """Return ``#rrggbb`` of an RGB(A) list.

    Parameters
    ----------
    rgb
        Red, green, blue (and alpha, ignored), 0-255.

    Returns
    -------
    str
        The hex colour.
    """
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


#: Two contrasting series colours (run A and run B, a value and its budget line).
SERIES: tuple[str, ...] = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#7f7f7f")


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
    "INDEX_TIER_RGB",
    "PALETTES",
    "SERIES",
    "SITE_TIER_RGB",
    "card_style",
    "palette",
    "rgb_hex",
    "style_figure",
]
