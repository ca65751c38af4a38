"""Centrality measures on a :class:`~netinv.network.Network`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import Network

__all__ = ["degree"]


def degree(net: Network, layers: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Degree per node: distinct contacts (either direction), in/out degree and contact counts.

    Columns: ``id, label, kind, degree, in_degree, out_degree, strength, calls, transfers``,
    ranked by ``degree`` then ``strength`` (``strength`` = calls + transfers + shared cases).

    >>> # doctest: +SKIP
    >>> degree(net).head(3)
    """
    e = net.edges if layers is None else net.edges[net.edges["layer"].isin(layers)]
    n = len(net.nodes)
    s, t = e["s"].to_numpy(), e["t"].to_numpy()
    count = e["count"].to_numpy(dtype=float)
    pairs = pd.DataFrame({"a": np.minimum(s, t), "b": np.maximum(s, t)}).drop_duplicates()
    und = np.bincount(pairs["a"], minlength=n) + np.bincount(pairs["b"], minlength=n)
    sym = e["symmetric"].to_numpy(dtype=bool) if "symmetric" in e else np.zeros(len(e), bool)
    out_deg = np.bincount(s[~sym], minlength=n)
    in_deg = np.bincount(t[~sym], minlength=n)
    strength = np.bincount(s, weights=count, minlength=n) + np.bincount(t, weights=np.where(sym, 0, count), minlength=n)
    layer = e["layer"].to_numpy()
    calls = np.bincount(s, weights=np.where(layer == "calls", count, 0), minlength=n) + \
        np.bincount(t, weights=np.where(layer == "calls", count, 0), minlength=n)
    money = np.bincount(s, weights=np.where(layer == "money", count, 0), minlength=n) + \
        np.bincount(t, weights=np.where(layer == "money", count, 0), minlength=n)
    df = pd.DataFrame({
        "id": net.nodes["id"], "label": net.nodes["label"], "kind": net.nodes["kind"],
        "degree": und.astype(np.int64), "in_degree": in_deg.astype(np.int64), "out_degree": out_deg.astype(np.int64),
        "strength": strength, "calls": calls.astype(np.int64), "transfers": money.astype(np.int64),
    })
    return df.sort_values(["degree", "strength", "id"], ascending=[False, False, True]).reset_index(drop=True)
