"""Replacement phones found on generated cases, with and without the handover rule.

    .venv/bin/python benchmarks/successor_accuracy.py --seeds 1 2 3 --people 50 100 200 400 [--lingering 0 1]

For each case (generated with ``lingering`` = 0: every replaced phone goes silent; = 1: every old
phone stays in use for a tenth of its user's calls, a handover), the call records are loaded into
a fresh embedded workspace and :func:`netinv.linkage.successors` runs with the high-volume numbers
left out, its first candidate per old phone taken, once with the quiet rule alone
(``handover=False``) and once with the handover rule too.  Counted against ``ground_truth.json``:
the true pairs found (of the case's replacements) and the pairs that are not replacements, each by
the rule that found it (``how``), with the time.  Results: benchmarks/results/successors_accuracy.json
and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import machine, save


def score(people: int, seed: int, lingering: float) -> dict:
    from netinv.analysis import hub_ids
    from netinv.linkage import successors
    from netinv.store import EmbeddedStore
    from netinv.synth import generate
    from netinv.workflow import load_generated

    with tempfile.TemporaryDirectory() as d:
        case = generate(Path(d) / "case", seed=seed, people=people, lingering=lingering)
        with EmbeddedStore(Path(d) / "ws.duckdb") as st:
            load_generated(case.path, st)
            calls = st.records("calls")
            hubs = [h.split(":", 1)[1] for h in hub_ids(st.network(layers=("calls",), level="phone"))]
    truth = {r["old"]: r["new"] for r in case.truth["replacements"]}
    row = {"people": people, "seed": seed, "lingering": lingering, "replacements": len(truth),
           "calls": len(calls)}
    for rule, handover in (("quiet", False), ("handover", True)):
        t0 = time.perf_counter()
        s = successors(calls, exclude=hubs, top=1, handover=handover)
        row[f"{rule}_s"] = round(time.perf_counter() - t0, 3)
        true = np.array([truth.get(o) == c for o, c in zip(s["old"], s["candidate"])], dtype=bool)
        for how in ("quiet", "handover"):
            mine = (s["how"] == how).to_numpy()
            row[f"{rule}_rule_true_{how}"] = int((mine & true).sum())
            row[f"{rule}_rule_other_{how}"] = int((mine & ~true).sum())
    return row


def table(rows: list[dict]) -> str:
    """Totals per size and lingering share: true pairs found and other pairs, by rule."""
    out = ["| people | lingering | cases | replacements | quiet rule: true · other | with handover: true "
           "(quiet + handover) · other (quiet + handover) | seconds (quiet / with handover) |",
           "|---|---|---|---|---|---|---|"]
    keys = sorted({(r["people"], r["lingering"]) for r in rows})
    for people, lingering in keys:
        g = [r for r in rows if r["people"] == people and r["lingering"] == lingering]
        s = {k: sum(r[k] for r in g) for k in g[0] if k.endswith(("_quiet", "_handover", "_s")) or k == "replacements"}
        q_true = s["quiet_rule_true_quiet"]
        q_other = s["quiet_rule_other_quiet"]
        hq, hh = s["handover_rule_true_quiet"], s["handover_rule_true_handover"]
        oq, oh = s["handover_rule_other_quiet"], s["handover_rule_other_handover"]
        out.append(f"| {people} | {lingering:g} | {len(g)} | {s['replacements']} | {q_true} · {q_other} | "
                   f"{hq + hh} ({hq} + {hh}) · {oq + oh} ({oq} + {oh}) | "
                   f"{s['quiet_s'] / len(g):.2f} / {s['handover_s'] / len(g):.2f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--people", type=int, nargs="+", default=[50, 100, 200, 400])
    ap.add_argument("--lingering", type=float, nargs="+", default=[0.0, 1.0])
    args = ap.parse_args(argv)
    rows = []
    for people in args.people:
        for lingering in args.lingering:
            for seed in args.seeds:
                rows.append(score(people, seed, lingering))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    save("successors_accuracy", {"benchmark": "replacement phones on generated cases, quiet rule and handover rule",
                                 "machine": machine(), "seeds": args.seeds, "rows": rows, "table": table(rows)})
    print(table(rows))


if __name__ == "__main__":
    main()
