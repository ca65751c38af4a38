"""Weighted views of a Network for the algorithms: sparse matrices and igraph graphs.

Parallel edges of different layers are summed.  Weights are always float64 (igraph silently
ignores integer weights in PageRank: see PERFORMANCE-NOTES).  Vertex ``i`` of every view is row
``i`` of ``net.nodes``; excluded vertices keep their index and simply lose their edges.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from typing import Iterable, Sequence

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import NetinvError
from ..network import Network, edge_pairs

__all__ = ["WEIGHTS", "igraph_seed", "edge_mask", "edge_weights", "adjacency", "igraph_view", "exclude_mask",
           "edge_pairs", "shared_entries", "money_decimals", "round_money"]

#: what an edge's weight can be: contacts (calls, transfers, shared cases), seconds, or money
WEIGHTS = ("count", "duration", "amount")


def exclude_mask(net: Network, exclude: Iterable[str] | None) -> np.ndarray:
    """Boolean mask of vertices to leave out (typed ids; unknown ids are ignored)."""
    mask = np.zeros(len(net.nodes), dtype=bool)
    if exclude is not None:
        idx = net.index
        for x in exclude:
            i = idx.get(x)
            if i is not None:
                mask[i] = True
    return mask


def edge_mask(net: Network, layers: Sequence[str] | None = None, exclude: Iterable[str] | None = None) -> np.ndarray:
    e = net.edges
    m = np.ones(len(e), dtype=bool) if layers is None else e["layer"].isin(list(layers)).to_numpy().copy()
    if exclude is not None:
        gone = exclude_mask(net, exclude)
        m &= ~gone[e["s"].to_numpy()] & ~gone[e["t"].to_numpy()]
    return m


def edge_weights(net: Network, weight: str = "count") -> np.ndarray:
    """Per-edge weight as float64: contacts, seconds (calls) or amount (money)."""
    if weight not in WEIGHTS:
        raise NetinvError(f"unknown weight {weight!r}; use one of {', '.join(WEIGHTS)}")
    e = net.edges
    if weight == "count":
        return e["count"].to_numpy(dtype=np.float64)
    col = "duration_s" if weight == "duration" else "amount"
    return e[col].astype("Float64").fillna(0).to_numpy(dtype=np.float64)


def money_decimals(amounts: np.ndarray, most: int = 8) -> int | None:
    """The fewest decimals (0 to ``most``) that every amount has, or None if some have more.

    Amounts come from statements with a fixed number of decimals, but their sums carry
    floating-point noise (164882.7 + 0.32 is 164883.02000000002).  That noise is relative to the
    amount and tiny: about sqrt(n) x 1.1e-16 for a sum of n transfers.  Up to 1e-13 of the amount
    is not counted as one more decimal, while an amount of 1e-9 counts as one with nine.  A real
    last digit lies above that bound in amounts of up to 12 significant digits (ten billion with
    cents, 9,999,999,999.99); with a bound of 1e-11, 999,999,999.99 was taken for a whole number.
    """
    a = np.abs(np.asarray(amounts, dtype=np.float64))
    a = a[np.isfinite(a)]
    for d in range(most + 1):
        scaled = a * 10.0 ** d
        if (np.abs(scaled - np.round(scaled)) <= 1e-13 * np.maximum(scaled, 1.0)).all():
            return d
    return None


def round_money(values: np.ndarray, decimals: int | None) -> np.ndarray:
    """``values`` (sums and differences of amounts) to the amounts' own decimals: the exact totals the
    statements add up to, without floating-point noise.  Unchanged when ``decimals`` is None."""
    return np.asarray(values, dtype=np.float64) if decimals is None else np.round(values, decimals) + 0.0


def adjacency(net: Network, layers: Sequence[str] | None = None, weight: str = "count", directed: bool = True,
              exclude: Iterable[str] | None = None) -> sp.csr_matrix:
    """n x n weighted adjacency (row = source).  Undirected: A + A^T for asymmetric layers."""
    n = len(net.nodes)
    e = net.edges
    m = edge_mask(net, layers, exclude)
    m &= e["s"].to_numpy() != e["t"].to_numpy()  # no self-loops
    s, t, w = e["s"].to_numpy()[m], e["t"].to_numpy()[m], edge_weights(net, weight)[m]
    a = _summed(s, t, w, n)
    if not directed:
        # symmetric layers are stored in both directions already: add them once, the others both
        # ways.  The transpose of a built matrix, not a coo of twice the edges: rows in the order
        # of the edges' targets are scattered, and that conversion took 3-10 times as long
        sym = e["symmetric"].to_numpy(dtype=bool)[m] if "symmetric" in e else np.zeros(len(s), bool)
        one_way = a if not sym.any() else _summed(s[~sym], t[~sym], w[~sym], n)
        a = (a + one_way.T).tocsr()
        a.eliminate_zeros()
    return a


def _summed(s: np.ndarray, t: np.ndarray, w: np.ndarray, n: int) -> sp.csr_matrix:
    a = sp.csr_matrix((w, (s, t)), shape=(n, n), dtype=np.float64)  # duplicates are summed
    a.sum_duplicates()
    a.eliminate_zeros()
    return a


def shared_entries(x: sp.csr_matrix, y: sp.csr_matrix, u: np.ndarray, v: np.ndarray,
                   chunk: int = 100_000) -> np.ndarray:
    """For each pair i: the sum over columns of ``x[u[i]] * y[v[i]]`` (with 0/1 matrices, the
    columns both rows have: common neighbours), from sparse products instead of a per-pair loop,
    ``chunk`` pairs at a time so that memory stays bounded on dense rows."""
    u, v = np.asarray(u), np.asarray(v)
    out = np.empty(len(u))
    for i in range(0, len(u), chunk):
        out[i:i + chunk] = np.asarray(x[u[i:i + chunk]].multiply(y[v[i:i + chunk]]).sum(axis=1)).ravel()
    return out


def igraph_view(net: Network, layers: Sequence[str] | None = None, weight: str = "count", directed: bool = True,
                exclude: Iterable[str] | None = None) -> ig.Graph:
    """An igraph graph with one edge per connected pair and a float ``weight``."""
    a = adjacency(net, layers, weight, directed, exclude)
    if not directed:
        a = sp.triu(a, k=1).tocsr()
    coo = a.tocoo()
    g = ig.Graph(n=a.shape[0], edges=edge_pairs(coo.row, coo.col), directed=directed)
    g.es["weight"] = coo.data.astype(np.float64).tolist()
    return g


def frame_of(net: Network, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """A result frame: id, label, kind, then the given columns."""
    df = pd.DataFrame({"id": net.nodes["id"], "label": net.nodes["label"], "kind": net.nodes["kind"]})
    for k, v in values.items():
        df[k] = v
    return df


__all__.append("frame_of")


@contextmanager
def igraph_seed(seed: int):
    """igraph draws from Python's random module; give it its own seeded generator for the calls
    inside, so that a community split or a layout is the same on every run."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)
