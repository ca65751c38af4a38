"""Neo4j against the embedded store on real and generated data: same counts, same network; push; GDS."""

from __future__ import annotations

import os
from contextlib import contextmanager

import igraph as ig
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from netinv import analysis as an
from netinv.analysis.graphs import adjacency
from netinv.profiles import Profile
from netinv.workflow import load_files, load_generated, push

from .conftest import assert_same_network, dataset, open_test_store

pytestmark = pytest.mark.neo4j

VAST = Profile.from_dict({
    "name": "vast2008", "kind": "calls", "raw_ids": True, "time_format": "%Y%m%d %H%M", "tz": "UTC",
    "columns": {"caller": "From", "callee": "To", "start": "Datetime", "duration_s": "Duration(seconds)",
                "cell_id": "Cell Tower"},
})


@pytest.fixture
def neo(tmp_path):
    st = open_test_store("neo4j", tmp_path)
    yield st
    st.close()


def test_vast_same_counts_and_network(neo, embedded):
    cdr = dataset("vast2008_mc3_cdr", "cdr.csv")
    for st in (embedded, neo):
        load_files(st, "calls", [cdr], profile=VAST, keep_invalid=["duration_s"])
    assert neo.counts() == embedded.counts()
    assert (neo.counts()["calls"], neo.counts()["phones"]) == (9834, 400)
    pd.testing.assert_frame_equal(neo.layer_edges("calls"), embedded.layer_edges("calls"))
    pd.testing.assert_frame_equal(neo.records("calls"), embedded.records("calls"))


def test_generated_case_same_network(neo, embedded, small_case):
    for st in (embedded, neo):
        load_generated(small_case.path, st, authority="test")
    assert neo.counts() == embedded.counts()
    assert_same_network(neo, embedded)
    pa = neo.provenance()[["record_id", "file_sha256", "row", "row_sha256"]]
    pb = embedded.provenance()[["record_id", "file_sha256", "row", "row_sha256"]]
    pd.testing.assert_frame_equal(pa.sort_values(list(pa.columns)).reset_index(drop=True),
                                  pb.sort_values(list(pb.columns)).reset_index(drop=True))


def test_push_copies_records_provenance_and_audit_log(neo, embedded, small_case):
    load_generated(small_case.path, embedded, authority="Warrant 12/2024")
    copied = push(embedded, neo)
    assert copied["calls"] == small_case.n_calls
    assert neo.counts() == embedded.counts()
    key = ["record_id", "file_sha256", "row", "row_sha256", "load_id", "authority"]
    pa = neo.provenance()[key].sort_values(key).reset_index(drop=True)
    pb = embedded.provenance()[key].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(pa, pb)
    assert set(neo.loads()["load_id"]) == set(embedded.loads()["load_id"])
    transfers = embedded.records("transfers")
    assert transfers["memo"].notna().all()  # the statements' summary lines (摘要)
    pd.testing.assert_frame_equal(neo.records("transfers"), transfers)
    again = push(embedded, neo)
    assert sum(again.values()) == 0 and neo.counts() == embedded.counts()


def test_a_file_read_again_in_the_workspace_is_pushed_with_its_counts(neo, embedded, tmp_path):
    # pushed with a row rejected, read again with the region and pushed again: the graph's Source
    # says what the workspace says (all three rows in, the later load named)
    from .conftest import write_csv

    f = write_csv(tmp_path / "d.csv", "caller,callee,start,duration_s\n"
                                      "+8613800138000,+8613900139000,2024-03-01T10:00:00Z,60\n"
                                      "13800138000,13900139000,2024-03-01T11:00:00Z,30\n"
                                      "+8613800138000,+8613900139001,2024-03-01T12:00:00Z,30\n")
    cols = ["file_sha256", "rows", "accepted", "rejected", "load_id", "last_load_id"]
    load_files(embedded, "calls", [f], quarantine=tmp_path / "q.csv")
    push(embedded, neo)
    assert neo.sources()[cols].values.tolist() == embedded.sources()[cols].values.tolist()
    assert embedded.sources()["accepted"].tolist() == [2]
    load_files(embedded, "calls", [f], region="CN")
    push(embedded, neo)
    assert neo.sources()[cols].values.tolist() == embedded.sources()[cols].values.tolist()
    assert neo.sources()[["accepted", "rejected"]].values.tolist() == [[3, 0]] and neo.counts()["calls"] == 3
    push(embedded, neo)  # again: nothing changes
    assert neo.sources()[cols].values.tolist() == embedded.sources()[cols].values.tolist()


