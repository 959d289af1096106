"""A simple, documented network-latency model: distance -> one-way milliseconds.

``latency_ms = distance_km * route_factor * fibre_us_per_km / 1000 + hops * per_hop_ms``

- light in fibre travels at about 2/3 c, i.e. about **5 microseconds per km** one way;
- fibre does not run in straight lines: the **route factor** (typically 1.3-1.6 in cities)
  scales the straight-line (haversine or projected) distance to the cable length;
- every switching/aggregation **hop** adds a fixed delay (queueing, serialisation, processing),
  typically 0.1-1 ms per hop in a metro network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.errors import SpecError


@dataclass(frozen=True)
class LatencyModel:
    """Distance to one-way latency in milliseconds.

    Parameters
    ----------
    fibre_us_per_km
        One-way propagation delay in fibre, microseconds per km (default 5).
    route_factor
        Fibre route length over straight-line distance (default 1.4).
    per_hop_ms
        Delay added by each network hop, milliseconds (default 0.5).

    Examples
    --------
    >>> LatencyModel().ms(10_000.0, hops=2)
    1.07
    """

    fibre_us_per_km: float = 5.0
    route_factor: float = 1.4
    per_hop_ms: float = 0.5

    def __post_init__(self) -> None:
        for name in ("fibre_us_per_km", "route_factor", "per_hop_ms"):
            v = getattr(self, name)
            if not np.isfinite(v) or v < 0:
                msg = f"LatencyModel `{name}` must be a finite non-negative number; got {v!r}."
                raise SpecError(msg)
        if self.route_factor < 1:
            msg = (
                f"LatencyModel `route_factor` must be at least 1 (a route is never shorter than "
                f"the straight line); got {self.route_factor!r}."
            )
            raise SpecError(msg)

    def ms(self, distance_m: Any, hops: Any = 1) -> Any:
        """One-way latency in ms for straight-line distances in metres and a number of hops."""
        d = np.asarray(distance_m, dtype=np.float64)
        out = d / 1000.0 * self.route_factor * self.fibre_us_per_km / 1000.0
        out = out + np.asarray(hops, dtype=np.float64) * self.per_hop_ms
        return float(np.round(out, 12)) if out.ndim == 0 else out

    def max_distance_m(self, budget_ms: float, hops: float = 1) -> float:
        """Largest straight-line distance (m) whose latency stays within ``budget_ms``."""
        left = float(budget_ms) - float(hops) * self.per_hop_ms
        if left < 0:
            return -1.0
        per_m = self.route_factor * self.fibre_us_per_km / 1e6
        return np.inf if per_m == 0 else left / per_m

    @classmethod
    def from_scenario(cls, scenario: dict[str, Any]) -> LatencyModel:
        """Build from a scenario dict (``fibre_delay_us_per_km``, ``route_factor``, ...)."""
        return cls(
            fibre_us_per_km=float(scenario.get("fibre_delay_us_per_km", 5.0)),
            route_factor=float(scenario.get("route_factor", 1.4)),
            per_hop_ms=float(scenario.get("per_hop_delay_ms", 0.5)),
        )


__all__ = ["LatencyModel"]
