"""Helpers for report templates: headings, text, captioned figures, tables and results files.

Templates call these inside the kernel so that every report reads the same way: text generated
from the numbers (Markdown), numbered figures with captions, tables without index clutter, and
results written atomically next to the executed notebook. Formatting only, no domain logic.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from workbench.reports.export import atomic_write_bytes, atomic_write_json

_counter = {"figure": 0, "table": 0}


def setup(dpi: int = 110) -> None:
    """Configure matplotlib for static PNG figures (no JavaScript, renders offline)."""
    import matplotlib as mpl

    mpl.use("agg", force=False)
    mpl.rcParams.update(
        {
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "savefig.bbox": "tight",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 10,
            "figure.max_open_warning": 0,
        }
    )
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            ip.run_line_magic("matplotlib", "inline")
            ip.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
    except ImportError:  # pragma: no cover - outside IPython
        pass
    _counter.update(figure=0, table=0)


def md(text: str) -> None:
    """Display Markdown text."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def figure(fig: Any, caption: str) -> None:
    """Display a matplotlib figure as a PNG followed by a numbered caption, then close it."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    _counter["figure"] += 1
    display(fig)
    plt.close(fig)
    md(f"<p class='wb-caption'>Figure {_counter['figure']}. {caption}</p>")


def table(df: Any, caption: str, formats: dict[str, str] | None = None) -> None:
    """Display a DataFrame as a table without its index, with a numbered caption above it."""
    from IPython.display import display

    _counter["table"] += 1
    md(f"<p class='wb-caption'>Table {_counter['table']}. {caption}</p>")
    styler = df.style.hide(axis="index")
    text_cols = [c for c in df.columns if not _is_numeric(df[c])]
    if text_cols:
        styler = styler.set_properties(subset=text_cols, **{"text-align": "left"})
    if formats:
        styler = styler.format(formats, na_rep="-")
    else:
        styler = styler.format(precision=1, na_rep="-")
    display(styler)


def _is_numeric(col: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(col.dtype))


def pct(x: float, digits: int = 0) -> str:
    """Format a share as a percentage (``0.873 -> '87%'``)."""
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}%}"


def ordinal(n: int) -> str:
    """Return ``1st``, ``2nd``, ``3rd``, ``4th``... for a rank."""
    n = int(n)
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def listing(items: list[str], conj: str = "and") -> str:
    """Join ``['a', 'b', 'c']`` as ``'a, b and c'``."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conj} {items[-1]}"


def write_results(results_path: str, results: dict[str, Any], dataset: Any = None) -> list[str]:
    """Write a run's results: JSON at ``results_path`` and, optionally, NetCDF beside it.

    Parameters
    ----------
    results_path
        Path of the JSON file (given to the notebook by the runner); empty: write nothing.
    results
        JSON-serialisable numbers the report computed. Put the input files the report read
        under ``"inputs"`` (a list of paths) so that the manifest records their hashes.
    dataset
        An ``xarray.Dataset`` written to the same path with suffix ``.nc``.

    Returns
    -------
    list of str
        The files written.
    """
    if not results_path:
        return []
    path = Path(results_path)
    written = [str(atomic_write_json(path, _clean(results)))]
    if dataset is not None:
        nc = path.with_suffix(".nc")
        data = dataset.to_netcdf(engine="h5netcdf")  # bytes when no path is given
        written.append(str(atomic_write_bytes(nc, bytes(data))))
    return written


def _clean(obj: Any) -> Any:
    """Make numpy/pandas values JSON-friendly (NaN -> None)."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        try:
            obj = obj.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj


def dumps(obj: Any) -> str:
    """JSON text of ``obj`` with numpy values converted (for display in a report)."""
    return json.dumps(_clean(obj), indent=2, ensure_ascii=False)


__all__ = [
    "dumps",
    "figure",
    "listing",
    "md",
    "ordinal",
    "pct",
    "setup",
    "table",
    "write_results",
]
