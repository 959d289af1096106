"""Apps benchmark: weight change -> updated views (300 cities), and first render in Chromium.

Prints

1. the server CPU per dimension-weight move in the Index Explorer, on a 300-city cube (the 105
   shipped cities resampled and perturbed: SYNTHETIC data, labelled so in its attrs). The
   explorer is attached to a Bokeh document, so the time includes updating the Bokeh models a
   served page would receive (not the network): "handler" = the thread that handles the move
   as a served slider sends it (Panel's event handling, new ranking from cached dimension
   scores, map layer patched, the ranking's page resent), "app" = the same with the app's
   parameter set directly, "server" = the whole server process until every view is drawn.
   Heavy work runs in worker processes.
2. the time to first render of a bare Panel page (the workbench's template with one Bokeh
   plot) and of each app served as ``workbench serve`` serves them, in headless Chromium
   (``/usr/bin/chromium``): from navigation to the main view on screen (Index Explorer:
   ranking rows and map canvas), and to every view drawn (Bokeh document idle); each app's
   time is also given as a ratio to the bare page's, measured in the same run.
   A third reference page, ``/map-only``, is the same template with the Index Explorer's
   deck.gl map alone (the province image and the cities). Chromium here has no GPU, so
   WebGL is emulated on the CPU (SwiftShader): the map's canvas appears quickly, but drawing
   its frames kept the GPU process busy for about 1.9 s in a trace of the map with the
   ranking, and a page's main thread waits for those frames (``ReadPixels`` at the
   compositor's commit), so on a page with a map, what is drawn after it waits too. The
   map-only page's "every view drawn" time, beside the bare page's, shows that share.

Goals (issue 15): < 10 ms of server CPU per weight move (300 cities); every app's main view
on screen within 1.5x the time of a bare Panel page (the same template with one Bokeh plot),
measured in the same run.
Run: ``.venv/bin/python benchmarks/app_bench.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
]


def synthetic_cube(n_cities: int = 300, seed: int = 20251123):
    """Resample the sample cube's cities to ``n_cities`` and perturb values (synthetic)."""
    from workbench.data import load_sample

    cube = load_sample("city_ai_index")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n0 = cube.sizes["city"]
    pick = np.concatenate([np.arange(n0), rng.integers(0, n0, n_cities - n0)])
    big = cube.isel(city=pick)
    noise = rng.lognormal(0.0, 0.15, size=big["value"].shape)
    big["value"] = big["value"] * noise
    codes = [f"S{i:05d}" for i in range(n_cities)]
    jitter = rng.normal(0, 0.3, size=(2, n_cities))
    names = [f"{n} #{i}" for i, n in enumerate(big["name_en"].to_numpy())]
    big = big.assign_coords(
        city=codes,
        name_en=("city", names),
        lat=("city", big["lat"].to_numpy() + jitter[0]),
        lon=("city", big["lon"].to_numpy() + jitter[1]),
    )
    big.attrs["synthetic"] = (
        f"true: {n_cities} cities resampled from the sample cube with lognormal noise "
        f"(sigma 0.15), seed {seed}; for benchmarking only"
    )
    return big


def bench_weight_change(n_cities: int = 300, repeats: int = 24) -> dict[str, float]:
    """Server CPU per dimension-weight move in the Index Explorer (``n_cities``, synthetic).

    ``handler`` = CPU of the thread that handles the move (the serving loop's work: the new
    ranking from the cached dimension scores, the map's city layer and the ranking's page
    patched), ``time.thread_time``, with the move arriving as a served page's slider sends it
    (``_process_events``: Panel's event handling, its busy flag and the slider-to-parameter
    link included); ``handler (app)`` = the same with the app's parameter set directly (the
    app's own share). ``server`` = CPU of the whole server process until every view of the
    move is drawn (the handler plus the views below the map, redrawn on the apps' thread pool,
    and the engine's full result they read), ``time.process_time``. The page is not served
    here, so the handler also submits the views below the map and the heavy work at once (a
    served page does that once the choices settle); heavy work (uncertainty draws,
    development path) runs in worker processes and is not part of either number.
    """
    from bokeh.document import Document

    from workbench.apps.heavy import use_processes
    from workbench.apps.index_explorer import IndexExplorer

    use_processes()
    cube = synthetic_cube(n_cities)
    app = IndexExplorer(cube=cube, city="S00001", n_draws=50)
    doc = Document()
    root = app.__panel__().get_root(doc)
    doc.add_root(root)
    app.wait()
    slider = app._weight_ws["TEC"]  # noqa: SLF001 - the widget a participant drags

    def as_sent(value: float) -> None:
        slider._process_events({"value": value})  # noqa: SLF001 - what a served page receives

    def direct(value: float) -> None:
        app.weight_tec = value

    times: dict[str, list[float]] = {"handler": [], "app": [], "server": [], "wall": []}
    values = [1.5, 0.5, 2.5, 1.0]
    for i in range(repeats):
        move = as_sent if i % 2 == 0 else direct
        c0, p0, t0 = time.thread_time(), time.process_time(), time.perf_counter()
        move(values[i % len(values)])
        c1, t1 = time.thread_time(), time.perf_counter()
        app.jobs.wait(kinds=("views",))
        p2 = time.process_time()
        app.wait()  # let the background uncertainty and path finish before the next change
        if i >= 4:  # the first changes warm caches
            times["handler" if move is as_sent else "app"].append(c1 - c0)
            if move is as_sent:
                times["wall"].append(t1 - t0)
                times["server"].append(p2 - p0)
    app.close()
    return {
        "cities": n_cities,
        "handler_cpu_ms": 1000 * statistics.median(times["handler"]),
        "handler_cpu_max_ms": 1000 * max(times["handler"]),
        "handler_wall_ms": 1000 * statistics.median(times["wall"]),
        "app_cpu_ms": 1000 * statistics.median(times["app"]),
        "server_cpu_ms": 1000 * statistics.median(times["server"]),
    }


