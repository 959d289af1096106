"""The ``heatwave_blackout`` scenario (registered in the ``scenarios`` registry)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from workbench.citymodel.scenarios import Scenario

requires_workbench = ">=0.1,<0.2"

SCENARIO_YAML: Path = Path(
    str(resources.files("workbench_heatstress") / "scenarios" / "heatwave_blackout.yaml")
)
"""The scenario file (usable directly with ``workbench simulate --scenario PATH``)."""

HEATWAVE_BLACKOUT: Scenario = Scenario.from_yaml(SCENARIO_YAML)
"""A three-day heatwave with a 12-hour feeder blackout in Huangpu and Jing'an."""

__all__ = ["HEATWAVE_BLACKOUT", "SCENARIO_YAML"]
