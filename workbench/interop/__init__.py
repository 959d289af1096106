"""Digital-twin interchange: NGSI-LD (FIWARE) and Eclipse Ditto.

Export siting plans (the selected sites of a siting result) and simulation results (a cube of
metrics over ``time x district``) to the formats city digital-twin platforms read, and import
district-level observations from NGSI-LD temporal JSON into a cube. Every document the
exporters write is checked against a JSON Schema of the subset of the format the workbench
emits (``workbench/interop/schemas/``), and the importers read back what the exporters write.

Examples
--------
>>> from workbench.interop import ngsild, ditto  # doctest: +SKIP
>>> entities = ngsild.plan_to_entities(result.to_geodataframe(), plan_id="shanghai-2026")
>>> temporal = ngsild.cube_to_temporal(run_cube)
>>> cube = ngsild.temporal_to_cube(temporal)
>>> things = ditto.plan_to_things(result.to_geodataframe(), namespace="cn.shanghai.compute")
"""

from __future__ import annotations

from workbench.interop._common import UNIT_CODES, unit_code, validate

__all__ = ["UNIT_CODES", "unit_code", "validate"]
