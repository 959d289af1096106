"""The skeleton every workbench app shares: :class:`WorkbenchApp` and its :class:`Jobs`.

An app is a :class:`panel.viewable.Viewer` with declared parameters for its look (``theme``,
``language``), a ``busy`` flag driven by its background work, a status area for readable
errors, ``controls()`` (the sidebar of a served page) and ``main()`` (its main area), and
``close()``, which the workshop server calls when the browser tab goes away.

Background work goes through the app's :class:`Jobs`:

- light work (redrawing views below the fold, a development path) runs on the apps' bounded
  thread pool (:func:`workbench.apps.common.run_in_background`);
- heavy work (solves, simulations, uncertainty draws) runs in worker processes, or on a Dask
  cluster when a scheduler is given, through the process-wide
  :class:`workbench.apps.heavy.HeavyPool`, memoised by its inputs across sessions.

Either way the work is submitted *by kind* (``"solve"``, ``"uncertainty"``, ...): a newer job
of a kind cancels the older one if it is still queued (its result would be discarded anyway,
and under fifty sessions stale work would fill the pool).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any

import panel as pn
import param

from workbench.apps import common

log = logging.getLogger(__name__)


class Ticket(Future):
    """A session's claim on a heavy job of the shared pool.

    It resolves once the job's result has been shown (``done`` ran). Cancelling it releases
    the session's claim: a job still queued that no other session waits for leaves the queue;
    a job already running finishes in its worker and its result stays in the pool's memo.
    """

    def __init__(self, key: Hashable, pool: Any) -> None:
        super().__init__()
        self.key = key
        self._pool = pool

    def cancel(self) -> bool:
        """Release the claim and cancel the ticket; ``False`` once it has resolved."""
        if self.done():
            return False
        # cancelled first: releasing the claim may cancel the shared job, whose callback
        # would otherwise resolve this ticket with ``None`` on another thread in between
        cancelled = super().cancel()
        self._pool.release(self.key)
        return cancelled

    def position(self) -> int | None:
        """Return the job's place in the shared queue: 0 running, k k-th waiting, None done."""
        if self.done():
            return None
        return self._pool.position(self.key)


