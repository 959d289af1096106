"""Registries of named components: built-ins and third-party plugins alike.

Every extensible kind of component (index steps and methods, siting models, coordination
mechanisms, agents, scenarios, sample data sets) has one :class:`Registry`. Built-ins register
into it at import time with ``builtin=True``; third-party packages declare entry points in the
group ``workbench.<kind>`` (for example ``workbench.mechanisms``), which the registry loads the
first time a name is looked up. Engines look names up only through their registry, so a plugin
is a first-class citizen: it shows up in spec files, scenario files, the CLI and the apps' pickers.

A plugin is validated when it loads, and a plugin that fails is recorded in
:attr:`Registry.broken` with a clear reason and skipped; it never breaks the built-ins or the
other plugins. The checks, in order:

1. the entry point imports (``ImportError`` and friends are reported with the message);
2. its name does not clash with a built-in or another plugin of the same kind;
3. it declares the workbench version it needs (``requires_workbench = ">=0.1,<0.2"`` on the
   object or its module, or a ``city-ai-workbench`` requirement in its distribution's
   metadata) and the running workbench satisfies it;
4. it honours the kind's contract (:mod:`workbench.plugin_contracts`: base class or protocol,
   required methods and their parameters, allowed attribute values).

:meth:`Registry.register` checks the contract of every component it registers, built-in or
plugin, with :func:`~workbench.plugin_contracts.check_contract`; the engines restate none of it.

This module names no engine. An engine creates the registry of each kind it owns and passes
the kind's :class:`~workbench.plugin_contracts.Contract` with it (``get_registry(kind, ...,
contract=...)``); :func:`load_builtins` imports the engines listed in :data:`workbench.ENGINES`.

See ``docs/plugins.md`` for the developer guide.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

from workbench._version import __version__
from workbench.errors import PluginError, SpecError, unknown_name

if TYPE_CHECKING:  # pragma: no cover
    from workbench.plugin_contracts import Contract

#: The distribution name of the workbench itself, as plugins list it in their dependencies.
WORKBENCH_DIST = "city-ai-workbench"

#: Every kind of pluggable component, with a human-readable description.
KINDS: dict[str, str] = {
    "index_steps": "index step",
    "index_normalisers": "normalisation method",
    "index_aggregators": "aggregation method",
    "index_weights": "weighting method",
    "index_tiers": "tiering method",
    "siting_models": "siting model",
    "agents": "agent type",
    "mechanisms": "coordination mechanism",
    "scenarios": "scenario",
    "samples": "sample data set",
}


@dataclass(frozen=True)
class PluginInfo:
    """Where a registered component came from and what it provides.

    Attributes
    ----------
    name
        The name the component is looked up by (in spec files, scenario files, the CLI).
    kind
        The registry kind, for example ``"mechanisms"``.
    obj
        The registered object (class, function or instance).
    builtin
        ``True`` for components shipped with the workbench.
    source
        ``"workbench"`` for built-ins, else the distribution that provides the plugin.
    version
        The providing distribution's version (the workbench's for built-ins).
    requires_workbench
        The workbench versions the plugin declares it works with (a PEP 440 specifier), or
        ``""`` for built-ins.
    summary
        The first line of the component's docstring.
    target
        The entry point's ``module:attribute`` (or the object's qualified name).
    """

    name: str
    kind: str
    obj: Any
    builtin: bool
    source: str = "workbench"
    version: str = ""
    requires_workbench: str = ""
    summary: str = ""
    target: str = ""

    @property
    def status(self) -> str:
        """``"built-in"`` or ``"plugin"``."""
        return "built-in" if self.builtin else "plugin"


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin that failed to load or validate, and why."""

    name: str
    kind: str
    source: str
    reason: str
    target: str = ""

    def __str__(self) -> str:
        where = f" ({self.target})" if self.target else ""
        return f"{self.kind}/{self.name} from {self.source}{where}: {self.reason}"


def summary_of(obj: Any) -> str:
    """Return ``obj.description`` if it is a non-empty string, else its docstring's first line."""
    desc = getattr(obj, "description", None)
    if isinstance(desc, str) and desc.strip():
        return " ".join(desc.split())
    doc = getattr(obj, "__doc__", None) or ""
    if not isinstance(doc, str):
        return ""
    for line in doc.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def _qualname(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or type(obj).__module__
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}:{name}"


