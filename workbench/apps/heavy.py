"""Heavy work of every session, off the serving loop, shared and memoised by its inputs.

Solves, city-model runs and uncertainty draws run in worker processes (a local process pool,
what ``workbench serve`` uses) or, when a scheduler address is given (``workbench serve
--scheduler tcp://...`` or ``$WORKBENCH_SCHEDULER``), on a Dask cluster that several server
processes can share. Inline in a notebook or a script the pool uses threads of the kernel
(a script without an ``if __name__ == "__main__"`` guard could not start worker processes).

One :class:`HeavyPool` per server process holds

- a first-in first-out queue of distinct jobs, so each session can see its job's place in it
  (:meth:`HeavyPool.position`);
- the jobs queued or running, by key: a second session submitting the same key (the same
  plan, the same run) waits for the same computation instead of starting another;
- a memo of finished results, by key (bounded, least recently used out): fifty participants
  solving the default plan cost one solve. On Dask the key is also the task's key, so two
  server processes asking for the same result while it is held share one computation.

The pool is the one piece of module-level state the apps share between sessions, and what it
shares is read-only: a result object is never modified by the apps (engines return new ones).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: Environment variable naming a Dask scheduler for heavy work (``tcp://host:8786``).
SCHEDULER_ENV = "WORKBENCH_SCHEDULER"
#: Environment variable setting the number of local worker processes.
WORKERS_ENV = "WORKBENCH_WORKERS"
#: Finished results kept for other sessions.
MEMO_SIZE = 64


@dataclass
class _Job:
    key: Hashable
    func: Callable[..., Any]
    args: tuple[Any, ...]
    future: Future = field(default_factory=Future)
    claims: int = 1
    running: bool = False


class HeavyPool:
    """A shared, memoising queue in front of worker processes or a Dask cluster.

    Parameters
    ----------
    workers
        Worker processes (local pool); ``$WORKBENCH_WORKERS`` or the CPU count by default.
    scheduler
        Address of a Dask scheduler; local workers when ``None``.
    processes
        Local workers are processes (a server) rather than threads (inline).
    """

    def __init__(
        self, workers: int | None = None, scheduler: str | None = None, *, processes: bool = False
    ) -> None:
        self.scheduler = scheduler
        self.processes = processes
        if workers is None:
            workers = int(os.environ.get(WORKERS_ENV, "0") or 0) or (os.cpu_count() or 1)
        if workers < 1:
            msg = f"`workers` must be 1 or more; got {workers}. Fix: e.g. workers=2."
            raise ValueError(msg)
        self.workers = workers
        self._lock = threading.RLock()
        self._jobs: dict[Hashable, _Job] = {}
        self._queue: deque[Hashable] = deque()
        self._memo: OrderedDict[Hashable, Any] = OrderedDict()
        self._executor: Any = None
        self._client: Any = None
        self.computed = 0  # jobs actually computed (not answered from the memo or shared)

    # -- backends ----------------------------------------------------------------------------

    def _backend(self) -> Any:
        if self.scheduler:
            if self._client is None:
                from distributed import Client

                self._client = Client(self.scheduler, set_as_default=False, timeout=30)
                threads = sum(self._client.nthreads().values())
                self.workers = max(1, threads)
            return self._client
        if self._executor is None and not self.processes:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="workbench-heavy")
        elif self._executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn: the server runs threads, and a forked copy of a threaded process may hang;
            # the workers run at a lower priority than the server, which answers the clicks
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
        return self._executor

    def _start(self, job: _Job) -> None:
        backend = self._backend()
        job.running = True
        self.computed += 1
        if self.scheduler:
            remote = backend.submit(job.func, *job.args, key=dask_key(job.key), pure=False)
        else:
            remote = backend.submit(job.func, *job.args)
        remote.add_done_callback(lambda r, key=job.key: self._finished(key, r))

    def _finished(self, key: Hashable, remote: Any) -> None:
        with self._lock:
            job = self._jobs.pop(key, None)
            try:
                result = remote.result()
            except BaseException as exc:  # noqa: BLE001 - handed to every waiting session
                error: BaseException | None = exc
                result = None
            else:
                error = None
                self._memo[key] = result
                self._memo.move_to_end(key)
                while len(self._memo) > MEMO_SIZE:
                    self._memo.popitem(last=False)
            self._pump()
        if job is not None and not job.future.done():
            if error is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(result)

    def _pump(self) -> None:
        running = sum(1 for j in self._jobs.values() if j.running)
        while self._queue and running < self.workers:
            key = self._queue.popleft()
            job = self._jobs.get(key)
            if job is None or job.running:
                continue
            try:
                self._start(job)
            except Exception as exc:  # noqa: BLE001 - a backend that cannot start: tell waiters
                self._jobs.pop(key, None)
                job.future.set_exception(exc)
                continue
            running += 1

    # -- sessions' side ----------------------------------------------------------------------

    def submit(self, key: Hashable, func: Callable[..., Any], args: tuple[Any, ...]) -> Future:
        """Return a future of ``func(*args)``, shared by every caller with the same ``key``.

        Parameters
        ----------
        key
            Identifies the result (the function's name and its inputs).
        func
            A module-level function (sent to a worker process).
        args
            Its (picklable) arguments.

        Returns
        -------
        concurrent.futures.Future
            Done at once when the memo holds the key.
        """
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                future: Future = Future()
                future.set_result(self._memo[key])
                return future
            job = self._jobs.get(key)
            if job is not None:
                job.claims += 1
                return job.future
            job = _Job(key, func, args)
            self._jobs[key] = job
            self._queue.append(key)
            self._pump()
            return job.future

    def release(self, key: Hashable) -> None:
        """Release a claim on ``key``: drop the job if it is queued and no longer claimed.

        Parameters
        ----------
        key
            The job's key.
        """
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                return
            job.claims -= 1
            if job.claims <= 0 and not job.running:
                self._jobs.pop(key, None)
                try:
                    self._queue.remove(key)
                except ValueError:
                    pass
                job.future.cancel()

    def position(self, key: Hashable) -> int | None:
        """Return ``0`` while the job runs, ``k`` when it is k-th in the queue, else ``None``.

        Parameters
        ----------
        key
            The job's key.
        """
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                return None
            if job.running:
                return 0
            try:
                return self._queue.index(key) + 1
            except ValueError:
                return None

    def queued(self) -> int:
        """Return how many distinct jobs wait for a worker."""
        with self._lock:
            return len(self._queue)

    def warm(self) -> None:
        """Start the worker processes now (a server start), not on the first participant's job."""
        if self.scheduler:
            self._backend()
            return
        executor = self._backend()
        if self.processes:
            for _ in range(self.workers):
                executor.submit(_warm_worker)

    def shutdown(self) -> None:
        """Stop the worker processes (or close the Dask client)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            if self._client is not None:
                self._client.close()
                self._client = None


def _lower_priority() -> None:
    """Start a worker process: below the server's priority, and ending with the server.

    A watcher thread ends the worker when the server process is gone (a server killed without
    clean-up leaves no worker behind).
    """
    try:
        os.nice(15)  # the server answers clicks first; workers take the CPU left over
    except (AttributeError, OSError):  # pragma: no cover - no nice on this platform
        log.debug("could not lower the worker's priority")
    parent = os.getppid()

    def _watch_parent() -> None:  # a server killed without clean-up leaves no worker behind
        while os.getppid() == parent:
            time.sleep(2.0)
        os._exit(0)

    threading.Thread(target=_watch_parent, name="workbench-parent-watch", daemon=True).start()


def _warm_worker() -> None:
    """Import what the heavy jobs need, so the first job does not pay for it."""
    import workbench.citymodel  # noqa: F401
    import workbench.index  # noqa: F401
    import workbench.siting  # noqa: F401


def dask_key(key: Hashable) -> str:
    """Return the Dask task key of a job key (stable across processes and machines).

    Parameters
    ----------
    key
        A job key (tuples of strings and numbers).

    Returns
    -------
    str
        ``workbench-<name>-<sha1 of the key>``.
    """
    name = str(key[0]) if isinstance(key, tuple) and key else "job"
    digest = hashlib.sha1(repr(key).encode(), usedforsecurity=False).hexdigest()
    return f"workbench-{name}-{digest}"


_POOL: HeavyPool | None = None
_POOL_LOCK = threading.Lock()


def heavy_pool() -> HeavyPool:
    """Return this process's pool (created on first use from the environment).

    Returns
    -------
    HeavyPool
        Local worker processes, or a Dask client when ``$WORKBENCH_SCHEDULER`` is set.
    """
    global _POOL  # noqa: PLW0603 - one pool per process, created lazily
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = HeavyPool(scheduler=os.environ.get(SCHEDULER_ENV) or None)
        return _POOL


@atexit.register
def _shutdown_at_exit() -> None:
    if _POOL is not None:
        _POOL.shutdown()


def use_processes(workers: int | None = None, scheduler: str | None = None) -> HeavyPool:
    """Make this process's pool use worker processes (or Dask), as a server does.

    An existing pool that already uses processes or Dask is kept.

    Parameters
    ----------
    workers
        Worker processes; ``$WORKBENCH_WORKERS`` or the CPU count by default.
    scheduler
        A Dask scheduler address; ``$WORKBENCH_SCHEDULER`` when ``None``.

    Returns
    -------
    HeavyPool
        The pool now in use.
    """
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    current = _POOL
    if current is not None and (current.processes or current.scheduler):
        return current
    pool = HeavyPool(workers, scheduler, processes=True)
    old = set_heavy_pool(pool)
    if old is not None:
        old.shutdown()
    return pool


def set_heavy_pool(pool: HeavyPool | None) -> HeavyPool | None:
    """Replace this process's pool (tests; a server start with explicit settings).

    Parameters
    ----------
    pool
        The new pool; ``None`` to create one from the environment on next use.

    Returns
    -------
    HeavyPool or None
        The pool it replaced (the caller shuts it down if it wants).
    """
    global _POOL  # noqa: PLW0603
    with _POOL_LOCK:
        old, _POOL = _POOL, pool
        return old


__all__ = [
    "SCHEDULER_ENV",
    "WORKERS_ENV",
    "HeavyPool",
    "dask_key",
    "heavy_pool",
    "set_heavy_pool",
    "use_processes",
]
