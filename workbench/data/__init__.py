"""Load, validate and describe data: the shipped samples and user files.

``workbench.data`` is the only part of the workbench that touches files. It gives

- the sample data sets: :func:`load_sample`, :func:`list_samples`, :func:`describe_sample`
  (registered in the ``samples`` plugin registry, so plugins can add samples);
- readers of user data into the canonical objects: :func:`read_any` (by extension),
  :func:`read_cube` (NetCDF, Zarr, CSV, Excel), :func:`read_geo` (GeoJSON, GeoPackage),
  :func:`long_to_cube` / :func:`wide_to_cube` and back;
- the schema and its checks (:mod:`workbench.data.schema`) and :func:`validate_file`.

Bad input raises :class:`~workbench.errors.DataError` (or :class:`~workbench.errors.SchemaError`)
with a message that names the file, the row/column or coordinate, the rule and the fix.
Importing this package is cheap: pandas, xarray and geopandas load on first use.
"""

from __future__ import annotations

from workbench.data.geo import check_lonlat, read_geo
from workbench.data.readers import (
    SUPPORTED,
    ReadResult,
    load_cube,
    read_any,
    read_cube,
    read_file,
    read_siting_scenario,
    read_yaml,
    validate_file,
)
from workbench.data.samples import (
    describe_sample,
    list_samples,
    load_sample,
    sample_dir,
)
from workbench.data.schema import VALUE, check_cube, check_framework
from workbench.data.tables import (
    cube_to_long,
    cube_to_wide,
    long_to_cube,
    read_text_table,
    wide_to_cube,
)

__all__ = [
    "SUPPORTED",
    "VALUE",
    "ReadResult",
    "check_cube",
    "check_framework",
    "check_lonlat",
    "cube_to_long",
    "cube_to_wide",
    "describe_sample",
    "list_samples",
    "load_cube",
    "load_sample",
    "long_to_cube",
    "read_any",
    "read_cube",
    "read_file",
    "read_geo",
    "read_siting_scenario",
    "read_text_table",
    "read_yaml",
    "sample_dir",
    "validate_file",
    "wide_to_cube",
]
