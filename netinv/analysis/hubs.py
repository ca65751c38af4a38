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

The analyst knows what structure cannot tell: ``netinv decide-number phone:5 --not-public``
records that a number is a member's, ``--public`` that it is a taxi firm's or a hotline's (even
one below the threshold).  A network built from a store carries those decisions
(:attr:`Network.decided`); :func:`detect_hubs` applies them unless told not to, and names the
decision behind each number it leaves out or keeps in.

>>> detect_hubs(net)[["id", "contacts", "reciprocity"]]        # doctest: +SKIP
>>> detect_hubs(net, seeds=["P0012", "P0016"])                  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from ..errors import NodeNotFound
from ..network import Network
from .graphs import adjacency, frame_of

__all__ = ["detect_hubs", "hub_ids", "decided_numbers", "kept_numbers"]

_DECIDED_COLUMNS = ["id", "number", "public", "decision_id", "by", "note", "decided_at"]


def decided_numbers(net: Network) -> pd.DataFrame:
    """The analysts' decisions on numbers that bear on ``net``: one row per node, the latest
    decision on it (``public`` True: a public number, left out; False: never left out), with
    ``id`` the node it is in this network.  A decided number the network lacks (outside its
    window or layers) does not bear on it, nor does one collapsed onto its holder at person level
    (a person is never taken for a high-volume number).
    """
    d = net.decided
    if d is None or d.empty:
        return pd.DataFrame(columns=_DECIDED_COLUMNS)
    kinds = dict(zip(net.nodes["id"], net.nodes["kind"]))
    rows = {}
    for r in d.sort_values(["decided_at", "decision_id"], kind="stable").itertuples(index=False):
        try:
            nid = net.resolve([str(r.number)])[0]
        except NodeNotFound:
            continue
        if kinds.get(nid) == "person":
            continue
        rows[nid] = {"id": nid, "number": r.number, "public": bool(r.public), "decision_id": r.decision_id,
                     "by": r.by, "note": r.note, "decided_at": r.decided_at}
    return pd.DataFrame(list(rows.values()), columns=_DECIDED_COLUMNS).sort_values("id").reset_index(drop=True)


