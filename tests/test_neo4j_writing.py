"""How Neo4jStore writes, against the real server: batching, concurrent writers, records that
exist already, a connection lost or a node deleted during a load, errors and credentials.

The store is given the official driver to the test server wrapped in :class:`RecordingDriver`,
which notes each named query on its way to the server; the server answers every query sent.
Where a test needs a failure, the wrapper drops the connection before a named query (as a server
going away would) or another session deletes a node during the load.
"""

from __future__ import annotations

import dataclasses
import os
import threading

import neo4j
import numpy as np
import pandas as pd
import pytest

from netinv.adapters import read_records
from netinv.errors import QueryError, StoreError, StoreUnavailable
from netinv.store.cypher import QueryBook, default_book
from netinv.store.neo4j import Neo4jStore, _redact

from .conftest import neo4j_test_uri, open_test_store, write_csv


class RecordingDriver:
    """The official driver to the test server, noting each named query (name, parameters) before
    it is sent.  ``before(name, params, n)``, where given, runs first (``n``: how many times that
    query was sent before) and may raise, as the driver would on a dropped connection."""

    def __init__(self, before=None):
        self.real = neo4j.GraphDatabase.driver(
            neo4j_test_uri(), auth=(os.environ.get("NETINV_NEO4J_USER", "neo4j"), os.environ["NETINV_NEO4J_PASSWORD"]))
        self.calls: list[tuple[str, dict]] = []
        self.before = before
        self._lock = threading.Lock()
        self.by_text = {q.text: q.name for q in default_book().values()}

    def _note(self, text: str, params: dict) -> None:
        name = self.by_text.get(text, "?")
        with self._lock:
            n = sum(1 for c in self.calls if c[0] == name)
            self.calls.append((name, params))
        if self.before:
            self.before(name, params, n)

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]

    def sent(self, name: str) -> list[dict]:
        return [p for n, p in self.calls if n == name]

    def verify_connectivity(self):
        self.real.verify_connectivity()

    def execute_query(self, text, params, **kw):
        self._note(text, params)
        return self.real.execute_query(text, params, **kw)

    def session(self, **kw):
        driver, real = self, self.real.session(**kw)

        class Session:
            def __enter__(self):
                return self

            def __exit__(self, *a):
                real.close()
                return False

            def run(self, text, params=None):
                driver._note(text, params or {})
                return real.run(text, params)

        return Session()

    def close(self):
        self.real.close()


@pytest.fixture
def clean(tmp_path):
    """An empty test database (the tests below open their own stores on it)."""
    open_test_store("neo4j", tmp_path).close()


def recorded(before=None, batch_size=10, writers=1) -> tuple[Neo4jStore, RecordingDriver]:
    d = RecordingDriver(before)
    return Neo4jStore(neo4j_test_uri(), driver=d, batch_size=batch_size, writers=writers), d


@pytest.fixture
def calls_batch(tmp_path):
    lines = ["caller,callee,start,duration_s"]
    for i in range(25):
        pair = ("A", "B") if i < 12 else ("A", "C") if i < 20 else ("D", "B")
        lines.append(f"{pair[0]},{pair[1]},2024-01-01T00:{i:02d}:00Z,{i}")
    f = write_csv(tmp_path / "c.csv", "\n".join(lines) + "\n")
    return read_records("calls", [f], raw_ids=True)


def batch_sizes(d: RecordingDriver, name: str = "create_calls_new") -> list[int]:
    return [sum(len(pair[2]) for pair in p["pairs"]) for p in d.sent(name)]


@pytest.mark.neo4j
def test_schema_first_then_batched_pairs(clean, calls_batch):
    st, d = recorded()
    assert d.names()[0] == "create_phone_key" and "await_indexes" in d.names()
    d.calls.clear()
    res = st.write(calls_batch)
    names = d.names()
    assert names[0] == "create_load" and names[-1] == "finish_load"
    sizes = batch_sizes(d)
    assert sum(sizes) == 25 and all(s <= 20 for s in sizes)
    for b in d.sent("create_calls_new"):
        keys = [(p[0], p[1]) for p in b["pairs"]]
        assert len(keys) == len(set(keys)), "a pair appears once per batch"
        assert set(b) == {"pairs", "load_id"}
        for p in b["pairs"]:
            for r in p[2]:
                assert len(r) == 9 and len(r[0]) == 64 and isinstance(r[1], int) and len(r[8]) == 1
    assert res.records_new == 25 and res.provenance_new == 25
    assert st.counts()["calls"] == 25 and len(st.provenance()) == 25
    st.close()


@pytest.mark.neo4j
def test_a_large_pair_is_split_across_batches(clean, tmp_path):
    lines = ["caller,callee,start,duration_s"] + [f"A,B,2024-01-01T00:00:{i:02d}Z,1" for i in range(25)]
    batch = read_records("calls", [write_csv(tmp_path / "c.csv", "\n".join(lines) + "\n")], raw_ids=True)
    st, d = recorded()
    st.write(batch)
    assert batch_sizes(d) == [10, 10, 5] and st.counts()["calls"] == 25
    st.close()


