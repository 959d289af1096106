"""The multi-process recipe on loopback: two ``workbench serve`` processes behind nginx
(sticky sessions, websocket upgrade) sharing one Dask scheduler for heavy work."""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from workbench.apps.deploy import nginx_config

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.dask,
    pytest.mark.ui,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(
        NGINX is None,
        reason="needs Debian's nginx (make browser installs it as root: apt-get install nginx)",
    ),
]


def _get(url: str) -> tuple[int, dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        return response.status, dict(response.headers), response.read().decode()


def _wait_http(url: str, procs: list[subprocess.Popen], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"a process exited early: {proc.args}: {proc.stdout.read()}")
        try:
            _get(url)
        except OSError:
            time.sleep(0.3)
        else:
            return
    pytest.fail(f"{url} did not answer within {timeout} s")


def test_two_servers_behind_nginx_share_one_dask_scheduler(tmp_path, net):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    procs: list[subprocess.Popen] = []
    try:
        front = net.free_port()
        backends = [net.free_port(), net.free_port()]
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "WORKBENCH_WORKSHOP_DIR": str(tmp_path / "workshop"),
        }
        for port in backends:
            cmd = [sys.executable, "-m", "workbench", "serve", "--workshop", "--port", str(port)]
            cmd += ["--scheduler", cluster.scheduler_address]
            cmd += ["--allow-websocket-origin", f"127.0.0.1:{front}"]
            procs.append(
                subprocess.Popen(  # noqa: S603 - our own CLI
                    cmd,
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            nginx_config(
                [f"127.0.0.1:{p}" for p in backends],
                listen=f"127.0.0.1:{front}",
                standalone_dir=tmp_path,
            )
        )
        check = subprocess.run(  # noqa: S603 - the distribution's nginx
            [NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
        procs.append(
            subprocess.Popen(  # noqa: S603
                [NGINX, "-c", str(conf), "-p", str(tmp_path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
        for port in backends:
            _wait_http(f"http://127.0.0.1:{port}/", procs)
        url = f"http://127.0.0.1:{front}"
        _wait_http(url + "/", procs)

        # sticky: every request from this address reaches the same server process
        seen = {_get(url + "/index")[1].get("X-Workbench-Upstream") for _ in range(6)}
        assert len(seen) == 1, seen
        assert seen.pop() in {f"127.0.0.1:{p}" for p in backends}

        # both server processes are clients of the one scheduler (their heavy-work pools)
        def workbench_clients() -> int:
            names = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.clients))
            return len(names) - 1 - ("fire-and-forget" in names)  # minus this test's client

        deadline = time.monotonic() + 60
        while workbench_clients() < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert workbench_clients() >= 2

        # a participant's browser through nginx: page, websocket, a solve on the Dask worker.
        # Playwright's sync API runs in its own thread: earlier browser tests may have left an
        # asyncio loop running in the main thread, where the sync API refuses to start.
        def browse() -> str:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                try:
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    page.goto(url + "/siting?area=%5B%22310101%22%5D&time_limit=10")
                    page.get_by_role("button", name="Solve", exact=True).click(timeout=60_000)
                    status = page.locator(".solver-status").get_by_text("Solver status")
                    status.wait_for(timeout=120_000)
                    return status.inner_text()
                finally:
                    browser.close()

        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            text = pool.submit(browse).result(timeout=300)
        assert "optimal" in text or "feasible" in text, text
        keys = client.run_on_scheduler(
            lambda dask_scheduler: [str(t[0]) for t in dask_scheduler.transition_log]
        )
        assert any(k.startswith("workbench-siting-plan-") for k in keys), keys[-10:]
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        client.close()
        cluster.close()
