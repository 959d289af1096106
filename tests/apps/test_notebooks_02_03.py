"""Notebooks 02_siting and 03_citymodel run top to bottom and are committed without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["02_siting.ipynb", "03_citymodel.ipynb"]
#: Something each notebook must print, proving its engine ran (not only that no cell failed).
EXPECTED = {"02_siting.ipynb": "Solver status", "03_citymodel.ipynb": "unserved energy"}


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name):
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == []
            assert cell["execution_count"] is None
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(tmp_path, name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = json.dumps([o for o in outputs if o.get("output_type") != "display_data"])
    assert EXPECTED[name] in text
    assert "BokehModel" in text  # pn.ipywidget built an ipywidget (jupyter_bokeh)
    assert any(
        "application/vnd.holoviews_load.v0+json" in o.get("data", {})
        or "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        for o in outputs
    )
