"""Report parameters: parse ``key=value`` strings, check them against the notebook, expand batches.

A report template declares its parameters in the one cell tagged ``parameters``, with type
annotations (``draws: int = 200``). :func:`notebook_parameters` reads that declaration with
:func:`papermill.inspect_notebook`; :func:`validate_parameters` refuses names the notebook does not
declare (papermill itself only warns) and values of the wrong type, before any kernel starts.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.data.paths import user_path
from workbench.errors import SpecError, did_you_mean

RUNNER_PARAMETERS: frozenset[str] = frozenset({"results_path"})
"""Parameters the runner sets itself (the path where a run writes its results)."""

_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
}


def notebook_parameters(notebook: str | os.PathLike[str]) -> dict[str, dict[str, str]]:
    """Return the parameters a notebook declares in its cell tagged ``parameters``.

    Parameters
    ----------
    notebook
        Path of the ``.ipynb`` file.

    Returns
    -------
    dict
        ``name -> {"name", "inferred_type_name", "default", "help"}`` as papermill reports it.
    """
    import papermill

    return dict(papermill.inspect_notebook(str(notebook)))


def parse_assignments(items: Iterable[str], *, option: str = "-p") -> dict[str, Any]:
    """Parse ``key=value`` strings; values are typed as YAML (``3`` -> int, ``[a, b]`` -> list).

    Parameters
    ----------
    items
        Strings such as ``"draws=200"`` or ``"city=310000"``.
    option
        The command-line option the strings came from, for error messages.

    Returns
    -------
    dict
        ``name -> value``. Each value is kept with its raw text (see :class:`RawValue`) so that a
        parameter declared ``str`` receives ``"310000"``, not the integer YAML would make of it.

    Raises
    ------
    SpecError
        If an item has no ``=`` or an empty name, or its value is not valid YAML.
    """
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            msg = (
                f"`{option}` takes key=value; got {item!r}. "
                f"Write for example `{option} draws=200` or `{option} city=310000`."
            )
            raise SpecError(msg)
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as exc:
            msg = (
                f"`{option} {key}=...`: the value {raw!r} is not valid YAML "
                f"({exc.__class__.__name__})."
                " Quote it, e.g. key='text: with colon'."
            )
            raise SpecError(msg) from None
        out[key] = RawValue(value, raw)
    return out


class RawValue:
    """A value parsed from the command line, with the text it was parsed from."""

    __slots__ = ("raw", "value")

    def __init__(self, value: Any, raw: str) -> None:
        self.value = value
        self.raw = raw

    def __repr__(self) -> str:
        return f"RawValue({self.value!r}, raw={self.raw!r})"


def _coerce(name: str, value: Any, declared: str, default: str) -> Any:
    raw = value.raw if isinstance(value, RawValue) else None
    val = value.value if isinstance(value, RawValue) else value
    if declared == "str":
        if isinstance(val, str):
            return val
        if raw is not None:
            return raw.strip()
        if isinstance(val, (int, float)) and not isinstance(val, bool):
            return str(val)
        if isinstance(val, os.PathLike):
            return os.fspath(val)
    elif declared in _TYPES:
        ok = isinstance(val, _TYPES[declared]) and not (
            declared in ("int", "float") and isinstance(val, bool)
        )
        if ok:
            if declared == "float":
                return float(val)
            if declared == "list":
                return list(val)
            return val
    else:  # no annotation in the notebook: take the YAML-typed value as it is
        return val
    got = raw if raw is not None else repr(val)
    msg = (
        f"Parameter `{name}` must be of type {declared} (declared in the notebook's parameters "
        f"cell as `{name}: {declared} = {default}`); got {got!r} ({type(val).__name__}). "
        f"Pass for example `-p {name}={_example(declared, default)}`."
    )
    raise SpecError(msg)


def _example(declared: str, default: str) -> str:
    return {"int": "10", "float": "0.5", "bool": "true", "list": "[a, b]", "dict": "{a: 1}"}.get(
        declared, default
    )


def validate_parameters(
    notebook: str | os.PathLike[str],
    parameters: Mapping[str, Any] | None,
    *,
    declared: Mapping[str, Mapping[str, str]] | None = None,
    allow_runner: bool = False,
) -> dict[str, Any]:
    """Check parameter names and types against the notebook; return plain, typed values.

    Parameters
    ----------
    notebook
        Path of the report template.
    parameters
        ``name -> value`` (values from :func:`parse_assignments` or plain Python values).
    declared
        The notebook's parameters if already inspected (skips reading the notebook again).
    allow_runner
        Accept the runner's own parameters (``results_path``); only the runner sets them.

    Returns
    -------
    dict
        The parameters with values coerced to the declared types. String values that name an
        existing file are made absolute, so that a run on another worker finds the same file.

    Raises
    ------
    SpecError
        For a name the notebook does not declare (with a did-you-mean suggestion) or a value of
        the wrong type.
    """
    decl = dict(declared if declared is not None else notebook_parameters(notebook))
    out: dict[str, Any] = {}
    user_names = sorted(set(decl) - RUNNER_PARAMETERS)
    for name, value in (parameters or {}).items():
        if name in RUNNER_PARAMETERS and name in decl and not allow_runner:
            msg = (
                f"Parameter `{name}` of report {Path(notebook).stem!r} is set by the runner (it "
                "points into the run's output folder); remove it and use --out to choose where "
                "results go."
            )
            raise SpecError(msg)
        if name not in decl:
            msg = (
                f"Unknown parameter '{name}' for report {Path(notebook).stem!r}."
                f"{did_you_mean(name, user_names)} "
                f"Parameters of this report: {', '.join(user_names) or '(none)'}. "
                f"See `workbench report list`."
            )
            raise SpecError(msg)
        info = decl[name]
        val = _coerce(name, value, info.get("inferred_type_name", "None"), info.get("default", ""))
        if isinstance(val, str) and val and _looks_like_path(val) and user_path(val).exists():
            val = str(user_path(val))  # the kernel and Dask workers run in other folders
        out[name] = val
    return out


def _looks_like_path(text: str) -> bool:
    return len(text) < 4096 and "\n" not in text and bool(re.search(r"[./\\~]", text))


def expand_each(
    each: Sequence[str] | Mapping[str, Any],
    *,
    all_values: Callable[[str], list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Expand ``--each`` options into parameter sets (the product over all ``--each`` options).

    Parameters
    ----------
    each
        Strings ``"city=all"`` / ``"city=310000,110000"`` or a mapping ``name -> list | "all"``.
    all_values
        ``all_values(name) -> list`` gives every value of a name for ``all``.

    Returns
    -------
    list of dict
        One ``name -> RawValue`` dict per run, in a stable order.

    Raises
    ------
    SpecError
        If an item is malformed, a list is empty, or ``all`` is not known for the name.
    """
    pairs: list[tuple[str, list[Any]]] = []
    items = each.items() if isinstance(each, Mapping) else [_split_each(s) for s in each]
    for name, values in items:
        if isinstance(values, str) and values.strip().lower() == "all":
            if all_values is None:
                msg = f"`--each {name}=all` needs a list of every {name}; none is known here."
                raise SpecError(msg)
            values = list(all_values(name))
        elif isinstance(values, str):
            values = [v.strip() for v in values.split(",") if v.strip()]
        if not values:
            msg = f"`--each {name}=...` lists no values. Write `--each {name}=A,B,C` or `=all`."
            raise SpecError(msg)
        pairs.append((name, [RawValue(v, str(v)) for v in values]))
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names):
        msg = f"`--each` names a parameter twice ({', '.join(names)}); give each name once."
        raise SpecError(msg)
    combos = itertools.product(*(v for _, v in pairs))
    return [dict(zip(names, combo, strict=True)) for combo in combos]


def _split_each(item: str) -> tuple[str, str]:
    key, sep, raw = str(item).partition("=")
    if not sep or not key.strip():
        msg = f"`--each` takes name=all or name=A,B,C; got {item!r}. Example: `--each city=all`."
        raise SpecError(msg)
    return key.strip(), raw


def plain(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``parameters`` with :class:`RawValue` wrappers replaced by their values."""
    return {k: (v.value if isinstance(v, RawValue) else v) for k, v in parameters.items()}


_UNSAFE = re.compile(r"[^\w.+-]+")


def run_slug(parameters: Mapping[str, Any], names: Sequence[str]) -> str:
    """Return a folder name for one run of a batch, from the values of the ``--each`` names."""
    parts = []
    for name in names:
        value = parameters[name]
        text = value.raw if isinstance(value, RawValue) else str(value)
        # letters and digits of any script stay (city=成都); separators and the like become _
        parts.append(f"{name}={_UNSAFE.sub('_', text.strip())}")
    return "__".join(parts) or "run"


__all__ = [
    "RUNNER_PARAMETERS",
    "RawValue",
    "expand_each",
    "notebook_parameters",
    "parse_assignments",
    "plain",
    "run_slug",
    "validate_parameters",
]
