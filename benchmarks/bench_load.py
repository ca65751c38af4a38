"""Load 1,000,000 call records from CSV into an embedded workspace and build the network.

    .venv/bin/python benchmarks/bench_load.py [--calls 1000000]

Target (issue "netinv core"): <= 30 s and <= 2 GiB peak memory on a 2-core machine.  The
baseline in the same run is the least any loader must do: read the same files with pandas as
text and insert them into DuckDB, with no parsing, validation, hashing or provenance.  Each step
runs in its own process so that its peak memory is its own.  Results go to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import sys

from _common import CACHE, PEAK, machine, run_child, save

NETINV = r"""
import json, sys, time
t0 = time.perf_counter()
from netinv.adapters import read_records
from netinv.store import EmbeddedStore
files = sys.argv[1].split(",")
t1 = time.perf_counter()
batch = read_records("calls", files, "cdr-cn")
t2 = time.perf_counter()
st = EmbeddedStore(sys.argv[2])
res = st.write(batch)
t3 = time.perf_counter()
net = st.network(layers=("calls",))
g = net.graph
t4 = time.perf_counter()
print(json.dumps({"records": len(batch.records), "new": res.records_new, "nodes": g.vcount(), "edges": g.ecount(),
                  "read_validate_s": round(t2 - t1, 2), "write_s": round(t3 - t2, 2),
                  "network_s": round(t4 - t3, 2), "total_s": round(t4 - t1, 2), "import_s": round(t1 - t0, 2),
                  "peak_rss_mib": _peak()}))
"""

BASELINE = r"""
import json, sys, time
import duckdb, pandas as pd
files = sys.argv[1].split(",")
t1 = time.perf_counter()
frames = [pd.read_csv(f, dtype=str, encoding="gb18030" if f.endswith("_a.csv") else "utf-8-sig") for f in files]
con = duckdb.connect(sys.argv[2])
for i, df in enumerate(frames):
    con.register("df", df)
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM df")
t2 = time.perf_counter()
print(json.dumps({"records": sum(len(f) for f in frames), "total_s": round(t2 - t1, 2), "peak_rss_mib": _peak()}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--people", type=int, default=2000, help="people in the generated case")
    args = ap.parse_args()
    from netinv.synth import generate

    case = CACHE / (f"calls-{args.calls}-seed{args.seed}" + ("" if args.people == 2000 else f"-people{args.people}"))
    if not (case / "manifest.json").exists():
        print(f"generating {args.calls:,} call records into {case} ...", file=sys.stderr)
        generate(case, seed=args.seed, people=args.people, target_calls=args.calls)
    files = ",".join(str(case / "cdr" / n) for n in ("carrier_a.csv", "carrier_b.csv"))
    ws = CACHE / "bench-load.duckdb"
    base_ws = CACHE / "bench-baseline.duckdb"
    for p in (ws, base_ws):
        for q in (p, p.with_name(p.name + ".wal")):
            q.unlink(missing_ok=True)
    baseline = run_child(PEAK + BASELINE, files, str(base_ws))
    netinv = run_child(PEAK + NETINV, files, str(ws))
    result = {
        "benchmark": "load 1M call records (CSV, two carrier formats, GBK + UTF-8) into an embedded workspace "
                     "and build the network",
        "machine": machine(),
        "calls": args.calls,
        "netinv": netinv,
        "baseline_pandas_text_into_duckdb": baseline,
        "ratio_netinv_to_baseline": round(netinv["total_s"] / baseline["total_s"], 2),
        "targets": {"total_s": 30, "peak_rss_mib": 2048},
        "meets_targets": netinv["total_s"] <= 30 and netinv["peak_rss_mib"] <= 2048,
    }
    path = save("load", result)
    print(json.dumps(result, indent=2))
    print(f"saved {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
