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
from typing import Callable

import numpy as np
import pandas as pd

from .errors import NetinvError
from .folders import make_folder
from .network import Network

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


def _tables(net: Network, prov: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The node and edge tables the graph files are written from: every node and edge property, the
    edges with their provenance."""
    # 'key' is reserved by GEXF readers: the identifier travels as 'identifier'
    nodes = net.nodes.rename(columns={"key": "identifier"})
    e = net.edges.drop(columns=["s", "t", "weight"], errors="ignore")
    if prov is not None and len(prov):
        e = e.merge(prov, on=["source", "target", "layer"], how="left")
    return nodes, e


def export_network(store, net: Network, path: str | Path, fmt: str | None = None,
                   progress: Callable[[str], None] | None = None) -> Path:
    """Write ``net`` (with edge provenance from ``store``) as GraphML, GEXF, or CSV tables.

    ``progress`` hears each step (gathering the records and files, writing).
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
    from .graphxml import write_gexf, write_graphml

    nodes, edges = _tables(net, prov)
    make_folder(p.parent)
    say(f"writing {'GraphML' if fmt == 'graphml' else 'GEXF'}")
    # element by element from the tables: no networkx graph, no document built whole in memory
    return (write_graphml if fmt == "graphml" else write_gexf)(nodes, edges, p)


def export_tables(net: Network, folder: str | Path, prov: pd.DataFrame | None = None) -> Path:
    """``nodes.csv`` and ``edges.csv`` in ``folder`` (created)."""
    from .graphxml import cell_values

    d = make_folder(folder)
    nodes = net.nodes.copy()
    for c in nodes.columns:
        nodes[c] = cell_values(nodes[c])
    write_csv(nodes, d / "nodes.csv")
    write_csv(_tables(net, prov)[1], d / "edges.csv")
    return d
