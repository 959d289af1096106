"""Index steps (estimator-shaped) and their method registries."""

from workbench.index.steps.aggregate import Aggregate
from workbench.index.steps.base import AGGREGATORS, NORMALISERS, STEPS, TIERS, WEIGHTS, Step
from workbench.index.steps.data_steps import Denominate, Impute, Screen
from workbench.index.steps.normalise import Normalise
from workbench.index.steps.tier import Tier
from workbench.index.steps.treat import Treat
from workbench.index.steps.weight import Weight

__all__ = [
    "AGGREGATORS",
    "NORMALISERS",
    "STEPS",
    "TIERS",
    "WEIGHTS",
    "Aggregate",
    "Denominate",
    "Impute",
    "Normalise",
    "Screen",
    "Step",
    "Tier",
    "Treat",
    "Weight",
]
