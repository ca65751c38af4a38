"""The offline bulk route: `netinv import-files` + `scripts/neo4j-local import`, on the real server.

The imported database must read back exactly like the workspace it came from, hold the same graph
(labels, types, property keys) as `netinv push` builds, take later Bolt loads idempotently, and
refuse bad input without dropping a row.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from typer.testing import CliRunner

from netinv.cli import app
from netinv.errors import StoreError
from netinv.store.neo4j import Neo4jStore
from netinv.store.neo4j_bulk import write_import_files
from netinv.workflow import load_generated, push

from .conftest import assert_same_network, neo4j_local, open_test_store

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def _shape(st: Neo4jStore) -> dict:
    """Per label and relationship type: how many, and which property keys they carry."""
    out = {}
    with st.driver.session(database=st.database) as s:
        for r in s.run("MATCH (n) UNWIND labels(n) AS l UNWIND (CASE WHEN size(keys(n)) = 0 THEN [null] "
                       "ELSE keys(n) END) AS k RETURN l, k, count(*) AS n"):
            out[("node", r["l"], r["k"])] = r["n"]
        for r in s.run("MATCH ()-[x]->() UNWIND (CASE WHEN size(keys(x)) = 0 THEN [null] ELSE keys(x) END) AS k "
                       "RETURN type(x) AS t, k, count(*) AS n"):
            out[("rel", r["t"], r["k"])] = r["n"]
    return out


def _import(folder) -> None:
    r = neo4j_local("import", str(folder), "--replace-database", check=False)
    assert r.returncode == 0, r.stderr[-3000:]


def test_bulk_import_reads_back_like_the_workspace_and_like_a_push(tmp_path, embedded, small_case):
    st = open_test_store("neo4j", tmp_path)  # skips or fails as the environment says
    st.close()
    load_generated(small_case.path, embedded, authority="Warrant 12/2024")
    people = embedded.persons()["person_id"].tolist()
    embedded.undo_decision(embedded.record_decision(people[0], people[1], True, by="analyst A"))
    embedded.record_decision(people[0], people[2], False, note="different faces")
    embedded.record_number_decision("phone:" + embedded.records("calls")["caller"].iloc[0], False, by="analyst B")
    r = CliRunner().invoke(app, ["import-files", "--out", str(tmp_path / "imp"), "--store",
                                 f"embedded:{embedded.path}"])
    assert r.exit_code == 0, r.output
    assert "scripts/neo4j-local import" in r.output
    _import(tmp_path / "imp")

    neo = Neo4jStore(os.environ["NETINV_TEST_NEO4J_URI"])  # creates the constraints on the imported data
    try:
        assert neo.counts() == embedded.counts()
        for kind in ("calls", "transfers", "holders", "arrests"):
            a = embedded.records(kind).sort_values("record_id").reset_index(drop=True)
            b = neo.records(kind).sort_values("record_id").reset_index(drop=True)
            pd.testing.assert_frame_equal(b[a.columns], a, check_dtype=False)
        cols = ["record_id", "kind", "path", "file_sha256", "row", "row_sha256", "load_id", "authority"]
        pd.testing.assert_frame_equal(neo.provenance()[cols], embedded.provenance()[cols])
        assert_same_network(neo, embedded)
        pd.testing.assert_frame_equal(neo.decisions(active=False), embedded.decisions(active=False),
                                      check_dtype=False)
        pd.testing.assert_frame_equal(neo.number_decisions(active=False), embedded.number_decisions(active=False))
        la, lb = neo.loads(), embedded.loads()
        for c in ("load_id", "kind", "started_at", "finished_at", "authority", "records_new", "provenance_new"):
            assert la[c].tolist() == lb[c].tolist(), c
        pd.testing.assert_frame_equal(neo.sources()[["path", "file_sha256", "rows", "accepted", "load_id"]],
                                      embedded.sources()[["path", "file_sha256", "rows", "accepted", "load_id"]],
                                      check_dtype=False)
        imported = _shape(neo)

        # the same files loaded again over Bolt: nothing new (the records are keyed by record_id)
        before = neo.counts()
        results = load_generated(small_case.path, neo)
        assert sum(res.records_new for res in results) == 0
        assert sum(res.provenance_new for res in results) == 0
        assert neo.counts() == before

        # the same graph as netinv push builds: labels, types and property keys, with their counts
        neo.clear_all(confirm=True)
        push(embedded, neo)
        pushed = _shape(neo)
        imported = {k: v for k, v in imported.items() if k[1] != "Load"}  # the reload above added Loads
        assert imported == {k: v for k, v in pushed.items() if k[1] != "Load"}
    finally:
        neo.clear_all(confirm=True)
        neo.close()


def test_bulk_import_refuses_bad_input_and_drops_nothing(tmp_path, embedded, small_case):
    st = open_test_store("neo4j", tmp_path)
    st.close()
    load_generated(small_case.path, embedded)
    folder = tmp_path / "imp"
    write_import_files(embedded, folder)
    with pytest.raises(StoreError, match="not empty"):
        write_import_files(embedded, folder)

    r = neo4j_local("import", str(folder), check=False)  # no confirmation: nothing happens
    assert r.returncode == 1 and "--replace-database" in r.stderr
    (folder / "import.args").write_text("--nodes=Phone=../../etc/passwd\n")
    r = neo4j_local("import", str(folder), "--replace-database", check=False)
    assert r.returncode == 1 and "import.args:1" in r.stderr
    Neo4jStore(os.environ["NETINV_TEST_NEO4J_URI"]).close()  # still running: refused before stopping

    # a good import, then one with a call to a phone that is in no node file: the second fails (it
    # does not skip the row) and leaves the database as the first one left it, server running
    write_import_files(embedded, tmp_path / "good")
    _import(tmp_path / "good")
    with Neo4jStore(os.environ["NETINV_TEST_NEO4J_URI"]) as neo:
        before = neo.counts()
    assert before == embedded.counts()
    files = write_import_files(embedded, tmp_path / "imp2")
    assert "--relationships=CALLED=called.csv" in files.args
    calls = tmp_path / "imp2" / "called.csv"
    lines = calls.read_text(encoding="utf-8").splitlines()
    lines[1] = '"+8600000000000"' + lines[1][lines[1].index(","):]
    calls.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = neo4j_local("import", str(tmp_path / "imp2"), "--replace-database", check=False)
    assert r.returncode == 1
    assert "import failed" in r.stderr and "the database is unchanged" in r.stderr and "+8600000000000" in r.stderr
    with Neo4jStore(os.environ["NETINV_TEST_NEO4J_URI"]) as neo:
        assert neo.counts() == before
        neo.clear_all(confirm=True)