@pytest.mark.neo4j
def test_existing_records_fall_back_to_the_checked_path(clean, calls_batch):
    st, d = recorded()
    st.write(calls_batch)
    d.calls.clear()
    res = st.write(calls_batch)  # the server refuses the first batch: its records exist
    names = d.names()
    assert names.count("create_calls_new") == 1  # once refused, the rest go straight to the checked path
    assert names.count("create_calls") == 3 and names.count("append_call_provenance") == 3
    assert res.records_new == 0 and res.records_existing == 25 and res.provenance_new == 0
    assert st.counts()["calls"] == 25 and len(st.provenance()) == 25
    st.close()


@pytest.mark.neo4j
def test_concurrent_writers_write_every_batch_once(clean, calls_batch):
    st, d = recorded(batch_size=3, writers=2)
    res = st.write(calls_batch)
    ids = [r[0] for b in d.sent("create_calls_new") for p in b["pairs"] for r in p[2]]
    assert len(d.sent("create_calls_new")) == 8 and len(ids) == 25 and len(set(ids)) == 25
    assert res.records_new == 25 and d.names()[-1] == "finish_load"
    assert st.counts()["calls"] == 25 and set(st.records("calls")["record_id"]) == set(ids)
    st.close()


@pytest.mark.neo4j
def test_writers_come_from_the_environment(clean, monkeypatch):
    def writers():
        st = Neo4jStore(neo4j_test_uri())
        st.close()
        return st.writers

    monkeypatch.delenv("NETINV_NEO4J_WRITERS", raising=False)
    assert writers() == 2
    monkeypatch.setenv("NETINV_NEO4J_WRITERS", "4")
    assert writers() == 4
    monkeypatch.setenv("NETINV_NEO4J_WRITERS", "two")
    with pytest.raises(StoreError, match="NETINV_NEO4J_WRITERS must be a whole number"):
        writers()


@pytest.mark.neo4j
def test_a_connection_lost_during_a_load_stops_it_and_loading_again_completes_it(clean, calls_batch):
    def drop_third(name, params, n):
        if name == "create_calls_new" and n == 2:
            raise neo4j.exceptions.ServiceUnavailable("connection lost")

    st, d = recorded(drop_third, batch_size=2, writers=2)
    with pytest.raises(StoreUnavailable, match="lost the connection .* run the same command again"):
        st.write(calls_batch)
    assert len(d.sent("create_calls_new")) < 13  # the batches after the failure are not sent
    assert "finish_load" not in d.names()
    assert 0 < st.counts()["calls"] < 25
    st.close()
    again = Neo4jStore(neo4j_test_uri())
    again.write(calls_batch)  # as the message says: the same load again completes it, without duplicates
    assert again.counts()["calls"] == 25 and len(again.provenance()) == 25
    again.close()


@pytest.mark.neo4j
def test_a_node_deleted_during_a_load_undoes_the_load(clean, calls_batch):
    # another session deletes the phone D after this load created it and before its calls are
    # written: the server writes no call from D, and the load undoes what it wrote
    def delete_d(name, params, n):
        if name == "create_calls_new" and n == 0:
            d.real.execute_query("MATCH (p:Phone {number: $n}) DETACH DELETE p", {"n": "D"})

    st, d = recorded(delete_d)
    with pytest.raises(StoreError, match="failed and was undone: 5 record.s. of a batch could not be written"):
        st.write(calls_batch)
    assert "mark_load_undone" in d.names() and "finish_load" not in d.names()
    assert st.counts()["calls"] == 0 and len(st.provenance()) == 0
    assert st.loads()["status"].tolist() == ["undone"]
    st.close()


def warn_retried(error=None):
    """The driver's warning, as it logs it when the server fails a transaction with a transient error
    (two concurrent writers locking the same nodes) and it runs the transaction again."""
    import logging

    error = error or neo4j.exceptions.TransientError._hydrate_neo4j(
        code="Neo.TransientError.Transaction.DeadlockDetected", message="deadlock detected")
    logging.getLogger("neo4j.session").warning("Transaction failed and will be retried in %ss (%s)", 0.9, error)


def retried_at(times: int):
    """A ``before`` hook: the driver's retry warning at each of the first ``times`` create_calls_new."""
    def before(name, params, n):
        if name == "create_calls_new" and n < times:
            warn_retried()
    return before


@pytest.mark.neo4j
def test_transactions_the_driver_ran_again_are_noted_not_printed(clean, calls_batch, caplog):
    # a load counts the driver's retry warnings into its notes instead of printing them across the progress
    st, d = recorded(retried_at(2), writers=2)
    res = st.write(calls_batch)
    assert res.notes == ["2 write transaction(s) failed on a transient server error and were run again "
                         "(Neo.TransientError.Transaction.DeadlockDetected ×2); nothing is lost or written twice "
                         "(NETINV_NEO4J_WRITERS=1 writes without concurrent transactions)"]
    assert not any("will be retried" in r.getMessage() for r in caplog.records)
    # outside a load, the driver logs as it would (another program's use of it in the same process)
    warn_retried("x")
    assert [r.getMessage() for r in caplog.records] == ["Transaction failed and will be retried in 0.9s (x)"]
    st.write(calls_batch)  # a later load notes only its own
    assert st.write(calls_batch).notes == [] and st.counts()["calls"] == 25
    st.close()


