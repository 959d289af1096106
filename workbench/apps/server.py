"""Serve the workbench: a landing page at ``/`` and one route per app.

The apps are listed in :data:`APPS`; adding an app is one line here.
Each browser session gets fresh app objects: one visitor's weights never show in another's page.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import panel as pn

from workbench.apps.common import label, theme_from_session
from workbench.viz.theme import palette

log = logging.getLogger(__name__)

#: Where the server binds unless told otherwise: loopback only.
DEFAULT_ADDRESS = "127.0.0.1"
#: The default port (Panel's and Bokeh's).
DEFAULT_PORT = 5006


@dataclass(frozen=True)
class AppSpec:
    """One app the server can offer.

    Parameters
    ----------
    slug
        The route, without a slash (``"index"`` is served at ``/index``).
    target
        ``"module:Class"``: a :class:`panel.viewable.Viewer` (or any callable returning a
        Panel object) built fresh for every browser session.
    title, title_zh
        The app's name in English and Chinese.
    description, description_zh
        One sentence about what a planner does with it, in English and Chinese.
    """

    slug: str
    target: str
    title: str
    title_zh: str
    description: str
    description_zh: str

    @property
    def module(self) -> str:
        """The module holding the app."""
        return self.target.split(":", 1)[0]

    def load(self) -> Callable[..., Any]:
        """Import and return the app's class (or factory)."""
        module_name, _, attr = self.target.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr)


#: Every app of the workbench, in the order of the landing page.
APPS: tuple[AppSpec, ...] = (
    AppSpec(
        slug="index",
        target="workbench.apps.index_explorer:IndexExplorer",
        title="Index Explorer",
        title_zh="城市人工智能指数",
        description=(
            "Where does each city stand? Reweight the City AI Index live, see tiers, "
            "uncertainty and each city's path to the next tier."
        ),
        description_zh="各城市处于什么位置？实时调整指数权重，查看梯队、不确定性和晋级路径。",
    ),
    AppSpec(
        slug="siting",
        target="workbench.apps.siting_studio:SitingStudio",
        title="Siting Studio",
        title_zh="算力选址工作室",
        description=(
            "Where should the computing go? Place hubs, edge nodes and data centres in "
            "Shanghai under latency, budget and power limits."
        ),
        description_zh="算力应该布局在哪里？在时延、预算和电力约束下规划上海的枢纽、边缘节点和数据中心。",
    ),
    AppSpec(
        slug="citymodel",
        target="workbench.apps.coordination_lab:CoordinationLab",
        title="Coordination Lab",
        title_zh="协同实验室",
        description=(
            "What happens when AI agents run the city? Run scenarios and compare "
            "coordination mechanisms against the no-coordination baseline."
        ),
        description_zh="当智能体运行城市时会发生什么？运行情景并比较不同协同机制与无协同基线。",
    ),
)


#: Panel extensions each page loads (a page loads only the JavaScript it uses: deck.gl and
#: its map libraries are about 3 MB that the landing page does not need).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "/": (),
    "/index": ("deckgl", "tabulator"),
    "/siting": ("deckgl", "tabulator"),
    "/citymodel": ("deckgl", "tabulator"),
    "/facilitator": ("tabulator",),
}


#: Base-map libraries Panel's deck.gl pane ships for tiled base maps (``map_style``). The
#: workbench draws its maps from shipped geometry and never fetches tiles, so served pages
#: leave these 0.6 MB of JavaScript (and their CSS) out: less for every browser to fetch,
#: parse and compile before the first map is drawn.
TILE_LIBRARIES = ("mapbox-gl", "maplibre-gl")


def _configure_panel() -> None:
    """Set the page defaults every app shares (idempotent); extensions load per page."""
    pn.config.notifications = True
    pn.config.sizing_mode = "stretch_width"
    _drop_tile_libraries()


def _drop_tile_libraries() -> None:
    """Leave the tile base-map libraries out of the deck.gl pane's resources (served pages)."""
    from panel.models.deckgl import DeckGLPlot

    for name in ("__javascript_raw__", "__css_raw__"):
        files = getattr(DeckGLPlot, name, None)
        if isinstance(files, list):
            kept = [f for f in files if not any(lib in f for lib in TILE_LIBRARIES)]
            if len(kept) != len(files):
                setattr(DeckGLPlot, name, kept)


def _page_extensions(route: str) -> None:
    """Load the Panel extensions of ``route`` for the session being built (not globally)."""
    names = EXTENSIONS.get(route, ("deckgl", "tabulator"))
    if names:
        pn.extension(*names)


