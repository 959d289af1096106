"""Atomic file writes and the HTML export of an executed report.

Every file of a run is written to a temporary file in the same folder and moved into place with
:func:`os.replace`, so a reader never sees a half-written file. The HTML has no input cells and
no ``<script src>`` or stylesheet that points at the network: figures are inline PNG images and
the CSS is inlined, so the page renders offline.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

_HTML_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style type="text/css">
  body.jp-Notebook { max-width: 1000px; margin: 0 auto; padding: 24px 32px; }
  .jp-RenderedHTMLCommon { font-size: 15px; line-height: 1.5; }
  .jp-RenderedHTMLCommon table { font-size: 13px; margin: 0.5em 0 1em 0; }
  .jp-RenderedHTMLCommon h1 { border-bottom: 2px solid #2b6cb0; padding-bottom: 6px; }
  .jp-OutputArea-output img { max-width: 100%; }
  .jp-InputPrompt, .jp-OutputPrompt { display: none; }
  .wb-caption { color: #555; font-size: 13px; font-style: italic; margin-top: -4px; }
</style>
{% endblock extra_css %}
"""

_REMOTE = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I
)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder + ``os.replace``).

    Parameters
    ----------
    path
        Destination file; its folder must exist.
    data
        The bytes to write.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    dest = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=_json_default)
    return atomic_write_text(path, text + "\n")


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return str(obj)


def notebook_to_html(notebook: Any, *, title: str | None = None) -> str:
    """Render an executed notebook as a self-contained HTML page without input cells.

    Parameters
    ----------
    notebook
        A ``nbformat.NotebookNode`` (or a path to an ``.ipynb`` file).
    title
        The page title; defaults to the notebook's name.

    Returns
    -------
    str
        The HTML page. It references no remote script, stylesheet or image.
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    if isinstance(notebook, (str, os.PathLike)):
        notebook = nbformat.read(os.fspath(notebook), as_version=4)
    exporter = HTMLExporter(
        template_file="workbench_report.html.j2",
        extra_loaders=[jinja2.DictLoader({"workbench_report.html.j2": _HTML_TEMPLATE})],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    resources = {"metadata": {"name": title or "Report"}}
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    return body


def remote_references(html: str) -> list[str]:
    """Return the tags of ``html`` that would fetch a resource from the network (should be none)."""
    return [m.group(0) for m in _REMOTE.finditer(html)]


__all__ = [
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "notebook_to_html",
    "remote_references",
]
