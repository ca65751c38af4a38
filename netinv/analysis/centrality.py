"""Centrality: who is central by contacts, by flow, by brokerage position, by money.

The heavy measures run on igraph's C core or on scipy sparse matrices, never on networkx:

- ``pagerank``: power iteration on a scipy CSR matrix until the L1 change is below ``tol``
  (dangling nodes spread their rank uniformly, as in igraph's PRPACK and networkx);
- ``betweenness``: exact (igraph, Brandes) up to ``exact_limit`` nodes; above that, estimated
  from ``betweenness_samples`` random pivots with linear scaling (:mod:`.pivots`), with its
  standard error from groups of pivots (column ``betweenness_se``);
- ``eigenvector`` (igraph, undirected, weighted) and ``harmonic`` closeness (igraph; above
  ``harmonic_limit`` nodes it is limited to paths of ``harmonic_cutoff`` hops and says so).

>>> c = centrality(net, layers=("calls",))                    # doctest: +SKIP
>>> c.sort_values("pagerank", ascending=False).head()          # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import NetinvError
from ..network import Network
from .graphs import adjacency, edge_mask, frame_of, igraph_view, money_decimals, round_money
from .pivots import scaled_pivot_sum

__all__ = ["degree", "centrality", "pagerank", "betweenness", "MEASURES"]

MEASURES = ("degree", "pagerank", "betweenness", "eigenvector", "harmonic")


def degree(net: Network, layers: Sequence[str] | None = None, exclude: Iterable[str] | None = None) -> pd.DataFrame:
    """Contacts and activity per node, ranked by distinct contacts.

    Columns: ``degree`` (distinct contacts, either direction), ``in_degree`` / ``out_degree``
    (directed layers), ``strength`` (calls + transfers + shared cases), ``calls``,
    ``call_seconds``, ``transfers``, ``money_in``, ``money_out``, ``net_flow`` (received minus paid).
    """
    n = len(net.nodes)
    m = edge_mask(net, layers, exclude)
    e = net.edges
    s, t = e["s"].to_numpy()[m], e["t"].to_numpy()[m]  # columns, not rows of the frame: its text is slow to take
    count = e["count"].to_numpy(dtype=float)[m]
    sym = e["symmetric"].to_numpy(dtype=bool)[m] if "symmetric" in e else np.zeros(len(s), bool)
    is_call, is_money = (e["layer"] == "calls").to_numpy(dtype=bool)[m], (e["layer"] == "money").to_numpy(dtype=bool)[m]
    pairs = pd.DataFrame({"a": np.minimum(s, t), "b": np.maximum(s, t)}).drop_duplicates()
    und = np.bincount(pairs["a"], minlength=n) + np.bincount(pairs["b"], minlength=n)
    dpairs = pd.DataFrame({"s": s[~sym], "t": t[~sym]}).drop_duplicates()
    out_deg = np.bincount(dpairs["s"], minlength=n)
    in_deg = np.bincount(dpairs["t"], minlength=n)

    def both(mask, w):
        return np.bincount(s, weights=np.where(mask, w, 0), minlength=n) + \
            np.bincount(t, weights=np.where(mask & ~sym, w, 0), minlength=n)

    secs = e["duration_s"].astype("Float64").fillna(0).to_numpy(dtype=float)[m]
    amount = e["amount"].astype("Float64").fillna(0).to_numpy(dtype=float)[m]
    cents = money_decimals(amount[is_money])  # totals as the statements add up, without float noise
    money_in = round_money(np.bincount(t, weights=np.where(is_money, amount, 0), minlength=n), cents)
    money_out = round_money(np.bincount(s, weights=np.where(is_money, amount, 0), minlength=n), cents)
    df = frame_of(net, {
        "degree": und.astype(np.int64), "in_degree": in_deg.astype(np.int64), "out_degree": out_deg.astype(np.int64),
        "strength": both(np.ones(len(s), bool), count), "calls": both(is_call, count).astype(np.int64),
        "call_seconds": both(is_call, secs).astype(np.int64), "transfers": both(is_money, count).astype(np.int64),
        "money_in": money_in, "money_out": money_out, "net_flow": round_money(money_in - money_out, cents),
    })
    return df.sort_values(["degree", "strength", "id"], ascending=[False, False, True]).reset_index(drop=True)


def pagerank(a: sp.csr_matrix, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1000,
             personalization: np.ndarray | None = None, normalize: bool = True) -> np.ndarray:
    """PageRank of a weighted adjacency (row = source) by power iteration; sums to 1.

    Converges when the L1 change between iterations is below ``tol`` (a fixed accuracy, unlike
    networkx's ``N * tol`` rule).  Dangling nodes and the teleport follow ``personalization``
    (uniform if None).  With ``normalize=False``, ``a`` is already a transition matrix whose rows
    sum to at most 1: the share missing from a row ends the walk there, and it restarts from
    ``personalization`` as from a dangling node.

    ``personalization`` may also be an ``n x k`` matrix: then ``k`` walks run at once, one per
    column (each restarting from its own column), and the result is ``n x k`` with columns that
    each sum to 1.
    """
    n = a.shape[0]
    if n == 0:
        return np.zeros(0) if personalization is None or np.ndim(personalization) == 1 else np.zeros((0, 0))
    out = np.asarray(a.sum(axis=1)).ravel()
    if normalize:
        dangling = out == 0
        inv = np.where(dangling, 0.0, 1.0 / np.where(dangling, 1.0, out))
        pt = (sp.diags(inv) @ a).T.tocsr()  # column-stochastic transpose
        stop = dangling.astype(np.float64)
    else:
        if (out > 1 + 1e-9).any() or (a.data < 0).any():
            raise NetinvError("a transition matrix needs non-negative rows that sum to at most 1")
        pt = a.T.tocsr()
        stop = np.clip(1.0 - out, 0.0, 1.0)
    if personalization is None:
        v = np.full(n, 1.0 / n)
    else:
        v = np.asarray(personalization, dtype=np.float64)
        total = v.sum(axis=0)
        if v.shape[0] != n or (v < 0).any() or (total <= 0).any():
            raise NetinvError("personalization needs one non-negative row per node and a positive sum per walk")
        v = v / total
    # where the personalization is sparse (one walk per seed: one entry a column), the restart is
    # added at its entries only instead of in a pass over all n x k
    at = np.nonzero(v) if np.count_nonzero(v) * 4 < v.size else None
    pt = pt * damping  # the damping once here, not on every iteration's n x k
    stop = stop * damping
    x = v.copy()
    for _ in range(max_iter):
        x_new = pt @ x
        restart = _column_sums(stop, x) + (1 - damping)
        if at is None:
            x_new += v * restart
        else:
            x_new[at] += v[at] * (restart if v.ndim == 1 else restart[at[1]])
        x_new *= 1.0 / _column_sums(None, x_new)
        x -= x_new
        if _column_sums(None, np.abs(x, out=x)).max() < tol:
            return x_new
        x = x_new
    raise NetinvError(f"PageRank did not converge to {tol} in {max_iter} iterations")


def _column_sums(w: np.ndarray | None, x: np.ndarray) -> np.ndarray:
    """``w @ x`` (``w`` None: ones) over the columns of an ``n x k`` ``x``, by einsum: numpy's
    ``sum(axis=0)`` walks such an array at a third of the speed, and a BLAS product spins up its
    threads for each call (165,000 x 10: 5.3 ms, 1.8 ms and 1.5 ms)."""
    if x.ndim == 1:
        return np.asarray(x.sum() if w is None else w @ x)
    return np.einsum("ij->j", x) if w is None else np.einsum("i,ij->j", w, x)


def betweenness(net: Network, *, layers=None, exclude=None, directed: bool = False, samples: int | None = None,
                seed: int = 0, groups: int = 8, scaled: bool = True,
                progress: Callable[[str], None] | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """Shortest-path betweenness (hop count) and its standard error; exact when ``samples`` is None.

    The sampled estimate takes ``samples`` random pivots and counts each shortest path through a
    node from both of its ends, by the share already behind the node (linear scaling,
    :mod:`netinv.analysis.pivots`); scaled by n / samples it is an unbiased estimator of the exact
    value.  ``scaled=False`` counts each path whole from its sampled end instead (plain pivot
    sampling, igraph): also unbiased, but noisier.  The standard error comes from the spread of
    ``groups`` independent sub-estimates, each of which is reported to ``progress`` when done.
    Returns (values, standard errors, method).
    """
    if samples is None:
        g = igraph_view(net, layers, "count", directed, exclude)
        return np.asarray(g.betweenness(directed=directed), dtype=float), np.zeros(g.vcount()), "exact"
    adj = adjacency(net, layers, "count", directed, exclude)
    n = adj.shape[0]
    if n == 0 or samples >= n:
        return betweenness(net, layers=layers, exclude=exclude, directed=directed)
    if samples < 2 * groups:
        raise NetinvError(f"betweenness needs at least {2 * groups} samples for {groups} groups, got {samples}")
    rng = np.random.default_rng(seed)
    pivots = rng.choice(n, size=samples, replace=False)
    parts = np.array_split(pivots, groups)
    g = None if scaled else igraph_view(net, layers, "count", directed, exclude)
    rows = []
    for i, part in enumerate(parts, start=1):
        if scaled:
            rows.append(scaled_pivot_sum(adj, part, directed) * n / len(part))
        else:
            pivots = np.asarray(g.betweenness(directed=directed, sources=part.tolist()), dtype=float)
            rows.append(pivots * n / len(part))
        if progress:
            progress(f"betweenness: {i}/{groups} groups of pivots")
    est = np.vstack(rows)
    value = np.average(est, axis=0, weights=[len(p) for p in parts])
    se = est.std(axis=0, ddof=1) / np.sqrt(len(parts))
    return value, se, f"sampled ({samples} pivots{', linear scaling' if scaled else ''})"


def centrality(
    net: Network,
    *,
    layers: Sequence[str] | None = None,
    measures: Sequence[str] = MEASURES,
    weight: str = "count",
    exclude: Iterable[str] | None = None,
    damping: float = 0.85,
    exact_limit: int = 5000,
    betweenness_samples: int = 256,
    harmonic_limit: int = 20000,
    harmonic_cutoff: int = 3,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """The chosen measures for every node, ranked by PageRank (or degree if PageRank is not asked).

    ``exclude`` leaves nodes out of the computation (for example detected hubs); they keep a row
    with zeros.  The frame's ``attrs["notes"]`` say how each measure was computed.  ``progress``
    (a callable taking a message) hears of each measure as it starts and of sampled betweenness
    as it goes.
    """
    say = progress or (lambda message: None)
    unknown = set(measures) - set(MEASURES)
    if unknown:
        raise NetinvError(f"unknown measure(s) {', '.join(sorted(unknown))}; choose from {', '.join(MEASURES)}")
    exclude = [] if exclude is None else list(exclude)
    df = degree(net, layers, exclude).set_index("id")
    df = df.reindex(net.nodes["id"]).reset_index()
    notes = []
    n = len(net.nodes)
    if "pagerank" in measures:
        say("pagerank")
        df["pagerank"] = pagerank(adjacency(net, layers, weight, True, exclude), damping)
        notes.append(f"pagerank: weighted by {weight}, damping {damping}, L1 tolerance 1e-10")
    if "betweenness" in measures:
        samples = None if n <= exact_limit else betweenness_samples
        say("betweenness" if samples is None else f"betweenness: {samples} pivots")
        b, se, how = betweenness(net, layers=layers, exclude=exclude, samples=samples, seed=seed, progress=progress)
        df["betweenness"], df["betweenness_se"] = b, se
        notes.append(f"betweenness: {how}, undirected hops" + ("" if samples is None else
                                                               ", betweenness_se is its standard error"
                                                               " (read it as a lower bound on the error)"))
    if "eigenvector" in measures:
        say("eigenvector")
        g = igraph_view(net, layers, weight, False, exclude)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # igraph warns on disconnected graphs
            df["eigenvector"] = g.eigenvector_centrality(weights="weight") if n else []  # g is undirected
        if n and len(g.connected_components()) > 1:
            notes.append("eigenvector: near zero outside the largest connected part (not meaningful there)")
    if "harmonic" in measures:
        say("harmonic closeness")
        g = igraph_view(net, layers, weight, False, exclude)
        if n <= harmonic_limit:
            df["harmonic"] = g.harmonic_centrality(mode="all", normalized=True) if n else []
            notes.append("harmonic: exact, undirected hops")
        else:
            df["harmonic"] = g.harmonic_centrality(mode="all", cutoff=harmonic_cutoff, normalized=True)
            notes.append(f"harmonic: paths of at most {harmonic_cutoff} hops ({n:,} nodes)")
    key = "pagerank" if "pagerank" in measures else "degree"
    out = df.sort_values([key, "id"], ascending=[False, True]).reset_index(drop=True)
    out.attrs["notes"] = notes
    return out
