"""Building blocks shared by the workbench apps.

Nothing here knows about an engine's domain: these are the pieces every app needs (labels in
English and Chinese, light and dark themes, downloads of the data behind a view, URL state,
readable error notifications and background work that never freezes the page).
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import panel as pn
import param

from workbench.errors import WorkbenchError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd
    import xarray as xr

log = logging.getLogger(__name__)
_LOCK = threading.RLock()

#: Languages of labels and place names: ``en`` (English) and ``zh`` (Chinese).
LANGUAGES: dict[str, str] = {"English": "en", "中文": "zh"}

#: Themes of every app.
THEMES: tuple[str, ...] = ("light", "dark")

#: Labels of the user interface in both languages; apps add their own with :func:`add_labels`.
_LABELS: dict[str, dict[str, str]] = {
    "workbench": {"en": "City AI Planning Workbench", "zh": "城市人工智能规划工作台"},
    "language": {"en": "Language", "zh": "语言"},
    "theme": {"en": "Theme", "zh": "主题"},
    "download": {"en": "Download", "zh": "下载"},
    "busy": {"en": "Working…", "zh": "计算中…"},
    "error": {"en": "Error", "zh": "错误"},
    "open": {"en": "Open", "zh": "打开"},
    "cancel": {"en": "Cancel", "zh": "取消"},
    "queued": {"en": "Queued: {n} ahead of yours", "zh": "排队中：前面还有 {n} 项"},
}


def add_labels(labels: Mapping[str, Mapping[str, str]]) -> None:
    """Add user-interface labels (``{key: {"en": ..., "zh": ...}}``) to the shared table.

    Parameters
    ----------
    labels
        Labels keyed by a short identifier, each with an English and a Chinese text.
    """
    for key, texts in labels.items():
        missing = {"en", "zh"} - set(texts)
        if missing:
            msg = (
                f"Label {key!r} must give a text for 'en' and 'zh'; missing {sorted(missing)}. "
                "Add both languages, e.g. {'en': 'Weights', 'zh': '权重'}."
            )
            raise ValueError(msg)
        _LABELS[key] = dict(texts)


def label(key: str, language: str = "en") -> str:
    """Return the label ``key`` in ``language`` (``"en"`` or ``"zh"``), the key itself if unknown.

    Parameters
    ----------
    key
        Identifier of the label.
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        The text to show.
    """
    texts = _LABELS.get(key)
    if texts is None:
        from workbench import labels  # the planner's label table (controls, columns, units)

        return labels.label(key, language) if labels.has_label(key) else key
    return texts.get(language, texts["en"])


def on_click(button: Any, action: Callable[[], object]) -> None:
    """Run ``action`` when ``button`` is clicked (its return value is not Panel's business).

    Parameters
    ----------
    button
        A ``pn.widgets.Button``.
    action
        Called with no argument.
    """

    def _click(_event: object) -> None:
        action()

    button.on_click(_click)


def name_column(language: str) -> str:
    """Return the column holding place names in ``language`` (``name_en`` or ``name_zh``).

    Parameters
    ----------
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        ``"name_zh"`` for Chinese, ``"name_en"`` otherwise.
    """
    return "name_zh" if language == "zh" else "name_en"


_SAMPLES: dict[str, Any] = {}


def shared_sample(name: str) -> Any:
    """Load a shipped sample once per process and share it (read-only) between sessions.

    Parameters
    ----------
    name
        A name of :func:`workbench.data.load_sample`.

    Returns
    -------
    object
        The sample; apps must not modify it (engines return new objects).
    """
    with _LOCK:
        if name not in _SAMPLES:
            from workbench.data import load_sample

            _SAMPLES[name] = load_sample(name)
        return _SAMPLES[name]


def in_served_page() -> bool:
    """Return whether the code runs while building or updating a served page (a session).

    Returns
    -------
    bool
        ``True`` inside a ``workbench serve`` session, ``False`` inline (notebook) or in code.
    """
    doc = pn.state.curdoc
    return doc is not None and doc.session_context is not None


def every(callback: Callable[[], None], period_ms: int) -> Any:
    """Call ``callback`` every ``period_ms`` milliseconds in the current session, quietly.

    As ``pn.state.add_periodic_callback`` (stopped when the session ends), but run as
    background work: it does not switch Panel's process-wide busy flag, which every open
    session watches (with fifty participants each polling once a second, those switches alone
    kept a server core busy).

    Parameters
    ----------
    callback
        The function to call.
    period_ms
        The period in milliseconds.

    Returns
    -------
    panel.io.callbacks.PeriodicCallback
        The running callback (``.stop()`` ends it).
    """
    from panel.io.callbacks import PeriodicCallback
    from panel.io.state import state

    cb = PeriodicCallback(callback=callback, period=int(period_ms), background=True)
    cb.start()
    doc = pn.state.curdoc
    if doc is not None:  # as add_periodic_callback: stopped with the session
        state._periodic.setdefault(doc, []).append(cb)  # noqa: SLF001 - Panel's own registry
    return cb


def server_setting(name: str, default: Any = None) -> Any:
    """Return a setting of the server serving the current page (``default`` outside one).

    Settings are what the server was started with (``panel.serve(..., name=value)``), so a
    page can tell what *its* server offers (for example a route) even when several servers
    run in one process.

    Parameters
    ----------
    name
        The setting.
    default
        Returned outside a served page, or when the server has no such setting.

    Returns
    -------
    object
        The setting's value.
    """
    from panel.io.state import state

    doc = pn.state.curdoc
    context = getattr(getattr(doc, "session_context", None), "server_context", None)
    application = getattr(context, "application_context", None)
    if application is None:
        return default
    for entry in list(state._servers.values()):  # noqa: SLF001 - Panel's registry of servers
        tornado_app = getattr(entry[0], "_tornado", None)
        contexts = getattr(tornado_app, "_applications", None) or {}
        if any(c is application for c in contexts.values()):
            return getattr(tornado_app, "settings", {}).get(name, default)
    return default


def on_page_load(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the served page has rendered; at once outside a served page.

    Heavy work started here (uncertainty draws, solves, views below the fold) does not delay
    the first render.

    Parameters
    ----------
    callback
        The work to start.
    """
    if in_served_page():
        pn.state.onload(callback)
    else:
        callback()


def below_the_fold(*objects: Any, **params: Any) -> pn.Column:
    """Return a column that receives ``objects`` once the served page is on screen.

    For what a participant sees only by scrolling (tables in tabs, cards at the bottom): the
    first document is smaller and the main view is drawn sooner. Outside a served page the
    column has them at once.

    Parameters
    ----------
    *objects
        Panel objects (built now, so the app can update them before they are shown), or
        functions without arguments that build them when the page is on screen (what the
        first document need not wait for at all).
    **params
        ``pn.Column`` parameters (``sizing_mode="stretch_width"`` unless given).

    Returns
    -------
    pn.Column
    """
    params.setdefault("sizing_mode", "stretch_width")
    column = pn.Column(**params)
    on_page_load(lambda: column.extend([o() if callable(o) else o for o in objects]))
    return column


# -- downloads -------------------------------------------------------------------------------


def csv_bytes(frame: pd.DataFrame) -> io.BytesIO:
    """Serialise a table to CSV (UTF-8 with BOM, so spreadsheet programs read Chinese names).

    Parameters
    ----------
    frame
        The table to write.

    Returns
    -------
    io.BytesIO
        The file content, positioned at the start.
    """
    buffer = io.BytesIO(frame.to_csv(index=True).encode("utf-8-sig"))
    buffer.seek(0)
    return buffer


def netcdf_bytes(dataset: xr.Dataset) -> io.BytesIO:
    """Serialise a Dataset to NetCDF4 (through h5netcdf), keeping its ``attrs``.

    Parameters
    ----------
    dataset
        The data to write. Attribute values that NetCDF cannot hold (dicts, booleans, None)
        are converted to strings.

    Returns
    -------
    io.BytesIO
        The file content, positioned at the start.
    """
    clean = dataset.copy()
    clean.attrs = {key: _netcdf_attr(value) for key, value in dataset.attrs.items()}
    for name in list(clean.variables):
        clean[name].attrs = {k: _netcdf_attr(v) for k, v in clean[name].attrs.items()}
    buffer = io.BytesIO(clean.to_netcdf(engine="h5netcdf"))
    buffer.seek(0)
    return buffer


def _netcdf_attr(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list | tuple):
        return str(value)
    return value


def geojson_bytes(frame: gpd.GeoDataFrame) -> io.BytesIO:
    """Serialise a GeoDataFrame to GeoJSON (EPSG:4326).

    Parameters
    ----------
    frame
        The features to write.

    Returns
    -------
    io.BytesIO
        The file content, positioned at the start.
    """
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    buffer = io.BytesIO(frame.to_json(ensure_ascii=False).encode("utf-8"))
    buffer.seek(0)
    return buffer


_WRITERS: dict[str, Callable[[Any], io.BytesIO]] = {
    "csv": csv_bytes,
    "nc": netcdf_bytes,
    "geojson": geojson_bytes,
}


def download_button(
    data: Callable[[], Any],
    filename: str,
    text: str | None = None,
    **kwargs: Any,
) -> pn.widgets.FileDownload:
    """Build a button that downloads the data behind a view, serialised when clicked.

    Parameters
    ----------
    data
        A function returning the current data: a DataFrame (``.csv``), a Dataset (``.nc``)
        or a GeoDataFrame (``.geojson``).
    filename
        The file name offered to the browser; its suffix picks the format.
    text
        The button's label; the file name when ``None``.
    **kwargs
        Passed on to :class:`panel.widgets.FileDownload` (for example ``color``).

    Returns
    -------
    panel.widgets.FileDownload
        The button.
    """
    suffix = filename.rsplit(".", 1)[-1].lower()
    writer = _WRITERS.get(suffix)
    if writer is None:
        msg = (
            f"`filename` {filename!r} must end with one of "
            f"{['.' + s for s in _WRITERS]}; got '.{suffix}'. Pick the suffix of the format "
            "you want to offer."
        )
        raise ValueError(msg)

    def _callback() -> io.BytesIO:
        return writer(data())

    kwargs.setdefault("color", "light")
    return pn.widgets.FileDownload(
        callback=_callback, filename=filename, label=text or filename, **kwargs
    )


# -- URL state -------------------------------------------------------------------------------


def sync_url(viewer: param.Parameterized, names: Iterable[str] | Mapping[str, str]) -> bool:
    """Keep ``viewer``'s parameters in the page URL's query string, both ways.

    Outside a served page (inline in a notebook) there is no URL and nothing happens.

    Parameters
    ----------
    viewer
        The object whose parameters are shared.
    names
        Parameter names, or a mapping from parameter name to query-string key.

    Returns
    -------
    bool
        Whether the parameters are now synced with a URL.
    """
    location = pn.state.location
    if location is None or pn.state.curdoc is None or pn.state.curdoc.session_context is None:
        return False
    mapping = dict(names) if isinstance(names, Mapping) else {n: n for n in names}

    def _apply_each(values: dict[str, Any]) -> None:
        # Panel applies the query string in one update, which fails as a whole when one value
        # does not fit (a city code read as a number, a weight out of bounds): apply one by
        # one, turning numbers into text for text parameters, and skip what does not fit.
        for name, value in values.items():
            if isinstance(viewer.param[name], param.String) and not isinstance(value, str):
                value = str(value)
            try:
                setattr(viewer, name, value)
            except Exception:  # noqa: BLE001 - a bad link keeps the default, page works
                log.info("ignored URL value %s=%r", name, value)

    location.sync(viewer, mapping, on_error=_apply_each)
    return True


# -- errors and background work ----------------------------------------------------------------


class StatusArea(param.Parameterized):
    """Where an app tells the user what went wrong, in words, never as a traceback.

    The message goes to Panel's toast notifications when the page has them, and always to an
    alert box in the app (so it shows inline in a notebook too).
    """

    message = param.String(default="", doc="The text of the current message; empty hides it.")
    kind: param.Selector = param.Selector(
        default="danger", objects=["danger", "warning", "info", "success"]
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.alert = pn.pane.Alert(
            "", alert_type="danger", visible=False, sizing_mode="stretch_width", margin=(5, 10)
        )
        self.param.watch(self._render, ["message", "kind"])

    def _render(self, *_: Any) -> None:
        self.alert.object = self.message
        self.alert.alert_type = self.kind
        self.alert.visible = bool(self.message)

    def error(self, exc: BaseException | str) -> None:
        """Show a readable error: the message of a workbench error, a short note otherwise.

        Parameters
        ----------
        exc
            The exception (or text) to show.
        """
        if isinstance(exc, str):
            text = exc
        elif isinstance(exc, WorkbenchError | ValueError | KeyError | TypeError):
            text = f"{type(exc).__name__}: {exc}"
        else:
            log.exception("unexpected error in an app", exc_info=exc)
            text = f"Something went wrong ({type(exc).__name__}: {exc}). The page keeps working."
        self.kind = "danger"
        self.message = text
        notifications = getattr(pn.state, "notifications", None)
        if notifications is not None:
            try:
                notifications.error(text, duration=8000)
            except Exception:  # noqa: BLE001 - a toast is a nicety; the alert box shows anyway
                log.debug("could not show a toast notification", exc_info=True)

    def info(self, text: str) -> None:
        """Show an informative message.

        Parameters
        ----------
        text
            The message.
        """
        self.kind = "info"
        self.message = text

    def clear(self) -> None:
        """Hide the message."""
        self.message = ""


#: Threads for long work (uncertainty draws, solves); bounded so one page cannot stall others.
_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="workbench-app")


def run_in_background(
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    *,
    status: StatusArea | None = None,
    busy: Callable[[bool], None] | None = None,
) -> Future:
    """Run ``work`` off the UI thread, then hand its result to ``on_done``.

    Errors are shown through ``status`` (never as a traceback). ``busy(True)`` is called
    before the work starts and ``busy(False)`` when it ends, to drive a busy indicator.

    Parameters
    ----------
    work
        The long computation; takes no arguments.
    on_done
        Receives the result when ``work`` succeeds.
    status
        Where errors are shown.
    busy
        Switches a busy indicator on and off.

    Returns
    -------
    concurrent.futures.Future
        The running work (``.result()`` waits for it, which tests use).
    """
    if busy is not None:
        busy(True)

    def _task() -> Any:
        try:
            result = work()
        except Exception as exc:  # noqa: BLE001 - shown to the user as a notification
            if status is not None:
                status.error(exc)
            else:
                log.exception("background work failed")
            return None
        else:
            try:
                on_done(result)
            except Exception as exc:  # noqa: BLE001 - shown to the user as a notification
                if status is not None:
                    status.error(exc)
                else:
                    log.exception("updating the views failed")
            return result
        finally:
            if busy is not None:
                busy(False)

    with _LOCK:
        future = _EXECUTOR.submit(_task)
    if busy is not None:  # cancelled before it started: ``_task`` never runs its ``finally``
        future.add_done_callback(lambda f: busy(False) if f.cancelled() else None)
    return future


def theme_from_session(default: str = "light") -> str:
    """Return the theme asked for in the page URL (``?theme=dark``), else ``default``.

    Parameters
    ----------
    default
        The theme when the URL does not name one (or outside a served page).

    Returns
    -------
    str
        ``"light"`` or ``"dark"``.
    """
    args = getattr(pn.state, "session_args", None) or {}
    values = args.get("theme") or []
    if values:
        value = values[0].decode() if isinstance(values[0], bytes) else str(values[0])
        if value in THEMES:
            return value
    return default


def language_from_session(default: str = "en") -> str:
    """Return the language asked for in the page URL (``?language=zh``), else ``default``.

    Parameters
    ----------
    default
        The language when the URL does not name one.

    Returns
    -------
    str
        ``"en"`` or ``"zh"``.
    """
    args = getattr(pn.state, "session_args", None) or {}
    values = args.get("language") or []
    if values:
        value = values[0].decode() if isinstance(values[0], bytes) else str(values[0])
        if value in LANGUAGES.values():
            return value
    return default
