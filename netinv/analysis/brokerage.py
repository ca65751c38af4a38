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

from ..network import Network
from .graphs import adjacency, frame_of

__all__ = ["brokerage", "ROLES"]

ROLES = ("coordinator", "itinerant", "gatekeeper", "representative", "liaison")


def brokerage(net: Network, split: pd.DataFrame, *, layers: Sequence[str] | None = ("calls", "money"),
              exclude: Iterable[str] | None = None) -> pd.DataFrame:
    """Counts of each brokerage role per node (open two-paths through it), ranked by their total.

    ``split`` is a frame with ``id`` and ``community`` (as :func:`communities` returns); nodes in
    community 0 (isolated or excluded) broker nothing and are not counted as a group.
    """
    a = adjacency(net, layers, "count", True, exclude)
    b = (a > 0).tocsr().astype(np.int8)
    n = b.shape[0]
    comm = split.set_index("id")["community"].reindex(net.nodes["id"]).fillna(0).to_numpy(dtype=np.int64)
    counts = np.zeros((n, len(ROLES)), dtype=np.int64)
    bt = b.T.tocsr()
    for v in range(n):
        if comm[v] == 0:
            continue
        ins = bt.indices[bt.indptr[v]:bt.indptr[v + 1]]
        outs = b.indices[b.indptr[v]:b.indptr[v + 1]]
        ins = ins[comm[ins] > 0]
        outs = outs[comm[outs] > 0]
        if len(ins) == 0 or len(outs) == 0:
            continue
        for x in ins:
            targets = outs[outs != x]
            if len(targets) == 0:
                continue
            row = b.indices[b.indptr[x]:b.indptr[x + 1]]
            targets = targets[~np.isin(targets, row, assume_unique=False)]  # a -> b closes the path
            if len(targets) == 0:
                continue
            ga, gv, gb = comm[x], comm[v], comm[targets]
            same_ab = gb == ga
            counts[v, 0] += int(np.sum(same_ab & (ga == gv)))            # coordinator
            counts[v, 1] += int(np.sum(same_ab & (ga != gv)))            # itinerant
            counts[v, 2] += int(np.sum(~same_ab & (gb == gv)))           # gatekeeper
            counts[v, 3] += int(np.sum(~same_ab & (ga == gv)))           # representative
            counts[v, 4] += int(np.sum(~same_ab & (ga != gv) & (gb != gv)))  # liaison
    df = frame_of(net, {r: counts[:, i] for i, r in enumerate(ROLES)})
    df.insert(3, "community", comm)
    df["total"] = counts.sum(axis=1)
    df["across_groups"] = counts[:, 1:].sum(axis=1)
    return df.sort_values(["across_groups", "total", "id"], ascending=[False, False, True]).reset_index(drop=True)
