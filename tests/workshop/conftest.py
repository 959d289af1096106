"""A real workshop server (Panel/Bokeh on 127.0.0.1) shared by the workshop tests."""

from __future__ import annotations

import socket
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from bokeh.client import pull_session

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


class BokehClient:
    """Bokeh client sessions (``bokeh.client``) driven from one thread of their own.

    A client session runs an event loop while it waits for the server. The browser tests that
    run earlier in the same pytest session leave Playwright's loop running in the main thread,
    and asyncio refuses to run a second loop in a thread that already runs one, so every call
    that waits goes through this thread. Setting model values needs no wrapping: it only
    queues messages on the session's loop.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bokeh-client")

    def _call(self, fn, *args, **kwargs):
        return self._pool.submit(fn, *args, **kwargs).result()

    def pull(self, url: str, **kwargs):
        """Open a session on ``url`` (``bokeh.client.pull_session``)."""
        return self._call(pull_session, url=url, **kwargs)

    def close(self, session) -> None:
        """Close a session, as a participant closing the tab."""
        self._call(session.close)

    def until(self, session, condition, timeout: float = 60.0) -> bool:
        """Round-trip to the server until ``condition()`` holds; return whether it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._call(session.force_roundtrip)
            if condition():
                return True
            time.sleep(0.05)
        return condition()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


@pytest.fixture(scope="session")
def bokeh():
    """A :class:`BokehClient` shared by the workshop tests."""
    client = BokehClient()
    yield client
    client.shutdown()
