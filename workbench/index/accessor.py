"""The ``cube.cai`` xarray accessor: validates the schema and forwards; it holds no logic."""

from __future__ import annotations

from typing import Any

import xarray as xr


@xr.register_dataset_accessor("cai")
class CityAIAccessor:
    """``cube.cai``: the City AI Index functions on an indicator cube.

    Raises
    ------
    SchemaError
        On first use when the Dataset is not ``value(city, indicator[, year])``.
    """

    def __init__(self, ds: xr.Dataset) -> None:
        from workbench.data.schema import check_cube

        check_cube(ds, source="cube", structure_only=True)
        self._ds = ds

    def framework(self) -> Any:
        """Return the framework stored in the cube's attrs."""
        from workbench.index.framework import as_framework

        return as_framework(self._ds.attrs.get("framework"))

    def run(self, spec: Any = None, framework: Any = None, **kw: Any) -> Any:
        """Forward to :func:`workbench.index.run_index`."""
        from workbench.index.pipeline import run_index

        return run_index(self._ds, spec, framework, **kw)

    def score(self, spec: Any = None, framework: Any = None, **kw: Any) -> Any:
        """Top-node scores: forwards to ``run_index(...).score()``."""
        from workbench.index.pipeline import run_index

        return run_index(self._ds, spec, framework, **kw).score()

    def uncertainty(self, spec: Any = None, framework: Any = None, **kw: Any) -> Any:
        """Forward to :func:`workbench.index.uncertainty.uncertainty`."""
        from workbench.index.uncertainty import uncertainty

        return uncertainty(self._ds, spec, framework, **kw)

    def indicator_stats(self, **kw: Any) -> Any:
        """Forward to :func:`workbench.index.analysis.indicator_stats`."""
        from workbench.index.analysis import indicator_stats

        return indicator_stats(self._ds, **kw)

    def correlations(self, **kw: Any) -> Any:
        """Forward to :func:`workbench.index.analysis.correlations`."""
        from workbench.index.analysis import correlations

        return correlations(self._ds, **kw)
