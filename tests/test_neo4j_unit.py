"""Unit tests of Neo4jStore's batching and error translation with a recording fake driver.

These are in addition to the real-server suites (conformance, failures, GDS), never instead.
"""

from __future__ import annotations

import neo4j
import pandas as pd
import pytest

from netinv.adapters import read_records
from netinv.errors import QueryError, StoreError, StoreUnavailable
from netinv.store.neo4j import Neo4jStore, _redact

from .conftest import write_csv


class Result:
    def __init__(self, records=(), keys=()):
        self.records = list(records)
        self.keys = list(keys)


class FakeDriver:
    """Records every query; answers from a per-query handler (default: an empty result)."""

    def __init__(self, handlers=None, verify_error=None):
        self.calls: list[tuple[str, dict]] = []
        # a collect() query answers one row on a server, also where it found nothing
        self.handlers = {"read_source_keys": lambda params: Result([{"keys": []}]), **(handlers or {})}
        self.verify_error = verify_error
        from netinv.store.cypher import default_book

        self.by_text = {q.text: q.name for q in default_book().values()}

    def verify_connectivity(self):
        if self.verify_error:
            raise self.verify_error

    def execute_query(self, text, params, **kw):
        name = self.by_text.get(text, "?")
        self.calls.append((name, params))
        h = self.handlers.get(name)
        if h is None:
            return Result()
        return h(params)

    def names(self):
        return [c[0] for c in self.calls]

    def session(self, **kw):
        driver = self

        class Session:
            def __enter__(self):
                return self

            def __exit__(self, *a):
                return False

            def run(self, text, params=None):
                driver.calls.append((driver.by_text.get(text, "?"), params or {}))

                class Done:
                    def consume(self):
                        return None

                return Done()

        return Session()

    def close(self):
        pass


def created_all(params):
    n = sum(len(p[2]) for p in params["pairs"])
    entries = sum(len(r[-1]) for p in params["pairs"] for r in p[2])
    return Result([{"created": n, "entries": entries}])


def store(driver, batch_size=10, writers=1):
    return Neo4jStore("bolt://127.0.0.1:1", password="not-printed-secret", driver=driver, batch_size=batch_size,
                      writers=writers)


@pytest.fixture
def calls_batch(tmp_path):
    lines = ["caller,callee,start,duration_s"]
    for i in range(25):
        pair = ("A", "B") if i < 12 else ("A", "C") if i < 20 else ("D", "B")
        lines.append(f"{pair[0]},{pair[1]},2024-01-01T00:{i:02d}:00Z,{i}")
    f = write_csv(tmp_path / "c.csv", "\n".join(lines) + "\n")
    return read_records("calls", [f], raw_ids=True)


def test_schema_first_then_batched_pairs(calls_batch):
    d = FakeDriver({"create_calls_new": created_all})
    st = store(d)
    assert d.names()[0] == "create_phone_key" and "await_indexes" in d.names()
    d.calls.clear()
    res = st.write(calls_batch)
    names = d.names()
    assert names[0] == "create_load" and names[-1] == "finish_load"
    batches = [p for n, p in d.calls if n == "create_calls_new"]
    sizes = [sum(len(pair[2]) for pair in b["pairs"]) for b in batches]
    assert sum(sizes) == 25 and all(s <= 20 for s in sizes)
    for b in batches:
        keys = [(p[0], p[1]) for p in b["pairs"]]
        assert len(keys) == len(set(keys)), "a pair appears once per batch"
        assert set(b) == {"pairs", "load_id"}
        for p in b["pairs"]:
            for r in p[2]:
                assert len(r) == 9 and len(r[0]) == 64 and isinstance(r[1], int) and len(r[8]) == 1
    assert res.records_new == 25 and res.provenance_new == 25


def test_a_large_pair_is_split_across_batches(tmp_path):
    lines = ["caller,callee,start,duration_s"] + [f"A,B,2024-01-01T00:00:{i:02d}Z,1" for i in range(25)]
    batch = read_records("calls", [write_csv(tmp_path / "c.csv", "\n".join(lines) + "\n")], raw_ids=True)
    d = FakeDriver({"create_calls_new": created_all})
    store(d).write(batch)
    sizes = [sum(len(p[2]) for p in params["pairs"]) for n, params in d.calls if n == "create_calls_new"]
    assert sizes == [10, 10, 5]


def test_existing_records_fall_back_to_the_checked_path(calls_batch):
    def conflict(params):
        raise neo4j.exceptions.ClientError._hydrate_neo4j(
            code="Neo.ClientError.Schema.ConstraintValidationFailed", message="already exists")

    d = FakeDriver({
        "create_calls_new": conflict,
        "create_calls": lambda p: Result([{"created": 0, "entries": 0}]),
        "append_call_provenance": lambda p: Result([{"found": len(p["rows"]), "appended": 0}]),
    })
    res = store(d).write(calls_batch)
    names = d.names()
    assert names.count("create_calls_new") == 1  # once refused, the rest go straight to the checked path
    assert names.count("create_calls") == 3 and names.count("append_call_provenance") == 3
    assert res.records_new == 0 and res.records_existing == 25