def page(
    main: Any,
    *,
    title: str,
    sidebar: Sequence[Any] = (),
    theme: str | None = None,
) -> pn.template.BootstrapTemplate:
    """Wrap an app in the workbench's page: header, sidebar, light/dark theme toggle.

    Parameters
    ----------
    main
        The main content.
    title
        The page title.
    sidebar
        Controls shown in the sidebar.
    theme
        ``"light"`` or ``"dark"``; from the URL (``?theme=dark``) when ``None``.

    Returns
    -------
    panel.template.FastListTemplate
        The page.
    """
    theme = theme or theme_from_session()
    template = pn.template.BootstrapTemplate(
        title=title,
        theme="dark" if theme == "dark" else "default",
        sidebar=list(sidebar),
        main=[main],
        header=[theme_toggle(theme)],
        header_background=palette("light")["accent"],  # the same green header in both themes
        sidebar_width=330,
        # Panel's header spinner follows the *process-wide* busy flag: every session's spinner
        # was updated whenever any session's periodic callback ran (a cost that grows with the
        # square of the participants, and a spinner for somebody else's work); each app shows
        # its own busy state instead
        busy_indicator=None,
    )
    from workbench.apps import a11y

    a11y.install()  # names for the sliders, spin buttons and grids Bokeh draws without one
    _build_frozen(template)
    return template


def _build_frozen(template: pn.template.BaseTemplate) -> None:
    """Make ``template`` index its document's models once, after every root is added.

    Bokeh recomputes the set of a document's models (a walk over every model) each time a
    root is added or a property refers to new models; a page adds eight roots and many such
    properties while it is built, which cost about a quarter of a second of the serving loop
    per session. Frozen, the walk happens once, when the page is complete.
    """
    build = template.server_doc

    def server_doc(doc: Any = None, title: str | None = None, location: Any = True) -> Any:
        from bokeh.io import curdoc

        document = doc if doc is not None else (pn.state.curdoc or curdoc())
        with document.models.freeze():
            return build(document, title=title, location=location)

    template.server_doc = server_doc  # type: ignore[method-assign]


def theme_toggle(theme: str) -> pn.widgets.Button:
    """Build the header button that switches between the light and the dark theme.

    The theme is part of the URL (``?theme=dark``); the button reloads the page with the other
    theme, keeping every other query parameter (and so the app's state).

    Parameters
    ----------
    theme
        The current theme.

    Returns
    -------
    panel.widgets.Button
        The button.
    """
    other = "light" if theme == "dark" else "dark"
    button = pn.widgets.Button(
        label="☀ Light" if other == "light" else "☾ Dark",
        color="light",
        width=110,
        align="center",
        css_classes=["wb-theme-toggle"],
        description=f"Switch to the {other} theme",
    )
    button.js_on_click(
        args={"other": other},
        code=(
            "const url = new URL(window.location.href);"
            "url.searchParams.set('theme', other);"
            "window.location.href = url.toString();"
        ),
    )
    return button


def _error_page(title: str, exc: BaseException) -> Any:
    """Build a readable page for an app that could not start (the traceback goes to the log)."""
    log.error("could not build %s", title, exc_info=exc)
    alert = pn.pane.Alert(
        f"**{title} could not start.** {type(exc).__name__}: {exc}\n\n"
        "The server log has the details; the other apps keep working.",
        alert_type="danger",
    )
    return page(alert, title=title)


def _app_page(spec: AppSpec, upload_limit: int | None = None) -> Callable[[], Any]:
    def _build() -> Any:
        try:
            return _build_app()
        except Exception as exc:  # noqa: BLE001 - shown as a readable page, never a traceback
            return _error_page(spec.title, exc)

    def _build_app() -> Any:
        _page_extensions(f"/{spec.slug}")
        factory = spec.load()
        theme = theme_from_session()
        try:
            app = factory(theme=theme)
        except TypeError:
            app = factory()
        from workbench.apps.workshop import attach_session, track

        extra: list[Any] = []
        if upload_limit is not None and spec.slug == "index":
            from workbench.apps.uploads import UploadPanel

            extra.append(UploadPanel(max_bytes=upload_limit))
        # when the tab closes (or idles out): cancel queued work, remove session uploads
        session_id = attach_session(app, *extra)
        if session_id is not None:  # the facilitator sees who is where
            track(app, spec.slug, session_id)
        sidebar = getattr(app, "controls", None)
        main = getattr(app, "main", None)
        if callable(sidebar) and callable(main):
            return page(
                main(), title=f"{spec.title} · {spec.title_zh}", sidebar=[sidebar(), *extra]
            )
        return page(app, title=f"{spec.title} · {spec.title_zh}", sidebar=extra)

    _build.__name__ = f"build_{spec.slug}"
    return _build