class Jobs:
    """An app's background work, by kind: submit, cancel stale work, wait, cancel all.

    Parameters
    ----------
    status
        Where errors of the work are shown.
    on_busy
        Called with ``True`` when the first job starts and ``False`` when the last one ends.
    """

    def __init__(
        self, status: common.StatusArea, on_busy: Callable[[bool], None] | None = None
    ) -> None:
        self.status = status
        self._on_busy = on_busy
        self._futures: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._running = 0
        self.closed = False

    # -- busy --------------------------------------------------------------------------------

    def _busy(self, on: bool) -> None:
        with self._lock:
            self._running += 1 if on else -1
            now = self._running > 0
        if self._on_busy is not None:
            self._on_busy(now)

    @property
    def busy(self) -> bool:
        """Whether any job of the app is queued or running."""
        return self._running > 0

    # -- submitting --------------------------------------------------------------------------

    def _replace(self, kind: str, future: Future) -> None:
        with self._lock:
            old = self._futures.get(kind)
            self._futures[kind] = future
        if old is not None and old is not future:
            old.cancel()

    def submit(self, kind: str, work: Callable[[], Any], done: Callable[[Any], None]) -> Future:
        """Run ``work`` on the apps' thread pool, then ``done(result)``; replaces older ``kind``.

        Parameters
        ----------
        kind
            The kind of work (``"views"``, ``"path"``, ...).
        work
            The computation (no arguments).
        done
            Receives the result (shows it).

        Returns
        -------
        concurrent.futures.Future
            Resolves after ``done`` ran.
        """
        if self.closed:
            return _cancelled()
        future = common.run_in_background(work, done, status=self.status, busy=self._busy)
        self._replace(kind, future)
        return future

    def submit_heavy(
        self,
        kind: str,
        key: Hashable,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        done: Callable[[Any], None],
    ) -> Ticket:
        """Run ``func(*args)`` in a worker process (or on Dask), shared with other sessions.

        Parameters
        ----------
        kind
            The kind of work (``"solve"``, ``"run"``, ``"uncertainty"``).
        key
            What identifies the result: every session submitting the same key shares one
            computation, and a key computed before is answered from the memo at once.
        func
            A module-level function (it is sent to another process).
        args
            Its arguments (picklable).
        done
            Receives the result in this process (shows it), off the serving loop.

        Returns
        -------
        Ticket
            The session's claim: ``position()`` in the queue, ``cancel()``, ``result()``.
        """
        from workbench.apps.heavy import heavy_pool

        pool = heavy_pool()
        ticket = Ticket(key, pool)
        if self.closed:
            ticket.cancel()
            return ticket
        self._busy(True)
        ticket.add_done_callback(lambda _t: self._busy(False))
        shared = pool.submit(key, func, args)

        def _deliver(job: Future) -> None:
            result = None
            try:
                if not ticket.cancelled() and not job.cancelled():
                    result = job.result()
                    done(result)
            except Exception as exc:  # noqa: BLE001 - shown to the user as a notification
                self.status.error(exc)
            finally:
                _resolve(ticket, result)

        def _arrived(job: Future) -> None:
            # show the result on the light pool, not on the pool's callback thread
            try:
                common.run_in_background(lambda: _deliver(job), lambda _r: None)
            except RuntimeError:  # the server is shutting down: nobody to show it to
                _resolve(ticket, None)

        shared.add_done_callback(_arrived)
        self._replace(kind, ticket)
        return ticket

    # -- inspecting, waiting and cancelling --------------------------------------------------

    def future(self, kind: str) -> Future | None:
        """Return the newest job of ``kind`` (``None`` if there was none)."""
        return self._futures.get(kind)

    def position(self, kind: str) -> int | None:
        """Return the place in the shared queue of the newest heavy job of ``kind``."""
        future = self._futures.get(kind)
        return future.position() if isinstance(future, Ticket) else None

    def cancel(self, kind: str) -> bool:
        """Cancel the newest job of ``kind`` if it has not finished; return whether it was."""
        future = self._futures.get(kind)
        return future is not None and future.cancel()

    def wait(self, timeout: float = 120.0, kinds: tuple[str, ...] | None = None) -> None:
        """Wait for the newest job of each kind (tests, notebooks, benchmarks).

        Parameters
        ----------
        timeout
            Seconds to wait at most for each job.
        kinds
            The kinds to wait for; all when ``None``.
        """
        seen: set[int] = set()
        while True:  # a job's ``done`` may start more work (a view redraw after a result)
            pending = [
                f
                for k, f in list(self._futures.items())
                if (kinds is None or k in kinds) and id(f) not in seen and not f.cancelled()
            ]
            if not pending:
                return
            for future in pending:
                seen.add(id(future))
                future.result(timeout=timeout)

    def cancel_all(self) -> int:
        """Mark the app closed and cancel every job not yet finished; return how many."""
        self.closed = True
        return sum(1 for f in list(self._futures.values()) if f.cancel())


def _resolve(ticket: Future, result: Any) -> None:
    if not ticket.done():
        try:
            ticket.set_result(result)
        except Exception:  # noqa: BLE001 - cancelled in between: nothing to resolve
            log.debug("ticket resolved twice", exc_info=True)


def _cancelled() -> Future:
    future: Future = Future()
    future.cancel()
    return future


