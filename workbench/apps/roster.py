"""Who is in the workshop: each participant's app, city and dimension weights, and presets.

The roster lives in a folder (``$WORKBENCH_WORKSHOP_DIR``, else a folder made once per server
process), one small JSON file per browser session, written when the participant's state
changes. A folder, not module state, so that several server processes
(``workbench serve --procs N``) or machines sharing the folder show one workshop to the
facilitator. The facilitator's weights published as a preset are one more file
(``preset.json``) that every session looks at every few seconds.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Environment variable naming the workshop's shared folder.
WORKSHOP_DIR_ENV = "WORKBENCH_WORKSHOP_DIR"

_DEFAULT: Path | None = None
_DEFAULT_LOCK = threading.Lock()


def workshop_dir() -> Path:
    """Return the workshop's folder (``$WORKBENCH_WORKSHOP_DIR`` or one per process).

    Returns
    -------
    pathlib.Path
        The folder (created if needed).
    """
    global _DEFAULT  # noqa: PLW0603 - one folder per process unless the environment names one
    given = os.environ.get(WORKSHOP_DIR_ENV)
    if given:
        path = Path(given)
    else:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Path(tempfile.mkdtemp(prefix="workbench-workshop-"))
            path = _DEFAULT
    (path / "sessions").mkdir(parents=True, exist_ok=True)
    return path


def _write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader sees the old file or the new one, never half


def _safe(session_id: str) -> str:
    return "".join(c for c in session_id if c.isalnum() or c in "-_")[:80] or "session"


def update(session_id: str, **fields: Any) -> None:
    """Record a participant's state (``app``, ``city``, ``weights``, ``user``).

    Parameters
    ----------
    session_id
        The browser session.
    **fields
        What changed; merged into the session's record.
    """
    path = workshop_dir() / "sessions" / f"{_safe(session_id)}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        record = {}
    record.update(fields)
    record["session"] = session_id
    record["updated"] = time.time()
    try:
        _write(path, record)
    except OSError:  # the roster is a nicety: a full disk must not break a participant's page
        log.warning("could not record session %s in the roster", session_id, exc_info=True)


def leave(session_id: str) -> None:
    """Remove a participant whose session ended.

    Parameters
    ----------
    session_id
        The browser session.
    """
    path = workshop_dir() / "sessions" / f"{_safe(session_id)}.json"
    path.unlink(missing_ok=True)


def participants() -> list[dict[str, Any]]:
    """Return every participant's record, oldest first.

    Returns
    -------
    list of dict
        ``session``, ``app``, ``city``, ``weights`` (``{dimension: weight}`` for the Index
        Explorer), ``user``, ``updated`` (epoch seconds).
    """
    out = []
    for path in (workshop_dir() / "sessions").glob("*.json"):
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):  # being replaced or removed right now: next refresh
            continue
    return sorted(out, key=lambda r: r.get("joined", r.get("updated", 0)))


def publish_preset(name: str, weights: dict[str, float]) -> dict[str, Any]:
    """Publish weights as a preset every participant is offered.

    Parameters
    ----------
    name
        The preset's name (``"Panel weights (median of 12)"``).
    weights
        Dimension code -> weight.

    Returns
    -------
    dict
        The preset as written (with a ``version`` that grows with each publication).
    """
    current = preset()
    version = int(current["version"]) + 1 if current else 1
    data = {
        "version": version,
        "name": name,
        "weights": {k: float(v) for k, v in weights.items()},
        "published": time.time(),
    }
    _write(workshop_dir() / "preset.json", data)
    return data


def preset() -> dict[str, Any] | None:
    """Return the last published preset, or ``None``.

    Returns
    -------
    dict or None
        ``version``, ``name``, ``weights``, ``published``.
    """
    path = workshop_dir() / "preset.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


__all__ = [
    "WORKSHOP_DIR_ENV",
    "leave",
    "participants",
    "preset",
    "publish_preset",
    "update",
    "workshop_dir",
]
