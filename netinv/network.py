"""The analysis view of a case: an igraph graph plus node and edge tables.

Nodes are identified by typed ids, ``phone:+8613800138000``, ``account:6222...``,
``person:P001``, so that a phone number and a person id can never be confused.  The edge table
has one row per (source, target, layer) with the aggregated evidence (how many calls or
transfers, seconds, amount, first and last time); row ``i`` of ``edges`` is igraph edge ``i``
and row ``j`` of ``nodes`` is vertex ``j``.

At ``level="person"`` phones and accounts are collapsed onto the person who holds them, where
exactly one person is known to hold them; an identifier held by several persons stays on its own
(and is listed in ``notes``), since guessing would put words in someone's mouth.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Sequence

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before igraph: see PERFORMANCE-NOTES

import igraph as ig
import numpy as np
import pandas as pd

from .errors import NetinvError, NodeNotFound
from .store.base import LAYERS, Window

__all__ = ["Network", "build_network", "node_id", "split_id", "edge_pairs", "NODE_KINDS", "LEVELS", "RETAIL_MAX_G"]

NODE_KINDS = ("phone", "account", "person")
LEVELS = ("phone", "person", "resolved")
_LAYER_KIND = {"calls": "phone", "money": "account", "co_arrest": "person"}
_SYMMETRIC = {"co_arrest"}
#: an arrest with at most this many grams seized counts as retail (:meth:`Network.retail_arrests`)
RETAIL_MAX_G = 100.0


def node_id(kind: str, key: str) -> str:
    """The typed node id for an identifier: ``node_id("phone", "+861...") == "phone:+861..."``."""
    return f"{kind}:{key}"


def split_id(nid: str) -> tuple[str, str]:
    kind, _, key = nid.partition(":")
    return kind, key


def edge_pairs(u, v) -> list[tuple[int, int]]:
    """``(u[i], v[i])`` pairs as the list igraph takes for its edges.

    Built from two flat lists: ``np.column_stack([u, v]).tolist()`` costs about seven times as
    much (0.56 s against 0.08 s for 620,000 edges), since it makes a Python list per edge.
    """
    return list(zip(np.asarray(u, dtype=np.int64).tolist(), np.asarray(v, dtype=np.int64).tolist()))


@dataclass
class Network:
    """An analysis network: ``nodes`` and ``edges`` tables and the igraph ``graph`` they describe."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    level: str = "phone"
    layers: tuple[str, ...] = LAYERS
    window: Window = field(default_factory=Window)
    notes: list[str] = field(default_factory=list)
    #: identifier (typed id) -> the person node it was collapsed onto (person level only)
    owner: dict[str, str] = field(default_factory=dict)
    #: the analysts' active decisions on numbers (public or not; :data:`~netinv.store.base.NUMBER_DECISION_COLUMNS`)
    #: as the store held them when the network was built; :func:`netinv.analysis.detect_hubs` applies them
    decided: pd.DataFrame | None = None
    _graph: ig.Graph | None = field(default=None, repr=False)
    _index: dict | None = field(default=None, repr=False)
    _regions: list | None = field(default=None, repr=False)

    # --- structure -------------------------------------------------------------------------
    @property
    def graph(self) -> ig.Graph:
        """The directed igraph graph; edge attribute ``weight`` (float) is the contact count."""
        if self._graph is None:
            g = ig.Graph(n=len(self.nodes), edges=edge_pairs(self.edges["s"], self.edges["t"]), directed=True)
            g.es["weight"] = self.edges["weight"].astype("float64").tolist()
            g.es["layer"] = self.edges["layer"].astype(str).tolist()
            g.vs["name"] = self.nodes["id"].astype(str).tolist()
            self._graph = g
        return self._graph

    @property
    def index(self) -> dict[str, int]:
        """typed node id -> vertex index."""
        if self._index is None:
            self._index = dict(zip(self.nodes["id"].tolist(), range(len(self.nodes))))
        return self._index

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    def resolve(self, refs: Iterable[str]) -> list[str]:
        """Typed ids for user references.

        A reference may be a typed id (``phone:+8613800138000``), a bare identifier as stored
        (``+8613800138000``, ``6222...``, ``P0012``), or a phone number or card number as an
        analyst types it (``138 0013 8000``, ``0086-138-0013-8000``, ``6222 0212 3456``): numbers
        are normalised as the loads normalise them, in each country that the network's phone
        numbers belong to.  At person level a phone or account that was collapsed onto its holder
        resolves to that person; at resolved level a person id (a case file's own id for someone)
        resolves to the person it was merged into.  A reference matching several nodes must be given typed;
        unknown references raise :class:`NodeNotFound`.
        """
        out, missing = [], []
        by_key: dict[str, list[str]] | None = None
        for ref in refs:
            ref = str(ref).strip()
            if ref in self.index:
                out.append(ref)
                continue
            if by_key is None:
                by_key = {}
                for nid, key in zip(self.nodes["id"].tolist(), self.nodes["key"].tolist()):
                    by_key.setdefault(key, []).append(nid)
            hits = by_key.get(ref, [])
            if not hits:
                hits = self._through_identifiers(ref)
            if len(hits) == 1:
                out.append(hits[0])
            elif len(hits) > 1:
                raise NetinvError(f"{ref!r} is ambiguous: give one of {', '.join(hits)}")
            else:
                missing.append(ref)
        if missing:
            raise NodeNotFound(missing, where=f"the {self.level}-level network")
        return out

    def seeds(self, refs: Iterable[str], what: str = "seeds") -> list[str]:
        """Typed ids for the seeds of an analysis: :meth:`resolve`, each node once, at least one.

        A person given twice (by id and by phone, say) is one seed: counting him twice would
        say that two seeds reach what he alone reaches.
        """
        ids = list(dict.fromkeys(self.resolve(refs)))
        if not ids:
            raise NetinvError(f"no {what} given")
        return ids

    def retail_arrests(self, max_g: float = RETAIL_MAX_G) -> list[str]:
        """The nodes of the people arrested with at most ``max_g`` grams seized, the usual seeds of a case.

        Everyone arrested when nobody was caught with a retail quantity; an empty list when nobody
        in the network was arrested.  At person and resolved level these are person nodes; at
        phone level the phones and accounts that an arrested person is known to hold (a person
        node carries no calls or payments there).
        """
        n = self.nodes
        kinds = ["phone", "account"] if self.level == "phone" else ["person"]
        arrested = n[(n["kind"].isin(kinds) & n["arrested"]).to_numpy()]
        seized = arrested["max_quantity_g"].astype("Float64").fillna(0).to_numpy(dtype=float)
        retail = arrested[seized <= max_g]
        return (retail if len(retail) else arrested)["id"].tolist()

    def _through_identifiers(self, ref: str) -> list[str]:
        """Nodes for a reference through ``owner`` (a phone or account held by a person, a person id merged
        into another one) or a phone or account number in another written form."""
        from .normalize import accounts, phones

        kind, _, value = ref.partition(":")
        kinds = (kind,) if kind in NODE_KINDS and value else NODE_KINDS
        value = value if len(kinds) == 1 else ref
        forms = {f"{k}:{value}" for k in kinds}  # a person id merged into another one is found here
        if "phone" in kinds:
            for region in self._phone_regions():
                e164, _ = phones(pd.Series([value], dtype="string"), region)
                if not pd.isna(e164.iloc[0]):
                    forms.add(f"phone:{e164.iloc[0]}")
        if "account" in kinds:
            acc, _ = accounts(pd.Series([value], dtype="string"))
            if not pd.isna(acc.iloc[0]):
                forms.add(f"account:{acc.iloc[0]}")
        hits = []
        for f in sorted(forms):
            nid = f if f in self.index else self.owner.get(f)
            if nid in self.index and nid not in hits:
                hits.append(nid)
        return hits

    def _phone_regions(self) -> list[str]:
        """The regions (ISO codes) of the countries whose phone numbers the network holds."""
        if self._regions is not None:
            return self._regions
        import phonenumbers

        ids = pd.concat([self.nodes["id"], pd.Series(list(self.owner), dtype="string")], ignore_index=True)
        ids = ids[ids.str.startswith("phone:")].str[6:]
        regions = set(ids[ids.str.match(r"^[A-Z]{2}:")].str[:2])
        for prefix in set(ids[ids.str.startswith("+")].str[1:4]):
            for n in (1, 2, 3):
                if prefix[:n].isdigit() and int(prefix[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                    regions.add(phonenumbers.region_code_for_country_code(int(prefix[:n])))
                    break
        self._regions = sorted(r for r in regions if r != "ZZ")
        return self._regions

    def vertices(self, refs: Iterable[str]) -> np.ndarray:
        """Vertex indices for user references (see :meth:`resolve`)."""
        return np.array([self.index[i] for i in self.resolve(refs)], dtype=np.int64)

    def select_layers(self, *layers: str) -> "Network":
        """The same nodes with only the edges of ``layers``."""
        keep = self.edges["layer"].isin(layers).to_numpy()
        return Network(self.nodes, self.edges.loc[keep].reset_index(drop=True), self.level,
                       tuple(layers), self.window, list(self.notes), dict(self.owner), self.decided)

    def subnetwork(self, vertices: np.ndarray) -> "Network":
        """The network induced by some vertex indices (rows of ``nodes``), renumbered from 0."""
        vertices = np.unique(np.asarray(vertices, dtype=np.int64))
        new = np.full(len(self.nodes), -1, dtype=np.int64)
        new[vertices] = np.arange(len(vertices))
        e = self.edges
        keep = (new[e["s"].to_numpy()] >= 0) & (new[e["t"].to_numpy()] >= 0)
        edges = e.loc[keep].copy()
        edges["s"] = new[edges["s"].to_numpy()]
        edges["t"] = new[edges["t"].to_numpy()]
        return Network(self.nodes.iloc[vertices].reset_index(drop=True), edges.reset_index(drop=True), self.level,
                       self.layers, self.window, list(self.notes), dict(self.owner), self.decided)

    def node_of(self, identifiers: pd.Series) -> pd.Series:
        """The node standing for each typed identifier: itself, or the person it was collapsed onto."""
        if self.level not in ("person", "resolved") or not self.owner:
            return identifiers
        return identifiers.map(lambda x: self.owner.get(x, x))

    def members_of(self, node: str) -> list[str]:
        """The identifiers a node stands for (a person's phones and accounts; else the node itself)."""
        if self.level in ("person", "resolved") and "members" in self.nodes:
            row = self.nodes.loc[self.nodes["id"] == node, "members"]
            if len(row) and isinstance(row.iloc[0], list) and row.iloc[0]:
                return list(row.iloc[0]) + [node]
        return [node]

    def to_networkx(self):
        """A ``networkx.MultiDiGraph`` with the node and edge tables as attributes (edge key = layer)."""
        import networkx as nx

        g = nx.MultiDiGraph(level=self.level, layers=list(self.layers), window=str(self.window))
        attrs = self.nodes.drop(columns=["id"]).astype(object).where(self.nodes.drop(columns=["id"]).notna(), None)
        for nid, row in zip(self.nodes["id"], attrs.to_dict("records")):
            g.add_node(nid, **row)
        ecols = [c for c in self.edges.columns if c not in ("s", "t")]
        eattrs = self.edges[ecols].astype(object).where(self.edges[ecols].notna(), None)
        for row in eattrs.to_dict("records"):
            g.add_edge(row["source"], row["target"], key=row["layer"], **row)
        return g

    @classmethod
    def from_edges(cls, edges: pd.DataFrame, nodes: pd.DataFrame | None = None, *, kind: str = "person",
                   layer: str = "calls") -> "Network":
        """A Network from a plain edge list (``source``, ``target``, optional ``count``, ``layer``,
        ``amount``, ``first``, ``last``), for data that did not come through a store.

        Bare ids get the prefix ``kind:``.  Edges of the symmetric ``co_arrest`` layer are stored in
        both directions, as the stores do.  ``nodes`` (column ``id`` plus attributes such as
        ``label``, ``arrested``, ``max_quantity_g``) adds attributes and isolated nodes.
        """
        e = edges.copy()
        typed = lambda s: s.astype(str).map(lambda x: x if ":" in x else f"{kind}:{x}")  # noqa: E731
        e["source"], e["target"] = typed(e["source"]), typed(e["target"])
        if "layer" not in e:
            e["layer"] = layer
        e["count"] = e["count"].astype("int64") if "count" in e else 1
        for col, dt in (("duration_s", "Int64"), ("amount", "Float64"), ("currency", "string")):
            e[col] = e[col].astype(dt) if col in e else pd.Series(pd.NA, index=e.index, dtype=dt)
        for col in ("first", "last"):
            e[col] = pd.to_datetime(e[col], utc=True) if col in e else pd.Series(pd.NaT, index=e.index,
                                                                                    dtype="datetime64[us, UTC]")
        sym = e["layer"] == "co_arrest"
        rev = e[sym].rename(columns={"source": "target", "target": "source"})
        e = pd.concat([e, rev], ignore_index=True)
        e = e[e["source"] != e["target"]]
        agg = e.groupby(["source", "target", "layer"], as_index=False).agg(
            count=("count", "sum"), duration_s=("duration_s", lambda x: x.sum(min_count=1)),
            amount=("amount", lambda x: x.sum(min_count=1)), currency=("currency", "first"),
            first=("first", "min"), last=("last", "max"))
        ids = set(agg["source"]) | set(agg["target"])
        attrs = None
        if nodes is not None:
            attrs = nodes.copy()
            attrs["id"] = typed(attrs["id"])
            ids |= set(attrs["id"])
        n = pd.DataFrame({"id": pd.Series(sorted(ids), dtype="string")})
        parts = n["id"].str.split(":", n=1, expand=True)
        n["kind"], n["key"] = parts[0], parts[1]
        if attrs is not None:
            n = n.merge(attrs, on="id", how="left")
        if "label" not in n:
            n["label"] = n["key"]
        n["label"] = n["label"].fillna(n["key"]).astype("string")
        n["arrested"] = n["arrested"].fillna(False).astype(bool) if "arrested" in n else False
        if "cases" not in n:
            n["cases"] = [[] for _ in range(len(n))]
        if "max_quantity_g" not in n:
            n["max_quantity_g"] = pd.Series(pd.NA, index=n.index, dtype="Float64")
        idx = dict(zip(n["id"], range(len(n))))
        agg = agg.sort_values(["layer", "source", "target"]).reset_index(drop=True)
        agg["s"] = agg["source"].map(idx).astype("int64")
        agg["t"] = agg["target"].map(idx).astype("int64")
        agg["weight"] = agg["count"].astype("float64")
        agg["symmetric"] = agg["layer"] == "co_arrest"
        agg["duration_s"] = agg["duration_s"].astype("Int64")
        agg["amount"] = agg["amount"].astype("Float64")
        agg["layer"] = agg["layer"].astype("string")
        return cls(n, agg, "person" if kind == "person" else "phone", tuple(sorted(set(agg["layer"]))))

    def summary(self) -> dict:
        by_kind = self.nodes["kind"].value_counts().to_dict()
        by_layer = self.edges["layer"].value_counts().to_dict()
        return {"level": self.level, "nodes": len(self.nodes), "edges": len(self.edges),
                "nodes_by_kind": by_kind, "edges_by_layer": by_layer, "window": str(self.window)}


def _collapse(edges: pd.DataFrame, mapping: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """Re-aggregate edges after mapping node ids; returns (edges, self-loops dropped).

    Durations and amounts add up (NA where no merged edge had one); the currency is the one the
    merged edges share, NA when none is known, ``MIXED`` otherwise.  Every aggregate is a built-in
    one: a Python function per group costs minutes on a million edges.
    """
    e = edges.copy()
    for end in ("source", "target"):
        ids = e[end].to_numpy(dtype=object)
        mapped = pd.Series(ids, dtype=object).map(mapping).to_numpy(dtype=object)
        e[end] = pd.array(np.where(pd.isna(mapped), ids, mapped), dtype=edges[end].dtype)
    loops = e["source"] == e["target"]
    n_loops = int(loops.sum())
    e = e.loc[~loops]
    if e.empty:
        return e, n_loops
    keys = ["source", "target", "layer"]
    g = e.groupby(keys, sort=True, observed=True)
    out = g.agg(count=("count", "sum"), first=("first", "min"), last=("last", "max"))
    out["duration_s"] = g["duration_s"].sum(min_count=1)
    out["amount"] = g["amount"].sum(min_count=1)
    known = e.loc[e["currency"].notna(), keys + ["currency"]]
    cur = known.groupby(keys, sort=True, observed=True)["currency"].agg(["first", "nunique"])
    out["currency"] = cur["first"].where(cur["nunique"] == 1, "MIXED").reindex(out.index)
    out = out.reset_index()[["source", "target", "layer", "count", "duration_s", "amount", "first", "last",
                             "currency"]]
    out["duration_s"] = out["duration_s"].astype("Int64")
    out["amount"] = out["amount"].astype("Float64")
    out["currency"] = out["currency"].astype("string")
    return out, n_loops


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
    for layer in layers:
        if layer not in LAYERS:
            raise NetinvError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")
    if level not in LEVELS:
        raise NetinvError(f"unknown level {level!r}; levels are {', '.join(LEVELS)}")
    window = window or Window()
    parts = []
    for layer in layers:
        e = store.layer_edges(layer, window)
        kind = _LAYER_KIND[layer]
        e["source"] = kind + ":" + e["source"]
        e["target"] = kind + ":" + e["target"]
        e.insert(2, "layer", layer)
        parts.append(e)
    edges = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["source", "target", "layer"])
    persons = store.persons()
    holdings = store.holdings()
    notes: list[str] = []
    owner: dict[str, str] = {}
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
    if not holdings.empty:
        h = holdings.drop_duplicates(["person_id", "kind", "value"])
        h_ids = h["kind"] + ":" + h["value"]
        n_holders = h_ids.map(h_ids.value_counts())
        unique = h.loc[(n_holders == 1).to_numpy()]
        owner = dict(zip((unique["kind"] + ":" + unique["value"]).tolist(), ("person:" + unique["person_id"]).tolist()))
        shared = sorted(set(h_ids[(n_holders > 1).to_numpy()]))
        if shared:
            notes.append(f"{len(shared)} identifier(s) held by more than one person, kept apart: "
                         + ", ".join(shared[:10]) + (" ..." if len(shared) > 10 else ""))
    if level == "resolved":
        from .analysis.hubs import hub_ids
        from .linkage.successors import holder_arrests, quiet_on_arrest
        from .linkage.successors import successors as find_successors

        for pid, ent in entity.items():
            owner[f"person:{pid}"] = f"person:{ent}"
        if successors is None and "calls" in layers:
            calls = store.records("calls", window)
            # high-volume numbers (a taxi firm, a hotline; the analysts' decisions apply) are no
            # contact anyone shares with a replacement, as in netinv successors
            hubs = hub_ids(build_network(store, ("calls",), window, "phone"))
            succ = find_successors(calls, top=1, exclude=[h.split(":", 1)[1] for h in hubs])
        else:
            succ = successors if successors is not None else pd.DataFrame(columns=["old", "candidate", "rank"])
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
    # nodes: every endpoint, plus persons when the co-arrest layer or person level is asked for
    ids = list(pd.unique(pd.concat([edges["source"], edges["target"]], ignore_index=True))) if len(edges) else []
    if level in ("person", "resolved") or "co_arrest" in layers:
        ids = list(dict.fromkeys(ids + ("person:" + persons["person_id"]).tolist()))
    nodes = pd.DataFrame({"id": pd.Series(sorted(ids), dtype="string")})
    kk = nodes["id"].str.split(":", n=1, expand=True) if len(nodes) else pd.DataFrame({0: [], 1: []})
    nodes["kind"] = kk[0].astype("string") if len(nodes) else pd.Series(dtype="string")
    nodes["key"] = kk[1].astype("string") if len(nodes) else pd.Series(dtype="string")
    pinfo = persons.set_index("person:" + persons["person_id"]) if not persons.empty else pd.DataFrame()
    holder = nodes["id"].map(lambda x: owner.get(x, pd.NA)).astype("string")
    nodes["holder"] = holder
    who = nodes["id"].where(nodes["kind"] == "person", holder).astype(object)
    def pick(col, default=pd.NA):
        if pinfo.empty or col not in pinfo:
            return pd.Series(default, index=nodes.index)
        return who.map(lambda x: pinfo[col].get(x, default) if pd.notna(x) else default)
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
    idx = dict(zip(nodes["id"].tolist(), range(len(nodes))))
    if len(edges):
        edges = edges.sort_values(["layer", "source", "target"]).reset_index(drop=True)
        edges["s"] = edges["source"].map(idx).astype("int64")
        edges["t"] = edges["target"].map(idx).astype("int64")
        edges["weight"] = edges["count"].astype("float64")
        edges["symmetric"] = edges["layer"].isin(list(_SYMMETRIC))
    else:
        edges = pd.DataFrame({c: pd.Series(dtype=t) for c, t in [
            ("source", "string"), ("target", "string"), ("layer", "string"), ("count", "int64"),
            ("duration_s", "Int64"), ("amount", "Float64"), ("currency", "string"),
            ("first", "datetime64[us, UTC]"), ("last", "datetime64[us, UTC]"), ("s", "int64"), ("t", "int64"),
            ("weight", "float64"), ("symmetric", "bool")]})
    edges["layer"] = edges["layer"].astype("string")
    decided = store.number_decisions() if hasattr(store, "number_decisions") else None
    return Network(nodes, edges, level, layers, window, notes, owner if level in ("person", "resolved") else {},
                   decided)
