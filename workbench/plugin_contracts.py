"""The contract each kind of plugin must honour, checked when the plugin loads.

A :class:`Contract` says what shape the registered object has (a class, a callable or an
instance), which base class it must derive from (the engine's own base class, imported lazily
so that this module stays cheap), which methods it must have and which parameters those
methods take. :func:`check_contract` raises :class:`~workbench.errors.PluginError` with a
message that names the plugin, the rule and the fix; the registry records that message as the
reason the plugin is broken and skips it.

The engines own their base classes; this module only points at them. Where an engine has not
(yet) defined a base class, a :class:`typing.Protocol` here describes the structural contract.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from workbench.errors import PluginError

Shape = Literal["class", "callable", "instance", "any"]


@runtime_checkable
class AgentPlugin(Protocol):
    """Structural contract of an agent type: a Mesa agent class with ``step()``."""

    def step(self) -> None:
        """Advance the agent by one tick."""


@dataclass(frozen=True)
class Contract:
    """What a plugin of one kind must look like.

    Attributes
    ----------
    kind
        Registry kind (``"agents"``).
    shape
        ``"class"`` (the registered object is a class), ``"callable"`` (a function or other
        callable), ``"instance"`` (an object that is not a class) or ``"any"``.
    base
        ``"module:Name"`` of the base class the object (or its class) must derive from, or
        ``""``. Resolved lazily; when the module cannot be imported the base is not enforced
        and only the methods are checked.
    methods
        ``{method: (parameter, ...)}``: methods the object must have, each taking at least
        these positional parameters (after ``self``).
    params
        For callables: the leading positional parameters the callable must accept.
    instance_of
        For instances: ``"module:Name"`` of the accepted types (any of them).
    overrides
        Methods the plugin class must define itself rather than inherit from ``base`` (where
        the base only has a placeholder, like ``mesa.Agent.step``).
    doc
        One line describing the contract, shown by ``workbench plugins check`` and the guide.
    """

    kind: str
    shape: Shape
    base: str = ""
    methods: dict[str, tuple[str, ...]] = field(default_factory=dict)
    params: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    instance_of: tuple[str, ...] = ()
    doc: str = ""

    def resolve_base(self) -> type | None:
        """Import and return the base class, or ``None`` if there is none or it is missing."""
        return _resolve(self.base) if self.base else None


def _resolve(path: str) -> type | None:
    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


#: The contract of every kind. Engines point at their base classes; see docs/plugins.md.
CONTRACTS: dict[str, Contract] = {
    "index_steps": Contract(
        "index_steps",
        "class",
        base="workbench.index.steps.base:Step",
        methods={"fit": ("cube",), "transform": ("cube",)},
        overrides=("_fit", "_transform"),
        doc="a Step subclass; Step(**settings); fit(cube, framework) -> self; transform(cube)",
    ),
    "index_normalisers": Contract(
        "index_normalisers",
        "callable",
        params=("x", "ref", "direction"),
        doc="f(x, ref, direction, **params) -> ndarray (n, m); bounds learnt from ref",
    ),
    "index_aggregators": Contract(
        "index_aggregators",
        "callable",
        params=("x", "w"),
        doc="f(x, w, **params) -> ndarray: x (..., k) child scores, w weights; NaN skipped",
    ),
    "index_weights": Contract(
        "index_weights",
        "callable",
        params=("values", "framework"),
        doc="f(values, framework, **params) -> {node: weight} or units x nodes DataFrame",
    ),
    "index_tiers": Contract(
        "index_tiers",
        "callable",
        params=("scores", "n_tiers"),
        doc="f(scores, n_tiers, **params) -> n_tiers - 1 ascending thresholds",
    ),
    "siting_models": Contract(
        "siting_models",
        "class",
        base="workbench.siting.models.base:SitingModel",
        methods={"solve": ("problem",)},
        overrides=("solve",),
        doc="a SitingModel subclass; Model(**settings).solve(problem, *, time_limit, "
        "mip_rel_gap, threads) -> SitingResult; class attributes name, sense, description",
    ),
    "agents": Contract(
        "agents",
        "class",
        base="mesa:Agent",
        methods={"step": ()},
        overrides=("step",),
        doc="a workbench.citymodel CityAgent subclass (a mesa.Agent): step(), "
        "claims(kind, t) -> ClaimBatch | None, receive(kind, t, granted, price)",
    ),
    "mechanisms": Contract(
        "mechanisms",
        "class",
        base="workbench.citymodel.mechanisms.base:Mechanism",
        methods={"allocate": ("claims",)},
        overrides=("allocate",),
        doc="a Mechanism subclass: allocate(claims: ClaimSet) -> Allocation; class "
        "attributes name, description",
    ),
    "scenarios": Contract(
        "scenarios",
        "instance",
        instance_of=("workbench.citymodel.scenarios:Scenario", "builtins:str", "pathlib:Path"),
        doc="a workbench.citymodel Scenario (name, description, events) or a YAML path",
    ),
    "samples": Contract(
        "samples",
        "callable",
        doc="a loader f() -> data (DataFrame, GeoDataFrame, Dataset or dict)",
    ),
}


def register_contract(contract: Contract) -> None:
    """Set (or replace) the contract of ``contract.kind``; engines may call this."""
    CONTRACTS[contract.kind] = contract


def _positional(sig: inspect.Signature) -> tuple[list[str], bool]:
    names = []
    var = False
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            var = True
    return names, var


def _check_params(what: str, func: Any, wanted: tuple[str, ...], *, skip_self: bool) -> None:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return  # builtins without a signature: cannot check
    names, var = _positional(sig)
    if skip_self and names:
        names = names[1:]
    if len(names) < len(wanted) and not var:
        msg = (
            f"{what} must take the positional parameters ({', '.join(wanted)}); it takes "
            f"({', '.join(names)}). Add the missing parameters."
        )
        raise PluginError(msg)


def check_contract(kind: str, name: str, obj: Any) -> None:
    """Raise :class:`PluginError` unless ``obj`` honours the contract of ``kind``.

    Parameters
    ----------
    kind
        The registry kind.
    name
        The plugin's name (for the message).
    obj
        The loaded object.
    """
    contract = CONTRACTS.get(kind)
    if contract is None:
        return
    label = f"{kind} plugin '{name}'"
    got = f"{type(obj).__name__} {obj!r}"[:120]
    if contract.shape == "class" and not isinstance(obj, type):
        msg = (
            f"wrong type: {label} must be a class ({contract.doc}); got {got}. "
            "Point the entry point at the class."
        )
        raise PluginError(msg)
    if contract.shape == "instance" and isinstance(obj, type):
        msg = (
            f"wrong type: {label} must be an instance, not the class {obj.__name__}. "
            "Point the entry point at an instance (or a module attribute holding one)."
        )
        raise PluginError(msg)
    if contract.shape == "callable" and (not callable(obj) or isinstance(obj, type)):
        msg = (
            f"wrong type: {label} must be a function ({contract.doc}); got {got}. "
            "Point the entry point at the function."
        )
        raise PluginError(msg)
    if contract.instance_of:
        types = [t for t in (_resolve(p) for p in contract.instance_of) if t is not None]
        if types and not isinstance(obj, tuple(types)):
            names = " or ".join(f"{t.__module__}.{t.__qualname__}" for t in types)
            msg = (
                f"wrong type: {label} must be a {names} ({contract.doc}); got {got}. "
                "Point the entry point at such an object."
            )
            raise PluginError(msg)
    base = contract.resolve_base()
    if base is not None:
        cls = obj if isinstance(obj, type) else type(obj)
        if not issubclass(cls, base):
            msg = (
                f"wrong type: {label} must derive from {base.__module__}.{base.__qualname__}; "
                f"{cls.__qualname__} does not. Subclass it ({contract.doc})."
            )
            raise PluginError(msg)
    for method, params in contract.methods.items():
        func = getattr(obj, method, None)
        if func is None or not callable(func):
            msg = (
                f"missing method: {label} has no method {method}("
                f"{', '.join(params)}). Implement it ({contract.doc})."
            )
            raise PluginError(msg)
        if isinstance(obj, type):
            func = inspect.getattr_static(obj, method)
            if isinstance(func, staticmethod | classmethod):
                func = func.__func__
                _check_params(f"{label}: {method}()", func, params, skip_self=False)
                continue
            _check_params(f"{label}: {method}()", func, params, skip_self=True)
        else:
            _check_params(f"{label}: {method}()", func, params, skip_self=False)
    if base is not None and isinstance(obj, type):
        for method in contract.overrides:
            owner = next((c for c in obj.__mro__ if method in vars(c)), None)
            if owner is None or owner is base or issubclass(base, owner):
                msg = (
                    f"missing method: {label} ({obj.__qualname__}) does not implement "
                    f"{method}(); it only inherits the placeholder of {base.__qualname__}. "
                    f"Implement it ({contract.doc})."
                )
                raise PluginError(msg)
    if contract.shape == "callable" and contract.params:
        _check_params(label, obj, contract.params, skip_self=False)


def describe_contracts() -> list[tuple[str, str, str]]:
    """``(kind, shape, doc)`` for every kind, for the CLI and the guide."""
    return [(k, c.shape, c.doc) for k, c in sorted(CONTRACTS.items())]


__all__ = [
    "CONTRACTS",
    "AgentPlugin",
    "Contract",
    "check_contract",
    "describe_contracts",
    "register_contract",
]
