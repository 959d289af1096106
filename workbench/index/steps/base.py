"""The estimator-shaped base class of index steps and the method registries.

Every step follows scikit-learn's estimator habits: settings in ``__init__`` (validated there,
with clear :class:`~workbench.errors.SpecError` messages), ``fit(cube, framework)`` learns state
in trailing-underscore attributes and returns ``self``, ``transform(cube)`` is pure and raises
:class:`~workbench.errors.NotFittedError` before ``fit``.

Method registries (``workbench.plugins.get_registry``) and the protocol each method follows:

``index_steps``
    A :class:`Step` subclass; ``Step(**params)`` must accept the spec's settings.
``index_normalisers``
    ``f(x, ref, direction, **params) -> ndarray``: ``x`` is ``(n, m)`` values to normalise,
    ``ref`` is ``(r, m)`` reference values the bounds are learnt from (the fit data),
    ``direction`` is ``(m,)`` of +1/-1; returns ``(n, m)``. NaN in, NaN out.
``index_aggregators``
    ``f(x, w, **params) -> ndarray``: ``x`` is ``(..., k)`` child scores, ``w`` is ``(..., k)``
    (or ``(k,)``) non-negative weights; returns ``(...)``. Missing children (NaN) are skipped and
    the remaining weights renormalised.
``index_weights``
    ``f(values, framework, **params) -> dict | pandas.DataFrame``: ``values`` is a
    ``pandas.DataFrame`` (units x indicators, normalised); returns ``{node_code: weight}`` or a
    units x node-codes DataFrame of per-unit weights.
``index_tiers``
    ``f(scores, n_tiers, **params) -> ndarray``: ``scores`` is a 1-D array of top-node scores;
    returns ``n_tiers - 1`` ascending score thresholds; a city with score >= the highest
    threshold is in the first (best) tier.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.dims import INDICATOR
from workbench.errors import NotFittedError, SpecError
from workbench.plugin_contracts import Contract, registered_contract
from workbench.plugins import Registry, get_registry

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from workbench.index.framework import Framework


def check_method_params(kind: str, name: str, func: Callable[..., Any], params: dict) -> None:
    """Raise :class:`SpecError` when ``params`` are not keyword arguments of ``func``."""
    sig = inspect.signature(func)
    if any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    allowed = [p for p in sig.parameters if p not in PROTOCOL_ARGUMENTS and p != "ref_value"]
    for k in params:
        if k not in allowed:
            from workbench.errors import did_you_mean

            msg = (
                f"Unknown setting '{k}' for {kind} '{name}'.{did_you_mean(k, allowed)} "
                f"Valid settings: {', '.join(allowed) or '(none)'}."
            )
            raise SpecError(msg)


class Step:
    """Base class of index steps (estimator-shaped).

    Subclasses set :attr:`name`, accept their settings as keyword arguments in ``__init__``
    (stored under the same names, so :meth:`get_params` can round-trip them into a spec), and
    implement :meth:`_fit` and :meth:`_transform`.
    """

    name: str = "step"
    _fitted_attr: str = "fitted_"

    def get_params(self) -> dict[str, Any]:
        """Return the step's settings, as they appear in a pipeline spec."""
        sig = inspect.signature(type(self).__init__)
        out = {}
        for p in list(sig.parameters)[1:]:
            if sig.parameters[p].kind in (
                inspect.Parameter.VAR_KEYWORD,
                inspect.Parameter.VAR_POSITIONAL,
            ):
                continue
            out[p] = getattr(self, p)
        return out

    def fit(self, cube: xr.Dataset, framework: Framework | None = None) -> Step:
        """Learn the step's state from ``cube``; returns ``self``.

        Parameters
        ----------
        cube
            Indicator cube ``value(city, indicator[, year])``.
        framework
            The index framework; defaults to the one stored in ``cube.attrs['framework']``.
        """
        from workbench.data.schema import check_cube

        check_cube(cube, source="cube", structure_only=True)
        self.framework_ = resolve_framework(cube, framework)
        self._fit(cube, self.framework_)
        self.fitted_ = True
        return self

    def transform(self, cube: xr.Dataset) -> xr.Dataset:
        """Apply the fitted step to ``cube`` and return a new cube (``cube`` is not changed)."""
        from workbench.data.schema import check_cube

        if not getattr(self, "fitted_", False):
            msg = (
                f"This {type(self).__name__} is not fitted yet. Call .fit(cube, framework) "
                "before .transform(cube), or use .fit_transform(cube, framework)."
            )
            raise NotFittedError(msg)
        check_cube(cube, source="cube", structure_only=True)
        return self._transform(cube)

    def fit_transform(self, cube: xr.Dataset, framework: Framework | None = None) -> xr.Dataset:
        """``fit(cube, framework)`` then ``transform(cube)``."""
        return self.fit(cube, framework).transform(cube)

    def _fit(self, cube: xr.Dataset, framework: Framework) -> None:  # pragma: no cover
        raise NotImplementedError

    def _transform(self, cube: xr.Dataset) -> xr.Dataset:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def _protocol(kind: str) -> tuple[str, ...]:
    contract = registered_contract(kind)
    return contract.params if contract is not None else ()


