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
RESULTS = HERE / "results"
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
    """The command line of a benchmark on :func:`analysis_case`: ``--calls`` and ``--seed`` (2,500,000 and 5)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2_500_000)
    ap.add_argument("--seed", type=int, default=5)
    return ap


def analysis_case(calls: int, seed: int) -> Path:
    """The benchmark case of ``calls`` call records (5,000 people, 160,000 ordinary callers), generated
    and loaded into ``CACHE`` on first use; returns its folder (workspace: ``ws.duckdb`` in it)."""
    from netinv.store import EmbeddedStore
    from netinv.synth import generate
    from netinv.workflow import load_generated

    case = CACHE / f"analysis-{calls}-seed{seed}"
    ws = case / "ws.duckdb"
    if not ws.exists():
        print("generating and loading the case (first run only) ...", file=sys.stderr)
        generate(case, seed=seed, people=5000, background=160_000, target_calls=calls)
        with EmbeddedStore(ws) as st:
            load_generated(case, st)
    return case


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    p = RESULTS / f"{name}.json"
    p.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return p
