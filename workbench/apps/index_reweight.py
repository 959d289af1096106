"""Reweighting the index's dimensions without rerunning the pipeline (a weight move, live).

A dimension-weight move changes only the top of the index: the normalised indicators and the
dimension scores below the top do not depend on the dimension weights. A :class:`Reweighter`
keeps those dimension scores of one index run (one choice of normalisation, aggregation and
year) and computes the index under new weights with the *engine's own* methods: the run's
top-node aggregator from the registry (one small matrix product for the arithmetic mean), its
tiering method refitted on the new scores, and the engine's ranking. No new number is made
here; ``tests/apps/test_index_reweight.py`` checks that the result equals a full
:func:`workbench.index.run_index` for every method the Explorer offers.

A run it cannot reproduce this way (a top node with children other than the four dimensions,
a reversed dimension, per-city weights, a different aggregator for the top node) gives no
reweighter, and the Explorer reruns the pipeline instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.apps.index_views import DIMENSIONS


@dataclass(frozen=True)
class Reweighting:
    """The index under one set of dimension weights, in the reweighter's row order.

    Attributes
    ----------
    codes
        City codes (the reweighter's :attr:`Reweighter.codes`, the same object).
    score, ranks, tiers
        Index score, rank (1 = best) and tier of each city.
    order
        Row positions best first (ties by code): the ranking's rows.
    """

    codes: np.ndarray
    score: np.ndarray
    ranks: np.ndarray
    tiers: np.ndarray
    order: np.ndarray

    def take(self, aligned: pd.DataFrame, inserts: Mapping[int, tuple[str, Any]]) -> pd.DataFrame:
        """Return the rows of ``aligned`` best first, with columns inserted.

        Parameters
        ----------
        aligned
            A frame whose rows follow :attr:`codes` (default index).
        inserts
            Position -> (column name, array in :attr:`codes` order: a NumPy or pandas array),
            inserted in the order of the positions.

        Returns
        -------
        pandas.DataFrame
            Taken block by block (no per-column type inference: the cheap part of a weight
            move), default index.
        """
        frame = aligned.take(self.order).reset_index(drop=True)
        for at in sorted(inserts):
            name, values = inserts[at]
            frame.insert(at, name, values.take(self.order))
        return frame


class Reweighter:
    """The index of one run under any dimension weights, from the run's dimension scores.

    Use :meth:`from_result`, which returns ``None`` for a run it cannot reproduce.

    Parameters
    ----------
    codes
        City codes (rows of ``scores``).
    scores
        Dimension scores, ``(cities, dimensions)`` in :data:`DIMENSIONS` order.
    aggregator, params
        The engine's aggregator of the top node and its settings.
    tier_method, tier_params, tier_labels
        The engine's tiering method, its settings and the tier names (best first).
    """

    def __init__(
        self,
        codes: np.ndarray,
        scores: np.ndarray,
        aggregator: Any,
        params: Mapping[str, Any],
        tier_method: Any,
        tier_params: Mapping[str, Any],
        tier_labels: tuple[str, ...],
    ) -> None:
        self.codes = codes
        self.scores = scores
        self._aggregator = aggregator
        self._params = dict(params)
        self._tier_method = tier_method
        self._tier_params = dict(tier_params)
        self.tier_labels = tier_labels
        self._static_of: pd.DataFrame | None = None
        self._static_frame = pd.DataFrame()

    @classmethod
    def from_result(cls, result: Any) -> Reweighter | None:
        """Return the reweighter of an ``IndexResult``, or ``None`` if it cannot reproduce it.

        Parameters
        ----------
        result
            A single-year ``IndexResult`` of the Explorer's pipeline.

        Returns
        -------
        Reweighter or None
        """
        from workbench.index.steps.base import AGGREGATORS, TIERS

        fw = result.framework
        root = fw.root
        kids = list(fw.children(root))
        if sorted(kids) != sorted(DIMENSIONS) or result.years and len(result.years) > 1:
            return None
        if any(fw.node(k).type == "Aggregate" and fw.node(k).direction == -1 for k in kids):
            return None
        if "unit_weights" in (getattr(result.data, "attrs", None) or {}):
            return None
        agg = next((s for s in result.steps if s.name == "aggregate"), None)
        tier = next((s for s in result.steps if s.name == "tier"), None)
        if agg is None or tier is None or getattr(tier, "node_", root) != root:
            return None
        method = agg.methods_[root]
        params = agg.params if method == agg.method else {}
        table = result.table()
        codes = table["code"].astype(str).to_numpy()
        scores = table[list(DIMENSIONS)].to_numpy(dtype=float)
        return cls(
            codes,
            scores,
            AGGREGATORS.get(method),
            params,
            TIERS.get(tier.method),
            tier.params,
            tuple(tier.labels),
        )

    def index(self, weights: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the index scores, ranks and tiers of every city under ``weights``.

        Parameters
        ----------
        weights
            Dimension code -> non-negative weight (not all zero).

        Returns
        -------
        tuple of numpy.ndarray
            ``(scores, ranks, tiers)`` in the order of :attr:`codes`.
        """
        from workbench.index.result import rank_desc
        from workbench.index.steps.tier import assign

        w = np.array([float(weights[d]) for d in DIMENSIONS])
        total = w.sum()
        if not total > 0:
            msg = (
                f"`weights` must not all be zero; got {dict(weights)}. Fix: give at least one "
                "dimension a positive weight."
            )
            raise ValueError(msg)
        score = np.asarray(self._aggregator(self.scores, w / total, **self._params), dtype=float)
        ranks = rank_desc(score)
        breaks = np.asarray(
            self._tier_method(score, len(self.tier_labels), **self._tier_params), dtype=float
        )
        tiers = assign(score, breaks, self.tier_labels)
        return score, ranks, tiers

    def reweigh(self, weights: Mapping[str, float]) -> Reweighting:
        """Return the index under ``weights`` (:meth:`index` with the ranking's row order).

        Parameters
        ----------
        weights
            Dimension code -> non-negative weight (not all zero).

        Returns
        -------
        Reweighting
        """
        score, ranks, tiers = self.index(weights)
        order = np.lexsort((self.codes, np.where(np.isnan(ranks), np.inf, ranks)))
        return Reweighting(self.codes, score, ranks, tiers, order)

    def aligned(self, static: pd.DataFrame) -> pd.DataFrame:
        """Return ``static`` (indexed by city code) in :attr:`codes` order with a ``code`` column.

        Cached for the last frame given (the Explorer passes the same one on every move).
        """
        if self._static_of is not static:
            self._static_of = static
            aligned = static.reindex(self.codes).reset_index(drop=True)
            aligned.insert(0, "code", self.codes)
            self._static_frame = aligned
        return self._static_frame

    def ranking_table(self, weights: Mapping[str, float], static: pd.DataFrame) -> pd.DataFrame:
        """Return the Explorer's ranking table under ``weights`` (as ``ranking_table`` gives).

        Parameters
        ----------
        weights
            Dimension code -> weight.
        static
            The columns that do not depend on the weights (dimension scores, names,
            coordinates), indexed by city code.

        Returns
        -------
        pandas.DataFrame
            ``code``, ``rank``, ``tier``, ``CAI_score``, the dimensions and the city columns,
            best first.
        """
        return self.table(self.reweigh(weights), static)

    def table(self, reweighting: Reweighting, static: pd.DataFrame) -> pd.DataFrame:
        """Return the ranking table of a :meth:`reweigh` result (see :meth:`ranking_table`)."""
        rw = reweighting
        return rw.take(
            self.aligned(static),
            {
                1: ("rank", pd.array(rw.ranks, dtype="Int64")),
                2: ("tier", rw.tiers),
                3: ("CAI_score", rw.score),
            },
        )


__all__ = ["Reweighter", "Reweighting"]
