"""Resilient compute siting for the City AI Planning Workbench (example plugin).

Provides the siting model ``resilience`` (:class:`DualDistrictCover`): open sites so that every
demand point is within the service radius of at least two open sites that lie in *different*
districts, so that a district-wide failure (a blackout, a flood) never leaves demand without a
site in range; and ``resilience_budget`` (:class:`DualDistrictBudget`): with ``p`` sites,
cover as much demand weight as possible from two districts.
"""

from workbench_resilience.model import DualDistrictBudget, DualDistrictCover, district_counts

__version__ = "0.1.0"

#: The workbench versions this plugin works with (checked by the workbench on load).
requires_workbench = ">=0.1,<0.2"

__all__ = ["DualDistrictBudget", "DualDistrictCover", "district_counts"]
