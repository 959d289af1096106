"""The landing page at ``/``: what the workbench offers, links to the apps, the sample data."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import panel as pn

from workbench.apps.common import label

if TYPE_CHECKING:  # pragma: no cover
    from workbench.apps.server import AppSpec

log = logging.getLogger(__name__)

#: Sample data sets described on the landing page (names of ``workbench.data.load_sample``).
SAMPLES: tuple[tuple[str, str], ...] = (
    ("cities", "Cities (name, province, location, population)"),
    ("provinces", "Province boundaries of China"),
    ("shanghai_districts", "Shanghai's 16 districts"),
    ("city_ai_index", "City AI Index indicator cube"),
    ("shanghai_siting", "Shanghai compute-siting scenario"),
)


def _describe(obj: Any) -> str:
    """Describe a loaded sample in a few words (rows, dimensions, synthetic or not)."""
    sizes = getattr(obj, "sizes", None)
    if sizes is not None and hasattr(obj, "data_vars"):
        dims = " × ".join(f"{n} {d}" for d, n in sizes.items())
        synthetic = str(obj.attrs.get("synthetic", "")).lower().startswith(("true", "1", "yes"))
        return dims + (" (synthetic values)" if synthetic else "")
    if isinstance(obj, dict):
        tables = {k: v for k, v in obj.items() if hasattr(v, "columns")}
        return ", ".join(f"{len(v)} {k}" for k, v in tables.items())
    if hasattr(obj, "__len__"):
        return f"{len(obj)} rows"
    return type(obj).__name__


def sample_summary() -> list[dict[str, str]]:
    """Summarise the shipped sample data: one record per data set, with its status.

    Returns
    -------
    list of dict
        Records with ``name``, ``what`` and ``summary`` (or the reason it is not available).
    """
    from workbench.apps.common import shared_sample

    records = []
    for name, what in SAMPLES:
        try:
            summary = _describe(shared_sample(name))
        except Exception as exc:  # noqa: BLE001 - the landing page reports, it does not fail
            log.debug("sample %s not available", name, exc_info=True)
            summary = f"not available ({type(exc).__name__})"
        records.append({"name": name, "what": what, "summary": summary})
    return records


def _card(spec: AppSpec) -> pn.pane.HTML:
    title = html.escape(spec.title)
    text = (
        f'<div class="wb-card">'
        f'<h3><a href="./{spec.slug}" id="link-{spec.slug}">{title}</a>'
        f' <span class="wb-zh">{html.escape(spec.title_zh)}</span></h3>'
        f"<p>{html.escape(spec.description)}</p>"
        f'<p class="wb-zh">{html.escape(spec.description_zh)}</p>'
        f'<p><a href="./{spec.slug}">Open /{spec.slug} →</a></p>'
        "</div>"
    )
    return pn.pane.HTML(text, sizing_mode="stretch_width", margin=(5, 10))


_CSS = """
.wb-card {border: 1px solid rgba(128,128,128,.35); border-radius: 8px; padding: 4px 16px;}
.wb-card h3 {margin-bottom: 4px;}
.wb-zh {opacity: .75;}
"""


def landing_page(apps: Sequence[AppSpec]) -> pn.Column:
    """Build the landing page.

    Parameters
    ----------
    apps
        The apps the server offers (one card and link each).

    Returns
    -------
    panel.Column
        The page content.
    """
    intro = pn.pane.Markdown(
        f"## {label('workbench')} · {label('workbench', 'zh')}\n\n"
        "A planning workbench for AI as city infrastructure: the City AI Index (where does "
        "a city stand?), compute siting (where should the computing go?) and an agent-based "
        "city model (what happens when AI agents run the city?). Everything here runs on "
        "this machine; no map tiles or data are fetched from the internet.",
        sizing_mode="stretch_width",
    )
    if apps:
        cards: list[Any] = [_card(spec) for spec in apps]
    else:
        cards = [pn.pane.Alert("No app is installed yet.", alert_type="warning")]
    rows = sample_summary()
    table = "| data set | what | content |\n|---|---|---|\n" + "\n".join(
        f"| `{r['name']}` | {r['what']} | {r['summary']} |" for r in rows
    )
    data = pn.pane.Markdown(
        "### Sample data · 样例数据\n\n" + table + "\n\nSources, licences and which values "
        "are synthetic: `sample_data/README.md`.",
        sizing_mode="stretch_width",
    )
    return pn.Column(
        pn.pane.HTML(f"<style>{_CSS}</style>", height=0, margin=0),
        intro,
        pn.pane.Markdown("### Apps · 应用", margin=(0, 10)),
        *cards,
        data,
        sizing_mode="stretch_width",
        name="landing",
    )
