"""Helpers shared by the benchmarks: timing, peak memory of a child process, machine load."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

HERE = Path(__file__).resolve().parent
#: where results are written and generated cases kept; the test of the benchmarks
#: (tests/test_benchmarks.py) points both at a temporary folder
RESULTS = Path(os.environ.get("NETINV_BENCH_RESULTS", HERE / "results"))
CACHE = Path(os.environ.get("NETINV_BENCH_CACHE", HERE / ".cache"))


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run_child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line (with its own peak RSS, via PEAK)."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"})
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{p.stderr[-4000:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["wall_s"] = round(wall, 2)
    return out


PEAK = "import resource as _r; _peak = lambda: round(_r.getrusage(_r.RUSAGE_SELF).ru_maxrss / 1024, 1)\n"


def analysis_case_parser(doc: str | None) -> argparse.ArgumentParser:
    """The command line of a benchmark on :func:`analysis_case`: ``--calls``, ``--seed``, ``--people``
    and ``--background`` (2,500,000, 5, 5,000 and 160,000)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2_500_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--people", type=int, default=PEOPLE, help="people in the trafficking case")
    ap.add_argument("--background", type=int, default=BACKGROUND, help="ordinary callers around them")
    return ap


#: the benchmark case's people and ordinary callers
PEOPLE, BACKGROUND = 5000, 160_000


def analysis_case(calls: int, seed: int, people: int = PEOPLE, background: int = BACKGROUND) -> Path:
    """The benchmark case of ``calls`` call records (``people`` in the case, ``background`` ordinary
    callers), generated and loaded into ``CACHE`` on first use; returns its folder (workspace:
    ``ws.duckdb`` in it)."""
    from netinv.store import EmbeddedStore
    from netinv.synth import generate
    from netinv.workflow import load_generated

    size = "" if (people, background) == (PEOPLE, BACKGROUND) else f"-people{people}-background{background}"
    case = CACHE / f"analysis-{calls}-seed{seed}{size}"
    ws = case / "ws.duckdb"
    if not ws.exists():
        print("generating and loading the case (first run only) ...", file=sys.stderr)
        generate(case, seed=seed, people=people, background=background, target_calls=calls)
        with EmbeddedStore(ws) as st:
            load_generated(case, st)
    return case


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    p = RESULTS / f"{name}.json"
    p.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return p
