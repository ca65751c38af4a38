"""Exports for other tools: GraphML and GEXF (Gephi, yEd, Cytoscape), and CSV tables.

Every node and edge keeps its properties; edges also carry their provenance: how many source
records stand behind them and in which files (name, sha256).  Lists become ``"; "``-joined text
and times ISO 8601 text, since neither format has list or time types.

CSV files that netinv writes for analysts (these tables, and every ``--out FILE.csv``) go through
:func:`write_csv`: a text cell that a spreadsheet would run as a formula (it begins with ``=``,
``@``, a tab or a carriage return, or with ``+`` or ``-`` followed by more than a number, as in
``=HYPERLINK(...)`` or ``+cmd|...``) is written with a leading apostrophe, so that a name taken
from seized records cannot run when the file is opened.  Phone numbers (``+8613800138000``) and
negative amounts are numbers and stay as they are.

>>> export_network(store, net, "case.graphml")                  # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from .errors import NetinvError
from .folders import make_folder
from .network import Network

if TYPE_CHECKING:  # networkx is imported on first use (it takes about 0.2 s)
    import networkx as nx

__all__ = ["FORMATS", "edge_provenance", "export_network", "export_tables", "spreadsheet_safe", "write_csv"]

FORMATS = ("graphml", "gexf", "csv")

_NUMBER = re.compile(r"[+-][0-9 .,:()\-]*")


def _safe_cell(v):
    if isinstance(v, str) and v and (v[0] in "=@\t\r" or (v[0] in "+-" and not _NUMBER.fullmatch(v))):
        return "'" + v
    return v


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot run as spreadsheet formulas (see the module notes)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(_safe_cell)
    out.columns = [_safe_cell(str(c)) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """``df`` as UTF-8 CSV without the index, made :func:`spreadsheet_safe`.

    Numbers with a fraction are written to 15 significant digits, all that a double holds of a
    decimal number: a sum of transfers that floating point leaves at 164883.02000000002 is written
    164883.02, as the statements add up.  Missing folders on the way are created, as for the
    report, views and exports.
    """
    p = Path(path)
    make_folder(p.parent)
    spreadsheet_safe(df).to_csv(p, index=False, encoding="utf-8", float_format="%.15g")
    return p


def edge_provenance(store, net: Network) -> pd.DataFrame:
    """Per (source, target, layer) edge: ``records`` and ``files`` (file names with sha256 prefixes).

    ``files`` lists, in sorted order and once each, the files of every record behind the edge
    (``""`` where none is recorded).  The edges come in the order of their first record.  The
    records are joined to their provenance and summed up per edge by DuckDB over the frames
    (2,500,000 calls: seconds, where a pass in Python per record and per edge took over a minute).
    """
    import duckdb

    ev = pd.concat([store.events("calls", net.window).assign(layer="calls"),
                    store.events("money", net.window).assign(layer="money")], ignore_index=True)
    if ev.empty:
        return pd.DataFrame(columns=["source", "target", "layer", "records", "files"])
    ev = pd.DataFrame({"record_id": ev["record_id"], "source": net.node_of(ev["source"]),
                       "target": net.node_of(ev["target"]), "layer": ev["layer"], "i": np.arange(len(ev))})
    prov = store.record_files()
    src = store.sources().drop_duplicates("file_sha256")  # a file's name: where its content was first loaded from
    names = pd.DataFrame({"file_sha256": src["file_sha256"],
                          "file": [f"{Path(str(p)).name} ({str(h)[:12]})"
                                   for p, h in zip(src["path"], src["file_sha256"])]})
    con = duckdb.connect()
    try:
        for name, frame in (("ev", ev), ("prov", prov), ("names", names)):
            con.register(name, frame)
        out = con.execute("""
            WITH per_edge AS (
                SELECT source, target, layer, min(i) AS first, count(*) AS records FROM ev GROUP BY ALL),
            record_files AS (
                SELECT DISTINCT prov.record_id, names.file FROM prov JOIN names USING (file_sha256)),
            edge_files AS (
                SELECT ev.source, ev.target, ev.layer,
                       array_to_string(list_sort(list_distinct(list(record_files.file))), '; ') AS files
                FROM ev JOIN record_files USING (record_id) GROUP BY ALL)
            SELECT per_edge.source, per_edge.target, per_edge.layer, per_edge.records,
                   coalesce(edge_files.files, '') AS files
            FROM per_edge LEFT JOIN edge_files USING (source, target, layer)
            ORDER BY per_edge.first""").df()
    finally:
        con.close()
    out["records"] = out["records"].astype("Int64")  # as before: an edge without records stays empty when merged
    return out


def _scalar(v):
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return "; ".join(map(str, v))
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _column(values: pd.Series) -> list:
    """The cells of one column as :func:`_scalar` writes them; whole columns of plain numbers or
    text in one step (None for a missing cell), anything else cell by cell."""
    numbers = pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype) \
        or pd.api.types.is_float_dtype(values.dtype)
    if numbers or isinstance(values.dtype, pd.StringDtype):
        filled = values.notna().to_numpy()
        if filled.all():
            return values.to_numpy().tolist()
        return [v if ok else None for v, ok in zip(values.astype(object).tolist(), filled)]
    return [_scalar(v) for v in values.tolist()]


def _rows(frame: pd.DataFrame, names: list[str]) -> list[dict]:
    """One attribute dict per row: the columns under ``names``, missing cells left out."""
    cols = [_column(frame[c]) for c in frame.columns]
    return [{k: v for k, v in zip(names, vals) if v is not None} for vals in zip(*cols)]


def _graph(net: Network, prov: pd.DataFrame | None) -> nx.MultiDiGraph:
    import networkx as nx

    g = nx.MultiDiGraph()
    nodes = net.nodes.drop(columns="id")
    # 'key' is reserved by GEXF readers: the identifier travels as 'identifier'
    names = ["identifier" if c == "key" else c for c in nodes.columns]
    g.add_nodes_from(zip(net.nodes["id"].tolist(), _rows(nodes, names)))
    e = net.edges.drop(columns=["s", "t", "weight"], errors="ignore")
    if prov is not None and len(prov):
        e = e.merge(prov, on=["source", "target", "layer"], how="left")
    attrs = e.drop(columns=["source", "target"])
    g.add_edges_from(zip(e["source"].tolist(), e["target"].tolist(), e["layer"].tolist(),
                         _rows(attrs, list(attrs.columns))))
    return g


def export_network(store, net: Network, path: str | Path, fmt: str | None = None,
                   progress: Callable[[str], None] | None = None) -> Path:
    """Write ``net`` (with edge provenance from ``store``) as GraphML, GEXF, or CSV tables.

    ``progress`` hears each step (gathering the records and files, building the graph, writing).
    """
    p = Path(path)
    fmt = (fmt or p.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise NetinvError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    say = progress or (lambda message: None)
    prov = None
    if store is not None:
        say("gathering each edge's records and files")
        prov = edge_provenance(store, net)
    if fmt == "csv":
        say("writing nodes.csv and edges.csv")
        return export_tables(net, p, prov)
    import networkx as nx

    say("building the graph")
    g = _graph(net, prov)
    make_folder(p.parent)
    say(f"writing {'GraphML' if fmt == 'graphml' else 'GEXF'}")
    if fmt == "graphml":  # lxml writes node by node: a third of the memory of a document built whole
        nx.write_graphml_lxml(g, p)
    else:
        nx.write_gexf(g, p)
    return p


def export_tables(net: Network, folder: str | Path, prov: pd.DataFrame | None = None) -> Path:
    """``nodes.csv`` and ``edges.csv`` in ``folder`` (created)."""
    d = make_folder(folder)
    nodes = net.nodes.copy()
    for c in nodes.columns:
        nodes[c] = nodes[c].map(_scalar)
    write_csv(nodes, d / "nodes.csv")
    e = net.edges.drop(columns=["s", "t", "weight"], errors="ignore")
    if prov is not None and len(prov):
        e = e.merge(prov, on=["source", "target", "layer"], how="left")
    write_csv(e, d / "edges.csv")
    return d
