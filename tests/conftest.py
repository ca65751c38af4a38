"""Shared fixtures: data paths, workspaces on every store, generated cases.

Store-parametrised tests run once per engine (``embedded`` and ``neo4j``), in the manner of
splink's one-test-every-engine decorator.  The Neo4j engine is the real server started by
``scripts/neo4j-local``; when ``NETINV_TEST_NEO4J_URI`` is not set those tests are skipped,
unless ``NETINV_REQUIRE_NEO4J=1`` (the README's test command sets it), in which case a missing
server is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same examples every run, so that a landing never depends on a random draw;
# run without NETINV_REQUIRE_BROWSER (plain pytest) for fresh random examples.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("NETINV_REQUIRE_BROWSER") == "1" or os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("NETINV_DATASETS", ROOT.parent / "shared" / "datasets"))


def dataset(*parts: str) -> Path:
    p = DATASETS.joinpath(*parts)
    if not p.exists():
        if os.environ.get("NETINV_REQUIRE_DATASETS") == "1":
            pytest.fail(f"dataset missing: {p}")
        pytest.skip(f"dataset not available: {p}")
    return p


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    return DATASETS


def _neo4j_uri() -> str | None:
    return os.environ.get("NETINV_TEST_NEO4J_URI")


def neo4j_test_uri() -> str:
    """The test server's URI; without one the test is skipped (failed under NETINV_REQUIRE_NEO4J=1)."""
    uri = _neo4j_uri()
    if not uri:
        if os.environ.get("NETINV_REQUIRE_NEO4J") == "1":
            pytest.fail("NETINV_REQUIRE_NEO4J=1 but NETINV_TEST_NEO4J_URI is not set (start scripts/neo4j-local)")
        pytest.skip("no Neo4j server (set NETINV_TEST_NEO4J_URI, see scripts/neo4j-local)")
    return uri


STORE_KINDS = ["embedded", "neo4j"]


def open_test_store(kind: str, tmp_path: Path):
    """A fresh, empty store of ``kind``."""
    from netinv.store import EmbeddedStore

    if kind == "embedded":
        return EmbeddedStore(tmp_path / "workspace.duckdb")
    uri = neo4j_test_uri()
    from netinv.store.neo4j import Neo4jStore

    st = Neo4jStore(uri)
    st.clear_all(confirm=True)
    return st


def neo4j_home() -> str:
    return os.environ.get("NETINV_NEO4J_HOME", str(ROOT / ".neo4j"))


def neo4j_local(*args: str, check: bool = True):
    """Run scripts/neo4j-local on the test server's home, keeping its ports across a restart."""
    import subprocess

    env_file = Path(neo4j_home()) / "run.env"
    env = dict(line.split("=", 1) for line in env_file.read_text().split() if "=" in line)
    return subprocess.run([str(ROOT / "scripts" / "neo4j-local"), *args], check=check, capture_output=True, text=True,
                          env={**os.environ, "NETINV_NEO4J_HOME": neo4j_home(),
                               "NETINV_NEO4J_BOLT_PORT": env["BOLT_PORT"], "NETINV_NEO4J_HTTP_PORT": env["HTTP_PORT"]})


def assert_same_network(a, b) -> None:
    """Two stores give the same layer edges, people, holdings and person-level network."""
    import pandas as pd

    for layer in ("calls", "money", "co_arrest"):
        pd.testing.assert_frame_equal(a.layer_edges(layer), b.layer_edges(layer), check_exact=False)
    pd.testing.assert_frame_equal(a.persons(), b.persons())
    pd.testing.assert_frame_equal(a.holdings(), b.holdings())
    na, nb = a.network(level="person"), b.network(level="person")
    pd.testing.assert_frame_equal(na.edges, nb.edges, check_exact=False)
    listed = ["cases", "members"]
    pd.testing.assert_frame_equal(na.nodes.drop(columns=listed), nb.nodes.drop(columns=listed))


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    """An empty store, once per engine."""
    st = open_test_store(request.param, tmp_path)
    yield st
    st.close()


@pytest.fixture
def embedded(tmp_path):
    from netinv.store import EmbeddedStore

    st = EmbeddedStore(tmp_path / "workspace.duckdb")
    yield st
    st.close()


@pytest.fixture(scope="session")
def small_case(tmp_path_factory):
    """A generated 50-person case (seed 11), shared by the whole session; do not modify."""
    from netinv.synth import generate

    out = tmp_path_factory.mktemp("case50")
    return generate(out, seed=11, people=50)


# one call between two investigated phones, as the caller's carrier and as the callee's print it:
# another cell, a second later, a second longer.  15:00:00 and 15:00:01 in A's records are two
# calls (one file never prints a call twice); B's 15:00:01 of 10 s is the first of them (the same
# duration), and its 18:00 call is in B's records only
CARRIER_A = ("caller,callee,start,duration_s,cell_id\n"
             "13800138000,13900139000,2024-03-05 14:03:22,75,A1\n"
             "13800138000,13900139000,2024-03-05 15:00:00,10,A1\n"
             "13800138000,13900139000,2024-03-05 15:00:01,12,A1\n"
             "13800138000,13700137000,2024-03-05 16:00:00,30,A2\n")
CARRIER_B = ("caller,callee,start,duration_s,cell_id\n"
             "13800138000,13900139000,2024-03-05 14:03:23,76,B7\n"
             "13800138000,13900139000,2024-03-05 15:00:01,10,B7\n"
             "13800138000,13900139000,2024-03-05 18:00:00,5,B7\n")


# two phones' call sheets (话单), each row from its own phone's side
SHEET_HEAD = "本机号码,对方号码,呼叫类型,通话起始时间,通话时长,基站,IMEI\n"
SHEET_A = SHEET_HEAD + ("13800138000,13900139000,主叫,2024-03-05 14:03:22,75,A1,860000000000001\n"
                        "13800138000,13600136000,被叫,2024-03-05 15:00:00,20,A1,860000000000001\n")
SHEET_B = SHEET_HEAD + ("13900139000,13800138000,被叫,2024-03-05 14:03:22,75,B7,860000000000009\n"
                        "13900139000,13700137000,呼转,2024-03-05 16:00:00,3,B7,860000000000009\n")


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


ARTIFACTS = Path(os.environ.get("NETINV_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def _chromium() -> str | None:
    import shutil

    return os.environ.get("NETINV_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_or_skip() -> str:
    """Chromium's executable, with Playwright to drive it; without them the test is skipped (failed
    under NETINV_REQUIRE_BROWSER=1)."""
    exe = _chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        exe = None
    if not exe:
        if os.environ.get("NETINV_REQUIRE_BROWSER") == "1":
            pytest.fail("NETINV_REQUIRE_BROWSER=1 but no chromium/playwright found")
        pytest.skip("headless Chromium not available")
    return exe


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's package) driven by Playwright; no network for the pages."""
    exe = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


class PageRun:
    """A page opened from a file, with its console errors, requests and dialogs recorded."""

    def __init__(self, browser, path: Path, viewport=(1400, 900)):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.goto(path.resolve().as_uri())

    @property
    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith("file://")]

    def wait_stable(self, timeout_ms: int = 60_000):
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.netinv-graph')].every(e => e.dataset.status === 'stable')",
            timeout=timeout_ms)

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        out = ARTIFACTS / name
        self.page.screenshot(path=str(out), full_page=full_page)
        return out

    def close(self):
        self.page.close()
