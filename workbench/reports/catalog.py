"""Where report templates live and which kernel runs them.

Templates are the notebooks in ``notebooks/reports/`` of the repository, plus any folder listed
in ``$WORKBENCH_REPORTS_PATH`` (``os.pathsep``-separated). A report is named by its file stem
(``city_report``) or given as a path to any ``.ipynb`` file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import SpecError, unknown_name

REPORTS_PATH_ENV = "WORKBENCH_REPORTS_PATH"
"""Environment variable with extra folders of report templates."""

KERNEL_ENV = "WORKBENCH_KERNEL"
"""Environment variable naming the Jupyter kernel that runs reports."""

PREFERRED_KERNELS: tuple[str, ...] = ("workbench", "python3")
"""Kernels tried in order when neither ``--kernel`` nor ``$WORKBENCH_KERNEL`` is set."""


def _builtin_dir() -> Path:
    """Return the shipped templates folder: in an installed wheel, else the checkout's."""
    packaged = Path(__file__).resolve().parent / "templates"  # copied there by setup.py
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "notebooks" / "reports"


BUILTIN_DIR = _builtin_dir()
"""The shipped templates (``workbench/reports/templates`` in a wheel; ``notebooks/reports`` in a
source checkout)."""


@dataclass(frozen=True)
class ReportTemplate:
    """A report template: its name, notebook path and first line of description."""

    name: str
    path: Path
    title: str


def template_dirs() -> list[Path]:
    """Return the folders searched for report templates, in order."""
    extra = [Path(p) for p in os.environ.get(REPORTS_PATH_ENV, "").split(os.pathsep) if p]
    return [*extra, BUILTIN_DIR]


def list_reports() -> list[ReportTemplate]:
    """Return every report template found in :func:`template_dirs`, sorted by name."""
    import nbformat

    found: dict[str, ReportTemplate] = {}
    for folder in template_dirs():
        if not folder.is_dir():
            continue
        for nb_path in sorted(folder.glob("*.ipynb")):
            if nb_path.stem in found:
                continue
            nb = nbformat.read(nb_path, as_version=4)
            title = str(nb.metadata.get("workbench", {}).get("title", ""))
            if not title:
                md = next((c for c in nb.cells if c.cell_type == "markdown"), None)
                title = md.source.strip().splitlines()[0].lstrip("# ") if md else nb_path.stem
            found[nb_path.stem] = ReportTemplate(nb_path.stem, nb_path, title)
    return [found[k] for k in sorted(found)]


def find_report(report: str | os.PathLike[str]) -> Path:
    """Return the notebook path of a report given by name or path.

    Raises
    ------
    SpecError
        If no template of that name exists (with close names suggested) or the path is not a
        notebook.
    """
    text = os.fspath(report)
    path = Path(text)
    if path.suffix == ".ipynb" or os.sep in text:
        if path.is_file() and path.suffix == ".ipynb":
            return path.resolve()
        msg = f"Report notebook {text!r} does not exist or is not an .ipynb file."
        raise SpecError(msg)
    names = {t.name: t.path for t in list_reports()}
    if text not in names:
        msg = unknown_name("report", text, names) + " See `workbench report list`."
        raise SpecError(msg)
    return names[text]


def default_kernel() -> str:
    """Return the reports' kernel: ``$WORKBENCH_KERNEL``, else ``workbench``, else ``python3``."""
    env = os.environ.get(KERNEL_ENV)
    if env:
        return env
    from jupyter_client.kernelspec import KernelSpecManager

    specs = set(KernelSpecManager().find_kernel_specs())
    return next((k for k in PREFERRED_KERNELS if k in specs), "python3")


def check_kernel(kernel_name: str) -> None:
    """Raise :class:`SpecError` if no kernel spec ``kernel_name`` is installed."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if kernel_name not in specs:
        msg = (
            unknown_name("Jupyter kernel", kernel_name, specs)
            + " Install one with `python -m ipykernel install --sys-prefix --name workbench`"
            f" or pass --kernel / set ${KERNEL_ENV}."
        )
        raise SpecError(msg)


__all__ = [
    "BUILTIN_DIR",
    "KERNEL_ENV",
    "REPORTS_PATH_ENV",
    "ReportTemplate",
    "check_kernel",
    "default_kernel",
    "find_report",
    "list_reports",
    "template_dirs",
]
