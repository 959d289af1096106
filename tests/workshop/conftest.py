"""A real workshop server (Panel/Bokeh on 127.0.0.1) shared by the workshop tests."""

from __future__ import annotations

import socket
import time
import urllib.request

import pytest

from workbench.apps import workshop
from workbench.apps.server import serve

#: Uploads up to this many bytes in the test server.
UPLOAD_LIMIT = 200_000


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 60.0) -> None:
    """Wait until ``url`` answers (any HTTP status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310 - loopback test server
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
        else:
            return
    msg = f"the server at {url} did not answer within {timeout} s"
    raise TimeoutError(msg)


@pytest.fixture(scope="session")
def net():
    """Helpers for the tests: ``net.free_port()``, ``net.wait_for_http(url)``."""

    class _Net:
        free_port = staticmethod(free_port)
        wait_for_http = staticmethod(wait_for_http)

    return _Net


@pytest.fixture(scope="module")
def workshop_server():
    """Serve the apps in workshop mode (uploads, idle sessions released after ~1 s)."""
    port = free_port()
    config = workshop.WorkshopConfig(
        port=port, session_idle_minutes=0.02, check_sessions_seconds=0.5, num_threads=None
    )
    server = serve(
        port=port,
        threaded=True,
        upload_limit=UPLOAD_LIMIT,
        **workshop.serve_kwargs(config),
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(url + "/")
    yield url
    server.stop()
