"""The index framework: a hierarchy of indicators and aggregates of any depth.

A :class:`Framework` is built from a COINr ``iMeta``-like table (``iCode, iName, Level, Parent,
Direction, Weight, Type`` plus optional ``iName_zh, Unit, Target, Denominator, Aggregation``) and
is immutable: methods that change weights return a new framework. Rows whose ``Type`` is
``Group``, ``Denominator`` or ``Other`` describe extra columns of the data and are kept apart.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from workbench.data.schema import (  # noqa: F401 - re-exported names of the framework layout
    FRAMEWORK_REQUIRED as REQUIRED_COLUMNS,
)
from workbench.data.schema import NODE_TYPES
from workbench.errors import SpecError, did_you_mean


@dataclass(frozen=True)
class Node:
    """One node of the framework: an indicator or an aggregate.

    Attributes
    ----------
    code, name, name_zh
        Code (``iCode``), English and Chinese names.
    level
        1 for indicators, increasing towards the index.
    parent
        Code of the parent aggregate, ``None`` for the root.
    direction
        +1 when more is better, -1 when less is better (also allowed on aggregates).
    weight
        Weight within the parent (renormalised over siblings when used).
    type
        ``"Indicator"`` or ``"Aggregate"``.
    unit, target, denominator
        Unit label, optional target value, optional denominator column.
    aggregation
        Optional aggregation method of this aggregate (overrides the pipeline's default).
    """

    code: str
    name: str
    level: int
    parent: str | None
    direction: int
    weight: float
    type: str
    name_zh: str = ""
    unit: str = ""
    target: float | None = None
    denominator: str | None = None
    aggregation: str | None = None


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip() in ("", "nan", "NaN", "None")


@dataclass(frozen=True)
class Framework:
    """An immutable index framework (indicators -> aggregates -> one root).

    Build it with :meth:`from_table` (a DataFrame or records in COINr's ``iMeta`` layout);
    the constructor validates the hierarchy and raises :class:`~workbench.errors.SpecError`
    for cycles, unknown parents, several roots, bad directions or non-numeric weights.

    Parameters
    ----------
    nodes
        The indicator and aggregate nodes.
    extra
        Rows of other types (``Group``, ``Denominator``...) as dicts.
    """

    nodes: tuple[Node, ...]
    extra: tuple[Mapping[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        self._validate()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_table(cls, table: Any) -> Framework:
        """Build a framework from a COINr ``iMeta``-like table.

        Parameters
        ----------
        table
            A :class:`pandas.DataFrame`, a list of dicts, or a path to a CSV file.

        Returns
        -------
        Framework
        """
        import pandas as pd

        from workbench.data.schema import validate_framework

        if isinstance(table, str) or hasattr(table, "__fspath__"):
            table = pd.read_csv(table)
        df = pd.DataFrame(table)
        nodes: list[Node] = []
        extra: list[dict[str, Any]] = []
        for rec in validate_framework(df.to_dict("records")):
            if rec["Type"] not in NODE_TYPES:
                extra.append(rec)
                continue
            nodes.append(
                Node(
                    code=rec["iCode"],
                    name="" if _blank(rec.get("iName")) else str(rec["iName"]),
                    name_zh="" if _blank(rec.get("iName_zh")) else str(rec["iName_zh"]),
                    level=rec["Level"] if rec["Level"] is not None else 0,
                    parent=rec["Parent"],
                    direction=rec["Direction"],
                    weight=rec["Weight"],
                    type=rec["Type"],
                    unit="" if _blank(rec.get("Unit")) else str(rec["Unit"]),
                    target=rec["Target"],
                    denominator=rec["Denominator"],
                    aggregation=rec["Aggregation"],
                )
            )
        return cls(tuple(nodes), tuple(extra))

    @classmethod
    def from_json(cls, text: str) -> Framework:
        """Build a framework from a JSON list of records (as stored in a cube's attrs)."""
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"The framework JSON could not be parsed: {exc}. Store a JSON list of records."
            raise SpecError(msg) from None
        return cls.from_table(records)

    def to_table(self) -> Any:
        """Return the framework as a :class:`pandas.DataFrame` in COINr's ``iMeta`` layout."""
        import pandas as pd

        rows = [
            {
                "iCode": n.code,
                "iName": n.name,
                "iName_zh": n.name_zh,
                "Level": n.level,
                "Parent": n.parent,
                "Direction": n.direction,
                "Weight": n.weight,
                "Type": n.type,
                "Unit": n.unit,
                "Target": n.target,
                "Denominator": n.denominator,
                "Aggregation": n.aggregation,
            }
            for n in self.nodes
        ]
        return pd.DataFrame(rows + [dict(e) for e in self.extra])

    def to_json(self) -> str:
        """Return the framework as a JSON list of records."""
        return self.to_table().to_json(orient="records", force_ascii=False)

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        """Check the hierarchy with the one framework validator (:mod:`workbench.data.schema`)."""
        from workbench.data.schema import check_framework_hierarchy

        check_framework_hierarchy(
            [
                {"iCode": n.code, "Parent": n.parent, "Type": n.type, "Weight": n.weight}
                for n in self.nodes
            ]
            + [{"iCode": str(e.get("iCode")), "Type": e.get("Type")} for e in self.extra]
        )

    # ------------------------------------------------------------------ queries
    def node(self, code: str) -> Node:
        """Return the node with ``code``; raises :class:`SpecError` with suggestions."""
        for n in self.nodes:
            if n.code == code:
                return n
        from workbench.errors import unknown_name

        raise SpecError(unknown_name("framework node", code, self.codes))

    @property
    def codes(self) -> tuple[str, ...]:
        """All node codes."""
        return tuple(n.code for n in self.nodes)

    @property
    def indicators(self) -> tuple[str, ...]:
        """Indicator codes in table order."""
        return tuple(n.code for n in self.nodes if n.type == "Indicator")

    @property
    def root(self) -> str:
        """Code of the top node (the index)."""
        return next(n.code for n in self.nodes if n.parent is None)

    def children(self, code: str) -> tuple[str, ...]:
        """Codes of the children of ``code`` in table order."""
        return tuple(n.code for n in self.nodes if n.parent == code)

    def depth(self, code: str) -> int:
        """Distance from ``code`` down to its deepest indicator (0 for indicators)."""
        kids = self.children(code)
        return 0 if not kids else 1 + max(self.depth(k) for k in kids)

    @property
    def aggregates(self) -> tuple[str, ...]:
        """Aggregate codes ordered bottom-up (every child before its parent)."""
        aggs = [n.code for n in self.nodes if n.type == "Aggregate"]
        return tuple(sorted(aggs, key=lambda c: (self.depth(c), aggs.index(c))))

    def levels(self) -> dict[str, int]:
        """Hierarchy level of every node: 1 for indicators, parent = 1 + deepest child."""
        return {c: self.depth(c) + 1 for c in self.codes}

    def weights(self, code: str, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
        """Weights of the children of ``code`` normalised to sum to 1.

        Parameters
        ----------
        code
            An aggregate code.
        overrides
            Optional ``{child_code: weight}`` replacing framework weights.
        """
        kids = self.children(code)
        ov = overrides or {}
        raw = [float(ov.get(k, self.node(k).weight)) for k in kids]
        total = sum(raw)
        if total <= 0:
            msg = (
                f"The weights of the children of '{code}' sum to {total}; at least one must be "
                "positive."
            )
            raise SpecError(msg)
        return {k: w / total for k, w in zip(kids, raw, strict=True)}

    def effective_weights(self, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
        """Return each indicator's weight in the root score (product of weights on its path)."""
        out: dict[str, float] = {}
        for ind in self.indicators:
            w = 1.0
            cur = ind
            while (p := self.node(cur).parent) is not None:
                w *= self.weights(p, overrides)[cur]
                cur = p
            out[ind] = w
        return out

    def lineage(self, code: str) -> tuple[str, ...]:
        """Codes from ``code`` up to the root."""
        out = [code]
        while (p := self.node(out[-1]).parent) is not None:
            out.append(p)
        return tuple(out)

    def descendants(self, code: str) -> tuple[str, ...]:
        """Return indicator codes below ``code``."""
        if self.node(code).type == "Indicator":
            return (code,)
        return tuple(i for k in self.children(code) for i in self.descendants(k))

    @property
    def groups(self) -> tuple[str, ...]:
        """Codes of ``Group`` rows (unit grouping columns)."""
        return tuple(str(e["iCode"]) for e in self.extra if e.get("Type") == "Group")

    @property
    def denominators(self) -> tuple[str, ...]:
        """Codes of ``Denominator`` rows."""
        return tuple(str(e["iCode"]) for e in self.extra if e.get("Type") == "Denominator")

    def with_weights(self, weights: Mapping[str, float]) -> Framework:
        """Return a copy with the given node weights replaced."""
        unknown = [k for k in weights if k not in self.codes]
        if unknown:
            msg = (
                f"`weights` names unknown node(s) {unknown}."
                f"{did_you_mean(unknown[0], self.codes)} Use codes of the framework."
            )
            raise SpecError(msg)
        nodes = tuple(
            replace(n, weight=float(weights[n.code])) if n.code in weights else n
            for n in self.nodes
        )
        return Framework(nodes, self.extra)

    def subset(self, indicators: Iterable[str]) -> Framework:
        """Return the framework restricted to ``indicators`` (empty aggregates are dropped)."""
        keep = set(indicators)
        nodes = [n for n in self.nodes if n.type == "Aggregate" or n.code in keep]
        changed = True
        while changed:
            parents = {n.parent for n in nodes}
            new = [n for n in nodes if n.type == "Indicator" or n.code in parents]
            changed = len(new) != len(nodes)
            nodes = new
        return Framework(tuple(nodes), self.extra)

    def __len__(self) -> int:
        return len(self.nodes)


def as_framework(obj: Any) -> Framework:
    """Coerce a Framework, DataFrame, records, CSV path or JSON string to a :class:`Framework`."""
    if isinstance(obj, Framework):
        return obj
    if isinstance(obj, str) and obj.lstrip().startswith("["):
        return Framework.from_json(obj)
    if obj is None:
        msg = (
            "No framework given and the cube carries none in attrs['framework']. Pass "
            "framework=Framework.from_table(imeta)."
        )
        raise SpecError(msg)
    return Framework.from_table(obj)


__all__ = ["Framework", "Node", "as_framework"]
