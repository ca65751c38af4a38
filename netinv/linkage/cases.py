"""Case linkage (串并): which separate cases are one network, and what links them.

Two cases are linked when their arrest records share:

- a person (the same person id, or ids resolved to one person);
- a phone or an account found on the arrested people;
- a handset (an IMEI used by phones of both cases, at either end of their calls, compared by its
  first 14 digits; placeholders such as ``000000000000000`` are never one);
- a contact: a number both cases' people were in touch with (high-volume numbers excluded),
  if ``contacts`` is on;
- a path in the network: the cases' people are within ``hops`` of each other in the (resolved)
  network, high-volume numbers left out, if a ``network`` is given (``network`` links);
- a place of arrest: reported, but too weak to join cases on its own (``location`` links).

Linked groups are the connected parts of the case graph over every link but ``location``.

>>> link_cases(store.records("arrests"), calls, resolution.entities)     # doctest: +SKIP
"""

from __future__ import annotations

from itertools import combinations
from typing import Iterable

import pandas as pd

from ..errors import check_count
from ..normalize import handset_keys
from ..store.base import call_sightings

__all__ = ["case_links", "link_cases", "STRONG", "WEAK"]

STRONG = ("person", "phone", "account", "handset", "contact", "network")
WEAK = ("location",)


def case_links(arrests: pd.DataFrame, calls: pd.DataFrame | None = None, entities: pd.Series | None = None, *,
               contacts: bool = True, exclude: Iterable[str] = (), min_contact_calls: int = 2,
               network=None, hops: int = 3, network_exclude: Iterable[str] = ()) -> pd.DataFrame:
    """Every pair of linked cases with what links them: case_a, case_b, kind, shared.

    ``hops``: cases whose people are at most this many hops apart in ``network`` are linked (0: only
    shared identifiers and contacts).
    """
    hops = check_count("hops", hops, minimum=0)
    min_contact_calls = check_count("min_contact_calls", min_contact_calls)
    ent = (lambda p: entities.get(p, p)) if entities is not None else (lambda p: p)
    a = arrests.assign(entity=arrests["person_id"].map(ent))
    keys: dict[tuple[str, str], set[str]] = {}

    def add(kind, value, case):
        if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
            return
        keys.setdefault((kind, str(value)), set()).add(case)

    for r in a.itertuples():
        add("person", r.entity, r.case_id)
        add("phone", r.phone, r.case_id)
        add("account", r.account, r.case_id)
        add("location", r.location, r.case_id)
    ex = set(exclude)
    if calls is not None and len(calls):
        phones_of_case = a.dropna(subset=["phone"]).groupby("phone")["case_id"].apply(set).to_dict()
        handsets = call_sightings(calls, "imei")  # the caller's and the callee's handsets
        handsets = handsets[handsets["phone"].isin(phones_of_case.keys())]
        # by the handset's key: one handset however written, and a placeholder IMEI links nothing
        handsets = handsets.assign(key=handset_keys(handsets["key"])).dropna().drop_duplicates()
        for phone, imei in handsets.itertuples(index=False):
            for case in phones_of_case[phone]:
                add("handset", imei, case)
        if contacts:
            mine = calls[calls["caller"].isin(phones_of_case.keys()) | calls["callee"].isin(phones_of_case.keys())]
            ends = pd.concat([mine[["caller", "callee"]].set_axis(["own", "other"], axis=1),
                              mine[["callee", "caller"]].set_axis(["own", "other"], axis=1)], ignore_index=True)
            ends = ends[ends["own"].isin(phones_of_case.keys()) & ~ends["other"].isin(ex)
                        & ~ends["other"].isin(phones_of_case.keys())]
            counts = ends.value_counts()
            for (own, other), n in counts.items():
                if n >= min_contact_calls:
                    for case in phones_of_case[own]:
                        add("contact", other, case)
    rows = []
    for (kind, value), cases in keys.items():
        for x, y in combinations(sorted(cases), 2):
            rows.append({"case_a": x, "case_b": y, "kind": kind, "shared": value})
    if network is not None:
        rows.extend(_network_links(a, network, hops, network_exclude))
    return pd.DataFrame(rows, columns=["case_a", "case_b", "kind", "shared"]).sort_values(
        ["case_a", "case_b", "kind", "shared"]).reset_index(drop=True)


def link_cases(arrests: pd.DataFrame, calls: pd.DataFrame | None = None, entities: pd.Series | None = None,
               **kwargs) -> pd.DataFrame:
    """Linked case groups: group, cases, and the links that join them (by kind), largest group first.

    ``kwargs`` go to :func:`case_links`; pairs linked only through the network keep the shortest
    path as their evidence."""
    links = case_links(arrests, calls, entities, **kwargs)
    cases = sorted(set(arrests["case_id"]))
    parent = {c: c for c in cases}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    strong = links[links["kind"].isin(STRONG)]
    for x, y in zip(strong["case_a"], strong["case_b"]):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    groups: dict[str, list[str]] = {}
    for c in cases:
        groups.setdefault(find(c), []).append(c)
    rows = []
    for root, members in groups.items():
        inside = links[links["case_a"].isin(members) & links["case_b"].isin(members)]
        why = inside.groupby("kind")["shared"].apply(lambda s: sorted(set(s))).to_dict()
        rows.append({"cases": sorted(members), "size": len(members),
                     "links": "; ".join(f"{k}: {', '.join(v[:4])}{' ...' if len(v) > 4 else ''}"
                                        for k, v in sorted(why.items()))})
    rows.sort(key=lambda r: (-r["size"], r["cases"]))
    out = pd.DataFrame(rows, columns=["cases", "size", "links"])
    out.insert(0, "group", range(1, len(out) + 1))
    out.attrs["links"] = links
    return out


def _network_links(a: pd.DataFrame, net, hops: int, exclude: Iterable[str]) -> list[dict]:
    import numpy as np

    from ..analysis.graphs import adjacency

    adj = adjacency(net, None, "count", False, list(exclude)).tocsr()
    idx = net.index
    people: dict[str, list[int]] = {}
    for case, ent in zip(a["case_id"], a["entity"]):
        nid = net.node_of(pd.Series([f"person:{ent}"])).iloc[0]
        if nid in idx:
            people.setdefault(case, []).append(idx[nid])
    owner_case: dict[int, set[str]] = {}
    for case, vs in people.items():
        for v in vs:
            owner_case.setdefault(v, set()).add(case)
    rows = []
    n = adj.shape[0]
    for case, vs in sorted(people.items()):
        dist = np.full(n, -1)
        dist[vs] = 0
        frontier = np.zeros(n, dtype=bool)
        frontier[vs] = True
        for h in range(1, hops + 1):
            nxt = (adj @ frontier.astype(np.float64)) > 0
            new = nxt & (dist < 0)
            if not new.any():
                break
            dist[new] = h
            frontier = new
        for v in np.flatnonzero(dist > 0):
            for other in owner_case.get(int(v), ()):
                if other > case:
                    rows.append({"case_a": case, "case_b": other, "kind": "network",
                                 "shared": f"{int(dist[v])} hops"})
    return rows
