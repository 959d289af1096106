"""Run one report: a Papermill notebook in its own kernel, with outputs written atomically.

A run folder receives

- ``report.ipynb``: the executed notebook (with papermill's per-cell timings);
- ``report.html``: the same without input cells, self-contained (renders offline);
- ``results.json`` and/or ``results.nc``: what the notebook computed, written by the template to
  the path the runner passes as its ``results_path`` parameter;
- ``manifest.json``: parameters, seed, package versions, SHA-256 of inputs and outputs, start,
  duration, timings, status and, for a failed run, the failing cell and the exception.

The notebook runs in a staging folder inside the run folder; its files are moved into place with
:func:`os.replace` and the manifest is written last, so a run folder is complete only when its
manifest says ``"status": "ok"``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.data.paths import user_path
from workbench.errors import SpecError
from workbench.reports.catalog import check_kernel, default_kernel, find_report
from workbench.reports.export import atomic_write_json, atomic_write_text, notebook_to_html
from workbench.reports.manifest import (
    MANIFEST,
    build_manifest,
    cell_timings,
    error_info,
    hash_inputs,
    now_iso,
)
from workbench.reports.params import notebook_parameters, plain, validate_parameters

NOTEBOOK = "report.ipynb"
HTML = "report.html"
RESULTS = "results.json"


@dataclass(frozen=True)
class ReportResult:
    """How one report run ended.

    Attributes
    ----------
    report
        The report's name (notebook stem).
    out_dir
        The run folder.
    status
        ``"ok"``, ``"error"`` or ``"skipped"`` (already complete, with ``--resume``).
    parameters
        The parameters the notebook ran with (without the runner's ``results_path``).
    duration_s
        Wall time of the run in seconds.
    timings
        ``kernel_start_s``, ``setup_s``, ``compute_s``, ``export_s`` (see
        :func:`workbench.reports.manifest.cell_timings`).
    error
        For a failed run: ``cell_index``, ``source``, ``ename``, ``evalue``, ``summary``.
    """

    report: str
    out_dir: str
    status: str
    parameters: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """Whether the run completed (``ok``) or was complete already (``skipped``)."""
        return self.status in ("ok", "skipped")

    @property
    def manifest_path(self) -> Path:
        """Path of the run's ``manifest.json``."""
        return Path(self.out_dir) / MANIFEST

    def results(self) -> dict[str, Any]:
        """Load the run's ``results.json``."""
        return json.loads((Path(self.out_dir) / RESULTS).read_text(encoding="utf-8"))


def run_report(
    report: str | os.PathLike[str],
    parameters: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] = ".",
    *,
    kernel_name: str | None = None,
    timeout: float | None = None,
) -> ReportResult:
    """Run one report notebook with parameters and write its outputs into ``out``.

    Parameters
    ----------
    report
        A template name (``"city_report"``, see :func:`workbench.reports.list_reports`) or the
        path of a notebook with a cell tagged ``parameters``.
    parameters
        ``name -> value``; names must be declared by the notebook. Strings from the command line
        (:func:`workbench.reports.parse_assignments`) are typed by the notebook's declarations.
    out
        The run folder (created if missing); a relative path is relative to the current working
        directory, ``~`` is expanded.
    kernel_name
        Jupyter kernel; defaults to ``$WORKBENCH_KERNEL``, else ``workbench``, else ``python3``.
    timeout
        Seconds each cell may run; ``None`` for no limit.

    Returns
    -------
    ReportResult
        The run's status; a failure in the notebook is reported here, not raised.

    Raises
    ------
    SpecError
        Before anything runs: unknown report, unknown parameter name, wrong value type, or a
        kernel that is not installed.

    Examples
    --------
    >>> from workbench.reports import run_report
    >>> res = run_report("city_report", {"city": "310000", "draws": 50}, "out/sh")  # doctest: +SKIP
    >>> res.status, res.results()["tier"]  # doctest: +SKIP
    ('ok', 'Leading')
    """
    nb_path = find_report(report)
    kernel = kernel_name or default_kernel()
    check_kernel(kernel)
    declared = notebook_parameters(nb_path)
    params = validate_parameters(nb_path, parameters, declared=declared)
    # resolved here, once: the kernel runs in a staging folder, a Dask worker anywhere
    return execute_run(str(nb_path), params, str(user_path(out)), kernel, timeout)


