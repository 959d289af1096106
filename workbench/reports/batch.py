"""Run a report for many parameter sets: on a Dask cluster, each run in its own kernel.

``run_batch("city_report", {"city": "all"}, out="reports/")`` expands the parameter sets,
validates every one of them against the notebook before anything runs, and submits one task per
run to a ``dask.distributed`` client from :func:`workbench.parallel.dask_client` (a LocalCluster
sized to the machine, or the cluster at ``--scheduler`` / ``$WORKBENCH_SCHEDULER``). Each task
starts its own kernel; worker processes are reused, so only the kernel starts per run. A failed
run does not stop the others; ``resume=True`` reruns only the runs that failed or never ran.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.data.paths import refuse_foreign, user_path
from workbench.dims import CITY
from workbench.errors import SpecError
from workbench.reports.catalog import check_kernel, default_kernel, find_report
from workbench.reports.export import atomic_write_json
from workbench.reports.manifest import now_iso, sha256_file
from workbench.reports.params import (
    expand_each,
    notebook_parameters,
    plain,
    run_slug,
    validate_parameters,
)
from workbench.reports.runner import ReportResult, execute_run, read_manifest

BATCH_FILE = "batch.json"
"""Summary of a batch, written (atomically) into the batch's output folder."""


@dataclass(frozen=True)
class BatchResult:
    """The runs of a batch and how each ended.

    Attributes
    ----------
    report
        The report's name.
    out_dir
        The batch folder (one sub-folder per run).
    runs
        One :class:`~workbench.reports.ReportResult` per parameter set, in expansion order.
    """

    report: str
    out_dir: str
    runs: tuple[ReportResult, ...]

    @property
    def failed(self) -> tuple[ReportResult, ...]:
        """The runs that ended in an error."""
        return tuple(r for r in self.runs if not r.ok)

    @property
    def ok(self) -> bool:
        """Whether every run completed."""
        return not self.failed

    @property
    def exit_code(self) -> int:
        """0 when every run completed, 1 otherwise."""
        return 0 if self.ok else 1

    def to_dataframe(self) -> Any:
        """One row per run: folder, status, duration, timings and error summary."""
        import pandas as pd

        rows = []
        for r in self.runs:
            rows.append(
                {
                    "run": Path(r.out_dir).name,
                    "status": r.status,
                    "duration_s": r.duration_s,
                    **{k: v for k, v in r.timings.items() if k.endswith("_s")},
                    "error": (r.error or {}).get("summary"),
                }
            )
        return pd.DataFrame(rows)


def all_values(name: str, parameters: Mapping[str, Any] | None = None) -> list[str]:
    """Return every value of ``name`` for ``--each name=all``, from the engines' public APIs.

    Parameters
    ----------
    name
        ``city`` (the cities of the indicator cube: the report's ``data`` parameter if given,
        else the shipped sample), ``scenario`` or ``mechanism`` (the city model's registries).
    parameters
        The batch's other parameters (``data`` selects the cube for ``city``).

    Returns
    -------
    list of str
        The values, in the data's order.

    Raises
    ------
    SpecError
        If ``all`` has no meaning for ``name``.
    """
    params = dict(parameters or {})
    if name == "city":
        import workbench.data as wbdata

        data = params.get("data")
        cube = wbdata.load_cube(data) if data else wbdata.load_sample("city_ai_index")
        return [str(c) for c in cube[CITY].to_numpy()]
    if name in ("scenario", "mechanism"):
        import workbench.citymodel  # noqa: F401 - registers the built-ins
        from workbench.plugins import get_registry

        kind = {"scenario": "scenarios", "mechanism": "mechanisms"}[name]
        return list(get_registry(kind, name).names())
    msg = (
        f"`--each {name}=all`: 'all' is known for city, scenario and mechanism only; list the "
        f"values instead, e.g. `--each {name}=A,B,C`."
    )
    raise SpecError(msg)


def plan_batch(
    report: str | os.PathLike[str],
    each: Sequence[str] | Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] = ".",
    *,
    values_for_all: Callable[[str, Mapping[str, Any]], list[str]] = all_values,
) -> tuple[Path, list[str], list[tuple[str, dict[str, Any]]]]:
    """Validate and expand a batch without running it.

    Returns
    -------
    tuple
        ``(notebook, declared parameter names, [(run folder, parameters), ...])``.

    Raises
    ------
    SpecError
        For any invalid name or value in any parameter set, before anything runs.
    """
    nb_path = find_report(report)
    declared = notebook_parameters(nb_path)
    base = validate_parameters(nb_path, parameters, declared=declared)
    sets = expand_each(each, all_values=lambda n: values_for_all(n, base))
    names = list(sets[0]) if sets else []
    both = sorted(set(names) & set(base))
    if both:
        msg = f"Parameter(s) {', '.join(both)} given both with -p and --each; give each once."
        raise SpecError(msg)
    runs = []
    seen: dict[str, dict[str, Any]] = {}
    for one in sets:
        slug = run_slug(one, names)
        if slug in seen:
            if plain(seen[slug]) != plain(one):
                msg = (
                    f"`--each`: the values {plain(seen[slug])} and {plain(one)} would share the "
                    f"run folder {slug!r} (characters other than letters, digits, '.', '+' and "
                    "'-' become '_'). Give values that differ in letters or digits."
                )
                raise SpecError(msg)
            continue  # the same value listed twice runs once
        seen[slug] = one
        params = {**base, **validate_parameters(nb_path, one, declared=declared)}
        runs.append((str(user_path(out) / slug), params))
    return nb_path, list(declared), runs