def declared_requirement(obj: Any, ep: EntryPoint | None = None) -> tuple[str, str] | None:
    """Find the workbench version specifier a plugin declares, and where it declares it.

    Looked up, in order, as ``obj.requires_workbench``, then ``requires_workbench`` (or
    ``__requires_workbench__``) in the object's module and its top-level package, then a
    ``city-ai-workbench`` requirement in the distribution's metadata.

    Parameters
    ----------
    obj
        The loaded plugin object.
    ep
        The entry point it was loaded from, if any.

    Returns
    -------
    tuple of (str, str) or None
        ``(specifier, where)``, or ``None`` when the plugin declares nothing.
    """
    spec = getattr(obj, "requires_workbench", None)
    if isinstance(spec, str):
        return spec, f"{_qualname(obj)}.requires_workbench"
    candidates = []
    for module_name in (getattr(ep, "module", None), getattr(obj, "__module__", None)):
        if isinstance(module_name, str) and module_name:
            candidates.append(module_name)
            candidates.append(module_name.split(".")[0])
    for mod_name in dict.fromkeys(candidates):
        module = sys.modules.get(mod_name)
        for attr in ("requires_workbench", "__requires_workbench__"):
            value = getattr(module, attr, None)
            if isinstance(value, str):
                return value, f"{mod_name}.{attr}"
    dist = getattr(ep, "dist", None)
    if dist is not None:
        from packaging.requirements import InvalidRequirement, Requirement

        for line in dist.requires or []:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.name.lower().replace("_", "-") == WORKBENCH_DIST and req.marker is None:
                return str(req.specifier), f"the requirements of distribution {dist.name}"
    return None


