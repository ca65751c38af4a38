"""Building the network at phone, person and resolved level on the benchmark case.

    .venv/bin/python benchmarks/bench_network.py [--calls 2500000] [--seed 5]

The case is bench_analysis.py's (generated and loaded into benchmarks/.cache on the first run of
either).  Person resolution runs once first and is not counted in the resolved level's time; the
resolved level's replacement-phone search is.  After the person level, the records behind the
hops of 5 routes from 10 retail dealers are gathered, as ``netinv routes`` lists them
(benchmarks/results/network.json).
"""

from __future__ import annotations

import sys
import time

from _common import analysis_case, analysis_case_parser, machine, save


def hop_evidence(st, net) -> dict:
    """The records behind the hops of 5 routes from 10 retail dealers (what netinv routes lists)."""
    from netinv import analysis as an
    from netinv.workflow import route_evidence

    routes = an.routes(net, net.retail_arrests()[:10], k=5)
    t0 = time.perf_counter()
    hops = route_evidence(st, net, routes)
    return {"step": f"route evidence, {len(hops)} hops", "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = analysis_case_parser(__doc__)
    args = ap.parse_args()
    from netinv.store import EmbeddedStore

    ws = analysis_case(args.calls, args.seed, args.people, args.background) / "ws.duckdb"
    rows = []
    with EmbeddedStore(ws, read_only=True) as st:
        t0 = time.perf_counter()
        res = st.resolution()
        rows.append({"step": "person resolution", "seconds": round(time.perf_counter() - t0, 1)})
        for level in ("phone", "person", "resolved"):
            t0 = time.perf_counter()
            net = st.network(level=level, resolution=res) if level == "resolved" else st.network(level=level)
            rows.append({"step": f"network, {level} level", "seconds": round(time.perf_counter() - t0, 1),
                         "nodes": len(net.nodes), "edges": len(net.edges)})
            print(rows[-1], file=sys.stderr, flush=True)
            if level == "person":
                rows.append(hop_evidence(st, net))
                print(rows[-1], file=sys.stderr, flush=True)
    save("network", {"benchmark": "network build per level", "machine": machine(), "calls": args.calls,
                     "rows": rows})
    for r in rows:
        print(f"{r['step']:<28} {r['seconds']:>7.1f} s" + (f"  {r['nodes']:,} nodes, {r['edges']:,} edges"
                                                          if "nodes" in r else ""))


if __name__ == "__main__":
    main()