def bench_first_render(visits: int = 3) -> dict[str, dict[str, float]]:
    """Time the first render of each route in headless Chromium.

    For each route: ``paint`` = navigation until the app's main content is on screen (index:
    the ranking's rows and the map's canvas; siting and citymodel: the map's canvas; landing:
    the Bokeh document rendered); ``idle`` = until the Bokeh document is idle (every view
    drawn, including what the apps add once the page is on screen). The first visit of a
    route warms the server and is not counted; the median of the next ``visits`` is reported.
    """
    import panel as pn
    from panel.io.state import state
    from playwright.sync_api import sync_playwright

    from workbench.apps.heavy import use_processes
    from workbench.apps.server import APPS, _configure_panel, build_routes, server_kwargs
    from workbench.apps.server import page as wb_page

    _configure_panel()
    use_processes().warm()  # as under workbench serve
    apps = APPS
    routes = build_routes(apps)
    explorers = _record_explorers()

    def bare() -> Any:
        """The same template with one Bokeh plot: the floor an app's page is compared with."""
        from bokeh.plotting import figure

        fig = figure(height=300, sizing_mode="stretch_width", css_classes=["bare-plot"])
        fig.line([0, 1, 2, 3], [1, 3, 2, 4])
        return wb_page(pn.pane.Bokeh(fig, css_classes=["bare-plot"]), title="Bare page")

    routes["/bare"] = bare

    def map_only() -> Any:
        """The same template with the Index Explorer's deck.gl map alone (WebGL's share)."""
        from workbench.apps.index_explorer import IndexExplorer

        return wb_page(IndexExplorer()._map, title="Map only")

    routes["/map-only"] = map_only
    cube_300 = synthetic_cube(300)

    def index_300() -> Any:
        """The Index Explorer's page on the 300-city synthetic cube (the weight-move figure)."""
        from workbench.apps.index_explorer import IndexExplorer

        app = IndexExplorer(cube=cube_300, city="S00001", n_draws=50)
        return wb_page(app.main(), title="Index Explorer, 300 cities", sidebar=[app.controls()])

    routes["/index-300"] = index_300
    server_id = uuid.uuid4().hex
    pn.serve(
        routes,
        port=0,
        threaded=True,
        show=False,
        server_id=server_id,
        **server_kwargs(),  # as workbench serve does (its routes, gzip memo)
    )
    while server_id not in state._servers:
        time.sleep(0.05)
    port = state._servers[server_id][0].port
    ready = {
        "bare": [".bare-plot canvas"],
        "map-only": [".index-map canvas"],
        "index": [".ranking-table .tabulator-row", ".index-map canvas"],
        "siting": [".siting-map canvas"],
        "citymodel": [".lab-map canvas"],
    }
    out: dict[str, dict[str, float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for path in ["bare", "map-only", "", *(a.slug for a in apps)]:
            paints, idles = [], []
            for attempt in range(visits + 1):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                t0 = time.perf_counter()
                page.goto(f"http://localhost:{port}/{path}", wait_until="domcontentloaded")
                page.wait_for_function(
                    "() => window.Bokeh !== undefined && Bokeh.documents.length > 0"
                    " && Object.keys(Bokeh.index).length > 0",
                    timeout=120_000,
                )
                for selector in ready.get(path, []):
                    page.locator(selector).first.wait_for(timeout=120_000)
                paint = time.perf_counter() - t0
                page.wait_for_function("() => Bokeh.documents[0].is_idle", timeout=120_000)
                idle = time.perf_counter() - t0
                page.close()
                if attempt:
                    paints.append(paint)
                    idles.append(idle)
            out[f"/{path}"] = {
                "paint": statistics.median(paints),
                "idle": statistics.median(idles),
            }
        out["served weight move"] = _served_weight_moves(browser, port, explorers)
        browser.close()
    _stop_recording()
    state.kill_all_servers()
    return out


def _record_explorers() -> list[tuple[Any, Any]]:
    """Record each Index Explorer the server builds, with its session's document."""
    import panel as pn

    from workbench.apps.index_explorer import IndexExplorer

    made: list[tuple[Any, Any]] = []
    init = IndexExplorer.__init__

    def recording(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append((self, pn.state.curdoc))

    IndexExplorer.__init__ = recording  # type: ignore[method-assign]
    _RECORDED.append((IndexExplorer, init))
    return made


_RECORDED: list[tuple[Any, Any]] = []


def _stop_recording() -> None:
    """Put back the Index Explorer's own ``__init__`` (see :func:`_record_explorers`)."""
    while _RECORDED:
        cls, init = _RECORDED.pop()
        cls.__init__ = init


def _served_weight_moves(browser: Any, port: int, explorers: list, moves: int = 14) -> dict:
    """Server CPU per weight move in a served Index Explorer page (300 cities, synthetic).

    A page is opened in Chromium; each move is handed to the slider on the server's event
    loop the way Panel hands it a browser's change (``_change_event``), and the CPU of that
    callback is timed (``time.thread_time``): Panel's event handling, the app's handler (new
    ranking, map layer patched, ranking page resent) and the updates queued for the browser.
    Moves are 1.5 s apart, so the views below the map and the heavy work that a served page
    starts once the choices settle (0.5 s) run between moves and are not in the figure.
    """
    import threading

    from panel.io.state import set_curdoc

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"http://localhost:{port}/index-300", wait_until="domcontentloaded")
    page.locator(".ranking-table .tabulator-row").first.wait_for(timeout=120_000)
    page.wait_for_function("() => Bokeh.documents[0].is_idle", timeout=120_000)
    app, doc = explorers[-1]
    slider = app._weight_ws["TEC"]  # noqa: SLF001 - the widget a participant drags
    cpu: list[float] = []
    values = [1.5, 0.5, 2.5, 1.0]
    for i in range(moves):
        done = threading.Event()

        def move(value: float = values[i % len(values)], done: threading.Event = done) -> None:
            c0 = time.thread_time()
            slider._events = {"value": value}  # noqa: SLF001 - as a browser's change arrives
            with set_curdoc(doc):
                slider._change_event(doc)  # noqa: SLF001
            cpu.append(time.thread_time() - c0)
            done.set()

        doc.add_next_tick_callback(move)
        done.wait(60)
        time.sleep(1.5)
    page.close()
    kept = cpu[2:]  # the first moves warm caches
    return {
        "handler_cpu_ms": 1000 * statistics.median(kept),
        "handler_cpu_max_ms": 1000 * max(kept),
        "cities": len(app.table),
    }


def main() -> int:
    print(
        f"apps benchmark, {dt.date.today().isoformat()}, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs (shared)"
    )
    weight = bench_weight_change()
    print(
        f"weight move, {weight['cities']} cities (synthetic): handler CPU "
        f"{weight['handler_cpu_ms']:.1f} ms median (max {weight['handler_cpu_max_ms']:.1f} ms, "
        f"wall {weight['handler_wall_ms']:.1f} ms)   [goal < 10 ms: "
        f"{'met' if weight['handler_cpu_ms'] < 10 else 'NOT met'}]; of which the app's own "
        f"(parameter set directly) {weight['app_cpu_ms']:.1f} ms; server CPU until every "
        f"view is drawn {weight['server_cpu_ms']:.1f} ms"
    )
    if not Path(CHROMIUM).exists():
        print(f"first render: skipped, no Chromium at {CHROMIUM}")
        return 0
    renders = bench_first_render()
    served = renders.pop("served weight move")
    print(
        f"weight move in a served page, {served['cities']} cities (synthetic): handler CPU on the "
        f"server's loop {served['handler_cpu_ms']:.1f} ms median (max "
        f"{served['handler_cpu_max_ms']:.1f} ms)   [goal < 10 ms: "
        f"{'met' if served['handler_cpu_ms'] < 10 else 'NOT met'}]"
    )
    floor = renders["/bare"]["paint"]
    for route, times in renders.items():
        ratio = times["paint"] / floor
        app = route not in ("/bare", "/map-only", "/")
        goal = f"   [goal < 1.5x: {'met' if ratio < 1.5 else 'NOT met'}]" if app else ""
        print(
            f"first render {route:<12} main view on screen {times['paint']:.2f} s "
            f"= {ratio:.2f}x the bare page{goal}; every view drawn "
            f"(document idle) {times['idle']:.2f} s"
        )
    return 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        from workbench.apps.heavy import heavy_pool

        heavy_pool().shutdown()
    sys.stdout.flush()
    os._exit(code)  # the threaded Panel server and worker threads do not block the exit
