"""Continuous knobs of a scenario: named, ranged settings mapped onto its events.

A scenario YAML declares its knobs next to its events::

    knobs:
      heat_intensity:
        unit: x cooling load
        min: 1.0
        max: 2.0
        default: 1.5
        sets: events[0].cooling_load_factor
      demand_growth:
        unit: x demand
        min: 0.8
        max: 1.3
        default: 1.0
        sets: model.demand_scale

``sets`` is one target or a list of targets: ``events[I].KEY`` (a key of the scenario's I-th
event; integer keys such as hours are rounded) or ``model.demand_scale`` (a
:class:`~workbench.citymodel.CityModel` argument). :func:`apply_knobs` returns the scenario
with the knobs set; :func:`run_at` runs the full model at a setting.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.errors import SpecError, unknown_name

if TYPE_CHECKING:  # pragma: no cover
    from workbench.citymodel.result import RunResult
    from workbench.citymodel.scenarios import Scenario

MODEL_TARGETS = ("demand_scale",)
"""CityModel arguments a knob may set (``sets: model.NAME``)."""
_EVENT_RE = re.compile(r"^events\[(\d+)\]\.(\w+)$")
_KNOB_KEYS = ("unit", "min", "max", "default", "sets", "description")


@dataclass(frozen=True)
class Knob:
    """One continuous setting of a scenario.

    Parameters
    ----------
    name
        Knob name (used by ``--set NAME=VALUE``).
    unit
        Unit shown to users.
    min, max
        Allowed range (inclusive).
    default
        Value of the scenario as written.
    sets
        Targets the value is written to (``events[I].KEY`` or ``model.demand_scale``).
    description
        One line for users.
    """

    name: str
    unit: str
    min: float
    max: float
    default: float
    sets: tuple[str, ...]
    description: str = ""

    def info(self) -> dict[str, Any]:
        """Return the knob as a JSON-ready mapping."""
        return {
            "unit": self.unit,
            "min": self.min,
            "max": self.max,
            "default": self.default,
            "sets": list(self.sets),
            "description": self.description,
        }

    def check(self, value: Any, *, argument: str = "knob") -> float:
        """Return ``value`` as a float, or raise naming the knob's range."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            msg = (
                f"{argument} '{self.name}' must be a number in [{self.min:g}, {self.max:g}] "
                f"{self.unit}; got {value!r}."
            )
            raise SpecError(msg) from None
        if not math.isfinite(v) or v < self.min or v > self.max:
            msg = (
                f"{argument} '{self.name}' must be in [{self.min:g}, {self.max:g}] {self.unit}; "
                f"got {value!r}. Choose a value within the range."
            )
            raise SpecError(msg)
        return v


