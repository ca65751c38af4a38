"""High-volume numbers (taxi firms, bank hotlines, delivery services): detected, never hard-coded.

Such a number touches a large share of everyone, so it makes unrelated people look connected and
floods every neighbourhood.  A number is flagged when all of these hold:

- its distinct contacts are an outlier: more than ``median + spread * MAD`` of all nodes' contacts,
  and at least ``min_contacts``;
- it is a phone or an account, not a person known from the case files;
- its contacts are mostly one-way (reciprocity below ``max_reciprocity``): people call a hotline,
  the hotline does not call them; a busy dealer calls customers back.

An analysis that starts from seeds (``upstream``, ``routes``, ``expand``) passes them as ``seeds``:
a node's contacts with the seeds then do not count towards its volume, and a seed is never flagged.
A number that the seeds themselves pay or call is their common counterpart, not a public number:
the account that every street dealer pays into is the collector an analyst is looking for, and by
its contacts alone (many, one-way) it looks like a hotline.  What makes a hotline flood a
neighbourhood is its contacts beyond the seeds, and those still count.  On the AMLSim export in
``../shared/datasets`` (100 accounts), two of the three fan-in collectors deal with 29 and 32
distinct accounts, mostly one-way, against a typical 8; 21 and 14 of those are the alert's payers
(``tests/test_analysis_cases.py``).  The hotlines of generated cases have 75 or more contacts, at
most 4 of them seeds (144 cases of 50 and 100 people, at person and resolved level: the same
numbers are flagged with the retail dealers as seeds as without).

A few seeds are not enough where the collector deals with many more: on the AMLSim 20K transfers,
from three payers of one fan-in, 7 of 12 collectors are still flagged (42 to 181 counterparts,
threshold 34); the analyses name them in what they left out.  By structure, a collector that many
pay is a merchant that many pay.  Testing whether the seeds share a number more than chance would
keep those collectors, but it would keep a taxi firm too in a case's call records, which come
from the target phones: everyone the seeds call there is shared with the other targets.

>>> detect_hubs(net)[["id", "contacts", "reciprocity"]]        # doctest: +SKIP
>>> detect_hubs(net, seeds=["P0012", "P0016"])                  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from ..network import Network
from .graphs import adjacency, frame_of

__all__ = ["detect_hubs", "hub_ids"]


def detect_hubs(net: Network, *, seeds: Iterable[str] | None = None, keep: Iterable[str] = (),
                layers: tuple[str, ...] = ("calls", "money"), min_contacts: int = 20, spread: float = 8.0,
                max_reciprocity: float = 0.2) -> pd.DataFrame:
    """Flagged high-volume nodes with their statistics and the reason, most contacts first.

    ``seeds`` (references as :meth:`Network.resolve` reads them): contacts with them are left out
    of a node's volume (``seed_contacts``), and they are never flagged; see the module notes.
    ``keep``: references to numbers the analyst knows are not public ones (a member whom many
    call, say); they are never flagged either.
    """
    cols = ["id", "label", "kind", "contacts", "seed_contacts", "in_contacts", "out_contacts", "reciprocity",
            "threshold", "reason"]
    if len(net.nodes) == 0:
        return pd.DataFrame(columns=cols)
    a = adjacency(net, layers, directed=True)
    b = (a > 0).astype(np.int8)
    out_c = np.asarray(b.sum(axis=1)).ravel()
    in_c = np.asarray(b.sum(axis=0)).ravel()
    und = ((b + b.T) > 0).astype(np.int8).tocsr()
    contacts = np.asarray(und.sum(axis=1)).ravel()
    mutual = np.asarray(b.multiply(b.T).sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        recip = np.where(contacts > 0, mutual / np.maximum(contacts, 1), 0.0)
    present = contacts[contacts > 0]
    if len(present) == 0:
        return pd.DataFrame(columns=cols)
    is_seed = np.zeros(len(contacts), dtype=bool)
    seed_list = list(seeds) if seeds is not None else []
    if seed_list:
        is_seed[[net.index[s] for s in net.seeds(seed_list)]] = True
    kept = np.zeros(len(contacts), dtype=bool)
    kept[[net.index[k] for k in net.resolve(keep)]] = True
    with_seeds = und @ is_seed.astype(np.int64)  # each node's distinct contacts among the seeds
    med = float(np.median(present))
    mad = max(float(np.median(np.abs(present - med))), 1.0)
    threshold = max(float(min_contacts), med + spread * mad)
    kind = net.nodes["kind"].to_numpy()
    flag = (contacts - with_seeds > threshold) & (kind != "person") & (recip < max_reciprocity) & ~is_seed & ~kept
    df = frame_of(net, {"contacts": contacts, "seed_contacts": with_seeds, "in_contacts": in_c,
                        "out_contacts": out_c, "reciprocity": np.round(recip, 3), "threshold": round(threshold, 1)})
    df = df.loc[flag].copy()
    df["reason"] = [f"{c:,} distinct contacts{_beyond(c, k)} (typical: {med:.0f}); {r:.0%} of them two-way"
                    for c, k, r in zip(df["contacts"], df["seed_contacts"], df["reciprocity"])]
    return df.sort_values(["contacts", "id"], ascending=[False, True]).reset_index(drop=True)[cols]


def _beyond(contacts: int, with_seeds: int) -> str:
    return f", {contacts - with_seeds:,} of them not seeds" if with_seeds else ""


def hub_ids(net: Network, **kwargs) -> list[str]:
    """Typed ids of the detected high-volume nodes (``seeds`` and the rest as :func:`detect_hubs` takes them)."""
    return detect_hubs(net, **kwargs)["id"].tolist()
