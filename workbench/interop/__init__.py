"""Digital-twin interchange: NGSI-LD (FIWARE) and Eclipse Ditto.

Export siting plans (the selected sites of a siting result) and simulation results (a cube of
metrics over ``time x district``) to the formats city digital-twin platforms read, and import
district-level observations from NGSI-LD temporal JSON into a cube. Every document the
exporters write is checked against a JSON Schema of the subset of the format the workbench
emits (``workbench/interop/schemas/``), and the importers read back what the exporters write.

Examples
--------
A plan (here three candidate sites of the Shanghai sample) and a short simulation, out and back:

>>> import workbench as wb
>>> from workbench.interop import ditto, ngsild
>>> sites = wb.load_sample("shanghai_siting")["sites"].head(3)
>>> entities = ngsild.plan_to_entities(sites, plan_id="shanghai-2026")
>>> [e["type"] for e in entities]
['SitingPlan', 'ComputeSite', 'ComputeSite', 'ComputeSite']
>>> run = wb.simulate(scenario="baseline", seed=1, hours=3)
>>> temporal = ngsild.cube_to_temporal(run.dataset, start="2026-07-15T00:00:00Z", step="1h")
>>> cube = ngsild.temporal_to_cube(temporal)
>>> dict(cube.sizes)
{'time': 3, 'district': 16}
>>> things = ditto.plan_to_things(sites, namespace="cn.shanghai.compute")
>>> things[0]["thingId"]
'cn.shanghai.compute:site-H001'
"""

from __future__ import annotations

from workbench.interop._common import UNIT_CODES, unit_code, validate

__all__ = ["UNIT_CODES", "unit_code", "validate"]
