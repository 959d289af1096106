"""Browser tests: Debian's Chromium (``/usr/bin/chromium``) driven by pytest-playwright.

No browser can be downloaded here, so Playwright launches the system Chromium. Apps are served
on a free port with a real Panel server in a thread (the pattern of Panel's own UI tests);
``pn.state`` is reset after each test, console errors fail the test, and a failing test leaves
a screenshot in ``test-results/``.
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import panel as pn
import pytest
from panel.io.state import state

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
RESULTS = Path(__file__).resolve().parents[2] / "test-results"

CHROMIUM_ARGS = [
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

#: Console messages that are not errors of the page (the browser's own noise).
IGNORED_CONSOLE = ("favicon.ico", "Download the Bokeh", "[Deprecation]")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.ui)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}; install it with "
            "'apt-get install -y chromium' (make test does this as root)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}


def wait_until(fn: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Call ``fn`` until it returns a truthy value (or stops raising), else fail."""
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = fn()
        except AssertionError as exc:
            last = exc
        else:
            if value is None or value:
                return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s: {last or fn}")


def _wait_for_http(url: str, timeout: float = 15.0) -> None:
    def _ok() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                return response.status == 200
        except OSError:
            return False

    wait_until(_ok, timeout=timeout, interval=0.05)


def serve_and_wait(app: Any, **kwargs: Any) -> int:
    """Serve ``app`` (a viewable, a function or a dict of routes) on a free port; return it.

    The server carries the workbench server's own routes and response settings (as
    ``workbench serve`` does): served Index Explorer pages fetch the shipped basemap from one
    of the routes; static files are gzipped once and memoised.
    """
    from workbench.apps.server import server_kwargs

    kwargs = server_kwargs(**kwargs)  # as workbench serve: its routes and response settings
    server_id = uuid.uuid4().hex
    pn.serve(app, port=0, threaded=True, show=False, liveness=True, server_id=server_id, **kwargs)
    wait_until(lambda: server_id in state._servers, timeout=15)
    server = state._servers[server_id][0]
    port = server.port
    _wait_for_http(f"http://localhost:{port}/liveness")
    return port


class PageSession:
    """A served app open in Chromium, with the console messages it logged."""

    def __init__(self, page: Any, port: int) -> None:
        self.page = page
        self.port = port
        self.messages: list[Any] = []
        page.on("console", lambda msg: self.messages.append(msg))
        page.on("pageerror", lambda exc: self.messages.append(_PageError(str(exc))))

    def goto(self, path: str = "/", timeout: float = 30.0) -> None:
        self.page.goto(f"http://localhost:{self.port}{path}", wait_until="domcontentloaded")
        # The Bokeh document has arrived over the websocket and its views are rendered.
        self.page.wait_for_function(
            "() => window.Bokeh !== undefined && Bokeh.documents.length > 0"
            " && Bokeh.index !== undefined && Object.keys(Bokeh.index).length > 0",
            timeout=timeout * 1000,
        )
        self.page.wait_for_function("document.readyState === 'complete'", timeout=10_000)

    def console_errors(self) -> list[str]:
        return [
            m.text
            for m in self.messages
            if m.type == "error" and not any(s in m.text for s in IGNORED_CONSOLE)
        ]


class _PageError:
    type = "error"

    def __init__(self, text: str) -> None:
        self.text = f"uncaught: {text}"


@pytest.fixture
def serve_page(page: Any) -> Iterator[Callable[..., PageSession]]:
    """Serve an app and open it in the browser: ``session = serve_page(app, path="/")``."""
    sessions: list[PageSession] = []

    def _serve(app: Any, path: str = "/", **kwargs: Any) -> PageSession:
        port = serve_and_wait(app, **kwargs)
        session = PageSession(page, port)
        sessions.append(session)
        session.goto(path)
        return session

    yield _serve
    for session in sessions:
        errors = session.console_errors()
        assert not errors, f"console errors in the page: {errors}"


@pytest.fixture(autouse=True)
def _reset_panel_state() -> Iterator[None]:
    yield
    state.kill_all_servers()
    state.reset()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
        if page is not None:
            RESULTS.mkdir(exist_ok=True)
            target = RESULTS / f"{item.name}.png"
            try:
                page.screenshot(path=str(target), full_page=True)
            except Exception:  # noqa: BLE001 - a missing screenshot must not hide the failure
                return
            report.sections.append(("screenshot", str(target)))


def pytest_sessionstart(session: pytest.Session) -> None:
    # pytest-playwright writes its own artefacts to test-results/; keep ours beside them.
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        return


@pytest.fixture(name="wait_until")
def _wait_until_fixture() -> Callable[..., Any]:
    """The :func:`wait_until` helper, as a fixture for the test modules."""
    return wait_until


def pane_text(locator: Any) -> str:
    """Return what a Panel pane shows: its text, inside its shadow root."""
    return locator.first.evaluate(
        "e => (e.shadowRoot ? e.shadowRoot.textContent : '') + ' ' + e.textContent"
    )


def serious_violations(page: Any) -> list[str]:
    """Run axe-core (shipped in ``axe-playwright-python``, offline) on the page.

    Returns its serious and critical violations, each with the first nodes' markup.
    """
    from axe_playwright_python.sync_playwright import Axe

    found: list[str] = []
    for _attempt in range(2):  # a view redrawn between the script's runs: check it again
        # the workbench's accessibility script (workbench.apps.a11y) runs every 1.5 s: now
        page.evaluate("window.__workbenchA11y && window.__workbenchA11y()")
        results = Axe().run(page)
        found = []
        for violation in results.response["violations"]:
            if violation.get("impact") in ("serious", "critical"):
                nodes = [str(n.get("html", ""))[:120] for n in violation.get("nodes", [])][:4]
                found.append(f"{violation['id']} ({violation['impact']}): {nodes}")
        if not found:
            break
        page.wait_for_timeout(2000)
    return found


@pytest.fixture(name="pane_text")
def _pane_text_fixture() -> Callable[[Any], str]:
    """The :func:`pane_text` helper, as a fixture."""
    return pane_text


@pytest.fixture(name="axe_serious")
def _axe_serious_fixture() -> Callable[[Any], list[str]]:
    """The :func:`serious_violations` helper (axe-core), as a fixture."""
    return serious_violations
