"""Workshop mode: many participants at once, access control, per-session clean-up.

``workbench serve --workshop`` serves the same apps as ``workbench serve`` with settings for a
room of twenty to fifty participants:

- every browser session builds its own app objects (``server.build_routes``); read-only
  samples are loaded once per process (``common.shared_sample``);
- heavy work (solves, runs, uncertainty draws) runs in worker processes or on Dask, shared
  and memoised across sessions (:mod:`workbench.apps.heavy`); light work on a bounded thread
  pool (``common.run_in_background``);
- idle sessions are released by the Bokeh server
  (``unused_session_lifetime_milliseconds``), and when a
  session ends (tab closed or idle) its apps are closed (``app.close()``: queued work
  cancelled, upload folder removed)
  (:func:`attach_session`);
- access: a shared password (Panel's ``basic_auth``) or OAuth (``oauth_provider`` with a
  ``cookie_secret``); serving beyond this machine without either is refused unless
  ``insecure`` is set explicitly (:func:`check_access`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import SpecError, unknown_name

log = logging.getLogger(__name__)

#: Addresses that only this machine can reach.
LOCAL_ADDRESSES = ("127.0.0.1", "localhost", "::1")
#: Environment variable holding the workshop password (keeps it out of the shell history).
PASSWORD_ENV = "WORKBENCH_PASSWORD"
#: OAuth providers Panel knows.
OAUTH_PROVIDERS = ("azure", "bitbucket", "github", "gitlab", "google", "okta", "auth0", "generic")


@dataclass(frozen=True)
class WorkshopConfig:
    """Settings of a workshop server.

    Parameters
    ----------
    address
        Address to bind to; loopback by default.
    port
        Port (``0`` = any free port).
    password
        Shared workshop password (Panel ``basic_auth``); any user name is accepted.
    oauth_provider, oauth_key, oauth_secret
        OAuth login through an organisation's provider (``github``, ``azure``, ...).
    cookie_secret
        Secret that signs the login cookies; a random one per server start when ``None``
        (logins then do not survive a restart).
    insecure
        Allow serving beyond this machine without a password or OAuth.
    session_idle_minutes
        Minutes after which a session whose browser tab is gone is released.
    check_sessions_seconds
        How often the server looks for such sessions.
    num_threads
        Threads that handle the events of many sessions (``None``: the event loop only).
    upload_limit_mb
        Largest upload accepted, in megabytes.
    """

    address: str = "127.0.0.1"
    port: int = 5006
    password: str | None = None
    oauth_provider: str | None = None
    oauth_key: str | None = None
    oauth_secret: str | None = None
    cookie_secret: str | None = None
    insecure: bool = False
    session_idle_minutes: float = 10.0
    check_sessions_seconds: float = 30.0
    num_threads: int | None = 4
    upload_limit_mb: float = 5.0

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            msg = f"port must be between 0 and 65535; got {self.port}. Pick a free port, e.g. 5006."
            raise SpecError(msg)
        for name in ("session_idle_minutes", "check_sessions_seconds", "upload_limit_mb"):
            value = getattr(self, name)
            if not value > 0:
                msg = f"{name} must be a positive number; got {value!r}. Fix: e.g. {name}: 10."
                raise SpecError(msg)
        if self.num_threads is not None and self.num_threads < 0:
            msg = f"num_threads must be 0 or more; got {self.num_threads}."
            raise SpecError(msg)
        if self.oauth_provider is not None and self.oauth_provider not in OAUTH_PROVIDERS:
            raise SpecError(unknown_name("oauth_provider", self.oauth_provider, OAUTH_PROVIDERS))

    @property
    def auth(self) -> str | None:
        """``"password"``, ``"oauth"`` or ``None``."""
        if self.oauth_provider:
            return "oauth"
        if self.password:
            return "password"
        return None


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a workshop configuration file (YAML, keys of :class:`WorkshopConfig`).

    Parameters
    ----------
    path
        The file, e.g. ``workshop.yaml``.

    Returns
    -------
    dict
        The settings found (only known keys).

    Raises
    ------
    SpecError
        Unknown keys (with a suggestion) or a file that is not a mapping.
    """
    from workbench.data import read_yaml

    data = read_yaml(path)
    if not isinstance(data, Mapping):
        msg = (
            f"{path}: a workshop configuration must be a mapping of settings; got "
            f"{type(data).__name__}. Fix: write lines such as 'port: 5006'."
        )
        raise SpecError(msg)
    known = [f.name for f in dataclasses.fields(WorkshopConfig)]
    for key in data:
        if key not in known:
            raise SpecError(f"{path}: " + unknown_name("setting", str(key), known))
    return dict(data)


def check_access(
    address: str,
    *,
    password: str | None = None,
    oauth_provider: str | None = None,
    cookie_secret: str | None = None,
    insecure: bool = False,
) -> None:
    """Refuse insecure settings when serving beyond this machine.

    Parameters
    ----------
    address
        The address to bind to.
    password, oauth_provider, cookie_secret
        The access control chosen.
    insecure
        The explicit opt-out (``--insecure``).

    Raises
    ------
    SpecError
        Binding to a non-local address with neither a password nor OAuth (and no
        ``insecure``), or OAuth without a cookie secret beyond localhost.
    """
    local = address in LOCAL_ADDRESSES
    if local or insecure:
        return
    if not password and not oauth_provider:
        msg = (
            f"--address {address} would let anyone on the network use the workbench, and no "
            "access control is set. Rule: serving beyond this machine needs a password or "
            f"OAuth. Fix: add --password (or set ${PASSWORD_ENV}), or --oauth-provider with "
            "--oauth-key/--oauth-secret/--cookie-secret; or pass --insecure if the network is "
            "trusted."
        )
        raise SpecError(msg)
    if oauth_provider and not cookie_secret:
        msg = (
            f"--oauth-provider {oauth_provider} on {address} needs --cookie-secret. Rule: a "
            "random secret per start would log everyone out on a restart and cannot be shared "
            "between processes. Fix: --cookie-secret $(python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')."
        )
        raise SpecError(msg)


