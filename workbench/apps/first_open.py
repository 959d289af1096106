"""A result on first open: the apps' default results, computed once and kept.

Each app opens on its default result rather than on an empty screen:

- the Index Explorer's ranking of the latest year is computed when the page is built (a
  fraction of a second); its uncertainty draws and the development path go through the
  shared pool, which :func:`warm_first_results` fills at server start;
- the Siting Studio's default plan (the shipped scenario's settings over the whole city, a
  solve of one to two minutes) is solved once at server start in a worker process and kept
  in the pool's memo for every session, and on disk (:func:`default_plan_job`), so a restart
  opens at once. The disk memo is a pickle, so it is read only from a directory that belongs
  to the user and that nobody else can write to (:func:`why_memo_untrusted`);
- the Coordination Lab's baseline run is computed once per server process
  (:func:`workbench.apps.coordination_lab.baseline_run`), at server start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Environment variable naming the directory of the on-disk memo of default results.
CACHE_ENV = "WORKBENCH_CACHE_DIR"


def cache_dir() -> Path:
    """Return the directory of the on-disk memo (``$WORKBENCH_CACHE_DIR``, else ``~/.cache``).

    Returns
    -------
    pathlib.Path
        ``$WORKBENCH_CACHE_DIR`` or ``~/.cache/workbench`` (not created here).
    """
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "workbench"


def _private(path: Path) -> str | None:
    """Return why ``path`` could have been written by someone else, or ``None`` if it cannot."""
    if os.name != "posix":  # no owner bits to check: the user's profile folder is private
        return None
    st = path.stat()
    if st.st_uid != os.getuid():
        return f"{path} belongs to another user (uid {st.st_uid})"
    if st.st_mode & 0o022:
        return f"{path} is writable by its group or by others (mode {st.st_mode & 0o777:o})"
    return None


def why_memo_untrusted(path: Path) -> str | None:
    """Return why the memo at ``path`` must not be read, or ``None`` when it may be.

    Reading a pickle runs code named in it, so a memo is read only when the file and its
    directory belong to the user running the server and neither is writable by anybody else
    (a memo planted in a shared folder such as ``/tmp`` is ignored and solved again).

    Parameters
    ----------
    path
        The memo file (which need not exist: then only its directory is checked).

    Returns
    -------
    str or None
        The reason, or ``None``.
    """
    for part in (path.parent, path) if path.exists() else (path.parent,):
        reason = _private(part)
        if reason:
            return reason
    return None


def default_siting_settings(scenario: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the Siting Studio's opening settings: the scenario file's, then the declared.

    Parameters
    ----------
    scenario
        The parsed ``scenario.yaml``; the shipped one when ``None``.

    Returns
    -------
    dict
        Setting name -> value, as :meth:`SitingStudio.settings` returns them.
    """
    from workbench.apps.siting_studio import SitingStudio
    from workbench.apps.siting_views import SETTINGS, load_inputs, scenario_defaults

    if scenario is None:
        scenario = load_inputs()["scenario"]
    settings = {name: SitingStudio.param[name].default for name in SETTINGS}
    settings.update(scenario_defaults(scenario))
    settings["area"] = list(settings.get("area") or [])
    return settings


def _sample_digest() -> str:
    """Digest of the shipped siting inputs and the workbench version (the memo's validity)."""
    import workbench
    from workbench.data import samples

    h = hashlib.sha256(str(getattr(workbench, "__version__", "")).encode())
    root = Path(samples.sample_dir()) / "shanghai_siting"
    for name in ("demand.csv", "sites.csv", "scenario.yaml"):
        path = root / name
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _memo_path(settings: dict[str, Any]) -> Path:
    from workbench.apps.siting_views import plan_key

    key = repr(plan_key(settings, "sample")) + _sample_digest()
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return cache_dir() / f"siting-default-{digest}.pkl"


def default_plan_job(settings: dict[str, Any]) -> Any:
    """Solve the default plan of the shipped scenario, memoised on disk (a worker's job).

    The memo's name is a digest of every setting, the shipped input files and the workbench
    version: a changed input or release solves again. The file is written by this function
    only, readable by the user only (mode 600), in the user's own cache directory; a memo whose
    file or folder someone else could have written is neither read nor replaced.

    Parameters
    ----------
    settings
        :func:`default_siting_settings`.

    Returns
    -------
    workbench.apps.siting_views.PlanView
        The plan.
    """
    from workbench.apps.siting_views import solve_plan_job

    path = _memo_path(settings)
    distrust = why_memo_untrusted(path) if path.parent.exists() else None
    if distrust:
        log.warning(
            "not using the on-disk memo: %s; set $%s to a private folder", distrust, CACHE_ENV
        )
    elif path.exists():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - our own memo in the user's cache dir
        except Exception:  # noqa: BLE001 - a stale or broken memo is solved again
            log.info("ignoring an unreadable memo %s", path)
    view = solve_plan_job(settings)
    if distrust:
        return view
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            pickle.dump(view, fh)
        tmp.replace(path)
    except OSError:  # a read-only home: the pool's memo still serves this process
        log.info("could not write the memo %s", path)
    return view


def warm_first_results(pool: Any = None, delay: float = 0.0) -> threading.Thread:
    """Start computing every app's default result now (a server start), in the background.

    Parameters
    ----------
    pool
        The heavy pool; this process's one when ``None``.
    delay
        Seconds to wait before starting (the server starts listening first).

    Returns
    -------
    threading.Thread
        The thread that submits the work (daemon; tests may join it).
    """
    from workbench.apps.heavy import heavy_pool
    from workbench.apps.siting_views import plan_key

    pool = heavy_pool() if pool is None else pool

    def _warm() -> None:
        time.sleep(delay)  # the server answers its first pages first
        try:  # below the serving thread's priority (Linux: per thread)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            log.debug("could not lower the warm-up thread's priority")
        try:
            settings = default_siting_settings()
            pool.submit(plan_key(settings, "sample"), default_plan_job, (settings,))
            from workbench.apps.coordination_lab import baseline_run

            baseline_run()
            from workbench.apps.index_explorer import IndexExplorer

            IndexExplorer()._start_uncertainty()  # the default draws, into the pool's memo
        except Exception:  # noqa: BLE001 - a page computes what the warm-up could not
            log.warning("warming the apps' default results failed", exc_info=True)

    thread = threading.Thread(target=_warm, name="workbench-first-results", daemon=True)
    thread.start()
    return thread


__all__ = [
    "CACHE_ENV",
    "cache_dir",
    "why_memo_untrusted",
    "default_plan_job",
    "default_siting_settings",
    "warm_first_results",
]