def test_concurrent_writers_write_every_batch_once(calls_batch):
    d = FakeDriver({"create_calls_new": created_all})
    res = store(d, batch_size=3, writers=2).write(calls_batch)
    batches = [p for n, p in d.calls if n == "create_calls_new"]
    ids = [r[0] for b in batches for p in b["pairs"] for r in p[2]]
    assert len(batches) == 8 and len(ids) == 25 and len(set(ids)) == 25
    assert res.records_new == 25 and d.names()[-1] == "finish_load"


def test_writers_come_from_the_environment(monkeypatch):
    def make():
        return Neo4jStore("bolt://127.0.0.1:1", password="x", driver=FakeDriver())

    monkeypatch.delenv("NETINV_NEO4J_WRITERS", raising=False)
    assert make().writers == 2
    monkeypatch.setenv("NETINV_NEO4J_WRITERS", "4")
    assert make().writers == 4
    monkeypatch.setenv("NETINV_NEO4J_WRITERS", "two")
    with pytest.raises(StoreError, match="NETINV_NEO4J_WRITERS must be a whole number"):
        make()


def test_a_failing_concurrent_batch_stops_the_load(calls_batch):
    seen = []

    def fail_third(params):
        seen.append(1)
        if len(seen) == 3:
            raise neo4j.exceptions.ServiceUnavailable("connection lost")
        return created_all(params)

    d = FakeDriver({"create_calls_new": fail_third})
    with pytest.raises(StoreUnavailable, match="lost the connection"):
        store(d, batch_size=2, writers=2).write(calls_batch)
    assert d.names().count("create_calls_new") < 13  # the batches after the failure are not sent
    assert "finish_load" not in d.names()


def test_unwritable_records_undo_the_load(calls_batch):
    d = FakeDriver({"create_calls_new": lambda p: Result([{"created": 3, "entries": 3}]),
                    "append_call_provenance": lambda p: Result([{"found": 3, "appended": 0}])})
    with pytest.raises(StoreError, match="failed and was undone: .* could not be written"):
        store(d).write(calls_batch)
    assert "mark_load_undone" in d.names() and "finish_load" not in d.names()


def test_error_translation():
    with pytest.raises(StoreUnavailable, match="is the server running"):
        store(FakeDriver(verify_error=neo4j.exceptions.ServiceUnavailable("refused")))
    with pytest.raises(StoreUnavailable, match="refused the credentials") as e:
        store(FakeDriver(verify_error=neo4j.exceptions.AuthError("bad")))
    assert "not-printed-secret" not in str(e.value)

    def boom(params):
        raise neo4j.exceptions.ClientError._hydrate_neo4j(code="Neo.ClientError.Statement.SyntaxError",
                                                          message="bad syntax")

    d = FakeDriver({"count_records": boom})
    with pytest.raises(QueryError, match=r"count_records \(read.cypher:\d+\): Neo.ClientError.Statement.SyntaxError"):
        store(d).counts()

    def gone(params):
        raise neo4j.exceptions.ServiceUnavailable("connection lost")

    d = FakeDriver({"create_calls_new": gone})
    with pytest.raises(StoreUnavailable, match="run the same command again"):
        store(d).write(_tiny_batch())


def _tiny_batch():
    import tempfile
    from pathlib import Path

    d = Path(tempfile.mkdtemp())
    f = write_csv(d / "c.csv", "caller,callee,start,duration_s\nA,B,2024-01-01T00:00:00Z,1\n")
    return read_records("calls", [f], raw_ids=True)


def test_credentials_never_leave_the_store(monkeypatch):
    monkeypatch.delenv("NETINV_NEO4J_PASSWORD", raising=False)
    with pytest.raises(StoreUnavailable, match="set NETINV_NEO4J_PASSWORD"):
        Neo4jStore("bolt://127.0.0.1:1", driver=FakeDriver())
    st = Neo4jStore("bolt://alice:hunter2@db.example:7687", password="hunter2", driver=FakeDriver())
    assert "hunter2" not in st.uri and "hunter2" not in repr(st) and "alice" not in st.uri
    assert _redact("neo4j://u:p@h:1/x?y=z") == "neo4j://h:1/x"


def test_parameters_are_exactly_the_declared_ones(calls_batch):
    from netinv.store.cypher import default_book

    book = default_book()
    d = FakeDriver({"create_calls_new": created_all})
    store(d).write(calls_batch)
    for name, params in d.calls:
        assert set(params) == book[name].params, name


def test_holders_rows_as_maps(tmp_path):
    f = write_csv(tmp_path / "h.csv", "person_id,name,phone,account\nP1,Ann,A,X1\nP2,Bob,B,\n")
    batch = read_records("holders", [f], raw_ids=True)

    def created(params):
        return Result([{"created": len(params["rows"]), "entries": sum(len(r["provenance"]) for r in params["rows"])}])

    d = FakeDriver({"create_holder_phones": created, "create_holder_accounts": created})
    res = store(d).write(batch)
    phones = [p for n, p in d.calls if n == "create_holder_phones"][0]["rows"]
    assert {r["person_id"] for r in phones} == {"P1", "P2"}
    assert res.records_new == 2  # P1's account rides on the same record as its phone
    assert pd.Series([r["prov_keys"][0].count("|") for r in phones]).eq(2).all()


@pytest.mark.parametrize("seed", [1, 2])
def test_provenance_lists_give_each_record_its_entries_in_order(seed):
    # a record read from two files carries two entries; some records have none, some entries name
    # records not written: each record gets its own entries, in the frame's order (as a loop gives)
    import numpy as np

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