def build_routes(
    apps: Sequence[AppSpec] | None = None,
    *,
    upload_limit: int | None = None,
    admin_password: str | None = None,
) -> dict[str, Callable[[], Any]]:
    """Build the server's routes: ``/`` (landing page) and one per available app.

    Parameters
    ----------
    apps
        The apps to offer; :data:`APPS` when ``None``.
    upload_limit
        When set (workshop mode), the Index Explorer's sidebar gets an upload panel
        (:class:`workbench.apps.uploads.UploadPanel`) accepting files up to this many bytes.
    admin_password
        The facilitator's password for ``/facilitator`` (on top of the workshop's own);
        ``$WORKBENCH_ADMIN_PASSWORD`` when ``None``.

    Returns
    -------
    dict
        ``{"/": landing, "/index": ..., ..., "/facilitator": ...}``; each value builds a
        fresh page per session.
    """
    from workbench.apps.landing import landing_page

    apps = list(APPS) if apps is None else list(apps)

    def _landing() -> Any:
        try:
            return page(landing_page(apps), title=label("workbench"))
        except Exception as exc:  # noqa: BLE001 - shown as a readable page, never a traceback
            return _error_page(label("workbench"), exc)

    routes: dict[str, Callable[[], Any]] = {"/": _landing}
    for spec in apps:
        routes[f"/{spec.slug}"] = _app_page(spec, upload_limit)
    routes["/facilitator"] = _facilitator_page(admin_password)
    return routes


def _facilitator_page(admin_password: str | None) -> Callable[[], Any]:
    def _build() -> Any:
        from workbench.apps.facilitator import Facilitator

        title = f"Facilitator · 主持人 · {label('workbench')}"
        _page_extensions("/facilitator")
        try:
            app = Facilitator(admin_password=admin_password, theme=theme_from_session())
        except Exception as exc:  # noqa: BLE001 - shown as a readable page, never a traceback
            return _error_page(title, exc)
        from workbench.apps.workshop import attach_session

        attach_session(app)  # stops its refresh when the tab closes
        return page(app.main(), title=title, sidebar=[app.controls()])

    _build.__name__ = "build_facilitator"
    return _build


def preload(apps: Sequence[AppSpec]) -> None:
    """Do once, before the first participant, what every session would otherwise wait for.

    Imports the engines and plugins the apps load on first use (the city model's registries
    import Mesa and the plugins: seconds on a busy machine), reads the shipped samples and
    computes the Coordination Lab's opening run. Run before ``--procs`` forks, so every
    process inherits it; on the serving loop, it would block every open page meanwhile.

    Parameters
    ----------
    apps
        The apps served.
    """
    from workbench.apps import common

    slugs = {spec.slug for spec in apps}
    try:
        if "index" in slugs:
            common.shared_sample("city_ai_index")
            common.shared_sample("provinces")
        if "citymodel" in slugs:
            from workbench.apps.coordination_lab import baseline_run, registry_names

            registry_names()
            baseline_run()
    except Exception:  # noqa: BLE001 - the page will load it, or show the error, itself
        log.warning("preloading the apps failed; the first sessions load it", exc_info=True)


def extra_routes() -> list[tuple[str, Any, dict[str, Any]]]:
    """Return the server's own routes besides the apps (static data the pages fetch).

    Returns
    -------
    list of tuple
        ``(pattern, handler, settings)`` for :func:`panel.serve`'s ``extra_patterns``: the
        shipped province polygons, which served Index Explorer pages then load by URL
        (gzipped, cached by the browser) instead of inline in every session's document.
    """
    from workbench.apps.index_views import basemap_routes

    return basemap_routes()


def server_kwargs(**kwargs: Any) -> dict[str, Any]:
    """Return :func:`panel.serve` keyword arguments with the workbench server's own settings.

    Every server of the apps (``workbench serve``, the benchmarks, the browser tests) is
    started with these: the routes of :func:`extra_routes` and the setting that tells a page
    its server has them, and responses gzipped with static files compressed once per process
    (:class:`~workbench.apps.static_cache.CachedGZip`). A server started without them still
    serves every app (the basemap then travels inline).

    Parameters
    ----------
    **kwargs
        The caller's own arguments (kept; its ``extra_patterns`` come first).

    Returns
    -------
    dict
        The merged arguments.
    """
    from workbench.apps.index_views import BASEMAP_SETTING, basemap_url
    from workbench.apps.static_cache import CachedGZip

    out = dict(kwargs)
    out["extra_patterns"] = [*kwargs.get("extra_patterns", []), *extra_routes()]
    out.setdefault("transforms", [CachedGZip])  # gzip; static files compressed once
    out.setdefault(BASEMAP_SETTING, basemap_url())
    return out


