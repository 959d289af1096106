"""Apps benchmark: weight change -> updated views (300 cities), and first render in Chromium.

Prints

1. the server-side time from a dimension-weight change in the Index Explorer to updated views,
   on a 300-city cube (the 105 shipped cities resampled and perturbed: SYNTHETIC data, labelled
   so in its attrs). The explorer is attached to a Bokeh document, so the time includes
   updating the Bokeh models a served page would receive (not the network). "primary" = the
   index recomputed by the engine, the map and the ranking table; "all views" adds the city
   profile, what-if and ranking chart that follow in a worker thread. (The uncertainty draws
   and development path also run in the background and are not part of either number.)
2. the time to first render of each app served by ``workbench serve`` in headless Chromium
   (``/usr/bin/chromium``): from navigation to the app's main content on screen (Index
   Explorer: ranking rows and map canvas), and to every view drawn (Bokeh document idle).

Goals (issue 6): < 150 ms per weight change; < 3 s to first render.
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


def bench_weight_change(n_cities: int = 300, repeats: int = 12) -> dict[str, float]:
    from bokeh.document import Document

    from workbench.apps.index_explorer import IndexExplorer

    cube = synthetic_cube(n_cities)
    app = IndexExplorer(cube=cube, city="S00001", n_draws=50)
    doc = Document()
    root = app.__panel__().get_root(doc)
    doc.add_root(root)
    app.wait()
    primary, full = [], []
    values = [1.5, 0.5, 2.5, 1.0]
    for i in range(repeats):
        t0 = time.perf_counter()
        app.weight_tec = values[i % len(values)]
        t1 = time.perf_counter()
        app.jobs.future("views").result(timeout=120)
        t2 = time.perf_counter()
        app.wait()  # let the background uncertainty and path finish before the next change
        if i >= 2:  # the first changes warm caches
            primary.append(t1 - t0)
            full.append(t2 - t0)
    return {
        "cities": n_cities,
        "primary_median_ms": 1000 * statistics.median(primary),
        "primary_max_ms": 1000 * max(primary),
        "all_views_median_ms": 1000 * statistics.median(full),
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

    from workbench.apps.server import APPS, _configure_panel, build_routes

    _configure_panel()
    apps = APPS
    server_id = uuid.uuid4().hex
    pn.serve(build_routes(apps), port=0, threaded=True, show=False, server_id=server_id)
    while server_id not in state._servers:
        time.sleep(0.05)
    port = state._servers[server_id][0].port
    ready = {
        "index": [".ranking-table .tabulator-row", ".index-map canvas"],
        "siting": [".siting-map canvas"],
        "citymodel": [".lab-map canvas"],
    }
    out: dict[str, dict[str, float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for path in ["", *(a.slug for a in apps)]:
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
        browser.close()
    state.kill_all_servers()
    return out


def main() -> int:
    print(
        f"apps benchmark, {dt.date.today().isoformat()}, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs (shared)"
    )
    weight = bench_weight_change()
    print(
        f"weight change, {weight['cities']} cities (synthetic): primary views "
        f"{weight['primary_median_ms']:.0f} ms median (max {weight['primary_max_ms']:.0f} ms); "
        f"all views {weight['all_views_median_ms']:.0f} ms median   [goal < 150 ms]"
    )
    if not Path(CHROMIUM).exists():
        print(f"first render: skipped, no Chromium at {CHROMIUM}")
        return 0
    for route, times in bench_first_render().items():
        print(
            f"first render {route:<12} content on screen {times['paint']:.2f} s   [goal < 3 s]; "
            f"every view drawn (document idle) {times['idle']:.2f} s"
        )
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # the threaded Panel server and worker threads do not block the exit