STEPS = get_registry(
    "index_steps",
    "index step",
    contract=Contract(
        "index_steps",
        "class",
        base=Step,
        methods={"fit": ("cube",), "transform": ("cube",)},
        overrides=("_fit", "_transform"),
        doc="a Step subclass; Step(**settings); fit(cube, framework) -> self; transform(cube)",
    ),
)


def _method_registry(kind: str, description: str, params: tuple[str, ...], doc: str) -> Registry:
    """Create the registry of a kind of index method (a function) with its contract."""
    return get_registry(
        kind, description, contract=Contract(kind, "callable", params=params, doc=doc)
    )


NORMALISERS = _method_registry(
    "index_normalisers",
    "normalisation method",
    ("x", "ref", "direction"),
    "f(x, ref, direction, **params) -> ndarray (n, m); bounds learnt from ref",
)
AGGREGATORS = _method_registry(
    "index_aggregators",
    "aggregation method",
    ("x", "w"),
    "f(x, w, **params) -> ndarray: x (..., k) child scores, w weights; NaN skipped",
)
WEIGHTS = _method_registry(
    "index_weights",
    "weighting method",
    ("values", "framework"),
    "f(values, framework, **params) -> {node: weight} or units x nodes DataFrame",
)
TIERS = _method_registry(
    "index_tiers",
    "tiering method",
    ("scores", "n_tiers"),
    "f(scores, n_tiers, **params) -> n_tiers - 1 ascending thresholds",
)

#: Arguments the method protocols pass (the contracts' ``params``); every other argument of a
#: method is a setting.
PROTOCOL_ARGUMENTS = frozenset(
    p for reg in (NORMALISERS, AGGREGATORS, WEIGHTS, TIERS) for p in _protocol(reg.kind)
)


def resolve_framework(cube: xr.Dataset, framework: Any) -> Framework:
    """Return ``framework`` or the framework stored in ``cube.attrs['framework']``."""
    from workbench.index.framework import as_framework

    if framework is None:
        framework = cube.attrs.get("framework")
    return as_framework(framework)


def check_choice(argument: str, value: Any, choices: tuple[Any, ...]) -> None:
    """Raise :class:`SpecError` unless ``value`` is one of ``choices``."""
    if value not in choices:
        from workbench.errors import did_you_mean

        msg = (
            f"`{argument}` must be one of {', '.join(map(repr, choices))}; got {value!r}."
            f"{did_you_mean(str(value), [str(c) for c in choices])}"
        )
        raise SpecError(msg)


def check_fraction(argument: str, value: Any, *, low: float = 0.0, high: float = 1.0) -> float:
    """Raise :class:`SpecError` unless ``value`` is a number in ``[low, high]``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        msg = f"`{argument}` must be a number between {low:g} and {high:g}; got {value!r}."
        raise SpecError(msg) from None
    if not low <= v <= high:
        msg = (
            f"`{argument}` must be between {low:g} and {high:g}; got {value!r}. Use e.g. 0.9 for "
            "90%."
        )
        raise SpecError(msg)
    return v


def indicator_directions(cube: xr.Dataset, framework: Framework, codes: list[str]) -> Any:
    """Directions (+1/-1) of ``codes``: from the framework, else the cube's ``direction`` coord."""
    import numpy as np

    out = []
    fw = set(framework.codes)
    for c in codes:
        if c in fw:
            out.append(framework.node(c).direction)
        elif "direction" in cube.coords:
            out.append(int(cube["direction"].sel({INDICATOR: c})))
        else:
            out.append(1)
    return np.asarray(out, dtype=float)


__all__ = [
    "AGGREGATORS",
    "NORMALISERS",
    "STEPS",
    "TIERS",
    "WEIGHTS",
    "Step",
    "check_choice",
    "check_fraction",
    "check_method_params",
    "resolve_framework",
]
