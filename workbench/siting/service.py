"""What a user feels: end-to-end latency per request class, and capacity for the peak.

End-to-end latency of a request of class ``c`` served at site ``j`` from demand point ``i``::

    total = network RTT + queueing wait + inference service time

- **network** (round trip, ms): ``2 x (access + hops_t x per_hop + spine + fibre)``. A request
  enters the metro network at its access point, climbs the leaf-spine metro topology to the
  site's tier (``hops`` per tier: edge nodes hang off the leaf, urban DCs off the spine, core
  hubs behind the core), crosses the spine (``spine_hops`` extra hops) when the site is outside
  the demand's leaf area (``leaf_radius_km``), and travels ``distance x route_factor`` of fibre
  at ``fibre_us_per_km`` (see :class:`~workbench.siting.LatencyModel`);
- **queueing** (ms): the M/M/c mean wait at the site's *planned peak utilisation* ``rho``
  (``target_peak_utilisation``, default 0.8; the plan keeps every site at or below it), with
  ``c = servers_per_site[tier]`` parallel servers and the class's service time at that tier:
  ``W_q = ErlangC(c, c rho) x S / (c (1 - rho))``;
- **inference** (ms): the service time of the class's model class on the tier's hardware
  (``model_classes[model].service_ms[tier]``; time to first token for an assistant). A model
  class runs only on the tiers listed for it (the largest models only at hubs and DCs).

A class without a budget (batch) may go anywhere its model runs. The numbers in the shipped
scenario are planning assumptions (synthetic), documented in ``scenario.yaml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.errors import SpecError

TIERS = ("edge", "dc", "hub")


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``a`` (Erlangs).

    Computed with the stable Erlang-B recursion. ``a >= c`` (unstable) returns 1.

    Examples
    --------
    >>> round(erlang_c(1, 0.8), 6)  # M/M/1: P(wait) = rho
    0.8
    """
    if c < 1:
        msg = f"erlang_c `c` must be a positive number of servers; got {c!r}."
        raise SpecError(msg)
    if a <= 0:
        return 0.0
    if a >= c:
        return 1.0
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho + rho * b)


def mmc_wait_ms(c: int, rho: float, service_ms: float) -> float:
    """Mean M/M/c wait (ms) at utilisation ``rho`` with mean service time ``service_ms``."""
    if rho >= 1:
        return math.inf
    if rho <= 0 or service_ms <= 0:
        return 0.0
    return erlang_c(int(c), c * rho) * service_ms / (c * (1.0 - rho))


@dataclass(frozen=True)
class RequestClass:
    """A kind of request with its own latency budget, demand share and model class."""

    name: str
    share: float
    budget_ms: float | None
    model: str


@dataclass(frozen=True)
class ModelClass:
    """A model class: the tiers it runs on, its service time there, and its compute per token."""

    name: str
    service_ms: dict[str, float]
    compute_factor: float = 1.0

    @property
    def tiers(self) -> tuple[str, ...]:
        """Tiers whose hardware runs this model class."""
        return tuple(t for t in TIERS if t in self.service_ms)


@dataclass(frozen=True)
class ServiceModel:
    """Request classes, model classes and the queueing settings of a scenario."""

    classes: tuple[RequestClass, ...]
    models: dict[str, ModelClass]
    servers: dict[str, int]
    rho: float
    access_ms: float
    spine_hops: float
    leaf_radius_km: float

    @property
    def names(self) -> tuple[str, ...]:
        """Request class names, in scenario order."""
        return tuple(c.name for c in self.classes)

    def queue_ms(self, cls: RequestClass, tier: str, rho: float | None = None) -> float:
        """M/M/c wait of ``cls`` at a ``tier`` site running at ``rho`` (default: the target)."""
        s = self.models[cls.model].service_ms.get(tier)
        if s is None:
            return math.nan
        return mmc_wait_ms(self.servers[tier], self.rho if rho is None else rho, s)

    def inference_ms(self, cls: RequestClass, tier: str) -> float:
        """Service time of the class's model on a tier (NaN where the model does not run)."""
        s = self.models[cls.model].service_ms.get(tier)
        return math.nan if s is None else float(s)

    def shares(self, demand: Any) -> np.ndarray:
        """``(n_demand, n_classes)`` token shares: ``share_<class>`` columns, else the defaults."""
        n = len(demand)
        out = np.empty((n, len(self.classes)))
        for k, c in enumerate(self.classes):
            col = f"share_{c.name}"
            out[:, k] = demand[col].to_numpy(float) if col in demand.columns else c.share
        tot = out.sum(axis=1, keepdims=True)
        bad = ~(tot > 0) | ~np.isfinite(tot)
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            msg = (
                f"request-class shares of demand {demand['id'].iloc[i]!r} sum to {tot[i, 0]}; "
                f"they must be finite, non-negative and sum to a positive number."
            )
            raise SpecError(msg)
        return out / tot


