"""The City AI Index engine: framework, estimator-shaped steps, pipelines and analyses.

Quick start::

    from workbench.index.io import read_coinr
    from workbench.index import Pipeline

    cube, framework = read_coinr("ASEM_iData.csv", "ASEM_iMeta.csv")
    result = Pipeline.from_yaml("spec.yaml").run(cube, framework)
    result.table()
"""

from __future__ import annotations

from workbench.index import accessor as _accessor  # registers cube.cai
from workbench.index.framework import Framework, Node
from workbench.index.pipeline import Pipeline, run_index
from workbench.index.result import IndexResult
from workbench.index.steps import (
    Aggregate,
    Denominate,
    Impute,
    Normalise,
    Screen,
    Step,
    Tier,
    Treat,
    Weight,
)

_ = _accessor


def __getattr__(name: str):  # lazy heavy modules
    import importlib

    lazy = {
        "uncertainty": "workbench.index.uncertainty",
        "UncertaintyResult": "workbench.index.uncertainty",
        "development_path": "workbench.index.paths",
        "what_if": "workbench.index.paths",
        "profile": "workbench.index.paths",
        "peer_group": "workbench.index.paths",
        "DevelopmentPath": "workbench.index.paths",
        "tier_path": "workbench.index.trajectory",
        "TierPath": "workbench.index.trajectory",
        "read_coinr": "workbench.index.io",
        "indicator_stats": "workbench.index.analysis",
        "correlations": "workbench.index.analysis",
        "cronbach_alpha": "workbench.index.analysis",
        "pca_summary": "workbench.index.analysis",
        "compare": "workbench.index.analysis",
        "remove_elements": "workbench.index.analysis",
        "trends": "workbench.index.analysis",
    }
    if name in lazy:
        return getattr(importlib.import_module(lazy[name]), name)
    msg = f"module 'workbench.index' has no attribute '{name}'"
    raise AttributeError(msg)


__all__ = [
    "Aggregate",
    "Denominate",
    "DevelopmentPath",
    "Framework",
    "Impute",
    "IndexResult",
    "Node",
    "Normalise",
    "Pipeline",
    "Screen",
    "Step",
    "Tier",
    "Treat",
    "UncertaintyResult",
    "Weight",
    "compare",
    "correlations",
    "cronbach_alpha",
    "development_path",
    "indicator_stats",
    "pca_summary",
    "peer_group",
    "profile",
    "remove_elements",
    "read_coinr",
    "run_index",
    "tier_path",
    "trends",
    "uncertainty",
    "what_if",
]