def websocket_origins(address: str, port: int, extra: Sequence[str] = ()) -> list[str]:
    """Return the origins allowed to open the apps' websocket.

    Parameters
    ----------
    address
        The address the server binds to.
    port
        The port (``0`` for any, then every port of the host is allowed).
    extra
        Origins the user allowed with ``--allow-websocket-origin``.

    Returns
    -------
    list of str
        ``host:port`` patterns.
    """
    port_text = str(port) if port else "*"
    hosts = ["localhost", "127.0.0.1"]
    if address not in ("", "0.0.0.0", "::", *hosts):  # noqa: S104 - a comparison, not a bind
        hosts.append(address)
    origins = [f"{host}:{port_text}" for host in hosts]
    for origin in extra:
        if origin not in origins:
            origins.append(origin)
    return origins


def worker_share(procs: int, cpus: int | None = None) -> int:
    """Return the heavy-work processes each of ``procs`` server processes starts.

    Parameters
    ----------
    procs
        Server processes on this machine (``--procs``).
    cpus
        Cores of the machine; ``os.cpu_count()`` when ``None``.

    Returns
    -------
    int
        ``cpus // procs``, at least 1.
    """
    import os

    return max(1, (cpus or os.cpu_count() or 1) // max(1, procs))


def serve(
    *,
    port: int = DEFAULT_PORT,
    address: str = DEFAULT_ADDRESS,
    show: bool = False,
    prefix: str = "",
    allow_websocket_origin: Sequence[str] = (),
    apps: Sequence[AppSpec] | None = None,
    threaded: bool = False,
    upload_limit: int | None = None,
    scheduler: str | None = None,
    admin_password: str | None = None,
    **kwargs: Any,
) -> Any:
    """Serve the landing page and the apps with a Panel (Bokeh/Tornado) server.

    Parameters
    ----------
    port
        The port; ``0`` picks a free one.
    address
        The address to bind to; loopback (``127.0.0.1``) by default.
    show
        Open the landing page in a browser.
    prefix
        A URL prefix (behind a proxy such as JupyterHub's ``/user/<name>/workbench``).
    allow_websocket_origin
        Further origins allowed to connect (``host:port``; ``*`` for any).
    apps
        The apps to serve; :data:`APPS` when ``None``.
    threaded
        Run the server in a background thread and return at once (tests, notebooks).
    upload_limit
        Offer uploads (workshop mode) up to this many bytes; no upload panel when ``None``.
    scheduler
        A Dask scheduler address for heavy work (solves, runs, uncertainty draws), shared by
        every server process given the same address; local worker processes when ``None``
        (and ``$WORKBENCH_SCHEDULER`` is unset).
    admin_password
        The facilitator's password for ``/facilitator``.
    **kwargs
        Passed on to :func:`panel.serve`.

    Returns
    -------
    object
        The running server (a ``StoppableThread`` when ``threaded``); blocks until stopped
        otherwise.
    """
    _configure_panel()
    import os

    from workbench.apps.heavy import WORKERS_ENV, use_processes
    from workbench.apps.roster import WORKSHOP_DIR_ENV, workshop_dir

    procs = int(kwargs.get("num_procs", 1) or 1)
    # N server processes share the machine's cores: each starts cores / N workers (not N times
    # the cores between them), unless $WORKBENCH_WORKERS says how many
    workers = None if procs == 1 or os.environ.get(WORKERS_ENV) else worker_share(procs)
    pool = use_processes(workers, scheduler)  # heavy work in worker processes (or on Dask)
    if procs > 1:
        # the server forks: each process starts its own workers after the fork, and every
        # process writes the one roster the facilitator reads
        os.environ.setdefault(WORKSHOP_DIR_ENV, str(workshop_dir()))
    else:
        pool.warm()
        from workbench.apps.first_open import warm_first_results

        # each app opens on its default result, computed once, now (after a fork, each
        # server process computes it on its first page instead; the plan comes from disk)
        warm_first_results(pool, delay=2.0)
    routes = build_routes(apps, upload_limit=upload_limit, admin_password=admin_password)
    chosen = list(APPS) if apps is None else list(apps)
    preload(chosen)
    titles = {"/": label("workbench")}
    titles.update({f"/{s.slug}": f"{s.title} · {label('workbench')}" for s in chosen})
    titles["/facilitator"] = f"Facilitator · {label('workbench')}"
    origins = websocket_origins(address, port, allow_websocket_origin)
    log.info("serving %s on %s:%s", sorted(routes), address, port)
    return pn.serve(
        routes,
        port=port,
        address=address,
        websocket_origin=origins,
        show=show,
        title=titles,
        prefix=prefix or "",
        threaded=threaded,
        **server_kwargs(**kwargs),
    )
