"""The contract each kind of plugin must honour, checked when the plugin loads.

A :class:`Contract` says what shape the registered object has (a class, a callable or an
instance), which base class it must derive from, which methods it must have, which parameters
those methods take and which values its class attributes may take. :func:`check_contract`
raises :class:`~workbench.errors.PluginError` with a message that names the plugin, the rule
and the fix. :meth:`workbench.plugins.Registry.register` runs it on every component, built-in or
plugin, so this module is the one place a kind's contract is checked; for an entry-point
plugin the registry records the message as the reason the plugin is broken and skips it.

The engines own their contracts: each engine passes a :class:`Contract` (holding its own base
class) when it creates the registry of a kind it owns, ``get_registry(kind, ..., contract=...)``.
This module names no engine; :data:`CONTRACTS` fills itself by importing the engines
(:data:`workbench.ENGINES`) the first time it is read.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
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
        The base class the object (or its class) must derive from, or ``None``.
    methods
        ``{method: (parameter, ...)}``: methods the object must have, each taking at least
        these positional parameters (after ``self``).
    params
        For callables: the leading positional parameters the callable must accept.
    overrides
        Methods the plugin class must define itself rather than inherit from ``base`` (where
        the base only has a placeholder, like ``mesa.Agent.step``).
    instance_of
        For instances: the accepted types (any of them).
    attributes
        ``{attribute: (allowed value, ...)}``: attributes the object must have, each set to one
        of the allowed values (``{"sense": ("min", "max")}``).
    doc
        One line describing the contract, shown by ``workbench plugins check`` and the guide.

    Examples
    --------
    >>> from workbench.plugin_contracts import Contract, check_contract
    >>> contract = Contract("demo_rankers", "callable", params=("scores",), doc="f(scores)")
    >>> check_contract("demo_rankers", "sorted", sorted, contract=contract) is None
    True
    """

    kind: str
    shape: Shape
    base: type | None = None
    methods: dict[str, tuple[str, ...]] = field(default_factory=dict)
    params: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    instance_of: tuple[type, ...] = ()
    attributes: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    doc: str = ""


class _ContractTable(Mapping[str, Contract]):
    """``{kind: Contract}``, filled by the engines; reading it imports them once."""

    def __init__(self) -> None:
        self._contracts: dict[str, Contract] = {}
        self._engines_loaded = False

    def _load(self) -> None:
        if not self._engines_loaded:
            self._engines_loaded = True
            from workbench.plugins import load_builtins

            load_builtins()

    def set(self, contract: Contract) -> None:
        self._contracts[contract.kind] = contract

    def peek(self, kind: str) -> Contract | None:
        """Return the contract of ``kind`` if one is registered already (imports nothing)."""
        return self._contracts.get(kind)

    def __getitem__(self, kind: str) -> Contract:
        if kind not in self._contracts:
            self._load()
        return self._contracts[kind]

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(dict(self._contracts))

    def __len__(self) -> int:
        self._load()
        return len(self._contracts)


#: The contract of every kind, as the engines registered them; see docs/plugins.md.
_TABLE = _ContractTable()
CONTRACTS: Mapping[str, Contract] = _TABLE


def register_contract(contract: Contract) -> None:
    """Set (or replace) the contract of ``contract.kind``.

    Engines call this through :func:`workbench.plugins.get_registry` (``contract=``).

    Parameters
    ----------
    contract
        The contract of one kind.
    """
    if not isinstance(contract, Contract):
        msg = (
            f"`contract` must be a workbench.plugin_contracts.Contract; got "
            f"{type(contract).__name__}. Build one with Contract(kind, shape, ...)."
        )
        raise TypeError(msg)
    _TABLE.set(contract)


def registered_contract(kind: str) -> Contract | None:
    """Return the contract registered for ``kind`` so far, without importing the engines.

    :data:`CONTRACTS` imports the engines the first time it misses a kind; the registry uses
    this instead while an engine is registering its built-ins (the engine registers the
    contract of a kind before the kind's built-ins, so nothing is missed).

    Parameters
    ----------
    kind
        The registry kind.

    Returns
    -------
    Contract or None
        ``None`` when no engine has registered a contract for ``kind`` yet.
    """
    return _TABLE.peek(kind)


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


_MISSING = object()


def _dotted(typ: type) -> str:
    return f"{typ.__module__}.{typ.__qualname__}"


def check_contract(kind: str, name: str, obj: Any, *, contract: Contract | None = None) -> None:
    """Raise :class:`PluginError` unless ``obj`` honours the contract of ``kind``.

    Parameters
    ----------
    kind
        The registry kind.
    name
        The plugin's name (for the message).
    obj
        The loaded object.
    contract
        The contract to check against; by default the one registered for ``kind`` (a kind
        without a contract accepts anything).
    """
    if contract is None:
        contract = CONTRACTS.get(kind)
    if contract is None:
        return
    label = f"{kind} plugin '{name}'"
    got = f"{type(obj).__name__} {obj!r}"[:120]
    base = contract.base
    if contract.shape == "class" and not isinstance(obj, type):
        deriving = f" deriving from {_dotted(base)}" if base is not None else ""
        msg = (
            f"wrong type: {label} must be a class{deriving} ({contract.doc}); got {got}. "
            "Register the class itself (in a plugin, point the entry point at the class)."
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
        types = contract.instance_of
        if not isinstance(obj, types):
            names = " or ".join(_dotted(t) for t in types)
            msg = (
                f"wrong type: {label} must be a {names} ({contract.doc}); got {got}. "
                "Point the entry point at such an object."
            )
            raise PluginError(msg)
    if base is not None:
        cls = obj if isinstance(obj, type) else type(obj)
        if not issubclass(cls, base):
            msg = (
                f"wrong type: {label} must derive from {_dotted(base)}; "
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
    for attr, allowed in contract.attributes.items():
        value = getattr(obj, attr, _MISSING)
        if value is _MISSING or value not in allowed:
            shown = "does not set it" if value is _MISSING else f"got {value!r}"
            msg = (
                f"wrong value: {label} must set {attr} to one of "
                f"{', '.join(repr(a) for a in allowed)}; {shown}. Set it ({contract.doc})."
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
    "registered_contract",
]
