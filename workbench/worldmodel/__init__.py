"""World model: a learned emulator of the city model for instant what-if and goal seeking.

>>> from workbench.worldmodel import WorldModel, train, seek
>>> wm = train("heatwave", "lp", runs=200, hours=48, out="wm_heatwave")  # doctest: +SKIP
>>> WorldModel.load("wm_heatwave").predict(carbon_price=200)  # doctest: +SKIP

The emulator is one scikit-learn Gaussian process per KPI over the scenario's knobs (declared
in its YAML), trained on full-model runs with several seeds per design point, plus an emulator
of the hourly city load and largest district's load (principal components, one GP each;
``WorldModel.predict_trajectory``), saved as plain arrays and JSON (no pickle). Goal seeking
verifies its answer with the full model and refines the emulator near an unconfirmed answer.
Engines never import apps: nothing here imports Panel.
"""

from __future__ import annotations

from workbench.worldmodel.emulator import DEFAULT_KPIS, WorldModel, fit_worldmodel
from workbench.worldmodel.seek import Goal, SeekResult, SeekRound, parse_goals, seek
from workbench.worldmodel.training import design, train, validate
from workbench.worldmodel.trajectory import TRAJECTORY_METRICS, TrajectoryEmulator

TRAINED_DIR = __import__("pathlib").Path(__file__).resolve().parent / "trained"
"""Shipped emulators (rebuilt by ``sample_data/build_worldmodel.py``; see ``trained/README.md``)."""

__all__ = [
    "DEFAULT_KPIS",
    "TRAINED_DIR",
    "TRAJECTORY_METRICS",
    "Goal",
    "SeekResult",
    "SeekRound",
    "TrajectoryEmulator",
    "WorldModel",
    "design",
    "fit_worldmodel",
    "parse_goals",
    "seek",
    "train",
    "validate",
]
