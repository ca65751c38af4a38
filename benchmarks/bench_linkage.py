"""Person resolution over 100,000 person records and successor detection over 1,000,000 calls.

    .venv/bin/python benchmarks/bench_linkage.py [--records 100000]

Each runs in its own process so that its peak memory is its own (benchmarks/results/linkage.json).
Person records are synthetic: true people with one to three records each, from a case file
(case-local id, name sometimes in pinyin or misspelt, ID number sometimes missing) and from an
attribution sheet (registry id, phone); the precision and recall of the merged pairs are reported
with the time.  The calls are the 1,000,000-record case of bench_load.py.
"""

from __future__ import annotations

import argparse
import json
import sys

from _common import CACHE, PEAK, machine, run_child, save

RESOLVE = r"""
import itertools, json, sys, time
import numpy as np, pandas as pd
from netinv.linkage import resolve
from netinv.synth.people import chinese_name, cn_id_number
from netinv.synth.variants import vary_name
n_records = int(sys.argv[1])
rng = np.random.default_rng(1)
holders, arrests, truth = [], [], {}
k = 0
person = 0
while k < n_records:
    person += 1
    name = chinese_name(rng)
    birth = pd.Timestamp("1970-01-01") + pd.Timedelta(days=int(rng.integers(0, 12000)))
    idn = cn_id_number("440303", birth, int(rng.integers(1000)))
    phone = f"+86138{int(rng.integers(10**8)):08d}"
    pid = f"P{person:06d}"
    holders.append({"person_id": pid, "name": name, "id_number": idn, "id_number_valid": True, "phone": phone,
                    "account": None})
    truth[pid] = pid
    k += 1
    for j in range(int(rng.integers(0, 3))):
        local = f"C{person:06d}-{j}"
        truth[local] = pid
        arrests.append({"person_id": local, "name": vary_name(name, rng), "case_id": f"K{person:06d}{j}",
                        "id_number": idn if rng.random() < 0.7 else None,
                        "id_number_valid": True if rng.random() < 0.7 else None,
                        "phone": phone if rng.random() < 0.6 else None, "account": None})
        k += 1
h, a = pd.DataFrame(holders), pd.DataFrame(arrests)
a["id_number_valid"] = a["id_number"].notna()
t = time.perf_counter()
res = resolve(h, a)
dt = time.perf_counter() - t
ent = res.entities
groups = ent.groupby(ent).apply(lambda s: list(s.index))
pred = set()
for members in groups:
    pred.update(itertools.combinations(sorted(members), 2))
true = set()
by_true = {}
for pid, tp in truth.items():
    by_true.setdefault(tp, []).append(pid)
for members in by_true.values():
    true.update(itertools.combinations(sorted(members), 2))
tp = len(pred & true)
print(json.dumps({"records": len(h) + len(a), "person_ids": len(ent), "people": person, "seconds": round(dt, 2),
                  "precision": round(tp / max(len(pred), 1), 4), "recall": round(tp / max(len(true), 1), 4),
                  "review_pairs": len(res.review), "peak_rss_mib": _peak()}))
"""

SUCCESSORS = r"""
import json, sys, time
from netinv.store import EmbeddedStore
from netinv.linkage import successors
with EmbeddedStore(sys.argv[1], read_only=True) as st:
    t0 = time.perf_counter()
    calls = st.records("calls")
    t1 = time.perf_counter()
s = successors(calls, top=3)
t2 = time.perf_counter()
print(json.dumps({"calls": len(calls), "read_s": round(t1 - t0, 2), "successors_s": round(t2 - t1, 2),
                  "old_phones_with_candidates": int(s["old"].nunique()), "peak_rss_mib": _peak()}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    args = ap.parse_args()
    resolve_res = run_child(PEAK + RESOLVE, str(args.records))
    ws = CACHE / "bench-load.duckdb"
    if not ws.exists():
        sys.exit("run benchmarks/bench_load.py first (it leaves the 1M-call workspace in benchmarks/.cache)")
    succ = run_child(PEAK + SUCCESSORS, str(ws))
    out = {"benchmark": "identity: person resolution and replacement-phone detection", "machine": machine(),
           "resolution": resolve_res, "successors": succ}
    print(json.dumps(out, indent=2))
    print(f"saved {save('linkage', out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
