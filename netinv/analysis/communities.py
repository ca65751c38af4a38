"""Community splits: Leiden (default) or Louvain on igraph, their stability across seeds, summaries.

Communities are found on the undirected graph of the chosen layers.  Two ways to weigh a tie:

- ``ties="cohesive"`` (default): a tie counts by how embedded it is (:func:`tie_cohesion`): the
  mean of the overlap of the two ends' contacts (igraph's Jaccard similarity of their
  neighbourhoods) and the same overlap two steps out.  Ties inside a group share contacts, or at
  least the people around them; the cousin, the landlord and the taxi firm do not, so they stop
  gluing groups together.  The second overlap keeps a boss with the crews below him: he shares no
  contact with his distributor, but the rest of the branch two steps out, and by his contacts
  alone he would sit with the supply group above him, whose members all deal with him and with
  each other.  After the split, each person is placed once with the neighbouring community they are
  in contact with most (a broker sits with the people it deals with, not where its shared
  contacts happen to be).  This recovers the generator's true groups (branches, the supply group)
  far better than contact counts; see ``python -m netinv.synth.scorecard``.
- ``ties="contacts"``: a tie counts by its number of contacts (calls, transfers, shared cases).
  This finds the tight day-to-day crews (a distributor and its dealers).

Each way of weighing has its own default resolution (:data:`DEFAULT_RESOLUTION`): 1.0 for
contact counts, 2.0 for cohesive ties.  Overlap weights are spread far more evenly than contact
counts, and at resolution 1.0 modularity's resolution limit merges a small group (a supply group
of four people in a 100-person case) into a large neighbouring one.  On generated cases the
split matches the true groups best, and nearly equally well, anywhere between 1.75 and 2.5
(``python -m netinv.synth.scorecard``; the measurements are in ``docs/accuracy.md``; they were
made with the first overlap alone, and the two-step overlap was checked at 1.5, 2.0 and 2.5).

Leiden and Louvain are randomised, and on a small case two runs from different seeds can differ
in whether a wholesaler sits with his branch or with the supply group.  A split graph of up to
:data:`SMALL_SPLIT_TIES` ties (a generated case of 400 people has about 9,000) therefore keeps
the best of :data:`DEFAULT_TRIES` runs (seeds ``seed``, ``seed + 1``, ...) by the modularity they
optimise, each iterated until it changes nothing.  A larger one runs once, for two iterations:
on the AMLSim 20K transfers (``../shared/datasets``; 117,000 ties) ten converged runs take 20 s
here, one run of two iterations 1.3-4.5 s (weighing the ties included); on their first 25,000
transfers (about 25,000 ties) 4.5 s and 0.15 s.  ``tries`` and ``iterations`` override this.

On generated cases of 50 and 100 people, NMI >= 0.8 against the true groups held in 239 of 240
cases with the best of ten, against 234 with one run of two iterations, the default before
(seeds 203-262), and in 118 of 120 against 117 on seeds 263-292, scored after the change was
made; see ``docs/accuracy.md``.

The same ``seed`` gives the same split.  :func:`stability` reruns with ``runs`` seeds (one run
each) and reports how often each connected pair lands in the same community, so that analysts
see which splits are firm.  :func:`split_and_stability` gives the split and its stability together:
the two share the graph they split and their common runs (on the 2,500,000-call benchmark case, a
split and 10 reruns took 43.5 s so, 52-55 s as two calls).

>>> split = communities(net, seed=1)                            # doctest: +SKIP
>>> community_summary(net, split).head()                        # doctest: +SKIP
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import NetinvError, check_count
from ..network import Network
from .graphs import (adjacency, edge_pairs, exclude_mask, frame_of, igraph_seed, money_decimals, round_money,
                     shared_entries)

__all__ = ["communities", "stability", "split_and_stability", "community_summary", "tie_cohesion", "tie_overlap",
           "METHODS", "TIES", "DEFAULT_RESOLUTION", "SMALL_SPLIT_TIES", "DEFAULT_TRIES"]

METHODS = ("leiden", "louvain")
#: how ties are weighed for a split (see the module notes)
TIES = ("cohesive", "contacts")
#: the resolution used when none is given, per way of weighing ties (see the module notes)
DEFAULT_RESOLUTION = {"cohesive": 2.0, "contacts": 1.0}
#: a split graph of up to this many ties keeps, by default, the best of :data:`DEFAULT_TRIES` runs,
#: each iterated until it changes nothing; a larger one runs once, for two iterations
SMALL_SPLIT_TIES = 25_000
DEFAULT_TRIES = 10


def tie_cohesion(a: sp.csr_matrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """How embedded each tie u-v is, the weight of a cohesive split: the mean of two overlaps.

    - the overlap of the two ends' contacts (:func:`tie_overlap`);
    - the same overlap two steps out: of everyone within two steps of u and of v (contacts, and
      their contacts; each end counts itself).

    The first says whether two people share contacts; the second whether they live in the same part
    of the network.  A wholesaler and one of his distributors share no contact but each other (the
    distributor's dealers know nobody the wholesaler deals with), so by the first overlap alone
    their tie is no stronger than the wholesaler's tie to a friend; two steps out they share the
    rest of the branch.  A friend who knows nobody in the network shares little at either distance.
    """
    circle = _circles(a)
    two_steps = ((circle @ circle) > 0).astype(np.float64).tocsr()
    return 0.5 * (_row_overlap(circle, u, v) + _row_overlap(two_steps, u, v))


def tie_overlap(a: sp.csr_matrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Jaccard overlap of the closed neighbourhoods of each tie's ends (each end counts itself).

    For a tie u-v: (common contacts + 2) / (contacts of u + contacts of v - common contacts), the
    value of igraph's ``similarity_jaccard(pairs=...)``, from sparse products instead of a
    per-pair loop.
    """
    return _row_overlap(_circles(a), u, v)


def _circles(a: sp.csr_matrix) -> sp.csr_matrix:
    """0/1 rows: each node and its contacts (its closed neighbourhood)."""
    return (((a > 0) + sp.identity(a.shape[0], format="csr")) > 0).astype(np.float64).tocsr()


def _row_overlap(m: sp.csr_matrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Jaccard overlap of rows ``u[i]`` and ``v[i]`` of the 0/1 matrix ``m``."""
    size = np.asarray(m.sum(axis=1)).ravel()
    common = shared_entries(m, m, u, v)
    return common / (size[u] + size[v] - common)


class _SplitGraph:
    """The graph a split runs on, and the contact counts used to place people afterwards."""

    def __init__(self, net: Network, layers: Sequence[str] | None, exclude: Iterable[str] | None, ties: str):
        if ties not in TIES:
            raise NetinvError(f"unknown ties {ties!r}; use one of {', '.join(TIES)}")
        self.ties = ties
        a = adjacency(net, layers, "count", False, exclude)  # symmetric contact counts
        self.contacts = a
        coo = sp.triu(a, k=1).tocoo()
        self.edges = np.column_stack([coo.row, coo.col]).astype(np.int64)
        self.counts = coo.data.astype(np.float64)
        self.g = ig.Graph(n=a.shape[0], edges=edge_pairs(coo.row, coo.col), directed=False)
        if ties == "contacts":
            w = self.counts
        else:
            # a small floor keeps ties with no shared contact in the graph (a tree stays connected)
            w = tie_cohesion(a, coo.row, coo.col) + 1e-3
        self.g.es["weight"] = w.tolist()
        self._runs: dict[tuple, tuple[np.ndarray, float]] = {}

    def resolution(self, resolution: float | None) -> float:
        """The resolution to use: the given one, or the default for this way of weighing ties."""
        if resolution is None:
            return DEFAULT_RESOLUTION[self.ties]
        if not np.isfinite(resolution) or resolution <= 0:
            raise NetinvError(f"resolution must be a positive number, got {resolution!r}")
        return float(resolution)

    def defaults(self, tries: int | None, iterations: int | None) -> tuple[int, int]:
        """The runs to keep the best of, and the iterations of each: the given ones, or by size.

        A split graph of up to :data:`SMALL_SPLIT_TIES` ties: :data:`DEFAULT_TRIES` runs, each
        iterated until it changes nothing (``-1``); a larger one: one run of two iterations
        (igraph's default: on a million ties, iterating to the end costs many times the time for a
        modularity gain in the third decimal).
        """
        small = len(self.edges) <= SMALL_SPLIT_TIES
        tries = (DEFAULT_TRIES if small else 1) if tries is None else check_count("tries", tries)
        if iterations is None:
            iterations = -1 if small else 2
        elif iterations != -1 and iterations < 1:
            raise NetinvError(f"iterations must be a positive number or -1 (until nothing changes), got {iterations!r}")
        return tries, int(iterations)

    def run(self, method: str, resolution: float, seed: int, iterations: int) -> tuple[np.ndarray, float]:
        """One run of ``method`` from ``seed``: its membership and the objective it optimises.

        The objective is the modularity of the split graph (weighted as ``ties`` says) at
        ``resolution``; runs are kept by ``(method, resolution, seed, iterations)``, so a split and
        its stability reruns do not repeat one another's work.
        """
        key = (method, resolution, seed, iterations)
        if key not in self._runs:
            with igraph_seed(seed):
                if method == "leiden":
                    part = self.g.community_leiden(objective_function="modularity", weights="weight",
                                                   resolution=resolution, n_iterations=iterations)
                elif method == "louvain":
                    part = self.g.community_multilevel(weights="weight", resolution=resolution)
                else:
                    raise NetinvError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
            memb = np.asarray(part.membership, dtype=np.int64)
            quality = self.g.modularity(part.membership, weights="weight", resolution=resolution) \
                if self.g.ecount() else 0.0
            self._runs[key] = (memb, float(quality))
        return self._runs[key]

    def membership(self, method: str, resolution: float | None, seed: int, tries: int, iterations: int) -> np.ndarray:
        """The split of the best of ``tries`` runs (seeds ``seed``, ``seed + 1``, ...) by their objective.

        Equal objectives: the lowest seed.  With cohesive ties, each person is then placed with the
        neighbouring community they are in contact with most.
        """
        resolution = self.resolution(resolution)
        best, best_q = self.run(method, resolution, seed, iterations)
        for s in range(seed + 1, seed + tries):
            memb, q = self.run(method, resolution, s, iterations)
            if q > best_q:
                best, best_q = memb, q
        return self._place_by_contacts(best) if self.ties == "cohesive" else best

    def _place_by_contacts(self, memb: np.ndarray) -> np.ndarray:
        """One pass: a node moves to the neighbouring community it has strictly more contacts with."""
        n = len(memb)
        if n == 0 or self.contacts.nnz == 0:
            return memb
        ind = sp.csr_matrix((np.ones(n), (np.arange(n), memb)), shape=(n, int(memb.max()) + 1))
        per = (self.contacts @ ind).tocsr()  # contacts of each node with each community
        best, most = _row_argmax(per)
        gain = most > np.asarray(per[np.arange(n), memb]).ravel()
        return np.where(gain, best, memb)

    def modularity(self, memb: np.ndarray) -> float:
        """Modularity of a split on the contact counts (comparable across ``ties``)."""
        if not len(self.edges):
            return 0.0
        return float(self.g.modularity(memb.tolist(), weights=self.counts.tolist()))


def _row_argmax(m: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """For each row of a non-negative matrix: the first column holding its largest value (0 in an
    empty row), and that value.  As ``m.argmax(axis=1)``, without its loop over rows in Python
    (1.7 s a call on 169,000 rows)."""
    m = m.tocsr(copy=True)
    m.sum_duplicates()  # sorted column indices: the first maximum is the lowest column
    n = m.shape[0]
    size = np.diff(m.indptr)
    filled = size > 0
    most = np.zeros(n, dtype=m.dtype)
    most[filled] = np.maximum.reduceat(m.data, m.indptr[:-1][filled])
    row = np.repeat(np.arange(n), size)
    at = np.flatnonzero(m.data == most[row])
    rows, first = np.unique(row[at], return_index=True)
    best = np.zeros(n, dtype=np.int64)
    best[rows] = m.indices[at[first]]
    return best, most


def _relabel(membership: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Number communities 1, 2, ... by decreasing size (ties: by total weight, then first member)."""
    labels, first = np.unique(membership, return_index=True)
    sizes = np.bincount(np.searchsorted(labels, membership))
    order = sorted(range(len(labels)), key=lambda i: (-sizes[i], first[i]))
    new = np.empty(len(labels), dtype=np.int64)
    new[order] = np.arange(1, len(labels) + 1)
    return new[np.searchsorted(labels, membership)]


def communities(net: Network, *, method: str = "leiden", resolution: float | None = None, seed: int = 0,
                layers: Sequence[str] | None = None, exclude: Iterable[str] | None = None,
                tries: int | None = None, iterations: int | None = None, ties: str = "cohesive") -> pd.DataFrame:
    """``id, label, kind, community`` for every node; excluded and isolated nodes get community 0.

    ``resolution``: higher gives more, smaller communities; ``None`` takes the default for
    ``ties`` (:data:`DEFAULT_RESOLUTION`).  ``tries``: how many runs (seeds ``seed``, ``seed + 1``,
    ...) to keep the best of, by the modularity they optimise; ``iterations``: of each Leiden run
    (-1: until nothing changes).  ``None`` takes them by size (see the module notes).

    ``attrs``: ``modularity`` (of the split, on contact counts), ``method``, ``tries`` and ``iterations``.
    """
    sg = _SplitGraph(net, layers, exclude, ties)
    return _split_of(net, sg, exclude, method, resolution, seed, *sg.defaults(tries, iterations))


def stability(net: Network, *, runs: int = 20, method: str = "leiden", resolution: float | None = None, seed: int = 0,
              layers: Sequence[str] | None = None, exclude: Iterable[str] | None = None,
              tries: int | None = None, iterations: int | None = None, ties: str = "cohesive") -> pd.DataFrame:
    """How firm the split is: for each connected pair, the share of ``runs`` seeds that put it together.

    Each rerun (seeds ``seed`` to ``seed + runs - 1``) is one run of the method.  Returns one row
    per connected pair (``a``, ``b``, ``together``: 0..1) with ``attrs["nodes"]``, a per-node frame
    whose ``stability`` is the mean ``together`` over the node's pairs that share its community in
    the split :func:`communities` gives with the same arguments (1.0: always with the same
    neighbours).
    """
    runs = check_count("runs", runs)
    sg = _SplitGraph(net, layers, exclude, ties)
    return _stability_of(net, sg, runs, method, resolution, seed, *sg.defaults(tries, iterations))


def split_and_stability(net: Network, *, runs: int = 20, method: str = "leiden", resolution: float | None = None,
                        seed: int = 0, layers: Sequence[str] | None = None, exclude: Iterable[str] | None = None,
                        tries: int | None = None, iterations: int | None = None, ties: str = "cohesive",
                        progress: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`communities` and :func:`stability` with the same arguments, equal to what each gives alone.

    The two share the graph they split (weighing cohesive ties takes seconds on a large network)
    and the runs they have in common (the split's first run is the first rerun).  ``progress``
    hears each step: weighing the ties, the split, each rerun.
    """
    runs = check_count("runs", runs)
    say = progress or (lambda message: None)
    say("weighing the ties")
    sg = _SplitGraph(net, layers, exclude, ties)
    tries, iterations = sg.defaults(tries, iterations)
    say("the split" + (f" (best of {tries} runs)" if tries > 1 else ""))
    split = _split_of(net, sg, exclude, method, resolution, seed, tries, iterations)
    return split, _stability_of(net, sg, runs, method, resolution, seed, tries, iterations, say)


def _split_of(net: Network, sg: _SplitGraph, exclude: Iterable[str] | None, method: str, resolution: float | None,
              seed: int, tries: int, iterations: int) -> pd.DataFrame:
    """:func:`communities` on the split graph ``sg``."""
    iso = np.asarray(sg.g.degree()) == 0
    memb = sg.membership(method, resolution, seed, tries, iterations) if sg.g.vcount() else np.zeros(0, np.int64)
    out = np.zeros(len(memb), dtype=np.int64)
    keep = ~iso & ~exclude_mask(net, exclude)
    if keep.any():
        out[keep] = _relabel(memb[keep], np.ones(keep.sum()))
    df = frame_of(net, {"community": out})
    df.attrs["modularity"] = sg.modularity(memb)
    best = f"best of {tries} runs from seed {seed}" if tries > 1 else f"seed {seed}"
    df.attrs["method"] = f"{method} ({sg.ties} ties, resolution {sg.resolution(resolution)}, {best})"
    df.attrs["tries"], df.attrs["iterations"] = tries, iterations
    return df


def _stability_of(net: Network, sg: _SplitGraph, runs: int, method: str, resolution: float | None, seed: int,
                  tries: int, iterations: int, say: Callable[[str], None] | None = None) -> pd.DataFrame:
    """:func:`stability` on the split graph ``sg``; ``say`` hears each rerun."""
    el = sg.edges.reshape(-1, 2)
    together = np.zeros(len(el))
    for r in range(runs):
        if say is not None:
            say(f"stability: rerun {r + 1} of {runs}")
        memb = sg.membership(method, resolution, seed + r, 1, iterations)
        together += memb[el[:, 0]] == memb[el[:, 1]]
    together /= max(runs, 1)
    ids = net.nodes["id"].to_numpy()
    pairs = pd.DataFrame({"a": ids[el[:, 0]], "b": ids[el[:, 1]], "together": together})
    n = len(net.nodes)
    if len(el):
        base = sg.membership(method, resolution, seed, tries, iterations)
        same = base[el[:, 0]] == base[el[:, 1]]
        tot = np.bincount(el[same, 0], weights=together[same], minlength=n) + \
            np.bincount(el[same, 1], weights=together[same], minlength=n)
        cnt = np.bincount(el[same, 0], minlength=n) + np.bincount(el[same, 1], minlength=n)
        node_stab = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)
    else:
        node_stab = np.full(n, np.nan)
    pairs.attrs["nodes"] = frame_of(net, {"stability": node_stab})
    pairs.attrs["runs"] = runs
    return pairs.sort_values(["together", "a", "b"]).reset_index(drop=True)


def _sums_by(group: np.ndarray, item: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each group 0..n-1, the sum of ``values[item]`` over its items, added in item order."""
    order = np.lexsort((item, group))
    v, g = values[item[order]], group[order]
    bounds = np.searchsorted(g, np.arange(n + 1))
    return np.array([v[bounds[c]:bounds[c + 1]].sum() for c in range(n)], dtype=np.float64)


def community_summary(net: Network, split: pd.DataFrame, scores: pd.Series | None = None,
                      leaders: int = 3) -> pd.DataFrame:
    """Per community: size, members, leading members, calls and money inside and across.

    ``scores`` (indexed by node id, for example PageRank) chooses the leading members; by default
    the members with most contacts lead.
    """
    raw = split.set_index("id")["community"].reindex(net.nodes["id"]).fillna(0).to_numpy(dtype=np.int64)
    named = np.unique(raw[raw != 0])  # the split's own community ids (any integers; 0: in none)
    comm = np.where(raw == 0, 0, np.searchsorted(named, raw) + 1)  # as 1..k, in the same order
    e = net.edges
    cs, ct = comm[e["s"].to_numpy()], comm[e["t"].to_numpy()]
    inside = cs == ct
    amount = e["amount"].astype("Float64").fillna(0).to_numpy(dtype=float)
    is_money = (e["layer"] == "money").to_numpy()
    cents = money_decimals(amount[is_money])
    is_call = (e["layer"] == "calls").to_numpy()
    count = e["count"].to_numpy(dtype=float)
    if scores is None:
        deg = np.bincount(e["s"], minlength=len(comm)) + np.bincount(e["t"], minlength=len(comm))
        scores = pd.Series(deg, index=net.nodes["id"].to_numpy())
    labels = net.nodes["label"].to_numpy()
    ids = net.nodes["id"].to_numpy()
    n_comm = len(named) + 1

    # every community's figures in one pass, not one pass over all edges per community
    def per_comm(at, weights=None):
        return np.bincount(at, weights, minlength=n_comm)

    def inside_across(mask, w):
        """Sums of ``w`` over the edges inside each community and across its border (an edge
        across touches two), each in edge order as ``w[mask].sum()`` adds them: the same to the
        last bit as summing every community's edges on their own."""
        i_in, i_out = np.flatnonzero(mask & inside), np.flatnonzero(mask & ~inside)
        return _sums_by(cs[i_in], i_in, w, n_comm), _sums_by(np.concatenate([cs[i_out], ct[i_out]]),
                                                             np.concatenate([i_out, i_out]), w, n_comm)

    calls_in, calls_out = inside_across(is_call, count)
    money_in, money_out = inside_across(is_money, amount)
    size = per_comm(comm)
    persons = per_comm(comm, (net.nodes["kind"] == "person").to_numpy(dtype=float))
    arrested = per_comm(comm, net.nodes["arrested"].to_numpy(dtype=float)) if "arrested" in net.nodes \
        else np.zeros(n_comm)
    sc = scores.reindex(ids).fillna(0).to_numpy(dtype=float)
    order = np.lexsort((np.arange(len(comm)), -sc, comm))  # by community, then score, ties by node order
    starts = np.searchsorted(comm[order], np.arange(n_comm + 1))
    rows = []
    for c in range(1, n_comm):
        members = order[starts[c]:starts[c + 1]]
        rows.append({
            "community": int(named[c - 1]), "size": int(size[c]), "persons": int(persons[c]),
            "arrested": int(arrested[c]),
            "leading": [f"{labels[i]} ({ids[i]})" for i in members[:leaders]],
            "calls_inside": int(calls_in[c]), "calls_across": int(calls_out[c]),
            "money_inside": float(round_money(money_in[c], cents)),
            "money_across": float(round_money(money_out[c], cents)),
            "members": [ids[i] for i in np.sort(members)],
        })
    return pd.DataFrame(rows, columns=["community", "size", "persons", "arrested", "leading", "calls_inside",
                                       "calls_across", "money_inside", "money_across", "members"])
