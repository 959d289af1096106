"""Access control: password login on a real server, refusals of insecure settings."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import urllib.parse

import pytest

from workbench.apps.workshop import WorkshopConfig, check_access, load_config, serve_kwargs
from workbench.cli import main
from workbench.errors import SpecError

PASSWORD = "workshop-2026"  # noqa: S105 - the test server's password


@pytest.fixture(scope="module")
def password_server(net):
    """``workbench serve --workshop`` as a real process, password from the environment."""
    port = net.free_port()
    env = {**os.environ, "WORKBENCH_PASSWORD": PASSWORD}
    proc = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "workbench", "serve", "--workshop", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        net.wait_for_http(f"http://127.0.0.1:{port}/login", timeout=90)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return (
            response.status,
            response.msg,
            response.read().decode("utf-8", "replace"),
        )
    finally:
        conn.close()


def _login(port, password):
    body = urllib.parse.urlencode({"username": "participant", "password": password})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return _request(port, "POST", "/login", body, headers)


@pytest.mark.subprocess
def test_a_request_without_credentials_is_sent_to_the_login_page(password_server):
    for path in ("/", "/index"):
        status, headers, body = _request(password_server, "GET", path)
        assert status == 302, body[:200]
        assert headers["Location"].lstrip(".").startswith("/login")


@pytest.mark.subprocess
def test_a_wrong_password_is_refused(password_server):
    status, headers, _ = _login(password_server, "guess")
    assert status == 302
    assert "error=Invalid" in headers["Location"]
    assert not any(c.startswith("user=") for c in headers.get_all("Set-Cookie") or [])


@pytest.mark.subprocess
def test_the_workshop_password_opens_the_apps(password_server):
    status, headers, _ = _login(password_server, PASSWORD)
    assert status == 302
    cookies = [c.split(";", 1)[0] for c in headers.get_all("Set-Cookie")]
    cookie = "; ".join(sorted(c for c in cookies if c.startswith(("user=", "id_token="))))
    assert "user=" in cookie
    status, _, body = _request(password_server, "GET", "/index", headers={"Cookie": cookie})
    assert status == 200
    assert "Index Explorer" in body


def test_serving_beyond_localhost_without_auth_is_refused(capsys):
    assert main(["serve", "--address", "0.0.0.0", "--port", "0"]) == 2  # noqa: S104
    err = capsys.readouterr().err
    assert "--address 0.0.0.0 would let anyone on the network use the workbench" in err
    assert "--insecure" in err
    assert err.count("\n") == 1


def test_oauth_beyond_localhost_needs_a_cookie_secret():
    with pytest.raises(
        SpecError, match=r"--oauth-provider github on 10\.0\.0\.5 needs --cookie-secret"
    ):
        check_access("10.0.0.5", oauth_provider="github")
    check_access("10.0.0.5", oauth_provider="github", cookie_secret="x" * 32)
    check_access("10.0.0.5", password="pw")
    check_access("10.0.0.5", insecure=True)
    check_access("127.0.0.1")


def test_unknown_oauth_provider_suggests_the_close_one():
    with pytest.raises(SpecError, match=r"Unknown oauth_provider 'githb'. Did you mean 'github'"):
        WorkshopConfig(oauth_provider="githb")


def test_session_release_settings_reach_the_bokeh_server():
    """Under names the Bokeh server does not take, they were ignored (released after ~26 s)."""
    import inspect

    from bokeh.server.tornado import BokehTornado

    kw = serve_kwargs(WorkshopConfig(session_idle_minutes=0.02, check_sessions_seconds=0.5))
    taken = inspect.signature(BokehTornado.__init__).parameters
    assert kw["unused_session_lifetime_milliseconds"] == 1200
    assert kw["check_unused_sessions_milliseconds"] == 500
    assert {"unused_session_lifetime_milliseconds", "check_unused_sessions_milliseconds"} <= set(
        taken
    )


def test_serve_kwargs_translate_to_panel_options():
    kw = serve_kwargs(WorkshopConfig(password="pw", session_idle_minutes=2, num_threads=3))
    assert kw["basic_auth"] == "pw"
    assert len(kw["cookie_secret"]) >= 32
    assert (kw["unused_session_lifetime_milliseconds"], kw["num_threads"]) == (120_000, 3)
    kw = serve_kwargs(
        WorkshopConfig(oauth_provider="github", oauth_key="k", oauth_secret="s", cookie_secret="c")
    )
    assert (kw["oauth_provider"], kw["oauth_key"], kw["cookie_secret"]) == ("github", "k", "c")
    assert "basic_auth" not in kw
    assert "cookie_secret" not in serve_kwargs(WorkshopConfig())


def test_a_config_file_with_an_unknown_setting_is_refused(tmp_path):
    path = tmp_path / "workshop.yaml"
    path.write_text("port: 6000\npasword: x\n", encoding="utf-8")
    with pytest.raises(
        SpecError, match=r"workshop\.yaml: Unknown setting 'pasword'. Did you mean 'password'"
    ):
        load_config(path)
    path.write_text("port: 6000\npassword: x\nupload_limit_mb: 2\n", encoding="utf-8")
    assert load_config(path) == {"port": 6000, "password": "x", "upload_limit_mb": 2}
