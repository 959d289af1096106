"""What-if scenarios: YAML files of events on a baseline.

A scenario file::

    name: heatwave
    description: Three hot days; cooling load up, photovoltaics down.
    events:
      - type: heatwave
        start_hour: 12
        duration_hours: 72
        cooling_load_factor: 1.5
        pv_factor: 0.6

Event types and their keys are in :data:`EVENT_TYPES`. Hours count from the start of the run
(hour 0 = Monday 00:00). Events never draw random numbers, so every scenario shares the
baseline's random draws (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.citymodel.claims import CLASSES, DEFAULT_VALUES
from workbench.errors import SpecError, unknown_name
from workbench.plugin_contracts import Contract
from workbench.plugins import Registry, get_registry

if TYPE_CHECKING:  # pragma: no cover
    from workbench.citymodel.inputs import Nodes
    from workbench.citymodel.knobs import Knob
    from workbench.citymodel.space import CitySpace

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

_ALL = "all"
#: Event types: {type: {key: (python type, required, description)}}
EVENT_TYPES: dict[str, dict[str, tuple[type | tuple[type, ...], bool, str]]] = {
    "heatwave": {
        "start_hour": (int, True, "first hour"),
        "duration_hours": (int, True, "length in hours"),
        "cooling_load_factor": ((int, float), False, "cooling load multiplier (default 1.5)"),
        "pv_factor": ((int, float), False, "photovoltaic output multiplier (default 0.6)"),
        "districts": ((str, list), False, "district codes/names or 'all'"),
    },
    "new_factory": {
        "district": (str, True, "district code or name"),
        "start_hour": (int, True, "hour the factory starts"),
        "load_kw": ((int, float), True, "electric load (kW, industrial profile)"),
        "tokens_per_day": ((int, float), False, "AI demand added (tokens/day)"),
    },
    "carbon_price": {
        "start_hour": (int, False, "hour the price applies from (default 0)"),
        "cny_per_t": ((int, float), True, "carbon price, CNY per tonne CO2"),
    },
    "hub_outage": {
        "start_hour": (int, True, "first hour"),
        "duration_hours": (int, True, "length in hours"),
        "node": (str, False, "node id (default: the largest hub)"),
    },
    "feeder_outage": {
        "district": ((str, list), True, "district code(s) or name(s) whose feeder fails"),
        "start_hour": (int, True, "first hour"),
        "duration_hours": (int, True, "length in hours"),
        "fraction": (
            (int, float),
            False,
            "share of the feeder's capacity lost, 0 < fraction <= 1 (default 1: blackout)",
        ),
    },
    "esports_final": {
        "district": (str, True, "district code or name"),
        "start_hour": (int, True, "first hour"),
        "duration_hours": (int, False, "length (default 4)"),
        "demand_factor": ((int, float), False, "e-sports demand multiplier (default 4)"),
        "traffic_factor": ((int, float), False, "road demand multiplier (default 1.3)"),
    },
    "storage": {
        "battery_factor": (
            (int, float),
            True,
            "multiplier of every district's battery power and energy (1 = as installed)",
        ),
    },
    "priority_policy": {
        "start_hour": (int, False, "hour the policy applies from (default 0)"),
        "order": (list, True, f"claim classes, first served first ({', '.join(CLASSES)})"),
    },
}


@dataclass(frozen=True)
class Scenario:
    """A named list of events (validated on load).

    Third-party scenarios register a :class:`Scenario` (or a YAML path) in the ``scenarios``
    registry of :mod:`workbench.plugins`.
    """

    name: str
    description: str = ""
    events: tuple[dict[str, Any], ...] = ()
    source: str = ""
    knobs: tuple[Knob, ...] = ()
    model_kw: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        for i, ev in enumerate(self.events):
            _check_event(ev, f"{self.source or self.name}: events[{i}]")
        for k in self.knobs:
            _check_knob_targets(k, self)

    @property
    def knob_info(self) -> dict[str, dict[str, Any]]:
        """``{knob: {"unit", "min", "max", "default", "sets", "description"}}``."""
        return {k.name: k.info() for k in self.knobs}

    def with_knobs(self, **values: float) -> Scenario:
        """Return this scenario with knobs set (:func:`~workbench.citymodel.knobs.apply_knobs`)."""
        from workbench.citymodel.knobs import apply_knobs

        return apply_knobs(self, values)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        """Read a scenario file."""
        import yaml

        path = Path(path)
        if not path.exists():
            msg = f"Scenario file '{path}' does not exist. Give a path to a YAML file or a name."
            raise SpecError(msg)
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "") -> Scenario:
        """Build a scenario from a mapping with ``name``, ``description``, ``events``."""
        where = source or "scenario"
        if not isinstance(data, dict):
            msg = f"{where}: a scenario must be a mapping with 'name' and 'events'; got {data!r}."
            raise SpecError(msg)
        unknown = set(data) - {"name", "description", "events", "knobs"}
        if unknown:
            key = sorted(unknown)[0]
            msg = f"{where}: " + unknown_name(
                "scenario key", key, ["name", "description", "events", "knobs"]
            )
            raise SpecError(msg)
        events = data.get("events") or []
        if not isinstance(events, list):
            msg = f"{where}: 'events' must be a list of mappings; got {type(events).__name__}."
            raise SpecError(msg)
        name = str(data.get("name") or Path(source).stem or "scenario")
        from workbench.citymodel.knobs import parse_knobs

        knobs = parse_knobs(data.get("knobs"), where)
        return cls(name, str(data.get("description", "")), tuple(events), source, knobs)


def _check_event(ev: Any, where: str) -> None:
    if not isinstance(ev, dict) or "type" not in ev:
        msg = f"{where}: an event must be a mapping with a 'type'; got {ev!r}."
        raise SpecError(msg)
    etype = ev["type"]
    if etype not in EVENT_TYPES:
        msg = f"{where}: " + unknown_name("event type", str(etype), EVENT_TYPES)
        raise SpecError(msg)
    spec = EVENT_TYPES[etype]
    for key, val in ev.items():
        if key == "type":
            continue
        if key not in spec:
            msg = f"{where} ({etype}): " + unknown_name("event key", key, spec)
            raise SpecError(msg)
        typ = spec[key][0]
        if isinstance(val, bool) or not isinstance(val, typ):
            msg = (
                f"{where} ({etype}): '{key}' must be {spec[key][2]} "
                f"({_tname(typ)}); got {val!r}. Fix the value."
            )
            raise SpecError(msg)
    for key, (_typ, required, desc) in spec.items():
        if required and key not in ev:
            msg = f"{where} ({etype}): '{key}' ({desc}) is required. Add it to the event."
            raise SpecError(msg)
    for key in ("start_hour", "duration_hours"):
        if key in ev and ev[key] < (0 if key == "start_hour" else 1):
            low = 0 if key == "start_hour" else 1
            msg = f"{where} ({etype}): '{key}' must be >= {low}; got {ev[key]}. Fix the hour."
            raise SpecError(msg)
    for key in (
        "cooling_load_factor",
        "pv_factor",
        "demand_factor",
        "traffic_factor",
        "battery_factor",
    ):
        if key in ev and ev[key] < 0:
            msg = f"{where} ({etype}): '{key}' must be >= 0; got {ev[key]}."
            raise SpecError(msg)
    if etype == "feeder_outage" and "fraction" in ev and not 0 < ev["fraction"] <= 1:
        msg = (
            f"{where} (feeder_outage): 'fraction' (share of the feeder's capacity lost) must be "
            f"in (0, 1]; got {ev['fraction']}. Use 1 for a full blackout, 0.5 for half."
        )
        raise SpecError(msg)
    if etype == "priority_policy":
        for c in ev["order"]:
            if c not in CLASSES:
                msg = f"{where} (priority_policy): " + unknown_name("claim class", str(c), CLASSES)
                raise SpecError(msg)


def _check_knob_targets(knob: Any, sc: Scenario) -> None:
    from workbench.citymodel.knobs import check_targets

    check_targets(knob, sc)


def _tname(typ: type | tuple[type, ...]) -> str:
    if isinstance(typ, tuple):
        return " or ".join(t.__name__ for t in typ)
    return typ.__name__


SCENARIO_CONTRACT = Contract(
    "scenarios",
    "instance",
    instance_of=(Scenario, str, Path),
    doc="a workbench.citymodel Scenario (name, description, events) or a YAML path",
)
"""What a scenario plugin must be (checked when it loads)."""


def scenario_registry() -> Registry:
    """Return the ``scenarios`` registry with the shipped YAML scenarios registered."""
    reg = get_registry("scenarios", "scenario", contract=SCENARIO_CONTRACT)
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        if path.stem not in reg._items:  # noqa: SLF001 - idempotent registration
            reg.register(path.stem, Scenario.from_yaml(path), builtin=True)
    return reg


def get_scenario(scenario: str | Path | Scenario | dict[str, Any]) -> Scenario:
    """Resolve a scenario given as a name, a YAML path, a mapping or a :class:`Scenario`."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return Scenario.from_dict(scenario)
    text = str(scenario)
    if text.endswith((".yaml", ".yml")) or Path(text).is_file():
        return Scenario.from_yaml(text)
    obj = scenario_registry().get(text)
    return obj if isinstance(obj, Scenario) else Scenario.from_yaml(obj)