def check_workbench_version(spec: str, where: str, version: str = __version__) -> None:
    """Raise :class:`PluginError` unless workbench ``version`` satisfies ``spec``.

    Parameters
    ----------
    spec
        A PEP 440 specifier such as ``">=0.1,<0.2"``; ``""`` accepts every version.
    where
        Where the specifier was declared, for the message.
    version
        The workbench version to check (the running one by default).
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specifier = SpecifierSet(spec)
    except InvalidSpecifier:
        msg = (
            f"{where} = {spec!r} is not a valid version specifier (PEP 440). "
            "Write it like '>=0.1,<0.2'."
        )
        raise PluginError(msg) from None
    if not specifier.contains(version, prereleases=True):
        msg = (
            f"it requires workbench {spec} ({where}) but workbench {version} is installed. "
            "Install a plugin release made for this workbench, or relax the pin if it works."
        )
        raise PluginError(msg)


@dataclass
class Registry:
    """A name -> component registry of one kind, with entry-point discovery.

    Parameters
    ----------
    kind
        The kind of component (``"mechanisms"``); the entry-point group is ``workbench.<kind>``.
    description
        A human-readable description used in error messages (``"coordination mechanism"``).

    The kind's :class:`~workbench.plugin_contracts.Contract` is the one registered with
    :func:`get_registry` (``contract=``) by the engine that owns the kind.
    """

    kind: str
    description: str
    _items: dict[str, PluginInfo] = field(default_factory=dict, repr=False)
    _broken: dict[str, BrokenPlugin] = field(default_factory=dict, repr=False)
    _loaded: bool = field(default=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def group(self) -> str:
        """The entry-point group third-party packages use for this kind."""
        return f"workbench.{self.kind}"

    def register(
        self,
        name: str,
        obj: Any,
        *,
        builtin: bool = False,
        source: str = "workbench",
        version: str = "",
        requires_workbench: str = "",
        target: str = "",
    ) -> Any:
        """Register ``obj`` under ``name``; returns ``obj`` so it can be used as a decorator body.

        Parameters
        ----------
        name
            The name to look the component up by.
        obj
            The component (class, function or instance, as the kind's contract says).
        builtin
            ``True`` for components shipped with the workbench.
        source
            Where the component comes from (a distribution name for plugins).
        version, requires_workbench, target
            Metadata shown by ``workbench plugins list``.

        Returns
        -------
        object
            ``obj`` itself.

        Raises
        ------
        PluginError
            When ``name`` is already taken by another component of this kind, or ``obj`` does
            not honour the kind's contract (:func:`~workbench.plugin_contracts.check_contract`).
        """
        from workbench.plugin_contracts import CONTRACTS, check_contract, registered_contract

        # A built-in registers while its engine is being imported, after the engine registered
        # the kind's contract: look it up without importing the engines (which would re-enter
        # the import). A plugin may register before any engine is imported: look it up fully.
        contract = registered_contract(self.kind) if builtin else CONTRACTS.get(self.kind)
        with self._lock:
            existing = self._items.get(name)
            if existing is not None and builtin and not existing.builtin:
                # A built-in registered after a plugin took its name: the built-in wins.
                reason = (
                    f"its name clashes with the built-in {self.description} '{name}'. "
                    "Rename the entry point in the plugin's pyproject.toml."
                )
                self._broken[name] = BrokenPlugin(
                    name, self.kind, existing.source, reason, existing.target
                )
                del self._items[name]
                existing = None
            if existing is not None and existing.obj is not obj:
                msg = (
                    f"Cannot register {self.description} '{name}' from {source}: the name is "
                    f"already used by {existing.source}. Choose another name for the plugin."
                )
                raise PluginError(msg)
            check_contract(self.kind, name, obj, contract=contract)
            self._items[name] = PluginInfo(
                name,
                self.kind,
                obj,
                builtin,
                source,
                version=version or (__version__ if builtin else ""),
                requires_workbench=requires_workbench,
                summary=summary_of(obj),
                target=target or _qualname(obj),
            )
        return obj

    def _load_one(self, ep: EntryPoint, source: str, version: str) -> None:
        obj = ep.load()
        declared = declared_requirement(obj, ep)
        if declared is None:
            msg = (
                f"it does not declare which workbench versions it supports. Set "
                f'`requires_workbench = ">=0.1,<0.2"` in its module, or list '
                f"'{WORKBENCH_DIST}>=0.1,<0.2' in the dependencies of its pyproject.toml."
            )
            raise PluginError(msg)
        spec, where = declared
        check_workbench_version(spec, where)
        self.register(
            ep.name,
            obj,
            builtin=False,
            source=source,
            version=version,
            requires_workbench=spec,
            target=ep.value,
        )

    def load_entry_points(self, *, force: bool = False) -> None:
        """Discover and register the plugins of this kind installed in the environment.

        A plugin that fails to import or validate is recorded in :attr:`broken` with the reason
        and skipped; it never breaks the built-ins or the other plugins.

        Parameters
        ----------
        force
            Scan the environment again (after installing a plugin in a running session).
        """
        with self._lock:
            if self._loaded and not force:
                return
            self._loaded = True
            if force:
                self._broken.clear()
            for ep in entry_points(group=self.group):
                dist = getattr(ep, "dist", None)
                source = dist.name if dist is not None else ep.value
                version = dist.version if dist is not None else ""
                existing = self._items.get(ep.name)
                if existing is not None and existing.target == ep.value and not existing.builtin:
                    continue  # already loaded from this entry point by an earlier scan
                if existing is not None and existing.builtin:
                    reason = (
                        f"its name clashes with the built-in {self.description} '{ep.name}'. "
                        "Rename the entry point in the plugin's pyproject.toml."
                    )
                    self._broken[ep.name] = BrokenPlugin(
                        ep.name, self.kind, source, reason, ep.value
                    )
                    continue
                try:
                    self._load_one(ep, source, version)
                except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the rest
                    if isinstance(exc, PluginError):
                        reason = str(exc)
                    else:
                        reason = f"it failed to load: {type(exc).__name__}: {exc}"
                    self._broken[ep.name] = BrokenPlugin(
                        ep.name, self.kind, source, reason, ep.value
                    )

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
                msg += (
                    f" A plugin named '{name}' is installed but broken: {self._broken[name].reason}"
                )
            raise SpecError(msg)
        return info.obj

    def names(self) -> list[str]:
        """Names of every registered component, built-ins first, each group sorted."""
        self.load_entry_points()
        items = list(self._items.values())
        return sorted(i.name for i in items if i.builtin) + sorted(
            i.name for i in items if not i.builtin
        )

    def info(self) -> list[PluginInfo]:
        """Every registered component with its origin."""
        self.load_entry_points()
        return [self._items[n] for n in self.names()]

    def info_of(self, name: str) -> PluginInfo:
        """Return the :class:`PluginInfo` of ``name`` (raises :class:`SpecError` if unknown)."""
        self.get(name)
        return self._items[name]

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

    def __len__(self) -> int:
        return len(self.names())


_REGISTRIES: dict[str, Registry] = {}


def get_registry(
    kind: str,
    description: str | None = None,
    *,
    contract: Contract | None = None,
) -> Registry:
    """Return the registry of ``kind``, creating it on first use.

    Parameters
    ----------
    kind
        The kind of component, for example ``"mechanisms"`` or ``"index_steps"``.
    description
        Human-readable name used in messages; defaults to the description in :data:`KINDS`,
        else ``kind``.
    contract
        The kind's :class:`~workbench.plugin_contracts.Contract`, passed by the engine that
        owns the kind; every component of the kind, built-in or plugin, is checked against it
        when it registers.

    Returns
    -------
    Registry
        The one registry of ``kind``.

    Examples
    --------
    >>> from workbench.plugins import get_registry
    >>> get_registry("mechanisms").group
    'workbench.mechanisms'
    """
    if contract is not None:
        from workbench.plugin_contracts import register_contract

        if contract.kind != kind:
            msg = (
                f"`contract` is the contract of kind '{contract.kind}' but the registry is "
                f"'{kind}'. Pass the contract of '{kind}'."
            )
            raise PluginError(msg)
        register_contract(contract)
    reg = _REGISTRIES.get(kind)
    if reg is None:
        reg = Registry(kind, description or KINDS.get(kind, kind))
        _REGISTRIES[kind] = reg
    elif description is not None and reg.description in (reg.kind, KINDS.get(kind)):
        reg.description = description
    return reg


def registries() -> dict[str, Registry]:
    """Every registry created so far, by kind."""
    return dict(_REGISTRIES)


def load_builtins(modules: Iterable[str] | None = None) -> dict[str, str]:
    """Import the engines so that their built-ins and contracts are registered.

    An engine that fails to import is reported, not raised, so that ``workbench plugins list``
    still works.

    Parameters
    ----------
    modules
        The engine modules to import; :data:`workbench.ENGINES` by default.

    Returns
    -------
    dict
        ``{module: reason}`` for every engine that could not be imported.
    """
    if modules is None:
        import workbench

        modules = workbench.ENGINES
    failed: dict[str, str] = {}
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - report, never hide or crash the listing
            failed[module] = f"{type(exc).__name__}: {exc}"
    return failed


def all_registries(*, builtins: bool = True) -> dict[str, Registry]:
    """Return a registry for every kind in :data:`KINDS` (and any other created), loaded.

    Parameters
    ----------
    builtins
        Import the engines first so that built-ins are listed too.
    """
    if builtins:
        load_builtins()
    for kind in KINDS:
        get_registry(kind)
    regs = registries()
    for reg in regs.values():
        reg.load_entry_points()
    return dict(sorted(regs.items()))


def unknown_groups() -> list[tuple[str, str, str]]:
    """Entry points in a ``workbench.*`` group that is not a known kind (probably a typo).

    Returns
    -------
    list of (group, name, value)
    """
    known = {f"workbench.{k}" for k in (*KINDS, *_REGISTRIES)}
    out: list[tuple[str, str, str]] = []
    groups = {g for g in entry_points().groups if g.startswith("workbench.")} - known
    for group in groups:
        out.extend((group, ep.name, ep.value) for ep in entry_points(group=group))
    return sorted(out)


def broken_plugins(kinds: Iterable[str] | None = None) -> list[BrokenPlugin]:
    """Every installed plugin that failed to load or validate, over all (or the given) kinds.

    Parameters
    ----------
    kinds
        Restrict to these kinds; every kind by default.

    Returns
    -------
    list of BrokenPlugin
        Sorted by kind and name. Also includes entry points declared in an unknown
        ``workbench.*`` group.
    """
    regs = all_registries()
    wanted = set(kinds) if kinds is not None else None
    out: list[BrokenPlugin] = []
    for kind, reg in regs.items():
        if wanted is None or kind in wanted:
            out.extend(reg.broken)
    if wanted is None:
        for group, name, value in unknown_groups():
            kind = group.removeprefix("workbench.")
            reason = (
                f"entry-point group '{group}' is not a workbench plugin kind."
                f" Use one of: {', '.join('workbench.' + k for k in KINDS)}."
            )
            out.append(BrokenPlugin(name, kind, value.split(":")[0], reason, value))
    return sorted(out, key=lambda b: (b.kind, b.name))


def builtin_contract_problems() -> list[BrokenPlugin]:
    """Built-ins that do not honour their kind's contract (a drift between engine and contract).

    Returns
    -------
    list of BrokenPlugin
        Empty when every built-in satisfies :mod:`workbench.plugin_contracts`.
    """
    from workbench.plugin_contracts import check_contract

    out = []
    for kind, reg in all_registries().items():
        for info in reg.info():
            if not info.builtin:
                continue
            try:
                check_contract(kind, info.name, info.obj)
            except PluginError as exc:
                out.append(BrokenPlugin(info.name, kind, info.source, str(exc), info.target))
    return out


def report_broken(kinds: Iterable[str] | None = None) -> str:
    """Return a human-readable report of every broken plugin (``""`` when all are fine)."""
    broken = broken_plugins(kinds)
    if not broken:
        return ""
    lines = [f"{len(broken)} broken plugin(s), skipped:"]
    lines += [f"  - {b}" for b in broken]
    return "\n".join(lines)


__all__ = [
    "KINDS",
    "WORKBENCH_DIST",
    "BrokenPlugin",
    "PluginInfo",
    "Registry",
    "all_registries",
    "broken_plugins",
    "builtin_contract_problems",
    "check_workbench_version",
    "declared_requirement",
    "get_registry",
    "load_builtins",
    "registries",
    "report_broken",
    "summary_of",
]