def execute_run(
    notebook: str,
    parameters: dict[str, Any],
    out: str,
    kernel_name: str,
    timeout: float | None = None,
) -> ReportResult:
    """Execute an already validated run; this is the function a batch sends to Dask workers.

    Each call starts its own kernel process (papermill launches it and shuts it down at the end),
    so runs never share interpreter state even when a worker process runs many of them.

    Parameters
    ----------
    notebook
        Absolute path of the template.
    parameters
        Validated, plain parameters (see :func:`workbench.reports.validate_parameters`).
    out
        The run folder, as an absolute path (this may run on another machine or directory).
    kernel_name
        An installed Jupyter kernel.
    timeout
        Seconds each cell may run.

    Returns
    -------
    ReportResult
        The run's status and timings.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    report = Path(notebook).stem
    run_dir = Path(out)
    if not run_dir.is_absolute():
        msg = (
            f"execute_run: `out` must be an absolute path (resolved where the user typed it, "
            f"before the run is sent elsewhere); got {out!r}. Use run_report or run_batch, "
            "which resolve it."
        )
        raise SpecError(msg)
    run_dir.mkdir(parents=True, exist_ok=True)
    params = plain(parameters)
    declared = notebook_parameters(notebook)
    defaults = {k: _literal(v.get("default")) for k, v in declared.items()}
    defaults.pop("results_path", None)
    started_iso = now_iso()
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    param_files = [v for v in params.values() if isinstance(v, str) and Path(v).is_file()]
    atomic_write_json(
        run_dir / MANIFEST,
        build_manifest(
            report=report,
            notebook=notebook,
            parameters=params,
            kernel_name=kernel_name,
            status="running",
            started=started_iso,
        ),
    )
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=run_dir))
    run_params = dict(params)
    if "results_path" in declared:
        run_params["results_path"] = str(staging / RESULTS)
    error: dict[str, Any] | None = None
    nb = None
    try:
        try:
            nb = papermill.execute_notebook(
                notebook,
                str(staging / NOTEBOOK),
                parameters=run_params,
                kernel_name=kernel_name,
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout,
                cwd=str(staging),
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except PapermillExecutionError as exc:
            nb = _read(staging / NOTEBOOK)
            error = error_info(exc, nb)
        except Exception as exc:  # kernel died, timed out or could not start
            nb = _read(staging / NOTEBOOK)
            error = error_info(exc, nb)
            error["stage"] = "kernel"
        t_exec = time.perf_counter()
        if nb is not None:
            try:
                html = notebook_to_html(nb, title=_title(report, params))
                atomic_write_text(staging / HTML, html)
            except Exception as exc:  # an export failure fails the run, it does not hide
                if error is None:
                    error = error_info(exc)
                    error["stage"] = "export"
        export_s = time.perf_counter() - t_exec
        timings = cell_timings(nb, started) if nb is not None else {}
        timings["export_s"] = round(export_s, 3)
        # move outputs into place (atomic renames within one file system)
        files: dict[str, dict[str, Any]] = {}
        for f in sorted(staging.iterdir()):
            if f.is_file() and not f.name.startswith("."):
                os.replace(f, run_dir / f.name)
        for name in sorted(p.name for p in run_dir.iterdir() if p.is_file()):
            if name != MANIFEST and not name.startswith("."):
                files[name] = next(iter(hash_inputs([str(run_dir / name)]).values()))
        inputs = hash_inputs(param_files + _declared_inputs(run_dir / RESULTS))
        if error is None and "results_path" in declared and not (run_dir / RESULTS).is_file():
            error = {
                "summary": f"the notebook finished but did not write {RESULTS} to results_path",
                "ename": "MissingResults",
                "evalue": "no results file",
                "cell_index": None,
                "source": None,
                "stage": "results",
            }
        status = "ok" if error is None else "error"
        duration = time.perf_counter() - t0
        atomic_write_json(
            run_dir / MANIFEST,
            build_manifest(
                report=report,
                notebook=notebook,
                parameters=params,
                defaults=defaults,
                kernel_name=kernel_name,
                status=status,
                started=started_iso,
                duration_s=duration,
                inputs=inputs,
                files=files,
                timings=timings,
                error=error,
            ),
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ReportResult(report, str(run_dir), status, params, round(duration, 3), timings, error)


def _literal(text: str | None) -> Any:
    """Return the value of a default from the parameters cell, or its source text."""
    import ast

    try:
        return ast.literal_eval(text) if text is not None else None
    except (ValueError, SyntaxError):
        return text


def _read(path: Path) -> Any:
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None


def _declared_inputs(results: Path) -> list[str]:
    """Files the notebook says it read (``results["inputs"]``: a list of paths)."""
    if not results.is_file():
        return []
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except ValueError:
        return []
    inputs = data.get("inputs", []) if isinstance(data, dict) else []
    return [str(p) for p in inputs if isinstance(p, str) and Path(p).exists()]


def _title(report: str, params: Mapping[str, Any]) -> str:
    bits = ", ".join(f"{k}={v}" for k, v in params.items() if k in ("city", "scenario", "year"))
    return f"{report} ({bits})" if bits else report


def read_manifest(run_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return a run folder's manifest, or ``None`` if it has none (or it is unreadable)."""
    path = Path(run_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


__all__ = [
    "HTML",
    "NOTEBOOK",
    "RESULTS",
    "ReportResult",
    "execute_run",
    "read_manifest",
    "run_report",
]