@dataclass
class Modifiers:
    """A scenario compiled to arrays over the run's hours (and districts / nodes)."""

    cooling: np.ndarray  # (T, D) cooling load multiplier
    pv: np.ndarray  # (T, D) PV multiplier
    pue: np.ndarray  # (T, D) PUE multiplier of nodes in the district
    factory_kw: np.ndarray  # (T, D)
    factory_tokens_h: np.ndarray  # (T, D) extra tokens per hour
    carbon_price: np.ndarray  # (T,)
    node_up: np.ndarray  # (T, N) bool
    esports: np.ndarray  # (T, D) e-sports demand multiplier
    traffic: np.ndarray  # (T, D) road demand multiplier on links touching the district
    rank: np.ndarray  # (T, n_classes) priority rank of each class
    feeder: np.ndarray  # (T, D) share of each district feeder's capacity that is up
    battery: float = 1.0  # multiplier of batteries' power and energy (``storage`` event)
    value: np.ndarray = field(
        default_factory=lambda: np.array([DEFAULT_VALUES[c] for c in CLASSES])
    )


def compile_events(scenario: Scenario, space: CitySpace, nodes: Nodes, hours: int) -> Modifiers:
    """Turn a scenario's events into per-hour modifier arrays, checking names and hours."""
    from workbench.citymodel.inputs import diurnal_profiles

    T, D, N = hours, space.n_districts, nodes.n
    m = Modifiers(
        cooling=np.ones((T, D)),
        pv=np.ones((T, D)),
        pue=np.ones((T, D)),
        factory_kw=np.zeros((T, D)),
        factory_tokens_h=np.zeros((T, D)),
        carbon_price=np.zeros(T),
        node_up=np.ones((T, N), dtype=bool),
        esports=np.ones((T, D)),
        traffic=np.ones((T, D)),
        rank=np.tile(np.arange(len(CLASSES)), (T, 1)),
        feeder=np.ones((T, D)),
    )
    hour = np.arange(T) % 24
    industrial = diurnal_profiles()[3]
    for i, ev in enumerate(scenario.events):
        where = f"scenario '{scenario.name}' events[{i}] ({ev['type']})"
        start = ev.get("start_hour", 0)
        if start >= T:
            msg = (
                f"{where}: 'start_hour' must be within the run (0..{T - 1} for hours={T}); "
                f"got {start}. Lower start_hour or run more hours."
            )
            raise SpecError(msg)
        end = min(T, start + ev.get("duration_hours", T))
        sl = slice(start, end)
        t = ev["type"]
        if t == "heatwave":
            cols = _districts(ev.get("districts", _ALL), space, where)
            m.cooling[sl, cols] *= ev.get("cooling_load_factor", 1.5)
            m.pv[sl, cols] *= ev.get("pv_factor", 0.6)
            m.pue[sl, cols] *= 1.08
        elif t == "new_factory":
            d = _district(ev["district"], space, where)
            m.factory_kw[start:, d] += ev["load_kw"] * industrial[hour[start:]] / industrial.max()
            m.factory_tokens_h[start:, d] += (
                ev.get("tokens_per_day", 0.0) / 24 * industrial[hour[start:]]
            )
        elif t == "carbon_price":
            m.carbon_price[start:] = ev["cny_per_t"]
        elif t == "hub_outage":
            n = _node(ev.get("node"), nodes, where)
            m.node_up[sl, n] = False
        elif t == "feeder_outage":
            cols = _districts(ev["district"], space, where)
            m.feeder[sl, cols] *= 1.0 - ev.get("fraction", 1.0)
        elif t == "esports_final":
            d = _district(ev["district"], space, where)
            sl = slice(start, min(T, start + ev.get("duration_hours", 4)))
            m.esports[sl, d] *= ev.get("demand_factor", 4.0)
            m.traffic[sl, d] *= ev.get("traffic_factor", 1.3)
        elif t == "storage":
            m.battery *= float(ev["battery_factor"])
        elif t == "priority_policy":
            order = list(ev["order"]) + [c for c in CLASSES if c not in ev["order"]]
            m.rank[start:] = [order.index(c) for c in CLASSES]
    return m


def _district(name: Any, space: CitySpace, where: str) -> int:
    try:
        return space.district_index(str(name), argument=where)
    except Exception as exc:
        raise SpecError(str(exc)) from None


def _districts(val: Any, space: CitySpace, where: str) -> list[int]:
    if val == _ALL:
        return list(range(space.n_districts))
    vals = [val] if isinstance(val, str) else list(val)
    return [_district(v, space, where) for v in vals]


def _node(name: str | None, nodes: Nodes, where: str) -> int:
    if name is None:
        hubs = [i for i, t in enumerate(nodes.tier) if t == "hub"] or list(range(nodes.n))
        return max(hubs, key=lambda i: nodes.capacity_tps[i])
    if name not in nodes.ids:
        msg = f"{where}: " + unknown_name("node", name, nodes.ids)
        raise SpecError(msg)
    return nodes.ids.index(name)


__all__ = [
    "EVENT_TYPES",
    "Modifiers",
    "Scenario",
    "compile_events",
    "get_scenario",
    "scenario_registry",
]
