"""High-volume numbers (taxi firms, bank hotlines, delivery services): detected, never hard-coded.

Such a number touches a large share of everyone, so it makes unrelated people look connected and
floods every neighbourhood.  A number is flagged when all of these hold:

- its distinct contacts are an outlier: more than ``median + spread * MAD`` of all nodes' contacts,
  and at least ``min_contacts``;
- it is a phone or an account, not a person known from the case files;
- its contacts are mostly one-way (reciprocity below ``max_reciprocity``): people call a hotline,
  the hotline does not call them; a busy dealer calls customers back.

>>> detect_hubs(net)[["id", "contacts", "reciprocity"]]        # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import Network
from .graphs import adjacency, frame_of

__all__ = ["detect_hubs", "hub_ids"]


def detect_hubs(net: Network, *, layers: tuple[str, ...] = ("calls", "money"), min_contacts: int = 20,
                spread: float = 8.0, max_reciprocity: float = 0.2) -> pd.DataFrame:
    """Flagged high-volume nodes with their statistics and the reason, most contacts first."""
    cols = ["id", "label", "kind", "contacts", "in_contacts", "out_contacts", "reciprocity", "threshold", "reason"]
    if len(net.nodes) == 0:
        return pd.DataFrame(columns=cols)
    a = adjacency(net, layers, directed=True)
    b = (a > 0).astype(np.int8)
    out_c = np.asarray(b.sum(axis=1)).ravel()
    in_c = np.asarray(b.sum(axis=0)).ravel()
    und = ((b + b.T) > 0).astype(np.int8)
    contacts = np.asarray(und.sum(axis=1)).ravel()
    mutual = np.asarray(b.multiply(b.T).sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        recip = np.where(contacts > 0, mutual / np.maximum(contacts, 1), 0.0)
    present = contacts[contacts > 0]
    if len(present) == 0:
        return pd.DataFrame(columns=cols)
    med = float(np.median(present))
    mad = max(float(np.median(np.abs(present - med))), 1.0)
    threshold = max(float(min_contacts), med + spread * mad)
    kind = net.nodes["kind"].to_numpy()
    flag = (contacts > threshold) & (kind != "person") & (recip < max_reciprocity)
    df = frame_of(net, {"contacts": contacts, "in_contacts": in_c, "out_contacts": out_c,
                        "reciprocity": np.round(recip, 3), "threshold": round(threshold, 1)})
    df = df.loc[flag].copy()
    df["reason"] = [f"{c:,} distinct contacts (typical: {med:.0f}); {r:.0%} of them two-way"
                    for c, r in zip(df["contacts"], df["reciprocity"])]
    return df.sort_values(["contacts", "id"], ascending=[False, True]).reset_index(drop=True)[cols]


def hub_ids(net: Network, **kwargs) -> list[str]:
    """Typed ids of the detected high-volume nodes."""
    return detect_hubs(net, **kwargs)["id"].tolist()

