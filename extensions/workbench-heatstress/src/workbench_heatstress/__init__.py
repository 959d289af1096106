"""Heat stress for the City AI Planning Workbench's city model (example plugin package).

Provides:

* the agent ``heat_stress`` (:class:`HeatStressAgent`): public cooling centres that, during a
  heatwave, claim ``essential`` power on every district's feeder for vulnerable residents,
  and a district heat-stress index that rises with heat and falls with the cooling power the
  orchestrator grants;
* the scenario ``heatwave_blackout``: a three-day heatwave during which the feeders of two
  central districts (Huangpu, Jing'an) fail for 12 hours from the afternoon peak
  (the city model's ``feeder_outage`` event).
"""

from workbench_heatstress.agent import HeatStressAgent, attach
from workbench_heatstress.scenario import HEATWAVE_BLACKOUT, SCENARIO_YAML

__version__ = "0.1.0"

#: The workbench versions this plugin works with (checked by the workbench on load).
requires_workbench = ">=0.1,<0.2"

__all__ = ["HEATWAVE_BLACKOUT", "SCENARIO_YAML", "HeatStressAgent", "attach"]
