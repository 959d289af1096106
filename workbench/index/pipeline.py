"""Declarative, replayable index pipelines.

A pipeline is a list of steps in the order they run. It round-trips through a plain spec
(``{"steps": [{"normalise": {"method": "minmax"}}, ...]}``) and YAML, so a run can be stored
next to its results and replayed::

    pipe = Pipeline.from_yaml("spec.yaml")
    result = pipe.run(cube, framework)
    result.to_netcdf("index.nc")       # spec and provenance travel in attrs
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import SpecError
from workbench.index.steps import STEPS, Aggregate, Normalise, Screen, Step, Tier, Treat, Weight

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from workbench.index.framework import Framework
    from workbench.index.result import IndexResult

SPEC_VERSION = 1


def _make_step(entry: Any, position: int) -> Step:
    if isinstance(entry, Step):
        return entry
    if isinstance(entry, str):
        entry = {entry: {}}
    if not isinstance(entry, Mapping) or len(entry) != 1:
        msg = (
            f"Pipeline step {position} must be a mapping with one key, the step name, e.g. "
            f"{{'normalise': {{'method': 'minmax'}}}}; got {entry!r}."
        )
        raise SpecError(msg)
    ((name, params),) = entry.items()
    params = {} if params is None else params
    if not isinstance(params, Mapping):
        msg = (
            f"Pipeline step {position} ('{name}'): settings must be a mapping such as "
            f"{{method: minmax}}; got {params!r}."
        )
        raise SpecError(msg)
    cls = STEPS.get(str(name))
    try:
        return cls(**dict(params))
    except TypeError as exc:
        import inspect

        from workbench.errors import did_you_mean

        allowed = [p for p in list(inspect.signature(cls.__init__).parameters)[1:] if p != "params"]
        bad = [k for k in params if k not in allowed]
        hint = did_you_mean(bad[0], allowed) if bad else ""
        msg = (
            f"Pipeline step {position} ('{name}'): {exc}.{hint} Valid settings: "
            f"{', '.join(allowed)}."
        )
        raise SpecError(msg) from None


class Pipeline:
    """An ordered list of index steps.

    Parameters
    ----------
    steps
        Step objects, or spec entries ``{"name": {settings}}`` (or bare step names).
    name
        Optional name stored in the spec.

    Notes
    -----
    When a spec has no ``aggregate`` step, a weighted arithmetic mean is added at the end; when
    it has no ``tier`` step, quantile tiers (Leading, Dynamic, Potential) are added after it.
    """

    def __init__(self, steps: Sequence[Any], name: str | None = None) -> None:
        if isinstance(steps, str | bytes) or not isinstance(steps, Sequence):
            msg = f"`steps` must be a list of steps; got {type(steps).__name__}."
            raise SpecError(msg)
        if len(steps) == 0:
            msg = "`steps` is empty. A pipeline needs at least a normalise step."
            raise SpecError(msg)
        self.steps: list[Step] = [_make_step(s, i + 1) for i, s in enumerate(steps)]
        self.name = name
        names = [s.name for s in self.steps]
        if "aggregate" in names:
            after = [n for n in names[names.index("aggregate") + 1 :] if n not in ("tier",)]
            if after:
                msg = (
                    f"Step(s) {after} come after 'aggregate'; only 'tier' may follow aggregation. "
                    "Move them before the aggregate step."
                )
                raise SpecError(msg)
        if (
            "tier" in names
            and "aggregate" in names
            and names.index("tier") < names.index("aggregate")
        ):
            msg = "The 'tier' step must come after the 'aggregate' step."
            raise SpecError(msg)

    # ------------------------------------------------------------------ specs
    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | Sequence[Any]) -> Pipeline:
        """Build a pipeline from a spec mapping (``{"steps": [...]}``) or a list of steps."""
        if isinstance(spec, Mapping):
            unknown = [k for k in spec if k not in ("steps", "name", "version", "description")]
            if unknown:
                msg = (
                    f"Unknown key(s) {unknown} in the pipeline spec. Valid keys: steps, name, "
                    "version, description."
                )
                raise SpecError(msg)
            if "steps" not in spec:
                msg = (
                    "The pipeline spec has no 'steps' list. Write steps: [- normalise: {...}, ...]."
                )
                raise SpecError(msg)
            return cls(spec["steps"], name=spec.get("name"))
        return cls(spec)

    def to_spec(self) -> dict[str, Any]:
        """Return the pipeline as a plain spec (lists, dicts, numbers, strings)."""
        out: dict[str, Any] = {"version": SPEC_VERSION}
        if self.name:
            out["name"] = self.name
        out["steps"] = [{s.name: _plain(s.get_params())} for s in self.steps]
        return out

    @classmethod
    def from_yaml(cls, source: str | Path) -> Pipeline:
        """Build a pipeline from a YAML file path or YAML text."""
        import yaml

        text = str(source)
        if isinstance(source, Path) or ("\n" not in text and text.endswith((".yaml", ".yml"))):
            p = Path(source)
            if not p.exists():
                msg = f"Spec file {str(p)!r} does not exist. Check the path."
                raise SpecError(msg)
            text = p.read_text(encoding="utf-8")
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            msg = f"The pipeline spec is not valid YAML: {exc}"
            raise SpecError(msg) from None
        if spec is None:
            msg = "The pipeline spec is empty. Write steps: [- normalise: {method: minmax}]."
            raise SpecError(msg)
        return cls.from_spec(spec)

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Serialise the spec to YAML; also write it to ``path`` when given."""
        import yaml

        text = yaml.safe_dump(self.to_spec(), sort_keys=False, allow_unicode=True)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    # ------------------------------------------------------------------ running
    def full_steps(self) -> list[Step]:
        """Return the steps that run, including the default aggregate and tier steps."""
        steps = list(self.steps)
        names = [s.name for s in steps]
        if "aggregate" not in names:
            steps.append(Aggregate())
        if "tier" not in names:
            steps.append(Tier())
        return steps

    def run(
        self, cube: xr.Dataset, framework: Any = None, *, year: int | None = None
    ) -> IndexResult:
        """Fit every step on ``cube`` in order and return the :class:`IndexResult`.

        Parameters
        ----------
        cube
            Indicator cube ``value(city, indicator[, year])``.
        framework
            A :class:`~workbench.index.Framework` (or iMeta table); defaults to
            ``cube.attrs['framework']``.
        year
            Keep only this year of a multi-year cube before running.
        """
        import datetime as _dt

        from workbench.data.schema import check_cube
        from workbench.dims import YEAR
        from workbench.index._cube import has_year
        from workbench.index.result import IndexResult
        from workbench.index.steps.base import resolve_framework

        # the full check (finite values, every indicator with a value...); the cube itself is
        # used as given, so results do not depend on canonicalisation
        check_cube(
            cube,
            source=str(getattr(cube, "attrs", {}).get("source") or "cube"),
            require_values=True,
        )
        fw = resolve_framework(cube, framework)
        if year is not None:
            if not has_year(cube):
                msg = (
                    f"`year`={year} was given but the cube has no '{YEAR}' dimension; drop --year."
                )
                raise SpecError(msg)
            years = [int(y) for y in cube[YEAR].values]
            if int(year) not in years:
                msg = f"`year`={year} is not in the cube; it has {years}."
                raise SpecError(msg)
            cube = cube.sel({YEAR: [int(year)]})
        steps = [copy.deepcopy(s) for s in self.full_steps()]
        removed: tuple[str, ...] = ()
        treatment = None
        treated = normalised = None
        weights: dict[str, float] | None = None
        current = cube
        for s in steps:
            current = s.fit_transform(current, fw)
            if isinstance(s, Screen):
                removed = removed + s.removed_
            elif isinstance(s, Treat):
                treatment = s.table_
                treated = current
            elif isinstance(s, Normalise):
                normalised = current
            elif isinstance(s, Weight):
                weights = s.weights_
        agg = next(s for s in steps if isinstance(s, Aggregate))
        tier = next(s for s in steps if isinstance(s, Tier))
        provenance = {
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "source": str(cube.attrs.get("source", "")),
            "steps_run": [s.name for s in steps],
            "year": year,
        }
        from workbench._version import __version__

        provenance["workbench_version"] = __version__
        return IndexResult.build(
            aggregated=current,
            framework=fw,
            spec=self.to_spec(),
            removed=removed,
            treatment=treatment,
            treated=treated,
            normalised=normalised,
            weights=weights
            if weights is not None
            else {k: v for d in agg.weights_.values() for k, v in d.items()},
            breaks=tuple(float(b) for b in tier.breaks_),
            tier_labels=tuple(tier.labels),
            provenance=provenance,
            steps=tuple(steps),
            data=cube,
        )

    def __repr__(self) -> str:
        return f"Pipeline([{', '.join(s.name for s in self.steps)}])"


def _plain(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if callable(obj):
        mod = getattr(obj, "__module__", None)
        name = getattr(obj, "__qualname__", None)
        return f"{mod}:{name}" if mod and name else repr(obj)
    return obj


def run_index(
    cube: xr.Dataset,
    spec: Any = None,
    framework: Framework | Any = None,
    *,
    year: int | None = None,
) -> IndexResult:
    """Run an index pipeline in one call.

    Parameters
    ----------
    cube
        Indicator cube.
    spec
        A :class:`Pipeline`, a spec mapping/list, a YAML path, or ``None`` for the default
        (min-max 0-100, arithmetic means, quantile tiers).
    framework
        Framework (defaults to ``cube.attrs['framework']``).
    year
        Keep only this year of a multi-year cube.
    """
    if spec is None:
        pipe = Pipeline([{"normalise": {"method": "minmax", "range": [0, 100]}}])
    elif isinstance(spec, Pipeline):
        pipe = spec
    elif isinstance(spec, str | Path):
        pipe = Pipeline.from_yaml(spec)
    else:
        pipe = Pipeline.from_spec(spec)
    return pipe.run(cube, framework, year=year)


__all__ = ["Pipeline", "run_index"]
