"""The replacement-phone search and the dossier on the benchmark case.

    .venv/bin/python benchmarks/bench_successors.py [--calls 2500000] [--seed 5] [--repeat 2]

The case is bench_analysis.py's (generated and loaded into benchmarks/.cache on the first run of
either).  The calls are read once; :func:`netinv.linkage.successors` then runs in four settings
(every phone; numbers that went quiet only; the high-volume numbers left out, as ``netinv
successors`` and the dossier leave them out; the same with one candidate per phone), each
``--repeat`` times, and the dossier of the first phone the search names, with and without its
successor search (benchmarks/results/successors.json).
"""

from __future__ import annotations

import sys
import time

from _common import analysis_case, analysis_case_parser, machine, save


def main() -> None:
    ap = analysis_case_parser(__doc__)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each setting")
    args = ap.parse_args()
    from netinv import analysis as an
    from netinv.dossier import dossier
    from netinv.linkage import successors
    from netinv.store import EmbeddedStore

    ws = analysis_case(args.calls, args.seed, args.people, args.background) / "ws.duckdb"
    rows = []
    with EmbeddedStore(ws, read_only=True) as st:
        t0 = time.perf_counter()
        calls = st.records("calls")
        rows.append({"step": f"read {len(calls):,} calls", "seconds": [round(time.perf_counter() - t0, 2)]})
        hubs = [h.split(":", 1)[1] for h in an.hub_ids(st.network(layers=("calls",), level="phone"))
                if h.startswith("phone:")]
        settings = {"every phone": {}, "quiet only": {"handover": False}, "high-volume numbers left out":
                    {"exclude": hubs}, "the same, top=1": {"exclude": hubs, "top": 1}}
        first = None
        for name, kw in settings.items():
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                found = successors(calls, **kw)
                times.append(round(time.perf_counter() - t0, 2))
            first = first if first is not None or found.empty else found["old"].iloc[0]
            rows.append({"step": f"successors, {name}", "seconds": times, "rows": len(found)})
            print(rows[-1], file=sys.stderr, flush=True)
        if first is not None:
            for with_search in (True, False):
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    d = dossier(st, "phone:" + first, successors=with_search)
                    times.append(round(time.perf_counter() - t0, 2))
                rows.append({"step": f"dossier of {first}" + ("" if with_search else ", no successor search"),
                             "seconds": times, "rows": len(d.successors)})
                print(rows[-1], file=sys.stderr, flush=True)
    save("successors", {"benchmark": "replacement-phone search and dossier", "machine": machine(),
                        "calls": args.calls, "rows": rows})
    for r in rows:
        print(f"{r['step']:<58} " + ", ".join(f"{s:.2f}" for s in r["seconds"]) + " s"
              + (f"  ({r['rows']:,} rows)" if "rows" in r else ""))


if __name__ == "__main__":
    main()
