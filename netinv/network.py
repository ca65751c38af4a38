"""The analysis view of a case: an igraph graph plus node and edge tables.

Nodes are identified by typed ids, ``phone:+8613800138000``, ``account:6222...``,
``person:P001``, so that a phone number and a person id can never be confused.  The edge table
has one row per (source, target, layer) with the aggregated evidence (how many calls or
transfers, seconds, amount, first and last time); row ``i`` of ``edges`` is igraph edge ``i``
and row ``j`` of ``nodes`` is vertex ``j``.

Stores build one with :meth:`~netinv.store.GraphStore.network` (:func:`netinv.projection.build_network`).
At ``level="person"`` phones and accounts are collapsed onto the person who holds them, where
exactly one person is known to hold them; an identifier held by several persons stays on its own
(and is listed in ``notes``), since guessing would put words in someone's mouth.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before igraph: see PERFORMANCE-NOTES

import igraph as ig
import numpy as np
import pandas as pd

from .errors import NetinvError, NodeNotFound
from .store.base import LAYERS, Window

__all__ = ["Network", "node_id", "split_id", "edge_pairs", "NODE_KINDS", "LEVELS", "RETAIL_MAX_G"]

NODE_KINDS = ("phone", "account", "person")
LEVELS = ("phone", "person", "resolved")
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
        owner = identifiers.map(self.owner)  # a dict lookup in C: 2,500,000 ids in a fraction of a second
        return owner.where(owner.notna(), identifiers)

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

