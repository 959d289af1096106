"""An indicator set for the MPI: AI-infrastructure readiness of cities.

Eight indicators of the workbench's sample City AI Index cube that together describe whether a
city can host AI as infrastructure (compute, energy, connectivity, talent, digital services,
data security), aggregated in one level with the Mazziotta-Pareto Index, so that a city strong
in compute but weak in security or energy cost is not compensated. The framework is in COINr's
iMeta layout (the workbench's framework table); its ``Aggregation`` column selects ``mpi``.

The indicator values in the sample cube are synthetic (see the workbench's sample_data README).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

FRAMEWORK_CSV: Path = Path(str(resources.files("workbench_mpi") / "data" / "ai_readiness.csv"))
"""The framework table (iMeta layout) of the indicator set."""

SPEC_YAML: Path = Path(str(resources.files("workbench_mpi") / "data" / "mpi_spec.yaml"))
"""A pipeline spec that normalises (min-max) and aggregates with the MPI."""


def load_framework() -> Any:
    """AI-infrastructure readiness framework (8 indicators, MPI aggregation; sample plugin)."""
    import pandas as pd

    return pd.read_csv(FRAMEWORK_CSV)


__all__ = ["FRAMEWORK_CSV", "SPEC_YAML", "load_framework"]
