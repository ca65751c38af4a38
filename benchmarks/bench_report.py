"""The case report on the benchmark case, section by section.

    .venv/bin/python benchmarks/bench_report.py [--calls 2500000] [--seed 5]

The case is bench_analysis.py's (generated and loaded into benchmarks/.cache on the first run of
either).  The report writes to its workspace (the high-volume numbers it finds, for one), so it runs
on a copy.  Each step is timed from the report's own progress messages, as ``netinv report`` shows
them; seeds: everyone arrested with retail quantities, as the report takes them by default
(benchmarks/results/report.json).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import analysis_case, analysis_case_parser, machine, save


def main() -> None:
    ap = analysis_case_parser(__doc__)
    args = ap.parse_args()
    from netinv.store import EmbeddedStore
    from netinv.workflow import make_report

    ws = analysis_case(args.calls, args.seed, args.people, args.background) / "ws.duckdb"
    steps: list[list] = []

    def step(message: str) -> None:
        now = time.perf_counter()
        if steps:
            steps[-1][1] = round(now - steps[-1][1], 1)
            print(f"{steps[-1][0]:<36} {steps[-1][1]:>7.1f} s", file=sys.stderr, flush=True)
        steps.append([message, now])

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "ws.duckdb"
        shutil.copy(ws, copy)
        with EmbeddedStore(copy) as st:
            t0 = time.perf_counter()
            make_report(st, Path(tmp) / "report.html", progress=step)
            step("done")
            total = round(time.perf_counter() - t0, 1)
    rows = [{"step": m, "seconds": s} for m, s in steps[:-1]]
    save("report", {"benchmark": "case report", "machine": machine(), "calls": args.calls, "rows": rows,
                    "total_seconds": total})
    for r in rows:
        print(f"{r['step']:<36} {r['seconds']:>7.1f} s")
    print(f"{'the whole report':<36} {total:>7.1f} s")


if __name__ == "__main__":
    main()