def serve_kwargs(config: WorkshopConfig) -> dict[str, Any]:
    """Translate a workshop configuration into keyword arguments of :func:`panel.serve`.

    Parameters
    ----------
    config
        The settings.

    Returns
    -------
    dict
        ``basic_auth`` or ``oauth_*``, ``cookie_secret``,
        ``unused_session_lifetime_milliseconds`` and ``check_unused_sessions_milliseconds``
        (the Bokeh server's names), ``num_threads``.
    """
    kwargs: dict[str, Any] = {
        # Bokeh's own names: under any other name the server ignores them silently and keeps
        # its defaults (sessions released 15-32 s after the tab closed, whatever the setting)
        "unused_session_lifetime_milliseconds": max(1, int(config.session_idle_minutes * 60_000)),
        "check_unused_sessions_milliseconds": max(1, int(config.check_sessions_seconds * 1000)),
    }
    if config.num_threads:
        kwargs["num_threads"] = config.num_threads
    if config.auth is not None:
        kwargs["cookie_secret"] = config.cookie_secret or secrets.token_urlsafe(32)
    if config.oauth_provider:
        kwargs["oauth_provider"] = config.oauth_provider
        if config.oauth_key:
            kwargs["oauth_key"] = config.oauth_key
        if config.oauth_secret:
            kwargs["oauth_secret"] = config.oauth_secret
    elif config.password:
        kwargs["basic_auth"] = config.password
    return kwargs


def password_from_env(value: str | None) -> str | None:
    """Return ``value``, else the password in ``$WORKBENCH_PASSWORD`` (``None`` if unset)."""
    return value or os.environ.get(PASSWORD_ENV) or None


# -- per-session clean-up -----------------------------------------------------------------------

#: Live sessions of this process (session id -> what to release when it ends).
_SESSIONS: dict[str, list[Any]] = {}


def live_sessions() -> int:
    """Return how many sessions this process is tracking (the apps of open tabs)."""
    return len(_SESSIONS)


def close_app(app: Any) -> int:
    """Release an app whose session ended: ``app.close()`` cancels its queued work.

    Work already running is not interrupted: it finishes in its worker and its result goes
    to the closed page, where nobody sees it (or, for shared heavy work, into the memo).

    Parameters
    ----------
    app
        An app (a :class:`~workbench.apps.base.WorkbenchApp`) or another object of the
        session with a ``close()`` method (the upload panel).

    Returns
    -------
    int
        How many jobs were cancelled before they started.
    """
    return int(app.close() or 0)


def track(app: Any, slug: str, session_id: str) -> None:
    """Put a participant's app on the workshop roster and keep it up to date.

    The roster records the app, the city and (Index Explorer) the dimension weights when
    they change; a weight preset published by the facilitator is offered to the app within
    a few seconds (:mod:`workbench.apps.roster`).

    Parameters
    ----------
    app
        The session's app (:class:`~workbench.apps.base.WorkbenchApp`).
    slug
        The app's route (``"index"``).
    session_id
        The browser session.
    """
    import time

    import panel as pn

    from workbench.apps import roster

    state = getattr(app, "roster_state", dict)
    roster.update(
        session_id, app=slug, user=str(pn.state.user or ""), joined=time.time(), **state()
    )
    params = list(getattr(app, "roster_params", ()))
    if params:
        app.param.watch(lambda *_: roster.update(session_id, **state()), params)
    offer = getattr(app, "offer_preset", None)
    if callable(offer):
        seen: dict[str, Any] = {"version": None}

        def _poll() -> None:
            preset = roster.preset()
            if preset and preset.get("version") != seen["version"]:
                seen["version"] = preset.get("version")
                offer(preset)

        _poll()
        from workbench.apps import common

        common.every(_poll, 2000)


def attach_session(*apps: Any) -> str | None:
    """Release the apps' work and files when the current browser session ends.

    Outside a served session (a notebook, a test) nothing is registered.

    Parameters
    ----------
    *apps
        The session's app objects.

    Returns
    -------
    str or None
        The session id, or ``None`` outside a served session.
    """
    import panel as pn

    doc = pn.state.curdoc
    context = getattr(doc, "session_context", None) if doc is not None else None
    if context is None:
        return None
    session_id = context.id
    _SESSIONS.setdefault(session_id, []).extend(apps)

    def _destroyed(session_context: Any) -> None:
        from workbench.apps import roster

        roster.leave(session_context.id)
        for app in _SESSIONS.pop(session_context.id, []):
            try:
                n = close_app(app)
            except Exception:  # noqa: BLE001 - clean-up must never break the server
                log.exception("releasing a session's app failed")
            else:
                log.info("session %s ended; %d queued job(s) cancelled", session_context.id, n)

    pn.state.on_session_destroyed(_destroyed)
    return session_id


__all__ = [
    "LOCAL_ADDRESSES",
    "OAUTH_PROVIDERS",
    "PASSWORD_ENV",
    "WorkshopConfig",
    "attach_session",
    "close_app",
    "check_access",
    "live_sessions",
    "load_config",
    "password_from_env",
    "serve_kwargs",
    "track",
]
