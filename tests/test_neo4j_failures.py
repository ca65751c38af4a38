"""Failure behaviour against the real server: not running, wrong password, killed during a load."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest
from typer.testing import CliRunner

from netinv.cli import app
from netinv.errors import StoreUnavailable
from netinv.store import EmbeddedStore
from netinv.store.neo4j import Neo4jStore
from netinv.synth import generate
from netinv.workflow import load_files

from .conftest import neo4j_home, neo4j_local, open_test_store

pytestmark = pytest.mark.neo4j


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_not_running_is_a_one_line_error(monkeypatch):
    monkeypatch.setenv("NETINV_NEO4J_PASSWORD", "whatever")
    uri = f"bolt://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable, match="is the server running"):
        Neo4jStore(uri)
    r = CliRunner().invoke(app, ["status", "--store", uri])
    assert r.exit_code == 1
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach Neo4j")


def test_wrong_password(tmp_path):
    st = open_test_store("neo4j", tmp_path)  # skips or fails as the environment says
    st.close()
    uri = os.environ["NETINV_TEST_NEO4J_URI"]
    # another user name, so that the real user is not locked out by failed attempts
    with pytest.raises(StoreUnavailable, match="refused the credentials") as e:
        Neo4jStore(uri, user="nobody", password="wrong-password-123")
    assert "wrong-password-123" not in str(e.value)


@pytest.mark.slow
def test_killed_during_a_load_then_loaded_again_equals_a_clean_load(tmp_path):
    st = open_test_store("neo4j", tmp_path)
    case = generate(tmp_path / "case", seed=21, people=200, target_calls=80_000)
    files = [case.path / f for f in case.manifest["loads"][2]["files"]]
    clean = EmbeddedStore(tmp_path / "clean.duckdb")
    load_files(clean, "calls", files, profile="cdr-cn")
    expected = {k: v for k, v in clean.counts().items() if k in ("calls", "phones", "devices", "provenance")}

    st.batch_size = 5000
    outcome: dict = {}

    def run():
        try:
            load_files(st, "calls", files, profile="cdr-cn")
            outcome["ok"] = True
        except Exception as e:  # noqa: BLE001 - the test inspects it
            outcome["error"] = e

    t = threading.Thread(target=run)
    t.start()
    probe = Neo4jStore(os.environ["NETINV_TEST_NEO4J_URI"])
    deadline = time.time() + 300
    while time.time() < deadline and "ok" not in outcome:
        if probe.counts()["calls"] >= 15_000:
            break
        time.sleep(0.2)
    probe.close()
    pid = int(open(os.path.join(neo4j_home(), "run", "netinv-neo4j.pid")).read())
    os.kill(pid, signal.SIGKILL)
    t.join(120)
    assert "error" in outcome, "the load should have been cut off"
    assert isinstance(outcome["error"], StoreUnavailable)
    assert "run the same command again" in str(outcome["error"])
    st.close()

    neo4j_local("start")
    st = Neo4jStore(os.environ["NETINV_TEST_NEO4J_URI"])
    try:
        partial = st.counts()["calls"]
        assert 0 < partial < expected["calls"]
        assert (st.loads()["status"] == "running").sum() == 1  # the cut-off load shows in the audit log
        result, _ = load_files(st, "calls", files, profile="cdr-cn")
        assert result.records_new == expected["calls"] - partial
        got = st.counts()
        assert {k: got[k] for k in expected} == expected
        edges = st.layer_edges("calls")
        assert edges["count"].sum() == expected["calls"]
        assert edges.equals(clean.layer_edges("calls"))
    finally:
        st.clear_all(confirm=True)
        st.close()
        clean.close()