def _owned_by_batches(folder: Path, slugs: set[str]) -> Any:
    """Which names in a batch folder a batch wrote: ``batch.json`` and run folders."""

    def owned(name: str) -> bool:
        entry = folder / name
        if name == BATCH_FILE or name.startswith(".staging-"):
            return True
        return entry.is_dir() and (name in slugs or (entry / "manifest.json").is_file())

    return owned


def _complete(run_dir: str, params: Mapping[str, Any], notebook_sha: str) -> bool:
    manifest = read_manifest(run_dir)
    return bool(
        manifest
        and manifest.get("status") == "ok"
        and manifest.get("parameters") == plain(params)
        and manifest.get("notebook_sha256") == notebook_sha
    )


def run_batch(
    report: str | os.PathLike[str],
    each: Sequence[str] | Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] = ".",
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    resume: bool = False,
    kernel_name: str | None = None,
    timeout: float | None = None,
    serial: bool = False,
    progress: bool = True,
    force: bool = False,
) -> BatchResult:
    """Run a report once per parameter set; each run in its own kernel, on Dask by default.

    Parameters
    ----------
    report
        Template name or notebook path.
    each
        What to vary: ``["city=all"]``, ``["city=310000,110000"]`` or ``{"city": [...]}``;
        several names give their product.
    parameters
        Parameters shared by every run.
    out
        Batch folder; each run writes into ``out/<name>=<value>/``.
    scheduler
        Address of a Dask scheduler; ``None`` reads ``$WORKBENCH_SCHEDULER``, else a
        LocalCluster is started.
    n_workers
        Workers of the LocalCluster (default: one per CPU core, one thread each).
    resume
        Skip runs whose manifest says ``ok`` for the same parameters and notebook.
    kernel_name
        Jupyter kernel for every run (see :func:`workbench.reports.run_report`).
    timeout
        Seconds each cell may run.
    serial
        Run one after the other in this process, without Dask (each run still gets its own
        kernel); for debugging and for the benchmark's baseline.
    progress
        Show a tqdm progress bar on stderr.
    force
        Write into ``out`` even when it holds files that are not a batch's (``batch.json`` and
        run folders); by default such a folder is refused before anything runs.

    Returns
    -------
    BatchResult
        Every run's status; ``exit_code`` is non-zero when any run failed.

    Raises
    ------
    SpecError
        Before anything runs, for any invalid parameter in any set, or an ``out`` folder that
        holds unrelated files (unless ``force``).
    """
    from tqdm.auto import tqdm

    out_dir = user_path(out)  # resolved once, here: runs execute in other folders and processes
    nb_path, _, planned = plan_batch(report, each, parameters, out_dir)
    kernel = kernel_name or default_kernel()
    check_kernel(kernel)
    if not force:
        slugs = {Path(d).name for d, _ in planned}
        refuse_foreign(out_dir, _owned_by_batches(out_dir, slugs), force_option="--force")
    out_dir.mkdir(parents=True, exist_ok=True)
    nb_sha = sha256_file(nb_path)
    results: dict[str, ReportResult] = {}
    todo = []
    for run_dir, params in planned:
        if resume and _complete(run_dir, params, nb_sha):
            results[run_dir] = ReportResult(nb_path.stem, run_dir, "skipped", plain(params))
        else:
            todo.append((run_dir, params))
    started = now_iso()
    bar = tqdm(
        total=len(todo),
        desc=f"{nb_path.stem}",
        unit="report",
        disable=not progress,
        file=sys.stderr,
    )
    args = [(str(nb_path), plain(p), d, kernel, timeout) for d, p in todo]
    try:
        if serial:
            for a in args:
                res = execute_run(*a)
                results[res.out_dir] = res
                _tick(bar, res)
        elif args:
            _run_on_dask(args, results, bar, scheduler, n_workers)
    finally:
        bar.close()
    runs = tuple(results[d] for d, _ in planned)
    batch = BatchResult(nb_path.stem, str(out_dir), runs)
    atomic_write_json(
        out_dir / BATCH_FILE,
        {
            "report": nb_path.stem,
            "notebook": str(nb_path),
            "started": started,
            "finished": now_iso(),
            "kernel_name": kernel,
            "scheduler": scheduler or os.environ.get("WORKBENCH_SCHEDULER") or "local",
            "runs": [
                {
                    "dir": Path(r.out_dir).name,
                    "status": r.status,
                    "parameters": r.parameters,
                    "duration_s": r.duration_s,
                    "error": r.error,
                }
                for r in runs
            ],
        },
    )
    return batch


def _tick(bar: Any, res: ReportResult) -> None:
    if not res.ok:
        bar.write(f"FAILED {Path(res.out_dir).name}: {(res.error or {}).get('summary')}")
    bar.update(1)


def _run_on_dask(
    args: list[tuple[Any, ...]],
    results: dict[str, ReportResult],
    bar: Any,
    scheduler: str | None,
    n_workers: int | None,
) -> None:
    from distributed import as_completed

    from workbench.parallel import dask_client

    with dask_client(scheduler, n_workers=n_workers) as client:
        futures = {}
        for a in args:
            key = f"report-{Path(a[2]).name}-{os.urandom(4).hex()}"
            fut = client.submit(execute_run, *a, key=key)
            futures[fut] = a
        for fut in as_completed(futures):
            a = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # the task itself failed (worker lost, import error)
                res = ReportResult(
                    Path(a[0]).stem,
                    a[2],
                    "error",
                    dict(a[1]),
                    error={
                        "summary": f"task failed on the cluster: {type(exc).__name__}: {exc}",
                        "ename": type(exc).__name__,
                        "evalue": str(exc),
                        "cell_index": None,
                        "source": None,
                        "stage": "dask",
                    },
                )
            results[res.out_dir] = res
            _tick(bar, res)


__all__ = ["BATCH_FILE", "BatchResult", "all_values", "plan_batch", "run_batch"]
