"""The server's routes, the serve command and the JupyterLab launcher tile (no browser)."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from workbench.apps.jupyter import setup_workbench_proxy
from workbench.apps.server import APPS, build_routes, websocket_origins
from workbench.cli import build_parser


def test_routes_hold_the_landing_page_and_every_app():
    routes = build_routes()
    assert set(routes) == {"/", "/index", "/siting", "/citymodel", "/facilitator"}
    assert {f"/{a.slug}" for a in APPS} == {"/index", "/siting", "/citymodel"}


def test_websocket_origins_default_to_loopback_on_the_port():
    assert websocket_origins("127.0.0.1", 5006) == ["localhost:5006", "127.0.0.1:5006"]
    assert "10.0.0.5:8000" in websocket_origins("10.0.0.5", 8000)
    assert websocket_origins("127.0.0.1", 0)[0] == "localhost:*"
    assert "*" in websocket_origins("127.0.0.1", 5006, ["*"])


def test_serve_command_parses_its_options():
    args = build_parser().parse_args(
        ["serve", "--port", "6001", "--address", "0.0.0.0", "--show", "--prefix", "/x"]
    )
    assert (args.port, args.address, args.show, args.prefix) == (6001, "0.0.0.0", True, "/x")
    defaults = build_parser().parse_args(["serve"])
    assert defaults.address == "127.0.0.1"
    assert defaults.show is False
    assert defaults.port == 5006


def test_serve_command_refuses_a_bad_port(capsys):
    from workbench.cli import main

    assert main(["serve", "--port", "70000"]) == 2
    assert "--port must be between 0 and 65535" in capsys.readouterr().err


@pytest.mark.subprocess
def test_jupyter_proxy_config_runs_workbench_serve():
    config = setup_workbench_proxy()
    command = config["command"]
    assert command[:4] == [sys.executable, "-m", "workbench", "serve"]
    assert command[command.index("--port") + 1] == "{port}"
    assert "--no-show" in command
    assert command[command.index("--prefix") + 1] == "{base_url}workbench"
    assert config["absolute_url"] is True
    assert config["launcher_entry"]["title"] == "City AI Workbench"
    json.dumps(config)  # jupyter-server-proxy reads plain data


def test_jupyter_proxy_is_declared_as_an_entry_point():
    from importlib.metadata import entry_points

    found = {ep.name: ep.value for ep in entry_points(group="jupyter_serverproxy_servers")}
    assert found.get("workbench") == "workbench.apps.jupyter:setup_workbench_proxy"


@pytest.mark.subprocess
@pytest.mark.slow
def test_workbench_serve_answers_on_loopback_with_a_prefix(tmp_path):
    """Start the real command as jupyter-server-proxy would, and fetch the pages."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench",
            "serve",
            "--port",
            str(port),
            "--no-show",
            "--prefix",
            "/user/me/workbench",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                url = f"http://127.0.0.1:{port}/user/me/workbench/"
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read().decode()
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.3)
        assert body is not None, proc.stdout.read() if proc.poll() is not None else "no answer"
        assert "City AI Planning Workbench" in body
        for app in APPS:
            url = f"http://127.0.0.1:{port}/user/me/workbench/{app.slug}"
            with urllib.request.urlopen(url, timeout=30) as response:
                assert response.status == 200
        # static files are gzipped once: the second browser gets the memo (whole, with a length)
        script = re.search(r'src="([^"]*static/[^"]+\.js[^"]*)"', body)
        assert script is not None, body[:2000]
        url = urllib.parse.urljoin(f"http://127.0.0.1:{port}/user/me/workbench/", script[1])
        answers = []
        for _ in range(2):
            request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request, timeout=30) as response:
                answers.append((dict(response.headers), response.read()))
        (first, js), (second, again) = answers
        assert first["Content-Encoding"] == second["Content-Encoding"] == "gzip"
        assert second["Content-Length"] == str(len(again))
        assert again == js
        assert len(gzip.decompress(again)) > len(again)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_each_server_tells_its_pages_whether_it_serves_the_basemap():
    """Two servers in one process: only the one with the workbench's routes hands out the URL."""
    import uuid

    import panel as pn
    from bokeh.client import pull_session
    from panel.io.state import state

    from workbench.apps import common
    from workbench.apps.index_views import BASEMAP_SETTING, basemap_url
    from workbench.apps.server import server_kwargs

    seen: dict[str, object] = {}

    def page(tag: str):
        def build():
            seen[tag] = common.server_setting(BASEMAP_SETTING)
            return pn.pane.Markdown(tag)

        return build

    ports = {}
    for tag, kwargs in (("workbench", server_kwargs()), ("hand-made", {})):
        server_id = uuid.uuid4().hex
        thread = pn.serve(
            {"/": page(tag)}, port=0, threaded=True, show=False, server_id=server_id, **kwargs
        )
        deadline = time.monotonic() + 15
        while server_id not in state._servers and time.monotonic() < deadline:
            time.sleep(0.05)
        ports[tag] = (thread, state._servers[server_id][0].port)
    try:
        for _thread, port in ports.values():
            with pull_session(url=f"http://localhost:{port}/"):
                pass
        assert seen == {"workbench": basemap_url(), "hand-made": None}
    finally:
        for thread, _port in ports.values():
            thread.stop()


def test_server_processes_share_the_cores_for_heavy_work():
    from workbench.apps.server import worker_share

    assert worker_share(1, cpus=2) == 2
    assert worker_share(2, cpus=2) == 1
    assert worker_share(3, cpus=2) == 1  # never none
    assert worker_share(2, cpus=8) == 4


def test_a_served_explorer_computes_its_views_in_the_workers_after_a_weight_move():
    """The views below the map start on a timer thread; they must still go to the workers.

    Panel knows no session in such a thread: the explorer once took itself for a notebook
    there and computed the profile and what-if in the serving process after every move.
    """
    import uuid
    import warnings

    import panel as pn
    from bokeh.client import pull_session
    from bokeh.document.events import MessageSentEvent
    from bokeh.events import DocumentReady
    from panel.io.state import state

    from workbench.apps.base import Ticket
    from workbench.apps.index_explorer import IndexExplorer

    apps: list[IndexExplorer] = []

    def build():
        app = IndexExplorer(n_draws=20)
        apps.append(app)
        return app

    server_id = uuid.uuid4().hex
    thread = pn.serve({"/index": build}, port=0, threaded=True, show=False, server_id=server_id)
    deadline = time.monotonic() + 15
    while server_id not in state._servers and time.monotonic() < deadline:
        time.sleep(0.05)
    port = state._servers[server_id][0].port
    try:
        with pull_session(url=f"http://localhost:{port}/index") as session:
            doc = session.document
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                doc.callbacks.trigger_on_change(
                    MessageSentEvent(doc, "bokeh_event", DocumentReady())
                )
            session.force_roundtrip()
            (app,) = apps
            assert app._served
            slider = next(
                m for m in doc.models if "weight-ind" in (getattr(m, "css_classes", None) or [])
            )
            slider.value = 4.5
            session.force_roundtrip()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and app.weight_ind != 4.5:
                time.sleep(0.05)
            rank = int(app.table.set_index("code").loc[app.city, "rank"])
            # after the choice settles (0.5 s) the views are a job for the worker pool
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (
                isinstance(app.jobs.future("views"), Ticket)
                and app.whatif is not None
                and app.whatif["rank_before"] == rank
            ):
                time.sleep(0.1)
            assert isinstance(app.jobs.future("views"), Ticket)
            assert app.whatif["rank_before"] == rank  # the what-if of the new weights
    finally:
        thread.stop()