def _pos(value: Any, what: str, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        rule = "non-negative" if allow_zero else "positive"
        msg = f"scenario `{what}` must be a finite {rule} number; got {value!r}."
        raise SpecError(msg)
    return v


def service_model(scenario: dict[str, Any]) -> ServiceModel | None:
    """Read ``request_classes``/``model_classes`` from a scenario (``None`` when absent).

    Raises
    ------
    SpecError
        For a class without a known model class, a bad share or budget, an unknown tier, or a
        target utilisation outside (0, 1].
    """
    raw = scenario.get("request_classes")
    if not raw:
        return None
    models_raw = scenario.get("model_classes") or {}
    models: dict[str, ModelClass] = {}
    for name, spec in models_raw.items():
        svc = dict((spec or {}).get("service_ms") or {})
        unknown = sorted(set(svc) - set(TIERS))
        if unknown or not svc:
            msg = (
                f"scenario `model_classes.{name}.service_ms` must map tiers {list(TIERS)} to "
                f"service times in ms (list only the tiers that run the model); got {svc!r}."
            )
            raise SpecError(msg)
        models[str(name)] = ModelClass(
            str(name),
            {t: _pos(v, f"model_classes.{name}.service_ms.{t}") for t, v in svc.items()},
            _pos(spec.get("compute_factor", 1.0), f"model_classes.{name}.compute_factor"),
        )
    classes = []
    for name, spec in raw.items():
        spec = spec or {}
        model = str(spec.get("model", ""))
        if model not in models:
            from workbench.errors import did_you_mean

            msg = (
                f"scenario `request_classes.{name}.model` must name one of `model_classes` "
                f"{sorted(models)}; got {model!r}.{did_you_mean(model, models)}"
            )
            raise SpecError(msg)
        budget = spec.get("budget_ms")
        classes.append(
            RequestClass(
                str(name),
                _pos(spec.get("share", 0.0), f"request_classes.{name}.share", allow_zero=True),
                None if budget is None else _pos(budget, f"request_classes.{name}.budget_ms"),
                model,
            )
        )
    if sum(c.share for c in classes) <= 0:
        msg = "scenario `request_classes` shares sum to 0; give each class its token share."
        raise SpecError(msg)
    rho = _pos(scenario.get("target_peak_utilisation", 0.8), "target_peak_utilisation")
    if rho > 1:
        msg = f"scenario `target_peak_utilisation` must be in (0, 1]; got {rho}. Use e.g. 0.8."
        raise SpecError(msg)
    servers_raw = {"edge": 8, "dc": 64, "hub": 512, **(scenario.get("servers_per_site") or {})}
    servers = {t: int(_pos(v, f"servers_per_site.{t}")) for t, v in servers_raw.items()}
    net = scenario.get("network") or {}
    return ServiceModel(
        classes=tuple(classes),
        models=models,
        servers=servers,
        rho=rho,
        access_ms=_pos(net.get("access_ms", 0.0), "network.access_ms", allow_zero=True),
        spine_hops=_pos(net.get("spine_hops", 0.0), "network.spine_hops", allow_zero=True),
        leaf_radius_km=_pos(
            net.get("leaf_radius_km", math.inf) if net.get("leaf_radius_km") is not None
            else math.inf, "network.leaf_radius_km",
        ),
    )  # fmt: skip


__all__ = [
    "ModelClass",
    "RequestClass",
    "ServiceModel",
    "erlang_c",
    "mmc_wait_ms",
    "service_model",
]
