"""Paths as users type them, and outputs that never look complete before they are.

Every command of the ``workbench`` CLI (and the report runner) goes through these helpers:

- :func:`user_path` resolves what a user typed (``~``, a relative path, spaces, any script such
  as Chinese) once, against the working directory the command was started from, so that a
  path handed on to Papermill, a kernel or a Dask worker (which run elsewhere) means the same
  file;
- :func:`atomic_output` yields a temporary name in the destination's folder and moves it into
  place with :func:`os.replace` only when writing finished, so an interrupted command leaves
  no file under the final name (only a hidden ``.NAME.partial-XXXX`` one);
- :func:`staged_folder` does the same for a command whose output is a folder: it fills a hidden
  staging folder next to it and renames it at the end;
- :func:`dumps_json` writes JSON that keeps non-ASCII text readable.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PARTIAL = ".partial-"
"""Marker in the name of a file or folder that is still being written."""


def user_path(text: str | os.PathLike[str], *, base: str | os.PathLike[str] | None = None) -> Path:
    """Return the absolute path a user meant, resolved once.

    Parameters
    ----------
    text
        The path as typed: absolute, relative, starting with ``~``; any characters.
    base
        The folder a relative path is relative to; default the current working directory.

    Returns
    -------
    pathlib.Path
        An absolute, normalised path (``..`` removed; symbolic links kept).

    Examples
    --------
    >>> str(user_path("/tmp/a/../规划 数据/out.csv"))
    '/tmp/规划 数据/out.csv'
    """
    p = Path(os.path.expanduser(os.fspath(text)))
    if not p.is_absolute():
        p = Path(os.fspath(base) if base is not None else os.getcwd()) / p
    return Path(os.path.abspath(p))


def partial_path(dest: Path) -> Path:
    """Return a fresh hidden temporary name next to ``dest`` that keeps its suffix."""
    token = secrets.token_hex(4)
    return dest.parent / f".{dest.stem}{PARTIAL}{token}{dest.suffix}"


def commit(tmp: Path, dest: Path) -> None:
    """Move a finished temporary file or folder to its final name (atomic on one file system)."""
    os.replace(tmp, dest)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def atomic_output(dest: str | os.PathLike[str]) -> Iterator[Path]:
    """Write a file (or a Zarr folder) under a temporary name; move it into place at the end.

    Parameters
    ----------
    dest
        The final path (resolved with :func:`user_path`); its folder is created.

    Yields
    ------
    pathlib.Path
        The temporary path to write to (same folder, same suffix, hidden name).

    Notes
    -----
    When the block raises, the temporary output is removed and ``dest`` is untouched; when the
    process is killed, only the hidden temporary name can remain.
    """
    final = user_path(dest)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(final)
    try:
        yield tmp
        if final.is_dir() and not final.is_symlink():
            old = partial_path(final)
            os.replace(final, old)
            commit(tmp, final)
            _remove(old)
        else:
            commit(tmp, final)
    except BaseException:
        _remove(tmp)
        raise


def foreign_entries(folder: Path, owned: Callable[[str], bool]) -> list[str]:
    """Names in ``folder`` that ``owned`` does not claim (hidden partial outputs are ignored)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if PARTIAL not in p.name and not owned(p.name))


def refuse_foreign(
    folder: Path,
    owned: Callable[[str], bool],
    *,
    option: str = "--out",
    force_option: str | None = None,
) -> None:
    """Raise :class:`~workbench.errors.SpecError` if ``folder`` holds entries not ours.

    The message lists (up to five of) the entries and says how to go on (``force_option``, when
    given, is the option that writes into such a folder anyway).
    """
    from workbench.errors import SpecError

    if folder.exists() and not folder.is_dir():
        msg = f"{option} {folder} is a file; it must be a folder (new, or one this command wrote)."
        raise SpecError(msg)
    extra = foreign_entries(folder, owned)
    if extra:
        shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        fix = f"choose another {option} folder (a new or empty one)"
        if force_option:
            fix += f", or pass {force_option} to write into this one anyway"
        msg = (
            f"{option} {folder} already holds files this command did not write ({shown}). "
            "Rule: an output folder is new, empty, or holds only this command's earlier output. "
            f"Fix: {fix}."
        )
        raise SpecError(msg)


@contextmanager
def staged_folder(
    dest: str | os.PathLike[str], *, owned: Iterable[str], option: str = "--out"
) -> Iterator[Path]:
    """Fill a hidden staging folder next to ``dest`` and rename it to ``dest`` at the end.

    Parameters
    ----------
    dest
        The output folder (resolved with :func:`user_path`).
    owned
        The names this command writes into the folder. An existing ``dest`` holding anything
        else is refused (its files would be lost when the folder is replaced).
    option
        The command-line option that named the folder, for messages.

    Yields
    ------
    pathlib.Path
        The staging folder to write into.

    Raises
    ------
    SpecError
        If ``dest`` is a file, holds entries not in ``owned``, or is (or holds) the working
        directory.
    """
    from workbench.errors import SpecError

    final = user_path(dest)
    cwd = Path(os.getcwd())
    if final == cwd or final in cwd.parents:
        msg = (
            f"{option} {final} is the working directory (or holds it); this command replaces its "
            f"output folder as a whole. Fix: name a sub-folder, e.g. {option} plan/."
        )
        raise SpecError(msg)
    names = set(owned)
    refuse_foreign(final, names.__contains__, option=option)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = partial_path(final)
    staging.mkdir()
    try:
        yield staging
        if final.exists():
            old = partial_path(final)
            os.replace(final, old)
            commit(staging, final)
            _remove(old)
        else:
            commit(staging, final)
    except BaseException:
        _remove(staging)
        raise


def dumps_json(obj: Any, *, indent: int | None = 2, default: Callable[[Any], Any] = str) -> str:
    """JSON text that keeps non-ASCII characters as they are (``ensure_ascii=False``)."""
    return json.dumps(obj, indent=indent, ensure_ascii=False, default=default)


__all__ = [
    "PARTIAL",
    "atomic_output",
    "commit",
    "dumps_json",
    "foreign_entries",
    "partial_path",
    "refuse_foreign",
    "staged_folder",
    "user_path",
]
