"""Replacement phones found on generated cases, with and without the handover rule.

    .venv/bin/python benchmarks/successor_accuracy.py --seeds 1 2 3 --people 50 100 200 400 [--lingering 0 1]
        [--spare-digit] [--handsets key|raw]

For each case (generated with ``lingering`` = 0: every replaced phone goes silent; = 1: every old
phone stays in use for a tenth of its user's calls, a handover), the call records are loaded into
a fresh embedded workspace and :func:`netinv.linkage.successors` runs with the high-volume numbers
left out, its first candidate per old phone taken, once with the quiet rule alone
(``handover=False``) and once with the handover rule too.  Counted against ``ground_truth.json``:
the true pairs found (of the case's replacements) and the pairs that are not replacements, each by
the rule that found it (``how``), with the time.  Results: benchmarks/results/successors_accuracy.json
and a table on stdout.

``--misses FILE.csv`` also writes one row per replacement the handover rule misses: how many calls
the new phone made and with how many contacts, the old phone's calls before and after the new one's
first call, the contacts they share, the switch day and the user's arrest day (case days), and
whether the rule finds the pair with one threshold eased (``found_ratio_0.4``: a fall to 40% of
the earlier rate instead of 20%; ``found_shared_2``: two shared contacts instead of three).

``--spare-digit`` generates the cases with carrier B writing each IMEI with a 0 in place of its
check digit; ``--handsets raw`` then compares IMEIs as written (each distinct value is replaced by
a distinct 15-digit number before the search), as netinv did before it compared handsets by their
first 14 digits (``key``, the default).  ``same_handset`` counts the true pairs found (with the
handover rule) whose evidence includes the same handset, of ``kept_handset``: the replacements
whose user kept the handset.
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


def _contacts(calls, phone: str) -> set:
    mine = calls[(calls["caller"] == phone) | (calls["callee"] == phone)]
    return set(mine["caller"].where(mine["caller"] != phone, mine["callee"]))


def misses(case, calls, arrests, hubs: list[str], found: dict) -> list[dict]:
    """One row per true replacement whose first candidate (handover rule on) is not its new phone."""
    import pandas as pd

    from netinv.linkage import successors

    eased = {k: successors(calls, exclude=hubs, top=1, **kw) for k, kw in
             (("found_ratio_0.4", {"handover_ratio": 0.4}), ("found_shared_2", {"min_handover_shared": 2}))}
    eased = {k: dict(zip(v["old"], v["candidate"])) for k, v in eased.items()}
    day0 = pd.Timestamp(case.truth["start"]).tz_localize(None).normalize()
    arrested = arrests.groupby("person_id")["date"].min()
    rows = []
    for r in case.truth["replacements"]:
        if found.get(r["old"]) == r["new"]:
            continue
        new = calls[(calls["caller"] == r["new"]) | (calls["callee"] == r["new"])]
        old = calls[(calls["caller"] == r["old"]) | (calls["callee"] == r["old"])]
        after = old[old["start"] >= new["start"].min()] if len(new) else old.iloc[0:0]
        arrest = arrested.get(r["person_id"])
        rows.append({"person_id": r["person_id"], "switch_day": r["switch_day"],
                     "arrest_day": None if arrest is None else (arrest - day0).days,
                     "new_calls": len(new), "new_contacts": len(_contacts(new, r["new"])),
                     "old_calls": len(old), "old_calls_after": len(after),
                     "shared": len(_contacts(old, r["old"]) & _contacts(new, r["new"])),
                     "other_first": found.get(r["old"]),
                     **{k: v.get(r["old"]) == r["new"] for k, v in eased.items()}})
    return rows


def _as_written(calls):
    """``calls`` with each distinct IMEI value (either end) replaced by a distinct 15-digit number:
    handsets compared as written, not by their key."""
    import pandas as pd

    ends = pd.concat([calls["imei"], calls["callee_imei"]], ignore_index=True)
    codes, _ = pd.factorize(ends)
    fake = pd.Series([None if c < 0 else f"35{c:012d}7" for c in codes], dtype="string")
    return calls.assign(imei=fake.iloc[:len(calls)].to_numpy(), callee_imei=fake.iloc[len(calls):].to_numpy())


def score(people: int, seed: int, lingering: float, missed: list | None = None, spare_digit: bool = False,
          handsets: str = "key") -> dict:
    from netinv.analysis import hub_ids
    from netinv.linkage import successors
    from netinv.store import EmbeddedStore
    from netinv.synth import generate
    from netinv.workflow import load_generated

    with tempfile.TemporaryDirectory() as d:
        case = generate(Path(d) / "case", seed=seed, people=people, lingering=lingering, spare_digit=spare_digit)
        with EmbeddedStore(Path(d) / "ws.duckdb") as st:
            load_generated(case.path, st)
            calls = st.records("calls")
            arrests = st.records("arrests")
            hubs = [h.split(":", 1)[1] for h in hub_ids(st.network(layers=("calls",), level="phone"))]
    if handsets == "raw":
        calls = _as_written(calls)
    truth = {r["old"]: r["new"] for r in case.truth["replacements"]}
    row = {"people": people, "seed": seed, "lingering": lingering, "replacements": len(truth),
           "calls": len(calls), "spare_digit": spare_digit, "handsets": handsets,
           "kept_handset": sum(r["same_imei"] for r in case.truth["replacements"])}
    for rule, handover in (("quiet", False), ("handover", True)):
        t0 = time.perf_counter()
        s = successors(calls, exclude=hubs, top=1, handover=handover)
        row[f"{rule}_s"] = round(time.perf_counter() - t0, 3)
        true = np.array([truth.get(o) == c for o, c in zip(s["old"], s["candidate"])], dtype=bool)
        for how in ("quiet", "handover"):
            mine = (s["how"] == how).to_numpy()
            row[f"{rule}_rule_true_{how}"] = int((mine & true).sum())
            row[f"{rule}_rule_other_{how}"] = int((mine & ~true).sum())
    row["same_handset"] = int((true & s["same_imei"].to_numpy(dtype=bool)).sum())  # s: with the handover rule
    if missed is not None:
        found = dict(zip(s["old"], s["candidate"]))  # s: the last run, with the handover rule
        missed.extend({"people": people, "seed": seed, "lingering": lingering, **m}
                      for m in misses(case, calls, arrests, hubs, found))
    return row


def table(rows: list[dict]) -> str:
    """Totals per size and lingering share: true pairs found and other pairs, by rule."""
    out = ["| people | lingering | cases | replacements | quiet rule: true · other | with handover: true "
           "(quiet + handover) · other (quiet + handover) | same handset / kept it | seconds (quiet / with handover) |",
           "|---|---|---|---|---|---|---|---|"]
    keys = sorted({(r["people"], r["lingering"]) for r in rows})
    for people, lingering in keys:
        g = [r for r in rows if r["people"] == people and r["lingering"] == lingering]
        s = {k: sum(r[k] for r in g) for k in g[0]
             if k.endswith(("_quiet", "_handover", "_s")) or k in ("replacements", "same_handset", "kept_handset")}
        q_true = s["quiet_rule_true_quiet"]
        q_other = s["quiet_rule_other_quiet"]
        hq, hh = s["handover_rule_true_quiet"], s["handover_rule_true_handover"]
        oq, oh = s["handover_rule_other_quiet"], s["handover_rule_other_handover"]
        out.append(f"| {people} | {lingering:g} | {len(g)} | {s['replacements']} | {q_true} · {q_other} | "
                   f"{hq + hh} ({hq} + {hh}) · {oq + oh} ({oq} + {oh}) | "
                   f"{s['same_handset']} / {s['kept_handset']} | "
                   f"{s['quiet_s'] / len(g):.2f} / {s['handover_s'] / len(g):.2f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--people", type=int, nargs="+", default=[50, 100, 200, 400])
    ap.add_argument("--lingering", type=float, nargs="+", default=[0.0, 1.0])
    ap.add_argument("--misses", type=Path, help="CSV file for the replacements the handover rule misses")
    ap.add_argument("--spare-digit", action="store_true", help="carrier B writes IMEIs with a 0 for the check digit")
    ap.add_argument("--handsets", choices=("key", "raw"), default="key",
                    help="compare handsets by their key (default) or as written")
    args = ap.parse_args(argv)
    rows, missed = [], ([] if args.misses else None)
    for people in args.people:
        for lingering in args.lingering:
            for seed in args.seeds:
                rows.append(score(people, seed, lingering, missed, args.spare_digit, args.handsets))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    name = "successors_accuracy" + ("_spare_digit" if args.spare_digit else "") + \
        ("_as_written" if args.handsets == "raw" else "")
    save(name, {"benchmark": "replacement phones on generated cases, quiet rule and handover rule",
                "machine": machine(), "seeds": args.seeds, "spare_digit": args.spare_digit,
                "handsets": args.handsets, "rows": rows, "table": table(rows)})
    print(table(rows))
    if args.misses:
        import pandas as pd

        pd.DataFrame(missed).to_csv(args.misses, index=False)
        print(f"{len(missed)} missed replacement(s) written to {args.misses}")


if __name__ == "__main__":
    main()
