"""Readers for siting inputs: wide cost CSVs, weight/capacity CSVs, OR-Library p-median files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import DataError
from workbench.siting.problem import Problem


def read_costs_csv(path: str | Path) -> Any:
    """Read a wide cost matrix: first column demand ids, header row site ids.

    Returns
    -------
    pandas.DataFrame
        Index = demand ids (str), columns = site ids (str), float values.

    Raises
    ------
    DataError
        When the file is missing, empty, has duplicate ids or non-numeric cells (the message
        names the row and column).
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        msg = (
            f"Costs file {str(p)!r} not found. Pass a wide CSV: demand ids, then one "
            f"column per site."
        )
        raise DataError(msg)
    df = pd.read_csv(p, index_col=0, dtype={0: str})
    if df.shape[0] == 0 or df.shape[1] == 0:
        msg = (
            f"Costs file {str(p)!r} must have at least one demand row and one site column; got "
            f"shape {df.shape}. First column = demand ids, header row = site ids."
        )
        raise DataError(msg)
    df.index = df.index.astype(str)
    df.columns = [str(c) for c in df.columns]
    num = df.apply(pd.to_numeric, errors="coerce")
    bad = num.isna() & df.notna()
    if bad.to_numpy().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        msg = (
            f"Costs file {str(p)!r}: the cell at demand {df.index[r]!r}, site {df.columns[c]!r} "
            f"is {df.iloc[r, c]!r}, not a number. Costs must be numbers."
        )
        raise DataError(msg)
    return num.astype(np.float64)


def read_id_values(path: str | Path, column: str) -> dict[str, float]:
    """Read an ``id,<column>`` CSV (weights or capacities) into a dict."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        msg = f"File {str(p)!r} not found. Pass a CSV with columns id,{column}."
        raise DataError(msg)
    df = pd.read_csv(p, dtype={"id": str})
    missing = [c for c in ("id", column) if c not in df.columns]
    if missing:
        msg = (
            f"File {str(p)!r} must have columns 'id' and {column!r}; missing {missing}, found "
            f"{list(df.columns)}."
        )
        raise DataError(msg)
    if df["id"].duplicated().any():
        dup = df.loc[df["id"].duplicated(), "id"].iloc[0]
        msg = f"File {str(p)!r}: id {dup!r} appears more than once. Ids must be unique."
        raise DataError(msg)
    vals = pd.to_numeric(df[column], errors="coerce")
    if vals.isna().any():
        row = int(np.flatnonzero(vals.isna().to_numpy())[0])
        msg = (
            f"File {str(p)!r}, row {row + 2}: {column} {df[column].iloc[row]!r} for id "
            f"{df['id'].iloc[row]!r} is not a number."
        )
        raise DataError(msg)
    return dict(zip(df["id"].astype(str), vals.astype(float), strict=True))


def read_orlib_pmed(path: str | Path) -> tuple[Problem, int]:
    """Read an OR-Library p-median instance (``pmedN.txt``).

    The file is ``n m p`` then ``i j cost`` edges of an undirected graph (1-based). When an edge
    is listed twice the later line wins (Beasley's convention). Costs are all-pairs shortest
    paths; every vertex is a demand point (weight 1) and a candidate site.

    Returns
    -------
    tuple
        ``(problem, p)``.
    """
    from scipy.sparse.csgraph import shortest_path

    raw = np.loadtxt(path, dtype=np.float64)
    header = Path(path).read_text().split()[:3]
    n, _, p = (int(v) for v in header)
    edges = raw[1:] if raw.ndim == 2 and raw.shape[1] == 3 else raw.reshape(-1)[3:].reshape(-1, 3)
    i = edges[:, 0].astype(int) - 1
    j = edges[:, 1].astype(int) - 1
    import pandas as pd

    # an edge listed twice: the later line wins (Beasley's convention), whichever direction
    key = pd.DataFrame({"a": np.minimum(i, j), "b": np.maximum(i, j), "c": edges[:, 2]})
    key = key.drop_duplicates(subset=["a", "b"], keep="last")
    a, b, c = key["a"].to_numpy(), key["b"].to_numpy(), key["c"].to_numpy()
    adj = np.full((n, n), np.inf)
    adj[a, b] = c
    adj[b, a] = c
    np.fill_diagonal(adj, 0.0)
    dist = shortest_path(np.where(np.isfinite(adj), adj, 0.0), method="D", directed=False)
    ids = [str(k + 1) for k in range(n)]
    return Problem.from_matrix(dist, demand_ids=ids, site_ids=ids), p


__all__ = ["read_costs_csv", "read_id_values", "read_orlib_pmed"]