class Throttle:
    """Run a callback at most once per ``interval``: at once, then once at the end of a burst.

    A slider drag sends a value for every pixel; the first value is applied at once (a single
    move is not delayed), the ones that follow within ``interval`` collapse into one call at
    the end of the interval, with the newest value. Calls never overlap.

    Parameters
    ----------
    interval
        Seconds.
    callback
        What to run (no arguments; it reads the current state).
    doc
        The served page's Bokeh document: the trailing call then runs on the server's event
        loop (``add_next_tick_callback``, the thread-safe way to update a page), not on the
        timer's thread.
    """

    def __init__(self, interval: float, callback: Callable[[], None], doc: Any = None) -> None:
        self.interval = interval
        self.callback = callback
        self.doc = doc
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._last = -float("inf")
        self._timer: threading.Timer | None = None
        self.calls = 0  # how many times the callback ran (tests)

    def __call__(self) -> None:
        """Ask for a run: now, or at the end of the current interval."""
        with self._lock:
            now = time.monotonic()
            if self._timer is None and now - self._last >= self.interval:
                self._last = now
                run_now = True
            else:
                run_now = False
                if self._timer is None:
                    delay = max(self.interval - (now - self._last), 0.0)
                    self._timer = threading.Timer(delay, self._fire)
                    self._timer.daemon = True
                    self._timer.start()
        if run_now:
            self._run()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
            self._last = time.monotonic()
        if self.doc is not None:
            try:
                self.doc.add_next_tick_callback(self._run)
            except Exception:  # noqa: BLE001 - the page is gone: nothing to update
                log.debug("throttled call dropped: the page is gone", exc_info=True)
            return
        self._run()

    def _run(self) -> None:
        with self._run_lock:
            self.calls += 1
            self.callback()

    def cancel(self) -> None:
        """Drop a pending run."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class WorkbenchApp(pn.viewable.Viewer):
    """Base of the workbench apps: look, busy state, status area, jobs and clean-up.

    Subclasses build their widgets in ``__init__`` (after ``super().__init__``) and set
    ``self._controls`` and ``self._main``; they submit background work through
    :attr:`jobs`.
    """

    theme: param.Selector[str] = param.Selector(
        default="light", objects=list(common.THEMES), doc="Colour theme."
    )
    language: param.Selector[str] = param.Selector(
        default="en", objects=["en", "zh"], doc="Label language."
    )
    busy = param.Boolean(default=False, doc="Whether background work is queued or running.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        # whether this app is a served page: asked once, while the page is built, because
        # timer and pool threads started later cannot ask Panel (it knows no session there)
        self._served = common.in_served_page()
        self.status = common.StatusArea()
        self.jobs = Jobs(self.status, on_busy=self._set_busy)
        self.closed = False
        self._controls: pn.viewable.Viewable = pn.Column()
        self._main: pn.viewable.Viewable = pn.Column()
        self._callbacks: list[Any] = []
        self._throttles: list[Throttle] = []

    def _look_widgets(self) -> tuple[Any, Any]:
        """Return the theme and language pickers every app shows (labels in its language)."""
        from workbench import labels

        theme = pn.widgets.RadioButtonGroup.from_param(
            self.param.theme,
            options={labels.label(t, self.language): t for t in common.THEMES},
            color="light",
            name=labels.label("theme", self.language),
        )
        language = pn.widgets.RadioButtonGroup.from_param(
            self.param.language,
            options=common.LANGUAGES,
            color="light",
            name=labels.label("language_both"),
        )
        return theme, language

    def _throttled(self, interval: float, callback: Callable[[], None]) -> Throttle:
        """Return a :class:`Throttle` of ``callback`` that :meth:`close` cancels."""
        doc = pn.state.curdoc if self._served else None
        throttle = Throttle(interval, callback, doc)
        self._throttles.append(throttle)
        return throttle

    def _every(self, seconds: float, callback: Callable[[], None]) -> None:
        """Call ``callback`` every ``seconds`` while the served page is open (not inline)."""
        if not self._served:
            return
        self._callbacks.append(common.every(callback, int(seconds * 1000)))

    def _set_busy(self, on: bool) -> None:
        """Switch the busy flag (subclasses also enable or disable buttons)."""
        self.busy = on

    #: Parameters whose change the workshop roster records (see :meth:`roster_state`).
    roster_params: tuple[str, ...] = ()

    def roster_state(self) -> dict[str, Any]:
        """Return what the facilitator sees of this participant (``city``, ``weights``...).

        Returns
        -------
        dict
            JSON-serialisable fields; empty by default.
        """
        return {}

    def controls(self) -> pn.viewable.Viewable:
        """Return the controls (the served page puts them in the sidebar)."""
        return self._controls

    def main(self) -> pn.viewable.Viewable:
        """Return the views (the served page's main area)."""
        return self._main

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(
            pn.Column(self._controls, width=320, sizing_mode="fixed"),
            self._main,
            sizing_mode="stretch_width",
        )

    def wait(self, timeout: float = 120.0) -> None:
        """Wait for the app's background work (tests, notebooks).

        Parameters
        ----------
        timeout
            Seconds to wait at most for each job.
        """
        self.jobs.wait(timeout)

    def close(self) -> int:
        """Release the app: cancel its queued work and stop its timers (the tab is gone).

        Work already running in a worker finishes; its result goes nowhere (or, for shared
        heavy work, into the memo for other sessions).

        Returns
        -------
        int
            How many jobs were cancelled before they started.
        """
        self.closed = True  # first: whoever sees a cancelled job also sees the flag
        for callback in self._callbacks:
            try:
                callback.stop()
            except Exception:  # noqa: BLE001 - the session may already be gone
                log.debug("stopping a periodic callback failed", exc_info=True)
        self._callbacks.clear()
        for throttle in self._throttles:
            throttle.cancel()
        return self.jobs.cancel_all()
