"""The manifest of a report run: what ran, with what, on which inputs, and how it ended.

``manifest.json`` is the last file a run writes. A run folder is complete only when its manifest
says ``"status": "ok"``; while a run is in progress the manifest says ``"running"``, and a failed
run's manifest says ``"error"`` and carries the failing cell and exception.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
"""File name of a run's manifest."""

MANIFEST_VERSION = 1
"""Version of the manifest layout."""

PACKAGES: tuple[str, ...] = (
    "city-ai-workbench",
    "numpy",
    "pandas",
    "xarray",
    "scipy",
    "geopandas",
    "shapely",
    "matplotlib",
    "highspy",
    "mesa",
    "networkx",
    "dask",
    "distributed",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "jupyter_client",
)
"""Packages whose versions every manifest records."""


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Return the installed version of each package (``None`` when not installed)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def hash_inputs(paths: list[str]) -> dict[str, dict[str, Any]]:
    """Return ``path -> {"sha256", "bytes"}`` for every existing file (folders: each file in them).

    Parameters
    ----------
    paths
        Files or folders a run read.

    Returns
    -------
    dict
        One entry per file, keyed by its absolute path.
    """
    out: dict[str, dict[str, Any]] = {}
    for p in paths:
        path = Path(p)
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.is_file():
                out[str(f.resolve())] = {"sha256": sha256_file(f), "bytes": f.stat().st_size}
    return out


def now_iso() -> str:
    """Return the current UTC time as an ISO 8601 string."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def cell_timings(notebook: Any, started: datetime) -> dict[str, float]:
    """Split a run's time into kernel start-up, set-up cells and computation.

    Parameters
    ----------
    notebook
        The executed notebook (papermill records each cell's start time and duration).
    started
        When the runner started the run.

    Returns
    -------
    dict
        ``kernel_start_s`` (from the start of the run to the first cell), ``setup_s`` (cells
        tagged ``parameters``, ``injected-parameters`` or ``setup``: imports and loading),
        ``compute_s`` (every other cell) and ``cells`` (how many cells ran).
    """
    first: datetime | None = None
    setup = compute = 0.0
    ran = 0
    for cell in notebook.cells:
        pm = cell.get("metadata", {}).get("papermill", {})
        start = _parse_time(pm.get("start_time"))
        duration = pm.get("duration")
        if start is None or duration is None:
            continue
        ran += 1
        first = start if first is None or start < first else first
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"parameters", "injected-parameters", "setup"}:
            setup += float(duration)
        else:
            compute += float(duration)
    kernel = (first - started).total_seconds() if first is not None else float("nan")
    return {
        "kernel_start_s": round(kernel, 3),
        "setup_s": round(setup, 3),
        "compute_s": round(compute, 3),
        "cells": ran,
    }


def error_info(exc: BaseException, notebook: Any | None = None) -> dict[str, Any]:
    """Describe a failed run: the failing cell (index, execution count, source excerpt) and error.

    Parameters
    ----------
    exc
        The exception the run raised (a ``PapermillExecutionError`` for an error in a cell).
    notebook
        The executed notebook, used to map the cell index to the template's cell number.

    Returns
    -------
    dict
        ``cell_index``, ``execution_count``, ``source`` (first lines), ``ename``, ``evalue`` and
        ``summary`` (one line).
    """
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        evalue = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
    cell_index = getattr(exc, "cell_index", None)
    source = getattr(exc, "source", None)
    info: dict[str, Any] = {
        "ename": ename,
        "evalue": evalue,
        "cell_index": cell_index,
        "execution_count": getattr(exc, "exec_count", None),
        "source": _excerpt(source) if source else None,
    }
    if cell_index is not None and notebook is not None:
        # the executed notebook has one injected cell more than the template when parameters
        # were passed; report the index in the template too
        injected = [
            i
            for i, c in enumerate(notebook.cells)
            if "injected-parameters" in c.get("metadata", {}).get("tags", [])
        ]
        info["template_cell_index"] = (
            cell_index - 1 if injected and cell_index > injected[0] else cell_index
        )
    where = f"cell {cell_index}" if cell_index is not None else "outside any cell"
    first_line = (info["source"] or "").splitlines()[0] if info["source"] else ""
    info["summary"] = f"{where}{f' ({first_line!r})' if first_line else ''}: {ename}: {evalue}"
    return info


def _excerpt(source: str, lines: int = 6, width: int = 200) -> str:
    rows = [r[:width] for r in str(source).splitlines()[:lines]]
    more = len(str(source).splitlines()) > lines
    return "\n".join(rows) + ("\n..." if more else "")


def build_manifest(
    *,
    report: str,
    notebook: str,
    parameters: dict[str, Any],
    kernel_name: str,
    defaults: dict[str, Any] | None = None,
    status: str,
    started: str,
    duration_s: float | None = None,
    inputs: dict[str, dict[str, Any]] | None = None,
    files: dict[str, dict[str, Any]] | None = None,
    timings: dict[str, float] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble a manifest dictionary (see the module docstring for its meaning).

    ``parameters`` are the values passed to the run; ``defaults`` the notebook's own defaults
    (as papermill records them), so ``seed`` is the seed the run really used.
    """
    effective = {**(defaults or {}), **parameters}
    return {
        "manifest_version": MANIFEST_VERSION,
        "report": report,
        "notebook": notebook,
        "notebook_sha256": sha256_file(notebook) if Path(notebook).is_file() else None,
        "status": status,
        "parameters": parameters,
        "defaults": defaults or {},
        "seed": effective.get("seed"),
        "kernel_name": kernel_name,
        "started": started,
        "duration_s": None if duration_s is None else round(duration_s, 3),
        "timings": timings or {},
        "inputs": inputs or {},
        "files": files or {},
        "error": error,
        "host": platform.node(),
        "pid": os.getpid(),
        "executable": sys.executable,
        "packages": package_versions(),
    }


__all__ = [
    "MANIFEST",
    "PACKAGES",
    "build_manifest",
    "cell_timings",
    "error_info",
    "hash_inputs",
    "now_iso",
    "package_versions",
    "sha256_file",
]
