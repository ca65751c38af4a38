"""Scoring netinv's results against a generated case's ground truth.

A network node stands for a true person when it is that person's node, or one of the phones or
accounts the person really uses (``ground_truth.json``: ``phones``, ``accounts[...]["user"]``).

>>> truth = json.load(open("case/ground_truth.json"))                 # doctest: +SKIP
>>> upstream_hits(candidates["id"], truth)["source_rank"]             # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

import igraph as ig
import pandas as pd

__all__ = ["load_truth", "true_person", "upstream_hits", "lead_hits", "pair_hits", "community_nmi"]


def load_truth(case_dir: str | Path) -> dict:
    return json.loads((Path(case_dir) / "ground_truth.json").read_text(encoding="utf-8"))


def true_person(node_id: str, truth: dict) -> str | None:
    """The true person behind a typed node id (None for ordinary callers and hubs)."""
    kind, _, key = node_id.partition(":")
    if kind == "person":
        return truth.get("person_ids", {}).get(key, key)
    if kind == "phone":
        return truth["phones"].get(key)
    if kind == "account":
        acc = truth["accounts"].get(key)
        return acc["user"] if acc else None
    return None


def _upper(truth: dict) -> set[str]:
    """The true people above the retail dealers: source, money handler, couriers, wholesalers, distributors."""
    return {truth["source"], truth["money_handler"], *truth.get("couriers", []), *truth["wholesalers"],
            *truth.get("distributors", [])}


def upstream_hits(candidate_ids: Iterable[str], truth: dict) -> dict:
    """Where the true source and wholesalers appear in a ranked candidate list (1-based ranks)."""
    people = [true_person(c, truth) for c in candidate_ids]
    first: dict[str, int] = {}
    for rank, p in enumerate(people, start=1):
        if p is not None and p not in first:
            first[p] = rank
    wholesalers = truth["wholesalers"]
    w_ranks = [first.get(w) for w in wholesalers]
    upper = _upper(truth)
    top10 = people[:10]
    named = [p for p in top10 if p in upper]
    return {
        "source_rank": first.get(truth["source"]),
        "wholesaler_ranks": w_ranks,
        "source_in_top5": first.get(truth["source"], 99) <= 5,
        "wholesalers_in_top10": sum(1 for r in w_ranks if r is not None and r <= 10),
        "wholesalers": len(wholesalers),
        # the top 10 entries: how many distinct true people above the retail dealers (source,
        # money handler, couriers, wholesalers, distributors) they name, how many entries repeat
        # one of them (a second phone of the same person), and how many name nobody above them
        "upstream_people_in_top10": len(set(named)),
        "upstream_repeats_in_top10": len(named) - len(set(named)),
        "others_in_top10": len(top10) - len(named),
        "upstream_people": len(upper),
    }


def lead_hits(lead_ids: Iterable[str], truth: dict, top: int = 10) -> dict:
    """What the first ``top`` leads of :func:`~netinv.analysis.expand` name, against the truth.

    - ``upstream``: distinct true people above the retail dealers (source, money handler, couriers,
      wholesalers, distributors);
    - ``network``: entries that name someone in the network: any member (customers and retail
      dealers included) or the relative who collects the takings;
    - ``unrelated``: entries that name nobody in it (family, friends, employers, landlords of its
      members, or a hub).
    """
    people = [true_person(c, truth) for c in list(lead_ids)[:top]]
    members = {p["person_id"] for p in truth["persons"]} | {truth["relative"]}
    upper = _upper(truth)
    return {"upstream": len({p for p in people if p in upper}),
            "network": sum(p in members for p in people),
            "unrelated": sum(p not in members for p in people),
            "leads": len(people)}


def pair_hits(pairs: pd.DataFrame, truth: dict) -> dict:
    """How many of the phone pairs (``old``, ``candidate``: bare numbers) are one true person's numbers."""
    phones = truth["phones"]
    same = sum(phones.get(o) is not None and phones.get(o) == phones.get(c)
               for o, c in zip(pairs["old"], pairs["candidate"]))
    return {"pairs": len(pairs), "same_person": int(same)}


def community_nmi(split: pd.DataFrame, truth: dict, level: str = "groups", customers: bool = False) -> float:
    """NMI between found communities and the true ``groups`` (branches and the supply group) or
    ``cells`` (each distributor's crew; wholesalers apart), over members found in the split.

    Customers buy from the network but are not members of it; they count only with
    ``customers=True``.  A member counts once: through their person node, or else the first
    node (phone, account) that maps to them.
    """
    groups = dict(truth[level])
    if not customers:
        for c in truth.get("customers", []):
            groups.pop(c, None)
    seen: dict[str, int] = {}
    for nid, comm in zip(split["id"], split["community"]):
        p = true_person(nid, truth)
        if p in groups and comm > 0 and (p not in seen or nid.startswith("person:")):
            seen[p] = int(comm)
    if len(seen) < 2:
        return float("nan")
    people = sorted(seen)
    found = [seen[p] for p in people]
    labels = {g: i for i, g in enumerate(sorted({groups[p] for p in people}))}
    true = [labels[groups[p]] for p in people]
    return float(ig.compare_communities(true, found, method="nmi"))