def test_a_file_both_sides_read_is_counted_as_the_graph_holds_it_after_a_push(neo, embedded, tmp_path):
    # the graph took all three rows (with the region); the workspace read the file later without it
    # and rejected the national number: pushed, the graph still holds that row, so it is accepted
    from .conftest import write_csv

    f = write_csv(tmp_path / "d.csv", "caller,callee,start,duration_s\n"
                                      "+8613800138000,+8613900139000,2024-03-01T10:00:00Z,60\n"
                                      "13800138000,13900139000,2024-03-01T11:00:00Z,30\n"
                                      "+8613800138000,+8613900139001,2024-03-01T12:00:00Z,30\n")
    load_files(neo, "calls", [f], region="CN")
    load_files(embedded, "calls", [f], quarantine=tmp_path / "q.csv")
    assert embedded.sources()[["accepted", "rejected"]].values.tolist() == [[2, 1]]
    push(embedded, neo)
    src = neo.sources()
    assert src[["accepted", "rejected"]].values.tolist() == [[3, 0]] and neo.counts()["calls"] == 3
    assert src["last_load_id"].tolist() == embedded.sources()["last_load_id"].tolist()  # the later load


def test_push_copies_the_analysts_decisions(neo, embedded, small_case):
    load_generated(small_case.path, embedded)
    persons = embedded.persons()["person_id"].tolist()
    phone = "phone:" + embedded.records("calls")["caller"].iloc[0]
    d1 = embedded.record_decision(persons[0], persons[1], False, by="analyst A", note="different faces")
    d2 = embedded.record_number_decision(phone, False, by="analyst A", note="a member's phone")
    d3 = embedded.record_number_decision(phone, True)
    embedded.undo_decision(d3)
    copied = push(embedded, neo)
    assert copied["decisions"] == 3
    cols = ["decision_id", "number", "public", "by", "note", "decided_at", "undone_at"]
    pd.testing.assert_frame_equal(neo.number_decisions(active=False)[cols],
                                  embedded.number_decisions(active=False)[cols])
    assert neo.number_decisions()["decision_id"].tolist() == [d2]
    assert neo.decisions()[["decision_id", "a", "b", "same", "by", "note"]].values.tolist() == \
        embedded.decisions()[["decision_id", "a", "b", "same", "by", "note"]].values.tolist()
    assert neo.decisions()["decision_id"].tolist() == [d1]
    # the network built from either store carries the same decisions
    assert an.decided_numbers(neo.network(level="phone")).equals(an.decided_numbers(embedded.network(level="phone")))
    # pushing again adds nothing; a decision undone since is marked undone there too
    assert push(embedded, neo)["decisions"] == 0
    embedded.undo_decision(d2)
    assert push(embedded, neo)["decisions"] == 0
    assert neo.number_decisions().empty and neo.number_decisions(active=False)["undone_at"].notna().all()


def test_gds_pagerank_and_wcc_agree_with_igraph(neo, small_case):
    load_generated(small_case.path, neo)
    net = neo.network(layers=("calls",), level="phone")
    # undirected, weighted by calls: no dangling nodes, so both must reach the same stationary vector
    g = ig.Graph(n=len(net.nodes), edges=net.edges[["s", "t"]].to_numpy().tolist(), directed=False)
    g.es["weight"] = net.edges["count"].astype("float64").tolist()
    ours = pd.Series(g.pagerank(weights="weight", damping=0.85, directed=False), index=net.nodes["key"])
    gds = neo.gds_call_scores(undirected=True).set_index("number")
    theirs = gds["score"].reindex(ours.index)
    assert theirs.notna().all()
    ours, theirs = ours / ours.sum(), theirs / theirs.sum()
    assert np.abs(ours - theirs).max() < 1e-6
    # weakly connected components: the same partition
    comp = pd.Series(net.graph.connected_components(mode="weak").membership, index=net.nodes["key"])
    ours_sets = {frozenset(s.index) for _, s in comp.groupby(comp)}
    theirs_sets = {frozenset(s.index) for _, s in gds["component"].groupby(gds["component"])}
    assert ours_sets == theirs_sets
    # directed: GDS drops the rank of dangling nodes, igraph spreads it; the order still agrees closely
    ours_d = pd.Series(net.graph.pagerank(weights="weight", damping=0.85), index=net.nodes["key"])
    directed = neo.gds_call_scores(undirected=False).set_index("number")
    theirs_d = directed["score"].reindex(ours_d.index)
    assert ours_d.rank().corr(theirs_d.rank()) > 0.97


