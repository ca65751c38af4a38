"""Interactive network views (vis-network via pyvis), offline and escaped.

pyvis supplies the vis-network bundle (script and style, inlined into the page); the page itself
comes from netinv's templates, because pyvis's own template loads Bootstrap from a CDN (police
networks are often air-gapped) and places data in the page unescaped, and its ``add_edge`` scans
the node list for every edge (too slow for thousands of nodes).

>>> html = network_view(net, title="Case 17")            # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from markupsafe import Markup

from ..analysis.graphs import igraph_seed
from ..errors import check_count
from ..network import Network
from .html import env, page, safe_json, write_page

__all__ = ["network_fragment", "network_view", "KIND_STYLE", "LAYER_STYLE", "neighbourhood"]

KIND_STYLE = {
    "person": {"color": "#3b82f6", "shape": "dot", "label": "person"},
    "phone": {"color": "#9ca3af", "shape": "diamond", "label": "phone"},
    "account": {"color": "#10b981", "shape": "square", "label": "account"},
}
LAYER_STYLE = {
    "calls": {"color": "#94a3b8", "arrows": "", "dashes": False, "label": "calls"},
    "money": {"color": "#059669", "arrows": "to", "dashes": False, "label": "money (arrow: payer to payee)"},
    "co_arrest": {"color": "#dc2626", "arrows": "", "dashes": True, "label": "arrested in the same case"},
}
ARRESTED_BORDER = "#dc2626"
PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#db2777", "#0891b2", "#ca8a04", "#4b5563",
           "#7c3aed", "#65a30d", "#e11d48", "#0d9488"]
PHYSICS_LIMIT = 400
_counter = 0


@dataclass
class _Layout:
    positions: np.ndarray | None
    note: str


def neighbourhood(net: Network, seeds: Iterable[str], hops: int = 1) -> np.ndarray:
    """Vertex indices within ``hops`` of the seeds (either direction); ``hops=0``: the seeds alone."""
    hops = check_count("hops", hops, minimum=0)
    vs = net.vertices(seeds)
    hood = net.graph.neighborhood(vs.tolist(), order=hops, mode="all")
    return np.unique(np.concatenate([np.asarray(h, dtype=np.int64) for h in hood]))


def _layout(net: Network, keep: np.ndarray, force_static: bool) -> _Layout:
    if len(keep) <= PHYSICS_LIMIT and not force_static:
        return _Layout(None, "")
    sub = net.graph.subgraph(keep.tolist())
    sub = sub.as_undirected(mode="collapse")
    with igraph_seed(0):  # the same drawing on every run
        if sub.vcount() <= 3000:
            lay = sub.layout_fruchterman_reingold(niter=300, grid="nogrid", seed=None)
        else:
            lay = sub.layout_drl()
    xy = np.asarray(lay.coords, dtype=float)
    if len(xy):
        xy -= xy.mean(axis=0)
        span = np.abs(xy).max() or 1.0
        xy *= (60.0 * math.sqrt(len(xy))) / span
    return _Layout(xy, "layout computed in Python (igraph)")


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".")
    return str(v)


def network_fragment(
    net: Network,
    *,
    groups: Mapping[str, object] | pd.Series | None = None,
    group_name: str = "group",
    size: Mapping[str, float] | pd.Series | None = None,
    size_name: str = "degree",
    focus: Iterable[str] | None = None,
    hops: int = 1,
    highlight: Iterable[str] = (),
    height: str = "640px",
    max_nodes: int = 5000,
    static_layout: bool = False,
    exclude: Iterable[str] = (),
    tz: str | None = None,
) -> Markup:
    """The network as an HTML fragment (a figure with its data and script) for a page or notebook.

    ``groups`` colours nodes (for example by community); ``size`` scales them (for example by a
    centrality); ``focus`` restricts the view to the ``hops``-neighbourhood of some nodes;
    ``exclude`` leaves nodes out of the drawing (for example high-volume numbers), with a note;
    ``tz`` is the zone whose calendar days an edge's first and last contact are shown in.
    """
    global _counter
    if focus:
        keep = neighbourhood(net, focus, hops)
    else:
        keep = np.arange(len(net.nodes))
    notes = list(net.notes)
    excluded = set(exclude)
    if excluded:
        drop = net.nodes["id"].isin(excluded).to_numpy()
        n_drop = int(drop[keep].sum())
        keep = keep[~drop[keep]]
        if n_drop:
            notes.append(f"{n_drop} high-volume number(s) left out of the drawing")
    if len(keep) > max_nodes:
        deg = np.asarray(net.graph.degree(keep.tolist()))
        keep = keep[np.argsort(-deg, kind="stable")[:max_nodes]]
        keep.sort()
        notes.append(f"showing the {max_nodes} best-connected of {len(net.nodes)} nodes")
    nodes = net.nodes.iloc[keep].reset_index(drop=True)
    in_view = np.zeros(len(net.nodes), dtype=bool)
    in_view[keep] = True
    e = net.edges
    if len(e):
        e = e[in_view[e["s"].to_numpy()] & in_view[e["t"].to_numpy()]]
    if size is None:
        deg = np.asarray(net.graph.degree(keep.tolist(), mode="all"), dtype=float)
        size_vals = pd.Series(deg, index=nodes["id"].tolist())
    else:
        size_vals = pd.Series(size).reindex(nodes["id"].tolist()).fillna(0).astype(float)
    top = float(size_vals.max()) if len(size_vals) and size_vals.max() > 0 else 1.0
    group_vals = pd.Series(groups).reindex(nodes["id"].tolist()) if groups is not None else None
    palette: dict = {}
    if group_vals is not None:
        for g in group_vals.dropna().value_counts().index:
            palette[g] = PALETTE[len(palette) % len(PALETTE)]
    lay = _layout(net, keep, static_layout)
    hl = set(highlight)
    vis_nodes = []
    for i, row in enumerate(nodes.itertuples(index=False)):
        style = KIND_STYLE.get(row.kind, KIND_STYLE["phone"])
        color = style["color"]
        g = group_vals.iloc[i] if group_vals is not None else None
        if g is not None and not pd.isna(g):
            color = palette.get(g, color)
        arrested = bool(getattr(row, "arrested", False))
        border = ARRESTED_BORDER if arrested else color
        lines = [str(row.label), f"{row.id}"]
        if getattr(row, "holder", None) is not None and not pd.isna(row.holder):
            lines.append(f"held by {row.holder}")
        if arrested:
            cases = ", ".join(row.cases) if isinstance(row.cases, list) else ""
            qty = row.max_quantity_g
            lines.append(f"ARRESTED in {cases}" + ("" if pd.isna(qty) else f" (seized {_fmt(float(qty))} g)"))
        lines.append(f"{size_name}: {_fmt(float(size_vals.iloc[i]))}")
        if g is not None and not pd.isna(g):
            lines.append(f"{group_name}: {g}")
        node = {
            "id": str(row.id), "label": str(row.label), "title": "\n".join(lines), "shape": style["shape"],
            "size": round(8 + 28 * math.sqrt(float(size_vals.iloc[i]) / top), 2),
            "color": {"background": color, "border": border,
                      "highlight": {"background": color, "border": "#111827"}},
            "borderWidth": 4 if arrested else 1,
        }
        if str(row.id) in hl:
            node["borderWidth"] = 5
            node["color"]["border"] = "#f59e0b"
        if lay.positions is not None:
            node["x"], node["y"] = float(lay.positions[i, 0]), float(lay.positions[i, 1])
        vis_nodes.append(node)
    vis_edges = []
    for row in e.itertuples(index=False):
        st = LAYER_STYLE.get(row.layer, LAYER_STYLE["calls"])
        if row.layer == "co_arrest" and row.source > row.target:
            continue  # one line per pair for a symmetric layer
        parts = [f"{row.layer}: {row.count}"]
        if not pd.isna(row.duration_s):
            parts.append(f"{int(row.duration_s):,} s")
        if not pd.isna(row.amount):
            parts.append(f"{_fmt(float(row.amount))} {'' if pd.isna(row.currency) else row.currency}".strip())
        if not pd.isna(row.first):
            first, last = pd.Timestamp(row.first), pd.Timestamp(row.last)
            if row.layer != "co_arrest" and first.tzinfo is not None:  # arrests carry calendar days already
                first, last = first.tz_convert(tz or "UTC"), last.tz_convert(tz or "UTC")
            parts.append(f"{first:%Y-%m-%d} to {last:%Y-%m-%d}")
        vis_edges.append({
            "from": str(row.source), "to": str(row.target), "title": "\n".join(parts),
            "width": round(1 + math.log1p(row.count), 2), "color": {"color": st["color"], "opacity": 0.7},
            "arrows": st["arrows"], "dashes": st["dashes"],
        })
    physics = lay.positions is None
    options: dict = {}
    options["physics"] = {
        "enabled": physics, "solver": "forceAtlas2Based",
        "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90, "avoidOverlap": 0.2},
        "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 50, "fit": True},
    }
    options["edges"] = {"smooth": False}
    options["nodes"] = {"font": {"size": 12}}
    options["interaction"] = {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": len(vis_nodes) > 1000,
                              "navigationButtons": False}
    legend = [{"label": v["label"], "color": v["color"], "border": v["color"]}
              for k, v in KIND_STYLE.items() if k in set(nodes["kind"])]
    if nodes.get("arrested") is not None and nodes["arrested"].any():
        legend.append({"label": "arrested (red border)", "color": "#ffffff", "border": ARRESTED_BORDER})
    for g, c in list(palette.items())[:12]:
        legend.append({"label": f"{group_name} {g}", "color": c, "border": c})
    for layer in sorted(set(e["layer"])) if len(e) else []:
        st = LAYER_STYLE[layer]
        legend.append({"label": st["label"], "color": st["color"], "border": st["color"]})
    _counter += 1
    div_id = f"netinv-view-{_counter}"
    return Markup(env().get_template("fragment.html").render(
        div_id=div_id, div_id_json=safe_json(div_id), height=height,
        data_json=safe_json({"nodes": vis_nodes, "edges": vis_edges, "options": options}),
        legend=legend, notes=notes, n_nodes=len(vis_nodes), n_edges=len(vis_edges), layout_note=lay.note,
    ))


def network_view(net: Network, path: str | Path | None = None, *, title: str = "netinv network",
                 subtitle: str = "", **kwargs) -> str:
    """A whole offline HTML page with the network view; written to ``path`` when given."""
    html = page(title, network_fragment(net, height="85vh", **kwargs), subtitle=subtitle)
    if path is not None:
        write_page(path, html)
    return html
