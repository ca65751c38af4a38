"""Projecting a store into a :class:`~netinv.network.Network`, at phone, person or resolved level.

:func:`build_network` reads a store's aggregated edges for the chosen layers and time window.  At
person level phones and accounts collapse onto the one person known to hold each; at resolved
level the person ids found (or decided) to be one person become one node, and a replacement phone
nobody is known to hold merges into the phone it replaced.  ``notes`` say what was merged and what
was kept apart.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .errors import NetinvError
from .network import LEVELS, Network
from .store.base import LAYERS, Window, sort_once

__all__ = ["build_network", "identifier_network"]

_LAYER_KIND = {"calls": "phone", "money": "account", "co_arrest": "person"}
_SYMMETRIC = {"co_arrest"}


def _collapse(edges: pd.DataFrame, mapping: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """Re-aggregate edges after mapping node ids; returns (edges, self-loops dropped), ordered by
    layer, source and target, the order the network keeps its edges in.

    Durations and amounts add up (NA where no merged edge had one); the currency is the one the
    merged edges share, NA when none is known, ``MIXED`` otherwise.  Every aggregate is a built-in
    one: a Python function per group costs minutes on a million edges.  The ids are mapped and
    grouped as integer codes: the distinct ids are far fewer than the endpoints, and mapping and
    grouping two million endpoints as text took seconds.
    """
    n, dtype = len(edges), edges["source"].dtype
    codes, ids = pd.factorize(pd.concat([edges["source"], edges["target"]], ignore_index=True))
    mapped = pd.Series([mapping.get(x, x) for x in ids.tolist()], dtype=dtype)
    merged, ids = pd.factorize(mapped, sort=True)
    s, t = merged[codes[:n]], merged[codes[n:]]
    keep = s != t
    n_loops = n - int(keep.sum())
    if not keep.any():
        return edges.iloc[0:0], n_loops
    lc, layers = pd.factorize(edges["layer"], sort=True)
    keys = ["l", "s", "t"]
    rows = slice(None) if n_loops == 0 else keep  # taking every row of text columns costs a copy
    w = pd.DataFrame({"l": lc[rows], "s": s[rows], "t": t[rows]})
    for col in ("count", "duration_s", "amount", "first", "last", "currency"):
        w[col] = edges[col].array[rows]
    g = w.groupby(keys, sort=True)
    out = g.agg(count=("count", "sum"), first=("first", "min"), last=("last", "max"))
    out["duration_s"] = g["duration_s"].sum(min_count=1)
    out["amount"] = g["amount"].sum(min_count=1)
    known = w.loc[w["currency"].notna(), keys + ["currency"]]
    cur = known.groupby(keys, sort=True)["currency"].agg(["first", "nunique"])
    out["currency"] = cur["first"].where(cur["nunique"] == 1, "MIXED").reindex(out.index)
    at = [out.index.get_level_values(k).to_numpy() for k in keys]
    res = pd.DataFrame({"source": pd.Series(ids.take(at[1]), dtype=dtype),
                        "target": pd.Series(ids.take(at[2]), dtype=dtype),
                        "layer": pd.Series(layers.take(at[0]), dtype=edges["layer"].dtype)})
    for col in ("count", "duration_s", "amount", "first", "last", "currency"):
        res[col] = out[col].array
    res["duration_s"] = res["duration_s"].astype("Int64")
    res["amount"] = res["amount"].astype("Float64")
    res["currency"] = res["currency"].astype("string")
    return res, n_loops


def _resolve_persons(persons: pd.DataFrame, entity: dict[str, str]) -> pd.DataFrame:
    """One row per resolved entity: the most frequent name, all aliases and cases, arrested if any was."""
    p = persons.copy()
    p["entity"] = p["person_id"].map(lambda x: entity.get(x, x))
    rows = []
    for ent, g in p.groupby("entity", sort=True):
        names = g["name"].value_counts()
        rows.append({
            "person_id": ent, "name": names.index[0] if len(names) else pd.NA,
            "aliases": sorted({a for al in g["aliases"] for a in (al or [])} | set(g["name"].dropna())),
            "id_number": g["id_number"].dropna().iloc[0] if g["id_number"].notna().any() else pd.NA,
            "arrested": bool(g["arrested"].any()), "cases": sorted({c for cs in g["cases"] for c in (cs or [])}),
            "first_arrest": g["first_arrest"].min(), "max_quantity_g": g["max_quantity_g"].max(),
            "drugs": sorted({d for ds in g["drugs"] for d in (ds or [])}),
            "person_ids": sorted(g["person_id"]),
        })
    out = pd.DataFrame(rows)
    out["max_quantity_g"] = out["max_quantity_g"].astype("Float64")
    return out


def _decided_phone_pairs(store, pairs: list[tuple[str, str]], edges: pd.DataFrame) -> tuple[list, set, int]:
    """The (old, new) replacement pairs to merge, as the analysts decided (``netinv decide phone:A
    phone:B --same`` / ``--different``) over those found: a pair decided the same is merged (the
    phone seen first in these edges is the old one), one decided different is not.  Also the pairs
    that come from a decision, and how many found pairs a decision kept apart."""
    d = store.decisions() if hasattr(store, "decisions") else None
    if d is None or d.empty:
        return pairs, set(), 0
    d = d[d["a"].astype(str).str.startswith("phone:") & d["b"].astype(str).str.startswith("phone:")]
    if d.empty:
        return pairs, set(), 0
    first = {}
    if len(edges):
        t = pd.concat([edges[["source", "first"]].rename(columns={"source": "id"}),
                       edges[["target", "first"]].rename(columns={"target": "id"})])
        first = t.groupby("id")["first"].min().to_dict()
    verdict = {}
    for r in d.sort_values(["decided_at", "decision_id"], kind="stable").itertuples(index=False):
        verdict[frozenset((r.a, r.b))] = (bool(r.same), r.a, r.b)
    kept = [(o, n) for o, n in pairs if frozenset((f"phone:{o}", f"phone:{n}")) not in verdict]
    apart = sum(1 for o, n in pairs if not verdict.get(frozenset((f"phone:{o}", f"phone:{n}")), (True,))[0])
    decided = set()
    for is_same, a, b in verdict.values():
        if not is_same or a not in first or b not in first:
            continue  # a phone outside this network's window or layers: nothing to merge here
        old, new = sorted((a, b), key=lambda x: (first[x], x))
        decided.add((old.split(":", 1)[1], new.split(":", 1)[1]))
    return kept + sorted(decided), decided, apart


def _holders(holdings: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """Each identifier (typed id) that exactly one person holds -> that person (typed id); and the
    identifiers held by more than one, sorted (none of either without holdings)."""
    if holdings.empty:
        return {}, []
    h = holdings.drop_duplicates(["person_id", "kind", "value"])
    h_ids = h["kind"] + ":" + h["value"]
    n_holders = h_ids.map(h_ids.value_counts())
    unique = h.loc[(n_holders == 1).to_numpy()]
    owner = dict(zip((unique["kind"] + ":" + unique["value"]).tolist(), ("person:" + unique["person_id"]).tolist()))
    return owner, sorted(set(h_ids[(n_holders > 1).to_numpy()]))


def _check_layers(layers: tuple[str, ...]) -> None:
    for layer in layers:
        if layer not in LAYERS:
            raise NetinvError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")


def build_network(store, layers: Sequence[str] = LAYERS, window: Window | None = None, level: str = "phone",
                  resolution=None, successors: pd.DataFrame | None = None) -> Network:
    """Build a :class:`Network` from ``store`` for ``layers`` in ``window`` at ``level``.

    ``level="resolved"`` goes further than ``person``: person ids that person resolution found
    (or an analyst decided) to be one person become one node, and a replacement phone nobody is
    known to hold merges into the phone it replaced (``successors``: top-ranked successors from
    :func:`netinv.linkage.successors`, by default computed from the calls, high-volume numbers left
    out as ``netinv successors`` leaves them: numbers that went quiet and numbers that handed
    over).  ``notes`` say what was merged.
    """
    layers = tuple(layers)
    _check_layers(layers)
    if level not in LEVELS:
        raise NetinvError(f"unknown level {level!r}; levels are {', '.join(LEVELS)}")
    window = window or Window()
    parts = []
    for layer in sorted(layers):  # each layer's edges come by source and target: the network's order
        e = store.layer_edges(layer, window)
        kind = _LAYER_KIND[layer]
        e["source"] = kind + ":" + e["source"]
        e["target"] = kind + ":" + e["target"]
        e.insert(2, "layer", layer)
        parts.append(e)
    edges = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["source", "target", "layer"])
    persons = store.persons()
    holdings = store.holdings()
    decided_numbers = store.number_decisions() if hasattr(store, "number_decisions") else None
    notes: list[str] = []
    entity: dict[str, str] = {}
    if level == "resolved":
        resolution = resolution or store.resolution()
        entity = {k: v for k, v in resolution.entities.items() if k != v}
        if entity:
            holdings = holdings.assign(person_id=holdings["person_id"].map(lambda x: entity.get(x, x)))
            persons = _resolve_persons(persons, entity)
            ents = len(set(entity.values()))
            notes.append(f"resolved persons: {len(entity) + ents} person ids are {ents} people")
        notes.extend(resolution.notes)
    owner, shared = _holders(holdings)
    if shared:
        notes.append(f"{len(shared)} identifier(s) held by more than one person, kept apart: "
                     + ", ".join(shared[:10]) + (" ..." if len(shared) > 10 else ""))
    if level == "resolved":
        for pid, ent in entity.items():
            owner[f"person:{pid}"] = f"person:{ent}"
        if successors is None and "calls" in layers:
            successors = _found_successors(store, window, edges, persons, decided_numbers)
        notes.extend(_merge_replacements(store, owner, entity, successors, edges))
        # chains (a -> b -> c) end at the first phone
        for k in list(owner):
            seen, v = {k}, owner[k]
            while v in owner and v not in seen:
                seen.add(v)
                v = owner[v]
            owner[k] = v
    if level in ("person", "resolved") and not edges.empty:
        edges, loops = _collapse(edges, owner)
        if loops:
            notes.append(f"{loops} edge(s) between identifiers of the same person left out (self-loops)")
    return _assemble(edges, persons, owner, level, layers, window, notes, decided_numbers)


def _found_successors(store, window: Window, edges: pd.DataFrame, persons: pd.DataFrame,
                      decided_numbers: pd.DataFrame | None) -> pd.DataFrame:
    """Each number's best successor in the calls, high-volume numbers left out.

    A taxi firm or a hotline (the analysts' decisions on numbers apply) is no contact anyone
    shares with a replacement, as in ``netinv successors``; they are found on the phone-level
    calls network built from the call edges already read."""
    from .analysis.hubs import hub_ids
    from .linkage.successors import successors as find_successors

    calls = edges[edges["layer"] == "calls"].reset_index(drop=True)
    phones = _assemble(calls, persons.iloc[0:0], {}, "phone", ("calls",), window, [], decided_numbers)
    hubs = hub_ids(phones)
    return find_successors(store.records("calls", window), top=1, exclude=[h.split(":", 1)[1] for h in hubs])


def _merge_replacements(store, owner: dict[str, str], entity: dict[str, str], succ: pd.DataFrame | None,
                        edges: pd.DataFrame) -> list[str]:
    """Merge each replacement phone into the phone it replaced (in ``owner``), as found in
    ``succ`` and as the analysts decided; the notes on what was merged and what was kept apart."""
    from .linkage.successors import holder_arrests, quiet_on_arrest

    notes: list[str] = []
    if succ is None:
        succ = pd.DataFrame(columns=["old", "candidate", "rank"])
    pairs = list(zip(succ.loc[succ["rank"] == 1, "old"], succ.loc[succ["rank"] == 1, "candidate"]))
    pairs, decided, apart = _decided_phone_pairs(store, pairs, edges)
    how = dict(zip(zip(succ["old"], succ["candidate"]), succ["how"])) if "how" in succ else {}
    first = succ[succ["rank"] == 1]
    on_arrest = quiet_on_arrest(first, holder_arrests(store.holdings(), store.records("arrests"), entity)) \
        if len(first) and "old_last" in first else {}
    merged, by_decision, handed, not_merged, arrested = 0, 0, 0, [], []
    for old, new in pairs:
        o, n_ = f"phone:{old}", f"phone:{new}"
        if old in on_arrest and (old, new) not in decided:
            arrested.append(f"{o} ({on_arrest[old][0]} arrested {pd.Timestamp(on_arrest[old][1]).date()}) "
                            f"and {n_}")
            continue
        if n_ not in owner and o not in owner:
            owner[n_] = o
        elif n_ not in owner and o in owner:
            owner[n_] = owner[o]
        else:
            if (old, new) in decided:
                not_merged.append(f"{o} and {n_}")
            continue
        merged += 1
        by_decision += (old, new) in decided
        handed += (old, new) not in decided and how.get((old, new)) == "handover"
    if by_decision or apart or not_merged:
        notes.append(f"analysts' decisions on phones: {by_decision} pair(s) merged as one user's"
                     + (f", {apart} found pair(s) kept apart" if apart else "")
                     + (f"; not merged, the newer phone being held by someone on record: "
                        f"{', '.join(not_merged)}" if not_merged else ""))
    if arrested:
        notes.append(f"{len(arrested)} found pair(s) not merged, the old phone having gone quiet when its holder "
                     f"was arrested (the newer one most likely someone else's): {', '.join(arrested[:5])}"
                     + (" ..." if len(arrested) > 5 else "")
                     + "; netinv decide phone:OLD phone:NEW --same merges one")
    if merged:
        notes.append(f"{merged} replacement phone(s) merged into the phone they replaced"
                     + (f" ({handed} of them after a handover: the old phone still in use now and then; "
                        "netinv successors shows the evidence)" if handed else ""))
    return notes


def identifier_network(store, layers: Sequence[str] = LAYERS, window: Window | None = None) -> Network:
    """The phone-level network of ``layers`` in ``window`` without its edges: the same nodes as
    :func:`build_network` gives (each identifier at either end of an edge, every person with the
    co-arrest layer), with their holders and names, for resolving what an analyst typed
    (:meth:`Network.resolve`) without aggregating millions of calls."""
    layers = tuple(layers)
    _check_layers(layers)
    window = window or Window()
    ids = [_LAYER_KIND[layer] + ":" + store.layer_nodes(layer, window) for layer in sorted(layers)]
    edges = pd.DataFrame(columns=["source", "target", "layer", "count"])
    return _assemble(edges, store.persons(), _holders(store.holdings())[0], "phone", layers, window, [],
                     store.number_decisions() if hasattr(store, "number_decisions") else None,
                     ids=pd.concat(ids, ignore_index=True) if ids else None)


def _assemble(edges: pd.DataFrame, persons: pd.DataFrame, owner: dict[str, str], level: str,
              layers: tuple[str, ...], window: Window, notes: list[str],
              decided_numbers: pd.DataFrame | None, ids: pd.Series | None = None) -> Network:
    """The Network of (collapsed) ``edges``: nodes with their holders, names and arrests, and the
    igraph vertex and edge numbering; ``ids``: more nodes (typed ids), for a network without edges."""
    # nodes: every endpoint, plus persons when the co-arrest layer or person level is asked for;
    # factorizing the edges' ends numbers each edge's ends by the sorted node ids in one pass
    if len(edges):
        edges = sort_once(edges, ["layer", "source", "target"])
    ends = [edges["source"].astype("string"), edges["target"].astype("string")] if len(edges) else []
    if ids is not None:
        ends.append(ids.astype("string"))
    if level in ("person", "resolved") or "co_arrest" in layers:
        ends.append(("person:" + persons["person_id"]).astype("string"))
    codes, ids = pd.factorize(pd.concat(ends, ignore_index=True), sort=True) if ends else (np.array([], "int64"), [])
    nodes = pd.DataFrame({"id": pd.Series(ids, dtype="string")})
    kk = nodes["id"].str.split(":", n=1, expand=True) if len(nodes) else pd.DataFrame({0: [], 1: []})
    nodes["kind"] = kk[0].astype("string") if len(nodes) else pd.Series(dtype="string")
    nodes["key"] = kk[1].astype("string") if len(nodes) else pd.Series(dtype="string")
    pinfo = persons.set_index("person:" + persons["person_id"]) if not persons.empty else pd.DataFrame()
    holder = nodes["id"].map(owner).astype("string")  # a dict's map looks every id up at once
    nodes["holder"] = holder
    who = nodes["id"].where(nodes["kind"] == "person", holder)
    def pick(col, default=pd.NA):
        """The person column ``col`` of each node's person (its holder's, for an identifier); ``default``
        where there is none."""
        if pinfo.empty or col not in pinfo:
            return pd.Series(default, index=nodes.index)
        found = pinfo[col].reindex(who.to_numpy(object)).set_axis(nodes.index)
        known = who.isin(pinfo.index).to_numpy()
        return found.astype(object).where(known, default)
    nodes["name"] = pick("name").astype("string")
    nodes["arrested"] = pick("arrested", False).fillna(False).astype(bool)
    nodes["cases"] = pick("cases", None).map(lambda v: v if isinstance(v, list) else [])
    nodes["max_quantity_g"] = pick("max_quantity_g").astype("Float64")
    nodes["label"] = nodes["name"].where(nodes["kind"] == "person", nodes["key"])
    nodes["label"] = nodes["label"].fillna(nodes["key"]).astype("string")
    if level in ("person", "resolved") and owner:
        members: dict[str, list[str]] = {}
        for ident, person in owner.items():
            members.setdefault(person, []).append(ident)
        nodes["members"] = nodes["id"].map(lambda x: sorted(members.get(x, [])))
    if len(edges):
        edges["s"] = codes[:len(edges)].astype("int64")
        edges["t"] = codes[len(edges):2 * len(edges)].astype("int64")
        edges["weight"] = edges["count"].astype("float64")
        edges["symmetric"] = edges["layer"].isin(list(_SYMMETRIC))
    else:
        edges = pd.DataFrame({c: pd.Series(dtype=t) for c, t in [
            ("source", "string"), ("target", "string"), ("layer", "string"), ("count", "int64"),
            ("duration_s", "Int64"), ("amount", "Float64"), ("currency", "string"),
            ("first", "datetime64[us, UTC]"), ("last", "datetime64[us, UTC]"), ("s", "int64"), ("t", "int64"),
            ("weight", "float64"), ("symmetric", "bool")]})
    edges["layer"] = edges["layer"].astype("string")
    return Network(nodes, edges, level, layers, window, notes, owner if level in ("person", "resolved") else {},
                   decided_numbers)
