"""JupyterLab for real: the launcher tile, the proxied apps and the tutorial run in Lab's own UI.

Starts ``jupyter lab`` on loopback with a token, from this environment (its ``workbench``
kernel, jupyter-server-proxy and the Panel/Bokeh lab extensions), with settings and
workspaces in a temporary folder. Chromium then:

1. finds the "City AI Workbench" tile in the launcher and clicks it; jupyter-server-proxy
   starts ``workbench serve`` and the landing page opens in a new tab, through the proxy;
2. opens the Index Explorer from the landing page and sees its ranking table render;
3. opens ``notebooks/01_index.ipynb`` in JupyterLab, runs every cell from the Run menu and
   sees the Index Explorer render inline in an output cell.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.ui, pytest.mark.slow, pytest.mark.subprocess]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01_index.ipynb"
# Screenshots go to test-results/; `make screenshots` points this at docs/screenshots/ on purpose.
SCREENSHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS") or ROOT / "test-results" / "screenshots")
KERNEL = "workbench"  # installed by `make install` (python -m ipykernel install --sys-prefix)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """A running ``jupyter lab`` server."""

    def __init__(self, proc: subprocess.Popen[str], url: str, token: str, log: Path) -> None:
        self.proc = proc
        self.url = url
        self.token = token
        self.log = log

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL not in KernelSpecManager().find_kernel_specs():
        pytest.fail(
            f"The Jupyter kernel '{KERNEL}' is not installed; run `make install` (it runs "
            f"python -m ipykernel install --sys-prefix --name {KERNEL})."
        )
    root = tmp_path / "lab"
    root.mkdir()
    nb = json.loads(NOTEBOOK.read_text())
    nb["metadata"]["kernelspec"] = {
        "name": KERNEL,
        "display_name": "Python (workbench)",
        "language": "python",
    }
    (root / NOTEBOOK.name).write_text(json.dumps(nb))
    token = secrets.token_hex(16)
    port = _free_port()
    env = dict(os.environ)
    # the kernel and the proxied `workbench serve` import this checkout
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    env["JUPYTERLAB_SETTINGS_DIR"] = str(tmp_path / "settings")  # written below
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path / "workspaces")
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.allow_remote_access=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    settings = tmp_path / "settings"
    overrides = {
        # render every cell, so the explorer's output is in the page wherever it scrolls
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        # no "get notified about Jupyter news?" toast (and no fetch from the internet)
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    }
    for rel, value in overrides.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(value))
    if os.geteuid() == 0:
        cmd.append("--allow-root")  # CI runs as root
    log = tmp_path / "jupyter.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
    url = f"http://127.0.0.1:{port}"
    server = Lab(proc, url, token, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                api = f"{url}/api/status?token={token}"
                with urllib.request.urlopen(api, timeout=5) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not start:\n{server.tail()}")
            time.sleep(0.5)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _landing_and_app_through_the_proxy(lab: Lab, page: Any) -> None:
    page.goto(f"{lab.url}/lab?token={lab.token}", wait_until="domcontentloaded")
    tile = page.locator(".jp-LauncherCard", has_text="City AI Workbench")
    tile.wait_for(timeout=120_000)
    with page.context.expect_page(timeout=60_000) as opened:
        tile.click()
    proxied = opened.value
    # jupyter-server-proxy starts `workbench serve` on first request; it can take a while
    proxied.get_by_text("Sample data").first.wait_for(timeout=120_000)
    assert "/workbench/" in proxied.url, proxied.url
    assert proxied.title() == "City AI Planning Workbench"
    proxied.locator("#link-index").click()
    proxied.locator(".ranking-table .tabulator-row").first.wait_for(timeout=120_000)
    assert "/workbench/index" in proxied.url, proxied.url
    rows = proxied.locator(".ranking-table .tabulator-row")
    assert rows.count() > 5
    proxied.close()


def _notebook_runs_in_lab(lab: Lab, page: Any) -> None:
    page.goto(
        f"{lab.url}/lab/tree/{NOTEBOOK.name}?token={lab.token}", wait_until="domcontentloaded"
    )
    panel = page.locator(".jp-NotebookPanel")
    panel.wait_for(timeout=120_000)
    # the kernel is up (the toolbar names it and shows it idle) before anything runs
    page.locator(".jp-NotebookPanel .jp-KernelName").get_by_text("Python (workbench)").wait_for(
        timeout=120_000
    )
    # and idle: a run requested before the kernel's websocket is up can be lost
    page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        timeout=120_000
    )
    # Run > Run All Cells; the first cell is queued or has run within a minute, else the click
    # was lost (a menu that opened before Lab finished laying out) and is made once more
    first = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").first
    for attempt in range(2):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        started = time.monotonic() + 60
        while _not_started(first) and time.monotonic() < started:
            page.wait_for_timeout(500)
        if not _not_started(first):
            break
        print(f"Run All Cells did not start the first cell (attempt {attempt + 1})")
    assert not _not_started(first), (
        "Run > Run All Cells did not start the first cell within 60 s, twice\n"
        + _notebook_state(page)
    )
    output = page.locator(".jp-OutputArea-output .ranking-table .tabulator-row")
    output.first.wait_for(timeout=300_000)
    assert output.count() > 5
    # every cell has run (no "[*]" prompt left) and none raised
    running = page.locator(".jp-InputPrompt", has_text="[*]")
    deadline = time.monotonic() + 300
    while running.count() and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert running.count() == 0, "cells still running after 300 s"
    output.first.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "jupyterlab_index_explorer.png"))
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, tracebacks


def test_launcher_tile_proxy_and_notebook_in_jupyterlab(lab: Lab, page: Any) -> None:
    try:
        _landing_and_app_through_the_proxy(lab, page)
        _notebook_runs_in_lab(lab, page)
    except Exception:
        print(lab.tail())  # the server's log, shown with the failure
        print(_notebook_state(page))
        raise


def _not_started(prompt: Any) -> bool:
    return prompt.inner_text().strip() in ("[ ]:", "[ ]", "")


def _notebook_state(page: Any) -> str:
    """What each cell of the open notebook shows (prompt, outputs' text), for a failure."""
    lines = []
    try:
        for cell in page.locator(".jp-Notebook .jp-CodeCell").all():
            prompt = cell.locator(".jp-InputPrompt").first.inner_text(timeout=2_000)
            outputs = cell.locator(".jp-OutputArea-output").all()
            kinds = [o.get_attribute("data-mime-type", timeout=2_000) or "?" for o in outputs]
            text = " | ".join(o.inner_text(timeout=2_000)[:300] for o in outputs)
            lines.append(f"{prompt.strip()} {kinds}: {text}")
        dialogs = page.locator(".jp-Dialog").all_inner_texts()
        if dialogs:
            lines.append(f"open dialogs: {dialogs}")
    except Exception as exc:  # the state is a diagnostic; never mask the failure itself
        lines.append(f"(could not read the notebook's state: {exc})")
    return "notebook state:\n" + "\n".join(lines)
