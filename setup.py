"""Build hook: map the repository's top-level ``sample_data/`` and report templates into the wheel.

Everything else about the package is declared in ``pyproject.toml``. The sample files live at
the top of the repository (their build scripts and provenance sit beside them); a built wheel
carries them as ``workbench/sample_data/``, where :func:`workbench.data.samples.sample_dir`
finds them through :mod:`importlib.resources`. An editable install (``pip install -e .``)
copies nothing: the package then reads the checkout's ``sample_data/`` directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SAMPLE_SRC = ROOT / "sample_data"
# The data files a user loads, and their provenance; not the build scripts or raw downloads.
SAMPLE_PATTERNS = ("*.csv", "*.nc", "*.geojson", "*.json", "*.yaml", "*.md")
REPORTS_SRC = (
    ROOT / "notebooks" / "reports"
)  # report templates, shipped as workbench/reports/templates


def sample_files() -> list[Path]:
    """Return the shipped sample files, relative to ``sample_data/``."""
    files = []
    for pattern in SAMPLE_PATTERNS:
        files += [p.relative_to(SAMPLE_SRC) for p in SAMPLE_SRC.rglob(pattern)]
    return sorted(f for f in files if f.parts[0] != "raw")


class BuildPyWithSamples(build_py):
    """``build_py`` that also copies ``sample_data/`` into ``workbench/sample_data/``."""

    def run(self) -> None:
        """Build the package, then copy the sample files next to it (not when editable)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the editable package reads the checkout's sample_data/ in place
        dest = Path(self.build_lib) / "workbench" / "sample_data"
        for rel in sample_files():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(SAMPLE_SRC / rel, target)
        templates = Path(self.build_lib) / "workbench" / "reports" / "templates"
        templates.mkdir(parents=True, exist_ok=True)
        for nb in sorted(REPORTS_SRC.glob("*.ipynb")):
            shutil.copy2(nb, templates / nb.name)


setup(cmdclass={"build_py": BuildPyWithSamples})