def detect_hubs(net: Network, *, seeds: Iterable[str] | None = None, keep: Iterable[str] = (),
                public: Iterable[str] = (), decisions: bool = True, layers: tuple[str, ...] = ("calls", "money"),
                min_contacts: int = 20, spread: float = 8.0, max_reciprocity: float = 0.2) -> pd.DataFrame:
    """Flagged high-volume nodes with their statistics and the reason, most contacts first.

    ``seeds`` (references as :meth:`Network.resolve` reads them): contacts with them are left out
    of a node's volume (``seed_contacts``), and they are never flagged; see the module notes.
    ``keep``: references to numbers the analyst knows are not public ones (a member whom many
    call, say); they are never flagged either.  ``public``: numbers known to be public ones,
    flagged whatever their volume (a seed excepted).  With ``decisions`` the network's recorded
    decisions (:func:`decided_numbers`) count as ``keep`` and ``public`` do; ``keep`` and
    ``public`` given here override a decision.  ``decision`` names the decision behind a flag.

    ``attrs["kept_in"]``: the numbers that the rule alone would flag, kept in by ``keep`` or a
    decision, with the decision's id (or None).  ``attrs["kept"]``: every number in this network
    that ``keep`` or a decision keeps, flagged by the rule or not, with the decision's id (or None);
    other guards (``expand``'s ``max_degree``) spare them too.
    """
    cols = ["id", "label", "kind", "contacts", "seed_contacts", "in_contacts", "out_contacts", "reciprocity",
            "threshold", "reason", "decision"]
    if len(net.nodes) == 0:
        return _empty(cols)
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
        return _empty(cols)
    is_seed = np.zeros(len(contacts), dtype=bool)
    seed_list = list(seeds) if seeds is not None else []
    if seed_list:
        is_seed[[net.index[s] for s in net.seeds(seed_list)]] = True
    keep_ids, public_ids, decision_of = _decided(net, keep, public, decisions)
    kept = np.zeros(len(contacts), dtype=bool)
    kept[[net.index[k] for k in keep_ids]] = True
    named_public = np.zeros(len(contacts), dtype=bool)
    named_public[[net.index[k] for k in public_ids - keep_ids]] = True
    with_seeds = und @ is_seed.astype(np.int64)  # each node's distinct contacts among the seeds
    med = float(np.median(present))
    mad = max(float(np.median(np.abs(present - med))), 1.0)
    threshold = max(float(min_contacts), med + spread * mad)
    kind = net.nodes["kind"].to_numpy()
    by_rule = (contacts - with_seeds > threshold) & (kind != "person") & (recip < max_reciprocity) & ~is_seed
    flag = (by_rule & ~kept) | (named_public & (kind != "person") & ~is_seed)
    df = frame_of(net, {"contacts": contacts, "seed_contacts": with_seeds, "in_contacts": in_c,
                        "out_contacts": out_c, "reciprocity": np.round(recip, 3), "threshold": round(threshold, 1)})
    kept_in = [(i, decision_of.get(i)) for i in df.loc[by_rule & kept, "id"]]
    df, named_public = df.loc[flag].copy(), named_public[flag]  # reasons for the flagged only: few of many
    stats = [f"{c:,} distinct contacts{_beyond(c, k)} (typical: {med:.0f}); {r:.0%} of them two-way"
             for c, k, r in zip(df["contacts"], df["seed_contacts"], df["reciprocity"])]
    df["reason"] = [f"a public number ({_whose(i, decision_of)}); {s}" if named else s
                    for i, s, named in zip(df["id"], stats, named_public)]
    df["decision"] = pd.array([decision_of.get(i) for i in df["id"]], dtype="string")
    df = df.sort_values(["contacts", "id"], ascending=[False, True]).reset_index(drop=True)[cols]
    df.attrs["kept_in"] = kept_in
    df.attrs["kept"] = [(i, decision_of.get(i)) for i in sorted(keep_ids)]
    return df


def kept_numbers(net: Network, *, keep: Iterable[str] = (), public: Iterable[str] = (),
                 decisions: bool = True) -> list[tuple[str, str | None]]:
    """The numbers of ``net`` never to take for high-volume ones: ``keep`` and those decided not
    public (unless ``public`` names them), as ``(id, decision id or None)``, sorted by id."""
    keep_ids, _, decision_of = _decided(net, keep, public, decisions)
    return [(i, decision_of.get(i)) for i in sorted(keep_ids)]


def _decided(net: Network, keep: Iterable[str], public: Iterable[str],
             decisions: bool) -> tuple[set[str], set[str], dict[str, str]]:
    """Kept ids, public ids and the decision behind each decided one; ``keep`` and ``public`` win."""
    keep_ids, public_ids = set(net.resolve(keep)), set(net.resolve(public))
    decision_of: dict[str, str] = {}
    if decisions:
        for r in decided_numbers(net).itertuples(index=False):
            if r.id not in keep_ids and r.id not in public_ids:
                decision_of[r.id] = r.decision_id
                (public_ids if r.public else keep_ids).add(r.id)
    return keep_ids, public_ids, decision_of


def _empty(cols: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(columns=cols)
    df.attrs["kept_in"], df.attrs["kept"] = [], []
    return df


def _whose(nid: str, decision_of: dict[str, str]) -> str:
    return f"decision {decision_of[nid]}" if nid in decision_of else "named by the caller"


def _beyond(contacts: int, with_seeds: int) -> str:
    return f", {contacts - with_seeds:,} of them not seeds" if with_seeds else ""


def hub_ids(net: Network, **kwargs) -> list[str]:
    """Typed ids of the detected high-volume nodes (``seeds`` and the rest as :func:`detect_hubs` takes them)."""
    return detect_hubs(net, **kwargs)["id"].tolist()
