"""Brokerage roles (Gould & Fernandez 1989) relative to a community split.

A node ``v`` brokers when ``a -> v -> b`` and there is no ``a -> b`` (a != b).  The role depends on
who belongs to which group:

=============== =========================================== =============================
role            groups                                      in a trafficking network
=============== =========================================== =============================
coordinator     a, v, b all in one group                    runs his own group
itinerant       a and b in one group, v outside             an outside go-between
gatekeeper      v and b together, a outside                 lets outsiders into his group
representative  a and v together, b outside                 speaks for his group outside
liaison         a, v and b in three different groups        links groups he is not part of
=============== =========================================== =============================

Brokers, not the busiest talkers, are often the strategic targets: removing them cuts groups apart.

>>> roles = brokerage(net, split)                               # doctest: +SKIP
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..network import Network
from .graphs import adjacency, frame_of, shared_entries

__all__ = ["brokerage", "ROLES"]

ROLES = ("coordinator", "itinerant", "gatekeeper", "representative", "liaison")


def _pair_counts(b: sp.csr_matrix, g: sp.csr_matrix, comm: np.ndarray) -> np.ndarray:
    """For each v, the pairs (a, b) with a -> v -> b (a = b allowed): in all, with a in v's group,
    with b in v's group, with a and b in one group, and with all three in one group (n x 5)."""
    n = b.shape[0]
    rows = np.arange(n)
    c_in, c_out = (b.T @ g).tocsr(), (b @ g).tocsr()  # [v, group]: in- and out-neighbours in it
    ind, outd = np.asarray(b.sum(axis=0)).ravel(), np.asarray(b.sum(axis=1)).ravel()
    in_own, out_own = np.asarray(c_in[rows, comm]).ravel(), np.asarray(c_out[rows, comm]).ravel()
    same = np.asarray(c_in.multiply(c_out).sum(axis=1)).ravel()
    return np.column_stack([ind * outd, in_own * outd, ind * out_own, same, in_own * out_own])


def _closed_counts(b: sp.csr_matrix, comm: np.ndarray) -> np.ndarray:
    """The same five counts for the pairs with a -> v -> b that a -> b closes (a != b)."""
    n = b.shape[0]
    coo = b.tocoo()
    a_, v_ = coo.row, coo.col  # every arc a -> v
    own = comm[a_] == comm[v_]
    b_same = sp.csr_matrix((coo.data[own], (a_[own], v_[own])), shape=b.shape)  # arcs within a group
    # per arc a -> v, the nodes b that both a and v reach
    every = shared_entries(b, b, a_, v_)
    b_own = shared_entries(b, b_same, a_, v_)    # b in v's group
    ab_same = shared_entries(b_same, b, a_, v_)  # b in a's group
    per = np.column_stack([every, np.where(own, every, 0), b_own, ab_same, np.where(own, ab_same, 0)])
    return np.column_stack([np.bincount(v_, weights=per[:, j], minlength=n) for j in range(5)])


def _role_counts(a: sp.csr_matrix, comm: np.ndarray) -> np.ndarray:
    """Gould-Fernandez counts (n x 5, in the order of :data:`ROLES`) of open two-paths a -> v -> b.

    Only nodes in a community (> 0) take part.  From the pairs a -> v -> b: all of them, less
    a = b, less those that a -> b closes; each counted by which of a, v, b share a group.
    """
    n = a.shape[0]
    ok = comm > 0
    b = (a > 0).astype(np.float64).tocsr()
    b = (sp.diags(ok.astype(np.float64)) @ b @ sp.diags(ok.astype(np.float64))).tocsr()
    b.eliminate_zeros()
    labels = np.where(ok, comm, 0)
    g = sp.csr_matrix((ok.astype(np.float64), (np.arange(n), labels)), shape=(n, int(labels.max(initial=0)) + 1))
    mutual = b.multiply(b.T).tocsr()  # a = b: a both calls v and is called by it
    m_all = np.asarray(mutual.sum(axis=1)).ravel()
    m_own = np.asarray((mutual @ g).tocsr()[np.arange(n), labels]).ravel()
    degenerate = np.column_stack([m_all, m_own, m_own, m_all, m_own])
    total, a_own, b_own, same, same_own = (_pair_counts(b, g, labels) - degenerate - _closed_counts(b, labels)).T
    gatekeeper, representative = b_own - same_own, a_own - same_own
    counts = np.column_stack([same_own, same - same_own, gatekeeper, representative,
                              total - same - gatekeeper - representative])
    counts[~ok] = 0
    return np.rint(counts).astype(np.int64)


def brokerage(net: Network, split: pd.DataFrame, *, layers: Sequence[str] | None = ("calls", "money"),
              exclude: Iterable[str] | None = None) -> pd.DataFrame:
    """Counts of each brokerage role per node (open two-paths through it), ranked by their total.

    ``split`` is a frame with ``id`` and ``community`` (as :func:`communities` returns); nodes in
    community 0 (isolated or excluded) broker nothing and are not counted as a group.
    """
    a = adjacency(net, layers, "count", True, exclude)
    comm = split.set_index("id")["community"].reindex(net.nodes["id"]).fillna(0).to_numpy(dtype=np.int64)
    counts = _role_counts(a, comm)
    df = frame_of(net, {r: counts[:, i] for i, r in enumerate(ROLES)})
    df.insert(3, "community", comm)
    df["total"] = counts.sum(axis=1)
    df["across_groups"] = counts[:, 1:].sum(axis=1)
    return df.sort_values(["across_groups", "total", "id"], ascending=[False, False, True]).reset_index(drop=True)
