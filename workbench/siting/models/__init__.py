"""Built-in siting models, registered in the ``siting_models`` registry."""

from __future__ import annotations

from workbench.siting.models.base import SitingModel, registry
from workbench.siting.models.covering import LSCP, MCLP, BackupCovering
from workbench.siting.models.median import CFLP, PCenter, PDispersion, PMedian

BUILTIN_MODELS: tuple[type[SitingModel], ...] = (
    LSCP,
    BackupCovering,
    MCLP,
    PMedian,
    PCenter,
    PDispersion,
    CFLP,
)

for _cls in BUILTIN_MODELS:
    registry().register(_cls.name, _cls, builtin=True)

__all__ = [
    "BUILTIN_MODELS",
    "CFLP",
    "LSCP",
    "MCLP",
    "BackupCovering",
    "PCenter",
    "PDispersion",
    "PMedian",
    "SitingModel",
    "registry",
]
