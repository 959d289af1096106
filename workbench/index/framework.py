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

from workbench.errors import SpecError, did_you_mean

REQUIRED_COLUMNS = ("iCode", "Parent", "Direction", "Weight", "Type")
"""Columns a framework table must have (``Level`` and ``iName`` are optional)."""
NODE_TYPES = ("Indicator", "Aggregate")
OTHER_TYPES = ("Group", "Denominator", "Other")


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


def _num(v: Any, column: str, code: str, row: int, *, allow_blank: bool = False) -> float | None:
    if _blank(v):
        if allow_blank:
            return None
        msg = (
            f"Framework row {row} ('{code}'), column '{column}': a number is required; the cell is "
            f"empty. Fill in '{column}' (for example 1)."
        )
        raise SpecError(msg)
    try:
        out = float(v)
    except (TypeError, ValueError):
        msg = (
            f"Framework row {row} ('{code}'), column '{column}' must be numeric; got {v!r}. "
            f"Write a number such as 1 or 0.5."
        )
        raise SpecError(msg) from None
    if not math.isfinite(out):
        msg = f"Framework row {row} ('{code}'), column '{column}' must be finite; got {v!r}."
        raise SpecError(msg)
    return out


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

        if isinstance(table, str) or hasattr(table, "__fspath__"):
            table = pd.read_csv(table)
        df = pd.DataFrame(table)
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            msg = (
                f"The framework table lacks the required column(s) {missing}; it has "
                f"{list(map(str, df.columns))}. A framework needs {list(REQUIRED_COLUMNS)} "
                "(COINr iMeta layout)."
            )
            raise SpecError(msg)
        nodes: list[Node] = []
        extra: list[dict[str, Any]] = []
        for i, rec in enumerate(df.to_dict("records"), start=1):
            code = rec.get("iCode")
            if _blank(code):
                msg = f"Framework row {i}: 'iCode' is empty. Give every row a unique code."
                raise SpecError(msg)
            code = str(code).strip()
            typ = "" if _blank(rec.get("Type")) else str(rec["Type"]).strip()
            if typ in OTHER_TYPES:
                extra.append({k: (None if _blank(v) else v) for k, v in rec.items()})
                continue
            if typ not in NODE_TYPES:
                msg = (
                    f"Framework row {i} ('{code}'), column 'Type': unknown type {typ!r}."
                    f"{did_you_mean(typ, NODE_TYPES + OTHER_TYPES)} Valid choices: "
                    f"{', '.join(NODE_TYPES + OTHER_TYPES)}."
                )
                raise SpecError(msg)
            direction = _num(rec.get("Direction"), "Direction", code, i, allow_blank=True)
            direction = 1.0 if direction is None else direction
            if direction not in (1.0, -1.0):
                msg = (
                    f"Framework row {i} ('{code}'), column 'Direction' must be 1 or -1; got "
                    f"{rec.get('Direction')!r}. Use -1 where less is better."
                )
                raise SpecError(msg)
            weight = _num(rec.get("Weight"), "Weight", code, i)
            assert weight is not None
            if weight < 0:
                msg = (
                    f"Framework row {i} ('{code}'), column 'Weight' must be >= 0; got {weight}. "
                    "Use 0 to switch a component off."
                )
                raise SpecError(msg)
            level = _num(rec.get("Level"), "Level", code, i, allow_blank=True)
            parent = None if _blank(rec.get("Parent")) else str(rec["Parent"]).strip()
            nodes.append(
                Node(
                    code=code,
                    name="" if _blank(rec.get("iName")) else str(rec["iName"]),
                    name_zh="" if _blank(rec.get("iName_zh")) else str(rec["iName_zh"]),
                    level=int(level) if level is not None else (1 if typ == "Indicator" else 0),
                    parent=parent,
                    direction=int(direction),
                    weight=weight,
                    type=typ,
                    unit="" if _blank(rec.get("Unit")) else str(rec["Unit"]),
                    target=_num(rec.get("Target"), "Target", code, i, allow_blank=True),
                    denominator=None
                    if _blank(rec.get("Denominator"))
                    else str(rec["Denominator"]).strip(),
                    aggregation=None
                    if _blank(rec.get("Aggregation"))
                    else str(rec["Aggregation"]).strip(),
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
        codes = [n.code for n in self.nodes]
        seen: set[str] = set()
        for c in codes:
            if c in seen:
                msg = (
                    f"Framework: iCode '{c}' appears more than once. Give every node a unique code."
                )
                raise SpecError(msg)
            seen.add(c)
        by_code = {n.code: n for n in self.nodes}
        aggregates = [n.code for n in self.nodes if n.type == "Aggregate"]
        if not any(n.type == "Indicator" for n in self.nodes):
            msg = "Framework has no rows of Type 'Indicator'. Add at least one indicator row."
            raise SpecError(msg)
        for n in self.nodes:
            if n.parent is None:
                continue
            if n.parent not in by_code:
                msg = (
                    f"Framework: node '{n.code}' has Parent '{n.parent}', which is not a code of "
                    f"the framework.{did_you_mean(n.parent, aggregates)} Add a row for "
                    f"'{n.parent}' or fix the Parent."
                )
                raise SpecError(msg)
            if by_code[n.parent].type != "Aggregate":
                msg = (
                    f"Framework: node '{n.code}' has Parent '{n.parent}', which is an indicator; "
                    "parents must be of Type 'Aggregate'."
                )
                raise SpecError(msg)
        for n in self.nodes:
            if n.type == "Indicator" and n.parent is None and len(self.nodes) > 1:
                msg = (
                    f"Framework: indicator '{n.code}' has no Parent. Every indicator must belong "
                    "to an aggregate; set its Parent."
                )
                raise SpecError(msg)
        for n in self.nodes:  # cycles
            path = [n.code]
            cur = n.parent
            while cur is not None:
                if cur in path:
                    cycle = " -> ".join([*path, cur])
                    msg = f"Framework: the Parent links form a cycle ({cycle}). Break the cycle."
                    raise SpecError(msg)
                path.append(cur)
                cur = by_code[cur].parent
        roots = [n.code for n in self.nodes if n.parent is None]
        if len(roots) != 1:
            msg = (
                f"Framework must have exactly one root (a node without Parent); found "
                f"{len(roots)}: {roots}. Give all but the index node a Parent."
            )
            raise SpecError(msg)
        parents = {n.parent for n in self.nodes}
        for a in aggregates:
            if a not in parents:
                msg = (
                    f"Framework: aggregate '{a}' has no children. Remove it or set it as the "
                    "Parent of some nodes."
                )
                raise SpecError(msg)
        for a in aggregates:
            kids = [n for n in self.nodes if n.parent == a]
            if sum(k.weight for k in kids) <= 0:
                msg = (
                    f"Framework: the weights of the children of '{a}' sum to 0 "
                    f"({[k.code for k in kids]}). Give at least one child a positive weight."
                )
                raise SpecError(msg)

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
