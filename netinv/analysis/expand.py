"""Widening the case (扩线): new leads from arrested people, phones or accounts.

Every node within ``hops`` of the seeds is a possible lead.  It ranks higher when:

- several seeds reach it (a contact shared by two arrested dealers is rarely a coincidence),
  through different contacts: it counts as shared by at most as many seeds as it has neighbours
  one hop nearer the seeds (``ways_in``), so that a friend of one seed's contact does not
  look shared by every seed behind that contact, and a seed's search does not go on
  through another seed;
- it is in direct, frequent contact with a seed;
- the seeds' contacts lead to it (``contact_strength``): for each seed, the share of its contacts
  (calls, transfers, co-arrests, by count) that go to the lead, plus the share that reach it one
  step further through someone who is not a seed, summed over the seeds.  A distributor whom the
  seeds call daily, or the wholesaler whom that distributor calls, gets a large share; a friend
  of a friend of theirs a small one;
- it receives the seeds' money (money goes up the chain);
- it stands above the seeds in the hierarchy;
- it was arrested in another case (the same network across cases).

High-volume numbers (detected, see :mod:`netinv.analysis.hubs`; contacts with the seeds do not
count towards a number's volume, so that the account every seed pays into stays a lead) and, with
``max_degree``, any node with more contacts than that, are left out: they would flood the result.
An ``exclude`` list given explicitly replaces the detected numbers (``exclude=[]`` keeps them in),
as in the other analyses; ``keep`` names numbers never to take for high-volume ones, and those
and the numbers decided not public are spared ``max_degree`` too.  What was
left out, and why, is in ``attrs["left_out"]``.  Each lead carries the reasons for its rank.

>>> expand(net, ["P0012", "P0016"], hops=2, top=30)             # doctest: +SKIP
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import check_count
from ..network import Network
from .graphs import adjacency, exclude_mask, frame_of, money_decimals, round_money
from .direction import call_direction as _call_direction
from .hierarchy import hierarchy
from .hubs import detect_hubs, kept_numbers

__all__ = ["expand", "WEIGHTS"]

#: how much each kind of evidence adds to a lead's score
WEIGHTS = {"shared": 2.0, "contact": 1.0, "strength": 1.0, "money": 1.5, "above": 3.0, "other_case": 1.5}


def expand(net: Network, seeds: Sequence[str], *, hops: int = 2, max_degree: int | None = None, top: int = 30,
           exclude: Iterable[str] | None = None, keep: Iterable[str] = (), weights: dict | None = None,
           call_direction: str = "auto") -> pd.DataFrame:
    """Ranked leads with ``score``, the evidence columns and ``reasons``; best first.

    ``call_direction`` is read as in :func:`~netinv.analysis.hierarchy.hierarchy`, decided on the
    whole network (``attrs["call_direction"]``).
    """
    hops, top = check_count("hops", hops), check_count("top", top)
    if max_degree is not None:
        max_degree = check_count("max_degree", max_degree)
    w = {**WEIGHTS, **(weights or {})}
    seed_ids = net.seeds(seeds)
    seed_idx = np.array([net.index[s] for s in seed_ids], dtype=np.int64)
    if exclude is None:
        hubs = detect_hubs(net, seeds=seed_ids, keep=keep)
        left = [{"id": r.id, "label": r.label, "why": f"high-volume number: {r.reason}"} for r in hubs.itertuples()]
        out_ids = set(hubs["id"])
        kept_in = list(hubs.attrs["kept_in"])
        kept = dict(hubs.attrs["kept"])
    else:  # typed ids, as the other analyses take them; ids not in this network change nothing
        out_ids, kept_in = set(exclude) - set(seed_ids), []
        left = [{"id": i, "label": net.nodes["label"].iat[net.index[i]], "why": "excluded by the caller"}
                for i in sorted(out_ids) if i in net.index]
        kept = dict(kept_numbers(net, keep=keep))
    if max_degree is not None:
        deg = np.diff(adjacency(net, None, "count", False).indptr)  # distinct contacts
        for i in np.flatnonzero(deg > max_degree):
            nid = net.nodes["id"].iat[i]
            if nid in out_ids or nid in seed_ids:
                continue
            if nid in kept:  # a number kept by the analyst is not capped either
                if all(k != nid for k, _ in kept_in):
                    kept_in.append((nid, kept[nid]))
            else:
                out_ids.add(nid)
                left.append({"id": nid, "label": net.nodes["label"].iat[i],
                             "why": f"{deg[i]} contacts, above --max-degree {max_degree}"})
    gone = exclude_mask(net, out_ids)
    # contacts of every kind, undirected; the calls among them are the calls matrix itself when
    # the network holds nothing else (a phone-level CDR case): one whole-network build fewer
    calls = adjacency(net, ("calls",), "count", False, out_ids)
    other_layers = [x for x in net.edges["layer"].unique() if x != "calls"]
    rest = adjacency(net, other_layers, "count", False, out_ids) if other_layers else None
    a = calls if rest is None or rest.nnz == 0 else (calls + rest).tocsr()
    n = len(net.nodes)
    # how many seeds reach each node within `hops`, and the nearest distance.  A seed's search does
    # not go on through another seed: what lies beyond seed B is B's evidence, and counting it for
    # every seed that knows B would make B's own contacts look shared by all of them
    reach = np.zeros(n, dtype=np.int64)
    dist = np.full(n, np.inf)
    near = np.zeros(n, dtype=bool)
    is_seed = np.zeros(n, dtype=bool)
    is_seed[seed_idx] = True
    for s in seed_idx:
        lv = _levels(a, s, hops + 1, stop=is_seed)
        seen = lv <= hops
        seen[s] = False
        near |= lv <= hops + 1
        dist = np.minimum(dist, np.where(seen, lv, np.inf))
        reach += seen
    contact = np.asarray(calls[seed_idx].sum(axis=0)).ravel() if len(seed_idx) else np.zeros(n)
    money = adjacency(net, ("money",), "amount", True, out_ids)
    cents = money_decimals(money.data)  # totals as the statements add up, without float noise
    from_seeds = round_money(np.asarray(money[seed_idx].sum(axis=0)).ravel(), cents)
    to_seeds = round_money(np.asarray(money[:, seed_idx].sum(axis=1)).ravel(), cents)
    # the hierarchy of the seeds' surroundings (one hop beyond the leads): local, and quick
    local = np.flatnonzero(near & ~gone)
    sub = net.subnetwork(local)
    direction = _call_direction(net, call_direction, exclude=out_ids)
    h = hierarchy(sub, exclude=[], call_direction=direction.direction).set_index("id")["score"].reindex(net.nodes["id"])
    score_h = h.to_numpy(dtype=float)
    seed_h = score_h[seed_idx][np.isfinite(score_h[seed_idx])]
    above = score_h - (seed_h.mean() if len(seed_h) else np.nan)
    cand = (reach > 0) & ~gone
    cand[seed_idx] = False
    # cases of the candidates that none of the seeds is in (looked at for the candidates only: one
    # set per node of a large network would be slow, and costly for Python's garbage collector)
    other = np.zeros(n, dtype=np.int64)
    if "cases" in net.nodes:
        cases = net.nodes["cases"].to_numpy()
        seed_cases = set().union(*(cases[s] or [] for s in seed_idx))
        at = np.flatnonzero(cand)
        other[at] = [len(set(cases[i] or []) - seed_cases) for i in at]
    # independent ways in: a lead's neighbours one hop nearer the seeds.  A lead that several seeds
    # reach through one and the same intermediary (a friend of a contact they share) has
    # one way in, however many seeds lie behind it, and counts as shared by that many at most
    ways = _ways_in(a, np.where(is_seed, 0.0, dist))
    shared = np.minimum(reach, ways)
    strength = _contact_strength(a, seed_idx, is_seed)
    score = (w["shared"] * np.maximum(shared - 1, 0) + w["contact"] * np.log1p(contact)
             + w["strength"] * np.log1p(strength / 0.01)
             + w["money"] * np.log10(1 + from_seeds / 100.0) + w["above"] * np.clip(np.nan_to_num(above), 0, None)
             + w["other_case"] * (other > 0))
    df = frame_of(net, {"score": score, "seeds_reaching": reach, "ways_in": ways, "hops": dist,
                        "contacts_with_seeds": contact, "contact_strength": strength,
                        "money_from_seeds": from_seeds, "money_to_seeds": to_seeds,
                        "levels_above_seeds": above, "other_cases": other})
    df = df.loc[cand].sort_values(["score", "id"], ascending=[False, True]).head(top).copy()
    df["hops"] = df["hops"].astype(np.int64)  # candidates are within reach
    df["contacts_with_seeds"] = df["contacts_with_seeds"].round().astype(np.int64)  # calls: a count
    reasons = []
    for r in df.itertuples():
        why = []
        if r.seeds_reaching > 1:
            why.append(f"reached by {r.seeds_reaching} of the {len(seed_idx)} seeds"
                       + (f", through {r.ways_in} contact(s) only" if r.ways_in < r.seeds_reaching else ""))
        if r.contacts_with_seeds:
            why.append(f"{int(r.contacts_with_seeds)} call(s) with the seeds")
        # the column sums the seeds' shares; the reason gives their mean, a share of one seed's contacts
        mean = r.contact_strength / max(len(seed_idx), 1)
        if mean >= 0.005:
            why.append(f"{mean:.0%} of a seed's contacts lead here on average (one or two steps)" if len(seed_idx) > 1
                       else f"{mean:.0%} of the seed's contacts lead here (one or two steps)")
        if r.money_from_seeds:
            why.append(f"received {r.money_from_seeds:,.0f} from the seeds")
        if r.money_to_seeds:
            why.append(f"paid {r.money_to_seeds:,.0f} to the seeds")
        if np.isfinite(r.levels_above_seeds) and r.levels_above_seeds > 0.5:
            why.append(f"{r.levels_above_seeds:.1f} levels above the seeds")
        if r.other_cases:
            why.append(f"arrested in {r.other_cases} other case(s)")
        why.append(f"{int(r.hops)} hop(s) away")
        reasons.append("; ".join(why))
    df["reasons"] = reasons
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    df = df.reset_index(drop=True)
    df.attrs["left_out"] = pd.DataFrame(left, columns=["id", "label", "why"])
    df.attrs["seeds"] = seed_ids
    df.attrs["kept_in"] = kept_in  # high-volume by the rule, kept in by keep= or a decision (id, decision id)
    df.attrs["call_direction"] = direction.note
    return df


def _contact_strength(a: sp.csr_matrix, seed_idx: np.ndarray, is_seed: np.ndarray) -> np.ndarray:
    """Summed over the seeds: the share of a seed's contacts (``a``, by count) that reach each node
    in one step, plus the share that reach it in two, through someone who is not a seed."""
    n = a.shape[0]
    if len(seed_idx) == 0:
        return np.zeros(n)
    deg = np.asarray(a.sum(axis=1)).ravel()
    step = (sp.diags(np.where(deg > 0, 1.0 / np.where(deg > 0, deg, 1.0), 0.0)) @ a).tocsr()
    start = sp.csr_matrix((np.ones(len(seed_idx)), (np.arange(len(seed_idx)), seed_idx)), shape=(len(seed_idx), n))
    one = start @ step
    two = (one @ sp.diags((~is_seed).astype(np.float64))) @ step
    return np.asarray((one + two).sum(axis=0)).ravel()


def _ways_in(a: sp.csr_matrix, dist: np.ndarray) -> np.ndarray:
    """For each node, how many of its neighbours in ``a`` (symmetric) lie one hop nearer the seeds.

    ``dist``: each node's hops from the nearest seed (0 for the seeds, inf where not reached).
    """
    coo = a.tocoo()
    inward = np.isfinite(dist[coo.row]) & (dist[coo.col] == dist[coo.row] - 1)
    return np.bincount(coo.row[inward], minlength=a.shape[0])


def _levels(a: sp.csr_matrix, source: int, depth: int, stop: np.ndarray | None = None) -> np.ndarray:
    """Hop distance from ``source`` up to ``depth`` (larger: farther), by frontier expansion.

    Nodes where ``stop`` is true are reached but not gone through.
    """
    n = a.shape[0]
    lv = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    lv[source] = 0
    frontier = np.array([source])
    for h in range(1, depth + 1):
        if len(frontier) == 0:
            break
        nb = a[frontier].indices
        nb = np.unique(nb[lv[nb] > h])
        lv[nb] = h
        frontier = nb if stop is None else nb[~stop[nb]]
    return lv