def parse_knobs(data: Any, where: str) -> tuple[Knob, ...]:
    """Parse the ``knobs:`` mapping of a scenario file (``None`` -> no knobs)."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        msg = f"{where}: 'knobs' must be a mapping of knob name -> settings; got {data!r}."
        raise SpecError(msg)
    out = []
    for name, spec in data.items():
        w = f"{where}: knobs.{name}"
        if not isinstance(spec, dict):
            msg = f"{w}: must be a mapping with unit, min, max, default, sets; got {spec!r}."
            raise SpecError(msg)
        for key in spec:
            if key not in _KNOB_KEYS:
                raise SpecError(f"{w}: " + unknown_name("knob key", str(key), _KNOB_KEYS))
        for key in ("min", "max", "default", "sets"):
            if key not in spec:
                msg = f"{w}: '{key}' is required. Add it (keys: {', '.join(_KNOB_KEYS)})."
                raise SpecError(msg)
        vals = {}
        for key in ("min", "max", "default"):
            v = spec[key]
            if isinstance(v, bool) or not isinstance(v, int | float):
                msg = f"{w}: '{key}' must be a number; got {v!r}."
                raise SpecError(msg)
            vals[key] = float(v)
        if not vals["min"] < vals["max"] or not vals["min"] <= vals["default"] <= vals["max"]:
            msg = (
                f"{w}: needs min < max and min <= default <= max; got min={vals['min']:g}, "
                f"max={vals['max']:g}, default={vals['default']:g}. Fix the range."
            )
            raise SpecError(msg)
        sets = spec["sets"]
        sets = (sets,) if isinstance(sets, str) else tuple(sets)
        if not sets or not all(isinstance(t, str) for t in sets):
            msg = f"{w}: 'sets' must be a target or list of targets; got {spec['sets']!r}."
            raise SpecError(msg)
        out.append(
            Knob(
                str(name),
                str(spec.get("unit", "")),
                vals["min"],
                vals["max"],
                vals["default"],
                sets,
                str(spec.get("description", "")),
            )
        )
    return tuple(out)


def check_targets(knob: Knob, sc: Scenario) -> None:
    """Check that every target of ``knob`` exists in scenario ``sc``."""
    from workbench.citymodel.scenarios import EVENT_TYPES

    where = f"{sc.source or sc.name}: knobs.{knob.name}"
    for target in knob.sets:
        if target.startswith("model."):
            if target[6:] not in MODEL_TARGETS:
                msg = f"{where}: " + unknown_name("model target", target[6:], MODEL_TARGETS)
                raise SpecError(msg)
            continue
        m = _EVENT_RE.match(target)
        if not m:
            msg = (
                f"{where}: target '{target}' must be 'events[I].KEY' or "
                f"'model.{MODEL_TARGETS[0]}'. Fix 'sets'."
            )
            raise SpecError(msg)
        i, key = int(m.group(1)), m.group(2)
        if i >= len(sc.events):
            msg = (
                f"{where}: target '{target}' names event {i} but the scenario has "
                f"{len(sc.events)} event(s). Fix the index."
            )
            raise SpecError(msg)
        spec = EVENT_TYPES[sc.events[i]["type"]]
        if key not in spec:
            msg = f"{where}: " + unknown_name(f"key of a {sc.events[i]['type']} event", key, spec)
            raise SpecError(msg)


def knob_of(sc: Scenario, name: str) -> Knob:
    """Return knob ``name`` of ``sc`` or raise with did-you-mean and the valid knobs."""
    for k in sc.knobs:
        if k.name == name:
            return k
    names = [k.name for k in sc.knobs]
    if not names:
        msg = (
            f"Scenario '{sc.name}' declares no knobs, so '{name}' cannot be set. Add a "
            "'knobs:' section to its YAML or pick a scenario with knobs "
            "(`workbench scenarios show NAME --json`)."
        )
        raise SpecError(msg)
    msg = f"Scenario '{sc.name}': " + unknown_name("knob", name, names)
    raise SpecError(msg)


def apply_knobs(sc: Scenario, values: dict[str, Any]) -> Scenario:
    """Return ``sc`` with knobs set to ``values`` (others keep their defaults).

    Raises
    ------
    SpecError
        For an unknown knob (with did-you-mean) or a value outside the knob's range.
    """
    from workbench.citymodel.scenarios import EVENT_TYPES, Scenario

    events = [dict(ev) for ev in sc.events]
    model_kw = dict(sc.model_kw)
    for name, value in values.items():
        knob = knob_of(sc, name)
        v = knob.check(value)
        for target in knob.sets:
            if target.startswith("model."):
                model_kw[target[6:]] = v
                continue
            m = _EVENT_RE.match(target)
            i, key = int(m.group(1)), m.group(2)  # type: ignore[union-attr]
            typ = EVENT_TYPES[events[i]["type"]][key][0]
            events[i][key] = int(round(v)) if typ is int else v
    return Scenario(
        sc.name,
        sc.description,
        tuple(events),
        sc.source,
        sc.knobs,
        tuple(sorted(model_kw.items())),
    )


def parse_settings(items: list[str] | None, *, argument: str = "--set") -> dict[str, float]:
    """Parse ``["KNOB=VALUE", ...]`` into a mapping (values as floats)."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            msg = (
                f"{argument}: expected KNOB=VALUE; got {item!r}. "
                f"Example: {argument} carbon_price=200."
            )
            raise SpecError(msg)
        try:
            out[name.strip()] = float(value)
        except ValueError:
            msg = f"{argument}: the value of '{name.strip()}' must be a number; got {value!r}."
            raise SpecError(msg) from None
    return out


def run_at(
    scenario: Any,
    knobs: dict[str, Any] | None = None,
    mechanism: str = "none",
    seed: int = 0,
    hours: int = 168,
    **kw: Any,
) -> RunResult:
    """Run the full city model with a scenario's knobs set (see :func:`workbench.citymodel.run`)."""
    from workbench.citymodel.runner import run
    from workbench.citymodel.scenarios import get_scenario

    sc = apply_knobs(get_scenario(scenario), dict(knobs or {}))
    model_kw = {**dict(sc.model_kw), **kw}
    return run(sc, mechanism, seed, hours, **model_kw)


__all__ = ["MODEL_TARGETS", "Knob", "apply_knobs", "knob_of", "parse_settings", "run_at"]