@pytest.mark.neo4j
def test_a_push_notes_the_transactions_the_driver_ran_again(clean, calls_batch, tmp_path, caplog):
    from netinv.store import EmbeddedStore
    from netinv.workflow import push

    ws = EmbeddedStore(tmp_path / "ws.duckdb")
    ws.write(calls_batch)
    st, d = recorded(retried_at(1))
    notes: list[str] = []
    assert push(ws, st, notes=notes)["calls"] == 25 and st.counts()["calls"] == 25
    assert notes == ["1 write transaction(s) failed on a transient server error and were run again "
                     "(Neo.TransientError.Transaction.DeadlockDetected ×1); nothing is lost or written twice "
                     "(NETINV_NEO4J_WRITERS=1 writes without concurrent transactions)"]
    assert not caplog.records
    ws.close()
    st.close()


@pytest.mark.neo4j
def test_a_query_the_server_refuses_names_the_query_and_its_file(clean):
    book = QueryBook(default_book())
    book["count_records"] = dataclasses.replace(book["count_records"], text="MATCH (n RETURN n")
    st = Neo4jStore(neo4j_test_uri(), queries=book)
    with pytest.raises(QueryError, match=r"count_records \(read.cypher:\d+\): Neo.ClientError.Statement.SyntaxError"):
        st.counts()
    st.close()


@pytest.mark.neo4j
def test_credentials_never_leave_the_store(clean, monkeypatch):
    uri = neo4j_test_uri()
    with_user = uri.replace("://", "://alice:hunter2@", 1)
    with pytest.raises(StoreUnavailable, match="carries a user name or password") as e:
        Neo4jStore(with_user)
    assert "hunter2" not in str(e.value) and "alice" not in str(e.value) and e.value.__cause__ is None
    monkeypatch.delenv("NETINV_NEO4J_PASSWORD", raising=False)
    with pytest.raises(StoreUnavailable, match="set NETINV_NEO4J_PASSWORD"):
        Neo4jStore(uri)
    assert _redact("neo4j://u:p@h:1/x?y=z") == "neo4j://h:1/x"


@pytest.mark.neo4j
def test_parameters_are_exactly_the_declared_ones(clean, calls_batch):
    book = default_book()
    st, d = recorded()
    st.write(calls_batch)
    assert d.calls and "?" not in d.names()
    for name, params in d.calls:
        assert set(params) == book[name].params, name
    st.close()


@pytest.mark.neo4j
def test_holders_rows_as_maps(clean, tmp_path):
    f = write_csv(tmp_path / "h.csv", "person_id,name,phone,account\nP1,Ann,A,X1\nP2,Bob,B,\n")
    st, d = recorded()
    res = st.write(read_records("holders", [f], raw_ids=True))
    phones = d.sent("create_holder_phones")[0]["rows"]
    assert {r["person_id"] for r in phones} == {"P1", "P2"}
    assert res.records_new == 2  # P1's account rides on the same record as its phone
    assert pd.Series([r["prov_keys"][0].count("|") for r in phones]).eq(2).all()
    held = st.holdings()
    assert set(zip(held["person_id"], held["kind"], held["value"])) >= {("P1", "phone", "A"), ("P1", "account", "X1"),
                                                                       ("P2", "phone", "B")}
    st.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_provenance_lists_give_each_record_its_entries_in_order(seed):
    # a record read from two files carries two entries; some records have none, some entries name
    # records not written: each record gets its own entries, in the frame's order (as a loop gives)
    from netinv.store.neo4j_write import Neo4jWriting, provenance_entries

    rng = np.random.default_rng(seed)
    records = pd.Series([f"r{i}" for i in range(300)], dtype="string")
    ids = rng.choice(330, 500)
    prov = pd.DataFrame({"record_id": pd.Series([f"r{i}" for i in ids], dtype="string"),
                         "file_sha256": [f"f{i % 3}" for i in range(500)], "row": np.arange(500),
                         "row_sha256": "h", "load_id": "L1"})
    prefix, entries = provenance_entries(prov)
    by_id: dict = {}
    for rid, entry, key in zip(prov["record_id"], entries, prefix):
        by_id.setdefault(rid, ([], []))
        by_id[rid][0].append(entry)
        by_id[rid][1].append(key)
    got = Neo4jWriting._provenance_lists(records, prov, None)
    assert got == ([by_id.get(r, ([], []))[0] for r in records], [by_id.get(r, ([], []))[1] for r in records])
    assert max(map(len, got[0])) > 1 and min(map(len, got[0])) == 0
