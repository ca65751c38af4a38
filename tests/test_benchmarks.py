"""The benchmarks run as the README gives them, on small cases.

Each script in ``benchmarks/`` runs in its own process, as a user runs it, with its cases and
results in a temporary folder (``NETINV_BENCH_CACHE``, ``NETINV_BENCH_RESULTS``), and must write
its results with every figure it reports.  The figures themselves are not checked here: they are
measured on the full-size cases (README, docs/performance.md), never asserted in a test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT, chromium_or_skip, dataset, neo4j_test_uri

pytestmark = pytest.mark.slow

BENCH = ROOT / "benchmarks"
# a small analysis case: about 20,000 calls among 300 people and 3,000 ordinary callers
SMALL_CASE = ["--calls", "20000", "--people", "300", "--background", "3000", "--seed", "5"]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """Run a benchmark script with its cache and results in one temporary folder; returns its results."""
    base = tmp_path_factory.mktemp("bench")
    env = {**os.environ, "NETINV_BENCH_CACHE": str(base / "cache"), "NETINV_BENCH_RESULTS": str(base / "results")}

    def run(script: str, *args: str, result: str, neo4j: str | None = None) -> dict:
        extra = {"NETINV_NEO4J_URI": neo4j} if neo4j else {}
        p = subprocess.run([sys.executable, str(BENCH / script), *args], cwd=ROOT, env={**env, **extra},
                           capture_output=True, text=True, timeout=900)
        assert p.returncode == 0, f"{script} {' '.join(args)} failed:\n{p.stderr[-4000:]}"
        path = base / "results" / f"{result}.json"
        assert path.exists(), f"{script} wrote no {path.name}:\n{p.stderr[-2000:]}"
        return json.loads(path.read_text(encoding="utf-8"))

    return run


def _positive(d: dict, *keys: str) -> None:
    for k in keys:
        assert isinstance(d[k], (int, float)) and d[k] > 0, (k, d[k])


def test_bench_analysis(bench):
    out = bench("bench_analysis.py", *SMALL_CASE, result="analysis")
    res = out["results"]
    assert set(res) == {"pagerank", "leiden", "betweenness_sampled", "expand_10_seeds", "upstream_10_seeds",
                        "routes_k5"}
    for name, r in res.items():
        _positive(r, "netinv_s")
    for name in ("pagerank", "leiden", "betweenness_sampled", "routes_k5"):
        _positive(res[name], "networkx_s")
        assert out["ratios_networkx_over_netinv"][name] > 0
    assert res["routes_k5"]["routes"] == 5 and res["upstream_10_seeds"]["candidates"] > 0
    # the same ranking of the same graph, up to networkx's looser stopping rule (L1 error ~0.06 at full size)
    assert res["pagerank"]["networkx_l1_error"] < 0.1
    assert out["suite_speedup_where_compared"] > 0 and out["nodes"] > 1000


def test_bench_network_and_report(bench):
    net = bench("bench_network.py", *SMALL_CASE, result="network")
    steps = [r["step"] for r in net["rows"]]
    assert steps[:3] == ["person resolution", "network, phone level", "network, person level"]
    assert all(r["seconds"] >= 0 for r in net["rows"]) and all(r["nodes"] > 0 for r in net["rows"] if "nodes" in r)
    report = bench("bench_report.py", *SMALL_CASE, result="report")
    assert len(report["rows"]) >= 5 and report["total_seconds"] > 0


def test_bench_successors(bench):
    out = bench("bench_successors.py", *SMALL_CASE, "--repeat", "1", result="successors")
    steps = [r["step"] for r in out["rows"]]
    assert steps[0].startswith("read ") and steps[1:5] == [
        "successors, every phone", "successors, quiet only", "successors, high-volume numbers left out",
        "successors, the same, top=1"]
    assert any(s.startswith("dossier of ") for s in steps), steps
    assert all(len(r["seconds"]) == 1 and r["seconds"][0] >= 0 for r in out["rows"])


def test_bench_load_then_linkage(bench):
    load = bench("bench_load.py", "--calls", "20000", "--people", "100", result="load")
    assert load["netinv"]["records"] == load["baseline_pandas_text_into_duckdb"]["records"] > 15_000
    _positive(load["netinv"], "total_s", "peak_rss_mib")
    link = bench("bench_linkage.py", "--records", "2000", result="linkage")  # reads bench_load's workspace
    _positive(link["resolution"], "wall_s")
    assert link["successors"]["calls"] == load["netinv"]["records"]


def test_bench_betweenness(bench, tmp_path):
    # the first 5,000 transfers of the AMLSim 20K simulation, in its own format
    src = dataset("amlsim_ibm_sample", "20K_fanin200cycle200", "transactions.csv")
    with open(src, encoding="utf-8") as f:
        head = [next(f) for _ in range(5001)]
    (tmp_path / "transactions.csv").write_text("".join(head), encoding="utf-8")
    out = bench("bench_betweenness.py", "--pivots", "32", "--seeds", "1", "--data", str(tmp_path),
                result="betweenness")
    for name in ("scaled", "plain"):
        m = out["mean_over_seeds"][name]
        assert 0 <= m["exact_top10_found"] <= 10 and 0 <= m["top100_within_2_se"] <= 1


def test_bench_successor_accuracy(bench):
    out = bench("successor_accuracy.py", "--seeds", "1", "--people", "50", result="successors_accuracy")
    assert len(out["rows"]) == 2 and out["table"].startswith("| people")


@pytest.mark.browser
def test_bench_view(bench):
    chromium_or_skip()  # the benchmark finds it as the suite does (NETINV_CHROMIUM, else on PATH)
    out = bench("bench_view.py", "--people", "200", result="view")
    assert out["nodes_drawn"] > 0 and not out["errors"] and out["browser_stable_ms"] > 0


@pytest.fixture
def neo4j_uri() -> str:
    return neo4j_test_uri()


@pytest.mark.neo4j
def test_bench_neo4j(bench, neo4j_uri):
    # both routes; the bulk one replaces the test server's database and restarts it on its ports
    out = bench("bench_neo4j.py", "--calls", "5000", "--people", "50", "--batch", "1000", result="neo4j-5000",
                neo4j=neo4j_uri)
    assert out["neo4j_counts_after"]["calls"] == out["calls"] == out["records_new"] > 3000
    assert out["bulk_counts_after"] == out["neo4j_counts_after"]
    _positive(out, "neo4j_write_s", "neo4j_client_share_s", "embedded_write_s", "bulk_total_s")


@pytest.mark.neo4j
def test_bench_neo4j_ceiling(bench, neo4j_uri):
    out = bench("bench_neo4j_ceiling.py", "--rows", "4000", "--batch", "1000", "--phones", "500",
                result="neo4j-ceiling", neo4j=neo4j_uri)
    assert len(out["runs"]) == 6 and all(r["per_s"] > 0 for r in out["runs"])
