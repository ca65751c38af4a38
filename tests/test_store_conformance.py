"""One conformance suite for every store, run against real engines (DuckDB file, Neo4j server).

Load, reload, counts, provenance, projection, time windows and bad input: the same tests, the
same expected answers, on each store.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netinv.adapters import read_records
from netinv.errors import InvalidRecords, ProfileError, StoreError
from netinv.store import EmbeddedStore, Window
from netinv.store.base import load_options
from netinv.workflow import load_files, load_generated

from .conftest import CARRIER_A, CARRIER_B, SHEET_A, SHEET_B, dataset, write_csv

CALLS = ("caller,callee,start,duration_s,kind,cell_id,imei\n"
         "A,B,2024-01-01T10:00:00Z,60,voice,c1,i1\n"
         "A,B,2024-01-02T10:00:00Z,30,voice,c1,i1\n"
         "B,A,2024-01-03T10:00:00Z,0,sms,c2,i2\n"
         "B,C,2024-02-01T10:00:00Z,10,voice,c2,i2\n"
         "D,C,2024-02-02T10:00:00Z,20,voice,,\n")
TRANSFERS = ("payer_account,payee_account,amount,currency,time,channel,memo\n"
             "X1,X2,100.5,CNY,2024-01-01T12:00:00Z,bank,货款\n"
             "X1,X2,200,CNY,2024-01-05T12:00:00Z,bank,\n"
             "X2,X3,1000,CNY,2024-02-05T12:00:00Z,bank,\"rent, March\"\n")
HOLDERS = ("person_id,name,phone,account\n"
           "P1,Ann,A,X1\n"
           "P2,Bob,B,X2\n"
           "P2,Bob,D,\n"
           "P3,Cy,C,\n")
ARRESTS = ("case_id,person_id,name,date,charge,drug,quantity_g,phone\n"
           "K1,P1,Ann,2024-02-10,selling,meth,2.5,A\n"
           "K1,P3,Cy,2024-02-10,possession,meth,0.5,C\n")


@pytest.fixture
def files(tmp_path):
    return {
        "calls": write_csv(tmp_path / "calls.csv", CALLS),
        "transfers": write_csv(tmp_path / "transfers.csv", TRANSFERS),
        "holders": write_csv(tmp_path / "holders.csv", HOLDERS),
        "arrests": write_csv(tmp_path / "arrests.csv", ARRESTS),
    }


def load_all(store, files, authority="Warrant 7/2024"):
    results = {}
    for kind in ("holders", "arrests", "calls", "transfers"):
        results[kind], _ = load_files(store, kind, [files[kind]], raw_ids=True, tz="UTC", authority=authority)
    return results


EXPECTED_COUNTS = {"calls": 5, "transfers": 3, "holders": 4, "arrests": 2, "phones": 4, "accounts": 3,
                   "persons": 3, "cases": 1, "devices": 0, "files": 4}  # 'i1', 'i2' name no handset


def test_load_counts(store, files):
    res = load_all(store, files)
    assert res["calls"].records_new == 5
    counts = store.counts()
    assert {k: counts[k] for k in EXPECTED_COUNTS} == EXPECTED_COUNTS


def test_reload_changes_nothing(store, files):
    load_all(store, files)
    before = store.counts()
    edges_before = store.layer_edges("calls")
    res = load_all(store, files)
    assert all(r.records_new == 0 and r.provenance_new == 0 for r in res.values())
    assert store.counts() == before
    pd.testing.assert_frame_equal(store.layer_edges("calls"), edges_before)
    assert len(store.loads()) == 8  # the audit log records both attempts
    # each names the files it read by their content hash, the second as the first (the sources
    # table keeps one row per file: named by its first load, with its latest)
    src = store.sources()
    assert len(src) == 4 and (src["last_load_id"] != src["load_id"]).all()
    assert (src["last_loaded_at"] >= src["loaded_at"]).all() and (src["rejected"] == 0).all()
    sha = dict(zip(src["kind"], src["file_sha256"]))
    loads = store.loads().sort_values("started_at", kind="stable")
    assert [o["file_sha256"] for o in load_options(loads)] == [[sha[k]] for k in loads["kind"]]
    assert [o["files"] for o in load_options(loads)] == [[str(files[k])] for k in loads["kind"]]


def test_records_round_trip(store, files):
    load_all(store, files)
    for kind in ("calls", "transfers"):
        direct = read_records(kind, [files[kind]], raw_ids=True, tz="UTC").records
        back = store.records(kind)
        expected = direct.sort_values("record_id").reset_index(drop=True)[back.columns]
        pd.testing.assert_frame_equal(back, expected, check_dtype=True, obj=kind)
    assert sorted(store.records("transfers")["memo"].dropna()) == ["rent, March", "货款"]
    money = store.events("money").sort_values("time")
    assert money["memo"].iloc[0] == "货款" and pd.isna(money["memo"].iloc[1])


def test_calls_of_some_phones(store, files):
    load_all(store, files)
    every = store.records("calls")
    for numbers in (["A"], ["C"], ["C", "D"], ["Q"], []):
        got = store.calls_of(numbers)
        want = every[every["caller"].isin(numbers) | every["callee"].isin(numbers)]
        want = want.reset_index(drop=True)[got.columns]  # both in record_id order, as records() are
        pd.testing.assert_frame_equal(got, want, check_dtype=True, obj=f"calls_of({numbers})")
    assert len(store.calls_of(["A"])) == 3 and len(store.calls_of(["C", "D"])) == 2
    late = Window.of(since="2024-01-03", until="2024-02-02", tz="UTC")
    got = store.calls_of(["A", "C"], late)
    want = store.records("calls", late)
    want = want[want["caller"].isin(["A", "C"]) | want["callee"].isin(["A", "C"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want[got.columns], check_dtype=True)
    assert sorted(got["start"].dt.strftime("%m-%d")) == ["01-03", "02-01"]  # B->A, B->C


def test_calls_between_some_pairs(store, files):
    # one way only: A -> B is not B -> A; the same answer as a plain reading of the records
    from netinv.store.base import GraphStore

    load_all(store, files)
    late = Window.of(since="2024-01-02", until="2024-02-02", tz="UTC")
    for pairs, window in (([("A", "B")], None), ([("B", "A"), ("D", "C"), ("Q", "A")], None),
                          ([("A", "B"), ("B", "C"), ("A", "B")], late), ([], None)):
        want_pairs = pd.DataFrame(pairs, columns=["caller", "callee"], dtype="string")
        got = store.calls_between(want_pairs, window).sort_values("record_id").reset_index(drop=True)
        want = GraphStore.calls_between(store, want_pairs, window).sort_values("record_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want[got.columns], check_dtype=True, obj=f"calls_between({pairs})")
        every = store.records("calls", window)
        assert len(got) == sum(((every["caller"] == a) & (every["callee"] == b)).sum() for a, b in set(pairs))
    assert len(store.calls_between(pd.DataFrame({"caller": ["A"], "callee": ["B"]}))) == 2


def test_provenance_traces_every_record(store, files):
    load_all(store, files)
    prov = store.provenance()
    calls = store.records("calls")
    p = prov[prov["kind"] == "calls"]
    assert set(p["record_id"]) == set(calls["record_id"])
    assert sorted(p["row"].tolist()) == [2, 3, 4, 5, 6]
    assert p["path"].str.endswith("calls.csv").all()
    assert (p["authority"] == "Warrant 7/2024").all()
    assert p["row_sha256"].str.len().eq(64).all() and p["file_sha256"].str.len().eq(64).all()
    one = store.provenance([calls["record_id"].iloc[0]])
    assert len(one) == 1
    # of one kind: the same rows as the frame's, asked by ids of every kind or by none
    every = prov["record_id"].tolist()
    for kind in ("calls", "transfers", "holders", "arrests"):
        mine = prov[prov["kind"] == kind].reset_index(drop=True)
        assert len(mine) and set(mine["kind"]) == {kind}
        pd.testing.assert_frame_equal(store.provenance(every, kind=kind), mine)
        pd.testing.assert_frame_equal(store.provenance(kind=kind), mine)
    with pytest.raises(StoreError, match="unknown record kind"):
        store.provenance(kind="call")


def test_layer_edges_and_windows(store, files):
    load_all(store, files)
    e = store.layer_edges("calls")
    ab = e[(e["source"] == "A") & (e["target"] == "B")].iloc[0]
    assert ab["count"] == 2 and ab["duration_s"] == 90
    assert ab["first"] == pd.Timestamp("2024-01-01T10:00:00Z") and ab["last"] == pd.Timestamp("2024-01-02T10:00:00Z")
    jan = store.layer_edges("calls", Window.of("2024-01-01", "2024-02-01"))
    assert set(zip(jan["source"], jan["target"])) == {("A", "B"), ("B", "A")}
    m = store.layer_edges("money")
    x = m[(m["source"] == "X1") & (m["target"] == "X2")].iloc[0]
    assert x["count"] == 2 and x["amount"] == pytest.approx(300.5) and x["currency"] == "CNY"
    co = store.layer_edges("co_arrest")
    assert set(zip(co["source"], co["target"])) == {("P1", "P3"), ("P3", "P1")}
    assert store.layer_edges("co_arrest", Window.of(until="2024-02-01")).empty


def test_layer_nodes_are_the_ends_of_the_layer_edges(store, files):
    from netinv.projection import identifier_network

    load_all(store, files)
    windows = [Window(), Window.of("2024-01-01", "2024-02-01"), Window.of(since="2030-01-01")]
    for layer in ("calls", "money", "co_arrest"):
        for w in windows:
            e = store.layer_edges(layer, w)
            ends = sorted(set(e["source"]) | set(e["target"]))
            assert store.layer_nodes(layer, w).tolist() == ends, (layer, w)
    assert store.layer_nodes("calls", windows[1]).tolist() == ["A", "B"]
    # the nodes a dossier resolves among: the network's, with their holders, without its edges
    for layers in (("calls", "money", "co_arrest"), ("calls",), ("money",)):
        for w in windows:
            whole, bare = store.network(layers=layers, window=w), identifier_network(store, layers, w)
            pd.testing.assert_frame_equal(bare.nodes, whole.nodes)
            assert bare.n_edges == 0 and bare.graph.vcount() == len(whole.nodes)


def test_persons_and_holdings(store, files):
    load_all(store, files)
    p = store.persons().set_index("person_id")
    assert p.loc["P1", "arrested"] and p.loc["P1", "cases"] == ["K1"] and p.loc["P1", "max_quantity_g"] == 2.5
    assert not p.loc["P2", "arrested"]
    h = store.holdings()
    assert set(h.loc[h["person_id"] == "P2", "value"]) == {"B", "D", "X2"}


def test_network_projection(store, files):
    load_all(store, files)
    phone = store.network(layers=("calls",))
    assert phone.summary()["nodes"] == 4 and phone.n_edges == 4
    person = store.network(level="person")
    ids = set(person.nodes["id"])
    assert {"person:P1", "person:P2", "person:P3"} <= ids
    assert "account:X3" in ids  # no known holder: stays an account
    calls = person.edges[person.edges["layer"] == "calls"]
    p2p3 = calls[(calls["source"] == "person:P2") & (calls["target"] == "person:P3")].iloc[0]
    assert p2p3["count"] == 2  # B->C and D->C: Bob's two phones collapsed
    assert person.graph.vcount() == len(person.nodes) and person.graph.ecount() == len(person.edges)


def test_bad_input_leaves_store_unchanged(store, files, tmp_path):
    load_all(store, files)
    before = store.counts()
    bad = write_csv(tmp_path / "bad.csv", CALLS + "E,F,not-a-time,5,voice,,\n")
    with pytest.raises(InvalidRecords):
        load_files(store, "calls", [bad], raw_ids=True, tz="UTC")
    assert store.counts() == before


def test_failed_write_rolls_back(store, files):
    """A write that fails inside the store (here: a record without a required value) changes nothing."""
    load_all(store, files)
    before = store.counts()
    batch = read_records("calls", [files["calls"]], raw_ids=True, tz="UTC")
    batch.records["record_id"] = batch.records["record_id"].str.replace("0", "1")  # all new records
    batch.records.loc[batch.records.index[-1], "caller"] = pd.NA  # the last one is broken
    with pytest.raises(StoreError):
        store.write(batch)
    assert store.counts() == before


def test_generated_case_loads_consistently(store, small_case):
    load_generated(small_case.path, store)
    c = store.counts()
    assert c["calls"] == small_case.n_calls
    assert c["arrests"] == len(small_case.truth["arrested"])
    truth_phones = set(small_case.truth["phones"])
    edges = store.layer_edges("calls")
    seen = set(edges["source"]) | set(edges["target"])
    assert seen - set(small_case.truth["hubs"]) <= truth_phones
    # what was loaded, per folder: every file once, in the folder it came from
    folders = store.sources_by_folder()
    assert folders["files"].sum() == len(store.sources()) == c["files"]
    assert set(folders["folder"]) == {str(small_case.path / d) for d in ("bank", "case", "cdr")}
    accepted = folders.groupby("kind")["accepted"].sum()
    assert [accepted[k] for k in ("calls", "arrests", "holders")] == [c["calls"], c["arrests"], c["holders"]]
    assert accepted["transfers"] >= c["transfers"]  # a transfer in both banks' statements is one transfer


def test_rows_left_out_by_where_are_counted_and_the_selection_kept(store):
    # the AMLSim export: 10,333 rows, of which 2,128 wires and 352 transfers; read only those
    f = dataset("amlsim_small_export", "transactions.csv")
    result, batch = load_files(store, "transfers", [f], profile="examples/profiles/amlsim_export.toml",
                               where={"tx_type": ("WIRE", "TRANSFER")})
    assert result.records_new == store.counts()["transfers"] == 2_480 and batch.left_out == 7_853
    src = store.sources().iloc[0]
    assert (src["rows"], src["accepted"], src["rejected"], src["left_out"]) == (10_333, 2_480, 0, 7_853)
    assert store.sources_by_folder()["left_out"].tolist() == [7_853]
    assert load_options(store.loads())[0]["where"] == {"tx_type": ["WIRE", "TRANSFER"]}
    assert set(store.records("transfers")["channel"]) == {"WIRE", "TRANSFER"}


def test_a_file_read_again_is_counted_as_the_workspace_holds_it(store, tmp_path):
    # read first with a national number it cannot place (no --region), then with the region: all
    # three rows are in, and the file says so; read a third time without the region, the row
    # rejected again is still in (a load took it); a write of it that fails changes nothing
    f = write_csv(tmp_path / "d.csv", "caller,callee,start,duration_s\n"
                                      "+8613800138000,+8613900139000,2024-03-01T10:00:00Z,60\n"
                                      "13800138000,13900139000,2024-03-01T11:00:00Z,30\n"
                                      "+8613800138000,+8613900139001,2024-03-01T12:00:00Z,30\n")

    def described():
        src = store.sources()
        assert len(src) == 1 and src["file_sha256"].iloc[0] == sha
        return src.iloc[0][["rows", "accepted", "rejected", "left_out", "load_id", "last_load_id"]].tolist()

    first, batch = load_files(store, "calls", [f], quarantine=tmp_path / "q.csv")
    sha = batch.sources[0].sha256
    assert batch.sources[0].rejected_rows == (3,) and described() == [3, 2, 1, 0, first.load_id, first.load_id]
    second, _ = load_files(store, "calls", [f], region="CN")
    assert second.records_new == 1 and described() == [3, 3, 0, 0, first.load_id, second.load_id]
    third, _ = load_files(store, "calls", [f], quarantine=tmp_path / "q.csv")
    assert third.rejected == 1 and described() == [3, 3, 0, 0, first.load_id, third.load_id]
    loaded = store.sources()[["loaded_at", "last_loaded_at"]].iloc[0]
    finished = store.loads().set_index("load_id")["finished_at"]
    assert (loaded["loaded_at"], loaded["last_loaded_at"]) == (finished[first.load_id], finished[third.load_id])
    batch = read_records("calls", [f], region="CN")
    batch.records["record_id"] = batch.records["record_id"] + "x"  # all new records
    batch.records.loc[batch.records.index[-1], "caller"] = pd.NA  # the last one is broken
    with pytest.raises(StoreError):
        store.write(batch)
    assert described() == [3, 3, 0, 0, first.load_id, third.load_id]


def test_one_file_read_twice_with_two_selections_holds_both(store):
    # the AMLSim export read for its wires, then for its transfers: the file's rows in the workspace
    # are both selections, and only the rest is left out
    f = dataset("amlsim_small_export", "transactions.csv")
    for kept in ("WIRE", "TRANSFER"):
        load_files(store, "transfers", [f], profile="examples/profiles/amlsim_export.toml", where={"tx_type": (kept,)})
    src = store.sources()
    assert len(src) == 1 and store.counts()["transfers"] == 2_480
    assert src.iloc[0][["rows", "accepted", "rejected", "left_out"]].tolist() == [10_333, 2_480, 0, 7_853]


def test_the_same_call_in_both_phones_records_is_one_call(store, tmp_path):
    a, b = write_csv(tmp_path / "a.csv", CARRIER_A), write_csv(tmp_path / "b.csv", CARRIER_B)
    opts = {"region": "CN", "tz": "Asia/Shanghai"}
    load_files(store, "calls", [a], **opts)
    result, batch = load_files(store, "calls", [b], same_call_within=2, **opts)
    assert (result.records_new, result.records_existing, result.provenance_new) == (1, 2, 3)
    assert batch.notes == [f"{b}: 2 call(s) are calls of a.csv, in the workspace (the same caller and callee, "
                           "start and duration within 2 s): each is kept as that one call, with both rows in its "
                           "provenance"]
    calls = store.records("calls").sort_values("start")
    assert store.counts()["calls"] == 5 and calls["cell_id"].tolist() == ["A1", "A1", "A1", "A2", "B7"]
    prov = store.provenance().merge(calls[["record_id", "start", "duration_s"]], on="record_id")
    rows = {(Path(p).name, r): (t.strftime("%H:%M:%S"), d) for p, r, t, d in
            zip(prov["path"], prov["row"], prov["start"].dt.tz_convert("Asia/Shanghai"), prov["duration_s"])}
    # B's rows point at A's calls, which keep A's times: 14:03:22 for 75 s, and 15:00:00 for 10 s
    assert rows[("b.csv", 2)] == rows[("a.csv", 2)] == ("14:03:22", 75)
    assert rows[("b.csv", 3)] == rows[("a.csv", 3)] == ("15:00:00", 10)
    assert rows[("b.csv", 4)] == ("18:00:00", 5)
    assert store.network(level="phone").edges["count"].sum() == 5
    assert load_options(store.loads())[1]["same_call_within"] == 2
    # loading B again changes nothing
    again, _ = load_files(store, "calls", [b], same_call_within=2, **opts)
    assert (again.records_new, again.provenance_new, store.counts()["calls"]) == (0, 0, 5)


def test_calls_in_two_files_are_named_and_kept_without_the_option(embedded, tmp_path):
    a, b = write_csv(tmp_path / "a.csv", CARRIER_A), write_csv(tmp_path / "b.csv", CARRIER_B)
    result, batch = load_files(embedded, "calls", [a, b], region="CN", tz="Asia/Shanghai")
    assert result.records_new == 7
    assert batch.notes == [f"{b}: 2 call(s) lie within 2 s (start and duration) of a call of a.csv between the same "
                           "phones: probably one call in both phones' records, now counted twice; "
                           "--same-call-within 2 loads each as one call"]
    # loaded again with the option, the workspace's seven calls stay as they are: a record read
    # again is never taken for another call
    again, batch = load_files(embedded, "calls", [a, b], region="CN", tz="Asia/Shanghai", same_call_within=2)
    assert (again.records_new, again.provenance_new, embedded.counts()["provenance"]) == (0, 0, 7)
    assert not batch.notes
    # in one load, a later file's rows are taken for an earlier file's calls: the same five calls
    fresh = EmbeddedStore(tmp_path / "one.duckdb")
    result, _ = load_files(fresh, "calls", [a, b], region="CN", tz="Asia/Shanghai", same_call_within=2)
    assert (result.records_new, result.provenance_new) == (5, 7)
    # within 0 s nothing here is one call: every pair differs in start or duration
    zero = EmbeddedStore(tmp_path / "zero.duckdb")
    assert load_files(zero, "calls", [a, b], region="CN", tz="Asia/Shanghai", same_call_within=0)[0].records_new == 7
    with pytest.raises(ProfileError, match="only for calls"):
        load_files(fresh, "transfers", [a], same_call_within=2)
    for st in (fresh, zero):
        st.close()


def test_one_call_keeps_its_callers_row(store, tmp_path):
    # the file read first holds the callee's side of a call (被叫: her cell and handset), the
    # second the caller's, a second earlier: the call is the caller's row, the callee's in its
    # provenance, and the call has both ends' cells and handsets
    head = "主叫号码,被叫号码,通话开始时间,通话时长,基站号,IMEI,呼叫类型\n"
    a = write_csv(tmp_path / "a.csv", head + "13800138000,13900139000,2024-03-05 14:03:23,76,B7,861000000000009,被叫\n")
    b = write_csv(tmp_path / "b.csv", head + "13800138000,13900139000,2024-03-05 14:03:22,75,A1,860000000000001,主叫\n")
    result, batch = load_files(store, "calls", [a, b], profile="cdr-cn", same_call_within=2,
                               incoming={"呼叫类型": ("被叫",)})
    assert result.records_new == 1 and result.provenance_new == 2
    call = store.records("calls").iloc[0]
    assert (call["cell_id"], call["imei"], call["duration_s"]) == ("A1", "860000000000001", 75)
    assert (call["callee_cell_id"], call["callee_imei"]) == ("B7", "861000000000009")
    assert "1 call(s) are calls of b.csv" in " ".join(batch.notes)
    assert store.counts()["devices"] == 2
    # a later load of the callee's side alone finds the call, which has her end already: it stays
    c = write_csv(tmp_path / "c.csv", head + "13800138000,13900139000,2024-03-05 14:03:24,75,B8,861000000000009,被叫\n")
    later, batch = load_files(store, "calls", [c], profile="cdr-cn", same_call_within=2,
                              incoming={"呼叫类型": ("被叫",)})
    assert (later.records_new, later.provenance_new) == (0, 1)
    assert "take the callee's cell" not in " ".join(batch.notes)
    assert store.records("calls")[["callee_cell_id", "callee_imei"]].values.tolist() == [["B7", "861000000000009"]]
    # the caller's side of another call loaded first, the callee's later: the workspace's call
    # takes her cell and handset (once: loading her file again changes nothing)
    d = write_csv(tmp_path / "d.csv", head + "13700137000,13900139000,2024-03-06 09:00:00,30,A2,862000000000002,主叫\n")
    e = write_csv(tmp_path / "e.csv", head + "13700137000,13900139000,2024-03-06 09:00:01,30,B9,860000000000019,被叫\n")
    opts = {"profile": "cdr-cn", "same_call_within": 2, "incoming": {"呼叫类型": ("被叫",)}}
    load_files(store, "calls", [d], **opts)
    for i in range(2):
        _, batch = load_files(store, "calls", [e], **opts)
        assert ("1 of the workspace's calls take the callee's cell and handset from these rows" in
                " ".join(batch.notes)) == (i == 0)
        calls = store.records("calls").sort_values("start")
        assert calls[["cell_id", "callee_cell_id", "callee_imei"]].values.tolist()[1] == ["A2", "B9", "860000000000019"]
        assert store.counts()["calls"] == 2 and store.counts()["devices"] == 4
    assert store.phone_handsets()["phone"].value_counts()["+8613900139000"] == 2  # her handsets: both calls
    # the other way round, the workspace's call read from the callee's side takes the caller's cell
    # and handset from his row (once), and his handset's sighting
    f = write_csv(tmp_path / "f.csv", head + "13600136000,13900139000,2024-03-07 09:00:01,30,B9,860000000000019,被叫\n")
    g = write_csv(tmp_path / "g.csv", head + "13600136000,13900139000,2024-03-07 09:00:00,30,A3,863000000000003,主叫\n")
    load_files(store, "calls", [f], **opts)
    last = store.records("calls").sort_values("start").iloc[-1]
    assert pd.isna(last["cell_id"]) and pd.isna(last["imei"]) and last["callee_cell_id"] == "B9"
    for i in range(2):
        _, batch = load_files(store, "calls", [g], **opts)
        assert ("1 of the workspace's calls take the caller's cell and handset from these rows" in
                " ".join(batch.notes)) == (i == 0)
        assert "callee's cell" not in " ".join(batch.notes)
        last = store.records("calls").sort_values("start").iloc[-1]
        assert last[["cell_id", "imei", "callee_cell_id", "callee_imei"]].tolist() == \
            ["A3", "863000000000003", "B9", "860000000000019"]
        assert last["start"] == pd.Timestamp("2024-03-07 01:00:01", tz="UTC")  # its own row's times
        assert store.counts()["calls"] == 3 and store.counts()["devices"] == 5
    seen = store.phone_handsets()
    assert seen.loc[seen["phone"] == "+8613600136000", "imei"].tolist() == ["863000000000003"]
    assert sorted(Path(p).name for p in store.provenance([last["record_id"]])["path"]) == ["f.csv", "g.csv"]


def test_a_file_read_again_adds_nothing_once_its_rows_were_taken_for_other_calls(store, tmp_path):
    # the callee's file first, then the caller's, whose rows are taken for her calls: read again
    # (with or without the option, alone or with hers, in one load), his rows are those calls
    # again, not new ones (they are in no call of their own: only in her calls' provenance)
    head = "主叫号码,被叫号码,通话开始时间,通话时长,基站号,IMEI,呼叫类型\n"
    a, b, c = "13800138000", "13900139000", "13700137000"
    hers = write_csv(tmp_path / "hers.csv", head + f"{a},{b},2024-03-05 14:03:23,76,B7,861000000000009,被叫\n"
                                                   f"{a},{b},2024-03-06 09:00:01,30,B7,861000000000009,被叫\n")
    his = write_csv(tmp_path / "his.csv", head + f"{a},{b},2024-03-05 14:03:22,75,A1,860000000000001,主叫\n"
                                                 f"{a},{b},2024-03-06 09:00:00,30,A1,860000000000001,主叫\n"
                                                 f"{a},{c},2024-03-06 10:00:00,12,A1,860000000000001,主叫\n")
    opts = {"profile": "cdr-cn", "incoming": {"呼叫类型": ("被叫",)}}
    load_files(store, "calls", [hers], same_call_within=2, **opts)
    first, batch = load_files(store, "calls", [his], same_call_within=2, **opts)
    assert (first.records_new, first.provenance_new) == (1, 3)
    calls, prov = store.records("calls"), store.provenance()[["record_id", "file_sha256", "row"]]
    assert len(calls) == 3 and calls["cell_id"].notna().all()
    for files, within in (([his], 2), ([his], None), ([hers, his], 2), ([his, hers], None)):
        again, batch = load_files(store, "calls", files, same_call_within=within, **opts)
        assert (again.records_new, again.provenance_new, again.records_existing) == (0, 0, 3), (files, within)
        assert f"{his}: 2 row(s) were read before, as calls of other files' rows (--same-call-within): each is " \
               "that call again, nothing new" in batch.notes
        pd.testing.assert_frame_equal(store.records("calls"), calls)
        pd.testing.assert_frame_equal(store.provenance()[["record_id", "file_sha256", "row"]], prov)


def test_a_row_taken_with_a_wide_window_is_found_again_with_a_narrow_one(store, tmp_path):
    # his only row lies 8 s before her record of the call; taken for it with --same-call-within 10,
    # it is that call again when his file is read with the default 2 s, though her call lies
    # outside his file's span padded by 2 s
    head = "主叫号码,被叫号码,通话开始时间,通话时长,基站号,IMEI,呼叫类型\n"
    pair = "13800138000,13900139000"
    opts = {"profile": "cdr-cn", "incoming": {"呼叫类型": ("被叫",)}}
    hers = write_csv(tmp_path / "hers.csv", head + f"{pair},2024-03-05 14:03:30,76,B7,861000000000009,被叫\n")
    his = write_csv(tmp_path / "his.csv", head + f"{pair},2024-03-05 14:03:22,75,A1,860000000000001,主叫\n")
    load_files(store, "calls", [hers], **opts)
    assert load_files(store, "calls", [his], same_call_within=10, **opts)[0].records_new == 0
    again, batch = load_files(store, "calls", [his], **opts)
    assert (again.records_new, again.provenance_new, store.counts()["calls"]) == (0, 0, 1)
    assert any("1 row(s) were read before" in n for n in batch.notes)


def test_a_third_files_row_is_named_with_the_file_its_call_was_first_read_from(store, tmp_path):
    # her file first (z_hers.csv), his next (a_his.csv, taken for her call), then a third file's
    # row of that call: the note names the file the call was first read from, not the first name
    head = "主叫号码,被叫号码,通话开始时间,通话时长,基站号,IMEI,呼叫类型\n"
    pair = "13800138000,13900139000"
    opts = {"profile": "cdr-cn", "incoming": {"呼叫类型": ("被叫",)}, "same_call_within": 2}
    rows = (("z_hers", "14:03:23,76,B7,861000000000009,被叫"), ("a_his", "14:03:22,75,A1,860000000000001,主叫"),
            ("m_third", "14:03:24,75,C3,862000000000001,主叫"))
    for name, row in rows:
        result, batch = load_files(store, "calls", [write_csv(tmp_path / f"{name}.csv",
                                                              head + f"{pair},2024-03-05 {row}\n")], **opts)
    assert (result.records_new, result.provenance_new, store.counts()["calls"]) == (0, 1, 1)
    assert "1 call(s) are calls of z_hers.csv, in the workspace" in " ".join(batch.notes)


def test_a_caller_file_read_again_completes_a_call_an_older_netinv_left_without_its_end(embedded, tmp_path):
    # netinv before 2026-12-05 kept a call read first from its callee's side without the caller's
    # cell and handset when his file came later (his row only in its provenance): that state,
    # made by hand here.  Reading his file again gives the call his end, and nothing else changes
    head = "主叫号码,被叫号码,通话开始时间,通话时长,基站号,IMEI,呼叫类型\n"
    pair = "13800138000,13900139000"
    hers = write_csv(tmp_path / "hers.csv", head + f"{pair},2024-03-05 14:03:23,76,B7,861000000000009,被叫\n")
    his = write_csv(tmp_path / "his.csv", head + f"{pair},2024-03-05 14:03:22,75,A1,860000000000001,主叫\n")
    opts = {"profile": "cdr-cn", "incoming": {"呼叫类型": ("被叫",)}, "same_call_within": 2}
    load_files(embedded, "calls", [hers], **opts)
    load_files(embedded, "calls", [his], **opts)
    whole = embedded.records("calls")
    embedded.con.execute("UPDATE calls SET cell_id = NULL, imei = NULL")
    again, batch = load_files(embedded, "calls", [his], **opts)
    assert (again.records_new, again.provenance_new) == (0, 0)
    assert "1 of the workspace's calls take the caller's cell and handset from the rows read before (the calls " \
           "lacked them)" in batch.notes
    pd.testing.assert_frame_equal(embedded.records("calls"), whole)
    # again, together with a file whose row gives another call of the workspace its callee's end:
    # both calls take the end they lack in the one load
    embedded.con.execute("UPDATE calls SET cell_id = NULL, imei = NULL")
    other = "13700137000,13900139000"
    load_files(embedded, "calls", [write_csv(tmp_path / "c.csv", head + f"{other},2024-03-06 09:00:00,30,A2,"
                                                                         "862000000000002,主叫\n")], **opts)
    her_side = write_csv(tmp_path / "e.csv", head + f"{other},2024-03-06 09:00:01,30,B9,863000000000019,被叫\n")
    again, batch = load_files(embedded, "calls", [his, her_side], **opts)
    assert (again.records_new, again.provenance_new) == (0, 1)
    calls = embedded.records("calls").sort_values("start")
    assert calls[["cell_id", "callee_cell_id"]].values.tolist() == [["A1", "B7"], ["A2", "B9"]]


def test_two_phones_call_sheets_make_each_call_once(store, tmp_path):
    # the sheets of two phones of one carrier: their call is in both, the same second, each row
    # with its own phone's cell and handset.  Within 0 s it is one call, with the caller's cell
    a = write_csv(tmp_path / "a.csv", SHEET_A, encoding="gbk")
    b = write_csv(tmp_path / "b.csv", SHEET_B.splitlines()[0] + "\n" + SHEET_B.splitlines()[1] + "\n",
                  encoding="gbk")
    result, batch = load_files(store, "calls", [b, a], profile="cdr-sheet-cn", same_call_within=0)
    assert (result.records_new, result.provenance_new) == (2, 3)
    calls = store.records("calls").sort_values("start")
    assert calls["cell_id"].tolist()[0] == "A1" and pd.isna(calls["cell_id"].tolist()[1])
    assert calls["imei"].tolist()[0] == "860000000000001"
    # the callee's sheet gives her cell and handset: the call has both ends
    assert calls["callee_cell_id"].tolist()[0] == "B7" and calls["callee_imei"].tolist()[0] == "860000000000009"
    # A's incoming call: A's own cell and handset, as the callee's
    assert calls["callee_cell_id"].tolist()[1] == "A1" and pd.isna(calls["imei"].tolist()[1])
    prov = store.provenance()
    assert sorted(Path(p).name for p in prov.loc[prov["record_id"] == calls["record_id"].iloc[0], "path"]) == \
        ["a.csv", "b.csv"]


def test_windows_count_days_in_the_case_time_zone(store, tmp_path):
    # 07:30 and 08:30 on 1 March in Beijing are 23:30 on 29 February and 00:30 on 1 March in UTC
    calls = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\n"
                                          "A,B,2024-03-01 07:30:00,5\nA,B,2024-03-01 08:30:00,5\n")
    arrests = write_csv(tmp_path / "a.csv", "case_id,person_id,name,date\n"
                                            "K1,P1,Ann,2024-02-29\nK1,P2,Bob,2024-02-29\n"
                                            "K2,P3,Cy,2024-03-01\nK2,P4,Di,2024-03-01\n")
    load_files(store, "calls", [calls], raw_ids=True, tz="Asia/Shanghai")
    load_files(store, "arrests", [arrests], raw_ids=True)
    assert store.time_zone() == "Asia/Shanghai"
    march_bj = Window.of("2024-03-01", "2024-04-01", tz="Asia/Shanghai")
    assert str(march_bj) == "[2024-02-29T16:00:00+00:00, 2024-03-31T16:00:00+00:00)"
    assert store.layer_edges("calls", march_bj)["count"].sum() == 2
    assert store.layer_edges("calls", Window.of("2024-03-01", "2024-04-01"))["count"].sum() == 1
    # arrest dates are Beijing days: 29 February is outside March, Beijing time
    assert set(store.records("arrests", march_bj)["case_id"]) == {"K2"}
    co = store.layer_edges("co_arrest", march_bj)
    assert set(zip(co["source"], co["target"])) == {("P3", "P4"), ("P4", "P3")}
    # loads read in different zones: no single zone for the case
    transfers = write_csv(tmp_path / "t.csv", "payer_account,payee_account,amount,currency,time\n"
                                              "X1,X2,5,CNY,2024-03-02 10:00:00\n")
    load_files(store, "transfers", [transfers], raw_ids=True, tz="UTC")
    assert store.time_zone() is None


def older_workspace(path, kind: str, file, change: str):
    """A workspace holding one file's records, then changed (``change``, SQL) into what an earlier
    netinv would have left."""
    from netinv.store import EmbeddedStore

    with EmbeddedStore(path) as st:
        load_files(st, kind, [file], raw_ids=True, tz="UTC")
        st.con.execute(change)
    return path


def test_workspace_from_before_memos_gains_the_column(tmp_path, files):
    # a workspace written before transfers had a memo: opened for writing, it gains the column,
    # empty on the records it held; opened read-only it is read as it is
    from netinv.store import EmbeddedStore

    path = older_workspace(tmp_path / "old.duckdb", "transfers", files["transfers"],
                           "ALTER TABLE transfers DROP COLUMN memo")
    with EmbeddedStore(path, read_only=True) as st:
        old = st.records("transfers")
        assert len(old) == 3 and old["memo"].isna().all()
    more = write_csv(tmp_path / "more.csv", "payer_account,payee_account,amount,currency,time,memo\n"
                                            "X3,X1,50,CNY,2024-03-01T12:00:00Z,还款\n")
    with EmbeddedStore(path) as st:
        load_files(st, "transfers", [more], raw_ids=True, tz="UTC")
        r = st.records("transfers")
        assert len(r) == 4 and r["memo"].dropna().tolist() == ["还款"]
        pd.testing.assert_frame_equal(r[r["memo"].isna()].drop(columns="memo").reset_index(drop=True),
                                      old.drop(columns="memo"))


def test_workspace_from_before_files_had_a_latest_load_reads_and_gains_it(tmp_path, files):
    # a workspace written before the sources table had last_load_id: read-only, each file's
    # latest load is its first; opened for writing and read again, the file names both
    from netinv.store import EmbeddedStore

    path = older_workspace(tmp_path / "old.duckdb", "calls", files["calls"],
                           "ALTER TABLE sources DROP COLUMN last_load_id")
    with EmbeddedStore(path, read_only=True) as st:
        src = st.sources()
        assert (src["last_load_id"] == src["load_id"]).all() and (src["last_loaded_at"] == src["loaded_at"]).all()
        first = src["load_id"].iloc[0]
    with EmbeddedStore(path) as st:
        again, _ = load_files(st, "calls", [files["calls"]], raw_ids=True, tz="UTC")
        src = st.sources()
        assert src[["load_id", "last_load_id", "accepted", "rejected"]].values.tolist() == \
            [[first, again.load_id, 5, 0]]


def test_workspace_from_before_the_callees_end_reads_read_only(tmp_path, files):
    # a workspace written before calls had the callee's cell and handset, opened read-only (as the
    # benchmarks open their cached cases): every reading works, and the file is not changed
    import hashlib

    from netinv.store import EmbeddedStore

    path = older_workspace(tmp_path / "old.duckdb", "calls", files["calls"],
                           "ALTER TABLE calls DROP COLUMN callee_cell_id; ALTER TABLE calls DROP COLUMN callee_imei")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with EmbeddedStore(path, read_only=True) as st:
        calls = st.records("calls")
        assert len(calls) == 5 and calls[["callee_cell_id", "callee_imei"]].isna().all().all()
        assert st.phone_handsets().values.tolist() == [["i1", "A"], ["i2", "B"]]
        assert st.counts()["calls"] == 5 and len(st.calls_of(["A"])) == 3
        assert len(st.network(layers=("calls",), level="phone").edges) > 0
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    with EmbeddedStore(path) as st:  # opened for writing, it gains the columns
        assert st.records("calls")[["callee_cell_id", "callee_imei"]].isna().all().all()


def test_route_hops_say_what_the_memos_say(store, files):
    from netinv import analysis as an
    from netinv.workflow import route_evidence

    load_all(store, files)
    net = store.network(layers=("calls", "money"))
    hops = route_evidence(store, net, an.routes(net, ["account:X1"], ["account:X3"], k=1))
    assert hops[["from", "to", "transfers", "records"]].values.tolist() == [
        ["account:X1", "account:X2", 2, 2], ["account:X2", "account:X3", 1, 1]]
    assert hops["memos"].tolist() == ["货款 ×1", "rent, March ×1"]


def test_memo_summary_counts_most_frequent_first():
    from netinv.workflow import memo_summary

    s = pd.Series(["还款", "货款", None, " 货款 ", "", "生活费", "还款", "货款", "房租"], dtype="string")
    assert memo_summary(s) == "货款 ×3; 还款 ×2; 房租 ×1 (+1 more)"
    assert memo_summary(s, shown=5) == "货款 ×3; 还款 ×2; 房租 ×1; 生活费 ×1"
    assert memo_summary(pd.Series([None, " "], dtype="string")) == ""
    assert memo_summary(pd.Series([], dtype="string")) == ""


def test_route_evidence_counts_the_records_of_the_networks_window(store, files):
    # the hops' records are those the network's edges count: in its window, not all time
    from netinv import analysis as an
    from netinv.workflow import route_evidence

    load_all(store, files)
    for window, want in ((None, [[3, 3], [1, 1]]), (Window.of(since="2024-01-03", tz="UTC"), [[1, 1], [1, 1]])):
        net = store.network(layers=("calls", "money"), window=window)
        hops = route_evidence(store, net, an.routes(net, ["phone:A"], ["phone:C"], k=1))
        assert hops[["calls", "records"]].values.tolist() == want, str(window)
    late = store.network(layers=("calls", "money"), window=Window.of(since="2024-01-03", tz="UTC"))
    hops = route_evidence(store, late, an.routes(late, ["account:X1"], ["account:X3"], k=1))
    assert hops[["transfers", "records", "memos"]].values.tolist() == [[1, 1, ""], [1, 1, "rent, March ×1"]]


def test_two_sheets_of_one_workbook_are_loaded_one_at_a_time_and_told_apart(store, tmp_path):
    # a workbook with a sheet a month: read in part, without a word, it lost the other months.  It is
    # refused unless a sheet is named; each sheet is then a load of its own, and a hop's evidence
    # names the sheet, so that "book.xlsx:2" cannot be either month's row 2
    from netinv import analysis as an
    from netinv.errors import SourceError
    from netinv.workflow import route_evidence

    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as xw:
        for sheet, callee, day in (("一月", "B", "2024-01-05"), ("二月", "C", "2024-02-05")):
            pd.DataFrame({"caller": ["A" if callee == "B" else "B"], "callee": [callee],
                          "start": [f"{day} 10:00:00"], "duration_s": ["60"]}).to_excel(xw, index=False,
                                                                                        sheet_name=sheet)
        pd.DataFrame().to_excel(xw, index=False, sheet_name="Sheet3")  # an empty sheet does not count
    with pytest.raises(SourceError, match=r"has 2 sheets with data \('一月', '二月'\).*--sheet NAME"):
        load_files(store, "calls", [book], raw_ids=True, tz="UTC")
    with pytest.raises(SourceError, match="has no sheet '三月'"):
        load_files(store, "calls", [book], raw_ids=True, tz="UTC", sheet="三月")
    for sheet in ("一月", "二月"):
        load_files(store, "calls", [book], raw_ids=True, tz="UTC", sheet=sheet)
    net = store.network(layers=("calls",), level="phone")
    hops = route_evidence(store, net, an.routes(net, ["phone:A"], ["phone:C"], k=1))
    assert hops["sources"].tolist() == ["book.xlsx[一月]:2", "book.xlsx[二月]:2"]


def test_workspace_from_before_number_decisions_reads_read_only(tmp_path, files):
    # opened read-only, a workspace made before number decisions has no such table: asking for
    # them says none, and leaves the connection free for the next query (a half-read count used
    # to block it)
    from netinv.store import EmbeddedStore

    path = older_workspace(tmp_path / "old.duckdb", "calls", files["calls"], "DROP TABLE number_decisions")
    with EmbeddedStore(path, read_only=True) as st:
        assert st.number_decisions().empty
        assert len(st.calls_of(["A"])) == 3
        assert st.network(level="phone").decided.empty


# calls seen from the callee's side too: A's handset and a cell as the callee, E with a handset
# that F uses too, written as an IMEISV
CALLEE_ENDS = ("caller,callee,start,duration_s,kind,cell_id,imei,callee_cell_id,callee_imei\n"
               "C,A,2024-02-03T10:00:00Z,15,voice,,,c9,i1\n"
               "C,E,2024-02-04T10:00:00Z,15,voice,,,c9,356938035643809\n"
               "F,C,2024-02-05T10:00:00Z,15,voice,c7,3569380356438001,,\n")


def test_a_dossier_names_the_files_behind_its_records(store, files, tmp_path):
    from netinv.dossier import dossier, dossier_sources, write_dossier

    load_all(store, files)
    load_files(store, "calls", [write_csv(tmp_path / "ends.csv", CALLEE_ENDS)], raw_ids=True, tz="UTC")

    def named(d):
        src = dossier_sources(store, d)
        assert len(d.record_ids) == len(set(d.record_ids)) == src["records"].sum()
        return sorted(zip(src["path"].map(lambda p: Path(p).name), src["kind"], src["records"].astype(int)))

    # Bob (phones B and D, account X2): his two holder rows, the five calls of B or D, the three
    # transfers of X2; no arrest record and no call of ends.csv is his
    bob = dossier(store, "P2")
    assert named(bob) == [("calls.csv", "calls", 5), ("holders.csv", "holders", 2), ("transfers.csv", "transfers", 3)]
    assert (dossier_sources(store, bob)["authority"] == "Warrant 7/2024").all()
    # Ann's phone: her holder row, her arrest record, her three calls and the call ends.csv gives her
    assert named(dossier(store, "phone:A")) == [("arrests.csv", "arrests", 1), ("calls.csv", "calls", 3),
                                                ("ends.csv", "calls", 1), ("holders.csv", "holders", 1)]
    # in a window, only the window's calls and transfers
    assert named(dossier(store, "P2", Window.of(since="2024-02-01", tz="UTC"))) == [
        ("calls.csv", "calls", 2), ("holders.csv", "holders", 2), ("transfers.csv", "transfers", 1)]
    page = write_dossier(store, bob, tmp_path / "bob.html").read_text(encoding="utf-8")
    assert "Dossier of person:P2" in page and "Warrant 7/2024" in page
    for sha in dossier_sources(store, bob)["file_sha256"]:
        assert sha in page  # each file's full SHA-256: in the manifest and the table's tooltip
    assert "arrests.csv" not in page and "ends.csv" not in page
    assert bob.searched and "The successor search read every call of the window besides" in page


def test_phone_handsets_at_either_end(store, files, tmp_path):
    from netinv.store.base import GraphStore

    load_all(store, files)
    load_files(store, "calls", [write_csv(tmp_path / "ends.csv", CALLEE_ENDS)], raw_ids=True, tz="UTC")
    got = store.phone_handsets()
    pd.testing.assert_frame_equal(got, GraphStore.phone_handsets(store))
    assert got.values.tolist() == [["3569380356438001", "F"], ["356938035643809", "E"], ["i1", "A"], ["i2", "B"]]
    assert store.counts()["devices"] == 1  # one handset written two ways; 'i1', 'i2' name none
    # the phones of some handsets (by key), however their IMEIs were written
    for keys in (["35693803564380"], ["35693803564380", "99999999999999"], [], ["i1"]):
        pd.testing.assert_frame_equal(store.handset_phones(keys), GraphStore.handset_phones(store, keys))
    assert store.handset_phones(["35693803564380"]).values.tolist() == [["3569380356438001", "F"],
                                                                         ["356938035643809", "E"]]
    assert store.handset_phones(["i1"]).empty  # 'i1' names no handset: it is no key
    placeholder = ("caller,callee,start,duration_s,kind,cell_id,imei\n"
                   "G,C,2024-02-06T10:00:00Z,15,voice,c7,000000000000000\n")
    load_files(store, "calls", [write_csv(tmp_path / "g.csv", placeholder)], raw_ids=True, tz="UTC")
    assert store.counts()["devices"] == 1 and "G" in set(store.phone_handsets()["phone"])
    # every IMEI value as written, with the call ends that have it (status names those that name no handset)
    values = store.imei_values()
    pd.testing.assert_frame_equal(values, GraphStore.imei_values(store))
    assert values.values.tolist() == [["000000000000000", 1], ["3569380356438001", 1], ["356938035643809", 1],
                                      ["i1", 3], ["i2", 2]]
    assert store.counts(imeis=values) == store.counts()  # netinv status reads them once for both


# R1 goes quiet on 10 January; R2, in the same handset, calls the same three contacts from the
# 11th; S calls one of them now and then until March (the end of the records)
REPLACED = ("caller,callee,start,duration_s,kind,cell_id,imei\n"
            + "".join(f"R1,K{k},2024-01-0{d}T10:0{k}:00Z,30,voice,c5,356938035643809\n"
                      for d in range(1, 10) for k in (1, 2, 3))
            + "".join(f"R2,K{k},2024-01-{d}T10:0{k}:00Z,30,voice,c5,356938035643809\n"
                      for d in range(11, 20) for k in (1, 2, 3))
            + "S,K1,2024-01-05T09:00:00Z,30,voice,c6,\nS,K1,2024-03-01T09:00:00Z,30,voice,c6,\n")


def test_dossier_names_the_phone_that_replaced_it_and_the_one_it_replaced(store, tmp_path):
    from netinv.dossier import dossier
    from netinv.linkage import successors
    from netinv.projection import identifier_network

    load_files(store, "calls", [write_csv(tmp_path / "r.csv", REPLACED)], raw_ids=True, tz="UTC")
    load_files(store, "holders", [write_csv(tmp_path / "h.csv", "person_id,name,phone\nP7,Rui,R2\n")], raw_ids=True)
    old, new = dossier(store, "R1"), dossier(store, "R2")
    cols = ["old", "candidate", "rank", "how", "shared_contacts", "same_imei"]
    assert old.successors[cols].values.tolist() == [["R1", "R2", 1, "quiet", 3, True]]
    # each number's holder on record: R2's, none for R1
    assert pd.isna(old.successors["old_held_by"].iloc[0]) and old.successors["candidate_held_by"].iloc[0] == "Rui (P7)"
    pd.testing.assert_frame_equal(old.successors, new.successors)
    assert "same handset (IMEI)" in old.successors["reasons"].iloc[0]
    # given a network without its edges, the search builds the calls network it needs
    bare = dossier(store, "R1", net=identifier_network(store))
    pd.testing.assert_frame_equal(bare.successors, old.successors)
    # the rows the whole workspace's search gives, with R1 or R2 at either end
    every = successors(store.records("calls"))
    assert every[["old", "candidate", "rank"]].values.tolist() == [["R1", "R2", 1]]
    assert dossier(store, "S").successors.empty and dossier(store, "K1").successors.empty
    skipped = dossier(store, "R1", successors=False)
    assert skipped.successors.empty and "successors: not searched" in skipped.notes
    assert old.searched and not skipped.searched
    # a window that ends before R2 began: R1 is no longer quiet before the window's last call
    assert dossier(store, "R1", Window.of(until="2024-01-10", tz="UTC")).successors.empty


def test_dossier_of_a_person_a_phone_and_an_account(store, files, tmp_path):
    from netinv.dossier import dossier
    from netinv.errors import NodeNotFound

    load_all(store, files)
    load_files(store, "calls", [write_csv(tmp_path / "ends.csv", CALLEE_ENDS)], raw_ids=True, tz="UTC")
    d = dossier(store, "P2")  # Bob: phones B and D, account X2
    assert (d.id, d.phones, d.accounts) == ("person:P2", ["B", "D"], ["X2"])
    assert d.people["name"].tolist() == ["Bob"] and d.arrests.empty
    assert d.contacts[["contact", "calls", "calls_out", "calls_in", "seconds"]].values.tolist() == [
        ["A", 3, 1, 2, 90], ["C", 2, 2, 0, 30]]
    assert d.contacts["held_by"].tolist() == ["Ann (P1)", "Cy (P3)"]
    assert d.cells[["phone", "cell_id", "calls", "as_caller", "as_callee"]].values.tolist() == [["B", "c2", 2, 2, 0]]
    # the test data's handset 'i2' is no IMEI: kept as written, never compared
    assert d.handsets[["phone", "imei", "calls", "other_phones"]].values.tolist() == [["B", "i2", 2, ""]]
    assert pd.isna(d.handsets["handset"].iloc[0]) and "IMEI 'i2' names no handset" in " ".join(d.notes)
    assert d.money[["counterpart", "transfers", "paid_n", "paid", "received_n", "received"]].values.tolist() == [
        ["X3", 1, 1, 1000.0, 0, 0.0], ["X1", 2, 0, 0.0, 2, 300.5]]
    a = dossier(store, "phone:A")  # Ann's phone, seen as the caller and, once, as the callee
    assert a.people["person_id"].tolist() == ["P1"] and a.arrests["case_id"].tolist() == ["K1"]
    assert a.cells[["cell_id", "calls", "as_caller", "as_callee"]].values.tolist() == [["c1", 2, 2, 0],
                                                                                       ["c9", 1, 0, 1]]
    assert a.handsets[["imei", "calls", "as_caller", "as_callee"]].values.tolist() == [["i1", 3, 2, 1]]
    late = dossier(store, "P2", Window.of(since="2024-02-01", tz="UTC"))
    assert late.contacts["contact"].tolist() == ["C"] and late.money["counterpart"].tolist() == ["X3"]
    # E, seen only as a callee, and F share a handset written two ways
    e = dossier(store, "E")
    assert e.notes == ["phone:E: no holder on record"]
    assert e.handsets[["imei", "handset", "as_callee", "other_phones"]].values.tolist() == [
        ["356938035643809", "35693803564380", 1, "F"]]
    assert dossier(store, "F").handsets["other_phones"].tolist() == ["E"]
    x1 = dossier(store, "X1")  # an account: its holder, and the money it paid
    assert (x1.id, x1.phones, x1.accounts) == ("account:X1", [], ["X1"])
    assert x1.people["person_id"].tolist() == ["P1"] and x1.contacts.empty and x1.handsets.empty
    assert x1.money[["counterpart", "paid_n", "paid", "held_by"]].values.tolist() == [["X2", 2, 300.5, "Bob (P2)"]]
    with pytest.raises(NodeNotFound):
        dossier(store, "Q9")
