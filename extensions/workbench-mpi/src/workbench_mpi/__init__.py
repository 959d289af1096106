"""Mazziotta-Pareto Index (MPI) for the City AI Planning Workbench.

Provides, as workbench plugins:

* ``mpi`` (index aggregator): the Mazziotta-Pareto Index, a non-compensatory composite that
  penalises units whose indicators are unbalanced (Mazziotta & Pareto 2016);
* ``mpi_standardise`` (index normaliser): the MPI's own standardisation (mean 100, sd 10);
* ``ai_infrastructure_readiness`` (sample): a one-level indicator set over the workbench's
  sample City AI Index cube, aggregated with ``mpi``.
"""

from workbench_mpi.aggregate import mpi, mpi_standardise
from workbench_mpi.indicators import FRAMEWORK_CSV, SPEC_YAML, load_framework

__version__ = "0.1.0"

#: The workbench versions this plugin works with (checked by the workbench on load).
requires_workbench = ">=0.1,<0.2"

__all__ = ["FRAMEWORK_CSV", "SPEC_YAML", "load_framework", "mpi", "mpi_standardise"]