def test_netinv_centrality_and_split_agree_with_gds(neo, small_case):
    # netinv's own results (not igraph called by hand) against GDS's on the graph the server holds
    load_generated(small_case.path, neo)
    net = neo.network(layers=("calls",), level="phone")
    ours = an.centrality(net, layers=("calls",), measures=("betweenness", "harmonic")).set_index("id")
    assert ours.attrs["notes"][0].startswith("betweenness: exact")
    gds = neo.gds_tie_scores(seed=3)
    gds.index = "phone:" + gds["number"]
    assert set(gds.index) == set(ours.index)
    theirs = gds.reindex(ours.index)
    assert ours["betweenness"].max() > 100  # paths run through people: the comparison is not of zeros
    np.testing.assert_allclose(ours["betweenness"], theirs["betweenness"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours["harmonic"], theirs["harmonic"], rtol=1e-9, atol=1e-12)
    # the split: on the same ties (calls either way), netinv's Leiden finds one at least as
    # modular as GDS's Leiden and Louvain do, measured on one graph by one formula
    split = an.communities(net, layers=("calls",), ties="contacts").set_index("id")
    a = adjacency(net, ("calls",), "count", False)
    upper = sp.triu(a, k=1).tocoo()
    g = ig.Graph(n=a.shape[0], edges=list(zip(upper.row.tolist(), upper.col.tolist())))
    g.es["weight"] = upper.data.tolist()

    def modularity(labels: pd.Series) -> float:
        return g.modularity(pd.factorize(labels.reindex(net.nodes["id"]))[0].tolist(), weights="weight")

    ours_q = modularity(split["community"])
    assert ours_q == pytest.approx(split.attrs["modularity"], abs=1e-12)
    for method in ("leiden", "louvain"):
        theirs_q = modularity(theirs[method])
        assert 0.3 < theirs_q <= ours_q + 1e-9, (method, theirs_q, ours_q)


@contextmanager
def failing_at(neo, query: str):
    """Inside the block, ``neo`` sends the server, in place of the named query (with the same
    parameters), a statement that the server fails as it runs it: a division by zero."""
    import dataclasses

    from netinv.store.cypher import QueryBook

    book = QueryBook(neo.q)
    book[query] = dataclasses.replace(neo.q[query], text="UNWIND [0] AS zero RETURN 1 / zero AS failed")
    original, neo.q = neo.q, book
    try:
        yield
    finally:
        neo.q = original


@pytest.mark.parametrize("first", ["caller", "callee"])
def test_a_failed_load_that_completed_a_call_is_undone(neo, tmp_path, first):
    # one side of a call is in the workspace; a later load of the other side gives the call that
    # end's cell and handset, then fails: undone, the call is as before and so are the links
    from netinv.errors import StoreError

    from .conftest import write_csv

    head = "主叫号码,被叫号码,通话开始时间,通话时长,基站号,IMEI,呼叫类型\n"
    d = write_csv(tmp_path / "d.csv", head + "13700137000,13900139000,2024-03-06 09:00:00,30,A2,860000000000002,主叫\n")
    e = write_csv(tmp_path / "e.csv", head + "13700137000,13900139000,2024-03-06 09:00:01,30,B9,863000000000019,被叫\n")
    earlier, later = (d, e) if first == "caller" else (e, d)
    opts = {"profile": "cdr-cn", "same_call_within": 2, "incoming": {"呼叫类型": ("被叫",)}}
    load_files(neo, "calls", [earlier], **opts)
    before, handsets = neo.records("calls"), neo.phone_handsets()
    with failing_at(neo, "merge_sources"), pytest.raises(StoreError, match="failed and was undone: .*by zero"):
        load_files(neo, "calls", [later], **opts)
    pd.testing.assert_frame_equal(neo.records("calls"), before)
    pd.testing.assert_frame_equal(neo.phone_handsets(), handsets)
    assert len(handsets) == 1 and neo.counts()["devices"] == 1
    load_files(neo, "calls", [later], **opts)  # loaded again, it completes the call
    call = neo.records("calls")
    assert call[["cell_id", "imei", "callee_cell_id", "callee_imei"]].values.tolist() == \
        [["A2", "860000000000002", "B9", "863000000000019"]]
    assert call["record_id"].tolist() == before["record_id"].tolist()
    assert sorted(neo.phone_handsets()["phone"]) == ["+8613700137000", "+8613900139000"]
    assert neo.counts()["devices"] == 2


def test_a_failed_load_of_a_file_read_before_gives_back_its_counts(neo, tmp_path):
    # the file's Source takes a reload's counts just before the load is marked complete; a failure
    # there undoes the load, and the Source is as it was (its rows, counts and latest load)
    from netinv.errors import StoreError

    from .conftest import write_csv

    f = write_csv(tmp_path / "d.csv", "caller,callee,start,duration_s\n"
                                      "+8613800138000,+8613900139000,2024-03-01T10:00:00Z,60\n"
                                      "13800138000,13900139000,2024-03-01T11:00:00Z,30\n")
    load_files(neo, "calls", [f], quarantine=tmp_path / "q.csv")
    before = neo.sources()
    assert before[["accepted", "rejected"]].values.tolist() == [[1, 1]]
    with failing_at(neo, "finish_load"), pytest.raises(StoreError, match="failed and was undone: .*by zero"):
        load_files(neo, "calls", [f], region="CN")
    pd.testing.assert_frame_equal(neo.sources(), before)
    assert neo.counts()["calls"] == 1
    load_files(neo, "calls", [f], region="CN")
    assert neo.sources()[["accepted", "rejected", "load_id"]].values.tolist() == [[2, 0, before["load_id"][0]]]


def test_devices_carry_their_handset_key_however_the_imei_was_written(neo, tmp_path):
    # one handset written as an IMEI and as an IMEISV, and a placeholder: Cypher joins the first two
    # by d.handset; a graph written before Devices had the key gets it when netinv next connects
    from netinv.store.neo4j import Neo4jStore

    from .conftest import write_csv

    calls = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s,cell_id,imei\n"
                                          "E,C,2024-02-04T10:00:00Z,15,c9,356938035643809\n"
                                          "F,C,2024-02-05T10:00:00Z,15,c7,3569380356438001\n"
                                          "G,C,2024-02-06T10:00:00Z,15,c7,000000000000000\n")
    load_files(neo, "calls", [calls], raw_ids=True, tz="UTC")

    def devices(st):
        rows = st.driver.execute_query("MATCH (d:Device) RETURN d.imei AS imei, d.handset AS handset "
                                       "ORDER BY imei").records
        return [[r["imei"], r["handset"]] for r in rows]

    want = [["000000000000000", None], ["3569380356438001", "35693803564380"],
            ["356938035643809", "35693803564380"]]
    assert devices(neo) == want
    shared = neo.driver.execute_query(
        "MATCH (a:Phone)-[:INSERTED_IN]->(d:Device), (b:Phone)-[:INSERTED_IN]->(e:Device) "
        "WHERE d.handset = e.handset AND a.number < b.number RETURN a.number AS a, b.number AS b").records
    assert [(r["a"], r["b"]) for r in shared] == [("E", "F")] and neo.counts()["devices"] == 1
    neo.driver.execute_query("MATCH (d:Device) REMOVE d.handset")
    again = Neo4jStore(os.environ["NETINV_TEST_NEO4J_URI"])
    try:
        assert devices(again) == want
    finally:
        again.close()


def test_the_word_neo4j_opens_the_server_neo4j_uri_names(neo, monkeypatch, tmp_path):
    from netinv.store import open_store
    from netinv.store.neo4j import Neo4jStore

    from .conftest import neo4j_test_uri

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NETINV_NEO4J_URI", neo4j_test_uri())
    with open_store("neo4j") as st:
        assert isinstance(st, Neo4jStore) and st.uri == neo.uri and st.counts()["calls"] == 0
    assert list(tmp_path.iterdir()) == []
