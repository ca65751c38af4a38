"""The Network projection: typed ids, person collapsing, shared identifiers, interop."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from netinv.errors import NetinvError, NodeNotFound
from netinv.projection import build_network
from netinv.store.base import Window

from .test_store_conformance import load_all, files  # noqa: F401  (fixture)


@pytest.fixture
def loaded(embedded, files):  # noqa: F811
    load_all(embedded, files)
    return embedded


def test_typed_ids_and_resolution(loaded):
    net = loaded.network(level="phone")
    assert net.resolve(["A", "phone:B", "X1", "P1"]) == ["phone:A", "phone:B", "account:X1", "person:P1"]
    with pytest.raises(NodeNotFound, match="Z"):
        net.resolve(["Z"])


def test_ambiguous_bare_reference(embedded, tmp_path):
    from netinv.workflow import load_files
    from .conftest import write_csv

    f = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\n17,18,2024-01-01T00:00:00Z,1\n")
    h = write_csv(tmp_path / "h.csv", "person_id,name,phone\n17,Someone,99\n")
    load_files(embedded, "calls", [f], raw_ids=True)
    load_files(embedded, "holders", [h], raw_ids=True)
    net = embedded.network(level="phone")
    with pytest.raises(NetinvError, match="ambiguous"):
        net.resolve(["17"])


def test_numbers_as_an_analyst_types_them_and_phones_held_by_a_person(embedded, tmp_path):
    from netinv.workflow import load_files
    from .conftest import write_csv

    c = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\n"
                  "13800138000,13900139000,2024-01-01T00:00:00Z,5\n13900139000,+12025550123,2024-01-02T00:00:00Z,5\n")
    h = write_csv(tmp_path / "h.csv", "person_id,name,phone,account\nP1,Ann,13800138000,6222 0212 3456 7890\n")
    load_files(embedded, "calls", [c], region="CN")
    load_files(embedded, "holders", [h], region="CN")
    phone = embedded.network(level="phone")
    for typed in ("13800138000", "138 0013 8000", "0086-138-0013-8000", "+86 138 0013 8000", "phone:13800138000"):
        assert phone.resolve([typed]) == ["phone:+8613800138000"], typed
    assert phone.resolve(["(202) 555-0123"]) == ["phone:+12025550123"]  # a number of the other country seen
    person = embedded.network(level="person")
    assert person.resolve(["13800138000", "+8613800138000", "6222-0212-3456-7890", "P1"]) == ["person:P1"] * 4
    assert person.resolve(["139 0013 9000"]) == ["phone:+8613900139000"]  # held by nobody: stays a phone
    with pytest.raises(NodeNotFound, match="13700137000"):
        person.resolve(["13700137000"])


def test_person_level_collapses_and_keeps_unknowns(loaded):
    net = loaded.network(level="person")
    nodes = net.nodes.set_index("id")
    assert nodes.loc["person:P2", "members"] == ["account:X2", "phone:B", "phone:D"]
    assert nodes.loc["person:P1", "arrested"] and nodes.loc["person:P1", "label"] == "Ann"
    money = net.edges[net.edges["layer"] == "money"]
    assert set(zip(money["source"], money["target"])) == {("person:P1", "person:P2"), ("person:P2", "account:X3")}


def test_shared_phone_is_not_collapsed(embedded, tmp_path):
    from netinv.workflow import load_files
    from .conftest import write_csv

    c = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\nS,T,2024-01-01T00:00:00Z,1\n")
    h = write_csv(tmp_path / "h.csv", "person_id,name,phone\nP1,A,S\nP2,B,S\nP3,C,T\n")
    load_files(embedded, "calls", [c], raw_ids=True)
    load_files(embedded, "holders", [h], raw_ids=True)
    net = embedded.network(layers=("calls",), level="person")
    e = net.edges.iloc[0]
    assert (e["source"], e["target"]) == ("phone:S", "person:P3")
    assert any("more than one person" in n for n in net.notes)


def test_self_loops_after_collapse_are_reported(embedded, tmp_path):
    from netinv.workflow import load_files
    from .conftest import write_csv

    c = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\nS,T,2024-01-01T00:00:00Z,1\n")
    h = write_csv(tmp_path / "h.csv", "person_id,name,phone\nP1,A,S\nP1,A,T\n")
    load_files(embedded, "calls", [c], raw_ids=True)
    load_files(embedded, "holders", [h], raw_ids=True)
    net = embedded.network(layers=("calls",), level="person")
    assert net.n_edges == 0 and any("self-loops" in n for n in net.notes)


def test_time_window(loaded):
    net = loaded.network(layers=("calls",), window=Window.of("2024-02-01", None))
    assert set(zip(net.edges["source"], net.edges["target"])) == {("phone:B", "phone:C"), ("phone:D", "phone:C")}


def test_window_bounds_are_read_year_first_or_not_at_all():
    # pandas reads 03/01/2024 as 1 March; a European or Chinese analyst means 3 January.  A window
    # bound is read only when it starts with its year, as the loads read times
    for text in ("2024-03-01", "20240301", "2024/03/01", "2024-02-29T16:00:00+00:00", "2024-03"):
        assert Window.of(text, tz="Asia/Shanghai").since == pd.Timestamp("2024-02-29 16:00", tz="UTC"), text
    for text in ("03/01/2024", "1 March 2024", "now"):
        with pytest.raises(ValueError, match="write it year first"):
            Window.of(text)
    with pytest.raises(ValueError, match="cannot read '2012-13-01' as a time: month must be in 1..12"):
        Window.of(until="2012-13-01")


def test_graph_matches_tables_and_networkx(loaded):
    net = loaded.network(level="person")
    g = net.graph
    assert g.is_directed() and g.vcount() == len(net.nodes) and g.ecount() == len(net.edges)
    for i, row in net.edges.iterrows():
        e = g.es[i]
        assert g.vs[e.source]["name"] == row["source"] and g.vs[e.target]["name"] == row["target"]
        assert e["weight"] == float(row["count"])
    x = net.to_networkx()
    assert isinstance(x, nx.MultiDiGraph)
    assert x.number_of_nodes() == len(net.nodes) and x.number_of_edges() == len(net.edges)
    assert x.nodes["person:P1"]["label"] == "Ann"
    assert x.edges["person:P1", "person:P2", "money"]["amount"] == pytest.approx(300.5)


def test_unknown_layer_and_level(loaded):
    with pytest.raises(NetinvError, match="unknown layer"):
        build_network(loaded, layers=("sms",))
    with pytest.raises(NetinvError, match="unknown level"):
        build_network(loaded, level="household")


def test_empty_store_gives_empty_network(embedded):
    net = embedded.network()
    assert len(net) == 0 and net.n_edges == 0 and net.graph.vcount() == 0


def test_times_are_shown_on_the_case_clock_with_their_offset():
    import pandas as pd

    from netinv.timefmt import time_text

    t = pd.Timestamp("2024-03-01T10:22:31Z")
    assert time_text(t, "Asia/Shanghai") == "2024-03-01 18:22 +08:00"
    assert time_text(t) == "2024-03-01 10:22 UTC"
    assert time_text(pd.Timestamp("2024-03-01T03:00Z"), "America/New_York") == "2024-02-29 22:00 -05:00"
    assert time_text(pd.Timestamp("2024-03-01")) == "2024-03-01"  # a calendar day stays a day


def test_collapsing_merges_counts_sums_times_and_currencies():
    import pandas as pd

    from netinv.projection import _collapse

    t = pd.Timestamp("2024-01-01", tz="UTC")
    e = pd.DataFrame({
        "source": ["account:a1", "account:a2", "account:a1", "account:b1", "phone:p1", "phone:p2", "phone:p1"],
        "target": ["account:c1", "account:c1", "account:c2", "account:c1", "phone:q", "phone:q", "phone:p2"],
        "layer": ["money"] * 4 + ["calls"] * 3,
        "count": [1, 2, 1, 4, 3, 2, 1],
        "duration_s": pd.array([None, None, None, None, 60, None, 5], dtype="Int64"),
        "amount": pd.array([10.0, 5.0, 7.0, 1.0, None, None, None], dtype="Float64"),
        "currency": pd.array(["CNY", "USD", None, "CNY", None, None, None], dtype="string"),
        "first": [t, t + pd.Timedelta(days=1), t, t, t, t - pd.Timedelta(days=2), t],
        "last": [t, t + pd.Timedelta(days=3), t, t, t, t, t],
    })
    owner = {"account:a1": "person:A", "account:a2": "person:A", "account:c1": "person:C", "account:c2": "person:C",
             "phone:p1": "person:A", "phone:p2": "person:A"}
    out, loops = _collapse(e, owner)
    assert loops == 1  # p1 -> p2: both A's
    rows = {(r.source, r.target, r.layer): r for r in out.itertuples(index=False)}
    ac = rows[("person:A", "person:C", "money")]
    assert ac.count == 4 and ac.amount == 22.0 and ac.currency == "MIXED" and pd.isna(ac.duration_s)
    assert ac.first == t and ac.last == t + pd.Timedelta(days=3)
    bc = rows[("account:b1", "person:C", "money")]
    assert bc.currency == "CNY" and bc.amount == 1.0
    aq = rows[("person:A", "phone:q", "calls")]
    assert aq.count == 5 and aq.duration_s == 60 and pd.isna(aq.amount) and pd.isna(aq.currency)
    assert aq.first == t - pd.Timedelta(days=2)
    assert list(out.columns) == ["source", "target", "layer", "count", "duration_s", "amount", "first", "last",
                                 "currency"]
    assert str(out["duration_s"].dtype) == "Int64" and str(out["currency"].dtype) == "string"
    keys = list(zip(out["layer"], out["source"], out["target"]))
    assert keys == sorted(set(keys))  # one row per edge, in the network's order (layer, source, target)
    # with nothing to map (no holder on record) every id stays as it was, typed as before
    same, loops = _collapse(e, {})
    assert loops == 0 and len(same) == len(e) and set(same["source"]) == set(e["source"])
    assert same["source"].dtype == e["source"].dtype
    e["source"] = e["source"].astype("string[pyarrow]")
    e["target"] = e["target"].astype("string[pyarrow]")
    assert _collapse(e, {})[0]["target"].dtype == e["target"].dtype
    assert len(_collapse(e, owner)[0]) == len(out)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from(["calls", "money"]),
                          st.integers(1, 9), st.one_of(st.none(), st.integers(0, 600)),
                          st.one_of(st.none(), st.integers(0, 10**6)), st.sampled_from([None, "CNY", "USD"]),
                          st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=25),
       st.dictionaries(st.integers(0, 5), st.integers(0, 2), max_size=6))
def test_collapsing_equals_grouping_by_hand(rows, holders):
    """Whatever the edges and holders, each merged edge adds up the edges it stands for, as a
    plain loop adds them, and no edge joins a person to himself."""
    from netinv.projection import _collapse

    day = pd.Timestamp("2024-01-01", tz="UTC")
    rows = list({(r[0], r[1], r[2]): r for r in rows}.values())  # a store holds one edge per pair and layer
    e = pd.DataFrame({
        "source": pd.array([f"phone:{a}" for a, *_ in rows], dtype="string"),
        "target": pd.array([f"phone:{b}" for _, b, *_ in rows], dtype="string"),
        "layer": [r[2] for r in rows],
        "count": [r[3] for r in rows],
        "duration_s": pd.array([r[4] for r in rows], dtype="Int64"),
        "amount": pd.array([None if r[5] is None else r[5] / 100 for r in rows], dtype="Float64"),
        "currency": pd.array([r[6] for r in rows], dtype="string"),
        "first": [day + pd.Timedelta(days=min(r[7], r[8])) for r in rows],
        "last": [day + pd.Timedelta(days=max(r[7], r[8])) for r in rows],
    })
    owner = {f"phone:{k}": f"person:P{v}" for k, v in holders.items()}
    got, loops = _collapse(e, owner)
    want: dict = {}
    n_loops = 0
    for r in e.itertuples(index=False):
        s, t = owner.get(r.source, r.source), owner.get(r.target, r.target)
        if s == t:
            n_loops += 1
            continue
        w = want.setdefault((r.layer, s, t), {"count": 0, "duration_s": [], "amount": [], "currency": set(),
                                              "first": r.first, "last": r.last})
        w["count"] += r.count
        w["duration_s"] += [] if pd.isna(r.duration_s) else [r.duration_s]
        w["amount"] += [] if pd.isna(r.amount) else [r.amount]
        w["currency"] |= set() if pd.isna(r.currency) else {r.currency}
        w["first"], w["last"] = min(w["first"], r.first), max(w["last"], r.last)
    assert loops == n_loops
    assert list(zip(got["layer"], got["source"], got["target"])) == sorted(want)  # the network's order
    for g in got.itertuples(index=False):
        w = want[(g.layer, g.source, g.target)]
        assert g.count == w["count"] and g.first == w["first"] and g.last == w["last"]
        assert (pd.isna(g.duration_s) if not w["duration_s"] else g.duration_s == sum(w["duration_s"]))
        assert (pd.isna(g.amount) if not w["amount"] else g.amount == pytest.approx(sum(w["amount"])))
        cur = w["currency"]
        assert (pd.isna(g.currency) if not cur else g.currency == (cur.pop() if len(cur) == 1 else "MIXED"))
