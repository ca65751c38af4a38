"""Sampled betweenness against the exact value, on a network not made by netinv's generator.

    .venv/bin/python benchmarks/bench_betweenness.py [--pivots 256] [--seeds 1 2 3]

The network is the AMLSim 20K bank-transfer simulation in ../shared/datasets (19,980 accounts that
sent or received a transfer, 117,326 payer-payee pairs; undirected, hop counts).  Its exact
betweenness takes about a minute here, so the estimators can be scored against the truth:

- ``scaled``: netinv's default, pivots with linear scaling (``netinv.analysis.pivots``);
- ``plain``: plain pivot sampling, igraph's ``betweenness(sources=...)`` (the baseline);

both with the same pivots per seed.  For each: the time, the median relative error of the exact
top 10 and top 100, how many of the exact top 10 and top 100 the estimate ranks there, and the
share of the exact top 100 whose error is within two of the estimate's standard errors (how
honest the stated error is).  Results: benchmarks/results/betweenness.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _common import machine, save

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "amlsim_ibm_sample" / "20K_fanin200cycle200"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pivots", type=int, default=256)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--data", type=Path, default=DATA, help="AMLSim folder with transactions.csv")
    args = ap.parse_args()
    from netinv import analysis as an
    from netinv.network import Network

    tx = pd.read_csv(args.data / "transactions.csv")
    edges = pd.DataFrame({"source": tx["sourceNodeId"].astype(str), "target": tx["targetNodeId"].astype(str),
                          "layer": "money"})
    net = Network.from_edges(edges, kind="account", layer="money")
    print(f"{len(net.nodes):,} accounts; exact betweenness ...", file=sys.stderr)
    t = time.perf_counter()
    exact, _, _ = an.betweenness(net)
    t_exact = time.perf_counter() - t
    top10, top100 = np.argsort(-exact)[:10], np.argsort(-exact)[:100]

    def score(est, se):
        return {
            "median_relative_error_top10": float(np.median(np.abs(est[top10] - exact[top10]) / exact[top10])),
            "median_relative_error_top100": float(np.median(np.abs(est[top100] - exact[top100]) / exact[top100])),
            "exact_top10_found": int(len(set(top10) & set(np.argsort(-est)[:10]))),
            "exact_top100_found": int(len(set(top100) & set(np.argsort(-est)[:100]))),
            "top100_within_2_se": float(np.mean(np.abs(est[top100] - exact[top100]) <= 2 * se[top100])),
        }

    runs = {"scaled": [], "plain": []}
    for seed in args.seeds:
        for name in runs:
            t = time.perf_counter()
            est, se, how = an.betweenness(net, samples=args.pivots, seed=seed, scaled=name == "scaled")
            runs[name].append({"seed": seed, "s": round(time.perf_counter() - t, 3), "method": how, **score(est, se)})
            print(name, runs[name][-1], file=sys.stderr)

    def summary(rows):
        keys = [k for k in rows[0] if k not in ("seed", "method")]
        return {k: round(float(np.mean([r[k] for r in rows])), 3) for k in keys}

    out = {
        "benchmark": "sampled betweenness vs exact on the AMLSim 20K transfer network, one run",
        "machine": machine(), "data": str(args.data), "accounts": len(net.nodes),
        "account_pairs": int(len(net.edges)), "pivots": args.pivots, "exact_s": round(t_exact, 2),
        "top100_over_top1": round(float(exact[top100[-1]] / exact[top10[0]]), 3),
        "mean_over_seeds": {name: summary(rows) for name, rows in runs.items()}, "runs": runs,
    }
    m = out["mean_over_seeds"]
    out["error_ratio_plain_over_scaled_top100"] = round(
        m["plain"]["median_relative_error_top100"] / m["scaled"]["median_relative_error_top100"], 2)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    print(f"saved {save('betweenness', out)}")


if __name__ == "__main__":
    main()
