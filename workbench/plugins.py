"""Registries of named components: built-ins and third-party plugins alike.

Every extensible kind of component (index steps and methods, siting models, coordination
mechanisms, agents, scenarios, sample data sets) has one :class:`Registry`. Built-ins register
into it at import time with ``builtin=True``; third-party packages declare entry points in the
group ``workbench.<kind>`` (for example ``workbench.mechanisms``), which the registry loads the
first time a name is looked up. Engines look names up only through their registry, so a plugin
is a first-class citizen: it shows up in spec files, scenario files, the CLI and the apps' pickers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from workbench.errors import PluginError, SpecError, unknown_name


@dataclass(frozen=True)
class PluginInfo:
    """Where a registered component came from."""

    name: str
    kind: str
    obj: Any
    builtin: bool
    source: str = "workbench"


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin that failed to load or validate, and why."""

    name: str
    kind: str
    source: str
    reason: str


@dataclass
class Registry:
    """A name -> component registry of one kind, with entry-point discovery.

    Parameters
    ----------
    kind
        The kind of component (``"mechanisms"``); the entry-point group is ``workbench.<kind>``.
    description
        A human-readable description used in error messages (``"coordination mechanism"``).
    validate
        Optional callable ``validate(name, obj)`` that raises :class:`PluginError` (or any
        exception) when a plugin object does not honour the kind's contract.
    """

    kind: str
    description: str
    validate: Callable[[str, Any], None] | None = None
    _items: dict[str, PluginInfo] = field(default_factory=dict, repr=False)
    _broken: dict[str, BrokenPlugin] = field(default_factory=dict, repr=False)
    _loaded: bool = field(default=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def group(self) -> str:
        """The entry-point group third-party packages use for this kind."""
        return f"workbench.{self.kind}"

    def register(self, name: str, obj: Any, *, builtin: bool = False, source: str = "workbench") -> Any:
        """Register ``obj`` under ``name``; returns ``obj`` so it can be used as a decorator body.

        Raises
        ------
        PluginError
            When ``name`` is already taken by another component of this kind.
        """
        with self._lock:
            existing = self._items.get(name)
            if existing is not None and existing.obj is not obj:
                msg = (
                    f"Cannot register {self.description} '{name}' from {source}: the name is "
                    f"already used by {existing.source}. Choose another name for the plugin."
                )
                raise PluginError(msg)
            if self.validate is not None:
                self.validate(name, obj)
            self._items[name] = PluginInfo(name, self.kind, obj, builtin, source)
        return obj

    def load_entry_points(self, *, force: bool = False) -> None:
        """Discover and register the plugins of this kind installed in the environment.

        A plugin that fails to import or validate is recorded in :attr:`broken` with the reason
        and skipped; it never breaks the built-ins or the other plugins.
        """
        with self._lock:
            if self._loaded and not force:
                return
            self._loaded = True
            for ep in entry_points(group=self.group):
                source = ep.dist.name if ep.dist is not None else ep.value
                if ep.name in self._items and self._items[ep.name].builtin:
                    reason = f"its name clashes with the built-in {self.description} '{ep.name}'"
                    self._broken[ep.name] = BrokenPlugin(ep.name, self.kind, source, reason)
                    continue
                try:
                    obj = ep.load()
                    self.register(ep.name, obj, builtin=False, source=source)
                except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the rest
                    reason = f"{type(exc).__name__}: {exc}"
                    self._broken[ep.name] = BrokenPlugin(ep.name, self.kind, source, reason)

    def get(self, name: str) -> Any:
        """Return the component registered as ``name``.

        Raises
        ------
        SpecError
            When no component of this kind has that name; the message suggests close names.
        """
        self.load_entry_points()
        info = self._items.get(name)
        if info is None:
            msg = unknown_name(self.description, name, self._items)
            if name in self._broken:
                msg += f" A plugin named '{name}' is installed but broken: {self._broken[name].reason}"
            raise SpecError(msg)
        return info.obj

    def names(self) -> list[str]:
        """Names of every registered component, built-ins first, each group sorted."""
        self.load_entry_points()
        items = self._items.values()
        return sorted(i.name for i in items if i.builtin) + sorted(
            i.name for i in items if not i.builtin
        )

    def info(self) -> list[PluginInfo]:
        """Every registered component with its origin."""
        self.load_entry_points()
        return [self._items[n] for n in self.names()]

    @property
    def broken(self) -> list[BrokenPlugin]:
        """Plugins of this kind that failed to load, with the reason."""
        self.load_entry_points()
        return list(self._broken.values())

    def __contains__(self, name: object) -> bool:
        self.load_entry_points()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())


_REGISTRIES: dict[str, Registry] = {}


def get_registry(
    kind: str, description: str | None = None, validate: Callable[[str, Any], None] | None = None
) -> Registry:
    """Return the registry of ``kind``, creating it on first use.

    Parameters
    ----------
    kind
        The kind of component, for example ``"mechanisms"`` or ``"index_steps"``.
    description
        Human-readable name used in messages; defaults to ``kind``.
    validate
        Optional contract check applied to every component registered from then on.
    """
    reg = _REGISTRIES.get(kind)
    if reg is None:
        reg = Registry(kind, description or kind, validate)
        _REGISTRIES[kind] = reg
    else:
        if validate is not None and reg.validate is None:
            reg.validate = validate
        if description is not None and reg.description == reg.kind:
            reg.description = description
    return reg


def registries() -> dict[str, Registry]:
    """Every registry created so far, by kind."""
    return dict(_REGISTRIES)


__all__ = ["BrokenPlugin", "PluginInfo", "Registry", "get_registry", "registries"]
