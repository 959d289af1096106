"""Sphinx configuration: the guides in docs/, the tutorial notebooks and the API reference.

Build with ``make docs`` (warnings are errors). The tutorial notebooks in ``notebooks/`` are
copied into ``docs/tutorials/`` (not tracked) and rendered without running them; set
``WORKBENCH_DOCS_EXECUTE=1`` to execute them at build time (needs the ``workbench`` kernel and
takes minutes).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import workbench  # noqa: E402 - after the path is set

project = "City AI Planning Workbench"
author = "City AI Planning Workbench developers"
copyright = "2026, " + author  # noqa: A001 - Sphinx's setting name
release = workbench.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

root_doc = "contents"
exclude_patterns = ["_build", "screenshots", "**.ipynb_checkpoints", "README.md"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# Links to headings inside the guides (`[...](data.md#reading-files)`).
myst_heading_anchors = 3


autosummary_generate = True
autosummary_imported_members = False
# Each object is documented once, in the module that defines it (packages re-export names).
autodoc_default_options = {"members": True, "show-inheritance": True, "ignore-module-all": True}
autodoc_typehints = "none"  # numpydoc renders the types written in the docstrings
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

html_theme = "pydata_sphinx_theme"
html_title = f"City AI Planning Workbench {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}

# Tutorials: rendered from notebooks/ (committed without outputs), not executed by default.
nb_execution_mode = "force" if os.environ.get("WORKBENCH_DOCS_EXECUTE") == "1" else "off"
nb_execution_timeout = 600
nb_kernel_rgx_aliases = {".*": "workbench"}
# Executed notebooks also hold Panel/Bokeh's bootstrap outputs for a live kernel
# (application/vnd.holoviews_exec.v0+json and friends); a static page has no use for them.
suppress_warnings = ["mystnb.unknown_mime_type"]

TUTORIALS = DOCS / "tutorials"
TUTORIALS.mkdir(exist_ok=True)
for nb in sorted((ROOT / "notebooks").glob("0*.ipynb")):
    target = TUTORIALS / nb.name
    if not target.exists() or target.read_bytes() != nb.read_bytes():
        shutil.copy2(nb, target)
